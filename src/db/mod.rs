//! Storage: one connection type over PostgreSQL and SQLite, an r2d2 pool, embedded migrations,
//! and the queries of each area in its own module.

pub mod audit;
pub mod catalog;
pub mod credit_runs;
pub mod credits;
pub mod customers;
mod deadline;
pub mod idempotency;
pub mod incidents;
pub mod ingest;
mod migrations;
pub mod revision;
pub mod schema;
pub mod sign_in;

use std::sync::Arc;
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection, R2D2Connection};
use parking_lot::{Mutex, MutexGuard};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pooled = PooledConnection<Manager>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unavailable: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("another writer holds the database's write lock")]
    Busy,
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

/// How the pool hands out connections and how long each kind of wait may last. Every wait is
/// bounded, so a database that is down or a lock held elsewhere becomes a 503, not a hung request.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub size: u32,
    /// How long a caller waits for a connection (and a new connection for the server) before
    /// giving up with `DbError::Pool`.
    pub wait: Duration,
    /// SQLite: how long a writer waits for the write lock that another writer (or another
    /// process on the same file) holds.
    pub sqlite_busy: Duration,
    /// PostgreSQL: how long a connection may go without an answer from the server (TCP user
    /// timeout and keepalives) before it is dropped, so a silent network partition cannot pin
    /// the pool.
    pub network: Duration,
    /// PostgreSQL: the server's `statement_timeout`. A query without an answer after this plus
    /// `network` is cut off by the service itself (`deadline`).
    pub statement: Duration,
}

impl PoolSettings {
    pub fn sized(size: u32) -> PoolSettings {
        PoolSettings {
            size,
            wait: Duration::from_secs(1),
            sqlite_busy: Duration::from_secs(10),
            network: Duration::from_secs(10),
            statement: Duration::from_secs(60),
        }
    }
}

/// Opens connections for the pool: a PostgreSQL or SQLite one as the URL says (diesel's own
/// manager would try both and lose the reason a connection failed, such as a TLS error), noting
/// each PostgreSQL connection's socket so that a query without an answer can be cut off.
pub struct Manager {
    url: String,
    postgres: bool,
    deadlines: Option<deadline::Deadlines>,
}

impl Manager {
    fn establish(&self) -> Result<DbConnection, diesel::r2d2::Error> {
        let conn = if self.postgres {
            diesel::PgConnection::establish(&self.url).map(DbConnection::Postgres)
        } else {
            diesel::SqliteConnection::establish(&self.url).map(DbConnection::Sqlite)
        };
        conn.map_err(diesel::r2d2::Error::ConnectionError)
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        let Some(deadlines) = &self.deadlines else {
            return self.establish();
        };
        let (mut conn, deadline) = deadlines.open(|| self.establish())?;
        if let Some(deadline) = deadline {
            conn.set_instrumentation(deadline);
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// The connection pool, plus a process-wide write lock for SQLite: SQLite allows one writer;
/// threads of this process take turns here, and `BEGIN IMMEDIATE` waits (the busy timeout) for
/// writers of other processes.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    stats: PoolStats,
    sqlite_writer: Option<Arc<Mutex<()>>>,
    sqlite_busy: Duration,
}

/// How long requests waited for a connection, and how many got none in time (for `/metrics`).
#[derive(Clone, Debug)]
pub struct PoolStats {
    pub wait: Histogram,
    pub timeouts: Counter,
}

/// Session settings of every new connection.
#[derive(Debug)]
struct Session {
    sqlite_busy: Duration,
    statement: Duration,
}

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for Session {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        match conn {
            DbConnection::Sqlite(c) => c.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                self.sqlite_busy.as_millis()
            )),
            // The server's own keepalives: a client that vanished (a lost machine, a partition)
            // has its transaction rolled back and its locks freed within about half a minute.
            DbConnection::Postgres(c) => c.batch_execute(&format!(
                "SET statement_timeout = {}; SET tcp_keepalives_idle = 10; \
                 SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3",
                self.statement.as_millis()
            )),
        }
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Sets up OpenSSL for libpq's TLS without its exit-time cleanup, which crashes a process that
/// exits while another thread still opens a connection (one CLI run in ten ended in a
/// segmentation fault). Call before the first PostgreSQL connection; `Db::open` does. Idempotent.
pub fn prepare_tls() {
    openssl_sys::init();
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Adds libpq's connect, TCP user and keepalive timeouts to a PostgreSQL URL, each only where
/// the URL does not set it already.
fn with_network_timeouts(url: &str, network: Duration) -> String {
    let seconds = network.as_secs().max(2);
    let defaults = [
        ("connect_timeout", seconds.to_string()),
        (
            "tcp_user_timeout",
            network.as_millis().max(1000).to_string(),
        ),
        ("keepalives", "1".to_owned()),
        ("keepalives_idle", (seconds / 2).to_string()),
        ("keepalives_interval", (seconds / 4).max(1).to_string()),
        ("keepalives_count", "2".to_owned()),
    ];
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let given: Vec<String> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, _)| k.into_owned())
        .collect();
    let mut url = url.to_owned();
    for (key, value) in defaults {
        if !given.iter().any(|g| g == key) {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&format!("{key}={value}"));
        }
    }
    url
}

