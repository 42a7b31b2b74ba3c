//! Customers' statements without re-reading the month each time. Each plan's prepared month (its
//! plan version, the windows on its components, their timelines) is shared by the statements of
//! every customer on that plan, and never served stale: the database counts every change to what
//! statements are computed from (`db::revision`, bumped by triggers in the changing transaction),
//! a request reads the count first, and a prepared month is used only if it was read at that count
//! or later. So a change made through any instance shows in the next statement of every instance.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::Arc;

use lru::LruCache;
use parking_lot::Mutex;

use super::evaluate::{EvaluateError, Evaluated, PeriodInputs, Plans, Scope, widest};
use crate::db::customers::{self, Customer, Subscription};
use crate::db::{Db, revision};
use crate::engine::Period;

/// A plan, a period, and the as-of instant (the same for every instant after the period ends).
type Key = (String, Period, i64);

/// A prepared month and the change count it was read at.
type Prepared = Option<(i64, Arc<PeriodInputs>)>;

pub struct StatementCache {
    slots: Mutex<LruCache<Key, Arc<Mutex<Prepared>>>>,
}

impl StatementCache {
    /// Keeps at most `plans` prepared months (a plan in a period at an as-of instant each).
    pub fn new(plans: NonZeroUsize) -> StatementCache {
        StatementCache {
            slots: Mutex::new(LruCache::new(plans)),
        }
    }

    /// The statements of a customer's subscriptions active in `period`, by subscription id.
    pub fn customer(
        &self,
        db: &Db,
        customer_id: i64,
        period: Period,
        as_of: i64,
    ) -> Result<Vec<Evaluated>, EvaluateError> {
        let (seen, rows) = {
            let mut conn = db.conn()?;
            let seen = revision::current(&mut conn)?;
            let (from, to) = widest(period);
            let scope = Scope::Customer(customer_id);
            (
                seen,
                customers::active_subscriptions(&mut conn, from, to, scope)?,
            )
        };
        let mut by_plan: BTreeMap<String, Vec<(Subscription, Customer)>> = BTreeMap::new();
        for row in rows {
            by_plan.entry(row.0.plan_key.clone()).or_default().push(row);
        }
        // Open windows count up to `as_of`, and nothing counts after the period ends in every
        // zone: every later instant gives the same statements.
        let as_of = as_of.min(widest(period).1);
        let mut out = Vec::new();
        for (plan, rows) in by_plan {
            let inputs = self.prepared(db, seen, (plan, period, as_of))?;
            out.extend(inputs.evaluate_rows(rows)?);
        }
        out.sort_by_key(|e| e.subscription.id);
        Ok(out)
    }

    /// The plan's prepared month, read now if the one kept was read before `seen`. Requests for
    /// the same plan wait for one reader rather than all reading the month, and they wait
    /// holding no connection: a burst after a change does not empty the pool.
    fn prepared(&self, db: &Db, seen: i64, key: Key) -> Result<Arc<PeriodInputs>, EvaluateError> {
        let slot = Arc::clone(self.slots.lock().get_or_insert(key.clone(), Arc::default));
        let mut slot = slot.lock();
        if let Some((at, inputs)) = slot.as_ref()
            && *at >= seen
        {
            return Ok(Arc::clone(inputs));
        }
        let (plan, period, as_of) = key;
        let mut conn = db.conn()?;
        let inputs = Arc::new(PeriodInputs::load(
            &mut conn,
            period,
            as_of,
            Plans::Only(&[plan]),
        )?);
        *slot = Some((seen, Arc::clone(&inputs)));
        Ok(inputs)
    }
}
