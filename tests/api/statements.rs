//! The engine through HTTP: SPEC §8 exactly, and the status-page uptime view.

use serde_json::{Value, json};
use sla_ledger::auth::Role;

use crate::helpers::{TestApp, assert_problem, assert_problem_is};

/// SPEC §8: plan `pro` v1, customer `acme` (na) from 2026-01-01, January 2026's windows.
pub fn worked_example(app: &TestApp) {
    app.component("api");
    app.component("web");
    app.plan("pro", &["api", "web"]);
    app.customer("acme", Some("na"));
    app.create(
        "/v1/customers/acme/subscriptions",
        json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
    );
    let window = |component: &str, severity: &str, start: &str, end: &str| json!({"component": component, "severity": severity, "start": start, "end": end});
    let r = app.post(
        "/v1/incidents",
        Role::Reporter,
        &json!({"title": "January", "status": "resolved", "windows": [
            window("api", "major_outage", "2026-01-31T05:10:00Z", "2026-01-31T05:16:00Z"),
            window("api", "major_outage", "2026-01-31T07:03:00Z", "2026-01-31T08:38:00Z"),
            window("web", "partial_outage", "2026-01-31T07:00:00Z", "2026-01-31T09:00:00Z"),
            window("api", "maintenance", "2026-01-10T02:00:00Z", "2026-01-10T04:00:00Z"),
        ]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

fn statement(app: &TestApp, query: &str) -> Value {
    let r = app.get(
        &format!("/v1/customers/acme/statement?{query}"),
        Role::Viewer,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn spec_worked_example_through_http(app: &TestApp) {
    worked_example(app);
    let body = statement(app, "period=2026-01");
    assert_eq!(body["customer"], "acme");
    assert_eq!(body["period"], "2026-01");
    let s = &body["subscriptions"][0];
    assert_eq!(s["plan"], "pro");
    assert_eq!(s["plan_version"], 1);
    assert_eq!(s["period_start"], "2026-01-01T00:00:00Z");
    assert_eq!(s["period_end"], "2026-02-01T00:00:00Z");
    assert_eq!(s["eligible_minutes"], "44520.00");
    assert_eq!(s["eligible_seconds"], 44_520 * 60);
    assert_eq!(s["excluded_seconds"], 120 * 60);
    assert_eq!(s["downtime_minutes"], "108.50");
    assert_eq!(s["downtime_seconds"], "6510");
    assert_eq!(
        s["impacted_minutes"], "126.00",
        "07:00–09:00 plus 05:10–05:16"
    );
    assert_eq!(s["uptime_percent"], "99.7563");
    assert_eq!(s["credit_percent"], "10");
    assert_eq!(s["fee"], json!({"amount": "300.00", "currency": "USD"}));
    assert_eq!(s["amount"], json!({"amount": "30.00", "currency": "USD"}));
    assert_eq!(s["reason"], json!(null));
    assert_eq!(
        s["by_severity"],
        json!({"major_outage": 101 * 60, "partial_outage": 25 * 60, "degraded_performance": 0})
    );
    assert_eq!(
        s["by_component"],
        json!([
            {"component": "api", "impacted_seconds": 101 * 60, "downtime_seconds": "6060"},
            {"component": "web", "impacted_seconds": 120 * 60, "downtime_seconds": "2160"},
        ]),
        "each component's own worst weight: web's 120 minutes at 0.3"
    );
    let ids = |list: &Value| -> Vec<i64> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_i64().unwrap())
            .collect()
    };
    let (windows, excluded) = (ids(&s["windows"]), ids(&s["excluded_windows"]));
    assert_eq!(windows.len(), 3);
    assert!(windows.is_sorted(), "{windows:?}");
    assert_eq!(excluded.len(), 1);
    assert!(!windows.contains(&excluded[0]));
    assert_eq!(
        statement(app, "period=2026-01")["subscriptions"],
        body["subscriptions"],
        "the second answer, from the shared month and its written id lists, is the first"
    );
    // February has no downtime.
    let feb = statement(app, "period=2026-02");
    assert_eq!(feb["subscriptions"][0]["reason"], "no_downtime");
    assert_eq!(
        feb["subscriptions"][0]["uptime_percent"], "100.0000",
        "4 decimals, SPEC §4.9"
    );
}

fn statements_follow_zones_versions_and_proration(app: &TestApp) {
    app.component("api");
    app.create(
        "/v1/plans",
        json!({"key": "ny", "name": "NY", "version": {
        "effective_from": "2026-01", "price": {"amount": "310.00", "currency": "USD"},
        "sla_target_percent": "99.9", "timezone": "America/New_York"}}),
    );
    let v2 = app.post(
        "/v1/plans/ny/versions",
        Role::Admin,
        &json!({
        "effective_from": "2026-03", "price": {"amount": "620.00", "currency": "USD"},
        "sla_target_percent": "99.9", "timezone": "America/New_York"}),
    );
    assert_eq!(v2.status, 201, "{}", v2.text);
    app.customer("acme", None);
    app.create(
        "/v1/customers/acme/subscriptions",
        json!({"plan": "ny", "start": "2026-01-16T05:00:00Z"}),
    );
    let jan = &statement(app, "period=2026-01")["subscriptions"][0];
    assert_eq!(jan["plan_version"], 1);
    assert_eq!(
        jan["period_start"], "2026-01-01T05:00:00Z",
        "local midnight in New York"
    );
    assert_eq!(jan["fee"]["amount"], "160.00", "16 of 31 days of 310.00");
    let march = &statement(app, "period=2026-03")["subscriptions"][0];
    assert_eq!(march["plan_version"], 2);
    assert_eq!(
        march["eligible_minutes"], "44580.00",
        "31 days less the hour DST skips"
    );
    assert_eq!(march["fee"]["amount"], "620.00");
    assert_eq!(
        statement(app, "period=2025-12")["subscriptions"],
        json!([]),
        "before any version"
    );
    assert_problem(
        &app.get("/v1/customers/acme/statement?period=2026-13", Role::Viewer),
        422,
        Some("period"),
    );
    assert_problem_is(
        &app.get("/v1/customers/acme/statement", Role::Viewer),
        422,
        Some("period"),
        "missing field `period`",
    );
    let future = "/v1/customers/acme/statement?period=2026-01&as_of=2999-01-01T00:00:00Z";
    assert_problem(&app.get(future, Role::Viewer), 422, Some("as_of"));
    assert_problem(
        &app.get(
            "/v1/customers/nobody/statement?period=2026-01",
            Role::Viewer,
        ),
        404,
        None,
    );
}

/// `acme` on `pro` (covering `api`) since January, and a major outage on `api` from `start` on.
fn acme_with_an_ongoing_outage(app: &TestApp, start: &str) {
    app.component("api");
    app.plan("pro", &["api"]);
    app.customer("acme", None);
    app.create(
        "/v1/customers/acme/subscriptions",
        json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
    );
    let r = app.post(
        "/v1/incidents",
        Role::Reporter,
        &json!({"title": "ongoing", "status": "investigating", "windows": [
        {"component": "api", "severity": "major_outage", "start": start}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

fn open_windows_count_to_as_of(app: &TestApp) {
    acme_with_an_ongoing_outage(app, "2026-01-31T22:00:00Z");
    let s = &statement(app, "period=2026-01&as_of=2026-01-31T23:00:00Z")["subscriptions"][0];
    assert_eq!(s["downtime_minutes"], "60.00");
    assert_eq!(s["measured_end"], "2026-01-31T23:00:00Z");
    let whole = &statement(app, "period=2026-01")["subscriptions"][0];
    assert_eq!(
        whole["downtime_minutes"], "120.00",
        "as of now: up to the period's end"
    );
}

/// "Now" is the service's clock, read once per request: while the month is still burning, an
/// open window counts up to that instant, and a later `as_of` is in the future.
fn an_open_window_counts_up_to_the_clock(app: &TestApp) {
    app.clock.set(1_768_478_400); // 2026-01-15T12:00:00Z
    acme_with_an_ongoing_outage(app, "2026-01-15T10:00:00Z");
    let body = statement(app, "period=2026-01");
    assert_eq!(body["as_of"], "2026-01-15T12:00:00Z");
    assert_eq!(body["subscriptions"][0]["impacted_seconds"], 7_200);
    let later = app.get(
        "/v1/customers/acme/statement?period=2026-01&as_of=2026-01-15T12:00:01Z",
        Role::Viewer,
    );
    assert_problem(&later, 422, Some("as_of"));
}

fn component_uptime_as_a_status_page_shows_it(app: &TestApp) {
    worked_example(app);
    let r = app.get("/v1/components/api/uptime?period=2026-01", Role::Viewer);
    assert_eq!(r.status, 200, "{}", r.text);
    let row = &r.body["items"][0];
    // 101 minutes of major outage over 44,520 eligible minutes: 99.773135… %.
    assert_eq!(row["uptime_percent"], "99.7731");
    assert_eq!(
        row["minutes"],
        json!({"major_outage": "101.00", "partial_outage": "0.00", "degraded_performance": "0.00", "maintenance": "120.00"})
    );
    let days = app.get("/v1/components/web/uptime?days=3", Role::Viewer);
    assert_eq!(days.body["items"].as_array().unwrap().len(), 3);
    assert_problem(
        &app.get("/v1/components/api/uptime", Role::Viewer),
        422,
        Some("period"),
    );
    assert_problem(
        &app.get("/v1/components/api/uptime?days=0", Role::Viewer),
        422,
        Some("days"),
    );
    assert_problem(
        &app.get(
            "/v1/components/api/uptime?period=2026-01&timezone=Nowhere",
            Role::Viewer,
        ),
        422,
        Some("timezone"),
    );
}

crate::both!(
    minimum_downtime_with_the_messaging_fixture,
    spec_worked_example_through_http,
    statements_follow_zones_versions_and_proration,
    open_windows_count_to_as_of,
    an_open_window_counts_up_to_the_clock,
    component_uptime_as_a_status_page_shows_it,
);

/// The messaging-service fixture's interruptions under 30 s, with a 30-second minimum downtime.
fn minimum_downtime_with_the_messaging_fixture(app: &TestApp) {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/messaging-service.incidents.json"
    ))
    .unwrap();
    let r = app.send(
        "POST",
        "/v1/imports/statuspage?create_components=true",
        Some(Role::Reporter),
        Some(&doc),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    app.create(
        "/v1/plans",
        json!({"key": "api-only", "name": "API", "version": {
        "effective_from": "2015-01", "price": {"amount": "100.00", "currency": "USD"},
        "sla_target_percent": "99.9", "components": ["api"], "min_downtime_seconds": 30}}),
    );
    app.customer("acme", None);
    app.create(
        "/v1/customers/acme/subscriptions",
        json!({"plan": "api-only", "start": "2015-01-01T00:00:00Z"}),
    );
    // January: the 95-minute outage counts; the blips of 26, 19, 28 and 12 s do not.
    let jan = &statement(app, "period=2015-01")["subscriptions"][0];
    assert_eq!(jan["downtime_seconds"], "5700");
    assert_eq!(jan["impacted_seconds"], 5700 + 26 + 19 + 28 + 12);
    assert_eq!(
        jan["uptime_percent"], "99.7872",
        "100 × (44,640 − 95) / 44,640"
    );
    assert_eq!(jan["credit_percent"], "10");
    // February: only the blip of exactly 30 s survives ("shorter than" the minimum is dropped).
    let feb = &statement(app, "period=2015-02")["subscriptions"][0];
    assert_eq!(feb["downtime_seconds"], "30");
    assert_eq!(feb["impacted_seconds"], 30 + 21 + 17 + 25 + 29 + 15);
    assert_eq!(feb["reason"], "above_target");
}
