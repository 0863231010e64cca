//! The service catalog and its integrations. A service is what incidents and alerts are
//! about (its name is what incidents list under `services`); an integration is one
//! source of alerts for it, identified by a secret key shown once and stored hashed.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use triage_core::Priority;
use triage_core::alert::{AlertPolicy, AlertSeverity, IntegrationKind};
use triage_core::incident::parse_name;

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::time::{from_db, from_db_opt, to_db};
use crate::tokens::hash;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    pub description: String,
    /// The group that owns it.
    pub owner: Option<String>,
    pub runbook_url: Option<String>,
    pub created_at: Timestamp,
    /// The priority and severity each alert level opens an incident with: `"P1/SEV1"`.
    pub alert_mapping: BTreeMap<String, String>,
    /// What happens when every alert of an incident has resolved: leave, monitoring or
    /// resolve.
    pub on_resolved: String,
    /// Seconds after its alerts resolved during which a group firing again reopens its
    /// incident.
    pub flap_window: i64,
    /// Labels that decide alert grouping; empty: each sender's own grouping.
    pub group_by: Vec<String>,
    /// Who is paged for its incidents, and how escalation climbs.
    pub escalation_policy: Option<String>,
    /// Priorities whose incidents page (`P1`, `P2`); the others notify without paging.
    pub paging_priorities: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewService {
    pub name: String,
    pub description: String,
    pub owner: Option<String>,
    pub runbook_url: Option<String>,
    pub policy: PolicyChanges,
}

/// Alert settings to change, in their text forms; `None` leaves one alone.
#[derive(Debug, Clone, Default)]
pub struct PolicyChanges {
    /// `critical=P1/SEV1,warning=P2/SEV3`; levels not named map by default.
    pub alert_mapping: Option<String>,
    pub on_resolved: Option<String>,
    pub flap_window: Option<i64>,
    /// Label names separated by commas.
    pub group_by: Option<String>,
}

/// Changes to a service; `None` leaves a field alone, an empty text clears it.
#[derive(Debug, Clone, Default)]
pub struct ServiceChanges {
    pub description: Option<String>,
    pub owner: Option<String>,
    pub runbook_url: Option<String>,
    pub policy: PolicyChanges,
    /// An escalation policy's name; an empty text leaves the service without one.
    pub escalation_policy: Option<String>,
    /// Priority codes separated by commas: `P1,P2`.
    pub paging_priorities: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integration {
    pub id: i64,
    pub service: String,
    pub kind: String,
    pub name: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A freshly made integration: its key (shown once, never stored) and its record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewIntegration {
    pub key: String,
    #[serde(flatten)]
    pub integration: Integration,
}

const SERVICE_COLUMNS: &str = "s.name, s.description, g.name AS owner, s.runbook_url, \
     s.created_at, s.alert_mapping, s.on_resolved, s.flap_window, s.group_by, \
     p.name AS escalation_policy, s.paging_priorities";
/// What [`SERVICE_COLUMNS`] reads from.
const SERVICE_JOINS: &str = "services s LEFT JOIN groups g ON g.id = s.owner_group_id \
     LEFT JOIN escalation_policies p ON p.id = s.escalation_policy_id";
const INTEGRATION_COLUMNS: &str =
    "i.id, s.name AS service, i.kind, i.name, i.created_at, i.revoked_at";

fn service_from(row: &AnyRow) -> StoreResult<Service> {
    let policy = stored_policy(row)?;
    Ok(Service {
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        owner: row.try_get("owner")?,
        runbook_url: row.try_get("runbook_url")?,
        created_at: from_db(row.try_get("created_at")?)?,
        alert_mapping: AlertSeverity::ALL
            .into_iter()
            .map(|level| {
                let (priority, severity) = policy.mapping.map(level);
                (
                    level.to_string(),
                    format!("{}/{}", priority.code(), severity.code()),
                )
            })
            .collect(),
        on_resolved: policy.on_resolved.to_string(),
        flap_window: policy.flap_window,
        group_by: policy.group_by,
        escalation_policy: row.try_get("escalation_policy")?,
        paging_priorities: read_priorities(&row.try_get::<String, _>("paging_priorities")?)?,
    })
}

/// Priority codes separated by commas (`P1,P2`), checked; `none` (or nothing): no
/// priority pages.
fn read_priorities(text: &str) -> StoreResult<Vec<String>> {
    Ok(paging_priorities(text)?
        .into_iter()
        .map(|p| p.code().to_string())
        .collect())
}

/// A service's paging priorities as stored (`P1,P2`, or `none`), sorted.
pub(crate) fn paging_priorities(text: &str) -> StoreResult<Vec<Priority>> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut codes: Vec<Priority> = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| Priority::parse(t).map_err(|e| StoreError::Invalid(e.to_string())))
        .collect::<StoreResult<_>>()?;
    codes.sort();
    codes.dedup();
    Ok(codes)
}

