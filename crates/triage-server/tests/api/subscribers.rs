//! Status page subscribers, on both backends: an address subscribed on the public page
//! gets a confirmation through a real SMTP sink and nothing else until its link is
//! followed (and its button pressed); then every public update of its components, with a
//! one-click unsubscribe link that ends it; a webhook added by an admin gets
//! Statuspage-shaped JSON at a real receiver. Nothing internal is in any of it.

use serde_json::{Value, json};
use triage_testdb::receiver::Receiver;
use triage_testdb::smtp::{Mail, SmtpSink};
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{TestApp, assert_error};
use crate::web::Browser;

/// Components API and Checkout, and INC-1 (with internal-only words) to publish.
fn outage(app: &TestApp) {
    for name in ["API", "Checkout"] {
        let (status, body) = app.post(
            &app.admin,
            "/api/v1/status-page/components",
            json!({ "name": name }),
        );
        assert_eq!(status, 201, "{body}");
    }
    app.incident(
        json!({"summary": "INTERNAL-ONLY: db-7 pool", "priority": "P1",
                        "severity": "SEV2"}),
    );
}

/// INC-1 published as an outage of Checkout; answers the public incident's id.
fn publish(app: &TestApp) -> i64 {
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/status-page/incidents",
        json!({"incident": "INC-1", "name": "Checkout errors",
               "body": "We are looking into failed checkouts.",
               "components": [{"name": "Checkout"}]}),
    );
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

fn update(app: &TestApp, id: i64, status: &str, text: &str) {
    let (code, body) = app.post(
        &app.admin,
        &format!("/api/v1/status-page/incidents/{id}/updates"),
        json!({"status": status, "body": text}),
    );
    assert_eq!(code, 201, "{body}");
}

/// The path of the first line of `mail` starting with `prefix`, after the server's URL.
fn link(app: &TestApp, mail: &Mail, prefix: &str) -> String {
    let body = mail.body();
    let line = body
        .lines()
        .find_map(|l| l.trim().strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no '{prefix}' in {body}"))
        .trim()
        .to_string();
    line.strip_prefix(&app.url())
        .unwrap_or_else(|| panic!("{line} is not on {}", app.url()))
        .to_string()
}

fn subscribers(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get(&app.admin, "/api/v1/status-page/subscribers");
    assert_eq!(status, 200, "{body}");
    body["subscribers"].as_array().unwrap().clone()
}

fn an_address_confirms_hears_updates_and_unsubscribes(backend: Backend) {
    let sink = SmtpSink::start();
    let app = TestApp::spawn_mailing(backend, &sink.url);
    outage(&app);
    let mut visitor = Browser::new(&app);

    // The page offers it; a bad address is refused with the form again, nothing kept.
    let page = visitor.get("/status");
    assert!(page.body.contains("action=\"") && page.body.contains("/status/subscribe\""));
    let refused = visitor.post("/status/subscribe", &[("email", "reader at example")]);
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("is not an e-mail address"),
        "{}",
        refused.body
    );
    let refused = visitor.post(
        "/status/subscribe",
        &[("email", "reader@example.com"), ("component", "Payments")],
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("no component named"),
        "{}",
        refused.body
    );
    assert!(subscribers(&app).is_empty());

    let answer = visitor.post("/status/subscribe", &[("email", "Reader@Example.com")]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("Check your inbox"));
    // Another, for the API only (from the page listing the components).
    let form = visitor.get("/status/subscribe");
    assert!(form.body.contains("value=\"Checkout\""), "{}", form.body);
    let answer = visitor.post(
        "/status/subscribe",
        &[("email", "api-only@example.com"), ("component", "API")],
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let mut mails = sink.wait_for(2);
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    let confirm_mail = &mails[1];
    assert_eq!(confirm_mail.to, ["reader@example.com"]);
    assert_eq!(
        confirm_mail.header("Subject").unwrap(),
        "Confirm your subscription to Status"
    );
    let listed = subscribers(&app);
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|s| s["confirmed"] == false));

    // Unconfirmed, it hears nothing of an outage.
    let id = publish(&app);
    let confirm = link(&app, confirm_mail, "Confirm: ");
    // Following the link (a mail scanner does) confirms nothing; the button does.
    let page = visitor.get(&confirm);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Yes, send me updates"), "{}", page.body);
    assert!(subscribers(&app).iter().all(|s| s["confirmed"] == false));
    let done = visitor.post(&confirm, &[]);
    assert_eq!(done.status, 200);
    assert!(
        done.body
            .contains("reader@example.com will get updates on every component")
    );
    assert_eq!(sink.mails().len(), 2, "no update before confirming");

    update(&app, id, "identified", "A faulty deploy; rolling back.");
    let mails = sink.wait_for(3);
    let news = &mails[2];
    assert_eq!(news.to, ["reader@example.com"]);
    assert_eq!(
        news.header("Subject").unwrap(),
        "[Status] Checkout errors: Identified"
    );
    let body = news.body();
    assert!(
        body.contains("Identified: A faulty deploy; rolling back."),
        "{body}"
    );
    assert!(body.contains("Affected: Checkout"), "{body}");
    assert!(
        body.contains(&format!("{}/status/incidents/{id}", app.url())),
        "{body}"
    );
    for secret in ["INTERNAL-ONLY", "INC-1", "admin@example.com"] {
        assert!(!news.data.contains(secret), "the mail shows '{secret}'");
    }
    let unsubscribe = link(
        &app,
        news,
        "You get these because you subscribed to Status. Unsubscribe: ",
    );
    assert_eq!(
        news.header("List-Unsubscribe").unwrap(),
        format!("<{}{unsubscribe}>", app.url())
    );
    assert_eq!(
        news.header("List-Unsubscribe-Post").unwrap(),
        "List-Unsubscribe=One-Click"
    );
    // Resubscribing a confirmed address changes nothing and sends nothing.
    let answer = visitor.post(
        "/status/subscribe",
        &[("email", "reader@example.com"), ("component", "API")],
    );
    assert_eq!(answer.status, 200);

    // One click, as a mail client does it: gone, and hears nothing more.
    let gone = visitor.post(&unsubscribe, &[("List-Unsubscribe", "One-Click")]);
    assert_eq!(gone.status, 200);
    assert!(gone.body.contains("will get no more updates"));
    let again = visitor.get(&unsubscribe);
    assert_eq!(again.status, 404);
    assert!(again.body.contains("Link not valid"));
    update(&app, id, "resolved", "Checkouts work again.");
    // Deliveries are queued with the update itself: none was.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM subscriber_deliveries \
             WHERE public_update_id = (SELECT MAX(id) FROM public_updates)"
        ),
        0
    );
    assert_eq!(sink.mails().len(), 3, "nothing after unsubscribing");
}

