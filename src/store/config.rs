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
