//! The findings as CSV: UTF-8 with a byte-order mark (so Excel reads Vietnamese right), one row per finding.
//!
//! RFC 4180 quoting; database text that Excel would take for a formula
//! (`=`, `+`, `-`, `@`, tab, CR at the start) is prefixed with `'`. Dates
//! are written `dd/mm/yyyy` in Vietnamese and `YYYY-MM-DD` in English.
//!
//! Provenance ends the file, as in every format: after the findings, rows
//! whose first field is `#` and whose next two are a key and a value, padded
//! to the same number of fields so the file stays rectangular. A reader that
//! wants only findings drops the rows starting with `#`.

use chrono::NaiveDate;

use super::evidence;
use super::model::Report;
use super::text::Lang;

/// The byte-order mark.
pub const BOM: &str = "\u{feff}";

/// The header row, in `lang`.
pub fn header(lang: Lang) -> Vec<&'static str> {
    let w = lang.w();
    match lang {
        Lang::Vi => vec![
            "Mã quy tắc",
            "Quy tắc",
            w.c_article,
            w.c_severity,
            "Mã cơ sở",
            w.c_school,
            w.c_term,
            w.c_what,
            w.c_equipment_id,
            w.c_change_id,
            "Ngày phát sinh",
            "Ngày cập nhật",
            "Hạn",
            "Số ngày trễ",
            "Ngày duyệt",
            "Người thực hiện",
            "Bằng chứng khác",
            w.c_detail,
        ],
        Lang::En => vec![
            "Rule code",
            "Rule",
            w.c_article,
            w.c_severity,
            "School id",
            w.c_school,
            w.c_term,
            w.c_what,
            w.c_equipment_id,
            w.c_change_id,
            "Occurred on",
            "Entered on",
            "Deadline",
            "Days late",
            "Approved on",
            "By",
            "Other evidence",
            w.c_detail,
        ],
    }
}

/// One CSV field: quoted when needed, formula-looking text defused.
fn field(s: &str, text_from_outside: bool) -> String {
    let mut s: String = s
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    if text_from_outside && s.starts_with(['=', '+', '-', '@']) {
        s.insert(0, '\'');
    }
    if s.contains([',', '"', '\n']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn line(out: &mut String, cells: &[String]) {
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// Renders the findings as CSV.
pub fn render(r: &Report, lang: Lang) -> Vec<u8> {
    let head = header(lang);
    let width = head.len();
    let mut out = String::from(BOM);
    line(
        &mut out,
        &head.iter().map(|h| field(h, false)).collect::<Vec<_>>(),
    );
    let date = |d: Option<NaiveDate>| d.map(|d| lang.date_cell(d)).unwrap_or_default();
    for f in &r.findings {
        let c = evidence::columns(f, r, lang);
        let school = f.school_id.as_deref().unwrap_or("");
        let cells = [
            field(f.rule.as_str(), false),
            field(lang.rule(f.rule), false),
            field(crate::report::model::article_of(f).label(lang), false),
            field(lang.severity(f.severity), false),
            field(school, true),
            field(r.school_name(school).unwrap_or(""), true),
            field(f.period.as_deref().unwrap_or(""), true),
            field(f.subject.as_deref().unwrap_or(""), true),
            field(f.equipment_id.as_deref().unwrap_or(""), true),
            f.change_id.map(|n| n.to_string()).unwrap_or_default(),
            date(c.occurred_on),
            date(c.recorded_on),
            date(c.deadline),
            c.days_late.map(|n| n.to_string()).unwrap_or_default(),
            date(c.approved_on),
            field(c.by.as_deref().unwrap_or(""), true),
            field(&c.other, true),
            field(lang.pick(&f.message), true),
        ];
        line(&mut out, &cells);
    }
    let w = lang.w();
    let p = &r.provenance;
    let rows: [(&str, String); 9] = [
        (w.p_generated, p.generated_at.to_rfc3339()),
        (
            w.p_period,
            format!("{} ({})", p.period, lang.range(p.from, p.to)),
        ),
        (w.p_as_of, lang.date_cell(p.as_of)),
        (w.p_tool, format!("{} {}", p.tool, p.tool_version)),
        (
            w.p_office,
            format!("{} {}", p.office.name, p.office.code)
                .trim()
                .to_string(),
        ),
        (w.p_database, p.database.clone()),
        (w.p_db_sha, p.database_sha256.clone()),
        (w.p_policies, lang.policies(&p.policies)),
        (w.p_own_sha, w.p_own_sha_where.to_string()),
    ];
    for (k, v) in rows {
        let mut cells = vec!["#".to_string(), field(k, false), field(&v, true)];
        cells.resize(width, String::new());
        line(&mut out, &cells);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("a,b", true), "\"a,b\"");
        assert_eq!(field("say \"hi\"", true), "\"say \"\"hi\"\"\"");
        assert_eq!(
            field("=HYPERLINK(\"x\")", true),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(field("plain", true), "plain");
        assert_eq!(field("-5", false), "-5");
    }
}
