//! One `check` run: every rule over the database (and the stores, when known), what was skipped and why.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;

use super::database::{Database, School};
use super::finding::{Finding, Message};
use super::late::LateUpdates;
use super::stores::StoreFacts;
use super::{
    Policies, PolicyError, Rule, Severity, activity, approvals, identifiers, reports, stores,
};

/// What to check, decided before anything is read.
#[derive(Debug, Clone)]
pub struct CheckPlan {
    /// The database.
    pub database: PathBuf,
    /// How long a statement may wait for the live system's lock.
    pub busy_timeout: Duration,
    /// "Today": nothing due on or after it is a finding.
    pub as_of: NaiveDate,
    /// The first day examined (`--from`), if any.
    pub from: Option<NaiveDate>,
    /// The last day examined (`--to`); `as_of` when not given.
    pub to: Option<NaiveDate>,
}

impl CheckPlan {
    /// The last day examined: `--to`, never after `--as-of`.
    pub fn until(&self) -> NaiveDate {
        self.to.map_or(self.as_of, |to| to.min(self.as_of))
    }

    /// # Errors
    /// [`PolicyError::Plan`] when `--from` is after `--to` or `--as-of`.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(PolicyError::Plan(format!(
                "--from {from} is after --to {to}: give the first day, then the last"
            )));
        }
        if let Some(from) = self.from
            && from > self.as_of
        {
            return Err(PolicyError::Plan(format!(
                "--from {from} is after --as-of {}: nothing after \"today\" can be due",
                self.as_of
            )));
        }
        Ok(())
    }
}

/// What the stores can tell, as the caller found them.
#[derive(Debug)]
pub enum StoreInput<'a> {
    /// No config: there are no stores to ask.
    NoConfig,
    /// A config, but the stores could not be asked at all (no `[[store]]`, …).
    Unavailable(String),
    /// What the stores hold.
    Facts(&'a StoreFacts),
}

/// A rule that did not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The rule.
    pub rule: Rule,
    /// Why, in both languages.
    pub reason: Message,
}

/// Something the reader should know about the run that is not a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// A stable code: `calendar_proposed`, `unreadable_rows`, `store_unreachable`, …
    pub code: String,
    /// The note, in both languages.
    pub message: Message,
    /// Examples (the first few rows concerned), when there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

/// Counts by rule and severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Every finding.
    pub findings: u64,
    /// Findings of severity `violation`.
    pub violations: u64,
    /// Findings of severity `warning`.
    pub warnings: u64,
    /// Per rule (every rule, 0 when none or skipped).
    pub by_rule: BTreeMap<String, u64>,
    /// Per severity.
    pub by_severity: BTreeMap<String, u64>,
    /// Schools with at least one finding.
    pub schools_with_findings: u64,
    /// Schools in the database.
    pub schools_checked: u64,
    /// Change-log rows read.
    pub changes_read: u64,
}

/// Counts findings on their way to the sink; memory grows with schools, not findings.
#[derive(Debug, Default)]
pub struct Tally {
    by_rule: BTreeMap<Rule, u64>,
    by_severity: BTreeMap<Severity, u64>,
    schools: HashSet<String>,
}

impl Tally {
    /// Counts `f`.
    pub fn count(&mut self, f: &Finding) {
        *self.by_rule.entry(f.rule).or_default() += 1;
        *self.by_severity.entry(f.severity).or_default() += 1;
        if let Some(s) = &f.school_id
            && !self.schools.contains(s)
        {
            self.schools.insert(s.clone());
        }
    }

    fn summary(&self, schools_checked: u64, changes_read: u64) -> Summary {
        let n = |s: Severity| self.by_severity.get(&s).copied().unwrap_or(0);
        Summary {
            findings: self.by_rule.values().sum(),
            violations: n(Severity::Violation),
            warnings: n(Severity::Warning),
            by_rule: Rule::ALL
                .iter()
                .map(|r| (r.to_string(), self.by_rule.get(r).copied().unwrap_or(0)))
                .collect(),
            by_severity: [Severity::Violation, Severity::Warning]
                .iter()
                .map(|&s| (s.to_string(), n(s)))
                .collect(),
            schools_with_findings: self.schools.len() as u64,
            schools_checked,
            changes_read,
        }
    }
}

