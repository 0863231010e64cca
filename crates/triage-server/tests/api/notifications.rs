//! What a page looks like where it arrives, on both backends: an e-mail through a real
//! SMTP sink, Slack and Teams messages at a real webhook receiver, each with a link that
//! acknowledges the incident as the person paged, without signing in; and an e-mail
//! that cannot go out because no SMTP server is configured says so on the timeline.

use serde_json::{Value, json};
use triage_testdb::receiver::Receiver;
use triage_testdb::smtp::SmtpSink;
use triage_testdb::{Backend, on_both_backends};

use crate::adaptive_card::assert_adaptive_card;
use crate::harness::{TestApp, until};
use crate::paging::{setup, timeline};

fn add_method(app: &TestApp, token: &str, method: Value) {
    let (status, body) = app.post(token, "/api/v1/me/contact-methods", method);
    assert_eq!(status, 201, "{body}");
}

/// The path of a link to this server.
fn path_of(app: &TestApp, url: &str) -> String {
    url.strip_prefix(&app.url())
        .unwrap_or_else(|| panic!("{url} is not on {}", app.url()))
        .to_string()
}

fn an_emailed_page_acknowledges_from_its_link(backend: Backend) {
    let sink = SmtpSink::start();
    let app = TestApp::spawn_mailing(backend, &sink.url);
    let receiver = Receiver::start();
    let (ann, ..) = setup(&app, &receiver);
    add_method(
        &app,
        &ann,
        json!({"kind": "email", "address": "ann@example.com"}),
    );
    // Her phone's mail only if she has not acknowledged within 2 minutes.
    add_method(
        &app,
        &ann,
        json!({"kind": "email", "address": "ann.pager@example.com", "after": "2m"}),
    );
    let incident = app
        .incident(json!({"summary": "Checkout down", "priority": "P1", "services": ["storage"]}));
    let key = incident["key"].as_str().unwrap().to_string();

    let mail = &sink.wait_for(1)[0];
    assert_eq!(mail.to, ["ann@example.com"]);
    assert_eq!(mail.from, "triage@example.com");
    assert_eq!(
        mail.header("Subject").unwrap(),
        format!("Paged: {key} P1: Checkout down (Open, level 1)")
    );
    assert!(
        mail.header("Message-ID").unwrap().starts_with("<page-"),
        "{mail:?}"
    );
    let body = mail.body();
    assert!(
        body.starts_with("Paged ann@example.com (level 1)"),
        "{body}"
    );
    assert!(
        body.contains(&format!("Open the incident: {}/incidents/{key}", app.url())),
        "{body}"
    );
    let link = body
        .lines()
        .find_map(|line| line.strip_prefix("Acknowledge: "))
        .unwrap_or_else(|| panic!("no acknowledge link in {body}"))
        .trim()
        .to_string();
    let link = path_of(&app, &link);
    // The webhook page links too, with its own link.
    let hook: Value = serde_json::from_str(&receiver.wait_for(1)[0].body).unwrap();
    let hook_link = hook["links"]["acknowledge"].as_str().unwrap();
    assert_ne!(path_of(&app, hook_link), link);
    assert_eq!(
        hook["links"]["incident"],
        format!("{}/incidents/{key}", app.url())
    );

    // Opening the link (as a mail scanner would) changes nothing; it shows a button.
    let (status, page) = app.raw("GET", &link, None, None, &[]);
    assert_eq!(status, 200);
    let page = page.as_str().unwrap();
    assert!(page.contains("Acknowledge as ann@example.com"), "{page}");
    assert!(page.contains("Checkout down"), "{page}");
    let (_, shown) = app.get(&app.admin, &format!("/api/v1/incidents/{key}"));
    assert!(shown["acknowledged_at"].is_null());
    // A link whose signature does not hold acknowledges nothing.
    let forged = format!("{}0000", &link[..link.len() - 4]);
    for method in ["GET", "POST"] {
        let (status, page) = app.raw(method, &forged, None, None, &[]);
        assert_eq!(status, 404, "{page}");
        assert!(page.as_str().unwrap().contains("not valid"));
    }

    // The button acknowledges as Ann, with no session or token.
    let (status, page) = app.raw("POST", &link, None, None, &[]);
    assert_eq!(status, 200, "{page}");
    assert!(page.as_str().unwrap().contains("is acknowledged"), "{page}");
    let (_, shown) = app.get(&app.admin, &format!("/api/v1/incidents/{key}"));
    assert!(shown["acknowledged_at"].is_string(), "{shown}");
    let events = timeline(&app, &key);
    assert!(
        events
            .iter()
            .any(|e| e == "ann acknowledged the incident (via a link in a notification)"),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.contains("ended the escalation: acknowledged by ann@example.com")),
        "{events:?}"
    );
    let (status, page) = app.raw("POST", &link, None, None, &[]);
    assert_eq!(status, 409);
    assert!(page.as_str().unwrap().contains("is acknowledged already"));

    // Two minutes on, the pager e-mail is dropped, not sent: she has it.
    app.advance(3);
    until(|| {
        app.scalar(
            "SELECT COUNT(*) FROM outbox WHERE address = 'ann.pager@example.com' \
             AND dropped_at IS NOT NULL",
        ) == 1
    });
    assert_eq!(sink.mails().len(), 1);
}

