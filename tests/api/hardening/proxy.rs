//! A TCP proxy of the test's own between the service and PostgreSQL that forwards, resets
//! (every connection closed with RST, new ones refused the same way) or blackholes (connections
//! stay open, nothing gets through either way, as in a silent partition).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use parking_lot::Mutex;
use socket2::SockRef;

const FORWARD: u8 = 0;
const RESET: u8 = 1;
const BLACKHOLE: u8 = 2;

pub struct Proxy {
    pub port: u16,
    mode: Arc<AtomicU8>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    pub fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(FORWARD));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (accept_mode, accept_open) = (mode.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                match accept_mode.load(Ordering::SeqCst) {
                    RESET => abort(&client),
                    BLACKHOLE => accept_open.lock().push(client),
                    _ => {
                        let Ok(server) = TcpStream::connect(upstream) else {
                            abort(&client);
                            continue;
                        };
                        for s in [&client, &server] {
                            accept_open.lock().push(s.try_clone().unwrap());
                        }
                        pump(&client, &server, &accept_mode);
                        pump(&server, &client, &accept_mode);
                    }
                }
            }
        });
        Proxy { port, mode, open }
    }

    /// Every connection is reset and new ones are refused.
    pub fn reset(&self) {
        self.mode.store(RESET, Ordering::SeqCst);
        self.close_all();
    }

    /// Nothing gets through; connections stay open and new ones are accepted and ignored.
    pub fn blackhole(&self) {
        self.mode.store(BLACKHOLE, Ordering::SeqCst);
    }

    /// Forwards again. Connections from before are reset, as a partition that lasted longer
    /// than TCP's retransmissions leaves them.
    pub fn heal(&self) {
        self.close_all();
        self.mode.store(FORWARD, Ordering::SeqCst);
    }

    fn close_all(&self) {
        for stream in self.open.lock().drain(..) {
            abort(&stream);
        }
    }
}

/// Closes with RST.
fn abort(stream: &TcpStream) {
    let _ = SockRef::from(stream).set_linger(Some(std::time::Duration::ZERO));
    let _ = stream.shutdown(Shutdown::Both);
}

/// Copies `from` to `to` until either closes; in a blackhole what arrives is dropped.
fn pump(from: &TcpStream, to: &TcpStream, mode: &Arc<AtomicU8>) {
    let (mut from, mut to, mode) = (
        from.try_clone().unwrap(),
        to.try_clone().unwrap(),
        mode.clone(),
    );
    std::thread::spawn(move || {
        let mut buffer = [0; 16 * 1024];
        loop {
            let n = match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if mode.load(Ordering::SeqCst) == BLACKHOLE {
                continue;
            }
            if to.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}
