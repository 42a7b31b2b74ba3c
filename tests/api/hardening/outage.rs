//! PostgreSQL goes away, comes back, and is cut off silently, with the test's own proxy between
//! the service and the database. (SQLite is a file beside the service: it has no outage of this
//! kind.)

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::json;
use sla_ledger::auth::Role;
use sla_ledger::db::{Db, PoolSettings};

use super::proxy::Proxy;
use crate::helpers::{
    Backend, Resp, Setup, TestApp, TestDb, assert_problem, postgres_server, skipped,
};

const WAIT: Duration = Duration::from_secs(1);
const NETWORK: Duration = Duration::from_secs(2);
const STATEMENT: Duration = Duration::from_secs(1);

fn timed(request: impl FnOnce() -> Resp) -> (Resp, Duration) {
    let started = Instant::now();
    let r = request();
    (r, started.elapsed())
}

fn unavailable_within(r: &Resp, took: Duration, limit: Duration) {
    assert_problem(r, 503, None);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(took < limit, "503 after {took:?}, more than {limit:?}");
}

fn create(app: &TestApp, id: &str) -> Resp {
    app.send(
        "POST",
        "/v1/customers",
        Some(Role::Admin),
        Some(&json!({"external_id": id, "name": id}).to_string()),
        &[("Idempotency-Key", id)],
    )
}

/// Writes until one lands; answers how long it took.
fn write_lands(app: &TestApp, id: &str) -> Duration {
    let started = Instant::now();
    loop {
        let r = create(app, id);
        if r.status == 201 {
            return started.elapsed();
        }
        assert_eq!(r.status, 503, "{}", r.text);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never recovered"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn postgres_outage_reset_and_partition() {
    if skipped(Backend::Postgres) {
        return;
    }
    let test_db = TestDb::create(Backend::Postgres);
    test_db.connect().migrate().unwrap();
    let server = postgres_server();
    let authority = server
        .rsplit_once('@')
        .map_or(&server[..], |(_, a)| a)
        .to_owned();
    let upstream: SocketAddr = authority.parse().unwrap();
    let proxy = Proxy::start(upstream);
    let url = test_db
        .url
        .replace(&authority, &format!("127.0.0.1:{}", proxy.port));
    let setup = Setup {
        pool: PoolSettings {
            size: 4,
            wait: WAIT,
            network: NETWORK,
            statement: STATEMENT,
            ..PoolSettings::sized(4)
        },
        ..Setup::default()
    };
    let db = Db::open(&url, &setup.pool).unwrap();
    let app = TestApp::serve(Backend::Postgres, db, test_db, setup);
    assert_eq!(create(&app, "before").status, 201);

    // The database goes away: a 503 within 2 s for every request, /readyz within 1 s.
    proxy.reset();
    let (r, took) = timed(|| app.get("/v1/customers", Role::Viewer));
    unavailable_within(&r, took, Duration::from_secs(2));
    eprintln!("outage: a read answered 503 after {took:?}");
    let (r, took) = timed(|| create(&app, "during-outage"));
    unavailable_within(&r, took, Duration::from_secs(2));
    eprintln!("outage: a write answered 503 after {took:?}");
    let (r, took) = timed(|| app.send("GET", "/readyz", None, None, &[]));
    unavailable_within(&r, took, Duration::from_secs(1));
    eprintln!("outage: /readyz answered 503 after {took:?}");

    // It comes back: a write lands within 2 s.
    proxy.heal();
    let recovered = write_lands(&app, "after-outage");
    eprintln!("outage: a write landed {recovered:?} after the database returned");
    assert!(recovered < Duration::from_secs(2), "{recovered:?}");

    // A silent partition with requests in flight: each is cut off after the statement and
    // network timeouts, and the pool is free again for the next request.
    proxy.blackhole();
    let cut_off = STATEMENT + NETWORK + WAIT + Duration::from_secs(1);
    let answers: Vec<(Resp, Duration)> = std::thread::scope(|scope| {
        let requests: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| timed(|| app.get("/v1/customers", Role::Viewer))))
            .collect();
        requests.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for (r, took) in &answers {
        unavailable_within(r, *took, cut_off);
    }
    let slowest = answers.iter().map(|(_, t)| *t).max().unwrap();
    eprintln!("partition: requests in flight answered 503 within {slowest:?}");
    let (r, took) = timed(|| app.get("/v1/customers", Role::Viewer));
    unavailable_within(&r, took, Duration::from_secs(2));
    eprintln!("partition: a new request answered 503 after {took:?}");
    let (r, took) = timed(|| app.send("GET", "/readyz", None, None, &[]));
    unavailable_within(&r, took, Duration::from_secs(1));
    eprintln!("partition: /readyz answered 503 after {took:?}");

    proxy.heal();
    let recovered = write_lands(&app, "after-partition");
    eprintln!("partition: a write landed {recovered:?} after it ended");
    assert!(recovered < Duration::from_secs(2), "{recovered:?}");
    assert_eq!(
        app.get("/v1/customers", Role::Viewer).body["items"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "nothing lost, nothing doubled"
    );
}
