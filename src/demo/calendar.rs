//! The demo's own day calendar: working days, teaching days and the times of day that make generated dates look real.
//!
//! This is deliberately not the crate's compliance calendar: the demo must stay a
//! self-contained room, and it only needs dates that look right. Nothing here can
//! make a clean row look late, because every ordinary recording lag is bounded in
//! *calendar* days (see `Calendar::record_day`), whatever this table gets wrong.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A day number (days since the Common Era epoch): cheap to store, compare and step.
pub(super) type Day = i32;

/// Seconds since 1970-01-01T00:00:00 *local* (+07:00) time: the generator never needs UTC.
pub(super) type Stamp = i64;

pub(super) fn day_of(date: NaiveDate) -> Day {
    date.num_days_from_ce()
}

pub(super) fn date_of(day: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).expect("generator days stay inside chrono's range")
}

/// Local seconds at `secs` after midnight of `day`.
pub(super) fn stamp(day: Day, secs: u32) -> Stamp {
    const CE_TO_UNIX: i64 = 719_163;
    (i64::from(day) - CE_TO_UNIX) * 86_400 + i64::from(secs)
}

pub(super) fn stamp_day(stamp: Stamp) -> Day {
    const CE_TO_UNIX: i64 = 719_163;
    (stamp.div_euclid(86_400) + CE_TO_UNIX) as Day
}

/// Writes 'YYYY-MM-DDTHH:MM:SS+07:00' into `out` (cleared first).
pub(super) fn format_stamp(out: &mut String, stamp: Stamp) {
    let date = date_of(stamp_day(stamp));
    let secs = stamp.rem_euclid(86_400);
    out.clear();
    push_date(out, date);
    out.push('T');
    push2(out, (secs / 3600) as u32);
    out.push(':');
    push2(out, (secs / 60 % 60) as u32);
    out.push(':');
    push2(out, (secs % 60) as u32);
    out.push_str("+07:00");
}

/// 'YYYY-MM-DD'.
pub(super) fn format_day(day: Day) -> String {
    let mut out = String::with_capacity(10);
    push_date(&mut out, date_of(day));
    out
}

fn push_date(out: &mut String, date: NaiveDate) {
    let year = date.year() as u32;
    push2(out, year / 100);
    push2(out, year % 100);
    out.push('-');
    push2(out, date.month());
    out.push('-');
    push2(out, date.day());
}

fn push2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// A month as `year * 12 + month0`, so consecutive months differ by one.
pub(super) type Month = i32;

pub(super) fn month_of_day(day: Day) -> Month {
    let d = date_of(day);
    d.year() * 12 + d.month0() as i32
}

pub(super) fn first_day_of_month(month: Month) -> Day {
    let date = NaiveDate::from_ymd_opt(month.div_euclid(12), month.rem_euclid(12) as u32 + 1, 1)
        .expect("months in the generator's range are valid");
    day_of(date)
}

pub(super) fn last_day_of_month(month: Month) -> Day {
    first_day_of_month(month + 1) - 1
}

/// 'YYYY-MM'.
pub(super) fn format_month(month: Month) -> String {
    format!(
        "{:04}-{:02}",
        month.div_euclid(12),
        month.rem_euclid(12) + 1
    )
}

/// Months September–May, when lessons happen and Article 8 expects monthly activity.
pub(super) fn is_teaching_month(month: Month) -> bool {
    !matches!(month.rem_euclid(12) + 1, 6..=8)
}

/// Working and teaching days for every day of the generated timeline.
pub(super) struct Calendar {
    first: Day,
    working: Vec<bool>,
}

impl Calendar {
    /// Covers `first..=last`; days outside are answered by the same rules, just not cached.
    pub(super) fn new(first: Day, last: Day) -> Self {
        let working = (first..=last).map(compute_working).collect();
        Self { first, working }
    }

    pub(super) fn is_working(&self, day: Day) -> bool {
        usize::try_from(day - self.first)
            .ok()
            .and_then(|i| self.working.get(i).copied())
            .unwrap_or_else(|| compute_working(day))
    }

    /// A working weekday: changes happen on these. (A Saturday worked in
    /// exchange for a holiday counts for entering data, not for lessons.)
    pub(super) fn is_school_day(&self, day: Day) -> bool {
        !matches!(date_of(day).weekday(), Weekday::Sat | Weekday::Sun) && self.is_working(day)
    }

    /// A day with lessons: a school day from 5 September to 31 May.
    pub(super) fn is_teaching(&self, day: Day) -> bool {
        let date = date_of(day);
        let in_year = match date.month() {
            6..=8 => false,
            9 => date.day() >= 5,
            _ => true,
        };
        in_year && self.is_school_day(day)
    }

    /// The first working day on or after `day`.
    pub(super) fn working_on_or_after(&self, mut day: Day) -> Day {
        while !self.is_working(day) {
            day += 1;
        }
        day
    }

    /// The school days of `first..=last`.
    pub(super) fn school_days(&self, first: Day, last: Day) -> Vec<Day> {
        (first..=last).filter(|&d| self.is_school_day(d)).collect()
    }

    /// The day an ordinary change that happened on working day `occurred` is
    /// entered: `lag` calendar days later (at most 8, so never late under any
    /// calendar: the 10th working day after a day is at least 11 calendar
    /// days after it, since ten days in a row always hold a Sunday), no later than
    /// `today`, moved back onto a working day.
    pub(super) fn record_day(&self, occurred: Day, lag: u32, today: Day) -> Day {
        debug_assert!(lag <= 8, "ordinary lags stay within 8 calendar days");
        let mut day = (occurred + lag as Day).min(today).max(occurred);
        while day > occurred && !self.is_working(day) {
            day -= 1;
        }
        day
    }
}

