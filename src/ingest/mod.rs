//! Incidents that arrive by themselves: notifications from monitoring, turned into impact
//! windows by rules, each notification once (docs/ingest.md).

pub mod alertmanager;
pub mod rules;
