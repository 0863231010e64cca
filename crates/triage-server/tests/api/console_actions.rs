//! Action items in the console, on both backends: added on the incident's page (bad
//! input refused with the reason, nothing changed), started, done and verified from the
//! list they are shown in, returning there; the backlog filtered by owner, status and
//! overdue, overdue rows highlighted; the post-mortem lists the items as tracked; a
//! recurrence is flagged on the later incident's page; viewers read only.

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::web::{Browser, PASSWORD, app_with_password, csrf, sign_in, sign_in_as};

fn action_items_are_tracked_in_the_console(backend: Backend) {
    let app = app_with_password(backend);
    app.user("ann@example.com", "responder", &[]);
    app.incident(json!({"summary": "Pool exhausted", "priority": "P2",
                        "services": ["checkout"]}));
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, PASSWORD);
    let page = browser.get("/incidents/INC-1");
    assert!(page.body.contains("id=\"action-item-new\""));
    assert!(page.body.contains("No action items."));
    let token = csrf(&page);

    let before = app.snapshot();
    let refused = browser.post(
        "/incidents/INC-1/action-item",
        &[
            ("csrf", &token),
            ("title", "Alert on pool usage"),
            ("due", "soon"),
        ],
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("due &#39;soon&#39; is not a day"),
        "{}",
        refused.body
    );
    assert_eq!(app.snapshot(), before);
    for (title, due) in [
        ("Alert on pool usage", "2026-11-24"),
        ("Raise the pool", ""),
    ] {
        let added = browser.post(
            "/incidents/INC-1/action-item",
            &[
                ("csrf", &token),
                ("title", title),
                ("item_kind", "monitoring"),
                ("owner", "ann@example.com"),
                ("due", due),
                ("ticket_url", "https://tickets.example.com/OPS-1"),
            ],
        );
        assert_eq!(added.status, 303, "{}", added.body);
        assert_eq!(added.location.as_deref(), Some("/incidents/INC-1"));
    }
    let page = browser.get("/incidents/INC-1");
    assert!(page.body.contains("id=\"action-1\""));
    assert!(page.body.contains("Alert on pool usage"));
    assert!(
        page.body
            .contains("href=\"https://tickets.example.com/OPS-1\"")
    );

    // Started from the incident's page, it returns there.
    let started = browser.post(
        "/action-items/1/status",
        &[
            ("csrf", &token),
            ("back", "/incidents/INC-1"),
            ("status", "In Progress"),
        ],
    );
    assert_eq!(started.status, 303, "{}", started.body);
    assert_eq!(started.location.as_deref(), Some("/incidents/INC-1"));
    // Somewhere else than this console is not where a form returns.
    let elsewhere = browser.post(
        "/action-items/2/status",
        &[
            ("csrf", &token),
            ("back", "//evil.example.com/"),
            ("status", "In Progress"),
        ],
    );
    assert_eq!(elsewhere.location.as_deref(), Some("/action-items"));

    // Three days on, the first is overdue: highlighted in the backlog.
    app.advance(3 * 24 * 60);
    sign_in(&mut browser, PASSWORD);
    let token = csrf(&browser.get("/action-items"));
    let backlog = browser.get("/action-items?overdue=true");
    assert_eq!(backlog.status, 200);
    assert!(
        backlog.body.contains("<tr id=\"action-1\" class=\"late\">"),
        "{}",
        backlog.body
    );
    assert!(!backlog.body.contains("id=\"action-2\""));
    assert!(backlog.body.contains("1 overdue"));
    let mine = browser.get("/action-items?owner=ann%40example.com&status=In+Progress");
    assert!(mine.body.contains("id=\"action-1\"") && mine.body.contains("id=\"action-2\""));
    let none = browser.get("/action-items?status=Done");
    assert!(none.body.contains("No action items match."));

    let unverifiable = browser.post(
        "/action-items/1/verify",
        &[
            ("csrf", &token),
            ("back", "/action-items"),
            ("how", "game day"),
        ],
    );
    assert_eq!(unverifiable.status, 422);
    assert!(unverifiable.body.contains("only a Done item is verified"));
    let back = "/action-items?overdue=true";
    let done = browser.post(
        "/action-items/1/status",
        &[("csrf", &token), ("back", back), ("status", "Done")],
    );
    assert_eq!(done.location.as_deref(), Some(back));
    let verified = browser.post(
        "/action-items/1/verify",
        &[
            ("csrf", &token),
            ("back", back),
            ("how", "The alert fired in the game day"),
        ],
    );
    assert_eq!(verified.status, 303, "{}", verified.body);
    let all = browser.get("/action-items");
    assert!(all.body.contains("The alert fired in the game day"));

    // The post-mortem lists them as tracked, the finished one ticked.
    let drafted = browser.post("/incidents/INC-1/postmortem/draft", &[("csrf", &token)]);
    assert_eq!(drafted.status, 303);
    let file = browser.get("/incidents/INC-1/postmortem.md");
    assert!(
        file.body.contains(
            "- [x] #1 Alert on pool usage (monitoring; ann; due 2026-11-24; https://tickets.example.com/OPS-1)"
        ),
        "{}",
        file.body
    );
    let page = browser.get("/incidents/INC-1/postmortem");
    assert!(page.body.contains("Action items as tracked now"));
    assert!(page.body.contains("id=\"action-2\""));

    // Resolved, and back again: the later incident is flagged.
    for body in [
        json!({"name": "Investigating"}),
        json!({"name": "In Progress"}),
        json!({"name": "Monitoring"}),
        json!({"name": "Resolved", "resolution": "Fixed"}),
    ] {
        let (status, _) = app.post(&app.admin, "/api/v1/incidents/INC-1/transitions", body);
        assert_eq!(status, 200);
    }
    app.incident(json!({"summary": "Pool exhausted", "services": ["checkout"]}));
    let later = browser.get("/incidents/INC-2");
    assert!(later.body.contains("id=\"recurrence\""), "{}", later.body);
    assert!(later.body.contains("#1 Alert on pool usage"));
    assert!(
        later
            .body
            .contains("verified: The alert fired in the game day")
    );

    app.user("viewer@example.com", "viewer", &[]);
    let (status, _) = app.put(
        &app.admin,
        "/api/v1/users/viewer@example.com/password",
        json!({ "password": PASSWORD }),
    );
    assert_eq!(status, 204);
    let mut viewer = Browser::new(&app);
    sign_in_as(&mut viewer, "viewer@example.com", PASSWORD);
    let page = viewer.get("/action-items");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"action-2\""));
    assert!(!page.body.contains("/action-items/2/status"));
    let refused = viewer.post(
        "/action-items/2/status",
        &[("csrf", &csrf(&page)), ("status", "Done")],
    );
    assert_eq!(refused.status, 403);
}

on_both_backends!(action_items_are_tracked_in_the_console);
