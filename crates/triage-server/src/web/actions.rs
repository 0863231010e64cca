//! Action items in the console: the backlog across incidents, filtered by owner and
//! status, overdue items highlighted; and the changes a responder makes from any list of
//! items (start, done, verify, reopen), which return to the page they came from.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use triage_core::action::ActionStatus;
use triage_core::role::Role;
use triage_store::{ActionChanges, ActionFilter, ActionItem};

use super::error::{PageError, form_answer};
use super::session::{Nav, SignedIn};
use super::view::{Choice, choices, optional};
use crate::AppState;

#[derive(Template)]
#[template(path = "action_items.html")]
struct BacklogPage {
    nav: Nav,
    error: Option<String>,
    owners: Vec<Choice>,
    statuses: Vec<Choice>,
    overdue: bool,
    action_items: Vec<ActionItem>,
    /// How many of them are overdue.
    late: usize,
    /// Where a change made on this page returns: the page, filters kept.
    back: String,
}

#[derive(Deserialize, Default)]
pub struct BacklogQuery {
    #[serde(default)]
    owner: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    overdue: Option<String>,
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    query: BacklogQuery,
    back: String,
    error: Option<String>,
) -> Result<String, PageError> {
    let owner = optional(&query.owner);
    let status = optional(&query.status);
    let overdue = query.overdue.is_some_and(|o| o == "true" || o == "on");
    let filter = ActionFilter {
        incident: None,
        owner: owner.clone(),
        status: status.clone(),
        overdue,
    };
    let action_items = state.store.action_items(filter, state.now()).await?;
    let users = state.store.users().await?;
    let owners = choices(
        users
            .into_iter()
            .map(|u| (u.email.clone(), format!("{} <{}>", u.name, u.email)))
            .collect(),
        owner,
        "Anyone",
    );
    let statuses = choices(
        ActionStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.as_str().to_string()))
            .collect(),
        status,
        "Any",
    );
    let page = BacklogPage {
        nav: signed_in.nav(),
        error,
        owners,
        statuses,
        overdue,
        late: action_items.iter().filter(|i| i.overdue).count(),
        action_items,
        back,
    };
    Ok(page.render()?)
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<BacklogQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Html<String>, PageError> {
    let back = match raw {
        Some(raw) if !raw.is_empty() => format!("/action-items?{raw}"),
        _ => "/action-items".to_string(),
    };
    Ok(Html(render(&state, &signed_in, query, back, None).await?))
}

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    /// The page to return to: a path on this server.
    #[serde(default)]
    back: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    how: String,
}

/// `back` when it is a page of this console, else the backlog: a form cannot send the
/// browser elsewhere.
fn local(back: &str) -> String {
    let local = back.starts_with('/') && !back.starts_with("//") && !back.contains('\\');
    if local {
        back.to_string()
    } else {
        "/action-items".to_string()
    }
}

/// Moves an item to another status, or verifies it (responders).
pub async fn change(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<ChangeForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(Role::Responder, "responders and admins change action items")?;
    let store = &state.store;
    let (actor, now) = (&signed_in.actor, state.now());
    let result = match action.as_str() {
        "status" => {
            let changes = ActionChanges {
                status: Some(form.status.clone()),
                ..ActionChanges::default()
            };
            store.update_action_item(id, changes, actor, now).await
        }
        "verify" => store.verify_action_item(id, &form.how, actor, now).await,
        other => return Err(PageError::NotFound(format!("no action '{other}'"))),
    };
    let back = local(&form.back);
    form_answer(result.map(|_| ()), &back, |error| {
        render(
            &state,
            &signed_in,
            BacklogQuery::default(),
            "/action-items".to_string(),
            Some(error),
        )
    })
    .await
}
