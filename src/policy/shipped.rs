//! The policy folder: built into the binary, or replaced by `[policies] dir` on disk.
//!
//! A deployed binary must work with no source tree around, so every file of
//! the shipped `policies/` folder is compiled in ([`SHIPPED_FILES`]) and
//! parsed with the same constructors as files on disk. A config's
//! `[policies] dir` replaces the whole set: a deployment that needs its own
//! calendar or rules copies the shipped folder and edits it.

use std::path::{Path, PathBuf};

use crate::calendar::{CALENDAR_DIR, SCHOOL_YEARS_FILE, SchoolYears, WorkCalendar, YearCalendar};

use super::PolicyError;
use super::rules::{RULES_FILE, Rules};

/// Every file of the shipped `policies/` folder, by its path inside it, with
/// its text as compiled in. A test checks this list against the folder.
pub const SHIPPED_FILES: &[(&str, &str)] = &[
    (
        "calendar/2024.toml",
        include_str!("../../policies/calendar/2024.toml"),
    ),
    (
        "calendar/2025.toml",
        include_str!("../../policies/calendar/2025.toml"),
    ),
    (
        "calendar/2026.toml",
        include_str!("../../policies/calendar/2026.toml"),
    ),
    (
        "school-years.toml",
        include_str!("../../policies/school-years.toml"),
    ),
    ("rules.toml", include_str!("../../policies/rules.toml")),
    (
        "report-kinds.toml",
        include_str!("../../policies/report-kinds.toml"),
    ),
];

/// How messages name the built-in folder (`<built-in>/calendar/2025.toml`).
pub const BUILT_IN: &str = "<built-in>";

/// Where the policies came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// Compiled into the binary.
    BuiltIn,
    /// A folder on disk (`[policies] dir`).
    Dir(PathBuf),
}

impl PolicySource {
    /// `built-in` or the folder, for output.
    pub fn describe(&self) -> String {
        match self {
            PolicySource::BuiltIn => "built-in".to_string(),
            PolicySource::Dir(p) => p.display().to_string(),
        }
    }
}

/// The working-day calendar, the school years and the rules, read once.
#[derive(Debug)]
pub struct Policies {
    /// Working days (files, and proposals for years without one).
    pub calendar: WorkCalendar,
    /// School years and terms.
    pub school_years: SchoolYears,
    /// Each rule's severity and parameters.
    pub rules: Rules,
    /// Where they came from.
    pub source: PolicySource,
    /// The first day the rules judge: `[policies] effective_from` of the
    /// config, else the regulation's date ([`super::REGULATION_DATE`]).
    pub effective_from: chrono::NaiveDate,
}

impl Policies {
    /// The policies compiled into the binary.
    ///
    /// # Errors
    /// Only if a shipped file is broken, which a test rules out; the error
    /// names the file as `<built-in>/…`.
    pub fn built_in() -> Result<Policies, PolicyError> {
        let root = Path::new(BUILT_IN);
        let mut years = Vec::new();
        let mut school_years = None;
        let mut rules = None;
        for (name, text) in SHIPPED_FILES {
            let path = root.join(name);
            if name.starts_with(&format!("{CALENDAR_DIR}/")) {
                years.push(YearCalendar::from_toml(&path, text)?);
            } else if *name == SCHOOL_YEARS_FILE {
                school_years = Some(SchoolYears::from_toml(&path, text)?);
            } else if *name == RULES_FILE {
                rules = Some(Rules::from_toml(&path, text)?);
            }
        }
        let missing = |file: &str| PolicyError::Invalid {
            path: root.to_path_buf(),
            key: file.to_string(),
            message: "not compiled in".to_string(),
        };
        Ok(Policies {
            calendar: WorkCalendar::from_years(years)?,
            school_years: school_years.ok_or_else(|| missing(SCHOOL_YEARS_FILE))?,
            rules: rules.ok_or_else(|| missing(RULES_FILE))?,
            source: PolicySource::BuiltIn,
            effective_from: super::REGULATION_DATE,
        })
    }

    /// The policies of a folder on disk, laid out like the shipped one.
    ///
    /// # Errors
    /// The first unreadable or invalid file, named with its path (and line).
    pub fn load(dir: &Path) -> Result<Policies, PolicyError> {
        Ok(Policies {
            calendar: WorkCalendar::load(dir)?,
            school_years: SchoolYears::load(dir)?,
            rules: Rules::load(dir)?,
            source: PolicySource::Dir(dir.to_path_buf()),
            effective_from: super::REGULATION_DATE,
        })
    }

    /// The policies a config asks for: the folder of its `[policies] dir`
    /// (else the built-in set), its `[policies] effective_from`, and its
    /// `[calendar]` days on top of the calendar. No config: the built-in set.
    ///
    /// # Errors
    /// As [`Policies::load`] and [`Policies::built_in`]; a `[calendar]` day
    /// that changes nothing is named with the config's file, line and key.
    pub fn from_config(cfg: Option<&crate::config::Config>) -> Result<Policies, PolicyError> {
        let mut policies = match cfg.and_then(|c| c.policies.as_deref()) {
            Some(dir) => Self::load(dir)?,
            None => Self::built_in()?,
        };
        if let Some(cfg) = cfg {
            if let Some(day) = cfg.effective_from {
                policies.effective_from = day;
            }
            let calendar = std::mem::take(&mut policies.calendar);
            policies.calendar = calendar.with_office_days(cfg.calendar.iter().cloned())?;
        }
        Ok(policies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")
    }

    /// Every file under `policies/`, relative, sorted.
    fn files_on_disk() -> Vec<String> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, root, out);
                } else {
                    let rel = p.strip_prefix(root).unwrap();
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let mut out = Vec::new();
        walk(&shipped_dir(), &shipped_dir(), &mut out);
        out.sort();
        out
    }

    /// STYLE.md 11: data the program ships is tested as data. Every shipped
    /// file is compiled in, unchanged, and parses and validates both ways.
    #[test]
    fn every_shipped_file_is_embedded_unchanged_and_valid() {
        let mut embedded: Vec<String> = SHIPPED_FILES.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(
            embedded,
            files_on_disk(),
            "policies/ and SHIPPED_FILES differ: add the new file to SHIPPED_FILES"
        );
        for (name, text) in SHIPPED_FILES {
            let on_disk = std::fs::read_to_string(shipped_dir().join(name)).unwrap();
            assert_eq!(&on_disk, text, "{name}: the embedded copy is stale");
        }
        let built_in = Policies::built_in().unwrap();
        let on_disk = Policies::load(&shipped_dir()).unwrap();
        assert_eq!(built_in.calendar.file_years(), vec![2024, 2025, 2026]);
        assert_eq!(
            built_in.calendar.file_years(),
            on_disk.calendar.file_years()
        );
        assert_eq!(built_in.school_years, on_disk.school_years);
        assert_eq!(
            format!("{:?}", built_in.rules),
            format!("{:?}", on_disk.rules)
        );
        for year in [2024, 2025, 2026] {
            assert_eq!(
                built_in.calendar.year_view(year).entries,
                on_disk.calendar.year_view(year).entries
            );
        }
        assert!(built_in.calendar.proposed_years_used().is_empty());
    }

    #[test]
    fn a_policy_folder_without_rules_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(CALENDAR_DIR)).unwrap();
        let (_, school_years) = SHIPPED_FILES
            .iter()
            .find(|(name, _)| *name == SCHOOL_YEARS_FILE)
            .unwrap();
        std::fs::write(dir.path().join(SCHOOL_YEARS_FILE), school_years).unwrap();
        let e = Policies::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("rules.toml"), "{e}");
    }
}
