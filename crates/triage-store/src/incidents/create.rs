//! Opening an incident: the next key for the prefix, the initial status, the first
//! timeline event.

use jiff::Timestamp;
use sqlx::{AnyConnection, AssertSqlSafe};
use triage_core::incident::{parse_names, parse_summary, parse_text};
use triage_core::timeline::EventData;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::StoreResult;
use crate::model::Incident;
use crate::time::to_db;
use crate::users::user_id;

use super::NewIncident;
use super::load::load_incident;
use super::timeline::append_event;

impl Store {
    pub async fn create_incident(
        &self,
        new: NewIncident,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        let summary = parse_summary(&new.summary)?;
        let description = parse_text("description", &new.description)?;
        let services = parse_names("service", &new.services)?;
        let labels = parse_names("label", &new.labels)?;
        let prefix = self.key_prefix().to_string();
        let status = self.workflow().initial.clone();
        let category = self.workflow().category_of(&status);
        let actor_id = actor.user_id;
        self.write(move |connection| {
            Box::pin(async move {
                let assignee = match &new.assignee {
                    Some(email) => Some(user_id(connection, email).await?),
                    None => None,
                };
                let number = next_number(connection, &prefix).await?;
                let key = format!("{prefix}-{number}");
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO incidents (key, number, summary, description, status, \
                     status_category, priority, severity, assignee_id, reporter_id, \
                     detection_source, detected_at, created_at, updated_at, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 1) \
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
                .bind(actor_id)
                .bind(new.detection_source.as_str())
                .bind(to_db(new.detected_at.unwrap_or(now)))
                .bind(to_db(now))
                .fetch_one(&mut *connection)
                .await?;
                replace_names(connection, "incident_services", "service", id, &services).await?;
                replace_names(connection, "incident_labels", "label", id, &labels).await?;
                let created = EventData::Created {
                    summary,
                    status,
                    priority: new.priority.map(|p| p.to_string()),
                    severity: new.severity.map(|s| s.to_string()),
                    detection_source: new.detection_source.as_str().to_string(),
                };
                append_event(connection, id, actor_id, now, &created).await?;
                if let Some(email) = &new.assignee {
                    let assigned = EventData::Assigned {
                        before: None,
                        after: Some(email.trim().to_lowercase()),
                    };
                    append_event(connection, id, actor_id, now, &assigned).await?;
                }
                load_incident(connection, id).await
            })
        })
        .await
    }
}

/// Hands out the next number for `prefix` inside the current transaction: never twice,
/// never skipped (a rolled-back creation rolls the counter back too).
async fn next_number(connection: &mut AnyConnection, prefix: &str) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO key_counters (prefix, last) VALUES ($1, 0) ON CONFLICT (prefix) DO NOTHING",
    )
    .bind(prefix)
    .execute(&mut *connection)
    .await?;
    Ok(sqlx::query_scalar(
        "UPDATE key_counters SET last = last + 1 WHERE prefix = $1 RETURNING last",
    )
    .bind(prefix)
    .fetch_one(&mut *connection)
    .await?)
}

/// Replaces an incident's services or labels with `names`.
pub(crate) async fn replace_names(
    connection: &mut AnyConnection,
    table: &'static str,
    column: &'static str,
    incident_id: i64,
    names: &[String],
) -> StoreResult<()> {
    sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE incident_id = $1"
    )))
    .bind(incident_id)
    .execute(&mut *connection)
    .await?;
    for name in names {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} (incident_id, {column}) VALUES ($1, $2)"
        )))
        .bind(incident_id)
        .bind(name)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}
