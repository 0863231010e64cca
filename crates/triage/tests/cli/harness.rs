//! `Cli`: a database bootstrapped with the real binary, the server on port 0, and a
//! way to run `triage` against it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

use triage_core::clock::{Clock, ManualClock};
use triage_server::background::BackgroundServer;
use triage_store::StoreOptions;

pub const BINARY: &str = env!("CARGO_BIN_EXE_triage");

pub struct Cli {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub token: String,
    pub server: BackgroundServer,
    /// The server's clock: tests move it instead of waiting.
    pub clock: Arc<ManualClock>,
}

/// What a run printed and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// A `triage` command with no Triage settings inherited from the environment.
pub fn command(dir: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command
        .current_dir(dir)
        .env_remove("TRIAGE_URL")
        .env_remove("TRIAGE_TOKEN")
        .env_remove("TRIAGE_DB");
    command
}

impl Cli {
    pub fn start() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("triage.db");
        let bootstrap: Run = command(dir.path())
            .args(["admin", "bootstrap", "--db"])
            .arg(&db)
            .args(["--email", "admin@example.com", "--name", "Ada Admin"])
            .output()
            .unwrap()
            .into();
        let bootstrap = bootstrap.ok();
        let token = bootstrap.stdout.lines().last().unwrap().trim().to_string();
        assert!(token.starts_with("trg_"), "{}", bootstrap.stdout);
        let clock = Arc::new(ManualClock::new("2026-11-22T10:00:00Z".parse().unwrap()));
        let shared: Arc<dyn Clock> = clock.clone();
        let server =
            BackgroundServer::start(db.to_str().unwrap(), StoreOptions::default(), shared).unwrap();
        Cli {
            dir,
            db,
            token,
            server,
            clock,
        }
    }

    /// Runs `triage ARGS` as the admin.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_as(&self.token, args)
    }

    pub fn run_as(&self, token: &str, args: &[&str]) -> Run {
        command(self.dir.path())
            .env("TRIAGE_URL", self.server.url())
            .env("TRIAGE_TOKEN", token)
            .args(args)
            .output()
            .unwrap()
            .into()
    }
}

/// A `triage serve` process, killed when dropped.
pub struct Served {
    pub child: Child,
    pub lines: Vec<String>,
    pub url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `triage serve` on port 0 and reads its first `lines` lines of output; the rest
/// is read and dropped, so the server never writes into a closed pipe.
pub fn serve(dir: &Path, extra: &[&str], lines: usize) -> Served {
    let mut child = command(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut read = Vec::new();
    for _ in 0..lines {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        read.push(line.trim_end().to_string());
    }
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = read[0]
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    Served {
        child,
        lines: read,
        url,
    }
}

/// Compares `text` with the file `snapshots/NAME` beside the tests; `UPDATE_SNAPSHOTS=1`
/// writes it instead.
pub fn check_snapshot(name: &str, text: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_SNAPSHOTS=1 writes it)", path.display()));
    assert_eq!(
        text, expected,
        "{name} differs from its snapshot (UPDATE_SNAPSHOTS=1 rewrites it)"
    );
}
