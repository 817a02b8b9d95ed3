//! Stopping: a signal (SIGINT, SIGTERM, SIGHUP) reaches every room, uploads abort, clear copies go.
//!
//! A signal is sent to a process, not to an operation, so the request to stop
//! is process-wide: [`request`] (the CLI calls it from its signal handler)
//! cancels one token that the upload fan-out, the unpackers and the long waits
//! consult. What must not outlive the process is recorded here as it is made:
//! every scratch folder's parent ([`scratch_in`]), so that whatever an
//! operation could not remove itself can be removed by [`remove_own_scratch`]
//! before exit, and every upload in flight ([`Upload`]), so that the CLI can
//! wait for their aborts to reach the stores.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

fn global() -> &'static CancellationToken {
    static TOKEN: OnceLock<CancellationToken> = OnceLock::new();
    TOKEN.get_or_init(CancellationToken::new)
}

/// The process-wide stop token (cancelled by [`request`]).
pub fn token() -> CancellationToken {
    global().clone()
}

/// Asks everything running to stop: no upload is committed after this.
pub fn request() {
    global().cancel();
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    global().is_cancelled()
}

/// A write that fails once a stop is requested, for the streams that write a
/// clear database (restore, drill, verify): the unpacker ends at its next write.
pub struct Stoppable<W>(pub W);

impl<W: std::io::Write> std::io::Write for Stoppable<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if requested() {
            return Err(std::io::Error::other("eqvault is stopping"));
        }
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn parents() -> &'static Mutex<Vec<(PathBuf, String)>> {
    static P: OnceLock<Mutex<Vec<(PathBuf, String)>>> = OnceLock::new();
    P.get_or_init(|| Mutex::new(Vec::new()))
}

/// Records that this process makes scratch folders named `{prefix}{purpose}-{pid}-…` in `parent`.
pub fn scratch_in(parent: &Path, prefix: &str) {
    let mut p = parents().lock().unwrap_or_else(|e| e.into_inner());
    let entry = (parent.to_path_buf(), prefix.to_string());
    if !p.contains(&entry) {
        p.push(entry);
    }
}

/// Removes every scratch folder of this process in the recorded parents, and
/// returns those that could not be removed. Retried for a moment: a thread
/// still writing there (a copy the signal interrupted) can recreate a file
/// between a listing and the folder's removal.
pub fn remove_own_scratch() -> Vec<PathBuf> {
    let me = std::process::id().to_string();
    let recorded = parents().lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut left = Vec::new();
    for (parent, prefix) in recorded {
        let Ok(rd) = std::fs::read_dir(&parent) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = name
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.split('-').nth(1))
                .is_some_and(|pid| pid == me);
            if !ours {
                continue;
            }
            let path = e.path();
            let mut gone = false;
            for _ in 0..20 {
                let r = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                if r.is_ok() || !path.exists() {
                    gone = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            if !gone {
                left.push(path);
            }
        }
    }
    left
}

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// An upload in flight, counted until dropped (its task ended: completed or aborted).
pub struct Upload(());

impl Upload {
    /// Counts one more upload in flight.
    pub fn start() -> Upload {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        Upload(())
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Uploads in flight now.
pub fn uploads_in_flight() -> usize {
    IN_FLIGHT.load(Ordering::SeqCst)
}

/// Waits until every upload in flight has ended (its abort sent), at most `limit`;
/// returns how many had not.
pub async fn uploads_settled(limit: Duration) -> usize {
    let t = Instant::now();
    loop {
        let n = uploads_in_flight();
        if n == 0 || t.elapsed() >= limit {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
