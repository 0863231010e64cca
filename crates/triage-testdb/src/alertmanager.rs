//! A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) on a loopback
//! port, for the tests that send through it and the benchmark that compares with it.
//! Started with the given configuration; ready once it has said it listens (its own log
//! line, read from its output: no polling); killed when dropped.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

/// Where Debian installs it.
pub const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

pub struct Alertmanager {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Alertmanager {
    /// Starts `binary` with `config` (alertmanager.yml text) on a free loopback port.
    pub fn start(binary: &str, config: &str) -> Alertmanager {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config_path = dir.path().join("alertmanager.yml");
        std::fs::write(&config_path, config).expect("the configuration");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(binary)
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {binary}: {e}"));
        // It logs `msg="Listening on"` once its socket is bound.
        let mut log = BufReader::new(child.stderr.take().expect("its log"));
        let mut seen = Vec::new();
        loop {
            let mut line = String::new();
            let read = log.read_line(&mut line).expect("its log");
            assert!(
                read > 0,
                "Alertmanager stopped before listening:\n{}",
                seen.join("")
            );
            if line.contains("msg=\"Listening on\"") {
                break;
            }
            seen.push(line);
        }
        // Keep reading so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in log.lines() {});
        Alertmanager {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    /// The process id, to read its memory use.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
