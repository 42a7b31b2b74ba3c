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

/// A fresh database, migrated; none when PostgreSQL is skipped (`SLA_TEST_POSTGRES=skip`).
fn migrated(backend: Backend) -> Option<(TestDb, sla_ledger::db::Db)> {
    if backend == Backend::Postgres && std::env::var("SLA_TEST_POSTGRES").as_deref() == Ok("skip") {
        return None;
    }
    let test_db = TestDb::create(backend);
    let db = test_db.connect();
    db.migrate().unwrap();
    Some((test_db, db))
}

/// A credit of 1.00 USD in January 2026 on plan `p`.
fn insert_credit(kind: &str, status: &str, subscription: i64, customer: i64, run: &str) -> String {
    format!(
        "INSERT INTO credits (kind, status, subscription_id, customer_id, period, run_id,
             amount_minor, currency, plan_key, plan_version, sla_target_percent, created_at,
             created_by)
         VALUES ('{kind}', '{status}', {subscription}, {customer}, '2026-01', {run}, 100, 'USD',
             'p', 1, '99.9', 0, 'x')"
    )
}

/// Statuses and kinds outside their sets are refused by the database itself.
fn statuses_are_closed_sets(backend: Backend) {
    use diesel::connection::SimpleConnection;
    let Some((_test_db, db)) = migrated(backend) else {
        return;
    };
    let mut conn = db.conn().unwrap();
    conn.batch_execute(
        "INSERT INTO customers (external_id, name, created_at, updated_at) VALUES ('c', 'C', 0, 0);
         INSERT INTO plans (key, name, created_at) VALUES ('p', 'P', 0);
         INSERT INTO subscriptions (customer_id, plan_key, start_at, created_at, updated_at)
             VALUES (1, 'p', 0, 0, 0);
         INSERT INTO incidents (title, status, created_at, updated_at) VALUES ('t', 'resolved', 0, 0);",
    )
    .unwrap();
    let credit = |kind: &str, status: &str| insert_credit(kind, status, 1, 1, "NULL");
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

/// What a credit names must exist, and its customer must be its subscription's: SQLite checks by
/// foreign keys and a trigger, PostgreSQL once per statement (so a run's `COPY` of a page is one
/// check). Nothing a credit names can be deleted.
fn credit_references_are_checked(backend: Backend) {
    use diesel::connection::SimpleConnection;
    let Some((_test_db, db)) = migrated(backend) else {
        return;
    };
    let mut conn = db.conn().unwrap();
    conn.batch_execute(
        "INSERT INTO customers (external_id, name, created_at, updated_at)
             VALUES ('c1', 'C1', 0, 0), ('c2', 'C2', 0, 0);
         INSERT INTO plans (key, name, created_at) VALUES ('p', 'P', 0);
         INSERT INTO subscriptions (customer_id, plan_key, start_at, created_at, updated_at)
             VALUES (1, 'p', 0, 0, 0), (2, 'p', 0, 0, 0);
         INSERT INTO credit_runs (period, as_of, started_by, started_at, subscriptions_evaluated,
             created, unchanged, superseded, adjusted, totals)
             VALUES ('2026-01', 0, 'x', 0, 0, 0, 0, 0, 0, '{}');",
    )
    .unwrap();
    let credit = |subscription, customer, run| {
        insert_credit("manual", "pending", subscription, customer, run)
    };
    conn.batch_execute(&credit(1, 1, "1")).unwrap();
    conn.batch_execute(&credit(2, 2, "NULL")).unwrap();
    let refused = [
        (credit(3, 1, "NULL"), "a missing subscription"),
        (credit(1, 3, "NULL"), "a missing customer"),
        (credit(2, 1, "NULL"), "another customer's subscription"),
        (credit(1, 1, "9"), "a missing run"),
    ];
    for (sql, what) in refused {
        let err = conn.batch_execute(&sql).unwrap_err().to_string();
        assert!(
            err.to_lowercase().contains("foreign key") || err.contains("credit names"),
            "{what}: {err}"
        );
    }
    for sql in [
        "DELETE FROM subscriptions WHERE id = 1",
        "DELETE FROM customers WHERE id = 2",
        "DELETE FROM credit_runs WHERE id = 1",
    ] {
        assert!(conn.batch_execute(sql).is_err(), "{sql} was not refused");
    }
    // Nothing refused was written.
    let mut count = |sql: &str| -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(sql)
            .get_result::<N>(&mut *conn)
            .unwrap()
            .n
    };
    assert_eq!(count("SELECT COUNT(*) AS n FROM credits"), 2);
    assert_eq!(count("SELECT COUNT(*) AS n FROM subscriptions"), 2);
}

#[test]
fn sqlite_credit_references_are_checked() {
    credit_references_are_checked(Backend::Sqlite);
}

#[test]
fn postgres_credit_references_are_checked() {
    credit_references_are_checked(Backend::Postgres);
}
