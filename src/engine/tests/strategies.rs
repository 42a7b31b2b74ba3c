//! Generators for the property tests. Most boundaries fall on a 15-second grid near `BASE`, so
//! windows, subscription edges and the as-of instant often coincide or touch.

use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;

use super::*;

/// 2026-03-01 00:00 in New York (05:00Z), inside 2026-03 in both zones used.
pub(super) const BASE: i64 = 1_772_341_200;
pub(super) const PERIOD: &str = "2026-03";
/// After 2026-03 in every zone used.
pub(super) const AFTER: i64 = BASE + 40 * 86_400;
pub(super) const COMPONENTS: [&str; 5] = ["api", "web", "tel", "tel.in", "tel.out"];

pub(super) fn groups() -> Groups {
    [("tel.in", "tel"), ("tel.out", "tel")]
        .into_iter()
        .collect()
}

pub(super) fn offset() -> impl Strategy<Value = i64> {
    prop_oneof![6 => (0i64..80).prop_map(|k| k * 15), 1 => 0i64..2_400_000, 1 => -3_000i64..0]
}

fn length() -> impl Strategy<Value = i64> {
    prop_oneof![4 => (1i64..=8).prop_map(|k| k * 15), 2 => 1i64..400, 1 => 1i64..200_000]
}

pub(super) fn severity() -> impl Strategy<Value = Severity> {
    select(Severity::ALL.to_vec())
}

pub(super) fn scoped_window() -> impl Strategy<Value = Window> {
    let scope = (
        prop::sample::subsequence(vec!["na", "eu"], 0..=2),
        prop::sample::subsequence(vec![1i64, 2, 3], 0..=2),
    );
    (
        select(COMPONENTS.to_vec()),
        severity(),
        offset(),
        length(),
        prop::bool::weighted(0.1),
        scope,
    )
        .prop_map(
            |(component, severity, start, len, open, (regions, customers))| Window {
                id: 0,
                component: component.to_owned(),
                severity,
                start: BASE + start,
                end: (!open).then_some(BASE + start + len),
                regions: regions.into_iter().map(str::to_owned).collect(),
                customers,
            },
        )
}

/// Windows numbered 1, 2, … in order.
pub(super) fn numbered(
    windows: impl Strategy<Value = Window>,
    max: usize,
) -> impl Strategy<Value = Vec<Window>> {
    prop::collection::vec(windows, 0..max).prop_map(|mut v| {
        for (i, w) in v.iter_mut().enumerate() {
            w.id = i as i64 + 1;
        }
        v
    })
}

fn e4(value: i64) -> Decimal {
    Decimal::new(value, 4)
}

pub(super) fn policy() -> impl Strategy<Value = CreditPolicy> {
    let tier = (950_000i64..=1_000_000, 0i64..=1_000_000).prop_map(|(below, credit)| Tier {
        below_percent: e4(below),
        credit_percent: e4(credit),
    });
    prop_oneof![
        prop::collection::vec(tier, 0..4).prop_map(|tiers| CreditPolicy::Tiered { tiers }),
        Just(CreditPolicy::default()),
        (0i64..=200_000, prop::bool::ANY).prop_map(|(m, beyond)| CreditPolicy::Proportional {
            multiplier: e4(m),
            basis: if beyond {
                Basis::BeyondTarget
            } else {
                Basis::Downtime
            },
        }),
    ]
}

pub(super) fn terms(zones: Vec<Tz>) -> impl Strategy<Value = Terms> {
    let weights = (
        0i64..=10_000,
        0i64..=10_000,
        prop_oneof![Just(0i64), 0i64..=10_000],
    )
        .prop_map(|(a, b, c)| Weights {
            major_outage: e4(a),
            partial_outage: e4(b),
            degraded_performance: e4(c),
        });
    let components = prop::sample::subsequence(COMPONENTS.to_vec(), 0..=3);
    let money = (0i64..1_000_000_000, 0i64..5_000, select(vec![0u32, 2, 3]));
    let limits = (
        990_000i64..=1_000_000,
        0i64..=1_000_000,
        select(vec![0i64, 15, 30, 45, 100]),
    );
    let maintenance = select(vec![Maintenance::Excluded, Maintenance::Counted]);
    (
        select(zones),
        components,
        weights,
        maintenance,
        policy(),
        money,
        limits,
    )
        .prop_map(
            |(timezone, components, weights, maintenance, credit_policy, money, limits)| Terms {
                timezone,
                components: components.into_iter().map(str::to_owned).collect(),
                weights,
                min_downtime_seconds: limits.2,
                maintenance,
                sla_target_percent: e4(limits.0),
                credit_policy,
                max_credit_percent: e4(limits.1),
                min_credit_minor: money.1,
                monthly_fee_minor: money.0,
                currency_exponent: money.2,
            },
        )
}

pub(super) fn subscriber_strategy() -> impl Strategy<Value = Subscriber> {
    let start = prop_oneof![3 => Just(BASE - 10_000_000), 2 => offset().prop_map(|o| BASE + o)];
    let end = prop::option::weighted(0.3, length());
    let region = select(vec![None, Some("na"), Some("eu")]);
    let fee = prop::option::weighted(0.2, 0i64..1_000_000);
    (1i64..=4, region, start, end, fee).prop_map(
        |(customer_id, region, start, end, fee_override_minor)| Subscriber {
            subscription_id: customer_id,
            customer_id,
            region: region.map(str::to_owned),
            start,
            end: end.map(|len| start.max(BASE - 3_000) + len),
            fee_override_minor,
        },
    )
}

pub(super) fn as_of() -> impl Strategy<Value = i64> {
    prop_oneof![2 => Just(AFTER), 1 => offset().prop_map(|o| BASE + o)]
}

/// Windows on a coarse 20-second grid in the first quarter hour, often customer-scoped: they
/// touch and overlap a lot, which is where runs join or split.
pub(super) fn grid_window() -> impl Strategy<Value = Window> {
    let customers = prop::sample::subsequence(vec![1i64, 2], 0..=1);
    (
        select(vec!["api", "tel", "tel.in"]),
        severity(),
        0i64..45,
        1i64..6,
        customers,
    )
        .prop_map(|(component, severity, start, len, customers)| Window {
            id: 0,
            component: component.to_owned(),
            severity,
            start: BASE + 20 * start,
            end: Some(BASE + 20 * (start + len)),
            regions: Vec::new(),
            customers,
        })
}
