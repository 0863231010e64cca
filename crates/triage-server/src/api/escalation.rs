//! `/api/v1/escalation-policies`: who is paged, level by level, until someone
//! acknowledges. Responders describe policies; everyone reads them. A service chooses
//! its policy with `PATCH /services/{name}` (`escalation_policy`, `paging_priorities`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use triage_store::{NewPolicy, PolicyLevel};

use crate::AppState;
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/escalation-policies", get(list).post(create))
        .route(
            "/escalation-policies/{name}",
            get(show).put(replace).delete(remove),
        )
}

async fn list(State(state): State<AppState>, Viewer(_): Viewer) -> ApiResult<impl IntoResponse> {
    Ok(Json(json!({ "policies": state.store.policies().await? })))
}

async fn show(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(name): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.store.policy(&name).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    /// Required to create; must match the path to replace (or be left out).
    name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    repeat: u32,
    /// An acknowledgement not followed by a transition or comment within this long
    /// lapses and paging starts over: `30m`.
    ack_timeout: Option<String>,
    levels: Vec<PolicyLevel>,
}

impl PolicyBody {
    fn into_new(self, name: String) -> NewPolicy {
        NewPolicy {
            name,
            description: self.description,
            repeat: self.repeat,
            ack_timeout: self.ack_timeout,
            levels: self.levels,
        }
    }
}

async fn create(
    State(state): State<AppState>,
    Responder(_): Responder,
    ApiJson(body): ApiJson<PolicyBody>,
) -> ApiResult<impl IntoResponse> {
    let name = body
        .name
        .clone()
        .ok_or_else(|| ApiError::invalid("an escalation policy needs a name"))?;
    let policy = state
        .store
        .create_policy(body.into_new(name), state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(policy)))
}

async fn replace(
    State(state): State<AppState>,
    Responder(_): Responder,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<PolicyBody>,
) -> ApiResult<impl IntoResponse> {
    if let Some(other) = body.name.as_deref().filter(|n| n.trim() != name.trim()) {
        return Err(ApiError::invalid(format!(
            "the body names policy '{other}' but the path '{name}'; policies cannot be renamed"
        )));
    }
    let policy = state
        .store
        .update_policy(&name, body.into_new(name.clone()), state.now())
        .await?;
    Ok(Json(policy))
}

async fn remove(
    State(state): State<AppState>,
    Responder(_): Responder,
    Path(name): Path<String>,
) -> ApiResult<impl IntoResponse> {
    state.store.delete_policy(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}
