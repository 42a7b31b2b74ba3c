//! Exposure fast enough to poll (issue 13: 100,000 subscriptions in under 1 s).
//!
//! `cargo bench --bench exposure`: seeds the credit-run month (100,000 subscriptions on 20 plan
//! versions covering all 200 components, 20,000 windows in January 2026) on SQLite and
//! PostgreSQL, starts the real `sla-ledger serve` (release build), and times
//! `GET /v1/exposure?period=2026-01` (every subscription evaluated, sorted, the first page
//! answered) and `GET /v1/incidents/{id}/exposure?period=2026-01` (the month evaluated twice):
//! one warm-up, then five of each. Prints the fastest, the median and the slowest.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod backends;
mod seed;

use std::time::Instant;

use sla_ledger::auth::Role;

const SUBSCRIPTIONS: usize = 100_000;
const WINDOWS: usize = 20_000;

fn main() {
    backends::on_each_backend("exposure", |backend, url| {
        bench(
            backend,
            url,
            if backend == "sqlite" { 18_193 } else { 18_194 },
        );
    });
}

fn bench(backend: &str, url: &str, port: u16) {
    seed::analyzed_month(url, SUBSCRIPTIONS, WINDOWS);
    let _server = backends::serve(url, port);
    let token = backends::token(Role::Viewer);
    let get = |path: &str| {
        let started = Instant::now();
        let mut answer = ureq::get(format!("http://127.0.0.1:{port}{path}"))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .expect("exposure");
        let body: serde_json::Value = answer.body_mut().read_json().expect("json");
        (started.elapsed().as_secs_f64() * 1000.0, body)
    };
    let (_, first) = get("/v1/exposure?period=2026-01");
    let listed = first["totals"][0]["subscriptions"]
        .as_u64()
        .expect("totals");
    assert!(listed > 90_000, "most subscriptions are impacted: {first}");
    let incident = get("/v1/incidents?limit=1").1["items"][0]["id"].clone();
    for (name, path) in [
        ("exposure", "/v1/exposure?period=2026-01".to_owned()),
        (
            "incident exposure",
            format!("/v1/incidents/{incident}/exposure?period=2026-01"),
        ),
    ] {
        get(&path);
        let mut took: Vec<f64> = (0..5).map(|_| get(&path).0).collect();
        took.sort_by(f64::total_cmp);
        println!(
            "{backend}: {name} of {listed} subscriptions: {:.0} / {:.0} / {:.0} ms (fastest / median / slowest of 5)",
            took[0], took[2], took[4]
        );
    }
}
