//! What the metrics cost: throughput of a GET-heavy load with `/metrics` served and without.
//!
//! The release binary serves a SQLite file with one HTTP worker (`SLA_WORKERS=1`), so the
//! service keeps one core and four keep-alive clients the other. Each round runs the load for a
//! few seconds against a fresh process, metrics off and on in turn, and the medians are
//! compared; a scraper reads `/metrics` every second while they are on, as Prometheus would.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sla_ledger::auth::{Keys, Role};

const SECRET: &str = "bench-secret";
const CLIENTS: usize = 4;
const ROUNDS: usize = 5;
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

/// Requests per second of `CLIENTS` keep-alive clients reading one component for `LOAD`.
fn load(port: u16, token: &str) -> f64 {
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
    done.load(Ordering::Relaxed) as f64 / elapsed
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
            assert!(text.expect("metrics").contains("sla_http_requests_total"));
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
        load(port, &token); // warm-up
        off.push(load(port, &token));
        drop(server);

        let metrics_port = free_port();
        let (server, port) = serve(&database, Some(metrics_port));
        let stop = Arc::new(AtomicBool::new(false));
        let scraping = scraper(metrics_port, stop.clone());
        load(port, &token); // warm-up
        on.push(load(port, &token));
        stop.store(true, Ordering::Relaxed);
        scraping.join().unwrap();
        drop(server);
        println!(
            "round {round}: metrics off {:.0} req/s, on {:.0} req/s",
            off[round - 1],
            on[round - 1]
        );
    }
    let (off, on) = (median(off), median(on));
    println!(
        "median: metrics off {off:.0} req/s, on {on:.0} req/s: metrics cost {:.1} % of throughput (target < 2 %)",
        (1.0 - on / off) * 100.0
    );
}
