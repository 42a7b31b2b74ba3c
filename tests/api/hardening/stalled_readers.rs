//! Clients that start a large report and stop reading hold no database connection: the service
//! keeps answering with the pool (4 connections here) far smaller than the stalled downloads.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use sla_ledger::auth::Role;
use socket2::{Domain, Socket, Type};

use crate::helpers::TestApp;

pub(super) const ROWS: i64 = 100_000;
const STALLED: usize = 20;

/// One SLA credit from a run, then manual credits copied from it until the period has `ROWS`.
pub(super) fn seed_credits(app: &TestApp) {
    crate::statements::worked_example(app);
    crate::credits::run(app, "2026-01");
    let mut conn = app.db.conn().unwrap();
    conn.batch_execute(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {})
         INSERT INTO credits (kind, status, subscription_id, customer_id, period, amount_minor,
             currency, plan_key, plan_version, sla_target_percent, reason, created_at, created_by)
         SELECT 'manual', 'pending', subscription_id, customer_id, period, amount_minor, currency,
             plan_key, plan_version, sla_target_percent, 'goodwill', created_at, created_by
         FROM credits, n",
        ROWS - 1
    ))
    .unwrap();
}

/// Starts the credits report and reads only its first bytes, then stops reading. A small receive
/// buffer (as a slow mobile client has) makes the server's writes push back soon.
fn stall(app: &TestApp) -> TcpStream {
    let address: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(16 * 1024).unwrap();
    socket.connect(&address.into()).unwrap();
    let mut stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!(
        "GET /v1/reports/credits.csv?period=2026-01 HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {}\r\n\r\n",
        app.token(Role::Billing)
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut first = [0; 4096];
    let n = stream.read(&mut first).unwrap();
    let head = String::from_utf8_lossy(&first[..n]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    stream
}

fn stalled_downloads_hold_no_connection(app: &TestApp) {
    seed_credits(app);
    let stalled: Vec<TcpStream> = (0..STALLED).map(|_| stall(app)).collect();
    // The reports are written until the stalled sockets' buffers are full, several pages each,
    // and while they are, the pool is busy; then nothing holds a connection. (Before, each
    // stalled download held one for good, and the service never answered again.)
    let paths = ["/readyz", "/v1/components", "/v1/credits?limit=5"];
    for path in paths {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let r = app.get(path, Role::Viewer);
            if r.status == 200 {
                break;
            }
            assert_eq!(r.status, 503, "{}", r.text);
            assert!(
                Instant::now() < deadline,
                "{path}: the stalled downloads pin the pool"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    // The figure for BENCHMARKS.md: the slowest of ten answers per route, all still stalled.
    // Printed, not asserted: on a loaded machine some producers may still be filling their
    // sockets, and the pool be busy for a moment (a 503), which is not a pinned pool.
    for path in paths {
        let answers: Vec<(u16, Duration)> = (0..10)
            .map(|_| {
                let started = Instant::now();
                (app.get(path, Role::Viewer).status, started.elapsed())
            })
            .collect();
        let slowest = answers.iter().map(|(_, took)| *took).max().unwrap();
        let ok = answers.iter().filter(|(status, _)| *status == 200).count();
        eprintln!(
            "{:?} {path}: {ok} of 10 answered 200, the slowest in {slowest:?}, beside {STALLED} stalled downloads",
            app.backend
        );
    }
    drop(stalled);
    // A whole report still arrives in full.
    let r = app.get("/v1/reports/credits.csv?period=2026-01", Role::Billing);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.text.lines().count() as i64,
        ROWS + 1,
        "{}",
        &r.text[r.text.len() - 300..]
    );
}

crate::both!(stalled_downloads_hold_no_connection);
