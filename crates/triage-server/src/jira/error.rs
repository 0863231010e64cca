//! Errors the way Jira answers them — `{"errorMessages":[…],"errors":{field: …}}` with
//! 400, 401, 403 or 404 — and the extractors whose failures answer so. Never 429 or 503
//! for an ordinary refusal: Jira clients sleep and retry those.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use triage_store::StoreError;

use crate::AppState;
use crate::error::ApiError;

#[derive(Debug)]
pub(super) enum JiraError {
    /// Anything Triage's own API would refuse, in Jira's shape.
    Api(ApiError),
    /// Problems with named fields.
    Fields(BTreeMap<String, String>),
}

pub(super) type JiraResult<T> = Result<T, JiraError>;

impl JiraError {
    pub fn bad(message: impl Into<String>) -> JiraError {
        JiraError::Api(ApiError::BadRequest {
            code: "invalid",
            message: message.into(),
        })
    }

    pub fn not_found(message: impl Into<String>) -> JiraError {
        JiraError::Api(ApiError::NotFound(message.into()))
    }

    pub fn field(field: &str, message: impl Into<String>) -> JiraError {
        JiraError::Fields(BTreeMap::from([(field.to_string(), message.into())]))
    }

    /// Jira's answer for a field a request may not set.
    pub fn cannot_set(field: &str) -> JiraError {
        Self::field(
            field,
            format!(
                "Field '{field}' cannot be set. It is not on the appropriate screen, or unknown."
            ),
        )
    }
}

impl From<ApiError> for JiraError {
    fn from(error: ApiError) -> Self {
        JiraError::Api(error)
    }
}

impl From<StoreError> for JiraError {
    fn from(error: StoreError) -> Self {
        JiraError::Api(error.into())
    }
}

impl IntoResponse for JiraError {
    fn into_response(self) -> Response {
        let (status, messages, errors) = match self {
            JiraError::Fields(errors) => (StatusCode::BAD_REQUEST, Vec::new(), errors),
            JiraError::Api(error) => {
                let status = match error.status_code() {
                    StatusCode::UNAUTHORIZED => StatusCode::UNAUTHORIZED,
                    StatusCode::FORBIDDEN => StatusCode::FORBIDDEN,
                    StatusCode::NOT_FOUND => StatusCode::NOT_FOUND,
                    StatusCode::METHOD_NOT_ALLOWED => StatusCode::METHOD_NOT_ALLOWED,
                    StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
                    StatusCode::INTERNAL_SERVER_ERROR => StatusCode::INTERNAL_SERVER_ERROR,
                    // A stale version: the one refusal a client may retry after reading again.
                    StatusCode::CONFLICT if matches!(&error, ApiError::Conflict { code, .. } if *code == "version_conflict") => {
                        StatusCode::CONFLICT
                    }
                    _ => StatusCode::BAD_REQUEST,
                };
                (status, vec![error.public_message()], BTreeMap::new())
            }
        };
        (
            status,
            Json(json!({ "errorMessages": messages, "errors": errors })),
        )
            .into_response()
    }
}

/// Routes under `/rest/api` that Triage does not have.
pub(super) async fn no_such_route() -> JiraError {
    JiraError::not_found(
        "Triage does not implement this Jira resource; docs/api.md lists the ones it does",
    )
}

/// An authorization extractor ([`crate::auth::Viewer`], …) whose refusal answers as Jira.
pub(super) struct Jira<E>(pub E);

impl<E> FromRequestParts<AppState> for Jira<E>
where
    E: FromRequestParts<AppState, Rejection = ApiError>,
{
    type Rejection = JiraError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> JiraResult<Self> {
        E::from_request_parts(parts, state)
            .await
            .map(Jira)
            .map_err(JiraError::Api)
    }
}

/// A JSON body, loosely shaped as Jira's are; an empty body is `null`.
pub(super) struct Body(pub Value);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = JiraError;

    async fn from_request(request: Request, state: &S) -> JiraResult<Self> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| JiraError::bad(rejection.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Value::Null));
        }
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|error| JiraError::bad(format!("The request body is not valid JSON: {error}")))
    }
}
