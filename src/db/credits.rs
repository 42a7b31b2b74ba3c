//! The credit ledger and its runs. Lines are inserted and their status moves forward; nothing is
//! deleted.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{credits, customers};
use crate::domain::credit::{CreditKind, CreditStatus};
use crate::domain::{Currency, Period};

const CHUNK: usize = 1000;

#[derive(Queryable, QueryableByName, Selectable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = credits)]
pub struct Credit {
    pub id: i64,
    pub kind: CreditKind,
    pub status: CreditStatus,
    pub subscription_id: i64,
    pub customer_id: i64,
    pub period: String,
    pub run_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: Currency,
    pub plan_key: String,
    pub plan_version: i32,
    pub sla_target_percent: String,
    pub uptime_percent: Option<String>,
    pub eligible_seconds: Option<i64>,
    pub downtime_seconds: Option<String>,
    pub credit_percent: Option<String>,
    pub reason: Option<String>,
    pub supersedes: Option<i64>,
    pub adjusts: Option<i64>,
    pub billing_reference: Option<String>,
    pub created_at: i64,
    pub created_by: String,
    pub approved_at: Option<i64>,
    pub approved_by: Option<String>,
    pub applied_at: Option<i64>,
    pub applied_by: Option<String>,
    pub voided_at: Option<i64>,
    pub voided_by: Option<String>,
    pub void_reason: Option<String>,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = credits)]
// None is NULL (no column here has a default): SQLite then takes a thousand rows in one statement
// instead of one statement per row.
#[diesel(treat_none_as_default_value = false)]
pub struct NewCredit {
    pub kind: CreditKind,
    pub status: CreditStatus,
    pub subscription_id: i64,
    pub customer_id: i64,
    pub period: String,
    pub run_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: Currency,
    pub plan_key: String,
    pub plan_version: i32,
    pub sla_target_percent: String,
    pub uptime_percent: Option<String>,
    pub eligible_seconds: Option<i64>,
    pub downtime_seconds: Option<String>,
    pub credit_percent: Option<String>,
    pub reason: Option<String>,
    pub supersedes: Option<i64>,
    pub adjusts: Option<i64>,
    pub created_at: i64,
    pub created_by: String,
}

/// A status move: which columns it sets.
#[derive(AsChangeset, Default)]
#[diesel(table_name = credits)]
pub struct Transition {
    pub status: Option<CreditStatus>,
    pub approved_at: Option<i64>,
    pub approved_by: Option<String>,
    pub applied_at: Option<i64>,
    pub applied_by: Option<String>,
    pub billing_reference: Option<String>,
    pub voided_at: Option<i64>,
    pub voided_by: Option<String>,
    pub void_reason: Option<String>,
}

