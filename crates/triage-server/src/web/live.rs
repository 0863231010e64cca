//! Live updates: a page opens a server-sent event stream and hears `changed` when what it
//! shows has changed, by this server or any other on the same database. The stream
//! compares a mark read from the database (an incident's version and latest timeline
//! entry, or the incidents'
//! count and latest change) every [`POLL`]: no state in memory, so it works on both
//! backends and across instances.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;

use super::error::PageError;
use super::session::SignedIn;
use crate::AppState;

/// How often a stream looks for changes.
const POLL: Duration = Duration::from_secs(1);

#[derive(Deserialize)]
pub struct Since {
    /// The mark of what the page shows.
    since: String,
}

/// A stream that sends `changed` (with the new mark) each time `mark` differs from the
/// last mark seen, starting from `since`; it ends when the server shuts down.
fn changes<F, Fut>(
    closing: impl Future<Output = ()> + Send + 'static,
    since: String,
    mark: F,
) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Option<String>> + Send,
{
    let ticks = tokio::time::interval(POLL);
    futures_util::stream::unfold((ticks, since, mark), |(mut ticks, seen, mark)| async move {
        loop {
            ticks.tick().await;
            // A failed read (the database restarting) is retried at the next tick.
            if let Some(now) = mark().await
                && now != seen
            {
                let event = Event::default().event("changed").data(now.clone());
                return Some((Ok(event), (ticks, now, mark)));
            }
        }
    })
    .take_until(closing)
}

pub async fn incident(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path(key): Path<String>,
    Query(since): Query<Since>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, PageError> {
    state.store.incident_mark(&key).await?;
    let stream = changes(state.closing(), since.since, move || {
        let (state, key) = (state.clone(), key.clone());
        async move { state.store.incident_mark(&key).await.ok() }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

pub async fn incidents(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Query(since): Query<Since>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = changes(state.closing(), since.since, move || {
        let state = state.clone();
        async move { state.store.incidents_mark().await.ok() }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
