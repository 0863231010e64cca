//! `triage silence`: keep planned work quiet — a maintenance window on a service, or
//! alerts matching labels, for a while.

use clap::Subcommand;
use serde_json::{Value, json};
use triage_store::Silence;

use super::people::parse;
use crate::client::CliResult;
use crate::{Context, print_json, render};

#[derive(Subcommand)]
pub enum SilenceCommand {
    /// Silence alerts: on a service (a maintenance window), by label matchers, or both.
    Add {
        /// The service it covers (every service if left out; then give a matcher).
        #[arg(long)]
        service: Option<String>,
        /// A label matcher: name=value, name!=value, name=~regex, name!~regex; repeat for
        /// several (all must hold).
        #[arg(long = "match")]
        matchers: Vec<String>,
        /// How long: 30m, 2h, 1h30m, 1d.
        #[arg(long = "for", conflicts_with = "until")]
        duration: Option<String>,
        /// When it ends (RFC 3339).
        #[arg(long)]
        until: Option<String>,
        /// When it starts (RFC 3339); now if left out.
        #[arg(long)]
        from: Option<String>,
        /// Why: the change ticket, the planned work.
        #[arg(long)]
        comment: String,
    },
    /// List silences: active, pending, expired or all.
    List {
        #[arg(long, default_value = "all")]
        state: String,
    },
    /// End a silence now.
    Expire { id: i64 },
}

pub fn run(context: &Context, command: SilenceCommand) -> CliResult<()> {
    match command {
        SilenceCommand::Add {
            service,
            matchers,
            duration,
            until,
            from,
            comment,
        } => {
            let mut body = json!({
                "service": service,
                "matchers": matchers,
                "duration": duration,
                "ends_at": until,
                "starts_at": from,
                "comment": comment,
            });
            if let Some(fields) = body.as_object_mut() {
                fields.retain(|_, v| !v.is_null());
            }
            let silence: Silence = context.client.post("/silences", &body)?;
            if context.json {
                return print_json(&silence);
            }
            println!(
                "silence {} {} until {}",
                silence.id,
                silence.state,
                render::when(silence.ends_at)
            );
            Ok(())
        }
        SilenceCommand::List { state } => {
            let answer: Value = context.client.get(&format!("/silences?state={state}"))?;
            if context.json {
                return print_json(&answer);
            }
            let silences: Vec<Silence> = parse(&answer["silences"])?;
            print!("{}", render::silences(&silences));
            Ok(())
        }
        SilenceCommand::Expire { id } => {
            let silence: Silence = context.client.delete(&format!("/silences/{id}"))?;
            if context.json {
                return print_json(&silence);
            }
            println!("silence {} ended", silence.id);
            Ok(())
        }
    }
}
