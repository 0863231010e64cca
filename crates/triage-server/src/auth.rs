//! Who is asking, and what they may do — in the types. A handler takes [`Viewer`],
//! [`Responder`] or [`Admin`]; the extractor checks the bearer token and the role before
//! the handler runs, so a forgotten check does not compile.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use triage_core::role::Role;
use triage_store::Actor;

use crate::AppState;
use crate::error::ApiError;

/// Any signed-in user: may read.
pub struct Viewer(pub Actor);
/// A responder or admin: may act on incidents.
pub struct Responder(pub Actor);
/// An admin: may manage users, groups and tokens.
pub struct Admin(pub Actor);

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Actor, ApiError> {
    let header = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "missing token: send 'Authorization: Bearer <token>' (create one with `triage token create` or `triage admin bootstrap`)"
                    .to_string(),
            )
        })?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be 'Bearer <token>'".to_string())
        })?;
    state
        .store
        .authenticate(token)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the token is unknown or revoked".to_string()))
}

fn require(actor: Actor, needed: Role, what: &str) -> Result<Actor, ApiError> {
    if actor.role.allows(needed) {
        Ok(actor)
    } else {
        Err(ApiError::Forbidden(format!(
            "{} is a {}; only {what}",
            actor.email, actor.role
        )))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state).await.map(Viewer)
    }
}

impl FromRequestParts<AppState> for Responder {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let actor = authenticate(parts, state).await?;
        require(
            actor,
            Role::Responder,
            "responders and admins may change incidents",
        )
        .map(Responder)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let actor = authenticate(parts, state).await?;
        require(actor, Role::Admin, "admins may do this").map(Admin)
    }
}
