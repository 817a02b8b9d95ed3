//! `eqvault check`: the compliance rules over the database (and the stores, with a config).
//!
//! Works on a database alone (`--db PATH`, no config): the rules that need
//! the stores are listed as skipped. Exit 1 when a violation is found.
//!
//! Findings are written as they are found (with `--json`, one element of
//! `findings` per line), so a database with a million late entries is
//! checked in constant memory. For a person, findings are grouped by school
//! and at most [`SHOWN_PER_SCHOOL`] are printed per school.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::{Exit, Out, show};
use crate::config::{Config, ConfigError};
use crate::ops::check::FindingSink;
use crate::ops::{CheckRequest, Outcome, Vault};
use crate::policy::check::CheckOutcome;
use crate::policy::{CheckPlan, Finding, Policies, Severity};
use crate::sanitize::for_terminal;

/// How many findings per school a person sees; `--json` has them all.
pub const SHOWN_PER_SCHOOL: usize = 20;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The database to check [default: [database] path of the config]. With
    /// --db, a missing config is fine: store rules are skipped.
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Read the database through this mapping (CREATE VIEW statements onto the
    /// reference schema) [default: [database] mapping of the config].
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// "Today" (YYYY-MM-DD): nothing due on or after it is a finding [default: today in Vietnam].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// The first day examined (YYYY-MM-DD): changes by occurred_on, months that overlap.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Option<NaiveDate>,
    /// The last day examined (YYYY-MM-DD) [default: --as-of].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: Option<NaiveDate>,
    /// A verdict on a working-day calendar not yet published (a provisional
    /// late entry) is a violation, as its rule says, not a warning.
    #[arg(long)]
    strict: bool,
}

/// Exactly `YYYY-MM-DD`.
pub(super) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    ok.then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| format!("{s:?} is not a date: write YYYY-MM-DD, e.g. 2025-02-14"))
}

