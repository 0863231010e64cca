//! PagerDuty's Events API v2, answered as PagerDuty answers: `202` with the dedup key,
//! `400 {"status":"invalid event",...}` naming every problem. PagerDuty's client
//! libraries, Alertmanager's `pagerduty_configs` and monitoring scripts written for
//! PagerDuty work by pointing them at Triage's URL.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use triage_core::alert::IntegrationKind;
use triage_core::alert::pagerduty::{read_change, read_event};
use triage_store::Sender;

use super::hooks::ingest;
use crate::AppState;
use crate::error::ApiError;

/// A refusal in PagerDuty's shape.
pub struct Refusal(StatusCode, Vec<String>);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = json!({
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": self.1,
        });
        (self.0, Json(body)).into_response()
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Refusal(error.status_code(), vec![error.public_message()])
    }
}

/// A refusal in PagerDuty's shape with one error, for the body-reading middleware.
pub fn refusal(status: StatusCode, error: String) -> Response {
    Refusal(status, vec![error]).into_response()
}

fn parse(body: &[u8]) -> Result<Value, Refusal> {
    serde_json::from_slice(body).map_err(|e| {
        Refusal(
            StatusCode::BAD_REQUEST,
            vec![format!("Event object is not valid JSON: {e}")],
        )
    })
}

/// The live PagerDuty integration whose key this is.
async fn integration(state: &AppState, routing_key: &str) -> Result<Sender, Refusal> {
    let found = state
        .store
        .sender(routing_key)
        .await
        .map_err(|e| Refusal::from(ApiError::from(e)))?;
    match found {
        Some(sender) if sender.kind == IntegrationKind::PagerDuty => Ok(sender),
        Some(other) => Err(Refusal(
            StatusCode::NOT_FOUND,
            vec![format!(
                "'routing_key' belongs to a {} integration, not a PagerDuty one; post its alerts to /hooks/{}/<key>",
                other.kind, other.kind
            )],
        )),
        None => Err(Refusal(
            StatusCode::NOT_FOUND,
            vec![
                "'routing_key' is not a live integration key: it is unknown or revoked".to_string(),
            ],
        )),
    }
}

/// A dedup key for a trigger that comes without one: 32 hex characters.
fn new_dedup_key() -> Result<String, Refusal> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Refusal::from(ApiError::Internal(format!("no randomness for a key: {e}"))))?;
    Ok(hex::encode(bytes))
}

pub async fn enqueue(State(state): State<AppState>, body: Bytes) -> Result<Response, Refusal> {
    let payload = parse(&body)?;
    let generated = new_dedup_key()?;
    let event = read_event(&payload, || generated)
        .map_err(|errors| Refusal(StatusCode::BAD_REQUEST, errors))?;
    let integration = integration(&state, &event.routing_key).await?;
    let dedup_key = event.signal.dedup_key.clone();
    ingest(
        &state,
        integration.integration_id,
        IntegrationKind::PagerDuty,
        vec![event.signal],
    )
    .await?;
    let body = json!({"status": "success", "message": "Event processed", "dedup_key": dedup_key});
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

pub async fn change(State(state): State<AppState>, body: Bytes) -> Result<Response, Refusal> {
    let payload = parse(&body)?;
    let change =
        read_change(&payload).map_err(|errors| Refusal(StatusCode::BAD_REQUEST, errors))?;
    let integration = integration(&state, &change.routing_key).await?;
    state
        .store
        .record_change(integration.integration_id, change, state.now())
        .await
        .map_err(|e| Refusal::from(ApiError::from(e)))?;
    let body = json!({"status": "success", "message": "Change event processed"});
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}
