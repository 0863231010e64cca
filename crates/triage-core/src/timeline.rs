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
    /// Alerts started firing into the incident (one event per delivery).
    AlertsFired {
        source: String,
        count: u64,
        /// The first few alerts' summaries.
        summaries: Vec<String>,
    },
    /// Alerts of the incident resolved; `still_firing` says how many have not.
    AlertsResolved {
        source: String,
        count: u64,
        summaries: Vec<String>,
        still_firing: u64,
    },
    /// Someone acknowledged the incident, in Triage or through a sender.
    Acknowledged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<String>,
    },
    /// An automatic move the service asked for could not be made.
    AutomationStopped {
        goal: String,
        reason: String,
    },
    /// A level of the escalation policy paged people (or found nobody on call).
    Paged {
        /// 1 first.
        level: u32,
        /// 1 first; more when the policy repeats.
        pass: u32,
        users: Vec<String>,
        /// Schedules with nobody on call, and people who could not be paged.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        nobody: Vec<String>,
    },
    /// A notification reached someone, or failed (and is retried unless `gave_up`).
    Notified {
        user: String,
        method: String,
        attempt: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(default)]
        gave_up: bool,
    },
    /// The escalation stopped: acknowledged, resolved, or every level paged.
    EscalationEnded {
        reason: String,
    },
    /// Notifications queued and not sent yet were dropped: the incident stopped paging.
    NotificationsDropped {
        count: u64,
        reason: String,
    },
    /// Someone moved the escalation on by hand: the next level pages now.
    EscalatedByHand,
    /// An acknowledgement was not followed by progress in time: paging starts over.
    AcknowledgementLapsed {
        after: String,
    },
    /// Nobody acknowledged within the priority's response time.
    ResponseBreached {
        priority: String,
        due: String,
    },
    /// An update was posted to the public status page about this incident.
    PublicUpdate {
        public_id: i64,
        status: String,
        body: String,
    },
    /// The commander told the incident's stakeholders how it stands.
    StakeholderUpdate {
        update_id: i64,
        message: String,
        /// Who it went to: "group sre", "slack hooks.slack.com", …
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        recipients: Vec<String>,
        /// The next update promised, as said: "2026-11-23 10:30 UTC".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_update: Option<String>,
    },
    /// A stakeholder update was due and none came: the commander was reminded.
    UpdateOverdue {
        due: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reminded: Vec<String>,
    },
    /// Someone was added to, or removed from, those who hear of the incident.
    StakeholderAdded {
        stakeholder: String,
    },
    StakeholderRemoved {
        stakeholder: String,
    },
    /// An action item was added, changed, done or verified.
    ActionItem {
        id: i64,
        title: String,
        /// added, changed, done, reopened, verified or reminded (its owner, of its due day).
        action: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// The incident is the problem of an earlier one come back; `failed` are the earlier
    /// incident's finished action items, which did not prevent it.
    Recurrence {
        of: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        failed: Vec<String>,
    },
    /// The incident's problem came back as a later one.
    Recurred {
        incident: String,
    },
    /// The post-mortem was drafted, sent for review, published or reopened.
    Postmortem {
        revision: u32,
        /// drafted, review, publish or reopen.
        action: String,
    },
}

