//! Reading, for a whole delivery at once, what its signals refer to: the alerts its
//! dedup keys name and the incidents of its groups.

use serde::Deserialize;
use sqlx::{AnyConnection, Row};

use crate::error::{StoreError, StoreResult};
use crate::postgres::is_postgres;
use crate::sql::{Value, query_with};

use super::to_json;

/// A stored occurrence of one of a delivery's dedup keys: firing, or resolved lately.
/// Read from [`ALERT_COLUMNS`], by position: the fields' order is the columns'.
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

/// A group's incident, read by position: group key, incident id and key, status
/// category.
#[derive(Deserialize)]
pub(super) struct GroupRow(pub String, pub i64, pub String, pub String);

/// Everything a delivery starts from, read in one query.
pub(super) struct Context {
    /// None when the integration is revoked or gone.
    pub target: Option<TargetRow>,
    pub silences: Vec<SilenceRow>,
    pub alerts: Vec<StoredAlert>,
    /// The incidents of the groups asked for that have one.
    pub groups: Vec<GroupRow>,
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

/// Rows as one JSON array of arrays, read back by position (serde reads a struct from
/// an array of its fields in order). For the many rows of a lookup: SQLite builds an
/// array of twelve values several times faster than an object naming them.
fn json_tuples(postgres: bool, columns: &str) -> String {
    if postgres {
        format!("COALESCE(json_agg(json_build_array({columns})), '[]'::json)::text")
    } else {
        format!("json_group_array(json_array({columns}))")
    }
}

/// The strings of the JSON array in parameter `$n`, as a subquery for `IN`. Lists go to
/// the database as one JSON parameter, so a lookup's text is the same whatever its
/// length: prepared once and kept, where a list of placeholders made a new statement
/// for every length.
fn json_list(postgres: bool, n: usize) -> String {
    if postgres {
        format!("SELECT json_array_elements_text(${n}::json)")
    } else {
        format!("SELECT value FROM json_each(${n})")
    }
}

/// A list of strings as the JSON parameter [`json_list`] reads.
pub(super) fn list<S: AsRef<str>>(items: &[S]) -> StoreResult<String> {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    to_json(&items)
}

/// The columns of a [`StoredAlert`], in the order of its fields.
const ALERT_COLUMNS: &str = "a.id, a.dedup_key, a.status, a.starts_at, a.incident_id, i.key, \
     a.summary, a.last_seen_at, a.silence_id, a.group_key, a.severity, \
     CASE WHEN a.silence_id IS NULL THEN NULL ELSE a.labels END";

/// The incidents of the groups listed in parameter `$groups` on the service `$service`
/// (an expression).
fn groups_query(postgres: bool, service: &str, groups: usize) -> String {
    format!(
        "SELECT {} FROM alert_groups g JOIN incidents i ON i.id = g.incident_id \
         WHERE g.service_id = {service} AND g.group_key IN ({})",
        json_tuples(postgres, "g.group_key, i.id, i.key, i.status_category"),
        json_list(postgres, groups)
    )
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Invalid(format!("stored {what} are unreadable: {e}")))
}

/// The integration, its service's silences in force at `now`, the alerts of `keys` (a
/// [`list`]) that fire or resolved after `horizon`, and the incidents of `groups` (a
/// [`list`]) on its service: one query, one round trip.
pub(super) async fn context(
    connection: &mut AnyConnection,
    integration_id: i64,
    now: i64,
    horizon: i64,
    keys: String,
    groups: String,
) -> StoreResult<Context> {
    let postgres = is_postgres(connection);
    let target = json_row(
        postgres,
        "'kind', g.kind, 'integration_name', g.name, 'service_id', s.id, 'service', s.name, \
         'runbook_url', s.runbook_url, 'alert_mapping', s.alert_mapping, \
         'on_resolved', s.on_resolved, 'flap_window', s.flap_window, 'group_by', s.group_by",
    );
    let silences = json_rows(postgres, "'id', x.id, 'matchers', x.matchers");
    let service = "(SELECT service_id FROM integrations WHERE id = $1)";
    let sql = format!(
        "SELECT (SELECT {target} FROM integrations g JOIN services s ON s.id = g.service_id \
             WHERE g.id = $1 AND g.revoked_at IS NULL) AS target, \
         (SELECT {silences} FROM silences x WHERE x.ends_at > $2 AND x.starts_at <= $2 \
             AND (x.service_id IS NULL OR x.service_id = {service})) AS silences, \
         (SELECT {alerts} FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id \
             WHERE a.integration_id = $1 AND a.dedup_key IN ({keys_list}) \
             AND (a.status = 'firing' OR a.ends_at >= $3)) AS alerts, \
         ({groups_query}) AS group_incidents",
        alerts = json_tuples(postgres, ALERT_COLUMNS),
        keys_list = json_list(postgres, 4),
        groups_query = groups_query(postgres, service, 5),
    );
    let values: Vec<Value> = vec![
        integration_id.into(),
        now.into(),
        horizon.into(),
        keys.into(),
        groups.into(),
    ];
    let row = query_with(postgres, sql, values)
        .fetch_one(&mut *connection)
        .await?;
    let target: Option<String> = row.try_get("target")?;
    let silences: String = row.try_get("silences")?;
    let alerts: String = row.try_get("alerts")?;
    let groups: String = row.try_get("group_incidents")?;
    Ok(Context {
        target: target.map(|t| parse(&t, "services")).transpose()?,
        silences: parse(&silences, "silences")?,
        alerts: parse(&alerts, "alerts")?,
        groups: parse(&groups, "alert groups")?,
    })
}

/// The incidents of `groups` (a [`list`]) on a service.
pub(super) async fn stored_groups(
    connection: &mut AnyConnection,
    service_id: i64,
    groups: String,
) -> StoreResult<Vec<GroupRow>> {
    let postgres = is_postgres(connection);
    let sql = groups_query(postgres, "$1", 2);
    let text: String = query_with(postgres, sql, vec![service_id.into(), groups.into()])
        .fetch_one(&mut *connection)
        .await?
        .try_get(0)?;
    parse(&text, "alert groups")
}
