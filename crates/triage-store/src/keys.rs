//! Secrets the servers of one database share, made on first use and kept in the
//! database, so that whatever one instance signs (the acknowledge links in
//! notifications) every other instance can check.

use jiff::Timestamp;

use crate::db::Store;
use crate::error::StoreResult;
use crate::time::to_db;
use crate::tokens::new_secret;

impl Store {
    /// The shared secret `name`; the first caller on a database makes it, and every
    /// caller after, on any instance, gets the same.
    pub async fn server_key(&self, name: &str, now: Timestamp) -> StoreResult<String> {
        let name = name.to_string();
        let fresh = new_secret("")?;
        self.write(move |connection| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO server_keys (name, value, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(&name)
                .bind(&fresh)
                .bind(to_db(now))
                .execute(&mut *connection)
                .await?;
                let value: String =
                    sqlx::query_scalar("SELECT value FROM server_keys WHERE name = $1")
                        .bind(&name)
                        .fetch_one(&mut *connection)
                        .await?;
                Ok(value)
            })
        })
        .await
    }
}
