//! Escalation policies as stored: levels in order, each with its targets (users or
//! schedules) and its delay. Every description is checked by building it into
//! `triage-core`'s policy before it is written.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use triage_core::duration::{format_duration, parse_duration};
use triage_core::escalation::{self, Level, Policy, Target};

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::schedules::schedule_id;
use crate::time::{from_db, to_db};
use crate::users::user_id;

/// Who a level pages, as written: `{"user": "ann@example.com"}` or
/// `{"schedule": "primary"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PolicyTarget {
    User(String),
    Schedule(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyLevel {
    pub targets: Vec<PolicyTarget>,
    /// How long to wait for an acknowledgement before the next level: `30s`, `5m`, `1h`.
    pub delay: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationPolicy {
    pub name: String,
    pub description: String,
    /// Times the whole policy is gone through again after the first pass.
    pub repeat: u32,
    /// An acknowledgement not followed by progress within this long lapses, and the
    /// policy pages again from level 1 (`30m`); none: never.
    pub ack_timeout: Option<String>,
    pub levels: Vec<PolicyLevel>,
    /// The services that use it.
    pub services: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A policy to create, or the new description of one (its name stays).
#[derive(Debug, Clone, Default)]
pub struct NewPolicy {
    pub name: String,
    pub description: String,
    pub repeat: u32,
    pub ack_timeout: Option<String>,
    pub levels: Vec<PolicyLevel>,
}

impl EscalationPolicy {
    /// The policy as `triage-core` decides with it.
    pub fn model(&self) -> StoreResult<Policy> {
        core_policy(&self.levels, self.repeat)
    }
}

fn core_policy(levels: &[PolicyLevel], repeat: u32) -> StoreResult<Policy> {
    let invalid = |e: escalation::PolicyError| StoreError::Invalid(e.to_string());
    let levels = levels
        .iter()
        .enumerate()
        .map(|(i, level)| {
            Ok(Level {
                delay: Policy::parse_delay(i + 1, &level.delay).map_err(invalid)?,
                targets: level
                    .targets
                    .iter()
                    .map(|t| match t {
                        PolicyTarget::User(email) => Target::User(email.trim().to_lowercase()),
                        PolicyTarget::Schedule(name) => Target::Schedule(name.trim().to_string()),
                    })
                    .collect(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Policy::new(levels, repeat).map_err(invalid)
}

/// An acknowledgement timeout as written (`30m`), in seconds; none for none.
fn ack_timeout_seconds(text: Option<&str>) -> StoreResult<Option<i64>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => parse_duration(text)
            .map(|d| Some(d.as_secs()))
            .map_err(|e| StoreError::Invalid(format!("acknowledgement timeout: {e}"))),
    }
}

async fn policy_id(connection: &mut AnyConnection, name: &str) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT id FROM escalation_policies WHERE name = $1")
        .bind(name.trim())
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no escalation policy '{}'", name.trim())))
}

/// Writes a policy's levels and targets, replacing any it had.
async fn write_levels(connection: &mut AnyConnection, id: i64, policy: &Policy) -> StoreResult<()> {
    sqlx::query("DELETE FROM escalation_levels WHERE policy_id = $1")
        .bind(id)
        .execute(&mut *connection)
        .await?;
    for (position, level) in policy.levels().iter().enumerate() {
        sqlx::query(
            "INSERT INTO escalation_levels (policy_id, position, delay_seconds) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(level.delay.as_secs())
        .execute(&mut *connection)
        .await?;
        for (order, target) in level.targets.iter().enumerate() {
            let (user, schedule) = match target {
                Target::User(email) => (Some(user_id(connection, email).await?), None),
                Target::Schedule(name) => (None, Some(schedule_id(connection, name).await?)),
            };
            sqlx::query(
                "INSERT INTO escalation_targets (policy_id, level_position, position, user_id, \
                 schedule_id) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(position as i64)
            .bind(order as i64)
            .bind(user)
            .bind(schedule)
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(())
}

/// The policy `name` as stored.
pub(crate) async fn load(
    connection: &mut AnyConnection,
    name: &str,
) -> StoreResult<EscalationPolicy> {
    let row = sqlx::query(
        "SELECT id, name, description, repeats, ack_timeout_seconds, created_at, updated_at \
         FROM escalation_policies WHERE name = $1",
    )
    .bind(name.trim())
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no escalation policy '{}'", name.trim())))?;
    let id: i64 = row.try_get("id")?;
    let mut levels: Vec<PolicyLevel> = sqlx::query_scalar::<_, i64>(
        "SELECT delay_seconds FROM escalation_levels WHERE policy_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *connection)
    .await?
    .into_iter()
    .map(|seconds| PolicyLevel {
        targets: Vec::new(),
        delay: format_duration(SignedDuration::from_secs(seconds)),
    })
    .collect();
    for target in sqlx::query(
        "SELECT t.level_position, u.email, s.name AS schedule FROM escalation_targets t \
         LEFT JOIN users u ON u.id = t.user_id LEFT JOIN schedules s ON s.id = t.schedule_id \
         WHERE t.policy_id = $1 ORDER BY t.level_position, t.position",
    )
    .bind(id)
    .fetch_all(&mut *connection)
    .await?
    {
        let position: i64 = target.try_get("level_position")?;
        let email: Option<String> = target.try_get("email")?;
        let schedule: Option<String> = target.try_get("schedule")?;
        let target = match (email, schedule) {
            (Some(email), _) => PolicyTarget::User(email),
            (None, Some(schedule)) => PolicyTarget::Schedule(schedule),
            (None, None) => continue,
        };
        if let Some(level) = levels.get_mut(position as usize) {
            level.targets.push(target);
        }
    }
    let services: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM services WHERE escalation_policy_id = $1 ORDER BY name",
    )
    .bind(id)
    .fetch_all(&mut *connection)
    .await?;
    let repeats: i64 = row.try_get("repeats")?;
    Ok(EscalationPolicy {
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        repeat: u32::try_from(repeats).unwrap_or(0),
        ack_timeout: row
            .try_get::<Option<i64>, _>("ack_timeout_seconds")?
            .map(|s| format_duration(SignedDuration::from_secs(s))),
        levels,
        services,
        created_at: from_db(row.try_get("created_at")?)?,
        updated_at: from_db(row.try_get("updated_at")?)?,
    })
}

impl Store {
    pub async fn create_policy(
        &self,
        new: NewPolicy,
        now: Timestamp,
    ) -> StoreResult<EscalationPolicy> {
        let name = triage_core::incident::parse_name("escalation policy", &new.name)?;
        let policy = core_policy(&new.levels, new.repeat)?;
        let timeout = ack_timeout_seconds(new.ack_timeout.as_deref())?;
        let description = new.description.trim().to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO escalation_policies (name, description, repeats, \
                     ack_timeout_seconds, created_at, updated_at) \
                     VALUES ($1, $2, $3, $5, $4, $4) RETURNING id",
                )
                .bind(&name)
                .bind(&description)
                .bind(i64::from(policy.repeat()))
                .bind(to_db(now))
                .bind(timeout)
                .fetch_one(&mut *connection)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Duplicate(_) => {
                        StoreError::Duplicate(format!("escalation policy '{name}' already exists"))
                    }
                    other => other,
                })?;
                write_levels(connection, id, &policy).await?;
                load(connection, &name).await
            })
        })
        .await
    }

    /// Replaces a policy's description, levels and repeat count.
    pub async fn update_policy(
        &self,
        name: &str,
        new: NewPolicy,
        now: Timestamp,
    ) -> StoreResult<EscalationPolicy> {
        let name = name.trim().to_string();
        let policy = core_policy(&new.levels, new.repeat)?;
        let timeout = ack_timeout_seconds(new.ack_timeout.as_deref())?;
        let description = new.description.trim().to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let id = policy_id(connection, &name).await?;
                sqlx::query(
                    "UPDATE escalation_policies SET description = $1, repeats = $2, \
                     updated_at = $3, ack_timeout_seconds = $5 WHERE id = $4",
                )
                .bind(&description)
                .bind(i64::from(policy.repeat()))
                .bind(to_db(now))
                .bind(id)
                .bind(timeout)
                .execute(&mut *connection)
                .await?;
                write_levels(connection, id, &policy).await?;
                load(connection, &name).await
            })
        })
        .await
    }

    /// Deletes a policy; the services that used it are left without one.
    pub async fn delete_policy(&self, name: &str) -> StoreResult<()> {
        let name = name.trim().to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let id = policy_id(connection, &name).await?;
                sqlx::query("DELETE FROM escalation_policies WHERE id = $1")
                    .bind(id)
                    .execute(&mut *connection)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn policy(&self, name: &str) -> StoreResult<EscalationPolicy> {
        let mut connection = self.read.acquire().await?;
        load(&mut connection, name).await
    }

    pub async fn policies(&self) -> StoreResult<Vec<EscalationPolicy>> {
        let mut connection = self.read.acquire().await?;
        let names: Vec<String> =
            sqlx::query_scalar("SELECT name FROM escalation_policies ORDER BY name")
                .fetch_all(&mut *connection)
                .await?;
        let mut policies = Vec::with_capacity(names.len());
        for name in names {
            policies.push(load(&mut connection, &name).await?);
        }
        Ok(policies)
    }
}

/// The escalation policies that page through the schedule `schedule_id`, by name.
pub(crate) async fn policies_using_schedule(
    connection: &mut AnyConnection,
    schedule_id: i64,
) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT p.name FROM escalation_targets t \
         JOIN escalation_policies p ON p.id = t.policy_id WHERE t.schedule_id = $1 ORDER BY p.name",
    )
    .bind(schedule_id)
    .fetch_all(&mut *connection)
    .await?)
}
