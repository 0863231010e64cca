//! How the public page is branded (name, logo, accent colour), and the version every
//! status-page write bumps in its own transaction: a server keeps the page rendered and
//! renders it again only when the version it rendered is no longer the stored one.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::sql::Statements;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusPageSettings {
    /// The page's title: "Acme Status".
    pub name: String,
    /// An image shown beside the name: an `https://`/`http://` URL or a path on this
    /// server; empty for none.
    pub logo_url: String,
    /// The colour of links and headings, `#rrggbb`.
    pub accent: String,
}

impl Default for StatusPageSettings {
    fn default() -> Self {
        StatusPageSettings {
            name: "Status".to_string(),
            logo_url: String::new(),
            accent: "#1f6feb".to_string(),
        }
    }
}

impl StatusPageSettings {
    fn checked(self) -> StoreResult<StatusPageSettings> {
        let name = super::text("the page's name", &self.name, 100)?;
        let logo_url = self.logo_url.trim().to_string();
        let logo_ok = logo_url.is_empty()
            || ((logo_url.starts_with("https://")
                || logo_url.starts_with("http://")
                || logo_url.starts_with('/'))
                && logo_url.len() <= 2000
                && !logo_url.chars().any(|c| c.is_whitespace() || c == '"'));
        if !logo_ok {
            return Err(StoreError::Invalid(format!(
                "logo_url '{logo_url}' is not allowed: give an https:// or http:// URL, a path \
                 starting with /, or nothing"
            )));
        }
        let accent = self.accent.trim().to_ascii_lowercase();
        let accent_ok = accent.len() == 7
            && accent.starts_with('#')
            && accent[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !accent_ok {
            return Err(StoreError::Invalid(format!(
                "accent '{accent}' is not a colour: give it as #rrggbb, e.g. #1f6feb"
            )));
        }
        Ok(StatusPageSettings {
            name,
            logo_url,
            accent,
        })
    }
}

/// Bumps the page's version inside a write's statements (writing the default settings the
/// first time).
pub(crate) fn push_bump(statements: &mut Statements) {
    let defaults = StatusPageSettings::default();
    statements.push(
        "INSERT INTO status_page_settings (id, name, logo_url, accent, version) \
         VALUES (1, $1, $2, $3, 1) \
         ON CONFLICT (id) DO UPDATE SET version = status_page_settings.version + 1",
        vec![
            defaults.name.into(),
            defaults.logo_url.into(),
            defaults.accent.into(),
        ],
    );
}

/// Bumps the page's version on a write's connection.
pub(crate) async fn bump(connection: &mut AnyConnection) -> StoreResult<()> {
    let mut statements = Statements::default();
    push_bump(&mut statements);
    statements.execute(connection).await
}

impl Store {
    /// The page's branding and its current version.
    pub async fn status_page_settings(&self) -> StoreResult<(StatusPageSettings, i64)> {
        let row = sqlx::query("SELECT name, logo_url, accent, version FROM status_page_settings")
            .fetch_optional(&self.read)
            .await?;
        match row {
            None => Ok((StatusPageSettings::default(), 0)),
            Some(row) => Ok((
                StatusPageSettings {
                    name: row.try_get("name")?,
                    logo_url: row.try_get("logo_url")?,
                    accent: row.try_get("accent")?,
                },
                row.try_get("version")?,
            )),
        }
    }

    /// The version only: what a server asks before serving the page it rendered.
    pub async fn status_page_version(&self) -> StoreResult<i64> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT version FROM status_page_settings WHERE id = 1")
                .fetch_optional(&self.read)
                .await?;
        Ok(version.unwrap_or(0))
    }

    pub async fn set_status_page_settings(
        &self,
        settings: StatusPageSettings,
    ) -> StoreResult<StatusPageSettings> {
        let settings = settings.checked()?;
        let stored = settings.clone();
        self.write(move |connection| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO status_page_settings (id, name, logo_url, accent, version) \
                     VALUES (1, $1, $2, $3, 1) ON CONFLICT (id) DO UPDATE SET \
                     name = excluded.name, logo_url = excluded.logo_url, \
                     accent = excluded.accent, version = status_page_settings.version + 1",
                )
                .bind(&stored.name)
                .bind(&stored.logo_url)
                .bind(&stored.accent)
                .execute(&mut *connection)
                .await?;
                Ok(())
            })
        })
        .await?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(name: &str, logo_url: &str, accent: &str) -> StoreResult<StatusPageSettings> {
        StatusPageSettings {
            name: name.into(),
            logo_url: logo_url.into(),
            accent: accent.into(),
        }
        .checked()
    }

    #[test]
    fn settings_are_checked() {
        let ok = settings(" Acme Status ", "https://acme.test/logo.svg", "#1F6FEB").unwrap();
        assert_eq!(ok.name, "Acme Status");
        assert_eq!(ok.accent, "#1f6feb");
        assert!(settings("Acme", "/assets/logo.png", "#000000").is_ok());
        assert!(settings("", "", "#000000").is_err());
        let logo = settings("Acme", "javascript:alert(1)", "#000000").unwrap_err();
        assert!(logo.to_string().contains("https://"), "{logo}");
        let colour = settings("Acme", "", "red").unwrap_err();
        assert!(colour.to_string().contains("#rrggbb"), "{colour}");
    }
}
