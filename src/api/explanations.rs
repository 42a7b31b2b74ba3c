//! Why a statement's numbers are what they are (SPEC §9.4): the steps with their numbers, and a
//! few sentences a support agent can paste to a customer. `?explain=true` on a statement, and
//! `GET /v1/credits/{id}/explanation`.

use actix_web::{HttpRequest, HttpResponse, web};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

use super::credits::load;
use super::statements::subscription_statement;
use super::write::{read, request_time};
use super::{ApiError, AppState};
use crate::db::DbConnection;
use crate::domain::credit::CreditKind;
use crate::domain::{Money, format_instant, parse_period};
use crate::engine::{Basis, Clipped, CreditRule, Ratio, Segment, Severity, Span, minutes_display};
use crate::ledger::evaluate::Evaluated;
use crate::ledger::explain::{self, Explained};

#[derive(Serialize)]
struct SpanView {
    start: String,
    end: String,
    seconds: i64,
}

impl From<Span> for SpanView {
    fn from(span: Span) -> SpanView {
        SpanView {
            start: format_instant(span.start),
            end: format_instant(span.end),
            seconds: span.seconds(),
        }
    }
}

#[derive(Serialize)]
struct WindowView {
    id: i64,
    incident_id: Option<i64>,
    component: String,
    severity: Severity,
    /// None: excluded maintenance.
    weight: Option<String>,
    #[serde(flatten)]
    span: SpanView,
    /// Active at some instant of E.
    counted: bool,
}

#[derive(Serialize)]
struct SegmentView {
    #[serde(flatten)]
    span: SpanView,
    severity: Severity,
    weight: String,
    dropped: bool,
    downtime_seconds: String,
}

#[derive(Serialize)]
struct Exact {
    exact: String,
    rounded: String,
}

#[derive(Serialize)]
struct CreditPercentView {
    /// `tier`, `no_tier`, `proportional` or `no_eligible_time`.
    rule: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    below_percent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier_credit_percent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    multiplier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    basis: Option<Basis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_percent: Option<String>,
    /// C before the cap, exactly.
    before_cap: String,
    cap_percent: String,
    capped: bool,
    /// C after the cap: exactly, and with 4 decimals.
    exact: String,
    rounded: String,
}

#[derive(Serialize)]
struct MinimumView {
    amount: Money,
    applied: bool,
}

#[derive(Serialize)]
pub struct ExplanationView {
    measured: SpanView,
    excluded: Vec<SpanView>,
    windows: Vec<WindowView>,
    segments: Vec<SegmentView>,
    min_downtime_seconds: i64,
    dropped_runs: Vec<SpanView>,
    eligible_seconds: i64,
    impacted_seconds: i64,
    downtime_seconds: String,
    uptime_percent: Exact,
    fee: Exact,
    credit_percent: CreditPercentView,
    minimum: MinimumView,
    amount: Exact,
    reason: Option<crate::engine::NoCredit>,
    summary: Vec<String>,
}

/// `minor` units of a currency with `exponent` decimals, exactly.
fn in_units(minor: Ratio, exponent: u32) -> String {
    Ratio::new(
        minor.numerator(),
        minor.denominator() * 10i128.pow(exponent),
    )
    .to_string()
}

