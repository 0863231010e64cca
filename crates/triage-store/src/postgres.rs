//! The PostgreSQL backend: one pool for reads and writes, each write its own
//! transaction, so that several `triage serve` instances can share the database.
//!
//! What must happen once across instances is decided by the database: incident keys come
//! from a counter row that the creating transaction locks (never duplicated, never
//! skipped), and a write that changes an incident locks its row before reading it
//! ([`lock_incidents`]), so optimistic versions hold between instances too.

use sqlx::any::AnyPoolOptions;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AnyConnection, AnyPool, Executor};

use crate::db::migrator;
use crate::error::{StoreError, StoreResult};
use crate::incidents::normalize_key;
use crate::sql::{Value, bind_all, placeholders};

/// The PostgreSQL schema, oldest first, embedded like SQLite's.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "search",
        include_str!("../migrations/postgres/0002_search.sql"),
    ),
    (
        3,
        "sign in",
        include_str!("../migrations/postgres/0003_sign_in.sql"),
    ),
    (
        4,
        "services",
        include_str!("../migrations/postgres/0004_services.sql"),
    ),
    (
        5,
        "alerts",
        include_str!("../migrations/postgres/0005_alerts.sql"),
    ),
    (
        6,
        "schedules",
        include_str!("../migrations/postgres/0006_schedules.sql"),
    ),
    (
        7,
        "escalation",
        include_str!("../migrations/postgres/0007_escalation.sql"),
    ),
    (
        8,
        "paging",
        include_str!("../migrations/postgres/0008_paging.sql"),
    ),
    (
        9,
        "server keys",
        include_str!("../migrations/postgres/0009_server_keys.sql"),
    ),
    (
        10,
        "status page",
        include_str!("../migrations/postgres/0010_status_page.sql"),
    ),
    (
        11,
        "status page history",
        include_str!("../migrations/postgres/0011_status_page_history.sql"),
    ),
    (
        12,
        "stakeholder updates",
        include_str!("../migrations/postgres/0012_stakeholder_updates.sql"),
    ),
    (
        13,
        "status subscribers",
        include_str!("../migrations/postgres/0013_status_subscribers.sql"),
    ),
    (
        14,
        "post-mortems",
        include_str!("../migrations/postgres/0014_postmortems.sql"),
    ),
    (
        15,
        "action items",
        include_str!("../migrations/postgres/0015_action_items.sql"),
    ),
    (
        16,
        "action item reminders",
        include_str!("../migrations/postgres/0016_action_reminders.sql"),
    ),
    (
        17,
        "recurrence",
        include_str!("../migrations/postgres/0017_recurrence.sql"),
    ),
    (
        18,
        "mitigated at",
        include_str!("../migrations/postgres/0018_mitigated.sql"),
    ),
    (
        19,
        "report days",
        include_str!("../migrations/postgres/0019_report_days.sql"),
    ),
    (
        20,
        "event sentences",
        include_str!("../migrations/postgres/0020_event_sentences.sql"),
    ),
    (
        21,
        "paging life",
        include_str!("../migrations/postgres/0021_paging_life.sql"),
    ),
];

/// Whether `db` names a PostgreSQL database.
pub(crate) fn is_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Connects and applies migrations. Several instances starting at once are safe: the
/// migrator holds an advisory lock while it runs.
pub(crate) async fn open(url: &str, connections: u32) -> StoreResult<AnyPool> {
    let pool = AnyPoolOptions::new()
        .max_connections(connections.max(2))
        .connect(url)
        .await?;
    migrator(MIGRATIONS)
        .run(&pool)
        .await
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(pool)
}

/// Whether `connection` is to PostgreSQL (rather than SQLite): where the few statements
/// that differ take their other form.
pub(crate) fn is_postgres(connection: &AnyConnection) -> bool {
    connection.backend_name() == "PostgreSQL"
}

/// Locks the service an integration feeds until the transaction ends: alerts for one
/// service are taken in one at a time across instances, so two deliveries for one group
/// cannot both open an incident, nor one alert fire twice. SQLite's one writer does that
/// by itself.
pub(crate) async fn lock_integration_service(
    connection: &mut AnyConnection,
    integration_id: i64,
) -> StoreResult<()> {
    if is_postgres(connection) {
        sqlx::query(
            "SELECT s.id FROM services s JOIN integrations i ON i.service_id = s.id \
             WHERE i.id = $1 FOR UPDATE OF s",
        )
        .bind(integration_id)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Locks the incidents with these keys until the transaction ends, in one order (by id)
/// so that two writes locking the same incidents cannot deadlock. On SQLite there is
/// nothing to do: its one writer already runs writes one at a time.
pub(crate) async fn lock_incidents(
    connection: &mut AnyConnection,
    keys: &[String],
) -> StoreResult<()> {
    if !is_postgres(connection) || keys.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT id FROM incidents WHERE key IN ({}) ORDER BY id FOR UPDATE",
        placeholders(1, keys.len())
    );
    let values = keys.iter().map(|k| Value::from(normalize_key(k))).collect();
    bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), values)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Locks `key` and both incidents link `link_id` joins (whatever `key` is), as
/// [`lock_incidents`] does.
pub(crate) async fn lock_link_sides(
    connection: &mut AnyConnection,
    key: &str,
    link_id: i64,
) -> StoreResult<()> {
    if !is_postgres(connection) {
        return Ok(());
    }
    let mut keys: Vec<String> = sqlx::query_scalar(
        "SELECT key FROM incidents WHERE id IN \
         (SELECT source_id FROM links WHERE id = $1 UNION SELECT target_id FROM links WHERE id = $1)",
    )
    .bind(link_id)
    .fetch_all(&mut *connection)
    .await?;
    keys.push(key.to_string());
    lock_incidents(connection, &keys).await
}

/// Writes (by this instance) between refreshes of the planner's statistics.
const WRITES_BETWEEN_ANALYZE: usize = 20_000;

/// Counts a write and, every [`WRITES_BETWEEN_ANALYZE`], refreshes the planner's
/// statistics in the background, as the SQLite writer does with `PRAGMA optimize`.
/// Autovacuum does this too where it is on; where it is off, plans made for a small
/// table (reading it whole) would otherwise stay as it grows.
pub(crate) fn count_write(writes: &AtomicUsize, pool: &AnyPool) {
    if !(writes.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(WRITES_BETWEEN_ANALYZE) {
        return;
    }
    let pool = pool.clone();
    tokio::spawn(async move {
        if let Err(error) = pool.execute("ANALYZE").await {
            tracing::warn!(%error, "refreshing planner statistics failed");
        }
    });
}
