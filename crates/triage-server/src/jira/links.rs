//! `POST issueLink`, `GET/DELETE issueLink/{id}`. In Jira's terms the outward issue is
//! where a link starts ("INC-1 blocks INC-2": INC-1 is outward, INC-2 inward).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;
use triage_core::link::{LinkDirection, LinkType};

use crate::AppState;
use crate::auth::{Responder, Viewer};

use super::error::{Body, Jira, JiraError, JiraResult};
use super::fields;
use super::issues::load;
use super::render;
use super::site::Site;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/issueLink", post(create))
        .route("/issueLink/{id}", get(show).delete(remove))
}

/// A link type by Jira name ("Blocks"), id ("10000") or either description ("blocks").
fn link_type(value: &Value) -> JiraResult<LinkType> {
    let name = fields::named(value).unwrap_or_default();
    LinkType::ALL
        .into_iter()
        .find(|t| {
            render::link_type_name(*t).eq_ignore_ascii_case(&name)
                || render::link_type_id(*t) == name
                || t.phrase(LinkDirection::Outward).eq_ignore_ascii_case(&name)
                || t.phrase(LinkDirection::Inward).eq_ignore_ascii_case(&name)
        })
        .ok_or_else(|| {
            let names: Vec<&str> = LinkType::ALL
                .iter()
                .map(|t| render::link_type_name(*t))
                .collect();
            JiraError::bad(format!(
                "No issue link type with name '{name}' found: use {}.",
                names.join(", ")
            ))
        })
}

async fn create(
    State(state): State<AppState>,
    Jira(Responder(actor)): Jira<Responder>,
    Body(body): Body,
) -> JiraResult<StatusCode> {
    let link_type = link_type(body.get("type").unwrap_or(&Value::Null))?;
    let side = |name: &str| {
        body.get(name).and_then(fields::named).ok_or_else(|| {
            JiraError::bad(format!(
                "The body needs '{name}', e.g. {{\"key\": \"INC-1\"}}."
            ))
        })
    };
    let outward = load(&state, &side("outwardIssue")?).await?;
    let inward = load(&state, &side("inwardIssue")?).await?;
    let comment = fields::comment(body.get("comment").unwrap_or(&Value::Null))?;
    let now = state.now();
    state
        .store
        .link_incidents(
            &outward.key,
            &inward.key,
            link_type.phrase(LinkDirection::Outward),
            &actor,
            now,
        )
        .await?;
    if let Some(text) = comment {
        state
            .store
            .add_comment(&inward.key, &text, &actor, now)
            .await?;
    }
    Ok(StatusCode::CREATED)
}

fn link_id(id: &str) -> JiraResult<i64> {
    id.trim()
        .parse()
        .map_err(|_| JiraError::not_found(format!("No issue link with id '{id}' exists.")))
}

async fn show(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Path(id): Path<String>,
) -> JiraResult<Json<Value>> {
    let id = link_id(&id)?;
    let source = load(&state, &state.store.link_source(id).await?).await?;
    let link = source
        .links
        .iter()
        .find(|l| l.id == id && l.direction == LinkDirection::Outward)
        .ok_or_else(|| JiraError::not_found(format!("No issue link with id '{id}' exists.")))?;
    let workflow = state.store.workflow();
    // The link as the source sees it names the target as its outward issue; the
    // resource itself names both ends, the source as outward.
    let mut shown = render::issue_link(&site, workflow, link);
    shown["inwardIssue"] = shown["outwardIssue"].take();
    shown["outwardIssue"] = render::linked_issue(
        &site,
        workflow,
        source.id,
        &source.key,
        &source.summary,
        &source.status,
        source.priority,
    );
    Ok(Json(shown))
}

async fn remove(
    State(state): State<AppState>,
    Jira(Responder(actor)): Jira<Responder>,
    Path(id): Path<String>,
) -> JiraResult<StatusCode> {
    let id = link_id(&id)?;
    let source = state.store.link_source(id).await?;
    state
        .store
        .unlink_incidents(&source, id, &actor, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
