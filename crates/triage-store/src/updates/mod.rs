//! Stakeholder updates: the commander says how an incident stands (what is being done,
//! the impact, when the next update comes), once, and it reaches everyone who should
//! hear — the incident's stakeholders through the outbox, the public status page too if
//! asked — in one transaction with its timeline event and the restart of the update
//! cadence ([`cadence`]). An overdue update reminds the commander ([`overdue`]).

mod cadence;
mod overdue;
mod stakeholders;

pub(crate) use cadence::{push_restart, push_severity_change, push_status_change};
pub use stakeholders::{NewStakeholder, Stakeholder};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use triage_core::duration::parse_duration;
use triage_core::timeline::EventData;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::incidents::{load_incident_state, push_event, push_touch};
use crate::model::UserRef;
use crate::paging::{Entry, Purpose, enqueue, incident_json};
use crate::postgres::lock_incidents;
use crate::sql::Statements;
use crate::status_page::{PublicChange, apply_public_update, text};
use crate::time::{from_db, from_db_opt, to_db};

/// The soonest and the latest a next update may be promised.
const SOONEST_PROMISE: SignedDuration = SignedDuration::from_mins(1);
const LATEST_PROMISE: SignedDuration = SignedDuration::from_hours(24);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeholderUpdate {
    pub id: i64,
    /// The incident's key.
    pub incident: String,
    /// The incident's status when it was posted.
    pub status: String,
    pub message: String,
    pub impact: Option<String>,
    /// When the next update is due: the cadence's, or sooner if promised.
    pub next_update_at: Option<Timestamp>,
    /// Whom it went to: "group sre", "slack hooks.slack.com", …
    pub recipients: Vec<String>,
    /// The status page update posted with it, if it was public too.
    pub public_update_id: Option<i64>,
    pub author: Option<UserRef>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct NewStakeholderUpdate {
    pub message: String,
    pub impact: Option<String>,
    /// `15m`: the next update is promised that soon.
    pub next_update_in: Option<String>,
    /// Post the message on the status page too, to the incident's open public incident.
    pub public: bool,
    /// The public status it moves to (`identified`, `monitoring`, `resolved`); the
    /// public incident's own status unless set.
    pub public_status: Option<String>,
}

fn promise(text: &str) -> StoreResult<SignedDuration> {
    parse_duration(text)
        .ok()
        .filter(|d| (SOONEST_PROMISE..=LATEST_PROMISE).contains(d))
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "next_update_in '{text}' is not allowed: write a duration from 1m to 24h, e.g. 30m"
            ))
        })
}

