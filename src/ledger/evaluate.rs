//! Every subscription of a period, evaluated with the plan version in effect for it (SPEC §3–§5).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::db::DbConnection;
use crate::db::catalog::{self, VersionWithComponents};
use crate::db::customers::{self, Customer, Subscription};
use crate::db::incidents::{self, WindowFilter};
use crate::domain::Currency;
use crate::domain::plan::PlanVersionSpec;
use crate::engine::{self, Groups, Period, Statement, Subscriber, Terms};

/// One subscription's statement with what it was computed from.
pub struct Evaluated {
    pub subscription: Subscription,
    pub customer: Customer,
    pub plan_version: i32,
    pub spec: Arc<PlanVersionSpec>,
    pub statement: Statement,
}

#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// No connection (the pool's wait ran out, or the database is gone).
    #[error(transparent)]
    Pool(#[from] crate::db::DbError),
    #[error("stored plan version {plan} v{version} cannot be read: {reason}")]
    Stored {
        plan: String,
        version: i32,
        reason: String,
    },
    #[error(
        "subscription {0}'s fee override is in {1}, but the plan version in effect is priced in {2}"
    )]
    Currency(i64, Currency, Currency),
    #[error("the engine refused: {0}")]
    Engine(String),
}

/// A plan version in effect for the period, read once and shared by its subscriptions.
pub(super) struct InEffect {
    pub version: i32,
    pub spec: Arc<PlanVersionSpec>,
    pub terms: Terms,
}

/// The version of each plan in effect for `period`: the latest `effective_from <= period`.
pub(super) fn versions_in_effect(
    all: &[VersionWithComponents],
    period: Period,
) -> Result<HashMap<String, InEffect>, EvaluateError> {
    let mut in_effect = HashMap::new();
    for v in all {
        let stored = |reason: String| EvaluateError::Stored {
            plan: v.version.plan_key.clone(),
            version: v.version.version,
            reason,
        };
        let spec: PlanVersionSpec =
            serde_json::from_str(&v.version.terms).map_err(|e| stored(e.to_string()))?;
        if spec.effective_from > period {
            continue;
        }
        let terms = spec.terms();
        // Versions arrive oldest first, so a later one replaces an earlier one.
        in_effect.insert(
            v.version.plan_key.clone(),
            InEffect {
                version: v.version.version,
                spec: Arc::new(spec),
                terms,
            },
        );
    }
    Ok(in_effect)
}

pub use crate::db::customers::{Cursor, Scope};

/// Which plans' windows to load.
#[derive(Clone, Copy)]
pub enum Plans<'a> {
    All,
    /// Only these plans: only the windows on their components are read.
    Only(&'a [String]),
}

/// The latest instant at which a month can end in any zone (UTC−12 plus slack).
pub const LATEST_ZONE_OFFSET: i64 = 14 * 3600;

/// The widest span `period` can take in any time zone.
pub fn widest(period: Period) -> (i64, i64) {
    let utc = period.span(chrono_tz::UTC);
    (utc.start - LATEST_ZONE_OFFSET, utc.end + LATEST_ZONE_OFFSET)
}

/// The earliest start and latest end of `period` over the time zones of the plans in effect in
/// it; none when no plan is. Reads the plan versions only.
pub fn bounds(
    conn: &mut DbConnection,
    period: Period,
) -> Result<Option<(i64, i64)>, EvaluateError> {
    let in_effect = versions_in_effect(&catalog::all_versions(conn)?, period)?;
    Ok(bounds_of(period, in_effect.values().map(|v| &v.terms)))
}

fn bounds_of<'a>(period: Period, terms: impl Iterator<Item = &'a Terms>) -> Option<(i64, i64)> {
    let spans: Vec<_> = terms.map(|t| period.span(t.timezone)).collect();
    spans
        .iter()
        .map(|s| s.start)
        .min()
        .zip(spans.iter().map(|s| s.end).max())
}

/// Component key → its group's key, as stored.
pub fn groups(conn: &mut DbConnection) -> Result<Groups, EvaluateError> {
    Ok(incidents::component_groups(conn)?
        .into_iter()
        .filter_map(|(key, group)| group.map(|g| (key, g)))
        .collect())
}