fn compute_working(day: Day) -> bool {
    let date = date_of(day);
    let (days_off, saturdays_worked) = schedule(date.year());
    if saturdays_worked.contains(&(date.month(), date.day())) {
        return true;
    }
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    !days_off
        .iter()
        .any(|&(m, first, last)| m == date.month() && (first..=last).contains(&date.day()))
}

/// Days off as (month, first day, last day) and Saturdays worked as (month, day).
type Schedule = (Vec<(u32, u32, u32)>, Vec<(u32, u32)>);

/// The public-servant schedule of `year`: the published one for 2024–2026, the
/// fixed holidays plus Tết from a table elsewhere (substitute days are left out).
fn schedule(year: i32) -> Schedule {
    match year {
        2024 => (
            vec![
                (1, 1, 1),
                (2, 8, 14),
                (4, 18, 18),
                (4, 27, 30),
                (5, 1, 1),
                (8, 31, 31),
                (9, 1, 3),
            ],
            vec![(5, 4)],
        ),
        2025 => (
            vec![
                (1, 1, 1),
                (1, 25, 31),
                (2, 1, 2),
                (4, 7, 7),
                (4, 30, 30),
                (5, 1, 4),
                (8, 30, 31),
                (9, 1, 2),
            ],
            vec![(4, 26)],
        ),
        2026 => (
            vec![
                (1, 1, 4),
                (2, 14, 22),
                (4, 27, 27),
                (4, 30, 30),
                (5, 1, 1),
                (8, 29, 31),
                (9, 1, 2),
            ],
            vec![(1, 10), (8, 22)],
        ),
        _ => {
            let mut off = vec![(1, 1, 1), (4, 30, 30), (5, 1, 1), (9, 1, 2)];
            if let Some(tet) = tet(year) {
                // The eve and the first four days of the lunar year.
                for offset in -1..=3_i64 {
                    let d = if offset < 0 {
                        tet - Days::new(1)
                    } else {
                        tet + Days::new(offset as u64)
                    };
                    off.push((d.month(), d.day(), d.day()));
                }
            }
            (off, Vec::new())
        }
    }
}

/// The first day of the lunar year in Vietnam (UTC+7), for the years a demo may reach.
fn tet(year: i32) -> Option<NaiveDate> {
    const TET: [(i32, u32, u32); 21] = [
        (2015, 2, 19),
        (2016, 2, 8),
        (2017, 1, 28),
        (2018, 2, 16),
        (2019, 2, 5),
        (2020, 1, 25),
        (2021, 2, 12),
        (2022, 2, 1),
        (2023, 1, 22),
        (2024, 2, 10),
        (2025, 1, 29),
        (2026, 2, 17),
        (2027, 2, 6),
        (2028, 1, 26),
        (2029, 2, 13),
        (2030, 2, 2),
        (2031, 1, 23),
        (2032, 2, 11),
        (2033, 1, 31),
        (2034, 2, 19),
        (2035, 2, 8),
    ];
    TET.iter()
        .find(|&&(y, _, _)| y == year)
        .and_then(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> Day {
        day_of(NaiveDate::from_ymd_opt(y, m, dd).unwrap())
    }

    #[test]
    fn published_days_off_and_saturdays_worked() {
        let cal = Calendar::new(d(2024, 1, 1), d(2026, 12, 31));
        assert!(!cal.is_working(d(2025, 1, 29)), "Tết 2025");
        assert!(!cal.is_working(d(2025, 9, 2)));
        assert!(cal.is_working(d(2025, 4, 26)), "Saturday worked");
        assert!(cal.is_working(d(2026, 1, 10)), "Saturday worked");
        assert!(!cal.is_working(d(2026, 2, 20)), "Tết 2026");
        assert!(cal.is_working(d(2026, 11, 27)), "a Friday");
        assert!(!cal.is_working(d(2026, 11, 28)), "a Saturday");
        assert!(!cal.is_working(d(2027, 2, 8)), "Tết 2027 from the table");
    }

    #[test]
    fn teaching_days_skip_summer() {
        let cal = Calendar::new(d(2024, 1, 1), d(2026, 12, 31));
        assert!(!cal.is_teaching(d(2025, 7, 15)));
        assert!(!cal.is_teaching(d(2025, 9, 4)));
        assert!(cal.is_teaching(d(2025, 9, 5)));
        assert!(cal.is_teaching(d(2026, 5, 29)));
        assert!(
            cal.is_working(d(2026, 1, 10)) && !cal.is_teaching(d(2026, 1, 10)),
            "a Saturday worked"
        );
    }

    #[test]
    fn record_day_never_leaves_the_window() {
        let cal = Calendar::new(d(2024, 1, 1), d(2026, 12, 31));
        let friday = d(2025, 1, 24);
        for lag in 0..=8 {
            let r = cal.record_day(friday, lag, d(2026, 1, 1));
            assert!(r >= friday && r - friday <= 8);
            assert!(cal.is_working(r));
        }
        assert_eq!(
            cal.record_day(friday, 8, friday + 2),
            friday,
            "clamped to today, back to a working day"
        );
    }

    #[test]
    fn stamps_format_with_the_vietnam_offset() {
        let mut s = String::new();
        format_stamp(&mut s, stamp(d(2026, 11, 29), 9 * 3600 + 5 * 60 + 7));
        assert_eq!(s, "2026-11-29T09:05:07+07:00");
        assert_eq!(stamp_day(stamp(d(2024, 2, 29), 86_399)), d(2024, 2, 29));
        assert_eq!(format_month(month_of_day(d(2024, 12, 31)) + 1), "2025-01");
        assert_eq!(
            format_day(last_day_of_month(month_of_day(d(2024, 2, 3)))),
            "2024-02-29"
        );
    }
}
