//! The storage story: what the store promises, checked on a real SQLite file and a real
//! PostgreSQL database.

use std::collections::BTreeSet;

use jiff::Timestamp;
use triage_core::Priority;
use triage_core::incident::DetectionSource;
use triage_core::role::Role;
use triage_store::{
    Actor, IncidentFilter, ListRequest, NewIncident, NewUser, Store, StoreError, StoreOptions,
    TransitionInput,
};
use triage_testdb::{Backend, TestDb, on_both_backends_async};

fn now() -> Timestamp {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

async fn open(db: &TestDb) -> Store {
    Store::open(&db.db, StoreOptions::default()).await.unwrap()
}

async fn admin(store: &Store) -> Actor {
    let (user, token) = store
        .bootstrap_admin("admin@example.com", Some("Ada Admin"), now())
        .await
        .unwrap();
    assert_eq!(user.groups, vec!["sre"]);
    store.authenticate(&token.token).await.unwrap().unwrap()
}

fn new_incident(summary: &str) -> NewIncident {
    NewIncident {
        summary: summary.to_string(),
        description: String::new(),
        priority: None,
        severity: None,
        assignee: None,
        services: vec![],
        labels: vec![],
        detection_source: DetectionSource::UserReport,
        detected_at: None,
    }
}

async fn concurrent_creations_get_distinct_contiguous_keys(backend: Backend) {
    let db = TestDb::new(backend);
    let store = open(&db).await;
    let actor = admin(&store).await;
    let mut tasks = Vec::new();
    for n in 0..200 {
        let store = store.clone();
        let actor = actor.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_incident(new_incident(&format!("incident {n}")), &actor, now())
                .await
                .unwrap()
                .key
        }));
    }
    let mut keys = BTreeSet::new();
    for task in tasks {
        assert!(keys.insert(task.await.unwrap()));
    }
    let expected: BTreeSet<String> = (1..=200).map(|n| format!("INC-{n}")).collect();
    assert_eq!(keys, expected);
}

async fn a_refused_write_in_a_batch_changes_nothing_and_spares_the_others(backend: Backend) {
    let db = TestDb::new(backend);
    let store = open(&db).await;
    let actor = admin(&store).await;
    let incident = store
        .create_incident(new_incident("DB down"), &actor, now())
        .await
        .unwrap();
    let key = incident.key.clone();
    // Investigating needs a priority: these all fail, while the comments succeed.
    let mut tasks = Vec::new();
    for n in 0..20 {
        let store = store.clone();
        let actor = actor.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            if n % 2 == 0 {
                let input = TransitionInput {
                    name: Some("Investigating".into()),
                    comment: Some("should not be stored".into()),
                    resolution: None,
                };
                store
                    .transition_incident(&key, input, None, &actor, now())
                    .await
                    .map(|_| ())
            } else {
                store
                    .add_comment(&key, &format!("note {n}"), &actor, now())
                    .await
                    .map(|_| ())
            }
        }));
    }
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => {}
            Err(StoreError::Refused(refusal)) => {
                assert_eq!(
                    refusal.to_string(),
                    "cannot move to Investigating: needs a priority"
                );
                refused += 1;
            }
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(refused, 10);
    let comments = store.comments(&key).await.unwrap();
    assert_eq!(comments.len(), 10);
    assert!(comments.iter().all(|c| c.body.starts_with("note")));
    let after = store.incident(&key).await.unwrap();
    assert_eq!(after.status, "Open");
    assert_eq!(after.version, 11);
    assert_eq!(store.timeline(&key).await.unwrap().len(), 11);
}

