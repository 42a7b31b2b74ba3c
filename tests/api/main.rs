//! Integration tests: each case runs against a real service on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod access;
mod alertmanager;
mod catalog;
mod console;
mod credit_runs;
mod credits;
mod customers;
mod errors;
mod explanations;
mod exposure;
mod fresh_statements;
mod hardening;
mod idempotency;
mod imports;
mod incidents;
mod ingest;
mod logs;
mod metrics;
mod migrations;
mod openapi;
mod openapi_schemas;
mod pagerduty;
mod postgres_tls;
mod python_client;
mod reports;
mod request_ids;
mod simulations;
mod spec_edges;
mod statements;
mod statuspage_webhooks;
