//! The report's numbers, computed once: the check for the period, statistics, per-school and monthly figures, evidence, provenance.
//!
//! [`build`] runs three things at once, each with its own read-only
//! connection: `check` over the period (on the calling thread), the
//! statistics (`stats`) and the SHA-256 of the database file. The
//! rest is arithmetic over what they return.
//!
//! Definitions (also written in the report):
//! - An entry is *due* when its change happened in the period and its
//!   deadline (10 working days, Art. 7.3) is before `--as-of`: exactly the
//!   changes `check` judges. On time = due − `late_update` findings.
//! - A month's approval is *due* when the school owes it (open that month,
//!   as `check` counts) and its due date is before `--as-of`. On time = due −
//!   `missing_approval` − `late_approval` findings. (An approval whose date
//!   cannot be read is neither, as in `check`.)
//! - An article is *not met* when a rule of it found a violation; *not
//!   assessed* when none did but one of its rules was skipped (never *met*);
//!   *attention* when it has only warnings; *met* otherwise.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use super::stats::{self, Raw, UsageCount};
use super::text::Article;
use super::{ReportError, ReportPeriod};
use crate::calendar::Period;
use crate::policy::rules::ReportKind;
use crate::policy::stores::StoreFacts;
use crate::policy::{
    CheckPlan, Evidence, Finding, Message, Month, Note, Policies, Rule, Severity, Skipped,
    StoreInput, Summary, approvals, late::LateUpdates,
};

/// How many items of the never-used list are listed by name (all are counted).
pub const NEVER_USED_LISTED: usize = 100;
/// How many of the most used items are listed.
pub const TOP_ITEMS: usize = 20;
/// Findings listed per school and article in HTML, Markdown and PDF, by default.
pub const DETAIL_LIMIT: usize = 25;

/// The office the report is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Office {
    /// `[office] name` (or `--office`); empty when not set.
    pub name: String,
    /// `[office] code`.
    pub code: String,
    /// `[office] signer_title`: the position in the signature block.
    pub signer_title: String,
    /// `[office] signer_name`.
    pub signer_name: String,
    /// `[office] place`: the place in the date line.
    pub place: String,
}

impl Default for Office {
    /// No name or code; the signer and place of `[office]`'s defaults.
    fn default() -> Self {
        let c = crate::config::Office::default();
        Office {
            name: c.name,
            code: c.code,
            signer_title: c.signer_title,
            signer_name: c.signer_name,
            place: c.place,
        }
    }
}

/// What to report on, decided before anything is read.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The equipment database.
    pub database: PathBuf,
    /// The mapping it is read through, when it is not in the reference schema.
    pub mapping: Option<crate::mapping::Mapping>,
    /// How long a statement may wait for the live system's lock.
    pub busy_timeout: Duration,
    /// "Today": nothing due on or after it is a finding.
    pub as_of: NaiveDate,
    /// `--period`; the school year of `as_of` when not given.
    pub period: Option<ReportPeriod>,
    /// Who the report is for.
    pub office: Office,
    /// When the report is made (provenance).
    pub generated_at: DateTime<FixedOffset>,
    /// Findings listed per school and article in HTML, Markdown and PDF (0: all).
    pub detail_limit: usize,
}

/// The period, resolved against the school years.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodInfo {
    /// `2024-2025/hk1`.
    pub key: String,
    /// `2024-2025`.
    pub year: String,
    /// `hk1`, `hk2` or `ca-nam`.
    pub period: Period,
    /// The period's first day.
    pub start: NaiveDate,
    /// The period's last day.
    pub end: NaiveDate,
    /// The first day examined (= `start`).
    pub from: NaiveDate,
    /// The last day examined: `end`, or `as_of` when the period is not over.
    pub to: NaiveDate,
    /// "Today".
    pub as_of: NaiveDate,
    /// The school year is not in `school-years.toml`: its dates are derived
    /// from the ministry's frame and provisional.
    pub provisional: bool,
}

impl PeriodInfo {
    /// The period is not over at `as_of`: the report covers part of it. Its
    /// last day counts as not over: what falls due on `as_of` is not judged yet.
    pub fn partial(&self) -> bool {
        self.as_of <= self.end
    }

    /// The period's name, marked when it is not over, for places that show
    /// the days covered beside it: "Cả năm học 2026-2027 (kỳ chưa kết thúc)".
    pub fn name(&self, lang: super::text::Lang) -> String {
        let name = lang.period(&self.year, self.period);
        match (self.partial(), lang) {
            (false, _) => name,
            (true, super::text::Lang::Vi) => format!("{name} (kỳ chưa kết thúc)"),
            (true, super::text::Lang::En) => format!("{name} (the period is not over)"),
        }
    }

    /// The period as a person reads it, saying which part of it a report
    /// covers when it is not over: "Cả năm học 2026-2027, từ 05/09/2026 đến
    /// 06/12/2026 (kỳ chưa kết thúc)".
    pub fn label(&self, lang: super::text::Lang) -> String {
        let name = lang.period(&self.year, self.period);
        if !self.partial() {
            return name;
        }
        let (from, to) = (lang.date(self.from), lang.date(self.to));
        match lang {
            super::text::Lang::Vi => {
                format!("{name}, từ {from} đến {to} (kỳ chưa kết thúc)")
            }
            super::text::Lang::En => {
                format!("{name}, from {from} to {to} (the period is not over)")
            }
        }
    }
}

impl Plan {
    /// The period: `--period`, or the school year `as_of` falls in.
    ///
    /// # Errors
    /// [`ReportError::Period`] when the year is not in the school years, or
    /// the period starts after `as_of`.
    pub fn resolve(&self, years: &crate::calendar::SchoolYears) -> Result<PeriodInfo, ReportError> {
        let period = match &self.period {
            Some(p) => p.clone(),
            None => {
                let year = years.year_or_derived(self.as_of).ok_or_else(|| {
                    ReportError::Period(format!(
                        "no school year of school-years.toml contains --as-of {} (it is before the first one): pass --period YYYY-YYYY[/hk1|hk2|ca-nam]",
                        self.as_of
                    ))
                })?;
                ReportPeriod {
                    year: year.name.clone(),
                    period: Period::CaNam,
                }
            }
        };
        let year = period.school_year(years)?;
        let (start, end) = year.period_range(period.period);
        if start > self.as_of {
            return Err(ReportError::Period(format!(
                "{} starts on {start}, after --as-of {}: nothing in it can be due yet. Choose a --period that has begun by then, or an --as-of on or after {start}",
                period.key(),
                self.as_of
            )));
        }
        Ok(PeriodInfo {
            key: period.key(),
            year: period.year,
            period: period.period,
            start,
            end,
            from: start,
            to: end.min(self.as_of),
            as_of: self.as_of,
            provisional: year.provisional,
        })
    }
}

