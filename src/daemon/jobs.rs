//! What each scheduled job does: the operations of [`crate::ops`] (and the policy
//! checks), called as `eqvault JOB` would call them, with the outcome reduced to a
//! verdict, a one-line summary and a one-line reason.

use std::sync::Arc;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Job};
use crate::ops::{self, OpsError, Outcome, Quiet, Vault};

/// How a job run stands in the history and the alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Did its work, nothing to report.
    Ok,
    /// Did its work and found something to look at: a drill that is not `success`,
    /// violations found by `check`. An alert goes out.
    Warning,
    /// Did its work and found a problem: a failed verification or drill.
    Problem,
    /// Could not do its work: missing database, store down, bad config.
    Error,
}

/// What one run of a job found.
#[derive(Debug, Clone)]
pub struct JobReport {
    /// How it stands in the history and the alerts.
    pub level: Level,
    /// What it did, in one line.
    pub summary: String,
    /// Why the verdict is not [`Level::Ok`], in one line.
    pub reason: Option<String>,
    /// The same in Vietnamese, where eqvault can say it (finding messages, drill and
    /// store verdicts); `None` for a room's error, which exists in English only.
    pub reason_vi: Option<String>,
    /// The engine's verdict: the exit code `eqvault JOB` gives is its code.
    pub verdict: ops::Verdict,
}

impl JobReport {
    fn ok(summary: impl Into<String>) -> Self {
        JobReport {
            level: Level::Ok,
            summary: summary.into(),
            reason: None,
            reason_vi: None,
            verdict: ops::Verdict::Ok,
        }
    }

    fn not_ok(
        level: Level,
        verdict: ops::Verdict,
        summary: impl Into<String>,
        reason: &str,
    ) -> Self {
        JobReport {
            level,
            summary: summary.into(),
            reason: Some(one_line(reason)),
            reason_vi: None,
            verdict,
        }
    }

    /// The reason in Vietnamese.
    fn vi(mut self, reason: &str) -> Self {
        self.reason_vi = Some(one_line(reason));
        self
    }

