//! Group commit: one connection does every write; writes that arrive while a commit is
//! in flight are gathered into the next transaction, each inside its own savepoint.
//!
//! A write that fails rolls back to its savepoint and changes nothing; the others in the
//! batch still commit. The caller hears back only after COMMIT returned, so a reply means
//! the write is durable. One fsync serves the whole batch, which is what lets SQLite take
//! thousands of durable writes a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::BoxFuture;
use sqlx::{AnyConnection, Executor};
use tokio::sync::{mpsc, oneshot};

use crate::error::{StoreError, StoreResult};

/// The most writes one commit carries; bounds the latency a batch adds. 64 rather than
/// 256: a page under a flood of repeat alerts waited behind a long batch (p99 24.5 →
/// 18.9 ms), and the flood itself went faster (docs/benchmarks.md, tenth session).
const MAX_BATCH: usize = 64;

/// Writes between refreshes of the query planner's statistics (`PRAGMA optimize`), so
/// plans follow the data as it grows.
const WRITES_BETWEEN_OPTIMIZE: usize = 20_000;

type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// One queued write: run it inside the batch, or fail it without running.
trait Job: Send {
    /// Runs the write; says whether it succeeded and how to tell the caller once the
    /// batch's fate is known.
    fn run<'c>(self: Box<Self>, connection: &'c mut AnyConnection)
    -> BoxFuture<'c, (bool, Finish)>;
    fn fail(self: Box<Self>, error: StoreError);
}

struct WriteJob<T, F> {
    work: F,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Job for WriteJob<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
{
    fn run<'c>(
        self: Box<Self>,
        connection: &'c mut AnyConnection,
    ) -> BoxFuture<'c, (bool, Finish)> {
        let WriteJob { work, reply } = *self;
        Box::pin(async move {
            let result = work(connection).await;
            let succeeded = result.is_ok();
            let finish: Finish = Box::new(move |committed| {
                let outcome = match (result, committed) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Ok(_), Err(error)) | (Err(error), _) => Err(error),
                };
                // The caller may have gone away; the write stands regardless.
                let _ = reply.send(outcome);
            });
            (succeeded, finish)
        })
    }

    fn fail(self: Box<Self>, error: StoreError) {
        let _ = self.reply.send(Err(error));
    }
}

/// A handle to the writer task.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer task on `connection`. When `restart_log` is set, the writer
    /// copies the write-ahead log's last frames back between two batches, so that its
    /// next write starts the log over (see `checkpoint_in_background`).
    pub fn start(connection: AnyConnection, restart_log: Arc<AtomicBool>) -> Writer {
        let (jobs, receiver) = mpsc::channel(4 * MAX_BATCH);
        // The writer gets a thread of its own: every statement of a write is a round trip
        // to SQLite's worker thread, and on the shared runtime each wake-up would queue
        // behind request handlers, stretching the one serialized section there is. Its
        // runtime has timers but no network driver (it does no network IO), so between
        // round trips it waits on a plain thread park, not the driver's event loop.
        std::thread::Builder::new()
            .name("triage-writer".to_string())
            .spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .expect("a runtime for the writer")
                    .block_on(run(connection, receiver, restart_log));
            })
            .expect("the writer thread");
        Writer { jobs }
    }

    /// Runs `work` in a transaction and returns its result once it is committed.
    /// Writes waiting in the queue.
    pub fn queued(&self) -> usize {
        self.jobs.max_capacity() - self.jobs.capacity()
    }

    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(WriteJob { work, reply });
        self.jobs.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Database(Arc::new(sqlx::Error::PoolClosed))
}

async fn run(
    mut connection: AnyConnection,
    mut receiver: mpsc::Receiver<Box<dyn Job>>,
    restart_log: Arc<AtomicBool>,
) {
    let mut since_optimize = 0;
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        since_optimize += batch.len();
        commit_batch(&mut connection, batch).await;
        if restart_log.swap(false, Ordering::Relaxed)
            && let Err(error) = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").await
        {
            tracing::warn!(%error, "checkpointing the write-ahead log failed");
        }
        if since_optimize >= WRITES_BETWEEN_OPTIMIZE {
            since_optimize = 0;
            if let Err(error) = connection.execute("PRAGMA optimize = 0x10002").await {
                tracing::warn!(%error, "refreshing planner statistics failed");
            }
        }
    }
}

/// Runs a batch in one transaction and tells every caller how it ended.
/// Runs a batch in one transaction and tells every caller how it ended. The savepoint
/// statements ride along with the ones before and after them, so a job costs no extra
/// round trip.
async fn commit_batch(connection: &mut AnyConnection, batch: Vec<Box<dyn Job>>) {
    let mut finishes: Vec<Finish> = Vec::with_capacity(batch.len());
    let mut pending = batch.into_iter();
    let outcome: Result<(), sqlx::Error> = async {
        connection
            .execute("BEGIN IMMEDIATE; SAVEPOINT write")
            .await?;
        let mut previous: Option<bool> = None;
        for job in pending.by_ref() {
            match previous {
                Some(true) => connection.execute("RELEASE write; SAVEPOINT write").await?,
                Some(false) => {
                    connection
                        .execute("ROLLBACK TO write; RELEASE write; SAVEPOINT write")
                        .await?
                }
                None => Default::default(),
            };
            let (succeeded, finish) = job.run(connection).await;
            finishes.push(finish);
            previous = Some(succeeded);
        }
        let closing = if previous == Some(false) {
            "ROLLBACK TO write; RELEASE write; COMMIT"
        } else {
            "RELEASE write; COMMIT"
        };
        connection.execute(closing).await?;
        Ok(())
    }
    .await;
    let committed = match outcome {
        Ok(()) => Ok(()),
        Err(error) => {
            tracing::error!(%error, "write batch failed; rolling back");
            let _ = connection.execute("ROLLBACK").await;
            Err(StoreError::from(error))
        }
    };
    for job in pending {
        job.fail(committed.clone().err().unwrap_or_else(stopped));
    }
    for finish in finishes {
        finish(committed.clone());
    }
}