on_both_backends!(an_address_confirms_hears_updates_and_unsubscribes);

fn a_webhook_subscriber_gets_statuspage_json(backend: Backend) {
    let app = TestApp::spawn(backend);
    let receiver = Receiver::start();
    outage(&app);
    let viewer = app.user("viewer@example.com", "viewer", &[]);
    let path = "/api/v1/status-page/subscribers";
    let answer = app.post(
        &viewer,
        path,
        json!({"kind": "webhook", "address": "http://x"}),
    );
    assert_eq!(answer.0, 403, "{}", answer.1);
    let answer = app.post(&app.admin, path, json!({"kind": "sms", "address": "+1555"}));
    assert_error(
        &answer,
        422,
        "invalid_value",
        "subscriber kind 'sms' is not allowed: use email or webhook",
    );
    let answer = app.post(
        &app.admin,
        path,
        json!({"kind": "webhook", "address": "ftp://x", "components": []}),
    );
    assert_error(
        &answer,
        422,
        "invalid_value",
        "needs an http:// or https:// URL",
    );
    let answer = app.post(
        &app.admin,
        path,
        json!({"kind": "webhook", "address": format!("{}/hook", receiver.url),
               "components": ["Payments"]}),
    );
    assert_error(
        &answer,
        422,
        "invalid_value",
        "no component named 'Payments': components are API, Checkout",
    );
    assert!(subscribers(&app).is_empty());
    let (status, hook) = app.post(
        &app.admin,
        path,
        json!({"kind": "webhook", "address": format!("{}/hook", receiver.url),
               "components": ["Checkout"]}),
    );
    assert_eq!(status, 201, "{hook}");
    assert_eq!(hook["confirmed"], true);
    assert_eq!(hook["components"], json!(["Checkout"]));
    let (status, other) = app.post(
        &app.admin,
        path,
        json!({"kind": "webhook", "address": format!("{}/api-only", receiver.url),
               "components": ["API"]}),
    );
    assert_eq!(status, 201, "{other}");

    let id = publish(&app);
    let received = &receiver.wait_for(1)[0];
    assert_eq!(received.path, "/hook");
    assert!(received.headers["idempotency-key"].starts_with("status-"));
    let body: Value = serde_json::from_str(&received.body).unwrap();
    assert!(
        body["meta"]["unsubscribe"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/status/subscriptions/", app.url()))
    );
    assert_eq!(body["page"]["id"], "triage");
    assert_eq!(body["page"]["status_indicator"], "major");
    assert_eq!(body["incident"]["id"], id.to_string());
    assert_eq!(body["incident"]["name"], "Checkout errors");
    assert_eq!(body["incident"]["status"], "investigating");
    assert_eq!(
        body["incident"]["incident_updates"][0]["body"],
        "We are looking into failed checkouts."
    );
    assert_eq!(body["incident"]["components"][0]["name"], "Checkout");
    assert!(!received.body.contains("INTERNAL-ONLY"));
    assert!(!received.body.contains("INC-1"));
    update(&app, id, "monitoring", "Fixed; watching.");
    let received = receiver.wait_for(2);
    let body: Value = serde_json::from_str(&received[1].body).unwrap();
    assert_eq!(body["incident"]["status"], "monitoring");
    assert_eq!(received[1].path, "/hook", "the API-only hook hears nothing");

    let (status, _) = app.delete(&app.admin, &format!("{path}/{}", hook["id"]));
    assert_eq!(status, 204);
    let (status, _) = app.delete(&app.admin, &format!("{path}/{}", hook["id"]));
    assert_eq!(status, 404);
    assert_eq!(subscribers(&app).len(), 1);
}

on_both_backends!(a_webhook_subscriber_gets_statuspage_json);
