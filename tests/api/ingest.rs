//! `/v1/ingest`: Alertmanager's webhook (payloads as its documentation gives them), rules,
//! exactly-once windows, unmatched notifications and their replay.

use serde_json::{Value, json};
use sla_ledger::auth::Role;

use crate::helpers::{TestApp, assert_problem};

fn at(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

/// One alert as Alertmanager's webhook sends it (`version: "4"`, docs: "webhook_config").
fn alert(status: &str, severity: &str, starts: &str, ends: &str) -> Value {
    json!({
        "status": status,
        "labels": {"alertname": "ApiDown", "service": "api", "severity": severity, "region": "na"},
        "annotations": {"summary": "API is down"},
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up%3D%3D0",
        "fingerprint": "6a2c7b4f0d1e9a35"
    })
}

fn delivery(status: &str, alerts: Vec<Value>) -> Value {
    json!({
        "version": "4",
        "groupKey": "{}/{severity=~\"critical|warning\"}:{alertname=\"ApiDown\"}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "sla-ledger",
        "groupLabels": {"alertname": "ApiDown"},
        "commonLabels": {"alertname": "ApiDown", "service": "api"},
        "commonAnnotations": {"summary": "API is down"},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts
    })
}

const NEVER: &str = "0001-01-01T00:00:00Z";

fn rule(app: &TestApp) -> Value {
    app.create(
        "/v1/ingest/rules",
        json!({"source": "alertmanager", "component_label": "service", "severity_label": "severity",
            "severities": {"critical": "major_outage", "warning": "partial_outage"},
            "region_label": "region"}),
    )
}

fn post(app: &TestApp, body: &Value) -> Value {
    let r = app.post("/v1/ingest/alertmanager", Role::Reporter, body);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// The incident's windows: (severity, start, end).
pub fn windows(app: &TestApp, incident: &Value) -> Vec<(String, String, Value)> {
    let r = app.get(&format!("/v1/incidents/{incident}"), Role::Viewer);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["severity"].as_str().unwrap().to_owned(),
                w["start"].as_str().unwrap().to_owned(),
                w["end"].clone(),
            )
        })
        .collect()
}

pub fn win(severity: &str, start: &str, end: Value) -> (String, String, Value) {
    (severity.into(), start.into(), end)
}

