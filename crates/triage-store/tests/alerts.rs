//! Alerts into incidents, on both backends: dedup, grouping, resolution, the service's
//! policy on resolution, flapping, acknowledgement, and revoked keys.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use triage_core::alert::{AlertBody, AlertSeverity, IntegrationKind, Signal, SignalAction};
use triage_core::incident::DetectionSource;
use triage_core::{Priority, Severity};
use triage_store::{
    NewService, NewSilence, Outcome, PolicyChanges, ServiceChanges, Store, StoreError, StoreOptions,
};
use triage_testdb::{Backend, TestDb, on_both_backends_async};

fn at(minute: i64) -> Timestamp {
    let start: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
    start + SignedDuration::from_mins(minute)
}

fn fire(key: &str, group: &str, severity: AlertSeverity, started: i64) -> Signal {
    let labels: BTreeMap<String, String> = [
        ("alertname".to_string(), "DiskFull".to_string()),
        ("instance".to_string(), key.to_string()),
    ]
    .into_iter()
    .collect();
    Signal {
        dedup_key: key.to_string(),
        group_key: group.to_string(),
        action: SignalAction::Fire(AlertBody {
            summary: format!("Disk full on {key}"),
            source: "alertmanager".to_string(),
            severity: Some(severity),
            labels,
            details: serde_json::Map::from_iter([("summary".to_string(), json!("disk"))]),
            links: vec!["http://prom/graph".to_string()],
            starts_at: Some(at(started)),
            raw: json!({"fingerprint": key}),
        }),
    }
}

fn resolve(key: &str, group: &str) -> Signal {
    Signal {
        dedup_key: key.to_string(),
        group_key: group.to_string(),
        action: SignalAction::Resolve { ends_at: None },
    }
}

async fn setup(backend: Backend, on_resolved: &str) -> (TestDb, Store, i64) {
    let db = TestDb::new(backend);
    let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    let service = NewService {
        name: "storage".to_string(),
        runbook_url: Some("https://runbooks.example.com/storage".to_string()),
        policy: PolicyChanges {
            on_resolved: Some(on_resolved.to_string()),
            ..PolicyChanges::default()
        },
        ..NewService::default()
    };
    store.create_service(service, at(0)).await.unwrap();
    let integration = store
        .create_integration("storage", IntegrationKind::Alertmanager, "prom", at(0))
        .await
        .unwrap();
    (db, store, integration.integration.id)
}

fn key_of(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Opened { incident }
        | Outcome::Attached { incident }
        | Outcome::Reopened { incident }
        | Outcome::Acknowledged { incident } => incident.clone(),
        other => panic!("no incident in {other:?}"),
    }
}

