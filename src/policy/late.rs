//! `late_update` (Art. 7.3): a change entered more than N working days after it happened.
//!
//! deadline = the Nth working day strictly after `occurred_on` (Civil Code
//! 2015, Art. 147: the day of the event is not counted); late ⇔ the civil
//! date in Vietnam (UTC+7) of `recorded_at` is after the deadline (Art. 148:
//! the period ends at 24:00 of its last day). DOMAIN.md §2.
//!
//! Semantics chosen where DOMAIN.md is silent:
//! - `--as-of`: a change whose deadline is on or after `--as-of` is not yet
//!   due, so it is never a finding, even if entered later; a change whose
//!   deadline passed before `--as-of` and that was entered after it is late.
//! - A row whose dates cannot be read is not judged (a wrong guess would
//!   accuse or excuse a school); the run notes how many and the first one.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};

use super::finding::{Evidence, Finding, LateUpdateEvidence, Message, OfficeDayRef, Problem};
use super::quality::Issue;
use super::text::{
    change_kind_vi, dmy, en_date, provisional_en, provisional_vi, school_en, school_vi,
};
use super::{Rule, Severity};
use crate::calendar::{CalendarError, LocalDay, WorkCalendar};

/// One `equipment_changes` row, borrowed from the statement that read it.
#[derive(Debug, Clone, Copy)]
pub struct ChangeRow<'a> {
    /// `change_id`.
    pub change_id: i64,
    /// `equipment_id`.
    pub equipment_id: &'a str,
    /// `school_id`.
    pub school_id: &'a str,
    /// `kind`.
    pub kind: &'a str,
    /// `occurred_on` (YYYY-MM-DD).
    pub occurred_on: &'a str,
    /// `recorded_at` (RFC 3339).
    pub recorded_at: &'a str,
    /// `recorded_by`.
    pub recorded_by: Option<&'a str>,
}

/// Judges change rows one at a time, remembering each date's deadline so a
/// million rows cost a million lookups, not ten million calendar steps.
/// Memory grows with the number of distinct dates, never with rows.
pub struct LateUpdates<'a> {
    calendar: &'a WorkCalendar,
    working_days: u32,
    as_of: NaiveDate,
    severity: Severity,
    deadlines: HashMap<NaiveDate, NaiveDate>,
    from: Option<NaiveDate>,
    to: NaiveDate,
    strict: bool,
}

/// How many days past a deadline counted on a proposed calendar the verdict
/// stays provisional.
pub const PROVISIONAL_DAYS: i64 = 7;

impl<'a> LateUpdates<'a> {
    /// A judge for `working_days` (10) at `as_of`.
    pub fn new(
        calendar: &'a WorkCalendar,
        working_days: u32,
        as_of: NaiveDate,
        severity: Severity,
    ) -> Self {
        LateUpdates {
            calendar,
            working_days,
            as_of,
            severity,
            deadlines: HashMap::new(),
            from: None,
            to: NaiveDate::MAX,
            strict: false,
        }
    }

    /// Provisional findings (a deadline counted across a year whose schedule
    /// is not published) keep the rule's severity instead of being warnings.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Only changes that occurred within `from..=to` (`--from/--to`) are judged.
    pub fn within(mut self, from: Option<NaiveDate>, to: NaiveDate) -> Self {
        self.from = from;
        self.to = to;
        self
    }

    /// The deadline of a change on `occurred_on`.
    pub fn deadline(&mut self, occurred_on: NaiveDate) -> NaiveDate {
        *self.deadlines.entry(occurred_on).or_insert_with(|| {
            self.calendar
                .nth_working_day_after(occurred_on, self.working_days)
        })
    }

    /// Whether the change of a row, on `occurred`, recorded on `recorded`,
    /// is a late entry judged at `--as-of` within the window.
    fn late(&mut self, occurred: NaiveDate, recorded: NaiveDate) -> bool {
        if occurred > self.to || self.from.is_some_and(|from| occurred < from) {
            return false;
        }
        // Each working day is at least one calendar day: no need to look the
        // deadline up for the many rows entered within N days.
        if recorded <= occurred + Days::new(u64::from(self.working_days)) {
            return false;
        }
        let deadline = self.deadline(occurred);
        recorded > deadline && deadline < self.as_of
    }

