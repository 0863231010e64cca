//! Users, groups and tokens as an admin manages them.

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{TestApp, assert_error};

fn an_admin_manages_users_and_groups(backend: Backend) {
    let app = TestApp::spawn(backend);
    let (status, group) = app.post(
        &app.admin,
        "/api/v1/groups",
        json!({ "name": "dba", "description": "Database admins" }),
    );
    assert_eq!(status, 201, "{group}");
    let (status, user) = app.post(
        &app.admin,
        "/api/v1/users",
        json!({ "email": "Oncall@Example.com", "name": "On Call", "groups": ["sre"] }),
    );
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["email"], "oncall@example.com");
    assert_eq!(user["role"], "responder");
    assert_eq!(user["groups"], json!(["sre"]));

    let (status, user) = app.patch(
        &app.admin,
        "/api/v1/users/oncall@example.com",
        json!({ "role": "admin", "add_groups": ["dba"], "remove_groups": ["sre"] }),
    );
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["role"], "admin");
    assert_eq!(user["groups"], json!(["dba"]));

    let before = app.snapshot();
    let answer = app.post(
        &app.admin,
        "/api/v1/users",
        json!({ "email": "oncall@example.com" }),
    );
    assert_error(
        &answer,
        409,
        "already_exists",
        "a user with e-mail oncall@example.com exists already",
    );
    let answer = app.post(
        &app.admin,
        "/api/v1/users",
        json!({ "email": "not-an-address" }),
    );
    assert_error(&answer, 422, "invalid_value", "is not an e-mail address");
    let answer = app.post(
        &app.admin,
        "/api/v1/users",
        json!({ "email": "x@example.com", "groups": ["nope"] }),
    );
    assert_error(
        &answer,
        404,
        "not_found",
        "no group 'nope' (groups: dba, sre)",
    );
    let answer = app.post(
        &app.admin,
        "/api/v1/users",
        json!({ "email": "y@example.com", "role": "root" }),
    );
    assert_error(
        &answer,
        422,
        "invalid_value",
        "unknown role 'root': use viewer, responder or admin",
    );
    let answer = app.post(&app.admin, "/api/v1/groups", json!({ "name": "DBA Team" }));
    assert_error(
        &answer,
        422,
        "invalid_value",
        "group name 'DBA Team' is not allowed",
    );
    assert_eq!(app.snapshot(), before);

    let (_, groups) = app.get(&app.admin, "/api/v1/groups");
    assert_eq!(
        groups["groups"][0]["members"],
        json!(["oncall@example.com"])
    );
    let (_, users) = app.get(&app.admin, "/api/v1/users");
    assert_eq!(users["users"].as_array().unwrap().len(), 2);
    let (status, _) = app.delete(&app.admin, "/api/v1/groups/dba");
    assert_eq!(status, 204);
    let (_, user) = app.get(&app.admin, "/api/v1/users/oncall@example.com");
    assert_eq!(user["groups"], json!([]));
}

fn time_comes_from_the_injected_clock(backend: Backend) {
    let app = TestApp::spawn(backend);
    let created = app.incident(json!({ "summary": "x" }));
    assert_eq!(created["created_at"], "2026-11-22T10:00:00Z");
    app.advance(90);
    let (_, comment) = app.post(
        &app.admin,
        "/api/v1/incidents/INC-1/comments",
        json!({ "body": "still on it" }),
    );
    assert_eq!(comment["created_at"], "2026-11-22T11:30:00Z");
    let (_, incident) = app.get(&app.admin, "/api/v1/incidents/INC-1");
    assert_eq!(incident["updated_at"], "2026-11-22T11:30:00Z");
    assert_eq!(incident["created_at"], "2026-11-22T10:00:00Z");
    assert_eq!(app.now().to_string(), "2026-11-22T11:30:00Z");
}

