//! `/api/v1/status-page`: managing the public status page. Admins set up components;
//! responders set their status, publish incidents (in public wording) and maintenances,
//! and post updates; everyone signed in reads them. Admins manage subscribers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use triage_store::{
    NewComponent, NewPublicIncident, NewPublicUpdate, NewSubscriber, PublicFilter,
    StatusPageSettings,
};

use crate::AppState;
use crate::auth::{Admin, Responder, Viewer};
use crate::error::ApiResult;
use crate::extract::ApiJson;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/status-page/components",
            get(components).post(create_component),
        )
        .route(
            "/status-page/components/{name}",
            patch(set_status).delete(delete_component),
        )
        .route("/status-page/incidents", get(incidents).post(publish))
        .route("/status-page/incidents/{id}", get(incident))
        .route("/status-page/incidents/{id}/updates", post(update))
        .route("/status-page/settings", get(settings).put(set_settings))
        .route(
            "/status-page/subscribers",
            get(subscribers).post(add_subscriber),
        )
        .route(
            "/status-page/subscribers/{id}",
            axum::routing::delete(delete_subscriber),
        )
}

async fn settings(
    State(state): State<AppState>,
    Viewer(_): Viewer,
) -> ApiResult<impl IntoResponse> {
    let (settings, _) = state.store.status_page_settings().await?;
    Ok(Json(settings))
}

/// The page's branding; every field is required, so what is sent is what shows.
async fn set_settings(
    State(state): State<AppState>,
    Admin(_): Admin,
    ApiJson(body): ApiJson<StatusPageSettings>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.store.set_status_page_settings(body).await?))
}

async fn components(
    State(state): State<AppState>,
    Viewer(_): Viewer,
) -> ApiResult<impl IntoResponse> {
    let components = state.store.components(state.now()).await?;
    Ok(Json(json!({ "components": components })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentBody {
    name: String,
    #[serde(default)]
    description: String,
    group: Option<String>,
    service: Option<String>,
}

async fn create_component(
    State(state): State<AppState>,
    Admin(_): Admin,
    ApiJson(body): ApiJson<ComponentBody>,
) -> ApiResult<impl IntoResponse> {
    let new = NewComponent {
        name: body.name,
        description: body.description,
        group: body.group,
        service: body.service,
    };
    let component = state.store.create_component(new, state.now()).await?;
    Ok((StatusCode::CREATED, Json(component)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    /// operational, degraded_performance, partial_outage, major_outage or
    /// under_maintenance.
    status: String,
}

async fn set_status(
    State(state): State<AppState>,
    Responder(_): Responder,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<impl IntoResponse> {
    let component = state
        .store
        .set_component_status(&name, &body.status, state.now())
        .await?;
    Ok(Json(component))
}

async fn delete_component(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(name): Path<String>,
) -> ApiResult<impl IntoResponse> {
    state.store.delete_component(&name, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn incidents(
    State(state): State<AppState>,
    Viewer(_): Viewer,
) -> ApiResult<impl IntoResponse> {
    let incidents = state
        .store
        .public_incidents(PublicFilter::All, state.now())
        .await?;
    Ok(Json(json!({ "incidents": incidents })))
}

async fn incident(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.store.public_incident(id, state.now()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AffectedBody {
    name: String,
    status: Option<String>,
}

fn affected(components: Vec<AffectedBody>) -> Vec<(String, Option<String>)> {
    components.into_iter().map(|c| (c.name, c.status)).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    /// The internal incident's key; leave out for a maintenance.
    incident: Option<String>,
    #[serde(default)]
    maintenance: bool,
    /// The public title.
    name: String,
    /// The first update, in public words.
    body: String,
    status: Option<String>,
    impact: Option<String>,
    #[serde(default)]
    components: Vec<AffectedBody>,
    scheduled_for: Option<Timestamp>,
    scheduled_until: Option<Timestamp>,
}

async fn publish(
    State(state): State<AppState>,
    Responder(actor): Responder,
    ApiJson(body): ApiJson<PublishBody>,
) -> ApiResult<impl IntoResponse> {
    let new = NewPublicIncident {
        incident: body.incident,
        maintenance: body.maintenance,
        name: body.name,
        body: body.body,
        status: body.status,
        impact: body.impact,
        components: affected(body.components),
        scheduled_for: body.scheduled_for,
        scheduled_until: body.scheduled_until,
    };
    let published = state.store.publish(new, &actor, state.now()).await?;
    Ok((StatusCode::CREATED, Json(published)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    status: String,
    body: String,
    #[serde(default)]
    components: Vec<AffectedBody>,
}

async fn update(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UpdateBody>,
) -> ApiResult<impl IntoResponse> {
    let new = NewPublicUpdate {
        status: body.status,
        body: body.body,
        components: affected(body.components),
    };
    let updated = state
        .store
        .post_public_update(id, new, &actor, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(updated)))
}

async fn subscribers(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> ApiResult<impl IntoResponse> {
    let subscribers = state.store.subscribers().await?;
    Ok(Json(json!({ "subscribers": subscribers })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriberBody {
    /// email or webhook.
    kind: String,
    address: String,
    #[serde(default)]
    components: Vec<String>,
    /// Skip the confirmation mail.
    #[serde(default)]
    confirmed: bool,
}

async fn add_subscriber(
    State(state): State<AppState>,
    Admin(_): Admin,
    ApiJson(body): ApiJson<SubscriberBody>,
) -> ApiResult<impl IntoResponse> {
    let new = NewSubscriber {
        kind: body.kind,
        address: body.address,
        components: body.components,
        confirmed: body.confirmed,
    };
    let subscriber = state.store.subscribe(new, state.now()).await?;
    Ok((StatusCode::CREATED, Json(subscriber)))
}

async fn delete_subscriber(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    state.store.delete_subscriber(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
