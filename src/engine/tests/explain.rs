//! SPEC §9: exposure never falls when a window is added, §9.2 headroom and §9.4 explanations:
//! SPEC's worked figures, cases worked by hand, and random months whose segments must add up to
//! the statement's I and D.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::min_downtime::{interruptions, min};
use super::strategies::*;
use super::worked_example::{acme, january_windows, pro_v1};
use super::*;
use Severity::*;

fn january() -> Explanation {
    explain(
        period("2026-01"),
        t("2026-02-01T00:00:00Z"),
        &pro_v1(),
        &acme(),
        &january_windows(),
        &Groups::new(),
    )
    .unwrap()
}

fn span(from: &str, to: &str) -> Span {
    Span::new(t(from), t(to))
}

#[test]
fn spec_worked_example_explained() {
    let x = january();
    assert_eq!(
        x.excluded,
        vec![span("2026-01-10T02:00:00Z", "2026-01-10T04:00:00Z")]
    );
    let listed: Vec<(i64, Option<Decimal>, bool)> = x
        .windows
        .iter()
        .map(|w| (w.id, w.weight, w.counted))
        .collect();
    assert_eq!(
        listed,
        vec![
            (4, None, false), // the maintenance, excluded
            (1, Some(dec("1")), true),
            (3, Some(dec("0.3")), true),
            (2, Some(dec("1")), true),
        ],
        "by start"
    );
    let segment = |from: &str, to: &str, severity: Severity, weight: &str| Segment {
        span: span(
            &format!("2026-01-31T{from}:00Z"),
            &format!("2026-01-31T{to}:00Z"),
        ),
        severity,
        weight: dec(weight),
        dropped: false,
    };
    assert_eq!(
        x.segments,
        vec![
            segment("05:10", "05:16", MajorOutage, "1"),
            segment("07:00", "07:03", PartialOutage, "0.3"),
            segment("07:03", "08:38", MajorOutage, "1"),
            segment("08:38", "09:00", PartialOutage, "0.3"),
        ]
    );
    assert!(x.dropped_runs.is_empty());
    assert_eq!(
        x.rule,
        CreditRule::Tier {
            below_percent: dec("99.9"),
            credit_percent: dec("10")
        }
    );
    assert_eq!(x.uncapped_percent, Ratio::from_integer(10));
    assert_eq!(x.cap_percent, dec("100"));
    // F = 30,000 minor × 10 / 100 = 3,000 minor exactly.
    assert_eq!(x.amount_exact_minor, Some(Ratio::from_integer(3_000)));
    assert_eq!(x.statement.amount_minor, 3_000);
    // U = 100 × (2,671,200 − 6,510) / 2,671,200 exactly.
    assert_eq!(
        x.statement.uptime_percent,
        Ratio::new(100 * (2_671_200 - 6_510), 2_671_200)
    );
}

#[test]
fn spec_worked_headroom() {
    let x = january();
    let h = headrooms(&pro_v1(), &x.statement.usage).unwrap();
    // 44,520 min × 0.001 − 108.5 min = −63.98 min = −3,838.8 s.
    assert_eq!(
        h.budget,
        Headroom {
            below_percent: dec("99.9"),
            seconds: dec("-3838.8")
        }
    );
    assert_eq!(minutes_display(h.budget.seconds), dec("-63.98"));
    // Next tier below 99.0 → 25: 44,520 × 0.01 − 108.5 = 336.70 min = 20,202 s.
    let next = h.next_tier.unwrap();
    assert_eq!(
        (next.below_percent, next.credit_percent),
        (dec("99"), dec("25"))
    );
    assert_eq!(next.headroom.seconds, dec("20202"));
    assert_eq!(minutes_display(next.headroom.seconds), dec("336.70"));
}

/// E = 100,000 s with D set directly.
fn usage(downtime_seconds: i64) -> Usage {
    let mut u = Usage::empty(Span::new(0, 100_000));
    u.downtime_e4 = downtime_seconds * 10_000;
    u
}

