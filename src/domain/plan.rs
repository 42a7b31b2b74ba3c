//! The settings of a plan version (SPEC §1, §4, §5): what arrives, how it is checked, and the
//! validated form that is stored and served.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use chrono_tz::Tz;

use super::{Currency, Invalid, Key, Money, MoneyInput, Period, parse_decimal, parse_period};
use crate::engine::{Basis, CreditPolicy, Maintenance, Terms, Tier, Weights};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    pub effective_from: String,
    pub price: MoneyInput,
    #[serde(default)]
    pub components: Vec<String>,
    pub sla_target_percent: String,
    pub timezone: Option<String>,
    pub weights: Option<WeightsInput>,
    pub min_downtime_seconds: Option<i64>,
    pub maintenance: Option<Maintenance>,
    pub credit_policy: Option<PolicyInput>,
    pub max_credit_percent: Option<String>,
    pub min_credit: Option<MoneyInput>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsInput {
    pub major_outage: Option<String>,
    pub partial_outage: Option<String>,
    pub degraded_performance: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PolicyInput {
    Tiered { tiers: Vec<TierInput> },
    Proportional { multiplier: String, basis: Basis },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierInput {
    pub below_percent: String,
    pub credit_percent: String,
}

/// A validated plan version: what is stored (as JSON) and served, and what the engine reads.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PlanVersionSpec {
    pub effective_from: Period,
    pub price: Money,
    pub components: Vec<Key>,
    pub sla_target_percent: Decimal,
    #[serde(with = "zone")]
    pub timezone: Tz,
    pub weights: Weights,
    pub min_downtime_seconds: i64,
    pub maintenance: Maintenance,
    pub credit_policy: CreditPolicy,
    pub max_credit_percent: Decimal,
    pub min_credit: Money,
}

/// A time zone as its IANA name.
mod zone {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

const MAX_MIN_DOWNTIME_SECONDS: i64 = 31 * 24 * 3600;

fn percent(field: &str, value: &str) -> Result<Decimal, Invalid> {
    parse_decimal(field, value, Decimal::ZERO, Decimal::ONE_HUNDRED, 4)
}

impl VersionInput {
    /// Checks every setting; `prefix` names where the version sits in the request body.
    /// Whether the components exist is checked against the database by the caller.
    pub fn validate(self, prefix: &str) -> Result<PlanVersionSpec, Invalid> {
        let f = |name: &str| format!("{prefix}{name}");
        let price = Money::parse(&f("price"), &self.price.amount, &self.price.currency)?;
        let mut components: Vec<Key> = Vec::with_capacity(self.components.len());
        for (i, key) in self.components.iter().enumerate() {
            let field = f(&format!("components[{i}]"));
            let key = Key::parse(&field, key)?;
            if components.contains(&key) {
                return Err(Invalid::new(field, format!("`{key}` is listed twice")));
            }
            components.push(key);
        }
        let timezone = match self.timezone {
            None => Tz::UTC,
            Some(name) => Tz::from_str(&name).map_err(|_| {
                Invalid::new(f("timezone"), format!("`{name}` is not an IANA time zone"))
            })?,
        };
        let min_downtime_seconds = self.min_downtime_seconds.unwrap_or(0);
        if !(0..=MAX_MIN_DOWNTIME_SECONDS).contains(&min_downtime_seconds) {
            return Err(Invalid::new(
                f("min_downtime_seconds"),
                format!("must be between 0 and {MAX_MIN_DOWNTIME_SECONDS}"),
            ));
        }
        let min_credit = match self.min_credit {
            None => Money::from_minor(0, price.currency),
            Some(m) => same_currency(
                &f("min_credit"),
                Money::parse(&f("min_credit"), &m.amount, &m.currency)?,
                price.currency,
            )?,
        };
        let spec = PlanVersionSpec {
            effective_from: parse_period(&f("effective_from"), &self.effective_from)?,
            sla_target_percent: percent(&f("sla_target_percent"), &self.sla_target_percent)?,
            weights: validate_weights(&f("weights"), self.weights)?,
            credit_policy: validate_policy(&f("credit_policy"), self.credit_policy)?,
            max_credit_percent: match self.max_credit_percent {
                None => Decimal::ONE_HUNDRED,
                Some(v) => percent(&f("max_credit_percent"), &v)?,
            },
            maintenance: self.maintenance.unwrap_or_default(),
            price,
            min_credit,
            components,
            timezone,
            min_downtime_seconds,
        };
        // The engine's own bounds (they keep its exact arithmetic within range).
        spec.terms()
            .validate()
            .map_err(|e| Invalid::new(f(&e.field), e.problem))?;
        Ok(spec)
    }
}

pub fn same_currency(field: &str, money: Money, expected: Currency) -> Result<Money, Invalid> {
    if money.currency != expected {
        return Err(Invalid::new(
            format!("{field}.currency"),
            format!("must be {}, the plan's currency", expected.code()),
        ));
    }
    Ok(money)
}

fn validate_weights(field: &str, input: Option<WeightsInput>) -> Result<Weights, Invalid> {
    let mut weights = Weights::default();
    let Some(input) = input else {
        return Ok(weights);
    };
    let weight = |name: &str, value: Option<String>, default: Decimal| match value {
        None => Ok(default),
        Some(v) => parse_decimal(
            &format!("{field}.{name}"),
            &v,
            Decimal::ZERO,
            Decimal::ONE,
            4,
        ),
    };
    weights.major_outage = weight("major_outage", input.major_outage, weights.major_outage)?;
    weights.partial_outage = weight(
        "partial_outage",
        input.partial_outage,
        weights.partial_outage,
    )?;
    weights.degraded_performance = weight(
        "degraded_performance",
        input.degraded_performance,
        weights.degraded_performance,
    )?;
    Ok(weights)
}

fn validate_policy(field: &str, input: Option<PolicyInput>) -> Result<CreditPolicy, Invalid> {
    match input {
        None => Ok(CreditPolicy::default()),
        Some(PolicyInput::Proportional { multiplier, basis }) => {
            let multiplier = parse_decimal(
                &format!("{field}.multiplier"),
                &multiplier,
                Decimal::ZERO,
                Decimal::ONE_HUNDRED,
                4,
            )?;
            Ok(CreditPolicy::Proportional { multiplier, basis })
        }
        Some(PolicyInput::Tiered { tiers: input }) => {
            if input.is_empty() {
                return Err(Invalid::new(
                    format!("{field}.tiers"),
                    "needs at least one tier",
                ));
            }
            let mut tiers: Vec<Tier> = Vec::with_capacity(input.len());
            for (i, t) in input.into_iter().enumerate() {
                let at = format!("{field}.tiers[{i}]");
                let tier = Tier {
                    below_percent: percent(&format!("{at}.below_percent"), &t.below_percent)?,
                    credit_percent: percent(&format!("{at}.credit_percent"), &t.credit_percent)?,
                };
                if let Some(previous) = tiers.last() {
                    if tier.below_percent == previous.below_percent {
                        return Err(Invalid::new(
                            format!("{at}.below_percent"),
                            "duplicates the tier before it",
                        ));
                    }
                    if tier.below_percent > previous.below_percent {
                        return Err(Invalid::new(
                            format!("{at}.below_percent"),
                            "tiers must be ordered from the highest below_percent to the lowest",
                        ));
                    }
                    if tier.credit_percent < previous.credit_percent {
                        return Err(Invalid::new(
                            format!("{at}.credit_percent"),
                            "a lower uptime tier cannot give less credit than the tier before it",
                        ));
                    }
                }
                tiers.push(tier);
            }
            Ok(CreditPolicy::Tiered { tiers })
        }
    }
}

impl PlanVersionSpec {
    /// The settings the engine reads; `fee_override_minor` is applied per subscription.
    pub fn terms(&self) -> Terms {
        Terms {
            timezone: self.timezone,
            components: self.components.iter().map(Key::to_string).collect(),
            weights: self.weights,
            min_downtime_seconds: self.min_downtime_seconds,
            maintenance: self.maintenance,
            sla_target_percent: self.sla_target_percent,
            credit_policy: self.credit_policy.clone(),
            max_credit_percent: self.max_credit_percent,
            min_credit_minor: self.min_credit.minor,
            monthly_fee_minor: self.price.minor,
            currency_exponent: self.price.currency.exponent(),
        }
    }
}
