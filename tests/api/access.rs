//! Every route with every role, and without a token (SPEC §7).

use sla_ledger::api::ROUTES;
use sla_ledger::auth::Role;

use crate::helpers::{TestApp, assert_problem};

/// SPEC §7, written out independently of the route table.
fn may(role: Role, method: &str, path: &str) -> bool {
    if path == "/healthz" || path == "/readyz" {
        return true;
    }
    if path.starts_with("/v1/audit") {
        return role == Role::Admin;
    }
    // Exports are for billing; the uptime report is public information.
    if path.starts_with("/v1/reports") && path != "/v1/reports/uptime.csv" {
        return matches!(role, Role::Billing | Role::Admin);
    }
    // Reading, and simulating, which writes nothing.
    if method == "GET" || path == "/v1/simulations" {
        return true;
    }
    if path.starts_with("/v1/ingest/rules") {
        return role == Role::Admin;
    }
    if path.starts_with("/v1/ingest") {
        return matches!(role, Role::Reporter | Role::Admin);
    }
    if path == "/v1/credit-runs" {
        return matches!(role, Role::Billing | Role::Admin);
    }
    if path.ends_with("/apply") {
        return matches!(role, Role::Support | Role::Billing | Role::Admin);
    }
    if path.starts_with("/v1/credits") {
        return matches!(role, Role::Support | Role::Admin);
    }
    // Monitoring and on-call report incidents.
    if path.starts_with("/v1/incidents") || path.starts_with("/v1/imports") {
        return matches!(role, Role::Reporter | Role::Admin);
    }
    // Catalog changes are for admins only.
    role == Role::Admin
}

fn concrete(path: &str) -> String {
    path.replace("{key}", "nothing")
        .replace("{external_id}", "nobody")
        .replace("{id}", "424242")
        .replace("{window_id}", "424243")
        .replace("{secret}", "not-the-secret")
        .replace("{code}", "not-a-code")
}

fn every_route_checks_roles(app: &TestApp) {
    for route in ROUTES {
        let path = concrete(route.path);
        // PagerDuty signs its webhooks and Statuspage's URL carries a secret instead of a
        // token: whatever the token, a delivery without them is a 401 (tests/api/pagerduty.rs,
        // tests/api/statuspage_webhooks.rs).
        if route.path == "/v1/ingest/pagerduty"
            || route.path == "/v1/ingest/statuspage/{secret}"
            || route.path == "/v1/sign-in/{code}"
        {
            for role in Role::ALL {
                let r = app.send(route.method, &path, Some(role), Some("{}"), &[]);
                assert_problem(&r, 401, None);
            }
            continue;
        }
        let public = route.path == "/healthz" || route.path == "/readyz";
        if !public {
            let anonymous = app.send(route.method, &path, None, Some("{}"), &[]);
            assert_problem(&anonymous, 401, None);
            let forged = app.send(
                route.method,
                &path,
                None,
                Some("{}"),
                &[("Authorization", "Bearer not.a.token")],
            );
            assert_problem(&forged, 401, None);
        }
        for role in Role::ALL {
            let r = app.send(route.method, &path, Some(role), Some("{}"), &[]);
            assert!(
                r.status < 500,
                "{} {path} as {role}: {}",
                route.method,
                r.text
            );
            if may(role, route.method, route.path) {
                assert!(
                    r.status != 401 && r.status != 403,
                    "{} {path} as {role}: {}",
                    route.method,
                    r.text
                );
            } else {
                assert_problem(&r, 403, None);
            }
        }
    }
}

fn expired_and_foreign_tokens_are_refused(app: &TestApp) {
    let expired = app.keys.mint("old", Role::Admin, -5).unwrap();
    let r = app.send(
        "GET",
        "/v1/components",
        None,
        None,
        &[("Authorization", &format!("Bearer {expired}"))],
    );
    assert_problem(&r, 401, None);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    let lower = format!("bearer {}", app.token(Role::Viewer));
    assert_eq!(
        app.send(
            "GET",
            "/v1/components",
            None,
            None,
            &[("Authorization", &lower)]
        )
        .status,
        200,
        "the scheme is case-insensitive"
    );
    let other = sla_ledger::auth::Keys::new(Some("another-secret"), None, None, None).unwrap();
    let forged = other.mint("eve", Role::Admin, 60).unwrap();
    let r = app.send(
        "GET",
        "/v1/components",
        None,
        None,
        &[("Authorization", &format!("Bearer {forged}"))],
    );
    assert_problem(&r, 401, None);
}

crate::both!(
    every_route_checks_roles,
    expired_and_foreign_tokens_are_refused
);
