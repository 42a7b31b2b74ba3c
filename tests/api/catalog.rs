use serde_json::json;
use sla_ledger::auth::Role;

use crate::helpers::{TestApp, assert_problem};

fn components_crud(app: &TestApp) {
    let created = app.create(
        "/v1/components",
        json!({"key": "telephony", "name": "Telephony", "external_id": "page-tel"}),
    );
    assert_eq!(created["key"], "telephony");
    assert_eq!(created["external_id"], "page-tel");
    assert_eq!(created["group"], json!(null));
    app.create(
        "/v1/components",
        json!({"key": "telephony.inbound", "name": "Inbound", "group": "telephony"}),
    );

    let got = app.get("/v1/components/telephony.inbound", Role::Viewer);
    assert_eq!(got.status, 200);
    assert_eq!(got.body["group"], "telephony");
    assert_eq!(got.body["name"], "Inbound");

    let patched = app.patch(
        "/v1/components/telephony.inbound",
        Role::Admin,
        &json!({"name": "Inbound calls", "description": "PSTN"}),
    );
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["name"], "Inbound calls");
    assert_eq!(patched.body["group"], "telephony", "absent fields stay");
    let cleared = app.patch(
        "/v1/components/telephony.inbound",
        Role::Admin,
        &json!({"group": null}),
    );
    assert_eq!(cleared.body["group"], json!(null), "null clears");

    let duplicate = app.post(
        "/v1/components",
        Role::Admin,
        &json!({"key": "telephony", "name": "Again"}),
    );
    assert_problem(&duplicate, 409, None);

    assert_eq!(
        app.delete("/v1/components/telephony.inbound", Role::Admin)
            .status,
        200
    );
    assert_problem(
        &app.get("/v1/components/telephony.inbound", Role::Viewer),
        404,
        None,
    );
}

fn groups_do_not_nest(app: &TestApp) {
    app.component("telephony");
    app.create(
        "/v1/components",
        json!({"key": "telephony.inbound", "name": "In", "group": "telephony"}),
    );
    let nested = app.post(
        "/v1/components",
        Role::Admin,
        &json!({"key": "deep", "name": "Deep", "group": "telephony.inbound"}),
    );
    assert_problem(&nested, 422, Some("group"));
    let missing = app.post(
        "/v1/components",
        Role::Admin,
        &json!({"key": "x", "name": "X", "group": "nope"}),
    );
    assert_problem(&missing, 422, Some("group"));
    // A group cannot itself join a group.
    app.component("other");
    let group_into_group = app.patch(
        "/v1/components/telephony",
        Role::Admin,
        &json!({"group": "other"}),
    );
    assert_problem(&group_into_group, 422, Some("group"));
    let own = app.patch(
        "/v1/components/other",
        Role::Admin,
        &json!({"group": "other"}),
    );
    assert_problem(&own, 422, Some("group"));
}

fn deleting_a_referenced_component_is_a_conflict(app: &TestApp) {
    app.component("telephony");
    app.create(
        "/v1/components",
        json!({"key": "telephony.inbound", "name": "In", "group": "telephony"}),
    );
    assert_problem(
        &app.delete("/v1/components/telephony", Role::Admin),
        409,
        None,
    );
    app.component("api");
    app.plan("pro", &["api"]);
    assert_problem(&app.delete("/v1/components/api", Role::Admin), 409, None);
    assert_eq!(
        app.get("/v1/components/api", Role::Viewer).status,
        200,
        "still there"
    );
    app.component("web");
    let incident = app.post("/v1/incidents", Role::Reporter, &json!({"title": "t", "status": "resolved", "windows": [
        {"component": "web", "severity": "major_outage", "start": "2026-01-01T00:00:00Z", "end": "2026-01-01T01:00:00Z"}]}));
    assert_eq!(incident.status, 201, "{}", incident.text);
    let r = app.delete("/v1/components/web", Role::Admin);
    assert_problem(&r, 409, None);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("impact windows"),
        "{}",
        r.text
    );
}

