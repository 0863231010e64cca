//! Paging end to end, on both backends: a P1 incident on a service with an escalation
//! policy pages level 1 at once (a real webhook receiver on loopback gets a signed
//! request), the next level after the delay on the test clock, an acknowledgement stops
//! the escalation, failed deliveries are retried, and P3 incidents page nobody.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{START, TestApp, assert_error, until};
use triage_testdb::receiver::{Received, Receiver};

/// A responder with a webhook contact method pointing at `receiver`; answers their
/// token and the webhook's signing secret.
pub fn reachable(app: &TestApp, email: &str, receiver: &Receiver) -> (String, String) {
    let token = app.user(email, "responder", &[]);
    let (status, method) = app.post(
        &token,
        "/api/v1/me/contact-methods",
        json!({"kind": "webhook", "address": format!("{}/{email}", receiver.url)}),
    );
    assert_eq!(status, 201, "{method}");
    (token, method["secret"].as_str().unwrap().to_string())
}

pub fn verify(request: &Received, secret: &str) {
    let stamp = &request.headers["x-triage-timestamp"];
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{stamp}.{}", request.body).as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(request.headers["x-triage-signature"], expected);
    assert!(request.headers["idempotency-key"].starts_with("page-"));
}

pub fn timeline(app: &TestApp, key: &str) -> Vec<String> {
    let (_, events) = app.get(&app.admin, &format!("/api/v1/incidents/{key}/timeline"));
    events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Ann (on call in schedule `primary`) and her lead, each with a webhook at `receiver`;
/// service `storage` escalates to Ann, then after 5 minutes to the lead. Answers their
/// tokens and webhook secrets.
pub fn setup(app: &TestApp, receiver: &Receiver) -> (String, String, String, String) {
    let (ann, ann_secret) = reachable(app, "ann@example.com", receiver);
    let (lead, lead_secret) = reachable(app, "lead@example.com", receiver);
    let (status, body) = app.post(
        &ann,
        "/api/v1/schedules",
        json!({"name": "primary", "time_zone": "UTC", "layers": [
            {"users": ["ann@example.com"], "shift": "1w", "start": "2026-11-16T09:00"}]}),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = app.post(
        &ann,
        "/api/v1/escalation-policies",
        json!({"name": "storage", "levels": [
            {"targets": [{"schedule": "primary"}], "delay": "5m"},
            {"targets": [{"user": "lead@example.com"}], "delay": "10m"}]}),
    );
    assert_eq!(status, 201, "{body}");
    app.integration("storage", "webhook");
    let (status, body) = app.patch(
        &app.admin,
        "/api/v1/services/storage",
        json!({"escalation_policy": "storage"}),
    );
    assert_eq!(status, 200, "{body}");
    (ann, ann_secret, lead, lead_secret)
}

fn a_p1_incident_pages_level_by_level_until_acknowledged(backend: Backend) {
    let app = TestApp::spawn(backend);
    let receiver = Receiver::start();
    let (_ann, ann_secret, lead, lead_secret) = setup(&app, &receiver);

    let incident = app
        .incident(json!({"summary": "Checkout down", "priority": "P1", "services": ["storage"]}));
    let key = incident["key"].as_str().unwrap().to_string();
    let first = receiver.wait_for(1);
    assert_eq!(first[0].path, "/ann@example.com");
    verify(&first[0], &ann_secret);
    let page: Value = serde_json::from_str(&first[0].body).unwrap();
    assert_eq!(page["incident"]["key"], key.as_str());
    assert_eq!(page["incident"]["priority"], "P1");
    assert_eq!(
        (page["level"].as_i64(), page["user"].as_str()),
        (Some(1), Some("ann@example.com"))
    );

    // The page is on the timeline, and the paged responder has the incident.
    let (_, shown) = app.get(&app.admin, &format!("/api/v1/incidents/{key}"));
    assert_eq!(shown["assignee"]["email"], "ann@example.com");
    let events = timeline(&app, &key);
    assert!(
        events
            .iter()
            .any(|e| e.contains("paged ann@example.com (level 1)")),
        "{events:?}"
    );

    // Nobody acknowledges: level 2 five minutes later, not before.
    app.advance(4);
    app.advance(1);
    let second = receiver.wait_for(2);
    assert_eq!(second[1].path, "/lead@example.com");
    verify(&second[1], &lead_secret);

    // The lead acknowledges: the escalation stops, nothing more is queued.
    let (status, acked) = app.post(
        &lead,
        &format!("/api/v1/incidents/{key}/acknowledge"),
        json!({}),
    );
    assert_eq!(status, 200, "{acked}");
    assert!(acked["acknowledged_at"].is_string());
    assert_error(
        &app.post(
            &lead,
            &format!("/api/v1/incidents/{key}/acknowledge"),
            json!({}),
        ),
        409,
        "state_conflict",
        "is acknowledged already",
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM escalations WHERE state = 'active'"),
        0
    );
    app.advance(60);
    let events = timeline(&app, &key);
    assert!(
        events
            .iter()
            .any(|e| e.contains("ended the escalation: acknowledged by lead@example.com")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.contains("notified ann@example.com by webhook")),
        "{events:?}"
    );
    // Ann, paged before, hears that the lead has it; the lead hears nothing more.
    let told = receiver.wait_for(3);
    assert_eq!(told[2].path, "/ann@example.com");
    let notice: Value = serde_json::from_str(&told[2].body).unwrap();
    assert_eq!(notice["event"], "incident.acknowledged");
    assert_eq!(notice["by"], "lead@example.com");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox"), 3);

    // P3 incidents notify nobody by page.
    let third =
        app.incident(json!({"summary": "Queue slow", "priority": "P2", "services": ["storage"]}));
    let third = third["key"].as_str().unwrap().to_string();
    receiver.wait_for(4);
    // Escalating by hand pages level 2 now, without waiting for the delay.
    let (status, body) = app.post(
        &lead,
        &format!("/api/v1/incidents/{third}/escalate"),
        json!({}),
    );
    assert_eq!(status, 200, "{body}");
    let five = receiver.wait_for(5);
    assert_eq!(five[4].path, "/lead@example.com");
    until(|| {
        timeline(&app, &third)
            .iter()
            .any(|e| e.contains("paged lead@example.com (level 2)"))
    });
    assert_error(
        &app.post(
            &lead,
            &format!("/api/v1/incidents/{third}/escalate"),
            json!({}),
        ),
        409,
        "state_conflict",
        "every level",
    );
    assert_error(
        &app.post(
            &lead,
            &format!("/api/v1/incidents/{key}/escalate"),
            json!({}),
        ),
        409,
        "state_conflict",
        "is acknowledged",
    );
    let slow =
        app.incident(json!({"summary": "Slow search", "priority": "P3", "services": ["storage"]}));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM escalations"), 2);
    assert_error(
        &app.post(
            &lead,
            &format!(
                "/api/v1/incidents/{}/escalate",
                slow["key"].as_str().unwrap()
            ),
            json!({}),
        ),
        422,
        "invalid_value",
        "has no escalation",
    );
}

fn failed_deliveries_are_retried_and_every_attempt_is_on_the_timeline(backend: Backend) {
    let app = TestApp::spawn(backend);
    let receiver = Receiver::start();
    setup(&app, &receiver);
    receiver.answer(&[500]);
    let incident =
        app.incident(json!({"summary": "Disk full", "priority": "P2", "services": ["storage"]}));
    let key = incident["key"].as_str().unwrap().to_string();
    receiver.wait_for(1);
    until(|| app.scalar("SELECT COUNT(*) FROM outbox WHERE last_error IS NOT NULL") == 1);
    // The retry comes after the backoff on the test clock, with the same idempotency key.
    app.advance(1);
    let both = receiver.wait_for(2);
    assert_eq!(
        both[0].headers["idempotency-key"],
        both[1].headers["idempotency-key"]
    );
    // The failure and the success are both recorded.
    until(|| app.scalar("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NOT NULL") == 1);
    let events = timeline(&app, &key);
    assert!(
        events.iter().any(|e| e.contains(
            "could not notify ann@example.com by webhook (attempt 1): the receiver answered 500"
        )),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.contains("notified ann@example.com by webhook")),
        "{events:?}"
    );
}

fn contact_methods_are_checked(backend: Backend) {
    let app = TestApp::spawn(backend);
    let token = app.user("ann@example.com", "responder", &[]);
    for (body, message) in [
        (
            json!({"kind": "pigeon", "address": "x"}),
            "use webhook, slack, teams",
        ),
        (
            json!({"kind": "webhook", "address": "ftp://x"}),
            "needs an http:// or https:// URL",
        ),
        (
            json!({"kind": "email", "address": "ann at example"}),
            "'ann at example' is not an e-mail address",
        ),
        (
            json!({"kind": "slack", "address": "https://hooks.slack.com/x", "after": "soon"}),
            "duration 'soon'",
        ),
    ] {
        assert_error(
            &app.post(&token, "/api/v1/me/contact-methods", body),
            422,
            "invalid_value",
            message,
        );
    }
    let (status, added) = app.post(
        &token,
        "/api/v1/me/contact-methods",
        json!({"kind": "slack", "address": "https://hooks.slack.com/services/T/B/X", "after": "2m"}),
    );
    assert_eq!(status, 201, "{added}");
    assert_eq!(
        (added["after"].as_str(), added["secret"].is_null()),
        (Some("2m"), true)
    );
    let (_, listed) = app.get(&token, "/api/v1/me/contact-methods");
    assert_eq!(listed["contact_methods"].as_array().unwrap().len(), 1);
    let id = added["id"].as_i64().unwrap();
    assert_eq!(
        app.delete(&token, &format!("/api/v1/me/contact-methods/{id}"))
            .0,
        204
    );
    assert_error(
        &app.delete(&token, &format!("/api/v1/me/contact-methods/{id}")),
        404,
        "not_found",
        "no contact method",
    );

    // An admin sets up someone else's paging; nobody else may.
    let path = "/api/v1/users/ann@example.com/contact-methods";
    let email = json!({"kind": "email", "address": "ann@example.com", "after": "5m"});
    assert_eq!(app.post(&token, path, email.clone()).0, 403);
    assert_eq!(app.get(&token, path).0, 403);
    let (status, added) = app.post(&app.admin, path, email);
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["user"], "ann@example.com");
    let (_, mine) = app.get(&token, "/api/v1/me/contact-methods");
    assert_eq!(mine["contact_methods"][0]["kind"], "email");
    let (status, theirs) = app.get(&app.admin, path);
    assert_eq!(
        (status, theirs["contact_methods"].as_array().unwrap().len()),
        (200, 1)
    );
    let id = added["id"].as_i64().unwrap();
    assert_error(
        &app.delete(
            &app.admin,
            &format!("/api/v1/users/nobody@example.com/contact-methods/{id}"),
        ),
        404,
        "not_found",
        "nobody@example.com",
    );
    assert_eq!(app.delete(&app.admin, &format!("{path}/{id}")).0, 204);
}

