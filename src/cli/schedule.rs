//! `eqvault schedule status`, `eqvault schedule history [JOB]` and `eqvault schedule run JOB`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Exit, Out};
use crate::config::Config;
use crate::daemon::{self as runner, RunOutcome};
use crate::lang::Lang;
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

/// A run's result in words.
fn status_word(lang: Lang, s: RunStatus) -> String {
    lang.t(
        match s {
            RunStatus::Running => "schedule-status-running",
            RunStatus::Ok => "schedule-status-ok",
            RunStatus::Warning => "schedule-status-warning",
            RunStatus::Failed => "schedule-status-failed",
            RunStatus::Interrupted => "schedule-status-interrupted",
            RunStatus::Skipped => "schedule-status-skipped",
            RunStatus::AlreadyRunning => "schedule-status-already-running",
        },
        &[],
    )
}

/// Why a run started (as the history spells it), in words.
fn trigger_word(lang: Lang, t: &str) -> String {
    let id = match t {
        _ if t == Trigger::Schedule.as_str() => "schedule-trigger-schedule",
        _ if t == Trigger::CatchUp.as_str() => "schedule-trigger-catch-up",
        _ if t == Trigger::Manual.as_str() => "schedule-trigger-manual",
        _ => return t.to_string(),
    };
    lang.t(id, &[])
}

/// `text` padded with spaces to `width` characters.
fn pad(text: &str, width: usize) -> String {
    format!("{text:<width$}")
}

/// The daemon and the missed runs, in one line.
fn summary(lang: Lang, st: &state::ScheduleState) -> String {
    let mut s = match (st.daemon.running, st.daemon.pid) {
        (true, Some(p)) => lang.t("schedule-daemon-pid", &[("pid", &p)]),
        (true, None) => lang.t("schedule-daemon", &[]),
        (false, _) if st.run_by == crate::config::RunBy::Cron => lang.t("schedule-by-cron", &[]),
        (false, _) => lang.t("schedule-no-daemon", &[("count", &st.jobs.len())]),
    };
    for j in &st.jobs {
        if let Some(m) = j.missed {
            s.push_str("; ");
            s.push_str(&lang.t(
                "schedule-missed-at",
                &[
                    ("job", &j.name),
                    ("when", &lang.when(&m.with_timezone(&st.timezone))),
                ],
            ));
        }
    }
    s
}

