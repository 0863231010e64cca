//! The incident history as RSS 2.0 and Atom feeds, for feed readers and chat
//! integrations that follow a status page: one entry per incident or maintenance of the
//! last 90 days, its text every update in order, newest first, as plain text.

use askama::Template;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use triage_store::PublicIncident;

use super::page::Page;
use crate::error::ApiResult;

struct Entry {
    title: String,
    link: String,
    text: String,
    published_rfc822: String,
    published: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "status_rss.xml")]
struct Rss<'a> {
    name: &'a str,
    url: &'a str,
    built: String,
    entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "status_atom.xml")]
struct Atom<'a> {
    name: &'a str,
    url: &'a str,
    updated: String,
    entries: Vec<Entry>,
}

fn rfc822(at: Timestamp) -> String {
    at.to_zoned(TimeZone::UTC)
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

fn rfc3339(at: Timestamp) -> String {
    at.to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn entries(page: &Page) -> Vec<Entry> {
    let mut all: Vec<&PublicIncident> = page
        .incidents
        .iter()
        .chain(page.maintenances.iter())
        .collect();
    all.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id)));
    all.into_iter()
        .map(|i| Entry {
            title: i.name.clone(),
            link: page.incident_url(i.id),
            text: i
                .updates
                .iter()
                .map(|u| {
                    format!(
                        "{} - {} ({})",
                        u.status.as_str(),
                        u.body,
                        u.created_at
                            .to_zoned(TimeZone::UTC)
                            .strftime("%b %-d, %H:%M UTC")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n\n"),
            published_rfc822: rfc822(i.created_at),
            published: rfc3339(i.created_at),
            updated: rfc3339(i.updated_at),
        })
        .collect()
}

pub fn rss(page: &Page) -> ApiResult<String> {
    let feed = Rss {
        name: &page.settings.name,
        url: &page.url,
        built: rfc822(page.updated_at()),
        entries: entries(page),
    };
    Ok(feed.render()?)
}

pub fn atom(page: &Page) -> ApiResult<String> {
    let feed = Atom {
        name: &page.settings.name,
        url: &page.url,
        updated: rfc3339(page.updated_at()),
        entries: entries(page),
    };
    Ok(feed.render()?)
}
