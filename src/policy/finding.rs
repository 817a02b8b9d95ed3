//! A finding: which rule, whose, what was seen, in Vietnamese and English, with the evidence.
//!
//! The JSON shape is the contract of CLI.md ("Findings"): `rule`, `severity`,
//! `school_id`, `change_id`, `equipment_id`, `period`, `subject`,
//! `message: {vi, en}` and `evidence`. Keys are always present (`null` when
//! they do not apply), so a script can read them without guessing.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use super::{Rule, Severity};

/// One thing a rule found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// How grave (from `rules.toml`).
    pub severity: Severity,
    /// The verdict rests on a working-day calendar not yet published (the
    /// proposed one): a `warning` until the year's schedule is out, unless
    /// `check --strict` (see `late_update`).
    pub provisional: bool,
    /// The school concerned, when the finding concerns one.
    pub school_id: Option<String>,
    /// The change-log row, for `late_update`.
    pub change_id: Option<i64>,
    /// The equipment, for `late_update` (and equipment identifiers).
    pub equipment_id: Option<String>,
    /// `YYYY-MM`, or a term like `2024-2025/hk1`, for monthly and term rules.
    pub period: Option<String>,
    /// The identifier concerned (for `deleted_identifier`, the one that disappeared).
    pub subject: Option<String>,
    /// What was found and what to do, Vietnamese first.
    pub message: Message,
    /// The facts a school needs to see.
    pub evidence: Evidence,
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Vietnamese, with diacritics, dates as dd/mm/yyyy.
    pub vi: String,
    /// English.
    pub en: String,
}

impl Message {
    /// The text in `lang`.
    pub fn of(&self, lang: crate::lang::Lang) -> &str {
        match lang {
            crate::lang::Lang::Vi => &self.vi,
            crate::lang::Lang::En => &self.en,
        }
    }
}

/// The evidence of a finding; each rule has its own shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Evidence {
    /// `late_update`.
    LateUpdate(LateUpdateEvidence),
    /// `missing_approval`, `late_approval`, `approval_not_by_principal`.
    Approval(ApprovalEvidence),
    /// `no_monthly_update`.
    Activity(ActivityEvidence),
    /// `deleted_identifier`.
    Deleted(DeletedEvidence),
    /// `changed_identifier`.
    Changed(ChangedEvidence),
    /// `reused_identifier`.
    Reused(ReusedEvidence),
    /// `backup_overdue`, `backup_copies`.
    Backup(BackupEvidence),
    /// `drill_overdue`.
    Drill(DrillEvidence),
    /// `report_missing`.
    Report(ReportEvidence),
    /// `data_quality`.
    DataQuality(DataQualityEvidence),
}

/// What is wrong with a row a rule could not judge as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// A timestamp without a UTC offset, and the verdict depends on it.
    OffsetMissing,
    /// A change recorded (`recorded_at`) before the day it occurred.
    RecordedBeforeOccurred,
    /// A value that cannot be read (a date that is no date, a NULL, …).
    Unreadable,
}

/// Evidence of `data_quality`: the row, the value, and what could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataQualityEvidence {
    /// What is wrong.
    pub problem: Problem,
    /// The table (`equipment_changes`, `monthly_approvals`, `schools`).
    pub table: String,
    /// The row: its key as the table writes it (`1500`, `79761003 2024-10`).
    pub row: String,
    /// The column, when one is to blame.
    pub column: Option<String>,
    /// The value as stored, when there is one.
    pub value: Option<String>,
    /// The rules that could not judge the row (`late_update`, …).
    pub rules: Vec<Rule>,
    /// For a missing offset: the dates in Vietnam the value can be on
    /// (written at UTC+14 … UTC−12).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_dates: Option<(NaiveDate, NaiveDate)>,
    /// In words (English; the message has both languages).
    pub detail: String,
}

