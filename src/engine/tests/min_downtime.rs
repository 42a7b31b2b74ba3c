//! SPEC §4.5: runs shorter than the minimum count as no impact.

use super::*;
use Severity::*;

pub(super) fn min(seconds: i64) -> Terms {
    Terms {
        min_downtime_seconds: seconds,
        ..Terms::default()
    }
}

fn w(id: i64, severity: Severity, from: &str, to: &str) -> Window {
    window(
        id,
        "api",
        severity,
        &format!("2026-04-02T{from}Z"),
        &format!("2026-04-02T{to}Z"),
    )
}

/// Short interruptions on 2026-04-02, worked out below for a 30-second minimum.
pub(super) fn interruptions() -> Vec<Window> {
    vec![
        w(1, MajorOutage, "10:00:00", "10:00:10"), // 10 s: dropped
        w(2, MajorOutage, "10:05:00", "10:05:29"), // 29 s: dropped
        w(3, MajorOutage, "10:10:00", "10:10:30"), // 30 s: kept (not shorter than 30)
        w(4, MajorOutage, "10:15:00", "10:15:20"), // 4 + 5 touch: one 40 s run, kept
        w(5, MajorOutage, "10:15:20", "10:15:40"),
        w(6, MajorOutage, "10:20:00", "10:20:20"), // 6 + 7 overlap: one 35 s run, kept,
        w(7, PartialOutage, "10:20:10", "10:20:35"), // 20 × 1 + 15 × 0.3 = 24.5
        w(8, PartialOutage, "10:25:00", "10:25:20"), // degraded (weight 0) in between
        w(9, DegradedPerformance, "10:25:20", "10:25:30"), // breaks 8–10 into two
        w(10, PartialOutage, "10:25:30", "10:25:50"), // 20 s runs: both dropped
    ]
}

#[test]
fn short_interruptions_are_dropped_run_by_run() {
    let s = april(&min(30), &april_sub(), &interruptions());
    // Kept: 30 + 40 + 24.5 = 94.5 s.
    assert_eq!(s.usage.downtime_seconds, dec("94.5"));
    // Impacted counts every window, before the rule: 10 + 29 + 30 + 40 + 35 + 50 = 194 s.
    assert_eq!(s.usage.impacted_seconds, 194);
    // Winning severities: major 10 + 29 + 30 + 40 + 20 = 129; partial 15 + 40 = 55; degraded 10.
    assert_eq!(
        s.usage.by_severity,
        SeverityUsage {
            major_outage: 129,
            partial_outage: 55,
            degraded_performance: 10
        }
    );
    // Dropped runs still show their windows.
    assert_eq!(s.usage.window_ids.len(), 10);
}

#[test]
fn without_a_minimum_everything_counts() {
    let s = april(&min(0), &april_sub(), &interruptions());
    // 10 + 29 + 30 + 40 + 24.5 + 0.3 × 40 = 145.5 s.
    assert_eq!(s.usage.downtime_seconds, dec("145.5"));
}

#[test]
fn excluded_maintenance_between_two_parts_does_not_join_them() {
    let windows = [
        w(1, MajorOutage, "11:00:00", "11:00:20"),
        w(2, Maintenance, "11:00:20", "11:01:20"),
        w(3, MajorOutage, "11:01:20", "11:01:40"),
        // One outage across a maintenance window: also two 20 s parts in E.
        w(4, MajorOutage, "12:00:00", "12:01:40"),
        w(5, Maintenance, "12:00:20", "12:01:20"),
    ];
    let s = april(&min(30), &april_sub(), &windows);
    assert_eq!(s.usage.excluded_seconds, 120);
    assert_eq!(s.usage.downtime_seconds, dec("0"));
    assert_eq!(s.reason, Some(NoCredit::NoDowntime));
    // Counted maintenance is a major outage: two 100 s runs.
    let counted = Terms {
        maintenance: crate::engine::Maintenance::Counted,
        ..min(30)
    };
    let s = april(&counted, &april_sub(), &windows);
    assert_eq!(s.usage.excluded_seconds, 0);
    assert_eq!(s.usage.downtime_seconds, dec("200"));
}

#[test]
fn a_run_cut_by_the_measured_span_is_measured_within_it() {
    // A 60 s outage; the subscription starts 40 s into it, leaving a 20 s run: dropped.
    let outage = [w(1, MajorOutage, "12:00:00", "12:01:00")];
    let late = subscriber("2026-04-02T12:00:40Z");
    assert_eq!(
        april(&min(30), &late, &outage).usage.downtime_seconds,
        dec("0")
    );
    assert_eq!(
        april(&min(0), &late, &outage).usage.downtime_seconds,
        dec("20")
    );
    // Ending 45 s into it leaves a 45 s run: kept.
    let early_end = Subscriber {
        end: Some(t("2026-04-02T12:00:45Z")),
        ..april_sub()
    };
    assert_eq!(
        april(&min(30), &early_end, &outage).usage.downtime_seconds,
        dec("45")
    );
    // Both at once: 12:00:10–12:00:35, 25 s: dropped.
    let inside = Subscriber {
        end: Some(t("2026-04-02T12:00:35Z")),
        ..subscriber("2026-04-02T12:00:10Z")
    };
    assert_eq!(
        april(&min(30), &inside, &outage).usage.downtime_seconds,
        dec("0")
    );
    assert_eq!(
        april(&min(20), &inside, &outage).usage.downtime_seconds,
        dec("25")
    );
    // The as-of instant cuts too: 20 s seen so far.
    let as_of = t("2026-04-02T12:00:20Z");
    let s = both(
        "2026-04",
        as_of,
        &min(30),
        &april_sub(),
        &outage,
        &Groups::new(),
    );
    assert_eq!(s.usage.downtime_seconds, dec("0"));
}
