//! Issues: create, read (honouring `fields` and `expand`), edit (`fields` and `update`
//! operations), assign, and comments.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use triage_core::incident::DetectionSource;
use triage_store::{Actor, Incident, IncidentChanges, NewIncident, StoreError};

use crate::AppState;
use crate::auth::{Responder, Viewer};

use super::error::{Body, Jira, JiraError, JiraResult};
use super::fields;
use super::meta::{Params, param, params_named};
use super::render::{self, FIELD_NAMES, FieldSet, SEVERITY_FIELD};
use super::site::Site;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/issue", post(create))
        .route("/issue/{key}", get(show).put(edit))
        .route("/issue/{key}/assignee", put(assign))
        .route("/issue/{key}/comment", get(comments).post(comment))
        .route("/issue/{key}/comment/{id}", get(one_comment))
}

/// The incident a path names by key (`INC-7`) or id (`10042`).
pub(super) async fn load(state: &AppState, key_or_id: &str) -> JiraResult<Incident> {
    let found = match key_or_id.trim().parse::<i64>() {
        Ok(id) => state.store.incident_by_id(id).await,
        Err(_) => state.store.incident(key_or_id).await,
    };
    found.map_err(|error| match error {
        StoreError::NotFound(_) => JiraError::not_found(format!(
            "Issue {key_or_id} does not exist or you do not have permission to see it."
        )),
        other => other.into(),
    })
}

/// Field problems gathered so that one answer names them all, as Jira's does.
#[derive(Default)]
struct Problems(BTreeMap<String, String>);

impl Problems {
    fn take<T>(&mut self, result: JiraResult<T>) -> JiraResult<Option<T>> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(JiraError::Fields(errors)) => {
                self.0.extend(errors);
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    fn finish(self) -> JiraResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(JiraError::Fields(self.0))
        }
    }
}

fn fields_of(body: &Value) -> JiraResult<&Map<String, Value>> {
    body.get("fields")
        .and_then(Value::as_object)
        .ok_or_else(|| JiraError::bad("The body needs 'fields', an object of the issue's fields."))
}

async fn create(
    State(state): State<AppState>,
    site: Site,
    Jira(Responder(actor)): Jira<Responder>,
    Body(body): Body,
) -> JiraResult<Response> {
    let given = fields_of(&body)?;
    let users = state.store.users().await?;
    let mut problems = Problems::default();
    let mut new = NewIncident {
        summary: String::new(),
        description: String::new(),
        priority: None,
        severity: None,
        assignee: None,
        services: Vec::new(),
        labels: Vec::new(),
        detection_source: DetectionSource::UserReport,
        detected_at: None,
    };
    problems.take(fields::check_project(
        given.get("project").unwrap_or(&Value::Null),
        state.store.key_prefix(),
    ))?;
    problems.take(fields::check_issue_type(
        given.get("issuetype").unwrap_or(&Value::Null),
    ))?;
    match given.get("summary").and_then(Value::as_str) {
        Some(summary) if !summary.trim().is_empty() => new.summary = summary.to_string(),
        _ => {
            problems.0.insert(
                "summary".into(),
                "You must specify a summary of the issue.".into(),
            );
        }
    }
    for (name, value) in given {
        match name.as_str() {
            "project" | "issuetype" | "summary" => {}
            "description" => {
                new.description = problems
                    .take(fields::text("description", value))?
                    .unwrap_or_default()
            }
            "priority" => new.priority = problems.take(fields::priority(value))?.flatten(),
            SEVERITY_FIELD | "severity" => {
                new.severity = problems.take(fields::severity(name, value))?.flatten()
            }
            "assignee" => {
                new.assignee = problems
                    .take(fields::person("assignee", value, &users))?
                    .flatten()
            }
            "labels" => new.labels = problems.take(fields::labels(value))?.unwrap_or_default(),
            "components" => {
                new.services = problems
                    .take(fields::components(value))?
                    .unwrap_or_default()
            }
            "reporter" => {
                let reporter = problems.take(fields::person("reporter", value, &users))?;
                if let Some(Some(email)) = reporter
                    && !email.eq_ignore_ascii_case(&actor.email)
                {
                    problems.take::<()>(Err(JiraError::cannot_set("reporter")))?;
                }
            }
            "environment" | "duedate" | "fixVersions" | "versions"
                if value.is_null() || value == &json!([]) => {}
            other => {
                problems.take::<()>(Err(JiraError::cannot_set(other)))?;
            }
        }
    }
    problems.finish()?;
    let incident = state
        .store
        .create_incident(new, &actor, state.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": incident.id.to_string(),
            "key": incident.key,
            "self": format!("{}/issue/{}", site.api, incident.id),
        })),
    )
        .into_response())
}

