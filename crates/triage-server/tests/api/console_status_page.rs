//! The status page in the console, on both backends: an admin adds a component and
//! brands the page; a responder sets a component's status, publishes an incident from
//! the link on its page, posts an update and schedules maintenance, each seen on the
//! public page; a refused form says why and changes nothing; admins remove subscribers;
//! viewers read without forms.

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::status_page::public;
use crate::web::{Browser, PASSWORD, app_with_password, csrf, sign_in, sign_in_as};

fn the_status_page_is_run_from_the_console(backend: Backend) {
    let app = app_with_password(backend);
    app.incident(json!({"summary": "INTERNAL-ONLY db-7", "priority": "P1", "severity": "SEV2"}));
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, PASSWORD);
    let page = browser.get("/status-page");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Nothing is open on the page."));
    let token = csrf(&page);

    let added = browser.post(
        "/status-page/component",
        &[
            ("csrf", &token),
            ("name", "Checkout"),
            ("group", "Shop"),
            ("description", "Paying for an order"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let set = browser.post(
        "/status-page/component-status",
        &[
            ("csrf", &token),
            ("name", "Checkout"),
            ("status", "degraded_performance"),
        ],
    );
    assert_eq!(set.status, 303, "{}", set.body);
    let summary = public(&app, "/api/v2/summary.json");
    let checkout = summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Checkout")
        .unwrap()
        .clone();
    assert_eq!(checkout["status"], "degraded_performance");

    // The incident's page says customers see nothing yet, and links to publishing it.
    let incident = browser.get("/incidents/INC-1");
    assert!(
        incident
            .body
            .contains("<a href=\"/status-page?incident=INC-1\">publish it on the status page</a>")
    );
    let form = browser.get("/status-page?incident=INC-1");
    assert!(form.body.contains(
        "name=\"incident\" type=\"text\" required placeholder=\"INC-123\" value=\"INC-1\""
    ));
    let before = app.snapshot();
    let refused = browser.post(
        "/status-page/publish",
        &[
            ("csrf", &token),
            ("incident", "INC-1"),
            ("name", "Checkout errors"),
            ("body", "Looking."),
            ("components", "Payments"),
        ],
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("no component named &#39;Payments&#39;"),
        "{}",
        refused.body
    );
    assert_eq!(app.snapshot(), before);
    let published = browser.post(
        "/status-page/publish",
        &[
            ("csrf", &token),
            ("incident", "INC-1"),
            ("name", "Checkout errors"),
            ("body", "We are investigating failed payments."),
            ("components", "Checkout"),
        ],
    );
    assert_eq!(published.status, 303, "{}", published.body);
    let page = browser.get("/status-page");
    assert!(page.body.contains("Checkout errors"));
    assert!(page.body.contains("We are investigating failed payments."));
    assert!(
        !browser
            .get("/incidents/INC-1")
            .body
            .contains("publish-hint")
    );
    let id = app.scalar("SELECT id FROM public_incidents").to_string();
    let updated = browser.post(
        "/status-page/update",
        &[
            ("csrf", &token),
            ("id", &id),
            ("status", "identified"),
            ("body", "A faulty deploy; rolling back."),
        ],
    );
    assert_eq!(updated.status, 303, "{}", updated.body);
    let summary = public(&app, "/api/v2/summary.json");
    assert_eq!(summary["incidents"][0]["status"], "identified");
    assert_eq!(
        summary["incidents"][0]["incident_updates"][0]["body"],
        "A faulty deploy; rolling back."
    );

    let refused = browser.post(
        "/status-page/maintenance",
        &[
            ("csrf", &token),
            ("name", "Database upgrade"),
            ("body", "Read-only for ten minutes."),
            ("from", "tomorrow"),
            ("until", "2026-11-23T02:30"),
        ],
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("from &#39;tomorrow&#39; is not a time")
    );
    let scheduled = browser.post(
        "/status-page/maintenance",
        &[
            ("csrf", &token),
            ("name", "Database upgrade"),
            ("body", "Read-only for ten minutes."),
            ("from", "2026-11-23T02:00"),
            ("until", "2026-11-23T02:30"),
            ("components", "Checkout"),
        ],
    );
    assert_eq!(scheduled.status, 303, "{}", scheduled.body);
    let upcoming = public(&app, "/api/v2/scheduled-maintenances/upcoming.json");
    assert_eq!(
        upcoming["scheduled_maintenances"][0]["scheduled_for"],
        "2026-11-23T02:00:00.000Z"
    );

    let branded = browser.post(
        "/status-page/branding",
        &[
            ("csrf", &token),
            ("name", "Acme Status"),
            ("logo_url", ""),
            ("accent", "#123456"),
        ],
    );
    assert_eq!(branded.status, 303, "{}", branded.body);
    assert_eq!(
        public(&app, "/api/v2/status.json")["page"]["name"],
        "Acme Status"
    );

    let (status, body) = app.post(
        &app.admin,
        "/api/v1/status-page/subscribers",
        json!({"kind": "webhook", "address": "http://127.0.0.1:9/hook"}),
    );
    assert_eq!(status, 201, "{body}");
    let page = browser.get("/status-page");
    assert!(page.body.contains("http://127.0.0.1:9/hook"));
    let removed = browser.post(
        "/status-page/unsubscribe",
        &[("csrf", &token), ("id", &body["id"].to_string())],
    );
    assert_eq!(removed.status, 303, "{}", removed.body);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM status_subscribers"), 0);

    // A viewer reads the page but gets no forms, and may not post one.
    app.user("viewer@example.com", "viewer", &[]);
    let (status, body) = app.put(
        &app.admin,
        "/api/v1/users/viewer@example.com/password",
        json!({ "password": PASSWORD }),
    );
    assert_eq!(status, 204, "{body}");
    let mut viewer = Browser::new(&app);
    sign_in_as(&mut viewer, "viewer@example.com", PASSWORD);
    let page = viewer.get("/status-page");
    assert!(page.body.contains("Checkout errors"));
    assert!(!page.body.contains("id=\"publish\""));
    assert!(!page.body.contains("Subscribers"));
    let token = csrf(&page);
    let refused = viewer.post(
        "/status-page/component-status",
        &[
            ("csrf", &token),
            ("name", "Checkout"),
            ("status", "operational"),
        ],
    );
    assert_eq!(refused.status, 403);
}

on_both_backends!(the_status_page_is_run_from_the_console);
