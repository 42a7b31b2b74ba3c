//! Statuspage's webhooks with payloads as Statuspage's documentation shows them, authenticated
//! by a secret in the URL: component status changes (valid, wrong secret, replayed, reordered,
//! an unknown component replayed once created) and incident updates (imported as the import
//! would).

use serde_json::{Value, json};
use sla_ledger::auth::Role;

use crate::helpers::{Resp, TestApp, assert_problem};
use crate::ingest::{win, windows};

pub const SECRET: &str = "sp-hook-7f3a-91c2-e8d4";

fn deliver(app: &TestApp, secret: &str, body: &Value) -> Resp {
    app.send(
        "POST",
        &format!("/v1/ingest/statuspage/{secret}"),
        None,
        Some(&body.to_string()),
        &[],
    )
}

fn accepted(app: &TestApp, body: &Value) -> Value {
    let r = deliver(app, SECRET, body);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// A component update as Statuspage's webhook documentation shows it.
fn component_update(id: &str, new_status: &str, at: &str) -> Value {
    json!({
        "meta": {"unsubscribe": "http://statustest.flyingkleenex.com/?unsubscribe=j0vqr9kl3513",
            "documentation": "https://doers.statuspage.io/customer-notifications/webhooks/"},
        "page": {"id": "j2mfxwj97wnj", "status_indicator": "major",
            "status_description": "Partial System Outage"},
        "component_update": {"created_at": at, "new_status": new_status,
            "old_status": "operational", "id": id, "component_id": "rb5wq1dczvbm"},
        "component": {"created_at": "2013-05-29T21:32:28Z", "id": "rb5wq1dczvbm",
            "name": "Public API", "status": new_status}
    })
}

fn api_with_page_id(app: &TestApp) {
    app.create(
        "/v1/components",
        json!({"key": "api", "name": "Public API", "external_id": "rb5wq1dczvbm"}),
    );
}

fn component_changes_open_switch_and_close_a_window(app: &TestApp) {
    api_with_page_id(app);
    let first = accepted(
        app,
        &component_update("k7730b5v92bv", "major_outage", "2026-03-10T10:00:00Z"),
    );
    assert_eq!(first["applied"], 1, "{first}");
    let incident = first["incident_id"].clone();
    assert_eq!(
        accepted(
            app,
            &component_update("k7730b5v92bv", "major_outage", "2026-03-10T10:00:00Z")
        )["repeated"],
        1
    );
    accepted(
        app,
        &component_update("k7730b5v92bw", "partial_outage", "2026-03-10T10:30:00Z"),
    );
    // Reordered: an update older than the last change known changes nothing.
    accepted(
        app,
        &component_update(
            "k7730b5v92bx",
            "degraded_performance",
            "2026-03-10T10:15:00Z",
        ),
    );
    accepted(
        app,
        &component_update("k7730b5v92by", "operational", "2026-03-10T11:00:00Z"),
    );
    assert_eq!(
        windows(app, &incident),
        vec![
            win(
                "major_outage",
                "2026-03-10T10:00:00Z",
                json!("2026-03-10T10:30:00Z")
            ),
            win(
                "partial_outage",
                "2026-03-10T10:30:00Z",
                json!("2026-03-10T11:00:00Z")
            ),
        ]
    );
    let r = app.get(&format!("/v1/incidents/{incident}"), Role::Viewer);
    assert_eq!(r.body["status"], "resolved");
    assert_eq!(r.body["title"], "Public API (status page)");
    // The next outage of the component opens a window of its own.
    accepted(
        app,
        &component_update("k7730b5v92bz", "major_outage", "2026-03-12T09:00:00Z"),
    );
    assert_eq!(windows(app, &incident).len(), 3);
    // Reordered the other way: "operational" at 13:00 arrives before the outage it ends; the
    // late outage update is older news and opens nothing.
    accepted(
        app,
        &component_update("k7730b5v9301", "operational", "2026-03-12T13:00:00Z"),
    );
    accepted(
        app,
        &component_update("k7730b5v9300", "partial_outage", "2026-03-12T12:00:00Z"),
    );
    let last = windows(app, &incident);
    assert_eq!(last.len(), 3, "{last:?}");
    assert_eq!(
        last[2],
        win(
            "major_outage",
            "2026-03-12T09:00:00Z",
            json!("2026-03-12T13:00:00Z")
        )
    );
}

fn wrong_secrets_write_nothing(app: &TestApp) {
    api_with_page_id(app);
    let body = component_update("k1", "major_outage", "2026-03-10T10:00:00Z");
    assert_problem(&deliver(app, "guess", &body), 401, None);
    assert_problem(&deliver(app, &format!("{SECRET}x"), &body), 401, None);
    assert!(
        app.get("/v1/incidents", Role::Viewer).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let odd = json!({"page": {"id": "p"}, "component_update": {"created_at": "2026-03-10T10:00:00Z",
        "new_status": "on_fire", "id": "u", "component_id": "c"}});
    assert_problem(
        &deliver(app, SECRET, &odd),
        422,
        Some("component_update.new_status"),
    );
}

fn unknown_components_wait_and_incidents_are_imported(app: &TestApp) {
    let body = component_update("k2", "major_outage", "2026-03-10T10:00:00Z");
    assert_eq!(accepted(app, &body)["unmatched"], 1);
    let listed = app.get("/v1/ingest/unmatched", Role::Viewer);
    let item = &listed.body["items"][0];
    assert!(
        item["problem"].as_str().unwrap().contains("rb5wq1dczvbm"),
        "{item}"
    );
    assert!(
        item["notification"]["received"].get("meta").is_none(),
        "its unsubscribe link is not kept: {item}"
    );
    api_with_page_id(app);
    let replayed = app.post(
        &format!("/v1/ingest/unmatched/{}/replay", item["id"]),
        Role::Reporter,
        &json!({}),
    );
    assert_eq!(replayed.status, 200, "{}", replayed.text);
    assert_eq!(
        windows(app, &replayed.body["incident_id"]),
        vec![win("major_outage", "2026-03-10T10:00:00Z", json!(null))]
    );

    // An incident update, as the documentation shows it, with its affected components: imported
    // by the import's rules as incident `j2mfxwj97wnj:lbkhbwn21v5q`.
    let update = |id: &str, status: &str, at: &str, from: &str, to: &str| {
        json!({"body": "We are investigating.", "created_at": at, "display_at": at, "status": status,
            "updated_at": at, "id": id, "incident_id": "lbkhbwn21v5q",
            "affected_components": [{"code": "rb5wq1dczvbm", "name": "Public API",
                "old_status": from, "new_status": to}]})
    };
    let incident = json!({
        "meta": {"unsubscribe": "http://statustest.flyingkleenex.com/?unsubscribe=j0vqr9kl3513",
            "documentation": "https://doers.statuspage.io/customer-notifications/webhooks/"},
        "page": {"id": "j2mfxwj97wnj", "status_indicator": "major", "status_description": "Partial System Outage"},
        "incident": {"backfilled": false, "created_at": "2026-03-11T08:00:00Z", "impact": "critical",
            "impact_override": null, "monitoring_at": null, "postmortem_body": null,
            "resolved_at": "2026-03-11T09:00:00Z", "shortlink": "http://j.mp/18zyDQx",
            "status": "resolved", "updated_at": "2026-03-11T09:00:00Z", "id": "lbkhbwn21v5q",
            "organization_id": "j2mfxwj97wnj", "name": "Virginia Is Down",
            "incident_updates": [
                update("u2", "resolved", "2026-03-11T09:00:00Z", "major_outage", "operational"),
                update("u1", "investigating", "2026-03-11T08:00:00Z", "operational", "major_outage")
            ]}
    });
    let imported = accepted(app, &incident);
    assert_eq!(imported["applied"], 1, "{imported}");
    assert_eq!(accepted(app, &incident)["repeated"], 1);
    let r = app.get(
        &format!("/v1/incidents/{}", imported["incident_id"]),
        Role::Viewer,
    );
    assert_eq!(r.body["external_id"], "j2mfxwj97wnj:lbkhbwn21v5q");
    assert_eq!(r.body["title"], "Virginia Is Down");
    assert_eq!(
        windows(app, &imported["incident_id"]),
        vec![win(
            "major_outage",
            "2026-03-11T08:00:00Z",
            json!("2026-03-11T09:00:00Z")
        )]
    );
}

use crate::pagerduty::with_secrets;

crate::both!(with with_secrets;
    component_changes_open_switch_and_close_a_window,
    wrong_secrets_write_nothing,
    unknown_components_wait_and_incidents_are_imported,
);
