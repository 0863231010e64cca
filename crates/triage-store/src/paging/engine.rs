//! Firing due escalation steps. Each escalation is taken in its own write: its incident
//! and policy are read, `triage-core` says which steps fire and who they page, and the
//! pages, notifications, assignment and the escalation's new position are written
//! together. On PostgreSQL a due escalation is claimed with `FOR UPDATE SKIP LOCKED`, so
//! of several servers exactly one fires it.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::escalation::{Target, advance};
use triage_core::oncall::Schedule;
use triage_core::paging::EscalationState;
use triage_core::timeline::EventData;
use triage_core::workflow::Category;

use crate::db::Store;
use crate::error::StoreResult;
use crate::escalation;
use crate::incidents::{load_category, load_priority, load_severity, push_event, push_touch};
use crate::postgres::is_postgres;
use crate::schedules;
use crate::sql::Statements;
use crate::time::{from_db, from_db_opt, to_db};

use super::incident_json;
use super::outbox::{Entry, Notification, Purpose, enqueue};

/// Escalations taken per look; the rest wait for the next (which comes at once).
const BATCH: i64 = 100;

/// How far back overrides matter when asking who is on call.
const SHIFT_LOOKBACK: SignedDuration = SignedDuration::from_hours(24 * 31);

impl Store {
    /// Fires every escalation step due at `now`; answers the pages due at once, claimed
    /// for the caller to send.
    pub async fn run_escalations(&self, now: Timestamp) -> StoreResult<Vec<Notification>> {
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT incident_id FROM escalations WHERE state = $1 AND next_at <= $2 \
             ORDER BY next_at LIMIT $3",
        )
        .bind(EscalationState::Active.as_str())
        .bind(to_db(now))
        .bind(BATCH)
        .fetch_all(&self.read)
        .await?;
        // All at once: on SQLite they share commits (group commit), on PostgreSQL they
        // take connections of the pool side by side.
        let steps = due.into_iter().map(|incident_id| {
            self.write(move |connection| Box::pin(step(connection, incident_id, now)))
        });
        let mut claimed = Vec::new();
        for fired in futures_util::future::join_all(steps).await {
            claimed.extend(fired?.unwrap_or_default());
        }
        Ok(claimed)
    }

    /// When the next escalation step, notification (to a person or a status page
    /// subscriber), response deadline, stakeholder update or action item reminder is
    /// due, if any is waiting.
    pub async fn next_paging_deadline(&self) -> StoreResult<Option<Timestamp>> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(t) FROM (SELECT MIN(next_at) AS t FROM escalations WHERE state = $1 \
             UNION ALL SELECT MIN(COALESCE(claimed_until, due_at)) AS t FROM outbox \
             WHERE delivered_at IS NULL AND dropped_at IS NULL \
             UNION ALL SELECT MIN(ack_deadline) AS t FROM escalations \
             WHERE state = $2 \
             UNION ALL SELECT MIN(response_due_at) AS t FROM incidents \
             WHERE acknowledged_at IS NULL AND response_breached_at IS NULL \
             AND status_category <> $3 \
             UNION ALL SELECT MIN(update_due_at) AS t FROM incidents \
             WHERE update_due_at IS NOT NULL \
             UNION ALL SELECT MIN(COALESCE(claimed_until, due_at)) AS t FROM subscriber_deliveries \
             WHERE delivered_at IS NULL AND dropped_at IS NULL \
             UNION ALL SELECT MIN(remind_at) AS t FROM action_items \
             WHERE remind_at IS NOT NULL) AS due",
        )
        .bind(EscalationState::Active.as_str())
        .bind(EscalationState::Acknowledged.as_str())
        .bind(Category::Done.as_str())
        .fetch_one(&self.read)
        .await?;
        next.map(from_db).transpose()
    }
}

