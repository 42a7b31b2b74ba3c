//! Prometheus Alertmanager's webhook (`version: "4"`; Grafana alerting sends the same shape). A
//! delivery is one alert group, and the group is one incident. Each alert, identified by its
//! `fingerprint` and `startsAt`, opens a window when firing and closes it when resolved
//! (docs/ingest.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::ingest::SourcedWindow;
use crate::domain::{Invalid, parse_instant};
use crate::engine::Severity;

/// What Alertmanager posts. Fields not named here (`receiver`, `externalURL`, Grafana's
/// additions) are accepted and ignored.
#[derive(Deserialize, Serialize, Clone, Debug)]
pub struct Delivery {
    pub version: String,
    #[serde(rename = "groupKey")]
    pub group_key: String,
    #[serde(default, rename = "commonLabels")]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default, rename = "commonAnnotations")]
    pub common_annotations: BTreeMap<String, String>,
    pub alerts: Vec<Alert>,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub status: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(rename = "startsAt")]
    pub starts_at: String,
    #[serde(default, rename = "endsAt")]
    pub ends_at: String,
    pub fingerprint: String,
}

/// One alert as it is kept (and replayed): with its group and the group's title.
#[derive(Deserialize, Serialize, Clone, Debug)]
pub struct Received {
    pub group_key: String,
    pub title: String,
    pub alert: Alert,
}

/// A checked alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The same alert redelivered has the same key.
    pub key: String,
    /// What its windows are called: fingerprint and start.
    pub identity: String,
    pub start: i64,
    /// `Some(endsAt)` when resolved.
    pub resolved: Option<i64>,
    pub labels: BTreeMap<String, String>,
}

/// The incident of an alert group, as its `external_id`.
pub fn incident_external_id(group_key: &str) -> String {
    let digest = Sha256::digest(group_key.as_bytes());
    format!("alertmanager-{}", &hex::encode(digest)[..32])
}

