//! What is owed so far while a month still burns (SPEC §9.1–9.2): `GET /v1/exposure` and
//! `GET /v1/incidents/{id}/exposure`.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::extract::optional;
use super::pagination::Listing;
use super::write::{read, request_time};
use super::{ApiError, AppState};
use crate::db::{DbConnection, customers, incidents};
use crate::domain::{Currency, Money, format_instant, parse_period};
use crate::engine::{Headroom, NoCredit, Period, minutes_display};
use crate::ledger::evaluate::Plans;
use crate::ledger::exposure::{self, Exposure, Filter};

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ExposureQuery {
    pub period: Option<String>,
    pub component: Option<String>,
    pub incident: Option<i64>,
    pub plan: Option<String>,
    /// A customer's external id.
    pub customer: Option<String>,
}

#[derive(Serialize)]
struct HeadroomView {
    below_percent: String,
    seconds: String,
    minutes: String,
}

impl From<&Headroom> for HeadroomView {
    fn from(h: &Headroom) -> HeadroomView {
        HeadroomView {
            below_percent: h.below_percent.to_string(),
            seconds: h.seconds.to_string(),
            minutes: minutes_display(h.seconds).to_string(),
        }
    }
}

#[derive(Serialize)]
struct NextTierView {
    credit_percent: String,
    #[serde(flatten)]
    headroom: HeadroomView,
}

#[derive(Serialize)]
struct ExposureView {
    subscription_id: i64,
    customer: String,
    plan: String,
    plan_version: i32,
    period: Period,
    owed: Money,
    reason: Option<NoCredit>,
    uptime_percent: String,
    downtime_minutes: String,
    eligible_minutes: String,
    budget_headroom: HeadroomView,
    next_tier: Option<NextTierView>,
}

fn view(e: &Exposure) -> ExposureView {
    ExposureView {
        subscription_id: e.subscription_id,
        customer: e.customer.clone(),
        plan: e.plan.clone(),
        plan_version: e.plan_version,
        period: e.period,
        owed: Money::from_minor(e.owed_minor, e.currency),
        reason: e.reason,
        uptime_percent: e.uptime_percent.to_string(),
        downtime_minutes: minutes_display(e.downtime_seconds).to_string(),
        eligible_minutes: minutes_display(e.eligible_seconds.into()).to_string(),
        budget_headroom: (&e.headrooms.budget).into(),
        next_tier: e.headrooms.next_tier.as_ref().map(|n| NextTierView {
            credit_percent: n.credit_percent.to_string(),
            headroom: (&n.headroom).into(),
        }),
    }
}

/// An amount in currency units, to order amounts of different currencies by their number.
pub(super) fn units(minor: i64, currency: Currency) -> Decimal {
    Decimal::new(minor, currency.exponent())
}

/// The order of a list computed in memory, largest first.
pub(super) type Key = (Reverse<Decimal>, Decimal, Period, i64);

/// Where such a list resumes: after the last key of the page before, computed as of the same
/// instant as that page (open windows keep counting; pages computed at different instants would
/// skip or repeat rows). Its cursor is `amount~headroom~period~id~instant`.
pub(super) struct Resume {
    after: Option<Key>,
    limit: i64,
    /// The instant to compute at: the first page's request time.
    pub now: i64,
}

impl Resume {
    pub fn of(list: &Listing<impl Sized>, req: &HttpRequest) -> Result<Resume, ApiError> {
        let (limit, after) = list.page();
        let Some(after) = after else {
            return Ok(Resume {
                after: None,
                limit,
                now: request_time(req),
            });
        };
        let invalid = || ApiError::invalid("after", "is not a cursor this list gave out");
        let parts: Vec<&str> = after.split('~').collect();
        let [amount, headroom, period, id, now] = parts[..] else {
            return Err(invalid());
        };
        let now: i64 = now.parse().map_err(|_| invalid())?;
        if now > request_time(req) {
            return Err(invalid());
        }
        Ok(Resume {
            after: Some((
                Reverse(amount.parse().map_err(|_| invalid())?),
                headroom.parse().map_err(|_| invalid())?,
                Period::parse(period).map_err(|_| invalid())?,
                id.parse().map_err(|_| invalid())?,
            )),
            limit,
            now,
        })
    }

