//! Stakeholder updates and the update cadence, on both backends: an update reaches every
//! stakeholder (a webhook, a Slack channel at a real receiver, a group and an address
//! through a real SMTP sink), shows on the timeline and, when public, on the status
//! page; bad input changes nothing; a working SEV1 incident is due an update every 30
//! minutes on the test clock, its assignee is reminded when one is overdue, and the
//! incident counts the intervals kept and missed.

use serde_json::{Value, json};
use triage_testdb::receiver::Receiver;
use triage_testdb::smtp::SmtpSink;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{TestApp, assert_error};
use crate::paging::{reachable, timeline};
use crate::status_page::{nothing_leaks, public};

fn add(app: &TestApp, key: &str, kind: &str, target: &str) -> Value {
    let (status, body) = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/stakeholders"),
        json!({ "kind": kind, "target": target }),
    );
    assert_eq!(status, 201, "{body}");
    body
}

fn post_update(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, answer) = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/updates"),
        body,
    );
    assert_eq!(status, 201, "{answer}");
    answer
}

fn incident(app: &TestApp, key: &str) -> Value {
    let (status, body) = app.get(&app.admin, &format!("/api/v1/incidents/{key}"));
    assert_eq!(status, 200, "{body}");
    body
}

fn an_update_reaches_every_stakeholder(backend: Backend) {
    let sink = SmtpSink::start();
    let app = TestApp::spawn_mailing(backend, &sink.url);
    let receiver = Receiver::start();
    let (status, body) = app.post(&app.admin, "/api/v1/groups", json!({"name": "leadership"}));
    assert_eq!(status, 201, "{body}");
    app.user("cfo@example.com", "viewer", &["leadership"]);
    let created = app.incident(json!({"summary": "Checkout down", "priority": "P1",
                                      "severity": "SEV1"}));
    let key = created["key"].as_str().unwrap().to_string();
    add(
        &app,
        &key,
        "webhook",
        &format!("{}/status-hook", receiver.url),
    );
    let slack = add(
        &app,
        &key,
        "slack",
        &format!("{}/services/T0/B0/secret", receiver.url),
    );
    assert_eq!(
        slack["label"],
        format!("slack {}", receiver.url.trim_start_matches("http://"))
    );
    add(&app, &key, "group", "leadership");
    add(&app, &key, "email", "Board@Example.com");

    let update = post_update(
        &app,
        &key,
        json!({"message": "Failing over to the standby database",
               "impact": "EU checkouts fail", "next_update_in": "15m"}),
    );
    assert_eq!(update["incident"], key.as_str());
    assert_eq!(update["status"], "Open");
    assert_eq!(update["next_update_at"], "2026-11-22T10:15:00Z");
    assert_eq!(update["author"]["email"], "admin@example.com");
    assert_eq!(update["public_update_id"], Value::Null);
    let recipients: Vec<&str> = update["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(recipients.len(), 4, "{recipients:?}");
    assert!(recipients.contains(&"group leadership"));
    assert!(recipients.contains(&"email board@example.com"));

    // The webhook gets the update's JSON, the Slack channel a message with blocks.
    let received = receiver.wait_for(2);
    let hook = received.iter().find(|r| r.path == "/status-hook").unwrap();
    let payload: Value = serde_json::from_str(&hook.body).unwrap();
    assert_eq!(payload["event"], "incident.stakeholder_update");
    assert_eq!(payload["incident"]["key"], key.as_str());
    assert_eq!(
        payload["update"]["message"],
        "Failing over to the standby database"
    );
    assert_eq!(payload["update"]["impact"], "EU checkouts fail");
    assert_eq!(payload["links"]["acknowledge"], Value::Null);
    assert!(hook.headers["idempotency-key"].starts_with("update-"));
    let chat = received
        .iter()
        .find(|r| r.path == "/services/T0/B0/secret")
        .unwrap();
    let chat: Value = serde_json::from_str(&chat.body).unwrap();
    assert_eq!(
        chat["text"],
        format!("Update: {key} P1: Checkout down (Open)")
    );
    assert_eq!(
        chat["blocks"][1]["text"]["text"],
        "Failing over to the standby database"
    );
    // The group's member and the address by e-mail.
    let mut mails = sink.wait_for(2);
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(mails[0].to, ["board@example.com"]);
    assert_eq!(mails[1].to, ["cfo@example.com"]);
    assert_eq!(
        mails[0].header("Subject").unwrap(),
        format!("Update: {key} P1: Checkout down (Open)")
    );
    let body = mails[0].body();
    assert!(
        body.starts_with("Failing over to the standby database"),
        "{body}"
    );
    assert!(body.contains("Impact: EU checkouts fail"), "{body}");
    assert!(body.contains("Next update: 2026-11-22 10:15 UTC"), "{body}");
    assert!(!body.contains("Acknowledge"), "{body}");

    // On the timeline, with each delivery; and listed.
    crate::harness::until(|| {
        timeline(&app, &key)
            .iter()
            .filter(|e| e.starts_with("Triage notified"))
            .count()
            == 4
    });
    let events = timeline(&app, &key);
    assert!(
        events.iter().any(|e| e.starts_with(
            "Ada Admin updated the stakeholders: Failing over to the standby database (to webhook "
        ) && e.ends_with("; next update by 2026-11-22 10:15 UTC")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e == "Triage notified board@example.com by email"),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e == "Ada Admin added group leadership to the stakeholders"),
        "{events:?}"
    );
    // A web hook's URL is a secret: the timeline shows its host only.
    assert!(
        !events.iter().any(|e| e.contains("/services/T0/B0/secret")),
        "{events:?}"
    );
    let (_, listed) = app.get(&app.admin, &format!("/api/v1/incidents/{key}/updates"));
    assert_eq!(listed["updates"][0]["id"], update["id"]);
    assert_eq!(listed["updates"][0]["recipients"], update["recipients"]);

    // Removing a stakeholder: the next update goes to the others only.
    let (_, listed) = app.get(&app.admin, &format!("/api/v1/incidents/{key}/stakeholders"));
    let group = listed["stakeholders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "group")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app.delete(
        &app.admin,
        &format!("/api/v1/incidents/{key}/stakeholders/{group}"),
    );
    assert_eq!(status, 204);
    let second = post_update(&app, &key, json!({"message": "Standby is serving"}));
    assert_eq!(second["recipients"].as_array().unwrap().len(), 3);
    sink.wait_for(3);
    receiver.wait_for(4);
    assert_eq!(sink.mails().len(), 3, "the group's member heard once");
}

