//! Recurrence over the API, on both backends: a new incident on the same service with a
//! near-identical summary, or opened by the same alert group after its incident was
//! finished, is flagged a recurrence of the earlier one; the earlier incident's finished
//! action items are named as not having prevented it, on both timelines. Another service,
//! another summary or an earlier incident still open is no recurrence.

use serde_json::{Value, json};
use triage_testdb::{Backend, on_both_backends};

use crate::harness::TestApp;
use crate::paging::timeline;

fn resolve(app: &TestApp, key: &str) {
    for body in [
        json!({"name": "Investigating"}),
        json!({"name": "In Progress"}),
        json!({"name": "Monitoring"}),
        json!({"name": "Resolved", "resolution": "Fixed"}),
    ] {
        let (status, moved) = app.post(
            &app.admin,
            &format!("/api/v1/incidents/{key}/transitions"),
            body,
        );
        assert_eq!(status, 200, "{moved}");
    }
}

fn key(incident: &Value) -> String {
    incident["key"].as_str().unwrap().to_string()
}

fn a_problem_that_comes_back_is_flagged(backend: Backend) {
    let app = TestApp::spawn(backend);
    let first = key(
        &app.incident(json!({"summary": "Database connection pool exhausted",
        "priority": "P2", "services": ["checkout"]})),
    );
    let items = format!("/api/v1/incidents/{first}/action-items");
    let mut ids = Vec::new();
    for title in ["Raise the pool to 200", "Alert on pool usage", "Load test"] {
        let (status, item) = app.post(&app.admin, &items, json!({"title": title}));
        assert_eq!(status, 201, "{item}");
        ids.push(item["id"].as_i64().unwrap());
    }
    for id in &ids[..2] {
        let (status, _) = app.patch(
            &app.admin,
            &format!("/api/v1/action-items/{id}"),
            json!({"status": "Done"}),
        );
        assert_eq!(status, 200);
    }
    let (status, _) = app.post(
        &app.admin,
        &format!("/api/v1/action-items/{}/verify", ids[1]),
        json!({"how": "fired in the game day"}),
    );
    assert_eq!(status, 200);

    // While the first is open, a second report is a duplicate, not a recurrence.
    let while_open = app.incident(json!({"summary": "Database connection pool exhausted",
        "services": ["checkout"]}));
    assert_eq!(while_open["recurrence_of"], Value::Null);
    resolve(&app, &first);

    app.advance(3 * 24 * 60);
    let again = app.incident(json!({"summary": "database connection pool exhausted!",
        "services": ["checkout", "payments"]}));
    let again_key = key(&again);
    assert_eq!(again["recurrence_of"], first.as_str());
    let (_, loaded) = app.get(&app.admin, &format!("/api/v1/incidents/{again_key}"));
    assert_eq!(loaded["recurrence_of"], first.as_str());
    let flagged = format!(
        "Triage flagged this incident as a recurrence of {first}; its action items did not \
         prevent it: #{} \"Raise the pool to 200\" (done), #{} \"Alert on pool usage\" (verified)",
        ids[0], ids[1]
    );
    assert!(timeline(&app, &again_key).contains(&flagged), "{flagged}");
    let came_back = format!("Triage recorded that the problem came back as {again_key}");
    assert!(timeline(&app, &first).contains(&came_back));

    // Another service, another problem, no service: no recurrence.
    for body in [
        json!({"summary": "Database connection pool exhausted", "services": ["search"]}),
        json!({"summary": "Database pool slow on checkout", "services": ["checkout"]}),
        json!({"summary": "Database connection pool exhausted"}),
    ] {
        assert_eq!(
            app.incident(body.clone())["recurrence_of"],
            Value::Null,
            "{body}"
        );
    }
}

on_both_backends!(a_problem_that_comes_back_is_flagged);

fn disk_alert(summary: &str, status: &str, starts: &str, ends: &str) -> Value {
    json!({"receiver": "triage", "status": status, "version": "4",
        "groupKey": "{}:{alertname=\"DiskFull\"}", "truncatedAlerts": 0,
        "groupLabels": {"alertname": "DiskFull"}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": [{"status": status,
            "labels": {"alertname": "DiskFull", "instance": "db01", "severity": "critical"},
            "annotations": {"summary": summary},
            "startsAt": starts, "endsAt": ends, "generatorURL": "http://prometheus:9090/graph"}]})
}

fn an_alert_group_that_fires_again_after_its_incident_recurs_it(backend: Backend) {
    let app = TestApp::spawn(backend);
    let integration = app.integration("storage", "alertmanager");
    let (status, _) = app.patch(
        &app.admin,
        "/api/v1/services/storage",
        json!({"on_resolved": "resolve"}),
    );
    assert_eq!(status, 200);
    let path = format!("/hooks/alertmanager/{integration}");
    let send = |body: Value| {
        let answer = app.raw("POST", &path, None, Some(body.to_string()), &[]);
        assert_eq!(answer.0, 200, "{}", answer.1);
        answer.1["alerts"][0].clone()
    };
    let none = "0001-01-01T00:00:00Z";
    let opened = send(disk_alert(
        "Disk 95% on db01",
        "firing",
        "2026-11-22T09:55:00Z",
        none,
    ));
    assert_eq!(opened["outcome"], "opened");
    let earlier = opened["incident"].as_str().unwrap().to_string();
    app.advance(10);
    let resolved = send(disk_alert(
        "Disk 95% on db01",
        "resolved",
        "2026-11-22T09:55:00Z",
        "2026-11-22T10:05:00Z",
    ));
    assert_eq!(resolved["outcome"], "resolved");
    let (_, incident) = app.get(&app.admin, &format!("/api/v1/incidents/{earlier}"));
    assert_eq!(incident["status"], "Resolved");

    // Two days on, the group fires again (its summary says something else now).
    app.advance(2 * 24 * 60);
    let again = send(disk_alert(
        "Disk almost full, writes failing on the primary",
        "firing",
        "2026-11-24T10:00:00Z",
        none,
    ));
    assert_eq!(again["outcome"], "opened");
    let later = again["incident"].as_str().unwrap().to_string();
    assert_ne!(later, earlier);
    let (_, incident) = app.get(&app.admin, &format!("/api/v1/incidents/{later}"));
    assert_eq!(incident["recurrence_of"], earlier.as_str());
}

on_both_backends!(an_alert_group_that_fires_again_after_its_incident_recurs_it);
