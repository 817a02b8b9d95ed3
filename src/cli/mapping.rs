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
                print_human(out, &o.database, &o.mapping, &o.issues);
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
                out.line(format!(
                    "đã ghi mẫu ánh xạ / wrote a mapping template: {} ({} tables of {} listed)",
                    show(&o.out),
                    o.tables.len(),
                    show(&o.database)
                ));
                out.line(format!(
                    "next: fill in each view, then eqvault mapping check --mapping {} --db {}",
                    show(&o.out),
                    show(&o.database)
                ));
            }
            Ok(o.verdict().into())
        }
    }
}

fn vi(p: Problem) -> &'static str {
    match p {
        Problem::MissingTable => "thiếu bảng (view)",
        Problem::MissingColumn => "thiếu cột",
        Problem::Null => "NULL ở cột bắt buộc",
        Problem::UnknownCode => "mã không có trong lược đồ chuẩn",
        Problem::BadDate => "ngày giờ sai định dạng",
        Problem::DuplicateIdentifier => "mã định danh trùng",
        Problem::NoRows => "không có dòng nào",
    }
}

fn print_human(out: &Out, db: &Path, m: &Path, issues: &[Issue]) {
    if issues.is_empty() {
        out.line(format!(
            "ánh xạ hợp lệ / the mapping is clean: {} reads {} as the reference schema",
            show(m),
            show(db)
        ));
        return;
    }
    out.line(format!(
        "{} vấn đề trong ánh xạ / {} problem(s) in the mapping {} over {}:",
        issues.len(),
        issues.len(),
        show(m),
        show(db)
    ));
    for i in issues {
        let place = match &i.column {
            Some(c) => format!("{}.{c}", i.view),
            None => i.view.clone(),
        };
        let example = match (&i.example_row, &i.example_value) {
            (Some(r), Some(v)) => format!(" (ví dụ / e.g. {r}: {v:?})"),
            (Some(r), None) => format!(" (ví dụ / e.g. {r})"),
            (None, Some(v)) => format!(" (ví dụ / e.g. {v:?})"),
            (None, None) => String::new(),
        };
        out.line(for_terminal(&format!(
            "  {place}: {}{example}",
            vi(i.problem)
        )));
        out.line(for_terminal(&format!("    {}", i.detail)));
    }
}
