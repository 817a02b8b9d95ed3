//! `missing_approval`, `late_approval`, `approval_not_by_principal` (Art. 7.2, DOMAIN.md §3).
//!
//! A school owes one approval of period `YYYY-MM` for every month from the
//! month of its `created_at` up to the month of `status_changed_on` if it
//! became inactive. Period M is due on the last day of month M + months_after
//! (`rules.toml` `[approval]`, default 1).
//!
//! Semantics chosen where DOMAIN.md is silent:
//! - `--from/--to` select the periods whose month overlaps the range;
//!   months after `--as-of` are not owed yet.
//! - Not yet due at `--as-of` (due on or after it) and not approved: no
//!   finding. An approval whose local date is after `--as-of` did not exist
//!   then: the month counts as unapproved at `--as-of`.
//! - Lateness is judged on the civil date in Vietnam of `approved_at`, like
//!   entries (an approval at 23:59 on the due day is in time).
//! - "The principal" is a `staff` row of position `principal` of the same
//!   school. Status is judged at the approval: a principal who approved and
//!   was transferred or resigned later is fine; an approval dated after the
//!   approver's `status_changed_on` (transferred, resigned, suspended) is not
//!   by the school's principal. A status change with no date is given the
//!   benefit of the doubt. An approver id missing from `staff` is not a
//!   principal.
//! - An inactive school without `status_changed_on` owes nothing we can
//!   compute; the run reports it (`data_quality`) instead of guessing.
//! - A school that closed and reopened is `active` with `status_changed_on`
//!   the day it reopened (the reference schema keeps one status and its
//!   date). When it closed is read from its own records: the day after its
//!   last change, use or approved month before the reopening. A month it
//!   spent wholly closed is owed nothing ([`School::open_in`]).
//! - An approval dated before its month ended (on or before the month's last
//!   day; for a school that closed in that month, before the day it closed)
//!   still counts: the month is neither missing nor late. It is a warning of
//!   its own, `approval_before_month_end`: what was entered after it that
//!   month was never reviewed.
//! - An `approved_at` without a UTC offset is judged when every offset from
//!   UTC−12 to UTC+14 gives the same verdict; otherwise it is a
//!   `data_quality` issue naming the row.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::Rule;
use super::database::School;
use super::finding::{ApprovalEvidence, Evidence, Finding, Message, Problem};
use super::quality::Issue;
use super::rules::Rules;
use super::text::{
    dmy, en_date, position_en, position_vi, school_en, school_vi, staff_status_en, staff_status_vi,
};
use crate::calendar::LocalDay;
use crate::calendar::Month;

/// The staff row behind `approved_by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approver {
    /// `full_name`.
    pub name: String,
    /// `position`.
    pub position: String,
    /// `school_id`.
    pub school_id: String,
    /// `status`.
    pub status: String,
    /// `status_changed_on`, when readable.
    pub status_changed_on: Option<NaiveDate>,
}

/// One `monthly_approvals` row with its approver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRow {
    /// `period` (`YYYY-MM`).
    pub period: String,
    /// `approved_by`.
    pub approved_by: String,
    /// `approved_at`, as stored.
    pub approved_at: String,
    /// The staff row, when `approved_by` names one.
    pub approver: Option<Approver>,
}

