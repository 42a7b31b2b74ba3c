//! PagerDuty's v3 webhooks with payloads as PagerDuty's documentation shows them and signatures
//! computed as it documents (`X-PagerDuty-Signature: v1=` HMAC-SHA256 of the body): valid,
//! tampered, replayed, reordered, and signed while a secret is rotated.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use sla_ledger::auth::Role;
use sla_ledger::config::ServeSettings;

use crate::helpers::{Resp, Setup, TestApp, assert_problem};
use crate::ingest::{win, windows};

pub const SECRET: &str = "whsec-new";
const OLD_SECRET: &str = "whsec-old";

pub fn with_secrets() -> Setup {
    let defaults = Setup::default();
    Setup {
        settings: ServeSettings {
            pagerduty_secrets: vec![SECRET.into(), OLD_SECRET.into()],
            statuspage_secrets: vec![crate::statuspage_webhooks::SECRET.into()],
            ..defaults.settings
        },
        ..defaults
    }
}

pub fn sign(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// An event as PagerDuty's "V3 Webhook" documentation shows it.
fn event(id: &str, event_type: &str, occurred_at: &str, priority: &str) -> Value {
    json!({"event": {
        "id": id,
        "event_type": event_type,
        "resource_type": "incident",
        "occurred_at": occurred_at,
        "agent": {"html_url": "https://acme.pagerduty.com/users/PLH1HKV", "id": "PLH1HKV",
            "self": "https://api.pagerduty.com/users/PLH1HKV", "summary": "Tenex Engineer",
            "type": "user_reference"},
        "client": null,
        "data": {
            "id": "PGR0VU2",
            "type": "incident",
            "self": "https://api.pagerduty.com/incidents/PGR0VU2",
            "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
            "number": 2,
            "status": "triggered",
            "incident_key": "d3640fbd41094207a1c11e58e46b1662",
            "created_at": "2026-03-10T10:00:00Z",
            "title": "A little bump in the road",
            "service": {"html_url": "https://acme.pagerduty.com/services/PF9KMXH", "id": "PF9KMXH",
                "self": "https://api.pagerduty.com/services/PF9KMXH", "summary": "API Service",
                "type": "service_reference"},
            "assignees": [],
            "escalation_policy": {"html_url": "https://acme.pagerduty.com/escalation_policies/PUS0KTE",
                "id": "PUS0KTE", "self": "https://api.pagerduty.com/escalation_policies/PUS0KTE",
                "summary": "Default", "type": "escalation_policy_reference"},
            "teams": [],
            "priority": {"html_url": "https://acme.pagerduty.com/account/incident_priorities",
                "id": "PSO75BM", "self": "https://api.pagerduty.com/priorities/PSO75BM",
                "summary": priority, "type": "priority_reference"},
            "urgency": "high",
            "conference_bridge": null,
            "resolve_reason": null
        }
    }})
}

fn deliver(app: &TestApp, body: &str, signature: &str) -> Resp {
    app.send(
        "POST",
        "/v1/ingest/pagerduty",
        None,
        Some(body),
        &[("X-PagerDuty-Signature", signature)],
    )
}

fn signed(app: &TestApp, event: &Value) -> Value {
    let body = event.to_string();
    let r = deliver(app, &body, &sign(SECRET, &body));
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn setup(app: &TestApp) {
    app.component("api");
    app.create(
        "/v1/ingest/rules",
        json!({"source": "pagerduty", "component": "api", "severity_label": "priority",
            "severities": {"P1": "major_outage", "P2": "partial_outage"}}),
    );
}

fn triggered_reprioritised_and_resolved(app: &TestApp) {
    setup(app);
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .unwrap()
            .timestamp(),
    );
    let triggered = event(
        "01BZ0001",
        "incident.triggered",
        "2026-03-10T10:00:05.311Z",
        "P2",
    );
    let first = signed(app, &triggered);
    assert_eq!(first["applied"], 1, "{first}");
    let incident = first["incident_id"].clone();
    let r = app.get(&format!("/v1/incidents/{incident}"), Role::Viewer);
    assert_eq!(r.body["title"], "A little bump in the road");
    assert_eq!(r.body["external_id"], "pagerduty-PGR0VU2");
    // Replayed by PagerDuty: nothing changes.
    assert_eq!(signed(app, &triggered)["repeated"], 1);
    // Acknowledged: still down, same priority: nothing.
    signed(
        app,
        &event(
            "01BZ0002",
            "incident.acknowledged",
            "2026-03-10T10:05:00Z",
            "P2",
        ),
    );
    assert_eq!(
        windows(app, &incident),
        vec![win("partial_outage", "2026-03-10T10:00:00Z", json!(null))]
    );
    // P1 at 10:20: the partial window ends there, a major one starts.
    signed(
        app,
        &event(
            "01BZ0003",
            "incident.priority_updated",
            "2026-03-10T10:20:00Z",
            "P1",
        ),
    );
    signed(
        app,
        &event(
            "01BZ0004",
            "incident.resolved",
            "2026-03-10T10:50:00Z",
            "P1",
        ),
    );
    assert_eq!(
        windows(app, &incident),
        vec![
            win(
                "partial_outage",
                "2026-03-10T10:00:00Z",
                json!("2026-03-10T10:20:00Z")
            ),
            win(
                "major_outage",
                "2026-03-10T10:20:00Z",
                json!("2026-03-10T10:50:00Z")
            ),
        ]
    );
    let r = app.get(&format!("/v1/incidents/{incident}"), Role::Viewer);
    assert_eq!(r.body["status"], "resolved");
    // Audited as PagerDuty.
    let audit = app.get(
        &format!("/v1/audit?entity=incident&entity_id={incident}"),
        Role::Admin,
    );
    assert!(
        audit.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "pagerduty"),
        "{}",
        audit.text
    );
    // Annotations say nothing of the outage.
    let note = signed(
        app,
        &event(
            "01BZ0005",
            "incident.annotated",
            "2026-03-10T11:00:00Z",
            "P1",
        ),
    );
    assert_eq!(
        (note["ignored"].as_i64(), note["applied"].as_i64()),
        (Some(1), Some(0))
    );
}

