//! Incidents that arrive by themselves: notifications from monitoring, turned into impact
//! windows by rules, each notification once (docs/ingest.md). Each source's payload becomes
//! [`Incoming`] notifications; what one does to the windows already opened is [`step`].

pub mod alertmanager;
pub mod pagerduty;
pub mod receive;
pub mod rules;
pub mod statuspage;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::db::ingest::SourcedWindow;
use crate::engine::Severity;
use rules::Source;

/// One notification as rules and windows see it, whatever sent it. Kept as JSON, as received,
/// and replayed from that.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    pub source: Source,
    /// The same notification delivered again has the same key.
    pub key: String,
    /// The `external_id` of the incident it belongs to (an alert group, a PagerDuty incident).
    pub incident: String,
    pub title: String,
    /// What its windows are called (an alert's fingerprint and start, a PagerDuty incident).
    pub identity: String,
    /// What rules read.
    pub labels: BTreeMap<String, String>,
    /// When the outage started.
    pub start: i64,
    /// `Some(end)` when it says the outage ended.
    pub resolved: Option<i64>,
    /// When a change it carries happened (a new severity starts then): the sender's time, or
    /// the time of receipt when the sender gives none.
    pub at: i64,
    /// The payload it came from.
    pub received: serde_json::Value,
    /// A Statuspage incident update: the one-incident document the status-page import reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<serde_json::Value>,
}

/// What one notification does to the windows already opened for its identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A redelivery, or news older than what is known: nothing.
    Nothing,
    /// A window `[start, end)`; open when `end` is none.
    Open {
        start: i64,
        end: Option<i64>,
    },
    Close {
        window: i64,
        end: i64,
    },
    /// The severity changed: the open window ends at `at` and the next one starts there.
    Switch {
        window: i64,
        at: i64,
    },
}

/// docs/ingest.md, "Exactly once": an outage that goes on opens a window at its start unless
/// one is open (same severity: nothing; another: switch at `at`) or it already ended; one that
/// ended closes the open window, or, arriving first, leaves one closed window. Every window
/// keeps at least one second.
pub fn step(n: &Incoming, severity: Severity, windows: &[SourcedWindow]) -> Step {
    let open = windows.iter().find(|w| w.end_at.is_none());
    match (n.resolved, open) {
        (None, Some(w)) if w.severity == severity.as_str() => Step::Nothing,
        (None, Some(w)) => Step::Switch {
            window: w.id,
            at: n.at.max(w.start_at + 1),
        },
        (Some(end), Some(w)) => Step::Close {
            window: w.id,
            end: end.max(w.start_at + 1),
        },
        (_, None) if !windows.is_empty() => Step::Nothing,
        (None, None) => Step::Open {
            start: n.start,
            end: None,
        },
        (Some(end), None) => Step::Open {
            start: n.start,
            end: Some(end.max(n.start + 1)),
        },
    }
}

/// For sources each of whose notifications says the whole state (PagerDuty, Statuspage): the
/// latest wins. News older than the last applied (`last`) changes nothing. Down opens a window
/// (at the outage's start when nothing is known of it yet, else when the notification says),
/// or switches the open one to another severity; up closes it, or, arriving first with a known
/// start, leaves one closed window.
pub fn latest_step(
    n: &Incoming,
    severity: Option<Severity>,
    windows: &[SourcedWindow],
    last: Option<i64>,
) -> Step {
    if last.is_some_and(|last| n.at < last) {
        return Step::Nothing;
    }
    let open = windows.iter().find(|w| w.end_at.is_none());
    match (n.resolved, severity, open) {
        (Some(end), _, Some(w)) => Step::Close {
            window: w.id,
            end: end.max(w.start_at + 1),
        },
        (Some(end), _, None) if windows.is_empty() && end > n.start => Step::Open {
            start: n.start,
            end: Some(end),
        },
        (Some(_), _, None) | (None, None, _) => Step::Nothing,
        (None, Some(s), Some(w)) if w.severity == s.as_str() => Step::Nothing,
        (None, Some(_), Some(w)) => Step::Switch {
            window: w.id,
            at: n.at.max(w.start_at + 1),
        },
        (None, Some(_), None) if windows.is_empty() => Step::Open {
            start: n.start,
            end: None,
        },
        (None, Some(_), None) => Step::Open {
            start: n.at,
            end: None,
        },
    }
}

