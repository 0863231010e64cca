//! Action items: added to an incident with a kind, an owner and a due day, changed,
//! finished and verified (only once Done: who, when and how it was shown to work), each
//! step on the incident's timeline. The backlog reads them across incidents, filtered by
//! owner and status, overdue ones flagged. Owners are reminded of the due day
//! ([`reminders`]).

mod reminders;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::action::{ActionKind, ActionStatus, next_reminder};
use triage_core::timeline::EventData;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::incidents::{load_incident_state, push_event, push_touch};
use crate::model::UserRef;
use crate::paging::check_address;
use crate::sql::{Statements, Value, literal};
use crate::status_page::text;
use crate::time::{from_db, from_db_opt, to_db};
use crate::users::user_id;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub by: Option<UserRef>,
    pub at: Timestamp,
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub id: i64,
    /// The incident's key.
    pub incident: String,
    pub title: String,
    pub kind: ActionKind,
    pub owner: Option<UserRef>,
    /// The day it is due, `2026-12-01` (UTC).
    pub due: Option<String>,
    pub status: ActionStatus,
    pub ticket_url: Option<String>,
    pub verified: Option<Verification>,
    /// Not Done and past its due day.
    pub overdue: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub done_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default)]
pub struct NewActionItem {
    pub title: String,
    /// fix unless given.
    pub kind: Option<String>,
    /// The owner's e-mail.
    pub owner: Option<String>,
    pub due: Option<String>,
    pub ticket_url: Option<String>,
}

/// Changes; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ActionChanges {
    pub title: Option<String>,
    pub kind: Option<String>,
    pub owner: Option<Option<String>>,
    pub due: Option<Option<String>>,
    pub status: Option<String>,
    pub ticket_url: Option<Option<String>>,
}

/// Which action items to list.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    /// An incident's key.
    pub incident: Option<String>,
    /// An owner's e-mail.
    pub owner: Option<String>,
    pub status: Option<String>,
    pub overdue: bool,
}

impl ActionFilter {
    /// Every action item of the incident `key`.
    pub fn of_incident(key: impl Into<String>) -> ActionFilter {
        ActionFilter {
            incident: Some(key.into()),
            ..ActionFilter::default()
        }
    }
}

fn invalid(error: impl ToString) -> StoreError {
    StoreError::Invalid(error.to_string())
}

fn due_day(text: &str) -> StoreResult<String> {
    text.trim()
        .parse::<Date>()
        .map(|d| d.to_string())
        .map_err(|_| {
            invalid(format!(
                "due '{text}' is not a day: write it like 2026-12-01"
            ))
        })
}

fn ticket(url: &str) -> StoreResult<String> {
    let url = url.trim().to_string();
    check_address("ticket", "link", &url)?;
    Ok(url)
}

/// When the owner of an item is next reminded: only an open item with an owner and a
/// due day is.
fn remind_at(status: ActionStatus, owner: bool, due: Option<&str>, now: Timestamp) -> Option<i64> {
    let due = due?.parse::<Date>().ok()?;
    (status != ActionStatus::Done && owner)
        .then(|| next_reminder(due, now))
        .flatten()
        .map(to_db)
}

/// Today in UTC, as the due days are written.
fn today(now: Timestamp) -> String {
    now.to_zoned(TimeZone::UTC).date().to_string()
}

const COLUMNS: &str = "a.id, i.key, a.title, a.kind, o.email AS o_email, \
     o.display_name AS o_name, a.due_on, a.status, a.ticket_url, v.email AS v_email, \
     v.display_name AS v_name, a.verified_at, a.verification, a.created_at, a.updated_at, \
     a.done_at";
const FROM: &str = "FROM action_items a JOIN incidents i ON i.id = a.incident_id \
     LEFT JOIN users o ON o.id = a.owner_id LEFT JOIN users v ON v.id = a.verified_by";

fn user(email: Option<String>, name: Option<String>) -> Option<UserRef> {
    email.zip(name).map(|(email, name)| UserRef { email, name })
}

fn from_row(row: &AnyRow, now: Timestamp) -> StoreResult<ActionItem> {
    let kind = ActionKind::parse(&row.try_get::<String, _>("kind")?).map_err(invalid)?;
    let status = ActionStatus::parse(&row.try_get::<String, _>("status")?).map_err(invalid)?;
    let due: Option<String> = row.try_get("due_on")?;
    let verified = match from_db_opt(row.try_get("verified_at")?)? {
        Some(at) => Some(Verification {
            by: user(row.try_get("v_email")?, row.try_get("v_name")?),
            at,
            how: row
                .try_get::<Option<String>, _>("verification")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(ActionItem {
        id: row.try_get("id")?,
        incident: row.try_get("key")?,
        title: row.try_get("title")?,
        kind,
        owner: user(row.try_get("o_email")?, row.try_get("o_name")?),
        overdue: status != ActionStatus::Done
            && due.as_deref().is_some_and(|d| d < today(now).as_str()),
        due,
        status,
        ticket_url: row.try_get("ticket_url")?,
        verified,
        created_at: from_db(row.try_get("created_at")?)?,
        updated_at: from_db(row.try_get("updated_at")?)?,
        done_at: from_db_opt(row.try_get("done_at")?)?,
    })
}

async fn load(connection: &mut AnyConnection, id: i64, now: Timestamp) -> StoreResult<ActionItem> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no action item {id}")))?;
    from_row(&row, now)
}

/// The incident action item `id` belongs to (the item was just read, so it exists).
async fn incident_of(connection: &mut AnyConnection, id: i64) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT incident_id FROM action_items WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *connection)
            .await?,
    )
}

