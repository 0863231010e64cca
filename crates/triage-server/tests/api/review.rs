//! The review checklist over the API and on the incident's page, on both backends: an
//! incident handled by the book meets all five checks, each with its evidence; the gaps
//! of another (never acknowledged, no update, an unowned action item) are named; a false
//! alarm has nothing to restore or follow up.

use serde_json::{Value, json};
use triage_testdb::{Backend, on_both_backends};

use crate::harness::TestApp;
use crate::web::{Browser, PASSWORD, app_with_password, sign_in};

fn review(app: &TestApp, key: &str) -> Value {
    let (status, body) = app.get(&app.admin, &format!("/api/v1/incidents/{key}/review"));
    assert_eq!(status, 200, "{body}");
    body
}

fn answers(review: &Value) -> Vec<(String, String)> {
    review["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["answer"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn post(app: &TestApp, path: &str, body: Value) {
    let (status, answer) = app.post(&app.admin, path, body);
    assert!(status == 200 || status == 201, "{path}: {answer}");
}

fn the_checklist_is_computed_from_the_record(backend: Backend) {
    let app = app_with_password(backend);
    let key = app.incident(json!({"summary": "Pool exhausted", "priority": "P2",
        "services": ["checkout"]}))["key"]
        .as_str()
        .unwrap()
        .to_string();
    let before = review(&app, &key);
    assert_eq!(
        answers(&before),
        [
            ("Detection", "met"),
            ("Response", "missing"),
            ("Communication", "missing"),
            ("Mitigation", "missing"),
            ("Follow-up", "missing"),
        ]
        .map(|(n, a)| (n.to_string(), a.to_string()))
    );

    let incident = format!("/api/v1/incidents/{key}");
    app.advance(5);
    post(&app, &format!("{incident}/acknowledge"), json!({}));
    for name in ["Investigating", "In Progress"] {
        post(
            &app,
            &format!("{incident}/transitions"),
            json!({"name": name}),
        );
    }
    app.advance(5);
    post(
        &app,
        &format!("{incident}/updates"),
        json!({"message": "Checkout is failing for some customers"}),
    );
    app.advance(20);
    post(
        &app,
        &format!("{incident}/transitions"),
        json!({"name": "Monitoring"}),
    );
    app.advance(30);
    post(
        &app,
        &format!("{incident}/comments"),
        json!({"body": "Root cause: the pool was sized for last year's traffic"}),
    );
    post(
        &app,
        &format!("{incident}/action-items"),
        json!({"title": "Size the pool from traffic", "owner": "admin@example.com",
               "due": "2026-12-01"}),
    );
    let done = review(&app, &key);
    assert_eq!(done["met"], 5, "{done}");
    assert_eq!(done["applicable"], 5);
    let evidence: Vec<&str> = done["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["evidence"].as_str().unwrap())
        .collect();
    assert_eq!(
        evidence,
        [
            "Reported by a user at 2026-11-22 10:00 UTC",
            "Acknowledged at 2026-11-22 10:05 UTC, 5m after detection, within P2's 1h",
            "1 update posted, the first at 2026-11-22 10:10 UTC (10m after detection)",
            "Service restored (Monitoring) at 2026-11-22 10:30 UTC, 30m after detection; the root cause written up at 2026-11-22 11:00 UTC",
            "1 action item: 0 done, 0 verified; each has an owner and a due day",
        ]
    );

    // An item nobody owns is a gap, named.
    post(
        &app,
        &format!("{incident}/action-items"),
        json!({"title": "Load test the pool"}),
    );
    let gap = review(&app, &key);
    assert_eq!(gap["met"], 4);
    assert_eq!(
        gap["checks"][4]["evidence"],
        "2 action items: 0 done, 0 verified; #2 has no owner and no due day"
    );

    // Never acknowledged, then a false alarm: nothing to restore or follow up.
    let other = app.incident(json!({"summary": "Search slow", "priority": "P1"}))["key"]
        .as_str()
        .unwrap()
        .to_string();
    app.advance(20);
    post(
        &app,
        &format!("/api/v1/incidents/{other}/transitions"),
        json!({"name": "False Alarm"}),
    );
    let false_alarm = review(&app, &other);
    assert_eq!(
        answers(&false_alarm),
        [
            ("Detection", "met"),
            ("Response", "missing"),
            ("Communication", "missing"),
            ("Mitigation", "not_applicable"),
            ("Follow-up", "not_applicable"),
        ]
        .map(|(n, a)| (n.to_string(), a.to_string()))
    );
    assert_eq!(
        false_alarm["checks"][1]["evidence"],
        "Never acknowledged: P1 asked for it by 2026-11-22 11:15 UTC"
    );
    assert_eq!(false_alarm["applicable"], 3);
    assert_eq!(
        app.get(&app.admin, "/api/v1/incidents/INC-99/review").0,
        404
    );

    // The incident's page shows it, each check linking to its evidence.
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, PASSWORD);
    let page = browser.get(&format!("/incidents/{key}"));
    assert!(
        page.body.contains("4 of 5 met, computed from the record"),
        "{}",
        page.body
    );
    assert!(page.body.contains(
        "<li class=\"missing\"><span class=\"mark\" aria-hidden=\"true\">✗</span> <strong>Follow-up</strong>"
    ));
    assert!(page.body.contains("<a href=\"#updates\">1 update posted"));
}

on_both_backends!(the_checklist_is_computed_from_the_record);
