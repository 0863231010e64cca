//! The response report over the API, on both backends: incidents worked through the
//! real API on the test clock, the figures checked against answers computed by hand
//! (means, nearest-rank percentiles, SLA compliance, rates, counts); the service filter;
//! a window that cannot be read is refused with what is allowed; kept day tallies follow
//! every change to their incidents, and the server keeps past days unasked.

use serde_json::{Value, json};
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{TestApp, assert_error, until};

fn post(app: &TestApp, path: &str, body: Value) -> Value {
    let (status, answer) = app.post(&app.admin, path, body);
    assert!(status == 200 || status == 201, "{path}: {answer}");
    answer
}

fn report(app: &TestApp, query: &str) -> Value {
    let (status, body) = app.get(&app.admin, &format!("/api/v1/reports{query}"));
    assert_eq!(status, 200, "{body}");
    body
}

fn summary(count: u64, mean: i64, p50: i64, p90: i64) -> Value {
    json!({"count": count, "mean_seconds": mean, "p50_seconds": p50, "p90_seconds": p90})
}

fn the_report_gives_the_hand_computed_figures(backend: Backend) {
    let app = TestApp::spawn(backend);
    // 10:00. Checkout down since 09:58 (P1: acknowledge by 10:13).
    post(
        &app,
        "/api/v1/incidents",
        json!({"summary": "Checkout down", "priority": "P1", "severity": "SEV3",
               "services": ["checkout"], "detected_at": "2026-11-22T09:58:00Z"}),
    );
    post(
        &app,
        "/api/v1/incidents",
        json!({"summary": "Search slow", "priority": "P2", "services": ["search"]}),
    );
    app.advance(5);
    post(
        &app,
        "/api/v1/incidents/INC-2/transitions",
        json!({"name": "False Alarm"}),
    );
    app.advance(5);
    post(&app, "/api/v1/incidents/INC-1/acknowledge", json!({}));
    for name in ["Investigating", "In Progress"] {
        post(
            &app,
            "/api/v1/incidents/INC-1/transitions",
            json!({"name": name}),
        );
    }
    app.advance(30);
    post(
        &app,
        "/api/v1/incidents/INC-1/transitions",
        json!({"name": "Monitoring"}),
    );
    app.advance(50);
    post(
        &app,
        "/api/v1/incidents/INC-1/transitions",
        json!({"name": "Resolved", "resolution": "Fixed"}),
    );
    post(
        &app,
        "/api/v1/incidents/INC-1/action-items",
        json!({"title": "Alert sooner", "owner": "admin@example.com", "due": "2026-11-21"}),
    );
    let done = post(
        &app,
        "/api/v1/incidents/INC-1/action-items",
        json!({"title": "Runbook", "due": "2026-11-21"}),
    );
    let (status, _) = app.patch(
        &app.admin,
        &format!("/api/v1/action-items/{}", done["id"]),
        json!({"status": "Done"}),
    );
    assert_eq!(status, 200);
    // 11:30: it comes back (P1: acknowledge by 11:45); nobody answers.
    let again = post(
        &app,
        "/api/v1/incidents",
        json!({"summary": "Checkout down!", "priority": "P1", "severity": "SEV3",
               "services": ["checkout"]}),
    );
    assert_eq!(again["recurrence_of"], "INC-1");
    app.advance(30);

    let all = report(&app, "?since=1d");
    assert_eq!(all["since"], "2026-11-21T12:00:00Z");
    assert_eq!(all["until"], "2026-11-22T12:00:00Z");
    assert_eq!(all["incidents"], 3);
    // MTTD: 2m, 0, 0 → mean 40 s; nearest rank p50 = the 2nd of 3 = 0, p90 = the 3rd.
    assert_eq!(all["mttd"], summary(3, 40, 0, 120));
    // MTTA: INC-1 only, 09:58 → 10:10.
    assert_eq!(all["mtta"], summary(1, 720, 720, 720));
    // MTTM and MTTR: INC-1 (the false alarm left out, INC-3 not restored).
    assert_eq!(all["mttm"], summary(1, 2520, 2520, 2520));
    assert_eq!(all["mttr"], summary(1, 5520, 5520, 5520));
    // P1: INC-1 met, INC-3 breached; P2: the false alarm, finished before its deadline
    // unacknowledged, counts neither way.
    assert_eq!(
        all["response_sla"],
        json!([
            {"priority": "P1", "met": 1, "breached": 1, "pending": 0,
             "compliance": {"part": 1, "whole": 2, "percent": 50.0}},
            {"priority": "P2", "met": 0, "breached": 0, "pending": 0,
             "compliance": {"part": 0, "whole": 0, "percent": null}},
        ])
    );
    assert_eq!(all["update_cadence"]["whole"], 0);
    assert_eq!(
        all["by_severity"],
        json!([{"name": "SEV3", "incidents": 2}, {"name": "none", "incidents": 1}])
    );
    assert_eq!(
        all["by_service"],
        json!([{"name": "checkout", "incidents": 2}, {"name": "search", "incidents": 1}])
    );
    assert_eq!(
        all["by_week"],
        json!([{"name": "2026-11-16", "incidents": 3}])
    );
    assert_eq!(all["recurrence"]["percent"], 33.3);
    assert_eq!(all["false_alarms"]["percent"], 33.3);
    assert_eq!(all["action_items"], json!({"open": 1, "overdue": 1}));

    let checkout = report(&app, "?since=2026-11-22&service=Checkout");
    assert_eq!(checkout["incidents"], 2);
    assert_eq!(checkout["service"], "Checkout");
    assert_eq!(checkout["false_alarms"]["part"], 0);
    assert_eq!(checkout["action_items"]["open"], 1);
    let search = report(&app, "?since=30d&service=search");
    assert_eq!(search["action_items"]["open"], 0);
    let before = report(&app, "?since=2026-11-01&until=2026-11-22");
    assert_eq!(before["incidents"], 0);
    // Weeks from the one holding Sunday 1 November (from Monday 26 October).
    assert_eq!(before["by_week"].as_array().unwrap().len(), 4);
    assert_eq!(before["by_week"][0]["name"], "2026-10-26");

    assert_error(
        &app.get(&app.admin, "/api/v1/reports?since=yesterday"),
        422,
        "invalid_value",
        "since 'yesterday' is not allowed: write a duration back from now (30d, 12h)",
    );
    assert_error(
        &app.get(&app.admin, "/api/v1/reports?since=1d&until=2026-01-01"),
        422,
        "invalid_value",
        "the window is empty",
    );
    let unknown = app.get(&app.admin, "/api/v1/reports?team=x");
    assert_eq!(unknown.0, 400, "{}", unknown.1);
}

