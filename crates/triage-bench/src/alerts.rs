//! `triage-bench --alerts`: the same stream of alerts, posted the way Prometheus posts
//! them (`POST /api/v2/alerts`, batches of 64), to a real Prometheus Alertmanager and to
//! Triage on the same machine, round after round; then memory with 100,000 active
//! alerts in each, and Triage's alert-to-incident latency at a fixed rate.
//!
//! Alertmanager keeps alerts in memory; Triage answers only once each accepted alert is
//! durable (and has joined or opened its incident).

use std::sync::Mutex;
use std::time::Duration;

use serde_json::json;

use crate::load::{Client, Target, closed_loop, fill, open_loop};
use crate::server::{Memory, Server, memory_of};
use crate::stats::Stats;
use triage_testdb::alertmanager::Alertmanager;

/// Alerts per request, as Prometheus batches them.
const BATCH: usize = 64;
/// Alert names: each is one group, one incident.
const GROUPS: usize = 50;

pub struct Settings {
    pub alertmanager: String,
    pub workers: usize,
    pub seconds: u64,
    pub rounds: usize,
    pub active: usize,
    pub rate: u64,
}

/// Alertmanager with a receiver that sends nowhere.
const CONFIG: &str =
    "route:\n  receiver: nowhere\n  group_by: [alertname]\nreceivers:\n  - name: nowhere\n";

/// Alertmanager as load is applied to it: its address, no token.
pub struct Theirs(pub Alertmanager);

impl Target for Theirs {
    fn url(&self) -> &str {
        &self.0.url
    }

    fn token(&self) -> &str {
        ""
    }
}

impl Theirs {
    fn start(binary: &str) -> Theirs {
        Theirs(Alertmanager::start(binary, CONFIG))
    }

    fn memory(&self) -> Memory {
        memory_of(self.0.pid())
    }
}

/// One alert of the stream, as amtool writes it: no end, so it fires until it is
/// resolved (Alertmanager: until 5 minutes after it was last sent).
fn alert(id: usize) -> serde_json::Value {
    let severity = ["critical", "warning", "info"][id % 3];
    json!({
        "labels": {"alertname": format!("BenchAlert{}", id % GROUPS), "instance": format!("host-{id}:9100"),
            "job": "node", "severity": severity},
        "annotations": {"summary": format!("Something is wrong on host-{id}"), "runbook_url": "https://runbooks.example.com/bench"},
        "startsAt": "2026-11-22T10:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up"
    })
}

/// A worker's share of the stream: 90% repeats of alerts it has sent, 10% new ones.
struct Stream {
    worker: usize,
    workers: usize,
    sent: Vec<usize>,
    next: usize,
    seed: u64,
}

impl Stream {
    fn new(worker: usize, workers: usize, warm: usize) -> Stream {
        Stream {
            worker,
            workers,
            sent: (0..warm).map(|k| worker + k * workers).collect(),
            next: warm,
            seed: 0x9E37_79B9_7F4A_7C15 ^ worker as u64,
        }
    }

    fn random(&mut self) -> usize {
        // xorshift64: the same stream for both servers, no dependency.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        self.seed as usize
    }

    fn batch(&mut self) -> String {
        let alerts: Vec<serde_json::Value> = (0..BATCH)
            .map(|_| {
                let id = if self.random().is_multiple_of(10) || self.sent.is_empty() {
                    let id = self.worker + self.next * self.workers;
                    self.next += 1;
                    self.sent.push(id);
                    id
                } else {
                    let pick = self.random() % self.sent.len();
                    self.sent[pick]
                };
                alert(id)
            })
            .collect();
        serde_json::Value::Array(alerts).to_string()
    }
}

/// A round's stream: each worker's own, made as it goes (the same for both servers;
/// making a batch takes microseconds, the same for each). Made ahead, a stream long
/// enough for the fastest server takes hundreds of megabytes, and one that ran out and
/// started over would send nothing but repeats.
fn streams(settings: &Settings, round: usize) -> Vec<Mutex<Stream>> {
    (0..settings.workers)
        .map(|w| Mutex::new(Stream::new(w + round * 1_000, settings.workers * 1_000, 20)))
        .collect()
}

