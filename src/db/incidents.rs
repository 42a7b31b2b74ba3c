//! Incidents and their impact windows, with region and customer scopes.

use std::collections::HashMap;

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    components, customers, impact_windows, incidents, window_customers, window_regions,
};
use crate::domain::incident::{ImpactWindow, IncidentStatus};
use crate::engine::{Groups, Severity};

pub use crate::domain::incident::MAX_WINDOW_SECONDS;

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

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = impact_windows)]
struct WindowRow {
    id: i64,
    incident_id: i64,
    component_key: String,
    severity: String,
    start_at: i64,
    end_at: Option<i64>,
}

/// A stored window: where it is kept, the window, and its customers' internal ids (those of
/// `window.customers`, which names them by external id).
#[derive(Debug, Clone)]
pub struct StoredWindow {
    pub id: i64,
    pub incident_id: i64,
    pub window: ImpactWindow,
    pub customer_ids: Vec<i64>,
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

/// Writes windows in a few multi-row statements; yields their ids in order.
pub fn insert_windows(
    conn: &mut DbConnection,
    incident_id: i64,
    windows: &[ImpactWindow],
) -> QueryResult<Vec<i64>> {
    insert_windows_of(
        conn,
        &windows.iter().map(|w| (incident_id, w)).collect::<Vec<_>>(),
    )
}

/// Like `insert_windows`, for windows of several incidents at once.
pub fn insert_windows_of(
    conn: &mut DbConnection,
    windows: &[(i64, &ImpactWindow)],
) -> QueryResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(windows.len());
    for chunk in windows.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(incident_id, w)| {
                (
                    impact_windows::incident_id.eq(*incident_id),
                    impact_windows::component_key.eq(&w.component),
                    impact_windows::severity.eq(w.severity.as_str()),
                    impact_windows::start_at.eq(w.start),
                    impact_windows::end_at.eq(w.end),
                )
            })
            .collect();
        // RETURNING lists the rows in VALUES order on both backends.
        let chunk_ids: Vec<i64> = match conn {
            DbConnection::Postgres(c) => diesel::insert_into(impact_windows::table)
                .values(&rows)
                .returning(impact_windows::id)
                .get_results(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(impact_windows::table)
                .values(&rows)
                .returning(impact_windows::id)
                .get_results(c)?,
        };
        ids.extend(chunk_ids);
    }
    let written: Vec<(i64, &ImpactWindow)> = ids
        .iter()
        .zip(windows)
        .map(|(id, (_, w))| (*id, *w))
        .collect();
    insert_scopes(conn, &written)?;
    Ok(ids)
}

