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
pub(crate) use data::TomlDate;
pub mod holidays;
pub mod lunar;
mod month;
pub mod school_year;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

pub use holidays::{
    DayOff, DayStatus, HolidayKind, OfficeDay, Origin, ViewEntry, WorkCalendar, WorkingSaturday,
    YearCalendar, YearView, propose_year,
};
pub use lunar::{
    LunarDate, LunarMonth, hung_kings, lunar_to_solar, month_starts_in, solar_to_lunar, tet,
};
pub use month::Month;
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

/// Today's date in Vietnam: the "today" of every rule, report and deadline
/// unless `--as-of` names another.
pub fn today() -> NaiveDate {
    local_date_of(&chrono::Utc::now())
}

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
    // SQLite and many exports write a space between date and time, some write
    // the offset without a colon, and some the time without seconds (`08:30`,
    // which means 08:30:00); `Z` is UTC.
    let zulu;
    let text = match text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        Some(t) => {
            zulu = format!("{t}+00:00");
            zulu.as_str()
        }
        None => text,
    };
    for format in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M%z",
    ] {
        if let Ok(instant) = DateTime::parse_from_str(text, format) {
            return Ok(local_date_of(&instant));
        }
    }
    let message = if [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .any(|f| chrono::NaiveDateTime::parse_from_str(text, f).is_ok())
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

/// The civil date in Vietnam of a stored timestamp: known, or one of a few
/// days when the timestamp has no UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalDay {
    /// A date, or a timestamp with an offset.
    Exact(NaiveDate),
    /// A timestamp without an offset: written anywhere from UTC−12 to
    /// UTC+14, its date in Vietnam is one of `earliest..=latest`.
    Unsure {
        /// Its date if it was written at UTC+14.
        earliest: NaiveDate,
        /// Its date if it was written at UTC−12.
        latest: NaiveDate,
    },
}

impl LocalDay {
    /// The earliest date it can be.
    pub fn earliest(self) -> NaiveDate {
        match self {
            LocalDay::Exact(d) | LocalDay::Unsure { earliest: d, .. } => d,
        }
    }

    /// The latest date it can be.
    pub fn latest(self) -> NaiveDate {
        match self {
            LocalDay::Exact(d) | LocalDay::Unsure { latest: d, .. } => d,
        }
    }

    /// Whether the offset was missing.
    pub fn is_unsure(self) -> bool {
        matches!(self, LocalDay::Unsure { .. })
    }
}

/// The earliest and latest offsets a timestamp may have been written in.
const OFFSETS_HOURS: (i64, i64) = (-12, 14);

/// The civil date in Vietnam of a stored timestamp, as [`local_date`], except
/// that a timestamp without an offset is not refused: it gives the dates it
/// can be on ([`LocalDay::Unsure`]), so that a rule can judge it whenever
/// every offset from UTC−12 to UTC+14 gives the same verdict.
///
/// # Errors
///
/// [`CalendarError::Timestamp`] when the text is no timestamp at all.
pub fn local_day(ts: &str) -> Result<LocalDay, CalendarError> {
    match local_date(ts) {
        Ok(d) => Ok(LocalDay::Exact(d)),
        Err(e) => {
            let text = ts.trim();
            let naive = [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
            ]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok());
            let Some(t) = naive else { return Err(e) };
            let vietnam = i64::from(VIETNAM_UTC_OFFSET_SECONDS) / 3600;
            let at = |offset: i64| {
                t.checked_add_signed(chrono::Duration::hours(vietnam - offset))
                    .map(|x| x.date())
            };
            match (at(OFFSETS_HOURS.1), at(OFFSETS_HOURS.0)) {
                (Some(earliest), Some(latest)) => Ok(LocalDay::Unsure { earliest, latest }),
                _ => Err(e),
            }
        }
    }
}

