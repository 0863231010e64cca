//! `/metrics`: Triage's own numbers in the Prometheus text format, for the monitoring that
//! watches the incident system. Counters and the latency histogram are kept as alerts
//! come in; levels (open incidents, firing alerts, queues) are read at scrape time.
//! Unauthenticated, like most exporters: it shows counts, never content.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use triage_core::alert::IntegrationKind;
use triage_store::Outcome;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertLabels {
    source: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PriorityLabels {
    priority: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    queue: &'static str,
}

pub struct Metrics {
    registry: Registry,
    alerts: Family<AlertLabels, Counter>,
    deliveries_refused: Family<SourceLabels, Counter>,
    ingest_seconds: Family<SourceLabels, Histogram>,
    open_incidents: Family<PriorityLabels, Gauge>,
    firing_alerts: Gauge,
    queues: Family<QueueLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let alerts = Family::<AlertLabels, Counter>::default();
        registry.register(
            "triage_alerts_received",
            "Alert signals taken in, by sender kind and what became of them",
            alerts.clone(),
        );
        let deliveries_refused = Family::<SourceLabels, Counter>::default();
        registry.register(
            "triage_alert_deliveries_failed",
            "Alert deliveries that could not be stored (the sender was told to retry)",
            deliveries_refused.clone(),
        );
        let ingest_seconds = Family::<SourceLabels, Histogram>::new_with_constructor(|| {
            // 0.25 ms to about 4 s.
            Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
        });
        registry.register(
            "triage_alert_ingest_seconds",
            "Time from a delivery's arrival to its alerts being durable, by sender kind",
            ingest_seconds.clone(),
        );
        let open_incidents = Family::<PriorityLabels, Gauge>::default();
        registry.register(
            "triage_incidents_open",
            "Incidents not in a Done status, by priority",
            open_incidents.clone(),
        );
        let firing_alerts = Gauge::default();
        registry.register(
            "triage_alerts_firing",
            "Alerts firing now",
            firing_alerts.clone(),
        );
        let queues = Family::<QueueLabels, Gauge>::default();
        registry.register(
            "triage_queue_depth",
            "Work waiting: writes for the SQLite writer, changes for the search index",
            queues.clone(),
        );
        Self {
            registry,
            alerts,
            deliveries_refused,
            ingest_seconds,
            open_incidents,
            firing_alerts,
            queues,
        }
    }
}

impl Metrics {
    /// Counts one delivery: its outcomes, or its failure, and how long it took.
    pub fn alerts_taken(
        &self,
        kind: IntegrationKind,
        outcomes: Option<&[Outcome]>,
        took: Duration,
    ) {
        let source = kind.as_str();
        match outcomes {
            Some(outcomes) => {
                for outcome in outcomes {
                    self.alerts
                        .get_or_create(&AlertLabels {
                            source,
                            outcome: outcome.as_str(),
                        })
                        .inc();
                }
                self.ingest_seconds
                    .get_or_create(&SourceLabels { source })
                    .observe(took.as_secs_f64());
            }
            None => {
                self.deliveries_refused
                    .get_or_create(&SourceLabels { source })
                    .inc();
            }
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let gauges = state.store.gauges().await?;
    let metrics = &state.metrics;
    metrics.open_incidents.clear();
    for (priority, count) in gauges.open_incidents {
        let priority = priority.map_or("none", |p| p.code());
        metrics
            .open_incidents
            .get_or_create(&PriorityLabels { priority })
            .set(count);
    }
    metrics.firing_alerts.set(gauges.firing_alerts);
    for (queue, depth) in [
        ("writes", gauges.write_queue),
        ("search_index", gauges.search_backlog),
    ] {
        if let Some(depth) = depth {
            metrics
                .queues
                .get_or_create(&QueueLabels { queue })
                .set(depth);
        }
    }
    let mut text = String::new();
    encode(&mut text, &metrics.registry)
        .map_err(|e| ApiError::Internal(format!("encoding metrics: {e}")))?;
    Ok((
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    ))
}
