//! The SQLite backend: the connection settings, migrations, the group-commit writer and
//! the search index beside the database file, and keeping the write-ahead log short.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Connection, Executor};

use crate::db::migrator;
use crate::error::{StoreError, StoreResult};
use crate::search::{Indexer, SearchFile, index_in_background};
use crate::writer::Writer;

/// The SQLite schema, oldest first. Embedded, so the binary carries its migrations.
const MIGRATIONS: &[(i64, &str, &str)] = &[
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
    (
        3,
        "sign in",
        include_str!("../migrations/sqlite/0003_sign_in.sql"),
    ),
    (
        4,
        "services",
        include_str!("../migrations/sqlite/0004_services.sql"),
    ),
    (
        5,
        "alerts",
        include_str!("../migrations/sqlite/0005_alerts.sql"),
    ),
    (
        6,
        "schedules",
        include_str!("../migrations/sqlite/0006_schedules.sql"),
    ),
    (
        7,
        "escalation",
        include_str!("../migrations/sqlite/0007_escalation.sql"),
    ),
    (
        8,
        "paging",
        include_str!("../migrations/sqlite/0008_paging.sql"),
    ),
    (
        9,
        "server keys",
        include_str!("../migrations/sqlite/0009_server_keys.sql"),
    ),
    (
        10,
        "status page",
        include_str!("../migrations/sqlite/0010_status_page.sql"),
    ),
    (
        11,
        "status page history",
        include_str!("../migrations/sqlite/0011_status_page_history.sql"),
    ),
    (
        12,
        "stakeholder updates",
        include_str!("../migrations/sqlite/0012_stakeholder_updates.sql"),
    ),
    (
        13,
        "status subscribers",
        include_str!("../migrations/sqlite/0013_status_subscribers.sql"),
    ),
    (
        14,
        "post-mortems",
        include_str!("../migrations/sqlite/0014_postmortems.sql"),
    ),
    (
        15,
        "action items",
        include_str!("../migrations/sqlite/0015_action_items.sql"),
    ),
    (
        16,
        "action item reminders",
        include_str!("../migrations/sqlite/0016_action_reminders.sql"),
    ),
    (
        17,
        "recurrence",
        include_str!("../migrations/sqlite/0017_recurrence.sql"),
    ),
    (
        18,
        "mitigated at",
        include_str!("../migrations/sqlite/0018_mitigated.sql"),
    ),
    (
        19,
        "report days",
        include_str!("../migrations/sqlite/0019_report_days.sql"),
    ),
    (
        20,
        "event sentences",
        include_str!("../migrations/sqlite/0020_event_sentences.sql"),
    ),
    (
        21,
        "paging life",
        include_str!("../migrations/sqlite/0021_paging_life.sql"),
    ),
];

/// Settings applied to every SQLite connection: durable commits, a write-ahead log so
/// readers never wait for the writer, enforced foreign keys, and a wait instead of an
/// error when another process holds the write lock.
const PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
     PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;";

/// What [`open`] sets up.
pub(crate) struct Opened {
    pub read: AnyPool,
    pub writer: Writer,
    pub search: Option<Arc<Indexer>>,
}

/// Turns what a user passes to `--db` into a connection URL: a `sqlite:` URL as it is,
/// anything else as the path of a SQLite file (created if missing).
pub(crate) fn url(db: &str) -> String {
    if db.starts_with("sqlite:") {
        db.to_string()
    } else {
        format!("sqlite://{db}?mode=rwc")
    }
}

/// Opens (creating if needed) the database at `url`, applies migrations, and starts the
/// writer, the checkpoints and the search indexer.
pub(crate) async fn open(url: &str, readers: u32) -> StoreResult<Opened> {
    let mut writer = AnyConnection::connect(url).await?;
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
    writer.execute(PRAGMAS).await?;
    migrator(MIGRATIONS)
        .run(&mut writer)
        .await
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    let search_file = SearchFile::beside(url);
    if let Some(file) = &search_file {
        file.prepare().await?;
    }
    let attach = search_file.as_ref().map(SearchFile::attach);
    let read = AnyPoolOptions::new()
        .max_connections(readers.max(1))
        .after_connect(move |connection, _| {
            let attach = attach.clone();
            Box::pin(async move {
                connection.execute(PRAGMAS).await?;
                if let Some(attach) = attach {
                    connection.execute(AssertSqlSafe(attach)).await?;
                }
                Ok(())
            })
        })
        .connect(url)
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
    Ok(Opened {
        read,
        writer: Writer::start(writer, restart_log),
        search,
    })
}

/// Writes a consistent copy of the database to the new file `path` while it stays open
/// for reads and writes (`VACUUM INTO`: one read transaction).
pub(crate) async fn backup(read: &AnyPool, path: &str) -> StoreResult<()> {
    if std::path::Path::new(path).exists() {
        return Err(StoreError::Invalid(format!(
            "{path} already exists: back up to a new file"
        )));
    }
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(read)
        .await?;
    Ok(())
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
