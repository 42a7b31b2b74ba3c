//! SPEC §5: fee, credit percent, cap, rounding, minimum. April 2026 in UTC has 30 days:
//! 43,200 min = 2,592,000 s.

use super::*;
use Severity::*;

pub(super) fn fee(minor: i64) -> Terms {
    Terms {
        monthly_fee_minor: minor,
        ..Terms::default()
    }
}

pub(super) fn major(id: i64, from: &str, to: &str) -> Window {
    window(id, "api", MajorOutage, from, to)
}

/// 60 min down on April 20th: U = 100 × 43,140 / 43,200 = 99.861… → 10 % under default tiers.
pub(super) fn one_hour() -> Window {
    major(1, "2026-04-20T00:00:00Z", "2026-04-20T01:00:00Z")
}

fn proportional(multiplier: &str, basis: Basis) -> Terms {
    Terms {
        credit_policy: CreditPolicy::Proportional {
            multiplier: dec(multiplier),
            basis,
        },
        sla_target_percent: dec("99.9"),
        ..fee(100_000)
    }
}

#[test]
fn subscription_starting_mid_month_pays_and_measures_a_share() {
    // From April 11th: 20 of 30 days. F = 30,000 × 20/30 = 20,000. An outage on the 5th is
    // before the subscription and does not count.
    let sub = subscriber("2026-04-11T00:00:00Z");
    let windows = [
        one_hour(),
        major(2, "2026-04-05T00:00:00Z", "2026-04-05T05:00:00Z"),
    ];
    let s = april(&fee(30_000), &sub, &windows);
    assert_eq!(
        s.usage.measured,
        Span::new(t("2026-04-11T00:00:00Z"), t("2026-05-01T00:00:00Z"))
    );
    assert_eq!(s.usage.eligible_seconds, 20 * 86_400);
    assert_eq!(s.fee_minor, Ratio::from_integer(20_000));
    // U = 100 × (28,800 − 60)/28,800 = 99.79166… → 99.7917; 10 % of 20,000.
    assert_eq!(s.uptime_display(), dec("99.7917"));
    assert_eq!(s.amount_minor, 2_000);
    assert_eq!(&s.usage.window_ids[..], &[1]);
}

#[test]
fn subscription_ending_mid_month_pays_a_share() {
    // Until April 16th: 15 days. F = 30,000 / 2 = 15,000; the outage on the 20th is after it.
    let sub = Subscriber {
        end: Some(t("2026-04-16T00:00:00Z")),
        ..april_sub()
    };
    let s = april(&fee(30_000), &sub, &[one_hour()]);
    assert_eq!(s.fee_minor, Ratio::from_integer(15_000));
    assert_eq!(s.reason, Some(NoCredit::NoDowntime));
    assert_eq!(s.amount_minor, 0);
}

#[test]
fn fee_override_replaces_the_plan_price() {
    let sub = Subscriber {
        fee_override_minor: Some(12_000),
        ..april_sub()
    };
    assert_eq!(april(&fee(30_000), &sub, &[one_hour()]).amount_minor, 1_200);
}

#[test]
fn proportional_beyond_target() {
    // 200 min down. Allowed: 0.1 % × 43,200 = 43.2 min; beyond: 156.8 min.
    // C = 2 × 100 × 156.8 / 43,200 = 98/135 % = 0.7259…%; amount = 100,000 × 98/135 / 100
    // = 725.93 → 726.
    let windows = [major(1, "2026-04-10T00:00:00Z", "2026-04-10T03:20:00Z")];
    let s = april(
        &proportional("2", Basis::BeyondTarget),
        &april_sub(),
        &windows,
    );
    assert_eq!(s.credit_percent, Ratio::new(98, 135));
    assert_eq!(s.credit_percent_display(), dec("0.7259"));
    assert_eq!(s.amount_minor, 726);
    // Basis downtime: C = 2 × 100 × 200 / 43,200 = 25/27 %; amount = 25,000/27 = 925.9 → 926.
    let s = april(&proportional("2", Basis::Downtime), &april_sub(), &windows);
    assert_eq!(s.credit_percent, Ratio::new(25, 27));
    assert_eq!(s.amount_minor, 926);
}

#[test]
fn proportional_within_target_gives_nothing() {
    // 40 min < 43.2 min allowed.
    let windows = [major(1, "2026-04-10T00:00:00Z", "2026-04-10T00:40:00Z")];
    let s = april(
        &proportional("2", Basis::BeyondTarget),
        &april_sub(),
        &windows,
    );
    assert_eq!((s.credit_percent, s.amount_minor), (Ratio::ZERO, 0));
    assert_eq!(s.reason, Some(NoCredit::AboveTarget));
    // One second beyond: C = 2 × 100 × 1 / 2,592,000 %, amount 0.077 → 0 minor: it rounds to
    // zero; with a minimum credit of 1 it is below the minimum first (SPEC §5.5 order).
    let windows = [major(1, "2026-04-10T00:00:00Z", "2026-04-10T00:43:13Z")];
    let s = april(
        &proportional("2", Basis::BeyondTarget),
        &april_sub(),
        &windows,
    );
    assert_eq!(s.credit_percent, Ratio::new(1, 12_960));
    assert_eq!(
        (s.amount_minor, s.reason),
        (0, Some(NoCredit::RoundsToZero))
    );
    let minimum = Terms {
        min_credit_minor: 1,
        ..proportional("2", Basis::BeyondTarget)
    };
    assert_eq!(
        april(&minimum, &april_sub(), &windows).reason,
        Some(NoCredit::BelowMinimum)
    );
}

