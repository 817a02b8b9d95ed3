//! The scheduled front end: one run of one job now ([`run_now`]: lock → history →
//! pings → job → alerts), and the daemon ([`daemon`]) that runs the configured
//! schedule through [`crate::schedule::drive()`]. The jobs themselves call the
//! engine ([`jobs`]).
//!
//! Stopping: when `stop` is cancelled, no new job starts. A running job may finish
//! within `[schedule] stop_grace`; after that it is cancelled (a backup drops its
//! upload before the commit, so nothing looks complete) and given [`ABANDON_WAIT`]
//! to unwind.

pub mod jobs;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Job};
use crate::ops::Verdict;
use crate::schedule::alerts::{self, Notice, Ping};
use crate::schedule::history::{History, RunStatus};
use crate::schedule::lock::{self, TryLock};
use crate::schedule::{Clock, Due, Runner, ScheduleError, Timetable, Trigger, drive};
use jobs::{JobReport, Level};

pub use jobs::{Hints, run_job, use_hints};

/// How long a cancelled job may take to unwind (abort uploads, remove temp files).
pub const ABANDON_WAIT: Duration = Duration::from_secs(15);

/// One finished run.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The job.
    pub job: String,
    /// Why it ran.
    pub trigger: Trigger,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// How it ended.
    pub status: RunStatus,
    /// What it did.
    pub summary: String,
    /// Why it is not ok.
    pub reason: Option<String>,
    /// The engine's verdict (its code is the exit code of the CLI contract);
    /// an interrupted run is [`Verdict::Failed`].
    pub verdict: Verdict,
}

/// What [`run_now`] did.
#[derive(Debug, Clone)]
pub enum RunOutcome {
    /// Another process holds the job; nothing was done.
    AlreadyRunning {
        /// Its pid, when known.
        pid: Option<u32>,
    },
    /// The job ran.
    Ran(Ran),
}

/// The job `name` as configured, or with default options when it is not scheduled.
///
/// # Errors
/// [`ScheduleError::UnknownJob`] for a name that is not a job.
pub fn job_of(cfg: &Config, name: &str) -> Result<Job, ScheduleError> {
    if !crate::config::JOBS.contains(&name) {
        return Err(ScheduleError::UnknownJob(name.to_string()));
    }
    Ok(cfg
        .schedule
        .jobs
        .iter()
        .find(|j| j.name == name)
        .cloned()
        .unwrap_or_else(|| Job {
            name: name.to_string(),
            cron: String::new(),
            catch_up: false,
            options: Default::default(),
            pings: Default::default(),
        }))
}

/// Runs `job` now under its lock. When another process holds the lock, returns
/// [`RunOutcome::AlreadyRunning`]; a manual run then writes nothing at all, a scheduled
/// one records `already-running` in `history`.
///
/// `history` is the daemon's open history; `None` opens it after the lock is taken.
/// A history that cannot be written is logged and does not stop the job.
///
/// # Errors
/// [`ScheduleError`] only when the lock itself cannot be taken.
pub async fn run_now(
    cfg: &Config,
    job: &Job,
    due: &Due,
    stop: &CancellationToken,
    history: Option<&History>,
) -> Result<RunOutcome, ScheduleError> {
    let _lock = match lock::try_lock(&cfg.state_dir, &job.name)? {
        TryLock::Acquired(l) => l,
        TryLock::Held { pid } => {
            tracing::info!(job = %job.name, pid, "already running in another process; not started");
            if due.trigger != Trigger::Manual
                && let Some(h) = history
            {
                let why = match pid {
                    Some(p) => format!("another eqvault process (pid {p}) was running it"),
                    None => "another eqvault process was running it".to_string(),
                };
                if let Err(e) = h.record_not_run(
                    &job.name,
                    due.trigger,
                    due.scheduled_for,
                    Utc::now(),
                    RunStatus::AlreadyRunning,
                    &why,
                ) {
                    tracing::warn!(error = %e, "cannot record the run in the job history");
                }
            }
            return Ok(RunOutcome::AlreadyRunning { pid });
        }
    };
    let owned;
    let history = match history {
        Some(h) => Some(h),
        None => match History::open(&cfg.state_dir) {
            Ok(h) => {
                owned = h;
                Some(&owned)
            }
            Err(e) => {
                tracing::warn!(error = %e, "the job history cannot be opened; running the job anyway");
                None
            }
        },
    };
    let started_at = Utc::now();
    tracing::info!(job = %job.name, trigger = %due.trigger.as_str(), "job started");
    let row = history.and_then(|h| {
        h.begin(&job.name, due.trigger, due.scheduled_for, started_at)
            .map_err(|e| tracing::warn!(error = %e, "cannot record the run in the job history"))
            .ok()
    });

    let start_body = format!("eqvault {}: started\n", job.name);
    let ((), (report, interrupted)) = futures::join!(
        alerts::ping(cfg, job, Ping::Start, &start_body),
        run_stoppable(cfg, job, stop)
    );
    let ended_at = Utc::now();
    let status = if interrupted {
        RunStatus::Interrupted
    } else {
        match report.level {
            Level::Ok => RunStatus::Ok,
            Level::Warning => RunStatus::Warning,
            Level::Problem | Level::Error => RunStatus::Failed,
        }
    };
    if let (Some(h), Some(id)) = (history, row)
        && let Err(e) = h.finish(
            id,
            ended_at,
            status,
            Some(&report.summary),
            report.reason.as_deref(),
        )
    {
        tracing::warn!(error = %e, "cannot record the end of the run in the job history");
    }
    drop(_lock);
    match &report.reason {
        None => {
            tracing::info!(job = %job.name, status = %status.as_str(), summary = %report.summary, "job ended")
        }
        Some(r) => {
            tracing::warn!(job = %job.name, status = %status.as_str(), summary = %report.summary, reason = %r, "job ended")
        }
    }
    let notice = Notice {
        job: job.name.clone(),
        status,
        summary: report.summary.clone(),
        reason: report.reason.clone(),
        reason_vi: report.reason_vi.clone(),
        started_at,
        ended_at,
    };
    alerts::on_end(cfg, job, &notice).await;
    Ok(RunOutcome::Ran(Ran {
        job: job.name.clone(),
        trigger: due.trigger,
        started_at,
        ended_at,
        status,
        summary: report.summary,
        reason: report.reason,
        verdict: if interrupted {
            Verdict::Failed
        } else {
            report.verdict
        },
    }))
}

