//! Alerts from monitoring over HTTP, on both backends: Alertmanager's and Grafana's
//! webhooks, PagerDuty's Events API v2, the generic webhook; dedup under retries and
//! concurrent duplicates, bursts, every bad delivery refused in the sender's own shape
//! with nothing written, and `/metrics`.

use serde_json::{Value, json};
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{Answer, TestApp, assert_error};

const GROUP: &str = "{}:{alertname=\"DiskFull\", cluster=\"prod\"}";

fn am_alert(instance: &str, status: &str) -> Value {
    json!({"status": status,
        "labels": {"alertname": "DiskFull", "cluster": "prod", "instance": instance, "severity": "critical"},
        "annotations": {"summary": format!("Disk 95% on {instance}")},
        "startsAt": "2026-11-22T09:55:00.123456789Z",
        "endsAt": if status == "firing" { "0001-01-01T00:00:00Z" } else { "2026-11-22T10:05:00Z" },
        "generatorURL": "http://prometheus:9090/graph?g0.expr=disk"})
}

fn am_payload(alerts: Vec<Value>) -> Value {
    let status = if alerts.iter().any(|a| a["status"] == "firing") {
        "firing"
    } else {
        "resolved"
    };
    json!({"receiver": "triage", "status": status, "alerts": alerts,
        "groupLabels": {"alertname": "DiskFull", "cluster": "prod"},
        "commonLabels": {"alertname": "DiskFull", "cluster": "prod"},
        "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
        "version": "4", "groupKey": GROUP, "truncatedAlerts": 0})
}

fn post(app: &TestApp, path: &str, body: &Value) -> Answer {
    app.raw("POST", path, None, Some(body.to_string()), &[])
}

fn outcomes(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.0, 200, "{}", answer.1);
    answer.1["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap().to_string())
        .collect()
}

fn alertmanager_groups_open_one_incident_and_resolve_it(backend: Backend) {
    let app = TestApp::spawn(backend);
    let key = app.integration("storage", "alertmanager");
    let (status, _) = app.patch(
        &app.admin,
        "/api/v1/services/storage",
        json!({"on_resolved": "resolve", "alert_mapping": {"critical": "P1/SEV2"}}),
    );
    assert_eq!(status, 200);
    let path = format!("/hooks/alertmanager/{key}");
    let firing = am_payload(vec![am_alert("db01", "firing"), am_alert("db02", "firing")]);
    let first = post(&app, &path, &firing);
    assert_eq!(outcomes(&first), ["opened", "attached"]);
    let incident_key = first.1["alerts"][0]["incident"]
        .as_str()
        .unwrap()
        .to_string();
    // Alertmanager's fingerprint, computed as it computes it (the payload has none).
    assert_eq!(
        first.1["alerts"][0]["dedup_key"].as_str().unwrap().len(),
        16
    );

    // Alertmanager re-sends the group (repeat_interval), with the key as a bearer token.
    let again = app.raw(
        "POST",
        "/hooks/alertmanager",
        None,
        Some(firing.to_string()),
        &[("Authorization", &format!("Bearer {key}"))],
    );
    assert_eq!(outcomes(&again), ["repeated", "repeated"]);

    let (_, incident) = app.get(&app.admin, &format!("/api/v1/incidents/{incident_key}"));
    assert_eq!(incident["summary"], "Disk 95% on db01");
    assert_eq!(incident["priority"], "P1");
    assert_eq!(incident["severity"], "SEV2");
    assert_eq!(incident["detection_source"], "monitoring");
    assert_eq!(incident["detected_at"], "2026-11-22T09:55:00.123456Z");
    assert_eq!(incident["services"], json!(["storage"]));
    let (_, alerts) = app.get(
        &app.admin,
        &format!("/api/v1/incidents/{incident_key}/alerts"),
    );
    let alerts = alerts["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 2);
    assert!(
        alerts
            .iter()
            .all(|a| a["status"] == "firing" && a["last_seen_at"] == "2026-11-22T10:00:00Z")
    );
    assert_eq!(alerts[0]["labels"]["cluster"], "prod");

    app.advance(10);
    let resolved = am_payload(vec![
        am_alert("db01", "resolved"),
        am_alert("db02", "resolved"),
    ]);
    assert_eq!(
        outcomes(&post(&app, &path, &resolved)),
        ["resolved", "resolved"]
    );
    let (_, incident) = app.get(&app.admin, &format!("/api/v1/incidents/{incident_key}"));
    assert_eq!(incident["status"], "Resolved");
    assert_eq!(incident["resolution"], "Fixed");
    let (_, timeline) = app.get(
        &app.admin,
        &format!("/api/v1/incidents/{incident_key}/timeline"),
    );
    let texts: Vec<&str> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"Triage saw 2 alerts resolve (alertmanager): Disk 95% on db01; Disk 95% on db02; every alert has resolved"),
        "{texts:?}"
    );
    let (_, firing_now) = app.get(&app.admin, "/api/v1/services/storage/alerts?status=firing");
    assert_eq!(firing_now["alerts"], json!([]));
    let (_, all) = app.get(&app.admin, "/api/v1/services/storage/alerts");
    assert_eq!(all["alerts"].as_array().unwrap().len(), 2);
}

