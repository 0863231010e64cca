//! The CLI's side of the API: requests with the token, answers as JSON, and the
//! server's refusals turned into messages and exit codes.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a command failed, and so how the process exits.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line itself is wrong (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The server answered with an error (exit 1).
    #[error("{message}")]
    Refused { status: u16, message: String },
    /// Anything else: the server is unreachable, a file is unreadable (exit 1).
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Refused { .. } | CliError::Failed(_) => 1,
        }
    }
}

pub type CliResult<T> = Result<T, CliError>;

pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
}

impl Client {
    pub fn new(base: &str, token: Option<String>) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Client {
            agent,
            base: base.trim_end_matches('/').to_string(),
            token: token.filter(|t| !t.trim().is_empty()),
        }
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str) -> CliResult<T> {
        self.send("GET", path, None::<&()>)
    }

    pub fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> CliResult<T> {
        self.send("POST", path, Some(body))
    }

    pub fn patch<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> CliResult<T> {
        self.send("PATCH", path, Some(body))
    }

    pub fn put<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> CliResult<T> {
        self.send("PUT", path, Some(body))
    }

    pub fn delete<T: DeserializeOwned>(&self, path: &str) -> CliResult<T> {
        self.send("DELETE", path, None::<&()>)
    }

    fn send<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> CliResult<T> {
        let url = format!("{}/api/v1{path}", self.base);
        let token = self.token.as_deref().ok_or_else(|| {
            CliError::Usage(
                "no token: set TRIAGE_TOKEN (get one with `triage admin bootstrap` or `triage token create`)"
                    .to_string(),
            )
        })?;
        let authorization = format!("Bearer {token}");
        let unreachable =
            |e: ureq::Error| CliError::Failed(format!("cannot reach Triage at {}: {e}", self.base));
        let mut response = match (method, body) {
            ("GET", _) => self
                .agent
                .get(&url)
                .header("Authorization", &authorization)
                .call(),
            ("DELETE", _) => self
                .agent
                .delete(&url)
                .header("Authorization", &authorization)
                .call(),
            ("POST", Some(body)) => self
                .agent
                .post(&url)
                .header("Authorization", &authorization)
                .send_json(body),
            ("PATCH", Some(body)) => self
                .agent
                .patch(&url)
                .header("Authorization", &authorization)
                .send_json(body),
            ("PUT", Some(body)) => self
                .agent
                .put(&url)
                .header("Authorization", &authorization)
                .send_json(body),
            _ => unreachable!("every method the client uses is listed"),
        }
        .map_err(unreachable)?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| CliError::Failed(format!("could not read the answer: {e}")))?;
        if !(200..300).contains(&status) {
            return Err(refusal(status, &text));
        }
        let text = if text.trim().is_empty() {
            "null"
        } else {
            &text
        };
        serde_json::from_str(text)
            .map_err(|e| CliError::Failed(format!("unexpected answer from the server: {e}")))
    }
}

/// The server's `{"error":{"message"}}`, with the transitions available when it lists them.
fn refusal(status: u16, text: &str) -> CliError {
    let parsed: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let error = &parsed["error"];
    let mut message = error["message"].as_str().map_or_else(
        || format!("the server answered {status}: {text}"),
        str::to_string,
    );
    if let Some(available) = error["available"].as_array()
        && !message.contains("available")
    {
        let names: Vec<&str> = available.iter().filter_map(Value::as_str).collect();
        message.push_str(&format!(" (available: {})", names.join(", ")));
    }
    CliError::Refused { status, message }
}
