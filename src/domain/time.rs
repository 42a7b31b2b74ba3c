use chrono::{DateTime, SecondsFormat, Utc};

use super::Invalid;
use crate::engine::Period;

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: every instant the API writes back as RFC 3339.
pub const EARLIEST: i64 = -62_135_596_800;
pub const LATEST: i64 = 253_402_300_799;

/// Instants outside years 1–9999 (in UTC) cannot be written back as RFC 3339.
pub fn check_range(field: &str, seconds: i64) -> Result<i64, Invalid> {
    if (EARLIEST..=LATEST).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(Invalid::new(
            field,
            "must fall between years 0001 and 9999 in UTC",
        ))
    }
}

/// RFC 3339 with an explicit offset (SPEC §2); sub-second parts are truncated to whole seconds.
pub fn parse_instant(field: &str, value: &str) -> Result<i64, Invalid> {
    let seconds = DateTime::parse_from_rfc3339(value)
        .map(|t| t.timestamp())
        .map_err(|_| {
            Invalid::new(
                field,
                format!(
                    "`{value}` is not an RFC 3339 time with an explicit offset, such as 2026-01-31T05:10:00Z"
                ),
            )
        })?;
    check_range(field, seconds)
}

pub fn format_instant(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| seconds.to_string())
}

/// A billing period `YYYY-MM` (the one parser: `Period::parse`), naming the field it rejects.
pub fn parse_period(field: &str, value: &str) -> Result<Period, Invalid> {
    Period::parse(value).map_err(|e| Invalid::new(field, format!("`{value}`: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_need_an_offset() {
        assert_eq!(
            parse_instant("start", "2026-01-31T05:10:00Z"),
            Ok(1_769_836_200)
        );
        assert_eq!(
            parse_instant("start", "2026-01-30T22:10:00-07:00"),
            Ok(1_769_836_200)
        );
        assert_eq!(
            parse_instant("start", "2026-01-31T05:10:00.999Z"),
            Ok(1_769_836_200)
        );
        let err = parse_instant("windows[0].start", "2026-01-31T05:10:00").unwrap_err();
        assert_eq!(err.field, "windows[0].start");
        assert!(
            parse_instant("start", "9999-12-31T23:59:59-23:59").is_err(),
            "year 10000 in UTC"
        );
        assert!(
            parse_instant("start", "0001-01-01T00:00:00+01:00").is_err(),
            "year 0 in UTC"
        );
        assert_eq!(parse_instant("start", "9999-12-31T23:59:59Z"), Ok(LATEST));
    }

    #[test]
    fn instants_format_as_utc() {
        assert_eq!(format_instant(1_769_836_200), "2026-01-31T05:10:00Z");
    }

    #[test]
    fn periods_are_strict() {
        assert!(parse_period("p", "2026-01").is_ok());
        assert!(parse_period("p", "2026-13").is_err());
        assert!(parse_period("p", "2026-1").is_err());
        assert!(parse_period("p", "2026/01").is_err());
    }
}
