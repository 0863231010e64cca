//! `/api/v1/me`, `/users`, `/groups`, `/tokens`: people and access.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use triage_core::role::Role;
use triage_store::{NewUser, UserChanges};

use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/users", get(users).post(create_user))
        .route("/users/{email}", get(user).patch(update_user))
        .route("/users/{email}/password", put(set_password))
        .route("/groups", get(groups).post(create_group))
        .route("/groups/{name}", delete(delete_group))
        .route("/tokens", get(tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
}

fn parse_role(text: &str) -> ApiResult<Role> {
    Role::parse(text).map_err(|e| ApiError::invalid(e.to_string()))
}

async fn me(State(state): State<AppState>, Viewer(actor): Viewer) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.store.user(&actor.email).await?))
}

async fn users(State(state): State<AppState>, Viewer(_): Viewer) -> ApiResult<impl IntoResponse> {
    Ok(Json(json!({ "users": state.store.users().await? })))
}

async fn user(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(email): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.store.user(&email).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateUserBody {
    email: String,
    name: Option<String>,
    role: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
}

async fn create_user(
    State(state): State<AppState>,
    Admin(_): Admin,
    ApiJson(body): ApiJson<CreateUserBody>,
) -> ApiResult<impl IntoResponse> {
    let new = NewUser {
        email: body.email,
        name: body.name,
        role: parse_role(body.role.as_deref().unwrap_or("responder"))?,
        groups: body.groups,
    };
    let user = state.store.create_user(new, state.now()).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateUserBody {
    name: Option<String>,
    role: Option<String>,
    active: Option<bool>,
    #[serde(default)]
    add_groups: Vec<String>,
    #[serde(default)]
    remove_groups: Vec<String>,
}

async fn update_user(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(email): Path<String>,
    ApiJson(body): ApiJson<UpdateUserBody>,
) -> ApiResult<impl IntoResponse> {
    let changes = UserChanges {
        name: body.name,
        role: body.role.as_deref().map(parse_role).transpose()?,
        active: body.active,
        add_groups: body.add_groups,
        remove_groups: body.remove_groups,
    };
    Ok(Json(state.store.update_user(&email, changes).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    password: String,
    /// Required when people change their own password; admins may set anyone's without.
    #[serde(default)]
    current_password: Option<String>,
}

/// Sets the password the user signs in to the console with; ends their sessions.
async fn set_password(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
    Path(email): Path<String>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<impl IntoResponse> {
    if actor.role != Role::Admin {
        if !actor.email.eq_ignore_ascii_case(email.trim()) {
            return Err(ApiError::Forbidden(
                "only admins set other people's passwords".to_string(),
            ));
        }
        let current = body.current_password.as_deref().unwrap_or_default();
        if state.store.check_password(&email, current).await?.is_none() {
            return Err(ApiError::Forbidden(
                "current_password is not your current password".to_string(),
            ));
        }
    }
    state.store.set_password(&email, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn groups(State(state): State<AppState>, Viewer(_): Viewer) -> ApiResult<impl IntoResponse> {
    Ok(Json(json!({ "groups": state.store.groups().await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateGroupBody {
    name: String,
    #[serde(default)]
    description: String,
}

async fn create_group(
    State(state): State<AppState>,
    Admin(_): Admin,
    ApiJson(body): ApiJson<CreateGroupBody>,
) -> ApiResult<impl IntoResponse> {
    let group = state
        .store
        .create_group(&body.name, &body.description, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(group)))
}

async fn delete_group(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(name): Path<String>,
) -> ApiResult<impl IntoResponse> {
    state.store.delete_group(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TokensQuery {
    user: Option<String>,
}

/// Your own tokens; an admin may ask for anyone's (`?user=`) or everyone's (`?user=*`).
async fn tokens(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
    ApiQuery(query): ApiQuery<TokensQuery>,
) -> ApiResult<impl IntoResponse> {
    let wanted = query.user.unwrap_or_else(|| actor.email.clone());
    let is_self = wanted.eq_ignore_ascii_case(&actor.email);
    if !is_self && actor.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "only an admin may list another user's tokens".to_string(),
        ));
    }
    let email = (wanted != "*").then_some(wanted.as_str());
    Ok(Json(json!({ "tokens": state.store.tokens(email).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTokenBody {
    /// Whose token; yourself if absent. Only an admin may make one for someone else.
    user: Option<String>,
    #[serde(default)]
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
    ApiJson(body): ApiJson<CreateTokenBody>,
) -> ApiResult<impl IntoResponse> {
    let email = body.user.unwrap_or_else(|| actor.email.clone());
    if !email.trim().eq_ignore_ascii_case(&actor.email) && actor.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "only an admin may create a token for another user".to_string(),
        ));
    }
    let token = state
        .store
        .create_token(&email, &body.name, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(token)))
}

async fn revoke_token(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state.store.revoke_token(id, &actor, state.now()).await?,
    ))
}
