//! One plan version's settings (SPEC §1 "plan", §4.4–4.5, §5.2–5.4) and their validation.
//!
//! Serde: the policy types derive `Serialize`/`Deserialize` with snake_case names; decimals are
//! written as JSON strings and only strings are accepted when reading (SPEC §5.6), see [`dec_str`].
//! `Terms` itself has no serde derive because `chrono_tz::Tz` has none without an extra feature;
//! it is assembled from the database row by the caller.

use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    MajorOutage,
    PartialOutage,
    DegradedPerformance,
    Maintenance,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::MajorOutage,
        Severity::PartialOutage,
        Severity::DegradedPerformance,
        Severity::Maintenance,
    ];

    pub const fn as_str(&self) -> &'static str {
        match self {
            Severity::MajorOutage => "major_outage",
            Severity::PartialOutage => "partial_outage",
            Severity::DegradedPerformance => "degraded_performance",
            Severity::Maintenance => "maintenance",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSeverity(pub String);

impl fmt::Display for UnknownSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown severity `{}`", self.0)
    }
}

impl std::error::Error for UnknownSeverity {}

impl FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str() == s)
            .ok_or_else(|| UnknownSeverity(s.to_owned()))
    }
}

/// Weight of each outage severity in `[0, 1]`, at most 4 decimals (SPEC §4.4).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weights {
    #[serde(with = "dec_str")]
    pub major_outage: Decimal,
    #[serde(with = "dec_str")]
    pub partial_outage: Decimal,
    #[serde(with = "dec_str")]
    pub degraded_performance: Decimal,
}

impl Default for Weights {
    /// As on public status pages: 1, 0.3, 0.
    fn default() -> Self {
        Weights {
            major_outage: Decimal::ONE,
            partial_outage: Decimal::new(3, 1),
            degraded_performance: Decimal::ZERO,
        }
    }
}

/// What maintenance windows do to a subscription's numbers (SPEC §4.1).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Maintenance {
    /// Maintenance time is taken out of the eligible time.
    #[default]
    Excluded,
    /// Maintenance is treated as `major_outage` (also in the severity breakdown).
    Counted,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tier {
    #[serde(with = "dec_str")]
    pub below_percent: Decimal,
    #[serde(with = "dec_str")]
    pub credit_percent: Decimal,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Downtime,
    BeyondTarget,
}

/// SPEC §5.2. JSON: `{"type":"tiered","tiers":[{"below_percent":"99.9","credit_percent":"10"}]}`
/// or `{"type":"proportional","multiplier":"1.5","basis":"beyond_target"}`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CreditPolicy {
    Tiered {
        tiers: Vec<Tier>,
    },
    Proportional {
        #[serde(with = "dec_str")]
        multiplier: Decimal,
        basis: Basis,
    },
}

impl CreditPolicy {
    /// Common cloud terms: below 99.9 → 10, below 99.0 → 25, below 95.0 → 100.
    pub fn default_tiers() -> Vec<Tier> {
        let tier = |below: i64, credit: i64| Tier {
            below_percent: Decimal::new(below, 1),
            credit_percent: Decimal::new(credit, 0),
        };
        vec![tier(999, 10), tier(990, 25), tier(950, 100)]
    }
}

impl Default for CreditPolicy {
    fn default() -> Self {
        CreditPolicy::Tiered {
            tiers: CreditPolicy::default_tiers(),
        }
    }
}

/// One plan version's settings, as the engine needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    pub timezone: Tz,
    /// Covered component keys; empty means every component.
    pub components: Vec<String>,
    pub weights: Weights,
    pub min_downtime_seconds: i64,
    pub maintenance: Maintenance,
    pub sla_target_percent: Decimal,
    pub credit_policy: CreditPolicy,
    pub max_credit_percent: Decimal,
    pub min_credit_minor: i64,
    pub monthly_fee_minor: i64,
    /// Minor-unit digits of the currency (ISO 4217): USD 2, JPY 0, BHD 3.
    pub currency_exponent: u32,
}

impl Default for Terms {
    /// UTC, all components, default weights and tiers, target 99.9, cap 100, no minimums,
    /// fee 0 USD.
    fn default() -> Self {
        Terms {
            timezone: Tz::UTC,
            components: Vec::new(),
            weights: Weights::default(),
            min_downtime_seconds: 0,
            maintenance: Maintenance::Excluded,
            sla_target_percent: Decimal::new(999, 1),
            credit_policy: CreditPolicy::default(),
            max_credit_percent: Decimal::ONE_HUNDRED,
            min_credit_minor: 0,
            monthly_fee_minor: 0,
            currency_exponent: 2,
        }
    }
}

/// Decimals as JSON strings only: a float never gets near money or percentages.
pub mod dec_str {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Decimal::from_str_exact(&text).map_err(serde::de::Error::custom)
    }
}
