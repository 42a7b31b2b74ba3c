//! The console in real Chromium (Debian's `chromium` and `chromium-driver`; the Makefile
//! installs them), driven over WebDriver's HTTP protocol. ChromeDriver starts once for this
//! test binary; each case has its own browser session.

use std::path::Path;
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
            // Browsers in UTC, so the days the pages show are the same on every machine.
            // Lives as long as this test binary: a shell starts it and stops it when its
            // standard input closes, which happens when the binary exits (the handle is kept).
            std::mem::forget(
                std::process::Command::new("sh")
                    .arg("-c")
                    .arg(format!(
                        "TZ=UTC {DRIVER} --port={port} >/dev/null 2>&1 & driver=$!; cat >/dev/null; \
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
        Browser::sized(800, 900, None)
    }

    /// A browser `width` × `height` CSS pixels, saving downloads into `downloads`.
    fn sized(width: u32, height: u32, downloads: Option<&Path>) -> Option<Browser> {
        let base = driver()?;
        let prefs = downloads.map_or(
            json!({}),
            |dir| json!({"download.default_directory": dir, "download.prompt_for_download": false}),
        );
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "prefs": prefs,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    format!("--window-size={width},{height}")]}}}});
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

    /// Clicks the first element `selector` finds.
    fn click_at(&self, selector: &str) {
        let e = self.select(selector);
        self.call("POST", &format!("/element/{e}/click"), json!({}));
    }

    /// Picks the option with `value` in the list `#id`.
    fn choose(&self, id: &str, value: &str) {
        self.click_at(&format!("#{id} option[value='{value}']"));
    }

    /// Waits until `#id` shows a problem next to its field.
    fn shows_error(&self, id: &str) -> String {
        until(&format!("#{id} to show a problem"), || {
            Some(self.text(id)).filter(|t| !t.is_empty())
        })
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

    /// Presses `keys` (WebDriver's codes for special keys) on whatever has the focus.
    fn keys(&self, keys: &str) {
        let presses: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                let c = c.to_string();
                [
                    json!({"type": "keyDown", "value": c}),
                    json!({"type": "keyUp", "value": c}),
                ]
            })
            .collect();
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": presses}]});
        self.call("POST", "/actions", actions);
    }

    /// Runs `script` in the page and answers what it returns.
    fn run(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    /// A POST from the page with the signed-in person's token: what a forged request could send.
    fn forge(&self, path: &str, body: Value) -> Value {
        self.run_async(&format!(
            "const done = arguments[arguments.length - 1];
             fetch('{path}', {{method: 'POST', headers: {{'Content-Type': 'application/json',
               Authorization: 'Bearer ' + sessionStorage.getItem('token')}},
               body: JSON.stringify({body})}}).then(r => done(r.status));"
        ))
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
    b.sees(
        "credit-figures",
        "Tier\nuptime below 99.9 %: 10 % of the fee",
    );
    b.sees("credit-summary", "The credit is 30.00 USD.");
    b.sees("credit-history", "credit.create by billing-user");
    until("the title to name the credit", || {
        let title = b.run("return document.title;");
        (title.as_str()? == "Credit 1: acme, 2026-01 · sla-ledger").then_some(())
    });
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
    // Nor on the credits page: no selection, no move, no manual credit.
    credits_page(&b, app, "");
    b.sees("credit-count", "(1 shown)");
    assert!(!b.displayed("select-all") && !b.displayed("bulk") && !b.displayed("manual-form"));
    let pick = b.select("#credit-rows .pick");
    let shown = b.call("GET", &format!("/element/{pick}/displayed"), Value::Null);
    assert_eq!(shown, json!(false));
    b.go(&format!("{}/console/#month", app.base));
    let status = b.forge("/v1/credit-runs", json!({"period": "2026-01"}));
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
    // Pasting it is refused, with the reason, and nobody is signed in.
    b.type_into("token", &expired);
    b.click("sign-in");
    b.sees("message", "That token was refused: ");
    assert!(b.displayed("token") && !b.displayed("who"));
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
    // What was typed for one credit is gone on the next page.
    b.type_into("void-reason", "half typed");
    b.go(&format!("{}/console/#month", app.base));
    b.go(&format!("{}/console/#credit/{id}", app.base));
    b.sees("credit-figures", "approved");
    assert_eq!(b.text("void-reason-error"), "");
    let typed = b.run("return document.getElementById('void-reason').value;");
    assert_eq!(typed, json!(""));

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

/// Sets the service's clock early in February 2026: January is over, and in the last 90 days.
fn february(app: &TestApp) {
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-02-03T09:00:00Z")
            .unwrap()
            .timestamp(),
    );
}

/// Three customers on one plan, in February 2026.
fn three_customers(app: &TestApp) {
    february(app);
    app.component("api");
    app.component("web");
    app.plan("pro", &["api", "web"]);
    for customer in ["acme", "globex", "initech"] {
        app.customer(customer, Some("na"));
        app.create(
            &format!("/v1/customers/{customer}/subscriptions"),
            json!({"plan": "pro", "start": "2026-01-01T00:00:00Z"}),
        );
    }
}

/// The credits page showing `filters`' credits.
fn credits_page(b: &Browser, app: &TestApp, status: &str) {
    b.go(&format!("{}/console/#credits", app.base));
    b.type_into("filter-period", "2026-01");
    b.choose("filter-status", status);
    b.click("filter");
}

/// The walk: on-call records an outage, billing previews and runs the month, support
/// approves all but one credit and voids that one, billing downloads the balance export and
/// applies a credit, and the customer's page shows it applied.
fn the_month_end_to_end_as_each_role(app: &TestApp) {
    let downloads = tempfile::tempdir().unwrap();
    let Some(b) = Browser::sized(800, 900, Some(downloads.path())) else {
        return;
    };
    three_customers(app);

    // On-call records the outage while it goes on.
    sign_in(&b, app, Role::Reporter);
    b.go(&format!("{}/console/#incidents", app.base));
    b.sees("ongoing-incidents", "Nothing is going on.");
    b.type_into("incident-name", "Database switch failed");
    b.choose("incident-state", "investigating");
    b.choose("new-component", "api");
    b.choose("new-severity", "major_outage");
    b.type_into("new-start", "2026-01-20 10:00");
    b.click("record");
    assert!(b.shows_error("new-start-error").contains("RFC 3339"));
    b.type_into("new-start", "2026-01-20T10:00:00Z");
    b.click("record");
    b.sees("message", "recorded");
    b.sees(
        "ongoing-incidents",
        "Database switch failed (investigating)",
    );
    b.sees("ongoing-incidents", "api, major outage, from");
    b.sees("ongoing-incidents", "to ongoing");
    let incident = &app.get("/v1/incidents", Role::Viewer).body["items"][0];
    let window = incident["windows"][0]["id"].clone();
    // Then closes its window and resolves it.
    b.click_at("#ongoing-incidents a");
    b.sees("incident-title", "Database switch failed");
    b.type_into(&format!("window-{window}-end"), "2026-01-20T12:00:00Z");
    b.click(&format!("window-{window}-save"));
    b.sees("message", &format!("Window {window} saved."));
    until("the window to end", || {
        (!b.text("incident-windows").contains("ongoing")).then_some(())
    });
    b.choose("status-change", "resolved");
    b.click("status-save");
    b.sees("incident-status", "Status: resolved");
    b.click("back-to-incidents");
    b.sees("ongoing-incidents", "Nothing is going on.");
    b.sees("recent-incidents", "Database switch failed (resolved)");
    // The status page's bar for that day (in the browser's zone, UTC here).
    let bar = b.select("#bars-api [data-day='2026-01-20']");
    let attribute = |name: &str| {
        b.call(
            "GET",
            &format!("/element/{bar}/attribute/{name}"),
            Value::Null,
        )
    };
    assert_eq!(attribute("class"), json!("bar major"));
    assert_eq!(
        attribute("title"),
        json!("2026-01-20: 91.6667 % up, 120.00 minutes major outage")
    );
    let calm = b.select("#bars-web [data-day='2026-01-20']");
    let class = b.call(
        "GET",
        &format!("/element/{calm}/attribute/class"),
        Value::Null,
    );
    assert_eq!(class, json!("bar up"));
    // On-call has no control over credits, and the API refuses one forged from the page.
    credits_page(&b, app, "");
    assert!(!b.displayed("approve-selected") && !b.displayed("manual-form"));
    let forged = b.forge("/v1/credits/approve", json!({"period": "2026-01"}));
    assert_eq!(forged, json!(403));

    // Billing previews and runs the month.
    b.click("sign-out");
    sign_in(&b, app, Role::Billing);
    b.type_into("period", "2026-01");
    b.click("show");
    b.sees("run-state", "No credit run yet for 2026-01");
    b.click("preview");
    b.sees(
        "preview-result",
        "evaluate 3 subscriptions: 3 new credits, 0 unchanged, 0 superseded, 0 adjustments; \
         totals 90.00 USD.",
    );
    b.sees("run-state", "No credit run yet");
    b.click("run");
    b.sees("run-state", "succeeded, started by billing-user");
    b.sees("totals", "90.00 USD");
    b.sees("counts", "pending: 3");
    if let Ok(path) = std::env::var("SLA_CONSOLE_SCREENSHOT") {
        screenshot(&b, Path::new(&path));
    }

    // Support approves all but one credit, and voids that one with a reason.
    b.click("sign-out");
    sign_in(&b, app, Role::Support);
    assert!(!b.displayed("run") && !b.displayed("preview") && !b.displayed("downloads"));
    credits_page(&b, app, "pending");
    b.sees("credit-count", "(3 shown)");
    b.click_at("#credit-rows tr[data-customer=acme] .pick");
    b.click_at("#credit-rows tr[data-customer=globex] .pick");
    b.click("approve-selected");
    b.sees("message", "Approved 2 credits.");
    b.sees("credit-count", "(1 shown)");
    b.click_at("#credit-rows tr[data-customer=initech] .pick");
    b.click("void-selected");
    assert_eq!(
        b.shows_error("void-selected-reason-error"),
        "must be 1 to 500 characters, not only spaces"
    );
    b.sees("credit-count", "(1 shown)");
    b.type_into("void-selected-reason", "Credited by hand after a call");
    b.click("void-selected");
    b.sees("message", "Voided 1 credits.");
    b.sees("credit-count", "(0 shown)");
    credits_page(&b, app, "");
    b.sees("credit-rows", "initech 2026-01 sla void 30.00 USD");
    b.sees("credit-rows", "acme 2026-01 sla approved 30.00 USD");

    // Billing downloads the balance export and applies a credit.
    b.click("sign-out");
    sign_in(&b, app, Role::Billing);
    b.type_into("period", "2026-01");
    b.click("show");
    b.sees("counts", "approved: 2");
    b.sees("counts", "void: 1");
    b.click("download-balance");
    b.sees("message", "Downloaded balance-2026-01.csv.");
    let file = downloads.path().join("balance-2026-01.csv");
    let csv = until("the download", || std::fs::read_to_string(&file).ok());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "customer_external_id,amount_minor,currency,description,idempotency_key"
    );
    assert_eq!(lines.len(), 3, "approved credits only: {csv}");
    assert!(lines[1].starts_with("acme,-3000,USD,") && lines[2].starts_with("globex,-3000,USD,"));
    credits_page(&b, app, "approved");
    b.sees("credit-count", "(2 shown)");
    assert!(!b.displayed("approve-selected") && !b.displayed("void-selected-form"));
    b.click_at("#credit-rows tr[data-customer=acme] .pick");
    b.click("apply-selected");
    assert_eq!(
        b.shows_error("apply-selected-reference-error"),
        "must be 1 to 500 characters, not only spaces"
    );
    b.type_into("apply-selected-reference", "inv-2026-0142");
    b.click("apply-selected");
    b.sees("message", "Marked 1 credits applied.");
    b.sees("credit-count", "(1 shown)");

    // The customer's page shows it applied.
    b.click_at("#credit-rows a[href='#customer/globex']");
    b.sees("customer-credits", "2026-01: 30.00 USD (sla, approved)");
    b.go(&format!("{}/console/#customer/acme", app.base));
    b.sees("customer-credits", "2026-01: 30.00 USD (sla, applied)");
    b.sees("customer-statements", "2026-01, pro: uptime 99.7312 %");
}