/// The incident as a Jira issue, with what `expand` asks for that Triage has.
pub(super) async fn issue_json(
    state: &AppState,
    site: &Site,
    actor: &Actor,
    incident: &Incident,
    wanted: &FieldSet,
    expand: &str,
) -> JiraResult<Value> {
    let comments = if wanted.wants("comment") {
        Some(state.store.comments(&incident.key).await?)
    } else {
        None
    };
    let workflow = state.store.workflow();
    let mut issue = render::issue(
        site,
        workflow,
        state.store.key_prefix(),
        incident,
        comments.as_deref(),
        wanted,
    );
    let expanded: Vec<&str> = expand.split(',').map(str::trim).collect();
    if expanded.contains(&"transitions") {
        let offered = state
            .store
            .available_transitions(&incident.key, actor)
            .await?;
        issue["transitions"] = offered
            .iter()
            .map(|t| render::transition(site, workflow, t))
            .collect();
    }
    if expanded.contains(&"names") {
        issue["names"] = FIELD_NAMES
            .iter()
            .map(|(id, name)| (id.to_string(), json!(name)))
            .collect::<Map<_, _>>()
            .into();
    }
    Ok(issue)
}

async fn show(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(actor)): Jira<Viewer>,
    Path(key): Path<String>,
    Query(params): Params,
) -> JiraResult<Json<Value>> {
    let incident = load(&state, &key).await?;
    let wanted = FieldSet::parse(&params_named(&params, "fields"), true);
    let expand = param(&params, "expand").unwrap_or_default();
    Ok(Json(
        issue_json(&state, &site, &actor, &incident, &wanted, expand).await?,
    ))
}

/// Labels after `update.labels` operations: `add`, `remove`, `set`.
fn label_operations(current: &[String], operations: &Value) -> JiraResult<Vec<String>> {
    let mut labels = current.to_vec();
    let invalid = || {
        JiraError::field(
            "labels",
            "update.labels takes operations such as {\"add\": \"db\"}, {\"remove\": \"db\"} or {\"set\": [\"db\"]}.",
        )
    };
    for operation in operations.as_array().ok_or_else(invalid)? {
        if let Some(added) = operation.get("add").and_then(fields::named) {
            if !labels.contains(&added) {
                labels.push(added);
            }
        } else if let Some(removed) = operation.get("remove").and_then(fields::named) {
            labels.retain(|l| *l != removed);
        } else if let Some(set) = operation.get("set") {
            labels = fields::labels(set)?;
        } else {
            return Err(invalid());
        }
    }
    Ok(labels)
}

/// The value of a single-valued `update` entry: `[{"set": value}]`.
fn set_operation(name: &str, operations: &Value) -> JiraResult<Value> {
    operations
        .as_array()
        .and_then(|ops| ops.iter().rev().find_map(|op| op.get("set")))
        .cloned()
        .ok_or_else(|| JiraError::field(name, format!("update.{name} takes [{{\"set\": …}}].")))
}

