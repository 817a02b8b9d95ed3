//! `report`: the compliance report for leadership. Plan (period, target,
//! Chromium for a PDF), gather the stores' evidence, build the model, render,
//! write beside its `.sha256`, and file it in the report archive when asked.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use super::outcome::{Outcome, Verdict};
use super::{OpsError, Vault};
use crate::progress::Progress;
use crate::report::model::{DETAIL_LIMIT, Office, Plan};
use crate::report::write::Written;
use crate::report::{Format, Lang, ReportPeriod, pdf, write};
use crate::sanitize;

/// One report to make, decided before anything is read.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    /// "Today" [default: today in Vietnam].
    pub as_of: Option<NaiveDate>,
    /// The period [default: the school year of `as_of`, up to `as_of`].
    pub period: Option<ReportPeriod>,
    /// The format.
    pub format: Format,
    /// The language.
    pub lang: Lang,
    /// The file to write.
    pub out: PathBuf,
    /// Replace `out` (and its `.sha256`) when it exists.
    pub force: bool,
    /// The office named in the header [default: `[office] name`].
    pub office: Option<String>,
    /// Findings listed per school and article in html, md and pdf (0: all).
    pub detail_limit: usize,
    /// File the report in the report archive under its school year and period.
    pub archive: bool,
    /// With `archive`: file it even though its period is not over.
    pub archive_partial: bool,
}

/// A report made.
#[derive(Debug, Clone, Serialize)]
pub struct ReportOutcome {
    /// The file written.
    pub path: PathBuf,
    /// Its SHA-256.
    pub sha256: String,
    /// The `.sha256` file beside it.
    pub sidecar: PathBuf,
    /// Its format.
    pub format: Format,
    /// Its language.
    pub lang: Lang,
    /// The period, `2025-2026` or `2025-2026/hk1`.
    pub period: String,
    /// The first day reported on.
    pub from: NaiveDate,
    /// The last day reported on.
    pub to: NaiveDate,
    /// The period is not over: the report covers it up to `to`.
    pub partial: bool,
    /// "Today".
    pub as_of: NaiveDate,
    /// Violations in the period.
    pub violations: u64,
    /// Warnings in the period.
    pub warnings: u64,
    /// Articles met.
    pub articles_met: u64,
    /// Articles judged.
    pub articles: u64,
    /// Where `archive` filed it.
    pub archived: Option<ReportArchived>,
}

/// Where a report was filed in the archive.
#[derive(Debug, Clone, Serialize)]
pub struct ReportArchived {
    /// The school year.
    pub year: String,
    /// The period.
    pub term: crate::calendar::Period,
    /// The bag it went into.
    pub bag: Option<String>,
    /// The file's SHA-256.
    pub sha256: String,
    /// The same content was archived before.
    pub already: bool,
}

impl Outcome for ReportOutcome {
    /// A violation in the period: exit 1, as `check`.
    fn verdict(&self) -> Verdict {
        Verdict::found_if(self.violations > 0)
    }
}

fn show(p: &Path) -> String {
    sanitize::path(p)
}

impl Vault {
    /// Makes one report: plan, check the target, gather, build, render,
    /// write, archive. Nothing is read before every refusal has had its say.
    ///
    /// # Errors
    /// [`OpsError`]: no database, a bad period, `out` existing without
    /// `force` or naming the database, no Chromium for a PDF, an unreadable
    /// database; and, after the report was written, an archive that did not
    /// take it (the error says where the report is).
    pub async fn report(
        &self,
        req: &ReportRequest,
        progress: Arc<dyn Progress>,
    ) -> Result<ReportOutcome, OpsError> {
        let cfg = self.config_if_any();
        if req.archive && cfg.is_none() {
            return Err(OpsError::ArchiveNeedsConfig);
        }
        let policies = self.policies()?;
        // The config's office (its signer and place too), the name replaced by --office.
        let mut office = cfg
            .map(|c| Office {
                name: c.office.name.clone(),
                code: c.office.code.clone(),
                signer_title: c.office.signer_title.clone(),
                signer_name: c.office.signer_name.clone(),
                place: c.office.place.clone(),
            })
            .unwrap_or_default();
        if let Some(name) = &req.office {
            office.name = name.clone();
        }
        let plan = Plan {
            database: self.database()?.to_path_buf(),
            mapping: self.mapping()?.cloned(),
            busy_timeout: self.busy_timeout(),
            as_of: req.as_of.unwrap_or_else(crate::calendar::today),
            period: req.period.clone(),
            office,
            generated_at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0)
                .with_timezone(&crate::calendar::VIETNAM),
            detail_limit: req.detail_limit,
        };
        let period = plan.resolve(&policies.school_years)?;
        // A year-to-date report filed as the whole year's would stand in its
        // place for good (archived reports are never replaced).
        if req.archive && period.partial() && !req.archive_partial {
            return Err(OpsError::PeriodNotOver {
                period: period.key.clone(),
                end: period.end,
                to: period.to,
            });
        }
        // --force replaces what --out names: never the database itself.
        if let (Ok(out), Ok(db)) = (
            std::fs::canonicalize(&req.out),
            std::fs::canonicalize(&plan.database),
        ) && out == db
        {
            return Err(OpsError::ReportIsDatabase(req.out.clone()));
        }
        write::check_target(&req.out, req.force)?;
        if req.format == Format::Pdf {
            pdf::find_chromium()?;
        }

