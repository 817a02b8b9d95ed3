//! `eqvault calendar YEAR` and `eqvault calendar deadline DATE`: the working-day calendar `check` uses.
//!
//! The policies are the config's `[policies] dir` when a config exists, else
//! the built-in ones; no config is needed.

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

use super::check::{optional_config, parse_date};
use super::{Exit, Out};
use crate::calendar::holidays::PROPOSED_SOURCE;
use crate::calendar::today;
use crate::calendar::{DayStatus, HolidayKind, Origin, WorkCalendar};
use crate::lang::Lang;
use crate::ops::Vault;
use crate::policy::Policies;
use crate::policy::text::weekday_vi;
use crate::sanitize::for_terminal;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    /// The year to show [default: this year].
    #[arg(value_name = "YEAR")]
    year: Option<i32>,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// The Nth working day after DATE: the deadline of a change on DATE.
    Deadline {
        /// The day of the change (YYYY-MM-DD); it is not counted (Civil Code Art. 147).
        #[arg(value_name = "DATE", value_parser = parse_date)]
        date: NaiveDate,
        /// Working days [default: late_update.working_days of rules.toml, 10].
        #[arg(long, value_name = "N")]
        days: Option<u32>,
    },
}

pub fn run(a: Args, config_path: Option<PathBuf>, out: &Out) -> anyhow::Result<Exit> {
    let vault = match optional_config(config_path, out)? {
        Some(c) => Vault::open(c),
        None => Vault::without_config(),
    };
    let policies = vault.policies()?;
    let lang = out.lang_of(&vault);
    match a.command {
        Some(Sub::Deadline { date, days }) => {
            let n = days.unwrap_or(policies.rules.late_update.working_days);
            deadline(&policies.calendar, date, n, out, lang);
        }
        None => {
            let year = a.year.unwrap_or_else(|| today().year());
            if !(1900..=2199).contains(&year) {
                // Said in the reader's language: the error is this command's own.
                anyhow::bail!(
                    "{}",
                    lang.t("calendar-year-out-of-range", &[("year", &year)])
                );
            }
            year_view(&policies, year, out, lang);
        }
    }
    Ok(Exit::Ok)
}

#[derive(Serialize)]
struct EntryJson {
    date: NaiveDate,
    weekday: &'static str,
    status: &'static str,
    kind: Option<String>,
    replaces: Option<NaiveDate>,
    name_vi: String,
    name_en: Option<String>,
    source: String,
    note: Option<String>,
    /// Declared by the office in its config (`[calendar]`), not shipped.
    office: bool,
}

/// The day of the week, in words.
fn weekday(lang: Lang, d: NaiveDate) -> String {
    lang.t(
        match d.weekday() {
            Weekday::Mon => "weekday-mon",
            Weekday::Tue => "weekday-tue",
            Weekday::Wed => "weekday-wed",
            Weekday::Thu => "weekday-thu",
            Weekday::Fri => "weekday-fri",
            Weekday::Sat => "weekday-sat",
            Weekday::Sun => "weekday-sun",
        },
        &[],
    )
}

/// Why a day is off, in words.
fn kind(lang: Lang, k: HolidayKind) -> String {
    lang.t(
        match k {
            HolidayKind::NewYear => "calendar-kind-new-year",
            HolidayKind::Tet => "calendar-kind-tet",
            HolidayKind::HungKings => "calendar-kind-hung-kings",
            HolidayKind::Reunification => "calendar-kind-reunification",
            HolidayKind::Labour => "calendar-kind-labour",
            HolidayKind::NationalDay => "calendar-kind-national-day",
            HolidayKind::Swap => "calendar-kind-swap",
            HolidayKind::Weekend => "calendar-kind-weekend",
            HolidayKind::Other => "calendar-kind-other",
        },
        &[],
    )
}

/// A month's short name: `T2` in Vietnamese, `Feb` in English.
fn month(lang: Lang, year: i32, m: u32) -> String {
    match lang {
        Lang::Vi => format!("T{m}"),
        Lang::En => NaiveDate::from_ymd_opt(year, m, 1)
            .map_or_else(|| m.to_string(), |d| d.format("%b").to_string()),
    }
}

