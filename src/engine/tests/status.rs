//! SPEC §4, last paragraph: a component's own uptime, per day.

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::*;
use Severity::*;
use status_page::{component_uptime, days_ending, split_days};

fn day(text: &str) -> Span {
    Span::new(
        t(&format!("{text}T00:00:00Z")),
        t(&format!("{text}T00:00:00Z")) + 86_400,
    )
}

fn on_april_2(id: i64, severity: Severity, from: &str, to: &str) -> Window {
    Window {
        // Scopes are ignored by the status page view.
        regions: vec!["na".into()],
        ..window(
            id,
            "api",
            severity,
            &format!("2026-04-02T{from}:00Z"),
            &format!("2026-04-02T{to}:00Z"),
        )
    }
}

fn april_2() -> Vec<Window> {
    vec![
        on_april_2(1, MajorOutage, "10:00", "11:00"),
        on_april_2(2, PartialOutage, "10:30", "12:30"),
        on_april_2(3, Maintenance, "13:00", "14:00"),
        on_april_2(4, DegradedPerformance, "15:00", "16:00"),
    ]
}

#[test]
fn a_day_with_default_weights() {
    let u = component_uptime(day("2026-04-02"), t("2026-04-03T00:00:00Z"), &april_2());
    // E = 86,400 − 3,600 maintenance = 82,800. D = 3,600 + 0.3 × 5,400 (11:00–12:30) = 5,220.
    assert_eq!(u.eligible_seconds, 82_800);
    assert_eq!(u.downtime_seconds, dec("5220"));
    assert_eq!(
        u.by_severity,
        SeverityUsage {
            major_outage: 3_600,
            partial_outage: 5_400,
            degraded_performance: 3_600
        }
    );
    // U = 100 × 77,580 / 82,800 = 93.69565…
    assert_eq!(u.uptime_display(), dec("93.6957"));
}

#[test]
fn today_is_cut_at_as_of() {
    let u = component_uptime(day("2026-04-02"), t("2026-04-02T10:30:00Z"), &april_2());
    // 00:00–10:30 = 37,800 s; 1,800 s of major. U = 100 × 36,000 / 37,800 = 95.238…
    assert_eq!(u.measured.seconds(), 37_800);
    assert_eq!(u.uptime_display(), dec("95.2381"));
    // A day with nothing eligible yet shows 100.
    let u = component_uptime(day("2026-04-05"), t("2026-04-02T10:30:00Z"), &april_2());
    assert_eq!(u.uptime_percent, Ratio::from_integer(100));
}

#[test]
fn days_follow_the_zone() {
    let ny = Tz::America__New_York;
    let days = split_days(period("2026-03").span(ny), ny);
    assert_eq!(days.len(), 31);
    assert_eq!(days[0].span.start, t("2026-03-01T05:00:00Z"));
    // Sunday 2026-03-08 has 23 hours in New York.
    assert_eq!(days[7].date, NaiveDate::from_ymd_opt(2026, 3, 8).unwrap());
    assert_eq!(days[7].span.seconds(), 82_800);
    assert_eq!(
        days.iter().map(|d| d.span.seconds()).sum::<i64>(),
        44_580 * 60
    );

    let last = days_ending(t("2026-03-09T12:00:00Z"), 3, ny);
    let lengths: Vec<i64> = last.iter().map(|d| d.span.seconds()).collect();
    assert_eq!(lengths, [86_400, 82_800, 86_400]);
    assert_eq!(last[2].date, NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
    assert_eq!(days_ending(0, 90, Tz::UTC).len(), 90);
}

#[test]
fn a_skipped_day_is_left_out() {
    // Samoa skipped 2011-12-30 entirely, moving from UTC−10 to UTC+14.
    let apia = Tz::Pacific__Apia;
    let span = Span::new(t("2011-12-29T10:00:00Z"), t("2011-12-31T10:00:00Z"));
    let days = split_days(span, apia);
    let dates: Vec<String> = days.iter().map(|d| d.date.to_string()).collect();
    assert_eq!(dates, ["2011-12-29", "2011-12-31"]);
    assert_eq!(days[0].span.end, days[1].span.start);
}
