//! What clients read before they act: server info, the signed-in user, fields, the
//! project, priorities, resolutions, statuses, issue and link types, and users.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use triage_core::Priority;
use triage_core::jql::{Field, vocabulary};
use triage_core::link::LinkType;
use triage_core::workflow::Category;

use crate::AppState;
use crate::auth::Viewer;

use super::error::{Jira, JiraError, JiraResult};
use super::render::{self, FIELD_NAMES, PROJECT_ID, PROJECT_NAME, SEVERITY_FIELD};
use super::site::Site;
use super::users;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/serverInfo", get(server_info))
        .route("/myself", get(myself))
        .route("/field", get(fields))
        .route("/project", get(projects))
        .route("/project/{key}", get(project))
        .route("/priority", get(priorities))
        .route("/priority/{id}", get(priority))
        .route("/resolution", get(resolutions))
        .route("/resolution/{id}", get(resolution))
        .route("/status", get(statuses))
        .route("/status/{id}", get(status))
        .route("/statuscategory", get(categories))
        .route("/issuetype", get(issue_types))
        .route("/issuetype/{id}", get(issue_type))
        .route("/issueLinkType", get(link_types))
        .route("/issueLinkType/{id}", get(link_type))
        .route("/user", get(user))
        .route("/user/search", get(user_search))
}

/// Query parameters as pairs, so that repeated ones (`fields=a&fields=b`) are kept.
pub(super) type Params = Query<Vec<(String, String)>>;

