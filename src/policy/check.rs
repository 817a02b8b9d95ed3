//! One `check` run: every rule over the database (and the stores, when known), what was skipped and why.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;

use super::database::{Database, School};
use super::finding::{Finding, Message, Problem};
use super::late::{Judged, LateUpdates};
use super::quality::Issue;
use super::stores::StoreFacts;
use super::{
    Policies, PolicyError, Rule, Severity, activity, approvals, identifiers, reports, stores,
};

/// What to check, decided before anything is read.
#[derive(Debug, Clone)]
pub struct CheckPlan {
    /// The database.
    pub database: PathBuf,
    /// The mapping it is read through ([`crate::mapping`]), when it is not in the reference schema.
    pub mapping: Option<crate::mapping::Mapping>,
    /// How long a statement may wait for the live system's lock.
    pub busy_timeout: Duration,
    /// "Today": nothing due on or after it is a finding.
    pub as_of: NaiveDate,
    /// The first day examined (`--from`), if any.
    pub from: Option<NaiveDate>,
    /// The last day examined (`--to`); `as_of` when not given.
    pub to: Option<NaiveDate>,
    /// `--strict`: a verdict that rests on a calendar not yet published keeps
    /// its rule's severity (by default it is a provisional warning).
    pub strict: bool,
}

impl CheckPlan {
    /// The plan to check `database` (read through `mapping`, when given) as
    /// of `as_of`, over the whole window the policies allow.
    pub fn new(
        database: PathBuf,
        mapping: Option<crate::mapping::Mapping>,
        busy_timeout: Duration,
        as_of: NaiveDate,
    ) -> CheckPlan {
        CheckPlan {
            database,
            mapping,
            busy_timeout,
            as_of,
            from: None,
            to: None,
            strict: false,
        }
    }

    /// The same plan examining only `from` (when given) to `to` (when given).
    pub fn between(mut self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> CheckPlan {
        self.from = from;
        self.to = to;
        self
    }

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
#[derive(Debug, Clone)]
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
    /// Findings that rest on a working-day calendar not yet published (counted
    /// in `warnings`, or in `violations` with `--strict`).
    pub provisional: u64,
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
    provisional: u64,
}

impl Tally {
    /// Counts `f`.
    pub fn count(&mut self, f: &Finding) {
        *self.by_rule.entry(f.rule).or_default() += 1;
        *self.by_severity.entry(f.severity).or_default() += 1;
        if f.provisional {
            self.provisional += 1;
        }
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
            provisional: self.provisional,
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

/// The days a run judged, and why it starts where it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The first day judged: `--from` if given, else `effective_from`; never
    /// before the first month that holds data.
    pub from: NaiveDate,
    /// The last day judged: `--to`, at most `--as-of`. The store rules
    /// (backups, copies, drills) are judged as of this day, from records
    /// dated on or before it.
    pub to: NaiveDate,
    /// "Today": what is due, and the archive's reports counted by then.
    pub as_of: NaiveDate,
    /// `[policies] effective_from` (default: the regulation's date).
    pub effective_from: NaiveDate,
    /// The first day of the first month the database holds data for.
    pub data_from: Option<NaiveDate>,
    /// `--from` as given.
    pub requested_from: Option<NaiveDate>,
    /// An explicit `--from` before `effective_from` widened the window on
    /// purpose: the regulation did not yet apply to the days before it.
    pub before_regulation: bool,
    /// Nothing to judge: the window ends before it starts (a period before
    /// the regulation or the data). Every rule is then skipped with the reason.
    pub empty: bool,
}

impl Window {
    /// The window of `plan` for policies starting at `effective_from` and a
    /// database whose data starts at `data_from`.
    pub fn new(
        plan: &CheckPlan,
        effective_from: NaiveDate,
        data_from: Option<NaiveDate>,
    ) -> Window {
        let to = plan.until();
        let base = plan.from.unwrap_or(effective_from);
        let from = data_from.map_or(base, |d| base.max(d));
        Window {
            from,
            to,
            as_of: plan.as_of,
            effective_from,
            data_from,
            requested_from: plan.from,
            before_regulation: plan.from.is_some_and(|f| f < effective_from && to >= f),
            empty: from > to,
        }
    }

