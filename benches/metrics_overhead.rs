//! What the metrics cost: throughput of a GET-heavy load with `/metrics` served and without.
//!
//! The release binary serves a SQLite file with one HTTP worker (`SLA_WORKERS=1`), and three
//! keep-alive clients read one component as fast as they can. Each round runs the load for a
//! few seconds against a fresh process, metrics off and on in turn; a scraper reads `/metrics`
//! every second while they are on, as Prometheus would. Two figures per round: throughput, and
//! the server's CPU time per request (user + system, from `/proc/PID/stat`), which the
//! machine's noise (a shared 2-core VM) disturbs far less; the medians are compared.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sla_ledger::auth::{Keys, Role};

const SECRET: &str = "bench-secret";
const CLIENTS: usize = 3;
const ROUNDS: usize = 7;
const LOAD: Duration = Duration::from_secs(4);

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn serve(database: &str, metrics_port: Option<u16>) -> (Server, u16) {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_sla-ledger"));
    command
        .arg("serve")
        .env("SLA_DATABASE_URL", database)
        .env("SLA_BIND", format!("127.0.0.1:{port}"))
        .env("SLA_JWT_SECRET", SECRET)
        .env("SLA_WORKERS", "1")
        .env("SLA_LOG", "warn");
    if let Some(metrics) = metrics_port {
        command.env("SLA_METRICS_BIND", format!("127.0.0.1:{metrics}"));
    }
    let server = Server(command.spawn().expect("start sla-ledger"));
    wait_for(port);
    (server, port)
}

/// The CPU time a process has used, in clock ticks (100 a second).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces): utime and stime are 14th and 15th.
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

struct Round {
    per_second: f64,
    cpu_micros_per_request: f64,
}

/// `CLIENTS` keep-alive clients reading one component for `LOAD`.
fn load(server: &Server, port: u16, token: &str) -> Round {
    let ticks = cpu_ticks(server.0.id());
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (done, stop, token) = (done.clone(), stop.clone(), token.to_owned());
            std::thread::spawn(move || {
                let agent = ureq::Agent::new_with_defaults();
                let url = format!("http://127.0.0.1:{port}/v1/components/api");
                while !stop.load(Ordering::Relaxed) {
                    let r = agent
                        .get(&url)
                        .header("Authorization", format!("Bearer {token}"))
                        .call()
                        .expect("GET");
                    assert_eq!(r.status(), 200);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let started = Instant::now();
    std::thread::sleep(LOAD);
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    for client in clients {
        client.join().unwrap();
    }
    let requests = done.load(Ordering::Relaxed) as f64;
    let cpu_seconds = (cpu_ticks(server.0.id()) - ticks) as f64 / 100.0;
    Round {
        per_second: requests / elapsed,
        cpu_micros_per_request: cpu_seconds * 1e6 / requests,
    }
}

/// Reads `/metrics` every second until stopped, as a scraper does.
fn scraper(port: u16, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let url = format!("http://127.0.0.1:{port}/metrics");
        while !stop.load(Ordering::Relaxed) {
            let text = ureq::get(&url)
                .call()
                .expect("scrape")
                .into_body()
                .read_to_string();
            assert!(text.expect("metrics").contains("sla_http_requests"));
            std::thread::sleep(Duration::from_secs(1));
        }
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("bench.db").to_string_lossy().into_owned();
    let token = Keys::new(Some(SECRET), None, None, None)
        .unwrap()
        .mint("bench", Role::Admin, 3600)
        .unwrap();
    {
        let (_server, port) = serve(&database, None);
        let r = ureq::post(format!("http://127.0.0.1:{port}/v1/components"))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(r#"{"key": "api", "name": "API"}"#)
            .expect("create a component");
        assert_eq!(r.status(), 201);
    }
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let (server, port) = serve(&database, None);
        load(&server, port, &token); // warm-up
        off.push(load(&server, port, &token));
        drop(server);

        let metrics_port = free_port();
        let (server, port) = serve(&database, Some(metrics_port));
        let stop = Arc::new(AtomicBool::new(false));
        let scraping = scraper(metrics_port, stop.clone());
        load(&server, port, &token); // warm-up
        on.push(load(&server, port, &token));
        stop.store(true, Ordering::Relaxed);
        scraping.join().unwrap();
        drop(server);
        let (a, b) = (&off[round - 1], &on[round - 1]);
        println!(
            "round {round}: metrics off {:.0} req/s, {:.1} µs CPU/request; on {:.0} req/s, {:.1} µs CPU/request",
            a.per_second, a.cpu_micros_per_request, b.per_second, b.cpu_micros_per_request
        );
    }
    let throughput = |rounds: &[Round]| median(rounds.iter().map(|r| r.per_second).collect());
    let cpu = |rounds: &[Round]| median(rounds.iter().map(|r| r.cpu_micros_per_request).collect());
    println!(
        "median throughput: off {:.0} req/s, on {:.0} req/s ({:+.1} %)",
        throughput(&off),
        throughput(&on),
        (throughput(&on) / throughput(&off) - 1.0) * 100.0
    );
    println!(
        "median server CPU per request: off {:.1} µs, on {:.1} µs ({:+.1} %)",
        cpu(&off),
        cpu(&on),
        (cpu(&on) / cpu(&off) - 1.0) * 100.0
    );
    // What the service does per request when metrics are on, timed alone: far below the noise
    // of the rounds above, and the figure the target is held to.
    let db = sla_ledger::db::Db::connect(&database, 1).unwrap();
    let metrics = sla_ledger::metrics::Metrics::new(&db);
    const CALLS: u32 = 1_000_000;
    let started = Instant::now();
    for i in 0..CALLS {
        let in_flight = metrics.started();
        let route = if i % 2 == 0 {
            "/v1/components/{key}"
        } else {
            "/v1/credits/{id}"
        };
        metrics.answered(
            "GET",
            Some(route),
            200,
            Duration::from_micros(u64::from(i % 5000)),
        );
        drop(in_flight);
    }
    let per_request = started.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS);
    println!(
        "recording one request's metrics: {per_request:.2} µs = {:.2} % of the {:.1} µs of CPU a request takes (target < 2 %)",
        per_request / cpu(&off) * 100.0,
        cpu(&off)
    );
}
