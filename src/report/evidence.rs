//! The main evidence of a finding as typed columns, shared by the CSV, XLSX, HTML and Markdown renderers.
//!
//! Every rule's evidence has its own shape (policy::finding); a reader of a
//! table wants the same few columns for all of them: when it happened, when
//! it was entered or approved, the deadline, how late, who. What does not fit
//! those columns is said in words in `other`.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::model::Report;
use super::text::{Article, Lang};
use crate::calendar::Period;
use crate::policy::finding::{Evidence, Problem};
use crate::policy::text::{
    change_kind_vi, position_en, position_vi, staff_status_en, staff_status_vi,
};
use crate::policy::{Finding, Month, Rule};

/// The evidence columns of one finding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// When the change happened (`late_update`).
    pub occurred_on: Option<NaiveDate>,
    /// The civil date it was entered (`late_update`).
    pub recorded_on: Option<NaiveDate>,
    /// The deadline or due date.
    pub deadline: Option<NaiveDate>,
    /// Calendar days after it.
    pub days_late: Option<i64>,
    /// The civil date of the approval.
    pub approved_on: Option<NaiveDate>,
    /// Who approved (or entered): id and name.
    pub by: Option<String>,
    /// The rest, in words.
    pub other: String,
}

/// A finding's `period` in `lang`: a month as `11/2024` (`Nov 2024`), a
/// term as `Học kỳ I 2024-2025` (`Term 1 (HK1) 2024-2025`); anything else as it is.
pub fn period(p: &str, lang: Lang) -> String {
    if let Ok(m) = p.parse::<Month>() {
        return lang.month(m);
    }
    match p.split_once('/').map(|(y, t)| (y, t.parse::<Period>())) {
        Some((year, Ok(term))) => format!("{} {year}", lang.period_short(term)),
        _ => p.to_string(),
    }
}

