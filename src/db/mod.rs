//! Storage: one connection type over PostgreSQL and SQLite, an r2d2 pool, embedded migrations,
//! and the queries of each area in its own module.

pub mod audit;
pub mod catalog;
pub mod credits;
pub mod customers;
pub mod idempotency;
pub mod incidents;
mod migrations;
pub mod schema;

use std::sync::{Arc, Mutex, MutexGuard};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pooled = PooledConnection<ConnectionManager<DbConnection>>;

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
}
