//! `triage postmortem`: the post-mortem as a Markdown file in the current directory
//! (drafted from the incident's record the first time), read back after editing, and
//! moved through its review.

use clap::Args;
use serde_json::Value;
use triage_core::postmortem::markdown;
use triage_store::Postmortem;

use super::segment;
use crate::client::{CliError, CliResult};
use crate::{Context, print_json};

#[derive(Args)]
pub struct PostmortemArgs {
    /// KEY writes incident-KEY-post-mortem.md; `push KEY FILE` reads an edited file back;
    /// `review KEY`, `publish KEY` and `reopen KEY` move it through its review.
    #[arg(num_args = 1..=3, required = true, value_name = "KEY | ACTION KEY [FILE]")]
    words: Vec<String>,
    /// Print the Markdown instead of writing the file.
    #[arg(long)]
    stdout: bool,
    /// Overwrite the file if it exists.
    #[arg(long)]
    force: bool,
}

fn parse(value: Value) -> CliResult<Postmortem> {
    serde_json::from_value(value).map_err(|e| CliError::Failed(format!("unexpected answer: {e}")))
}

fn usage(message: &str) -> CliError {
    CliError::Usage(format!(
        "{message}: write `triage postmortem KEY`, `triage postmortem push KEY FILE`, or \
         `triage postmortem review|publish|reopen KEY`"
    ))
}

pub fn run(context: &Context, args: PostmortemArgs) -> CliResult<()> {
    let words: Vec<&str> = args.words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["push", key, file] => push(context, key, file),
        ["push", ..] => Err(usage("push needs the key and the file")),
        [action @ ("review" | "publish" | "reopen"), key] => step(context, action, key),
        [key] => write(context, key, &args),
        _ => Err(usage("unexpected arguments")),
    }
}

fn path(key: &str) -> String {
    format!("/incidents/{}/postmortem", segment(key))
}

fn write(context: &Context, key: &str, args: &PostmortemArgs) -> CliResult<()> {
    let answer: Value = context.client.post(&path(key), &serde_json::json!({}))?;
    if context.json {
        return print_json(&answer);
    }
    let postmortem = parse(answer)?;
    let text = markdown::render(&postmortem.document);
    if args.stdout {
        print!("{text}");
        return Ok(());
    }
    let file = format!("incident-{}-post-mortem.md", postmortem.incident);
    if std::path::Path::new(&file).exists() && !args.force {
        return Err(CliError::Failed(format!(
            "{file} exists: push your edits with `triage postmortem push {} {file}`, or \
             overwrite it with --force",
            postmortem.incident
        )));
    }
    std::fs::write(&file, text)
        .map_err(|e| CliError::Failed(format!("cannot write {file}: {e}")))?;
    println!("Created {file}");
    Ok(())
}

fn push(context: &Context, key: &str, file: &str) -> CliResult<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::Failed(format!("cannot read {file}: {e}")))?;
    let document = markdown::parse(&text).map_err(|e| CliError::Failed(format!("{file}: {e}")))?;
    let answer: Value = context.client.put(&path(key), &document)?;
    if context.json {
        return print_json(&answer);
    }
    let saved = parse(answer)?;
    println!(
        "{}: post-mortem saved (revision {}, {}, version {})",
        saved.incident, saved.revision, saved.status, saved.version
    );
    Ok(())
}

fn step(context: &Context, action: &str, key: &str) -> CliResult<()> {
    let answer: Value = context
        .client
        .post(&format!("{}/{action}", path(key)), &serde_json::json!({}))?;
    if context.json {
        return print_json(&answer);
    }
    let moved = parse(answer)?;
    println!(
        "{}: post-mortem {} (revision {})",
        moved.incident, moved.status, moved.revision
    );
    Ok(())
}
