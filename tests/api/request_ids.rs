//! Request ids: echoed in the response, in problem+json bodies, and in the audit entries a request
//! writes, so one failed request can be found in the logs and the audit log.

use serde_json::json;
use sla_ledger::auth::Role;

use crate::helpers::{TestApp, assert_problem};

fn get_with_id(app: &TestApp, path: &str, role: Option<Role>, id: &str) -> crate::helpers::Resp {
    app.send("GET", path, role, None, &[("X-Request-Id", id)])
}

fn an_incoming_id_is_echoed_and_a_missing_one_made(app: &TestApp) {
    let r = get_with_id(app, "/v1/components", Some(Role::Viewer), "trace-7f3a");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-request-id"), Some("trace-7f3a"));
    let made = app.get("/v1/components", Role::Viewer);
    let id = made.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    // An id that is empty, too long or not visible ASCII is replaced, not echoed.
    for unusable in ["has space", &"x".repeat(201)] {
        let r = get_with_id(app, "/v1/components", Some(Role::Viewer), unusable);
        let id = r.header("x-request-id").unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{unusable} → {id}");
    }
}

fn every_problem_names_its_request(app: &TestApp) {
    let r = get_with_id(app, "/v1/customers/nobody", Some(Role::Viewer), "chase-404");
    assert_problem(&r, 404, None);
    assert_eq!(r.body["request_id"], "chase-404");
    // Refused before any route runs: no token, and an oversized head.
    let r = get_with_id(app, "/v1/customers", None, "chase-401");
    assert_problem(&r, 401, None);
    assert_eq!(r.body["request_id"], "chase-401");
    let r = app.send(
        "GET",
        "/healthz",
        None,
        None,
        &[
            ("X-Request-Id", "chase-431"),
            ("X-Big", &"b".repeat(40 * 1024)),
        ],
    );
    assert_problem(&r, 431, Some("x-big"));
    assert_eq!(r.body["request_id"], "chase-431");
    // A successful JSON body is not touched.
    let r = get_with_id(app, "/healthz", None, "ok-1");
    assert_eq!(r.body, json!({"status": "ok"}));
}

fn audit_entries_keep_the_request_id(app: &TestApp) {
    let r = app.send(
        "POST",
        "/v1/components",
        Some(Role::Admin),
        Some(r#"{"key": "api", "name": "API"}"#),
        &[("X-Request-Id", "deploy-42")],
    );
    assert_eq!(r.status, 201, "{}", r.text);
    app.component("web");
    let entries = app.get("/v1/audit?request_id=deploy-42", Role::Admin).body["items"].clone();
    assert_eq!(entries.as_array().unwrap().len(), 1, "{entries}");
    assert_eq!(entries[0]["action"], "component.create");
    assert_eq!(entries[0]["entity_id"], "api");
    assert_eq!(entries[0]["request_id"], "deploy-42");
    let all = app.get("/v1/audit", Role::Admin).body["items"].clone();
    assert!(
        all[1]["request_id"]
            .as_str()
            .is_some_and(|id| id != "deploy-42")
    );
}

crate::both!(
    an_incoming_id_is_echoed_and_a_missing_one_made,
    every_problem_names_its_request,
    audit_entries_keep_the_request_id,
);
