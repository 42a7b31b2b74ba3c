//! SPEC §8, exactly.

use std::sync::Arc;

use super::*;
use Severity::*;

pub(super) fn pro_v1() -> Terms {
    Terms {
        components: vec!["api".into(), "web".into()],
        monthly_fee_minor: 30_000, // USD 300.00
        currency_exponent: 2,
        ..Terms::default()
    }
}

pub(super) fn acme() -> Subscriber {
    Subscriber {
        region: Some("na".into()),
        ..subscriber("2026-01-01T00:00:00Z")
    }
}

pub(super) fn january_windows() -> Vec<Window> {
    vec![
        window(
            1,
            "api",
            MajorOutage,
            "2026-01-31T05:10:00Z",
            "2026-01-31T05:16:00Z",
        ),
        window(
            2,
            "api",
            MajorOutage,
            "2026-01-31T07:03:00Z",
            "2026-01-31T08:38:00Z",
        ),
        window(
            3,
            "web",
            PartialOutage,
            "2026-01-31T07:00:00Z",
            "2026-01-31T09:00:00Z",
        ),
        window(
            4,
            "api",
            Maintenance,
            "2026-01-10T02:00:00Z",
            "2026-01-10T04:00:00Z",
        ),
    ]
}

fn january(windows: &[Window]) -> Statement {
    both(
        "2026-01",
        t("2026-02-01T00:00:00Z"),
        &pro_v1(),
        &acme(),
        windows,
        &Groups::new(),
    )
}

#[test]
fn worked_example_of_spec_section_8() {
    let s = january(&january_windows());
    let u = &s.usage;
    // Period 2026-01 = 44,640 min = 2,678,400 s.
    assert_eq!(s.period_span.seconds(), 2_678_400);
    assert_eq!(u.measured, s.period_span);
    // Maintenance 02:00–04:00 = 120 min excluded: E = 44,520 min = 2,671,200 s.
    assert_eq!(u.excluded_seconds, 7_200);
    assert_eq!(u.eligible_seconds, 2_671_200);
    // Impacted: 05:10–05:16 (6 min) + 07:00–09:00 (120 min) = 126 min.
    assert_eq!(u.impacted_seconds, 7_560);
    // D = 101 min major + 25 min × 0.3 partial alone = 108.5 min = 6,510 s.
    assert_eq!(u.downtime_seconds, dec("6510"));
    assert_eq!(s.downtime_minutes(), dec("108.50"));
    // U = 100 × 44,411.5 / 44,520 = 100 × 2,664,690 / 2,671,200 = 99.75628…
    assert_eq!(s.uptime_percent, Ratio::new(266_469_000, 2_671_200));
    assert_eq!(s.uptime_display().to_string(), "99.7563");
    // Below 99.9 (not below 99.0) → 10 %; 300.00 × 10 % = 30.00.
    assert_eq!(s.credit_percent, Ratio::from_integer(10));
    assert_eq!(s.fee_minor, Ratio::from_integer(30_000));
    assert_eq!(s.amount_minor, 3_000);
    assert_eq!(s.amount().to_string(), "30.00");
    assert_eq!(s.reason, None);
    assert_eq!(s.issued_minor(), 3_000);
}

#[test]
fn worked_example_breakdowns() {
    let s = january(&january_windows());
    // Major wins 6 + 95 = 101 min; partial alone 3 + 22 = 25 min.
    assert_eq!(
        s.usage.by_severity,
        SeverityUsage {
            major_outage: 6_060,
            partial_outage: 1_500,
            degraded_performance: 0
        }
    );
    let expected: Arc<[ComponentUsage]> = Arc::from(vec![
        // api: 101 min at weight 1.
        ComponentUsage {
            component: "api".into(),
            impacted_seconds: 6_060,
            downtime_seconds: dec("6060"),
        },
        // web: 120 min at weight 0.3 = 36 min, counted for web on its own.
        ComponentUsage {
            component: "web".into(),
            impacted_seconds: 7_200,
            downtime_seconds: dec("2160"),
        },
    ]);
    assert_eq!(s.usage.by_component, expected);
    assert_eq!(&s.usage.window_ids[..], &[1, 2, 3]);
    assert_eq!(&s.usage.excluded_window_ids[..], &[4]);
}

#[test]
fn uncovered_components_do_not_count() {
    let mut windows = january_windows();
    windows.push(window(
        5,
        "billing",
        MajorOutage,
        "2026-01-05T00:00:00Z",
        "2026-01-06T00:00:00Z",
    ));
    let s = january(&windows);
    assert_eq!(s.usage.downtime_seconds, dec("6510"));
    assert_eq!(&s.usage.window_ids[..], &[1, 2, 3]);
}

#[test]
fn preview_in_the_middle_of_the_month() {
    // As of 2026-01-31T08:00Z: measured span is 30 days 8 h = 2,620,800 s, minus 7,200 excluded.
    let as_of = t("2026-01-31T08:00:00Z");
    let s = both(
        "2026-01",
        as_of,
        &pro_v1(),
        &acme(),
        &january_windows(),
        &Groups::new(),
    );
    assert_eq!(s.usage.eligible_seconds, 2_613_600);
    // Major 6 + 57 (07:03–08:00) = 63 min; partial alone 07:00–07:03 = 3 min × 0.3 = 0.9 min.
    assert_eq!(s.usage.downtime_seconds, dec("3834"));
    // The fee is not cut at the as-of instant: the subscription covers the whole month.
    assert_eq!(s.fee_minor, Ratio::from_integer(30_000));
}
