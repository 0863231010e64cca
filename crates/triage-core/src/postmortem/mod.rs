//! Post-mortems: the blameless write-up of an incident, in the sections SRE teams use
//! (header, Summary, Impact, Root Cause, Timeline, Lessons Learned, Action Items).
//! [`draft`] writes the first version from what Triage recorded; [`markdown`] renders a
//! post-mortem as Markdown and reads an edited file back, without loss.

pub mod draft;
pub mod markdown;

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a post-mortem is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PostmortemStatus {
    Draft,
    #[serde(rename = "In Review")]
    InReview,
    Published,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("post-mortem status '{0}' is not allowed: use Draft, In Review or Published")]
pub struct UnknownPostmortemStatus(pub String);

impl PostmortemStatus {
    pub const ALL: [PostmortemStatus; 3] = [
        PostmortemStatus::Draft,
        PostmortemStatus::InReview,
        PostmortemStatus::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PostmortemStatus::Draft => "Draft",
            PostmortemStatus::InReview => "In Review",
            PostmortemStatus::Published => "Published",
        }
    }

    /// Accepts "In Review", "in_review", "in-review", "review".
    pub fn parse(text: &str) -> Result<Self, UnknownPostmortemStatus> {
        let squashed: String = text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        match squashed.as_str() {
            "draft" => Ok(PostmortemStatus::Draft),
            "inreview" | "review" => Ok(PostmortemStatus::InReview),
            "published" => Ok(PostmortemStatus::Published),
            _ => Err(UnknownPostmortemStatus(text.to_string())),
        }
    }
}

impl fmt::Display for PostmortemStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the post-mortem's timeline: when (UTC, as written) and what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineRow {
    pub at: String,
    pub text: String,
}

/// An action item as the post-mortem lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionLine {
    pub done: bool,
    pub text: String,
}

/// A post-mortem's content: every section, as text the team edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMortem {
    /// The incident's key.
    pub incident: String,
    pub title: String,
    /// The day of the incident, `2026-11-22`.
    pub date: String,
    pub authors: Vec<String>,
    pub status: PostmortemStatus,
    pub severity: Option<String>,
    pub summary: String,
    pub impact: String,
    pub root_cause: String,
    pub timeline: Vec<TimelineRow>,
    pub went_well: String,
    pub went_wrong: String,
    pub lucky: String,
    pub action_items: Vec<ActionLine>,
}
