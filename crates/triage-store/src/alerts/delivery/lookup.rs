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

/// The integration as a delivery needs it: its service and the service's settings.
#[derive(Deserialize)]
pub(super) struct TargetRow {
    pub kind: String,
    pub integration_name: String,
    pub service_id: i64,
    pub service: String,
    pub runbook_url: Option<String>,
    pub alert_mapping: String,
    pub on_resolved: String,
    pub flap_window: i64,
    pub group_by: String,
}

/// A silence in force for the service.
#[derive(Deserialize)]
pub(super) struct SilenceRow {
    pub id: i64,
    pub matchers: String,
}

/// Everything a delivery starts from, read in one query.
pub(super) struct Context {
    /// None when the integration is revoked or gone.
    pub target: Option<TargetRow>,
    pub silences: Vec<SilenceRow>,
    pub alerts: Vec<StoredAlert>,
}

/// Rows as one JSON array of objects, or one row as an object, in each dialect: one
/// round trip for what would otherwise be several queries and a hand-off between
/// threads per row in the SQLite driver.
fn json_rows(postgres: bool, fields: &str) -> String {
    if postgres {
        format!("COALESCE(json_agg(json_build_object({fields})), '[]'::json)::text")
    } else {
        format!("json_group_array(json_object({fields}))")
    }
}

fn json_row(postgres: bool, fields: &str) -> String {
    if postgres {
        format!("json_build_object({fields})::text")
    } else {
        format!("json_object({fields})")
    }
}

const ALERT_FIELDS: &str = "'id', a.id, 'dedup_key', a.dedup_key, 'status', a.status, \
     'starts_at', a.starts_at, 'incident_id', a.incident_id, 'incident_key', i.key, \
     'summary', a.summary, 'last_seen_at', a.last_seen_at, 'silence_id', a.silence_id, \
     'group_key', a.group_key, 'severity', a.severity, \
     'labels', CASE WHEN a.silence_id IS NULL THEN NULL ELSE a.labels END";

/// The `keys` part of a lookup: alerts of the integration (`$1`) that fire or resolved
/// after `$horizon`, with the keys from parameter `$first` on.
fn alerts_query(postgres: bool, horizon: usize, first: usize, keys: usize) -> String {
    format!(
        "SELECT {} FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id \
         WHERE a.integration_id = $1 AND a.dedup_key IN ({}) \
         AND (a.status = 'firing' OR a.ends_at >= ${horizon})",
        json_rows(postgres, ALERT_FIELDS),
        placeholders(first, keys)
    )
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Invalid(format!("stored {what} are unreadable: {e}")))
}

/// The integration, its service's silences in force at `now`, and the alerts of `keys`
/// that fire or resolved after `horizon`.
pub(super) async fn context(
    connection: &mut AnyConnection,
    integration_id: i64,
    now: i64,
    horizon: i64,
    keys: &[&str],
) -> StoreResult<Context> {
    let postgres = is_postgres(connection);
    let per_query = rows_per_statement(1);
    let (first, rest) = keys.split_at(keys.len().min(per_query));
    let target = json_row(
        postgres,
        "'kind', g.kind, 'integration_name', g.name, 'service_id', s.id, 'service', s.name, \
         'runbook_url', s.runbook_url, 'alert_mapping', s.alert_mapping, \
         'on_resolved', s.on_resolved, 'flap_window', s.flap_window, 'group_by', s.group_by",
    );
    let silences = json_rows(postgres, "'id', x.id, 'matchers', x.matchers");
    let alerts = if first.is_empty() {
        "'[]'".to_string()
    } else {
        format!("({})", alerts_query(postgres, 3, 4, first.len()))
    };
    let sql = format!(
        "SELECT (SELECT {target} FROM integrations g JOIN services s ON s.id = g.service_id \
             WHERE g.id = $1 AND g.revoked_at IS NULL) AS target, \
         (SELECT {silences} FROM silences x WHERE x.ends_at > $2 AND x.starts_at <= $2 \
             AND (x.service_id IS NULL OR x.service_id = \
                 (SELECT service_id FROM integrations WHERE id = $1))) AS silences, \
         {alerts} AS alerts"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(integration_id)
        .bind(now)
        .bind(horizon);
    for key in first {
        query = query.bind(*key);
    }
    let row = query.fetch_one(&mut *connection).await?;
    let target: Option<String> = row.try_get("target")?;
    let silences: String = row.try_get("silences")?;
    let alerts: String = row.try_get("alerts")?;
    let mut context = Context {
        target: target.map(|t| parse(&t, "services")).transpose()?,
        silences: parse(&silences, "silences")?,
        alerts: parse(&alerts, "alerts")?,
    };
    for chunk in rest.chunks(per_query) {
        let sql = alerts_query(postgres, 2, 3, chunk.len());
        let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql))
            .bind(integration_id)
            .bind(horizon);
        for key in chunk {
            query = query.bind(*key);
        }
        let text = query.fetch_one(&mut *connection).await?;
        context
            .alerts
            .extend(parse::<Vec<StoredAlert>>(&text, "alerts")?);
    }
    Ok(context)
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
