//! Property tests of one statement (generators in `strategies.rs`).

use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;

use super::strategies::*;
use super::*;

fn one(as_of: i64, terms: &Terms, sub: &Subscriber, windows: &[Window]) -> Statement {
    statement(period(PERIOD), as_of, terms, sub, windows, &groups()).unwrap()
}

fn utc_terms() -> impl Strategy<Value = Terms> {
    terms(vec![Tz::UTC, Tz::America__New_York])
}

/// Per-second evaluation of SPEC §4 for windows that all apply: `(E, X, I, D·10^4)`.
fn brute_force(
    measured: Span,
    as_of: i64,
    windows: &[Window],
    terms: &Terms,
) -> (i64, i64, i64, i64) {
    let weight = |s: Severity| {
        let w = match (s, terms.maintenance) {
            (Severity::MajorOutage, _) | (Severity::Maintenance, Maintenance::Counted) => {
                terms.weights.major_outage
            }
            (Severity::PartialOutage, _) => terms.weights.partial_outage,
            (Severity::DegradedPerformance, _) => terms.weights.degraded_performance,
            (Severity::Maintenance, Maintenance::Excluded) => return None,
        };
        Some(i64::try_from((w * Decimal::from(10_000)).trunc().mantissa()).unwrap())
    };
    let range = measured.intersect(Span::new(BASE - 4_000, BASE + 3_000));
    let (mut excluded, mut impacted) = (0, 0);
    let mut impact = Vec::new(); // per second of `range`: None = excluded
    for second in range.start..range.end {
        let active: Vec<&Window> = windows
            .iter()
            .filter(|w| w.span(as_of).contains(second))
            .collect();
        if active.iter().any(|w| weight(w.severity).is_none()) {
            excluded += 1;
            impact.push(None);
            continue;
        }
        impacted += i64::from(!active.is_empty());
        impact.push(Some(
            active
                .iter()
                .filter_map(|w| weight(w.severity))
                .max()
                .unwrap_or(0),
        ));
    }
    let mut downtime = 0;
    for run in impact.split(|i| !matches!(i, Some(w) if *w > 0)) {
        if run.len() as i64 >= terms.min_downtime_seconds {
            downtime += run.iter().flatten().sum::<i64>();
        }
    }
    (measured.seconds() - excluded, excluded, impacted, downtime)
}

fn near_window() -> impl Strategy<Value = Window> {
    (severity(), -200i64..2_000, 1i64..600).prop_map(|(severity, start, len)| Window {
        id: 0,
        component: "api".into(),
        severity,
        start: BASE + start,
        end: Some(BASE + start + len),
        regions: Vec::new(),
        customers: Vec::new(),
    })
}

