//! The domain of Triage: incidents, their priorities and severities, links, roles, the
//! timeline vocabulary, the workflow engine, alerts and on-call schedules.
//!
//! This crate is pure: no IO, no async, no clock reads. Time comes in through a
//! [`clock::Clock`] or as plain values, so every decision here is a function of its
//! inputs and is tested as such.

pub mod action;
pub mod alert;
pub mod cadence;
pub mod clock;
pub mod duration;
pub mod email;
pub mod escalation;
pub mod incident;
pub mod jql;
pub mod link;
pub mod metrics;
pub mod oncall;
pub mod paging;
pub mod postmortem;
pub mod priority;
pub mod recurrence;
pub mod review;
pub mod role;
pub mod severity;
pub mod sla;
pub mod stakeholder;
pub mod status_page;
pub mod timeline;
pub mod workflow;

pub use priority::Priority;
pub use severity::Severity;
