//! Human output: incidents, lists and timelines as an SRE reads them in a terminal.

use std::fmt::Write;

use jiff::{Timestamp, Unit};
use triage_store::{
    Alert, EscalationPolicy, Event, Incident, Page, PolicyTarget, Schedule, Service, Silence, User,
    UserRef,
};

use crate::commands::oncall::ShiftView;

/// A time as people read it in a terminal: `2026-11-22 10:04:31 UTC`.
pub fn when(at: Timestamp) -> String {
    at.round(Unit::Second)
        .map_or(at, |rounded| rounded)
        .strftime("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

fn person(user: Option<&UserRef>) -> String {
    user.map_or_else(|| "-".to_string(), |u| format!("{} <{}>", u.name, u.email))
}

fn or_dash(values: &[String]) -> String {
    if values.is_empty() {
        "-".to_string()
    } else {
        values.join(", ")
    }
}

pub fn incident(incident: &Incident) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", incident.key, incident.summary);
    let _ = writeln!(
        out,
        "Status:      {} ({})",
        incident.status, incident.status_category
    );
    let _ = writeln!(
        out,
        "Priority:    {}",
        incident.priority.map_or("-".to_string(), |p| p.to_string())
    );
    let _ = writeln!(
        out,
        "Severity:    {}",
        incident
            .severity
            .map_or("-".to_string(), |s| format!("{s} ({})", s.meaning()))
    );
    let _ = writeln!(out, "Assignee:    {}", person(incident.assignee.as_ref()));
    let _ = writeln!(out, "Reporter:    {}", person(incident.reporter.as_ref()));
    let _ = writeln!(out, "Services:    {}", or_dash(&incident.services));
    let _ = writeln!(out, "Labels:      {}", or_dash(&incident.labels));
    let _ = writeln!(
        out,
        "Resolution:  {}",
        incident.resolution.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        out,
        "Detected:    {} by {}",
        when(incident.detected_at),
        incident.detection_source.as_str()
    );
    let _ = writeln!(out, "Created:     {}", when(incident.created_at));
    let _ = writeln!(out, "Updated:     {}", when(incident.updated_at));
    if let Some(resolved) = incident.resolved_at {
        let _ = writeln!(out, "Resolved:    {}", when(resolved));
    }
    if let Some(earlier) = &incident.recurrence_of {
        let _ = writeln!(
            out,
            "Recurrence:  of {earlier}: the same problem came back (`triage timeline` says which action items did not prevent it)"
        );
    }
    match (incident.update_overdue_at, incident.update_due_at) {
        (Some(since), _) => {
            let _ = writeln!(out, "Next update: OVERDUE since {}", when(since));
        }
        (None, Some(due)) => {
            let _ = writeln!(out, "Next update: due by {}", when(due));
        }
        (None, None) => {}
    }
    if let Some(kept) = incident.update_cadence.describe() {
        let _ = writeln!(out, "Cadence:     {kept}");
    }
    let _ = writeln!(out, "Version:     {}", incident.version);
    if !incident.links.is_empty() {
        let _ = writeln!(out, "Links:");
        for link in &incident.links {
            let _ = writeln!(
                out,
                "  [{}] {} {}  {} ({})",
                link.id,
                link.relation,
                link.incident.key,
                link.incident.summary,
                link.incident.status
            );
        }
    }
    if !incident.description.is_empty() {
        let _ = writeln!(out, "\n{}", incident.description);
    }
    out
}

/// One line per incident, columns aligned.
pub fn incident_table(page: &Page<Incident>) -> String {
    let rows: Vec<[String; 6]> = page
        .items
        .iter()
        .map(|i| {
            [
                i.key.clone(),
                i.status.clone(),
                i.priority.map_or("-".to_string(), |p| p.code().to_string()),
                i.severity.map_or("-".to_string(), |s| s.code().to_string()),
                i.assignee
                    .as_ref()
                    .map_or("-".to_string(), |a| a.email.clone()),
                i.summary.clone(),
            ]
        })
        .collect();
    let header = ["KEY", "STATUS", "PRI", "SEV", "ASSIGNEE", "SUMMARY"].map(str::to_string);
    table(&header, &rows)
}

pub fn timeline(events: &[Event]) -> String {
    let mut out = String::new();
    for event in events {
        let _ = writeln!(out, "{}  {}", when(event.at), event.text);
    }
    out
}

pub fn users(users: &[User]) -> String {
    let rows: Vec<[String; 4]> = users
        .iter()
        .map(|u| {
            [
                u.email.clone(),
                u.name.clone(),
                u.role.to_string() + if u.active { "" } else { " (inactive)" },
                or_dash(&u.groups),
            ]
        })
        .collect();
    table(
        &["EMAIL", "NAME", "ROLE", "GROUPS"].map(str::to_string),
        &rows,
    )
}

pub fn service(service: &Service) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", service.name, service.description);
    let _ = writeln!(
        out,
        "  owner:         {}",
        service.owner.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        out,
        "  runbook:       {}",
        service.runbook_url.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "  on resolved:   {}", service.on_resolved);
    let _ = writeln!(out, "  flap window:   {}s", service.flap_window);
    let _ = writeln!(out, "  grouped by:    {}", or_dash(&service.group_by));
    let mapping: Vec<String> = ["critical", "error", "warning", "info"]
        .iter()
        .filter_map(|level| {
            service
                .alert_mapping
                .get(*level)
                .map(|m| format!("{level}={m}"))
        })
        .collect();
    let _ = writeln!(out, "  alert mapping: {}", mapping.join(" "));
    let _ = writeln!(
        out,
        "  escalation:    {}",
        service.escalation_policy.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        out,
        "  pages for:     {}",
        or_dash(&service.paging_priorities)
    );
    out
}