fn alerts_open_change_and_close_windows_once(app: &TestApp) {
    app.component("api");
    app.plan("pro", &["api"]);
    app.customer("acme", Some("na"));
    app.create(
        "/v1/customers/acme/subscriptions",
        json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
    );
    rule(app);
    app.clock.set(at("2026-03-10T10:30:00Z"));
    let warning = delivery(
        "firing",
        vec![alert(
            "firing",
            "warning",
            "2026-03-10T10:00:00.512Z",
            NEVER,
        )],
    );
    let first = post(app, &warning);
    assert_eq!(
        (first["applied"].as_i64(), first["repeated"].as_i64()),
        (Some(1), Some(0))
    );
    let incident = first["incident_id"].clone();
    let r = app.get(&format!("/v1/incidents/{incident}"), Role::Viewer);
    assert_eq!(r.body["title"], "API is down");
    assert_eq!(r.body["windows"][0]["source"]["name"], "alertmanager");
    assert!(
        r.body["windows"][0]["source"]["notification_id"].is_i64(),
        "{}",
        r.text
    );
    assert_eq!(r.body["status"], "investigating");
    assert_eq!(
        windows(app, &incident),
        vec![win("partial_outage", "2026-03-10T10:00:00Z", json!(null))]
    );
    // Alertmanager redelivers: nothing changes.
    let again = post(app, &warning);
    assert_eq!(
        (again["applied"].as_i64(), again["repeated"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(windows(app, &incident).len(), 1);

    // At 10:45 the same alert is critical: the warning window ends, a major one starts.
    app.clock.set(at("2026-03-10T10:45:00Z"));
    post(
        app,
        &delivery(
            "firing",
            vec![alert(
                "firing",
                "critical",
                "2026-03-10T10:00:00.512Z",
                NEVER,
            )],
        ),
    );
    assert_eq!(
        windows(app, &incident),
        vec![
            win(
                "partial_outage",
                "2026-03-10T10:00:00Z",
                json!("2026-03-10T10:45:00Z")
            ),
            win("major_outage", "2026-03-10T10:45:00Z", json!(null)),
        ]
    );
    // Resolved at 11:15: the major window closes there, the incident is resolved.
    app.clock.set(at("2026-03-10T11:20:00Z"));
    let resolved = delivery(
        "resolved",
        vec![alert(
            "resolved",
            "critical",
            "2026-03-10T10:00:00.512Z",
            "2026-03-10T11:15:00.9Z",
        )],
    );
    post(app, &resolved);
    assert_eq!(post(app, &resolved)["repeated"], 1);
    assert_eq!(
        windows(app, &incident),
        vec![
            win(
                "partial_outage",
                "2026-03-10T10:00:00Z",
                json!("2026-03-10T10:45:00Z")
            ),
            win(
                "major_outage",
                "2026-03-10T10:45:00Z",
                json!("2026-03-10T11:15:00Z")
            ),
        ]
    );
    let r = app.get(&format!("/v1/incidents/{incident}"), Role::Viewer);
    assert_eq!(r.body["status"], "resolved");
    // The month's statement: 45 min × 0.3 + 30 min × 1 = 43.5 min of downtime.
    let s = app.get("/v1/customers/acme/statement?period=2026-03", Role::Viewer);
    assert_eq!(
        s.body["subscriptions"][0]["downtime_minutes"], "43.50",
        "{}",
        s.text
    );
    // Audited as the reporter's: created, then changed by ingest.
    let audit = app.get(
        &format!("/v1/audit?entity=incident&entity_id={incident}"),
        Role::Admin,
    );
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"incident.create"), "{actions:?}");
    assert!(actions.contains(&"incident.ingest"), "{actions:?}");
}

/// Alertmanager routes that `continue` send one alert in two groups: its window is in the first
/// group's incident, and the second group's resolution closes it there and resolves that
/// incident, without making one of its own.
fn an_alert_in_two_groups_is_one_window(app: &TestApp) {
    app.component("api");
    rule(app);
    app.clock.set(at("2026-03-10T10:30:00Z"));
    let firing = alert("firing", "critical", "2026-03-10T10:00:00Z", NEVER);
    let resolved = alert(
        "resolved",
        "critical",
        "2026-03-10T10:00:00Z",
        "2026-03-10T10:20:00Z",
    );
    let in_group = |group: &str, status: &str, alert: &Value| {
        let mut d = delivery(status, vec![alert.clone()]);
        d["groupKey"] = json!(group);
        d
    };
    let first = post(app, &in_group("{}:{team=\"api\"}", "firing", &firing));
    let incident = first["incident_id"].clone();
    let second = post(app, &in_group("{}:{team=\"oncall\"}", "firing", &firing));
    assert_eq!(second["applied"], 1);
    assert_eq!(second["incident_id"], json!(null), "no incident of its own");
    let closed = post(
        app,
        &in_group("{}:{team=\"oncall\"}", "resolved", &resolved),
    );
    assert_eq!(closed["incident_id"], incident, "{closed}");
    assert_eq!(
        windows(app, &incident),
        vec![win(
            "major_outage",
            "2026-03-10T10:00:00Z",
            json!("2026-03-10T10:20:00Z")
        )]
    );
    let shown = app
        .get(&format!("/v1/incidents/{incident}"), Role::Viewer)
        .body;
    assert_eq!(shown["status"], "resolved");
    let all = app.get("/v1/incidents", Role::Viewer).body["items"].clone();
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    // The audit log says the first group's incident changed.
    let audit = app.get("/v1/audit?entity=incident", Role::Admin).body["items"].clone();
    let last = audit.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "incident.ingest");
    assert_eq!(last["after"]["status"], "resolved");
    // The first group resolving it too changes nothing more.
    let again = post(app, &in_group("{}:{team=\"api\"}", "resolved", &resolved));
    assert_eq!(again["applied"], 1);
    assert_eq!(windows(app, &incident).len(), 1);
}