async fn alerts_group_into_one_incident_and_retries_change_nothing(backend: Backend) {
    let (_db, store, source) = setup(backend, "leave").await;
    let group = "{}:{alertname=\"DiskFull\"}";
    let outcomes = store
        .ingest_alerts(
            source,
            vec![
                fire("db01", group, AlertSeverity::Warning, -5),
                fire("db02", group, AlertSeverity::Critical, -4),
            ],
            at(1),
        )
        .await
        .unwrap();
    let key = key_of(&outcomes[0]);
    assert_eq!(
        outcomes[0],
        Outcome::Opened {
            incident: key.clone()
        }
    );
    assert_eq!(
        outcomes[1],
        Outcome::Attached {
            incident: key.clone()
        }
    );

    let incident = store.incident(&key).await.unwrap();
    assert_eq!(incident.summary, "Disk full on db01");
    assert_eq!(incident.detection_source, DetectionSource::Monitoring);
    assert_eq!(incident.detected_at, at(-5));
    assert_eq!(incident.priority, Some(Priority::P3));
    assert_eq!(incident.severity, Some(Severity::Sev3));
    assert_eq!(incident.services, ["storage"]);
    assert!(incident.reporter.is_none());
    assert!(
        incident
            .description
            .contains("Runbook: https://runbooks.example.com/storage")
    );
    assert!(incident.description.contains("instance=db01"));

    // The sender retries the same notification, twice: nothing new.
    for minute in [2, 3] {
        let again = store
            .ingest_alerts(
                source,
                vec![fire("db01", group, AlertSeverity::Warning, -5)],
                at(minute),
            )
            .await
            .unwrap();
        assert_eq!(
            again,
            [Outcome::Repeated {
                incident: Some(key.clone())
            }]
        );
    }
    let alerts = store.incident_alerts(&key).await.unwrap();
    assert_eq!(alerts.len(), 2);
    let db01 = alerts.iter().find(|a| a.dedup_key == "db01").unwrap();
    assert_eq!(db01.last_seen_at, at(3));
    assert_eq!(db01.labels["instance"], "db01");
    assert_eq!(db01.service, "storage");
    assert_eq!(db01.integration, "prom");

    let timeline = store.timeline(&key).await.unwrap();
    let texts: Vec<&str> = timeline.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Triage created the incident (Open): Disk full on db01",
            "Triage received 2 firing alerts from alertmanager: Disk full on db01; Disk full on db02",
        ]
    );
    assert!(timeline.iter().all(|e| e.actor.is_none()));

    // Resolution, one at a time; the policy here leaves the incident alone.
    let first = store
        .ingest_alerts(source, vec![resolve("db01", group)], at(10))
        .await
        .unwrap();
    assert_eq!(
        first,
        [Outcome::Resolved {
            incident: Some(key.clone())
        }]
    );
    let last = store
        .ingest_alerts(source, vec![resolve("db02", group)], at(11))
        .await
        .unwrap();
    assert_eq!(
        last,
        [Outcome::Resolved {
            incident: Some(key.clone())
        }]
    );
    let again = store
        .ingest_alerts(source, vec![resolve("db02", group)], at(12))
        .await
        .unwrap();
    assert_eq!(again, [Outcome::Ignored]);
    let timeline = store.timeline(&key).await.unwrap();
    let texts: Vec<&str> = timeline.iter().skip(2).map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Triage saw 1 alert resolve (alertmanager): Disk full on db01; 1 alert still firing",
            "Triage saw 1 alert resolve (alertmanager): Disk full on db02; every alert has resolved",
        ]
    );
    assert_eq!(store.incident(&key).await.unwrap().status, "Open");

    // A late retry of the first firing notification is recognised by its start time.
    let stale = store
        .ingest_alerts(
            source,
            vec![fire("db01", group, AlertSeverity::Warning, -5)],
            at(13),
        )
        .await
        .unwrap();
    assert_eq!(stale, [Outcome::Ignored]);
    // The open incident takes the group's next new alert.
    let next = store
        .ingest_alerts(
            source,
            vec![fire("db01", group, AlertSeverity::Warning, 14)],
            at(14),
        )
        .await
        .unwrap();
    assert_eq!(
        next,
        [Outcome::Attached {
            incident: key.clone()
        }]
    );
    assert_eq!(store.incident_alerts(&key).await.unwrap().len(), 3);
}

async fn resolving_policy_moves_the_incident_and_flapping_reopens_it(backend: Backend) {
    let (_db, store, source) = setup(backend, "resolve").await;
    let group = "g";
    let opened = store
        .ingest_alerts(
            source,
            vec![fire("a", group, AlertSeverity::Critical, 0)],
            at(0),
        )
        .await
        .unwrap();
    let key = key_of(&opened[0]);
    assert_eq!(
        store.incident(&key).await.unwrap().priority,
        Some(Priority::P1)
    );
    store
        .ingest_alerts(source, vec![resolve("a", group)], at(5))
        .await
        .unwrap();
    let incident = store.incident(&key).await.unwrap();
    assert_eq!(incident.status, "Resolved");
    assert_eq!(incident.resolution.as_deref(), Some("Fixed"));
    let moves: Vec<String> = store
        .timeline(&key)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "status_changed")
        .map(|e| e.text)
        .collect();
    assert_eq!(
        moves,
        [
            "Triage moved Open → Investigating: every alert has resolved",
            "Triage moved Investigating → In Progress: every alert has resolved",
            // The Monitoring transition needs the sre group: the automation counts as a member.
            "Triage moved In Progress → Monitoring: every alert has resolved",
            "Triage moved Monitoring → Resolved (resolution: Fixed): every alert has resolved",
        ]
    );

    // Fires again 10 minutes later, inside the 30-minute window: the same incident reopens.
    let flapped = store
        .ingest_alerts(
            source,
            vec![fire("a", group, AlertSeverity::Critical, 15)],
            at(15),
        )
        .await
        .unwrap();
    assert_eq!(
        flapped,
        [Outcome::Reopened {
            incident: key.clone()
        }]
    );
    let incident = store.incident(&key).await.unwrap();
    assert_eq!(incident.status, "Investigating");
    assert!(incident.resolution.is_none());

    // Resolved again, then silent for longer than the window: a new incident.
    store
        .ingest_alerts(source, vec![resolve("a", group)], at(20))
        .await
        .unwrap();
    assert_eq!(store.incident(&key).await.unwrap().status, "Resolved");
    let later = store
        .ingest_alerts(
            source,
            vec![fire("a", group, AlertSeverity::Critical, 60)],
            at(60),
        )
        .await
        .unwrap();
    let Outcome::Opened { incident: other } = &later[0] else {
        panic!("a new incident, not {later:?}");
    };
    assert_ne!(other, &key);
}

