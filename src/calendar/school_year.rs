//! School years (năm học), terms (học kỳ) and report periods, from `policies/school-years.toml`.
//!
//! A school year runs from early September to the end of May and is written
//! `2024-2025`. Term boundaries are decided each year (the ministry sets a
//! frame, the city the dates), so they are data:
//!
//! ```toml
//! [[year]]
//! name = "2024-2025"
//! start = "2024-09-05"      # opening (khai giảng)
//! hk1_end = "2025-01-12"
//! hk2_start = "2025-01-13"
//! end = "2025-05-31"
//! source = "…"              # the document, or what the dates rest on; required
//! note = "…"                # optional
//! ```
//!
//! Dates that fall between terms are placed by one rule: a date belongs to
//! the latest term that has started. So the days between `hk1_end` and
//! `hk2_start` belong to HK1 (its reports are written then), and the summer
//! between `end` and the next `start` belongs to HK2 of the year that just
//! ended: a report dated June 2025 is filed under 2024-2025.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toml::Spanned;

use super::data::{TomlDate, line_of};
use super::{CalendarError, SCHOOL_YEARS_FILE};

/// A term of a school year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    /// Học kỳ I: from the opening to mid-January.
    Hk1,
    /// Học kỳ II: from mid-January to the end of the year.
    Hk2,
}

impl fmt::Display for Term {
    /// `hk1` or `hk2`, as in [`Period`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Term::Hk1 => "hk1",
            Term::Hk2 => "hk2",
        })
    }
}

/// A reporting period within a school year (Art. 8, 12.2): a term, the whole
/// year, or a month.
///
/// Written `hk1`, `hk2`, `ca-nam` or `01`..`12`; parsing ignores case and
/// takes `1`..`9` too. The many spellings found in file names (`HKI`,
/// `Học kỳ II`, `CN`, …) are the archive's to normalise, not this type's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// Học kỳ I.
    Hk1,
    /// Học kỳ II.
    Hk2,
    /// Cả năm: the whole school year.
    CaNam,
    /// A calendar month, 1..=12, within the school year (September–December
    /// of its first calendar year, January–August of its second).
    Month(u32),
}

impl From<Term> for Period {
    fn from(term: Term) -> Self {
        match term {
            Term::Hk1 => Period::Hk1,
            Term::Hk2 => Period::Hk2,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Hk1 => f.write_str("hk1"),
            Period::Hk2 => f.write_str("hk2"),
            Period::CaNam => f.write_str("ca-nam"),
            Period::Month(month) => write!(f, "{month:02}"),
        }
    }
}

impl FromStr for Period {
    type Err = CalendarError;

    /// # Errors
    ///
    /// [`CalendarError::Period`] for anything but `hk1`, `hk2`, `ca-nam` or a
    /// month number 1..=12 (one or two digits).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        let period = match lower.as_str() {
            "hk1" => Some(Period::Hk1),
            "hk2" => Some(Period::Hk2),
            "ca-nam" => Some(Period::CaNam),
            digits
                if (1..=2).contains(&digits.len())
                    && digits.bytes().all(|b| b.is_ascii_digit()) =>
            {
                digits
                    .parse::<u32>()
                    .ok()
                    .filter(|month| (1..=12).contains(month))
                    .map(Period::Month)
            }
            _ => None,
        };
        period.ok_or_else(|| CalendarError::Period {
            input: text.to_owned(),
        })
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One school year as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolYear {
    /// `2024-2025`.
    pub name: String,
    /// The calendar year it starts in (2024 for `2024-2025`).
    pub first_year: i32,
    /// Opening day (khai giảng).
    pub start: NaiveDate,
    /// Last day of HK1.
    pub hk1_end: NaiveDate,
    /// First day of HK2.
    pub hk2_start: NaiveDate,
    /// Last day of the school year.
    pub end: NaiveDate,
    /// The document the dates come from, or what they rest on.
    pub source: String,
    /// A free note, if given.
    pub note: Option<String>,
    /// Derived from the ministry's frame for a year after the last one of the
    /// file ([`SchoolYears::derived`]): its dates are provisional.
    pub provisional: bool,
}

/// The source recorded on a derived school year.
pub const DERIVED_SOURCE: &str = "suy ra từ khung thời gian năm học của Bộ GD&ĐT (khai giảng 5/9, HK2 từ 18/01, kết thúc 31/5): năm học chưa có trong school-years.toml, ngày tạm tính";

