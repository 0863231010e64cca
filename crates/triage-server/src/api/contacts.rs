//! Contact methods: how each person is paged. Everyone manages their own under
//! `/me/contact-methods`; admins set up anyone's under `/users/{email}/contact-methods`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use triage_store::NewContactMethod;

use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::ApiResult;
use crate::extract::ApiJson;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/me/contact-methods",
            get(my_contact_methods).post(add_contact_method),
        )
        .route("/me/contact-methods/{id}", delete(remove_contact_method))
        .route(
            "/users/{email}/contact-methods",
            get(their_contact_methods).post(add_their_contact_method),
        )
        .route(
            "/users/{email}/contact-methods/{id}",
            delete(remove_their_contact_method),
        )
}

async fn my_contact_methods(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
) -> ApiResult<impl IntoResponse> {
    contact_methods_of(&state, &actor.email).await
}

/// Someone else's contact methods (admins: setting up a new colleague's paging).
async fn their_contact_methods(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(email): Path<String>,
) -> ApiResult<impl IntoResponse> {
    contact_methods_of(&state, &email).await
}

async fn contact_methods_of(state: &AppState, email: &str) -> ApiResult<Json<Value>> {
    let methods = state.store.contact_methods(email).await?;
    Ok(Json(json!({ "contact_methods": methods })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactMethodBody {
    /// webhook, slack, teams or email.
    kind: String,
    /// A URL, or an e-mail address.
    address: String,
    #[serde(default)]
    name: String,
    /// Used this long after a page if the incident is still not acknowledged: `2m`.
    after: Option<String>,
}

async fn add_contact_method(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
    ApiJson(body): ApiJson<ContactMethodBody>,
) -> ApiResult<impl IntoResponse> {
    add_contact_method_of(&state, &actor.email, body).await
}

async fn add_their_contact_method(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(email): Path<String>,
    ApiJson(body): ApiJson<ContactMethodBody>,
) -> ApiResult<impl IntoResponse> {
    add_contact_method_of(&state, &email, body).await
}

async fn add_contact_method_of(
    state: &AppState,
    email: &str,
    body: ContactMethodBody,
) -> ApiResult<impl IntoResponse + use<>> {
    let new = NewContactMethod {
        kind: body.kind,
        address: body.address,
        name: body.name,
        after: body.after,
    };
    let method = state
        .store
        .add_contact_method(email, new, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(method)))
}

async fn remove_contact_method(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    state.store.remove_contact_method(&actor.email, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_their_contact_method(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path((email, id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    state.store.remove_contact_method(&email, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
