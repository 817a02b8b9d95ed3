//! Public holidays and working days: the yearly schedule files, their checks against the law and the lunar calendar, proposals for unpublished years, and the 10-working-day deadline.
//!
//! A working day is Monday–Friday (Quyết định 188/1999/QĐ-TTg) except the
//! days off the government announces, plus the Saturdays it declares working
//! days (làm bù). The public-servant schedule is published each year, so it is
//! data: one file per year, `policies/calendar/YYYY.toml`:
//!
//! ```toml
//! year = 2026
//!
//! [[day_off]]
//! from = "2026-02-14"          # or: date = "2026-02-14" for one day
//! to = "2026-02-22"
//! kind = "tet"                 # new_year | tet | hung_kings | reunification | labour
//!                              # | national_day | swap | weekend | other
//! name_vi = "Nghỉ Tết Nguyên đán Bính Ngọ"
//! name_en = "Lunar New Year (Tết) holiday"    # optional
//! source = "…"                 # the document that announced it; required
//! note = "…"                   # optional
//!
//! [[working_saturday]]
//! date = "2026-01-10"
//! replaces = "2026-01-02"      # optional: the weekday given off in exchange
//! name_vi = "Làm bù cho thứ Sáu 02/01/2026"
//! source = "…"
//! ```
//!
//! A new holiday (say, a 24 November "Vietnam Culture Day") is one more
//! `[[day_off]]` with `kind = "other"`: no code changes. Unknown keys are
//! refused, naming the key and line. An office that is given a day the
//! shipped files do not list declares it in its own `eqvault.toml`
//! (`[calendar] extra_days_off`, `extra_working_days`), without copying the
//! policy folder: [`WorkCalendar::with_office_days`] lays those on top.
//!
//! For a year with no file, [`propose_year`] applies the Labour Code 2019
//! (Art. 112, and Art. 111.3 for holidays on a weekend) to the lunar
//! calendar; [`WorkCalendar`] uses the proposal and remembers that it did,
//! so a report can say its deadlines rest on a proposed calendar.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::data::{TomlDate, line_of};
use super::lunar;
use super::{CALENDAR_DIR, CalendarError};

/// The source recorded on every proposed entry.
pub const PROPOSED_SOURCE: &str =
    "đề xuất tính toán (Bộ luật Lao động 2019, Điều 112) — chưa có văn bản công bố";

/// The longest `from`/`to` range a file may hold. The longest real holiday
/// block so far is 9 days (Tết 2025, Tết 2026); a longer range is far more
/// likely a typo (`2026-12-22` for `2026-02-22`) than a decision.
pub const MAX_RANGE_DAYS: u64 = 16;

/// Why a day is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// Tết Dương lịch, 1 January (and days attached to it).
    NewYear,
    /// Tết Nguyên đán, the lunar new year, and every day of its announced block.
    Tet,
    /// Giỗ Tổ Hùng Vương, 10/3 lunar, or its substitute.
    HungKings,
    /// Ngày Giải phóng miền Nam, thống nhất đất nước, 30 April.
    Reunification,
    /// Ngày Quốc tế Lao động, 1 May.
    Labour,
    /// Quốc khánh, 2 September and its adjacent day.
    NationalDay,
    /// A weekday given off in exchange for a working Saturday (hoán đổi).
    Swap,
    /// A Saturday or Sunday inside an announced block, listed so the file
    /// reads like the announcement; it changes no count.
    Weekend,
    /// Anything else the government decides (e.g. a new holiday).
    Other,
}

impl HolidayKind {
    /// The spelling used in the files (`new_year`, `hung_kings`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            HolidayKind::NewYear => "new_year",
            HolidayKind::Tet => "tet",
            HolidayKind::HungKings => "hung_kings",
            HolidayKind::Reunification => "reunification",
            HolidayKind::Labour => "labour",
            HolidayKind::NationalDay => "national_day",
            HolidayKind::Swap => "swap",
            HolidayKind::Weekend => "weekend",
            HolidayKind::Other => "other",
        }
    }
}

impl fmt::Display for HolidayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a year's schedule came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A published schedule, from this file.
    File(PathBuf),
    /// Computed by [`propose_year`]: no published schedule was available.
    Proposed,
}

/// One day off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayOff {
    /// The day.
    pub date: NaiveDate,
    /// Why it is off.
    pub kind: HolidayKind,
    /// Vietnamese name, as announced.
    pub name_vi: String,
    /// English name, if given.
    pub name_en: Option<String>,
    /// The document that announced it (or [`PROPOSED_SOURCE`]).
    pub source: String,
    /// A free note, if given.
    pub note: Option<String>,
}

/// One Saturday declared a working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingSaturday {
    /// The Saturday.
    pub date: NaiveDate,
    /// The weekday given off in exchange, if the file says.
    pub replaces: Option<NaiveDate>,
    /// Vietnamese name, as announced.
    pub name_vi: String,
    /// English name, if given.
    pub name_en: Option<String>,
    /// The document that announced it.
    pub source: String,
    /// A free note, if given.
    pub note: Option<String>,
}

/// One year's public-servant schedule: days off and working Saturdays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearCalendar {
    year: i32,
    origin: Origin,
    days_off: BTreeMap<NaiveDate, DayOff>,
    working_saturdays: BTreeMap<NaiveDate, WorkingSaturday>,
}

// ---------------------------------------------------------------------------
// The file format.
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: Spanned<i32>,
    #[serde(default)]
    day_off: Vec<DayOffFile>,
    #[serde(default)]
    working_saturday: Vec<SaturdayFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DayOffFile {
    date: Option<Spanned<TomlDate>>,
    from: Option<Spanned<TomlDate>>,
    to: Option<Spanned<TomlDate>>,
    kind: Spanned<HolidayKind>,
    name_vi: Spanned<String>,
    name_en: Option<String>,
    source: Spanned<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaturdayFile {
    date: Spanned<TomlDate>,
    replaces: Option<Spanned<TomlDate>>,
    name_vi: Spanned<String>,
    name_en: Option<String>,
    source: Spanned<String>,
    note: Option<String>,
}

/// Builds [`CalendarError::Invalid`] errors for one file.
struct Problems<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Problems<'_> {
    fn at<T>(&self, spanned: &Spanned<T>, message: String) -> CalendarError {
        self.at_span(spanned.span(), message)
    }

    fn at_span(&self, span: Range<usize>, message: String) -> CalendarError {
        CalendarError::Invalid {
            path: self.path.to_owned(),
            line: Some(line_of(self.text, span.start)),
            message,
        }
    }

    fn file(&self, message: String) -> CalendarError {
        CalendarError::Invalid {
            path: self.path.to_owned(),
            line: None,
            message,
        }
    }
}

fn non_empty(
    problems: &Problems<'_>,
    value: &Spanned<String>,
    key: &str,
) -> Result<String, CalendarError> {
    let text = value.get_ref().trim();
    if text.is_empty() {
        return Err(problems.at(value, format!("`{key}` is empty; it is required")));
    }
    Ok(text.to_owned())
}