/// The group's title: its common `summary` or `title` annotation, else its `alertname`; cut to
/// 200 characters, control characters turned into spaces.
pub fn title(delivery: &Delivery) -> String {
    let found = ["summary", "title"]
        .iter()
        .find_map(|k| delivery.common_annotations.get(*k))
        .or_else(|| delivery.common_labels.get("alertname"))
        .map(|t| t.trim())
        .filter(|t| !t.is_empty());
    let text = found.unwrap_or("Alertmanager alert group");
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

/// Checks what the engine relies on; problems name the field (`alerts[0].startsAt`).
pub fn check_delivery(delivery: &Delivery) -> Result<(), Invalid> {
    if delivery.version != "4" {
        return Err(Invalid::new(
            "version",
            "must be \"4\" (Alertmanager's webhook version)",
        ));
    }
    if delivery.group_key.is_empty() {
        return Err(Invalid::new("groupKey", "must not be empty"));
    }
    for (i, alert) in delivery.alerts.iter().enumerate() {
        check_alert(alert, &format!("alerts[{i}]."))?;
    }
    Ok(())
}

/// One alert checked; fields named after `prefix`.
pub fn check_alert(alert: &Alert, prefix: &str) -> Result<Checked, Invalid> {
    let field = |name: &str| format!("{prefix}{name}");
    if alert.fingerprint.is_empty() || alert.fingerprint.len() > 128 {
        return Err(Invalid::new(
            field("fingerprint"),
            "must be 1 to 128 characters",
        ));
    }
    let start = parse_instant(&field("startsAt"), &alert.starts_at)?;
    let resolved = match alert.status.as_str() {
        "firing" => None,
        "resolved" => Some(parse_instant(&field("endsAt"), &alert.ends_at)?),
        _ => {
            return Err(Invalid::new(
                field("status"),
                "must be `firing` or `resolved`",
            ));
        }
    };
    let canonical = serde_json::json!([
        alert.status,
        alert.fingerprint,
        start,
        resolved,
        alert.labels
    ]);
    Ok(Checked {
        key: hex::encode(Sha256::digest(canonical.to_string().as_bytes())),
        identity: format!("{}@{start}", alert.fingerprint),
        start,
        resolved,
        labels: alert.labels.clone(),
    })
}

/// What one alert does to the windows already opened for it.
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

/// SPEC §2 and docs/ingest.md, "Exactly once": firing opens a window at `startsAt` unless one is
/// open (same severity: nothing; another: switch at `now`) or the alert already resolved;
/// resolved closes the open window at `endsAt`, or, arriving first, leaves one closed window.
pub fn step(alert: &Checked, severity: Severity, windows: &[SourcedWindow], now: i64) -> Step {
    let open = windows.iter().find(|w| w.end_at.is_none());
    match (alert.resolved, open) {
        (None, Some(w)) if w.severity == severity.as_str() => Step::Nothing,
        (None, Some(w)) => Step::Switch {
            window: w.id,
            at: now.max(w.start_at + 1),
        },
        (Some(end), Some(w)) => Step::Close {
            window: w.id,
            end: end.max(w.start_at + 1),
        },
        (_, None) if !windows.is_empty() => Step::Nothing,
        (None, None) => Step::Open {
            start: alert.start,
            end: None,
        },
        (Some(end), None) => Step::Open {
            start: alert.start,
            end: Some(end.max(alert.start + 1)),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn alert(status: &str, ends: &str) -> Checked {
        check_alert(
            &Alert {
                status: status.into(),
                labels: BTreeMap::new(),
                annotations: BTreeMap::new(),
                starts_at: "2026-03-01T10:00:00.123Z".into(),
                ends_at: ends.into(),
                fingerprint: "c4f1".into(),
            },
            "",
        )
        .unwrap()
    }

    fn window(id: i64, severity: Severity, start: i64, end: Option<i64>) -> SourcedWindow {
        SourcedWindow {
            id,
            incident_id: 1,
            severity: severity.as_str().into(),
            start_at: start,
            end_at: end,
        }
    }

    const START: i64 = 1_772_359_200; // 2026-03-01T10:00:00Z
    const END: i64 = START + 3_600;

    #[test]
    fn firing_and_resolved_in_any_order_leave_one_window() {
        use Severity::*;
        let firing = alert("firing", "0001-01-01T00:00:00Z");
        let resolved = alert("resolved", "2026-03-01T11:00:00Z");
        assert_eq!(
            firing.identity,
            format!("c4f1@{START}"),
            "sub-seconds truncated"
        );
        assert_eq!(resolved.identity, firing.identity);
        assert_ne!(resolved.key, firing.key);
        let now = START + 600;
        // In order: open, then close at endsAt.
        assert_eq!(
            step(&firing, MajorOutage, &[], now),
            Step::Open {
                start: START,
                end: None
            }
        );
        let open = [window(7, MajorOutage, START, None)];
        assert_eq!(
            step(&firing, MajorOutage, &open, now),
            Step::Nothing,
            "redelivered"
        );
        assert_eq!(
            step(&resolved, MajorOutage, &open, now),
            Step::Close {
                window: 7,
                end: END
            }
        );
        // Resolved first: one closed window; the late firing changes nothing.
        assert_eq!(
            step(&resolved, MajorOutage, &[], now),
            Step::Open {
                start: START,
                end: Some(END)
            }
        );
        let closed = [window(7, MajorOutage, START, Some(END))];
        assert_eq!(step(&firing, MajorOutage, &closed, now), Step::Nothing);
        assert_eq!(step(&resolved, MajorOutage, &closed, now), Step::Nothing);
    }

    #[test]
    fn a_severity_change_closes_one_window_and_opens_the_next() {
        use Severity::*;
        let firing = alert("firing", "");
        let open = [window(7, PartialOutage, START, None)];
        let now = START + 900;
        assert_eq!(
            step(&firing, MajorOutage, &open, now),
            Step::Switch { window: 7, at: now }
        );
        // A change in the very second the window opened still leaves it one second long.
        assert_eq!(
            step(&firing, MajorOutage, &open, START),
            Step::Switch {
                window: 7,
                at: START + 1
            }
        );
    }

    #[test]
    fn bad_alerts_name_the_field() {
        let bad = |a: Alert| check_alert(&a, "alerts[0].").unwrap_err().field;
        let good = Alert {
            status: "resolved".into(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            starts_at: "2026-03-01T10:00:00Z".into(),
            ends_at: "2026-03-01T11:00:00Z".into(),
            fingerprint: "f".into(),
        };
        assert_eq!(
            bad(Alert {
                status: "pending".into(),
                ..good.clone()
            }),
            "alerts[0].status"
        );
        assert_eq!(
            bad(Alert {
                starts_at: "yesterday".into(),
                ..good.clone()
            }),
            "alerts[0].startsAt"
        );
        assert_eq!(
            bad(Alert {
                ends_at: "".into(),
                ..good.clone()
            }),
            "alerts[0].endsAt"
        );
        assert_eq!(
            bad(Alert {
                fingerprint: "".into(),
                ..good
            }),
            "alerts[0].fingerprint"
        );
    }
}
