//! Text search: finding incidents whose key, summary or description contain some text,
//! without reading every incident when the text is rare. PostgreSQL answers it from a
//! trigram index in its own schema ([`Strategy::Trigram`]); the rest of this module is
//! SQLite's FTS5 trigram index.
//!
//! The index lives in a file of its own beside the database (`<db>-search`), written by
//! its own connection, never by the writer. Kept inside the main database, every write
//! would pay for it: FTS5 flushes at every savepoint (each write of a group commit has
//! one), and its segment merges would hold SQLite's one write lock while every write
//! waits (docs/benchmarks.md tells what each attempt cost). Here the writer only appends
//! to `search_queue` (triggers, in the same transaction as the change), and the indexer
//! follows that queue by sequence number, recording in the index file how far it got.
//!
//! A search asks the index for incidents indexed up to that point and compares the
//! still-queued ones row by row, so results are exact whatever the indexer's lag. The
//! index file is derived data: when it is missing or ahead of the queue (the database
//! was restored from a backup) it is rebuilt from the queue.

use std::sync::Arc;
use std::time::Duration;

use sqlx::{AnyConnection, AnyPool, Connection, Executor};
use tokio::sync::Mutex;

use crate::error::StoreResult;
use crate::postgres::is_postgres;
use crate::sql::Value;

/// Queue entries indexed per transaction.
const STEP: i64 = 1_000;

/// How often the indexer looks for queued incidents.
const INDEX_EVERY: Duration = Duration::from_millis(200);

/// Text shorter than this has no trigram to look up and is compared row by row.
const MIN_INDEXED_CHARS: usize = 3;

/// The index file of a database on disk, named after it.
#[derive(Debug, Clone)]
pub(crate) struct SearchFile {
    path: String,
    /// The database it indexes.
    database: String,
}

/// The file a `sqlite:` URL names; none for an in-memory database.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then_some(path)
}

fn quoted(path: &str) -> String {
    format!("'{}'", path.replace('\'', "''"))
}

impl SearchFile {
    /// The index file beside the database `url` points at; none for an in-memory
    /// database.
    pub(crate) fn beside(url: &str) -> Option<SearchFile> {
        let database = sqlite_path(url)?;
        Some(SearchFile {
            path: format!("{database}-search"),
            database: database.to_string(),
        })
    }

    /// Creates the index file and its tables if they are missing.
    pub(crate) async fn prepare(&self) -> StoreResult<()> {
        let mut connection = self.connect().await?;
        connection
            .execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS incident_text \
                     USING fts5(key, summary, description, tokenize = 'trigram'); \
                 CREATE TABLE IF NOT EXISTS indexed (seq INTEGER NOT NULL); \
                 INSERT INTO indexed (seq) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM indexed);",
            )
            .await?;
        connection.close().await?;
        Ok(())
    }

    /// The statement that makes the index readable as `search.*` on a connection to the
    /// main database.
    pub(crate) fn attach(&self) -> String {
        format!("ATTACH DATABASE {} AS search", quoted(&self.path))
    }

    async fn connect(&self) -> StoreResult<AnyConnection> {
        let url = format!("sqlite://{}?mode=rwc", self.path);
        let mut connection = AnyConnection::connect(&url).await?;
        // Derived data: a commit lost to a power cut is indexed again from the queue.
        connection
            .execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA busy_timeout = 10000;",
            )
            .await?;
        Ok(connection)
    }
}

/// The connection that writes the index.
pub(crate) struct Indexer {
    connection: Mutex<AnyConnection>,
}

impl Indexer {
    /// Opens the index, starting it over if it is ahead of the
    /// database's queue.
    pub(crate) async fn open(file: &SearchFile) -> StoreResult<Indexer> {
        let mut connection = file.connect().await?;
        connection
            .execute(sqlx::AssertSqlSafe(format!(
                "ATTACH DATABASE {} AS m",
                quoted(&file.database)
            )))
            .await?;
        let (indexed, queued): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT seq FROM indexed), \
                    (SELECT COALESCE(MAX(seq), 0) FROM m.search_queue)",
        )
        .fetch_one(&mut connection)
        .await?;
        if indexed > queued {
            tracing::warn!(
                indexed,
                queued,
                "the search index is ahead of the database (restored from a backup?); rebuilding it"
            );
            connection
                .execute("DELETE FROM incident_text; UPDATE indexed SET seq = 0;")
                .await?;
        }
        Ok(Indexer {
            connection: Mutex::new(connection),
        })
    }

    /// Indexes up to [`STEP`] queued changes in one transaction; says how many it took.
    pub(crate) async fn step(&self) -> StoreResult<i64> {
        let mut connection = self.connection.lock().await;
        let mut transaction = connection.begin().await?;
        let (from, to): (i64, Option<i64>) = sqlx::query_as(
            "SELECT i.seq, (SELECT MAX(q.seq) FROM (SELECT seq FROM m.search_queue \
                 WHERE seq > i.seq ORDER BY seq LIMIT $1) q) FROM indexed i",
        )
        .bind(STEP)
        .fetch_one(&mut *transaction)
        .await?;
        let Some(to) = to else {
            return Ok(0);
        };
        sqlx::query(
            "INSERT OR REPLACE INTO incident_text (rowid, key, summary, description) \
             SELECT i.id, i.key, i.summary, i.description FROM m.incidents i \
             WHERE i.id IN (SELECT incident_id FROM m.search_queue WHERE seq > $1 AND seq <= $2)",
        )
        .bind(from)
        .bind(to)
        .execute(&mut *transaction)
        .await?;
        sqlx::query("UPDATE indexed SET seq = $1")
            .bind(to)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(to - from)
    }

    /// Indexes everything queued so far.
    pub(crate) async fn catch_up(&self) -> StoreResult<()> {
        while self.step().await? > 0 {}
        Ok(())
    }
}

