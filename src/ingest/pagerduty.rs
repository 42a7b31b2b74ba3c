//! PagerDuty's v3 webhooks: a PagerDuty incident is one incident here and one window at a time.
//! Triggered (and acknowledged, reopened, a new priority) means it is still down; resolved ends
//! it. Each delivery is signed: `X-PagerDuty-Signature: v1=<HMAC-SHA256 of the body>`, one
//! signature per secret while a secret is rotated (docs/ingest.md).

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::rules::Source;
use super::{Incoming, nonempty};
use crate::domain::{Invalid, parse_instant};

/// Whether `header` carries a signature of `body` by one of `secrets`, compared in constant
/// time. No secret configured: nothing is accepted.
pub fn signed(secrets: &[String], header: Option<&str>, body: &[u8]) -> bool {
    let Some(header) = header else {
        return false;
    };
    let signatures: Vec<Vec<u8>> = header
        .split(',')
        .filter_map(|s| s.trim().strip_prefix("v1="))
        .filter_map(|s| hex::decode(s).ok())
        .collect();
    secrets.iter().filter(|s| !s.is_empty()).any(|secret| {
        signatures.iter().any(|signature| {
            Hmac::<Sha256>::new_from_slice(secret.as_bytes())
                .map(|mut mac| {
                    mac.update(body);
                    mac.verify_slice(signature).is_ok()
                })
                .unwrap_or(false)
        })
    })
}

/// What PagerDuty posts; fields not named here are accepted and ignored.
#[derive(Deserialize, Serialize, Clone, Debug)]
pub struct Webhook {
    pub event: Event,
}

#[derive(Deserialize, Serialize, Clone, Debug)]
pub struct Event {
    pub id: String,
    pub event_type: String,
    pub occurred_at: String,
    pub data: serde_json::Value,
}

#[derive(Deserialize, Serialize, Clone, Debug)]
struct IncidentData {
    id: String,
    #[serde(default)]
    title: String,
    created_at: String,
    service: Reference,
    priority: Option<Reference>,
    urgency: Option<String>,
}

#[derive(Deserialize, Serialize, Clone, Debug)]
struct Reference {
    id: String,
    #[serde(default)]
    summary: String,
}

/// The event types that say whether an incident is down; others are acknowledged and ignored.
const STILL_DOWN: [&str; 5] = [
    "incident.triggered",
    "incident.acknowledged",
    "incident.unacknowledged",
    "incident.reopened",
    "incident.priority_updated",
];
const RESOLVED: &str = "incident.resolved";

/// The event as a notification; none for an event type that says nothing of an outage.
/// Rules read the labels `service` (the service's name), `service_id`, `priority` (`P1`…),
/// `urgency` (`high`, `low`) and `event_type`.
pub fn incoming(webhook: &Webhook) -> Result<Option<Incoming>, Invalid> {
    let event = &webhook.event;
    let resolved = event.event_type == RESOLVED;
    if !resolved && !STILL_DOWN.contains(&event.event_type.as_str()) {
        return Ok(None);
    }
    nonempty("event.id", &event.id)?;
    let at = parse_instant("event.occurred_at", &event.occurred_at)?;
    let data: IncidentData = serde_json::from_value(event.data.clone())
        .map_err(|e| Invalid::new("event.data", format!("is not an incident: {e}")))?;
    nonempty("event.data.id", &data.id)?;
    let start = parse_instant("event.data.created_at", &data.created_at)?;
    let mut labels = BTreeMap::from([
        ("service".to_owned(), data.service.summary.clone()),
        ("service_id".to_owned(), data.service.id.clone()),
        ("event_type".to_owned(), event.event_type.clone()),
    ]);
    if let Some(priority) = &data.priority {
        labels.insert("priority".into(), priority.summary.clone());
    }
    if let Some(urgency) = &data.urgency {
        labels.insert("urgency".into(), urgency.clone());
    }
    Ok(Some(Incoming {
        source: Source::Pagerduty,
        key: hex::encode(Sha256::digest(format!("pagerduty {}", event.id).as_bytes())),
        incident: format!("pagerduty-{}", data.id),
        title: super::title_of(Some(&data.title), "PagerDuty incident"),
        identity: data.id,
        labels,
        start,
        resolved: resolved.then_some(at.max(start + 1)),
        at,
        received: serde_json::to_value(event).unwrap_or_default(),
        document: None,
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        format!("v1={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn signatures_are_checked_against_every_secret() {
        let body = br#"{"event":{}}"#;
        let secrets = vec!["new".to_owned(), "old".to_owned()];
        assert!(signed(&secrets, Some(&sign("old", body)), body));
        let both = format!("{},{}", sign("gone", body), sign("new", body));
        assert!(
            signed(&secrets, Some(&both), body),
            "rotating: one of two matches"
        );
        assert!(!signed(&secrets, Some(&sign("other", body)), body));
        assert!(
            !signed(&secrets, Some(&sign("new", b"{}")), body),
            "tampered body"
        );
        assert!(!signed(&secrets, None, body));
        assert!(
            !signed(&[], Some(&sign("new", body)), body),
            "no secret, no entry"
        );
        assert!(!signed(&secrets, Some("v1=zz"), body));
    }
}