/// An article's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Đạt: every rule ran and found nothing.
    Met,
    /// Chưa đạt: a violation.
    NotMet,
    /// Cần lưu ý: warnings only.
    Warning,
    /// Không đánh giá được: a rule was skipped and nothing was found.
    NotAssessed,
}

/// One rule of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRow {
    /// The rule.
    pub rule: Rule,
    /// Its severity in `rules.toml`.
    pub severity: Severity,
    /// Its findings (as `check --json`'s `summary.by_rule`).
    pub findings: u64,
    /// Why it could not be judged: skipped by `check`, or nothing to judge
    /// (no backup at all to count the copies of).
    pub not_assessed: Option<Message>,
}

/// A row of the summary table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleRow {
    /// The article.
    pub article: Article,
    /// The verdict.
    pub status: Status,
    /// Findings of severity `violation`.
    pub violations: u64,
    /// Findings of severity `warning`.
    pub warnings: u64,
    /// Schools with a finding under it.
    pub schools: u64,
    /// Findings that rest on a working-day calendar not yet published
    /// (provisional: warnings until the year's schedule is out).
    pub provisional: u64,
    /// Its rules.
    pub rules: Vec<RuleRow>,
    /// The days judged, and the day the evidence was judged at.
    pub window: ArticleWindow,
    /// The records the verdict rests on, for the articles judged from the
    /// stores (snapshots, drills, archived reports): ids and dates; and the
    /// deletion guard's events under Art. 6 and Art. 12.1. Otherwise empty
    /// for the articles judged from the database (the findings are its
    /// evidence) and when no record existed.
    pub evidence: Vec<EvidenceUsed>,
}

impl ArticleRow {
    /// Said after the verdict when some of its findings are provisional.
    pub fn provisional_note(&self, lang: super::Lang) -> String {
        if self.provisional == 0 {
            return String::new();
        }
        match lang {
            super::Lang::Vi => format!(" (tạm tính: {})", self.provisional),
            super::Lang::En => format!(" (provisional: {})", self.provisional),
        }
    }
}

/// The window an article was judged over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArticleWindow {
    /// The first day judged.
    pub from: NaiveDate,
    /// The last day judged.
    pub to: NaiveDate,
    /// The day the article was judged at: the window's last day for
    /// backups, copies and drills (nothing made after it counts); `--as-of`
    /// for what falls due (entries, approvals, archived reports).
    pub judged_at: NaiveDate,
}

/// One record an article's verdict rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceUsed {
    /// `snapshot`, `drill`, `report` or `guard` (a snapshot the deletion
    /// guard marked suspect: its figures, the last good copy and the
    /// acknowledgement).
    pub kind: &'static str,
    /// The snapshot id, drill id, or the bag id of an archived report.
    pub id: String,
    /// When it was made (its date in Vietnam).
    pub date: NaiveDate,
    /// What it shows, briefly: the stores holding a snapshot, a drill's
    /// status and snapshot, an archived report's period, kind and file.
    pub detail: String,
}

/// A row of the per-school table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchoolRow {
    /// `school_id`.
    pub school_id: String,
    /// Its name; `None` when the id is not in the schools table.
    pub name: Option<String>,
    /// `status = 'inactive'`.
    pub inactive: bool,
    /// Entries due in the period (Art. 7.3).
    pub entries_due: u64,
    /// Of those, entered on time (`None` when `late_update` did not run).
    pub entries_on_time: Option<u64>,
    /// Of those, late (`late_update` findings).
    pub entries_late: u64,
    /// on time / due (`None` when nothing was due or the rule did not run).
    pub on_time_rate: Option<f64>,
    /// Monthly approvals due in the period (Art. 7.2).
    pub approvals_due: u64,
    /// `missing_approval` findings.
    pub approvals_missing: u64,
    /// `late_approval` findings.
    pub approvals_late: u64,
    /// `approval_not_by_principal` findings.
    pub approvals_not_by_principal: u64,
    /// `deleted_identifier` and `changed_identifier` findings.
    pub identifiers_deleted: u64,
    /// `no_monthly_update` findings.
    pub months_without_activity: u64,
    /// Items held (not disposed, created by the end of the period).
    pub items: u64,
    /// Items in good condition not used in the period.
    pub items_never_used: u64,
    /// Lesson periods with its equipment in the period.
    pub lesson_periods: u64,
    /// Findings of every rule.
    pub findings: u64,
    /// Of severity `violation`.
    pub violations: u64,
    /// Of severity `warning`.
    pub warnings: u64,
}

impl SchoolRow {
    fn new(school_id: &str) -> SchoolRow {
        SchoolRow {
            school_id: school_id.to_string(),
            name: None,
            inactive: false,
            entries_due: 0,
            entries_on_time: None,
            entries_late: 0,
            on_time_rate: None,
            approvals_due: 0,
            approvals_missing: 0,
            approvals_late: 0,
            approvals_not_by_principal: 0,
            identifiers_deleted: 0,
            months_without_activity: 0,
            items: 0,
            items_never_used: 0,
            lesson_periods: 0,
            findings: 0,
            violations: 0,
            warnings: 0,
        }
    }
}

/// A month of the trends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    /// The same, typed.
    #[serde(skip)]
    pub m: Month,
    /// Entries due whose change happened this month.
    pub entries_due: u64,
    /// Of those, on time.
    pub entries_on_time: Option<u64>,
    /// Of those, late.
    pub entries_late: u64,
    /// on time / due.
    pub on_time_rate: Option<f64>,
    /// Approvals of this month due.
    pub approvals_due: u64,
    /// Of those, approved by the due date.
    pub approvals_on_time: Option<u64>,
    /// Approved late.
    pub approvals_late: u64,
    /// Not approved.
    pub approvals_missing: u64,
    /// on time / due.
    pub approvals_rate: Option<f64>,
    /// Uses of equipment recorded this month.
    pub uses: u64,
    /// Their lesson periods.
    pub lesson_periods: u64,
}

/// Totals over the schools.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// Articles met.
    pub articles_met: u64,
    /// Articles in the table.
    pub articles: u64,
    /// Entries due.
    pub entries_due: u64,
    /// Entries on time.
    pub entries_on_time: Option<u64>,
    /// on time / due.
    pub on_time_rate: Option<f64>,
    /// Approvals due.
    pub approvals_due: u64,
    /// Approvals on time.
    pub approvals_on_time: Option<u64>,
    /// on time / due.
    pub approvals_rate: Option<f64>,
}

