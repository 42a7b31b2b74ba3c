//! SPEC §9.1–9.2 through HTTP: what is owed so far, with headroom, and what one incident costs.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use sla_ledger::auth::Role;

use crate::helpers::{TestApp, assert_problem};
use crate::statements::worked_example;

fn get(app: &TestApp, path: &str) -> Value {
    let r = app.get(path, Role::Viewer);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn at(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

fn spec_worked_headroom_through_http(app: &TestApp) {
    worked_example(app);
    let body = get(app, "/v1/exposure?period=2026-01");
    assert_eq!(body["periods"], json!(["2026-01"]));
    assert_eq!(
        body["totals"],
        json!([{"currency": "USD", "subscriptions": 1, "owed": "30.00"}])
    );
    let acme = &body["items"][0];
    assert_eq!(acme["customer"], "acme");
    assert_eq!(acme["owed"], json!({"amount": "30.00", "currency": "USD"}));
    assert_eq!(acme["uptime_percent"], "99.7563");
    // SPEC §9: 44,520 × 0.001 − 108.5 = −63.98 min; next tier below 99.0 → 25: 336.70 min.
    assert_eq!(
        acme["budget_headroom"],
        json!({"below_percent": "99.9", "seconds": "-3838.8", "minutes": "-63.98"})
    );
    assert_eq!(
        acme["next_tier"],
        json!({"credit_percent": "25", "below_percent": "99", "seconds": "20202", "minutes": "336.70"})
    );
    assert_eq!(body["next_cursor"], json!(null));

    // The CLI answers the same, on one page.
    let cli: Value =
        serde_json::from_str(&app.cli(&["exposure", "--period", "2026-01", "--customer", "acme"]))
            .unwrap();
    assert_eq!(cli["items"], body["items"]);
    assert_eq!(cli["totals"], body["totals"]);
}

/// `acme` and `globex` on `pro` (api, web) and `initech` on `basic` (web only), all in `na`.
fn three_customers(app: &TestApp) {
    app.component("api");
    app.component("web");
    app.plan("pro", &["api", "web"]);
    app.plan("basic", &["web"]);
    for (customer, plan) in [("acme", "pro"), ("globex", "pro"), ("initech", "basic")] {
        app.customer(customer, Some("na"));
        app.create(
            &format!("/v1/customers/{customer}/subscriptions"),
            json!({"plan": plan, "start": "2026-01-01T00:00:00Z"}),
        );
    }
}

fn incident(app: &TestApp, title: &str, windows: Value) -> i64 {
    let r = app.post(
        "/v1/incidents",
        Role::Reporter,
        &json!({"title": title, "status": "investigating", "windows": windows}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn an_ongoing_outage_counts_up_to_now_over_the_whole_month(app: &TestApp) {
    three_customers(app);
    app.clock.set(at("2026-03-31T08:00:00Z"));
    // A short closed outage on api, and an api outage still going on since 07:03.
    let blip = incident(
        app,
        "Blip",
        json!([{"component": "api", "severity": "major_outage",
            "start": "2026-03-31T05:10:00Z", "end": "2026-03-31T05:16:00Z"}]),
    );
    let ongoing = incident(
        app,
        "Database down",
        json!([{"component": "api", "severity": "major_outage", "start": "2026-03-31T07:03:00Z",
            "customers": ["acme"]}]),
    );
    // March: 44,640 min = 2,678,400 s, measured whole. acme: 6 + 57 = 63 min = 3,780 s;
    // U = 100 × (2,678,400 − 3,780) / 2,678,400 = 99.8589 %: below 99.9 → 10 % of 300.00.
    // Budget: 2,678.4 − 3,780 = −1,101.6 s (−18.36 min); next tier 99: 26,784 − 3,780 = 23,004 s.
    // globex: 6 min only: U = 99.9866 %, nothing owed. initech: no api, not listed.
    let body = get(app, "/v1/exposure");
    assert_eq!(
        body["periods"],
        json!(["2026-03"]),
        "each plan's current month"
    );
    assert_eq!(body["as_of"], "2026-03-31T08:00:00Z");
    let items = body["items"].as_array().unwrap();
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["customer"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "globex"], "largest first");
    let acme = &items[0];
    assert_eq!(acme["owed"]["amount"], "30.00");
    assert_eq!(acme["uptime_percent"], "99.8589");
    assert_eq!(acme["eligible_minutes"], "44640.00");
    assert_eq!(acme["downtime_minutes"], "63.00");
    assert_eq!(acme["budget_headroom"]["seconds"], "-1101.6");
    assert_eq!(acme["budget_headroom"]["minutes"], "-18.36");
    assert_eq!(acme["next_tier"]["seconds"], "23004");
    assert_eq!(items[1]["owed"]["amount"], "0.00");
    assert_eq!(items[1]["reason"], "above_target");
    assert_eq!(
        body["totals"],
        json!([{"currency": "USD", "subscriptions": 2, "owed": "30.00"}])
    );

    // Filters.
    let only = |query: &str| -> Vec<String> {
        get(app, &format!("/v1/exposure?{query}"))["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["customer"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(only(&format!("incident={ongoing}")), ["acme"]);
    assert_eq!(only(&format!("incident={blip}")), ["acme", "globex"]);
    assert_eq!(only("customer=globex"), ["globex"]);
    assert_eq!(only("customer=nobody"), Vec::<String>::new());
    assert_eq!(only("component=web"), Vec::<String>::new());
    assert_eq!(only("plan=basic"), Vec::<String>::new());
    assert_eq!(only("plan=pro&limit=1"), ["acme"]);
    let first = get(app, "/v1/exposure?limit=1");
    let after = first["next_cursor"].as_str().unwrap().to_owned();
    let second = app.get(
        &format!(
            "/v1/exposure?limit=1&after={}",
            utf8_percent_encode(&after, NON_ALPHANUMERIC)
        ),
        Role::Viewer,
    );
    assert_eq!(
        second.body["items"][0]["customer"], "globex",
        "{}",
        second.text
    );
    assert_eq!(second.body["next_cursor"], json!(null));

    // Ten minutes later the open window has cost ten more minutes.
    app.clock.set(at("2026-03-31T08:10:00Z"));
    let later = get(app, "/v1/exposure?customer=acme");
    assert_eq!(later["items"][0]["downtime_minutes"], "73.00");

    // What the ongoing incident costs: with it 30.00, without it (6 min) nothing.
    let cost = get(app, &format!("/v1/incidents/{ongoing}/exposure"));
    assert_eq!(
        cost["items"],
        json!([{"subscription_id": acme["subscription_id"], "customer": "acme", "plan": "pro",
            "period": "2026-03", "owed": {"amount": "30.00", "currency": "USD"},
            "owed_without": {"amount": "0.00", "currency": "USD"},
            "difference": {"amount": "30.00", "currency": "USD"}}])
    );
    assert_eq!(
        cost["totals"],
        json!([{"currency": "USD", "subscriptions": 1, "owed": "30.00", "owed_without": "0.00",
            "difference": "30.00"}])
    );
}

fn exposure_of_an_ended_period_is_the_statement(app: &TestApp) {
    three_customers(app);
    incident(
        app,
        "January",
        json!([
            {"component": "web", "severity": "partial_outage",
                "start": "2026-01-05T00:00:00Z", "end": "2026-01-05T20:00:00Z"},
            {"component": "api", "severity": "major_outage",
                "start": "2026-01-09T00:00:00Z", "end": "2026-01-09T02:00:00Z", "customers": ["globex"]},
            {"component": "web", "severity": "major_outage", "start": "2026-01-30T23:00:00Z"},
        ]),
    );
    let body = get(app, "/v1/exposure?period=2026-01");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        let customer = item["customer"].as_str().unwrap();
        let statement = get(
            app,
            &format!("/v1/customers/{customer}/statement?period=2026-01"),
        );
        let s = &statement["subscriptions"][0];
        let owed = if s["reason"].is_null() {
            s["amount"]["amount"].clone()
        } else {
            json!("0.00")
        };
        assert_eq!(item["owed"]["amount"], owed, "{customer}");
        assert_eq!(item["uptime_percent"], s["uptime_percent"], "{customer}");
        assert_eq!(
            item["downtime_minutes"], s["downtime_minutes"],
            "{customer}"
        );
    }
}

fn bad_exposure_requests(app: &TestApp) {
    worked_example(app);
    assert_problem(
        &app.get("/v1/exposure?period=2026-13", Role::Viewer),
        422,
        Some("period"),
    );
    assert_problem(
        &app.get("/v1/exposure?incident=x", Role::Viewer),
        422,
        Some("incident"),
    );
    assert_problem(&app.get("/v1/exposure?colour=red", Role::Viewer), 400, None);
    // A cursor of a later instant than now was not given out.
    assert_problem(
        &app.get(
            "/v1/exposure?after=30~-1~2026-01~1~99999999999",
            Role::Viewer,
        ),
        422,
        Some("after"),
    );
    assert_problem(
        &app.get("/v1/exposure?after=nonsense", Role::Viewer),
        422,
        Some("after"),
    );
    assert_problem(
        &app.get("/v1/exposure?limit=0", Role::Viewer),
        422,
        Some("limit"),
    );
    assert_problem(
        &app.get("/v1/incidents/999999/exposure", Role::Viewer),
        404,
        None,
    );
}

fn each_plan_in_its_own_current_month(app: &TestApp) {
    worked_example(app);
    // On 31 January at 12:00 UTC it is already 1 February 02:00 in Kiritimati (UTC+14), where
    // a plan whose first version starts in February is in its current month.
    app.clock.set(at("2026-01-31T12:00:00Z"));
    app.create(
        "/v1/plans",
        json!({"key": "kiri", "name": "Kiritimati", "version": {
            "effective_from": "2026-02", "price": {"amount": "100.00", "currency": "USD"},
            "sla_target_percent": "99.9", "timezone": "Pacific/Kiritimati"}}),
    );
    app.customer("islands", None);
    app.create(
        "/v1/customers/islands/subscriptions",
        json!({"plan": "kiri", "start": "2026-01-31T10:00:00Z"}),
    );
    incident(
        app,
        "Early February",
        json!([{"component": "api", "severity": "major_outage", "start": "2026-01-31T10:00:00Z",
            "end": "2026-01-31T11:00:00Z"}]),
    );
    let body = get(app, "/v1/exposure");
    assert_eq!(body["periods"], json!(["2026-01", "2026-02"]));
    let periods: Vec<(&str, &str)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["customer"].as_str().unwrap(),
                i["period"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(periods.contains(&("acme", "2026-01")), "{periods:?}");
    assert!(periods.contains(&("islands", "2026-02")), "{periods:?}");
    // Filtered by plan, each plan is listed in its own month only.
    let kiri = get(app, "/v1/exposure?plan=kiri");
    assert_eq!(kiri["items"].as_array().unwrap().len(), 1, "{kiri}");
}

crate::both!(
    each_plan_in_its_own_current_month,
    spec_worked_headroom_through_http,
    an_ongoing_outage_counts_up_to_now_over_the_whole_month,
    exposure_of_an_ended_period_is_the_statement,
    bad_exposure_requests,
);
