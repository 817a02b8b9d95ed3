//! One instance of a job at a time, across processes: an OS file lock per job under
//! `state/locks/`. The OS releases it when the process ends, however it ends, so a
//! crash or a power cut never leaves a job locked.
//!
//! Lock files are never removed: removing one while another process waits on it
//! would let two processes hold "the" lock on two different files.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::ScheduleError;

/// A held job lock; released when dropped.
#[derive(Debug)]
pub struct JobLock {
    _file: File,
    path: PathBuf,
}

impl Drop for JobLock {
    /// A released lock names no holder (a crash leaves the pid, which the next
    /// holder overwrites; the OS lock, not the pid, decides who holds the job).
    fn drop(&mut self) {
        let _ = self._file.set_len(0);
    }
}

impl JobLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The outcome of [`try_lock`].
#[derive(Debug)]
pub enum TryLock {
    /// This process holds the job now.
    Acquired(JobLock),
    /// Another process does; its pid when it wrote one.
    Held {
        /// The holder's process id.
        pid: Option<u32>,
    },
}

/// The lock file of `job`.
pub fn lock_path(state_dir: &Path, job: &str) -> PathBuf {
    state_dir.join("locks").join(format!("{job}.lock"))
}

/// Takes the lock of `job` without waiting. When another process holds it, nothing
/// is written: the file is only opened and read.
///
/// # Errors
/// [`ScheduleError::Lock`] when the lock file cannot be created or locked, and
/// [`ScheduleError::StateFolder`] when the folder cannot be made.
pub fn try_lock(state_dir: &Path, job: &str) -> Result<TryLock, ScheduleError> {
    let path = lock_path(state_dir, job);
    let dir = path.parent().expect("a lock file has a folder");
    if !dir.is_dir() {
        crate::scratch::create_private_dir(dir)?;
    }
    let err = |source| ScheduleError::Lock {
        path: path.clone(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(err)?;
    match file.try_lock() {
        Ok(()) => {
            // The pid is for people and `schedule status`; the lock itself is the OS's.
            file.set_len(0).map_err(err)?;
            file.rewind().map_err(err)?;
            // One write, so a reader sees either nothing or the whole line.
            file.write_all(format!("{}\n", std::process::id()).as_bytes())
                .map_err(err)?;
            Ok(TryLock::Acquired(JobLock { _file: file, path }))
        }
        Err(TryLockError::WouldBlock) => Ok(TryLock::Held {
            pid: read_holder_pid(&mut file),
        }),
        Err(TryLockError::Error(e)) => Err(err(e)),
    }
}

/// The lock the daemon holds while it runs (`state/locks/daemon.lock`): no job is called that.
pub const DAEMON: &str = "daemon";

/// Who holds the lock `name`, without taking it for longer than a moment and without
/// creating anything (for the daemon's lock, which [`lock_daemon`] retries; a job's
/// lock is read with [`running_pid`]): `None` when nobody does (or there is no lock file yet), else the
/// holder's pid when it wrote one.
///
/// # Errors
/// [`ScheduleError::Lock`] when the lock file exists but cannot be opened or tried.
pub fn holder(state_dir: &Path, name: &str) -> Result<Option<Option<u32>>, ScheduleError> {
    let path = lock_path(state_dir, name);
    let mut file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ScheduleError::Lock { path, source }),
    };
    // A shared lock is refused while a holder has its exclusive one, and released on drop.
    match file.try_lock_shared() {
        Ok(()) => Ok(None),
        Err(TryLockError::WouldBlock) => Ok(Some(read_holder_pid(&mut file))),
        Err(TryLockError::Error(source)) => Err(ScheduleError::Lock { path, source }),
    }
}

/// The pid a job's lock file names, when that process is alive: a job running now.
/// Read without locking, so that looking never makes a job that starts at that moment
/// find itself "already running". A holder writes its pid after taking the lock and
/// empties the file when it lets go; a crash leaves a pid that is no longer alive.
pub fn running_pid(state_dir: &Path, name: &str) -> Option<u32> {
    let s = std::fs::read_to_string(lock_path(state_dir, name)).ok()?;
    let pid: u32 = s.trim().parse().ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

/// Takes the daemon's lock, so one daemon at a time runs a state folder's schedule and
/// `schedule status` can tell whether one runs. A `schedule status` that looks at the
/// very moment the daemon starts holds the lock for a moment: the daemon tries again
/// for a second before it says another one runs.
///
/// # Errors
/// [`ScheduleError::DaemonRunning`] when another daemon holds it; as [`try_lock`].
pub fn lock_daemon(state_dir: &Path) -> Result<JobLock, ScheduleError> {
    let mut last = None;
    for _ in 0..20 {
        match try_lock(state_dir, DAEMON)? {
            TryLock::Acquired(l) => return Ok(l),
            TryLock::Held { pid } => last = pid,
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err(ScheduleError::DaemonRunning {
        pid: last,
        path: lock_path(state_dir, DAEMON),
    })
}

/// The holder writes its pid right after it takes the lock, so a process that finds
/// the job held may read the file in between (empty or half written). Reading again
/// for a short while closes that window; a holder that never wrote one gives `None`.
fn read_holder_pid(file: &mut File) -> Option<u32> {
    for attempt in 0..20 {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let mut s = String::new();
        if file.rewind().is_ok()
            && file.read_to_string(&mut s).is_ok()
            && s.ends_with('\n')
            && let Ok(pid) = s.trim().parse()
        {
            return Some(pid);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_job_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let TryLock::Acquired(held) = try_lock(dir.path(), "backup").unwrap() else {
            panic!("the first lock is taken");
        };
        match try_lock(dir.path(), "backup").unwrap() {
            TryLock::Held { pid } => assert_eq!(pid, Some(std::process::id())),
            TryLock::Acquired(_) => panic!("two holders of one job"),
        }
        // Another job is independent.
        assert!(matches!(
            try_lock(dir.path(), "verify").unwrap(),
            TryLock::Acquired(_)
        ));
        assert_eq!(
            holder(dir.path(), "backup").unwrap(),
            Some(Some(std::process::id()))
        );
        assert_eq!(holder(dir.path(), "drill").unwrap(), None, "no lock file");
        assert_eq!(running_pid(dir.path(), "backup"), Some(std::process::id()));
        drop(held);
        assert_eq!(holder(dir.path(), "backup").unwrap(), None, "released");
        assert_eq!(running_pid(dir.path(), "backup"), None, "emptied");
        assert!(matches!(
            try_lock(dir.path(), "backup").unwrap(),
            TryLock::Acquired(_)
        ));
    }
}
