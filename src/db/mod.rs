//! Storage: one connection type over PostgreSQL and SQLite, an r2d2 pool, embedded migrations,
//! and the queries of each area in its own module.

pub mod audit;
pub mod catalog;
pub mod credits;
pub mod customers;
pub mod idempotency;
pub mod incidents;
pub mod schema;

use std::sync::{Arc, Mutex, MutexGuard};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pooled = PooledConnection<ConnectionManager<DbConnection>>;

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unavailable: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
}

/// Inserts and yields the new row's `id` (RETURNING compiles per backend, not through the
/// derived connection).
#[macro_export]
macro_rules! insert_returning_id {
    ($conn:expr, $table:ident, $values:expr) => {{
        use $crate::db::schema::$table;
        match $conn {
            $crate::db::DbConnection::Postgres(c) => diesel::insert_into($table::table)
                .values($values)
                .returning($table::id)
                .get_result::<i64>(c),
            $crate::db::DbConnection::Sqlite(c) => diesel::insert_into($table::table)
                .values($values)
                .returning($table::id)
                .get_result::<i64>(c),
        }
    }};
}

/// The connection pool, plus a process-wide write lock for SQLite: SQLite allows one writer, and
/// taking turns here avoids `database is locked` when a deferred transaction tries to upgrade.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<DbConnection>>,
    sqlite_writer: Option<Arc<Mutex<()>>>,
}

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Db {
    pub fn connect(url: &str, pool_size: u32) -> Result<Db, DbError> {
        let url = url.strip_prefix("sqlite://").unwrap_or(url);
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_customizer(Box::new(SqlitePragmas))
            .build(ConnectionManager::new(url))?;
        let sqlite_writer = (!is_postgres_url(url)).then(|| Arc::new(Mutex::new(())));
        Ok(Db {
            pool,
            sqlite_writer,
        })
    }

    pub fn conn(&self) -> Result<Pooled, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` in one transaction: all of it lands or none of it.
    pub fn transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DbError> + From<diesel::result::Error>,
    {
        let _turn = self.writer_turn();
        let mut pooled = self.conn()?;
        let conn: &mut DbConnection = &mut pooled;
        conn.transaction(f)
    }

    fn writer_turn(&self) -> Option<MutexGuard<'_, ()>> {
        // A poisoned lock only means another writer panicked; its transaction was rolled back.
        self.sqlite_writer
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Applies pending migrations and names them. On PostgreSQL an advisory lock lets several
    /// instances start at once.
    pub fn migrate(&self) -> Result<Vec<String>, DbError> {
        let _turn = self.writer_turn();
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
