//! `/api/v1/incidents/{key}/review`: the incident's review checklist, computed from its
//! record (never ticked by hand); everyone signed in reads it.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use triage_store::Review;

use crate::AppState;
use crate::auth::Viewer;
use crate::error::ApiResult;

pub fn router() -> Router<AppState> {
    Router::new().route("/incidents/{key}/review", get(review))
}

async fn review(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(key): Path<String>,
) -> ApiResult<Json<Review>> {
    Ok(Json(state.store.review(&key).await?))
}
