//! The status page: components, an incident published in public wording and updated to
//! resolution, a maintenance moving through its window by the clock — read back through
//! the Statuspage-shaped public JSON, which never carries anything internal.

use serde_json::{Value, json};
use triage_testdb::{Backend, on_both_backends};

use crate::harness::TestApp;

const PUBLIC: [&str; 8] = [
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
];

/// A public route's answer, read with no credentials at all.
fn public(app: &TestApp, path: &str) -> Value {
    let (status, body) = app.raw("GET", path, None, None, &[]);
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Nothing internal in any public answer.
fn nothing_leaks(app: &TestApp) {
    for path in PUBLIC {
        let text = public(app, path).to_string();
        for secret in ["INTERNAL-ONLY", "INC-1", "admin@example.com", "Ada Admin"] {
            assert!(!text.contains(secret), "{path} shows '{secret}': {text}");
        }
    }
}

fn component<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no component {name}: {summary}"))
}

fn incidents_are_published_updated_and_resolved(backend: Backend) {
    let app = TestApp::spawn(backend);
    for (name, group, service) in [
        ("API", None, None),
        ("Checkout", Some("Shop"), Some("checkout")),
        ("Database", Some("Shop"), None),
    ] {
        let (status, body) = app.post(
            &app.admin,
            "/api/v1/status-page/components",
            json!({ "name": name, "group": group, "service": service }),
        );
        assert_eq!(status, 201, "{body}");
    }
    let summary = public(&app, "/api/v2/summary.json");
    assert_eq!(
        summary["status"],
        json!({ "indicator": "none", "description": "All Systems Operational" })
    );
    assert_eq!(summary["page"]["id"], "triage");
    let shop = component(&summary, "Shop");
    assert_eq!(shop["group"], true);
    assert_eq!(shop["components"].as_array().unwrap().len(), 2);
    let checkout = component(&summary, "Checkout");
    assert_eq!(checkout["group_id"], shop["id"]);
    for field in [
        "id",
        "created_at",
        "updated_at",
        "position",
        "page_id",
        "showcase",
    ] {
        assert!(!checkout[field].is_null(), "components carry {field}");
    }

    app.incident(json!({
        "summary": "INTERNAL-ONLY: pool exhausted on db-7",
        "description": "INTERNAL-ONLY details",
        "priority": "P1",
        "severity": "SEV2",
        "services": ["checkout"],
    }));
    // Bad input changes nothing.
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/status-page/incidents",
        json!({ "incident": "INC-1", "name": "Checkout errors", "body": "Looking",
                "components": [{ "name": "Payments" }] }),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("API, Checkout, Database")
    );
    let (status, _) = app.post(
        &app.admin,
        "/api/v1/status-page/incidents",
        json!({ "incident": "INC-1", "name": "Checkout errors", "body": "Looking",
                "status": "scheduled" }),
    );
    assert_eq!(status, 422);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM public_incidents"), 0);

    let (status, published) = app.post(
        &app.admin,
        "/api/v1/status-page/incidents",
        json!({ "incident": "INC-1", "name": "Elevated checkout errors",
                "body": "We are investigating failed payments at checkout." }),
    );
    assert_eq!(status, 201, "{published}");
    assert_eq!(published["impact"], "major", "from SEV2");
    assert_eq!(published["status"], "investigating");
    let id = published["id"].as_i64().unwrap();
    let summary = public(&app, "/api/v2/summary.json");
    assert_eq!(summary["status"]["indicator"], "major");
    assert_eq!(component(&summary, "Checkout")["status"], "partial_outage");
    assert_eq!(component(&summary, "Shop")["status"], "partial_outage");
    assert_eq!(component(&summary, "API")["status"], "operational");
    let open = &summary["incidents"][0];
    assert_eq!(open["name"], "Elevated checkout errors");
    assert_eq!(open["impact"], "major");
    assert_eq!(open["resolved_at"], Value::Null);
    assert_eq!(open["incident_updates"][0]["status"], "investigating");
    assert_eq!(open["components"][0]["name"], "Checkout");
    nothing_leaks(&app);

    app.advance(10);
    let (status, body) = app.post(
        &app.admin,
        &format!("/api/v1/status-page/incidents/{id}/updates"),
        json!({ "status": "monitoring", "body": "A fix is out; we are watching.",
                "components": [{ "name": "Checkout", "status": "degraded_performance" }] }),
    );
    assert_eq!(status, 201, "{body}");
    let summary = public(&app, "/api/v2/summary.json");
    assert_eq!(
        summary["status"]["indicator"], "major",
        "the impact still counts"
    );
    assert_eq!(
        component(&summary, "Checkout")["status"],
        "degraded_performance"
    );
    assert!(summary["incidents"][0]["monitoring_at"].is_string());
    app.advance(20);
    let (status, _) = app.post(
        &app.admin,
        &format!("/api/v1/status-page/incidents/{id}/updates"),
        json!({ "status": "resolved", "body": "Payments work again." }),
    );
    assert_eq!(status, 201);
    let summary = public(&app, "/api/v2/summary.json");
    assert_eq!(summary["status"]["indicator"], "none");
    assert_eq!(summary["incidents"], json!([]));
    assert_eq!(component(&summary, "Checkout")["status"], "operational");
    let history = public(&app, "/api/v2/incidents.json");
    let resolved = &history["incidents"][0];
    assert_eq!(resolved["status"], "resolved");
    assert!(resolved["resolved_at"].is_string());
    let updates: Vec<&str> = resolved["incident_updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(updates, ["resolved", "monitoring", "investigating"]);
    assert_eq!(
        public(&app, "/api/v2/incidents/unresolved.json")["incidents"],
        json!([])
    );

    // The internal incident's timeline records what was said in public.
    let (_, timeline) = app.get(&app.admin, "/api/v1/incidents/INC-1/timeline");
    let said: Vec<&Value> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "public_update")
        .collect();
    assert_eq!(said.len(), 3);
    assert!(
        said[0]["text"]
            .as_str()
            .unwrap()
            .contains("posted to the status page")
    );

    // A hand-set status shows, and a viewer cannot set one.
    let (status, _) = app.patch(
        &app.admin,
        "/api/v1/status-page/components/API",
        json!({ "status": "Major Outage" }),
    );
    assert_eq!(status, 200);
    let status_page = public(&app, "/api/v2/status.json");
    assert_eq!(status_page["status"]["description"], "Major Service Outage");
    let viewer = app.user("viewer@example.com", "viewer", &[]);
    let (status, _) = app.patch(
        &viewer,
        "/api/v1/status-page/components/API",
        json!({ "status": "operational" }),
    );
    assert_eq!(status, 403);
    nothing_leaks(&app);
}

