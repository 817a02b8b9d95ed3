//! Human durations as the CLI and config write them: `90days`, `3months`, `12h`, `10min`.
//!
//! Months and years are calendar units (3 months before 31 May is 28 Feb), so
//! "at least every three months" means what the regulation means, not 90 days.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Months, TimeZone};

/// A length of time: a fixed number of seconds, or a number of calendar months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// A fixed length.
    Seconds(u64),
    /// Calendar months (a year is 12).
    Months(u32),
}

/// The error for a duration that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot read the duration {text:?}: write a number and a unit, like 90days, 3months, 12h, 30min, 45s, 2weeks or 1year"
)]
pub struct SpanError {
    text: String,
}

impl Span {
    /// The instant this span before `t`.
    pub fn before<Tz: TimeZone>(&self, t: DateTime<Tz>) -> DateTime<Tz> {
        match *self {
            Span::Seconds(s) => t - Duration::seconds(s.min(i64::MAX as u64) as i64),
            Span::Months(m) => t.clone().checked_sub_months(Months::new(m)).unwrap_or(t),
        }
    }

    /// The instant this span after `t` (`t` itself past the end of the calendar).
    pub fn after<Tz: TimeZone>(&self, t: DateTime<Tz>) -> DateTime<Tz> {
        match *self {
            Span::Seconds(s) => t
                .clone()
                .checked_add_signed(Duration::seconds(s.min(i64::MAX as u64 / 1000) as i64))
                .unwrap_or(t),
            Span::Months(m) => t.clone().checked_add_months(Months::new(m)).unwrap_or(t),
        }
    }

    /// The length in seconds, counting a month as 30 days (for display and timeouts only).
    pub fn approx_seconds(&self) -> u64 {
        match *self {
            Span::Seconds(s) => s,
            Span::Months(m) => u64::from(m) * 30 * 86_400,
        }
    }
}

impl FromStr for Span {
    type Err = SpanError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || SpanError {
            text: s.to_string(),
        };
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
        let (num, unit) = t.split_at(split);
        let n: u64 = num.parse().map_err(|_| err())?;
        let unit = unit.trim().to_ascii_lowercase();
        let secs = |k: u64| n.checked_mul(k).map(Span::Seconds).ok_or_else(err);
        match unit.as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => secs(1),
            "min" | "mins" | "minute" | "minutes" => secs(60),
            "h" | "hour" | "hours" => secs(3_600),
            "d" | "day" | "days" => secs(86_400),
            "w" | "week" | "weeks" => secs(7 * 86_400),
            "month" | "months" => u32::try_from(n).map(Span::Months).map_err(|_| err()),
            "y" | "year" | "years" => u32::try_from(n)
                .ok()
                .and_then(|n| n.checked_mul(12))
                .map(Span::Months)
                .ok_or_else(err),
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Span::Months(m) if m % 12 == 0 && m > 0 => write!(f, "{}years", m / 12),
            Span::Months(m) => write!(f, "{m}months"),
            Span::Seconds(s) if s % 86_400 == 0 && s > 0 => write!(f, "{}days", s / 86_400),
            Span::Seconds(s) if s % 3_600 == 0 && s > 0 => write!(f, "{}h", s / 3_600),
            Span::Seconds(s) if s % 60 == 0 && s > 0 => write!(f, "{}min", s / 60),
            Span::Seconds(s) => write!(f, "{s}s"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn reads_the_documented_forms() {
        assert_eq!(
            "90days".parse::<Span>().unwrap(),
            Span::Seconds(90 * 86_400)
        );
        assert_eq!("3months".parse::<Span>().unwrap(), Span::Months(3));
        assert_eq!("12h".parse::<Span>().unwrap(), Span::Seconds(43_200));
        assert_eq!("10min".parse::<Span>().unwrap(), Span::Seconds(600));
        assert_eq!("2years".parse::<Span>().unwrap(), Span::Months(24));
        assert_eq!("1 week".parse::<Span>().unwrap(), Span::Seconds(604_800));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in ["", "days", "3", "3 parsecs", "-1days", "1.5h"] {
            let e = bad.parse::<Span>().unwrap_err().to_string();
            assert!(e.contains("90days"), "{bad}: {e}");
        }
    }

    #[test]
    fn months_are_calendar_months() {
        let t = Utc.with_ymd_and_hms(2025, 5, 31, 12, 0, 0).unwrap();
        let b = Span::Months(3).before(t);
        assert_eq!(b, Utc.with_ymd_and_hms(2025, 2, 28, 12, 0, 0).unwrap());
    }

    #[test]
    fn display_round_trips() {
        for s in ["90days", "3months", "12h", "10min", "45s", "2years"] {
            assert_eq!(s.parse::<Span>().unwrap().to_string(), s);
        }
    }
}
