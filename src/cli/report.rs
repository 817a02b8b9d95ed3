//! `eqvault report`: the compliance report for leadership, as HTML, PDF, XLSX, CSV, Markdown or JSON.
//!
//! Works on a database alone (`--db PATH`, no config), like `check`: the
//! backup and archive sections then say they were not available. Exit 1
//! when the report shows a violation (as `check`), 0 otherwise, 2 when no
//! report was written (or `--archive` failed after writing it).

use std::path::PathBuf;

use chrono::NaiveDate;

use super::check::parse_date;
use super::{Exit, Out, show};
use crate::ops::Outcome;
use crate::ops::report::{ReportOutcome, ReportRequest};
use crate::report::model::DETAIL_LIMIT;
use crate::report::{Format, ReportPeriod};

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
    /// The database [default: [database] path of the config]. With --db, a missing
    /// config is fine: backup and archive evidence are then not available.
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Read the database through this mapping (CREATE VIEW statements onto the
    /// reference schema) [default: [database] mapping of the config].
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// File the report into the report archive under its school year and period (only once
    /// the period is over).
    #[arg(long)]
    archive: bool,
    /// With --archive: file a report of a period that is not over yet, in that period's place.
    #[arg(long, requires = "archive")]
    even_if_partial: bool,
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

pub async fn run(a: Args, config_path: Option<PathBuf>, out: &Out) -> anyhow::Result<Exit> {
    let vault = super::check::vault_for(a.db, a.mapping, config_path, "report", out)?;
    let req_lang = out.lang_of(&vault);
    let req = ReportRequest {
        as_of: a.as_of,
        period: a.period,
        format: a.format,
        lang: req_lang,
        out: a.out,
        force: a.force,
        office: a.office,
        detail_limit: a.findings_per_school,
        archive: a.archive,
        archive_partial: a.even_if_partial,
    };
    let made = vault.report(&req, super::bar()).await?;
    if out.json {
        out.json(&made);
    } else {
        print_human(out, req_lang, &made);
    }
    Ok(made.verdict().into())
}

fn print_human(out: &Out, lang: super::Lang, m: &ReportOutcome) {
    out.line(lang.t("report-file", &[("path", &show(&m.path))]));
    out.line(format!("SHA-256: {} ({})", m.sha256, show(&m.sidecar)));
    let partial = if m.partial {
        format!("; {}", lang.t("report-partial", &[]))
    } else {
        String::new()
    };
    out.line(lang.t(
        "report-period",
        &[
            ("period", &m.period),
            (
                "range",
                &format!("{} – {}{partial}", lang.day(m.from), lang.day(m.to)),
            ),
            ("as_of", &lang.day(m.as_of)),
        ],
    ));
    out.line(lang.t(
        "report-result",
        &[
            ("met", &m.articles_met),
            ("articles", &m.articles),
            ("violations", &m.violations),
            ("warnings", &m.warnings),
        ],
    ));
    if let Some(a) = &m.archived {
        out.line(lang.t(
            if a.already {
                "report-already-archived"
            } else {
                "report-archived"
            },
            &[
                ("place", &format!("{}/{}", a.year, a.term)),
                ("bag", &a.bag.as_deref().unwrap_or("")),
            ],
        ));
    }
}
