//! `eqvault ledger rebuild`: the identifier history back from the stores and the identity alone.

use std::path::PathBuf;

use super::{Exit, Out, show};
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Merge the newest sealed ledger found in the stores into the local one.
    Rebuild {
        /// The age identity file [default: [encryption] identity].
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
}

pub async fn run(c: Cmd, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    match c {
        Cmd::Rebuild { identity } => {
            let identity = vault.identity(identity)?;
            let r = vault.ledger_rebuild(&identity).await?;
            if out.json {
                out.json(&r);
            } else {
                out.line(out.lang_of(vault).t(
                    "ledger-merged",
                    &[
                        ("count", &r.identifiers),
                        ("key", &r.key),
                        ("store", &r.store),
                        ("path", &show(&r.path)),
                    ],
                ));
            }
            Ok(r.verdict().into())
        }
    }
}