    /// Sorts `rows` by `key` and keeps those after the cursor, `limit + 1` of them.
    pub fn page<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> Key) -> Vec<T> {
        rows.sort_by_cached_key(&key);
        rows.into_iter()
            .filter(|r| self.after.as_ref().is_none_or(|a| key(r) > *a))
            .take(self.limit as usize + 1)
            .collect()
    }

    pub fn cursor(&self, (Reverse(amount), headroom, period, id): &Key) -> String {
        format!("{amount}~{headroom}~{period}~{id}~{}", self.now)
    }
}

/// Two amounts per subscription summed per currency, by code: how many, the first, the second.
pub(super) fn sums(
    rows: impl Iterator<Item = (Currency, i64, i64)>,
) -> Vec<(Currency, usize, i64, i64)> {
    let mut by: BTreeMap<&'static str, (Currency, usize, i64, i64)> = BTreeMap::new();
    for (currency, first, second) in rows {
        let t = by.entry(currency.code()).or_insert((currency, 0, 0, 0));
        t.1 += 1;
        t.2 = t.2.saturating_add(first);
        t.3 = t.3.saturating_add(second);
    }
    by.into_values().collect()
}

#[derive(Serialize)]
struct Total {
    currency: Currency,
    subscriptions: usize,
    owed: String,
}

fn totals(rows: impl Iterator<Item = (Currency, i64)>) -> Vec<Total> {
    sums(rows.map(|(currency, minor)| (currency, minor, 0)))
        .into_iter()
        .map(|(currency, subscriptions, minor, _)| Total {
            currency,
            subscriptions,
            owed: Money::from_minor(minor, currency).amount(),
        })
        .collect()
}

/// A period and the plans to evaluate in it (none: every plan).
type PeriodPlans = (Period, Option<Vec<String>>);

/// The periods asked for: `period`, or each plan's current month.
fn periods(
    conn: &mut DbConnection,
    period: Option<Period>,
    now: i64,
) -> Result<Vec<PeriodPlans>, ApiError> {
    Ok(match period {
        Some(period) => vec![(period, None)],
        None => exposure::current_periods(conn, now)?
            .into_iter()
            .map(|(period, plans)| (period, Some(plans)))
            .collect(),
    })
}

fn filter(conn: &mut DbConnection, q: &ExposureQuery) -> Result<Option<Filter>, ApiError> {
    let customer = match &q.customer {
        None => None,
        Some(external_id) => match customers::find_customer(conn, external_id)? {
            Some(c) => Some(c.id),
            None => return Ok(None), // Nobody to list.
        },
    };
    Ok(Some(Filter {
        plan: q.plan.clone(),
        customer,
        component: q.component.clone(),
        incident: q.incident,
    }))
}

/// Every period's exposure for `filter`, compared with the same `without` an incident's windows
/// if asked.
fn all(
    conn: &mut DbConnection,
    periods: &[PeriodPlans],
    now: i64,
    filter: &Filter,
    without: Option<i64>,
) -> Result<Vec<Exposure>, ApiError> {
    let mut out = Vec::new();
    for (period, plans) in periods {
        let plans = plans.as_deref().map_or(Plans::All, Plans::Only);
        out.extend(exposure::exposure(
            conn, *period, plans, now, filter, without,
        )?);
    }
    Ok(out)
}

/// A row of a list and where it sorts.
#[derive(Serialize)]
pub(super) struct Keyed<V> {
    #[serde(skip)]
    pub key: Key,
    #[serde(flatten)]
    pub view: V,
}

#[derive(Serialize)]
struct Answer<T> {
    as_of: String,
    periods: Vec<Period>,
    totals: Vec<T>,
}

/// Every listed subscription's exposure, unordered, and the totals.
fn compute(
    conn: &mut DbConnection,
    q: &ExposureQuery,
    now: i64,
) -> Result<(Vec<Exposure>, Answer<Total>), ApiError> {
    let period = optional(q.period.as_deref(), |p| parse_period("period", p))?;
    let periods = periods(conn, period, now)?;
    let rows = match filter(conn, q)? {
        Some(filter) => all(conn, &periods, now, &filter, None)?,
        None => Vec::new(),
    };
    let answer = Answer {
        as_of: format_instant(now),
        periods: periods.iter().map(|(p, _)| *p).collect(),
        totals: totals(rows.iter().map(|e| (e.currency, e.owed_minor))),
    };
    Ok((rows, answer))
}