fn year_view(policies: &Policies, year: i32, out: &Out, lang: Lang) {
    let view = policies.calendar.year_view(year);
    let file = match &view.origin {
        Origin::File(p) => Some(p.display().to_string()),
        Origin::Proposed => None,
    };
    let proposed = file.is_none();
    if out.json {
        let entries: Vec<EntryJson> = view
            .entries
            .iter()
            .map(|e| {
                let (status, kind, replaces) = match e.status {
                    DayStatus::DayOff(k) => ("day_off", Some(k.to_string()), None),
                    DayStatus::WorkingSaturday { replaces } => ("working_saturday", None, replaces),
                    DayStatus::OfficeWorkingDay => ("working_day", None, None),
                };
                EntryJson {
                    date: e.date,
                    weekday: weekday_vi(e.date),
                    status,
                    kind,
                    replaces,
                    name_vi: e.name_vi.clone(),
                    name_en: e.name_en.clone(),
                    source: e.source.clone(),
                    note: e.note.clone(),
                    office: e.office,
                }
            })
            .collect();
        let per_month: serde_json::Map<String, serde_json::Value> = view
            .working_days_per_month
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("{:02}", i + 1), serde_json::json!(n)))
            .collect();
        out.json(&serde_json::json!({
            "year": year,
            "origin": if proposed { "proposed" } else { "file" },
            "file": file,
            "proposed": proposed,
            "policies": policies.source.describe(),
            "entries": entries,
            "working_days_per_month": per_month,
            "working_days": view.working_days(),
            "lunar": lunar(year),
        }));
        return;
    }
    let t = |s: &str| for_terminal(s).into_owned();
    out.line(lang.t("calendar-title", &[("year", &year)]));
    match &file {
        Some(f) => out.line(lang.t("calendar-source-file", &[("file", &t(f))])),
        None => out.line(lang.t("calendar-source-proposed", &[("year", &year)])),
    }
    out.line("");
    out.line(lang.t("calendar-days-off", &[]));
    for e in &view.entries {
        let what = match e.status {
            DayStatus::DayOff(k) => lang.t("calendar-off", &[("kind", &kind(lang, k))]),
            DayStatus::WorkingSaturday { replaces: Some(r) } => {
                lang.t("calendar-worked-for", &[("day", &lang.day(r))])
            }
            DayStatus::WorkingSaturday { replaces: None } => lang.t("calendar-worked", &[]),
            DayStatus::OfficeWorkingDay => lang.t("calendar-working-day", &[]),
        };
        let what = if e.office {
            lang.t("calendar-declared", &[("what", &what)])
        } else {
            what
        };
        // A name the announcement gives in Vietnamese only is shown as it is.
        let name = match lang {
            Lang::Vi => &e.name_vi,
            Lang::En => e.name_en.as_ref().unwrap_or(&e.name_vi),
        };
        out.line(format!(
            "  {} {:<9} {what}: {}",
            lang.day(e.date),
            weekday(lang, e.date),
            t(name)
        ));
        let source = if e.source == PROPOSED_SOURCE {
            lang.t("calendar-proposed-source", &[])
        } else {
            t(&e.source)
        };
        out.line(format!(
            "             {}",
            lang.t("calendar-source", &[("source", &source)])
        ));
        if e.office
            && let Some(note) = &e.note
        {
            out.line(format!("             {}", t(note)));
        }
    }
    out.line("");
    out.line(lang.t("calendar-working-days", &[]));
    let months: Vec<String> = view
        .working_days_per_month
        .iter()
        .enumerate()
        .map(|(i, n)| {
            lang.t(
                "calendar-month",
                &[("month", &month(lang, year, i as u32 + 1)), ("days", n)],
            )
        })
        .collect();
    out.line(format!("  {}", months.join(" · ")));
    out.line(format!(
        "  {}",
        lang.t("calendar-whole-year", &[("days", &view.working_days())])
    ));
    let tet = crate::calendar::tet(year);
    let leap = match crate::calendar::lunar::leap_month(year) {
        Some(m) => lang.t("calendar-leap-month", &[("month", &m)]),
        None => lang.t("calendar-no-leap-month", &[]),
    };
    out.line(lang.t(
        "calendar-lunar",
        &[
            ("name", &crate::calendar::lunar::year_name(year)),
            ("day", &lang.day(tet)),
            ("weekday", &weekday(lang, tet)),
            ("leap", &leap),
        ],
    ));
}

