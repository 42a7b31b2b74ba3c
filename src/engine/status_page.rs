//! A component's own uptime, as on a public status page (SPEC §4, last paragraph): default
//! weights, no minimum downtime, maintenance excluded, no plan and no customer.

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::applicability::Window;
use super::interval::Span;
use super::period::local_midnight;
use super::ratio::Ratio;
use super::rules::{E4, Rules};
use super::uptime::measure;
use super::usage::SeverityUsage;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentUptime {
    /// `span ∩ [−∞, as_of)`.
    pub measured: Span,
    pub eligible_seconds: i64,
    pub excluded_seconds: i64,
    /// Seconds during which each severity was the worst one active.
    pub by_severity: SeverityUsage,
    pub downtime_seconds: Decimal,
    /// Exact; 100 when nothing of the span is eligible.
    pub uptime_percent: Ratio,
}

impl ComponentUptime {
    /// 4 decimals, half away from zero.
    pub fn uptime_display(&self) -> Decimal {
        self.uptime_percent.round_dp(4)
    }
}

/// Uptime over `span` (cut at `as_of`) from `windows`. Every window given counts, whatever its
/// component, regions or customers: the caller picks the component's windows (and its group's).
pub fn component_uptime(span: Span, as_of: i64, windows: &[Window]) -> ComponentUptime {
    let measured = span.intersect(Span::new(i64::MIN, as_of));
    let usage = measure(measured, as_of, windows, &Rules::status_page());
    let e = i128::from(usage.eligible_seconds) * i128::from(E4);
    let uptime_percent = if e == 0 {
        Ratio::from_integer(100)
    } else {
        Ratio::new(100 * (e - i128::from(usage.downtime_e4)), e)
    };
    ComponentUptime {
        measured,
        eligible_seconds: usage.eligible_seconds,
        excluded_seconds: usage.excluded_seconds,
        by_severity: usage.by_severity,
        downtime_seconds: usage.downtime_seconds,
        uptime_percent,
    }
}

/// One local calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    /// Local midnight to the next local midnight (23 or 25 hours on DST days; empty for a day a
    /// zone skipped, such as 2011-12-30 in Pacific/Apia).
    pub span: Span,
}

/// The local days of `tz` that overlap `span`, oldest first, each cut to `span`.
pub fn split_days(span: Span, tz: Tz) -> Vec<Day> {
    if span.is_empty() {
        return Vec::new();
    }
    // Start a day early: where a clock moves back across midnight, the local date at
    // `span.start` can belong to a day whose span starts after it.
    let first = local_date(span.start, tz);
    let mut date = first.checked_sub_days(Days::new(1)).unwrap_or(first);
    let mut days = Vec::new();
    loop {
        let day = day_span(date, tz);
        if day.start >= span.end {
            break;
        }
        let cut = day.intersect(span);
        if !cut.is_empty() {
            days.push(Day { date, span: cut });
        }
        match date.checked_add_days(Days::new(1)) {
            Some(next) => date = next,
            None => break,
        }
    }
    days
}

/// `count` whole local days ending with the day that holds `as_of`, oldest first: the
/// `?days=90` view. Pass each span with `as_of` to [`component_uptime`], which cuts today.
pub fn days_ending(as_of: i64, count: u32, tz: Tz) -> Vec<Day> {
    let last = local_date(as_of, tz);
    (0..count)
        .rev()
        .filter_map(|back| last.checked_sub_days(Days::new(back.into())))
        .map(|date| Day {
            date,
            span: day_span(date, tz),
        })
        .collect()
}

fn day_span(date: NaiveDate, tz: Tz) -> Span {
    let next = date.checked_add_days(Days::new(1)).unwrap_or(date);
    Span::new(local_midnight(date, tz), local_midnight(next, tz))
}

fn local_date(instant: i64, tz: Tz) -> NaiveDate {
    use chrono::TimeZone;
    let date = tz
        .timestamp_opt(instant, 0)
        .earliest()
        .map(|t| t.date_naive());
    date.unwrap_or(NaiveDate::MIN)
}
