//! `triage admin bootstrap`: the first admin and their token, written straight into the
//! database (no server needed, and safe while one runs: it is one more writer).

use clap::Subcommand;
use triage_store::{Store, StoreOptions, redact_password, validate_password};

use super::serve::block_on;
use crate::client::{CliError, CliResult};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create (or promote) an admin in group `sre` and print a new token for them as the
    /// last line.
    Bootstrap {
        /// The database: a SQLite file path, a sqlite: URL, or a postgres:// URL.
        #[arg(long, env = "TRIAGE_DB", default_value = "triage.db")]
        db: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Also set the admin's web console password, read from the first line of
        /// standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

pub fn run(command: AdminCommand) -> CliResult<()> {
    match command {
        AdminCommand::Bootstrap {
            db,
            email,
            name,
            password_stdin,
        } => block_on(async move {
            let password = if password_stdin {
                let line =
                    std::io::stdin().lines().next().transpose().map_err(|e| {
                        CliError::Failed(format!("cannot read standard input: {e}"))
                    })?;
                let password = line.ok_or_else(|| {
                    CliError::Usage("--password-stdin: no password on standard input".to_string())
                })?;
                validate_password(&password).map_err(|e| CliError::Usage(e.to_string()))?;
                Some(password)
            } else {
                None
            };
            let store = Store::open(&db, StoreOptions::default())
                .await
                .map_err(|e| {
                    CliError::Failed(format!("cannot open {}: {e}", redact_password(&db)))
                })?;
            let now = triage_core::clock::Clock::now(&triage_server::clock::SystemClock);
            let (user, token) = store
                .bootstrap_admin(&email, name.as_deref(), now)
                .await
                .map_err(|e| CliError::Failed(e.to_string()))?;
            if let Some(password) = &password {
                store
                    .set_password(&user.email, password)
                    .await
                    .map_err(|e| CliError::Failed(e.to_string()))?;
            }
            store.close().await;
            println!(
                "Admin {} <{}> is ready (groups: {}).",
                user.name,
                user.email,
                user.groups.join(", ")
            );
            println!("Their API token follows; it is shown only now:");
            println!("{}", token.token);
            Ok(())
        }),
    }
}
