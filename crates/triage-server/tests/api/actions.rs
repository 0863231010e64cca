//! Action items over the API, on both backends: added to an incident with a kind, an
//! owner, a due day and a ticket; bad input refused without a change; moved to In
//! Progress and Done, verified only once Done, reopened (which drops the verification);
//! the backlog filtered by owner, status and overdue on the test clock; every step on the
//! incident's timeline. Owners are reminded two days before the due day and on the day,
//! through their contact methods, on the test clock.

use serde_json::{Value, json};
use triage_testdb::receiver::Receiver;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{TestApp, assert_error, until};
use crate::paging::{reachable, timeline};

fn backlog(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = app.get(&app.admin, &format!("/api/v1/action-items{query}"));
    assert_eq!(status, 200, "{body}");
    body["action_items"].as_array().unwrap().clone()
}

fn action_items_are_tracked_to_done_and_verified(backend: Backend) {
    let app = TestApp::spawn(backend);
    app.user("ann@example.com", "responder", &[]);
    let viewer = app.user("viewer@example.com", "viewer", &[]);
    let incident = app.incident(json!({"summary": "Pool exhausted", "priority": "P2"}));
    let key = incident["key"].as_str().unwrap().to_string();
    let path = format!("/api/v1/incidents/{key}/action-items");

    let before = app.snapshot();
    for (body, status, message) in [
        (
            json!({"title": " "}),
            422,
            "the action item's title must not be empty",
        ),
        (
            json!({"title": "x", "kind": "chore"}),
            422,
            "action item kind 'chore' is not allowed",
        ),
        (
            json!({"title": "x", "due": "next week"}),
            422,
            "due 'next week' is not a day: write it like 2026-12-01",
        ),
        (
            json!({"title": "x", "ticket_url": "ftp://t/1"}),
            422,
            "needs an http:// or https:// URL",
        ),
        (
            json!({"title": "x", "owner": "nobody@example.com"}),
            404,
            "no user with e-mail",
        ),
    ] {
        let answer = app.post(&app.admin, &path, body);
        let code = if status == 404 {
            "not_found"
        } else {
            "invalid_value"
        };
        assert_error(&answer, status, code, message);
    }
    assert_eq!(app.post(&viewer, &path, json!({"title": "x"})).0, 403);
    assert_eq!(app.snapshot(), before);

    let (status, item) = app.post(
        &app.admin,
        &path,
        json!({"title": "Alert on pool usage above 80%", "kind": "Monitoring",
               "owner": "Ann@Example.com", "due": "2026-11-25",
               "ticket_url": "https://tickets.example.com/OPS-12"}),
    );
    assert_eq!(status, 201, "{item}");
    assert_eq!(item["incident"], key.as_str());
    assert_eq!(item["kind"], "monitoring");
    assert_eq!(item["status"], "Open");
    assert_eq!(item["owner"]["email"], "ann@example.com");
    assert_eq!(item["due"], "2026-11-25");
    assert_eq!(item["overdue"], false);
    assert_eq!(item["verified"], Value::Null);
    let id = item["id"].as_i64().unwrap();
    let (status, _) = app.post(&app.admin, &path, json!({"title": "Raise the pool to 200"}));
    assert_eq!(status, 201);
    let item_path = format!("/api/v1/action-items/{id}");

    let answer = app.post(
        &app.admin,
        &format!("{item_path}/verify"),
        json!({"how": "x"}),
    );
    assert_error(
        &answer,
        422,
        "invalid_value",
        "is Open: only a Done item is verified",
    );
    let (status, moved) = app.patch(&app.admin, &item_path, json!({"status": "in progress"}));
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["status"], "In Progress");

    // Four days on, it is overdue.
    app.advance(4 * 24 * 60);
    let overdue = backlog(&app, "?overdue=true");
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0]["id"], id);
    assert_eq!(overdue[0]["overdue"], true);
    assert_eq!(backlog(&app, "?owner=ann@example.com").len(), 1);
    assert_eq!(backlog(&app, "?status=Done").len(), 0);
    assert_eq!(backlog(&app, "").len(), 2);
    let answer = app.get(&app.admin, "/api/v1/action-items?status=closed");
    assert_error(
        &answer,
        422,
        "invalid_value",
        "use Open, In Progress or Done",
    );

    let (status, done) = app.patch(&app.admin, &item_path, json!({"status": "Done"}));
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["overdue"], false);
    assert!(done["done_at"].is_string());
    let (status, verified) = app.post(
        &app.admin,
        &format!("{item_path}/verify"),
        json!({"how": "The alert fired in the game day"}),
    );
    assert_eq!(status, 200, "{verified}");
    assert_eq!(
        verified["verified"]["how"],
        "The alert fired in the game day"
    );
    assert_eq!(verified["verified"]["by"]["email"], "admin@example.com");

    // Reopened: the verification no longer stands.
    let (_, reopened) = app.patch(&app.admin, &item_path, json!({"status": "Open"}));
    assert_eq!(reopened["verified"], Value::Null);
    assert_eq!(reopened["done_at"], Value::Null);
    let (_, cleared) = app.patch(&app.admin, &item_path, json!({"owner": null, "due": null}));
    assert_eq!(cleared["owner"], Value::Null);
    assert_eq!(cleared["due"], Value::Null);

    let (status, listed) = app.get(&viewer, &path);
    assert_eq!(status, 200);
    assert_eq!(listed["action_items"].as_array().unwrap().len(), 2);
    let events = timeline(&app, &key);
    for expected in [
        format!("Ada Admin added action item #{id} \"Alert on pool usage above 80%\""),
        format!(
            "Ada Admin changed action item #{id} \"Alert on pool usage above 80%\": status In Progress"
        ),
        format!("Ada Admin finished action item #{id} \"Alert on pool usage above 80%\""),
        format!(
            "Ada Admin verified action item #{id} \"Alert on pool usage above 80%\": The alert fired in the game day"
        ),
        format!("Ada Admin reopened action item #{id} \"Alert on pool usage above 80%\""),
        format!(
            "Ada Admin changed action item #{id} \"Alert on pool usage above 80%\": owner none, due none"
        ),
    ] {
        assert!(events.contains(&expected), "{expected} in {events:?}");
    }
    assert_eq!(app.get(&app.admin, "/api/v1/action-items/999").0, 405);
    let answer = app.patch(
        &app.admin,
        "/api/v1/action-items/999",
        json!({"status": "Done"}),
    );
    assert_eq!(answer.0, 404, "{}", answer.1);
}

