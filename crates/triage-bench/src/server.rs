//! The server under test: a real `triage serve` process on a fresh SQLite file or
//! PostgreSQL database (dropped afterwards), with an admin bootstrapped through the real
//! binary.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use triage_testdb::{Backend, TestDb};

use crate::load::Target;

/// The console password of bench@example.com.
pub const PASSWORD: &str = "bench password 1234";

pub struct Server {
    child: Child,
    db: TestDb,
    pub url: String,
    pub token: String,
}

pub struct Memory {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

impl Server {
    pub fn start(triage: &str, backend: Backend) -> Server {
        Self::start_seeded(triage, backend, |_| {})
    }

    /// [`Server::start`], with `seed` writing to the database (its sqlx URL) after the
    /// schema is made and before the server starts.
    pub fn start_seeded(triage: &str, backend: Backend, seed: impl FnOnce(&str)) -> Server {
        let db = TestDb::new(backend);
        let mut bootstrap = Command::new(triage)
            .args(["admin", "bootstrap", "--db", &db.db])
            .args(["--email", "bench@example.com", "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {triage}: {e}"));
        bootstrap
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .expect("the password");
        let bootstrap = bootstrap.wait_with_output().expect("bootstrap");
        assert!(bootstrap.status.success(), "bootstrap failed");
        let token = String::from_utf8_lossy(&bootstrap.stdout)
            .lines()
            .last()
            .expect("a token")
            .trim()
            .to_string();
        seed(&db.url);
        let mut child = Command::new(triage)
            .args(["serve", "--listen", "127.0.0.1:0", "--db", &db.db])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("triage serve");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("the listening line");
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("a URL in the first line")
            .to_string();
        Server {
            child,
            db,
            url,
            token,
        }
    }

    /// The database the server runs on (a SQLite path or a PostgreSQL URL).
    pub fn db(&self) -> &str {
        &self.db.db
    }

    /// Resident and peak resident memory of the server process (Linux).
    pub fn memory(&self) -> Memory {
        memory_of(self.child.id())
    }
}

impl Target for Server {
    fn url(&self) -> &str {
        &self.url
    }

    fn token(&self) -> &str {
        &self.token
    }
}

/// Resident and peak resident memory of process `pid` (Linux).
pub fn memory_of(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss_kib: field("VmRSS:"),
        peak_kib: field("VmHWM:"),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
