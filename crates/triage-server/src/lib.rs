//! Triage's HTTP server: the JSON API under `/api/v1` (with its OpenAPI document) and
//! the health route.
//!
//! The server is thin: handlers parse input into domain values, call the store, and turn
//! results and errors into HTTP in one place ([`error`]). Authorization lives in the
//! extractor types of [`auth`]: a handler that takes a [`auth::Responder`] cannot run for
//! a viewer.

pub mod api;
pub mod auth;
pub mod background;
pub mod clock;
pub mod error;
mod extract;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use triage_core::clock::Clock;
use triage_store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }
}

/// The whole application as a router, for `serve` and for tests.
pub fn app(state: AppState) -> Router {
    api::router(state)
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
