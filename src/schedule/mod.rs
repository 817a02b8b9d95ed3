//! The schedule: jobs at their cron times in the office's time zone, one catch-up run for
//! a time missed while eqvault was down, one instance of a job at a time across processes,
//! a job history in the local catalog, and alerts that never hold a job up.
//!
//! - [`clock`]: the [`Clock`] the scheduler reads and sleeps on; the system's, and a
//!   manual one that tests move by hand.
//! - [`timetable`]: pure: when each job is next due, and which missed a time while
//!   eqvault was not running.
//! - [`lock`]: a file lock per job under `state/locks/`, released by the OS when a
//!   process dies, so a crash never leaves a job locked.
//! - [`history`]: the `job_runs` table in the local catalog (`state/catalog.db`).
//! - [`alerts`]: Healthchecks-style webhook pings and email, in Vietnamese with English below.
//! - [`state`]: what `schedule status` and `doctor` see: whether a daemon runs the
//!   schedule, each job's last and next run, and the runs that were missed.
//! - [`mod@drive`]: the loop that runs due jobs at their times through a [`Runner`];
//!   the daemon (`crate::daemon`) gives it the runner that calls the engine.
//!
//! This room is passive: it never calls the engine, so the engine's `doctor`
//! can read its state.

pub mod alerts;
pub mod clock;
pub mod drive;
pub mod history;
pub mod lock;
pub mod state;
pub mod timetable;

use std::path::PathBuf;

pub use clock::{Clock, ManualClock, SystemClock};
pub use drive::{Runner, drive};
pub use history::{History, RunRecord, RunStatus};
pub use lock::{JobLock, TryLock};
pub use timetable::{Due, Scheduler, Timetable, Trigger};

/// Errors of the schedule room.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// A job name that is not one of [`crate::config::JOBS`].
    #[error(
        "there is no job {0:?}: the jobs are backup, sync, verify, drill, prune, check and report"
    )]
    UnknownJob(String),
    /// The daemon was started with nothing to run.
    #[error(
        "{0} schedules no job: add a [schedule] section, e.g. backup = {{ cron = \"0 30 1 * * *\" }} for 01:30 every day"
    )]
    NoJobs(PathBuf),
    /// A cron expression the `cron` crate refuses (the config validates them first).
    #[error("schedule.{job}.cron: invalid cron expression {expr:?}: {detail}")]
    Cron {
        /// The job.
        job: String,
        /// The expression.
        expr: String,
        /// Why.
        detail: String,
    },
    /// The job history could not be read or written.
    #[error(
        "the job history {path}: {source}. Check that the state folder is writable by this user"
    )]
    History {
        /// `catalog.db`.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A lock file could not be opened or locked.
    #[error("the lock file {path}: {source}. Check that the state folder is writable by this user")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config says cron starts the jobs.
    #[error(
        "{0} says [schedule] run_by = \"cron\": cron starts the jobs, and a daemon as well would run each one twice. Set run_by = \"daemon\" (and remove the crontab lines) to use the daemon"
    )]
    RunByCron(PathBuf),
    /// Another daemon runs this state folder's schedule.
    #[error(
        "another eqvault daemon{} is running the schedule of this state folder (it holds {path}); one is enough: stop it first (systemctl stop eqvault) or use another [state] dir",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    DaemonRunning {
        /// Its pid, when it wrote one.
        pid: Option<u32>,
        /// The lock file.
        path: PathBuf,
    },
    /// The state folder could not be made.
    #[error(transparent)]
    StateFolder(#[from] crate::scratch::StateFolderError),
}
