use serde_json::json;
use sla_ledger::auth::Role;

use crate::helpers::{TestApp, assert_problem};

fn retries_replay_the_first_answer(app: &TestApp) {
    app.component("api");
    app.plan("pro", &["api"]);
    app.customer("acme", None);
    let body = json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}).to_string();
    let key = [("Idempotency-Key", "retry-1")];
    let first = app.send(
        "POST",
        "/v1/customers/acme/subscriptions",
        Some(Role::Admin),
        Some(&body),
        &key,
    );
    assert_eq!(first.status, 201, "{}", first.text);
    let second = app.send(
        "POST",
        "/v1/customers/acme/subscriptions",
        Some(Role::Admin),
        Some(&body),
        &key,
    );
    assert_eq!(second.status, 201);
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        app.get("/v1/customers/acme/subscriptions", Role::Viewer)
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let other_body = json!({"plan": "pro", "start": "2026-02-01T00:00:00Z"}).to_string();
    let reused = app.send(
        "POST",
        "/v1/customers/acme/subscriptions",
        Some(Role::Admin),
        Some(&other_body),
        &key,
    );
    assert_problem(&reused, 422, Some("Idempotency-Key"));

    // Keys belong to a token subject: another subject's same key is a new request.
    let token = app.keys.mint("someone-else", Role::Admin, 60).unwrap();
    let auth = format!("Bearer {token}");
    let theirs = app.send(
        "POST",
        "/v1/customers/acme/subscriptions",
        None,
        Some(&body),
        &[("Idempotency-Key", "retry-1"), ("Authorization", &auth)],
    );
    assert_eq!(theirs.status, 201);
    assert_ne!(theirs.body["id"], first.body["id"]);
    // The audit log holds one entry per real change.
    let audit = app.get("/v1/audit?entity=subscription", Role::Admin);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 2);
}

fn a_failed_request_is_not_remembered(app: &TestApp) {
    let key = [("Idempotency-Key", "k")];
    let bad = app.send(
        "POST",
        "/v1/components",
        Some(Role::Admin),
        Some(r#"{"key":"BAD","name":"x"}"#),
        &key,
    );
    assert_problem(&bad, 422, Some("key"));
    let good = app.send(
        "POST",
        "/v1/components",
        Some(Role::Admin),
        Some(r#"{"key":"api","name":"x"}"#),
        &key,
    );
    assert_eq!(good.status, 201, "{}", good.text);
}

fn concurrent_retries_create_once(app: &TestApp) {
    app.customer("acme", None);
    app.component("api");
    app.plan("pro", &["api"]);
    let body = json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}).to_string();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    app.send(
                        "POST",
                        "/v1/customers/acme/subscriptions",
                        Some(Role::Admin),
                        Some(&body),
                        &[("Idempotency-Key", "race")],
                    )
                    .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(
        app.get("/v1/customers/acme/subscriptions", Role::Viewer)
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

crate::both!(
    retries_replay_the_first_answer,
    a_failed_request_is_not_remembered,
    concurrent_retries_create_once
);
