//! Opening the database: the URL, the connection settings, migrations, and the
//! [`Store`] handle every operation hangs off.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::BoxFuture;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Connection, Executor, SqlSafeStr};
use triage_core::workflow::Workflow;

use crate::error::{StoreError, StoreResult};
use crate::search::{Indexer, SearchFile, index_in_background};
use crate::writer::Writer;

/// The SQLite schema, oldest first. Embedded, so the binary carries its migrations.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "search queue",
        include_str!("../migrations/sqlite/0002_search_queue.sql"),
    ),
];

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
    /// The text search index; none for an in-memory database, which searches row by row.
    pub(crate) search: Option<Arc<Indexer>>,
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
        // When the log starts over, its file is cut back to this size.
        writer
            .execute("PRAGMA journal_size_limit = 67108864")
            .await?;
        // Statistics for the query planner: sampled (cheap), refreshed as data grows.
        writer
            .execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002")
            .await?;
        writer.execute(SQLITE_PRAGMAS).await?;
        migrator()
            .run(&mut writer)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let search_file = SearchFile::beside(&url);
        if let Some(file) = &search_file {
            file.prepare().await?;
        }
        let attach = search_file.as_ref().map(SearchFile::attach);
        let read = AnyPoolOptions::new()
            .max_connections(options.readers.max(1))
            .after_connect(move |connection, _| {
                let attach = attach.clone();
                Box::pin(async move {
                    connection.execute(SQLITE_PRAGMAS).await?;
                    if let Some(attach) = attach {
                        connection.execute(AssertSqlSafe(attach)).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let restart_log = Arc::new(AtomicBool::new(false));
        checkpoint_in_background(read.clone(), restart_log.clone());
        let search = match &search_file {
            Some(file) => {
                let indexer = Arc::new(Indexer::open(file).await?);
                index_in_background(indexer.clone(), read.clone());
                Some(indexer)
            }
            None => None,
        };
        Ok(Store {
            read,
            writer: Writer::start(writer, restart_log),
            options: Arc::new(options),
            search,
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

    /// Writes a consistent copy of the database to the new file `path` while the store
    /// stays open for reads and writes (SQLite's `VACUUM INTO`: one read transaction).
    pub async fn backup_to(&self, path: &str) -> StoreResult<()> {
        if std::path::Path::new(path).exists() {
            return Err(StoreError::Invalid(format!(
                "{path} already exists: back up to a new file"
            )));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.read)
            .await?;
        Ok(())
    }

    /// Indexes for search every incident changed so far; the index otherwise follows
    /// changes within a fraction of a second, and searches are exact either way.
    pub async fn refresh_search_index(&self) -> StoreResult<()> {
        match &self.search {
            Some(indexer) => indexer.catch_up().await,
            None => Ok(()),
        }
    }

    /// Waits for pending reads and closes the pool.
    pub async fn close(&self) {
        self.read.close().await;
    }
}

/// How often the write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Log frames (4 KiB pages) after which the log should start over.
const RESTART_LOG_AT: i64 = 4096;

/// Copies the write-ahead log into the database file every [`CHECKPOINT_EVERY`], on a
/// read connection: a passive checkpoint never blocks the writer or readers.
///
/// The log starts over only when a write begins with every frame already copied back,
/// and under a steady stream of writes a checkpoint beside the writer never catches the
/// log's end: the log would grow without bound, and every page read would search a
/// longer index. So once the log holds [`RESTART_LOG_AT`] frames, this asks the writer
/// (through `restart_log`) to copy the few frames left between two batches itself; its
/// next write then starts the log over. Ends when the pool closes.
fn checkpoint_in_background(pool: AnyPool, restart_log: Arc<AtomicBool>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if pool.is_closed() {
                break;
            }
            let checkpoint = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&pool)
                .await;
            match checkpoint {
                Ok((_busy, log, _copied)) => {
                    if log >= RESTART_LOG_AT {
                        restart_log.store(true, Ordering::Relaxed);
                    }
                }
                Err(_) if pool.is_closed() => break,
                Err(error) => tracing::warn!(%error, "checkpointing the write-ahead log failed"),
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
