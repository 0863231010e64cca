//! On-call schedules over the API: described by responders, read by everyone, answered
//! in the schedule's own time zone, refused whole when anything is wrong; iCalendar feeds
//! read by Python's `icalendar` library as calendar apps read them.

use std::process::Command;

use serde_json::{Value, json};
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{TestApp, assert_error};
use crate::senders::{available, python_has};

fn berlin_schedule() -> Value {
    json!({
        "name": "storage-primary",
        "description": "Storage on call",
        "time_zone": "Europe/Berlin",
        "layers": [
            {"users": ["ann@example.com", "bob@example.com"], "shift": "1w", "start": "2026-11-16T09:00"},
            {"name": "business hours", "users": ["cy@example.com"], "shift": "1w",
             "start": "2026-11-16T00:00", "restrictions": ["mon-fri 09:00-17:00"]}
        ]
    })
}

fn schedules_say_who_is_on_call(backend: Backend) {
    let app = TestApp::spawn(backend);
    let responder = app.user("ann@example.com", "responder", &[]);
    app.user("bob@example.com", "responder", &[]);
    app.user("cy@example.com", "responder", &[]);
    let viewer = app.user("vic@example.com", "viewer", &[]);
    assert_eq!(
        app.post(&viewer, "/api/v1/schedules", berlin_schedule()).0,
        403
    );
    let (status, created) = app.post(&responder, "/api/v1/schedules", berlin_schedule());
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["layers"][0]["name"], "Layer 1");

    // The test clock: Sunday 2026-11-22 10:00 UTC, 11:00 in Berlin — ann's first week.
    let (status, shown) = app.get(&viewer, "/api/v1/schedules/storage-primary");
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["on_call"]["user"], "ann@example.com");
    assert_eq!(shown["on_call"]["from"], "Layer 1");
    assert_eq!(shown["on_call"]["end"], "2026-11-23T08:00:00Z");

    let (_, monday) = app.get(
        &viewer,
        "/api/v1/schedules/storage-primary/shifts?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z",
    );
    let shifts: Vec<(String, String, String)> = monday["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["user"].as_str().unwrap().to_string(),
                s["start"].as_str().unwrap().to_string(),
                s["end"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let row = |u: &str, s: &str, e: &str| (u.to_string(), s.to_string(), e.to_string());
    assert_eq!(
        shifts,
        vec![
            row(
                "ann@example.com",
                "2026-11-23T00:00:00Z",
                "2026-11-23T08:00:00Z"
            ),
            row(
                "cy@example.com",
                "2026-11-23T08:00:00Z",
                "2026-11-23T16:00:00Z"
            ),
            row(
                "bob@example.com",
                "2026-11-23T16:00:00Z",
                "2026-11-24T00:00:00Z"
            ),
        ]
    );

    // Bob covers Monday morning; the override wins over both layers.
    let (status, cover) = app.post(
        &responder,
        "/api/v1/schedules/storage-primary/overrides",
        json!({"user": "bob@example.com", "start": "2026-11-23T07:00:00Z", "duration": "4h"}),
    );
    assert_eq!(status, 201, "{cover}");
    assert_eq!(cover["end"], "2026-11-23T11:00:00Z");
    assert_eq!(cover["created_by"], "ann@example.com");
    let (_, at) = app.get(
        &viewer,
        "/api/v1/schedules/storage-primary/oncall?at=2026-11-23T09:00:00Z",
    );
    assert_eq!(at["on_call"]["user"], "bob@example.com");
    assert_eq!(at["on_call"]["from"], "override");
    let (_, everyone) = app.get(&viewer, "/api/v1/oncall?at=2026-11-23T12:00:00Z");
    assert_eq!(everyone["schedules"][0]["schedule"], "storage-primary");
    assert_eq!(
        everyone["schedules"][0]["on_call"]["user"],
        "cy@example.com"
    );

    // Replacing the layers keeps the override; deleting it hands back to the layers.
    let mut changed = berlin_schedule();
    changed["layers"].as_array_mut().unwrap().truncate(1);
    let (status, replaced) = app.put(&responder, "/api/v1/schedules/storage-primary", changed);
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["overrides"].as_array().unwrap().len(), 1);
    let id = cover["id"].as_i64().unwrap();
    let path = format!("/api/v1/schedules/storage-primary/overrides/{id}");
    assert_eq!(app.delete(&responder, &path).0, 204);
    assert_error(
        &app.delete(&responder, &path),
        404,
        "not_found",
        "no override",
    );
    let (_, at) = app.get(
        &viewer,
        "/api/v1/schedules/storage-primary/oncall?at=2026-11-23T09:00:00Z",
    );
    assert_eq!(at["on_call"]["user"], "bob@example.com");
    assert_eq!(at["on_call"]["from"], "Layer 1");
    assert_eq!(
        app.delete(&responder, "/api/v1/schedules/storage-primary")
            .0,
        204
    );
    let (_, listed) = app.get(&viewer, "/api/v1/schedules");
    assert_eq!(listed["schedules"], json!([]));
}

