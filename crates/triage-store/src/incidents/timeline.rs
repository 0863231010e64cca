//! Appending to and reading the timeline. Appends join the statements of the change
//! they record, so they commit together; nothing here updates or deletes (the schema
//! forbids it anyway).

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;
use sqlx::Row;
use triage_core::timeline::EventData;

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::model::{Event, UserRef};
use crate::postgres::is_postgres;
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
        "INSERT INTO events (incident_id, actor_id, at, kind, data, sentence) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            incident_id.into(),
            actor_id.into(),
            to_db(at).into(),
            event.kind().into(),
            data.into(),
            event.describe().into(),
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
    const COLUMNS: usize = 5;
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
                event.describe().into(),
            ]);
        }
        statements.push(
            &format!(
                "INSERT INTO events (incident_id, at, kind, data, sentence, actor_id) VALUES {}",
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

/// One timeline entry as a sentence only: what a post-mortem's timeline is written from.
pub(crate) struct Line {
    pub at: Timestamp,
    /// The actor's name; none for Triage itself.
    pub actor: Option<String>,
    pub kind: String,
    pub text: String,
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

    /// Incident `id`'s timeline as sentences, oldest first, read lean for a long
    /// incident's ten thousand events: each event's kept sentence rather than its JSON,
    /// and the few people in it looked up once.
    pub(crate) async fn timeline_lines(&self, id: i64) -> StoreResult<Vec<Line>> {
        let mut connection = self.read.acquire().await?;
        let people: HashMap<i64, String> = sqlx::query_as(
            "SELECT id, display_name FROM users WHERE id IN \
             (SELECT DISTINCT actor_id FROM events WHERE incident_id = $1)",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await?
        .into_iter()
        .collect();
        // The sentence kept with each event; the data only of events written without one.
        // PostgreSQL streams rows faster than it builds JSON; SQLite's driver costs
        // microseconds a row, so SQLite answers one JSON array.
        type Said = (i64, String, Option<String>, Option<EventData>, Option<i64>);
        let rows: Vec<Said> = if is_postgres(&connection) {
            type Row = (i64, String, Option<String>, Option<String>, Option<i64>);
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT at, kind, sentence, CASE WHEN sentence IS NULL THEN data END, \
                     actor_id FROM events WHERE incident_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(&mut *connection)
            .await?;
            rows.into_iter()
                .map(|(at, kind, said, data, actor)| {
                    let event = data
                        .map(|data| serde_json::from_str(&data))
                        .transpose()
                        .map_err(unreadable)?;
                    Ok((at, kind, said, event, actor))
                })
                .collect::<StoreResult<_>>()?
        } else {
            let text: String = sqlx::query_scalar(
                "SELECT json_group_array(json_array(at, kind, sentence, \
                 CASE WHEN sentence IS NULL THEN json(data) END, actor_id) ORDER BY id) \
                 FROM events WHERE incident_id = $1",
            )
            .bind(id)
            .fetch_one(&mut *connection)
            .await?;
            serde_json::from_str(&text).map_err(unreadable)?
        };
        rows.into_iter()
            .map(|(at, kind, said, event, actor)| {
                let actor = actor.and_then(|a| people.get(&a).cloned());
                let said = match (said, event) {
                    (Some(said), _) => said,
                    (None, Some(event)) => event.describe(),
                    (None, None) => {
                        return Err(StoreError::Invalid(format!(
                            "a stored timeline event of this incident (at {}) has neither its sentence nor its data; the database may be damaged",
                            from_db(at).map_or_else(|_| at.to_string(), |t| t.to_string())
                        )));
                    }
                };
                Ok(Line {
                    at: from_db(at)?,
                    text: sentence(actor.as_deref(), &said),
                    actor,
                    kind,
                })
            })
            .collect()
    }
}

fn unreadable(error: serde_json::Error) -> StoreError {
    StoreError::Invalid(format!("stored event is unreadable: {error}"))
}

/// What the event `said` (`EventData::describe`) after its actor's name (Triage's own without one).
fn sentence(actor: Option<&str>, said: &str) -> String {
    format!("{} {said}", actor.unwrap_or("Triage"))
}

fn event_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Event> {
    let data: String = row.try_get("data")?;
    // Read once as JSON, and the event from that (borrowed).
    let value: serde_json::Value = serde_json::from_str(&data).map_err(unreadable)?;
    let parsed = EventData::deserialize(&value).map_err(unreadable)?;
    let email: Option<String> = row.try_get("email")?;
    let name: Option<String> = row.try_get("display_name")?;
    let actor = email.zip(name).map(|(email, name)| UserRef { email, name });
    Ok(Event {
        id: row.try_get("id")?,
        at: from_db(row.try_get("at")?)?,
        kind: row.try_get("kind")?,
        text: sentence(actor.as_ref().map(|a| a.name.as_str()), &parsed.describe()),
        data: value,
        actor,
    })
}
