//! `report_missing` (Art. 8, 12.2): a periodic report of a term or year not in the report archive.
//!
//! The kinds required for each period, and the periods, are data
//! (`rules.toml` `[report_missing]`); which archived file is which kind is
//! the archive's business (`policies/report-kinds.toml`).
//!
//! Semantics chosen where DOMAIN.md is silent:
//! - Periods come from the school years of `policies/school-years.toml`; a
//!   period's reports are due on the last day of the month `months_after`
//!   months after the month it ends (default 1: HK1 2024-2025, ending
//!   12/01/2025, is due 28/02/2025). Not yet due at `--as-of`: no finding.
//! - `--from/--to` select the periods that overlap the range.
//! - The archive serves the whole office, so a finding names no school:
//!   `period` is `2024-2025/hk1` and `subject` the kind of report.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::Rule;
use super::finding::{Evidence, Finding, Message, ReportEvidence};
use super::rules::Rules;
use super::text::{dmy, en_date};
use crate::calendar::Month;
use crate::calendar::{Period, SchoolYears};

/// One archived report, as `report_missing` counts it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArchivedReport {
    /// Its kind code (`thong-ke-thiet-bi`).
    pub kind: String,
    /// Its file name in the bag.
    pub file: String,
    /// The bag that holds it.
    pub bag: String,
    /// Its SHA-256.
    pub sha256: String,
    /// When it was archived (its date in Vietnam).
    pub archived_on: NaiveDate,
}

/// What the archive holds: the reports archived for each (school year, period).
pub type Archived = BTreeMap<(String, Period), Vec<ArchivedReport>>;

/// The kinds archived for a period by `as_of` (a report archived later did not exist then).
pub fn kinds_by(
    archived: &Archived,
    year: &str,
    period: Period,
    as_of: NaiveDate,
) -> BTreeSet<String> {
    archived
        .get(&(year.to_string(), period))
        .into_iter()
        .flatten()
        .filter(|r| r.archived_on <= as_of)
        .map(|r| r.kind.clone())
        .collect()
}

/// A period's Vietnamese name: `Học kỳ I`, `Cả năm`, `tháng 03`.
pub fn period_vi(p: Period) -> String {
    match p {
        Period::Hk1 => "Học kỳ I".into(),
        Period::Hk2 => "Học kỳ II".into(),
        Period::CaNam => "Cả năm".into(),
        Period::Month(m) => format!("tháng {m:02}"),
    }
}

fn period_en(p: Period) -> String {
    match p {
        Period::Hk1 => "term 1 (HK1)".into(),
        Period::Hk2 => "term 2 (HK2)".into(),
        Period::CaNam => "the whole year".into(),
        Period::Month(m) => format!("month {m:02}"),
    }
}

