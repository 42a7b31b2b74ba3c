#![allow(clippy::unwrap_used)]

//! Expected windows are typed by hand from `tests/fixtures/README.md` and the JSON itself,
//! one row per window: `component Severity start end` in UTC (`open` for no end).

use chrono::DateTime;
use serde_json::{Value, json};

use super::*;
use crate::engine::Severity::MajorOutage;

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

#[test]
fn contact_center_matches_the_readme_example() {
    let document = fixture("contact-center");
    assert_eq!(document.page_id, "ccsvc");
    assert_eq!(document.page_name, "Contact center platform");
    assert_eq!(document.incidents.len(), 1);
    let incident = &document.incidents[0];
    assert_eq!(incident.page_incident_id, "ccsvc-2018-11-05");
    assert_eq!(incident.title, "Intermittent telephony issues");
    assert_eq!(incident.status.as_str(), "resolved");
    assert_eq!(
        rows(&incident.windows),
        [
            "telephony.inbound PartialOutage 2018-11-05T14:47:00Z 2018-11-05T15:09:00Z",
            "telephony.outbound PartialOutage 2018-11-05T14:47:00Z 2018-11-05T15:09:00Z",
            "telephony.webrtc PartialOutage 2018-11-05T14:47:00Z 2018-11-05T15:09:00Z",
            "telephony.inbound PartialOutage 2018-11-05T15:52:00Z 2018-11-05T17:41:00Z",
            "telephony.outbound PartialOutage 2018-11-05T15:52:00Z 2018-11-05T17:41:00Z",
            "telephony.webrtc PartialOutage 2018-11-05T15:52:00Z 2018-11-05T17:41:00Z",
            "telephony.inbound DegradedPerformance 2018-11-05T17:41:00Z 2018-11-05T18:04:00Z",
            "telephony.outbound DegradedPerformance 2018-11-05T17:41:00Z 2018-11-05T18:04:00Z",
            "telephony.webrtc DegradedPerformance 2018-11-05T17:41:00Z 2018-11-05T18:04:00Z",
        ]
    );
}

#[test]
fn contact_center_components_keep_their_group() {
    let component = |code: &str, name: &str, group: Option<&str>, is_group| PageComponent {
        code: code.to_owned(),
        name: name.to_owned(),
        group_code: group.map(str::to_owned),
        is_group,
    };
    assert_eq!(
        fixture("contact-center").components,
        vec![
            component("telephony", "Telephony", None, true),
            component("telephony.inbound", "Inbound", Some("telephony"), false),
            component("telephony.outbound", "Outbound", Some("telephony"), false),
            component("telephony.webrtc", "WebRTC", Some("telephony"), false),
        ]
    );
}

#[test]
fn error_tracker_keeps_the_severity_change_at_midnight_pacific() {
    let document = fixture("error-tracker");
    // 21:30 and 00:00, 00:28 at -07:00 are 04:30, 07:00 and 07:28 UTC on 2013-07-01;
    // resolved_at (00:42) closes nothing: the 00:28 update already did.
    assert_eq!(
        document_rows(&document),
        [
            "errsvc-dc-network notifications MajorOutage 2013-07-01T04:30:00Z 2013-07-01T07:28:00Z",
            "errsvc-dc-network web MajorOutage 2013-07-01T04:30:00Z 2013-07-01T07:00:00Z",
            "errsvc-dc-network web PartialOutage 2013-07-01T07:00:00Z 2013-07-01T07:28:00Z",
        ]
    );
    assert_eq!(
        document.component_codes_used(),
        BTreeSet::from(["notifications", "web"])
    );
}

#[test]
fn chat_service_reads_pacific_daylight_offsets() {
    assert_eq!(
        document_rows(&fixture("chat-service")),
        [
            "chatsvc-2016-05-20 chat MajorOutage 2016-05-20T11:43:00Z 2016-05-20T15:13:00Z",
            "chatsvc-2016-05-11 chat PartialOutage 2016-05-11T15:05:00Z 2016-05-11T18:20:00Z",
        ]
    );
}

