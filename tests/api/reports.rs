//! Monthly reports: columns, rows, totals, spreadsheet safety, streaming formats.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::json;
use sla_ledger::auth::Role;
use sla_ledger::clock::Clock as _;

use crate::helpers::{TestApp, assert_problem, assert_problem_is};
use crate::statements::worked_example;

const HOSTILE: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";

/// SPEC §8's month, plus a customer with a hostile name, run and partly approved.
fn month_with_credits(app: &TestApp) {
    worked_example(app);
    app.create(
        "/v1/customers",
        json!({"external_id": "evil", "name": HOSTILE, "region": "na"}),
    );
    app.create(
        "/v1/customers/evil/subscriptions",
        json!({"plan": "pro", "start": "2026-01-16T00:00:00Z"}),
    );
    crate::credits::run(app, "2026-01");
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn column<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    &row[i]
}

fn credits_report_lists_every_credit(app: &TestApp) {
    month_with_credits(app);
    let r = app.get("/v1/reports/credits.csv?period=2026-01", Role::Billing);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"credits-2026-01.csv\"")
    );
    let (header, rows) = csv_rows(&r.text);
    assert_eq!(
        header.join(","),
        "credit_id,kind,status,customer_external_id,customer_name,subscription_id,plan,plan_version,period,sla_target_percent,uptime_percent,eligible_minutes,downtime_minutes,credit_percent,amount,currency,reason,created_at,created_by,approved_at,approved_by,applied_at,applied_by,billing_reference"
    );
    assert_eq!(rows.len(), 2);
    let acme = &rows[0];
    assert_eq!(column(&header, acme, "customer_external_id"), "acme");
    assert_eq!(column(&header, acme, "amount"), "30.00");
    assert_eq!(column(&header, acme, "uptime_percent"), "99.7563");
    assert_eq!(column(&header, acme, "sla_target_percent"), "99.9000");
    assert_eq!(column(&header, acme, "credit_percent"), "10.0000");
    assert_eq!(column(&header, acme, "eligible_minutes"), "44520.00");
    assert_eq!(column(&header, acme, "downtime_minutes"), "108.50");
    assert_eq!(column(&header, acme, "status"), "pending");
    assert_eq!(column(&header, acme, "created_by"), "billing-user");
    assert!(column(&header, acme, "created_at").ends_with('Z'));
    // The hostile name stays inert text in a spreadsheet.
    assert_eq!(
        column(&header, &rows[1], "customer_name"),
        format!("'{HOSTILE}")
    );
    // Half a month of 300.00 is 154.84; 10 % of it is 15.48.
    assert_eq!(column(&header, &rows[1], "amount"), "15.48");
    let json = app.send(
        "GET",
        "/v1/reports/credits.csv?period=2026-01",
        Some(Role::Billing),
        None,
        &[("Accept", "application/json")],
    );
    assert_eq!(
        json.header("content-disposition"),
        Some("attachment; filename=\"credits-2026-01.json\"")
    );
    assert_eq!(
        json.body[1]["customer_name"], HOSTILE,
        "JSON is not a spreadsheet: no apostrophe"
    );
    assert_eq!(json.body[0]["amount"], "30.00");
    assert_eq!(
        json.body[0]["credit_id"],
        rows[0][0].parse::<i64>().unwrap()
    );
}

fn credits_report_totals_match_the_run(app: &TestApp) {
    month_with_credits(app);
    // An applied credit, then a correction that adjusts it.
    let id = app
        .get("/v1/credits?period=2026-01&customer=acme", Role::Viewer)
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/v1/credits/{id}/approve"),
        Role::Support,
        &json!({}),
    );
    app.post(
        &format!("/v1/credits/{id}/apply"),
        Role::Billing,
        &json!({"billing_reference": "inv-1"}),
    );
    let r = app.post("/v1/incidents", Role::Reporter, &json!({"title": "late", "status": "resolved", "windows": [
        {"component": "api", "severity": "major_outage", "start": "2026-01-20T00:00:00Z", "end": "2026-01-20T06:00:00Z"}]}));
    assert_eq!(r.status, 201);
    crate::credits::run(app, "2026-01");
    // … and withdrawn again: a second, negative adjustment.
    assert_eq!(
        app.delete(&format!("/v1/incidents/{}", r.body["id"]), Role::Reporter)
            .status,
        200
    );
    let summary = crate::credits::run(app, "2026-01");
    assert_eq!(summary["adjusted"], 1, "{summary}");
    let report = app.get(
        "/v1/reports/credits.csv?period=2026-01&status=pending,approved,applied",
        Role::Billing,
    );
    let (header, rows) = csv_rows(&report.text);
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    for row in &rows {
        let amount: Decimal = column(&header, row, "amount").parse().unwrap();
        *totals
            .entry(column(&header, row, "currency").to_owned())
            .or_default() += amount;
    }
    let totals: BTreeMap<String, String> = totals
        .into_iter()
        .map(|(c, a)| (c, a.to_string()))
        .collect();
    assert_eq!(json!(totals), summary["totals"], "{}", report.text);
    assert!(
        rows.iter()
            .any(|r| column(&header, r, "amount").starts_with('-')),
        "the adjustment is negative and stays a number"
    );
    assert!(report.text.contains(",-45.00,"), "{}", report.text);
}

