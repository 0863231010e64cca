//! Delivering one notification: a generic JSON webhook signed with HMAC-SHA256, a Slack
//! incoming-webhook message (blocks with a text fallback), or a Microsoft Teams webhook
//! message. Every request carries the notification's idempotency key, so a receiver can
//! recognise a retry after a server died between sending and recording.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use serde_json::{Value, json};
use sha2::Sha256;
use triage_store::{Attempt, Notification};

/// How long a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Sends `notification` once; answers how it went.
pub async fn send(notification: &Notification, now: Timestamp) -> Attempt {
    let request = match request(notification, now) {
        Ok(request) => request,
        Err(error) => return Attempt::Failed(error),
    };
    tokio::task::spawn_blocking(move || post(request))
        .await
        .unwrap_or_else(|e| Attempt::Failed(format!("the delivery task failed: {e}")))
}

/// What to post where.
struct Request {
    url: String,
    body: String,
    headers: Vec<(&'static str, String)>,
}

fn request(notification: &Notification, now: Timestamp) -> Result<Request, String> {
    let payload: Value = serde_json::from_str(&notification.payload)
        .map_err(|e| format!("the queued notification is unreadable: {e}"))?;
    let mut headers = vec![("Idempotency-Key", notification.idempotency_key.clone())];
    let body = match notification.kind.as_str() {
        "webhook" => {
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
        "slack" => slack(&payload).to_string(),
        "teams" => teams(&payload).to_string(),
        other => return Err(format!("contact method kind '{other}' cannot be delivered")),
    };
    Ok(Request {
        url: notification.address.clone(),
        body,
        headers,
    })
}

/// The signature of a webhook body: hex HMAC-SHA256 of `<timestamp>.<body>` under the
/// contact method's secret (the receiver recomputes it and checks the timestamp is
/// recent, so a captured request cannot be replayed later).
pub fn sign(secret: &str, stamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(stamp.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The one line every chat message starts with.
fn headline(payload: &Value) -> String {
    let incident = &payload["incident"];
    format!(
        "{} {}: {} ({}, level {})",
        incident["key"].as_str().unwrap_or_default(),
        incident["priority"].as_str().unwrap_or("no priority"),
        incident["summary"].as_str().unwrap_or_default(),
        incident["status"].as_str().unwrap_or_default(),
        payload["level"]
    )
}

/// `&`, `<` and `>` escaped as Slack's mrkdwn wants them.
fn mrkdwn(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn slack(payload: &Value) -> Value {
    let incident = &payload["incident"];
    let key = incident["key"].as_str().unwrap_or_default();
    let summary = incident["summary"].as_str().unwrap_or_default();
    json!({
        "text": format!("Paged: {}", headline(payload)),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": format!("{key}: {summary}").chars().take(150).collect::<String>()}},
            {"type": "section", "fields": [
                {"type": "mrkdwn", "text": format!("*Status:*\n{}", mrkdwn(incident["status"].as_str().unwrap_or_default()))},
                {"type": "mrkdwn", "text": format!("*Priority:*\n{}", incident["priority"].as_str().unwrap_or("none"))},
            ]},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": mrkdwn(&format!("Paged {} (level {})", payload["user"].as_str().unwrap_or_default(), payload["level"]))},
            ]},
        ],
    })
}

fn teams(payload: &Value) -> Value {
    json!({
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": format!("Paged: {}", headline(payload)),
        "themeColor": "D13438",
        "title": headline(payload),
        "text": format!("Paged {}", payload["user"].as_str().unwrap_or_default()),
    })
}

fn post(request: Request) -> Attempt {
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

    #[test]
    fn signatures_are_hex_hmac_sha256_of_stamp_dot_body() {
        // Computed independently: Python's hmac.new(b"key", b"1700000000.{}", sha256).
        assert_eq!(
            sign("key", "1700000000", "{}"),
            "9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
    }

    #[test]
    fn slack_text_escapes_what_mrkdwn_would_read() {
        assert_eq!(mrkdwn("a <b> & c"), "a &lt;b&gt; &amp; c");
    }
}