on_both_backends!(the_report_gives_the_hand_computed_figures);

/// How many day tallies the store keeps.
fn kept(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM report_days")
}

fn names(counts: &Value) -> Vec<(String, u64)> {
    counts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["incidents"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn owned(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
    pairs.iter().map(|(n, c)| (n.to_string(), *c)).collect()
}

fn a_kept_day_follows_every_change_to_its_incidents(backend: Backend) {
    let app = TestApp::spawn(backend);
    // Sunday 22 November, 10:00.
    post(
        &app,
        "/api/v1/incidents",
        json!({"summary": "Checkout down", "priority": "P1", "severity": "SEV2",
               "services": ["checkout"], "detected_at": "2026-11-22T09:58:00Z"}),
    );
    post(
        &app,
        "/api/v1/incidents",
        json!({"summary": "Search slow", "priority": "P3", "services": ["search"]}),
    );
    // Monday 23 November, 10:00: both deadlines have passed unanswered.
    app.advance(24 * 60);
    let sunday = "?since=2026-11-22&until=2026-11-23";
    let first = report(&app, sunday);
    assert_eq!(first["incidents"], 2);
    assert_eq!(first["response_sla"][0]["breached"], 1);
    assert_eq!(first["response_sla"][1]["breached"], 1);
    assert_eq!(kept(&app), 1, "Sunday is whole and settled: kept");
    let again = report(&app, sunday);
    assert_eq!(again, first, "the kept day gives the same report");
    let checkout = report(&app, &format!("{sunday}&service=checkout"));
    assert_eq!(checkout["incidents"], 1);
    assert_eq!(kept(&app), 2, "one service's day is kept apart");

    // Each change to what the report reads shows at once.
    post(&app, "/api/v1/incidents/INC-1/acknowledge", json!({}));
    assert_eq!(report(&app, sunday)["mtta"]["count"], 1);
    let (status, body) = app.patch(
        &app.admin,
        "/api/v1/incidents/INC-1",
        json!({"severity": "SEV1"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        names(&report(&app, sunday)["by_severity"]),
        owned(&[("SEV1", 1), ("none", 1)])
    );
    post(
        &app,
        "/api/v1/incidents/INC-2/transitions",
        json!({"name": "False Alarm"}),
    );
    assert_eq!(report(&app, sunday)["false_alarms"]["part"], 1);
    let (status, body) = app.patch(
        &app.admin,
        "/api/v1/incidents/INC-2",
        json!({"services": ["search", "checkout"]}),
    );
    assert_eq!(status, 200, "{body}");
    let now = report(&app, sunday);
    assert_eq!(
        names(&now["by_service"]),
        owned(&[("checkout", 2), ("search", 1)])
    );
    assert_eq!(
        report(&app, &format!("{sunday}&service=checkout"))["incidents"],
        2
    );
    assert_eq!(now["response_sla"][0]["met"], 0, "acknowledged a day late");

    // A day with a deadline still ahead is not kept until it has passed.
    post(
        &app,
        "/api/v1/incidents",
        json!({"summary": "Docs typo", "priority": "P4", "services": ["docs"]}),
    );
    app.advance(15 * 60);
    let monday = "?since=2026-11-23&until=2026-11-24";
    assert_eq!(report(&app, monday)["response_sla"][0]["pending"], 1);
    assert_eq!(kept(&app), 2);
    app.advance(10 * 60);
    let settled = report(&app, monday);
    assert_eq!(settled["response_sla"][0]["pending"], 0);
    assert_eq!(settled["response_sla"][0]["breached"], 1);
    assert_eq!(kept(&app), 3);
    // Both days together: Sunday from its kept tally, Monday from its.
    let both = report(&app, "?since=2026-11-22&until=2026-11-24");
    assert_eq!(both["incidents"], 3);
    assert_eq!(both["false_alarms"]["part"], 1);

    // The marks emptied by hand: a change made meanwhile still shows (Monday's tally was
    // kept at its mark's first version, which a new mark starts at again).
    app.scalar("DELETE FROM report_marks RETURNING day");
    let (status, body) = app.patch(
        &app.admin,
        "/api/v1/incidents/INC-3",
        json!({"severity": "SEV4"}),
    );
    assert_eq!(status, 200, "{body}");
    for _ in 0..2 {
        assert_eq!(
            names(&report(&app, monday)["by_severity"]),
            owned(&[("SEV4", 1)]),
            "read again, then from the tally kept"
        );
    }
}

on_both_backends!(a_kept_day_follows_every_change_to_its_incidents);

fn the_server_keeps_past_days_without_being_asked(backend: Backend) {
    let app = TestApp::spawn(backend);
    post(
        &app,
        "/api/v1/incidents",
        json!({"summary": "Checkout down", "priority": "P1", "services": ["checkout"]}),
    );
    assert_eq!(kept(&app), 0);
    // Three days on: the days since the first incident, 22 to 24 November, are kept
    // (empty ones too) before anyone asks for a report.
    app.advance(3 * 24 * 60);
    until(|| kept(&app) == 3);
    let past = report(&app, "?since=2026-11-22&until=2026-11-25");
    assert_eq!(past["incidents"], 1);
    assert_eq!(past["response_sla"][0]["breached"], 1);
    assert_eq!(kept(&app), 3);
    // Today and the days still to come are read, never kept.
    let ahead = report(&app, "?since=2026-11-22&until=2026-12-31");
    assert_eq!(ahead["incidents"], 1);
    assert_eq!(kept(&app), 3);
}

on_both_backends!(the_server_keeps_past_days_without_being_asked);

fn the_console_draws_the_report(backend: Backend) {
    let app = crate::web::app_with_password(backend);
    post(
        &app,
        "/api/v1/incidents",
        json!({"summary": "Checkout down", "priority": "P1", "severity": "SEV2",
               "services": ["checkout"], "detected_at": "2026-11-22T09:50:00Z"}),
    );
    post(&app, "/api/v1/incidents/INC-1/acknowledge", json!({}));
    let mut browser = crate::web::Browser::new(&app);
    crate::web::sign_in(&mut browser, crate::web::PASSWORD);
    let page = browser.get("/reports");
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("<strong>1</strong> incident created from"),
        "{}",
        page.body
    );
    assert!(page.body.contains(
        "<tr><th scope=\"row\">MTTA</th><td>signal → acknowledged</td><td>1</td><td>10m</td><td>10m</td><td>10m</td></tr>"
    ));
    assert!(page.body.contains("<title>Week of 2026-11-16: 1</title>"));
    assert!(page.body.contains("100.0% (1 met, 0 breached, 0 pending)"));
    let filtered = browser.get("/reports?since=2026-11-01&service=search");
    assert!(
        filtered
            .body
            .contains("<strong>0</strong> incidents created")
    );
    assert!(filtered.body.contains("on search"));
    let refused = browser.get("/reports?since=soon");
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("since &#39;soon&#39; is not allowed"));
    assert!(
        refused.body.contains("value=\"soon\""),
        "the form keeps what was typed"
    );
}

on_both_backends!(the_console_draws_the_report);
