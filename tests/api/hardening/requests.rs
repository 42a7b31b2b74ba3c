//! Requests a careless or hostile client sends: the wrong shape, the wrong media type, the wrong
//! method, a dry run retried, and amounts whose sum no longer fits.

use serde_json::json;
use sla_ledger::auth::Role;

use crate::helpers::{TestApp, assert_problem, assert_problem_is};

fn an_array_is_not_an_object(app: &TestApp) {
    let r = app.send(
        "POST",
        "/v1/customers",
        Some(Role::Admin),
        Some(r#"["x","X",null]"#),
        &[],
    );
    assert_problem_is(&r, 422, Some("body"), "must be a JSON object");
    assert_eq!(
        app.get("/v1/customers", Role::Viewer).body["items"],
        json!([])
    );
}

fn a_body_that_is_not_json_is_415(app: &TestApp) {
    let body = r#"{"external_id": "acme", "name": "Acme"}"#;
    let token = app.token(Role::Admin);
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let request = format!(
            "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let (status, text) = app.raw(request.as_bytes());
        assert_eq!(status, 415, "{content_type}: {text}");
        assert!(text.contains("application/problem+json"), "{text}");
        assert!(
            text.contains(content_type),
            "the refusal names the type: {text}"
        );
    }
    let no_type = format!(
        "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, text) = app.raw(no_type.as_bytes());
    assert_eq!(status, 415, "{text}");
    assert!(text.contains("Content-Type: application/json"), "{text}");
    assert_eq!(
        app.get("/v1/customers", Role::Viewer).body["items"],
        json!([])
    );
    // A JSON type with parameters, or a +json type, is JSON.
    for content_type in [
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ] {
        let r = app.send(
            "POST",
            "/v1/customers",
            Some(Role::Admin),
            Some(body),
            &[("Content-Type", content_type)],
        );
        assert!(
            r.status == 201 || r.status == 409,
            "{content_type}: {}",
            r.text
        );
    }
}

fn a_dry_run_honours_its_idempotency_key(app: &TestApp) {
    crate::statements::worked_example(app);
    let dry = |period: &str, key: &str| {
        app.send(
            "POST",
            "/v1/credit-runs",
            Some(Role::Billing),
            Some(&json!({"period": period, "dry_run": true}).to_string()),
            &[("Idempotency-Key", key)],
        )
    };
    let first = dry("2026-01", "preview-1");
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["dry_run"], true);
    let again = dry("2026-01", "preview-1");
    assert_eq!(again.status, 200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    assert_problem(&dry("2026-02", "preview-1"), 422, Some("Idempotency-Key"));
    assert_problem(
        &dry("2026-01", &"k".repeat(256)),
        422,
        Some("Idempotency-Key"),
    );
    // A dry run writes no credit and no run.
    assert_eq!(
        app.get("/v1/credits", Role::Viewer).body["items"],
        json!([])
    );
    assert_eq!(
        app.get("/v1/credit-runs", Role::Viewer).body["items"],
        json!([])
    );
}

/// Customers `a` and `b` on plan `huge` (fee: the largest amount the ledger holds), each owed
/// 60 % for a day down in January 2026: either credit fits, their total does not.
pub(crate) fn two_near_the_largest_fee(app: &TestApp) {
    app.component("api");
    app.create(
        "/v1/plans",
        json!({"key": "huge", "name": "Huge", "version": {
            "effective_from": "2026-01",
            "price": {"amount": "92233720368547758.07", "currency": "USD"},
            "sla_target_percent": "99.9",
            "components": ["api"],
            "credit_policy": {"type": "tiered", "tiers": [
                {"below_percent": "99.9", "credit_percent": "60"}]},
            "max_credit_percent": "100",
        }}),
    );
    for name in ["a", "b"] {
        app.customer(name, None);
        app.create(
            &format!("/v1/customers/{name}/subscriptions"),
            json!({"plan": "huge", "start": "2026-01-01T00:00:00Z"}),
        );
    }
    let r = app.post(
        "/v1/incidents",
        Role::Reporter,
        &json!({"title": "down", "status": "resolved", "windows": [{"component": "api",
            "severity": "major_outage", "start": "2026-01-05T00:00:00Z",
            "end": "2026-01-06T00:00:00Z"}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

fn a_route_under_another_method_is_405(app: &TestApp) {
    let r = app.get("/v1/credits/approve", Role::Viewer);
    assert_problem(&r, 405, None);
    assert_eq!(r.header("allow"), Some("POST"));
    // A credit id that is not a number is still a plain 404.
    assert_problem(&app.get("/v1/credits/approved", Role::Viewer), 404, None);
}

/// Two subscriptions each owed 60 % of a fee near the largest amount: their total does not fit.
fn a_total_beyond_the_ledger_is_409_not_a_wrong_number(app: &TestApp) {
    two_near_the_largest_fee(app);
    let beyond = "the USD total of the credits of 2026-01 is beyond the largest amount the \
                  ledger holds (i64 minor units)";
    let preview = app.post(
        "/v1/credit-runs",
        Role::Billing,
        &json!({"period": "2026-01", "dry_run": true}),
    );
    assert_problem_is(&preview, 409, None, beyond);
    // A run fails with the same problem, and writes nothing.
    let started = app.post(
        "/v1/credit-runs",
        Role::Billing,
        &json!({"period": "2026-01"}),
    );
    let failed = crate::credits::ended(app, &started);
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["problem"]["status"], 409, "{failed}");
    assert_eq!(failed["problem"]["detail"], beyond, "{failed}");
    assert_eq!(failed["created"], 0);
    assert_eq!(
        app.get("/v1/credits", Role::Viewer).body["items"],
        json!([])
    );
    // Each statement alone still fits.
    let r = app.get("/v1/customers/a/statement?period=2026-01", Role::Viewer);
    assert_eq!(r.status, 200, "{}", r.text);
}

fn protocol_refusals_where_the_library_allows(app: &TestApp) {
    // A Content-Length that is not a number never reaches a route: actix-http answers 400
    // with an empty body (docs/api.md, "Errors").
    let (status, _) = app.raw(
        b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 400);
    // A long request line within the library's limit is ours to refuse, as problem+json.
    let long = format!(
        "GET /v1/customers?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(40 * 1024)
    );
    let (status, text) = app.raw(long.as_bytes());
    assert_eq!(status, 414, "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
    assert!(text.contains(r#""type":"uri-too-long""#), "{text}");
    // Many headers adding up past the limit: the largest is named.
    let mut many = String::from("GET /v1/customers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for i in 0..40 {
        many.push_str(&format!("X-Padding-{i}: {}\r\n", "p".repeat(1000 + i)));
    }
    many.push_str("\r\n");
    let (status, text) = app.raw(many.as_bytes());
    assert_eq!(status, 431, "{text}");
    assert!(text.contains(r#""field":"x-padding-39""#), "{text}");
}

crate::both!(
    an_array_is_not_an_object,
    a_body_that_is_not_json_is_415,
    a_dry_run_honours_its_idempotency_key,
    a_route_under_another_method_is_405,
    a_total_beyond_the_ledger_is_409_not_a_wrong_number,
    protocol_refusals_where_the_library_allows,
);