/// The columns of `f`, in `lang`; report kinds by their names in `r`.
pub fn columns(f: &Finding, r: &Report, lang: Lang) -> Columns {
    let w = lang.w();
    let mut c = Columns::default();
    let mut other: Vec<String> = Vec::new();
    match &f.evidence {
        Evidence::LateUpdate(e) => {
            c.occurred_on = Some(e.occurred_on);
            c.recorded_on = Some(e.recorded_local_date);
            c.deadline = Some(e.deadline);
            c.days_late = Some(e.days_late);
            c.by = e.recorded_by.clone();
            let kind = match lang {
                Lang::Vi => change_kind_vi(&e.kind).to_string(),
                Lang::En => e.kind.replace('_', " "),
            };
            other.push(kind);
            other.push(match lang {
                Lang::Vi => format!(
                    "{}/{} ngày làm việc",
                    e.working_days_taken, e.working_days_allowed
                ),
                Lang::En => format!(
                    "{} of {} working days",
                    e.working_days_taken, e.working_days_allowed
                ),
            });
            if e.calendar_proposed {
                other.push(lang.choose("hạn tạm tính", "provisional deadline").into());
            }
        }
        Evidence::Approval(e) => {
            c.deadline = Some(e.due);
            c.days_late = e.days_late;
            c.approved_on = e.approved_local_date;
            c.by = e.approved_by.as_ref().map(|id| match &e.approver_name {
                Some(name) => format!("{name} ({id})"),
                None => id.clone(),
            });
            other.push(format!("{} {}", w.e_month, period(&e.period, lang)));
            if let Some(p) = &e.position {
                let p = match lang {
                    Lang::Vi => position_vi(p),
                    Lang::En => position_en(p),
                };
                other.push(format!("{}: {p}", w.e_position));
            }
            if let Some(s) = e.approver_status.as_deref().filter(|s| *s != "working") {
                let s = match lang {
                    Lang::Vi => staff_status_vi(s),
                    Lang::En => staff_status_en(s),
                };
                let since = e
                    .approver_status_changed_on
                    .map(|d| format!(" ({})", lang.date(d)))
                    .unwrap_or_default();
                other.push(format!("{s}{since}"));
            }
            if let Some(school) = e
                .approver_school_id
                .as_deref()
                .filter(|s| Some(*s) != f.school_id.as_deref())
            {
                other.push(format!(
                    "{} {school}",
                    lang.choose("thuộc cơ sở", "of school")
                ));
            }
        }
        Evidence::Activity(e) => {
            other.push(format!(
                "{} {}: {} {}, {} {}",
                w.e_month,
                period(&e.period, lang),
                e.changes,
                w.e_changes,
                e.uses,
                w.c_uses.to_lowercase()
            ));
        }
        Evidence::Deleted(e) => {
            other.push(format!("{}: {}", w.e_table, lang.table(&e.table)));
            other.push(format!("{}: {}", w.e_source, lang.table(&e.source)));
            if let Some(n) = e.change_count {
                other.push(format!("{n} {}", w.e_changes));
            }
            if let Some(last) = &e.last_seen_change {
                c.occurred_on = crate::calendar::local_date(&last.occurred_on).ok();
                other.push(format!("{} #{}", w.e_last_seen, last.change_id));
            }
            if let Some(s) = &e.last_seen_snapshot {
                other.push(format!("{}: {s}", w.e_last_seen));
            }
        }
        Evidence::Reused(e) => {
            other.push(format!("{}: {}", w.e_table, lang.table(&e.table)));
            other.push(format!(
                "{}: {} → {}",
                lang.choose("trường", "school"),
                e.earlier_school_id,
                e.school_id_now
            ));
            if let Some(n) = e.change_count {
                other.push(format!("{n} {}", w.e_changes));
            }
            if let Some(s) = &e.last_seen_snapshot {
                other.push(format!("{}: {s}", w.e_last_seen));
            }
        }
        Evidence::Changed(e) => {
            other.push(format!("{}: {}", w.e_table, lang.table(&e.table)));
            other.push(format!("{} → {}: {}", e.old_id, w.e_new_id, e.new_id));
            if let Some(s) = &e.last_seen_snapshot {
                other.push(format!("{}: {s}", w.e_last_seen));
            }
        }
        Evidence::Backup(e) => {
            c.deadline = e.due;
            if let Some(s) = &e.newest_snapshot {
                other.push(format!("{}: {s}", w.e_snapshot));
            }
            other.push(format!(
                "{}: {}{}",
                w.e_stores,
                e.stores_holding.len(),
                e.required_copies
                    .map(|r| format!("/{r}"))
                    .unwrap_or_default()
            ));
            for g in &e.stores_on_one_medium {
                other.push(format!(
                    "{}: {}",
                    lang.choose(
                        "cùng một thiết bị, tính là một bản",
                        "on one medium, counted as one copy"
                    ),
                    g.join(" + ")
                ));
            }
            if !e.stores_unreachable.is_empty() {
                other.push(format!(
                    "{}: {}",
                    lang.choose("không truy cập được", "unreachable"),
                    e.stores_unreachable.join(", ")
                ));
            }
        }
        Evidence::Drill(e) => {
            c.deadline = e.due;
            match &e.last_drill_at {
                Some(at) => other.push(format!("{}: {}", w.e_last_drill, lang.datetime(at))),
                None => other.push(format!("{}: {}", w.e_last_drill, w.none)),
            }
            if let Some(s) = &e.last_drill_snapshot {
                other.push(format!("{}: {s}", w.e_snapshot));
            }
        }
        Evidence::DataQuality(e) => {
            let problem = match (e.problem, lang) {
                (Problem::OffsetMissing, Lang::Vi) => "thiếu múi giờ",
                (Problem::OffsetMissing, Lang::En) => "no UTC offset",
                (Problem::RecordedBeforeOccurred, Lang::Vi) => "cập nhật trước ngày phát sinh",
                (Problem::RecordedBeforeOccurred, Lang::En) => "recorded before it occurred",
                (Problem::Unreadable, Lang::Vi) => "không đọc được",
                (Problem::Unreadable, Lang::En) => "unreadable",
            };
            other.push(problem.to_string());
            let column = e
                .column
                .as_deref()
                .map(|c| format!(".{c}"))
                .unwrap_or_default();
            let value = e
                .value
                .as_deref()
                .map(|v| format!(" = \"{v}\""))
                .unwrap_or_default();
            other.push(format!("{} ({}){column}{value}", e.table, e.row));
            if let Some((a, b)) = e.possible_dates {
                other.push(format!("{} – {}", lang.date_cell(a), lang.date_cell(b)));
            }
        }
        Evidence::Report(e) => {
            c.deadline = Some(e.due);
            other.push(format!("{}: {}", w.e_kind, r.kind_name(&e.kind, lang)));
            other.push(format!(
                "{}: {}",
                w.e_archived_kinds,
                if e.archived_kinds.is_empty() {
                    w.none.to_string()
                } else {
                    e.archived_kinds
                        .iter()
                        .map(|k| r.kind_name(k, lang))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ));
        }
    }
    c.other = other.join("; ");
    c
}

/// The columns in one line: "phát sinh 24/01/2025 · cập nhật 15/02/2025 · hạn 14/02/2025 · …".
pub fn brief(c: &Columns, lang: Lang) -> String {
    let w = lang.w();
    let mut parts: Vec<String> = Vec::new();
    let mut date = |label: &str, d: Option<NaiveDate>| {
        if let Some(d) = d {
            parts.push(format!("{label} {}", lang.date_cell(d)));
        }
    };
    date(w.e_occurred, c.occurred_on);
    date(w.e_entered, c.recorded_on);
    date(w.e_approved, c.approved_on);
    date(w.e_deadline, c.deadline);
    if let Some(n) = c.days_late {
        parts.push(format!("{}: {n}", w.e_days_late));
    }
    if let Some(by) = &c.by {
        parts.push(format!("{}: {by}", w.e_by));
    }
    if !c.other.is_empty() {
        parts.push(c.other.clone());
    }
    parts.join(" · ")
}

/// What a finding is about, for the "Concerns" column: the period (in
/// `lang`), or the identifier (a report kind by its name).
pub fn concerns(f: &Finding, r: &Report, lang: Lang) -> String {
    let subject = f.subject.as_ref().map(|s| match f.rule {
        Rule::ReportMissing => r.kind_name(s, lang),
        _ => s.clone(),
    });
    match (&f.period, subject) {
        (Some(p), Some(s)) if *p != s => format!("{} · {s}", period(p, lang)),
        (Some(p), _) => period(p, lang),
        (None, Some(s)) => s,
        (None, None) => String::new(),
    }
}

/// One school's findings under one article, as listed in HTML and Markdown.
pub struct Listed<'a> {
    /// The school (`None`: office-wide).
    pub school: Option<&'a str>,
    /// The findings shown.
    pub shown: Vec<&'a Finding>,
    /// How many more there are.
    pub more: u64,
}

