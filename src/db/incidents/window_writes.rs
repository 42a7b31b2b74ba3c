//! Writing impact windows with their region and customer scopes, in multi-row statements.

use std::collections::HashMap;

use diesel::prelude::*;

use super::CHUNK;
use crate::db::DbConnection;
use crate::db::schema::{customers, impact_windows, window_customers, window_regions};
use crate::domain::incident::ImpactWindow;

/// A multi-row INSERT, compiled per backend like `insert_returning_id!`.
macro_rules! insert_rows {
    ($conn:expr, $table:path, $rows:expr) => {
        match $conn {
            DbConnection::Postgres(c) => diesel::insert_into($table).values($rows).execute(c),
            DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
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
        insert_rows!(conn, window_regions::table, &rows)?;
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
        insert_rows!(conn, window_customers::table, &rows)?;
    }
    Ok(())
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
