//! What the store hands out: the shapes of incidents, comments, events, users and
//! tokens as the API serves them (and the CLI reads them back).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use triage_core::cadence::Kept;
use triage_core::incident::DetectionSource;
use triage_core::link::{LinkDirection, LinkType};
use triage_core::role::Role;
use triage_core::workflow::Category;
use triage_core::{Priority, Severity};

/// A person as other records refer to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// The row id: stable, never reused; what Jira clients call the issue id.
    pub id: i64,
    pub key: String,
    pub summary: String,
    pub description: String,
    pub status: String,
    pub status_category: Category,
    pub priority: Option<Priority>,
    pub severity: Option<Severity>,
    pub assignee: Option<UserRef>,
    pub reporter: Option<UserRef>,
    pub resolution: Option<String>,
    pub services: Vec<String>,
    pub labels: Vec<String>,
    pub detection_source: DetectionSource,
    pub detected_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    /// When someone first acknowledged it (in Triage or through a sender).
    pub acknowledged_at: Option<Timestamp>,
    /// When an acknowledgement is due under the priority's response time.
    pub response_due_at: Option<Timestamp>,
    /// When the response deadline passed unacknowledged, if it did.
    pub response_breached_at: Option<Timestamp>,
    /// When the next stakeholder update is due while it is being worked (none when its
    /// severity asks for none, or it is not in an In Progress status).
    pub update_due_at: Option<Timestamp>,
    /// Since when an update is overdue; none while the cadence is kept.
    pub update_overdue_at: Option<Timestamp>,
    /// Update intervals kept and missed.
    pub update_cadence: Kept,
    pub version: i64,
    pub links: Vec<IncidentLink>,
    /// The key of the earlier incident this one is the problem of, come back.
    pub recurrence_of: Option<String>,
}

/// A link as seen from one of its incidents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentLink {
    pub id: i64,
    #[serde(rename = "type")]
    pub link_type: LinkType,
    pub direction: LinkDirection,
    /// How it reads from this side: "blocks", "is blocked by", "relates to", …
    pub relation: String,
    pub incident: LinkedIncident,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedIncident {
    pub id: i64,
    pub key: String,
    pub summary: String,
    pub status: String,
    pub status_category: Category,
    pub priority: Option<Priority>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub author: UserRef,
    pub body: String,
    pub created_at: Timestamp,
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub at: Timestamp,
    pub actor: Option<UserRef>,
    pub kind: String,
    /// The event's details (before/after values and so on), by kind.
    pub data: serde_json::Value,
    /// The event as a sentence: "Alice moved Investigating → In Progress: …".
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub groups: Vec<String>,
    pub active: bool,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub description: String,
    pub members: Vec<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub user: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// One page of a list, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
