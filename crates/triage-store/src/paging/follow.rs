//! Keeping an incident's escalation in step with the incident, inside the transaction
//! that changes it. Every write that changes what paging reads (status, priority,
//! services, acknowledgement) loads the incident's paging facts before the change
//! ([`load`]) and, once its statements ran, hands them to [`follow_change`]: it loads
//! them again, asks `triage-core` what the change does ([`triage_core::paging::follow`])
//! and applies the answer in the same transaction — a new round of the escalation with
//! its first pages, or the end of the running one with the reason on the timeline;
//! queued pages dropped; the people paged told that it is over.

use jiff::Timestamp;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use triage_core::paging::{
    EndReason, Escalation, EscalationState, Notice, PagingFacts, PagingService, follow,
};
use triage_core::timeline::EventData;

use crate::error::{StoreError, StoreResult};
use crate::incidents::{load_category, load_priority, load_severity, push_event};
use crate::services::paging_priorities;
use crate::sql::Statements;
use crate::time::{from_db_opt, to_db};

use super::outbox::{Entry, Notification, Purpose, enqueue};
use super::{Wake, engine, incident_json};

/// An incident's escalation as stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stored {
    pub state: EscalationState,
    pub round: i64,
    /// Pages of this round and later have not been followed by a resolved notice.
    notice_round: i64,
}

/// What paging knows of an incident: its facts and its escalation, if it ever had one.
#[derive(Debug, Clone)]
pub(crate) struct Paging {
    pub facts: PagingFacts,
    pub escalation: Option<Stored>,
}

/// Who made the change, when it matters for the sentence and for who is told: the
/// person (or sender) who acknowledged.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct By<'a> {
    pub user_id: Option<i64>,
    pub name: Option<&'a str>,
}

/// The incident's paging facts and escalation, read in one query.
pub(crate) async fn load(connection: &mut AnyConnection, incident_id: i64) -> StoreResult<Paging> {
    let rows = sqlx::query(
        "SELECT i.status, i.status_category, i.priority, i.current_ack_at, e.state, e.round, \
         e.notice_round, s.escalation_policy_id, s.paging_priorities \
         FROM incidents i LEFT JOIN escalations e ON e.incident_id = i.id \
         LEFT JOIN incident_services x ON x.incident_id = i.id \
         LEFT JOIN services s ON s.name = x.service AND s.escalation_policy_id IS NOT NULL \
         WHERE i.id = $1 ORDER BY s.name",
    )
    .bind(incident_id)
    .fetch_all(&mut *connection)
    .await?;
    let first = rows
        .first()
        .ok_or_else(|| StoreError::NotFound(format!("no incident with id {incident_id}")))?;
    let escalation = match first.try_get::<Option<String>, _>("state")? {
        Some(state) => Some(Stored {
            state: EscalationState::parse(&state).ok_or_else(|| {
                StoreError::Invalid(format!(
                    "stored escalation state '{state}' is unknown: the database may be damaged"
                ))
            })?,
            round: first.try_get("round")?,
            notice_round: first.try_get("notice_round")?,
        }),
        None => None,
    };
    let mut services = Vec::new();
    for row in &rows {
        if let Some(policy) = row.try_get::<Option<i64>, _>("escalation_policy_id")? {
            services.push(PagingService {
                policy,
                pages_for: paging_priorities(&row.try_get::<String, _>("paging_priorities")?)?,
            });
        }
    }
    let facts = PagingFacts {
        status: first.try_get("status")?,
        category: load_category(&first.try_get::<String, _>("status_category")?)?,
        priority: load_priority(first.try_get("priority")?)?,
        acknowledged: from_db_opt(first.try_get("current_ack_at")?)?.is_some(),
        services,
    };
    Ok(Paging { facts, escalation })
}

