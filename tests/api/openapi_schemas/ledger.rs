//! The second half of the walk: statements, credit runs, the credit ledger, reports, audit.

use serde_json::{Value, json};
use sla_ledger::auth::Role;

use super::catalog::Month;
use super::check::Checker;

const JSON: (&str, &str) = ("Accept", "application/json");

pub fn walk(c: &mut Checker, month: &Month) {
    c.read("/v1/customers/acme/statement?period=2026-01", Role::Viewer);
    let explained = c.read(
        "/v1/customers/acme/statement?period=2026-01&explain=true",
        Role::Viewer,
    );
    assert!(
        explained["subscriptions"][0]["explanation"]["segments"].is_array(),
        "{explained}"
    );
    let exposure = c.read("/v1/exposure?period=2026-01", Role::Viewer);
    assert!(
        !exposure["items"].as_array().unwrap().is_empty(),
        "{exposure}"
    );
    c.read("/v1/exposure?limit=1", Role::Viewer);
    let incident = c.read("/v1/incidents?limit=1", Role::Viewer)["items"][0]["id"].clone();
    let simulation = json!({"period": "2026-01", "add_windows": [{"component": "api",
        "severity": "major_outage", "start": "2026-01-20T00:00:00Z", "end": "2026-01-20T06:00:00Z"}]});
    let simulated = c.write("POST", "/v1/simulations", Role::Viewer, simulation, 200);
    assert!(
        !simulated["items"].as_array().unwrap().is_empty(),
        "{simulated}"
    );
    c.read(
        &format!("/v1/incidents/{incident}/exposure?period=2026-01"),
        Role::Viewer,
    );
    let as_of = "as_of=2026-02-01T00:00:00Z";
    c.read(
        &format!("/v1/customers/globex/statement?period=2026-01&{as_of}"),
        Role::Viewer,
    );

    // Nothing measured yet: `measured_start` and `measured_end` are null.
    let empty = "/v1/customers/acme/statement?period=2026-12&as_of=2026-12-01T00:00:00Z";
    let empty = c.read(empty, Role::Viewer);
    assert!(
        empty["subscriptions"][0]["measured_start"].is_null(),
        "{empty}"
    );

    let preview = json!({"period": "2026-01", "dry_run": true});
    let preview = c.write("POST", "/v1/credit-runs", Role::Billing, preview, 200);
    assert!(preview["run_id"].is_null(), "{preview}");
    let first = run(c);
    c.read(&format!("/v1/credit-runs/{}", first["id"]), Role::Viewer);
    let sla = only_pending_sla(c);

    // A late report changes the amount: the pending credit is superseded by a new one.
    late_outage(c, "2026-01-20T00:00:00Z", "2026-01-20T06:00:00Z");
    assert_eq!(run(c)["superseded"], 1);
    let sla_now = only_pending_sla(c);
    assert_ne!(sla, sla_now);

    let reason = "slow support response";
    let by_percent = json!({"subscription_id": month.acme_sub, "period": "2026-01",
        "reason": reason, "percent": "12.5"});
    let by_percent = c.write("POST", "/v1/credits", Role::Support, by_percent, 201);
    let by_amount = json!({"subscription_id": month.acme_sub, "period": "2026-01",
        "reason": "goodwill", "amount": {"amount": "5.00", "currency": "USD"}});
    let by_amount = c.write("POST", "/v1/credits", Role::Support, by_amount, 201);
    for id in [&json!(sla_now), &by_amount["id"]] {
        c.read(&format!("/v1/credits/{id}/explanation"), Role::Viewer);
    }

    c.write(
        "POST",
        &format!("/v1/credits/{sla_now}/approve"),
        Role::Support,
        json!({}),
        200,
    );
    let ids = json!({"ids": [by_percent["id"]]});
    c.write("POST", "/v1/credits/approve", Role::Support, ids, 200);
    let voids = json!({"ids": [by_percent["id"]], "reason": "duplicate"});
    c.write("POST", "/v1/credits/void", Role::Support, voids, 200);
    let summary = c.read("/v1/credits/summary?period=2026-01", Role::Viewer);
    assert!(
        !summary["items"].as_array().unwrap().is_empty(),
        "{summary}"
    );
    c.read("/v1/credits/summary", Role::Reporter);
    let void = json!({"reason": "given by phone"});
    c.write(
        "POST",
        &format!("/v1/credits/{}/void", by_amount["id"]),
        Role::Support,
        void,
        200,
    );
    let reference = json!({"billing_reference": "inv-1001"});
    let applied = c.write(
        "POST",
        &format!("/v1/credits/{sla_now}/apply"),
        Role::Billing,
        reference,
        200,
    );
    assert_eq!(applied["status"], "applied");

    // Another late report after the credit was applied: an adjustment credit.
    late_outage(c, "2026-01-21T00:00:00Z", "2026-01-22T12:00:00Z");
    assert_eq!(run(c)["adjusted"], 1);
    let period = json!({"period": "2026-01"});
    c.write("POST", "/v1/credits/approve", Role::Support, period, 200);

    let detail = c.read(&format!("/v1/credits/{sla_now}"), Role::Viewer);
    assert!(!detail["history"].as_array().expect("history").is_empty());
    let page = c.read("/v1/credits?limit=2", Role::Viewer);
    assert!(page["next_cursor"].is_string(), "{page}");
    c.read(
        "/v1/credits?period=2026-01&kind=adjustment&customer=acme",
        Role::Viewer,
    );
    let page = c.read("/v1/credit-runs?period=2026-01&limit=2", Role::Viewer);
    assert!(page["next_cursor"].is_string(), "{page}");

    reports(c);
    let page = c.read("/v1/audit?limit=3", Role::Admin);
    assert!(page["next_cursor"].is_string(), "{page}");
    c.read("/v1/audit?entity=credit&limit=500", Role::Admin);
}

