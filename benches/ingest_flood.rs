//! A flood of Alertmanager deliveries (issue 15: 10,000 notifications in a minute, absorbed with
//! bounded work per request and bounded memory, 429 + Retry-After only past the limit).
//!
//! `cargo bench --bench ingest_flood`: starts the real `sla-ledger serve` (release build) on
//! SQLite and PostgreSQL with the default `SLA_INGEST_CONCURRENCY`, and 32 senders post 10,000
//! deliveries of one alert each: 2,000 alerts (1,000 groups of two), each delivered firing
//! twice (a retry), then resolved twice, and once more firing late (a reordered redelivery).
//! A sender answered 429 waits `Retry-After` and sends again, as a retrying sender does. Prints the
//! time to absorb them all, the 429s, the server's peak memory, and checks that every alert
//! left exactly one closed window.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod backends;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use sla_ledger::auth::Role;
use sla_ledger::db::Db;

const ALERTS: usize = 2_000;
const SENDERS: usize = 32;

fn main() {
    backends::on_each_backend("ingest_flood", |backend, url| {
        bench(
            backend,
            url,
            if backend == "sqlite" { 18_195 } else { 18_196 },
        );
    });
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn bench(backend: &str, url: &str, port: u16) {
    Db::connect(url, 2)
        .expect("connect")
        .migrate()
        .expect("migrate");
    let server = backends::serve(url, port);
    let base = format!("http://127.0.0.1:{port}");
    let admin = backends::token(Role::Admin);
    let post = |path: &str, token: &str, body: &serde_json::Value| {
        ureq::post(format!("{base}{path}"))
            .header("Authorization", format!("Bearer {token}"))
            .config()
            .http_status_as_error(false)
            .build()
            .send_json(body)
            .expect("request")
    };
    let r = post(
        "/v1/components",
        &admin,
        &json!({"key": "api", "name": "API"}),
    );
    assert_eq!(r.status(), 201);
    let rule = json!({"source": "alertmanager", "component": "api", "severity_label": "severity",
        "severities": {"critical": "major_outage"}});
    assert_eq!(post("/v1/ingest/rules", &admin, &rule).status(), 201);

    let now = chrono::Utc::now().timestamp();
    let at = |t: i64| sla_ledger::domain::format_instant(t);
    let delivery = |i: usize, status: &str| {
        let start = now - 3_600 + (i as i64 % 1_800);
        json!({"version": "4", "groupKey": format!("{{}}:{{alertname=\"A{}\"}}", i / 2),
            "status": status, "receiver": "sla-ledger", "commonAnnotations": {"summary": "flood"},
            "alerts": [{"status": status, "labels": {"alertname": format!("A{}", i / 2),
                "instance": format!("i{i}"), "severity": "critical"},
                "startsAt": at(start), "endsAt": if status == "resolved" { at(start + 60) } else { "0001-01-01T00:00:00Z".into() },
                "fingerprint": format!("{i:016x}")}]})
    };
    // Firing twice, resolved twice, firing once more late: 5 per alert.
    let mut work: Vec<serde_json::Value> = Vec::with_capacity(ALERTS * 5);
    for round in ["firing", "firing", "resolved", "resolved", "firing"] {
        work.extend((0..ALERTS).map(|i| delivery(i, round)));
    }
    let total = work.len();
    let work = Arc::new(work);
    let next = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let reporter = backends::token(Role::Reporter);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..SENDERS {
            let (work, next, refused, reporter, base) = (
                Arc::clone(&work),
                Arc::clone(&next),
                Arc::clone(&refused),
                reporter.clone(),
                base.clone(),
            );
            s.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                loop {
                    // Rounds go in order: a round starts once the one before was taken.
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= work.len() {
                        break;
                    }
                    loop {
                        let r = agent
                            .post(format!("{base}/v1/ingest/alertmanager"))
                            .header("Authorization", format!("Bearer {reporter}"))
                            .send_json(&work[i])
                            .expect("delivery");
                        match r.status().as_u16() {
                            200 => break,
                            429 => {
                                refused.fetch_add(1, Ordering::Relaxed);
                                let wait = r
                                    .headers()
                                    .get("retry-after")
                                    .and_then(|v| v.to_str().ok())
                                    .and_then(|v| v.parse().ok())
                                    .unwrap_or(1);
                                std::thread::sleep(Duration::from_secs(wait));
                            }
                            other => panic!("delivery {i}: {other}"),
                        }
                    }
                }
            });
        }
    });
    let took = started.elapsed();
    let peak = rss_kb(server.pid()) / 1024;
    // Every alert: exactly one window, closed.
    let viewer = backends::token(Role::Viewer);
    let mut windows = 0;
    let mut open = 0;
    let mut after = 0i64;
    loop {
        let mut r = ureq::get(format!("{base}/v1/incidents?limit=500&after={after}"))
            .header("Authorization", format!("Bearer {viewer}"))
            .call()
            .expect("incidents");
        let page: serde_json::Value = r.body_mut().read_json().expect("json");
        let items = page["items"].as_array().expect("items");
        for incident in items {
            after = incident["id"].as_i64().expect("id");
            let ws = incident["windows"].as_array().map_or(0, Vec::len);
            windows += ws;
            open += incident["windows"]
                .as_array()
                .map_or(0, |w| w.iter().filter(|w| w["end"].is_null()).count());
        }
        if page["next_cursor"].is_null() {
            break;
        }
    }
    println!(
        "{backend}: {total} deliveries ({ALERTS} alerts) from {SENDERS} senders in {:.1} s ({:.0}/min), {} answered 429, server peak {peak} MB; {windows} windows, {open} open",
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64() * 60.0,
        refused.load(Ordering::Relaxed)
    );
    assert_eq!(
        (windows, open),
        (ALERTS, 0),
        "exactly one closed window per alert"
    );
}
