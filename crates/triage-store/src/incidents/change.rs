//! Changing an incident's fields and its assignee, with optimistic concurrency: a caller
//! that passes the version it saw is refused if the incident moved on since.

use jiff::Timestamp;
use sqlx::AnyConnection;
use triage_core::incident::{parse_names, parse_summary, parse_text};
use triage_core::timeline::EventData;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::model::Incident;
use crate::time::to_db;
use crate::users::user_id;

use super::create::replace_names;
use super::load::{load_incident, load_state};
use super::timeline::append_event;
use super::{IncidentChanges, IncidentState};

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
        self.write(move |connection| {
            Box::pin(async move {
                let state = load_state(connection, &key).await?;
                check_version(&state, expected_version)?;
                let current = load_incident(connection, state.id).await?;
                let mut events = Vec::new();
                let mut set = |field: &str, before: Option<String>, after: Option<String>| {
                    if before != after {
                        events.push(EventData::FieldChanged {
                            field: field.to_string(),
                            before,
                            after,
                        });
                        true
                    } else {
                        false
                    }
                };
                if let Some(summary) = &summary
                    && set(
                        "summary",
                        Some(current.summary.clone()),
                        Some(summary.clone()),
                    )
                {
                    update_column(connection, state.id, "summary", summary.clone()).await?;
                }
                if let Some(description) = &description
                    && set(
                        "description",
                        non_empty(&current.description),
                        non_empty(description),
                    )
                {
                    update_column(connection, state.id, "description", description.clone()).await?;
                }
                if let Some(priority) = changes.priority
                    && set(
                        "priority",
                        current.priority.map(|p| p.to_string()),
                        priority.map(|p| p.to_string()),
                    )
                {
                    update_column(
                        connection,
                        state.id,
                        "priority",
                        priority.map(|p| i64::from(p.rank())),
                    )
                    .await?;
                }
                if let Some(severity) = changes.severity
                    && set(
                        "severity",
                        current.severity.map(|s| s.to_string()),
                        severity.map(|s| s.to_string()),
                    )
                {
                    update_column(
                        connection,
                        state.id,
                        "severity",
                        severity.map(|s| i64::from(s.rank())),
                    )
                    .await?;
                }
                if let Some(detected_at) = changes.detected_at
                    && set(
                        "detected_at",
                        Some(current.detected_at.to_string()),
                        Some(detected_at.to_string()),
                    )
                {
                    update_column(connection, state.id, "detected_at", to_db(detected_at)).await?;
                }
                if let Some(services) = &services
                    && set("services", joined(&current.services), joined(services))
                {
                    replace_names(
                        connection,
                        "incident_services",
                        "service",
                        state.id,
                        services,
                    )
                    .await?;
                }
                if let Some(labels) = &labels
                    && set("labels", joined(&current.labels), joined(labels))
                {
                    replace_names(connection, "incident_labels", "label", state.id, labels).await?;
                }
                if events.is_empty() {
                    return Ok(current);
                }
                for event in &events {
                    append_event(connection, state.id, actor_id, now, event).await?;
                }
                touch(connection, state.id, now).await?;
                load_incident(connection, state.id).await
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
        self.write(move |connection| {
            Box::pin(async move {
                let state = load_state(connection, &key).await?;
                check_version(&state, expected_version)?;
                let assignee = match &email {
                    Some(email) => Some(user_id(connection, email).await?),
                    None => None,
                };
                if assignee == state.assignee_id {
                    return load_incident(connection, state.id).await;
                }
                let before = load_incident(connection, state.id)
                    .await?
                    .assignee
                    .map(|a| a.email);
                update_column(connection, state.id, "assignee_id", assignee).await?;
                let event = EventData::Assigned {
                    before,
                    after: email.map(|e| e.trim().to_lowercase()),
                };
                append_event(connection, state.id, actor_id, now, &event).await?;
                touch(connection, state.id, now).await?;
                load_incident(connection, state.id).await
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

/// Records that the incident changed: a new version and `updated_at`.
pub(crate) async fn touch(
    connection: &mut AnyConnection,
    id: i64,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE incidents SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(to_db(now))
        .bind(id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Sets one column of an incident. `column` is always a literal from this crate.
pub(crate) async fn update_column<T>(
    connection: &mut AnyConnection,
    id: i64,
    column: &'static str,
    value: T,
) -> StoreResult<()>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
{
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE incidents SET {column} = $1 WHERE id = $2"
    )))
    .bind(value)
    .bind(id)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

fn joined(names: &[String]) -> Option<String> {
    (!names.is_empty()).then(|| names.join(", "))
}
