//! An incident's post-mortem in the console: drafted from the timeline with one button,
//! edited as its Markdown file in the page (a file that does not parse, or an edit made
//! on a stale page, is refused with the reason and changes nothing), sent for review,
//! published and reopened; the incident's action items as tracked now beside it.
//! Everyone signed in reads it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use serde::Deserialize;
use triage_core::postmortem::markdown;
use triage_core::role::Role;
use triage_store::{ActionFilter, ActionItem, Postmortem, PostmortemAction, StoreError};

use super::error::{PageError, form_answer};
use super::session::{Nav, SignedIn};
use crate::AppState;
use crate::api::postmortems::markdown_file;

#[derive(Template)]
#[template(path = "postmortem.html")]
struct PostmortemPage {
    nav: Nav,
    error: Option<String>,
    key: String,
    summary: String,
    postmortem: Option<Postmortem>,
    /// The Markdown shown (or being edited, when an edit was refused).
    text: String,
    /// Each revision's number and status.
    revisions: Vec<(u32, String)>,
    /// The incident's action items as tracked now (the file lists them as drafted).
    action_items: Vec<ActionItem>,
    /// Where a change to an action item returns: this page.
    back: String,
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    key: &str,
    edited: Option<String>,
    error: Option<String>,
) -> Result<String, PageError> {
    let incident = state.store.incident(key).await?;
    let postmortem = match state.store.postmortem(&incident.key).await {
        Ok(found) => Some(found),
        Err(StoreError::NotFound(_)) => None,
        Err(other) => return Err(other.into()),
    };
    let revisions = state
        .store
        .postmortem_revisions(&incident.key)
        .await?
        .into_iter()
        .map(|p| (p.revision, p.status.to_string()))
        .collect();
    let text = edited.unwrap_or_else(|| {
        postmortem
            .as_ref()
            .map(|p| markdown::render(&p.document))
            .unwrap_or_default()
    });
    let filter = ActionFilter::of_incident(incident.key.clone());
    let action_items = state.store.action_items(filter, state.now()).await?;
    let page = PostmortemPage {
        action_items,
        back: format!("/incidents/{}/postmortem", incident.key),
        nav: signed_in.nav(),
        error,
        key: incident.key,
        summary: incident.summary,
        postmortem,
        text,
        revisions,
    };
    Ok(page.render()?)
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(key): Path<String>,
) -> Result<Html<String>, PageError> {
    Ok(Html(render(&state, &signed_in, &key, None, None).await?))
}

#[derive(Deserialize, Default)]
pub struct FileQuery {
    /// A revision; the latest unless given.
    revision: Option<u32>,
}

/// The post-mortem (or one revision) as its Markdown file, for a signed-in browser.
pub async fn file(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path(key): Path<String>,
    Query(query): Query<FileQuery>,
) -> Result<Response, PageError> {
    let revisions = state.store.postmortem_revisions(&key).await?;
    let found = match query.revision {
        Some(n) => revisions.into_iter().find(|p| p.revision == n),
        None => revisions.into_iter().last(),
    }
    .ok_or_else(|| PageError::NotFound(format!("{key} has no such post-mortem")))?;
    Ok(markdown_file(&found, StatusCode::OK))
}

#[derive(Deserialize, Default)]
pub struct PostmortemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    text: String,
}

/// Drafts, saves, or moves the post-mortem through its review (responders).
pub async fn act(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((key, action)): Path<(String, String)>,
    Form(form): Form<PostmortemForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(Role::Responder, "responders and admins write post-mortems")?;
    let store = &state.store;
    let now = state.now();
    let actor = &signed_in.actor;
    let mut edited = None;
    let result = match action.as_str() {
        "draft" => store.draft_postmortem(&key, actor, now).await.map(|_| ()),
        "save" => {
            edited = Some(form.text.clone());
            match markdown::parse(&form.text.replace("\r\n", "\n")) {
                Ok(document) => store
                    .save_postmortem(&key, document, form.version, now)
                    .await
                    .map(|_| ()),
                Err(error) => Err(StoreError::Invalid(format!(
                    "the post-mortem does not parse: {error}"
                ))),
            }
        }
        other => match PostmortemAction::parse(other) {
            Ok(step) => store
                .move_postmortem(&key, step, actor, now)
                .await
                .map(|_| ()),
            Err(_) => return Err(PageError::NotFound(format!("no action '{other}'"))),
        },
    };
    let back = format!("/incidents/{}/postmortem", key.trim());
    form_answer(result, &back, |error| {
        render(&state, &signed_in, &key, edited, Some(error))
    })
    .await
}
