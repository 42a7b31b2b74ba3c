//! Statuspage's webhooks, read by the rules of the status-page import (docs/ingest.md): a
//! component's status is the state from then on (an impaired status opens a window, another
//! switches it, `operational` closes it), on the component whose `external_id` is the page's
//! component id; an incident update is imported as the import would import that incident.

use std::collections::BTreeMap;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::rules::Source;
use super::{Incoming, nonempty};
use crate::domain::{Invalid, parse_instant};
use crate::engine::Severity;

/// The label of a component update that names the page's component id.
pub const COMPONENT_ID: &str = "component_id";
/// The label with the component's new status.
pub const STATUS: &str = "status";

#[derive(Deserialize)]
struct Page {
    id: String,
}

#[derive(Deserialize)]
struct ComponentUpdate {
    id: String,
    created_at: String,
    new_status: String,
    component_id: String,
}

#[derive(Deserialize)]
struct Component {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct IncidentHead {
    id: String,
    #[serde(default)]
    name: String,
    updated_at: String,
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn field<T: serde::de::DeserializeOwned>(
    body: &serde_json::Value,
    name: &str,
) -> Result<T, Invalid> {
    serde_json::from_value(body[name].clone())
        .map_err(|e| Invalid::new(name, format!("is not what Statuspage sends: {e}")))
}

/// A component status as the import reads it: the severity it opens, none for `operational`.
pub fn severity(status: &str) -> Result<Option<Severity>, Invalid> {
    match status {
        "operational" => Ok(None),
        "degraded_performance" => Ok(Some(Severity::DegradedPerformance)),
        "partial_outage" => Ok(Some(Severity::PartialOutage)),
        "major_outage" => Ok(Some(Severity::MajorOutage)),
        "under_maintenance" => Ok(Some(Severity::Maintenance)),
        other => Err(Invalid::new(
            "component_update.new_status",
            format!("`{other}` is not a component status"),
        )),
    }
}

/// A webhook body as a notification. An incident update carries the one-incident document the
/// import reads (`document`).
pub fn incoming(body: &serde_json::Value) -> Result<Incoming, Invalid> {
    let page: Page = field(body, "page")?;
    nonempty("page.id", &page.id)?;
    // `meta.unsubscribe` is a link that stops the webhook: not kept where readers see it.
    let mut kept = body.clone();
    if let Some(object) = kept.as_object_mut() {
        object.remove("meta");
    }
    if !body["component_update"].is_null() {
        let update: ComponentUpdate = field(body, "component_update")?;
        nonempty("component_update.id", &update.id)?;
        nonempty("component_update.component_id", &update.component_id)?;
        let component: Component = field(body, "component").unwrap_or(Component {
            name: String::new(),
        });
        let at = parse_instant("component_update.created_at", &update.created_at)?;
        severity(&update.new_status)?;
        let resolved = (update.new_status == "operational").then_some(at);
        return Ok(Incoming {
            source: Source::Statuspage,
            key: sha256(&format!("component {}", update.id)),
            incident: format!("statuspage-{}-{}", page.id, update.component_id),
            title: super::title_of(
                Some(&format!("{} (status page)", component.name)),
                "Status page component",
            ),
            identity: format!("{}:{}", page.id, update.component_id),
            labels: BTreeMap::from([
                (COMPONENT_ID.to_owned(), update.component_id.clone()),
                (STATUS.to_owned(), update.new_status.clone()),
            ]),
            start: at,
            resolved,
            at,
            received: kept,
            document: None,
        });
    }
    if !body["incident"].is_null() {
        let incident: IncidentHead = field(body, "incident")?;
        nonempty("incident.id", &incident.id)?;
        let at = parse_instant("incident.updated_at", &incident.updated_at)?;
        let document = serde_json::json!({
            "page": {"id": page.id, "name": page.id},
            "incidents": [body["incident"].clone()],
        });
        return Ok(Incoming {
            source: Source::Statuspage,
            key: sha256(&format!("incident {} {}", incident.id, incident.updated_at)),
            incident: format!("{}:{}", page.id, incident.id),
            title: super::title_of(Some(&incident.name), "Status page incident"),
            identity: format!("{}:{}", page.id, incident.id),
            labels: BTreeMap::new(),
            start: at,
            resolved: None,
            at,
            received: kept,
            document: Some(document),
        });
    }
    Err(Invalid::new(
        "body",
        "holds neither `component_update` nor `incident`",
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::ingest::tests::window;
    use crate::ingest::{Step, latest_step};

    fn step(n: &Incoming, s: Option<Severity>, w: &[crate::db::ingest::SourcedWindow]) -> Step {
        let last = w.iter().map(|w| w.end_at.unwrap_or(w.start_at)).max();
        latest_step(n, s, w, last)
    }

    fn update(id: &str, status: &str, at: &str) -> Incoming {
        incoming(&serde_json::json!({
            "meta": {"unsubscribe": "u", "documentation": "d"},
            "page": {"id": "j2mfxwj97wnj", "status_indicator": "major", "status_description": "x"},
            "component_update": {"created_at": at, "new_status": status, "old_status": "operational",
                "id": id, "component_id": "rb5wq1dczvbm"},
            "component": {"created_at": at, "id": "rb5wq1dczvbm", "name": "API", "status": status}
        }))
        .unwrap()
    }

    #[test]
    fn the_latest_status_wins() {
        use Severity::*;
        let major = update("u1", "major_outage", "2026-03-10T10:00:00Z");
        let t = major.at;
        assert_eq!(
            step(&major, Some(MajorOutage), &[]),
            Step::Open {
                start: t,
                end: None
            }
        );
        let open = [window(1, MajorOutage, t, None)];
        let partial = update("u2", "partial_outage", "2026-03-10T10:30:00Z");
        assert_eq!(
            step(&partial, Some(PartialOutage), &open),
            Step::Switch {
                window: 1,
                at: t + 1_800
            }
        );
        let fixed = update("u3", "operational", "2026-03-10T11:00:00Z");
        assert_eq!(fixed.resolved, Some(t + 3_600));
        assert_eq!(
            step(&fixed, None, &open),
            Step::Close {
                window: 1,
                end: t + 3_600
            }
        );
        // Operational with nothing open, or news older than what is known: nothing.
        assert_eq!(step(&fixed, None, &[]), Step::Nothing);
        let closed = [window(1, MajorOutage, t, Some(t + 3_600))];
        assert_eq!(step(&partial, Some(PartialOutage), &closed), Step::Nothing);
        // A later outage of the same component opens a new window.
        let again = update("u4", "major_outage", "2026-03-11T09:00:00Z");
        assert!(matches!(
            step(&again, Some(MajorOutage), &closed),
            Step::Open { .. }
        ));
    }

    #[test]
    fn bodies_name_what_is_wrong() {
        let odd = serde_json::json!({"page": {"id": "p"}, "component_update": {"created_at": "2026-03-10T10:00:00Z",
            "new_status": "on_fire", "id": "u", "component_id": "c"}});
        assert_eq!(
            incoming(&odd).unwrap_err().field,
            "component_update.new_status"
        );
        let neither = serde_json::json!({"page": {"id": "p"}});
        assert_eq!(incoming(&neither).unwrap_err().field, "body");
        assert_eq!(incoming(&serde_json::json!({})).unwrap_err().field, "page");
    }
}
