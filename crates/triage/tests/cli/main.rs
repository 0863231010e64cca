//! The real `triage` binary against the real server on a loopback port: the runbook of
//! DESIGN.md verbatim, refusals and exit codes, people, workflows, completions, backup and migrate-data, and
//! several servers on one PostgreSQL database.

mod actions;
mod alerts;
mod data;
mod harness;
mod instances;
mod oncall;
mod paging;
mod paging_life;
mod people;
mod report;
mod runbook;
mod serve;
mod updates;
mod workflow;
