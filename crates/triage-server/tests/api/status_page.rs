//! The status page: components, an incident published in public wording and updated to
//! resolution, a maintenance moving through its window by the clock — read back through
//! the Statuspage-shaped public JSON, the HTML page and its RSS and Atom feeds (read by
//! Python's feedparser), none of which ever carries anything internal.

use std::process::Command;

use serde_json::{Value, json};
use triage_testdb::{Backend, on_both_backends};

use crate::harness::TestApp;
use crate::oncall::fetch;
use crate::senders::{available, python_has};

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
pub(crate) fn public(app: &TestApp, path: &str) -> Value {
    let (status, body) = app.raw("GET", path, None, None, &[]);
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// The public page and its feeds, besides the JSON.
const PAGES: [&str; 3] = ["/status", "/status/history.rss", "/status/history.atom"];

/// Nothing internal in any public answer.
pub(crate) fn nothing_leaks(app: &TestApp) {
    let json = PUBLIC
        .iter()
        .map(|path| (*path, public(app, path).to_string()));
    let pages = PAGES.iter().map(|path| {
        let (status, _, body) = fetch(app, path);
        assert_eq!(status, 200, "{path}");
        (*path, body)
    });
    for (path, text) in json.chain(pages) {
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

/// A public GET's status, entity tag and body, sending `If-None-Match` when given.
fn conditional(app: &TestApp, path: &str, tag: Option<&str>) -> (u16, String, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.get(format!("{}{path}", app.url()));
    if let Some(tag) = tag {
        request = request.header("If-None-Match", tag);
    }
    let mut response = request.call().unwrap();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    (response.status().as_u16(), etag, body)
}

/// A feed as Python's feedparser reads it: its version, whether it is well-formed, its
/// title, and each entry's title, link and text.
fn parsed_feed(feed: &str) -> Option<Value> {
    if !available("feedparser (Python)", python_has("feedparser")) {
        return None;
    }
    let script = r#"
import feedparser, json, sys
d = feedparser.parse(sys.stdin.read())
print(json.dumps({"version": d.version, "bozo": bool(d.bozo), "title": d.feed.get("title"),
                  "entries": [{"title": e.title, "link": e.link, "id": e.id,
                               "text": e.get("summary", "")} for e in d.entries]}))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), feed.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

fn the_public_page_shows_status_history_and_feeds(backend: Backend) {
    let app = TestApp::spawn(backend);
    // Branding: checked, and a refusal changes nothing.
    let brand = json!({ "name": "Acme Status", "logo_url": "/logo.svg", "accent": "#AA3300" });
    let (status, body) = app.put(&app.admin, "/api/v1/status-page/settings", brand);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accent"], "#aa3300");
    let (status, body) = app.put(
        &app.admin,
        "/api/v1/status-page/settings",
        json!({ "name": "Acme", "logo_url": "", "accent": "orange" }),
    );
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("#rrggbb")
    );
    let viewer = app.user("viewer@example.com", "viewer", &[]);
    let (status, _) = app.put(
        &viewer,
        "/api/v1/status-page/settings",
        json!({ "name": "Mine", "logo_url": "", "accent": "#000000" }),
    );
    assert_eq!(status, 403);
    assert_eq!(
        app.get(&viewer, "/api/v1/status-page/settings").1["name"],
        "Acme Status"
    );

    for (name, service) in [("API", None), ("Checkout", Some("checkout"))] {
        let (status, _) = app.post(
            &app.admin,
            "/api/v1/status-page/components",
            json!({ "name": name, "service": service }),
        );
        assert_eq!(status, 201);
    }
    let (status, kind, page) = fetch(&app, "/status");
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(page.contains("<title>Acme Status</title>"), "{page}");
    assert!(page.contains("--accent: #aa3300"));
    assert!(page.contains(r#"<img src="/logo.svg""#));
    assert!(page.contains("All Systems Operational"));
    assert!(
        !page.to_lowercase().contains("<script"),
        "the page needs no script"
    );
    assert!(page.contains("No incidents reported."));

    // A day later, an hour-long outage of checkout.
    app.advance(24 * 60);
    app.incident(json!({
        "summary": "INTERNAL-ONLY: pool exhausted on db-7",
        "priority": "P1",
        "severity": "SEV1",
        "services": ["checkout"],
    }));
    let (status, published) = app.post(
        &app.admin,
        "/api/v1/status-page/incidents",
        json!({ "incident": "INC-1", "name": "Checkout is down",
                "body": "Payments fail at checkout; we are on it." }),
    );
    assert_eq!(status, 201, "{published}");
    let id = published["id"].as_i64().unwrap();
    let (_, etag, _) = conditional(&app, "/api/v2/summary.json", None);
    assert!(etag.starts_with('"'), "an entity tag: {etag}");
    let (status, _, body) = conditional(&app, "/api/v2/summary.json", Some(&etag));
    assert_eq!((status, body.as_str()), (304, ""));
    // Browsers take gzip: the page goes compressed, with its own tag, and reads the same.
    let (status, gz_tag, gzipped) = conditional(&app, "/status", None);
    assert_eq!(status, 200);
    assert!(gz_tag.ends_with("-gz\""), "{gz_tag}");
    assert!(gzipped.contains("Checkout is down"));
    let (_, _, page) = fetch(&app, "/status");
    assert!(page.contains("Major Service Outage"), "{page}");
    assert!(page.contains("Checkout is down"));
    assert!(page.contains("Payments fail at checkout; we are on it."));
    assert!(page.contains("Major Outage"));
    nothing_leaks(&app);

    app.advance(60);
    let (status, body) = app.post(
        &app.admin,
        &format!("/api/v1/status-page/incidents/{id}/updates"),
        json!({ "status": "resolved", "body": "Payments work again.",
                "components": [{ "name": "Checkout", "status": "operational" }] }),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["updates"][0]["changes"],
        json!([{ "id": 2, "name": "Checkout", "old_status": "major_outage",
                 "new_status": "operational" }])
    );
    // The answer changed with the update: the old tag no longer matches.
    let (status, _, _) = conditional(&app, "/api/v2/summary.json", Some(&etag));
    assert_eq!(status, 200);
    let summary = public(&app, "/api/v2/summary.json");
    assert_eq!(summary["status"]["indicator"], "none");
    let history = public(&app, "/api/v2/incidents.json");
    assert_eq!(
        history["incidents"][0]["incident_updates"][0]["affected_components"],
        json!([{ "code": "2", "name": "Checkout", "old_status": "major_outage",
                 "new_status": "operational" }])
    );
    assert_eq!(
        history["incidents"][0]["shortlink"],
        format!("{}/status/incidents/{id}", app.url())
    );

    // One hour down in 25 observed: 96 % for checkout, the rest untouched.
    let (_, _, page) = fetch(&app, "/status");
    assert!(page.contains("All Systems Operational"), "{page}");
    assert!(page.contains("96.00 % uptime"), "{page}");
    assert!(page.contains("100.00 % uptime"));
    assert!(
        page.contains("major outage, 90.90 % up"),
        "today's bar: {page}"
    );
    assert!(page.contains("Checkout: 96.00 % uptime over the last 90 days; incidents on"));

    let (status, _, single) = fetch(&app, &format!("/status/incidents/{id}"));
    assert_eq!(status, 200);
    assert!(single.contains("Payments work again."));
    assert!(single.contains("Payments fail at checkout; we are on it."));
    assert!(!single.contains("INTERNAL-ONLY") && !single.contains("INC-1"));
    let (status, kind, missing) = fetch(&app, "/status/incidents/999");
    assert_eq!(status, 404);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(missing.contains("No such incident") && missing.contains("Acme Status"));
    assert_eq!(fetch(&app, "/status/incidents/nope").0, 404);

    let (_, kind, rss) = fetch(&app, "/status/history.rss");
    assert!(kind.starts_with("application/rss+xml"), "{kind}");
    let (_, kind, atom) = fetch(&app, "/status/history.atom");
    assert!(kind.starts_with("application/atom+xml"), "{kind}");
    for (feed, version) in [(rss, "rss20"), (atom, "atom10")] {
        let Some(read) = parsed_feed(&feed) else {
            break;
        };
        assert_eq!(read["version"], version, "{feed}");
        assert_eq!(read["bozo"], false, "{feed}");
        assert_eq!(read["title"], "Acme Status - Incident History");
        let entry = &read["entries"][0];
        assert_eq!(entry["title"], "Checkout is down");
        assert_eq!(
            entry["link"],
            format!("{}/status/incidents/{id}", app.url())
        );
        let text = entry["text"].as_str().unwrap();
        assert!(text.contains("resolved - Payments work again."), "{text}");
    }
    nothing_leaks(&app);
}

/// A visitor, not signed in, reads the page in a real Chromium: the overall status, the
/// incident, the components with their history bars, and the incident's own page.
async fn visit(app: &TestApp, driver: &crate::browser::Driver, id: i64) {
    use crate::browser::{browser, screenshot, text};
    let visitor = browser(driver).await;
    visitor
        .goto(&format!("{}/status", app.url()))
        .await
        .unwrap();
    assert_eq!(text(&visitor, "#overall").await, "Partial System Outage");
    assert!(text(&visitor, "#active").await.contains("Search is slow"));
    let components = text(&visitor, "#components").await;
    assert!(
        components.contains("Search\nPartial Outage"),
        "{components}"
    );
    let scripts = visitor
        .execute("return document.scripts.length", vec![])
        .await
        .unwrap();
    assert_eq!(scripts, json!(0));
    let bars = visitor
        .execute(
            "return [...document.querySelectorAll('figure.history')].map(f => \
             [f.getAttribute('aria-label'), f.querySelector('svg').getBoundingClientRect().width])",
            vec![],
        )
        .await
        .unwrap();
    let bars = bars.as_array().unwrap();
    assert_eq!(bars.len(), 2);
    assert!(
        bars[1][0].as_str().unwrap().starts_with("Search: "),
        "{bars:?}"
    );
    assert!(
        bars[1][1].as_f64().unwrap() > 300.0,
        "the bar is drawn wide: {bars:?}"
    );
    screenshot(&visitor, "status-page.png").await;
    visitor
        .find(fantoccini::Locator::LinkText("Search is slow"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(&visitor, "h1").await, "Search is slow");
    assert!(
        text(&visitor, "main")
            .await
            .contains("Queries take seconds; we are adding capacity.")
    );
    assert_eq!(
        visitor.current_url().await.unwrap().as_str(),
        format!("{}/status/incidents/{id}", app.url())
    );
    visitor.close().await.unwrap();
}

fn a_visitor_reads_the_page_in_a_real_browser(backend: Backend) {
    let Some(driver) = crate::browser::driver() else {
        return;
    };
    let app = TestApp::spawn(backend);
    for (name, service) in [("API", None), ("Search", Some("search"))] {
        let (status, _) = app.post(
            &app.admin,
            "/api/v1/status-page/components",
            json!({ "name": name, "service": service }),
        );
        assert_eq!(status, 201);
    }
    app.advance(3 * 24 * 60);
    app.incident(
        json!({ "summary": "INTERNAL-ONLY: shard 3 hot", "priority": "P2",
                         "severity": "SEV2", "services": ["search"] }),
    );
    let (status, published) = app.post(
        &app.admin,
        "/api/v1/status-page/incidents",
        json!({ "incident": "INC-1", "name": "Search is slow",
                "body": "Queries take seconds; we are adding capacity." }),
    );
    assert_eq!(status, 201, "{published}");
    app.advance(90);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(visit(&app, &driver, published["id"].as_i64().unwrap()));
}

on_both_backends!(
    incidents_are_published_updated_and_resolved,
    a_maintenance_moves_through_its_window,
    the_public_page_shows_status_history_and_feeds,
    a_visitor_reads_the_page_in_a_real_browser
);
