//! Sample periodic reports "exported" from the demo database, for the demo to
//! file in the report archive (Art. 8, 12.2).
//!
//! One CSV per required kind of report (`rules.toml` `[report_missing]`) and
//! per period that has ended by `today`, named as an office would name it and
//! filed in folders by school year. The content is small but real: figures per
//! school read from the database for that period. One report is left out on
//! purpose, the usage-frequency report of the latest period already due, so
//! that `check` and the compliance report show what `report_missing` looks like.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, params};

use crate::calendar::{Period, SchoolYears};
use crate::policy::rules::ReportMissing;

/// The usage-frequency report: the kind left out on purpose.
pub const LEFT_OUT_KIND: &str = "tan-suat-su-dung";

/// One sample report written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Export {
    /// The file.
    pub path: PathBuf,
    /// Its school year, `2024-2025`.
    pub year: String,
    /// Its period.
    pub period: Period,
    /// The kind's code.
    pub kind: String,
}

/// What [`write()`] made.
#[derive(Debug, Default, serde::Serialize)]
pub struct Exports {
    /// The files written (or found already written by an earlier run).
    pub files: Vec<Export>,
    /// The report not written on purpose: (year, period, kind).
    pub left_out: Option<(String, Period, String)>,
}

/// The last day of the month `months_after` months after the month of `end`:
/// when `report_missing` starts to count a period's report as missing.
fn due(end: NaiveDate, months_after: u32) -> NaiveDate {
    let m0 = end.year() * 12 + end.month0() as i32 + months_after as i32 + 1;
    NaiveDate::from_ymd_opt(m0.div_euclid(12), m0.rem_euclid(12) as u32 + 1, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(end)
}

/// Writes the sample reports of every period of `years` that ended before
/// `today` and after `since` under `dir`, skipping files an earlier run wrote.
///
/// # Errors
/// When the database cannot be read or a file cannot be written.
pub fn write(
    db: &Path,
    mapping: Option<&crate::mapping::Mapping>,
    dir: &Path,
    years: &SchoolYears,
    required: &ReportMissing,
    since: NaiveDate,
    today: NaiveDate,
) -> anyhow::Result<Exports> {
    let conn = crate::mapping::open_read_only(db, std::time::Duration::from_secs(30), mapping)?;
    let mut periods = Vec::new();
    for y in years.years() {
        for &p in &required.periods {
            let (start, end) = y.period_range(p);
            if end < today && end >= since {
                periods.push((y.name.clone(), p, start, end));
            }
        }
    }
    // The latest period whose reports are already due, by due date then end.
    let left_out = periods
        .iter()
        .filter(|(_, _, _, end)| due(*end, required.months_after) < today)
        .max_by_key(|(_, _, start, end)| (due(*end, required.months_after), *end, *start))
        .filter(|_| required.kinds.iter().any(|k| k.code == LEFT_OUT_KIND))
        .map(|(y, p, _, _)| (y.clone(), *p, LEFT_OUT_KIND.to_string()));
    let mut out = Exports {
        files: Vec::new(),
        left_out: left_out.clone(),
    };
    for (year, period, start, end) in &periods {
        let folder = dir.join(format!("Năm học {year}"));
        std::fs::create_dir_all(&folder)?;
        for kind in &required.kinds {
            if left_out.as_ref() == Some(&(year.clone(), *period, kind.code.clone())) {
                continue;
            }
            let name = format!(
                "{} - {} - năm học {year}.csv",
                kind.name_vi,
                crate::policy::reports::period_vi(*period)
            );
            let path = folder.join(name);
            if !path.exists() {
                let body = content(
                    &conn,
                    &kind.code,
                    &kind.name_vi,
                    year,
                    *period,
                    *start,
                    *end,
                )?;
                std::fs::write(&path, body)?;
            }
            out.files.push(Export {
                path,
                year: year.clone(),
                period: *period,
                kind: kind.code.clone(),
            });
        }
    }
    Ok(out)
}

/// A CSV (UTF-8 with a BOM, `;`-separated, as Excel reads it in Vietnam).
fn content(
    conn: &Connection,
    kind: &str,
    title: &str,
    year: &str,
    period: Period,
    start: NaiveDate,
    end: NaiveDate,
) -> anyhow::Result<String> {
    let mut s = String::from("\u{feff}");
    s.push_str(&format!(
        "{title} - {} - năm học {year}\nTừ ngày {} đến ngày {} (dữ liệu giả lập của eqvault demo)\n",
        crate::policy::reports::period_vi(period),
        start.format("%d/%m/%Y"),
        end.format("%d/%m/%Y")
    ));
    let (from, to) = (start.to_string(), end.to_string());
    match kind {
        "tan-suat-su-dung" => {
            s.push_str("Mã trường;Tên trường;Lượt sử dụng thiết bị\n");
            let mut q = conn.prepare(
                "SELECT s.school_id, s.name, (SELECT count(*) FROM equipment_usage u \
                 WHERE u.school_id = s.school_id AND u.used_on >= ?1 AND u.used_on <= ?2) \
                 FROM schools s ORDER BY s.school_id",
            )?;
            let mut rows = q.query(params![from, to])?;
            while let Some(r) = rows.next()? {
                let (id, name, n): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                s.push_str(&format!("{id};{name};{n}\n"));
            }
        }
        "chat-luong-thiet-bi" => {
            s.push_str("Mã trường;Tên trường;Tình trạng;Số thiết bị\n");
            let mut q = conn.prepare(
                "SELECT s.school_id, s.name, CASE e.condition WHEN 'good' THEN 'Tốt' \
                 WHEN 'damaged' THEN 'Hỏng' WHEN 'awaiting_disposal' THEN 'Chờ thanh lý' \
                 WHEN 'disposed' THEN 'Đã thanh lý' ELSE e.condition END, count(*) FROM schools s \
                 JOIN equipment e ON e.school_id = s.school_id \
                 WHERE substr(e.created_at, 1, 10) <= ?1 \
                 GROUP BY s.school_id, e.condition ORDER BY s.school_id, e.condition",
            )?;
            let mut rows = q.query(params![to])?;
            while let Some(r) = rows.next()? {
                let (id, name, c, n): (String, String, String, i64) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                s.push_str(&format!("{id};{name};{c};{n}\n"));
            }
        }
        _ => {
            s.push_str("Mã trường;Tên trường;Số thiết bị;Tổng số lượng\n");
            let mut q = conn.prepare(
                "SELECT s.school_id, s.name, count(e.equipment_id), coalesce(sum(e.quantity), 0) \
                 FROM schools s LEFT JOIN equipment e ON e.school_id = s.school_id \
                 AND substr(e.created_at, 1, 10) <= ?1 \
                 GROUP BY s.school_id ORDER BY s.school_id",
            )?;
            let mut rows = q.query(params![to])?;
            while let Some(r) = rows.next()? {
                let (id, name, n, q): (String, String, i64, i64) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                s.push_str(&format!("{id};{name};{n};{q}\n"));
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_due_at_the_end_of_the_month_after_the_period() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(due(d(2025, 1, 12), 1), d(2025, 2, 28));
        assert_eq!(due(d(2024, 12, 31), 1), d(2025, 1, 31));
        assert_eq!(due(d(2025, 5, 31), 0), d(2025, 5, 31));
        assert_eq!(due(d(2024, 11, 15), 3), d(2025, 2, 28));
    }
}