fn pagerduty_clients_trigger_acknowledge_and_resolve(backend: Backend) {
    let app = TestApp::spawn(backend);
    let key = app.integration("api", "pagerduty");
    let trigger = json!({"routing_key": key, "event_action": "trigger",
        "payload": {"summary": "API 5xx above 5%", "source": "api-gw-1", "severity": "error",
            "custom_details": {"rate": "7%"}}});
    let (status, body) = post(&app, "/v2/enqueue", &trigger);
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "success");
    assert_eq!(body["message"], "Event processed");
    let dedup = body["dedup_key"].as_str().unwrap().to_string();
    assert_eq!(dedup.len(), 32);

    // The same key again appends to the same alert.
    let mut repeat = trigger.clone();
    repeat["dedup_key"] = json!(dedup);
    let (status, body) = post(&app, "/v2/enqueue", &repeat);
    assert_eq!(
        (status, body["dedup_key"].as_str()),
        (202, Some(dedup.as_str()))
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alerts"), 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents"), 1);

    app.advance(1);
    let ack = json!({"routing_key": key, "event_action": "acknowledge", "dedup_key": dedup});
    assert_eq!(post(&app, "/v2/enqueue", &ack).0, 202);
    let (_, incident) = app.get(&app.admin, "/api/v1/incidents/INC-1");
    assert_eq!(incident["acknowledged_at"], "2026-11-22T10:01:00Z");
    assert_eq!(incident["priority"], "P2");

    let resolve = json!({"routing_key": key, "event_action": "resolve", "dedup_key": dedup});
    assert_eq!(post(&app, "/v2/enqueue", &resolve).0, 202);
    // Resolving twice, or an unknown key, is dropped but still accepted.
    let unknown = json!({"routing_key": key, "event_action": "resolve", "dedup_key": "nope"});
    for body in [&resolve, &unknown] {
        let (status, answer) = post(&app, "/v2/enqueue", body);
        assert_eq!(status, 202, "{answer}");
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM alerts WHERE status = 'resolved'"),
        1
    );

    let change = json!({"routing_key": key,
        "payload": {"summary": "Deployed api v42", "source": "ci", "timestamp": "2026-11-22T09:58:00.000+0000"},
        "links": [{"href": "https://ci.example.com/42", "text": "build"}]});
    let (status, body) = post(&app, "/v2/change/enqueue", &change);
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        body,
        json!({"status": "success", "message": "Change event processed"})
    );
    let (_, changes) = app.get(&app.admin, "/api/v1/services/api/changes");
    assert_eq!(changes["changes"][0]["summary"], "Deployed api v42");
    assert_eq!(
        changes["changes"][0]["links"],
        json!(["https://ci.example.com/42"])
    );
}

fn pd_errors(answer: &Answer, status: u16) -> Vec<String> {
    let (actual, body) = answer;
    assert_eq!(*actual, status, "{body}");
    assert_eq!(body["status"], "invalid event", "{body}");
    assert_eq!(body["message"], "Event object is invalid", "{body}");
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect()
}

