//! Changes to credits outside a run (SPEC §6): support approves, voids and adds manual credits;
//! billing applies. Every change is all or nothing and yields the audit entries describing it.

use rust_decimal::Decimal;
use serde_json::json;

use super::LedgerError;
use super::evaluate::{PeriodInputs, Plans, Scope};
use super::lifecycle::Move;
use crate::db::DbConnection;
use crate::db::audit::AuditEntry;
use crate::db::credits::{self, Credit, NewCredit, Transition};
use crate::db::customers;
use crate::domain::Money;
use crate::domain::credit::{CreditKind, CreditStatus};
use crate::engine::{Period, percent_of_fee};

pub fn credit(conn: &mut DbConnection, id: i64) -> Result<Credit, LedgerError> {
    credits::find(conn, id)?.ok_or_else(|| LedgerError::NotFound(format!("no credit {id}")))
}

/// Moves every listed credit, or none; `detail` is a billing reference or a void reason.
pub fn move_credits(
    conn: &mut DbConnection,
    ids: &[i64],
    step: Move,
    detail: Option<String>,
    by: &str,
    at: i64,
) -> Result<Vec<AuditEntry>, LedgerError> {
    let change = transition(step, by, at, detail);
    let found = credits::by_ids(conn, ids)?;
    let known: std::collections::HashSet<i64> = found.iter().map(|c| c.id).collect();
    if let Some(missing) = ids.iter().find(|id| !known.contains(id)) {
        return Err(LedgerError::NotFound(format!("no credit {missing}")));
    }
    for c in &found {
        step.check(c.status)
            .map_err(|e| LedgerError::Conflict(format!("credit {}: {e}", c.id)))?;
    }
    if credits::transition(conn, ids, step.from(), &change)? != ids.len() {
        return Err(LedgerError::Conflict(
            "a credit changed meanwhile; try again".into(),
        ));
    }
    let after = json!({
        "status": step.target(),
        "billing_reference": change.billing_reference,
        "void_reason": change.void_reason,
    });
    Ok(found
        .iter()
        .map(|c| {
            let before = json!({ "status": c.status });
            AuditEntry::new(step.action(), c.id, Some(before), Some(after.clone()))
        })
        .collect())
}

/// The columns a move sets: who and when, and its detail.
fn transition(step: Move, by: &str, at: i64, detail: Option<String>) -> Transition {
    let by = Some(by.to_owned());
    let moved = Transition {
        status: Some(step.target()),
        ..Transition::default()
    };
    match step {
        Move::Approve => Transition {
            approved_at: Some(at),
            approved_by: by,
            ..moved
        },
        Move::Apply => Transition {
            applied_at: Some(at),
            applied_by: by,
            billing_reference: detail,
            ..moved
        },
        Move::Void => Transition {
            voided_at: Some(at),
            voided_by: by,
            void_reason: detail,
            ..moved
        },
        Move::Supersede => moved,
    }
}

/// Applies a credit with the billing system's reference. Applying again with the same reference
/// changes nothing (no audit entries); another reference is a conflict.
pub fn apply(
    conn: &mut DbConnection,
    id: i64,
    reference: &str,
    by: &str,
    at: i64,
) -> Result<Vec<AuditEntry>, LedgerError> {
    let current = credit(conn, id)?;
    if current.status != CreditStatus::Applied {
        return move_credits(conn, &[id], Move::Apply, Some(reference.into()), by, at);
    }
    match current.billing_reference.as_deref() {
        Some(applied) if applied == reference => Ok(Vec::new()),
        applied => Err(LedgerError::Conflict(format!(
            "credit {id} was applied with billing reference `{}`",
            applied.unwrap_or_default()
        ))),
    }
}

/// How much a manual credit gives: a percent of the subscription's fee for the period, or a
/// fixed amount in the subscription's currency.
pub enum ManualAmount {
    Percent(Decimal),
    Fixed(Money),
}

pub struct ManualCredit {
    pub subscription_id: i64,
    pub period: Period,
    pub reason: String,
    pub amount: ManualAmount,
}

/// Writes a pending manual credit; yields its id.
pub fn add_manual(
    conn: &mut DbConnection,
    m: &ManualCredit,
    by: &str,
    at: i64,
) -> Result<i64, LedgerError> {
    let id = m.subscription_id;
    let invalid =
        |field: &str, why: String| LedgerError::Invalid(crate::domain::Invalid::new(field, why));
    let subscription = customers::find_subscription(conn, id)?
        .ok_or_else(|| invalid("subscription_id", format!("no subscription {id}")))?;
    let (statements, _) = PeriodInputs::load(
        conn,
        m.period,
        at,
        Plans::Only(std::slice::from_ref(&subscription.plan_key)),
    )?
    .evaluate(conn, Scope::Customer(subscription.customer_id))?;
    let evaluated = statements
        .into_iter()
        .find(|e| e.subscription.id == id)
        .ok_or_else(|| {
            invalid(
                "period",
                format!(
                    "subscription {id} is not active in {} under a plan version",
                    m.period
                ),
            )
        })?;
    let currency = evaluated.spec.price.currency;
    let (amount_minor, field) = match &m.amount {
        ManualAmount::Fixed(money) if money.currency != currency => {
            return Err(invalid(
                "amount.currency",
                format!("must be {currency}, the subscription's currency"),
            ));
        }
        ManualAmount::Fixed(money) => (money.minor, "amount"),
        ManualAmount::Percent(p) => (percent_of_fee(evaluated.statement.fee_minor, *p), "percent"),
    };
    if amount_minor <= 0 {
        return Err(invalid(
            field,
            "a manual credit must be more than zero".into(),
        ));
    }
    let credit_percent = match &m.amount {
        ManualAmount::Percent(p) => Some(p.normalize().to_string()),
        ManualAmount::Fixed(_) => None,
    };
    let credit = NewCredit {
        kind: CreditKind::Manual,
        status: CreditStatus::Pending,
        subscription_id: id,
        customer_id: subscription.customer_id,
        period: m.period.to_string(),
        run_id: None,
        amount_minor,
        currency,
        plan_key: subscription.plan_key.clone(),
        plan_version: evaluated.plan_version,
        sla_target_percent: evaluated.spec.sla_target_percent.to_string(),
        uptime_percent: None,
        eligible_seconds: None,
        downtime_seconds: None,
        credit_percent,
        reason: Some(m.reason.clone()),
        supersedes: None,
        adjusts: None,
        created_at: at,
        created_by: by.to_owned(),
    };
    credits::insert(conn, std::slice::from_ref(&credit))?
        .first()
        .copied()
        .ok_or_else(|| LedgerError::Conflict("the credit was not written".into()))
}
