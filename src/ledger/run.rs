//! A credit run (SPEC §6): evaluate every subscription of a period, then bring the ledger in line
//! with the statements: nothing for an unchanged amount; a changed pending/approved credit is
//! superseded by a new pending one; a changed applied credit gets an adjustment for the difference.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use super::evaluate::{self, EvaluateError, Evaluated, PeriodInputs, Plans, Scope, widest};
use super::lifecycle::Move;
use crate::auth::Caller;
use crate::db::audit::{self, AuditEntry};
use crate::db::credit_runs::{self, RunCounts};
use crate::db::credits::{self, Held, NewCredit, Transition};
use crate::db::customers::{Customer, Subscription};
use crate::db::{Db, DbConnection};
use crate::domain::credit::{CreditKind, CreditStatus, RunState};
use crate::domain::{Currency, Money, format_instant};
use crate::engine::Period;

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub run_id: Option<i64>,
    pub period: String,
    pub dry_run: bool,
    pub as_of: String,
    pub subscriptions_evaluated: usize,
    pub created: usize,
    pub unchanged: usize,
    pub superseded: usize,
    pub adjusted: usize,
    /// What the period's live credits add up to after the run, per currency.
    pub totals: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "period {period} has not ended in every plan's time zone (it ends {ends}); use dry_run for a preview"
    )]
    NotEnded { period: String, ends: String },
    #[error(transparent)]
    Evaluate(#[from] EvaluateError),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error("credit {0} changed while the run was writing; run again")]
    Raced(i64),
    #[error(transparent)]
    Store(#[from] crate::db::DbError),
    #[error("credit run {0} is not running any more")]
    NotRunning(i64),
    #[error("run {id} of {period} is running (/v1/credit-runs/{id}); wait for it to end")]
    AlreadyRunning { id: i64, period: String },
    #[error("a stored credit run cannot be read: {0}")]
    Stored(String),
    #[error("{0} is beyond the largest amount the ledger holds (i64 minor units)")]
    Overflow(String),
}

/// What the run does for one subscription.
enum Decision {
    Unchanged,
    Create(NewCredit),
    Supersede {
        old: Box<Held>,
        replacement: Option<NewCredit>,
    },
    Adjust(NewCredit),
}

/// Subscriptions evaluated, decided and written at a time unless told otherwise: memory holds one
/// page of statements.
pub const PAGE: i64 = 10_000;

/// What a run of `period` would do now (a dry run): SPEC §6 for every subscription, page by page;
/// writes nothing. A period that has not ended everywhere is previewed as it stands. With `ahead`,
/// pages are read ahead on a connection of their own (see `Pages::ahead`).
pub fn preview(
    conn: &mut DbConnection,
    period: Period,
    now: i64,
    caller: &Caller,
    ahead: Option<&Db>,
) -> Result<Summary, RunError> {
    let ends = evaluate::bounds(conn, period)?.map_or(widest(period).1, |(_, end)| end);
    let mut ignore = |_| {};
    let mut pages = Pages::new(PAGE, &mut ignore);
    pages.ahead = ahead;
    pass(conn, period, now.min(ends), now, None, caller, pages)
}

/// How a run takes its subscriptions: `size` at a time, telling `done` how many it has looked at.
pub struct Pages<'a> {
    size: i64,
    done: &'a mut dyn FnMut(usize),
    ahead: Option<&'a Db>,
}

