//! Reminding owners of their action items: two days before an open item's due day and on
//! the day, its owner hears of it through their contact methods, and the incident's
//! timeline records it (a record, not a change: the incident's version stays). On
//! PostgreSQL a due reminder is claimed by one server.

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use triage_core::action::next_reminder;
use triage_core::timeline::EventData;

use crate::db::Store;
use crate::error::StoreResult;
use crate::incidents::{load_priority, load_severity, push_event};
use crate::paging::{Notification, Purpose, Queued, incident_json, queue, run_each};
use crate::postgres::is_postgres;
use crate::sql::Statements;
use crate::time::to_db;

impl Store {
    /// Reminds the owners of the action items whose reminder is due at `now`; answers
    /// the notifications due at once, claimed for the caller to send.
    pub async fn run_action_reminders(&self, now: Timestamp) -> StoreResult<Vec<Notification>> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM action_items WHERE remind_at <= $1 ORDER BY remind_at LIMIT 100",
        )
        .bind(to_db(now))
        .fetch_all(&self.read)
        .await?;
        run_each(self, due, now, |connection, id, now| {
            Box::pin(remind(connection, id, now))
        })
        .await
    }
}

async fn remind(
    connection: &mut AnyConnection,
    id: i64,
    now: Timestamp,
) -> StoreResult<Vec<Notification>> {
    let lock = if is_postgres(connection) {
        " FOR UPDATE OF a SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT a.incident_id, a.title, a.kind, a.due_on, a.remind_at, o.email AS owner, \
         i.key, i.summary, i.status, i.priority, i.severity \
         FROM action_items a JOIN incidents i ON i.id = a.incident_id \
         LEFT JOIN users o ON o.id = a.owner_id \
         WHERE a.id = $1 AND a.remind_at <= $2{lock}"
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(to_db(now))
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(Vec::new());
    };
    let incident_id: i64 = row.try_get("incident_id")?;
    let key: String = row.try_get("key")?;
    let title: String = row.try_get("title")?;
    let due: Option<String> = row.try_get("due_on")?;
    let owner: Option<String> = row.try_get("owner")?;
    let next = due
        .as_deref()
        .and_then(|day| day.parse::<Date>().ok())
        .and_then(|day| next_reminder(day, now));
    let mut statements = Statements::default();
    statements.push(
        "UPDATE action_items SET remind_at = $1 WHERE id = $2",
        vec![next.map(to_db).into(), id.into()],
    );
    let mut claimed = Vec::new();
    // An owner removed since the reminder was set (their account deleted) hears nothing.
    if let (Some(owner), Some(due)) = (owner, due) {
        let payload = json!({
            "event": "incident.action_item_due",
            "incident": incident_json(
                &key,
                &row.try_get::<String, _>("summary")?,
                &row.try_get::<String, _>("status")?,
                load_priority(row.try_get("priority")?)?,
                load_severity(row.try_get("severity")?)?,
            ),
            "action_item": {
                "id": id,
                "title": title,
                "kind": row.try_get::<String, _>("kind")?,
                "due": due,
                "url": format!("/api/v1/action-items/{id}"),
            },
            "user": owner,
        });
        let stem = format!("action-{id}-{}", row.try_get::<i64, _>("remind_at")?);
        let about = Queued {
            incident_id,
            incident: &key,
            payload: &payload,
            key: &stem,
            due: now,
            purpose: Purpose::ActionReminder,
            round: None,
        };
        let reached = queue(connection, &owner, about, now, &mut claimed).await?;
        let whom = match reached {
            Some(_) => owner,
            None => format!("{owner} (no contact method)"),
        };
        let event = EventData::ActionItem {
            id,
            title,
            action: "reminded".to_string(),
            detail: Some(format!("{whom}, due {due}")),
        };
        push_event(&mut statements, incident_id, None, now, &event)?;
    }
    statements.execute(connection).await?;
    Ok(claimed)
}