/// Made for people: the keyboard alone signs in; on a window 400 pixels wide (an 800-pixel
/// window at 200 % zoom) no page scrolls sideways; every control has a label.
fn the_console_fits_a_narrow_window_and_the_keyboard(app: &TestApp) {
    let Some(b) = Browser::sized(400, 900, None) else {
        return;
    };
    february(app);
    crate::statements::worked_example(app);
    crate::credits::run(app, "2026-01");
    let credit = app.get("/v1/credits", Role::Viewer).body["items"][0]["id"].clone();
    let incident = app.get("/v1/incidents", Role::Viewer).body["items"][0]["id"].clone();

    b.go(&format!("{}/console/", app.base));
    b.click("token");
    b.keys(&app.token(Role::Admin));
    b.keys("\u{E004}"); // Tab, to the sign-in button
    b.keys("\u{E007}"); // Enter
    b.sees("who", "(admin)");

    let pages = [
        ("#month", "counts", "pending: 1"),
        ("#credits", "credit-count", "(1 shown)"),
        (&format!("#credit/{credit}"), "credit-summary", "30.00 USD"),
        ("#customer/acme", "customer-credits", "30.00 USD"),
        ("#incidents", "recent-incidents", "January"),
        (
            &format!("#incident/{incident}"),
            "incident-windows",
            "maintenance",
        ),
    ];
    for (page, id, shows) in pages {
        b.go(&format!("{}/console/{page}", app.base));
        if page == "#month" {
            b.type_into("period", "2026-01");
            b.click("show");
        }
        b.sees(id, shows);
        let found = b.run(
            "const root = document.documentElement;
             const unlabelled = [...document.querySelectorAll('input, select, textarea, button')]
               .filter((e) => e.labels.length === 0 && !e.getAttribute('aria-label')
                 && !e.textContent.trim())
               .map((e) => e.id || e.outerHTML);
             return {unlabelled, wide: root.scrollWidth > root.clientWidth};",
        );
        assert_eq!(found, json!({"unlabelled": [], "wide": false}), "{page}");
    }

    // The uptime bars tell their day to the keyboard too: focus one, the arrow moves.
    b.go(&format!("{}/console/#incidents", app.base));
    // Tab reaches the newest day's bar (the one in the tab order); focus it as Tab would.
    b.select("#bars-api [data-day='2026-02-03']");
    b.run("document.querySelector('#bars-api [tabindex=\"0\"]').focus();");
    b.sees("uptime", "2026-02-03: 100");
    b.keys("\u{E012}"); // Left arrow
    b.sees("uptime", "2026-02-02: ");
    let focused = b.run("return document.activeElement.dataset.day;");
    assert_eq!(focused, json!("2026-02-02"));
}

