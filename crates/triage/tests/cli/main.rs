//! The real `triage` binary against the real server on a loopback port: the runbook of
//! DESIGN.md verbatim, refusals and exit codes, people, workflows, completions.

mod harness;
mod people;
mod runbook;
mod serve;
mod workflow;
