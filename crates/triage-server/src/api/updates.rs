//! `/api/v1/incidents/{key}/updates` and `/stakeholders`: responders post stakeholder
//! updates (to the status page too, if asked) and say who hears of the incident;
//! everyone signed in reads them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use triage_store::{NewStakeholder, NewStakeholderUpdate};

use crate::AppState;
use crate::auth::{Responder, Viewer};
use crate::error::ApiResult;
use crate::extract::ApiJson;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents/{key}/updates", get(updates).post(post_update))
        .route(
            "/incidents/{key}/stakeholders",
            get(stakeholders).post(add_stakeholder),
        )
        .route(
            "/incidents/{key}/stakeholders/{id}",
            delete(remove_stakeholder),
        )
}

async fn updates(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let updates = state.store.updates(&key).await?;
    Ok(Json(json!({ "updates": updates })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    /// What is being done, and how it stands.
    message: String,
    impact: Option<String>,
    /// `30m`: when the next update comes, if sooner than the cadence asks.
    next_update_in: Option<String>,
    #[serde(default)]
    public: bool,
    public_status: Option<String>,
}

async fn post_update(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<UpdateBody>,
) -> ApiResult<impl IntoResponse> {
    let new = NewStakeholderUpdate {
        message: body.message,
        impact: body.impact,
        next_update_in: body.next_update_in,
        public: body.public,
        public_status: body.public_status,
    };
    let update = state
        .store
        .post_update(&key, new, &actor, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(update)))
}

async fn stakeholders(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let stakeholders = state.store.stakeholders(&key).await?;
    Ok(Json(json!({ "stakeholders": stakeholders })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StakeholderBody {
    /// user, group, email, webhook, slack or teams.
    kind: String,
    target: String,
}

async fn add_stakeholder(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<StakeholderBody>,
) -> ApiResult<impl IntoResponse> {
    let new = NewStakeholder {
        kind: body.kind,
        target: body.target,
    };
    let stakeholder = state
        .store
        .add_stakeholder(&key, new, &actor, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(stakeholder)))
}

async fn remove_stakeholder(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path((key, id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    state
        .store
        .remove_stakeholder(&key, id, &actor, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
