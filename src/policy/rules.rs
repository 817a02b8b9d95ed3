//! `policies/rules.toml`: each rule's severity and parameters, unknown keys refused.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{PolicyError, Rule, Severity};
use crate::calendar::Period;
use crate::span::Span;

/// The file, inside the policy folder, that holds the rules.
pub const RULES_FILE: &str = "rules.toml";

/// Every rule's settings, as `rules.toml` gives them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// `late_update`: Art. 7.3.
    pub late_update: LateUpdate,
    /// When a monthly approval is due (shared by the approval rules).
    pub approval: Approval,
    /// `missing_approval`.
    pub missing_approval: Basic,
    /// `late_approval`.
    pub late_approval: Basic,
    /// `approval_not_by_principal`.
    pub approval_not_by_principal: Basic,
    /// `approval_before_month_end`: Art. 7.2. Optional in the file: a warning by default.
    #[serde(default = "data_quality_default")]
    pub approval_before_month_end: Basic,
    /// `no_monthly_update`: Art. 8, 14.
    pub no_monthly_update: NoMonthlyUpdate,
    /// `deleted_identifier`: Art. 6.
    pub deleted_identifier: Basic,
    /// `changed_identifier`: Art. 6.
    pub changed_identifier: Basic,
    /// `reused_identifier`: Art. 6.2. Optional in the file (a policy folder
    /// copied before it existed still loads): a violation by default.
    #[serde(default = "violation_default")]
    pub reused_identifier: Basic,
    /// `backup_overdue`: Art. 12.1.
    pub backup_overdue: Interval,
    /// `backup_copies`: TT 05/2025/TT-BNV Art. 27.
    pub backup_copies: BackupCopies,
    /// `drill_overdue`.
    pub drill_overdue: Interval,
    /// `report_missing`: Art. 8, 12.2.
    pub report_missing: ReportMissing,
    /// `data_quality`: rows a rule cannot judge as they stand. Optional in
    /// the file (a policy folder copied before it existed still loads): a
    /// warning by default.
    #[serde(default = "data_quality_default")]
    pub data_quality: Basic,
}

fn violation_default() -> Basic {
    Basic {
        severity: Severity::Violation,
        enabled: true,
    }
}

fn data_quality_default() -> Basic {
    Basic {
        severity: Severity::Warning,
        enabled: true,
    }
}

fn yes() -> bool {
    true
}

/// A rule with no parameter but its severity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Basic {
    /// How grave a finding is.
    pub severity: Severity,
    /// `false` switches the rule off.
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// `[late_update]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LateUpdate {
    /// How grave a finding is.
    pub severity: Severity,
    /// `false` switches the rule off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Working days allowed after the change (10).
    pub working_days: u32,
}

/// `[approval]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Period M is due on the last day of month M + `months_after` (1).
    pub months_after: u32,
}

/// `[no_monthly_update]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoMonthlyUpdate {
    /// How grave a finding is.
    pub severity: Severity,
    /// `false` switches the rule off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Months (1..=12) in which schools teach (September–May).
    pub teaching_months: Vec<u32>,
}

/// A rule about how long ago something last happened.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// How grave a finding is.
    pub severity: Severity,
    /// `false` switches the rule off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The longest allowed gap, e.g. `3months`.
    pub interval: Span,
}

/// `[backup_copies]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupCopies {
    /// How grave a finding is.
    pub severity: Severity,
    /// `false` switches the rule off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Stores that must hold the newest snapshot (2).
    pub required_copies: u32,
}

/// `[report_missing]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportMissing {
    /// How grave a finding is.
    pub severity: Severity,
    /// `false` switches the rule off.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The periods of each school year a report is due for (`hk1`, `hk2`, `ca-nam`).
    pub periods: Vec<Period>,
    /// Due on the last day of the month this many months after the period's last month.
    pub months_after: u32,
    /// The reports required for each period.
    pub kinds: Vec<ReportKind>,
}

/// One kind of periodic report.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReportKind {
    /// A short code, lowercase ASCII with dashes (`thong-ke-thiet-bi`).
    pub code: String,
    /// Its Vietnamese name.
    pub name_vi: String,
    /// Its English name.
    pub name_en: String,
}

