//! Credit runs as jobs (`ledger::jobs`): all or nothing when one fails half-way, progress, and a
//! run whose instance dies.

use std::process::Stdio;
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};
use sla_ledger::auth::Role;
use sla_ledger::clock::Clock as _;
use sla_ledger::config::ServeSettings;
use sla_ledger::ledger::jobs::LEASE_SECONDS;

use crate::credits::ended;
use crate::helpers::{Backend, Setup, TestApp};
use crate::statements::worked_example;

/// A service whose runs take one subscription at a time.
fn page_of_one() -> Setup {
    let defaults = Setup::default();
    Setup {
        settings: ServeSettings {
            credit_run_page: std::num::NonZeroU32::new(1),
            ..defaults.settings
        },
        ..defaults
    }
}

fn credits(app: &TestApp) -> Vec<Value> {
    let r = app.get("/v1/credits?period=2026-01&limit=500", Role::Viewer);
    r.body["items"].as_array().unwrap().clone()
}

/// Page one (customer `a`) is written; page two (`b`) takes the period's total past what the
/// ledger holds. The run fails and nothing of page one is left.
fn a_run_that_fails_half_way_writes_nothing(app: &TestApp) {
    crate::hardening::requests::two_near_the_largest_fee(app);
    let started = app.post(
        "/v1/credit-runs",
        Role::Billing,
        &json!({"period": "2026-01"}),
    );
    assert_eq!(started.body["state"], "running", "{}", started.text);
    assert_eq!(started.body["progress"], json!({"done": 0, "total": 2}));
    let failed = ended(app, &started);
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["problem"]["status"], 409, "{failed}");
    assert!(failed["finished_at"].is_string(), "{failed}");
    if app.backend == Backend::Postgres {
        // The row shows how far it came: page one was done when page two failed.
        assert_eq!(failed["progress"], json!({"done": 1, "total": 2}));
    }
    assert_eq!(
        credits(app),
        Vec::<Value>::new(),
        "nothing of page one is left"
    );
    let audit = app.get("/v1/audit?entity=credit_run", Role::Admin);
    assert_eq!(
        audit.body["items"],
        json!([]),
        "a failed run is not audited"
    );
}