on_both_backends!(an_update_reaches_every_stakeholder);

fn bad_updates_and_stakeholders_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let viewer = app.user("viewer@example.com", "viewer", &[]);
    let created = app.incident(json!({"summary": "Checkout down", "priority": "P1"}));
    let key = created["key"].as_str().unwrap().to_string();
    add(&app, &key, "user", "viewer@example.com");
    let before = app.snapshot();
    let path = format!("/api/v1/incidents/{key}/updates");
    let cases = [
        (
            json!({"message": "  "}),
            "the update's message must not be empty",
        ),
        (
            json!({"message": "x", "next_update_in": "2d"}),
            "next_update_in '2d' is not allowed: write a duration from 1m to 24h",
        ),
        (
            json!({"message": "x", "public_status": "identified"}),
            "public_status moves the status page",
        ),
        (
            json!({"message": "x", "public": true}),
            "has no open incident on the status page: publish it first",
        ),
    ];
    for (body, message) in cases {
        let answer = app.post(&app.admin, &path, body);
        assert_error(&answer, 422, "invalid_value", message);
    }
    let answer = app.post(&app.admin, &path, json!({"message": "x", "extra": 1}));
    assert_error(&answer, 422, "invalid_field", "unknown field `extra`");
    let answer = app.post(&viewer, &path, json!({"message": "x"}));
    assert_eq!(answer.0, 403, "{}", answer.1);
    let answer = app.post(
        &app.admin,
        "/api/v1/incidents/INC-99/updates",
        json!({"message": "x"}),
    );
    assert_eq!(answer.0, 404, "{}", answer.1);

    let path = format!("/api/v1/incidents/{key}/stakeholders");
    let answer = app.post(&app.admin, &path, json!({"kind": "pager", "target": "x"}));
    assert_error(
        &answer,
        422,
        "invalid_value",
        "stakeholder kind 'pager' is not allowed: use user, group, email, webhook, slack or teams",
    );
    let answer = app.post(
        &app.admin,
        &path,
        json!({"kind": "slack", "target": "#ops"}),
    );
    assert_error(
        &answer,
        422,
        "invalid_value",
        "a slack stakeholder needs an http:// or https:// URL, not '#ops'",
    );
    let answer = app.post(&app.admin, &path, json!({"kind": "email", "target": "ops"}));
    assert_error(
        &answer,
        422,
        "invalid_value",
        "'ops' is not an e-mail address",
    );
    let answer = app.post(
        &app.admin,
        &path,
        json!({"kind": "group", "target": "nobody"}),
    );
    assert_eq!(answer.0, 404, "{}", answer.1);
    let answer = app.post(
        &app.admin,
        &path,
        json!({"kind": "user", "target": "Viewer@Example.com"}),
    );
    assert_error(
        &answer,
        409,
        "already_exists",
        "user viewer@example.com is already a stakeholder of",
    );
    let answer = app.delete(&app.admin, &format!("{path}/999"));
    assert_eq!(answer.0, 404, "{}", answer.1);
    assert_eq!(app.snapshot(), before);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM stakeholder_updates"), 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incident_stakeholders"), 1);
}

