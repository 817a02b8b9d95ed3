//! The XLSX report: one sheet per section, typed cells (dates as dates, numbers as numbers, rates as percentages).
//!
//! Dates are Excel dates shown `dd/mm/yyyy`, times Vietnam local times
//! shown `dd/mm/yyyy hh:mm`, rates numbers between 0 and 1 shown as `0.0%`,
//! counts numbers. A value that does not apply is a blank cell, never a dash.
//! Each table has one header row, so a script finds columns by name.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_xlsxwriter::{Color, DocProperties, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use super::ReportError;
use super::evidence;
use super::model::{ArchiveState, ItemRow, Report, Status, SubjectRow};
use super::text::Lang;

fn x(e: XlsxError) -> ReportError {
    ReportError::Xlsx(e.to_string())
}

/// The sheet names, in order.
pub fn sheet_names(lang: Lang) -> [&'static str; 11] {
    match lang {
        Lang::Vi => [
            "Tổng hợp",
            "Theo trường",
            "Theo tháng",
            "Thiết bị",
            "Dùng nhiều nhất",
            "Chưa sử dụng",
            "Sao lưu",
            "Lưu trữ",
            "Phát hiện",
            "Ghi chú",
            "Nguồn gốc",
        ],
        Lang::En => [
            "Summary",
            "Schools",
            "Months",
            "Equipment",
            "Most used",
            "Never used",
            "Backups",
            "Archive",
            "Findings",
            "Notes",
            "Provenance",
        ],
    }
}

struct Formats {
    head: Format,
    title: Format,
    date: Format,
    month: Format,
    datetime: Format,
    pct: Format,
    int: Format,
    dec: Format,
    bold: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            head: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x0B3D6E))
                .set_font_color(Color::White)
                .set_border(FormatBorder::Thin)
                .set_text_wrap(),
            title: Format::new().set_bold().set_font_size(14),
            date: Format::new().set_num_format("dd/mm/yyyy"),
            month: Format::new().set_num_format("mm/yyyy"),
            datetime: Format::new().set_num_format("dd/mm/yyyy hh:mm"),
            pct: Format::new().set_num_format("0.0%"),
            int: Format::new().set_num_format("#,##0"),
            dec: Format::new().set_num_format("0.0"),
            bold: Format::new().set_bold(),
        }
    }
}

/// A sheet being filled row by row.
struct Sheet<'f> {
    ws: Worksheet,
    row: u32,
    f: &'f Formats,
}

/// Excel's limit on the text of a cell, in UTF-16 units.
const MAX_CELL: usize = 32_767;

/// Text for a cell: control characters dropped, and cut (ending in `…`) to
/// Excel's limit, which the writer would otherwise refuse, failing the whole
/// workbook over one overlong name in the database.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4 * MAX_CELL));
    let mut units = 0;
    let mut chars = s
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .peekable();
    while let Some(c) = chars.next() {
        units += c.len_utf16();
        // Room is kept for the ellipsis (one unit) while more text follows.
        let room = if chars.peek().is_some() {
            MAX_CELL - 1
        } else {
            MAX_CELL
        };
        if units > room {
            out.push('…');
            return out;
        }
        out.push(c);
    }
    out
}

/// A cell value.
enum V {
    T(String),
    N(Option<u64>),
    I(Option<i64>),
    F(Option<f64>),
    P(Option<f64>),
    D(Option<NaiveDate>),
    /// A month: its first day, shown `mm/yyyy`.
    M(NaiveDate),
    Dt(Option<DateTime<FixedOffset>>),
}

fn t(s: impl AsRef<str>) -> V {
    V::T(s.as_ref().to_string())
}