on_both_backends!(a_p1_incident_pages_level_by_level_until_acknowledged);
on_both_backends!(failed_deliveries_are_retried_and_every_attempt_is_on_the_timeline);
on_both_backends!(contact_methods_are_checked);

fn a_missed_response_time_is_recorded_and_the_sre_group_told(backend: Backend) {
    let app = TestApp::spawn(backend);
    let receiver = Receiver::start();
    // The admin is in `sre`; give them a way to be reached.
    let (status, _) = app.post(
        &app.admin,
        "/api/v1/me/contact-methods",
        json!({"kind": "webhook", "address": format!("{}/sre", receiver.url)}),
    );
    assert_eq!(status, 201);
    let incident = app.incident(json!({"summary": "Payments failing", "priority": "P1"}));
    let key = incident["key"].as_str().unwrap().to_string();
    assert_eq!(incident["response_due_at"], "2026-11-22T10:15:00Z");
    // A priority change moves the deadline: P2 has an hour.
    let (status, changed) = app.patch(
        &app.admin,
        &format!("/api/v1/incidents/{key}"),
        json!({"priority": "P2"}),
    );
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["response_due_at"], "2026-11-22T11:00:00Z");
    app.advance(59);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM outbox"), 0);
    app.advance(1);
    let told = receiver.wait_for(1);
    let breach: Value = serde_json::from_str(&told[0].body).unwrap();
    assert_eq!(breach["event"], "incident.response_breached");
    assert_eq!(breach["incident"]["key"], key.as_str());
    let events = timeline(&app, &key);
    assert!(
        events.iter().any(|e| e.contains(
            "recorded a breach of the P2 response time: not acknowledged by 2026-11-22 11:00 UTC"
        )),
        "{events:?}"
    );
    // Once: later looks record nothing more.
    app.advance(60);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE kind = 'response_breached'"),
        1
    );
}

