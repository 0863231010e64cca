//! `/api/v1/reports`: the response metrics over a window of incidents (`docs/metrics.md`
//! defines each figure); everyone signed in reads them.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use triage_core::metrics::window;
use triage_store::{Report, ReportWindow, StoreError};

use crate::AppState;
use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::extract::ApiQuery;

pub fn router() -> Router<AppState> {
    Router::new().route("/reports", get(report))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// A duration back from now (30d), a day or a time; 30d unless given.
    pub since: Option<String>,
    pub until: Option<String>,
    pub service: Option<String>,
}

/// The report `query` asks for, at `state`'s now: what the API and the console answer.
pub async fn report_for(state: &AppState, query: ReportQuery) -> Result<Report, StoreError> {
    let now = state.now();
    let since = query.since.as_deref().unwrap_or("30d");
    let (since, until) = window(since, query.until.as_deref(), now)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let service = query
        .service
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let window = ReportWindow {
        since,
        until,
        service,
    };
    state.store.report(window, now).await
}

async fn report(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Report>> {
    Ok(Json(report_for(&state, query).await?))
}
