//! What is owed so far while a month still burns (SPEC §9.1–9.2): each subscription's
//! statement as if nothing more happens in the period, with its headroom.

use std::collections::{BTreeMap, HashMap, HashSet};

use rust_decimal::Decimal;

use super::evaluate::{
    Draft, EvaluateError, Evaluated, LATEST_ZONE_OFFSET, PeriodInputs, Plans, Scope,
    versions_in_effect, widest,
};
use crate::db::incidents;
use crate::db::{DbConnection, catalog};
use crate::domain::Currency;
use crate::engine::{Headrooms, NoCredit, Period, Terms, headrooms};

/// Subscriptions read and evaluated at once.
const PAGE: i64 = 10_000;

/// One subscription's exposure.
#[derive(Clone, Debug)]
pub struct Exposure {
    pub subscription_id: i64,
    pub customer: String,
    pub plan: String,
    pub plan_version: i32,
    pub period: Period,
    pub currency: Currency,
    /// What the statement would issue: the amount, or 0 when a reason withholds it.
    pub owed_minor: i64,
    /// The same without an incident's windows, when asked.
    pub owed_without_minor: Option<i64>,
    pub reason: Option<NoCredit>,
    pub eligible_seconds: i64,
    pub downtime_seconds: Decimal,
    pub uptime_percent: Decimal,
    pub headrooms: Headrooms,
}

/// Which subscriptions to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub plan: Option<String>,
    /// A customer's internal id.
    pub customer: Option<i64>,
    /// Only subscriptions with impacted time on this component (a group's windows count under
    /// the group's key).
    pub component: Option<String>,
    /// Only subscriptions a window of this incident counts for.
    pub incident: Option<i64>,
}

/// The period exposure is computed for when none is asked: for each plan, the month containing
/// `now` in the time zone of its version in effect for that month. Plans by period.
pub fn current_periods(
    conn: &mut DbConnection,
    now: i64,
) -> Result<BTreeMap<Period, Vec<String>>, EvaluateError> {
    let versions = catalog::all_versions(conn)?;
    // Every zone is within a day of UTC: the month containing now somewhere is one of these.
    let mut candidates: Vec<Period> = [-LATEST_ZONE_OFFSET, 0, LATEST_ZONE_OFFSET]
        .iter()
        .map(|offset| Period::containing(now + offset, chrono_tz::UTC))
        .collect();
    candidates.dedup();
    let mut periods: BTreeMap<Period, Vec<String>> = BTreeMap::new();
    for candidate in candidates {
        for (plan, version) in versions_in_effect(&versions, candidate)? {
            if Period::containing(now, version.terms.timezone) == candidate {
                periods.entry(candidate).or_default().push(plan);
            }
        }
    }
    for plans in periods.values_mut() {
        plans.sort();
    }
    Ok(periods)
}

/// SPEC §9.1 for `period` at `now` over `plans`: every subscription active in it that a window
/// counts for (impacted time), as `filter` narrows them, unordered; open windows end at `now`.
/// With `compare_without`, each also gets what it would be owed without that incident's
/// windows.
pub fn exposure(
    conn: &mut DbConnection,
    period: Period,
    plans: Plans<'_>,
    now: i64,
    filter: &Filter,
    compare_without: Option<i64>,
) -> Result<Vec<Exposure>, EvaluateError> {
    let plans = match (&filter.plan, plans) {
        // Not a plan of this period (another zone's current month is another period).
        (Some(plan), Plans::Only(keys)) if !keys.contains(plan) => return Ok(Vec::new()),
        (Some(plan), _) => Plans::Only(std::slice::from_ref(plan)),
        (None, plans) => plans,
    };
    let as_of = widest(period).1;
    let draft = Draft {
        open_until: Some(now),
        ..Draft::default()
    };
    let inputs = PeriodInputs::load_draft(conn, period, as_of, plans, &draft)?;
    let without = match compare_without {
        None => None,
        Some(incident) => {
            let draft = Draft {
                without_incident: Some(incident),
                ..draft
            };
            Some(PeriodInputs::load_draft(
                conn, period, as_of, plans, &draft,
            )?)
        }
    };
    let incident_windows: Option<HashSet<i64>> = match filter.incident {
        None => None,
        Some(id) => Some(
            incidents::windows_of(conn, &[id])?
                .into_iter()
                .map(|w| w.id)
                .collect(),
        ),
    };
    let listed = |e: &Evaluated| {
        let usage = &e.statement.usage;
        usage.impacted_seconds > 0
            && filter
                .component
                .as_ref()
                .is_none_or(|c| usage.by_component.iter().any(|u| u.component == *c))
            && incident_windows
                .as_ref()
                .is_none_or(|ids| usage.window_ids.iter().any(|id| ids.contains(id)))
    };
    let mut terms: HashMap<String, Terms> = HashMap::new();
    let mut out = Vec::new();
    let mut take = |page: Vec<Evaluated>| -> Result<(), EvaluateError> {
        let page: Vec<Evaluated> = page.into_iter().filter(listed).collect();
        let owed_without: HashMap<i64, i64> = match &without {
            None => HashMap::new(),
            Some(without) => without
                .evaluate_rows(
                    page.iter()
                        .map(|e| (e.subscription.clone(), e.customer.clone()))
                        .collect(),
                )?
                .into_iter()
                .map(|w| (w.subscription.id, w.statement.issued_minor()))
                .collect(),
        };
        for e in page {
            let usage = &e.statement.usage;
            let terms = terms
                .entry(e.subscription.plan_key.clone())
                .or_insert_with(|| e.spec.terms());
            let headrooms =
                headrooms(terms, usage).map_err(|err| EvaluateError::Engine(err.to_string()))?;
            let s = &e.statement;
            out.push(Exposure {
                subscription_id: e.subscription.id,
                customer: e.customer.external_id.clone(),
                plan: e.subscription.plan_key.clone(),
                plan_version: e.plan_version,
                period,
                currency: e.spec.price.currency,
                owed_minor: s.issued_minor(),
                owed_without_minor: owed_without.get(&e.subscription.id).copied(),
                reason: s.reason,
                eligible_seconds: usage.eligible_seconds,
                downtime_seconds: usage.downtime_seconds,
                uptime_percent: s.uptime_display(),
                headrooms,
            });
        }
        Ok(())
    };
    match filter.customer {
        Some(customer) => take(inputs.evaluate(conn, Scope::Customer(customer))?.0)?,
        None => {
            let mut after = 0;
            loop {
                let (page, last) = inputs.evaluate(conn, Scope::IdPage { after, limit: PAGE })?;
                take(page)?;
                match last {
                    Some(last) => after = last.id,
                    None => break,
                }
            }
        }
    }
    Ok(out)
}

/// What every subscription is owed so far in its plan's current month at `now`, in minor units
/// per currency code (the metrics' exposure gauge).
pub fn owed_now(
    conn: &mut DbConnection,
    now: i64,
) -> Result<BTreeMap<&'static str, i64>, EvaluateError> {
    let mut owed = BTreeMap::new();
    for (period, plans) in current_periods(conn, now)? {
        let listed = exposure(
            conn,
            period,
            Plans::Only(&plans),
            now,
            &Filter::default(),
            None,
        )?;
        for e in listed {
            *owed.entry(e.currency.code()).or_insert(0) += e.owed_minor;
        }
    }
    Ok(owed)
}
