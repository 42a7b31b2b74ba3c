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
