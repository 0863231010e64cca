//! What a console page answers when it cannot show itself: the sign-in page for a
//! missing session, or an error page with a message a person can act on.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use triage_store::StoreError;

#[derive(Debug)]
pub enum PageError {
    /// No live session: go and sign in.
    SignIn,
    Forbidden(String),
    NotFound(String),
    Failed(String),
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(message) => PageError::NotFound(message),
            StoreError::Forbidden(message) => PageError::Forbidden(message),
            StoreError::Database(_) | StoreError::Migration(_) => {
                tracing::error!(%error, "a console page failed");
                PageError::Failed("the database failed; try again shortly".to_string())
            }
            other => PageError::Failed(other.to_string()),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> Self {
        tracing::error!(%error, "rendering a page failed");
        PageError::Failed("the page could not be rendered".to_string())
    }
}

/// The status of a refused form, shown again with the reason: the person can fix what
/// they sent and retry. None for failures that are not theirs.
pub fn refused_status(error: &StoreError) -> Option<StatusCode> {
    Some(match error {
        StoreError::StaleVersion { .. } | StoreError::Duplicate(_) | StoreError::Conflict(_) => {
            StatusCode::CONFLICT
        }
        StoreError::NotFound(_) => StatusCode::NOT_FOUND,
        StoreError::Forbidden(_) => StatusCode::FORBIDDEN,
        StoreError::Invalid(_) | StoreError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        StoreError::Database(_) | StoreError::Migration(_) => return None,
    })
}

/// What a form's post answers: a redirect to `to` when `result` is done; when it was
/// refused, the form's page again, made by `again` with the reason, under the refusal's
/// status, so the person can fix what they sent.
pub async fn form_answer<F, Fut>(
    result: Result<(), StoreError>,
    to: &str,
    again: F,
) -> Result<Response, PageError>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<String, PageError>>,
{
    match result {
        Ok(()) => Ok(Redirect::to(to).into_response()),
        Err(error) => {
            let Some(status) = refused_status(&error) else {
                return Err(error.into());
            };
            let body = again(error.to_string()).await?;
            Ok((status, Html(body)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            PageError::SignIn => return Redirect::to("/login").into_response(),
            PageError::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", m.as_str()),
            PageError::NotFound(m) => (StatusCode::NOT_FOUND, "Not found", m.as_str()),
            PageError::Failed(m) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something failed",
                m.as_str(),
            ),
        };
        let body = ErrorPage { title, message }
            .render()
            .unwrap_or_else(|_| message.to_string());
        (status, Html(body)).into_response()
    }
}
