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

impl ActionLine {
    /// The tracked item a line names: its text starts "#12 ".
    pub fn tracked_id(&self) -> Option<i64> {
        let rest = self.text.strip_prefix('#')?;
        let (id, _) = rest.split_once(' ')?;
        id.parse().ok()
    }
}

/// The action items a post-mortem lists, drawn from the items tracked now: each line
/// naming a tracked item ("#12 …") as the item is now, in the order written; tracked
/// items not listed yet after them; lines the team wrote that name no tracked item kept
/// where they stand.
pub fn with_tracked(written: &[ActionLine], tracked: &[(i64, ActionLine)]) -> Vec<ActionLine> {
    let now = |id: i64| {
        tracked
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, l)| l.clone())
    };
    let mut lines: Vec<ActionLine> = written
        .iter()
        .filter_map(|line| match line.tracked_id() {
            Some(id) => now(id),
            None => Some(line.clone()),
        })
        .collect();
    for (id, line) in tracked {
        if !written.iter().any(|w| w.tracked_id() == Some(*id)) {
            lines.push(line.clone());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(done: bool, text: &str) -> ActionLine {
        ActionLine {
            done,
            text: text.to_string(),
        }
    }

    #[test]
    fn the_action_items_listed_are_the_ones_tracked() {
        let written = [
            line(false, "#2 Raise the pool (fix)"),
            line(false, "Talk to the database team"),
            line(false, "#9 Deleted since (fix)"),
            line(false, "#1 Alert on pool usage (monitoring)"),
        ];
        let tracked = [
            (1, line(true, "#1 Alert on pool usage (monitoring; Ann)")),
            (2, line(false, "#2 Raise the pool to 200 (fix)")),
            (3, line(false, "#3 Runbook for the pool (runbook)")),
        ];
        assert_eq!(
            with_tracked(&written, &tracked),
            [
                line(false, "#2 Raise the pool to 200 (fix)"),
                line(false, "Talk to the database team"),
                line(true, "#1 Alert on pool usage (monitoring; Ann)"),
                line(false, "#3 Runbook for the pool (runbook)"),
            ]
        );
        assert_eq!(line(false, "#12x y").tracked_id(), None);
        assert_eq!(line(false, "#12 y").tracked_id(), Some(12));
    }
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
