//! The Markdown report: the same sections as the HTML, as tables (trends as a table instead of charts).
//!
//! Database text is escaped for Markdown and for the HTML a Markdown viewer
//! renders it into ([`md`]): `<`, `>`, `&` become entities, table and
//! emphasis characters get a backslash, line breaks become spaces.

use std::fmt::Write;

use super::evidence;
use super::model::{ArchiveState, Report, Status};
use super::text::Lang;

/// Text made inert in a Markdown table cell or list item.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Text as a code span (ids, store labels, digests): shown exactly as it is.
///
/// A code span prints backslashes, so [`md`]'s escapes would show
/// (`usb\_1`); a backtick inside would end it. Instead the fence is one
/// backtick longer than the longest run inside, `|` is escaped (GFM tables
/// split cells before code spans) and line breaks become spaces. Markup
/// inside a code span is printed, never rendered.
fn code(s: &str) -> String {
    let text: String = s
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .filter(|c| !c.is_control())
        .collect::<String>()
        .replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn status(s: Status, lang: Lang) -> String {
    let w = lang.w();
    match s {
        Status::Met => format!("✅ {}", w.met),
        Status::NotMet => format!("❌ {}", w.not_met),
        Status::Warning => format!("⚠️ {}", w.warning),
        Status::NotAssessed => format!("➖ {}", w.not_assessed),
    }
}

fn table(out: &mut String, head: &[&str], right_from: usize) {
    out.push('|');
    for h in head {
        let _ = write!(out, " {} |", md(h));
    }
    out.push_str("\n|");
    for i in 0..head.len() {
        out.push_str(if i >= right_from { "---:|" } else { "---|" });
    }
    out.push('\n');
}

fn row(out: &mut String, cells: &[String]) {
    out.push('|');
    for c in cells {
        let _ = write!(out, " {c} |");
    }
    out.push('\n');
}

fn school(r: &Report, id: &str, lang: Lang) -> String {
    match r.school_name(id) {
        Some(name) => format!("{} ({})", md(name), md(id)),
        None => format!("{} {}", md(id), md(lang.w().not_in_schools_table)),
    }
}

fn opt(n: Option<u64>, lang: Lang) -> String {
    n.map_or_else(|| "–".to_string(), |n| lang.int(n))
}

/// Renders the report as Markdown.
pub fn render(r: &Report, lang: Lang) -> String {
    let w = lang.w();
    let mut out = String::new();
    let office = if r.office.name.trim().is_empty() {
        md(w.office_missing)
    } else {
        md(format!("{} {}", r.office.name, r.office.code).trim())
    };
    let _ = write!(
        out,
        "# {}\n\n{}\n\n- **{}:** {office}\n- **{}:** {} ({})\n- **{}:** {}\n\n",
        md(w.title),
        md(w.regulation),
        md(w.office),
        md(w.period),
        md(&r.period.name(lang)),
        md(&lang.range(r.period.from, r.period.to)),
        md(w.as_of),
        md(&lang.date(r.period.as_of))
    );
    let s = &r.summary;
    let t = &r.totals;
    table(
        &mut out,
        &[
            w.kpi_articles_met,
            w.kpi_violations,
            w.kpi_warnings,
            w.kpi_schools,
            w.kpi_on_time,
            w.kpi_approvals,
        ],
        0,
    );
    row(
        &mut out,
        &[
            format!("{}/{}", t.articles_met, t.articles),
            lang.int(s.violations),
            lang.int(s.warnings),
            format!(
                "{}/{}",
                lang.int(s.schools_with_findings),
                lang.int(s.schools_checked)
            ),
            md(&lang.rate(t.on_time_rate)),
            md(&lang.rate(t.approvals_rate)),
        ],
    );

    let _ = write!(
        out,
        "\n## 1. {}\n\n{}\n\n",
        md(w.s_summary),
        md(w.summary_intro)
    );
    table(
        &mut out,
        &[
            w.c_article,
            w.c_requirement,
            w.c_checked,
            w.c_violations,
            w.c_warnings,
            w.c_schools,
            w.c_result,
        ],
        3,
    );
    for a in &r.articles {
        let rules: Vec<String> = a
            .rules
            .iter()
            .map(|rule| {
                let mut s = format!("{} {}", lang.int(rule.findings), md(lang.rule(rule.rule)));
                if let Some(why) = &rule.not_assessed {
                    let _ = write!(s, " ({}: {})", md(w.not_assessed), md(lang.pick(why)));
                }
                s
            })
            .chain(super::evidence::guard_note(a, lang).map(|n| format!("**{}**", md(&n))))
            .collect();
        row(
            &mut out,
            &[
                format!(
                    "**{}** {}",
                    md(a.article.label(lang)),
                    md(a.article.title(lang))
                ),
                md(a.article.requirement(lang)),
                rules.join("<br>"),
                lang.int(a.violations),
                lang.int(a.warnings),
                lang.int(a.schools),
                format!("{}{}", status(a.status, lang), a.provisional_note(lang))
                    .replace(' ', "\u{a0}"),
            ],
        );
    }
    row(
        &mut out,
        &[
            format!("**{}**", md(w.summary_total)),
            String::new(),
            format!(
                "{}/{} {}",
                t.articles_met,
                t.articles,
                md(&w.kpi_articles_met.to_lowercase())
            ),
            format!("**{}**", lang.int(s.violations)),
            format!("**{}**", lang.int(s.warnings)),
            format!("**{}**", lang.int(s.schools_with_findings)),
            String::new(),
        ],
    );

    let _ = write!(
        out,
        "\n## 2. {}\n\n{}\n\n",
        md(w.s_schools),
        md(w.schools_intro)
    );
    table(
        &mut out,
        &[&[w.c_school][..], &w.school_columns()].concat(),
        1,
    );
    for sc in &r.schools {
        let name = match &sc.name {
            Some(n) if sc.inactive => {
                format!("{} ({}) ({})", md(n), md(&sc.school_id), md(w.closed))
            }
            Some(n) => format!("{} ({})", md(n), md(&sc.school_id)),
            None => format!("{} {}", md(&sc.school_id), md(w.not_in_schools_table)),
        };
        row(
            &mut out,
            &[
                name,
                lang.int(sc.entries_due),
                opt(sc.entries_on_time, lang),
                md(&lang.rate(sc.on_time_rate)),
                lang.int(sc.approvals_due),
                lang.int(sc.approvals_missing),
                lang.int(sc.approvals_late),
                lang.int(sc.approvals_not_by_principal),
                lang.int(sc.identifiers_deleted),
                lang.int(sc.months_without_activity),
                lang.int(sc.lesson_periods),
                lang.int(sc.findings),
            ],
        );
    }

    let _ = write!(
        out,
        "\n## 3. {}\n\n{}\n\n",
        md(w.s_trends),
        md(w.trends_intro)
    );
    table(
        &mut out,
        &[&[w.c_month][..], &w.month_columns()].concat(),
        1,
    );
    for m in &r.months {
        row(
            &mut out,
            &[
                md(&lang.month(m.m)),
                lang.int(m.entries_due),
                opt(m.entries_on_time, lang),
                lang.int(m.entries_late),
                md(&lang.rate(m.on_time_rate)),
                lang.int(m.approvals_due),
                opt(m.approvals_on_time, lang),
                lang.int(m.approvals_late),
                lang.int(m.approvals_missing),
                md(&lang.rate(m.approvals_rate)),
                lang.int(m.lesson_periods),
            ],
        );
    }

    equipment(&mut out, r, lang);
    backup(&mut out, r, lang);
    archive(&mut out, r, lang);
    findings(&mut out, r, lang);

    if !r.skipped.is_empty() || !r.notes.is_empty() {
        let _ = write!(out, "\n## 8. {}\n\n", md(w.s_notes));
        for k in &r.skipped {
            let _ = writeln!(
                out,
                "- **{}** (`{}`): {}",
                md(lang.rule(k.rule)),
                k.rule,
                md(lang.pick(&k.reason))
            );
        }
        for n in &r.notes {
            let _ = writeln!(out, "- {}", md(lang.pick(&n.message)));
            for e in &n.examples {
                let _ = writeln!(out, "  - {}", md(e));
            }
        }
    }

    let p = &r.provenance;
    let _ = write!(out, "\n## {}\n\n", md(w.s_provenance));
    let mut item = |k: &str, v: String| {
        let _ = writeln!(out, "- {}: {v}", md(k));
    };
    item(
        w.p_generated,
        format!(
            "{} (`{}`)",
            md(&lang.datetime(&p.generated_at)),
            p.generated_at.to_rfc3339()
        ),
    );
    item(
        w.p_period,
        format!(
            "{} (`{}`, {})",
            md(&r.period.name(lang)),
            p.period,
            md(&lang.range(p.from, p.to))
        ),
    );
    item(
        lang.choose("Giai đoạn đánh giá", "Window judged"),
        md(&super::html::judged(r, lang)),
    );
    item(
        w.p_as_of,
        format!("{} (`{}`)", md(&lang.date(p.as_of)), p.as_of),
    );
    item(w.p_tool, format!("{} {}", md(&p.tool), md(&p.tool_version)));
    item(
        w.p_office,
        md(format!("{} {}", p.office.name, p.office.code).trim()),
    );
    item(w.p_database, md(&p.database));
    item(w.p_db_sha, code(&p.database_sha256));
    item(w.p_db_bytes, lang.int(p.database_bytes));
    item(w.p_policies, md(&lang.policies(&p.policies)));
    item(w.p_own_sha, md(w.p_own_sha_where));
    out
}

fn equipment(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let e = &r.equipment;
    let _ = write!(
        out,
        "\n## 4. {}\n\n{}\n\n### {}\n\n",
        md(w.s_equipment),
        md(w.equipment_note),
        md(w.by_condition)
    );
    let conditions: Vec<String> = e.conditions.iter().map(|c| lang.condition(c)).collect();
    let mut head: Vec<&str> = vec![w.c_subject];
    head.extend(conditions.iter().map(String::as_str));
    head.extend([
        w.c_total,
        w.c_quantity,
        w.c_used,
        w.c_never_used,
        w.c_uses,
        w.c_lesson_periods,
        w.c_periods_per_item,
    ]);
    table(out, &head, 1);
    let line = |out: &mut String, s: &super::model::SubjectRow, label: String| {
        let mut cells = vec![label];
        cells.extend(
            e.conditions
                .iter()
                .map(|c| lang.int(s.by_condition.get(c).copied().unwrap_or(0))),
        );
        cells.extend(
            [
                s.items,
                s.quantity,
                s.used,
                s.never_used,
                s.uses,
                s.lesson_periods,
            ]
            .map(|n| lang.int(n)),
        );
        cells.push(
            s.periods_per_item
                .map_or_else(|| "–".into(), |x| lang.dec1(x)),
        );
        row(out, &cells);
    };
    for s in &e.subjects {
        line(out, s, md(s.subject.as_deref().unwrap_or(w.no_subject)));
    }
    line(out, &e.total, format!("**{}**", md(w.c_total)));
    if e.unknown_usage.uses > 0 {
        let _ = write!(
            out,
            "\n{}: {} / {}.\n",
            md(w.usage_unknown),
            lang.int(e.unknown_usage.uses),
            lang.int(e.unknown_usage.lesson_periods)
        );
    }
    let items = |out: &mut String, list: &[super::model::ItemRow]| {
        table(
            out,
            &[
                w.c_school,
                w.c_equipment_id,
                w.c_name,
                w.c_subject,
                w.c_condition,
                w.c_uses,
                w.c_lesson_periods,
            ],
            5,
        );
        for i in list {
            row(
                out,
                &[
                    school(r, &i.school_id, lang),
                    md(&i.equipment_id),
                    md(&i.name),
                    md(i.subject.as_deref().unwrap_or("")),
                    md(&lang.condition(&i.condition)),
                    lang.int(i.uses),
                    lang.int(i.lesson_periods),
                ],
            );
        }
    };
    let _ = write!(out, "\n### {}\n\n", md(w.top_items));
    items(out, &e.top_items);
    let _ = write!(
        out,
        "\n### {} ({})\n\n",
        md(w.never_used_title),
        lang.int(e.never_used_count)
    );
    if (e.never_used.len() as u64) < e.never_used_count {
        let _ = write!(
            out,
            "{}\n\n",
            md(&w
                .listed_of
                .replace("{n}", &lang.int(e.never_used.len() as u64))
                .replace("{m}", &lang.int(e.never_used_count)))
        );
    }
    items(out, &e.never_used);
}

fn backup(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let b = &r.backup;
    let _ = write!(out, "\n## 5. {}\n\n", md(w.s_backup));
    if !b.available {
        let _ = writeln!(
            out,
            "**{}:** {}",
            md(w.backup_unavailable),
            md(b.reason.as_ref().map(|m| lang.pick(m)).unwrap_or(""))
        );
        return;
    }
    match &b.newest {
        Some(s) => {
            let _ = writeln!(
                out,
                "- {}: {}{} ({}); {}: {}/{} ({} {})",
                md(w.newest_backup),
                code(&s.id),
                if s.suspect {
                    format!(" **{}**", md(super::evidence::guard_words(lang).suspect))
                } else {
                    String::new()
                },
                md(&lang.datetime(&s.created_at)),
                md(w.copies),
                s.copies,
                b.required_copies,
                md(w.required),
                b.required_copies
            );
        }
        None => {
            let _ = writeln!(out, "- {}: {}", md(w.newest_backup), md(w.none));
        }
    }
    match &b.last_drill {
        Some(d) => {
            let _ = writeln!(
                out,
                "- {}: {} ({}); {}: {} ({} {}); {} {}",
                md(w.last_drill),
                md(&lang.drill_status(&d.status)),
                md(&lang.datetime(&d.started_at)),
                md(w.restore_time),
                md(&lang.seconds(d.seconds)),
                md(w.target),
                md(&lang.whole_seconds(d.target_seconds)),
                md(w.e_snapshot),
                code(&d.snapshot)
            );
        }
        None => {
            let _ = writeln!(out, "- {}: {}", md(w.last_drill), md(w.none));
        }
    }
    out.push('\n');
    table(
        out,
        &[
            w.c_store,
            w.c_reachable,
            w.c_snapshots,
            w.c_newest,
            w.c_taken_at,
            w.copies,
        ],
        2,
    );
    for s in &b.stores {
        let reach = if s.reachable {
            md(w.yes)
        } else {
            format!("{} ({})", md(w.no), md(s.error.as_deref().unwrap_or("")))
        };
        let (id, at, copies) = match &s.newest {
            Some(n) => (
                code(&n.id),
                md(&lang.datetime(&n.created_at)),
                lang.int(n.copies),
            ),
            None => (md(w.none), String::new(), String::new()),
        };
        row(
            out,
            &[code(&s.store), reach, lang.int(s.snapshots), id, at, copies],
        );
    }
    guard(out, r, lang);
}

/// The deletion guard's events and the snapshots held (inside section 5).
fn guard(out: &mut String, r: &Report, lang: Lang) {
    let g = super::evidence::guard_words(lang);
    let b = &r.backup;
    let _ = write!(out, "\n### {}\n\n{}\n\n", md(g.heading), md(g.intro));
    if b.guard.is_empty() {
        let _ = writeln!(out, "{}", md(g.none));
    } else {
        table(out, &g.columns, 5);
        for e in &b.guard {
            let c = super::evidence::guard_cells(e, lang);
            let ack = if e.acknowledged.is_some() {
                md(&c.acknowledged)
            } else {
                format!("**{}**", md(&c.acknowledged))
            };
            row(
                out,
                &[
                    code(&e.snapshot),
                    md(&lang.datetime(&e.taken_at)),
                    c.what.iter().map(|w| md(w)).collect::<Vec<_>>().join("; "),
                    md(&c.previous),
                    ack,
                ],
            );
        }
    }
    if b.holds.is_empty() {
        return;
    }
    let _ = write!(out, "\n### {}\n\n", md(g.holds));
    table(out, &g.hold_columns, 3);
    for h in &b.holds {
        row(
            out,
            &[
                code(&h.snapshot),
                md(&lang.datetime(&h.since)),
                md(&h.reason),
            ],
        );
    }
}

fn archive(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let a = &r.archive;
    let _ = write!(out, "\n## 6. {}\n\n", md(w.s_archive));
    if !a.available {
        let _ = writeln!(
            out,
            "**{}:** {}",
            md(w.archive_unavailable),
            md(a.reason.as_ref().map(|m| lang.pick(m)).unwrap_or(""))
        );
        return;
    }
    table(
        out,
        &[
            w.c_year,
            w.c_term,
            w.range,
            w.c_due,
            w.c_archived,
            w.c_missing,
            w.c_status,
        ],
        7,
    );
    let names = |codes: &[String]| {
        if codes.is_empty() {
            "–".to_string()
        } else {
            codes
                .iter()
                .map(|c| md(&r.kind_name(c, lang)))
                .collect::<Vec<_>>()
                .join("<br>")
        }
    };
    for p in &a.periods {
        let state = match p.state {
            ArchiveState::Complete => format!("✅ {}", w.complete),
            ArchiveState::Incomplete => format!("❌ {}", w.incomplete),
            ArchiveState::NotDue => format!("➖ {}", w.not_due),
        };
        row(
            out,
            &[
                md(&p.year),
                md(&lang.period_short(p.period)),
                md(&lang.range(p.from, p.to)),
                md(&lang.date(p.due)),
                names(&p.archived),
                names(&p.missing),
                md(&state),
            ],
        );
    }
}

fn findings(out: &mut String, r: &Report, lang: Lang) {
    let w = lang.w();
    let _ = write!(out, "\n## 7. {}\n\n", md(w.s_findings));
    if r.findings.is_empty() {
        let _ = writeln!(out, "{}", md(w.no_findings));
        return;
    }
    for (article, by_school) in evidence::listed(r) {
        let _ = write!(
            out,
            "### {} — {}\n\n",
            md(article.label(lang)),
            md(article.title(lang))
        );
        for evidence::Listed {
            school: school_id,
            shown,
            more,
        } in by_school
        {
            let label = match school_id {
                Some(id) => school(r, id, lang),
                None => md(w.office_wide),
            };
            let _ = write!(
                out,
                "**{label}** — {}\n\n",
                lang.int(shown.len() as u64 + more)
            );
            table(
                out,
                &[w.c_rule, w.c_severity, w.c_what, w.c_evidence, w.c_detail],
                5,
            );
            for f in shown {
                let cols = evidence::columns(f, r, lang);
                row(
                    out,
                    &[
                        md(lang.rule(f.rule)),
                        md(lang.severity(f.severity)),
                        md(&evidence::concerns(f, r, lang)),
                        md(&evidence::brief(&cols, lang)),
                        md(lang.pick(&f.message)),
                    ],
                );
            }
            if more > 0 {
                let _ = write!(
                    out,
                    "\n{}\n",
                    md(&w.more_findings.replace("{n}", &lang.int(more)))
                );
            }
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_show_the_text_as_it_is() {
        assert_eq!(code("/mnt/usb_1/eqvault"), "`/mnt/usb_1/eqvault`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x`"), "`` `x` ``");
        assert_eq!(code("s3://b/p|q\n<i>"), "`s3://b/p\\|q <i>`");
    }

    #[test]
    fn database_text_cannot_break_a_table_or_add_markup() {
        assert_eq!(
            md("a|b <img src=x> *c*\n[l](u)"),
            "a\\|b &lt;img src=x&gt; \\*c\\* \\[l\\](u)"
        );
    }
}
