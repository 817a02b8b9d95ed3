//! A calendar month, `YYYY-MM`: the period of monthly approvals and activity.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    /// The year.
    pub year: i32,
    /// 1..=12.
    pub month: u32,
}

impl Month {
    /// The month of a date.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        self.succ().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    /// The next month.
    pub fn succ(self) -> Month {
        self.plus(1)
    }

    /// `n` months later.
    pub fn plus(self, n: u32) -> Month {
        let index = self.year * 12 + (self.month as i32 - 1) + n as i32;
        Month {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    /// `MM/YYYY`, as Vietnamese text writes a month.
    pub fn vi(self) -> String {
        format!("{:02}/{}", self.month, self.year)
    }

    /// `March 2025`.
    pub fn en(self) -> String {
        const NAMES: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        format!("{} {}", NAMES[(self.month - 1) as usize], self.year)
    }
}

impl fmt::Display for Month {
    /// `YYYY-MM`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = String;

    /// Exactly `YYYY-MM`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let ok = b.len() == 7
            && b[4] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit());
        let month = ok
            .then(|| (s[..4].parse::<i32>().ok(), s[5..].parse::<u32>().ok()))
            .and_then(|(y, m)| Some((y?, m?)))
            .filter(|&(_, m)| (1..=12).contains(&m))
            .map(|(year, month)| Month { year, month });
        month.ok_or_else(|| format!("{s:?} is not a month YYYY-MM"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_add_across_years_and_know_their_days() {
        let m: Month = "2024-12".parse().unwrap();
        assert_eq!(m.succ().to_string(), "2025-01");
        assert_eq!(m.plus(14).to_string(), "2026-02");
        assert_eq!(
            "2024-02".parse::<Month>().unwrap().last_day(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert_eq!(m.vi(), "12/2024");
        assert_eq!(m.en(), "December 2024");
        assert!("2024-13".parse::<Month>().is_err());
        assert!("2024-1".parse::<Month>().is_err());
        assert!("202a-01".parse::<Month>().is_err());
    }
}