proptest! {
    #[test]
    fn matches_a_per_second_evaluation(
        terms in utc_terms(),
        windows in numbered(near_window(), 8),
        start in -3_000i64..2_500,
        len in prop_oneof![Just(i64::MAX / 4), 1i64..3_000],
        cut in prop_oneof![Just(AFTER), (-300i64..2_900).prop_map(|o| BASE + o)],
    ) {
        let terms = Terms { components: Vec::new(), ..terms };
        let sub = Subscriber {
            start: BASE + start,
            end: Some(BASE + start + len),
            ..subscriber("2026-01-01T00:00:00Z")
        };
        let s = one(cut, &terms, &sub, &windows);
        let (e, x, i, d4) = brute_force(s.usage.measured, cut, &windows, &terms);
        prop_assert_eq!(s.usage.eligible_seconds, e);
        prop_assert_eq!(s.usage.excluded_seconds, x);
        prop_assert_eq!(s.usage.impacted_seconds, i);
        prop_assert_eq!(s.usage.downtime_seconds, Decimal::new(d4, 4));
    }

    #[test]
    fn window_order_does_not_matter(
        terms in utc_terms(), sub in subscriber_strategy(), as_of in as_of(),
        (windows, shuffled) in numbered(scoped_window(), 10)
            .prop_flat_map(|w| (Just(w.clone()), Just(w).prop_shuffle())),
    ) {
        prop_assert_eq!(one(as_of, &terms, &sub, &windows), one(as_of, &terms, &sub, &shuffled));
    }

    #[test]
    fn splitting_a_window_changes_nothing(
        terms in utc_terms(), sub in subscriber_strategy(), as_of in as_of(),
        windows in numbered(scoped_window(), 8),
        pick in any::<prop::sample::Index>(),
        at in 1i64..100_000,
    ) {
        prop_assume!(!windows.is_empty());
        let i = pick.index(windows.len());
        let whole = &windows[i];
        let end = whole.end.unwrap_or(as_of);
        prop_assume!(end - whole.start >= 2);
        let middle = whole.start + 1 + at % (end - whole.start - 1);
        // Same id, same severity, touching: the same run and the same contributing window.
        let mut split = windows.clone();
        split[i].end = Some(middle);
        split.push(Window { start: middle, ..whole.clone() });
        prop_assert_eq!(one(as_of, &terms, &sub, &windows), one(as_of, &terms, &sub, &split));
    }

    #[test]
    fn more_outage_never_raises_uptime_nor_lowers_tiered_credit(
        terms in utc_terms(), sub in subscriber_strategy(), as_of in as_of(),
        windows in numbered(scoped_window(), 8), extra in scoped_window(),
    ) {
        let counts = extra.severity != Severity::Maintenance
            || terms.maintenance == Maintenance::Counted;
        prop_assume!(counts);
        let mut more = windows.clone();
        more.push(Window { id: 99, ..extra });
        let (before, after) = (one(as_of, &terms, &sub, &windows), one(as_of, &terms, &sub, &more));
        prop_assert!(after.uptime_percent <= before.uptime_percent);
        prop_assert!(after.usage.downtime_seconds >= before.usage.downtime_seconds);
        if let CreditPolicy::Tiered { .. } = terms.credit_policy {
            prop_assert!(after.credit_percent >= before.credit_percent);
            prop_assert!(after.amount_minor >= before.amount_minor);
        }
    }

    #[test]
    fn figures_stay_in_bounds(
        terms in utc_terms(),
        sub in subscriber_strategy(),
        as_of in as_of(),
        windows in numbered(scoped_window(), 10),
    ) {
        let s = one(as_of, &terms, &sub, &windows);
        let u = &s.usage;
        prop_assert!(Decimal::ZERO <= u.downtime_seconds);
        prop_assert!(u.downtime_seconds <= Decimal::from(u.impacted_seconds));
        prop_assert!(u.impacted_seconds <= u.eligible_seconds);
        prop_assert_eq!(u.eligible_seconds + u.excluded_seconds, u.measured.seconds());
        let b = u.by_severity;
        let winning = b.major_outage + b.partial_outage + b.degraded_performance;
        prop_assert_eq!(winning, u.impacted_seconds);
        prop_assert!(Ratio::ZERO <= s.uptime_percent);
        prop_assert!(s.uptime_percent <= Ratio::from_integer(100));
        // The cap holds, and no credit exceeds the prorated fee.
        let cap = terms.max_credit_percent;
        prop_assert!(s.credit_percent <= Ratio::new(cap.mantissa(), 10i128.pow(cap.scale())));
        prop_assert!(0 <= s.amount_minor && s.amount_minor <= s.fee_minor_rounded());
        let reason_ok = match s.reason {
            Some(NoCredit::NoDowntime) => u.downtime_seconds.is_zero(),
            Some(NoCredit::AboveTarget) => s.credit_percent.is_zero(),
            Some(NoCredit::BelowMinimum) => {
                !s.credit_percent.is_zero() && s.amount_minor < terms.min_credit_minor
            }
            Some(NoCredit::RoundsToZero) => {
                !s.credit_percent.is_zero()
                    && s.amount_minor == 0
                    && terms.min_credit_minor <= 0
            }
            None => {
                s.amount_minor >= terms.min_credit_minor
                    && s.amount_minor > 0
                    && !s.credit_percent.is_zero()
            }
        };
        prop_assert!(reason_ok);
    }

    #[test]
    fn a_whole_month_of_major_outage_is_zero_uptime(
        zone in select(vec![
            Tz::UTC, Tz::America__New_York, Tz::Asia__Kolkata, Tz::Australia__Lord_Howe,
        ]),
        year in 2000i32..2040, month in 1u32..=12, before in 0i64..100_000, after in 0i64..100_000,
    ) {
        let p = Period::new(year, month).unwrap();
        let span = p.span(zone);
        let terms = Terms { timezone: zone, monthly_fee_minor: 12_345, ..Terms::default() };
        let outage = Window {
            id: 1, component: "api".into(), severity: Severity::MajorOutage,
            start: span.start - before,
            end: Some(span.end + after),
            regions: Vec::new(),
            customers: Vec::new(),
        };
        let sub = Subscriber { start: span.start - 1, ..subscriber("2026-01-01T00:00:00Z") };
        let s = statement(p, span.end, &terms, &sub, &[outage], &Groups::new()).unwrap();
        prop_assert_eq!(s.uptime_percent, Ratio::ZERO);
        prop_assert_eq!(s.uptime_display(), Decimal::new(0, 4));
        prop_assert_eq!(s.usage.downtime_seconds, Decimal::from(span.seconds()));
        prop_assert_eq!(s.amount_minor, 12_345);
    }
}
