//! `eqvault keys new [DIR]`: this host's signing key and a new age identity, for a config written by hand.

use std::path::PathBuf;

use super::{Exit, Out, show};
use crate::ops::Outcome;

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Make a signing key and an age identity (0600, never over a file) and print the config lines that use them.
    New(NewArgs),
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The folder to write them in (the config's, e.g. /etc/eqvault).
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Only the signing key: the identity is made elsewhere (the restore machine, a safe).
    #[arg(long)]
    signing_only: bool,
}

/// A TOML string (the config lines printed to paste).
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

pub fn run(c: Cmd, out: &Out) -> anyhow::Result<Exit> {
    let Cmd::New(a) = c;
    let k = crate::ops::setup::new_keys(&a.dir, a.signing_only)?;
    if out.json {
        out.json(&k);
        return Ok(k.verdict().into());
    }
    let lang = out.lang(None);
    out.line(lang.t("keys-wrote-signing-key", &[("path", &show(&k.signing_key))]));
    if let Some(id) = &k.identity {
        out.line(lang.t("init-wrote-identity", &[("path", &show(id))]));
        out.line(lang.t("init-keep-identity", &[("path", &show(id))]));
    }
    out.line(lang.t("keys-paste", &[]));
    if let (Some(r), Some(id)) = (&k.recipient, &k.identity) {
        out.line("[encryption]");
        out.line(format!("recipients = [{}]", q(r)));
        out.line(format!("identity = {}", q(&id.to_string_lossy())));
    }
    out.line("[signing]");
    out.line(format!("key = {}", q(&k.signing_key.to_string_lossy())));
    out.line(format!("trusted = [{}]", q(&k.signing_public_key)));
    out.line(lang.t("keys-owner", &[]));
    Ok(k.verdict().into())
}
