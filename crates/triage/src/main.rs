//! `triage`: runs the server (`triage serve`) and drives it from the command line, the
//! way incident runbooks already do (`triage transition INC-456 --name Investigating`).

/// mimalloc instead of the C library's allocator: a server answering many small JSON
/// requests from several threads spends a quarter of its time in glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod client;
mod commands;
mod render;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::client::{CliError, CliResult, Client};
use crate::commands::{
    actions, admin, data, incidents, oncall, people, postmortems, report, serve, services,
    silences, updates, workflow,
};

#[derive(Parser)]
#[command(
    name = "triage",
    version,
    about = "Incident management: from detection to verified prevention"
)]
struct Cli {
    /// The Triage server's URL.
    #[arg(
        long,
        global = true,
        env = "TRIAGE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    url: String,
    /// API token (see `triage admin bootstrap` and `triage token create`).
    #[arg(long, global = true, env = "TRIAGE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print the API's JSON instead of human-readable output.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// First-start administration, directly on the database.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Copy a live SQLite database to a new file (consistent, online).
    Backup(data::BackupArgs),
    /// Copy everything from one database into another, e.g. SQLite to PostgreSQL.
    MigrateData(data::MigrateDataArgs),
    /// Open an incident; prints its key.
    Create(incidents::CreateArgs),
    /// Show an incident.
    Show(incidents::KeyArgs),
    /// List incidents, newest first.
    List(incidents::ListArgs),
    /// Move an incident through the workflow.
    Transition(incidents::TransitionArgs),
    /// Show the transitions possible from an incident's status now.
    Transitions(incidents::KeyArgs),
    /// Acknowledge an incident: you have it, and its escalation stops.
    Ack(incidents::KeyArgs),
    /// Page the next level of an incident's escalation now.
    Escalate(incidents::KeyArgs),
    /// Resolve an incident with a resolution.
    Resolve(incidents::ResolveArgs),
    /// Assign an incident.
    Assign(incidents::AssignArgs),
    /// Comment on an incident.
    Comment(incidents::CommentArgs),
    /// Link two incidents.
    Link(incidents::LinkArgs),
    /// Remove a link (its id is shown by `triage show`).
    Unlink(incidents::UnlinkArgs),
    /// Change an incident's fields, or post a stakeholder update (--message).
    Update(incidents::UpdateArgs),
    /// Action items: add, list (the backlog), update, done, verify.
    #[command(subcommand)]
    Action(actions::ActionCommand),
    /// An incident's post-mortem as a Markdown file: write it, push edits back, review.
    Postmortem(postmortems::PostmortemArgs),
    /// Response metrics over a window: MTTD/MTTA/MTTM/MTTR, SLA and cadence compliance,
    /// incidents by severity, service and week, recurrence and false-alarm rates.
    Report(report::ReportArgs),
    /// Who hears of an incident's updates.
    #[command(subcommand)]
    Stakeholder(updates::StakeholderCommand),
    /// Show an incident's review checklist, computed from its record.
    Review(incidents::KeyArgs),
    /// Show an incident's timeline.
    Timeline(incidents::KeyArgs),
    /// Manage users.
    #[command(subcommand)]
    User(people::UserCommand),
    /// Manage groups.
    #[command(subcommand)]
    Group(people::GroupCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(people::TokenCommand),
    /// Manage the service catalog.
    #[command(subcommand)]
    Service(services::ServiceCommand),
    /// Manage where a service's alerts come from.
    #[command(subcommand)]
    Integration(services::IntegrationCommand),
    /// Keep planned work quiet: silences and maintenance windows.
    #[command(subcommand)]
    Silence(silences::SilenceCommand),
    /// Who is on call now (or at --at), in one schedule or all.
    Oncall(oncall::OnCallArgs),
    /// Manage on-call schedules.
    #[command(subcommand)]
    Schedule(oncall::ScheduleCommand),
    /// Manage escalation policies: who is paged, level by level.
    #[command(subcommand)]
    Escalation(oncall::EscalationCommand),
    /// How you are paged: your contact methods.
    #[command(subcommand)]
    Contact(oncall::ContactCommand),
    /// Cover for someone: overrides of a schedule.
    #[command(subcommand)]
    Override(oncall::OverrideCommand),
    /// Show who the token belongs to.
    Whoami,
    /// Check or show workflows.
    #[command(subcommand)]
    Workflow(workflow::WorkflowCommand),
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
}

/// What every client command needs.
pub struct Context {
    pub client: Client,
    pub json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

fn run(cli: Cli) -> CliResult<()> {
    let context = Context {
        client: Client::new(&cli.url, cli.token),
        json: cli.json,
    };
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Admin(command) => admin::run(command),
        Command::Backup(args) => data::backup(args),
        Command::MigrateData(args) => data::migrate_data(args),
        Command::Create(args) => incidents::create(&context, args),
        Command::Show(args) => incidents::show(&context, args),
        Command::List(args) => incidents::list(&context, args),
        Command::Transition(args) => incidents::transition(&context, args),
        Command::Transitions(args) => incidents::transitions(&context, args),
        Command::Resolve(args) => incidents::resolve(&context, args),
        Command::Ack(args) => incidents::acknowledge(&context, args),
        Command::Escalate(args) => incidents::escalate(&context, args),
        Command::Assign(args) => incidents::assign(&context, args),
        Command::Comment(args) => incidents::comment(&context, args),
        Command::Link(args) => incidents::link(&context, args),
        Command::Unlink(args) => incidents::unlink(&context, args),
        Command::Update(args) => incidents::update(&context, args),
        Command::Stakeholder(command) => updates::stakeholder(&context, command),
        Command::Postmortem(args) => postmortems::run(&context, args),
        Command::Action(command) => actions::run(&context, command),
        Command::Report(args) => report::run(&context, args),
        Command::Review(args) => incidents::review(&context, args),
        Command::Timeline(args) => incidents::timeline(&context, args),
        Command::User(command) => people::user(&context, command),
        Command::Group(command) => people::group(&context, command),
        Command::Token(command) => people::token(&context, command),
        Command::Service(command) => services::service(&context, command),
        Command::Integration(command) => services::integration(&context, command),
        Command::Silence(command) => silences::run(&context, command),
        Command::Oncall(args) => oncall::on_call(&context, args),
        Command::Schedule(command) => oncall::schedule(&context, command),
        Command::Override(command) => oncall::overrides(&context, command),
        Command::Escalation(command) => oncall::escalation(&context, command),
        Command::Contact(command) => oncall::contact(&context, command),
        Command::Whoami => people::whoami(&context),
        Command::Workflow(command) => workflow::run(&context, command),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "triage", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// Prints `value` as pretty JSON.
pub fn print_json(value: &impl serde::Serialize) -> CliResult<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Failed(format!("cannot print JSON: {e}")))?;
    println!("{text}");
    Ok(())
}