    fn error(e: &(dyn std::error::Error + 'static)) -> Self {
        // The alert's reader types the command line's next step: the same hint.
        let msg = match HINTS.get().and_then(|h| h(e)) {
            Some(h) => format!(
                "{}: {h}",
                crate::store::flatten_error(e).trim_end_matches('.')
            ),
            None => crate::store::flatten_error(e),
        };
        JobReport::not_ok(Level::Error, ops::Verdict::Failed, "could not run", &msg)
    }
}

/// What to do next about an error, as the command line says it (`cli/hints.rs`).
pub type Hints = fn(&(dyn std::error::Error + 'static)) -> Option<String>;

static HINTS: std::sync::OnceLock<Hints> = std::sync::OnceLock::new();

/// Gives the jobs the command line's hints for their alerts. The front end
/// that starts the daemon passes them in (the daemon never names `cli`); the
/// first call wins.
pub fn use_hints(h: Hints) {
    let _ = HINTS.set(h);
}

/// The names of a drill's failed checks, for the Vietnamese reason (the details are English).
fn failed_checks_vi(r: &ops::drill::DrillRecord) -> String {
    let names: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!("; bước kiểm tra không đạt: {}", names.join(", "))
    }
}

/// Text made one safe line: control characters and line breaks folded, at most 400 characters.
pub fn one_line(s: &str) -> String {
    let joined = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let safe = crate::sanitize::for_terminal(&joined).into_owned();
    if safe.chars().count() > 400 {
        let mut t: String = safe.chars().take(399).collect();
        t.push('…');
        t
    } else {
        safe
    }
}

/// Runs `job` once. `cancel` asks a backup to drop its upload uncommitted (eqvault is stopping).
pub async fn run_job(cfg: &Config, job: &Job, cancel: CancellationToken) -> JobReport {
    let vault = Vault::open(cfg.clone());
    match job.name.as_str() {
        "backup" => {
            let opts = ops::backup::BackupOptions {
                cancel: Some(cancel),
                ..Default::default()
            };
            job_report(vault.backup(&opts, Arc::new(Quiet)).await)
        }
        "sync" => job_report(vault.sync().await),
        "verify" => {
            let sel = if job.options.all {
                ops::verify::Selection::All
            } else {
                ops::verify::Selection::Latest
            };
            let id = if job.options.read_data {
                match identity(cfg, "verify") {
                    Ok(p) => Some(p),
                    Err(r) => return r,
                }
            } else {
                None
            };
            job_report(vault.verify(&sel, id, Arc::new(Quiet)).await)
        }
        "drill" => {
            let pick: ops::drill::Pick = job
                .options
                .pick
                .as_deref()
                .unwrap_or("latest")
                .parse()
                .unwrap_or(ops::drill::Pick::Latest);
            let id = match identity(cfg, "drill") {
                Ok(p) => p,
                Err(r) => return r,
            };
            job_report(vault.drill(&pick, id, Utc::now(), Arc::new(Quiet)).await)
        }
        "prune" => job_report(vault.prune(job.options.dry_run, Utc::now()).await),
        "check" => job_report(check(&vault).await),
        "report" => job_report(report(&vault, job).await),
        other => JobReport::not_ok(
            Level::Error,
            ops::Verdict::Failed,
            "not run",
            &format!("there is no job {other:?}"),
        ),
    }
}

/// An outcome as a job run reads in the history and in alerts.
trait JobOutcome: Outcome {
    /// What it did, in one line.
    fn summary(&self) -> String;
    /// Why it is not ok, in English, and in Vietnamese where eqvault can say it.
    fn reason(&self) -> (String, Option<String>);
    /// How a problem found ([`ops::Verdict::Found`]) stands in the history:
    /// a failed job, or (for `check`, whose findings are the office's, not
    /// the job's) a warning.
    fn found(&self) -> Level {
        Level::Problem
    }
}

/// The one mapping from an engine outcome to a job result: the verdict gives
/// the exit code of the CLI contract ([`ops::Verdict::code`]), so a scheduled
/// run records what `eqvault JOB` exits with.
fn job_report<O: JobOutcome>(r: Result<O, OpsError>) -> JobReport {
    let o = match r {
        Ok(o) => o,
        Err(e) => return JobReport::error(&e),
    };
    let v = o.verdict();
    let level = match v {
        ops::Verdict::Ok => return JobReport::ok(o.summary()),
        ops::Verdict::Notice => Level::Warning,
        ops::Verdict::Found => o.found(),
        ops::Verdict::Failed => Level::Error,
    };
    let (en, vi) = o.reason();
    let r = JobReport::not_ok(level, v, o.summary(), &en);
    match vi {
        Some(vi) => r.vi(&vi),
        None => r,
    }
}

/// (store, error) pairs in one line.
fn store_errors(errors: &[(String, String)]) -> String {
    errors
        .iter()
        .map(|(s, e)| format!("{s}: {e}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The identity a job needs, or the report saying it is missing.
fn identity<'a>(cfg: &'a Config, job: &str) -> Result<&'a std::path::Path, JobReport> {
    cfg.encryption.identity.as_deref().ok_or_else(|| {
        JobReport::not_ok(
            Level::Error,
            ops::Verdict::Failed,
            "not run",
            &format!(
                "the {job} job needs the private identity: set [encryption] identity in {}",
                cfg.path.display()
            ),
        )
    })
}

impl JobOutcome for ops::BackupOutcome {
    fn summary(&self) -> String {
        let good = self.stores.iter().filter(|s| s.ok).count();
        format!(
            "snapshot {} in {good} of {} stores",
            self.metadata.id,
            self.stores.len()
        )
    }

    fn reason(&self) -> (String, Option<String>) {
        // The deletion guard first: the loudest news a backup can bring.
        if let Some(s) = &self.metadata.suspect {
            let figures = crate::guard::figures(s);
            return (
                format!(
                    "THE DATA DROPPED ABNORMALLY: snapshot {} is marked suspect ({figures}) and the last good one, {}, is held; look at the database, then `eqvault guard ack {} --reason …` if the drop was planned",
                    self.metadata.id, s.previous, self.metadata.id
                ),
                Some(format!(
                    "DỮ LIỆU GIẢM BẤT THƯỜNG: bản sao lưu {} bị đánh dấu nghi vấn ({figures}); bản tốt gần nhất {} đang được giữ. Kiểm tra cơ sở dữ liệu ngay; nếu việc xoá đã được lên kế hoạch: `eqvault guard ack {} --reason …`",
                    self.metadata.id, s.previous, self.metadata.id
                )),
            );
        }
        let failed: Vec<_> = self.stores.iter().filter(|s| !s.ok).collect();
        let why: Vec<String> = failed
            .iter()
            .map(|s| format!("{}: {}", s.url, s.error.as_deref().unwrap_or("failed")))
            .collect();
        (
            format!("not every store holds the snapshot: {}", why.join("; ")),
            Some(format!(
                "bản sao lưu không có ở mọi kho: {} kho lỗi ({})",
                failed.len(),
                failed
                    .iter()
                    .map(|s| s.url.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        )
    }
}

impl JobOutcome for ops::sync::SyncOutcome {
    fn summary(&self) -> String {
        format!("copied {} objects", self.copied.len())
    }

    fn reason(&self) -> (String, Option<String>) {
        (store_errors(&self.errors), None)
    }
}

impl JobOutcome for ops::verify::VerifyOutcome {
    fn summary(&self) -> String {
        format!("{} copies verified", self.results.len())
    }

    fn reason(&self) -> (String, Option<String>) {
        let bad: Vec<_> = self.results.iter().filter(|r| !r.ok).collect();
        let en: Vec<String> = bad
            .iter()
            .map(|r| {
                let failed: Vec<&str> = r
                    .checks
                    .iter()
                    .filter(|c| !c.ok)
                    .map(|c| c.detail.as_str())
                    .collect();
                match &r.blocked {
                    Some(b) => format!("{} in {}: could not be read through: {b}", r.id, r.store),
                    None => format!("{} in {}: {}", r.id, r.store, failed.join(", ")),
                }
            })
            .collect();
        (
            format!("verification failed: {}", en.join("; ")),
            Some(format!(
                "{} bản sao không qua kiểm tra: {}",
                bad.len(),
                bad.iter()
                    .map(|r| format!("{} ở {}", r.id, r.store))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        )
    }
}

impl JobOutcome for ops::drill::DrillOutcome {
    fn summary(&self) -> String {
        let r = &self.record;
        format!(
            "drill {} of snapshot {}: {} in {:.1}s",
            r.id,
            r.snapshot,
            serde_json::to_value(r.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            r.seconds
        )
    }

    fn reason(&self) -> (String, Option<String>) {
        let r = &self.record;
        let why = r.reason.clone().unwrap_or_else(|| {
            let failed: Vec<String> = r
                .checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| format!("{}: {}", c.name, c.detail))
                .collect();
            failed.join("; ")
        });
        let unrecorded = || {
            (
                format!(
                    "its record is missing from: {}",
                    self.unrecorded
                        .iter()
                        .map(|(s, e)| format!("{s}: {e}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                format!(
                    "biên bản không ghi được vào {} kho: {}",
                    self.unrecorded.len(),
                    self.unrecorded
                        .iter()
                        .map(|(s, _)| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        let (en, vi) = match r.status {
            ops::drill::Status::Success => (
                format!("the drill succeeded but {}", unrecorded().0),
                format!("diễn tập thành công nhưng {}", unrecorded().1),
            ),
            ops::drill::Status::Warning => (
                format!("the drill is not a success ({}): {why}", r.status.vi()),
                format!(
                    "lần diễn tập của bản {} không đạt «thành công» ({}){}",
                    r.snapshot,
                    r.status.vi(),
                    failed_checks_vi(r)
                ),
            ),
            ops::drill::Status::Failed => (
                format!("the drill failed: {why}"),
                format!(
                    "lần diễn tập của bản {} thất bại{}",
                    r.snapshot,
                    failed_checks_vi(r)
                ),
            ),
        };
        if r.status != ops::drill::Status::Success && !self.unrecorded.is_empty() {
            let (u_en, u_vi) = unrecorded();
            return (format!("{en}; {u_en}"), Some(format!("{vi}; {u_vi}")));
        }
        (en, Some(vi))
    }
}

impl JobOutcome for ops::prune::PruneOutcome {
    fn summary(&self) -> String {
        format!(
            "kept {}, {} {}",
            self.keep.len(),
            if self.dry_run {
                "would remove"
            } else {
                "removed"
            },
            self.remove.len()
        )
    }

    fn reason(&self) -> (String, Option<String>) {
        (store_errors(&self.errors), None)
    }
}

/// `check` as the job runs it: the first violations, for the alert.
struct Checked {
    outcome: crate::policy::check::CheckOutcome,
    first: Vec<(String, String)>,
}

impl serde::Serialize for Checked {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.outcome.serialize(s)
    }
}

impl Outcome for Checked {
    fn verdict(&self) -> ops::Verdict {
        self.outcome.verdict()
    }
}

impl JobOutcome for Checked {
    fn summary(&self) -> String {
        let s = &self.outcome.summary;
        format!(
            "{} findings: {} violations, {} warnings",
            s.findings, s.violations, s.warnings
        )
    }

    fn reason(&self) -> (String, Option<String>) {
        let s = &self.outcome.summary;
        let join = |pick: fn(&(String, String)) -> &str| {
            self.first.iter().map(pick).collect::<Vec<_>>().join(" | ")
        };
        (
            format!(
                "{} violations found, e.g. {}",
                s.violations,
                join(|(_, en)| en.as_str())
            ),
            Some(format!(
                "phát hiện {} vi phạm, ví dụ: {}",
                s.violations,
                join(|(vi, _)| vi.as_str())
            )),
        )
    }

    /// Violations are the office's to fix, not a failed job: a warning, alerted.
    fn found(&self) -> Level {
        Level::Warning
    }
}

/// The first three violations a check finds, for the alert.
#[derive(Default)]
struct FirstViolations(Vec<(String, String)>);

impl ops::check::FindingSink for FirstViolations {
    fn finding(&mut self, f: crate::policy::Finding) {
        if f.severity == crate::policy::Severity::Violation && self.0.len() < 3 {
            self.0.push((f.message.vi, f.message.en));
        }
    }
}

/// `check`: the policy rules over the database and the stores, as of today in Vietnam.
async fn check(vault: &Vault) -> Result<Checked, OpsError> {
    let (outcome, first) = vault
        .check(&ops::CheckRequest::default(), FirstViolations::default())
        .await?;
    Ok(Checked {
        outcome,
        first: first.0,
    })
}

impl JobOutcome for ops::deliver::Delivery {
    fn summary(&self) -> String {
        let formats: Vec<&str> = self.files.iter().map(|f| f.format.as_str()).collect();
        let sent = match (&self.delivered_before, self.mailed_to.len()) {
            (Some(at), _) => format!(
                "delivered before, on {}; nothing sent again",
                at.format("%d/%m/%Y")
            ),
            (None, 0) => "written and archived, not mailed".to_string(),
            (None, n) => format!("written, archived and mailed to {n}"),
        };
        format!(
            "report {} ({}): {} {sent}; {} of {} articles met, {} violations",
            self.period,
            formats.join(", "),
            self.label,
            self.articles_met,
            self.articles,
            self.violations
        )
    }

    fn reason(&self) -> (String, Option<String>) {
        match &self.not_mailed {
            Some(why) => (
                why.clone(),
                Some(format!(
                    "báo cáo {} đã được lập và lưu trữ nhưng chưa gửi cho ai: chưa có [alerts.email] report_to",
                    self.period
                )),
            ),
            None => (String::new(), None),
        }
    }
}

/// `report`: the period that has just ended (`period`, default the last
/// ended term), in each of `format` (default pdf and xlsx), filed in the
/// archive and mailed to `[alerts.email] report_to`.
async fn report(vault: &Vault, job: &Job) -> Result<ops::deliver::Delivery, OpsError> {
    vault
        .deliver_report(
            job.options
                .period
                .unwrap_or(crate::config::ReportEvery::Term),
            &job.options.formats,
            crate::calendar::today(),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_one_safe_line() {
        let r = one_line("every store failed:\n  /srv/a: gone\n\x1b[2J  s3://b: refused\n");
        assert_eq!(
            r,
            "every store failed:; /srv/a: gone; \\u{1b}[2J  s3://b: refused"
        );
        assert!(one_line(&"x".repeat(1000)).chars().count() <= 400);
    }
}
