//! What the schedule is doing, as `schedule status` and `doctor` show it: whether a
//! daemon runs it (it holds `state/locks/daemon.lock` while it runs), each job's last
//! and next run, and the scheduled times that passed with no run.
//!
//! A time counts as missed when it is more than [`MISSED_AFTER`] old, no run of the
//! job started at or after it, and no job is running now (jobs run one at a time, so
//! a time that passes while another job runs is run after it). A job that never ran
//! has missed nothing, as for catch-up.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::ScheduleError;
use super::history::{History, RunRecord, RunStatus};
use super::lock;
use super::timetable::Timetable;
use crate::config::{Config, JOBS};

/// How late a run may start before its time counts as missed.
pub const MISSED_AFTER: chrono::Duration = chrono::Duration::minutes(15);

/// The daemon, as its lock shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daemon {
    /// A process holds the daemon lock.
    pub running: bool,
    /// Its pid, when it wrote one.
    pub pid: Option<u32>,
}

/// One scheduled job.
#[derive(Debug, Clone)]
pub struct JobState {
    /// The job.
    pub name: String,
    /// Its cron expression.
    pub cron: String,
    /// Whether it catches up after downtime.
    pub catch_up: bool,
    /// Its next cron time after now.
    pub next: Option<DateTime<Utc>>,
    /// Its newest run.
    pub last: Option<RunRecord>,
    /// The latest of its times that passed with no run.
    pub missed: Option<DateTime<Utc>>,
}

/// The whole schedule.
#[derive(Debug, Clone)]
pub struct ScheduleState {
    /// The time zone cron times are read in.
    pub timezone: Tz,
    /// The daemon.
    pub daemon: Daemon,
    /// Some job is running now (its lock is held).
    pub busy: bool,
    /// The scheduled jobs, in config order.
    pub jobs: Vec<JobState>,
    /// `[schedule] run_by`.
    pub run_by: crate::config::RunBy,
}

impl ScheduleState {
    /// A job's last run failed or was interrupted.
    pub fn last_failed(&self) -> bool {
        self.jobs.iter().any(|j| {
            j.last
                .as_ref()
                .is_some_and(|r| matches!(r.status, RunStatus::Failed | RunStatus::Interrupted))
        })
    }

    /// Jobs are scheduled for the daemon and no daemon runs them.
    pub fn not_running(&self) -> bool {
        !self.jobs.is_empty() && self.run_by == crate::config::RunBy::Daemon && !self.daemon.running
    }

    /// A run was missed, or no daemon runs a configured schedule.
    pub fn problem(&self) -> bool {
        self.not_running() || self.jobs.iter().any(|j| j.missed.is_some())
    }

    /// One line each in Vietnamese and English: the daemon and the missed runs.
    pub fn summary(&self) -> (String, String) {
        let fmt = |t: DateTime<Utc>| {
            t.with_timezone(&self.timezone)
                .format("%H:%M %d/%m/%Y")
                .to_string()
        };
        let (mut vi, mut en) = match (self.daemon.running, self.daemon.pid) {
            (true, Some(p)) => (
                format!("tiến trình chạy lịch đang chạy (pid {p})"),
                format!("the daemon is running (pid {p})"),
            ),
            (true, None) => (
                "tiến trình chạy lịch đang chạy".to_string(),
                "the daemon is running".to_string(),
            ),
            (false, _) if self.run_by == crate::config::RunBy::Cron => (
                "các công việc do cron chạy (run_by = \"cron\"), không cần tiến trình chạy lịch"
                    .to_string(),
                "the jobs are run by cron (run_by = \"cron\"); no daemon is expected".to_string(),
            ),
            (false, _) => (
                format!(
                    "KHÔNG có tiến trình nào chạy lịch: {} công việc đã cấu hình sẽ không chạy",
                    self.jobs.len()
                ),
                format!(
                    "NO daemon is running: the {} scheduled job(s) do not run",
                    self.jobs.len()
                ),
            ),
        };
        for j in &self.jobs {
            if let Some(m) = j.missed {
                vi.push_str(&format!("; {} lỡ lần chạy lúc {}", j.name, fmt(m)));
                en.push_str(&format!("; {} missed its run at {}", j.name, fmt(m)));
            }
        }
        (vi, en)
    }
}

/// Reads the schedule's state at `now`, creating nothing.
///
/// # Errors
/// [`ScheduleError`] when the history or a lock file exists but cannot be read.
pub fn look(cfg: &Config, now: DateTime<Utc>) -> Result<ScheduleState, ScheduleError> {
    let table = Timetable::new(&cfg.schedule)?;
    let history = History::open_read_only(&cfg.state_dir)?;
    let daemon = match lock::holder(&cfg.state_dir, lock::DAEMON)? {
        Some(pid) => Daemon { running: true, pid },
        None => Daemon {
            running: false,
            pid: None,
        },
    };
    // Job locks are only read: trying one could make a job starting now skip its run.
    let busy = JOBS
        .iter()
        .any(|j| lock::running_pid(&cfg.state_dir, j).is_some());
    let starts = match &history {
        Some(h) => h.last_starts()?,
        None => Default::default(),
    };
    let mut jobs = Vec::new();
    for j in table.jobs() {
        let last = match &history {
            Some(h) => h.last(&j.name)?,
            None => None,
        };
        let missed = match starts.get(&j.name) {
            Some(&since) if !busy => table.latest_between(&j.name, since, now - MISSED_AFTER),
            _ => None,
        };
        jobs.push(JobState {
            name: j.name.clone(),
            cron: j.cron.clone(),
            catch_up: j.catch_up,
            next: table.next_after(&j.name, now),
            last,
            missed,
        });
    }
    Ok(ScheduleState {
        timezone: table.timezone(),
        daemon,
        busy,
        jobs,
        run_by: cfg.schedule.run_by,
    })
}
