//! The [`Store`] handle every operation hangs off: which backend it is, how a write
//! becomes one transaction, and what both backends share (migrations, health).

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use futures_util::future::BoxFuture;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyConnection, AnyPool, SqlSafeStr};
use triage_core::cadence::Cadence;
use triage_core::sla::ResponseTimes;
use triage_core::workflow::Workflow;

use crate::error::{StoreError, StoreResult};
use crate::paging::Wake;
use crate::search::Indexer;
use crate::senders::Senders;
use crate::writer::Writer;
use crate::{postgres, sqlite};

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Incident key prefix, `INC` by default.
    pub key_prefix: String,
    /// The workflow incidents follow.
    pub workflow: Arc<Workflow>,
    /// Connections: SQLite's readers (the writer has its own; 4 unless set), or
    /// PostgreSQL's pool for reads and writes (16 unless set).
    pub connections: Option<u32>,
    /// The response time each priority promises.
    pub response_times: ResponseTimes,
    /// The longest wait between stakeholder updates each severity allows.
    pub update_cadence: Cadence,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            key_prefix: "INC".to_string(),
            workflow: Arc::new(Workflow::builtin()),
            connections: None,
            response_times: ResponseTimes::default(),
            update_cadence: Cadence::default(),
        }
    }
}

/// The handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    /// Reads; on PostgreSQL, writes too.
    pub(crate) read: AnyPool,
    writes: Writes,
    pub(crate) options: Arc<StoreOptions>,
    /// The text search index; none for an in-memory database, which searches row by row.
    pub(crate) search: Option<Arc<Indexer>>,
    /// Integration keys this process has seen.
    pub(crate) senders: Arc<Senders>,
    /// Wakes the paging engine when a page is due at once.
    pub(crate) wake: Wake,
}

/// The database behind a store, chosen once from the `--db` value: a `postgres://` URL,
/// or a `sqlite:` URL or file path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// `db` fit to print: the password of a URL (`postgres://user:secret@host`) is hidden.
pub fn redact_password(db: &str) -> String {
    let Some((scheme, rest)) = db.split_once("://") else {
        return db.to_string();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return db.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => db.to_string(),
    }
}

/// How writes reach the database.
#[derive(Clone)]
enum Writes {
    /// SQLite: through the one writer, gathered into shared commits.
    Grouped(Writer),
    /// PostgreSQL: each in its own transaction on a pooled connection; the count of
    /// writes paces statistics refreshes.
    Pooled(Arc<AtomicUsize>),
}

impl Store {
    /// Opens the database `db` names (creating a SQLite file if needed) and applies
    /// migrations.
    pub async fn open(db: &str, options: StoreOptions) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        triage_core::incident::parse_prefix(&options.key_prefix)?;
        let store = if postgres::is_url(db) {
            let pool = postgres::open(db, options.connections.unwrap_or(16)).await?;
            Store {
                read: pool,
                writes: Writes::Pooled(Arc::default()),
                options: Arc::new(options),
                search: None,
                senders: Arc::default(),
                wake: Wake::default(),
            }
        } else {
            let opened = sqlite::open(&sqlite::url(db), options.connections.unwrap_or(4)).await?;
            Store {
                read: opened.read,
                writes: Writes::Grouped(opened.writer),
                options: Arc::new(options),
                search: opened.search,
                senders: Arc::default(),
                wake: Wake::default(),
            }
        };
        Ok(store)
    }

    /// What wakes the paging engine: notified when an escalation starts.
    pub fn paging_wake(&self) -> Wake {
        self.wake.clone()
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.writes {
            Writes::Grouped(_) => Backend::Sqlite,
            Writes::Pooled(_) => Backend::Postgres,
        }
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
        let value = match &self.writes {
            Writes::Grouped(writer) => writer.write(work).await?,
            Writes::Pooled(writes) => {
                let mut transaction = self.read.begin().await?;
                // An error drops the transaction, which rolls it back.
                let value = work(&mut transaction).await?;
                transaction.commit().await?;
                postgres::count_write(writes, &self.read);
                value
            }
        };
        // Pages the write claimed go out now that it is durable.
        self.wake.committed();
        Ok(value)
    }

    /// Writes waiting for SQLite's writer; none on PostgreSQL, which has no such queue.
    pub(crate) fn queued_writes(&self) -> Option<i64> {
        match &self.writes {
            Writes::Grouped(writer) => i64::try_from(writer.queued()).ok(),
            Writes::Pooled(_) => None,
        }
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

    /// Writes a consistent copy of a SQLite database to the new file `path` while the
    /// store stays open for reads and writes. PostgreSQL has its own tools for that.
    pub async fn backup_to(&self, path: &str) -> StoreResult<()> {
        match self.backend() {
            Backend::Sqlite => sqlite::backup(&self.read, path).await,
            Backend::Postgres => Err(StoreError::Invalid(
                "backup copies SQLite databases; back up PostgreSQL with pg_dump (see docs/operations.md)"
                    .to_string(),
            )),
        }
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

/// Embedded migrations, `(version, description, sql)` oldest first, as a migrator.
pub(crate) fn migrator(migrations: &'static [(i64, &str, &str)]) -> Migrator {
    Migrator::with_migrations(
        migrations
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

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn passwords_are_hidden_and_nothing_else() {
        assert_eq!(
            redact_password("postgres://triage:s3cret@db.internal:5432/triage"),
            "postgres://triage:***@db.internal:5432/triage"
        );
        assert_eq!(
            redact_password("postgres://postgres@127.0.0.1/triage"),
            "postgres://postgres@127.0.0.1/triage"
        );
        assert_eq!(redact_password("/var/lib/triage.db"), "/var/lib/triage.db");
    }
}
