//! Reading, for a whole delivery at once, what its signals refer to: the alerts its
//! dedup keys name and the incidents of its groups.

use std::collections::HashMap;

use serde::Deserialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::workflow::Category;

use crate::error::{StoreError, StoreResult};
use crate::postgres::is_postgres;
use crate::sql::{placeholders, rows_per_statement};

/// A stored occurrence of one of a delivery's dedup keys: firing, or resolved lately.
#[derive(Deserialize)]
pub(super) struct StoredAlert {
    pub id: i64,
    pub dedup_key: String,
    pub status: String,
    pub starts_at: i64,
    pub incident_id: Option<i64>,
    pub incident_key: Option<String>,
    pub summary: String,
    pub last_seen_at: i64,
    pub silence_id: Option<i64>,
    pub group_key: String,
    pub severity: Option<String>,
    /// Its labels (JSON), for a silenced alert only.
    pub labels: Option<String>,
}

/// The alerts of `keys` on an integration that fire, or resolved after `horizon`. The
/// rows come back as one JSON array: a delivery names dozens of alerts, and row by row
/// each would be a hand-off between threads in the SQLite driver.
pub(super) async fn stored_alerts(
    connection: &mut AnyConnection,
    integration_id: i64,
    horizon: i64,
    keys: &[&str],
) -> StoreResult<Vec<StoredAlert>> {
    let (aggregate, object, empty) = if is_postgres(connection) {
        ("json_agg", "json_build_object", "COALESCE(")
    } else {
        ("json_group_array", "json_object", "(")
    };
    let fallback = if empty == "(" {
        ")"
    } else {
        ", '[]'::json)::text"
    };
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(rows_per_statement(1)) {
        let sql = format!(
            "SELECT {empty}{aggregate}({object}('id', a.id, 'dedup_key', a.dedup_key, \
             'status', a.status, 'starts_at', a.starts_at, 'incident_id', a.incident_id, \
             'incident_key', i.key, 'summary', a.summary, 'last_seen_at', a.last_seen_at, \
             'silence_id', a.silence_id, 'group_key', a.group_key, 'severity', a.severity, \
             'labels', CASE WHEN a.silence_id IS NULL THEN NULL ELSE a.labels END)){fallback} \
             FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id \
             WHERE a.integration_id = $1 AND a.dedup_key IN ({}) \
             AND (a.status = 'firing' OR a.ends_at >= $2)",
            placeholders(3, chunk.len())
        );
        let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
            .bind(integration_id)
            .bind(horizon);
        for key in chunk {
            query = query.bind(*key);
        }
        let text = query.fetch_one(&mut *connection).await?;
        let rows: Vec<StoredAlert> = serde_json::from_str(&text)
            .map_err(|e| StoreError::Invalid(format!("stored alerts are unreadable: {e}")))?;
        found.extend(rows);
    }
    Ok(found)
}

/// The incidents of `groups` on a service, with their status category.
pub(super) async fn stored_groups(
    connection: &mut AnyConnection,
    service_id: i64,
    groups: &[String],
) -> StoreResult<HashMap<String, (i64, String, Category)>> {
    let mut found = HashMap::with_capacity(groups.len());
    for chunk in groups.chunks(rows_per_statement(1)) {
        let sql = format!(
            "SELECT g.group_key, i.id, i.key, i.status_category FROM alert_groups g \
             JOIN incidents i ON i.id = g.incident_id \
             WHERE g.service_id = $1 AND g.group_key IN ({})",
            placeholders(2, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(service_id);
        for group in chunk {
            query = query.bind(group.as_str());
        }
        for row in query.fetch_all(&mut *connection).await? {
            let category: String = row.try_get("status_category")?;
            let category =
                Category::parse(&category).map_err(|e| StoreError::Invalid(e.to_string()))?;
            found.insert(
                row.try_get("group_key")?,
                (row.try_get("id")?, row.try_get("key")?, category),
            );
        }
    }
    Ok(found)
}
