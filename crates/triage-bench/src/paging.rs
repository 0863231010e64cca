//! `triage-bench --paging`: how fast a page reaches a responder. A real `triage serve`
//! pages a loopback webhook receiver; the time from the request that opens an incident
//! (an incident created over the API, or an alert) to the page's arrival is measured,
//! idle and under alert load, beside a real Alertmanager's own alert-to-webhook time
//! (`group_wait: 0s`), idle and under the same load. Then many escalations share one deadline, and the report says how
//! late their next level fired.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use triage_testdb::alertmanager::Alertmanager;
use triage_testdb::receiver::{Received, Receiver};

use crate::alerts::Theirs;
use crate::load::{Client, Target, closed_loop, fill};
use crate::server::Server;
use crate::stats::Stats;

pub struct Settings {
    pub alertmanager: String,
    /// Pages measured per run.
    pub pages: usize,
    /// Escalations sharing one deadline.
    pub escalations: usize,
    /// Their level-1 wait, in seconds.
    pub delay: u64,
    pub workers: usize,
}

/// Sets up paging to `receiver` for the bench user; answers the webhook integration key.
fn setup(client: &Client, receiver: &Receiver, delay: u64) -> String {
    let call = |path: &str, body: Value| {
        let (status, answer) = client.post(path, body);
        assert!((200..300).contains(&status), "{path}: {status} {answer}");
        answer
    };
    call(
        "/api/v1/me/contact-methods",
        json!({"kind": "webhook", "address": format!("{}/page", receiver.url)}),
    );
    call(
        "/api/v1/escalation-policies",
        json!({"name": "bench", "levels": [
            {"targets": [{"user": "bench@example.com"}], "delay": format!("{delay}s")},
            {"targets": [{"user": "bench@example.com"}], "delay": "1h"}]}),
    );
    call("/api/v1/services", json!({"name": "bench"}));
    let (status, body) = client.patch(
        "/api/v1/services/bench",
        json!({"escalation_policy": "bench"}),
    );
    assert_eq!(status, 200, "{body}");
    let integration = call(
        "/api/v1/services/bench/integrations",
        json!({"kind": "webhook"}),
    );
    integration["key"].as_str().unwrap().to_string()
}

