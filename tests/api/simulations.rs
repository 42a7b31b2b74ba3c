//! SPEC §9.3 through HTTP: a simulation writes nothing, equals the ledger when it changes
//! nothing, and equals what a credit run gives after the change is really made.

use serde_json::{Value, json};
use sla_ledger::auth::Role;

use crate::credits::run;
use crate::helpers::{TestApp, assert_problem};
use crate::statements::worked_example;

fn simulate(app: &TestApp, body: Value) -> Value {
    let r = app.post("/v1/simulations", Role::Viewer, &body);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// Customer → (current, simulated, difference) amounts.
fn lines(answer: &Value) -> Vec<(String, String, String, String)> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["customer"].as_str().unwrap().to_owned(),
                l["current"]["amount"].as_str().unwrap().to_owned(),
                l["simulated"]["amount"].as_str().unwrap().to_owned(),
                l["difference"]["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn line(
    customer: &str,
    current: &str,
    simulated: &str,
    difference: &str,
) -> (String, String, String, String) {
    (
        customer.into(),
        current.into(),
        simulated.into(),
        difference.into(),
    )
}

/// SPEC §8's month for `acme`, and `globex` on the same plan with only the api windows.
fn january(app: &TestApp) -> Vec<i64> {
    worked_example(app);
    app.customer("globex", Some("emea"));
    app.create(
        "/v1/customers/globex/subscriptions",
        json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
    );
    let incidents = app.get("/v1/incidents", Role::Viewer);
    let id = incidents.body["items"][0]["id"].as_i64().unwrap();
    // By start: the maintenance (10th), 05:10 api, 07:00 web, 07:03 api.
    app.get(&format!("/v1/incidents/{id}"), Role::Viewer).body["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect()
}

fn a_simulation_that_changes_nothing_equals_the_ledger(app: &TestApp) {
    january(app);
    // Before any run the ledger holds nothing: everything is a difference.
    let before = simulate(app, json!({"period": "2026-01"}));
    assert_eq!(
        lines(&before),
        vec![
            line("acme", "0.00", "30.00", "30.00"),
            line("globex", "0.00", "30.00", "30.00"),
        ]
    );
    run(app, "2026-01");
    let after = simulate(app, json!({"period": "2026-01"}));
    assert_eq!(
        lines(&after),
        vec![
            line("acme", "30.00", "30.00", "0.00"),
            line("globex", "30.00", "30.00", "0.00"),
        ]
    );
    assert_eq!(
        after["totals"],
        json!([{"currency": "USD", "subscriptions": 2, "current": "60.00", "simulated": "60.00",
            "difference": "0.00"}])
    );
    assert_eq!(after["period"], "2026-01");
}

fn a_simulated_window_equals_a_real_one(app: &TestApp) {
    january(app);
    run(app, "2026-01");
    let audit_before = app.get("/v1/audit?limit=500", Role::Admin).body["items"]
        .as_array()
        .unwrap()
        .len();
    // Six more hours of api outage for acme only: D = 108.5 + 360 = 468.5 min,
    // U = 100 × (44,520 − 468.5) / 44,520 = 98.9476 % → 25 % of 300.00 = 75.00.
    let extra = json!({"component": "api", "severity": "major_outage",
        "start": "2026-01-20T00:00:00Z", "end": "2026-01-20T06:00:00Z", "customers": ["acme"]});
    let simulated = simulate(app, json!({"period": "2026-01", "add_windows": [extra]}));
    assert_eq!(
        lines(&simulated),
        vec![
            line("acme", "30.00", "75.00", "45.00"),
            line("globex", "30.00", "30.00", "0.00"),
        ]
    );
    // Nothing was written.
    let audit_after = app.get("/v1/audit?limit=500", Role::Admin).body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(audit_before, audit_after);

    // Made for real: the run's ledger is what the simulation said.
    let incident = app.get("/v1/incidents", Role::Viewer).body["items"][0]["id"].clone();
    let added = app.post(
        &format!("/v1/incidents/{incident}/windows"),
        Role::Reporter,
        &extra,
    );
    assert_eq!(added.status, 201, "{}", added.text);
    run(app, "2026-01");
    let now = simulate(app, json!({"period": "2026-01"}));
    let current: Vec<_> = lines(&now).into_iter().map(|l| (l.0, l.1)).collect();
    let predicted: Vec<_> = lines(&simulated).into_iter().map(|l| (l.0, l.2)).collect();
    let mut current = current;
    current.sort();
    let mut predicted = predicted;
    predicted.sort();
    assert_eq!(current, predicted);
}

fn windows_removed_and_changed(app: &TestApp) {
    let ids = january(app);
    run(app, "2026-01");
    // Without the 95-minute api outage: acme has 6 min + 120 min × 0.3 = 42 min,
    // U = 100 × (44,520 − 42) / 44,520 = 99.9057 %: nothing; globex has 6 min: nothing.
    let removed = simulate(
        app,
        json!({"period": "2026-01", "remove_window_ids": [ids[3]]}),
    );
    assert_eq!(
        lines(&removed),
        vec![
            line("acme", "30.00", "0.00", "-30.00"),
            line("globex", "30.00", "0.00", "-30.00"),
        ]
    );
    // The web window as a major outage, for acme only (it names acme already by region na):
    // acme 6 + 120 = 126 min, U = 99.7170 % → 10 %: unchanged.
    let changed = simulate(
        app,
        json!({"period": "2026-01", "change_windows": [{"id": ids[2], "severity": "major_outage"}]}),
    );
    assert_eq!(
        lines(&changed),
        vec![
            line("acme", "30.00", "30.00", "0.00"),
            line("globex", "30.00", "30.00", "0.00"),
        ]
    );
    // A draft plan version paying 50 % below 99.9.
    let plan = simulate(
        app,
        json!({"period": "2026-01", "plan_versions": {"pro": {
            "effective_from": "2026-01", "price": {"amount": "300.00", "currency": "USD"},
            "sla_target_percent": "99.9", "components": ["api", "web"],
            "credit_policy": {"type": "tiered", "tiers": [{"below_percent": "99.9", "credit_percent": "50"}]}}}}),
    );
    assert_eq!(
        lines(&plan),
        vec![
            line("acme", "30.00", "150.00", "120.00"),
            line("globex", "30.00", "150.00", "120.00"),
        ]
    );
    // Largest difference first, one per page.
    let first = app.post(
        "/v1/simulations?limit=1",
        Role::Viewer,
        &json!({"period": "2026-01", "remove_window_ids": [ids[3]]}),
    );
    assert_eq!(
        first.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        first.text
    );
    assert!(first.body["next_cursor"].is_string(), "{}", first.text);
}

fn bad_simulations(app: &TestApp) {
    let ids = january(app);
    let problem = |body: Value, status: u16, field: Option<&str>| {
        assert_problem(
            &app.post("/v1/simulations", Role::Viewer, &body),
            status,
            field,
        );
    };
    problem(json!({"period": "2026-13"}), 422, Some("period"));
    problem(json!({}), 422, Some("period"));
    problem(json!({"period": "2026-01", "colour": 1}), 400, None);
    problem(
        json!({"period": "2026-01", "remove_window_ids": [999999]}),
        422,
        Some("remove_window_ids[0]"),
    );
    problem(
        json!({"period": "2026-01", "change_windows": [{"id": 999999, "severity": "major_outage"}]}),
        422,
        Some("change_windows[0].id"),
    );
    problem(
        json!({"period": "2026-01", "remove_window_ids": [ids[1]],
        "change_windows": [{"id": ids[1], "severity": "major_outage"}]}),
        422,
        Some("change_windows[0].id"),
    );
    problem(
        json!({"period": "2026-01", "change_windows": [{"id": ids[1], "end": "2026-01-01T00:00:00Z"}]}),
        422,
        Some("change_windows[0].end"),
    );
    problem(
        json!({"period": "2026-01", "add_windows": [{"component": "nope", "severity": "major_outage",
        "start": "2026-01-20T00:00:00Z", "end": "2026-01-20T01:00:00Z"}]}),
        422,
        Some("add_windows[0].component"),
    );
    problem(
        json!({"period": "2026-01", "add_windows": [{"component": "api", "severity": "major_outage",
        "start": "2026-01-20T00:00:00"}]}),
        422,
        Some("add_windows[0].start"),
    );
    problem(
        json!({"period": "2026-01", "plan_versions": {"nope": {"effective_from": "2026-01",
        "price": {"amount": "1.00", "currency": "USD"}, "sla_target_percent": "99.9"}}}),
        422,
        Some("plan_versions.nope"),
    );
    problem(
        json!({"period": "2026-01", "plan_versions": {"pro": {"effective_from": "2026-01",
        "price": {"amount": "1.00", "currency": "USD"}, "sla_target_percent": "101"}}}),
        422,
        Some("plan_versions.pro.sla_target_percent"),
    );
    // As `POST /v1/plans/{key}/versions` would refuse them: another currency, and a version not
    // in effect in the period simulated.
    let version = |from: &str, currency: &str| {
        json!({"period": "2026-01", "plan_versions": {"pro": {"effective_from": from,
            "price": {"amount": "1.00", "currency": currency}, "sla_target_percent": "99.9"}}})
    };
    problem(
        version("2026-01", "EUR"),
        422,
        Some("plan_versions.pro.price.currency"),
    );
    problem(
        version("2026-02", "USD"),
        422,
        Some("plan_versions.pro.effective_from"),
    );
    // As PATCH would: a resolved incident's window cannot be reopened; unknown fields are 400.
    let change = |fields: Value| json!({"period": "2026-01", "change_windows": [fields]});
    problem(
        change(json!({"id": ids[1], "end": null})),
        422,
        Some("change_windows[0].end"),
    );
    problem(
        change(json!({"id": ids[1], "ned": "2026-01-01T00:00:00Z"})),
        400,
        None,
    );
    problem(
        json!({"period": "2026-01", "remove_window_ids": [ids[1], ids[1]]}),
        422,
        Some("remove_window_ids[1]"),
    );
}

crate::both!(
    a_simulation_that_changes_nothing_equals_the_ledger,
    a_simulated_window_equals_a_real_one,
    windows_removed_and_changed,
    bad_simulations,
);
