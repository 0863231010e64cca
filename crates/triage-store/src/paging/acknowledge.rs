//! Acknowledging an incident: someone has it. The first acknowledgement is the response
//! record and is kept for ever; each acknowledgement holds the current round, and the
//! change is followed like any other ([`follow_change`]): the escalation ends, what was
//! queued is dropped, and the others paged hear who has it. Escalating by hand pages the
//! next level now.

use jiff::Timestamp;
use sqlx::{AssertSqlSafe, Row};
use triage_core::paging::EscalationState;
use triage_core::timeline::EventData;
use triage_core::workflow::Category;

use crate::actor::{ACTOR_COLUMNS, ACTOR_GROUPS, Actor, actor_from_rows};
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::incidents::{incident_id, normalize_key, push_event, push_touch};
use crate::model::Incident;
use crate::postgres::lock_incidents;
use crate::sql::Statements;
use crate::time::to_db;

use super::follow::{By, follow_change, load};

/// The statements that record an acknowledgement made at `now`: the first one stays the
/// response record, the current round is held from now.
pub(crate) fn push_acknowledgement(statements: &mut Statements, incident_id: i64, now: Timestamp) {
    statements.push(
        "UPDATE incidents SET acknowledged_at = COALESCE(acknowledged_at, $1), \
         current_ack_at = $1 WHERE id = $2",
        vec![to_db(now).into(), incident_id.into()],
    );
}

impl Store {
    /// `actor` has the incident: records the acknowledgement (made `via` a way other than
    /// Triage's own API and console, if it was) and ends its escalation. Refused (a
    /// conflict) while someone has it already, and when it is done.
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
        let wake = self.wake.clone();
        self.write_incident(move |connection| {
            Box::pin(async move {
                lock_incidents(connection, std::slice::from_ref(&key)).await?;
                let id = incident_id(connection, &key).await?;
                let before = load(connection, id).await?.facts;
                if before.category == Category::Done {
                    return Err(StoreError::Conflict(format!(
                        "{key} is {}: a done incident has nothing to acknowledge",
                        before.status
                    )));
                }
                if before.acknowledged {
                    return Err(StoreError::Conflict(format!(
                        "{key} is acknowledged already: someone has it"
                    )));
                }
                let mut statements = Statements::default();
                push_acknowledgement(&mut statements, id, now);
                push_event(
                    &mut statements,
                    id,
                    Some(actor.user_id),
                    now,
                    &EventData::Acknowledged { via },
                )?;
                push_touch(&mut statements, id, now);
                statements.execute(connection).await?;
                let by = By {
                    user_id: Some(actor.user_id),
                    name: Some(&actor.email),
                };
                follow_change(connection, &wake, id, Some(&before), by, now).await?;
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
    /// the incident has no escalation running, is acknowledged or done, or its last
    /// level has been paged.
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
                    let id = incident_id(connection, &key).await?;
                    let paging = load(connection, id).await?;
                    if paging.facts.category == Category::Done {
                        return Err(StoreError::Conflict(format!(
                            "{key} is {}: a done incident pages nobody",
                            paging.facts.status
                        )));
                    }
                    if paging.facts.acknowledged {
                        return Err(StoreError::Conflict(format!(
                            "{key} is acknowledged: escalating pages the next level only while \
                             nobody has the incident; assign it to someone instead"
                        )));
                    }
                    let steps: Option<i64> = sqlx::query_scalar(
                        "SELECT (SELECT COUNT(*) FROM escalation_levels l WHERE l.policy_id = e.policy_id) \
                         * (1 + (SELECT p.repeats FROM escalation_policies p WHERE p.id = e.policy_id)) \
                         - e.next_step FROM escalations e WHERE e.incident_id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *connection)
                    .await?
                    .flatten();
                    match paging.escalation.map(|e| e.state) {
                        Some(EscalationState::Active) if steps.is_some_and(|left| left > 0) => {}
                        Some(EscalationState::Active | EscalationState::Exhausted) => {
                            return Err(StoreError::Conflict(format!(
                                "every level of {key}'s escalation policy has been paged"
                            )));
                        }
                        _ => {
                            return Err(StoreError::Invalid(format!(
                                "{key} has no escalation running: its services have no escalation \
                                 policy that pages for its priority"
                            )));
                        }
                    }
                    let mut statements = Statements::default();
                    statements.push(
                        "UPDATE escalations SET next_at = $1 WHERE incident_id = $2",
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
