//! Signing in and out. The sign-in form is protected against cross-site posts by a
//! random token in both a cookie and a hidden field (there is no session yet to hold
//! one); signing out needs the session's own CSRF token.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::cookies;
use super::error::PageError;
use super::session::{SESSION_LIFETIME, SignedIn};
use crate::AppState;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    csrf: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

/// A fresh random token for the sign-in form.
fn form_token() -> Result<String, PageError> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| PageError::Failed(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The sign-in page, with a new form token in its cookie and its hidden field.
fn sign_in_page(
    headers: &HeaderMap,
    status: StatusCode,
    email: &str,
    error: Option<&str>,
) -> Result<Response, PageError> {
    let csrf = form_token()?;
    let body = SignInPage {
        csrf: &csrf,
        email,
        error,
    }
    .render()?;
    let cookie = cookies::set(headers, cookies::SIGN_IN_CSRF, &csrf, 3600, "Strict");
    Ok((status, [(header::SET_COOKIE, cookie)], Html(body)).into_response())
}

pub async fn form(headers: HeaderMap) -> Result<Response, PageError> {
    sign_in_page(&headers, StatusCode::OK, "", None)
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    let expected = cookies::get(&headers, cookies::SIGN_IN_CSRF).unwrap_or_default();
    if expected.is_empty() || expected != form.csrf {
        return sign_in_page(
            &headers,
            StatusCode::FORBIDDEN,
            &form.email,
            Some("This sign-in form has expired; please try again."),
        );
    }
    let session = state
        .store
        .sign_in(&form.email, &form.password, state.now(), SESSION_LIFETIME)
        .await?;
    let Some(session) = session else {
        return sign_in_page(
            &headers,
            StatusCode::UNAUTHORIZED,
            &form.email,
            Some("That e-mail and password do not match an active account."),
        );
    };
    let cookie = cookies::set(
        &headers,
        cookies::SESSION,
        &session.secret,
        SESSION_LIFETIME.as_secs(),
        "Lax",
    );
    let clear = cookies::set(&headers, cookies::SIGN_IN_CSRF, "", 0, "Strict");
    // Appended: a plain header array would keep only the last Set-Cookie.
    Ok((
        AppendHeaders([(header::SET_COOKIE, cookie), (header::SET_COOKIE, clear)]),
        Redirect::to("/"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed_in: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    state.store.end_session(&signed_in.secret).await?;
    let clear = cookies::set(&headers, cookies::SESSION, "", 0, "Lax");
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}