        let gathered = self.gather(&policies).await;
        let (format, lang) = (req.format, req.lang);
        let (report, bytes) = tokio::task::spawn_blocking(move || {
            let report = crate::report::build(&policies, &plan, gathered.input())?;
            let bytes = crate::report::render(&report, format, lang)?;
            Ok::<_, crate::report::ReportError>((report, bytes))
        })
        .await
        .map_err(|e| OpsError::Internal(format!("the report's worker thread failed: {e}")))??;
        let Written {
            path,
            sha256,
            sidecar,
        } = write::write(&req.out, &bytes, req.force)?;

        let archived = match (req.archive, cfg) {
            (true, Some(_)) => Some(
                self.file_report(&path, &period.year, period.period, progress)
                    .await
                    .map_err(|e| OpsError::NotArchived {
                        path: show(&path),
                        sha256: sha256.clone(),
                        why: e.to_string(),
                    })?,
            ),
            _ => None,
        };
        let partial = period.partial();
        Ok(ReportOutcome {
            path,
            sha256,
            sidecar,
            format,
            lang,
            period: period.key,
            from: period.from,
            to: period.to,
            partial,
            as_of: period.as_of,
            violations: report.summary.violations,
            warnings: report.summary.warnings,
            articles_met: report.totals.articles_met,
            articles: report.totals.articles,
            archived,
        })
    }

    /// Files a written report under its school year and period.
    pub(super) async fn file_report(
        &self,
        path: &Path,
        year: &str,
        period: crate::calendar::Period,
        progress: Arc<dyn Progress>,
    ) -> Result<ReportArchived, OpsError> {
        let opts = crate::archive::AddOptions {
            flags: crate::archive::classify::Flags {
                year: Some(year.to_string()),
                period: Some(period),
                term_default: false,
            },
            ..Default::default()
        };
        let outcome = self
            .archive_add(&[path.to_path_buf()], &opts, progress)
            .await?;
        if let Some(r) = outcome.refused.first() {
            return Err(OpsError::Refused(format!("{}: {}", r.file, r.reason)));
        }
        if !outcome.every_store_has_every_bag() {
            return Err(OpsError::Refused("not every store took the bag".into()));
        }
        if let Some(a) = outcome.added.first() {
            return Ok(ReportArchived {
                year: a.year.clone(),
                term: a.term,
                bag: a.bag.clone(),
                sha256: a.sha256.clone(),
                already: false,
            });
        }
        // Skipped with its digest: the same content is already archived. Skipped
        // unread (a name the archive takes for clutter, like `~$…`): not archived.
        match outcome.skipped.first() {
            Some(s) if s.sha256.is_some() => Ok(ReportArchived {
                year: s.year.clone().unwrap_or_else(|| year.to_string()),
                term: s.term.unwrap_or(period),
                bag: s.bag.clone(),
                sha256: s.sha256.clone().unwrap_or_default(),
                already: true,
            }),
            Some(s) => Err(OpsError::Refused(format!(
                "{}: {}; the archive did not take it",
                s.file, s.reason
            ))),
            None => Err(OpsError::Refused(
                "the archive neither added nor skipped the report".into(),
            )),
        }
    }

    /// The demo's report: `DIR/report.html`, replaced when it is the demo's
    /// own from an earlier run (an eqvault report); a file of that name that
    /// is not one is left alone and the report goes to `report-YYYY-MM-DD[-N].html`.
    ///
    /// # Errors
    /// As [`Vault::report`].
    pub async fn demo_report(
        &self,
        dir: &Path,
        as_of: NaiveDate,
    ) -> Result<ReportOutcome, OpsError> {
        let ours = |p: &Path| {
            std::fs::read(p).is_ok_and(|b| {
                let head = &b[..b.len().min(4096)];
                String::from_utf8_lossy(head)
                    .contains("<meta name=\"generator\" content=\"eqvault ")
            })
        };
        let base = dir.join("report.html");
        let free = |p: &Path| !p.exists() && !write::sidecar_path(p).exists();
        let (out, force) = if ours(&base) {
            (base, true)
        } else if free(&base) {
            (base, false)
        } else {
            let stem = format!("report-{}", as_of.format("%Y-%m-%d"));
            let mut out = dir.join(format!("{stem}.html"));
            let mut n = 2;
            while !free(&out) {
                out = dir.join(format!("{stem}-{n}.html"));
                n += 1;
            }
            (out, false)
        };
        let office_unset = self
            .config_if_any()
            .is_none_or(|c| c.office.name.trim().is_empty());
        let req = ReportRequest {
            as_of: Some(as_of),
            period: None,
            format: Format::Html,
            lang: Lang::Vi,
            out,
            force,
            office: office_unset.then(|| "Đơn vị demo eqvault (dữ liệu giả lập)".to_string()),
            detail_limit: DETAIL_LIMIT,
            archive: false,
            archive_partial: false,
        };
        self.report(&req, Arc::new(crate::progress::Quiet)).await
    }
}
