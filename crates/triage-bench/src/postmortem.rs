//! Post-mortem generation for long incidents: incidents with 10,000 timeline events each
//! (comments written through the store, in one batch of concurrent writes), then each
//! one's post-mortem drafted over HTTP (`POST …/postmortem`: reading the incident and its
//! whole timeline, drafting, storing) and its Markdown rendered (`GET …?format=markdown`),
//! timed one request at a time.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::json;
use triage_core::role::Role;
use triage_store::{Actor, Store, StoreOptions};

use crate::load::Client;
use crate::server::Server;

pub struct Settings {
    pub incidents: usize,
    pub events: usize,
}

fn median_ms(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn max_ms(samples: &[Duration]) -> f64 {
    samples
        .iter()
        .max()
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

pub fn run(server: &Server, settings: &Settings) {
    let client = Client::new(&server.url, &server.token);
    let keys: Vec<String> = (0..settings.incidents)
        .map(|n| {
            client.create_key(&json!({
                "summary": format!("Long incident {n}"),
                "priority": "P2",
                "severity": "SEV2",
                "services": ["checkout-api"],
            }))
        })
        .collect();
    let seeding = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let store = Store::open(server.db(), StoreOptions::default())
            .await
            .expect("the server's database");
        let actor = Actor {
            user_id: 1,
            email: "bench@example.com".into(),
            name: "Bench".into(),
            role: Role::Admin,
            groups: Vec::new(),
        };
        // The comments are placed at the running server's wall clock.
        #[allow(clippy::disallowed_methods)]
        let now = Timestamp::now();
        for key in &keys {
            for chunk in (0..settings.events).collect::<Vec<_>>().chunks(1000) {
                let writes = chunk.iter().map(|n| {
                    let body = format!("Step {n}: checked the pool, {n} connections in use");
                    let store = store.clone();
                    let actor = actor.clone();
                    let key = key.clone();
                    async move { store.add_comment(&key, &body, &actor, now).await }
                });
                for written in futures_util::future::join_all(writes).await {
                    written.expect("a comment");
                }
            }
        }
        store.close().await;
    });
    println!(
        "{} incidents with {} timeline events each, seeded in {:.1} s\n",
        settings.incidents,
        settings.events + 1,
        seeding.elapsed().as_secs_f64()
    );
    let mut drafts = Vec::new();
    let mut renders = Vec::new();
    for key in &keys {
        let path = format!("/api/v1/incidents/{key}/postmortem");
        // Timed as the server answers: the bytes read, not parsed by the client.
        let started = Instant::now();
        let status = client.post_text(&path, "{}");
        drafts.push(started.elapsed());
        assert_eq!(status, 201, "drafting");
        let (_, body) = client.post(&path, json!({}));
        let rows = body["document"]["timeline"].as_array().map_or(0, Vec::len);
        assert_eq!(rows, settings.events + 1, "every event is a row");
        let started = Instant::now();
        let (status, text) = client.get_text(&format!("{path}?format=markdown"));
        renders.push(started.elapsed());
        assert_eq!(status, 200);
        assert!(text.starts_with(&format!("# Post-mortem: {key} ")));
    }
    println!("| request | samples | median (ms) | max (ms) |");
    println!("|---|---|---|---|");
    println!(
        "| POST …/postmortem (draft from {} events) | {} | {:.1} | {:.1} |",
        settings.events + 1,
        drafts.len(),
        median_ms(drafts.clone()),
        max_ms(&drafts)
    );
    println!(
        "| GET …/postmortem?format=markdown | {} | {:.1} | {:.1} |",
        renders.len(),
        median_ms(renders.clone()),
        max_ms(&renders)
    );
}
