//! Delivering one notification: a generic JSON webhook signed with HMAC-SHA256, a Slack
//! incoming-webhook message (blocks with a text fallback), a Microsoft Teams Adaptive
//! Card in the envelope Teams Workflows webhooks take, or an e-mail. Every one carries the notification's idempotency key (a
//! header, or the e-mail's Message-ID), so a receiver can recognise a retry after a
//! server died between sending and recording, and links to the incident and to
//! acknowledge it from the notification itself.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};
use triage_store::{Attempt, Notification};

use super::outbound::{Email, Outbound};
use crate::signing::sign;

/// How long a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Where a notification's reader can go: the incident's page and its acknowledge link
/// (absent when the server has no public address).
pub struct Links {
    pub incident: Option<String>,
    pub acknowledge: Option<String>,
}

/// Sends `notification` once; answers how it went.
pub async fn send(
    notification: &Notification,
    links: &Links,
    outbound: &Outbound,
    now: Timestamp,
) -> Attempt {
    let payload: Value = match serde_json::from_str(&notification.payload) {
        Ok(payload) => payload,
        Err(e) => return Attempt::Failed(format!("the queued notification is unreadable: {e}")),
    };
    let said = Said::of(&payload, links);
    if notification.kind == "email" {
        let Some(mail) = &outbound.mail else {
            return Attempt::Failed(
                "no SMTP server is configured: start the server with --smtp-url".to_string(),
            );
        };
        return mail
            .send(Email {
                to: &notification.address,
                subject: &said.headline,
                body: said.text(),
                message_id: format!("<{}@triage>", notification.idempotency_key),
                unsubscribe: None,
            })
            .await;
    }
    let request = match request(notification, &payload, &said, now) {
        Ok(request) => request,
        Err(error) => return Attempt::Failed(error),
    };
    tokio::task::spawn_blocking(move || post(request))
        .await
        .unwrap_or_else(|e| Attempt::Failed(format!("the delivery task failed: {e}")))
}

/// What a notification says, whatever carries it.
struct Said<'a> {
    /// `Paged: INC-7 P1: Checkout down (Investigating, level 1)`.
    headline: String,
    key: &'a str,
    summary: &'a str,
    status: &'a str,
    priority: &'a str,
    /// Whom it was sent to and why (`Paged ann@example.com (level 1)`), or the update's
    /// message.
    context: String,
    /// Further facts: an update's impact, when the next one is due, who posted it.
    details: Vec<(&'static str, String)>,
    /// The incident's page, and the acknowledge link where acknowledging is what the
    /// reader should do (a page or a breach, not an update to stakeholders).
    incident_link: Option<&'a str>,
    acknowledge: Option<&'a str>,
}

/// A time in a payload as a person reads it: `2026-11-23 10:30 UTC`.
fn when(value: &Value) -> Option<String> {
    let at: Timestamp = value.as_str()?.parse().ok()?;
    Some(at.strftime("%Y-%m-%d %H:%M UTC").to_string())
}

