//! `/api/v1/incidents/{key}/action-items` and the backlog `/api/v1/action-items`:
//! responders add, change, finish and verify action items; everyone signed in reads them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use triage_store::{ActionChanges, ActionFilter, NewActionItem};

use super::incidents::present;
use crate::AppState;
use crate::auth::{Responder, Viewer};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/incidents/{key}/action-items",
            get(incident_items).post(add),
        )
        .route("/action-items", get(backlog))
        .route("/action-items/{id}", patch(change))
        .route("/action-items/{id}/verify", post(verify))
}

async fn incident_items(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let filter = ActionFilter::of_incident(key);
    let items = state.store.action_items(filter, state.now()).await?;
    Ok(Json(json!({ "action_items": items })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct BacklogQuery {
    owner: Option<String>,
    status: Option<String>,
    #[serde(default)]
    overdue: bool,
}

async fn backlog(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    ApiQuery(query): ApiQuery<BacklogQuery>,
) -> ApiResult<impl IntoResponse> {
    let filter = ActionFilter {
        incident: None,
        owner: query.owner,
        status: query.status,
        overdue: query.overdue,
    };
    let items = state.store.action_items(filter, state.now()).await?;
    Ok(Json(json!({ "action_items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBody {
    title: String,
    kind: Option<String>,
    owner: Option<String>,
    due: Option<String>,
    ticket_url: Option<String>,
}

async fn add(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<NewBody>,
) -> ApiResult<impl IntoResponse> {
    let new = NewActionItem {
        title: body.title,
        kind: body.kind,
        owner: body.owner,
        due: body.due,
        ticket_url: body.ticket_url,
    };
    let item = state
        .store
        .add_action_item(&key, new, &actor, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(item)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    title: Option<String>,
    kind: Option<String>,
    #[serde(default, deserialize_with = "present")]
    owner: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    due: Option<Option<String>>,
    status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    ticket_url: Option<Option<String>>,
}

async fn change(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ChangeBody>,
) -> ApiResult<impl IntoResponse> {
    let changes = ActionChanges {
        title: body.title,
        kind: body.kind,
        owner: body.owner,
        due: body.due,
        status: body.status,
        ticket_url: body.ticket_url,
    };
    let item = state
        .store
        .update_action_item(id, changes, &actor, state.now())
        .await?;
    Ok(Json(item))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    /// How it was shown to work: "the new alert fired in the game day".
    how: String,
}

async fn verify(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VerifyBody>,
) -> ApiResult<impl IntoResponse> {
    let item = state
        .store
        .verify_action_item(id, &body.how, &actor, state.now())
        .await?;
    Ok(Json(item))
}
