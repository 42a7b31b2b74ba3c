//! The month's routine through HTTP: incidents → run → approve → apply → correction → re-run.

use serde_json::{Value, json};
use sla_ledger::auth::Role;

use crate::helpers::{Resp, TestApp, assert_problem, assert_problem_is};
use crate::statements::worked_example;

/// Starts a run of `period` and waits for it; the run as it ended, `succeeded`.
pub fn run(app: &TestApp, period: &str) -> Value {
    let r = app.post(
        "/v1/credit-runs",
        Role::Billing,
        &json!({ "period": period }),
    );
    let ended = ended(app, &r);
    assert_eq!(ended["state"], "succeeded", "{ended}");
    ended
}

/// The run a `202 Accepted` started, once it has ended (polled, with a deadline).
pub fn ended(app: &TestApp, started: &Resp) -> Value {
    assert_eq!(started.status, 202, "{}", started.text);
    let location = started.header("location").expect("Location");
    assert_eq!(location, format!("/v1/credit-runs/{}", started.body["id"]));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let now = app.get(location, Role::Viewer);
        assert_eq!(now.status, 200, "{}", now.text);
        if now.body["state"] != "running" {
            return now.body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running: {}",
            now.text
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn credits(app: &TestApp, query: &str) -> Vec<Value> {
    app.get(&format!("/v1/credits?{query}"), Role::Viewer).body["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn counts(summary: &Value) -> [i64; 4] {
    ["created", "unchanged", "superseded", "adjusted"].map(|k| summary[k].as_i64().unwrap())
}

fn add_outage(app: &TestApp, start: &str, end: &str) -> i64 {
    let r = app.post(
        "/v1/incidents",
        Role::Reporter,
        &json!({"title": "late report", "status": "resolved", "windows": [
        {"component": "api", "severity": "major_outage", "start": start, "end": end}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn post(app: &TestApp, role: Role, path: &str, body: Value) -> Resp {
    app.post(path, role, &body)
}

fn the_whole_month(app: &TestApp) {
    worked_example(app);
    let first = run(app, "2026-01");
    assert_eq!(first["subscriptions_evaluated"], 1);
    assert_eq!(counts(&first), [1, 0, 0, 0]);
    assert_eq!(first["totals"], json!({"USD": "30.00"}));
    let listed = credits(app, "period=2026-01");
    assert_eq!(listed.len(), 1);
    let credit = &listed[0];
    assert_eq!(
        (credit["kind"].as_str(), credit["status"].as_str()),
        (Some("sla"), Some("pending"))
    );
    assert_eq!(
        credit["amount"],
        json!({"amount": "30.00", "currency": "USD"})
    );
    assert_eq!(credit["customer"], "acme");
    assert_eq!(credit["uptime_percent"], "99.7563");
    assert_eq!(credit["run_id"], first["id"]);
    assert_eq!(first["progress"], json!({"done": 1, "total": 1}));
    assert_eq!(first["started_by"], "billing-user");

    // Re-running with nothing changed writes nothing.
    assert_eq!(counts(&run(app, "2026-01")), [0, 1, 0, 0]);
    assert_eq!(credits(app, "period=2026-01").len(), 1);

    // A late report: six more hours down puts uptime under 99.0 → 25 % = 75.00; the pending
    // credit is superseded by a new pending one.
    let late = add_outage(app, "2026-01-20T00:00:00Z", "2026-01-20T06:00:00Z");
    let second = run(app, "2026-01");
    assert_eq!(counts(&second), [0, 0, 1, 0]);
    assert_eq!(second["totals"], json!({"USD": "75.00"}));
    let old_id = credit["id"].as_i64().unwrap();
    let all = credits(app, "period=2026-01");
    assert_eq!(all.len(), 2, "history is kept");
    assert_eq!(all[0]["status"], "superseded");
    assert_eq!(all[1]["status"], "pending");
    assert_eq!(all[1]["supersedes"], old_id);
    assert_eq!(all[1]["amount"]["amount"], "75.00");
    let id = all[1]["id"].as_i64().unwrap();

    // Support approves, billing applies; applying again with the same reference is harmless.
    let approved = post(
        app,
        Role::Support,
        &format!("/v1/credits/{id}/approve"),
        json!({}),
    );
    assert_eq!(approved.body["status"], "approved", "{}", approved.text);
    assert_eq!(approved.body["approved_by"], "support-user");
    let applied = post(
        app,
        Role::Billing,
        &format!("/v1/credits/{id}/apply"),
        json!({"billing_reference": "inv-1001"}),
    );
    assert_eq!(applied.status, 200, "{}", applied.text);
    assert_eq!(applied.body["status"], "applied");
    let again = post(
        app,
        Role::Billing,
        &format!("/v1/credits/{id}/apply"),
        json!({"billing_reference": "inv-1001"}),
    );
    assert_eq!((again.status, &again.body), (200, &applied.body));
    assert_problem(
        &post(
            app,
            Role::Billing,
            &format!("/v1/credits/{id}/apply"),
            json!({"billing_reference": "inv-9"}),
        ),
        409,
        None,
    );

    // The late report is withdrawn: the applied credit gets a negative adjustment.
    assert_eq!(
        app.delete(&format!("/v1/incidents/{late}"), Role::Reporter)
            .status,
        200
    );
    let third = run(app, "2026-01");
    assert_eq!(counts(&third), [0, 0, 0, 1]);
    assert_eq!(third["totals"], json!({"USD": "30.00"}));
    let adjustment = credits(app, "period=2026-01&kind=adjustment");
    assert_eq!(adjustment.len(), 1);
    assert_eq!(adjustment[0]["amount"]["amount"], "-45.00");
    assert_eq!(adjustment[0]["adjusts"], id);
    assert_eq!(counts(&run(app, "2026-01")), [0, 1, 0, 0], "settled");

    // Every move is in the credit's history.
    let detail = app.get(&format!("/v1/credits/{id}"), Role::Viewer);
    let actions: Vec<&str> = detail.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["credit.create", "credit.approve", "credit.apply"]);
    let runs = app.get("/v1/credit-runs?period=2026-01", Role::Viewer);
    assert_eq!(runs.body["items"].as_array().unwrap().len(), 5);
    let one = app.get(&format!("/v1/credit-runs/{}", first["id"]), Role::Viewer);
    assert_eq!(one.body["created"], 1);
}

fn illegal_transitions_are_conflicts(app: &TestApp) {
    worked_example(app);
    run(app, "2026-01");
    let id = credits(app, "period=2026-01")[0]["id"].as_i64().unwrap();
    let at = |action: &str| format!("/v1/credits/{id}/{action}");
    let apply = json!({"billing_reference": "inv-1"});
    let r = post(app, Role::Billing, &at("apply"), apply.clone());
    let illegal = format!("credit {id}: a credit cannot go from pending to applied");
    assert_problem_is(&r, 409, None, &illegal);
    assert_problem_is(
        &post(app, Role::Support, &at("void"), json!({"reason": " "})),
        422,
        Some("reason"),
        "must be 1 to 500 characters, not only spaces",
    );
    assert_problem(
        &post(app, Role::Support, &at("void"), json!({})),
        422,
        Some("reason"),
    );
    assert_eq!(
        post(app, Role::Support, &at("approve"), json!({})).status,
        200
    );
    assert_problem(
        &post(app, Role::Support, &at("approve"), json!({})),
        409,
        None,
    );
    assert_eq!(post(app, Role::Billing, &at("apply"), apply).status, 200);
    assert_problem_is(
        &post(app, Role::Support, &at("void"), json!({"reason": "oops"})),
        409,
        None,
        &format!("credit {id}: a credit cannot go from applied to void"),
    );
    assert_problem(
        &post(app, Role::Support, &at("approve"), json!({})),
        409,
        None,
    );
    assert_problem_is(
        &post(app, Role::Support, "/v1/credits/999999/approve", json!({})),
        404,
        None,
        "no credit 999999",
    );
    assert_problem(
        &post(app, Role::Viewer, &at("approve"), json!({})),
        403,
        None,
    );
    assert_problem(
        &post(app, Role::Billing, &at("void"), json!({"reason": "x"})),
        403,
        None,
    );
}

fn voided_credits_are_final(app: &TestApp) {
    worked_example(app);
    run(app, "2026-01");
    let id = credits(app, "period=2026-01")[0]["id"].as_i64().unwrap();
    let voided = post(
        app,
        Role::Support,
        &format!("/v1/credits/{id}/void"),
        json!({"reason": "goodwill given by phone"}),
    );
    assert_eq!(voided.body["status"], "void", "{}", voided.text);
    assert_eq!(voided.body["void_reason"], "goodwill given by phone");
    assert_problem(
        &post(
            app,
            Role::Support,
            &format!("/v1/credits/{id}/approve"),
            json!({}),
        ),
        409,
        None,
    );
    // Support's decision stands: the next run does not issue the same amount again.
    assert_eq!(counts(&run(app, "2026-01")), [0, 1, 0, 0]);
    assert_eq!(credits(app, "period=2026-01").len(), 1);
    // A changed amount is a new situation, and a new pending credit.
    add_outage(app, "2026-01-20T00:00:00Z", "2026-01-20T06:00:00Z");
    assert_eq!(counts(&run(app, "2026-01")), [1, 0, 0, 0]);
    assert_eq!(
        credits(app, "period=2026-01&status=pending")[0]["amount"]["amount"],
        "75.00"
    );
}

fn unfinished_periods_are_previews(app: &TestApp) {
    worked_example(app);
    let this_month = chrono::Utc::now().format("%Y-%m").to_string();
    let r = app.post(
        "/v1/credit-runs",
        Role::Billing,
        &json!({"period": this_month}),
    );
    assert_problem(&r, 409, None);
    let preview = app.post(
        "/v1/credit-runs",
        Role::Billing,
        &json!({"period": "2026-01", "dry_run": true}),
    );
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert_eq!(preview.body["dry_run"], true);
    assert_eq!(preview.body["created"], 1);
    assert_eq!(preview.body["totals"], json!({"USD": "30.00"}));
    assert!(credits(app, "").is_empty(), "a dry run writes nothing");
    assert!(
        app.get("/v1/credit-runs", Role::Viewer).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let live = app.post(
        "/v1/credit-runs",
        Role::Billing,
        &json!({"period": this_month, "dry_run": true}),
    );
    assert_eq!(live.status, 200, "{}", live.text);
    assert_problem(
        &app.post(
            "/v1/credit-runs",
            Role::Billing,
            &json!({"period": "2026-1"}),
        ),
        422,
        Some("period"),
    );
    assert_problem(
        &app.post(
            "/v1/credit-runs",
            Role::Support,
            &json!({"period": "2026-01"}),
        ),
        403,
        None,
    );
}

fn bulk_approval_is_all_or_nothing(app: &TestApp) {
    worked_example(app);
    app.customer("globex", Some("na"));
    app.create(
        "/v1/customers/globex/subscriptions",
        json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
    );
    run(app, "2026-01");
    let ids: Vec<i64> = credits(app, "period=2026-01")
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(
        post(
            app,
            Role::Support,
            &format!("/v1/credits/{}/approve", ids[0]),
            json!({})
        )
        .status,
        200
    );
    let mixed = post(
        app,
        Role::Support,
        "/v1/credits/approve",
        json!({"ids": ids}),
    );
    assert_problem(&mixed, 409, None);
    assert_eq!(credits(app, "status=pending").len(), 1, "nothing moved");
    assert_problem(
        &post(
            app,
            Role::Support,
            "/v1/credits/approve",
            json!({"ids": [ids[1], 999_999]}),
        ),
        404,
        None,
    );
    assert_problem(
        &post(app, Role::Support, "/v1/credits/approve", json!({})),
        422,
        Some("period"),
    );
    let by_period = post(
        app,
        Role::Support,
        "/v1/credits/approve",
        json!({"period": "2026-01"}),
    );
    assert_eq!(by_period.status, 200, "{}", by_period.text);
    assert_eq!(by_period.body["approved"], 1);
    assert_eq!(credits(app, "status=approved").len(), 2);
}

fn bulk_void_is_all_or_nothing(app: &TestApp) {
    worked_example(app);
    for other in ["globex", "initech"] {
        app.customer(other, Some("na"));
        app.create(
            &format!("/v1/customers/{other}/subscriptions"),
            json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
        );
    }
    run(app, "2026-01");
    let ids: Vec<i64> = credits(app, "period=2026-01")
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    let void = |body: Value| post(app, Role::Support, "/v1/credits/void", body);
    let reason = "credited by hand";
    assert_problem(
        &void(json!({"ids": [], "reason": reason})),
        422,
        Some("ids"),
    );
    assert_problem(
        &void(json!({"ids": [ids[0], ids[1], ids[0]], "reason": reason})),
        422,
        Some("ids[2]"),
    );
    assert_problem(
        &void(json!({"ids": [ids[0]], "reason": "  "})),
        422,
        Some("reason"),
    );
    assert_problem(
        &void(json!({"ids": [ids[0], 999_999], "reason": reason})),
        404,
        None,
    );
    let reference = json!({"billing_reference": "inv-7"});
    for step in [("approve", json!({})), ("apply", reference)] {
        let path = format!("/v1/credits/{}/{}", ids[2], step.0);
        let role = if step.0 == "apply" {
            Role::Billing
        } else {
            Role::Support
        };
        assert_eq!(post(app, role, &path, step.1).status, 200);
    }
    assert_problem(
        &void(json!({"ids": [ids[0], ids[2]], "reason": reason})),
        409,
        None,
    );
    assert_eq!(credits(app, "status=pending").len(), 2, "nothing moved");
    assert_problem(
        &post(
            app,
            Role::Billing,
            "/v1/credits/void",
            json!({"ids": [ids[0]], "reason": reason}),
        ),
        403,
        None,
    );

    let voided = void(json!({"ids": [ids[0], ids[1]], "reason": reason}));
    assert_eq!(voided.status, 200, "{}", voided.text);
    assert_eq!(voided.body, json!({"voided": 2, "ids": [ids[0], ids[1]]}));
    for id in &ids[..2] {
        let credit = app.get(&format!("/v1/credits/{id}"), Role::Viewer).body;
        assert_eq!(credit["status"], "void");
        assert_eq!(credit["void_reason"], reason);
        assert_eq!(credit["voided_by"], "support-user");
    }
    assert_eq!(credits(app, "status=applied").len(), 1);

    // The summary counts and adds them up by status.
    let usd = |amount: &str| json!({"amount": amount, "currency": "USD"});
    let expected = json!([
        {"status": "applied", "credits": 1, "amount": usd("30.00")},
        {"status": "void", "credits": 2, "amount": usd("60.00")},
    ]);
    let summary = app.get("/v1/credits/summary?period=2026-01", Role::Viewer);
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(
        summary.body,
        json!({"period": "2026-01", "items": expected})
    );
    let every = app.get("/v1/credits/summary", Role::Reporter).body;
    assert_eq!(every, json!({"period": null, "items": expected}));
    let other = app
        .get("/v1/credits/summary?period=2026-02", Role::Viewer)
        .body;
    assert_eq!(other["items"], json!([]));
    let bad = app.get("/v1/credits/summary?period=2026-13", Role::Viewer);
    assert_problem(&bad, 422, Some("period"));
    let unknown = app.get("/v1/credits/summary?status=void", Role::Viewer);
    assert_problem(&unknown, 400, None);
}

fn manual_credits(app: &TestApp) {
    worked_example(app);
    let sub = app
        .get("/v1/customers/acme/subscriptions", Role::Viewer)
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let percent = post(
        app,
        Role::Support,
        "/v1/credits",
        json!({"subscription_id": sub, "period": "2026-01", "reason": "slow support", "percent": "12.5"}),
    );
    assert_eq!(percent.status, 201, "{}", percent.text);
    assert_eq!(percent.body["kind"], "manual");
    assert_eq!(
        percent.body["amount"]["amount"], "37.50",
        "12.5 % of 300.00"
    );
    assert_eq!(percent.body["created_by"], "support-user");
    let fixed = post(
        app,
        Role::Support,
        "/v1/credits",
        json!({"subscription_id": sub, "period": "2026-01", "reason": "gesture", "amount": {"amount": "5.00", "currency": "USD"}}),
    );
    assert_eq!(fixed.body["amount"]["amount"], "5.00", "{}", fixed.text);
    let bad = |body: Value, field: &str| {
        assert_problem(
            &post(app, Role::Support, "/v1/credits", body),
            422,
            Some(field),
        )
    };
    bad(
        json!({"subscription_id": sub, "period": "2026-01", "reason": "x"}),
        "percent",
    );
    bad(
        json!({"subscription_id": sub, "period": "2026-01", "reason": "x", "percent": "1", "amount": {"amount": "1.00", "currency": "USD"}}),
        "percent",
    );
    bad(
        json!({"subscription_id": sub, "period": "2026-01", "reason": "", "percent": "1"}),
        "reason",
    );
    bad(
        json!({"subscription_id": sub, "period": "2026-01", "reason": "x", "amount": {"amount": "1.00", "currency": "EUR"}}),
        "amount.currency",
    );
    bad(
        json!({"subscription_id": sub, "period": "2026-01", "reason": "x", "percent": "101"}),
        "percent",
    );
    bad(
        json!({"subscription_id": 999_999, "period": "2026-01", "reason": "x", "percent": "1"}),
        "subscription_id",
    );
    bad(
        json!({"subscription_id": sub, "period": "2025-12", "reason": "x", "percent": "1"}),
        "period",
    );
    assert_problem(
        &post(
            app,
            Role::Billing,
            "/v1/credits",
            json!({"subscription_id": sub, "period": "2026-01", "reason": "x", "percent": "1"}),
        ),
        403,
        None,
    );
    // Manual credits stand beside the SLA credit; a run leaves them alone.
    let summary = run(app, "2026-01");
    assert_eq!(counts(&summary), [1, 0, 0, 0]);
    assert_eq!(summary["totals"], json!({"USD": "72.50"}));
}

fn racing_runs_never_double(app: &TestApp) {
    worked_example(app);
    for name in ["b", "c", "d"] {
        app.customer(name, Some("na"));
        app.create(
            &format!("/v1/customers/{name}/subscriptions"),
            json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
        );
    }
    // A second instance shares the database, as in production.
    let sibling = app.sibling();
    let target = |i: usize| if i % 2 == 1 { &sibling } else { app };
    // One run of a period runs at a time: a second is refused while the first works.
    let ended: Vec<Option<Value>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                s.spawn(move || {
                    let started = target(i).post(
                        "/v1/credit-runs",
                        Role::Billing,
                        &json!({"period": "2026-01"}),
                    );
                    if started.status == 409 {
                        assert_problem(&started, 409, None);
                        return None;
                    }
                    Some(ended(target(i), &started))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ended: Vec<Value> = ended.into_iter().flatten().collect();
    assert!(!ended.is_empty());
    assert!(ended.iter().all(|r| r["state"] == "succeeded"), "{ended:?}");
    let created: i64 = ended.iter().map(|r| r["created"].as_i64().unwrap()).sum();
    assert_eq!(
        created, 4,
        "the first run creates, the others find them: {ended:?}"
    );
    let current = credits(app, "period=2026-01&kind=sla&status=pending");
    assert_eq!(current.len(), 4, "one current credit per subscription");
    assert_eq!(
        credits(app, "period=2026-01").len(),
        4,
        "nothing superseded, nothing doubled"
    );
}

fn retried_posts_do_not_duplicate(app: &TestApp) {
    worked_example(app);
    let key = [("Idempotency-Key", "run-2026-01")];
    let body = json!({"period": "2026-01"}).to_string();
    let first = app.send(
        "POST",
        "/v1/credit-runs",
        Some(Role::Billing),
        Some(&body),
        &key,
    );
    let second = app.send(
        "POST",
        "/v1/credit-runs",
        Some(Role::Billing),
        Some(&body),
        &key,
    );
    assert_eq!(first.status, 202);
    assert_eq!(second.status, 202);
    assert_eq!(second.header("Idempotent-Replayed"), Some("true"));
    assert_eq!(
        second.body["id"], first.body["id"],
        "the same run, as it stands now"
    );
    assert_eq!(ended(app, &second)["state"], "succeeded");
    assert_eq!(
        app.get("/v1/credit-runs", Role::Viewer).body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let id = credits(app, "")[0]["id"].as_i64().unwrap();
    let sub = credits(app, "")[0]["subscription_id"].as_i64().unwrap();
    let manual =
        json!({"subscription_id": sub, "period": "2026-01", "reason": "r", "percent": "1"})
            .to_string();
    for _ in 0..2 {
        let r = app.send(
            "POST",
            "/v1/credits",
            Some(Role::Support),
            Some(&manual),
            &[("Idempotency-Key", "m-1")],
        );
        assert_eq!(r.status, 201);
        let r = app.send(
            "POST",
            &format!("/v1/credits/{id}/approve"),
            Some(Role::Support),
            Some("{}"),
            &[("Idempotency-Key", "a-1")],
        );
        assert_eq!(
            r.status, 200,
            "a retried approval replays instead of conflicting: {}",
            r.text
        );
    }
    assert_eq!(credits(app, "kind=manual").len(), 1);
}

fn bulk_and_manual_edge_cases(app: &TestApp) {
    worked_example(app);
    run(app, "2026-01");
    let id = credits(app, "period=2026-01")[0]["id"].as_i64().unwrap();
    let twice = post(
        app,
        Role::Support,
        "/v1/credits/approve",
        json!({"ids": [id, id]}),
    );
    assert_problem(&twice, 422, Some("ids[1]"));
    let sub = credits(app, "")[0]["subscription_id"].as_i64().unwrap();
    let zero = json!({"subscription_id": sub, "period": "2026-01", "reason": "x", "percent": "0"});
    assert_problem(
        &post(app, Role::Support, "/v1/credits", zero),
        422,
        Some("percent"),
    );
}

fn corrected_subscription_dates_withdraw_credits(app: &TestApp) {
    worked_example(app);
    app.customer("globex", Some("na"));
    let sub = app.create(
        "/v1/customers/globex/subscriptions",
        json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
    );
    run(app, "2026-01");
    let acme = credits(app, "period=2026-01&customer=acme")[0]["id"]
        .as_i64()
        .unwrap();
    post(
        app,
        Role::Support,
        &format!("/v1/credits/{acme}/approve"),
        json!({}),
    );
    post(
        app,
        Role::Billing,
        &format!("/v1/credits/{acme}/apply"),
        json!({"billing_reference": "inv-7"}),
    );
    // Both subscriptions really started in February.
    let acme_sub = credits(app, "period=2026-01&customer=acme")[0]["subscription_id"]
        .as_i64()
        .unwrap();
    for id in [acme_sub, sub["id"].as_i64().unwrap()] {
        let r = app.patch(
            &format!("/v1/subscriptions/{id}"),
            Role::Admin,
            &json!({"start": "2026-02-01T00:00:00Z"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let summary = run(app, "2026-01");
    assert_eq!(summary["subscriptions_evaluated"], 0);
    assert_eq!(
        counts(&summary),
        [0, 0, 1, 1],
        "globex's pending credit superseded, acme's applied one adjusted"
    );
    assert_eq!(summary["totals"], json!({"USD": "0.00"}));
    let adjustment = credits(app, "period=2026-01&kind=adjustment");
    assert_eq!(adjustment[0]["amount"]["amount"], "-30.00");
    assert_eq!(adjustment[0]["adjusts"], acme);
    assert!(credits(app, "period=2026-01&customer=globex&status=pending").is_empty());
    assert_eq!(
        counts(&run(app, "2026-01")),
        [0, 1, 0, 0],
        "settled: the applied credit and its adjustment stand"
    );
}

crate::both!(
    corrected_subscription_dates_withdraw_credits,
    bulk_and_manual_edge_cases,
    the_whole_month,
    illegal_transitions_are_conflicts,
    voided_credits_are_final,
    unfinished_periods_are_previews,
    bulk_approval_is_all_or_nothing,
    bulk_void_is_all_or_nothing,
    manual_credits,
    racing_runs_never_double,
    retried_posts_do_not_duplicate,
);
