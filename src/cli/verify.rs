//! `eqvault verify [ID | --all] [--read-data]`.

use std::path::PathBuf;

use super::{Exit, Out};
use crate::ops::verify::Selection;
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot to verify [default: the newest].
    #[arg(value_name = "ID", conflicts_with = "all")]
    id: Option<String>,
    /// Verify every snapshot in every store.
    #[arg(long)]
    all: bool,
    /// Download, decrypt and check the database inside (needs the identity).
    #[arg(long)]
    read_data: bool,
    /// The age identity file [default: [encryption] identity].
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
}

pub async fn run(a: Args, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let sel = match (a.all, a.id) {
        (true, _) => Selection::All,
        (false, Some(id)) if id == "latest" => Selection::Latest,
        (false, Some(id)) => Selection::Id(id),
        (false, None) => Selection::Latest,
    };
    let identity = if a.read_data {
        Some(vault.identity(a.identity)?)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let o = vault
        .verify(&sel, identity.as_deref(), super::bar())
        .await?;
    let results = &o.results;
    if out.json {
        out.json(&o);
    } else {
        for r in results {
            out.line(format!(
                "{} {}  {}",
                if r.ok {
                    "ok          "
                } else {
                    "LỖI / FAILED"
                },
                r.id,
                r.store
            ));
            for c in r.checks.iter().filter(|c| !c.ok || !r.ok) {
                out.line(format!(
                    "    {} {}: {}",
                    if c.ok { "ok        " } else { "LỖI / FAIL" },
                    c.name,
                    crate::sanitize::for_terminal(&c.detail)
                ));
            }
        }
        let bad = results.iter().filter(|r| !r.ok).count();
        out.line(format!(
            "{} đã kiểm tra / checked, {} lỗi / failed",
            results.len(),
            bad
        ));
        let read: Vec<&crate::ops::VerifyResult> = results.iter().filter(|r| r.bytes > 0).collect();
        out.line(super::output::processed(
            out.lang_of(vault),
            read.len() as u64,
            read.iter().map(|r| r.bytes).sum(),
            started.elapsed().as_secs_f64(),
        ));
    }
    // A store that failed mid-read gave no verdict: exit 2, as for any store unreachable.
    for r in o.blocked() {
        out.warn(format!(
            "{} in {} could not be read through: {}. This says nothing about the snapshot; \
             fix the store or make room, then verify it again",
            r.id,
            r.store,
            r.blocked.as_deref().unwrap_or_default()
        ));
    }
    Ok(o.verdict().into())
}
