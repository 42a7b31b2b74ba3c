//! Query deadlines for PostgreSQL: a query that gets no answer is cut off.
//!
//! libpq waits as long as it takes for the server's answer. When the network drops packets
//! silently, TCP keepalives end the wait; but when something still answers for the server at the
//! TCP level (a proxy or a load balancer whose upstream is gone), nothing does, and every request
//! in flight pins its pooled connection until the partition ends. So each connection's socket is
//! noted when it is opened, each query is armed with a deadline (the server's statement timeout
//! plus the network timeout), and a watchdog thread shuts the socket of a query past its
//! deadline: libpq fails that query at once, and the pool replaces the connection.

use std::collections::{HashMap, HashSet};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use parking_lot::Mutex;
use socket2::SockRef;

/// How often the watchdog looks for queries past their deadline.
const TICK: Duration = Duration::from_millis(100);

/// A socket of this process: its descriptor and the inode that names it (descriptors are reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Socket {
    fd: RawFd,
    inode: u64,
}

impl Socket {
    /// Whether `fd` still is this socket.
    fn is_current(&self) -> bool {
        inode_of(self.fd) == Some(self.inode)
    }
}

/// Where a database server listens, and how long its queries may go unanswered.
#[derive(Debug, Clone)]
pub struct Deadlines {
    server: Vec<SocketAddr>,
    limit: Duration,
}

impl Deadlines {
    /// For a `postgres://` URL with a host name or address; `None` for a Unix socket, a URL it
    /// cannot read, or a system without `/proc/self/fd` (queries then have no deadline but the
    /// server's own).
    pub fn for_url(url: &str, limit: Duration) -> Option<Deadlines> {
        std::fs::read_dir("/proc/self/fd").ok()?;
        let rest = url.split_once("://")?.1;
        let authority = rest.split(['/', '?']).next()?;
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (host, port.parse().ok()?),
            _ => (host_port, 5432),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return None;
        }
        let server: Vec<SocketAddr> = (host, port).to_socket_addrs().ok()?.collect();
        (!server.is_empty()).then_some(Deadlines { server, limit })
    }

    /// Opens a connection with `connect` and notes its socket: the one socket to the server that
    /// is new afterwards. Connections open one at a time in the process, so no other appears.
    pub fn open<C, E>(
        &self,
        connect: impl FnOnce() -> Result<C, E>,
    ) -> Result<(C, Option<QueryDeadline>), E> {
        static OPENING: Mutex<()> = Mutex::new(());
        let _one_at_a_time = OPENING.lock();
        let before = self.sockets();
        let conn = connect()?;
        let new: Vec<Socket> = self.sockets().difference(&before).copied().collect();
        let deadline = match new.as_slice() {
            [socket] => Some(QueryDeadline::new(*socket, self.limit)),
            _ => {
                tracing::warn!(
                    found = new.len(),
                    "no query deadline: the connection's socket was not found"
                );
                None
            }
        };
        Ok((conn, deadline))
    }

    /// The sockets of this process connected to the server.
    fn sockets(&self) -> HashSet<Socket> {
        let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
            return HashSet::new();
        };
        entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<RawFd>().ok())
            .filter_map(|fd| {
                Some(Socket {
                    fd,
                    inode: inode_of(fd)?,
                })
            })
            .filter(|s| peer_of(s.fd).is_some_and(|peer| self.server.contains(&peer)))
            .collect()
    }
}

fn inode_of(fd: RawFd) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
    link.to_str()?
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

fn peer_of(fd: RawFd) -> Option<SocketAddr> {
    // SAFETY: the descriptor is only borrowed for this call; a descriptor that closed meanwhile
    // makes `getpeername` fail, which is an answer too.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    SockRef::from(&fd).peer_addr().ok()?.as_socket()
}

/// The armed queries, by connection, and the thread that cuts off those past their deadline.
struct Watchdog {
    armed: Mutex<HashMap<u64, (Socket, Instant)>>,
}

fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        std::thread::Builder::new()
            .name("query-deadlines".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(TICK);
                    watchdog().cut_off_overdue();
                }
            })
            .map_err(|e| tracing::error!(error = %e, "query deadlines are off"))
            .ok();
        Watchdog {
            armed: Mutex::new(HashMap::new()),
        }
    })
}

impl Watchdog {
    fn cut_off_overdue(&self) {
        let now = Instant::now();
        let mut armed = self.armed.lock();
        armed.retain(|_, (socket, deadline)| {
            if *deadline > now {
                return true;
            }
            if socket.is_current() {
                // SAFETY: borrowed for this call only; `is_current` checked the descriptor is
                // still this connection's socket.
                let fd = unsafe { BorrowedFd::borrow_raw(socket.fd) };
                let _ = SockRef::from(&fd).shutdown(std::net::Shutdown::Both);
                tracing::warn!(
                    fd = socket.fd,
                    "cut off a database query that got no answer in time"
                );
            }
            false
        });
    }
}

/// A connection's instrumentation: arms its deadline while a query runs.
pub struct QueryDeadline {
    id: u64,
    socket: Socket,
    limit: Duration,
}

impl QueryDeadline {
    fn new(socket: Socket, limit: Duration) -> QueryDeadline {
        static IDS: AtomicU64 = AtomicU64::new(0);
        QueryDeadline {
            id: IDS.fetch_add(1, Ordering::Relaxed),
            socket,
            limit,
        }
    }
}

impl Instrumentation for QueryDeadline {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                let deadline = Instant::now() + self.limit;
                watchdog()
                    .armed
                    .lock()
                    .insert(self.id, (self.socket, deadline));
            }
            InstrumentationEvent::FinishQuery { .. } => {
                watchdog().armed.lock().remove(&self.id);
            }
            _ => {}
        }
    }
}

impl Drop for QueryDeadline {
    fn drop(&mut self) {
        watchdog().armed.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_server_of_a_url() {
        let at = |url: &str| Deadlines::for_url(url, TICK).map(|d| d.server);
        let local: SocketAddr = ([127, 0, 0, 1], 6543).into();
        assert_eq!(
            at("postgres://u:p@127.0.0.1:6543/db?sslmode=require"),
            Some(vec![local])
        );
        assert_eq!(
            at("postgresql://127.0.0.1/db"),
            Some(vec![([127, 0, 0, 1], 5432).into()])
        );
        let v6: SocketAddr = "[::1]:7000".parse().unwrap_or(local);
        assert_eq!(at("postgres://[::1]:7000/db"), Some(vec![v6]));
        assert_eq!(at("postgres:///db?host=/run/postgresql"), None);
    }
}