/// Applies what the change from `before` (none for a new incident) did to the
/// incident's paging, inside the caller's transaction, after its statements ran. Pages
/// due at once are claimed for this process and handed to its engine through `wake`.
pub(crate) async fn follow_change(
    connection: &mut AnyConnection,
    wake: &Wake,
    incident_id: i64,
    before: Option<&PagingFacts>,
    by: By<'_>,
    now: Timestamp,
) -> StoreResult<()> {
    let after = load(connection, incident_id).await?;
    let escalating = after
        .escalation
        .is_some_and(|e| e.state == EscalationState::Active);
    let followed = follow(escalating, before, &after.facts);
    let mut statements = Statements::default();
    let mut claimed = Vec::new();
    if let Some(reason) = &followed.quiet {
        quiet(connection, &mut statements, incident_id, reason, by, now).await?;
    }
    if let Some(notice) = followed.notice {
        tell(
            connection,
            incident_id,
            notice,
            &after,
            by,
            now,
            &mut claimed,
        )
        .await?;
        if let (Notice::Resolved, Some(stored)) = (notice, after.escalation) {
            statements.push(
                "UPDATE escalations SET notice_round = $1 WHERE incident_id = $2",
                vec![(stored.round + 1).into(), incident_id.into()],
            );
        }
    }
    match &followed.escalation {
        Escalation::End(reason) => end(&mut statements, incident_id, reason, by, now)?,
        Escalation::Keep => {
            // A Done incident's acknowledged escalation can no longer lapse.
            if followed.notice == Some(Notice::Resolved)
                && after
                    .escalation
                    .is_some_and(|e| e.state == EscalationState::Acknowledged)
            {
                push_state(&mut statements, incident_id, EscalationState::Resolved);
            }
        }
        Escalation::Start { .. } => {}
    }
    statements.execute(connection).await?;
    if let Escalation::Start { policy } = followed.escalation {
        start(connection, incident_id, policy, now, &mut claimed).await?;
    }
    wake.hand_over(claimed);
    Ok(())
}

/// [`follow_change`] for a change made by no one who acknowledged: an edit, a
/// transition, an automatic move, a lapse.
pub(crate) async fn follow_edit(
    connection: &mut AnyConnection,
    wake: &Wake,
    incident_id: i64,
    before: &PagingFacts,
    now: Timestamp,
) -> StoreResult<()> {
    follow_change(
        connection,
        wake,
        incident_id,
        Some(before),
        By::default(),
        now,
    )
    .await
}

fn push_state(statements: &mut Statements, incident_id: i64, state: EscalationState) {
    statements.push(
        "UPDATE escalations SET state = $1, ack_deadline = NULL WHERE incident_id = $2",
        vec![state.as_str().into(), incident_id.into()],
    );
}

/// A new round of `policy` from its first level, due now, and its first step fired.
async fn start(
    connection: &mut AnyConnection,
    incident_id: i64,
    policy: i64,
    now: Timestamp,
    claimed: &mut Vec<Notification>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO escalations (incident_id, policy_id, state, next_step, next_at, started_at) \
         VALUES ($1, $2, $3, 0, $4, $4) ON CONFLICT (incident_id) DO UPDATE SET \
         policy_id = excluded.policy_id, state = excluded.state, next_step = 0, \
         next_at = excluded.next_at, started_at = excluded.started_at, \
         round = escalations.round + 1, ack_deadline = NULL",
    )
    .bind(incident_id)
    .bind(policy)
    .bind(EscalationState::Active.as_str())
    .bind(to_db(now))
    .execute(&mut *connection)
    .await?;
    if let Some(fired) = engine::step(connection, incident_id, now).await? {
        claimed.extend(fired);
    }
    Ok(())
}

/// Ends the running escalation for `reason`, on the timeline.
fn end(
    statements: &mut Statements,
    incident_id: i64,
    reason: &EndReason,
    by: By<'_>,
    now: Timestamp,
) -> StoreResult<()> {
    match EscalationState::ended(reason) {
        // The policy's acknowledgement timeout, if it has one, starts now.
        EscalationState::Acknowledged => statements.push(
            "UPDATE escalations SET state = $1, ack_deadline = $3 + \
             (SELECT p.ack_timeout_seconds * 1000000 FROM escalation_policies p \
              WHERE p.id = escalations.policy_id) WHERE incident_id = $2",
            vec![
                EscalationState::Acknowledged.as_str().into(),
                incident_id.into(),
                to_db(now).into(),
            ],
        ),
        state => push_state(statements, incident_id, state),
    }
    let ended = EventData::EscalationEnded {
        reason: reason.describe(by.name),
    };
    push_event(statements, incident_id, None, now, &ended)
}

