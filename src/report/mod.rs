//! The compliance report for leadership: one model of numbers, rendered as HTML, PDF, XLSX, CSV, Markdown or JSON.
//!
//! The reader is the head of the education office or a principal. The report
//! says, article by article of Quyết định 146/QĐ-GDĐT, whether the rules were
//! kept in a school year or term, which schools need a reminder, and whether
//! the data is safe, with the evidence behind every red mark.
//!
//! - [`model`]: the numbers, computed once ([`build`]): the `check` outcome
//!   for the period, equipment statistics, per-school and monthly figures,
//!   backup and archive evidence, provenance.
//! - `stats`: the statistics read from the database, read-only, with
//!   streaming single-pass queries in short statements.
//! - [`text`]: the words, in Vietnamese (the default) and English.
//! - [`html`] (with `charts`, inline SVG), [`markdown`], [`csv`], [`xlsx`],
//!   [`json`]: renderers of the same [`Report`]; [`pdf`] prints the HTML
//!   with headless Chromium.
//! - [`mod@write`]: the file and its `FILE.sha256` sidecar, never overwriting
//!   without `force`, through a temporary file and a rename.
//!
//! Every renderer takes the model as it is: no renderer computes a number, so
//! the JSON holds exactly the numbers the HTML shows.

mod charts;
pub mod csv;
pub mod document;
mod evidence;
pub mod html;
pub mod json;
pub mod markdown;
pub mod model;
pub mod pdf;
mod stats;
pub mod text;
pub mod write;
pub mod xlsx;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::Serialize;

use crate::calendar::{Period, SchoolYears};

pub use model::{Plan, Report, build};
pub use text::Lang;

/// Errors of the report room. Each names the value or path concerned and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The policy files, or the database being read for the check.
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// A `--period` that is not a school year (and term) of the policy files.
    #[error("{0}")]
    Period(String),
    /// SQLite failed while reading the statistics.
    #[error("reading the database {path} for the statistics failed: {source}")]
    Sqlite {
        /// The database.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The output file exists and `--force` was not given.
    #[error("{0} already exists; eqvault never overwrites a report")]
    Exists(PathBuf),
    /// File I/O.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `--format pdf` without a Chromium to print with.
    #[error(
        "a PDF report is printed from the HTML one by headless Chromium, and none was found ({0})"
    )]
    NoChromium(String),
    /// Chromium ran but gave no PDF.
    #[error("headless Chromium could not print the report: {0}")]
    Chromium(String),
    /// The XLSX writer.
    #[error("cannot write the XLSX report: {0}")]
    Xlsx(String),
    /// A worker thread died.
    #[error("internal failure: {0}")]
    Internal(String),
}

impl ReportError {
    fn io(
        what: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> ReportError + use<> {
        let path = path.to_path_buf();
        move |source| ReportError::Io { what, path, source }
    }
}

/// The report's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One self-contained HTML file.
    Html,
    /// The HTML printed to PDF by headless Chromium.
    Pdf,
    /// One sheet per section, typed cells.
    Xlsx,
    /// The findings, one row each, UTF-8 with BOM.
    Csv,
    /// Markdown.
    Md,
    /// The model as JSON.
    Json,
}

impl Format {
    /// Every format, in the order of CLI.md.
    pub const ALL: [Format; 6] = [
        Format::Html,
        Format::Md,
        Format::Json,
        Format::Csv,
        Format::Xlsx,
        Format::Pdf,
    ];

    /// The name used by `--format`, and the usual file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Md => "md",
            Format::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!("{s:?} is not a report format: write html, md, json, csv, xlsx or pdf")
            })
    }
}

/// Renders `report` in `format` (all but PDF, which needs [`pdf::print`]).
///
/// # Errors
/// [`ReportError::Xlsx`] from the XLSX writer; [`ReportError::Chromium`] or
/// [`ReportError::NoChromium`] for PDF.
pub fn render(report: &Report, format: Format, lang: Lang) -> Result<Vec<u8>, ReportError> {
    Ok(match format {
        Format::Html => html::render(report, lang).into_bytes(),
        Format::Md => markdown::render(report, lang).into_bytes(),
        Format::Json => json::render(report, lang),
        Format::Csv => csv::render(report, lang),
        Format::Xlsx => xlsx::render(report, lang)?,
        Format::Pdf => {
            let browser = pdf::find_chromium()?;
            pdf::print(&browser, document::render(report, lang).as_bytes())?
        }
    })
}

/// A reporting period: a school year and a term, or the whole year (`--period`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportPeriod {
    /// `2024-2025`.
    pub year: String,
    /// `hk1`, `hk2` or `ca-nam`.
    pub period: Period,
}

impl ReportPeriod {
    /// `2024-2025/hk1`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.year, self.period)
    }

    /// The school year this names: the policy file's, or, after its last
    /// year, one derived from the ministry's frame (marked provisional).
    ///
    /// # Errors
    /// [`ReportError::Period`] when the year is before the file's years.
    pub fn school_year(
        &self,
        years: &SchoolYears,
    ) -> Result<crate::calendar::SchoolYear, ReportError> {
        years.get_or_derived(&self.year).ok_or_else(|| {
            let known: Vec<&str> = years.years().iter().map(|y| y.name.as_str()).collect();
            ReportError::Period(format!(
                "the school year {} is not in school-years.toml (it has {}, and derives the years after them): add it to the policy folder, or choose one of those",
                self.year,
                known.join(", ")
            ))
        })
    }
}

impl FromStr for ReportPeriod {
    type Err = String;

    /// `YYYY-YYYY` (the whole year) or `YYYY-YYYY/hk1|hk2|ca-nam`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "{s:?} is not a report period: write a school year, YYYY-YYYY (the whole year), or YYYY-YYYY/hk1, /hk2 or /ca-nam, e.g. 2024-2025/hk1"
            )
        };
        let (year, term) = match s.trim().split_once('/') {
            Some((y, t)) => (y, Some(t)),
            None => (s.trim(), None),
        };
        if !crate::calendar::is_year_name(year) {
            return Err(bad());
        }
        let period = match term {
            None => Period::CaNam,
            Some(t) => match t.parse::<Period>() {
                Ok(p @ (Period::Hk1 | Period::Hk2 | Period::CaNam)) => p,
                _ => return Err(bad()),
            },
        };
        Ok(ReportPeriod {
            year: year.to_string(),
            period,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_refuse_months() {
        let p: ReportPeriod = "2024-2025/hk1".parse().unwrap();
        assert_eq!((p.year.as_str(), p.period), ("2024-2025", Period::Hk1));
        let p: ReportPeriod = "2024-2025".parse().unwrap();
        assert_eq!(p.period, Period::CaNam);
        assert_eq!(p.key(), "2024-2025/ca-nam");
        for bad in ["2024-2026", "2024-2025/03", "2024-2025/hk3", "2024", "hk1"] {
            assert!(bad.parse::<ReportPeriod>().is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
        }
        assert!("docx".parse::<Format>().is_err());
    }
}
