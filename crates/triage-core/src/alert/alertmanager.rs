//! Prometheus Alertmanager's webhook payload (version 4), and Grafana alerting's, which
//! is the same shape with fields of its own. One notification carries one aggregation
//! group: its `groupKey` groups the alerts, each alert's `fingerprint` is its identity.
//!
//! Senders retry and re-notify, so a payload is read as a statement of the current state
//! of each alert in it, never as "something new happened".

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::signal::{AlertBody, Signal, SignalAction, one_line, sender_time};
use super::{AlertSeverity, fingerprint};

/// Which dialect a payload speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Alertmanager,
    Grafana,
}

impl Dialect {
    fn name(self) -> &'static str {
        match self {
            Dialect::Alertmanager => "alertmanager",
            Dialect::Grafana => "grafana",
        }
    }
}

/// Reads a notification into signals, or says every problem it has (by JSON path).
pub fn read(payload: &Value, dialect: Dialect) -> Result<Vec<Signal>, Vec<String>> {
    let mut problems = Vec::new();
    let Some(object) = payload.as_object() else {
        return Err(vec!["the body must be a JSON object".to_string()]);
    };
    if dialect == Dialect::Alertmanager {
        match object.get("version") {
            None | Some(Value::Null) => {}
            Some(Value::String(v)) if v == "4" => {}
            Some(other) => problems.push(format!(
                "version {other} is not supported: Triage reads Alertmanager's webhook payload version \"4\""
            )),
        }
    }
    let group_labels = string_map(object.get("groupLabels"), "groupLabels", &mut problems);
    let group_key = match object.get("groupKey") {
        Some(Value::String(key)) if !key.is_empty() => key.clone(),
        None | Some(Value::Null) => format!("{{}}:{}", label_text(&group_labels)),
        Some(_) => {
            problems.push("groupKey must be a string".to_string());
            String::new()
        }
    };
    let common = string_map(
        object.get("commonAnnotations"),
        "commonAnnotations",
        &mut problems,
    );
    let alerts = match object.get("alerts") {
        Some(Value::Array(alerts)) => alerts.as_slice(),
        Some(_) => {
            problems.push("alerts must be an array".to_string());
            &[]
        }
        None => {
            problems.push("alerts is missing".to_string());
            &[]
        }
    };
    let mut signals = Vec::with_capacity(alerts.len());
    for (index, alert) in alerts.iter().enumerate() {
        let path = format!("alerts[{index}]");
        if let Some(signal) = read_alert(alert, &path, &group_key, &common, dialect, &mut problems)
        {
            signals.push(signal);
        }
    }
    if problems.is_empty() {
        Ok(signals)
    } else {
        Err(problems)
    }
}

fn read_alert(
    alert: &Value,
    path: &str,
    group_key: &str,
    common: &BTreeMap<String, String>,
    dialect: Dialect,
    problems: &mut Vec<String>,
) -> Option<Signal> {
    let Some(object) = alert.as_object() else {
        problems.push(format!("{path} must be an object"));
        return None;
    };
    let before = problems.len();
    let mut labels = string_map(object.get("labels"), &format!("{path}.labels"), problems);
    if dialect == Dialect::Grafana {
        // Grafana's internal labels (`__alert_rule_uid__`, ...) are not the alert's.
        labels.retain(|name, _| !(name.starts_with("__") && name.ends_with("__")));
    }
    let annotations = string_map(
        object.get("annotations"),
        &format!("{path}.annotations"),
        problems,
    );
    let text = |field: &str, problems: &mut Vec<String>| match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            problems.push(format!("{path}.{field} must be a string"));
            None
        }
    };
    let status = text("status", problems);
    let starts_at = text("startsAt", problems);
    let ends_at = text("endsAt", problems);
    let starts_at = sender_time(starts_at.as_deref())
        .map_err(|e| problems.push(format!("{path}.startsAt: {e}")))
        .ok()
        .flatten();
    let ends_at = sender_time(ends_at.as_deref())
        .map_err(|e| problems.push(format!("{path}.endsAt: {e}")))
        .ok()
        .flatten();
    let dedup_key = match text("fingerprint", problems) {
        Some(given) if !given.is_empty() => given,
        _ => fingerprint(&labels),
    };
    let mut links = Vec::new();
    for field in [
        "generatorURL",
        "dashboardURL",
        "panelURL",
        "silenceURL",
        "imageURL",
    ] {
        if let Some(url) = text(field, problems).filter(|u| !u.is_empty()) {
            links.push(url);
        }
    }
    if let Some(url) = annotations.get("runbook_url").filter(|u| !u.is_empty()) {
        links.push(url.clone());
    }
    let action = match status.as_deref() {
        Some("firing") => SignalAction::Fire(AlertBody {
            summary: summary(&annotations, common, &labels, &dedup_key),
            source: dialect.name().to_string(),
            severity: labels
                .get("severity")
                .and_then(|s| AlertSeverity::parse(s).ok()),
            details: annotations
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect::<Map<_, _>>(),
            labels,
            links,
            starts_at,
            raw: alert.clone(),
        }),
        Some("resolved") => SignalAction::Resolve { ends_at },
        Some(other) => {
            problems.push(format!(
                "{path}.status '{other}' is not allowed: use firing or resolved"
            ));
            return None;
        }
        None => {
            problems.push(format!("{path}.status is missing"));
            return None;
        }
    };
    (problems.len() == before).then(|| Signal {
        dedup_key,
        group_key: group_key.to_string(),
        action,
    })
}

