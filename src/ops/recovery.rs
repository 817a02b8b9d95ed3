//! The way back when the backup host is lost: the stores and the identity
//! file from the safe are enough.
//!
//! The identity file names the keys whose signatures are believed and the
//! recipients (its `# eqvault-…` comment lines, [`crate::pack::keys::Anchors`]).
//! [`Vault::bare`] opens the stores with those alone, no config, for
//! `snapshots` and `restore`; [`Vault::init`] with `from_store` writes a new
//! config for the same stores, trusting the old key beside the new one, so
//! backups go on where they stopped.

use std::path::PathBuf;

use super::{OpsError, Vault};
use crate::config::{self, Config};
use crate::pack::keys;

/// One store named on the command line of a machine without its config.
#[derive(Debug, Clone, Default)]
pub struct BareStore {
    /// A folder, `file://…` or `s3://bucket/prefix`.
    pub url: String,
    /// S3: the endpoint.
    pub endpoint: Option<String>,
    /// S3: the region.
    pub region: Option<String>,
    /// S3: plain HTTP.
    pub allow_http: bool,
}

impl BareStore {
    /// As a `[[store]]` of a config.
    ///
    /// # Errors
    /// [`OpsError::Refused`] for a value TOML cannot hold.
    pub(crate) fn store_config(&self) -> Result<crate::store::StoreConfig, OpsError> {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let text = format!("url = {}\n{}\n", q(&self.url), self.extra().join("\n"));
        toml::from_str(&text).map_err(|e| OpsError::Refused(format!("{}: {e}", self.url)))
    }

    /// The `[[store]]` keys beside `url`, as TOML lines.
    pub(crate) fn extra(&self) -> Vec<String> {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut v = Vec::new();
        if let Some(e) = &self.endpoint {
            v.push(format!("endpoint = {}", q(e)));
        }
        if let Some(r) = &self.region {
            v.push(format!("region = {}", q(r)));
        }
        if self.allow_http {
            v.push("allow_http = true".into());
        }
        v
    }
}

/// What a machine without its config reads with.
#[derive(Debug, Clone, Default)]
pub struct BareRequest {
    /// The stores.
    pub stores: Vec<BareStore>,
    /// The identity file (from the safe); its anchor lines name the keys to trust.
    pub identity: Option<PathBuf>,
    /// Keys trusted on purpose besides the identity file's.
    pub trust: Vec<String>,
    /// The vault to read, when the identity file does not name it.
    pub vault: Option<String>,
}

impl Vault {
    /// The engine over stores named on the command line, trusting the keys
    /// the identity file names (and `trust`): no config, no state kept.
    ///
    /// # Errors
    /// [`OpsError::NoAnchor`] when no key is named to trust; the identity
    /// file unreadable; a bad store URL or key.
    pub fn bare(req: &BareRequest) -> Result<Vault, OpsError> {
        if req.stores.is_empty() {
            return Err(OpsError::NoStore(PathBuf::from("--store")));
        }
        let anchors = match &req.identity {
            Some(p) => keys::load_anchors(p)?,
            None => keys::Anchors::default(),
        };
        let mut trusted = anchors.trusted.clone();
        for t in &req.trust {
            let t = t.trim().to_string();
            if !trusted.contains(&t) {
                trusted.push(t);
            }
        }
        crate::trust::Trusted::parse(&trusted)?;
        if trusted.is_empty() {
            return Err(OpsError::NoAnchor);
        }
        let scratch = tempfile::Builder::new()
            .prefix("eqvault-bare-")
            .tempdir()
            .map_err(OpsError::io(
                "cannot create a temporary folder in",
                &std::env::temp_dir(),
            ))?;
        let plan = config::InitPlan {
            vault: req.vault.clone().or(anchors.vault.clone()),
            database: "no-database-on-this-machine.db".into(),
            stores: req.stores.iter().map(|s| s.url.clone()).collect(),
            recipients: anchors.recipients.clone(),
            identity: req.identity.as_ref().map(|p| {
                std::path::absolute(p)
                    .unwrap_or(p.clone())
                    .to_string_lossy()
                    .into_owned()
            }),
            store_extra: req
                .stores
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.extra().is_empty())
                .map(|(i, s)| (i, s.extra()))
                .collect(),
            signing_key: None,
            trusted,
            office_name: String::new(),
            office_code: String::new(),
        };
        let path = scratch.path().join(config::FILE_NAME);
        let cfg = Config::from_text(&path, &config::render_initial(&plan))?;
        Ok(Vault::open(cfg).keeping(scratch))
    }
}