/// The components whose windows plans listing components can see: those listed, their groups
/// and their groups' members.
pub fn covered(terms: &[Terms], groups: &Groups) -> Vec<String> {
    let mut keys: Vec<String> = terms
        .iter()
        .flat_map(|t| t.components.iter())
        .flat_map(|c| groups.related(c))
        .map(str::to_owned)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The stored windows overlapping `[from, to)`, on `components` if given.
pub fn windows_between(
    conn: &mut DbConnection,
    components: Option<Vec<String>>,
    from: i64,
    to: i64,
) -> Result<Vec<incidents::StoredWindow>, EvaluateError> {
    let filter = WindowFilter {
        components,
        from: Some(from),
        to: Some(to),
        ..WindowFilter::default()
    };
    Ok(incidents::overlapping(conn, &filter)?)
}

/// What the engine needs to know of a subscription and its customer.
pub fn subscriber(subscription: &Subscription, customer: &Customer) -> Subscriber {
    Subscriber {
        subscription_id: subscription.id,
        customer_id: customer.id,
        region: customer.region.clone(),
        start: subscription.start_at,
        end: subscription.end_at,
        fee_override_minor: subscription.fee_override_minor,
    }
}

/// What a period's evaluation needs beyond the subscriptions: the plan versions in effect and
/// the windows they cover, prepared by the engine. Loaded once, then used for any number of pages
/// or requests.
pub struct PeriodInputs {
    period: Period,
    in_effect: HashMap<String, InEffect>,
    plan_keys: Vec<String>,
    terms: Vec<Terms>,
    /// The earliest start and latest end of the period over the plans' time zones.
    bounds: Option<(i64, i64)>,
    month: engine::batch::Month,
}

/// What to evaluate instead of the stored windows and plan versions as they are (SPEC §9);
/// never written.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    /// Open windows end at this instant (exposure: now) instead of counting up to the as-of
    /// instant; an open window that starts later is left out.
    pub open_until: Option<i64>,
    /// Leave out the windows of this incident.
    pub without_incident: Option<i64>,
    /// Leave out these stored windows.
    pub remove: HashSet<i64>,
    /// Count these windows too (a changed window: removed, then added as changed).
    pub add: Vec<engine::Window>,
    /// These plan versions in place of the ones in effect for the period.
    pub plan_versions: HashMap<String, Arc<PlanVersionSpec>>,
}

impl Draft {
    fn apply(&self, stored: Vec<incidents::StoredWindow>) -> Vec<engine::Window> {
        stored
            .into_iter()
            .filter(|w| Some(w.incident_id) != self.without_incident)
            .filter(|w| !self.remove.contains(&w.id))
            .map(engine::Window::from)
            .chain(self.add.iter().cloned())
            .filter_map(|w| match self.open_until {
                Some(now) => w.ended_by(now),
                None => Some(w),
            })
            .collect()
    }
}

impl PeriodInputs {
    pub fn load(
        conn: &mut DbConnection,
        period: Period,
        as_of: i64,
        plans: Plans<'_>,
    ) -> Result<PeriodInputs, EvaluateError> {
        PeriodInputs::load_draft(conn, period, as_of, plans, &Draft::default())
    }

