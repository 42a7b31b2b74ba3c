//! The ingest part of the walk: rules, an Alertmanager delivery, an unmatched alert replayed.

use serde_json::json;
use sla_ledger::auth::Role;

use super::check::Checker;

pub fn walk(c: &mut Checker) {
    // A console sign-in link, exchanged once.
    let link = crate::console::sign_in_link(c.app, "ada", "viewer");
    let code = link.split("#link=").nth(1).unwrap().to_owned();
    let r = c.send("POST", &format!("/v1/sign-in/{code}"), None, None, &[]);
    assert_eq!(r.status, 200, "{}", r.text);

    let alert = |fingerprint: &str, service: &str| {
        json!({"status": "firing", "labels": {"service": service, "severity": "critical"},
            "annotations": {}, "startsAt": "2026-01-25T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus", "fingerprint": fingerprint})
    };
    let delivery = |alerts: Vec<serde_json::Value>| {
        json!({"version": "4", "groupKey": "{}:{alertname=\"Down\"}", "status": "firing",
            "receiver": "sla-ledger", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager", "truncatedAlerts": 0, "alerts": alerts})
    };
    // Nothing matches yet: kept.
    let kept = delivery(vec![alert("aa01", "api")]);
    let kept = c.write("POST", "/v1/ingest/alertmanager", Role::Reporter, kept, 200);
    assert_eq!(kept["unmatched"], 1, "{kept}");
    let unmatched = c.read("/v1/ingest/unmatched", Role::Viewer);
    let id = unmatched["items"][0]["id"].clone();
    let rule = json!({"source": "alertmanager", "component_label": "service",
        "severity_label": "severity", "severities": {"critical": "major_outage"}});
    c.write("POST", "/v1/ingest/rules", Role::Admin, rule, 201);
    let fixed = json!({"source": "alertmanager", "component": "api", "severity_label": "severity",
        "severities": {"page": "major_outage"}, "region_label": "region"});
    let fixed = c.write("POST", "/v1/ingest/rules", Role::Admin, fixed, 201);
    c.read("/v1/ingest/rules", Role::Viewer);
    let path = format!("/v1/ingest/unmatched/{id}/replay");
    c.write("POST", &path, Role::Reporter, serde_json::Value::Null, 200);
    let applied = delivery(vec![alert("aa02", "api")]);
    let applied = c.write(
        "POST",
        "/v1/ingest/alertmanager",
        Role::Reporter,
        applied,
        200,
    );
    assert_eq!(applied["applied"], 1, "{applied}");
    let event = json!({"event": {"id": "01BZ9", "event_type": "incident.triggered",
        "resource_type": "incident", "occurred_at": "2026-01-25T10:00:00Z",
        "data": {"id": "PGR0VU2", "type": "incident", "title": "Bump", "created_at": "2026-01-25T10:00:00Z",
            "service": {"id": "PF9KMXH", "summary": "api", "type": "service_reference"},
            "priority": null, "urgency": "high"}}});
    let body = event.to_string();
    let signature = crate::pagerduty::sign(crate::pagerduty::SECRET, &body);
    let headers = [("X-PagerDuty-Signature", signature.as_str())];
    let r = c.send("POST", "/v1/ingest/pagerduty", None, Some(&event), &headers);
    assert_eq!(r.status, 200, "{}", r.text);
    let update = json!({"meta": {}, "page": {"id": "pg1", "status_indicator": "major"},
        "component_update": {"created_at": "2026-01-25T11:00:00Z", "new_status": "major_outage",
            "old_status": "operational", "id": "cu1", "component_id": "nobody-has-this"},
        "component": {"id": "nobody-has-this", "name": "Nothing"}});
    let path = format!(
        "/v1/ingest/statuspage/{}",
        crate::statuspage_webhooks::SECRET
    );
    let r = c.send("POST", &path, None, Some(&update), &[]);
    assert_eq!(r.status, 200, "{}", r.text);
    let path = format!("/v1/ingest/rules/{}", fixed["id"]);
    c.write("DELETE", &path, Role::Admin, serde_json::Value::Null, 200);
}
