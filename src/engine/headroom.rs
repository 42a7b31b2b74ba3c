//! How much more downtime a statement can take before a threshold (SPEC §9.2).

use rust_decimal::Decimal;

use super::credit::below;
use super::rules::{Policy, Rules, TermsError, from_e4};
use super::terms::Terms;
use super::usage::Usage;

/// Weighted seconds of downtime (as SPEC §4.6 counts them) left before uptime falls below
/// `below_percent`: `E × (1 − below/100) − D`, exact; negative when U is already below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headroom {
    pub below_percent: Decimal,
    pub seconds: Decimal,
}

/// The next tier of a `tiered` policy: its threshold, its credit percent and the headroom to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextTier {
    pub below_percent: Decimal,
    pub credit_percent: Decimal,
    pub headroom: Headroom,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headrooms {
    /// To the plan version's SLA target.
    pub budget: Headroom,
    /// Among the tiers whose `below_percent` ≤ U, the one with the largest `below_percent`;
    /// none under a proportional policy or when U is under every tier.
    pub next_tier: Option<NextTier>,
}

/// SPEC §9.2 for a statement's usage under `terms`.
pub fn headrooms(terms: &Terms, usage: &Usage) -> Result<Headrooms, TermsError> {
    let rules = Rules::new(terms)?;
    let e = i128::from(usage.eligible_seconds);
    let d4 = i128::from(usage.downtime_e4);
    let next_tier = match &rules.policy {
        Policy::Tiered(tiers) => tiers
            .iter()
            .filter(|(below_e4, _)| !below(*below_e4, e, d4))
            .fold(None, |best: Option<(i64, i64)>, &tier| match best {
                Some(best) if best.0 >= tier.0 => Some(best),
                _ => Some(tier),
            })
            .map(|(below_e4, credit_e4)| NextTier {
                below_percent: from_e4(below_e4),
                credit_percent: from_e4(credit_e4),
                headroom: headroom(below_e4, e, d4),
            }),
        Policy::Proportional { .. } => None,
    };
    Ok(Headrooms {
        budget: headroom(rules.target_e4, e, d4),
        next_tier,
    })
}

/// `E × (1 − b/100) − D` = `(E × (10^6 − b_e4) − 100 × D4) / 10^6` seconds.
fn headroom(below_e4: i64, e: i128, d4: i128) -> Headroom {
    let scaled = e * (1_000_000 - i128::from(below_e4)) - 100 * d4;
    Headroom {
        below_percent: from_e4(below_e4),
        seconds: Decimal::try_from_i128_with_scale(scaled, 6)
            .unwrap_or(Decimal::MAX)
            .normalize(),
    }
}
