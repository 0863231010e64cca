//! Acknowledgement timeouts: an acknowledgement is a promise to work the incident. If
//! the policy has a timeout and neither a transition nor a comment follows within it,
//! the acknowledgement lapses and the policy pages again from level 1 (a new round, so
//! its pages are new notifications, not repeats of the first ones).

use jiff::{SignedDuration, Timestamp};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::duration::format_duration;
use triage_core::timeline::EventData;

use crate::db::Store;
use crate::error::StoreResult;
use crate::incidents::{push_event, push_touch};
use crate::postgres::is_postgres;
use crate::sql::Statements;
use crate::time::to_db;

impl Store {
    /// Lapses every acknowledgement whose timeout passed without progress at `now`;
    /// answers how many escalations start over.
    pub async fn run_ack_timeouts(&self, now: Timestamp) -> StoreResult<usize> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT incident_id FROM escalations WHERE state = 'acknowledged' \
             AND ack_deadline <= $1 LIMIT 100",
        )
        .bind(to_db(now))
        .fetch_all(&self.read)
        .await?;
        let checks = due
            .into_iter()
            .map(|id| self.write(move |connection| Box::pin(lapse(connection, id, now))));
        let mut restarted = 0;
        for done in futures_util::future::join_all(checks).await {
            if done? {
                restarted += 1;
            }
        }
        if restarted > 0 {
            self.wake.notify();
        }
        Ok(restarted)
    }
}

async fn lapse(
    connection: &mut AnyConnection,
    incident_id: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    let lock = if is_postgres(connection) {
        " FOR UPDATE OF e SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT i.acknowledged_at, i.status_category, p.ack_timeout_seconds FROM escalations e \
         JOIN incidents i ON i.id = e.incident_id \
         LEFT JOIN escalation_policies p ON p.id = e.policy_id \
         WHERE e.incident_id = $1 AND e.state = 'acknowledged' AND e.ack_deadline <= $2{lock}"
    );
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(incident_id)
        .bind(to_db(now))
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(false);
    };
    let acknowledged: Option<i64> = row.try_get("acknowledged_at")?;
    let timeout: Option<i64> = row.try_get("ack_timeout_seconds")?;
    // Progress: a person moved or commented on the incident since the acknowledgement.
    let progress: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE incident_id = $1 AND at >= $2 \
         AND actor_id IS NOT NULL AND kind IN ('status_changed', 'commented')",
    )
    .bind(incident_id)
    .bind(acknowledged.unwrap_or(i64::MAX))
    .fetch_one(&mut *connection)
    .await?;
    let done = row.try_get::<String, _>("status_category")? == "done";
    let mut statements = Statements::default();
    if progress > 0 || done || acknowledged.is_none() || timeout.is_none() {
        statements.push(
            "UPDATE escalations SET ack_deadline = NULL WHERE incident_id = $1",
            vec![incident_id.into()],
        );
        statements.execute(connection).await?;
        return Ok(false);
    }
    statements.push(
        "UPDATE incidents SET acknowledged_at = NULL WHERE id = $1",
        vec![incident_id.into()],
    );
    statements.push(
        "UPDATE escalations SET state = 'active', next_step = 0, next_at = $1, \
         round = round + 1, ack_deadline = NULL WHERE incident_id = $2",
        vec![to_db(now).into(), incident_id.into()],
    );
    let after = format_duration(SignedDuration::from_secs(timeout.unwrap_or(0)));
    push_event(
        &mut statements,
        incident_id,
        None,
        now,
        &EventData::AcknowledgementLapsed { after },
    )?;
    push_touch(&mut statements, incident_id, now);
    statements.execute(connection).await?;
    Ok(true)
}
