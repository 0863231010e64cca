//! Ways of applying load: closed loop (N clients as fast as they can), open loop (a
//! fixed request rate, latency counted from when each request was due, so a stall is
//! not hidden), filling to a count, and sequential samples.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::stats::Stats;

/// What load is applied to: a server's address and the token its clients send.
pub trait Target: Sync {
    fn url(&self) -> &str;
    fn token(&self) -> &str;
}

/// One client connection (kept alive) with the token, and a console session cookie once
/// signed in.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    authorization: String,
    cookie: String,
}

impl Client {
    pub fn new(base: &str, token: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Client {
            agent,
            base: base.to_string(),
            authorization: format!("Bearer {token}"),
            cookie: String::new(),
        }
    }

    /// Signs in to the web console as a browser does (form token, then password); the
    /// client then sends the session cookie.
    pub fn sign_in(&mut self, email: &str, password: &str) {
        let mut form = self
            .agent
            .get(format!("{}/login", self.base))
            .call()
            .expect("the sign-in page");
        let form_cookie = cookie_of(form.headers(), "triage_signin");
        let page = form.body_mut().read_to_string().expect("the sign-in page");
        let start = page.find("name=\"csrf\" value=\"").expect("a form token") + 19;
        let csrf = page[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_string();
        let signed_in = self
            .agent
            .post(format!("{}/login", self.base))
            .header("Cookie", format!("triage_signin={form_cookie}"))
            .config()
            .max_redirects(0)
            .build()
            .send_form([
                ("email", email),
                ("password", password),
                ("csrf", csrf.as_str()),
            ])
            .expect("signing in");
        let session = cookie_of(signed_in.headers(), "triage_session");
        assert!(!session.is_empty(), "signed in");
        self.cookie = format!("triage_session={session}");
    }

    /// GETs and returns the status code and the body's size.
    pub fn get_size(&self, path: &str) -> (u16, usize) {
        let (status, body) = self.get_text(path);
        (status, body.len())
    }

    /// GETs and returns the status code and the body (inflated if it came gzipped).
    pub fn get_text(&self, path: &str) -> (u16, String) {
        self.get_encoded(path, "gzip")
    }

    /// GETs asking for `encoding` (`gzip`, or `identity` to spare the client inflating);
    /// returns the status code and the body.
    pub fn get_encoded(&self, path: &str, encoding: &str) -> (u16, String) {
        let mut response = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .header("Cookie", &self.cookie)
            .header("Accept-Encoding", encoding)
            .call()
            .expect("the server answers");
        let body = response.body_mut().read_to_string().unwrap_or_default();
        (response.status().as_u16(), body)
    }

    /// POSTs and returns the status code and body.
    pub fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let mut response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .send_json(&body)
            .expect("the server answers");
        let status = response.status().as_u16();
        let value = response.body_mut().read_json().unwrap_or(Value::Null);
        (status, value)
    }

    /// PATCHes and returns the status code and body.
    pub fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        let mut response = self
            .agent
            .patch(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .send_json(&body)
            .expect("the server answers");
        let status = response.status().as_u16();
        let value = response.body_mut().read_json().unwrap_or(Value::Null);
        (status, value)
    }

    /// POSTs a body already serialized; returns the status code.
    pub fn post_text(&self, path: &str, body: &str) -> u16 {
        self.agent
            .post(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .header("Content-Type", "application/json")
            .send(body)
            .map_or(0, |mut response| {
                let _ = response.body_mut().read_to_vec();
                response.status().as_u16()
            })
    }

    pub fn get_status(&self, path: &str) -> u16 {
        self.get_size(path).0
    }

    pub fn create(&self, body: &Value) -> Result<(), u16> {
        match self.post("/api/v1/incidents", body.clone()) {
            (201, _) => Ok(()),
            (status, _) => Err(status),
        }
    }

    pub fn create_key(&self, body: &Value) -> String {
        let (status, incident) = self.post("/api/v1/incidents", body.clone());
        assert_eq!(status, 201, "{incident}");
        incident["key"].as_str().expect("a key").to_string()
    }

    pub fn transition(&self, key: &str, name: &str) -> Result<(), u16> {
        let path = format!("/api/v1/incidents/{key}/transitions");
        match self.post(&path, serde_json::json!({ "name": name })) {
            (200, _) => Ok(()),
            (status, _) => Err(status),
        }
    }
}

/// A bare HTTP/1.1 connection, kept alive, that reads each answer's bytes and drops
/// them, as wrk does: what the server can serve, not what a client spends inflating and
/// decoding a page on the same cores.
pub struct RawClient {
    stream: std::io::BufReader<std::net::TcpStream>,
    host: String,
    body: Vec<u8>,
}

impl RawClient {
    pub fn connect(base: &str) -> RawClient {
        let host = base
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let stream = std::net::TcpStream::connect(&host).expect("the server accepts");
        stream.set_nodelay(true).expect("no delay");
        RawClient {
            stream: std::io::BufReader::new(stream),
            host,
            body: Vec::new(),
        }
    }

