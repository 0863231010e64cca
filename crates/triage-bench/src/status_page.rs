//! The public status page under an outage's crowd: `/status` and `/api/v2/summary.json`
//! with 50 components and 90 days of history, beside the server's floor (the health
//! route, the cheapest answer it gives) measured in alternating rounds; then the page
//! read while an update is posted every half second, checking that no read that starts
//! after an update was acknowledged shows the page without it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use triage_core::role::Role;
use triage_store::{Actor, NewComponent, NewPublicIncident, NewPublicUpdate, Store, StoreOptions};

use crate::load::{self, Client};
use crate::server::Server;
use crate::stats::Stats;

pub struct Settings {
    pub workers: usize,
    pub seconds: u64,
    pub rounds: usize,
}

const GROUPS: usize = 5;
const PER_GROUP: usize = 10;
/// Public incidents over the 90 days.
const HISTORY: usize = 180;

pub fn run(server: &Server, settings: &Settings) {
    let client = Client::new(&server.url, &server.token);
    let active = seed(server, &client);
    let (_, page_size) = client.get_size("/status");
    let (_, summary_size) = client.get_size("/api/v2/summary.json");
    println!(
        "{} components in {GROUPS} groups, {HISTORY} public incidents over 90 days, one \
         open; /status {:.0} KiB, summary.json {:.0} KiB; {} workers, {} s per run, {} rounds\n",
        GROUPS * PER_GROUP,
        page_size as f64 / 1024.0,
        summary_size as f64 / 1024.0,
        settings.workers,
        settings.seconds,
        settings.rounds
    );
    // Browsers take gzip; `identity` sends the whole page. The load generator reads each
    // answer's bytes and drops them, as wrk does: inflating and decoding 90 KiB per
    // request on the server's own two cores would measure the clients.
    let routes = [
        ("health (the floor)", "/health", "gzip"),
        ("/api/v2/summary.json", "/api/v2/summary.json", "gzip"),
        ("/status (HTML, gzip)", "/status", "gzip"),
        ("/status (HTML, identity)", "/status", "identity"),
    ];
    let run = Duration::from_secs(settings.seconds);
    let mut results: Vec<Vec<Stats>> = routes.iter().map(|_| Vec::new()).collect();
    for _ in 0..settings.rounds {
        for (index, (_, path, encoding)) in routes.iter().enumerate() {
            let stats = load::raw_closed_loop(server, settings.workers, run, path, encoding);
            assert_eq!(stats.errors, 0, "{path}");
            results[index].push(stats);
        }
    }
    println!("| route | throughput (req/s) | p50 (ms) | p99 (ms) | share of the floor |");
    println!("|---|---|---|---|---|");
    let floor = median(results[0].iter().map(Stats::throughput));
    for ((name, _, _), rounds) in routes.iter().zip(&results) {
        let throughput = median(rounds.iter().map(Stats::throughput));
        println!(
            "| {name} | {throughput:.0} | {:.2} | {:.2} | {:.2} |",
            median(rounds.iter().map(|s| s.percentile_ms(50.0))),
            median(rounds.iter().map(|s| s.percentile_ms(99.0))),
            throughput / floor
        );
    }
    under_updates(server, &client, active, settings, "/api/v2/summary.json");
    under_updates(server, &client, active, settings, "/status");
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Reads summary.json from every worker while updates are posted; after each update is
/// acknowledged, a read must show it.
/// `path` read by bare connections while an update is posted every half second; the
/// poster reads `path` after each acknowledged update and counts it stale if the update
/// is missing.
fn under_updates(server: &Server, client: &Client, active: i64, settings: &Settings, path: &str) {
    let done = AtomicBool::new(false);
    let stale = AtomicUsize::new(0);
    let posted = AtomicUsize::new(0);
    let run = Duration::from_secs(settings.seconds);
    let stats = std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut n = 0;
            while !done.load(Ordering::Relaxed) {
                let text = format!("Still working on it (update {n}).");
                let (status, _) = client.post(
                    &format!("/api/v1/status-page/incidents/{active}/updates"),
                    json!({ "status": "identified", "body": text }),
                );
                assert_eq!(status, 201, "posting an update");
                posted.fetch_add(1, Ordering::Relaxed);
                let (_, body) = client.get_text(path);
                if !body.contains(&text) {
                    stale.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(500));
            }
        });
        let stats = load::raw_closed_loop(server, settings.workers, run, path, "gzip");
        done.store(true, Ordering::Relaxed);
        stats
    });
    println!(
        "\n{path} while an update is posted every 0.5 s: {:.0} req/s, p50 {:.2} ms, \
         p99 {:.2} ms; {} updates, {} read stale after acknowledgement",
        stats.throughput(),
        stats.percentile_ms(50.0),
        stats.percentile_ms(99.0),
        posted.load(Ordering::Relaxed),
        stale.load(Ordering::Relaxed)
    );
}

