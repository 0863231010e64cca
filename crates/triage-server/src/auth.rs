//! Who is asking, and what they may do — in the types. A handler takes [`Viewer`],
//! [`Responder`] or [`Admin`]; the extractor checks the token (a bearer token, or Basic
//! `email:token` as Jira clients send it) and the role before the handler runs, so a
//! forgotten check does not compile.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
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
    let (user, token) = credentials(header)?;
    let actor = state
        .store
        .authenticate(&token)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the token is unknown or revoked".to_string()))?;
    match user {
        Some(user) if !user.trim().eq_ignore_ascii_case(&actor.email) => {
            Err(ApiError::Unauthorized(format!(
                "the token belongs to {}, not to '{user}'",
                actor.email
            )))
        }
        _ => Ok(actor),
    }
}

/// The token, and the user a Basic header names: `Bearer <token>`, or `Basic` with
/// `e-mail:token` (how Jira clients send an API token).
fn credentials(header: &str) -> Result<(Option<String>, String), ApiError> {
    let malformed = || {
        ApiError::Unauthorized(
            "the Authorization header must be 'Bearer <token>' or 'Basic <base64 of email:token>'"
                .to_string(),
        )
    };
    let (scheme, rest) = header.trim().split_once(' ').ok_or_else(malformed)?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Ok((None, rest.to_string()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(malformed)?;
    match decoded.split_once(':') {
        Some((user, token)) if !token.is_empty() => Ok((Some(user.to_string()), token.to_string())),
        _ => Err(malformed()),
    }
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
