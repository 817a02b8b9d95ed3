//! Working days, public holidays, the Vietnamese lunar calendar, school years and terms.
//!
//! Art. 7.3 of the regulation gives schools 10 *working days* to enter a
//! change; a wrong count accuses a school falsely, so this room keeps the
//! arithmetic in one place and the calendar itself in data:
//!
//! - [`lunar`]: our own lunar calendar (UTC+7), used to propose schedules for
//!   years nobody has published yet and to check the published ones.
//! - [`holidays`]: the per-year schedule files `policies/calendar/YYYY.toml`,
//!   [`WorkCalendar`] and the deadline rule (Civil Code 2015, Art. 147–148).
//! - [`school_year`]: school years and terms from `policies/school-years.toml`,
//!   and the report periods (`hk1`, `hk2`, `ca-nam`, `01`..`12`).
//!
//! Every date the room reasons about is a civil date in Vietnam (UTC+07:00);
//! [`local_date`] turns a stored timestamp into one.

mod data;
pub mod holidays;
pub mod lunar;
pub mod school_year;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

pub use holidays::{
    DayOff, DayStatus, HolidayKind, Origin, ViewEntry, WorkCalendar, WorkingSaturday, YearCalendar,
    YearView, propose_year,
};
pub use lunar::{LunarDate, hung_kings, lunar_to_solar, solar_to_lunar, tet};
pub use school_year::{
    Period, SchoolYear, SchoolYearName, SchoolYears, Term, school_year_name_by_rule,
};

/// Vietnam's civil time offset, UTC+07:00, in seconds. Vietnam keeps no
/// daylight saving time, so a fixed offset is exact.
pub const VIETNAM_UTC_OFFSET_SECONDS: i32 = 7 * 3600;

/// The sub-folder of the policy folder that holds one schedule file per year.
pub const CALENDAR_DIR: &str = "calendar";

/// The file, inside the policy folder, that lists school years and terms.
pub const SCHOOL_YEARS_FILE: &str = "school-years.toml";

/// Errors of the calendar room. Each names the file (and line, where there
/// is one) and says what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// A policy file or folder could not be read.
    #[error(
        "cannot read {path}: {source}. The shipped policy folder has calendar/YYYY.toml and school-years.toml"
    )]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key or a value of the wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// toml's message, which gives the line and column and names the key.
        message: String,
    },
    /// A value that parses but is not acceptable.
    #[error("{}: {message}", Location { path, line: *line })]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the offending value, where there is one.
        line: Option<usize>,
        /// What is wrong and what to do.
        message: String,
    },
    /// The file's Tết days off do not include lunar new year's day.
    #[error(
        "{path}: the Tết days off ({listed}) do not include lunar new year's day: Tết {year} ({year_name}) is {expected} by the lunar calendar (UTC+7). Check the dates against the announcing document"
    )]
    TetMismatch {
        /// The file.
        path: PathBuf,
        /// The file's year.
        year: i32,
        /// The sexagenary name of the lunar year, e.g. "Bính Ngọ".
        year_name: String,
        /// 1/1 of the lunar year.
        expected: NaiveDate,
        /// The days of kind `tet` the file lists, as ranges, or "none".
        listed: String,
    },
    /// The Hùng Kings holiday (or its substitute) is not a day off.
    #[error(
        "{path}: Giỗ Tổ Hùng Vương (10/3 lunar) falls on {holiday} ({weekday}), so {expected} must be a day off{substitute}; add a day_off of kind \"hung_kings\""
    )]
    HungKingsMissing {
        /// The file.
        path: PathBuf,
        /// 10/3 lunar of the file's year.
        holiday: NaiveDate,
        /// Its weekday, in English.
        weekday: String,
        /// The day that must be off: the holiday, or the next working day
        /// when the holiday falls on a weekend (Labour Code 2019, Art. 111.3).
        expected: NaiveDate,
        /// " (the substitute day, Labour Code 2019 Art. 111.3)" or "".
        substitute: String,
    },
    /// A timestamp that is neither RFC 3339 with an offset nor a bare date.
    #[error(
        "cannot read the timestamp {input:?}: {message}. Expected RFC 3339 with an offset (2025-02-14T23:30:00+07:00 or 2025-02-14T16:30:00Z) or a date (2025-02-14)"
    )]
    Timestamp {
        /// The text as given.
        input: String,
        /// What is wrong with it.
        message: String,
    },
    /// A report period that is not `hk1`, `hk2`, `ca-nam` or a month `01`..`12`.
    #[error("unknown report period {input:?}: expected hk1, hk2, ca-nam or a month 01..12")]
    Period {
        /// The text as given.
        input: String,
    },
}

/// `path, line N` or just `path`.
struct Location<'a> {
    path: &'a Path,
    line: Option<usize>,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {line}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// Vietnam's civil time zone, UTC+07:00, as a chrono offset.
pub const VIETNAM: FixedOffset = match FixedOffset::east_opt(VIETNAM_UTC_OFFSET_SECONDS) {
    Some(offset) => offset,
    // Evaluated at compile time: an out-of-range offset would not build.
    None => panic!("UTC+7 is a valid offset"),
};

/// The civil date in Vietnam (UTC+07:00) of an instant.
pub fn local_date_of<Tz: TimeZone>(instant: &DateTime<Tz>) -> NaiveDate {
    instant.with_timezone(&VIETNAM).date_naive()
}