async fn monitoring_policy_stops_where_the_workflow_refuses(backend: Backend) {
    let (_db, store, source) = setup(backend, "monitoring").await;
    store
        .update_service(
            "storage",
            ServiceChanges {
                policy: PolicyChanges {
                    alert_mapping: Some("info=P3/SEV4".to_string()),
                    ..PolicyChanges::default()
                },
                ..ServiceChanges::default()
            },
        )
        .await
        .unwrap();
    let opened = store
        .ingest_alerts(source, vec![fire("a", "g", AlertSeverity::Info, 0)], at(0))
        .await
        .unwrap();
    let key = key_of(&opened[0]);
    // Someone clears the priority; Investigating needs one, so the automation stops.
    let (_, token) = store
        .bootstrap_admin("admin@example.com", Some("Admin"), at(0))
        .await
        .unwrap();
    let admin = store.authenticate(&token.token).await.unwrap().unwrap();
    store
        .update_incident(
            &key,
            triage_store::IncidentChanges {
                priority: Some(None),
                ..Default::default()
            },
            None,
            &admin,
            at(1),
        )
        .await
        .unwrap();
    store
        .ingest_alerts(source, vec![resolve("a", "g")], at(2))
        .await
        .unwrap();
    let incident = store.incident(&key).await.unwrap();
    assert_eq!(incident.status, "Open");
    let last = store.timeline(&key).await.unwrap().pop().unwrap();
    assert_eq!(
        last.text,
        "Triage did not move the incident to Monitoring: cannot move to Investigating: needs a priority"
    );
}

async fn acknowledgements_and_group_by_labels(backend: Backend) {
    let (db, store, _) = setup(backend, "leave").await;
    let pagerduty = store
        .create_integration("storage", IntegrationKind::PagerDuty, "", at(0))
        .await
        .unwrap()
        .integration
        .id;
    let opened = store
        .ingest_alerts(
            pagerduty,
            vec![fire("k1", "k1", AlertSeverity::Error, 0)],
            at(0),
        )
        .await
        .unwrap();
    let key = key_of(&opened[0]);
    let ack = Signal {
        dedup_key: "k1".to_string(),
        group_key: "k1".to_string(),
        action: SignalAction::Acknowledge,
    };
    let outcome = store
        .ingest_alerts(pagerduty, vec![ack.clone()], at(1))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        [Outcome::Acknowledged {
            incident: key.clone()
        }]
    );
    assert_eq!(
        store.incident(&key).await.unwrap().acknowledged_at,
        Some(at(1))
    );
    assert_eq!(
        store
            .ingest_alerts(pagerduty, vec![ack], at(2))
            .await
            .unwrap(),
        [Outcome::Ignored]
    );
    assert_eq!(
        store.timeline(&key).await.unwrap().last().unwrap().text,
        "Triage acknowledged the incident (via pagerduty)"
    );

    // Grouping by a label puts different senders' groups together.
    store
        .update_service(
            "storage",
            ServiceChanges {
                policy: PolicyChanges {
                    group_by: Some("alertname".to_string()),
                    ..PolicyChanges::default()
                },
                ..ServiceChanges::default()
            },
        )
        .await
        .unwrap();
    let outcomes = store
        .ingest_alerts(
            pagerduty,
            vec![
                fire("k2", "k2", AlertSeverity::Error, 3),
                fire("k3", "k3", AlertSeverity::Error, 3),
            ],
            at(3),
        )
        .await
        .unwrap();
    assert!(matches!(outcomes[0], Outcome::Opened { .. }));
    let by_alertname = key_of(&outcomes[0]);
    assert_eq!(
        outcomes[1],
        Outcome::Attached {
            incident: by_alertname.clone()
        }
    );

    // Each server guesses a delivery's groups from the policy it last read, so that
    // their incidents come with its alerts; a wrong guess only costs a second read. A
    // server that has not seen the integration guesses the sender's groups:
    let other = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    assert_eq!(
        other
            .ingest_alerts(
                pagerduty,
                vec![fire("k4", "k4", AlertSeverity::Error, 4)],
                at(4)
            )
            .await
            .unwrap(),
        [Outcome::Attached {
            incident: by_alertname
        }]
    );
    // and a server that read the policy before it changed guesses by the old one.
    other
        .update_service(
            "storage",
            ServiceChanges {
                policy: PolicyChanges {
                    group_by: Some(String::new()),
                    ..PolicyChanges::default()
                },
                ..ServiceChanges::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .ingest_alerts(
                pagerduty,
                vec![fire("k5", "k1", AlertSeverity::Error, 5)],
                at(5)
            )
            .await
            .unwrap(),
        [Outcome::Attached { incident: key }]
    );
}