on_both_backends!(a_missed_response_time_is_recorded_and_the_sre_group_told);

fn an_incident_closed_before_its_deadline_is_not_breached(backend: Backend) {
    let app = TestApp::spawn(backend);
    let incident = app.incident(json!({"summary": "Flapping probe", "priority": "P1"}));
    let key = incident["key"].as_str().unwrap().to_string();
    let (status, body) = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({"name": "False Alarm"}),
    );
    assert_eq!(status, 200, "{body}");
    // Nobody acknowledged it, but it ended before its 15 minutes were up.
    app.advance(30);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE kind = 'response_breached'"),
        0
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM incidents WHERE response_breached_at IS NOT NULL"),
        0
    );
}

on_both_backends!(an_incident_closed_before_its_deadline_is_not_breached);

fn a_breach_tells_the_assignee_and_the_level_paged_last(backend: Backend) {
    let app = TestApp::spawn(backend);
    let receiver = Receiver::start();
    setup(&app, &receiver);
    let incident = app
        .incident(json!({"summary": "Checkout down", "priority": "P1", "services": ["storage"]}));
    let key = incident["key"].as_str().unwrap().to_string();
    receiver.wait_for(1);
    app.advance(5);
    receiver.wait_for(2);
    // Nobody acknowledges within P1's 15 minutes: Ann (the assignee, level 1) and the
    // lead (level 2, paged last) hear of the breach.
    app.advance(10);
    let received = receiver.wait_for(4);
    let mut breached: Vec<&str> = received[2..]
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(body["event"], "incident.response_breached");
            assert_eq!(body["incident"]["key"], key.as_str());
            r.path.as_str()
        })
        .collect();
    breached.sort();
    assert_eq!(breached, ["/ann@example.com", "/lead@example.com"]);
}

