//! Credit of one subscription in one period (SPEC §5.1–5.5), exact until the single rounding.
//!
//! Sizes, with the bounds `Rules::new` checks (E ≤ 2.7·10^6 s in a month, D4 = D·10^4 ≤ E·10^4,
//! percentages ≤ 10^6 e4, multiplier ≤ 10^7 e4): the largest numerator below is
//! m·(100·D4 − …) ≤ 10^7 · 2.7·10^12 ≈ 3·10^19 and the largest denominator 10^8·E ≈ 3·10^14, far
//! inside `i128`; the amount's product goes through a 256-bit intermediate (`mul_div_round`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::ratio::{Ratio, mul_div_round};
use super::rules::{E4, Policy, Rules};
use super::terms::Basis;

/// Why a statement issues no credit.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum NoCredit {
    /// D = 0.
    NoDowntime,
    /// D > 0 but the policy gives C = 0.
    AboveTarget,
    /// C > 0 but the amount is under the plan version's minimum credit.
    BelowMinimum,
    /// C > 0 but the amount rounds to zero minor units.
    RoundsToZero,
}

impl NoCredit {
    pub const fn as_str(&self) -> &'static str {
        match self {
            NoCredit::NoDowntime => "no_downtime",
            NoCredit::AboveTarget => "above_target",
            NoCredit::BelowMinimum => "below_minimum",
            NoCredit::RoundsToZero => "rounds_to_zero",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Credit {
    pub uptime_percent: Ratio,
    pub credit_percent: Ratio,
    pub fee_minor: Ratio,
    pub amount_minor: i64,
    pub reason: Option<NoCredit>,
}

/// The inputs of SPEC §5 for one subscription.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Inputs {
    pub eligible_seconds: i64,
    pub downtime_e4: i64,
    /// Monthly fee in minor units, the override already applied.
    pub monthly_fee_minor: i64,
    /// Seconds of `P ∩ [S.start, S.end)` (not cut at the as-of instant).
    pub subscribed_seconds: i64,
    pub period_seconds: i64,
}

pub(crate) fn assess(rules: &Rules, input: Inputs) -> Credit {
    let e = i128::from(input.eligible_seconds);
    let d4 = i128::from(input.downtime_e4);
    let e4 = i128::from(E4);
    // U = 100·(E − D)/E with D = D4/10^4.
    let uptime_percent = if e == 0 {
        Ratio::from_integer(100)
    } else {
        Ratio::new(100 * (e * e4 - d4), e * e4)
    };
    let credit_percent = percent(rules, e, d4).min(Ratio::new(rules.cap_e4.into(), e4));

    let fee = i128::from(input.monthly_fee_minor) * i128::from(input.subscribed_seconds);
    let period = i128::from(input.period_seconds);
    let fee_minor = Ratio::new(fee, period);
    // Amount = F·C/100 = fee·subscribed·Cn / (period·Cd·100), rounded once. |Amount| ≤ |fee|
    // because C ≤ 100 and subscribed ≤ period, so it always fits; the fallback is unreachable.
    let amount_minor = mul_div_round(
        fee,
        credit_percent.numerator(),
        period * credit_percent.denominator() * 100,
    )
    .and_then(|a| i64::try_from(a).ok())
    .unwrap_or(0);

    // SPEC §5.5: the first reason that holds.
    let reason = if d4 == 0 {
        Some(NoCredit::NoDowntime)
    } else if credit_percent.is_zero() {
        Some(NoCredit::AboveTarget)
    } else if amount_minor < rules.min_credit_minor {
        Some(NoCredit::BelowMinimum)
    } else if amount_minor == 0 {
        Some(NoCredit::RoundsToZero)
    } else {
        None
    };
    Credit {
        uptime_percent,
        credit_percent,
        fee_minor,
        amount_minor,
        reason,
    }
}

/// C before the cap (SPEC §5.2). `e` seconds, `d4` downtime in 1/10^4 s.
pub(crate) fn percent(rules: &Rules, e: i128, d4: i128) -> Ratio {
    if e == 0 {
        return Ratio::ZERO;
    }
    let e4 = i128::from(E4);
    match &rules.policy {
        Policy::Tiered(tiers) => {
            Ratio::new(chosen_tier(tiers, e, d4).map_or(0, |(_, c)| c).into(), e4)
        }
        Policy::Proportional {
            multiplier_e4,
            basis,
        } => {
            let m = i128::from(*multiplier_e4);
            match basis {
                // m/10^4 · 100 · (D4/10^4) / E
                Basis::Downtime => Ratio::new(m * d4, 1_000_000 * e),
                // D − (1 − T/100)·E = (100·D4 − (10^6 − T_e4)·E) / 10^6
                Basis::BeyondTarget => {
                    let beyond = 100 * d4 - (1_000_000 - i128::from(rules.target_e4)) * e;
                    Ratio::new(m * beyond.max(0), 100_000_000 * e)
                }
            }
        }
    }
}

/// `below_e4 > U` exactly: `below_e4·E > 100·(E·10^4 − D4)` (both sides scaled by 10^8·E).
pub(crate) fn below(below_e4: i64, e: i128, d4: i128) -> bool {
    i128::from(below_e4) * e > 100 * (e * i128::from(E4) - d4)
}

/// The tier that sets C under a `tiered` policy: the largest `credit_percent` whose
/// `below_percent > U` (the first in the list on equal percents); none when U is under no tier.
/// `(below_e4, credit_e4)`.
pub(crate) fn chosen_tier(tiers: &[(i64, i64)], e: i128, d4: i128) -> Option<(i64, i64)> {
    tiers
        .iter()
        .filter(|(below_e4, _)| below(*below_e4, e, d4))
        .fold(None, |best, &tier| match best {
            Some(best) if best.1 >= tier.1 => Some(best),
            _ => Some(tier),
        })
}

/// A manual credit given as a percent of the period fee: `F × percent / 100`, computed exactly and
/// rounded once, half away from zero, to the minor unit (SPEC §5.4, §6).
pub fn percent_of_fee(fee_minor: Ratio, percent: Decimal) -> i64 {
    let scale = 10i128.pow(percent.scale().min(28));
    let num = fee_minor.numerator().saturating_mul(percent.mantissa());
    let den = fee_minor
        .denominator()
        .saturating_mul(scale.saturating_mul(100));
    i64::try_from(Ratio::new(num, den).round()).unwrap_or(i64::MAX)
}
