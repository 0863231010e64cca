//! On-call schedules as stored: layers with their members in order, and overrides.
//! Every description is checked by building it into `triage-core`'s schedule before it
//! is written; who is on call is computed from what is read here, never stored.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use triage_core::oncall::{self, Layer, Restriction, ShiftLength};

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::escalation::policies_using_schedule;
use crate::time::{from_db, to_db};
use crate::users::user_id;

/// A rotation layer as people write it: members by e-mail, the shift length (`1w`),
/// the first hand-off in local time (`2026-11-23T09:00`) and windows of the week
/// (`mon-fri 09:00-17:00`; none: always).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleLayer {
    #[serde(default)]
    pub name: String,
    pub users: Vec<String>,
    pub shift: String,
    pub start: String,
    #[serde(default)]
    pub restrictions: Vec<String>,
}

/// Someone covering a window of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleOverride {
    pub id: i64,
    pub user: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub name: String,
    pub description: String,
    /// IANA name: `Europe/Berlin`.
    pub time_zone: String,
    /// Later layers win where they have someone on call.
    pub layers: Vec<ScheduleLayer>,
    /// Overrides that had not ended at the moment asked about.
    pub overrides: Vec<ScheduleOverride>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A schedule to create, or the new description of one (its name stays).
#[derive(Debug, Clone, Default)]
pub struct NewSchedule {
    pub name: String,
    pub description: String,
    pub time_zone: String,
    pub layers: Vec<ScheduleLayer>,
}

#[derive(Debug, Clone)]
pub struct NewOverride {
    pub user: String,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Schedule {
    /// The schedule as `triage-core` computes with it.
    pub fn model(&self) -> StoreResult<oncall::Schedule> {
        let layers = core_layers(&self.layers)?;
        let overrides = self
            .overrides
            .iter()
            .map(|o| oncall::Override {
                user: o.user.clone(),
                start: o.start,
                end: o.end,
            })
            .collect();
        oncall::Schedule::new(&self.time_zone, layers, overrides).map_err(invalid)
    }
}

fn invalid(error: oncall::ScheduleError) -> StoreError {
    StoreError::Invalid(error.to_string())
}

/// Layers read into the core's form; members stay e-mail addresses.
fn core_layers(layers: &[ScheduleLayer]) -> StoreResult<Vec<Layer>> {
    layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let name = match layer.name.trim() {
                "" => format!("Layer {}", i + 1),
                name => name.to_string(),
            };
            Ok(Layer {
                users: layer
                    .users
                    .iter()
                    .map(|u| u.trim().to_lowercase())
                    .filter(|u| !u.is_empty())
                    .collect(),
                shift: ShiftLength::parse(&layer.shift).map_err(invalid)?,
                start: Layer::parse_start(&layer.start).map_err(invalid)?,
                restrictions: layer
                    .restrictions
                    .iter()
                    .filter(|r| !r.trim().is_empty())
                    .map(|r| Restriction::parse(r).map_err(invalid))
                    .collect::<StoreResult<_>>()?,
                name,
            })
        })
        .collect()
}

/// A description checked and written the way it will be read back.
fn normalize(new: &NewSchedule) -> StoreResult<(String, Vec<ScheduleLayer>)> {
    let layers = core_layers(&new.layers)?;
    let time_zone = new.time_zone.trim().to_string();
    oncall::Schedule::new(&time_zone, layers.clone(), Vec::new()).map_err(invalid)?;
    let layers = layers
        .into_iter()
        .map(|layer| ScheduleLayer {
            name: layer.name,
            users: layer.users,
            shift: layer.shift.to_string(),
            start: layer.start.strftime("%Y-%m-%dT%H:%M").to_string(),
            restrictions: layer.restrictions.iter().map(|r| r.to_string()).collect(),
        })
        .collect();
    Ok((time_zone, layers))
}

pub(crate) async fn schedule_id(connection: &mut AnyConnection, name: &str) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT id FROM schedules WHERE name = $1")
        .bind(name.trim())
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no schedule '{}'", name.trim())))
}

