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

pub fn find(conn: &mut DbConnection, subject: &str, key: &str) -> QueryResult<Option<Stored>> {
    idempotency_keys::table
        .find((subject, key))
        .filter(idempotency_keys::created_at.gt(super::now() - KEEP_SECONDS))
        .select(Stored::as_select())
        .first(conn)
        .optional()
}

/// Stores an answer, first forgetting this subject's keys that have expired (including an
/// expired use of this very key).
pub fn store(conn: &mut DbConnection, stored: &Stored) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::subject.eq(&stored.subject))
            .filter(idempotency_keys::created_at.le(stored.created_at - KEEP_SECONDS)),
    )
    .execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values(stored)
        .execute(conn)?;
    Ok(())
}
