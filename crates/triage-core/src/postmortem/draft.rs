//! The first draft of a post-mortem, written from what Triage recorded: authors from the
//! people on the timeline, summary and impact from the incident (services, duration,
//! severity, what the status page said), the root cause from the comment that named it,
//! and the timeline from the recorded events — detection, diagnosis, mitigation,
//! resolution, with the key comments, pages, acknowledgements and updates between —
//! leaving out delivery receipts; the action items already tracked. The team writes the
//! lessons.

use jiff::Timestamp;

use super::{ActionLine, PostMortem, PostmortemStatus, TimelineRow};
use crate::Severity;
use crate::duration::format_age;

/// What happened, as the timeline recorded it.
pub struct Happened<'a> {
    pub at: Timestamp,
    /// Who did it; none for Triage itself.
    pub actor: Option<&'a str>,
    /// The event's kind: `created`, `status_changed`, `commented`, …
    pub kind: &'a str,
    /// The event as a sentence, with its actor: "Ann moved Open → Investigating".
    pub text: &'a str,
}

/// The incident a draft is written from.
pub struct Source<'a> {
    pub key: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub severity: Option<Severity>,
    pub services: &'a [String],
    /// `monitoring` or `user_report`, …
    pub detection_source: &'a str,
    pub detected_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    /// The assignee's name.
    pub assignee: Option<&'a str>,
    /// What the status page said: its impact and the components affected.
    pub public: Option<(&'a str, Vec<String>)>,
    /// Oldest first.
    pub events: &'a [Happened<'a>],
    /// The incident's action items, as the post-mortem lists them.
    pub action_items: Vec<ActionLine>,
}

/// Kinds left off the post-mortem's timeline: receipts and bookkeeping.
const LEFT_OUT: [&str; 4] = [
    "notified",
    "stakeholder_added",
    "stakeholder_removed",
    "automation_stopped",
];

/// `2026-11-22 10:02`, the timeline's times (UTC).
fn minute(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M").to_string()
}

/// The root cause a text names: what follows "root cause" (and "identified", "was",
/// "is") and a colon, up to the end of its line.
pub fn root_cause_in(text: &str) -> Option<String> {
    let lowered = text.to_lowercase();
    let start = lowered.find("root cause")?;
    let rest = &text[start + "root cause".len()..];
    let colon = rest.find(':')?;
    let between = rest[..colon].trim().to_lowercase();
    if !["", "identified", "was", "is", "found"].contains(&between.as_str()) {
        return None;
    }
    let cause = rest[colon + 1..].lines().next().unwrap_or_default().trim();
    (!cause.is_empty()).then(|| cause.to_string())
}

