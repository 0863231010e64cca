//! The public status page's vocabulary and its one decision: component statuses, public
//! incident statuses and impacts (spelled as Atlassian Statuspage spells them, so status
//! widgets read them), the page's overall indicator, and (in [`uptime`]) the history
//! bars' arithmetic.

pub mod uptime;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Severity;

/// How a component is doing, best first.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    #[default]
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

/// How bad a public incident is; maintenance is its own kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    None,
    Maintenance,
    Minor,
    Major,
    Critical,
}

/// A public incident's status (the first four) or a scheduled maintenance's (the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Scheduled,
    InProgress,
    Verifying,
    Completed,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{given}': use {allowed}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub given: String,
    pub allowed: String,
}

fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// Finds the value whose snake-case name or label matches `text` (any case, spaces,
/// dashes or underscores).
fn parse_among<T: Copy>(
    what: &'static str,
    text: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, UnknownValue> {
    let wanted = squash(text);
    all.iter()
        .copied()
        .find(|v| squash(name(*v)) == wanted)
        .ok_or_else(|| UnknownValue {
            what,
            given: text.to_string(),
            allowed: all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", "),
        })
}

impl ComponentStatus {
    pub const ALL: [ComponentStatus; 5] = [
        ComponentStatus::Operational,
        ComponentStatus::DegradedPerformance,
        ComponentStatus::PartialOutage,
        ComponentStatus::MajorOutage,
        ComponentStatus::UnderMaintenance,
    ];

    /// Statuspage's spelling: `degraded_performance`.
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "operational",
            ComponentStatus::DegradedPerformance => "degraded_performance",
            ComponentStatus::PartialOutage => "partial_outage",
            ComponentStatus::MajorOutage => "major_outage",
            ComponentStatus::UnderMaintenance => "under_maintenance",
        }
    }

    /// For people: "Degraded Performance".
    pub fn label(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "Operational",
            ComponentStatus::DegradedPerformance => "Degraded Performance",
            ComponentStatus::PartialOutage => "Partial Outage",
            ComponentStatus::MajorOutage => "Major Outage",
            ComponentStatus::UnderMaintenance => "Under Maintenance",
        }
    }

    pub fn parse(text: &str) -> Result<ComponentStatus, UnknownValue> {
        parse_among("component status", text, &Self::ALL, Self::as_str)
    }

    /// What an incident of `impact` does to the components it affects.
    pub fn from_impact(impact: Impact) -> ComponentStatus {
        match impact {
            Impact::None => ComponentStatus::Operational,
            Impact::Maintenance => ComponentStatus::UnderMaintenance,
            Impact::Minor => ComponentStatus::DegradedPerformance,
            Impact::Major => ComponentStatus::PartialOutage,
            Impact::Critical => ComponentStatus::MajorOutage,
        }
    }
}

impl Impact {
    pub const ALL: [Impact; 5] = [
        Impact::None,
        Impact::Minor,
        Impact::Major,
        Impact::Critical,
        Impact::Maintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Impact::None => "none",
            Impact::Minor => "minor",
            Impact::Major => "major",
            Impact::Critical => "critical",
            Impact::Maintenance => "maintenance",
        }
    }

    pub fn parse(text: &str) -> Result<Impact, UnknownValue> {
        parse_among("impact", text, &Self::ALL, Self::as_str)
    }

    /// The impact an internal incident's severity suggests (SEV1 critical … SEV4 none).
    pub fn from_severity(severity: Option<Severity>) -> Impact {
        match severity {
            Some(Severity::Sev1) => Impact::Critical,
            Some(Severity::Sev2) => Impact::Major,
            Some(Severity::Sev3) => Impact::Minor,
            Some(Severity::Sev4) | None => Impact::None,
        }
    }
}

impl PublicStatus {
    pub const INCIDENT: [PublicStatus; 4] = [
        PublicStatus::Investigating,
        PublicStatus::Identified,
        PublicStatus::Monitoring,
        PublicStatus::Resolved,
    ];
    pub const MAINTENANCE: [PublicStatus; 4] = [
        PublicStatus::Scheduled,
        PublicStatus::InProgress,
        PublicStatus::Verifying,
        PublicStatus::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PublicStatus::Investigating => "investigating",
            PublicStatus::Identified => "identified",
            PublicStatus::Monitoring => "monitoring",
            PublicStatus::Resolved => "resolved",
            PublicStatus::Scheduled => "scheduled",
            PublicStatus::InProgress => "in_progress",
            PublicStatus::Verifying => "verifying",
            PublicStatus::Completed => "completed",
        }
    }

    /// A status for an incident (`maintenance` false) or a maintenance.
    pub fn parse(text: &str, maintenance: bool) -> Result<PublicStatus, UnknownValue> {
        let what = if maintenance {
            "maintenance status"
        } else {
            "incident status"
        };
        parse_among(what, text, &Self::choices(maintenance), Self::as_str)
    }

    /// As people read it: "Identified", "In progress".
    pub fn label(self) -> &'static str {
        match self {
            PublicStatus::Investigating => "Investigating",
            PublicStatus::Identified => "Identified",
            PublicStatus::Monitoring => "Monitoring",
            PublicStatus::Resolved => "Resolved",
            PublicStatus::Scheduled => "Scheduled",
            PublicStatus::InProgress => "In progress",
            PublicStatus::Verifying => "Verifying",
            PublicStatus::Completed => "Completed",
        }
    }

    /// The statuses an incident (`maintenance` false) or a maintenance moves through.
    pub fn choices(maintenance: bool) -> [PublicStatus; 4] {
        if maintenance {
            Self::MAINTENANCE
        } else {
            Self::INCIDENT
        }
    }

    /// Whether it has ended: resolved or completed.
    pub fn is_final(self) -> bool {
        matches!(self, PublicStatus::Resolved | PublicStatus::Completed)
    }
}