impl<'f> Sheet<'f> {
    fn new(name: &str, f: &'f Formats) -> Result<Sheet<'f>, ReportError> {
        let mut ws = Worksheet::new();
        ws.set_name(name).map_err(x)?;
        ws.set_paper_size(9); // A4
        Ok(Sheet { ws, row: 0, f })
    }

    fn widths(&mut self, widths: &[f64]) -> Result<(), ReportError> {
        for (i, w) in widths.iter().enumerate() {
            self.ws.set_column_width(i as u16, *w).map_err(x)?;
        }
        Ok(())
    }

    fn title(&mut self, s: &str) -> Result<(), ReportError> {
        self.ws
            .write_string_with_format(self.row, 0, clean(s), &self.f.title)
            .map_err(x)?;
        self.row += 1;
        Ok(())
    }

    fn header(&mut self, cells: &[&str]) -> Result<(), ReportError> {
        for (i, c) in cells.iter().enumerate() {
            self.ws
                .write_string_with_format(self.row, i as u16, clean(c), &self.f.head)
                .map_err(x)?;
        }
        self.ws.set_freeze_panes(self.row + 1, 0).map_err(x)?;
        self.row += 1;
        Ok(())
    }

    fn line(&mut self, cells: Vec<V>) -> Result<(), ReportError> {
        let (r, f) = (self.row, self.f);
        for (i, v) in cells.into_iter().enumerate() {
            let c = i as u16;
            let ws = &mut self.ws;
            match v {
                V::T(s) if s.is_empty() => {}
                V::T(s) => {
                    ws.write_string(r, c, clean(&s)).map_err(x)?;
                }
                V::N(Some(n)) => {
                    ws.write_number_with_format(r, c, n as f64, &f.int)
                        .map_err(x)?;
                }
                V::I(Some(n)) => {
                    ws.write_number_with_format(r, c, n as f64, &f.int)
                        .map_err(x)?;
                }
                V::F(Some(n)) => {
                    ws.write_number_with_format(r, c, n, &f.dec).map_err(x)?;
                }
                V::P(Some(n)) => {
                    ws.write_number_with_format(r, c, n, &f.pct).map_err(x)?;
                }
                V::D(Some(d)) => {
                    ws.write_date_with_format(r, c, d, &f.date).map_err(x)?;
                }
                V::M(d) => {
                    ws.write_date_with_format(r, c, d, &f.month).map_err(x)?;
                }
                V::Dt(Some(t)) => {
                    let local = t.with_timezone(&crate::calendar::VIETNAM).naive_local();
                    ws.write_datetime_with_format(r, c, local, &f.datetime)
                        .map_err(x)?;
                }
                V::N(None) | V::I(None) | V::F(None) | V::P(None) | V::D(None) | V::Dt(None) => {}
            }
        }
        self.row += 1;
        Ok(())
    }

    fn key_value(&mut self, k: &str, v: V) -> Result<(), ReportError> {
        self.ws
            .write_string_with_format(self.row, 0, clean(k), &self.f.bold)
            .map_err(x)?;
        let row = self.row;
        self.line(vec![t(""), v])?;
        self.row = row + 1;
        Ok(())
    }

    fn gap(&mut self) {
        self.row += 1;
    }
}

/// What each sheet of [`sheet_names`] holds, in the same order.
fn sheet_contents(lang: Lang) -> [&'static str; 11] {
    match lang {
        Lang::Vi => [
            "Kết luận theo từng điều khoản (một lần mỗi điều), số phát hiện theo từng quy tắc, các chỉ số chung",
            "Từng cơ sở: cập nhật đến hạn, đúng hạn, duyệt hằng tháng, phát hiện",
            "Từng tháng: cập nhật, duyệt đúng hạn, số tiết sử dụng",
            "Thiết bị theo môn học và khối lớp, số lượt và số tiết sử dụng",
            "Các thiết bị được dùng nhiều nhất trong kỳ",
            "Thiết bị chưa được sử dụng trong kỳ",
            "Bản sao lưu và diễn tập phục hồi: kho lưu, bản mới nhất, số bản",
            "Báo cáo định kỳ đã lưu trữ theo năm học và kỳ",
            "Từng phát hiện: quy tắc, cơ sở, đối tượng, ngày, chi tiết",
            "Trang này: nội dung từng trang, quy tắc không đánh giá được và ghi chú",
            "Nguồn gốc: thời điểm lập, cơ sở dữ liệu và mã SHA-256, phiên bản eqvault",
        ],
        Lang::En => [
            "The verdict per article (once per article), findings per rule, the overall figures",
            "Each school: entries due, on time, monthly approvals, findings",
            "Each month: entries, approvals on time, lesson periods of use",
            "Equipment by subject and grade, uses and lesson periods",
            "The most used equipment of the period",
            "Equipment not used in the period",
            "Backups and restore drills: stores, the newest copy, copies",
            "Periodic reports archived by school year and period",
            "Every finding: rule, school, subject, dates, detail",
            "This sheet: what each sheet holds, rules not assessed, and notes",
            "Provenance: when it was made, the database and its SHA-256, eqvault's version",
        ],
    }
}

/// Yes or no in words: Excel shows a boolean cell as TRUE/FALSE, in English.
fn yes_no(b: bool, lang: Lang) -> V {
    t(match b {
        true => lang.choose("Có", "Yes"),
        false => lang.choose("Không", "No"),
    })
}

fn status(s: Status, lang: Lang) -> &'static str {
    let w = lang.w();
    match s {
        Status::Met => w.met,
        Status::NotMet => w.not_met,
        Status::Warning => w.warning,
        Status::NotAssessed => w.not_assessed,
    }
}