/// The findings by article, then school (office-wide first), at most
/// `detail_limit` per school and article (0: all).
pub fn listed(r: &Report) -> Vec<(Article, Vec<Listed<'_>>)> {
    let limit = if r.detail_limit == 0 {
        usize::MAX
    } else {
        r.detail_limit
    };
    let mut groups: BTreeMap<Article, BTreeMap<Option<&str>, Listed<'_>>> = BTreeMap::new();
    for f in &r.findings {
        let school = f.school_id.as_deref();
        let l = groups
            .entry(super::model::article_of(f))
            .or_default()
            .entry(school)
            .or_insert_with(|| Listed {
                school,
                shown: Vec::new(),
                more: 0,
            });
        if l.shown.len() < limit {
            l.shown.push(f);
        } else {
            l.more += 1;
        }
    }
    groups
        .into_iter()
        .map(|(a, by_school)| (a, by_school.into_values().collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_written_in_the_language() {
        assert_eq!(period("2024-11", Lang::Vi), "11/2024");
        assert_eq!(period("2024-11", Lang::En), "Nov 2024");
        assert_eq!(period("2024-2025/hk1", Lang::Vi), "Học kỳ I 2024-2025");
        assert_eq!(period("2024-2025/ca-nam", Lang::En), "Whole year 2024-2025");
        assert_eq!(period("khác", Lang::Vi), "khác");
    }
}

/// A deletion-guard event in words, as every renderer shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardCells {
    /// What dropped, one item per table or rule.
    pub what: Vec<String>,
    /// The last good copy and whether it is held.
    pub previous: String,
    /// The acknowledgement (`dd/mm/yyyy hh:mm: reason`), or that there is none.
    pub acknowledged: String,
}

/// Headings of the deletion guard's table and the holds table, in `lang`.
pub struct GuardWords {
    /// The sub-heading.
    pub heading: &'static str,
    /// What the guard does, for a reader who never heard of it.
    pub intro: &'static str,
    /// When nothing happened.
    pub none: &'static str,
    /// Columns: snapshot marked, taken at, what dropped, last good copy, acknowledged.
    pub columns: [&'static str; 5],
    /// The holds' sub-heading.
    pub holds: &'static str,
    /// Columns: snapshot, since, why.
    pub hold_columns: [&'static str; 3],
    /// Said beside the newest backup when it is suspect.
    pub suspect: &'static str,
}

/// The deletion guard's words in `lang`.
pub fn guard_words(lang: Lang) -> GuardWords {
    match lang {
        Lang::Vi => GuardWords {
            heading: "Dữ liệu giảm bất thường (Điều 6, Điều 12)",
            intro: "Mỗi lần sao lưu, eqvault so sánh cơ sở dữ liệu với bản sao lưu tốt gần nhất. Khi một bảng mất nhiều dòng, nhiều mã định danh biến mất, một bảng bị xoá hoặc cấu trúc thay đổi, bản sao lưu mới vẫn được lưu làm bằng chứng nhưng bị đánh dấu nghi vấn, và bản tốt gần nhất được giữ lại (chính sách lưu giữ không xoá bản đó). Cảnh báo còn cho đến khi có người kiểm tra và xác nhận (eqvault guard ack); bảng dưới liệt kê các bản nghi vấn trong kỳ và các bản từ trước kỳ chưa được xác nhận khi kỳ bắt đầu.",
            none: "Không có lần sao lưu nào thấy dữ liệu giảm bất thường trong kỳ.",
            columns: [
                "Bản sao lưu bị đánh dấu",
                "Thời điểm",
                "Dữ liệu giảm",
                "Bản tốt gần nhất",
                "Xác nhận",
            ],
            holds: "Bản sao lưu được giữ lại",
            hold_columns: ["Bản sao lưu", "Giữ từ", "Lý do"],
            suspect: "bị đánh dấu nghi vấn: xem mục Dữ liệu giảm bất thường",
        },
        Lang::En => GuardWords {
            heading: "Abnormal data drops (Art. 6, Art. 12)",
            intro: "At every backup eqvault compares the database with the last good snapshot. When a table loses many rows, many identifiers vanish, a table is dropped or the schema changes, the new snapshot is still stored as evidence but marked suspect, and the last good one is held (retention does not remove it). The warning stands until someone looks and acknowledges it (eqvault guard ack); the table lists the suspect snapshots of the period and those from before it not acknowledged when it began.",
            none: "No backup saw an abnormal drop in the period.",
            columns: [
                "Snapshot marked",
                "Taken at",
                "What dropped",
                "Last good copy",
                "Acknowledged",
            ],
            holds: "Snapshots held",
            hold_columns: ["Snapshot", "Held since", "Why"],
            suspect: "marked suspect: see Abnormal data drops",
        },
    }
}

/// The cells of a deletion-guard event, in `lang`.
pub fn guard_cells(g: &super::model::GuardEvent, lang: Lang) -> GuardCells {
    let vi = lang == Lang::Vi;
    GuardCells {
        what: crate::guard::describe(&g.suspect, vi, |n| lang.int(n)),
        previous: format!(
            "{} ({})",
            g.suspect.previous,
            if g.previous_held {
                lang.choose("đã giữ lại", "held")
            } else {
                lang.choose("không được giữ", "not held")
            }
        ),
        acknowledged: match &g.acknowledged {
            Some(a) => format!("{}: {}", lang.datetime(&a.at), a.reason),
            None => lang.choose("chưa xác nhận", "not acknowledged").into(),
        },
    }
}

/// Said under an article's rules when the deletion guard's events are among
/// its evidence (Art. 6 and 12.1): how many, and where they are told.
pub fn guard_note(a: &super::model::ArticleRow, lang: Lang) -> Option<String> {
    let n = a.evidence.iter().filter(|e| e.kind == "guard").count() as u64;
    (n > 0).then(|| match lang {
        Lang::Vi => format!(
            "{} lần sao lưu thấy dữ liệu giảm bất thường (xem mục 5)",
            lang.int(n)
        ),
        Lang::En if n == 1 => "1 backup saw an abnormal data drop (see section 5)".into(),
        Lang::En => format!(
            "{} backups saw an abnormal data drop (see section 5)",
            lang.int(n)
        ),
    })
}
