//! Console sign-in on both backends: passwords, sessions, expiry, signing out, and a
//! password reset ending every session.

use jiff::{SignedDuration, Timestamp};
use triage_core::role::Role;
use triage_store::{NewUser, Store, StoreError, StoreOptions, UserChanges};
use triage_testdb::{Backend, TestDb, on_both_backends_async};

fn now() -> Timestamp {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

const DAY: SignedDuration = SignedDuration::from_hours(12);

async fn store_with_user(db: &TestDb) -> Store {
    let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    let user = NewUser {
        email: "oncall@example.com".to_string(),
        name: Some("On Call".to_string()),
        role: Role::Responder,
        groups: vec!["sre".to_string()],
    };
    store.create_group("sre", "", now()).await.unwrap();
    store.create_user(user, now()).await.unwrap();
    store
}

async fn signing_in_takes_the_right_password_only(backend: Backend) {
    let db = TestDb::new(backend);
    let store = store_with_user(&db).await;
    // No password yet: nobody signs in.
    assert!(
        store
            .sign_in("oncall@example.com", "anything at all", now(), DAY)
            .await
            .unwrap()
            .is_none()
    );
    let error = store
        .set_password("oncall@example.com", "short")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StoreError::Invalid(m) if m.contains("at least 10")),
        "{error}"
    );
    let error = store
        .set_password("nobody@example.com", "long enough pw")
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "{error}");
    store
        .set_password("oncall@example.com", "correct horse battery")
        .await
        .unwrap();

    assert!(
        store
            .sign_in("oncall@example.com", "wrong horse battery", now(), DAY)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .sign_in("nobody@example.com", "correct horse battery", now(), DAY)
            .await
            .unwrap()
            .is_none()
    );
    let session = store
        .sign_in(" OnCall@Example.com ", "correct horse battery", now(), DAY)
        .await
        .unwrap()
        .expect("signed in");
    assert!(session.secret.starts_with("trs_"));
    assert_eq!(session.actor.email, "oncall@example.com");
    assert_eq!(session.actor.groups, ["sre"]);
    assert_eq!(session.expires_at, now() + DAY);

    let found = store
        .session(&session.secret, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.csrf, session.csrf);
    assert_eq!(found.actor, session.actor);
    assert!(store.session("trs_forged", now()).await.unwrap().is_none());
}

async fn sessions_expire_end_and_die_with_a_password_reset(backend: Backend) {
    let db = TestDb::new(backend);
    let store = store_with_user(&db).await;
    store
        .set_password("oncall@example.com", "correct horse battery")
        .await
        .unwrap();
    let sign_in = || store.sign_in("oncall@example.com", "correct horse battery", now(), DAY);

    let first = sign_in().await.unwrap().unwrap();
    let later = now() + DAY - SignedDuration::from_secs(1);
    assert!(store.session(&first.secret, later).await.unwrap().is_some());
    assert!(
        store
            .session(&first.secret, now() + DAY)
            .await
            .unwrap()
            .is_none()
    );

    let second = sign_in().await.unwrap().unwrap();
    store.end_session(&second.secret).await.unwrap();
    assert!(
        store
            .session(&second.secret, now())
            .await
            .unwrap()
            .is_none()
    );

    let third = sign_in().await.unwrap().unwrap();
    store
        .set_password("oncall@example.com", "a brand new password")
        .await
        .unwrap();
    assert!(store.session(&third.secret, now()).await.unwrap().is_none());
    assert!(sign_in().await.unwrap().is_none());

    let fourth = store
        .sign_in("oncall@example.com", "a brand new password", now(), DAY)
        .await
        .unwrap()
        .unwrap();
    let deactivate = UserChanges {
        active: Some(false),
        ..UserChanges::default()
    };
    store
        .update_user("oncall@example.com", deactivate)
        .await
        .unwrap();
    assert!(
        store
            .session(&fourth.secret, now())
            .await
            .unwrap()
            .is_none()
    );
}

on_both_backends_async!(
    signing_in_takes_the_right_password_only,
    sessions_expire_end_and_die_with_a_password_reset,
);