/// Renders the report as an XLSX workbook.
///
/// # Errors
/// [`ReportError::Xlsx`] from the writer.
pub fn render(r: &Report, lang: Lang) -> Result<Vec<u8>, ReportError> {
    let w = lang.w();
    let f = Formats::new();
    let names = sheet_names(lang);
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(w.title)
            .set_author(format!("eqvault {}", r.provenance.tool_version))
            .set_company(clean(&r.office.name)),
    );

    // Summary: the period, then one row per rule with its article's verdict.
    let mut s = Sheet::new(names[0], &f)?;
    s.widths(&[
        28.0, 30.0, 26.0, 34.0, 12.0, 12.0, 18.0, 10.0, 10.0, 10.0, 60.0,
    ])?;
    s.title(w.title)?;
    s.key_value(w.office, t(&r.office.name))?;
    s.key_value(w.period, t(r.period.name(lang)))?;
    s.key_value(lang.choose("Từ ngày", "From"), V::D(Some(r.period.from)))?;
    s.key_value(lang.choose("Đến ngày", "To"), V::D(Some(r.period.to)))?;
    s.key_value(w.as_of, V::D(Some(r.period.as_of)))?;
    s.gap();
    s.header(&[
        w.c_article,
        lang.choose("Nội dung", "Title"),
        lang.choose("Mã quy tắc", "Rule code"),
        w.c_rule,
        w.c_severity,
        w.c_findings,
        w.c_result,
        w.c_violations,
        w.c_warnings,
        w.c_schools,
        w.not_assessed,
    ])?;
    for a in &r.articles {
        for (i, rule) in a.rules.iter().enumerate() {
            // The article and its verdict once, on its first rule's row.
            let first = i == 0;
            let once = |v: V| if first { v } else { t("") };
            let count = |n: u64| if first { V::N(Some(n)) } else { V::N(None) };
            s.line(vec![
                once(t(a.article.label(lang))),
                once(t(a.article.title(lang))),
                t(rule.rule.as_str()),
                t(lang.rule(rule.rule)),
                t(lang.severity(rule.severity)),
                V::N(Some(rule.findings)),
                once(t(format!(
                    "{}{}",
                    status(a.status, lang),
                    a.provisional_note(lang)
                ))),
                count(a.violations),
                count(a.warnings),
                count(a.schools),
                t(rule
                    .not_assessed
                    .as_ref()
                    .map(|m| lang.pick(m))
                    .unwrap_or("")),
            ])?;
        }
    }
    s.gap();
    let sm = &r.summary;
    s.key_value(w.c_findings, V::N(Some(sm.findings)))?;
    s.key_value(w.kpi_violations, V::N(Some(sm.violations)))?;
    s.key_value(w.kpi_warnings, V::N(Some(sm.warnings)))?;
    s.key_value(w.kpi_schools, V::N(Some(sm.schools_with_findings)))?;
    s.key_value(
        lang.choose("Số cơ sở được kiểm tra", "Schools checked"),
        V::N(Some(sm.schools_checked)),
    )?;
    s.key_value(w.kpi_articles_met, V::N(Some(r.totals.articles_met)))?;
    s.key_value(w.kpi_on_time, V::P(r.totals.on_time_rate))?;
    s.key_value(w.kpi_approvals, V::P(r.totals.approvals_rate))?;
    wb.push_worksheet(s.ws);

    // Schools.
    let mut s = Sheet::new(names[1], &f)?;
    s.widths(&[
        12.0, 40.0, 10.0, 12.0, 10.0, 10.0, 12.0, 12.0, 11.0, 11.0, 12.0, 12.0, 12.0, 11.0, 11.0,
        12.0, 11.0, 11.0, 11.0,
    ])?;
    s.header(&[
        lang.choose("Mã cơ sở", "School id"),
        w.c_school,
        lang.choose("Ngừng hoạt động", "Closed"),
        w.c_entries_due,
        w.c_on_time,
        w.c_entries_late,
        w.c_on_time_rate,
        w.c_approvals_due,
        w.c_approvals_missing,
        w.c_approvals_late,
        w.c_not_by_principal,
        w.c_ids_deleted,
        w.c_quiet_months,
        lang.choose("Số thiết bị", "Items"),
        w.c_never_used,
        w.c_lesson_periods,
        w.c_findings,
        w.c_violations,
        w.c_warnings,
    ])?;
    for sc in &r.schools {
        s.line(vec![
            t(&sc.school_id),
            t(sc.name.as_deref().unwrap_or(w.not_in_schools_table)),
            yes_no(sc.inactive, lang),
            V::N(Some(sc.entries_due)),
            V::N(sc.entries_on_time),
            V::N(Some(sc.entries_late)),
            V::P(sc.on_time_rate),
            V::N(Some(sc.approvals_due)),
            V::N(Some(sc.approvals_missing)),
            V::N(Some(sc.approvals_late)),
            V::N(Some(sc.approvals_not_by_principal)),
            V::N(Some(sc.identifiers_deleted)),
            V::N(Some(sc.months_without_activity)),
            V::N(Some(sc.items)),
            V::N(Some(sc.items_never_used)),
            V::N(Some(sc.lesson_periods)),
            V::N(Some(sc.findings)),
            V::N(Some(sc.violations)),
            V::N(Some(sc.warnings)),
        ])?;
    }
    wb.push_worksheet(s.ws);

    // Months: the month as a real date (its first day), shown as a month.
    let mut s = Sheet::new(names[2], &f)?;
    s.widths(&[
        12.0, 12.0, 10.0, 10.0, 12.0, 12.0, 12.0, 10.0, 10.0, 12.0, 10.0, 12.0,
    ])?;
    s.header(&[
        w.c_month,
        w.c_entries_due,
        w.c_on_time,
        w.c_entries_late,
        w.c_on_time_rate,
        w.c_approvals_due,
        w.c_approvals_on_time,
        w.c_approvals_late,
        w.c_approvals_missing,
        w.c_approvals_rate,
        w.c_uses,
        w.c_lesson_periods,
    ])?;
    for m in &r.months {
        s.line(vec![
            V::M(m.m.first_day()),
            V::N(Some(m.entries_due)),
            V::N(m.entries_on_time),
            V::N(Some(m.entries_late)),
            V::P(m.on_time_rate),
            V::N(Some(m.approvals_due)),
            V::N(m.approvals_on_time),
            V::N(Some(m.approvals_late)),
            V::N(Some(m.approvals_missing)),
            V::P(m.approvals_rate),
            V::N(Some(m.uses)),
            V::N(Some(m.lesson_periods)),
        ])?;
    }
    wb.push_worksheet(s.ws);

    // Equipment by subject and condition.
    let e = &r.equipment;
    let mut s = Sheet::new(names[3], &f)?;
    let conditions: Vec<String> = e.conditions.iter().map(|c| lang.condition(c)).collect();
    let mut head: Vec<&str> = vec![w.c_subject];
    head.extend(conditions.iter().map(String::as_str));
    head.extend([
        w.c_total,
        w.c_quantity,
        w.c_usable,
        w.c_used,
        w.c_never_used,
        w.c_uses,
        w.c_lesson_periods,
        w.c_periods_per_item,
    ]);
    let mut widths = vec![34.0];
    widths.extend(std::iter::repeat_n(12.0, head.len() - 1));
    s.widths(&widths)?;
    s.header(&head)?;
    let subject_line = |s: &mut Sheet<'_>, row: &SubjectRow, label: &str| {
        let mut cells = vec![t(label)];
        cells.extend(
            e.conditions
                .iter()
                .map(|c| V::N(Some(row.by_condition.get(c).copied().unwrap_or(0)))),
        );
        cells.extend(
            [
                row.items,
                row.quantity,
                row.usable,
                row.used,
                row.never_used,
                row.uses,
                row.lesson_periods,
            ]
            .map(|n| V::N(Some(n))),
        );
        cells.push(V::F(row.periods_per_item));
        s.line(cells)
    };
    for row in &e.subjects {
        subject_line(&mut s, row, row.subject.as_deref().unwrap_or(w.no_subject))?;
    }
    subject_line(&mut s, &e.total, w.c_total)?;
    s.gap();
    s.key_value(w.usage_unknown, V::N(Some(e.unknown_usage.uses)))?;
    s.key_value(
        lang.choose(
            "Thiết bị tạo sau kỳ (không tính)",
            "Items created after the period (left out)",
        ),
        V::N(Some(e.created_after_period)),
    )?;
    wb.push_worksheet(s.ws);

    let items_sheet = |name: &str, items: &[ItemRow]| -> Result<Worksheet, ReportError> {
        let mut s = Sheet::new(name, &f)?;
        s.widths(&[12.0, 36.0, 16.0, 36.0, 22.0, 14.0, 10.0, 12.0])?;
        s.header(&[
            lang.choose("Mã cơ sở", "School id"),
            w.c_school,
            w.c_equipment_id,
            w.c_name,
            w.c_subject,
            w.c_condition,
            w.c_uses,
            w.c_lesson_periods,
        ])?;
        for i in items {
            s.line(vec![
                t(&i.school_id),
                t(r.school_name(&i.school_id).unwrap_or("")),
                t(&i.equipment_id),
                t(&i.name),
                t(i.subject.as_deref().unwrap_or("")),
                t(lang.condition(&i.condition)),
                V::N(Some(i.uses)),
                V::N(Some(i.lesson_periods)),
            ])?;
        }
        Ok(s.ws)
    };
    wb.push_worksheet(items_sheet(names[4], &e.top_items)?);
    let mut never = items_sheet(names[5], &e.never_used)?;
    if (e.never_used.len() as u64) < e.never_used_count {
        let note = w
            .listed_of
            .replace("{n}", &e.never_used.len().to_string())
            .replace("{m}", &e.never_used_count.to_string());
        never
            .write_string(e.never_used.len() as u32 + 2, 0, note)
            .map_err(x)?;
    }
    wb.push_worksheet(never);

    // Backups.
    let b = &r.backup;
    let mut s = Sheet::new(names[6], &f)?;
    s.widths(&[34.0, 30.0, 16.0, 30.0, 18.0, 10.0])?;
    if !b.available {
        s.key_value(
            w.backup_unavailable,
            t(b.reason.as_ref().map(|m| lang.pick(m)).unwrap_or("")),
        )?;
    } else {
        s.key_value(
            w.newest_backup,
            t(b.newest.as_ref().map_or(w.none, |n| n.id.as_str())),
        )?;
        s.key_value(w.c_taken_at, V::Dt(b.newest.as_ref().map(|n| n.created_at)))?;
        s.key_value(w.copies, V::N(b.newest.as_ref().map(|n| n.copies)))?;
        if b.newest.as_ref().is_some_and(|n| n.suspect) {
            s.key_value(
                lang.choose("Nghi vấn", "Suspect"),
                t(super::evidence::guard_words(lang).suspect),
            )?;
        }
        s.key_value(w.required, V::N(Some(u64::from(b.required_copies))))?;
        let d = b.last_drill.as_ref();
        s.key_value(w.last_drill, t(d.map_or(w.none, |d| d.id.as_str())))?;
        s.key_value(
            w.c_status,
            t(d.map(|d| lang.drill_status(&d.status)).unwrap_or_default()),
        )?;
        s.key_value(w.c_taken_at, V::Dt(d.map(|d| d.started_at)))?;
        s.key_value(
            lang.choose("Thời gian phục hồi (giây)", "Restore time (s)"),
            V::F(d.map(|d| d.seconds)),
        )?;
        s.key_value(
            lang.choose("Mục tiêu (giây)", "Target (s)"),
            V::N(d.map(|d| d.target_seconds)),
        )?;
        s.key_value(
            w.e_snapshot,
            t(d.map(|d| d.snapshot.as_str()).unwrap_or("")),
        )?;
        s.gap();
        s.header(&[
            w.c_store,
            w.c_reachable,
            w.c_snapshots,
            w.c_newest,
            w.c_taken_at,
            w.copies,
        ])?;
        for st in &b.stores {
            s.line(vec![
                t(&st.store),
                yes_no(st.reachable, lang),
                V::N(Some(st.snapshots)),
                t(st.newest.as_ref().map(|n| n.id.as_str()).unwrap_or("")),
                V::Dt(st.newest.as_ref().map(|n| n.created_at)),
                V::N(st.newest.as_ref().map(|n| n.copies)),
            ])?;
        }
        // The deletion guard's events, then the snapshots held.
        let g = super::evidence::guard_words(lang);
        s.gap();
        s.key_value(
            g.heading,
            t(if r.backup.guard.is_empty() {
                g.none
            } else {
                ""
            }),
        )?;
        if !b.guard.is_empty() {
            s.header(&g.columns)?;
            for e in &b.guard {
                let c = super::evidence::guard_cells(e, lang);
                s.line(vec![
                    t(&e.snapshot),
                    V::Dt(Some(e.taken_at)),
                    t(c.what.join("; ")),
                    t(&c.previous),
                    t(&c.acknowledged),
                ])?;
            }
        }
        if !b.holds.is_empty() {
            s.gap();
            s.key_value(g.holds, t(""))?;
            s.header(&g.hold_columns)?;
            for h in &b.holds {
                s.line(vec![t(&h.snapshot), V::Dt(Some(h.since)), t(&h.reason)])?;
            }
        }
    }
    wb.push_worksheet(s.ws);

    // Archive completeness.
    let a = &r.archive;
    let mut s = Sheet::new(names[7], &f)?;
    s.widths(&[12.0, 14.0, 12.0, 12.0, 12.0, 40.0, 40.0, 16.0])?;
    if !a.available {
        s.key_value(
            w.archive_unavailable,
            t(a.reason.as_ref().map(|m| lang.pick(m)).unwrap_or("")),
        )?;
    } else {
        s.header(&[
            w.c_year,
            w.c_term,
            lang.choose("Từ ngày", "From"),
            lang.choose("Đến ngày", "To"),
            w.c_due,
            w.c_archived,
            w.c_missing,
            w.c_status,
        ])?;
        let names = |codes: &[String]| {
            codes
                .iter()
                .map(|c| r.kind_name(c, lang))
                .collect::<Vec<_>>()
                .join("; ")
        };
        for p in &a.periods {
            let state = match p.state {
                ArchiveState::Complete => w.complete,
                ArchiveState::Incomplete => w.incomplete,
                ArchiveState::NotDue => w.not_due,
            };
            s.line(vec![
                t(&p.year),
                t(lang.period_short(p.period)),
                V::D(Some(p.from)),
                V::D(Some(p.to)),
                V::D(Some(p.due)),
                t(names(&p.archived)),
                t(names(&p.missing)),
                t(state),
            ])?;
        }
    }
    wb.push_worksheet(s.ws);

    // Findings, typed.
    let mut s = Sheet::new(names[8], &f)?;
    s.widths(&[
        20.0, 28.0, 18.0, 10.0, 12.0, 30.0, 14.0, 18.0, 14.0, 10.0, 12.0, 12.0, 12.0, 8.0, 12.0,
        24.0, 40.0, 90.0,
    ])?;
    s.header(&super::csv::header(lang))?;
    for fd in &r.findings {
        let c = evidence::columns(fd, r, lang);
        let school = fd.school_id.as_deref().unwrap_or("");
        s.line(vec![
            t(fd.rule.as_str()),
            t(lang.rule(fd.rule)),
            t(crate::report::model::article_of(fd).label(lang)),
            t(lang.severity(fd.severity)),
            t(school),
            t(r.school_name(school).unwrap_or("")),
            t(fd.period.as_deref().unwrap_or("")),
            t(fd.subject.as_deref().unwrap_or("")),
            t(fd.equipment_id.as_deref().unwrap_or("")),
            V::I(fd.change_id),
            V::D(c.occurred_on),
            V::D(c.recorded_on),
            V::D(c.deadline),
            V::I(c.days_late),
            V::D(c.approved_on),
            t(c.by.as_deref().unwrap_or("")),
            t(&c.other),
            t(lang.pick(&fd.message)),
        ])?;
    }
    wb.push_worksheet(s.ws);

    // Notes.
    let mut s = Sheet::new(names[9], &f)?;
    s.widths(&[28.0, 110.0])?;
    s.title(lang.choose("Các trang của tệp này", "The sheets of this workbook"))?;
    for (name, what) in names.iter().zip(sheet_contents(lang)) {
        s.line(vec![t(name), t(what)])?;
    }
    s.gap();
    s.header(&[w.c_rule, w.c_detail])?;
    for k in &r.skipped {
        s.line(vec![
            t(k.rule.as_str()),
            t(format!("{}: {}", w.not_assessed, lang.pick(&k.reason))),
        ])?;
    }
    for n in &r.notes {
        s.line(vec![t(&n.code), t(lang.pick(&n.message))])?;
    }
    wb.push_worksheet(s.ws);

    // Provenance, last.
    let p = &r.provenance;
    let mut s = Sheet::new(names[10], &f)?;
    s.widths(&[34.0, 80.0])?;
    s.key_value(w.p_generated, V::Dt(Some(p.generated_at)))?;
    s.key_value(w.p_period, t(&p.period))?;
    s.key_value(lang.choose("Từ ngày", "From"), V::D(Some(p.from)))?;
    s.key_value(lang.choose("Đến ngày", "To"), V::D(Some(p.to)))?;
    s.key_value(w.p_as_of, V::D(Some(p.as_of)))?;
    s.key_value(
        lang.choose("Giai đoạn đánh giá", "Window judged"),
        t(super::html::judged(r, lang)),
    )?;
    s.key_value(w.p_tool, t(format!("{} {}", p.tool, p.tool_version)))?;
    s.key_value(
        w.p_office,
        t(format!("{} {}", p.office.name, p.office.code).trim()),
    )?;
    s.key_value(w.p_database, t(&p.database))?;
    s.key_value(w.p_db_sha, t(&p.database_sha256))?;
    s.key_value(w.p_db_bytes, V::N(Some(p.database_bytes)))?;
    s.key_value(w.p_policies, t(lang.policies(&p.policies)))?;
    s.key_value(w.p_own_sha, t(w.p_own_sha_where))?;
    wb.push_worksheet(s.ws);

    wb.save_to_buffer().map_err(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_text_fits_excel() {
        let utf16 = |s: &str| s.encode_utf16().count();
        let exact = "a".repeat(MAX_CELL);
        assert_eq!(clean(&exact), exact);
        let long = clean(&"ă".repeat(MAX_CELL + 5));
        assert_eq!(utf16(&long), MAX_CELL);
        assert!(long.ends_with('…'));
        // Characters outside the BMP take two units each.
        let wide = clean(&"😀".repeat(MAX_CELL));
        assert!(utf16(&wide) <= MAX_CELL && wide.ends_with('…'));
        assert_eq!(clean("a\u{1b}b\nc"), "ab\nc");
    }
}
