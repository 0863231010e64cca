//! Stakeholder updates from the command line: `triage update KEY --message …` posts one
//! (to the status page too with `--public`), `triage stakeholder` says who hears them.

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use triage_store::{Stakeholder, StakeholderUpdate};

use super::segment;
use crate::client::{CliError, CliResult};
use crate::{Context, print_json};

/// The stakeholder update `triage update` posts when given `--message`.
#[derive(Args)]
pub struct MessageArgs {
    /// Post a stakeholder update: what is being done, how it stands.
    #[arg(long)]
    message: Option<String>,
    /// Who or what is affected, as stakeholders should read it.
    #[arg(long, requires = "message")]
    impact: Option<String>,
    /// When the next update comes, if sooner than the cadence asks: 15m, 1h.
    #[arg(long = "next", requires = "message")]
    next_update_in: Option<String>,
    /// Post the message on the public status page too (the incident must be published).
    #[arg(long, requires = "message")]
    public: bool,
    /// The public status it moves to: investigating, identified, monitoring, resolved.
    #[arg(long, requires = "public")]
    public_status: Option<String>,
}

impl MessageArgs {
    pub fn given(&self) -> bool {
        self.message.is_some()
    }
}

/// Posts the update `args` describes on incident `key`; prints what was sent where.
pub fn post(context: &Context, key: &str, args: MessageArgs) -> CliResult<()> {
    let body = json!({
        "message": args.message,
        "impact": args.impact,
        "next_update_in": args.next_update_in,
        "public": args.public,
        "public_status": args.public_status,
    });
    let answer: Value = context
        .client
        .post(&format!("/incidents/{}/updates", segment(key)), &body)?;
    if context.json {
        return print_json(&answer);
    }
    let update: StakeholderUpdate = parse(answer)?;
    let whom = if update.recipients.is_empty() {
        "no stakeholders yet (add some with `triage stakeholder add`)".to_string()
    } else {
        update.recipients.join(", ")
    };
    println!("{}: update {} sent to {whom}", update.incident, update.id);
    if update.public_update_id.is_some() {
        println!("posted on the status page too");
    }
    if let Some(next) = update.next_update_at {
        println!("next update due by {}", next.strftime("%Y-%m-%d %H:%M UTC"));
    }
    Ok(())
}

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> CliResult<T> {
    serde_json::from_value(value).map_err(|e| CliError::Failed(format!("unexpected answer: {e}")))
}

#[derive(Subcommand)]
pub enum StakeholderCommand {
    /// Add someone who hears of the incident's updates.
    Add {
        key: String,
        /// user, group, email, webhook, slack or teams.
        kind: String,
        /// A user's e-mail, a group's name, an e-mail address, or the URL to post to.
        target: String,
    },
    /// List an incident's stakeholders.
    List { key: String },
    /// Remove a stakeholder (its id is shown by `triage stakeholder list`).
    Remove { key: String, id: i64 },
}

pub fn stakeholder(context: &Context, command: StakeholderCommand) -> CliResult<()> {
    match command {
        StakeholderCommand::Add { key, kind, target } => {
            let answer: Value = context.client.post(
                &format!("/incidents/{}/stakeholders", segment(&key)),
                &json!({ "kind": kind, "target": target }),
            )?;
            if context.json {
                return print_json(&answer);
            }
            let added: Stakeholder = parse(answer)?;
            println!(
                "{}: {} added as stakeholder {}",
                key.to_uppercase(),
                added.label,
                added.id
            );
        }
        StakeholderCommand::List { key } => {
            let answer: Value = context
                .client
                .get(&format!("/incidents/{}/stakeholders", segment(&key)))?;
            if context.json {
                return print_json(&answer);
            }
            let stakeholders: Vec<Stakeholder> = parse(answer["stakeholders"].clone())?;
            if stakeholders.is_empty() {
                println!("{} has no stakeholders", key.to_uppercase());
            }
            for stakeholder in stakeholders {
                println!("{:>4}  {}", stakeholder.id, stakeholder.label);
            }
        }
        StakeholderCommand::Remove { key, id } => {
            let _: Value = context
                .client
                .delete(&format!("/incidents/{}/stakeholders/{id}", segment(&key)))?;
            println!("{}: stakeholder {id} removed", key.to_uppercase());
        }
    }
    Ok(())
}
