//! `eqvault ledger rebuild`: the identifier history back from the stores and the identity alone.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Out, show};
use crate::config::Config;

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Merge the newest sealed ledger found in the stores into the local one.
    Rebuild {
        /// The age identity file [default: [encryption] identity].
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
}

pub async fn run(c: Cmd, cfg: &Config, out: &Out) -> anyhow::Result<ExitCode> {
    match c {
        Cmd::Rebuild { identity } => {
            let identity = super::identity(identity, cfg)?;
            let r = crate::ops::ledger::rebuild(cfg, &identity).await?;
            if out.json {
                out.json(&r);
            } else {
                out.line(format!(
                    "merged {} identifiers from {} ({}) into {}",
                    r.identifiers,
                    r.key,
                    r.store,
                    show(&r.path)
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
