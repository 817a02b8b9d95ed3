//! What each scheduled job does: the operations of [`crate::ops`] (and the policy
//! checks), called as `eqvault JOB` would call them, with the outcome reduced to a
//! verdict, a one-line summary and a one-line reason.

use std::sync::Arc;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Job};
use crate::ops::{self, Quiet};

/// How a job went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
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
    /// The verdict.
    pub verdict: Verdict,
    /// What it did, in one line.
    pub summary: String,
    /// Why the verdict is not [`Verdict::Ok`], in one line.
    pub reason: Option<String>,
    /// The same in Vietnamese, where eqvault can say it (finding messages, drill and
    /// store verdicts); `None` for a room's error, which exists in English only.
    pub reason_vi: Option<String>,
    /// The exit code `eqvault JOB` would give (the CLI contract: 0, 1 or 2).
    pub exit: u8,
}

impl JobReport {
    fn ok(summary: impl Into<String>) -> Self {
        JobReport {
            verdict: Verdict::Ok,
            summary: summary.into(),
            reason: None,
            reason_vi: None,
            exit: 0,
        }
    }

    fn not_ok(verdict: Verdict, exit: u8, summary: impl Into<String>, reason: &str) -> Self {
        JobReport {
            verdict,
            summary: summary.into(),
            reason: Some(one_line(reason)),
            reason_vi: None,
            exit,
        }
    }

    /// The reason in Vietnamese.
    fn vi(mut self, reason: &str) -> Self {
        self.reason_vi = Some(one_line(reason));
        self
    }

