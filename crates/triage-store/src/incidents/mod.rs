//! Incidents: creation, changes, transitions, assignment, comments, links, the timeline
//! and listing. Each change is one transaction that also appends its timeline event(s)
//! and bumps the incident's version.

mod change;
mod comments;
mod create;
mod jql;
mod links;
mod list;
mod load;
mod recurrence;
mod timeline;
mod transition;

use jiff::Timestamp;
use triage_core::incident::DetectionSource;
use triage_core::workflow::Category;
use triage_core::{Priority, Severity};

pub use jql::{JqlContext, JqlPage};
pub use list::{AssigneeFilter, IncidentFilter, ListRequest, MAX_PAGE, SortField, SortOrder};
pub use transition::AvailableTransition;

pub(crate) use create::insert_incident;
pub use load::incident_mark;
pub(crate) use load::load_state as load_incident_state;
pub(crate) use load::{
    category as load_category, priority as load_priority, severity as load_severity,
};
pub(crate) use load::{incident_id, normalize_key};
pub(crate) use recurrence::flag_recurrence;
pub(crate) use timeline::{push_event, push_system_events, push_touch, push_touches};
pub(crate) use transition::move_automatically;

/// What a new incident starts with.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub summary: String,
    pub description: String,
    pub priority: Option<Priority>,
    pub severity: Option<Severity>,
    /// E-mail of the assignee.
    pub assignee: Option<String>,
    pub services: Vec<String>,
    pub labels: Vec<String>,
    pub detection_source: DetectionSource,
    /// When the problem was detected; defaults to now.
    pub detected_at: Option<Timestamp>,
}

/// Field changes; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentChanges {
    pub summary: Option<String>,
    pub description: Option<String>,
    pub priority: Option<Option<Priority>>,
    pub severity: Option<Option<Severity>>,
    pub services: Option<Vec<String>>,
    pub labels: Option<Vec<String>>,
    pub detected_at: Option<Timestamp>,
}

/// A transition request as the store receives it.
#[derive(Debug, Clone, Default)]
pub struct TransitionInput {
    /// Transition or target status name; `None` means "the resolving transition".
    pub name: Option<String>,
    pub comment: Option<String>,
    pub resolution: Option<String>,
}

/// Rows an incident's row carries that decisions need.
#[derive(Debug, Clone)]
pub(crate) struct IncidentState {
    pub id: i64,
    pub key: String,
    pub status: String,
    pub category: Category,
    pub priority: Option<Priority>,
    pub severity: Option<Severity>,
    pub assignee_id: Option<i64>,
    pub assignee_email: Option<String>,
    pub description: String,
    pub service_count: i64,
    pub label_count: i64,
    pub version: i64,
}
