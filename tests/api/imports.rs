//! The five public fixtures import as `tests/fixtures/README.md` describes.

use serde_json::Value;
use sla_ledger::auth::Role;

use crate::helpers::{Resp, TestApp, assert_problem};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/{name}.incidents.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn import(app: &TestApp, name: &str, query: &str) -> Resp {
    app.send(
        "POST",
        &format!("/v1/imports/statuspage{query}"),
        Some(Role::Reporter),
        Some(&fixture(name)),
        &[],
    )
}

/// Every stored window as `component severity start end [regions]`, sorted.
fn windows(app: &TestApp) -> Vec<String> {
    let list = app.get("/v1/incidents?limit=500", Role::Viewer);
    let mut out: Vec<String> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["windows"].as_array().unwrap().clone())
        .map(|w: Value| {
            let regions: Vec<&str> = w["regions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            format!(
                "{} {} {} {} {}",
                w["component"].as_str().unwrap(),
                w["severity"].as_str().unwrap(),
                w["start"].as_str().unwrap(),
                w["end"].as_str().unwrap_or("open"),
                regions.join(",")
            )
            .trim_end()
            .to_owned()
        })
        .collect();
    out.sort();
    out
}

fn contact_center_exactly_as_written(app: &TestApp) {
    let r = import(app, "contact-center", "?create_components=true");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["incidents_created"], 1);
    assert_eq!(r.body["windows_written"], 9);
    let mut expected = Vec::new();
    for c in [
        "telephony.inbound",
        "telephony.outbound",
        "telephony.webrtc",
    ] {
        expected.push(format!(
            "{c} partial_outage 2018-11-05T14:47:00Z 2018-11-05T15:09:00Z"
        ));
        expected.push(format!(
            "{c} partial_outage 2018-11-05T15:52:00Z 2018-11-05T17:41:00Z"
        ));
        expected.push(format!(
            "{c} degraded_performance 2018-11-05T17:41:00Z 2018-11-05T18:04:00Z"
        ));
    }
    expected.sort();
    assert_eq!(windows(app), expected);
    let inbound = app.get("/v1/components/telephony.inbound", Role::Viewer);
    assert_eq!(
        inbound.body["group"], "telephony",
        "group taken from the document"
    );
    assert_eq!(inbound.body["external_id"], "telephony.inbound");
}

fn error_tracker_keeps_its_midnight_change(app: &TestApp) {
    assert_eq!(
        import(app, "error-tracker", "?create_components=true").status,
        200
    );
    // 21:30–00:28 Pacific daylight time; the website is partly back at midnight (07:00Z).
    assert_eq!(
        windows(app),
        [
            "notifications major_outage 2013-07-01T04:30:00Z 2013-07-01T07:28:00Z",
            "web major_outage 2013-07-01T04:30:00Z 2013-07-01T07:00:00Z",
            "web partial_outage 2013-07-01T07:00:00Z 2013-07-01T07:28:00Z",
        ]
    );
}

fn chat_service_keeps_its_offsets(app: &TestApp) {
    assert_eq!(
        import(app, "chat-service", "?create_components=true").status,
        200
    );
    assert_eq!(
        windows(app),
        [
            "chat major_outage 2016-05-20T11:43:00Z 2016-05-20T15:13:00Z",
            "chat partial_outage 2016-05-11T15:05:00Z 2016-05-11T18:20:00Z",
        ]
    );
}

fn events_platform_is_scoped_to_its_region(app: &TestApp) {
    let r = import(app, "events-platform", "?create_components=true&regions=na");
    assert_eq!(r.status, 200, "{}", r.text);
    let all = windows(app);
    assert_eq!(all.len(), 10);
    assert!(
        all.iter()
            .all(|w| w.ends_with(" na") && w.contains(" partial_outage ")),
        "{all:?}"
    );
    assert!(
        all.contains(&"web partial_outage 2019-09-24T12:30:00Z 2019-09-24T14:05:00Z na".to_owned())
    );
}

