//! `Terms` checked once and turned into integers: every decimal of a plan version becomes an
//! integer count of 1/10,000ths ("e4"). With the bounds checked here no later multiplication can
//! overflow an `i128` (see `credit.rs` for the sizes).

use std::fmt;

use rust_decimal::Decimal;

use super::terms::{Basis, CreditPolicy, Maintenance, Severity, Terms, Weights};

/// Why a plan version cannot be evaluated; `field` names it as the API does
/// (`tiers[1].credit_percent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermsError {
    pub field: String,
    pub problem: &'static str,
}

impl fmt::Display for TermsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for TermsError {}

pub(crate) const E4: i64 = 10_000;
const PERCENT_MAX_E4: i64 = 100 * E4;
const MULTIPLIER_MAX_E4: i64 = 1_000 * E4;
const MAX_CURRENCY_EXPONENT: u32 = 4;

/// Index of an outage severity in per-severity arrays, worst first.
pub(crate) const MAJOR: usize = 0;
pub(crate) const PARTIAL: usize = 1;
pub(crate) const DEGRADED: usize = 2;

#[derive(Clone, Debug)]
pub(crate) enum Policy {
    /// `(below_e4, credit_e4)` per tier.
    Tiered(Vec<(i64, i64)>),
    Proportional {
        multiplier_e4: i64,
        basis: Basis,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Rules {
    pub weights_e4: [i64; 3],
    pub maintenance: Maintenance,
    pub min_downtime: i64,
    pub policy: Policy,
    /// The SLA target percent.
    pub target_e4: i64,
    pub cap_e4: i64,
    pub min_credit_minor: i64,
    pub fee_minor: i64,
    pub currency_exponent: u32,
}

impl Rules {
    pub fn new(terms: &Terms) -> Result<Rules, TermsError> {
        let w = &terms.weights;
        let weights_e4 = [
            e4(w.major_outage, "weights.major_outage", E4)?,
            e4(w.partial_outage, "weights.partial_outage", E4)?,
            e4(w.degraded_performance, "weights.degraded_performance", E4)?,
        ];
        let target_e4 = e4(
            terms.sla_target_percent,
            "sla_target_percent",
            PERCENT_MAX_E4,
        )?;
        let policy = match &terms.credit_policy {
            CreditPolicy::Tiered { tiers } => {
                let mut out = Vec::with_capacity(tiers.len());
                for (i, tier) in tiers.iter().enumerate() {
                    let below = format!("tiers[{i}].below_percent");
                    let credit = format!("tiers[{i}].credit_percent");
                    out.push((
                        e4(tier.below_percent, &below, PERCENT_MAX_E4)?,
                        e4(tier.credit_percent, &credit, PERCENT_MAX_E4)?,
                    ));
                }
                Policy::Tiered(out)
            }
            CreditPolicy::Proportional { multiplier, basis } => Policy::Proportional {
                multiplier_e4: e4(*multiplier, "multiplier", MULTIPLIER_MAX_E4)?,
                basis: *basis,
            },
        };
        Ok(Rules {
            weights_e4,
            maintenance: terms.maintenance,
            min_downtime: non_negative(terms.min_downtime_seconds, "min_downtime_seconds")?,
            policy,
            target_e4,
            cap_e4: e4(
                terms.max_credit_percent,
                "max_credit_percent",
                PERCENT_MAX_E4,
            )?,
            min_credit_minor: non_negative(terms.min_credit_minor, "min_credit_minor")?,
            fee_minor: non_negative(terms.monthly_fee_minor, "monthly_fee_minor")?,
            currency_exponent: match terms.currency_exponent {
                e if e <= MAX_CURRENCY_EXPONENT => e,
                _ => return Err(error("currency_exponent", "must be 0 to 4")),
            },
        })
    }

    /// SPEC §4 last paragraph: default weights, no minimum, maintenance excluded.
    pub fn status_page() -> Rules {
        let w = Weights::default();
        let weight = |d: Decimal| e4(d, "", E4).unwrap_or(0);
        Rules {
            weights_e4: [
                weight(w.major_outage),
                weight(w.partial_outage),
                weight(w.degraded_performance),
            ],
            maintenance: Maintenance::Excluded,
            min_downtime: 0,
            policy: Policy::Tiered(Vec::new()),
            target_e4: PERCENT_MAX_E4,
            cap_e4: PERCENT_MAX_E4,
            min_credit_minor: 0,
            fee_minor: 0,
            currency_exponent: 0,
        }
    }

    /// How a window of `severity` counts: `None` for excluded maintenance, else the index of the
    /// severity it counts as (counted maintenance is a major outage) and its weight.
    pub fn classify(&self, severity: Severity) -> Option<(usize, i64)> {
        let index = match severity {
            Severity::MajorOutage => MAJOR,
            Severity::PartialOutage => PARTIAL,
            Severity::DegradedPerformance => DEGRADED,
            Severity::Maintenance => match self.maintenance {
                Maintenance::Excluded => return None,
                Maintenance::Counted => MAJOR,
            },
        };
        Some((index, self.weights_e4[index]))
    }
}

impl Terms {
    /// Checks the bounds the engine relies on: weights in [0, 1]; percentages in [0, 100];
    /// multiplier in [0, 1000]; all with at most 4 decimals; money and minimum downtime ≥ 0;
    /// currency exponent ≤ 4.
    pub fn validate(&self) -> Result<(), TermsError> {
        Rules::new(self).map(|_| ())
    }
}

fn error(field: &str, problem: &'static str) -> TermsError {
    TermsError {
        field: field.to_owned(),
        problem,
    }
}

fn non_negative(value: i64, field: &str) -> Result<i64, TermsError> {
    if value < 0 {
        return Err(error(field, "must not be negative"));
    }
    Ok(value)
}

/// An integer count of 1/10,000ths as the decimal it stands for (`999000` → `99.9`).
pub(crate) fn from_e4(value: i64) -> Decimal {
    Decimal::new(value, 4).normalize()
}

/// `value × 10,000` as an integer, if `value` has at most 4 decimals and lies in
/// `[0, max_e4 / 10^4]`.
fn e4(value: Decimal, field: &str, max_e4: i64) -> Result<i64, TermsError> {
    let value = value.normalize();
    if value.scale() > 4 {
        return Err(error(field, "must have at most 4 decimals"));
    }
    let scaled = value.mantissa() * 10i128.pow(4 - value.scale());
    match i64::try_from(scaled) {
        Ok(v) if (0..=max_e4).contains(&v) => Ok(v),
        _ if max_e4 == E4 => Err(error(field, "must be between 0 and 1")),
        _ if max_e4 == PERCENT_MAX_E4 => Err(error(field, "must be between 0 and 100")),
        _ => Err(error(field, "must be between 0 and 1000")),
    }
}