/// The escalation of `incident_id`, moved on as far as `now`; answers the pages it
/// queued that are due at once, claimed for the caller to send, or none if it was not
/// due (another server may have taken it).
pub(super) async fn step(
    connection: &mut AnyConnection,
    incident_id: i64,
    now: Timestamp,
) -> StoreResult<Option<Vec<Notification>>> {
    let lock = if is_postgres(connection) {
        " FOR UPDATE OF e SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT e.policy_id, e.next_step, e.next_at, e.round, i.key, i.summary, i.priority, i.severity, \
         i.status, i.status_category, i.current_ack_at, i.assignee_id \
         FROM escalations e JOIN incidents i ON i.id = e.incident_id \
         WHERE e.incident_id = $1 AND e.state = $2 AND e.next_at <= $3{lock}"
    );
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(incident_id)
        .bind(EscalationState::Active.as_str())
        .bind(to_db(now))
        .fetch_optional(&mut *connection)
        .await?
    else {
        return Ok(None);
    };
    let key: String = row.try_get("key")?;
    let mut statements = Statements::default();
    let mut claimed = Vec::new();
    let stop =
        |state: EscalationState, reason: &str, statements: &mut Statements| -> StoreResult<()> {
            statements.push(
                "UPDATE escalations SET state = $1 WHERE incident_id = $2",
                vec![state.as_str().into(), incident_id.into()],
            );
            let ended = EventData::EscalationEnded {
                reason: reason.to_string(),
            };
            push_event(statements, incident_id, None, now, &ended)?;
            Ok(())
        };
    let category = load_category(&row.try_get::<String, _>("status_category")?)?;
    let policy_id: Option<i64> = row.try_get("policy_id")?;
    // Every change that stops paging ends the escalation in its own transaction; these
    // hold for escalations written before that was so.
    if from_db_opt(row.try_get("current_ack_at")?)?.is_some() {
        stop(
            EscalationState::Acknowledged,
            "the incident was acknowledged",
            &mut statements,
        )?;
    } else if category == Category::Done {
        stop(
            EscalationState::Resolved,
            "the incident is done",
            &mut statements,
        )?;
    } else if let Some(policy_id) = policy_id {
        let name: String = sqlx::query_scalar("SELECT name FROM escalation_policies WHERE id = $1")
            .bind(policy_id)
            .fetch_one(&mut *connection)
            .await?;
        let policy = escalation::load(connection, &name).await?.model()?;
        let mut on_call: HashMap<String, Schedule> = HashMap::new();
        for level in policy.levels() {
            for target in &level.targets {
                if let Target::Schedule(schedule) = target
                    && !on_call.contains_key(schedule)
                {
                    let stored =
                        schedules::load(connection, schedule, now - SHIFT_LOOKBACK).await?;
                    on_call.insert(schedule.clone(), stored.model()?);
                }
            }
        }
        let next_step: i64 = row.try_get("next_step")?;
        let progress = advance(
            &policy,
            u32::try_from(next_step).unwrap_or(0),
            from_db(row.try_get("next_at")?)?,
            now,
            |schedule, at| {
                on_call
                    .get(schedule)
                    .and_then(|s| s.on_call_at(at))
                    .map(|(user, _)| user.to_string())
            },
        );
        let incident = incident_json(
            &key,
            &row.try_get::<String, _>("summary")?,
            &row.try_get::<String, _>("status")?,
            load_priority(row.try_get("priority")?)?,
            load_severity(row.try_get("severity")?)?,
        );
        let mut assignee: Option<i64> = row.try_get("assignee_id")?;
        let round: i64 = row.try_get("round")?;
        for fired in &progress.fired {
            let mut paged = Vec::new();
            let mut nobody: Vec<String> = fired
                .nobody
                .iter()
                .map(|t| match t {
                    Target::Schedule(name) => name.clone(),
                    Target::User(email) => email.clone(),
                })
                .collect();
            for user in &fired.paged {
                let payload = json!({
                    "event": "incident.paged",
                    "incident": incident,
                    "level": fired.level + 1,
                    "user": user,
                    "acknowledge": format!("/api/v1/incidents/{key}/acknowledge"),
                });
                let page = format!("page-{incident_id}-{round}-{}", fired.step);
                let about = Queued {
                    incident_id,
                    incident: &key,
                    payload: &payload,
                    key: &page,
                    due: fired.due,
                    purpose: Purpose::Page,
                    round: Some(round),
                };
                let queued = queue(connection, user, about, now, &mut claimed).await?;
                match queued {
                    Some(user_id) => {
                        paged.push(user.clone());
                        if assignee.is_none() {
                            assignee = Some(user_id);
                            statements.push(
                                "UPDATE incidents SET assignee_id = $1 WHERE id = $2",
                                vec![user_id.into(), incident_id.into()],
                            );
                            let assigned = EventData::Assigned {
                                before: None,
                                after: Some(user.clone()),
                            };
                            push_event(&mut statements, incident_id, None, now, &assigned)?;
                        }
                    }
                    None => nobody.push(format!("{user} (no contact method)")),
                }
            }
            let event = EventData::Paged {
                level: fired.level as u32 + 1,
                pass: fired.pass + 1,
                users: paged,
                nobody,
            };
            push_event(&mut statements, incident_id, None, now, &event)?;
        }
        match progress.next {
            Some((next_step, next_at)) => statements.push(
                "UPDATE escalations SET next_step = $1, next_at = $2 WHERE incident_id = $3",
                vec![
                    i64::from(next_step).into(),
                    to_db(next_at).into(),
                    incident_id.into(),
                ],
            ),
            None => stop(
                EscalationState::Exhausted,
                "every level was paged and nobody acknowledged",
                &mut statements,
            )?,
        }
        // Pages are records of what happened; only a new assignee changes the incident.
        if assignee != row.try_get::<Option<i64>, _>("assignee_id")? {
            push_touch(&mut statements, incident_id, now);
        }
    } else {
        stop(
            EscalationState::Stopped,
            "its escalation policy was deleted",
            &mut statements,
        )?;
    }
    statements.execute(connection).await?;
    Ok(Some(claimed))
}

