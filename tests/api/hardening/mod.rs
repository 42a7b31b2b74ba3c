//! What a hostile week does to the service, and how it holds (issue 10): forged and oversized
//! tokens, two processes on one SQLite file, readers that stop reading, a database that goes
//! away, malformed requests, and shutdown.

mod outage;
mod proxy;
pub mod requests;
mod shutdown;
mod stalled_readers;
mod tokens;
mod write_lock;
