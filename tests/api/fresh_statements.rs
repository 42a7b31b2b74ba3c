//! Statements share prepared months across requests and instances, and still show every change at
//! once: a window added, changed or removed, a component regrouped, a plan version added, a
//! customer moved, an open window growing. Each change is made through a second instance on the
//! same database, so only what the database says can tell the first one.

use serde_json::{Value, json};
use sla_ledger::auth::Role;

use crate::helpers::TestApp;
use crate::statements::worked_example;

fn statement(app: &TestApp, period: &str) -> Value {
    let r = app.get(
        &format!("/v1/customers/acme/statement?period={period}"),
        Role::Viewer,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["subscriptions"][0].clone()
}

fn impacted(app: &TestApp) -> i64 {
    statement(app, "2026-01")["impacted_seconds"]
        .as_i64()
        .unwrap()
}

fn ok(r: crate::helpers::Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text);
    r.body
}

fn a_change_through_any_instance_shows_in_the_next_statement(app: &TestApp) {
    worked_example(app);
    let other = app.sibling();
    let before = impacted(app);
    assert_eq!(
        impacted(app),
        before,
        "a second request, served from what the first prepared"
    );
    let incident = app.get("/v1/incidents", Role::Viewer).body["items"][0]["id"].clone();
    let windows = format!("/v1/incidents/{incident}/windows");

    // A quiet half hour on a covered component: 1,800 more impacted seconds.
    let added = ok(other.post(&windows, Role::Reporter, &json!({"component": "api", "severity": "major_outage", "start": "2026-01-15T00:00:00Z", "end": "2026-01-15T00:30:00Z"})), 201);
    let id = added["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .max()
        .unwrap();
    assert_eq!(impacted(app), before + 1800);
    assert!(
        statement(app, "2026-01")["windows"]
            .as_array()
            .unwrap()
            .contains(&json!(id))
    );

    // Longer by half an hour.
    ok(
        other.patch(
            &format!("{windows}/{id}"),
            Role::Reporter,
            &json!({"end": "2026-01-15T01:00:00Z"}),
        ),
        200,
    );
    assert_eq!(impacted(app), before + 3600);

    // Gone again.
    ok(
        other.delete(&format!("{windows}/{id}"), Role::Reporter),
        200,
    );
    assert_eq!(impacted(app), before);

    // A window for emea does not reach acme (na) until acme moves there; customers are read with
    // every request.
    ok(other.post(&windows, Role::Reporter, &json!({"component": "web", "severity": "major_outage", "start": "2026-01-20T00:00:00Z", "end": "2026-01-20T00:10:00Z", "regions": ["emea"]})), 201);
    assert_eq!(impacted(app), before);
    ok(
        other.patch(
            "/v1/customers/acme",
            Role::Admin,
            &json!({"region": "emea"}),
        ),
        200,
    );
    assert_eq!(impacted(app), before + 600);

    // A window on a component `pro` does not list counts once that component joins a listed one
    // as its group (SPEC §3.1: a group counts its members' windows).
    other.component("api-eu");
    ok(other.post(&windows, Role::Reporter, &json!({"component": "api-eu", "severity": "major_outage", "start": "2026-01-21T00:00:00Z", "end": "2026-01-21T00:05:00Z"})), 201);
    assert_eq!(impacted(app), before + 600);
    ok(
        other.patch(
            "/v1/components/api-eu",
            Role::Admin,
            &json!({"group": "api"}),
        ),
        200,
    );
    assert_eq!(impacted(app), before + 900);

    // A new plan version takes over from its month on.
    assert_eq!(statement(app, "2026-03")["plan_version"], 1);
    ok(other.post("/v1/plans/pro/versions", Role::Admin, &json!({"effective_from": "2026-03", "price": {"amount": "350.00", "currency": "USD"}, "sla_target_percent": "99.95"})), 201);
    let march = statement(app, "2026-03");
    assert_eq!(march["plan_version"], 2);
    assert_eq!(march["sla_target_percent"], "99.95");
}

/// A window still going on counts up to the moment asked about, whatever was prepared before.
fn an_open_window_grows_with_every_request(app: &TestApp) {
    worked_example(app);
    let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp();
    app.clock.set(at("2026-02-10T12:00:00Z"));
    ok(app.post("/v1/incidents", Role::Reporter, &json!({"title": "ongoing", "status": "identified", "windows": [{"component": "api", "severity": "major_outage", "start": "2026-02-10T10:00:00Z"}]})), 201);
    let seconds = |app: &TestApp| {
        statement(app, "2026-02")["impacted_seconds"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(seconds(app), 7200);
    app.clock.set(at("2026-02-10T12:10:00Z"));
    assert_eq!(seconds(app), 7800);
    app.clock.set(at("2026-03-05T00:00:00Z"));
    let whole = at("2026-03-01T00:00:00Z") - at("2026-02-10T10:00:00Z");
    assert_eq!(
        seconds(app),
        whole,
        "up to the end of the month once it is over"
    );
}

crate::both!(
    a_change_through_any_instance_shows_in_the_next_statement,
    an_open_window_grows_with_every_request,
);