    /// The verdict on `row`; `school_name` names the school.
    ///
    /// A date without a UTC offset is judged when every offset from UTC−12
    /// to UTC+14 gives the same verdict (the finding then carries the dates
    /// most favourable to the school); otherwise the row is a `data_quality`
    /// issue. So is a change recorded before it occurred, and a value that
    /// cannot be read: no row leaves the rule silently.
    pub fn judge(&mut self, row: &ChangeRow<'_>, school_name: Option<&str>) -> Judged {
        let issue = |problem: Problem, column: &'static str, value: &str, detail: String| Issue {
            problem,
            table: "equipment_changes",
            row: row.change_id.to_string(),
            column: Some(column),
            value: Some(value.to_string()),
            school_id: Some(row.school_id.to_string()),
            change_id: Some(row.change_id),
            equipment_id: Some(row.equipment_id.to_string()),
            period: None,
            rules: vec![Rule::LateUpdate],
            possible_dates: None,
            detail,
        };
        let occurred = match crate::calendar::local_day(row.occurred_on) {
            Ok(d) => d,
            Err(e) => {
                return Judged::Issue(issue(
                    Problem::Unreadable,
                    "occurred_on",
                    row.occurred_on,
                    e.to_string(),
                ));
            }
        };
        let (occ_lo, occ_hi) = (occurred.earliest(), occurred.latest());
        if occ_lo > self.to || self.from.is_some_and(|from| occ_hi < from) {
            return Judged::Nothing;
        }
        let recorded = match local_day_fast(row.recorded_at) {
            Ok(d) => d,
            Err(e) => {
                return Judged::Issue(issue(
                    Problem::Unreadable,
                    "recorded_at",
                    row.recorded_at,
                    e.to_string(),
                ));
            }
        };
        let (rec_lo, rec_hi) = (recorded.earliest(), recorded.latest());
        if rec_hi < occ_lo {
            return Judged::Issue(issue(
                Problem::RecordedBeforeOccurred,
                "recorded_at",
                row.recorded_at,
                format!("recorded on {rec_hi} (in Vietnam), before it occurred on {occ_lo}"),
            ));
        }
        // The lenient case (latest occurrence, earliest entry) and the strict
        // one; the window bounds the occurrence, so the mixed pairs count too.
        let mut verdicts = Vec::with_capacity(4);
        for o in [occ_hi, occ_lo] {
            for r in [rec_lo, rec_hi] {
                verdicts.push(self.late(o, r));
                if !occurred.is_unsure() && !recorded.is_unsure() {
                    break;
                }
            }
            if !occurred.is_unsure() {
                break;
            }
        }
        if verdicts.iter().all(|&v| !v) {
            return Judged::Nothing;
        }
        if verdicts.iter().all(|&v| v) {
            let deadline = self.deadline(occ_hi);
            return Judged::Finding(self.finding(
                row,
                school_name,
                occ_hi,
                rec_lo,
                deadline,
                occurred.is_unsure() || recorded.is_unsure(),
            ));
        }
        let (column, value, days) = if recorded.is_unsure() {
            ("recorded_at", row.recorded_at, (rec_lo, rec_hi))
        } else {
            ("occurred_on", row.occurred_on, (occ_lo, occ_hi))
        };
        let (first, last) = (self.deadline(occ_lo), self.deadline(occ_hi));
        let mut i = issue(
            Problem::OffsetMissing,
            column,
            value,
            format!(
                "occurred {occ_lo}..{occ_hi} and entered {rec_lo}..{rec_hi} in Vietnam, depending on the offset: late for some offsets, on time for others (deadline {first}..{last})"
            ),
        );
        i.possible_dates = Some(days);
        Judged::Issue(i)
    }

    fn finding(
        &self,
        row: &ChangeRow<'_>,
        school_name: Option<&str>,
        occurred_on: NaiveDate,
        recorded: NaiveDate,
        deadline: NaiveDate,
        offset_missing: bool,
    ) -> Finding {
        let taken = occurred_on
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= recorded)
            .filter(|d| self.calendar.is_working_day(*d))
            .count() as u32;
        // Provisional when a day the deadline was counted across lies in a
        // year without a published schedule (and was not declared by the
        // office): the days after the deadline decide nothing.
        let proposed_years = self.calendar.proposed_years_between(occurred_on, deadline);
        let office_days: Vec<OfficeDayRef> = self
            .calendar
            .office_days_between(occurred_on, deadline)
            .into_iter()
            .map(|d| OfficeDayRef {
                date: d.date,
                off: d.off,
                reason: d.reason.clone(),
                source: d.source.clone(),
            })
            .collect();
        let (office_vi, office_en) = office_note(&office_days);
        let (offset_vi, offset_en) = if offset_missing {
            (
                " Thời điểm không ghi múi giờ, nhưng trễ với mọi múi giờ; ngày nêu trên là ngày có lợi nhất cho đơn vị.",
                " The time has no UTC offset, but the entry is late whatever the offset; the dates above are the most favourable to the school.",
            )
        } else {
            ("", "")
        };
        let n = self.working_days;
        let days_late = (recorded - deadline).num_days();
        let vi = format!(
            "{}: thay đổi số {} ({}) của thiết bị {} phát sinh ngày {} nhưng đến ngày {} mới được cập nhật vào cơ sở dữ liệu, quá thời hạn {n} ngày làm việc (hạn cuối {}{}{office_vi}; đã dùng {taken} ngày làm việc, trễ {days_late} ngày). Mọi thay đổi, bổ sung phải được cập nhật trong vòng {n} ngày làm việc (Điều 7.3 QĐ 146/QĐ-GDĐT): nhắc người phụ trách thiết bị cập nhật kịp thời.{offset_vi}",
            school_vi(row.school_id, school_name),
            row.change_id,
            change_kind_vi(row.kind),
            row.equipment_id,
            dmy(occurred_on),
            dmy(recorded),
            dmy(deadline),
            provisional_vi(&proposed_years),
        );
        let en = format!(
            "{}: change {} ({}) to equipment {} happened on {} but was entered on {}, after the {n}-working-day limit (deadline {}{}{office_en}; {taken} working days taken, {days_late} days late). Every change must be entered within {n} working days (Art. 7.3): remind the equipment officer to enter changes promptly.{offset_en}",
            school_en(row.school_id, school_name),
            row.change_id,
            row.kind,
            row.equipment_id,
            en_date(occurred_on),
            en_date(recorded),
            en_date(deadline),
            provisional_en(&proposed_years),
        );
        // A verdict on a proposed calendar is a warning until the year's
        // schedule is out (unless strict), where it may yet change: an entry
        // within a week of its deadline (a published schedule moves a
        // 10-working-day deadline by a few days at most: bridge days, swaps).
        // Later than that it is late whatever the schedule says.
        let provisional = !proposed_years.is_empty() && days_late <= PROVISIONAL_DAYS;
        Finding {
            rule: Rule::LateUpdate,
            provisional,
            severity: if provisional && !self.strict {
                Severity::Warning
            } else {
                self.severity
            },
            school_id: Some(row.school_id.to_string()),
            change_id: Some(row.change_id),
            equipment_id: Some(row.equipment_id.to_string()),
            period: None,
            subject: Some(row.equipment_id.to_string()),
            message: Message { vi, en },
            evidence: Evidence::LateUpdate(LateUpdateEvidence {
                kind: row.kind.to_string(),
                occurred_on,
                recorded_at: row.recorded_at.to_string(),
                recorded_local_date: recorded,
                recorded_by: row.recorded_by.map(str::to_string),
                deadline,
                working_days_allowed: n,
                working_days_taken: taken,
                days_late,
                calendar_proposed: !proposed_years.is_empty(),
                proposed_years,
                office_days,
                offset_missing,
            }),
        }
    }
}

