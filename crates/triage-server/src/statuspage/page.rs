//! Everything the public page is made of, read from the store in one go: the branding,
//! the components with their 90-day history, the incidents and maintenances. Every
//! rendering (JSON, HTML, feeds) is a function of one `Page`.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use triage_core::status_page::uptime::{Day, Stretch, daily};
use triage_core::status_page::{ComponentStatus, Impact, Overall, PublicStatus, overall};
use triage_store::{PublicFilter, PublicIncident, StatusComponent, StatusPageSettings};

use crate::AppState;
use crate::error::ApiResult;

/// How far back the history reaches, in days.
pub const HISTORY_DAYS: u32 = 90;

pub struct Page {
    /// Where the page is reached, without a trailing `/`.
    pub url: String,
    pub settings: StatusPageSettings,
    /// The store's status-page version this was read at.
    pub version: i64,
    pub components: Vec<StatusComponent>,
    /// Incidents open at some time in the history, newest first.
    pub incidents: Vec<PublicIncident>,
    /// Maintenances whose window ends within the history or later, newest first.
    pub maintenances: Vec<PublicIncident>,
    /// Per component id, its days, oldest first.
    pub history: HashMap<i64, Vec<Day>>,
    pub now: Timestamp,
}

impl Page {
    pub async fn read(state: &AppState, url: String) -> ApiResult<Page> {
        let now = state.now();
        let since = now - SignedDuration::from_hours(24 * i64::from(HISTORY_DAYS));
        let store = &state.store;
        let (settings, version) = store.status_page_settings().await?;
        let components = store.components(now).await?;
        let mut stretches = store.component_stretches(since, now).await?;
        let history = components
            .iter()
            .map(|c| {
                let held: Vec<Stretch> = stretches.remove(&c.id).unwrap_or_default();
                (c.id, daily(&held, c.created_at, HISTORY_DAYS, now))
            })
            .collect();
        Ok(Page {
            url,
            settings,
            version,
            components,
            incidents: store
                .public_incidents(PublicFilter::IncidentsSince(since), now)
                .await?,
            maintenances: store
                .public_incidents(PublicFilter::MaintenancesSince(since), now)
                .await?,
            history,
            now,
        })
    }

    /// When what was read stops being true by the clock alone: a maintenance window
    /// opens or closes, a new day begins (the history moves on), or half a minute passes
    /// (an open outage's uptime keeps falling).
    pub fn expires_at(&self) -> Timestamp {
        let midnight = self
            .now
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map_or(self.now, |z| z.timestamp());
        self.maintenances
            .iter()
            .flat_map(|m| [m.scheduled_for, m.scheduled_until])
            .flatten()
            .filter(|at| *at > self.now)
            .chain([midnight, self.now + SignedDuration::from_secs(30)])
            .min()
            .unwrap_or(self.now)
    }

    pub fn updated_at(&self) -> Timestamp {
        self.components
            .iter()
            .map(|c| c.updated_at)
            .chain(self.incidents.iter().map(|i| i.updated_at))
            .chain(self.maintenances.iter().map(|m| m.updated_at))
            .max()
            .unwrap_or(self.now)
    }

    pub fn overall(&self) -> Overall {
        let statuses: Vec<ComponentStatus> = self.components.iter().map(|c| c.status).collect();
        let impacts: Vec<Impact> = self.unresolved().map(|i| i.impact).collect();
        overall(&statuses, &impacts)
    }

    pub fn unresolved(&self) -> impl Iterator<Item = &PublicIncident> {
        self.incidents.iter().filter(|i| !i.status.is_final())
    }

    pub fn maintenances_in<'a>(
        &'a self,
        statuses: &'a [PublicStatus],
    ) -> impl Iterator<Item = &'a PublicIncident> {
        self.maintenances
            .iter()
            .filter(|m| statuses.contains(&m.status))
    }

    /// Where a public incident is shown on its own.
    pub fn incident_url(&self, id: i64) -> String {
        format!("{}/status/incidents/{id}", self.url)
    }
}

/// Maintenances still to come or under way, as the page lists them.
pub const OPEN_MAINTENANCE: [PublicStatus; 3] = [
    PublicStatus::Scheduled,
    PublicStatus::InProgress,
    PublicStatus::Verifying,
];