impl<'a> Pages<'a> {
    pub fn new(size: i64, done: &'a mut dyn FnMut(usize)) -> Pages<'a> {
        Pages {
            size: size.max(1),
            done,
            ahead: None,
        }
    }

    /// Reads each page while the one before is evaluated and written, on a connection of its own
    /// from `db` when one is free at once (else on the run's). The run's own writes are never
    /// among what it reads ahead: a page reads only ids after those written. The database works
    /// while the run computes, which halves a PostgreSQL run's time at a million.
    pub fn ahead(mut self, db: &'a Db) -> Pages<'a> {
        self.ahead = Some(db);
        self
    }
}

/// How long a run waits for a connection to read ahead on before it reads on its own.
const AHEAD_WAIT: Duration = Duration::from_millis(200);

/// Works the run `id` (see `ledger::jobs`) to its end, in the caller's transaction: all or
/// nothing. Runs of one period take turns on every instance.
pub fn execute(
    conn: &mut DbConnection,
    id: i64,
    now: i64,
    caller: &Caller,
    pages: Pages<'_>,
) -> Result<Summary, RunError> {
    let run = credit_runs::find(conn, id)?.ok_or(RunError::NotRunning(id))?;
    let period = crate::domain::parse_period("period", &run.period)
        .map_err(|e| RunError::Stored(e.to_string()))?;
    credit_runs::lock_period(conn, period)?;
    // Read again under the lock: another instance may have ended it while this one waited.
    let run = credit_runs::find(conn, id)?.ok_or(RunError::NotRunning(id))?;
    if run.state != RunState::Running {
        return Err(RunError::NotRunning(id));
    }
    let summary = pass(conn, period, run.as_of, now, Some(id), caller, pages)?;
    let totals = serde_json::to_string(&summary.totals).unwrap_or_default();
    if !credit_runs::succeed(conn, id, &summary.counts(&totals), now)? {
        return Err(RunError::NotRunning(id));
    }
    let after = serde_json::to_value(&summary).unwrap_or_default();
    let entry = AuditEntry::new("credit_run.create", id, None, Some(after));
    audit::record_all(conn, caller, now, &[entry])?;
    Ok(summary)
}

/// SPEC §6 for every subscription of `period` at `as_of`, a page at a time; writes the credits
/// of `run` when there is one.
fn pass(
    conn: &mut DbConnection,
    period: Period,
    as_of: i64,
    now: i64,
    run: Option<i64>,
    caller: &Caller,
    pages: Pages<'_>,
) -> Result<Summary, RunError> {
    let inputs = PeriodInputs::load(conn, period, as_of, Plans::All)?;
    let label = period.to_string();
    let mut ledger = Ledger {
        totals: Totals::default(),
        summary: Summary {
            run_id: run,
            period: label.clone(),
            dry_run: run.is_none(),
            as_of: format_instant(as_of),
            subscriptions_evaluated: 0,
            created: 0,
            unchanged: 0,
            superseded: 0,
            adjusted: 0,
            totals: BTreeMap::new(),
        },
        label,
        now,
        caller,
        run,
    };
    let Pages { size, done, ahead } = pages;
    let mut looked_at = 0;
    let mut next = |conn: &mut DbConnection, page: Page| -> Result<bool, RunError> {
        let more = page.last.is_some();
        ledger.take(conn, &inputs, page)?;
        if more {
            looked_at += size as usize;
            done(looked_at);
        }
        Ok(more)
    };
    match ahead.and_then(|db| db.conn_within(AHEAD_WAIT).ok()) {
        None => Page::each(conn, &inputs, period, size, |conn, page| next(conn, page?))?,
        Some(mut reader) => std::thread::scope(|scope| {
            let (pages, arrived) = std::sync::mpsc::sync_channel(1);
            let inputs = &inputs;
            scope.spawn(move || {
                // A page is small: PostgreSQL's parallel workers would cost more than they save,
                // on the cores the run computes on. Set for this connection while it reads.
                let serial = |conn: &mut DbConnection, sql: &str| {
                    if let DbConnection::Postgres(c) = conn {
                        use diesel::connection::SimpleConnection;
                        // At worst the pooled connection plans without parallel workers later.
                        let _ = c.batch_execute(sql);
                    }
                };
                serial(&mut reader, "SET max_parallel_workers_per_gather = 0");
                // A send fails when the run stopped (it failed): then reading stops.
                let _ = Page::each(&mut reader, inputs, period, size, |_, page| {
                    let more = page.as_ref().is_ok_and(|p| p.last.is_some());
                    Ok::<_, RunError>(pages.send(page).is_ok() && more)
                });
                serial(&mut reader, "RESET max_parallel_workers_per_gather");
            });
            for page in arrived {
                if !next(conn, page?)? {
                    break;
                }
            }
            Ok::<(), RunError>(())
        })?,
    }
    let mut summary = ledger.summary;
    summary.totals = ledger.totals.strings();
    Ok(summary)
}

/// A page as read: subscriptions in id order after the last page's (with their customers),
/// the last id among them (none: no page after this one), and the period's credits of the ids
/// the page spans, `(after, last]`, the last page reaching to the end. So every credit of the
/// period is read once, beside its subscription's statement, whether the subscription is still in
/// the period or not (a credit whose subscription no longer falls in it is owed nothing now).
struct Page {
    loaded: Vec<(Subscription, Customer)>,
    last: Option<i64>,
    credits: Vec<Held>,
}

impl Page {
    /// Reads page after page of `size` into `take` (with the connection back) until it answers
    /// false or an error; a page that failed to read is handed over as such and ends the pages.
    fn each<E>(
        conn: &mut DbConnection,
        inputs: &PeriodInputs,
        period: Period,
        size: i64,
        mut take: impl FnMut(&mut DbConnection, Result<Page, RunError>) -> Result<bool, E>,
    ) -> Result<(), E> {
        let mut after = i64::MIN;
        loop {
            let page = Page::read(conn, inputs, period, after, size);
            let last = page.as_ref().ok().and_then(|p| p.last);
            let failed = page.is_err();
            if !take(conn, page)? || failed {
                return Ok(());
            }
            match last {
                Some(last) => after = last,
                None => return Ok(()),
            }
        }
    }

    fn read(
        conn: &mut DbConnection,
        inputs: &PeriodInputs,
        period: Period,
        after: i64,
        size: i64,
    ) -> Result<Page, RunError> {
        let scope = Scope::IdPage { after, limit: size };
        let loaded = inputs.subscriptions(conn, scope)?;
        let last = loaded.last().map(|(s, _)| s.id);
        let through = last.unwrap_or(i64::MAX);
        let credits = credits::live_or_voided_between(conn, period, after, through)?;
        Ok(Page {
            loaded,
            last,
            credits,
        })
    }
}

/// What a pass has decided so far, and how it decides.
struct Ledger<'c> {
    totals: Totals,
    summary: Summary,
    label: String,
    now: i64,
    caller: &'c Caller,
    /// The run whose credits are written; none for a dry run.
    run: Option<i64>,
}

impl Ledger<'_> {
    /// Evaluates, decides and (for a run) writes one page.
    fn take(
        &mut self,
        conn: &mut DbConnection,
        inputs: &PeriodInputs,
        page: Page,
    ) -> Result<(), RunError> {
        let evaluated = inputs.evaluate_rows(page.loaded)?;
        let (voided, live): (Vec<Held>, Vec<Held>) = page
            .credits
            .into_iter()
            .partition(|c| c.status == CreditStatus::Void);
        for c in &live {
            self.totals
                .add(c.currency, c.amount_minor, 1, &self.label)?;
        }
        let decisions = decide(
            &evaluated,
            &live,
            &voided,
            &self.label,
            self.now,
            self.caller,
        )?;
        self.totals.add_decisions(&decisions, &self.label)?;
        self.summary.count(&decisions);
        self.summary.subscriptions_evaluated += evaluated.len();
        if let Some(run_id) = self.run {
            write(conn, decisions, run_id, self.now, self.caller)?;
        }
        Ok(())
    }
}