/// What a row of the change log came to.
#[derive(Debug)]
pub enum Judged {
    /// On time, not yet due, or outside the window.
    Nothing,
    /// Late.
    Finding(Finding),
    /// Not judged as it stands: a `data_quality` issue.
    Issue(Issue),
}

/// "; counting the office's days: 24/11/2026 nghỉ (Ngày Văn hóa Việt Nam, CV 123)".
fn office_note(days: &[OfficeDayRef]) -> (String, String) {
    if days.is_empty() {
        return (String::new(), String::new());
    }
    let vi: Vec<String> = days
        .iter()
        .map(|d| {
            format!(
                "{} {} ({}; {})",
                dmy(d.date),
                if d.off { "nghỉ" } else { "làm việc" },
                d.reason,
                d.source
            )
        })
        .collect();
    let en: Vec<String> = days
        .iter()
        .map(|d| {
            format!(
                "{} {} ({}; {})",
                en_date(d.date),
                if d.off { "off" } else { "worked" },
                d.reason,
                d.source
            )
        })
        .collect();
    (
        format!("; tính cả ngày đơn vị khai báo: {}", vi.join(", ")),
        format!("; counting the office's own days: {}", en.join(", ")),
    )
}

/// The civil date in Vietnam of a stored timestamp (or the dates it can be
/// on, without an offset). The reference schema
/// writes `YYYY-MM-DDTHH:MM:SS+07:00`, whose local date is its first ten
/// characters; that shape is read directly (millions of rows), anything
/// else goes through [`crate::calendar::local_date`].
///
/// # Errors
/// As [`crate::calendar::local_date`].
pub fn local_day_fast(ts: &str) -> Result<LocalDay, CalendarError> {
    match local_date_fast(ts) {
        Ok(d) => Ok(LocalDay::Exact(d)),
        Err(_) => crate::calendar::local_day(ts),
    }
}

