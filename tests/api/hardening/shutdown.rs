//! SIGTERM to a serving process: it stops accepting, lets a download in flight finish, and
//! exits 0.

use std::io::Read;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sla_ledger::auth::Role;

use super::stalled_readers::{ROWS, seed_credits};
use crate::helpers::{TestApp, wait_for_exit};

fn sigterm_lets_a_download_finish_and_exits_0(app: &TestApp) {
    seed_credits(app);
    let (mut child, port) = app.serve_binary(&[("SLA_SHUTDOWN_GRACE", "60s")], Stdio::null());
    let agent = ureq::Agent::config_builder().build().new_agent();
    let mut response = agent
        .get(format!(
            "http://127.0.0.1:{port}/v1/reports/credits.csv?period=2026-01"
        ))
        .header(
            "Authorization",
            format!("Bearer {}", app.token(Role::Billing)),
        )
        .call()
        .unwrap();
    let mut body = response.body_mut().with_config().limit(1 << 30).reader();
    let mut first = vec![0; 64 * 1024];
    body.read_exact(&mut first).unwrap();

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // New connections are refused once the listener has closed.
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still accepting"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let mut rest = Vec::new();
    body.read_to_end(&mut rest).unwrap();
    first.extend(rest);
    let lines = first.iter().filter(|b| **b == b'\n').count();
    assert_eq!(
        lines as i64,
        ROWS + 1,
        "the download in flight finished whole"
    );
    assert!(wait_for_exit(&mut child).success(), "exit 0 after SIGTERM");
}

/// A command that ends while its pool still opens connections in the background exits cleanly
/// (OpenSSL's exit-time cleanup crashed about one run in ten on PostgreSQL).
fn commands_exit_cleanly(app: &TestApp) {
    crate::statements::worked_example(app);
    for _ in 0..20 {
        // `cli` insists on exit status 0.
        app.cli(&["credit-run", "--period", "2026-01", "--dry-run"]);
    }
}

crate::both!(
    sigterm_lets_a_download_finish_and_exits_0,
    commands_exit_cleanly
);
