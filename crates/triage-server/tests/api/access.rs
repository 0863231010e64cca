//! Tokens and roles: who may call what.

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{TestApp, assert_error};

fn health_needs_no_token_but_the_api_does(backend: Backend) {
    let app = TestApp::spawn(backend);
    let (status, body) = app.raw("GET", "/health", None, None, &[]);
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");

    let answer = app.raw("GET", "/api/v1/incidents", None, None, &[]);
    assert_error(
        &answer,
        401,
        "unauthorized",
        "missing token: send 'Authorization: Bearer <token>'",
    );
    let answer = app.get("trg_not-a-real-token", "/api/v1/incidents");
    assert_error(
        &answer,
        401,
        "unauthorized",
        "the token is unknown or revoked",
    );
    let answer = app.raw(
        "GET",
        "/api/v1/incidents",
        None,
        None,
        &[("Authorization", "Token abc")],
    );
    assert_error(
        &answer,
        401,
        "unauthorized",
        "must be 'Bearer <token>' or 'Basic <base64 of email:token>'",
    );
    // Basic `email:token`, as Jira clients send it: the token decides.
    let answer = app.raw(
        "GET",
        "/api/v1/incidents",
        None,
        None,
        &[("Authorization", "Basic YWRtaW46eA==")],
    );
    assert_error(
        &answer,
        401,
        "unauthorized",
        "the token is unknown or revoked",
    );
    let answer = app.get(&app.admin, "/api/v1/nothing-here");
    assert_error(&answer, 404, "not_found", "no such route");
    let answer = app.delete(&app.admin, "/api/v1/incidents");
    assert_error(
        &answer,
        405,
        "method_not_allowed",
        "does not take that method",
    );
}

fn a_viewer_reads_but_cannot_write(backend: Backend) {
    let app = TestApp::spawn(backend);
    app.incident(json!({ "summary": "DB down" }));
    let viewer = app.user("viewer@example.com", "viewer", &[]);
    assert_eq!(app.get(&viewer, "/api/v1/incidents/INC-1").0, 200);
    let before = app.snapshot();
    let writes = [
        app.post(&viewer, "/api/v1/incidents", json!({ "summary": "x" })),
        app.patch(
            &viewer,
            "/api/v1/incidents/INC-1",
            json!({ "summary": "x" }),
        ),
        app.post(
            &viewer,
            "/api/v1/incidents/INC-1/transitions",
            json!({ "name": "False Alarm" }),
        ),
        app.post(
            &viewer,
            "/api/v1/incidents/INC-1/comments",
            json!({ "body": "hi" }),
        ),
        app.put(
            &viewer,
            "/api/v1/incidents/INC-1/assignee",
            json!({ "user": null }),
        ),
    ];
    for answer in &writes {
        assert_error(
            answer,
            403,
            "forbidden",
            "viewer@example.com is a viewer; only responders and admins may change incidents",
        );
    }
    let answer = app.post(
        &viewer,
        "/api/v1/users",
        json!({ "email": "x@example.com" }),
    );
    assert_error(&answer, 403, "forbidden", "only admins may do this");
    assert_eq!(app.snapshot(), before);
}

fn a_revoked_token_stops_working_and_only_owners_or_admins_revoke(backend: Backend) {
    let app = TestApp::spawn(backend);
    let alice = app.user("alice@example.com", "responder", &[]);
    let bob = app.user("bob@example.com", "responder", &[]);
    let (_, tokens) = app.get(&alice, "/api/v1/tokens");
    let alice_token_id = tokens["tokens"][0]["id"].as_i64().unwrap();
    let answer = app.delete(&bob, &format!("/api/v1/tokens/{alice_token_id}"));
    assert_error(
        &answer,
        403,
        "forbidden",
        "only an admin may revoke another user's token",
    );
    let answer = app.post(
        &bob,
        "/api/v1/tokens",
        json!({ "user": "alice@example.com" }),
    );
    assert_error(
        &answer,
        403,
        "forbidden",
        "only an admin may create a token for another user",
    );
    let (status, revoked) = app.delete(&alice, &format!("/api/v1/tokens/{alice_token_id}"));
    assert_eq!(status, 200, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    let answer = app.get(&alice, "/api/v1/me");
    assert_error(&answer, 401, "unauthorized", "unknown or revoked");
    assert_eq!(app.get(&bob, "/api/v1/me").1["email"], "bob@example.com");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM api_tokens WHERE token_hash LIKE 'trg_%'"),
        0,
        "tokens are stored hashed"
    );
}

fn deactivated_users_tokens_stop_working(backend: Backend) {
    let app = TestApp::spawn(backend);
    let alice = app.user("alice@example.com", "responder", &[]);
    let (status, _) = app.patch(
        &app.admin,
        "/api/v1/users/alice@example.com",
        json!({ "active": false }),
    );
    assert_eq!(status, 200);
    assert_eq!(app.get(&alice, "/api/v1/me").0, 401);
}

/// A refused request whose body the handler never read must not spoil the kept-alive
/// connection for the requests that follow on it.
fn refused_writes_leave_the_connection_usable(backend: Backend) {
    let app = TestApp::spawn(backend);
    let viewer = app.user("viewer@example.com", "viewer", &[]);
    let body = json!({ "summary": "x".repeat(2000) });
    for _ in 0..50 {
        let refused = app
            .try_raw(
                "POST",
                "/api/v1/incidents",
                Some(&viewer),
                Some(body.to_string()),
                &[],
            )
            .expect("an answer on the kept-alive connection");
        assert_eq!(refused.0, 403);
        let unauthenticated = app
            .try_raw(
                "POST",
                "/api/v1/incidents",
                None,
                Some(body.to_string()),
                &[],
            )
            .expect("an answer on the kept-alive connection");
        assert_eq!(unauthenticated.0, 401);
        assert_eq!(app.get(&viewer, "/api/v1/me").0, 200);
    }
}

on_both_backends!(
    refused_writes_leave_the_connection_usable,
    health_needs_no_token_but_the_api_does,
    a_viewer_reads_but_cannot_write,
    a_revoked_token_stops_working_and_only_owners_or_admins_revoke,
    deactivated_users_tokens_stop_working,
);
