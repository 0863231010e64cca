//! The report's kept day tallies: which whole days of a window are kept and current,
//! marking days before they are read, and keeping what was read. How a kept tally is
//! known to be current is in `migrations/*/0019_report_days.sql`.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use sqlx::{AnyConnection, Executor};
use triage_core::metrics::Tally;

use super::DAY;
use crate::db::{Backend, Store};
use crate::error::{StoreError, StoreResult};
use crate::sql::Statements;
use crate::time::to_db;

/// The whole days of `[since, until]` (microseconds), first and last.
fn whole_days(since: i64, until: i64) -> Option<(i64, i64)> {
    let first = since.div_euclid(DAY) + i64::from(since.rem_euclid(DAY) != 0);
    let last = (until + 1).div_euclid(DAY) - 1;
    (first <= last).then_some((first, last))
}

/// A tally as `report_days` keeps it.
pub(super) fn stored(tally: &Tally) -> StoreResult<String> {
    serde_json::to_string(tally)
        .map_err(|e| StoreError::Invalid(format!("the report could not store a day's tally ({e})")))
}

/// Runs of consecutive days, as `(first, last)`.
fn runs(days: &BTreeSet<i64>) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &day in days {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == day => *last = day,
            _ => runs.push((day, day)),
        }
    }
    runs
}

/// A kept day: the version of its mark, and its tally if one is kept at that version.
type Kept = BTreeMap<i64, (i64, Option<String>)>;

async fn kept_days(
    connection: &mut AnyConnection,
    (first, last): (i64, i64),
    service: &str,
) -> StoreResult<Kept> {
    let rows: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT m.day, m.version, d.tally FROM report_marks m \
         LEFT JOIN report_days d ON d.day = m.day AND d.service = $3 AND d.version = m.version \
         WHERE m.day >= $1 AND m.day <= $2",
    )
    .bind(first)
    .bind(last)
    .bind(service)
    .fetch_all(&mut *connection)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(day, version, tally)| (day, (version, tally)))
        .collect())
}

/// How a window is read: what its kept days already add up to, the ranges left to read
/// incident by incident, and the version each whole day among them is read at.
#[derive(Default)]
pub(super) struct Plan {
    pub(super) kept: Tally,
    pub(super) ranges: Vec<(i64, i64)>,
    pub(super) versions: BTreeMap<i64, i64>,
}

impl Store {
    /// How to read `[since, until]` for `service` ('' for all): the whole days kept at
    /// their mark's version merged; the partial first and last days, and whole days not
    /// kept, to read — marked first, so that a change from then on is seen.
    pub(super) async fn plan(
        &self,
        since: i64,
        until: i64,
        service: &str,
        now: Timestamp,
    ) -> StoreResult<Plan> {
        // Only days already over are kept: one still to come is read.
        let over = to_db(now).div_euclid(DAY) * DAY - 1;
        let Some((first, last)) = whole_days(since, until.min(over)) else {
            return Ok(Plan {
                ranges: vec![(since, until)],
                ..Plan::default()
            });
        };
        let mut plan = Plan::default();
        if since < first * DAY {
            plan.ranges.push((since, first * DAY - 1));
        }
        // No connection is held while the days are marked: marking takes one of its own.
        let mut kept = kept_days(&mut *self.read.acquire().await?, (first, last), service).await?;
        let mut missing = BTreeSet::new();
        for day in first..=last {
            match kept.remove(&day) {
                // One kept by another version of Triage may not read: tallied again.
                Some((version, text)) => {
                    match text.and_then(|t| serde_json::from_str::<Tally>(&t).ok()) {
                        Some(day_tally) => plan.kept.merge(day_tally),
                        None => {
                            missing.insert(day);
                            plan.versions.insert(day, version);
                        }
                    }
                }
                None => {
                    missing.insert(day);
                }
            }
        }
        let unmarked = missing.iter().any(|day| !plan.versions.contains_key(day));
        if let (true, Some(&low), Some(&high)) = (unmarked, missing.first(), missing.last()) {
            self.mark_days(low, high).await?;
            // Read before the incidents: a change after this moves the version on.
            let mut connection = self.read.acquire().await?;
            for (day, (version, _)) in kept_days(&mut connection, (low, high), service).await? {
                if missing.contains(&day) {
                    plan.versions.insert(day, version);
                }
            }
        }
        plan.ranges.extend(
            runs(&missing)
                .into_iter()
                .map(|(a, b)| (a * DAY, (b + 1) * DAY - 1)),
        );
        if (last + 1) * DAY <= until {
            plan.ranges.push(((last + 1) * DAY, until));
        }
        Ok(plan)
    }

    /// Marks the days `[low, high]` that have no mark yet. On PostgreSQL, in-flight writes
    /// to incidents are waited for first: one that began before a mark existed and
    /// commits after the incidents were read would otherwise leave a kept tally stale.
    async fn mark_days(&self, low: i64, high: i64) -> StoreResult<()> {
        let postgres = self.backend() == Backend::Postgres;
        self.write(move |connection| {
            Box::pin(async move {
                if postgres {
                    connection
                        .execute("LOCK TABLE incidents, incident_services IN SHARE MODE")
                        .await?;
                }
                // A tally kept under a mark since removed could match the new mark's
                // first version: it goes.
                sqlx::query(
                    "DELETE FROM report_days WHERE day >= $1 AND day <= $2 AND NOT EXISTS \
                     (SELECT 1 FROM report_marks m WHERE m.day = report_days.day)",
                )
                .bind(low)
                .bind(high)
                .execute(&mut *connection)
                .await?;
                sqlx::query(
                    "WITH RECURSIVE d (day) AS (SELECT CAST($1 AS BIGINT) \
                     UNION ALL SELECT day + 1 FROM d WHERE day < $2) \
                     INSERT INTO report_marks (day, version) SELECT day, 0 FROM d WHERE true \
                     ON CONFLICT (day) DO NOTHING",
                )
                .bind(low)
                .bind(high)
                .execute(&mut *connection)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Keeps `days`' tallies of `service` ('' for all), each with the version of its mark
    /// it was read at; an older one never replaces a newer. Sent as one batch of
    /// statements (on SQLite a round trip per few hundred days, not one per day: the
    /// keeper's first run writes years of days inside the writer's serialized section).
    pub(super) async fn keep_days(
        &self,
        service: String,
        days: Vec<(i64, i64, String)>,
    ) -> StoreResult<()> {
        let mut statements = Statements::default();
        for (day, version, tally) in days {
            statements.push(
                "INSERT INTO report_days (day, service, version, tally) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (day, service) DO UPDATE \
                 SET version = excluded.version, tally = excluded.tally \
                 WHERE report_days.version < excluded.version",
                vec![
                    day.into(),
                    service.as_str().into(),
                    version.into(),
                    tally.into(),
                ],
            );
        }
        self.write(move |connection| Box::pin(statements.execute(connection)))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_days_are_the_days_the_window_holds_entirely() {
        assert_eq!(whole_days(0, DAY - 1), Some((0, 0)));
        assert_eq!(whole_days(1, DAY - 1), None);
        assert_eq!(whole_days(0, DAY - 2), None);
        assert_eq!(whole_days(DAY / 2, 3 * DAY + 5), Some((1, 2)));
        let days: BTreeSet<i64> = [1, 2, 3, 7, 9, 10].into();
        assert_eq!(runs(&days), [(1, 3), (7, 7), (9, 10)]);
    }
}
