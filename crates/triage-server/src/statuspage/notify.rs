//! Telling status page subscribers: an address's confirmation request, and every public
//! update — by e-mail (with a one-click unsubscribe link, RFC 8058) or as a webhook in
//! the shape Atlassian Statuspage posts (`meta`, `page`, `incident`). Only public
//! wording leaves here.

use serde_json::{Value, json};
use tokio::task::JoinHandle;
use triage_store::{Attempt, PublicIncident, SubscriberDelivery};

use super::json;
use super::page::Page;
use crate::AppState;
use crate::paging::{Email, Request, post};

/// Starts delivering each of `claimed` and recording how it went. What they share (the
/// page, each incident) is read once.
pub async fn deliver(state: &AppState, claimed: Vec<SubscriberDelivery>) -> Vec<JoinHandle<()>> {
    if claimed.is_empty() {
        return Vec::new();
    }
    let Some(url) = state
        .outbound
        .public_url
        .as_deref()
        .map(|u| u.trim_end_matches('/').to_string())
    else {
        let error = "no public address for the links: start the server with --public-url";
        return finish_all(state, claimed, error);
    };
    let page = match Page::read(state, url.clone()).await {
        Ok(page) => std::sync::Arc::new(page),
        Err(error) => return finish_all(state, claimed, &format!("reading the page: {error}")),
    };
    let mut handles = Vec::with_capacity(claimed.len());
    for delivery in claimed {
        let incident = match delivery.update {
            Some((incident, _)) => match state.store.public_incident(incident, page.now).await {
                Ok(found) => Some(found),
                Err(error) => {
                    let error = format!("reading the incident: {error}");
                    handles.extend(finish_all(state, vec![delivery], &error));
                    continue;
                }
            },
            None => None,
        };
        let state = state.clone();
        let page = page.clone();
        handles.push(tokio::spawn(async move {
            let attempt = send(&state, &page, &delivery, incident.as_ref()).await;
            let error = match attempt {
                Attempt::Delivered => None,
                Attempt::Failed(error) => Some(error),
            };
            if let Err(error) = state
                .store
                .finish_subscriber_delivery(delivery.id, error, state.now())
                .await
            {
                tracing::warn!(%error, id = delivery.id, "recording a subscriber delivery failed");
            }
        }));
    }
    handles
}

/// Records the same failure for every one of `claimed` (retried later).
fn finish_all(
    state: &AppState,
    claimed: Vec<SubscriberDelivery>,
    error: &str,
) -> Vec<JoinHandle<()>> {
    claimed
        .into_iter()
        .map(|delivery| {
            let state = state.clone();
            let error = error.to_string();
            tokio::spawn(async move {
                let _ = state
                    .store
                    .finish_subscriber_delivery(delivery.id, Some(error), state.now())
                    .await;
            })
        })
        .collect()
}

async fn send(
    state: &AppState,
    page: &Page,
    delivery: &SubscriberDelivery,
    incident: Option<&PublicIncident>,
) -> Attempt {
    let links = Links::new(&page.url, &delivery.token);
    if delivery.kind == "webhook" {
        let Some(incident) = incident else {
            return Attempt::Failed("a webhook needs no confirmation".to_string());
        };
        let request = Request {
            url: delivery.address.clone(),
            body: webhook(page, incident, &links).to_string(),
            headers: vec![("Idempotency-Key", delivery.idempotency_key.clone())],
        };
        return tokio::task::spawn_blocking(move || post(request))
            .await
            .unwrap_or_else(|e| Attempt::Failed(format!("the delivery task failed: {e}")));
    }
    let Some(mail) = &state.outbound.mail else {
        return Attempt::Failed(
            "no SMTP server is configured: start the server with --smtp-url".to_string(),
        );
    };
    let name = &page.settings.name;
    let (subject, body) = match incident {
        None => (
            format!("Confirm your subscription to {name}"),
            format!(
                "Someone, hopefully you, asked for {name} updates to be sent to {}.\n\n\
                 Confirm: {}\n\nIf it was not you, ignore this mail: nothing will be sent.\n",
                delivery.address, links.confirm
            ),
        ),
        Some(incident) => update_mail(page, incident, &links),
    };
    mail.send(Email {
        to: &delivery.address,
        subject: &subject,
        body,
        message_id: format!("<{}@triage>", delivery.idempotency_key),
        unsubscribe: incident.is_some().then(|| links.unsubscribe.clone()),
    })
    .await
}

/// A subscriber's links.
struct Links {
    confirm: String,
    unsubscribe: String,
}

impl Links {
    fn new(url: &str, token: &str) -> Links {
        Links {
            confirm: format!("{url}/status/subscriptions/{token}/confirm"),
            unsubscribe: format!("{url}/status/subscriptions/{token}/unsubscribe"),
        }
    }
}

/// The latest update of `incident` as a mail: subject and text.
fn update_mail(page: &Page, incident: &PublicIncident, links: &Links) -> (String, String) {
    let status = incident.status.label();
    let subject = format!("[{}] {}: {status}", page.settings.name, incident.name);
    let mut body = format!("{}\n\n", incident.name);
    if let Some(update) = incident.updates.first() {
        body.push_str(&format!("{}: {}\n\n", update.status.label(), update.body));
    }
    if !incident.components.is_empty() {
        let names: Vec<&str> = incident
            .components
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        body.push_str(&format!("Affected: {}\n", names.join(", ")));
    }
    body.push_str(&format!(
        "Follow it: {}\n\nYou get these because you subscribed to {}. Unsubscribe: {}\n",
        page.incident_url(incident.id),
        page.settings.name,
        links.unsubscribe
    ));
    (subject, body)
}

/// What Statuspage posts to a webhook subscriber about an incident update.
fn webhook(page: &Page, incident: &PublicIncident, links: &Links) -> Value {
    let overall = page.overall();
    json!({
        "meta": {
            "unsubscribe": links.unsubscribe,
            "documentation": format!("{}/status", page.url),
        },
        "page": {
            "id": json::PAGE_ID,
            "status_indicator": overall.indicator,
            "status_description": overall.description,
        },
        "incident": json::incident(page, incident),
    })
}