/// A subject's equipment (or the total).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectRow {
    /// `equipment.subject`; `None` for items without one (and the total).
    pub subject: Option<String>,
    /// Items by condition.
    pub by_condition: BTreeMap<String, u64>,
    /// Items.
    pub items: u64,
    /// Sum of `quantity`.
    pub quantity: u64,
    /// Items in good condition.
    pub usable: u64,
    /// Items used at least once in the period.
    pub used: u64,
    /// Items in good condition never used in the period.
    pub never_used: u64,
    /// Uses in the period.
    pub uses: u64,
    /// Lesson periods in the period.
    pub lesson_periods: u64,
    /// Lesson periods per item held (not disposed).
    pub periods_per_item: Option<f64>,
}

impl SubjectRow {
    fn new(subject: Option<String>) -> SubjectRow {
        SubjectRow {
            subject,
            by_condition: BTreeMap::new(),
            items: 0,
            quantity: 0,
            usable: 0,
            used: 0,
            never_used: 0,
            uses: 0,
            lesson_periods: 0,
            periods_per_item: None,
        }
    }

    fn add(&mut self, item: &stats::Item, idle: bool) {
        *self.by_condition.entry(item.condition.clone()).or_default() += 1;
        self.items += 1;
        self.quantity += item.quantity;
        if item.condition == GOOD {
            self.usable += 1;
        }
        if idle {
            self.never_used += 1;
        }
        if item.uses > 0 {
            self.used += 1;
        }
        self.uses += item.uses;
        self.lesson_periods += item.lesson_periods;
    }

    /// The use in the period of an item entered after it: its lessons were
    /// taught in the period, so they count, though the item is not yet listed.
    fn add_usage(&mut self, item: &stats::Item) {
        self.uses += item.uses;
        self.lesson_periods += item.lesson_periods;
    }

    fn finish(&mut self) {
        let held = self.items - self.by_condition.get(DISPOSED).copied().unwrap_or(0);
        self.periods_per_item = (held > 0).then(|| self.lesson_periods as f64 / held as f64);
    }
}

/// One item, listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRow {
    /// `equipment_id`.
    pub equipment_id: String,
    /// `school_id`.
    pub school_id: String,
    /// `name`.
    pub name: String,
    /// `subject`.
    pub subject: Option<String>,
    /// `condition`.
    pub condition: String,
    /// Uses in the period.
    pub uses: u64,
    /// Lesson periods in the period.
    pub lesson_periods: u64,
}

impl From<&stats::Item> for ItemRow {
    fn from(i: &stats::Item) -> Self {
        ItemRow {
            equipment_id: i.id.clone(),
            school_id: i.school_id.clone(),
            name: i.name.clone(),
            subject: i.subject.clone(),
            condition: i.condition.clone(),
            uses: i.uses,
            lesson_periods: i.lesson_periods,
        }
    }
}

/// The equipment statistics of the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EquipmentStats {
    /// The conditions, in column order.
    pub conditions: Vec<String>,
    /// Per subject, most items first; items without a subject last.
    pub subjects: Vec<SubjectRow>,
    /// Every item.
    pub total: SubjectRow,
    /// The most used items (by lesson periods).
    pub top_items: Vec<ItemRow>,
    /// Items in good condition never used in the period (all of them).
    pub never_used_count: u64,
    /// The first [`NEVER_USED_LISTED`] of them, by school and code.
    pub never_used: Vec<ItemRow>,
    /// Uses of codes not in the equipment table.
    pub unknown_usage: UsageCount,
    /// Items created after the period, left out.
    pub created_after_period: u64,
}

/// A store's backups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreRow {
    /// The store (URL without secrets).
    pub store: String,
    /// It could be listed.
    pub reachable: bool,
    /// Why not.
    pub error: Option<String>,
    /// Complete snapshots taken by `as_of`.
    pub snapshots: u64,
    /// The newest of them.
    pub newest: Option<SnapshotRef>,
}

/// A snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotRef {
    /// Its id.
    pub id: String,
    /// When it was taken.
    pub created_at: DateTime<FixedOffset>,
    /// How many stores hold a complete copy.
    pub copies: u64,
    /// The deletion guard marked it suspect (see [`BackupSection::guard`]).
    pub suspect: bool,
}

/// A restore drill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrillRow {
    /// The drill's id.
    pub id: String,
    /// The snapshot restored.
    pub snapshot: String,
    /// The store it came from.
    pub store: String,
    /// `success`, `warning` or `failed`.
    pub status: String,
    /// When.
    pub started_at: DateTime<FixedOffset>,
    /// The measured restore time.
    pub seconds: f64,
    /// The target.
    pub target_seconds: u64,
}

/// The backup evidence, when a config with stores was given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupSection {
    /// Whether the stores could be asked.
    pub available: bool,
    /// Why not.
    pub reason: Option<Message>,
    /// Per store.
    pub stores: Vec<StoreRow>,
    /// The newest complete snapshot by `as_of`, in any store.
    pub newest: Option<SnapshotRef>,
    /// Copies required (`backup_copies.required_copies`).
    pub required_copies: u32,
    /// The newest drill by `as_of`, whatever its status.
    pub last_drill: Option<DrillRow>,
    /// Drills by `as_of` that restored (success or warning).
    pub restorable_drills: u64,
    /// The deletion guard's events (Art. 6: identifiers are never deleted;
    /// Art. 12: a copy to fall back on): snapshots taken in the period, or
    /// before it and still not acknowledged at its start, that the guard
    /// marked suspect; oldest first.
    pub guard: Vec<GuardEvent>,
    /// Snapshots held from retention by `as_of`, with why (the guard holds
    /// the last good copy when it trips or the database cannot be read);
    /// oldest first.
    pub holds: Vec<HoldRow>,
}

/// A backup that saw the data vanish: what the deletion guard recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuardEvent {
    /// The snapshot marked suspect.
    pub snapshot: String,
    /// When it was taken.
    pub taken_at: DateTime<FixedOffset>,
    /// What the guard saw, as signed: the last good snapshot it was compared
    /// with (`previous`), the tables, identifiers and schema.
    #[serde(flatten)]
    pub suspect: crate::guard::Suspicion,
    /// Whether a trusted hold kept that last good snapshot from retention by `as_of`.
    pub previous_held: bool,
    /// The acknowledgement by `as_of` (`guard ack`), if any.
    pub acknowledged: Option<GuardAck>,
}

/// A suspect snapshot acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuardAck {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// Why, in the operator's words.
    pub reason: String,
}

