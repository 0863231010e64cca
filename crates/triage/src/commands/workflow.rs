//! `triage workflow check FILE` validates a workflow definition locally;
//! `triage workflow show` prints the one the server runs.

use clap::Subcommand;
use serde_json::Value;
use triage_core::workflow::Workflow;

use crate::client::{CliError, CliResult};
use crate::{Context, print_json};

#[derive(Subcommand)]
pub enum WorkflowCommand {
    /// Validate a workflow TOML file.
    Check { file: String },
    /// Show the server's workflow.
    Show,
    /// Print the built-in workflow as TOML, to start your own from.
    Default,
}

pub fn run(context: &Context, command: WorkflowCommand) -> CliResult<()> {
    match command {
        WorkflowCommand::Check { file } => check(&file),
        WorkflowCommand::Show => {
            let workflow: Value = context.client.get("/workflow")?;
            print_json(&workflow)
        }
        WorkflowCommand::Default => {
            print!("{}", triage_core::workflow::DEFAULT_WORKFLOW_TOML);
            Ok(())
        }
    }
}

fn check(file: &str) -> CliResult<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::Failed(format!("cannot read {file}: {e}")))?;
    let workflow = Workflow::from_toml(&text).map_err(|errors| {
        let count = errors.0.len();
        let list: Vec<String> = errors.0.iter().map(|e| format!("  - {e}")).collect();
        CliError::Failed(format!(
            "{file} is not a valid workflow ({count} problem{}):\n{}",
            if count == 1 { "" } else { "s" },
            list.join("\n")
        ))
    })?;
    println!(
        "{file}: workflow '{}' is valid: {} statuses, {} transitions, initial status {}",
        workflow.name,
        workflow.statuses.len(),
        workflow.transitions.len(),
        workflow.initial
    );
    Ok(())
}
