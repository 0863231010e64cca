//! Appending to and reading the timeline. Appends join the statements of the change
//! they record, so they commit together; nothing here updates or deletes (the schema
//! forbids it anyway).

use jiff::Timestamp;
use serde::Deserialize;
use sqlx::Row;
use triage_core::timeline::EventData;

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::model::{Event, UserRef};
use crate::sql::{Statements, Value, placeholders, rows_per_statement};
use crate::time::{from_db, to_db};

use super::load::incident_id;

/// Adds the statement that appends `event` to an incident's timeline; no actor means
/// Triage itself (alerts, automatic moves).
pub(crate) fn push_event(
    statements: &mut Statements,
    incident_id: i64,
    actor_id: Option<i64>,
    at: Timestamp,
    event: &EventData,
) -> StoreResult<()> {
    let data = serde_json::to_string(event)
        .map_err(|e| StoreError::Invalid(format!("event not serializable: {e}")))?;
    statements.push(
        "INSERT INTO events (incident_id, actor_id, at, kind, data) VALUES ($1, $2, $3, $4, $5)",
        vec![
            incident_id.into(),
            actor_id.into(),
            to_db(at).into(),
            event.kind().into(),
            data.into(),
        ],
    );
    Ok(())
}

/// Adds the statements that append Triage's own events (no actor) at `at`, each
/// `(incident id, event)`, in order: a few multi-row inserts however many there are.
pub(crate) fn push_system_events(
    statements: &mut Statements,
    at: Timestamp,
    events: &[(i64, EventData)],
) -> StoreResult<()> {
    const COLUMNS: usize = 4;
    for chunk in events.chunks(rows_per_statement(COLUMNS)) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|row| format!("({}, NULL)", placeholders(row * COLUMNS + 1, COLUMNS)))
            .collect();
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * COLUMNS);
        for (incident_id, event) in chunk {
            let data = serde_json::to_string(event)
                .map_err(|e| StoreError::Invalid(format!("event not serializable: {e}")))?;
            values.extend([
                (*incident_id).into(),
                to_db(at).into(),
                event.kind().into(),
                data.into(),
            ]);
        }
        statements.push(
            &format!(
                "INSERT INTO events (incident_id, at, kind, data, actor_id) VALUES {}",
                rows.join(", ")
            ),
            values,
        );
    }
    Ok(())
}

/// Adds the statements that record a change to each of `incident_ids` at once.
pub(crate) fn push_touches(statements: &mut Statements, incident_ids: &[i64], at: Timestamp) {
    for chunk in incident_ids.chunks(rows_per_statement(1)) {
        let mut values: Vec<Value> = vec![to_db(at).into()];
        values.extend(chunk.iter().map(|id| Value::from(*id)));
        statements.push(
            &format!(
                "UPDATE incidents SET version = version + 1, updated_at = $1 WHERE id IN ({})",
                placeholders(2, chunk.len())
            ),
            values,
        );
    }
}

/// Adds the statement that records a change: a new version and `updated_at`.
pub(crate) fn push_touch(statements: &mut Statements, incident_id: i64, at: Timestamp) {
    statements.push(
        "UPDATE incidents SET version = version + 1, updated_at = $1 WHERE id = $2",
        vec![to_db(at).into(), incident_id.into()],
    );
}

impl Store {
    /// The incident's timeline, oldest first.
    pub async fn timeline(&self, key: &str) -> StoreResult<Vec<Event>> {
        let mut connection = self.read.acquire().await?;
        let id = incident_id(&mut connection, key).await?;
        let rows = sqlx::query(
            "SELECT e.id, e.at, e.kind, e.data, u.email, u.display_name FROM events e \
             LEFT JOIN users u ON u.id = e.actor_id WHERE e.incident_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}

fn event_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Event> {
    let data: String = row.try_get("data")?;
    // Read once as JSON, and the event from that (borrowed): long timelines are read
    // whole, for post-mortems.
    let value: serde_json::Value = serde_json::from_str(&data)
        .map_err(|e| StoreError::Invalid(format!("stored event is unreadable: {e}")))?;
    let parsed = EventData::deserialize(&value)
        .map_err(|e| StoreError::Invalid(format!("stored event is unreadable: {e}")))?;
    let email: Option<String> = row.try_get("email")?;
    let name: Option<String> = row.try_get("display_name")?;
    let actor = email.zip(name).map(|(email, name)| UserRef { email, name });
    let who = actor.as_ref().map_or("Triage", |a| a.name.as_str());
    Ok(Event {
        id: row.try_get("id")?,
        at: from_db(row.try_get("at")?)?,
        kind: row.try_get("kind")?,
        text: format!("{who} {}", parsed.describe()),
        data: value,
        actor,
    })
}
