//! Two processes on one database: the CLI's credit run beside a serving process under a write
//! load. On SQLite writers take the write lock up front and wait for it; a wait that runs out is a
//! 503 with `Retry-After`, never a 500.

use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::json;
use sla_ledger::auth::Role;
use sla_ledger::db::PoolSettings;

use crate::helpers::{Backend, Setup, TestApp, assert_problem, run_with};

/// Creates a customer, retrying a 503 after its `Retry-After` with the same key; answers every
/// status it got.
fn create_customer(app: &TestApp, id: &str) -> Vec<u16> {
    let body = json!({"external_id": id, "name": id}).to_string();
    let mut statuses = Vec::new();
    loop {
        let r = app.send(
            "POST",
            "/v1/customers",
            Some(Role::Admin),
            Some(&body),
            &[("Idempotency-Key", id)],
        );
        statuses.push(r.status);
        if r.status != 503 {
            return statuses;
        }
        assert_problem(&r, 503, None);
        let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
        std::thread::sleep(Duration::from_secs(wait));
    }
}

fn a_cli_run_beside_a_write_load(app: &TestApp) {
    crate::statements::worked_example(app);
    for n in 0..30 {
        let name = format!("seed-{n}");
        app.customer(&name, Some("na"));
        app.create(
            &format!("/v1/customers/{name}/subscriptions"),
            json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
        );
    }
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let load = scope.spawn(|| {
            (0..120)
                .flat_map(|n| create_customer(app, &format!("load-{n}")))
                .collect::<Vec<u16>>()
        });
        for _ in 0..5 {
            // `cli` insists that the process succeeds.
            let out = app.cli(&["credit-run", "--period", "2026-01"]);
            assert!(out.contains("\"subscriptions_evaluated\": 31"), "{out}");
        }
        load.join().unwrap()
    });
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 503),
        "only 201, or 503 then a retry: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 120);
    let customers = app.get("/v1/customers?limit=500", Role::Viewer).body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(customers, 1 + 30 + 120);
    let credits = app.get("/v1/credits?limit=500", Role::Viewer).body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(credits, 31, "five runs, one credit per subscription");
}

crate::both!(a_cli_run_beside_a_write_load);

fn short_busy_timeout() -> Setup {
    Setup {
        pool: PoolSettings {
            sqlite_busy: Duration::from_millis(300),
            ..crate::helpers::test_pool()
        },
        ..Setup::default()
    }
}

/// Another process holds SQLite's write lock longer than the busy timeout: 503, then 201.
fn a_lock_held_past_the_busy_timeout_is_503(app: &TestApp) {
    let mut other = diesel::SqliteConnection::establish(app.database_url()).unwrap();
    // The service may be opening its connections (a moment's lock): wait for the lock here.
    other
        .batch_execute("PRAGMA busy_timeout = 10000; BEGIN IMMEDIATE")
        .unwrap();
    let r = app.post(
        "/v1/customers",
        Role::Admin,
        &json!({"external_id": "acme", "name": "Acme"}),
    );
    assert_problem(&r, 503, None);
    assert_eq!(r.header("retry-after"), Some("1"));
    other.batch_execute("COMMIT").unwrap();
    let r = app.post(
        "/v1/customers",
        Role::Admin,
        &json!({"external_id": "acme", "name": "Acme"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

#[test]
fn sqlite_lock_held_past_the_busy_timeout_is_503() {
    run_with(
        Backend::Sqlite,
        short_busy_timeout,
        a_lock_held_past_the_busy_timeout_is_503,
    );
}
