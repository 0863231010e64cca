//! Reading incidents: by key, in batches (for lists), and the state decisions need.

use std::collections::HashMap;

use futures_util::future::BoxFuture;

use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::cadence::Kept;
use triage_core::incident::DetectionSource;
use triage_core::link::{LinkDirection, LinkType};
use triage_core::workflow::Category;
use triage_core::{Priority, Severity};

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::model::{Incident, IncidentLink, LinkedIncident, UserRef};
use crate::sql::{Value, bind_all, placeholders};
use crate::time::{from_db, from_db_opt};

use super::IncidentState;

impl Store {
    pub async fn incident(&self, key: &str) -> StoreResult<Incident> {
        let mut connection = self.read.acquire().await?;
        let id = incident_id(&mut connection, key).await?;
        load_incident(&mut connection, id).await
    }

    /// Runs a write that changes one incident (`work` answers its id) and returns the
    /// incident as it is afterwards, read on the read pool so that the serialized write
    /// stays short: it reflects that write and possibly later ones.
    pub(crate) async fn write_incident<F>(&self, work: F) -> StoreResult<Incident>
    where
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, StoreResult<i64>>
            + Send
            + 'static,
    {
        let id = self.write(work).await?;
        let mut connection = self.read.acquire().await?;
        load_incident(&mut connection, id).await
    }
}

/// The row id of the incident with this key.
impl Store {
    /// The incident with this row id (a Jira client's issue id).
    pub async fn incident_by_id(&self, id: i64) -> StoreResult<Incident> {
        let mut connection = self.read.acquire().await?;
        load_incident(&mut connection, id).await
    }
}

pub(crate) async fn incident_id(connection: &mut AnyConnection, key: &str) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT id FROM incidents WHERE key = $1")
        .bind(normalize_key(key))
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| not_found(key))
}

/// The columns of [`IncidentState`], for queries over `incidents i`.
pub(crate) const STATE_COLUMNS: &str = "i.id, i.key, i.status, i.status_category, i.priority, \
     i.severity, i.assignee_id, u.email AS assignee_email, i.description, i.version, \
     (SELECT COUNT(*) FROM incident_services s WHERE s.incident_id = i.id) AS service_count, \
     (SELECT COUNT(*) FROM incident_labels l WHERE l.incident_id = i.id) AS label_count";

/// What the workflow and the change operations need to know about an incident.
pub(crate) async fn load_state(
    connection: &mut AnyConnection,
    key: &str,
) -> StoreResult<IncidentState> {
    let sql = format!(
        "SELECT {STATE_COLUMNS} FROM incidents i LEFT JOIN users u ON u.id = i.assignee_id \
         WHERE i.key = $1"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(normalize_key(key))
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| not_found(key))?;
    state_from_row(&row)
}

pub(crate) fn normalize_key(key: &str) -> String {
    key.trim().to_ascii_uppercase()
}

pub(crate) fn not_found(key: &str) -> StoreError {
    StoreError::NotFound(format!("no incident {}", key.trim()))
}

pub(crate) fn state_from_row(row: &sqlx::any::AnyRow) -> StoreResult<IncidentState> {
    Ok(IncidentState {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        status: row.try_get("status")?,
        category: category(&row.try_get::<String, _>("status_category")?)?,
        priority: priority(row.try_get("priority")?)?,
        severity: severity(row.try_get("severity")?)?,
        assignee_id: row.try_get("assignee_id")?,
        assignee_email: row.try_get("assignee_email")?,
        description: row.try_get("description")?,
        service_count: row.try_get("service_count")?,
        label_count: row.try_get("label_count")?,
        version: row.try_get("version")?,
    })
}

pub(crate) async fn load_incident(
    connection: &mut AnyConnection,
    id: i64,
) -> StoreResult<Incident> {
    load_incidents(connection, &[id])
        .await?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("no incident with id {id}")))
}