/// Reads alerts posted straight to Alertmanager's API (`POST /api/v2/alerts`), as
/// Prometheus and amtool send them: an array of `{labels, annotations, startsAt, endsAt,
/// generatorURL}`. An alert whose end is past at `now` has resolved; the others fire.
/// With no aggregation group in the payload, alerts group by their `alertname`.
pub fn read_posted(payload: &Value, now: Timestamp) -> Result<Vec<Signal>, Vec<String>> {
    let Some(alerts) = payload.as_array() else {
        return Err(vec!["the body must be a JSON array of alerts".to_string()]);
    };
    let mut problems = Vec::new();
    let mut signals = Vec::with_capacity(alerts.len());
    let none = BTreeMap::new();
    for (index, alert) in alerts.iter().enumerate() {
        let path = format!("[{index}]");
        let Some(object) = alert.as_object() else {
            problems.push(format!("{path} must be an object"));
            continue;
        };
        let before = problems.len();
        let labels = string_map(
            object.get("labels"),
            &format!("{path}.labels"),
            &mut problems,
        );
        if labels.is_empty() && problems.len() == before {
            problems.push(format!("{path}: at least one label pair required"));
        }
        let annotations = string_map(
            object.get("annotations"),
            &format!("{path}.annotations"),
            &mut problems,
        );
        let mut time = |field: &str| match object.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => sender_time(Some(text))
                .map_err(|e| problems.push(format!("{path}.{field}: {e}")))
                .ok()
                .flatten(),
            Some(_) => {
                problems.push(format!("{path}.{field} must be a string"));
                None
            }
        };
        let starts_at = time("startsAt");
        let ends_at = time("endsAt");
        if let (Some(start), Some(end)) = (starts_at, ends_at)
            && start > end
        {
            problems.push(format!("{path}: start time must be before end time"));
        }
        let links: Vec<String> = match object.get("generatorURL") {
            Some(Value::String(url)) if !url.is_empty() => vec![url.clone()],
            _ => Vec::new(),
        };
        if problems.len() != before {
            continue;
        }
        let dedup_key = fingerprint(&labels);
        let group = labels
            .get("alertname")
            .map(|name| BTreeMap::from([("alertname".to_string(), name.clone())]))
            .unwrap_or_default();
        let action = match ends_at {
            Some(end) if end <= now => SignalAction::Resolve { ends_at: Some(end) },
            _ => SignalAction::Fire(AlertBody {
                summary: summary(&annotations, &none, &labels, &dedup_key),
                source: "prometheus".to_string(),
                severity: labels
                    .get("severity")
                    .and_then(|s| AlertSeverity::parse(s).ok()),
                details: annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
                labels,
                links,
                starts_at,
                raw: alert.clone(),
            }),
        };
        signals.push(Signal {
            dedup_key,
            group_key: label_text(&group),
            action,
        });
    }
    if problems.is_empty() {
        Ok(signals)
    } else {
        Err(problems)
    }
}

