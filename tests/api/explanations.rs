//! SPEC §9.4 through HTTP: a statement's explanation, and a credit's.

use serde_json::{Value, json};
use sla_ledger::auth::Role;

use crate::credits::run;
use crate::helpers::{TestApp, assert_problem};
use crate::statements::worked_example;

fn explained(app: &TestApp) -> Value {
    let r = app.get(
        "/v1/customers/acme/statement?period=2026-01&explain=true",
        Role::Viewer,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["subscriptions"][0].clone()
}

/// The incident every window of the worked example belongs to.
fn january_incident(app: &TestApp) -> i64 {
    let r = app.get("/v1/incidents", Role::Viewer);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"][0]["id"].as_i64().unwrap()
}

fn spec_worked_example_explained(app: &TestApp) {
    worked_example(app);
    let s = explained(app);
    let x = &s["explanation"];
    assert_eq!(
        x["measured"],
        json!({"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z", "seconds": 2_678_400})
    );
    assert_eq!(
        x["excluded"],
        json!([{"start": "2026-01-10T02:00:00Z", "end": "2026-01-10T04:00:00Z", "seconds": 7_200}])
    );
    let incident = january_incident(app);
    let windows = x["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 4);
    assert!(windows.iter().all(|w| w["incident_id"] == incident));
    let summary: Vec<(&str, &str, Value, bool)> = windows
        .iter()
        .map(|w| {
            (
                w["component"].as_str().unwrap(),
                w["start"].as_str().unwrap(),
                w["weight"].clone(),
                w["counted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("api", "2026-01-10T02:00:00Z", json!(null), false),
            ("api", "2026-01-31T05:10:00Z", json!("1"), true),
            ("web", "2026-01-31T07:00:00Z", json!("0.3"), true),
            ("api", "2026-01-31T07:03:00Z", json!("1"), true),
        ]
    );
    let segments: Vec<(&str, &str, &str, &str)> = x["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["start"].as_str().unwrap(),
                g["severity"].as_str().unwrap(),
                g["weight"].as_str().unwrap(),
                g["downtime_seconds"].as_str().unwrap(),
            )
        })
        .collect();
    // 6 min + 3 min × 0.3 + 95 min + 22 min × 0.3 = 360 + 54 + 5,700 + 396 = 6,510 s.
    assert_eq!(
        segments,
        vec![
            ("2026-01-31T05:10:00Z", "major_outage", "1", "360"),
            ("2026-01-31T07:00:00Z", "partial_outage", "0.3", "54"),
            ("2026-01-31T07:03:00Z", "major_outage", "1", "5700"),
            ("2026-01-31T08:38:00Z", "partial_outage", "0.3", "396"),
        ]
    );
    assert_eq!(x["dropped_runs"], json!([]));
    assert_eq!(x["eligible_seconds"], 2_671_200);
    assert_eq!(x["impacted_seconds"], 7_560);
    assert_eq!(x["downtime_seconds"], "6510");
    // 100 × 2,664,690 / 2,671,200 = 266,469,000 / 2,671,200 = 63,445 / 636 (÷ 4,200).
    assert_eq!(
        x["uptime_percent"],
        json!({"exact": "63445/636", "rounded": "99.7563"})
    );
    assert_eq!(x["fee"], json!({"exact": "300", "rounded": "300.00"}));
    assert_eq!(
        x["credit_percent"],
        json!({"rule": "tier", "below_percent": "99.9", "tier_credit_percent": "10",
            "before_cap": "10", "cap_percent": "100", "capped": false, "exact": "10", "rounded": "10"})
    );
    assert_eq!(
        x["minimum"],
        json!({"amount": {"amount": "0.00", "currency": "USD"}, "applied": false})
    );
    assert_eq!(x["amount"], json!({"exact": "30", "rounded": "30.00"}));
    let text = x["summary"].as_array().unwrap();
    assert!(
        text.iter()
            .any(|t| t.as_str().unwrap().contains("below the 99.9 % threshold")),
        "{text:?}"
    );
    assert_eq!(text.last().unwrap(), "The credit is 30.00 USD.");
    // The statement's figures are the explanation's.
    assert_eq!(s["amount"]["amount"], x["amount"]["rounded"]);
    assert_eq!(s["uptime_percent"], x["uptime_percent"]["rounded"]);
    // Without `explain`, no explanation.
    let plain = app.get("/v1/customers/acme/statement?period=2026-01", Role::Viewer);
    assert!(plain.body["subscriptions"][0].get("explanation").is_none());
}

fn a_minimum_and_a_cap_are_explained(app: &TestApp) {
    app.component("api");
    app.create(
        "/v1/plans",
        json!({"key": "strict", "name": "Strict", "version": {
            "effective_from": "2026-01", "price": {"amount": "100.00", "currency": "USD"},
            "sla_target_percent": "99.9", "min_downtime_seconds": 300,
            "credit_policy": {"type": "proportional", "multiplier": "50", "basis": "downtime"},
            "max_credit_percent": "20"}}),
    );
    app.customer("acme", None);
    app.create(
        "/v1/customers/acme/subscriptions",
        json!({"plan": "strict", "start": "2026-01-01T00:00:00Z"}),
    );
    let window = |start: &str, end: &str| json!({"component": "api", "severity": "major_outage", "start": start, "end": end});
    let r = app.post(
        "/v1/incidents",
        Role::Reporter,
        &json!({"title": "Flaps", "status": "resolved", "windows": [
            window("2026-01-05T10:00:00Z", "2026-01-05T10:04:00Z"), // 240 s < 300 s: dropped
            window("2026-01-06T10:00:00Z", "2026-01-06T11:00:00Z"), // 3,600 s: kept
        ]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let x = &explained(app)["explanation"];
    assert_eq!(
        x["dropped_runs"],
        json!([{"start": "2026-01-05T10:00:00Z", "end": "2026-01-05T10:04:00Z", "seconds": 240}])
    );
    assert_eq!(x["segments"][0]["dropped"], true);
    assert_eq!(x["segments"][0]["downtime_seconds"], "0");
    assert_eq!(x["downtime_seconds"], "3600");
    // C = 50 × 100 × 3,600 / 2,678,400 = 18,000,000 / 2,678,400 = 625/93 ≈ 6.72 %: under the cap.
    let c = &x["credit_percent"];
    assert_eq!(
        (
            &c["rule"],
            &c["multiplier"],
            &c["basis"],
            &c["before_cap"],
            &c["capped"]
        ),
        (
            &json!("proportional"),
            &json!("50"),
            &json!("downtime"),
            &json!("625/93"),
            &json!(false)
        )
    );
    // Amount = 100.00 × (625/93) / 100 = 625/93 USD = 6.7204… → 6.72.
    assert_eq!(x["amount"], json!({"exact": "625/93", "rounded": "6.72"}));
    let text = x["summary"].as_array().unwrap();
    assert!(
        text.iter()
            .any(|t| t
                == "1 interruption shorter than the plan's minimum of 300 seconds did not count."),
        "{text:?}"
    );
}

fn a_credit_is_explained_and_says_when_it_is_stale(app: &TestApp) {
    worked_example(app);
    run(app, "2026-01");
    let credits = app.get("/v1/credits?period=2026-01", Role::Viewer);
    let id = credits.body["items"][0]["id"].as_i64().unwrap();
    let r = app.get(&format!("/v1/credits/{id}/explanation"), Role::Viewer);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["credit"]["id"], id);
    assert_eq!(r.body["statement_matches_credit"], true);
    assert_eq!(r.body["statement"]["amount"]["amount"], "30.00");
    assert_eq!(r.body["explanation"]["amount"]["rounded"], "30.00");
    assert_eq!(r.body["summary"], r.body["explanation"]["summary"]);
    let cli: Value =
        serde_json::from_str(&app.cli(&["explain", "--credit", &id.to_string()])).unwrap();
    assert_eq!(cli, r.body, "the CLI answers as the API does");

    // Another hour of major outage on api: 168.5 min of downtime, still under 99.9 → 10 %, but
    // a 3-hour one takes U under 99.0 (25 %): the credit no longer matches.
    let more = app.post(
        &format!("/v1/incidents/{}/windows", january_incident(app)),
        Role::Reporter,
        &json!({"component": "api", "severity": "major_outage",
            "start": "2026-01-20T00:00:00Z", "end": "2026-01-20T06:00:00Z"}),
    );
    assert_eq!(more.status, 201, "{}", more.text);
    let r = app.get(&format!("/v1/credits/{id}/explanation"), Role::Viewer);
    assert_eq!(r.body["statement_matches_credit"], false);
    assert_eq!(r.body["statement"]["amount"]["amount"], "75.00");
    assert!(
        r.body["summary"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .as_str()
            .unwrap()
            .contains("next credit run"),
        "{}",
        r.body["summary"]
    );

    let manual = app.post(
        "/v1/credits",
        Role::Support,
        &json!({"subscription_id": r.body["credit"]["subscription_id"], "period": "2026-01",
            "reason": "goodwill after the outage", "amount": {"amount": "5.00", "currency": "USD"}}),
    );
    assert_eq!(manual.status, 201, "{}", manual.text);
    let r = app.get(
        &format!("/v1/credits/{}/explanation", manual.body["id"]),
        Role::Viewer,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["explanation"], json!(null));
    assert!(
        r.body["summary"][0]
            .as_str()
            .unwrap()
            .contains("goodwill after the outage"),
        "{}",
        r.text
    );
}

fn bad_explanation_requests(app: &TestApp) {
    worked_example(app);
    assert_problem(
        &app.get("/v1/credits/999999/explanation", Role::Viewer),
        404,
        None,
    );
    assert_problem(
        &app.get(
            "/v1/customers/acme/statement?period=2026-01&explain=yes",
            Role::Viewer,
        ),
        422,
        Some("explain"),
    );
    assert_eq!(
        app.get("/v1/credits/1/explanation", Role::Viewer).status,
        404,
        "no credit yet"
    );
}

crate::both!(
    spec_worked_example_explained,
    a_minimum_and_a_cap_are_explained,
    a_credit_is_explained_and_says_when_it_is_stale,
    bad_explanation_requests,
);
