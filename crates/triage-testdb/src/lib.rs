//! Fresh databases for tests, on either backend, so that every store and API test runs on
//! SQLite and on PostgreSQL.
//!
//! PostgreSQL is found at `TRIAGE_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test gets a database of its own
//! with a random name, dropped when the test ends. Where PostgreSQL is unreachable the
//! PostgreSQL variants pass without running and one line says so — unless
//! `TRIAGE_REQUIRE_POSTGRES=1` (set by `.ci/run`), which makes them fail instead.

pub mod alertmanager;
pub mod inbox;
pub mod receiver;
pub mod smtp;

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use sqlx::{AnyConnection, AssertSqlSafe, Connection, Executor};
pub use triage_store::Backend;

const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database of its own for one test.
pub struct TestDb {
    /// What to pass as `--db` / to `Store::open`.
    pub db: String,
    /// A URL to connect to it directly (sqlx `Any`).
    pub url: String,
    pub backend: Backend,
    dir: tempfile::TempDir,
    postgres: Option<String>,
}

/// The PostgreSQL server tests use.
fn server() -> String {
    std::env::var("TRIAGE_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_SERVER.to_string())
}

/// Runs `work` on a runtime of its own, on a thread of its own, so it can be called from
/// inside or outside another runtime.
fn run<T: Send + 'static>(work: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(work)
    })
    .join()
    .expect("the database helper thread")
}

async fn admin_connection() -> Result<AnyConnection, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let url = server();
    tokio::time::timeout(Duration::from_secs(5), AnyConnection::connect(&url))
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
}

/// Whether the PostgreSQL variants should run: PostgreSQL answers, or it is required (then
/// an unreachable server fails the test). Says once per test binary when they are skipped.
pub fn postgres_enabled() -> bool {
    static ENABLED: OnceLock<Result<(), String>> = OnceLock::new();
    let reachable = ENABLED.get_or_init(|| {
        run(async {
            let connection = admin_connection().await.map_err(|e| e.to_string())?;
            connection.close().await.map_err(|e| e.to_string())
        })
    });
    let required =
        std::env::var("TRIAGE_REQUIRE_POSTGRES").is_ok_and(|v| v != "0" && !v.is_empty());
    match reachable {
        Ok(()) => true,
        Err(error) if required => panic!(
            "PostgreSQL is required (TRIAGE_REQUIRE_POSTGRES) but {} is unreachable: {error}",
            server()
        ),
        Err(error) => {
            static SAID: OnceLock<()> = OnceLock::new();
            SAID.get_or_init(|| {
                // Straight to stderr: the test harness would hide a passing test's output.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: the PostgreSQL suite did not run ({} is unreachable: {error}); \
                     start PostgreSQL or set TRIAGE_TEST_POSTGRES=postgres://user@host:port/db to run it",
                    server()
                );
            });
            false
        }
    }
}

impl TestDb {
    /// A fresh, empty database (the store creates the schema when it opens it).
    pub fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("a temp dir");
        match backend {
            Backend::Sqlite => {
                let path = dir.path().join("triage.db");
                TestDb {
                    db: path.display().to_string(),
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    dir,
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let mut bytes = [0u8; 8];
                getrandom::fill(&mut bytes).expect("random bytes");
                let name = format!("triage_test_{}", hex::encode(bytes));
                let create = format!("CREATE DATABASE {name}");
                run(async move {
                    let mut connection = admin_connection().await.expect("PostgreSQL for tests");
                    connection
                        .execute(AssertSqlSafe(create))
                        .await
                        .expect("a test database");
                    let _ = connection.close().await;
                });
                let server = server();
                let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
                let url = format!("{base}/{name}");
                TestDb {
                    db: url.clone(),
                    url,
                    backend,
                    dir,
                    postgres: Some(name),
                }
            }
        }
    }

    /// A directory for the test's other files; removed with the database.
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.postgres.take() {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            run(async move {
                if let Ok(mut connection) = admin_connection().await {
                    let _ = connection.execute(AssertSqlSafe(drop)).await;
                    let _ = connection.close().await;
                }
            });
        }
    }
}

/// Runs each named test, a function taking a [`Backend`], once per backend:
/// `on_both_backends!(a, b)` makes tests `a::sqlite`, `a::postgres`, `b::sqlite`, ….
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name($crate::Backend::Sqlite)
                }

                #[test]
                fn postgres() {
                    if $crate::postgres_enabled() {
                        super::$name($crate::Backend::Postgres)
                    }
                }
            }
        )*
    };
}

/// [`on_both_backends!`] for `async fn name(backend: Backend)` tests.
#[macro_export]
macro_rules! on_both_backends_async {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }

                #[tokio::test]
                async fn postgres() {
                    if $crate::postgres_enabled() {
                        super::$name($crate::Backend::Postgres).await
                    }
                }
            }
        )*
    };
}