fn status(cfg: &Config, out: &Out) -> anyhow::Result<Exit> {
    let lang = out.lang(cfg.office.lang);
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
        out.line(lang.t("schedule-none", &[("path", &super::show(&cfg.path))]));
    } else {
        let when = |t: Option<DateTime<Utc>>| {
            t.map(|t| lang.when(&t.with_timezone(&tz)))
                .unwrap_or_else(|| "-".into())
        };
        out.line(lang.t("schedule-title", &[("timezone", &tz)]));
        let state = if st.problem() {
            "schedule-state-failed"
        } else {
            "schedule-state-ok"
        };
        out.line(format!(
            "  {}",
            lang.t(state, &[("summary", &summary(lang, &st))])
        ));
        if st.not_running() {
            out.line(format!("      {}", lang.t("schedule-start-daemon", &[])));
        }
        let heads = [
            lang.t("schedule-col-job", &[]),
            lang.t("schedule-col-cron", &[]),
            lang.t("schedule-col-next", &[]),
            lang.t("schedule-col-last", &[]),
            lang.t("schedule-col-last-status", &[]),
        ];
        let w_job = st
            .jobs
            .iter()
            .map(|j| j.name.chars().count())
            .chain([heads[0].chars().count(), 7])
            .max()
            .unwrap_or(7);
        let w_cron = st
            .jobs
            .iter()
            .map(|j| j.cron.chars().count())
            .chain([heads[1].chars().count(), 22])
            .max()
            .unwrap_or(22);
        let w_time = heads[2]
            .chars()
            .count()
            .max(heads[3].chars().count())
            .max(16);
        out.line(format!(
            "  {} {} {} {} {}",
            pad(&heads[0], w_job),
            pad(&heads[1], w_cron),
            pad(&heads[2], w_time),
            pad(&heads[3], w_time),
            heads[4]
        ));
        for j in &st.jobs {
            let last = j.last.as_ref();
            out.line(format!(
                "  {} {} {} {} {}",
                pad(&j.name, w_job),
                pad(&j.cron, w_cron),
                pad(&when(j.next), w_time),
                pad(&when(last.map(|r| r.started_at)), w_time),
                last.map_or_else(|| "-".to_string(), |r| status_word(lang, r.status))
            ));
            if let Some(e) = last.and_then(|r| r.error.as_deref())
                && last.is_some_and(|r| r.status != RunStatus::Ok)
            {
                out.line(format!("          {}", crate::sanitize::for_terminal(e)));
            }
            if let Some(m) = j.missed {
                out.line(format!(
                    "          {}",
                    lang.t(
                        "schedule-missed",
                        &[("when", &when(Some(m))), ("job", &j.name)],
                    )
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
    let lang = out.lang(cfg.office.lang);
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
        out.line(lang.t("schedule-no-history", &[]));
    } else {
        let when = |t: DateTime<Utc>| lang.when(&t.with_timezone(&tz));
        out.line(lang.t("schedule-history-title", &[("timezone", &tz)]));
        let heads = [
            lang.t("schedule-col-start", &[]),
            lang.t("schedule-col-end", &[]),
            lang.t("schedule-col-job", &[]),
            lang.t("schedule-col-result", &[]),
            lang.t("schedule-col-reason", &[]),
        ];
        let results: Vec<String> = runs
            .iter()
            .map(|r| {
                format!(
                    "{} ({})",
                    status_word(lang, r.status),
                    trigger_word(lang, &r.trigger)
                )
            })
            .collect();
        let w_time = heads[0]
            .chars()
            .count()
            .max(heads[1].chars().count())
            .max(16);
        let w_job = runs
            .iter()
            .map(|r| r.job.chars().count())
            .chain([heads[2].chars().count(), 7])
            .max()
            .unwrap_or(7);
        let w_result = results
            .iter()
            .map(|r| r.chars().count())
            .chain([heads[3].chars().count(), 15])
            .max()
            .unwrap_or(15);
        out.line(format!(
            "  {} {} {} {} {}",
            pad(&heads[0], w_time),
            pad(&heads[1], w_time),
            pad(&heads[2], w_job),
            pad(&heads[3], w_result),
            heads[4]
        ));
        for (r, result) in runs.iter().zip(&results) {
            let why = r
                .error
                .as_deref()
                .or(r.summary.as_deref())
                .map(|s| crate::sanitize::for_terminal(s).into_owned())
                .unwrap_or_default();
            out.line(format!(
                "  {} {} {} {} {why}",
                pad(&when(r.started_at), w_time),
                pad(&r.ended_at.map_or_else(|| "-".to_string(), when), w_time),
                pad(&r.job, w_job),
                pad(result, w_result),
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
    let lang = out.lang(cfg.office.lang);
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
                    Some(p) => lang.t(
                        "schedule-already-running-pid",
                        &[("job", &job.name), ("pid", &p)],
                    ),
                    None => lang.t("schedule-already-running", &[("job", &job.name)]),
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
                let seconds = (r.ended_at - r.started_at).num_milliseconds() as f64 / 1000.0;
                out.line(crate::sanitize::for_terminal(&lang.t(
                    "schedule-ran",
                    &[
                        ("job", &r.job),
                        ("status", &status_word(lang, r.status)),
                        ("summary", &r.summary),
                        ("seconds", &lang.decimal(seconds, 1)),
                    ],
                )));
            }
            // The reason is in the log line the run wrote (stderr, and the log file).
            Ok(r.verdict.into())
        }
    }
}
