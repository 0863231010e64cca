//! Reading, for a whole delivery at once, what its signals refer to: the alerts its
//! dedup keys name and the incidents of its groups.

use serde::Deserialize;
use sqlx::{AnyConnection, Row};

use crate::error::{StoreError, StoreResult};
use crate::postgres::is_postgres;
use triage_core::alert::AlertStatus;

use crate::sql::{MAX_PARAMETERS, Value, literal, placeholders, query_with};

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

/// `column` is one of `items`, bound from parameter `$first` on: the condition and its
/// values. SQLite gets the list as one JSON parameter, so a lookup's text is the same
/// whatever its length: prepared once and kept, where a list of placeholders made a new
/// statement for every length. PostgreSQL gets placeholders (it binds by position, and
/// the JSON form measured 3.1 ms a delivery's lookup against 1.1), and an array read
/// from JSON for lists longer than a statement should carry.
fn in_list<S: AsRef<str>>(
    postgres: bool,
    column: &str,
    first: usize,
    items: &[S],
) -> StoreResult<(String, Vec<Value>)> {
    let json = || -> StoreResult<Vec<Value>> {
        let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
        Ok(vec![to_json(&items)?.into()])
    };
    Ok(if !postgres {
        (
            format!("{column} IN (SELECT value FROM json_each(${first}))"),
            json()?,
        )
    } else if items.is_empty() {
        ("FALSE".to_string(), Vec::new())
    } else if items.len() <= MAX_PARAMETERS {
        (
            format!("{column} IN ({})", placeholders(first, items.len())),
            items
                .iter()
                .map(|item| Value::from(item.as_ref()))
                .collect(),
        )
    } else {
        (
            format!("{column} = ANY(ARRAY(SELECT json_array_elements_text(${first}::json)))"),
            json()?,
        )
    })
}

/// The columns of a [`StoredAlert`], in the order of its fields.
const ALERT_COLUMNS: &str = "a.id, a.dedup_key, a.status, a.starts_at, a.incident_id, i.key, \
     a.summary, a.last_seen_at, a.silence_id, a.group_key, a.severity, \
     CASE WHEN a.silence_id IS NULL THEN NULL ELSE a.labels END";

/// The incidents of `groups` on the service `service` (an expression), their list bound
/// from parameter `$first` on: the query and the list's values.
fn groups_query(
    postgres: bool,
    service: &str,
    first: usize,
    groups: &[String],
) -> StoreResult<(String, Vec<Value>)> {
    let (condition, values) = in_list(postgres, "g.group_key", first, groups)?;
    let sql = format!(
        "SELECT {} FROM alert_groups g JOIN incidents i ON i.id = g.incident_id \
         WHERE g.service_id = {service} AND {condition}",
        json_tuples(postgres, "g.group_key, i.id, i.key, i.status_category"),
    );
    Ok((sql, values))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Invalid(format!("stored {what} are unreadable: {e}")))
}

/// The integration, its service's silences in force at `now`, the alerts of `keys` that
/// fire or resolved after `horizon`, and the incidents of `groups` on its service: one
/// query, one round trip.
pub(super) async fn context(
    connection: &mut AnyConnection,
    integration_id: i64,
    now: i64,
    horizon: i64,
    keys: &[&str],
    groups: &[String],
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
    let (keys, key_values) = in_list(postgres, "a.dedup_key", 4, keys)?;
    let (groups_query, group_values) =
        groups_query(postgres, service, 4 + key_values.len(), groups)?;
    let sql = format!(
        "SELECT (SELECT {target} FROM integrations g JOIN services s ON s.id = g.service_id \
             WHERE g.id = $1 AND g.revoked_at IS NULL) AS target, \
         (SELECT {silences} FROM silences x WHERE x.ends_at > $2 AND x.starts_at <= $2 \
             AND (x.service_id IS NULL OR x.service_id = {service})) AS silences, \
         (SELECT {alerts} FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id \
             WHERE a.integration_id = $1 AND {keys} \
             AND (a.status = {firing} OR a.ends_at >= $3)) AS alerts, \
         ({groups_query}) AS group_incidents",
        alerts = json_tuples(postgres, ALERT_COLUMNS),
        firing = literal(AlertStatus::Firing.as_str()),
    );
    let mut values: Vec<Value> = vec![integration_id.into(), now.into(), horizon.into()];
    values.extend(key_values);
    values.extend(group_values);
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

/// The incidents of `groups` on a service.
pub(super) async fn stored_groups(
    connection: &mut AnyConnection,
    service_id: i64,
    groups: &[String],
) -> StoreResult<Vec<GroupRow>> {
    let postgres = is_postgres(connection);
    let (sql, group_values) = groups_query(postgres, "$1", 2, groups)?;
    let mut values: Vec<Value> = vec![service_id.into()];
    values.extend(group_values);
    let text: String = query_with(postgres, sql, values)
        .fetch_one(&mut *connection)
        .await?
        .try_get(0)?;
    parse(&text, "alert groups")
}