fn push_action_event(
    statements: &mut Statements,
    incident_id: i64,
    item: (i64, &str),
    action: &str,
    detail: Option<String>,
    actor_id: i64,
    now: Timestamp,
) -> StoreResult<()> {
    let event = EventData::ActionItem {
        id: item.0,
        title: item.1.to_string(),
        action: action.to_string(),
        detail,
    };
    push_event(statements, incident_id, Some(actor_id), now, &event)?;
    push_touch(statements, incident_id, now);
    Ok(())
}

impl Store {
    pub async fn add_action_item(
        &self,
        key: &str,
        new: NewActionItem,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<ActionItem> {
        let title = text("the action item's title", &new.title, 300)?;
        let kind = match new.kind.as_deref() {
            Some(kind) => ActionKind::parse(kind).map_err(invalid)?,
            None => ActionKind::Fix,
        };
        let due = new.due.as_deref().map(due_day).transpose()?;
        let ticket_url = new.ticket_url.as_deref().map(ticket).transpose()?;
        let key = key.to_string();
        let actor_id = actor.user_id;
        let id = self
            .write(move |connection| {
                Box::pin(async move {
                    let state = load_incident_state(connection, &key).await?;
                    let owner = match &new.owner {
                        Some(email) => Some(user_id(connection, email).await?),
                        None => None,
                    };
                    let remind =
                        remind_at(ActionStatus::Open, owner.is_some(), due.as_deref(), now);
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO action_items (incident_id, title, kind, owner_id, due_on, \
                         status, ticket_url, created_by, created_at, updated_at, remind_at) \
                         VALUES ($1, $2, $3, $4, $5, $10, $6, $7, $8, $8, $9) RETURNING id",
                    )
                    .bind(state.id)
                    .bind(&title)
                    .bind(kind.as_str())
                    .bind(owner)
                    .bind(&due)
                    .bind(&ticket_url)
                    .bind(actor_id)
                    .bind(to_db(now))
                    .bind(remind)
                    .bind(ActionStatus::Open.as_str())
                    .fetch_one(&mut *connection)
                    .await?;
                    let mut statements = Statements::default();
                    push_action_event(
                        &mut statements,
                        state.id,
                        (id, &title),
                        "added",
                        None,
                        actor_id,
                        now,
                    )?;
                    statements.execute(connection).await?;
                    Ok(id)
                })
            })
            .await?;
        let mut connection = self.read.acquire().await?;
        load(&mut connection, id, now).await
    }

