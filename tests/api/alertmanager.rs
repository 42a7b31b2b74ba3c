//! The real Prometheus Alertmanager (Debian's `prometheus-alertmanager`; the Makefile installs
//! it) delivers to the service: alerts posted to Alertmanager's own API open, change and close
//! windows, and the month's statement shows the downtime.

use std::time::Duration;

use serde_json::{Value, json};
use sla_ledger::auth::Role;

use crate::helpers::TestApp;

const BINARY: &str = "/usr/bin/prometheus-alertmanager";

struct Alertmanager {
    child: std::process::Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `check` for up to a minute.
fn wait_for<T>(what: &str, check: impl FnMut() -> Option<T>) -> T {
    crate::helpers::poll(what, Duration::from_secs(60), check)
}

/// Alertmanager with one receiver, the service, sending each change of a group at once.
fn start(app: &TestApp) -> Option<Alertmanager> {
    if !std::path::Path::new(BINARY).exists() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "prometheus-alertmanager is missing (make test installs it)"
        );
        eprintln!("SKIPPED: {BINARY} is missing (make test installs it)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(
        &config,
        format!(
            "route:\n  receiver: sla-ledger\n  group_by: [alertname]\n  group_wait: 0s\n  \
             group_interval: 1s\n  repeat_interval: 1h\n\
             receivers:\n  - name: sla-ledger\n    webhook_configs:\n      \
             - url: {}/v1/ingest/alertmanager\n        send_resolved: true\n        \
             http_config:\n          authorization:\n            type: Bearer\n            \
             credentials: {}\n",
            app.base,
            app.token(Role::Reporter)
        ),
    )
    .unwrap();
    let port = free_port();
    let child = std::process::Command::new(BINARY)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_for("Alertmanager to be ready", || {
        ureq::get(format!("{base}/-/ready")).call().ok().map(drop)
    });
    Some(Alertmanager {
        child,
        base,
        _dir: dir,
    })
}

fn rfc3339(t: i64) -> String {
    sla_ledger::domain::format_instant(t)
}

impl Alertmanager {
    /// Posts alerts to Alertmanager's own API (v2), as Prometheus does.
    fn post(&self, alerts: Value) {
        ureq::post(format!("{}/api/v2/alerts", self.base))
            .send_json(alerts)
            .unwrap();
    }
}

fn api_down(severity: &str, starts: i64, ends: Option<i64>) -> Value {
    let mut alert = json!({
        "labels": {"alertname": "ApiDown", "service": "api", "severity": severity},
        "annotations": {"summary": "API is down"},
        "startsAt": rfc3339(starts),
        "generatorURL": "http://prometheus:9090/graph"
    });
    if let Some(ends) = ends {
        alert["endsAt"] = json!(rfc3339(ends));
    }
    alert
}

/// The windows of the incident Alertmanager's group opened: (severity, start, end).
fn windows(app: &TestApp) -> Vec<(String, i64, Option<i64>)> {
    let incidents = app.get("/v1/incidents", Role::Viewer);
    let Some(id) = incidents.body["items"][0]["id"].as_i64() else {
        return Vec::new();
    };
    let at = |v: &Value| {
        v.as_str()
            .map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp())
    };
    app.get(&format!("/v1/incidents/{id}"), Role::Viewer).body["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["severity"].as_str().unwrap().to_owned(),
                at(&w["start"]).unwrap(),
                at(&w["end"]),
            )
        })
        .collect()
}

fn alertmanager_opens_changes_and_closes_windows(app: &TestApp) {
    let Some(alertmanager) = start(app) else {
        return;
    };
    app.component("api");
    app.plan("pro", &["api"]);
    app.customer("acme", Some("na"));
    app.create(
        "/v1/customers/acme/subscriptions",
        json!({"plan": "pro", "start": "2020-01-01T00:00:00Z"}),
    );
    app.create(
        "/v1/ingest/rules",
        json!({"source": "alertmanager", "component_label": "service", "severity_label": "severity",
            "severities": {"critical": "major_outage", "warning": "partial_outage"}}),
    );
    // Whole seconds in the last ten minutes: Alertmanager takes alerts as they happen.
    let now = chrono::Utc::now().timestamp();
    let (t0, t1, t2) = (now - 600, now - 300, now - 60);

    alertmanager.post(json!([api_down("warning", t0, None)]));
    let opened = wait_for("the warning window", || {
        let w = windows(app);
        (!w.is_empty()).then_some(w)
    });
    assert_eq!(opened, vec![("partial_outage".to_owned(), t0, None)]);

    // The warning ends at t1 and a critical alert of the same group starts there.
    alertmanager.post(json!([
        api_down("warning", t0, Some(t1)),
        api_down("critical", t1, None)
    ]));
    let changed = wait_for("the change of severity", || {
        let w = windows(app);
        (w.len() == 2 && w[0].2.is_some()).then_some(w)
    });
    assert_eq!(
        changed,
        vec![
            ("partial_outage".to_owned(), t0, Some(t1)),
            ("major_outage".to_owned(), t1, None)
        ]
    );

    alertmanager.post(json!([api_down("critical", t1, Some(t2))]));
    let closed = wait_for("the critical window to close", || {
        let w = windows(app);
        (w.len() == 2 && w[1].2.is_some()).then_some(w)
    });
    assert_eq!(closed[1], ("major_outage".to_owned(), t1, Some(t2)));
    let incident = app.get("/v1/incidents", Role::Viewer).body["items"][0].clone();
    assert_eq!(incident["status"], "resolved");
    assert_eq!(incident["title"], "API is down");

    // The month's statement: 300 s × 0.3 + 240 s × 1 = 330 s (the windows may straddle a month
    // boundary only in the first ten minutes of a month; then the test counts both months).
    let downtime: f64 = [t0, t2]
        .iter()
        .map(|t| sla_ledger::engine::Period::containing(*t, chrono_tz::UTC))
        .collect::<std::collections::BTreeSet<_>>()
        .iter()
        .map(|p| {
            let s = app.get(
                &format!("/v1/customers/acme/statement?period={p}"),
                Role::Viewer,
            );
            assert_eq!(s.status, 200, "{}", s.text);
            s.body["subscriptions"][0]["downtime_seconds"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    assert_eq!(downtime, 330.0);
}

crate::both!(alertmanager_opens_changes_and_closes_windows);