pub(super) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Every value of a repeated parameter.
pub(super) fn params_named(params: &[(String, String)], name: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// `true`/`True`/`1`, as clients spell booleans.
pub(super) fn flag(params: &[(String, String)], name: &str) -> Option<bool> {
    param(params, name).map(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

async fn server_info(State(state): State<AppState>, site: Site) -> Json<Value> {
    Json(json!({
        "baseUrl": site.base,
        "version": "9.12.0",
        "versionNumbers": [9, 12, 0],
        "deploymentType": site.deployment.as_str(),
        "buildNumber": 912000,
        "buildDate": "2026-11-01T00:00:00.000+0000",
        "serverTime": render::timestamp(state.now()),
        "scmInfo": "triage",
        "serverTitle": "Triage",
    }))
}

/// `/rest/api/2/myself` and `/rest/auth/1/session`: who the token belongs to.
async fn myself(site: Site, Jira(Viewer(actor)): Jira<Viewer>) -> Json<Value> {
    let mut me = render::user(&site, &actor.email, &actor.name, true);
    me["groups"] = json!({ "size": actor.groups.len(), "items": actor.groups.iter().map(|g| json!({ "name": g })).collect::<Vec<_>>() });
    Json(me)
}

pub(super) async fn session(site: Site, viewer: Jira<Viewer>) -> Json<Value> {
    myself(site, viewer).await
}

/// The JQL field a field id is searched by, where there is one.
fn clause_field(id: &str) -> Option<Field> {
    Some(match id {
        "summary" => Field::Summary,
        "description" => Field::Description,
        "issuetype" => Field::IssueType,
        "project" => Field::Project,
        "priority" => Field::Priority,
        "status" => Field::Status,
        "resolution" => Field::Resolution,
        "resolutiondate" => Field::Resolved,
        "assignee" => Field::Assignee,
        "reporter" => Field::Reporter,
        "labels" => Field::Labels,
        "components" => Field::Component,
        "created" => Field::Created,
        "updated" => Field::Updated,
        "comment" => Field::Comment,
        SEVERITY_FIELD => Field::Severity,
        _ => return None,
    })
}

async fn fields(Jira(Viewer(_)): Jira<Viewer>) -> Json<Value> {
    let fields: Vec<Value> = FIELD_NAMES
        .iter()
        .map(|(id, name)| {
            let clause_names: Vec<&str> = clause_field(id)
                .map(|f| f.clause_names().to_vec())
                .unwrap_or_default();
            let custom = *id == SEVERITY_FIELD;
            json!({
                "id": id,
                "key": id,
                "name": name,
                "custom": custom,
                "orderable": true,
                "navigable": *id != "comment",
                "searchable": !clause_names.is_empty(),
                "clauseNames": clause_names,
                "schema": if custom {
                    json!({ "type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select", "customId": 10100 })
                } else {
                    json!({ "type": "string", "system": id })
                },
            })
        })
        .collect();
    Json(Value::Array(fields))
}

/// The project, with its issue types whether or not `expand` asks for them.
fn project_json(state: &AppState, site: &Site) -> Value {
    let mut project = render::project(site, state.store.key_prefix());
    project["description"] = json!("Incidents managed by Triage");
    project["lead"] = Value::Null;
    project["components"] = json!([]);
    project["issueTypes"] = json!([render::issue_type(site)]);
    project
}

async fn projects(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
) -> Json<Value> {
    Json(json!([project_json(&state, &site)]))
}

async fn project(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Path(key): Path<String>,
) -> JiraResult<Json<Value>> {
    let prefix = state.store.key_prefix();
    if !(key.eq_ignore_ascii_case(prefix)
        || key == PROJECT_ID
        || key.eq_ignore_ascii_case(PROJECT_NAME))
    {
        return Err(JiraError::not_found(format!(
            "No project could be found with key '{key}': Triage has one project, {prefix}."
        )));
    }
    Ok(Json(project_json(&state, &site)))
}

async fn priorities(site: Site, Jira(Viewer(_)): Jira<Viewer>) -> Json<Value> {
    Json(Value::Array(
        Priority::ALL
            .iter()
            .map(|p| render::priority(&site, *p))
            .collect(),
    ))
}

async fn priority(
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Path(id): Path<String>,
) -> JiraResult<Json<Value>> {
    Priority::ALL
        .into_iter()
        .find(|p| vocabulary::priority_id(*p).to_string() == id)
        .map(|p| Json(render::priority(&site, p)))
        .ok_or_else(|| {
            JiraError::not_found(format!(
                "No priority with id {id}: they are 1 (Critical) to 4 (Low)."
            ))
        })
}

async fn resolutions(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
) -> Json<Value> {
    let workflow = state.store.workflow();
    Json(Value::Array(
        workflow
            .resolutions
            .iter()
            .map(|r| render::resolution(&site, workflow, r))
            .collect(),
    ))
}

async fn resolution(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Path(id): Path<String>,
) -> JiraResult<Json<Value>> {
    let workflow = state.store.workflow();
    vocabulary::resolution(workflow, &id)
        .map(|r| Json(render::resolution(&site, workflow, r)))
        .ok_or_else(|| JiraError::not_found(format!("No resolution with id {id}.")))
}

async fn statuses(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
) -> Json<Value> {
    let workflow = state.store.workflow();
    Json(Value::Array(
        workflow
            .statuses
            .iter()
            .map(|s| render::status(&site, workflow, &s.name))
            .collect(),
    ))
}

async fn status(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Path(id): Path<String>,
) -> JiraResult<Json<Value>> {
    let workflow = state.store.workflow();
    vocabulary::status(workflow, &id)
        .map(|s| Json(render::status(&site, workflow, s)))
        .ok_or_else(|| JiraError::not_found(format!("The status with id '{id}' does not exist.")))
}

async fn categories(site: Site, Jira(Viewer(_)): Jira<Viewer>) -> Json<Value> {
    Json(Value::Array(
        Category::ALL
            .iter()
            .map(|c| render::category(&site, *c))
            .collect(),
    ))
}

async fn issue_types(site: Site, Jira(Viewer(_)): Jira<Viewer>) -> Json<Value> {
    Json(json!([render::issue_type(&site)]))
}

async fn issue_type(
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Path(id): Path<String>,
) -> JiraResult<Json<Value>> {
    if id == render::ISSUE_TYPE_ID || id.eq_ignore_ascii_case(render::ISSUE_TYPE) {
        Ok(Json(render::issue_type(&site)))
    } else {
        Err(JiraError::not_found(format!(
            "No issue type with id '{id}': Triage has one, Incident ({}).",
            render::ISSUE_TYPE_ID
        )))
    }
}

async fn link_types(site: Site, Jira(Viewer(_)): Jira<Viewer>) -> Json<Value> {
    Json(json!({
        "issueLinkTypes": LinkType::ALL.iter().map(|t| render::link_type(&site, *t)).collect::<Vec<_>>(),
    }))
}

async fn link_type(
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Path(id): Path<String>,
) -> JiraResult<Json<Value>> {
    LinkType::ALL
        .into_iter()
        .find(|t| render::link_type_id(*t) == id)
        .map(|t| Json(render::link_type(&site, t)))
        .ok_or_else(|| JiraError::not_found(format!("No issue link type with id '{id}'.")))
}

/// `GET user?username=|accountId=|key=`.
async fn user(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Query(params): Params,
) -> JiraResult<Json<Value>> {
    let who = ["accountId", "username", "key"]
        .iter()
        .find_map(|name| param(&params, name))
        .ok_or_else(|| JiraError::bad("Give the user as accountId, username or key."))?;
    let all = state.store.users().await?;
    let found = users::find(&all, who)
        .ok_or_else(|| JiraError::not_found(format!("The user named '{who}' does not exist.")))?;
    Ok(Json(render::user(
        &site,
        &found.email,
        &found.name,
        found.active,
    )))
}

/// `GET user/search?username=|query=|accountId=`: a JSON array, as Jira answers it.
async fn user_search(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(_)): Jira<Viewer>,
    Query(params): Params,
) -> JiraResult<Json<Value>> {
    let text = ["query", "username", "accountId", "property"]
        .iter()
        .find_map(|name| param(&params, name))
        .unwrap_or_default();
    let inactive = flag(&params, "includeInactive").unwrap_or(false);
    let active = flag(&params, "includeActive").unwrap_or(true);
    let start: usize = param(&params, "startAt")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let max: usize = param(&params, "maxResults")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let all = state.store.users().await?;
    let found: Vec<Value> = users::search(&all, text, inactive)
        .into_iter()
        .filter(|u| active || !u.active)
        .skip(start)
        .take(max)
        .map(|u| render::user(&site, &u.email, &u.name, u.active))
        .collect();
    Ok(Json(Value::Array(found)))
}
