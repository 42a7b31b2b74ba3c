//! A client generated from `openapi.yaml` works: `openapi-python-client` (which `make test`
//! installs) generates a Python client, and `tests/client/walk.py` walks a month with it against
//! a running service. Without the generator the test is skipped loudly, unless `CI=true`.

use std::path::Path;
use std::process::{Command, Output};

use sla_ledger::auth::Role;

use crate::helpers::TestApp;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn python(args: &[&str], pythonpath: Option<&Path>) -> Output {
    let mut command = Command::new("python3");
    command.args(args).env("PYTHONDONTWRITEBYTECODE", "1");
    if let Some(path) = pythonpath {
        command.env("PYTHONPATH", path);
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("python3 {args:?}: {e}"))
}

fn report(what: &str, out: &Output) -> String {
    format!(
        "{what}: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether the generator is there; without it, skips loudly (fails under `CI=true`).
fn generator_present() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import openapi_python_client"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        let why = "openapi-python-client is not installed for python3 (`make test` installs it)";
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "FAIL: {why}");
        eprintln!("################################################################");
        eprintln!("# SKIPPED the generated-client test: {why}");
        eprintln!("################################################################");
    }
    found
}

fn generated_python_client_walks_the_month(app: &TestApp) {
    if !generator_present() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let package = dir.path().join("sla_ledger_client");
    let generate = python(
        &[
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            &format!("{ROOT}/openapi.yaml"),
            "--output-path",
            package.to_str().expect("UTF-8 path"),
            "--meta",
            "none",
            "--fail-on-warning",
        ],
        None,
    );
    assert!(
        generate.status.success(),
        "{}",
        report("generate", &generate)
    );

    let token = app.token(Role::Admin);
    let walk = python(
        &[&format!("{ROOT}/tests/client/walk.py"), &app.base, &token],
        Some(dir.path()),
    );
    assert!(walk.status.success(), "{}", report("walk.py", &walk));
}

crate::both!(generated_python_client_walks_the_month);