fn a_maintenance_moves_through_its_window(backend: Backend) {
    let app = TestApp::spawn(backend);
    let (status, _) = app.post(
        &app.admin,
        "/api/v1/status-page/components",
        json!({ "name": "Database" }),
    );
    assert_eq!(status, 201);
    let starts = app.now() + jiff::SignedDuration::from_hours(1);
    let ends = starts + jiff::SignedDuration::from_hours(2);
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/status-page/incidents",
        json!({ "maintenance": true, "name": "Database upgrade",
                "body": "We will upgrade the database; writes may pause briefly.",
                "scheduled_for": starts, "scheduled_until": ends,
                "components": [{ "name": "Database" }] }),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["impact"], "maintenance");
    let upcoming = public(&app, "/api/v2/scheduled-maintenances/upcoming.json");
    let listed = &upcoming["scheduled_maintenances"][0];
    assert_eq!(listed["status"], "scheduled");
    assert!(listed["scheduled_for"].is_string());
    assert_eq!(
        public(&app, "/api/v2/status.json")["status"]["indicator"],
        "none"
    );

    app.advance(61);
    let active = public(&app, "/api/v2/scheduled-maintenances/active.json");
    assert_eq!(active["scheduled_maintenances"][0]["status"], "in_progress");
    let summary = public(&app, "/api/v2/summary.json");
    assert_eq!(summary["status"]["indicator"], "maintenance");
    assert_eq!(
        component(&summary, "Database")["status"],
        "under_maintenance"
    );

    app.advance(120);
    assert_eq!(
        public(&app, "/api/v2/scheduled-maintenances/active.json")["scheduled_maintenances"],
        json!([])
    );
    let all = public(&app, "/api/v2/scheduled-maintenances.json");
    assert_eq!(all["scheduled_maintenances"][0]["status"], "completed");
    let summary = public(&app, "/api/v2/summary.json");
    assert_eq!(component(&summary, "Database")["status"], "operational");

    // A maintenance with no window, or with an incident, is refused.
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/status-page/incidents",
        json!({ "maintenance": true, "name": "Later", "body": "Soon" }),
    );
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("scheduled_for")
    );
}

on_both_backends!(
    incidents_are_published_updated_and_resolved,
    a_maintenance_moves_through_its_window
);
