//! Credit runs: one row per run, written when it starts, while it works (progress, on PostgreSQL)
//! and when it ends. How a run is worked and watched: `ledger::jobs`.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer};

use super::DbConnection;
use super::schema::credit_runs;
use crate::domain::Period;
use crate::domain::credit::RunState;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = credit_runs)]
pub struct Run {
    pub id: i64,
    pub period: String,
    pub as_of: i64,
    pub started_by: String,
    pub started_at: i64,
    pub subscriptions_evaluated: i32,
    pub created: i32,
    pub unchanged: i32,
    pub superseded: i32,
    pub adjusted: i32,
    pub totals: String,
    pub state: RunState,
    pub problem: Option<String>,
    pub finished_at: Option<i64>,
    pub progress_done: i32,
    pub progress_total: i32,
    pub lease_until: i64,
}

#[derive(Insertable)]
#[diesel(table_name = credit_runs)]
pub struct NewRun<'a> {
    pub period: &'a str,
    pub as_of: i64,
    pub started_by: &'a str,
    pub started_at: i64,
    pub state: RunState,
    pub progress_total: i32,
    pub lease_until: i64,
    #[diesel(embed)]
    pub counts: RunCounts<'a>,
}

pub fn insert(conn: &mut DbConnection, run: &NewRun<'_>) -> QueryResult<i64> {
    crate::insert_returning_id!(conn, credit_runs, run)
}

/// What a run found, written when it ends.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = credit_runs)]
pub struct RunCounts<'a> {
    pub subscriptions_evaluated: i32,
    pub created: i32,
    pub unchanged: i32,
    pub superseded: i32,
    pub adjusted: i32,
    pub totals: &'a str,
}

/// Ends a run that is still running as succeeded; false if it was not running any more.
pub fn succeed(
    conn: &mut DbConnection,
    id: i64,
    counts: &RunCounts<'_>,
    now: i64,
) -> QueryResult<bool> {
    diesel::update(running(id))
        .set((
            counts,
            credit_runs::state.eq(RunState::Succeeded),
            credit_runs::finished_at.eq(now),
            credit_runs::progress_done.eq(credit_runs::progress_total),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Ends a run that is still running as failed, with the problem that ended it.
pub fn fail(conn: &mut DbConnection, id: i64, problem: &str, now: i64) -> QueryResult<bool> {
    diesel::update(running(id))
        .set((
            credit_runs::state.eq(RunState::Failed),
            credit_runs::problem.eq(problem),
            credit_runs::finished_at.eq(now),
        ))
        .execute(conn)
        .map(|n| n == 1)
}

/// Records how far a running run has come, and extends its lease.
pub fn progress(conn: &mut DbConnection, id: i64, done: i32, lease_until: i64) -> QueryResult<()> {
    diesel::update(running(id))
        .set((
            credit_runs::progress_done.eq(done),
            credit_runs::lease_until.eq(lease_until),
        ))
        .execute(conn)
        .map(drop)
}

type Running = diesel::dsl::Filter<
    diesel::dsl::Find<credit_runs::table, i64>,
    diesel::dsl::Eq<credit_runs::state, RunState>,
>;

/// The run `id`, if it is still running.
fn running(id: i64) -> Running {
    credit_runs::table
        .find(id)
        .filter(credit_runs::state.eq(RunState::Running))
}

/// The run of `period` that is running, if one is.
pub fn running_of(conn: &mut DbConnection, period: Period) -> QueryResult<Option<Run>> {
    credit_runs::table
        .filter(credit_runs::period.eq(period.to_string()))
        .filter(credit_runs::state.eq(RunState::Running))
        .select(Run::as_select())
        .first(conn)
        .optional()
}

/// The advisory lock (with the period as `YYYYMM`) a PostgreSQL transaction holds while it works
/// a run of that period. On SQLite a writing transaction holds the write lock, which is enough.
const RUN_LOCK: i32 = 7_134_002;

fn lock_key(period: Period) -> i32 {
    period.year() * 100 + period.month() as i32
}

/// Takes the period's run lock for the rest of this transaction, waiting for it.
pub fn lock_period(conn: &mut DbConnection, period: Period) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind::<Integer, _>(RUN_LOCK)
            .bind::<Integer, _>(lock_key(period))
            .execute(c)
            .map(drop),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// Takes the period's run lock for the rest of this transaction if nobody holds it; whether it
/// did. On SQLite the transaction holds the write lock already, so no run is being worked.
pub fn try_lock_period(conn: &mut DbConnection, period: Period) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = Bool)]
        locked: bool,
    }
    match conn {
        DbConnection::Postgres(c) => {
            diesel::sql_query("SELECT pg_try_advisory_xact_lock($1, $2) AS locked")
                .bind::<Integer, _>(RUN_LOCK)
                .bind::<Integer, _>(lock_key(period))
                .get_result::<Locked>(c)
                .map(|l| l.locked)
        }
        DbConnection::Sqlite(_) => Ok(true),
    }
}

/// Runs still `running` whose lease has passed, oldest first.
pub fn lapsed(conn: &mut DbConnection, now: i64) -> QueryResult<Vec<Run>> {
    credit_runs::table
        .filter(credit_runs::state.eq(RunState::Running))
        .filter(credit_runs::lease_until.lt(now))
        .order(credit_runs::id.asc())
        .select(Run::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Run>> {
    credit_runs::table
        .find(id)
        .select(Run::as_select())
        .first(conn)
        .optional()
}

pub fn list(
    conn: &mut DbConnection,
    period: Option<Period>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<Run>> {
    let mut query = credit_runs::table
        .filter(credit_runs::id.gt(after))
        .order(credit_runs::id.asc())
        .limit(limit)
        .select(Run::as_select())
        .into_boxed();
    if let Some(period) = period {
        query = query.filter(credit_runs::period.eq(period.to_string()));
    }
    query.load(conn)
}
