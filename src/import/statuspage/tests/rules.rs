//! How updates become windows, on small hand-made documents.

use serde_json::{Value, json};

use super::*;

#[test]
fn sub_seconds_are_truncated_and_empty_windows_dropped() {
    let incident = incident_json(vec![
        update("2026-01-01T10:00:30.000+00:00", &[("api", "operational")]),
        update("2026-01-01T10:00:00.200Z", &[("api", "partial_outage")]),
        update("2026-01-01T10:00:00.700Z", &[("api", "major_outage")]),
    ]);
    // partial 10:00:00.2–10:00:00.7 truncates to 10:00:00–10:00:00 and holds no time.
    assert_eq!(
        rows_of(incident),
        ["api MajorOutage 2026-01-01T10:00:00Z 2026-01-01T10:00:30Z"]
    );
}

#[test]
fn updates_at_the_same_instant_are_taken_in_the_api_newest_first_order() {
    let incident = incident_json(vec![
        update("2026-01-01T10:10:00Z", &[("api", "operational")]),
        update("2026-01-01T10:00:00Z", &[("api", "major_outage")]),
        update("2026-01-01T10:00:00Z", &[("api", "partial_outage")]),
    ]);
    assert_eq!(
        rows_of(incident),
        ["api MajorOutage 2026-01-01T10:00:00Z 2026-01-01T10:10:00Z"]
    );
}

#[test]
fn first_windows_open_at_an_earlier_started_at() {
    let mut incident = incident_json(vec![
        update("2026-01-01T10:10:00Z", &[("web", "major_outage")]),
        update("2026-01-01T10:00:00Z", &[("api", "partial_outage")]),
    ]);
    incident["started_at"] = json!("2026-01-01T09:50:00Z");
    incident["resolved_at"] = json!("2026-01-01T11:00:00Z");
    assert_eq!(
        rows_of(incident),
        [
            "api PartialOutage 2026-01-01T09:50:00Z 2026-01-01T11:00:00Z",
            "web MajorOutage 2026-01-01T10:10:00Z 2026-01-01T11:00:00Z",
        ]
    );
}

#[test]
fn a_later_started_at_changes_nothing() {
    let opening = update("2026-01-01T10:00:00Z", &[("api", "major_outage")]);
    let mut incident = incident_json(vec![opening]);
    incident["started_at"] = json!("2026-01-01T10:30:00Z");
    incident["resolved_at"] = json!("2026-01-01T11:00:00Z");
    assert_eq!(
        rows_of(incident),
        ["api MajorOutage 2026-01-01T10:00:00Z 2026-01-01T11:00:00Z"]
    );
}

#[test]
fn without_resolved_at_a_window_stays_open() {
    let mut incident = incident_json(vec![
        update("2026-01-01T10:00:00Z", &[("api", "under_maintenance")]),
        update("2026-01-01T10:20:00Z", &[("api", "under_maintenance")]),
    ]);
    incident["status"] = json!("monitoring");
    incident["resolved_at"] = Value::Null;
    assert_eq!(
        rows_of(incident),
        ["api Maintenance 2026-01-01T10:00:00Z open"]
    );
}

#[test]
fn null_affected_components_and_missing_page_components_are_empty() {
    let mut quiet = update("2026-01-01T10:00:00Z", &[]);
    quiet["affected_components"] = Value::Null;
    let parsed = parse(&document(json!([incident_json(vec![quiet])]))).unwrap();
    assert!(parsed.components.is_empty());
    assert!(parsed.incidents[0].windows.is_empty());
}

#[test]
fn escaped_strings_are_read_unescaped() {
    let mut incident = incident_json(vec![update(
        "2026-01-01T10:00:00Z",
        &[("a/b", "major_outage")],
    )]);
    incident["name"] = json!("The \"API\"\nis down");
    // `\/` is an escape serde_json never writes: the code cannot be borrowed as it stands.
    let text = String::from_utf8(document(json!([incident]))).unwrap();
    let parsed = parse(text.replace("a/b", "a\\/b").as_bytes()).unwrap();
    assert_eq!(parsed.incidents[0].title, "The \"API\"\nis down");
    assert_eq!(parsed.incidents[0].windows[0].component_code, "a/b");
}
