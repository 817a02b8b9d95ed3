//! `eqvault calendar YEAR` and `eqvault calendar deadline DATE`: the working-day calendar `check` uses.
//!
//! The policies are the config's `[policies] dir` when a config exists, else
//! the built-in ones; no config is needed.

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::check::{optional_config, parse_date};
use super::{Exit, Out};
use crate::calendar::today;
use crate::calendar::{DayStatus, Origin, WorkCalendar};
use crate::ops::Vault;
use crate::policy::Policies;
use crate::policy::text::{en_date, weekday_vi};
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
    match a.command {
        Some(Sub::Deadline { date, days }) => {
            let n = days.unwrap_or(policies.rules.late_update.working_days);
            deadline(&policies.calendar, date, n, out);
        }
        None => {
            let year = a.year.unwrap_or_else(|| today().year());
            if !(1900..=2199).contains(&year) {
                anyhow::bail!(
                    "{year} is outside the years the lunar calendar is computed for (1900–2199)"
                );
            }
            year_view(&policies, year, out);
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

fn year_view(policies: &Policies, year: i32, out: &Out) {
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
    out.line(format!(
        "Lịch làm việc năm {year} (lịch công vụ) — working-day calendar {year} (public servants)"
    ));
    match &file {
        Some(f) => out.line(format!(
            "Nguồn: lịch đã công bố, tệp {} — source: the published schedule",
            t(f)
        )),
        None => out.line(format!(
            "Nguồn: ĐỀ XUẤT — chưa có lịch công bố cho năm {year}; ngày nghỉ tính theo Bộ luật Lao động 2019 Điều 112 và âm lịch, thời hạn là tạm tính.\n\
             Source: PROPOSED — no published schedule for {year}; days off computed from the Labour Code 2019 Art. 112 and the lunar calendar, so deadlines are provisional."
        )),
    }
    out.line("");
    out.line("Ngày nghỉ và ngày làm bù — days off and working Saturdays:");
    for e in &view.entries {
        let what = match e.status {
            DayStatus::DayOff(k) => format!("nghỉ / off ({k})"),
            DayStatus::WorkingSaturday { replaces: Some(r) } => {
                format!("làm bù / worked, thay cho / for {}", r.format("%d/%m/%Y"))
            }
            DayStatus::WorkingSaturday { replaces: None } => "làm bù / worked".to_string(),
            DayStatus::OfficeWorkingDay => "làm việc / working day".to_string(),
        };
        let what = if e.office {
            format!("{what}, đơn vị khai báo / declared by the office")
        } else {
            what
        };
        let en = e
            .name_en
            .as_deref()
            .map(|n| format!(" — {}", t(n)))
            .unwrap_or_default();
        out.line(format!(
            "  {} {:<9} {what}: {}{en}",
            e.date.format("%d/%m/%Y"),
            weekday_vi(e.date),
            t(&e.name_vi)
        ));
        out.line(format!("             nguồn / source: {}", t(&e.source)));
        if e.office
            && let Some(note) = &e.note
        {
            out.line(format!("             {}", t(note)));
        }
    }
    out.line("");
    out.line("Số ngày làm việc — working days:");
    let months: Vec<String> = view
        .working_days_per_month
        .iter()
        .enumerate()
        .map(|(i, n)| format!("T{} {n}", i + 1))
        .collect();
    out.line(format!("  {}", months.join(" · ")));
    out.line(format!("  Cả năm / whole year: {}", view.working_days()));
    let tet = crate::calendar::tet(year);
    let leap = match crate::calendar::lunar::leap_month(year) {
        Some(m) => format!("tháng {m} nhuận / leap month {m}"),
        None => "không có tháng nhuận / no leap month".to_string(),
    };
    out.line(format!(
        "Âm lịch / lunar: Tết {} {} ({}); {leap}",
        crate::calendar::lunar::year_name(year),
        tet.format("%d/%m/%Y"),
        weekday_vi(tet),
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

fn deadline(calendar: &WorkCalendar, date: NaiveDate, n: u32, out: &Out) {
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
    out.line(format!(
        "Hạn {n} ngày làm việc kể từ sau ngày {} ({}): {} ({})",
        date.format("%d/%m/%Y"),
        weekday_vi(date),
        due.format("%d/%m/%Y"),
        weekday_vi(due)
    ));
    out.line(format!(
        "The {} working day after {} {}: {} {} (an entry on {} is on time; the next day is late)",
        ordinal(n),
        date.format("%a"),
        en_date(date),
        due.format("%a"),
        en_date(due),
        due
    ));
    let list: Vec<String> = counted
        .iter()
        .map(|d| d.format("%d/%m").to_string())
        .collect();
    out.line(format!("Ngày được tính — counted: {}", list.join(", ")));
    if !skipped.is_empty() {
        out.line("Ngày không tính — not counted:");
        for s in &skipped {
            out.line(format!(
                "  {} {:<9} {} — {}",
                s.date.format("%d/%m/%Y"),
                s.weekday,
                t(&s.why_vi),
                t(&s.why_en)
            ));
        }
    }
    if !proposed.is_empty() {
        let years: Vec<String> = proposed.iter().map(i32::to_string).collect();
        out.line(format!(
            "Lưu ý: năm {} dùng lịch đề xuất (chưa công bố), hạn là tạm tính — note: proposed schedule for {}, the deadline is provisional.",
            years.join(", "),
            years.join(", ")
        ));
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
