//! The HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched), printable on A4.
//!
//! The page declares a Content-Security-Policy that forbids every fetch
//! (`default-src 'none'`), so even text that slipped through escaping could
//! not load anything. Everything from the database is HTML-escaped ([`esc`]),
//! control characters removed. The print stylesheet sets A4 pages whose
//! footers carry the provenance and the page number (CSS page margin boxes).
//!
//! Cells that tests and scripts read carry `data-*` attributes with the raw
//! number (`data-rule`, `data-count`, `data-key`), so nobody has to parse
//! "1.234" back.

use std::fmt::Write;

use super::charts::{self, AMBER, BLUE, GREEN, GREY, RED, Series};
use super::evidence;
use super::model::{ArchiveState, Report, Status};
use super::text::Lang;
use crate::policy::Severity;

/// HTML-escapes text (for element content and quoted attributes) and drops
/// control characters other than tab and line feed.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A CSS string literal of our own text (for the page footer).
fn css_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\A "),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) const STYLE: &str = r#"
:root{--ink:#202124;--muted:#5f6368;--line:#dadce0;--band:#0b3d6e;--green:#137333;--green-bg:#e6f4ea;--red:#c5221f;--red-bg:#fce8e6;--amber:#b06000;--amber-bg:#fef7e0;--grey:#5f6368;--grey-bg:#f1f3f4}
*{box-sizing:border-box}
html{font-family:"Segoe UI",Roboto,"Noto Sans","DejaVu Sans","Liberation Sans",Arial,sans-serif;color:var(--ink);font-size:14px;line-height:1.45;background:#eef1f4}
body{margin:0}
.page{max-width:1180px;margin:0 auto 40px;background:#fff;box-shadow:0 1px 6px rgba(0,0,0,.12)}
header.mast{background:var(--band);color:#fff;padding:22px 32px 18px}
.office{text-transform:uppercase;letter-spacing:.06em;font-size:12px;opacity:.9;font-weight:600}
.office .code{opacity:.75;font-weight:400}
.office .muted{color:#c6d4e3;text-transform:none;letter-spacing:0}
h1{font-size:22px;margin:6px 0 4px;line-height:1.25;font-weight:650}
.reg{font-size:13px;opacity:.9}
.chips{margin-top:12px;display:flex;flex-wrap:wrap;gap:8px}
.chip{background:rgba(255,255,255,.14);border:1px solid rgba(255,255,255,.25);border-radius:14px;padding:3px 11px;font-size:12.5px}
.chip b{font-weight:650}
.kpis{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;padding:16px 32px 4px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:10px 12px;border-top:4px solid var(--grey)}
.kpi .v{font-size:22px;font-weight:700;line-height:1.1}
.kpi .l{font-size:11.5px;color:var(--muted);margin-top:3px}
.kpi.good{border-top-color:var(--green)}.kpi.bad{border-top-color:var(--red)}.kpi.warn{border-top-color:#f9ab00}
main{padding:6px 32px 24px}
section{margin-top:22px}
h2{font-size:17px;margin:0 0 8px;padding-bottom:5px;border-bottom:2px solid var(--band);color:var(--band)}
h3{font-size:14.5px;margin:16px 0 6px}
p.intro{color:var(--muted);margin:4px 0 10px;font-size:12.5px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{border-bottom:1px solid var(--line);padding:5px 7px;text-align:left;vertical-align:top}
th{background:#f8f9fa;font-weight:600;font-size:11.5px;color:#3c4043}
#summary-table th:nth-child(1){width:19%}#summary-table th:nth-child(2){width:30%}#summary-table th:nth-child(3){width:27%}
#schools-table td:first-child{min-width:200px}
#schools-table th.n,#months-table th.n,#subjects-table th.n{white-space:normal;vertical-align:bottom}
#schools-table,#months-table{font-size:12px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.bad{color:var(--red);font-weight:650}
tr.total td{font-weight:700;border-top:2px solid #9aa0a6;background:#fafafa}
.status{display:inline-block;border-radius:12px;padding:2px 10px;font-weight:700;font-size:12px;white-space:nowrap}
.status.met{background:var(--green-bg);color:var(--green)}
.status.not_met{background:var(--red-bg);color:var(--red)}
.status.warning{background:var(--amber-bg);color:var(--amber)}
.status.not_assessed{background:var(--grey-bg);color:var(--grey)}
.req{color:var(--muted);font-size:11.5px}
.art{font-weight:650;white-space:nowrap}
ul.rules{margin:0;padding:0;list-style:none}
ul.rules li{white-space:nowrap}
ul.rules .cnt{display:inline-block;min-width:2.2em;text-align:right;font-weight:650;margin-right:4px;font-variant-numeric:tabular-nums}
ul.rules .cnt.pos{color:var(--red)}
.why{color:var(--grey);font-size:11.5px;white-space:normal}
.rate{display:flex;align-items:center;gap:6px;justify-content:flex-end}
.rate .bar{width:54px;height:7px;background:#eceff1;border-radius:4px;overflow:hidden}
.rate .bar i{display:block;height:100%}
.sev{font-size:11px;font-weight:700;border-radius:4px;padding:0 5px;white-space:nowrap}
.sev.violation{background:var(--red-bg);color:var(--red)}
.sev.warning{background:var(--amber-bg);color:var(--amber)}
tr.group td{background:#f1f5fb;font-weight:650;color:var(--band)}
td.ev{color:#3c4043;font-size:11.5px}
td.msg{font-size:12px}
.muted{color:var(--muted)}
.id{color:var(--muted);font-size:11px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:16px}
figure.chart{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px 10px}
figure.chart figcaption{font-weight:650;font-size:12.5px;margin-bottom:4px}
figure.chart svg{width:100%;height:auto;display:block}
.legend{font-size:11.5px;color:#3c4043;display:flex;flex-wrap:wrap;gap:12px;margin-top:4px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.box{border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:#fafafa}
.box.na{border-left:4px solid var(--grey)}
.facts{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin-bottom:10px}
.fact .l{font-size:11.5px;color:var(--muted)}
.fact .v{font-size:15px;font-weight:650}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;font-size:12px;margin:0}
dl.prov dt{color:var(--muted)}
dl.prov dd{margin:0;word-break:break-all}
code{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:11.5px}
footer.end{padding:10px 32px 20px;color:var(--muted);font-size:11px}
@media (max-width:900px){.kpis{grid-template-columns:repeat(3,1fr)}.charts{grid-template-columns:1fr}}
@media screen and (max-width:700px){header.mast,main,.kpis{padding-left:12px;padding-right:12px}.kpis{grid-template-columns:repeat(2,1fr)}table{display:block;overflow-x:auto;white-space:nowrap}td.msg,td.ev,.why,.req{white-space:normal;min-width:16em}}
@media print{
 html{background:#fff;font-size:10.5px}
 .page{box-shadow:none;max-width:none;margin:0}
 header.mast{-webkit-print-color-adjust:exact;print-color-adjust:exact;padding:12px 16px}
 .kpis,main,footer.end{padding-left:0;padding-right:0}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 table{font-size:9px} th{font-size:8.5px} td.msg{font-size:8.5px} td.ev{font-size:8.5px}
 thead{display:table-header-group}
 tr,figure,.kpi,.box{break-inside:avoid}
 h2,h3{break-after:avoid}
 section{break-inside:auto}
 #findings{break-before:page}
}
"#;

fn status_label(s: Status, lang: Lang) -> &'static str {
    let w = lang.w();
    match s {
        Status::Met => w.met,
        Status::NotMet => w.not_met,
        Status::Warning => w.warning,
        Status::NotAssessed => w.not_assessed,
    }
}

fn status_key(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::NotMet => "not_met",
        Status::Warning => "warning",
        Status::NotAssessed => "not_assessed",
    }
}

fn status_mark(s: Status) -> &'static str {
    match s {
        Status::Met => "✔",
        Status::NotMet => "✘",
        Status::Warning => "!",
        Status::NotAssessed => "–",
    }
}

/// A number cell with its raw value in `data-v`; red when `bad` and not zero.
fn num(out: &mut String, n: u64, bad: bool, lang: Lang) {
    let class = if bad && n > 0 { "n bad" } else { "n" };
    let _ = write!(
        out,
        "<td class=\"{class}\" data-v=\"{n}\">{}</td>",
        lang.int(n)
    );
}

fn opt_num(out: &mut String, n: Option<u64>, lang: Lang) {
    match n {
        Some(n) => num(out, n, false, lang),
        None => out.push_str("<td class=\"n\">–</td>"),
    }
}

fn rate_color(r: f64) -> &'static str {
    if r >= 0.95 {
        GREEN
    } else if r >= 0.8 {
        AMBER
    } else {
        RED
    }
}

fn rate_cell(out: &mut String, r: Option<f64>, lang: Lang) {
    match r {
        Some(r) => {
            let _ = write!(
                out,
                "<td class=\"n\" data-v=\"{r}\"><div class=\"rate\"><span>{}</span><span class=\"bar\"><i style=\"width:{:.1}%;background:{}\"></i></span></div></td>",
                lang.pct(r),
                (r * 100.0).clamp(0.0, 100.0),
                rate_color(r)
            );
        }
        None => out.push_str("<td class=\"n\">–</td>"),
    }
}

fn school_cell(r: &Report, id: &str, lang: Lang) -> String {
    match r.school_name(id) {
        Some(name) => format!("{} <span class=\"id\">{}</span>", esc(name), esc(id)),
        None => format!(
            "<span class=\"id\">{}</span> <span class=\"muted\">{}</span>",
            esc(id),
            esc(lang.w().not_in_schools_table)
        ),
    }
}

/// Renders the report as one HTML document.
pub fn render(r: &Report, lang: Lang) -> String {
    let mut out = String::with_capacity(64 * 1024 + r.findings.len().min(20_000) * 600);
    head(&mut out, r, lang);
    out.push_str("<body><div class=\"page\">");
    masthead(&mut out, r, lang);
    out.push_str("<main>");
    summary(&mut out, r, lang);
    schools(&mut out, r, lang);
    trends(&mut out, r, lang);
    equipment(&mut out, r, lang);
    backup(&mut out, r, lang);
    archive(&mut out, r, lang);
    findings(&mut out, r, lang);
    notes(&mut out, r, lang);
    provenance(&mut out, r, lang);
    out.push_str("</main>");
    let _ = write!(
        out,
        "<footer class=\"end\">eqvault {} · {}</footer></div></body></html>",
        esc(&r.provenance.tool_version),
        esc(lang.w().regulation)
    );
    out.push('\n');
    out
}

fn head(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let p = &r.provenance;
    let line1 = format!(
        "eqvault {} · {}: {} · {}: {} · {}: {}",
        p.tool_version,
        w.p_period,
        r.period.label(lang),
        w.as_of,
        lang.date(p.as_of),
        w.p_generated,
        lang.datetime(&p.generated_at)
    );
    let line2 = format!("{} {}", w.p_db_sha, p.database_sha256);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"generator\" content=\"eqvault {}\">\
<meta name=\"eqvault-report\" content=\"{}\">\
<title>{} — {}</title><style>{STYLE}\
@page{{size:A4;margin:14mm 12mm 18mm 12mm;\
@bottom-left{{content:{};white-space:pre;font-size:7pt;color:#5f6368;font-family:\"DejaVu Sans\",Arial,sans-serif}}\
@bottom-right{{content:\"{} \" counter(page) \" / \" counter(pages);font-size:8pt;color:#5f6368}}}}\
</style></head>",
        lang.code(),
        esc(&p.tool_version),
        esc(&r.period.key),
        esc(w.title),
        esc(&r.period.label(lang)),
        css_str(&format!("{line1}\n{line2}")),
        w.page
    );
}

fn masthead(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let office = if r.office.name.trim().is_empty() {
        format!("<span class=\"muted\">{}</span>", esc(w.office_missing))
    } else {
        esc(&r.office.name)
    };
    let code = if r.office.code.trim().is_empty() {
        String::new()
    } else {
        format!(" <span class=\"code\">· {}</span>", esc(&r.office.code))
    };
    let _ = write!(
        out,
        "<header class=\"mast\"><div class=\"office\" id=\"office\">{office}{code}</div><h1>{}</h1><div class=\"reg\">{}</div><div class=\"chips\">\
<span class=\"chip\" id=\"period\" data-key=\"{}\"><b>{}:</b> {}</span>\
<span class=\"chip\"><b>{}:</b> {}</span>\
<span class=\"chip\" id=\"as-of\" data-date=\"{}\"><b>{}:</b> {}</span></div></header>",
        esc(w.title),
        esc(w.regulation),
        esc(&r.period.key),
        esc(w.period),
        esc(&r.period.name(lang)),
        esc(w.range),
        esc(&lang.range(r.period.from, r.period.to)),
        r.period.as_of,
        esc(w.as_of),
        esc(&lang.date(r.period.as_of)),
    );
    let s = &r.summary;
    let t = &r.totals;
    let kpi = |out: &mut String, class: &str, key: &str, v: String, l: &str| {
        let _ = write!(
            out,
            "<div class=\"kpi {class}\" data-key=\"{key}\"><div class=\"v\">{}</div><div class=\"l\">{}</div></div>",
            esc(&v),
            esc(l)
        );
    };
    out.push_str("<div class=\"kpis\">");
    let all_met = t.articles_met == t.articles;
    kpi(
        out,
        if all_met { "good" } else { "bad" },
        "articles_met",
        format!("{}/{}", t.articles_met, t.articles),
        w.kpi_articles_met,
    );
    kpi(
        out,
        if s.violations > 0 { "bad" } else { "good" },
        "violations",
        lang.int(s.violations),
        w.kpi_violations,
    );
    kpi(
        out,
        if s.warnings > 0 { "warn" } else { "good" },
        "warnings",
        lang.int(s.warnings),
        w.kpi_warnings,
    );
    kpi(
        out,
        if s.schools_with_findings > 0 {
            "warn"
        } else {
            "good"
        },
        "schools_with_findings",
        format!(
            "{}/{}",
            lang.int(s.schools_with_findings),
            lang.int(s.schools_checked)
        ),
        w.kpi_schools,
    );
    let rate_class = |r: Option<f64>| match r {
        Some(r) if r >= 0.95 => "good",
        Some(r) if r >= 0.8 => "warn",
        Some(_) => "bad",
        None => "",
    };
    kpi(
        out,
        rate_class(t.on_time_rate),
        "on_time_rate",
        lang.rate(t.on_time_rate),
        w.kpi_on_time,
    );
    kpi(
        out,
        rate_class(t.approvals_rate),
        "approvals_rate",
        lang.rate(t.approvals_rate),
        w.kpi_approvals,
    );
    out.push_str("</div>");
}

fn summary(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let _ = write!(
        out,
        "<section id=\"summary\"><h2>1. {}</h2><p class=\"intro\">{}</p><table id=\"summary-table\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead><tbody>",
        esc(w.s_summary),
        esc(w.summary_intro),
        esc(w.c_article),
        esc(w.c_requirement),
        esc(w.c_checked),
        esc(w.c_violations),
        esc(w.c_warnings),
        esc(w.c_schools),
        esc(w.c_result)
    );
    for a in &r.articles {
        let _ = write!(
            out,
            "<tr data-article=\"{}\" data-status=\"{}\"><td><div class=\"art\">{}</div><div class=\"req\">{}</div></td><td class=\"req\">{}</td><td><ul class=\"rules\">",
            a.article.key(),
            status_key(a.status),
            esc(a.article.label(lang)),
            esc(a.article.title(lang)),
            esc(a.article.requirement(lang)),
        );
        for rule in &a.rules {
            let cnt_class = if rule.findings > 0 { "cnt pos" } else { "cnt" };
            let _ = write!(
                out,
                "<li data-rule=\"{}\" data-count=\"{}\" data-not-assessed=\"{}\"><span class=\"{cnt_class}\">{}</span>{}",
                rule.rule,
                rule.findings,
                rule.not_assessed.is_some(),
                lang.int(rule.findings),
                esc(lang.rule(rule.rule)),
            );
            if let Some(why) = &rule.not_assessed {
                let _ = write!(out, "<div class=\"why\">{}</div>", esc(lang.pick(why)));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
        if let Some(note) = super::evidence::guard_note(a, lang) {
            let _ = write!(
                out,
                "<div class=\"why guard-note\"><span class=\"status {}\">{}</span></div>",
                if r.backup.guard.iter().any(|e| e.acknowledged.is_none()) {
                    "not_met"
                } else {
                    "warning"
                },
                esc(&note)
            );
        }
        out.push_str("</td>");
        num(out, a.violations, true, lang);
        num(out, a.warnings, false, lang);
        num(out, a.schools, false, lang);
        let _ = write!(
            out,
            "<td><span class=\"status {}\">{} {}</span></td></tr>",
            status_key(a.status),
            status_mark(a.status),
            esc(&format!(
                "{}{}",
                status_label(a.status, lang),
                a.provisional_note(lang)
            ))
        );
    }
    let s = &r.summary;
    let _ = write!(
        out,
        "</tbody><tfoot><tr class=\"total\" id=\"summary-totals\" data-findings=\"{}\" data-violations=\"{}\" data-warnings=\"{}\" data-schools-with-findings=\"{}\" data-schools-checked=\"{}\"><td colspan=\"3\">{} · {}: {}/{}</td>",
        s.findings,
        s.violations,
        s.warnings,
        s.schools_with_findings,
        s.schools_checked,
        esc(w.summary_total),
        esc(w.kpi_schools),
        lang.int(s.schools_with_findings),
        lang.int(s.schools_checked),
    );
    num(out, s.violations, true, lang);
    num(out, s.warnings, false, lang);
    num(out, s.schools_with_findings, false, lang);
    let _ = write!(
        out,
        "<td>{}: {}/{}</td></tr></tfoot></table></section>",
        esc(w.kpi_articles_met),
        r.totals.articles_met,
        r.totals.articles
    );
}

pub(super) fn schools(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let _ = write!(
        out,
        "<section id=\"schools\"><h2>2. {}</h2><p class=\"intro\">{}</p><table id=\"schools-table\"><thead><tr><th>{}</th>",
        esc(w.s_schools),
        esc(w.schools_intro),
        esc(w.c_school)
    );
    for h in w.school_columns() {
        let _ = write!(out, "<th class=\"n\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for s in &r.schools {
        let name = match &s.name {
            Some(n) => {
                let closed = if s.inactive {
                    format!(" <span class=\"muted\">({})</span>", esc(w.closed))
                } else {
                    String::new()
                };
                format!(
                    "{}{closed} <span class=\"id\">{}</span>",
                    esc(n),
                    esc(&s.school_id)
                )
            }
            None => format!(
                "<span class=\"id\">{}</span> <span class=\"muted\">{}</span>",
                esc(&s.school_id),
                esc(w.not_in_schools_table)
            ),
        };
        let _ = write!(
            out,
            "<tr data-school=\"{}\"><td>{name}</td>",
            esc(&s.school_id)
        );
        num(out, s.entries_due, false, lang);
        opt_num(out, s.entries_on_time, lang);
        rate_cell(out, s.on_time_rate, lang);
        num(out, s.approvals_due, false, lang);
        num(out, s.approvals_missing, true, lang);
        num(out, s.approvals_late, true, lang);
        num(out, s.approvals_not_by_principal, true, lang);
        num(out, s.identifiers_deleted, true, lang);
        num(out, s.months_without_activity, true, lang);
        num(out, s.lesson_periods, false, lang);
        num(out, s.findings, true, lang);
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></section>");
}

/// The deletion guard's events and the snapshots held (inside section 5).
fn guard(out: &mut String, r: &Report, lang: Lang) {
    let g = super::evidence::guard_words(lang);
    let b = &r.backup;
    let _ = write!(
        out,
        "<h3 id=\"guard\" data-count=\"{}\" data-unacknowledged=\"{}\">{}</h3><p class=\"intro\">{}</p>",
        b.guard.len(),
        b.guard.iter().filter(|e| e.acknowledged.is_none()).count(),
        esc(g.heading),
        esc(g.intro)
    );
    if b.guard.is_empty() {
        let _ = write!(out, "<p class=\"muted\">{}</p>", esc(g.none));
    } else {
        out.push_str("<table id=\"guard-table\"><thead><tr>");
        for c in g.columns {
            let _ = write!(out, "<th>{}</th>", esc(c));
        }
        out.push_str("</tr></thead><tbody>");
        for e in &b.guard {
            let c = super::evidence::guard_cells(e, lang);
            let ack = if e.acknowledged.is_some() {
                esc(&c.acknowledged)
            } else {
                format!(
                    "<span class=\"status not_met\">{}</span>",
                    esc(&c.acknowledged)
                )
            };
            let _ = write!(
                out,
                "<tr data-snapshot=\"{}\" data-previous=\"{}\" data-held=\"{}\" data-acknowledged=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{ack}</td></tr>",
                esc(&e.snapshot),
                esc(&e.suspect.previous),
                e.previous_held,
                e.acknowledged.is_some(),
                esc(&e.snapshot),
                esc(&lang.datetime(&e.taken_at)),
                c.what
                    .iter()
                    .map(|w| esc(w))
                    .collect::<Vec<_>>()
                    .join("<br>"),
                esc(&c.previous),
            );
        }
        out.push_str("</tbody></table>");
    }
    if b.holds.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<h3 id=\"holds\" data-count=\"{}\">{}</h3><table id=\"holds-table\"><thead><tr>",
        b.holds.len(),
        esc(g.holds)
    );
    for c in g.hold_columns {
        let _ = write!(out, "<th>{}</th>", esc(c));
    }
    out.push_str("</tr></thead><tbody>");
    for h in &b.holds {
        let _ = write!(
            out,
            "<tr data-snapshot=\"{}\"><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&h.snapshot),
            esc(&h.snapshot),
            esc(&lang.datetime(&h.since)),
            esc(&h.reason)
        );
    }
    out.push_str("</tbody></table>");
}

pub(super) fn trends(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let labels: Vec<String> = r.months.iter().map(|m| lang.month_short(m.m)).collect();
    let _ = write!(
        out,
        "<section id=\"trends\"><h2>3. {}</h2><p class=\"intro\">{}</p><div class=\"charts\">",
        esc(w.s_trends),
        esc(w.trends_intro)
    );
    out.push_str(&charts::rate_lines(
        "chart-rates",
        w.chart_rates,
        &labels,
        &[
            Series {
                name: w.chart_rates_entries,
                color: BLUE,
                values: r.months.iter().map(|m| m.on_time_rate).collect(),
            },
            Series {
                name: w.chart_rates_approvals,
                color: GREEN,
                values: r.months.iter().map(|m| m.approvals_rate).collect(),
            },
        ],
        lang,
    ));
    out.push_str(&charts::stacked_bars(
        "chart-approvals",
        w.chart_approvals,
        &labels,
        &[
            Series {
                name: w.c_approvals_on_time,
                color: GREEN,
                values: r
                    .months
                    .iter()
                    .map(|m| m.approvals_on_time.map(|n| n as f64))
                    .collect(),
            },
            Series {
                name: w.c_approvals_late,
                color: AMBER,
                values: r
                    .months
                    .iter()
                    .map(|m| Some(m.approvals_late as f64))
                    .collect(),
            },
            Series {
                name: w.c_approvals_missing,
                color: RED,
                values: r
                    .months
                    .iter()
                    .map(|m| Some(m.approvals_missing as f64))
                    .collect(),
            },
        ],
        lang,
    ));
    out.push_str(&charts::stacked_bars(
        "chart-usage",
        w.chart_usage,
        &labels,
        &[Series {
            name: w.c_lesson_periods,
            color: BLUE,
            values: r
                .months
                .iter()
                .map(|m| Some(m.lesson_periods as f64))
                .collect(),
        }],
        lang,
    ));
    let subjects: Vec<(String, u64)> = {
        let mut v: Vec<(String, u64)> = r
            .equipment
            .subjects
            .iter()
            .map(|s| {
                (
                    s.subject
                        .clone()
                        .unwrap_or_else(|| w.no_subject.to_string()),
                    s.lesson_periods,
                )
            })
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(10);
        v
    };
    out.push_str(&charts::hbars(
        "chart-subjects",
        w.chart_subjects,
        &subjects,
        BLUE,
        lang,
    ));
    out.push_str("</div>");
    let _ = write!(
        out,
        "<h3>{}</h3><table id=\"months-table\"><thead><tr><th>{}</th>",
        esc(w.s_trends),
        esc(w.c_month)
    );
    for h in w.month_columns() {
        let _ = write!(out, "<th class=\"n\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for m in &r.months {
        let _ = write!(
            out,
            "<tr data-month=\"{}\"><td>{}</td>",
            m.month,
            esc(&lang.month(m.m))
        );
        num(out, m.entries_due, false, lang);
        opt_num(out, m.entries_on_time, lang);
        num(out, m.entries_late, true, lang);
        rate_cell(out, m.on_time_rate, lang);
        num(out, m.approvals_due, false, lang);
        opt_num(out, m.approvals_on_time, lang);
        num(out, m.approvals_late, true, lang);
        num(out, m.approvals_missing, true, lang);
        rate_cell(out, m.approvals_rate, lang);
        num(out, m.lesson_periods, false, lang);
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></section>");
}

fn condition_color(c: &str) -> &'static str {
    match c {
        "good" => GREEN,
        "damaged" => RED,
        "awaiting_disposal" => AMBER,
        _ => GREY,
    }
}

pub(super) fn equipment(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let e = &r.equipment;
    let _ = write!(
        out,
        "<section id=\"equipment\"><h2>4. {}</h2><p class=\"intro\">{}</p>",
        esc(w.s_equipment),
        esc(w.equipment_note)
    );
    let parts: Vec<(String, u64, &str)> = e
        .conditions
        .iter()
        .map(|c| {
            (
                lang.condition(c),
                e.total.by_condition.get(c).copied().unwrap_or(0),
                condition_color(c),
            )
        })
        .collect();
    out.push_str(&charts::share_bar(
        "chart-conditions",
        w.chart_conditions,
        &parts,
        lang,
    ));
    let _ = write!(
        out,
        "<h3>{}</h3><table id=\"subjects-table\"><thead><tr><th>{}</th>",
        esc(w.by_condition),
        esc(w.c_subject)
    );
    for c in &e.conditions {
        let _ = write!(out, "<th class=\"n\">{}</th>", esc(&lang.condition(c)));
    }
    for h in [
        w.c_total,
        w.c_quantity,
        w.c_used,
        w.c_never_used,
        w.c_uses,
        w.c_lesson_periods,
        w.c_periods_per_item,
    ] {
        let _ = write!(out, "<th class=\"n\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    let row = |out: &mut String, s: &super::model::SubjectRow, label: &str, class: &str| {
        let _ = write!(out, "<tr class=\"{class}\"><td>{}</td>", esc(label));
        for c in &e.conditions {
            num(
                out,
                s.by_condition.get(c).copied().unwrap_or(0),
                false,
                lang,
            );
        }
        for n in [
            s.items,
            s.quantity,
            s.used,
            s.never_used,
            s.uses,
            s.lesson_periods,
        ] {
            num(out, n, false, lang);
        }
        match s.periods_per_item {
            Some(x) => {
                let _ = write!(out, "<td class=\"n\" data-v=\"{x}\">{}</td>", lang.dec1(x));
            }
            None => out.push_str("<td class=\"n\">–</td>"),
        }
        out.push_str("</tr>");
    };
    for s in &e.subjects {
        row(out, s, s.subject.as_deref().unwrap_or(w.no_subject), "");
    }
    out.push_str("</tbody><tfoot>");
    row(out, &e.total, w.c_total, "total");
    out.push_str("</tfoot></table>");
    if e.unknown_usage.uses > 0 {
        let _ = write!(
            out,
            "<p class=\"intro\">{}: {} {}, {} {}.</p>",
            esc(w.usage_unknown),
            lang.int(e.unknown_usage.uses),
            esc(&w.c_uses.to_lowercase()),
            lang.int(e.unknown_usage.lesson_periods),
            esc(&w.c_lesson_periods.to_lowercase())
        );
    }
    let items_table = |out: &mut String, id: &str, items: &[super::model::ItemRow]| {
        let _ = write!(
            out,
            "<table id=\"{id}\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
            esc(w.c_school),
            esc(w.c_equipment_id),
            esc(w.c_name),
            esc(w.c_subject),
            esc(w.c_condition),
            esc(w.c_uses),
            esc(w.c_lesson_periods)
        );
        for i in items {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                school_cell(r, &i.school_id, lang),
                esc(&i.equipment_id),
                esc(&i.name),
                esc(i.subject.as_deref().unwrap_or("")),
                esc(&lang.condition(&i.condition))
            );
            num(out, i.uses, false, lang);
            num(out, i.lesson_periods, false, lang);
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
    };
    let _ = write!(out, "<h3>{}</h3>", esc(w.top_items));
    items_table(out, "top-items", &e.top_items);
    let _ = write!(
        out,
        "<h3 id=\"never-used\" data-count=\"{}\">{} ({})</h3>",
        e.never_used_count,
        esc(w.never_used_title),
        lang.int(e.never_used_count)
    );
    if (e.never_used.len() as u64) < e.never_used_count {
        let _ = write!(
            out,
            "<p class=\"intro\">{}</p>",
            esc(&w
                .listed_of
                .replace("{n}", &lang.int(e.never_used.len() as u64))
                .replace("{m}", &lang.int(e.never_used_count)))
        );
    }
    items_table(out, "never-used-table", &e.never_used);
    out.push_str("</section>");
}

pub(super) fn backup(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let b = &r.backup;
    let _ = write!(
        out,
        "<section id=\"backup\" data-available=\"{}\"><h2>5. {}</h2>",
        b.available,
        esc(w.s_backup)
    );
    if !b.available {
        let _ = write!(
            out,
            "<div class=\"box na\"><b>{}</b><br>{}</div></section>",
            esc(w.backup_unavailable),
            esc(b.reason.as_ref().map(|m| lang.pick(m)).unwrap_or(""))
        );
        return;
    }
    let _ = write!(
        out,
        "<p class=\"muted\" id=\"backup-judged-at\" data-date=\"{}\">{}</p>",
        r.window.to,
        esc(&format!(
            "{} {}{}",
            lang.choose("Đánh giá tại ngày", "Judged as of"),
            lang.date(r.window.to),
            lang.choose(
                ": bản sao lưu và diễn tập thực hiện sau ngày này không được tính cho kỳ báo cáo.",
                ": backups and drills made after that day do not count for this period."
            )
        ))
    );
    let fact = |out: &mut String, label: &str, value: String, note: String| {
        let _ = write!(
            out,
            "<div class=\"fact box\"><div class=\"l\">{}</div><div class=\"v\">{value}</div><div class=\"muted\">{note}</div></div>",
            esc(label)
        );
    };
    out.push_str("<div class=\"facts\">");
    match &b.newest {
        Some(s) => {
            let ok = s.copies >= u64::from(b.required_copies);
            fact(
                out,
                w.newest_backup,
                format!("<code>{}</code>", esc(&s.id)),
                format!(
                    "{}{} · {}: <span class=\"status {}\" id=\"copies\" data-v=\"{}\">{}/{}</span> ({} {})",
                    if s.suspect {
                        format!(
                            "<span class=\"status not_met\" id=\"newest-suspect\">{}</span><br>",
                            esc(super::evidence::guard_words(lang).suspect)
                        )
                    } else {
                        String::new()
                    },
                    esc(&lang.datetime(&s.created_at)),
                    esc(w.copies),
                    if ok { "met" } else { "not_met" },
                    s.copies,
                    s.copies,
                    b.required_copies,
                    esc(w.required),
                    b.required_copies
                ),
            );
        }
        None => fact(out, w.newest_backup, esc(w.none), String::new()),
    }
    match &b.last_drill {
        Some(d) => {
            let class = match d.status.as_str() {
                "success" => "met",
                "warning" => "warning",
                _ => "not_met",
            };
            fact(
                out,
                w.last_drill,
                format!(
                    "<span class=\"status {class}\" id=\"drill-status\" data-v=\"{}\">{}</span>",
                    esc(&d.status),
                    esc(&lang.drill_status(&d.status))
                ),
                format!(
                    "{} · {}: <b id=\"restore-seconds\" data-v=\"{}\">{}</b> ({} {}) · {} <code>{}</code>",
                    esc(&lang.datetime(&d.started_at)),
                    esc(w.restore_time),
                    d.seconds,
                    esc(&lang.seconds(d.seconds)),
                    esc(w.target),
                    esc(&lang.whole_seconds(d.target_seconds)),
                    esc(w.e_snapshot),
                    esc(&d.snapshot)
                ),
            );
        }
        None => fact(out, w.last_drill, esc(w.none), String::new()),
    }
    out.push_str("</div>");
    let _ = write!(
        out,
        "<table id=\"stores-table\"><thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
        esc(w.c_store),
        esc(w.c_reachable),
        esc(w.c_snapshots),
        esc(w.c_newest),
        esc(w.c_taken_at),
        esc(w.copies)
    );
    for s in &b.stores {
        let reach = if s.reachable {
            esc(w.yes)
        } else {
            format!(
                "<span class=\"status not_met\">{}</span> <span class=\"why\">{}</span>",
                esc(w.no),
                esc(s.error.as_deref().unwrap_or(""))
            )
        };
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{reach}</td>",
            esc(&s.store)
        );
        num(out, s.snapshots, false, lang);
        match &s.newest {
            Some(n) => {
                let _ = write!(
                    out,
                    "<td><code>{}</code></td><td>{}</td>",
                    esc(&n.id),
                    esc(&lang.datetime(&n.created_at))
                );
                num(out, n.copies, false, lang);
            }
            None => {
                let _ = write!(out, "<td>{}</td><td></td><td></td>", esc(w.none));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    guard(out, r, lang);
    out.push_str("</section>");
}

fn archive_state(s: ArchiveState, lang: Lang) -> (&'static str, &'static str) {
    let w = lang.w();
    match s {
        ArchiveState::Complete => ("met", w.complete),
        ArchiveState::Incomplete => ("not_met", w.incomplete),
        ArchiveState::NotDue => ("not_assessed", w.not_due),
    }
}

pub(super) fn archive(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let a = &r.archive;
    let _ = write!(
        out,
        "<section id=\"archive\" data-available=\"{}\"><h2>6. {}</h2>",
        a.available,
        esc(w.s_archive)
    );
    if !a.available {
        let _ = write!(
            out,
            "<div class=\"box na\"><b>{}</b><br>{}</div></section>",
            esc(w.archive_unavailable),
            esc(a.reason.as_ref().map(|m| lang.pick(m)).unwrap_or(""))
        );
        return;
    }
    let _ = write!(
        out,
        "<table id=\"archive-table\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(w.c_year),
        esc(w.c_term),
        esc(w.range),
        esc(w.c_due),
        esc(w.c_archived),
        esc(w.c_missing),
        esc(w.c_status)
    );
    let names = |codes: &[String]| -> String {
        if codes.is_empty() {
            return "–".into();
        }
        codes
            .iter()
            .map(|c| esc(&r.kind_name(c, lang)))
            .collect::<Vec<_>>()
            .join("<br>")
    };
    for p in &a.periods {
        let (class, label) = archive_state(p.state, lang);
        let _ = write!(
            out,
            "<tr data-period=\"{}/{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"status {class}\">{}</span></td></tr>",
            esc(&p.year),
            p.period,
            esc(&p.year),
            esc(&lang.period_short(p.period)),
            esc(&lang.range(p.from, p.to)),
            esc(&lang.date(p.due)),
            names(&p.archived),
            names(&p.missing),
            esc(label)
        );
    }
    out.push_str("</tbody></table></section>");
}

pub(super) fn findings(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let _ = write!(
        out,
        "<section id=\"findings\" data-count=\"{}\"><h2>7. {}</h2>",
        r.findings.len(),
        esc(w.s_findings)
    );
    if r.findings.is_empty() {
        let _ = write!(out, "<p>{}</p></section>", esc(w.no_findings));
        return;
    }
    // By article, then school (office-wide first), at most `detail_limit` each.
    for (article, by_school) in evidence::listed(r) {
        let n: u64 = by_school
            .iter()
            .map(|l| l.shown.len() as u64 + l.more)
            .sum();
        let _ = write!(
            out,
            "<h3 id=\"findings-{}\">{} — {} ({})</h3><table class=\"findings\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            article.key(),
            esc(article.label(lang)),
            esc(article.title(lang)),
            lang.int(n),
            esc(w.c_rule),
            esc(w.c_what),
            esc(w.c_evidence),
            esc(w.c_detail)
        );
        for evidence::Listed {
            school,
            shown,
            more,
        } in by_school
        {
            let label = match school {
                Some(id) => school_cell(r, id, lang),
                None => esc(w.office_wide),
            };
            let count = shown.len() as u64 + more;
            let _ = write!(
                out,
                "<tr class=\"group\"><td colspan=\"4\">{label} — {}</td></tr>",
                lang.int(count)
            );
            for f in shown {
                let cols = evidence::columns(f, r, lang);
                let sev = match f.severity {
                    Severity::Violation => "violation",
                    Severity::Warning => "warning",
                };
                let _ = write!(
                    out,
                    "<tr data-rule=\"{}\"><td>{}<br><span class=\"sev {sev}\">{}</span></td><td>{}</td><td class=\"ev\">{}</td><td class=\"msg\">{}</td></tr>",
                    f.rule,
                    esc(lang.rule(f.rule)),
                    esc(lang.severity(f.severity)),
                    esc(&evidence::concerns(f, r, lang)),
                    esc(&evidence::brief(&cols, lang)),
                    esc(lang.pick(&f.message))
                );
            }
            if more > 0 {
                let _ = write!(
                    out,
                    "<tr><td colspan=\"4\" class=\"muted\">{}</td></tr>",
                    esc(&w.more_findings.replace("{n}", &lang.int(more)))
                );
            }
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
}

pub(super) fn notes(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    if r.skipped.is_empty() && r.notes.is_empty() {
        return;
    }
    let _ = write!(out, "<section id=\"notes\"><h2>8. {}</h2>", esc(w.s_notes));
    if !r.skipped.is_empty() {
        let _ = write!(out, "<h3>{}</h3><ul>", esc(w.skipped_title));
        for k in &r.skipped {
            let _ = write!(
                out,
                "<li data-skipped=\"{}\"><b>{}</b> ({}): {}</li>",
                k.rule,
                esc(lang.rule(k.rule)),
                k.rule,
                esc(lang.pick(&k.reason))
            );
        }
        out.push_str("</ul>");
    }
    if !r.notes.is_empty() {
        let _ = write!(out, "<h3>{}</h3><ul>", esc(w.notes_title));
        for n in &r.notes {
            let _ = write!(out, "<li>{}", esc(lang.pick(&n.message)));
            for e in &n.examples {
                let _ = write!(out, "<br><code>{}</code>", esc(e));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");
}

/// The window judged, in words: the days, and why it starts there.
pub(crate) fn judged(r: &Report, lang: Lang) -> String {
    let win = &r.window;
    if win.empty {
        return lang
            .choose(
                "không có ngày nào (giai đoạn trước ngày áp dụng quy định hoặc trước dữ liệu)",
                "no day (the period is before the rules apply or before the data)",
            )
            .to_string();
    }
    let why = if win.before_regulation {
        lang.choose(
            "; gồm cả những ngày trước ngày áp dụng quy định",
            "; including days before the rules apply",
        )
        .to_string()
    } else {
        format!(
            "; {} {}",
            lang.choose("quy định áp dụng từ", "rules apply from"),
            lang.date(win.effective_from)
        )
    };
    format!(
        "{}{why}; {} {}",
        lang.range(win.from, win.to),
        lang.choose(
            "sao lưu, bản sao và diễn tập được đánh giá tại ngày",
            "backups, copies and drills judged as of"
        ),
        lang.date(win.to)
    )
}

pub(super) fn provenance(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let p = &r.provenance;
    let _ = write!(
        out,
        "<section id=\"provenance\"><h2>{}</h2><dl class=\"prov\">",
        esc(w.s_provenance)
    );
    let mut item = |k: &str, id: &str, v: String| {
        let _ = write!(out, "<dt>{}</dt><dd id=\"prov-{id}\">{v}</dd>", esc(k));
    };
    item(
        w.p_generated,
        "generated-at",
        format!(
            "{} <code>{}</code>",
            esc(&lang.datetime(&p.generated_at)),
            p.generated_at.to_rfc3339()
        ),
    );
    item(
        w.p_period,
        "period",
        format!(
            "{} <code>{}</code> ({})",
            esc(&r.period.name(lang)),
            esc(&p.period),
            esc(&lang.range(p.from, p.to))
        ),
    );
    item(
        lang.choose("Giai đoạn đánh giá", "Window judged"),
        "window",
        esc(&judged(r, lang)),
    );
    item(
        w.p_as_of,
        "as-of",
        format!("{} <code>{}</code>", esc(&lang.date(p.as_of)), p.as_of),
    );
    item(
        w.p_tool,
        "tool",
        format!("{} {}", esc(&p.tool), esc(&p.tool_version)),
    );
    item(
        w.p_office,
        "office",
        esc(&format!("{} {}", p.office.name, p.office.code)),
    );
    item(
        w.p_database,
        "database",
        format!("<code>{}</code>", esc(&p.database)),
    );
    item(
        w.p_db_sha,
        "database-sha256",
        format!("<code>{}</code>", esc(&p.database_sha256)),
    );
    item(w.p_db_bytes, "database-bytes", lang.int(p.database_bytes));
    item(w.p_policies, "policies", esc(&lang.policies(&p.policies)));
    item(w.p_own_sha, "report-sha256", esc(w.p_own_sha_where));
    out.push_str("</dl></section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_no_control_characters() {
        assert_eq!(
            esc("<b onclick='x'>\"A&B\"\u{1b}[2J</b>"),
            "&lt;b onclick=&#39;x&#39;&gt;&quot;A&amp;B&quot;[2J&lt;/b&gt;"
        );
        assert_eq!(css_str("a\"b\\c\nd"), "\"a\\\"b\\\\c\\A d\"");
    }
}
