//! Every console page's HTML, rendered from the same data on each backend, compared with
//! the files in `tests/api/snapshots/` (CSRF tokens replaced by `CSRF`). A change to a
//! page shows up as a diff of these files: run with `UPDATE_SNAPSHOTS=1` to rewrite
//! them, then review the diff.

use std::path::PathBuf;

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::web::{Browser, csrf, sign_in};

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/snapshots")
}

/// The page with its random tokens replaced.
fn normalized(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let marker = "name=\"csrf\" value=\"";
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at + marker.len()]);
        rest = &rest[at + marker.len()..];
        let end = rest.find('"').unwrap_or(0);
        out.push_str("CSRF");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn check(name: &str, html: &str) {
    let path = snapshot_dir().join(format!("{name}.html"));
    let actual = normalized(html);
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(snapshot_dir()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .map_or(actual.lines().count().min(expected.lines().count()), |n| n);
        panic!(
            "{name}.html differs from its snapshot at line {}:\n  now:      {}\n  snapshot: {}\n(UPDATE_SNAPSHOTS=1 rewrites it)",
            line + 1,
            actual.lines().nth(line).unwrap_or("<end>"),
            expected.lines().nth(line).unwrap_or("<end>")
        );
    }
}

fn every_page_renders_as_its_snapshot(backend: Backend) {
    let app = crate::web::app_with_password(backend);
    app.incident(json!({ "summary": "Checkout <down>", "description": "Errors since 09:58\nsecond line", "priority": "P1", "severity": "SEV1", "services": ["checkout"], "labels": ["customer-facing"] }));
    app.incident(
        json!({ "summary": "Search slow", "priority": "P3", "assignee": "admin@example.com" }),
    );
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/incidents/INC-2/links",
        json!({ "to": "INC-1", "type": "is caused by" }),
    );
    assert_eq!(status, 201, "{body}");
    app.post(
        &app.admin,
        "/api/v1/incidents/INC-1/comments",
        json!({ "body": "Rolled back" }),
    );
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/schedules",
        json!({ "name": "primary", "time_zone": "Europe/Berlin", "layers": [
            { "users": ["admin@example.com"], "shift": "1d", "start": "2026-11-20T09:00" },
            { "name": "days", "users": ["admin@example.com"], "shift": "1w", "start": "2026-11-16T00:00",
              "restrictions": ["mon-fri 09:00-17:00"] }] }),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/incidents/INC-1/action-items",
        json!({ "title": "Alert on <5xx> rates", "kind": "monitoring", "owner": "admin@example.com",
                "due": "2026-11-20", "ticket_url": "https://tickets.example.com/OPS-1" }),
    );
    assert_eq!(status, 201, "{body}");
    app.advance(90);
    // INC-1 (P1) is past its 15-minute response time: the engine records the breach.
    crate::harness::until(|| {
        app.scalar("SELECT COUNT(*) FROM incidents WHERE response_breached_at IS NOT NULL") == 1
    });

    let mut browser = Browser::new(&app);
    check("sign-in", &browser.get("/login").body);
    sign_in(&mut browser, "correct horse battery");
    check("dashboard", &browser.get("/").body);
    check("list", &browser.get("/incidents?sort=key").body);
    check("incident", &browser.get("/incidents/INC-1").body);
    check("incident-linked", &browser.get("/incidents/INC-2").body);
    check("new-incident", &browser.get("/incidents/new").body);
    let admin = browser.get("/admin");
    assert!(!csrf(&admin).is_empty());
    check("admin", &admin.body);
    check("not-found", &browser.get("/incidents/INC-404").body);
    check("schedules", &browser.get("/schedules").body);
    check("schedule", &browser.get("/schedules/primary").body);
    check("status-admin", &browser.get("/status-page").body);
    check("action-items", &browser.get("/action-items").body);
    check("reports", &browser.get("/reports").body);
}

on_both_backends!(every_page_renders_as_its_snapshot);
