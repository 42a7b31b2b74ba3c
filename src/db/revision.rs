//! The count of changes to what statements are computed from (windows, their scopes, components,
//! plan versions), kept by triggers in the same transaction as each change.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::evaluation_revision;

/// The current count. Read it before reading what it counts: what is read after is at least as
/// new as the count says.
pub fn current(conn: &mut DbConnection) -> QueryResult<i64> {
    evaluation_revision::table
        .find(1)
        .select(evaluation_revision::value)
        .first(conn)
}
