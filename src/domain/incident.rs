//! Incident statuses and the checks every impact window passes (SPEC §1–§2).

use serde::Deserialize;

use super::{ExternalId, Invalid, check_range, parse_instant, parse_region};
use crate::engine::Severity;

/// Longest window accepted (the overlap queries rely on it).
pub const MAX_WINDOW_SECONDS: i64 = 366 * 24 * 3600;
/// An outage may not start further in the future than this; maintenance may.
pub const FUTURE_SLACK_SECONDS: i64 = 5 * 60;

crate::text_enum! {
    /// Where an incident stands (SPEC §1).
    IncidentStatus {
        Investigating => "investigating",
        Identified => "identified",
        Monitoring => "monitoring",
        Resolved => "resolved",
        Postmortem => "postmortem",
    }
}

impl IncidentStatus {
    pub fn is_closed(self) -> bool {
        matches!(self, IncidentStatus::Resolved | IncidentStatus::Postmortem)
    }
}

/// `a, b or c`: some statuses, as a message lists them.
pub fn listed(statuses: impl IntoIterator<Item = IncidentStatus>) -> String {
    let words: Vec<&str> = statuses.into_iter().map(IncidentStatus::as_str).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.concat(),
    }
}

/// A window as it arrives.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct WindowInput {
    pub component: String,
    pub severity: Severity,
    pub start: String,
    pub end: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub customers: Vec<String>,
}

/// An impact window whose times and scopes are well formed: what is written for an incident.
/// Its component and customers are checked against the database by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactWindow {
    pub component: String,
    pub severity: Severity,
    pub start: i64,
    pub end: Option<i64>,
    pub regions: Vec<String>,
    /// External ids, sorted.
    pub customers: Vec<String>,
}

impl WindowInput {
    pub fn check(&self, prefix: &str, now: i64) -> Result<ImpactWindow, Invalid> {
        let f = |name: &str| format!("{prefix}{name}");
        let start = parse_instant(&f("start"), &self.start)?;
        let end = self
            .end
            .as_deref()
            .map(|e| parse_instant(&f("end"), e))
            .transpose()?;
        let regions = distinct(&f("regions"), &self.regions, parse_region)?;
        let customers = distinct(&f("customers"), &self.customers, |field, value| {
            ExternalId::parse(field, value).map(String::from)
        })?;
        let window = ImpactWindow {
            component: self.component.clone(),
            severity: self.severity,
            start,
            end,
            regions,
            customers,
        };
        window.check_times(prefix, now)?;
        Ok(window)
    }
}

impl ImpactWindow {
    /// `end > start`, at most 366 days long, and an outage not starting in the future.
    pub fn check_times(&self, prefix: &str, now: i64) -> Result<(), Invalid> {
        let f = |name: &str| format!("{prefix}{name}");
        check_range(&f("start"), self.start)?;
        if let Some(end) = self.end {
            check_range(&f("end"), end)?;
            if end <= self.start {
                return Err(Invalid::new(f("end"), "must be after start"));
            }
            if end - self.start > MAX_WINDOW_SECONDS {
                return Err(Invalid::new(f("end"), "a window lasts at most 366 days"));
            }
        } else if now - self.start > MAX_WINDOW_SECONDS {
            return Err(Invalid::new(
                f("end"),
                "an open window cannot have started more than 366 days ago",
            ));
        }
        if self.severity != Severity::Maintenance && self.start > now + FUTURE_SLACK_SECONDS {
            return Err(Invalid::new(
                f("start"),
                "an outage may not start more than 5 minutes in the future (only maintenance may)",
            ));
        }
        Ok(())
    }
}

fn distinct(
    field: &str,
    values: &[String],
    parse: impl Fn(&str, &str) -> Result<String, Invalid>,
) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let value = parse(&at, value)?;
        if out.contains(&value) {
            return Err(Invalid::new(at, format!("`{value}` is listed twice")));
        }
        out.push(value);
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(severity: Severity, start: &str, end: Option<&str>) -> WindowInput {
        WindowInput {
            component: "api".into(),
            severity,
            start: start.into(),
            end: end.map(Into::into),
            regions: vec![],
            customers: vec![],
        }
    }

    const NOW: i64 = 1_769_836_200; // 2026-01-31T05:10:00Z

    #[test]
    fn times_are_checked() {
        let ok = input(
            Severity::MajorOutage,
            "2026-01-31T05:00:00Z",
            Some("2026-01-31T05:06:00Z"),
        );
        assert_eq!(
            ok.check("", NOW).map(|w| (w.start, w.end)),
            Ok((NOW - 600, Some(NOW - 240)))
        );
        let reversed = input(
            Severity::MajorOutage,
            "2026-01-31T05:00:00Z",
            Some("2026-01-31T05:00:00Z"),
        );
        assert_eq!(reversed.check("w.", NOW).unwrap_err().field, "w.end");
        let long = input(
            Severity::MajorOutage,
            "2025-01-01T00:00:00Z",
            Some("2026-01-03T00:00:00Z"),
        );
        assert_eq!(long.check("", NOW).unwrap_err().field, "end");
        let no_offset = input(Severity::MajorOutage, "2026-01-31T05:00:00", None);
        assert_eq!(no_offset.check("", NOW).unwrap_err().field, "start");
    }

    #[test]
    fn only_maintenance_may_be_planned_ahead() {
        let soon = input(Severity::MajorOutage, "2026-01-31T05:15:00Z", None);
        assert!(soon.check("", NOW).is_ok(), "5 minutes ahead is allowed");
        let later = input(Severity::MajorOutage, "2026-01-31T05:15:01Z", None);
        assert_eq!(later.check("", NOW).unwrap_err().field, "start");
        let planned = input(
            Severity::Maintenance,
            "2026-02-10T02:00:00Z",
            Some("2026-02-10T04:00:00Z"),
        );
        assert!(planned.check("", NOW).is_ok());
    }

    #[test]
    fn statuses_are_listed_as_messages_word_them() {
        assert_eq!(
            listed(IncidentStatus::ALL.iter().copied()),
            "investigating, identified, monitoring, resolved or postmortem"
        );
        let closed = IncidentStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_closed());
        assert_eq!(listed(closed), "resolved or postmortem");
        assert_eq!(listed([IncidentStatus::Monitoring]), "monitoring");
    }

    #[test]
    fn scopes_are_distinct() {
        let mut w = input(Severity::PartialOutage, "2026-01-31T05:00:00Z", None);
        w.regions = vec!["na".into(), "na".into()];
        assert_eq!(w.check("", NOW).unwrap_err().field, "regions[1]");
    }
}
