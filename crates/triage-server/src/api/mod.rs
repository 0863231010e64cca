//! The JSON API under `/api/v1`, one router per resource, and the health route.

mod health;
mod incidents;
mod openapi;
mod people;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::BODY_LIMIT;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(incidents::router())
        .merge(people::router())
        .merge(openapi::router());
    Router::new()
        .nest("/api/v1", api)
        .merge(health::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route; the API is described at /api/v1/openapi.json".to_string())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed(
        "this route does not take that method; the API is described at /api/v1/openapi.json"
            .to_string(),
    )
}
