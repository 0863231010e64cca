//! `triage oncall`, `triage schedule`, `triage override` and `triage escalation`: who is
//! on call, the schedules that say so, covering for someone, and who is paged in turn.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Deserialize;
use serde_json::{Value, json};
use triage_store::{ContactMethod, EscalationPolicy, Schedule, ScheduleOverride};

use super::people::parse;
use super::segment;
use crate::client::{CliError, CliResult};
use crate::{Context, print_json, render};

#[derive(Args)]
pub struct OnCallArgs {
    /// One schedule; every schedule if left out.
    schedule: Option<String>,
    /// The instant to ask about (RFC 3339); now if left out.
    #[arg(long)]
    at: Option<String>,
}

/// A shift as the API answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct ShiftView {
    pub user: String,
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    pub from: String,
}

pub fn on_call(context: &Context, args: OnCallArgs) -> CliResult<()> {
    let query = args
        .at
        .as_deref()
        .map(|at| format!("?at={}", segment(at)))
        .unwrap_or_default();
    let answer: Value = match &args.schedule {
        Some(name) => context
            .client
            .get(&format!("/schedules/{}/oncall{query}", segment(name)))?,
        None => context.client.get(&format!("/oncall{query}"))?,
    };
    if context.json {
        return print_json(&answer);
    }
    let rows: Vec<(String, Option<ShiftView>)> = match &args.schedule {
        Some(_) => vec![(parse(&answer["schedule"])?, parse(&answer["on_call"])?)],
        None => answer["schedules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|entry| Ok((parse(&entry["schedule"])?, parse(&entry["on_call"])?)))
            .collect::<CliResult<_>>()?,
    };
    print!("{}", render::on_call(&rows));
    Ok(())
}

#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// Create a schedule: one rotation from the options, or every layer from a JSON file
    /// shaped like the API's body (docs/api.md).
    Add(ScheduleArgs),
    /// Replace a schedule's time zone and layers (its overrides stay).
    Replace(ScheduleArgs),
    /// List schedules with who is on call in each now.
    List,
    /// Show a schedule's layers and who is on call over the next days, in its time zone.
    Show {
        name: String,
        /// How many days ahead.
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
    /// Delete a schedule.
    Delete { name: String },
}

#[derive(Args)]
pub struct ScheduleArgs {
    name: String,
    /// The whole description as JSON: {"time_zone": ..., "layers": [...]}.
    #[arg(long, conflicts_with_all = ["time_zone", "users", "shift", "start", "restrict"])]
    file: Option<PathBuf>,
    /// IANA time zone of the hand-offs: Europe/Berlin, America/New_York, UTC.
    #[arg(long)]
    time_zone: Option<String>,
    /// Who takes turns, in order (e-mail addresses, separated by commas).
    #[arg(long, value_delimiter = ',')]
    users: Vec<String>,
    /// Each turn's length: 12h, 1d, 1w, 2w.
    #[arg(long)]
    shift: Option<String>,
    /// The first hand-off, local time in the zone: 2026-11-23T09:00.
    #[arg(long)]
    start: Option<String>,
    /// Only on call within this window of the week, e.g. "mon-fri 09:00-17:00"; repeat
    /// for several.
    #[arg(long)]
    restrict: Vec<String>,
    #[arg(long, default_value = "")]
    description: String,
}

impl ScheduleArgs {
    /// The API body these options describe.
    fn body(&self) -> CliResult<Value> {
        if let Some(file) = &self.file {
            return named_body(file, &self.name);
        }
        let missing = |what: &str| CliError::Usage(format!("give --{what} (or --file)"));
        Ok(json!({
            "name": self.name,
            "description": self.description,
            "time_zone": self.time_zone.as_deref().ok_or_else(|| missing("time-zone"))?,
            "layers": [{
                "users": self.users,
                "shift": self.shift.as_deref().ok_or_else(|| missing("shift"))?,
                "start": self.start.as_deref().ok_or_else(|| missing("start"))?,
                "restrictions": self.restrict,
            }],
        }))
    }
}

pub fn schedule(context: &Context, command: ScheduleCommand) -> CliResult<()> {
    match command {
        ScheduleCommand::Add(args) => {
            let schedule: Schedule = context.client.post("/schedules", &args.body()?)?;
            if context.json {
                return print_json(&schedule);
            }
            println!("schedule {} created", schedule.name);
            Ok(())
        }
        ScheduleCommand::Replace(args) => {
            let path = format!("/schedules/{}", segment(&args.name));
            let schedule: Schedule = context.client.put(&path, &args.body()?)?;
            if context.json {
                return print_json(&schedule);
            }
            println!("schedule {} replaced", schedule.name);
            Ok(())
        }
        ScheduleCommand::List => {
            let answer: Value = context.client.get("/schedules")?;
            if context.json {
                return print_json(&answer);
            }
            let rows = answer["schedules"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|entry| {
                    let schedule: Schedule = parse(&entry["schedule"])?;
                    Ok((schedule.name, parse(&entry["on_call"])?))
                })
                .collect::<CliResult<Vec<_>>>()?;
            print!("{}", render::on_call(&rows));
            Ok(())
        }
        ScheduleCommand::Show { name, days } => {
            let path = format!("/schedules/{}", segment(&name));
            let shown: Value = context.client.get(&path)?;
            let shifts: Value = context.client.get(&format!("{path}/shifts?days={days}"))?;
            if context.json {
                return print_json(
                    &json!({ "schedule": shown["schedule"], "shifts": shifts["shifts"] }),
                );
            }
            let schedule: Schedule = parse(&shown["schedule"])?;
            let shifts: Vec<ShiftView> = parse(&shifts["shifts"])?;
            print!("{}", render::schedule(&schedule, &shifts));
            Ok(())
        }
        ScheduleCommand::Delete { name } => {
            let _: Value = context
                .client
                .delete(&format!("/schedules/{}", segment(&name)))?;
            println!("schedule {name} deleted");
            Ok(())
        }
    }
}

#[derive(Subcommand)]
pub enum OverrideCommand {
    /// Someone covers a window of a schedule.
    Add {
        schedule: String,
        /// Who covers (e-mail).
        #[arg(long)]
        user: String,
        /// When it starts (RFC 3339); now if left out.
        #[arg(long)]
        start: Option<String>,
        /// When it ends (RFC 3339).
        #[arg(long, conflicts_with = "duration")]
        end: Option<String>,
        /// How long: 4h, 1d, 1h30m.
        #[arg(long = "for")]
        duration: Option<String>,
    },
    /// Remove an override (its id is shown by `triage schedule show`).
    Remove { schedule: String, id: i64 },
}

pub fn overrides(context: &Context, command: OverrideCommand) -> CliResult<()> {
    match command {
        OverrideCommand::Add {
            schedule,
            user,
            start,
            end,
            duration,
        } => {
            let mut body = json!({"user": user, "start": start, "end": end, "duration": duration});
            if let Some(fields) = body.as_object_mut() {
                fields.retain(|_, v| !v.is_null());
            }
            let path = format!("/schedules/{}/overrides", segment(&schedule));
            let added: ScheduleOverride = context.client.post(&path, &body)?;
            if context.json {
                return print_json(&added);
            }
            println!(
                "override {}: {} covers {} from {} to {}",
                added.id,
                added.user,
                schedule,
                render::when(added.start),
                render::when(added.end)
            );
            Ok(())
        }
        OverrideCommand::Remove { schedule, id } => {
            let _: Value = context
                .client
                .delete(&format!("/schedules/{}/overrides/{id}", segment(&schedule)))?;
            println!("override {id} removed");
            Ok(())
        }
    }
}

#[derive(Subcommand)]
pub enum EscalationCommand {
    /// Create an escalation policy from a JSON file shaped like the API's body:
    /// {"repeat": 1, "levels": [{"targets": [{"schedule": "primary"}], "delay": "5m"}]}.
    Add {
        name: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Replace a policy's levels from a JSON file.
    Replace {
        name: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// List escalation policies.
    List,
    /// Show a policy level by level.
    Show { name: String },
    /// Delete a policy (its services are left without one).
    Delete { name: String },
}

/// A JSON file's object, with `name` set.
fn named_body(file: &PathBuf, name: &str) -> CliResult<Value> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", file.display())))?;
    let mut body: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{} is not JSON: {e}", file.display())))?;
    body["name"] = json!(name);
    Ok(body)
}

pub fn escalation(context: &Context, command: EscalationCommand) -> CliResult<()> {
    match command {
        EscalationCommand::Add { name, file } => {
            let policy: EscalationPolicy = context
                .client
                .post("/escalation-policies", &named_body(&file, &name)?)?;
            if context.json {
                return print_json(&policy);
            }
            print!("{}", render::policy(&policy));
            Ok(())
        }
        EscalationCommand::Replace { name, file } => {
            let path = format!("/escalation-policies/{}", segment(&name));
            let policy: EscalationPolicy = context.client.put(&path, &named_body(&file, &name)?)?;
            if context.json {
                return print_json(&policy);
            }
            print!("{}", render::policy(&policy));
            Ok(())
        }
        EscalationCommand::List => {
            let answer: Value = context.client.get("/escalation-policies")?;
            if context.json {
                return print_json(&answer);
            }
            let policies: Vec<EscalationPolicy> = parse(&answer["policies"])?;
            for policy in &policies {
                print!("{}", render::policy(policy));
            }
            Ok(())
        }
        EscalationCommand::Show { name } => {
            let policy: EscalationPolicy = context
                .client
                .get(&format!("/escalation-policies/{}", segment(&name)))?;
            if context.json {
                return print_json(&policy);
            }
            print!("{}", render::policy(&policy));
            Ok(())
        }
        EscalationCommand::Delete { name } => {
            let _: Value = context
                .client
                .delete(&format!("/escalation-policies/{}", segment(&name)))?;
            println!("escalation policy {name} deleted");
            Ok(())
        }
    }
}

#[derive(Subcommand)]
pub enum ContactCommand {
    /// Add a way to page you.
    Add {
        /// webhook (JSON, signed), slack or teams (incoming webhooks), or email.
        #[arg(long)]
        kind: String,
        /// The URL to post to, or the e-mail address.
        #[arg(long)]
        address: String,
        #[arg(long, default_value = "")]
        name: String,
        /// Use it only this long after a page if the incident is still not acknowledged.
        #[arg(long)]
        after: Option<String>,
    },
    /// List your contact methods.
    List,
    /// Remove one of your contact methods.
    Remove { id: i64 },
}

pub fn contact(context: &Context, command: ContactCommand) -> CliResult<()> {
    match command {
        ContactCommand::Add {
            kind,
            address,
            name,
            after,
        } => {
            let mut body = json!({"kind": kind, "address": address, "name": name, "after": after});
            if let Some(fields) = body.as_object_mut() {
                fields.retain(|_, v| !v.is_null());
            }
            let method: ContactMethod = context.client.post("/me/contact-methods", &body)?;
            if context.json {
                return print_json(&method);
            }
            println!(
                "contact method {}: {} {}",
                method.id, method.kind, method.address
            );
            if let Some(secret) = &method.secret {
                println!("signing secret: {secret}");
            }
            Ok(())
        }
        ContactCommand::List => {
            let answer: Value = context.client.get("/me/contact-methods")?;
            if context.json {
                return print_json(&answer);
            }
            let methods: Vec<ContactMethod> = parse(&answer["contact_methods"])?;
            let rows: Vec<[String; 4]> = methods
                .iter()
                .map(|m| {
                    [
                        m.id.to_string(),
                        m.kind.clone(),
                        m.after.clone(),
                        m.address.clone(),
                    ]
                })
                .collect();
            let header = ["ID", "KIND", "AFTER", "ADDRESS"].map(str::to_string);
            print!("{}", render::table(&header, &rows));
            Ok(())
        }
        ContactCommand::Remove { id } => {
            let _: Value = context
                .client
                .delete(&format!("/me/contact-methods/{id}"))?;
            println!("contact method {id} removed");
            Ok(())
        }
    }
}