    /// Why nothing was judged, for an empty window.
    fn empty_reason(&self) -> Message {
        let dmy = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
        if self.to < self.effective_from && self.requested_from.is_none() {
            Message {
                vi: format!(
                    "Giai đoạn kết thúc ngày {}, trước ngày áp dụng quy định ({}): quy định chưa áp dụng nên không có gì để đánh giá (muốn xem vẫn có thể dùng --from).",
                    dmy(self.to),
                    dmy(self.effective_from)
                ),
                en: format!(
                    "The period ends on {}, before the rules apply ({}): the regulation did not yet apply, so there is nothing to judge (pass --from to look anyway).",
                    self.to, self.effective_from
                ),
            }
        } else {
            Message {
                vi: format!(
                    "Cơ sở dữ liệu chỉ có dữ liệu từ ngày {}, sau ngày cuối của giai đoạn ({}): không có gì để đánh giá.",
                    dmy(self.from),
                    dmy(self.to)
                ),
                en: format!(
                    "The database holds data from {} only, after the period's last day ({}): there is nothing to judge.",
                    self.from, self.to
                ),
            }
        }
    }
}

/// Everything a run found except the findings themselves (they went to the sink).
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    /// "Today".
    pub as_of: NaiveDate,
    /// The first day examined (`--from` as given).
    pub from: Option<NaiveDate>,
    /// The last day examined.
    pub to: NaiveDate,
    /// The window judged.
    pub window: Window,
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
    /// Rows that could not be read at all (each is a `data_quality`
    /// finding too): `check` exits 1 when there are any.
    pub unreadable_rows: u64,
    /// The names of the schools with findings, by id (for grouping output;
    /// not part of the JSON contract).
    #[serde(skip)]
    pub school_names: BTreeMap<String, String>,
}

impl CheckOutcome {
    /// Whether any finding was a violation.
    pub fn has_violations(&self) -> bool {
        self.summary.violations > 0
    }

    /// Whether `check` exits 1: a violation, or a row that could not be read.
    pub fn has_problems(&self) -> bool {
        self.has_violations() || self.unreadable_rows > 0
    }
}

/// Rows that could not be read: a count and the first few.
#[derive(Default)]
struct Unreadable {
    count: u64,
    examples: Vec<String>,
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

/// Counts findings and hands them on; shared by the callbacks that find them.
struct Emitter<'s> {
    tally: Tally,
    sink: &'s mut dyn FnMut(Finding),
}

impl Emitter<'_> {
    fn emit(&mut self, f: Finding) {
        self.tally.count(&f);
        (self.sink)(f);
    }
}

/// The store rules.
const STORE_RULES: [Rule; 4] = [
    Rule::BackupOverdue,
    Rule::BackupCopies,
    Rule::DrillOverdue,
    Rule::ReportMissing,
];

