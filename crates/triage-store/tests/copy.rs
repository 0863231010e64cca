//! Moving data between databases (`triage migrate-data`): a populated SQLite file copied
//! to PostgreSQL and back to a new SQLite file reads the same, field by field, and the
//! copies carry on (tokens authenticate, keys and ids continue).

use jiff::Timestamp;
use serde_json::Value;
use triage_core::incident::DetectionSource;
use triage_core::role::Role;
use triage_core::{Priority, Severity};
use triage_store::{
    Actor, IncidentFilter, ListRequest, NewIncident, NewUser, Store, StoreError, StoreOptions,
    TransitionInput,
};
use triage_testdb::{Backend, TestDb, postgres_enabled};

fn now() -> Timestamp {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

async fn open(db: &TestDb) -> Store {
    Store::open(&db.db, StoreOptions::default()).await.unwrap()
}

fn incident(summary: &str, services: &[&str], labels: &[&str]) -> NewIncident {
    NewIncident {
        summary: summary.to_string(),
        description: format!("{summary}: details"),
        priority: Some(Priority::P2),
        severity: Some(Severity::Sev2),
        assignee: Some("oncall@example.com".to_string()),
        services: services.iter().map(|s| s.to_string()).collect(),
        labels: labels.iter().map(|s| s.to_string()).collect(),
        detection_source: DetectionSource::Monitoring,
        detected_at: None,
    }
}

/// Users, groups, tokens (one revoked), incidents with services, labels, comments, links,
/// transitions and a resolution. Answers the admin's token.
async fn populate(store: &Store) -> String {
    let (_, token) = store
        .bootstrap_admin("admin@example.com", Some("Ada Admin"), now())
        .await
        .unwrap();
    let admin: Actor = store.authenticate(&token.token).await.unwrap().unwrap();
    store
        .create_group("dba", "Database people", now())
        .await
        .unwrap();
    let oncall = NewUser {
        email: "oncall@example.com".to_string(),
        name: Some("On Call".to_string()),
        role: Role::Responder,
        groups: vec!["sre".to_string(), "dba".to_string()],
    };
    store.create_user(oncall, now()).await.unwrap();
    let spare = store
        .create_token("oncall@example.com", "laptop", now())
        .await
        .unwrap();
    store
        .revoke_token(spare.info.id, &admin, now())
        .await
        .unwrap();
    store
        .create_token("oncall@example.com", "runbooks", now())
        .await
        .unwrap();
    for n in 0..30 {
        let services: &[&str] = if n % 2 == 0 {
            &["checkout"]
        } else {
            &["search", "api"]
        };
        let labels: &[&str] = if n % 3 == 0 {
            &["customer-facing"]
        } else {
            &[]
        };
        store
            .create_incident(
                incident(&format!("Incident {n}"), services, labels),
                &admin,
                now(),
            )
            .await
            .unwrap();
    }
    for key in ["INC-1", "INC-2"] {
        store
            .add_comment(key, "Root cause: \"bad\" deploy; ünïcode ✓", &admin, now())
            .await
            .unwrap();
        for name in ["Investigating", "In Progress"] {
            let input = TransitionInput {
                name: Some(name.to_string()),
                comment: Some(format!("to {name}")),
                resolution: None,
            };
            store
                .transition_incident(key, input, None, &admin, now())
                .await
                .unwrap();
        }
    }
    store
        .link_incidents("INC-1", "INC-3", "relates to", &admin, now())
        .await
        .unwrap();
    store
        .link_incidents("INC-2", "INC-4", "is caused by", &admin, now())
        .await
        .unwrap();
    let resolve = TransitionInput {
        name: None,
        comment: Some("fixed".to_string()),
        resolution: Some("Fixed".to_string()),
    };
    store
        .transition_incident("INC-5", resolve, None, &admin, now())
        .await
        .unwrap_err(); // Open cannot be resolved directly: refused, nothing changes.
    token.token
}

/// Everything a user can read, as JSON, to compare two stores field by field.
async fn everything(store: &Store) -> Value {
    let request = ListRequest {
        limit: 200,
        filter: IncidentFilter::default(),
        ..ListRequest::default()
    };
    let incidents = store.list_incidents(request).await.unwrap().items;
    let mut per_incident = Vec::new();
    for incident in &incidents {
        per_incident.push(serde_json::json!({
            "incident": store.incident(&incident.key).await.unwrap(),
            "timeline": store.timeline(&incident.key).await.unwrap(),
            "comments": store.comments(&incident.key).await.unwrap(),
        }));
    }
    serde_json::json!({
        "incidents": per_incident,
        "users": store.users().await.unwrap(),
        "groups": store.groups().await.unwrap(),
        "tokens": store.tokens(None).await.unwrap(),
    })
}

/// The copy carries on: the token still works, the next key and ids follow the copied
/// ones.
async fn carries_on(store: &Store, token: &str) {
    let admin = store
        .authenticate(token)
        .await
        .unwrap()
        .expect("the copied token authenticates");
    let created = store
        .create_incident(incident("After the move", &[], &[]), &admin, now())
        .await
        .unwrap();
    assert_eq!(created.key, "INC-31");
    store
        .add_comment("INC-31", "still working", &admin, now())
        .await
        .unwrap();
    store
        .link_incidents("INC-31", "INC-1", "relates to", &admin, now())
        .await
        .unwrap();
}

async fn round_trip(through: Backend) {
    let original_db = TestDb::new(Backend::Sqlite);
    let middle_db = TestDb::new(through);
    let back_db = TestDb::new(Backend::Sqlite);
    let original = open(&original_db).await;
    let token = populate(&original).await;
    let expected = everything(&original).await;

    let middle = open(&middle_db).await;
    let counts = original.copy_into(&middle, false).await.unwrap();
    assert!(counts.contains(&("incidents", 30)), "{counts:?}");
    assert!(counts.contains(&("links", 2)), "{counts:?}");
    assert_eq!(everything(&middle).await, expected);

    let back = open(&back_db).await;
    middle.copy_into(&back, false).await.unwrap();
    assert_eq!(everything(&back).await, expected);
    back.refresh_search_index().await.unwrap();
    let found = back
        .list_incidents(ListRequest {
            filter: IncidentFilter {
                text: Some("incident 17".to_string()),
                ..IncidentFilter::default()
            },
            ..ListRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);

    carries_on(&middle, &token).await;
    carries_on(&back, &token).await;
}

#[tokio::test]
async fn sqlite_to_postgres_and_back_reads_the_same() {
    if postgres_enabled() {
        round_trip(Backend::Postgres).await;
    }
}

#[tokio::test]
async fn sqlite_to_sqlite_reads_the_same() {
    round_trip(Backend::Sqlite).await;
}

async fn a_non_empty_target_is_refused_and_unchanged(backend: Backend) {
    let source_db = TestDb::new(Backend::Sqlite);
    let target_db = TestDb::new(backend);
    let source = open(&source_db).await;
    populate(&source).await;
    let target = open(&target_db).await;
    target
        .bootstrap_admin("someone@example.com", None, now())
        .await
        .unwrap();
    let before = everything(&target).await;
    let error = source.copy_into(&target, false).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Invalid(m) if m.contains("not empty") && m.contains("users (1)")),
        "{error}"
    );
    assert_eq!(everything(&target).await, before);
    match backend {
        Backend::Postgres => {
            source.copy_into(&target, true).await.unwrap();
            assert_eq!(everything(&target).await, everything(&source).await);
        }
        Backend::Sqlite => {
            let error = source.copy_into(&target, true).await.unwrap_err();
            assert!(
                error.to_string().contains("PostgreSQL targets only"),
                "{error}"
            );
            assert_eq!(everything(&target).await, before);
        }
    }
}

triage_testdb::on_both_backends_async!(a_non_empty_target_is_refused_and_unchanged);