impl Rules {
    /// Parses and checks the text of a rules file named `path`.
    ///
    /// # Errors
    /// [`PolicyError::Parse`] for TOML errors and unknown keys (toml names the
    /// line and key), [`PolicyError::Invalid`] for values out of range.
    pub fn from_toml(path: &Path, text: &str) -> Result<Rules, PolicyError> {
        let rules: Rules = toml::from_str(text).map_err(|e| PolicyError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        rules.validate(path)?;
        Ok(rules)
    }

    /// Reads `policy_dir/rules.toml`.
    ///
    /// # Errors
    /// [`PolicyError::Read`], or as [`Rules::from_toml`].
    pub fn load(policy_dir: &Path) -> Result<Rules, PolicyError> {
        let path = policy_dir.join(RULES_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| PolicyError::Read {
            path: path.clone(),
            source,
        })?;
        Self::from_toml(&path, &text)
    }

    fn validate(&self, path: &Path) -> Result<(), PolicyError> {
        let invalid = |key: &str, message: &str| PolicyError::Invalid {
            path: PathBuf::from(path),
            key: key.to_string(),
            message: message.to_string(),
        };
        if self.late_update.working_days == 0 {
            return Err(invalid(
                "late_update.working_days",
                "must be at least 1 (the regulation gives 10)",
            ));
        }
        if self.approval.months_after > 12 {
            return Err(invalid(
                "approval.months_after",
                "must be 0..=12 (0: due at the end of the month approved; the default is 1)",
            ));
        }
        let months = &self.no_monthly_update.teaching_months;
        if months.is_empty() || months.iter().any(|m| !(1..=12).contains(m)) {
            return Err(invalid(
                "no_monthly_update.teaching_months",
                "list months 1..=12, e.g. [9, 10, 11, 12, 1, 2, 3, 4, 5]",
            ));
        }
        for (key, span) in [
            ("backup_overdue.interval", self.backup_overdue.interval),
            ("drill_overdue.interval", self.drill_overdue.interval),
        ] {
            if span.approx_seconds() == 0 {
                return Err(invalid(key, "must be longer than zero, e.g. \"3months\""));
            }
        }
        if self.backup_copies.required_copies == 0 {
            return Err(invalid(
                "backup_copies.required_copies",
                "must be at least 1 (TT 05/2025/TT-BNV asks for 2)",
            ));
        }
        let r = &self.report_missing;
        if r.months_after > 12 {
            return Err(invalid(
                "report_missing.months_after",
                "must be 0..=12 (the default is 1)",
            ));
        }
        if r.periods.iter().any(|p| matches!(p, Period::Month(_))) {
            return Err(invalid(
                "report_missing.periods",
                "list terms and the year: \"hk1\", \"hk2\", \"ca-nam\"",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for k in &r.kinds {
            let code_ok = !k.code.is_empty()
                && k.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !code_ok {
                return Err(invalid(
                    "report_missing.kinds.code",
                    &format!(
                        "{:?}: write lowercase ASCII letters, digits and dashes (thong-ke-thiet-bi)",
                        k.code
                    ),
                ));
            }
            if k.name_vi.trim().is_empty() || k.name_en.trim().is_empty() {
                return Err(invalid(
                    "report_missing.kinds",
                    &format!("{}: name_vi and name_en must not be empty", k.code),
                ));
            }
            if !seen.insert(k.code.as_str()) {
                return Err(invalid(
                    "report_missing.kinds.code",
                    &format!("{} is listed twice", k.code),
                ));
            }
        }
        Ok(())
    }

    /// The severity of `rule`.
    pub fn severity(&self, rule: Rule) -> Severity {
        self.setting(rule).0
    }

    /// Whether `rule` is switched on.
    pub fn enabled(&self, rule: Rule) -> bool {
        self.setting(rule).1
    }

    fn setting(&self, rule: Rule) -> (Severity, bool) {
        let b = |b: &Basic| (b.severity, b.enabled);
        match rule {
            Rule::LateUpdate => (self.late_update.severity, self.late_update.enabled),
            Rule::MissingApproval => b(&self.missing_approval),
            Rule::LateApproval => b(&self.late_approval),
            Rule::ApprovalNotByPrincipal => b(&self.approval_not_by_principal),
            Rule::ApprovalBeforeMonthEnd => b(&self.approval_before_month_end),
            Rule::NoMonthlyUpdate => (
                self.no_monthly_update.severity,
                self.no_monthly_update.enabled,
            ),
            Rule::DeletedIdentifier => b(&self.deleted_identifier),
            Rule::ChangedIdentifier => b(&self.changed_identifier),
            Rule::ReusedIdentifier => b(&self.reused_identifier),
            Rule::BackupOverdue => (self.backup_overdue.severity, self.backup_overdue.enabled),
            Rule::BackupCopies => (self.backup_copies.severity, self.backup_copies.enabled),
            Rule::DrillOverdue => (self.drill_overdue.severity, self.drill_overdue.enabled),
            Rule::ReportMissing => (self.report_missing.severity, self.report_missing.enabled),
            Rule::DataQuality => b(&self.data_quality),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../policies/rules.toml");

    #[test]
    fn the_shipped_rules_read_back() {
        let r = Rules::from_toml(Path::new("rules.toml"), SHIPPED).unwrap();
        assert_eq!(r.late_update.working_days, 10);
        assert_eq!(r.approval.months_after, 1);
        assert_eq!(
            r.no_monthly_update.teaching_months,
            vec![9, 10, 11, 12, 1, 2, 3, 4, 5]
        );
        assert_eq!(r.backup_overdue.interval, Span::Months(3));
        assert_eq!(r.drill_overdue.interval, Span::Months(3));
        assert_eq!(r.backup_copies.required_copies, 2);
        assert_eq!(r.severity(Rule::NoMonthlyUpdate), Severity::Warning);
        assert_eq!(r.severity(Rule::LateUpdate), Severity::Violation);
        assert!(Rule::ALL.iter().all(|&rule| r.enabled(rule)));
        let codes: Vec<_> = r.report_missing.kinds.iter().map(|k| &k.code).collect();
        assert_eq!(
            codes,
            [
                "thong-ke-thiet-bi",
                "chat-luong-thiet-bi",
                "tan-suat-su-dung"
            ]
        );
    }

    #[test]
    fn a_misspelt_key_is_refused_with_its_line() {
        let text = SHIPPED.replace("working_days = 10", "working_day = 10");
        let e = Rules::from_toml(Path::new("rules.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("working_day") && e.contains("line"), "{e}");
    }

    #[test]
    fn out_of_range_values_are_named() {
        let text = SHIPPED.replace("required_copies = 2", "required_copies = 0");
        let e = Rules::from_toml(Path::new("rules.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("backup_copies.required_copies"), "{e}");
        let text = SHIPPED.replace("[9, 10, 11, 12, 1, 2, 3, 4, 5]", "[9, 13]");
        let e = Rules::from_toml(Path::new("rules.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("teaching_months"), "{e}");
        let text = SHIPPED.replace("severity = \"warning\"", "severity = \"minor\"");
        let e = Rules::from_toml(Path::new("rules.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("minor"), "{e}");
    }
}
