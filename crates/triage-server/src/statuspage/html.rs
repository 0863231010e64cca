//! The status page as people read it: one HTML page with no script and no sign-in, in
//! the page's name, logo and accent colour. Overall status first, then what is wrong
//! now, planned maintenance, every component with its 90-day uptime bar, and the last
//! two weeks of incidents; one page per incident with all its updates.

use askama::Template;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use triage_core::status_page::uptime::{Day, overall_uptime};
use triage_core::status_page::{ComponentStatus, Impact};
use triage_store::{PublicIncident, StatusPageSettings};

use super::page::{HISTORY_DAYS, OPEN_MAINTENANCE, Page};
use crate::error::ApiResult;

/// The page's stylesheet, inlined: one request shows the page.
const STYLE: &str = include_str!("../../assets/status.css");
/// How many past days list their incidents.
const PAST_DAYS: usize = 14;

/// What every public page shows around its content.
pub(super) struct Frame<'a> {
    pub name: &'a str,
    pub logo_url: &'a str,
    pub accent: &'a str,
    pub url: &'a str,
    pub style: &'static str,
}

impl<'a> Frame<'a> {
    pub(super) fn new(settings: &'a StatusPageSettings, url: &'a str) -> Frame<'a> {
        Frame {
            name: &settings.name,
            logo_url: &settings.logo_url,
            accent: &settings.accent,
            url,
            style: STYLE,
        }
    }
}

#[derive(Template)]
#[template(path = "status_page.html")]
struct StatusPage<'a> {
    frame: Frame<'a>,
    indicator: &'static str,
    description: &'static str,
    incidents: Vec<IncidentView>,
    maintenances: Vec<IncidentView>,
    groups: Vec<GroupView>,
    past: Vec<PastDay>,
    history_days: u32,
    updated: When,
}

#[derive(Template)]
#[template(path = "status_incident.html")]
struct IncidentPage<'a> {
    frame: Frame<'a>,
    incident: IncidentView,
}

/// A moment, machine-readable and as people read it (in UTC: the page has no script to
/// convert it).
struct When {
    iso: String,
    text: String,
}

impl When {
    fn new(at: Timestamp) -> When {
        let zoned = at.to_zoned(TimeZone::UTC);
        When {
            iso: at.to_string(),
            text: zoned.strftime("%b %-d, %Y %H:%M UTC").to_string(),
        }
    }
}

struct IncidentView {
    id: i64,
    name: String,
    status: &'static str,
    /// `none`, `minor`, `major`, `critical` or `maintenance`: the colour.
    impact: &'static str,
    components: String,
    /// A maintenance's window.
    window: Option<(When, When)>,
    updates: Vec<UpdateView>,
}

struct UpdateView {
    status: &'static str,
    body: String,
    at: When,
}

struct GroupView {
    name: Option<String>,
    components: Vec<ComponentView>,
}

struct ComponentView {
    name: String,
    description: String,
    status: &'static str,
    /// The status as a class name: the colour.
    class: &'static str,
    /// "99.98"
    uptime: String,
    /// What the bar says, in words, for those who do not see it.
    summary: String,
    /// The bar: SVG markup made here from dates and numbers only.
    bar: String,
}

struct PastDay {
    label: String,
    incidents: Vec<IncidentView>,
}

pub fn page(page: &Page) -> ApiResult<String> {
    let overall = page.overall();
    let mut groups: Vec<GroupView> = Vec::new();
    for c in &page.components {
        let days = page.history.get(&c.id).map_or(&[][..], Vec::as_slice);
        let view = component(&c.name, &c.description, c.status, days);
        match groups.iter_mut().find(|g| g.name == c.group) {
            Some(group) => group.components.push(view),
            None => groups.push(GroupView {
                name: c.group.clone(),
                components: vec![view],
            }),
        }
    }
    let today = page.now.to_zoned(TimeZone::UTC).date();
    let past = (0..PAST_DAYS)
        .filter_map(|back| today.checked_sub(jiff::Span::new().days(back as i64)).ok())
        .map(|date| PastDay {
            label: date.strftime("%b %-d, %Y").to_string(),
            incidents: page
                .incidents
                .iter()
                .filter(|i| i.created_at.to_zoned(TimeZone::UTC).date() == date)
                .map(|i| {
                    // The latest word only; the incident's own page has them all.
                    let mut view = incident_view(i);
                    view.updates.truncate(1);
                    view
                })
                .collect(),
        })
        .collect();
    let view = StatusPage {
        frame: Frame::new(&page.settings, &page.url),
        indicator: overall.indicator,
        description: overall.description,
        incidents: page.unresolved().map(incident_view).collect(),
        maintenances: page
            .maintenances_in(&OPEN_MAINTENANCE)
            .map(incident_view)
            .collect(),
        groups,
        past,
        history_days: HISTORY_DAYS,
        updated: When::new(page.updated_at()),
    };
    Ok(view.render()?)
}

pub fn incident(
    settings: &StatusPageSettings,
    url: &str,
    incident: &PublicIncident,
) -> ApiResult<String> {
    let view = IncidentPage {
        frame: Frame::new(settings, url),
        incident: incident_view(incident),
    };
    Ok(view.render()?)
}

#[derive(Template)]
#[template(path = "status_missing.html")]
struct MissingPage<'a> {
    frame: Frame<'a>,
    id: &'a str,
}

/// What a visitor following a wrong link sees: the page's frame, a sentence, the way
/// back.
pub fn missing(settings: &StatusPageSettings, url: &str, id: &str) -> ApiResult<String> {
    let view = MissingPage {
        frame: Frame::new(settings, url),
        id,
    };
    Ok(view.render()?)
}