fn balance_export_lists_approved_credits(app: &TestApp) {
    month_with_credits(app);
    let id = app
        .get("/v1/credits?period=2026-01&customer=acme", Role::Viewer)
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/v1/credits/{id}/approve"),
        Role::Support,
        &json!({}),
    );
    let r = app.get(
        "/v1/reports/credits.csv?period=2026-01&format=balance",
        Role::Billing,
    );
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"balance-2026-01.csv\"")
    );
    let (header, rows) = csv_rows(&r.text);
    assert_eq!(
        header.join(","),
        "customer_external_id,amount_minor,currency,description,idempotency_key"
    );
    assert_eq!(rows.len(), 1, "only approved, not yet applied");
    assert_eq!(rows[0][0], "acme");
    assert_eq!(rows[0][1], "-3000");
    assert_eq!(rows[0][2], "USD");
    assert_eq!(
        rows[0][3],
        "SLA credit for 2026-01 (pro): uptime 99.7563 % against a 99.9 % target"
    );
    assert_eq!(rows[0][4], format!("sla-ledger-credit-{id}"));
    assert_problem(
        &app.get(
            "/v1/reports/credits.csv?period=2026-01&format=xlsx",
            Role::Billing,
        ),
        422,
        Some("format"),
    );
    assert_problem(
        &app.get(
            "/v1/reports/credits.csv?period=2026-01&status=paid",
            Role::Billing,
        ),
        422,
        Some("status[0]"),
    );
}

fn statements_report_has_every_subscription(app: &TestApp) {
    month_with_credits(app);
    app.customer("quiet", None);
    app.create("/v1/plans", json!({"key": "web-only", "name": "W", "version": {"effective_from": "2026-01",
        "price": {"amount": "10000", "currency": "JPY"}, "sla_target_percent": "99", "components": ["web"]}}));
    app.create(
        "/v1/customers/quiet/subscriptions",
        json!({"plan": "web-only", "start": "2025-06-01T00:00:00Z"}),
    );
    let r = app.get("/v1/reports/statements.csv?period=2026-01", Role::Billing);
    let (header, rows) = csv_rows(&r.text);
    assert_eq!(rows.len(), 3);
    let acme = &rows[0];
    assert_eq!(column(&header, acme, "uptime_percent"), "99.7563");
    assert_eq!(column(&header, acme, "major_outage_minutes"), "101.00");
    assert_eq!(column(&header, acme, "partial_outage_minutes"), "25.00");
    assert_eq!(column(&header, acme, "fee"), "300.00");
    assert_eq!(column(&header, acme, "amount"), "30.00");
    assert_eq!(column(&header, acme, "reason"), "");
    let quiet = &rows[2];
    assert_eq!(column(&header, quiet, "customer_external_id"), "quiet");
    // web's partial outage: 120 min × 0.3 = 36 min down of 44,640: 99.9194 % ≥ 99 → no credit.
    assert_eq!(column(&header, quiet, "uptime_percent"), "99.9194");
    assert_eq!(column(&header, quiet, "reason"), "above_target");
    assert_eq!(column(&header, quiet, "fee"), "10000");
    assert_eq!(column(&header, quiet, "currency"), "JPY");
}

fn uptime_report_has_every_component(app: &TestApp) {
    worked_example(app);
    let r = app.get("/v1/reports/uptime.csv?period=2026-01", Role::Viewer);
    assert_eq!(r.status, 200, "{}", r.text);
    let (header, rows) = csv_rows(&r.text);
    assert_eq!(
        header.join(","),
        "component,name,group,period,eligible_minutes,major_outage_minutes,partial_outage_minutes,degraded_performance_minutes,maintenance_minutes,uptime_percent"
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0],
        [
            "api", "API", "", "2026-01", "44520.00", "101.00", "0.00", "0.00", "120.00", "99.7731"
        ]
    );
    // web: 120 minutes partial × 0.3 = 36 minutes down of 44,640.
    assert_eq!(
        rows[1],
        [
            "web", "WEB", "", "2026-01", "44640.00", "0.00", "120.00", "0.00", "0.00", "99.9194"
        ]
    );
}

