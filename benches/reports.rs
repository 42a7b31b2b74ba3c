//! Streaming exports (issue: 1,000,000 statement rows go out with the first bytes in under a
//! second and memory flat, under 100 MB more than idle).
//!
//! `cargo bench --bench reports`: seeds 1,000,000 subscriptions and 20,000 windows on SQLite (a temp
//! file) and, when reachable, PostgreSQL; starts the real `sla-ledger serve`, downloads
//! `statements.csv` over HTTP while sampling the server's resident memory, and prints the figures.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod backends;
mod seed;

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sla_ledger::auth::Role;
use sla_ledger::db::Db;

const SUBSCRIPTIONS: usize = 1_000_000;
const WINDOWS: usize = 20_000;

fn main() {
    backends::on_each_backend("reports", |backend, url| {
        bench(
            backend,
            url,
            if backend == "sqlite" { 18_181 } else { 18_182 },
        );
    });
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn bench(backend: &str, url: &str, port: u16) {
    let db = Db::connect(url, 2).expect("connect");
    db.migrate().expect("migrate");
    let started = Instant::now();
    seed::seed(&db, SUBSCRIPTIONS, WINDOWS);
    println!(
        "{backend}: seeded {SUBSCRIPTIONS} subscriptions and {WINDOWS} windows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(db);

    let server = backends::serve(url, port);
    let pid = server.pid();
    let token = backends::token(Role::Billing);
    // Warm up with a small report, then take the idle figure.
    download(port, &token, "/v1/reports/uptime.csv?period=2026-01");
    std::thread::sleep(Duration::from_millis(200));
    let idle = rss_kb(pid);

    let peak = Arc::new(AtomicU64::new(idle));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, running) = (Arc::clone(&peak), Arc::clone(&running));
        std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let result = download(port, &token, "/v1/reports/statements.csv?period=2026-01");
    running.store(false, Ordering::Relaxed);
    sampler.join().unwrap();
    let peak = peak.load(Ordering::Relaxed);
    assert_eq!(result.rows, SUBSCRIPTIONS, "every subscription has a row");
    println!(
        "{backend}: statements.csv, {} rows, {} MB: first row after {:.0} ms, all after {:.1} s; server memory idle {} MB, peak {} MB (+{} MB)",
        result.rows,
        result.bytes / 1_000_000,
        result.first_row.as_secs_f64() * 1000.0,
        result.total.as_secs_f64(),
        idle / 1024,
        peak / 1024,
        peak.saturating_sub(idle) / 1024
    );
}

struct Download {
    first_row: Duration,
    total: Duration,
    rows: usize,
    bytes: usize,
}

/// Downloads a report, reading the body as it arrives: notes when the first data row came and
/// counts the rows.
fn download(port: u16, token: &str, path: &str) -> Download {
    let started = Instant::now();
    let response = ureq::get(format!("http://127.0.0.1:{port}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("download");
    let mut reader = response
        .into_body()
        .into_with_config()
        .limit(u64::MAX)
        .reader();
    let mut buffer = vec![0; 256 * 1024];
    let (mut lines, mut bytes, mut first_row) = (0usize, 0usize, None);
    loop {
        let n = reader.read(&mut buffer).expect("read");
        if n == 0 {
            break;
        }
        bytes += n;
        lines += buffer[..n].iter().filter(|b| **b == b'\n').count();
        // Line 1 is the CSV header; a second line means a data row is here.
        if first_row.is_none() && lines >= 2 {
            first_row = Some(started.elapsed());
        }
    }
    let total = started.elapsed();
    Download {
        first_row: first_row.unwrap_or(total),
        total,
        rows: lines.saturating_sub(1),
        bytes,
    }
}