/// An escalation policy, level by level.
pub fn policy(policy: &EscalationPolicy) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", policy.name, policy.description);
    for (i, level) in policy.levels.iter().enumerate() {
        let targets: Vec<String> = level
            .targets
            .iter()
            .map(|t| match t {
                PolicyTarget::User(email) => email.clone(),
                PolicyTarget::Schedule(name) => format!("on call in {name}"),
            })
            .collect();
        let _ = writeln!(
            out,
            "  {}. page {}; after {} without an acknowledgement, go on",
            i + 1,
            targets.join(", "),
            level.delay
        );
    }
    let _ = writeln!(
        out,
        "  repeat: {} more time(s); acknowledgement timeout: {}; used by: {}",
        policy.repeat,
        policy.ack_timeout.as_deref().unwrap_or("none"),
        or_dash(&policy.services)
    );
    out
}

pub fn alerts(alerts: &[Alert]) -> String {
    let rows: Vec<[String; 6]> = alerts
        .iter()
        .map(|a| {
            let state = match (a.status.as_str(), a.silence) {
                ("firing", Some(id)) => format!("silenced ({id})"),
                (status, _) => status.to_string(),
            };
            [
                state,
                a.severity.clone().unwrap_or_else(|| "-".to_string()),
                a.incident.clone().unwrap_or_else(|| "-".to_string()),
                when(a.starts_at),
                when(a.last_seen_at),
                a.summary.clone(),
            ]
        })
        .collect();
    let header = [
        "STATE",
        "SEVERITY",
        "INCIDENT",
        "STARTED",
        "LAST SEEN",
        "SUMMARY",
    ]
    .map(str::to_string);
    table(&header, &rows)
}

pub fn silences(silences: &[Silence]) -> String {
    let rows: Vec<[String; 6]> = silences
        .iter()
        .map(|s| {
            [
                s.id.to_string(),
                s.state.clone(),
                s.service.clone().unwrap_or_else(|| "(all)".to_string()),
                if s.matchers.is_empty() {
                    "(every alert)".to_string()
                } else {
                    s.matchers.join(" ")
                },
                format!("{} → {}", when(s.starts_at), when(s.ends_at)),
                s.comment.clone(),
            ]
        })
        .collect();
    let header = ["ID", "STATE", "SERVICE", "MATCHERS", "WINDOW", "COMMENT"].map(str::to_string);
    table(&header, &rows)
}

/// Who is on call in each schedule: one row per schedule.
pub fn on_call(rows: &[(String, Option<ShiftView>)]) -> String {
    let rows: Vec<[String; 4]> = rows
        .iter()
        .map(|(schedule, shift)| match shift {
            Some(s) => [
                schedule.clone(),
                s.user.clone(),
                s.from.clone(),
                when(s.end),
            ],
            None => [
                schedule.clone(),
                "(nobody)".to_string(),
                "-".to_string(),
                "-".to_string(),
            ],
        })
        .collect();
    let header = ["SCHEDULE", "ON CALL", "FROM", "UNTIL"].map(str::to_string);
    table(&header, &rows)
}

/// A time in a schedule's own zone: `Mon 2026-11-23 09:00 CET`.
fn local(at: Timestamp, zone: &jiff::tz::TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// A schedule's layers, overrides and coming shifts, times in its zone.
pub fn schedule(schedule: &Schedule, shifts: &[ShiftView]) -> String {
    let zone = jiff::tz::TimeZone::get(&schedule.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", schedule.name, schedule.time_zone);
    if !schedule.description.is_empty() {
        let _ = writeln!(out, "{}", schedule.description);
    }
    for layer in &schedule.layers {
        let _ = write!(
            out,
            "\n{}: {} in turn, {} each, from {}",
            layer.name,
            layer.users.join(", "),
            layer.shift,
            layer.start
        );
        if !layer.restrictions.is_empty() {
            let _ = write!(out, ", only {}", layer.restrictions.join(" and "));
        }
        out.push('\n');
    }
    if !schedule.overrides.is_empty() {
        out.push_str("\nOverrides:\n");
        for o in &schedule.overrides {
            let _ = writeln!(
                out,
                "  {}  {}  {} → {}",
                o.id,
                o.user,
                local(o.start, &zone),
                local(o.end, &zone)
            );
        }
    }
    out.push_str("\nOn call:\n");
    let rows: Vec<[String; 4]> = shifts
        .iter()
        .map(|s| {
            [
                local(s.start, &zone),
                local(s.end, &zone),
                s.user.clone(),
                s.from.clone(),
            ]
        })
        .collect();
    let header = ["FROM", "UNTIL", "WHO", "LAYER"].map(str::to_string);
    out.push_str(&table(&header, &rows));
    out
}

pub fn table<const N: usize>(header: &[String; N], rows: &[[String; N]]) -> String {
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, width))| {
                if i + 1 == N {
                    cell.clone()
                } else {
                    format!("{cell:width$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  "));
    }
    out
}
