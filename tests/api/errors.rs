//! Bad input of every kind gets a 4xx problem, never a 500.

use serde_json::json;
use sla_ledger::auth::Role;

use crate::helpers::{TestApp, assert_problem, assert_problem_is};

fn malformed_and_unknown_input(app: &TestApp) {
    let post = |body: &str| app.send("POST", "/v1/components", Some(Role::Admin), Some(body), &[]);
    assert_problem_is(
        &post("{\"key\": \"api\", "),
        400,
        None,
        "malformed JSON: EOF while parsing a value at line 1 column 15",
    );
    assert_problem_is(
        &post(""),
        400,
        None,
        "the request body is empty; a JSON object is expected",
    );
    assert_problem_is(&post("[1,2]"), 422, Some("body"), "must be a JSON object");
    let r = app.post(
        "/v1/components",
        Role::Admin,
        &json!({"key": "api", "name": "API", "nmae": "typo"}),
    );
    assert_problem_is(
        &r,
        400,
        None,
        "unknown field `nmae`, expected one of `key`, `name`, `description`, `group`, `external_id` at line 1 column 32 (at `nmae`)",
    );
    let r = app.post(
        "/v1/components",
        Role::Admin,
        &json!({"key": "api", "name": 7}),
    );
    assert_problem_is(
        &r,
        422,
        Some("name"),
        "invalid type: integer `7`, expected a string at line 1 column 21",
    );
    assert_problem_is(
        &app.get("/v1/components?limt=5", Role::Viewer),
        400,
        None,
        "unknown query parameter `limt`; known: `limit`, `after`",
    );
    assert_problem_is(
        &app.get("/v1/components?limit=abc", Role::Viewer),
        422,
        Some("limit"),
        "`abc` is not a whole number from 1 to 500",
    );
    let r = app.send("PUT", "/v1/components", Some(Role::Admin), None, &[]);
    assert_problem_is(&r, 405, None, "PUT is not allowed here; allowed: GET, POST");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = app.patch("/v1/components/api", Role::Admin, &json!({"name": null}));
    assert_problem_is(
        &r,
        422,
        Some("name"),
        "invalid type: null, expected a string at line 1 column 12",
    );
    assert_problem_is(
        &app.get("/v1/nothing-here", Role::Admin),
        404,
        None,
        "no route /v1/nothing-here",
    );
}

/// Constraint failures are answered with stable words, never the database's own message.
fn constraint_failures_have_stable_messages(app: &TestApp) {
    app.create(
        "/v1/components",
        json!({"key": "api", "name": "API", "external_id": "sp-1"}),
    );
    let r = app.post(
        "/v1/components",
        Role::Admin,
        &json!({"key": "web", "name": "Web", "external_id": "sp-1"}),
    );
    assert_problem_is(&r, 409, None, "a component with this external_id exists");
}

fn oversized_bodies_are_refused(app: &TestApp) {
    // The test service allows 64 KiB.
    let description = "x".repeat(70 * 1024);
    let r = app.post(
        "/v1/components",
        Role::Admin,
        &json!({"key": "api", "name": "API", "description": description}),
    );
    assert_problem(&r, 413, None);
    assert_problem(&app.get("/v1/components/api", Role::Viewer), 404, None);
}

fn health_probes(app: &TestApp) {
    assert_eq!(app.send("GET", "/healthz", None, None, &[]).status, 200);
    let ready = app.send("GET", "/readyz", None, None, &[]);
    assert_eq!(ready.status, 200, "{}", ready.text);
    app.db.revert_all().unwrap();
    let not_ready = app.send("GET", "/readyz", None, None, &[]);
    assert_problem(&not_ready, 503, None);
    assert!(
        not_ready.body["detail"]
            .as_str()
            .unwrap()
            .contains("migrat"),
        "{}",
        not_ready.text
    );
    app.db.migrate().unwrap();
    assert_eq!(app.send("GET", "/readyz", None, None, &[]).status, 200);
}

crate::both!(
    malformed_and_unknown_input,
    constraint_failures_have_stable_messages,
    oversized_bodies_are_refused,
    health_probes,
    nul_bytes_and_far_dates_are_refused,
);

fn nul_bytes_and_far_dates_are_refused(app: &TestApp) {
    let r = app.send(
        "POST",
        "/v1/customers",
        Some(Role::Admin),
        Some(r#"{"external_id":"n1","name":"a\u0000b"}"#),
        &[],
    );
    assert_problem(&r, 400, None);
    assert_problem(
        &app.get("/v1/customers?region=%00", Role::Viewer),
        400,
        None,
    );
    assert_problem(&app.get("/v1/customers/%00", Role::Viewer), 400, None);
    let r = app.post(
        "/v1/customers",
        Role::Admin,
        &json!({"external_id": "n2", "name": "bell\u{7}"}),
    );
    assert_problem(&r, 422, Some("name"));
    app.customer("acme", None);
    app.component("api");
    app.plan("pro", &["api"]);
    let far = app.post(
        "/v1/customers/acme/subscriptions",
        Role::Admin,
        &json!({"plan": "pro", "start": "9999-12-31T23:59:59-23:59"}),
    );
    assert_problem(&far, 422, Some("start"));
    let token = app.keys.mint("eve\u{0}", Role::Admin, 60).unwrap();
    let r = app.send(
        "GET",
        "/v1/components",
        None,
        None,
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_problem(&r, 401, None);
}
