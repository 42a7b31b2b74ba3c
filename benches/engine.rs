//! A month's credit run: 20 plan versions, 200 components (20 groups of 9 members and the groups
//! themselves), 3 regions, 20,000 windows, 100,000 and 200,000 subscriptions. Deterministic data
//! from a linear congruential generator.

use std::hint::black_box;
use std::time::Duration;

use chrono_tz::Tz;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use rust_decimal::Decimal;
use sla_ledger::engine::{
    Basis, CreditPolicy, Groups, Maintenance, Period, Severity, Subscriber, Terms, Window, batch,
};

/// 2026-03-01T00:00:00Z and the month's length in UTC.
const MONTH_START: i64 = 1_772_323_200;
const MONTH: i64 = 31 * 86_400;
const REGIONS: [&str; 3] = ["na", "emea", "apac"];
const CUSTOMERS: u64 = 80_000;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn between(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low) as u64) as i64
    }

    fn percent(&mut self) -> u64 {
        self.below(100)
    }
}

fn component_keys() -> (Vec<String>, Groups) {
    let mut keys = Vec::new();
    let mut groups = Groups::new();
    for g in 0..20 {
        let group = format!("g{g:02}");
        keys.push(group.clone());
        for m in 0..9 {
            let member = format!("{group}.m{m}");
            groups.insert(member.clone(), group.clone());
            keys.push(member);
        }
    }
    (keys, groups)
}

fn windows(rng: &mut Lcg, keys: &[String]) -> Vec<Window> {
    (0..20_000)
        .map(|id| {
            let severity = match rng.percent() {
                0..40 => Severity::DegradedPerformance,
                40..75 => Severity::PartialOutage,
                75..97 => Severity::MajorOutage,
                _ => Severity::Maintenance,
            };
            // Mostly blips under two minutes, some incidents, a few long ones.
            let length = match rng.percent() {
                0..60 => rng.between(5, 120),
                60..90 => rng.between(120, 1_800),
                _ => rng.between(1_800, 4 * 3_600),
            };
            let start = MONTH_START + rng.between(-86_400, MONTH);
            let regions = match rng.percent() {
                0..10 => vec![REGIONS[rng.below(3) as usize].to_owned()],
                10..12 => vec!["na".to_owned(), "emea".to_owned()],
                _ => Vec::new(),
            };
            let customers = if rng.percent() == 0 {
                (0..=rng.below(3))
                    .map(|_| 1 + rng.below(CUSTOMERS) as i64)
                    .collect()
            } else {
                Vec::new()
            };
            Window {
                id,
                component: keys[rng.below(keys.len() as u64) as usize].clone(),
                severity,
                start,
                // A few incidents are still open at the as-of instant (never maintenance).
                end: (severity == Severity::Maintenance || rng.below(1_000) != 0)
                    .then_some(start + length),
                regions,
                customers,
            }
        })
        .collect()
}

fn plans(rng: &mut Lcg, keys: &[String]) -> Vec<Terms> {
    let zones = [
        Tz::UTC,
        Tz::America__New_York,
        Tz::Europe__Berlin,
        Tz::Asia__Tokyo,
    ];
    (0..20)
        .map(|i| {
            let components = match i {
                19 => Vec::new(), // everything
                _ if i % 5 == 0 => (0..2).map(|_| format!("g{:02}", rng.below(20))).collect(),
                _ => (0..rng.between(3, 13))
                    .map(|_| keys[rng.below(keys.len() as u64) as usize].clone())
                    .collect(),
            };
            let credit_policy = if i % 4 == 3 {
                CreditPolicy::Proportional {
                    multiplier: Decimal::new(15, 1),
                    basis: Basis::BeyondTarget,
                }
            } else {
                CreditPolicy::default()
            };
            Terms {
                timezone: zones[i % zones.len()],
                components,
                min_downtime_seconds: [0, 30, 60][i % 3],
                maintenance: if i % 7 == 0 {
                    Maintenance::Counted
                } else {
                    Maintenance::Excluded
                },
                credit_policy,
                monthly_fee_minor: rng.between(10_000, 500_000),
                currency_exponent: if i % 10 == 9 { 0 } else { 2 },
                ..Terms::default()
            }
        })
        .collect()
}

fn subscriptions(rng: &mut Lcg, count: usize) -> Vec<(usize, Subscriber)> {
    (0..count)
        .map(|i| {
            let region = match rng.percent() {
                0..40 => Some("na"),
                40..70 => Some("emea"),
                70..90 => Some("apac"),
                _ => None,
            };
            let start = match rng.percent() {
                0..90 => MONTH_START - 400 * 86_400,
                _ => MONTH_START + rng.between(0, MONTH),
            };
            let end =
                (rng.percent() < 5).then(|| start.max(MONTH_START) + rng.between(3_600, MONTH));
            let fee_override_minor = (rng.percent() < 10).then(|| rng.between(5_000, 100_000));
            let subscriber = Subscriber {
                subscription_id: i as i64,
                customer_id: 1 + (i as u64 % CUSTOMERS) as i64,
                region: region.map(str::to_owned),
                start,
                end,
                fee_override_minor,
            };
            (rng.below(20) as usize, subscriber)
        })
        .collect()
}

fn credit_run(c: &mut Criterion) {
    let mut rng = Lcg(0x5EED);
    let (keys, groups) = component_keys();
    let windows = windows(&mut rng, &keys);
    let plans = plans(&mut rng, &keys);
    let period = Period::parse("2026-03").unwrap_or_else(|e| panic!("{e}"));
    let as_of = MONTH_START + MONTH + 2 * 86_400;

    let mut group = c.benchmark_group("batch::statements");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for count in [100_000, 200_000] {
        let subs = subscriptions(&mut rng, count);
        group.bench_function(format!("{count} subscriptions"), |b| {
            b.iter(|| {
                let out = batch::statements(period, as_of, &plans, &subs, &windows, &groups);
                black_box(out.unwrap_or_else(|e| panic!("{e}")))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, credit_run);
criterion_main!(benches);
