//! `/metrics` on its own address: requests by route template, credit runs, credits by status and
//! currency, the pool; and a real Prometheus that scrapes it.

use std::time::{Duration, Instant};

use serde_json::Value;
use sla_ledger::auth::Role;
use sla_ledger::config::ServeSettings;

use crate::helpers::{Backend, Setup, TestApp, run_with};

pub fn with_metrics() -> Setup {
    let defaults = Setup::default();
    Setup {
        settings: ServeSettings {
            metrics_bind: Some("127.0.0.1:0".into()),
            ..defaults.settings
        },
        ..defaults
    }
}

/// The metrics text, as a scraper gets it.
fn scrape(app: &TestApp) -> String {
    let url = format!("{}/metrics", app.metrics_base.as_ref().unwrap());
    let mut r = ureq::get(&url).call().unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
    );
    r.body_mut().read_to_string().unwrap()
}

fn has_line(text: &str, line: &str) {
    assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
}

fn requests_runs_and_credits_are_counted(app: &TestApp) {
    crate::statements::worked_example(app);
    crate::credits::run(app, "2026-01");
    for _ in 0..2 {
        assert_eq!(app.get("/v1/components/api", Role::Viewer).status, 200);
    }
    assert_eq!(app.get("/v1/credits/approve", Role::Viewer).status, 405);
    assert_eq!(app.get("/v1/no/such/route", Role::Viewer).status, 404);
    // The run's worker counts it just after its state is committed, which the run's poll saw.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !scrape(app).contains(r#"sla_credit_runs_total{outcome="succeeded"} 1"#) {
        assert!(
            std::time::Instant::now() < deadline,
            "the run was never counted"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let text = scrape(app);
    has_line(
        &text,
        r#"sla_http_requests_total{method="GET",route="/v1/components/{key}",status="200"} 2"#,
    );
    has_line(
        &text,
        r#"sla_http_request_duration_seconds_count{method="GET",route="/v1/components/{key}"} 2"#,
    );
    has_line(
        &text,
        r#"sla_http_requests_total{method="POST",route="/v1/credit-runs",status="202"} 1"#,
    );
    has_line(
        &text,
        r#"sla_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
    );
    has_line(&text, "sla_http_requests_in_flight 0");
    has_line(&text, r#"sla_credit_runs_total{outcome="succeeded"} 1"#);
    has_line(&text, r#"sla_credits{status="pending",currency="USD"} 1"#);
    has_line(
        &text,
        r#"sla_credit_amount_minor{status="pending",currency="USD"} 3000"#,
    );
    assert!(text.contains("sla_db_pool_connections "), "{text}");
    has_line(&text, "sla_db_pool_size 4");
    has_line(&text, "sla_db_pool_in_use 0");
    assert!(text.contains("sla_db_pool_wait_seconds_count "), "{text}");
    has_line(&text, "sla_db_pool_timeouts_total 0");
    // Not on the API's address.
    assert_eq!(app.send("GET", "/metrics", None, None, &[]).status, 404);
}

fn at(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

fn exposure_is_a_gauge_at_most_a_minute_old(app: &TestApp) {
    app.clock.set(at("2026-01-31T12:00:00Z"));
    crate::statements::worked_example(app);
    // January is still burning: SPEC §8's month so far, 30.00 USD.
    has_line(
        &scrape(app),
        r#"sla_exposure_owed_minor{currency="USD"} 3000"#,
    );
    // Six more hours of outage: U = 100 × (44,520 − 468.5) / 44,520 = 98.9476 % → 25 %, 75.00.
    let r = app.post(
        "/v1/incidents",
        Role::Reporter,
        &serde_json::json!({"title": "More", "status": "resolved", "windows": [{"component": "api",
            "severity": "major_outage", "start": "2026-01-20T00:00:00Z", "end": "2026-01-20T06:00:00Z"}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    app.clock.set(at("2026-01-31T12:00:59Z"));
    has_line(
        &scrape(app),
        r#"sla_exposure_owed_minor{currency="USD"} 3000"#,
    );
    app.clock.set(at("2026-01-31T12:01:00Z"));
    has_line(
        &scrape(app),
        r#"sla_exposure_owed_minor{currency="USD"} 7500"#,
    );
}

crate::both!(with with_metrics; requests_runs_and_credits_are_counted, exposure_is_a_gauge_at_most_a_minute_old);

/// Prometheus answers a query: the value of its first result.
fn query(prometheus: &str, promql: &str) -> Option<f64> {
    let mut r = ureq::get(format!("{prometheus}/api/v1/query"))
        .query("query", promql)
        .call()
        .ok()?;
    let body: Value = r.body_mut().read_json().ok()?;
    body["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "waited a minute for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Debian's `prometheus` (the Makefile installs it) scrapes the service: the target is up and a
/// request counter moves.
fn prometheus_scrapes_the_service(app: &TestApp) {
    let binary = std::path::Path::new("/usr/bin/prometheus");
    if !binary.exists() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "prometheus is missing (make test installs it)"
        );
        eprintln!("SKIPPED: /usr/bin/prometheus is missing (make test installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let target = app
        .metrics_base
        .as_ref()
        .unwrap()
        .trim_start_matches("http://");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
             scrape_configs:\n  - job_name: sla-ledger\n    static_configs:\n      \
             - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(binary)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let prometheus = format!("http://127.0.0.1:{port}");
    wait_for("the target to be up", || {
        query(&prometheus, r#"up{job="sla-ledger"}"#) == Some(1.0)
    });
    let counter = r#"sum(sla_http_requests_total{route="/v1/components"})"#;
    let before = query(&prometheus, counter).unwrap_or(0.0);
    for _ in 0..5 {
        assert_eq!(app.get("/v1/components", Role::Viewer).status, 200);
    }
    wait_for("the request counter to move", || {
        query(&prometheus, counter).is_some_and(|now| now >= before + 5.0)
    });
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn prometheus_scrapes_the_service_on_sqlite() {
    run_with(
        Backend::Sqlite,
        with_metrics,
        prometheus_scrapes_the_service,
    );
}
