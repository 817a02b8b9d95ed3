//! `eqvault report`: the compliance report for leadership, as HTML, PDF, XLSX, CSV, Markdown or JSON.
//!
//! Works on a database alone (`--db PATH`, no config), like `check`: the
//! backup and archive sections then say they were not available. Exit 1
//! when the report shows a violation (as `check`), 0 otherwise, 2 when no
//! report was written (or `--archive` failed after writing it).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use serde::Serialize;

use super::check::{Gathered, optional_config, parse_date, today};
use super::{Out, show};
use crate::config::Config;
use crate::policy::Policies;
use crate::report::model::{DETAIL_LIMIT, Office, Plan};
use crate::report::write::Written;
use crate::report::{Format, Lang, ReportPeriod, pdf, write};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The report's format: html, md, json, csv, xlsx or pdf (pdf needs Chromium).
    #[arg(long, value_name = "FORMAT")]
    format: Format,
    /// The file to write; never overwritten without --force. Its SHA-256 goes to FILE.sha256.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The period: YYYY-YYYY (the whole school year) or YYYY-YYYY/hk1, /hk2, /ca-nam
    /// [default: the school year of --as-of, up to --as-of].
    #[arg(long, value_name = "PERIOD")]
    period: Option<ReportPeriod>,
    /// "Today" (YYYY-MM-DD): nothing due on or after it is a finding [default: today in Vietnam].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// vi (Vietnamese, the default) or en.
    #[arg(long, default_value = "vi", value_name = "LANG")]
    lang: Lang,
    /// The database [default: [database] path of the config]. With --db, a missing
    /// config is fine: backup and archive evidence are then not available.
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Read the database through this mapping (CREATE VIEW statements onto the
    /// reference schema) [default: [database] mapping of the config].
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// File the report into the report archive under its school year and period.
    #[arg(long)]
    archive: bool,
    /// Replace --out and its .sha256 when they exist.
    #[arg(long)]
    force: bool,
    /// The office named in the header [default: [office] name of the config].
    #[arg(long, value_name = "NAME")]
    office: Option<String>,
    /// Findings listed per school and article in html, md and pdf (0: all);
    /// csv, xlsx and json always hold every finding.
    #[arg(long, default_value_t = DETAIL_LIMIT, value_name = "N")]
    findings_per_school: usize,
}

/// One report to make, decided before anything is read.
pub(super) struct Request {
    pub db: Option<PathBuf>,
    pub mapping: Option<PathBuf>,
    pub as_of: NaiveDate,
    pub period: Option<ReportPeriod>,
    pub format: Format,
    pub lang: Lang,
    pub out: PathBuf,
    pub force: bool,
    pub office: Option<String>,
    pub detail_limit: usize,
    pub archive: bool,
}

/// A report made.
#[derive(Debug, Serialize)]
pub(super) struct Made {
    pub path: PathBuf,
    pub sha256: String,
    pub sidecar: PathBuf,
    pub format: Format,
    pub lang: Lang,
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: NaiveDate,
    pub violations: u64,
    pub warnings: u64,
    pub articles_met: u64,
    pub articles: u64,
    pub archived: Option<Archived>,
}

/// Where `--archive` filed it.
#[derive(Debug, Serialize)]
pub(super) struct Archived {
    pub year: String,
    pub term: crate::calendar::Period,
    pub bag: Option<String>,
    pub sha256: String,
    pub already: bool,
}