fn bad_deliveries_are_refused_in_the_senders_shape_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend);
    let am_key = app.integration("storage", "alertmanager");
    let pd_key = app.integration("storage", "pagerduty");
    let revoked = app.integration("storage", "webhook");
    let (_, list) = app.get(&app.admin, "/api/v1/services/storage/integrations");
    let webhook_id = list["integrations"][2]["id"].as_i64().unwrap();
    assert_eq!(
        app.delete(&app.admin, &format!("/api/v1/integrations/{webhook_id}"))
            .0,
        200
    );
    let before = app.snapshot();
    let firing = am_payload(vec![am_alert("db01", "firing")]);

    let wrong = post(
        &app,
        &format!("/hooks/alertmanager/{}", "0".repeat(32)),
        &firing,
    );
    assert_error(&wrong, 401, "unauthorized", "unknown or revoked");
    let gone = post(
        &app,
        &format!("/hooks/webhook/{revoked}"),
        &json!({"key": "k", "summary": "s"}),
    );
    assert_error(&gone, 401, "unauthorized", "unknown or revoked");
    let no_key = post(&app, "/hooks/alertmanager", &firing);
    assert_error(&no_key, 401, "unauthorized", "Authorization: Bearer");
    let crossed = post(&app, &format!("/hooks/grafana/{am_key}"), &firing);
    assert_error(
        &crossed,
        404,
        "not_found",
        "post to /hooks/alertmanager/<key>",
    );
    let unknown_kind = post(&app, &format!("/hooks/nagios/{am_key}"), &firing);
    assert_error(
        &unknown_kind,
        404,
        "not_found",
        "unknown integration kind 'nagios'",
    );
    let syntax = app.raw(
        "POST",
        &format!("/hooks/alertmanager/{am_key}"),
        None,
        Some("{\"alerts\": [".into()),
        &[],
    );
    assert_error(&syntax, 400, "invalid_json", "not valid JSON");
    let mut broken = firing.clone();
    broken["alerts"][0]["status"] = json!("burning");
    broken["alerts"][0]["labels"]["instance"] = json!(7);
    let invalid = post(&app, &format!("/hooks/alertmanager/{am_key}"), &broken);
    assert_error(
        &invalid,
        400,
        "invalid_payload",
        "alertmanager payload is not valid",
    );
    assert_eq!(
        invalid.1["error"]["problems"],
        json!([
            "alerts[0].labels.instance must be a string",
            "alerts[0].status 'burning' is not allowed: use firing or resolved"
        ])
    );

    // PagerDuty's own shapes.
    let missing = post(
        &app,
        "/v2/enqueue",
        &json!({"routing_key": pd_key, "event_action": "trigger", "payload": {"summary": "x"}}),
    );
    assert_eq!(
        pd_errors(&missing, 400),
        [
            "'payload.source' is missing or blank",
            "'payload.severity' is missing or blank"
        ]
    );
    let short = post(
        &app,
        "/v2/enqueue",
        &json!({"routing_key": "abc", "event_action": "resolve", "dedup_key": "k"}),
    );
    assert_eq!(
        pd_errors(&short, 400),
        ["Length of 'routing_key' is incorrect (should be 32 characters)"]
    );
    let unknown = post(
        &app,
        "/v2/enqueue",
        &json!({"routing_key": "f".repeat(32), "event_action": "resolve", "dedup_key": "k"}),
    );
    assert_eq!(
        pd_errors(&unknown, 404),
        ["'routing_key' is not a live integration key: it is unknown or revoked"]
    );
    let crossed = post(
        &app,
        "/v2/enqueue",
        &json!({"routing_key": am_key, "event_action": "resolve", "dedup_key": "k"}),
    );
    assert!(pd_errors(&crossed, 404)[0].contains("belongs to a alertmanager integration"));
    let not_json = app.raw(
        "POST",
        "/v2/enqueue",
        None,
        Some("routing_key=x".into()),
        &[],
    );
    assert!(pd_errors(&not_json, 400)[0].starts_with("Event object is not valid JSON"));
    let huge = json!({"routing_key": pd_key, "event_action": "trigger",
        "payload": {"summary": "x", "source": "s", "severity": "info", "custom_details": {"blob": "x".repeat(600 * 1024)}}});
    let too_large = post(&app, "/v2/enqueue", &huge);
    assert_eq!(
        pd_errors(&too_large, 413),
        ["the body is larger than the limit of 524288 bytes"]
    );

    assert_eq!(app.snapshot(), before, "a refused delivery wrote something");
}

