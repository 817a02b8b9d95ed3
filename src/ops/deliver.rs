//! The scheduled report (`[schedule] report`): the period that has just
//! ended, written in each format, filed in the archive under that period, and
//! mailed with the files attached to leadership (`[alerts.email] report_to`).
//!
//! Each ended period is delivered once: `[state] dir/reports/delivered.json`
//! remembers what was written, archived and mailed, so a job that runs again
//! in the same period (catch-up, a monthly cron for a termly report) sends
//! nothing twice; a mail that failed is sent again from the files already
//! written and archived, not from a new report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::report::{ReportOutcome, ReportRequest};
use super::{OpsError, Outcome, Quiet, Vault, Verdict};
use crate::calendar::{Period, SchoolYears};
use crate::config::ReportEvery;
use crate::report::{Format, Lang, ReportPeriod};
use crate::schedule::alerts::{Attachment, Composed, send_mail};

/// What one run of the scheduled report did.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// The period reported on, `2025-2026/hk2`.
    pub period: String,
    /// Its name in Vietnamese.
    pub label: String,
    /// The files written and archived, one per format.
    pub files: Vec<DeliveredFile>,
    /// Who received it (`[alerts.email] report_to`); empty when not mailed.
    pub mailed_to: Vec<String>,
    /// Why it was not mailed, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_mailed: Option<String>,
    /// When the period was delivered before: this run did nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_before: Option<DateTime<FixedOffset>>,
    /// Articles met, of all.
    pub articles_met: u64,
    /// Articles judged.
    pub articles: u64,
    /// Violations found in the period.
    pub violations: u64,
    /// Warnings found in the period.
    pub warnings: u64,
}

/// One file of a delivery.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveredFile {
    /// Where it was written (under `[state] dir/reports/`).
    pub path: PathBuf,
    /// `pdf`, `xlsx`, ….
    pub format: String,
    /// Its SHA-256.
    pub sha256: String,
    /// The archive's bag holding it.
    pub bag: Option<String>,
}

impl Outcome for Delivery {
    fn verdict(&self) -> Verdict {
        // The findings are the report's content, for leadership; what IT must
        // hear about is a report that did not reach them.
        if self.not_mailed.is_some() && self.delivered_before.is_none() {
            Verdict::Notice
        } else {
            Verdict::Ok
        }
    }
}

/// What `delivered.json` remembers of a period.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    at: DateTime<FixedOffset>,
    files: Vec<DeliveredFile>,
    /// Every file is in the archive.
    #[serde(default)]
    archived: bool,
    mailed: bool,
    articles_met: u64,
    articles: u64,
    violations: u64,
    warnings: u64,
}

impl Record {
    /// Files just written: neither archived nor mailed yet.
    fn written(files: Vec<DeliveredFile>, t: &Totals) -> Record {
        Record {
            at: chrono::Utc::now().with_timezone(&crate::calendar::VIETNAM),
            files,
            archived: false,
            mailed: false,
            articles_met: t.articles_met,
            articles: t.articles,
            violations: t.violations,
            warnings: t.warnings,
        }
    }
}

/// The period of kind `every` that has ended last before `today`.
pub fn ended_period(
    every: ReportEvery,
    years: &SchoolYears,
    today: NaiveDate,
) -> Option<ReportPeriod> {
    let through = years.years_through(today);
    match every {
        ReportEvery::Year => through
            .iter()
            .filter(|y| y.end < today)
            .max_by_key(|y| y.end)
            .map(|y| ReportPeriod {
                year: y.name.clone(),
                period: Period::CaNam,
            }),
        ReportEvery::Term => through
            .iter()
            .flat_map(|y| [(y, Period::Hk1, y.hk1_end), (y, Period::Hk2, y.end)])
            .filter(|(_, _, end)| *end < today)
            .max_by_key(|(_, _, end)| *end)
            .map(|(y, p, _)| ReportPeriod {
                year: y.name.clone(),
                period: p,
            }),
        ReportEvery::PreviousMonth => {
            let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)?.pred_opt()?;
            let (m, y) = (first.month(), first.year());
            let first_year = if m >= 9 { y } else { y - 1 };
            Some(ReportPeriod {
                year: format!("{first_year}-{}", first_year + 1),
                period: Period::Month(m),
            })
        }
    }
}

fn format_of(name: &str) -> Option<Format> {
    Some(match name {
        "pdf" => Format::Pdf,
        "xlsx" => Format::Xlsx,
        "html" => Format::Html,
        "md" => Format::Md,
        "csv" => Format::Csv,
        "json" => Format::Json,
        _ => return None,
    })
}