/// [`local_day_fast`] for timestamps with an offset only.
///
/// # Errors
/// As [`crate::calendar::local_date`].
pub fn local_date_fast(ts: &str) -> Result<NaiveDate, CalendarError> {
    let b = ts.as_bytes();
    let shape = b.len() == 25
        && b.ends_with(b"+07:00")
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    if shape {
        let num = |r: std::ops::Range<usize>| {
            b[r].iter()
                .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'))
        };
        let time_ok = num(11..13) < 24 && num(14..16) < 60 && num(17..19) < 60;
        if time_ok
            && let Some(date) = NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10))
        {
            return Ok(date);
        }
    }
    crate::calendar::local_date(ts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policies;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn row<'a>(occurred_on: &'a str, recorded_at: &'a str) -> ChangeRow<'a> {
        ChangeRow {
            change_id: 7,
            equipment_id: "TB0001",
            school_id: "79761003",
            kind: "acquired",
            occurred_on,
            recorded_at,
            recorded_by: Some("GV01"),
        }
    }

    fn judged(occurred_on: &str, recorded_at: &str) -> Judged {
        let p = Policies::built_in().unwrap();
        let mut j = LateUpdates::new(&p.calendar, 10, d(2030, 1, 1), Severity::Violation);
        j.judge(&row(occurred_on, recorded_at), Some("Trường THCS A"))
    }

    fn judge(occurred_on: &str, recorded_at: &str) -> Option<Finding> {
        match judged(occurred_on, recorded_at) {
            Judged::Finding(f) => Some(f),
            Judged::Nothing => None,
            Judged::Issue(i) => panic!("{i:?}"),
        }
    }

    fn issue(occurred_on: &str, recorded_at: &str) -> Issue {
        match judged(occurred_on, recorded_at) {
            Judged::Issue(i) => i,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tet_2025_on_the_deadline_is_on_time_the_next_day_is_late() {
        // DOMAIN.md §2: change Fri 24 Jan 2025 → deadline Fri 14 Feb 2025.
        assert!(judge("2025-01-24", "2025-02-14T23:59:59+07:00").is_none());
        let found = judge("2025-01-24", "2025-02-15T08:00:00+07:00").unwrap();
        let Evidence::LateUpdate(e) = &found.evidence else {
            panic!()
        };
        assert_eq!(e.deadline, d(2025, 2, 14));
        assert_eq!(e.recorded_local_date, d(2025, 2, 15));
        assert_eq!(e.working_days_taken, 10, "a Saturday is not a working day");
        assert_eq!(e.days_late, 1);
        assert!(!e.calendar_proposed);
        assert!(
            found.message.vi.contains("14/02/2025"),
            "{}",
            found.message.vi
        );
        assert!(found.message.vi.contains("Trường THCS A (mã 79761003)"));
    }

    #[test]
    fn the_local_date_decides_not_the_utc_date() {
        // 16:59Z on the 14th is 23:59 on the 14th in Vietnam: on time.
        assert!(judge("2025-01-24", "2025-02-14T16:59:00Z").is_none());
        // 17:30Z on the 14th is 00:30 on the 15th in Vietnam: late.
        assert!(judge("2025-01-24", "2025-02-14T17:30:00Z").is_some());
    }

    #[test]
    fn not_yet_due_at_as_of_is_no_finding() {
        let p = Policies::built_in().unwrap();
        let mut j = LateUpdates::new(&p.calendar, 10, d(2025, 2, 14), Severity::Violation);
        let r = row("2025-01-24", "2025-03-01T08:00:00+07:00");
        assert!(matches!(j.judge(&r, None), Judged::Nothing));
        let mut j = LateUpdates::new(&p.calendar, 10, d(2025, 2, 15), Severity::Violation);
        assert!(matches!(j.judge(&r, None), Judged::Finding(_)));
    }

    #[test]
    fn a_year_without_a_schedule_is_flagged_provisional() {
        let found = judge("2027-03-01", "2027-04-30T08:00:00+07:00").unwrap();
        let Evidence::LateUpdate(e) = &found.evidence else {
            panic!()
        };
        assert_eq!(e.proposed_years, vec![2027]);
        assert!(found.message.en.contains("provisional"));
    }

    #[test]
    fn unreadable_dates_are_issues_not_guesses() {
        let i = issue("24/01/2025", "2025-02-15T08:00:00+07:00");
        assert_eq!(
            (i.problem, i.column),
            (Problem::Unreadable, Some("occurred_on"))
        );
        let i = issue("2025-01-24", "hôm qua");
        assert_eq!(
            (i.problem, i.column),
            (Problem::Unreadable, Some("recorded_at"))
        );
        assert_eq!(i.change_id, Some(7));
    }

    /// Issue 14: a change entered 108 days late without an offset was not judged.
    #[test]
    fn a_timestamp_without_offset_is_judged_when_every_offset_gives_the_same_verdict() {
        // 108 days late: late whatever the offset; the most favourable date is cited.
        let f = judge("2025-01-24", "2025-06-02T08:00:00").unwrap();
        let Evidence::LateUpdate(e) = &f.evidence else {
            panic!()
        };
        assert!(e.offset_missing);
        assert_eq!(e.recorded_local_date, d(2025, 6, 2));
        assert!(
            f.message.en.contains("whatever the offset"),
            "{}",
            f.message.en
        );
        // Entered the next day: on time whatever the offset.
        assert!(judge("2025-01-24", "2025-01-25T08:00:00").is_none());
        // At 20:00 on the deadline (14 Feb), it is 14 Feb in Vietnam if written
        // at UTC+7 or east, 15 Feb (late) if written at UTC−12: not judged.
        let i = issue("2025-01-24", "2025-02-14T20:00:00");
        assert_eq!(i.problem, Problem::OffsetMissing);
        assert_eq!(i.column, Some("recorded_at"));
        assert_eq!(i.possible_dates, Some((d(2025, 2, 14), d(2025, 2, 15))));
        assert_eq!(i.rules, vec![Rule::LateUpdate]);
    }

    /// Issue 14: a recorded_at before occurred_on was accepted silently.
    #[test]
    fn a_change_recorded_before_it_occurred_is_a_data_quality_issue() {
        let i = issue("2025-03-10", "2025-03-01T08:00:00+07:00");
        assert_eq!(i.problem, Problem::RecordedBeforeOccurred);
        assert_eq!(i.row, "7");
        // The same day is fine.
        assert!(judge("2025-03-10", "2025-03-10T07:00:00+07:00").is_none());
    }

    #[test]
    fn proposed_years_are_the_years_the_deadline_crossed() {
        // A change in December 2026 entered in 2027: the deadline (8 Jan
        // 2027) crosses 2027, which has no file.
        let f = judge("2026-12-24", "2027-03-01T08:00:00+07:00").unwrap();
        let Evidence::LateUpdate(e) = &f.evidence else {
            panic!()
        };
        assert_eq!(e.deadline, d(2027, 1, 8));
        assert_eq!(e.proposed_years, vec![2027]);
        // Issue 14: a change in 2026 entered late in 2027, whose deadline
        // stays in 2026, was marked provisional because of the entry's year.
        let f = judge("2026-11-02", "2027-02-01T08:00:00+07:00").unwrap();
        let Evidence::LateUpdate(e) = &f.evidence else {
            panic!()
        };
        assert_eq!(e.deadline, d(2026, 11, 16));
        assert!(e.proposed_years.is_empty(), "{:?}", e.proposed_years);
        assert!(!e.calendar_proposed);
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_parser() {
        for ts in [
            "2025-02-14T23:59:59+07:00",
            "2025-02-14T00:00:00+07:00",
            "2024-02-29T12:00:00+07:00",
            "2025-02-14T17:30:00Z",
            "2025-02-14 10:00:00+07:00",
        ] {
            assert_eq!(
                local_date_fast(ts).unwrap(),
                crate::calendar::local_date(ts).unwrap(),
                "{ts}"
            );
        }
        assert!(local_date_fast("2025-02-30T10:00:00+07:00").is_err());
        assert!(local_date_fast("2025-02-14T25:00:00+07:00").is_err());
    }
}
