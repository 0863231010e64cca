//! Paging in the console: your contact methods (how you are paged, added and removed
//! here) and the escalation policies (who is paged, level by level; made with up to
//! three levels and deleted here, longer ones through the API or CLI).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use triage_core::role::Role;
use triage_store::{
    ContactMethod, EscalationPolicy, NewContactMethod, NewPolicy, PolicyLevel, PolicyTarget,
    StoreError,
};

use super::error::{PageError, form_answer};
use super::session::{Nav, SignedIn};
use crate::AppState;

#[derive(Template)]
#[template(path = "contact_methods.html")]
struct ContactPage {
    nav: Nav,
    error: Option<String>,
    methods: Vec<ContactMethod>,
}

async fn render_contacts(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
) -> Result<String, PageError> {
    let page = ContactPage {
        nav: signed_in.nav(),
        error,
        methods: state.store.contact_methods(&signed_in.actor.email).await?,
    };
    Ok(page.render()?)
}

pub async fn contacts(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    Ok(Html(render_contacts(&state, &signed_in, None).await?))
}

#[derive(Deserialize, Default)]
pub struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    after: String,
}

/// Adds a contact method for the signed-in person.
pub async fn add_contact(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<ContactForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    let new = NewContactMethod {
        kind: form.kind,
        address: form.address,
        name: String::new(),
        after: Some(form.after).filter(|a| !a.trim().is_empty()),
    };
    let result = state
        .store
        .add_contact_method(&signed_in.actor.email, new, state.now())
        .await
        .map(|_| ());
    finish(&state, &signed_in, result).await
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn remove_contact(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    let result = state
        .store
        .remove_contact_method(&signed_in.actor.email, id)
        .await;
    finish(&state, &signed_in, result).await
}

async fn finish(
    state: &AppState,
    signed_in: &SignedIn,
    result: Result<(), StoreError>,
) -> Result<Response, PageError> {
    form_answer(result, "/contact-methods", |error| {
        render_contacts(state, signed_in, Some(error))
    })
    .await
}

/// Levels the console's form offers.
const FORM_LEVELS: usize = 3;

#[derive(Template)]
#[template(path = "escalation_policies.html")]
struct PoliciesPage {
    nav: Nav,
    error: Option<String>,
    policies: Vec<EscalationPolicy>,
    levels: [usize; FORM_LEVELS],
}

async fn render_policies(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
) -> Result<String, PageError> {
    let page = PoliciesPage {
        nav: signed_in.nav(),
        error,
        policies: state.store.policies().await?,
        levels: std::array::from_fn(|n| n + 1),
    };
    Ok(page.render()?)
}

pub async fn policies(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    Ok(Html(render_policies(&state, &signed_in, None).await?))
}

#[derive(Deserialize, Default)]
pub struct PolicyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    ack_timeout: String,
    #[serde(default)]
    targets1: String,
    #[serde(default)]
    delay1: String,
    #[serde(default)]
    targets2: String,
    #[serde(default)]
    delay2: String,
    #[serde(default)]
    targets3: String,
    #[serde(default)]
    delay3: String,
}

/// A level's targets as typed: e-mail addresses are people, other names schedules.
fn targets(text: &str) -> Vec<PolicyTarget> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            if t.contains('@') {
                PolicyTarget::User(t.to_string())
            } else {
                PolicyTarget::Schedule(t.to_string())
            }
        })
        .collect()
}

/// Creates a policy from the form's filled-in levels (responders).
pub async fn create_policy(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<PolicyForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(
        Role::Responder,
        "responders and admins describe escalation policies",
    )?;
    let repeat = match form.repeat.trim() {
        "" => Ok(0),
        text => text.parse::<u32>().map_err(|_| {
            StoreError::Invalid(format!(
                "repeat '{text}' is not allowed: use a number from 0 to 9"
            ))
        }),
    };
    let result = match repeat {
        Ok(repeat) => {
            let levels = [
                (form.targets1, form.delay1),
                (form.targets2, form.delay2),
                (form.targets3, form.delay3),
            ]
            .into_iter()
            .filter(|(targets, delay)| !targets.trim().is_empty() || !delay.trim().is_empty())
            .map(|(text, delay)| PolicyLevel {
                targets: targets(&text),
                delay: delay.trim().to_string(),
            })
            .collect();
            let new = NewPolicy {
                name: form.name,
                description: form.description.trim().to_string(),
                repeat,
                ack_timeout: Some(form.ack_timeout.trim().to_string()).filter(|t| !t.is_empty()),
                levels,
            };
            state
                .store
                .create_policy(new, state.now())
                .await
                .map(|_| ())
        }
        Err(error) => Err(error),
    };
    finish_policies(&state, &signed_in, result).await
}

pub async fn delete_policy(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(name): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(
        Role::Responder,
        "responders and admins delete escalation policies",
    )?;
    let result = state.store.delete_policy(&name).await;
    finish_policies(&state, &signed_in, result).await
}

async fn finish_policies(
    state: &AppState,
    signed_in: &SignedIn,
    result: Result<(), StoreError>,
) -> Result<Response, PageError> {
    form_answer(result, "/escalation-policies", |error| {
        render_policies(state, signed_in, Some(error))
    })
    .await
}
