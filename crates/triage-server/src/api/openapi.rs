//! `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 description, written by hand in
//! `openapi.json` beside this file and checked against the router by the API tests.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;
use crate::auth::Viewer;

/// The document, as served.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi))
}

async fn openapi(Viewer(_): Viewer) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
