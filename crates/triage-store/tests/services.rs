//! The service catalog and integration keys, on both backends.

use jiff::Timestamp;
use triage_core::alert::IntegrationKind;
use triage_store::{NewService, Store, StoreError, StoreOptions};
use triage_testdb::{Backend, TestDb, on_both_backends_async};

fn now() -> Timestamp {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

async fn services_have_owners_runbooks_and_integration_keys(backend: Backend) {
    let db = TestDb::new(backend);
    let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    store.create_group("payments", "", now()).await.unwrap();
    let checkout = NewService {
        name: "checkout".to_string(),
        description: "The checkout API".to_string(),
        owner: Some("payments".to_string()),
        runbook_url: Some("https://runbooks.example.com/checkout".to_string()),
        ..NewService::default()
    };
    let created = store.create_service(checkout.clone(), now()).await.unwrap();
    assert_eq!(created.owner.as_deref(), Some("payments"));
    let error = store
        .create_service(checkout.clone(), now())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StoreError::Duplicate(m) if m == "service 'checkout' already exists"),
        "{error}"
    );
    for (bad, expected) in [
        (
            NewService {
                name: "has space".into(),
                ..NewService::default()
            },
            "service",
        ),
        (
            NewService {
                name: "x".into(),
                runbook_url: Some("ftp://x".into()),
                ..NewService::default()
            },
            "runbook_url",
        ),
        (
            NewService {
                name: "y".into(),
                owner: Some("nobody".into()),
                ..NewService::default()
            },
            "no group 'nobody'",
        ),
    ] {
        let error = store.create_service(bad, now()).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert_eq!(store.services().await.unwrap(), vec![created.clone()]);

    let first = store
        .create_integration("checkout", IntegrationKind::Alertmanager, "", now())
        .await
        .unwrap();
    assert_eq!(first.key.len(), 32);
    assert!(first.key.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(first.integration.name, "alertmanager");
    let second = store
        .create_integration("checkout", IntegrationKind::PagerDuty, "datadog", now())
        .await
        .unwrap();
    assert_ne!(first.key, second.key);
    let found = store.sender(&second.key).await.unwrap().unwrap();
    assert_eq!(
        (found.integration_id, found.kind),
        (second.integration.id, IntegrationKind::PagerDuty)
    );
    // Asked again, the answer is remembered: the same.
    assert_eq!(store.sender(&second.key).await.unwrap(), Some(found));
    assert!(
        store
            .sender("0123456789abcdef0123456789abcdef")
            .await
            .unwrap()
            .is_none()
    );
    let missing = store
        .create_integration("nowhere", IntegrationKind::Webhook, "", now())
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound(_)));

    let revoked = store
        .revoke_integration(second.integration.id, now())
        .await
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(store.sender(&second.key).await.unwrap().is_none());
    assert!(
        store
            .revoke_integration(second.integration.id, now())
            .await
            .is_err()
    );
    assert_eq!(store.integrations("checkout").await.unwrap().len(), 2);
}

on_both_backends_async!(services_have_owners_runbooks_and_integration_keys);