fn resolved_before_firing_leaves_one_closed_window(app: &TestApp) {
    app.component("api");
    rule(app);
    app.clock.set(at("2026-03-10T12:00:00Z"));
    let resolved = post(
        app,
        &delivery(
            "resolved",
            vec![alert(
                "resolved",
                "critical",
                "2026-03-10T10:00:00Z",
                "2026-03-10T10:20:00Z",
            )],
        ),
    );
    let incident = resolved["incident_id"].clone();
    post(
        app,
        &delivery(
            "firing",
            vec![alert("firing", "critical", "2026-03-10T10:00:00Z", NEVER)],
        ),
    );
    assert_eq!(
        windows(app, &incident),
        vec![win(
            "major_outage",
            "2026-03-10T10:00:00Z",
            json!("2026-03-10T10:20:00Z")
        )]
    );
}

fn unmatched_notifications_wait_for_a_rule(app: &TestApp) {
    app.component("api");
    app.clock.set(at("2026-03-10T12:00:00Z"));
    let firing = delivery(
        "firing",
        vec![alert("firing", "critical", "2026-03-10T10:00:00Z", NEVER)],
    );
    let first = post(app, &firing);
    assert_eq!(
        (first["applied"].as_i64(), first["unmatched"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(first["incident_id"], json!(null));
    assert_eq!(post(app, &firing)["repeated"], 1, "kept once");
    let listed = app.get("/v1/ingest/unmatched", Role::Viewer);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", listed.text);
    assert_eq!(items[0]["problem"], "no rule matches its labels");
    assert_eq!(
        items[0]["notification"]["received"]["fingerprint"],
        "6a2c7b4f0d1e9a35"
    );
    let id = items[0]["id"].clone();
    let replay = format!("/v1/ingest/unmatched/{id}/replay");
    assert_problem(&app.post(&replay, Role::Reporter, &json!({})), 409, None);
    rule(app);
    let replayed = app.post(&replay, Role::Reporter, &json!({}));
    assert_eq!(replayed.status, 200, "{}", replayed.text);
    assert_eq!(replayed.body["state"], "applied");
    let incident = replayed.body["incident_id"].clone();
    assert_eq!(
        windows(app, &incident),
        vec![win("major_outage", "2026-03-10T10:00:00Z", json!(null))]
    );
    assert_problem(&app.post(&replay, Role::Reporter, &json!({})), 409, None);
    assert!(
        app.get("/v1/ingest/unmatched", Role::Viewer).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

fn rules_and_bad_deliveries(app: &TestApp) {
    app.component("api");
    let r = rule(app);
    assert_eq!(r["component_label"], "service");
    assert_eq!(r["severities"]["critical"], "major_outage");
    let listed = app.get("/v1/ingest/rules", Role::Viewer);
    assert_eq!(listed.body["items"][0]["id"], r["id"]);
    let bad = |body: Value, field: &str| {
        assert_problem(
            &app.post("/v1/ingest/rules", Role::Admin, &body),
            422,
            Some(field),
        );
    };
    bad(
        json!({"source": "alertmanager", "component": "nope", "severity_label": "s", "severities": {"x": "major_outage"}}),
        "component",
    );
    bad(
        json!({"source": "nagios", "component": "api", "severity_label": "s", "severities": {"x": "major_outage"}}),
        "source",
    );
    bad(
        json!({"source": "alertmanager", "component": "api", "severity_label": "s", "severities": {"x": "down"}}),
        "severities.x",
    );
    assert_eq!(
        app.delete(&format!("/v1/ingest/rules/{}", r["id"]), Role::Admin)
            .status,
        200
    );
    assert_problem(
        &app.delete(&format!("/v1/ingest/rules/{}", r["id"]), Role::Admin),
        404,
        None,
    );

    let payload = |v: Value| app.post("/v1/ingest/alertmanager", Role::Reporter, &v);
    let mut old = delivery("firing", vec![]);
    old["version"] = json!("3");
    assert_problem(&payload(old), 422, Some("version"));
    let pending = delivery(
        "firing",
        vec![alert("pending", "critical", "2026-03-10T10:00:00Z", NEVER)],
    );
    assert_problem(&payload(pending), 422, Some("alerts[0].status"));
    let local = delivery(
        "firing",
        vec![alert("firing", "critical", "2026-03-10T10:00:00", NEVER)],
    );
    assert_problem(&payload(local), 422, Some("alerts[0].startsAt"));

    // The command line manages the same rules, audited as its actor.
    let added: Value = serde_json::from_str(&app.cli(&[
        "rules",
        "add",
        "--source",
        "alertmanager",
        "--component-label",
        "service",
        "--severity-label",
        "severity",
        "--severity",
        "critical=major_outage",
        "--severity",
        "warning=partial_outage",
        "--actor",
        "ops",
    ]))
    .unwrap();
    assert_eq!(added["severities"]["warning"], "partial_outage");
    let listed: Value = serde_json::from_str(&app.cli(&["rules", "list"])).unwrap();
    assert_eq!(
        listed.as_array().unwrap().last().unwrap()["id"],
        added["id"]
    );
    let via_api = app.get("/v1/ingest/rules", Role::Viewer);
    assert_eq!(
        via_api.body["items"].as_array().unwrap().last().unwrap(),
        &added
    );
    let deleted: Value =
        serde_json::from_str(&app.cli(&["rules", "delete", &added["id"].to_string()])).unwrap();
    assert_eq!(deleted["deleted"], added["id"]);
    let audit = app.get("/v1/audit?entity=ingest_rule", Role::Admin);
    assert!(
        audit.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "ops"),
        "{}",
        audit.text
    );
    assert_problem(
        &app.post(
            "/v1/ingest/alertmanager",
            Role::Viewer,
            &delivery("firing", vec![]),
        ),
        403,
        None,
    );
}

fn without_slots() -> crate::helpers::Setup {
    let defaults = crate::helpers::Setup::default();
    crate::helpers::Setup {
        settings: sla_ledger::config::ServeSettings {
            ingest_concurrency: Some(0),
            ..defaults.settings
        },
        ..defaults
    }
}

/// Past the deliveries an instance works at once (here none), a delivery is a 429 with
/// `Retry-After`, and nothing is written.
fn floods_are_refused_past_the_limit(app: &TestApp) {
    app.component("api");
    let r = app.post(
        "/v1/ingest/alertmanager",
        Role::Reporter,
        &delivery(
            "firing",
            vec![alert("firing", "critical", "2026-03-10T10:00:00Z", NEVER)],
        ),
    );
    assert_problem(&r, 429, None);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(
        app.get("/v1/ingest/unmatched", Role::Viewer).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

fn large_bodies() -> crate::helpers::Setup {
    let defaults = crate::helpers::Setup::default();
    crate::helpers::Setup {
        settings: sla_ledger::config::ServeSettings {
            body_limit: 1 << 20,
            ..defaults.settings
        },
        ..defaults
    }
}

/// One delivery is one transaction: its alerts are bounded (Alertmanager's `max_alerts`).
fn a_delivery_carries_at_most_1000_alerts(app: &TestApp) {
    let many = vec![alert("firing", "critical", "2026-03-10T10:00:00Z", NEVER); 1_001];
    let r = app.post(
        "/v1/ingest/alertmanager",
        Role::Reporter,
        &delivery("firing", many),
    );
    assert_problem(&r, 422, Some("alerts"));
}

mod flood {
    crate::both!(with without_slots; floods_are_refused_past_the_limit);
    use super::{floods_are_refused_past_the_limit, without_slots};
}

mod bounded {
    crate::both!(with large_bodies; a_delivery_carries_at_most_1000_alerts);
    use super::{a_delivery_carries_at_most_1000_alerts, large_bodies};
}

crate::both!(
    alerts_open_change_and_close_windows_once,
    resolved_before_firing_leaves_one_closed_window,
    an_alert_in_two_groups_is_one_window,
    unmatched_notifications_wait_for_a_rule,
    rules_and_bad_deliveries,
);