    /// As [`PeriodInputs::load`], with the stored windows changed by `draft`.
    pub fn load_draft(
        conn: &mut DbConnection,
        period: Period,
        as_of: i64,
        plans: Plans<'_>,
        draft: &Draft,
    ) -> Result<PeriodInputs, EvaluateError> {
        let versions = match plans {
            Plans::All => catalog::all_versions(conn)?,
            Plans::Only(keys) => catalog::versions_of(conn, keys)?,
        };
        let mut in_effect = versions_in_effect(&versions, period)?;
        for (plan, spec) in &draft.plan_versions {
            // A draft has no number yet: 0.
            let draft = InEffect {
                version: 0,
                terms: spec.terms(),
                spec: Arc::clone(spec),
            };
            in_effect.insert(plan.clone(), draft);
        }
        let mut plan_keys: Vec<String> = in_effect.keys().cloned().collect();
        plan_keys.sort();
        let terms: Vec<Terms> = plan_keys
            .iter()
            .map(|k| in_effect[k].terms.clone())
            .collect();
        let bounds = bounds_of(period, terms.iter());
        let groups = groups(conn)?;
        let windows = match bounds {
            None => Vec::new(),
            Some((from, to)) => {
                // A plan that lists no components sees every component.
                let components = match plans {
                    Plans::Only(_) if terms.iter().all(|t| !t.components.is_empty()) => {
                        Some(covered(&terms, &groups))
                    }
                    _ => None,
                };
                draft.apply(windows_between(conn, components, from, to.min(as_of))?)
            }
        };
        let month = engine::batch::Month::new(period, as_of, &terms, windows, &groups)
            .map_err(|e| EvaluateError::Engine(e.to_string()))?;
        Ok(PeriodInputs {
            period,
            in_effect,
            plan_keys,
            terms,
            bounds,
            month,
        })
    }

    /// The latest end of the period over the plans in effect, if any plan is.
    pub fn ends(&self) -> Option<i64> {
        self.bounds.map(|(_, end)| end)
    }

    /// Evaluates the subscriptions of `scope` active in the period. Also answers where the
    /// subscriptions read ended (to ask for the next page), even when none was evaluated.
    pub fn evaluate(
        &self,
        conn: &mut DbConnection,
        scope: Scope,
    ) -> Result<(Vec<Evaluated>, Option<Cursor>), EvaluateError> {
        let loaded = self.subscriptions(conn, scope)?;
        let last = loaded.last().map(|(s, _)| Cursor {
            plan_key: s.plan_key.clone(),
            id: s.id,
        });
        Ok((self.evaluate_rows(loaded)?, last))
    }

    /// The subscriptions of `scope` that may be active in the period (to evaluate with
    /// `evaluate_rows`), with their customers; none when no plan is in effect.
    pub fn subscriptions(
        &self,
        conn: &mut DbConnection,
        scope: Scope,
    ) -> Result<Vec<(Subscription, Customer)>, EvaluateError> {
        match self.bounds {
            None => Ok(Vec::new()),
            Some((from, to)) => Ok(customers::active_subscriptions(conn, from, to, scope)?),
        }
    }

    /// Evaluates the given subscriptions that are active in the period under a plan of these
    /// inputs; skips the others.
    pub fn evaluate_rows(
        &self,
        loaded: Vec<(Subscription, Customer)>,
    ) -> Result<Vec<Evaluated>, EvaluateError> {
        let mut rows = Vec::new();
        let mut subscribers = Vec::new();
        for (subscription, customer) in loaded {
            let Ok(i) = self.plan_keys.binary_search(&subscription.plan_key) else {
                continue; // No version of this plan is in effect yet.
            };
            // Active in P: P taken in the zone of this subscription's own plan version (SPEC §6);
            // the bounds above only narrow the search over every plan's zone.
            let span = self.period.span(self.terms[i].timezone);
            let ends_before = subscription.end_at.is_some_and(|end| end <= span.start);
            if ends_before || subscription.start_at >= span.end {
                continue;
            }
            let spec = &self.in_effect[&subscription.plan_key].spec;
            if let Some(currency) = &subscription.fee_override_currency
                && *currency != spec.price.currency
            {
                return Err(EvaluateError::Currency(
                    subscription.id,
                    *currency,
                    spec.price.currency,
                ));
            }
            subscribers.push((i, subscriber(&subscription, &customer)));
            rows.push((subscription, customer));
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let statements = self
            .month
            .statements(&subscribers)
            .map_err(|e| EvaluateError::Engine(e.to_string()))?;
        Ok(rows
            .into_iter()
            .zip(statements)
            .map(|((subscription, customer), statement)| {
                let version = &self.in_effect[&subscription.plan_key];
                Evaluated {
                    plan_version: version.version,
                    spec: Arc::clone(&version.spec),
                    subscription,
                    customer,
                    statement,
                }
            })
            .collect())
    }
}
