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

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Days, NaiveDate};

use super::finding::{Evidence, Finding, LateUpdateEvidence, Message};
use super::text::{
    change_kind_vi, dmy, en_date, provisional_en, provisional_vi, school_en, school_vi,
};
use super::{Rule, Severity};
use crate::calendar::{CalendarError, WorkCalendar};

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
    file_years: BTreeSet<i32>,
    deadlines: HashMap<NaiveDate, NaiveDate>,
    from: Option<NaiveDate>,
    to: NaiveDate,
}

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
            file_years: calendar.file_years().into_iter().collect(),
            deadlines: HashMap::new(),
            from: None,
            to: NaiveDate::MAX,
        }
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

    /// The finding for `row`, if it is late; `school_name` names the school.
    ///
    /// # Errors
    /// [`CalendarError`] when `occurred_on` or `recorded_at` cannot be read.
    pub fn judge(
        &mut self,
        row: &ChangeRow<'_>,
        school_name: Option<&str>,
    ) -> Result<Option<Finding>, CalendarError> {
        let occurred_on = crate::calendar::local_date(row.occurred_on)?;
        if occurred_on > self.to || self.from.is_some_and(|from| occurred_on < from) {
            return Ok(None);
        }
        let recorded = local_date_fast(row.recorded_at)?;
        // Each working day is at least one calendar day: no need to look the
        // deadline up for the many rows entered within N days.
        if recorded <= occurred_on + Days::new(u64::from(self.working_days)) {
            return Ok(None);
        }
        let deadline = self.deadline(occurred_on);
        if recorded <= deadline || deadline >= self.as_of {
            return Ok(None);
        }
        Ok(Some(self.finding(
            row,
            school_name,
            occurred_on,
            recorded,
            deadline,
        )))
    }

    fn finding(
        &self,
        row: &ChangeRow<'_>,
        school_name: Option<&str>,
        occurred_on: NaiveDate,
        recorded: NaiveDate,
        deadline: NaiveDate,
    ) -> Finding {
        let taken = occurred_on
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= recorded)
            .filter(|d| self.calendar.is_working_day(*d))
            .count() as u32;
        let proposed_years: Vec<i32> = (occurred_on.year()..=recorded.year())
            .filter(|y| !self.file_years.contains(y))
            .collect();
        let n = self.working_days;
        let days_late = (recorded - deadline).num_days();
        let vi = format!(
            "{}: thay đổi số {} ({}) của thiết bị {} phát sinh ngày {} nhưng đến ngày {} mới được cập nhật vào cơ sở dữ liệu, quá thời hạn {n} ngày làm việc (hạn cuối {}{}; đã dùng {taken} ngày làm việc, trễ {days_late} ngày). Mọi thay đổi, bổ sung phải được cập nhật trong vòng {n} ngày làm việc (Điều 7.3 QĐ 146/QĐ-GDĐT): nhắc người phụ trách thiết bị cập nhật kịp thời.",
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
            "{}: change {} ({}) to equipment {} happened on {} but was entered on {}, after the {n}-working-day limit (deadline {}{}; {taken} working days taken, {days_late} days late). Every change must be entered within {n} working days (Art. 7.3): remind the equipment officer to enter changes promptly.",
            school_en(row.school_id, school_name),
            row.change_id,
            row.kind,
            row.equipment_id,
            en_date(occurred_on),
            en_date(recorded),
            en_date(deadline),
            provisional_en(&proposed_years),
        );
        Finding {
            rule: Rule::LateUpdate,
            severity: self.severity,
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
            }),
        }
    }
}

/// The civil date in Vietnam of a stored timestamp. The reference schema
/// writes `YYYY-MM-DDTHH:MM:SS+07:00`, whose local date is its first ten
/// characters; that shape is read directly (millions of rows), anything
/// else goes through [`crate::calendar::local_date`].
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

    fn judge(occurred_on: &str, recorded_at: &str) -> Option<Finding> {
        let p = Policies::built_in().unwrap();
        let mut j = LateUpdates::new(&p.calendar, 10, d(2030, 1, 1), Severity::Violation);
        j.judge(&row(occurred_on, recorded_at), Some("Trường THCS A"))
            .unwrap()
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
        assert!(j.judge(&r, None).unwrap().is_none());
        let mut j = LateUpdates::new(&p.calendar, 10, d(2025, 2, 15), Severity::Violation);
        assert!(j.judge(&r, None).unwrap().is_some());
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
    fn unreadable_dates_are_errors_not_guesses() {
        let p = Policies::built_in().unwrap();
        let mut j = LateUpdates::new(&p.calendar, 10, d(2030, 1, 1), Severity::Violation);
        assert!(
            j.judge(&row("24/01/2025", "2025-02-15T08:00:00+07:00"), None)
                .is_err()
        );
        assert!(
            j.judge(&row("2025-01-24", "2025-02-15T08:00:00"), None)
                .is_err()
        );
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