/// A day the office declared in its config, cited by a deadline that crossed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficeDayRef {
    /// The day.
    pub date: NaiveDate,
    /// `true`: a day off; `false`: a working day.
    pub off: bool,
    /// Why.
    pub reason: String,
    /// The document.
    pub source: String,
}

/// Evidence of `late_update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateUpdateEvidence {
    /// `equipment_changes.kind`.
    pub kind: String,
    /// When the change happened.
    pub occurred_on: NaiveDate,
    /// When it was entered, as stored.
    pub recorded_at: String,
    /// Its civil date in Vietnam (UTC+7): what lateness is judged on.
    pub recorded_local_date: NaiveDate,
    /// Who entered it, if recorded.
    pub recorded_by: Option<String>,
    /// The last day allowed: the Nth working day after `occurred_on`.
    pub deadline: NaiveDate,
    /// N (10).
    pub working_days_allowed: u32,
    /// Working days after `occurred_on` up to and including the recorded date.
    pub working_days_taken: u32,
    /// Calendar days from the deadline to the recorded date.
    pub days_late: i64,
    /// Whether a year crossed had no published schedule (the deadline is provisional).
    pub calendar_proposed: bool,
    /// Those years: the years of the days the deadline was counted across.
    pub proposed_years: Vec<i32>,
    /// Days the office declared in its config (`[calendar]`) that the
    /// deadline was counted across.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub office_days: Vec<OfficeDayRef>,
    /// `recorded_at` (or `occurred_on`) has no UTC offset; it is late
    /// whatever the offset, and the dates above are the most favourable.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub offset_missing: bool,
}

/// Evidence of the approval rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalEvidence {
    /// The month owed (`YYYY-MM`).
    pub period: String,
    /// The last day to approve it.
    pub due: NaiveDate,
    /// The approval's time as stored, when there is one.
    pub approved_at: Option<String>,
    /// Its civil date in Vietnam.
    pub approved_local_date: Option<NaiveDate>,
    /// Calendar days after `due`, for a late approval.
    pub days_late: Option<i64>,
    /// The approver's staff id.
    pub approved_by: Option<String>,
    /// The approver's name, when the staff row exists.
    pub approver_name: Option<String>,
    /// The approver's position (`principal`, `vice_principal`, …), when known.
    pub position: Option<String>,
    /// The school the approver belongs to, when known.
    pub approver_school_id: Option<String>,
    /// The approver's status (`working`, `transferred`, …), when known.
    pub approver_status: Option<String>,
    /// When that status took effect, when known.
    pub approver_status_changed_on: Option<NaiveDate>,
}

/// Evidence of `no_monthly_update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityEvidence {
    /// The month (`YYYY-MM`).
    pub period: String,
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
    /// Changes that occurred in the month (0).
    pub changes: u64,
    /// Uses recorded in the month (0).
    pub uses: u64,
}

/// A change-log row cited as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeRef {
    /// `change_id`.
    pub change_id: i64,
    /// `kind`.
    pub kind: String,
    /// `occurred_on`, as stored.
    pub occurred_on: String,
    /// `recorded_at`, as stored.
    pub recorded_at: String,
}

/// Evidence of `deleted_identifier`.
///
/// Two sources can prove a deletion: the change log (`source =
/// "equipment_changes"`: rows that point at an id the table no longer has)
/// and the identifier history of earlier backups (`source = "ledger"`, with
/// the snapshots the id was first and last seen in). Fields of the other
/// source are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletedEvidence {
    /// Whose identifier it was: `equipment`, `staff` or `schools`.
    pub table: String,
    /// `equipment_changes` or `ledger`.
    pub source: String,
    /// Change-log rows that name it (at most [`DeletedEvidence::MAX_IDS`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_ids: Option<Vec<i64>>,
    /// How many change-log rows name it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_count: Option<u64>,
    /// The latest of them (by `occurred_on`, then `change_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_change: Option<ChangeRef>,
    /// The first snapshot that held it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen_snapshot: Option<String>,
    /// The last snapshot that held it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_snapshot: Option<String>,
    /// Current identifiers whose rows match it and that could each be its
    /// new code: several vanished or new identifiers share the row, so no
    /// pairing is made (`changed_identifier` is one-to-one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rename_candidates: Vec<String>,
}