fn empty_months_have_a_header_only(app: &TestApp) {
    for (path, header) in [
        ("credits.csv", "credit_id,kind,status"),
        ("statements.csv", "customer_external_id,customer_name"),
        ("uptime.csv", "component,name,group"),
    ] {
        let r = app.get(&format!("/v1/reports/{path}?period=2026-01"), Role::Admin);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.text.lines().count(), 1, "{path}: {}", r.text);
        assert!(r.text.starts_with(header), "{}", r.text);
        let json = app.send(
            "GET",
            &format!("/v1/reports/{path}?period=2026-01"),
            Some(Role::Admin),
            None,
            &[("Accept", "application/json")],
        );
        assert_eq!(json.body, json!([]));
    }
    assert_problem(
        &app.get("/v1/reports/statements.csv?period=2026-13", Role::Billing),
        422,
        Some("period"),
    );
    assert_problem_is(
        &app.get("/v1/reports/credits.csv", Role::Billing),
        422,
        Some("period"),
        "missing field `period`",
    );
    assert_problem(
        &app.get("/v1/reports/credits.csv?period=2026-01", Role::Viewer),
        403,
        None,
    );
}

fn the_command_line_writes_the_same(app: &TestApp) {
    worked_example(app);
    let summary: serde_json::Value =
        serde_json::from_str(&app.cli(&["credit-run", "--period", "2026-01", "--actor", "ops"]))
            .unwrap();
    assert_eq!(summary["created"], 1);
    assert_eq!(summary["totals"], json!({"USD": "30.00"}));
    for report in ["credits", "statements", "uptime"] {
        let http = app
            .get(
                &format!("/v1/reports/{report}.csv?period=2026-01"),
                Role::Admin,
            )
            .text;
        let cli = app.cli(&["report", report, "--period", "2026-01"]);
        assert_eq!(cli, http, "{report}");
    }
    let json: serde_json::Value = serde_json::from_str(&app.cli(&[
        "report", "credits", "--period", "2026-01", "--format", "json",
    ]))
    .unwrap();
    assert_eq!(json[0]["created_by"], "ops");
}

crate::both!(
    pages_cover_every_subscription_once,
    the_command_line_writes_the_same,
    credits_report_lists_every_credit,
    credits_report_totals_match_the_run,
    balance_export_lists_approved_credits,
    statements_report_has_every_subscription,
    uptime_report_has_every_component,
    empty_months_have_a_header_only,
);

/// Reports page through subscriptions in (plan, id) order: every one once, none twice.
fn pages_cover_every_subscription_once(app: &TestApp) {
    use sla_ledger::engine::Period;
    use sla_ledger::ledger::evaluate::{PeriodInputs, Plans, Scope};
    worked_example(app);
    app.plan("basic", &["api"]);
    let mut expected = Vec::new();
    for (i, plan) in ["basic", "pro", "basic", "pro", "basic", "pro"]
        .iter()
        .enumerate()
    {
        let name = format!("c{i}");
        app.customer(&name, Some("na"));
        let sub = app.create(
            &format!("/v1/customers/{name}/subscriptions"),
            json!({"plan": plan, "start": "2026-01-01T00:00:00Z"}),
        );
        expected.push((plan.to_string(), sub["id"].as_i64().unwrap()));
    }
    let acme = app
        .get("/v1/customers/acme/subscriptions", Role::Viewer)
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    expected.push(("pro".into(), acme));
    expected.sort();
    let period = Period::parse("2026-01").unwrap();
    let mut conn = app.db.conn().unwrap();
    let inputs = PeriodInputs::load(&mut conn, period, app.clock.now(), Plans::All).unwrap();
    let (mut seen, mut after) = (Vec::new(), None);
    loop {
        let (page, last) = inputs
            .evaluate(
                &mut conn,
                Scope::Page {
                    after: after.take(),
                    limit: 2,
                },
            )
            .unwrap();
        assert!(page.len() <= 2);
        seen.extend(
            page.iter()
                .map(|e| (e.subscription.plan_key.clone(), e.subscription.id)),
        );
        match last {
            None => break,
            Some(cursor) => after = Some(cursor),
        }
    }
    assert_eq!(seen, expected);
}
