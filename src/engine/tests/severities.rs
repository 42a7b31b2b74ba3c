//! SPEC §4.1–4.4 and §2 (open windows): how windows combine.

use super::*;
use Severity::*;

fn on_april_3(id: i64, severity: Severity, from: &str, to: &str) -> Window {
    window(
        id,
        "api",
        severity,
        &format!("2026-04-03T{from}:00Z"),
        &format!("2026-04-03T{to}:00Z"),
    )
}

#[test]
fn worse_severity_wins_on_overlap() {
    let windows = [
        on_april_3(1, MajorOutage, "10:00", "10:30"),
        on_april_3(2, PartialOutage, "10:00", "11:00"),
    ];
    let s = april(&Terms::default(), &april_sub(), &windows);
    // 30 min at 1, then 30 min at 0.3: 1,800 + 540 = 2,340 s. Never counted twice.
    assert_eq!(s.usage.downtime_seconds, dec("2340"));
    assert_eq!(s.usage.impacted_seconds, 3_600);
    assert_eq!(
        s.usage.by_severity,
        SeverityUsage {
            major_outage: 1_800,
            partial_outage: 1_800,
            degraded_performance: 0
        }
    );

    // Degraded 09:00–12:00 underneath changes no downtime and wins only where alone (2 h).
    let mut more = windows.to_vec();
    more.push(on_april_3(3, DegradedPerformance, "09:00", "12:00"));
    let s = april(&Terms::default(), &april_sub(), &more);
    assert_eq!(s.usage.downtime_seconds, dec("2340"));
    assert_eq!(s.usage.impacted_seconds, 10_800);
    assert_eq!(s.usage.by_severity.degraded_performance, 7_200);
}

#[test]
fn plan_weights_replace_the_defaults() {
    let windows = [
        on_april_3(1, MajorOutage, "10:00", "10:30"),
        on_april_3(2, PartialOutage, "10:00", "11:00"),
        on_april_3(3, DegradedPerformance, "12:00", "13:00"),
    ];
    let weights = Weights {
        major_outage: dec("0.9"),
        partial_outage: dec("0.5"),
        degraded_performance: dec("0.1234"),
    };
    let s = april(
        &Terms {
            weights,
            ..Terms::default()
        },
        &april_sub(),
        &windows,
    );
    // 1,800 × 0.9 + 1,800 × 0.5 + 3,600 × 0.1234 = 1,620 + 900 + 444.24 = 2,964.24 s.
    assert_eq!(s.usage.downtime_seconds, dec("2964.24"));
    assert_eq!(s.downtime_minutes(), dec("49.40")); // 49.404 min
}

#[test]
fn maintenance_overlapping_an_outage() {
    let windows = [
        on_april_3(1, MajorOutage, "10:00", "11:00"),
        on_april_3(2, Maintenance, "10:30", "12:00"),
        on_april_3(3, MajorOutage, "10:40", "10:50"), // entirely inside maintenance
    ];
    // Excluded: 90 min out of E; only 10:00–10:30 of the outage counts.
    let s = april(&Terms::default(), &april_sub(), &windows);
    assert_eq!(s.usage.excluded_seconds, 5_400);
    assert_eq!(s.usage.eligible_seconds, 2_592_000 - 5_400);
    assert_eq!(s.usage.downtime_seconds, dec("1800"));
    assert_eq!(&s.usage.window_ids[..], &[1]);
    assert_eq!(&s.usage.excluded_window_ids[..], &[2]);
    // Counted: maintenance is a major outage, 10:00–12:00 = 7,200 s; E is the whole month.
    let counted = Terms {
        maintenance: crate::engine::Maintenance::Counted,
        ..Terms::default()
    };
    let s = april(&counted, &april_sub(), &windows);
    assert_eq!(s.usage.excluded_seconds, 0);
    assert_eq!(s.usage.downtime_seconds, dec("7200"));
    assert_eq!(s.usage.by_severity.major_outage, 7_200);
    assert_eq!(&s.usage.window_ids[..], &[1, 2, 3]);
    assert!(s.usage.excluded_window_ids.is_empty());
}

#[test]
fn open_window_counts_up_to_as_of() {
    let open = Window {
        end: None,
        ..window(
            1,
            "api",
            MajorOutage,
            "2026-04-10T00:00:00Z",
            "2026-04-10T00:00:01Z",
        )
    };
    // As of 01:00 on the 10th: measured 9 days 1 h = 781,200 s, 3,600 s of it down.
    let as_of = t("2026-04-10T01:00:00Z");
    let s = both(
        "2026-04",
        as_of,
        &Terms::default(),
        &april_sub(),
        std::slice::from_ref(&open),
        &Groups::new(),
    );
    assert_eq!(s.usage.eligible_seconds, 781_200);
    assert_eq!(s.usage.downtime_seconds, dec("3600"));
    // U = 100 × 777,600 / 781,200 = 99.53917…
    assert_eq!(s.uptime_display(), dec("99.5392"));
    // After the period it runs to the period's end: 21 days.
    let s = april(&Terms::default(), &april_sub(), &[open]);
    assert_eq!(s.usage.downtime_seconds, dec("1814400"));
}

#[test]
fn severity_names() {
    for severity in Severity::ALL {
        assert_eq!(severity.as_str().parse::<Severity>(), Ok(severity));
    }
    assert_eq!(MajorOutage.as_str(), "major_outage");
    assert_eq!(DegradedPerformance.to_string(), "degraded_performance");
    assert_eq!(
        "under_maintenance".parse::<Severity>(),
        Err(UnknownSeverity("under_maintenance".into()))
    );
}
