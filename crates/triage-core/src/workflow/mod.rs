//! The workflow engine. A workflow is data — statuses with categories, transitions
//! between them, the conditions a transition needs and the input it requires — loaded
//! from TOML ([`definition`]) and validated before it is used.
//!
//! The engine answers two questions, both pure functions of the workflow, the incident's
//! current status and the [`Facts`] the caller gathered: which transitions are offered
//! now ([`Workflow::offered`]) and what taking one means ([`Workflow::plan`]).

mod category;
mod condition;
pub mod definition;
mod plan;
mod route;

pub use category::{Category, UnknownCategory};
pub use condition::{Condition, Facts, Field, LinkedFact, Unmet};
pub use definition::DefinitionErrors;
pub use plan::{Offer, ResolutionChange, TransitionPlan, TransitionRefusal, TransitionRequest};
pub use route::{Goal, RouteRefusal};

/// The status whose reaching means service is restored: what MTTM measures and the
/// review's Mitigation check looks for.
pub const RESTORED_STATUS: &str = "Monitoring";

/// The status of an incident that was not a real incident: what the false-alarm rate
/// counts and the review checklist excuses.
pub const FALSE_ALARM_STATUS: &str = "False Alarm";

/// The built-in incident workflow of DESIGN.md, as shipped TOML.
pub const DEFAULT_WORKFLOW_TOML: &str = include_str!("default.toml");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub name: String,
    pub category: Category,
    pub description: String,
}

/// Input a transition needs from the person taking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    Resolution,
    Comment,
}

impl Requirement {
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Resolution => "resolution",
            Requirement::Comment => "comment",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub name: String,
    pub from: Vec<String>,
    pub to: String,
    pub conditions: Vec<Condition>,
    pub requires: Vec<Requirement>,
}

impl Transition {
    pub fn requires(&self, requirement: Requirement) -> bool {
        self.requires.contains(&requirement)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workflow {
    pub name: String,
    pub initial: String,
    pub statuses: Vec<Status>,
    pub transitions: Vec<Transition>,
    pub resolutions: Vec<String>,
}

impl Workflow {
    /// DESIGN.md's incident workflow.
    pub fn builtin() -> Workflow {
        Workflow::from_toml(DEFAULT_WORKFLOW_TOML).expect("the built-in workflow is valid")
    }

    pub fn status(&self, name: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.name == name)
    }

    /// The category of a status of this workflow; statuses no longer in the workflow
    /// (data from an older workflow) count as To Do so that they stay visible.
    pub fn category_of(&self, status: &str) -> Category {
        self.status(status).map_or(Category::ToDo, |s| s.category)
    }

    /// Finds a status by name, ignoring case.
    pub fn find_status(&self, name: &str) -> Option<&Status> {
        self.statuses
            .iter()
            .find(|s| normalize(&s.name) == normalize(name))
    }

    /// Transitions whose from-statuses include `status`, in workflow order.
    pub fn from_status(&self, status: &str) -> Vec<&Transition> {
        self.transitions
            .iter()
            .filter(|t| t.from.iter().any(|f| f == status))
            .collect()
    }

    /// Whether no transition leaves `status`.
    pub fn is_final(&self, status: &str) -> bool {
        self.from_status(status).is_empty()
    }

    /// Finds the allowed resolution spelled like `text`, ignoring case.
    pub fn find_resolution(&self, text: &str) -> Option<&str> {
        self.resolutions
            .iter()
            .find(|r| normalize(r) == normalize(text))
            .map(String::as_str)
    }
}

/// Names compare case-insensitively with runs of white space folded.
pub(crate) fn normalize(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests;