/// Follows the queue every [`INDEX_EVERY`] until the store's read pool closes.
pub(crate) fn index_in_background(indexer: Arc<Indexer>, pool: AnyPool) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INDEX_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(error) = indexer.catch_up().await {
                tracing::warn!(%error, "indexing incidents for search failed");
            }
        }
    });
}

/// How a search finds incidents containing some text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// Compare incidents row by row, in the order listed, until the page is full: best
    /// when matches are common (the page fills after a few rows), or there is no index.
    Scan,
    /// Look the text up in the index: best when matches are rare.
    Index,
    /// PostgreSQL: `LIKE` on the lower-cased text, which its trigram index answers (the
    /// planner picks between it and reading in list order).
    Trigram,
}

/// Matches at which text counts as common (see [`Strategy`]).
const COMMON_MATCHES: i64 = 2_000;

/// Picks the strategy for `text`, asking the index (when there is one) how common it is.
pub(crate) async fn strategy(
    connection: &mut AnyConnection,
    indexed: bool,
    text: &str,
) -> StoreResult<Strategy> {
    if is_postgres(connection) {
        return Ok(Strategy::Trigram);
    }
    if !indexed || text.chars().count() < MIN_INDEXED_CHARS {
        return Ok(Strategy::Scan);
    }
    let matches: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM search.incident_text \
             WHERE incident_text MATCH $1 LIMIT $2)",
    )
    .bind(phrase(text))
    .bind(COMMON_MATCHES)
    .fetch_one(connection)
    .await?;
    Ok(if matches >= COMMON_MATCHES {
        Strategy::Scan
    } else {
        Strategy::Index
    })
}

/// `text` as an FTS5 phrase: its characters in order, anywhere.
fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The SQL condition "incident `i` contains `text` in its key, summary or description,
/// any case", with its parameters numbered by `param`.
pub(crate) fn text_condition(
    strategy: Strategy,
    text: &str,
    mut param: impl FnMut(Value) -> String,
) -> String {
    let pattern = param(Value::from(format!("%{}%", escape_like(text))));
    if strategy == Strategy::Trigram {
        // The expression of the index in migrations/postgres/0002_search.sql.
        return format!(
            "lower(i.key || chr(31) || i.summary || chr(31) || i.description) \
             LIKE lower({pattern}) ESCAPE '\\'"
        );
    }
    // SQLite's LIKE ignores (ASCII) case.
    let like = |alias: &str| {
        format!(
            "({alias}.key LIKE {pattern} ESCAPE '\\' OR {alias}.summary LIKE {pattern} ESCAPE '\\' \
             OR {alias}.description LIKE {pattern} ESCAPE '\\')"
        )
    };
    if strategy == Strategy::Scan {
        return like("i");
    }
    let phrase = param(Value::from(phrase(text)));
    let queued = "SELECT incident_id FROM search_queue \
                  WHERE seq > (SELECT seq FROM search.indexed)";
    format!(
        "i.id IN (SELECT rowid FROM search.incident_text WHERE incident_text MATCH {phrase} \
                      AND rowid NOT IN ({queued}) \
                  UNION ALL \
                  SELECT p.id FROM incidents p WHERE p.id IN ({queued}) AND {})",
        like("p")
    )
}

/// `text` as a LIKE pattern that matches it literally (with `ESCAPE '\'`).
pub(crate) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_file_sits_beside_the_database() {
        let file = SearchFile::beside("sqlite:///var/lib/triage.db?mode=rwc").unwrap();
        assert_eq!(file.database, "/var/lib/triage.db");
        assert_eq!(file.path, "/var/lib/triage.db-search");
        let file = SearchFile::beside("sqlite:triage.db").unwrap();
        assert_eq!(file.path, "triage.db-search");
        assert!(SearchFile::beside("sqlite::memory:").is_none());
    }

    #[test]
    fn a_scan_compares_rows_with_like() {
        let mut params = Vec::new();
        let sql = text_condition(Strategy::Scan, "db", |v| {
            params.push(v);
            format!("${}", params.len())
        });
        assert!(!sql.contains("MATCH"));
        assert_eq!(params, vec![Value::from("%db%")]);
    }

    #[test]
    fn wildcards_and_quotes_are_taken_literally() {
        let mut params = Vec::new();
        let sql = text_condition(Strategy::Index, r#"50% "off"_"#, |v| {
            params.push(v);
            format!("${}", params.len())
        });
        assert!(sql.contains("MATCH $2"));
        assert_eq!(
            params,
            vec![
                Value::from(r#"%50\% "off"\_%"#),
                Value::from(r#""50% ""off""_""#)
            ]
        );
    }
}
