//! `eqvault drill [ID|latest|random]`: a restore drill with evidence.

use std::path::PathBuf;

use super::{Exit, Out};
use crate::ops::drill::Pick;
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A snapshot id, `latest` or `random`.
    #[arg(default_value = "latest", value_name = "ID|latest|random")]
    which: String,
    /// The age identity file [default: [encryption] identity].
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
}

pub async fn run(a: Args, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let identity = vault.identity(a.identity)?;
    let pick: Pick = a.which.parse().expect("infallible");
    let o = vault
        .drill(&pick, &identity, chrono::Utc::now(), super::bar())
        .await?;
    let r = &o.record;
    if out.json {
        out.json(&o);
    } else {
        out.line(format!(
            "Diễn tập phục hồi / Restore drill {}: {} / {}",
            r.snapshot,
            r.status.vi().to_uppercase(),
            serde_json::to_value(r.status)
                .expect("status")
                .as_str()
                .unwrap_or("")
                .to_uppercase()
        ));
        out.line(format!(
            "  thời gian phục hồi / restore time: {:.1} s (tải về, giải mã, giải nén / download, decrypt, decompress {:.1} s; ghi đĩa / write {:.1} s; kiểm tra / checks {:.1} s; mục tiêu / target {} s)",
            r.seconds, r.phases.download, r.phases.decrypt_decompress, r.phases.checks, r.target_seconds
        ));
        for c in &r.checks {
            out.line(format!(
                "  {} {}: {}",
                if c.not_checked {
                    "chưa kiểm tra / not checked"
                } else if c.ok {
                    "ok  "
                } else {
                    "FAIL"
                },
                c.name,
                crate::sanitize::for_terminal(&c.detail)
            ));
        }
        if let Some(why) = &r.reason {
            out.line(format!(
                "  lý do / reason: {}",
                crate::sanitize::for_terminal(why)
            ));
        }
        if o.unrecorded.is_empty() {
            out.line(format!(
                "  biên bản / record: {} (trong mọi kho / in every store)",
                r.key()
            ));
        } else {
            out.line(format!(
                "  biên bản / record: {} — THIẾU ở {} kho / MISSING from {} store(s)",
                r.key(),
                o.unrecorded.len(),
                o.unrecorded.len()
            ));
        }
    }
    for (store, why) in &o.unrecorded {
        out.warn(format!(
            "the drill record could not be written to {store}: {why}. The evidence is in the other stores only; run the drill again when the store is back"
        ));
    }
    // Evidence missing from a store is a problem found, as a failed drill is.
    Ok(o.verdict().into())
}
