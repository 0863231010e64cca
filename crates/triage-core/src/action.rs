//! Action items: what a post-mortem says must change so that the incident does not come
//! back — each of a kind, tracked Open → In Progress → Done, then verified.

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

/// An open item's owner is reminded this many days before its due day, and on the day.
pub const REMINDED_DAYS_BEFORE: i64 = 2;

/// When the owner of an item due on `due` is next reminded after `now`: at the start
/// (UTC, as due days are written) of the day [`REMINDED_DAYS_BEFORE`] before it, then of
/// the due day itself; none once the due day has begun.
pub fn next_reminder(due: Date, now: Timestamp) -> Option<Timestamp> {
    let start = |day: Date| day.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp());
    let before = due.checked_sub(REMINDED_DAYS_BEFORE.days()).ok();
    [before.and_then(start), start(due)]
        .into_iter()
        .flatten()
        .find(|at| *at > now)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Fix,
    Monitoring,
    Documentation,
    Runbook,
    Process,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActionStatus {
    Open,
    #[serde(rename = "In Progress")]
    InProgress,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} '{given}' is not allowed: use {allowed}")]
pub struct UnknownActionValue {
    pub what: &'static str,
    pub given: String,
    pub allowed: &'static str,
}

/// Letters and digits only, lowercased: "In Progress", "in_progress" and "in-progress"
/// read alike.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

impl ActionKind {
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Fix,
        ActionKind::Monitoring,
        ActionKind::Documentation,
        ActionKind::Runbook,
        ActionKind::Process,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Fix => "fix",
            ActionKind::Monitoring => "monitoring",
            ActionKind::Documentation => "documentation",
            ActionKind::Runbook => "runbook",
            ActionKind::Process => "process",
        }
    }

    pub fn parse(text: &str) -> Result<Self, UnknownActionValue> {
        let squashed = squash(text);
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == squashed)
            .ok_or_else(|| UnknownActionValue {
                what: "action item kind",
                given: text.to_string(),
                allowed: "fix, monitoring, documentation, runbook or process",
            })
    }
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 3] = [
        ActionStatus::Open,
        ActionStatus::InProgress,
        ActionStatus::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "Open",
            ActionStatus::InProgress => "In Progress",
            ActionStatus::Done => "Done",
        }
    }

    pub fn parse(text: &str) -> Result<Self, UnknownActionValue> {
        let squashed = squash(text);
        Self::ALL
            .into_iter()
            .find(|s| squash(s.as_str()) == squashed)
            .ok_or_else(|| UnknownActionValue {
                what: "action item status",
                given: text.to_string(),
                allowed: "Open, In Progress or Done",
            })
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn owners_are_reminded_two_days_before_and_on_the_day() {
        let due: Date = "2026-12-01".parse().unwrap();
        assert_eq!(
            next_reminder(due, at("2026-11-22T10:00:00Z")),
            Some(at("2026-11-29T00:00:00Z"))
        );
        assert_eq!(
            next_reminder(due, at("2026-11-29T00:00:00Z")),
            Some(at("2026-12-01T00:00:00Z")),
            "the reminder at that moment is the one being sent"
        );
        assert_eq!(
            next_reminder(due, at("2026-11-30T23:59:59Z")),
            Some(at("2026-12-01T00:00:00Z"))
        );
        assert_eq!(next_reminder(due, at("2026-12-01T00:00:00Z")), None);
        assert_eq!(next_reminder(due, at("2026-12-05T08:00:00Z")), None);
    }

    #[test]
    fn kinds_and_statuses_read_as_people_write_them() {
        for kind in ActionKind::ALL {
            assert_eq!(ActionKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(ActionKind::parse("Runbook"), Ok(ActionKind::Runbook));
        for status in ActionStatus::ALL {
            assert_eq!(ActionStatus::parse(status.as_str()), Ok(status));
        }
        assert_eq!(
            ActionStatus::parse("in_progress"),
            Ok(ActionStatus::InProgress)
        );
        assert_eq!(
            ActionKind::parse("chore").unwrap_err().to_string(),
            "action item kind 'chore' is not allowed: use fix, monitoring, documentation, runbook or process"
        );
        assert_eq!(
            ActionStatus::parse("closed").unwrap_err().to_string(),
            "action item status 'closed' is not allowed: use Open, In Progress or Done"
        );
    }
}
