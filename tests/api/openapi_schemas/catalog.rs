//! The first half of the walk: health, catalog, customers, subscriptions, incidents, imports.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use sla_ledger::auth::Role;

use super::check::Checker;

/// What the ledger half works on.
pub struct Month {
    pub acme_sub: i64,
}

pub fn walk(c: &mut Checker) -> Month {
    for probe in ["/healthz", "/readyz"] {
        let r = c.send("GET", probe, None, None, &[]);
        assert_eq!(r.status, 200, "{}", r.text);
    }
    components(c);
    plans(c);
    let acme_sub = customers(c);
    incidents(c);
    Month { acme_sub }
}

fn components(c: &mut Checker) {
    for body in [
        json!({"key": "api", "name": "API"}),
        json!({"key": "web", "name": "Web"}),
        json!({"key": "voice", "name": "Voice"}),
        json!({"key": "voice.inbound", "name": "Inbound", "description": "Inbound calls",
               "group": "voice", "external_id": "page-voice-in"}),
        json!({"key": "spare", "name": "Spare"}),
    ] {
        c.write("POST", "/v1/components", Role::Admin, body, 201);
    }
    let patch = json!({"description": "The web app"});
    c.write("PATCH", "/v1/components/web", Role::Admin, patch, 200);
    c.read("/v1/components/voice.inbound", Role::Viewer);
    c.write(
        "DELETE",
        "/v1/components/spare",
        Role::Admin,
        json!(null),
        200,
    );
    let page = c.read("/v1/components?limit=2", Role::Viewer);
    let cursor = page["next_cursor"].as_str().expect("a next page");
    c.read(
        &format!("/v1/components?limit=2&after={cursor}"),
        Role::Viewer,
    );
}

fn plans(c: &mut Checker) {
    let pro = json!({"key": "pro", "name": "Pro", "version": {
        "effective_from": "2026-01",
        "price": {"amount": "300.00", "currency": "USD"},
        "sla_target_percent": "99.9",
        "components": ["api", "web"],
    }});
    c.write("POST", "/v1/plans", Role::Admin, pro, 201);
    let basic = json!({"key": "basic", "name": "Basic", "description": "Everything, Berlin time",
    "version": {
        "effective_from": "2026-01",
        "price": {"amount": "100.00", "currency": "USD"},
        "sla_target_percent": "99.5",
        "timezone": "Europe/Berlin",
        "weights": {"partial_outage": "0.5"},
        "min_downtime_seconds": 60,
        "maintenance": "counted",
        "credit_policy": {"type": "proportional", "multiplier": "2", "basis": "beyond_target"},
        "max_credit_percent": "50",
        "min_credit": {"amount": "1.00", "currency": "USD"},
    }});
    c.write("POST", "/v1/plans", Role::Admin, basic, 201);
    let v2 = json!({"effective_from": "2026-03", "price": {"amount": "350.00", "currency": "USD"},
        "sla_target_percent": "99.95", "credit_policy": {"type": "tiered", "tiers": [
            {"below_percent": "99.95", "credit_percent": "10"},
            {"below_percent": "99", "credit_percent": "30"}]}});
    c.write("POST", "/v1/plans/pro/versions", Role::Admin, v2, 201);
    c.read("/v1/plans/pro", Role::Viewer);
    let page = c.read("/v1/plans?limit=1", Role::Viewer);
    assert!(page["next_cursor"].is_string(), "{page}");
}

/// Answers acme's subscription id.
fn customers(c: &mut Checker) -> i64 {
    let acme = json!({"external_id": "acme", "name": "Acme", "region": "na"});
    c.write("POST", "/v1/customers", Role::Admin, acme, 201);
    let globex = json!({"external_id": "globex", "name": "Globex"});
    c.write("POST", "/v1/customers", Role::Admin, globex, 201);
    let patch = json!({"name": "Globex Corp"});
    c.write("PATCH", "/v1/customers/globex", Role::Admin, patch, 200);
    c.read("/v1/customers/acme", Role::Viewer);
    c.read("/v1/customers?limit=1", Role::Viewer);
    c.read("/v1/customers?region=na", Role::Viewer);

    let start = "2026-01-01T00:00:00Z";
    let sub = json!({"plan": "pro", "start": start});
    let acme_sub = c.write(
        "POST",
        "/v1/customers/acme/subscriptions",
        Role::Admin,
        sub,
        201,
    );
    let sub = json!({"plan": "basic", "start": start, "end": "2026-07-01T00:00:00Z",
        "fee_override": {"amount": "80.00", "currency": "USD"}});
    let globex_sub = c.write(
        "POST",
        "/v1/customers/globex/subscriptions",
        Role::Admin,
        sub,
        201,
    );
    let path = format!("/v1/subscriptions/{}", globex_sub["id"]);
    let patch = json!({"fee_override": {"amount": "90.00", "currency": "USD"}});
    c.write("PATCH", &path, Role::Admin, patch, 200);
    c.read(&path, Role::Viewer);
    c.read("/v1/customers/globex/subscriptions", Role::Viewer);
    acme_sub["id"].as_i64().expect("id")
}

