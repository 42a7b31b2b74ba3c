//! A statement with the steps that led to it (SPEC §9.4): the engine's explanation of a
//! subscription's statement, computed from the same stored windows.

use std::collections::HashMap;

use super::evaluate::{
    EvaluateError, Evaluated, PeriodInputs, Plans, Scope, covered, groups, subscriber, widest,
    windows_between,
};
use crate::db::DbConnection;
use crate::db::customers;
use crate::engine::{self, Explanation, Period};

pub struct Explained {
    pub explanation: Explanation,
    /// Window id → its incident's id, for every window the explanation lists.
    pub incident_of: HashMap<i64, i64>,
}

/// The explanation of `evaluated`'s statement at `as_of`.
pub fn explain(
    conn: &mut DbConnection,
    evaluated: &Evaluated,
    as_of: i64,
) -> Result<Explained, EvaluateError> {
    let terms = evaluated.spec.terms();
    let period = evaluated.statement.period;
    let groups = groups(conn)?;
    let span = period.span(terms.timezone);
    let components =
        (!terms.components.is_empty()).then(|| covered(std::slice::from_ref(&terms), &groups));
    let stored = windows_between(conn, components, span.start, span.end.min(as_of))?;
    let incident_of = stored.iter().map(|w| (w.id, w.incident_id)).collect();
    let windows: Vec<engine::Window> = stored.into_iter().map(engine::Window::from).collect();
    let explanation = engine::explain(
        period,
        as_of,
        &terms,
        &subscriber(&evaluated.subscription, &evaluated.customer),
        &windows,
        &groups,
    )
    .map_err(|e| EvaluateError::Engine(e.to_string()))?;
    Ok(Explained {
        explanation,
        incident_of,
    })
}

/// The statement of one subscription of a customer in `period` at `as_of`; none when it is not
/// active in the period.
pub fn subscription(
    conn: &mut DbConnection,
    customer_id: i64,
    subscription_id: i64,
    period: Period,
    as_of: i64,
) -> Result<Option<Evaluated>, EvaluateError> {
    let (from, to) = widest(period);
    let rows: Vec<_> =
        customers::active_subscriptions(conn, from, to, Scope::Customer(customer_id))?
            .into_iter()
            .filter(|(s, _)| s.id == subscription_id)
            .collect();
    let Some((first, _)) = rows.first() else {
        return Ok(None);
    };
    let plan = [first.plan_key.clone()];
    let inputs = PeriodInputs::load(conn, period, as_of.min(to), Plans::Only(&plan))?;
    Ok(inputs.evaluate_rows(rows)?.pop())
}