async fn revoked_integrations_write_nothing(backend: Backend) {
    let (db, store, source) = setup(backend, "leave").await;
    // A key this server knows, revoked through another server on the same database: the
    // delivery is refused all the same, and this server forgets the key.
    let grafana = store
        .create_integration("storage", IntegrationKind::Grafana, "grafana", at(0))
        .await
        .unwrap();
    let known = store.sender(&grafana.key).await.unwrap().unwrap();
    let other = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    other
        .revoke_integration(grafana.integration.id, at(0))
        .await
        .unwrap();
    assert_eq!(store.sender(&grafana.key).await.unwrap(), Some(known));
    let refused = store
        .ingest_alerts(
            known.integration_id,
            vec![fire("b", "g", AlertSeverity::Info, 0)],
            at(1),
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, StoreError::NotFound(_)), "{refused}");
    assert_eq!(store.sender(&grafana.key).await.unwrap(), None);

    store.revoke_integration(source, at(0)).await.unwrap();
    let error = store
        .ingest_alerts(source, vec![fire("a", "g", AlertSeverity::Info, 0)], at(1))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "{error}");
    assert!(
        store
            .service_alerts("storage", false, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn service_alert_settings_are_checked(backend: Backend) {
    let (_db, store, _) = setup(backend, "leave").await;
    let changed = store
        .update_service(
            "storage",
            ServiceChanges {
                description: Some("Block storage".to_string()),
                policy: PolicyChanges {
                    alert_mapping: Some("warning=P2/SEV3".to_string()),
                    flap_window: Some(600),
                    group_by: Some("cluster, alertname".to_string()),
                    ..PolicyChanges::default()
                },
                ..ServiceChanges::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.description, "Block storage");
    assert_eq!(changed.alert_mapping["warning"], "P2/SEV3");
    assert_eq!(changed.alert_mapping["critical"], "P1/SEV1");
    assert_eq!(changed.flap_window, 600);
    assert_eq!(changed.group_by, ["cluster", "alertname"]);
    assert_eq!(
        changed.runbook_url.as_deref(),
        Some("https://runbooks.example.com/storage")
    );
    for (bad, expected) in [
        (
            PolicyChanges {
                on_resolved: Some("close".into()),
                ..Default::default()
            },
            "use leave, monitoring or resolve",
        ),
        (
            PolicyChanges {
                flap_window: Some(-5),
                ..Default::default()
            },
            "0 to 86400 seconds",
        ),
        (
            PolicyChanges {
                alert_mapping: Some("loud=P1".into()),
                ..Default::default()
            },
            "critical=P1/SEV1",
        ),
    ] {
        let error = store
            .update_service(
                "storage",
                ServiceChanges {
                    policy: bad,
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert_eq!(store.service("storage").await.unwrap(), changed);
}

on_both_backends_async!(alerts_group_into_one_incident_and_retries_change_nothing);
on_both_backends_async!(resolving_policy_moves_the_incident_and_flapping_reopens_it);
on_both_backends_async!(monitoring_policy_stops_where_the_workflow_refuses);
on_both_backends_async!(acknowledgements_and_group_by_labels);
on_both_backends_async!(revoked_integrations_write_nothing);
on_both_backends_async!(service_alert_settings_are_checked);

async fn silences_keep_matching_alerts_out_of_incidents(backend: Backend) {
    let (_db, store, source) = setup(backend, "leave").await;
    let (_, token) = store
        .bootstrap_admin("admin@example.com", Some("Admin"), at(0))
        .await
        .unwrap();
    let admin = store.authenticate(&token.token).await.unwrap().unwrap();
    let silence = store
        .create_silence(
            NewSilence {
                service: Some("storage".to_string()),
                matchers: vec!["instance=~db0[12]".to_string()],
                starts_at: None,
                ends_at: Some(at(60)),
                comment: "CHG-42 disk replacement".to_string(),
            },
            &admin,
            at(0),
        )
        .await
        .unwrap();
    assert_eq!(silence.state, "active");
    assert_eq!(silence.matchers, ["instance=~\"db0[12]\""]);
    assert_eq!(silence.created_by.as_deref(), Some("admin@example.com"));

    let outcomes = store
        .ingest_alerts(
            source,
            vec![
                fire("db01", "g", AlertSeverity::Critical, 0),
                fire("db03", "g", AlertSeverity::Critical, 0),
            ],
            at(1),
        )
        .await
        .unwrap();
    assert_eq!(
        outcomes[0],
        Outcome::Silenced {
            silence: silence.id
        }
    );
    let key = key_of(&outcomes[1]);
    assert_eq!(store.incident_alerts(&key).await.unwrap().len(), 1);
    let silenced = store.service_alerts("storage", true, 10).await.unwrap();
    let db01 = silenced.iter().find(|a| a.dedup_key == "db01").unwrap();
    assert_eq!(
        (db01.incident.as_deref(), db01.silence),
        (None, Some(silence.id))
    );

    // Still silenced on repeat; once the silence ends, the next repeat opens the way in.
    let again = store
        .ingest_alerts(
            source,
            vec![fire("db01", "g", AlertSeverity::Critical, 0)],
            at(2),
        )
        .await
        .unwrap();
    assert_eq!(again, [Outcome::Repeated { incident: None }]);
    let expired = store.expire_silence(silence.id, at(3)).await.unwrap();
    assert_eq!(expired.state, "expired");
    assert!(store.expire_silence(silence.id, at(4)).await.is_err());
    let after = store
        .ingest_alerts(
            source,
            vec![fire("db01", "g", AlertSeverity::Critical, 0)],
            at(5),
        )
        .await
        .unwrap();
    assert_eq!(
        after,
        [Outcome::Attached {
            incident: key.clone()
        }]
    );
    assert_eq!(store.incident_alerts(&key).await.unwrap().len(), 2);

    // A maintenance window: the whole service, no matchers, starting later.
    let window = store
        .create_silence(
            NewSilence {
                service: Some("storage".to_string()),
                starts_at: Some(at(30)),
                ends_at: Some(at(90)),
                comment: "maintenance".to_string(),
                ..NewSilence::default()
            },
            &admin,
            at(5),
        )
        .await
        .unwrap();
    assert_eq!(window.state, "pending");
    let during = store
        .ingest_alerts(
            source,
            vec![fire("web1", "other", AlertSeverity::Info, 31)],
            at(31),
        )
        .await
        .unwrap();
    assert_eq!(during, [Outcome::Silenced { silence: window.id }]);
    let states: Vec<String> = store
        .silences(Some("active"), at(31))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.comment)
        .collect();
    assert_eq!(states, ["maintenance"]);
    assert_eq!(store.silences(None, at(31)).await.unwrap().len(), 2);

    for (bad, expected) in [
        (
            NewSilence {
                ends_at: Some(at(90)),
                comment: "x".into(),
                ..NewSilence::default()
            },
            "needs a service",
        ),
        (
            NewSilence {
                matchers: vec!["alertname".into()],
                ends_at: Some(at(90)),
                comment: "x".into(),
                ..NewSilence::default()
            },
            "name=value",
        ),
        (
            NewSilence {
                service: Some("storage".into()),
                ends_at: Some(at(90)),
                ..NewSilence::default()
            },
            "needs a comment",
        ),
        (
            NewSilence {
                service: Some("storage".into()),
                ends_at: Some(at(1)),
                comment: "x".into(),
                ..NewSilence::default()
            },
            "must end after it starts",
        ),
        (
            NewSilence {
                service: Some("nowhere".into()),
                ends_at: Some(at(90)),
                comment: "x".into(),
                ..NewSilence::default()
            },
            "no service 'nowhere'",
        ),
    ] {
        let error = store.create_silence(bad, &admin, at(5)).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
}

on_both_backends_async!(silences_keep_matching_alerts_out_of_incidents);
