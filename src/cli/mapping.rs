//! `eqvault mapping check | init`: a mapping of the office's own database onto the reference schema.
//!
//! `check` exits 0 when the mapping gives every reference table and column
//! with the reference's codes, date forms and unique identifiers, 1 with the
//! list of what does not, 2 when the file cannot be read or its SQL fails
//! (naming the line). `init` writes a commented template from the
//! database's own tables; it never overwrites without --force.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};

use super::check::optional_config;
use super::{Out, show};
use crate::config::Config;
use crate::mapping::validate::{Issue, Problem};
use crate::mapping::{Mapping, template, validate};
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

/// The mapping a command reads through: `--mapping FILE`, else `[database] mapping`.
///
/// # Errors
/// When the file cannot be read or holds anything but views.
pub(super) fn resolve(
    flag: Option<&Path>,
    cfg: Option<&Config>,
) -> anyhow::Result<Option<Mapping>> {
    let path = flag.or_else(|| cfg.and_then(|c| c.database.mapping.as_deref()));
    Ok(path.map(Mapping::load).transpose()?)
}

fn database(flag: Option<PathBuf>, cfg: Option<&Config>) -> anyhow::Result<PathBuf> {
    match (flag, cfg) {
        (Some(db), _) => Ok(db),
        (None, Some(c)) => Ok(c.database.path.clone()),
        (None, None) => {
            bail!("pass --db PATH, or a config whose [database] path names the database")
        }
    }
}

pub async fn run(c: Cmd, config_path: Option<PathBuf>, out: &Out) -> anyhow::Result<ExitCode> {
    let cfg = optional_config(config_path, out)?;
    match c {
        Cmd::Check { mapping, db } => {
            let db = database(db, cfg.as_ref())?;
            let Some(m) = resolve(mapping.as_deref(), cfg.as_ref())? else {
                bail!(
                    "no mapping to check: pass --mapping FILE, or set [database] mapping in the config"
                );
            };
            let busy = busy(cfg.as_ref());
            let (db2, m2) = (db.clone(), m.clone());
            let issues = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Issue>> {
                let conn = crate::mapping::open_read_only(&db2, busy, Some(&m2))?;
                validate::check(&conn).with_context(|| {
                    format!(
                        "reading {} through the mapping {} failed",
                        show(&db2),
                        show(m2.path())
                    )
                })
            })
            .await??;
            if out.json {
                out.json(&serde_json::json!({
                    "database": db,
                    "mapping": m.path(),
                    "clean": issues.is_empty(),
                    "issues": issues,
                }));
            } else {
                print_human(out, &db, &m, &issues);
            }
            Ok(if issues.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Cmd::Init {
            db,
            out: file,
            force,
        } => {
            let db = database(db, cfg.as_ref())?;
            let conn = crate::snapshot::open_read_only(&db, busy(cfg.as_ref()))?;
            let own = template::own_tables(&conn)
                .with_context(|| format!("cannot list the tables of {}", show(&db)))?;
            let text = template::render(&db.display().to_string(), &own);
            write_new(&file, text.as_bytes(), force)?;
            if out.json {
                out.json(&serde_json::json!({
                    "database": db,
                    "out": file,
                    "tables": own.iter().map(|(t, _)| t).collect::<Vec<_>>(),
                }));
            } else {
                out.line(format!(
                    "đã ghi mẫu ánh xạ / wrote a mapping template: {} ({} tables of {} listed)",
                    show(&file),
                    own.len(),
                    show(&db)
                ));
                out.line(format!(
                    "next: fill in each view, then eqvault mapping check --mapping {} --db {}",
                    show(&file),
                    show(&db)
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn busy(cfg: Option<&Config>) -> Duration {
    cfg.map_or(Duration::from_secs(30), |c| {
        Duration::from_secs(c.database.busy_timeout.approx_seconds())
    })
}

fn write_new(path: &Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    if force {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    let mut f = match o.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "{} already exists; eqvault never overwrites a mapping: choose another --out, or pass --force to replace it",
            show(path)
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", show(path))),
    };
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", show(path)))
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

fn print_human(out: &Out, db: &Path, m: &Mapping, issues: &[Issue]) {
    if issues.is_empty() {
        out.line(format!(
            "ánh xạ hợp lệ / the mapping is clean: {} reads {} as the reference schema",
            show(m.path()),
            show(db)
        ));
        return;
    }
    out.line(format!(
        "{} vấn đề trong ánh xạ / {} problem(s) in the mapping {} over {}:",
        issues.len(),
        issues.len(),
        show(m.path()),
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
