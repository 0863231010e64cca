//! How long the store takes to take in one delivery of 64 alerts, with no HTTP in the
//! way: a fresh SQLite file, 2,000 alerts firing, then 3,000 deliveries one after the
//! other (each its own durable commit) of repeats only, 10% new alerts, all new alerts.
//!
//! ```text
//! cargo run --release -p triage-store --example ingest_probe
//! PROBE="10% new" cargo run --release -p triage-store --example ingest_probe
//! ```

use std::collections::BTreeMap;
use std::time::Instant;

use jiff::Timestamp;
use triage_core::alert::{AlertBody, AlertSeverity, IntegrationKind, Signal, SignalAction};
use triage_store::{NewService, Store, StoreOptions};

const DELIVERIES: usize = 3_000;
const WARM: usize = 2_000;

fn signal(id: usize) -> Signal {
    let labels: BTreeMap<String, String> = [
        ("alertname".to_string(), format!("Probe{}", id % 50)),
        ("instance".to_string(), format!("host-{id}")),
    ]
    .into_iter()
    .collect();
    Signal {
        dedup_key: format!("key-{id}"),
        group_key: format!("group-{}", id % 50),
        action: SignalAction::Fire(AlertBody {
            summary: format!("Something is wrong on host-{id}"),
            source: "probe".into(),
            severity: Some(AlertSeverity::Warning),
            labels,
            details: serde_json::Map::new(),
            links: vec![],
            starts_at: None,
            raw: serde_json::json!({ "id": id }),
        }),
    }
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("probe.db").display().to_string();
    let store = Store::open(&db, StoreOptions::default())
        .await
        .expect("the store");
    let now: Timestamp = "2026-11-22T10:00:00Z".parse().expect("a time");
    let service = NewService {
        name: "probe".into(),
        ..NewService::default()
    };
    store.create_service(service, now).await.expect("a service");
    let integration = store
        .create_integration("probe", IntegrationKind::Alertmanager, "", now)
        .await
        .expect("an integration")
        .integration
        .id;
    store
        .ingest_alerts(integration, (0..WARM).map(signal).collect(), now)
        .await
        .expect("the first alerts");
    let only = std::env::var("PROBE").ok();
    for (name, new_every) in [("repeats only", 0usize), ("10% new", 10), ("all new", 1)] {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let mut next = 1_000_000 * (new_every + 1);
        let started = Instant::now();
        for delivery in 0..DELIVERIES {
            let batch: Vec<Signal> = (0..64)
                .map(|k| {
                    if new_every > 0 && k % new_every == 0 {
                        next += 1;
                        signal(next)
                    } else {
                        signal((delivery * 64 + k) % WARM)
                    }
                })
                .collect();
            store
                .ingest_alerts(integration, batch, now)
                .await
                .expect("a delivery");
        }
        let each = started.elapsed().as_secs_f64() / DELIVERIES as f64 * 1000.0;
        println!(
            "{name}: {each:.2} ms per delivery of 64 ({:.0} alerts/s)",
            64.0 / each * 1000.0
        );
    }
}
