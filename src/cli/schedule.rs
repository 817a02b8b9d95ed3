//! `eqvault schedule status`, `eqvault schedule history [JOB]` and `eqvault schedule run JOB`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Exit, Out};
use crate::config::Config;
use crate::daemon::{self as runner, RunOutcome};
use crate::schedule::history::{History, RunStatus};
use crate::schedule::{Due, Trigger, state};

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Next and last run of each job, missed runs, and whether a daemon runs them (exit 1 if not).
    Status,
    /// Past runs (start, end, job, result, reason), oldest first.
    History(HistoryArgs),
    /// Run one job now, under the same lock as the daemon (exits 0 if it is already running).
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Only this job's runs.
    job: Option<String>,
    /// How many runs (the newest).
    #[arg(long, default_value_t = 20, value_name = "N")]
    last: usize,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// backup, sync, verify, drill, prune, check or report.
    job: String,
}

pub async fn run(c: Cmd, cfg: &Config, out: &Out) -> anyhow::Result<Exit> {
    match c {
        Cmd::Status => status(cfg, out),
        Cmd::History(a) => history(a, cfg, out),
        Cmd::Run(a) => run_one(a, cfg, out).await,
    }
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).to_rfc3339()
}

fn status(cfg: &Config, out: &Out) -> anyhow::Result<Exit> {
    let now = Utc::now();
    let st = state::look(cfg, now)?;
    let tz = st.timezone;
    if out.json {
        let jobs: Vec<_> = st
            .jobs
            .iter()
            .map(|j| {
                let last = j.last.as_ref();
                serde_json::json!({
                    "name": j.name,
                    "cron": j.cron,
                    "catch_up": j.catch_up,
                    "next": j.next.map(|t| local(t, tz)),
                    "last": last.map(|r| local(r.started_at, tz)),
                    "last_end": last.and_then(|r| r.ended_at).map(|t| local(t, tz)),
                    "last_status": last.map(|r| r.status.as_str()),
                    "last_summary": last.and_then(|r| r.summary.clone()),
                    "last_error": last.and_then(|r| r.error.clone()),
                    "missed": j.missed.map(|t| local(t, tz)),
                })
            })
            .collect();
        out.json(&serde_json::json!({
            "timezone": tz.name(),
            "jobs": jobs,
            "daemon": { "running": st.daemon.running, "pid": st.daemon.pid },
        }));
    } else if st.jobs.is_empty() {
        out.line(format!(
            "Chưa lên lịch công việc nào / no job is scheduled: add a [schedule] section to {}",
            super::show(&cfg.path)
        ));
    } else {
        let when = |t: Option<DateTime<Utc>>| {
            t.map(|t| t.with_timezone(&tz).format("%d/%m/%Y %H:%M:%S").to_string())
                .unwrap_or_else(|| "-".into())
        };
        out.line(format!("Lịch chạy / schedule ({tz})"));
        let (vi, en) = st.summary();
        out.line(format!(
            "  {} {vi}",
            if st.problem() { "LỖI / FAIL:" } else { "OK:" }
        ));
        out.line(format!("      {en}"));
        if st.not_running() {
            out.line(
                "      Cần làm: systemctl enable --now eqvault (hoặc eqvault daemon) / what to do: start the daemon",
            );
        }
        out.line(format!(
            "  {:<7} {:<22} {:<20} {:<20} {}",
            "job", "cron", "tiếp / next", "gần nhất / last", "kết quả / last status"
        ));
        for j in &st.jobs {
            let last = j.last.as_ref();
            out.line(format!(
                "  {:<7} {:<22} {:<20} {:<20} {}",
                j.name,
                j.cron,
                when(j.next),
                when(last.map(|r| r.started_at)),
                last.map_or("-", |r| r.status.as_str())
            ));
            if let Some(e) = last.and_then(|r| r.error.as_deref())
                && last.is_some_and(|r| r.status != RunStatus::Ok)
            {
                out.line(format!("          {}", crate::sanitize::for_terminal(e)));
            }
            if let Some(m) = j.missed {
                out.line(format!(
                    "          lỡ lần chạy / missed: {} (eqvault schedule run {})",
                    when(Some(m)),
                    j.name
                ));
            }
        }
    }
    // A failed last run, a missed time or no daemon for a configured schedule: exit 1.
    Ok(Exit::found_if(st.last_failed() || st.problem()))
}

fn history(a: HistoryArgs, cfg: &Config, out: &Out) -> anyhow::Result<Exit> {
    if let Some(j) = &a.job {
        runner::job_of(cfg, j)?;
    }
    let tz = cfg.schedule.timezone;
    let runs = match History::open_read_only(&cfg.state_dir)? {
        Some(h) => h.recent(a.job.as_deref(), a.last)?,
        None => Vec::new(),
    };
    if out.json {
        let v: Vec<_> = runs
            .iter()
            .map(|r| {
                serde_json::json!({
                    "job": r.job,
                    "trigger": r.trigger,
                    "scheduled_for": r.scheduled_for.map(|t| local(t, tz)),
                    "started": local(r.started_at, tz),
                    "ended": r.ended_at.map(|t| local(t, tz)),
                    "status": r.status.as_str(),
                    "summary": r.summary,
                    "reason": r.error,
                    "pid": r.pid,
                })
            })
            .collect();
        out.json(&serde_json::json!({ "timezone": tz.name(), "runs": v }));
    } else if runs.is_empty() {
        out.line("Chưa có lần chạy nào được ghi lại / no run recorded yet");
    } else {
        let when = |t: DateTime<Utc>| t.with_timezone(&tz).format("%d/%m/%Y %H:%M:%S").to_string();
        out.line(format!("Lịch sử chạy / run history ({tz})"));
        out.line(format!(
            "  {:<19} {:<19} {:<7} {:<15} {}",
            "bắt đầu / start", "kết thúc / end", "job", "kết quả / result", "lý do / reason"
        ));
        for r in &runs {
            let why = r
                .error
                .as_deref()
                .or(r.summary.as_deref())
                .map(|s| crate::sanitize::for_terminal(s).into_owned())
                .unwrap_or_default();
            out.line(format!(
                "  {:<19} {:<19} {:<7} {:<15} {why}",
                when(r.started_at),
                r.ended_at.map_or_else(|| "-".to_string(), when),
                r.job,
                format!("{} ({})", r.status.as_str(), r.trigger),
            ));
        }
    }
    Ok(Exit::Ok)
}

async fn run_one(a: RunArgs, cfg: &Config, out: &Out) -> anyhow::Result<Exit> {
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
            Ok(Exit::Ok)
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
            Ok(r.verdict.into())
        }
    }
}
