use serde_json::json;
use sla_ledger::auth::Role;

use crate::helpers::{TestApp, assert_problem};

fn customers_crud(app: &TestApp) {
    let acme = app.customer("acme", Some("na"));
    assert_eq!(acme["external_id"], "acme");
    assert_eq!(acme["region"], "na");
    assert_problem(
        &app.post(
            "/v1/customers",
            Role::Admin,
            &json!({"external_id": "acme", "name": "Again"}),
        ),
        409,
        None,
    );
    let patched = app.patch(
        "/v1/customers/acme",
        Role::Admin,
        &json!({"name": "Acme Inc."}),
    );
    assert_eq!(patched.body["name"], "Acme Inc.");
    assert_eq!(patched.body["region"], "na");
    let cleared = app.patch("/v1/customers/acme", Role::Admin, &json!({"region": null}));
    assert_eq!(cleared.body["region"], json!(null));
    app.customer("globex", Some("emea"));
    let emea = app.get("/v1/customers?region=emea", Role::Viewer);
    assert_eq!(emea.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(emea.body["items"][0]["external_id"], "globex");
    assert_problem(&app.get("/v1/customers/nobody", Role::Viewer), 404, None);
    assert_problem(
        &app.post(
            "/v1/customers",
            Role::Admin,
            &json!({"external_id": "", "name": "X"}),
        ),
        422,
        Some("external_id"),
    );
    assert_problem(
        &app.post(
            "/v1/customers",
            Role::Admin,
            &json!({"external_id": "x", "name": "X", "region": "north america"}),
        ),
        422,
        Some("region"),
    );
}

fn subscriptions_crud(app: &TestApp) {
    app.component("api");
    app.plan("pro", &["api"]);
    app.customer("acme", Some("na"));
    let sub = app.create(
        "/v1/customers/acme/subscriptions",
        json!({
            "plan": "pro", "start": "2026-01-15T12:00:00+02:00",
            "fee_override": {"amount": "250.00", "currency": "USD"}
        }),
    );
    assert_eq!(sub["customer"], "acme");
    assert_eq!(sub["plan"], "pro");
    assert_eq!(sub["start"], "2026-01-15T10:00:00Z", "stored in UTC");
    assert_eq!(sub["end"], json!(null));
    assert_eq!(
        sub["fee_override"],
        json!({"amount": "250.00", "currency": "USD"})
    );
    let id = sub["id"].as_i64().unwrap();

    let ended = app.patch(
        &format!("/v1/subscriptions/{id}"),
        Role::Admin,
        &json!({"end": "2026-03-01T00:00:00Z", "fee_override": null}),
    );
    assert_eq!(ended.status, 200, "{}", ended.text);
    assert_eq!(ended.body["end"], "2026-03-01T00:00:00Z");
    assert_eq!(ended.body["fee_override"], json!(null));
    assert_eq!(
        app.get(&format!("/v1/subscriptions/{id}"), Role::Viewer)
            .body["end"],
        "2026-03-01T00:00:00Z"
    );
    let listed = app.get("/v1/customers/acme/subscriptions", Role::Viewer);
    assert_eq!(listed.body["items"][0]["id"], id);

    let before_start = app.patch(
        &format!("/v1/subscriptions/{id}"),
        Role::Admin,
        &json!({"end": "2026-01-01T00:00:00Z"}),
    );
    assert_problem(&before_start, 422, Some("end"));
    assert_problem(&app.get("/v1/subscriptions/9999", Role::Viewer), 404, None);
    assert_problem(&app.get("/v1/subscriptions/abc", Role::Viewer), 404, None);
}

fn subscription_input_is_validated(app: &TestApp) {
    app.component("api");
    app.plan("pro", &["api"]);
    app.customer("acme", None);
    let post =
        |body: serde_json::Value| app.post("/v1/customers/acme/subscriptions", Role::Admin, &body);
    assert_problem(
        &post(json!({"plan": "nope", "start": "2026-01-01T00:00:00Z"})),
        422,
        Some("plan"),
    );
    assert_problem(
        &post(json!({"plan": "pro", "start": "2026-01-01T00:00:00"})),
        422,
        Some("start"),
    );
    assert_problem(
        &post(
            json!({"plan": "pro", "start": "2026-01-02T00:00:00Z", "end": "2026-01-02T00:00:00Z"}),
        ),
        422,
        Some("end"),
    );
    assert_problem(
        &post(
            json!({"plan": "pro", "start": "2026-01-01T00:00:00Z", "fee_override": {"amount": "1.00", "currency": "EUR"}}),
        ),
        422,
        Some("fee_override.currency"),
    );
    assert_problem(
        &post(json!({"start": "2026-01-01T00:00:00Z"})),
        422,
        Some("plan"),
    );
    assert_problem(
        &app.post(
            "/v1/customers/nobody/subscriptions",
            Role::Admin,
            &json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
        ),
        404,
        None,
    );
    assert_eq!(
        app.get("/v1/customers/acme/subscriptions", Role::Viewer)
            .body["items"],
        json!([])
    );
}

fn every_change_is_audited(app: &TestApp) {
    app.component("api");
    app.patch(
        "/v1/components/api",
        Role::Admin,
        &json!({"name": "Public API"}),
    );
    app.plan("pro", &["api"]);
    app.customer("acme", Some("na"));
    app.create(
        "/v1/customers/acme/subscriptions",
        json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
    );
    let log = app.get("/v1/audit", Role::Admin);
    assert_eq!(log.status, 200);
    let actions: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "component.create",
            "component.update",
            "plan.create",
            "customer.create",
            "subscription.create"
        ]
    );
    let update = &log.body["items"][1];
    assert_eq!(update["actor"], "admin-user");
    assert_eq!(update["role"], "admin");
    assert_eq!(update["entity"], "component");
    assert_eq!(update["entity_id"], "api");
    assert_eq!(update["before"]["name"], "API");
    assert_eq!(update["after"]["name"], "Public API");
    let filtered = app.get("/v1/audit?entity=customer", Role::Admin);
    assert_eq!(filtered.body["items"].as_array().unwrap().len(), 1);
    // A rejected change writes no audit entry.
    app.post(
        "/v1/components",
        Role::Admin,
        &json!({"key": "BAD", "name": "x"}),
    );
    assert_eq!(
        app.get("/v1/audit", Role::Admin).body["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

crate::both!(
    customers_crud,
    subscriptions_crud,
    subscription_input_is_validated,
    every_change_is_audited
);