/// Writes the regions and customers of windows, given by window id.
fn insert_scopes(conn: &mut DbConnection, windows: &[(i64, &ImpactWindow)]) -> QueryResult<()> {
    let regions: Vec<(i64, &str)> = windows
        .iter()
        .flat_map(|(id, w)| w.regions.iter().map(move |r| (*id, r.as_str())))
        .collect();
    let customer_ids = customer_ids(conn, windows)?;
    let scoped = windows
        .iter()
        .flat_map(|(id, w)| w.customers.iter().map(move |c| (*id, c)))
        .map(|(id, c)| customer_ids.get(c).map(|c| (id, *c)))
        .collect::<Option<Vec<(i64, i64)>>>()
        .ok_or(diesel::result::Error::NotFound)?;
    for chunk in regions.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, r)| {
                (
                    window_regions::window_id.eq(*id),
                    window_regions::region.eq(*r),
                )
            })
            .collect();
        match conn {
            DbConnection::Postgres(c) => diesel::insert_into(window_regions::table)
                .values(&rows)
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(window_regions::table)
                .values(&rows)
                .execute(c)?,
        };
    }
    for chunk in scoped.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, c)| {
                (
                    window_customers::window_id.eq(*id),
                    window_customers::customer_id.eq(*c),
                )
            })
            .collect();
        match conn {
            DbConnection::Postgres(c) => diesel::insert_into(window_customers::table)
                .values(&rows)
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(window_customers::table)
                .values(&rows)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Deletes windows and their scopes.
pub fn delete_windows(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<()> {
    for chunk in ids.chunks(CHUNK) {
        diesel::delete(window_regions::table.filter(window_regions::window_id.eq_any(chunk)))
            .execute(conn)?;
        diesel::delete(window_customers::table.filter(window_customers::window_id.eq_any(chunk)))
            .execute(conn)?;
        diesel::delete(impact_windows::table.filter(impact_windows::id.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(())
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

/// The internal ids of the customers the windows name by external id.
fn customer_ids(
    conn: &mut DbConnection,
    windows: &[(i64, &ImpactWindow)],
) -> QueryResult<HashMap<String, i64>> {
    let mut named: Vec<&str> = windows
        .iter()
        .flat_map(|(_, w)| w.customers.iter().map(String::as_str))
        .collect();
    named.sort_unstable();
    named.dedup();
    let mut ids = HashMap::with_capacity(named.len());
    for chunk in named.chunks(CHUNK) {
        let found: Vec<(String, i64)> = customers::table
            .filter(customers::external_id.eq_any(chunk))
            .select((customers::external_id, customers::id))
            .load(conn)?;
        ids.extend(found);
    }
    Ok(ids)
}

/// Changes a window in place; its scopes are replaced.
pub fn update_window(conn: &mut DbConnection, id: i64, w: &ImpactWindow) -> QueryResult<()> {
    diesel::update(impact_windows::table.find(id))
        .set((
            impact_windows::component_key.eq(&w.component),
            impact_windows::severity.eq(w.severity.as_str()),
            impact_windows::start_at.eq(w.start),
            impact_windows::end_at.eq(w.end),
        ))
        .execute(conn)?;
    diesel::delete(window_regions::table.filter(window_regions::window_id.eq(id))).execute(conn)?;
    diesel::delete(window_customers::table.filter(window_customers::window_id.eq(id)))
        .execute(conn)?;
    insert_scopes(conn, &[(id, w)])
}

/// Closes every open window of an incident at `end`.
pub fn close_open_windows(
    conn: &mut DbConnection,
    incident_id: i64,
    end: i64,
) -> QueryResult<usize> {
    diesel::update(
        impact_windows::table
            .filter(impact_windows::incident_id.eq(incident_id))
            .filter(impact_windows::end_at.is_null()),
    )
    .set(impact_windows::end_at.eq(end))
    .execute(conn)
}

/// The windows of some incidents, ordered by incident, start, id.
pub fn windows_of(conn: &mut DbConnection, incident_ids: &[i64]) -> QueryResult<Vec<StoredWindow>> {
    let mut rows = Vec::new();
    for chunk in incident_ids.chunks(CHUNK) {
        rows.extend(
            impact_windows::table
                .filter(impact_windows::incident_id.eq_any(chunk))
                .order((
                    impact_windows::incident_id,
                    impact_windows::start_at,
                    impact_windows::id,
                ))
                .select(WindowRow::as_select())
                .load(conn)?,
        );
    }
    with_scopes(conn, rows)
}

/// What to look for among windows.
#[derive(Default, Clone)]
pub struct WindowFilter {
    /// Any of these components (a group is expanded by the caller).
    pub components: Option<Vec<String>>,
    pub severity: Option<Severity>,
    /// Overlapping `[from, to)`.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Open windows only.
    pub ongoing: bool,
}

/// Windows overlapping `[from, to)`, optionally for some components. Uses the bounded window
/// length: a closed window overlapping `from` started after `from - MAX_WINDOW_SECONDS`.
pub fn overlapping(
    conn: &mut DbConnection,
    filter: &WindowFilter,
) -> QueryResult<Vec<StoredWindow>> {
    let rows = window_rows(conn, filter)?;
    with_scopes(conn, rows)
}

fn window_rows(conn: &mut DbConnection, filter: &WindowFilter) -> QueryResult<Vec<WindowRow>> {
    let mut closed = impact_windows::table
        .select(WindowRow::as_select())
        .into_boxed();
    let mut open = impact_windows::table
        .filter(impact_windows::end_at.is_null())
        .select(WindowRow::as_select())
        .into_boxed();
    if let Some(components) = &filter.components {
        closed = closed.filter(impact_windows::component_key.eq_any(components.clone()));
        open = open.filter(impact_windows::component_key.eq_any(components.clone()));
    }
    if let Some(severity) = filter.severity {
        closed = closed.filter(impact_windows::severity.eq(severity.as_str()));
        open = open.filter(impact_windows::severity.eq(severity.as_str()));
    }
    if let Some(to) = filter.to {
        closed = closed.filter(impact_windows::start_at.lt(to));
        open = open.filter(impact_windows::start_at.lt(to));
    }
    let mut rows = open.load(conn)?;
    if !filter.ongoing {
        closed = closed.filter(impact_windows::end_at.is_not_null());
        if let Some(from) = filter.from {
            closed = closed
                .filter(impact_windows::start_at.ge(from - MAX_WINDOW_SECONDS))
                .filter(impact_windows::end_at.gt(from));
        }
        rows.extend(closed.load(conn)?);
    }
    rows.sort_by_key(|w| (w.start_at, w.id));
    Ok(rows)
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
    let mut ids: Vec<i64> = window_rows(conn, windows)?
        .into_iter()
        .map(|w| w.incident_id)
        .filter(|id| *id > after)
        .collect();
    ids.sort_unstable();
    ids.dedup();
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

fn with_scopes(conn: &mut DbConnection, rows: Vec<WindowRow>) -> QueryResult<Vec<StoredWindow>> {
    let ids: Vec<i64> = rows.iter().map(|w| w.id).collect();
    let mut regions: HashMap<i64, Vec<String>> = HashMap::new();
    let mut scoped: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<(i64, String)> = window_regions::table
            .filter(window_regions::window_id.eq_any(chunk))
            .order((window_regions::window_id, window_regions::region))
            .load(conn)?;
        for (id, region) in found {
            regions.entry(id).or_default().push(region);
        }
        let found: Vec<(i64, i64, String)> = window_customers::table
            .inner_join(customers::table)
            .filter(window_customers::window_id.eq_any(chunk))
            .order((window_customers::window_id, customers::external_id))
            .select((
                window_customers::window_id,
                customers::id,
                customers::external_id,
            ))
            .load(conn)?;
        for (id, customer, external) in found {
            scoped.entry(id).or_default().push((customer, external));
        }
    }
    Ok(rows
        .into_iter()
        .map(|w| {
            let (customer_ids, customers) =
                scoped.remove(&w.id).unwrap_or_default().into_iter().unzip();
            StoredWindow {
                id: w.id,
                incident_id: w.incident_id,
                window: ImpactWindow {
                    component: w.component_key,
                    // Stored severities were validated on the way in.
                    severity: w.severity.parse().unwrap_or(Severity::MajorOutage),
                    start: w.start_at,
                    end: w.end_at,
                    regions: regions.remove(&w.id).unwrap_or_default(),
                    customers,
                },
                customer_ids,
            }
        })
        .collect())
}

/// Component keys with their group, for expanding groups.
pub fn component_groups(conn: &mut DbConnection) -> QueryResult<Vec<(String, Option<String>)>> {
    components::table
        .select((components::key, components::group_key))
        .load(conn)
}

/// True when any impact window names the component.
pub fn component_has_windows(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        impact_windows::table.filter(impact_windows::component_key.eq(key)),
    ))
    .get_result(conn)
}

impl From<StoredWindow> for crate::engine::Window {
    fn from(w: StoredWindow) -> crate::engine::Window {
        crate::engine::Window {
            id: w.id,
            component: w.window.component,
            severity: w.window.severity,
            start: w.window.start,
            end: w.window.end,
            regions: w.window.regions,
            customers: w.customer_ids,
        }
    }
}

/// The component keys whose windows count for `key` (`engine::Groups::related`), from the
/// components with their groups. `None` when there is no such component.
pub fn related_keys(components: &[(String, Option<String>)], key: &str) -> Option<Vec<String>> {
    components.iter().find(|(k, _)| k == key)?;
    let groups: Groups = components
        .iter()
        .filter_map(|(k, group)| Some((k, group.as_ref()?)))
        .collect();
    Some(groups.related(key).into_iter().map(str::to_owned).collect())
}