/// A snapshot held from retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoldRow {
    /// The snapshot.
    pub snapshot: String,
    /// Since when.
    pub since: DateTime<FixedOffset>,
    /// Why.
    pub reason: String,
}

/// Whether a period's reports are all archived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveState {
    /// Every required kind is archived.
    Complete,
    /// Due, and a kind is missing.
    Incomplete,
    /// Not yet due.
    NotDue,
}

/// One school year and period of the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchiveRow {
    /// `2024-2025`.
    pub year: String,
    /// `hk1`, `hk2`, `ca-nam`.
    pub period: Period,
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
    /// When its reports are due in the archive.
    pub due: NaiveDate,
    /// Kinds archived (codes).
    pub archived: Vec<String>,
    /// Required kinds not archived.
    pub missing: Vec<String>,
    /// The verdict.
    pub state: ArchiveState,
    /// The archived reports counted (by `--as-of`).
    pub reports: Vec<crate::policy::reports::ArchivedReport>,
    /// The school year's dates are derived and provisional.
    pub provisional: bool,
}

/// Archive completeness per term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchiveSection {
    /// Whether the archive could be read.
    pub available: bool,
    /// Why not.
    pub reason: Option<Message>,
    /// The kinds required for each period.
    pub kinds: Vec<ReportKind>,
    /// The periods (of `report_missing.periods`) that overlap the report's.
    pub periods: Vec<ArchiveRow>,
}

/// Where the report comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// When it was made.
    pub generated_at: DateTime<FixedOffset>,
    /// `2024-2025/hk1`.
    pub period: String,
    /// First day examined.
    pub from: NaiveDate,
    /// Last day examined.
    pub to: NaiveDate,
    /// `--as-of`.
    pub as_of: NaiveDate,
    /// `eqvault`.
    pub tool: String,
    /// Its version.
    pub tool_version: String,
    /// The database read.
    pub database: String,
    /// Its SHA-256 when read (the live file may change afterwards).
    pub database_sha256: String,
    /// Its length.
    pub database_bytes: u64,
    /// The mapping it was read through, when it is not in the reference schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    /// `built-in` or the policy folder.
    pub policies: String,
    /// The first day judged (see [`Report::window`]).
    pub judged_from: NaiveDate,
    /// The last day judged.
    pub judged_to: NaiveDate,
    /// The office.
    pub office: Office,
}

/// The whole report: every renderer draws this and computes nothing.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The office.
    pub office: Office,
    /// The period.
    pub period: PeriodInfo,
    /// The days judged: the period, from `[policies] effective_from` and
    /// the first month that holds data on (as `check --json`'s `window`).
    pub window: crate::policy::Window,
    /// `check --json`'s `summary` for the same database and period.
    pub summary: Summary,
    /// Totals.
    pub totals: Totals,
    /// The summary table.
    pub articles: Vec<ArticleRow>,
    /// Per school, most violations first.
    pub schools: Vec<SchoolRow>,
    /// Per month of the period.
    pub months: Vec<MonthRow>,
    /// Equipment statistics.
    pub equipment: EquipmentStats,
    /// Backups and drills.
    pub backup: BackupSection,
    /// Archive completeness.
    pub archive: ArchiveSection,
    /// Every finding, with its evidence, as `check --json` gives them.
    pub findings: Vec<Finding>,
    /// Rules that did not run, and why.
    pub skipped: Vec<Skipped>,
    /// Things to know that are not findings.
    pub notes: Vec<Note>,
    /// Where the report comes from (last, as in every rendering).
    pub provenance: Provenance,
    /// Findings listed per school and article in HTML, Markdown and PDF (0: all).
    #[serde(skip)]
    pub detail_limit: usize,
    /// Every school's name, by id.
    #[serde(skip)]
    pub school_names: BTreeMap<String, String>,
}

impl Report {
    /// The name of a school, when the schools table has it.
    pub fn school_name(&self, id: &str) -> Option<&str> {
        self.school_names.get(id).map(String::as_str)
    }

    /// Whether a violation was found (`report` exits 1, like `check`).
    pub fn has_violations(&self) -> bool {
        self.summary.violations > 0
    }

    /// The archive's name for a kind code, in `lang`.
    pub fn kind_name(&self, code: &str, lang: super::Lang) -> String {
        self.archive
            .kinds
            .iter()
            .find(|k| k.code == code)
            .map_or_else(
                || code.to_string(),
                |k| match lang {
                    super::Lang::Vi => k.name_vi.clone(),
                    super::Lang::En => k.name_en.clone(),
                },
            )
    }
}

const GOOD: &str = "good";
const DISPOSED: &str = "disposed";
const CONDITIONS: [&str; 4] = ["good", "damaged", "awaiting_disposal", DISPOSED];

/// The month a late entry's change happened.
fn occurred_month(f: &Finding) -> Option<Month> {
    match &f.evidence {
        Evidence::LateUpdate(e) => Some(Month::of(e.occurred_on)),
        _ => None,
    }
}

fn rate(part: Option<u64>, whole: u64) -> Option<f64> {
    part.filter(|_| whole > 0).map(|p| p as f64 / whole as f64)
}

fn joined<T>(r: std::thread::Result<Result<T, ReportError>>) -> Result<T, ReportError> {
    r.unwrap_or_else(|_| Err(ReportError::Internal("a worker thread panicked".into())))
}

