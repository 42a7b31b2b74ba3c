//! The fixture documents, row by row as `tests/fixtures/README.md` reads them.

use serde_json::json;

use super::*;
use crate::engine::Severity::MajorOutage;

#[test]
fn contact_center_matches_the_readme_example() {
    let document = fixture("contact-center");
    assert_eq!(document.page_id, "ccsvc");
    assert_eq!(document.page_name, "Contact center platform");
    assert_eq!(document.incidents.len(), 1);
    let incident = &document.incidents[0];
    assert_eq!(incident.page_incident_id, "ccsvc-2018-11-05");
    assert_eq!(incident.title, "Intermittent telephony issues");
    assert_eq!(
        incident.status,
        crate::domain::incident::IncidentStatus::Resolved
    );
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