fn component_lists_paginate(app: &TestApp) {
    for key in ["a", "b", "c", "d", "e"] {
        app.component(key);
    }
    let first = app.get("/v1/components?limit=2", Role::Viewer);
    assert_eq!(first.status, 200);
    let keys = |r: &crate::helpers::Resp| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(keys(&first), ["a", "b"]);
    assert_eq!(first.body["next_cursor"], "b");
    assert_eq!(
        first.header("link"),
        Some("</v1/components?limit=2&after=b>; rel=\"next\"")
    );
    let second = app.get("/v1/components?limit=2&after=b", Role::Viewer);
    assert_eq!(keys(&second), ["c", "d"]);
    let last = app.get("/v1/components?limit=2&after=d", Role::Viewer);
    assert_eq!(keys(&last), ["e"]);
    assert_eq!(last.body["next_cursor"], json!(null));
    assert!(last.header("link").is_none());
    assert_problem(
        &app.get("/v1/components?limit=0", Role::Viewer),
        422,
        Some("limit"),
    );
    assert_problem(
        &app.get("/v1/components?limit=501", Role::Viewer),
        422,
        Some("limit"),
    );
}

fn plans_hold_every_setting(app: &TestApp) {
    app.component("api");
    app.component("web");
    let plan = app.create(
        "/v1/plans",
        json!({
            "key": "pro", "name": "Pro",
            "version": {
                "effective_from": "2026-01",
                "price": {"amount": "300.00", "currency": "USD"},
                "sla_target_percent": "99.9",
                "components": ["api", "web"],
                "timezone": "America/New_York",
                "weights": {"partial_outage": "0.5"},
                "min_downtime_seconds": 30,
                "maintenance": "counted",
                "credit_policy": {"type": "tiered", "tiers": [
                    {"below_percent": "99.9", "credit_percent": "10"},
                    {"below_percent": "99", "credit_percent": "30"}
                ]},
                "max_credit_percent": "50",
                "min_credit": {"amount": "5.00", "currency": "USD"}
            }
        }),
    );
    let v = &plan["versions"][0];
    assert_eq!(v["version"], 1);
    assert_eq!(v["price"], json!({"amount": "300.00", "currency": "USD"}));
    assert_eq!(v["components"], json!(["api", "web"]));
    assert_eq!(v["timezone"], "America/New_York");
    assert_eq!(
        v["weights"],
        json!({"major_outage": "1", "partial_outage": "0.5", "degraded_performance": "0"})
    );
    assert_eq!(v["min_downtime_seconds"], 30);
    assert_eq!(v["maintenance"], "counted");
    assert_eq!(
        v["credit_policy"]["tiers"][1],
        json!({"below_percent": "99", "credit_percent": "30"})
    );
    assert_eq!(v["max_credit_percent"], "50");
    assert_eq!(
        v["min_credit"],
        json!({"amount": "5.00", "currency": "USD"})
    );

    let v2 = app.post(
        "/v1/plans/pro/versions",
        Role::Admin,
        &json!({
            "effective_from": "2026-03",
            "price": {"amount": "350.00", "currency": "USD"},
            "sla_target_percent": "99.95",
            "credit_policy": {"type": "proportional", "multiplier": "2", "basis": "beyond_target"}
        }),
    );
    assert_eq!(v2.status, 201, "{}", v2.text);
    let versions = v2.body["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["version"], 2);
    assert_eq!(
        versions[1]["components"],
        json!([]),
        "empty = every component"
    );
    assert_eq!(versions[1]["timezone"], "UTC");
    assert_eq!(
        versions[1]["credit_policy"],
        json!({"type": "proportional", "multiplier": "2", "basis": "beyond_target"})
    );
    assert_eq!(
        versions[0]["price"]["amount"], "300.00",
        "versions are immutable"
    );

    let stale = app.post("/v1/plans/pro/versions", Role::Admin, &json!({
        "effective_from": "2026-02", "price": {"amount": "1.00", "currency": "USD"}, "sla_target_percent": "99"
    }));
    assert_problem(&stale, 422, Some("effective_from"));
    assert_eq!(
        app.get("/v1/plans/pro", Role::Viewer).body["versions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let listed = app.get("/v1/plans", Role::Viewer);
    assert_eq!(listed.body["items"][0]["key"], "pro");
}

fn a_plan_keeps_its_currency(app: &TestApp) {
    app.component("api");
    app.plan("pro", &["api"]);
    let euro = app.post("/v1/plans/pro/versions", Role::Admin, &json!({
        "effective_from": "2026-03", "price": {"amount": "280.00", "currency": "EUR"}, "sla_target_percent": "99.9"}));
    assert_problem(&euro, 422, Some("price.currency"));
    let huge = app.post("/v1/plans/pro/versions", Role::Admin, &json!({
        "effective_from": "2026-03", "price": {"amount": "9999999999999999999999999999", "currency": "USD"}, "sla_target_percent": "99.9"}));
    assert_problem(&huge, 422, Some("price.amount"));
}

fn plan_settings_are_validated(app: &TestApp) {
    app.component("api");
    let base = json!({
        "effective_from": "2026-01",
        "price": {"amount": "300.00", "currency": "USD"},
        "sla_target_percent": "99.9",
    });
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (json!({"timezone": "Mars/Olympus"}), "version.timezone"),
        (
            json!({"price": {"amount": "300.00", "currency": "ZZZ"}}),
            "version.price.currency",
        ),
        (
            json!({"price": {"amount": "300.001", "currency": "USD"}}),
            "version.price.amount",
        ),
        (
            json!({"price": {"amount": "1.5", "currency": "JPY"}}),
            "version.price.amount",
        ),
        (json!({"components": ["nope"]}), "version.components[0]"),
        (
            json!({"components": ["api", "api"]}),
            "version.components[1]",
        ),
        (
            json!({"weights": {"partial_outage": "1.5"}}),
            "version.weights.partial_outage",
        ),
        (
            json!({"weights": {"major_outage": "0.12345"}}),
            "version.weights.major_outage",
        ),
        (
            json!({"credit_policy": {"type": "tiered", "tiers": [
            {"below_percent": "99", "credit_percent": "10"}, {"below_percent": "99.9", "credit_percent": "25"}]}}),
            "version.credit_policy.tiers[1].below_percent",
        ),
        (
            json!({"credit_policy": {"type": "tiered", "tiers": [
            {"below_percent": "99", "credit_percent": "10"}, {"below_percent": "99", "credit_percent": "25"}]}}),
            "version.credit_policy.tiers[1].below_percent",
        ),
        (
            json!({"credit_policy": {"type": "tiered", "tiers": []}}),
            "version.credit_policy.tiers",
        ),
        (
            json!({"sla_target_percent": "101"}),
            "version.sla_target_percent",
        ),
        (
            json!({"sla_target_percent": 99.9}),
            "version.sla_target_percent",
        ),
        (
            json!({"max_credit_percent": "150"}),
            "version.max_credit_percent",
        ),
        (
            json!({"min_downtime_seconds": -1}),
            "version.min_downtime_seconds",
        ),
        (
            json!({"min_credit": {"amount": "5.00", "currency": "EUR"}}),
            "version.min_credit.currency",
        ),
        (
            json!({"effective_from": "2026-13"}),
            "version.effective_from",
        ),
        (json!({"maintenance": "sometimes"}), "version.maintenance"),
    ];
    for (i, (change, field)) in cases.into_iter().enumerate() {
        let mut version = base.clone();
        for (k, v) in change.as_object().unwrap() {
            version[k] = v.clone();
        }
        let r = app.post(
            "/v1/plans",
            Role::Admin,
            &json!({"key": format!("p{i}"), "name": "P", "version": version}),
        );
        assert_problem(&r, 422, Some(field));
    }
    assert_eq!(
        app.get("/v1/plans", Role::Viewer).body["items"],
        json!([]),
        "nothing half-written"
    );
    let unknown = app.post(
        "/v1/plans",
        Role::Admin,
        &json!({"key": "p", "name": "P", "version": base, "colour": "red"}),
    );
    assert_problem(&unknown, 400, None);
    assert!(unknown.body["detail"].as_str().unwrap().contains("colour"));
}

crate::both!(
    a_plan_keeps_its_currency,
    components_crud,
    groups_do_not_nest,
    deleting_a_referenced_component_is_a_conflict,
    component_lists_paginate,
    plans_hold_every_setting,
    plan_settings_are_validated,
);