/// Computes the report: runs `check` for the period with `stores`, reads the
/// statistics and hashes the database, all at once.
///
/// # Errors
/// [`ReportError`] for a bad period, an unreadable database or SQLite failures.
pub fn build(
    policies: &Policies,
    plan: &Plan,
    stores: StoreInput<'_>,
) -> Result<Report, ReportError> {
    let period = plan.resolve(&policies.school_years)?;
    // The period bounds the window; the regulation (effective_from) and the
    // data do too, and a period that starts before them asks for nothing
    // earlier on purpose (as an explicit --from would).
    let check_plan = CheckPlan::new(
        plan.database.clone(),
        plan.mapping.clone(),
        plan.busy_timeout,
        plan.as_of,
    )
    .between(
        (period.from >= policies.effective_from).then_some(period.from),
        Some(period.to),
    );
    check_plan.validate()?;
    // Backups, copies and drills are judged as of the period's end (or
    // --as-of, if earlier): nothing made after it proves anything about it.
    let backup = backup_section(&stores, policies, period.from, period.to);

    let (checked, raw, hashed) = std::thread::scope(|s| {
        let stats = s.spawn(|| {
            stats::read(
                &plan.database,
                plan.busy_timeout,
                plan.mapping.as_ref(),
                period.from,
                period.to,
            )
        });
        let hash = s.spawn(|| {
            crate::pack::sha256_file(&plan.database)
                .map_err(ReportError::io("cannot read", &plan.database))
        });
        let mut findings = Vec::new();
        let checked = crate::policy::check(policies, &check_plan, stores.clone(), &mut |f| {
            findings.push(f)
        })
        .map(|outcome| (outcome, findings));
        (checked, joined(stats.join()), joined(hash.join()))
    });
    // The check's error names the database and its schema best: it goes first.
    let (outcome, findings) = checked?;
    let raw = raw?;
    let (database_sha256, database_bytes) = hashed?;

    let window = outcome.window.clone();
    let archive = archive_section(&stores, policies, &period, &window);
    let mut figures = Figures::new(policies, &period, &window, &raw);
    figures.findings(&findings);
    let articles = articles(
        policies,
        &outcome,
        &findings,
        &stores,
        &archive,
        &backup.guard,
    );
    let totals = Totals {
        articles_met: articles.iter().filter(|a| a.status == Status::Met).count() as u64,
        articles: articles.len() as u64,
        entries_due: figures.schools.values().map(|s| s.entries_due).sum(),
        entries_on_time: figures.late_judged.then(|| {
            figures
                .schools
                .values()
                .filter_map(|s| s.entries_on_time)
                .sum()
        }),
        on_time_rate: None,
        approvals_due: figures.months.values().map(|m| m.approvals_due).sum(),
        approvals_on_time: figures.approvals_judged.then(|| {
            figures
                .months
                .values()
                .filter_map(|m| m.approvals_on_time)
                .sum()
        }),
        approvals_rate: None,
    };
    let totals = Totals {
        on_time_rate: rate(totals.entries_on_time, totals.entries_due),
        approvals_rate: rate(totals.approvals_on_time, totals.approvals_due),
        ..totals
    };
    let equipment = equipment(&raw, period.from, period.to);
    let school_names = raw
        .schools
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    let mut schools: Vec<SchoolRow> = figures.schools.into_values().collect();
    schools.sort_by(|a, b| {
        (b.violations, b.findings, &a.school_id).cmp(&(a.violations, a.findings, &b.school_id))
    });
    let office = plan.office.clone();
    Ok(Report {
        provenance: Provenance {
            generated_at: plan.generated_at,
            period: period.key.clone(),
            from: period.from,
            to: period.to,
            as_of: plan.as_of,
            tool: "eqvault".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            database: plan.database.display().to_string(),
            database_sha256,
            database_bytes,
            mapping: plan
                .mapping
                .as_ref()
                .map(|m| m.path().display().to_string()),
            policies: outcome.policies.clone(),
            judged_from: window.from,
            judged_to: window.to,
            office: office.clone(),
        },
        office,
        period,
        window,
        summary: outcome.summary,
        totals,
        articles,
        schools,
        months: figures.months.into_values().collect(),
        equipment,
        backup,
        archive,
        findings,
        skipped: outcome.skipped,
        notes: outcome.notes,
        detail_limit: plan.detail_limit,
        school_names,
    })
}

/// The per-school and monthly figures, filled from the statistics and the findings.
struct Figures {
    schools: BTreeMap<String, SchoolRow>,
    months: BTreeMap<Month, MonthRow>,
    late_judged: bool,
    approvals_judged: bool,
}

impl Figures {
    fn new(
        policies: &Policies,
        period: &PeriodInfo,
        window: &crate::policy::Window,
        raw: &Raw,
    ) -> Figures {
        let rules = &policies.rules;
        let late_judged = rules.enabled(Rule::LateUpdate);
        let approvals_judged =
            rules.enabled(Rule::MissingApproval) && rules.enabled(Rule::LateApproval);
        let mut months = BTreeMap::new();
        let mut m = Month::of(period.from);
        while m <= Month::of(period.to) {
            months.insert(
                m,
                MonthRow {
                    month: m.to_string(),
                    m,
                    entries_due: 0,
                    entries_on_time: None,
                    entries_late: 0,
                    on_time_rate: None,
                    approvals_due: 0,
                    approvals_on_time: None,
                    approvals_late: 0,
                    approvals_missing: 0,
                    approvals_rate: None,
                    uses: 0,
                    lesson_periods: 0,
                },
            );
            m = m.succ();
        }
        let mut schools: BTreeMap<String, SchoolRow> = BTreeMap::new();
        for s in &raw.schools {
            let row = schools
                .entry(s.id.clone())
                .or_insert_with(|| SchoolRow::new(&s.id));
            row.name = Some(s.name.clone());
            row.inactive = s.inactive;
            // Approvals owed, as `check` counts them: within the window.
            if !window.empty {
                for m in approvals::owed(s, Some(window.from), window.to) {
                    if approvals::due(m, rules.approval.months_after) < period.as_of {
                        row.approvals_due += 1;
                        if let Some(month) = months.get_mut(&m) {
                            month.approvals_due += 1;
                        }
                    }
                }
            }
        }
        // Entries due: changes in the period whose deadline passed before `as_of`.
        let mut judge = LateUpdates::new(
            &policies.calendar,
            rules.late_update.working_days,
            period.as_of,
            rules.late_update.severity,
        );
        for (school, day, n) in &raw.changes_by_day {
            if window.empty
                || *day < window.from
                || *day > window.to
                || judge.deadline(*day) >= period.as_of
            {
                continue;
            }
            schools
                .entry(school.clone())
                .or_insert_with(|| SchoolRow::new(school))
                .entries_due += n;
            if let Some(month) = months.get_mut(&Month::of(*day)) {
                month.entries_due += n;
            }
        }
        let closed = closed_by(raw, period.from);
        for item in &raw.items {
            let row = schools
                .entry(item.school_id.clone())
                .or_insert_with(|| SchoolRow::new(&item.school_id));
            // Entered after the period: not in its inventory, but its uses in the
            // period count, as in the months.
            if item.created_on.is_some_and(|d| d > period.to) {
                row.lesson_periods += item.lesson_periods;
                continue;
            }
            if item.condition != DISPOSED {
                row.items += 1;
            }
            if idle(item, &closed) {
                row.items_never_used += 1;
            }
            row.lesson_periods += item.lesson_periods;
        }
        for (m, c) in &raw.usage_by_month {
            if let Some(month) = months.get_mut(m) {
                month.uses = c.uses;
                month.lesson_periods = c.lesson_periods;
            }
        }
        Figures {
            schools,
            months,
            late_judged,
            approvals_judged,
        }
    }

