//! One running service per test, on a fresh database that is dropped afterwards.

use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::Value;
use sla_ledger::auth::{Keys, Role};
use sla_ledger::clock::{Clock, TestClock};
use sla_ledger::config::ServeSettings;
use sla_ledger::db::{Db, PoolSettings};
use sla_ledger::startup::Application;

pub const SECRET: &str = "test-secret";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `case` on a fresh service over `backend`. PostgreSQL tests are skipped only when
/// `SLA_TEST_POSTGRES=skip` (the Makefile sets it, loudly, when no server answers outside CI).
pub fn run(backend: Backend, case: fn(&TestApp)) {
    run_with(backend, Setup::default, case);
}

/// As `run`, on a service set up as `setup` says.
pub fn run_with(backend: Backend, setup: fn() -> Setup, case: fn(&TestApp)) {
    if skipped(backend) {
        return;
    }
    let app = TestApp::spawn_with(backend, setup());
    case(&app);
}

/// Whether this backend's half is skipped (`SLA_TEST_POSTGRES=skip`), said loudly.
pub fn skipped(backend: Backend) -> bool {
    let skip =
        backend == Backend::Postgres && std::env::var("SLA_TEST_POSTGRES").as_deref() == Ok("skip");
    if skip {
        eprintln!("SKIPPED on PostgreSQL (SLA_TEST_POSTGRES=skip)");
    }
    skip
}

/// A pool of 4 that waits longer for a connection than a service would (1 s): the whole suite
/// runs at once on two cores, and a test's setup must not fail for a busy moment.
pub fn test_pool() -> PoolSettings {
    PoolSettings {
        wait: std::time::Duration::from_secs(20),
        ..PoolSettings::sized(4)
    }
}

/// How a test's service is set up: its token checks, its settings and its pool.
pub struct Setup {
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub settings: ServeSettings,
    pub pool: PoolSettings,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            issuer: None,
            audience: None,
            settings: ServeSettings {
                body_limit: 64 * 1024,
                import_limit: 64 << 20,
                workers: Some(1),
                ..ServeSettings::default()
            },
            pool: test_pool(),
        }
    }
}

impl Setup {
    pub fn keys(&self) -> Keys {
        Keys::new(
            Some(SECRET),
            None,
            self.issuer.clone(),
            self.audience.clone(),
        )
        .expect("keys")
    }
}

