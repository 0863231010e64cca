//! Escalation policies as stored, on both backends.

use jiff::{SignedDuration, Timestamp};
use triage_core::Priority;
use triage_core::escalation::advance;
use triage_core::incident::DetectionSource;
use triage_core::role::Role;
use triage_store::{
    NewContactMethod, NewIncident, NewPolicy, NewSchedule, NewService, NewUser, PolicyLevel,
    PolicyTarget, ScheduleLayer, ServiceChanges, Store, StoreError, StoreOptions,
};
use triage_testdb::{Backend, TestDb, on_both_backends_async};

fn now() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

async fn setup(backend: Backend) -> (TestDb, Store) {
    let db = TestDb::new(backend);
    let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    for email in ["ann@example.com", "lead@example.com"] {
        let user = NewUser {
            email: email.to_string(),
            name: None,
            role: Role::Responder,
            groups: Vec::new(),
        };
        store.create_user(user, now()).await.unwrap();
    }
    let schedule = NewSchedule {
        name: "primary".to_string(),
        description: String::new(),
        time_zone: "UTC".to_string(),
        layers: vec![ScheduleLayer {
            name: String::new(),
            users: vec!["ann@example.com".to_string()],
            shift: "1w".to_string(),
            start: "2026-11-16T09:00".to_string(),
            restrictions: Vec::new(),
        }],
    };
    store.create_schedule(schedule, now()).await.unwrap();
    (db, store)
}

fn two_levels() -> NewPolicy {
    NewPolicy {
        name: "storage".to_string(),
        description: "Storage escalation".to_string(),
        repeat: 1,
        ack_timeout: Some("30m".to_string()),
        levels: vec![
            PolicyLevel {
                targets: vec![PolicyTarget::Schedule("primary".to_string())],
                delay: "300s".to_string(),
            },
            PolicyLevel {
                targets: vec![PolicyTarget::User("Lead@Example.com".to_string())],
                delay: "1h".to_string(),
            },
        ],
    }
}

async fn policies_are_stored_as_written(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let created = store.create_policy(two_levels(), now()).await.unwrap();
    assert_eq!(created.levels[0].delay, "5m");
    assert_eq!(created.ack_timeout.as_deref(), Some("30m"));
    assert_eq!(
        created.levels[1].targets,
        [PolicyTarget::User("lead@example.com".to_string())]
    );
    assert_eq!(store.policy("storage").await.unwrap(), created);
    assert!(matches!(
        store.create_policy(two_levels(), now()).await,
        Err(StoreError::Duplicate(_))
    ));
    // The stored policy decides: level 1 pages whoever is on call in the schedule.
    let model = created.model().unwrap();
    let progress = advance(&model, 0, now(), now(), |_, _| {
        Some("ann@example.com".to_string())
    });
    assert_eq!(progress.fired[0].paged, ["ann@example.com"]);

    // A schedule in use cannot be deleted.
    let refused = store.delete_schedule("primary").await.unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("schedule 'primary' is used by escalation policy storage"),
        "{refused}"
    );

    let mut changed = two_levels();
    changed.levels.truncate(1);
    changed.repeat = 0;
    let updated = store
        .update_policy("storage", changed, now())
        .await
        .unwrap();
    assert_eq!(updated.levels.len(), 1);
    assert_eq!(store.policies().await.unwrap(), vec![updated]);
    store.delete_policy("storage").await.unwrap();
    store.delete_schedule("primary").await.unwrap();
}

/// A change that makes a policy bad.
type Change = fn(&mut NewPolicy);

async fn bad_policies_are_refused_and_change_nothing(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let cases: Vec<(Change, &str)> = vec![
        (|p| p.levels.clear(), "needs at least one level"),
        (|p| p.levels[1].targets.clear(), "level 2 targets nobody"),
        (
            |p| p.levels[0].delay = "0m".into(),
            "level 1: duration '0m' is not allowed",
        ),
        (
            |p| p.levels[1].delay = "soon".into(),
            "level 2: duration 'soon'",
        ),
        (|p| p.repeat = 12, "repeats 0 to 9 times"),
        (
            |p| p.ack_timeout = Some("later".into()),
            "acknowledgement timeout: duration 'later'",
        ),
        (
            |p| p.levels[0].targets = vec![PolicyTarget::Schedule("nowhere".into())],
            "no schedule 'nowhere'",
        ),
        (
            |p| p.levels[1].targets = vec![PolicyTarget::User("zed@example.com".into())],
            "no user with e-mail 'zed@example.com'",
        ),
    ];
    for (change, expected) in cases {
        let mut bad = two_levels();
        change(&mut bad);
        let error = store.create_policy(bad, now()).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert!(store.policies().await.unwrap().is_empty());
}

/// An incident that pages fires its first level in the transaction that opens it: the
/// page is claimed for this process and handed to its engine once committed, and only
/// if this process dies before sending it does another take it, after the claim lapses.
async fn the_first_page_is_handed_over_with_the_incident(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let (_, token) = store
        .bootstrap_admin("admin@example.com", None, now())
        .await
        .unwrap();
    let admin = store.authenticate(&token.token).await.unwrap().unwrap();
    store.create_policy(two_levels(), now()).await.unwrap();
    let service = NewService {
        name: "storage".to_string(),
        ..NewService::default()
    };
    store.create_service(service, now()).await.unwrap();
    let changes = ServiceChanges {
        escalation_policy: Some("storage".to_string()),
        ..ServiceChanges::default()
    };
    store.update_service("storage", changes).await.unwrap();
    let method = NewContactMethod {
        kind: "webhook".to_string(),
        address: "http://127.0.0.1:9/ann".to_string(),
        ..NewContactMethod::default()
    };
    store
        .add_contact_method("ann@example.com", method, now())
        .await
        .unwrap();
    assert!(store.take_handed().await.unwrap().is_empty());

    let new = NewIncident {
        summary: "Checkout down".to_string(),
        description: String::new(),
        priority: Some(Priority::P1),
        severity: None,
        assignee: None,
        services: vec!["storage".to_string()],
        labels: Vec::new(),
        detection_source: DetectionSource::UserReport,
        detected_at: None,
    };
    let incident = store.create_incident(new, &admin, now()).await.unwrap();
    // Paged and assigned in the same transaction.
    assert_eq!(incident.assignee.unwrap().email, "ann@example.com");
    let handed = store.take_handed().await.unwrap();
    assert_eq!(handed.len(), 1, "{handed:?}");
    assert_eq!(
        (
            handed[0].incident.as_str(),
            handed[0].user.as_deref(),
            handed[0].attempt
        ),
        (incident.key.as_str(), Some("ann@example.com"), 1)
    );
    assert!(handed[0].idempotency_key.starts_with("page-"));
    // Once; and nobody else takes it while the claim holds.
    assert!(store.take_handed().await.unwrap().is_empty());
    assert!(store.run_escalations(now()).await.unwrap().is_empty());
    assert!(
        store
            .claim_notifications(now(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // This process died before sending it: a minute later it is taken again, same key.
    let later = now() + SignedDuration::from_secs(61);
    let retaken = store.claim_notifications(later, 10).await.unwrap();
    assert_eq!(retaken.len(), 1);
    assert_eq!(
        (retaken[0].idempotency_key.as_str(), retaken[0].attempt),
        (handed[0].idempotency_key.as_str(), 2)
    );
}

on_both_backends_async!(policies_are_stored_as_written);
on_both_backends_async!(the_first_page_is_handed_over_with_the_incident);
on_both_backends_async!(bad_policies_are_refused_and_change_nothing);
