//! `eqvault restore ID|latest --to PATH [--force] [--even-if-open]`.

use std::path::PathBuf;

use super::bare::BareArgs;
use super::{Exit, Out, show};
use crate::ops::Outcome;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A snapshot id, or `latest`.
    #[arg(value_name = "ID|latest")]
    id: String,
    /// Where to write the database (a new path unless --force).
    #[arg(long, value_name = "PATH")]
    to: PathBuf,
    /// The age identity file [default: [encryption] identity].
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
    /// Replace an existing file (kept as *.before-restore, with its -wal/-shm).
    #[arg(long)]
    force: bool,
    /// Replace the database even when another process has it open (stop the application
    /// first instead: it would go on writing to the old file).
    #[arg(long)]
    even_if_open: bool,
    /// Run `PRAGMA integrity_check`, the schema and the row counts on the restored file
    /// too (by default the signed manifest's hash proves it is the file the backup checked).
    #[arg(long, value_name = "full")]
    check: Option<CheckDepth>,
    #[command(flatten)]
    bare: BareArgs,
}

pub async fn run(a: Args, config_path: Option<PathBuf>, out: &Out) -> anyhow::Result<Exit> {
    // --store: the machine that made the backups is gone; no config is read.
    let vault = if a.bare.given() {
        a.bare.vault(a.identity.clone())?
    } else {
        super::open(config_path)?
    };
    let identity = vault.identity(a.identity)?;
    let replace = crate::ops::Replace {
        force: a.force,
        even_if_open: a.even_if_open,
    };
    let o = vault
        .restore(
            &a.id,
            &a.to,
            &identity,
            replace,
            match a.check {
                Some(CheckDepth::Full) => crate::ops::Depth::Full,
                None => crate::ops::Depth::Proven,
            },
            super::bar(),
        )
        .await?;
    if out.json {
        out.json(&o);
    } else {
        let lang = out.lang_of(&vault);
        out.line(lang.t(
            "restore-done",
            &[("id", &o.id), ("store", &o.store), ("path", &show(&o.path))],
        ));
        let checked = match (o.checked_now, o.integrity_check) {
            (true, _) => lang.t("restore-checked-now", &[("sha", &o.sha256)]),
            (false, level) => lang.t(
                "restore-checked-at-backup",
                &[
                    ("sha", &o.sha256),
                    (
                        "check",
                        &match level {
                            crate::snapshot::Level::Full => "integrity_check",
                            crate::snapshot::Level::Quick => "quick_check",
                        },
                    ),
                ],
            ),
        };
        out.line(format!("  {checked}"));
        if let Some(b) = &o.before_restore {
            out.line(format!(
                "  {}",
                lang.t("restore-kept", &[("path", &show(b))])
            ));
        }
        out.line(super::output::processed(lang, 1, o.bytes, o.seconds));
    }
    for n in &o.notes {
        out.warn(crate::sanitize::for_terminal(n));
    }
    Ok(o.verdict().into())
}

/// `--check`: the one depth a restore can ask for beyond its default.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CheckDepth {
    // integrity_check, schema and row counts on the restored file (no doc
    // comment: clap would turn the one value into a list of its own).
    Full,
}