    /// GETs `path` asking for `encoding`; answers the status code and the body's size as
    /// sent. Answers must carry a Content-Length (every cached public answer does).
    pub fn get(&mut self, path: &str, encoding: &str) -> (u16, usize) {
        use std::io::{BufRead, Read, Write};
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept-Encoding: {encoding}\r\n\r\n",
            self.host
        );
        self.stream
            .get_mut()
            .write_all(request.as_bytes())
            .expect("the request is sent");
        let mut line = String::new();
        self.stream.read_line(&mut line).expect("a status line");
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = None;
        loop {
            line.clear();
            self.stream.read_line(&mut line).expect("a header");
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let length = length.expect("the answer has a Content-Length");
        self.body.resize(length, 0);
        self.stream
            .read_exact(&mut self.body)
            .expect("the whole body");
        (status, length)
    }
}

/// `workers` bare connections each GET `path` as fast as they can for `duration`.
pub fn raw_closed_loop(
    target: &impl Target,
    workers: usize,
    duration: Duration,
    path: &str,
    encoding: &str,
) -> Stats {
    let started = Instant::now();
    let mut total = Stats::default();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(move || {
                    let mut client = RawClient::connect(target.url());
                    let mut stats = Stats::default();
                    let end = Instant::now() + duration;
                    while Instant::now() < end {
                        let started = Instant::now();
                        let (status, _) = client.get(path, encoding);
                        stats.record(started.elapsed(), status == 200);
                    }
                    stats
                })
            })
            .collect();
        for handle in handles {
            total.merge(handle.join().expect("a worker"));
        }
    });
    total.finish(started.elapsed())
}

type Work<'a> = dyn Fn(&Client, usize, usize) -> Result<(), u16> + Sync + 'a;

/// `workers` clients each repeat `work(client, worker, n)` for `duration`.
pub fn closed_loop(
    target: &impl Target,
    workers: usize,
    duration: Duration,
    work: impl Fn(&Client, usize, usize) -> Result<(), u16> + Sync,
) -> Stats {
    run_workers(target, workers, |client, worker| {
        let mut stats = Stats::default();
        let end = Instant::now() + duration;
        let mut n = 0;
        while Instant::now() < end {
            let started = Instant::now();
            let ok = work(client, worker, n).is_ok();
            stats.record(started.elapsed(), ok);
            n += 1;
        }
        stats
    })
}

/// `rate` requests a second in total, spread over `workers` clients, for `duration`.
pub fn open_loop(
    target: &impl Target,
    workers: usize,
    duration: Duration,
    rate: u64,
    work: impl Fn(&Client, usize, usize) -> Result<(), u16> + Sync,
) -> Stats {
    let interval = Duration::from_secs_f64(workers as f64 / rate as f64);
    let per_worker = (duration.as_secs_f64() / interval.as_secs_f64()) as usize;
    let work: &Work<'_> = &work;
    run_workers(target, workers, |client, worker| {
        let mut stats = Stats::default();
        // Stagger the workers so requests arrive evenly.
        let start = Instant::now() + interval.mul_f64(worker as f64 / workers as f64);
        for n in 0..per_worker {
            let due = start + interval.mul_f64(n as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let ok = work(client, worker, n).is_ok();
            stats.record(due.elapsed(), ok);
        }
        stats
    })
}

/// Runs `work(client, n)` `total` times over `workers` clients, as fast as possible.
pub fn fill(
    target: &impl Target,
    workers: usize,
    total: usize,
    work: impl Fn(&Client, usize) -> Result<(), u16> + Sync,
) -> Stats {
    let next = Arc::new(AtomicUsize::new(0));
    run_workers(target, workers, |client, _| {
        let mut stats = Stats::default();
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            if n >= total {
                break;
            }
            let started = Instant::now();
            let ok = work(client, n).is_ok();
            stats.record(started.elapsed(), ok);
        }
        stats
    })
}

/// `samples` GETs of `path`, one after another.
pub fn sequential(client: &Client, samples: usize, path: &str) -> Stats {
    let started = Instant::now();
    let mut stats = Stats::default();
    for _ in 0..samples {
        let began = Instant::now();
        let ok = client.get_status(path) == 200;
        stats.record(began.elapsed(), ok);
    }
    stats.finish(started.elapsed())
}

fn run_workers(
    target: &impl Target,
    workers: usize,
    body: impl Fn(&Client, usize) -> Stats + Sync,
) -> Stats {
    let started = Instant::now();
    let mut total = Stats::default();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let body = &body;
                scope.spawn(move || {
                    let client = Client::new(target.url(), target.token());
                    body(&client, worker)
                })
            })
            .collect();
        for handle in handles {
            total.merge(handle.join().expect("a worker"));
        }
    });
    total.finish(started.elapsed())
}

/// The value of cookie `name` among the response's Set-Cookie headers.
fn cookie_of(headers: &ureq::http::HeaderMap, name: &str) -> String {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .unwrap_or_default()
}