/// Inserts credits in multi-row statements; yields their ids in order.
pub fn insert(conn: &mut DbConnection, rows: &[NewCredit]) -> QueryResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let chunk_ids: Vec<i64> = match conn {
            DbConnection::Postgres(c) => diesel::insert_into(credits::table)
                .values(chunk)
                .returning(credits::id)
                .get_results(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(credits::table)
                .values(chunk)
                .returning(credits::id)
                .get_results(c)?,
        };
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// Moves the listed credits, but only those still in `from`; yields how many moved.
pub fn transition(
    conn: &mut DbConnection,
    ids: &[i64],
    from: &[CreditStatus],
    change: &Transition,
) -> QueryResult<usize> {
    let mut moved = 0;
    for chunk in ids.chunks(CHUNK) {
        moved += diesel::update(
            credits::table
                .filter(credits::id.eq_any(chunk))
                .filter(credits::status.eq_any(from)),
        )
        .set(change)
        .execute(conn)?;
    }
    Ok(moved)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Credit>> {
    credits::table
        .find(id)
        .select(Credit::as_select())
        .first(conn)
        .optional()
}

pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Credit>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            credits::table
                .filter(credits::id.eq_any(chunk))
                .order(credits::id)
                .select(Credit::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// What a run reads of a credit it may keep, replace or adjust: a fifth of a credit's columns,
/// so a million of them cross the wire and memory quickly.
#[derive(Queryable, Selectable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = credits)]
pub struct Held {
    pub id: i64,
    pub kind: CreditKind,
    pub status: CreditStatus,
    pub subscription_id: i64,
    pub customer_id: i64,
    pub amount_minor: i64,
    pub currency: Currency,
    pub plan_key: String,
    pub plan_version: i32,
    pub sla_target_percent: String,
}

/// The live and voided credits of a period whose subscriptions' ids are in `(after, through]`
/// (a run's page, the last one reaching to the end), by subscription then id.
///
/// Read through `credits_subscription` as one range. The period is compared as `period || ''`
/// so that neither backend walks the whole period through `credits_period` instead: a run that
/// has written many credits in its own transaction makes PostgreSQL's statistics (which do not
/// count them) and SQLite's equality-first choice both pick it, and a run would slow down the
/// more it wrote.
pub fn live_or_voided_between(
    conn: &mut DbConnection,
    period: Period,
    after: i64,
    through: i64,
) -> QueryResult<Vec<Held>> {
    credits::table
        .filter(credits::subscription_id.gt(after))
        .filter(credits::subscription_id.le(through))
        .filter(credits::period.concat("").eq(period.to_string()))
        .filter(credits::status.eq_any(CreditStatus::COUNTING_OR_VOID))
        .order((credits::subscription_id, credits::id))
        .select(Held::as_select())
        .load(conn)
}

/// Inserts credits without reading ids back: PostgreSQL takes them in one `COPY` (binary), SQLite
/// in multi-row statements.
pub fn insert_many(conn: &mut DbConnection, rows: &[NewCredit]) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(c) => {
            if !rows.is_empty() {
                diesel::copy_from(credits::table)
                    .from_insertable(rows)
                    .execute(c)?;
            }
        }
        DbConnection::Sqlite(c) => {
            for chunk in rows.chunks(CHUNK) {
                diesel::insert_into(credits::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

#[derive(Default)]
pub struct Filter {
    pub period: Option<Period>,
    pub status: Option<CreditStatus>,
    pub kind: Option<CreditKind>,
    pub customer: Option<String>,
    pub run_id: Option<i64>,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &Filter,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(Credit, String)>> {
    let mut query = credits::table
        .inner_join(customers::table)
        .filter(credits::id.gt(after))
        .order(credits::id.asc())
        .limit(limit)
        .select((Credit::as_select(), customers::external_id))
        .into_boxed();
    if let Some(v) = filter.period {
        query = query.filter(credits::period.eq(v.to_string()));
    }
    if let Some(v) = filter.status {
        query = query.filter(credits::status.eq(v));
    }
    if let Some(v) = filter.kind {
        query = query.filter(credits::kind.eq(v));
    }
    if let Some(v) = &filter.customer {
        query = query.filter(customers::external_id.eq(v.clone()));
    }
    if let Some(v) = filter.run_id {
        query = query.filter(credits::run_id.eq(v));
    }
    query.load(conn)
}

/// Ids of a period's credits in a status.
pub fn ids_in(
    conn: &mut DbConnection,
    period: Period,
    status: CreditStatus,
) -> QueryResult<Vec<i64>> {
    credits::table
        .filter(credits::period.eq(period.to_string()))
        .filter(credits::status.eq(status))
        .order(credits::id)
        .select(credits::id)
        .load(conn)
}

/// A page of a period's credits with their customer's external id and name, for reports.
pub fn report_page(
    conn: &mut DbConnection,
    period: Period,
    statuses: &[CreditStatus],
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(Credit, String, String)>> {
    credits::table
        .inner_join(customers::table)
        .filter(credits::period.eq(period.to_string()))
        .filter(credits::status.eq_any(statuses))
        .filter(credits::id.gt(after))
        .order(credits::id.asc())
        .limit(limit)
        .select((Credit::as_select(), customers::external_id, customers::name))
        .load(conn)
}

/// How many credits there are, and what they add up to, for one status and currency.
#[derive(QueryableByName, Debug)]
pub struct StatusTotal {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: String,
    /// As stored: the metrics' labels show it even if it no longer parses.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub currency: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub count: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub amount_minor: i64,
}

/// The credits of one period, or every credit (the metrics' gauges), by status and currency, in
/// one grouped scan.
pub fn totals_by_status(
    conn: &mut DbConnection,
    period: Option<&str>,
) -> QueryResult<Vec<StatusTotal>> {
    let sql = |placeholder: &str| {
        let only = period.map_or(String::new(), |_| format!("WHERE period = {placeholder} "));
        format!(
            "SELECT status, currency, COUNT(*) AS count, \
             CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS amount_minor \
             FROM credits {only}GROUP BY status, currency ORDER BY status, currency"
        )
    };
    use diesel::sql_types::Text;
    match conn {
        DbConnection::Postgres(c) => {
            let query = diesel::sql_query(sql("$1")).into_boxed();
            match period {
                Some(p) => query.bind::<Text, _>(p).load(c),
                None => query.load(c),
            }
        }
        DbConnection::Sqlite(c) => {
            let query = diesel::sql_query(sql("?")).into_boxed();
            match period {
                Some(p) => query.bind::<Text, _>(p).load(c),
                None => query.load(c),
            }
        }
    }
}
