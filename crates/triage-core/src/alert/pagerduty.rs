//! PagerDuty's Events API v2: alert events (`/v2/enqueue`: trigger, acknowledge,
//! resolve) and change events (`/v2/change/enqueue`). Checked as PagerDuty checks them,
//! with its wording, so that clients written against PagerDuty read our refusals.

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::AlertSeverity;
use super::signal::{AlertBody, Signal, SignalAction, one_line};

/// PagerDuty's limits.
pub const ROUTING_KEY_CHARS: usize = 32;
pub const DEDUP_KEY_MAX_CHARS: usize = 255;
pub const SUMMARY_MAX_CHARS: usize = 1024;
/// The largest body PagerDuty takes: 512 KB.
pub const BODY_LIMIT: usize = 512 * 1024;

/// An alert event, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub routing_key: String,
    pub signal: Signal,
    /// Whether Triage made up the dedup key (a trigger without one).
    pub generated_key: bool,
}

/// A change event, read.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    pub routing_key: String,
    pub summary: String,
    pub source: String,
    pub at: Option<Timestamp>,
    pub details: Value,
    pub links: Vec<String>,
}

/// The routing key of a body, however malformed the rest: which integration speaks.
pub fn routing_key(body: &Value) -> Option<&str> {
    body.get("routing_key").and_then(Value::as_str)
}

/// Reads an alert event; `new_key` makes the dedup key of a trigger that has none.
pub fn read_event(body: &Value, new_key: impl FnOnce() -> String) -> Result<Event, Vec<String>> {
    let Some(object) = body.as_object() else {
        return Err(vec!["Event object is not a JSON object".to_string()]);
    };
    let mut problems = Vec::new();
    let routing_key = read_routing_key(object, &mut problems);
    let action = required_text(object, "event_action", &mut problems);
    let given_key = optional_text(object, "dedup_key", &mut problems).filter(|k| !k.is_empty());
    if given_key
        .as_ref()
        .is_some_and(|k| k.chars().count() > DEDUP_KEY_MAX_CHARS)
    {
        problems.push(format!(
            "Length of 'dedup_key' is too long (max {DEDUP_KEY_MAX_CHARS} characters)"
        ));
    }
    let action = match action.as_deref() {
        Some("trigger") => read_trigger(object, &mut problems).map(SignalAction::Fire),
        Some("acknowledge") => Some(SignalAction::Acknowledge),
        Some("resolve") => Some(SignalAction::Resolve { ends_at: None }),
        Some(_) => {
            problems.push(
                "'event_action' is invalid (must be one of trigger, acknowledge, resolve)"
                    .to_string(),
            );
            None
        }
        None => None,
    };
    if given_key.is_none()
        && matches!(
            action,
            Some(SignalAction::Acknowledge | SignalAction::Resolve { .. })
        )
    {
        problems.push("'dedup_key' is missing or blank".to_string());
    }
    match (action, problems.is_empty()) {
        (Some(action), true) => {
            let generated_key = given_key.is_none();
            let dedup_key = given_key.unwrap_or_else(new_key);
            Ok(Event {
                routing_key,
                signal: Signal {
                    group_key: dedup_key.clone(),
                    dedup_key,
                    action,
                },
                generated_key,
            })
        }
        _ => Err(problems),
    }
}