/// The civil date in Vietnam (UTC+07:00) of a stored timestamp.
///
/// Accepts RFC 3339 / ISO 8601 with an offset (`2025-02-14T23:30:00+07:00`,
/// `2025-02-14T16:30:00Z`, fractions of a second, a space instead of `T`),
/// and a bare date `2025-02-14`, which is returned as it is. A timestamp
/// without an offset is refused rather than guessed: read as UTC or as local
/// time it could land on different days, and a day decides lateness.
///
/// # Errors
///
/// [`CalendarError::Timestamp`] when the text is none of the accepted forms.
pub fn local_date(ts: &str) -> Result<NaiveDate, CalendarError> {
    let text = ts.trim();
    if text.len() == 10 {
        return data::parse_iso_date(text).ok_or_else(|| CalendarError::Timestamp {
            input: ts.to_owned(),
            message: "not a valid date".to_owned(),
        });
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(local_date_of(&instant));
    }
    // SQLite and many exports write a space between date and time, and some
    // write the offset without a colon.
    for format in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(instant) = DateTime::parse_from_str(text, format) {
            return Ok(local_date_of(&instant));
        }
    }
    let message = if chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
        || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").is_ok()
    {
        "it has no UTC offset, so its date in Vietnam is unknown; store it with +07:00 or Z"
    } else {
        "not a timestamp"
    };
    Err(CalendarError::Timestamp {
        input: ts.to_owned(),
        message: message.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn local_dates_of_timestamps() {
        let cases = [
            ("2025-02-14T23:30:00+07:00", d(2025, 2, 14)),
            // UTC date 14th, local date 15th.
            ("2025-02-14T18:00:00Z", d(2025, 2, 15)),
            ("2025-02-14T16:59:59Z", d(2025, 2, 14)),
            ("2025-02-14T17:00:00Z", d(2025, 2, 15)),
            ("2025-02-14T17:00:00.123456Z", d(2025, 2, 15)),
            ("2025-02-14 17:00:00+00:00", d(2025, 2, 15)),
            ("2025-02-14T17:00:00+0000", d(2025, 2, 15)),
            ("2025-02-15T01:00:00+09:00", d(2025, 2, 14)),
            ("2025-02-14", d(2025, 2, 14)),
            (" 2025-02-14 ", d(2025, 2, 14)),
        ];
        for (text, want) in cases {
            assert_eq!(local_date(text).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn timestamps_without_offset_or_garbage_are_refused() {
        let err = local_date("2025-02-14T18:00:00").unwrap_err().to_string();
        assert!(err.contains("no UTC offset"), "{err}");
        let err = local_date("14/02/2025").unwrap_err().to_string();
        assert!(err.contains("14/02/2025"), "{err}");
        assert!(local_date("2025-02-30").is_err());
    }

    /// Every file shipped under `policies/` parses and passes every check
    /// (STYLE.md: data the program ships is tested as data).
    #[test]
    fn the_shipped_policy_files_load_and_validate() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        let calendar = WorkCalendar::load(&dir).unwrap();
        assert_eq!(calendar.file_years(), vec![2024, 2025, 2026]);
        for year in calendar.file_years() {
            let schedule = calendar.year(year);
            assert_eq!(
                schedule.origin(),
                &Origin::File(dir.join(CALENDAR_DIR).join(format!("{year}.toml")))
            );
            // Loading ran these already; run them again by name so that a
            // change to `load` cannot skip them silently.
            schedule.check_statutory().unwrap();
            assert!(schedule.days_off().all(|day| !day.source.is_empty()));
            assert!(
                schedule
                    .working_saturdays()
                    .all(|day| !day.source.is_empty())
            );
            assert!(schedule.days_off().any(|day| day.date == tet(year)));
        }
        assert!(calendar.proposed_years_used().is_empty());

        // The table of DOMAIN.md §2, day by day: every weekday off and every
        // Saturday worked, nothing more and nothing less.
        let weekdays_off = |year: i32| -> Vec<NaiveDate> {
            let first = d(year, 1, 1);
            first
                .iter_days()
                .take_while(|day| day.year() == year)
                .filter(|day| !holidays::is_weekend(*day) && !calendar.is_working_day(*day))
                .collect()
        };
        let saturdays_worked = |year: i32| -> Vec<NaiveDate> {
            calendar
                .year(year)
                .working_saturdays()
                .map(|day| day.date)
                .collect()
        };
        let days = |list: &[(u32, u32)], year: i32| -> Vec<NaiveDate> {
            list.iter().map(|&(m, day)| d(year, m, day)).collect()
        };
        assert_eq!(
            weekdays_off(2024),
            days(
                &[
                    (1, 1),
                    (2, 8),
                    (2, 9),
                    (2, 12),
                    (2, 13),
                    (2, 14),
                    (4, 18),
                    (4, 29),
                    (4, 30),
                    (5, 1),
                    (9, 2),
                    (9, 3)
                ],
                2024
            )
        );
        assert_eq!(saturdays_worked(2024), days(&[(5, 4)], 2024));
        assert_eq!(
            weekdays_off(2025),
            days(
                &[
                    (1, 1),
                    (1, 27),
                    (1, 28),
                    (1, 29),
                    (1, 30),
                    (1, 31),
                    (4, 7),
                    (4, 30),
                    (5, 1),
                    (5, 2),
                    (9, 1),
                    (9, 2)
                ],
                2025
            )
        );
        assert_eq!(saturdays_worked(2025), days(&[(4, 26)], 2025));
        assert_eq!(
            weekdays_off(2026),
            days(
                &[
                    (1, 1),
                    (1, 2),
                    (2, 16),
                    (2, 17),
                    (2, 18),
                    (2, 19),
                    (2, 20),
                    (4, 27),
                    (4, 30),
                    (5, 1),
                    (8, 31),
                    (9, 1),
                    (9, 2)
                ],
                2026
            )
        );
        assert_eq!(saturdays_worked(2026), days(&[(1, 10), (8, 22)], 2026));

        let years = SchoolYears::load(&dir).unwrap();
        assert_eq!(years.years().len(), 4);
    }
}
