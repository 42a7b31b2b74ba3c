//! Embedded migrations, one set per backend (`migrations/postgres`, `migrations/sqlite`).

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{Db, DbConnection, DbError};

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

impl Db {
    /// Applies pending migrations and names them. On PostgreSQL an advisory lock lets several
    /// instances start at once.
    pub fn migrate(&self) -> Result<Vec<String>, DbError> {
        let _turn = self.writer_turn()?;
        let mut conn = self.conn()?;
        let applied = match &mut *conn {
            DbConnection::Postgres(c) => {
                c.batch_execute("SELECT pg_advisory_lock(7134001)")?;
                let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(names);
                c.batch_execute("SELECT pg_advisory_unlock(7134001)")?;
                result
            }
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(names),
        };
        applied.map_err(|e| DbError::Migration(e.to_string()))
    }

    /// True when every embedded migration has been applied.
    pub fn is_migrated(&self) -> Result<bool, DbError> {
        let mut conn = self.conn()?;
        let pending = match &mut *conn {
            DbConnection::Postgres(c) => c.pending_migrations(POSTGRES_MIGRATIONS).map(|p| p.len()),
            DbConnection::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS).map(|p| p.len()),
        };
        pending
            .map(|n| n == 0)
            .map_err(|e| DbError::Migration(e.to_string()))
    }

    /// Reverts every migration, newest first (tests run each `down.sql` then migrate again).
    pub fn revert_all(&self) -> Result<Vec<String>, DbError> {
        let mut conn = self.conn()?;
        let reverted = match &mut *conn {
            DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(names),
            DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(names),
        };
        reverted.map_err(|e| DbError::Migration(e.to_string()))
    }
}

fn names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    versions.into_iter().map(|v| v.to_string()).collect()
}
