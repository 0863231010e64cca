//! `/api/v1/silences`: silences and maintenance windows. Responders create and end
//! them (the people on call decide what may stay quiet); everyone reads them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use triage_core::duration::parse_duration;
use triage_store::NewSilence;

use crate::AppState;
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/silences", get(list).post(create))
        .route("/silences/{id}", delete(expire))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// active, pending, expired or all (the default).
    state: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<impl IntoResponse> {
    let silences = state
        .store
        .silences(query.state.as_deref(), state.now())
        .await?;
    Ok(Json(json!({ "silences": silences })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    service: Option<String>,
    #[serde(default)]
    matchers: Vec<String>,
    starts_at: Option<Timestamp>,
    ends_at: Option<Timestamp>,
    /// How long from the start, instead of `ends_at`: `2h`, `30m`, `1h30m`.
    duration: Option<String>,
    #[serde(default)]
    comment: String,
}

async fn create(
    State(state): State<AppState>,
    Responder(actor): Responder,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<impl IntoResponse> {
    let now = state.now();
    let starts_at = body.starts_at;
    let ends_at = match (body.ends_at, body.duration.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "give ends_at or duration, not both".to_string(),
            ));
        }
        (Some(end), None) => Some(end),
        (None, Some(duration)) => {
            let length = parse_duration(duration).map_err(|e| ApiError::invalid(e.to_string()))?;
            Some(starts_at.unwrap_or(now) + length)
        }
        (None, None) => None,
    };
    let new = NewSilence {
        service: body.service,
        matchers: body.matchers,
        starts_at,
        ends_at,
        comment: body.comment,
    };
    let silence = state.store.create_silence(new, &actor, now).await?;
    Ok((StatusCode::CREATED, Json(silence)))
}

async fn expire(
    State(state): State<AppState>,
    Responder(_): Responder,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.store.expire_silence(id, state.now()).await?))
}
