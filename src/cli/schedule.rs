//! `eqvault schedule status` and `eqvault schedule run JOB`.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Out;
use crate::config::Config;
use crate::schedule::history::{History, RunStatus};
use crate::schedule::runner::{self, RunOutcome};
use crate::schedule::{Due, Timetable, Trigger};

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Next and last run of each scheduled job, and how the last one ended.
    Status,
    /// Run one job now, under the same lock as the daemon (exits 0 if it is already running).
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// backup, sync, verify, drill, prune, check or report.
    job: String,
}

pub async fn run(c: Cmd, cfg: &Config, out: &Out) -> anyhow::Result<ExitCode> {
    match c {
        Cmd::Status => status(cfg, out),
        Cmd::Run(a) => run_one(a, cfg, out).await,
    }
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).to_rfc3339()
}

fn status(cfg: &Config, out: &Out) -> anyhow::Result<ExitCode> {
    let table = Timetable::new(&cfg.schedule)?;
    let tz = table.timezone();
    let history = History::open_read_only(&cfg.state_dir)?;
    let now = Utc::now();
    let mut rows = Vec::new();
    let mut bad = false;
    for j in table.jobs() {
        let last = match &history {
            Some(h) => h.last(&j.name)?,
            None => None,
        };
        bad |= last
            .as_ref()
            .is_some_and(|r| matches!(r.status, RunStatus::Failed | RunStatus::Interrupted));
        rows.push((j, table.next_after(&j.name, now), last));
    }
    if out.json {
        let jobs: Vec<_> = rows
            .iter()
            .map(|(j, next, last)| {
                serde_json::json!({
                    "name": j.name,
                    "cron": j.cron,
                    "catch_up": j.catch_up,
                    "next": next.map(|t| local(t, tz)),
                    "last": last.as_ref().map(|r| local(r.started_at, tz)),
                    "last_end": last.as_ref().and_then(|r| r.ended_at).map(|t| local(t, tz)),
                    "last_status": last.as_ref().map(|r| r.status.as_str()),
                    "last_summary": last.as_ref().and_then(|r| r.summary.clone()),
                    "last_error": last.as_ref().and_then(|r| r.error.clone()),
                })
            })
            .collect();
        out.json(&serde_json::json!({ "timezone": tz.name(), "jobs": jobs }));
    } else if rows.is_empty() {
        out.line(format!(
            "no job is scheduled: add a [schedule] section to {}",
            super::show(&cfg.path)
        ));
    } else {
        let when = |t: Option<DateTime<Utc>>| {
            t.map(|t| t.with_timezone(&tz).format("%d/%m/%Y %H:%M:%S").to_string())
                .unwrap_or_else(|| "-".into())
        };
        out.line(format!("schedule ({tz})"));
        out.line(format!(
            "  {:<7} {:<22} {:<20} {:<20} {}",
            "job", "cron", "next", "last", "last status"
        ));
        for (j, next, last) in &rows {
            out.line(format!(
                "  {:<7} {:<22} {:<20} {:<20} {}",
                j.name,
                j.cron,
                when(*next),
                when(last.as_ref().map(|r| r.started_at)),
                last.as_ref().map_or("-", |r| r.status.as_str())
            ));
            if let Some(e) = last.as_ref().and_then(|r| r.error.as_deref())
                && last.as_ref().is_some_and(|r| r.status != RunStatus::Ok)
            {
                out.line(format!("          {}", crate::sanitize::for_terminal(e)));
            }
        }
    }
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn run_one(a: RunArgs, cfg: &Config, out: &Out) -> anyhow::Result<ExitCode> {
    let job = runner::job_of(cfg, &a.job)?;
    let stop = super::daemon::stop_on_signals()?;
    let due = Due {
        job: job.name.clone(),
        scheduled_for: None,
        trigger: Trigger::Manual,
    };
    let tz = cfg.schedule.timezone;
    match runner::run_now(cfg, &job, &due, &stop, None).await? {
        RunOutcome::AlreadyRunning { pid } => {
            if out.json {
                out.json(&serde_json::json!({
                    "job": job.name,
                    "status": RunStatus::AlreadyRunning.as_str(),
                    "pid": pid,
                }));
            } else {
                out.line(match pid {
                    Some(p) => format!(
                        "{} is already running (pid {p}); nothing was done",
                        job.name
                    ),
                    None => format!("{} is already running; nothing was done", job.name),
                });
            }
            Ok(ExitCode::SUCCESS)
        }
        RunOutcome::Ran(r) => {
            if out.json {
                out.json(&serde_json::json!({
                    "job": r.job,
                    "status": r.status.as_str(),
                    "trigger": r.trigger.as_str(),
                    "started": local(r.started_at, tz),
                    "ended": local(r.ended_at, tz),
                    "summary": r.summary,
                    "error": r.reason,
                }));
            } else {
                out.line(format!(
                    "{}: {} — {} ({:.1}s)",
                    r.job,
                    r.status.as_str(),
                    r.summary,
                    (r.ended_at - r.started_at).num_milliseconds() as f64 / 1000.0
                ));
            }
            // The reason is in the log line the run wrote (stderr, and the log file).
            Ok(ExitCode::from(r.exit))
        }
    }
}