/// What a page names: the incident summary Triage's webhook carries, or the alert name
/// of Alertmanager's group.
fn named(page: &Received) -> String {
    let body: Value = serde_json::from_str(&page.body).unwrap_or(Value::Null);
    body["incident"]["summary"]
        .as_str()
        .or(body["groupLabels"]["alertname"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// `count` pages, `interval` apart, each sent by `send(n)` with the name it answers
/// (the name its page will carry); answers the send-to-arrival latencies.
fn measure(
    receiver: &Receiver,
    count: usize,
    interval: Duration,
    send: impl Fn(usize) -> String,
) -> Stats {
    let already = receiver.wait_at_most(0, Duration::ZERO).len();
    let mut sent: HashMap<String, Instant> = HashMap::new();
    let start = Instant::now();
    for n in 0..count {
        // Paced as a steady stream (an open loop), not as fast as the server answers.
        let due = start + interval.mul_f64(n as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let at = Instant::now();
        sent.insert(send(n), at);
    }
    // Pages that are not this run's (a late one from before) do not count towards it.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut stats = Stats::default();
    let mut seen = already;
    while stats.count < count && Instant::now() < deadline {
        let pages =
            receiver.wait_at_most(seen + 1, deadline.saturating_duration_since(Instant::now()));
        for page in &pages[seen..] {
            if let Some(at) = sent.remove(&named(page)) {
                stats.record(page.at.duration_since(at), true);
            }
        }
        seen = pages.len();
    }
    stats.finish(start.elapsed())
}

/// Runs `measured` while `workers` post `bodies` (in turn) to `path` on `target` as fast
/// as it answers; answers the load's own figures and the measurement.
fn under_load(
    target: &impl Target,
    path: &str,
    bodies: &[String],
    workers: usize,
    measured: impl FnOnce() -> Stats,
) -> (Stats, Stats) {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let load = scope.spawn(|| {
            let mut total = Stats::default();
            let began = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                let round = closed_loop(target, workers, Duration::from_secs(1), |c, w, n| match c
                    .post_text(path, &bodies[(w + n) % bodies.len()])
                {
                    200 => Ok(()),
                    s => Err(s),
                });
                total.merge(round);
            }
            total.finish(began.elapsed())
        });
        let result = measured();
        stop.store(true, Ordering::Relaxed);
        (load.join().expect("the load"), result)
    })
}

fn line(name: &str, stats: &Stats) {
    println!(
        "| {name} | {} | {:.2} | {:.2} |",
        stats.count,
        stats.percentile_ms(50.0),
        stats.percentile_ms(99.0)
    );
}

pub fn run(triage: &str, backend: triage_testdb::Backend, settings: &Settings) {
    let server = Server::start(triage, backend);
    let receiver = Receiver::start();
    let client = Client::new(&server.url, &server.token);
    let key = setup(&client, &receiver, settings.delay);
    let interval = Duration::from_millis(20);
    println!("# triage-bench --paging ({backend:?})\n");
    println!(
        "{} pages per run, one every {} ms; under load: {} workers posting repeat alerts\n",
        settings.pages,
        interval.as_millis(),
        settings.workers
    );
    println!("| run | pages | p50 (ms) | p99 (ms) |");
    println!("|---|---|---|---|");
    let create = |tag: &str| {
        let tag = tag.to_string();
        let client = Client::new(&server.url, &server.token);
        move |n: usize| {
            let name = format!("page {tag} {n}");
            let (status, _) = client.post(
                "/api/v1/incidents",
                json!({"summary": name, "priority": "P1", "services": ["bench"]}),
            );
            assert_eq!(status, 201);
            name
        }
    };
    let alert = |tag: &str| {
        let tag = tag.to_string();
        let client = Client::new(&server.url, &server.token);
        let path = format!("/hooks/webhook/{key}");
        move |n: usize| {
            let name = format!("page {tag} {n}");
            let body = json!({"alerts": [{"key": format!("{tag}-{n}"), "group": format!("{tag}-{n}"),
                "summary": name, "severity": "critical", "status": "firing"}]});
            let status = client.post_text(&path, &body.to_string());
            assert_eq!(status, 200);
            name
        }
    };
    line(
        "incident created → page (idle)",
        &measure(&receiver, settings.pages, interval, create("created")),
    );
    line(
        "alert → page (idle)",
        &measure(&receiver, settings.pages, interval, alert("alert")),
    );
    // Under load: other workers post repeats of a few hundred firing alerts meanwhile.
    let path = format!("/hooks/webhook/{key}");
    let ours: Vec<String> = (0..8)
        .map(|b| {
            let alerts: Vec<Value> = (0..64)
                .map(|i| {
                    json!({"key": format!("load-{}", (b * 64 + i) % 300), "group": "load",
                    "summary": "background", "severity": "warning", "status": "firing"})
                })
                .collect();
            json!({"alerts": alerts}).to_string()
        })
        .collect();
    let (background, loaded) = under_load(&server, &path, &ours, settings.workers, || {
        measure(&receiver, settings.pages, interval, alert("loaded"))
    });
    line(
        &format!(
            "alert → page (under load: {:.0} alerts/s beside)",
            background.throughput() * 64.0
        ),
        &loaded,
    );

    // Alertmanager's own alert-to-webhook time, each alert its own group; the load's
    // alerts go to a receiver that sends nowhere.
    let config = format!(
        "route:\n  receiver: bench\n  group_by: [alertname]\n  group_wait: 0s\n  group_interval: 1m\n\
         \x20 routes:\n    - matchers: ['alertname=\"Load\"']\n      receiver: nowhere\n\
         receivers:\n  - name: nowhere\n  - name: bench\n    webhook_configs:\n      - url: {}/alertmanager\n        send_resolved: false\n",
        receiver.url
    );
    let alertmanager = Theirs(Alertmanager::start(&settings.alertmanager, &config));
    let am = Client::new(&alertmanager.0.url, "");
    let page = |tag: &'static str| {
        let am = &am;
        move |n: usize| {
            let name = format!("BenchPage{tag}{n}");
            let body = json!([{"labels": {"alertname": name, "severity": "critical"}}]);
            assert_eq!(am.post_text("/api/v2/alerts", &body.to_string()), 200);
            name
        }
    };
    line(
        "Alertmanager: alert → webhook (idle, group_wait 0s)",
        &measure(&receiver, settings.pages, interval, page("Idle")),
    );
    let theirs: Vec<String> = (0..8)
        .map(|b| {
            let alerts: Vec<Value> = (0..64)
                .map(|i| {
                    json!({"labels": {"alertname": "Load", "instance": format!("load-{}", (b * 64 + i) % 300),
                    "severity": "warning"}, "annotations": {"summary": "background"}})
                })
                .collect();
            Value::Array(alerts).to_string()
        })
        .collect();
    let (background, loaded) = under_load(
        &alertmanager,
        "/api/v2/alerts",
        &theirs,
        settings.workers,
        || measure(&receiver, settings.pages, interval, page("Loaded")),
    );
    line(
        &format!(
            "Alertmanager: alert → webhook (under load: {:.0} alerts/s beside)",
            background.throughput() * 64.0
        ),
        &loaded,
    );

    // Many escalations at once: how late does each one's next level fire?
    let before = receiver.wait_at_most(0, Duration::ZERO).len();
    let created: std::sync::Mutex<HashMap<String, Instant>> = Default::default();
    let began = Instant::now();
    let made = fill(&server, settings.workers, settings.escalations, |c, n| {
        let summary = format!("escalation {n}");
        let at = Instant::now();
        let (status, _) = c.post(
            "/api/v1/incidents",
            json!({"summary": summary, "priority": "P1", "services": ["bench"]}),
        );
        created
            .lock()
            .expect("the creation times")
            .insert(summary, at);
        if status == 201 { Ok(()) } else { Err(status) }
    });
    let spread = began.elapsed();
    let created = created.into_inner().expect("the creation times");
    let delay = Duration::from_secs(settings.delay);
    let mut lag = Stats::default();
    let mut seen = before;
    let deadline = Instant::now() + delay + Duration::from_secs(120);
    while lag.count < settings.escalations && Instant::now() < deadline {
        let all =
            receiver.wait_at_most(seen + 1, deadline.saturating_duration_since(Instant::now()));
        for page in &all[seen..] {
            let body: Value = serde_json::from_str(&page.body).unwrap_or(Value::Null);
            if body["level"] == 2
                && let Some(at) = created.get(&named(page))
            {
                lag.record(page.at.saturating_duration_since(*at + delay), true);
            }
        }
        seen = all.len();
    }
    let lag = lag.finish(spread);
    println!(
        "\n{} escalations created in {:.1} s ({} errors); each one's level 2, due {} s after \
         it was created, arrived: p50 {:.0} ms, p99 {:.0} ms, latest {:.0} ms after its \
         deadline ({} of {} pages)",
        settings.escalations,
        spread.as_secs_f64(),
        made.errors,
        settings.delay,
        lag.percentile_ms(50.0),
        lag.percentile_ms(99.0),
        lag.percentile_ms(100.0),
        lag.count,
        settings.escalations
    );
}
