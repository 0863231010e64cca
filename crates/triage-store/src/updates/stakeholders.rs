//! An incident's stakeholders: added and removed by responders (each on the timeline),
//! and turned into the addresses an update goes to when it is posted — a user by the
//! e-mail of their account, a group by each active member's, the rest as given.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use triage_core::email::parse_email;
use triage_core::stakeholder::StakeholderKind;
use triage_core::timeline::EventData;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::groups::group_id;
use crate::incidents::{load_incident_state, push_event, push_touch};
use crate::paging::check_address;
use crate::postgres::lock_incidents;
use crate::sql::Statements;
use crate::time::{from_db, to_db};
use crate::users::user_id;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stakeholder {
    pub id: i64,
    pub kind: StakeholderKind,
    /// A user's e-mail, a group's name, an e-mail address or a URL.
    pub target: String,
    /// As the timeline shows it: "group sre", "slack hooks.slack.com".
    pub label: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct NewStakeholder {
    pub kind: String,
    pub target: String,
}

/// Where one copy of an update goes.
pub(crate) struct Recipient {
    /// The user it is for, id and e-mail, if any.
    pub user: Option<(i64, String)>,
    /// email, webhook, slack or teams.
    pub kind: &'static str,
    pub address: String,
}

impl Store {
    /// Adds a stakeholder to the incident `key`; refused if it is one already.
    pub async fn add_stakeholder(
        &self,
        key: &str,
        new: NewStakeholder,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Stakeholder> {
        let kind = StakeholderKind::parse(&new.kind)
            .map_err(|error| StoreError::Invalid(error.to_string()))?;
        let target = new.target.trim().to_string();
        if target.is_empty() {
            return Err(StoreError::Invalid(format!(
                "a {kind} stakeholder needs a target: {}",
                match kind {
                    StakeholderKind::User => "the user's e-mail",
                    StakeholderKind::Group => "the group's name",
                    StakeholderKind::Email => "an e-mail address",
                    _ => "the URL to post to",
                }
            )));
        }
        let target = match kind {
            StakeholderKind::Email => {
                parse_email(&target).map_err(|error| StoreError::Invalid(error.to_string()))?
            }
            StakeholderKind::User => target.to_lowercase(),
            _ => target,
        };
        if kind.is_web() {
            check_address("stakeholder", kind.as_str(), &target)?;
        }
        let key = key.to_string();
        let actor_id = actor.user_id;
        self.write(move |connection| {
            Box::pin(async move {
                lock_incidents(connection, std::slice::from_ref(&key)).await?;
                let state = load_incident_state(connection, &key).await?;
                match kind {
                    StakeholderKind::User => {
                        user_id(connection, &target).await?;
                    }
                    StakeholderKind::Group => {
                        group_id(connection, &target).await?;
                    }
                    _ => {}
                }
                let label = kind.label(&target);
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO incident_stakeholders (incident_id, kind, target, added_by, \
                     created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (incident_id, kind, target) DO NOTHING RETURNING id",
                )
                .bind(state.id)
                .bind(kind.as_str())
                .bind(&target)
                .bind(actor_id)
                .bind(to_db(now))
                .fetch_optional(&mut *connection)
                .await?;
                let Some(id) = id else {
                    return Err(StoreError::Duplicate(format!(
                        "{label} is already a stakeholder of {}",
                        state.key
                    )));
                };
                let mut statements = Statements::default();
                let event = EventData::StakeholderAdded {
                    stakeholder: label.clone(),
                };
                push_event(&mut statements, state.id, Some(actor_id), now, &event)?;
                push_touch(&mut statements, state.id, now);
                statements.execute(connection).await?;
                Ok(Stakeholder {
                    id,
                    kind,
                    target,
                    label,
                    created_at: now,
                })
            })
        })
        .await
    }

    /// Removes stakeholder `id` from the incident `key`.
    pub async fn remove_stakeholder(
        &self,
        key: &str,
        id: i64,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<()> {
        let key = key.to_string();
        let actor_id = actor.user_id;
        self.write(move |connection| {
            Box::pin(async move {
                lock_incidents(connection, std::slice::from_ref(&key)).await?;
                let state = load_incident_state(connection, &key).await?;
                let found = load(connection, state.id)
                    .await?
                    .into_iter()
                    .find(|s| s.id == id)
                    .ok_or_else(|| {
                        StoreError::NotFound(format!("{} has no stakeholder {id}", state.key))
                    })?;
                let mut statements = Statements::default();
                statements.push(
                    "DELETE FROM incident_stakeholders WHERE id = $1",
                    vec![id.into()],
                );
                let event = EventData::StakeholderRemoved {
                    stakeholder: found.label,
                };
                push_event(&mut statements, state.id, Some(actor_id), now, &event)?;
                push_touch(&mut statements, state.id, now);
                statements.execute(connection).await
            })
        })
        .await
    }

    /// The incident's stakeholders, in the order they were added.
    pub async fn stakeholders(&self, key: &str) -> StoreResult<Vec<Stakeholder>> {
        let mut connection = self.read.acquire().await?;
        let state = load_incident_state(&mut connection, key).await?;
        load(&mut connection, state.id).await
    }
}

pub(crate) async fn load(
    connection: &mut AnyConnection,
    incident_id: i64,
) -> StoreResult<Vec<Stakeholder>> {
    let rows = sqlx::query(
        "SELECT id, kind, target, created_at FROM incident_stakeholders WHERE incident_id = $1 \
         ORDER BY id",
    )
    .bind(incident_id)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            let kind = StakeholderKind::parse(&row.try_get::<String, _>("kind")?)
                .map_err(|error| StoreError::Invalid(error.to_string()))?;
            let target: String = row.try_get("target")?;
            Ok(Stakeholder {
                id: row.try_get("id")?,
                kind,
                label: kind.label(&target),
                target,
                created_at: from_db(row.try_get("created_at")?)?,
            })
        })
        .collect()
}

/// Where an update to `stakeholders` goes: each address once, people by the e-mail of
/// their account (inactive ones left out).
pub(crate) async fn recipients(
    connection: &mut AnyConnection,
    stakeholders: &[Stakeholder],
) -> StoreResult<Vec<Recipient>> {
    let mut recipients: Vec<Recipient> = Vec::new();
    for stakeholder in stakeholders {
        let people: Vec<(i64, String)> =
            match stakeholder.kind {
                StakeholderKind::User => {
                    sqlx::query_as("SELECT id, email FROM users WHERE email = $1 AND active <> 0")
                        .bind(&stakeholder.target)
                        .fetch_all(&mut *connection)
                        .await?
                }
                StakeholderKind::Group => sqlx::query_as(
                    "SELECT u.id, u.email FROM users u JOIN group_members m ON m.user_id = u.id \
                     JOIN groups g ON g.id = m.group_id WHERE g.name = $1 AND u.active <> 0 \
                     ORDER BY u.email",
                )
                .bind(&stakeholder.target)
                .fetch_all(&mut *connection)
                .await?,
                _ => Vec::new(),
            };
        let mut found: Vec<Recipient> = people
            .into_iter()
            .map(|(id, email)| Recipient {
                address: email.clone(),
                user: Some((id, email)),
                kind: "email",
            })
            .collect();
        if !matches!(
            stakeholder.kind,
            StakeholderKind::User | StakeholderKind::Group
        ) {
            found.push(Recipient {
                user: None,
                kind: stakeholder.kind.as_str(),
                address: stakeholder.target.clone(),
            });
        }
        for recipient in found {
            let seen = recipients
                .iter()
                .any(|r| r.kind == recipient.kind && r.address == recipient.address);
            if !seen {
                recipients.push(recipient);
            }
        }
    }
    Ok(recipients)
}
