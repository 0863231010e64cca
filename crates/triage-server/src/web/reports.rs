//! The response metrics in the console: the report the API answers (`docs/metrics.md`
//! defines each figure) over a window the form sets, drawn as charts — incidents per
//! week, compliance per priority, incidents by severity and service — each with its
//! numbers beside it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiff::SignedDuration;
use serde::Deserialize;
use triage_core::duration::format_duration;
use triage_core::metrics::{Count, Ratio, Summary};
use triage_store::Report;

use super::error::{PageError, refused_status};
use super::session::{Nav, SignedIn};
use super::view::optional;
use crate::AppState;
use crate::api::reports::{ReportQuery, report_for};

/// A duration figure as shown: its name, mean, p50, p90 and how many it is over.
pub struct DurationLine {
    pub name: &'static str,
    pub what: &'static str,
    pub count: usize,
    pub mean: String,
    pub p50: String,
    pub p90: String,
}

/// One bar of a chart: its label, the number shown, its length in percent of the
/// longest.
pub struct Bar {
    pub label: String,
    pub value: String,
    pub length: u64,
}

/// One column of the weekly chart, in the SVG's units (100 high, 10 wide each).
pub struct Column {
    pub monday: String,
    pub incidents: u64,
    pub x: usize,
    pub y: u64,
    pub height: u64,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    nav: Nav,
    error: Option<String>,
    since: String,
    until: String,
    service: String,
    report: Option<Report>,
    durations: Vec<DurationLine>,
    weeks: Vec<Column>,
    /// The weekly chart's width, in its units.
    width: usize,
    /// The most incidents in one week: the chart's full height.
    busiest: u64,
    compliance: Vec<Bar>,
    severities: Vec<Bar>,
    services: Vec<Bar>,
    rates: Vec<(&'static str, String)>,
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    service: String,
}

fn seconds(value: Option<i64>) -> String {
    value.map_or_else(
        || "–".to_string(),
        |s| format_duration(SignedDuration::from_secs(s)),
    )
}

fn duration(name: &'static str, what: &'static str, s: &Summary) -> DurationLine {
    DurationLine {
        name,
        what,
        count: s.count,
        mean: seconds(s.mean_seconds),
        p50: seconds(s.p50_seconds),
        p90: seconds(s.p90_seconds),
    }
}

fn ratio(r: &Ratio) -> String {
    match r.percent {
        Some(p) => format!("{p:.1}% ({} of {})", r.part, r.whole),
        None => "none to count".to_string(),
    }
}

fn bars(counts: &[Count]) -> Vec<Bar> {
    let longest = counts.iter().map(|c| c.incidents).max().unwrap_or(0).max(1);
    counts
        .iter()
        .map(|c| Bar {
            label: c.name.clone(),
            value: c.incidents.to_string(),
            length: c.incidents * 100 / longest,
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(form): Query<ReportForm>,
) -> Result<Response, PageError> {
    let query = ReportQuery {
        since: optional(&form.since),
        until: optional(&form.until),
        service: optional(&form.service),
    };
    let (report, error, status) = match report_for(&state, query).await {
        Ok(report) => (Some(report), None, StatusCode::OK),
        Err(error) => match refused_status(&error) {
            Some(status) => (None, Some(error.to_string()), status),
            None => return Err(error.into()),
        },
    };
    let mut page = ReportsPage {
        nav: signed_in.nav(),
        error,
        since: optional(&form.since).unwrap_or_else(|| "30d".to_string()),
        until: form.until.trim().to_string(),
        service: form.service.trim().to_string(),
        report: None,
        durations: Vec::new(),
        weeks: Vec::new(),
        width: 0,
        busiest: 0,
        compliance: Vec::new(),
        severities: Vec::new(),
        services: Vec::new(),
        rates: Vec::new(),
    };
    if let Some(report) = report {
        let f = &report.figures;
        page.durations = vec![
            duration("MTTD", "signal → created", &f.mttd),
            duration("MTTA", "signal → acknowledged", &f.mtta),
            duration("MTTM", "signal → restored", &f.mttm),
            duration("MTTR", "signal → resolved", &f.mttr),
        ];
        page.busiest = f.by_week.iter().map(|w| w.incidents).max().unwrap_or(0);
        let busiest = page.busiest.max(1);
        page.weeks = f
            .by_week
            .iter()
            .enumerate()
            .map(|(n, week)| {
                let height = week.incidents * 100 / busiest;
                Column {
                    monday: week.name.clone(),
                    incidents: week.incidents,
                    x: n * 10 + 1,
                    y: 100 - height,
                    height,
                }
            })
            .collect();
        page.width = f.by_week.len() * 10;
        page.compliance = f
            .response_sla
            .iter()
            .map(|line| Bar {
                label: line.priority.clone(),
                value: format!(
                    "{} ({} met, {} breached, {} pending)",
                    line.compliance
                        .percent
                        .map_or_else(|| "–".to_string(), |p| format!("{p:.1}%")),
                    line.met,
                    line.breached,
                    line.pending
                ),
                length: line.compliance.percent.map_or(0, |p| p.round() as u64),
            })
            .collect();
        page.severities = bars(&f.by_severity);
        page.services = bars(&report.figures.by_service);
        page.rates = vec![
            ("Update cadence kept", ratio(&f.update_cadence)),
            ("Recurrences", ratio(&f.recurrence)),
            ("False alarms", ratio(&f.false_alarms)),
        ];
        page.report = Some(report);
    }
    Ok((status, Html(page.render()?)).into_response())
}
