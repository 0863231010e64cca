//! `GET/POST issue/{key}/transitions`: the workflow's transitions from the incident's
//! status, in the workflow's order (Resolve before Close), with stable ids; taking one
//! with a comment (under `update.comment` or `fields.comment`) and a resolution.
//!
//! Every transition leaving the status is listed, `isAvailable: false` where a condition
//! fails, so that taking it answers 400 with Triage's reason instead of a client-side
//! "invalid transition name".

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use triage_store::TransitionInput;

use crate::AppState;
use crate::auth::{Responder, Viewer};

use super::error::{Body, Jira, JiraError, JiraResult};
use super::fields;
use super::issues::load;
use super::meta::{Params, param};
use super::render;
use super::site::Site;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/issue/{key}/transitions", get(list).post(take))
}

async fn list(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(actor)): Jira<Viewer>,
    Path(key): Path<String>,
    Query(params): Params,
) -> JiraResult<Json<Value>> {
    let incident = load(&state, &key).await?;
    let workflow = state.store.workflow();
    let only = param(&params, "transitionId");
    let offered = state
        .store
        .available_transitions(&incident.key, &actor)
        .await?;
    let transitions: Vec<Value> = offered
        .iter()
        .map(|t| render::transition(&site, workflow, t))
        .filter(|t| only.is_none_or(|id| t["id"] == id))
        .collect();
    Ok(Json(json!({
        "expand": "transitions",
        "transitions": transitions,
    })))
}

async fn take(
    State(state): State<AppState>,
    Jira(Responder(actor)): Jira<Responder>,
    Path(key): Path<String>,
    Body(body): Body,
) -> JiraResult<StatusCode> {
    let incident = load(&state, &key).await?;
    let workflow = state.store.workflow();
    let requested = body.get("transition").ok_or_else(|| {
        JiraError::bad("The body needs 'transition', e.g. {\"transition\": {\"id\": \"11\"}}.")
    })?;
    let name = match requested.get("id").and_then(fields::named) {
        Some(id) => render::transition_by_id(workflow, &id)
            .map(|t| t.name.clone())
            .ok_or_else(|| {
                JiraError::bad(format!("Transition id '{id}' is not valid for this issue."))
            })?,
        None => fields::named(requested).ok_or_else(|| {
            JiraError::bad("Give the transition by id or name: {\"transition\": {\"id\": \"11\"}}.")
        })?,
    };
    let mut comments = Vec::new();
    let mut resolution = None;
    if let Some(given) = body.get("fields").and_then(Value::as_object) {
        for (field, value) in given {
            match field.as_str() {
                "resolution" => resolution = fields::resolution(workflow, value)?,
                "comment" => comments.extend(fields::comment(value)?),
                other => return Err(JiraError::cannot_set(other)),
            }
        }
    }
    if let Some(operations) = body.get("update").and_then(|u| u.get("comment")) {
        comments.extend(fields::comment_additions(operations)?);
    }
    let input = TransitionInput {
        name: Some(name),
        comment: (!comments.is_empty()).then(|| comments.join("\n\n")),
        resolution,
    };
    state
        .store
        .transition_incident(&incident.key, input, None, &actor, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