/// `seconds` of the round's stream against `target` at `path`; answers request
/// statistics.
fn blast(target: &impl Target, path: &str, settings: &Settings, round: usize) -> Stats {
    let streams = streams(settings, round);
    closed_loop(
        target,
        settings.workers,
        Duration::from_secs(settings.seconds),
        |client, worker, _| {
            let batch = streams[worker].lock().expect("a worker's stream").batch();
            match client.post_text(path, &batch) {
                200 => Ok(()),
                status => Err(status),
            }
        },
    )
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub fn run(triage: &str, backend: triage_testdb::Backend, settings: &Settings) {
    let server = Server::start(triage, backend);
    let path = integration(&server);
    let alertmanager = Theirs::start(&settings.alertmanager);
    println!("# triage-bench --alerts ({backend:?})\n");
    println!(
        "{} workers, batches of {BATCH} alerts (90% repeats, 10% new, {GROUPS} groups), {} s per run, {} rounds\n",
        settings.workers, settings.seconds, settings.rounds
    );
    println!("| round | server | alerts/s | p50 (ms) | p99 (ms) | errors |");
    println!("|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for round in 0..settings.rounds {
        let theirs = blast(&alertmanager, "/api/v2/alerts", settings, round);
        let ours = blast(&server, &path, settings, round);
        for (name, stats) in [("Alertmanager", &theirs), ("Triage", &ours)] {
            println!(
                "| {} | {name} | {:.0} | {:.2} | {:.2} | {} |",
                round + 1,
                stats.throughput() * BATCH as f64,
                stats.percentile_ms(50.0),
                stats.percentile_ms(99.0),
                stats.errors
            );
        }
        ratios.push(ours.throughput() / theirs.throughput().max(f64::EPSILON));
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "\nthroughput ratio Triage/Alertmanager: median {:.2} (rounds: {})",
        ratios[ratios.len() / 2],
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (am, tr) = (alertmanager.memory(), server.memory());
    println!(
        "peak RSS during the rounds: Alertmanager {:.1} MiB, Triage {:.1} MiB",
        mib(am.peak_kib),
        mib(tr.peak_kib)
    );

    // Alert to incident: single new-group alerts at a fixed rate, each opening an
    // incident; the answer comes once the incident is durable.
    let opened = open_loop(
        &server,
        4,
        Duration::from_secs(settings.seconds),
        settings.rate,
        |client, worker, n| {
            let id = 50_000_000 + worker * 1_000_000 + n;
            let mut one = alert(id);
            one["labels"]["alertname"] = json!(format!("NewProblem{id}"));
            match client.post_text(&path, &serde_json::Value::Array(vec![one]).to_string()) {
                200 => Ok(()),
                status => Err(status),
            }
        },
    );
    println!(
        "\nalert to incident at {} alerts/s (each opens an incident): p50 {:.2} ms, p99 {:.2} ms, {} errors",
        settings.rate,
        opened.percentile_ms(50.0),
        opened.percentile_ms(99.0),
        opened.errors
    );
    drop(alertmanager);
    drop(server);

    // Memory with `active` alerts firing, each server fresh.
    let server = Server::start(triage, backend);
    let path = integration(&server);
    let alertmanager = Theirs::start(&settings.alertmanager);
    let batches = settings.active.div_ceil(BATCH);
    for (target_path, label) in [
        ("/api/v2/alerts", "Alertmanager"),
        (path.as_str(), "Triage"),
    ] {
        let load = |client: &Client, n: usize| {
            let alerts: Vec<_> = (n * BATCH..(n + 1) * BATCH).map(alert).collect();
            match client.post_text(target_path, &serde_json::Value::Array(alerts).to_string()) {
                200 => Ok(()),
                status => Err(status),
            }
        };
        let stats = if label == "Triage" {
            fill(&server, settings.workers, batches, load)
        } else {
            fill(&alertmanager, settings.workers, batches, load)
        };
        println!(
            "loaded {} alerts into {label} in {:.1} s ({:.0} alerts/s, {} errors)",
            batches * BATCH,
            stats.elapsed.as_secs_f64(),
            stats.throughput() * BATCH as f64,
            stats.errors
        );
    }
    let (am, tr) = (alertmanager.memory(), server.memory());
    println!(
        "\nwith {} active alerts: Alertmanager RSS {:.1} MiB (peak {:.1}), Triage RSS {:.1} MiB (peak {:.1})",
        batches * BATCH,
        mib(am.rss_kib),
        mib(am.peak_kib),
        mib(tr.rss_kib),
        mib(tr.peak_kib)
    );
}

/// A service with an Alertmanager integration on `server`; answers the path Prometheus
/// posts to.
fn integration(server: &Server) -> String {
    let client = Client::new(&server.url, &server.token);
    let (status, _) = client.post("/api/v1/services", json!({"name": "bench"}));
    assert_eq!(status, 201, "the service");
    let (status, created) = client.post(
        "/api/v1/services/bench/integrations",
        json!({"kind": "alertmanager", "name": "prometheus"}),
    );
    assert_eq!(status, 201, "the integration");
    format!(
        "/hooks/alertmanager/{}/api/v2/alerts",
        created["key"].as_str().expect("a key")
    )
}
