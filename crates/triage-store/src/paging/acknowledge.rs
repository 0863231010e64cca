//! Acknowledging an incident: someone has it. The acknowledgement is recorded once, and
//! the incident's escalation stops in the same transaction, so no later level pages.

use jiff::Timestamp;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::timeline::EventData;

use crate::actor::{ACTOR_COLUMNS, ACTOR_GROUPS, Actor, actor_from_rows};
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::incidents::{normalize_key, push_event, push_touch};
use crate::model::Incident;
use crate::postgres::lock_incidents;
use crate::sql::Statements;
use crate::time::{from_db_opt, to_db};

/// Adds the statements that stop an incident's active escalation, saying who
/// acknowledged it.
pub(crate) fn stop_escalation(
    statements: &mut Statements,
    incident_id: i64,
    by: &str,
    now: Timestamp,
) -> StoreResult<()> {
    // The policy's acknowledgement timeout, if it has one, starts now.
    statements.push(
        "UPDATE escalations SET state = 'acknowledged', ack_deadline = $2 + \
         (SELECT p.ack_timeout_seconds * 1000000 FROM escalation_policies p \
          WHERE p.id = escalations.policy_id) \
         WHERE incident_id = $1 AND state = 'active'",
        vec![incident_id.into(), to_db(now).into()],
    );
    let ended = EventData::EscalationEnded {
        reason: format!("acknowledged by {by}"),
    };
    push_event(statements, incident_id, None, now, &ended)
}

/// Whether the incident has an escalation still climbing.
pub(crate) async fn escalating(
    connection: &mut AnyConnection,
    incident_id: i64,
) -> StoreResult<bool> {
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM escalations WHERE incident_id = $1")
            .bind(incident_id)
            .fetch_optional(&mut *connection)
            .await?;
    Ok(state.as_deref() == Some("active"))
}

impl Store {
    /// `actor` has the incident: records the acknowledgement (made `via` a way other than
    /// Triage's own API and console, if it was) and stops its escalation. Refused if it
    /// was acknowledged already or is done.
    pub async fn acknowledge(
        &self,
        key: &str,
        actor: &Actor,
        via: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        let key = normalize_key(key);
        let actor = actor.clone();
        let via = via.map(str::to_string);
        self.write_incident(move |connection| {
            Box::pin(async move {
                lock_incidents(connection, std::slice::from_ref(&key)).await?;
                let row = sqlx::query(
                    "SELECT id, status, status_category, acknowledged_at FROM incidents WHERE key = $1",
                )
                .bind(&key)
                .fetch_optional(&mut *connection)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("no incident {key}")))?;
                let id: i64 = row.try_get("id")?;
                if let Some(at) = from_db_opt(row.try_get("acknowledged_at")?)? {
                    return Err(StoreError::Invalid(format!(
                        "{key} was acknowledged already, at {at}"
                    )));
                }
                if row.try_get::<String, _>("status_category")? == "done" {
                    let status: String = row.try_get("status")?;
                    return Err(StoreError::Invalid(format!(
                        "{key} is {status}: there is nothing to acknowledge"
                    )));
                }
                let mut statements = Statements::default();
                statements.push(
                    "UPDATE incidents SET acknowledged_at = $1 WHERE id = $2",
                    vec![to_db(now).into(), id.into()],
                );
                push_event(
                    &mut statements,
                    id,
                    Some(actor.user_id),
                    now,
                    &EventData::Acknowledged { via },
                )?;
                if escalating(connection, id).await? {
                    stop_escalation(&mut statements, id, &actor.email, now)?;
                }
                push_touch(&mut statements, id, now);
                statements.execute(connection).await?;
                Ok(id)
            })
        })
        .await
    }

    /// The incident notification `id` was about and the person it went to (while they
    /// are an active user): whom its acknowledge link acts for.
    pub async fn notification_recipient(&self, id: i64) -> StoreResult<Option<(String, Actor)>> {
        let sql = format!(
            "SELECT i.key, {ACTOR_COLUMNS} FROM outbox o JOIN incidents i ON i.id = o.incident_id \
             JOIN users u ON u.id = o.user_id {ACTOR_GROUPS} WHERE o.id = $1 AND u.active = 1 \
             ORDER BY g.name"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&self.read)
            .await?;
        let Some(actor) = actor_from_rows(&rows)? else {
            return Ok(None);
        };
        Ok(Some((rows[0].try_get("key")?, actor)))
    }

    /// Pages the escalation's next level now instead of when its delay ends. Refused when
    /// the incident has no escalation, is acknowledged, or its last level has been paged.
    pub async fn escalate(
        &self,
        key: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        let key = normalize_key(key);
        let actor_id = actor.user_id;
        let store_wake = self.wake.clone();
        let incident = self
            .write_incident(move |connection| {
                Box::pin(async move {
                    lock_incidents(connection, std::slice::from_ref(&key)).await?;
                    let row = sqlx::query(
                        "SELECT i.id, i.status_category, i.acknowledged_at, e.state, e.next_step, \
                         (SELECT COUNT(*) FROM escalation_levels l WHERE l.policy_id = e.policy_id) \
                         * (1 + (SELECT p.repeats FROM escalation_policies p WHERE p.id = e.policy_id)) \
                         AS steps \
                         FROM incidents i LEFT JOIN escalations e ON e.incident_id = i.id WHERE i.key = $1",
                    )
                    .bind(&key)
                    .fetch_optional(&mut *connection)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("no incident {key}")))?;
                    let id: i64 = row.try_get("id")?;
                    let state: Option<String> = row.try_get("state")?;
                    let next: Option<i64> = row.try_get("next_step")?;
                    let steps: Option<i64> = row.try_get("steps")?;
                    if row.try_get::<String, _>("status_category")? == "done" {
                        return Err(StoreError::Invalid(format!("{key} is done: there is no one to escalate to")));
                    }
                    let (Some(_), Some(next), Some(steps)) = (state, next, steps) else {
                        return Err(StoreError::Invalid(format!(
                            "{key} has no escalation: its services have no escalation policy that pages for its priority"
                        )));
                    };
                    if row.try_get::<Option<i64>, _>("acknowledged_at")?.is_some() {
                        return Err(StoreError::Invalid(format!(
                            "{key} is acknowledged: escalating pages the next level only while \
                             nobody has the incident; assign it to someone instead"
                        )));
                    }
                    if next >= steps {
                        return Err(StoreError::Invalid(format!(
                            "every level of {key}'s escalation policy has been paged"
                        )));
                    }
                    let mut statements = Statements::default();
                    statements.push(
                        "UPDATE escalations SET state = 'active', next_at = $1, ack_deadline = NULL \
                         WHERE incident_id = $2",
                        vec![to_db(now).into(), id.into()],
                    );
                    push_event(&mut statements, id, Some(actor_id), now, &EventData::EscalatedByHand)?;
                    push_touch(&mut statements, id, now);
                    statements.execute(connection).await?;
                    Ok(id)
                })
            })
            .await?;
        store_wake.notify();
        Ok(incident)
    }
}
