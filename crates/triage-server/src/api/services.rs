//! `/api/v1/services` and `/integrations`: the service catalog and where each service's
//! alerts come from. Viewers read; admins change.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use triage_core::alert::IntegrationKind;
use triage_store::NewService;

use crate::AppState;
use crate::auth::{Admin, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/services", get(services).post(create_service))
        .route("/services/{name}", get(service))
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateServiceBody {
    name: String,
    #[serde(default)]
    description: String,
    owner: Option<String>,
    runbook_url: Option<String>,
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
    };
    let service = state.store.create_service(new, state.now()).await?;
    Ok((StatusCode::CREATED, Json(service)))
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
