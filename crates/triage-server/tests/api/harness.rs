//! `TestApp`: a fresh database, a bootstrapped admin, the server on port 0 with a manual
//! clock, and helpers to call it and to look inside the database.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};
use sqlx::Connection;
use triage_core::clock::{Clock, ManualClock};
use triage_server::background::BackgroundServer;
use triage_server::{JiraDeployment, Mail, Outbound};
use triage_store::{Store, StoreOptions};
use triage_testdb::{Backend, TestDb};

pub const START: &str = "2026-11-22T10:00:00Z";

pub struct TestApp {
    server: Option<BackgroundServer>,
    pub db: TestDb,
    pub clock: Arc<ManualClock>,
    /// Token of admin@example.com, an admin in group `sre`.
    pub admin: String,
    agent: ureq::Agent,
    /// The SMTP relay the server sends e-mail through, if any.
    smtp: Option<String>,
    /// How its Jira-compatible API names users.
    jira: JiraDeployment,
}

/// A status code and the parsed JSON body (`Null` when empty).
pub type Answer = (u16, Value);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

impl TestApp {
    pub fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with_smtp(backend, None)
    }

    /// A server that sends e-mail through the SMTP relay at `smtp` (`smtp://host:port`).
    pub fn spawn_mailing(backend: Backend, smtp: &str) -> TestApp {
        Self::spawn_with_smtp(backend, Some(smtp.to_string()))
    }

    /// A server whose Jira-compatible API answers as a Jira of this deployment.
    pub fn spawn_jira(backend: Backend, jira: JiraDeployment) -> TestApp {
        Self::spawn_with(backend, None, jira)
    }

    fn spawn_with_smtp(backend: Backend, smtp: Option<String>) -> TestApp {
        Self::spawn_with(backend, smtp, JiraDeployment::default())
    }

    fn spawn_with(backend: Backend, smtp: Option<String>, jira: JiraDeployment) -> TestApp {
        let db = TestDb::new(backend);
        let clock = Arc::new(ManualClock::new(START.parse().unwrap()));
        let admin = runtime().block_on(async {
            let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
            let (_, token) = store
                .bootstrap_admin("admin@example.com", Some("Ada Admin"), clock.now())
                .await
                .unwrap();
            store.close().await;
            token.token
        });
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut app = TestApp {
            server: None,
            db,
            clock,
            admin,
            agent,
            smtp,
            jira,
        };
        app.start();
        app
    }

    fn start(&mut self) {
        let clock: Arc<dyn Clock> = self.clock.clone();
        let outbound = Outbound {
            public_url: None,
            mail: self
                .smtp
                .as_deref()
                .map(|url| Mail::new(url, "Triage <triage@example.com>").unwrap()),
        };
        self.server = Some(
            BackgroundServer::start_with(
                &self.db.db,
                StoreOptions::default(),
                clock,
                outbound,
                self.jira,
            )
            .unwrap(),
        );
    }

    /// Stops the server and starts a new one on the same database file.
    pub fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
        self.start();
    }

    pub fn url(&self) -> String {
        self.server.as_ref().unwrap().url()
    }

    pub fn advance(&self, minutes: i64) {
        self.clock.advance(jiff::SignedDuration::from_mins(minutes));
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Sends `body` as it is (it need not be JSON) with optional extra headers.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Answer {
        self.try_raw(method, path, token, body, headers).unwrap()
    }

    /// [`TestApp::raw`], with transport errors returned instead of panicking.
    pub fn try_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, ureq::Error> {
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.url()));
        if let Some(token) = token {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let typed = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        if !typed {
            builder = builder.header("Content-Type", "application/json");
        }
        let mut response = match body {
            Some(body) => self.agent.run(builder.body(body).unwrap())?,
            None => self.agent.run(builder.body(()).unwrap())?,
        };
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string()?;
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, value))
    }

    pub fn get(&self, token: &str, path: &str) -> Answer {
        self.raw("GET", path, Some(token), None, &[])
    }

    pub fn post(&self, token: &str, path: &str, body: Value) -> Answer {
        self.raw("POST", path, Some(token), Some(body.to_string()), &[])
    }

    pub fn patch(&self, token: &str, path: &str, body: Value) -> Answer {
        self.raw("PATCH", path, Some(token), Some(body.to_string()), &[])
    }

    pub fn put(&self, token: &str, path: &str, body: Value) -> Answer {
        self.raw("PUT", path, Some(token), Some(body.to_string()), &[])
    }

    pub fn delete(&self, token: &str, path: &str) -> Answer {
        self.raw("DELETE", path, Some(token), None, &[])
    }

    /// Creates a user through the API (as admin) and returns a token for them.
    pub fn user(&self, email: &str, role: &str, groups: &[&str]) -> String {
        let (status, body) = self.post(
            &self.admin,
            "/api/v1/users",
            json!({ "email": email, "role": role, "groups": groups }),
        );
        assert_eq!(status, 201, "{body}");
        let (status, token) = self.post(&self.admin, "/api/v1/tokens", json!({ "user": email }));
        assert_eq!(status, 201, "{token}");
        token["token"].as_str().unwrap().to_string()
    }

    /// Creates an incident as admin and returns its JSON.
    pub fn incident(&self, body: Value) -> Value {
        let (status, incident) = self.post(&self.admin, "/api/v1/incidents", body);
        assert_eq!(status, 201, "{incident}");
        incident
    }

    /// Creates a service (if new) and an integration of `kind` on it as admin; answers
    /// the integration key.
    pub fn integration(&self, service: &str, kind: &str) -> String {
        let (status, body) = self.get(&self.admin, &format!("/api/v1/services/{service}"));
        if status == 404 {
            let (status, body) =
                self.post(&self.admin, "/api/v1/services", json!({ "name": service }));
            assert_eq!(status, 201, "{body}");
        } else {
            assert_eq!(status, 200, "{body}");
        }
        let (status, created) = self.post(
            &self.admin,
            &format!("/api/v1/services/{service}/integrations"),
            json!({ "kind": kind }),
        );
        assert_eq!(status, 201, "{created}");
        created["key"].as_str().unwrap().to_string()
    }

    /// Runs a query returning one integer straight against the database.
    pub fn scalar(&self, sql: &str) -> i64 {
        let url = self.db.url.clone();
        runtime().block_on(async {
            sqlx::any::install_default_drivers();
            let mut connection = sqlx::AnyConnection::connect(&url).await.unwrap();
            let value: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
                .fetch_one(&mut connection)
                .await
                .unwrap();
            connection.close().await.unwrap();
            value
        })
    }

    /// A fingerprint of everything the database holds, to show that nothing changed.
    pub fn snapshot(&self) -> Vec<i64> {
        [
            "SELECT COUNT(*) FROM incidents",
            "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM incidents",
            "SELECT COUNT(*) FROM events",
            "SELECT COUNT(*) FROM comments",
            "SELECT COUNT(*) FROM links",
            "SELECT COUNT(*) FROM users",
            "SELECT COUNT(*) FROM group_members",
            "SELECT COUNT(*) FROM api_tokens",
            "SELECT COUNT(*) FROM incident_services",
            "SELECT COUNT(*) FROM incident_labels",
            "SELECT COUNT(*) FROM alerts",
            "SELECT CAST(COALESCE(SUM(last_seen_at), 0) AS BIGINT) FROM alerts",
            "SELECT COUNT(*) FROM service_changes",
            "SELECT COUNT(*) FROM schedules",
            "SELECT COUNT(*) FROM schedule_layers",
            "SELECT COUNT(*) FROM layer_members",
            "SELECT COUNT(*) FROM schedule_overrides",
            "SELECT COUNT(*) FROM escalation_policies",
            "SELECT COUNT(*) FROM escalation_targets",
            "SELECT COUNT(*) FROM contact_methods",
            "SELECT COUNT(*) FROM escalations",
            "SELECT COUNT(*) FROM outbox",
            "SELECT COUNT(*) FROM incident_stakeholders",
            "SELECT COUNT(*) FROM stakeholder_updates",
            "SELECT COUNT(*) FROM public_updates",
        ]
        .iter()
        .map(|sql| self.scalar(sql))
        .collect()
    }
}

/// Asserts an error answer: status, code, and a message containing `message`.
pub fn assert_error(answer: &Answer, status: u16, code: &str, message: &str) {
    let (actual, body) = answer;
    assert_eq!(*actual, status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    let text = body["error"]["message"].as_str().unwrap_or_default();
    assert!(text.contains(message), "expected {message:?} in {text:?}");
}

/// Waits for what the server does on its own, after it answered (the paging engine
/// recording a delivery or a breach): asks again until `done` holds, for at most 20
/// seconds.
pub fn until(done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not get there"
        );
        std::thread::yield_now();
    }
}
