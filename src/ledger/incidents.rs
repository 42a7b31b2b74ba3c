//! Incidents as the API shows them and the audit log records them: with their impact windows.

use serde::Serialize;

use super::LedgerError;
use crate::db::DbConnection;
use crate::db::incidents::{self as store, Incident, StoredWindow};
use crate::domain::format_instant;
use crate::domain::incident::IncidentStatus;
use crate::engine::Severity;

#[derive(Serialize)]
pub struct WindowView {
    id: i64,
    component: String,
    severity: Severity,
    start: String,
    end: Option<String>,
    regions: Vec<String>,
    customers: Vec<String>,
    /// The source and notification that opened it; null when a person or an import did.
    source: Option<serde_json::Value>,
}

impl From<&StoredWindow> for WindowView {
    fn from(stored: &StoredWindow) -> WindowView {
        let w = &stored.window;
        WindowView {
            id: stored.id,
            component: w.component.clone(),
            severity: w.severity,
            start: format_instant(w.start),
            end: w.end.map(format_instant),
            regions: w.regions.clone(),
            customers: w.customers.clone(),
            source: stored.source.as_ref().map(|(name, notification)| {
                serde_json::json!({ "name": name, "notification_id": notification })
            }),
        }
    }
}

#[derive(Serialize)]
pub struct IncidentView {
    pub id: i64,
    pub title: String,
    pub status: IncidentStatus,
    pub external_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub windows: Vec<WindowView>,
}

pub fn view(incident: Incident, windows: &[StoredWindow]) -> IncidentView {
    IncidentView {
        windows: windows
            .iter()
            .filter(|w| w.incident_id == incident.id)
            .map(Into::into)
            .collect(),
        id: incident.id,
        title: incident.title,
        status: incident.status,
        external_id: incident.external_id,
        created_at: format_instant(incident.created_at),
        updated_at: format_instant(incident.updated_at),
    }
}

pub fn load(conn: &mut DbConnection, id: i64) -> Result<IncidentView, LedgerError> {
    let incident = store::find_incident(conn, id)?
        .ok_or_else(|| LedgerError::NotFound(format!("no incident {id}")))?;
    let windows = store::windows_of(conn, &[id])?;
    Ok(view(incident, &windows))
}
