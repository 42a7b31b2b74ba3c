//! Subscriptions: a customer on a plan from `start` to an optional `end`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::customers::existing as existing_customer;
use super::extract::{JsonBody, optional, patched};
use super::pagination::{Listing, NoFilters};
use super::write::{Changed, Write, commit, read};
use super::{ApiError, AppState};
use crate::db::DbConnection;
use crate::db::audit::snapshot;
use crate::db::catalog;
use crate::db::customers::{self as store, Subscription, SubscriptionFields};
use crate::domain::MoneyInput;
use crate::domain::plan::same_currency;
use crate::domain::{Money, format_instant, parse_instant};

#[derive(Serialize)]
pub struct SubscriptionView {
    id: i64,
    customer: String,
    plan: String,
    start: String,
    end: Option<String>,
    fee_override: Option<Money>,
    created_at: String,
    updated_at: String,
}

fn view(conn: &mut DbConnection, s: Subscription) -> Result<SubscriptionView, ApiError> {
    let customer = store::customer_by_id(conn, s.customer_id)?;
    let fee_override = match (s.fee_override_minor, s.fee_override_currency) {
        (Some(minor), Some(currency)) => Some(Money::from_minor(minor, currency)),
        _ => None,
    };
    Ok(SubscriptionView {
        id: s.id,
        customer: customer.external_id,
        plan: s.plan_key,
        start: format_instant(s.start_at),
        end: s.end_at.map(format_instant),
        fee_override,
        created_at: format_instant(s.created_at),
        updated_at: format_instant(s.updated_at),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    plan: String,
    start: String,
    end: Option<String>,
    fee_override: Option<MoneyInput>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionPatch {
    #[serde(default, deserialize_with = "super::extract::present")]
    start: Option<String>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    end: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::extract::nullable")]
    fee_override: Option<Option<MoneyInput>>,
}

pub async fn list_for_customer(
    external_id: web::Path<String>,
    list: Listing<NoFilters>,
) -> Result<HttpResponse, ApiError> {
    let after = list.after_id()?;
    let external_id = external_id.into_inner();
    let load = move |conn: &mut DbConnection, limit| {
        let customer = existing_customer(conn, &external_id)?;
        store::subscriptions_of(conn, customer.id, after, limit)?
            .into_iter()
            .map(|s| view(conn, s))
            .collect()
    };
    list.answer(load, |s: &SubscriptionView| s.id.to_string())
        .await
}

pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let subscription = read(&state, move |conn| {
        let s = existing(conn, id)?;
        view(conn, s)
    })
    .await?;
    Ok(HttpResponse::Ok().json(subscription))
}

pub async fn create(
    write: Write,
    external_id: web::Path<String>,
    body: JsonBody<NewSubscription>,
) -> Result<HttpResponse, ApiError> {
    let external_id = external_id.into_inner();
    let new = body.value;
    let start = parse_instant("start", &new.start)?;
    let end = optional(new.end.as_deref(), |e| parse_instant("end", e))?;
    check_span(start, end)?;
    let fee = new
        .fee_override
        .map(|m| Money::parse("fee_override", &m.amount, &m.currency))
        .transpose()?;
    let plan = new.plan;
    commit(write, body.fingerprint, move |conn, ctx| {
        let customer = existing_customer(conn, &external_id)?;
        check_fee(conn, &plan, fee)?;
        let at = ctx.now;
        let id = store::insert_subscription(
            conn,
            &SubscriptionFields {
                customer_id: customer.id,
                plan_key: &plan,
                start_at: start,
                end_at: end,
                fee_override_minor: fee.map(|m| m.minor),
                fee_override_currency: fee.map(|m| m.currency),
                created_at: at,
                updated_at: at,
            },
        )?;
        let saved = existing(conn, id)?;
        let after = snapshot(&view(conn, saved)?);
        Ok(Changed::created("subscription.create", id, after))
    })
    .await
}

pub async fn update(
    write: Write,
    id: web::Path<i64>,
    body: JsonBody<SubscriptionPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.value;
    let start = optional(patch.start.as_deref(), |s| parse_instant("start", s))?;
    let end = patched(patch.end, |v| parse_instant("end", v))?;
    let fee = patch
        .fee_override
        .map(|f| {
            f.map(|m| Money::parse("fee_override", &m.amount, &m.currency))
                .transpose()
        })
        .transpose()?;
    commit(write, body.fingerprint, move |conn, ctx| {
        let before = existing(conn, id)?;
        let start = start.unwrap_or(before.start_at);
        let end = end.unwrap_or(before.end_at);
        check_span(start, end)?;
        let (fee_minor, fee_currency) = match fee {
            Some(fee) => {
                check_fee(conn, &before.plan_key, fee)?;
                (fee.map(|m| m.minor), fee.map(|m| m.currency))
            }
            None => (before.fee_override_minor, before.fee_override_currency),
        };
        store::update_subscription(
            conn,
            id,
            &SubscriptionFields {
                customer_id: before.customer_id,
                plan_key: &before.plan_key,
                start_at: start,
                end_at: end,
                fee_override_minor: fee_minor,
                fee_override_currency: fee_currency,
                created_at: before.created_at,
                updated_at: ctx.now,
            },
        )?;
        let before = snapshot(&view(conn, before)?);
        let saved = existing(conn, id)?;
        let after = snapshot(&view(conn, saved)?);
        Ok(Changed::updated("subscription.update", id, before, after))
    })
    .await
}

fn existing(conn: &mut DbConnection, id: i64) -> Result<Subscription, ApiError> {
    store::find_subscription(conn, id)?
        .ok_or_else(|| ApiError::NotFound(format!("no subscription {id}")))
}

fn check_span(start: i64, end: Option<i64>) -> Result<(), ApiError> {
    match end {
        Some(end) if end <= start => Err(ApiError::invalid("end", "must be after start")),
        _ => Ok(()),
    }
}

/// The plan must exist, and an override is in the currency of the plan's latest version.
fn check_fee(conn: &mut DbConnection, plan: &str, fee: Option<Money>) -> Result<(), ApiError> {
    let versions = catalog::versions_of(conn, &[plan.to_owned()])?;
    let latest = versions
        .last()
        .ok_or_else(|| ApiError::invalid("plan", format!("no plan `{plan}`")))?;
    if let Some(fee) = fee {
        same_currency("fee_override", fee, latest.version.currency)?;
    }
    Ok(())
}