#[test]
fn events_platform_has_five_partial_disruptions_on_web_and_api() {
    let document = fixture("events-platform");
    assert_eq!(document.incidents.len(), 5);
    assert_eq!(
        document_rows(&document),
        [
            "evtsvc-2019-09-5 public-api PartialOutage 2019-09-27T17:06:00Z 2019-09-27T17:18:00Z",
            "evtsvc-2019-09-5 web PartialOutage 2019-09-27T17:06:00Z 2019-09-27T17:18:00Z",
            "evtsvc-2019-09-4 public-api PartialOutage 2019-09-26T20:33:00Z 2019-09-26T21:01:00Z",
            "evtsvc-2019-09-4 web PartialOutage 2019-09-26T20:33:00Z 2019-09-26T21:01:00Z",
            "evtsvc-2019-09-3 public-api PartialOutage 2019-09-25T15:42:00Z 2019-09-25T17:18:00Z",
            "evtsvc-2019-09-3 web PartialOutage 2019-09-25T15:42:00Z 2019-09-25T17:18:00Z",
            "evtsvc-2019-09-2 public-api PartialOutage 2019-09-24T17:00:00Z 2019-09-24T17:40:00Z",
            "evtsvc-2019-09-2 web PartialOutage 2019-09-24T17:00:00Z 2019-09-24T17:40:00Z",
            "evtsvc-2019-09-1 public-api PartialOutage 2019-09-24T12:30:00Z 2019-09-24T14:05:00Z",
            "evtsvc-2019-09-1 web PartialOutage 2019-09-24T12:30:00Z 2019-09-24T14:05:00Z",
        ]
    );
}

#[test]
fn messaging_service_has_twenty_tiny_windows_and_three_long_ones() {
    let document = fixture("messaging-service");
    assert_eq!(document.incidents.len(), 12);
    let windows: Vec<_> = document.incidents.iter().flat_map(|i| &i.windows).collect();
    assert_eq!(windows.len(), 23);
    let tiny = windows.iter().filter(|w| w.end.unwrap() - w.start <= 30);
    assert_eq!(tiny.count(), 20);
    // The 08:27 update of 2015-01-31b names no component: it neither closes nor splits.
    assert_eq!(
        document_rows(&document),
        [
            "msgsvc-blip-10 api MajorOutage 2015-02-22T20:02:20Z 2015-02-22T20:02:35Z",
            "msgsvc-blip-10 web MajorOutage 2015-02-22T20:02:20Z 2015-02-22T20:02:35Z",
            "msgsvc-blip-09 api MajorOutage 2015-02-07T11:11:11Z 2015-02-07T11:11:40Z",
            "msgsvc-blip-09 web MajorOutage 2015-02-07T11:11:11Z 2015-02-07T11:11:40Z",
            "msgsvc-blip-08 api MajorOutage 2015-02-04T07:45:00Z 2015-02-04T07:45:25Z",
            "msgsvc-blip-08 web MajorOutage 2015-02-04T07:45:00Z 2015-02-04T07:45:25Z",
            "msgsvc-blip-07 api MajorOutage 2015-02-03T18:30:30Z 2015-02-03T18:30:47Z",
            "msgsvc-blip-07 web MajorOutage 2015-02-03T18:30:30Z 2015-02-03T18:30:47Z",
            "msgsvc-blip-06 api MajorOutage 2015-02-02T09:09:09Z 2015-02-02T09:09:30Z",
            "msgsvc-blip-06 web MajorOutage 2015-02-02T09:09:09Z 2015-02-02T09:09:30Z",
            "msgsvc-blip-05 api MajorOutage 2015-02-01T13:21:00Z 2015-02-01T13:21:30Z",
            "msgsvc-blip-05 web MajorOutage 2015-02-01T13:21:00Z 2015-02-01T13:21:30Z",
            "msgsvc-2015-01-31b api MajorOutage 2015-01-31T07:03:00Z 2015-01-31T08:38:00Z",
            "msgsvc-2015-01-31b web MajorOutage 2015-01-31T07:03:00Z 2015-01-31T08:38:00Z",
            "msgsvc-2015-01-31a messaging PartialOutage 2015-01-31T05:10:00Z 2015-01-31T05:16:00Z",
            "msgsvc-blip-04 api MajorOutage 2015-01-30T04:55:42Z 2015-01-30T04:55:54Z",
            "msgsvc-blip-04 web MajorOutage 2015-01-30T04:55:42Z 2015-01-30T04:55:54Z",
            "msgsvc-blip-03 api MajorOutage 2015-01-29T22:03:10Z 2015-01-29T22:03:38Z",
            "msgsvc-blip-03 web MajorOutage 2015-01-29T22:03:10Z 2015-01-29T22:03:38Z",
            "msgsvc-blip-02 api MajorOutage 2015-01-29T16:40:51Z 2015-01-29T16:41:10Z",
            "msgsvc-blip-02 web MajorOutage 2015-01-29T16:40:51Z 2015-01-29T16:41:10Z",
            "msgsvc-blip-01 api MajorOutage 2015-01-28T10:14:05Z 2015-01-28T10:14:31Z",
            "msgsvc-blip-01 web MajorOutage 2015-01-28T10:14:05Z 2015-01-28T10:14:31Z",
        ]
    );
    assert_eq!(
        document.component_codes_used(),
        BTreeSet::from(["api", "messaging", "web"])
    );
}

