//! `data_quality`: rows a rule cannot judge as they stand, each named so that the school can fix it.
//!
//! A rule never drops a row silently. A row it cannot judge becomes an
//! [`Issue`]: a timestamp without a UTC offset whose verdict depends on the
//! offset (every offset from UTC−12 to UTC+14 is tried; one verdict for all
//! of them is a verdict), a change recorded before the day it occurred (how
//! lateness would be hidden), or a value that cannot be read at all. Each
//! issue is a `data_quality` finding naming the table, row and column; an
//! unreadable row also makes `check` exit 1 (see [`super::CheckOutcome`]).

use chrono::NaiveDate;

use super::finding::{DataQualityEvidence, Evidence, Finding, Message, Problem};
use super::text::{dmy, en_date, school_en, school_vi};
use super::{Rule, Severity};

/// A row a rule could not judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// What is wrong.
    pub problem: Problem,
    /// The table.
    pub table: &'static str,
    /// The row's key (`1500`, `79761003 2024-10`).
    pub row: String,
    /// The column to blame, if one is.
    pub column: Option<&'static str>,
    /// The value as stored.
    pub value: Option<String>,
    /// The school the row belongs to, when known.
    pub school_id: Option<String>,
    /// The change row, for `equipment_changes`.
    pub change_id: Option<i64>,
    /// The equipment, for `equipment_changes`.
    pub equipment_id: Option<String>,
    /// The month, for `monthly_approvals` (`YYYY-MM`).
    pub period: Option<String>,
    /// The rules that could not judge it.
    pub rules: Vec<Rule>,
    /// For a missing offset: the dates in Vietnam it can be on.
    pub possible_dates: Option<(NaiveDate, NaiveDate)>,
    /// What was seen, in English (a parse error, the two verdicts).
    pub detail: String,
}

impl Issue {
    /// An unreadable value.
    pub fn unreadable(
        table: &'static str,
        row: impl Into<String>,
        column: Option<&'static str>,
        value: Option<String>,
        rules: &[Rule],
        detail: impl Into<String>,
    ) -> Issue {
        Issue {
            problem: Problem::Unreadable,
            table,
            row: row.into(),
            column,
            value,
            school_id: None,
            change_id: None,
            equipment_id: None,
            period: None,
            rules: rules.to_vec(),
            possible_dates: None,
            detail: detail.into(),
        }
    }

    /// The same issue, naming its school.
    pub fn school(mut self, school_id: &str) -> Issue {
        self.school_id = Some(school_id.to_string());
        self
    }

    /// `equipment_changes (1500).recorded_at: …`: one line, for notes and logs.
    pub fn line(&self) -> String {
        let column = self.column.map(|c| format!(".{c}")).unwrap_or_default();
        format!("{} ({}){column}: {}", self.table, self.row, self.detail)
    }

    /// The finding, its school named by `school_name` when the schools table has it.
    pub fn finding(self, school_name: Option<&str>, severity: Severity) -> Finding {
        let who_vi = self
            .school_id
            .as_deref()
            .map(|id| format!("{}: ", school_vi(id, school_name)))
            .unwrap_or_default();
        let who_en = self
            .school_id
            .as_deref()
            .map(|id| format!("{}: ", school_en(id, school_name)))
            .unwrap_or_default();
        let column = self.column.unwrap_or("?");
        let value = self.value.as_deref().unwrap_or("");
        let rules = self
            .rules
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let (table, row) = (self.table, &self.row);
        let message = match self.problem {
            Problem::OffsetMissing => {
                let (vi_days, en_days) = match self.possible_dates {
                    Some((a, b)) => (
                        format!("từ {} đến {}", dmy(a), dmy(b)),
                        format!("{} to {}", en_date(a), en_date(b)),
                    ),
                    None => (String::new(), String::new()),
                };
                Message {
                    vi: format!(
                        "{who_vi}{column} = \"{value}\" của dòng {table} ({row}) không ghi múi giờ (UTC offset): tùy múi giờ, ngày tại Việt Nam là một ngày {vi_days}, và kết luận của quy tắc {rules} không giống nhau cho mọi múi giờ, nên dòng này chưa được đánh giá. Ghi thời điểm kèm múi giờ (ví dụ +07:00) để đánh giá được."
                    ),
                    en: format!(
                        "{who_en}{column} = \"{value}\" of {table} ({row}) has no UTC offset: depending on it, its date in Vietnam is one of {en_days}, and {rules} does not reach the same verdict for every offset, so the row was not judged. Store the time with its offset (e.g. +07:00) so it can be."
                    ),
                }
            }
            Problem::RecordedBeforeOccurred => Message {
                vi: format!(
                    "{who_vi}dòng {table} ({row}) ghi thời điểm cập nhật {value} trước ngày phát sinh thay đổi: ngày tháng không thể đúng (và có thể che việc cập nhật trễ). Kiểm tra và sửa ngày phát sinh (occurred_on) hoặc thời điểm cập nhật (recorded_at)."
                ),
                en: format!(
                    "{who_en}{table} ({row}) says it was recorded at {value}, before the day the change occurred: the dates cannot both be right (and would hide a late entry). Check and correct occurred_on or recorded_at."
                ),
            },
            Problem::Unreadable => Message {
                vi: format!(
                    "{who_vi}không đọc được {column} của dòng {table} ({row}): {}. Dòng này không được quy tắc {rules} đánh giá: sửa dữ liệu nguồn.",
                    self.detail
                ),
                en: format!(
                    "{who_en}{column} of {table} ({row}) cannot be read: {}. The row was not judged by {rules}: fix the source data.",
                    self.detail
                ),
            },
        };
        let subject = Some(format!("{table} ({row})"));
        Finding {
            rule: Rule::DataQuality,
            provisional: false,
            severity,
            school_id: self.school_id,
            change_id: self.change_id,
            equipment_id: self.equipment_id,
            period: self.period,
            subject,
            message,
            evidence: Evidence::DataQuality(DataQualityEvidence {
                problem: self.problem,
                table: table.to_string(),
                row: self.row,
                column: self.column.map(str::to_string),
                value: self.value,
                rules: self.rules,
                possible_dates: self.possible_dates,
                detail: self.detail,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issue_names_its_row_in_both_languages() {
        let f = Issue::unreadable(
            "equipment_changes",
            "1500",
            Some("recorded_at"),
            Some("hôm qua".into()),
            &[Rule::LateUpdate],
            "not a timestamp",
        )
        .school("79761003")
        .finding(Some("Trường THCS A"), Severity::Warning);
        assert_eq!(f.rule, Rule::DataQuality);
        assert_eq!(f.subject.as_deref(), Some("equipment_changes (1500)"));
        assert!(
            f.message.vi.starts_with("Trường THCS A (mã 79761003): "),
            "{}",
            f.message.vi
        );
        assert!(f.message.vi.contains("recorded_at") && f.message.en.contains("late_update"));
    }
}