/// The post-mortem's first draft.
pub fn draft(source: &Source) -> PostMortem {
    let mut authors: Vec<String> = Vec::new();
    let mut add_author = |name: &str| {
        if !authors.iter().any(|a| a == name) {
            authors.push(name.to_string());
        }
    };
    for event in source.events {
        if let Some(actor) = event.actor {
            add_author(actor);
        }
    }
    if let Some(assignee) = source.assignee {
        add_author(assignee);
    }
    let detected_by = match source.detection_source {
        "monitoring" => "Detected by monitoring",
        "user_report" => "Reported by a user",
        _ => "Detected",
    };
    let mut summary = format!(
        "{}. {detected_by} at {} UTC",
        source.summary.trim_end_matches('.'),
        minute(source.detected_at)
    );
    match source.resolved_at {
        Some(resolved) => summary.push_str(&format!(
            "; resolved at {} UTC, {} after detection.",
            minute(resolved),
            format_age(resolved.duration_since(source.detected_at))
        )),
        None => summary.push_str("; not resolved yet."),
    }
    if let Some(first) = source.description.split("\n\n").next().map(str::trim)
        && !first.is_empty()
    {
        summary.push_str("\n\n");
        summary.push_str(first);
    }
    let mut impact = Vec::new();
    impact.push(if source.services.is_empty() {
        "Services: none recorded.".to_string()
    } else {
        format!("Services: {}.", source.services.join(", "))
    });
    if let Some(severity) = source.severity {
        impact.push(format!("Severity: {severity} ({}).", severity.meaning()));
    }
    impact.push(match source.resolved_at {
        Some(resolved) => format!(
            "Duration: {} from detection to resolution.",
            format_age(resolved.duration_since(source.detected_at))
        ),
        None => "Duration: still open.".to_string(),
    });
    if let Some((level, components)) = &source.public {
        let on = if components.is_empty() {
            String::new()
        } else {
            format!(" on {}", components.join(", "))
        };
        impact.push(format!("Status page: {level} impact{on}."));
    }
    let root_cause = source
        .events
        .iter()
        .filter(|e| matches!(e.kind, "status_changed" | "commented"))
        .filter_map(|e| root_cause_in(e.text))
        .next_back()
        .unwrap_or_default();
    let timeline = source
        .events
        .iter()
        .filter(|e| !LEFT_OUT.contains(&e.kind))
        .map(|e| TimelineRow {
            at: minute(e.at),
            text: e.text.to_string(),
        })
        .collect();
    PostMortem {
        incident: source.key.to_string(),
        title: source.summary.to_string(),
        date: source.detected_at.strftime("%Y-%m-%d").to_string(),
        authors,
        status: PostmortemStatus::Draft,
        severity: source.severity.map(|s| s.code().to_string()),
        summary,
        impact: impact.join("\n"),
        root_cause,
        timeline,
        went_well: String::new(),
        went_wrong: String::new(),
        lucky: String::new(),
        action_items: source.action_items.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_draft_is_written_from_the_record() {
        let events = [
            Happened {
                at: ts("2026-11-22T10:00:00Z"),
                actor: Some("Ada Admin"),
                kind: "created",
                text: "Ada Admin created the incident (Open): Database connection pool exhausted",
            },
            Happened {
                at: ts("2026-11-22T10:01:00Z"),
                actor: None,
                kind: "paged",
                text: "Triage paged level 1: oncall@example.com",
            },
            Happened {
                at: ts("2026-11-22T10:01:05Z"),
                actor: None,
                kind: "notified",
                text: "Triage notified oncall@example.com by webhook",
            },
            Happened {
                at: ts("2026-11-22T10:02:00Z"),
                actor: Some("On Call"),
                kind: "status_changed",
                text: "On Call moved Investigating → In Progress: Root cause identified: Database connection pool exhausted",
            },
            Happened {
                at: ts("2026-11-22T10:40:00Z"),
                actor: Some("On Call"),
                kind: "commented",
                text: "On Call commented: Root cause: pool of 20 too small for the Black Friday load",
            },
            Happened {
                at: ts("2026-11-23T10:02:00Z"),
                actor: Some("On Call"),
                kind: "status_changed",
                text: "On Call moved Monitoring → Resolved (resolution: Fixed)",
            },
        ];
        let services = vec!["checkout-api".to_string()];
        let source = Source {
            key: "INC-456",
            summary: "Database connection pool exhausted",
            description: "Checkout timeouts since 09:58.\n\nDetails below.",
            severity: Some(Severity::Sev1),
            services: &services,
            detection_source: "user_report",
            detected_at: ts("2026-11-22T10:00:00Z"),
            resolved_at: Some(ts("2026-11-23T10:02:00Z")),
            assignee: Some("On Call"),
            public: Some(("major", vec!["Checkout".to_string()])),
            events: &events,
            action_items: vec![ActionLine {
                done: true,
                text: "#1 Raise the pool to 200 (fix, On Call)".to_string(),
            }],
        };
        let p = draft(&source);
        assert_eq!(p.action_items, source.action_items);
        assert_eq!(p.incident, "INC-456");
        assert_eq!(p.date, "2026-11-22");
        assert_eq!(p.authors, ["Ada Admin", "On Call"]);
        assert_eq!(p.status, PostmortemStatus::Draft);
        assert_eq!(p.severity.as_deref(), Some("SEV1"));
        assert_eq!(
            p.summary,
            "Database connection pool exhausted. Reported by a user at 2026-11-22 10:00 UTC; \
             resolved at 2026-11-23 10:02 UTC, 1d 0h after detection.\n\nCheckout timeouts since 09:58."
        );
        assert_eq!(
            p.impact,
            "Services: checkout-api.\nSeverity: SEV1 (critical business impact).\n\
             Duration: 1d 0h from detection to resolution.\nStatus page: major impact on Checkout."
        );
        // The latest word on the root cause wins.
        assert_eq!(
            p.root_cause,
            "pool of 20 too small for the Black Friday load"
        );
        let rows: Vec<(&str, &str)> = p
            .timeline
            .iter()
            .map(|r| (r.at.as_str(), r.text.as_str()))
            .collect();
        assert_eq!(rows.len(), 5, "delivery receipts are left out: {rows:?}");
        assert_eq!(
            rows[1],
            (
                "2026-11-22 10:01",
                "Triage paged level 1: oncall@example.com"
            )
        );
        assert_eq!(rows[4].0, "2026-11-23 10:02");
    }

    #[test]
    fn a_root_cause_is_what_a_comment_says_it_is() {
        assert_eq!(
            root_cause_in("moved: Root cause identified: DNS TTL too long").as_deref(),
            Some("DNS TTL too long")
        );
        assert_eq!(
            root_cause_in("the root cause was: a bad deploy\nmore").as_deref(),
            Some("a bad deploy")
        );
        assert_eq!(root_cause_in("root cause analysis pending: later"), None);
        assert_eq!(root_cause_in("no cause named"), None);
    }
}