on_both_backends!(bad_updates_and_stakeholders_change_nothing);

fn a_public_update_moves_the_status_page_in_the_same_transaction(backend: Backend) {
    let app = TestApp::spawn(backend);
    let created = app.incident(json!({"summary": "db-7 disk full", "priority": "P1",
                                      "severity": "SEV2",
                                      "description": "INTERNAL-ONLY details"}));
    let key = created["key"].as_str().unwrap().to_string();
    let (status, published) = app.post(
        &app.admin,
        "/api/v1/status-page/incidents",
        json!({"incident": key, "name": "Slow checkouts", "body": "We are investigating."}),
    );
    assert_eq!(status, 201, "{published}");
    let update = post_update(
        &app,
        &key,
        json!({"message": "We found the cause and are fixing it.", "public": true,
               "public_status": "identified"}),
    );
    assert!(update["public_update_id"].is_i64(), "{update}");
    let summary = public(&app, "/api/v2/summary.json");
    let open = &summary["incidents"][0];
    assert_eq!(open["status"], "identified");
    assert_eq!(
        open["incident_updates"][0]["body"],
        "We found the cause and are fixing it."
    );
    // Without a public status the public incident keeps its own.
    post_update(
        &app,
        &key,
        json!({"message": "The fix is rolling out.", "public": true}),
    );
    let summary = public(&app, "/api/v2/summary.json");
    assert_eq!(summary["incidents"][0]["status"], "identified");
    assert_eq!(
        summary["incidents"][0]["incident_updates"][0]["body"],
        "The fix is rolling out."
    );
    nothing_leaks(&app);
    // A bad public status refuses the whole update: no stakeholder update either.
    let before = app.scalar("SELECT COUNT(*) FROM stakeholder_updates");
    let answer = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/updates"),
        json!({"message": "x", "public": true, "public_status": "scheduled"}),
    );
    assert_eq!(answer.0, 422, "{}", answer.1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM stakeholder_updates"),
        before
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM public_updates"), 3);
}

on_both_backends!(a_public_update_moves_the_status_page_in_the_same_transaction);