fn concurrent_duplicates_make_one_alert(backend: Backend) {
    let app = TestApp::spawn(backend);
    let key = app.integration("storage", "alertmanager");
    let path = format!("/hooks/alertmanager/{key}");
    let firing = am_payload(vec![am_alert("db01", "firing"), am_alert("db02", "firing")]);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| post(&app, &path, &firing)))
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap().0, 200);
        }
    });
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents"), 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alerts"), 2);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM alerts WHERE status = 'firing'"),
        2
    );
}

fn a_burst_for_one_group_opens_one_incident(backend: Backend) {
    let app = TestApp::spawn(backend);
    let key = app.integration("storage", "alertmanager");
    let path = format!("/hooks/alertmanager/{key}");
    // 10,000 alerts of one group, as Alertmanager sends them: the group grows, and each
    // notification carries every alert of it so far.
    let mut alerts = Vec::new();
    for batch in 0..4 {
        let upto = [100, 1_000, 5_000, 10_000][batch];
        while alerts.len() < upto {
            alerts.push(am_alert(&format!("host{:05}", alerts.len()), "firing"));
        }
        let answer = post(&app, &path, &am_payload(alerts.clone()));
        assert_eq!(answer.0, 200, "{}", answer.1);
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents"), 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM alerts"), 10_000);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM alerts WHERE incident_id IS NULL"),
        0
    );
}

fn grafana_and_the_generic_webhook(backend: Backend) {
    let app = TestApp::spawn(backend);
    let grafana = app.integration("web", "grafana");
    let payload = json!({"receiver": "triage", "status": "firing", "orgId": 1, "state": "alerting",
        "title": "[FIRING:1] HighLatency", "message": "latency", "version": "1",
        "groupKey": "{}/{__grafana_receiver__=\"triage\"}:{alertname=\"HighLatency\"}",
        "alerts": [{"status": "firing", "labels": {"alertname": "HighLatency", "__alert_rule_uid__": "u1", "severity": "warning"},
            "annotations": {"summary": "p99 latency 2.1s"}, "startsAt": "2026-11-22T09:59:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://grafana/alerting/u1/edit", "fingerprint": "57c6d9296de2ad39",
            "dashboardURL": "http://grafana/d/x", "panelURL": "http://grafana/d/x?viewPanel=1",
            "silenceURL": "http://grafana/alerting/silence/new", "values": {"B": 2.1}, "valueString": "[ var='B' value=2.1 ]"}]});
    // Grafana's basic-auth option: the key is the password.
    let basic = format!("Basic {}", base64_encode(&format!("grafana:{grafana}")));
    let answer = app.raw(
        "POST",
        "/hooks/grafana",
        None,
        Some(payload.to_string()),
        &[("Authorization", &basic)],
    );
    assert_eq!(outcomes(&answer), ["opened"]);
    let (_, alerts) = app.get(&app.admin, "/api/v1/services/web/alerts");
    let alert = &alerts["alerts"][0];
    assert_eq!(alert["dedup_key"], "57c6d9296de2ad39");
    assert_eq!(alert["source"], "grafana");
    assert!(alert["labels"].get("__alert_rule_uid__").is_none());
    assert_eq!(alert["links"].as_array().unwrap().len(), 4);

    let webhook = app.integration("web", "webhook");
    let path = format!("/hooks/webhook/{webhook}");
    let one = json!({"key": "cert-expiry", "summary": "TLS certificate expires in 3 days", "severity": "warning"});
    assert_eq!(outcomes(&post(&app, &path, &one)), ["opened"]);
    let resolved = json!({"alerts": [{"key": "cert-expiry", "status": "resolved"}]});
    assert_eq!(outcomes(&post(&app, &path, &resolved)), ["resolved"]);
    let (_, incident) = app.get(&app.admin, "/api/v1/incidents/INC-2");
    assert_eq!(incident["summary"], "TLS certificate expires in 3 days");
    assert_eq!(incident["priority"], "P3");
}

