use crate::helpers::{Backend, TestDb};

/// Every `down.sql` runs, then every `up.sql` again, on a database that holds data.
fn down_then_up(backend: Backend) {
    if backend == Backend::Postgres && std::env::var("SLA_TEST_POSTGRES").as_deref() == Ok("skip") {
        return;
    }
    let test_db = TestDb::create(backend);
    let db = test_db.connect();
    let applied = db.migrate().unwrap();
    assert!(!applied.is_empty());
    assert!(db.is_migrated().unwrap());
    let reverted = db.revert_all().unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert!(!db.is_migrated().unwrap());
    assert_eq!(db.migrate().unwrap(), applied);
    assert!(
        db.migrate().unwrap().is_empty(),
        "nothing pending the second time"
    );
}

#[test]
fn sqlite_down_then_up() {
    down_then_up(Backend::Sqlite);
}

#[test]
fn postgres_down_then_up() {
    down_then_up(Backend::Postgres);
}

/// Statuses and kinds outside their sets are refused by the database itself.
fn statuses_are_closed_sets(backend: Backend) {
    use diesel::connection::SimpleConnection;
    if backend == Backend::Postgres && std::env::var("SLA_TEST_POSTGRES").as_deref() == Ok("skip") {
        return;
    }
    let test_db = TestDb::create(backend);
    let db = test_db.connect();
    db.migrate().unwrap();
    let mut conn = db.conn().unwrap();
    conn.batch_execute(
        "INSERT INTO customers (external_id, name, created_at, updated_at) VALUES ('c', 'C', 0, 0);
         INSERT INTO plans (key, name, created_at) VALUES ('p', 'P', 0);
         INSERT INTO subscriptions (customer_id, plan_key, start_at, created_at, updated_at)
             VALUES (1, 'p', 0, 0, 0);
         INSERT INTO incidents (title, status, created_at, updated_at) VALUES ('t', 'resolved', 0, 0);",
    )
    .unwrap();
    let credit = |kind: &str, status: &str| {
        format!(
            "INSERT INTO credits (kind, status, subscription_id, customer_id, period, amount_minor,
                 currency, plan_key, plan_version, sla_target_percent, created_at, created_by)
             VALUES ('{kind}', '{status}', 1, 1, '2026-01', 100, 'USD', 'p', 1, '99.9', 0, 'x')"
        )
    };
    conn.batch_execute(&credit("manual", "pending")).unwrap();
    for refused in [
        credit("manual", "paid"),
        credit("bonus", "pending"),
        "INSERT INTO incidents (title, status, created_at, updated_at) VALUES ('t', 'open', 0, 0)"
            .to_owned(),
    ] {
        let err = conn.batch_execute(&refused).unwrap_err().to_string();
        assert!(err.contains("check"), "{refused}: {err}");
    }
}

#[test]
fn sqlite_statuses_are_closed_sets() {
    statuses_are_closed_sets(Backend::Sqlite);
}

#[test]
fn postgres_statuses_are_closed_sets() {
    statuses_are_closed_sets(Backend::Postgres);
}
