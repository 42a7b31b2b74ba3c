//! PostgreSQL over TLS: libpq's `sslmode` and `sslrootcert` in `SLA_DATABASE_URL`. The server on
//! this machine and CI has TLS on with its own certificate (`show ssl_cert_file`).

use diesel::dsl::sql;
use diesel::sql_types::Bool;
use diesel::{Connection, RunQueryDsl};
use sla_ledger::auth::Role;
use sla_ledger::db::{Db, DbConnection};

use crate::helpers::{Backend, Setup, TestApp, TestDb, skipped, test_pool};

fn with_params(url: &str, params: &str) -> String {
    format!("{url}?{params}")
}

/// Whether this connection is encrypted, as the server sees it.
fn encrypted(db: &Db) -> bool {
    let mut conn = db.conn().unwrap();
    let DbConnection::Postgres(c) = &mut *conn else {
        panic!("not PostgreSQL")
    };
    diesel::select(sql::<Bool>(
        "(SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())",
    ))
    .get_result(c)
    .unwrap()
}

/// The server's certificate: its own root, since it signed itself.
fn server_certificate(url: &str) -> String {
    let mut c = diesel::PgConnection::establish(url).unwrap();
    diesel::select(sql::<diesel::sql_types::Text>(
        "current_setting('ssl_cert_file')",
    ))
    .get_result(&mut c)
    .unwrap()
}

#[test]
fn postgres_over_tls() {
    if skipped(Backend::Postgres) {
        return;
    }
    let test_db = TestDb::create(Backend::Postgres);
    test_db.connect().migrate().unwrap();
    let plain = Db::open(&with_params(&test_db.url, "sslmode=disable"), &test_pool()).unwrap();
    assert!(!encrypted(&plain));
    let required = Db::open(&with_params(&test_db.url, "sslmode=require"), &test_pool()).unwrap();
    assert!(encrypted(&required));
    let certificate = server_certificate(&test_db.url);
    let verified_url = with_params(
        &test_db.url,
        &format!("sslmode=verify-ca&sslrootcert={certificate}"),
    );
    let verified = Db::open(&verified_url, &test_pool()).unwrap();
    assert!(encrypted(&verified));
    // verify-full also checks the host name against the certificate (issued for `localhost`).
    let full_url = with_params(
        &test_db.url.replacen("@127.0.0.1:", "@localhost:", 1),
        &format!("sslmode=verify-full&sslrootcert={certificate}"),
    );
    assert!(encrypted(&Db::open(&full_url, &test_pool()).unwrap()));

    // The service itself, on the verified connection.
    let app = TestApp::serve(Backend::Postgres, verified, test_db, Setup::default());
    app.component("api");
    assert_eq!(app.get("/v1/components/api", Role::Viewer).status, 200);

    // A root certificate that did not sign the server's: a clear error at start.
    let wrong_url = with_params(
        app.database_url(),
        "sslmode=verify-ca&sslrootcert=/etc/ssl/certs/ca-certificates.crt",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sla-ledger"))
        .arg("migrate")
        .env("SLA_DATABASE_URL", &wrong_url)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("certificate verify failed"), "{stderr}");
}
