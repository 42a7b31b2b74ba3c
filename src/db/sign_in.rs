//! One-time sign-in links (`sla-ledger token --link`): stored by the SHA-256 of their code,
//! taken once.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::DbConnection;
use crate::db::schema::sign_in_links;

fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

#[derive(Insertable)]
#[diesel(table_name = sign_in_links)]
struct NewLink<'a> {
    code_hash: String,
    subject: &'a str,
    role: &'a str,
    token_seconds: i64,
    created_at: i64,
    expires_at: i64,
}

/// Keeps a link for `code` that signs `subject` in as `role` once before `expires_at`.
pub fn insert(
    conn: &mut DbConnection,
    code: &str,
    subject: &str,
    role: &str,
    token_seconds: i64,
    now: i64,
    expires_at: i64,
) -> QueryResult<()> {
    let link = NewLink {
        code_hash: hash(code),
        subject,
        role,
        token_seconds,
        created_at: now,
        expires_at,
    };
    match conn {
        DbConnection::Postgres(c) => diesel::insert_into(sign_in_links::table)
            .values(&link)
            .execute(c),
        DbConnection::Sqlite(c) => diesel::insert_into(sign_in_links::table)
            .values(&link)
            .execute(c),
    }
    .map(drop)
}

/// Takes the link of `code` if it is unused and not expired at `now`, in one statement (two
/// requests with the same code: one gets it): its subject, role and token lifetime.
pub fn take(
    conn: &mut DbConnection,
    code: &str,
    now: i64,
) -> QueryResult<Option<(String, String, i64)>> {
    let target = sign_in_links::table
        .filter(sign_in_links::code_hash.eq(hash(code)))
        .filter(sign_in_links::used_at.is_null())
        .filter(sign_in_links::expires_at.gt(now));
    let returning = (
        sign_in_links::subject,
        sign_in_links::role,
        sign_in_links::token_seconds,
    );
    match conn {
        DbConnection::Postgres(c) => diesel::update(target)
            .set(sign_in_links::used_at.eq(now))
            .returning(returning)
            .get_result(c)
            .optional(),
        DbConnection::Sqlite(c) => diesel::update(target)
            .set(sign_in_links::used_at.eq(now))
            .returning(returning)
            .get_result(c)
            .optional(),
    }
}
