//! Logs of the running binary: one JSON object a line when asked, no colour codes when standard
//! error is not a terminal, each request's lines carrying its id, and no secret, token or
//! database password anywhere.

use std::io::Read;
use std::process::{Command, Stdio};

use sla_ledger::auth::Role;

use crate::helpers::{Backend, SECRET, TestApp, wait_for_exit};

/// Serves with `env`, sends a few requests (one with id `log-me`), stops, and answers the logs.
fn logs_of(app: &TestApp, env: &[(&str, &str)]) -> String {
    let (mut child, port) = app.serve_binary(env, Stdio::piped());
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let base = format!("http://127.0.0.1:{port}");
    let token = app.token(Role::Admin);
    let r = agent
        .get(format!("{base}/v1/components"))
        .header("Authorization", format!("Bearer {token}"))
        .header("X-Request-Id", "log-me")
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = agent
        .get(format!("{base}/v1/customers/nobody"))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = agent
        .get(format!("{base}/v1/audit"))
        .header("Authorization", "Bearer not.a.token")
        .call()
        .unwrap();
    assert_eq!(r.status(), 401);
    // A Statuspage webhook's URL carries its secret: the log shows the route, not the secret.
    let r = agent
        .post(format!("{base}/v1/ingest/statuspage/sp-url-secret-5150"))
        .header("Content-Type", "application/json")
        .send("{}")
        .unwrap();
    assert_eq!(r.status(), 401);
    // However the path is written.
    let r = agent
        .post(format!("{base}/v1/ingest/statuspag%65/sp-url-secret-5150"))
        .header("Content-Type", "application/json")
        .send("{}")
        .unwrap();
    assert_eq!(r.status(), 401);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(wait_for_exit(&mut child).success());
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    // Nothing secret: the signing secret, a token, the database password.
    for secret in [SECRET, token.as_str(), "pw-hunter2", "sp-url-secret-5150"] {
        assert!(!logs.contains(secret), "a secret in the logs: {logs}");
    }
    logs
}

/// On PostgreSQL the URL carries a password (trust authentication ignores it).
fn url_with_password(app: &TestApp) -> String {
    match app.backend {
        Backend::Postgres => app.database_url().replacen(
            "postgres://postgres@",
            "postgres://postgres:pw-hunter2@",
            1,
        ),
        Backend::Sqlite => app.database_url().to_owned(),
    }
}

fn json_logs_carry_the_request_id(app: &TestApp) {
    let url = url_with_password(app);
    let logs = logs_of(
        app,
        &[
            ("SLA_LOG_FORMAT", "json"),
            ("SLA_LOG", "debug"),
            ("SLA_DATABASE_URL", &url),
        ],
    );
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let answered = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "log-me" && l["fields"]["message"] == "answered")
        .unwrap_or_else(|| panic!("no line of request log-me: {logs}"));
    assert_eq!(answered["fields"]["status"], 200);
    assert_eq!(answered["span"]["path"], "/v1/components");
}

fn text_logs_have_no_colour_codes_off_a_terminal(app: &TestApp) {
    let url = url_with_password(app);
    let logs = logs_of(app, &[("SLA_LOG", "debug"), ("SLA_DATABASE_URL", &url)]);
    assert!(logs.contains("request_id=log-me"), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "escape sequences in a log file: {logs}"
    );
}

fn an_unknown_log_format_is_refused(app: &TestApp) {
    let out = Command::new(env!("CARGO_BIN_EXE_sla-ledger"))
        .args(["migrate"])
        .env("SLA_DATABASE_URL", app.database_url())
        .env("SLA_LOG_FORMAT", "yaml")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SLA_LOG_FORMAT=yaml: use `text` or `json`"),
        "{stderr}"
    );
}

crate::both!(
    json_logs_carry_the_request_id,
    text_logs_have_no_colour_codes_off_a_terminal,
    an_unknown_log_format_is_refused,
);
