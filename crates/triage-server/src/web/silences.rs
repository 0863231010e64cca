//! Silences in the console: what is silenced now and soon, what was, and a form to keep
//! planned work quiet. Everyone signed in reads; responders add and end silences.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use triage_core::duration::parse_duration;
use triage_core::role::Role;
use triage_store::{NewSilence, Silence, StoreError};

use super::error::{PageError, form_answer};
use super::session::{Nav, SignedIn};
use super::view::Time;
use crate::AppState;

pub struct SilenceLine {
    pub silence: Silence,
    pub starts: Time,
    pub ends: Time,
}

#[derive(Template)]
#[template(path = "silences.html")]
struct SilencesPage {
    nav: Nav,
    error: Option<String>,
    current: Vec<SilenceLine>,
    expired: Vec<SilenceLine>,
    services: Vec<String>,
}

/// Expired silences the page lists.
const EXPIRED_LISTED: usize = 20;

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
) -> Result<String, PageError> {
    let line = |silence: Silence| SilenceLine {
        starts: Time::new(silence.starts_at),
        ends: Time::new(silence.ends_at),
        silence,
    };
    let all = state.store.silences(None, state.now()).await?;
    let (expired, current): (Vec<Silence>, Vec<Silence>) =
        all.into_iter().partition(|s| s.state == "expired");
    let page = SilencesPage {
        nav: signed_in.nav(),
        error,
        current: current.into_iter().map(line).collect(),
        expired: expired.into_iter().take(EXPIRED_LISTED).map(line).collect(),
        services: state
            .store
            .services()
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect(),
    };
    Ok(page.render()?)
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    Ok(Html(render(&state, &signed_in, None).await?))
}

#[derive(Deserialize, Default)]
pub struct SilenceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    service: String,
    /// One matcher per line.
    #[serde(default)]
    matchers: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    comment: String,
}

async fn apply(
    state: &AppState,
    signed_in: &SignedIn,
    form: SilenceForm,
) -> Result<(), StoreError> {
    let now = state.now();
    let duration =
        parse_duration(&form.duration).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let new = NewSilence {
        service: Some(form.service).filter(|s| !s.trim().is_empty()),
        matchers: form.matchers.lines().map(str::to_string).collect(),
        starts_at: None,
        ends_at: Some(now + duration),
        comment: form.comment,
    };
    state
        .store
        .create_silence(new, &signed_in.actor, now)
        .await
        .map(|_| ())
}

/// Adds a silence (responders); a refusal shows the page again with the reason.
pub async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<SilenceForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(Role::Responder, "responders and admins silence alerts")?;
    finish(&state, &signed_in, apply(&state, &signed_in, form).await).await
}

#[derive(Deserialize, Default)]
pub struct ExpireForm {
    #[serde(default)]
    csrf: String,
}

/// Ends a silence now (responders).
pub async fn expire(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ExpireForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(Role::Responder, "responders and admins end silences")?;
    let result = state
        .store
        .expire_silence(id, state.now())
        .await
        .map(|_| ());
    finish(&state, &signed_in, result).await
}

async fn finish(
    state: &AppState,
    signed_in: &SignedIn,
    result: Result<(), StoreError>,
) -> Result<Response, PageError> {
    form_answer(result, "/silences", |error| {
        render(state, signed_in, Some(error))
    })
    .await
}
