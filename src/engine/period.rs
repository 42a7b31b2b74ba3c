//! Billing periods: calendar months in a plan version's time zone (SPEC §2).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::interval::Span;

/// A calendar month `YYYY-MM`. Fields are private: build it with [`Period::new`] or
/// [`Period::parse`], so a `Period` always holds a month in 1..=12.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    year: i32,
    month: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeriodError {
    /// Not of the exact shape `YYYY-MM` (four ASCII digits, `-`, two ASCII digits).
    Format,
    /// Month outside 01..=12.
    Month,
    /// Year outside 0001..=9999.
    Year,
}

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PeriodError::Format => "a period must look like YYYY-MM",
            PeriodError::Month => "the month of a period must be 01 to 12",
            PeriodError::Year => "the year of a period must be 0001 to 9999",
        })
    }
}

impl std::error::Error for PeriodError {}

// Instants outside these bounds are clamped so chrono can always convert them (years 1..=9999).
const MIN_INSTANT: i64 = -62_135_596_800; // 0001-01-01T00:00:00Z
const MAX_INSTANT: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

impl Period {
    pub fn new(year: i32, month: u32) -> Result<Period, PeriodError> {
        if !(1..=9999).contains(&year) {
            return Err(PeriodError::Year);
        }
        if !(1..=12).contains(&month) {
            return Err(PeriodError::Month);
        }
        Ok(Period { year, month })
    }

    /// Strict `YYYY-MM`: no sign, no spaces, no day, exactly two month digits.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
        if bytes.len() != 7 || bytes[4] != b'-' || !digits(0..4) || !digits(5..7) {
            return Err(PeriodError::Format);
        }
        let number = |range: std::ops::Range<usize>| {
            bytes[range]
                .iter()
                .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        let year = i32::try_from(number(0..4)).map_err(|_| PeriodError::Year)?;
        Period::new(year, number(5..7))
    }

    pub const fn year(&self) -> i32 {
        self.year
    }

    pub const fn month(&self) -> u32 {
        self.month
    }

    /// The following month. 9999-12 is followed by 10000-01, which `Display` prints with five
    /// digits and `parse` would refuse; only arithmetic ever reaches it.
    pub const fn next(&self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub const fn prev(&self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// `[local midnight of the 1st, local midnight of next month's 1st)` in `tz`.
    pub fn span(&self, tz: Tz) -> Span {
        Span::new(self.start(tz), self.next().start(tz))
    }

    fn start(&self, tz: Tz) -> i64 {
        match NaiveDate::from_ymd_opt(self.year, self.month, 1) {
            Some(date) => local_midnight(date, tz),
            // Only reachable for years chrono cannot represent (beyond ±262,000).
            None => MAX_INSTANT,
        }
    }

    /// The period of `tz` whose span holds `instant`.
    pub fn containing(instant: i64, tz: Tz) -> Period {
        let instant = instant.clamp(MIN_INSTANT, MAX_INSTANT);
        let local = tz
            .timestamp_opt(instant, 0)
            .earliest()
            .map(|t| t.date_naive());
        let date = local.unwrap_or(NaiveDate::MIN);
        let guess = Period {
            year: date.year(),
            month: date.month(),
        };
        // Where a clock moves back across midnight the local date can run backwards; the spans
        // decide, so `containing` always agrees with `span`.
        let span = guess.span(tz);
        if instant < span.start {
            guess.prev()
        } else if instant >= span.end {
            guess.next()
        } else {
            guess
        }
    }
}

/// Unix seconds of 00:00 local time on `date`. Where midnight happens twice, the first one; where
/// it does not exist (the clock jumps over it), the first instant after the jump.
pub(crate) fn local_midnight(date: NaiveDate, tz: Tz) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    if let Some(t) = tz.from_local_datetime(&midnight).earliest() {
        return t.timestamp();
    }
    first_valid_after(midnight, tz).unwrap_or_else(|| midnight.and_utc().timestamp())
}

/// The earliest instant whose local time is at or after `naive`, for a `naive` inside a gap.
/// Gaps in the tz database are at most a day (Pacific/Apia, 2011), so 26 hours bounds the search.
fn first_valid_after(naive: NaiveDateTime, tz: Tz) -> Option<i64> {
    let valid = |t: NaiveDateTime| tz.from_local_datetime(&t).earliest();
    let minute = chrono::Duration::minutes(1);
    let second = chrono::Duration::seconds(1);
    let mut probe = naive;
    for _ in 0..26 * 60 {
        let next = probe + minute;
        if valid(next).is_some() {
            // The gap ends somewhere in (probe, next]; find the first valid second.
            let mut fine = probe + second;
            while valid(fine).is_none() && fine < next {
                fine += second;
            }
            return valid(fine).map(|t| t.timestamp());
        }
        probe = next;
    }
    None
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Period::parse(&text).map_err(serde::de::Error::custom)
    }
}
