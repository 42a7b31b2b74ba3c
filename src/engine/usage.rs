//! What the engine reports about a span of time: eligible, excluded, impacted and down seconds,
//! with breakdowns (SPEC §4.2–4.7).

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::interval::Span;
use super::rules::{DEGRADED, MAJOR, PARTIAL};
use super::terms::Severity;

/// What happened to one subscription (or one component) over its measured span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    /// `P ∩ [S.start, S.end) ∩ [−∞, as_of)`; may be empty.
    pub measured: Span,
    /// E: measured seconds minus excluded maintenance.
    pub eligible_seconds: i64,
    /// X: seconds of excluded maintenance within the measured span.
    pub excluded_seconds: i64,
    /// I: seconds of E with any outage window active, before the minimum-downtime rule.
    pub impacted_seconds: i64,
    /// D: weighted seconds after the minimum-downtime rule, exact (weights have ≤ 4 decimals).
    pub downtime_seconds: Decimal,
    /// Per component key of the windows (a group window is reported under the group's key),
    /// sorted by key, only components with impacted time. A component's downtime is its own
    /// worst weight over the runs that survive the minimum, so the rows may add up to more than D.
    pub by_component: Arc<[ComponentUsage]>,
    /// Seconds of I during which each severity was the winning one.
    pub by_severity: SeverityUsage,
    /// Ids of outage windows (and counted maintenance) with an active instant in E, ascending.
    pub window_ids: WindowIds,
    /// Ids of maintenance windows excluded from the measured span, ascending.
    pub excluded_window_ids: WindowIds,
    pub(crate) downtime_e4: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentUsage {
    pub component: String,
    pub impacted_seconds: i64,
    pub downtime_seconds: Decimal,
}

/// A list of window ids shared by every usage cloned from the one that made it. A whole month
/// lists thousands, and every statement answer sharing the list lists them all: the list is
/// written as JSON once, the first time an answer needs it, and copied after that.
#[derive(Clone, Default)]
pub struct WindowIds(Arc<SharedIds>);

#[derive(Default)]
struct SharedIds {
    ids: Box<[i64]>,
    json: OnceLock<Option<Box<RawValue>>>,
}

impl From<Vec<i64>> for WindowIds {
    fn from(ids: Vec<i64>) -> WindowIds {
        WindowIds(Arc::new(SharedIds {
            ids: ids.into(),
            json: OnceLock::new(),
        }))
    }
}

impl Deref for WindowIds {
    type Target = [i64];

    fn deref(&self) -> &[i64] {
        &self.0.ids
    }
}

impl PartialEq for WindowIds {
    fn eq(&self, other: &WindowIds) -> bool {
        self.0.ids == other.0.ids
    }
}

impl Eq for WindowIds {}

impl fmt::Debug for WindowIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.ids.fmt(f)
    }
}

impl Serialize for WindowIds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let json = self
            .0
            .json
            .get_or_init(|| serde_json::value::to_raw_value(&self.0.ids).ok());
        match json {
            Some(json) => json.serialize(serializer),
            None => self.0.ids.serialize(serializer),
        }
    }
}

/// Seconds during which each severity was the worst one active (highest weight; on equal weights
/// the more severe name). Counted maintenance is reported as `major_outage`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SeverityUsage {
    pub major_outage: i64,
    pub partial_outage: i64,
    pub degraded_performance: i64,
}

impl SeverityUsage {
    pub const fn seconds(&self, severity: Severity) -> i64 {
        match severity {
            Severity::MajorOutage => self.major_outage,
            Severity::PartialOutage => self.partial_outage,
            Severity::DegradedPerformance => self.degraded_performance,
            Severity::Maintenance => 0,
        }
    }

    pub(crate) fn from_array(seconds: [i64; 3]) -> SeverityUsage {
        SeverityUsage {
            major_outage: seconds[MAJOR],
            partial_outage: seconds[PARTIAL],
            degraded_performance: seconds[DEGRADED],
        }
    }
}

impl Usage {
    pub(crate) fn empty(measured: Span) -> Usage {
        Usage {
            measured,
            eligible_seconds: measured.seconds(),
            excluded_seconds: 0,
            impacted_seconds: 0,
            downtime_seconds: Decimal::ZERO,
            by_component: Arc::from([]),
            by_severity: SeverityUsage::default(),
            window_ids: WindowIds::default(),
            excluded_window_ids: WindowIds::default(),
            downtime_e4: 0,
        }
    }
}

pub(crate) fn seconds_from_e4(e4: i64) -> Decimal {
    Decimal::new(e4, 4)
}
