//! The JSON API under `/api/v1`, one router per resource, and the health route.

mod actions;
mod contacts;
mod escalation;
mod health;
mod incidents;
mod openapi;
mod people;
pub(crate) mod postmortems;
pub(crate) mod reports;
mod review;
pub(crate) mod schedules;
mod services;
mod silences;
mod status_page;
mod updates;

use axum::Router;

use crate::AppState;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    let api = Router::new()
        .merge(actions::router())
        .merge(review::router())
        .merge(reports::router())
        .merge(contacts::router())
        .merge(escalation::router())
        .merge(incidents::router())
        .merge(people::router())
        .merge(postmortems::router())
        .merge(schedules::router())
        .merge(services::router())
        .merge(silences::router())
        .merge(status_page::router())
        .merge(updates::router())
        .merge(openapi::router());
    Router::new().nest("/api/v1", api).merge(health::router())
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound("no such route; the API is described at /api/v1/openapi.json".to_string())
}

pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed(
        "this route does not take that method; the API is described at /api/v1/openapi.json"
            .to_string(),
    )
}