fn base64_encode(text: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn metrics_count_alerts_and_show_levels(backend: Backend) {
    let app = TestApp::spawn(backend);
    let key = app.integration("storage", "alertmanager");
    let path = format!("/hooks/alertmanager/{key}");
    post(
        &app,
        &path,
        &am_payload(vec![am_alert("db01", "firing"), am_alert("db02", "firing")]),
    );
    post(&app, &path, &am_payload(vec![am_alert("db01", "firing")]));
    let (status, text) = app.raw("GET", "/metrics", None, None, &[]);
    assert_eq!(status, 200);
    let text = text.as_str().unwrap().to_string();
    for line in [
        "triage_alerts_received_total{source=\"alertmanager\",outcome=\"opened\"} 1",
        "triage_alerts_received_total{source=\"alertmanager\",outcome=\"attached\"} 1",
        "triage_alerts_received_total{source=\"alertmanager\",outcome=\"repeated\"} 1",
        "triage_alert_ingest_seconds_count{source=\"alertmanager\"} 2",
        "triage_incidents_open{priority=\"P1\"} 1",
        "triage_alerts_firing 2",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from\n{text}"
        );
    }
    assert!(text.trim_end().ends_with("# EOF"));
}

on_both_backends!(alertmanager_groups_open_one_incident_and_resolve_it);
on_both_backends!(pagerduty_clients_trigger_acknowledge_and_resolve);
on_both_backends!(bad_deliveries_are_refused_in_the_senders_shape_and_change_nothing);
on_both_backends!(concurrent_duplicates_make_one_alert);
on_both_backends!(a_burst_for_one_group_opens_one_incident);
on_both_backends!(grafana_and_the_generic_webhook);
on_both_backends!(metrics_count_alerts_and_show_levels);