fn optional_text(value: Option<String>) -> Option<String> {
    value
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

impl YearCalendar {
    /// Reads and checks one schedule file.
    ///
    /// # Errors
    ///
    /// See [`YearCalendar::from_toml`]; also [`CalendarError::Read`].
    pub fn load_file(path: &Path) -> Result<Self, CalendarError> {
        let text = std::fs::read_to_string(path).map_err(|source| CalendarError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(path, &text)
    }

    /// Parses and checks the text of a schedule file named `path`
    /// (`…/2026.toml`: the name must be the year).
    ///
    /// The checks: no unknown keys; each `[[day_off]]` has `date` or
    /// `from` + `to` (at most [`MAX_RANGE_DAYS`] days); every date lies in the
    /// file's year; no date is listed twice; a working Saturday is a Saturday
    /// and not also a day off; `replaces` names a listed weekday off;
    /// `weekend` entries are weekends; names and sources are not empty; and
    /// the schedule agrees with the law and the lunar calendar (see
    /// [`YearCalendar::check_statutory`]).
    ///
    /// # Errors
    ///
    /// [`CalendarError::Parse`] for TOML errors and unknown keys (with line
    /// and key), [`CalendarError::Invalid`] for the checks above (with line),
    /// [`CalendarError::TetMismatch`] and [`CalendarError::HungKingsMissing`]
    /// for a schedule that disagrees with the lunar calendar.
    pub fn from_toml(path: &Path, text: &str) -> Result<Self, CalendarError> {
        let file: YearFile = toml::from_str(text).map_err(|error| CalendarError::Parse {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
        let problems = Problems { path, text };
        let year = *file.year.get_ref();
        let named_year = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .and_then(|stem| stem.parse::<i32>().ok());
        match named_year {
            None => {
                return Err(problems.file(format!(
                    "the file name must be the year it describes, e.g. {year}.toml"
                )));
            }
            Some(named) if named != year => {
                return Err(problems.at(
                    &file.year,
                    format!("`year = {year}` in a file named for {named}; fix one of them"),
                ));
            }
            Some(_) => {}
        }

        let mut calendar = YearCalendar {
            year,
            origin: Origin::File(path.to_owned()),
            days_off: BTreeMap::new(),
            working_saturdays: BTreeMap::new(),
        };
        let in_year = |date: &Spanned<TomlDate>, key: &str| {
            let day = date.get_ref().0;
            if day.year() == year {
                Ok(day)
            } else {
                Err(problems.at(
                    date,
                    format!("`{key}` = {day} is outside the file's year {year}"),
                ))
            }
        };

        for entry in file.day_off {
            let (first, last, anchor) = match (&entry.date, &entry.from, &entry.to) {
                (Some(date), None, None) => {
                    let day = in_year(date, "date")?;
                    (day, day, date.span())
                }
                (None, Some(from), Some(to)) => {
                    let (first, last) = (in_year(from, "from")?, in_year(to, "to")?);
                    if last < first {
                        return Err(
                            problems.at(to, format!("`to` = {last} is before `from` = {first}"))
                        );
                    }
                    if (last - first).num_days() >= MAX_RANGE_DAYS as i64 {
                        return Err(problems.at(
                            to,
                            format!(
                                "{first} – {last} is longer than {MAX_RANGE_DAYS} days; is `to` a typo? (split a really longer break into several entries)"
                            ),
                        ));
                    }
                    (first, last, from.span())
                }
                _ => {
                    return Err(problems.at(
                        &entry.kind,
                        "a [[day_off]] needs either `date` or both `from` and `to`".to_owned(),
                    ));
                }
            };
            let kind = *entry.kind.get_ref();
            let name_vi = non_empty(&problems, &entry.name_vi, "name_vi")?;
            let source = non_empty(&problems, &entry.source, "source")?;
            let name_en = optional_text(entry.name_en);
            let note = optional_text(entry.note);
            for date in first.iter_days().take_while(|day| *day <= last) {
                if kind == HolidayKind::Weekend && !is_weekend(date) {
                    return Err(problems.at_span(
                        anchor.clone(),
                        format!(
                            "{date} is a {}, not a weekend day, but the entry's kind is \"weekend\"",
                            date.weekday()
                        ),
                    ));
                }
                let day = DayOff {
                    date,
                    kind,
                    name_vi: name_vi.clone(),
                    name_en: name_en.clone(),
                    source: source.clone(),
                    note: note.clone(),
                };
                if let Some(earlier) = calendar.days_off.insert(date, day) {
                    return Err(problems.at_span(
                        anchor.clone(),
                        format!(
                            "{date} is listed twice as a day off (also in \"{}\")",
                            earlier.name_vi
                        ),
                    ));
                }
            }
        }

        for entry in file.working_saturday {
            let date = in_year(&entry.date, "date")?;
            if date.weekday() != Weekday::Sat {
                return Err(problems.at(
                    &entry.date,
                    format!(
                        "working Saturday {date} is a {}; only Saturdays are declared working days",
                        date.weekday()
                    ),
                ));
            }
            if let Some(day) = calendar.days_off.get(&date) {
                return Err(problems.at(
                    &entry.date,
                    format!(
                        "{date} is both a working Saturday and a day off (\"{}\")",
                        day.name_vi
                    ),
                ));
            }
            let replaces = match &entry.replaces {
                None => None,
                Some(replaced) => {
                    let weekday = in_year(replaced, "replaces")?;
                    if is_weekend(weekday) || !calendar.days_off.contains_key(&weekday) {
                        return Err(problems.at(
                            replaced,
                            format!(
                                "`replaces` = {weekday} must be a weekday listed as a day off in this file"
                            ),
                        ));
                    }
                    Some(weekday)
                }
            };
            let saturday = WorkingSaturday {
                date,
                replaces,
                name_vi: non_empty(&problems, &entry.name_vi, "name_vi")?,
                name_en: optional_text(entry.name_en),
                source: non_empty(&problems, &entry.source, "source")?,
                note: optional_text(entry.note),
            };
            if calendar.working_saturdays.insert(date, saturday).is_some() {
                return Err(problems.at(
                    &entry.date,
                    format!("{date} is listed twice as a working Saturday"),
                ));
            }
        }

        calendar.check_statutory()?;
        Ok(calendar)
    }

    /// Checks the schedule against the lunar calendar and the Labour Code:
    ///
    /// - lunar new year's day (1/1) is among the days off of kind `tet`;
    /// - Giỗ Tổ Hùng Vương (10/3 lunar) is a day off, or, when it falls on a
    ///   weekend, the next working day is (Art. 111.3);
    /// - 1 January, 30 April, 1 May and 2 September are days off when they
    ///   fall on a weekday.
    ///
    /// Not checked, because the government chooses: which other four days
    /// make up Tết's five, which day joins 2 September, and the substitutes
    /// for fixed-date holidays that fall on a weekend.
    ///
    /// # Errors
    ///
    /// [`CalendarError::TetMismatch`], [`CalendarError::HungKingsMissing`], or
    /// [`CalendarError::Invalid`] for a missing fixed-date holiday.
    pub fn check_statutory(&self) -> Result<(), CalendarError> {
        let path = match &self.origin {
            Origin::File(path) => path.clone(),
            Origin::Proposed => PathBuf::from(format!("(proposed {})", self.year)),
        };
        let tet = lunar::tet(self.year);
        if self.days_off.get(&tet).map(|day| day.kind) != Some(HolidayKind::Tet) {
            return Err(CalendarError::TetMismatch {
                path,
                year: self.year,
                year_name: lunar::year_name(self.year),
                expected: tet,
                listed: describe_ranges(
                    self.days_off
                        .values()
                        .filter(|day| day.kind == HolidayKind::Tet)
                        .map(|day| day.date),
                ),
            });
        }

        let fixed = fixed_holidays(self.year);
        let hung_kings = lunar::hung_kings(self.year);
        let taken: BTreeSet<NaiveDate> = fixed.iter().map(|(date, ..)| *date).collect();
        let expected = if is_weekend(hung_kings) {
            next_free_weekday(hung_kings, &taken)
        } else {
            hung_kings
        };
        if !self.days_off.contains_key(&expected) {
            return Err(CalendarError::HungKingsMissing {
                path,
                holiday: hung_kings,
                weekday: hung_kings.weekday().to_string(),
                expected,
                substitute: if expected == hung_kings {
                    String::new()
                } else {
                    " (the substitute day, Labour Code 2019 Art. 111.3)".to_owned()
                },
            });
        }

        for (date, kind, name_vi, _) in fixed {
            if !is_weekend(date) && !self.days_off.contains_key(&date) {
                return Err(CalendarError::Invalid {
                    path,
                    line: None,
                    message: format!(
                        "{date} ({name_vi}) is a public holiday under the Labour Code 2019, Art. 112, but not a day off here; add a [[day_off]] of kind \"{kind}\""
                    ),
                });
            }
        }
        Ok(())
    }

    /// The year this schedule covers.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// Where the schedule came from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Whether the schedule was proposed rather than published.
    pub fn is_proposed(&self) -> bool {
        self.origin == Origin::Proposed
    }

    /// Every day off, in date order.
    pub fn days_off(&self) -> impl Iterator<Item = &DayOff> {
        self.days_off.values()
    }

    /// Every working Saturday, in date order.
    pub fn working_saturdays(&self) -> impl Iterator<Item = &WorkingSaturday> {
        self.working_saturdays.values()
    }

    /// The day off on `date`, if it is one.
    pub fn day_off(&self, date: NaiveDate) -> Option<&DayOff> {
        self.days_off.get(&date)
    }

    /// Whether `date` (in this schedule's year) is a working day:
    /// Monday–Friday except days off, plus working Saturdays.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.working_saturdays.contains_key(&date) {
            return true;
        }
        !is_weekend(date) && !self.days_off.contains_key(&date)
    }
}

/// "2026-02-14 – 2026-02-22, 2026-03-01" for a sorted run of dates, or "none".
fn describe_ranges(dates: impl Iterator<Item = NaiveDate>) -> String {
    let mut ranges: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for date in dates {
        match ranges.last_mut() {
            Some((_, last)) if last.succ_opt() == Some(date) => *last = date,
            _ => ranges.push((date, date)),
        }
    }
    if ranges.is_empty() {
        return "none".to_owned();
    }
    ranges
        .iter()
        .map(|(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first} – {last}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a date is a Saturday or a Sunday, the weekly rest of public
/// servants (Quyết định 188/1999/QĐ-TTg).
pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The first Monday–Friday after `date` that is not in `taken`: where a
/// holiday on a weekend moves to (Labour Code 2019, Art. 111.3).
fn next_free_weekday(date: NaiveDate, taken: &BTreeSet<NaiveDate>) -> NaiveDate {
    let mut day = date;
    while let Some(next) = day.succ_opt() {
        day = next;
        if !is_weekend(day) && !taken.contains(&day) {
            return day;
        }
    }
    day
}

type Holiday = (NaiveDate, HolidayKind, String, &'static str);

/// The fixed-date public holidays of a year (Labour Code 2019, Art. 112):
/// (date, kind, Vietnamese name, English name).
fn fixed_holidays(year: i32) -> Vec<Holiday> {
    let day = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    [
        (
            day(1, 1),
            HolidayKind::NewYear,
            "Tết Dương lịch (1/1)",
            "New Year's Day",
        ),
        (
            day(4, 30),
            HolidayKind::Reunification,
            "Ngày Giải phóng miền Nam, thống nhất đất nước (30/4)",
            "Reunification Day",
        ),
        (
            day(5, 1),
            HolidayKind::Labour,
            "Ngày Quốc tế Lao động (1/5)",
            "International Labour Day",
        ),
        (
            day(9, 2),
            HolidayKind::NationalDay,
            "Quốc khánh (2/9)",
            "National Day",
        ),
    ]
    .into_iter()
    .filter_map(|(date, kind, vi, en)| Some((date?, kind, vi.to_owned(), en)))
    .collect()
}

/// The statutory holidays of a year with no published schedule, from the
/// Labour Code 2019 (Art. 112) and the lunar calendar, with every holiday
/// that falls on a Saturday or Sunday moved to the next working day
/// (Art. 111.3). Every entry's source is [`PROPOSED_SOURCE`].
///
/// Choices the law leaves to the government, decided here:
///
/// - Tết: the last day of the old lunar year and the first four days of the
///   new one, the split the labour ministry proposes nearly every year.
/// - 2 September's adjacent day: 1 September, except 3 September when
///   1 September is a Sunday (2 Sep a Monday) or 3 September is a Friday
///   (2 Sep a Thursday), so the pair joins a weekend where it can. This
///   reproduces the government's choices of 2021–2026.
/// - No swaps (hoán đổi) and no working Saturdays: those are decided case
///   by case and can only come from a published schedule.
pub fn propose_year(year: i32) -> YearCalendar {
    let mut holidays: Vec<Holiday> = fixed_holidays(year);

    let tet = lunar::tet(year);
    let tet_name = lunar::year_name(year);
    if let Some(eve) = tet.pred_opt() {
        let eve_lunar = lunar::solar_to_lunar(eve);
        holidays.push((
            eve,
            HolidayKind::Tet,
            format!(
                "Tết Nguyên đán {tet_name} ({}/12 năm {})",
                eve_lunar.day,
                lunar::year_name(eve_lunar.year)
            ),
            "Lunar New Year (Tết): last day of the old year",
        ));
    }
    for offset in 0..4u64 {
        if let Some(date) = tet.checked_add_days(Days::new(offset)) {
            holidays.push((
                date,
                HolidayKind::Tet,
                format!("Tết Nguyên đán {tet_name} (mùng {})", offset + 1),
                "Lunar New Year (Tết)",
            ));
        }
    }

    holidays.push((
        lunar::hung_kings(year),
        HolidayKind::HungKings,
        "Giỗ Tổ Hùng Vương (10/3 âm lịch)".to_owned(),
        "Hùng Kings' Commemoration Day",
    ));

    if let Some(national_day) = NaiveDate::from_ymd_opt(year, 9, 2) {
        let adjacent_after = matches!(national_day.weekday(), Weekday::Mon | Weekday::Thu);
        let adjacent = if adjacent_after {
            national_day.succ_opt()
        } else {
            national_day.pred_opt()
        };
        if let Some(adjacent) = adjacent {
            holidays.push((
                adjacent,
                HolidayKind::NationalDay,
                format!("Quốc khánh (ngày liền kề {})", adjacent.format("%d/%m")),
                "National Day (adjacent day)",
            ));
        }
    }
    holidays.sort_by_key(|(date, ..)| *date);

    let mut taken: BTreeSet<NaiveDate> = holidays.iter().map(|(date, ..)| *date).collect();
    let mut days_off = BTreeMap::new();
    for (date, kind, name_vi, name_en) in holidays {
        if is_weekend(date) {
            let substitute = next_free_weekday(date, &taken);
            taken.insert(substitute);
            days_off.insert(
                substitute,
                DayOff {
                    date: substitute,
                    kind,
                    name_vi: format!(
                        "Nghỉ bù {name_vi}, trùng {} {}",
                        weekday_vi(date),
                        date.format("%d/%m")
                    ),
                    name_en: Some(format!("Day off in lieu: {name_en}")),
                    source: PROPOSED_SOURCE.to_owned(),
                    note: Some("Bộ luật Lao động 2019, Điều 111 khoản 3".to_owned()),
                },
            );
        }
        days_off.entry(date).or_insert(DayOff {
            date,
            kind,
            name_vi,
            name_en: Some(name_en.to_owned()),
            source: PROPOSED_SOURCE.to_owned(),
            note: None,
        });
    }

    YearCalendar {
        year,
        origin: Origin::Proposed,
        days_off,
        working_saturdays: BTreeMap::new(),
    }
}

fn weekday_vi(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "thứ Hai",
        Weekday::Tue => "thứ Ba",
        Weekday::Wed => "thứ Tư",
        Weekday::Thu => "thứ Năm",
        Weekday::Fri => "thứ Sáu",
        Weekday::Sat => "thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

// ---------------------------------------------------------------------------
// The calendar the rest of eqvault uses.
// ---------------------------------------------------------------------------

/// Working days across years: published schedules where there are files,
/// proposals (remembered) where there are not.
///
/// `Send + Sync`: the proposals made on demand sit behind a mutex.
#[derive(Debug, Default)]
pub struct WorkCalendar {
    files: BTreeMap<i32, Arc<YearCalendar>>,
    proposed: Mutex<BTreeMap<i32, Arc<YearCalendar>>>,
    office: BTreeMap<NaiveDate, OfficeDay>,
}

/// A day the office declares in its `eqvault.toml` (`[calendar] extra_days_off`,
/// `extra_working_days`), applied on top of the shipped schedule: a holiday
/// announced after the policy files were written (24 November, Vietnam
/// Culture Day), or a correction of a proposed year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficeDay {
    /// The day.
    pub date: NaiveDate,
    /// `true`: a day off; `false`: a working day.
    pub off: bool,
    /// Why, as the office wrote it.
    pub reason: String,
    /// The document that decided it, as the office wrote it.
    pub source: String,
    /// The config file that declares it.
    #[serde(skip)]
    pub file: PathBuf,
    /// Its line there.
    #[serde(skip)]
    pub line: usize,
    /// Its key there (`calendar.extra_days_off[0]`).
    #[serde(skip)]
    pub key: String,
}

impl WorkCalendar {
    /// Reads every `policy_dir/calendar/*.toml` (one file per year, named
    /// `YYYY.toml`) and checks each (see [`YearCalendar::from_toml`]).
    /// Files that do not end in `.toml` are ignored.
    ///
    /// # Errors
    ///
    /// [`CalendarError::Read`] when the folder or a file cannot be read, and
    /// every error of [`YearCalendar::from_toml`] for the first bad file
    /// (files are read in name order).
    pub fn load(policy_dir: &Path) -> Result<Self, CalendarError> {
        let dir = policy_dir.join(CALENDAR_DIR);
        let read_error = |source| CalendarError::Read {
            path: dir.clone(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(read_error)? {
            let path = entry.map_err(read_error)?.path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                paths.push(path);
            }
        }
        paths.sort();
        let years = paths
            .iter()
            .map(|path| YearCalendar::load_file(path))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_years(years)
    }

    /// A calendar from schedules already read (e.g. with
    /// [`YearCalendar::from_toml`] in tests).
    ///
    /// # Errors
    ///
    /// [`CalendarError::Invalid`] when two schedules cover the same year.
    pub fn from_years(
        years: impl IntoIterator<Item = YearCalendar>,
    ) -> Result<Self, CalendarError> {
        let mut files = BTreeMap::new();
        for calendar in years {
            let year = calendar.year;
            if let Some(earlier) = files.insert(year, Arc::new(calendar)) {
                let path = match &earlier.origin {
                    Origin::File(path) => path.clone(),
                    Origin::Proposed => PathBuf::from(year.to_string()),
                };
                return Err(CalendarError::Invalid {
                    path,
                    line: None,
                    message: format!("a second schedule for {year}; keep one file per year"),
                });
            }
        }
        Ok(WorkCalendar {
            files,
            proposed: Mutex::new(BTreeMap::new()),
            office: BTreeMap::new(),
        })
    }

    /// The calendar with the office's own days on top. A day off must be a
    /// working day of the shipped schedule and a working day a day off (or a
    /// weekend): anything else changes nothing and is more likely a typo.
    ///
    /// # Errors
    ///
    /// [`CalendarError::Invalid`] naming the config file, line and key of the
    /// first day that changes nothing or is declared twice.
    pub fn with_office_days(
        mut self,
        days: impl IntoIterator<Item = OfficeDay>,
    ) -> Result<Self, CalendarError> {
        for day in days {
            let invalid = |message: String| CalendarError::Invalid {
                path: day.file.clone(),
                line: Some(day.line),
                message: format!("`{}`: {message}", day.key),
            };
            if let Some(earlier) = self.office.get(&day.date) {
                return Err(invalid(format!(
                    "{} is already declared as `{}`; list each day once",
                    day.date, earlier.key
                )));
            }
            let shipped = self.peek(day.date.year()).is_working_day(day.date);
            if day.off && !shipped {
                return Err(invalid(format!(
                    "{} ({}) is not a working day already (weekend or holiday in the shipped calendar); remove it, or list it under extra_working_days if the office works that day",
                    day.date,
                    day.date.weekday()
                )));
            }
            if !day.off && shipped {
                return Err(invalid(format!(
                    "{} ({}) is a working day already; remove it, or list it under extra_days_off if the office is closed that day",
                    day.date,
                    day.date.weekday()
                )));
            }
            self.office.insert(day.date, day);
        }
        Ok(self)
    }

    /// The office's own day on `date`, if it declared one.
    pub fn office_day(&self, date: NaiveDate) -> Option<&OfficeDay> {
        self.office.get(&date)
    }

    /// The office's own days, in date order.
    pub fn office_days(&self) -> impl Iterator<Item = &OfficeDay> {
        self.office.values()
    }

    /// The office's own days within `after` (exclusive) ..= `until`: the
    /// ones a deadline counted across, cited in its finding.
    pub fn office_days_between(&self, after: NaiveDate, until: NaiveDate) -> Vec<&OfficeDay> {
        match after.succ_opt() {
            Some(first) if first <= until => {
                self.office.range(first..=until).map(|(_, d)| d).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The years whose schedule a count from `after` (exclusive) to `until`
    /// crosses and that have no published schedule: what makes a deadline
    /// provisional. A day the office declared itself is not provisional.
    pub fn proposed_years_between(&self, after: NaiveDate, until: NaiveDate) -> Vec<i32> {
        let Some(first) = after.succ_opt() else {
            return Vec::new();
        };
        (first.year()..=until.year())
            .filter(|y| !self.files.contains_key(y))
            .filter(|&y| {
                // Only the days of that year inside the range, and not all of
                // them decided by the office.
                let start = NaiveDate::from_ymd_opt(y, 1, 1).map_or(first, |d| d.max(first));
                let end = NaiveDate::from_ymd_opt(y, 12, 31).map_or(until, |d| d.min(until));
                start
                    .iter_days()
                    .take_while(|d| *d <= end)
                    .any(|d| !self.office.contains_key(&d))
            })
            .collect()
    }

    /// The schedule of `year` without recording a proposal (for checks that
    /// must not make a report say it used one).
    fn peek(&self, year: i32) -> Arc<YearCalendar> {
        match self.files.get(&year) {
            Some(c) => Arc::clone(c),
            None => self
                .proposals()
                .get(&year)
                .cloned()
                .unwrap_or_else(|| Arc::new(propose_year(year))),
        }
    }

    /// A calendar with no published schedules: every year is proposed.
    pub fn proposals_only() -> Self {
        Self::default()
    }

    /// The years that have a published schedule.
    pub fn file_years(&self) -> Vec<i32> {
        self.files.keys().copied().collect()
    }

    /// The years for which a proposal stood in for a missing schedule so far,
    /// ascending. A report built on them should say its deadlines are
    /// provisional.
    pub fn proposed_years_used(&self) -> Vec<i32> {
        self.proposals().keys().copied().collect()
    }

    /// The schedule of `year`: the file's, or a proposal (made once, then
    /// remembered and listed by [`WorkCalendar::proposed_years_used`]).
    pub fn year(&self, year: i32) -> Arc<YearCalendar> {
        if let Some(calendar) = self.files.get(&year) {
            return Arc::clone(calendar);
        }
        Arc::clone(
            self.proposals()
                .entry(year)
                .or_insert_with(|| Arc::new(propose_year(year))),
        )
    }

    fn proposals(&self) -> std::sync::MutexGuard<'_, BTreeMap<i32, Arc<YearCalendar>>> {
        // A panic elsewhere cannot leave the map half-written (entries are
        // inserted whole), so a poisoned lock is still a good map.
        self.proposed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `date` is a working day: Monday–Friday except days off, plus
    /// working Saturdays (public-servant schedule).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if let Some(day) = self.office.get(&date) {
            return !day.off;
        }
        self.year(date.year()).is_working_day(date)
    }

    /// The `n`-th working day strictly after `date`: the deadline of a period
    /// of `n` working days that starts with an event on `date` (Civil Code
    /// 2015, Art. 147: the event's day is not counted). `n = 0` gives `date`.
    pub fn nth_working_day_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut counted = 0;
        // The schedule is looked up once per year crossed, and only for days
        // actually counted: the event's own year is not needed (nor recorded
        // as proposed) when the count starts on 1 January.
        let mut schedule: Option<Arc<YearCalendar>> = None;
        while counted < n {
            let Some(next) = day.succ_opt() else {
                return day;
            };
            day = next;
            if let Some(office) = self.office.get(&day) {
                if !office.off {
                    counted += 1;
                }
                continue;
            }
            let current = match schedule.take() {
                Some(current) if current.year == day.year() => current,
                _ => self.year(day.year()),
            };
            if current.is_working_day(day) {
                counted += 1;
            }
            schedule = Some(current);
        }
        day
    }

    /// Whether an entry made on `recorded_local_date` (the civil date in
    /// Vietnam, see [`super::local_date`]) for a change on `occurred_on` is
    /// late under an `n`-working-day rule: the period ends at 24:00 of its
    /// last day (Civil Code 2015, Art. 148), so an entry on the deadline is
    /// on time and one on the next day, even a Saturday, is late.
    pub fn is_late(&self, occurred_on: NaiveDate, recorded_local_date: NaiveDate, n: u32) -> bool {
        recorded_local_date > self.nth_working_day_after(occurred_on, n)
    }

    /// [`WorkCalendar::is_late`] for a stored timestamp, judged by its date in
    /// Vietnam.
    ///
    /// # Errors
    ///
    /// [`CalendarError::Timestamp`] when `recorded_at` cannot be read.
    pub fn is_late_at(
        &self,
        occurred_on: NaiveDate,
        recorded_at: &str,
        n: u32,
    ) -> Result<bool, CalendarError> {
        Ok(self.is_late(occurred_on, super::local_date(recorded_at)?, n))
    }

    /// Everything `eqvault calendar YEAR` shows: each day off and working
    /// Saturday with its names and source, where the schedule came from, and
    /// the working days of each month.
    pub fn year_view(&self, year: i32) -> YearView {
        let schedule = self.year(year);
        let proposed = schedule.is_proposed();
        let mut entries: Vec<ViewEntry> = schedule
            .days_off()
            .map(|day| ViewEntry {
                date: day.date,
                status: DayStatus::DayOff(day.kind),
                name_vi: day.name_vi.clone(),
                name_en: day.name_en.clone(),
                source: day.source.clone(),
                note: day.note.clone(),
                proposed,
                office: false,
            })
            .chain(schedule.working_saturdays().map(|saturday| ViewEntry {
                date: saturday.date,
                status: DayStatus::WorkingSaturday {
                    replaces: saturday.replaces,
                },
                name_vi: saturday.name_vi.clone(),
                name_en: saturday.name_en.clone(),
                source: saturday.source.clone(),
                note: saturday.note.clone(),
                proposed,
                office: false,
            }))
            .collect();
        // The office's own days replace what the shipped schedule says of them.
        for day in self.office.values().filter(|d| d.date.year() == year) {
            let replaced = entries
                .iter()
                .position(|e| e.date == day.date)
                .map(|i| entries.remove(i));
            entries.push(ViewEntry {
                date: day.date,
                status: if day.off {
                    DayStatus::DayOff(HolidayKind::Other)
                } else {
                    DayStatus::OfficeWorkingDay
                },
                name_vi: day.reason.clone(),
                name_en: None,
                source: day.source.clone(),
                note: Some(match replaced {
                    Some(r) => format!(
                        "khai báo trong {} ({}), thay cho: {}",
                        day.file.display(),
                        day.key,
                        r.name_vi
                    ),
                    None => format!("khai báo trong {} ({})", day.file.display(), day.key),
                }),
                proposed: false,
                office: true,
            });
        }
        entries.sort_by_key(|entry| entry.date);

        let mut working_days_per_month = [0u32; 12];
        if let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) {
            for date in first.iter_days().take_while(|date| date.year() == year) {
                let working = match self.office.get(&date) {
                    Some(day) => !day.off,
                    None => schedule.is_working_day(date),
                };
                if working {
                    working_days_per_month[date.month0() as usize] += 1;
                }
            }
        }
        YearView {
            year,
            origin: schedule.origin.clone(),
            entries,
            working_days_per_month,
        }
    }
}

/// A year's schedule laid out for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearView {
    /// The year.
    pub year: i32,
    /// The file it came from, or [`Origin::Proposed`].
    pub origin: Origin,
    /// Every day off and working Saturday, in date order.
    pub entries: Vec<ViewEntry>,
    /// Working days in each month; index 0 is January.
    pub working_days_per_month: [u32; 12],
}

impl YearView {
    /// Working days in the whole year.
    pub fn working_days(&self) -> u32 {
        self.working_days_per_month.iter().sum()
    }
}

/// One line of a [`YearView`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewEntry {
    /// The day.
    pub date: NaiveDate,
    /// Off (and why) or a working Saturday.
    pub status: DayStatus,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name, if known.
    pub name_en: Option<String>,
    /// The announcing document, or [`PROPOSED_SOURCE`].
    pub source: String,
    /// A free note, if any.
    pub note: Option<String>,
    /// Whether this comes from a proposal rather than a published schedule.
    pub proposed: bool,
    /// Whether the office declared it in its config (`[calendar]`).
    pub office: bool,
}

/// Whether a listed day is off or a working Saturday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayStatus {
    /// A day off, and why.
    DayOff(HolidayKind),
    /// A Saturday declared a working day, and the weekday it pays back.
    WorkingSaturday {
        /// The weekday given off in exchange, if the file says.
        replaces: Option<NaiveDate>,
    },
    /// A day the office declared a working day in its config.
    OfficeWorkingDay,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The shipped schedules, read from the crate's `policies/` folder.
    fn shipped() -> WorkCalendar {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        WorkCalendar::load(&dir).unwrap()
    }

    fn parse(name: &str, text: &str) -> Result<YearCalendar, CalendarError> {
        YearCalendar::from_toml(Path::new(name), text)
    }

    /// A minimal valid 2026 file, to break one piece at a time.
    const MINIMAL_2026: &str = r#"
year = 2026

[[day_off]]
from = "2026-01-01"
to = "2026-01-04"
kind = "new_year"
name_vi = "Tết Dương lịch"
source = "VPCP 12729/VPCP-KGVX"

[[day_off]]
from = "2026-02-14"
to = "2026-02-22"
kind = "tet"
name_vi = "Tết Nguyên đán"
source = "test"

[[day_off]]
date = "2026-04-27"
kind = "hung_kings"
name_vi = "Nghỉ bù Giỗ Tổ"
source = "test"

[[day_off]]
from = "2026-04-30"
to = "2026-05-01"
kind = "reunification"
name_vi = "30/4 – 1/5"
source = "test"

[[day_off]]
from = "2026-09-01"
to = "2026-09-02"
kind = "national_day"
name_vi = "Quốc khánh"
source = "test"

[[working_saturday]]
date = "2026-01-10"
replaces = "2026-01-02"
name_vi = "Làm bù"
source = "VPCP 12729/VPCP-KGVX"
"#;

    // --- Worked examples of DOMAIN.md §2 -----------------------------------

    #[test]
    fn worked_example_tet_2025() {
        // Fri 24 Jan 2025; 25 Jan – 2 Feb off; day 1 = Mon 3 Feb … day 10 = Fri 14 Feb.
        let calendar = shipped();
        assert_eq!(
            calendar.nth_working_day_after(d(2025, 1, 24), 10),
            d(2025, 2, 14)
        );
    }

    #[test]
    fn worked_example_30_april_2025() {
        // Fri 25 Apr 2025: Sat 26 Apr is worked (1), Mon 28 (2), Tue 29 (3),
        // 30 Apr – 4 May off, Mon 5 May (4) … Tue 13 May (10).
        let calendar = shipped();
        assert_eq!(
            calendar.nth_working_day_after(d(2025, 4, 25), 10),
            d(2025, 5, 13)
        );
    }

    #[test]
    fn worked_example_national_day_2026() {
        // Thu 20 Aug 2026: Fri 21 (1), Sat 22 worked (2), Mon 24 – Fri 28 (3–7),
        // 29 Aug – 2 Sep off, Thu 3 (8), Fri 4 (9), Mon 7 Sep (10).
        let calendar = shipped();
        assert_eq!(
            calendar.nth_working_day_after(d(2026, 8, 20), 10),
            d(2026, 9, 7)
        );
    }

    #[test]
    fn deadline_across_tet_2024() {
        // Change on Wed 7 Feb 2024. 8–14 Feb off. Thu 15 (1), Fri 16 (2),
        // Mon 19 – Fri 23 (3–7), Mon 26 (8), Tue 27 (9), Wed 28 Feb (10).
        let calendar = shipped();
        assert_eq!(
            calendar.nth_working_day_after(d(2024, 2, 7), 10),
            d(2024, 2, 28)
        );
        // Change on the first day off, Thu 8 Feb: the same count, the same deadline.
        assert_eq!(
            calendar.nth_working_day_after(d(2024, 2, 8), 10),
            d(2024, 2, 28)
        );
        // Change on Fri 2 Feb: Mon 5 (1), Tue 6 (2), Wed 7 (3), Thu 15 (4),
        // Fri 16 (5), Mon 19 – Fri 23 (6–10): Fri 23 Feb.
        assert_eq!(
            calendar.nth_working_day_after(d(2024, 2, 2), 10),
            d(2024, 2, 23)
        );
    }

    #[test]
    fn deadline_across_tet_2026() {
        // Change on Fri 13 Feb 2026. 14–22 Feb off. Mon 23 – Fri 27 (1–5),
        // Mon 2 – Fri 6 Mar (6–10): Fri 6 Mar 2026.
        let calendar = shipped();
        assert_eq!(
            calendar.nth_working_day_after(d(2026, 2, 13), 10),
            d(2026, 3, 6)
        );
        // Change on Mon 9 Feb: Tue 10 – Fri 13 (1–4), Mon 23 – Fri 27 (5–9),
        // Mon 2 Mar (10).
        assert_eq!(
            calendar.nth_working_day_after(d(2026, 2, 9), 10),
            d(2026, 3, 2)
        );
    }

    #[test]
    fn deadline_across_30_april_2024_counts_the_swapped_saturday() {
        // Change on Thu 25 Apr 2024. Fri 26 (1); 27 Apr – 1 May off;
        // Thu 2 (2), Fri 3 (3), Sat 4 May worked (4), Mon 6 – Fri 10 (5–9),
        // Mon 13 May (10).
        let calendar = shipped();
        assert!(calendar.is_working_day(d(2024, 5, 4)));
        assert!(!calendar.is_working_day(d(2024, 4, 29)));
        assert_eq!(
            calendar.nth_working_day_after(d(2024, 4, 25), 10),
            d(2024, 5, 13)
        );
    }

    #[test]
    fn deadline_across_new_year_2026_counts_saturday_10_january() {
        // Change on Wed 31 Dec 2025. 1–4 Jan off; Mon 5 – Fri 9 (1–5),
        // Sat 10 worked (6), Mon 12 – Thu 15 (7–10): Thu 15 Jan 2026.
        let calendar = shipped();
        assert_eq!(
            calendar.nth_working_day_after(d(2025, 12, 31), 10),
            d(2026, 1, 15)
        );
    }

    #[test]
    fn saturday_after_a_friday_deadline_is_late() {
        let calendar = shipped();
        // Deadline Fri 14 Feb 2025 (worked example).
        assert!(!calendar.is_late(d(2025, 1, 24), d(2025, 2, 14), 10));
        assert!(calendar.is_late(d(2025, 1, 24), d(2025, 2, 15), 10));
        // Before the change or on its day: not late.
        assert!(!calendar.is_late(d(2025, 1, 24), d(2025, 1, 24), 10));
    }

    #[test]
    fn lateness_is_judged_by_the_local_date() {
        let calendar = shipped();
        // 18:00 UTC on the 14th is 01:00 on Sat 15 Feb in Vietnam: late,
        // though the UTC date is the deadline itself.
        assert!(
            calendar
                .is_late_at(d(2025, 1, 24), "2025-02-14T18:00:00Z", 10)
                .unwrap()
        );
        assert!(
            !calendar
                .is_late_at(d(2025, 1, 24), "2025-02-14T16:59:59Z", 10)
                .unwrap()
        );
        assert!(
            !calendar
                .is_late_at(d(2025, 1, 24), "2025-02-14T23:30:00+07:00", 10)
                .unwrap()
        );
        assert!(
            calendar
                .is_late_at(d(2025, 1, 24), "2025-02-14T18:00:00", 10)
                .is_err()
        );
    }

    #[test]
    fn a_count_starting_on_new_years_eve_needs_only_the_next_year() {
        // Sun 31 Dec 2023 (no 2023 file): 1 Jan 2024 is off; Tue 2 – Fri 5
        // (1–4), Mon 8 – Fri 12 (5–9), Mon 15 Jan 2024 (10). 2023 is not
        // needed, so it is not recorded as proposed.
        let calendar = shipped();
        assert_eq!(
            calendar.nth_working_day_after(d(2023, 12, 31), 10),
            d(2024, 1, 15)
        );
        assert!(calendar.proposed_years_used().is_empty());
    }

    #[test]
    fn zero_working_days_is_the_day_itself() {
        let calendar = shipped();
        assert_eq!(
            calendar.nth_working_day_after(d(2025, 2, 1), 0),
            d(2025, 2, 1)
        );
        assert_eq!(
            calendar.nth_working_day_after(d(2025, 2, 1), 1),
            d(2025, 2, 3)
        );
    }

    // --- Working days ---------------------------------------------------------

    #[test]
    fn working_days_of_the_shipped_years() {
        let calendar = shipped();
        assert!(!calendar.is_working_day(d(2024, 1, 1)));
        assert!(!calendar.is_working_day(d(2024, 2, 14)));
        assert!(calendar.is_working_day(d(2024, 2, 15)));
        assert!(!calendar.is_working_day(d(2024, 4, 18)));
        assert!(!calendar.is_working_day(d(2024, 9, 3)));
        assert!(!calendar.is_working_day(d(2025, 4, 7)));
        assert!(calendar.is_working_day(d(2025, 4, 26)));
        assert!(!calendar.is_working_day(d(2025, 5, 2)));
        assert!(!calendar.is_working_day(d(2025, 9, 1)));
        assert!(!calendar.is_working_day(d(2026, 1, 2)));
        assert!(calendar.is_working_day(d(2026, 1, 10)));
        assert!(!calendar.is_working_day(d(2026, 4, 27)));
        assert!(calendar.is_working_day(d(2026, 8, 22)));
        assert!(!calendar.is_working_day(d(2026, 8, 31)));
        assert!(
            !calendar.is_working_day(d(2026, 1, 11)),
            "an ordinary Sunday"
        );
        assert!(
            calendar.is_working_day(d(2026, 3, 3)),
            "an ordinary Tuesday"
        );
        assert!(calendar.proposed_years_used().is_empty());
    }

    #[test]
    fn year_view_counts_working_days() {
        let calendar = shipped();
        let view = calendar.year_view(2025);
        assert_eq!(
            view.origin,
            Origin::File(Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/calendar/2025.toml"))
        );
        // February 2025: 20 weekdays, of which 3 Feb – 28 Feb are all worked
        // except 1–2 Feb (a weekend inside the Tết block): 20.
        assert_eq!(view.working_days_per_month[1], 20);
        // January 2025: 23 weekdays, minus 1 Jan and Mon 27 – Fri 31 Jan: 17.
        assert_eq!(view.working_days_per_month[0], 17);
        // April 2025: 22 weekdays, minus 7 Apr and 30 Apr, plus Sat 26 Apr: 21.
        assert_eq!(view.working_days_per_month[3], 21);
        let saturday = view
            .entries
            .iter()
            .find(|entry| entry.date == d(2025, 4, 26))
            .unwrap();
        assert_eq!(
            saturday.status,
            DayStatus::WorkingSaturday {
                replaces: Some(d(2025, 5, 2))
            }
        );
        assert!(!saturday.proposed);
        assert!(
            view.entries
                .windows(2)
                .all(|pair| pair[0].date <= pair[1].date)
        );
        assert!(view.entries.iter().all(|entry| !entry.source.is_empty()));
    }

    // --- Proposals ------------------------------------------------------------

    #[test]
    fn proposal_for_2027_puts_tet_around_6_february() {
        let calendar = shipped();
        assert!(calendar.proposed_years_used().is_empty());
        // Tết 2027 is Sat 6 Feb: 5 Feb (last day of Bính Ngọ) + 6–9 Feb, and
        // the weekend days 6–7 Feb move to Wed 10 and Thu 11 Feb.
        for day in 5..=11 {
            assert!(!calendar.is_working_day(d(2027, 2, day)), "{day} Feb 2027");
        }
        assert!(calendar.is_working_day(d(2027, 2, 4)));
        assert!(calendar.is_working_day(d(2027, 2, 12)));
        assert_eq!(calendar.proposed_years_used(), vec![2027]);

        let view = calendar.year_view(2027);
        assert_eq!(view.origin, Origin::Proposed);
        assert!(
            view.entries
                .iter()
                .all(|entry| entry.proposed && entry.source == PROPOSED_SOURCE)
        );
        let tet = view
            .entries
            .iter()
            .find(|entry| entry.date == d(2027, 2, 6))
            .unwrap();
        assert_eq!(tet.status, DayStatus::DayOff(HolidayKind::Tet));
        assert_eq!(tet.name_vi, "Tết Nguyên đán Đinh Mùi (mùng 1)");
    }

    #[test]
    fn a_deadline_that_runs_into_an_unpublished_year_records_the_proposal() {
        let calendar = shipped();
        // Change on Thu 24 Dec 2026: Fri 25, Mon 28 – Thu 31 Dec (1–5);
        // 1 Jan 2027 (Fri) is a holiday; Mon 4 – Fri 8 Jan (6–10).
        assert_eq!(
            calendar.nth_working_day_after(d(2026, 12, 24), 10),
            d(2027, 1, 8)
        );
        assert_eq!(calendar.proposed_years_used(), vec![2027]);
    }

    #[test]
    fn proposals_follow_the_labour_code() {
        // 2026 as proposed, against the published schedule: same statutory days.
        let proposal = propose_year(2026);
        let off: Vec<NaiveDate> = proposal.days_off().map(|day| day.date).collect();
        assert_eq!(
            off,
            vec![
                d(2026, 1, 1),
                d(2026, 2, 16), // 29 Chạp Ất Tỵ (month 12 has 29 days)
                d(2026, 2, 17), // mùng 1
                d(2026, 2, 18),
                d(2026, 2, 19),
                d(2026, 2, 20),
                d(2026, 4, 26), // Sunday…
                d(2026, 4, 27), // …moved to Monday (Art. 111.3)
                d(2026, 4, 30),
                d(2026, 5, 1),
                d(2026, 9, 1), // 2 Sep is a Wednesday: 1 Sep joins it
                d(2026, 9, 2),
            ]
        );
        assert_eq!(
            proposal.day_off(d(2026, 2, 16)).unwrap().name_vi,
            "Tết Nguyên đán Bính Ngọ (29/12 năm Ất Tỵ)"
        );
        assert_eq!(
            proposal.day_off(d(2026, 4, 27)).unwrap().kind,
            HolidayKind::HungKings
        );
        // 2024: 2 Sep is a Monday, so 3 Sep (as the government chose).
        let proposal = propose_year(2024);
        assert!(proposal.day_off(d(2024, 9, 3)).is_some());
        assert!(proposal.day_off(d(2024, 9, 1)).is_none());
        // 2021: a Thursday, so 3 Sep (as chosen). 2022: a Friday, so 1 Sep.
        assert!(propose_year(2021).day_off(d(2021, 9, 3)).is_some());
        assert!(propose_year(2022).day_off(d(2022, 9, 1)).is_some());
        // 2029: 1 Sep (Sat) and 2 Sep (Sun) both move: Mon 3 and Tue 4 Sep.
        let proposal = propose_year(2029);
        assert!(proposal.day_off(d(2029, 9, 3)).is_some());
        assert!(proposal.day_off(d(2029, 9, 4)).is_some());
        // 2028: 30 Apr is a Sunday and 1 May a Monday: the substitute is Tue 2 May.
        let proposal = propose_year(2028);
        assert!(proposal.day_off(d(2028, 5, 2)).is_some());
    }

    #[test]
    fn every_proposal_from_1990_to_2100_passes_the_statutory_check() {
        for year in 1990..=2100 {
            let proposal = propose_year(year);
            proposal.check_statutory().unwrap();
            // Five Tết days, some possibly moved, never fewer.
            let tet_days = proposal
                .days_off()
                .filter(|day| day.kind == HolidayKind::Tet)
                .count();
            assert!(tet_days >= 5, "{year}: {tet_days}");
        }
    }

    // --- File checks ------------------------------------------------------------

    #[test]
    fn the_minimal_file_is_valid() {
        let calendar = parse("2026.toml", MINIMAL_2026).unwrap();
        assert!(calendar.is_working_day(d(2026, 1, 10)));
        assert!(!calendar.is_working_day(d(2026, 2, 17)));
    }

    #[test]
    fn a_file_with_a_wrong_tet_fails() {
        // Tết moved a week early, as if copied from the wrong year.
        let text = MINIMAL_2026.replace(
            "from = \"2026-02-14\"\nto = \"2026-02-22\"",
            "from = \"2026-02-07\"\nto = \"2026-02-15\"",
        );
        let err = parse("policies/calendar/2026.toml", &text).unwrap_err();
        assert!(
            matches!(err, CalendarError::TetMismatch { expected, .. } if expected == d(2026, 2, 17))
        );
        let message = err.to_string();
        assert!(message.contains("policies/calendar/2026.toml"), "{message}");
        assert!(message.contains("2026-02-17"), "{message}");
        assert!(message.contains("2026-02-07 – 2026-02-15"), "{message}");
        assert!(message.contains("Bính Ngọ"), "{message}");
    }

    #[test]
    fn tet_must_be_of_kind_tet() {
        let text = MINIMAL_2026.replace("kind = \"tet\"", "kind = \"other\"");
        let err = parse("2026.toml", &text).unwrap_err();
        assert!(matches!(err, CalendarError::TetMismatch { .. }), "{err}");
        assert!(err.to_string().contains("(none)"), "{err}");
    }

    #[test]
    fn missing_hung_kings_substitute_fails() {
        let text = MINIMAL_2026.replace("date = \"2026-04-27\"", "date = \"2026-04-24\"");
        let err = parse("2026.toml", &text).unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, CalendarError::HungKingsMissing { expected, .. } if expected == d(2026, 4, 27)),
            "{message}"
        );
        assert!(message.contains("2026-04-26 (Sun)"), "{message}");
        assert!(message.contains("Art. 111.3"), "{message}");
    }

    #[test]
    fn missing_fixed_holiday_fails() {
        let text = MINIMAL_2026.replace(
            "from = \"2026-09-01\"\nto = \"2026-09-02\"",
            "date = \"2026-09-01\"",
        );
        let err = parse("2026.toml", &text).unwrap_err().to_string();
        assert!(err.contains("2026-09-02 (Quốc khánh (2/9))"), "{err}");
    }

    #[test]
    fn unknown_key_fails_naming_the_key_and_line() {
        let text = MINIMAL_2026.replace(
            "name_vi = \"Nghỉ bù Giỗ Tổ\"",
            "name_vi = \"Nghỉ bù Giỗ Tổ\"\nname_fr = \"Rois Hùng\"",
        );
        let err = parse("policies/calendar/2026.toml", &text).unwrap_err();
        assert!(matches!(err, CalendarError::Parse { .. }));
        let message = err.to_string();
        assert!(message.contains("policies/calendar/2026.toml"), "{message}");
        assert!(message.contains("name_fr"), "{message}");
        let line = text
            .lines()
            .position(|line| line.starts_with("name_fr"))
            .unwrap()
            + 1;
        assert!(message.contains(&format!("line {line}")), "{message}");
    }

    #[test]
    fn unknown_kind_fails() {
        let text = MINIMAL_2026.replace("kind = \"hung_kings\"", "kind = \"culture_day\"");
        let err = parse("2026.toml", &text).unwrap_err().to_string();
        assert!(err.contains("culture_day"), "{err}");
    }

    #[test]
    fn a_new_holiday_needs_no_code() {
        let text = format!(
            "{MINIMAL_2026}\n[[day_off]]\ndate = 2026-11-24\nkind = \"other\"\nname_vi = \"Ngày Văn hóa Việt Nam\"\nname_en = \"Vietnam Culture Day\"\nsource = \"(hypothetical test)\"\n"
        );
        let calendar = parse("2026.toml", &text).unwrap();
        assert!(!calendar.is_working_day(d(2026, 11, 24)));
        assert_eq!(
            calendar
                .day_off(d(2026, 11, 24))
                .unwrap()
                .name_en
                .as_deref(),
            Some("Vietnam Culture Day")
        );
    }

    #[test]
    fn duplicate_dates_fail() {
        let text = format!(
            "{MINIMAL_2026}\n[[day_off]]\ndate = \"2026-02-20\"\nkind = \"other\"\nname_vi = \"x\"\nsource = \"x\"\n"
        );
        let err = parse("2026.toml", &text).unwrap_err().to_string();
        assert!(err.contains("2026-02-20 is listed twice"), "{err}");
        let line = text
            .lines()
            .position(|line| line == "date = \"2026-02-20\"")
            .unwrap()
            + 1;
        assert!(err.contains(&format!("line {line}")), "{err}");

        let text = format!(
            "{MINIMAL_2026}\n[[working_saturday]]\ndate = \"2026-01-10\"\nname_vi = \"x\"\nsource = \"x\"\n"
        );
        let err = parse("2026.toml", &text).unwrap_err().to_string();
        assert!(err.contains("listed twice as a working Saturday"), "{err}");
    }

    #[test]
    fn dates_outside_the_year_fail() {
        let text = MINIMAL_2026.replace("to = \"2026-01-04\"", "to = \"2027-01-04\"");
        let err = parse("2026.toml", &text).unwrap_err().to_string();
        assert!(
            err.contains("2027-01-04 is outside the file's year 2026"),
            "{err}"
        );
    }

    #[test]
    fn a_working_saturday_that_is_not_a_saturday_fails() {
        let text = MINIMAL_2026.replace("date = \"2026-01-10\"", "date = \"2026-01-11\"");
        let err = parse("2026.toml", &text).unwrap_err().to_string();
        assert!(err.contains("2026-01-11 is a Sun"), "{err}");
        let line = text
            .lines()
            .position(|line| line == "date = \"2026-01-11\"")
            .unwrap()
            + 1;
        assert!(err.contains(&format!("line {line}")), "{err}");
    }

    #[test]
    fn other_shape_errors() {
        let cases = [
            // Year and file name disagree.
            (
                MINIMAL_2026.replace("year = 2026", "year = 2025"),
                "file named for 2026",
            ),
            // A range written backwards.
            (
                MINIMAL_2026.replace("to = \"2026-02-22\"", "to = \"2026-02-12\""),
                "is before `from`",
            ),
            // A range far too long.
            (
                MINIMAL_2026.replace("to = \"2026-02-22\"", "to = \"2026-12-22\""),
                "longer than 16 days",
            ),
            // Both date and range.
            (
                MINIMAL_2026.replace(
                    "date = \"2026-04-27\"",
                    "date = \"2026-04-27\"\nfrom = \"2026-04-27\"",
                ),
                "either `date` or both",
            ),
            // An empty source.
            (
                MINIMAL_2026.replace("source = \"test\"", "source = \"  \""),
                "`source` is empty",
            ),
            // A missing source.
            (
                MINIMAL_2026.replace(
                    "source = \"VPCP 12729/VPCP-KGVX\"\n\n[[day_off]]",
                    "\n[[day_off]]",
                ),
                "missing field `source`",
            ),
            // A "weekend" that is a weekday.
            (
                format!(
                    "{MINIMAL_2026}\n[[day_off]]\ndate = \"2026-06-03\"\nkind = \"weekend\"\nname_vi = \"x\"\nsource = \"x\"\n"
                ),
                "not a weekend day",
            ),
            // A working Saturday that is also a day off.
            (
                MINIMAL_2026.replace("date = \"2026-01-10\"", "date = \"2026-02-14\""),
                "both a working Saturday and a day off",
            ),
            // `replaces` pointing at a working day.
            (
                MINIMAL_2026.replace("replaces = \"2026-01-02\"", "replaces = \"2026-01-05\""),
                "`replaces` = 2026-01-05",
            ),
        ];
        for (text, want) in cases {
            let err = parse("2026.toml", &text).unwrap_err().to_string();
            assert!(err.contains(want), "want {want:?} in: {err}");
        }
        let err = parse("calendar-2026.toml", MINIMAL_2026)
            .unwrap_err()
            .to_string();
        assert!(err.contains("the file name must be the year"), "{err}");
    }

    #[test]
    fn two_schedules_for_one_year_fail() {
        let first = parse("a/2026.toml", MINIMAL_2026).unwrap();
        let second = parse("b/2026.toml", MINIMAL_2026).unwrap();
        let err = WorkCalendar::from_years([first, second])
            .unwrap_err()
            .to_string();
        assert!(err.contains("a second schedule for 2026"), "{err}");
    }

    #[test]
    fn a_missing_policy_folder_is_an_error() {
        let err = WorkCalendar::load(Path::new("/nonexistent/policies"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/policies/calendar"), "{err}");
    }

    fn office(date: NaiveDate, off: bool, line: usize) -> OfficeDay {
        OfficeDay {
            date,
            off,
            reason: "Ngày Văn hóa Việt Nam".into(),
            source: "Công văn 123/UBND (giả định)".into(),
            file: PathBuf::from("/etc/eqvault/eqvault.toml"),
            line,
            key: format!(
                "calendar.{}[0]",
                if off {
                    "extra_days_off"
                } else {
                    "extra_working_days"
                }
            ),
        }
    }

    /// Issue 14: an office must be able to declare 24 Nov without copying
    /// the policy folder; the day moves deadlines and is shown with its source.
    #[test]
    fn days_the_office_declares_move_deadlines_and_are_shown_with_their_source() {
        let plain = shipped();
        // Mon 17 Nov 2026 + 10 working days = Mon 1 Dec 2026.
        assert_eq!(
            plain.nth_working_day_after(d(2026, 11, 17), 10),
            d(2026, 12, 1)
        );
        let calendar = shipped()
            .with_office_days([office(d(2026, 11, 24), true, 12)])
            .unwrap();
        assert!(!calendar.is_working_day(d(2026, 11, 24)));
        assert_eq!(
            calendar.nth_working_day_after(d(2026, 11, 17), 10),
            d(2026, 12, 2)
        );
        let crossed = calendar.office_days_between(d(2026, 11, 17), d(2026, 12, 2));
        assert_eq!(crossed.len(), 1);
        let view = calendar.year_view(2026);
        let e = view
            .entries
            .iter()
            .find(|e| e.date == d(2026, 11, 24))
            .unwrap();
        assert!(e.office);
        assert_eq!(e.status, DayStatus::DayOff(HolidayKind::Other));
        assert_eq!(e.source, "Công văn 123/UBND (giả định)");
        assert_eq!(
            view.working_days_per_month[10] + 1,
            plain.year_view(2026).working_days_per_month[10]
        );
        // A working Sunday counts, and the office's days are never "proposed".
        let calendar = shipped()
            .with_office_days([office(d(2027, 3, 7), false, 14)])
            .unwrap();
        assert!(calendar.is_working_day(d(2027, 3, 7)));
        assert!(
            calendar.proposed_years_used().is_empty(),
            "checking a day records no proposal"
        );
    }

    #[test]
    fn an_office_day_that_changes_nothing_is_refused_naming_file_line_and_key() {
        let err = shipped()
            .with_office_days([office(d(2026, 11, 22), true, 12)])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/etc/eqvault/eqvault.toml, line 12")
                && err.contains("calendar.extra_days_off[0]")
                && err.contains("not a working day already"),
            "{err}"
        );
        let err = shipped()
            .with_office_days([office(d(2026, 11, 23), false, 9)])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 9") && err.contains("a working day already"),
            "{err}"
        );
        let err = shipped()
            .with_office_days([
                office(d(2026, 11, 24), true, 3),
                office(d(2026, 11, 24), true, 5),
            ])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 5") && err.contains("already declared"),
            "{err}"
        );
    }

    #[test]
    fn work_calendar_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<WorkCalendar>();
        // And usable from several threads at once.
        let calendar = Arc::new(WorkCalendar::proposals_only());
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let calendar = Arc::clone(&calendar);
                std::thread::spawn(move || calendar.is_working_day(d(2030 + i, 3, 4)))
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(calendar.proposed_years_used(), vec![2030, 2031, 2032, 2033]);
    }
}
