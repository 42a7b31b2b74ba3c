//! Two edges of the numbers that SPEC §5.5 and §6 make precise.

use serde_json::json;
use sla_ledger::auth::Role;

use crate::credits::run;
use crate::helpers::TestApp;

fn plan(app: &TestApp, key: &str, price: &str, timezone: &str) {
    app.create(
        "/v1/plans",
        json!({"key": key, "name": key, "version": {
            "effective_from": "2026-01", "price": {"amount": price, "currency": "USD"},
            "sla_target_percent": "99.9", "components": ["api"], "timezone": timezone,
        }}),
    );
}

fn subscribe(app: &TestApp, customer: &str, plan: &str, start: &str, end: Option<&str>) {
    app.customer(customer, None);
    app.create(
        &format!("/v1/customers/{customer}/subscriptions"),
        json!({"plan": plan, "start": start, "end": end}),
    );
}

fn outage(app: &TestApp, start: &str, end: &str) {
    let r = app.post(
        "/v1/incidents",
        Role::Reporter,
        &json!({"title": "outage", "status": "resolved", "windows": [
            {"component": "api", "severity": "major_outage", "start": start, "end": end}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

/// Active in P is decided in the subscription's own plan zone: a UTC subscription that ended on
/// 31 August is not in September, though September starts on 31 August in Pacific/Chatham.
fn another_plans_zone_does_not_widen_a_period(app: &TestApp) {
    app.component("api");
    plan(app, "p", "300.00", "UTC");
    plan(app, "q", "300.00", "Pacific/Chatham");
    subscribe(
        app,
        "left",
        "p",
        "2026-08-01T00:00:00Z",
        Some("2026-08-31T15:00:00Z"),
    );
    subscribe(app, "stays", "q", "2026-08-01T00:00:00Z", None);
    outage(app, "2026-09-10T00:00:00Z", "2026-09-10T02:00:00Z");

    let left = app.get("/v1/customers/left/statement?period=2026-09", Role::Viewer);
    assert_eq!(left.status, 200, "{}", left.text);
    assert_eq!(left.body["subscriptions"], json!([]), "{}", left.text);
    let stays = app.get("/v1/customers/stays/statement?period=2026-09", Role::Viewer);
    assert_eq!(
        stays.body["subscriptions"].as_array().map(Vec::len),
        Some(1)
    );
    // August still lists it, in its own zone.
    let august = app.get("/v1/customers/left/statement?period=2026-08", Role::Viewer);
    assert_eq!(
        august.body["subscriptions"].as_array().map(Vec::len),
        Some(1)
    );

    let csv = app.get("/v1/reports/statements.csv?period=2026-09", Role::Billing);
    assert_eq!(csv.status, 200, "{}", csv.text);
    let customers: Vec<&str> = csv
        .text
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap_or_default())
        .collect();
    assert_eq!(customers, ["stays"], "{}", csv.text);

    let summary = run(app, "2026-09");
    assert_eq!(summary["subscriptions_evaluated"], 1, "{summary}");
}

/// A credit percent above zero whose amount rounds to zero minor units is not issued, and the
/// statement says why.
fn an_amount_that_rounds_to_zero_says_so(app: &TestApp) {
    app.component("api");
    plan(app, "penny", "0.01", "UTC");
    subscribe(app, "acme", "penny", "2026-01-01T00:00:00Z", None);
    // 1 h of 744 h: uptime 99.8656 % → 10 % of 0.01 USD = 0.001 → 0.00.
    outage(app, "2026-01-10T00:00:00Z", "2026-01-10T01:00:00Z");

    let r = app.get("/v1/customers/acme/statement?period=2026-01", Role::Viewer);
    assert_eq!(r.status, 200, "{}", r.text);
    let s = &r.body["subscriptions"][0];
    assert_eq!(s["credit_percent"], "10", "{s}");
    assert_eq!(
        s["amount"],
        json!({"amount": "0.00", "currency": "USD"}),
        "{s}"
    );
    assert_eq!(s["reason"], "rounds_to_zero", "{s}");

    let summary = run(app, "2026-01");
    assert_eq!(summary["created"], 0, "{summary}");
    let credits = app.get("/v1/credits?period=2026-01", Role::Viewer);
    assert_eq!(credits.body["items"], json!([]), "{}", credits.text);
    let csv = app.get("/v1/reports/statements.csv?period=2026-01", Role::Billing);
    assert!(csv.text.contains("rounds_to_zero"), "{}", csv.text);
}

crate::both!(
    another_plans_zone_does_not_widen_a_period,
    an_amount_that_rounds_to_zero_says_so,
);