/// The regulation's date: Quyết định 146/QĐ-GDĐT of 5 September 2024. Nothing
/// before it is a finding unless `--from` asks for earlier days on purpose.
pub const REGULATION_DATE: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(2024, 9, 5) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// Whether `s` is a school-year name `YYYY-YYYY` with consecutive years.
pub fn is_year_name(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 9
        || b[4] != b'-'
        || !s[..4]
            .bytes()
            .chain(s[5..].bytes())
            .all(|c| c.is_ascii_digit())
    {
        return false;
    }
    let (a, z): (i32, i32) = (s[..4].parse().unwrap_or(0), s[5..].parse().unwrap_or(0));
    z == a + 1 && (1900..2200).contains(&a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn a_time_without_seconds_is_read() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        for (ts, want) in [
            ("2025-02-14T23:30+07:00", d(2025, 2, 14)),
            ("2025-02-14 23:30+07:00", d(2025, 2, 14)),
            ("2025-02-14T23:30+0700", d(2025, 2, 14)),
            ("2025-02-14T17:30Z", d(2025, 2, 15)),
            ("2025-02-14T16:30:00Z", d(2025, 2, 14)),
        ] {
            assert_eq!(local_date(ts).unwrap(), want, "{ts}");
        }
        let e = local_date("2025-02-14 08:30").unwrap_err().to_string();
        assert!(e.contains("no UTC offset"), "{e}");
        assert!(local_day("2025-02-14 08:30").unwrap().is_unsure());
    }

    #[test]
    fn a_timestamp_without_an_offset_gives_the_days_it_can_be_on() {
        // 08:00 anywhere from UTC+14 (17:00 the day before in Vietnam) to
        // UTC−12 (03:00 the next day in Vietnam).
        assert_eq!(
            local_day("2025-03-10T08:00:00").unwrap(),
            LocalDay::Unsure {
                earliest: d(2025, 3, 10),
                latest: d(2025, 3, 11)
            }
        );
        assert_eq!(
            local_day("2025-03-10 06:00:00").unwrap(),
            LocalDay::Unsure {
                earliest: d(2025, 3, 9),
                latest: d(2025, 3, 11)
            }
        );
        assert_eq!(
            local_day("2025-03-10T23:30:00+07:00").unwrap(),
            LocalDay::Exact(d(2025, 3, 10))
        );
        assert_eq!(
            local_day("2025-03-10").unwrap(),
            LocalDay::Exact(d(2025, 3, 10))
        );
        assert!(local_day("10/03/2025").is_err());
        assert!(local_day("2025-02-30T08:00:00").is_err());
    }

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

    /// Issue 14: every 2024 entry said its document was not recorded, and
    /// 2026's Tết and Quốc khánh cited an unnamed ministry notice.
    #[test]
    fn the_2024_and_2026_holidays_cite_the_documents_that_announced_them() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        let calendar = WorkCalendar::load(&dir).unwrap();
        let view = |year: i32| calendar.year_view(year).entries;
        let source = |year: i32, m: u32, day: u32| {
            view(year)
                .into_iter()
                .find(|e| e.date == d(year, m, day))
                .unwrap()
                .source
        };
        for e in view(2024) {
            assert!(!e.source.contains("chưa được ghi lại"), "{e:?}");
        }
        for (m, day) in [(2, 8), (2, 14), (8, 31), (9, 2), (9, 3)] {
            let s = source(2024, m, day);
            assert!(
                s.contains("8662/VPCP-KGVX") && s.contains("5015/TB-LĐTBXH"),
                "{s}"
            );
        }
        for (m, day) in [(4, 27), (4, 29), (5, 4)] {
            assert!(source(2024, m, day).contains("2450/VPCP-KGVX"), "{m}/{day}");
        }
        for (m, day) in [(2, 14), (2, 22), (8, 22), (8, 29), (8, 31), (9, 1), (9, 2)] {
            let s = source(2026, m, day);
            assert!(s.contains("Văn phòng Chính phủ ngày 13/10/2025"), "{s}");
            assert!(!s.contains("Bộ Nội vụ"), "{s}");
        }
        // 24 Nov 2026 is not shipped as a day off: an office declares it.
        assert!(calendar.is_working_day(d(2026, 11, 24)));
    }
}
