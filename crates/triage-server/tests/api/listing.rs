//! Listing: filters, sorting, cursor pagination.

use std::collections::BTreeSet;
use triage_testdb::{Backend, on_both_backends};

use serde_json::{Value, json};

use crate::harness::TestApp;

fn keys(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}

fn seeded(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend);
    app.user("oncall@example.com", "responder", &["sre"]);
    for n in 1..=30 {
        app.advance(1);
        let priority = ["P1", "P2", "P3", "P4"][n % 4];
        let service = if n % 3 == 0 { "checkout" } else { "search" };
        let mut body = json!({
            "summary": format!("incident number {n}"),
            "priority": priority,
            "severity": format!("SEV{}", 1 + n % 4),
            "services": [service],
            "labels": if n % 5 == 0 { json!(["customer-facing"]) } else { json!([]) },
        });
        if n % 2 == 0 {
            body["assignee"] = json!("oncall@example.com");
        }
        if n == 7 {
            body["description"] = json!("Replica LAG spiking in eu-west");
        }
        app.incident(body);
    }
    app.advance(1);
    for key in ["INC-1", "INC-2"] {
        let (status, _) = app.post(
            &app.admin,
            &format!("/api/v1/incidents/{key}/transitions"),
            json!({ "name": "False Alarm" }),
        );
        assert_eq!(status, 200);
    }
    app
}

fn filters_combine(backend: Backend) {
    let app = seeded(backend);
    let get = |query: &str| {
        let (status, page) = app.get(&app.admin, &format!("/api/v1/incidents?{query}&limit=200"));
        assert_eq!(status, 200, "{page}");
        keys(&page)
    };
    assert_eq!(get("").len(), 30);
    assert_eq!(get("status=false%20alarm"), vec!["INC-2", "INC-1"]);
    assert_eq!(get("category=done"), vec!["INC-2", "INC-1"]);
    assert_eq!(get("category=todo").len(), 28);
    assert_eq!(get("priority=P1").len(), 7);
    assert_eq!(get("priority=P1,critical").len(), 7);
    assert_eq!(get("priority=P1,P2").len(), 15);
    assert_eq!(get("severity=SEV1").len(), 7);
    assert_eq!(get("assignee=oncall@example.com").len(), 15);
    assert_eq!(get("assignee=none").len(), 15);
    assert_eq!(get("service=checkout").len(), 10);
    assert_eq!(
        get("label=customer-facing"),
        vec!["INC-30", "INC-25", "INC-20", "INC-15", "INC-10", "INC-5"]
    );
    assert_eq!(get("q=lag"), vec!["INC-7"]);
    assert_eq!(get("q=inc-12"), vec!["INC-12"]);
    assert_eq!(get("q=100%25"), Vec::<String>::new());
    // P4 is every n with n % 4 == 3; checkout every third; unassigned the odd ones.
    assert_eq!(
        get("service=checkout&priority=P4&assignee=none"),
        vec!["INC-27", "INC-15", "INC-3"]
    );
}

fn sorting_by_priority_puts_p1_first_and_key_sorts_numerically(backend: Backend) {
    let app = seeded(backend);
    let (_, page) = app.get(&app.admin, "/api/v1/incidents?sort=priority&limit=7");
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["priority"] == "P1")
    );
    let (_, page) = app.get(&app.admin, "/api/v1/incidents?sort=key&limit=12");
    assert_eq!(keys(&page)[8..], ["INC-9", "INC-10", "INC-11", "INC-12"]);
    let (_, page) = app.get(&app.admin, "/api/v1/incidents?sort=-updated&limit=1");
    assert_eq!(keys(&page), vec!["INC-2"]);
    let (status, body) = app.get(&app.admin, "/api/v1/incidents?sort=colour");
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("use created, updated, priority or key")
    );
}

fn cursor_pages_cover_everything_once_in_every_sort_order(backend: Backend) {
    let app = seeded(backend);
    for sort in [
        "-created",
        "created",
        "priority",
        "-priority",
        "key",
        "-updated",
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/incidents?sort={sort}&limit=7");
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={cursor}"));
            }
            let (status, page) = app.get(&app.admin, &path);
            assert_eq!(status, 200, "{page}");
            seen.extend(keys(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 30, "{sort}");
        assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 30, "{sort}");
    }
    let (status, body) = app.get(&app.admin, "/api/v1/incidents?cursor=garbage");
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cursor is not valid")
    );
}

fn text_search_follows_edits_and_handles_short_and_quoted_text(backend: Backend) {
    let app = TestApp::spawn(backend);
    app.incident(json!({ "summary": "Certificate expiry on edge", "description": "TLS \"handshake\" failures" }));
    app.incident(json!({ "summary": "Queue backlog" }));
    let search = |q: &str| {
        let (status, page) = app.get(&app.admin, &format!("/api/v1/incidents?q={q}"));
        assert_eq!(status, 200, "{page}");
        keys(&page)
    };
    assert_eq!(search("EXPIRY"), vec!["INC-1"]);
    assert_eq!(search("%22handshake%22"), vec!["INC-1"]);
    assert_eq!(search("ba"), vec!["INC-2"]);
    let (status, _) = app.patch(
        &app.admin,
        "/api/v1/incidents/INC-2",
        json!({ "summary": "Kafka consumer lag" }),
    );
    assert_eq!(status, 200);
    assert_eq!(search("backlog"), Vec::<String>::new());
    assert_eq!(search("consumer"), vec!["INC-2"]);
}

on_both_backends!(
    filters_combine,
    sorting_by_priority_puts_p1_first_and_key_sorts_numerically,
    cursor_pages_cover_everything_once_in_every_sort_order,
    text_search_follows_edits_and_handles_short_and_quoted_text,
);
