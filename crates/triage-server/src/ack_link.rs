//! Acknowledge links: every notification carries a link that acknowledges its incident
//! as the person it went to, without signing in (from a phone, from an e-mail). A link
//! is `<public url>/ack/<notification id>.<signature>`, signed with a key every instance
//! on the database shares. Opening it shows the incident and a button; only the
//! button's POST acknowledges, so a mail scanner or a chat preview that fetches the link
//! changes nothing.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tokio::sync::OnceCell;
use triage_store::{Actor, StoreResult};

use crate::AppState;
use crate::signing::{sign, verify};
use crate::web::error::{PageError, refused_status};

/// The name of the shared key in the database.
const KEY: &str = "acknowledge-links";
/// What a link's signature covers besides the notification id.
const PURPOSE: &str = "acknowledge";
/// Hex digits of the signature a link carries (128 bits).
const SIGNATURE_DIGITS: usize = 32;

/// The key links are signed with, read from the database once per process.
#[derive(Clone, Default)]
pub struct LinkKey(Arc<OnceCell<String>>);

impl LinkKey {
    pub async fn get(&self, state: &AppState) -> StoreResult<&str> {
        self.0
            .get_or_try_init(|| state.store.server_key(KEY, state.now()))
            .await
            .map(String::as_str)
    }
}

/// The acknowledge link of notification `id`.
pub fn link(public_url: &str, key: &str, id: i64) -> String {
    let signature = sign(key, PURPOSE, &id.to_string());
    format!(
        "{}/ack/{id}.{}",
        public_url.trim_end_matches('/'),
        &signature[..SIGNATURE_DIGITS]
    )
}

/// The notification a link's token names, if its signature holds.
fn check(key: &str, token: &str) -> Option<i64> {
    let (id, signature) = token.split_once('.')?;
    let id: i64 = id.parse().ok()?;
    verify(key, PURPOSE, &id.to_string(), signature).then_some(id)
}

pub fn router() -> Router<AppState> {
    Router::new().route("/ack/{token}", get(show).post(acknowledge))
}

#[derive(Template)]
#[template(path = "acknowledge.html")]
struct AcknowledgePage<'a> {
    token: &'a str,
    key: &'a str,
    summary: &'a str,
    status: &'a str,
    priority: String,
    user: &'a str,
    acknowledged: bool,
    /// Why it cannot be (or was not) acknowledged now.
    refusal: Option<String>,
}

/// Whom and what a valid link is for.
async fn recipient(state: &AppState, token: &str) -> Result<(String, Actor), PageError> {
    let unknown = || {
        PageError::NotFound(
            "this acknowledge link is not valid: open the incident in Triage instead".to_string(),
        )
    };
    let key = state.links.get(state).await?;
    let id = check(key, token).ok_or_else(unknown)?;
    state
        .store
        .notification_recipient(id)
        .await?
        .ok_or_else(unknown)
}

async fn render(
    state: &AppState,
    token: &str,
    key: &str,
    user: &str,
    status: StatusCode,
    refusal: Option<String>,
) -> Result<Response, PageError> {
    let incident = state.store.incident(key).await?;
    let page = AcknowledgePage {
        token,
        key: &incident.key,
        summary: &incident.summary,
        status: &incident.status,
        priority: incident.priority.map_or("—".to_string(), |p| p.to_string()),
        user,
        acknowledged: incident.acknowledged_at.is_some(),
        refusal,
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let (key, actor) = recipient(&state, &token).await?;
    render(&state, &token, &key, &actor.email, StatusCode::OK, None).await
}

async fn acknowledge(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let (key, actor) = recipient(&state, &token).await?;
    let done = state
        .store
        .acknowledge(&key, &actor, Some("a link in a notification"), state.now())
        .await;
    match done {
        Ok(_) => render(&state, &token, &key, &actor.email, StatusCode::OK, None).await,
        Err(error) => {
            let status = refused_status(&error).ok_or_else(|| PageError::from(error.clone()))?;
            render(
                &state,
                &token,
                &key,
                &actor.email,
                status,
                Some(error.to_string()),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_names_its_notification_and_nothing_else() {
        let url = link("https://triage.example.com/", "k3y", 42);
        let token = url.strip_prefix("https://triage.example.com/ack/").unwrap();
        assert_eq!(check("k3y", token), Some(42));
        assert_eq!(check("other key", token), None);
        let (_, signature) = token.split_once('.').unwrap();
        assert_eq!(check("k3y", &format!("43.{signature}")), None);
        assert_eq!(check("k3y", "42"), None);
        assert_eq!(check("k3y", "x.abc"), None);
    }
}
