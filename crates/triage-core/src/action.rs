//! Action items: what a post-mortem says must change so that the incident does not come
//! back — each of a kind, tracked Open → In Progress → Done, then verified.

use std::fmt;

use serde::{Deserialize, Serialize};

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
