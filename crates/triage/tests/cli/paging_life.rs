//! Paging follows the incident's whole life, as a new user meets it: the real `triage`
//! binary drives a server (its clock moved by the test instead of waited on), and a real
//! webhook receiver on loopback gets the pages. Service `db` pages ann, then bob, 2s each,
//! the policy repeated twice.
//!
//! Each story was broken before: a False Alarm kept paging bob, a done incident accepted
//! `triage ack`, an incident raised to P1 (or given its priority or its paging service
//! later, or reopened, or reopened by its alerts) paged nobody.

use std::time::{Duration, Instant};

use jiff::SignedDuration;
use serde_json::{Value, json};
use triage_core::clock::Clock;
use triage_testdb::receiver::{Received, Receiver};

use crate::harness::Cli;

struct Story {
    cli: Cli,
    receiver: Receiver,
    ann: String,
}

fn story() -> Story {
    let cli = Cli::start();
    let receiver = Receiver::start();
    let mut tokens = Vec::new();
    for email in ["ann@example.com", "bob@example.com"] {
        cli.run(&["user", "add", email]).ok();
        let made = cli
            .run(&["token", "create", "--user", email, "--json"])
            .ok();
        let token = made.json()["token"].as_str().unwrap().to_string();
        let address = format!("{}/{email}", receiver.url);
        cli.run_as(
            &token,
            &["contact", "add", "--kind", "webhook", "--address", &address],
        )
        .ok();
        tokens.push(token);
    }
    let policy = cli.dir.path().join("policy.json");
    let levels = json!({"repeat": 2, "levels": [
        {"targets": [{"user": "ann@example.com"}], "delay": "2s"},
        {"targets": [{"user": "bob@example.com"}], "delay": "2s"}]});
    std::fs::write(&policy, levels.to_string()).unwrap();
    cli.run(&[
        "escalation",
        "add",
        "db",
        "--file",
        policy.to_str().unwrap(),
    ])
    .ok();
    cli.run(&["service", "add", "db"]).ok();
    cli.run(&["service", "add", "web"]).ok();
    cli.run(&[
        "service",
        "set",
        "db",
        "--escalation-policy",
        "db",
        "--paging",
        "P1,P2",
        "--on-resolved",
        "resolve",
    ])
    .ok();
    Story {
        cli,
        receiver,
        ann: tokens.remove(0),
    }
}

impl Story {
    fn key(&self, args: &[&str]) -> String {
        let mut all = vec!["create", "--summary", "Replica lag"];
        all.extend_from_slice(args);
        let made = self.cli.run(&all).ok();
        made.stdout.trim().to_string()
    }

    /// Moves the clock on in steps of `step` seconds, `times` times, letting the engine
    /// do what is due after each.
    fn advance(&self, step: i64, times: usize) {
        for _ in 0..times {
            self.cli.clock.advance(SignedDuration::from_secs(step));
            self.settle();
        }
    }

    /// Waits until nothing due is left undone: no escalation step and no notification
    /// due now.
    fn settle(&self) {
        until("the engine to catch up", || self.due() == 0);
    }

    fn due(&self) -> i64 {
        let now = self.cli.clock.now().as_microsecond();
        let url = format!("sqlite://{}", self.cli.db.display());
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                use sqlx::Connection;
                sqlx::any::install_default_drivers();
                let mut connection = sqlx::AnyConnection::connect(&url).await.unwrap();
                let due: i64 = sqlx::query_scalar(
                    "SELECT (SELECT COUNT(*) FROM escalations WHERE state = $2 AND next_at <= $1) \
                     + (SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL \
                        AND dropped_at IS NULL AND due_at <= $1)",
                )
                .bind(now)
                .bind("active")
                .fetch_one(&mut connection)
                .await
                .unwrap();
                connection.close().await.unwrap();
                due
            })
    }

    /// What the receiver got for `key`: (who, event) in order.
    fn heard(&self, key: &str) -> Vec<(String, String)> {
        self.receiver
            .all()
            .iter()
            .filter_map(|r: &Received| {
                let body: Value = serde_json::from_str(&r.body).ok()?;
                (body["incident"]["key"] == key).then(|| {
                    (
                        r.path.trim_start_matches('/').to_string(),
                        body["event"].as_str().unwrap_or_default().to_string(),
                    )
                })
            })
            .collect()
    }

    fn wait_heard(&self, key: &str, count: usize) -> Vec<(String, String)> {
        until(&format!("{count} notifications about {key}"), || {
            self.heard(key).len() >= count
        });
        self.heard(key)
    }

    fn timeline(&self, key: &str) -> String {
        self.cli.run(&["timeline", key]).ok().stdout
    }

    fn send_alert(&self, hook: &str, status: &str) {
        let body = json!({"key": "lag-db01", "summary": "Replica lag on db01",
            "severity": "critical", "status": status});
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let status = agent
            .post(format!("{}/hooks/webhook/{hook}", self.cli.server.url()))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(status, 200);
    }
}