pub async fn run(a: Args, config_path: Option<PathBuf>, out: &Out) -> anyhow::Result<ExitCode> {
    let cfg = if a.db.is_some() {
        optional_config(config_path, out)?
    } else {
        Some(super::load(config_path).context(
            "report needs a database: pass --db PATH, or a config whose [database] path names it",
        )?)
    };
    if a.archive && cfg.is_none() {
        bail!(
            "--archive files the report into the report archive of the configured stores: pass --config (or leave out --archive)"
        );
    }
    let req = Request {
        db: a.db,
        mapping: a.mapping,
        as_of: a.as_of.unwrap_or_else(today),
        period: a.period,
        format: a.format,
        lang: a.lang,
        out: a.out,
        force: a.force,
        office: a.office,
        detail_limit: a.findings_per_school,
        archive: a.archive,
    };
    let made = make(&req, cfg.as_ref()).await?;
    if out.json {
        out.json(&made);
    } else {
        print_human(out, &made);
    }
    Ok(if made.violations > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Makes one report: plan, check the target, gather, build, render, write, archive.
pub(super) async fn make(req: &Request, cfg: Option<&Config>) -> anyhow::Result<Made> {
    // Parse, then plan, then act: every refusal comes before the first read.
    let policies = Policies::from_config(cfg)?;
    let database = match (&req.db, cfg) {
        (Some(db), _) => db.clone(),
        (None, Some(c)) => c.database.path.clone(),
        (None, None) => bail!(
            "report needs a database: pass --db PATH, or a config whose [database] path names it"
        ),
    };
    let mapping = super::mapping::resolve(req.mapping.as_deref(), cfg)?;
    let plan = Plan {
        database,
        mapping,
        busy_timeout: cfg.map_or(Duration::from_secs(30), |c| {
            Duration::from_secs(c.database.busy_timeout.approx_seconds())
        }),
        as_of: req.as_of,
        period: req.period.clone(),
        office: Office {
            name: req
                .office
                .clone()
                .or_else(|| cfg.map(|c| c.office.name.clone()))
                .unwrap_or_default(),
            code: cfg.map(|c| c.office.code.clone()).unwrap_or_default(),
        },
        generated_at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0)
            .with_timezone(&crate::calendar::VIETNAM),
        detail_limit: req.detail_limit,
    };
    let period = plan.resolve(&policies.school_years)?;
    // --force replaces what --out names: never the database itself.
    if let (Ok(out), Ok(db)) = (
        std::fs::canonicalize(&req.out),
        std::fs::canonicalize(&plan.database),
    ) && out == db
    {
        bail!(
            "--out {} is the database the report reads: choose another file name for the report",
            show(&req.out)
        );
    }
    write::check_target(&req.out, req.force)?;
    if req.format == Format::Pdf {
        pdf::find_chromium()?;
    }

    let gathered = Gathered::from(cfg, &policies).await;
    let (format, lang) = (req.format, req.lang);
    let (report, bytes) = tokio::task::spawn_blocking(move || {
        let report = crate::report::build(&policies, &plan, gathered.input())?;
        let bytes = crate::report::render(&report, format, lang)?;
        Ok::<_, crate::report::ReportError>((report, bytes))
    })
    .await??;
    let Written {
        path,
        sha256,
        sidecar,
    } = write::write(&req.out, &bytes, req.force)?;

    let archived = match (req.archive, cfg) {
        (true, Some(cfg)) => Some(
            archive(cfg, &path, &period.year, period.period)
                .await
                .with_context(|| {
                    format!(
                        "the report was written to {} (SHA-256 {sha256}) but could not be archived",
                        show(&path)
                    )
                })?,
        ),
        _ => None,
    };
    Ok(Made {
        path,
        sha256,
        sidecar,
        format,
        lang,
        period: period.key,
        from: period.from,
        to: period.to,
        as_of: period.as_of,
        violations: report.summary.violations,
        warnings: report.summary.warnings,
        articles_met: report.totals.articles_met,
        articles: report.totals.articles,
        archived,
    })
}

/// Files the report under its school year and period.
async fn archive(
    cfg: &Config,
    path: &Path,
    year: &str,
    period: crate::calendar::Period,
) -> anyhow::Result<Archived> {
    let opts = crate::archive::AddOptions {
        flags: crate::archive::classify::Flags {
            year: Some(year.to_string()),
            period: Some(period),
        },
        ..Default::default()
    };
    let outcome = crate::archive::add(cfg, &[path.to_path_buf()], &opts, super::bar()).await?;
    if let Some(r) = outcome.refused.first() {
        bail!("{}: {}", r.file, r.reason);
    }
    if !outcome.every_store_has_every_bag() {
        bail!(
            "not every store took the bag: run `eqvault sync`, then check with `eqvault archive list`"
        );
    }
    if let Some(a) = outcome.added.first() {
        return Ok(Archived {
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
        Some(s) if s.sha256.is_some() => Ok(Archived {
            year: s.year.clone().unwrap_or_else(|| year.to_string()),
            term: s.term.unwrap_or(period),
            bag: s.bag.clone(),
            sha256: s.sha256.clone().unwrap_or_default(),
            already: true,
        }),
        Some(s) => bail!(
            "{}: {}; the archive did not take it: give --out another name",
            s.file,
            s.reason
        ),
        None => bail!("the archive neither added nor skipped the report"),
    }
}

fn print_human(out: &Out, m: &Made) {
    let dmy = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    out.line(format!("Báo cáo / report: {}", show(&m.path)));
    out.line(format!("SHA-256: {} ({})", m.sha256, show(&m.sidecar)));
    out.line(format!(
        "Kỳ / period: {} ({} – {}), tính đến / as of {}",
        m.period,
        dmy(m.from),
        dmy(m.to),
        dmy(m.as_of)
    ));
    out.line(format!(
        "Kết quả: {}/{} điều khoản đạt, {} vi phạm, {} cảnh báo — {} of {} articles met, {} violation(s), {} warning(s)",
        m.articles_met, m.articles, m.violations, m.warnings, m.articles_met, m.articles, m.violations, m.warnings
    ));
    if let Some(a) = &m.archived {
        let how = if a.already {
            "đã có sẵn / already archived"
        } else {
            "đã lưu trữ / archived"
        };
        out.line(format!(
            "Lưu trữ / archive: {how} {}/{} {}",
            a.year,
            a.term,
            a.bag.as_deref().unwrap_or("")
        ));
    }
}

/// The demo's report: `DIR/report.html`, replaced when it is the demo's own
/// from an earlier run (an eqvault report); a file of that name that is not
/// one is left alone and the report goes to `report-YYYY-MM-DD[-N].html`.
pub(super) async fn demo(cfg: &Config, dir: &Path, as_of: NaiveDate) -> anyhow::Result<Made> {
    let ours = |p: &Path| {
        std::fs::read(p).is_ok_and(|b| {
            let head = &b[..b.len().min(4096)];
            String::from_utf8_lossy(head).contains("<meta name=\"generator\" content=\"eqvault ")
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
    let req = Request {
        db: None,
        mapping: None,
        as_of,
        period: None,
        format: Format::Html,
        lang: Lang::Vi,
        out,
        force,
        office: (cfg.office.name.trim().is_empty())
            .then(|| "Đơn vị demo eqvault (dữ liệu giả lập)".to_string()),
        detail_limit: DETAIL_LIMIT,
        archive: false,
    };
    make(&req, Some(cfg)).await
}