/// A field a source must fill: an id, a group key.
pub fn nonempty(field: &str, value: &str) -> Result<(), crate::domain::Invalid> {
    if value.is_empty() {
        return Err(crate::domain::Invalid::new(field, "must not be empty"));
    }
    Ok(())
}

/// Text for a title: control characters turned into spaces, cut to 200 characters; `default`
/// when blank.
pub fn title_of(text: Option<&str>, default: &str) -> String {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(default);
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use Severity::*;

    const START: i64 = 1_772_359_200; // 2026-03-01T10:00:00Z
    const END: i64 = START + 3_600;

    fn incoming(resolved: Option<i64>, at: i64) -> Incoming {
        Incoming {
            source: Source::Alertmanager,
            key: "k".into(),
            incident: "g".into(),
            title: "t".into(),
            identity: "c4f1@1".into(),
            labels: BTreeMap::new(),
            start: START,
            resolved,
            at,
            received: serde_json::Value::Null,
            document: None,
        }
    }

    pub(crate) fn window(
        id: i64,
        severity: Severity,
        start: i64,
        end: Option<i64>,
    ) -> SourcedWindow {
        SourcedWindow {
            id,
            incident_id: 1,
            severity: severity.as_str().into(),
            start_at: start,
            end_at: end,
        }
    }

    #[test]
    fn firing_and_resolved_in_any_order_leave_one_window() {
        let firing = incoming(None, START + 600);
        let resolved = incoming(Some(END), START + 600);
        // In order: open, then close at the end.
        assert_eq!(
            step(&firing, MajorOutage, &[]),
            Step::Open {
                start: START,
                end: None
            }
        );
        let open = [window(7, MajorOutage, START, None)];
        assert_eq!(
            step(&firing, MajorOutage, &open),
            Step::Nothing,
            "redelivered"
        );
        assert_eq!(
            step(&resolved, MajorOutage, &open),
            Step::Close {
                window: 7,
                end: END
            }
        );
        // Resolved first: one closed window; the late firing changes nothing.
        assert_eq!(
            step(&resolved, MajorOutage, &[]),
            Step::Open {
                start: START,
                end: Some(END)
            }
        );
        let closed = [window(7, MajorOutage, START, Some(END))];
        assert_eq!(step(&firing, MajorOutage, &closed), Step::Nothing);
        assert_eq!(step(&resolved, MajorOutage, &closed), Step::Nothing);
    }

    #[test]
    fn a_severity_change_closes_one_window_and_opens_the_next() {
        let open = [window(7, PartialOutage, START, None)];
        let at = START + 900;
        assert_eq!(
            step(&incoming(None, at), MajorOutage, &open),
            Step::Switch { window: 7, at }
        );
        // A change in the very second the window opened still leaves it one second long.
        assert_eq!(
            step(&incoming(None, START), MajorOutage, &open),
            Step::Switch {
                window: 7,
                at: START + 1
            }
        );
    }

    #[test]
    fn the_latest_news_wins() {
        let down = |at: i64| Incoming {
            at,
            ..incoming(None, at)
        };
        let up = |at: i64| Incoming {
            at,
            ..incoming(Some(at), at)
        };
        // Resolved first with a known start: one closed window; then older news changes nothing.
        assert_eq!(
            latest_step(&up(END), Some(MajorOutage), &[], None),
            Step::Open {
                start: START,
                end: Some(END)
            }
        );
        let closed = [window(7, MajorOutage, START, Some(END))];
        assert_eq!(
            latest_step(&down(START + 60), Some(PartialOutage), &closed, Some(END)),
            Step::Nothing
        );
        // Reopened later: a new window from then.
        assert_eq!(
            latest_step(&down(END + 600), Some(MajorOutage), &closed, Some(END)),
            Step::Open {
                start: END + 600,
                end: None
            }
        );
        // Up with nothing known and no start before it: nothing, but it is the latest news.
        let statuspage_up = Incoming {
            start: END,
            ..up(END)
        };
        assert_eq!(latest_step(&statuspage_up, None, &[], None), Step::Nothing);
        assert_eq!(
            latest_step(&down(START), Some(MajorOutage), &[], Some(END)),
            Step::Nothing
        );
    }

    #[test]
    fn titles_are_cut_and_cleaned() {
        assert_eq!(title_of(Some("  a\nb "), "d"), "a b");
        assert_eq!(title_of(Some("  "), "d"), "d");
        assert_eq!(title_of(None, "d"), "d");
        assert_eq!(title_of(Some(&"x".repeat(300)), "d").len(), 200);
    }
}
