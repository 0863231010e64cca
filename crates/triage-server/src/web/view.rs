//! How incidents read on a page: one row shape shared by every list, ages in words,
//! times as `<time>` in UTC (the page's script shows them in the reader's time zone).

use jiff::Timestamp;
use triage_core::duration::format_age;
use triage_core::workflow::Category;
use triage_core::{Priority, Severity};
use triage_store::{Alert, Incident, ServiceChange};

/// What a form's text field says, trimmed; none when it is left empty.
pub fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// An incident as a row of a list.
pub struct Row {
    pub key: String,
    pub summary: String,
    pub status: String,
    /// `todo`, `progress` or `done`: the status category's colour.
    pub category: &'static str,
    pub priority: String,
    pub severity: String,
    pub assignee: String,
    /// "3h 12m" since the incident was opened.
    pub age: String,
    pub opened: Time,
    /// The response-time SLA in words: "11m left", "met in 4m".
    pub response: String,
    /// A stakeholder update is overdue.
    pub update_overdue: bool,
}

/// A moment as the page shows it: machine-readable, and in UTC until the script
/// converts it.
pub struct Time {
    pub iso: String,
    pub utc: String,
}

impl Time {
    pub fn new(at: Timestamp) -> Time {
        Time {
            iso: at.to_string(),
            utc: at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }
}

pub fn category_class(category: Category) -> &'static str {
    match category {
        Category::ToDo => "todo",
        Category::InProgress => "progress",
        Category::Done => "done",
    }
}

impl Row {
    pub fn new(incident: &Incident, now: Timestamp) -> Row {
        Row {
            key: incident.key.clone(),
            summary: incident.summary.clone(),
            status: incident.status.clone(),
            category: category_class(incident.status_category),
            priority: incident.priority.map_or("—".to_string(), |p| p.to_string()),
            severity: incident.severity.map_or("—".to_string(), |s| s.to_string()),
            assignee: incident
                .assignee
                .as_ref()
                .map_or("unassigned".to_string(), |a| a.name.clone()),
            age: format_age(now.duration_since(incident.created_at)),
            opened: Time::new(incident.created_at),
            response: triage_core::sla::response(
                incident.response_due_at,
                incident.detected_at,
                incident.acknowledged_at,
                now,
            )
            .map_or("—".to_string(), |r| r.describe(now)),
            update_overdue: triage_core::cadence::describe(
                incident.update_due_at,
                incident.update_overdue_at,
                now,
            )
            .is_some_and(|(_, overdue)| overdue),
        }
    }
}

/// An option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A select's options, `(value, label)`.
pub fn options(values: Vec<(String, String)>, selected: Option<&str>) -> Vec<Choice> {
    values
        .into_iter()
        .map(|(value, label)| Choice {
            selected: selected == Some(value.as_str()),
            label,
            value,
        })
        .collect()
}

/// A select's options, `(value, label)`, after one for "none".
pub fn choices(
    values: Vec<(String, String)>,
    selected: Option<String>,
    empty: &str,
) -> Vec<Choice> {
    std::iter::once(Choice {
        value: String::new(),
        label: empty.to_string(),
        selected: selected.is_none(),
    })
    .chain(options(values, selected.as_deref()))
    .collect()
}

fn priority_values() -> Vec<(String, String)> {
    Priority::ALL
        .iter()
        .map(|p| (p.code().to_string(), p.to_string()))
        .collect()
}

fn severity_values() -> Vec<(String, String)> {
    Severity::ALL
        .iter()
        .map(|s| (s.code().to_string(), s.to_string()))
        .collect()
}

pub fn priority_choices(selected: Option<Priority>) -> Vec<Choice> {
    choices(
        priority_values(),
        selected.map(|p| p.code().to_string()),
        "None",
    )
}

pub fn severity_choices(selected: Option<Severity>) -> Vec<Choice> {
    choices(
        severity_values(),
        selected.map(|s| s.code().to_string()),
        "None",
    )
}

/// Priorities to pick one of (no "none").
pub fn priority_options(selected: Priority) -> Vec<Choice> {
    options(priority_values(), Some(selected.code()))
}

/// Severities to pick one of (no "none").
pub fn severity_options(selected: Severity) -> Vec<Choice> {
    options(severity_values(), Some(selected.code()))
}

/// A change event (a deploy) as a line of a list.
pub struct ChangeLine {
    pub summary: String,
    pub source: String,
    pub service: String,
    pub at: Time,
    pub links: Vec<String>,
}

impl ChangeLine {
    pub fn new(change: ServiceChange) -> ChangeLine {
        ChangeLine {
            summary: change.summary,
            source: change.source,
            service: change.service,
            at: Time::new(change.at),
            links: change.links,
        }
    }
}

/// An alert as a row of a list.
pub struct AlertLine {
    pub summary: String,
    /// `firing` or `resolved`, also the row's colour.
    pub status: String,
    pub severity: String,
    pub source: String,
    pub incident: Option<String>,
    pub labels: String,
    pub links: Vec<String>,
    pub started: Time,
    pub ended: Option<Time>,
    pub last_seen: Time,
    /// The silence it fired under.
    pub silence: Option<i64>,
}

impl AlertLine {
    pub fn new(alert: &Alert) -> AlertLine {
        AlertLine {
            summary: alert.summary.clone(),
            status: alert.status.clone(),
            severity: alert.severity.clone().unwrap_or_else(|| "—".to_string()),
            source: alert.source.clone(),
            incident: alert.incident.clone(),
            labels: alert
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
            links: alert.links.clone(),
            started: Time::new(alert.starts_at),
            ended: alert.ends_at.map(Time::new),
            last_seen: Time::new(alert.last_seen_at),
            silence: alert.silence,
        }
    }
}
