//! Stored answers to requests sent with an `Idempotency-Key`, per token subject.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::idempotency_keys;

/// How long a key is remembered.
pub const KEEP_SECONDS: i64 = 24 * 3600;

#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = idempotency_keys)]
pub struct Stored {
    pub subject: String,
    pub key: String,
    pub request_hash: String,
    pub status: i32,
    pub body: String,
    pub created_at: i64,
}

/// The answer stored for `key`, unless it expired before `now`.
pub fn find(
    conn: &mut DbConnection,
    subject: &str,
    key: &str,
    now: i64,
) -> QueryResult<Option<Stored>> {
    idempotency_keys::table
        .find((subject, key))
        .filter(idempotency_keys::created_at.gt(now - KEEP_SECONDS))
        .select(Stored::as_select())
        .first(conn)
        .optional()
}

/// Claims `key` for a request before it runs, first forgetting this subject's keys that have
/// expired (including an expired use of this very key). A concurrent request with the same key
/// waits here on PostgreSQL and then fails with a unique violation: the key race.
pub fn claim(conn: &mut DbConnection, claim: &Stored) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::subject.eq(&claim.subject))
            .filter(idempotency_keys::created_at.le(claim.created_at - KEEP_SECONDS)),
    )
    .execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values(claim)
        .execute(conn)?;
    Ok(())
}

/// Stores the answer of a claimed key.
pub fn answer(
    conn: &mut DbConnection,
    subject: &str,
    key: &str,
    status: i32,
    body: &str,
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((subject, key)))
        .set((
            idempotency_keys::status.eq(status),
            idempotency_keys::body.eq(body),
        ))
        .execute(conn)?;
    Ok(())
}
