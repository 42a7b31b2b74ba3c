//! Every JSON answer of a month's walk matches the schema `openapi.yaml` declares for its
//! operation and status (undocumented fields included), and the walk reaches every route.

mod catalog;
mod check;
mod ingest;
mod ledger;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use sla_ledger::api::ROUTES;
use sla_ledger::auth::Role;

use crate::helpers::TestApp;
use check::Checker;

fn a_month_of_answers_matches_openapi(app: &TestApp) {
    let mut c = Checker::new(app);
    let month = catalog::walk(&mut c);
    ledger::walk(&mut c, &month);
    ingest::walk(&mut c);
    errors(&mut c);
    c.assert_all_match();

    let succeeded: BTreeSet<(String, String)> = c
        .checked
        .iter()
        .filter(|(_, _, status)| (200..300).contains(status))
        .map(|(method, template, _)| (method.clone(), template.clone()))
        .collect();
    let missed: Vec<String> = ROUTES
        .iter()
        .filter(|r| !succeeded.contains(&(r.method.to_owned(), r.path.to_owned())))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(missed.is_empty(), "no checked 2xx answer for {missed:?}");
    for status in [400, 401, 403, 404, 409, 422] {
        assert!(
            c.checked.iter().any(|(_, _, s)| *s == status),
            "no checked {status} answer"
        );
    }
}

/// One problem answer of each common kind.
fn errors(c: &mut Checker) {
    type Case = (&'static str, &'static str, Option<Role>, Option<Value>, u16);
    let cases: [Case; 8] = [
        ("GET", "/v1/components", None, None, 401),
        (
            "POST",
            "/v1/components",
            Some(Role::Viewer),
            Some(json!({"key": "x", "name": "X"})),
            403,
        ),
        ("GET", "/v1/components/nope", Some(Role::Viewer), None, 404),
        ("POST", "/v1/components", Some(Role::Admin), None, 400),
        (
            "POST",
            "/v1/components",
            Some(Role::Admin),
            Some(json!({"key": "api", "name": "again"})),
            409,
        ),
        ("GET", "/v1/credits?limit=0", Some(Role::Viewer), None, 422),
        (
            "GET",
            "/v1/customers/acme/statement?period=2026-13",
            Some(Role::Viewer),
            None,
            422,
        ),
        (
            "POST",
            "/v1/credit-runs",
            Some(Role::Billing),
            Some(json!({"period": "2099-01"})),
            409,
        ),
    ];
    for (method, path, role, body, status) in cases {
        let r = c.send(method, path, role, body.as_ref(), &[]);
        assert_eq!(r.status, status, "{method} {path}: {}", r.text);
    }
}

use crate::pagerduty::with_secrets;

crate::both!(with with_secrets; a_month_of_answers_matches_openapi);

/// The conversion is strict where it should be: an undocumented field, a null where none is
/// allowed and a bad instant are caught; `allOf` members' fields and declared nulls pass.
#[test]
fn the_converted_schemas_are_strict() {
    let schemas = check::Schemas::of(&check::spec());
    let validator =
        |name: &str| schemas.validator(&json!({"$ref": format!("#/components/schemas/{name}")}));
    let component = json!({"key": "api", "name": "API", "description": "", "group": null,
        "external_id": null, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"});
    let v = validator("ComponentPage");
    assert!(v.is_valid(&json!({"items": [component], "next_cursor": null})));
    let mut extra = component.clone();
    extra["extra"] = json!(1);
    assert!(!v.is_valid(&json!({"items": [extra], "next_cursor": null})));
    assert!(!v.is_valid(&json!({"items": [], "next_cursor": null, "total": 0})));
    let mut null_name = component.clone();
    null_name["name"] = json!(null);
    assert!(!v.is_valid(&json!({"items": [null_name], "next_cursor": null})));
    let mut bad_instant = component.clone();
    bad_instant["created_at"] = json!("2026-01-01 00:00");
    assert!(!v.is_valid(&json!({"items": [bad_instant], "next_cursor": null})));
    assert!(
        !validator("CreditPage").is_valid(&json!({"items": [component], "next_cursor": null})),
        "a credit page's items are credits"
    );
    let detail = validator("CreditDetail");
    assert!(
        !detail.is_valid(&json!({"history": []})),
        "Credit's fields are required"
    );
}
