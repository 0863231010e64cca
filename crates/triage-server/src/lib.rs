//! Triage's HTTP server: the JSON API under `/api/v1` (with its OpenAPI document), the
//! Jira-compatible API under `/rest/api`, the health route, and the web console ([`web`]).
//!
//! The server is thin: handlers parse input into domain values, call the store, and turn
//! results and errors into HTTP in one place ([`error`]). Authorization lives in the
//! extractor types of [`auth`]: a handler that takes a [`auth::Responder`] cannot run for
//! a viewer.

mod ack_link;
pub mod api;
pub mod auth;
pub mod background;
mod calendar;
pub mod clock;
pub mod error;
mod extract;
mod intake;
mod jira;
mod listing;
pub mod metrics;
mod paging;
mod signing;
mod statuspage;
mod tallies;
pub mod web;

pub use jira::Deployment as JiraDeployment;
pub use paging::{Mail, Outbound};

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::trace::TraceLayer;
use triage_core::clock::Clock;
use triage_store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<metrics::Metrics>,
    /// How notifications leave the server: its public address, its SMTP relay.
    pub outbound: Arc<Outbound>,
    /// How the Jira-compatible API names users (and what `serverInfo` says).
    pub jira: JiraDeployment,
    /// The public status page as last rendered.
    status_page: Arc<statuspage::PageCache>,
    /// The key acknowledge links are signed with.
    links: ack_link::LinkKey,
    /// Becomes `true` when the server starts shutting down, so that endless responses
    /// (live update streams) end and the shutdown is not held up by them.
    closing: Arc<watch::Sender<bool>>,
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            metrics: Arc::default(),
            outbound: Arc::default(),
            jira: JiraDeployment::default(),
            status_page: Arc::default(),
            links: ack_link::LinkKey::default(),
            closing: Arc::new(watch::Sender::new(false)),
        }
    }

    /// The same state, sending notifications as `outbound` says.
    pub fn with_outbound(self, outbound: Outbound) -> Self {
        Self {
            outbound: Arc::new(outbound),
            ..self
        }
    }

    /// The same state, its Jira-compatible API answering as `deployment` does.
    pub fn with_jira(self, deployment: JiraDeployment) -> Self {
        Self {
            jira: deployment,
            ..self
        }
    }

    /// Resolves when the server starts shutting down.
    pub fn closing(&self) -> impl Future<Output = ()> + Send + use<> {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closing| *closing).await;
        }
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }
}

/// The whole application as a router, for `serve` and for tests: the web console, the
/// JSON API, health; unknown routes and methods answer as the API does.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(api::router())
        .merge(web::router())
        .merge(intake::router())
        .merge(jira::router())
        .merge(statuspage::router())
        .merge(calendar::router())
        .merge(ack_link::router())
        .merge(metrics::router())
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        // Each path's own limit is enforced by `read_whole_body`.
        .layer(DefaultBodyLimit::max(intake::HOOK_BODY_LIMIT))
        .layer(axum::middleware::from_fn(extract::read_whole_body))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let closing = state.closing.clone();
    let stopped = state.closing.clone();
    let shutdown = async move {
        shutdown.await;
        closing.send_replace(true);
    };
    let engine = tokio::spawn(paging::run(state.clone(), state.closing.subscribe()));
    let tallies = tokio::spawn(tallies::run(state.clone(), state.closing.subscribe()));
    let served = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await;
    // However serving ended, the engine and the tallies stop with it.
    stopped.send_replace(true);
    let _ = engine.await;
    let _ = tallies.await;
    served
}
