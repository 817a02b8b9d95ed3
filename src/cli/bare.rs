//! The flags of a machine without its config (the backup host is lost): the
//! stores to read and the keys to believe, for `snapshots` and `restore`.

use std::path::PathBuf;

use crate::ops::Vault;
use crate::ops::recovery::{BareRequest, BareStore};

/// Where the stores are and whom to believe, without a config.
#[derive(Debug, Clone, clap::Args)]
pub struct BareArgs {
    /// Read this store without a config (repeatable): a folder, file:///path or
    /// s3://bucket/prefix. The keys to believe come from the identity file's
    /// `# eqvault-trusted:` lines, and --trust.
    #[arg(long = "store", value_name = "URL")]
    pub stores: Vec<String>,
    /// With --store: believe this signing public key too ("ssh-ed25519 AAAA…",
    /// the lost host's eqvault-signing-key.pub); a deliberate act, repeatable.
    #[arg(long = "trust", value_name = "KEY", requires = "stores")]
    pub trust: Vec<String>,
    /// With an s3:// --store: the endpoint (MinIO, Ceph, …); credentials from AWS_* variables.
    #[arg(long, value_name = "URL", requires = "stores")]
    pub endpoint: Option<String>,
    /// With an s3:// --store: the region.
    #[arg(long, value_name = "REGION", requires = "stores")]
    pub region: Option<String>,
    /// With an s3:// --store: allow plain HTTP (loopback or a trusted LAN only).
    #[arg(long, requires = "stores")]
    pub allow_http: bool,
    /// With --store: the vault to read (`[database] vault` of the lost config), when the
    /// identity file does not name it (`snapshots --all-vaults` lists them).
    #[arg(long, value_name = "ID", requires = "stores")]
    pub vault: Option<String>,
}

impl BareArgs {
    /// Whether the command reads stores named here rather than a config.
    pub fn given(&self) -> bool {
        !self.stores.is_empty()
    }

    /// The stores, each with the S3 flags.
    pub fn stores(&self) -> Vec<BareStore> {
        self.stores
            .iter()
            .map(|url| BareStore {
                url: url.clone(),
                endpoint: self.endpoint.clone(),
                region: self.region.clone(),
                allow_http: self.allow_http,
            })
            .collect()
    }

    /// The engine over these stores, believing the identity file's keys and --trust.
    pub fn vault(&self, identity: Option<PathBuf>) -> anyhow::Result<Vault> {
        Ok(Vault::bare(&BareRequest {
            stores: self.stores(),
            identity,
            trust: self.trust.clone(),
            vault: self.vault.clone(),
        })?)
    }
}