/// A run of 1,001 subscriptions a page at a time: whoever looks while it works sees `done` grow,
/// and it ends with all of them.
fn progress_moves_while_a_run_works(app: &TestApp) {
    worked_example(app);
    bulk_subscriptions(app, 1_000);
    let started = app.post(
        "/v1/credit-runs",
        Role::Billing,
        &json!({"period": "2026-01"}),
    );
    assert_eq!(started.status, 202, "{}", started.text);
    assert_eq!(started.body["progress"], json!({"done": 0, "total": 1_001}));
    let path = format!("/v1/credit-runs/{}", started.body["id"]);
    let mut seen = Vec::new();
    let ended = loop {
        let now = app.get(&path, Role::Viewer).body;
        if now["state"] != "running" {
            break now;
        }
        seen.push(now["progress"]["done"].as_i64().unwrap());
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(ended["state"], "succeeded", "{ended}");
    assert_eq!(ended["progress"], json!({"done": 1_001, "total": 1_001}));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    let between = seen.iter().filter(|d| **d > 0 && **d < 1_001).count();
    assert!(between > 0, "no progress seen while it worked: {seen:?}");
}

/// A second service process works a run a page at a time and is killed after some pages, inside
/// the run's transaction. Another instance shows the run `running` while its lease lasts, then
/// `failed`; nothing of it was written; starting it again does the whole job once.
fn a_run_whose_instance_dies_is_failed_not_left_running(app: &TestApp) {
    worked_example(app);
    bulk_subscriptions(app, 1_000);
    let (mut child, port) = app.serve_binary(&[("SLA_CREDIT_RUN_PAGE", "1")], Stdio::null());
    let token = app.token(Role::Billing);
    let mut started = ureq::post(format!("http://127.0.0.1:{port}/v1/credit-runs"))
        .header("Authorization", format!("Bearer {token}"))
        .send_json(json!({"period": "2026-01"}))
        .unwrap();
    assert_eq!(started.status(), 202);
    let started: Value = started.body_mut().read_json().unwrap();
    let id = started["id"].as_i64().unwrap();
    wait_for(|| child_is_inside_its_run(app, id));
    child.kill().unwrap();
    child.wait().unwrap();

    // Its lease has not passed: it may still be working, as far as anyone can tell.
    let path = format!("/v1/credit-runs/{id}");
    assert_eq!(app.get(&path, Role::Viewer).body["state"], "running");
    app.clock.set(app.clock.now() + LEASE_SECONDS + 1);
    // The killed process's connection may take a moment to be closed by the server.
    wait_for(|| app.get(&path, Role::Viewer).body["state"] != "running");
    let failed = app.get(&path, Role::Viewer).body;
    assert_eq!(failed["state"], "failed", "{failed}");
    let detail = failed["problem"]["detail"].as_str().unwrap();
    assert!(detail.contains("stopped before it finished"), "{failed}");
    assert_eq!(credits(app), Vec::<Value>::new(), "nothing was written");

    let again = crate::credits::run(app, "2026-01");
    assert_eq!(again["subscriptions_evaluated"], 1_001, "{again}");
    let mut owed: Vec<i64> = Vec::new();
    let mut after = String::new();
    loop {
        let page = app.get(
            &format!("/v1/credits?period=2026-01&limit=500{after}"),
            Role::Viewer,
        );
        for c in page.body["items"].as_array().unwrap() {
            owed.push(c["subscription_id"].as_i64().unwrap());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => break,
        }
    }
    let credited = owed.len();
    owed.sort_unstable();
    owed.dedup();
    assert_eq!(owed.len(), credited, "one credit per subscription");
    assert_eq!(again["created"], credited, "{again}");
    assert!(credited > 0);
}

/// Whether the child is inside run `id`'s transaction with pages done: on PostgreSQL its progress
/// row says so; on SQLite it holds the write lock.
fn child_is_inside_its_run(app: &TestApp, id: i64) -> bool {
    match app.backend {
        Backend::Postgres => {
            let r = app.get(&format!("/v1/credit-runs/{id}"), Role::Viewer);
            r.body["progress"]["done"].as_i64().unwrap() > 0
        }
        Backend::Sqlite => {
            let mut c = diesel::SqliteConnection::establish(app.database_url()).unwrap();
            c.batch_execute("PRAGMA busy_timeout = 0").unwrap();
            let free = c.batch_execute("BEGIN IMMEDIATE").is_ok();
            if free {
                c.batch_execute("ROLLBACK").unwrap();
            }
            !free
        }
    }
}

fn wait_for(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Four subscriptions a page at a time, then: support voids one credit, and another
/// subscription's dates are corrected so that it no longer falls in the month. A re-run reads
/// each page's credits beside it: the voided amount stays void (not written again), the credit
/// of the moved subscription is superseded with nothing, the other two stand, and the totals are
/// what the live credits add up to.
fn a_re_run_page_by_page_reads_every_credit_once(app: &TestApp) {
    worked_example(app);
    bulk_subscriptions(app, 3);
    let first = crate::credits::run(app, "2026-01");
    assert_eq!(first["created"], 4, "{first}");
    let by_customer = |app: &TestApp| -> std::collections::BTreeMap<String, (String, String)> {
        credits(app)
            .iter()
            .map(|c| {
                let customer = c["customer"].as_str().unwrap().to_owned();
                let status = c["status"].as_str().unwrap().to_owned();
                let amount = c["amount"]["amount"].as_str().unwrap().to_owned();
                (format!("{customer} {}", c["id"]), (status, amount))
            })
            .collect()
    };
    let all = credits(app);
    assert_eq!(all.len(), 4, "{all:?}");
    let amount: rust_decimal::Decimal = all[0]["amount"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(amount > rust_decimal::Decimal::ZERO);
    assert!(
        all.iter().all(|c| c["amount"] == all[0]["amount"]),
        "{all:?}"
    );
    assert_eq!(
        first["totals"]["USD"],
        (amount * rust_decimal::Decimal::from(4)).to_string()
    );

    let of = |customer: &str| {
        all.iter()
            .find(|c| c["customer"] == customer)
            .unwrap_or_else(|| panic!("no credit of {customer}: {all:?}"))["id"]
            .clone()
    };
    let voided = app.post(
        &format!("/v1/credits/{}/void", of("bulk-2")),
        Role::Support,
        &json!({"reason": "goodwill given instead"}),
    );
    assert_eq!(voided.status, 200, "{}", voided.text);
    let february = 1_769_904_000; // 2026-02-01T00:00:00Z
    let mut conn = app.db.conn().unwrap();
    conn.batch_execute(&format!(
        "UPDATE subscriptions SET start_at = {february} WHERE customer_id =
             (SELECT id FROM customers WHERE external_id = 'bulk-0')"
    ))
    .unwrap();
    drop(conn);
    let before = by_customer(app);

    let second = crate::credits::run(app, "2026-01");
    assert_eq!(second["subscriptions_evaluated"], 3, "{second}");
    assert_eq!(second["created"], 0, "{second}");
    assert_eq!(second["superseded"], 1, "{second}");
    assert_eq!(second["unchanged"], 3, "{second}");
    assert_eq!(
        second["totals"]["USD"],
        (amount * rust_decimal::Decimal::from(2)).to_string()
    );
    let after = by_customer(app);
    assert_eq!(after.len(), before.len(), "nothing written: {after:?}");
    for (key, (status, _)) in &after {
        let expected = if key.starts_with("bulk-0 ") {
            "superseded"
        } else if key.starts_with("bulk-2 ") {
            "void"
        } else {
            "pending"
        };
        assert_eq!(status, expected, "{key}: {after:?}");
    }

    let third = crate::credits::run(app, "2026-01");
    assert_eq!(third["created"], 0, "{third}");
    assert_eq!(third["superseded"], 0, "{third}");
    assert_eq!(third["totals"], second["totals"], "{third}");
}

/// `n` more customers in region `na`, each on plan `pro` from January 2026 (written directly:
/// the API would take most of the test's time).
fn bulk_subscriptions(app: &TestApp, n: usize) {
    let values: Vec<String> = (0..n)
        .map(|i| format!("('bulk-{i}', 'Bulk {i}', 'na', 0, 0)"))
        .collect();
    let start = 1_767_225_600; // 2026-01-01T00:00:00Z
    let sql = format!(
        "INSERT INTO customers (external_id, name, region, created_at, updated_at) VALUES {};
         INSERT INTO subscriptions (customer_id, plan_key, start_at, created_at, updated_at)
         SELECT id, 'pro', {start}, 0, 0 FROM customers WHERE external_id LIKE 'bulk-%';",
        values.join(", ")
    );
    let mut conn = app.db.conn().unwrap();
    conn.batch_execute(&sql).unwrap();
}

crate::both!(with page_of_one;
    a_run_that_fails_half_way_writes_nothing,
    progress_moves_while_a_run_works,
    a_re_run_page_by_page_reads_every_credit_once,
);

mod each_backend {
    use super::*;
    crate::both!(a_run_whose_instance_dies_is_failed_not_left_running);
}
