//! Stakeholder updates in the console, on both backends: the incident page says when
//! the next update is due and flags an overdue one, lists the updates and who hears
//! them; responders add and remove stakeholders and post updates (to the status page
//! too once the incident is published) with the page's forms; a refused form says why
//! and changes nothing; viewers read but get no forms.

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::until;
use crate::status_page::public;
use crate::web::{Browser, PASSWORD, app_with_password, csrf, sign_in, sign_in_as};

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {html}"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

fn responders_keep_stakeholders_informed_from_the_incident_page(backend: Backend) {
    let app = app_with_password(backend);
    app.incident(
        json!({"summary": "Checkout down", "priority": "P3", "severity": "SEV1",
                        "assignee": "admin@example.com"}),
    );
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/incidents/INC-1/transitions",
        json!({"name": "Investigating"}),
    );
    assert_eq!(status, 200, "{body}");
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, PASSWORD);

    let page = browser.get("/incidents/INC-1");
    assert_eq!(page.status, 200);
    let cadence = between(&page.body, "id=\"update-cadence\"", "</dd>");
    assert!(cadence.contains("due in 30m"), "{cadence}");
    assert!(page.body.contains("No stakeholders yet"));
    assert!(
        !page.body.contains("Post on the status page too"),
        "not published yet"
    );
    let token = csrf(&page);

    let added = browser.post(
        "/incidents/INC-1/stakeholders",
        &[("csrf", &token), ("kind", "group"), ("target", "sre")],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let before = app.snapshot();
    let refused = browser.post(
        "/incidents/INC-1/stakeholders",
        &[("csrf", &token), ("kind", "slack"), ("target", "#ops")],
    );
    assert_eq!(refused.status, 422);
    assert!(
        between(&refused.body, "id=\"action-error\"", "</p>")
            .contains("a slack stakeholder needs an http:// or https:// URL, not &#39;#ops&#39;"),
        "{}",
        refused.body
    );
    let refused = browser.post(
        "/incidents/INC-1/update",
        &[
            ("csrf", &token),
            ("message", "Rolling back"),
            ("next_update_in", "3d"),
        ],
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("next_update_in &#39;3d&#39; is not allowed")
    );
    assert_eq!(app.snapshot(), before);

    app.advance(5);
    let posted = browser.post(
        "/incidents/INC-1/update",
        &[
            ("csrf", &token),
            ("message", "Rolling back the 09:55 deploy"),
            ("impact", "EU checkouts fail"),
            ("next_update_in", "10m"),
        ],
    );
    assert_eq!(posted.status, 303, "{}", posted.body);
    let page = browser.get("/incidents/INC-1");
    let updates = between(&page.body, "<h2 id=\"updates\">", "</section>");
    assert!(
        between(updates, "<ul id=\"stakeholders\"", "</ul>").contains("<li>group sre"),
        "{updates}"
    );
    assert!(
        updates.contains("<p>Rolling back the 09:55 deploy</p>"),
        "{updates}"
    );
    assert!(updates.contains("Impact: EU checkouts fail"), "{updates}");
    assert!(updates.contains("to group sre"), "{updates}");
    let cadence = between(&page.body, "id=\"update-cadence\"", "</dd>");
    assert!(cadence.contains("due in 10m"), "{cadence}");
    assert!(cadence.contains("cadence kept 1 of 1 (100 %)"), "{cadence}");

    // Ten minutes without an update: the page flags it.
    app.advance(10);
    until(|| app.scalar("SELECT COUNT(*) FROM events WHERE kind = 'update_overdue'") == 1);
    let page = browser.get("/incidents/INC-1");
    let cadence = between(&page.body, "id=\"update-cadence\"", "</dd>");
    assert!(
        cadence.contains("<span class=\"error\">Update overdue by 1m</span>"),
        "{cadence}"
    );
    assert!(cadence.contains("cadence kept 1 of 2 (50 %)"), "{cadence}");
    assert!(page.body.contains("recorded an overdue stakeholder update"));
    // The list and the dashboard flag it too.
    let list = browser.get("/incidents");
    assert!(
        list.body
            .contains("<span class=\"overdue\">update overdue</span>"),
        "{}",
        list.body
    );

    // Once published, an update may go to the status page too.
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/status-page/incidents",
        json!({"incident": "INC-1", "name": "Checkout errors", "body": "Investigating."}),
    );
    assert_eq!(status, 201, "{body}");
    let page = browser.get("/incidents/INC-1");
    assert!(page.body.contains("Post on the status page too"));
    let posted = browser.post(
        "/incidents/INC-1/update",
        &[
            ("csrf", &token),
            ("message", "We found the cause."),
            ("public", "on"),
            ("public_status", "identified"),
        ],
    );
    assert_eq!(posted.status, 303, "{}", posted.body);
    let summary = public(&app, "/api/v2/summary.json");
    assert_eq!(summary["incidents"][0]["status"], "identified");
    let page = browser.get("/incidents/INC-1");
    assert!(page.body.contains("also public"));
    assert!(!between(&page.body, "id=\"update-cadence\"", "</dd>").contains("overdue"));

    // A viewer reads the updates but gets no forms.
    app.user("viewer@example.com", "viewer", &[]);
    let (status, body) = app.put(
        &app.admin,
        "/api/v1/users/viewer@example.com/password",
        json!({ "password": PASSWORD }),
    );
    assert_eq!(status, 204, "{body}");
    let mut viewer = Browser::new(&app);
    sign_in_as(&mut viewer, "viewer@example.com", PASSWORD);
    let page = viewer.get("/incidents/INC-1");
    assert!(page.body.contains("We found the cause."));
    assert!(!page.body.contains("id=\"post-update\""));
    assert!(!page.body.contains("unstakeholder"));

    // Removing the stakeholder.
    let id = app
        .scalar("SELECT id FROM incident_stakeholders")
        .to_string();
    let removed = browser.post(
        "/incidents/INC-1/unstakeholder",
        &[("csrf", &token), ("stakeholder", &id)],
    );
    assert_eq!(removed.status, 303, "{}", removed.body);
    assert!(
        browser
            .get("/incidents/INC-1")
            .body
            .contains("No stakeholders yet")
    );
}

on_both_backends!(responders_keep_stakeholders_informed_from_the_incident_page);
