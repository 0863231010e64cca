//! Silences and maintenance windows: stored with their matchers in text form, checked on
//! the way in, and read by alert ingestion for the service a delivery is for.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use triage_core::alert::silence::Matcher;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::time::{from_db, to_db};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silence {
    pub id: i64,
    /// The one service it covers; none: every service.
    pub service: Option<String>,
    /// Alertmanager-style matchers, all of which must hold; none: every alert.
    pub matchers: Vec<String>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub comment: String,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    /// `pending`, `active` or `expired`, as of the moment it was read.
    pub state: String,
}

#[derive(Debug, Clone, Default)]
pub struct NewSilence {
    pub service: Option<String>,
    /// `name=value`, `name!=value`, `name=~regex`, `name!~regex`.
    pub matchers: Vec<String>,
    /// Now unless set.
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    pub comment: String,
}

/// A live silence as ingestion uses it.
pub(crate) struct ActiveSilence {
    pub id: i64,
    pub matchers: Vec<Matcher>,
}

const COLUMNS: &str = "x.id, s.name AS service, x.matchers, x.starts_at, x.ends_at, x.comment, \
     u.email AS created_by, x.created_at";
const JOINS: &str = "silences x LEFT JOIN services s ON s.id = x.service_id \
     LEFT JOIN users u ON u.id = x.created_by";

fn silence_from(row: &AnyRow, now: Timestamp) -> StoreResult<Silence> {
    let matchers: String = row.try_get("matchers")?;
    let starts_at = from_db(row.try_get("starts_at")?)?;
    let ends_at = from_db(row.try_get("ends_at")?)?;
    let state = if ends_at <= now {
        "expired"
    } else if starts_at > now {
        "pending"
    } else {
        "active"
    };
    Ok(Silence {
        id: row.try_get("id")?,
        service: row.try_get("service")?,
        matchers: serde_json::from_str(&matchers)
            .map_err(|e| StoreError::Invalid(format!("stored matchers are unreadable: {e}")))?,
        starts_at,
        ends_at,
        comment: row.try_get("comment")?,
        created_by: row.try_get("created_by")?,
        created_at: from_db(row.try_get("created_at")?)?,
        state: state.to_string(),
    })
}

async fn load(connection: &mut AnyConnection, id: i64, now: Timestamp) -> StoreResult<Silence> {
    let sql = format!("SELECT {COLUMNS} FROM {JOINS} WHERE x.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no silence {id}")))?;
    silence_from(&row, now)
}

impl ActiveSilence {
    /// A silence in force, from its id and stored matchers (a JSON array of text).
    pub(crate) fn read(id: i64, matchers: &str) -> StoreResult<ActiveSilence> {
        let texts: Vec<String> = serde_json::from_str(matchers)
            .map_err(|e| StoreError::Invalid(format!("stored matchers are unreadable: {e}")))?;
        let matchers = texts
            .iter()
            .map(|t| Matcher::parse(t).map_err(|e| StoreError::Invalid(e.to_string())))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(ActiveSilence { id, matchers })
    }
}

impl Store {
    /// Silences a window of alerts: on one service or all, by matchers or wholly.
    pub async fn create_silence(
        &self,
        new: NewSilence,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Silence> {
        let matchers = new
            .matchers
            .iter()
            .filter(|m| !m.trim().is_empty())
            .map(|m| {
                Matcher::parse(m)
                    .map(|m| m.to_string())
                    .map_err(|e| StoreError::Invalid(e.to_string()))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let service = new
            .service
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if matchers.is_empty() && service.is_none() {
            return Err(StoreError::Invalid(
                "a silence needs a service (a maintenance window) or at least one matcher; \
                 silencing every alert everywhere is not allowed"
                    .to_string(),
            ));
        }
        let comment = new.comment.trim().to_string();
        if comment.is_empty() {
            return Err(StoreError::Invalid(
                "a silence needs a comment saying why (e.g. the change ticket)".to_string(),
            ));
        }
        let starts_at = new.starts_at.unwrap_or(now);
        let ends_at = new.ends_at.ok_or_else(|| {
            StoreError::Invalid("a silence needs an end (ends_at, or a duration)".to_string())
        })?;
        if ends_at <= starts_at || ends_at <= now {
            return Err(StoreError::Invalid(format!(
                "a silence must end after it starts and in the future: {starts_at} to {ends_at}"
            )));
        }
        let matchers = serde_json::to_string(&matchers)
            .map_err(|e| StoreError::Invalid(format!("matchers not serializable: {e}")))?;
        let actor_id = actor.user_id;
        self.write(move |connection| {
            Box::pin(async move {
                let service_id: Option<i64> = match &service {
                    Some(name) => Some(
                        sqlx::query_scalar("SELECT id FROM services WHERE name = $1")
                            .bind(name)
                            .fetch_optional(&mut *connection)
                            .await?
                            .ok_or_else(|| StoreError::NotFound(format!("no service '{name}'")))?,
                    ),
                    None => None,
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO silences (service_id, matchers, starts_at, ends_at, comment, \
                     created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(service_id)
                .bind(&matchers)
                .bind(to_db(starts_at))
                .bind(to_db(ends_at))
                .bind(&comment)
                .bind(actor_id)
                .bind(to_db(now))
                .fetch_one(&mut *connection)
                .await?;
                load(connection, id, now).await
            })
        })
        .await
    }

    /// Silences by state (`active`, `pending`, `expired`; none: all), latest ending first.
    pub async fn silences(&self, state: Option<&str>, now: Timestamp) -> StoreResult<Vec<Silence>> {
        let condition = match state {
            None | Some("all") => "",
            Some("active") => "WHERE x.starts_at <= $1 AND x.ends_at > $1",
            Some("pending") => "WHERE x.starts_at > $1",
            Some("expired") => "WHERE x.ends_at <= $1",
            Some(other) => {
                return Err(StoreError::Invalid(format!(
                    "state '{other}' is not allowed: use active, pending, expired or all"
                )));
            }
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM {JOINS} {condition} ORDER BY x.ends_at DESC, x.id DESC LIMIT 500"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if !condition.is_empty() {
            query = query.bind(to_db(now));
        }
        let rows = query.fetch_all(&self.read).await?;
        rows.iter().map(|row| silence_from(row, now)).collect()
    }

    /// Ends a silence now; ending one that has ended is refused.
    pub async fn expire_silence(&self, id: i64, now: Timestamp) -> StoreResult<Silence> {
        self.write(move |connection| {
            Box::pin(async move {
                let current = load(connection, id, now).await?;
                if current.state == "expired" {
                    return Err(StoreError::Invalid(format!(
                        "silence {id} has already ended"
                    )));
                }
                sqlx::query(
                    "UPDATE silences SET ends_at = $1, \
                     starts_at = CASE WHEN starts_at > $1 THEN $1 ELSE starts_at END WHERE id = $2",
                )
                .bind(to_db(now))
                .bind(id)
                .execute(&mut *connection)
                .await?;
                load(connection, id, now).await
            })
        })
        .await
    }
}