fn console_passwords_are_set_by_admins_or_their_owners(backend: Backend) {
    let app = TestApp::spawn(backend);
    let alice = app.user("alice@example.com", "responder", &["sre"]);
    app.user("bob@example.com", "responder", &[]);
    let passwords = || app.scalar("SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL");
    let path = "/api/v1/users/alice@example.com/password";

    let short = app.put(&app.admin, path, json!({ "password": "short" }));
    assert_error(&short, 422, "invalid_value", "at least 10 characters");
    assert_eq!(passwords(), 0);
    let answer = app.put(&app.admin, path, json!({ "password": "first password!" }));
    assert_eq!(answer.0, 204, "{}", answer.1);
    assert_eq!(passwords(), 1);
    let stored = app.scalar(
        "SELECT COUNT(*) FROM users WHERE email = 'alice@example.com' AND password_hash LIKE '$argon2id$%'",
    );
    assert_eq!(stored, 1, "stored as an argon2id hash, never as given");

    // Alice changes her own, proving she knows the current one; not Bob's.
    let other = app.put(
        &alice,
        "/api/v1/users/bob@example.com/password",
        json!({ "password": "bob's new password" }),
    );
    assert_error(&other, 403, "forbidden", "only admins");
    let wrong = app.put(
        &alice,
        path,
        json!({ "password": "second password", "current_password": "not it at all" }),
    );
    assert_error(&wrong, 403, "forbidden", "not your current password");
    let before = app.snapshot();
    let unknown = app.put(
        &app.admin,
        "/api/v1/users/nobody@example.com/password",
        json!({ "password": "whatever long" }),
    );
    assert_error(&unknown, 404, "not_found", "nobody@example.com");
    assert_eq!(app.snapshot(), before);
    let own = app.put(
        &alice,
        path,
        json!({ "password": "second password", "current_password": "first password!" }),
    );
    assert_eq!(own.0, 204, "{}", own.1);
}

on_both_backends!(
    console_passwords_are_set_by_admins_or_their_owners,
    an_admin_manages_users_and_groups,
    time_comes_from_the_injected_clock,
);

fn admins_keep_the_service_catalog_and_its_integration_keys(backend: Backend) {
    let app = TestApp::spawn(backend);
    let viewer = app.user("viewer@example.com", "viewer", &[]);
    let (status, service) = app.post(
        &app.admin,
        "/api/v1/services",
        json!({ "name": "checkout", "owner": "sre", "runbook_url": "https://runbooks.example.com/checkout" }),
    );
    assert_eq!(status, 201, "{service}");
    assert_eq!(service["owner"], "sre");
    let before = app.snapshot();
    assert_error(
        &app.post(&viewer, "/api/v1/services", json!({ "name": "search" })),
        403,
        "forbidden",
        "viewer",
    );
    assert_error(
        &app.post(
            &app.admin,
            "/api/v1/services",
            json!({ "name": "checkout" }),
        ),
        409,
        "already_exists",
        "already exists",
    );
    assert_error(
        &app.post(
            &app.admin,
            "/api/v1/services",
            json!({ "name": "x", "runbook_url": "javascript:alert(1)" }),
        ),
        422,
        "invalid_value",
        "runbook_url",
    );
    assert_eq!(app.snapshot(), before);

    let (status, created) = app.post(
        &app.admin,
        "/api/v1/services/checkout/integrations",
        json!({ "kind": "pagerduty", "name": "datadog" }),
    );
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap();
    assert_eq!(key.len(), 32);
    assert_error(
        &app.post(
            &app.admin,
            "/api/v1/services/checkout/integrations",
            json!({ "kind": "nagios" }),
        ),
        422,
        "invalid_value",
        "use alertmanager, pagerduty, grafana or webhook",
    );
    let (_, listed) = app.get(&viewer, "/api/v1/services/checkout/integrations");
    assert_eq!(listed["integrations"][0]["kind"], "pagerduty");
    assert!(
        listed["integrations"][0].get("key").is_none(),
        "the key is shown once"
    );
    let id = created["id"].as_i64().unwrap();
    let (status, revoked) = app.delete(&app.admin, &format!("/api/v1/integrations/{id}"));
    assert_eq!(status, 200);
    assert!(revoked["revoked_at"].is_string());
    let (status, _) = app.get(&viewer, "/api/v1/services/nowhere");
    assert_eq!(status, 404);
}

on_both_backends!(admins_keep_the_service_catalog_and_its_integration_keys);