impl DeletedEvidence {
    /// The most change ids listed; `change_count` gives the total.
    pub const MAX_IDS: usize = 100;
}

/// Evidence of `changed_identifier` (from the identifier history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedEvidence {
    /// Whose identifier it was.
    pub table: String,
    /// The identifier that disappeared.
    pub old_id: String,
    /// The identifier that took its place on an otherwise equal row.
    pub new_id: String,
    /// The last snapshot that held the old one.
    pub last_seen_snapshot: Option<String>,
    /// Change-log rows that still name the old code (equipment), when any:
    /// how many, and the latest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_count: Option<u64>,
    /// The latest change-log row of the old code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_change: Option<ChangeRef>,
}

/// Evidence of `reused_identifier`: a code that belonged to an item of one
/// school and now names an item of another. From the identifier history
/// (`ledger`), the change log (`equipment_changes`), or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReusedEvidence {
    /// Whose identifier: `equipment`.
    pub table: String,
    /// The code.
    pub id: String,
    /// The school of the item it was issued to first.
    pub earlier_school_id: String,
    /// The school of the item that carries it now.
    pub school_id_now: String,
    /// `ledger`, `equipment_changes`, or both.
    pub sources: Vec<String>,
    /// The first snapshot that held the earlier item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen_snapshot: Option<String>,
    /// The last snapshot that held the earlier item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_snapshot: Option<String>,
    /// How many change-log rows name the code at the earlier school.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_count: Option<u64>,
    /// The latest of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_change: Option<ChangeRef>,
}

/// Evidence of the backup rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupEvidence {
    /// The day judged: the end of the window (`--to`, at most `--as-of`);
    /// snapshots taken after it prove nothing about it.
    pub judged_at: NaiveDate,
    /// The newest complete snapshot at `as_of`, if any.
    pub newest_snapshot: Option<String>,
    /// When it was taken.
    pub newest_created_at: Option<DateTime<FixedOffset>>,
    /// The backup interval (`3months`), for `backup_overdue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// The day by which the next backup was due, for `backup_overdue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// Stores holding a complete copy of the newest snapshot.
    pub stores_holding: Vec<String>,
    /// Copies required, for `backup_copies`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_copies: Option<u32>,
    /// Holding stores that are on one medium and so count as one copy, by medium.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub stores_on_one_medium: Vec<Vec<String>>,
    /// Configured stores.
    pub stores_configured: Vec<String>,
    /// Stores that could not be listed (they may hold copies nobody saw).
    pub stores_unreachable: Vec<String>,
}

/// Evidence of `drill_overdue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrillEvidence {
    /// The day judged (as for backups).
    pub judged_at: NaiveDate,
    /// The newest successful drill at `as_of`, if any.
    pub last_drill_at: Option<DateTime<FixedOffset>>,
    /// The snapshot it restored.
    pub last_drill_snapshot: Option<String>,
    /// Its status.
    pub last_drill_status: Option<String>,
    /// The drill interval (`3months`).
    pub interval: String,
    /// The day by which the next drill was due.
    pub due: Option<NaiveDate>,
}

/// Evidence of `report_missing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportEvidence {
    /// The school year (`2024-2025`).
    pub year: String,
    /// The period (`hk1`, `hk2`, `ca-nam`).
    pub term: String,
    /// The period's first day.
    pub from: NaiveDate,
    /// The period's last day.
    pub to: NaiveDate,
    /// The day the reports were due by.
    pub due: NaiveDate,
    /// The kind of report missing (`thong-ke-thiet-bi`, …).
    pub kind: String,
    /// The kinds archived for this year and period.
    pub archived_kinds: Vec<String>,
    /// The school year is not in `school-years.toml`: its dates were derived
    /// from the ministry's frame and are provisional.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub provisional_dates: bool,
}