    fn findings(&mut self, findings: &[Finding]) {
        for f in findings {
            if let Some(id) = &f.school_id {
                let row = self
                    .schools
                    .entry(id.clone())
                    .or_insert_with(|| SchoolRow::new(id));
                row.findings += 1;
                match f.severity {
                    Severity::Violation => row.violations += 1,
                    Severity::Warning => row.warnings += 1,
                }
                match f.rule {
                    Rule::LateUpdate => row.entries_late += 1,
                    Rule::MissingApproval => row.approvals_missing += 1,
                    Rule::LateApproval => row.approvals_late += 1,
                    Rule::ApprovalNotByPrincipal => row.approvals_not_by_principal += 1,
                    Rule::DeletedIdentifier | Rule::ChangedIdentifier | Rule::ReusedIdentifier => {
                        row.identifiers_deleted += 1
                    }
                    Rule::NoMonthlyUpdate => row.months_without_activity += 1,
                    _ => {}
                }
            }
            let month = match f.rule {
                Rule::LateUpdate => occurred_month(f),
                Rule::MissingApproval | Rule::LateApproval => {
                    f.period.as_deref().and_then(|p| p.parse::<Month>().ok())
                }
                _ => None,
            };
            if let Some(row) = month.and_then(|m| self.months.get_mut(&m)) {
                match f.rule {
                    Rule::LateUpdate => row.entries_late += 1,
                    Rule::MissingApproval => row.approvals_missing += 1,
                    _ => row.approvals_late += 1,
                }
            }
        }
        let (late, approvals) = (self.late_judged, self.approvals_judged);
        for s in self.schools.values_mut() {
            s.entries_on_time = late.then(|| s.entries_due.saturating_sub(s.entries_late));
            s.on_time_rate = rate(s.entries_on_time, s.entries_due);
        }
        for m in self.months.values_mut() {
            m.entries_on_time = late.then(|| m.entries_due.saturating_sub(m.entries_late));
            m.on_time_rate = rate(m.entries_on_time, m.entries_due);
            m.approvals_on_time = approvals.then(|| {
                m.approvals_due
                    .saturating_sub(m.approvals_late + m.approvals_missing)
            });
            m.approvals_rate = rate(m.approvals_on_time, m.approvals_due);
        }
    }
}

/// Schools closed on or before `from` (or closed on an unknown day): their
/// equipment is not expected to be used in the period.
fn closed_by(raw: &Raw, from: NaiveDate) -> BTreeSet<&str> {
    raw.schools
        .iter()
        .filter(|s| s.inactive && s.status_changed_on.is_none_or(|d| d <= from))
        .map(|s| s.id.as_str())
        .collect()
}

/// An item in good condition, at a school open in the period, not used once.
fn idle(item: &stats::Item, closed: &BTreeSet<&str>) -> bool {
    item.condition == GOOD && item.uses == 0 && !closed.contains(item.school_id.as_str())
}

/// The article a finding counts under: its rule's, or for `data_quality`,
/// the article of the first rule that could not judge the row.
pub fn article_of(f: &Finding) -> Article {
    match &f.evidence {
        Evidence::DataQuality(e) if f.rule == Rule::DataQuality => {
            e.rules.first().map_or(Article::Art7_3, |&r| Article::of(r))
        }
        _ => Article::of(f.rule),
    }
}

/// The summary table.
fn articles(
    policies: &Policies,
    outcome: &crate::policy::CheckOutcome,
    findings: &[Finding],
    stores: &StoreInput<'_>,
    archive: &ArchiveSection,
    guard: &[GuardEvent],
) -> Vec<ArticleRow> {
    let (summary, skipped, window) = (&outcome.summary, &outcome.skipped, &outcome.window);
    let mut by_article: HashMap<Article, (u64, u64, BTreeSet<&str>, u64)> = HashMap::new();
    for f in findings {
        let e = by_article.entry(article_of(f)).or_default();
        match f.severity {
            Severity::Violation => e.0 += 1,
            Severity::Warning => e.1 += 1,
        }
        if f.provisional {
            e.3 += 1;
        }
        if let Some(s) = &f.school_id {
            e.2.insert(s);
        }
    }
    let facts = match stores {
        StoreInput::Facts(f) if !window.empty => Some(*f),
        _ => None,
    };
    Article::ALL
        .into_iter()
        .map(|article| {
            let rules: Vec<RuleRow> = article
                .rules()
                .iter()
                .map(|&rule| RuleRow {
                    rule,
                    severity: policies.rules.severity(rule),
                    findings: summary.by_rule.get(rule.as_str()).copied().unwrap_or(0),
                    not_assessed: skipped
                        .iter()
                        .find(|k| k.rule == rule)
                        .map(|k| k.reason.clone()),
                })
                .collect();
            let (violations, warnings, schools, provisional) =
                by_article.remove(&article).unwrap_or_default();
            let status = if violations > 0 {
                Status::NotMet
            } else if rules.iter().any(|r| r.not_assessed.is_some()) {
                Status::NotAssessed
            } else if warnings > 0 {
                Status::Warning
            } else {
                Status::Met
            };
            let from_stores = matches!(
                article,
                Article::Art12_1 | Article::Tt05Art27 | Article::RestoreDrills
            );
            ArticleRow {
                article,
                status,
                violations,
                warnings,
                schools: schools.len() as u64,
                provisional,
                rules,
                window: ArticleWindow {
                    from: window.from,
                    to: window.to,
                    judged_at: if from_stores { window.to } else { window.as_of },
                },
                evidence: evidence_used(article, facts, window.to, archive, guard),
            }
        })
        .collect()
}

/// The records an article judged from the stores rests on.
fn evidence_used(
    article: Article,
    facts: Option<&StoreFacts>,
    at: NaiveDate,
    archive: &ArchiveSection,
    guard: &[GuardEvent],
) -> Vec<EvidenceUsed> {
    let local = |t: &DateTime<FixedOffset>| crate::calendar::local_date_of(t);
    // The deletion guard's events bear on identifiers (Art. 6) and on the
    // copy to fall back on (Art. 12.1).
    let guarded = guard.iter().map(|g| EvidenceUsed {
        kind: "guard",
        id: g.snapshot.clone(),
        date: local(&g.taken_at),
        detail: format!(
            "{}; last good {}{}; {}",
            crate::guard::figures(&g.suspect),
            g.suspect.previous,
            if g.previous_held { " (held)" } else { "" },
            match &g.acknowledged {
                Some(a) => format!("acknowledged {}: {}", a.at.to_rfc3339(), a.reason),
                None => "not acknowledged".into(),
            }
        ),
    });
    let mut out = evidence_of_stores(article, facts, at, archive);
    if matches!(article, Article::Art6 | Article::Art12_1) {
        out.extend(guarded);
    }
    out
}