/// The line people see: the alert's summary annotation, the group's, a Grafana message,
/// the description, else the alert's name and distinguishing labels.
fn summary(
    annotations: &BTreeMap<String, String>,
    common: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
    dedup_key: &str,
) -> String {
    let named = ["summary", "message", "description", "title"]
        .iter()
        .find_map(|name| {
            annotations
                .get(*name)
                .or_else(|| common.get(*name))
                .filter(|text| !text.trim().is_empty())
        });
    if let Some(text) = named {
        return one_line(text);
    }
    match labels.get("alertname") {
        Some(name) => {
            let rest: BTreeMap<String, String> = labels
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "alertname" | "severity"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if rest.is_empty() {
                one_line(name)
            } else {
                one_line(&format!("{name} {}", label_text(&rest)))
            }
        }
        None => format!("alert {dedup_key}"),
    }
}

/// `{a="1", b="2"}`, as Alertmanager writes label sets.
fn label_text(labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// An object of strings (labels, annotations); missing is empty.
fn string_map(
    value: Option<&Value>,
    path: &str,
    problems: &mut Vec<String>,
) -> BTreeMap<String, String> {
    match value {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) => {
            let mut out = BTreeMap::new();
            for (key, value) in map {
                match value {
                    Value::String(text) => {
                        out.insert(key.clone(), text.clone());
                    }
                    _ => problems.push(format!("{path}.{key} must be a string")),
                }
            }
            out
        }
        Some(_) => {
            problems.push(format!("{path} must be an object of strings"));
            BTreeMap::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The notification PROTOCOLS.md recorded from a real Alertmanager 0.25.
    fn recorded() -> Value {
        json!({"receiver":"incident-server","status":"firing",
          "alerts":[{"status":"resolved","labels":{"alertname":"DiskFull","cluster":"prod","instance":"db01","severity":"warning"},
            "annotations":{"summary":"Disk 95% on db01"},"startsAt":"2026-11-22T21:52:40Z","endsAt":"2026-11-22T21:52:40Z",
            "generatorURL":"","fingerprint":"f3ad1c19f869c412"},
           {"status":"firing","labels":{"alertname":"DiskFull","cluster":"prod","instance":"db02","severity":"warning"},
            "annotations":{},
            "startsAt":"2026-11-22T21:52:40.89205398Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom:9090/graph","fingerprint":"1db6116e92c1639f"}],
          "groupLabels":{"alertname":"DiskFull","cluster":"prod"},
          "commonLabels":{"alertname":"DiskFull","cluster":"prod","severity":"warning"},
          "commonAnnotations":{},"externalURL":"http://am.example:9093",
          "version":"4","groupKey":"{}:{alertname=\"DiskFull\", cluster=\"prod\"}","truncatedAlerts":0})
    }

    #[test]
    fn a_recorded_notification_reads_as_signals() {
        let signals = read(&recorded(), Dialect::Alertmanager).unwrap();
        assert_eq!(signals.len(), 2);
        assert_eq!(signals[0].dedup_key, "f3ad1c19f869c412");
        assert_eq!(
            signals[0].group_key,
            "{}:{alertname=\"DiskFull\", cluster=\"prod\"}"
        );
        assert!(matches!(
            signals[0].action,
            SignalAction::Resolve { ends_at: Some(_) }
        ));
        let SignalAction::Fire(body) = &signals[1].action else {
            panic!("the second alert fires");
        };
        assert_eq!(
            body.summary,
            "DiskFull {cluster=\"prod\", instance=\"db02\"}"
        );
        assert_eq!(body.severity, Some(AlertSeverity::Warning));
        assert_eq!(body.links, ["http://prom:9090/graph"]);
        assert!(body.starts_at.is_some());
        assert_eq!(body.raw["fingerprint"], "1db6116e92c1639f");
    }

    #[test]
    fn a_missing_fingerprint_is_computed_as_alertmanager_does() {
        let mut payload = recorded();
        payload["alerts"][0]
            .as_object_mut()
            .unwrap()
            .remove("fingerprint");
        let signals = read(&payload, Dialect::Alertmanager).unwrap();
        assert_eq!(signals[0].dedup_key, "f3ad1c19f869c412");
    }

    #[test]
    fn every_problem_is_named_by_its_path() {
        let payload = json!({"version":"3","alerts":[
            {"status":"burning","labels":{"a":"b"}},
            {"labels":{"n":1},"startsAt":"soon"},
            7]});
        let problems = read(&payload, Dialect::Alertmanager).unwrap_err();
        assert_eq!(
            problems,
            [
                "version \"3\" is not supported: Triage reads Alertmanager's webhook payload version \"4\"",
                "alerts[0].status 'burning' is not allowed: use firing or resolved",
                "alerts[1].labels.n must be a string",
                "alerts[1].startsAt: 'soon' is not an RFC 3339 time such as 2026-11-22T21:52:40Z",
                "alerts[1].status is missing",
                "alerts[2] must be an object",
            ]
        );
        assert_eq!(
            read(&json!([]), Dialect::Alertmanager).unwrap_err(),
            ["the body must be a JSON object"]
        );
    }

    #[test]
    fn alerts_posted_to_the_api_fire_or_resolve_by_their_end() {
        let now: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let payload = json!([
            {"labels": {"alertname": "DiskFull", "instance": "db01", "severity": "warning"},
             "annotations": {"summary": "Disk 95%"}, "startsAt": "2026-11-22T09:55:00Z",
             "endsAt": "2026-11-22T10:04:00Z", "generatorURL": "http://prom/graph"},
            {"labels": {"alertname": "DiskFull", "instance": "db02"},
             "startsAt": "0001-01-01T00:00:00.000Z", "endsAt": "2026-11-22T09:59:00Z"}
        ]);
        let signals = read_posted(&payload, now).unwrap();
        assert_eq!(signals[0].group_key, "{alertname=\"DiskFull\"}");
        let SignalAction::Fire(body) = &signals[0].action else {
            panic!("an end still ahead fires");
        };
        assert_eq!(body.summary, "Disk 95%");
        assert_eq!(body.source, "prometheus");
        assert!(matches!(signals[1].action, SignalAction::Resolve { .. }));
        let problems = read_posted(
            &json!([{"labels": {}}, {"labels": {"a": "b"}, "startsAt": "2026-11-22T10:00:00Z", "endsAt": "2026-11-22T09:00:00Z"}]),
            now,
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "[0]: at least one label pair required",
                "[1]: start time must be before end time"
            ]
        );
        assert!(read_posted(&json!({}), now).is_err());
    }

    #[test]
    fn grafana_internal_labels_are_dropped_and_its_links_kept() {
        let payload = json!({"receiver":"triage","status":"firing","orgId":1,"state":"alerting",
            "title":"[FIRING:1] HighLatency","message":"latency high","version":"1",
            "groupKey":"{}/{__grafana_receiver__=\"triage\"}:{alertname=\"HighLatency\"}",
            "alerts":[{"status":"firing","labels":{"alertname":"HighLatency","__alert_rule_uid__":"abc","severity":"critical"},
              "annotations":{"summary":"p99 latency 2s"},"startsAt":"2026-11-22T21:52:40Z","endsAt":"0001-01-01T00:00:00Z",
              "generatorURL":"http://grafana/alerting/abc/edit","fingerprint":"57c6d9296de2ad39",
              "silenceURL":"http://grafana/alerting/silence/new","dashboardURL":"http://grafana/d/x","panelURL":"http://grafana/d/x?viewPanel=1",
              "values":{"B":2.1},"valueString":"[ var='B' value=2.1 ]"}]});
        let signals = read(&payload, Dialect::Grafana).unwrap();
        let SignalAction::Fire(body) = &signals[0].action else {
            panic!("fires");
        };
        assert_eq!(signals[0].dedup_key, "57c6d9296de2ad39");
        assert!(!body.labels.contains_key("__alert_rule_uid__"));
        assert_eq!(body.severity, Some(AlertSeverity::Critical));
        assert_eq!(body.source, "grafana");
        assert_eq!(body.links.len(), 4);
        assert_eq!(body.summary, "p99 latency 2s");
    }
}