    pub async fn update_action_item(
        &self,
        id: i64,
        changes: ActionChanges,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<ActionItem> {
        let title = changes
            .title
            .as_deref()
            .map(|t| text("the action item's title", t, 300))
            .transpose()?;
        let kind = changes
            .kind
            .as_deref()
            .map(|k| ActionKind::parse(k).map_err(invalid))
            .transpose()?;
        let status = changes
            .status
            .as_deref()
            .map(|s| ActionStatus::parse(s).map_err(invalid))
            .transpose()?;
        let due = match &changes.due {
            Some(Some(day)) => Some(Some(due_day(day)?)),
            Some(None) => Some(None),
            None => None,
        };
        let ticket_url = match &changes.ticket_url {
            Some(Some(url)) => Some(Some(ticket(url)?)),
            Some(None) => Some(None),
            None => None,
        };
        let actor_id = actor.user_id;
        self.write(move |connection| {
            Box::pin(async move {
                let current = load(connection, id, now).await?;
                let incident_id = incident_of(connection, id).await?;
                let mut sets: Vec<(&str, Value)> = Vec::new();
                let mut said = Vec::new();
                if let Some(title) = &title {
                    sets.push(("title", title.as_str().into()));
                    said.push(format!("title \"{title}\""));
                }
                if let Some(kind) = kind {
                    sets.push(("kind", kind.as_str().into()));
                    said.push(format!("kind {kind}"));
                }
                if let Some(owner) = &changes.owner {
                    let owner_id = match owner {
                        Some(email) => Some(user_id(connection, email).await?),
                        None => None,
                    };
                    sets.push(("owner_id", owner_id.into()));
                    said.push(format!(
                        "owner {}",
                        owner.as_deref().unwrap_or("none").trim().to_lowercase()
                    ));
                }
                if let Some(due) = &due {
                    sets.push(("due_on", due.clone().into()));
                    said.push(format!("due {}", due.as_deref().unwrap_or("none")));
                }
                if let Some(url) = &ticket_url {
                    sets.push(("ticket_url", url.clone().into()));
                    said.push("ticket".to_string());
                }
                let mut action = "changed";
                if let Some(status) = status
                    && status != current.status
                {
                    sets.push(("status", status.as_str().into()));
                    let done = status == ActionStatus::Done;
                    sets.push(("done_at", done.then(|| to_db(now)).into()));
                    if current.status == ActionStatus::Done {
                        // Reopened: its verification no longer stands.
                        sets.push(("verified_at", Option::<i64>::None.into()));
                        sets.push(("verified_by", Option::<i64>::None.into()));
                        sets.push(("verification", Option::<String>::None.into()));
                        action = "reopened";
                    } else if done {
                        action = "done";
                    } else {
                        said.push(format!("status {status}"));
                    }
                }
                if sets.is_empty() {
                    return Ok(());
                }
                if changes.owner.is_some() || due.is_some() || status.is_some() {
                    let owner = match &changes.owner {
                        Some(owner) => owner.is_some(),
                        None => current.owner.is_some(),
                    };
                    let due = due.clone().unwrap_or(current.due.clone());
                    let status = status.unwrap_or(current.status);
                    let remind = remind_at(status, owner, due.as_deref(), now);
                    sets.push(("remind_at", remind.into()));
                }
                sets.push(("updated_at", to_db(now).into()));
                let mut statements = Statements::default();
                let assignments: Vec<String> = sets
                    .iter()
                    .enumerate()
                    .map(|(n, (column, _))| format!("{column} = ${}", n + 1))
                    .collect();
                let mut values: Vec<Value> = sets.into_iter().map(|(_, v)| v).collect();
                values.push(id.into());
                statements.push(
                    &format!(
                        "UPDATE action_items SET {} WHERE id = ${}",
                        assignments.join(", "),
                        values.len()
                    ),
                    values,
                );
                let shown = title.clone().unwrap_or(current.title.clone());
                let detail = (!said.is_empty()).then(|| said.join(", "));
                push_action_event(
                    &mut statements,
                    incident_id,
                    (id, &shown),
                    action,
                    detail,
                    actor_id,
                    now,
                )?;
                statements.execute(connection).await
            })
        })
        .await?;
        let mut connection = self.read.acquire().await?;
        load(&mut connection, id, now).await
    }

    /// Records that a Done action item was shown to work, and how.
    pub async fn verify_action_item(
        &self,
        id: i64,
        how: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<ActionItem> {
        let how = text("how it was verified", how, 1000)?;
        let actor_id = actor.user_id;
        self.write(move |connection| {
            Box::pin(async move {
                let current = load(connection, id, now).await?;
                if current.status != ActionStatus::Done {
                    return Err(StoreError::Invalid(format!(
                        "action item {id} is {}: only a Done item is verified",
                        current.status
                    )));
                }
                let incident_id = incident_of(connection, id).await?;
                let mut statements = Statements::default();
                statements.push(
                    "UPDATE action_items SET verified_by = $1, verified_at = $2, \
                     verification = $3, updated_at = $2 WHERE id = $4",
                    vec![
                        actor_id.into(),
                        to_db(now).into(),
                        how.as_str().into(),
                        id.into(),
                    ],
                );
                push_action_event(
                    &mut statements,
                    incident_id,
                    (id, &current.title),
                    "verified",
                    Some(how.clone()),
                    actor_id,
                    now,
                )?;
                statements.execute(connection).await
            })
        })
        .await?;
        let mut connection = self.read.acquire().await?;
        load(&mut connection, id, now).await
    }

    /// Action items across incidents (or one incident's), oldest first.
    pub async fn action_items(
        &self,
        filter: ActionFilter,
        now: Timestamp,
    ) -> StoreResult<Vec<ActionItem>> {
        let mut connection = self.read.acquire().await?;
        select(&mut connection, filter, now).await
    }
}

/// [`Store::action_items`] on `connection`: inside a transaction, what it sees.
pub(crate) async fn select(
    connection: &mut AnyConnection,
    filter: ActionFilter,
    now: Timestamp,
) -> StoreResult<Vec<ActionItem>> {
    let mut conditions = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(key) = &filter.incident {
        let state = load_incident_state(connection, key).await?;
        values.push(state.id.into());
        conditions.push(format!("a.incident_id = ${}", values.len()));
    }
    if let Some(owner) = &filter.owner {
        let id = user_id(connection, owner).await?;
        values.push(id.into());
        conditions.push(format!("a.owner_id = ${}", values.len()));
    }
    if let Some(status) = &filter.status {
        let status = ActionStatus::parse(status).map_err(invalid)?;
        values.push(status.as_str().into());
        conditions.push(format!("a.status = ${}", values.len()));
    }
    if filter.overdue {
        values.push(today(now).into());
        conditions.push(format!(
            "a.status <> {} AND a.due_on IS NOT NULL AND a.due_on < ${}",
            literal(ActionStatus::Done.as_str()),
            values.len()
        ));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!("SELECT {COLUMNS} {FROM} {filter} ORDER BY a.id");
    let rows = crate::sql::bind_all(sqlx::query(AssertSqlSafe(sql)), values)
        .fetch_all(&mut *connection)
        .await?;
    rows.iter().map(|row| from_row(row, now)).collect()
}
