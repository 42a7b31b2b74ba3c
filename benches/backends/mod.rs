//! Where a storage benchmark runs: SQLite in a temp file, then PostgreSQL in a fresh database.

#![allow(clippy::expect_used, dead_code)]

use diesel::prelude::*;

/// Runs `bench(backend, url)` on SQLite (a temp file) and, when reachable, on PostgreSQL (a fresh
/// database from `SLA_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432`, dropped
/// after).
pub fn on_each_backend(name: &str, mut bench: impl FnMut(&'static str, &str)) {
    use diesel::connection::SimpleConnection;
    let postgres = std::env::var("SLA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let dir = tempfile::tempdir().expect("temp dir");
    bench("sqlite", &dir.path().join("bench.db").to_string_lossy());
    // Before libpq's first TLS connection (see `prepare_tls`).
    sla_ledger::db::prepare_tls();
    match PgConnection::establish(&format!("{postgres}/postgres")) {
        Ok(mut admin) => {
            let db = format!("sla_bench_{name}_{}", std::process::id());
            admin
                .batch_execute(&format!("CREATE DATABASE {db}"))
                .expect("create database");
            bench("postgres", &format!("{postgres}/{db}"));
            admin
                .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
                .expect("drop database");
        }
        Err(e) => {
            println!("################################################################");
            println!("# postgres: SKIPPED, not reachable at {postgres} ({e})");
            println!("################################################################");
        }
    }
}

/// `sla-ledger serve` (the release build) on `url` at `127.0.0.1:port`, stopped when dropped.
pub struct Server(std::process::Child);

impl Server {
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub const SECRET: &str = "bench-secret";

/// Starts the service and waits until it accepts connections.
pub fn serve(url: &str, port: u16) -> Server {
    use std::time::{Duration, Instant};
    let server = Server(
        std::process::Command::new(env!("CARGO_BIN_EXE_sla-ledger"))
            .arg("serve")
            .env("SLA_DATABASE_URL", url)
            .env("SLA_BIND", format!("127.0.0.1:{port}"))
            .env("SLA_JWT_SECRET", SECRET)
            .env("SLA_LOG", "warn")
            .spawn()
            .expect("start sla-ledger"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// A token the started service accepts.
pub fn token(role: sla_ledger::auth::Role) -> String {
    sla_ledger::auth::Keys::new(Some(SECRET), None, None, None)
        .expect("keys")
        .mint("bench", role, 3600)
        .expect("token")
}
