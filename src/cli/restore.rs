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
        .restore(&a.id, &a.to, &identity, replace, super::bar())
        .await?;
    if out.json {
        out.json(&o);
    } else {
        out.line(format!(
            "restored {} from {} to {}",
            o.id,
            o.store,
            show(&o.path)
        ));
        out.line(format!(
            "  sha256 {} (matches the manifest; integrity_check ok)",
            o.sha256
        ));
        if let Some(b) = &o.before_restore {
            out.line(format!("  the previous file is kept as {}", show(b)));
        }
    }
    for n in &o.notes {
        out.warn(crate::sanitize::for_terminal(n));
    }
    Ok(o.verdict().into())
}