impl<'a> Said<'a> {
    fn of(payload: &'a Value, links: &'a Links) -> Said<'a> {
        let incident = &payload["incident"];
        let text = |field: &str| incident[field].as_str().unwrap_or_default();
        let (key, summary, status) = (text("key"), text("summary"), text("status"));
        let priority = incident["priority"].as_str().unwrap_or("no priority");
        let user = payload["user"].as_str().unwrap_or_default();
        let mut details = Vec::new();
        let mut acknowledge = links.acknowledge.as_deref();
        let (what, detail, context) = match payload["event"].as_str() {
            Some("incident.response_breached") => (
                "Response time breached",
                status.to_string(),
                format!(
                    "Nobody acknowledged {key} by {}",
                    payload["due"].as_str().unwrap_or("its deadline")
                ),
            ),
            Some("incident.stakeholder_update") => {
                let update = &payload["update"];
                if let Some(impact) = update["impact"].as_str() {
                    details.push(("Impact", impact.to_string()));
                }
                if let Some(next) = when(&update["next_update_at"]) {
                    details.push(("Next update", next));
                }
                if let Some(author) = update["author"]["name"].as_str() {
                    details.push(("Posted by", author.to_string()));
                }
                acknowledge = None;
                (
                    "Update",
                    status.to_string(),
                    update["message"].as_str().unwrap_or_default().to_string(),
                )
            }
            Some("incident.update_overdue") => {
                acknowledge = None;
                (
                    "Update overdue",
                    status.to_string(),
                    format!(
                        "A stakeholder update on {key} was due at {}: post one with \
                         `triage update {key} --message \"…\"` or on the incident's page",
                        when(&payload["due"]).unwrap_or_else(|| "its deadline".to_string())
                    ),
                )
            }
            Some("incident.resolved") => {
                acknowledge = None;
                if let Some(resolution) = payload["resolution"].as_str() {
                    details.push(("Resolution", resolution.to_string()));
                }
                (
                    "Resolved",
                    status.to_string(),
                    format!("{key} is {status}: nothing more is needed from {user}"),
                )
            }
            Some("incident.acknowledged") => {
                let by = payload["by"].as_str().unwrap_or("someone");
                acknowledge = None;
                (
                    "Acknowledged",
                    format!("{status}, by {by}"),
                    format!("{by} has {key}: you were paged for it and need not respond"),
                )
            }
            Some("incident.action_item_due") => {
                let item = &payload["action_item"];
                let due = item["due"].as_str().unwrap_or_default();
                acknowledge = None;
                details.push(("Due", due.to_string()));
                (
                    "Action item due",
                    format!("due {due}"),
                    format!(
                        "Action item #{} \"{}\" of {key} is yours and due on {due} (UTC): \
                         finish it with `triage action done {}` or change its due day",
                        item["id"],
                        item["title"].as_str().unwrap_or_default(),
                        item["id"]
                    ),
                )
            }
            _ => (
                "Paged",
                format!("{status}, level {}", payload["level"]),
                format!("Paged {user} (level {})", payload["level"]),
            ),
        };
        Said {
            headline: format!("{what}: {key} {priority}: {summary} ({detail})"),
            key,
            summary,
            status,
            priority,
            context,
            details,
            incident_link: links.incident.as_deref(),
            acknowledge,
        }
    }

    /// The plain-text form: an e-mail's body.
    fn text(&self) -> String {
        let mut text = format!("{}\n\n", self.context);
        for (label, value) in &self.details {
            text.push_str(&format!("{label}: {value}\n"));
        }
        text.push_str(&format!(
            "{}: {}\nStatus: {}\nPriority: {}\n",
            self.key, self.summary, self.status, self.priority
        ));
        if let Some(url) = self.acknowledge {
            text.push_str(&format!("\nAcknowledge: {url}\n"));
        }
        if let Some(url) = self.incident_link {
            text.push_str(&format!("Open the incident: {url}\n"));
        }
        text
    }

    /// The buttons a chat message offers: acknowledge (where it applies), open.
    fn buttons(&self) -> Vec<(&'static str, &'a str, bool)> {
        [
            ("Acknowledge", self.acknowledge, true),
            ("Open incident", self.incident_link, false),
        ]
        .into_iter()
        .filter_map(|(label, url, primary)| Some((label, url?, primary)))
        .collect()
    }
}

/// What to post where.
pub(crate) struct Request {
    pub url: String,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
}

fn request(
    notification: &Notification,
    payload: &Value,
    said: &Said,
    now: Timestamp,
) -> Result<Request, String> {
    let mut headers = vec![("Idempotency-Key", notification.idempotency_key.clone())];
    let body = match notification.kind.as_str() {
        "webhook" => {
            let mut payload = payload.clone();
            payload["links"] = json!({
                "incident": said.incident_link,
                "acknowledge": said.acknowledge,
            });
            let body = payload.to_string();
            if let Some(secret) = &notification.secret {
                let stamp = now.as_second().to_string();
                headers.push(("X-Triage-Timestamp", stamp.clone()));
                headers.push((
                    "X-Triage-Signature",
                    format!("sha256={}", sign(secret, &stamp, &body)),
                ));
            }
            body
        }
        "slack" => slack(said).to_string(),
        "teams" => teams(said).to_string(),
        other => return Err(format!("contact method kind '{other}' cannot be delivered")),
    };
    Ok(Request {
        url: notification.address.clone(),
        body,
        headers,
    })
}

/// `&`, `<` and `>` escaped as Slack's mrkdwn wants them.
fn mrkdwn(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn slack(said: &Said) -> Value {
    let mut fields = vec![
        json!({"type": "mrkdwn", "text": format!("*Status:*\n{}", mrkdwn(said.status))}),
        json!({"type": "mrkdwn", "text": format!("*Priority:*\n{}", mrkdwn(said.priority))}),
    ];
    fields.extend(said.details.iter().map(|(label, value)| {
        json!({"type": "mrkdwn", "text": format!("*{label}:*\n{}", mrkdwn(value))})
    }));
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": format!("{}: {}", said.key, said.summary).chars().take(150).collect::<String>()}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn(&said.context)}}),
        json!({"type": "section", "fields": fields}),
    ];
    let buttons: Vec<Value> = said
        .buttons()
        .into_iter()
        .map(|(label, url, primary)| {
            let mut button = json!({"type": "button", "text": {"type": "plain_text", "text": label}, "url": url});
            if primary {
                button["style"] = json!("primary");
            }
            button
        })
        .collect();
    if !buttons.is_empty() {
        blocks.push(json!({"type": "actions", "elements": buttons}));
    }
    json!({"text": said.headline, "blocks": blocks})
}