/// 50 components, 180 resolved incidents spread over the last 90 days (through the store,
/// with their own times), and one open incident; answers the open one's public id.
fn seed(server: &Server, client: &Client) -> i64 {
    let keys: Vec<String> = (0..=HISTORY)
        .map(|n| {
            client.create_key(&json!({
                "summary": format!("internal {n}"),
                "priority": "P2",
                "severity": "SEV2",
            }))
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
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
        // The history is placed relative to the running server's wall clock.
        #[allow(clippy::disallowed_methods)]
        let now = Timestamp::now();
        let start = now - SignedDuration::from_hours(24 * 91);
        let names: Vec<String> = (0..GROUPS * PER_GROUP)
            .map(|n| format!("Component {}-{}", n / PER_GROUP, n % PER_GROUP))
            .collect();
        for (n, name) in names.iter().enumerate() {
            let new = NewComponent {
                name: name.clone(),
                description: format!("What component {n} does"),
                group: Some(format!("Group {}", n / PER_GROUP)),
                service: None,
            };
            store
                .create_component(new, start)
                .await
                .expect("a component");
        }
        let hour = SignedDuration::from_hours(1);
        for (n, key) in keys.iter().take(HISTORY).enumerate() {
            // Spread over 90 days, at varied hours.
            let at = start
                + SignedDuration::from_hours(24 + (n as i64 * 24 * 89) / HISTORY as i64)
                + SignedDuration::from_mins((n as i64 * 37) % 600);
            let status = ["degraded_performance", "partial_outage", "major_outage"][n % 3];
            let affected = vec![
                (names[n * 7 % names.len()].clone(), Some(status.to_string())),
                (names[(n * 7 + 3) % names.len()].clone(), None),
            ];
            let published = store
                .publish(
                    NewPublicIncident {
                        incident: Some(key.clone()),
                        name: format!("Elevated errors #{n}"),
                        body: "We are investigating elevated error rates.".into(),
                        components: affected,
                        ..NewPublicIncident::default()
                    },
                    &actor,
                    at,
                )
                .await
                .expect("publishing");
            for (status, body, after) in [
                ("identified", "We found the cause and are rolling back.", 1),
                ("monitoring", "A fix is out; we are watching.", 2),
                ("resolved", "Everything works again.", 3),
            ] {
                let update = NewPublicUpdate {
                    status: status.into(),
                    body: body.into(),
                    components: Vec::new(),
                };
                store
                    .post_public_update(published.id, update, &actor, at + hour * after)
                    .await
                    .expect("an update");
            }
        }
        let open = store
            .publish(
                NewPublicIncident {
                    incident: keys.last().cloned(),
                    name: "Slow logins".into(),
                    body: "Sign-in takes longer than usual; we are investigating.".into(),
                    components: vec![(names[0].clone(), Some("degraded_performance".into()))],
                    ..NewPublicIncident::default()
                },
                &actor,
                now,
            )
            .await
            .expect("the open incident");
        store
            .publish(
                NewPublicIncident {
                    maintenance: true,
                    name: "Database upgrade".into(),
                    body: "Writes may pause for a minute.".into(),
                    components: vec![(names[5].clone(), None)],
                    scheduled_for: Some(now + hour * 48),
                    scheduled_until: Some(now + hour * 50),
                    ..NewPublicIncident::default()
                },
                &actor,
                now,
            )
            .await
            .expect("a maintenance");
        open.id
    })
}
