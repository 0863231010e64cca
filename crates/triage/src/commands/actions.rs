//! `triage action`: an incident's action items from the command line — add, list (one
//! incident's, or the backlog by owner, status, overdue), update, done, verify.

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};
use triage_store::ActionItem;

use super::segment;
use crate::client::{CliError, CliResult};
use crate::{Context, print_json};

/// What an action item is: its kind, owner, due day and ticket.
#[derive(Args)]
pub struct Fields {
    /// fix, monitoring, documentation, runbook or process (fix for a new item).
    #[arg(long)]
    kind: Option<String>,
    /// The owner's e-mail.
    #[arg(long)]
    owner: Option<String>,
    /// The day it is due: 2026-12-01.
    #[arg(long)]
    due: Option<String>,
    /// A link to the external ticket.
    #[arg(long)]
    ticket: Option<String>,
}

impl Fields {
    /// The fields given, under the API's names.
    fn into_body(self, body: &mut Map<String, Value>) {
        for (field, value) in [
            ("kind", self.kind),
            ("owner", self.owner),
            ("due", self.due),
            ("ticket_url", self.ticket),
        ] {
            if let Some(value) = value {
                body.insert(field.into(), value.into());
            }
        }
    }
}

#[derive(Subcommand)]
pub enum ActionCommand {
    /// Add an action item to an incident.
    Add {
        key: String,
        #[arg(long)]
        title: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// List an incident's action items, or the backlog across incidents.
    List {
        /// An incident's key; the backlog without one.
        key: Option<String>,
        #[arg(long, conflicts_with = "key")]
        owner: Option<String>,
        /// Open, In Progress or Done.
        #[arg(long, conflicts_with = "key")]
        status: Option<String>,
        /// Only those past their due day and not Done.
        #[arg(long, conflicts_with = "key")]
        overdue: bool,
    },
    /// Change an action item.
    Update {
        id: i64,
        #[arg(long)]
        title: Option<String>,
        /// Open, In Progress or Done.
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        fields: Fields,
    },
    /// Mark an action item Done.
    Done { id: i64 },
    /// Record how a Done action item was shown to work.
    Verify {
        id: i64,
        #[arg(long)]
        how: String,
    },
}

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> CliResult<T> {
    serde_json::from_value(value).map_err(|e| CliError::Failed(format!("unexpected answer: {e}")))
}

/// One line per item: `#3 [Open] monitoring Alert on pool usage (ann@example.com, due 2026-12-01, OVERDUE) INC-4`.
fn line(item: &ActionItem) -> String {
    let mut facts = Vec::new();
    if let Some(owner) = &item.owner {
        facts.push(owner.email.clone());
    }
    if let Some(due) = &item.due {
        facts.push(format!("due {due}"));
    }
    if item.overdue {
        facts.push("OVERDUE".to_string());
    }
    if item.verified.is_some() {
        facts.push("verified".to_string());
    }
    let facts = if facts.is_empty() {
        String::new()
    } else {
        format!(" ({})", facts.join(", "))
    };
    format!(
        "#{} [{}] {} {}{} {}",
        item.id, item.status, item.kind, item.title, facts, item.incident
    )
}

fn show(context: &Context, answer: Value) -> CliResult<()> {
    if context.json {
        return print_json(&answer);
    }
    let item: ActionItem = parse(answer)?;
    println!("{}", line(&item));
    Ok(())
}

pub fn run(context: &Context, command: ActionCommand) -> CliResult<()> {
    match command {
        ActionCommand::Add { key, title, fields } => {
            let mut body = Map::new();
            body.insert("title".into(), title.into());
            fields.into_body(&mut body);
            let answer: Value = context
                .client
                .post(&format!("/incidents/{}/action-items", segment(&key)), &body)?;
            show(context, answer)
        }
        ActionCommand::List {
            key,
            owner,
            status,
            overdue,
        } => {
            let path = match &key {
                Some(key) => format!("/incidents/{}/action-items", segment(key)),
                None => {
                    let mut query = Vec::new();
                    if let Some(owner) = &owner {
                        query.push(format!("owner={}", segment(owner)));
                    }
                    if let Some(status) = &status {
                        query.push(format!("status={}", segment(status)));
                    }
                    if overdue {
                        query.push("overdue=true".to_string());
                    }
                    if query.is_empty() {
                        "/action-items".to_string()
                    } else {
                        format!("/action-items?{}", query.join("&"))
                    }
                }
            };
            let answer: Value = context.client.get(&path)?;
            if context.json {
                return print_json(&answer);
            }
            let items: Vec<ActionItem> = parse(answer["action_items"].clone())?;
            if items.is_empty() {
                println!("no action items");
            }
            for item in &items {
                println!("{}", line(item));
            }
            Ok(())
        }
        ActionCommand::Update {
            id,
            title,
            status,
            fields,
        } => {
            let mut body = Map::new();
            for (field, value) in [("title", title), ("status", status)] {
                if let Some(value) = value {
                    body.insert(field.into(), value.into());
                }
            }
            fields.into_body(&mut body);
            if body.is_empty() {
                return Err(CliError::Usage(
                    "nothing to change: give --title, --kind, --owner, --due, --status or --ticket"
                        .to_string(),
                ));
            }
            let answer: Value = context
                .client
                .patch(&format!("/action-items/{id}"), &body)?;
            show(context, answer)
        }
        ActionCommand::Done { id } => {
            let answer: Value = context
                .client
                .patch(&format!("/action-items/{id}"), &json!({"status": "Done"}))?;
            show(context, answer)
        }
        ActionCommand::Verify { id, how } => {
            let answer: Value = context
                .client
                .post(&format!("/action-items/{id}/verify"), &json!({"how": how}))?;
            show(context, answer)
        }
    }
}
