//! `eqvault mapping check | init`: a mapping of the office's own database onto the reference schema.
//!
//! `check` exits 0 when the mapping gives every reference table and column
//! with the reference's codes, date forms and unique identifiers, 1 with the
//! list of what does not, 2 when the file cannot be read or its SQL fails
//! (naming the line). `init` writes a commented template from the
//! database's own tables; it never overwrites without --force.

use std::path::{Path, PathBuf};

use super::check::optional_config;
use super::{Exit, Out, show};
use crate::mapping::validate::{Issue, Problem};
use crate::ops::{Outcome, Vault};
use crate::sanitize::for_terminal;

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Check a mapping against the reference schema; exit 1 with the list of what is wrong.
    Check {
        /// The mapping file [default: [database] mapping of the config].
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// The database [default: [database] path of the config].
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Write a commented mapping template from the database's own tables and columns.
    Init {
        /// The database [default: [database] path of the config].
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace --out when it exists.
        #[arg(long)]
        force: bool,
    },
}

pub async fn run(c: Cmd, config_path: Option<PathBuf>, out: &Out) -> anyhow::Result<Exit> {
    let cfg = optional_config(config_path, out)?;
    let base = match cfg {
        Some(c) => Vault::open(c),
        None => Vault::without_config(),
    };
    match c {
        Cmd::Check { mapping, db } => {
            let vault = base.reading(db, mapping);
            let o = vault.mapping_check().await?;
            if out.json {
                out.json(&o);
            } else {
                print_human(out, out.lang_of(&vault), &o.database, &o.mapping, &o.issues);
            }
            Ok(o.verdict().into())
        }
        Cmd::Init {
            db,
            out: file,
            force,
        } => {
            let vault = base.reading(db, None);
            let o = vault.mapping_init(&file, force).await?;
            if out.json {
                out.json(&o);
            } else {
                let lang = out.lang_of(&vault);
                let (file, db) = (show(&o.out), show(&o.database));
                out.line(lang.t(
                    "mapping-wrote",
                    &[("file", &file), ("tables", &o.tables.len()), ("db", &db)],
                ));
                out.line(lang.t("mapping-next", &[("file", &file), ("db", &db)]));
            }
            Ok(o.verdict().into())
        }
    }
}

/// A problem's catalog id.
fn problem(p: Problem) -> &'static str {
    match p {
        Problem::MissingTable => "mapping-missing-table",
        Problem::MissingColumn => "mapping-missing-column",
        Problem::Null => "mapping-null",
        Problem::UnknownCode => "mapping-unknown-code",
        Problem::BadDate => "mapping-bad-date",
        Problem::DuplicateIdentifier => "mapping-duplicate",
        Problem::NoRows => "mapping-no-rows",
    }
}

fn print_human(out: &Out, lang: super::Lang, db: &Path, m: &Path, issues: &[Issue]) {
    let (m, db) = (show(m), show(db));
    if issues.is_empty() {
        out.line(lang.t("mapping-clean", &[("mapping", &m), ("db", &db)]));
        return;
    }
    out.line(lang.t(
        "mapping-problems",
        &[("count", &issues.len()), ("mapping", &m), ("db", &db)],
    ));
    for i in issues {
        let place = match &i.column {
            Some(c) => format!("{}.{c}", i.view),
            None => i.view.clone(),
        };
        let example = match (&i.example_row, &i.example_value) {
            (Some(r), Some(v)) => format!("{r}: {v:?}"),
            (Some(r), None) => r.to_string(),
            (None, Some(v)) => format!("{v:?}"),
            (None, None) => String::new(),
        };
        let example = if example.is_empty() {
            example
        } else {
            format!(" ({})", lang.t("mapping-example", &[("example", &example)]))
        };
        out.line(for_terminal(&format!(
            "  {place}: {}{example}",
            lang.t(problem(i.problem), &[])
        )));
        out.line(for_terminal(&format!("    {}", i.detail)));
    }
}
