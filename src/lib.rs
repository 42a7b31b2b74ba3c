//! sla-ledger: incident windows in, SLA uptime and account credits out.

pub mod api;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod db;
pub mod domain;
pub mod engine;
pub mod export;
pub mod import;
pub mod ingest;
pub mod ledger;
pub mod metrics;
pub mod startup;
pub mod telemetry;
