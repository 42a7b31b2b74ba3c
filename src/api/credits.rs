//! `/v1/credits`: the ledger. Viewers read; support approves, voids and adds manual credits;
//! support and billing mark credits applied (SPEC §6, §7).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::extract::{JsonBody, Query, optional};
use super::pagination::Listing;
use super::write::{Changed, Write, commit, read};
use super::{ApiError, AppState};
use crate::db::audit::{self, Filter as AuditFilter};
use crate::db::credits::{self, Credit};
use crate::db::{DbConnection, customers};
use crate::domain::MoneyInput;
use crate::domain::credit::{CreditKind, CreditStatus};
use crate::domain::parse_period;
use crate::domain::{Currency, Money, format_instant, parse_decimal};
use crate::ledger::credits::{self as ledger, ManualAmount, ManualCredit};

#[derive(Serialize)]
pub struct CreditView {
    id: i64,
    kind: CreditKind,
    status: CreditStatus,
    customer: String,
    subscription_id: i64,
    period: String,
    run_id: Option<i64>,
    amount: Money,
    plan: String,
    plan_version: i32,
    sla_target_percent: String,
    uptime_percent: Option<String>,
    eligible_seconds: Option<i64>,
    downtime_seconds: Option<String>,
    credit_percent: Option<String>,
    reason: Option<String>,
    supersedes: Option<i64>,
    adjusts: Option<i64>,
    billing_reference: Option<String>,
    created_at: String,
    created_by: String,
    approved_at: Option<String>,
    approved_by: Option<String>,
    applied_at: Option<String>,
    applied_by: Option<String>,
    voided_at: Option<String>,
    voided_by: Option<String>,
    void_reason: Option<String>,
}

pub fn view(c: Credit, customer: String) -> CreditView {
    CreditView {
        amount: Money::from_minor(c.amount_minor, c.currency),
        id: c.id,
        kind: c.kind,
        status: c.status,
        customer,
        subscription_id: c.subscription_id,
        period: c.period,
        run_id: c.run_id,
        plan: c.plan_key,
        plan_version: c.plan_version,
        sla_target_percent: c.sla_target_percent,
        uptime_percent: c.uptime_percent,
        eligible_seconds: c.eligible_seconds,
        downtime_seconds: c.downtime_seconds,
        credit_percent: c.credit_percent,
        reason: c.reason,
        supersedes: c.supersedes,
        adjusts: c.adjusts,
        billing_reference: c.billing_reference,
        created_at: format_instant(c.created_at),
        created_by: c.created_by,
        approved_at: c.approved_at.map(format_instant),
        approved_by: c.approved_by,
        applied_at: c.applied_at.map(format_instant),
        applied_by: c.applied_by,
        voided_at: c.voided_at.map(format_instant),
        voided_by: c.voided_by,
        void_reason: c.void_reason,
    }
}

