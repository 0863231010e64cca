//! Flagging recurrences as incidents open: the same problem on the same service come
//! back after an earlier incident was finished. The new incident records which incident
//! it recurs and which of that incident's finished action items did not prevent it; the
//! earlier incident's timeline records that it came back.

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};
use triage_core::action::ActionStatus;
use triage_core::recurrence::Summary;
use triage_core::timeline::EventData;
use triage_core::workflow::Category;

use crate::error::StoreResult;
use crate::sql::Statements;

use super::timeline::push_event;

/// The newest incidents on the same services looked at (the finished ones among them
/// compared), newest first.
const COMPARED: i64 = 500;

/// Flags the new incident `id` as a recurrence of `earlier` when given (the finished
/// incident of the alert group it opened for), else of the newest finished incident,
/// among the last [`COMPARED`] on its services, whose summary says the same thing.
pub(crate) async fn flag_recurrence(
    connection: &mut AnyConnection,
    id: i64,
    earlier: Option<i64>,
    now: Timestamp,
) -> StoreResult<()> {
    let (key, summary): (String, String) =
        sqlx::query_as("SELECT key, summary FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *connection)
            .await?;
    let earlier = match earlier {
        Some(earlier) => Some(earlier),
        None => {
            // The newest incidents on its services, walked down their index and no
            // further than COMPARED: opening an incident stays cheap on a service with a
            // long history.
            let candidates: Vec<(i64, String)> = sqlx::query_as(
                "SELECT i.id, i.summary FROM incidents i WHERE i.status_category = $3 \
                 AND i.id IN (SELECT s.incident_id FROM incident_services s \
                 WHERE s.service IN (SELECT service FROM incident_services WHERE incident_id = $1) \
                 AND s.incident_id < $1 ORDER BY s.incident_id DESC LIMIT $2) \
                 ORDER BY i.id DESC",
            )
            .bind(id)
            .bind(COMPARED)
            .bind(Category::Done.as_str())
            .fetch_all(&mut *connection)
            .await?;
            let summary = Summary::new(&summary);
            candidates
                .into_iter()
                .find(|(_, other)| summary.matches(other))
                .map(|(earlier, _)| earlier)
        }
    };
    let Some(earlier) = earlier else {
        return Ok(());
    };
    let earlier_key: String = sqlx::query_scalar("SELECT key FROM incidents WHERE id = $1")
        .bind(earlier)
        .fetch_one(&mut *connection)
        .await?;
    let finished = sqlx::query(
        "SELECT id, title, verified_at FROM action_items \
         WHERE incident_id = $1 AND status = $2 ORDER BY id",
    )
    .bind(earlier)
    .bind(ActionStatus::Done.as_str())
    .fetch_all(&mut *connection)
    .await?;
    let mut failed = Vec::new();
    for item in &finished {
        let how = match item.try_get::<Option<i64>, _>("verified_at")? {
            Some(_) => "verified",
            None => "done",
        };
        failed.push(format!(
            "#{} \"{}\" ({how})",
            item.try_get::<i64, _>("id")?,
            item.try_get::<String, _>("title")?
        ));
    }
    let mut statements = Statements::default();
    statements.push(
        "UPDATE incidents SET recurrence_of = $1 WHERE id = $2",
        vec![earlier.into(), id.into()],
    );
    let recurrence = EventData::Recurrence {
        of: earlier_key,
        failed,
    };
    push_event(&mut statements, id, None, now, &recurrence)?;
    push_event(
        &mut statements,
        earlier,
        None,
        now,
        &EventData::Recurred { incident: key },
    )?;
    statements.execute(connection).await
}