fn window(component: &str, severity: &str, start: &str, end: &str) -> Value {
    json!({"component": component, "severity": severity, "start": start, "end": end})
}

fn incidents(c: &mut Checker) {
    let mut scoped = window(
        "web",
        "partial_outage",
        "2026-01-31T07:00:00Z",
        "2026-01-31T09:00:00Z",
    );
    scoped["regions"] = json!(["na", "emea"]);
    scoped["customers"] = json!(["acme"]);
    let january = json!({"title": "January", "status": "resolved", "external_id": "pd-1", "windows": [
        window("api", "major_outage", "2026-01-31T07:03:00Z", "2026-01-31T08:38:00Z"),
        scoped,
        window("api", "maintenance", "2026-01-10T02:00:00Z", "2026-01-10T04:00:00Z"),
    ]});
    let incident = c.write("POST", "/v1/incidents", Role::Reporter, january, 201);
    let path = format!("/v1/incidents/{}", incident["id"]);
    c.read(&path, Role::Viewer);
    let extra = window(
        "web",
        "degraded_performance",
        "2026-01-12T10:00:00Z",
        "2026-01-12T10:30:00Z",
    );
    let after = c.write(
        "POST",
        &format!("{path}/windows"),
        Role::Reporter,
        extra,
        201,
    );
    let added = after["windows"].as_array().expect("windows").iter();
    let added = added
        .filter_map(|w| w["id"].as_i64())
        .max()
        .expect("a window");
    let window_path = format!("{path}/windows/{added}");
    let patch = json!({"severity": "partial_outage"});
    c.write("PATCH", &window_path, Role::Reporter, patch, 200);
    c.write("DELETE", &window_path, Role::Reporter, json!(null), 200);
    let patch = json!({"title": "January outage", "external_id": null});
    c.write("PATCH", &path, Role::Reporter, patch, 200);

    // Going on now, on a group member: the group's status shows it.
    let an_hour_ago = (Utc::now() - Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let ongoing = json!({"title": "Calls drop", "status": "investigating", "windows": [
        {"component": "voice.inbound", "severity": "partial_outage", "start": an_hour_ago}]});
    let ongoing = c.write("POST", "/v1/incidents", Role::Reporter, ongoing, 201);
    let status = c.read("/v1/components/voice/status", Role::Viewer);
    assert_eq!(status["status"], "partial_outage", "{status}");
    c.read("/v1/components/api/uptime?period=2026-01", Role::Viewer);
    c.read(
        "/v1/components/voice/uptime?days=3&timezone=Europe/Berlin",
        Role::Viewer,
    );
    let page = c.read("/v1/incidents?limit=1", Role::Viewer);
    assert!(page["next_cursor"].is_string(), "{page}");
    c.read(
        "/v1/incidents?component=api&ongoing=false&from=2026-01-01T00:00:00Z",
        Role::Viewer,
    );
    let path = format!("/v1/incidents/{}", ongoing["id"]);
    c.write("DELETE", &path, Role::Reporter, json!(null), 200);

    let document = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/contact-center.incidents.json"
    ))
    .expect("fixture");
    let document: Value = serde_json::from_str(&document).expect("JSON fixture");
    let path = "/v1/imports/statuspage?create_components=true&dry_run=true";
    let summary = c.write("POST", path, Role::Reporter, document.clone(), 200);
    assert!(summary["windows"].is_array(), "a dry run lists its windows");
    let path = "/v1/imports/statuspage?create_components=true&regions=na,emea";
    c.write("POST", path, Role::Reporter, document, 200);
}
