//! A credit run over 100,000 subscriptions and 20,000 windows (issue: write its credits in under
//! 10 s on SQLite and PostgreSQL, using under 500 MB; an immediate re-run writes nothing and takes
//! under 5 s). Runs on SQLite (a temp file) and, when reachable, PostgreSQL (a fresh database).
//!
//! `cargo bench --bench credit_run`. The data is seeded by this process; each run happens in a
//! child process (this binary again) so its peak memory is measured alone.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;
use std::time::Instant;

mod backends;
mod seed;

use sla_ledger::auth::{Caller, Role};
use sla_ledger::db::Db;
use sla_ledger::engine::Period;

const SUBSCRIPTIONS: usize = 100_000;
const WINDOWS: usize = 20_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child-run") {
        child_run(&args[i + 1]);
        return;
    }
    backends::on_each_backend("run", bench);
}

fn bench(backend: &str, url: &str) {
    let db = Db::connect(url, 2).expect("connect");
    db.migrate().expect("migrate");
    let started = Instant::now();
    seed::seed(&db, SUBSCRIPTIONS, WINDOWS);
    println!(
        "{backend}: seeded {SUBSCRIPTIONS} subscriptions and {WINDOWS} windows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for label in ["first run", "immediate re-run"] {
        let out = Command::new(std::env::current_exe().expect("exe"))
            .args(["--child-run", url])
            .output()
            .expect("child");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "{backend}: {label}: {}",
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
}

/// One run, then its time, what it wrote, and this process's peak resident memory.
fn child_run(url: &str) {
    // The service's default pool: a run takes one connection to write, one to read ahead and (on
    // PostgreSQL) one to show progress.
    let db = Db::connect(url, 10).expect("connect");
    let caller = Caller::local("bench", Role::Billing);
    let period = Period::parse("2026-01").expect("period");
    let started = Instant::now();
    let clock = sla_ledger::clock::SystemClock;
    let summary = sla_ledger::ledger::jobs::run_here(&db, &clock, period, &caller).expect("run");
    let seconds = started.elapsed().as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or("VmHWM: ?")
        .replace("VmHWM:", "")
        .trim()
        .to_owned();
    println!(
        "{seconds:.2} s, {} evaluated, {} created, {} unchanged, totals {:?}, peak memory {peak}",
        summary.subscriptions_evaluated, summary.created, summary.unchanged, summary.totals
    );
}
