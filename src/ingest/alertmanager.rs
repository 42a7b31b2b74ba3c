//! Prometheus Alertmanager's webhook (`version: "4"`; Grafana alerting sends the same shape). A
//! delivery is one alert group, and the group is one incident. Each alert, identified by its
//! `fingerprint` and `startsAt`, opens a window when firing and closes it when resolved
//! (docs/ingest.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::rules::Source;
use super::{Incoming, nonempty};
use crate::domain::{Invalid, parse_instant};

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

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The group's title: its common `summary` or `title` annotation, else its `alertname`.
fn title(delivery: &Delivery) -> String {
    let found = ["summary", "title"]
        .iter()
        .find_map(|k| delivery.common_annotations.get(*k))
        .or_else(|| delivery.common_labels.get("alertname"));
    super::title_of(found.map(String::as_str), "Alertmanager alert group")
}

/// The delivery's alerts as notifications, received at `now`; problems name the field
/// (`alerts[0].startsAt`).
pub fn incoming(delivery: &Delivery, now: i64) -> Result<Vec<Incoming>, Invalid> {
    // Alertmanager sends "4"; Grafana alerting sends "1" with the same fields.
    if delivery.version != "4" && delivery.version != "1" {
        return Err(Invalid::new(
            "version",
            "must be \"4\" (Alertmanager) or \"1\" (Grafana alerting)",
        ));
    }
    nonempty("groupKey", &delivery.group_key)?;
    let incident = format!("alertmanager-{}", &sha256(&delivery.group_key)[..32]);
    let title = title(delivery);
    let mut out = Vec::with_capacity(delivery.alerts.len());
    for (i, alert) in delivery.alerts.iter().enumerate() {
        let field = |name: &str| format!("alerts[{i}].{name}");
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
            delivery.group_key,
            alert.status,
            alert.fingerprint,
            start,
            resolved,
            alert.labels
        ]);
        out.push(Incoming {
            source: Source::Alertmanager,
            key: sha256(&canonical.to_string()),
            incident: incident.clone(),
            title: title.clone(),
            identity: format!("{}@{start}", alert.fingerprint),
            labels: alert.labels.clone(),
            start,
            resolved,
            // Alertmanager says when an alert started and ended, not when its labels changed.
            at: now,
            received: serde_json::to_value(alert).unwrap_or_default(),
            document: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn delivery(alerts: Vec<Alert>) -> Delivery {
        Delivery {
            version: "4".into(),
            group_key: "{}:{alertname=\"ApiDown\"}".into(),
            common_labels: BTreeMap::new(),
            common_annotations: BTreeMap::from([("summary".into(), "API\tdown".into())]),
            alerts,
        }
    }

    fn good() -> Alert {
        Alert {
            status: "resolved".into(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            starts_at: "2026-03-01T10:00:00.512Z".into(),
            ends_at: "2026-03-01T11:00:00Z".into(),
            fingerprint: "c4f1".into(),
        }
    }

    #[test]
    fn alerts_become_notifications() {
        let n = incoming(&delivery(vec![good()]), 5).unwrap();
        assert_eq!(n[0].identity, "c4f1@1772359200", "sub-seconds truncated");
        assert_eq!(n[0].resolved, Some(1_772_362_800));
        assert_eq!(n[0].title, "API down");
        assert_eq!(n[0].at, 5);
        let firing = Alert {
            status: "firing".into(),
            ..good()
        };
        let m = incoming(&delivery(vec![firing]), 5).unwrap();
        assert_eq!(m[0].identity, n[0].identity);
        assert_ne!(m[0].key, n[0].key, "another notification of the same alert");
        assert_eq!(m[0].incident, n[0].incident);
    }

    #[test]
    fn bad_alerts_name_the_field() {
        let bad = |a: Alert| incoming(&delivery(vec![a]), 0).unwrap_err().field;
        assert_eq!(
            bad(Alert {
                status: "pending".into(),
                ..good()
            }),
            "alerts[0].status"
        );
        assert_eq!(
            bad(Alert {
                starts_at: "yesterday".into(),
                ..good()
            }),
            "alerts[0].startsAt"
        );
        assert_eq!(
            bad(Alert {
                ends_at: "".into(),
                ..good()
            }),
            "alerts[0].endsAt"
        );
        assert_eq!(
            bad(Alert {
                fingerprint: "".into(),
                ..good()
            }),
            "alerts[0].fingerprint"
        );
        let old = Delivery {
            version: "3".into(),
            ..delivery(vec![])
        };
        assert_eq!(incoming(&old, 0).unwrap_err().field, "version");
        let grafana = Delivery {
            version: "1".into(),
            ..delivery(vec![good()])
        };
        assert!(incoming(&grafana, 0).is_ok(), "Grafana alerting's version");
    }
}