fn read_trigger(object: &Map<String, Value>, problems: &mut Vec<String>) -> Option<AlertBody> {
    let Some(payload) = object.get("payload").and_then(Value::as_object) else {
        problems.push("'payload' is missing or blank".to_string());
        return None;
    };
    let before = problems.len();
    let summary = payload_text(payload, "summary", problems);
    if summary
        .as_ref()
        .is_some_and(|s| s.chars().count() > SUMMARY_MAX_CHARS)
    {
        problems.push(format!(
            "Length of 'payload.summary' is too long (max {SUMMARY_MAX_CHARS} characters)"
        ));
    }
    let source = payload_text(payload, "source", problems);
    let severity = payload_text(payload, "severity", problems).and_then(|s| {
        let level = AlertSeverity::ALL.into_iter().find(|l| l.as_str() == s);
        if level.is_none() {
            problems.push(
                "'payload.severity' is invalid (must be one of critical, error, warning, info)"
                    .to_string(),
            );
        }
        level
    });
    let starts_at = read_timestamp(payload, problems);
    let mut labels = std::collections::BTreeMap::new();
    for field in ["component", "group", "class"] {
        if let Some(value) = optional_text(payload, field, problems).filter(|v| !v.is_empty()) {
            labels.insert(field.to_string(), value);
        }
    }
    let details = match payload.get("custom_details") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(other) => Map::from_iter([("details".to_string(), other.clone())]),
    };
    let mut links = read_links(object, problems);
    if let Some(url) = optional_text(object, "client_url", problems).filter(|u| !u.is_empty()) {
        links.push(url);
    }
    if problems.len() != before {
        return None;
    }
    let source = source?;
    labels.insert("source".to_string(), source.clone());
    if let Some(level) = severity {
        // So that silences can match PagerDuty alerts by level, as Alertmanager's.
        labels.insert("severity".to_string(), level.as_str().to_string());
    }
    Some(AlertBody {
        summary: one_line(&summary?),
        source,
        severity,
        labels,
        details,
        links,
        starts_at,
        raw: Value::Object(object.clone()),
    })
}

/// Reads a change event.
pub fn read_change(body: &Value) -> Result<ChangeEvent, Vec<String>> {
    let Some(object) = body.as_object() else {
        return Err(vec!["Event object is not a JSON object".to_string()]);
    };
    let mut problems = Vec::new();
    let routing_key = read_routing_key(object, &mut problems);
    let Some(payload) = object.get("payload").and_then(Value::as_object) else {
        problems.push("'payload' is missing or blank".to_string());
        return Err(problems);
    };
    let summary = payload_text(payload, "summary", &mut problems);
    if summary
        .as_ref()
        .is_some_and(|s| s.chars().count() > SUMMARY_MAX_CHARS)
    {
        problems.push(format!(
            "Length of 'payload.summary' is too long (max {SUMMARY_MAX_CHARS} characters)"
        ));
    }
    let source = optional_text(payload, "source", &mut problems).unwrap_or_default();
    let at = read_timestamp(payload, &mut problems);
    let links = read_links(object, &mut problems);
    match summary {
        Some(summary) if problems.is_empty() => Ok(ChangeEvent {
            routing_key,
            summary: one_line(&summary),
            source,
            at,
            details: payload
                .get("custom_details")
                .cloned()
                .unwrap_or(Value::Null),
            links,
        }),
        _ => Err(problems),
    }
}

fn read_routing_key(object: &Map<String, Value>, problems: &mut Vec<String>) -> String {
    let key = required_text(object, "routing_key", problems).unwrap_or_default();
    if !key.is_empty() && key.chars().count() != ROUTING_KEY_CHARS {
        problems.push(format!(
            "Length of 'routing_key' is incorrect (should be {ROUTING_KEY_CHARS} characters)"
        ));
    }
    key
}

fn read_timestamp(payload: &Map<String, Value>, problems: &mut Vec<String>) -> Option<Timestamp> {
    let text = optional_text(payload, "timestamp", problems)?;
    match text.parse::<Timestamp>() {
        Ok(at) => Some(at),
        Err(_) => {
            problems.push(
                "'payload.timestamp' is invalid (must be an ISO 8601 time with an offset, e.g. 2026-11-22T21:52:40.000+0000)"
                    .to_string(),
            );
            None
        }
    }
}

/// `links[].href`, and `images[].href` where an image links somewhere.
fn read_links(object: &Map<String, Value>, problems: &mut Vec<String>) -> Vec<String> {
    let mut links = Vec::new();
    for field in ["links", "images"] {
        match object.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    match item.get("href") {
                        Some(Value::String(href)) if !href.is_empty() => links.push(href.clone()),
                        _ if field == "links" => {
                            problems.push("'links[].href' is missing or blank".to_string());
                        }
                        _ => {}
                    }
                }
            }
            Some(_) => problems.push(format!("'{field}' is invalid (must be an array)")),
        }
    }
    links
}

