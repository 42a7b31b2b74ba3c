//! Ingest rules, the notifications received (each once), and the windows they opened.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{impact_windows, ingest_notifications, ingest_rules};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = ingest_rules)]
pub struct RuleRow {
    pub id: i64,
    pub source: String,
    pub component_label: Option<String>,
    pub component: Option<String>,
    pub severity_label: String,
    /// JSON object: label value → severity.
    pub severities: String,
    pub region_label: Option<String>,
    pub customer_label: Option<String>,
    pub created_at: i64,
}

#[derive(Insertable)]
#[diesel(table_name = ingest_rules)]
pub struct NewRule<'a> {
    pub source: &'a str,
    pub component_label: Option<&'a str>,
    pub component: Option<&'a str>,
    pub severity_label: &'a str,
    pub severities: &'a str,
    pub region_label: Option<&'a str>,
    pub customer_label: Option<&'a str>,
    pub created_at: i64,
}

pub fn insert_rule(conn: &mut DbConnection, rule: &NewRule<'_>) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, ingest_rules, rule)
}

/// A source's rules, oldest first (the order they are tried in).
pub fn rules(conn: &mut DbConnection, source: &str) -> QueryResult<Vec<RuleRow>> {
    ingest_rules::table
        .filter(ingest_rules::source.eq(source))
        .order(ingest_rules::id)
        .select(RuleRow::as_select())
        .load(conn)
}

/// Every rule after `after`, by id.
pub fn list_rules(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<RuleRow>> {
    ingest_rules::table
        .filter(ingest_rules::id.gt(after))
        .order(ingest_rules::id)
        .limit(limit)
        .select(RuleRow::as_select())
        .load(conn)
}

pub fn find_rule(conn: &mut DbConnection, id: i64) -> QueryResult<Option<RuleRow>> {
    ingest_rules::table
        .find(id)
        .select(RuleRow::as_select())
        .first(conn)
        .optional()
}

pub fn delete_rule(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(ingest_rules::table.find(id)).execute(conn)
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = ingest_notifications)]
pub struct Notification {
    pub id: i64,
    pub source: String,
    pub key: String,
    pub received_at: i64,
    /// What was received, as JSON.
    pub body: String,
    pub identity: String,
    pub at: i64,
    /// `applied` or `unmatched`.
    pub state: String,
    /// Why it is unmatched.
    pub problem: Option<String>,
    pub incident_id: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = ingest_notifications)]
pub struct NewNotification<'a> {
    pub source: &'a str,
    pub key: &'a str,
    pub received_at: i64,
    pub body: &'a str,
    pub identity: &'a str,
    pub at: i64,
    pub state: &'a str,
    pub problem: Option<&'a str>,
    pub incident_id: Option<i64>,
}

pub fn insert_notification(
    conn: &mut DbConnection,
    notification: &NewNotification<'_>,
) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, ingest_notifications, notification)
}

/// The notification `source` received with `key`, if any.
pub fn received(
    conn: &mut DbConnection,
    source: &str,
    key: &str,
) -> QueryResult<Option<Notification>> {
    ingest_notifications::table
        .filter(ingest_notifications::source.eq(source))
        .filter(ingest_notifications::key.eq(key))
        .select(Notification::as_select())
        .first(conn)
        .optional()
}

pub fn find_notification(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Notification>> {
    ingest_notifications::table
        .find(id)
        .select(Notification::as_select())
        .first(conn)
        .optional()
}

/// When what the latest notification applied for `identity` says happened, other than `except`.
pub fn last_applied_at(
    conn: &mut DbConnection,
    source: &str,
    identity: &str,
    except: i64,
) -> QueryResult<Option<i64>> {
    ingest_notifications::table
        .filter(ingest_notifications::source.eq(source))
        .filter(ingest_notifications::identity.eq(identity))
        .filter(ingest_notifications::state.eq("applied"))
        .filter(ingest_notifications::id.ne(except))
        .select(diesel::dsl::max(ingest_notifications::at))
        .first(conn)
}

/// A notification applied to the incident it changed.
pub fn mark_applied(
    conn: &mut DbConnection,
    id: i64,
    incident_id: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(ingest_notifications::table.find(id))
        .set((
            ingest_notifications::state.eq("applied"),
            ingest_notifications::problem.eq(None::<String>),
            ingest_notifications::incident_id.eq(incident_id),
        ))
        .execute(conn)
}

/// A notification kept unmatched after all, and why.
pub fn mark_unmatched(conn: &mut DbConnection, id: i64, problem: &str) -> QueryResult<usize> {
    diesel::update(ingest_notifications::table.find(id))
        .set((
            ingest_notifications::state.eq("unmatched"),
            ingest_notifications::problem.eq(problem),
            ingest_notifications::incident_id.eq(None::<i64>),
        ))
        .execute(conn)
}

/// The notifications no rule matched, after `after`, by id.
pub fn unmatched(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Notification>> {
    ingest_notifications::table
        .filter(ingest_notifications::state.eq("unmatched"))
        .filter(ingest_notifications::id.gt(after))
        .order(ingest_notifications::id)
        .limit(limit)
        .select(Notification::as_select())
        .load(conn)
}

/// A window a source opened, as the source names it.
#[derive(Queryable, Debug, Clone, PartialEq, Eq)]
pub struct SourcedWindow {
    pub id: i64,
    pub incident_id: i64,
    pub severity: String,
    pub start_at: i64,
    pub end_at: Option<i64>,
}

/// The windows `source` opened for what it calls `source_ref`, oldest first.
pub fn sourced_windows(
    conn: &mut DbConnection,
    source: &str,
    source_ref: &str,
) -> QueryResult<Vec<SourcedWindow>> {
    impact_windows::table
        .filter(impact_windows::source.eq(source))
        .filter(impact_windows::source_ref.eq(source_ref))
        .order((impact_windows::start_at, impact_windows::id))
        .select((
            impact_windows::id,
            impact_windows::incident_id,
            impact_windows::severity,
            impact_windows::start_at,
            impact_windows::end_at,
        ))
        .load(conn)
}

/// Names where a window came from.
pub fn mark_sourced(
    conn: &mut DbConnection,
    window_id: i64,
    source: &str,
    source_ref: &str,
    notification_id: i64,
) -> QueryResult<usize> {
    diesel::update(impact_windows::table.find(window_id))
        .set((
            impact_windows::source.eq(source),
            impact_windows::source_ref.eq(source_ref),
            impact_windows::notification_id.eq(notification_id),
        ))
        .execute(conn)
}

/// The first of the two keys of ingest's advisory locks (credit runs use another).
const INGEST_LOCK: i32 = 7_134_003;

/// Holds the lock of what a source calls `group` (an alert group, or one alert's windows) for
/// the rest of this transaction, so that two deliveries of one group are applied one after the
/// other. On SQLite the transaction holds the write lock already.
pub fn lock_group(conn: &mut DbConnection, group: &str) -> QueryResult<()> {
    use diesel::sql_types::Integer;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(group.as_bytes());
    let key = i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind::<Integer, _>(INGEST_LOCK)
            .bind::<Integer, _>(key)
            .execute(c)
            .map(drop),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

pub fn close_window(conn: &mut DbConnection, window_id: i64, end: i64) -> QueryResult<usize> {
    diesel::update(impact_windows::table.find(window_id))
        .set(impact_windows::end_at.eq(end))
        .execute(conn)
}