#[test]
fn headroom_at_and_past_a_threshold() {
    let terms = Terms::default(); // target 99.9; tiers 99.9 → 10, 99 → 25, 95 → 100
    // D = 100 s: U = 99.9 exactly, so 99.9 is not above U: that tier is next, with 0 left.
    let h = headrooms(&terms, &usage(100)).unwrap();
    assert_eq!(h.budget.seconds, Decimal::ZERO);
    let next = h.next_tier.unwrap();
    assert_eq!(
        (next.below_percent, next.headroom.seconds),
        (dec("99.9"), Decimal::ZERO)
    );
    // One more second: U < 99.9, the budget is 1 s over, 99.0 is next, 899 s away.
    let h = headrooms(&terms, &usage(101)).unwrap();
    assert_eq!(h.budget.seconds, dec("-1"));
    let next = h.next_tier.unwrap();
    assert_eq!(
        (next.below_percent, next.headroom.seconds),
        (dec("99"), dec("899"))
    );
    // D = 6,000 s: U = 94 %, below every tier: no next tier.
    assert_eq!(headrooms(&terms, &usage(6_000)).unwrap().next_tier, None);
    // A proportional policy has no tiers.
    let proportional = Terms {
        credit_policy: CreditPolicy::Proportional {
            multiplier: dec("1"),
            basis: Basis::Downtime,
        },
        ..Terms::default()
    };
    let h = headrooms(&proportional, &usage(0)).unwrap();
    assert_eq!((h.budget.seconds, h.next_tier), (dec("100"), None));
}

#[test]
fn dropped_runs_are_listed_and_count_nothing() {
    // See `min_downtime::interruptions`: with a 30 s minimum, windows 1, 2, 8 and 10 are dropped.
    let x = explain(
        period("2026-04"),
        t("2026-05-01T00:00:00Z"),
        &min(30),
        &subscriber("2026-01-01T00:00:00Z"),
        &interruptions(),
        &Groups::new(),
    )
    .unwrap();
    let at = |s: &str| t(&format!("2026-04-02T{s}Z"));
    let runs: Vec<(i64, i64)> = x.dropped_runs.iter().map(|r| (r.start, r.end)).collect();
    assert_eq!(
        runs,
        vec![
            (at("10:00:00"), at("10:00:10")),
            (at("10:05:00"), at("10:05:29")),
            (at("10:25:00"), at("10:25:20")),
            (at("10:25:30"), at("10:25:50")),
        ]
    );
    let degraded = x
        .segments
        .iter()
        .find(|s| s.severity == DegradedPerformance)
        .unwrap();
    assert_eq!(
        (degraded.span.seconds(), degraded.weight, degraded.dropped),
        (10, Decimal::ZERO, false),
        "impacted, weight 0, in no run"
    );
    assert!(
        x.segments
            .iter()
            .filter(|s| s.dropped)
            .all(|s| s.downtime_seconds().is_zero())
    );
    // 30 + 40 + 20 × 1 + 15 × 0.3 = 94.5 s.
    assert_eq!(x.statement.usage.downtime_seconds, dec("94.5"));
}

/// SPEC §9.1: the statement with every window as stored at `now` (open ones ending there) and
/// the period measured whole.
fn exposure(terms: &Terms, sub: &Subscriber, windows: &[Window], now: i64) -> Statement {
    let ended: Vec<Window> = windows
        .iter()
        .cloned()
        .filter_map(|w| w.ended_by(now))
        .collect();
    statement(period(PERIOD), AFTER, terms, sub, &ended, &groups()).unwrap()
}