    fn error(e: &(dyn std::error::Error + 'static)) -> Self {
        let msg = crate::store::flatten_error(e);
        JobReport::not_ok(Verdict::Error, 2, "could not run", &msg)
    }
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
    match job.name.as_str() {
        "backup" => backup(cfg, cancel).await,
        "sync" => sync(cfg).await,
        "verify" => verify(cfg, job).await,
        "drill" => drill(cfg, job).await,
        "prune" => prune(cfg, job).await,
        "check" => check(cfg).await,
        "report" => JobReport::not_ok(
            Verdict::Error,
            2,
            "not run",
            "the report job is not available in this version of eqvault: remove `report` from [schedule] or upgrade eqvault",
        ),
        other => JobReport::not_ok(
            Verdict::Error,
            2,
            "not run",
            &format!("there is no job {other:?}"),
        ),
    }
}

async fn backup(cfg: &Config, cancel: CancellationToken) -> JobReport {
    let opts = ops::backup::BackupOptions {
        cancel: Some(cancel),
        ..Default::default()
    };
    match ops::backup(cfg, &opts, Arc::new(Quiet)).await {
        Ok(o) => {
            let good = o.stores.iter().filter(|s| s.ok).count();
            let summary = format!(
                "snapshot {} in {good} of {} stores",
                o.metadata.id,
                o.stores.len()
            );
            if o.all_ok() {
                JobReport::ok(summary)
            } else {
                let why: Vec<String> = o
                    .stores
                    .iter()
                    .filter(|s| !s.ok)
                    .map(|s| format!("{}: {}", s.url, s.error.as_deref().unwrap_or("failed")))
                    .collect();
                JobReport::not_ok(
                    Verdict::Problem,
                    1,
                    summary,
                    &format!("not every store holds the snapshot: {}", why.join("; ")),
                )
                .vi(&format!(
                    "bản sao lưu không có ở mọi kho: {} kho lỗi ({})",
                    why.len(),
                    o.stores
                        .iter()
                        .filter(|s| !s.ok)
                        .map(|s| s.url.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
        Err(e) => JobReport::error(&e),
    }
}

async fn sync(cfg: &Config) -> JobReport {
    match ops::sync::sync(cfg).await {
        Ok(o) if o.errors.is_empty() => JobReport::ok(format!("copied {} objects", o.copied.len())),
        Ok(o) => {
            let why: Vec<String> = o.errors.iter().map(|(s, e)| format!("{s}: {e}")).collect();
            JobReport::not_ok(
                Verdict::Error,
                2,
                format!("copied {} objects", o.copied.len()),
                &why.join("; "),
            )
        }
        Err(e) => JobReport::error(&e),
    }
}

/// The identity a job needs, or the report saying it is missing.
fn identity<'a>(cfg: &'a Config, job: &str) -> Result<&'a std::path::Path, JobReport> {
    cfg.encryption.identity.as_deref().ok_or_else(|| {
        JobReport::not_ok(
            Verdict::Error,
            2,
            "not run",
            &format!(
                "the {job} job needs the private identity: set [encryption] identity in {}",
                cfg.path.display()
            ),
        )
    })
}

async fn verify(cfg: &Config, job: &Job) -> JobReport {
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
    match ops::verify(cfg, &sel, id, Arc::new(Quiet)).await {
        Ok(results) => {
            let bad: Vec<String> = results
                .iter()
                .filter(|r| !r.ok)
                .map(|r| {
                    let failed: Vec<&str> = r
                        .checks
                        .iter()
                        .filter(|c| !c.ok)
                        .map(|c| c.detail.as_str())
                        .collect();
                    format!("{} in {}: {}", r.id, r.store, failed.join(", "))
                })
                .collect();
            let summary = format!("{} copies verified", results.len());
            if bad.is_empty() {
                JobReport::ok(summary)
            } else {
                JobReport::not_ok(
                    Verdict::Problem,
                    1,
                    summary,
                    &format!("verification failed: {}", bad.join("; ")),
                )
                .vi(&format!(
                    "{} bản sao không qua kiểm tra: {}",
                    bad.len(),
                    results
                        .iter()
                        .filter(|r| !r.ok)
                        .map(|r| format!("{} ở {}", r.id, r.store))
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            }
        }
        Err(e) => JobReport::error(&e),
    }
}

async fn drill(cfg: &Config, job: &Job) -> JobReport {
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
    match ops::drill::drill(cfg, &pick, id, Utc::now(), Arc::new(Quiet)).await {
        Ok(o) => {
            let r = &o.record;
            let summary = format!(
                "drill {} of snapshot {}: {} in {:.1}s",
                r.id,
                r.snapshot,
                serde_json::to_value(r.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                r.seconds
            );
            let reason = r.reason.clone().unwrap_or_else(|| {
                let failed: Vec<String> = r
                    .checks
                    .iter()
                    .filter(|c| !c.ok)
                    .map(|c| format!("{}: {}", c.name, c.detail))
                    .collect();
                failed.join("; ")
            });
            let unrecorded: Vec<String> = o
                .unrecorded
                .iter()
                .map(|(s, e)| format!("{s}: {e}"))
                .collect();
            match r.status {
                ops::drill::Status::Success if unrecorded.is_empty() => JobReport::ok(summary),
                ops::drill::Status::Success => JobReport::not_ok(
                    Verdict::Problem,
                    1,
                    summary,
                    &format!(
                        "the drill succeeded but its record is missing from: {}",
                        unrecorded.join("; ")
                    ),
                )
                .vi(&format!(
                    "diễn tập thành công nhưng biên bản không ghi được vào {} kho: {}",
                    o.unrecorded.len(),
                    o.unrecorded
                        .iter()
                        .map(|(s, _)| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                ops::drill::Status::Warning => JobReport::not_ok(
                    Verdict::Warning,
                    0,
                    summary,
                    &format!("the drill is not a success ({}): {reason}", r.status.vi()),
                )
                .vi(&format!(
                    "lần diễn tập của bản {} không đạt «thành công» ({}){}",
                    r.snapshot,
                    r.status.vi(),
                    failed_checks_vi(r)
                )),
                ops::drill::Status::Failed => JobReport::not_ok(
                    Verdict::Problem,
                    1,
                    summary,
                    &format!("the drill failed: {reason}"),
                )
                .vi(&format!(
                    "lần diễn tập của bản {} thất bại{}",
                    r.snapshot,
                    failed_checks_vi(r)
                )),
            }
        }
        Err(e) => JobReport::error(&e),
    }
}

async fn prune(cfg: &Config, job: &Job) -> JobReport {
    match ops::prune::prune(cfg, job.options.dry_run, Utc::now()).await {
        Ok(o) => {
            let summary = format!(
                "kept {}, {} {}",
                o.keep.len(),
                if o.dry_run { "would remove" } else { "removed" },
                o.remove.len()
            );
            if o.errors.is_empty() {
                JobReport::ok(summary)
            } else {
                let why: Vec<String> = o.errors.iter().map(|(s, e)| format!("{s}: {e}")).collect();
                JobReport::not_ok(Verdict::Error, 2, summary, &why.join("; "))
            }
        }
        Err(e) => JobReport::error(&e),
    }
}

/// `check`: the policy rules over the database and the stores, as of today in Vietnam.
async fn check(cfg: &Config) -> JobReport {
    use crate::policy::{self, CheckPlan, Severity, StoreInput};
    let facts = crate::ops::survey::store_facts(cfg).await;
    let mapping = match cfg
        .database
        .mapping
        .as_deref()
        .map(crate::mapping::Mapping::load)
    {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => return JobReport::error(&e),
    };
    let plan = CheckPlan {
        database: cfg.database.path.clone(),
        mapping,
        busy_timeout: std::time::Duration::from_secs(cfg.database.busy_timeout.approx_seconds()),
        as_of: Utc::now()
            .with_timezone(&crate::calendar::VIETNAM)
            .date_naive(),
        from: None,
        to: None,
    };
    let owned = cfg.clone();
    let ran = tokio::task::spawn_blocking(move || {
        let policies = policy::Policies::from_config(Some(&owned))?;
        let input = match &facts {
            Ok(f) => StoreInput::Facts(f),
            Err(e) => StoreInput::Unavailable(e.to_string()),
        };
        let mut first: Vec<(String, String)> = Vec::new();
        let outcome = policy::check(&policies, &plan, input, &mut |f| {
            if f.severity == Severity::Violation && first.len() < 3 {
                first.push((f.message.vi.clone(), f.message.en.clone()));
            }
        })?;
        Ok::<_, policy::PolicyError>((outcome, first))
    })
    .await;
    match ran {
        Ok(Ok((o, first))) => {
            let s = &o.summary;
            let summary = format!(
                "{} findings: {} violations, {} warnings",
                s.findings, s.violations, s.warnings
            );
            if o.has_problems() {
                JobReport::not_ok(
                    Verdict::Warning,
                    1,
                    summary,
                    &format!(
                        "{} violations found, e.g. {}",
                        s.violations,
                        first
                            .iter()
                            .map(|(_, en)| en.as_str())
                            .collect::<Vec<_>>()
                            .join(" | ")
                    ),
                )
                .vi(&format!(
                    "phát hiện {} vi phạm, ví dụ: {}",
                    s.violations,
                    first
                        .iter()
                        .map(|(vi, _)| vi.as_str())
                        .collect::<Vec<_>>()
                        .join(" | ")
                ))
            } else {
                JobReport::ok(summary)
            }
        }
        Ok(Err(e)) => JobReport::error(&e),
        Err(e) => JobReport::not_ok(Verdict::Error, 2, "not run", &e.to_string()),
    }
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