/// `2026-11-23 10:30 UTC`, as timeline events say times.
fn said(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

impl Store {
    /// Posts a stakeholder update on incident `key`.
    pub async fn post_update(
        &self,
        key: &str,
        new: NewStakeholderUpdate,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<StakeholderUpdate> {
        let message = text("the update's message", &new.message, 5000)?;
        let impact = new
            .impact
            .as_deref()
            .filter(|i| !i.trim().is_empty())
            .map(|i| text("the impact", i, 1000))
            .transpose()?;
        let promised = new
            .next_update_in
            .as_deref()
            .map(promise)
            .transpose()?
            .map(|wait| now + wait);
        if new.public_status.is_some() && !new.public {
            return Err(StoreError::Invalid(
                "public_status moves the status page: post with public: true, or leave it out"
                    .into(),
            ));
        }
        let key = key.to_string();
        let author = actor.clone();
        let cadence = self.options.update_cadence;
        let wake = self.wake.clone();
        let id = self
            .write(move |connection| {
                Box::pin(async move {
                    lock_incidents(connection, std::slice::from_ref(&key)).await?;
                    let state = load_incident_state(connection, &key).await?;
                    let public_update_id = if new.public {
                        let open: Option<(i64, String)> = sqlx::query_as(
                            "SELECT id, status FROM public_incidents WHERE incident_id = $1 \
                             AND resolved_at IS NULL ORDER BY id DESC LIMIT 1",
                        )
                        .bind(state.id)
                        .fetch_optional(&mut *connection)
                        .await?;
                        let Some((public_id, public_status)) = open else {
                            return Err(StoreError::Invalid(format!(
                                "{} has no open incident on the status page: publish it first, \
                                 with its public wording (POST /api/v1/status-page/incidents), \
                                 or post the update without public",
                                state.key
                            )));
                        };
                        let change = PublicChange {
                            status: new.public_status.as_deref().unwrap_or(&public_status),
                            body: &message,
                            components: &[],
                        };
                        let posted =
                            apply_public_update(connection, public_id, change, author.user_id, now)
                                .await?;
                        Some(posted.update_id)
                    } else {
                        None
                    };
                    let mut statements = Statements::default();
                    let next = push_restart(
                        connection,
                        &mut statements,
                        state.id,
                        promised,
                        &cadence,
                        now,
                    )
                    .await?
                    .or(promised);
                    let stakeholders = stakeholders::load(connection, state.id).await?;
                    let labels: Vec<String> =
                        stakeholders.iter().map(|s| s.label.clone()).collect();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO stakeholder_updates (incident_id, status, message, impact, \
                         recipients, next_update_at, public_update_id, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(state.id)
                    .bind(&state.status)
                    .bind(&message)
                    .bind(&impact)
                    .bind(labels.join("\n"))
                    .bind(next.map(to_db))
                    .bind(public_update_id)
                    .bind(author.user_id)
                    .bind(to_db(now))
                    .fetch_one(&mut *connection)
                    .await?;
                    let summary: String =
                        sqlx::query_scalar("SELECT summary FROM incidents WHERE id = $1")
                            .bind(state.id)
                            .fetch_one(&mut *connection)
                            .await?;
                    let payload = json!({
                        "event": "incident.stakeholder_update",
                        "incident": incident_json(
                            &state.key,
                            &summary,
                            &state.status,
                            state.priority,
                            state.severity,
                        ),
                        "update": {
                            "id": id,
                            "message": message,
                            "impact": impact,
                            "next_update_at": next,
                            "author": {"email": author.email, "name": author.name},
                            "public": public_update_id.is_some(),
                        },
                    })
                    .to_string();
                    let mut claimed = Vec::new();
                    let recipients = stakeholders::recipients(connection, &stakeholders).await?;
                    for (n, recipient) in recipients.into_iter().enumerate() {
                        let entry = Entry {
                            incident_id: state.id,
                            incident: &state.key,
                            user: recipient
                                .user
                                .as_ref()
                                .map(|(id, email)| (*id, email.as_str())),
                            contact_method_id: None,
                            kind: recipient.kind.to_string(),
                            address: recipient.address.clone(),
                            secret: None,
                            payload: &payload,
                            idempotency_key: format!("update-{id}-{n}"),
                            due: now,
                            purpose: Purpose::Stakeholder,
                            round: None,
                        };
                        enqueue(connection, entry, now, &mut claimed).await?;
                    }
                    let event = EventData::StakeholderUpdate {
                        update_id: id,
                        message,
                        recipients: labels,
                        next_update: next.map(said),
                    };
                    push_event(&mut statements, state.id, Some(author.user_id), now, &event)?;
                    push_touch(&mut statements, state.id, now);
                    statements.execute(connection).await?;
                    wake.hand_over(claimed);
                    Ok(id)
                })
            })
            .await?;
        // A public update queued deliveries to the page's subscribers.
        self.wake.notify();
        let mut connection = self.read.acquire().await?;
        load_updates(&mut connection, Some(id), None)
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("no stakeholder update {id}")))
    }

    /// The incident's stakeholder updates, oldest first.
    pub async fn updates(&self, key: &str) -> StoreResult<Vec<StakeholderUpdate>> {
        let mut connection = self.read.acquire().await?;
        let state = load_incident_state(&mut connection, key).await?;
        load_updates(&mut connection, None, Some(state.id)).await
    }
}

async fn load_updates(
    connection: &mut AnyConnection,
    id: Option<i64>,
    incident_id: Option<i64>,
) -> StoreResult<Vec<StakeholderUpdate>> {
    let rows = sqlx::query(
        "SELECT s.id, i.key, s.status, s.message, s.impact, s.recipients, s.next_update_at, \
         s.public_update_id, s.created_at, u.email, u.display_name FROM stakeholder_updates s \
         JOIN incidents i ON i.id = s.incident_id LEFT JOIN users u ON u.id = s.created_by \
         WHERE s.id = COALESCE($1, s.id) AND s.incident_id = COALESCE($2, s.incident_id) \
         ORDER BY s.id",
    )
    .bind(id)
    .bind(incident_id)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter().map(update_from).collect()
}

fn update_from(row: &AnyRow) -> StoreResult<StakeholderUpdate> {
    let recipients: String = row.try_get("recipients")?;
    let email: Option<String> = row.try_get("email")?;
    let name: Option<String> = row.try_get("display_name")?;
    Ok(StakeholderUpdate {
        id: row.try_get("id")?,
        incident: row.try_get("key")?,
        status: row.try_get("status")?,
        message: row.try_get("message")?,
        impact: row.try_get("impact")?,
        next_update_at: from_db_opt(row.try_get("next_update_at")?)?,
        recipients: recipients
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        public_update_id: row.try_get("public_update_id")?,
        author: email.zip(name).map(|(email, name)| UserRef { email, name }),
        created_at: from_db(row.try_get("created_at")?)?,
    })
}