fn a_working_sev1_is_due_an_update_every_half_hour(backend: Backend) {
    let app = TestApp::spawn(backend);
    let receiver = Receiver::start();
    reachable(&app, "ann@example.com", &receiver);
    // P3: its response deadline (4 hours) stays out of the way of the reminders.
    let created = app.incident(json!({"summary": "Checkout down", "priority": "P3",
                                      "severity": "SEV1", "assignee": "ann@example.com"}));
    let key = created["key"].as_str().unwrap().to_string();
    // Open is not being worked yet: no update is due.
    assert_eq!(created["update_due_at"], Value::Null);
    let (status, moved) = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({"name": "Investigating"}),
    );
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["update_due_at"], "2026-11-22T10:30:00Z");
    assert_eq!(moved["update_cadence"], json!({"kept": 0, "missed": 0}));

    // An update after 20 minutes keeps the cadence; the next is due 30 minutes later.
    app.advance(20);
    post_update(&app, &key, json!({"message": "Rolling back the deploy"}));
    let now = incident(&app, &key);
    assert_eq!(now["update_due_at"], "2026-11-22T10:50:00Z");
    assert_eq!(now["update_cadence"], json!({"kept": 1, "missed": 0}));

    // Nothing for 30 minutes: Ann is reminded, the miss counted.
    app.advance(29);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE kind = 'update_overdue'"),
        0
    );
    app.advance(1);
    let reminder = &receiver.wait_for(1)[0];
    assert_eq!(reminder.path, "/ann@example.com");
    let body: Value = serde_json::from_str(&reminder.body).unwrap();
    assert_eq!(body["event"], "incident.update_overdue");
    assert_eq!(body["incident"]["key"], key.as_str());
    assert_eq!(body["due"], "2026-11-22T10:50:00Z");
    let now = incident(&app, &key);
    assert_eq!(now["update_overdue_at"], "2026-11-22T10:50:00Z");
    assert_eq!(now["update_due_at"], "2026-11-22T11:20:00Z");
    assert_eq!(now["update_cadence"], json!({"kept": 1, "missed": 1}));
    let events = timeline(&app, &key);
    assert!(
        events.iter().any(|e| e
            == "Triage recorded an overdue stakeholder update, due 2026-11-22 10:50 UTC; reminded ann@example.com"),
        "{events:?}"
    );
    // Reminded again each interval until an update comes.
    app.advance(30);
    receiver.wait_for(2);
    assert_eq!(
        incident(&app, &key)["update_cadence"],
        json!({"kept": 1, "missed": 2})
    );
    app.advance(5);
    post_update(
        &app,
        &key,
        json!({"message": "Rolled back; watching", "next_update_in": "10m"}),
    );
    let now = incident(&app, &key);
    assert_eq!(now["update_overdue_at"], Value::Null);
    assert_eq!(
        now["update_due_at"], "2026-11-22T11:35:00Z",
        "the promise is sooner"
    );
    assert_eq!(now["update_cadence"], json!({"kept": 1, "missed": 2}));

    // SEV3 asks for no cadence: the promise is dropped with it.
    let (status, changed) = app.patch(
        &app.admin,
        &format!("/api/v1/incidents/{key}"),
        json!({"severity": "SEV3"}),
    );
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["update_due_at"], Value::Null);
    // Back to SEV2: due 30 minutes after the last update.
    let (_, changed) = app.patch(
        &app.admin,
        &format!("/api/v1/incidents/{key}"),
        json!({"severity": "SEV2"}),
    );
    assert_eq!(changed["update_due_at"], "2026-11-22T11:55:00Z");
    // Leaving the In Progress statuses stops it.
    let (status, done) = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({"name": "False Alarm"}),
    );
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["update_due_at"], Value::Null);
    app.advance(120);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE kind = 'update_overdue'"),
        2
    );
}

on_both_backends!(a_working_sev1_is_due_an_update_every_half_hour);
