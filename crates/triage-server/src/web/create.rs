//! Reporting an incident from the console: a user report (detection source
//! `user_report`), opened in the workflow's initial status.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use triage_core::incident::DetectionSource;
use triage_core::role::Role;
use triage_core::{Priority, Severity};
use triage_store::{NewIncident, StoreError};

use super::error::PageError;
use super::session::{Nav, SignedIn};
use super::view::{Choice, priority_choices, severity_choices};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct NewIncidentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    services: String,
    #[serde(default)]
    labels: String,
}

#[derive(Template)]
#[template(path = "new_incident.html")]
struct NewIncidentPage<'a> {
    nav: Nav,
    error: Option<String>,
    form: &'a NewIncidentForm,
    priorities: Vec<Choice>,
    severities: Vec<Choice>,
}

fn responder(signed_in: &SignedIn) -> Result<(), PageError> {
    signed_in.require(Role::Responder, "responders and admins may open incidents")
}

fn render(
    signed_in: &SignedIn,
    form: &NewIncidentForm,
    error: Option<String>,
) -> Result<String, PageError> {
    let page = NewIncidentPage {
        nav: signed_in.nav(),
        error,
        form,
        priorities: priority_choices(Priority::parse(&form.priority).ok()),
        severities: severity_choices(Severity::parse(&form.severity).ok()),
    };
    Ok(page.render()?)
}

pub async fn form(signed_in: SignedIn) -> Result<Html<String>, PageError> {
    responder(&signed_in)?;
    Ok(Html(render(&signed_in, &NewIncidentForm::default(), None)?))
}

/// `a, b,, c` as `[a, b, c]`.
fn names(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

fn parsed<T, E: ToString>(
    text: &str,
    parse: fn(&str) -> Result<T, E>,
) -> Result<Option<T>, StoreError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse(text)
        .map(Some)
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

pub async fn submit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<NewIncidentForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    responder(&signed_in)?;
    let created = async {
        let new = NewIncident {
            summary: form.summary.clone(),
            description: form.description.clone(),
            priority: parsed(&form.priority, Priority::parse)?,
            severity: parsed(&form.severity, Severity::parse)?,
            assignee: None,
            services: names(&form.services),
            labels: names(&form.labels),
            detection_source: DetectionSource::UserReport,
            detected_at: None,
        };
        state
            .store
            .create_incident(new, &signed_in.actor, state.now())
            .await
    }
    .await;
    match created {
        Ok(incident) => Ok(Redirect::to(&format!("/incidents/{}", incident.key)).into_response()),
        Err(StoreError::Invalid(message)) => {
            let body = render(&signed_in, &form, Some(message))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
