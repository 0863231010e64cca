//! How a person is reached: contact methods, each used at once or a while after a page
//! if the incident is still not acknowledged ("webhook at once, e-mail after 2 minutes").

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use triage_core::duration::{format_duration, parse_duration};

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::time::{from_db, to_db};
use crate::tokens::new_secret;
use crate::users::user_id;

/// The kinds of contact method.
const KINDS: [&str; 4] = ["webhook", "slack", "teams", "email"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMethod {
    pub id: i64,
    pub user: String,
    /// webhook, slack, teams or email.
    pub kind: String,
    /// A URL, or an e-mail address.
    pub address: String,
    pub name: String,
    /// How long after a page it is used if the incident is still not acknowledged.
    pub after: String,
    /// The HMAC-SHA256 key a webhook's bodies are signed with (webhooks only).
    pub secret: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct NewContactMethod {
    pub kind: String,
    pub address: String,
    pub name: String,
    /// `2m`; none: at once.
    pub after: Option<String>,
}

fn method_from(row: &AnyRow) -> StoreResult<ContactMethod> {
    Ok(ContactMethod {
        id: row.try_get("id")?,
        user: row.try_get("email")?,
        kind: row.try_get("kind")?,
        address: row.try_get("address")?,
        name: row.try_get("name")?,
        after: match row.try_get::<i64, _>("delay_seconds")? {
            0 => "0s".to_string(),
            seconds => format_duration(SignedDuration::from_secs(seconds)),
        },
        secret: row.try_get("secret")?,
        created_at: from_db(row.try_get("created_at")?)?,
    })
}

/// Checks an address for its kind: http(s) URLs for the web kinds, an address for e-mail.
/// `what` names the thing it addresses in the error: "contact method", "stakeholder".
pub(crate) fn check_address(what: &str, kind: &str, address: &str) -> StoreResult<()> {
    let ok = match kind {
        "email" => triage_core::email::parse_email(address).is_ok(),
        _ => address.starts_with("http://") || address.starts_with("https://"),
    };
    if ok {
        Ok(())
    } else if kind == "email" {
        Err(StoreError::Invalid(format!(
            "'{address}' is not an e-mail address"
        )))
    } else {
        Err(StoreError::Invalid(format!(
            "a {kind} {what} needs an http:// or https:// URL, not '{address}'"
        )))
    }
}

const COLUMNS: &str = "c.id, u.email, c.kind, c.address, c.name, c.delay_seconds, c.secret, \
     c.created_at";

impl Store {
    /// Adds a way to reach `email`; a webhook gets a signing secret.
    pub async fn add_contact_method(
        &self,
        email: &str,
        new: NewContactMethod,
        now: Timestamp,
    ) -> StoreResult<ContactMethod> {
        let kind = new.kind.trim().to_lowercase();
        if !KINDS.contains(&kind.as_str()) {
            return Err(StoreError::Invalid(format!(
                "contact method kind '{}' is not allowed: use {}",
                new.kind,
                KINDS.join(", ")
            )));
        }
        let address = new.address.trim().to_string();
        check_address("contact method", &kind, &address)?;
        let delay = match new.after.as_deref().map(str::trim) {
            None | Some("") | Some("0") | Some("0s") => 0,
            Some(text) => parse_duration(text)
                .map_err(|e| StoreError::Invalid(e.to_string()))?
                .as_secs(),
        };
        let secret = (kind == "webhook")
            .then(|| new_secret("whsec_"))
            .transpose()?;
        let email = email.to_string();
        let name = new.name.trim().to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let user = user_id(connection, &email).await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO contact_methods (user_id, kind, address, name, secret, \
                     delay_seconds, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(user)
                .bind(&kind)
                .bind(&address)
                .bind(&name)
                .bind(&secret)
                .bind(delay)
                .bind(to_db(now))
                .fetch_one(&mut *connection)
                .await?;
                let sql = format!(
                    "SELECT {COLUMNS} FROM contact_methods c JOIN users u ON u.id = c.user_id \
                     WHERE c.id = $1"
                );
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_one(&mut *connection)
                    .await?;
                method_from(&row)
            })
        })
        .await
    }

    /// The contact methods of `email`, in the order they were added.
    pub async fn contact_methods(&self, email: &str) -> StoreResult<Vec<ContactMethod>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM contact_methods c JOIN users u ON u.id = c.user_id \
             WHERE u.email = $1 ORDER BY c.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(email.trim().to_lowercase())
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(method_from).collect()
    }

    /// Removes one of `email`'s contact methods.
    pub async fn remove_contact_method(&self, email: &str, id: i64) -> StoreResult<()> {
        let email = email.to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let user = user_id(connection, &email).await?;
                let removed =
                    sqlx::query("DELETE FROM contact_methods WHERE id = $1 AND user_id = $2")
                        .bind(id)
                        .bind(user)
                        .execute(&mut *connection)
                        .await?;
                if removed.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!(
                        "{} has no contact method {id}",
                        email.trim()
                    )));
                }
                Ok(())
            })
        })
        .await
    }
}
