//! Where "now" comes from. The service reads the system clock once per request; tests set a
//! clock of their own so that "the future" and "still going on" mean the same on every run.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Unix seconds now.
pub trait Clock: Send + Sync {
    fn now(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }
}

/// A clock that follows the system clock until it is set, then stays where it was set.
#[derive(Default)]
pub struct TestClock {
    fixed: AtomicI64,
}

impl TestClock {
    pub fn new() -> Arc<TestClock> {
        Arc::new(TestClock::default())
    }

    pub fn set(&self, unix_seconds: i64) {
        self.fixed.store(unix_seconds, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> i64 {
        match self.fixed.load(Ordering::SeqCst) {
            0 => SystemClock.now(),
            fixed => fixed,
        }
    }
}

pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
