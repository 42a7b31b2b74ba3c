//! SPEC §2: billing periods.

use chrono_tz::Tz;

use super::*;

#[test]
fn parse_is_strict() {
    assert_eq!(period("2026-03").year(), 2026);
    assert_eq!(period("2026-03").month(), 3);
    assert_eq!(period("0001-12").to_string(), "0001-12");
    for bad in [
        "2026-3",
        "26-03",
        "2026/03",
        " 2026-03",
        "2026-03 ",
        "2026-03-01",
        "+2026-03",
        "2026-0a",
        "２０２６-03",
        "",
    ] {
        assert_eq!(Period::parse(bad), Err(PeriodError::Format), "{bad:?}");
    }
    assert_eq!(Period::parse("2026-13"), Err(PeriodError::Month));
    assert_eq!(Period::parse("2026-00"), Err(PeriodError::Month));
    assert_eq!(Period::parse("0000-01"), Err(PeriodError::Year));
    assert_eq!(
        "2026-11".parse::<Period>().map(|p| p.to_string()),
        Ok("2026-11".to_owned())
    );
}

#[test]
fn next_and_previous_cross_years() {
    assert_eq!(period("2026-12").next(), period("2027-01"));
    assert_eq!(period("2027-01").prev(), period("2026-12"));
    assert_eq!(period("2026-04").next(), period("2026-05"));
    assert!(period("2026-12") < period("2027-01"));
}

#[test]
fn new_york_march_and_november_2026() {
    let ny = Tz::America__New_York;
    // 2026-03: from 00:00 EST (−5) on the 1st to 00:00 EDT (−4) on April 1st: 31 × 1440 − 60.
    let march = period("2026-03").span(ny);
    assert_eq!(
        march,
        Span::new(t("2026-03-01T05:00:00Z"), t("2026-04-01T04:00:00Z"))
    );
    assert_eq!(march.seconds(), 44_580 * 60);
    // 2026-11: from 00:00 EDT to 00:00 EST on December 1st: 30 × 1440 + 60 = 43,260 min.
    let november = period("2026-11").span(ny);
    assert_eq!(
        november,
        Span::new(t("2026-11-01T04:00:00Z"), t("2026-12-01T05:00:00Z"))
    );
    assert_eq!(november.seconds(), 43_260 * 60);
    // UTC February 2026: 28 days.
    assert_eq!(period("2026-02").span(Tz::UTC).seconds(), 28 * 86_400);
}

#[test]
fn midnight_that_does_not_exist_starts_at_the_end_of_the_jump() {
    // Paraguay moved its clocks from 00:00 (−04) to 01:00 (−03) on 2023-10-01: the first local
    // instant of October is 01:00−03 = 04:00Z (the same instant −04 midnight would have been).
    let asuncion = Tz::America__Asuncion;
    let october = period("2023-10").span(asuncion);
    assert_eq!(october.start, t("2023-10-01T04:00:00Z"));
    assert_eq!(period("2023-09").span(asuncion).end, october.start);
    // October ends at 00:00−03 on November 1st = 03:00Z: 31 days less the skipped hour.
    assert_eq!(october.seconds(), 44_580 * 60);
}

#[test]
fn midnight_that_happens_twice_starts_at_the_first() {
    // Cuba set clocks back from 01:00 CDT (−04) to 00:00 CST (−05) on Sunday 2026-11-01, so
    // 00:00 happens at 04:00Z and again at 05:00Z. The period starts at the first.
    let havana = Tz::America__Havana;
    let november = period("2026-11").span(havana);
    assert_eq!(november.start, t("2026-11-01T04:00:00Z"));
    assert_eq!(period("2026-10").span(havana).end, november.start);
    assert_eq!(
        Period::containing(t("2026-11-01T04:30:00Z"), havana),
        period("2026-11")
    );
    assert_eq!(
        Period::containing(t("2026-11-01T05:30:00Z"), havana),
        period("2026-11")
    );
    assert_eq!(
        Period::containing(t("2026-11-01T03:59:59Z"), havana),
        period("2026-10")
    );
}

#[test]
fn containing_follows_the_zone() {
    let ny = Tz::America__New_York;
    assert_eq!(
        Period::containing(t("2026-03-01T04:59:59Z"), ny),
        period("2026-02")
    );
    assert_eq!(
        Period::containing(t("2026-03-01T05:00:00Z"), ny),
        period("2026-03")
    );
    assert_eq!(
        Period::containing(t("2026-03-01T04:59:59Z"), Tz::UTC),
        period("2026-03")
    );
    // Out-of-range instants are clamped rather than panicking.
    assert_eq!(Period::containing(i64::MAX, Tz::UTC), period("9999-12"));
    assert_eq!(Period::containing(i64::MIN, Tz::UTC), period("0001-01"));
}

#[test]
fn every_month_is_contiguous_with_the_next() {
    for tz in [
        Tz::UTC,
        Tz::America__New_York,
        Tz::Australia__Lord_Howe,
        Tz::America__Havana,
        Tz::Pacific__Apia,
    ] {
        let mut p = period("2010-01");
        for _ in 0..200 {
            let span = p.span(tz);
            assert!(span.seconds() >= 27 * 86_400, "{p} in {tz}");
            assert_eq!(span.end, p.next().span(tz).start);
            assert_eq!(Period::containing(span.start, tz), p);
            assert_eq!(Period::containing(span.end - 1, tz), p);
            p = p.next();
        }
    }
}
