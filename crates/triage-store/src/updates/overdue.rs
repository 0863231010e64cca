//! Overdue stakeholder updates: when a working incident's next update is due and none
//! came, the miss is counted and recorded on its timeline at that moment, and its
//! assignee (the commander) is reminded through their contact methods — again each
//! interval until an update is posted. Like a response breach, a reminder is a record
//! of what happened, not a change to the incident: its version stays. On PostgreSQL a
//! due reminder is claimed by one server.

use jiff::Timestamp;
use serde_json::json;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::cadence::Cadence;
use triage_core::timeline::EventData;
use triage_core::workflow::Category;

use crate::db::Store;
use crate::error::StoreResult;
use crate::incidents::{load_priority, load_severity, push_event};
use crate::paging::{Notification, Purpose, Queued, incident_json, queue, run_each};
use crate::postgres::is_postgres;
use crate::sql::{Statements, literal};
use crate::time::{from_db, to_db};

use super::said;

/// What makes an incident's update overdue, for queries over `incidents`: `$1` is now.
fn due() -> String {
    format!(
        "update_due_at <= $1 AND status_category = {}",
        literal(Category::InProgress.as_str())
    )
}

impl Store {
    /// Records every stakeholder update overdue at `now` and reminds the commanders;
    /// answers the reminders due at once, claimed for the caller to send.
    pub async fn run_update_reminders(&self, now: Timestamp) -> StoreResult<Vec<Notification>> {
        let sql = format!(
            "SELECT id FROM incidents WHERE {} ORDER BY update_due_at LIMIT 100",
            due()
        );
        let due: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(to_db(now))
            .fetch_all(&self.read)
            .await?;
        let cadence = self.options.update_cadence;
        run_each(self, due, now, move |connection, id, now| {
            Box::pin(remind(connection, id, cadence, now))
        })
        .await
    }
}

async fn remind(
    connection: &mut AnyConnection,
    id: i64,
    cadence: Cadence,
    now: Timestamp,
) -> StoreResult<Vec<Notification>> {
    let lock = if is_postgres(connection) {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT key, summary, status, priority, severity, update_due_at, updates_missed, \
         (SELECT email FROM users WHERE id = assignee_id) AS assignee \
         FROM incidents WHERE id = $2 AND {due}{lock}",
        due = due()
    );
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(to_db(now))
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(Vec::new());
    };
    let key: String = row.try_get("key")?;
    let severity = load_severity(row.try_get("severity")?)?;
    let due = from_db(row.try_get("update_due_at")?)?;
    let missed: i64 = row.try_get("updates_missed")?;
    // Reminded again an interval from now; a promise without a cadence is reminded once.
    let next = cadence.of(severity).map(|interval| now + interval);
    let mut statements = Statements::default();
    statements.push(
        "UPDATE incidents SET update_due_at = $1, update_overdue_at = COALESCE(update_overdue_at, $2), \
         updates_missed = updates_missed + 1 WHERE id = $3",
        vec![next.map(to_db).into(), to_db(now).into(), id.into()],
    );
    let payload = json!({
        "event": "incident.update_overdue",
        "incident": incident_json(
            &key,
            &row.try_get::<String, _>("summary")?,
            &row.try_get::<String, _>("status")?,
            load_priority(row.try_get("priority")?)?,
            severity,
        ),
        "due": due,
        "post": format!("/api/v1/incidents/{key}/updates"),
    });
    let mut claimed = Vec::new();
    let mut reminded = Vec::new();
    if let Some(assignee) = row.try_get::<Option<String>, _>("assignee")? {
        let stem = format!("update-due-{id}-{}", missed + 1);
        let about = Queued {
            incident_id: id,
            incident: &key,
            payload: &payload,
            key: &stem,
            due: now,
            purpose: Purpose::UpdateReminder,
            round: None,
        };
        match queue(connection, &assignee, about, now, &mut claimed).await? {
            Some(_) => reminded.push(assignee),
            None => reminded.push(format!("{assignee} (no contact method)")),
        }
    }
    let event = EventData::UpdateOverdue {
        due: said(due),
        reminded,
    };
    push_event(&mut statements, id, None, now, &event)?;
    statements.execute(connection).await?;
    Ok(claimed)
}