fn reordered_events_leave_one_closed_window(app: &TestApp) {
    setup(app);
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .unwrap()
            .timestamp(),
    );
    let resolved = signed(
        app,
        &event(
            "01BZ0104",
            "incident.resolved",
            "2026-03-10T10:50:00Z",
            "P1",
        ),
    );
    let incident = resolved["incident_id"].clone();
    signed(
        app,
        &event(
            "01BZ0101",
            "incident.triggered",
            "2026-03-10T10:00:05Z",
            "P1",
        ),
    );
    signed(
        app,
        &event(
            "01BZ0103",
            "incident.priority_updated",
            "2026-03-10T10:20:00Z",
            "P2",
        ),
    );
    assert_eq!(
        windows(app, &incident),
        vec![win(
            "major_outage",
            "2026-03-10T10:00:00Z",
            json!("2026-03-10T10:50:00Z")
        )]
    );
    // Reopened at 11:30: down again, a window of its own; an older priority change that
    // arrives after it changes nothing.
    signed(
        app,
        &event(
            "01BZ0105",
            "incident.reopened",
            "2026-03-10T11:30:00Z",
            "P1",
        ),
    );
    signed(
        app,
        &event(
            "01BZ0102",
            "incident.priority_updated",
            "2026-03-10T10:10:00Z",
            "P2",
        ),
    );
    assert_eq!(
        windows(app, &incident),
        vec![
            win(
                "major_outage",
                "2026-03-10T10:00:00Z",
                json!("2026-03-10T10:50:00Z")
            ),
            win("major_outage", "2026-03-10T11:30:00Z", json!(null)),
        ]
    );
}

fn bad_signatures_write_nothing(app: &TestApp) {
    setup(app);
    let body = event(
        "01BZ0201",
        "incident.triggered",
        "2026-03-10T10:00:05Z",
        "P1",
    )
    .to_string();
    let tampered = body.replace("P1", "P2");
    assert_problem(&deliver(app, &tampered, &sign(SECRET, &body)), 401, None);
    assert_problem(&deliver(app, &body, &sign("guess", &body)), 401, None);
    assert_problem(&deliver(app, &body, "v1=not-hex"), 401, None);
    let unsigned = app.send("POST", "/v1/ingest/pagerduty", None, Some(&body), &[]);
    assert_problem(&unsigned, 401, None);
    assert!(
        app.get("/v1/incidents", Role::Viewer).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        app.get("/v1/ingest/unmatched", Role::Viewer).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // While a secret is rotated PagerDuty signs with both; the old one alone is accepted too.
    let both = format!("{},{}", sign("retired", &body), sign(OLD_SECRET, &body));
    let r = deliver(app, &body, &both);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["applied"], 1);
    // A signed body that is not an event is a 422 naming the field.
    let odd = json!({"event": {"id": "x", "event_type": "incident.triggered", "occurred_at": "soon", "data": {}}}).to_string();
    assert_problem(
        &deliver(app, &odd, &sign(SECRET, &odd)),
        422,
        Some("event.occurred_at"),
    );
}

crate::both!(with with_secrets;
    triggered_reprioritised_and_resolved,
    reordered_events_leave_one_closed_window,
    bad_signatures_write_nothing,
);
