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