on_both_backends!(a_breach_tells_the_assignee_and_the_level_paged_last);

fn an_acknowledgement_without_progress_lapses_and_paging_starts_over(backend: Backend) {
    let app = TestApp::spawn(backend);
    let receiver = Receiver::start();
    let (ann, _, _, _) = setup(&app, &receiver);
    let (status, body) = app.put(
        &ann,
        "/api/v1/escalation-policies/storage",
        json!({"ack_timeout": "30m", "levels": [
            {"targets": [{"schedule": "primary"}], "delay": "5m"},
            {"targets": [{"user": "lead@example.com"}], "delay": "10m"}]}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ack_timeout"], "30m");
    let first =
        app.incident(json!({"summary": "Queue stuck", "priority": "P1", "services": ["storage"]}));
    let first = first["key"].as_str().unwrap().to_string();
    let second =
        app.incident(json!({"summary": "Cache cold", "priority": "P1", "services": ["storage"]}));
    let second = second["key"].as_str().unwrap().to_string();
    receiver.wait_for(2);
    for key in [&first, &second] {
        let (status, _) = app.post(
            &ann,
            &format!("/api/v1/incidents/{key}/acknowledge"),
            json!({}),
        );
        assert_eq!(status, 200);
    }
    // Progress on the second one: a comment.
    let (status, _) = app.post(
        &ann,
        &format!("/api/v1/incidents/{second}/comments"),
        json!({"body": "Warming it up"}),
    );
    assert_eq!(status, 201);
    app.advance(30);
    // The first one's acknowledgement lapses: level 1 pages again, as a new notification.
    let pages = receiver.wait_for(3);
    let third: Value = serde_json::from_str(&pages[2].body).unwrap();
    assert_eq!(third["incident"]["key"], first.as_str());
    assert_ne!(
        pages[2].headers["idempotency-key"],
        pages[0].headers["idempotency-key"]
    );
    let events = timeline(&app, &first);
    assert!(
        events
            .iter()
            .any(|e| e.contains("let the acknowledgement lapse: no transition or comment in 30m")),
        "{events:?}"
    );
    // The response record keeps the first acknowledgement; only the round lapsed, and
    // it can be acknowledged again.
    let (_, shown) = app.get(&ann, &format!("/api/v1/incidents/{first}"));
    assert_eq!(shown["acknowledged_at"], START);
    let (status, body) = app.post(
        &ann,
        &format!("/api/v1/incidents/{first}/acknowledge"),
        json!({}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["acknowledged_at"], START);
    // The second keeps its acknowledgement, and its escalation stays stopped; the
    // first's new round ended with the new acknowledgement.
    let (_, shown) = app.get(&ann, &format!("/api/v1/incidents/{second}"));
    assert!(shown["acknowledged_at"].is_string());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM escalations WHERE state = 'active'"),
        0
    );
}

on_both_backends!(an_acknowledgement_without_progress_lapses_and_paging_starts_over);
