//! Real senders against the real server, on both backends: Prometheus Alertmanager (the
//! Debian package `prometheus-alertmanager`) over its `webhook_configs` and its
//! `pagerduty_configs`, and PagerDuty's own Python client (`pdpyras`). `.ci/run`
//! installs both and sets TRIAGE_REQUIRE_SENDERS; elsewhere a missing sender skips its
//! test with a note.
//!
//! The senders are separate programs with their own timers: the tests wait on Triage's
//! live stream of incident changes (the console's), checking after each change whether
//! what was sent has landed.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use triage_testdb::alertmanager::{ALERTMANAGER, Alertmanager};
use triage_testdb::{Backend, on_both_backends};

use crate::harness::TestApp;
use crate::web::{Browser, PASSWORD, app_with_password, sign_in};

pub(crate) fn required() -> bool {
    std::env::var("TRIAGE_REQUIRE_SENDERS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Whether a sender (or a real client such as a calendar library) is here; if not, says
/// so (or fails when senders are required).
pub(crate) fn available(what: &str, present: bool) -> bool {
    if !present {
        assert!(
            !required(),
            "TRIAGE_REQUIRE_SENDERS is set but {what} is missing"
        );
        let _ = writeln!(
            std::io::stderr(),
            "note: the {what} test did not run: {what} is not installed (.ci/run installs it)"
        );
    }
    present
}

/// Triage's live stream of incident changes, read by a signed-in console session: what
/// the tests wait on while a sender's own timers run.
struct Changes(Box<dyn BufRead>);

impl Changes {
    fn open(app: &TestApp) -> Changes {
        let mut browser = Browser::new(app);
        sign_in(&mut browser, PASSWORD);
        Changes(browser.stream("/live/incidents?since=start"))
    }

    /// Returns once `condition` holds, checking it again at every line the stream sends
    /// (a change, or a keep-alive); fails when nothing arrives for 30 seconds.
    fn until(&mut self, what: &str, mut condition: impl FnMut() -> bool) {
        while !condition() {
            let mut line = String::new();
            match self.0.read_line(&mut line) {
                Ok(0) => panic!("the live stream ended while waiting for {what}"),
                Ok(_) => {}
                Err(error) => panic!("nothing changed while waiting for {what}: {error}"),
            }
        }
    }
}

/// A real Alertmanager, and a client for its API.
struct Sender {
    alertmanager: Alertmanager,
    agent: ureq::Agent,
}

impl Sender {
    fn start(config: &str) -> Sender {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .into();
        Sender {
            alertmanager: Alertmanager::start(ALERTMANAGER, config),
            agent,
        }
    }

    /// Posts alerts to Alertmanager's API, as Prometheus does.
    fn send(&self, alerts: &Value) {
        let response = self
            .agent
            .post(format!("{}/api/v2/alerts", self.alertmanager.url))
            .header("Content-Type", "application/json")
            .send(alerts.to_string())
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// The fingerprints Alertmanager gave the alerts it holds, by instance label.
    fn fingerprints(&self) -> Vec<(String, String)> {
        let mut response = self
            .agent
            .get(format!("{}/api/v2/alerts", self.alertmanager.url))
            .call()
            .unwrap();
        let alerts: Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        let mut prints: Vec<(String, String)> = alerts
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["labels"]["instance"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    a["fingerprint"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        prints.sort();
        prints
    }
}

fn alert(instance: &str, via: &str, ended: bool) -> Value {
    let mut alert = json!({
        "labels": {"alertname": "DiskFull", "cluster": "prod", "instance": instance,
            "severity": "critical", "via": via},
        "annotations": {"summary": format!("Disk 95% on {instance}")},
        "generatorURL": "http://prometheus:9090/graph"
    });
    if ended {
        // A past end resolves the alert at once.
        alert["endsAt"] = json!("2020-01-01T00:00:00Z");
    }
    alert
}

fn timeline_texts(app: &TestApp, key: &str) -> Vec<String> {
    let (_, timeline) = app.get(&app.admin, &format!("/api/v1/incidents/{key}/timeline"));
    timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

fn alertmanager_delivers_over_webhook_and_pagerduty(backend: Backend) {
    if !available("Alertmanager", Path::new(ALERTMANAGER).exists()) {
        return;
    }
    let app = app_with_password(backend);
    let mut changes = Changes::open(&app);
    let webhook_key = app.integration("storage", "alertmanager");
    let pagerduty_key = app.integration("storage", "pagerduty");
    let config = format!(
        r#"
route:
  receiver: triage
  group_by: [alertname, cluster]
  group_wait: 100ms
  group_interval: 300ms
  repeat_interval: 1h
  routes:
    - matchers: ['via="pagerduty"']
      receiver: triage-pagerduty
receivers:
  - name: triage
    webhook_configs:
      - url: {url}/hooks/alertmanager/{webhook_key}
        send_resolved: true
  - name: triage-pagerduty
    pagerduty_configs:
      - routing_key: {pagerduty_key}
        url: {url}/v2/enqueue
        send_resolved: true
"#,
        url = app.url()
    );
    let alertmanager = Sender::start(&config);

    // Webhook: two alerts of one group become one incident with two alerts.
    alertmanager.send(&json!([
        alert("db01", "webhook", false),
        alert("db02", "webhook", false)
    ]));
    changes.until("the webhook's incident", || {
        app.scalar("SELECT COUNT(*) FROM alerts WHERE status = 'firing'") == 2
    });
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents"), 1);
    // Triage's fingerprints are Alertmanager's own.
    let (_, alerts) = app.get(&app.admin, "/api/v1/incidents/INC-1/alerts");
    let mut ours: Vec<(String, String)> = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let labels: std::collections::BTreeMap<String, String> =
                serde_json::from_value(a["labels"].clone()).unwrap();
            assert_eq!(triage_core::alert::fingerprint(&labels), a["dedup_key"]);
            (
                labels["instance"].clone(),
                a["dedup_key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    ours.sort();
    assert_eq!(ours, alertmanager.fingerprints());
    let (_, incident) = app.get(&app.admin, "/api/v1/incidents/INC-1");
    assert_eq!(incident["priority"], "P1");
    assert_eq!(incident["detection_source"], "monitoring");

    alertmanager.send(&json!([
        alert("db01", "webhook", true),
        alert("db02", "webhook", true)
    ]));
    changes.until("the webhook's resolution", || {
        app.scalar("SELECT COUNT(*) FROM alerts WHERE status = 'firing'") == 0
    });
    assert!(
        timeline_texts(&app, "INC-1")
            .iter()
            .any(|t| t.ends_with("every alert has resolved")),
        "{:?}",
        timeline_texts(&app, "INC-1")
    );

    // pagerduty_configs: Alertmanager's trigger, keyed by the group, then its resolve.
    alertmanager.send(&json!([alert("db03", "pagerduty", false)]));
    changes.until("the PagerDuty route's incident", || {
        app.scalar("SELECT COUNT(*) FROM incidents") == 2
    });
    let (_, alerts) = app.get(&app.admin, "/api/v1/incidents/INC-2/alerts");
    let sent = &alerts["alerts"][0];
    assert_eq!(
        sent["dedup_key"].as_str().unwrap().len(),
        64,
        "sha256 of the group key"
    );
    assert_eq!(sent["source"], "Alertmanager");
    assert!(
        sent["summary"]
            .as_str()
            .unwrap()
            .starts_with("[FIRING:1] DiskFull")
    );
    alertmanager.send(&json!([alert("db03", "pagerduty", true)]));
    changes.until("the PagerDuty route's resolution", || {
        app.scalar("SELECT COUNT(*) FROM alerts WHERE status = 'firing'") == 0
    });
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents"), 2);
}

const PDPYRAS_SCRIPT: &str = r#"
import sys, warnings
warnings.simplefilter("ignore")
import pdpyras
url, key = sys.argv[1], sys.argv[2]
session = pdpyras.EventsAPISession(key)
session.url = url
dedup = session.trigger("Checkout error rate above 5%", "checkout-7", severity="error",
                        custom_details={"rate": "7%"})
print(dedup)
session.acknowledge(dedup)
session.resolve(dedup)
again = session.trigger("Checkout latency high", "checkout-7", dedup_key="latency-1")
print(again)
changes = pdpyras.ChangeEventsAPISession(key)
changes.url = url
changes.submit("Deployed checkout v42", source="ci", custom_details={"build": 42})
"#;

/// Whether Python can import `module` (a real client the tests drive).
pub(crate) fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn the_pagerduty_python_client_triggers_acknowledges_and_resolves(backend: Backend) {
    if !available("pdpyras", python_has("pdpyras")) {
        return;
    }
    let app = TestApp::spawn(backend);
    let key = app.integration("checkout", "pagerduty");
    let output = Command::new("python3")
        .args(["-c", PDPYRAS_SCRIPT, &app.url(), &key])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert_eq!(lines[0].len(), 32, "a generated dedup key: {printed}");
    assert_eq!(lines[1], "latency-1");

    let (_, incident) = app.get(&app.admin, "/api/v1/incidents/INC-1");
    assert_eq!(incident["summary"], "Checkout error rate above 5%");
    assert_eq!(incident["priority"], "P2");
    assert!(incident["acknowledged_at"].is_string());
    let (_, alerts) = app.get(&app.admin, "/api/v1/incidents/INC-1/alerts");
    assert_eq!(alerts["alerts"][0]["status"], "resolved");
    assert_eq!(alerts["alerts"][0]["dedup_key"], lines[0]);
    assert_eq!(alerts["alerts"][0]["details"]["rate"], "7%");
    let (_, other) = app.get(&app.admin, "/api/v1/incidents/INC-2");
    assert_eq!(
        other["priority"], "P1",
        "pdpyras's default severity is critical"
    );
    let (_, changes) = app.get(&app.admin, "/api/v1/services/checkout/changes");
    assert_eq!(changes["changes"][0]["summary"], "Deployed checkout v42");
}

on_both_backends!(alertmanager_delivers_over_webhook_and_pagerduty);
on_both_backends!(the_pagerduty_python_client_triggers_acknowledges_and_resolves);

const AMTOOL: &str = "/usr/bin/amtool";

fn amtool_sends_straight_to_triage(backend: Backend) {
    if !available("amtool", Path::new(AMTOOL).exists()) {
        return;
    }
    let app = TestApp::spawn(backend);
    let key = app.integration("payments", "alertmanager");
    let output = Command::new(AMTOOL)
        .arg(format!(
            "--alertmanager.url={}/hooks/alertmanager/{key}/",
            app.url()
        ))
        .args([
            "alert",
            "add",
            "alertname=ManualPage",
            "severity=critical",
            "team=payments",
        ])
        .arg("--annotation=summary=Checkout is failing for EU customers")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, incident) = app.get(&app.admin, "/api/v1/incidents/INC-1");
    assert_eq!(incident["summary"], "Checkout is failing for EU customers");
    assert_eq!(incident["priority"], "P1");
    assert_eq!(incident["services"], json!(["payments"]));
}

on_both_backends!(amtool_sends_straight_to_triage);
