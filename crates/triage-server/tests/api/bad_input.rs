//! Bad input gets a clear 4xx and changes nothing: checked on the database itself.

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{TestApp, assert_error};

fn app_with_incident(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend);
    app.incident(json!({ "summary": "DB down", "priority": "P2" }));
    app
}

fn malformed_json_is_a_400(backend: Backend) {
    let app = app_with_incident(backend);
    let before = app.snapshot();
    let answer = app.raw(
        "POST",
        "/api/v1/incidents",
        Some(&app.admin),
        Some("{\"summary\": ".to_string()),
        &[],
    );
    assert_error(&answer, 400, "invalid_json", "the body is not valid JSON");
    assert_eq!(app.snapshot(), before);
}

fn wrong_types_and_unknown_fields_are_422_naming_the_problem(backend: Backend) {
    let app = app_with_incident(backend);
    let before = app.snapshot();
    let cases = [
        (
            json!({ "summary": 42 }),
            "invalid type: integer `42`, expected a string",
        ),
        (
            json!({ "summary": "x", "priority": "P7" }),
            "unknown priority 'P7': use P1, P2, P3 or P4",
        ),
        (
            json!({ "summary": "x", "severity": "SEV9" }),
            "unknown severity 'SEV9': use SEV1, SEV2, SEV3 or SEV4",
        ),
        (
            json!({ "summary": "x", "prio": "P1" }),
            "unknown field `prio`",
        ),
        (
            json!({ "summary": "x", "detection_source": "pager" }),
            "unknown variant `pager`, expected `monitoring` or `user_report`",
        ),
        (
            json!({ "description": "no summary" }),
            "missing field `summary`",
        ),
    ];
    for (body, message) in cases {
        let answer = app.post(&app.admin, "/api/v1/incidents", body);
        assert_error(&answer, 422, "invalid_field", message);
    }
    let answer = app.post(&app.admin, "/api/v1/incidents", json!({ "summary": "  " }));
    assert_error(&answer, 422, "invalid_value", "summary must not be empty");
    let answer = app.post(
        &app.admin,
        "/api/v1/incidents",
        json!({ "summary": "x", "services": ["two words"] }),
    );
    assert_error(
        &answer,
        422,
        "invalid_value",
        "service 'two words' is not allowed",
    );
    assert_eq!(app.snapshot(), before);
}

fn unknown_transitions_resolutions_statuses_and_users_are_refused(backend: Backend) {
    let app = app_with_incident(backend);
    let before = app.snapshot();
    let answer = app.post(
        &app.admin,
        "/api/v1/incidents/INC-1/transitions",
        json!({ "name": "Done-ish" }),
    );
    assert_error(
        &answer,
        422,
        "unknown_transition",
        "no transition 'Done-ish' from Open; available: Investigating, False Alarm",
    );
    assert_eq!(
        answer.1["error"]["available"],
        json!(["Investigating", "False Alarm"])
    );

    let answer = app.post(
        &app.admin,
        "/api/v1/incidents/INC-1/transitions",
        json!({ "name": "False Alarm", "resolution": "Nope" }),
    );
    assert_error(
        &answer,
        422,
        "invalid_value",
        "unknown resolution 'Nope': use one of Fixed",
    );

    let answer = app.get(&app.admin, "/api/v1/incidents?status=Sleeping");
    assert_error(
        &answer,
        422,
        "invalid_value",
        "unknown status 'Sleeping': statuses are Open",
    );

    let answer = app.put(
        &app.admin,
        "/api/v1/incidents/INC-1/assignee",
        json!({ "user": "ghost@example.com" }),
    );
    assert_error(
        &answer,
        404,
        "not_found",
        "no user with e-mail 'ghost@example.com'",
    );

    let answer = app.get(&app.admin, "/api/v1/incidents/INC-99");
    assert_error(&answer, 404, "not_found", "no incident INC-99");

    let answer = app.get(&app.admin, "/api/v1/incidents?limit=lots");
    assert_error(&answer, 400, "invalid_query", "limit");

    let answer = app.post(
        &app.admin,
        "/api/v1/incidents/INC-1/links",
        json!({ "to": "INC-1" }),
    );
    assert_error(
        &answer,
        422,
        "invalid_value",
        "INC-1 cannot be linked to itself",
    );
    assert_eq!(app.snapshot(), before);
}

fn a_body_over_the_limit_is_a_413(backend: Backend) {
    let app = app_with_incident(backend);
    let before = app.snapshot();
    let huge = format!(
        "{{\"summary\": \"x\", \"description\": \"{}\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    // The server answers 413 without reading the rest of the body and closes the
    // connection; the unread bytes make the kernel reset it, which can race the answer
    // to the client. A reset is a transport artifact, so it is retried; any answer other
    // than the 413 fails.
    let answer = (0..5)
        .find_map(|_| {
            app.try_raw(
                "POST",
                "/api/v1/incidents",
                Some(&app.admin),
                Some(huge.clone()),
                &[],
            )
            .ok()
        })
        .expect("an answer within five attempts");
    assert_error(
        &answer,
        413,
        "payload_too_large",
        "larger than the limit of 1048576 bytes",
    );
    assert_eq!(app.snapshot(), before);
}

fn stale_versions_are_409_in_the_body_or_if_match(backend: Backend) {
    let app = app_with_incident(backend);
    let (_, _) = app.patch(
        &app.admin,
        "/api/v1/incidents/INC-1",
        json!({ "summary": "DB down hard" }),
    );
    let before = app.snapshot();
    let answer = app.patch(
        &app.admin,
        "/api/v1/incidents/INC-1",
        json!({ "summary": "stale", "version": 1 }),
    );
    assert_error(
        &answer,
        409,
        "version_conflict",
        "INC-1 was changed by someone else: you have version 1, it is now at version 2",
    );
    let answer = app.raw(
        "POST",
        "/api/v1/incidents/INC-1/transitions",
        Some(&app.admin),
        Some(json!({ "name": "Investigating" }).to_string()),
        &[("If-Match", "\"1\"")],
    );
    assert_error(&answer, 409, "version_conflict", "it is now at version 2");
    assert_eq!(app.snapshot(), before);
    let answer = app.raw(
        "POST",
        "/api/v1/incidents/INC-1/transitions",
        Some(&app.admin),
        Some(json!({ "name": "Investigating" }).to_string()),
        &[("If-Match", "\"2\"")],
    );
    assert_eq!(answer.0, 200, "{}", answer.1);
}

on_both_backends!(
    malformed_json_is_a_400,
    wrong_types_and_unknown_fields_are_422_naming_the_problem,
    unknown_transitions_resolutions_statuses_and_users_are_refused,
    a_body_over_the_limit_is_a_413,
    stale_versions_are_409_in_the_body_or_if_match,
);
