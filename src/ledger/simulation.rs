//! What a change would do before it is made (SPEC §9.3): every statement of a period with draft
//! windows and plan versions, beside what the ledger holds now. Writes nothing.

use std::collections::HashMap;

use super::evaluate::{Draft, EvaluateError, PeriodInputs, Plans, Scope, widest};
use crate::db::credits::{self, Held};
use crate::db::{DbConnection, customers};
use crate::domain::Currency;
use crate::domain::credit::{CreditKind, CreditStatus};
use crate::engine::Period;

/// Subscriptions read and evaluated at once.
const PAGE: i64 = 10_000;

/// One subscription: what the ledger holds for it now and what the drafts would make it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simulated {
    pub subscription_id: i64,
    pub customer: String,
    pub plan: String,
    pub currency: Currency,
    /// The subscription's counting `sla` credit and its adjustments (pending, approved or
    /// applied), 0 when none: what the ledger owes it for the period now.
    pub current_minor: i64,
    /// What its statement issues with the drafts (0 when a reason withholds it, or when it is no
    /// longer active in the period).
    pub simulated_minor: i64,
}

/// SPEC §9.3 for `period` at `now` (the as-of instant, as a statement): every subscription
/// whose current or simulated amount is not zero, by subscription id.
pub fn simulate(
    conn: &mut DbConnection,
    period: Period,
    now: i64,
    draft: &Draft,
) -> Result<Vec<Simulated>, EvaluateError> {
    let as_of = now.min(widest(period).1);
    let inputs = PeriodInputs::load_draft(conn, period, as_of, Plans::All, draft)?;
    let mut current: HashMap<i64, (i64, Held)> = HashMap::new();
    for held in credits::live_or_voided_between(conn, period, i64::MIN, i64::MAX)? {
        let counts = held.status != CreditStatus::Void && held.kind != CreditKind::Manual;
        if counts {
            let entry = current
                .entry(held.subscription_id)
                .or_insert((0, held.clone()));
            entry.0 = entry.0.saturating_add(held.amount_minor);
        }
    }
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (page, last) = inputs.evaluate(conn, Scope::IdPage { after, limit: PAGE })?;
        for e in page {
            let id = e.subscription.id;
            let current_minor = current.remove(&id).map_or(0, |(sum, _)| sum);
            let simulated_minor = e.statement.issued_minor();
            if current_minor != 0 || simulated_minor != 0 {
                out.push(Simulated {
                    subscription_id: id,
                    customer: e.customer.external_id,
                    plan: e.subscription.plan_key,
                    currency: e.spec.price.currency,
                    current_minor,
                    simulated_minor,
                });
            }
        }
        match last {
            Some(last) => after = last.id,
            None => break,
        }
    }
    // Credited, but no longer active in the period (its dates were corrected): owed nothing.
    for (id, (sum, held)) in current {
        if sum != 0 {
            out.push(Simulated {
                subscription_id: id,
                customer: customers::customer_by_id(conn, held.customer_id)?.external_id,
                plan: held.plan_key,
                currency: held.currency,
                current_minor: sum,
                simulated_minor: 0,
            });
        }
    }
    out.sort_by_key(|s| s.subscription_id);
    Ok(out)
}
