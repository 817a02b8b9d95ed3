//! `no_monthly_update` (Art. 8, 14; DOMAIN.md §4): a teaching month with no change and no use.
//!
//! Semantics chosen where DOMAIN.md is silent:
//! - Only months that ended before `--as-of` are examined (the school may
//!   still record this month), and only teaching months (`rules.toml`).
//! - The school must have been active for the whole month: created on or
//!   before its first day and, if inactive, closed after its last day. The
//!   month a school opens or closes is not held against it (it is a warning
//!   about a quiet school, not about a school that was not there).
//! - A school that reopened (see [`School`]) is not held to the months it
//!   was closed, nor to the months it closed or reopened in.
//! - A change counts in the month it *occurred* (`occurred_on`), a use in the
//!   month of `used_on`: the month's activity as recorded, whenever entered.
//! - `--from/--to` select the months that overlap the range.

use chrono::NaiveDate;

use super::database::School;
use super::finding::{ActivityEvidence, Evidence, Finding, Message};
use super::text::{school_en, school_vi};
use super::{Rule, Severity};
use crate::calendar::Month;

/// The months whose activity is examined for `school`, in order.
pub fn months_to_examine(
    school: &School,
    from: Option<NaiveDate>,
    to: NaiveDate,
    as_of: NaiveDate,
    teaching_months: &[u32],
) -> Vec<Month> {
    let Some(created) = school.created_on else {
        return Vec::new();
    };
    let closed = match (school.inactive, school.status_changed_on) {
        (false, _) => None,
        (true, Some(on)) => Some(on),
        // Closed, but nobody knows when: nothing can be held against it.
        (true, None) => return Vec::new(),
    };
    let mut m = Month::of(created);
    if let Some(from) = from {
        m = m.max(Month::of(from));
    }
    let last = Month::of(to);
    let mut out = Vec::new();
    while m <= last {
        let whole_month_active = created <= m.first_day()
            && closed.is_none_or(|on| on > m.last_day())
            && school.open_all_of(m);
        if m.last_day() < as_of && whole_month_active && teaching_months.contains(&m.month) {
            out.push(m);
        }
        m = m.succ();
    }
    out
}

/// The warning for a month with neither a change nor a use.
pub fn finding(school: &School, m: Month, severity: Severity) -> Finding {
    let message = Message {
        vi: format!(
            "{}: tháng {} là tháng học nhưng không ghi nhận thay đổi thiết bị nào và không có lượt sử dụng thiết bị nào. Đề nghị đơn vị kiểm tra, cập nhật sổ theo dõi sử dụng và tình hình mua sắm thiết bị hằng tháng (Điều 8, 14 QĐ 146/QĐ-GDĐT).",
            school_vi(&school.id, Some(&school.name)),
            m.vi()
        ),
        en: format!(
            "{}: {} is a teaching month, yet no equipment change and no equipment use was recorded. Ask the school to check and update its usage log and purchases every month (Art. 8, 14).",
            school_en(&school.id, Some(&school.name)),
            m.en()
        ),
    };
    Finding {
        rule: Rule::NoMonthlyUpdate,
        provisional: false,
        severity,
        school_id: Some(school.id.clone()),
        change_id: None,
        equipment_id: None,
        period: Some(m.to_string()),
        subject: Some(school.id.clone()),
        message,
        evidence: Evidence::Activity(ActivityEvidence {
            period: m.to_string(),
            from: m.first_day(),
            to: m.last_day(),
            changes: 0,
            uses: 0,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const TEACHING: [u32; 9] = [9, 10, 11, 12, 1, 2, 3, 4, 5];

    fn months(s: &School, as_of: NaiveDate) -> Vec<String> {
        months_to_examine(s, None, as_of, as_of, &TEACHING)
            .iter()
            .map(Month::to_string)
            .collect()
    }

    #[test]
    fn whole_teaching_months_before_as_of_while_open() {
        let s = School::new("S", "Trường Mầm non B", Some(d(2024, 4, 10)));
        // April 2024 is partial (opened on the 10th); June–August are holidays;
        // October 2024 has not ended on 31 Oct.
        assert_eq!(months(&s, d(2024, 10, 31)), ["2024-05", "2024-09"]);
        assert_eq!(
            months(&s, d(2024, 11, 1)),
            ["2024-05", "2024-09", "2024-10"]
        );
        let closed = School {
            inactive: true,
            status_changed_on: Some(d(2024, 10, 15)),
            ..s.clone()
        };
        assert_eq!(months(&closed, d(2025, 3, 1)), ["2024-05", "2024-09"]);
        let closed_unknown = School {
            inactive: true,
            status_changed_on: None,
            ..s
        };
        assert!(months(&closed_unknown, d(2025, 3, 1)).is_empty());
    }

    /// Issue 14: a reopened school got `no_monthly_update` for the months it was closed.
    #[test]
    fn a_reopened_school_is_not_held_to_the_months_it_was_closed() {
        let s = School {
            status_changed_on: Some(d(2025, 3, 3)),
            closed: Some((d(2024, 11, 11), d(2025, 3, 2))),
            ..School::new("S", "Trường Mầm non B", Some(d(2024, 9, 1)))
        };
        assert_eq!(months(&s, d(2025, 5, 1)), ["2024-09", "2024-10", "2025-04"]);
    }
}
