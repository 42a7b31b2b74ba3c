//! Incidents and their impact windows, with region and customer scopes: the incidents here,
//! reading windows in `windows`, writing them in `window_writes`.

mod window_writes;
mod windows;

use std::collections::HashMap;

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{impact_windows, incidents};
use crate::domain::incident::IncidentStatus;

pub use window_writes::{
    close_open_windows, delete_windows, insert_windows, insert_windows_of, update_window,
};
pub use windows::{
    StoredWindow, WindowFilter, component_groups, component_has_windows, overlapping, related_keys,
    windows_by_ids, windows_of,
};

/// Rows per multi-row INSERT, well under both backends' bound-parameter limits.
const CHUNK: usize = 2000;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = incidents)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub status: IncidentStatus,
    pub external_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Insertable)]
#[diesel(table_name = incidents)]
pub struct IncidentFields<'a> {
    pub title: &'a str,
    pub status: IncidentStatus,
    pub external_id: Option<&'a str>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(AsChangeset)]
#[diesel(table_name = incidents, treat_none_as_null = true)]
pub struct IncidentChanges<'a> {
    pub title: &'a str,
    pub status: IncidentStatus,
    pub external_id: Option<&'a str>,
    pub updated_at: i64,
}

pub fn insert_incident(conn: &mut DbConnection, fields: &IncidentFields<'_>) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, incidents, fields)
}

pub fn update_incident(
    conn: &mut DbConnection,
    id: i64,
    fields: &IncidentChanges<'_>,
) -> QueryResult<()> {
    diesel::update(incidents::table.find(id))
        .set(fields)
        .execute(conn)
        .map(drop)
}

pub fn find_incident(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Incident>> {
    incidents::table
        .find(id)
        .select(Incident::as_select())
        .first(conn)
        .optional()
}

/// Incidents by external id (status-page matching).
pub fn incidents_by_external_id(
    conn: &mut DbConnection,
    external_ids: &[String],
) -> QueryResult<HashMap<String, Incident>> {
    let mut found = HashMap::new();
    for chunk in external_ids.chunks(CHUNK) {
        let rows: Vec<Incident> = incidents::table
            .filter(incidents::external_id.eq_any(chunk))
            .select(Incident::as_select())
            .load(conn)?;
        for row in rows {
            if let Some(external_id) = row.external_id.clone() {
                found.insert(external_id, row);
            }
        }
    }
    Ok(found)
}

pub fn delete_incident(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    let ids: Vec<i64> = impact_windows::table
        .filter(impact_windows::incident_id.eq(id))
        .select(impact_windows::id)
        .load(conn)?;
    delete_windows(conn, &ids)?;
    diesel::delete(incidents::table.find(id))
        .execute(conn)
        .map(drop)
}

pub struct IncidentFilter {
    pub status: Option<IncidentStatus>,
    /// Only incidents with a window matching this.
    pub windows: Option<WindowFilter>,
}

pub fn list_incidents(
    conn: &mut DbConnection,
    filter: &IncidentFilter,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Incident>> {
    let mut query = incidents::table
        .filter(incidents::id.gt(after))
        .order(incidents::id.asc())
        .limit(limit)
        .select(Incident::as_select())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(incidents::status.eq(status));
    }
    let Some(windows) = &filter.windows else {
        return query.load(conn);
    };
    // Matching ids first (bounded range scans), then the page, a chunk of ids at a time.
    let mut ids: Vec<i64> = windows::incidents_matching(conn, windows)?;
    ids.retain(|id| *id > after);
    let mut page = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let mut rows = incidents::table
            .filter(incidents::id.eq_any(chunk))
            .order(incidents::id.asc())
            .select(Incident::as_select())
            .into_boxed();
        if let Some(status) = filter.status {
            rows = rows.filter(incidents::status.eq(status));
        }
        page.extend(rows.load(conn)?);
        if page.len() as i64 >= limit {
            break;
        }
    }
    page.truncate(limit as usize);
    Ok(page)
}