/// Support adds a manual credit; the API's problems show next to the field they name.
fn support_adds_a_manual_credit(app: &TestApp) {
    let Some(b) = Browser::open() else {
        return;
    };
    crate::statements::worked_example(app);
    let subscription = app
        .get("/v1/customers/acme/subscriptions", Role::Viewer)
        .body["items"][0]["id"]
        .to_string();
    sign_in(&b, app, Role::Support);
    credits_page(&b, app, "");
    b.sees("credit-count", "(0 shown)");
    b.type_into("manual-subscription", &subscription);
    b.type_into("manual-period", "2026-01");
    b.type_into("manual-reason", "Slow answers from support");
    b.type_into("manual-percent", "150");
    b.click("manual-add");
    assert!(b.shows_error("manual-percent-error").contains("100"));
    b.type_into("manual-percent", "12.5");
    b.click("manual-add");
    b.sees("message", "added: 37.50 USD for acme.");
    assert_eq!(b.text("manual-percent-error"), "", "cleared once it worked");
    b.sees("credit-rows", "acme 2026-01 manual pending 37.50 USD");

    // A fixed amount in a currency that does not exist: the problem shows by the currency.
    b.type_into("manual-subscription", &subscription);
    b.type_into("manual-period", "2026-01");
    b.type_into("manual-reason", "Goodwill");
    b.type_into("manual-amount", "5.00");
    b.type_into("manual-currency", "XYZ");
    b.click("manual-add");
    assert!(b.shows_error("manual-currency-error").contains("XYZ"));
    // Two clicks before the first answer add one credit, not two.
    b.type_into("manual-currency", "USD");
    b.run("document.getElementById('manual-add').click(); document.getElementById('manual-add').click();");
    b.sees("message", "added: 5.00 USD for acme.");
    b.sees("credit-count", "(2 shown)");
    let all = app.get("/v1/credits?kind=manual", Role::Viewer).body["items"].clone();
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");

    // A hundred more: the list shows a page, and the next on request.
    for _ in 0..100 {
        let body = json!({"subscription_id": subscription.parse::<i64>().unwrap(), "period": "2026-01",
            "reason": "many", "amount": {"amount": "1.00", "currency": "USD"}});
        assert_eq!(app.post("/v1/credits", Role::Support, &body).status, 201);
    }
    b.click("filter");
    b.sees("credit-count", "(100 shown, more to show)");
    b.click("more-credits");
    b.sees("credit-count", "(102 shown)");
    assert!(!b.displayed("more-credits"));
}