fn content_type(format: &str) -> &'static str {
    match format {
        "pdf" => "application/pdf",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html" => "text/html; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/json",
    }
}

fn ledger_path(state: &Path) -> PathBuf {
    state.join("reports").join("delivered.json")
}

/// What was delivered: none when the file does not exist yet; any other
/// failure refuses the run, since delivering again would archive and mail twice.
fn read_records(state: &Path) -> Result<BTreeMap<String, Record>, OpsError> {
    let path = ledger_path(state);
    match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| {
            OpsError::Refused(format!(
                "{} cannot be read ({e}): it records which reports were sent; move it aside only if nothing was sent since",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(OpsError::io("cannot read", &path)(e)),
    }
}

/// Replaces `delivered.json` whole and durably (written beside, fsynced, renamed, folder fsynced).
fn write_records(state: &Path, r: &BTreeMap<String, Record>) -> Result<(), OpsError> {
    use std::io::Write;
    let path = ledger_path(state);
    let tmp = path.with_extension("json.tmp");
    let body = serde_json::to_vec_pretty(r).expect("records serialise");
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(&body).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, &path))
        .and_then(|()| {
            let dir = path.parent().unwrap_or(state);
            std::fs::File::open(dir).and_then(|d| d.sync_all())
        });
    written.map_err(OpsError::io("cannot record the delivery in", &path))
}

/// The totals a delivery's message sums up.
struct Totals {
    articles_met: u64,
    articles: u64,
    violations: u64,
    warnings: u64,
}

impl Vault {
    /// Writes the report of `period` as of `today` in each of `formats` into
    /// `dir`, without archiving it.
    async fn write_reports(
        &self,
        period: &ReportPeriod,
        formats: &[String],
        today: NaiveDate,
        dir: &Path,
    ) -> Result<(Vec<DeliveredFile>, Totals), OpsError> {
        let mut files = Vec::new();
        let mut totals = None;
        for f in formats {
            let format = format_of(f)
                .ok_or_else(|| OpsError::Refused(format!("{f:?} is not a report format")))?;
            let req = ReportRequest {
                as_of: Some(today),
                period: Some(period.clone()),
                format,
                lang: Lang::Vi,
                out: dir.join(format!(
                    "bao-cao-tuan-thu-{}-{}.{f}",
                    period.year, period.period
                )),
                force: true,
                office: None,
                detail_limit: crate::report::model::DETAIL_LIMIT,
                archive: false,
                archive_partial: false,
            };
            let o: ReportOutcome = self.report(&req, Arc::new(Quiet)).await?;
            files.push(DeliveredFile {
                path: o.path.clone(),
                format: f.clone(),
                sha256: o.sha256.clone(),
                bag: None,
            });
            totals = Some(Totals {
                articles_met: o.articles_met,
                articles: o.articles,
                violations: o.violations,
                warnings: o.warnings,
            });
        }
        let totals = totals.ok_or_else(|| OpsError::Refused("no report format given".into()))?;
        Ok((files, totals))
    }
}

