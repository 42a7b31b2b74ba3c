//! One subscription in one period: SPEC §3 → §4 → §5.

use rust_decimal::Decimal;

use super::applicability::{Coverage, Groups, Subscriber, Window};
use super::credit::{Credit, Inputs, NoCredit, assess};
use super::interval::Span;
use super::period::Period;
use super::ratio::Ratio;
use super::rules::{E4, Rules, TermsError};
use super::terms::Terms;
use super::uptime::Measured;
use super::usage::Usage;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub period: Period,
    pub period_span: Span,
    pub subscription_id: i64,
    pub usage: Usage,
    /// U exactly; [`Statement::uptime_display`] for the 4-decimal figure.
    pub uptime_percent: Ratio,
    /// C exactly, after the cap.
    pub credit_percent: Ratio,
    /// F exactly, in minor units: the monthly fee prorated to the subscribed part of the period.
    pub fee_minor: Ratio,
    /// F × C / 100 rounded once, half away from zero; shown even when not issued.
    pub amount_minor: i64,
    pub currency_exponent: u32,
    pub reason: Option<NoCredit>,
}

impl Statement {
    /// U with 4 decimals, half away from zero (SPEC §4.9). For display only.
    pub fn uptime_display(&self) -> Decimal {
        self.uptime_percent.round_dp(4)
    }

    /// C with 4 decimals, half away from zero. For display only.
    pub fn credit_percent_display(&self) -> Decimal {
        self.credit_percent.round_dp(4)
    }

    /// D in minutes with 2 decimals (SPEC §4.9).
    pub fn downtime_minutes(&self) -> Decimal {
        Ratio::new(self.usage.downtime_e4.into(), 60 * i128::from(E4)).round_dp(2)
    }

    /// F rounded to the minor unit, half away from zero.
    pub fn fee_minor_rounded(&self) -> i64 {
        i64::try_from(self.fee_minor.round()).unwrap_or(i64::MAX)
    }

    /// The amount in currency units (`3000` minor USD → `30.00`).
    pub fn amount(&self) -> Decimal {
        Decimal::new(self.amount_minor, self.currency_exponent)
    }

    /// What the ledger writes: the amount, or 0 when a reason withholds it.
    pub fn issued_minor(&self) -> i64 {
        if self.reason.is_some() {
            0
        } else {
            self.amount_minor
        }
    }
}

/// Minutes with 2 decimals for any seconds figure (SPEC §4.9), exact then rounded once.
pub fn minutes_display(seconds: Decimal) -> Decimal {
    let scale = 10i128.pow(seconds.scale());
    Ratio::new(seconds.mantissa(), 60 * scale).round_dp(2)
}

/// SPEC §3–§5 for one subscription. Errors only when `terms` fail [`Terms::validate`].
pub fn statement(
    period: Period,
    as_of: i64,
    terms: &Terms,
    subscriber: &Subscriber,
    windows: &[Window],
    groups: &Groups,
) -> Result<Statement, TermsError> {
    let cut = Cut::new(period, as_of, terms, subscriber, windows, groups)?;
    let usage = cut.measured.usage(cut.rules.min_downtime);
    Ok(finish(
        period,
        cut.period_span,
        subscriber,
        usage,
        &cut.rules,
    ))
}

/// One subscription's measured span cut by the windows that apply to it (SPEC §3, §4.1–4.3):
/// what its statement and the statement's explanation are both read from.
pub(crate) struct Cut<'a> {
    pub rules: Rules,
    pub period_span: Span,
    pub applicable: Vec<&'a Window>,
    pub measured: Measured<'a>,
}

impl<'a> Cut<'a> {
    pub fn new(
        period: Period,
        as_of: i64,
        terms: &Terms,
        subscriber: &Subscriber,
        windows: &'a [Window],
        groups: &Groups,
    ) -> Result<Cut<'a>, TermsError> {
        let rules = Rules::new(terms)?;
        let period_span = period.span(terms.timezone);
        let measured_span = subscriber.measured_span(period_span, as_of);
        let coverage = Coverage::new(&terms.components, groups);
        let applicable: Vec<&Window> = windows
            .iter()
            .filter(|w| coverage.covers(&w.component) && subscriber.in_scope(w))
            .collect();
        let measured = Measured::new(measured_span, as_of, applicable.iter().copied(), &rules);
        Ok(Cut {
            rules,
            period_span,
            applicable,
            measured,
        })
    }
}

/// Credit for a measured `usage`; shared by [`statement`] and the batch evaluator.
pub(crate) fn finish(
    period: Period,
    period_span: Span,
    subscriber: &Subscriber,
    usage: Usage,
    rules: &Rules,
) -> Statement {
    let credit: Credit = assess(
        rules,
        Inputs {
            eligible_seconds: usage.eligible_seconds,
            downtime_e4: usage.downtime_e4,
            monthly_fee_minor: subscriber.fee_override_minor.unwrap_or(rules.fee_minor),
            subscribed_seconds: period_span.intersect(subscriber.span()).seconds(),
            period_seconds: period_span.seconds(),
        },
    );
    Statement {
        period,
        period_span,
        subscription_id: subscriber.subscription_id,
        usage,
        uptime_percent: credit.uptime_percent,
        credit_percent: credit.credit_percent,
        fee_minor: credit.fee_minor,
        amount_minor: credit.amount_minor,
        currency_exponent: rules.currency_exponent,
        reason: credit.reason,
    }
}
