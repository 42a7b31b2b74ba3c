//! Month-end at a million subscriptions (issue 12): 1,000,000 subscriptions on 50 plan versions,
//! 500 components, 100,000 windows in January 2026 (15 % region-scoped, 2 % customer-scoped),
//! seeded in multi-row statements of 2,000 rows. Targets: dry run ≤ 10 s and ≤ 1 GB; a run writing
//! the credits ≤ 30 s and ≤ 1 GB; a re-run with nothing changed ≤ 10 s; `statements.csv` ≤ 30 s
//! with its first row in under a second and memory flat.
//!
//! `cargo bench --bench month_end` (SQLite in a temp file, then PostgreSQL when reachable). Each
//! step runs in a child process (this binary again) whose peak resident memory (`VmHWM`) is read
//! at its end, so every figure is that step's alone. The report is written by the same function
//! the HTTP route streams (`export::reports::statements`) into a sink that counts rows.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod backends;
mod seed;

use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use sla_ledger::auth::{Caller, Role};
use sla_ledger::clock::Clock as _;
use sla_ledger::db::Db;
use sla_ledger::engine::Period;
use sla_ledger::export::Format;

const SUBSCRIPTIONS: usize = 1_000_000;
const WINDOWS: usize = 100_000;
const SHAPE: seed::Shape = seed::Shape {
    components: 500,
    plans: 50,
    region_percent: 15,
    customer_percent: 2,
};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1], &args[i + 2]);
        return;
    }
    // Seeds the month into the database at the URL and stops (to time or profile one step with
    // `--child STEP URL` again and again).
    if let Some(i) = args.iter().position(|a| a == "--seed") {
        let db = Db::connect(&args[i + 1], 2).expect("connect");
        db.migrate().expect("migrate");
        seed::seed_shaped(&db, SUBSCRIPTIONS, WINDOWS, SHAPE);
        return;
    }
    backends::on_each_backend("month_end", |backend, url| {
        let db = Db::connect(url, 2).expect("connect");
        db.migrate().expect("migrate");
        let started = Instant::now();
        seed::seed_shaped(&db, SUBSCRIPTIONS, WINDOWS, SHAPE);
        println!(
            "{backend}: seeded {SUBSCRIPTIONS} subscriptions and {WINDOWS} windows in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        drop(db);
        for step in ["dry-run", "run", "re-run", "statements.csv"] {
            let out = Command::new(std::env::current_exe().expect("exe"))
                .args(["--child", step, url])
                .output()
                .expect("child");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            println!(
                "{backend}: {step}: {}",
                String::from_utf8_lossy(&out.stdout).trim()
            );
        }
    });
}

fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or("VmHWM: ?")
        .replace("VmHWM:", "")
        .trim()
        .to_owned()
}

fn child(step: &str, url: &str) {
    // The service's default pool: a run takes one connection to write, one to read ahead and (on
    // PostgreSQL) one to show progress.
    let db = Db::connect(url, 10).expect("connect");
    let period = Period::parse("2026-01").expect("period");
    let now = sla_ledger::clock::SystemClock.now();
    let started = Instant::now();
    if step == "statements.csv" {
        let mut sink = Rows {
            started,
            first: None,
            rows: 0,
        };
        sla_ledger::export::reports::statements(&db, period, now, Format::Csv, &mut sink)
            .expect("report");
        println!(
            "{:.2} s, {} rows, first row after {:.0} ms, peak memory {}",
            started.elapsed().as_secs_f64(),
            sink.rows.saturating_sub(1),
            sink.first.unwrap_or_default().as_secs_f64() * 1000.0,
            peak_memory()
        );
        return;
    }
    let caller = Caller::local("bench", Role::Billing);
    let summary = if step == "dry-run" {
        let mut conn = db.conn().expect("connection");
        sla_ledger::ledger::run::preview(&mut conn, period, now, &caller, Some(&db))
            .expect("dry run")
    } else {
        let clock = sla_ledger::clock::SystemClock;
        sla_ledger::ledger::jobs::run_here(&db, &clock, period, &caller).expect("run")
    };
    println!(
        "{:.2} s, {} evaluated, {} created, {} unchanged, totals {:?}, peak memory {}",
        started.elapsed().as_secs_f64(),
        summary.subscriptions_evaluated,
        summary.created,
        summary.unchanged,
        summary.totals,
        peak_memory()
    );
}

/// Counts lines as they arrive and notes when the first data row (line 2) came.
struct Rows {
    started: Instant,
    first: Option<Duration>,
    rows: usize,
}

impl Write for Rows {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.rows += buf.iter().filter(|b| **b == b'\n').count();
        if self.first.is_none() && self.rows >= 2 {
            self.first = Some(self.started.elapsed());
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