/// On-call reopens an incident, adds a window while it goes on, ends it and changes its
/// severity; the API's problems show next to the field they name.
fn on_call_adds_ends_and_changes_a_window(app: &TestApp) {
    let Some(b) = Browser::open() else {
        return;
    };
    crate::statements::worked_example(app);
    let incident = app.get("/v1/incidents", Role::Viewer).body["items"][0]["id"].clone();
    sign_in(&b, app, Role::Reporter);
    b.go(&format!("{}/console/#incident/{incident}", app.base));
    b.sees("incident-title", "January");
    b.sees("incident-status", "Status: resolved");
    b.choose("add-component", "web");
    b.choose("add-severity", "degraded_performance");
    b.type_into("add-start", "2026-11-30T10:00:00Z");
    b.type_into("add-end", "");
    b.click("add-window");
    assert_eq!(
        b.shows_error("add-end-error"),
        "the incident is resolved: its windows must end"
    );
    b.choose("status-change", "investigating");
    b.click("status-save");
    b.sees("incident-status", "Status: investigating");
    b.click("add-window");
    b.sees("message", "Window added.");
    b.sees("incident-windows", "web, degraded performance, from");
    b.sees("incident-windows", "to ongoing");
    assert_eq!(b.text("add-end-error"), "", "cleared once it worked");
    b.click("back-to-incidents");
    b.sees("ongoing-incidents", "January (investigating)");

    let windows = app
        .get(&format!("/v1/incidents/{incident}"), Role::Viewer)
        .body["windows"]
        .clone();
    let added = windows.as_array().unwrap().last().unwrap()["id"].clone();
    b.click_at(&format!(
        "#ongoing-incidents a[href='#incident/{incident}']"
    ));
    b.type_into(&format!("window-{added}-end"), "2026-11-30T09:00:00Z");
    b.click(&format!("window-{added}-save"));
    assert!(
        b.shows_error(&format!("window-{added}-end-error"))
            .contains("after")
    );
    b.click(&format!("window-{added}-end-now"));
    b.choose(&format!("window-{added}-severity"), "partial_outage");
    b.click(&format!("window-{added}-save"));
    b.sees("message", &format!("Window {added} saved."));
    until("the window to end", || {
        (!b.text("incident-windows").contains("ongoing")).then_some(())
    });
    b.sees("incident-windows", "web, partial outage, from");
    let stored = app
        .get(&format!("/v1/incidents/{incident}"), Role::Viewer)
        .body["windows"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(stored["severity"], "partial_outage");
    assert!(stored["end"].is_string(), "{stored}");
}

/// Writes what the browser shows to `path` (the README's picture of the month page).
fn screenshot(b: &Browser, path: &Path) {
    use base64::Engine as _;
    b.call(
        "POST",
        "/window/rect",
        json!({"width": 800, "height": 1500}),
    );
    b.run("window.scrollTo(0, 0);");
    let png = b.call("GET", "/screenshot", Value::Null);
    let png = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().unwrap())
        .unwrap();
    std::fs::write(path, png).unwrap();
    b.call("POST", "/window/rect", json!({"width": 800, "height": 900}));
}

crate::both!(
    the_month_end_to_end_as_each_role,
    the_console_fits_a_narrow_window_and_the_keyboard,
    support_adds_a_manual_credit,
    on_call_adds_ends_and_changes_a_window,
    billing_runs_the_month_and_a_viewer_sees_no_controls,
    support_and_billing_move_a_credit,
    a_sign_in_link_works_once,
    sign_in_links_expire,
);
