//! `eqvault init`: a commented config, a fresh identity and signing key, each store's marker; never overwrites.

use std::path::PathBuf;

use super::{Exit, Out, show};
use crate::ops::setup::InitRequest;
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The live equipment database (SQLite; it must exist).
    #[arg(long, value_name = "PATH")]
    db: PathBuf,
    /// A store: a folder, file:///path or s3://bucket/prefix (repeat for two stores).
    #[arg(long = "store", value_name = "URL", required = true)]
    stores: Vec<String>,
    /// The folder to write eqvault.toml (and the keys) in.
    #[arg(long, default_value = ".", value_name = "DIR")]
    dir: PathBuf,
    /// Encrypt to these age public keys instead of generating an identity (repeatable).
    #[arg(long = "recipient", value_name = "AGE1…")]
    recipients: Vec<String>,
    /// Also trust this signing public key (another host writing to the same stores; repeatable).
    #[arg(long = "trust", value_name = "SSH-ED25519 KEY")]
    trust: Vec<String>,
    /// The office's name ([office] name), printed in reports and archive packages.
    #[arg(long, value_name = "NAME", default_value = "")]
    office_name: String,
    /// The office's code ([office] code).
    #[arg(long, value_name = "CODE", default_value = "")]
    office_code: String,
    /// Create local store folders that do not exist (otherwise a missing folder is refused:
    /// it is usually a NAS that is not mounted).
    #[arg(long)]
    create_store: bool,
}

pub async fn run(a: Args, out: &Out) -> anyhow::Result<Exit> {
    let w = Vault::init(&InitRequest {
        dir: a.dir,
        db: a.db,
        stores: a.stores,
        recipients: a.recipients,
        trust: a.trust,
        office_name: a.office_name,
        office_code: a.office_code,
        create_store: a.create_store,
    })
    .await?;
    if out.json {
        out.json(&w);
    } else {
        out.line(format!("wrote {}", show(&w.config)));
        if let Some(id) = &w.identity {
            out.line(format!(
                "wrote {} (mode 0600): the private key; keep a copy offline",
                show(id)
            ));
        }
        out.line(format!(
            "wrote {} (mode 0600): this host's signing key; its public half is trusted in the config",
            show(&w.signing_key)
        ));
        out.line(format!("recipients: {}", w.recipients.join(", ")));
        for s in &w.stores {
            out.line(crate::sanitize::for_terminal(&format!(
                "store {}: marker {}",
                s.url, s.marker
            )));
        }
        out.line("next: eqvault backup   (then: eqvault verify --read-data)");
    }
    Ok(w.verdict().into())
}
