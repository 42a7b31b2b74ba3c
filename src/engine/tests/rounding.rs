//! SPEC §4.9 and §5.4: exact comparisons, one rounding half away from zero, minor units.
//! April 2026 in UTC: 43,200 min = 2,592,000 s.

use super::credits::{fee, major, one_hour};
use super::*;

#[test]
fn tier_thresholds_compare_the_exact_uptime() {
    // D = 2,592 s is exactly 0.1 % of E: U = 99.9 exactly, not below 99.9 → no credit.
    let exact = [major(1, "2026-04-20T00:00:00Z", "2026-04-20T00:43:12Z")];
    let s = april(&fee(30_000), &april_sub(), &exact);
    assert_eq!(s.uptime_percent, Ratio::new(999, 10));
    assert_eq!(s.reason, Some(NoCredit::AboveTarget));
    // One second more: U = 99.89996…, shown as 99.9000, but below 99.9 → 10 %.
    let more = [major(1, "2026-04-20T00:00:00Z", "2026-04-20T00:43:13Z")];
    let s = april(&fee(30_000), &april_sub(), &more);
    assert_eq!(s.uptime_display(), dec("99.9000"));
    assert_eq!(s.credit_percent, Ratio::from_integer(10));
    assert_eq!(s.amount_minor, 3_000);
}

#[test]
fn yen_and_dinar_round_half_away_from_zero() {
    let jpy = |minor| Terms {
        currency_exponent: 0,
        ..fee(minor)
    };
    // 10 % of ¥1,005 = ¥100.5 → ¥101; of ¥1,004 = ¥100.4 → ¥100.
    assert_eq!(
        april(&jpy(1_005), &april_sub(), &[one_hour()]).amount_minor,
        101
    );
    assert_eq!(
        april(&jpy(1_004), &april_sub(), &[one_hour()])
            .amount()
            .to_string(),
        "100"
    );
    // 10 % of BHD 12.345 = 1.2345 → 1.235 (fils).
    let bhd = Terms {
        currency_exponent: 3,
        ..fee(12_345)
    };
    let s = april(&bhd, &april_sub(), &[one_hour()]);
    assert_eq!(s.amount_minor, 1_235);
    assert_eq!(s.amount().to_string(), "1.235");
}

#[test]
fn amount_is_rounded_once_not_after_prorating() {
    // ¥201 a month, subscribed for the last 15 days: F = ¥100.5 (not ¥101). 50 % of it is
    // ¥50.25 → ¥50. Rounding F first would give 50 % of ¥101 = ¥50.5 → ¥51.
    let tiers = vec![Tier {
        below_percent: dec("99.9"),
        credit_percent: dec("50"),
    }];
    let terms = Terms {
        currency_exponent: 0,
        credit_policy: CreditPolicy::Tiered { tiers },
        ..fee(201)
    };
    let s = april(&terms, &subscriber("2026-04-16T00:00:00Z"), &[one_hour()]);
    assert_eq!(s.fee_minor, Ratio::new(201, 2));
    assert_eq!(s.fee_minor_rounded(), 101);
    assert_eq!(s.amount_minor, 50);
}
