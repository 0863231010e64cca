//! Response-time breaches: when an incident's acknowledgement deadline passes with
//! nobody having acknowledged it, the breach is recorded on its timeline at that moment
//! and its assignee, the people its escalation paged last (the level it had reached) and
//! the `sre` group are notified. Like pages, a breach is a record of
//! what happened, not a change to the incident: its version stays, so nobody editing it
//! is refused for a stale version because time passed. Once per incident; on PostgreSQL a
//! due breach is claimed by one server.

use jiff::Timestamp;
use serde_json::json;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::Priority;
use triage_core::timeline::EventData;
use triage_core::workflow::Category;

use super::engine::{Queued, queue};
use super::outbox::{Notification, Purpose};
use super::run_each;
use crate::db::Store;
use crate::error::StoreResult;
use crate::incidents::push_event;
use crate::postgres::is_postgres;
use crate::sql::Statements;
use crate::time::{from_db, to_db};

/// The group told of every breach.
const SRE_GROUP: &str = "sre";

/// What makes an incident's response overdue, for queries over `incidents`: `$1` is now,
/// `$2` the Done category. Its first acknowledgement is the response: once made, it is
/// never undone, so a lapse later is not a breach.
const OVERDUE: &str = "response_due_at <= $1 AND acknowledged_at IS NULL \
     AND response_breached_at IS NULL AND status_category <> $2";

impl Store {
    /// Records every response breach due at `now`; answers the notifications due at
    /// once, claimed for the caller to send.
    pub async fn run_breaches(&self, now: Timestamp) -> StoreResult<Vec<Notification>> {
        let sql =
            format!("SELECT id FROM incidents WHERE {OVERDUE} ORDER BY response_due_at LIMIT 100");
        let due: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(to_db(now))
            .bind(Category::Done.as_str())
            .fetch_all(&self.read)
            .await?;
        run_each(self, due, now, |connection, id, now| {
            Box::pin(breach(connection, id, now))
        })
        .await
    }
}

/// The people the incident's escalation paged at its latest step: the queued pages of
/// one step share the idempotency key `page-<incident>-<round>-<step>` before the
/// contact method's id.
async fn last_paged(connection: &mut AnyConnection, id: i64) -> StoreResult<Vec<String>> {
    let pages: Vec<(String, String)> = sqlx::query_as(
        "SELECT o.idempotency_key, u.email FROM outbox o JOIN users u ON u.id = o.user_id \
         WHERE o.incident_id = $1 AND o.purpose = $2 ORDER BY o.id DESC",
    )
    .bind(id)
    .bind(Purpose::Page.as_db())
    .fetch_all(&mut *connection)
    .await?;
    let Some(step) = pages
        .first()
        .and_then(|(key, _)| key.rsplit_once('-'))
        .map(|(step, _)| format!("{step}-"))
    else {
        return Ok(Vec::new());
    };
    let mut people: Vec<String> = pages
        .into_iter()
        .filter(|(key, _)| key.starts_with(&step))
        .map(|(_, email)| email)
        .collect();
    people.sort();
    people.dedup();
    Ok(people)
}

async fn breach(
    connection: &mut AnyConnection,
    id: i64,
    now: Timestamp,
) -> StoreResult<Vec<Notification>> {
    let lock = if is_postgres(connection) {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT key, summary, status, priority, response_due_at, \
         (SELECT email FROM users WHERE id = assignee_id) AS assignee \
         FROM incidents WHERE id = $3 AND {OVERDUE}{lock}"
    );
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(to_db(now))
        .bind(Category::Done.as_str())
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(Vec::new());
    };
    let key: String = row.try_get("key")?;
    let priority = row
        .try_get::<Option<i64>, _>("priority")?
        .and_then(Priority::from_rank)
        .map(|p| p.code().to_string())
        .unwrap_or_default();
    let due = from_db(row.try_get("response_due_at")?)?;
    let mut statements = Statements::default();
    statements.push(
        "UPDATE incidents SET response_breached_at = $1 WHERE id = $2",
        vec![to_db(now).into(), id.into()],
    );
    let event = EventData::ResponseBreached {
        priority: priority.clone(),
        due: due.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    };
    push_event(&mut statements, id, None, now, &event)?;
    let mut told: Vec<String> = row
        .try_get::<Option<String>, _>("assignee")?
        .into_iter()
        .collect();
    let level = last_paged(connection, id).await?;
    let sre: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM users u JOIN group_members m ON m.user_id = u.id \
         JOIN groups g ON g.id = m.group_id WHERE g.name = $1 AND u.active <> 0 ORDER BY u.email",
    )
    .bind(SRE_GROUP)
    .fetch_all(&mut *connection)
    .await?;
    for person in level.into_iter().chain(sre) {
        if !told.contains(&person) {
            told.push(person);
        }
    }
    let payload = json!({
        "event": "incident.response_breached",
        "incident": {
            "key": key,
            "summary": row.try_get::<String, _>("summary")?,
            "status": row.try_get::<String, _>("status")?,
            "priority": priority,
        },
        "due": due,
        "acknowledge": format!("/api/v1/incidents/{key}/acknowledge"),
    });
    let stem = format!("breach-{id}");
    let mut claimed = Vec::new();
    for user in &told {
        let about = Queued {
            incident_id: id,
            incident: &key,
            payload: &payload,
            key: &stem,
            due: now,
            purpose: Purpose::Breach,
            round: None,
        };
        queue(connection, user, about, now, &mut claimed).await?;
    }
    statements.execute(connection).await?;
    Ok(claimed)
}
