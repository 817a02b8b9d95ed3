//! `eqvault guard ack ID --reason …`: acknowledge a snapshot the deletion guard marked suspect.

use super::{Exit, Out};
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Acknowledge a suspect snapshot once the drop is understood (a signed record in every store).
    Ack(AckArgs),
}

#[derive(Debug, clap::Args)]
pub struct AckArgs {
    /// The suspect snapshot's id, as `backup` and `status` name it.
    #[arg(value_name = "ID")]
    id: String,
    /// Why the drop is acceptable (kept in the signed record).
    #[arg(long, required = true)]
    reason: String,
}

pub async fn run(c: Cmd, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let Cmd::Ack(a) = c;
    let cfg = vault.config()?;
    let o = crate::ops::guard::ack(cfg, &a.id, &a.reason, chrono::Utc::now()).await?;
    let lang = out.lang_of(vault);
    if out.json {
        out.json(&o);
    } else {
        out.line(lang.t(
            "guard-acked",
            &[
                ("id", &o.id),
                ("reason", &crate::sanitize::for_terminal(&o.reason)),
            ],
        ));
        if !o.also.is_empty() {
            out.line(lang.t(
                "guard-acked-also",
                &[
                    ("count", &o.also.len().to_string()),
                    ("ids", &o.also.join(", ")),
                ],
            ));
        }
    }
    for (store, e) in &o.stores {
        if let Some(e) = e {
            super::output::store_failed(out, lang, "guard-ack-store-failed", store, e, true);
        }
    }
    Ok(o.verdict().into())
}
