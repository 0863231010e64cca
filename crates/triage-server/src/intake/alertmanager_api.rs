//! Alertmanager's own API for receiving alerts, `POST /api/v2/alerts`, so that Prometheus
//! (and amtool) can send to Triage directly, with no Alertmanager in between. Answered
//! as Alertmanager answers: `200` with an empty body; `400` with a JSON string saying
//! what is wrong. The integration key is in the path prefix
//! (`/hooks/alertmanager/<key>/api/v2/alerts`, Prometheus's `path_prefix`) or sent as
//! credentials to `/api/v2/alerts`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use triage_core::alert::IntegrationKind;
use triage_core::alert::alertmanager::read_posted;

use super::hooks::ingest;
use super::key_from_headers;
use crate::AppState;
use crate::error::ApiError;

/// A refusal as Alertmanager words it: a JSON string.
fn refusal(status: StatusCode, message: String) -> Response {
    (status, Json(Value::String(message))).into_response()
}

/// Any other refusal (a database failure, say), in the same form.
fn failed(error: ApiError) -> Response {
    refusal(error.status_code(), error.public_message())
}

pub async fn post_with_key(
    State(state): State<AppState>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    take(&state, &key, &body).await.unwrap_or_else(|e| e)
}

pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(key) = key_from_headers(&headers) else {
        return refusal(
            StatusCode::UNAUTHORIZED,
            "no integration key: post to /hooks/alertmanager/<key>/api/v2/alerts, or send 'Authorization: Bearer <key>'".to_string(),
        );
    };
    take(&state, &key, &body).await.unwrap_or_else(|e| e)
}

async fn take(state: &AppState, key: &str, body: &[u8]) -> Result<Response, Response> {
    let integration = state
        .store
        .sender(key)
        .await
        .map_err(|e| failed(ApiError::from(e)))?
        .filter(|s| s.kind == IntegrationKind::Alertmanager)
        .ok_or_else(|| {
            refusal(
                StatusCode::UNAUTHORIZED,
                "the key is not a live alertmanager integration key".to_string(),
            )
        })?;
    let payload: Value = serde_json::from_slice(body).map_err(|e| {
        refusal(
            StatusCode::BAD_REQUEST,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    let signals = read_posted(&payload, state.now())
        .map_err(|problems| refusal(StatusCode::BAD_REQUEST, problems.join("; ")))?;
    ingest(
        state,
        integration.integration_id,
        IntegrationKind::Alertmanager,
        signals,
    )
    .await
    .map_err(failed)?;
    Ok(StatusCode::OK.into_response())
}

/// What amtool asks before it sends: Alertmanager's status, enough of it to go on.
pub async fn status(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "cluster": {"status": "disabled", "peers": []},
        "versionInfo": {"version": env!("CARGO_PKG_VERSION"), "branch": "triage"},
        "config": {"original": ""},
        "uptime": state.now().to_string(),
    }))
}