impl Vault {
    /// Delivers the report of the period of kind `every` that ended last
    /// before `today`: each of `formats` (default pdf and xlsx) written under
    /// `[state] dir/reports/YEAR/PERIOD/`, filed in the archive, and mailed
    /// to `[alerts.email] report_to` with the files attached.
    ///
    /// # Errors
    /// [`OpsError`]: no period of that kind has ended, a report that could not
    /// be written or archived, or a mail the server refused (the files are
    /// kept and the next run sends them).
    pub async fn deliver_report(
        &self,
        every: ReportEvery,
        formats: &[String],
        today: NaiveDate,
    ) -> Result<Delivery, OpsError> {
        let cfg = self.config()?;
        let policies = self.policies()?;
        let period = ended_period(every, &policies.school_years, today).ok_or_else(|| {
            OpsError::Refused(format!(
                "no {} has ended before {today} in school-years.toml: nothing to report yet",
                match every {
                    ReportEvery::Year => "school year",
                    ReportEvery::Term => "term",
                    ReportEvery::PreviousMonth => "month",
                }
            ))
        })?;
        let key = period.key();
        let lang = cfg.office.lang.unwrap_or_default();
        let label = lang.period(&period.year, period.period);
        let formats: Vec<String> = if formats.is_empty() {
            vec!["pdf".into(), "xlsx".into()]
        } else {
            formats.to_vec()
        };
        let reports = cfg.state_dir.join("reports");
        crate::scratch::create_private_dir(&reports)?;
        let mut records = read_records(&cfg.state_dir)?;
        let email = cfg.alerts.email.as_ref();
        let recipients: Vec<String> = email.map(|e| e.report_to.clone()).unwrap_or_default();
        let previous = records
            .iter()
            .filter(|(k, _)| **k != key)
            .max_by_key(|(_, r)| r.at)
            .map(|(k, r)| (k.clone(), r.clone()));

        let mut record = match records.get(&key) {
            Some(r) if r.archived && (r.mailed || recipients.is_empty()) => {
                return Ok(Delivery {
                    period: key,
                    label,
                    files: r.files.clone(),
                    mailed_to: Vec::new(),
                    not_mailed: None,
                    delivered_before: Some(r.at),
                    articles_met: r.articles_met,
                    articles: r.articles,
                    violations: r.violations,
                    warnings: r.warnings,
                });
            }
            // Written before, not yet archived or mailed: those files, not a new report.
            Some(r) => r.clone(),
            None => {
                // Every format written and recorded first; then archived: a run
                // that fails half-way archives the same bytes next time (the
                // archive skips what it holds), never a new version.
                let dir = reports.join(&period.year).join(period.period.to_string());
                crate::scratch::create_private_dir(&dir)?;
                let (files, t) = self.write_reports(&period, &formats, today, &dir).await?;
                let r = Record::written(files, &t);
                records.insert(key.clone(), r.clone());
                write_records(&cfg.state_dir, &records)?;
                r
            }
        };
        if !record.archived {
            for f in &mut record.files {
                let a = self
                    .file_report(&f.path, &period.year, period.period, Arc::new(Quiet))
                    .await
                    .map_err(|e| OpsError::NotArchived {
                        path: f.path.display().to_string(),
                        sha256: f.sha256.clone(),
                        why: e.to_string(),
                    })?;
                f.bag = a.bag;
            }
            record.archived = true;
            records.insert(key.clone(), record.clone());
            write_records(&cfg.state_dir, &records)?;
        }

        let mut out = Delivery {
            period: key.clone(),
            label: label.clone(),
            files: record.files.clone(),
            mailed_to: Vec::new(),
            not_mailed: None,
            delivered_before: None,
            articles_met: record.articles_met,
            articles: record.articles,
            violations: record.violations,
            warnings: record.warnings,
        };
        let Some(e) = email.filter(|_| !recipients.is_empty()) else {
            out.not_mailed = Some(
                "no [alerts.email] report_to: the report was written and archived, and mailed to nobody".into(),
            );
            return Ok(out);
        };
        let attachments = attach(&record.files)?;
        let m = compose(lang, &cfg.office.name, &label, &record, previous.as_ref());
        send_mail(e, &recipients, &m, &attachments, cfg.schedule.timezone)
            .await
            .map_err(|why| OpsError::NotMailed {
                period: key.clone(),
                why,
            })?;
        if let Some(r) = records.get_mut(&key) {
            r.mailed = true;
        }
        write_records(&cfg.state_dir, &records)?;
        out.mailed_to = recipients;
        Ok(out)
    }
}

impl Vault {
    /// `doctor --send-test-alert`: the report `[schedule] report` would send now
    /// (its period and formats; XLSX of the last ended term without the job),
    /// written into a private scratch folder, marked as a test in the subject,
    /// and mailed to `[alerts.email] report_to`; neither archived nor
    /// remembered as delivered. Returns the recipients and the period.
    ///
    /// # Errors
    /// [`OpsError`]: no `report_to`, no ended period, a report that could not
    /// be written, or the mail server's refusal.
    pub async fn send_test_report(
        &self,
        today: NaiveDate,
    ) -> Result<(Vec<String>, String), OpsError> {
        let cfg = self.config()?;
        let Some(e) = cfg
            .alerts
            .email
            .as_ref()
            .filter(|e| !e.report_to.is_empty())
        else {
            return Err(OpsError::Refused(
                "no [alerts.email] report_to to send a test report to".into(),
            ));
        };
        let job = cfg.schedule.jobs.iter().find(|j| j.name == "report");
        let every = job
            .and_then(|j| j.options.period)
            .unwrap_or(ReportEvery::Term);
        let formats = match job {
            Some(j) if !j.options.formats.is_empty() => j.options.formats.clone(),
            Some(_) => vec!["pdf".into(), "xlsx".into()],
            None => vec!["xlsx".into()],
        };
        let policies = self.policies()?;
        let period = ended_period(every, &policies.school_years, today)
            .ok_or_else(|| OpsError::Refused("no period has ended yet to report on".into()))?;
        let scratch = super::private_temp(cfg, "test-report")?;
        let (files, t) = self
            .write_reports(&period, &formats, today, scratch.path())
            .await?;
        let record = Record::written(files, &t);
        let lang = cfg.office.lang.unwrap_or_default();
        let label = lang.period(&period.year, period.period);
        let mut m = compose(lang, &cfg.office.name, &label, &record, None);
        m.subject = format!("[{}] {}", lang.t("mail-test-tag", &[]), m.subject);
        m.body = format!("{}\n\n{}", lang.t("mail-test-intro", &[]), m.body);
        let attachments = attach(&record.files)?;
        send_mail(e, &e.report_to, &m, &attachments, cfg.schedule.timezone)
            .await
            .map_err(|why| {
                OpsError::Refused(format!(
                    "the mail server did not take the test report: {why}"
                ))
            })?;
        Ok((e.report_to.clone(), period.key()))
    }
}

