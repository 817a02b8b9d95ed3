//! The clock the scheduler reads and sleeps on: the system's, or a manual one for tests.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

/// What the scheduler needs of time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
    /// Returns once `now() >= t`.
    fn sleep_until(&self, t: DateTime<Utc>) -> BoxFuture<'_, ()>;
}

/// The longest single sleep of [`SystemClock`]: wall time is read again after it, so a
/// machine that was suspended, or whose clock was set, is noticed within this long.
const NAP: Duration = Duration::from_secs(30);

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, t: DateTime<Utc>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            loop {
                let now = Utc::now();
                if now >= t {
                    return;
                }
                let left = (t - now).to_std().unwrap_or_default();
                // Monotonic sleeps do not count a suspended machine's time: nap and look again.
                tokio::time::sleep(left.min(NAP)).await;
            }
        })
    }
}

/// A clock that only moves when the scheduler sleeps or a test says so. Sleeping past
/// `limit` sets the time to `limit` and cancels `stop`, which ends the scheduler's loop.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
    limit: DateTime<Utc>,
    stop: CancellationToken,
}

impl ManualClock {
    /// A clock at `start` that stops the loop (through `stop`) when asked to sleep past `limit`.
    pub fn new(start: DateTime<Utc>, limit: DateTime<Utc>, stop: CancellationToken) -> Self {
        ManualClock {
            now: Mutex::new(start),
            limit,
            stop,
        }
    }

    /// Moves the time forward by `d` (a job that takes a while).
    pub fn advance(&self, d: chrono::Duration) {
        let mut now = self.now.lock().expect("clock lock");
        *now += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().expect("clock lock")
    }

    fn sleep_until(&self, t: DateTime<Utc>) -> BoxFuture<'_, ()> {
        {
            let mut now = self.now.lock().expect("clock lock");
            if t > self.limit {
                *now = (*now).max(self.limit);
                self.stop.cancel();
            } else {
                *now = (*now).max(t);
            }
        }
        Box::pin(tokio::task::yield_now())
    }
}