pub struct TestDb {
    pub url: String,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

pub fn postgres_server() -> String {
    // Before the test's first connection opens TLS (libpq negotiates it when the server offers).
    sla_ledger::db::prepare_tls();
    std::env::var("SLA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

impl TestDb {
    pub fn create(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("test.db").to_string_lossy().into_owned();
                TestDb {
                    url,
                    postgres_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("sla_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = diesel::PgConnection::establish(&format!("{}/postgres", postgres_server()))
                    .expect("PostgreSQL at SLA_TEST_POSTGRES_URL (default 127.0.0.1:5432) must be reachable; set SLA_TEST_POSTGRES=skip to run SQLite only");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create database");
                TestDb {
                    url: format!("{}/{name}", postgres_server()),
                    postgres_name: Some(name),
                    _dir: None,
                }
            }
        }
    }

    pub fn connect(&self) -> Db {
        self.open(&test_pool())
    }

    pub fn open(&self, pool: &PoolSettings) -> Db {
        Db::open(&self.url, pool).expect("connect")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.postgres_name
            && let Ok(mut admin) =
                diesel::PgConnection::establish(&format!("{}/postgres", postgres_server()))
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

pub struct TestApp {
    pub base: String,
    /// `http://127.0.0.1:PORT` of `/metrics`, when the setup serves them.
    pub metrics_base: Option<String>,
    pub backend: Backend,
    pub keys: Keys,
    agent: ureq::Agent,
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<()>>,
    pub db: Db,
    /// The service's clock: the system's until a test sets it.
    pub clock: Arc<TestClock>,
    _test_db: TestDb,
}

/// A response: status, JSON body (Null when empty or not JSON), headers.
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub headers: ureq::http::HeaderMap,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    pub fn spawn_with(backend: Backend, setup: Setup) -> TestApp {
        let test_db = TestDb::create(backend);
        test_db.connect().migrate().expect("migrate");
        let db = test_db.open(&setup.pool);
        TestApp::serve(backend, db, test_db, setup)
    }

    /// A second service instance on this test's database (as several instances share one).
    pub fn sibling(&self) -> TestApp {
        let test_db = TestDb {
            url: self._test_db.url.clone(),
            postgres_name: None,
            _dir: None,
        };
        TestApp::serve(self.backend, test_db.connect(), test_db, Setup::default())
    }

    /// Serves `db` (which may reach `test_db` another way, e.g. through a proxy).
    pub fn serve(backend: Backend, db: Db, test_db: TestDb, setup: Setup) -> TestApp {
        if std::env::var("SLA_LOG").is_ok() {
            sla_ledger::telemetry::init().expect("logs");
        }
        let keys = setup.keys();
        let (tx, rx) = mpsc::channel();
        let server_db = db.clone();
        let clock = TestClock::new();
        let server_clock: Arc<dyn Clock> = clock.clone();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
                let app = Application::build_with_clock(
                    listener,
                    server_db,
                    setup.keys(),
                    &setup.settings,
                    server_clock,
                )
                .expect("build");
                tx.send((app.port(), app.metrics_port(), app.handle()))
                    .expect("send port");
                let _ = app.run().await;
            });
        });
        let (port, metrics_port, handle) = rx.recv().expect("server started");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            metrics_base: metrics_port.map(|p| format!("http://127.0.0.1:{p}")),
            backend,
            keys,
            agent,
            handle,
            thread: Some(thread),
            db,
            clock,
            _test_db: test_db,
        }
    }

    pub fn database_url(&self) -> &str {
        &self._test_db.url
    }

    /// Runs the `sla-ledger` binary on this test's database; answers its standard output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sla-ledger"))
            .args(args)
            .env("SLA_DATABASE_URL", self.database_url())
            .env("SLA_LOG", "warn")
            .output()
            .expect("run sla-ledger");
        assert!(
            out.status.success(),
            "sla-ledger {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// Starts the `sla-ledger serve` binary on this test's database and a free port, with these
    /// settings over the defaults; answers once it accepts connections.
    pub fn serve_binary(&self, env: &[(&str, &str)], stderr: Stdio) -> (Child, u16) {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("address")
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_sla-ledger"))
            .arg("serve")
            .env("SLA_DATABASE_URL", self.database_url())
            .env("SLA_JWT_SECRET", SECRET)
            .env("SLA_BIND", format!("127.0.0.1:{port}"))
            .env("SLA_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("run sla-ledger serve");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the service did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        (child, port)
    }

    pub fn token(&self, role: Role) -> String {
        self.keys
            .mint(&format!("{role}-user"), role, 3600)
            .expect("mint")
    }

    /// Sends a request with a role's token (None: no token) and an optional raw body.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        role: Option<Role>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Content-Type", "application/json");
        if let Some(role) = role {
            request = request.header("Authorization", format!("Bearer {}", self.token(role)));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(body.unwrap_or("").to_owned())
            .expect("request");
        let mut response = self.agent.run(request).expect("HTTP exchange");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_string()
            .unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            body,
            text,
            headers,
        }
    }

    /// Sends `request` as written (one HTTP/1.1 exchange, the server closing after it); answers
    /// the status and the whole response text.
    pub fn raw(&self, request: &[u8]) -> (u16, String) {
        use std::io::{Read, Write};
        let mut stream =
            std::net::TcpStream::connect(self.base.trim_start_matches("http://")).expect("connect");
        stream.write_all(request).expect("send");
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    pub fn get(&self, path: &str, role: Role) -> Resp {
        self.send("GET", path, Some(role), None, &[])
    }

    pub fn post(&self, path: &str, role: Role, body: &Value) -> Resp {
        self.send("POST", path, Some(role), Some(&body.to_string()), &[])
    }

    pub fn patch(&self, path: &str, role: Role, body: &Value) -> Resp {
        self.send("PATCH", path, Some(role), Some(&body.to_string()), &[])
    }

    pub fn delete(&self, path: &str, role: Role) -> Resp {
        self.send("DELETE", path, Some(role), None, &[])
    }

    /// POST as admin and insist on 201.
    pub fn create(&self, path: &str, body: Value) -> Value {
        let r = self.post(path, Role::Admin, &body);
        assert_eq!(r.status, 201, "POST {path} {body}: {}", r.text);
        r.body
    }

    // Catalog fixtures used by many tests.

    pub fn component(&self, key: &str) -> Value {
        self.create(
            "/v1/components",
            serde_json::json!({ "key": key, "name": key.to_uppercase() }),
        )
    }

    pub fn plan(&self, key: &str, components: &[&str]) -> Value {
        self.create(
            "/v1/plans",
            serde_json::json!({
                "key": key, "name": key,
                "version": {
                    "effective_from": "2026-01",
                    "price": { "amount": "300.00", "currency": "USD" },
                    "sla_target_percent": "99.9",
                    "components": components,
                }
            }),
        )
    }

    pub fn customer(&self, external_id: &str, region: Option<&str>) -> Value {
        self.create("/v1/customers", serde_json::json!({ "external_id": external_id, "name": external_id, "region": region }))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Waits (a minute at most) for a child process to exit.
pub fn wait_for_exit(child: &mut Child) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "still running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Declares each listed case as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { $crate::helpers::run($crate::helpers::Backend::Sqlite, super::$name) })*
        }
        mod postgres {
            $(#[test] fn $name() { $crate::helpers::run($crate::helpers::Backend::Postgres, super::$name) })*
        }
    };
    (with $setup:ident; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { $crate::helpers::run_with($crate::helpers::Backend::Sqlite, super::$setup, super::$name) })*
        }
        mod postgres {
            $(#[test] fn $name() { $crate::helpers::run_with($crate::helpers::Backend::Postgres, super::$setup, super::$name) })*
        }
    };
}

