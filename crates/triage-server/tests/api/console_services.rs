//! The service catalog in the console, on both backends: adding services, integrations
//! whose key is shown once with the address and an example configuration, the alert
//! settings form, and alerts and change events on service and incident pages.

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::TestApp;
use crate::web::{Browser, app_with_password, csrf, sign_in};

/// The text between `start` and the next `end` in `body`.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page"))
        + start.len();
    let rest = &body[from..];
    &rest[..rest.find(end).unwrap()]
}

fn admins_set_up_services_and_integrations_in_the_console(backend: Backend) {
    let app = app_with_password(backend);
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");
    let list = browser.get("/services");
    assert_eq!(list.status, 200);
    assert!(list.body.contains("No services yet"));
    let token = csrf(&list);

    let bad = browser.post("/services", &[("csrf", &token), ("name", "has space")]);
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"services-error\""));
    let created = browser.post(
        "/services",
        &[
            ("csrf", &token),
            ("name", "storage"),
            ("description", "Block storage"),
            ("runbook_url", "https://runbooks.example.com/storage"),
        ],
    );
    assert_eq!(
        (created.status, created.location.as_deref()),
        (303, Some("/services/storage"))
    );

    let made = browser.post(
        "/services/storage/integration",
        &[
            ("csrf", &token),
            ("kind", "alertmanager"),
            ("name", "prom-prod"),
        ],
    );
    assert_eq!(made.status, 200);
    let key = between(&made.body, "Key: <code data-copy>", "</code>").to_string();
    assert_eq!(key.len(), 32);
    let endpoint = between(&made.body, "Send alerts to: <code data-copy>", "</code>");
    let address = format!("{}/hooks/alertmanager/{key}", app.url());
    assert_eq!(endpoint, address);
    assert!(
        made.body.contains("webhook_configs:"),
        "an example configuration"
    );

    // The key works, and is never shown again.
    let alerts = json!({"version": "4", "groupKey": "{}:{alertname=\"DiskFull\"}", "status": "firing",
        "alerts": [{"status": "firing", "labels": {"alertname": "DiskFull", "severity": "warning"},
            "annotations": {"summary": "Disk 95% on db01"}, "startsAt": "2026-11-22T09:58:00Z"}]});
    let (status, _) = app.raw(
        "POST",
        &format!("/hooks/alertmanager/{key}"),
        None,
        Some(alerts.to_string()),
        &[],
    );
    assert_eq!(status, 200);
    let page = browser.get("/services/storage");
    assert!(!page.body.contains(&key));
    assert!(page.body.contains("/hooks/alertmanager/&#60;key&#62;"));
    assert!(page.body.contains("Disk 95% on db01"));
    assert!(
        page.body
            .contains("<span class=\"status firing\">firing</span>")
    );
    let list = browser.get("/services");
    assert!(list.body.contains("1 firing"));

    // Settings: the mapping's selects and the policy.
    let saved = browser.post(
        "/services/storage/settings",
        &[
            ("csrf", &token),
            ("description", "Block storage"),
            ("owner", ""),
            ("runbook_url", "https://runbooks.example.com/storage"),
            ("critical_priority", "P1"),
            ("critical_severity", "SEV1"),
            ("warning_priority", "P2"),
            ("warning_severity", "SEV3"),
            ("on_resolved", "monitoring"),
            ("flap_minutes", "10"),
            ("group_by", "cluster"),
        ],
    );
    assert_eq!(saved.status, 303);
    let (_, service) = app.get(&app.admin, "/api/v1/services/storage");
    assert_eq!(service["alert_mapping"]["warning"], "P2/SEV3");
    assert_eq!(service["on_resolved"], "monitoring");
    assert_eq!(service["flap_window"], 600);
    assert_eq!(service["group_by"], json!(["cluster"]));
    let refused = browser.post(
        "/services/storage/settings",
        &[("csrf", &token), ("flap_minutes", "many")],
    );
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("not a number of minutes"));

    let (_, integrations) = app.get(&app.admin, "/api/v1/services/storage/integrations");
    let id = integrations["integrations"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let revoked = browser.post("/services/storage/revoke", &[("csrf", &token), ("id", &id)]);
    assert_eq!(revoked.status, 303);
    let (status, _) = app.raw(
        "POST",
        &format!("/hooks/alertmanager/{key}"),
        None,
        Some(alerts.to_string()),
        &[],
    );
    assert_eq!(status, 401);
}

