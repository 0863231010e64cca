//! Several `triage serve` processes on one PostgreSQL database, as behind a load
//! balancer: they start together, hand out every key once, lose no update, and when one
//! is killed the other carries on with nothing acknowledged lost.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use triage_testdb::{Backend, TestDb, postgres_enabled};

use crate::data::{bootstrap, create};
use crate::harness::{Served, serve};

fn get(url: &str, token: &str, path: &str) -> (u16, Value) {
    let response = ureq::get(format!("{url}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    read(response)
}

fn patch(url: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = ureq::patch(format!("{url}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .config()
        .http_status_as_error(false)
        .build()
        .send_json(body)
        .unwrap();
    read(response)
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_json().unwrap_or(Value::Null),
    )
}

/// Adds `label` to the incident by read-modify-write with its version, through `url`,
/// retrying when another writer got there first.
fn add_label(url: &str, token: &str, key: &str, label: &str) {
    loop {
        let (_, incident) = get(url, token, &format!("/api/v1/incidents/{key}"));
        let mut labels: Vec<Value> = incident["labels"].as_array().unwrap().clone();
        labels.push(json!(label));
        let body = json!({ "labels": labels, "version": incident["version"] });
        match patch(url, token, &format!("/api/v1/incidents/{key}"), body) {
            (200, _) => return,
            (409, _) => continue,
            (status, body) => panic!("{status}: {body}"),
        }
    }
}

#[test]
fn two_servers_share_one_postgres_database() {
    if !postgres_enabled() {
        return;
    }
    let db = TestDb::new(Backend::Postgres);
    let dir = db.dir();
    // Both start at once on an empty database: migrations run once, under a lock.
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| serve(&dir, &["--db", &db.db], 1));
        let b = scope.spawn(|| serve(&dir, &["--db", &db.db], 1));
        (a.join().unwrap(), b.join().unwrap())
    });
    let token = bootstrap(&dir, &db.db);
    let servers = [a.url.clone(), b.url.clone()];

    // Concurrent creates through both: every key handed out once, none skipped.
    let keys: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..6)
            .map(|w| {
                let (servers, token) = (&servers, &token);
                scope.spawn(move || {
                    (0..20)
                        .map(|n| {
                            let url = &servers[(w + n) % 2];
                            create(url, token, &format!("worker {w} #{n}")).expect("a create")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let numbers: BTreeSet<u32> = keys
        .iter()
        .map(|k| k.strip_prefix("INC-").unwrap().parse().unwrap())
        .collect();
    assert_eq!(numbers, (1..=120).collect::<BTreeSet<u32>>(), "{keys:?}");

    // Read-modify-write through both servers at once: no update is lost.
    let key = create(&servers[0], &token, "Shared incident").unwrap();
    std::thread::scope(|scope| {
        for w in 0..6 {
            let (servers, token, key) = (&servers, &token, &key);
            scope.spawn(move || add_label(&servers[w % 2], token, key, &format!("by-{w}")));
        }
    });
    let (_, incident) = get(&servers[1], &token, &format!("/api/v1/incidents/{key}"));
    let mut labels: Vec<&str> = incident["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    labels.sort();
    assert_eq!(labels, ["by-0", "by-1", "by-2", "by-3", "by-4", "by-5"]);
    assert_eq!(incident["version"], 7);

    killing_one_mid_load_loses_nothing_acknowledged(a, b, &token);
}

fn killing_one_mid_load_loses_nothing_acknowledged(mut a: Served, b: Served, token: &str) {
    let killed = Arc::new(AtomicBool::new(false));
    // Each worker says when a create was acknowledged.
    let (progress, acknowledgements) = std::sync::mpsc::channel::<()>();
    let acknowledged: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let url = if w % 2 == 0 {
                    a.url.clone()
                } else {
                    b.url.clone()
                };
                let killed = killed.clone();
                let progress = progress.clone();
                scope.spawn(move || {
                    let mut keys = Vec::new();
                    for n in 0.. {
                        let after_kill = killed.load(Ordering::Relaxed);
                        match create(&url, token, &format!("under fire {w} #{n}")) {
                            Some(key) => {
                                keys.push(key);
                                let _ = progress.send(());
                            }
                            // Only the killed server may fail, and only once it is killed.
                            None => {
                                assert!(w % 2 == 0, "the surviving server failed a request");
                                break;
                            }
                        }
                        if after_kill && keys.len() >= 60 {
                            break;
                        }
                    }
                    keys
                })
            })
            .collect();
        // Kill `a` once a few writes have gone through, mid-stream.
        for _ in 0..30 {
            acknowledgements.recv().expect("workers running");
        }
        a.child.kill().unwrap();
        a.child.wait().unwrap();
        killed.store(true, Ordering::Relaxed);
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let unique: BTreeSet<&String> = acknowledged.iter().collect();
    assert_eq!(unique.len(), acknowledged.len(), "a key acknowledged twice");
    for key in &acknowledged {
        let (status, _) = get(&b.url, token, &format!("/api/v1/incidents/{key}"));
        assert_eq!(status, 200, "{key} was acknowledged but is gone");
    }
    assert!(create(&b.url, token, "after the kill").is_some());
}
