//! `triage backup` and `triage migrate-data`: whole-database operations, run directly on
//! the databases (no server needed, and safe while servers run on them).

use clap::Args;
use triage_store::{Store, StoreOptions, redact_password};

use super::serve::block_on;
use crate::client::{CliError, CliResult};

#[derive(Args)]
pub struct BackupArgs {
    /// The SQLite database to copy: a file path or a sqlite: URL.
    #[arg(long, env = "TRIAGE_DB", default_value = "triage.db")]
    db: String,
    /// The new file to write the copy to (must not exist).
    #[arg(long)]
    to: String,
}

#[derive(Args)]
pub struct MigrateDataArgs {
    /// The database to copy from: a SQLite file path, a sqlite: URL or a postgres:// URL.
    #[arg(long)]
    from: String,
    /// The database to copy into (created and migrated if needed); must be empty.
    #[arg(long)]
    to: String,
    /// Empty the target first (PostgreSQL targets only).
    #[arg(long)]
    replace: bool,
}

/// Opens a database that must already exist: a missing SQLite file is an error here, not
/// a new empty database.
async fn open_existing(db: &str) -> CliResult<Store> {
    let is_path = !db.contains("://") && !db.starts_with("sqlite:");
    if is_path && !std::path::Path::new(db).exists() {
        return Err(CliError::Failed(format!("there is no database at {db}")));
    }
    open(db).await
}

async fn open(db: &str) -> CliResult<Store> {
    Store::open(db, StoreOptions::default())
        .await
        .map_err(|e| CliError::Failed(format!("cannot open {}: {e}", redact_password(db))))
}

pub fn backup(args: BackupArgs) -> CliResult<()> {
    block_on(async move {
        let store = open_existing(&args.db).await?;
        let result = store.backup_to(&args.to).await;
        store.close().await;
        result.map_err(|e| CliError::Failed(e.to_string()))?;
        println!("Backed up {} to {}", args.db, args.to);
        Ok(())
    })
}

pub fn migrate_data(args: MigrateDataArgs) -> CliResult<()> {
    block_on(async move {
        let source = open_existing(&args.from).await?;
        let target = open(&args.to).await?;
        println!(
            "Copying {} into {} ...",
            redact_password(&args.from),
            redact_password(&args.to)
        );
        let result = source.copy_into(&target, args.replace).await;
        source.close().await;
        target.close().await;
        let counts = result.map_err(|e| CliError::Failed(e.to_string()))?;
        for (table, count) in &counts {
            println!("{count:>10}  {table}");
        }
        println!("Done: every table's row count matches the source.");
        Ok(())
    })
}
