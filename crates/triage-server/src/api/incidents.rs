//! `/api/v1/incidents`: create, read, list, change, transition, assign, comment, link,
//! and the timeline.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use triage_core::incident::DetectionSource;
use triage_core::{Priority, Severity};
use triage_store::{Actor, Incident, IncidentChanges, NewIncident, TransitionInput};

use crate::AppState;
use crate::auth::{Responder, Viewer};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, IfMatch};
use crate::listing::ListQuery;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents", post(create).get(list))
        .route("/incidents/{key}", get(show).patch(update))
        .route(
            "/incidents/{key}/transitions",
            get(available_transitions).post(transition),
        )
        .route("/incidents/{key}/resolve", post(resolve))
        .route("/incidents/{key}/acknowledge", post(acknowledge))
        .route("/incidents/{key}/escalate", post(escalate))
        .route("/incidents/{key}/assignee", put(assign))
        .route("/incidents/{key}/comments", get(comments).post(comment))
        .route("/incidents/{key}/links", post(link))
        .route("/incidents/{key}/links/{id}", delete(unlink))
        .route("/incidents/{key}/timeline", get(timeline))
        .route("/incidents/{key}/alerts", get(alerts))
        .route("/workflow", get(workflow))
}

/// `null` clears a field; an absent field is left alone.
pub(crate) fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    summary: String,
    #[serde(default)]
    description: String,
    priority: Option<Priority>,
    severity: Option<Severity>,
    assignee: Option<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    labels: Vec<String>,
    detection_source: Option<DetectionSource>,
    detected_at: Option<Timestamp>,
}

async fn create(
    State(state): State<AppState>,
    Responder(actor): Responder,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<impl IntoResponse> {
    let new = NewIncident {
        summary: body.summary,
        description: body.description,
        priority: body.priority,
        severity: body.severity,
        assignee: body.assignee,
        services: body.services,
        labels: body.labels,
        detection_source: body.detection_source.unwrap_or(DetectionSource::UserReport),
        detected_at: body.detected_at,
    };
    let incident = state
        .store
        .create_incident(new, &actor, state.now())
        .await?;
    let location = format!("/api/v1/incidents/{}", incident.key);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(incident),
    ))
}

async fn show(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.store.incident(&key).await?))
}

async fn list(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<impl IntoResponse> {
    let request = query.request(&actor)?;
    Ok(Json(state.store.list_incidents(request).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    summary: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    priority: Option<Option<Priority>>,
    #[serde(default, deserialize_with = "present")]
    severity: Option<Option<Severity>>,
    services: Option<Vec<String>>,
    labels: Option<Vec<String>>,
    detected_at: Option<Timestamp>,
    version: Option<i64>,
}

async fn update(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateBody>,
) -> ApiResult<impl IntoResponse> {
    let changes = IncidentChanges {
        summary: body.summary,
        description: body.description,
        priority: body.priority,
        severity: body.severity,
        services: body.services,
        labels: body.labels,
        detected_at: body.detected_at,
    };
    let version = if_match.or_body(body.version);
    let incident = state
        .store
        .update_incident(&key, changes, version, &actor, state.now())
        .await?;
    Ok(Json(incident))
}

async fn available_transitions(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let transitions = state.store.available_transitions(&key, &actor).await?;
    Ok(Json(json!({ "transitions": transitions })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionBody {
    /// A transition name or a target status name.
    name: String,
    comment: Option<String>,
    resolution: Option<String>,
    version: Option<i64>,
}

async fn transition(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<TransitionBody>,
) -> ApiResult<impl IntoResponse> {
    let input = TransitionInput {
        name: Some(body.name),
        comment: body.comment,
        resolution: body.resolution,
    };
    take_transition(&state, &actor, &key, if_match.or_body(body.version), input).await
}

/// What `/transitions` and `/resolve` share: run the transition, answer the incident.
async fn take_transition(
    state: &AppState,
    actor: &Actor,
    key: &str,
    version: Option<i64>,
    input: TransitionInput,
) -> ApiResult<Json<Incident>> {
    let incident = state
        .store
        .transition_incident(key, input, version, actor, state.now())
        .await?;
    Ok(Json(incident))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    resolution: Option<String>,
    comment: Option<String>,
    version: Option<i64>,
}

async fn resolve(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<ResolveBody>,
) -> ApiResult<impl IntoResponse> {
    let input = TransitionInput {
        name: None,
        comment: body.comment,
        resolution: body.resolution,
    };
    take_transition(&state, &actor, &key, if_match.or_body(body.version), input).await
}

/// Someone has the incident: recorded once, and its escalation stops.
async fn acknowledge(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        state
            .store
            .acknowledge(&key, &actor, None, state.now())
            .await?,
    ))
}

/// Pages the next level of the incident's escalation now.
async fn escalate(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.store.escalate(&key, &actor, state.now()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    /// E-mail of the new assignee; `null` unassigns.
    user: Option<String>,
    version: Option<i64>,
}

async fn assign(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<AssignBody>,
) -> ApiResult<impl IntoResponse> {
    let version = if_match.or_body(body.version);
    let incident = state
        .store
        .assign_incident(&key, body.user, version, &actor, state.now())
        .await?;
    Ok(Json(incident))
}

async fn comments(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let comments = state.store.comments(&key).await?;
    Ok(Json(json!({ "comments": comments })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentBody {
    body: String,
}

async fn comment(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<CommentBody>,
) -> ApiResult<impl IntoResponse> {
    let comment = state
        .store
        .add_comment(&key, &body.body, &actor, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    /// The other incident's key.
    to: String,
    /// How this incident relates to the other, e.g. "blocks", "is caused by".
    #[serde(rename = "type")]
    relation: Option<String>,
}

async fn link(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<LinkBody>,
) -> ApiResult<impl IntoResponse> {
    let relation = body.relation.as_deref().unwrap_or("relates");
    let incident = state
        .store
        .link_incidents(&key, &body.to, relation, &actor, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

async fn unlink(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path((key, id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    let incident = state
        .store
        .unlink_incidents(&key, id, &actor, state.now())
        .await?;
    Ok(Json(incident))
}

async fn timeline(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let events = state.store.timeline(&key).await?;
    Ok(Json(json!({ "events": events })))
}

/// The alerts that fired into the incident, firing first.
async fn alerts(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    // An unknown key is a 404, not an empty list.
    state.store.incident(&key).await?;
    let alerts = state.store.incident_alerts(&key).await?;
    Ok(Json(json!({ "alerts": alerts })))
}

/// The workflow incidents follow, for clients that build menus or check names.
async fn workflow(State(state): State<AppState>, Viewer(_): Viewer) -> Json<Value> {
    let workflow = state.store.workflow();
    Json(json!({
        "name": workflow.name,
        "initial": workflow.initial,
        "resolutions": workflow.resolutions,
        "statuses": workflow.statuses.iter().map(|s| json!({
            "name": s.name,
            "category": s.category,
            "description": s.description,
        })).collect::<Vec<_>>(),
        "transitions": workflow.transitions.iter().map(|t| json!({
            "name": t.name,
            "from": t.from,
            "to": t.to,
            "conditions": t.conditions.iter().map(|c| c.describe()).collect::<Vec<_>>(),
            "requires": t.requires.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
}