/// Runs the job; on `stop`, lets it finish within the grace period, then cancels it.
/// Returns the report and whether the job was interrupted.
async fn run_stoppable(cfg: &Config, job: &Job, stop: &CancellationToken) -> (JobReport, bool) {
    let cancel = CancellationToken::new();
    let work = jobs::run_job(cfg, job, cancel.clone());
    tokio::pin!(work);
    tokio::select! {
        biased;
        r = &mut work => (r, false),
        () = stop.cancelled() => {
            let grace = Duration::from_secs(cfg.schedule.stop_grace.approx_seconds());
            tracing::warn!(job = %job.name, grace_seconds = grace.as_secs(), "stop requested: letting the running job finish");
            if let Ok(r) = tokio::time::timeout(grace, &mut work).await {
                return (r, false);
            }
            tracing::warn!(job = %job.name, "grace period over: abandoning the job; an upload in progress is dropped uncommitted");
            cancel.cancel();
            let why = format!(
                "eqvault was stopped and the job did not finish within the {}s grace period; it was abandoned and nothing of it was committed",
                grace.as_secs()
            );
            let mut r = match tokio::time::timeout(ABANDON_WAIT, &mut work).await {
                Ok(r) => r,
                Err(_) => JobReport {
                    level: Level::Error,
                    summary: "abandoned".into(),
                    reason: None,
                    reason_vi: None,
                    verdict: Verdict::Failed,
                },
            };
            r.reason = Some(match r.reason {
                Some(inner) => jobs::one_line(&format!("{why} ({inner})")),
                None => why,
            });
            r.reason_vi = Some(format!(
                "eqvault bị dừng và công việc không xong trong {} giây cho phép; nó bị bỏ dở, không phần nào được ghi thành bản hoàn chỉnh",
                grace.as_secs()
            ));
            (r, true)
        }
    }
}

struct DaemonRunner<'a> {
    cfg: &'a Config,
    history: &'a History,
    stop: &'a CancellationToken,
}

impl Runner for DaemonRunner<'_> {
    fn run<'a>(&'a self, due: &'a Due) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            let job = match job_of(self.cfg, &due.job) {
                Ok(j) => j,
                Err(e) => return tracing::error!(error = %e, "not run"),
            };
            if let Err(e) = run_now(self.cfg, &job, due, self.stop, Some(self.history)).await {
                tracing::error!(job = %due.job, error = %e, "the job could not start");
            }
        })
    }

    fn skipped(&self, due: &Due) {
        tracing::info!(job = %due.job, "due, but eqvault is stopping: not started; it is caught up at the next start");
        if let Err(e) = self.history.record_not_run(
            &due.job,
            due.trigger,
            due.scheduled_for,
            Utc::now(),
            RunStatus::Skipped,
            "eqvault was stopping",
        ) {
            tracing::warn!(error = %e, "cannot record the run in the job history");
        }
    }
}

/// The daemon: runs `cfg`'s schedule on `clock` until `stop` is cancelled, then returns
/// once the running job (if any) has finished or been abandoned.
///
/// # Errors
/// [`ScheduleError`] when nothing is scheduled or the job history cannot be opened.
pub async fn daemon(
    cfg: &Config,
    clock: &dyn Clock,
    stop: &CancellationToken,
) -> Result<(), ScheduleError> {
    let table = Timetable::new(&cfg.schedule)?;
    if table.is_empty() {
        return Err(ScheduleError::NoJobs(cfg.path.clone()));
    }
    if cfg.schedule.run_by == crate::config::RunBy::Cron {
        return Err(ScheduleError::RunByCron(cfg.path.clone()));
    }
    // Held until the daemon returns: `schedule status` reads it to know one runs.
    let _running = lock::lock_daemon(&cfg.state_dir)?;
    let history = History::open(&cfg.state_dir)?;
    let settled = history.settle_dead()?;
    if settled > 0 {
        tracing::warn!(
            runs = settled,
            "runs left unfinished by a previous eqvault process are marked interrupted"
        );
    }
    let last = history.last_starts()?;
    let now = clock.now();
    for j in table.jobs() {
        tracing::info!(
            job = %j.name,
            cron = %j.cron,
            next = %table
                .next_after(&j.name, now)
                .map_or_else(|| "never".into(), |t| t.with_timezone(&table.timezone()).to_rfc3339()),
            "scheduled"
        );
    }
    tracing::info!(timezone = %table.timezone(), jobs = table.jobs().count(), "eqvault daemon started");
    let runner = DaemonRunner {
        cfg,
        history: &history,
        stop,
    };
    drive(table, clock, &runner, stop, &last).await;
    Ok(())
}
