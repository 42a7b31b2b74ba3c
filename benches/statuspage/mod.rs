//! Deterministic status-page documents (`incidents.json` with the page's components beside the
//! incidents) for the import benchmarks: incidents an hour apart from 2025-01-01, each taking 5 of
//! 200 components partial, then major, then back (10 windows per incident).
//!
//! `Detail::Bare` has only the fields the import reads; `Detail::Full` adds what a real page
//! lists (update bodies of 80–600 characters, timestamps, the incident's components), which the
//! import skips.

#![allow(dead_code)]

use std::io::Write;

use serde_json::{Value, json};

pub const COMPONENTS: usize = 200;
pub const BASE: i64 = 1_735_689_600; // 2025-01-01T00:00:00Z

#[derive(Clone, Copy)]
pub enum Detail {
    Bare,
    Full,
}

const WORDS: [&str; 24] = [
    "we",
    "are",
    "investigating",
    "elevated",
    "error",
    "rates",
    "for",
    "requests",
    "to",
    "the",
    "service",
    "a",
    "fix",
    "has",
    "been",
    "deployed",
    "and",
    "monitoring",
    "latency",
    "in",
    "region",
    "customers",
    "may",
    "see",
];

const STATUSES: [&str; 4] = [
    "operational",
    "partial_outage",
    "major_outage",
    "operational",
];

fn at(seconds: i64) -> String {
    sla_ledger::domain::format_instant(seconds)
}

fn code(n: usize) -> String {
    format!("c{:03}", n % COMPONENTS)
}

/// Prose of 80–600 characters, the same for the same `seed`.
fn prose(seed: u64) -> String {
    let mut state = seed.wrapping_add(1);
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let len = 80 + next() % 521;
    let mut text = String::with_capacity(len + 16);
    while text.len() < len {
        text.push_str(WORDS[next() % WORDS.len()]);
        text.push(' ');
    }
    text.truncate(len);
    text.push('.');
    text
}

pub fn page() -> Value {
    json!({"id": "bench", "name": "Bench"})
}

pub fn components() -> Vec<Value> {
    (0..COMPONENTS)
        .map(|i| json!({"id": code(i), "name": format!("Component {i}"), "group_id": null, "group": false}))
        .collect()
}

/// Incident `i`: updates newest first, as the API lists them.
pub fn incident(i: usize, detail: Detail) -> Value {
    let t0 = BASE + i as i64 * 3600;
    let hit: Vec<String> = (0..5).map(|k| code(i * 5 + k)).collect();
    let update = |n: usize, status: &str| {
        let affected: Vec<Value> = hit
            .iter()
            .map(|c| match detail {
                Detail::Bare => {
                    json!({"code": c, "old_status": "operational", "new_status": STATUSES[n + 1]})
                }
                Detail::Full => json!({
                    "code": c, "name": format!("Component {}", &c[1..]),
                    "old_status": STATUSES[n], "new_status": STATUSES[n + 1],
                }),
            })
            .collect();
        let display_at = at(t0 + n as i64 * 600);
        let mut update = json!({"id": format!("u{i}-{n}"), "status": status, "display_at": display_at,
                                "affected_components": affected});
        if let Detail::Full = detail {
            update["incident_id"] = json!(format!("inc-{i}"));
            update["body"] = json!(prose((i * 3 + n) as u64));
            update["created_at"] = json!(display_at);
            update["updated_at"] = json!(display_at);
            update["deliver_notifications"] = json!(true);
        }
        update
    };
    let mut incident = json!({
        "id": format!("inc-{i}"), "name": format!("Incident {i}"), "status": "resolved",
        "started_at": at(t0), "resolved_at": at(t0 + 1800),
        "incident_updates": [update(2, "resolved"), update(1, "identified"), update(0, "investigating")]
    });
    if let Detail::Full = detail {
        incident["name"] = json!(format!("Elevated error rates on {} ({i})", hit.join(", ")));
        incident["impact"] = json!("major");
        incident["created_at"] = json!(at(t0));
        incident["updated_at"] = json!(at(t0 + 1800));
        incident["monitoring_at"] = Value::Null;
        incident["shortlink"] = json!(format!("https://stspg.io/{i:08x}"));
        incident["page_id"] = json!("bench");
        incident["components"] = hit
            .iter()
            .map(|c| {
                json!({"id": c, "name": format!("Component {}", &c[1..]), "status": "operational",
                       "created_at": at(BASE - 86_400), "updated_at": at(t0 + 1800),
                       "position": 1, "description": null, "showcase": true, "group_id": null,
                       "page_id": "bench", "group": false, "only_show_if_degraded": false})
            })
            .collect();
    }
    incident
}

pub fn document(incidents: usize, detail: Detail) -> Value {
    let incidents: Vec<Value> = (0..incidents).map(|i| incident(i, detail)).collect();
    json!({"page": page(), "components": components(), "incidents": incidents})
}

/// Writes `document(incidents, detail)` an incident at a time; answers its size in bytes.
pub fn write_document(
    out: &mut impl Write,
    incidents: usize,
    detail: Detail,
) -> std::io::Result<usize> {
    let mut head = json!({"page": page(), "components": components()}).to_string();
    head.pop(); // the closing brace: the incidents follow
    head.push_str(",\"incidents\":[");
    out.write_all(head.as_bytes())?;
    let mut size = head.len();
    for i in 0..incidents {
        let mut text = incident(i, detail).to_string();
        if i > 0 {
            text.insert(0, ',');
        }
        out.write_all(text.as_bytes())?;
        size += text.len();
    }
    out.write_all(b"]}")?;
    Ok(size + 2)
}
