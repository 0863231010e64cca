//! Acknowledgement timeouts: an acknowledgement is a promise to work the incident. If
//! the policy has a timeout and neither a transition nor a comment follows within it,
//! the acknowledgement lapses: the round is nobody's again, and if the incident still
//! pages, the policy pages from level 1 in a new round (its pages are new
//! notifications, not repeats of the first ones). The first acknowledgement stays the
//! response record.

use jiff::{SignedDuration, Timestamp};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::duration::format_duration;
use triage_core::paging::EscalationState;
use triage_core::timeline::EventData;

use crate::db::Store;
use crate::error::StoreResult;
use crate::incidents::{push_event, push_touch};
use crate::postgres::is_postgres;
use crate::sql::Statements;
use crate::time::to_db;

use super::Wake;
use super::follow::{follow_edit, load};

impl Store {
    /// Lapses every acknowledgement whose timeout passed without progress at `now`;
    /// answers how many escalations start over.
    pub async fn run_ack_timeouts(&self, now: Timestamp) -> StoreResult<usize> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT incident_id FROM escalations WHERE state = $1 \
             AND ack_deadline <= $2 LIMIT 100",
        )
        .bind(EscalationState::Acknowledged.as_str())
        .bind(to_db(now))
        .fetch_all(&self.read)
        .await?;
        let checks = due.into_iter().map(|id| {
            let wake = self.wake.clone();
            self.write(move |connection| {
                Box::pin(async move { lapse(connection, &wake, id, now).await })
            })
        });
        let mut restarted = 0;
        for done in futures_util::future::join_all(checks).await {
            if done? {
                restarted += 1;
            }
        }
        Ok(restarted)
    }
}

async fn lapse(
    connection: &mut AnyConnection,
    wake: &Wake,
    incident_id: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    let lock = if is_postgres(connection) {
        " FOR UPDATE OF e SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT i.current_ack_at, p.ack_timeout_seconds FROM escalations e \
         JOIN incidents i ON i.id = e.incident_id \
         LEFT JOIN escalation_policies p ON p.id = e.policy_id \
         WHERE e.incident_id = $1 AND e.state = $2 AND e.ack_deadline <= $3{lock}"
    );
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(incident_id)
        .bind(EscalationState::Acknowledged.as_str())
        .bind(to_db(now))
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(false);
    };
    let acknowledged: Option<i64> = row.try_get("current_ack_at")?;
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
    let mut statements = Statements::default();
    statements.push(
        "UPDATE escalations SET ack_deadline = NULL WHERE incident_id = $1",
        vec![incident_id.into()],
    );
    let (Some(_), Some(timeout), 0) = (acknowledged, timeout, progress) else {
        statements.execute(connection).await?;
        return Ok(false);
    };
    let before = load(connection, incident_id).await?.facts;
    // The response record keeps the first acknowledgement; only the round lapses.
    statements.push(
        "UPDATE incidents SET current_ack_at = NULL WHERE id = $1",
        vec![incident_id.into()],
    );
    let after = format_duration(SignedDuration::from_secs(timeout));
    push_event(
        &mut statements,
        incident_id,
        None,
        now,
        &EventData::AcknowledgementLapsed { after },
    )?;
    push_touch(&mut statements, incident_id, now);
    statements.execute(connection).await?;
    follow_edit(connection, wake, incident_id, &before, now).await?;
    Ok(true)
}
