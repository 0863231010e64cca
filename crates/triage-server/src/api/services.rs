//! `/api/v1/services` and `/integrations`: the service catalog, where each service's
//! alerts come from and what it does with them, its alerts and change events. Viewers
//! read; admins change.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::json;
use triage_core::alert::IntegrationKind;
use triage_store::{NewService, PolicyChanges, ServiceChanges};

use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/services", get(services).post(create_service))
        .route("/services/{name}", get(service).patch(update_service))
        .route("/services/{name}/alerts", get(service_alerts))
        .route("/services/{name}/changes", get(service_changes))
        .route(
            "/services/{name}/integrations",
            get(integrations).post(create_integration),
        )
        .route("/integrations/{id}", delete(revoke_integration))
}

async fn services(
    State(state): State<AppState>,
    Viewer(_): Viewer,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(json!({ "services": state.store.services().await? })))
}

async fn service(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(name): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.store.service(&name).await?))
}

/// The severity mapping as an object (`{"warning": "P2/SEV3"}`) or in its text form.
#[derive(Deserialize)]
#[serde(untagged)]
enum MappingInput {
    Text(String),
    Levels(BTreeMap<String, String>),
}

/// Label names as a list or separated by commas.
#[derive(Deserialize)]
#[serde(untagged)]
enum NamesInput {
    Text(String),
    List(Vec<String>),
}

/// A service's alert settings as the API takes them.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    alert_mapping: Option<MappingInput>,
    on_resolved: Option<String>,
    flap_window: Option<i64>,
    group_by: Option<NamesInput>,
}

impl From<PolicyBody> for PolicyChanges {
    fn from(body: PolicyBody) -> Self {
        PolicyChanges {
            alert_mapping: body.alert_mapping.map(|m| match m {
                MappingInput::Text(text) => text,
                MappingInput::Levels(levels) => levels
                    .iter()
                    .map(|(level, target)| format!("{level}={target}"))
                    .collect::<Vec<_>>()
                    .join(","),
            }),
            on_resolved: body.on_resolved,
            flap_window: body.flap_window,
            group_by: body.group_by.map(|g| match g {
                NamesInput::Text(text) => text,
                NamesInput::List(names) => names.join(","),
            }),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateServiceBody {
    name: String,
    #[serde(default)]
    description: String,
    owner: Option<String>,
    runbook_url: Option<String>,
    #[serde(flatten)]
    policy: PolicyBody,
}

async fn create_service(
    State(state): State<AppState>,
    Admin(_): Admin,
    ApiJson(body): ApiJson<CreateServiceBody>,
) -> ApiResult<impl IntoResponse> {
    let new = NewService {
        name: body.name,
        description: body.description,
        owner: body.owner,
        runbook_url: body.runbook_url,
        policy: body.policy.into(),
    };
    let service = state.store.create_service(new, state.now()).await?;
    Ok((StatusCode::CREATED, Json(service)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateServiceBody {
    description: Option<String>,
    /// An empty text clears the owner.
    owner: Option<String>,
    /// An empty text clears the link.
    runbook_url: Option<String>,
    /// An escalation policy's name; an empty text leaves the service without one.
    escalation_policy: Option<String>,
    /// Priorities whose incidents page: `["P1", "P2"]` or `"P1,P2"`; empty: none.
    paging_priorities: Option<NamesInput>,
    #[serde(flatten)]
    policy: PolicyBody,
}

async fn update_service(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<UpdateServiceBody>,
) -> ApiResult<impl IntoResponse> {
    let changes = ServiceChanges {
        description: body.description,
        owner: body.owner,
        runbook_url: body.runbook_url,
        policy: body.policy.into(),
        escalation_policy: body.escalation_policy,
        paging_priorities: body.paging_priorities.map(|p| match p {
            NamesInput::Text(text) => text,
            NamesInput::List(codes) => codes.join(","),
        }),
    };
    Ok(Json(state.store.update_service(&name, changes).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertsQuery {
    /// `firing` for firing alerts only.
    status: Option<String>,
    limit: Option<i64>,
}

/// The most alerts or changes one answer lists.
const MAX_LISTED: i64 = 500;

async fn service_alerts(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<AlertsQuery>,
) -> ApiResult<impl IntoResponse> {
    let firing_only = match query.status.as_deref() {
        None | Some("") | Some("all") => false,
        Some("firing") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "status '{other}' is not allowed: use firing or all"
            )));
        }
    };
    let limit = listed(query.limit)?;
    state.store.service(&name).await?;
    let alerts = state
        .store
        .service_alerts(&name, firing_only, limit)
        .await?;
    Ok(Json(json!({ "alerts": alerts })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangesQuery {
    /// Hours to look back; 24 unless set.
    hours: Option<i64>,
    limit: Option<i64>,
}

async fn service_changes(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> ApiResult<impl IntoResponse> {
    let hours = query.hours.unwrap_or(24);
    if !(1..=24 * 90).contains(&hours) {
        return Err(ApiError::invalid(format!(
            "hours {hours} is not allowed: use 1 to 2160"
        )));
    }
    let since: Timestamp = state.now() - SignedDuration::from_hours(hours);
    let limit = listed(query.limit)?;
    state.store.service(&name).await?;
    let changes = state.store.service_changes(&name, since, limit).await?;
    Ok(Json(json!({ "changes": changes })))
}

fn listed(limit: Option<i64>) -> ApiResult<i64> {
    let limit = limit.unwrap_or(100);
    if (1..=MAX_LISTED).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::invalid(format!(
            "limit {limit} is not allowed: use 1 to {MAX_LISTED}"
        )))
    }
}

async fn integrations(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(name): Path<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(
        json!({ "integrations": state.store.integrations(&name).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateIntegrationBody {
    kind: String,
    #[serde(default)]
    name: String,
}

async fn create_integration(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(service): Path<String>,
    ApiJson(body): ApiJson<CreateIntegrationBody>,
) -> ApiResult<impl IntoResponse> {
    let kind = IntegrationKind::parse(&body.kind).map_err(|e| ApiError::invalid(e.to_string()))?;
    let created = state
        .store
        .create_integration(&service, kind, &body.name, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn revoke_integration(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    Ok(Json(state.store.revoke_integration(id, state.now()).await?))
}
