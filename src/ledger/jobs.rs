//! Credit runs as jobs. A request starts a run (`start`: one row, `running`) and is answered at
//! once; the instance that took the request works it in the background (`work`: SPEC §6 page by
//! page in one transaction, so all of it lands or none); anyone watches the row.
//!
//! The instance working a run holds the period's run lock for as long as it works: on PostgreSQL
//! an advisory lock of its transaction, on SQLite the write lock. So a run still `running` once
//! its lease has passed, while nobody holds that lock, lost its instance (it stopped or died): its
//! transaction was rolled back with it and nothing was written. `reap` marks such runs `failed`;
//! starting the run again does the whole job, with no duplicates.
//!
//! Progress (subscriptions looked at of those in the period) is kept in the row on PostgreSQL,
//! written through a second connection after every page, which also extends the lease. SQLite
//! allows one writer, the run itself, so there the instance working the run reports it (`Board`).

use std::collections::HashMap;
use std::time::Duration;

use diesel::Connection as _;
use parking_lot::Mutex;
use serde::Serialize;

use super::evaluate::{self, widest};
use super::run::{self, RunError, Summary};
use crate::api::ApiError;
use crate::auth::Caller;
use crate::clock::Clock;
use crate::db::credit_runs::{self, NewRun, Run, RunCounts};
use crate::db::{Db, DbConnection, DbError, customers};
use crate::domain::credit::RunState;
use crate::domain::{Period, format_instant, parse_period};

/// How long a started run may go without a sign of life (a page done) before a run nobody holds
/// the lock of is taken for dead.
pub const LEASE_SECONDS: i64 = 60;

/// What a failed run says when its instance stopped.
const LOST: &str = "the instance working this run stopped before it finished; nothing was \
                    written; start the run again";

/// Starts a run of `period`: checks that the period has ended in every plan's zone and writes
/// the run's row, `running`. The caller commits it, then `work`s it.
pub fn start(
    conn: &mut DbConnection,
    period: Period,
    now: i64,
    caller: &Caller,
) -> Result<Run, RunError> {
    let (from, ends) = evaluate::bounds(conn, period)?.unwrap_or(widest(period));
    if ends > now {
        return Err(RunError::NotEnded {
            period: period.to_string(),
            ends: format_instant(ends),
        });
    }
    if let Some(running) = credit_runs::running_of(conn, period)? {
        return Err(RunError::AlreadyRunning {
            id: running.id,
            period: running.period,
        });
    }
    let total = customers::count_active_subscriptions(conn, from, ends)?;
    let id = credit_runs::insert(
        conn,
        &NewRun {
            period: &period.to_string(),
            as_of: ends,
            started_by: &caller.subject,
            started_at: now,
            state: RunState::Running,
            progress_total: i32::try_from(total).unwrap_or(i32::MAX),
            lease_until: now + LEASE_SECONDS,
            counts: RunCounts {
                subscriptions_evaluated: 0,
                created: 0,
                unchanged: 0,
                superseded: 0,
                adjusted: 0,
                totals: "{}",
            },
        },
    )?;
    credit_runs::find(conn, id)?.ok_or(RunError::NotRunning(id))
}

/// Works the started run `id` to its end: `succeeded`, or `failed` with the problem that stopped
/// it (then nothing of it was written).
pub fn work(
    db: &Db,
    clock: &dyn Clock,
    board: &Board,
    page: i64,
    id: i64,
    caller: &Caller,
) -> Result<Summary, ApiError> {
    let _working = board.working(id);
    let now = clock.now();
    // PostgreSQL: a connection of its own, taken once, to show progress outside the run's
    // transaction. None free: the run goes on, and watchers see it at its end.
    let mut progress = db
        .is_postgres()
        .then(|| db.conn_within(Duration::from_secs(1)).ok())
        .flatten();
    let mut on_page = |done: usize| {
        board.report(id, done);
        if let Some(conn) = progress.as_mut() {
            let done = i32::try_from(done).unwrap_or(i32::MAX);
            let lease = clock.now() + LEASE_SECONDS;
            if let Err(e) = credit_runs::progress(conn, id, done, lease) {
                tracing::warn!(run = id, error = %e, "could not record a run's progress");
            }
        }
    };
    // The work rolls back to a savepoint when it fails; the run is marked failed in the same
    // transaction, which still holds the period's lock, so nobody can take it for lost meanwhile.
    let worked = db.transaction(|conn| {
        let attempt = conn.transaction(|conn| {
            let pages = run::Pages::new(page, &mut on_page).ahead(db);
            run::execute(conn, id, now, caller, pages)
        });
        match attempt {
            Ok(summary) => Ok(Ok(summary)),
            Err(e) => {
                let problem = ApiError::from(e);
                credit_runs::fail(conn, id, &problem.problem_text(), clock.now())?;
                Ok::<_, DbError>(Err(problem))
            }
        }
    });
    match worked {
        Ok(ended) => ended,
        // The transaction itself failed (no connection, the database went away): record the
        // failure if the database allows it now; else the run's lease runs out.
        Err(e) => {
            let problem = ApiError::from(e);
            let failed = db.transaction(|conn| {
                credit_runs::fail(conn, id, &problem.problem_text(), clock.now())
                    .map_err(DbError::from)
            });
            if let Err(e) = failed {
                tracing::error!(run = id, error = %e, "could not record that a run failed");
            }
            Err(problem)
        }
    }
}