impl Db {
    /// A pool of `pool_size` with the default waits.
    pub fn connect(url: &str, pool_size: u32) -> Result<Db, DbError> {
        Db::open(url, &PoolSettings::sized(pool_size))
    }

    pub fn open(url: &str, settings: &PoolSettings) -> Result<Db, DbError> {
        let url = url.strip_prefix("sqlite://").unwrap_or(url);
        let postgres = is_postgres_url(url);
        let (url, deadlines) = if postgres {
            prepare_tls();
            let limit = settings.statement + settings.network;
            (
                with_network_timeouts(url, settings.network),
                deadline::Deadlines::for_url(url, limit),
            )
        } else {
            (url.to_owned(), None)
        };
        let manager = Manager {
            url,
            postgres,
            deadlines,
        };
        let pool = Pool::builder()
            .max_size(settings.size)
            .connection_timeout(settings.wait)
            // No `SELECT 1` before every checkout (a round trip per request): a connection the
            // server dropped fails its first query, is found broken and is not given out again;
            // that request is a 503 to retry, like any other during an outage.
            .test_on_check_out(false)
            .connection_customizer(Box::new(Session {
                sqlite_busy: settings.sqlite_busy,
                statement: settings.statement,
            }))
            .build_unchecked(manager);
        Ok(Db {
            pool,
            stats: PoolStats {
                // Seconds, from half a millisecond to about 8 s.
                wait: Histogram::new(exponential_buckets(0.0005, 2.0, 15)),
                timeouts: Counter::default(),
            },
            sqlite_writer: (!postgres).then(|| Arc::new(Mutex::new(()))),
            sqlite_busy: settings.sqlite_busy,
        })
    }

    /// A connection within the pool's wait.
    pub fn conn(&self) -> Result<Pooled, DbError> {
        self.conn_within(self.pool.connection_timeout())
    }

    /// A connection within `wait` at most.
    pub fn conn_within(&self, wait: Duration) -> Result<Pooled, DbError> {
        let started = std::time::Instant::now();
        let conn = self.pool.get_timeout(wait);
        self.stats.wait.observe(started.elapsed().as_secs_f64());
        if conn.is_err() {
            self.stats.timeouts.inc();
        }
        Ok(conn?)
    }

    pub fn pool_stats(&self) -> PoolStats {
        self.stats.clone()
    }

    pub fn pool_state(&self) -> diesel::r2d2::State {
        self.pool.state()
    }

    pub fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// Runs `f` in one transaction: all of it lands or none of it. On SQLite the transaction
    /// takes the write lock up front (`BEGIN IMMEDIATE`), waiting for it up to the busy timeout,
    /// so it never fails half-way because another process wrote meanwhile.
    pub fn transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DbError> + From<diesel::result::Error>,
    {
        let _turn = self.writer_turn()?;
        let mut pooled = self.conn()?;
        write_transaction(&mut pooled, f)
    }

    /// As `transaction`, without waiting for SQLite's write lock: none when another transaction
    /// (of this instance or another process) holds it.
    pub fn try_transaction<T, E, F>(&self, f: F) -> Result<Option<T>, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DbError> + From<diesel::result::Error>,
    {
        let Some(lock) = &self.sqlite_writer else {
            let mut pooled = self.conn()?;
            return write_transaction(&mut pooled, f).map(Some);
        };
        let Some(_turn) = lock.try_lock() else {
            return Ok(None);
        };
        let mut pooled = self.conn()?;
        let DbConnection::Sqlite(c) = &mut *pooled else {
            return Ok(None);
        };
        c.batch_execute("PRAGMA busy_timeout = 0")?;
        let begun = AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE");
        c.batch_execute(&format!(
            "PRAGMA busy_timeout = {}",
            self.sqlite_busy.as_millis()
        ))?;
        match begun {
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("locked") =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
            Ok(()) => run_transaction(&mut pooled, f).map(Some),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.sqlite_writer.is_none()
    }

    fn writer_turn(&self) -> Result<Option<MutexGuard<'_, ()>>, DbError> {
        match &self.sqlite_writer {
            None => Ok(None),
            Some(lock) => lock
                .try_lock_for(self.sqlite_busy)
                .map(Some)
                .ok_or(DbError::Busy),
        }
    }
}

/// As diesel's `Connection::transaction`, but begun with `BEGIN IMMEDIATE` on SQLite.
fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    run_transaction(conn, f)
}

/// `f` in the transaction just begun on `conn`: committed when it succeeds, else rolled back.
fn run_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match f(conn) {
        Ok(value) => {
            Transactions::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Transactions::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

type Transactions = <DbConnection as Connection>::TransactionManager;