/// How many alert summaries a timeline event lists.
pub const SUMMARIES_LISTED: usize = 5;

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
            EventData::AlertsFired { .. } => "alerts_fired",
            EventData::AlertsResolved { .. } => "alerts_resolved",
            EventData::Acknowledged { .. } => "acknowledged",
            EventData::AutomationStopped { .. } => "automation_stopped",
            EventData::Paged { .. } => "paged",
            EventData::Notified { .. } => "notified",
            EventData::EscalationEnded { .. } => "escalation_ended",
            EventData::NotificationsDropped { .. } => "notifications_dropped",
            EventData::ResponseBreached { .. } => "response_breached",
            EventData::AcknowledgementLapsed { .. } => "acknowledgement_lapsed",
            EventData::EscalatedByHand => "escalated",
            EventData::PublicUpdate { .. } => "public_update",
            EventData::StakeholderUpdate { .. } => "stakeholder_update",
            EventData::UpdateOverdue { .. } => "update_overdue",
            EventData::StakeholderAdded { .. } => "stakeholder_added",
            EventData::StakeholderRemoved { .. } => "stakeholder_removed",
            EventData::Postmortem { .. } => "postmortem",
            EventData::ActionItem { .. } => "action_item",
            EventData::Recurrence { .. } => "recurrence",
            EventData::Recurred { .. } => "recurred",
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
            EventData::AlertsFired {
                source,
                count,
                summaries,
            } => format!(
                "received {} from {source}: {}",
                alerts(*count, "firing alert"),
                listed(*count, summaries)
            ),
            EventData::AlertsResolved {
                source,
                count,
                summaries,
                still_firing,
            } => {
                let left = match still_firing {
                    0 => "every alert has resolved".to_string(),
                    n => format!("{} still firing", alerts(*n, "alert")),
                };
                format!(
                    "saw {} resolve ({source}): {}; {left}",
                    alerts(*count, "alert"),
                    listed(*count, summaries)
                )
            }
            EventData::Acknowledged { via } => match via {
                Some(via) => format!("acknowledged the incident (via {via})"),
                None => "acknowledged the incident".to_string(),
            },
            EventData::AutomationStopped { goal, reason } => {
                format!("did not move the incident to {goal}: {reason}")
            }
            EventData::Paged {
                level,
                pass,
                users,
                nobody,
            } => {
                let round = if *pass > 1 {
                    format!(", pass {pass}")
                } else {
                    String::new()
                };
                let mut text = if users.is_empty() {
                    format!("paged nobody (level {level}{round})")
                } else {
                    format!("paged {} (level {level}{round})", users.join(", "))
                };
                if !nobody.is_empty() {
                    text.push_str(&format!(": nobody on call in {}", nobody.join(", ")));
                }
                text
            }
            EventData::Notified {
                user,
                method,
                attempt,
                error,
                gave_up,
            } => match (error, gave_up) {
                (None, _) => format!("notified {user} by {method}"),
                (Some(error), false) => format!(
                    "could not notify {user} by {method} (attempt {attempt}): {error}; will retry"
                ),
                (Some(error), true) => format!(
                    "gave up notifying {user} by {method} after {attempt} attempts: {error}"
                ),
            },
            EventData::EscalationEnded { reason } => format!("ended the escalation: {reason}"),
            EventData::NotificationsDropped { count, reason } => format!(
                "dropped {count} queued notification{}: {reason}",
                if *count == 1 { "" } else { "s" }
            ),
            EventData::EscalatedByHand => {
                "escalated the incident: the next level pages now".to_string()
            }
            EventData::AcknowledgementLapsed { after } => format!(
                "let the acknowledgement lapse: no transition or comment in {after}; paging again from level 1"
            ),
            EventData::ResponseBreached { priority, due } => format!(
                "recorded a breach of the {priority} response time: not acknowledged by {due}"
            ),
            EventData::PublicUpdate { status, body, .. } => {
                format!("posted to the status page ({status}): {body}")
            }
            EventData::StakeholderUpdate {
                message,
                recipients,
                next_update,
                ..
            } => {
                let mut text = format!("updated the stakeholders: {message}");
                if !recipients.is_empty() {
                    text.push_str(&format!(" (to {})", recipients.join(", ")));
                }
                if let Some(next) = next_update {
                    text.push_str(&format!("; next update by {next}"));
                }
                text
            }
            EventData::UpdateOverdue { due, reminded } => {
                let whom = if reminded.is_empty() {
                    "nobody to remind: the incident has no assignee".to_string()
                } else {
                    format!("reminded {}", reminded.join(", "))
                };
                format!("recorded an overdue stakeholder update, due {due}; {whom}")
            }
            EventData::StakeholderAdded { stakeholder } => {
                format!("added {stakeholder} to the stakeholders")
            }
            EventData::StakeholderRemoved { stakeholder } => {
                format!("removed {stakeholder} from the stakeholders")
            }
            EventData::ActionItem {
                id,
                title,
                action,
                detail,
            } => {
                let what = match action.as_str() {
                    "added" => "added action item",
                    "done" => "finished action item",
                    "reopened" => "reopened action item",
                    "verified" => "verified action item",
                    "reminded" => "reminded the owner of action item",
                    _ => "changed action item",
                };
                match detail {
                    Some(detail) => format!("{what} #{id} \"{title}\": {detail}"),
                    None => format!("{what} #{id} \"{title}\""),
                }
            }
            EventData::Recurrence { of, failed } if failed.is_empty() => {
                format!(
                    "flagged this incident as a recurrence of {of}; it had no finished action items"
                )
            }
            EventData::Recurrence { of, failed } => format!(
                "flagged this incident as a recurrence of {of}; its action items did not prevent it: {}",
                failed.join(", ")
            ),
            EventData::Recurred { incident } => {
                format!("recorded that the problem came back as {incident}")
            }
            EventData::Postmortem { revision, action } => match action.as_str() {
                "drafted" => "drafted the post-mortem from the timeline".to_string(),
                "review" => "sent the post-mortem for review".to_string(),
                "publish" => format!("published the post-mortem (revision {revision})"),
                "reopen" => format!("reopened the post-mortem as revision {revision}"),
                other => format!("changed the post-mortem ({other})"),
            },
        }
    }
}

fn alerts(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The summaries, and how many more there were.
fn listed(count: u64, summaries: &[String]) -> String {
    let shown = summaries.join("; ");
    let more = count.saturating_sub(summaries.len() as u64);
    if more == 0 {
        shown
    } else {
        format!("{shown} (and {more} more)")
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
    fn alert_events_read_as_sentences() {
        let fired = EventData::AlertsFired {
            source: "alertmanager".into(),
            count: 7,
            summaries: vec!["Disk full on db01".into(), "Disk full on db02".into()],
        };
        assert_eq!(
            fired.describe(),
            "received 7 firing alerts from alertmanager: Disk full on db01; Disk full on db02 (and 5 more)"
        );
        let resolved = EventData::AlertsResolved {
            source: "pagerduty".into(),
            count: 1,
            summaries: vec!["DB down".into()],
            still_firing: 0,
        };
        assert_eq!(
            resolved.describe(),
            "saw 1 alert resolve (pagerduty): DB down; every alert has resolved"
        );
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