impl Summary {
    fn counts<'a>(&self, totals: &'a str) -> RunCounts<'a> {
        RunCounts {
            subscriptions_evaluated: count(self.subscriptions_evaluated),
            created: count(self.created),
            unchanged: count(self.unchanged),
            superseded: count(self.superseded),
            adjusted: count(self.adjusted),
            totals,
        }
    }

    fn count(&mut self, decisions: &[Decision]) {
        for d in decisions {
            match d {
                Decision::Unchanged => self.unchanged += 1,
                Decision::Create(_) => self.created += 1,
                Decision::Supersede { .. } => self.superseded += 1,
                Decision::Adjust(_) => self.adjusted += 1,
            }
        }
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Writes a page's decisions. New credits name their run; the run's own audit entry says who
/// started it. A superseded credit gets an audit entry of its own (its row does not name the run).
fn write(
    conn: &mut DbConnection,
    decisions: Vec<Decision>,
    run_id: i64,
    now: i64,
    caller: &Caller,
) -> Result<(), RunError> {
    let mut superseded = Vec::new();
    let mut new = Vec::new();
    for d in decisions {
        match d {
            Decision::Unchanged => {}
            Decision::Create(c) | Decision::Adjust(c) => new.push(c),
            Decision::Supersede { old, replacement } => {
                superseded.push(*old);
                new.extend(replacement);
            }
        }
    }
    let ids: Vec<i64> = superseded.iter().map(|c| c.id).collect();
    let change = Transition {
        status: Some(Move::Supersede.target()),
        ..Transition::default()
    };
    if credits::transition(conn, &ids, Move::Supersede.from(), &change)? != ids.len() {
        return Err(RunError::Raced(ids.first().copied().unwrap_or_default()));
    }
    let entries: Vec<_> = superseded
        .iter()
        .map(|old| {
            let before = json!({ "status": old.status, "amount_minor": old.amount_minor });
            let after = json!({ "status": Move::Supersede.target(), "run_id": run_id });
            AuditEntry::new(Move::Supersede.action(), old.id, Some(before), Some(after))
        })
        .collect();
    audit::record_all(conn, caller, now, &entries)?;
    for c in &mut new {
        c.run_id = Some(run_id);
    }
    credits::insert_many(conn, &new)?;
    Ok(())
}

fn decide(
    evaluated: &[Evaluated],
    live: &[Held],
    voided: &[Held],
    period: &str,
    now: i64,
    caller: &Caller,
) -> Result<Vec<Decision>, RunError> {
    let mut current: HashMap<i64, &Held> = HashMap::new();
    let mut adjustments: HashMap<i64, i64> = HashMap::new();
    for c in live {
        match c.kind {
            CreditKind::Sla => {
                current.insert(c.subscription_id, c);
            }
            CreditKind::Adjustment => {
                let sum = adjustments.entry(c.subscription_id).or_default();
                *sum = sum.checked_add(c.amount_minor).ok_or_else(|| {
                    RunError::Overflow(format!(
                        "the adjustments of subscription {}",
                        c.subscription_id
                    ))
                })?;
            }
            CreditKind::Manual => {}
        }
    }
    // Support voided these amounts; the same amount again is not a change.
    let voided: HashSet<(i64, CreditKind, i64)> = voided
        .iter()
        .map(|v| (v.subscription_id, v.kind, v.amount_minor))
        .collect();
    let was_voided = |subscription: i64, kind: CreditKind, amount: i64| {
        voided.contains(&(subscription, kind, amount))
    };
    let evaluated_ids: HashSet<i64> = evaluated.iter().map(|e| e.subscription.id).collect();
    let credited = |subscription: i64| adjustments.get(&subscription).copied().unwrap_or(0);
    let for_statements = evaluated.iter().map(|e| {
        let id = e.subscription.id;
        let line = |kind: CreditKind, amount: i64| sla_line(e, kind, amount, period, now, caller);
        decide_one(
            id,
            current.get(&id).copied(),
            credited(id),
            e.statement.issued_minor(),
            &was_voided,
            line,
        )
    });
    // A current credit whose subscription no longer falls in the period (its dates were
    // corrected) is owed nothing now.
    let stale: Vec<&Held> = current
        .values()
        .copied()
        .filter(|c| !evaluated_ids.contains(&c.subscription_id))
        .collect();
    let for_stale = stale.into_iter().map(|old| {
        let line =
            |kind: CreditKind, amount: i64| line_like(old, period, kind, amount, now, caller);
        decide_one(
            old.subscription_id,
            Some(old),
            credited(old.subscription_id),
            0,
            &was_voided,
            line,
        )
    });
    for_statements.chain(for_stale).collect()
}

/// SPEC §6 for one subscription: its current SLA credit (if any), what its adjustments add, and
/// the amount its statement gives now.
fn decide_one(
    subscription: i64,
    current: Option<&Held>,
    adjusted: i64,
    target: i64,
    was_voided: &dyn Fn(i64, CreditKind, i64) -> bool,
    line: impl Fn(CreditKind, i64) -> NewCredit,
) -> Result<Decision, RunError> {
    Ok(match current {
        None if target == 0 || was_voided(subscription, CreditKind::Sla, target) => {
            Decision::Unchanged
        }
        None => Decision::Create(line(CreditKind::Sla, target)),
        Some(old) if old.status == CreditStatus::Applied => {
            let difference = old
                .amount_minor
                .checked_add(adjusted)
                .and_then(|credited| target.checked_sub(credited))
                .ok_or_else(|| {
                    RunError::Overflow(format!("the adjustment of subscription {subscription}"))
                })?;
            if difference == 0 || was_voided(subscription, CreditKind::Adjustment, difference) {
                Decision::Unchanged
            } else {
                Decision::Adjust(NewCredit {
                    adjusts: Some(old.id),
                    ..line(CreditKind::Adjustment, difference)
                })
            }
        }
        Some(old) if old.amount_minor == target => Decision::Unchanged,
        Some(old) => Decision::Supersede {
            old: Box::new(old.clone()),
            replacement: (target > 0).then(|| NewCredit {
                supersedes: Some(old.id),
                ..line(CreditKind::Sla, target)
            }),
        },
    })
}

/// A ledger line for a subscription that has no statement this run, shaped after its credit.
fn line_like(
    old: &Held,
    period: &str,
    kind: CreditKind,
    amount: i64,
    now: i64,
    caller: &Caller,
) -> NewCredit {
    NewCredit {
        kind,
        status: CreditStatus::Pending,
        subscription_id: old.subscription_id,
        customer_id: old.customer_id,
        period: period.into(),
        run_id: None,
        amount_minor: amount,
        currency: old.currency,
        plan_key: old.plan_key.clone(),
        plan_version: old.plan_version,
        sla_target_percent: old.sla_target_percent.clone(),
        uptime_percent: None,
        eligible_seconds: None,
        downtime_seconds: None,
        credit_percent: None,
        reason: Some("the subscription no longer falls in this period".into()),
        supersedes: None,
        adjusts: None,
        created_at: now,
        created_by: caller.subject.clone(),
    }
}

fn sla_line(
    e: &Evaluated,
    kind: CreditKind,
    amount: i64,
    period: &str,
    now: i64,
    caller: &Caller,
) -> NewCredit {
    let s = &e.statement;
    NewCredit {
        kind,
        status: CreditStatus::Pending,
        subscription_id: e.subscription.id,
        customer_id: e.customer.id,
        period: period.into(),
        run_id: None,
        amount_minor: amount,
        currency: e.spec.price.currency,
        plan_key: e.subscription.plan_key.clone(),
        plan_version: e.plan_version,
        sla_target_percent: e.spec.sla_target_percent.to_string(),
        uptime_percent: Some(s.uptime_display().to_string()),
        eligible_seconds: Some(s.usage.eligible_seconds),
        downtime_seconds: Some(s.usage.downtime_seconds.normalize().to_string()),
        credit_percent: Some(s.credit_percent_display().normalize().to_string()),
        reason: None,
        supersedes: None,
        adjusts: None,
        created_at: now,
        created_by: caller.subject.clone(),
    }
}

/// Live credits per currency, in minor units, checked.
#[derive(Default)]
struct Totals(BTreeMap<&'static str, Money>);

impl Totals {
    fn add(
        &mut self,
        currency: Currency,
        amount: i64,
        sign: i64,
        period: &str,
    ) -> Result<(), RunError> {
        let total = self
            .0
            .entry(currency.code())
            .or_insert(Money::from_minor(0, currency));
        total.minor = amount
            .checked_mul(sign)
            .and_then(|amount| total.minor.checked_add(amount))
            .ok_or_else(|| {
                RunError::Overflow(format!(
                    "the {} total of the credits of {period}",
                    currency.code()
                ))
            })?;
        Ok(())
    }

    /// What the decisions take away and add.
    fn add_decisions(&mut self, decisions: &[Decision], period: &str) -> Result<(), RunError> {
        for d in decisions {
            let (gone, added) = match d {
                Decision::Unchanged => (None, None),
                Decision::Create(c) | Decision::Adjust(c) => (None, Some(c)),
                Decision::Supersede { old, replacement } => (Some(old), replacement.as_ref()),
            };
            if let Some(old) = gone {
                self.add(old.currency, old.amount_minor, -1, period)?;
            }
            if let Some(c) = added {
                self.add(c.currency, c.amount_minor, 1, period)?;
            }
        }
        Ok(())
    }

    /// As decimal strings, by currency code.
    fn strings(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|(code, total)| ((*code).to_owned(), total.amount()))
            .collect()
    }
}
