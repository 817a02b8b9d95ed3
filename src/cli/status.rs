//! `eqvault status [--max-age DURATION]`: exit 1 when the newest backup is too old, a store holds none, or the last drill failed.

use super::{Exit, Out};
use crate::ops::{Outcome, Vault};
use crate::span::Span;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The newest complete snapshot must be younger than this (Art. 12.1: 3 months).
    #[arg(long, default_value = "3months", value_name = "DURATION")]
    max_age: Span,
}

pub async fn run(a: Args, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let r = vault.status(a.max_age, chrono::Utc::now()).await?;
    if out.json {
        out.json(&r);
    } else {
        match &r.last_backup {
            Some(b) => out.line(format!(
                "Bản sao lưu mới nhất / last backup: {} ({}), {} bản / copies",
                b.id,
                b.created_at.format("%d/%m/%Y %H:%M"),
                b.copies
            )),
            None => out.line("Chưa có bản sao lưu / no backup yet"),
        }
        match &r.last_drill {
            Some(d) => out.line(format!(
                "Diễn tập gần nhất / last drill: {} ({}) {} / {:?}, {:.1} s",
                d.snapshot,
                d.started_at.format("%d/%m/%Y"),
                d.status.vi(),
                d.status,
                d.seconds
            )),
            None => out.line("Chưa diễn tập phục hồi / no restore drill yet"),
        }
        for s in &r.stores {
            let last = s
                .last_backup
                .as_ref()
                .map_or("-".to_string(), |b| b.id.clone());
            out.line(format!(
                "  {} {}: {} snapshots, newest {last}",
                if s.reachable { "ok " } else { "ERR" },
                s.url,
                s.snapshots
            ));
        }
        if r.problems.is_empty() {
            out.line("Đạt / OK");
        } else {
            for p in &r.problems {
                out.line(crate::sanitize::for_terminal(&format!(
                    "  CẢNH BÁO / PROBLEM: {p}"
                )));
            }
        }
    }
    // Every problem is found, not a failure to look: exit 1 (a store that could not be
    // listed is exit 2: nothing can be said about it).
    Ok(r.verdict().into())
}