impl fmt::Display for PublicStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The page's overall status: Statuspage's `indicator` and its `description`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overall {
    pub indicator: &'static str,
    pub description: &'static str,
}

/// The overall status from every component's status and the impacts of the unresolved
/// incidents: the worst of them decides; maintenance shows only when nothing is broken.
pub fn overall(components: &[ComponentStatus], open_impacts: &[Impact]) -> Overall {
    let from_components = components.iter().map(|c| match c {
        ComponentStatus::Operational => Impact::None,
        ComponentStatus::UnderMaintenance => Impact::Maintenance,
        ComponentStatus::DegradedPerformance => Impact::Minor,
        ComponentStatus::PartialOutage => Impact::Major,
        ComponentStatus::MajorOutage => Impact::Critical,
    });
    let worst = from_components
        .chain(open_impacts.iter().copied())
        .max()
        .unwrap_or(Impact::None);
    let (indicator, description) = match worst {
        Impact::None => ("none", "All Systems Operational"),
        Impact::Maintenance => ("maintenance", "Service Under Maintenance"),
        Impact::Minor => ("minor", "Minor Service Outage"),
        Impact::Major => ("major", "Partial System Outage"),
        Impact::Critical => ("critical", "Major Service Outage"),
    };
    Overall {
        indicator,
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_parse_both_ways() {
        for status in ComponentStatus::ALL {
            assert_eq!(ComponentStatus::parse(status.as_str()), Ok(status));
            assert_eq!(ComponentStatus::parse(status.label()), Ok(status));
        }
        for impact in Impact::ALL {
            assert_eq!(Impact::parse(impact.as_str()), Ok(impact));
        }
        assert_eq!(
            PublicStatus::parse("In Progress", true),
            Ok(PublicStatus::InProgress)
        );
        let error = PublicStatus::parse("scheduled", false).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown incident status 'scheduled': use investigating, identified, monitoring, resolved"
        );
    }

    #[test]
    fn the_worst_thing_decides_the_page() {
        use ComponentStatus::*;
        assert_eq!(overall(&[], &[]).description, "All Systems Operational");
        assert_eq!(
            overall(&[Operational, UnderMaintenance], &[]).indicator,
            "maintenance"
        );
        assert_eq!(
            overall(&[UnderMaintenance, DegradedPerformance], &[]).indicator,
            "minor"
        );
        assert_eq!(overall(&[Operational], &[Impact::Major]).indicator, "major");
        assert_eq!(
            overall(&[MajorOutage], &[Impact::Minor]).description,
            "Major Service Outage"
        );
        assert_eq!(
            ComponentStatus::from_impact(Impact::from_severity(Some(Severity::Sev2))),
            PartialOutage
        );
    }
}

/// A maintenance's status at `now`: a scheduled one is in progress once its window opens
/// and completed once it closes, unless someone set it on by hand already.
pub fn maintenance_status(
    stored: PublicStatus,
    window: (jiff::Timestamp, jiff::Timestamp),
    now: jiff::Timestamp,
) -> PublicStatus {
    let (starts, ends) = window;
    match stored {
        PublicStatus::Scheduled | PublicStatus::InProgress | PublicStatus::Verifying
            if now >= ends =>
        {
            PublicStatus::Completed
        }
        PublicStatus::Scheduled if now >= starts => PublicStatus::InProgress,
        other => other,
    }
}

#[cfg(test)]
mod maintenance_tests {
    use super::*;

    #[test]
    fn a_maintenance_follows_its_window() {
        let at = |h: i64| jiff::Timestamp::UNIX_EPOCH + jiff::SignedDuration::from_hours(h);
        let window = (at(10), at(12));
        assert_eq!(
            maintenance_status(PublicStatus::Scheduled, window, at(9)),
            PublicStatus::Scheduled
        );
        assert_eq!(
            maintenance_status(PublicStatus::Scheduled, window, at(10)),
            PublicStatus::InProgress
        );
        assert_eq!(
            maintenance_status(PublicStatus::Verifying, window, at(11)),
            PublicStatus::Verifying
        );
        assert_eq!(
            maintenance_status(PublicStatus::InProgress, window, at(12)),
            PublicStatus::Completed
        );
    }
}