/// A service row's alert policy (from `s.alert_mapping`, `s.on_resolved`, ...).
fn stored_policy(row: &AnyRow) -> StoreResult<AlertPolicy> {
    read_policy(
        &row.try_get::<String, _>("alert_mapping")?,
        &row.try_get::<String, _>("on_resolved")?,
        row.try_get("flap_window")?,
        &row.try_get::<String, _>("group_by")?,
    )
}

/// A service's alert policy from the four stored columns.
pub(crate) fn read_policy(
    mapping: &str,
    on_resolved: &str,
    flap_window: i64,
    group_by: &str,
) -> StoreResult<AlertPolicy> {
    AlertPolicy::parse(mapping, on_resolved, flap_window, group_by)
        .map_err(|e| StoreError::Invalid(format!("the service's stored alert policy: {e}")))
}

/// The policy `changes` make of `current`, checked; answers the stored forms.
fn apply_policy(current: &AlertPolicy, changes: &PolicyChanges) -> StoreResult<AlertPolicy> {
    let mapping = changes
        .alert_mapping
        .clone()
        .unwrap_or_else(|| current.mapping.to_string());
    let on_resolved = changes
        .on_resolved
        .clone()
        .unwrap_or_else(|| current.on_resolved.to_string());
    let group_by = changes
        .group_by
        .clone()
        .unwrap_or_else(|| current.group_by.join(","));
    AlertPolicy::parse(
        &mapping,
        &on_resolved,
        changes.flap_window.unwrap_or(current.flap_window),
        &group_by,
    )
    .map_err(|e| StoreError::Invalid(e.to_string()))
}

fn integration_from(row: &AnyRow) -> StoreResult<Integration> {
    Ok(Integration {
        id: row.try_get("id")?,
        service: row.try_get("service")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        created_at: from_db(row.try_get("created_at")?)?,
        revoked_at: from_db_opt(row.try_get("revoked_at")?)?,
    })
}

/// A runbook link must be an absolute http(s) URL.
fn parse_runbook(url: Option<String>) -> StoreResult<Option<String>> {
    let Some(url) = url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let valid = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2048
        && !url.chars().any(char::is_whitespace);
    if !valid {
        return Err(StoreError::Invalid(format!(
            "runbook_url '{url}' is not allowed: give an http:// or https:// address"
        )));
    }
    Ok(Some(url))
}

/// A new integration key: 32 lower-case hex characters, as PagerDuty routing keys are.
fn new_key() -> StoreResult<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Invalid(format!("no randomness for a key: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The id of the group that is to own a service.
async fn owner_id(connection: &mut AnyConnection, group: Option<&str>) -> StoreResult<Option<i64>> {
    let Some(group) = group else {
        return Ok(None);
    };
    let id = sqlx::query_scalar("SELECT id FROM groups WHERE name = $1")
        .bind(group)
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no group '{group}' to own the service")))?;
    Ok(Some(id))
}

async fn service_id(connection: &mut AnyConnection, name: &str) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT id FROM services WHERE name = $1")
        .bind(name.trim())
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no service '{}'", name.trim())))
}

async fn load_service(connection: &mut AnyConnection, name: &str) -> StoreResult<Service> {
    let sql = format!(
        "SELECT {SERVICE_COLUMNS} FROM {SERVICE_JOINS} \
         WHERE s.name = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(name.trim())
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no service '{}'", name.trim())))?;
    service_from(&row)
}

async fn load_integration(connection: &mut AnyConnection, id: i64) -> StoreResult<Integration> {
    let sql = format!(
        "SELECT {INTEGRATION_COLUMNS} FROM integrations i JOIN services s ON s.id = i.service_id \
         WHERE i.id = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no integration {id}")))?;
    integration_from(&row)
}