/// Starts a run (202, checked against the schema) and reads it until it has ended.
fn run(c: &mut Checker) -> Value {
    let started = c.write(
        "POST",
        "/v1/credit-runs",
        Role::Billing,
        json!({"period": "2026-01"}),
        202,
    );
    let path = format!("/v1/credit-runs/{}", started["id"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let now = c.read(&path, Role::Viewer);
        if now["state"] != "running" {
            assert_eq!(now["state"], "succeeded", "{now}");
            return now;
        }
        assert!(std::time::Instant::now() < deadline, "still running: {now}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The id of the one pending `sla` credit, read from the typed page.
fn only_pending_sla(c: &mut Checker) -> i64 {
    let page = c.read(
        "/v1/credits?period=2026-01&status=pending&kind=sla&customer=acme",
        Role::Viewer,
    );
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{page}");
    items[0]["id"].as_i64().expect("id")
}

fn late_outage(c: &mut Checker, start: &str, end: &str) {
    let body = json!({"title": "Late report", "status": "postmortem", "windows": [
        {"component": "api", "severity": "major_outage", "start": start, "end": end}]});
    c.write("POST", "/v1/incidents", Role::Reporter, body, 201);
}

fn reports(c: &mut Checker) {
    for query in [
        "credits.csv?period=2026-01",
        "credits.csv?period=2026-01&status=pending,approved,applied,void,superseded",
        "credits.csv?period=2026-01&format=balance",
        "statements.csv?period=2026-01",
        "uptime.csv?period=2026-01",
    ] {
        let path = format!("/v1/reports/{query}");
        let r = c.send("GET", &path, Some(Role::Billing), None, &[JSON]);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert!(
            !r.body.as_array().expect("a JSON array").is_empty(),
            "{path}"
        );
    }
    let csv = c.get("/v1/reports/uptime.csv?period=2026-01", Role::Viewer);
    assert_eq!(csv.status, 200, "{}", csv.text);
}
