//! The printed report (PDF): an administrative document in the form of Nghị
//! định 30/2020/NĐ-CP, which a head of office signs.
//!
//! A4 portrait, margins 20 mm top and bottom, 30 mm left, 15 mm right; Times
//! New Roman (Liberation Serif, metric-compatible, where Times is absent);
//! the office and the number on the left of the head, the Quốc hiệu and tiêu
//! ngữ on the right with the place and date; the title; the body (what was
//! judged and the verdict of each article); "Nơi nhận" and the signature
//! block; page numbers from page 2. The wide tables and every finding follow
//! as an appendix on landscape pages, in the dashboard's tables.

use std::fmt::Write as _;

use chrono::Datelike;

use super::html::{self, esc};
use super::model::{Report, Status};
use super::text::Lang;

/// The document's own style, after the dashboard's (whose tables the appendix keeps).
const DOC_STYLE: &str = r#"
@page{size:A4 portrait;margin:20mm 15mm 20mm 30mm;@top-center{content:counter(page);font-family:"Times New Roman","Liberation Serif",serif;font-size:12pt}}
@page:first{@top-center{content:none}}
@page appendix{size:A4 landscape;margin:15mm 12mm 15mm 20mm}
html,body.doc{background:#fff;font-family:"Times New Roman","Liberation Serif",serif;color:#000}
body.doc{margin:0;font-size:13pt;line-height:1.35}
body.doc *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
table.head{width:100%;border-collapse:collapse;margin-bottom:14pt}
table.head td{border:0;padding:0;vertical-align:top;text-align:center}
table.head td.org{width:38%}
table.head td.nation{width:62%}
.org-name{font-weight:700;text-transform:uppercase;font-size:12.5pt}
.qh{font-weight:700;font-size:12.5pt;white-space:nowrap}
.tn{font-weight:700;font-size:13pt}
.rule{width:36%;margin:2pt auto 6pt;border-top:1px solid #000}
.nation .rule{width:52%}
.so{font-size:13pt}
.date{font-style:italic;font-size:13pt;white-space:nowrap}
h1.doc-title{font-size:14pt;font-weight:700;text-align:center;margin:14pt 0 2pt;letter-spacing:0}
.doc-sub{font-weight:700;text-align:center;margin:0 0 12pt}
p.body{text-align:justify;text-indent:12mm;margin:0 0 6pt}
table.verdicts{border-collapse:collapse;width:100%;font-size:12pt;margin:6pt 0 10pt;table-layout:auto}
table.verdicts th,table.verdicts td{border:1px solid #000;padding:3pt 5pt;vertical-align:top;overflow-wrap:normal;word-break:normal;hyphens:manual;background:#fff;color:#000}
table.verdicts th{font-weight:700;text-align:center;font-size:12pt}
table.verdicts td.n{text-align:right;white-space:nowrap}
table.verdicts td.kq{white-space:nowrap;font-weight:700}
table.verdicts tr{break-inside:avoid}
table.sign{width:100%;border-collapse:collapse;margin-top:16pt;break-inside:avoid}
table.sign td{border:0;vertical-align:top;padding:0}
td.noi-nhan{width:45%;font-size:11pt}
td.noi-nhan b{font-size:12pt;font-style:italic}
td.ky{width:55%;text-align:center}
.chuc-vu{font-weight:700;text-transform:uppercase;font-size:13pt}
.ky-note{font-style:italic;font-size:12pt}
.ky-space{height:30mm}
.ky-ten{font-weight:700;font-size:13pt}
h2,h3,h1.doc-title,.doc-sub,p.intro{break-after:avoid;page-break-after:avoid}
.appendix{page:appendix;break-before:page;font-size:9pt;line-height:1.25}
.appendix p{font-size:9pt;margin:2pt 0 4pt}
.appendix .box{padding:3pt 8pt}
.appendix .facts{gap:6pt;margin-bottom:4pt}
.appendix .fact .v{font-size:11pt}
.appendix h3{font-size:10pt;margin:8pt 0 3pt}
.appendix section{margin-top:10pt}
.appendix h2{font-size:13pt;color:#000;border-bottom:1px solid #000}
.appendix table,.appendix th,.appendix td{font-size:9pt}
.appendix th,.appendix td{overflow-wrap:normal;word-break:normal;padding:1.5pt 4pt;line-height:1.2}
.appendix .charts{display:grid;grid-template-columns:1fr 1fr;gap:8pt}
.appendix figure.chart svg{max-height:42mm}
.appendix #findings{break-before:auto}
.appendix p.intro{font-size:8.5pt;margin:2pt 0 4pt}
.appendix figure.chart{break-inside:avoid;padding:4pt 6pt}
.appendix tr.group{break-after:avoid;page-break-after:avoid}
@media print{html{font-size:10px}.appendix table{font-size:8pt}.appendix th{font-size:7.5pt}.appendix td.msg,.appendix td.ev{font-size:7.5pt}}
"#;

/// "Thành phố Hồ Chí Minh, ngày 06 tháng 12 năm 2026".
fn place_and_date(r: &Report, lang: Lang) -> String {
    let d = r.provenance.generated_at.date_naive();
    let place = r.office.place.trim();
    match lang {
        Lang::Vi => format!(
            "{place}, ngày {:02} tháng {:02} năm {}",
            d.day(),
            d.month(),
            d.year()
        ),
        Lang::En => format!("{place}, {}", lang.date(d)),
    }
}

fn verdict(s: Status, lang: Lang) -> &'static str {
    match s {
        Status::Met => lang.choose("Đạt", "Met"),
        Status::NotMet => lang.choose("Chưa đạt", "Not met"),
        Status::Warning => lang.choose("Cần lưu ý", "Warning"),
        Status::NotAssessed => lang.choose("Không đánh giá được", "Not assessed"),
    }
}

/// The document as HTML, for Chromium to print.
pub fn render(r: &Report, lang: Lang) -> String {
    let mut out = String::with_capacity(64 * 1024 + r.findings.len().min(20_000) * 600);
    let office = r.office.name.trim();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\
<meta name=\"generator\" content=\"eqvault {}\"><meta name=\"eqvault-report\" content=\"{}\">\
<title>{} — {}</title><style>{}{DOC_STYLE}</style></head><body class=\"doc\">",
        lang.code(),
        esc(&r.provenance.tool_version),
        esc(&r.period.key),
        esc(lang.choose("Báo cáo", "Report")),
        esc(&r.period.label(lang)),
        html::STYLE,
    );
    // The head: the office and the number; the Quốc hiệu, tiêu ngữ, place and date.
    let code = r.office.code.trim();
    let _ = write!(
        out,
        "<table class=\"head\" id=\"nd30-head\"><tr><td class=\"org\"><div class=\"org-name\">{}</div><div class=\"rule\"></div><div class=\"so\">{}: &nbsp;&nbsp;&nbsp;&nbsp;&nbsp;/BC{}</div></td>\
<td class=\"nation\"><div class=\"qh\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div><div class=\"tn\">Độc lập - Tự do - Hạnh phúc</div><div class=\"rule\"></div><div class=\"date\">{}</div></td></tr></table>",
        if office.is_empty() {
            esc(lang.choose("(Tên đơn vị)", "(Office)"))
        } else {
            esc(office)
        },
        lang.choose("Số", "No."),
        if code.is_empty() {
            String::new()
        } else {
            format!("-{}", esc(code))
        },
        esc(&place_and_date(r, lang)),
    );
    let _ = write!(
        out,
        "<h1 class=\"doc-title\">{}</h1><div class=\"doc-sub\">{}<br>{}</div>",
        esc(lang.choose("BÁO CÁO", "REPORT")),
        esc(lang.choose(
            "Kết quả thực hiện Quyết định 146/QĐ-GDĐT về quản lý thiết bị dạy học",
            "Compliance with Decision 146/QĐ-GDĐT on teaching equipment"
        )),
        esc(&r.period.label(lang)),
    );
    let s = &r.summary;
    let t = &r.totals;
    let _ = write!(
        out,
        "<p class=\"body\">{}</p><p class=\"body\">{}</p>",
        esc(&match lang {
            Lang::Vi => format!(
                "Căn cứ dữ liệu thiết bị dạy học của {} cơ sở trên Hệ thống, từ ngày {} đến ngày {}, cùng các bản sao lưu, các lần diễn tập phục hồi và kho lưu trữ báo cáo, {} báo cáo kết quả thực hiện như sau.",
                lang.int(s.schools_checked),
                lang.date(r.period.from),
                lang.date(r.period.to),
                if office.is_empty() {
                    "đơn vị"
                } else {
                    office
                },
            ),
            Lang::En => format!(
                "From the teaching-equipment data of {} schools in the system, {} to {}, with the backups, restore drills and the report archive, {} reports as follows.",
                lang.int(s.schools_checked),
                lang.date(r.period.from),
                lang.date(r.period.to),
                if office.is_empty() {
                    "the office"
                } else {
                    office
                },
            ),
        }),
        esc(&match lang {
            Lang::Vi => format!(
                "Có {}/{} nội dung đạt yêu cầu; phát hiện {} vi phạm và {} cảnh báo tại {} cơ sở. Chi tiết theo từng cơ sở, theo tháng, về thiết bị, sao lưu, lưu trữ và từng phát hiện ở Phụ lục kèm theo.",
                t.articles_met,
                t.articles,
                lang.int(s.violations),
                lang.int(s.warnings),
                lang.int(s.schools_with_findings),
            ),
            Lang::En => format!(
                "{} of {} requirements are met; {} violations and {} warnings were found at {} schools. The details by school, by month, on equipment, backups, the archive and every finding are in the appendix.",
                t.articles_met,
                t.articles,
                lang.int(s.violations),
                lang.int(s.warnings),
                lang.int(s.schools_with_findings),
            ),
        }),
    );
    let _ = write!(
        out,
        "<table class=\"verdicts\" id=\"verdicts\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(lang.choose("TT", "No.")),
        esc(lang.choose("Nội dung và yêu cầu", "Requirement")),
        esc(lang.choose("Kết quả", "Result")),
        esc(lang.choose("Vi phạm", "Violations")),
        esc(lang.choose("Cảnh báo", "Warnings")),
    );
    for (i, a) in r.articles.iter().enumerate() {
        let _ = write!(
            out,
            "<tr data-article=\"{}\"><td class=\"n\">{}</td><td><b>{}: {}.</b> {}</td><td class=\"kq\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            a.article.key(),
            i + 1,
            esc(a.article.label(lang)),
            esc(a.article.title(lang)),
            esc(a.article.requirement(lang)),
            esc(&format!(
                "{}{}",
                verdict(a.status, lang),
                a.provisional_note(lang)
            )),
            lang.int(a.violations),
            lang.int(a.warnings),
        );
    }
    out.push_str("</tbody></table>");
    guard_paragraph(&mut out, r, lang);
    // Nơi nhận and the signature block, kept together.
    let signer = r.office.signer_name.trim();
    let _ = write!(
        out,
        "<table class=\"sign\" id=\"signature\"><tr><td class=\"noi-nhan\"><b>{}</b><br>- {};<br>- {}.</td>\
<td class=\"ky\"><div class=\"chuc-vu\">{}</div><div class=\"ky-note\">{}</div><div class=\"ky-space\"></div><div class=\"ky-ten\">{}</div></td></tr></table>",
        esc(lang.choose("Nơi nhận:", "To:")),
        esc(lang.choose("Như trên", "As above")),
        esc(lang.choose("Lưu: VT", "File: records")),
        esc(r.office.signer_title.trim()),
        esc(lang.choose(
            "(Ký, ghi rõ họ tên và đóng dấu)",
            "(Signature, full name and seal)"
        )),
        esc(signer),
    );
    // The appendix: the dashboard's tables on landscape pages.
    let _ = write!(
        out,
        "<div class=\"appendix\"><h1 class=\"doc-title\">{}</h1><div class=\"doc-sub\">{}</div>",
        esc(lang.choose("PHỤ LỤC", "APPENDIX")),
        esc(&match lang {
            Lang::Vi => format!(
                "Số liệu chi tiết kèm theo Báo cáo, {}",
                r.period.label(lang)
            ),
            Lang::En => format!("Detailed figures of the report, {}", r.period.label(lang)),
        }),
    );
    html::schools(&mut out, r, lang);
    html::trends(&mut out, r, lang);
    html::equipment(&mut out, r, lang);
    html::backup(&mut out, r, lang);
    html::archive(&mut out, r, lang);
    html::findings(&mut out, r, lang);
    html::notes(&mut out, r, lang);
    html::provenance(&mut out, r, lang);
    out.push_str("</div></body></html>\n");
    out
}

/// Said in the body, above the signature, when the deletion guard tripped in
/// the period: the head of office signs knowing the data dropped (Art. 6)
/// and which copy was kept to fall back on (Art. 12).
fn guard_paragraph(out: &mut String, r: &Report, lang: Lang) {
    /// Events told one by one; the rest are in the appendix.
    const TOLD: usize = 5;
    let events = &r.backup.guard;
    if events.is_empty() {
        return;
    }
    let mut told: Vec<String> = events
        .iter()
        .take(TOLD)
        .map(|e| {
            let c = super::evidence::guard_cells(e, lang);
            match lang {
                Lang::Vi => format!(
                    "bản sao lưu {} ({}): {}; bản tốt gần nhất {}; {}",
                    e.snapshot,
                    lang.datetime(&e.taken_at),
                    c.what.join(", "),
                    c.previous,
                    match &e.acknowledged {
                        Some(_) => format!("đã xác nhận {}", c.acknowledged),
                        None => "chưa có ai xác nhận".into(),
                    }
                ),
                Lang::En => format!(
                    "snapshot {} ({}): {}; last good copy {}; {}",
                    e.snapshot,
                    lang.datetime(&e.taken_at),
                    c.what.join(", "),
                    c.previous,
                    match &e.acknowledged {
                        Some(_) => format!("acknowledged {}", c.acknowledged),
                        None => "nobody has acknowledged it".into(),
                    }
                ),
            }
        })
        .collect();
    if events.len() > TOLD {
        told.push(match lang {
            Lang::Vi => format!("và {} lần khác (xem Phụ lục)", events.len() - TOLD),
            Lang::En => format!("and {} more (see the appendix)", events.len() - TOLD),
        });
    }
    let _ = write!(
        out,
        "<p class=\"body\" id=\"guard-events\" data-count=\"{}\">{}</p>",
        events.len(),
        esc(&match lang {
            Lang::Vi => format!(
                "Bộ bảo vệ chống xoá dữ liệu ghi nhận {} bản sao lưu có dữ liệu giảm bất thường (Điều 6, Điều 12), trong kỳ hoặc từ trước kỳ mà chưa được xác nhận khi kỳ bắt đầu: {}.",
                lang.int(events.len() as u64),
                told.join("; ")
            ),
            Lang::En => format!(
                "The deletion guard recorded {} in which the data dropped abnormally (Art. 6, Art. 12), in the period or before it and not acknowledged when it began: {}.",
                if events.len() == 1 {
                    "1 snapshot".to_string()
                } else {
                    format!("{} snapshots", lang.int(events.len() as u64))
                },
                told.join("; ")
            ),
        })
    );
}