pub(super) fn load(conn: &mut DbConnection, id: i64) -> Result<(Credit, CreditView), ApiError> {
    let credit = ledger::credit(conn, id)?;
    let customer = customers::customer_by_id(conn, credit.customer_id)?.external_id;
    Ok((credit.clone(), view(credit, customer)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    period: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    customer: Option<String>,
    run: Option<i64>,
}

pub async fn list(list: Listing<ListQuery>) -> Result<HttpResponse, ApiError> {
    let after = list.after_id()?;
    let q = &list.filters;
    let filter = credits::Filter {
        period: optional(q.period.as_deref(), |p| parse_period("period", p))?,
        status: optional(q.status.as_deref(), |s| CreditStatus::parse("status", s))?,
        kind: optional(q.kind.as_deref(), |k| CreditKind::parse("kind", k))?,
        customer: q.customer.clone(),
        run_id: q.run,
    };
    let load = move |conn: &mut DbConnection, limit| {
        let rows = credits::list(conn, &filter, after, limit)?;
        Ok(rows
            .into_iter()
            .map(|(c, customer)| view(c, customer))
            .collect())
    };
    list.answer(load, |c: &CreditView| c.id.to_string()).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    period: Option<String>,
}

/// How many credits there are in each status, and what they add up to per currency: of one
/// period, or of every period.
pub async fn summary(
    state: web::Data<AppState>,
    q: Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let period = optional(q.period.as_deref(), |p| parse_period("period", p))?;
    let body = read(&state, move |conn| {
        let only = period.map(|p| p.to_string());
        let items: Vec<Value> = credits::totals_by_status(conn, only.as_deref())?
            .into_iter()
            .map(|t| {
                let currency =
                    Currency::parse("currency", &t.currency).map_err(ApiError::internal)?;
                let amount = Money::from_minor(t.amount_minor, currency);
                Ok(json!({ "status": t.status, "credits": t.count, "amount": amount }))
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(json!({ "period": only, "items": items }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// One credit with its history: every audit entry about it. A credit a run wrote has no entry of
/// its own: the run's entry stands for its creation.
pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = read(&state, move |conn| {
        let (stored, credit) = load(conn, id)?;
        let entries = |conn: &mut DbConnection, entity: &str, id: i64| {
            let filter = AuditFilter { entity: Some(entity.into()), entity_id: Some(id.to_string()), ..AuditFilter::default() };
            audit::list(conn, &filter, 0, 1000)
        };
        let mut history: Vec<Value> = Vec::new();
        if let Some(run) = stored.run_id {
            let created = entries(conn, "credit_run", run)?.into_iter().filter(|e| e.action == "credit_run.create");
            history.extend(created.map(|e| json!({ "at": format_instant(e.at), "actor": e.actor, "role": e.role, "action": "credit.create", "run_id": run })));
        }
        history.extend(
            entries(conn, "credit", id)?
                .into_iter()
                .map(|e| json!({ "at": format_instant(e.at), "actor": e.actor, "role": e.role, "action": e.action })),
        );
        let mut body = serde_json::to_value(credit).map_err(ApiError::internal)?;
        body["history"] = Value::Array(history);
        Ok(body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualCreditBody {
    subscription_id: i64,
    period: String,
    reason: String,
    percent: Option<String>,
    amount: Option<MoneyInput>,
}

/// A manual credit (support): a percent of the subscription's period fee, or a fixed amount.
pub async fn create_manual(
    write: Write,
    body: JsonBody<ManualCreditBody>,
) -> Result<HttpResponse, ApiError> {
    let input = body.value;
    let period = parse_period("period", &input.period)?;
    let reason = required_text("reason", &input.reason)?;
    let percent = input
        .percent
        .as_deref()
        .map(|p| {
            parse_decimal(
                "percent",
                p,
                rust_decimal::Decimal::ZERO,
                rust_decimal::Decimal::ONE_HUNDRED,
                4,
            )
        })
        .transpose()?;
    let amount = match (input.amount, percent) {
        (Some(m), None) => ManualAmount::Fixed(Money::parse("amount", &m.amount, &m.currency)?),
        (None, Some(p)) => ManualAmount::Percent(p),
        _ => {
            return Err(ApiError::invalid(
                "percent",
                "give either percent or amount",
            ));
        }
    };
    let manual = ManualCredit {
        subscription_id: input.subscription_id,
        period,
        reason,
        amount,
    };
    commit(write, body.fingerprint, move |conn, ctx| {
        let id = ledger::add_manual(conn, &manual, &ctx.caller.subject, ctx.now)?;
        let (_, after) = load(conn, id)?;
        let after = serde_json::to_value(after).map_err(ApiError::internal)?;
        Ok(Changed::created("credit.create", id, after))
    })
    .await
}

pub(super) fn required_text(field: &str, text: &str) -> Result<String, ApiError> {
    if text.trim().is_empty() || text.chars().count() > 500 {
        return Err(ApiError::invalid(
            field,
            "must be 1 to 500 characters, not only spaces",
        ));
    }
    Ok(text.to_owned())
}