/// Returns once `done` holds, checking every 20 ms (the server works meanwhile); fails
/// after 20 seconds, naming what it waited for.
fn until(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "waited 20 s for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

const ANN: &str = "ann@example.com";
const BOB: &str = "bob@example.com";

fn paged(who: &str) -> (String, String) {
    (who.to_string(), "incident.paged".to_string())
}

fn told(who: &str, event: &str) -> (String, String) {
    (who.to_string(), format!("incident.{event}"))
}

#[test]
fn a_finished_incident_stops_paging_and_cannot_be_acknowledged() {
    let s = story();
    let key = s.key(&["--priority", "P1", "--service", "db"]);
    assert_eq!(s.wait_heard(&key, 1), [paged(ANN)]);
    s.cli
        .run(&["transition", &key, "--name", "False Alarm"])
        .ok();
    s.wait_heard(&key, 2);
    // Seven seconds on: bob is never paged; ann hears it is over, once.
    s.advance(1, 7);
    assert_eq!(s.heard(&key), [paged(ANN), told(ANN, "resolved")]);
    let timeline = s.timeline(&key);
    assert!(
        timeline.contains("ended the escalation: the incident was marked False Alarm"),
        "{timeline}"
    );
    let ack = s.cli.run_as(&s.ann, &["ack", &key]);
    assert_ne!(ack.code, 0);
    assert!(
        ack.stderr
            .contains("is False Alarm: a done incident has nothing to acknowledge"),
        "{}",
        ack.stderr
    );
    let escalate = s.cli.run(&["escalate", &key]);
    assert_ne!(escalate.code, 0);
    assert!(
        escalate.stderr.contains("pages nobody"),
        "{}",
        escalate.stderr
    );
    assert_eq!(s.heard(&key).len(), 2);
}

#[test]
fn a_priority_raised_or_set_or_a_paging_service_added_pages() {
    let s = story();
    let raised = s.key(&["--priority", "P3", "--service", "db"]);
    let later = s.key(&["--service", "db"]);
    let moved = s.key(&["--priority", "P1", "--service", "web"]);
    s.advance(1, 3);
    assert!(s.heard(&raised).is_empty());
    assert!(s.heard(&later).is_empty());
    assert!(s.heard(&moved).is_empty());
    s.cli.run(&["update", &raised, "--priority", "P1"]).ok();
    s.cli.run(&["update", &later, "--priority", "P2"]).ok();
    s.cli.run(&["update", &moved, "--service", "db"]).ok();
    for key in [&raised, &later, &moved] {
        assert_eq!(s.wait_heard(key, 1), [paged(ANN)], "{key}");
    }
    // Lowered to P3 while escalating: it ends there, with the reason.
    s.cli.run(&["update", &raised, "--priority", "P3"]).ok();
    s.advance(1, 5);
    assert_eq!(s.heard(&raised), [paged(ANN)]);
    assert!(
        s.timeline(&raised)
            .contains("ended the escalation: lowered to P3, which does not page"),
        "{}",
        s.timeline(&raised)
    );
    // The others went on to bob.
    assert!(s.heard(&later).contains(&paged(BOB)));
}

#[test]
fn an_incident_reopened_by_hand_or_by_its_alerts_pages_again() {
    let s = story();
    let key = s.key(&["--priority", "P1", "--service", "db"]);
    s.wait_heard(&key, 1);
    s.cli.run_as(&s.ann, &["ack", &key]).ok();
    for status in ["Investigating", "In Progress", "Monitoring"] {
        s.cli.run(&["transition", &key, "--name", status]).ok();
    }
    s.cli.run(&["resolve", &key, "--resolution", "Fixed"]).ok();
    s.advance(1, 2);
    assert_eq!(s.heard(&key), [paged(ANN), told(ANN, "resolved")]);
    s.cli.run(&["transition", &key, "--name", "Reopen"]).ok();
    let heard = s.wait_heard(&key, 3);
    assert_eq!(heard[2], paged(ANN), "{heard:?}");
    let shown = s.cli.run(&["show", &key, "--json"]).ok().json();
    assert!(shown["acknowledged_at"].is_string(), "the first stays");

    // Opened by an alert, resolved by it, and reopened when it fires again.
    let hook = s
        .cli
        .run(&["integration", "add", "db", "--kind", "webhook"])
        .ok()
        .stdout
        .trim()
        .to_string();
    s.send_alert(&hook, "firing");
    let listed = s.cli.run(&["list", "--json"]).ok().json();
    let opened = listed["items"][0]["key"].as_str().unwrap().to_string();
    assert_eq!(s.wait_heard(&opened, 1), [paged(ANN)]);
    for status in ["Investigating", "In Progress", "Monitoring"] {
        s.cli.run(&["transition", &opened, "--name", status]).ok();
    }
    s.send_alert(&hook, "resolved");
    s.advance(1, 1);
    let shown = s.cli.run(&["show", &opened, "--json"]).ok().json();
    assert_eq!(shown["status"], "Resolved", "{shown}");
    assert_eq!(s.heard(&opened), [paged(ANN), told(ANN, "resolved")]);
    s.advance(1, 1);
    s.send_alert(&hook, "firing");
    let heard = s.wait_heard(&opened, 3);
    assert_eq!(heard[2], paged(ANN), "{heard:?}");
    assert!(
        s.timeline(&opened).contains("its alerts fire again"),
        "{}",
        s.timeline(&opened)
    );
}
