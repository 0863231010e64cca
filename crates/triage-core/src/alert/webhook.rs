//! Triage's own alert webhook, for senders that speak none of the others: one alert
//! object, or `{"alerts": [...]}` with several. Documented in docs/api.md.
//!
//! ```json
//! {"key": "disk-db01", "group": "disk", "status": "firing", "summary": "Disk 95% on db01",
//!  "severity": "warning", "source": "nagios", "labels": {"host": "db01"},
//!  "details": {"free": "5%"}, "links": ["https://..."], "starts_at": "2026-11-22T21:52:40Z"}
//! ```
//!
//! `key` is the alert's identity (default: the fingerprint of its labels); `group` puts
//! alerts into one incident (default: the key); `status` is `firing` (default) or
//! `resolved`; only `summary` is required for a firing alert.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::signal::{AlertBody, Signal, SignalAction, one_line, sender_time};
use super::{AlertSeverity, fingerprint};

/// Reads a webhook body into signals, or says every problem (by JSON path).
pub fn read(body: &Value) -> Result<Vec<Signal>, Vec<String>> {
    let (alerts, prefix): (Vec<&Value>, &str) = match body.get("alerts") {
        Some(Value::Array(alerts)) => (alerts.iter().collect(), "alerts"),
        Some(_) => return Err(vec!["alerts must be an array of alert objects".to_string()]),
        None if body.is_object() => (vec![body], ""),
        None => return Err(vec!["the body must be a JSON object".to_string()]),
    };
    let mut problems = Vec::new();
    let mut signals = Vec::new();
    for (index, alert) in alerts.into_iter().enumerate() {
        let path = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}[{index}].")
        };
        if let Some(signal) = read_alert(alert, &path, &mut problems) {
            signals.push(signal);
        }
    }
    if problems.is_empty() {
        Ok(signals)
    } else {
        Err(problems)
    }
}

fn read_alert(alert: &Value, path: &str, problems: &mut Vec<String>) -> Option<Signal> {
    let Some(object) = alert.as_object() else {
        problems.push(format!("{} must be an object", path.trim_end_matches('.')));
        return None;
    };
    let before = problems.len();
    let text = |field: &str, problems: &mut Vec<String>| match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Some(_) => {
            problems.push(format!("{path}{field} must be a string"));
            None
        }
    };
    let mut labels = BTreeMap::new();
    match object.get("labels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                match value {
                    Value::String(v) => {
                        labels.insert(name.clone(), v.clone());
                    }
                    Value::Number(_) | Value::Bool(_) => {
                        labels.insert(name.clone(), value.to_string());
                    }
                    _ => problems.push(format!("{path}labels.{name} must be a string")),
                }
            }
        }
        Some(_) => problems.push(format!("{path}labels must be an object")),
    }
    let key = text("key", problems);
    if key.is_none() && labels.is_empty() {
        problems.push(format!(
            "{path}key is missing: give the alert a key, or labels to identify it by"
        ));
    }
    let dedup_key = key.unwrap_or_else(|| fingerprint(&labels));
    let group_key = text("group", problems).unwrap_or_else(|| dedup_key.clone());
    let status = text("status", problems);
    let summary = text("summary", problems);
    let source = text("source", problems);
    let severity = text("severity", problems).and_then(|s| {
        AlertSeverity::parse(&s)
            .map_err(|e| problems.push(format!("{path}severity: {e}")))
            .ok()
    });
    let starts_at = sender_time(text("starts_at", problems).as_deref())
        .map_err(|e| problems.push(format!("{path}starts_at: {e}")))
        .ok()
        .flatten();
    let ends_at = sender_time(text("ends_at", problems).as_deref())
        .map_err(|e| problems.push(format!("{path}ends_at: {e}")))
        .ok()
        .flatten();
    let details = match object.get("details") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            problems.push(format!("{path}details must be an object"));
            Map::new()
        }
    };
    let links = match object.get("links") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| match item {
                Value::String(url) => Some(url.clone()),
                _ => {
                    problems.push(format!("{path}links must be an array of strings"));
                    None
                }
            })
            .collect(),
        Some(_) => {
            problems.push(format!("{path}links must be an array of strings"));
            Vec::new()
        }
    };
    let action = match status.as_deref().unwrap_or("firing") {
        "firing" => match summary {
            Some(summary) => SignalAction::Fire(AlertBody {
                summary: one_line(&summary),
                source: source.unwrap_or_else(|| "webhook".to_string()),
                severity,
                labels,
                details,
                links,
                starts_at,
                raw: alert.clone(),
            }),
            None => {
                problems.push(format!(
                    "{path}summary is missing: a firing alert needs one"
                ));
                return None;
            }
        },
        "resolved" => SignalAction::Resolve { ends_at },
        other => {
            problems.push(format!(
                "{path}status '{other}' is not allowed: use firing or resolved"
            ));
            return None;
        }
    };
    (problems.len() == before).then_some(Signal {
        dedup_key,
        group_key,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_alert_or_many() {
        let one =
            read(&json!({"key": "disk-db01", "summary": "Disk full", "severity": "warn"})).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].dedup_key, "disk-db01");
        assert_eq!(one[0].group_key, "disk-db01");
        let many = read(&json!({"alerts": [
            {"labels": {"host": "db01"}, "group": "disk", "summary": "a"},
            {"labels": {"host": "db01"}, "status": "resolved"}]}))
        .unwrap();
        assert_eq!(many[0].dedup_key, many[1].dedup_key);
        assert_eq!(many[0].group_key, "disk");
        assert!(matches!(many[1].action, SignalAction::Resolve { .. }));
    }

    #[test]
    fn problems_name_their_alert() {
        let problems = read(&json!({"alerts": [
            {"summary": "no identity"},
            {"key": "k", "severity": "spicy"},
            {"key": "k", "status": "gone"}]}))
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "alerts[0].key is missing: give the alert a key, or labels to identify it by",
                "alerts[1].severity: unknown alert severity 'spicy': use critical, error, warning or info",
                "alerts[1].summary is missing: a firing alert needs one",
                "alerts[2].status 'gone' is not allowed: use firing or resolved",
            ]
        );
    }
}