impl SchoolYear {
    /// First and last day of a term.
    pub fn term_range(&self, term: Term) -> (NaiveDate, NaiveDate) {
        match term {
            Term::Hk1 => (self.start, self.hk1_end),
            Term::Hk2 => (self.hk2_start, self.end),
        }
    }

    /// First and last day of a report period: a term, the whole year
    /// (`start`..=`end`), or a calendar month of this school year (September
    /// to December of `first_year`, January to August of the next).
    pub fn period_range(&self, period: Period) -> (NaiveDate, NaiveDate) {
        match period {
            Period::Hk1 => self.term_range(Term::Hk1),
            Period::Hk2 => self.term_range(Term::Hk2),
            Period::CaNam => (self.start, self.end),
            Period::Month(month) => {
                let year = if month >= 9 {
                    self.first_year
                } else {
                    self.first_year + 1
                };
                month_range(year, month).unwrap_or((self.start, self.end))
            }
        }
    }
}

/// First and last day of a calendar month.
fn month_range(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// The name of a date's school year and whether it was taken from the file
/// or proposed by the September–August rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolYearName {
    /// `2024-2025`.
    pub name: String,
    /// `true` when the file has no school year for the date and the name
    /// comes from [`school_year_name_by_rule`].
    pub proposed: bool,
}

/// The school year of a date by the September–August rule: a date from
/// 1 September of Y to 31 August of Y + 1 belongs to `Y-(Y+1)`. Used for
/// dates the file does not cover; note that within the file, the days
/// between 1 September and a later opening belong to the year that ended.
pub fn school_year_name_by_rule(date: NaiveDate) -> String {
    let first = if date.month() >= 9 {
        date.year()
    } else {
        date.year() - 1
    };
    format!("{first}-{}", first + 1)
}

