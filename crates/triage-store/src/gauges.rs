//! Levels read at the moment `/metrics` is scraped: what is open, what fires, what waits.

use sqlx::Row;
use triage_core::Priority;
use triage_core::alert::AlertStatus;
use triage_core::workflow::Category;

use crate::db::Store;
use crate::error::StoreResult;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Incidents not Done, by priority (none: no priority set).
    pub open_incidents: Vec<(Option<Priority>, i64)>,
    pub firing_alerts: i64,
    /// Writes waiting for SQLite's writer; none on PostgreSQL.
    pub write_queue: Option<i64>,
    /// Changed incidents the search index has not taken in yet; none without an index.
    pub search_backlog: Option<i64>,
}

impl Store {
    pub async fn gauges(&self) -> StoreResult<Gauges> {
        let rows = sqlx::query(
            "SELECT priority, COUNT(*) AS n FROM incidents WHERE status_category <> $1 \
             GROUP BY priority ORDER BY priority",
        )
        .bind(Category::Done.as_str())
        .fetch_all(&self.read)
        .await?;
        let mut open_incidents = Vec::with_capacity(rows.len());
        for row in rows {
            let priority: Option<i64> = row.try_get("priority")?;
            open_incidents.push((priority.and_then(Priority::from_rank), row.try_get("n")?));
        }
        let firing_alerts = sqlx::query_scalar("SELECT COUNT(*) FROM alerts WHERE status = $1")
            .bind(AlertStatus::Firing.as_str())
            .fetch_one(&self.read)
            .await?;
        let search_backlog = match self.search {
            Some(_) => Some(
                sqlx::query_scalar(
                    "SELECT (SELECT COALESCE(MAX(seq), 0) FROM search_queue) - \
                     (SELECT seq FROM search.indexed)",
                )
                .fetch_one(&self.read)
                .await?,
            ),
            None => None,
        };
        Ok(Gauges {
            open_incidents,
            firing_alerts,
            write_queue: self.queued_writes(),
            search_backlog,
        })
    }
}
