//! `triage serve`: the server on a SQLite file, with the first-start hints (and an
//! optional demo admin and sample incidents).

use std::future::Future;
use std::sync::Arc;

use clap::Args;
use tokio::net::TcpListener;
use triage_core::cadence::Cadence;
use triage_core::clock::Clock;
use triage_core::sla::ResponseTimes;
use triage_core::workflow::Workflow;
use triage_server::clock::SystemClock;
use triage_server::{AppState, JiraDeployment, Mail, Outbound};
use triage_store::{Store, StoreOptions, redact_password};

use super::demo;
use crate::client::{CliError, CliResult};

#[derive(Args)]
pub struct ServeArgs {
    /// The database: a SQLite file path (created if missing), a sqlite: URL, or a
    /// postgres://user@host/dbname URL.
    #[arg(long, env = "TRIAGE_DB", default_value = "triage.db")]
    db: String,
    /// Address to listen on.
    #[arg(long, env = "TRIAGE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// A workflow TOML file to use instead of the built-in incident workflow.
    #[arg(long, env = "TRIAGE_WORKFLOW")]
    workflow: Option<String>,
    /// Prefix of incident keys.
    #[arg(long, env = "TRIAGE_KEY_PREFIX", default_value = "INC")]
    key_prefix: String,
    /// A priority's response time (time to acknowledgement), e.g. `P1=10m`; repeat for
    /// several. The others keep the default: P1=15m, P2=1h, P3=4h, P4=1d.
    #[arg(
        long = "response-time",
        env = "TRIAGE_RESPONSE_TIMES",
        value_delimiter = ','
    )]
    response_times: Vec<String>,
    /// The longest wait between stakeholder updates while an incident of a severity is
    /// being worked, e.g. `SEV1=15m` or `SEV3=1h` (`off` for none); repeat for several.
    /// The others keep the default: SEV1=30m, SEV2=30m, SEV3 and SEV4 off.
    #[arg(
        long = "update-cadence",
        env = "TRIAGE_UPDATE_CADENCE",
        value_delimiter = ','
    )]
    update_cadence: Vec<String>,
    /// Where people reach this server (e.g. https://triage.example.com behind a proxy):
    /// links in notifications start with it. Default: the address it listens on.
    #[arg(long, env = "TRIAGE_PUBLIC_URL")]
    public_url: Option<String>,
    /// The SMTP relay e-mail contact methods are delivered through, e.g.
    /// smtp://mail.example.com:587?tls=required, smtps://user:password@host or
    /// smtp://127.0.0.1:25 (plain). Without it, e-mail cannot be delivered.
    #[arg(long, env = "TRIAGE_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of e-mail notifications.
    #[arg(
        long,
        env = "TRIAGE_MAIL_FROM",
        default_value = "Triage <triage@localhost>"
    )]
    mail_from: String,
    /// How the Jira-compatible API (/rest/api/2, /3) names users: `server` (a `name`,
    /// the e-mail) or `cloud` (an `accountId`); `serverInfo` reports it as its
    /// deploymentType, which is how Jira clients choose their requests.
    #[arg(long, env = "TRIAGE_JIRA_DEPLOYMENT", default_value = "server")]
    jira_deployment: String,
    /// On an empty database, create admin@example.com (printing its token) and a few
    /// sample incidents.
    #[arg(long)]
    demo: bool,
}

/// Runs a future on a fresh multi-threaded runtime.
pub fn block_on<T>(future: impl Future<Output = CliResult<T>>) -> CliResult<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))?
        .block_on(future)
}

pub fn run(args: ServeArgs) -> CliResult<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let workflow = match &args.workflow {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| CliError::Failed(format!("cannot read {file}: {e}")))?;
            Workflow::from_toml(&text).map_err(|errors| {
                CliError::Failed(format!("{file} is not a valid workflow:\n{errors}"))
            })?
        }
        None => Workflow::builtin(),
    };
    let response_times = ResponseTimes::with(args.response_times.iter().map(String::as_str))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let update_cadence = Cadence::with(args.update_cadence.iter().map(String::as_str))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let jira = JiraDeployment::parse(&args.jira_deployment).map_err(CliError::Usage)?;
    block_on(async move {
        let mail = args
            .smtp_url
            .as_deref()
            .map(|url| Mail::new(url, &args.mail_from))
            .transpose()
            .map_err(CliError::Usage)?;
        let options = StoreOptions {
            key_prefix: args.key_prefix.clone(),
            workflow: Arc::new(workflow),
            response_times,
            update_cadence,
            ..StoreOptions::default()
        };
        let store = Store::open(&args.db, options).await.map_err(|e| {
            CliError::Failed(format!(
                "cannot open the database {}: {e}",
                redact_password(&args.db)
            ))
        })?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let listener = TcpListener::bind(&args.listen)
            .await
            .map_err(|e| CliError::Failed(format!("cannot listen on {}: {e}", args.listen)))?;
        let address = listener
            .local_addr()
            .map_err(|e| CliError::Failed(format!("no local address: {e}")))?;
        let url = format!("http://{address}");
        println!(
            "Triage {} listening on {url} (database: {})",
            env!("CARGO_PKG_VERSION"),
            redact_password(&args.db)
        );
        let strays = store
            .statuses_outside_workflow()
            .await
            .map_err(|e| CliError::Failed(e.to_string()))?;
        for (status, count) in strays {
            eprintln!(
                "warning: {count} incident(s) are in status '{status}', which the workflow does \
                 not have; no transition leaves it until the workflow lists it again"
            );
        }
        let has_users = store
            .has_users()
            .await
            .map_err(|e| CliError::Failed(e.to_string()))?;
        if !has_users && args.demo {
            demo::seed(&store, clock.now(), &url)
                .await
                .map_err(|e| CliError::Failed(format!("cannot create the demo data: {e}")))?;
        } else if !has_users {
            println!(
                "No users yet. Create the first admin and its API token with:\n  \
                 triage admin bootstrap --db {} --email you@example.com\n\
                 then: export TRIAGE_URL={url} TRIAGE_TOKEN=<the token>",
                args.db
            );
        }
        let outbound = Outbound {
            public_url: Some(args.public_url.clone().unwrap_or(url)),
            mail,
        };
        let state = AppState::new(store.clone(), clock)
            .with_outbound(outbound)
            .with_jira(jira);
        triage_server::serve(listener, state, shutdown_signal())
            .await
            .map_err(|e| CliError::Failed(format!("server failed: {e}")))?;
        store.close().await;
        Ok(())
    })
}

/// Completes on Ctrl-C or SIGTERM, so in-flight requests finish before exit.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
