//! Import memory (issue 10: a 64 MB status-page document peaked at 3.5 GB; an import's peak must
//! stay within 4× the document).
//!
//! `cargo bench --bench import_memory`: writes a deterministic ~64 MiB document to a temp file,
//! then on SQLite (a temp file) and, when reachable, PostgreSQL (a fresh database on
//! `SLA_TEST_POSTGRES_URL`, dropped after) posts it three times: a dry run, the import, and the
//! same import again (nothing changes). Each request runs in its own child process (this binary
//! again), which starts the service in-process, posts the file to `POST /v1/imports/statuspage`,
//! and reports its resident memory before the request and its peak (`VmHWM`) at the end.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::BufWriter;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

mod backends;
mod statuspage;

use serde::Deserialize;
use sla_ledger::auth::{Keys, Role};
use sla_ledger::config::ServeSettings;
use sla_ledger::db::Db;
use sla_ledger::startup::Application;
use statuspage::Detail;

/// About 64 MiB with `Detail::Full` (about 4.8 kB per incident).
const INCIDENTS: usize = 13_900;
const SECRET: &str = "bench-secret";
const MIB: f64 = 1_048_576.0;

/// Each step, in order: its name, its query, and the incidents and windows its answer counts.
const STEPS: [(&str, &str, usize, usize); 3] = [
    (
        "dry run",
        "?create_components=true&dry_run=true",
        INCIDENTS,
        INCIDENTS * 10,
    ),
    (
        "import",
        "?create_components=true",
        INCIDENTS,
        INCIDENTS * 10,
    ),
    (
        "re-import, nothing changes",
        "?create_components=true",
        0,
        0,
    ),
];

struct Measured {
    backend: &'static str,
    step: &'static str,
    document: u64,
    baseline_kb: u64,
    peak_kb: u64,
    seconds: f64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child-import") {
        let step = STEPS[args[i + 3].parse::<usize>().expect("step")];
        child_import(&args[i + 1], &args[i + 2], step);
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("incidents.json");
    let mut out = BufWriter::new(std::fs::File::create(&file).expect("create"));
    let size = statuspage::write_document(&mut out, INCIDENTS, Detail::Full).expect("write");
    drop(out);
    println!(
        "document: {INCIDENTS} incidents, {} windows, {size} bytes ({:.1} MiB)",
        INCIDENTS * 10,
        size as f64 / MIB
    );
    let file = file.to_string_lossy().into_owned();
    let mut rows = Vec::new();
    backends::on_each_backend("import", |backend, url| {
        rows.extend(bench(backend, url, &file))
    });
    println!();
    println!(
        "| backend | request | document | baseline | peak | peak − baseline | ratio (≤ 4×) | time |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for m in rows {
        let grown = m.peak_kb.saturating_sub(m.baseline_kb) * 1024;
        println!(
            "| {} | {} | {:.1} MiB | {:.0} MiB | {:.0} MiB | {:.0} MiB | {:.2}× | {:.1} s |",
            m.backend,
            m.step,
            m.document as f64 / MIB,
            m.baseline_kb as f64 / 1024.0,
            m.peak_kb as f64 / 1024.0,
            grown as f64 / MIB,
            grown as f64 / m.document as f64,
            m.seconds
        );
    }
}

/// Every step on the database at `url`, each in a child process.
fn bench(backend: &'static str, url: &str, file: &str) -> Vec<Measured> {
    Db::connect(url, 1)
        .expect("connect")
        .migrate()
        .expect("migrate");
    let mut measured = Vec::new();
    for (index, (step, ..)) in STEPS.iter().enumerate() {
        let out = Command::new(std::env::current_exe().expect("exe"))
            .args(["--child-import", url, file, &index.to_string()])
            .output()
            .expect("child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{backend}, {step}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!("{backend}, {step}: {}", stdout.trim());
        let figure = |name: &str| -> f64 {
            stdout
                .split_whitespace()
                .find_map(|word| word.strip_prefix(name)?.parse().ok())
                .unwrap_or_else(|| panic!("{backend}: no {name} in {stdout}"))
        };
        measured.push(Measured {
            backend,
            step,
            document: figure("document=") as u64,
            baseline_kb: figure("baseline_kb=") as u64,
            peak_kb: figure("peak_kb=") as u64,
            seconds: figure("seconds="),
        });
    }
    measured
}

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The counts the benchmark checks; the rest of the answer (a dry run's windows) is skipped.
#[derive(Deserialize)]
struct Answer {
    incidents_created: usize,
    windows_written: usize,
}

/// Serves `url` in this process, posts `file` as `step` says, then prints the figures.
fn child_import(url: &str, file: &str, step: (&str, &str, usize, usize)) {
    let (name, query, created, written) = step;
    let db = Db::connect(url, 4).expect("connect");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            let settings = ServeSettings {
                import_limit: 256 << 20,
                ..ServeSettings::default()
            };
            let keys = Keys::new(Some(SECRET), None, None, None).expect("keys");
            let app = Application::build(listener, db, keys, &settings).expect("build");
            tx.send(app.port()).expect("send port");
            app.run().await.expect("serve");
        });
    });
    let port = rx.recv().expect("server started");
    let token = Keys::new(Some(SECRET), None, None, None)
        .unwrap()
        .mint("bench", Role::Reporter, 3600)
        .unwrap();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let base = format!("http://127.0.0.1:{port}");
    // Warm up (a read that uses the database), then take the baseline.
    let warm = agent
        .get(format!("{base}/v1/components"))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("warm up");
    assert_eq!(warm.status(), 200);
    std::thread::sleep(Duration::from_millis(200));
    let baseline_kb = status_kb("VmRSS:");

    let document = std::fs::File::open(file).expect("open document");
    let size = document.metadata().expect("metadata").len();
    let started = Instant::now();
    let mut response = agent
        .post(format!("{base}/v1/imports/statuspage{query}"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(document)
        .expect("post");
    let status = response.status();
    let body = response.body_mut().with_config().limit(u64::MAX);
    if status != 200 {
        panic!(
            "{name}: {status}: {}",
            body.read_to_string().expect("answer")
        );
    }
    // Read as it arrives, so the client holds none of a dry run's long answer.
    let answer: Answer = serde_json::from_reader(body.reader()).expect("answer");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(answer.incidents_created, created, "{name}");
    assert_eq!(answer.windows_written, written, "{name}");
    let peak_kb = status_kb("VmHWM:");
    println!(
        "document={size} baseline_kb={baseline_kb} peak_kb={peak_kb} seconds={seconds:.2} \
         incidents_created={created} windows_written={written}"
    );
}