async fn edit(
    State(state): State<AppState>,
    Jira(Responder(actor)): Jira<Responder>,
    Path(key): Path<String>,
    Body(body): Body,
) -> JiraResult<StatusCode> {
    let incident = load(&state, &key).await?;
    let users = state.store.users().await?;
    let empty = Map::new();
    let given = body
        .get("fields")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let updates = body
        .get("update")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut problems = Problems::default();
    let mut changes = IncidentChanges::default();
    let mut assignee: Option<Option<String>> = None;
    let mut comments = Vec::new();
    // `fields` and `update` may each name a field; an update applies after a set.
    let mut entries: Vec<(String, Value)> =
        given.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (name, operations) in updates {
        if name != "labels"
            && name != "comment"
            && let Some(value) = problems.take(set_operation(name, operations))?
        {
            entries.push((name.clone(), value));
        }
    }
    for (name, value) in entries {
        match name.as_str() {
            "summary" => match value.as_str() {
                Some(summary) => changes.summary = Some(summary.to_string()),
                None => {
                    problems
                        .0
                        .insert("summary".into(), "Field 'summary' takes a string.".into());
                }
            },
            "description" => {
                changes.description = problems.take(fields::text("description", &value))?
            }
            "priority" => changes.priority = problems.take(fields::priority(&value))?,
            SEVERITY_FIELD | "severity" => {
                changes.severity = problems.take(fields::severity(&name, &value))?
            }
            "labels" => changes.labels = problems.take(fields::labels(&value))?,
            "components" => changes.services = problems.take(fields::components(&value))?,
            "assignee" => assignee = problems.take(fields::person("assignee", &value, &users))?,
            "comment" => {
                if let Some(Some(text)) = problems.take(fields::comment(&value))? {
                    comments.push(text);
                }
            }
            other => {
                problems.take::<()>(Err(JiraError::cannot_set(other)))?;
            }
        }
    }
    if let Some(operations) = updates.get("labels") {
        changes.labels = problems.take(label_operations(
            changes.labels.as_deref().unwrap_or(&incident.labels),
            operations,
        ))?;
    }
    if let Some(operations) = updates.get("comment") {
        comments.extend(
            problems
                .take(fields::comment_additions(operations))?
                .unwrap_or_default(),
        );
    }
    problems.finish()?;
    let now = state.now();
    if changes != IncidentChanges::default() {
        state
            .store
            .update_incident(&incident.key, changes, None, &actor, now)
            .await?;
    }
    if let Some(assignee) = assignee {
        state
            .store
            .assign_incident(&incident.key, assignee, None, &actor, now)
            .await?;
    }
    for text in comments {
        state
            .store
            .add_comment(&incident.key, &text, &actor, now)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT issue/{key}/assignee` with `{"name": …}`, `{"accountId": …}` or an e-mail;
/// `null`, `{}` or an empty body unassigns.
async fn assign(
    State(state): State<AppState>,
    Jira(Responder(actor)): Jira<Responder>,
    Path(key): Path<String>,
    Body(body): Body,
) -> JiraResult<StatusCode> {
    let incident = load(&state, &key).await?;
    let users = state.store.users().await?;
    let assignee = fields::person("assignee", &body, &users)?;
    state
        .store
        .assign_incident(&incident.key, assignee, None, &actor, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn comments(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Path(key): Path<String>,
    Query(params): Params,
) -> JiraResult<Json<Value>> {
    let incident = load(&state, &key).await?;
    let all = state.store.comments(&incident.key).await?;
    let start: usize = param(&params, "startAt")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let max: usize = param(&params, "maxResults")
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|c| render::comment(&site, incident.id, c))
        .collect();
    Ok(Json(json!({
        "comments": page,
        "startAt": start,
        "maxResults": max,
        "total": all.len(),
    })))
}

async fn comment(
    State(state): State<AppState>,
    site: Site,
    Jira(Responder(actor)): Jira<Responder>,
    Path(key): Path<String>,
    Body(body): Body,
) -> JiraResult<Response> {
    let incident = load(&state, &key).await?;
    let text = fields::comment(body.get("body").unwrap_or(&Value::Null))?
        .ok_or_else(|| JiraError::field("comment", "Comment body can not be empty!"))?;
    let added = state
        .store
        .add_comment(&incident.key, &text, &actor, state.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(render::comment(&site, incident.id, &added)),
    )
        .into_response())
}

async fn one_comment(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Path((key, id)): Path<(String, String)>,
) -> JiraResult<Json<Value>> {
    let incident = load(&state, &key).await?;
    let all = state.store.comments(&incident.key).await?;
    all.iter()
        .find(|c| c.id.to_string() == id)
        .map(|c| Json(render::comment(&site, incident.id, c)))
        .ok_or_else(|| JiraError::not_found(format!("Can not find a comment for the id: {id}.")))
}