#[test]
fn external_id_joins_page_and_incident() {
    let document = fixture("messaging-service");
    assert_eq!(
        document.incidents[0].external_id(&document.page_id),
        "msgsvc:msgsvc-blip-10"
    );
}

#[test]
fn windows_serialize_with_snake_case_severity() {
    let window = ImportedWindow {
        component_code: "api".to_owned(),
        severity: MajorOutage,
        start: 60,
        end: None,
    };
    assert_eq!(
        serde_json::to_value(window).unwrap(),
        json!({"component_code": "api", "severity": "major_outage", "start": 60, "end": null})
    );
}

// ---- rules, on small hand-made documents ----

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
fn an_instant_without_offset_is_refused_naming_the_field() {
    let text = String::from_utf8(fixture_bytes("messaging-service")).unwrap();
    let from = r#""display_at": "2015-02-04T07:45:25Z""#;
    assert_eq!(text.matches(from).count(), 1);
    let bad = text.replace(from, r#""display_at": "2015-02-04T07:45:25""#);
    assert_eq!(
        error_of(bad.as_bytes()),
        "incidents[2].incident_updates[0].display_at: `2015-02-04T07:45:25` has no offset; \
         an instant needs `Z` or `±hh:mm`"
    );
}

#[test]
fn a_resolved_at_without_offset_is_refused() {
    let mut incident = incident_json(vec![]);
    incident["resolved_at"] = json!("2026-01-01T00:00:00.5");
    assert_eq!(
        error_of(&document(json!([incident]))),
        "incidents[0].resolved_at: `2026-01-01T00:00:00.5` has no offset; \
         an instant needs `Z` or `±hh:mm`"
    );
}

#[test]
fn a_non_instant_is_refused() {
    let incident = incident_json(vec![update("yesterday", &[])]);
    assert!(error_of(&document(json!([incident]))).starts_with(
        "incidents[0].incident_updates[0].display_at: `yesterday` is not an RFC 3339 instant ("
    ));
}

#[test]
fn malformed_json_names_line_and_column() {
    assert_eq!(
        error_of(b"{\"page\": {"),
        "malformed JSON: EOF while parsing an object at line 1 column 10"
    );
    assert_eq!(
        error_of(b"{\n  \"page\": {},\n  \"incidents\": [,]\n}"),
        "malformed JSON: expected value at line 3 column 17"
    );
}

#[test]
fn an_empty_document_is_refused() {
    assert_eq!(
        error_of(b""),
        "malformed JSON: EOF while parsing a value at line 1 column 0"
    );
    assert_eq!(error_of(b"{}"), "page: missing field");
    assert_eq!(
        error_of(b"[]"),
        "document: expected an object, found an array"
    );
    assert_eq!(
        error_of(br#"{"page": {"id": "p", "name": "P"}}"#),
        "incidents: missing field"
    );
}

#[test]
fn an_unknown_incident_status_is_refused() {
    let mut incident = incident_json(vec![]);
    incident["status"] = json!("closed");
    assert_eq!(
        error_of(&document(json!([incident]))),
        "incidents[0].status: unknown incident status `closed` \
         (expected investigating, identified, monitoring, resolved or postmortem)"
    );
}

#[test]
fn an_unknown_component_status_is_refused() {
    let incident = incident_json(vec![
        update("2026-01-01T10:00:00Z", &[("api", "major_outage")]),
        update("2026-01-01T10:05:00Z", &[("api", "down")]),
    ]);
    assert_eq!(
        error_of(&document(json!([incident]))),
        "incidents[0].incident_updates[1].affected_components[0].new_status: \
         unknown component status `down` (expected operational, degraded_performance, \
         partial_outage, major_outage or under_maintenance)"
    );
}

#[test]
fn missing_and_ill_typed_fields_are_named() {
    let mut incident = incident_json(vec![json!({"affected_components": []})]);
    assert_eq!(
        error_of(&document(json!([incident.clone()]))),
        "incidents[0].incident_updates[0].display_at: missing field"
    );
    incident["id"] = json!(7);
    assert_eq!(
        error_of(&document(json!([incident]))),
        "incidents[0].id: expected a string, found the number 7"
    );
}

#[test]
fn a_duplicate_incident_id_is_refused() {
    let incident = incident_json(vec![]);
    assert_eq!(
        error_of(&document(json!([incident.clone(), incident]))),
        "incidents[1].id: incident id `i1` appears more than once"
    );
}

#[test]
fn a_resolved_at_before_an_open_window_is_refused() {
    let mut incident = incident_json(vec![update(
        "2026-01-01T10:00:00Z",
        &[("api", "major_outage")],
    )]);
    incident["resolved_at"] = json!("2026-01-01T09:00:00Z");
    assert_eq!(
        error_of(&document(json!([incident]))),
        "incidents[0].resolved_at: the incident is resolved before its `api` window opens"
    );
}
