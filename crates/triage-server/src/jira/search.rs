//! Searching with JQL: `GET`/`POST search` (Server: `startAt`, `total`) and
//! `GET`/`POST search/jql` (Cloud: `nextPageToken`, `isLast`). People in a query are
//! named as clients name them (e-mail, display name, account id) and resolved here.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use triage_core::jql::{self, Clause, Field, Operand, Value as JqlValue};
use triage_store::{Actor, JqlContext, JqlPage, User};

use crate::AppState;
use crate::auth::Viewer;

use super::error::{Body, Jira, JiraError, JiraResult};
use super::issues::issue_json;
use super::meta::{Params, param, params_named};
use super::render::FieldSet;
use super::site::Site;
use super::users;

/// The most issues one page holds, as in Jira.
const MAX_RESULTS: u32 = 100;
const DEFAULT_RESULTS: u32 = 50;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/search", get(search_get).post(search_post))
        .route("/search/jql", get(jql_get).post(jql_post))
}

/// A search as asked, from the query string or a JSON body.
struct Request {
    jql: String,
    start_at: u32,
    max_results: u32,
    fields: Vec<String>,
    expand: String,
}

fn number(text: Option<&str>, name: &str, default: u32) -> JiraResult<u32> {
    match text {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| JiraError::bad(format!("'{name}' must be a whole number, not '{text}'."))),
    }
}

fn from_params(params: &[(String, String)], start: u32) -> JiraResult<Request> {
    Ok(Request {
        jql: param(params, "jql").unwrap_or_default().to_string(),
        start_at: start,
        max_results: number(param(params, "maxResults"), "maxResults", DEFAULT_RESULTS)?,
        fields: params_named(params, "fields"),
        expand: param(params, "expand").unwrap_or_default().to_string(),
    })
}

fn from_body(body: &Value, start: u32) -> Request {
    let strings = |name: &str| -> Vec<String> {
        match body.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(text)) => vec![text.clone()],
            _ => Vec::new(),
        }
    };
    let max = body.get("maxResults").and_then(Value::as_u64);
    Request {
        jql: body
            .get("jql")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        start_at: start,
        max_results: max.map_or(DEFAULT_RESULTS, |m| u32::try_from(m).unwrap_or(MAX_RESULTS)),
        fields: strings("fields"),
        expand: strings("expand").join(","),
    }
}

/// `nextPageToken` is where the next page starts.
fn page_token(token: Option<&str>) -> JiraResult<u32> {
    match token {
        None | Some("") => Ok(0),
        Some(token) => token.parse().map_err(|_| {
            JiraError::bad("The nextPageToken is not valid: pass the one the previous page gave.")
        }),
    }
}

async fn search_get(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(actor)): Jira<Viewer>,
    Query(params): Params,
) -> JiraResult<Json<Value>> {
    let start = number(param(&params, "startAt"), "startAt", 0)?;
    let request = from_params(&params, start)?;
    server_page(&state, &site, &actor, request).await
}

async fn search_post(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(actor)): Jira<Viewer>,
    Body(body): Body,
) -> JiraResult<Json<Value>> {
    let start = body.get("startAt").and_then(Value::as_u64).unwrap_or(0);
    let request = from_body(&body, u32::try_from(start).unwrap_or(u32::MAX));
    server_page(&state, &site, &actor, request).await
}

async fn jql_get(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(actor)): Jira<Viewer>,
    Query(params): Params,
) -> JiraResult<Json<Value>> {
    let start = page_token(param(&params, "nextPageToken"))?;
    let request = from_params(&params, start)?;
    cloud_page(&state, &site, &actor, request).await
}

async fn jql_post(
    State(state): State<AppState>,
    site: Site,
    Jira(Viewer(actor)): Jira<Viewer>,
    Body(body): Body,
) -> JiraResult<Json<Value>> {
    let start = page_token(body.get("nextPageToken").and_then(Value::as_str))?;
    let request = from_body(&body, start);
    cloud_page(&state, &site, &actor, request).await
}

/// One page of issues, whether more follow, and (when `count`) the total that match.
async fn run(
    state: &AppState,
    site: &Site,
    actor: &Actor,
    request: &Request,
    count: bool,
) -> JiraResult<(Vec<Value>, JqlPage, u32)> {
    let mut query = jql::parse(&request.jql).map_err(|e| JiraError::bad(e.to_string()))?;
    if let Some(clause) = &mut query.clause {
        let all = state.store.users().await?;
        resolve_people(clause, &all)?;
    }
    let max = request.max_results.clamp(1, MAX_RESULTS);
    let context = JqlContext {
        user: actor.email.clone(),
        now: state.now(),
    };
    let page = state
        .store
        .search_jql(&query, &context, request.start_at, max, count)
        .await?;
    let wanted = FieldSet::parse(&request.fields, false);
    let mut issues = Vec::with_capacity(page.incidents.len());
    for incident in &page.incidents {
        issues.push(issue_json(state, site, actor, incident, &wanted, &request.expand).await?);
    }
    Ok((issues, page, max))
}

async fn server_page(
    state: &AppState,
    site: &Site,
    actor: &Actor,
    request: Request,
) -> JiraResult<Json<Value>> {
    let (issues, page, max) = run(state, site, actor, &request, true).await?;
    Ok(Json(json!({
        "expand": "schema,names",
        "startAt": request.start_at,
        "maxResults": max,
        "total": page.total,
        "issues": issues,
    })))
}

async fn cloud_page(
    state: &AppState,
    site: &Site,
    actor: &Actor,
    request: Request,
) -> JiraResult<Json<Value>> {
    // Cloud's enhanced search answers no total, so none is counted.
    let (issues, page, _) = run(state, site, actor, &request, false).await?;
    let next = u64::from(request.start_at) + issues.len() as u64;
    let mut answer = json!({ "issues": issues, "isLast": !page.more });
    if page.more {
        answer["nextPageToken"] = json!(next.to_string());
    }
    Ok(Json(answer))
}

/// Assignee and reporter values become e-mails; an unknown person is Jira's error.
fn resolve_people(clause: &mut Clause, all: &[User]) -> JiraResult<()> {
    match clause {
        Clause::And(parts) | Clause::Or(parts) => {
            parts.iter_mut().try_for_each(|p| resolve_people(p, all))
        }
        Clause::Not(inner) => resolve_people(inner, all),
        Clause::Term(term) if matches!(term.field, Field::Assignee | Field::Reporter) => {
            let values = match &mut term.operand {
                Operand::Value(value) => std::slice::from_mut(value),
                Operand::List(values) => values.as_mut_slice(),
                Operand::Empty => return Ok(()),
            };
            for value in values {
                if let JqlValue::Text(who) = value {
                    let user = users::find(all, who).ok_or_else(|| {
                        JiraError::bad(format!(
                            "The value '{who}' does not exist for the field '{}'.",
                            term.field.as_str()
                        ))
                    })?;
                    *who = user.email.clone();
                }
            }
            Ok(())
        }
        Clause::Term(_) => Ok(()),
    }
}
