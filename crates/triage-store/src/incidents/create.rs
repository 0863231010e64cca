//! Opening an incident: the next key for the prefix, the initial status, the first
//! timeline event. People open incidents through [`Store::create_incident`]; alerts open
//! them inside their own write through [`insert_incident`].

use jiff::Timestamp;
use sqlx::AnyConnection;
use triage_core::incident::{parse_names, parse_summary, parse_text};
use triage_core::timeline::EventData;
use triage_core::workflow::Category;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::StoreResult;
use crate::model::Incident;
use crate::paging::{By, follow_change};
use crate::sql::{Statements, Value, placeholders};
use crate::time::to_db;
use crate::updates::push_status_change;
use crate::users::user_id;

use super::NewIncident;
use super::recurrence::flag_recurrence;
use super::timeline::push_event;

impl Store {
    pub async fn create_incident(
        &self,
        new: NewIncident,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        // Checked before the write, so bad input never queues behind other writes.
        check(&new)?;
        let store = self.clone();
        let actor_id = actor.user_id;
        self.write_incident(move |connection| {
            Box::pin(async move {
                let id = insert_incident(connection, &store, &new, Some(actor_id), now).await?;
                flag_recurrence(connection, id, None, now).await?;
                Ok(id)
            })
        })
        .await
    }
}

fn check(new: &NewIncident) -> StoreResult<()> {
    parse_summary(&new.summary)?;
    parse_text("description", &new.description)?;
    parse_names("service", &new.services)?;
    parse_names("label", &new.labels)?;
    Ok(())
}

/// Inserts an incident with its first timeline events inside the caller's transaction
/// and answers its row id; `reporter` is the person opening it, none for Triage itself.
pub(crate) async fn insert_incident(
    connection: &mut AnyConnection,
    store: &Store,
    new: &NewIncident,
    reporter: Option<i64>,
    now: Timestamp,
) -> StoreResult<i64> {
    let summary = parse_summary(&new.summary)?;
    let description = parse_text("description", &new.description)?;
    let services = parse_names("service", &new.services)?;
    let labels = parse_names("label", &new.labels)?;
    let options = &store.options;
    let status = options.workflow.initial.clone();
    let category = options.workflow.category_of(&status);
    let assignee = match &new.assignee {
        Some(email) => Some(user_id(connection, email).await?),
        None => None,
    };
    let prefix = &options.key_prefix;
    let number = next_number(connection, prefix).await?;
    let key = format!("{prefix}-{number}");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO incidents (key, number, summary, description, status, \
             status_category, priority, severity, assignee_id, reporter_id, \
             detection_source, detected_at, created_at, updated_at, version, response_due_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 1, $14) \
             RETURNING id",
    )
    .bind(&key)
    .bind(number)
    .bind(&summary)
    .bind(&description)
    .bind(&status)
    .bind(category.as_str())
    .bind(new.priority.map(|p| i64::from(p.rank())))
    .bind(new.severity.map(|s| i64::from(s.rank())))
    .bind(assignee)
    .bind(reporter)
    .bind(new.detection_source.as_str())
    .bind(to_db(new.detected_at.unwrap_or(now)))
    .bind(to_db(now))
    .bind(new.priority.map(|p| {
        to_db(
            options
                .response_times
                .due(p, new.detected_at.unwrap_or(now)),
        )
    }))
    .fetch_one(&mut *connection)
    .await?;
    let mut statements = Statements::default();
    push_names(
        &mut statements,
        "incident_services",
        "service",
        id,
        &services,
    );
    push_names(&mut statements, "incident_labels", "label", id, &labels);
    // A workflow whose first status is already being worked starts the cadence now.
    push_status_change(
        &mut statements,
        id,
        (Category::ToDo, category),
        new.severity,
        &options.update_cadence,
        now,
    );
    let created = EventData::Created {
        summary,
        status,
        priority: new.priority.map(|p| p.to_string()),
        severity: new.severity.map(|s| s.to_string()),
        detection_source: new.detection_source.as_str().to_string(),
    };
    push_event(&mut statements, id, reporter, now, &created)?;
    if let Some(email) = &new.assignee {
        let assigned = EventData::Assigned {
            before: None,
            after: Some(email.trim().to_lowercase()),
        };
        push_event(&mut statements, id, reporter, now, &assigned)?;
    }
    statements.execute(connection).await?;
    // A new incident that pages starts escalating in the same transaction.
    follow_change(connection, &store.wake, id, None, By::default(), now).await?;
    Ok(id)
}

/// Hands out the next number for `prefix` inside the current transaction: never twice,
/// never skipped (a rolled-back creation rolls the counter back too).
async fn next_number(connection: &mut AnyConnection, prefix: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO key_counters (prefix, last) VALUES ($1, 1) \
         ON CONFLICT (prefix) DO UPDATE SET last = key_counters.last + 1 RETURNING last",
    )
    .bind(prefix)
    .fetch_one(&mut *connection)
    .await?)
}

/// Adds the statements that make an incident's services or labels exactly `names`.
pub(crate) fn push_names(
    statements: &mut Statements,
    table: &'static str,
    column: &'static str,
    incident_id: i64,
    names: &[String],
) {
    statements.push(
        &format!("DELETE FROM {table} WHERE incident_id = $1"),
        vec![incident_id.into()],
    );
    if names.is_empty() {
        return;
    }
    let rows: Vec<String> = (0..names.len())
        .map(|i| format!("($1, {})", placeholders(i + 2, 1)))
        .collect();
    let mut values: Vec<Value> = vec![incident_id.into()];
    values.extend(names.iter().map(|n| Value::from(n.as_str())));
    statements.push(
        &format!(
            "INSERT INTO {table} (incident_id, {column}) VALUES {}",
            rows.join(", ")
        ),
        values,
    );
}