#[test]
fn an_open_window_ends_now_and_the_span_is_whole() {
    let terms = Terms::default();
    let sub = subscriber("2026-01-01T00:00:00Z");
    let open = Window {
        end: None,
        ..window(
            1,
            "api",
            MajorOutage,
            "2026-03-10T10:00:00Z",
            "2026-03-10T10:00:01Z",
        )
    };
    let later = window(
        2,
        "api",
        Maintenance,
        "2026-03-20T00:00:00Z",
        "2026-03-20T02:00:00Z",
    );
    let not_yet = Window {
        end: None,
        ..window(
            3,
            "api",
            MajorOutage,
            "2026-03-10T13:00:00Z",
            "2026-03-10T13:00:01Z",
        )
    };
    let now = t("2026-03-10T12:00:00Z");
    let s = exposure(&terms, &sub, &[open, later, not_yet], now);
    // March 2026 in UTC: 31 days = 2,678,400 s, less the scheduled 2 hours: E = 2,671,200 s.
    assert_eq!(s.usage.measured.seconds(), 2_678_400);
    assert_eq!(s.usage.eligible_seconds, 2_671_200);
    // The open window counts 10:00–12:00 only; the one starting at 13:00 not at all.
    assert_eq!(s.usage.downtime_seconds, dec("7200"));
    assert_eq!(&s.usage.window_ids[..], &[1]);
}

proptest! {
    #[test]
    fn exposure_never_falls_when_a_window_is_added(
        terms in terms(vec![chrono_tz::Tz::UTC, chrono_tz::Tz::America__New_York]),
        sub in subscriber_strategy(), now in as_of(),
        windows in numbered(scoped_window(), 8), extra in scoped_window(),
    ) {
        // Excluded maintenance shortens E instead of adding downtime: not an outage.
        let counts = extra.severity != Severity::Maintenance
            || terms.maintenance == super::Maintenance::Counted;
        prop_assume!(counts);
        let mut more = windows.clone();
        more.push(Window { id: 99, ..extra });
        let before = exposure(&terms, &sub, &windows, now);
        let after = exposure(&terms, &sub, &more, now);
        prop_assert!(after.usage.downtime_seconds >= before.usage.downtime_seconds);
        prop_assert!(after.credit_percent >= before.credit_percent);
        prop_assert!(after.issued_minor() >= before.issued_minor());
    }

    #[test]
    fn segments_add_up_to_the_statement(
        terms in terms(vec![chrono_tz::Tz::UTC, chrono_tz::Tz::America__New_York]),
        sub in subscriber_strategy(), as_of in as_of(),
        windows in numbered(scoped_window(), 10),
    ) {
        let p = period(PERIOD);
        let x = explain(p, as_of, &terms, &sub, &windows, &groups()).unwrap();
        let s = statement(p, as_of, &terms, &sub, &windows, &groups()).unwrap();
        prop_assert_eq!(&x.statement, &s, "the explanation's statement is the statement");
        let u = &s.usage;
        let impacted: i64 = x.segments.iter().map(|g| g.span.seconds()).sum();
        prop_assert_eq!(impacted, u.impacted_seconds);
        let downtime: Decimal = x.segments.iter().map(Segment::downtime_seconds).sum();
        prop_assert_eq!(downtime, u.downtime_seconds);
        let excluded: i64 = x.excluded.iter().map(|e| e.seconds()).sum();
        prop_assert_eq!(excluded, u.excluded_seconds);
        for run in &x.dropped_runs {
            prop_assert!(run.seconds() < terms.min_downtime_seconds);
        }
        let counted: Vec<i64> = x.windows.iter().filter(|w| w.counted).map(|w| w.id).collect();
        let mut listed = u.window_ids.to_vec();
        listed.retain(|id| counted.contains(id));
        prop_assert_eq!(listed.len(), u.window_ids.len(), "every counted window is listed");
        for w in &x.windows {
            prop_assert!(u.measured.intersect(w.span) == w.span, "clipped to the measured span");
        }
        // Headroom's sign is the exact comparison of U with the target.
        let h = headrooms(&terms, u).unwrap();
        let target = Ratio::new(terms.sla_target_percent.mantissa(), 10i128.pow(terms.sla_target_percent.scale()));
        prop_assert_eq!(h.budget.seconds < Decimal::ZERO, u.eligible_seconds > 0 && s.uptime_percent < target);
    }
}