pub fn view(e: &Evaluated, explained: &Explained) -> ExplanationView {
    let x = &explained.explanation;
    let s = &x.statement;
    let u = &s.usage;
    let currency = e.spec.price.currency;
    let exponent = currency.exponent();
    let money = |minor: i64| Money::from_minor(minor, currency);
    let windows = x
        .windows
        .iter()
        .map(|w: &Clipped| WindowView {
            id: w.id,
            incident_id: explained.incident_of.get(&w.id).copied(),
            component: w.component.clone(),
            severity: w.severity,
            weight: w.weight.map(|w| w.to_string()),
            span: w.span.into(),
            counted: w.counted,
        })
        .collect();
    let segments = x
        .segments
        .iter()
        .map(|g: &Segment| SegmentView {
            span: g.span.into(),
            severity: g.severity,
            weight: g.weight.to_string(),
            dropped: g.dropped,
            downtime_seconds: g.downtime_seconds().normalize().to_string(),
        })
        .collect();
    let mut percent = CreditPercentView {
        rule: "no_eligible_time",
        below_percent: None,
        tier_credit_percent: None,
        multiplier: None,
        basis: None,
        target_percent: None,
        before_cap: x.uncapped_percent.to_string(),
        cap_percent: x.cap_percent.to_string(),
        capped: x.uncapped_percent > s.credit_percent,
        exact: s.credit_percent.to_string(),
        rounded: s.credit_percent_display().normalize().to_string(),
    };
    match &x.rule {
        CreditRule::NoEligibleTime => {}
        CreditRule::NoTier => percent.rule = "no_tier",
        CreditRule::Tier {
            below_percent,
            credit_percent,
        } => {
            percent.rule = "tier";
            percent.below_percent = Some(below_percent.to_string());
            percent.tier_credit_percent = Some(credit_percent.to_string());
        }
        CreditRule::Proportional {
            multiplier,
            basis,
            target_percent,
        } => {
            percent.rule = "proportional";
            percent.multiplier = Some(multiplier.to_string());
            percent.basis = Some(*basis);
            percent.target_percent = Some(target_percent.to_string());
        }
    }
    ExplanationView {
        measured: u.measured.into(),
        excluded: x.excluded.iter().map(|&s| s.into()).collect(),
        windows,
        segments,
        min_downtime_seconds: x.min_downtime_seconds,
        dropped_runs: x.dropped_runs.iter().map(|&s| s.into()).collect(),
        eligible_seconds: u.eligible_seconds,
        impacted_seconds: u.impacted_seconds,
        downtime_seconds: u.downtime_seconds.normalize().to_string(),
        uptime_percent: Exact {
            exact: s.uptime_percent.to_string(),
            rounded: s.uptime_display().to_string(),
        },
        fee: Exact {
            exact: in_units(s.fee_minor, exponent),
            rounded: money(s.fee_minor_rounded()).amount(),
        },
        credit_percent: percent,
        minimum: MinimumView {
            amount: money(x.min_credit_minor),
            applied: s.reason == Some(crate::engine::NoCredit::BelowMinimum),
        },
        amount: Exact {
            exact: x
                .amount_exact_minor
                .map_or_else(|| s.amount().to_string(), |a| in_units(a, exponent)),
            rounded: money(s.amount_minor).amount(),
        },
        reason: s.reason,
        summary: summary(e, explained),
    }
}

fn minutes(seconds: Decimal) -> String {
    minutes_display(seconds).to_string()
}