/// A notification to queue to someone's contact methods.
pub(crate) struct Queued<'a> {
    pub incident_id: i64,
    /// The incident's key.
    pub incident: &'a str,
    pub payload: &'a serde_json::Value,
    /// The idempotency key's stem: each contact method's entry adds its id.
    pub key: &'a str,
    /// When it is due, before each contact method's own delay.
    pub due: Timestamp,
    pub purpose: Purpose,
    /// The escalation round of a page.
    pub round: Option<i64>,
}

/// Queues a notification to each of `user`'s contact methods, once: the idempotency key
/// is `<key>-<method id>`. Entries due at `now` are claimed at once and added to
/// `claimed`, for the caller to send. Answers the user's id, none when they have no
/// contact method.
pub(crate) async fn queue(
    connection: &mut AnyConnection,
    user: &str,
    queued: Queued<'_>,
    now: Timestamp,
    claimed: &mut Vec<Notification>,
) -> StoreResult<Option<i64>> {
    let Queued {
        incident_id,
        incident,
        payload,
        key,
        due,
        purpose,
        round,
    } = queued;
    let body = payload.to_string();
    let methods = sqlx::query(
        "SELECT u.id AS user_id, c.id, c.kind, c.address, c.secret, c.delay_seconds \
         FROM users u JOIN contact_methods c ON c.user_id = u.id WHERE u.email = $1 ORDER BY c.id",
    )
    .bind(user)
    .fetch_all(&mut *connection)
    .await?;
    let mut user_id = None;
    for method in &methods {
        user_id = Some(method.try_get::<i64, _>("user_id")?);
        let method_id: i64 = method.try_get("id")?;
        let delay = SignedDuration::from_secs(method.try_get("delay_seconds")?);
        let entry = Entry {
            incident_id,
            incident,
            user: user_id.map(|id| (id, user)),
            contact_method_id: Some(method_id),
            kind: method.try_get("kind")?,
            address: method.try_get("address")?,
            secret: method.try_get("secret")?,
            payload: &body,
            idempotency_key: format!("{key}-{method_id}"),
            due: due + delay,
            purpose,
            round,
        };
        enqueue(connection, entry, now, claimed).await?;
    }
    Ok(user_id)
}