fn incident_view(i: &PublicIncident) -> IncidentView {
    IncidentView {
        id: i.id,
        name: i.name.clone(),
        status: i.status.label(),
        impact: if i.maintenance {
            "maintenance"
        } else {
            impact_class(i.impact)
        },
        components: i
            .components
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        window: i
            .scheduled_for
            .zip(i.scheduled_until)
            .map(|(from, until)| (When::new(from), When::new(until))),
        updates: i
            .updates
            .iter()
            .map(|u| UpdateView {
                status: u.status.label(),
                body: u.body.clone(),
                at: When::new(u.created_at),
            })
            .collect(),
    }
}

fn impact_class(impact: Impact) -> &'static str {
    match impact {
        Impact::None => "none",
        Impact::Maintenance => "maintenance",
        Impact::Minor => "minor",
        Impact::Major => "major",
        Impact::Critical => "critical",
    }
}

fn status_class(status: ComponentStatus) -> &'static str {
    match status {
        ComponentStatus::Operational => "operational",
        ComponentStatus::UnderMaintenance => "maintenance",
        ComponentStatus::DegradedPerformance => "degraded",
        ComponentStatus::PartialOutage => "partial",
        ComponentStatus::MajorOutage => "major",
    }
}

/// Uptime as the page prints it, rounded down so that any downtime shows below 100.
fn percent(uptime: f64) -> String {
    format!("{:.2}", (uptime * 10_000.0).floor() / 100.0)
}

fn component(
    name: &str,
    description: &str,
    status: ComponentStatus,
    days: &[Day],
) -> ComponentView {
    let uptime = percent(overall_uptime(days));
    let troubled: Vec<&Day> = days
        .iter()
        .filter(|d| d.observed && d.worst != ComponentStatus::Operational)
        .collect();
    // The count and the worst only: each day's detail is in the bar's tooltips, and a
    // list of dates per component would double the page.
    let summary = match troubled.iter().map(|d| d.worst).max() {
        None => format!("{uptime} % uptime over the last {HISTORY_DAYS} days; no incidents"),
        Some(worst) => format!(
            "{uptime} % uptime over the last {HISTORY_DAYS} days; incidents on {} {}, the \
             worst a {}",
            troubled.len(),
            if troubled.len() == 1 { "day" } else { "days" },
            worst.label().to_lowercase()
        ),
    };
    ComponentView {
        name: name.to_string(),
        description: description.to_string(),
        status: status.label(),
        class: status_class(status),
        uptime,
        summary,
        bar: bar(days),
    }
}

/// A day's colour on the bar.
fn day_class(day: &Day) -> &'static str {
    if !day.observed {
        "nodata"
    } else {
        status_class(day.worst)
    }
}

/// The 90-day bar, one slot per day: the days before the component existed and the quiet
/// days since are one rectangle each, filled with a day-per-slot pattern, and each
/// troubled day is drawn over them with a tooltip — a calm component costs a few bytes,
/// and each incident adds one small rectangle.
fn bar(days: &[Day]) -> String {
    const SLOT: usize = 5;
    let mut svg = format!(
        "<svg class=\"bar\" viewBox=\"0 0 {} 30\" preserveAspectRatio=\"none\" aria-hidden=\"true\" focusable=\"false\">",
        days.len() * SLOT
    );
    let unobserved = days.iter().take_while(|d| !d.observed).count();
    let mut background = |from: usize, to: usize, class: &str, what: &str| {
        if from < to {
            svg.push_str(&format!(
                "<rect class=\"{class}\" x=\"{}\" width=\"{}\"><title>{} to {}: {what}</title></rect>",
                from * SLOT,
                (to - from) * SLOT,
                days[from].date,
                days[to - 1].date,
            ));
        }
    };
    background(0, unobserved, "nodata", "no data");
    background(
        unobserved,
        days.len(),
        "operational",
        "no incidents unless marked",
    );
    for (index, day) in days.iter().enumerate() {
        let class = day_class(day);
        if class == "operational" || class == "nodata" {
            continue;
        }
        svg.push_str(&format!(
            "<rect class=\"{class}\" x=\"{}\" width=\"{}\"><title>{}: {}, {} % up</title></rect>",
            index * SLOT,
            SLOT - 1,
            day.date,
            day.worst.label().to_lowercase(),
            percent(day.uptime())
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use triage_core::status_page::uptime::{Stretch, daily};

    #[test]
    fn quiet_days_are_one_rectangle_and_a_bad_day_is_drawn_over_them() {
        let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
        let since: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
        let outage = Stretch {
            from: "2026-11-20T10:00:00Z".parse().unwrap(),
            until: "2026-11-20T12:00:00Z".parse().unwrap(),
            status: ComponentStatus::MajorOutage,
        };
        let days = daily(&[outage], since, 30, now);
        let svg = bar(&days);
        assert_eq!(svg.matches("<rect").count(), 3, "{svg}");
        assert!(svg.contains("2026-10-25 to 2026-10-31: no data"), "{svg}");
        assert!(
            svg.contains("2026-11-01 to 2026-11-23: no incidents unless marked"),
            "{svg}"
        );
        assert!(
            svg.contains("2026-11-20: major outage, 91.66 % up"),
            "{svg}"
        );
        let view = component("API", "", ComponentStatus::Operational, &days);
        assert_eq!(view.uptime, "99.62");
        assert!(
            view.summary
                .ends_with("incidents on 1 day, the worst a major outage"),
            "{}",
            view.summary
        );
    }
}
