//! A credit run (SPEC §6): evaluate every subscription of a period, then bring the ledger in line
//! with the statements: nothing for an unchanged amount; a changed pending/approved credit is
//! superseded by a new pending one; a changed applied credit gets an adjustment for the difference.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::json;

use super::evaluate::{EvaluateError, Evaluated, PeriodInputs, Scope};
use super::lifecycle::Move;
use crate::auth::Caller;
use crate::db::DbConnection;
use crate::db::audit::{self, AuditEntry};
use crate::db::credits::{self, Credit, NewCredit, NewRun, Transition};
use crate::domain::credit::{CreditKind, CreditStatus};
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
    #[error("{0} is beyond the largest amount the ledger holds (i64 minor units)")]
    Overflow(String),
}

/// What the run does for one subscription.
enum Decision {
    Unchanged,
    Create(NewCredit),
    Supersede {
        old: Box<Credit>,
        replacement: Option<NewCredit>,
    },
    Adjust(NewCredit),
}

/// The latest instant at which a month can end in any zone (UTC−12 plus slack).
const LATEST_ZONE_OFFSET: i64 = 14 * 3600;

pub fn run(
    conn: &mut DbConnection,
    period: Period,
    now: i64,
    dry_run: bool,
    caller: &Caller,
) -> Result<Summary, RunError> {
    if let DbConnection::Postgres(c) = conn {
        // Runs of one period take turns across every instance on this database.
        use diesel::connection::SimpleConnection;
        c.batch_execute(&format!(
            "SELECT pg_advisory_xact_lock(7134002, {})",
            period.year() * 100 + period.month() as i32
        ))?;
    }
    let (evaluated, _) = PeriodInputs::load(conn, period, now)?.evaluate(conn, Scope::All)?;
    let ends = evaluated
        .iter()
        .map(|e| e.statement.period_span.end)
        .max()
        .unwrap_or(period.span(chrono_tz::UTC).end + LATEST_ZONE_OFFSET);
    if ends > now && !dry_run {
        return Err(RunError::NotEnded {
            period: period.to_string(),
            ends: format_instant(ends),
        });
    }
    let label = period.to_string();
    let live = credits::live_in_period(conn, period)?;
    let voided = credits::voided_in_period(conn, period)?;
    let decisions = decide(&evaluated, &live, &voided, &label, now, caller)?;
    let mut summary = Summary {
        run_id: None,
        period: label.clone(),
        dry_run,
        as_of: format_instant(now.min(ends)),
        subscriptions_evaluated: evaluated.len(),
        created: 0,
        unchanged: 0,
        superseded: 0,
        adjusted: 0,
        totals: totals(&live, &decisions, &label)?,
    };
    for d in &decisions {
        match d {
            Decision::Unchanged => summary.unchanged += 1,
            Decision::Create(_) => summary.created += 1,
            Decision::Supersede { .. } => summary.superseded += 1,
            Decision::Adjust(_) => summary.adjusted += 1,
        }
    }
    if dry_run {
        return Ok(summary);
    }
    let totals_json = serde_json::to_string(&summary.totals).unwrap_or_default();
    let run_id = credits::insert_run(
        conn,
        &NewRun {
            period: &label,
            as_of: now.min(ends),
            started_by: &caller.subject,
            started_at: now,
            subscriptions_evaluated: count(summary.subscriptions_evaluated),
            created: count(summary.created),
            unchanged: count(summary.unchanged),
            superseded: count(summary.superseded),
            adjusted: count(summary.adjusted),
            totals: &totals_json,
        },
    )?;
    summary.run_id = Some(run_id);
    write(conn, decisions, run_id, now, caller)?;
    Ok(summary)
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

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
    for c in &mut new {
        c.run_id = Some(run_id);
    }
    // Written a chunk at a time, each chunk with its audit entries, to keep memory flat.
    for chunk in superseded.chunks(1000) {
        let entries: Vec<_> = chunk
            .iter()
            .map(|old| {
                let before = json!({ "status": old.status, "amount_minor": old.amount_minor });
                let after = json!({ "status": Move::Supersede.target(), "run_id": run_id });
                AuditEntry::new(Move::Supersede.action(), old.id, Some(before), Some(after))
            })
            .collect();
        audit::record_all(conn, caller, now, &entries)?;
    }
    for chunk in new.chunks(1000) {
        let ids = credits::insert(conn, chunk)?;
        let entries: Vec<AuditEntry> = ids
            .iter()
            .zip(chunk)
            .map(|(id, c)| {
                let after = json!({
                    "kind": c.kind, "status": c.status, "subscription_id": c.subscription_id, "period": c.period,
                    "amount_minor": c.amount_minor, "currency": c.currency, "supersedes": c.supersedes,
                    "adjusts": c.adjusts, "run_id": run_id, "at": now,
                });
                AuditEntry::new("credit.create", id, None, Some(after))
            })
            .collect();
        audit::record_all(conn, caller, now, &entries)?;
    }
    Ok(())
}

fn decide(
    evaluated: &[Evaluated],
    live: &[Credit],
    voided: &[Credit],
    period: &str,
    now: i64,
    caller: &Caller,
) -> Result<Vec<Decision>, RunError> {
    let mut current: HashMap<i64, &Credit> = HashMap::new();
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
    let stale: Vec<&Credit> = current
        .values()
        .copied()
        .filter(|c| !evaluated_ids.contains(&c.subscription_id))
        .collect();
    let for_stale = stale.into_iter().map(|old| {
        let line = |kind: CreditKind, amount: i64| line_like(old, kind, amount, now, caller);
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
    current: Option<&Credit>,
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
fn line_like(old: &Credit, kind: CreditKind, amount: i64, now: i64, caller: &Caller) -> NewCredit {
    NewCredit {
        kind,
        status: CreditStatus::Pending,
        subscription_id: old.subscription_id,
        customer_id: old.customer_id,
        period: old.period.clone(),
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

/// The period's live credits after the decisions, per currency, as decimal strings.
fn totals(
    live: &[Credit],
    decisions: &[Decision],
    period: &str,
) -> Result<BTreeMap<String, String>, RunError> {
    let mut minor: BTreeMap<&'static str, Money> = BTreeMap::new();
    let mut add = |currency: Currency, amount: i64, sign: i64| {
        let overflow = || {
            RunError::Overflow(format!(
                "the {} total of the credits of {period}",
                currency.code()
            ))
        };
        let total = minor
            .entry(currency.code())
            .or_insert(Money::from_minor(0, currency));
        total.minor = amount
            .checked_mul(sign)
            .and_then(|amount| total.minor.checked_add(amount))
            .ok_or_else(overflow)?;
        Ok::<(), RunError>(())
    };
    for c in live {
        add(c.currency, c.amount_minor, 1)?;
    }
    for d in decisions {
        let (gone, added) = match d {
            Decision::Unchanged => (None, None),
            Decision::Create(c) | Decision::Adjust(c) => (None, Some(c)),
            Decision::Supersede { old, replacement } => (Some(old), replacement.as_ref()),
        };
        if let Some(old) = gone {
            add(old.currency, old.amount_minor, -1)?;
        }
        if let Some(c) = added {
            add(c.currency, c.amount_minor, 1)?;
        }
    }
    Ok(minor
        .into_iter()
        .map(|(code, total)| (code.to_owned(), total.amount()))
        .collect())
}
