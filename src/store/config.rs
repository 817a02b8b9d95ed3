//! One `[[store]]` of the config: where a store is and how to reach it.
//!
//! It lives with the stores (not in `config`) so that opening a store needs
//! nothing above this room; the config holds a list of them.

use std::fmt;
use std::ops::Deref;
use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::{Secret, SecretSource};
use crate::span::Span;

/// One `[[store]]`. `Debug` prints no secret: the URL without its
/// `user:password@` part, the keys as `[redacted]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// A local path, `file://…`, or `s3://bucket/prefix`.
    pub url: StoreUrl,
    /// S3: the endpoint, e.g. `http://127.0.0.1:9000` for MinIO.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// S3: the region (default `us-east-1`).
    #[serde(default)]
    pub region: Option<String>,
    /// S3: allow plain HTTP (loopback or a trusted LAN only).
    #[serde(default)]
    pub allow_http: bool,
    /// S3: access key id; the standard AWS variables are used when absent.
    #[serde(default)]
    pub access_key_id: Option<Secret<String>>,
    /// S3: secret key (inline, or `{ file | env | credential = … }`); never printed.
    #[serde(default)]
    pub secret_access_key: Option<SecretSource>,
    /// S3: a file holding the secret key (the same as `secret_access_key = { file = … }`).
    #[serde(default)]
    pub secret_access_key_file: Option<PathBuf>,
    /// How many times a failed request is retried, with backoff.
    #[serde(default = "default_retries")]
    pub max_retries: usize,
    /// How long one request may take before it is retried.
    #[serde(default)]
    pub timeout: Option<Span>,
    /// S3: every object eqvault writes is locked (S3 Object Lock) for this long.
    #[serde(default)]
    pub lock: Option<LockConfig>,
    /// The medium this store is on, named by the office: stores with the same
    /// name are one copy (`backup_copies`). Without it, local stores on one
    /// device are one medium, and so are the prefixes of one bucket.
    #[serde(default)]
    pub medium: Option<String>,
}

/// `lock = { mode, keep, max }` on an S3 store: the retention every object
/// eqvault writes there gets. The bucket must have Object Lock enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockConfig {
    /// `governance` (an account with the bypass permission can still delete)
    /// or `compliance` (nobody can, not even the bucket's owner, until it passes).
    #[serde(default)]
    pub mode: LockMode,
    /// How long each object stays locked from when it is written (default 30 days).
    #[serde(default = "default_keep")]
    pub keep: Span,
    /// The longest retention eqvault ever asks for (default 3 years): the
    /// quarterly copies are locked for the quarterly retention, at most this
    /// far ahead, and extended while eqvault runs.
    #[serde(default = "default_max")]
    pub max: Span,
}

/// The S3 Object Lock retention mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LockMode {
    /// Deletable before its date only with `s3:BypassGovernanceRetention`.
    #[default]
    Governance,
    /// Deletable by nobody before its date.
    Compliance,
}

impl LockMode {
    /// As S3 writes it.
    pub fn as_s3(self) -> &'static str {
        match self {
            LockMode::Governance => "GOVERNANCE",
            LockMode::Compliance => "COMPLIANCE",
        }
    }
}

fn default_keep() -> Span {
    Span::Seconds(30 * 86_400)
}

fn default_max() -> Span {
    Span::Months(36)
}

fn default_retries() -> usize {
    3
}

/// A store's URL as written. It may carry `user:password@`: `Debug` and
/// `Display` print it without ([`super::redact_url`]); the whole text is
/// read through `Deref` where the store is opened.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct StoreUrl(String);

impl Deref for StoreUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for StoreUrl {
    fn from(s: String) -> StoreUrl {
        StoreUrl(s)
    }
}

impl From<&str> for StoreUrl {
    fn from(s: &str) -> StoreUrl {
        StoreUrl(s.to_string())
    }
}

impl PartialEq<String> for StoreUrl {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<str> for StoreUrl {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for StoreUrl {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", super::redact_url(&self.0))
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::redact_url(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_config_prints_no_credential() {
        let c: StoreConfig = toml::from_str(
            "url = \"s3://AKIAUSER:s3cr3t@bucket/p\"\naccess_key_id = \"AKIAID\"\nsecret_access_key = \"SECRETKEY\"\n",
        )
        .unwrap();
        let shown = format!("{c:?} {}", c.url);
        for s in ["s3cr3t", "AKIAUSER", "AKIAID", "SECRETKEY"] {
            assert!(!shown.contains(s), "{s} in {shown}");
        }
        assert!(shown.contains("bucket/p"), "{shown}");
        assert_eq!(&*c.url, "s3://AKIAUSER:s3cr3t@bucket/p");
    }
}
