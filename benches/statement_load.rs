//! One customer's statement under load (issue 12: on the 100,000-subscription month, PostgreSQL,
//! 16 clients: p50 ≤ 5 ms, p99 ≤ 20 ms, ≥ 1,000 statements/s).
//!
//! `cargo bench --bench statement_load`: seeds 100,000 subscriptions and 20,000 windows (the
//! credit-run month) on PostgreSQL and SQLite, starts the real `sla-ledger serve`, and drives
//! `GET /v1/customers/{id}/statement?period=2026-01` for random customers with `wrk` (Debian's
//! package; `make bench` installs it): 16 connections on 2 threads, a 5 s warm-up, then 20 s
//! measured, on freshly analyzed tables. Prints wrk's latency distribution and throughput.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod backends;
mod seed;

use std::process::Command;
use std::time::Instant;

use sla_ledger::auth::Role;

const SUBSCRIPTIONS: usize = 100_000;
const WINDOWS: usize = 20_000;

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("statement_load: skipped (wrk is not installed; `make bench` installs it)");
        return;
    }
    backends::on_each_backend("statement_load", |backend, url| {
        bench(
            backend,
            url,
            if backend == "sqlite" { 18_191 } else { 18_192 },
        );
    });
}

fn bench(backend: &str, url: &str, port: u16) {
    seed::analyzed_month(url, SUBSCRIPTIONS, WINDOWS);
    let _server = backends::serve(url, port);
    let token = backends::token(Role::Viewer);
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("statement.lua");
    std::fs::write(
        &script,
        format!(
            r#"math.randomseed(12)
request = function()
  local path = string.format("/v1/customers/cus%06d/statement?period=2026-01", math.random(0, {last}))
  return wrk.format("GET", path, {{["Authorization"] = "Bearer {token}"}})
end
"#,
            last = SUBSCRIPTIONS - 1
        ),
    )
    .expect("script");

    // The first statement of a plan reads its month; later ones share it.
    let started = Instant::now();
    let cold = ureq::get(format!(
        "http://127.0.0.1:{port}/v1/customers/cus000000/statement?period=2026-01"
    ))
    .header("Authorization", format!("Bearer {token}"))
    .call()
    .expect("first statement");
    assert_eq!(cold.status(), 200);
    println!(
        "{backend}: first statement of a plan (reads its month): {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    wrk(&script, port, "5s");
    let out = wrk(&script, port, "20s");
    assert!(
        !out.contains("Non-2xx"),
        "every answer must be a 200:\n{out}"
    );
    // The first line with `part` in it; a percentile's line starts with it ("50%" also ends the
    // thread stats' "75.50%").
    let line = |part: &str| {
        out.lines()
            .find(|l| {
                let l = l.trim_start();
                if part.ends_with('%') {
                    l.starts_with(part)
                } else {
                    l.contains(part)
                }
            })
            .map_or("?".to_owned(), |l| {
                l.split_whitespace().collect::<Vec<_>>().join(" ")
            })
    };
    println!(
        "{backend}: 16 clients, 20 s: {} | {} | {} | {} | {}",
        line("50%"),
        line("90%"),
        line("99%"),
        line("Requests/sec"),
        line("requests in")
    );
}

fn wrk(script: &std::path::Path, port: u16, duration: &str) -> String {
    let out = Command::new("wrk")
        .args(["-t2", "-c16", "-d", duration, "--latency", "-s"])
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}"))
        .output()
        .expect("run wrk");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
