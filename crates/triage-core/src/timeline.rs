//! The timeline vocabulary: what can happen to an incident, with before and after.
//!
//! Every change to an incident appends one of these in the same transaction as the
//! change; they are never updated or deleted. [`EventData::describe`] turns one into the
//! sentence a person reads in the CLI and the console.

use serde::{Deserialize, Serialize};

use crate::link::{LinkDirection, LinkType};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventData {
    Created {
        summary: String,
        status: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        priority: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        severity: Option<String>,
        detection_source: String,
    },
    StatusChanged {
        transition: String,
        from: String,
        to: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    FieldChanged {
        field: String,
        before: Option<String>,
        after: Option<String>,
    },
    Assigned {
        before: Option<String>,
        after: Option<String>,
    },
    Commented {
        comment_id: i64,
        body: String,
    },
    Linked {
        link_id: i64,
        link_type: LinkType,
        direction: LinkDirection,
        other: String,
    },
    Unlinked {
        link_id: i64,
        link_type: LinkType,
        direction: LinkDirection,
        other: String,
    },
}

impl EventData {
    /// The stored kind, e.g. `status_changed`.
    pub fn kind(&self) -> &'static str {
        match self {
            EventData::Created { .. } => "created",
            EventData::StatusChanged { .. } => "status_changed",
            EventData::FieldChanged { .. } => "field_changed",
            EventData::Assigned { .. } => "assigned",
            EventData::Commented { .. } => "commented",
            EventData::Linked { .. } => "linked",
            EventData::Unlinked { .. } => "unlinked",
        }
    }

    /// What happened, as a sentence that follows the actor's name:
    /// "moved Investigating → In Progress: Root cause identified".
    pub fn describe(&self) -> String {
        match self {
            EventData::Created {
                summary, status, ..
            } => format!("created the incident ({status}): {summary}"),
            EventData::StatusChanged {
                from,
                to,
                resolution,
                comment,
                ..
            } => {
                let mut text = format!("moved {from} → {to}");
                if let Some(resolution) = resolution {
                    text.push_str(&format!(" (resolution: {resolution})"));
                }
                if let Some(comment) = comment {
                    text.push_str(&format!(": {comment}"));
                }
                text
            }
            EventData::FieldChanged {
                field,
                before,
                after,
            } => match (before, after) {
                (None, Some(after)) => format!("set {field} to {after}"),
                (Some(before), None) => format!("cleared {field} (was {before})"),
                (Some(before), Some(after)) => format!("changed {field} from {before} to {after}"),
                (None, None) => format!("changed {field}"),
            },
            EventData::Assigned { before, after } => match (before, after) {
                (_, Some(after)) => format!("assigned the incident to {after}"),
                (Some(before), None) => format!("unassigned {before}"),
                (None, None) => "left the incident unassigned".to_string(),
            },
            EventData::Commented { body, .. } => format!("commented: {body}"),
            EventData::Linked {
                link_type,
                direction,
                other,
                ..
            } => format!("linked: {} {other}", link_type.phrase(*direction)),
            EventData::Unlinked {
                link_type,
                direction,
                other,
                ..
            } => format!("removed link: {} {other}", link_type.phrase(*direction)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_change_reads_as_a_sentence() {
        let event = EventData::StatusChanged {
            transition: "In Progress".into(),
            from: "Investigating".into(),
            to: "In Progress".into(),
            resolution: None,
            comment: Some("Root cause identified: pool exhausted".into()),
        };
        assert_eq!(
            event.describe(),
            "moved Investigating → In Progress: Root cause identified: pool exhausted"
        );
        assert_eq!(event.kind(), "status_changed");
    }

    #[test]
    fn stored_form_round_trips() {
        let event = EventData::Linked {
            link_id: 3,
            link_type: LinkType::Blocks,
            direction: LinkDirection::Inward,
            other: "INC-2".into(),
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"linked","link_id":3,"link_type":"blocks","direction":"inward","other":"INC-2"}"#
        );
        assert_eq!(serde_json::from_str::<EventData>(&json).unwrap(), event);
        assert_eq!(event.describe(), "linked: is blocked by INC-2");
    }
}