/// The config when there is one: a missing file is `None`; a file that
/// exists but does not read or validate is still an error.
pub(super) fn optional_config(path: Option<PathBuf>, out: &Out) -> anyhow::Result<Option<Config>> {
    let given = path.is_some();
    let path = path.unwrap_or_else(crate::config::default_path);
    match Config::load(&path) {
        Ok(c) => Ok(Some(c)),
        Err(ConfigError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            if given {
                out.warn(
                    out.lang(None)
                        .t("check-no-config", &[("path", &show(&path))]),
                );
            }
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The engine for `check`, `report` and `mapping`: over the config when
/// there is one (with `--db`, a missing config is fine), reading `--db` and
/// `--mapping` instead of the config's when given. `what` names the command
/// in the error when there is neither a database nor a config.
pub(super) fn vault_for(
    db: Option<PathBuf>,
    mapping: Option<PathBuf>,
    config_path: Option<PathBuf>,
    what: &str,
    out: &Out,
) -> anyhow::Result<Vault> {
    let cfg = if db.is_some() {
        // `--db` without `--config`: that database alone, with the shipped
        // policies; a config lying in this folder (or /etc) is not read.
        match config_path {
            Some(p) => optional_config(Some(p), out)?,
            None => None,
        }
    } else {
        // Only a config that is not there is a question of where the database is;
        // any other failure of the config is said as it is.
        match super::load(config_path) {
            Ok(c) => Some(c),
            Err(e)
                if e.downcast_ref::<ConfigError>().is_some_and(|c| {
                    matches!(c, ConfigError::Read { source, .. }
                        if source.kind() == std::io::ErrorKind::NotFound)
                }) =>
            {
                let says = out
                    .lang(None)
                    .t("check-needs-database", &[("command", &what)]);
                return Err(e.context(says));
            }
            Err(e) => return Err(e),
        }
    };
    Ok(match cfg {
        Some(c) => Vault::open(c).reading(db, mapping),
        None => Vault::without_config().reading(db, mapping),
    })
}

pub async fn run(a: Args, config_path: Option<PathBuf>, out: &Out) -> anyhow::Result<Exit> {
    // Parse, then plan, then act: everything decided before the first read.
    let vault = vault_for(a.db, a.mapping, config_path, "check", out)?;
    let req = CheckRequest {
        as_of: a.as_of,
        from: a.from,
        to: a.to,
        strict: a.strict,
    };
    let outcome = if out.json {
        let stream = JsonStream::new(&vault.check_plan(&req)?, &*vault.policies()?);
        let (outcome, mut stream) = vault.check(&req, stream).await?;
        stream.finish(&outcome);
        outcome
    } else {
        let (outcome, groups) = vault.check(&req, Groups::default()).await?;
        print_human(out, out.lang_of(&vault), &outcome, &groups);
        outcome
    };
    Ok(outcome.verdict().into())
}

/// The `--json` document, written as findings arrive. A closed stdout
/// (`| head`) stops the writing, not the run.
struct JsonStream {
    header: String,
    started: bool,
    first: bool,
    broken: bool,
}

impl JsonStream {
    fn new(plan: &CheckPlan, policies: &Policies) -> Self {
        let j = |v: serde_json::Value| v.to_string();
        let header = format!(
            "{{\n  \"as_of\": {},\n  \"from\": {},\n  \"to\": {},\n  \"database\": {},{}\n  \"policies\": {},\n  \"findings\": [",
            j(serde_json::json!(plan.as_of)),
            j(serde_json::json!(plan.from)),
            j(serde_json::json!(plan.until())),
            j(serde_json::json!(plan.database)),
            // Only with a mapping: the document of a reference-schema check keeps its shape.
            plan.mapping.as_ref().map_or(String::new(), |m| format!(
                "\n  \"mapping\": {},",
                j(serde_json::json!(m.path()))
            )),
            j(serde_json::json!(policies.source.describe())),
        );
        JsonStream {
            header,
            started: false,
            first: true,
            broken: false,
        }
    }

    fn write(&mut self, s: &str) {
        if self.broken {
            return;
        }
        if !self.started {
            self.started = true;
            let header = std::mem::take(&mut self.header);
            self.write(&header);
        }
        if std::io::stdout().lock().write_all(s.as_bytes()).is_err() {
            self.broken = true;
        }
    }

    fn write_finding(&mut self, f: &Finding) {
        let sep = if self.first { "\n    " } else { ",\n    " };
        self.first = false;
        let line = serde_json::to_string(f).expect("findings serialise");
        self.write(&format!("{sep}{line}"));
    }

    fn finish(&mut self, o: &CheckOutcome) {
        let close = if self.first { "]" } else { "\n  ]" };
        let tail = format!(
            "{close},\n  \"skipped\": {},\n  \"summary\": {},\n  \"calendar\": {},\n  \"notes\": {},\n  \"window\": {},\n  \"unreadable_rows\": {}\n}}\n",
            pretty(&o.skipped),
            pretty(&o.summary),
            pretty(&o.calendar),
            pretty(&o.notes),
            pretty(&o.window),
            o.unreadable_rows,
        );
        self.write(&tail);
        let _ = std::io::stdout().lock().flush();
    }
}

/// A value pretty-printed one level deep in the document.
fn pretty<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v)
        .expect("output serialises")
        .replace('\n', "\n  ")
}

/// Findings by school for a person, at most [`SHOWN_PER_SCHOOL`] kept per school.
#[derive(Default)]
struct Groups {
    by_school: BTreeMap<Option<String>, (Vec<Finding>, u64)>,
}

impl FindingSink for JsonStream {
    fn finding(&mut self, f: Finding) {
        self.write_finding(&f);
    }
}

impl FindingSink for Groups {
    fn finding(&mut self, f: Finding) {
        self.add(f);
    }
}

impl Groups {
    fn add(&mut self, f: Finding) {
        let (shown, more) = self.by_school.entry(f.school_id.clone()).or_default();
        if shown.len() < SHOWN_PER_SCHOOL {
            shown.push(f);
        } else {
            *more += 1;
        }
    }
}

fn print_human(out: &Out, lang: super::Lang, o: &CheckOutcome, groups: &Groups) {
    let t = |s: &str| for_terminal(s).into_owned();
    let s = &o.summary;
    out.line(lang.t("check-title", &[("as_of", &lang.day(o.as_of))]));
    let w = &o.window;
    let range = format!("{} – {}", lang.day(w.from), lang.day(w.to));
    let why = if w.before_regulation {
        format!(" ({})", lang.t("check-before-rules", &[]))
    } else if o.from.is_none() {
        let data = w
            .data_from
            .filter(|d| *d > w.effective_from)
            .map(|d| {
                lang.t(
                    "check-data-from",
                    &[("month", &d.format("%m/%Y").to_string())],
                )
            })
            .unwrap_or_default();
        format!(
            " ({}{data})",
            lang.t(
                "check-from-effective",
                &[("date", &lang.day(w.effective_from))]
            )
        )
    } else {
        String::new()
    };
    out.line(lang.t("check-database", &[("path", &show(&o.database))]));
    out.line(lang.t(
        "check-period",
        &[
            ("range", &format!("{range}{why}")),
            ("policies", &t(&o.policies)),
        ],
    ));
    out.line(lang.t(
        "check-result",
        &[
            ("violations", &s.violations),
            ("warnings", &s.warnings),
            ("schools", &s.schools_with_findings),
            ("checked", &s.schools_checked),
        ],
    ));
    let counts: Vec<String> = s
        .by_rule
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(r, n)| format!("{r} {n}"))
        .collect();
    if !counts.is_empty() {
        out.line(format!("  {}", counts.join(" · ")));
    }
    for (school, (shown, more)) in &groups.by_school {
        out.line("");
        match school {
            None => out.line(lang.t("check-office-wide", &[])),
            Some(id) => match o.school_names.get(id) {
                Some(name) => {
                    out.line(lang.t("check-school", &[("name", &t(name)), ("id", &t(id))]))
                }
                None => out.line(lang.t("check-school-unknown", &[("id", &t(id))])),
            },
        }
        for f in shown {
            let tag = lang.t(
                match f.severity {
                    Severity::Violation => "check-tag-violation",
                    Severity::Warning => "check-tag-warning",
                },
                &[],
            );
            let what = f
                .period
                .as_deref()
                .or(f.subject.as_deref())
                .map(|s| format!(" {}", t(s)))
                .unwrap_or_default();
            out.line(format!("  [{tag}] {}{what}", f.rule));
            out.line(format!("      {}", t(f.message.of(lang))));
        }
        if *more > 0 {
            out.line(format!("  {}", lang.t("check-more", &[("count", more)])));
        }
    }
    if !o.skipped.is_empty() {
        out.line("");
        out.line(lang.t("check-skipped", &[]));
        for k in &o.skipped {
            out.line(format!("  {}: {}", k.rule, t(k.reason.of(lang))));
        }
    }
    if !o.notes.is_empty() {
        out.line("");
        out.line(lang.t("check-notes", &[]));
        for n in &o.notes {
            out.line(format!("  {}", t(n.message.of(lang))));
            for e in &n.examples {
                out.line(format!("    · {}", t(e)));
            }
        }
    }
    if s.findings == 0 {
        out.line("");
        out.line(lang.t("check-no-findings", &[]));
    }
}