fn chat_messages_carry_the_same_links(backend: Backend) {
    let app = TestApp::spawn(backend);
    let receiver = Receiver::start();
    let (ann, ..) = setup(&app, &receiver);
    add_method(
        &app,
        &ann,
        json!({"kind": "slack", "address": format!("{}/slack", receiver.url)}),
    );
    add_method(
        &app,
        &ann,
        json!({"kind": "teams", "address": format!("{}/teams", receiver.url)}),
    );
    let incident = app
        .incident(json!({"summary": "Checkout down", "priority": "P1", "services": ["storage"]}));
    let key = incident["key"].as_str().unwrap();
    let received = receiver.wait_for(3);
    let body_at = |path: &str| -> Value {
        let request = received.iter().find(|r| r.path == path).unwrap();
        assert!(request.headers["idempotency-key"].starts_with("page-"));
        serde_json::from_str(&request.body).unwrap()
    };
    let slack = body_at("/slack");
    let headline = format!("Paged: {key} P1: Checkout down (Open, level 1)");
    assert_eq!(slack["text"], headline.as_str());
    assert_eq!(slack["blocks"][0]["type"], "header");
    let buttons = &slack["blocks"][3]["elements"];
    assert_eq!(buttons[0]["text"]["text"], "Acknowledge");
    // Teams Workflows take an Adaptive Card in a message envelope.
    let teams = body_at("/teams");
    assert_eq!(teams["type"], "message");
    let attachment = &teams["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_adaptive_card(card);
    assert_eq!(card["body"][0]["text"], headline.as_str());
    let open = &card["actions"][1]["url"];
    assert_eq!(open, &json!(format!("{}/incidents/{key}", app.url())));

    // Teams' link works as well as the e-mail's.
    let link = card["actions"][0]["url"].as_str().unwrap();
    let (status, page) = app.raw("POST", &path_of(&app, link), None, None, &[]);
    assert_eq!(status, 200, "{page}");
    let (_, shown) = app.get(&app.admin, &format!("/api/v1/incidents/{key}"));
    assert!(shown["acknowledged_at"].is_string(), "{shown}");
}

fn an_email_with_no_smtp_server_says_why_on_the_timeline(backend: Backend) {
    let app = TestApp::spawn(backend);
    let receiver = Receiver::start();
    let (ann, ..) = setup(&app, &receiver);
    add_method(
        &app,
        &ann,
        json!({"kind": "email", "address": "ann@example.com"}),
    );
    let incident = app
        .incident(json!({"summary": "Checkout down", "priority": "P1", "services": ["storage"]}));
    let key = incident["key"].as_str().unwrap();
    until(|| {
        timeline(&app, key).iter().any(|e| {
            e.contains("could not notify ann@example.com by email (attempt 1): no SMTP server is configured")
        })
    });
}

on_both_backends!(an_emailed_page_acknowledges_from_its_link);
on_both_backends!(chat_messages_carry_the_same_links);
on_both_backends!(an_email_with_no_smtp_server_says_why_on_the_timeline);