fn incident_pages_show_their_alerts_and_recent_changes(backend: Backend) {
    let app = app_with_password(backend);
    let key = app.integration("api", "pagerduty");
    let change = json!({"routing_key": key, "payload": {"summary": "Deployed api v42", "source": "ci"},
        "links": [{"href": "https://ci.example.com/42"}]});
    let trigger = json!({"routing_key": key, "event_action": "trigger", "dedup_key": "api-5xx",
        "payload": {"summary": "API 5xx above 5%", "source": "gw-1", "severity": "critical"}});
    assert_eq!(post(&app, "/v2/change/enqueue", &change), 202);
    assert_eq!(post(&app, "/v2/enqueue", &trigger), 202);
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");
    let page = browser.get("/incidents/INC-1");
    assert_eq!(page.status, 200);
    let alerts = between(&page.body, "<h2 id=\"alerts\">Alerts</h2>", "</section>");
    assert!(alerts.contains("API 5xx above 5%"));
    assert!(alerts.contains("critical"));
    let changes = between(&page.body, "<h2 id=\"changes\">", "</section>");
    assert!(changes.contains("Deployed api v42"));
    assert!(changes.contains("href=\"https://ci.example.com/42\""));
    assert!(
        page.body
            .contains("Triage received 1 firing alert from pagerduty: API 5xx above 5%")
    );

    // A viewer reads the catalog but gets no forms, and cannot post.
    let viewer = app.user("vic@example.com", "viewer", &[]);
    let (status, _) = app.put(
        &app.admin,
        "/api/v1/users/vic@example.com/password",
        json!({"password": "viewer password 1"}),
    );
    assert_eq!(status, 204, "{viewer}");
    let mut reader = Browser::new(&app);
    crate::web::sign_in_as(&mut reader, "vic@example.com", "viewer password 1");
    let page = reader.get("/services/api");
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("id=\"new-integration\""));
    assert!(!page.body.contains("id=\"service-settings\""));
    let token = csrf(&page);
    let refused = reader.post(
        "/services/api/integration",
        &[("csrf", &token), ("kind", "webhook")],
    );
    assert_eq!(refused.status, 403);
}

fn post(app: &TestApp, path: &str, body: &serde_json::Value) -> u16 {
    app.raw("POST", path, None, Some(body.to_string()), &[]).0
}

on_both_backends!(admins_set_up_services_and_integrations_in_the_console);
on_both_backends!(incident_pages_show_their_alerts_and_recent_changes);

fn silences_from_the_console(backend: Backend) {
    let app = app_with_password(backend);
    app.integration("storage", "alertmanager");
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");
    let page = browser.get("/silences");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Nothing is silenced."));
    assert!(page.body.contains("<option>storage</option>"));
    let token = csrf(&page);
    let refused = browser.post(
        "/silences",
        &[
            ("csrf", &token),
            ("service", "storage"),
            ("duration", "soon"),
            ("comment", "x"),
        ],
    );
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("is not allowed: write it like 30s"));
    let added = browser.post(
        "/silences",
        &[
            ("csrf", &token),
            ("service", "storage"),
            ("matchers", "alertname=DiskFull\r\ninstance=~db0[12]\r\n"),
            ("duration", "2h"),
            ("comment", "CHG-42 disk replacement"),
        ],
    );
    assert_eq!(
        (added.status, added.location.as_deref()),
        (303, Some("/silences"))
    );
    let page = browser.get("/silences");
    let current = page.body.split("id=\"expired\"").next().unwrap();
    assert!(current.contains("CHG-42 disk replacement"));
    assert!(
        current.contains("instance=~&#34;db0[12]&#34;")
            || current.contains("instance=~\"db0[12]\""),
        "{current}"
    );
    let (_, listed) = app.get(&app.admin, "/api/v1/silences?state=active");
    let id = listed["silences"][0]["id"].as_i64().unwrap();
    let ended = browser.post(&format!("/silences/{id}/expire"), &[("csrf", &token)]);
    assert_eq!(ended.status, 303);
    let page = browser.get("/silences");
    assert!(page.body.contains("Nothing is silenced."));
    let again = browser.post(&format!("/silences/{id}/expire"), &[("csrf", &token)]);
    assert_eq!(again.status, 422);
    assert!(again.body.contains("already ended"));
}

on_both_backends!(silences_from_the_console);