#[test]
fn the_cap_applies_to_the_percent_before_the_amount() {
    // 1 h with multiplier 1000: C = 1000 × 100 × 3,600 / 2,592,000 = 138.9 % → capped at 50.
    let terms = Terms {
        max_credit_percent: dec("50"),
        ..proportional("1000", Basis::Downtime)
    };
    let s = april(&terms, &april_sub(), &[one_hour()]);
    assert_eq!(s.credit_percent, Ratio::from_integer(50));
    assert_eq!(s.amount_minor, 50_000);
    // Tiered: a whole month down earns 100 %, capped at 20 %.
    let terms = Terms {
        max_credit_percent: dec("20"),
        ..fee(100_000)
    };
    let month = [major(1, "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")];
    assert_eq!(april(&terms, &april_sub(), &month).amount_minor, 20_000);
}

#[test]
fn reasons_for_no_credit() {
    // Nothing happened.
    assert_eq!(
        april(&fee(30_000), &april_sub(), &[]).reason,
        Some(NoCredit::NoDowntime)
    );
    // Degraded performance weighs 0: impacted, but no downtime.
    let degraded = [window(
        1,
        "api",
        DegradedPerformance,
        "2026-04-20T00:00:00Z",
        "2026-04-21T00:00:00Z",
    )];
    let s = april(&fee(30_000), &april_sub(), &degraded);
    assert_eq!(
        (s.usage.impacted_seconds, s.reason),
        (86_400, Some(NoCredit::NoDowntime))
    );
    // 10 % of 300.00 = 30.00 is under a 50.00 minimum: shown, not issued.
    let minimum = Terms {
        min_credit_minor: 5_000,
        ..fee(30_000)
    };
    let s = april(&minimum, &april_sub(), &[one_hour()]);
    assert_eq!((s.amount_minor, s.issued_minor()), (3_000, 0));
    assert_eq!(s.reason, Some(NoCredit::BelowMinimum));
}

#[test]
fn invalid_terms_are_refused() {
    let check = |terms: Terms, field: &str| {
        let err = statement(
            period("2026-04"),
            0,
            &terms,
            &april_sub(),
            &[],
            &Groups::new(),
        )
        .unwrap_err();
        assert_eq!(err.field, field);
    };
    let weights = |major| Weights {
        major_outage: dec(major),
        ..Weights::default()
    };
    check(
        Terms {
            weights: weights("1.5"),
            ..Terms::default()
        },
        "weights.major_outage",
    );
    check(
        Terms {
            weights: weights("0.12345"),
            ..Terms::default()
        },
        "weights.major_outage",
    );
    check(
        Terms {
            weights: weights("-0.1"),
            ..Terms::default()
        },
        "weights.major_outage",
    );
    let tiers = vec![Tier {
        below_percent: dec("99"),
        credit_percent: dec("100.5"),
    }];
    check(
        Terms {
            credit_policy: CreditPolicy::Tiered { tiers },
            ..Terms::default()
        },
        "tiers[0].credit_percent",
    );
    check(
        Terms {
            min_downtime_seconds: -1,
            ..Terms::default()
        },
        "min_downtime_seconds",
    );
    check(
        Terms {
            currency_exponent: 5,
            ..Terms::default()
        },
        "currency_exponent",
    );
    // Trailing zeros are fine: 0.30000 is 0.3.
    assert_eq!(
        Terms {
            weights: Weights {
                partial_outage: dec("0.30000"),
                ..Weights::default()
            },
            ..Terms::default()
        }
        .validate(),
        Ok(())
    );
}

#[test]
fn a_percent_of_the_fee_rounds_once() {
    use crate::engine::{Ratio, percent_of_fee};
    use rust_decimal::Decimal;
    // 300.00 USD for 16 of 31 days = 15,483.870967… minor; 10 % = 1,548.387… → 1,548.
    let fee = Ratio::new(30_000 * 16, 31);
    assert_eq!(percent_of_fee(fee, Decimal::new(10, 0)), 1548);
    // 12.5 % of 1.00 = 12.5 minor → 13 (half away from zero).
    assert_eq!(
        percent_of_fee(Ratio::from_integer(100), Decimal::new(125, 1)),
        13
    );
    assert_eq!(percent_of_fee(Ratio::from_integer(100), Decimal::ZERO), 0);
}
