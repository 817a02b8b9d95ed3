//! `eqvault store add URL`: add a store to the config and write its signed marker.

use super::{Exit, Out};
use crate::ops::setup::AddStore;
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Add a store to the config (or find it there) and write its signed marker.
    Add(AddArgs),
    /// Take a store out of the config; nothing in the store is deleted.
    Remove(RemoveArgs),
}

#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// The store as the config names it (a folder, file:///path or s3://bucket/prefix).
    #[arg(value_name = "URL")]
    url: String,
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// A folder, file:///path or s3://bucket/prefix.
    #[arg(value_name = "URL")]
    url: String,
    /// Create the local folder when it does not exist.
    #[arg(long)]
    create_store: bool,
    /// S3: the endpoint (MinIO, Ceph, …); credentials come from the config or AWS_* variables.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// S3: the region.
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// S3: allow plain HTTP (loopback or a trusted LAN only).
    #[arg(long)]
    allow_http: bool,
}

pub async fn run(c: Cmd, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let a = match c {
        Cmd::Add(a) => a,
        Cmd::Remove(r) => return remove(r, vault, out),
    };
    let r = vault
        .add_store(&AddStore {
            url: a.url,
            create_store: a.create_store,
            endpoint: a.endpoint,
            region: a.region,
            allow_http: a.allow_http,
        })
        .await?;
    if out.json {
        out.json(&r);
    } else {
        out.line(super::init::marker_line(
            out.lang_of(vault),
            &r.url,
            &r.marker,
        ));
    }
    Ok(r.verdict().into())
}

fn remove(a: RemoveArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let r = vault.remove_store(&a.url)?;
    if out.json {
        out.json(&r);
    } else {
        let lang = out.lang_of(vault);
        out.line(lang.t(
            "store-removed",
            &[("store", &r.url), ("config", &super::show(&r.config))],
        ));
    }
    Ok(Exit::Ok)
}