impl Store {
    pub async fn create_service(&self, new: NewService, now: Timestamp) -> StoreResult<Service> {
        let name = parse_name("service", &new.name)?;
        let runbook = parse_runbook(new.runbook_url)?;
        let policy = apply_policy(&AlertPolicy::default(), &new.policy)?;
        let description = new.description.trim().to_string();
        let owner = new
            .owner
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty());
        self.write(move |connection| {
            Box::pin(async move {
                let owner_id = owner_id(connection, owner.as_deref()).await?;
                sqlx::query(
                    "INSERT INTO services (name, description, owner_group_id, runbook_url, \
                     created_at, alert_mapping, on_resolved, flap_window, group_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&name)
                .bind(&description)
                .bind(owner_id)
                .bind(&runbook)
                .bind(to_db(now))
                .bind(policy.mapping.to_string())
                .bind(policy.on_resolved.as_str())
                .bind(policy.flap_window)
                .bind(policy.group_by.join(","))
                .execute(&mut *connection)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Duplicate(_) => {
                        StoreError::Duplicate(format!("service '{name}' already exists"))
                    }
                    other => other,
                })?;
                load_service(connection, &name).await
            })
        })
        .await
    }

    /// Changes a service's description, owner, runbook link or alert settings.
    pub async fn update_service(
        &self,
        name: &str,
        changes: ServiceChanges,
    ) -> StoreResult<Service> {
        let name = name.trim().to_string();
        let runbook = changes
            .runbook_url
            .clone()
            .map(|u| parse_runbook(Some(u)))
            .transpose()?;
        self.write(move |connection| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT s.id, {SERVICE_COLUMNS} FROM {SERVICE_JOINS} WHERE s.name = $1"
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&name)
                    .fetch_optional(&mut *connection)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("no service '{name}'")))?;
                let id: i64 = row.try_get("id")?;
                let policy = apply_policy(&stored_policy(&row)?, &changes.policy)?;
                let description = match changes.description {
                    Some(text) => text.trim().to_string(),
                    None => row.try_get("description")?,
                };
                let owner = match changes.owner {
                    Some(group) => Some(group.trim().to_string()).filter(|g| !g.is_empty()),
                    None => row.try_get("owner")?,
                };
                let owner_id = owner_id(connection, owner.as_deref()).await?;
                let runbook = match runbook {
                    Some(link) => link,
                    None => row.try_get("runbook_url")?,
                };
                let escalation_policy = match changes.escalation_policy {
                    Some(name) => Some(name.trim().to_string()).filter(|n| !n.is_empty()),
                    None => row.try_get("escalation_policy")?,
                };
                let escalation_id = match &escalation_policy {
                    Some(name) => Some(
                        sqlx::query_scalar::<_, i64>(
                            "SELECT id FROM escalation_policies WHERE name = $1",
                        )
                        .bind(name)
                        .fetch_optional(&mut *connection)
                        .await?
                        .ok_or_else(|| {
                            StoreError::NotFound(format!("no escalation policy '{name}'"))
                        })?,
                    ),
                    None => None,
                };
                let paging = match &changes.paging_priorities {
                    Some(text) => read_priorities(text)?,
                    None => read_priorities(&row.try_get::<String, _>("paging_priorities")?)?,
                };
                sqlx::query(
                    "UPDATE services SET description = $1, owner_group_id = $2, runbook_url = $3, \
                     alert_mapping = $4, on_resolved = $5, flap_window = $6, group_by = $7, \
                     escalation_policy_id = $9, paging_priorities = $10 WHERE id = $8",
                )
                .bind(&description)
                .bind(owner_id)
                .bind(&runbook)
                .bind(policy.mapping.to_string())
                .bind(policy.on_resolved.as_str())
                .bind(policy.flap_window)
                .bind(policy.group_by.join(","))
                .bind(id)
                .bind(escalation_id)
                .bind(paging.join(","))
                .execute(&mut *connection)
                .await?;
                load_service(connection, &name).await
            })
        })
        .await
    }

    pub async fn services(&self) -> StoreResult<Vec<Service>> {
        let sql = format!(
            "SELECT {SERVICE_COLUMNS} FROM {SERVICE_JOINS} \
             ORDER BY s.name"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(service_from).collect()
    }

    pub async fn service(&self, name: &str) -> StoreResult<Service> {
        let mut connection = self.read.acquire().await?;
        load_service(&mut connection, name).await
    }

    /// Adds a source of alerts to a service; the key comes back once.
    pub async fn create_integration(
        &self,
        service: &str,
        kind: IntegrationKind,
        name: &str,
        now: Timestamp,
    ) -> StoreResult<NewIntegration> {
        let service = service.to_string();
        let name = match name.trim() {
            "" => kind.as_str().to_string(),
            given => given.to_string(),
        };
        let key = new_key()?;
        let stored = hash(&key);
        let integration = self
            .write(move |connection| {
                Box::pin(async move {
                    let service = service_id(connection, &service).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO integrations (service_id, kind, name, key_hash, created_at) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(service)
                    .bind(kind.as_str())
                    .bind(&name)
                    .bind(&stored)
                    .bind(to_db(now))
                    .fetch_one(&mut *connection)
                    .await?;
                    load_integration(connection, id).await
                })
            })
            .await?;
        Ok(NewIntegration { key, integration })
    }

    pub async fn integrations(&self, service: &str) -> StoreResult<Vec<Integration>> {
        let mut connection = self.read.acquire().await?;
        let id = service_id(&mut connection, service).await?;
        let sql = format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations i JOIN services s ON s.id = i.service_id \
             WHERE i.service_id = $1 ORDER BY i.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&mut *connection)
            .await?;
        rows.iter().map(integration_from).collect()
    }

    /// Stops an integration's key from working; revoking twice is refused.
    pub async fn revoke_integration(&self, id: i64, now: Timestamp) -> StoreResult<Integration> {
        self.write(move |connection| {
            Box::pin(async move {
                let current = load_integration(connection, id).await?;
                if current.revoked_at.is_some() {
                    return Err(StoreError::Invalid(format!(
                        "integration {id} is already revoked"
                    )));
                }
                sqlx::query("UPDATE integrations SET revoked_at = $1 WHERE id = $2")
                    .bind(to_db(now))
                    .bind(id)
                    .execute(&mut *connection)
                    .await?;
                load_integration(connection, id).await
            })
        })
        .await
        .inspect(|_| self.senders.forget(id))
    }
}