/// The school years of the policy file, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolYears {
    years: Vec<SchoolYear>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchoolYearsFile {
    #[serde(default)]
    year: Vec<SchoolYearFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchoolYearFile {
    name: Spanned<String>,
    start: Spanned<TomlDate>,
    hk1_end: Spanned<TomlDate>,
    hk2_start: Spanned<TomlDate>,
    end: Spanned<TomlDate>,
    source: Spanned<String>,
    note: Option<String>,
}

impl SchoolYears {
    /// Reads `policy_dir/school-years.toml`.
    ///
    /// # Errors
    ///
    /// [`CalendarError::Read`] if the file cannot be read, and every error of
    /// [`SchoolYears::from_toml`].
    pub fn load(policy_dir: &Path) -> Result<Self, CalendarError> {
        let path = policy_dir.join(SCHOOL_YEARS_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| CalendarError::Read {
            path: path.clone(),
            source,
        })?;
        Self::from_toml(&path, &text)
    }

    /// Parses and checks the text of a school-years file named `path`.
    ///
    /// Each year's name is `YYYY-YYYY` with consecutive years; `start` lies in
    /// the first of them and `end` in the second; `start` < `hk1_end` <
    /// `hk2_start` <= `end`; the source is not empty; no two years overlap or
    /// share a name.
    ///
    /// # Errors
    ///
    /// [`CalendarError::Parse`] for TOML errors and unknown keys (naming key
    /// and line), [`CalendarError::Invalid`] for the checks above.
    pub fn from_toml(path: &Path, text: &str) -> Result<Self, CalendarError> {
        let file: SchoolYearsFile = toml::from_str(text).map_err(|error| CalendarError::Parse {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
        let invalid = |span: std::ops::Range<usize>, message: String| CalendarError::Invalid {
            path: path.to_owned(),
            line: Some(line_of(text, span.start)),
            message,
        };

        let mut years: Vec<(SchoolYear, std::ops::Range<usize>)> = Vec::new();
        for entry in file.year {
            let name = entry.name.get_ref().trim().to_owned();
            let first_year = parse_name(&name).ok_or_else(|| {
                invalid(
                    entry.name.span(),
                    format!("school year name {name:?} must be YYYY-YYYY with consecutive years, e.g. 2024-2025"),
                )
            })?;
            let (start, hk1_end, hk2_start, end) = (
                entry.start.get_ref().0,
                entry.hk1_end.get_ref().0,
                entry.hk2_start.get_ref().0,
                entry.end.get_ref().0,
            );
            if start.year() != first_year {
                return Err(invalid(
                    entry.start.span(),
                    format!("`start` = {start} is not in {first_year}, the first year of {name}"),
                ));
            }
            if end.year() != first_year + 1 {
                return Err(invalid(
                    entry.end.span(),
                    format!(
                        "`end` = {end} is not in {}, the second year of {name}",
                        first_year + 1
                    ),
                ));
            }
            if !(start < hk1_end && hk1_end < hk2_start && hk2_start <= end) {
                return Err(invalid(
                    entry.hk1_end.span(),
                    format!(
                        "{name}: the dates must run start < hk1_end < hk2_start <= end, found {start}, {hk1_end}, {hk2_start}, {end}"
                    ),
                ));
            }
            let source = entry.source.get_ref().trim().to_owned();
            if source.is_empty() {
                return Err(invalid(
                    entry.source.span(),
                    "`source` is empty; it is required".to_owned(),
                ));
            }
            years.push((
                SchoolYear {
                    name,
                    first_year,
                    start,
                    hk1_end,
                    hk2_start,
                    end,
                    source,
                    note: entry
                        .note
                        .map(|note| note.trim().to_owned())
                        .filter(|note| !note.is_empty()),
                    provisional: false,
                },
                entry.name.span(),
            ));
        }

        years.sort_by_key(|(year, _)| year.start);
        for pair in years.windows(2) {
            let ((earlier, _), (later, span)) = (&pair[0], &pair[1]);
            if earlier.name == later.name {
                return Err(invalid(
                    span.clone(),
                    format!("school year {} is listed twice", later.name),
                ));
            }
            if later.start <= earlier.end {
                return Err(invalid(
                    span.clone(),
                    format!(
                        "{} starts on {}, before {} ends on {}",
                        later.name, later.start, earlier.name, earlier.end
                    ),
                ));
            }
        }
        Ok(SchoolYears {
            years: years.into_iter().map(|(year, _)| year).collect(),
        })
    }

    /// Every school year, in order.
    pub fn years(&self) -> &[SchoolYear] {
        &self.years
    }

    /// The school year named `name` (`2024-2025`).
    pub fn get(&self, name: &str) -> Option<&SchoolYear> {
        self.years.iter().find(|year| year.name == name)
    }

    /// The school year a date belongs to: the latest year that has started,
    /// as long as the date is before the next year's start or, when the
    /// file does not have the next year, on or before 31 August after the
    /// year's end. So the summer belongs to the year that just ended.
    pub fn year_of(&self, date: NaiveDate) -> Option<&SchoolYear> {
        let index = self.years.iter().rposition(|year| year.start <= date)?;
        let year = &self.years[index];
        let next_listed = self
            .years
            .get(index + 1)
            .is_some_and(|next| next.first_year == year.first_year + 1);
        // With the next year listed, `rposition` already stopped before its start.
        if next_listed {
            return Some(year);
        }
        let summer_end = NaiveDate::from_ymd_opt(year.first_year + 1, 8, 31)?;
        (date <= summer_end.max(year.end)).then_some(year)
    }

    /// The school year and term a date belongs to (see the module docs for
    /// the days between terms).
    pub fn term_of(&self, date: NaiveDate) -> Option<(String, Term)> {
        let year = self.year_of(date)?;
        let term = if date >= year.hk2_start {
            Term::Hk2
        } else {
            Term::Hk1
        };
        Some((year.name.clone(), term))
    }

    /// First and last day of a term of the school year named `year`.
    pub fn term_range(&self, year: &str, term: Term) -> Option<(NaiveDate, NaiveDate)> {
        self.get(year).map(|year| year.term_range(term))
    }

    /// The school year that starts in `first_year`, by the ministry's frame
    /// (opening 5 September, HK1 to 17 January, HK2 from 18 January, the
    /// year to 31 May), marked provisional: how years after the last one of
    /// the file are known, as the calendar proposes holidays for years with
    /// no published schedule.
    pub fn derived(first_year: i32) -> Option<SchoolYear> {
        let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d);
        Some(SchoolYear {
            name: format!("{first_year}-{}", first_year.checked_add(1)?),
            first_year,
            start: day(first_year, 9, 5)?,
            hk1_end: day(first_year + 1, 1, 17)?,
            hk2_start: day(first_year + 1, 1, 18)?,
            end: day(first_year + 1, 5, 31)?,
            source: DERIVED_SOURCE.to_owned(),
            note: None,
            provisional: true,
        })
    }

    /// The school years of the file, then every derived year after the
    /// last one up to the year `date` falls in (by the September–August
    /// rule): what the rules and reports judge, so that September 2027 has a
    /// school year although the file ends with 2026-2027.
    pub fn years_through(&self, date: NaiveDate) -> Vec<SchoolYear> {
        let mut out = self.years.clone();
        let wanted = if date.month() >= 9 {
            date.year()
        } else {
            date.year() - 1
        };
        let mut next = self.years.last().map_or(wanted, |y| y.first_year + 1);
        while next <= wanted {
            match SchoolYears::derived(next) {
                Some(y) => out.push(y),
                None => break,
            }
            next += 1;
        }
        out
    }

    /// The school year named `name`: the file's, or a derived one when the
    /// name is after the file's last year.
    pub fn get_or_derived(&self, name: &str) -> Option<SchoolYear> {
        if let Some(year) = self.get(name) {
            return Some(year.clone());
        }
        let first = parse_name(name)?;
        let after_file = self.years.last().is_none_or(|last| first > last.first_year);
        after_file.then(|| SchoolYears::derived(first)).flatten()
    }

    /// The school year a date belongs to, as [`SchoolYears::year_of`], with
    /// the years after the file derived ([`SchoolYears::years_through`]).
    pub fn year_or_derived(&self, date: NaiveDate) -> Option<SchoolYear> {
        let all = SchoolYears {
            years: self.years_through(date),
        };
        all.year_of(date).cloned()
    }

    /// The school year name for any date: from the file where it covers the
    /// date, else by the September–August rule, marked as proposed.
    pub fn school_year_name_for(&self, date: NaiveDate) -> SchoolYearName {
        match self.year_of(date) {
            Some(year) => SchoolYearName {
                name: year.name.clone(),
                proposed: false,
            },
            None => SchoolYearName {
                name: school_year_name_by_rule(date),
                proposed: true,
            },
        }
    }
}

/// The first calendar year of a name `YYYY-YYYY` with consecutive years.
fn parse_name(name: &str) -> Option<i32> {
    let (first, second) = name.split_once('-')?;
    if first.len() != 4 || second.len() != 4 {
        return None;
    }
    let first: i32 = first.parse().ok()?;
    let second: i32 = second.parse().ok()?;
    (second == first + 1).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn shipped() -> SchoolYears {
        SchoolYears::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")).unwrap()
    }

    const SAMPLE: &str = r#"
[[year]]
name = "2025-2026"
start = "2025-09-05"
hk1_end = "2026-01-18"
hk2_start = "2026-01-19"
end = "2026-05-31"
source = "test"

[[year]]
name = "2024-2025"
start = 2024-09-05
hk1_end = 2025-01-12
hk2_start = 2025-01-13
end = 2025-05-31
source = "test"
"#;

    fn sample() -> SchoolYears {
        SchoolYears::from_toml(Path::new("school-years.toml"), SAMPLE).unwrap()
    }

    #[test]
    fn terms_of_dates() {
        let years = sample();
        assert_eq!(years.years()[0].name, "2024-2025", "sorted by start");
        assert_eq!(
            years.term_of(d(2024, 9, 5)),
            Some(("2024-2025".to_owned(), Term::Hk1))
        );
        assert_eq!(
            years.term_of(d(2025, 1, 12)),
            Some(("2024-2025".to_owned(), Term::Hk1))
        );
        assert_eq!(
            years.term_of(d(2025, 1, 13)),
            Some(("2024-2025".to_owned(), Term::Hk2))
        );
        assert_eq!(
            years.term_of(d(2026, 1, 18)),
            Some(("2025-2026".to_owned(), Term::Hk1))
        );
        assert_eq!(
            years.term_of(d(2026, 1, 19)),
            Some(("2025-2026".to_owned(), Term::Hk2))
        );
        assert_eq!(
            years.term_of(d(2024, 9, 4)),
            None,
            "before the first year in the file"
        );
    }

    #[test]
    fn summer_belongs_to_the_year_that_ended() {
        let years = sample();
        // A report dated June 2025 is filed under 2024-2025.
        assert_eq!(years.year_of(d(2025, 6, 15)).unwrap().name, "2024-2025");
        assert_eq!(
            years.term_of(d(2025, 6, 15)),
            Some(("2024-2025".to_owned(), Term::Hk2))
        );
        // Up to the day before the next opening.
        assert_eq!(years.year_of(d(2025, 9, 4)).unwrap().name, "2024-2025");
        assert_eq!(years.year_of(d(2025, 9, 5)).unwrap().name, "2025-2026");
        // After the last year in the file: its summer up to 31 August, then nothing.
        assert_eq!(years.year_of(d(2026, 8, 31)).unwrap().name, "2025-2026");
        assert_eq!(years.year_of(d(2026, 9, 1)), None);
    }

    #[test]
    fn names_for_years_outside_the_file_are_proposed() {
        let years = sample();
        assert_eq!(
            years.school_year_name_for(d(2025, 6, 15)),
            SchoolYearName {
                name: "2024-2025".to_owned(),
                proposed: false
            }
        );
        assert_eq!(
            years.school_year_name_for(d(2026, 10, 1)),
            SchoolYearName {
                name: "2026-2027".to_owned(),
                proposed: true
            }
        );
        assert_eq!(
            years.school_year_name_for(d(2024, 8, 31)),
            SchoolYearName {
                name: "2023-2024".to_owned(),
                proposed: true
            }
        );
        assert_eq!(school_year_name_by_rule(d(2030, 9, 1)), "2030-2031");
        assert_eq!(school_year_name_by_rule(d(2031, 8, 31)), "2030-2031");
    }

    /// Issue 14: the file ends with 2026-2027, and from September 2027 the
    /// default report had no school year ("exit 2 for a date in the future").
    #[test]
    fn school_years_after_the_file_are_derived_from_the_ministry_frame_and_provisional() {
        let years = shipped();
        let y = years.year_or_derived(d(2027, 9, 10)).unwrap();
        assert_eq!(y.name, "2027-2028");
        assert!(y.provisional);
        assert_eq!(
            (y.start, y.hk1_end, y.hk2_start, y.end),
            (
                d(2027, 9, 5),
                d(2028, 1, 17),
                d(2028, 1, 18),
                d(2028, 5, 31)
            )
        );
        assert!(y.source.contains("tạm tính"));
        // The summer and the first days of September stay with the year that ended.
        assert_eq!(
            years.year_or_derived(d(2027, 9, 4)).unwrap().name,
            "2026-2027"
        );
        assert!(!years.year_or_derived(d(2027, 9, 4)).unwrap().provisional);
        assert_eq!(
            years.year_or_derived(d(2031, 3, 1)).unwrap().name,
            "2030-2031"
        );
        let names: Vec<String> = years
            .years_through(d(2029, 10, 1))
            .into_iter()
            .map(|y| y.name)
            .collect();
        assert_eq!(
            names,
            [
                "2023-2024",
                "2024-2025",
                "2025-2026",
                "2026-2027",
                "2027-2028",
                "2028-2029",
                "2029-2030"
            ]
        );
        assert!(years.get_or_derived("2040-2041").unwrap().provisional);
        assert!(!years.get_or_derived("2025-2026").unwrap().provisional);
        // Before the file, nothing is made up.
        assert_eq!(years.get_or_derived("2019-2020"), None);
        assert_eq!(years.get_or_derived("2019-2021"), None);
        // The archive still places files only by the file's years.
        assert_eq!(years.year_of(d(2027, 9, 10)), None);
    }

    #[test]
    fn ranges() {
        let years = sample();
        assert_eq!(
            years.term_range("2024-2025", Term::Hk2),
            Some((d(2025, 1, 13), d(2025, 5, 31)))
        );
        assert_eq!(
            years.term_range("2024-2025", Term::Hk1),
            Some((d(2024, 9, 5), d(2025, 1, 12)))
        );
        assert_eq!(years.term_range("2030-2031", Term::Hk1), None);
        let year = years.get("2024-2025").unwrap();
        assert_eq!(
            year.period_range(Period::CaNam),
            (d(2024, 9, 5), d(2025, 5, 31))
        );
        assert_eq!(
            year.period_range(Period::Month(9)),
            (d(2024, 9, 1), d(2024, 9, 30))
        );
        assert_eq!(
            year.period_range(Period::Month(12)),
            (d(2024, 12, 1), d(2024, 12, 31))
        );
        assert_eq!(
            year.period_range(Period::Month(2)),
            (d(2025, 2, 1), d(2025, 2, 28))
        );
    }

    #[test]
    fn periods_parse_and_print() {
        for (text, period) in [
            ("hk1", Period::Hk1),
            ("hk2", Period::Hk2),
            ("ca-nam", Period::CaNam),
            ("01", Period::Month(1)),
            ("12", Period::Month(12)),
        ] {
            assert_eq!(text.parse::<Period>().unwrap(), period);
            assert_eq!(period.to_string(), text);
        }
        assert_eq!("HK1".parse::<Period>().unwrap(), Period::Hk1);
        assert_eq!("9".parse::<Period>().unwrap(), Period::Month(9));
        for bad in ["", "hk3", "13", "00", "ca nam", "001", "-1"] {
            let err = bad.parse::<Period>().unwrap_err().to_string();
            assert!(err.contains("hk1, hk2, ca-nam"), "{bad}: {err}");
        }
        assert_eq!(Period::from(Term::Hk2), Period::Hk2);
        assert_eq!(Term::Hk1.to_string(), "hk1");
    }

    #[test]
    fn periods_are_serde_strings() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Holder {
            period: Period,
        }
        let holder: Holder = toml::from_str("period = \"03\"").unwrap();
        assert_eq!(holder.period, Period::Month(3));
        assert_eq!(
            toml::to_string(&Holder {
                period: Period::CaNam
            })
            .unwrap()
            .trim(),
            "period = \"ca-nam\""
        );
        let err = toml::from_str::<Holder>("period = \"hk9\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("hk9") && err.contains("line 1"), "{err}");
    }

    #[test]
    fn bad_files_fail_with_the_line() {
        let cases = [
            (
                SAMPLE.replace("name = \"2024-2025\"", "name = \"2024-2026\""),
                "must be YYYY-YYYY",
                11,
            ),
            (
                SAMPLE.replace("end = 2025-05-31", "end = 2025-01-01"),
                "must run start < hk1_end",
                13,
            ),
            (
                SAMPLE.replace("start = 2024-09-05", "start = 2025-09-05"),
                "is not in 2024",
                12,
            ),
            (
                SAMPLE.replace("end = 2025-05-31", "end = 2024-12-31"),
                "is not in 2025",
                15,
            ),
            (
                SAMPLE.replace("source = \"test\"\n\n", "source = \"\"\n\n"),
                "`source` is empty",
                8,
            ),
            (
                SAMPLE.replace("start = \"2025-09-05\"", "start = \"2025-05-05\""),
                "starts on 2025-05-05, before 2024-2025 ends",
                3,
            ),
        ];
        for (text, want, line) in cases {
            let err = SchoolYears::from_toml(Path::new("school-years.toml"), &text)
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "want {want:?} in: {err}");
            assert!(
                err.contains(&format!("line {line}")),
                "want line {line} in: {err}"
            );
        }
        let err = SchoolYears::from_toml(
            Path::new("school-years.toml"),
            &SAMPLE.replace("source = \"test\"\n\n", "source = \"test\"\nterm3 = 1\n\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("term3") && err.contains("line 9"), "{err}");
    }

    #[test]
    fn the_shipped_school_years() {
        let years = shipped();
        let names: Vec<&str> = years
            .years()
            .iter()
            .map(|year| year.name.as_str())
            .collect();
        assert_eq!(names, ["2023-2024", "2024-2025", "2025-2026", "2026-2027"]);
        // HCMC: HK2 from 13 Jan 2025 and from 19 Jan 2026 (DOMAIN.md §6).
        assert_eq!(
            years.term_of(d(2025, 1, 13)),
            Some(("2024-2025".to_owned(), Term::Hk2))
        );
        assert_eq!(
            years.term_of(d(2025, 1, 12)),
            Some(("2024-2025".to_owned(), Term::Hk1))
        );
        assert_eq!(
            years.term_of(d(2026, 1, 19)),
            Some(("2025-2026".to_owned(), Term::Hk2))
        );
        assert_eq!(
            years.term_of(d(2026, 1, 16)),
            Some(("2025-2026".to_owned(), Term::Hk1))
        );
        assert_eq!(years.year_of(d(2025, 6, 30)).unwrap().name, "2024-2025");
        assert!(years.years().iter().all(|year| !year.source.is_empty()));
    }
}