/// The working-day calendar the run used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarUse {
    /// Years with a published schedule.
    pub file_years: Vec<i32>,
    /// Years for which the proposal stood in: their deadlines are provisional.
    pub proposed_years: Vec<i32>,
    /// Said in words, when `proposed_years` is not empty.
    pub note: Option<Message>,
}

/// Everything a run found except the findings themselves (they went to the sink).
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    /// "Today".
    pub as_of: NaiveDate,
    /// The first day examined.
    pub from: Option<NaiveDate>,
    /// The last day examined.
    pub to: NaiveDate,
    /// The database checked.
    pub database: PathBuf,
    /// `built-in` or the policy folder.
    pub policies: String,
    /// Rules that did not run.
    pub skipped: Vec<Skipped>,
    /// Counts.
    pub summary: Summary,
    /// The calendar used.
    pub calendar: CalendarUse,
    /// Things to know that are not findings.
    pub notes: Vec<Note>,
    /// The names of the schools with findings, by id (for grouping output;
    /// not part of the JSON contract).
    #[serde(skip)]
    pub school_names: BTreeMap<String, String>,
}

impl CheckOutcome {
    /// Whether any finding was a violation (`check` exits 1).
    pub fn has_violations(&self) -> bool {
        self.summary.violations > 0
    }
}

/// Unreadable rows of one kind: a count and the first few.
#[derive(Default)]
struct Bad {
    count: u64,
    examples: Vec<String>,
}

impl Bad {
    fn add(&mut self, why: String) {
        self.count += 1;
        if self.examples.len() < 5 {
            self.examples.push(why);
        }
    }
}

fn skip(rule: Rule, vi: &str, en: &str) -> Skipped {
    Skipped {
        rule,
        reason: Message {
            vi: vi.to_string(),
            en: en.to_string(),
        },
    }
}