fn messaging_service_keeps_its_blips(app: &TestApp) {
    assert_eq!(
        import(app, "messaging-service", "?create_components=true").status,
        200
    );
    let all = windows(app);
    assert_eq!(all.len(), 23);
    assert!(all.contains(
        &"messaging partial_outage 2015-01-31T05:10:00Z 2015-01-31T05:16:00Z".to_owned()
    ));
    assert!(all.contains(&"api major_outage 2015-01-31T07:03:00Z 2015-01-31T08:38:00Z".to_owned()));
    assert!(all.contains(&"web major_outage 2015-01-29T16:40:51Z 2015-01-29T16:41:10Z".to_owned()));
}

fn reimporting_changes_nothing(app: &TestApp) {
    assert_eq!(
        import(app, "messaging-service", "?create_components=true").status,
        200
    );
    let before = windows(app);
    let audit_before = app.get("/v1/audit?limit=500", Role::Admin).body["items"]
        .as_array()
        .unwrap()
        .len();
    let again = import(app, "messaging-service", "?create_components=true");
    assert_eq!(again.status, 200);
    assert_eq!(again.body["incidents_created"], 0);
    assert_eq!(again.body["incidents_updated"], 0);
    assert_eq!(again.body["incidents_unchanged"], 12);
    assert_eq!(again.body["windows_written"], 0);
    assert_eq!(windows(app), before);
    assert_eq!(
        app.get("/v1/audit?limit=500", Role::Admin).body["items"]
            .as_array()
            .unwrap()
            .len(),
        audit_before
    );
}

fn reimporting_with_regions_changes_nothing(app: &TestApp) {
    assert_eq!(
        import(
            app,
            "events-platform",
            "?create_components=true&regions=na,emea"
        )
        .status,
        200
    );
    let again = import(
        app,
        "events-platform",
        "?create_components=true&regions=na,emea",
    );
    assert_eq!(again.body["incidents_unchanged"], 5, "{}", again.text);
    assert_problem(
        &import(app, "events-platform", "?regions=na,na"),
        422,
        Some("regions[1]"),
    );
}

fn dry_runs_write_nothing(app: &TestApp) {
    let r = import(
        app,
        "contact-center",
        "?create_components=true&dry_run=true",
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["dry_run"], true);
    assert_eq!(r.body["windows"].as_array().unwrap().len(), 9);
    assert_eq!(r.body["components_created"].as_array().unwrap().len(), 4);
    assert!(windows(app).is_empty());
    assert_eq!(
        app.get("/v1/components", Role::Viewer).body["items"],
        serde_json::json!([])
    );
}

fn unknown_components_are_refused(app: &TestApp) {
    let r = import(app, "contact-center", "");
    assert_problem(&r, 422, Some("components"));
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("telephony.inbound") && detail.contains("telephony.webrtc"),
        "{detail}"
    );
    assert!(windows(app).is_empty());
    let bad = app.send(
        "POST",
        "/v1/imports/statuspage",
        Some(Role::Reporter),
        Some("{\"page\": 1}"),
        &[],
    );
    assert_problem(&bad, 422, Some("body"));
    let no_offset =
        fixture("chat-service").replace("2016-05-20T04:43:00-07:00", "2016-05-20T04:43:00");
    let r = app.send(
        "POST",
        "/v1/imports/statuspage?create_components=true",
        Some(Role::Reporter),
        Some(&no_offset),
        &[],
    );
    assert_problem(&r, 422, Some("body"));
    assert!(
        r.body["detail"].as_str().unwrap().contains("offset"),
        "{}",
        r.text
    );
    assert_problem(
        &app.send(
            "POST",
            "/v1/imports/statuspage?regions=",
            Some(Role::Reporter),
            Some("{}"),
            &[],
        ),
        422,
        Some("regions[0]"),
    );
}

crate::both!(
    contact_center_exactly_as_written,
    error_tracker_keeps_its_midnight_change,
    chat_service_keeps_its_offsets,
    events_platform_is_scoped_to_its_region,
    messaging_service_keeps_its_blips,
    reimporting_changes_nothing,
    reimporting_with_regions_changes_nothing,
    dry_runs_write_nothing,
    unknown_components_are_refused,
);