on_both_backends!(action_items_are_tracked_to_done_and_verified);

fn owners_are_reminded_before_and_on_the_due_day(backend: Backend) {
    let app = TestApp::spawn(backend);
    let receiver = Receiver::start();
    reachable(&app, "ann@example.com", &receiver);
    let incident = app.incident(json!({"summary": "Disk full", "priority": "P3"}));
    let key = incident["key"].as_str().unwrap().to_string();
    let path = format!("/api/v1/incidents/{key}/action-items");
    // Now is 2026-11-22 10:00 UTC: reminded on the 23rd and the 25th at 00:00 UTC.
    let (status, item) = app.post(
        &app.admin,
        &path,
        json!({"title": "Alert on disk usage", "owner": "ann@example.com", "due": "2026-11-25"}),
    );
    assert_eq!(status, 201, "{item}");
    let id = item["id"].as_i64().unwrap();
    // Done before its first reminder: its owner hears nothing.
    let (_, done_early) = app.post(
        &app.admin,
        &path,
        json!({"title": "Rotate logs", "owner": "ann@example.com", "due": "2026-11-24"}),
    );
    let done_id = done_early["id"].as_i64().unwrap();
    let (status, _) = app.patch(
        &app.admin,
        &format!("/api/v1/action-items/{done_id}"),
        json!({"status": "Done"}),
    );
    assert_eq!(status, 200);

    app.advance(13 * 60 + 59);
    app.advance(1);
    let first = &receiver.wait_for(1)[0];
    assert_eq!(first.path, "/ann@example.com");
    let body: Value = serde_json::from_str(&first.body).unwrap();
    assert_eq!(body["event"], "incident.action_item_due");
    assert_eq!(body["incident"]["key"], key.as_str());
    assert_eq!(body["action_item"]["id"], id);
    assert_eq!(body["action_item"]["due"], "2026-11-25");
    let reminded = format!(
        "Triage reminded the owner of action item #{id} \"Alert on disk usage\": ann@example.com, due 2026-11-25"
    );
    until(|| timeline(&app, &key).contains(&reminded));

    // Moved a day later: its reminders follow it (two days before, on the 24th, and on
    // the 26th).
    let (status, _) = app.patch(
        &app.admin,
        &format!("/api/v1/action-items/{id}"),
        json!({"due": "2026-11-26"}),
    );
    assert_eq!(status, 200);
    app.advance(24 * 60);
    receiver.wait_for(2);
    app.advance(24 * 60);
    app.advance(24 * 60);
    let last: Value = serde_json::from_str(&receiver.wait_for(3)[2].body).unwrap();
    assert_eq!(last["action_item"]["due"], "2026-11-26");
    until(|| {
        timeline(&app, &key)
            .iter()
            .filter(|e| e.contains("reminded the owner"))
            .count()
            == 3
    });
    // Nothing more is due: past its due day, the backlog shows it overdue instead. (The
    // step at 23:59 sent nothing, nor did the 25th, nor the item done early: three in
    // all.)
    app.advance(7 * 24 * 60);
    assert_eq!(receiver.all().len(), 3, "{:?}", receiver.all());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM action_items WHERE remind_at IS NOT NULL"),
        0
    );
    assert_eq!(backlog(&app, "?overdue=true").len(), 1);
}

on_both_backends!(owners_are_reminded_before_and_on_the_due_day);
