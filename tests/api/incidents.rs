use serde_json::{Value, json};
use sla_ledger::auth::Role;

use crate::helpers::{Resp, TestApp, assert_problem, assert_problem_is};

fn now_plus(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn ids(r: &Resp) -> Vec<i64> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

fn incident(app: &TestApp, body: Value) -> Value {
    let r = app.post("/v1/incidents", Role::Reporter, &body);
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

fn catalog(app: &TestApp) {
    app.component("telephony");
    app.create(
        "/v1/components",
        json!({"key": "telephony.inbound", "name": "In", "group": "telephony"}),
    );
    app.create(
        "/v1/components",
        json!({"key": "telephony.outbound", "name": "Out", "group": "telephony"}),
    );
    app.component("api");
    app.customer("acme", Some("na"));
}

fn incidents_are_written_and_read(app: &TestApp) {
    catalog(app);
    let created = incident(
        app,
        json!({
            "title": "Database switch failed", "status": "investigating", "external_id": "pd-1",
            "windows": [
                {"component": "api", "severity": "major_outage", "start": "2026-01-31T07:03:00+01:00", "end": "2026-01-31T08:38:00+01:00"},
                {"component": "telephony.inbound", "severity": "partial_outage", "start": "2026-01-31T06:00:00Z",
                 "regions": ["na", "emea"], "customers": ["acme"]}
            ]
        }),
    );
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["status"], "investigating");
    let windows = created["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 2);
    assert_eq!(
        windows[0]["component"], "telephony.inbound",
        "ordered by start"
    );
    assert_eq!(windows[0]["end"], json!(null));
    assert_eq!(windows[0]["regions"], json!(["emea", "na"]));
    assert_eq!(windows[0]["customers"], json!(["acme"]));
    assert_eq!(windows[1]["start"], "2026-01-31T06:03:00Z", "stored in UTC");
    assert_eq!(windows[1]["end"], "2026-01-31T07:38:00Z");
    let got = app.get(&format!("/v1/incidents/{id}"), Role::Viewer);
    assert_eq!(got.body, created);
    let dup = app.post("/v1/incidents", Role::Reporter, &json!({"title": "x", "status": "investigating", "external_id": "pd-1",
        "windows": [{"component": "api", "severity": "major_outage", "start": "2026-01-01T00:00:00Z", "end": "2026-01-01T01:00:00Z"}]}));
    assert_problem(&dup, 409, None);
}

fn incident_lists_filter(app: &TestApp) {
    catalog(app);
    let a = incident(
        app,
        json!({"title": "A", "status": "resolved", "windows": [
        {"component": "telephony.inbound", "severity": "partial_outage", "start": "2026-01-10T00:00:00Z", "end": "2026-01-10T01:00:00Z"}]}),
    );
    let b = incident(
        app,
        json!({"title": "B", "status": "investigating", "windows": [
        {"component": "api", "severity": "major_outage", "start": "2026-02-01T00:00:00Z"}]}),
    );
    let c = incident(
        app,
        json!({"title": "C", "status": "resolved", "windows": [
        {"component": "api", "severity": "maintenance", "start": "2026-01-31T23:00:00Z", "end": "2026-02-01T01:00:00Z"}]}),
    );
    let (a, b, c) = (
        a["id"].as_i64().unwrap(),
        b["id"].as_i64().unwrap(),
        c["id"].as_i64().unwrap(),
    );
    let list = |q: &str| ids(&app.get(&format!("/v1/incidents{q}"), Role::Viewer));
    assert_eq!(list(""), [a, b, c]);
    assert_eq!(
        list("?component=telephony"),
        [a],
        "a group matches its members"
    );
    let g = incident(
        app,
        json!({"title": "G", "status": "resolved", "windows": [
        {"component": "telephony", "severity": "partial_outage", "start": "2026-03-10T00:00:00Z", "end": "2026-03-10T01:00:00Z"}]}),
    );
    let g = g["id"].as_i64().unwrap();
    assert_eq!(
        list("?component=telephony.outbound"),
        [g],
        "a member is hit by its group's windows"
    );
    assert_eq!(
        app.delete(&format!("/v1/incidents/{g}"), Role::Reporter)
            .status,
        200
    );
    assert_problem(
        &app.get("/v1/incidents?component=nope", Role::Viewer),
        422,
        Some("component"),
    );
    assert_eq!(list("?component=api"), [b, c]);
    assert_eq!(list("?severity=maintenance"), [c]);
    assert_eq!(list("?status=resolved"), [a, c]);
    assert_eq!(
        list("?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z"),
        [a, c],
        "overlapping January"
    );
    assert_eq!(
        list("?from=2026-02-01T01:00:00Z&to=2026-03-01T00:00:00Z"),
        [b],
        "the open window reaches into February"
    );
    assert_eq!(list("?ongoing=true"), [b]);
    let page = app.get("/v1/incidents?limit=2", Role::Viewer);
    assert_eq!(ids(&page), [a, b]);
    assert_eq!(
        list(&format!(
            "?limit=2&after={}",
            page.body["next_cursor"].as_str().unwrap()
        )),
        [c]
    );
    assert_problem_is(
        &app.get("/v1/incidents?severity=bad", Role::Viewer),
        422,
        Some("severity"),
        "unknown variant `bad`, expected one of `major_outage`, `partial_outage`, `degraded_performance`, `maintenance`",
    );
    assert_problem(
        &app.get("/v1/incidents?from=2026-01-01", Role::Viewer),
        422,
        Some("from"),
    );
}

fn windows_are_validated(app: &TestApp) {
    catalog(app);
    let window = |w: Value| json!({"title": "t", "status": "investigating", "windows": [w]});
    let cases = [
        (
            json!({"component": "api", "severity": "major_outage", "start": "2026-01-01T00:00:00"}),
            "windows[0].start",
        ),
        (
            json!({"component": "api", "severity": "major_outage", "start": "2026-01-01T01:00:00Z", "end": "2026-01-01T01:00:00Z"}),
            "windows[0].end",
        ),
        (
            json!({"component": "api", "severity": "major_outage", "start": "2026-01-01T01:00:00Z", "end": "2026-01-01T00:00:00Z"}),
            "windows[0].end",
        ),
        (
            json!({"component": "api", "severity": "major_outage", "start": now_plus(600)}),
            "windows[0].start",
        ),
        (
            json!({"component": "nope", "severity": "major_outage", "start": "2026-01-01T00:00:00Z"}),
            "windows[0].component",
        ),
        (
            json!({"component": "api", "severity": "apocalypse", "start": "2026-01-01T00:00:00Z"}),
            "windows[0].severity",
        ),
        (
            json!({"component": "api", "severity": "major_outage", "start": "2025-01-01T00:00:00Z", "end": "2026-01-03T00:00:00Z"}),
            "windows[0].end",
        ),
        (
            json!({"component": "api", "severity": "major_outage", "start": "2026-01-01T00:00:00Z", "customers": ["zz-ghost", "aa-ghost"]}),
            "windows[0].customers",
        ),
        (
            json!({"component": "api", "severity": "major_outage", "start": "2026-01-01T00:00:00Z", "regions": [""]}),
            "windows[0].regions[0]",
        ),
    ];
    for (w, field) in cases {
        assert_problem(
            &app.post("/v1/incidents", Role::Reporter, &window(w)),
            422,
            Some(field),
        );
    }
    let empty = app.post(
        "/v1/incidents",
        Role::Reporter,
        &json!({"title": "t", "status": "investigating", "windows": []}),
    );
    assert_problem(&empty, 422, Some("windows"));
    let status = app.post(
        "/v1/incidents",
        Role::Reporter,
        &json!({"title": "t", "status": "fixed", "windows": []}),
    );
    assert_problem(&status, 422, Some("status"));
    let resolved_open = json!({"title": "t", "status": "resolved", "windows": [{"component": "api", "severity": "major_outage", "start": "2026-01-01T00:00:00Z"}]});
    assert_problem(
        &app.post("/v1/incidents", Role::Reporter, &resolved_open),
        422,
        Some("windows[0].end"),
    );
    let planned = app.post("/v1/incidents", Role::Reporter, &window(json!({"component": "api", "severity": "maintenance", "start": now_plus(86400), "end": now_plus(90000)})));
    assert_eq!(
        planned.status, 201,
        "maintenance may be planned ahead: {}",
        planned.text
    );
    assert_eq!(
        app.get("/v1/incidents", Role::Viewer).body["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing else written"
    );
}

fn resolving_closes_open_windows(app: &TestApp) {
    catalog(app);
    let created = incident(
        app,
        json!({"title": "Chat down", "status": "investigating", "windows": [
        {"component": "api", "severity": "major_outage", "start": "2026-01-10T10:00:00Z"},
        {"component": "telephony.inbound", "severity": "partial_outage", "start": "2026-01-10T10:30:00Z"},
        {"component": "telephony.outbound", "severity": "partial_outage", "start": "2026-01-10T09:00:00Z", "end": "2026-01-10T09:30:00Z"}]}),
    );
    let path = format!("/v1/incidents/{}", created["id"]);
    assert_problem(
        &app.patch(&path, Role::Reporter, &json!({"status": "resolved"})),
        422,
        Some("end"),
    );
    assert_problem(
        &app.patch(
            &path,
            Role::Reporter,
            &json!({"status": "resolved", "end": "2026-01-10T10:15:00Z"}),
        ),
        422,
        Some("end"),
    );
    assert_problem(
        &app.patch(
            &path,
            Role::Reporter,
            &json!({"status": "monitoring", "end": "2026-01-10T12:00:00Z"}),
        ),
        422,
        Some("end"),
    );
    assert_problem(
        &app.patch(&path, Role::Reporter, &json!({"title": null})),
        422,
        Some("title"),
    );
    let resolved = app.patch(
        &path,
        Role::Reporter,
        &json!({"status": "resolved", "end": "2026-01-10T12:00:00+00:00"}),
    );
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    assert_eq!(resolved.body["status"], "resolved");
    let ends: Vec<&str> = resolved.body["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["end"].as_str().unwrap())
        .collect();
    assert_eq!(
        ends,
        [
            "2026-01-10T09:30:00Z",
            "2026-01-10T12:00:00Z",
            "2026-01-10T12:00:00Z"
        ],
        "the closed window keeps its end"
    );
    let first = resolved.body["windows"][1]["id"].as_i64().unwrap();
    let reopen = app.patch(
        &format!("{path}/windows/{first}"),
        Role::Reporter,
        &json!({"end": null}),
    );
    assert_problem(&reopen, 422, Some("end"));
    let open_window =
        json!({"component": "api", "severity": "partial_outage", "start": "2026-01-10T13:00:00Z"});
    assert_problem(
        &app.post(&format!("{path}/windows"), Role::Reporter, &open_window),
        422,
        Some("end"),
    );
}

fn windows_are_added_corrected_and_removed(app: &TestApp) {
    catalog(app);
    let created = incident(
        app,
        json!({"title": "t", "status": "identified", "windows": [
        {"component": "api", "severity": "major_outage", "start": "2026-01-10T10:00:00Z"}]}),
    );
    let path = format!("/v1/incidents/{}", created["id"]);
    let first = created["windows"][0]["id"].as_i64().unwrap();
    let added = app.post(&format!("{path}/windows"), Role::Reporter, &json!({"component": "telephony", "severity": "degraded_performance", "start": "2026-01-10T11:00:00Z", "end": "2026-01-10T11:30:00Z"}));
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.body["windows"].as_array().unwrap().len(), 2);
    let second = added.body["windows"][1]["id"].as_i64().unwrap();
    let ended = app.patch(
        &format!("{path}/windows/{first}"),
        Role::Reporter,
        &json!({"end": "2026-01-10T10:45:00Z", "severity": "partial_outage"}),
    );
    assert_eq!(ended.status, 200, "{}", ended.text);
    assert_eq!(ended.body["windows"][0]["end"], "2026-01-10T10:45:00Z");
    assert_eq!(ended.body["windows"][0]["severity"], "partial_outage");
    assert_eq!(
        ended.body["windows"][0]["start"], "2026-01-10T10:00:00Z",
        "unchanged fields stay"
    );
    let reopened = app.patch(
        &format!("{path}/windows/{first}"),
        Role::Reporter,
        &json!({"end": null}),
    );
    assert_eq!(reopened.body["windows"][0]["end"], json!(null));
    assert_problem(
        &app.patch(
            &format!("{path}/windows/{first}"),
            Role::Reporter,
            &json!({"end": "2026-01-10T09:00:00Z"}),
        ),
        422,
        Some("end"),
    );
    assert_problem(
        &app.patch(
            &format!("{path}/windows/999999"),
            Role::Reporter,
            &json!({"end": "2026-01-10T12:00:00Z"}),
        ),
        404,
        None,
    );
    assert_eq!(
        app.delete(&format!("{path}/windows/{second}"), Role::Reporter)
            .status,
        200
    );
    assert_problem(
        &app.delete(&format!("{path}/windows/{first}"), Role::Reporter),
        409,
        None,
    );
    assert_eq!(app.delete(&path, Role::Reporter).status, 200);
    assert_problem(&app.get(&path, Role::Viewer), 404, None);
    let audit = app.get("/v1/audit?entity=incident", Role::Admin);
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "incident.create",
            "incident.add_window",
            "incident.update_window",
            "incident.update_window",
            "incident.delete_window",
            "incident.delete"
        ]
    );
    assert_eq!(audit.body["items"][0]["actor"], "reporter-user");
}

fn component_status_shows_the_worst(app: &TestApp) {
    catalog(app);
    let status = |key: &str| {
        app.get(&format!("/v1/components/{key}/status"), Role::Viewer)
            .body["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(status("telephony"), "operational");
    incident(
        app,
        json!({"title": "t", "status": "investigating", "windows": [
        {"component": "telephony.inbound", "severity": "degraded_performance", "start": now_plus(-600)},
        {"component": "telephony.outbound", "severity": "partial_outage", "start": now_plus(-600)},
        {"component": "api", "severity": "major_outage", "start": now_plus(-7200), "end": now_plus(-3600)}]}),
    );
    incident(
        app,
        json!({"title": "m", "status": "investigating", "windows": [
        {"component": "api", "severity": "maintenance", "start": now_plus(-60), "end": now_plus(3600)}]}),
    );
    assert_eq!(
        status("telephony"),
        "partial_outage",
        "a group shows its worst member"
    );
    assert_eq!(status("telephony.inbound"), "degraded_performance");
    assert_eq!(
        status("api"),
        "under_maintenance",
        "the ended outage no longer counts"
    );
    let body = app
        .get("/v1/components/telephony/status", Role::Viewer)
        .body;
    assert_eq!(body["windows"].as_array().unwrap().len(), 2);
    assert_problem(
        &app.get("/v1/components/nope/status", Role::Viewer),
        404,
        None,
    );
}

fn incident_posts_are_idempotent(app: &TestApp) {
    catalog(app);
    let body = json!({"title": "t", "status": "investigating", "windows": [
        {"component": "api", "severity": "major_outage", "start": "2026-01-10T10:00:00Z"}]})
    .to_string();
    let key = [("Idempotency-Key", "pager-123")];
    let first = app.send(
        "POST",
        "/v1/incidents",
        Some(Role::Reporter),
        Some(&body),
        &key,
    );
    let again = app.send(
        "POST",
        "/v1/incidents",
        Some(Role::Reporter),
        Some(&body),
        &key,
    );
    assert_eq!(first.status, 201);
    assert_eq!(again.body, first.body);
    assert_eq!(
        app.get("/v1/incidents", Role::Viewer).body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

crate::both!(
    incidents_are_written_and_read,
    incident_lists_filter,
    windows_are_validated,
    resolving_closes_open_windows,
    windows_are_added_corrected_and_removed,
    component_status_shows_the_worst,
    incident_posts_are_idempotent,
);
