//! The rendered page, kept: during an outage everyone reloads the status page, and each
//! request must not read and render it again. Every answer is rendered once per store
//! version (bumped by every status-page write, on any instance) and served from memory
//! until the version moves or the clock makes it untrue (see `Page::expires_at`). A
//! request asks the store only for the version, a one-row read; so an update is never
//! hidden once the write that made it has been acknowledged.

use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use jiff::Timestamp;

use super::page::Page;
use super::{Kind, render};
use crate::AppState;
use crate::error::ApiResult;

#[derive(Default)]
pub struct PageCache {
    current: RwLock<Option<Arc<Rendered>>>,
    /// Held while rendering, so a crowd arriving after an update renders it once.
    rendering: tokio::sync::Mutex<()>,
}

/// Every answer of the page at one version.
pub struct Rendered {
    version: i64,
    url: String,
    rendered_at: Timestamp,
    expires_at: Timestamp,
    /// The entity tag of every answer rendered together (gzipped ones add `-gz`).
    etag: String,
    bodies: Vec<Encoded>,
}

/// An answer as rendered, and gzipped once when that makes it smaller.
struct Encoded {
    plain: Bytes,
    gzip: Option<Bytes>,
}

/// Answers smaller than this go out as they are.
const GZIP_FROM: usize = 1024;

impl Encoded {
    fn new(plain: Bytes) -> Encoded {
        let gzip = (plain.len() >= GZIP_FROM).then(|| {
            let mut encoder = flate2::write::GzEncoder::new(
                Vec::with_capacity(plain.len() / 4),
                flate2::Compression::default(),
            );
            // Writing to a Vec cannot fail.
            let _ = std::io::Write::write_all(&mut encoder, &plain);
            Bytes::from(encoder.finish().unwrap_or_default())
        });
        Encoded {
            gzip: gzip.filter(|g| !g.is_empty() && g.len() < plain.len()),
            plain,
        }
    }
}

/// One answer ready to send.
pub struct Answer {
    pub body: Bytes,
    pub gzipped: bool,
    pub etag: String,
}

impl Rendered {
    /// The answer of `kind`, gzipped when the client takes gzip and it is worth it.
    pub fn answer(&self, kind: Kind, takes_gzip: bool) -> Answer {
        let encoded = &self.bodies[kind as usize];
        match (&encoded.gzip, takes_gzip) {
            (Some(gzip), true) => Answer {
                body: gzip.clone(),
                gzipped: true,
                etag: format!("{}-gz\"", self.etag.trim_end_matches('"')),
            },
            _ => Answer {
                body: encoded.plain.clone(),
                gzipped: false,
                etag: self.etag.clone(),
            },
        }
    }

    fn serves(&self, version: i64, url: &str, now: Timestamp) -> bool {
        self.version == version
            && self.url == url
            && now >= self.rendered_at
            && now < self.expires_at
    }
}

impl PageCache {
    /// The page as it is now, for requests that reach this server at `url`.
    pub async fn get(&self, state: &AppState, url: String) -> ApiResult<Arc<Rendered>> {
        let version = state.store.status_page_version().await?;
        if let Some(kept) = self.kept(version, &url, state.now()) {
            return Ok(kept);
        }
        let _rendering = self.rendering.lock().await;
        if let Some(kept) = self.kept(version, &url, state.now()) {
            return Ok(kept);
        }
        let page = Page::read(state, url).await?;
        let bodies = Kind::ALL
            .iter()
            .map(|kind| render(&page, *kind).map(Encoded::new))
            .collect::<ApiResult<Vec<Encoded>>>()?;
        let rendered = Arc::new(Rendered {
            // Read before the rest of the page: everything it counts is in what follows.
            version: page.version,
            etag: format!("\"{}-{}\"", page.version, page.now.as_millisecond()),
            url: page.url.clone(),
            rendered_at: page.now,
            expires_at: page.expires_at(),
            bodies,
        });
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(rendered.clone());
        Ok(rendered)
    }

    fn kept(&self, version: i64, url: &str, now: Timestamp) -> Option<Arc<Rendered>> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|r| r.serves(version, url, now))
            .cloned()
    }
}