/// The records of the stores an article's verdict rests on.
fn evidence_of_stores(
    article: Article,
    facts: Option<&StoreFacts>,
    at: NaiveDate,
    archive: &ArchiveSection,
) -> Vec<EvidenceUsed> {
    let local = |t: &DateTime<FixedOffset>| crate::calendar::local_date_of(t);
    match article {
        Article::Art12_1 | Article::Tt05Art27 => facts
            .and_then(|f| {
                let s = crate::policy::stores::newest_at(f, at)?;
                let held: Vec<String> = s
                    .stores
                    .iter()
                    .filter_map(|&i| f.labels.get(i).cloned())
                    .collect();
                Some(vec![EvidenceUsed {
                    kind: "snapshot",
                    id: s.meta.id.as_str().to_string(),
                    date: local(&s.meta.created_at),
                    detail: format!(
                        "{}; {} copies: {}",
                        s.meta.created_at.to_rfc3339(),
                        held.len(),
                        held.join(", ")
                    ),
                }])
            })
            .unwrap_or_default(),
        Article::RestoreDrills => facts
            .and_then(|f| {
                let d = crate::policy::stores::last_restorable_drill(f, at)?;
                Some(vec![EvidenceUsed {
                    kind: "drill",
                    id: d.id.clone(),
                    date: local(&d.started_at),
                    detail: format!(
                        "{}; {}; snapshot {}",
                        d.started_at.to_rfc3339(),
                        format!("{:?}", d.status).to_lowercase(),
                        d.snapshot
                    ),
                }])
            })
            .unwrap_or_default(),
        Article::Art12_2 => archive
            .periods
            .iter()
            .flat_map(|p| {
                p.reports.iter().map(move |r| EvidenceUsed {
                    kind: "report",
                    id: r.bag.clone(),
                    date: r.archived_on,
                    detail: format!(
                        "{}/{} {}: {} ({})",
                        p.year, p.period, r.kind, r.file, r.sha256
                    ),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The equipment statistics.
fn equipment(raw: &Raw, from: NaiveDate, to: NaiveDate) -> EquipmentStats {
    let closed = closed_by(raw, from);
    let mut conditions: Vec<String> = CONDITIONS.iter().map(|c| c.to_string()).collect();
    let mut subjects: BTreeMap<Option<&str>, SubjectRow> = BTreeMap::new();
    let mut total = SubjectRow::new(None);
    let mut after = 0;
    let mut never: Vec<&stats::Item> = Vec::new();
    let mut used: Vec<&stats::Item> = Vec::new();
    for item in &raw.items {
        if item.created_on.is_some_and(|d| d > to) {
            after += 1;
            // Not in the period's inventory; its uses in the period count.
            subjects
                .entry(item.subject.as_deref())
                .or_insert_with(|| SubjectRow::new(item.subject.clone()))
                .add_usage(item);
            total.add_usage(item);
            continue;
        }
        if !conditions.contains(&item.condition) {
            conditions.push(item.condition.clone());
        }
        let idle = idle(item, &closed);
        subjects
            .entry(item.subject.as_deref())
            .or_insert_with(|| SubjectRow::new(item.subject.clone()))
            .add(item, idle);
        total.add(item, idle);
        if idle {
            never.push(item);
        }
        if item.lesson_periods > 0 {
            used.push(item);
        }
    }
    total.finish();
    let mut subjects: Vec<SubjectRow> = subjects.into_values().collect();
    for s in &mut subjects {
        s.finish();
    }
    subjects.sort_by(|a, b| {
        (a.subject.is_none(), b.items, &a.subject).cmp(&(b.subject.is_none(), a.items, &b.subject))
    });
    used.sort_by(|a, b| (b.lesson_periods, &a.id).cmp(&(a.lesson_periods, &b.id)));
    never.sort_by(|a, b| (&a.school_id, &a.id).cmp(&(&b.school_id, &b.id)));
    EquipmentStats {
        conditions,
        subjects,
        total,
        top_items: used
            .iter()
            .take(TOP_ITEMS)
            .map(|i| ItemRow::from(*i))
            .collect(),
        never_used_count: never.len() as u64,
        never_used: never
            .iter()
            .take(NEVER_USED_LISTED)
            .map(|i| ItemRow::from(*i))
            .collect(),
        unknown_usage: raw.unknown_usage,
        created_after_period: after,
    }
}

fn no_config_reason() -> Message {
    Message {
        vi: "Không có tệp cấu hình (chỉ có --db): cần các kho sao lưu trong eqvault.toml.".into(),
        en: "No config (only --db): this needs the backup stores of an eqvault.toml.".into(),
    }
}

/// The backup evidence as of `as_of`: the end of the period judged (or
/// `--as-of`, if earlier); snapshots and drills made after it are left out.
fn backup_section(
    stores: &StoreInput<'_>,
    policies: &Policies,
    from: NaiveDate,
    as_of: NaiveDate,
) -> BackupSection {
    let required_copies = policies.rules.backup_copies.required_copies;
    let unavailable = |reason: Message| BackupSection {
        available: false,
        reason: Some(reason),
        stores: Vec::new(),
        newest: None,
        required_copies,
        last_drill: None,
        restorable_drills: 0,
        guard: Vec::new(),
        holds: Vec::new(),
    };
    let facts: &StoreFacts = match stores {
        StoreInput::NoConfig => return unavailable(no_config_reason()),
        StoreInput::Unavailable(why) => {
            return unavailable(Message {
                vi: format!("Không đọc được các kho sao lưu: {why}"),
                en: format!("The backup stores could not be read: {why}"),
            });
        }
        StoreInput::Facts(f) => f,
    };
    let local = |t: &DateTime<FixedOffset>| crate::calendar::local_date_of(t);
    let taken: Vec<_> = facts
        .snapshots
        .iter()
        .filter(|s| local(&s.meta.created_at) <= as_of)
        .collect();
    let reference = |s: &crate::catalog::SnapshotView| SnapshotRef {
        id: s.meta.id.as_str().to_string(),
        created_at: s.meta.created_at,
        copies: s.stores.len() as u64,
        suspect: s.meta.suspect.is_some(),
    };
    let rows = facts
        .labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let error = facts
                .unreachable
                .iter()
                .find(|(l, _)| l == label)
                .map(|(_, e)| e.clone());
            let held: Vec<_> = taken.iter().filter(|s| s.stores.contains(&i)).collect();
            StoreRow {
                store: label.clone(),
                reachable: error.is_none(),
                error,
                snapshots: held.len() as u64,
                newest: held
                    .iter()
                    .max_by_key(|s| (s.meta.created_at, s.meta.id.as_str()))
                    .map(|s| reference(s)),
            }
        })
        .collect();
    let drills: Vec<_> = facts
        .drills
        .iter()
        .filter(|d| local(&d.started_at) <= as_of)
        .collect();
    BackupSection {
        available: true,
        reason: None,
        stores: rows,
        newest: taken
            .iter()
            .max_by_key(|s| (s.meta.created_at, s.meta.id.as_str()))
            .map(|s| reference(s)),
        required_copies,
        last_drill: drills
            .iter()
            .max_by_key(|d| (d.started_at, d.id.as_str()))
            .map(|d| DrillRow {
                id: d.id.clone(),
                snapshot: d.snapshot.clone(),
                store: d.store.clone(),
                status: serde_json::to_value(d.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                started_at: d.started_at,
                seconds: d.seconds,
                target_seconds: d.target_seconds,
            }),
        restorable_drills: drills
            .iter()
            .filter(|d| !matches!(d.status, crate::catalog::drill::Status::Failed))
            .count() as u64,
        guard: guard_events(facts, from, as_of),
        holds: facts
            .holds
            .iter()
            .filter(|h| local(&h.since) <= as_of)
            .map(|h| HoldRow {
                snapshot: h.id.clone(),
                since: h.since,
                reason: h.reason.clone(),
            })
            .collect(),
    }
}

/// The deletion guard's events a report of `[from, as_of]` shows: suspect
/// snapshots taken in it, and those taken before it that nobody had
/// acknowledged by its first day (a drop that stands is still news).
fn guard_events(facts: &StoreFacts, from: NaiveDate, as_of: NaiveDate) -> Vec<GuardEvent> {
    let local = |t: &DateTime<FixedOffset>| crate::calendar::local_date_of(t);
    // Held by the day judged (a hold placed later says nothing of then).
    let held = |id: &str| {
        facts
            .holds
            .iter()
            .any(|h| h.id == id && local(&h.since) <= as_of)
    };
    let in_stores = |id: &str| facts.snapshots.iter().any(|v| v.meta.id.as_str() == id);
    // Every suspect snapshot in the stores, and every acknowledged one that
    // retention has removed since (its acknowledgement recorded what the
    // guard saw).
    let present = facts.snapshots.iter().filter_map(|v| {
        Some((
            v.meta.id.as_str(),
            v.meta.created_at,
            v.meta.suspect.as_ref()?,
        ))
    });
    let removed = facts
        .guard_acks
        .iter()
        .filter(|a| !in_stores(&a.id))
        .filter_map(|a| a.event.as_ref().map(|(t, s)| (a.id.as_str(), *t, s)));
    let mut out: Vec<GuardEvent> = present
        .chain(removed)
        .filter_map(|(id, taken_at, s)| {
            let taken = local(&taken_at);
            if taken > as_of {
                return None;
            }
            let ack = facts.guard_acks.iter().find(|a| a.id == id);
            // Acknowledged after the day judged: it still stood then.
            let acknowledged = ack.filter(|a| local(&a.at) <= as_of).map(|a| GuardAck {
                at: a.at,
                reason: a.reason.clone(),
            });
            let stood_at_start = ack.is_none_or(|a| local(&a.at) >= from);
            (taken >= from || stood_at_start).then(|| GuardEvent {
                snapshot: id.to_string(),
                taken_at,
                previous_held: held(&s.previous),
                suspect: s.clone(),
                acknowledged,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.taken_at, &a.snapshot).cmp(&(b.taken_at, &b.snapshot)));
    out
}

/// Archive completeness for the periods that overlap the report's, as `check` judges them.
fn archive_section(
    stores: &StoreInput<'_>,
    policies: &Policies,
    period: &PeriodInfo,
    window: &crate::policy::Window,
) -> ArchiveSection {
    let r = &policies.rules.report_missing;
    let unavailable = |reason: Message| ArchiveSection {
        available: false,
        reason: Some(reason),
        kinds: r.kinds.clone(),
        periods: Vec::new(),
    };
    let archived = match stores {
        StoreInput::NoConfig => return unavailable(no_config_reason()),
        StoreInput::Unavailable(why) => {
            return unavailable(Message {
                vi: format!("Không đọc được các kho lưu trữ: {why}"),
                en: format!("The stores could not be read: {why}"),
            });
        }
        StoreInput::Facts(f) => match &f.reports {
            Some(Ok(a)) => a,
            Some(Err(why)) => {
                return unavailable(Message {
                    vi: format!("Không đọc được kho lưu trữ báo cáo: {why}"),
                    en: format!("The report archive could not be read: {why}"),
                });
            }
            None => {
                return unavailable(Message {
                    vi: "Không đọc kho lưu trữ báo cáo trong lần lập báo cáo này.".into(),
                    en: "The report archive was not read for this report.".into(),
                });
            }
        },
    };
    // The periods `check`'s report_missing judges for this report: those that
    // overlap it. A term outside the report (HK2 in an HK1 report) has no
    // bearing on Art. 12.2's verdict, so its row would contradict the summary.
    let mut periods = Vec::new();
    for year in policies.school_years.years_through(window.to) {
        for &p in &r.periods {
            let (from, to) = year.period_range(p);
            if window.empty || from > window.to || to < window.from {
                continue;
            }
            let due = Month::of(to).plus(r.months_after).last_day();
            // What was archived by --as-of: a report filed later did not exist then.
            let reports: Vec<crate::policy::reports::ArchivedReport> = archived
                .get(&(year.name.clone(), p))
                .into_iter()
                .flatten()
                .filter(|a| a.archived_on <= period.as_of)
                .cloned()
                .collect();
            let archived: Vec<String> =
                crate::policy::reports::kinds_by(archived, &year.name, p, period.as_of)
                    .into_iter()
                    .collect();
            let missing: Vec<String> = r
                .kinds
                .iter()
                .filter(|k| !archived.contains(&k.code))
                .map(|k| k.code.clone())
                .collect();
            let state = if missing.is_empty() {
                ArchiveState::Complete
            } else if due >= period.as_of {
                ArchiveState::NotDue
            } else {
                ArchiveState::Incomplete
            };
            periods.push(ArchiveRow {
                year: year.name.clone(),
                period: p,
                from,
                to,
                due,
                archived,
                missing,
                state,
                reports,
                provisional: year.provisional,
            });
        }
    }
    ArchiveSection {
        available: true,
        reason: None,
        kinds: r.kinds.clone(),
        periods,
    }
}
