//! Changing an incident's fields and its assignee, with optimistic concurrency: a caller
//! that passes the version it saw is refused if the incident moved on since.

use jiff::Timestamp;
use triage_core::incident::{parse_names, parse_summary, parse_text};
use triage_core::timeline::EventData;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::model::Incident;
use crate::paging::{follow_edit, load_paging};
use crate::sql::{Statements, Value};
use crate::time::to_db;
use crate::updates::push_severity_change;
use crate::users::user_id;

use super::create::push_names;
use super::load::{load_incident, load_state};
use super::timeline::{push_event, push_touch};
use super::{IncidentChanges, IncidentState};
use crate::postgres::lock_incidents;

impl Store {
    /// Applies `changes`; one timeline event per field that really changed. Nothing
    /// changes (not even the version) when every value is already as asked.
    pub async fn update_incident(
        &self,
        key: &str,
        changes: IncidentChanges,
        expected_version: Option<i64>,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        let summary = changes.summary.as_deref().map(parse_summary).transpose()?;
        let description = changes
            .description
            .as_deref()
            .map(|d| parse_text("description", d))
            .transpose()?;
        let services = changes
            .services
            .as_deref()
            .map(|s| parse_names("service", s))
            .transpose()?;
        let labels = changes
            .labels
            .as_deref()
            .map(|l| parse_names("label", l))
            .transpose()?;
        let key = key.to_string();
        let actor_id = actor.user_id;
        let times = self.options.response_times;
        let cadence = self.options.update_cadence;
        let wake = self.wake.clone();
        self.write_incident(move |connection| {
            Box::pin(async move {
                lock_incidents(connection, std::slice::from_ref(&key)).await?;
                let state = load_state(connection, &key).await?;
                check_version(&state, expected_version)?;
                let current = load_incident(connection, state.id).await?;
                let before = load_paging(connection, state.id).await?.facts;
                let mut statements = Statements::default();
                let mut events = Vec::new();
                let mut changed = |field: &str, before: Option<String>, after: Option<String>| {
                    let differs = before != after;
                    if differs {
                        events.push(EventData::FieldChanged {
                            field: field.to_string(),
                            before,
                            after,
                        });
                    }
                    differs
                };
                if let Some(summary) = &summary
                    && changed(
                        "summary",
                        Some(current.summary.clone()),
                        Some(summary.clone()),
                    )
                {
                    push_column(
                        &mut statements,
                        state.id,
                        "summary",
                        summary.as_str().into(),
                    );
                }
                if let Some(description) = &description
                    && changed(
                        "description",
                        non_empty(&current.description),
                        non_empty(description),
                    )
                {
                    push_column(
                        &mut statements,
                        state.id,
                        "description",
                        description.as_str().into(),
                    );
                }
                if let Some(priority) = changes.priority
                    && changed(
                        "priority",
                        current.priority.map(|p| p.to_string()),
                        priority.map(|p| p.to_string()),
                    )
                {
                    let rank = priority.map(|p| i64::from(p.rank()));
                    push_column(&mut statements, state.id, "priority", rank.into());
                }
                if let Some(severity) = changes.severity
                    && changed(
                        "severity",
                        current.severity.map(|s| s.to_string()),
                        severity.map(|s| s.to_string()),
                    )
                {
                    let rank = severity.map(|s| i64::from(s.rank()));
                    push_column(&mut statements, state.id, "severity", rank.into());
                    push_severity_change(
                        &mut statements,
                        state.id,
                        state.category,
                        severity,
                        &cadence,
                        now,
                    );
                }
                if let Some(detected_at) = changes.detected_at
                    && changed(
                        "detected_at",
                        Some(current.detected_at.to_string()),
                        Some(detected_at.to_string()),
                    )
                {
                    push_column(
                        &mut statements,
                        state.id,
                        "detected_at",
                        to_db(detected_at).into(),
                    );
                }
                // A new priority or detection time moves the response deadline.
                if changes.priority.is_some() || changes.detected_at.is_some() {
                    let priority = changes.priority.unwrap_or(current.priority);
                    let detected = changes.detected_at.unwrap_or(current.detected_at);
                    let due = priority.map(|p| to_db(times.due(p, detected)));
                    push_column(&mut statements, state.id, "response_due_at", due.into());
                }
                if let Some(services) = &services
                    && changed("services", joined(&current.services), joined(services))
                {
                    push_names(
                        &mut statements,
                        "incident_services",
                        "service",
                        state.id,
                        services,
                    );
                }
                if let Some(labels) = &labels
                    && changed("labels", joined(&current.labels), joined(labels))
                {
                    push_names(
                        &mut statements,
                        "incident_labels",
                        "label",
                        state.id,
                        labels,
                    );
                }
                if events.is_empty() {
                    return Ok(state.id);
                }
                for event in &events {
                    push_event(&mut statements, state.id, Some(actor_id), now, event)?;
                }
                push_touch(&mut statements, state.id, now);
                statements.execute(connection).await?;
                // A new priority or services may start or end the escalation.
                follow_edit(connection, &wake, state.id, &before, now).await?;
                Ok(state.id)
            })
        })
        .await
    }

    /// Assigns the incident to `email`, or unassigns it with `None`.
    pub async fn assign_incident(
        &self,
        key: &str,
        email: Option<String>,
        expected_version: Option<i64>,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        let key = key.to_string();
        let actor_id = actor.user_id;
        self.write_incident(move |connection| {
            Box::pin(async move {
                lock_incidents(connection, std::slice::from_ref(&key)).await?;
                let state = load_state(connection, &key).await?;
                check_version(&state, expected_version)?;
                let assignee = match &email {
                    Some(email) => Some(user_id(connection, email).await?),
                    None => None,
                };
                if assignee == state.assignee_id {
                    return Ok(state.id);
                }
                let mut statements = Statements::default();
                push_column(&mut statements, state.id, "assignee_id", assignee.into());
                let event = EventData::Assigned {
                    before: state.assignee_email.clone(),
                    after: email.map(|e| e.trim().to_lowercase()),
                };
                push_event(&mut statements, state.id, Some(actor_id), now, &event)?;
                push_touch(&mut statements, state.id, now);
                statements.execute(connection).await?;
                Ok(state.id)
            })
        })
        .await
    }
}

/// Refuses a stale write: the caller saw `expected`, the incident is at another version.
pub(crate) fn check_version(state: &IncidentState, expected: Option<i64>) -> StoreResult<()> {
    match expected {
        Some(expected) if expected != state.version => Err(StoreError::StaleVersion {
            key: state.key.clone(),
            expected,
            actual: state.version,
        }),
        _ => Ok(()),
    }
}

/// Adds the statement that sets one column of an incident. `column` is always a literal
/// from this crate.
fn push_column(statements: &mut Statements, id: i64, column: &'static str, value: Value) {
    statements.push(
        &format!("UPDATE incidents SET {column} = $1 WHERE id = $2"),
        vec![value, id.into()],
    );
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

fn joined(names: &[String]) -> Option<String> {
    (!names.is_empty()).then(|| names.join(", "))
}
