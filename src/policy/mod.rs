//! Rules → findings: the compliance checks of Quyết định 146/QĐ-GDĐT, as pure functions over data.
//!
//! - [`rules`]: `policies/rules.toml`, each rule's severity and parameters.
//! - [`shipped`]: the policy folder built into the binary, or a folder on disk.
//! - [`finding`]: what a rule reports ([`Finding`]), bilingual, with evidence.
//! - [`database`]: the rules over the equipment database (read-only, short
//!   statements, memory flat in the number of change and usage rows).
//! - [`late`], [`approvals`], [`activity`], [`identifiers`]: the database
//!   rules, pure functions of rows already read.
//! - [`stores`]: the rules over the backup stores (snapshots, copies, drills).
//! - [`reports`]: the rule over the report archive.
//! - [`check()`]: one run of every rule, with what was skipped and why.
//!
//! Findings are handed to a sink as they are found rather than collected, so
//! that a database with millions of late entries can be checked in constant
//! memory; [`check::Tally`] counts them for the summary.

pub mod activity;
pub mod approvals;
pub mod check;
pub mod database;
pub mod finding;
pub mod identifiers;
pub mod late;
pub mod quality;
pub mod reports;
pub mod rules;
pub mod shipped;
pub mod stores;
pub(crate) mod text;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use crate::calendar::{Month, REGULATION_DATE};
pub use check::{
    CheckOutcome, CheckPlan, Note, Skipped, StoreInput, Summary, Tally, Window, check,
};
pub use finding::{Evidence, Finding, Message};
pub use rules::Rules;
pub use shipped::{Policies, PolicySource};

/// Errors of the policy room: policy files, and the database being checked.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A policy file could not be read.
    #[error(
        "cannot read {path}: {source}. A policy folder holds rules.toml, school-years.toml and calendar/YYYY.toml: copy the shipped `policies/` folder and edit it"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key or a value of the wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// toml's message, with line and key.
        message: String,
    },
    /// A value that parses but is not acceptable.
    #[error("{path}: `{key}`: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The dotted key.
        key: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The calendar or school-year files.
    #[error(transparent)]
    Calendar(#[from] crate::calendar::CalendarError),
    /// Opening the database.
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    /// Reading or applying the mapping.
    #[error(transparent)]
    Mapping(Box<crate::mapping::MappingError>),
    /// The database lacks a table or column the rules read.
    #[error(
        "the database {path} is not in the reference schema (schema/equipment.sql): {detail}. A database in another schema is read through a mapping ([database] mapping)"
    )]
    Schema {
        /// The database.
        path: PathBuf,
        /// SQLite's message, naming the table or column.
        detail: String,
    },
    /// SQLite failed while reading.
    #[error("reading the database {path} failed: {source}")]
    Sqlite {
        /// The database.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// `--from` after `--to`, and the like.
    #[error("{0}")]
    Plan(String),
}

impl From<crate::mapping::MappingError> for PolicyError {
    fn from(e: crate::mapping::MappingError) -> Self {
        match e {
            crate::mapping::MappingError::Snapshot(s) => PolicyError::Snapshot(s),
            e => PolicyError::Mapping(Box::new(e)),
        }
    }
}

/// Every rule `check` knows, in the order of CLI.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// An entry made more than N working days after the change (Art. 7.3).
    LateUpdate,
    /// A month with no approval, past its due date (Art. 7.2).
    MissingApproval,
    /// An approval made after its due date (Art. 7.2).
    LateApproval,
    /// An approval by someone who is not the school's principal (Art. 7.2).
    ApprovalNotByPrincipal,
    /// An approval recorded before the month it approves had ended (Art. 7.2).
    ApprovalBeforeMonthEnd,
    /// A teaching month with neither a change nor a use recorded (Art. 8, 14).
    NoMonthlyUpdate,
    /// An identifier that existed and is gone (Art. 6).
    DeletedIdentifier,
    /// An identifier replaced by another on an otherwise equal row (Art. 6).
    ChangedIdentifier,
    /// An identifier issued again, to another item (Art. 6.2).
    ReusedIdentifier,
    /// No complete snapshot within the backup interval (Art. 12.1).
    BackupOverdue,
    /// The newest snapshot on fewer stores than required (TT 05/2025 Art. 27).
    BackupCopies,
    /// No restore drill within the drill interval.
    DrillOverdue,
    /// A periodic report not archived (Art. 8, 12.2).
    ReportMissing,
    /// A row a rule cannot judge as it stands: a timestamp whose verdict
    /// depends on a missing offset, a change recorded before it occurred, a
    /// value that cannot be read.
    DataQuality,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 14] = [
        Rule::LateUpdate,
        Rule::MissingApproval,
        Rule::LateApproval,
        Rule::ApprovalNotByPrincipal,
        Rule::ApprovalBeforeMonthEnd,
        Rule::NoMonthlyUpdate,
        Rule::DeletedIdentifier,
        Rule::ChangedIdentifier,
        Rule::ReusedIdentifier,
        Rule::BackupOverdue,
        Rule::BackupCopies,
        Rule::DrillOverdue,
        Rule::ReportMissing,
        Rule::DataQuality,
    ];

    /// The name used in JSON and in `rules.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::LateUpdate => "late_update",
            Rule::MissingApproval => "missing_approval",
            Rule::LateApproval => "late_approval",
            Rule::ApprovalNotByPrincipal => "approval_not_by_principal",
            Rule::ApprovalBeforeMonthEnd => "approval_before_month_end",
            Rule::NoMonthlyUpdate => "no_monthly_update",
            Rule::DeletedIdentifier => "deleted_identifier",
            Rule::ChangedIdentifier => "changed_identifier",
            Rule::ReusedIdentifier => "reused_identifier",
            Rule::BackupOverdue => "backup_overdue",
            Rule::BackupCopies => "backup_copies",
            Rule::DrillOverdue => "drill_overdue",
            Rule::ReportMissing => "report_missing",
            Rule::DataQuality => "data_quality",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How grave a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The regulation is broken: `check` exits 1.
    Violation,
    /// Worth a look; `check` still exits 0.
    Warning,
}

impl Severity {
    /// `violation` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Violation => "violation",
            Severity::Warning => "warning",
        }
    }

    /// `vi phạm` or `cảnh báo`.
    pub fn as_vi(self) -> &'static str {
        match self {
            Severity::Violation => "vi phạm",
            Severity::Warning => "cảnh báo",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
