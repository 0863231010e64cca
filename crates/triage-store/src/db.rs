//! Opening the database: the URL, the connection settings, migrations, and the
//! [`Store`] handle every operation hangs off.

use std::borrow::Cow;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyConnection, AnyPool, Connection, Executor, SqlSafeStr};
use triage_core::workflow::Workflow;

use crate::error::{StoreError, StoreResult};
use crate::writer::Writer;

/// The SQLite schema, oldest first. Embedded, so the binary carries its migrations.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "initial",
    include_str!("../migrations/sqlite/0001_initial.sql"),
)];

/// Settings applied to every SQLite connection: durable commits, a write-ahead log so
/// readers never wait for the writer, enforced foreign keys, and a wait instead of an
/// error when another process holds the write lock.
const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
     PRAGMA synchronous = FULL;";

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Incident key prefix, `INC` by default.
    pub key_prefix: String,
    /// The workflow incidents follow.
    pub workflow: Arc<Workflow>,
    /// Read connections.
    pub readers: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            key_prefix: "INC".to_string(),
            workflow: Arc::new(Workflow::builtin()),
            readers: 4,
        }
    }
}

/// The handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) read: AnyPool,
    writer: Writer,
    pub(crate) options: Arc<StoreOptions>,
}

/// Turns what a user passes to `--db` into a connection URL: a `sqlite:` URL as it is,
/// anything else as the path of a SQLite file (created if missing).
pub fn database_url(db: &str) -> String {
    if db.starts_with("sqlite:") {
        db.to_string()
    } else {
        format!("sqlite://{db}?mode=rwc")
    }
}

impl Store {
    /// Opens (creating if needed) the database at `db`, applies migrations and starts
    /// the writer.
    pub async fn open(db: &str, options: StoreOptions) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        triage_core::incident::parse_prefix(&options.key_prefix)?;
        let url = database_url(db);
        let mut writer = AnyConnection::connect(&url).await?;
        writer.execute("PRAGMA journal_mode = WAL").await?;
        // Checkpoints run beside the writer (see `checkpoint_in_background`), not inside
        // its commits, where they would stall every write queued behind them.
        writer.execute("PRAGMA wal_autocheckpoint = 0").await?;
        // Statistics for the query planner: sampled (cheap), refreshed as data grows.
        writer
            .execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002")
            .await?;
        writer.execute(SQLITE_PRAGMAS).await?;
        migrator()
            .run(&mut writer)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let read = AnyPoolOptions::new()
            .max_connections(options.readers.max(1))
            .after_connect(|connection, _| {
                Box::pin(async move {
                    connection.execute(SQLITE_PRAGMAS).await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        checkpoint_in_background(read.clone());
        Ok(Store {
            read,
            writer: Writer::start(writer),
            options: Arc::new(options),
        })
    }

    pub fn workflow(&self) -> &Workflow {
        &self.options.workflow
    }

    pub fn key_prefix(&self) -> &str {
        &self.options.key_prefix
    }

    /// Runs `work` in one transaction; its result comes back once it is durable.
    pub(crate) async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        self.writer.write(work).await
    }

    /// Whether the database answers, to reads and through the writer.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        self.write(|connection| {
            Box::pin(async move {
                sqlx::query("SELECT 1").execute(&mut *connection).await?;
                Ok(())
            })
        })
        .await
    }

    /// Statuses incidents are in that the workflow does not have (a workflow file changed
    /// under existing data), with how many incidents are in each.
    pub async fn statuses_outside_workflow(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM incidents GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .filter(|(status, _)| self.workflow().status(status).is_none())
            .collect())
    }

    /// Waits for pending reads and closes the pool.
    pub async fn close(&self) {
        self.read.close().await;
    }
}

/// How often the write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Copies the write-ahead log into the database file every [`CHECKPOINT_EVERY`], on a
/// read connection: a passive checkpoint never blocks the writer or readers, and keeps
/// the log from growing. Ends when the pool closes.
fn checkpoint_in_background(pool: AnyPool) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(error) = pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(%error, "checkpointing the write-ahead log failed");
            }
        }
    });
}

fn migrator() -> Migrator {
    Migrator::with_migrations(
        SQLITE_MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}