/// Starts a run of `period` and works it here, to its end (benchmarks, tests).
pub fn run_here(
    db: &Db,
    clock: &dyn Clock,
    period: Period,
    caller: &Caller,
) -> Result<Summary, ApiError> {
    let run =
        db.transaction(|conn| start(conn, period, clock.now(), caller).map_err(ApiError::from))?;
    work(db, clock, &Board::default(), run::PAGE, run.id, caller)
}

/// Marks `failed` every run whose lease has passed while no instance works it. Returns how many.
/// Never waits for a lock: a run it cannot tell about is left for a later look.
pub fn reap(db: &Db, board: &Board, now: i64) -> Result<usize, DbError> {
    let lapsed = {
        let mut conn = db.conn()?;
        credit_runs::lapsed(&mut conn, now)?
    };
    let mut failed = 0;
    for run in lapsed.iter().filter(|r| !board.is_working(r.id)) {
        let Ok(period) = parse_period("period", &run.period) else {
            continue;
        };
        let ended = db.try_transaction(|conn| {
            if !credit_runs::try_lock_period(conn, period)? {
                return Ok::<_, DbError>(false);
            }
            Ok(credit_runs::fail(conn, run.id, &lost_problem(), now)?)
        });
        // None: SQLite's write lock is held (maybe by the instance working this very run).
        if ended? == Some(true) {
            tracing::warn!(run = run.id, period = %run.period, "a credit run lost its instance");
            failed += 1;
        }
    }
    Ok(failed)
}

fn lost_problem() -> String {
    ApiError::Conflict(LOST.into()).problem_text()
}

/// The runs this instance is working, and how far each has come.
#[derive(Default)]
pub struct Board {
    runs: Mutex<HashMap<i64, usize>>,
}

impl Board {
    fn working(&self, id: i64) -> Working<'_> {
        self.runs.lock().insert(id, 0);
        Working { board: self, id }
    }

    fn report(&self, id: i64, done: usize) {
        self.runs.lock().insert(id, done);
    }

    pub fn is_working(&self, id: i64) -> bool {
        self.runs.lock().contains_key(&id)
    }

    /// Subscriptions done so far by a run this instance works.
    pub fn done(&self, id: i64) -> Option<usize> {
        self.runs.lock().get(&id).copied()
    }
}

struct Working<'a> {
    board: &'a Board,
    id: i64,
}

impl Drop for Working<'_> {
    fn drop(&mut self) {
        self.board.runs.lock().remove(&self.id);
    }
}

/// A run as the API and the command line show it.
#[derive(Serialize, Debug)]
pub struct RunView {
    pub id: i64,
    pub period: String,
    /// `running`, `succeeded` or `failed`.
    pub state: RunState,
    pub as_of: String,
    pub started_by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub progress: Progress,
    /// Why a failed run failed (problem+json); nothing of it was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<serde_json::Value>,
    pub subscriptions_evaluated: i32,
    pub created: i32,
    pub unchanged: i32,
    pub superseded: i32,
    pub adjusted: i32,
    pub totals: serde_json::Value,
}

#[derive(Serialize, Debug)]
pub struct Progress {
    pub done: i32,
    pub total: i32,
}

impl RunView {
    /// The stored run, with this instance's own count when it works the run.
    pub fn new(run: Run, board: &Board) -> RunView {
        let here = board
            .done(run.id)
            .map(|d| i32::try_from(d).unwrap_or(i32::MAX));
        RunView {
            id: run.id,
            period: run.period,
            state: run.state,
            as_of: format_instant(run.as_of),
            started_by: run.started_by,
            started_at: format_instant(run.started_at),
            finished_at: run.finished_at.map(format_instant),
            progress: Progress {
                done: run
                    .progress_done
                    .max(here.unwrap_or(0))
                    .min(run.progress_total),
                total: run.progress_total,
            },
            problem: run.problem.and_then(|p| serde_json::from_str(&p).ok()),
            subscriptions_evaluated: run.subscriptions_evaluated,
            created: run.created,
            unchanged: run.unchanged,
            superseded: run.superseded,
            adjusted: run.adjusted,
            totals: serde_json::from_str(&run.totals).unwrap_or_default(),
        }
    }
}
