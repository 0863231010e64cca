//! Where a Jira request came in: the API version in its path (which decides how rich
//! text is written), the address `self` links start with, and the deployment style.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::AppState;

use super::error::JiraError;

/// Server (users have a `name`) or Cloud (users have an `accountId`), as `serverInfo`
/// says; clients pick their requests by it. `triage serve --jira-deployment`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Deployment {
    #[default]
    Server,
    Cloud,
}

impl Deployment {
    pub fn parse(text: &str) -> Result<Deployment, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "server" => Ok(Deployment::Server),
            "cloud" => Ok(Deployment::Cloud),
            _ => Err(format!(
                "unknown Jira deployment '{text}': use server (users named by `name`) or cloud (by `accountId`)"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Deployment::Server => "Server",
            Deployment::Cloud => "Cloud",
        }
    }
}

/// The API version a route was reached under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Version {
    Two,
    Three,
    Latest,
}

impl Version {
    fn segment(self) -> &'static str {
        match self {
            Version::Two => "2",
            Version::Three => "3",
            Version::Latest => "latest",
        }
    }
}

pub(super) struct Site {
    /// E.g. `http://triage.example.com/rest/api/2`.
    pub api: String,
    /// E.g. `http://triage.example.com`.
    pub base: String,
    /// Rich text as Atlassian Document Format (version 3) rather than strings.
    pub adf: bool,
    pub deployment: Deployment,
}

impl Site {
    pub fn cloud(&self) -> bool {
        self.deployment == Deployment::Cloud
    }
}

impl FromRequestParts<AppState> for Site {
    type Rejection = JiraError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, JiraError> {
        let version = parts
            .extensions
            .get::<Version>()
            .copied()
            .unwrap_or(Version::Two);
        let base = state.outbound.base_url(&parts.headers);
        Ok(Site {
            api: format!("{base}/rest/api/{}", version.segment()),
            base,
            adf: version == Version::Three,
            deployment: state.jira,
        })
    }
}
