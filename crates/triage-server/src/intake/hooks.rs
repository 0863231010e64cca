//! The webhook endpoints: Alertmanager, Grafana and Triage's own shape. A refusal is
//! Triage's error shape with every problem of the payload listed; senders retry only
//! server errors, so a bad payload is never retried into a storm.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use triage_core::alert::alertmanager::{self, Dialect};
use triage_core::alert::{IntegrationKind, Signal, webhook};

use super::key_from_headers;
use crate::AppState;
use crate::error::{ApiError, ApiResult};

pub async fn receive(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let key = key_from_headers(&headers).ok_or_else(|| {
        ApiError::Unauthorized(format!(
            "no integration key: post to /hooks/{kind}/<key>, or send 'Authorization: Bearer <key>'"
        ))
    })?;
    take(state, &kind, &key, &body).await
}

pub async fn receive_with_key(
    State(state): State<AppState>,
    Path((kind, key)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    take(state, &kind, &key, &body).await
}

async fn take(state: AppState, kind: &str, key: &str, body: &[u8]) -> ApiResult<Json<Value>> {
    let kind = IntegrationKind::parse(kind).map_err(|e| ApiError::NotFound(e.to_string()))?;
    if kind == IntegrationKind::PagerDuty {
        return Err(ApiError::NotFound(
            "PagerDuty events go to POST /v2/enqueue, with the integration key as routing_key"
                .to_string(),
        ));
    }
    let sender = state.store.sender(key).await?.ok_or_else(|| {
        ApiError::Unauthorized("the integration key is unknown or revoked".to_string())
    })?;
    if sender.kind != kind {
        return Err(ApiError::NotFound(format!(
            "this key belongs to a {} integration; post to {}",
            sender.kind,
            endpoint(sender.kind)
        )));
    }
    let payload: Value = serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
        code: "invalid_json",
        message: format!("the body is not valid JSON: {e}"),
    })?;
    let read = match kind {
        IntegrationKind::Alertmanager => alertmanager::read(&payload, Dialect::Alertmanager),
        IntegrationKind::Grafana => alertmanager::read(&payload, Dialect::Grafana),
        IntegrationKind::Webhook | IntegrationKind::PagerDuty => webhook::read(&payload),
    };
    let signals = read.map_err(|problems| ApiError::InvalidPayload {
        message: format!("the {kind} payload is not valid"),
        problems,
    })?;
    let keys: Vec<String> = signals.iter().map(|s| s.dedup_key.clone()).collect();
    let outcomes = ingest(&state, sender.integration_id, kind, signals).await?;
    let listed: Vec<Value> = keys
        .iter()
        .zip(&outcomes)
        .map(|(key, outcome)| {
            let mut entry = json!(outcome);
            entry["dedup_key"] = json!(key);
            entry
        })
        .collect();
    Ok(Json(json!({ "status": "success", "alerts": listed })))
}

/// Takes signals in, counting them for `/metrics`.
pub(super) async fn ingest(
    state: &AppState,
    integration: i64,
    kind: IntegrationKind,
    signals: Vec<Signal>,
) -> ApiResult<Vec<triage_store::Outcome>> {
    let started = std::time::Instant::now();
    let result = state
        .store
        .ingest_alerts(integration, signals, state.now())
        .await;
    state
        .metrics
        .alerts_taken(kind, result.as_deref().ok(), started.elapsed());
    Ok(result?)
}

/// Where a kind's alerts go, for refusals that point the sender the right way.
fn endpoint(kind: IntegrationKind) -> String {
    match kind {
        IntegrationKind::PagerDuty => "/v2/enqueue (the key as routing_key)".to_string(),
        other => format!("/hooks/{other}/<key>"),
    }
}