/// The months `school` owes an approval for within `from..=to` (`to` already
/// capped at `--as-of`), or `None` when there are none or they cannot be told.
/// Months a reopened school spent wholly closed are inside the range but not
/// owed: ask [`School::open_in`].
pub fn owed_months(
    school: &School,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> Option<(Month, Month)> {
    let mut first = Month::of(school.created_on?);
    if let Some(from) = from {
        first = first.max(Month::of(from));
    }
    let mut last = Month::of(to);
    if school.inactive {
        last = last.min(Month::of(school.status_changed_on?));
    }
    (first <= last).then_some((first, last))
}

/// The months of [`owed_months`] the school really owes (open for part of them).
pub fn owed(school: &School, from: Option<NaiveDate>, to: NaiveDate) -> Vec<Month> {
    let Some((mut m, last)) = owed_months(school, from, to) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while m <= last {
        if school.open_in(m) {
            out.push(m);
        }
        m = m.succ();
    }
    out
}

/// The due date of period `m`.
pub fn due(m: Month, months_after: u32) -> NaiveDate {
    m.plus(months_after).last_day()
}

/// Judges one school's approvals over the months it owes.
///
/// `rows` are the school's approvals (any order). A row whose period or
/// `approved_at` cannot be read goes to `issue` and its month is not judged;
/// so does an `approved_at` without an offset whose verdict depends on it.
pub fn judge_school(
    school: &School,
    rows: &[ApprovalRow],
    owed: &[Month],
    as_of: NaiveDate,
    rules: &Rules,
    emit: &mut dyn FnMut(Finding),
    issue: &mut dyn FnMut(Issue),
) {
    let mut by_month: BTreeMap<Month, (&ApprovalRow, Result<LocalDay, String>)> = BTreeMap::new();
    let key = |period: &str| format!("{} {period}", school.id);
    for row in rows {
        let Ok(month) = row.period.parse::<Month>() else {
            issue(
                Issue::unreadable(
                    "monthly_approvals",
                    key(&row.period),
                    Some("period"),
                    Some(row.period.clone()),
                    APPROVAL_RULES,
                    "the period is not YYYY-MM",
                )
                .school(&school.id),
            );
            continue;
        };
        let day = crate::calendar::local_day(&row.approved_at).map_err(|e| e.to_string());
        by_month.insert(month, (row, day));
    }
    let on = |rule: Rule| rules.enabled(rule);
    for &m in owed {
        let due = due(m, rules.approval.months_after);
        let (row, day) = match by_month.get(&m) {
            None => {
                if on(Rule::MissingApproval) && due < as_of {
                    emit(missing(school, m, due, rules));
                }
                continue;
            }
            Some((row, Err(e))) => {
                let mut i = Issue::unreadable(
                    "monthly_approvals",
                    key(&row.period),
                    Some("approved_at"),
                    Some(row.approved_at.clone()),
                    APPROVAL_RULES,
                    e.clone(),
                )
                .school(&school.id);
                i.period = Some(m.to_string());
                issue(i);
                continue;
            }
            Some((row, Ok(day))) => (*row, *day),
        };
        let verdict = |approved: NaiveDate| -> Vec<Finding> {
            let mut out = Vec::new();
            if approved > as_of {
                // Not made yet at --as-of: the month counts as unapproved.
                if on(Rule::MissingApproval) && due < as_of {
                    out.push(missing(school, m, due, rules));
                }
                return out;
            }
            if on(Rule::LateApproval) && approved > due {
                out.push(late(school, m, due, row, approved, rules));
            }
            if on(Rule::ApprovalNotByPrincipal)
                && let Some(f) = not_by_principal(school, m, due, row, approved, rules)
            {
                out.push(f);
            }
            out
        };
        // Early: judged on the latest day the approval can be (the one most
        // favourable to the school), so an unknown offset never turns the
        // month's other verdicts into a data-quality question.
        if on(Rule::ApprovalBeforeMonthEnd) && day.latest() <= as_of {
            // The month ends at its last day, or for a school that closed in it
            // (for good, or until it reopened), on the day it closed.
            let mut ended = m.last_day() + chrono::Duration::days(1);
            if let (true, Some(closed)) = (school.inactive, school.status_changed_on)
                && Month::of(closed) == m
            {
                ended = closed;
            }
            if let Some((closed, _)) = school.closed
                && Month::of(closed) == m
            {
                ended = ended.min(closed);
            }
            if day.latest() < ended {
                emit(early(school, m, due, row, day.latest(), rules));
            }
        }
        let first = verdict(day.earliest());
        if day.is_unsure() {
            let rules_of = |v: &[Finding]| v.iter().map(|f| f.rule).collect::<Vec<_>>();
            let last = verdict(day.latest());
            if rules_of(&first) != rules_of(&last) {
                issue(Issue {
                    problem: Problem::OffsetMissing,
                    table: "monthly_approvals",
                    row: key(&row.period),
                    column: Some("approved_at"),
                    value: Some(row.approved_at.clone()),
                    school_id: Some(school.id.clone()),
                    change_id: None,
                    equipment_id: None,
                    period: Some(m.to_string()),
                    rules: APPROVAL_RULES.to_vec(),
                    possible_dates: Some((day.earliest(), day.latest())),
                    detail: format!(
                        "approved {}..{} in Vietnam depending on the offset; due {due}: the verdict differs",
                        day.earliest(),
                        day.latest()
                    ),
                });
                continue;
            }
        }
        for f in first {
            emit(f);
        }
    }
}

/// The rules a monthly approval row is judged by.
pub const APPROVAL_RULES: &[Rule] = &[
    Rule::MissingApproval,
    Rule::LateApproval,
    Rule::ApprovalNotByPrincipal,
    Rule::ApprovalBeforeMonthEnd,
];

fn evidence(m: Month, due: NaiveDate, row: Option<(&ApprovalRow, NaiveDate)>) -> ApprovalEvidence {
    let approver = row.and_then(|(r, _)| r.approver.as_ref());
    ApprovalEvidence {
        period: m.to_string(),
        due,
        approved_at: row.map(|(r, _)| r.approved_at.clone()),
        approved_local_date: row.map(|(_, d)| d),
        days_late: row.map(|(_, d)| (d - due).num_days()).filter(|&n| n > 0),
        approved_by: row.map(|(r, _)| r.approved_by.clone()),
        approver_name: approver.map(|a| a.name.clone()),
        position: approver.map(|a| a.position.clone()),
        approver_school_id: approver.map(|a| a.school_id.clone()),
        approver_status: approver.map(|a| a.status.clone()),
        approver_status_changed_on: approver.and_then(|a| a.status_changed_on),
    }
}

fn finding(
    rule: Rule,
    school: &School,
    m: Month,
    message: Message,
    e: ApprovalEvidence,
    rules: &Rules,
) -> Finding {
    Finding {
        rule,
        provisional: false,
        severity: rules.severity(rule),
        school_id: Some(school.id.clone()),
        change_id: None,
        equipment_id: None,
        period: Some(m.to_string()),
        subject: Some(school.id.clone()),
        message,
        evidence: Evidence::Approval(e),
    }
}

fn missing(school: &School, m: Month, due: NaiveDate, rules: &Rules) -> Finding {
    let message = Message {
        vi: format!(
            "{}: dữ liệu cập nhật tháng {} chưa được Thủ trưởng đơn vị phê duyệt; hạn phê duyệt là {}. Hiệu trưởng cần phê duyệt dữ liệu tháng này ngay (Điều 7.2 QĐ 146/QĐ-GDĐT).",
            school_vi(&school.id, Some(&school.name)),
            m.vi(),
            dmy(due)
        ),
        en: format!(
            "{}: the updates of {} have not been approved by the head of school; they were due by {}. The principal should approve that month now (Art. 7.2).",
            school_en(&school.id, Some(&school.name)),
            m.en(),
            en_date(due)
        ),
    };
    finding(
        Rule::MissingApproval,
        school,
        m,
        message,
        evidence(m, due, None),
        rules,
    )
}

/// An approval dated within (or before) the month it approves: it counts,
/// but what was entered after it that month was never approved.
fn early(
    school: &School,
    m: Month,
    due: NaiveDate,
    row: &ApprovalRow,
    approved: NaiveDate,
    rules: &Rules,
) -> Finding {
    let message = Message {
        vi: format!(
            "{}: dữ liệu tháng {} được phê duyệt ngày {}, trước khi tháng kết thúc ({}): việc phê duyệt được tính, nhưng các cập nhật sau ngày đó trong tháng chưa được Thủ trưởng xem xét. Phê duyệt sau khi tháng kết thúc và trước hạn {} (Điều 7.2 QĐ 146/QĐ-GDĐT).",
            school_vi(&school.id, Some(&school.name)),
            m.vi(),
            dmy(approved),
            dmy(m.last_day()),
            dmy(due)
        ),
        en: format!(
            "{}: the updates of {} were approved on {}, before the month ended ({}): the approval counts, but what was entered after it that month was never reviewed. Approve after the month ends and by {} (Art. 7.2).",
            school_en(&school.id, Some(&school.name)),
            m.en(),
            en_date(approved),
            en_date(m.last_day()),
            en_date(due)
        ),
    };
    finding(
        Rule::ApprovalBeforeMonthEnd,
        school,
        m,
        message,
        evidence(m, due, Some((row, approved))),
        rules,
    )
}

fn late(
    school: &School,
    m: Month,
    due: NaiveDate,
    row: &ApprovalRow,
    approved: NaiveDate,
    rules: &Rules,
) -> Finding {
    let days = (approved - due).num_days();
    let message = Message {
        vi: format!(
            "{}: dữ liệu tháng {} được phê duyệt ngày {}, trễ {days} ngày so với hạn {}. Thủ trưởng đơn vị cần phê duyệt dữ liệu hằng tháng đúng hạn (Điều 7.2 QĐ 146/QĐ-GDĐT).",
            school_vi(&school.id, Some(&school.name)),
            m.vi(),
            dmy(approved),
            dmy(due)
        ),
        en: format!(
            "{}: the updates of {} were approved on {}, {days} days after the due date {}. The head of school must approve each month on time (Art. 7.2).",
            school_en(&school.id, Some(&school.name)),
            m.en(),
            en_date(approved),
            en_date(due)
        ),
    };
    finding(
        Rule::LateApproval,
        school,
        m,
        message,
        evidence(m, due, Some((row, approved))),
        rules,
    )
}

fn not_by_principal(
    school: &School,
    m: Month,
    due: NaiveDate,
    row: &ApprovalRow,
    approved: NaiveDate,
    rules: &Rules,
) -> Option<Finding> {
    let (who_vi, who_en) = match &row.approver {
        None => (
            format!(
                "mã cán bộ {} (không có trong danh sách cán bộ)",
                row.approved_by
            ),
            format!("staff id {} (not in the staff table)", row.approved_by),
        ),
        Some(a) if a.position != "principal" => (
            format!(
                "{} (mã {}, {})",
                a.name,
                row.approved_by,
                position_vi(&a.position)
            ),
            format!(
                "{} (id {}, {})",
                a.name,
                row.approved_by,
                position_en(&a.position)
            ),
        ),
        Some(a) if a.school_id != school.id => (
            format!(
                "{} (mã {}), Hiệu trưởng của đơn vị khác (mã {})",
                a.name, row.approved_by, a.school_id
            ),
            format!(
                "{} (id {}), principal of another school ({})",
                a.name, row.approved_by, a.school_id
            ),
        ),
        Some(a) => match a.status_changed_on {
            Some(since) if a.status != "working" && approved > since => (
                format!(
                    "{} (mã {}), Hiệu trưởng {} từ ngày {}",
                    a.name,
                    row.approved_by,
                    staff_status_vi(&a.status),
                    dmy(since)
                ),
                format!(
                    "{} (id {}), a principal {} since {}",
                    a.name,
                    row.approved_by,
                    staff_status_en(&a.status),
                    en_date(since)
                ),
            ),
            _ => return None,
        },
    };
    let message = Message {
        vi: format!(
            "{}: dữ liệu tháng {} được phê duyệt ngày {} bởi {}, không phải Hiệu trưởng (Thủ trưởng) đương nhiệm của đơn vị. Hiệu trưởng cần tự phê duyệt dữ liệu hằng tháng (Điều 7.2 QĐ 146/QĐ-GDĐT).",
            school_vi(&school.id, Some(&school.name)),
            m.vi(),
            dmy(approved),
            who_vi
        ),
        en: format!(
            "{}: the updates of {} were approved on {} by {}, who is not the school's serving principal (head of school). The principal must approve each month personally (Art. 7.2).",
            school_en(&school.id, Some(&school.name)),
            m.en(),
            en_date(approved),
            who_en
        ),
    };
    Some(finding(
        Rule::ApprovalNotByPrincipal,
        school,
        m,
        message,
        evidence(m, due, Some((row, approved))),
        rules,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policies;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn school(inactive: Option<NaiveDate>) -> School {
        School {
            inactive: inactive.is_some(),
            status_changed_on: inactive,
            ..School::new("S1", "Trường Tiểu học A", Some(d(2024, 9, 15)))
        }
    }

    fn principal(status: &str, since: Option<NaiveDate>) -> Option<Approver> {
        Some(Approver {
            name: "Nguyễn Văn A".into(),
            position: "principal".into(),
            school_id: "S1".into(),
            status: status.into(),
            status_changed_on: since,
        })
    }

    fn approval(period: &str, at: &str, approver: Option<Approver>) -> ApprovalRow {
        ApprovalRow {
            period: period.into(),
            approved_by: "P1".into(),
            approved_at: at.into(),
            approver,
        }
    }

    fn run(school: &School, rows: &[ApprovalRow], as_of: NaiveDate) -> Vec<(Rule, String)> {
        let rules = Policies::built_in().unwrap().rules;
        let mut out = Vec::new();
        judge_school(
            school,
            rows,
            &owed(school, None, as_of),
            as_of,
            &rules,
            &mut |f| out.push((f.rule, f.period.unwrap())),
            &mut |b| panic!("{b:?}"),
        );
        out
    }

    #[test]
    fn owed_from_the_creation_month_due_at_the_end_of_the_next() {
        let s = school(None);
        let rows = [
            approval(
                "2024-09",
                "2024-10-31T23:59:00+07:00",
                principal("working", None),
            ),
            approval(
                "2024-10",
                "2024-11-01T00:00:00Z",
                principal("working", None),
            ),
        ];
        // November is due 31 Dec: not yet on 31 Dec, missing on 1 Jan.
        assert_eq!(run(&s, &rows, d(2024, 12, 31)), vec![]);
        assert_eq!(
            run(&s, &rows, d(2025, 1, 1)),
            vec![(Rule::MissingApproval, "2024-11".into())]
        );
    }

    #[test]
    fn late_and_not_by_principal_are_both_reported() {
        let s = school(None);
        let vice = Some(Approver {
            position: "vice_principal".into(),
            ..principal("working", None).unwrap()
        });
        let rows = [
            approval(
                "2024-09",
                "2024-11-01T08:00:00+07:00",
                principal("working", None),
            ),
            approval("2024-10", "2024-12-01T08:00:00+07:00", vice),
        ];
        assert_eq!(
            run(&s, &rows, d(2024, 12, 15)),
            vec![
                (Rule::LateApproval, "2024-09".into()),
                (Rule::LateApproval, "2024-10".into()),
                (Rule::ApprovalNotByPrincipal, "2024-10".into()),
            ]
        );
    }

    #[test]
    fn a_principal_judged_at_the_approval_date() {
        let s = school(None);
        let rows = [
            // Transferred later: fine.
            approval(
                "2024-09",
                "2024-10-05T08:00:00+07:00",
                principal("transferred", Some(d(2024, 10, 20))),
            ),
            // Approved after resigning: not the serving principal.
            approval(
                "2024-10",
                "2024-11-05T08:00:00+07:00",
                principal("resigned", Some(d(2024, 10, 31))),
            ),
        ];
        assert_eq!(
            run(&s, &rows, d(2024, 11, 30)),
            vec![(Rule::ApprovalNotByPrincipal, "2024-10".into())]
        );
    }

    #[test]
    fn nothing_is_owed_after_a_school_closes() {
        let s = school(Some(d(2024, 10, 10)));
        let rows = [approval(
            "2024-09",
            "2024-10-05T08:00:00+07:00",
            principal("working", None),
        )];
        assert_eq!(
            run(&s, &rows, d(2025, 6, 1)),
            vec![(Rule::MissingApproval, "2024-10".into())]
        );
        let unknown = School {
            status_changed_on: None,
            ..s
        };
        assert_eq!(owed_months(&unknown, None, d(2025, 6, 1)), None);
        assert!(owed(&unknown, None, d(2025, 6, 1)).is_empty());
    }

    /// Issue 14: a school that closed and reopened was owed approvals for
    /// the months it was closed.
    #[test]
    fn a_reopened_school_owes_nothing_for_the_months_it_was_closed() {
        // Last record on 10 Nov 2024, reopened on 3 Mar 2025: closed from
        // 11 Nov 2024 to 2 Mar 2025. November (open until the 10th) and
        // March (open from the 3rd) are owed; December to February are not.
        let s = School {
            status_changed_on: Some(d(2025, 3, 3)),
            closed: Some((d(2024, 11, 11), d(2025, 3, 2))),
            ..school(None)
        };
        // Each approved early the next month.
        let rows: Vec<ApprovalRow> = [("2024-09", "2024-10"), ("2024-10", "2024-11")]
            .iter()
            .map(|(p, next)| {
                approval(
                    p,
                    &format!("{next}-02T08:00:00+07:00"),
                    principal("working", None),
                )
            })
            .collect();
        assert_eq!(
            run(&s, &rows, d(2025, 5, 1)),
            vec![
                (Rule::MissingApproval, "2024-11".into()),
                (Rule::MissingApproval, "2025-03".into()),
            ]
        );
    }

    /// Issue 29: `status_changed_on` of a principal who left is their last day
    /// in office: an approval made that day is theirs; one the next day is not.
    #[test]
    fn a_principal_signs_on_the_day_their_status_changed_and_not_after() {
        let s = school(None);
        let on_the_day = [
            approval(
                "2024-09",
                "2024-10-04T09:00:00+07:00",
                principal("working", None),
            ),
            approval(
                "2024-10",
                "2024-11-04T09:00:00+07:00",
                principal("transferred", Some(d(2024, 11, 4))),
            ),
        ];
        assert_eq!(run(&s, &on_the_day, d(2024, 12, 1)), vec![]);
        let the_day_after = [
            approval(
                "2024-09",
                "2024-10-04T09:00:00+07:00",
                principal("working", None),
            ),
            approval(
                "2024-10",
                "2024-11-05T09:00:00+07:00",
                principal("transferred", Some(d(2024, 11, 4))),
            ),
        ];
        assert_eq!(
            run(&s, &the_day_after, d(2024, 12, 1)),
            vec![(Rule::ApprovalNotByPrincipal, "2024-10".into())]
        );
    }

    /// Issue 29: an approval without an offset late on the month's last day may
    /// be early or not: the early warning takes the day most favourable to the
    /// school, and the month's other verdicts are judged as usual.
    #[test]
    fn an_approval_without_offset_at_the_months_end_is_no_data_quality_question() {
        let s = school(None);
        let rows = [approval(
            "2024-09",
            "2024-09-30 20:00:00",
            principal("working", None),
        )];
        let rules = Policies::built_in().unwrap().rules;
        let (mut found, mut issues) = (Vec::new(), Vec::new());
        judge_school(
            &s,
            &rows,
            &owed(&s, None, d(2024, 10, 31)),
            d(2024, 10, 31),
            &rules,
            &mut |f| found.push(f.rule),
            &mut |i| issues.push(i),
        );
        assert!(issues.is_empty(), "{issues:?}");
        assert!(found.is_empty(), "{found:?}");
    }

    /// Issue 29: an approval recorded before its month ended counts (the month
    /// is neither missing nor late) and is a warning of its own.
    #[test]
    fn an_approval_before_its_month_ended_counts_and_is_a_warning() {
        let s = school(None);
        let rows = [
            approval(
                "2024-09",
                "2024-09-30T16:00:00+07:00",
                principal("working", None),
            ),
            approval(
                "2024-10",
                "2024-11-01T08:00:00+07:00",
                principal("working", None),
            ),
        ];
        let found = run(&s, &rows, d(2024, 12, 15));
        assert_eq!(
            found,
            vec![(Rule::ApprovalBeforeMonthEnd, "2024-09".into())],
            "no missing or late approval for September"
        );
    }

    #[test]
    fn an_approval_without_offset_is_judged_when_the_offset_cannot_change_it() {
        let s = school(None);
        let rows = [
            // Early in the next month: in time whatever the offset.
            approval("2024-09", "2024-10-05T09:00:00", principal("working", None)),
            // 20:00 on the due day: 30 Nov or 1 Dec in Vietnam: not judged.
            approval("2024-10", "2024-11-30T20:00:00", principal("working", None)),
        ];
        let rules = Policies::built_in().unwrap().rules;
        let (mut found, mut issues) = (Vec::new(), Vec::new());
        judge_school(
            &s,
            &rows,
            &owed(&s, None, d(2025, 1, 5)),
            d(2025, 1, 5),
            &rules,
            &mut |f| found.push(f.period.unwrap()),
            &mut |i| issues.push(i),
        );
        assert_eq!(
            found,
            vec!["2024-11".to_string()],
            "only November is missing"
        );
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].problem, Problem::OffsetMissing);
        assert_eq!(issues[0].period.as_deref(), Some("2024-10"));
        assert_eq!(issues[0].row, "S1 2024-10");
    }

    #[test]
    fn an_approval_made_after_as_of_did_not_exist_then() {
        let s = school(None);
        let rows = [approval(
            "2024-09",
            "2024-11-10T08:00:00+07:00",
            principal("working", None),
        )];
        assert_eq!(
            run(&s, &rows, d(2024, 11, 5)),
            vec![(Rule::MissingApproval, "2024-09".into())]
        );
    }
}
