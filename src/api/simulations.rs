//! `POST /v1/simulations`: what a correction or a plan change would do to a period's credits
//! before it is made (SPEC §9.3). Writes nothing.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::exposure::{Keyed, Resume, sums, units};
use super::extract::JsonBody;
use super::pagination::{Listing, NoFilters};
use super::windows::{WindowChange, check_catalog, check_open};
use super::write::read;
use super::{ApiError, AppState};
use crate::db::{DbConnection, catalog, customers, incidents};
use crate::domain::incident::{ImpactWindow, WindowInput};
use crate::domain::plan::{VersionInput, same_currency};
use crate::domain::{Currency, Money, format_instant, parse_period};
use crate::engine::{self, Period};
use crate::ledger::evaluate::Draft;
use crate::ledger::simulation::{Simulated, simulate};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationBody {
    period: String,
    #[serde(default)]
    add_windows: Vec<WindowInput>,
    #[serde(default)]
    remove_window_ids: Vec<i64>,
    #[serde(default)]
    change_windows: Vec<WindowChange>,
    /// Plan key → a draft version, as `POST /v1/plans/{key}/versions` takes it.
    #[serde(default)]
    plan_versions: BTreeMap<String, VersionInput>,
}

#[derive(Serialize)]
struct Line {
    subscription_id: i64,
    customer: String,
    plan: String,
    current: Money,
    simulated: Money,
    difference: Money,
}

#[derive(Serialize)]
struct Total {
    currency: Currency,
    subscriptions: usize,
    current: String,
    simulated: String,
    difference: String,
}

#[derive(Serialize)]
struct Answer {
    period: Period,
    as_of: String,
    totals: Vec<Total>,
}

/// A draft window as the engine takes it: scoped customers by their internal ids.
fn engine_window(
    conn: &mut DbConnection,
    id: i64,
    w: ImpactWindow,
) -> Result<engine::Window, ApiError> {
    let mut customer_ids = Vec::with_capacity(w.customers.len());
    for external_id in &w.customers {
        if let Some(c) = customers::find_customer(conn, external_id)? {
            customer_ids.push(c.id);
        }
    }
    Ok(engine::Window {
        id,
        component: w.component,
        severity: w.severity,
        start: w.start,
        end: w.end,
        regions: w.regions,
        customers: customer_ids,
    })
}

/// The body's changes, checked as the requests making them would be (windows at `now`).
fn draft(
    conn: &mut DbConnection,
    body: SimulationBody,
    period: Period,
    now: i64,
) -> Result<Draft, ApiError> {
    let mut draft = Draft::default();
    // Draft windows have no id yet: -1, -2, … (stored ids are positive).
    let mut next_id = -1;
    for (i, input) in body.add_windows.iter().enumerate() {
        let prefix = format!("add_windows[{i}].");
        let w = input.check(&prefix, now)?;
        check_catalog(conn, &w, &prefix)?;
        draft.add.push(engine_window(conn, next_id, w)?);
        next_id -= 1;
    }
    let named: Vec<i64> = body
        .remove_window_ids
        .iter()
        .chain(body.change_windows.iter().map(|c| &c.id))
        .copied()
        .collect();
    let stored: HashMap<i64, (i64, ImpactWindow)> = incidents::windows_by_ids(conn, &named)?
        .into_iter()
        .map(|w| (w.id, (w.incident_id, w.window)))
        .collect();
    for (i, id) in body.remove_window_ids.iter().enumerate() {
        let field = format!("remove_window_ids[{i}]");
        if !stored.contains_key(id) {
            return Err(ApiError::invalid(field, format!("no window {id}")));
        }
        if !draft.remove.insert(*id) {
            return Err(ApiError::invalid(
                field,
                format!("window {id} is listed twice"),
            ));
        }
    }
    let mut changed = HashSet::new();
    for (i, change) in body.change_windows.iter().enumerate() {
        let prefix = format!("change_windows[{i}].");
        let Some((incident, current)) = stored.get(&change.id) else {
            return Err(ApiError::invalid(
                format!("{prefix}id"),
                format!("no window {}", change.id),
            ));
        };
        if draft.remove.contains(&change.id) || !changed.insert(change.id) {
            return Err(ApiError::invalid(
                format!("{prefix}id"),
                format!("window {} is already removed or changed", change.id),
            ));
        }
        let w = change.patch().apply(current, &prefix, now)?;
        let status = incidents::find_incident(conn, *incident)?
            .map(|i| i.status)
            .ok_or_else(|| ApiError::NotFound(format!("no incident {incident}")))?;
        check_open(status, &w, &format!("{prefix}end"))?;
        check_catalog(conn, &w, &prefix)?;
        draft.add.push(engine_window(conn, change.id, w)?);
    }
    draft.remove.extend(changed);
    for (plan, input) in body.plan_versions {
        let prefix = format!("plan_versions.{plan}.");
        let latest = catalog::versions_of(conn, std::slice::from_ref(&plan))?
            .pop()
            .ok_or_else(|| {
                ApiError::invalid(format!("plan_versions.{plan}"), format!("no plan `{plan}`"))
            })?;
        let spec = input.validate(&prefix)?;
        if spec.effective_from > period {
            return Err(ApiError::invalid(
                format!("{prefix}effective_from"),
                format!("must be {period} or earlier: a later version is not in effect then"),
            ));
        }
        // Fee overrides and ledger lines are in the plan's currency; it does not change.
        same_currency(
            &format!("{prefix}price"),
            spec.price,
            latest.version.currency,
        )?;
        let unknown = catalog::unknown_components(conn, &spec.components)?;
        if let Some(first) = unknown.first() {
            return Err(ApiError::invalid(
                format!("{prefix}components"),
                format!("no component `{first}`"),
            ));
        }
        draft.plan_versions.insert(plan, Arc::new(spec));
    }
    Ok(draft)
}