/// Every required report not archived, by `as_of`, for a period that
/// overlaps `from..=to` and was due before `as_of`. The school years after
/// the policy file are derived ([`SchoolYears::years_through`]): their
/// findings say the dates are provisional.
pub fn report_missing(
    archived: &Archived,
    years: &SchoolYears,
    rules: &Rules,
    from: Option<NaiveDate>,
    to: NaiveDate,
    as_of: NaiveDate,
) -> Vec<Finding> {
    let r = &rules.report_missing;
    let mut out = Vec::new();
    for year in years.years_through(to) {
        for &period in &r.periods {
            let (start, end) = year.period_range(period);
            if start > to || from.is_some_and(|from| end < from) {
                continue;
            }
            let due = Month::of(end).plus(r.months_after).last_day();
            if due >= as_of {
                continue;
            }
            let have = kinds_by(archived, &year.name, period, as_of);
            for kind in &r.kinds {
                if have.contains(&kind.code) {
                    continue;
                }
                let message = Message {
                    vi: format!(
                        "Chưa lưu trữ {} của {} năm học {} (từ {} đến {}; hạn lưu trữ {}). Báo cáo định kỳ phải được lưu trữ đầy đủ theo kỳ báo cáo và năm học (Điều 8, 12.2 QĐ 146/QĐ-GDĐT): lưu bằng `eqvault archive add TỆP --year {} --term {period}`.",
                        kind.name_vi.to_lowercase(),
                        period_vi(period),
                        year.name,
                        dmy(start),
                        dmy(end),
                        dmy(due),
                        year.name,
                    ),
                    en: format!(
                        "The {} for {} of school year {} ({} – {}) is not in the report archive; it was due by {}. Periodic reports must be archived completely by period and school year (Art. 8, 12.2): archive it with `eqvault archive add FILE --year {} --term {period}`.",
                        kind.name_en.to_lowercase(),
                        period_en(period),
                        year.name,
                        en_date(start),
                        en_date(end),
                        en_date(due),
                        year.name,
                    ),
                };
                out.push(Finding {
                    rule: Rule::ReportMissing,
                    provisional: false,
                    severity: r.severity,
                    school_id: None,
                    change_id: None,
                    equipment_id: None,
                    period: Some(format!("{}/{period}", year.name)),
                    subject: Some(kind.code.clone()),
                    message,
                    evidence: Evidence::Report(ReportEvidence {
                        year: year.name.clone(),
                        term: period.to_string(),
                        from: start,
                        to: end,
                        due,
                        kind: kind.code.clone(),
                        archived_kinds: have.iter().cloned().collect(),
                        provisional_dates: year.provisional,
                    }),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policies;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn keys(found: &[Finding]) -> Vec<(String, String)> {
        found
            .iter()
            .map(|f| (f.period.clone().unwrap(), f.subject.clone().unwrap()))
            .collect()
    }

    fn report(kind: &str, on: NaiveDate) -> ArchivedReport {
        ArchivedReport {
            kind: kind.into(),
            file: format!("{kind}.xlsx"),
            bag: "20250201T013000Z-4f2a9c".into(),
            sha256: "0".repeat(64),
            archived_on: on,
        }
    }

    /// Issue 14: a report archived after --as-of counted as archived then.
    #[test]
    fn a_report_archived_after_as_of_was_missing_then() {
        let p = Policies::built_in().unwrap();
        let mut archived = Archived::new();
        archived.insert(
            ("2024-2025".into(), Period::Hk1),
            p.rules
                .report_missing
                .kinds
                .iter()
                .map(|k| report(&k.code, d(2025, 6, 10)))
                .collect(),
        );
        let at = |as_of: NaiveDate| {
            report_missing(
                &archived,
                &p.school_years,
                &p.rules,
                Some(d(2024, 9, 5)),
                d(2025, 1, 31),
                as_of,
            )
            .len()
        };
        assert_eq!(at(d(2025, 6, 1)), 3);
        assert_eq!(at(d(2025, 6, 10)), 0);
    }

    /// Issue 14: school years after the file have reports due too.
    #[test]
    fn reports_of_a_derived_school_year_are_due_and_marked_provisional() {
        let p = Policies::built_in().unwrap();
        let found = report_missing(
            &Archived::new(),
            &p.school_years,
            &p.rules,
            Some(d(2027, 9, 5)),
            d(2028, 3, 31),
            d(2028, 3, 31),
        );
        // HK1 2027-2028 (to 17 Jan 2028) was due 29 Feb 2028.
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].period.as_deref(), Some("2027-2028/hk1"));
        let Evidence::Report(e) = &found[0].evidence else {
            panic!()
        };
        assert!(e.provisional_dates);
        assert_eq!(e.due, d(2028, 2, 29));
    }

    /// The kinds `rules.toml` requires are kinds the archive can recognise.
    #[test]
    fn every_required_kind_is_recognised_by_the_archive() {
        let p = Policies::built_in().unwrap();
        let known = crate::archive::ReportKinds::built_in();
        for kind in &p.rules.report_missing.kinds {
            assert!(known.codes().contains(&kind.code.as_str()), "{}", kind.code);
        }
    }

    #[test]
    fn due_a_month_after_the_period_and_only_what_is_missing() {
        let p = Policies::built_in().unwrap();
        let mut archived = Archived::new();
        archived.insert(
            ("2024-2025".into(), Period::Hk1),
            ["thong-ke-thiet-bi", "tan-suat-su-dung"]
                .iter()
                .map(|k| report(k, d(2025, 2, 1)))
                .collect(),
        );
        let from = Some(d(2024, 9, 1));
        // HK1 2024-2025 ends 12/01/2025: due 28/02/2025.
        let none = report_missing(
            &archived,
            &p.school_years,
            &p.rules,
            from,
            d(2025, 2, 28),
            d(2025, 2, 28),
        );
        assert!(none.is_empty());
        let found = report_missing(
            &archived,
            &p.school_years,
            &p.rules,
            from,
            d(2025, 3, 1),
            d(2025, 3, 1),
        );
        assert_eq!(
            keys(&found),
            [(
                "2024-2025/hk1".to_string(),
                "chat-luong-thiet-bi".to_string()
            )]
        );
        assert!(
            found[0].message.vi.contains("28/02/2025"),
            "{}",
            found[0].message.vi
        );
        assert!(found[0].school_id.is_none());
        // After 30/06/2025, HK2 and the whole year are due too.
        let found = report_missing(
            &archived,
            &p.school_years,
            &p.rules,
            from,
            d(2025, 7, 1),
            d(2025, 7, 1),
        );
        assert_eq!(found.len(), 1 + 3 + 3);
    }
}
