//! Request extractors whose failures speak our error format: a JSON body (any content
//! type, size-limited), query strings, and the `If-Match` version.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON request body. Syntax errors are 400, well-formed JSON of the wrong shape is 422,
/// and an oversized body is 413.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(format!(
                        "the request body is larger than the limit of {BODY_LIMIT} bytes"
                    ))
                } else {
                    ApiError::BadRequest {
                        code: "invalid_body",
                        message: rejection.body_text(),
                    }
                }
            })?;
        let body = if bytes.iter().all(u8::is_ascii_whitespace) {
            &b"{}"[..]
        } else {
            &bytes[..]
        };
        serde_json::from_slice(body).map(ApiJson).map_err(|error| {
            use serde_json::error::Category;
            match error.classify() {
                Category::Data => ApiError::Unprocessable {
                    code: "invalid_field",
                    message: error.to_string(),
                },
                _ => ApiError::BadRequest {
                    code: "invalid_json",
                    message: format!("the body is not valid JSON: {error}"),
                },
            }
        })
    }
}

/// Query-string parameters; unknown or malformed ones are a 400 that names them.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| ApiError::BadRequest {
                code: "invalid_query",
                message: rejection.body_text(),
            })
    }
}

/// The version from an `If-Match` header (`3`, `"3"` or `W/"3"`), if any.
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value.to_str().unwrap_or_default().trim();
        let bare = text.trim_start_matches("W/").trim_matches('"');
        bare.parse()
            .map(|v| IfMatch(Some(v)))
            .map_err(|_| ApiError::BadRequest {
                code: "invalid_header",
                message: format!(
                    "If-Match must be the incident's version, e.g. \"3\"; got {text:?}"
                ),
            })
    }
}

impl IfMatch {
    /// The version to check: the body's if it has one, else the header's.
    pub fn or_body(self, body: Option<i64>) -> Option<i64> {
        body.or(self.0)
    }
}

/// Reads every request body (up to [`BODY_LIMIT`], or the larger limit of the alert
/// intake paths) before the request is routed, so that a request refused before its
/// handler reads the body (a missing token, a viewer's write) still leaves its keep-alive
/// connection usable: the server closes a connection whose request body was left unread,
/// and a client that reused it would see it drop.
pub async fn read_whole_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let intake_limit = crate::intake::body_limit(parts.uri.path());
    let limit = intake_limit.unwrap_or(BODY_LIMIT);
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) if intake_limit.is_some() => crate::intake::too_large(parts.uri.path(), limit),
        Err(_) => ApiError::PayloadTooLarge(format!(
            "the request body is larger than the limit of {BODY_LIMIT} bytes"
        ))
        .into_response(),
    }
}