fn bad_schedules_and_overrides_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let responder = app.user("ann@example.com", "responder", &[]);
    app.user("bob@example.com", "responder", &[]);
    app.user("cy@example.com", "responder", &[]);
    let before = app.snapshot();
    let bad = |change: &dyn Fn(&mut Value)| {
        let mut body = berlin_schedule();
        change(&mut body);
        body
    };
    for (body, status, code, message) in [
        (
            bad(&|b| b["time_zone"] = json!("Europe/Atlantis")),
            422,
            "invalid_value",
            "time zone 'Europe/Atlantis' is unknown: use an IANA name",
        ),
        (
            bad(&|b| b["layers"][0]["shift"] = json!("0d")),
            422,
            "invalid_value",
            "write it like 12h, 1d, 1w or 2w",
        ),
        (
            bad(&|b| b["layers"][1]["users"] = json!([])),
            422,
            "invalid_value",
            "layer 'business hours' has nobody in its rotation",
        ),
        (
            bad(&|b| b["layers"][1]["restrictions"] = json!(["weekdays 9-5"])),
            422,
            "invalid_value",
            "write days and hours like 'mon-fri 09:00-17:00'",
        ),
        (
            bad(&|b| b["layers"][0]["users"] = json!(["zed@example.com"])),
            404,
            "not_found",
            "no user with e-mail 'zed@example.com'",
        ),
        (
            bad(&|b| b["name"] = json!("has space")),
            422,
            "invalid_value",
            "schedule",
        ),
    ] {
        let refused = app.post(&responder, "/api/v1/schedules", body);
        assert_error(&refused, status, code, message);
    }
    assert_eq!(app.snapshot(), before);

    let (status, _) = app.post(&responder, "/api/v1/schedules", berlin_schedule());
    assert_eq!(status, 201);
    let path = "/api/v1/schedules/storage-primary/overrides";
    let (status, _) = app.post(
        &responder,
        path,
        json!({"user": "cy@example.com", "start": "2026-11-23T07:00:00Z", "end": "2026-11-23T09:00:00Z"}),
    );
    assert_eq!(status, 201);
    let before = app.snapshot();
    for (body, message) in [
        (
            json!({"user": "bob@example.com", "start": "2026-11-23T08:00:00Z", "end": "2026-11-23T10:00:00Z"}),
            "overlaps another one",
        ),
        (
            json!({"user": "bob@example.com", "start": "2026-11-23T12:00:00Z", "end": "2026-11-23T11:00:00Z"}),
            "must end after it starts",
        ),
        (
            json!({"user": "bob@example.com", "start": "2026-11-23T12:00:00Z", "duration": "-1h"}),
            "duration '-1h' is not allowed",
        ),
        (
            json!({"user": "bob@example.com", "start": "2026-11-23T12:00:00Z"}),
            "needs an end or a duration",
        ),
    ] {
        assert_error(
            &app.post(&responder, path, body),
            422,
            "invalid_value",
            message,
        );
    }
    assert_error(
        &app.get(
            &responder,
            "/api/v1/schedules/storage-primary/shifts?from=2026-11-23T00:00:00Z&to=2026-11-22T00:00:00Z",
        ),
        422,
        "invalid_value",
        "must end after it starts",
    );
    assert_error(
        &app.put(
            &responder,
            "/api/v1/schedules/storage-primary",
            json!({"name": "other", "time_zone": "UTC", "layers": []}),
        ),
        422,
        "invalid_value",
        "cannot be renamed",
    );
    assert_error(
        &app.get(&responder, "/api/v1/schedules/nowhere"),
        404,
        "not_found",
        "no schedule 'nowhere'",
    );
    assert_eq!(app.snapshot(), before);
}

