//! On-call schedules in the console, on both backends: the list with who is on call, a
//! schedule's week as a calendar in its own time zone, overrides and the feed address.

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::web::{Browser, app_with_password, csrf, sign_in};

fn responders_see_and_cover_shifts_in_the_console(backend: Backend) {
    let app = app_with_password(backend);
    for email in ["ann@example.com", "bob@example.com"] {
        let (status, body) = app.post(
            &app.admin,
            "/api/v1/users",
            json!({"email": email, "role": "responder"}),
        );
        assert_eq!(status, 201, "{body}");
    }
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");
    let list = browser.get("/schedules");
    assert_eq!(list.status, 200);
    assert!(list.body.contains("No schedules yet"), "{}", list.body);
    let token = csrf(&list);

    let bad = browser.post(
        "/schedules",
        &[
            ("csrf", &token),
            ("name", "primary"),
            ("time_zone", "Europe/Atlantis"),
            ("users", "ann@example.com"),
            ("shift", "1w"),
            ("start", "2026-11-16T09:00"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(
        bad.body
            .contains("time zone &#39;Europe/Atlantis&#39; is unknown"),
        "{}",
        bad.body
    );
    let created = browser.post(
        "/schedules",
        &[
            ("csrf", &token),
            ("name", "primary"),
            ("time_zone", "Europe/Berlin"),
            ("users", "ann@example.com, bob@example.com"),
            ("shift", "1d"),
            ("start", "2026-11-20T09:00"),
            ("restriction", ""),
        ],
    );
    assert_eq!(
        (created.status, created.location.as_deref()),
        (303, Some("/schedules/primary"))
    );

    // Sunday 2026-11-22 11:00 in Berlin: the 09:00 hand-off made it ann's day.
    let page = browser.get("/schedules/primary");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(
            "On call now: <strong>ann@example.com</strong> (Layer 1), until Mon 23 Nov 09:00 CET"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("<th scope=\"row\">Sun 22 Nov</th>"));
    assert!(
        page.body
            .contains("<li>09:00–24:00 <strong>ann@example.com</strong>"),
        "{}",
        page.body
    );
    let list = browser.get("/schedules");
    assert!(
        list.body
            .contains("<a href=\"/schedules/primary\">primary</a>")
    );

    // Bob covers Monday morning, given in local time.
    let covered = browser.post(
        "/schedules/primary/overrides",
        &[
            ("csrf", &token),
            ("user", "bob@example.com"),
            ("start", "2026-11-23T07:00"),
            ("duration", "3h"),
        ],
    );
    assert_eq!(covered.status, 303);
    let page = browser.get("/schedules/primary?from=2026-11-23");
    assert!(page.body.contains("<th scope=\"row\">Mon 23 Nov</th>"));
    assert!(
        page.body.contains(
            "<li>07:00–10:00 <strong>bob@example.com</strong> <span class=\"hint\">override</span>"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("bob@example.com covers Mon 23 Nov 07:00 CET – Mon 23 Nov 10:00 CET")
    );
    let overlapping = browser.post(
        "/schedules/primary/overrides",
        &[
            ("csrf", &token),
            ("user", "ann@example.com"),
            ("start", "2026-11-23T08:00"),
            ("duration", "1h"),
        ],
    );
    assert_eq!(overlapping.status, 422);
    assert!(overlapping.body.contains("overlaps another one"));

    // The feed address is shown once and works without signing in.
    let made = browser.post("/schedules/primary/feed", &[("csrf", &token)]);
    assert_eq!(made.status, 200);
    let start = made
        .body
        .find("<code id=\"feed-address\" data-copy>")
        .unwrap();
    let rest = &made.body[start + "<code id=\"feed-address\" data-copy>".len()..];
    let address = &rest[..rest.find("</code>").unwrap()];
    let path = address
        .strip_prefix(&app.url())
        .expect("an address on this server");
    let (status, _) = app.raw("GET", path, None, None, &[]);
    assert_eq!(status, 200);
    assert!(!browser.get("/schedules/primary").body.contains(address));
}

on_both_backends!(responders_see_and_cover_shifts_in_the_console);

fn paging_in_the_console(backend: Backend) {
    let app = app_with_password(backend);
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");
    let page = browser.get("/contact-methods");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("pages cannot reach you"));
    let token = csrf(&page);
    let bad = browser.post(
        "/contact-methods",
        &[
            ("csrf", &token),
            ("kind", "webhook"),
            ("address", "not a url"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("needs an http:// or https:// URL"),
        "{}",
        bad.body
    );
    let added = browser.post(
        "/contact-methods",
        &[
            ("csrf", &token),
            ("kind", "slack"),
            ("address", "https://hooks.slack.com/services/T/B/X"),
            ("after", "2m"),
        ],
    );
    assert_eq!(added.status, 303);
    let page = browser.get("/contact-methods");
    assert!(
        page.body.contains("after 2m if unacknowledged"),
        "{}",
        page.body
    );

    // A policy is described in the console: a bad delay is refused with the reason and
    // nothing is saved; two levels, the first a person, the second a schedule.
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/schedules",
        json!({"name": "primary", "time_zone": "UTC", "layers": [
            {"users": ["admin@example.com"], "shift": "1w", "start": "2026-11-16T09:00"}]}),
    );
    assert_eq!(status, 201, "{body}");
    let form = |delay| {
        vec![
            ("csrf", token.as_str()),
            ("name", "storage"),
            ("targets1", "admin@example.com"),
            ("delay1", delay),
            ("targets2", "primary"),
            ("delay2", "10m"),
            ("targets3", ""),
            ("delay3", ""),
            ("repeat", "1"),
            ("ack_timeout", "30m"),
        ]
    };
    let bad = browser.post("/escalation-policies", &form("0s"));
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("duration &#39;0s&#39;"), "{}", bad.body);
    let (_, listed) = app.get(&app.admin, "/api/v1/escalation-policies");
    assert_eq!(listed["policies"], json!([]));
    let created = browser.post("/escalation-policies", &form("5m"));
    assert_eq!(created.status, 303, "{}", created.body);
    let policies = browser.get("/escalation-policies");
    for said in [
        "Page admin@example.com; after 5m without an acknowledgement, go on.",
        "Page whoever is on call in <a href=\"/schedules/primary\">primary</a>; after 10m",
        "Repeats 1 more time(s).",
        "within 30m lapses",
    ] {
        assert!(policies.body.contains(said), "{said}: {}", policies.body);
    }
    let (_, policy) = app.get(&app.admin, "/api/v1/escalation-policies/storage");
    assert_eq!(
        policy["levels"][1]["targets"],
        json!([{"schedule": "primary"}])
    );

    // An incident is acknowledged from its page, once.
    let incident = app.incident(json!({"summary": "Checkout down", "priority": "P1"}));
    let key = incident["key"].as_str().unwrap();
    let page = browser.get(&format!("/incidents/{key}"));
    assert!(page.body.contains("id=\"acknowledge\""));
    let acked = browser.post(
        &format!("/incidents/{key}/acknowledge"),
        &[("csrf", &token)],
    );
    assert_eq!(acked.status, 303);
    let page = browser.get(&format!("/incidents/{key}"));
    assert!(!page.body.contains("id=\"acknowledge\""));
    assert!(!page.body.contains("<dd id=\"acknowledged\">not yet"));

    // And deleted there.
    let deleted = browser.post("/escalation-policies/storage/delete", &[("csrf", &token)]);
    assert_eq!(deleted.status, 303);
    assert!(
        browser
            .get("/escalation-policies")
            .body
            .contains("No escalation policies yet")
    );
}

on_both_backends!(paging_in_the_console);
