//! Copying everything one database holds into another (`triage migrate-data`): SQLite to
//! PostgreSQL when a team outgrows one machine, or back.
//!
//! The source is read in one read transaction (a consistent snapshot, while it keeps
//! serving); the target is written in one write transaction, which also compares every
//! table's row count with the source's before it commits: a copy is whole or absent.

use futures_util::TryStreamExt;
use sqlx::{AnyConnection, AssertSqlSafe, Executor, Row};

use crate::db::{Backend, Store};
use crate::error::{StoreError, StoreResult};
use crate::postgres::is_postgres;
use crate::sql::{Value, bind_all, placeholders, rows_per_statement};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Text,
}

use Kind::{Int, Text};

/// Tables a copy does not carry, emptied with the rest when a target is replaced: the
/// report's kept tallies, which the target tallies again from the incidents.
const KEPT_TALLIES: &[&str] = &["report_marks", "report_days"];

/// Every table of the schema that holds data, parents before children, with its columns.
/// A test below checks this against both schemas, so a new table or column cannot be
/// left behind.
pub(crate) const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "users",
        &[
            ("id", Int),
            ("email", Text),
            ("display_name", Text),
            ("role", Text),
            ("active", Int),
            ("created_at", Int),
            ("password_hash", Text),
        ],
    ),
    (
        "groups",
        &[
            ("id", Int),
            ("name", Text),
            ("description", Text),
            ("created_at", Int),
        ],
    ),
    ("group_members", &[("group_id", Int), ("user_id", Int)]),
    (
        "schedules",
        &[
            ("id", Int),
            ("name", Text),
            ("description", Text),
            ("time_zone", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "schedule_layers",
        &[
            ("schedule_id", Int),
            ("position", Int),
            ("name", Text),
            ("shift_length", Text),
            ("starts_at", Text),
            ("restrictions", Text),
        ],
    ),
    (
        "layer_members",
        &[
            ("schedule_id", Int),
            ("layer_position", Int),
            ("position", Int),
            ("user_id", Int),
        ],
    ),
    (
        "schedule_overrides",
        &[
            ("id", Int),
            ("schedule_id", Int),
            ("user_id", Int),
            ("starts_at", Int),
            ("ends_at", Int),
            ("created_by", Int),
            ("created_at", Int),
        ],
    ),
    (
        "calendar_feeds",
        &[
            ("id", Int),
            ("token_hash", Text),
            ("schedule_id", Int),
            ("user_id", Int),
            ("created_by", Int),
            ("created_at", Int),
            ("revoked_at", Int),
        ],
    ),
    (
        "escalation_policies",
        &[
            ("id", Int),
            ("name", Text),
            ("description", Text),
            ("repeats", Int),
            ("ack_timeout_seconds", Int),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "escalation_levels",
        &[
            ("policy_id", Int),
            ("position", Int),
            ("delay_seconds", Int),
        ],
    ),
    (
        "escalation_targets",
        &[
            ("policy_id", Int),
            ("level_position", Int),
            ("position", Int),
            ("user_id", Int),
            ("schedule_id", Int),
        ],
    ),
    (
        "services",
        &[
            ("id", Int),
            ("name", Text),
            ("description", Text),
            ("owner_group_id", Int),
            ("runbook_url", Text),
            ("created_at", Int),
            ("alert_mapping", Text),
            ("on_resolved", Text),
            ("flap_window", Int),
            ("group_by", Text),
            ("escalation_policy_id", Int),
            ("paging_priorities", Text),
        ],
    ),
    (
        "integrations",
        &[
            ("id", Int),
            ("service_id", Int),
            ("kind", Text),
            ("name", Text),
            ("key_hash", Text),
            ("created_at", Int),
            ("revoked_at", Int),
        ],
    ),
    (
        "contact_methods",
        &[
            ("id", Int),
            ("user_id", Int),
            ("kind", Text),
            ("address", Text),
            ("name", Text),
            ("secret", Text),
            ("delay_seconds", Int),
            ("created_at", Int),
        ],
    ),
    (
        "api_tokens",
        &[
            ("id", Int),
            ("user_id", Int),
            ("name", Text),
            ("token_hash", Text),
            ("created_at", Int),
            ("revoked_at", Int),
        ],
    ),
    ("key_counters", &[("prefix", Text), ("last", Int)]),
    (
        "server_keys",
        &[("name", Text), ("value", Text), ("created_at", Int)],
    ),
    (
        "sessions",
        &[
            ("id", Int),
            ("token_hash", Text),
            ("user_id", Int),
            ("csrf_token", Text),
            ("created_at", Int),
            ("expires_at", Int),
        ],
    ),
    (
        "incidents",
        &[
            ("id", Int),
            ("key", Text),
            ("number", Int),
            ("summary", Text),
            ("description", Text),
            ("status", Text),
            ("status_category", Text),
            ("priority", Int),
            ("severity", Int),
            ("assignee_id", Int),
            ("reporter_id", Int),
            ("detection_source", Text),
            ("detected_at", Int),
            ("resolution", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("resolved_at", Int),
            ("version", Int),
            ("acknowledged_at", Int),
            ("response_due_at", Int),
            ("response_breached_at", Int),
            ("cadence_since", Int),
            ("update_due_at", Int),
            ("update_overdue_at", Int),
            ("updates_kept", Int),
            ("updates_missed", Int),
            ("recurrence_of", Int),
            ("mitigated_at", Int),
            ("current_ack_at", Int),
        ],
    ),
    (
        "incident_services",
        &[("incident_id", Int), ("service", Text)],
    ),
    ("incident_labels", &[("incident_id", Int), ("label", Text)]),
    (
        "escalations",
        &[
            ("incident_id", Int),
            ("policy_id", Int),
            ("state", Text),
            ("next_step", Int),
            ("next_at", Int),
            ("started_at", Int),
            ("round", Int),
            ("ack_deadline", Int),
            ("notice_round", Int),
        ],
    ),
    (
        "outbox",
        &[
            ("id", Int),
            ("incident_id", Int),
            ("user_id", Int),
            ("contact_method_id", Int),
            ("kind", Text),
            ("address", Text),
            ("secret", Text),
            ("payload", Text),
            ("idempotency_key", Text),
            ("due_at", Int),
            ("claimed_until", Int),
            ("attempts", Int),
            ("delivered_at", Int),
            ("dropped_at", Int),
            ("last_error", Text),
            ("created_at", Int),
            ("purpose", Text),
            ("round", Int),
        ],
    ),
    (
        "comments",
        &[
            ("id", Int),
            ("incident_id", Int),
            ("author_id", Int),
            ("body", Text),
            ("created_at", Int),
        ],
    ),
    (
        "links",
        &[
            ("id", Int),
            ("source_id", Int),
            ("target_id", Int),
            ("link_type", Text),
            ("created_by", Int),
            ("created_at", Int),
        ],
    ),
    (
        "status_components",
        &[
            ("id", Int),
            ("name", Text),
            ("description", Text),
            ("group_name", Text),
            ("service", Text),
            ("position", Int),
            ("status", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "public_incidents",
        &[
            ("id", Int),
            ("incident_id", Int),
            ("kind", Text),
            ("name", Text),
            ("status", Text),
            ("impact", Text),
            ("scheduled_for", Int),
            ("scheduled_until", Int),
            ("created_at", Int),
            ("updated_at", Int),
            ("monitoring_at", Int),
            ("resolved_at", Int),
        ],
    ),
    (
        "public_incident_components",
        &[
            ("public_incident_id", Int),
            ("component_id", Int),
            ("status", Text),
        ],
    ),
    (
        "public_updates",
        &[
            ("id", Int),
            ("public_incident_id", Int),
            ("status", Text),
            ("body", Text),
            ("created_by", Int),
            ("created_at", Int),
        ],
    ),
    (
        "public_component_changes",
        &[
            ("id", Int),
            ("public_incident_id", Int),
            ("update_id", Int),
            ("component_id", Int),
            ("old_status", Text),
            ("new_status", Text),
            ("created_at", Int),
        ],
    ),
    (
        "incident_stakeholders",
        &[
            ("id", Int),
            ("incident_id", Int),
            ("kind", Text),
            ("target", Text),
            ("added_by", Int),
            ("created_at", Int),
        ],
    ),
    (
        "stakeholder_updates",
        &[
            ("id", Int),
            ("incident_id", Int),
            ("status", Text),
            ("message", Text),
            ("impact", Text),
            ("recipients", Text),
            ("next_update_at", Int),
            ("public_update_id", Int),
            ("created_by", Int),
            ("created_at", Int),
        ],
    ),
    (
        "status_subscribers",
        &[
            ("id", Int),
            ("kind", Text),
            ("address", Text),
            ("token", Text),
            ("confirmed_at", Int),
            ("created_at", Int),
        ],
    ),
    (
        "status_subscriber_components",
        &[("subscriber_id", Int), ("component_id", Int)],
    ),
    (
        "subscriber_deliveries",
        &[
            ("id", Int),
            ("subscriber_id", Int),
            ("purpose", Text),
            ("public_update_id", Int),
            ("idempotency_key", Text),
            ("due_at", Int),
            ("claimed_until", Int),
            ("attempts", Int),
            ("delivered_at", Int),
            ("dropped_at", Int),
            ("last_error", Text),
            ("created_at", Int),
        ],
    ),
    (
        "postmortems",
        &[
            ("id", Int),
            ("incident_id", Int),
            ("revision", Int),
            ("status", Text),
            ("document", Text),
            ("version", Int),
            ("created_by", Int),
            ("created_at", Int),
            ("updated_at", Int),
            ("published_at", Int),
        ],
    ),
    (
        "action_items",
        &[
            ("id", Int),
            ("incident_id", Int),
            ("title", Text),
            ("kind", Text),
            ("owner_id", Int),
            ("due_on", Text),
            ("status", Text),
            ("ticket_url", Text),
            ("verified_by", Int),
            ("verified_at", Int),
            ("verification", Text),
            ("created_by", Int),
            ("created_at", Int),
            ("updated_at", Int),
            ("done_at", Int),
            ("remind_at", Int),
        ],
    ),
    (
        "status_page_settings",
        &[
            ("id", Int),
            ("name", Text),
            ("logo_url", Text),
            ("accent", Text),
            ("version", Int),
        ],
    ),
    (
        "events",
        &[
            ("id", Int),
            ("incident_id", Int),
            ("actor_id", Int),
            ("at", Int),
            ("kind", Text),
            ("data", Text),
            ("sentence", Text),
        ],
    ),
    (
        "silences",
        &[
            ("id", Int),
            ("service_id", Int),
            ("matchers", Text),
            ("starts_at", Int),
            ("ends_at", Int),
            ("comment", Text),
            ("created_by", Int),
            ("created_at", Int),
        ],
    ),
    (
        "alerts",
        &[
            ("id", Int),
            ("integration_id", Int),
            ("service_id", Int),
            ("incident_id", Int),
            ("dedup_key", Text),
            ("group_key", Text),
            ("status", Text),
            ("severity", Text),
            ("summary", Text),
            ("source", Text),
            ("labels", Text),
            ("details", Text),
            ("links", Text),
            ("starts_at", Int),
            ("ends_at", Int),
            ("received_at", Int),
            ("last_seen_at", Int),
            ("silence_id", Int),
            ("raw", Text),
        ],
    ),
    (
        "alert_groups",
        &[
            ("service_id", Int),
            ("group_key", Text),
            ("incident_id", Int),
        ],
    ),
    (
        "service_changes",
        &[
            ("id", Int),
            ("service_id", Int),
            ("integration_id", Int),
            ("summary", Text),
            ("source", Text),
            ("at", Int),
            ("details", Text),
            ("links", Text),
            ("received_at", Int),
        ],
    ),
];

/// Rows per INSERT statement.
/// Rows per INSERT into PostgreSQL; SQLite targets take fewer ([`rows_per_statement`]).
const ROWS_PER_INSERT: usize = 500;

/// How many rows each table holds, in [`TABLES`] order.
pub type Counts = Vec<(&'static str, i64)>;

impl Store {
    /// Copies everything this store holds into `target`, which must be empty unless
    /// `replace` (PostgreSQL targets only) says to empty it first. Answers the row count
    /// of every table, verified equal on both sides.
    pub async fn copy_into(&self, target: &Store, replace: bool) -> StoreResult<Counts> {
        let mut source = self.read.acquire().await?;
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        source.execute(begin).await?;
        let counts = count_rows(&mut source).await?;
        let target_backend = target.backend();
        let copied = target
            .write(move |connection| {
                Box::pin(async move {
                    let result = async {
                        prepare_target(connection, target_backend, replace).await?;
                        for (table, columns) in TABLES {
                            copy_table(&mut source, connection, table, columns).await?;
                        }
                        if target_backend == Backend::Postgres {
                            restart_identities(connection).await?;
                        }
                        let written = count_rows(connection).await?;
                        verify(&counts, &written)?;
                        Ok(counts)
                    }
                    .await;
                    let _ = source.execute("ROLLBACK").await;
                    result
                })
            })
            .await?;
        // Fresh planner statistics: without them the first queries on a bulk-loaded
        // PostgreSQL database read whole tables.
        match target_backend {
            Backend::Postgres => {
                target.read.execute("ANALYZE").await?;
            }
            Backend::Sqlite => {
                target
                    .write(|connection| {
                        Box::pin(async move {
                            connection.execute("ANALYZE").await?;
                            Ok(())
                        })
                    })
                    .await?;
            }
        }
        Ok(copied)
    }
}

async fn count_rows(connection: &mut AnyConnection) -> StoreResult<Counts> {
    let mut counts = Vec::with_capacity(TABLES.len());
    for (table, _) in TABLES {
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&mut *connection)
            .await?;
        counts.push((*table, count));
    }
    Ok(counts)
}

/// Refuses a target that holds anything, or empties it when told to.
async fn prepare_target(
    connection: &mut AnyConnection,
    backend: Backend,
    replace: bool,
) -> StoreResult<()> {
    let held: Vec<String> = count_rows(connection)
        .await?
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(table, count)| format!("{table} ({count})"))
        .collect();
    if held.is_empty() {
        return Ok(());
    }
    if !replace {
        return Err(StoreError::Invalid(format!(
            "the target database is not empty: it holds {}; copy into an empty database, \
             or pass --replace to empty it first (PostgreSQL only)",
            held.join(", ")
        )));
    }
    if backend != Backend::Postgres {
        return Err(StoreError::Invalid(
            "--replace empties PostgreSQL targets only; copy into a new SQLite file instead"
                .to_string(),
        ));
    }
    let mut tables: Vec<&str> = TABLES.iter().map(|(table, _)| *table).collect();
    tables.extend(KEPT_TALLIES);
    // TRUNCATE fires no row triggers: the timeline's append-only guard stays for rows.
    connection
        .execute(AssertSqlSafe(format!(
            "TRUNCATE {} RESTART IDENTITY",
            tables.join(", ")
        )))
        .await?;
    Ok(())
}

async fn copy_table(
    source: &mut AnyConnection,
    target: &mut AnyConnection,
    table: &str,
    columns: &[(&str, Kind)],
) -> StoreResult<()> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let list = names.join(", ");
    let select = format!("SELECT {list} FROM {table} ORDER BY {}", names[0]);
    let mut rows = sqlx::query(AssertSqlSafe(select)).fetch(source);
    let per_insert = if is_postgres(target) {
        ROWS_PER_INSERT
    } else {
        rows_per_statement(columns.len())
    };
    let mut batch: Vec<Value> = Vec::new();
    let mut in_batch = 0;
    while let Some(row) = rows.try_next().await? {
        for (index, (_, kind)) in columns.iter().enumerate() {
            batch.push(match kind {
                Int => Value::from(row.try_get::<Option<i64>, _>(index)?),
                Text => Value::from(row.try_get::<Option<String>, _>(index)?),
            });
        }
        in_batch += 1;
        if in_batch == per_insert {
            insert(
                target,
                table,
                &list,
                columns.len(),
                std::mem::take(&mut batch),
            )
            .await?;
            in_batch = 0;
        }
    }
    if in_batch > 0 {
        insert(target, table, &list, columns.len(), batch).await?;
    }
    Ok(())
}

async fn insert(
    target: &mut AnyConnection,
    table: &str,
    list: &str,
    width: usize,
    values: Vec<Value>,
) -> StoreResult<()> {
    let rows: Vec<String> = (0..values.len() / width)
        .map(|row| format!("({})", placeholders(row * width + 1, width)))
        .collect();
    let sql = format!("INSERT INTO {table} ({list}) VALUES {}", rows.join(", "));
    bind_all(sqlx::query(AssertSqlSafe(sql)), values)
        .execute(&mut *target)
        .await?;
    Ok(())
}

/// Ids were copied as they were; PostgreSQL's identity sequences must continue after
/// them.
async fn restart_identities(connection: &mut AnyConnection) -> StoreResult<()> {
    for (table, columns) in TABLES {
        if columns.first().map(|(name, _)| *name) != Some("id") {
            continue;
        }
        connection
            .execute(AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )))
            .await?;
    }
    Ok(())
}

fn verify(source: &Counts, target: &Counts) -> StoreResult<()> {
    if source == target {
        return Ok(());
    }
    let differences: Vec<String> = source
        .iter()
        .zip(target)
        .filter(|(a, b)| a != b)
        .map(|((table, read), (_, written))| format!("{table}: read {read}, wrote {written}"))
        .collect();
    Err(StoreError::Invalid(format!(
        "the copy does not match the source ({}); nothing was written",
        differences.join("; ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::StoreOptions;

    async fn tables_and_columns(store: &Store) -> Vec<(String, Vec<String>)> {
        let (tables, columns) = match store.backend() {
            Backend::Sqlite => (
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
                "SELECT name FROM pragma_table_info($1) ORDER BY cid",
            ),
            Backend::Postgres => (
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            ),
        };
        let mut names: Vec<String> = sqlx::query_scalar(tables)
            .fetch_all(&store.read)
            .await
            .unwrap();
        // SQLite's search queue and the kept tallies are built again by the target.
        names.retain(|name| name != "search_queue" && !KEPT_TALLIES.contains(&name.as_str()));
        names.sort();
        let mut result = Vec::new();
        for name in names {
            let columns: Vec<String> = sqlx::query_scalar(columns)
                .bind(&name)
                .fetch_all(&store.read)
                .await
                .unwrap();
            result.push((name, columns));
        }
        result
    }

    async fn the_copy_covers_the_schema(db: &str) {
        let store = Store::open(db, StoreOptions::default()).await.unwrap();
        let mut expected: Vec<(String, Vec<String>)> = TABLES
            .iter()
            .map(|(table, columns)| {
                let names = columns.iter().map(|(name, _)| name.to_string()).collect();
                (table.to_string(), names)
            })
            .collect();
        expected.sort();
        assert_eq!(tables_and_columns(&store).await, expected);
    }

    #[tokio::test]
    async fn the_copy_covers_the_sqlite_schema() {
        let dir = tempfile::tempdir().unwrap();
        the_copy_covers_the_schema(dir.path().join("t.db").to_str().unwrap()).await;
    }

    #[tokio::test]
    async fn the_copy_covers_the_postgres_schema() {
        if triage_testdb::postgres_enabled() {
            let db = triage_testdb::TestDb::new(triage_testdb::Backend::Postgres);
            the_copy_covers_the_schema(&db.db).await;
        }
    }
}