/// The `type` and `title` a problem of this status has (docs/api.md, "Errors").
pub fn problem_kind(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("bad-request", "Bad request"),
        401 => ("unauthorized", "Unauthorized"),
        403 => ("forbidden", "Forbidden"),
        404 => ("not-found", "Not found"),
        405 => ("method-not-allowed", "Method not allowed"),
        409 => ("conflict", "Conflict"),
        413 => ("too-large", "Payload too large"),
        415 => ("unsupported-media-type", "Unsupported media type"),
        431 => ("headers-too-large", "Request header fields too large"),
        422 => ("validation", "Invalid field"),
        429 => ("too-many-requests", "Too many requests"),
        503 => ("unavailable", "Service unavailable"),
        other => panic!("no problem type for status {other}"),
    }
}

/// Asserts a problem+json answer: status, `type`, `title`, a detail, and (for 422) the field;
/// no other member.
pub fn assert_problem(r: &Resp, status: u16, field: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "{}",
        r.text
    );
    let (kind, title) = problem_kind(status);
    assert_eq!(r.body["type"], kind, "{}", r.text);
    assert_eq!(r.body["title"], title, "{}", r.text);
    assert_eq!(r.body["status"], status);
    assert!(
        r.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{}",
        r.text
    );
    assert_eq!(
        r.body.get("field").and_then(|f| f.as_str()),
        field,
        "{}",
        r.text
    );
    // Every problem names its request, as the response's X-Request-Id does.
    assert!(
        r.body["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{}",
        r.text
    );
    assert_eq!(r.body["request_id"].as_str(), r.header("x-request-id"));
    let members = r.body.as_object().map_or(0, |o| o.len());
    assert_eq!(members, 5 + usize::from(field.is_some()), "{}", r.text);
}

/// Asserts the whole problem body: status, `type`, `title`, `detail` and `field` exactly.
pub fn assert_problem_is(r: &Resp, status: u16, field: Option<&str>, detail: &str) {
    let (kind, title) = problem_kind(status);
    let mut expected = serde_json::json!({
        "type": kind, "title": title, "status": status, "detail": detail,
    });
    if let Some(field) = field {
        expected["field"] = field.into();
    }
    expected["request_id"] = r.body["request_id"].clone();
    assert_eq!(r.body, expected, "{}", r.text);
    assert_problem(r, status, field);
}

/// Polls `check` every 100 ms until it finds something, for at most `limit`; `what` names what
/// is waited for in the failure.
pub fn poll<T>(what: &str, limit: std::time::Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let started = std::time::Instant::now();
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
