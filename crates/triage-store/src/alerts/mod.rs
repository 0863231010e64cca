//! Alerts from monitoring: taking them in ([`ingest`]) and reading them back, per
//! incident and per service.

mod delivery;
mod ingest;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use triage_core::alert::AlertStatus;

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::incidents::normalize_key;
use crate::sql::literal;
use crate::time::{from_db, from_db_opt};

pub use ingest::Outcome;

/// One alert occurrence, from firing to resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    pub service: String,
    pub integration: String,
    /// The incident it fired into; none while silenced.
    pub incident: Option<String>,
    pub dedup_key: String,
    pub group_key: String,
    pub status: String,
    pub severity: Option<String>,
    pub summary: String,
    pub source: String,
    pub labels: BTreeMap<String, String>,
    pub details: Value,
    pub links: Vec<String>,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub received_at: Timestamp,
    /// When a sender last said it fires (refreshed at most once a minute).
    pub last_seen_at: Timestamp,
    /// The silence it fired under (it opened no incident).
    pub silence: Option<i64>,
}

/// A change event (a deploy, a configuration push) on a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceChange {
    pub id: i64,
    pub service: String,
    pub summary: String,
    pub source: String,
    pub at: Timestamp,
    pub details: Value,
    pub links: Vec<String>,
}

const ALERT_COLUMNS: &str = "a.id, s.name AS service, g.name AS integration, i.key AS incident, \
     a.dedup_key, a.group_key, a.status, a.severity, a.summary, a.source, a.labels, a.details, \
     a.links, a.starts_at, a.ends_at, a.received_at, a.last_seen_at, a.silence_id";
const ALERT_JOINS: &str = "alerts a JOIN services s ON s.id = a.service_id \
     JOIN integrations g ON g.id = a.integration_id \
     LEFT JOIN incidents i ON i.id = a.incident_id";

fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> StoreResult<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Invalid(format!("stored alert {column} are unreadable: {e}")))
}

fn alert_from(row: &AnyRow) -> StoreResult<Alert> {
    Ok(Alert {
        id: row.try_get("id")?,
        service: row.try_get("service")?,
        integration: row.try_get("integration")?,
        incident: row.try_get("incident")?,
        dedup_key: row.try_get("dedup_key")?,
        group_key: row.try_get("group_key")?,
        status: row.try_get("status")?,
        severity: row.try_get("severity")?,
        summary: row.try_get("summary")?,
        source: row.try_get("source")?,
        labels: json(row, "labels")?,
        details: json(row, "details")?,
        links: json(row, "links")?,
        starts_at: from_db(row.try_get("starts_at")?)?,
        ends_at: from_db_opt(row.try_get("ends_at")?)?,
        received_at: from_db(row.try_get("received_at")?)?,
        last_seen_at: from_db(row.try_get("last_seen_at")?)?,
        silence: row.try_get("silence_id")?,
    })
}

impl Store {
    /// The alerts of an incident, firing first, then newest first.
    pub async fn incident_alerts(&self, key: &str) -> StoreResult<Vec<Alert>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM {ALERT_JOINS} WHERE i.key = $1 \
             ORDER BY CASE a.status WHEN {} THEN 0 ELSE 1 END, a.id DESC",
            literal(AlertStatus::Firing.as_str())
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(normalize_key(key))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(alert_from).collect()
    }

    /// A service's most recent alerts (at most `limit`), newest first; `firing_only`
    /// leaves out resolved ones.
    pub async fn service_alerts(
        &self,
        service: &str,
        firing_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<Alert>> {
        let filter = if firing_only {
            format!("AND a.status = {}", literal(AlertStatus::Firing.as_str()))
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM {ALERT_JOINS} WHERE s.name = $1 {filter} \
             ORDER BY a.id DESC LIMIT $2"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(service.trim())
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(alert_from).collect()
    }

    /// How many alerts fire on each service that has any.
    pub async fn firing_by_service(&self) -> StoreResult<BTreeMap<String, i64>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT s.name, COUNT(*) FROM alerts a JOIN services s ON s.id = a.service_id \
             WHERE a.status = $1 GROUP BY s.name",
        )
        .bind(AlertStatus::Firing.as_str())
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// A service's change events from `since` on, newest first (at most `limit`).
    pub async fn service_changes(
        &self,
        service: &str,
        since: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<ServiceChange>> {
        let rows = sqlx::query(
            "SELECT c.id, s.name AS service, c.summary, c.source, c.at, c.details, c.links \
             FROM service_changes c JOIN services s ON s.id = c.service_id \
             WHERE s.name = $1 AND c.at >= $2 ORDER BY c.at DESC, c.id DESC LIMIT $3",
        )
        .bind(service.trim())
        .bind(crate::time::to_db(since))
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ServiceChange {
                    id: row.try_get("id")?,
                    service: row.try_get("service")?,
                    summary: row.try_get("summary")?,
                    source: row.try_get("source")?,
                    at: from_db(row.try_get("at")?)?,
                    details: json(row, "details")?,
                    links: json(row, "links")?,
                })
            })
            .collect()
    }
}