/// What the simulation of `body` answers at `now`, every line by subscription id.
pub fn run(
    conn: &mut DbConnection,
    body: SimulationBody,
    now: i64,
) -> Result<(Period, Vec<Simulated>), ApiError> {
    let period = parse_period("period", &body.period)?;
    let draft = draft(conn, body, period, now)?;
    Ok((period, simulate(conn, period, now, &draft)?))
}

/// `POST /v1/simulations[?limit=…&after=…]`: per subscription the current amount, the simulated
/// one and the difference, largest difference first; totals per currency over all of them.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    list: Listing<NoFilters>,
    body: JsonBody<SimulationBody>,
) -> Result<HttpResponse, ApiError> {
    let resume = Resume::of(&list, &req)?;
    let now = resume.now;
    let body = body.value;
    let (period, lines) = read(&state, move |conn| run(conn, body, now)).await?;
    let by = sums(
        lines
            .iter()
            .map(|s| (s.currency, s.current_minor, s.simulated_minor)),
    );
    let amount = |minor: i64, currency| Money::from_minor(minor, currency).amount();
    let answer = Answer {
        period,
        as_of: format_instant(now.min(crate::ledger::evaluate::widest(period).1)),
        totals: by
            .into_iter()
            .map(|(currency, subscriptions, current, simulated)| Total {
                currency,
                subscriptions,
                current: amount(current, currency),
                simulated: amount(simulated, currency),
                difference: amount(simulated - current, currency),
            })
            .collect(),
    };
    let key = |s: &Simulated| {
        let difference = s.simulated_minor - s.current_minor;
        (
            Reverse(units(difference.abs(), s.currency)),
            Decimal::ZERO,
            period,
            s.subscription_id,
        )
    };
    let items = resume
        .page(lines, key)
        .into_iter()
        .map(|s| {
            let money = |minor| Money::from_minor(minor, s.currency);
            Keyed {
                key: key(&s),
                view: Line {
                    subscription_id: s.subscription_id,
                    current: money(s.current_minor),
                    simulated: money(s.simulated_minor),
                    difference: money(s.simulated_minor - s.current_minor),
                    customer: s.customer,
                    plan: s.plan,
                },
            }
        })
        .collect();
    Ok(list.answer_with(items, |i: &Keyed<_>| resume.cursor(&i.key), answer))
}
