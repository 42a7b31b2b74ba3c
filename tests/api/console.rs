//! The console in real Chromium (Debian's `chromium` and `chromium-driver`; the Makefile
//! installs them), driven over WebDriver's HTTP protocol. ChromeDriver starts once for this
//! test binary; each case has its own browser session.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};
use sla_ledger::auth::Role;
use sla_ledger::clock::Clock as _;

use crate::helpers::TestApp;

const DRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// ChromeDriver's address, started on first use; none when it is not installed (a failure
/// under `CI=true`).
fn driver() -> Option<&'static str> {
    static DRIVER_BASE: OnceLock<Option<String>> = OnceLock::new();
    DRIVER_BASE
        .get_or_init(|| {
            if !std::path::Path::new(DRIVER).exists() {
                assert_ne!(
                    std::env::var("CI").as_deref(),
                    Ok("true"),
                    "chromium-driver is missing (make test installs it)"
                );
                eprintln!("SKIPPED: {DRIVER} is missing (make test installs it)");
                return None;
            }
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            // Lives as long as this test binary: a shell starts it and stops it when its
            // standard input closes, which happens when the binary exits (the handle is kept).
            std::mem::forget(
                std::process::Command::new("sh")
                    .arg("-c")
                    .arg(format!(
                        "{DRIVER} --port={port} >/dev/null 2>&1 & driver=$!; cat >/dev/null; \
                         kill $driver"
                    ))
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap(),
            );
            let base = format!("http://127.0.0.1:{port}");
            until("ChromeDriver to start", || {
                ureq::get(format!("{base}/status")).call().ok().map(drop)
            });
            Some(base)
        })
        .as_deref()
}

/// Polls `check` for up to 30 s.
fn until<T>(what: &str, check: impl FnMut() -> Option<T>) -> T {
    crate::helpers::poll(what, Duration::from_secs(30), check)
}

/// One headless browser.
struct Browser {
    session: String,
}

impl Browser {
    fn open() -> Option<Browser> {
        let base = driver()?;
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--window-size=800,900"]}}}});
        let mut r = ureq::post(format!("{base}/session"))
            .send_json(caps)
            .unwrap();
        let body: Value = r.body_mut().read_json().unwrap();
        let session = body["value"]["sessionId"].as_str().unwrap().to_owned();
        Some(Browser {
            session: format!("{base}/session/{session}"),
        })
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.session);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut r = match method {
            "GET" => agent.get(&url).call(),
            _ => agent.post(&url).send_json(body),
        }
        .unwrap();
        r.body_mut().read_json::<Value>().unwrap()["value"].clone()
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    /// The element `#id`, waited for.
    fn find(&self, id: &str) -> String {
        self.select(&format!("#{id}"))
    }

    /// The first element `selector` finds, waited for.
    fn select(&self, selector: &str) -> String {
        until(selector, || {
            let found = self.call(
                "POST",
                "/element",
                json!({"using": "css selector", "value": selector}),
            );
            found[ELEMENT].as_str().map(str::to_owned)
        })
    }

