//! `triage serve --demo`: an admin and a few incidents in different states, so that a
//! first look at Triage has something to look at.

use jiff::{SignedDuration, Timestamp};
use triage_core::incident::DetectionSource;
use triage_core::{Priority, Severity};
use triage_store::{NewIncident, Store, StoreError, TransitionInput};

/// The demo admin's web console password (demo mode only; printed at start).
const DEMO_PASSWORD: &str = "triage-demo";

/// Creates admin@example.com (printing its token and console password) and sample
/// incidents.
pub async fn seed(store: &Store, now: Timestamp, url: &str) -> Result<(), StoreError> {
    let (admin, token) = store
        .bootstrap_admin("admin@example.com", Some("Demo Admin"), now)
        .await?;
    let actor = store
        .authenticate(&token.token)
        .await?
        .ok_or_else(|| StoreError::NotFound("the demo token does not work".to_string()))?;
    let samples = [
        (
            "Checkout API latency above SLO",
            Priority::P2,
            Severity::Sev2,
            "checkout-api",
            DetectionSource::Monitoring,
            Some("Investigating"),
        ),
        (
            "Database connection pool exhausted",
            Priority::P1,
            Severity::Sev1,
            "orders-db",
            DetectionSource::Monitoring,
            None,
        ),
        (
            "Typo on the status page footer",
            Priority::P4,
            Severity::Sev4,
            "status-page",
            DetectionSource::UserReport,
            None,
        ),
    ];
    for (summary, priority, severity, service, source, status) in samples {
        let incident = store
            .create_incident(
                NewIncident {
                    summary: summary.to_string(),
                    description: String::new(),
                    priority: Some(priority),
                    severity: Some(severity),
                    assignee: None,
                    services: vec![service.to_string()],
                    labels: vec!["demo".to_string()],
                    detection_source: source,
                    detected_at: Some(now - SignedDuration::from_mins(7)),
                },
                &actor,
                now,
            )
            .await?;
        if let Some(status) = status {
            let input = TransitionInput {
                name: Some(status.to_string()),
                comment: Some("Looking at the p99 dashboards".to_string()),
                resolution: None,
            };
            store
                .transition_incident(&incident.key, input, None, &actor, now)
                .await?;
        }
    }
    println!(
        "Demo data created. Sign in as {} with this token:",
        admin.email
    );
    println!("  export TRIAGE_URL={url} TRIAGE_TOKEN={}", token.token);
    store.set_password(&admin.email, DEMO_PASSWORD).await?;
    println!(
        "Web console: {url}/ (sign in as {} with password {DEMO_PASSWORD})",
        admin.email
    );
    Ok(())
}