fn silences_and_maintenance_windows_over_the_api(backend: Backend) {
    let app = TestApp::spawn(backend);
    let key = app.integration("storage", "alertmanager");
    let path = format!("/hooks/alertmanager/{key}");
    let responder = app.user("rita@example.com", "responder", &[]);
    let viewer = app.user("vic@example.com", "viewer", &[]);
    let body = json!({"service": "storage", "matchers": ["instance=~\"db0[12]\""],
        "duration": "2h", "comment": "CHG-42 disk replacement"});
    assert_eq!(app.post(&viewer, "/api/v1/silences", body.clone()).0, 403);
    let (status, silence) = app.post(&responder, "/api/v1/silences", body);
    assert_eq!(status, 201, "{silence}");
    assert_eq!(silence["state"], "active");
    assert_eq!(silence["ends_at"], "2026-11-22T12:00:00Z");
    assert_eq!(silence["created_by"], "rita@example.com");

    let answer = post(
        &app,
        &path,
        &am_payload(vec![am_alert("db01", "firing"), am_alert("db03", "firing")]),
    );
    assert_eq!(outcomes(&answer), ["silenced", "opened"]);
    assert_eq!(answer.1["alerts"][0]["silence"], silence["id"]);
    let (_, firing) = app.get(&viewer, "/api/v1/services/storage/alerts?status=firing");
    let db01 = firing["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["labels"]["instance"] == "db01")
        .unwrap();
    assert_eq!(db01["incident"], Value::Null);
    assert_eq!(db01["silence"], silence["id"]);

    for (bad, expected) in [
        (json!({"matchers": ["a=b"], "comment": "x"}), "needs an end"),
        (
            json!({"matchers": ["a=b"], "duration": "soon", "comment": "x"}),
            "duration 'soon' is not allowed",
        ),
        (
            json!({"matchers": ["a=b"], "duration": "1h", "ends_at": "2026-11-22T12:00:00Z", "comment": "x"}),
            "not both",
        ),
        (
            json!({"matchers": ["a"], "duration": "1h", "comment": "x"}),
            "name=value",
        ),
        (json!({"duration": "1h", "comment": "x"}), "needs a service"),
    ] {
        let refused = app.post(&responder, "/api/v1/silences", bad);
        assert_error(&refused, 422, "invalid_value", expected);
    }

    let id = silence["id"].as_i64().unwrap();
    let (status, ended) = app.delete(&responder, &format!("/api/v1/silences/{id}"));
    assert_eq!((status, ended["state"].as_str()), (200, Some("expired")));
    assert_error(
        &app.delete(&responder, &format!("/api/v1/silences/{id}")),
        422,
        "invalid_value",
        "already ended",
    );
    assert_error(
        &app.delete(&responder, "/api/v1/silences/999"),
        404,
        "not_found",
        "no silence 999",
    );
    let (_, listed) = app.get(&viewer, "/api/v1/silences?state=expired");
    assert_eq!(listed["silences"].as_array().unwrap().len(), 1);
    assert_error(
        &app.get(&viewer, "/api/v1/silences?state=soon"),
        422,
        "invalid_value",
        "use active, pending, expired or all",
    );

    // Once the silence is over, Alertmanager's next repeat brings db01 into the incident.
    let answer = post(
        &app,
        &path,
        &am_payload(vec![am_alert("db01", "firing"), am_alert("db03", "firing")]),
    );
    assert_eq!(outcomes(&answer), ["attached", "repeated"]);
}

on_both_backends!(silences_and_maintenance_windows_over_the_api);

fn prometheus_posts_to_the_alertmanager_api(backend: Backend) {
    let app = TestApp::spawn(backend);
    let key = app.integration("storage", "alertmanager");
    let alerts = json!([
        {"labels": {"alertname": "DiskFull", "instance": "db01", "severity": "critical"},
         "annotations": {"summary": "Disk 95% on db01"},
         "startsAt": "2026-11-22T09:55:00Z", "endsAt": "2026-11-22T10:04:00Z",
         "generatorURL": "http://prometheus:9090/graph"},
        {"labels": {"alertname": "DiskFull", "instance": "db02", "severity": "critical"},
         "startsAt": "2026-11-22T09:56:00Z", "endsAt": "2026-11-22T10:04:00Z"}]);
    let path = format!("/hooks/alertmanager/{key}/api/v2/alerts");
    let (status, body) = post(&app, &path, &alerts);
    assert_eq!((status, body), (200, Value::Null));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents"), 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM alerts WHERE status = 'firing'"),
        2
    );
    // Prometheus re-sends every minute, moving the end ahead, then sends the end once
    // it resolves.
    app.advance(5);
    let mut renewed = alerts.clone();
    renewed[0]["endsAt"] = json!("2026-11-22T10:09:00Z");
    renewed[1]["endsAt"] = json!("2026-11-22T10:09:00Z");
    let bearer = format!("Bearer {key}");
    let again = app.raw(
        "POST",
        "/api/v2/alerts",
        None,
        Some(renewed.to_string()),
        &[("Authorization", &bearer)],
    );
    assert_eq!(again.0, 200);
    // Five minutes on, the repeat is recorded as seen.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM alerts WHERE last_seen_at > received_at"),
        2
    );
    let mut ended = renewed.clone();
    ended[0]["endsAt"] = json!("2026-11-22T10:05:00Z");
    assert_eq!(post(&app, &path, &ended).0, 200);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM alerts WHERE status = 'firing'"),
        1
    );

    let (status, body) = post(&app, &path, &json!([{"labels": {}}]));
    assert_eq!(
        (status, body),
        (400, json!("[0]: at least one label pair required"))
    );
    let (status, body) = post(
        &app,
        "/hooks/alertmanager/0123456789abcdef0123456789abcdef/api/v2/alerts",
        &alerts,
    );
    assert_eq!(
        (status, body),
        (
            401,
            json!("the key is not a live alertmanager integration key")
        )
    );
    let (status, body) = app.raw(
        "GET",
        &format!("/hooks/alertmanager/{key}/api/v2/status"),
        None,
        None,
        &[],
    );
    assert_eq!(status, 200);
    assert_eq!(body["cluster"]["status"], "disabled");
}

on_both_backends!(prometheus_posts_to_the_alertmanager_api);
