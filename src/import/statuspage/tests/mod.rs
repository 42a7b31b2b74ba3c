#![allow(clippy::unwrap_used)]

//! Expected windows are typed by hand from `tests/fixtures/README.md` and the JSON itself,
//! one row per window: `component Severity start end` in UTC (`open` for no end).
//! `fixtures`: the documents of `tests/fixtures`; `rules`, `refusals`: small hand-made ones.

mod fixtures;
mod refusals;
mod rules;

use chrono::DateTime;
use serde_json::{Value, json};

use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}{name}.incidents.json")).unwrap()
}

fn fixture(name: &str) -> Document {
    parse(&fixture_bytes(name)).unwrap()
}

fn utc(seconds: i64) -> String {
    let instant = DateTime::from_timestamp(seconds, 0).unwrap();
    instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn rows(windows: &[ImportedWindow]) -> Vec<String> {
    let row = |w: &ImportedWindow| {
        let end = w.end.map_or_else(|| "open".to_owned(), utc);
        format!(
            "{} {:?} {} {end}",
            w.component_code,
            w.severity,
            utc(w.start)
        )
    };
    windows.iter().map(row).collect()
}

/// Every window of the document, each row prefixed with its incident id.
fn document_rows(document: &Document) -> Vec<String> {
    let incident_rows = |i: &ImportedIncident| {
        let id = i.page_incident_id.clone();
        rows(&i.windows)
            .into_iter()
            .map(move |row| format!("{id} {row}"))
    };
    document.incidents.iter().flat_map(incident_rows).collect()
}

// ---- small hand-made documents ----

fn document(incidents: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"page": {"id": "p", "name": "P"}, "incidents": incidents})).unwrap()
}

fn update(display_at: &str, changes: &[(&str, &str)]) -> Value {
    let affected: Vec<Value> = changes
        .iter()
        .map(|(code, new_status)| json!({"code": code, "new_status": new_status}))
        .collect();
    json!({"display_at": display_at, "affected_components": affected})
}

fn incident_json(updates: Vec<Value>) -> Value {
    json!({"id": "i1", "name": "Title", "status": "resolved", "incident_updates": updates})
}

/// The rows of the one incident in a document made of `incident`.
fn rows_of(incident: Value) -> Vec<String> {
    let document = parse(&document(json!([incident]))).unwrap();
    rows(&document.incidents[0].windows)
}

fn error_of(bytes: &[u8]) -> String {
    parse(bytes).unwrap_err().to_string()
}
