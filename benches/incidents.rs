//! Storage benchmark for incidents (issue: import 100,000 windows well under a minute; list one
//! component's windows for a month in under 50 ms with 1,000,000 windows stored).
//!
//! Runs on SQLite (a temp file) and, when reachable, PostgreSQL (a fresh database, dropped after).
//! `cargo bench --bench incidents` — prints one line per measurement.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

mod backends;
mod statuspage;

use sla_ledger::auth::{Caller, Role};
use sla_ledger::clock::{Clock as _, SystemClock};
use sla_ledger::db::Db;
use sla_ledger::db::incidents::{self, IncidentFields, WindowFilter};
use sla_ledger::domain::incident::{ImpactWindow, IncidentStatus};
use sla_ledger::engine::Severity;
use sla_ledger::import::apply;
use statuspage::{BASE, COMPONENTS, Detail};

const IMPORT_INCIDENTS: usize = 10_000; // × 10 windows = 100,000
const STORED_WINDOWS: usize = 1_000_000;

fn main() {
    backends::on_each_backend("incidents", run);
}

fn run(backend: &str, url: &str) {
    let db = Db::connect(url, 4).expect("connect");
    db.migrate().expect("migrate");
    let caller = Caller::local("bench", Role::Admin);

    let document = statuspage::document(IMPORT_INCIDENTS, Detail::Bare).to_string();
    let started = Instant::now();
    let doc = sla_ledger::import::statuspage::parse(document.as_bytes()).expect("parse");
    let options = apply::Options {
        create_components: true,
        ..apply::Options::default()
    };
    let summary = apply::run(&db, &doc, &options, &caller, SystemClock.now()).expect("import");
    let import_time = started.elapsed();
    assert_eq!(summary.windows_written, IMPORT_INCIDENTS * 10);
    println!(
        "{backend}: import of {} windows ({} MB document): {:.2} s",
        summary.windows_written,
        document.len() / 1_000_000,
        import_time.as_secs_f64()
    );

    let started = Instant::now();
    let again = apply::run(&db, &doc, &options, &caller, SystemClock.now()).expect("re-import");
    assert_eq!(again.windows_written, 0);
    println!(
        "{backend}: re-import of the same document (nothing written): {:.2} s",
        started.elapsed().as_secs_f64()
    );

    fill(&db, STORED_WINDOWS - summary.windows_written);
    let month = (BASE + 400 * 86_400, BASE + 431 * 86_400);
    let mut times: Vec<Duration> = Vec::new();
    let mut found = 0;
    for round in 0..50 {
        let component = format!("c{:03}", (round * 7) % COMPONENTS);
        let filter = WindowFilter {
            components: Some(vec![component]),
            from: Some(month.0),
            to: Some(month.1),
            ..WindowFilter::default()
        };
        let started = Instant::now();
        let mut conn = db.conn().expect("conn");
        found = incidents::overlapping(&mut conn, &filter)
            .expect("query")
            .len();
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "{backend}: one component's windows for a month, {STORED_WINDOWS} stored ({found} found): median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(times[25]),
        ms(times[47]),
        ms(times[49])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Writes synthetic incidents until `count` more windows are stored, spread over two years.
fn fill(db: &Db, count: usize) {
    let mut written = 0;
    let mut seed: u64 = 42;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    while written < count {
        let batch = (count - written).min(50_000);
        db.transaction(|conn| -> Result<(), sla_ledger::db::DbError> {
            let fields = IncidentFields {
                title: "synthetic",
                status: IncidentStatus::Resolved,
                external_id: None,
                created_at: BASE,
                updated_at: BASE,
            };
            let id = incidents::insert_incident(conn, &fields)?;
            let windows: Vec<ImpactWindow> = (0..batch)
                .map(|_| {
                    let start = BASE + (next() % (730 * 86_400)) as i64;
                    ImpactWindow {
                        component: format!("c{:03}", next() as usize % COMPONENTS),
                        severity: Severity::PartialOutage,
                        start,
                        end: Some(start + 60 + (next() % 7200) as i64),
                        regions: vec![],
                        customers: vec![],
                    }
                })
                .collect();
            incidents::insert_windows(conn, id, &windows)?;
            Ok(())
        })
        .expect("fill");
        written += batch;
    }
}