    fn text(&self, id: &str) -> String {
        let e = self.find(id);
        self.call("GET", &format!("/element/{e}/text"), Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn displayed(&self, id: &str) -> bool {
        let e = self.find(id);
        self.call("GET", &format!("/element/{e}/displayed"), Value::Null) == json!(true)
    }

    fn click(&self, id: &str) {
        let e = self.find(id);
        self.call("POST", &format!("/element/{e}/click"), json!({}));
    }

    fn type_into(&self, id: &str, text: &str) {
        let e = self.find(id);
        self.call("POST", &format!("/element/{e}/clear"), json!({}));
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            json!({ "text": text }),
        );
    }

    /// Waits until `#id`'s text contains `part`.
    fn sees(&self, id: &str, part: &str) {
        let started = std::time::Instant::now();
        loop {
            let text = self.text(id);
            if text.contains(part) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "waited 30 s for #{id} to show {part:?}; it shows {text:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs `script` in the page (its last argument is the callback) and answers its result.
    fn run_async(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/async",
            json!({ "script": script, "args": [] }),
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.session).call();
    }
}

fn sign_in(b: &Browser, app: &TestApp, role: Role) {
    b.go(&format!("{}/console/", app.base));
    b.type_into("token", &app.token(role));
    b.click("sign-in");
    b.sees("who", &format!("({role})"));
}

fn billing_runs_the_month_and_a_viewer_sees_no_controls(app: &TestApp) {
    let Some(b) = Browser::open() else {
        return;
    };
    crate::statements::worked_example(app);
    sign_in(&b, app, Role::Billing);
    b.type_into("period", "2026-01");
    b.click("show");
    b.sees("run-state", "No credit run yet for 2026-01");
    assert!(b.displayed("run") && b.displayed("preview"));
    assert!(
        !b.displayed("approve"),
        "support's control is not billing's"
    );
    b.click("run");
    b.sees("run-state", "succeeded, started by billing-user");
    b.sees("totals", "30.00 USD");
    b.sees("counts", "pending: 1");
    // The month's exposure, and the credit's page with the statement behind it and why.
    b.sees("exposure-totals", "Total 30.00 USD for 1 subscriptions");
    b.sees(
        "exposure",
        "acme (pro): 30.00 USD, uptime 99.7563 %, -63.98 minutes to the target",
    );
    let link = b.select("#credits a");
    b.call("POST", &format!("/element/{link}/click"), json!({}));
    b.sees("credit-title", "acme, 2026-01");
    b.sees("credit-figures", "99.7563 %");
    b.sees("credit-figures", "108.50");
    b.sees("credit-summary", "The credit is 30.00 USD.");
    b.sees("credit-history", "credit.create by billing-user");
    b.click("back");
    b.sees("run-state", "succeeded");
    b.click("sign-out");
    b.sees("message", "Signed out.");
    assert!(b.displayed("token"), "back at sign-in");

    // A viewer sees the month but no control to change it, and the API refuses a forged run.
    sign_in(&b, app, Role::Viewer);
    b.type_into("period", "2026-01");
    b.click("show");
    b.sees("counts", "pending: 1");
    assert!(!b.displayed("run") && !b.displayed("preview") && !b.displayed("approve"));
    assert!(b.displayed("no-action"));
    let status = b.run_async(
        "const done = arguments[arguments.length - 1];
         fetch('/v1/credit-runs', {method: 'POST', headers: {'Content-Type': 'application/json',
           Authorization: 'Bearer ' + sessionStorage.getItem('token')},
           body: JSON.stringify({period: '2026-01'})}).then(r => done(r.status));",
    );
    assert_eq!(status, json!(403));

    // An expired token sends the person back to sign in.
    let expired = app.keys.mint("old", Role::Viewer, -5).unwrap();
    b.run_async(&format!(
        "const done = arguments[arguments.length - 1];
         sessionStorage.setItem('token', '{expired}'); done(true);"
    ));
    b.click("show");
    b.sees("message", "sign in again");
    assert!(b.displayed("token"));
}

/// `sla-ledger token --link` for this test's service and database.
pub fn sign_in_link(app: &TestApp, sub: &str, role: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sla-ledger"))
        .args([
            "token",
            "--sub",
            sub,
            "--role",
            role,
            "--link",
            "--console-url",
        ])
        .arg(format!("{}/console/", app.base))
        .env("SLA_DATABASE_URL", app.database_url())
        .env("SLA_JWT_SECRET", crate::helpers::SECRET)
        .env("SLA_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn a_sign_in_link_works_once(app: &TestApp) {
    let link = sign_in_link(app, "ada", "support");
    assert!(
        link.starts_with(&format!("{}/console/#link=", app.base)),
        "{link}"
    );
    let Some(b) = Browser::open() else {
        return;
    };
    b.go(&link);
    b.sees("who", "Signed in as ada (support)");
    assert!(b.displayed("approve") && !b.displayed("run"));
    // The link is gone from the address bar, and a second use is refused.
    b.click("sign-out");
    b.go(&link);
    b.sees("message", "was used, has expired or never existed");
    assert!(b.displayed("token"));
}

/// The exchange through the API: once, and only within its ten minutes.
fn sign_in_links_expire(app: &TestApp) {
    let code = |link: &str| link.split("#link=").nth(1).unwrap().to_owned();
    let used = code(&sign_in_link(app, "ada", "billing"));
    let r = app.send("POST", &format!("/v1/sign-in/{used}"), None, None, &[]);
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.body["token"].as_str().unwrap().to_owned();
    let who = app.send(
        "GET",
        "/v1/credit-runs",
        None,
        None,
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(who.status, 200, "the token works: {}", who.text);
    let again = app.send("POST", &format!("/v1/sign-in/{used}"), None, None, &[]);
    crate::helpers::assert_problem(&again, 401, None);
    let late = code(&sign_in_link(app, "ada", "billing"));
    app.clock.set(app.clock.now() + 11 * 60);
    let r = app.send("POST", &format!("/v1/sign-in/{late}"), None, None, &[]);
    crate::helpers::assert_problem(&r, 401, None);
}

/// Support approves a credit on its page; problems the API names a field for show next to it;
/// billing marks it applied.
fn support_and_billing_move_a_credit(app: &TestApp) {
    let Some(b) = Browser::open() else {
        return;
    };
    crate::statements::worked_example(app);
    crate::credits::run(app, "2026-01");
    let id = app.get("/v1/credits?period=2026-01", Role::Viewer).body["items"][0]["id"].clone();
    sign_in(&b, app, Role::Support);
    b.go(&format!("{}/console/#credit/{id}", app.base));
    b.sees("credit-figures", "pending");
    assert!(b.displayed("credit-approve") && b.displayed("void-form"));
    b.click("credit-approve");
    b.sees("message", "is approved");
    b.sees("credit-figures", "approved");
    // Voiding needs a reason: the API's problem shows next to the field.
    b.click("credit-void");
    until("the reason's error", || {
        (!b.text("void-reason-error").is_empty()).then_some(())
    });
    b.sees("credit-figures", "approved");

    b.click("sign-out");
    sign_in(&b, app, Role::Billing);
    b.go(&format!("{}/console/#credit/{id}", app.base));
    b.sees("credit-figures", "approved");
    assert!(!b.displayed("credit-approve") && !b.displayed("void-form"));
    b.click("credit-apply");
    until("the reference's error", || {
        (!b.text("billing-reference-error").is_empty()).then_some(())
    });
    b.type_into("billing-reference", "inv-2026-0142");
    b.click("credit-apply");
    b.sees("message", "is applied");
    b.sees("credit-figures", "applied");
    b.sees("credit-history", "credit.apply by billing-user");
    assert_eq!(
        b.text("billing-reference-error"),
        "",
        "cleared once it worked"
    );
    // The customer's page shows it applied, beside the statements month by month (the three
    // months ending with the month page's period).
    b.click("credit-customer");
    b.sees("customer-title", "acme (acme, na)");
    b.sees("customer-subscriptions", "pro from");
    b.go(&format!("{}/console/#month", app.base));
    b.type_into("period", "2026-01");
    b.click("show");
    b.sees("counts", "applied: 1");
    b.go(&format!("{}/console/#customer/acme", app.base));
    b.sees(
        "customer-statements",
        "2026-01, pro: uptime 99.7563 %, downtime 108.50 minutes, 30.00 USD",
    );
    b.sees("customer-statements", "2025-12: no subscription active");
    b.sees("customer-credits", "2026-01: 30.00 USD (sla, applied)");
}

crate::both!(
    billing_runs_the_month_and_a_viewer_sees_no_controls,
    support_and_billing_move_a_credit,
    a_sign_in_link_works_once,
    sign_in_links_expire,
);
