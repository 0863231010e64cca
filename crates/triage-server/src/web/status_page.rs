//! The status page in the console: what the public sees (components and their status,
//! open incidents and maintenance) and the forms to change it — a component's status,
//! publishing an incident in public words, posting an update, scheduling maintenance —
//! for responders; adding components, branding and subscribers for admins. Everyone
//! signed in reads it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::Deserialize;
use triage_core::role::Role;
use triage_core::status_page::{ComponentStatus, PublicStatus};
use triage_store::{
    NewComponent, NewPublicIncident, NewPublicUpdate, PublicFilter, PublicIncident,
    StatusComponent, StatusPageSettings, StoreError, Subscriber,
};

use super::error::{PageError, form_answer};
use super::session::{Nav, SignedIn};
use super::view::{Time, optional};
use crate::AppState;

/// An open public incident or maintenance as the page lists it.
pub struct OpenLine {
    pub incident: PublicIncident,
    pub status: &'static str,
    /// The statuses an update may move it to.
    pub next: Vec<(&'static str, &'static str)>,
    pub latest: String,
    pub updated: Time,
    pub components: String,
}

#[derive(Template)]
#[template(path = "status_admin.html")]
struct StatusAdminPage {
    nav: Nav,
    error: Option<String>,
    components: Vec<StatusComponent>,
    open: Vec<OpenLine>,
    settings: StatusPageSettings,
    subscribers: Vec<Subscriber>,
    /// The internal incident the publish form is filled for (from `?incident=`).
    incident: String,
    statuses: Vec<(&'static str, &'static str)>,
}

/// Component statuses as the forms offer them: value, label.
fn component_statuses() -> Vec<(&'static str, &'static str)> {
    ComponentStatus::ALL
        .into_iter()
        .map(|s| (s.as_str(), s.label()))
        .collect()
}

/// The statuses an update of `incident` may set: value, label.
fn next_statuses(incident: &PublicIncident) -> Vec<(&'static str, &'static str)> {
    PublicStatus::choices(incident.maintenance)
        .into_iter()
        .map(|s| (s.as_str(), s.label()))
        .collect()
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    incident: String,
    error: Option<String>,
) -> Result<String, PageError> {
    let now = state.now();
    let store = &state.store;
    let mut open: Vec<OpenLine> = Vec::new();
    for filter in [
        PublicFilter::IncidentsSince(now),
        PublicFilter::MaintenancesSince(now),
    ] {
        for i in store.public_incidents(filter, now).await? {
            if i.status.is_final() {
                continue;
            }
            open.push(OpenLine {
                status: i.status.label(),
                next: next_statuses(&i),
                latest: i
                    .updates
                    .first()
                    .map(|u| u.body.clone())
                    .unwrap_or_default(),
                updated: Time::new(i.updated_at),
                components: i
                    .components
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                incident: i,
            });
        }
    }
    let subscribers = if signed_in.nav().admin {
        store.subscribers().await?
    } else {
        Vec::new()
    };
    let page = StatusAdminPage {
        nav: signed_in.nav(),
        error,
        components: store.components(now).await?,
        open,
        settings: store.status_page_settings().await?.0,
        subscribers,
        incident,
        statuses: component_statuses(),
    };
    Ok(page.render()?)
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    incident: String,
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        render(&state, &signed_in, query.incident, None).await?,
    ))
}

/// Every form of the page; each action reads the fields it needs.
#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    incident: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    impact: String,
    /// Component names, comma-separated.
    #[serde(default)]
    components: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    logo_url: String,
    #[serde(default)]
    accent: String,
}

fn names(text: &str) -> Vec<(String, Option<String>)> {
    text.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| (n.to_string(), None))
        .collect()
}

/// A browser's `datetime-local` value (`2026-11-23T02:00`), read as UTC.
fn utc(field: &str, text: &str) -> Result<Timestamp, StoreError> {
    text.trim()
        .parse::<DateTime>()
        .ok()
        .and_then(|at| at.to_zoned(TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "{field} '{text}' is not a time: write it like 2026-11-23T02:00 (UTC)"
            ))
        })
}

fn the_id(form: &StatusForm) -> Result<i64, StoreError> {
    form.id.ok_or_else(|| {
        StoreError::Invalid(
            "the form named no incident or subscriber: reload the page and try again".to_string(),
        )
    })
}

async fn apply(
    state: &AppState,
    signed_in: &SignedIn,
    action: &str,
    form: StatusForm,
) -> Result<(), StoreError> {
    let store = &state.store;
    let actor = &signed_in.actor;
    let now = state.now();
    let admin_only = |what: &str| {
        if signed_in.nav().admin {
            Ok(())
        } else {
            Err(StoreError::Forbidden(format!("only admins {what}")))
        }
    };
    match action {
        "component" => {
            admin_only("add components")?;
            let new = NewComponent {
                name: form.name,
                description: form.description,
                group: optional(&form.group),
                service: optional(&form.service),
            };
            store.create_component(new, now).await.map(|_| ())
        }
        "component-status" => store
            .set_component_status(&form.name, &form.status, now)
            .await
            .map(|_| ()),
        "publish" => {
            let new = NewPublicIncident {
                incident: Some(form.incident.trim().to_string()),
                name: form.name,
                body: form.body,
                impact: optional(&form.impact),
                components: names(&form.components),
                ..NewPublicIncident::default()
            };
            store.publish(new, actor, now).await.map(|_| ())
        }
        "maintenance" => {
            let new = NewPublicIncident {
                maintenance: true,
                name: form.name,
                body: form.body,
                components: names(&form.components),
                scheduled_for: Some(utc("from", &form.from)?),
                scheduled_until: Some(utc("until", &form.until)?),
                ..NewPublicIncident::default()
            };
            store.publish(new, actor, now).await.map(|_| ())
        }
        "update" => {
            let id = the_id(&form)?;
            let new = NewPublicUpdate {
                status: form.status,
                body: form.body,
                components: Vec::new(),
            };
            store
                .post_public_update(id, new, actor, now)
                .await
                .map(|_| ())
        }
        "branding" => {
            admin_only("brand the page")?;
            let settings = StatusPageSettings {
                name: form.name,
                logo_url: form.logo_url,
                accent: form.accent,
            };
            store.set_status_page_settings(settings).await.map(|_| ())
        }
        "unsubscribe" => {
            admin_only("remove subscribers")?;
            store.delete_subscriber(the_id(&form)?).await
        }
        other => Err(StoreError::NotFound(format!("no action '{other}'"))),
    }
}

/// One of the page's forms (responders; some admins only); a refusal shows the page
/// again with the reason and changes nothing.
pub async fn act(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(action): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(
        Role::Responder,
        "responders and admins change the status page",
    )?;
    let incident = form.incident.clone();
    let result = apply(&state, &signed_in, &action, form).await;
    form_answer(result, "/status-page", |error| {
        render(&state, &signed_in, incident, Some(error))
    })
    .await
}
