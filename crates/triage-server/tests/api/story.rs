//! DESIGN.md's story over the API: INC-456's path from Open to Resolved with its
//! refusals, a false alarm, and a restart that loses nothing.

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{TestApp, assert_error, until};

fn an_incident_from_open_to_resolved_with_every_refusal_and_a_restart(backend: Backend) {
    let mut app = TestApp::spawn(backend);
    let oncall = app.user("oncall@example.com", "responder", &["sre"]);
    let support = app.user("support@example.com", "responder", &[]);

    let incident = app.incident(json!({
        "summary": "Database connection pool exhausted",
        "description": "checkout requests time out",
        "services": ["checkout-api", "orders-db"],
        "labels": ["database"],
    }));
    let key = incident["key"].as_str().unwrap().to_string();
    assert_eq!(key, "INC-1");
    assert_eq!(incident["status"], "Open");
    assert_eq!(incident["status_category"], "To Do");
    assert_eq!(incident["detection_source"], "user_report");
    assert_eq!(incident["created_at"], "2026-11-22T10:00:00Z");
    assert_eq!(incident["version"], 1);

    // Investigating needs a priority: refused, nothing changes.
    let before = app.snapshot();
    let refused = app.post(
        &oncall,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({ "name": "Investigating" }),
    );
    assert_error(&refused, 409, "transition_refused", "needs a priority");
    assert_eq!(
        refused.1["error"]["available"],
        json!(["Investigating", "False Alarm"])
    );
    assert_eq!(refused.1["error"]["unmet"][0]["condition"], "field_set");
    assert_eq!(app.snapshot(), before);

    app.advance(2);
    let (status, updated) = app.patch(
        &oncall,
        &format!("/api/v1/incidents/{key}"),
        json!({ "priority": "Critical (P1)", "severity": "SEV1", "version": 1 }),
    );
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["priority"], "P1");
    // The on-call engineer has it: the response-time clock stops within the SLA.
    let (status, acked) = app.post(
        &oncall,
        &format!("/api/v1/incidents/{key}/acknowledge"),
        json!({}),
    );
    assert_eq!(status, 200, "{acked}");
    assert_eq!(updated["updated_at"], "2026-11-22T10:02:00Z");

    let (status, moved) = app.post(
        &oncall,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({ "name": "investigating" }),
    );
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["status"], "Investigating");

    let (status, assigned) = app.put(
        &oncall,
        &format!("/api/v1/incidents/{key}/assignee"),
        json!({ "user": "oncall@example.com" }),
    );
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["assignee"]["email"], "oncall@example.com");

    let (status, _) = app.post(
        &oncall,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({ "name": "In Progress", "comment": "Root cause identified: Database connection pool exhausted" }),
    );
    assert_eq!(status, 200);

    // Monitoring is for the sre group only.
    let before = app.snapshot();
    let refused = app.post(
        &support,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({ "name": "Monitoring" }),
    );
    assert_error(
        &refused,
        409,
        "transition_refused",
        "only members of the 'sre' group may do this",
    );
    assert_eq!(app.snapshot(), before);

    let (status, _) = app.post(
        &oncall,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({ "name": "Monitoring", "comment": "Fix deployed, monitoring for 24 hours" }),
    );
    assert_eq!(status, 200);

    // A linked P1 that is not Done blocks Resolved.
    let blocker = app.incident(json!({ "summary": "Primary DB failover stuck", "priority": "P1" }));
    let blocker_key = blocker["key"].as_str().unwrap();
    // Someone has the blocker too, so no response time lapses while the day passes.
    let (status, _) = app.post(
        &oncall,
        &format!("/api/v1/incidents/{blocker_key}/acknowledge"),
        json!({}),
    );
    assert_eq!(status, 200);
    let (status, linked) = app.post(
        &oncall,
        &format!("/api/v1/incidents/{key}/links"),
        json!({ "to": blocker_key, "type": "is caused by" }),
    );
    assert_eq!(status, 201, "{linked}");
    assert_eq!(linked["links"][0]["relation"], "is caused by");
    app.advance(24 * 60);
    // A day in Monitoring without a stakeholder update: the overdue update is recorded
    // (once: the next reminder is due half an hour on).
    until(|| app.scalar("SELECT COUNT(*) FROM events WHERE kind = 'update_overdue'") == 1);
    let before = app.snapshot();
    let refused = app.post(
        &oncall,
        &format!("/api/v1/incidents/{key}/resolve"),
        json!({ "resolution": "Fixed", "comment": "Incident resolved. No recurrence in 24h." }),
    );
    assert_error(
        &refused,
        409,
        "transition_refused",
        "linked P1 incidents must be Done first: INC-2 (Open)",
    );
    assert_eq!(app.snapshot(), before);

    let (status, _) = app.post(
        &oncall,
        &format!("/api/v1/incidents/{blocker_key}/transitions"),
        json!({ "name": "False Alarm", "comment": "Alert triggered by scheduled maintenance" }),
    );
    assert_eq!(status, 200);
    let (status, resolved) = app.post(
        &oncall,
        &format!("/api/v1/incidents/{key}/resolve"),
        json!({ "resolution": "fixed", "comment": "Incident resolved. No recurrence in 24h." }),
    );
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["status"], "Resolved");
    assert_eq!(resolved["status_category"], "Done");
    assert_eq!(resolved["resolution"], "Fixed");
    assert_eq!(resolved["resolved_at"], "2026-11-23T10:02:00Z");

    let (_, timeline_before) = app.get(&oncall, &format!("/api/v1/incidents/{key}/timeline"));
    let (_, comments_before) = app.get(&oncall, &format!("/api/v1/incidents/{key}/comments"));
    let (_, incident_before) = app.get(&oncall, &format!("/api/v1/incidents/{key}"));
    let texts: Vec<&str> = timeline_before["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec![
            "Ada Admin created the incident (Open): Database connection pool exhausted",
            "oncall set priority to Critical (P1)",
            "oncall set severity to SEV1",
            "oncall acknowledged the incident",
            "oncall moved Open → Investigating",
            "oncall assigned the incident to oncall@example.com",
            "oncall moved Investigating → In Progress: Root cause identified: Database connection pool exhausted",
            "oncall moved In Progress → Monitoring: Fix deployed, monitoring for 24 hours",
            "oncall linked: is caused by INC-2",
            "Triage recorded an overdue stakeholder update, due 2026-11-22 10:32 UTC; reminded oncall@example.com (no contact method)",
            "oncall moved Monitoring → Resolved (resolution: Fixed): Incident resolved. No recurrence in 24h.",
        ]
    );
    assert_eq!(comments_before["comments"].as_array().unwrap().len(), 3);

    app.restart();
    assert_eq!(
        app.get(&oncall, &format!("/api/v1/incidents/{key}/timeline")),
        (200, timeline_before)
    );
    assert_eq!(
        app.get(&oncall, &format!("/api/v1/incidents/{key}/comments")),
        (200, comments_before)
    );
    assert_eq!(
        app.get(&oncall, &format!("/api/v1/incidents/{key}")),
        (200, incident_before)
    );
    let (_, blocker) = app.get(&oncall, &format!("/api/v1/incidents/{blocker_key}"));
    assert_eq!(blocker["status"], "False Alarm");
    assert_eq!(blocker["links"][0]["relation"], "causes");
    assert_eq!(blocker["links"][0]["incident"]["key"], key);
}