/// The Adaptive Card version the Teams message is written for.
pub(crate) const ADAPTIVE_CARD_VERSION: &str = "1.4";

/// A Teams Workflows webhook message: one Adaptive Card, its buttons as
/// `Action.OpenUrl` (a Workflows card cannot call back into Triage).
fn teams(said: &Said) -> Value {
    let actions: Vec<Value> = said
        .buttons()
        .into_iter()
        .map(|(label, url, primary)| {
            let mut action = json!({"type": "Action.OpenUrl", "title": label, "url": url});
            if primary {
                action["style"] = json!("positive");
            }
            action
        })
        .collect();
    let facts: Vec<Value> = [("Status", said.status), ("Priority", said.priority)]
        .into_iter()
        .map(|(label, value)| json!({"title": label, "value": value}))
        .chain(
            said.details
                .iter()
                .map(|(label, value)| json!({"title": label, "value": value})),
        )
        .collect();
    let card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "fallbackText": said.headline,
        "body": [
            {"type": "TextBlock", "text": said.headline, "weight": "Bolder", "size": "Medium", "wrap": true},
            {"type": "TextBlock", "text": said.context, "wrap": true},
            {"type": "FactSet", "facts": facts},
        ],
        "actions": actions,
    });
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

/// Posts `request` as JSON, once; blocking.
pub(crate) fn post(request: Request) -> Attempt {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    let mut call = agent
        .post(&request.url)
        .header("Content-Type", "application/json")
        .header("User-Agent", concat!("Triage/", env!("CARGO_PKG_VERSION")));
    for (name, value) in &request.headers {
        call = call.header(*name, value);
    }
    match call.send(request.body.as_str()) {
        Ok(response) if response.status().is_success() => Attempt::Delivered,
        Ok(mut response) => {
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap_or_default();
            let text: String = text.chars().take(200).collect();
            Attempt::Failed(format!("the receiver answered {status} {}", text.trim()))
        }
        Err(error) => Attempt::Failed(format!("could not reach the receiver: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Value {
        json!({
            "event": "incident.paged",
            "incident": {"key": "INC-7", "summary": "Checkout <down> & out", "status": "Investigating", "priority": "P1"},
            "level": 1,
            "user": "ann@example.com",
        })
    }

    #[test]
    fn slack_text_escapes_what_mrkdwn_would_read() {
        assert_eq!(mrkdwn("a <b> & c"), "a &lt;b&gt; &amp; c");
    }

    #[test]
    fn a_page_reads_the_same_in_every_form() {
        let payload = page();
        let links = Links {
            incident: Some("https://triage.example.com/incidents/INC-7".to_string()),
            acknowledge: Some("https://triage.example.com/ack/9.abc".to_string()),
        };
        let said = Said::of(&payload, &links);
        assert_eq!(
            said.headline,
            "Paged: INC-7 P1: Checkout <down> & out (Investigating, level 1)"
        );
        let text = said.text();
        assert!(
            text.starts_with("Paged ann@example.com (level 1)\n"),
            "{text}"
        );
        assert!(text.contains("Acknowledge: https://triage.example.com/ack/9.abc\n"));
        let slack = slack(&said);
        assert_eq!(slack["text"], said.headline.as_str());
        assert_eq!(
            slack["blocks"][3]["elements"][0]["url"],
            "https://triage.example.com/ack/9.abc"
        );
        let teams = teams(&said);
        assert_eq!(teams["type"], "message");
        let card = &teams["attachments"][0];
        assert_eq!(
            card["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        assert_eq!(card["content"]["version"], ADAPTIVE_CARD_VERSION);
        assert_eq!(card["content"]["actions"][0]["type"], "Action.OpenUrl");
        assert_eq!(
            card["content"]["actions"][1]["url"],
            "https://triage.example.com/incidents/INC-7"
        );
    }

    #[test]
    fn without_a_public_address_there_are_no_buttons() {
        let payload = page();
        let links = Links {
            incident: None,
            acknowledge: None,
        };
        let said = Said::of(&payload, &links);
        assert_eq!(slack(&said)["blocks"].as_array().unwrap().len(), 3);
        assert!(!said.text().contains("Acknowledge"));
        assert_eq!(
            teams(&said)["attachments"][0]["content"]["actions"],
            json!([])
        );
    }

    #[test]
    fn the_end_of_a_page_says_so_and_offers_nothing_to_acknowledge() {
        let links = Links {
            incident: Some("https://triage.example.com/incidents/INC-7".to_string()),
            acknowledge: Some("https://triage.example.com/ack/9.abc".to_string()),
        };
        let resolved = json!({
            "event": "incident.resolved",
            "incident": {"key": "INC-7", "summary": "Checkout down", "status": "False Alarm", "priority": "P1"},
            "user": "bob@example.com",
            "resolution": "Won't Do",
        });
        let said = Said::of(&resolved, &links);
        assert_eq!(
            said.headline,
            "Resolved: INC-7 P1: Checkout down (False Alarm)"
        );
        assert!(!said.text().contains("Acknowledge"));
        assert_eq!(said.buttons().len(), 1);
        let acknowledged = json!({
            "event": "incident.acknowledged",
            "incident": {"key": "INC-7", "summary": "Checkout down", "status": "Open", "priority": "P1"},
            "user": "bob@example.com",
            "by": "ann@example.com",
        });
        let said = Said::of(&acknowledged, &links);
        assert_eq!(
            said.headline,
            "Acknowledged: INC-7 P1: Checkout down (Open, by ann@example.com)"
        );
        assert!(
            slack(&said)["text"]
                .as_str()
                .unwrap()
                .starts_with("Acknowledged: ")
        );
    }

    #[test]
    fn a_breach_says_what_was_missed() {
        let payload = json!({
            "event": "incident.response_breached",
            "incident": {"key": "INC-7", "summary": "Checkout down", "status": "Investigating", "priority": "P1"},
            "due": "2026-11-22T10:15:00Z",
        });
        let links = Links {
            incident: None,
            acknowledge: None,
        };
        let said = Said::of(&payload, &links);
        assert_eq!(
            said.headline,
            "Response time breached: INC-7 P1: Checkout down (Investigating)"
        );
        assert_eq!(
            said.context,
            "Nobody acknowledged INC-7 by 2026-11-22T10:15:00Z"
        );
    }

    #[test]
    fn an_action_item_reminder_names_the_item_and_its_due_day() {
        let payload = json!({
            "event": "incident.action_item_due",
            "incident": {"key": "INC-7", "summary": "Checkout down", "status": "Resolved", "priority": "P1"},
            "action_item": {"id": 3, "title": "Alert on pool usage", "kind": "monitoring", "due": "2026-12-01"},
            "user": "ann@example.com",
        });
        let links = Links {
            incident: None,
            acknowledge: Some("https://triage.example.com/ack/1.x".to_string()),
        };
        let said = Said::of(&payload, &links);
        assert_eq!(
            said.headline,
            "Action item due: INC-7 P1: Checkout down (due 2026-12-01)"
        );
        assert!(said.context.starts_with(
            "Action item #3 \"Alert on pool usage\" of INC-7 is yours and due on 2026-12-01 (UTC)"
        ));
        assert!(
            !said.text().contains("Acknowledge"),
            "nothing to acknowledge"
        );
    }

    #[test]
    fn a_stakeholder_update_carries_its_message_and_no_acknowledge_link() {
        let payload = json!({
            "event": "incident.stakeholder_update",
            "incident": {"key": "INC-7", "summary": "Checkout down", "status": "In Progress", "priority": "P1"},
            "update": {
                "message": "Failing over to the standby database",
                "impact": "EU checkouts fail",
                "next_update_at": "2026-11-23T10:30:00Z",
                "author": {"email": "ann@example.com", "name": "Ann"},
            },
        });
        let links = Links {
            incident: Some("https://triage.example.com/incidents/INC-7".to_string()),
            acknowledge: Some("https://triage.example.com/ack/9.abc".to_string()),
        };
        let said = Said::of(&payload, &links);
        assert_eq!(
            said.headline,
            "Update: INC-7 P1: Checkout down (In Progress)"
        );
        let text = said.text();
        assert!(
            text.starts_with(
                "Failing over to the standby database\n\nImpact: EU checkouts fail\n\
                 Next update: 2026-11-23 10:30 UTC\nPosted by: Ann\n"
            ),
            "{text}"
        );
        assert!(!text.contains("Acknowledge"), "{text}");
        let slack = slack(&said);
        let buttons = &slack["blocks"][3]["elements"];
        assert_eq!(buttons.as_array().unwrap().len(), 1);
        assert_eq!(buttons[0]["text"]["text"], "Open incident");
        assert_eq!(
            teams(&said)["attachments"][0]["content"]["body"][2]["facts"][2]["value"],
            "EU checkouts fail"
        );
    }
}