/// The files of a delivery as attachments.
fn attach(files: &[DeliveredFile]) -> Result<Vec<Attachment>, OpsError> {
    files
        .iter()
        .map(|f| {
            let bytes =
                std::fs::read(&f.path).map_err(OpsError::io("cannot read the report", &f.path))?;
            Ok(Attachment {
                name: f
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                content_type: content_type(&f.format).into(),
                bytes,
            })
        })
        .collect()
}

/// The message leadership receives, in the office's language (`[office]
/// lang`, Vietnamese unless set): a subject naming the office and the
/// period, and a short body that sums up the verdicts.
fn compose(
    lang: Lang,
    office: &str,
    label: &str,
    r: &Record,
    previous: Option<&(String, Record)>,
) -> Composed {
    let office = if office.trim().is_empty() {
        lang.t("mail-office-unnamed", &[])
    } else {
        office.trim().to_string()
    };
    let subject = lang.t("mail-subject", &[("office", &office), ("label", &label)]);
    let mut body = format!(
        "{}\n\n{}\n\n{}\n",
        lang.t("mail-greeting", &[]),
        lang.t("mail-attached", &[("office", &office), ("label", &label)]),
        lang.t(
            "mail-result",
            &[
                ("met", &r.articles_met),
                ("articles", &r.articles),
                ("violations", &r.violations),
                ("warnings", &r.warnings),
            ],
        )
    );
    match previous {
        Some((k, p)) => {
            let change = |now: u64, was: u64| match now.cmp(&was) {
                std::cmp::Ordering::Greater => lang.t("mail-up", &[("by", &(now - was))]),
                std::cmp::Ordering::Less => lang.t("mail-down", &[("by", &(was - now))]),
                std::cmp::Ordering::Equal => lang.t("mail-same", &[]),
            };
            body.push_str(&lang.t(
                "mail-compared",
                &[
                    ("previous", k),
                    ("met", &change(r.articles_met, p.articles_met)),
                    ("violations", &change(r.violations, p.violations)),
                    ("warnings", &change(r.warnings, p.warnings)),
                ],
            ));
        }
        None => body.push_str(&lang.t("mail-first", &[])),
    }
    body.push_str("\n\n");
    body.push_str(&lang.t("mail-archived", &[]));
    body.push('\n');
    body.push_str(&lang.t("mail-automatic", &[]));
    body.push('\n');
    Composed { subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn years() -> SchoolYears {
        SchoolYears::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn key(every: ReportEvery, today: NaiveDate) -> String {
        ended_period(every, &years(), today).unwrap().key()
    }

    #[test]
    fn the_period_reported_is_the_one_that_has_just_ended() {
        // December: the school year began in September; the last ended term is last year's HK2.
        assert_eq!(key(ReportEvery::Term, d(2026, 12, 6)), "2025-2026/hk2");
        assert_eq!(key(ReportEvery::Year, d(2026, 12, 6)), "2025-2026/ca-nam");
        assert_eq!(
            key(ReportEvery::PreviousMonth, d(2026, 12, 6)),
            "2026-2027/11"
        );
        // February: HK1 has ended.
        assert_eq!(key(ReportEvery::Term, d(2027, 2, 15)), "2026-2027/hk1");
        // January's previous month is December, of the school year begun in September.
        assert_eq!(
            key(ReportEvery::PreviousMonth, d(2027, 1, 3)),
            "2026-2027/12"
        );
        // Summer: the year has ended; July's previous month is June of the year that ended.
        assert_eq!(key(ReportEvery::Year, d(2026, 7, 1)), "2025-2026/ca-nam");
        assert_eq!(
            key(ReportEvery::PreviousMonth, d(2026, 7, 1)),
            "2025-2026/06"
        );
        // Nothing ends on its last day: it is reported from the day after.
        let y = years();
        let last = y.get("2025-2026").unwrap().end;
        assert_ne!(key(ReportEvery::Year, last), "2025-2026/ca-nam");
    }
}
