//! Tokens when an issuer and an audience are configured: both are required, `nbf` is honoured,
//! and an oversized token is refused as problem+json.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{SECRET, Setup, TestApp, assert_problem};

const ISSUER: &str = "https://idp.example.com/";
const AUDIENCE: &str = "sla-ledger";

fn with_issuer_and_audience() -> Setup {
    Setup {
        issuer: Some(ISSUER.into()),
        audience: Some(AUDIENCE.into()),
        ..Setup::default()
    }
}

fn sign(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// An admin token with every claim; `change` edits it before signing.
fn token(change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut claims = json!({
        "sub": "ops", "role": "admin", "exp": now() + 600,
        "iss": ISSUER, "aud": AUDIENCE,
    });
    change(claims.as_object_mut().unwrap());
    sign(&claims)
}

fn audit_with(app: &TestApp, token: &str) -> crate::helpers::Resp {
    app.send(
        "GET",
        "/v1/audit",
        None,
        None,
        &[("Authorization", &format!("Bearer {token}"))],
    )
}

fn issuer_and_audience_are_required(app: &TestApp) {
    assert_eq!(audit_with(app, &token(|_| {})).status, 200);
    // An identity provider may list several audiences.
    let listed = token(|c| {
        c.insert("aud".into(), json!(["billing", AUDIENCE]));
    });
    assert_eq!(audit_with(app, &listed).status, 200);

    for claim in ["iss", "aud"] {
        let missing = token(|c| {
            c.remove(claim);
        });
        assert_problem(&audit_with(app, &missing), 401, None);
        let null = token(|c| {
            c.insert(claim.into(), Value::Null);
        });
        assert_problem(&audit_with(app, &null), 401, None);
        let number = token(|c| {
            c.insert(claim.into(), json!(7));
        });
        assert_problem(&audit_with(app, &number), 401, None);
        let other = token(|c| {
            c.insert(claim.into(), json!("someone-else"));
        });
        assert_problem(&audit_with(app, &other), 401, None);
    }
}

fn a_token_not_yet_valid_is_refused(app: &TestApp) {
    let later = token(|c| {
        c.insert("nbf".into(), json!(now() + 3600));
    });
    let r = audit_with(app, &later);
    assert_problem(&r, 401, None);
    assert!(
        r.body["detail"].as_str().unwrap().contains("Immature"),
        "{}",
        r.text
    );
    let valid_now = token(|c| {
        c.insert("nbf".into(), json!(now() - 5));
    });
    assert_eq!(audit_with(app, &valid_now).status, 200);
}

fn audit_raw(app: &TestApp, token: &str) -> (u16, String) {
    let request = format!(
        "GET /v1/audit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    );
    app.raw(request.as_bytes())
}

fn an_oversized_token_is_a_problem(app: &TestApp) {
    // A signed token of about 96 KB (base64 of 70 KiB of claims): within what the HTTP library
    // reads, beyond the head limit.
    let huge = token(|c| {
        c.insert("padding".into(), json!("x".repeat(70 * 1024)));
    });
    let (status, text) = audit_raw(app, &huge);
    assert_eq!(status, 431, "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
    assert!(text.contains(r#""field":"authorization""#), "{text}");
    // Heads of 128 KiB or more are closed by actix-http itself with an empty 431 (docs/api.md).
    let (status, _) = audit_raw(app, &"x".repeat(130 * 1024));
    assert_eq!(status, 431);
    // The service still answers.
    assert_eq!(audit_with(app, &token(|_| {})).status, 200);
}

crate::both!(with with_issuer_and_audience;
    issuer_and_audience_are_required,
    a_token_not_yet_valid_is_refused,
    an_oversized_token_is_a_problem,
);