/// Writes a schedule's layers and members, replacing any it had.
async fn write_layers(
    connection: &mut AnyConnection,
    id: i64,
    layers: &[ScheduleLayer],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM schedule_layers WHERE schedule_id = $1")
        .bind(id)
        .execute(&mut *connection)
        .await?;
    for (position, layer) in layers.iter().enumerate() {
        let restrictions = serde_json::to_string(&layer.restrictions)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        sqlx::query(
            "INSERT INTO schedule_layers (schedule_id, position, name, shift_length, starts_at, \
             restrictions) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(&layer.name)
        .bind(&layer.shift)
        .bind(&layer.start)
        .bind(restrictions)
        .execute(&mut *connection)
        .await?;
        for (member, email) in layer.users.iter().enumerate() {
            let user = user_id(connection, email).await?;
            sqlx::query(
                "INSERT INTO layer_members (schedule_id, layer_position, position, user_id) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(position as i64)
            .bind(member as i64)
            .bind(user)
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(())
}

/// The schedule `name` with the overrides that end after `since`.
pub(crate) async fn load(
    connection: &mut AnyConnection,
    name: &str,
    since: Timestamp,
) -> StoreResult<Schedule> {
    let row = sqlx::query(
        "SELECT id, name, description, time_zone, created_at, updated_at FROM schedules \
         WHERE name = $1",
    )
    .bind(name.trim())
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no schedule '{}'", name.trim())))?;
    let id: i64 = row.try_get("id")?;
    let mut layers: Vec<ScheduleLayer> = Vec::new();
    for layer in sqlx::query(
        "SELECT name, shift_length, starts_at, restrictions FROM schedule_layers \
         WHERE schedule_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *connection)
    .await?
    {
        let restrictions: String = layer.try_get("restrictions")?;
        layers.push(ScheduleLayer {
            name: layer.try_get("name")?,
            users: Vec::new(),
            shift: layer.try_get("shift_length")?,
            start: layer.try_get("starts_at")?,
            restrictions: serde_json::from_str(&restrictions).map_err(|e| {
                StoreError::Invalid(format!("stored restrictions are unreadable: {e}"))
            })?,
        });
    }
    for member in sqlx::query(
        "SELECT m.layer_position, u.email FROM layer_members m JOIN users u ON u.id = m.user_id \
         WHERE m.schedule_id = $1 ORDER BY m.layer_position, m.position",
    )
    .bind(id)
    .fetch_all(&mut *connection)
    .await?
    {
        let position: i64 = member.try_get("layer_position")?;
        if let Some(layer) = layers.get_mut(position as usize) {
            layer.users.push(member.try_get("email")?);
        }
    }
    let overrides = sqlx::query(
        "SELECT o.id, u.email AS user_email, o.starts_at, o.ends_at, c.email AS created_by, \
         o.created_at FROM schedule_overrides o JOIN users u ON u.id = o.user_id \
         LEFT JOIN users c ON c.id = o.created_by \
         WHERE o.schedule_id = $1 AND o.ends_at > $2 ORDER BY o.starts_at",
    )
    .bind(id)
    .bind(to_db(since))
    .fetch_all(&mut *connection)
    .await?
    .iter()
    .map(|row| {
        Ok(ScheduleOverride {
            id: row.try_get("id")?,
            user: row.try_get("user_email")?,
            start: from_db(row.try_get("starts_at")?)?,
            end: from_db(row.try_get("ends_at")?)?,
            created_by: row.try_get("created_by")?,
            created_at: from_db(row.try_get("created_at")?)?,
        })
    })
    .collect::<StoreResult<Vec<_>>>()?;
    Ok(Schedule {
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        time_zone: row.try_get("time_zone")?,
        layers,
        overrides,
        created_at: from_db(row.try_get("created_at")?)?,
        updated_at: from_db(row.try_get("updated_at")?)?,
    })
}

impl Store {
    pub async fn create_schedule(&self, new: NewSchedule, now: Timestamp) -> StoreResult<Schedule> {
        let name = triage_core::incident::parse_name("schedule", &new.name)?;
        let (time_zone, layers) = normalize(&new)?;
        let description = new.description.trim().to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO schedules (name, description, time_zone, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $4) RETURNING id",
                )
                .bind(&name)
                .bind(&description)
                .bind(&time_zone)
                .bind(to_db(now))
                .fetch_one(&mut *connection)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Duplicate(_) => {
                        StoreError::Duplicate(format!("schedule '{name}' already exists"))
                    }
                    other => other,
                })?;
                write_layers(connection, id, &layers).await?;
                load(connection, &name, now).await
            })
        })
        .await
    }

    /// Replaces a schedule's description, time zone and layers; its overrides stay.
    pub async fn update_schedule(
        &self,
        name: &str,
        new: NewSchedule,
        now: Timestamp,
    ) -> StoreResult<Schedule> {
        let name = name.trim().to_string();
        let (time_zone, layers) = normalize(&new)?;
        let description = new.description.trim().to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let id = schedule_id(connection, &name).await?;
                sqlx::query(
                    "UPDATE schedules SET description = $1, time_zone = $2, updated_at = $3 \
                     WHERE id = $4",
                )
                .bind(&description)
                .bind(&time_zone)
                .bind(to_db(now))
                .bind(id)
                .execute(&mut *connection)
                .await?;
                write_layers(connection, id, &layers).await?;
                load(connection, &name, now).await
            })
        })
        .await
    }

    pub async fn delete_schedule(&self, name: &str) -> StoreResult<()> {
        let name = name.trim().to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let id = schedule_id(connection, &name).await?;
                let users = policies_using_schedule(connection, id).await?;
                if !users.is_empty() {
                    return Err(StoreError::Invalid(format!(
                        "schedule '{name}' is used by escalation policy {}; change the policy first",
                        users.join(", ")
                    )));
                }
                sqlx::query("DELETE FROM schedules WHERE id = $1")
                    .bind(id)
                    .execute(&mut *connection)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// The schedule `name`, with the overrides that end after `since`.
    pub async fn schedule(&self, name: &str, since: Timestamp) -> StoreResult<Schedule> {
        let mut connection = self.read.acquire().await?;
        load(&mut connection, name, since).await
    }

    /// Every schedule by name, with the overrides that end after `since`.
    pub async fn schedules(&self, since: Timestamp) -> StoreResult<Vec<Schedule>> {
        let mut connection = self.read.acquire().await?;
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM schedules ORDER BY name")
            .fetch_all(&mut *connection)
            .await?;
        let mut schedules = Vec::with_capacity(names.len());
        for name in names {
            schedules.push(load(&mut connection, &name, since).await?);
        }
        Ok(schedules)
    }

    /// Someone covers a window of the schedule; refused if it ends before it starts, has
    /// ended, or overlaps another override.
    pub async fn add_override(
        &self,
        schedule: &str,
        new: NewOverride,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<ScheduleOverride> {
        let schedule = schedule.trim().to_string();
        let actor_id = actor.user_id;
        let wanted = oncall::Override {
            user: new.user.trim().to_lowercase(),
            start: new.start,
            end: new.end,
        };
        oncall::check_override(&[], &wanted).map_err(invalid)?;
        if wanted.end <= now {
            return Err(StoreError::Invalid(format!(
                "an override must end in the future: it ends at {}",
                wanted.end
            )));
        }
        self.write(move |connection| {
            Box::pin(async move {
                let current = load(connection, &schedule, wanted.start).await?;
                let existing: Vec<oncall::Override> = current
                    .overrides
                    .iter()
                    .map(|o| oncall::Override {
                        user: o.user.clone(),
                        start: o.start,
                        end: o.end,
                    })
                    .collect();
                oncall::check_override(&existing, &wanted).map_err(invalid)?;
                let schedule_id = schedule_id(connection, &schedule).await?;
                let user = user_id(connection, &wanted.user).await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO schedule_overrides (schedule_id, user_id, starts_at, ends_at, \
                     created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(schedule_id)
                .bind(user)
                .bind(to_db(wanted.start))
                .bind(to_db(wanted.end))
                .bind(actor_id)
                .bind(to_db(now))
                .fetch_one(&mut *connection)
                .await?;
                sqlx::query("UPDATE schedules SET updated_at = $1 WHERE id = $2")
                    .bind(to_db(now))
                    .bind(schedule_id)
                    .execute(&mut *connection)
                    .await?;
                load(connection, &schedule, wanted.start)
                    .await?
                    .overrides
                    .into_iter()
                    .find(|o| o.id == id)
                    .ok_or_else(|| StoreError::NotFound(format!("no override {id}")))
            })
        })
        .await
    }

    /// Removes an override of the schedule.
    pub async fn remove_override(
        &self,
        schedule: &str,
        id: i64,
        now: Timestamp,
    ) -> StoreResult<()> {
        let schedule = schedule.trim().to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let schedule_id = schedule_id(connection, &schedule).await?;
                let removed = sqlx::query(
                    "DELETE FROM schedule_overrides WHERE id = $1 AND schedule_id = $2",
                )
                .bind(id)
                .bind(schedule_id)
                .execute(&mut *connection)
                .await?;
                if removed.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!(
                        "schedule '{schedule}' has no override {id}"
                    )));
                }
                sqlx::query("UPDATE schedules SET updated_at = $1 WHERE id = $2")
                    .bind(to_db(now))
                    .bind(schedule_id)
                    .execute(&mut *connection)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}
