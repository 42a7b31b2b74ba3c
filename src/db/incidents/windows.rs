//! Reading impact windows with their scopes: an incident's, or those overlapping a span.

use std::collections::HashMap;

use diesel::prelude::*;

use super::CHUNK;
use crate::db::DbConnection;
use crate::db::schema::{components, customers, impact_windows, window_customers, window_regions};
use crate::domain::incident::{ImpactWindow, MAX_WINDOW_SECONDS};
use crate::engine::{Groups, Severity};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = impact_windows)]
struct WindowRow {
    id: i64,
    incident_id: i64,
    component_key: String,
    severity: String,
    start_at: i64,
    end_at: Option<i64>,
    source: Option<String>,
    notification_id: Option<i64>,
}

/// A stored window: where it is kept, the window, and its customers' internal ids (those of
/// `window.customers`, which names them by external id).
#[derive(Debug, Clone)]
pub struct StoredWindow {
    pub id: i64,
    pub incident_id: i64,
    pub window: ImpactWindow,
    pub customer_ids: Vec<i64>,
    /// Where it came from, when a notification opened it (docs/ingest.md): the source and the
    /// notification.
    pub source: Option<(String, Option<i64>)>,
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

/// The windows with these ids (those that exist), by id.
pub fn windows_by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<StoredWindow>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        rows.extend(
            impact_windows::table
                .filter(impact_windows::id.eq_any(chunk))
                .order(impact_windows::id)
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

/// The incidents with a window matching `filter`, sorted, each once.
pub(super) fn incidents_matching(
    conn: &mut DbConnection,
    filter: &WindowFilter,
) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = window_rows(conn, filter)?
        .into_iter()
        .map(|w| w.incident_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
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
    rows.into_iter()
        .map(|w| {
            let (customer_ids, customers) =
                scoped.remove(&w.id).unwrap_or_default().into_iter().unzip();
            // Severities were validated on the way in; a stored word outside the set is an
            // error, never a silent default.
            let severity: Severity = w
                .severity
                .parse()
                .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
            Ok(StoredWindow {
                id: w.id,
                incident_id: w.incident_id,
                source: w.source.map(|name| (name, w.notification_id)),
                window: ImpactWindow {
                    component: w.component_key,
                    severity,
                    start: w.start_at,
                    end: w.end_at,
                    regions: regions.remove(&w.id).unwrap_or_default(),
                    customers,
                },
                customer_ids,
            })
        })
        .collect()
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