/// Loads whole incidents for `ids`, in that order, with a fixed number of queries.
pub(crate) async fn load_incidents(
    connection: &mut AnyConnection,
    ids: &[i64],
) -> StoreResult<Vec<Incident>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = placeholders(1, ids.len());
    let sql = format!(
        "SELECT i.id, i.key, i.summary, i.description, i.status, i.status_category, i.priority, \
         i.severity, a.email AS a_email, a.display_name AS a_name, r.email AS r_email, \
         r.display_name AS r_name, i.detection_source, i.detected_at, i.resolution, \
         i.created_at, i.updated_at, i.resolved_at, i.acknowledged_at, i.version, \
         i.response_due_at, i.response_breached_at, i.update_due_at, i.update_overdue_at, \
         i.updates_kept, i.updates_missed, e.key AS recurrence_of \
         FROM incidents i LEFT JOIN users a ON a.id = i.assignee_id \
         LEFT JOIN users r ON r.id = i.reporter_id \
         LEFT JOIN incidents e ON e.id = i.recurrence_of WHERE i.id IN ({list})"
    );
    let rows = bind_ids(sqlx::query(AssertSqlSafe(sql)), ids)
        .fetch_all(&mut *connection)
        .await?;
    let (mut services, mut labels) = names_by_incident(connection, ids).await?;
    let mut links = links_by_incident(connection, ids).await?;
    let mut by_id: HashMap<i64, Incident> = HashMap::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let source: String = row.try_get("detection_source")?;
        let incident = Incident {
            id,
            key: row.try_get("key")?,
            summary: row.try_get("summary")?,
            description: row.try_get("description")?,
            status: row.try_get("status")?,
            status_category: category(&row.try_get::<String, _>("status_category")?)?,
            priority: priority(row.try_get("priority")?)?,
            severity: severity(row.try_get("severity")?)?,
            assignee: user_ref(row.try_get("a_email")?, row.try_get("a_name")?),
            reporter: user_ref(row.try_get("r_email")?, row.try_get("r_name")?),
            resolution: row.try_get("resolution")?,
            services: services.remove(&id).unwrap_or_default(),
            labels: labels.remove(&id).unwrap_or_default(),
            detection_source: DetectionSource::parse(&source)?,
            detected_at: from_db(row.try_get("detected_at")?)?,
            created_at: from_db(row.try_get("created_at")?)?,
            updated_at: from_db(row.try_get("updated_at")?)?,
            resolved_at: from_db_opt(row.try_get("resolved_at")?)?,
            acknowledged_at: from_db_opt(row.try_get("acknowledged_at")?)?,
            response_due_at: from_db_opt(row.try_get("response_due_at")?)?,
            response_breached_at: from_db_opt(row.try_get("response_breached_at")?)?,
            update_due_at: from_db_opt(row.try_get("update_due_at")?)?,
            update_overdue_at: from_db_opt(row.try_get("update_overdue_at")?)?,
            update_cadence: Kept {
                kept: count(row.try_get("updates_kept")?),
                missed: count(row.try_get("updates_missed")?),
            },
            version: row.try_get("version")?,
            links: links.remove(&id).unwrap_or_default(),
            recurrence_of: row.try_get("recurrence_of")?,
        };
        by_id.insert(id, incident);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

fn bind_ids<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ids: &[i64],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    bind_all(query, ids.iter().map(|id| Value::from(*id)).collect())
}

type NamesById = HashMap<i64, Vec<String>>;

/// Services and labels of the incidents, in one query.
async fn names_by_incident(
    connection: &mut AnyConnection,
    ids: &[i64],
) -> StoreResult<(NamesById, NamesById)> {
    let list = placeholders(1, ids.len());
    let sql = format!(
        "SELECT incident_id, 'service' AS kind, service AS name FROM incident_services \
         WHERE incident_id IN ({list}) \
         UNION ALL SELECT incident_id, 'label', label FROM incident_labels \
         WHERE incident_id IN ({list}) ORDER BY 1, 2, 3"
    );
    let rows = bind_ids(sqlx::query(AssertSqlSafe(sql)), ids)
        .fetch_all(&mut *connection)
        .await?;
    let (mut services, mut labels) = (NamesById::new(), NamesById::new());
    for row in rows {
        let names = if row.try_get::<String, _>("kind")? == "service" {
            &mut services
        } else {
            &mut labels
        };
        names
            .entry(row.try_get("incident_id")?)
            .or_default()
            .push(row.try_get("name")?);
    }
    Ok((services, labels))
}