on_both_backends!(schedules_say_who_is_on_call);
on_both_backends!(bad_schedules_and_overrides_are_refused_and_change_nothing);

/// Reads an iCalendar feed with the Python `icalendar` library, as calendar apps read
/// it: each event's summary, start and end (UTC) and UID; none if the library is absent.
fn parsed_by_icalendar(feed: &str) -> Option<Vec<[String; 4]>> {
    if !available("icalendar (Python)", python_has("icalendar")) {
        return None;
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), feed).unwrap();
    let script = r#"
import icalendar, json, sys
calendar = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
assert calendar["VERSION"] == "2.0" and "PRODID" in calendar
print(json.dumps([[str(e["SUMMARY"]), e.decoded("DTSTART").isoformat(), e.decoded("DTEND").isoformat(),
                   str(e["UID"])] for e in calendar.walk("VEVENT")]))
"#;
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

/// Fetches a feed the way a calendar app does: no credentials, the secret in the path.
pub(crate) fn fetch(app: &TestApp, path: &str) -> (u16, String, String) {
    fetch_with(app, path, &[])
}

/// Fetches `path` as text with the given headers: status, content type, body.
pub(crate) fn fetch_with(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.get(format!("{}{path}", app.url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.call().unwrap();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.body_mut().read_to_string().unwrap();
    (response.status().as_u16(), kind, body)
}

fn calendar_feeds_serve_shifts_to_calendar_apps(backend: Backend) {
    let app = TestApp::spawn(backend);
    let responder = app.user("ann@example.com", "responder", &[]);
    app.user("bob@example.com", "responder", &[]);
    app.user("cy@example.com", "responder", &[]);
    let viewer = app.user("vic@example.com", "viewer", &[]);
    assert_eq!(
        app.post(&responder, "/api/v1/schedules", berlin_schedule())
            .0,
        201
    );
    let feed_route = "/api/v1/schedules/storage-primary/feed";
    assert_eq!(app.post(&viewer, feed_route, json!({})).0, 403);
    let (status, feed) = app.post(&responder, feed_route, json!({}));
    assert_eq!(status, 201, "{feed}");
    let path = feed["path"].as_str().unwrap().to_string();
    assert!(
        path.starts_with("/calendar/trc_") && path.ends_with(".ics"),
        "{path}"
    );

    let (status, kind, body) = fetch(&app, &path);
    assert_eq!(status, 200, "{body}");
    assert_eq!(kind, "text/calendar; charset=utf-8");
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n"), "{body}");
    if let Some(events) = parsed_by_icalendar(&body) {
        // Monday 2026-11-16: business hours are cy's (09:00-17:00 in Berlin), the rest ann's.
        let first: Vec<[&str; 3]> = events[..3]
            .iter()
            .map(|e| [e[0].as_str(), e[1].as_str(), e[2].as_str()])
            .collect();
        assert_eq!(
            first,
            vec![
                [
                    "On call: storage-primary (cy@example.com)",
                    "2026-11-16T08:00:00+00:00",
                    "2026-11-16T16:00:00+00:00"
                ],
                [
                    "On call: storage-primary (ann@example.com)",
                    "2026-11-16T16:00:00+00:00",
                    "2026-11-17T08:00:00+00:00"
                ],
                [
                    "On call: storage-primary (cy@example.com)",
                    "2026-11-17T08:00:00+00:00",
                    "2026-11-17T16:00:00+00:00"
                ],
            ]
        );
        // A year ahead, each event with its own UID.
        assert!(events.len() > 500, "{}", events.len());
        let mut uids: Vec<&str> = events.iter().map(|e| e[3].as_str()).collect();
        uids.sort_unstable();
        uids.dedup();
        assert_eq!(uids.len(), events.len());
    }

    // A person's own feed: only their shifts.
    let (status, mine) = app.post(&responder, "/api/v1/me/feed", json!({}));
    assert_eq!(status, 201, "{mine}");
    let (_, _, body) = fetch(&app, mine["path"].as_str().unwrap());
    assert!(body.contains("(ann@example.com)"));
    assert!(!body.contains("(cy@example.com)"));
    assert!(!body.contains("(bob@example.com)"));

    // A new address replaces the old; a revoked one stops working.
    let (_, again) = app.post(&responder, feed_route, json!({}));
    assert_eq!(fetch(&app, &path).0, 404);
    assert_eq!(fetch(&app, again["path"].as_str().unwrap()).0, 200);
    assert_eq!(app.delete(&responder, feed_route).0, 204);
    assert_eq!(fetch(&app, again["path"].as_str().unwrap()).0, 404);
    assert_error(
        &app.delete(&responder, feed_route),
        404,
        "not_found",
        "no live feed",
    );
    assert_eq!(fetch(&app, "/calendar/trc_nothing.ics").0, 404);
}

on_both_backends!(calendar_feeds_serve_shifts_to_calendar_apps);

fn escalation_policies_and_the_services_that_use_them(backend: Backend) {
    let app = TestApp::spawn(backend);
    let responder = app.user("ann@example.com", "responder", &[]);
    app.user("bob@example.com", "responder", &[]);
    app.user("cy@example.com", "responder", &[]);
    let viewer = app.user("vic@example.com", "viewer", &[]);
    assert_eq!(
        app.post(&responder, "/api/v1/schedules", berlin_schedule())
            .0,
        201
    );
    let policy = json!({"name": "storage", "repeat": 1, "levels": [
        {"targets": [{"schedule": "storage-primary"}], "delay": "5m"},
        {"targets": [{"user": "cy@example.com"}, {"schedule": "storage-primary"}], "delay": "30m"}]});
    assert_eq!(
        app.post(&viewer, "/api/v1/escalation-policies", policy.clone())
            .0,
        403
    );
    let (status, created) = app.post(&responder, "/api/v1/escalation-policies", policy);
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["levels"][1]["delay"], "30m");
    assert_eq!(
        created["levels"][1]["targets"][0],
        json!({"user": "cy@example.com"})
    );

    let before = app.snapshot();
    for (body, message) in [
        (
            json!({"name": "x", "levels": []}),
            "needs at least one level",
        ),
        (
            json!({"name": "x", "levels": [{"targets": [], "delay": "5m"}]}),
            "level 1 targets nobody",
        ),
        (
            json!({"name": "x", "levels": [{"targets": [{"user": "cy@example.com"}], "delay": "0s"}]}),
            "level 1: duration '0s' is not allowed",
        ),
        (
            json!({"name": "x", "repeat": 10, "levels": [{"targets": [{"user": "cy@example.com"}], "delay": "1m"}]}),
            "repeats 0 to 9 times",
        ),
    ] {
        assert_error(
            &app.post(&responder, "/api/v1/escalation-policies", body),
            422,
            "invalid_value",
            message,
        );
    }
    assert_error(
        &app.post(
            &responder,
            "/api/v1/escalation-policies",
            json!({"name": "x", "levels": [{"targets": [{"team": "sre"}], "delay": "1m"}]}),
        ),
        422,
        "invalid_field",
        "unknown variant `team`, expected `user` or `schedule`",
    );
    assert_eq!(app.snapshot(), before);

    // A service takes the policy and says which priorities page.
    app.integration("storage", "webhook");
    let (status, service) = app.patch(
        &app.admin,
        "/api/v1/services/storage",
        json!({"escalation_policy": "storage", "paging_priorities": ["P1", "P3"]}),
    );
    assert_eq!(status, 200, "{service}");
    assert_eq!(service["escalation_policy"], "storage");
    assert_eq!(service["paging_priorities"], json!(["P1", "P3"]));
    assert_error(
        &app.patch(
            &app.admin,
            "/api/v1/services/storage",
            json!({"paging_priorities": "P1,P9"}),
        ),
        422,
        "invalid_value",
        "P9",
    );
    let (_, shown) = app.get(&viewer, "/api/v1/escalation-policies/storage");
    assert_eq!(shown["services"], json!(["storage"]));
    // The schedule it pages through cannot go while the policy uses it.
    assert_error(
        &app.delete(&responder, "/api/v1/schedules/storage-primary"),
        422,
        "invalid_value",
        "used by escalation policy storage",
    );
    assert_eq!(
        app.delete(&responder, "/api/v1/escalation-policies/storage")
            .0,
        204
    );
    let (_, service) = app.get(&viewer, "/api/v1/services/storage");
    assert_eq!(service["escalation_policy"], Value::Null);
}

on_both_backends!(escalation_policies_and_the_services_that_use_them);