/// The lunar facts of a Gregorian year, for checking the calendar against
/// other implementations: Tết, the leap month of the lunar year that starts
/// at that Tết, and every lunar month that starts within the year.
fn lunar(year: i32) -> serde_json::Value {
    use crate::calendar::lunar;
    let leap = lunar::leap_month(year).and_then(|month| {
        let starts = lunar::lunar_to_solar(year, month, 1, true)?;
        Some(serde_json::json!({
            "lunar_year": year,
            "month": month,
            "starts": starts,
            "days": lunar::month_length(year, month, true),
        }))
    });
    serde_json::json!({
        "year_name": lunar::year_name(year),
        "tet": lunar::tet(year),
        "hung_kings": lunar::hung_kings(year),
        "leap_month": leap,
        "month_starts": crate::calendar::month_starts_in(year),
        "time_zone": "UTC+07:00",
    })
}

#[derive(Serialize)]
struct NotCounted {
    date: NaiveDate,
    weekday: &'static str,
    why_vi: String,
    why_en: String,
}

fn deadline(calendar: &WorkCalendar, date: NaiveDate, n: u32, out: &Out, lang: Lang) {
    let due = calendar.nth_working_day_after(date, n);
    let mut counted = Vec::new();
    let mut skipped = Vec::new();
    for d in date.iter_days().skip(1).take_while(|d| *d <= due) {
        if calendar.is_working_day(d) {
            counted.push(d);
            continue;
        }
        let schedule = calendar.year(d.year());
        let (why_vi, why_en) = match (calendar.office_day(d), schedule.day_off(d)) {
            (Some(o), _) => (
                format!("{} (đơn vị khai báo; {})", o.reason, o.source),
                format!("{} (declared by the office; {})", o.reason, o.source),
            ),
            (None, Some(off)) => (
                off.name_vi.clone(),
                off.name_en.clone().unwrap_or_else(|| off.kind.to_string()),
            ),
            (None, None) => ("cuối tuần".to_string(), "weekend".to_string()),
        };
        skipped.push(NotCounted {
            date: d,
            weekday: weekday_vi(d),
            why_vi,
            why_en,
        });
    }
    let proposed = calendar.proposed_years_between(date, due);
    if out.json {
        out.json(&serde_json::json!({
            "date": date,
            "days": n,
            "deadline": due,
            "working_days_counted": counted,
            "days_not_counted": skipped,
            "proposed_years": proposed,
        }));
        return;
    }
    let t = |s: &str| for_terminal(s).into_owned();
    let nth = match lang {
        Lang::Vi => n.to_string(),
        Lang::En => ordinal(n),
    };
    out.line(lang.t(
        "calendar-deadline",
        &[
            ("nth", &nth),
            ("date", &lang.day(date)),
            ("weekday", &weekday(lang, date)),
            ("due", &lang.day(due)),
            ("due_weekday", &weekday(lang, due)),
        ],
    ));
    let list: Vec<String> = counted
        .iter()
        .map(|d| match lang {
            Lang::Vi => d.format("%d/%m").to_string(),
            Lang::En => d.format("%m-%d").to_string(),
        })
        .collect();
    out.line(lang.t("calendar-counted", &[("list", &list.join(", "))]));
    if !skipped.is_empty() {
        out.line(lang.t("calendar-not-counted", &[]));
        for s in &skipped {
            let why = match lang {
                Lang::Vi => &s.why_vi,
                Lang::En => &s.why_en,
            };
            out.line(format!(
                "  {} {:<9} {}",
                lang.day(s.date),
                weekday(lang, s.date),
                t(why)
            ));
        }
    }
    if !proposed.is_empty() {
        let years: Vec<String> = proposed.iter().map(i32::to_string).collect();
        out.line(lang.t("calendar-provisional", &[("years", &years.join(", "))]));
    }
}

/// `1st`, `2nd`, `3rd`, `10th`, `11th`, `21st`.
fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
