//! Shared helpers for reading the calendar's policy files: dates in TOML and line numbers.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, de::Error as _};

/// A calendar date in a policy file. Both spellings are accepted, so that the
/// people who edit these files need not remember which one we want:
/// `date = "2026-02-14"` (a string) and `date = 2026-02-14` (a TOML local date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TomlDate(pub(crate) NaiveDate);

impl<'de> Deserialize<'de> for TomlDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Going through toml::Value lets toml's own datetime handling do the
        // work; an error raised here still gets toml's line and column.
        match toml::Value::deserialize(deserializer)? {
            toml::Value::String(text) => parse_iso_date(&text).map(TomlDate).ok_or_else(|| {
                D::Error::custom(format!("`{text}` is not a date; write YYYY-MM-DD"))
            }),
            toml::Value::Datetime(datetime) => match (datetime.date, datetime.time) {
                (Some(date), None) => NaiveDate::from_ymd_opt(
                    i32::from(date.year),
                    u32::from(date.month),
                    u32::from(date.day),
                )
                .map(TomlDate)
                .ok_or_else(|| D::Error::custom(format!("`{datetime}` is not a date"))),
                _ => Err(D::Error::custom(format!(
                    "`{datetime}` has a time of day; write a date YYYY-MM-DD"
                ))),
            },
            other => Err(D::Error::custom(format!(
                "expected a date YYYY-MM-DD, found {}",
                other.type_str()
            ))),
        }
    }
}

/// Parses exactly `YYYY-MM-DD` (chrono alone would also take `2026-2-1`,
/// which in a legal calendar is more likely a typo than a wish).
pub(crate) fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The 1-based line of a byte offset in `text` (for errors about values that
/// parsed but are not acceptable; toml reports its own errors with lines).
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        date: TomlDate,
    }

    #[test]
    fn dates_as_strings_and_as_toml_dates() {
        let want = NaiveDate::from_ymd_opt(2026, 2, 14).unwrap();
        let quoted: Holder = toml::from_str("date = \"2026-02-14\"").unwrap();
        let bare: Holder = toml::from_str("date = 2026-02-14").unwrap();
        assert_eq!(quoted.date.0, want);
        assert_eq!(bare.date.0, want);
    }

    #[test]
    fn bad_dates_name_the_line() {
        let err = toml::from_str::<Holder>("\ndate = \"2026-2-14\"")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("YYYY-MM-DD"), "{err}");
        let err = toml::from_str::<Holder>("date = 2026-02-14T08:00:00")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("time of day"), "{err}");
        assert!(parse_iso_date("2026-02-30").is_none());
    }

    #[test]
    fn lines() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }
}
