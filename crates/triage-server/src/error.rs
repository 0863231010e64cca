//! Errors as HTTP: one enum for everything a handler can answer besides success, mapped
//! to a status code and `{"error":{"code","message"}}` here and nowhere else.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use triage_core::workflow::TransitionRefusal;
use triage_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("{0}")]
    TransitionRefused(TransitionRefusal),
    /// A sender's payload with problems, each named.
    #[error("{message}")]
    InvalidPayload {
        message: String,
        problems: Vec<String>,
    },
    /// Not the caller's fault; logged, and answered without details.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::Unprocessable {
            code: "invalid_value",
            message: message.into(),
        }
    }

    /// The message fit to send: an internal error is logged and answered without its
    /// details.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "internal error; the server log has the details".to_string()
            }
            other => other.to_string(),
        }
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TransitionRefused(refusal) => match refusal {
                TransitionRefusal::ConditionsUnmet { .. } => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            ApiError::InvalidPayload { .. } => StatusCode::BAD_REQUEST,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. }
            | ApiError::Conflict { code, .. }
            | ApiError::Unprocessable { code, .. } => code,
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::TransitionRefused(refusal) => match refusal {
                TransitionRefusal::Unknown { .. } | TransitionRefusal::Ambiguous { .. } => {
                    "unknown_transition"
                }
                TransitionRefusal::ConditionsUnmet { .. } => "transition_refused",
                _ => "invalid_value",
            },
            ApiError::InvalidPayload { .. } => "invalid_payload",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let mut error = json!({ "code": self.code(), "message": self.public_message() });
        match &self {
            ApiError::TransitionRefused(refusal) => {
                if !refusal.available().is_empty() {
                    error["available"] = json!(refusal.available());
                }
                if let TransitionRefusal::ConditionsUnmet { unmet, .. } = refusal {
                    error["unmet"] = unmet
                        .iter()
                        .map(|u| json!({ "condition": u.kind, "reason": u.reason }))
                        .collect();
                }
            }
            ApiError::InvalidPayload { problems, .. } => {
                error["problems"] = json!(problems);
            }
            _ => {}
        }
        (status, Json(json!({ "error": error }))).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(message) => ApiError::NotFound(message),
            StoreError::Invalid(message) => ApiError::invalid(message),
            StoreError::Duplicate(message) => ApiError::Conflict {
                code: "already_exists",
                message,
            },
            StoreError::Conflict(message) => ApiError::Conflict {
                code: "state_conflict",
                message,
            },
            stale @ StoreError::StaleVersion { .. } => ApiError::Conflict {
                code: "version_conflict",
                message: stale.to_string(),
            },
            StoreError::Refused(refusal) => ApiError::TransitionRefused(refusal),
            StoreError::Forbidden(message) => ApiError::Forbidden(message),
            other @ (StoreError::Database(_) | StoreError::Migration(_)) => {
                ApiError::Internal(other.to_string())
            }
        }
    }
}

impl From<askama::Error> for ApiError {
    fn from(error: askama::Error) -> Self {
        ApiError::Internal(format!("rendering failed: {error}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
