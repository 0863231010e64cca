//! Paging in the console: your contact methods (how you are paged, added and removed
//! here) and the escalation policies (who is paged, level by level).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use triage_store::{ContactMethod, EscalationPolicy, NewContactMethod, StoreError};

use super::error::{PageError, refused_status};
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
    match result {
        Ok(()) => Ok(Redirect::to("/contact-methods").into_response()),
        Err(error) => {
            let Some(status) = refused_status(&error) else {
                return Err(error.into());
            };
            let body = render_contacts(state, signed_in, Some(error.to_string())).await?;
            Ok((status, Html(body)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "escalation_policies.html")]
struct PoliciesPage {
    nav: Nav,
    policies: Vec<EscalationPolicy>,
}

pub async fn policies(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    let page = PoliciesPage {
        nav: signed_in.nav(),
        policies: state.store.policies().await?,
    };
    Ok(Html(page.render()?))
}