/// The answer of `GET /v1/exposure` with every listed subscription on one page, largest first
/// (`sla-ledger exposure`).
pub fn everything(
    conn: &mut DbConnection,
    q: &ExposureQuery,
    now: i64,
) -> Result<serde_json::Value, ApiError> {
    let (mut rows, answer) = compute(conn, q, now)?;
    rows.sort_by_cached_key(key);
    let mut body = serde_json::to_value(answer).map_err(ApiError::internal)?;
    body["items"] = serde_json::to_value(rows.iter().map(view).collect::<Vec<_>>())
        .map_err(ApiError::internal)?;
    Ok(body)
}

/// Largest amount first, then least budget headroom.
fn key(e: &Exposure) -> Key {
    (
        Reverse(units(e.owed_minor, e.currency)),
        e.headrooms.budget.seconds,
        e.period,
        e.subscription_id,
    )
}

/// `GET /v1/exposure`: subscriptions with impacted time in the period (default: each plan's
/// current month), what each is owed so far, largest first, with its headroom.
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    list: Listing<ExposureQuery>,
) -> Result<HttpResponse, ApiError> {
    let resume = Resume::of(&list, &req)?;
    let now = resume.now;
    let q = list.filters.clone();
    let (rows, answer) = read(&state, move |conn| compute(conn, &q, now)).await?;
    let items = resume
        .page(rows, key)
        .iter()
        .map(|e| Keyed {
            key: key(e),
            view: view(e),
        })
        .collect();
    Ok(list.answer_with(items, |i: &Keyed<_>| resume.cursor(&i.key), answer))
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct IncidentExposureQuery {
    period: Option<String>,
}

#[derive(Serialize)]
struct CostView {
    subscription_id: i64,
    customer: String,
    plan: String,
    period: Period,
    /// Owed so far with the incident's windows, and without them.
    owed: Money,
    owed_without: Money,
    /// What the incident adds.
    difference: Money,
}

#[derive(Serialize)]
struct CostTotal {
    currency: Currency,
    subscriptions: usize,
    owed: String,
    owed_without: String,
    difference: String,
}

/// `GET /v1/incidents/{id}/exposure`: what one incident has cost so far, per subscription it
/// counts for: the exposure with and without its windows, largest difference first.
pub async fn incident(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
    list: Listing<IncidentExposureQuery>,
) -> Result<HttpResponse, ApiError> {
    let resume = Resume::of(&list, &req)?;
    let now = resume.now;
    let id = id.into_inner();
    let period = optional(list.filters.period.as_deref(), |p| {
        parse_period("period", p)
    })?;
    let (rows, answer) = read(&state, move |conn| {
        if incidents::find_incident(conn, id)?.is_none() {
            return Err(ApiError::NotFound(format!("no incident {id}")));
        }
        let periods = periods(conn, period, now)?;
        let with = Filter {
            incident: Some(id),
            ..Filter::default()
        };
        let rows: Vec<(Exposure, i64)> = all(conn, &periods, now, &with, Some(id))?
            .into_iter()
            .map(|e| {
                let without = e.owed_without_minor.unwrap_or(0);
                (e, without)
            })
            .collect();
        let by = sums(
            rows.iter()
                .map(|(e, without)| (e.currency, e.owed_minor, *without)),
        );
        let money = |minor: i64, currency| Money::from_minor(minor, currency).amount();
        let answer = Answer {
            as_of: format_instant(now),
            periods: periods.iter().map(|(p, _)| *p).collect(),
            totals: by
                .into_iter()
                .map(|(currency, subscriptions, with, without)| CostTotal {
                    currency,
                    subscriptions,
                    owed: money(with, currency),
                    owed_without: money(without, currency),
                    difference: money(with - without, currency),
                })
                .collect(),
        };
        Ok((rows, answer))
    })
    .await?;
    let key = |(e, without): &(Exposure, i64)| {
        (
            Reverse(units(e.owed_minor - without, e.currency)),
            e.headrooms.budget.seconds,
            e.period,
            e.subscription_id,
        )
    };
    let items = resume
        .page(rows, key)
        .iter()
        .map(|row| {
            let (e, without) = row;
            let money = |minor| Money::from_minor(minor, e.currency);
            Keyed {
                key: key(row),
                view: CostView {
                    subscription_id: e.subscription_id,
                    customer: e.customer.clone(),
                    plan: e.plan.clone(),
                    period: e.period,
                    owed: money(e.owed_minor),
                    owed_without: money(*without),
                    difference: money(e.owed_minor - without),
                },
            }
        })
        .collect();
    Ok(list.answer_with(items, |i: &Keyed<_>| resume.cursor(&i.key), answer))
}