fn reopening_clears_the_resolution_and_unlinking_shows_on_both_sides(backend: Backend) {
    let app = TestApp::spawn(backend);
    let a = app.incident(json!({ "summary": "A", "priority": "P3" }));
    let b = app.incident(json!({ "summary": "B" }));
    let (status, linked) = app.post(
        &app.admin,
        "/api/v1/incidents/INC-1/links",
        json!({ "to": "inc-2", "type": "blocks" }),
    );
    assert_eq!(status, 201);
    let link_id = linked["links"][0]["id"].as_i64().unwrap();
    let (_, b_after) = app.get(&app.admin, "/api/v1/incidents/INC-2");
    assert_eq!(b_after["links"][0]["relation"], "is blocked by");
    assert_eq!(b_after["version"], b["version"].as_i64().unwrap() + 1);

    let duplicate = app.post(
        &app.admin,
        "/api/v1/incidents/INC-2/links",
        json!({ "to": "INC-1", "type": "is blocked by" }),
    );
    assert_error(
        &duplicate,
        409,
        "already_exists",
        "INC-1 already blocks INC-2",
    );

    let (status, unlinked) = app.delete(
        &app.admin,
        &format!("/api/v1/incidents/INC-2/links/{link_id}"),
    );
    assert_eq!(status, 200, "{unlinked}");
    assert_eq!(unlinked["links"], json!([]));
    let (_, timeline) = app.get(&app.admin, "/api/v1/incidents/INC-1/timeline");
    let last = timeline["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["text"], "Ada Admin removed link: blocks INC-2");

    for name in ["Investigating", "In Progress", "Monitoring"] {
        let (status, body) = app.post(
            &app.admin,
            "/api/v1/incidents/INC-1/transitions",
            json!({ "name": name }),
        );
        assert_eq!(status, 200, "{body}");
    }
    let (_, resolved) = app.post(
        &app.admin,
        "/api/v1/incidents/INC-1/resolve",
        json!({ "resolution": "Workaround" }),
    );
    assert_eq!(resolved["resolution"], "Workaround");
    let (status, reopened) = app.post(
        &app.admin,
        "/api/v1/incidents/INC-1/transitions",
        json!({ "name": "Reopen", "comment": "it came back" }),
    );
    assert_eq!(status, 200, "{reopened}");
    assert_eq!(reopened["status"], "Investigating");
    assert_eq!(reopened["resolution"], json!(null));
    assert_eq!(reopened["resolved_at"], json!(null));
    assert_eq!(a["key"], "INC-1");
}

fn available_transitions_explain_what_is_missing(backend: Backend) {
    let app = TestApp::spawn(backend);
    app.incident(json!({ "summary": "A" }));
    let (status, body) = app.get(&app.admin, "/api/v1/incidents/INC-1/transitions");
    assert_eq!(status, 200);
    assert_eq!(
        body["transitions"],
        json!([
            { "name": "Investigating", "to": "Investigating", "to_category": "In Progress",
              "allowed": false, "reasons": ["needs a priority"], "requires": [] },
            { "name": "False Alarm", "to": "False Alarm", "to_category": "Done",
              "allowed": true, "reasons": [], "requires": [] },
        ])
    );
}

on_both_backends!(
    an_incident_from_open_to_resolved_with_every_refusal_and_a_restart,
    reopening_clears_the_resolution_and_unlinking_shows_on_both_sides,
    available_transitions_explain_what_is_missing,
);
