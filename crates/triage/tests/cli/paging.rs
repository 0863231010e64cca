//! Paging across server processes: a server killed with SIGKILL mid-escalation is
//! replaced and the next level still pages on time (no step lost, none repeated), and
//! two servers on one PostgreSQL database page each step exactly once, and `triage serve
//! --smtp-url --public-url` mails pages whose links start with the public address. Short
//! real delays (1 s, 2 s) stand in for minutes.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use triage_testdb::receiver::Receiver;
use triage_testdb::smtp::SmtpSink;
use triage_testdb::{Backend, TestDb, postgres_enabled};

use crate::data::bootstrap;
use crate::harness::serve;

fn call(method: &str, url: &str, token: &str, path: &str, body: Value) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = match method {
        "POST" => agent
            .post(format!("{url}{path}"))
            .header("Authorization", format!("Bearer {token}"))
            .send_json(body),
        _ => agent
            .patch(format!("{url}{path}"))
            .header("Authorization", format!("Bearer {token}"))
            .send_json(body),
    }
    .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.body_mut().read_json().unwrap_or(Value::Null);
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {body}"
    );
    body
}

/// Ann is on call (level 1, then `delay`), the lead is level 2; both reachable at
/// `receiver`; the service `storage` pages P1 incidents.
fn page_setup(url: &str, admin: &str, receiver: &Receiver, delay: &str) {
    for email in ["ann@example.com", "lead@example.com"] {
        call(
            "POST",
            url,
            admin,
            "/api/v1/users",
            json!({"email": email, "role": "responder"}),
        );
        let token = call("POST", url, admin, "/api/v1/tokens", json!({"user": email}));
        let token = token["token"].as_str().unwrap();
        call(
            "POST",
            url,
            token,
            "/api/v1/me/contact-methods",
            json!({"kind": "webhook", "address": format!("{}/{email}", receiver.url)}),
        );
    }
    call(
        "POST",
        url,
        admin,
        "/api/v1/schedules",
        json!({"name": "primary", "time_zone": "UTC", "layers": [
            {"users": ["ann@example.com"], "shift": "1w", "start": "2026-01-05T09:00"}]}),
    );
    call(
        "POST",
        url,
        admin,
        "/api/v1/escalation-policies",
        json!({"name": "storage", "levels": [
            {"targets": [{"schedule": "primary"}], "delay": delay},
            {"targets": [{"user": "lead@example.com"}], "delay": "1s"}]}),
    );
    call(
        "POST",
        url,
        admin,
        "/api/v1/services",
        json!({"name": "storage"}),
    );
    call(
        "PATCH",
        url,
        admin,
        "/api/v1/services/storage",
        json!({"escalation_policy": "storage"}),
    );
}

fn incident(url: &str, token: &str, summary: &str) -> String {
    let created = call(
        "POST",
        url,
        token,
        "/api/v1/incidents",
        json!({"summary": summary, "priority": "P1", "services": ["storage"]}),
    );
    created["key"].as_str().unwrap().to_string()
}

fn pages(receiver: &Receiver, count: usize) -> Vec<(String, String)> {
    receiver
        .wait_for(count)
        .into_iter()
        .map(|r| (r.path, r.headers["idempotency-key"].clone()))
        .collect()
}

/// Escalations still climbing and notifications not yet recorded, straight from the
/// database.
fn unsettled(url: &str) -> i64 {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let mut connection = sqlx::AnyConnection::connect(url).await.unwrap();
            let count: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM escalations WHERE state = 'active') + \
                 (SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND dropped_at IS NULL)",
            )
            .fetch_one(&mut connection)
            .await
            .unwrap();
            connection.close().await.unwrap();
            count
        })
}

fn serve_on(dir: &Path, db: &str) -> crate::harness::Served {
    serve(dir, &["--db", db], 1)
}

#[test]
fn a_server_killed_mid_escalation_is_replaced_and_the_next_level_pages() {
    let db = TestDb::new(Backend::Sqlite);
    let dir = db.dir();
    let token = bootstrap(&dir, &db.db);
    let receiver = Receiver::start();
    let mut first = serve_on(&dir, &db.db);
    page_setup(&first.url, &token, &receiver, "2s");
    incident(&first.url, &token, "Checkout down");
    let level_one = pages(&receiver, 1);
    assert_eq!(level_one[0].0, "/ann@example.com");
    // SIGKILL mid-escalation, before level 2 is due.
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let _second = serve_on(&dir, &db.db);
    let both = pages(&receiver, 2);
    assert_eq!(both[1].0, "/lead@example.com");
    assert_ne!(both[0].1, both[1].1);
}

#[test]
fn two_servers_on_one_postgres_database_page_each_step_once() {
    if !postgres_enabled() {
        return;
    }
    let db = TestDb::new(Backend::Postgres);
    let dir = db.dir();
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| serve_on(&dir, &db.db));
        let b = scope.spawn(|| serve_on(&dir, &db.db));
        (a.join().unwrap(), b.join().unwrap())
    });
    let token = bootstrap(&dir, &db.db);
    let receiver = Receiver::start();
    page_setup(&a.url, &token, &receiver, "1s");
    let servers = [a.url.clone(), b.url.clone()];
    for n in 0..10 {
        incident(&servers[n % 2], &token, &format!("outage {n}"));
    }
    // Ten incidents, two levels each: twenty pages, no more, each its own.
    let received = pages(&receiver, 20);
    let keys: BTreeSet<&String> = received.iter().map(|(_, key)| key).collect();
    assert_eq!(keys.len(), 20, "{received:?}");
    // Wait until every escalation has ended and every page is recorded, then count again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if unsettled(&db.url) == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "paging did not settle"
        );
        std::thread::yield_now();
    }
    assert_eq!(receiver.wait_for(20).len(), 20);
}

#[test]
fn a_served_page_is_mailed_with_a_link_under_the_public_address() {
    let db = TestDb::new(Backend::Sqlite);
    let dir = db.dir();
    let token = bootstrap(&dir, &db.db);
    let receiver = Receiver::start();
    let sink = SmtpSink::start();
    let public = "https://triage.example.test";
    let served = serve(
        &dir,
        &[
            "--db",
            &db.db,
            "--smtp-url",
            &sink.url,
            "--public-url",
            public,
        ],
        1,
    );
    page_setup(&served.url, &token, &receiver, "1h");
    call(
        "POST",
        &served.url,
        &token,
        "/api/v1/users/ann@example.com/contact-methods",
        json!({"kind": "email", "address": "ann@example.com"}),
    );
    let key = incident(&served.url, &token, "Checkout down");
    let mail = &sink.wait_for(1)[0];
    assert_eq!(mail.to, ["ann@example.com"]);
    assert_eq!(mail.from, "triage@localhost");
    let body = mail.body();
    assert!(
        body.contains(&format!("Open the incident: {public}/incidents/{key}")),
        "{body}"
    );
    let link = body
        .lines()
        .find_map(|line| line.strip_prefix(&format!("Acknowledge: {public}")))
        .unwrap_or_else(|| panic!("no acknowledge link under {public} in {body}"));
    // The proxy would forward the public address here.
    let mut answer = ureq::post(format!("{}{}", served.url, link.trim()))
        .send_empty()
        .unwrap();
    assert!(
        answer
            .body_mut()
            .read_to_string()
            .unwrap()
            .contains("is acknowledged")
    );
}