async fn stale_versions_are_refused(backend: Backend) {
    let db = TestDb::new(backend);
    let store = open(&db).await;
    let actor = admin(&store).await;
    let incident = store
        .create_incident(new_incident("DB down"), &actor, now())
        .await
        .unwrap();
    let changes = triage_store::IncidentChanges {
        priority: Some(Some(Priority::P1)),
        ..Default::default()
    };
    store
        .update_incident(&incident.key, changes.clone(), Some(1), &actor, now())
        .await
        .unwrap();
    let stale = store
        .update_incident(&incident.key, changes, Some(1), &actor, now())
        .await
        .unwrap_err();
    assert_eq!(
        stale.to_string(),
        "INC-1 was changed by someone else: you have version 1, it is now at version 2; reload and try again"
    );
}

async fn the_timeline_is_append_only_in_the_database_itself(backend: Backend) {
    let db = TestDb::new(backend);
    {
        let store = open(&db).await;
        let actor = admin(&store).await;
        store
            .create_incident(new_incident("DB down"), &actor, now())
            .await
            .unwrap();
        store.close().await;
    }
    sqlx::any::install_default_drivers();
    use sqlx::Connection;
    let mut connection = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    for statement in ["UPDATE events SET kind = 'x'", "DELETE FROM events"] {
        let error = sqlx::query(statement)
            .execute(&mut connection)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
}

async fn data_survives_reopening(backend: Backend) {
    let db = TestDb::new(backend);
    let key = {
        let store = open(&db).await;
        let actor = admin(&store).await;
        store
            .create_user(
                NewUser {
                    email: "Viewer@Example.com".into(),
                    name: None,
                    role: Role::Viewer,
                    groups: vec!["sre".into()],
                },
                now(),
            )
            .await
            .unwrap();
        let incident = store
            .create_incident(new_incident("DB down"), &actor, now())
            .await
            .unwrap();
        store.close().await;
        incident.key
    };
    let store = open(&db).await;
    let incident = store.incident(&key).await.unwrap();
    assert_eq!(incident.summary, "DB down");
    let viewer = store.user("viewer@example.com").await.unwrap();
    assert_eq!(viewer.name, "viewer");
    assert_eq!(viewer.groups, vec!["sre"]);
    let page = store
        .list_incidents(ListRequest {
            filter: IncidentFilter {
                text: Some("db".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

async fn statuses_missing_from_a_new_workflow_are_reported(backend: Backend) {
    let db = TestDb::new(backend);
    {
        let store = open(&db).await;
        let actor = admin(&store).await;
        let incident = store
            .create_incident(new_incident("DB down"), &actor, now())
            .await
            .unwrap();
        let input = TransitionInput {
            name: Some("False Alarm".into()),
            ..Default::default()
        };
        store
            .transition_incident(&incident.key, input, None, &actor, now())
            .await
            .unwrap();
        store
            .create_incident(new_incident("Disk full"), &actor, now())
            .await
            .unwrap();
        assert_eq!(store.statuses_outside_workflow().await.unwrap(), vec![]);
        store.close().await;
    }
    let smaller = triage_core::workflow::Workflow::from_toml(
        "name = \"small\"\ninitial = \"Open\"\n[[status]]\nname = \"Open\"\ncategory = \"To Do\"\n\
         [[status]]\nname = \"Done\"\ncategory = \"Done\"\n[[transition]]\nname = \"Done\"\n\
         from = [\"Open\"]\nto = \"Done\"\n",
    )
    .unwrap();
    let options = StoreOptions {
        workflow: std::sync::Arc::new(smaller),
        ..StoreOptions::default()
    };
    let store = Store::open(&db.db, options).await.unwrap();
    assert_eq!(
        store.statuses_outside_workflow().await.unwrap(),
        vec![("False Alarm".to_string(), 1)]
    );
    store.ping().await.unwrap();
}

on_both_backends_async!(
    concurrent_creations_get_distinct_contiguous_keys,
    a_refused_write_in_a_batch_changes_nothing_and_spares_the_others,
    stale_versions_are_refused,
    the_timeline_is_append_only_in_the_database_itself,
    data_survives_reopening,
    statuses_missing_from_a_new_workflow_are_reported,
);
