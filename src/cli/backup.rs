//! `eqvault backup`: one snapshot to every store; Vietnamese with English beside it.

use chrono::{DateTime, Utc};

use super::{Exit, Out};
use crate::ops::backup::BackupOptions;
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot's time instead of now (RFC 3339), for building test histories.
    #[arg(long, hide = true, value_name = "TIME")]
    at: Option<DateTime<Utc>>,
    /// Back up even though this machine's clock is behind the newest trusted snapshot
    /// (when that snapshot's date is the wrong one).
    #[arg(long)]
    allow_clock_behind: bool,
}

pub async fn run(a: Args, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let cfg = vault.config()?;
    // The same lock as the daemon's and `schedule run backup`: a backup started by
    // hand or by cron while the scheduled one runs would copy and upload twice.
    let _lock = match crate::schedule::lock::try_lock(&cfg.state_dir, "backup")? {
        crate::schedule::TryLock::Acquired(l) => l,
        crate::schedule::TryLock::Held { pid } => {
            let who = pid.map_or_else(
                || "another eqvault process".to_string(),
                |p| format!("eqvault (pid {p})"),
            );
            anyhow::bail!(
                "a backup is already running: {who} holds {}; this one was not started. \
                 Wait for it to end (`eqvault snapshots` then lists its snapshot) and run `eqvault backup` again if needed",
                crate::schedule::lock::lock_path(&cfg.state_dir, "backup").display()
            );
        }
    };
    let mut opts = BackupOptions::default();
    if let Some(at) = a.at {
        opts.now = at;
    }
    opts.allow_clock_behind = a.allow_clock_behind;
    let o = vault.backup(&opts, super::bar()).await?;
    let m = &o.metadata;
    if out.json {
        out.json(&o);
    } else {
        out.line(format!(
            "Bản sao lưu / snapshot {}  ({})",
            m.id,
            m.created_at.format("%d/%m/%Y %H:%M:%S %:z")
        ));
        out.line(format!(
            "  cơ sở dữ liệu / database {} → đối tượng mã hoá / encrypted object {}  sha256 {}",
            human_bytes(m.database_bytes),
            human_bytes(m.object_bytes),
            m.object_sha256
        ));
        for s in &o.stores {
            match &s.error {
                None => out.line(format!("  ok            {}", s.url)),
                Some(e) => out.line(crate::sanitize::for_terminal(&format!(
                    "  LỖI / FAILED  {}: {e}",
                    s.url
                ))),
            }
        }
        out.line(super::output::processed(
            out.lang_of(vault),
            1,
            m.database_bytes,
            o.seconds,
        ));
    }
    for w in &o.warnings {
        out.warn(w);
    }
    for s in o.stores.iter().filter(|s| !s.ok) {
        out.warn(format!(
            "store {} does not hold this snapshot: {}. The other stores do; fix it, then `eqvault sync` copies the snapshot there",
            s.url,
            s.error.as_deref().unwrap_or("unknown error")
        ));
    }
    Ok(o.verdict().into())
}

/// 1536 → "1.5 KiB".
pub fn human_bytes(n: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}