/// Runs every enabled rule. Store rules use `stores`; database rules read
/// `plan.database`. Each finding is counted, then handed to `sink`.
///
/// The window judged ([`Window`]) starts at `--from`, else at
/// `effective_from` of the policies, and never before the first month the
/// database holds data for; it ends at `--to` (at most `--as-of`). The
/// store rules are judged as of its last day.
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
    let db = Database::open(&plan.database, plan.busy_timeout, plan.mapping.as_ref())?;
    let rules = &policies.rules;
    let as_of = plan.as_of;
    let out = RefCell::new(Emitter {
        tally: Tally::default(),
        sink,
    });
    let emit = |f: Finding| out.borrow_mut().emit(f);
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

    // ---- the schools, and the window ----
    // Through a mapping the days of uses take seconds to read (SQLite
    // computes the mapped date of every use): they are read on other threads
    // while the rules read the change log.
    db.read_uses_ahead();
    let mut school_issues: Vec<Issue> = Vec::new();
    let schools = db.schools(&mut |i| school_issues.push(i))?;
    let by_id: HashMap<&str, &School> = schools.iter().map(|s| (s.id.as_str(), s)).collect();
    let name_of = |school_id: &str| by_id.get(school_id).map(|s| s.name.as_str());
    let unreadable = RefCell::new(Unreadable::default());
    let quality = rules.severity(Rule::DataQuality);
    let issue = |i: Issue| {
        if i.problem == Problem::Unreadable {
            let mut u = unreadable.borrow_mut();
            u.count += 1;
            if u.examples.len() < 5 {
                u.examples.push(i.line());
            }
        }
        if on(Rule::DataQuality) {
            let name = i.school_id.as_deref().and_then(name_of);
            emit(i.finding(name, quality));
        }
    };
    for i in school_issues {
        issue(i);
    }
    // The window waits for the uses only when they can move it: when the
    // data known so far starts on or before the day the window would start
    // anyway (and before the rules apply), an earlier use changes nothing
    // but `data_from`, completed once the rules are done.
    let so_far = db.first_data_month_so_far(&schools)?;
    let base = plan.from.unwrap_or(policies.effective_from);
    let complete_later = !db.uses_known()
        && base <= plan.until()
        && so_far.is_some_and(|d| d <= base.min(policies.effective_from));
    let mut window = Window::new(
        plan,
        policies.effective_from,
        if complete_later {
            so_far
        } else {
            db.first_data_month(&schools)?
        },
    );
    let (from, until) = (window.from, window.to);
    if window.empty {
        let reason = window.empty_reason();
        for rule in Rule::ALL.into_iter().filter(|&r| on(r)) {
            skipped.push(Skipped {
                rule,
                reason: reason.clone(),
            });
        }
    }
    if window.before_regulation {
        let dmy = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
        notes.push(Note {
            code: "before_regulation".into(),
            message: Message {
                vi: format!(
                    "--from {} mở rộng giai đoạn đánh giá về trước ngày áp dụng quy định ({}): quy định chưa áp dụng cho các ngày trước đó; phát hiện của những ngày này chỉ để tham khảo.",
                    dmy(window.from),
                    dmy(window.effective_from)
                ),
                en: format!(
                    "--from {} widens the window to before the rules apply ({}): the regulation did not yet apply to those days; findings there are for information.",
                    window.from, window.effective_from
                ),
            },
            examples: Vec::new(),
        });
    }
    if let Some(data) = window
        .data_from
        .filter(|d| *d > window.effective_from && !window.empty)
    {
        notes.push(Note {
            code: "data_start".into(),
            message: Message {
                vi: format!(
                    "Cơ sở dữ liệu có dữ liệu từ tháng {}: không đánh giá trước đó.",
                    data.format("%m/%Y")
                ),
                en: format!(
                    "The database holds data from {}: nothing before is judged.",
                    data.format("%Y-%m")
                ),
            },
            examples: Vec::new(),
        });
    }
    let live = !window.empty;
    // A database with no school gives the per-school rules nothing to judge:
    // said, never counted as "no finding".
    if live && schools.is_empty() {
        for rule in [
            Rule::MissingApproval,
            Rule::LateApproval,
            Rule::ApprovalNotByPrincipal,
            Rule::ApprovalBeforeMonthEnd,
            Rule::NoMonthlyUpdate,
        ]
        .into_iter()
        .filter(|&r| on(r))
        {
            skipped.push(skip(
                rule,
                "Cơ sở dữ liệu không có trường nào (bảng schools trống, hoặc tệp ánh xạ chưa chỉ tới bảng trường): không có gì để đánh giá.",
                "The database has no school (schools is empty, or the mapping does not reach the schools table yet): nothing to judge.",
            ));
        }
    }

    let facts = match &stores {
        StoreInput::Facts(f) => Some(*f),
        _ => None,
    };

    // ---- the stores ----
    match stores {
        _ if !live => {}
        StoreInput::NoConfig => {
            for rule in STORE_RULES.into_iter().filter(|&r| on(r)) {
                skipped.push(skip(
                    rule,
                    "Không có tệp cấu hình (chỉ có --db): quy tắc này cần các kho sao lưu trong eqvault.toml.",
                    "No config (only --db): this rule needs the backup stores of an eqvault.toml.",
                ));
            }
        }
        StoreInput::Unavailable(why) => {
            for rule in STORE_RULES.into_iter().filter(|&r| on(r)) {
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
            // A period that ended before eqvault kept any evidence cannot be
            // judged from the stores: absence of evidence is not a fault.
            let before_eqvault = facts.evidence_since.filter(|&since| until < since);
            if let Some(since) = before_eqvault {
                for rule in [Rule::BackupOverdue, Rule::BackupCopies, Rule::DrillOverdue]
                    .into_iter()
                    .filter(|&r| on(r))
                {
                    skipped.push(Skipped {
                        rule,
                        reason: Message {
                            vi: format!(
                                "eqvault chưa giữ bằng chứng nào trước ngày {} (ngày bắt đầu có dấu kho, bản sao lưu hoặc diễn tập đầu tiên): kỳ này kết thúc trước đó nên không đánh giá được từ các kho; việc sao lưu theo cách khác trước đó cần được chứng minh bằng hồ sơ riêng của đơn vị.",
                                super::text::dmy(since)
                            ),
                            en: format!(
                                "eqvault holds no evidence before {} (its first store marker, snapshot or drill): this period ended earlier, so the stores cannot judge it; copies kept another way before then need the office's own records.",
                                super::text::en_date(since)
                            ),
                        },
                    });
                }
            }
            // Judged as of the window's last day: a backup made after it
            // proves nothing about it.
            let judged = before_eqvault.is_none();
            if judged
                && on(Rule::BackupOverdue)
                && let Some(f) = stores::backup_overdue(facts, rules, until)
            {
                emit(f);
            }
            if judged
                && on(Rule::BackupCopies)
                && let Some(f) = stores::backup_copies(facts, rules, until)
            {
                emit(f);
            }
            if judged
                && on(Rule::DrillOverdue)
                && let Some(f) = stores::drill_overdue(facts, rules, until)
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
                            Some(from),
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
    if live {
        for (kind, id, why) in facts.iter().flat_map(|f| &f.ledger_unreadable) {
            issue(Issue::unreadable(
                "ledger",
                format!("{kind} {id}"),
                None,
                None,
                &[
                    Rule::DeletedIdentifier,
                    Rule::ChangedIdentifier,
                    Rule::ReusedIdentifier,
                ],
                why.clone(),
            ));
        }
    }
    if on(Rule::ChangedIdentifier) && live {
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
    let mut changes_read = 0;
    if on(Rule::LateUpdate) && live {
        let lu = &rules.late_update;
        let mut judge = LateUpdates::new(&policies.calendar, lu.working_days, as_of, lu.severity)
            .within(Some(from), until)
            .strict(plan.strict);
        changes_read = db.for_each_change(
            &mut |row| match judge.judge(row, name_of(row.school_id)) {
                Judged::Finding(f) => emit(f),
                Judged::Nothing => {}
                Judged::Issue(i) => issue(i),
            },
            &mut |i| issue(i),
        )?;
    }

    let approval_rules = [
        Rule::MissingApproval,
        Rule::LateApproval,
        Rule::ApprovalNotByPrincipal,
        Rule::ApprovalBeforeMonthEnd,
    ];
    let approvals_on = approval_rules.iter().any(|&r| on(r));
    let activity_on = on(Rule::NoMonthlyUpdate);
    if (approvals_on || activity_on) && live {
        for school in &schools {
            let rows = if approvals_on {
                db.approvals(&school.id)?
            } else {
                Vec::new()
            };
            let judge_one = |s: &School,
                             found: &mut dyn FnMut(Finding),
                             issue: &mut dyn FnMut(Issue)|
             -> Result<(), PolicyError> {
                if approvals_on {
                    let owed = approvals::owed(s, Some(from), until);
                    approvals::judge_school(s, &rows, &owed, as_of, rules, found, issue);
                }
                if activity_on {
                    let params = &rules.no_monthly_update;
                    for m in activity::months_to_examine(
                        s,
                        Some(from),
                        until,
                        as_of,
                        &params.teaching_months,
                    ) {
                        if !db.has_activity(&s.id, m)? {
                            found(activity::finding(s, m, params.severity));
                        }
                    }
                }
                Ok(())
            };
            match school.variants() {
                (lenient, None) => judge_one(&lenient, &mut |f| emit(f), &mut |i| issue(i))?,
                (lenient, Some(strict)) => {
                    // A date without an offset: a finding under every
                    // offset is made; one that depends on it is an issue.
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    judge_one(&lenient, &mut |f| a.push(f), &mut |i| issue(i))?;
                    judge_one(&strict, &mut |f| b.push(f), &mut |_| {})?;
                    let key = |f: &Finding| (f.rule, f.period.clone());
                    let in_b: HashSet<_> = b.iter().map(key).collect();
                    let in_a: HashSet<_> = a.iter().map(key).collect();
                    for f in a.into_iter().filter(|f| in_b.contains(&key(f))) {
                        emit(f);
                    }
                    for f in a_not_b(&b, &in_a) {
                        issue(school_offset_issue(school, f));
                    }
                }
            }
        }
    }

    // Identifiers: the ledger of earlier backups, when there is one, and the
    // change log. One finding per fact: an equipment id found by both is one
    // finding, and a rename is `changed_identifier` only.
    let ident_rules = [
        Rule::DeletedIdentifier,
        Rule::ChangedIdentifier,
        Rule::ReusedIdentifier,
    ];
    let current = match ledger {
        Some(Ok(_)) if live && ident_rules.iter().any(|&r| on(r)) => {
            let ids = db.identifiers()?;
            // What the identifier read left out is said, never silently dropped.
            for sk in &ids.skipped {
                issue(Issue::unreadable(
                    sk.kind.table(),
                    if sk.rows > 0 {
                        format!("{} rows", sk.rows)
                    } else {
                        "table".to_string()
                    },
                    None,
                    None,
                    &ident_rules,
                    sk.why.clone(),
                ));
            }
            Some(ids.idents)
        }
        _ => None,
    };
    let vanished = match (ledger, &current) {
        (Some(Ok(entries)), Some(idents))
            if on(Rule::DeletedIdentifier) || on(Rule::ChangedIdentifier) =>
        {
            Some(crate::ledger::vanished(entries, idents))
        }
        _ => None,
    };
    let equipment = crate::ledger::Kind::Equipment;
    // Renames `changed_identifier` reports: no deletion of their own.
    let renamed: HashSet<(crate::ledger::Kind, String)> = if on(Rule::ChangedIdentifier) {
        vanished
            .iter()
            .flatten()
            .filter(|v| v.renamed_to.is_some())
            .map(|v| (v.entry.ident.kind, v.entry.ident.id.clone()))
            .collect()
    } else {
        HashSet::new()
    };
    // The change-log rows of renamed equipment ids: evidence inside the rename.
    let mut renamed_log: HashMap<String, identifiers::VanishedEquipment> = HashMap::new();
    let deleted_on = on(Rule::DeletedIdentifier) && live;
    if deleted_on || (live && renamed.iter().any(|(k, _)| *k == equipment)) {
        let severity = rules.severity(Rule::DeletedIdentifier);
        let ledger_equipment: HashMap<&str, &crate::ledger::Vanished> = vanished
            .iter()
            .flatten()
            .filter(|v| v.entry.ident.kind == equipment)
            .map(|v| (v.entry.ident.id.as_str(), v))
            .collect();
        let mut both: HashSet<String> = HashSet::new();
        db.for_each_vanished_equipment(&mut |v| {
            if renamed.contains(&(equipment, v.equipment_id.clone())) {
                renamed_log.insert(v.equipment_id.clone(), v);
                return;
            }
            if !deleted_on {
                return;
            }
            let known = ledger_equipment.get(v.equipment_id.as_str()).copied();
            if known.is_some() {
                both.insert(v.equipment_id.clone());
            }
            emit(identifiers::deleted_equipment(
                &v,
                known.map(|k| &k.entry),
                known.map_or(&[][..], |k| &k.candidates),
                name_of(&v.school_id),
                severity,
            ));
        })?;
        if deleted_on {
            for v in vanished.iter().flatten() {
                let e = &v.entry;
                if (e.ident.kind == equipment && both.contains(&e.ident.id))
                    || renamed.contains(&(e.ident.kind, e.ident.id.clone()))
                {
                    continue;
                }
                emit(identifiers::deleted_from_ledger(
                    e,
                    &v.candidates,
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
    }
    if on(Rule::ChangedIdentifier) && live {
        let severity = rules.severity(Rule::ChangedIdentifier);
        for v in vanished.iter().flatten() {
            if let Some(new_id) = &v.renamed_to {
                let log = (v.entry.ident.kind == equipment)
                    .then(|| renamed_log.get(&v.entry.ident.id))
                    .flatten();
                emit(identifiers::changed(
                    &v.entry,
                    new_id,
                    log,
                    name_of(&v.entry.ident.school_id),
                    severity,
                ));
            }
        }
    }
    // A code issued again to an item of another school: from the ledger (the
    // school it was issued at) and from the change log (rows at another school).
    if on(Rule::ReusedIdentifier) && live {
        let severity = rules.severity(Rule::ReusedIdentifier);
        let by_id_school = |s: &str| by_id.contains_key(s);
        type Reuse<'e> = (
            String,
            Option<&'e crate::ledger::Entry>,
            Option<identifiers::ReusedInLog>,
        );
        let mut by_id: BTreeMap<String, Reuse> = BTreeMap::new();
        if let (Some(Ok(entries)), Some(idents)) = (ledger, &current) {
            let now: HashMap<&str, &str> = idents
                .iter()
                .filter(|i| i.kind == equipment)
                .map(|i| (i.id.as_str(), i.school_id.as_str()))
                .collect();
            for e in entries.iter().filter(|e| e.ident.kind == equipment) {
                if let Some(&school) = now.get(e.ident.id.as_str())
                    && school != e.ident.school_id
                    && !db.moved_to(&e.ident.id, school)?
                {
                    by_id
                        .entry(e.ident.id.clone())
                        .or_insert_with(|| (school.to_string(), None, None))
                        .1 = Some(e);
                }
            }
        }
        for r in db.reused_equipment()? {
            let (id, school) = (r.equipment_id.clone(), r.school_now.clone());
            by_id.entry(id).or_insert_with(|| (school, None, None)).2 = Some(r);
        }
        for (id, (now, e, log)) in &by_id {
            // A school that is gone or renamed is its own finding: its items
            // were not issued again.
            let earlier = e
                .map(|e| e.ident.school_id.as_str())
                .or(log.as_ref().map(|l| l.earlier_school.as_str()))
                .unwrap_or("");
            if !by_id_school(earlier) {
                continue;
            }
            emit(identifiers::reused(
                id,
                now,
                *e,
                log.as_ref(),
                &|s| name_of(s).map(str::to_string),
                severity,
            ));
        }
    }

    if complete_later {
        window.data_from = db.first_data_month(&schools)?;
    }

    let unreadable = unreadable.into_inner();
    if unreadable.count > 0 {
        notes.push(Note {
            code: "unreadable_rows".into(),
            message: Message {
                vi: format!(
                    "{} dòng dữ liệu có giá trị không đọc được (ngày, giờ, kiểu dữ liệu) nên không được đánh giá (mỗi dòng là một phát hiện data_quality; kiểm tra kết thúc với mã 1); hãy sửa dữ liệu nguồn.",
                    unreadable.count
                ),
                en: format!(
                    "{} row(s) hold values that cannot be read (dates, times, types) and were not judged (each is a data_quality finding; check exits 1); fix the source data.",
                    unreadable.count
                ),
            },
            examples: unreadable.examples,
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
    if live
        && let Some(year) = policies
            .school_years
            .years_through(until)
            .into_iter()
            .find(|y| y.provisional && y.end >= from && y.start <= until)
    {
        notes.push(Note {
            code: "school_year_provisional".into(),
            message: Message {
                vi: format!(
                    "Năm học {} chưa có trong school-years.toml: ngày đầu, cuối năm và học kỳ được suy ra từ khung thời gian của Bộ GD&ĐT và là tạm tính.",
                    year.name
                ),
                en: format!(
                    "School year {} is not in school-years.toml: its start, end and terms are derived from the ministry's frame and are provisional.",
                    year.name
                ),
            },
            examples: Vec::new(),
        });
    }

    let Emitter { tally, .. } = out.into_inner();
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
        window,
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
        unreadable_rows: unreadable.count,
    })
}

/// The findings of `strict` that the lenient school does not have.
fn a_not_b<'f>(
    strict: &'f [Finding],
    lenient: &HashSet<(Rule, Option<String>)>,
) -> Vec<&'f Finding> {
    strict
        .iter()
        .filter(|f| !lenient.contains(&(f.rule, f.period.clone())))
        .collect()
}

/// The issue of a school whose `created_at` (or closing date) has no offset
/// and whose finding `f` depends on it.
fn school_offset_issue(school: &School, f: &Finding) -> Issue {
    let (column, days) = match (school.created_strict, school.created_on) {
        (Some(early), Some(late)) => ("created_at", (early, late)),
        _ => (
            "status_changed_on",
            (
                school.status_changed_on.unwrap_or(NaiveDate::MIN),
                school.changed_strict.unwrap_or(NaiveDate::MAX),
            ),
        ),
    };
    Issue {
        problem: Problem::OffsetMissing,
        table: "schools",
        row: school.id.clone(),
        column: Some(column),
        value: None,
        school_id: Some(school.id.clone()),
        change_id: None,
        equipment_id: None,
        period: f.period.clone(),
        rules: vec![f.rule],
        possible_dates: Some(days),
        detail: format!(
            "{column} has no UTC offset: {} for {} holds for some offsets only",
            f.rule,
            f.period.as_deref().unwrap_or("")
        ),
    }
}