fn required_text(
    object: &Map<String, Value>,
    field: &str,
    problems: &mut Vec<String>,
) -> Option<String> {
    match optional_text(object, field, problems) {
        Some(text) if !text.trim().is_empty() => Some(text),
        Some(_) | None => {
            if !problems.iter().any(|p| p.contains(&format!("'{field}'"))) {
                problems.push(format!("'{field}' is missing or blank"));
            }
            None
        }
    }
}

fn payload_text(
    payload: &Map<String, Value>,
    field: &str,
    problems: &mut Vec<String>,
) -> Option<String> {
    match payload.get(field) {
        Some(Value::String(text)) if !text.trim().is_empty() => Some(text.clone()),
        Some(Value::String(_)) | Some(Value::Null) | None => {
            problems.push(format!("'payload.{field}' is missing or blank"));
            None
        }
        Some(_) => {
            problems.push(format!("'payload.{field}' is invalid (must be a string)"));
            None
        }
    }
}

fn optional_text(
    object: &Map<String, Value>,
    field: &str,
    problems: &mut Vec<String>,
) -> Option<String> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            problems.push(format!("'{field}' is invalid (must be a string)"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_trigger_without_a_dedup_key_gets_one() {
        let event = read_event(
            &json!({"routing_key": KEY, "event_action": "trigger",
                "payload": {"summary": "DB down", "source": "db01", "severity": "critical",
                    "component": "postgres", "custom_details": {"free_disk": "1%"}},
                "links": [{"href": "https://runbooks/db", "text": "runbook"}],
                "client": "Nagios", "client_url": "https://nagios/db01"}),
            || "generated".to_string(),
        )
        .unwrap();
        assert!(event.generated_key);
        assert_eq!(event.signal.dedup_key, "generated");
        assert_eq!(event.signal.group_key, "generated");
        let SignalAction::Fire(body) = &event.signal.action else {
            panic!("a trigger fires");
        };
        assert_eq!(body.severity, Some(AlertSeverity::Critical));
        assert_eq!(body.labels["component"], "postgres");
        assert_eq!(body.links, ["https://runbooks/db", "https://nagios/db01"]);
        assert_eq!(body.details["free_disk"], "1%");
    }

    #[test]
    fn refusals_use_pagerdutys_words() {
        let problems = read_event(
            &json!({"routing_key": "short", "event_action": "trigger",
                "payload": {"summary": "x", "severity": "loud"}}),
            String::new,
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "Length of 'routing_key' is incorrect (should be 32 characters)",
                "'payload.source' is missing or blank",
                "'payload.severity' is invalid (must be one of critical, error, warning, info)",
            ]
        );
        let problems = read_event(
            &json!({"routing_key": KEY, "event_action": "resolve"}),
            String::new,
        )
        .unwrap_err();
        assert_eq!(problems, ["'dedup_key' is missing or blank"]);
        let problems = read_event(&json!({"event_action": "snooze"}), String::new).unwrap_err();
        assert_eq!(
            problems,
            [
                "'routing_key' is missing or blank",
                "'event_action' is invalid (must be one of trigger, acknowledge, resolve)",
            ]
        );
    }

    #[test]
    fn alertmanagers_resolve_carries_a_payload_and_is_accepted() {
        let event = read_event(
            &json!({"routing_key": KEY, "event_action": "resolve", "dedup_key": "abc",
                "payload": {"summary": "[RESOLVED] APIDown", "source": "Alertmanager", "severity": "critical"}}),
            String::new,
        )
        .unwrap();
        assert_eq!(event.signal.action, SignalAction::Resolve { ends_at: None });
    }

    #[test]
    fn change_events_need_a_summary() {
        let change = read_change(&json!({"routing_key": KEY,
            "payload": {"summary": "Deployed v42", "source": "ci", "timestamp": "2026-11-22T21:52:40.000+0000"},
            "links": [{"href": "https://ci/42"}]}))
        .unwrap();
        assert_eq!(change.summary, "Deployed v42");
        assert!(change.at.is_some());
        assert_eq!(change.links, ["https://ci/42"]);
        assert_eq!(
            read_change(&json!({"routing_key": KEY, "payload": {}})).unwrap_err(),
            ["'payload.summary' is missing or blank"]
        );
    }
}