/// Drops the pages and response notices still queued for the incident (a contact
/// method's delay, a retry), saying why on the timeline.
async fn quiet(
    connection: &mut AnyConnection,
    statements: &mut Statements,
    incident_id: i64,
    reason: &EndReason,
    by: By<'_>,
    now: Timestamp,
) -> StoreResult<()> {
    let reason = reason.describe(by.name);
    let dropped: Vec<i64> = sqlx::query_scalar(
        "UPDATE outbox SET dropped_at = $1, last_error = $2 WHERE incident_id = $3 \
         AND purpose IN ($4, $5) AND delivered_at IS NULL AND dropped_at IS NULL RETURNING id",
    )
    .bind(to_db(now))
    .bind(format!("not sent: {reason}"))
    .bind(incident_id)
    .bind(Purpose::Page.as_db())
    .bind(Purpose::Breach.as_db())
    .fetch_all(&mut *connection)
    .await?;
    if !dropped.is_empty() {
        let event = EventData::NotificationsDropped {
            count: dropped.len() as u64,
            reason,
        };
        push_event(statements, incident_id, None, now, &event)?;
    }
    Ok(())
}

/// Tells the people paged for the incident that it is over, through each contact
/// method that paged them: since it was last resolved for [`Notice::Resolved`], in this
/// round and not the one who acknowledged for [`Notice::Acknowledged`]. Only pages that
/// were sent (or being sent) count: a page dropped before it went out told nobody.
async fn tell(
    connection: &mut AnyConnection,
    incident_id: i64,
    notice: Notice,
    paging: &Paging,
    by: By<'_>,
    now: Timestamp,
    claimed: &mut Vec<Notification>,
) -> StoreResult<()> {
    let Some(stored) = paging.escalation else {
        return Ok(());
    };
    let (from, event) = match notice {
        Notice::Resolved => (stored.notice_round, "incident.resolved"),
        Notice::Acknowledged => (stored.round, "incident.acknowledged"),
    };
    let methods = sqlx::query(
        "SELECT DISTINCT c.id, c.kind, c.address, c.secret, u.id AS user_id, u.email \
         FROM outbox o JOIN contact_methods c ON c.id = o.contact_method_id \
         JOIN users u ON u.id = o.user_id \
         WHERE o.incident_id = $1 AND o.purpose = $2 AND o.round >= $3 AND o.round <= $4 \
         AND (o.delivered_at IS NOT NULL OR o.attempts > 0) ORDER BY c.id",
    )
    .bind(incident_id)
    .bind(Purpose::Page.as_db())
    .bind(from)
    .bind(stored.round)
    .fetch_all(&mut *connection)
    .await?;
    if methods.is_empty() {
        return Ok(());
    }
    let row = sqlx::query(
        "SELECT key, summary, status, priority, severity, resolution FROM incidents WHERE id = $1",
    )
    .bind(incident_id)
    .fetch_one(&mut *connection)
    .await?;
    let key: String = row.try_get("key")?;
    let incident = incident_json(
        &key,
        &row.try_get::<String, _>("summary")?,
        &row.try_get::<String, _>("status")?,
        load_priority(row.try_get("priority")?)?,
        load_severity(row.try_get("severity")?)?,
    );
    for method in &methods {
        let user_id: i64 = method.try_get("user_id")?;
        if notice == Notice::Acknowledged && by.user_id == Some(user_id) {
            continue;
        }
        let email: String = method.try_get("email")?;
        let method_id: i64 = method.try_get("id")?;
        let mut payload = json!({
            "event": event,
            "incident": incident,
            "user": email,
        });
        match notice {
            Notice::Resolved => {
                payload["resolution"] = json!(row.try_get::<Option<String>, _>("resolution")?);
            }
            Notice::Acknowledged => payload["by"] = json!(by.name),
        }
        let body = payload.to_string();
        let entry = Entry {
            incident_id,
            incident: &key,
            user: Some((user_id, &email)),
            contact_method_id: Some(method_id),
            kind: method.try_get("kind")?,
            address: method.try_get("address")?,
            secret: method.try_get("secret")?,
            payload: &body,
            idempotency_key: format!("{event}-{incident_id}-{}-{method_id}", stored.round),
            due: now,
            purpose: Purpose::Over,
            round: Some(stored.round),
        };
        enqueue(connection, entry, now, claimed).await?;
    }
    Ok(())
}