/// Plain sentences for a customer.
fn summary(e: &Evaluated, explained: &Explained) -> Vec<String> {
    use crate::engine::NoCredit::*;
    let x = &explained.explanation;
    let s = &x.statement;
    let u = &s.usage;
    let currency = e.spec.price.currency.code();
    let money = |minor: i64| {
        format!(
            "{} {currency}",
            Money::from_minor(minor, e.spec.price.currency).amount()
        )
    };
    let mut out = Vec::new();
    let mut first = format!(
        "From {} to {}, {} minutes counted toward the SLA of plan {}",
        format_instant(u.measured.start),
        format_instant(u.measured.end),
        minutes(u.eligible_seconds.into()),
        e.subscription.plan_key,
    );
    if u.excluded_seconds > 0 {
        first += &format!(
            " ({} minutes of scheduled maintenance were excluded)",
            minutes(u.excluded_seconds.into())
        );
    }
    out.push(first + ".");
    let counted = x.windows.iter().filter(|w| w.counted).count();
    if u.impacted_seconds > 0 {
        out.push(format!(
            "{counted} impact window{} affected the service for {} minutes, which count as {} minutes of downtime once each severity's weight is applied.",
            if counted == 1 { "" } else { "s" },
            minutes(u.impacted_seconds.into()),
            minutes(u.downtime_seconds),
        ));
    }
    if !x.dropped_runs.is_empty() {
        out.push(format!(
            "{} interruption{} shorter than the plan's minimum of {} seconds did not count.",
            x.dropped_runs.len(),
            if x.dropped_runs.len() == 1 { "" } else { "s" },
            x.min_downtime_seconds,
        ));
    }
    let uptime = s.uptime_display();
    let fee = money(s.fee_minor_rounded());
    match (&x.rule, s.reason) {
        (_, Some(NoDowntime)) => {
            out.push(format!("Uptime was {uptime} % with no downtime, so no credit is due."));
        }
        (_, Some(AboveTarget)) => out.push(format!(
            "Uptime was {uptime} %, not below any credit threshold, so no credit is due."
        )),
        (CreditRule::Tier { below_percent, credit_percent }, _) => out.push(format!(
            "Uptime was {uptime} %, below the {below_percent} % threshold, which gives a credit of {credit_percent} % of the period's fee of {fee}."
        )),
        (CreditRule::Proportional { .. }, _) => out.push(format!(
            "Uptime was {uptime} %; the plan's proportional policy gives a credit of {} % of the period's fee of {fee}.",
            s.credit_percent_display().normalize()
        )),
        _ => {}
    }
    if x.uncapped_percent > s.credit_percent {
        out.push(format!(
            "The credit is capped at the plan's maximum of {} %.",
            x.cap_percent
        ));
    }
    out.push(match s.reason {
        None => format!("The credit is {}.", money(s.amount_minor)),
        Some(BelowMinimum) => format!(
            "The credit of {} is below the plan's minimum credit of {}, so it is not issued.",
            money(s.amount_minor),
            money(x.min_credit_minor)
        ),
        Some(RoundsToZero) => "The credit rounds to zero, so it is not issued.".to_owned(),
        Some(NoDowntime | AboveTarget) => return out,
    });
    out
}

/// `GET /v1/credits/{id}/explanation`: the statement the credit was computed from, as it stands
/// now, explained. A manual credit is not computed: its explanation is its reason.
pub async fn credit(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = request_time(&req);
    let body = read(&state, move |conn| credit_explanation(conn, id, now)).await?;
    Ok(HttpResponse::Ok().json(body))
}

/// The answer of `GET /v1/credits/{id}/explanation` at `now` (also `sla-ledger explain`).
pub fn credit_explanation(
    conn: &mut DbConnection,
    id: i64,
    now: i64,
) -> Result<serde_json::Value, ApiError> {
    let (stored, credit) = load(conn, id)?;
    if stored.kind == CreditKind::Manual {
        let summary = vec![format!(
            "A manual credit of {} {} added by {}: {}",
            Money::from_minor(stored.amount_minor, stored.currency).amount(),
            stored.currency.code(),
            stored.created_by,
            stored.reason.clone().unwrap_or_default()
        )];
        return Ok(
            json!({"credit": credit, "statement": null, "explanation": null, "summary": summary}),
        );
    }
    let period = parse_period("period", &stored.period)?;
    let evaluated = explain::subscription(
        conn,
        stored.customer_id,
        stored.subscription_id,
        period,
        now,
    )?
    .ok_or_else(|| {
        ApiError::Conflict("the credit's subscription is no longer active in its period".into())
    })?;
    let explained = explain::explain(conn, &evaluated, now)?;
    let view = view(&evaluated, &explained);
    let mut summary = view.summary.clone();
    // An adjustment is a difference, never the statement's amount.
    let matches =
        stored.kind == CreditKind::Sla && evaluated.statement.issued_minor() == stored.amount_minor;
    if stored.kind == CreditKind::Sla && !matches {
        summary.push(
            "The incidents or the plan changed after this credit was written: the statement \
             now gives a different amount, and the next credit run for the period replaces or \
             adjusts this credit."
                .to_owned(),
        );
    }
    Ok(json!({
        "credit": credit,
        "statement_matches_credit": matches,
        "statement": subscription_statement(evaluated),
        "explanation": view,
        "summary": summary,
    }))
}
