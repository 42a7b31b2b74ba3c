//! What a document may not say, and how each refusal names the place.

use serde_json::json;

use super::*;

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

#[test]
fn an_array_is_not_read_as_an_object() {
    assert_eq!(
        error_of(br#"{"page": ["p", "P"], "incidents": []}"#),
        "page: expected an object, found an array"
    );
    assert_eq!(
        error_of(br#"{"page": {"id": "p", "name": "P"}, "incidents": {}}"#),
        "incidents: expected an array, found an object"
    );
}
