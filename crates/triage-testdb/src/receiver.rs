//! A real webhook receiver on a loopback port: records each request (headers and body)
//! and answers with the statuses it is told, in turn (then 200).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use crate::inbox::Inbox;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// When it arrived (its body read).
    pub at: Instant,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

#[derive(Default)]
struct Shared {
    received: Inbox<Received>,
    statuses: Mutex<VecDeque<u16>>,
}

pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
}

impl Receiver {
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared::default());
        let mine = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = mine.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &shared);
                });
            }
        });
        Receiver { url, shared }
    }

    /// The next requests are answered with these statuses, in turn.
    pub fn answer(&self, statuses: &[u16]) {
        self.shared.statuses.lock().unwrap().extend(statuses);
    }

    /// Every request so far.
    pub fn all(&self) -> Vec<Received> {
        self.shared.received.all()
    }

    /// Waits (at most 20 s) until `count` requests have come; answers them all.
    pub fn wait_for(&self, count: usize) -> Vec<Received> {
        self.wait_at_most(count, Duration::from_secs(20))
    }

    /// Waits at most `longest` until `count` requests have come; answers them all.
    pub fn wait_at_most(&self, count: usize, longest: Duration) -> Vec<Received> {
        self.shared
            .received
            .wait_at_most(count, longest, "requests")
    }
}

fn serve(stream: std::net::TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string();
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let status = shared.statuses.lock().unwrap().pop_front().unwrap_or(200);
        shared.received.push(Received {
            at: Instant::now(),
            path,
            headers,
            body: String::from_utf8_lossy(&body).to_string(),
        });
        let mut writer = &stream;
        write!(
            writer,
            "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
        )?;
        writer.flush()?;
    }
}