async fn links_by_incident(
    connection: &mut AnyConnection,
    ids: &[i64],
) -> StoreResult<HashMap<i64, Vec<IncidentLink>>> {
    let list = placeholders(1, ids.len());
    // Each link once from each side that is in `ids`: `here` is the side we show it on.
    let sql = format!(
        "SELECT l.id, l.link_type, l.source_id AS here, 'outward' AS direction, o.id AS other, o.key, o.summary, \
         o.status, o.status_category, o.priority FROM links l JOIN incidents o ON o.id = l.target_id \
         WHERE l.source_id IN ({list}) \
         UNION ALL \
         SELECT l.id, l.link_type, l.target_id AS here, 'inward' AS direction, o.id, o.key, o.summary, \
         o.status, o.status_category, o.priority FROM links l JOIN incidents o ON o.id = l.source_id \
         WHERE l.target_id IN ({list}) ORDER BY 1"
    );
    let rows = bind_ids(sqlx::query(AssertSqlSafe(sql)), ids)
        .fetch_all(&mut *connection)
        .await?;
    let mut links: HashMap<i64, Vec<IncidentLink>> = HashMap::new();
    for row in rows {
        let stored_type: String = row.try_get("link_type")?;
        let link_type = LinkType::from_stored(&stored_type)
            .ok_or_else(|| StoreError::Invalid(format!("stored link type '{stored_type}'")))?;
        let direction = if row.try_get::<String, _>("direction")? == "outward" {
            LinkDirection::Outward
        } else {
            LinkDirection::Inward
        };
        links
            .entry(row.try_get("here")?)
            .or_default()
            .push(IncidentLink {
                id: row.try_get("id")?,
                link_type,
                direction,
                relation: link_type.phrase(direction).to_string(),
                incident: LinkedIncident {
                    id: row.try_get("other")?,
                    key: row.try_get("key")?,
                    summary: row.try_get("summary")?,
                    status: row.try_get("status")?,
                    status_category: category(&row.try_get::<String, _>("status_category")?)?,
                    priority: priority(row.try_get("priority")?)?,
                },
            });
    }
    Ok(links)
}

fn user_ref(email: Option<String>, name: Option<String>) -> Option<UserRef> {
    email.zip(name).map(|(email, name)| UserRef { email, name })
}

/// A stored count, which is never negative.
fn count(stored: i64) -> u32 {
    u32::try_from(stored).unwrap_or(0)
}

pub(crate) fn category(text: &str) -> StoreResult<Category> {
    Category::parse(text).map_err(|e| StoreError::Invalid(format!("stored {e}")))
}

pub(crate) fn priority(rank: Option<i64>) -> StoreResult<Option<Priority>> {
    rank.map(|r| {
        Priority::from_rank(r).ok_or_else(|| StoreError::Invalid(format!("stored priority {r}")))
    })
    .transpose()
}

pub(crate) fn severity(rank: Option<i64>) -> StoreResult<Option<Severity>> {
    rank.map(|r| {
        Severity::from_rank(r).ok_or_else(|| StoreError::Invalid(format!("stored severity {r}")))
    })
    .transpose()
}

/// An incident page's mark from its version and latest timeline entry.
pub fn incident_mark(version: i64, last_event: i64) -> String {
    format!("{version}.{last_event}")
}

impl Store {
    /// What live pages compare with the one they show: the incident's version and its
    /// latest timeline entry (the paging engine's records add entries without changing
    /// the incident).
    pub async fn incident_mark(&self, key: &str) -> StoreResult<String> {
        let (version, last): (i64, Option<i64>) = sqlx::query_as(
            "SELECT i.version, (SELECT MAX(e.id) FROM events e WHERE e.incident_id = i.id) \
             FROM incidents i WHERE i.key = $1",
        )
        .bind(normalize_key(key))
        .fetch_optional(&self.read)
        .await?
        .ok_or_else(|| not_found(key))?;
        Ok(incident_mark(version, last.unwrap_or(0)))
    }

    /// A mark that changes whenever any incident is created or changed, whichever server
    /// changed it: the latest timeline event (every change appends one), read from the
    /// primary key. What the live dashboard compares. On PostgreSQL two writes may commit
    /// out of id order; the earlier id is then noticed with the next change.
    pub async fn incidents_mark(&self) -> StoreResult<String> {
        let latest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
            .fetch_one(&self.read)
            .await?;
        Ok(latest.to_string())
    }
}