/// Runs every enabled rule. Store rules use `stores`; database rules read
/// `plan.database`. Each finding is counted, then handed to `sink`.
///
/// The database is opened and its schema checked before any finding is
/// emitted, so a bad path or schema fails before output starts.
///
/// # Errors
/// [`PolicyError`] for a bad plan, an unreadable database or a SQLite failure.
pub fn check(
    policies: &Policies,
    plan: &CheckPlan,
    stores: StoreInput<'_>,
    sink: &mut dyn FnMut(Finding),
) -> Result<CheckOutcome, PolicyError> {
    plan.validate()?;
    let db = Database::open(&plan.database, plan.busy_timeout)?;
    let rules = &policies.rules;
    let as_of = plan.as_of;
    let until = plan.until();
    let mut tally = Tally::default();
    let mut emit = |f: Finding| {
        tally.count(&f);
        sink(f);
    };
    let mut skipped: Vec<Skipped> = Vec::new();
    let mut notes: Vec<Note> = Vec::new();
    for rule in Rule::ALL {
        if !rules.enabled(rule) {
            skipped.push(skip(
                rule,
                "Quy tắc bị tắt trong rules.toml (enabled = false).",
                "Switched off in rules.toml (enabled = false).",
            ));
        }
    }
    let on = |rule: Rule| rules.enabled(rule);

    let facts = match &stores {
        StoreInput::Facts(f) => Some(*f),
        _ => None,
    };

    // ---- the stores ----
    let store_rules = [
        Rule::BackupOverdue,
        Rule::BackupCopies,
        Rule::DrillOverdue,
        Rule::ReportMissing,
    ];
    match stores {
        StoreInput::NoConfig => {
            for rule in store_rules.into_iter().filter(|&r| on(r)) {
                skipped.push(skip(
                    rule,
                    "Không có tệp cấu hình (chỉ có --db): quy tắc này cần các kho sao lưu trong eqvault.toml.",
                    "No config (only --db): this rule needs the backup stores of an eqvault.toml.",
                ));
            }
        }
        StoreInput::Unavailable(why) => {
            for rule in store_rules.into_iter().filter(|&r| on(r)) {
                skipped.push(Skipped {
                    rule,
                    reason: Message {
                        vi: format!("Không đọc được các kho sao lưu: {why}"),
                        en: format!("The backup stores could not be read: {why}"),
                    },
                });
            }
        }
        StoreInput::Facts(facts) => {
            if !facts.unreachable.is_empty() {
                notes.push(Note {
                    code: "store_unreachable".into(),
                    message: Message {
                        vi: "Không truy cập được một số kho sao lưu; các bản sao trên đó không được tính.".into(),
                        en: "Some backup stores could not be read; copies on them were not counted.".into(),
                    },
                    examples: facts
                        .unreachable
                        .iter()
                        .map(|(l, e)| format!("{l}: {e}"))
                        .collect(),
                });
            }
            if on(Rule::BackupOverdue)
                && let Some(f) = stores::backup_overdue(facts, rules, as_of)
            {
                emit(f);
            }
            if on(Rule::BackupCopies)
                && let Some(f) = stores::backup_copies(facts, rules, as_of)
            {
                emit(f);
            }
            if on(Rule::DrillOverdue)
                && let Some(f) = stores::drill_overdue(facts, rules, as_of)
            {
                emit(f);
            }
            if on(Rule::ReportMissing) {
                match &facts.reports {
                    Some(Ok(archived)) => {
                        for f in reports::report_missing(
                            archived,
                            &policies.school_years,
                            rules,
                            plan.from,
                            until,
                            as_of,
                        ) {
                            emit(f);
                        }
                    }
                    Some(Err(why)) => skipped.push(Skipped {
                        rule: Rule::ReportMissing,
                        reason: Message {
                            vi: format!("Không đọc được kho lưu trữ báo cáo: {why}"),
                            en: format!("The report archive could not be read: {why}"),
                        },
                    }),
                    None => skipped.push(skip(
                        Rule::ReportMissing,
                        "Không đọc kho lưu trữ báo cáo trong lần kiểm tra này.",
                        "The report archive was not read in this run.",
                    )),
                }
            }
        }
    }
    let ledger: Option<&Result<Vec<crate::ledger::Entry>, String>> =
        facts.and_then(|f| f.ledger.as_ref());
    if on(Rule::ChangedIdentifier) {
        match ledger {
            Some(Ok(_)) => {}
            Some(Err(why)) => skipped.push(Skipped {
                rule: Rule::ChangedIdentifier,
                reason: Message {
                    vi: format!("Không đọc được sổ mã định danh: {why}"),
                    en: format!("The identifier ledger could not be read: {why}"),
                },
            }),
            None => skipped.push(skip(
                Rule::ChangedIdentifier,
                "Cần sổ mã định danh của các bản sao lưu trước (tệp cấu hình có kho sao lưu và ít nhất một lần `eqvault backup`).",
                "Needs the identifier ledger of earlier backups (a config with stores, and at least one `eqvault backup`).",
            )),
        }
    }

    // ---- the database ----
    // Several callbacks note unreadable rows while one of them is running.
    let bad_rows = RefCell::new(Bad::default());
    let bad = |why: String| bad_rows.borrow_mut().add(why);
    let schools = db.schools(&mut |why| bad(why))?;
    let by_id: HashMap<&str, &School> = schools.iter().map(|s| (s.id.as_str(), s)).collect();

    let mut changes_read = 0;
    if on(Rule::LateUpdate) {
        let lu = &rules.late_update;
        let mut judge = LateUpdates::new(&policies.calendar, lu.working_days, as_of, lu.severity)
            .within(plan.from, until);
        changes_read = db.for_each_change(
            &mut |row| {
                let name = by_id.get(row.school_id).map(|s| s.name.as_str());
                match judge.judge(row, name) {
                    Ok(Some(f)) => emit(f),
                    Ok(None) => {}
                    Err(e) => bad(format!("equipment_changes ({}): {e}", row.change_id)),
                }
            },
            &mut |why| bad(why),
        )?;
    }

    let approval_rules = [
        Rule::MissingApproval,
        Rule::LateApproval,
        Rule::ApprovalNotByPrincipal,
    ];
    if approval_rules.iter().any(|&r| on(r)) {
        for school in &schools {
            let Some(owed) = approvals::owed_months(school, plan.from, until) else {
                continue;
            };
            let rows = db.approvals(&school.id)?;
            approvals::judge_school(school, &rows, owed, as_of, rules, &mut emit, &mut |why| {
                bad(why)
            });
        }
    }

    if on(Rule::NoMonthlyUpdate) {
        let params = &rules.no_monthly_update;
        for school in &schools {
            for m in activity::months_to_examine(
                school,
                plan.from,
                until,
                as_of,
                &params.teaching_months,
            ) {
                if !db.has_activity(&school.id, m)? {
                    emit(activity::finding(school, m, params.severity));
                }
            }
        }
    }

    // Identifiers: the ledger of earlier backups, when there is one, and the
    // change log; an equipment id found by both is one finding.
    let vanished = match ledger {
        Some(Ok(entries)) if on(Rule::DeletedIdentifier) || on(Rule::ChangedIdentifier) => {
            Some(crate::ledger::vanished(entries, &db.identifiers()?))
        }
        _ => None,
    };
    let name_of = |school_id: &str| by_id.get(school_id).map(|s| s.name.as_str());
    if on(Rule::DeletedIdentifier) {
        let severity = rules.severity(Rule::DeletedIdentifier);
        let ledger_equipment: HashMap<&str, &crate::ledger::Entry> = vanished
            .iter()
            .flatten()
            .filter(|v| v.entry.ident.kind == crate::ledger::Kind::Equipment)
            .map(|v| (v.entry.ident.id.as_str(), &v.entry))
            .collect();
        let mut both: HashSet<String> = HashSet::new();
        db.for_each_vanished_equipment(&mut |v| {
            let entry = ledger_equipment.get(v.equipment_id.as_str()).copied();
            if entry.is_some() {
                both.insert(v.equipment_id.clone());
            }
            emit(identifiers::deleted_equipment(
                &v,
                entry,
                name_of(&v.school_id),
                severity,
            ));
        })?;
        for v in vanished.iter().flatten() {
            let e = &v.entry;
            if e.ident.kind == crate::ledger::Kind::Equipment && both.contains(&e.ident.id) {
                continue;
            }
            emit(identifiers::deleted_from_ledger(
                e,
                name_of(&e.ident.school_id),
                severity,
            ));
        }
        if vanished.is_none() {
            notes.push(Note {
                code: "identifier_history_missing".into(),
                message: Message {
                    vi: "Chưa có sổ mã định danh từ các bản sao lưu: deleted_identifier chỉ dựa trên nhật ký thay đổi thiết bị; mã trường, mã cán bộ bị xoá chưa phát hiện được.".into(),
                    en: "No identifier ledger from backups: deleted_identifier uses the equipment change log only; deleted school and staff ids cannot be seen.".into(),
                },
                examples: Vec::new(),
            });
        }
    }
    if on(Rule::ChangedIdentifier) {
        let severity = rules.severity(Rule::ChangedIdentifier);
        for v in vanished.iter().flatten() {
            if let Some(new_id) = &v.renamed_to {
                emit(identifiers::changed(
                    &v.entry,
                    new_id,
                    name_of(&v.entry.ident.school_id),
                    severity,
                ));
            }
        }
    }

    let bad_rows = bad_rows.into_inner();
    if bad_rows.count > 0 {
        notes.push(Note {
            code: "unreadable_rows".into(),
            message: Message {
                vi: format!(
                    "{} dòng dữ liệu có giá trị không đọc được (ngày, giờ, kiểu dữ liệu) nên không được đánh giá; hãy sửa dữ liệu nguồn.",
                    bad_rows.count
                ),
                en: format!(
                    "{} row(s) hold values that cannot be read (dates, times, types) and were not judged; fix the source data.",
                    bad_rows.count
                ),
            },
            examples: bad_rows.examples,
        });
    }

    let proposed_years = policies.calendar.proposed_years_used();
    let calendar_note = (!proposed_years.is_empty()).then(|| {
        let years = proposed_years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        Message {
            vi: format!(
                "Năm {years} chưa có lịch nghỉ lễ chính thức: thời hạn được tính theo lịch đề xuất (âm lịch, Bộ luật Lao động 2019) và là tạm tính. Bổ sung tệp policies/calendar/{{năm}}.toml khi có văn bản."
            ),
            en: format!(
                "No published holiday schedule for {years}: deadlines use the proposed schedule (lunar calendar, Labour Code 2019) and are provisional. Add policies/calendar/YEAR.toml when the schedule is announced."
            ),
        }
    });
    if let Some(message) = &calendar_note {
        notes.push(Note {
            code: "calendar_proposed".into(),
            message: message.clone(),
            examples: Vec::new(),
        });
    }

    let school_names = schools
        .iter()
        .filter(|s| tally.schools.contains(&s.id))
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    Ok(CheckOutcome {
        school_names,
        as_of,
        from: plan.from,
        to: until,
        database: plan.database.clone(),
        policies: policies.source.describe(),
        skipped,
        summary: tally.summary(schools.len() as u64, changes_read),
        calendar: CalendarUse {
            file_years: policies.calendar.file_years(),
            proposed_years,
            note: calendar_note,
        },
        notes,
    })
}
