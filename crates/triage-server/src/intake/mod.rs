//! Where monitoring sends alerts. Outside `/api/v1` on purpose: senders authenticate with
//! an integration key (in the URL, as a bearer token, or as a basic-auth password), not
//! with a person's token, and every endpoint answers in its sender's own protocol.
//!
//! - `POST /hooks/alertmanager[/{key}]`: Prometheus Alertmanager's webhook receiver;
//! - `POST /hooks/grafana[/{key}]`: Grafana alerting's webhook contact point;
//! - `POST /hooks/webhook[/{key}]`: Triage's own JSON shape (docs/api.md);
//! - `POST [/hooks/alertmanager/{key}]/api/v2/alerts`: Alertmanager's own API, for
//!   Prometheus and amtool sending straight to Triage ([`alertmanager_api`]);
//! - `POST /v2/enqueue`, `POST /v2/change/enqueue`: PagerDuty's Events API v2, the key
//!   being the body's `routing_key` ([`pagerduty`]).

mod alertmanager_api;
mod hooks;
mod pagerduty;

use axum::Router;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::AppState;
use crate::error::ApiError;

/// Bodies senders may post: an Alertmanager group of thousands of alerts is large.
pub const HOOK_BODY_LIMIT: usize = 32 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hooks/{kind}", post(hooks::receive))
        .route("/hooks/{kind}/{key}", post(hooks::receive_with_key))
        .route(
            "/hooks/alertmanager/{key}/api/v2/alerts",
            post(alertmanager_api::post_with_key),
        )
        .route(
            "/hooks/alertmanager/{key}/api/v2/status",
            get(alertmanager_api::status),
        )
        .route("/api/v2/alerts", post(alertmanager_api::post))
        .route("/api/v2/status", get(alertmanager_api::status))
        .route("/v2/enqueue", post(pagerduty::enqueue))
        .route("/v2/change/enqueue", post(pagerduty::change))
}

/// The largest body a path takes, for the body-reading middleware.
pub fn body_limit(path: &str) -> Option<usize> {
    if path.starts_with("/v2/") {
        Some(triage_core::alert::pagerduty::BODY_LIMIT)
    } else if path.starts_with("/hooks/") || path == "/api/v2/alerts" {
        Some(HOOK_BODY_LIMIT)
    } else {
        None
    }
}

/// The refusal of an oversized body, in the shape the path's sender reads.
pub fn too_large(path: &str, limit: usize) -> Response {
    let message = format!("the body is larger than the limit of {limit} bytes");
    if path.starts_with("/v2/") {
        pagerduty::refusal(StatusCode::PAYLOAD_TOO_LARGE, message)
    } else {
        ApiError::PayloadTooLarge(message).into_response()
    }
}

/// An integration key from `Authorization: Bearer <key>` or `Basic` (the password; the
/// user name is ignored), for senders that cannot put it in the URL.
fn key_from_headers(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(credentials.to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(credentials).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        return text
            .split_once(':')
            .map(|(_, password)| password.to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn keys_come_from_bearer_or_basic_credentials() {
        let mut headers = HeaderMap::new();
        assert_eq!(key_from_headers(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(key_from_headers(&headers).as_deref(), Some("abc"));
        // "grafana:s3cret"
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_static("Basic Z3JhZmFuYTpzM2NyZXQ="),
        );
        assert_eq!(key_from_headers(&headers).as_deref(), Some("s3cret"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Digest x"));
        assert_eq!(key_from_headers(&headers), None);
    }
}
