//! Object stores chosen by URL (a folder, `file://`, `s3://bucket/prefix`): put-if-absent, streaming upload, bounded retries.
//!
//! This is the async edge of eqvault: everything here speaks `object_store`.
//! Nothing in a store is ever overwritten: small objects are written with
//! `PutMode::Create`, and streamed objects go to fresh keys that are checked
//! first. A local store is made durable (fsync of file and folder) before a
//! write is reported done.

mod config;
mod fanout;
mod local;
pub mod marker;
mod s3;
pub mod signed;
pub use config::{LockConfig, LockMode, StoreConfig, StoreUrl};
pub use fanout::{FanOut, Upload};
pub use marker::{MARKER_KEY, Marker, MarkerState};
pub use s3::{BucketLock, Retention};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::client::{HttpConnector as _, ReqwestConnector};
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutMode, PutMultipartOptions,
    PutOptions, PutPayload, RetryConfig, WriteMultipart,
};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

/// Errors talking to a store. Messages name the store and the key, never a credential.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL's scheme is not one eqvault speaks.
    #[error("unknown store scheme in {0:?}: use a folder path, file:///path or s3://bucket/prefix")]
    Scheme(String),
    /// A URL that cannot be read.
    #[error("cannot read the store URL {url:?}: {why}")]
    BadUrl {
        /// The URL (redacted).
        url: String,
        /// What is wrong.
        why: String,
    },
    /// A local store whose folder is missing.
    #[error(
        "the store folder {0} does not exist or is not a folder: mount the disk or NAS it belongs on, or, for a new store, `eqvault store add {0} --create-store` creates it and writes its marker"
    )]
    MissingFolder(PathBuf),
    /// The key is not in the store.
    #[error("{key} is not in store {store}")]
    NotFound {
        /// The store.
        store: String,
        /// The key.
        key: String,
    },
    /// The key exists and eqvault never overwrites.
    #[error("{key} already exists in store {store}; eqvault never overwrites an object")]
    Exists {
        /// The store.
        store: String,
        /// The key.
        key: String,
    },
    /// Any other failure, after the configured retries.
    #[error(
        "store {store} failed on {key}: {detail}. Check that the store is reachable and the credentials are right"
    )]
    Request {
        /// The store.
        store: String,
        /// The key (or prefix).
        key: String,
        /// What object_store said.
        detail: String,
    },
    /// An S3 listing that holds a name object_store cannot take (control
    /// characters, `..`): eqvault never writes one, so someone else did. The
    /// S3 client refuses the whole page of the listing, so until the object is
    /// removed eqvault cannot see that part of the store; it says so rather
    /// than call the store unreachable. (Local stores skip such a name.)
    #[error(
        "store {store} lists a name eqvault never writes, {key} (someone with write access to the store put it there); the S3 client refuses the listing of {prefix} while it is there, so that part of the store cannot be read: remove that object with your S3 tool (for instance `aws s3api list-objects-v2 --encoding-type url --prefix …` to find it, then `aws s3api delete-object`) and run again"
    )]
    UnlistableKey {
        /// The store.
        store: String,
        /// The prefix listed.
        prefix: String,
        /// The name, escaped for a terminal.
        key: String,
    },
    /// The store answered, and refused: credentials that may not do this (a
    /// write-only key, a bucket policy) or an object it protects (Object Lock).
    #[error(
        "store {store} refused {key}: {detail}. The credentials may not do this here (a write-only key, a bucket policy) or the object is protected (Object Lock); nothing else was changed"
    )]
    Denied {
        /// The store.
        store: String,
        /// The key.
        key: String,
        /// What it said.
        detail: String,
    },
    /// Local I/O (durability, temporary files).
    #[error("store {store}: {what}: {source}")]
    Io {
        /// The store.
        store: String,
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// An entry of a local store that is no regular file (a symlink, fifo,
    /// device), or a key that is no valid key: never read or written through.
    #[error("{key} in store {store} is foreign: {why}")]
    Foreign {
        /// The store.
        store: String,
        /// The key (escaped).
        key: String,
        /// What it is.
        why: String,
    },
    /// An object far larger than what eqvault ever writes at that key.
    #[error(
        "{key} in store {store} is larger than {limit} bytes, more than eqvault ever writes there; it was not read (it was not made by eqvault)"
    )]
    TooLarge {
        /// The store.
        store: String,
        /// The key.
        key: String,
        /// The limit.
        limit: u64,
    },
    /// A local store without its trusted marker.
    #[error(
        "the store {store} is not an eqvault store: {why}. Is the NAS or disk mounted? Nothing was written there. If it is mounted and new, run `eqvault store add {store}` to write its marker"
    )]
    NoMarker {
        /// The store.
        store: String,
        /// What is wrong with the marker.
        why: String,
    },
    /// An S3 store with no credentials anywhere eqvault (object_store) looks.
    #[error(
        "store {store} has no credentials: none in its [[store]] (access_key_id with secret_access_key or secret_access_key_file) nor in the variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY{imds}. Set them and run again; nothing was written there"
    )]
    NoCredentials {
        /// The store.
        store: String,
        /// What was tried besides, when anything was.
        imds: &'static str,
    },
    /// An object S3 Object Lock protects until a date: eqvault never asks to delete it.
    #[error(
        "{key} in store {store} is locked (S3 Object Lock) until {until}; it stays until then, and prune removes it after"
    )]
    Locked {
        /// The store.
        store: String,
        /// The key.
        key: String,
        /// Until when.
        until: chrono::DateTime<chrono::Utc>,
    },
    /// The upload was abandoned before it was committed.
    #[error(
        "the upload of {key} to {store} was abandoned before it completed; nothing was committed"
    )]
    Abandoned {
        /// The store.
        store: String,
        /// The key.
        key: String,
    },
}

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local folder (NAS mount, external disk).
    Local(PathBuf),
    /// An S3 bucket and key prefix.
    S3 {
        /// The bucket.
        bucket: String,
        /// The prefix inside it, without slashes at either end.
        prefix: String,
    },
}

impl Location {
    /// Reads a store URL.
    ///
    /// # Errors
    /// [`StoreError::Scheme`] or [`StoreError::BadUrl`].
    pub fn parse(url: &str) -> Result<Location, StoreError> {
        let u = url.trim();
        // `s3:/bucket/x` or `s3:bucket/x` is no folder named "s3:": say how it is spelt.
        if u.get(..3).is_some_and(|h| h.eq_ignore_ascii_case("s3:")) && !u.starts_with("s3://") {
            let rest = u[3..].trim_start_matches('/');
            return Err(StoreError::BadUrl {
                url: redact_url(u),
                why: format!(
                    "an S3 store is written s3://bucket/prefix, with two slashes (did you mean s3://{rest}?); a local folder is written as a path"
                ),
            });
        }
        if let Some(rest) = u.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(StoreError::BadUrl {
                    url: redact_url(u),
                    why: "no bucket: write s3://bucket/prefix".into(),
                });
            }
            return Ok(Location::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
            });
        }
        if let Some(rest) = u.strip_prefix("file://") {
            let p = url::Url::parse(u)
                .ok()
                .and_then(|x| x.to_file_path().ok())
                .unwrap_or_else(|| PathBuf::from(rest));
            return Ok(Location::Local(p));
        }
        if let Some((scheme, _)) = u.split_once("://") {
            return Err(StoreError::Scheme(scheme.to_string()));
        }
        if u.is_empty() {
            return Err(StoreError::BadUrl {
                url: String::new(),
                why: "empty".into(),
            });
        }
        Ok(Location::Local(PathBuf::from(u)))
    }
}

/// The medium a store is on, for counting independent copies: the name the
/// office gave it (`medium`); a local folder's device; an S3 bucket at its
/// endpoint (every prefix of a bucket is one medium). `None` when it cannot be
/// told (a folder that cannot be read): such a store counts on its own.
pub fn medium(cfg: &StoreConfig) -> Option<String> {
    if let Some(m) = &cfg.medium {
        return Some(format!("named:{}", m.trim()));
    }
    match Location::parse(&cfg.url).ok()? {
        Location::Local(p) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                std::fs::metadata(&p)
                    .ok()
                    .map(|m| format!("device:{}", m.dev()))
            }
            #[cfg(not(unix))]
            {
                let _ = p;
                None
            }
        }
        // AWS bucket names are global: the bucket alone, whatever the region.
        Location::S3 { bucket, .. } => Some(format!(
            "s3:{}/{bucket}",
            cfg.endpoint
                .as_deref()
                .map(|e| e.trim_end_matches('/').to_ascii_lowercase())
                .unwrap_or_else(|| "aws".to_string())
        )),
    }
}

/// A URL safe to print: any `user:password@` part removed.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host))
                if !rest.split('/').next().unwrap_or("").is_empty()
                    && rest.find('@') < rest.find('/') =>
            {
                format!("{scheme}://<redacted>@{host}")
            }
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// One listed object.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Its key.
    pub key: String,
    /// Its length.
    pub size: u64,
    /// When it was last written.
    pub modified: chrono::DateTime<chrono::Utc>,
}

/// Checks a key as it enters eqvault from a listing, or before it names a file:
/// valid text, no control characters, no empty, `.` or `..` part, no leading or
/// trailing slash. What fails is named (escaped) and never used.
///
/// # Errors
/// What is wrong with it.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > 1024 {
        return Err("an empty or overlong key".into());
    }
    if key.chars().any(|c| c.is_control()) {
        return Err("a key with control characters".into());
    }
    if key
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return Err("a key with an empty, `.` or `..` part".into());
    }
    Ok(())
}

/// Drops the empty "folders" an S3 console makes (`Create folder` writes a
/// zero-byte key ending in `/`, e.g. `eqvault/snapshots/`) from `listed`
/// (sorted by key) under `prefix`: they are no record and no stranger's
/// object, and named as foreign they would fail `status` for good.
///
/// object_store hands such a key back without its slash, so it is known by
/// where it stands: a zero-byte key that is the listed prefix itself (a key
/// `prefix` without the slash is never listed under `prefix/`), or a folder
/// above other listed keys (those are judged on their own). A lone zero-byte
/// key below the prefix may be a stranger's empty object: it stays named.
fn drop_folder_markers(listed: &mut Vec<Listed>, prefix: &str) {
    let keys: Vec<String> = listed
        .iter()
        .filter(|l| l.size == 0)
        .map(|l| l.key.clone())
        .filter(|k| {
            let below = format!("{k}/");
            let i = listed.partition_point(|l| l.key < below);
            k == prefix || listed.get(i).is_some_and(|l| l.key.starts_with(&below))
        })
        .collect();
    if !keys.is_empty() {
        tracing::debug!(folders = ?keys, "empty folder keys ignored");
        listed.retain(|l| l.size != 0 || keys.binary_search(&l.key).is_err());
    }
}

/// What a store lives on.
#[derive(Debug, Clone)]
enum Backend {
    /// A local folder, through a handle that cannot leave it.
    Local(local::Local),
    /// Anything object_store speaks (S3).
    Remote(Arc<dyn ObjectStore>),
}

/// An open store.
#[derive(Debug, Clone)]
pub struct Store {
    /// The URL as printed (no credentials).
    pub label: String,
    backend: Backend,
    /// Where this handle's keys live in the store: `vaults/<id>/` for a
    /// vault, empty for the store's root (the marker, and vaults made
    /// before there were vaults).
    scope: String,
    /// S3: the requests object_store does not make (Object Lock).
    s3: Option<Arc<s3::Api>>,
    /// S3: the retention every object written gets (`[[store]] lock`).
    lock: Option<LockConfig>,
}

/// What a streaming upload receives.
#[derive(Debug)]
pub enum Chunk {
    /// Bytes to append.
    Data(Bytes),
    /// Everything was sent: complete the upload.
    Commit,
}

/// Where vaults live in a store: `vaults/<id>/snapshots/…`, one folder each.
pub const VAULTS: &str = "vaults";

/// Whether `s` can be a vault id: 1 to 64 of `a-z`, `0-9`, `-`.
pub fn is_vault_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A new vault id.
pub fn new_vault_id() -> String {
    format!("v-{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff)
}

/// The part size of streaming uploads (S3 needs at least 5 MiB).
const PART_BYTES: usize = 8 << 20;
/// Parts in flight per upload; bounds memory to about `PART_BYTES * PARTS_IN_FLIGHT`.
const PARTS_IN_FLIGHT: usize = 3;
/// Chunks read from a local file at a time.
const READ_BYTES: usize = 1 << 20;

impl Store {
    /// Opens the store a config entry describes. A local folder must exist.
    ///
    /// # Errors
    /// [`StoreError`] for a bad URL, a missing folder or an S3 setting the client refuses.
    pub fn open(cfg: &StoreConfig) -> Result<Store, StoreError> {
        let label = redact_url(&cfg.url);
        match Location::parse(&cfg.url)? {
            Location::Local(root) => {
                if !root.is_dir() {
                    return Err(StoreError::MissingFolder(root));
                }
                let l = local::Local::open(&root).map_err(|source| StoreError::Io {
                    store: label.clone(),
                    what: "cannot open the store folder".into(),
                    source,
                })?;
                if cfg.lock.is_some() {
                    return Err(StoreError::BadUrl {
                        url: label,
                        why: "`lock` is for S3 stores with Object Lock; a folder is protected by the NAS's own read-only snapshots (README, \"Protecting backups from ransomware\")".into(),
                    });
                }
                Ok(Store {
                    label,
                    backend: Backend::Local(l),
                    scope: String::new(),
                    s3: None,
                    lock: None,
                })
            }
            Location::S3 { bucket, prefix } => {
                let retry = RetryConfig {
                    backoff: BackoffConfig {
                        init_backoff: Duration::from_millis(200),
                        max_backoff: Duration::from_secs(5),
                        base: 2.0,
                    },
                    max_retries: cfg.max_retries,
                    retry_timeout: Duration::from_secs(120),
                };
                let timeout = cfg
                    .timeout
                    .map(|s| Duration::from_secs(s.approx_seconds()))
                    .unwrap_or(Duration::from_secs(60));
                let options = ClientOptions::new()
                    .with_timeout(timeout)
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_allow_http(cfg.allow_http);
                let credentials = s3::Credentials::default();
                let mut b = AmazonS3Builder::from_env()
                    .with_bucket_name(&bucket)
                    // A SHA-256 on every PUT and part: a bucket with Object Lock refuses
                    // uploads without an integrity checksum (as AWS does), and the
                    // server checks each one arrived whole.
                    .with_checksum_algorithm(object_store::aws::Checksum::SHA256)
                    .with_retry(retry)
                    .with_http_connector(s3::Connector {
                        credentials: credentials.clone(),
                    })
                    .with_client_options(options.clone());
                if let Some(e) = &cfg.endpoint {
                    b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
                }
                b = b.with_allow_http(cfg.allow_http);
                let region = cfg
                    .region
                    .clone()
                    .or_else(|| std::env::var("AWS_REGION").ok())
                    .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
                    .unwrap_or_else(|| "us-east-1".to_string());
                b = b.with_region(&region);
                if let Some(k) = &cfg.access_key_id {
                    b = b.with_access_key_id(k.expose());
                }
                // Without a key in the config or the environment, object_store asks the
                // cloud's instance-metadata service (169.254.169.254), which only a VM in
                // that cloud has. With an endpoint of one's own (MinIO, a NAS, another
                // provider) no such service can hold its keys: say what is missing now,
                // not after a timeout naming an address nobody configured.
                let from_env = [
                    "AWS_ACCESS_KEY_ID",
                    "AWS_WEB_IDENTITY_TOKEN_FILE",
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                ]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
                if cfg.access_key_id.is_none() && !from_env && cfg.endpoint.is_some() {
                    return Err(StoreError::NoCredentials {
                        store: label,
                        imds: "",
                    });
                }
                if let Some(s) = cfg.secret_access_key.as_ref().and_then(|s| s.value()) {
                    b = b.with_secret_access_key(s);
                }
                let s3 = b.build().map_err(|e| StoreError::BadUrl {
                    url: label.clone(),
                    why: e.to_string(),
                })?;
                let _ = credentials.set(s3.credentials().clone());
                let api = s3::Api {
                    s3: s3.clone(),
                    http: ReqwestConnector::default().connect(&options).map_err(|e| {
                        StoreError::BadUrl {
                            url: label.clone(),
                            why: e.to_string(),
                        }
                    })?,
                    region,
                    prefix: prefix.clone(),
                    bucket: tokio::sync::OnceCell::new(),
                };
                let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(PrefixStore::new(s3, prefix.as_str()))
                };
                Ok(Store {
                    label,
                    backend: Backend::Remote(inner),
                    scope: String::new(),
                    s3: Some(Arc::new(api)),
                    lock: cfg.lock,
                })
            }
        }
    }

    fn err(&self, key: &str, e: object_store::Error) -> StoreError {
        // object_store's last resort for credentials is the instance-metadata service:
        // its failure means there were none anywhere else.
        if flatten_raw(&e).contains("169.254.169.254") {
            return StoreError::NoCredentials {
                store: self.label.clone(),
                imds: ", and this machine has no cloud instance-metadata service (169.254.169.254) to give them",
            };
        }
        match e {
            object_store::Error::NotFound { .. } => StoreError::NotFound {
                store: self.label.clone(),
                key: key.to_string(),
            },
            object_store::Error::AlreadyExists { .. }
            | object_store::Error::Precondition { .. } => StoreError::Exists {
                store: self.label.clone(),
                key: key.to_string(),
            },
            object_store::Error::InvalidPath { source } => StoreError::UnlistableKey {
                store: self.label.clone(),
                prefix: key.to_string(),
                key: match &source {
                    object_store::path::Error::BadSegment { path, .. }
                    | object_store::path::Error::EmptySegment { path }
                    | object_store::path::Error::NonUnicode { path, .. } => {
                        crate::sanitize::for_terminal(path).into_owned()
                    }
                    other => crate::sanitize::for_terminal(&other.to_string()).into_owned(),
                },
            },
            e @ (object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. }) => StoreError::Denied {
                store: self.label.clone(),
                key: key.to_string(),
                detail: flatten_error(&e),
            },
            other => StoreError::Request {
                store: self.label.clone(),
                key: key.to_string(),
                detail: flatten_error(&other),
            },
        }
    }

    /// A key as object_store takes it, as it is: `Path::from` would percent-encode a `%`
    /// (writing `%25…`), so that what is read back under the same key is another object.
    /// This store seen from vault `vault`: every key below `vaults/<vault>/`
    /// (`None`: the root, where vaults made before there were vaults live).
    pub fn in_vault(mut self, vault: Option<&str>) -> Store {
        self.scope = vault.map(|v| format!("{VAULTS}/{v}/")).unwrap_or_default();
        self
    }

    /// The vault this handle reads, if any.
    pub fn vault(&self) -> Option<&str> {
        self.scope
            .strip_prefix(&format!("{VAULTS}/"))
            .and_then(|v| v.strip_suffix('/'))
    }

    /// The same store at its root (its marker; the list of vaults).
    pub fn root(&self) -> Store {
        Store {
            scope: String::new(),
            ..self.clone()
        }
    }

    /// The key in the store for this handle's `key`.
    fn sk(&self, key: &str) -> String {
        format!("{}{key}", self.scope)
    }

    /// This handle's key for a key listed in the store.
    fn unscope(&self, key: String) -> String {
        match key.strip_prefix(&self.scope) {
            Some(k) if !self.scope.is_empty() => k.to_string(),
            _ => key,
        }
    }

    fn key(&self, key: &str) -> Result<Key, StoreError> {
        Key::parse(key).map_err(|e| StoreError::Foreign {
            store: self.label.clone(),
            key: crate::sanitize::for_terminal(key).into_owned(),
            why: e.to_string(),
        })
    }

    fn io(&self, key: &str, what: &str, e: std::io::Error) -> StoreError {
        let key = crate::sanitize::for_terminal(key).into_owned();
        match e.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound {
                store: self.label.clone(),
                key,
            },
            std::io::ErrorKind::AlreadyExists => StoreError::Exists {
                store: self.label.clone(),
                key,
            },
            std::io::ErrorKind::InvalidInput => StoreError::Foreign {
                store: self.label.clone(),
                key,
                why: e.to_string(),
            },
            // A local store opens each folder without following links: one of
            // them is a planted link (or a file). The store is at fault, not
            // what was being copied into it.
            std::io::ErrorKind::NotADirectory => StoreError::Foreign {
                store: self.label.clone(),
                key,
                why: format!("{PLANTED_FOLDER}; move it away, then run the command again"),
            },
            _ => StoreError::Io {
                store: self.label.clone(),
                what: format!("{what} {key}"),
                source: e,
            },
        }
    }

    /// The retention a write made now gets (`[[store]] lock`), if any.
    fn write_retention(&self) -> Option<Retention> {
        self.lock.map(|l| Retention {
            mode: l.mode,
            until: l.keep.after(chrono::Utc::now()),
        })
    }

    /// The lock settings of this store, if any.
    pub fn lock(&self) -> Option<LockConfig> {
        self.lock
    }

    /// Checks that an object completed from parts carries the retention asked at
    /// its creation, and sets it when the server did not apply it (moto, some
    /// S3-compatible servers): the object is protected from its completion on,
    /// or the upload fails loudly.
    async fn locked_from_completion(&self, key: &str, r: Retention) -> Result<(), StoreError> {
        let api = self.s3.as_ref().expect("an S3 store");
        let fail = |why: String| StoreError::Request {
            store: self.label.clone(),
            key: key.to_string(),
            detail: format!("the object was written but could not be locked: {why}"),
        };
        match api.retention(key).await.map_err(fail)? {
            Some(have) if have.until >= r.until - chrono::Duration::minutes(1) => Ok(()),
            _ => api.set_retention(key, r).await.map_err(fail),
        }
    }

    /// The retention an object carries now (S3 Object Lock); `None` for a local
    /// store, an object without one, or an absent object.
    ///
    /// # Errors
    /// [`StoreError::Request`] when the store cannot answer.
    pub async fn retention(&self, key: &str) -> Result<Option<Retention>, StoreError> {
        let Some(api) = &self.s3 else {
            return Ok(None);
        };
        let key = &*self.sk(key);
        api.retention(key)
            .await
            .map_err(|detail| StoreError::Request {
                store: self.label.clone(),
                key: key.to_string(),
                detail,
            })
    }

    /// Lengthens an object's retention to `until` (never shortens it; a no-op on
    /// a store without `lock`). Returns the retention it now has.
    ///
    /// # Errors
    /// [`StoreError::Request`] when the store refuses or cannot answer.
    pub async fn extend_retention(
        &self,
        key: &str,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Retention>, StoreError> {
        let (Some(api), Some(lock)) = (&self.s3, self.lock) else {
            return Ok(None);
        };
        let key = &*self.sk(key);
        let fail = |detail: String| StoreError::Request {
            store: self.label.clone(),
            key: key.to_string(),
            detail,
        };
        let have = api.retention(key).await.map_err(fail)?;
        if let Some(h) = have
            && h.until >= until
        {
            return Ok(have);
        }
        // A compliance lock stays compliance; governance can be raised to it.
        let mode = match have {
            Some(h) if h.mode == LockMode::Compliance => LockMode::Compliance,
            _ => lock.mode,
        };
        let r = Retention { mode, until };
        api.set_retention(key, r).await.map_err(fail)?;
        Ok(Some(r))
    }

    /// Whether this store's bucket has Object Lock (`None`: a local store).
    ///
    /// # Errors
    /// [`StoreError::Request`] when the bucket cannot be asked.
    pub async fn bucket_lock(&self) -> Result<Option<BucketLock>, StoreError> {
        let Some(api) = &self.s3 else {
            return Ok(None);
        };
        api.bucket_lock()
            .await
            .map(Some)
            .map_err(|detail| StoreError::Request {
                store: self.label.clone(),
                key: "?object-lock".into(),
                detail,
            })
    }

    /// Whether this store's bucket keeps versions (`None`: a local store).
    ///
    /// # Errors
    /// [`StoreError::Request`] when the bucket cannot be asked.
    pub async fn versioned(&self) -> Result<Option<bool>, StoreError> {
        let Some(api) = &self.s3 else {
            return Ok(None);
        };
        api.versioned()
            .await
            .map(Some)
            .map_err(|detail| StoreError::Request {
                store: self.label.clone(),
                key: "?versioning".into(),
                detail,
            })
    }

    /// Writes a small object only if the key is absent.
    ///
    /// # Errors
    /// [`StoreError::Exists`] when it is there already; others on failure.
    pub async fn put_if_absent(&self, key: &str, bytes: Bytes) -> Result<(), StoreError> {
        self.put_new(key, bytes, self.write_retention()).await
    }

    /// Writes a probe only if the key is absent: on a store with `lock`, locked
    /// for a day only (the shortest S3 takes), so that `doctor`'s probes do
    /// not stay for `lock.keep`.
    ///
    /// # Errors
    /// As [`Store::put_if_absent`].
    pub async fn put_probe(&self, key: &str, bytes: Bytes) -> Result<(), StoreError> {
        let short = self.lock.map(|l| Retention {
            mode: l.mode,
            until: chrono::Utc::now() + chrono::Duration::days(1),
        });
        self.put_new(key, bytes, short).await
    }

    async fn put_new(
        &self,
        key: &str,
        bytes: Bytes,
        retention: Option<Retention>,
    ) -> Result<(), StoreError> {
        let key = &*self.sk(key);
        match &self.backend {
            Backend::Local(l) => l
                .put_new(key, &bytes)
                .map_err(|e| self.io(key, "cannot write", e)),
            Backend::Remote(inner) => {
                let mut opts = PutOptions {
                    mode: PutMode::Create,
                    ..Default::default()
                };
                if let Some(r) = retention {
                    opts.extensions.insert(r);
                }
                inner
                    .put_opts(&self.key(key)?, PutPayload::from(bytes), opts)
                    .await
                    .map_err(|e| self.err(key, e))?;
                Ok(())
            }
        }
    }

    /// Streams an object to a fresh key: send [`Chunk::Data`] then [`Chunk::Commit`]
    /// into the returned channel and await the task. Dropping the sender without
    /// `Commit` aborts the upload, and nothing appears under the key.
    pub fn start_upload(
        &self,
        key: &str,
        depth: usize,
    ) -> (
        mpsc::Sender<Chunk>,
        tokio::task::JoinHandle<Result<u64, StoreError>>,
    ) {
        let (tx, rx) = mpsc::channel(depth);
        let store = self.clone();
        let key = self.sk(key);
        let task = tokio::spawn(async move {
            // Counted until this task ends, so that a stopping eqvault waits for the abort.
            let _counted = crate::stop::Upload::start();
            match &store.backend {
                Backend::Local(l) => store.upload_local(l, &key, rx).await,
                Backend::Remote(inner) => store.upload(inner, &key, rx).await,
            }
        });
        (tx, task)
    }

    async fn upload_local(
        &self,
        l: &local::Local,
        key: &str,
        mut rx: mpsc::Receiver<Chunk>,
    ) -> Result<u64, StoreError> {
        use std::io::Write;
        let mut staged = l.stage(key).map_err(|e| self.io(key, "cannot write", e))?;
        let mut n = 0u64;
        loop {
            match next_chunk(&mut rx).await {
                Some(Chunk::Data(b)) => {
                    n += b.len() as u64;
                    staged
                        .write_all(&b)
                        .map_err(|e| self.io(key, "cannot write", e))?;
                }
                Some(Chunk::Commit) => {
                    staged
                        .commit()
                        .map_err(|e| self.io(key, "cannot complete", e))?;
                    return Ok(n);
                }
                // Dropping the staged file removes it: nothing appears under the key.
                None => {
                    return Err(StoreError::Abandoned {
                        store: self.label.clone(),
                        key: key.to_string(),
                    });
                }
            }
        }
    }

    async fn upload(
        &self,
        inner: &Arc<dyn ObjectStore>,
        key: &str,
        mut rx: mpsc::Receiver<Chunk>,
    ) -> Result<u64, StoreError> {
        // `key` is already the store's key (scoped by `start_upload`): ask at the root,
        // or a vault's folder would be prefixed twice and nothing ever found.
        if self.root().head(key).await?.is_some() {
            return Err(StoreError::Exists {
                store: self.label.clone(),
                key: key.to_string(),
            });
        }
        let retention = self.write_retention();
        let mut opts = PutMultipartOptions::default();
        if let Some(r) = retention {
            opts.extensions.insert(r);
        }
        let up = inner
            .put_multipart_opts(&self.key(key)?, opts)
            .await
            .map_err(|e| self.err(key, e))?;
        let mut w = WriteMultipart::new_with_chunk_size(up, PART_BYTES);
        let mut n = 0u64;
        loop {
            match next_chunk(&mut rx).await {
                Some(Chunk::Data(b)) => {
                    if let Err(e) = w.wait_for_capacity(PARTS_IN_FLIGHT).await {
                        let _ = w.abort().await;
                        return Err(self.err(key, e));
                    }
                    n += b.len() as u64;
                    w.put(b);
                }
                Some(Chunk::Commit) => {
                    // The parts first: when one failed, its error is the one to report
                    // (finish() would report the abort's instead, e.g. a DELETE that failed).
                    if let Err(e) = w.wait_for_capacity(0).await {
                        let _ = w.abort().await;
                        return Err(self.err(key, e));
                    }
                    w.finish().await.map_err(|e| self.err(key, e))?;
                    if let Some(r) = retention {
                        self.locked_from_completion(key, r).await?;
                    }
                    return Ok(n);
                }
                None => {
                    let _ = w.abort().await;
                    return Err(StoreError::Abandoned {
                        store: self.label.clone(),
                        key: key.to_string(),
                    });
                }
            }
        }
    }

    /// The object's length and time, or `None` when absent.
    ///
    /// # Errors
    /// [`StoreError::Request`] when the store cannot answer; [`StoreError::Foreign`]
    /// when a local key is no regular file.
    pub async fn head(&self, key: &str) -> Result<Option<Listed>, StoreError> {
        let asked = key;
        let key = &*self.sk(key);
        match &self.backend {
            Backend::Local(l) => l
                .head(key)
                .map(|o| {
                    o.map(|mut l| {
                        l.key = asked.to_string();
                        l
                    })
                })
                .map_err(|e| self.io(key, "cannot read", e)),
            Backend::Remote(inner) => match inner.head(&self.key(key)?).await {
                Ok(m) => Ok(Some(Listed {
                    key: asked.to_string(),
                    size: m.size,
                    modified: m.last_modified,
                })),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(self.err(key, e)),
            },
        }
    }

    /// Every object under `prefix` with a valid key, and what else is there: keys
    /// that are no valid key, and (local stores) symlinks, fifos and devices,
    /// escaped for a terminal. Nothing foreign is ever read.
    ///
    /// # Errors
    /// [`StoreError::Request`].
    pub async fn list_all(&self, prefix: &str) -> Result<(Vec<Listed>, Vec<String>), StoreError> {
        let (listed, foreign) = self.list_scoped(&self.sk(prefix)).await?;
        Ok((
            listed
                .into_iter()
                .map(|mut l| {
                    l.key = self.unscope(l.key);
                    l
                })
                .collect(),
            foreign.into_iter().map(|k| self.unscope(k)).collect(),
        ))
    }

    async fn list_scoped(&self, prefix: &str) -> Result<(Vec<Listed>, Vec<String>), StoreError> {
        match &self.backend {
            Backend::Local(l) => {
                let f = l
                    .list(prefix)
                    .map_err(|e| self.io(prefix, "cannot list", e))?;
                Ok((f.listed, f.foreign))
            }
            Backend::Remote(inner) => {
                let p = self.key(prefix)?;
                let mut s = inner.list(Some(&p));
                let mut out = Vec::new();
                let mut foreign = Vec::new();
                while let Some(m) = s.next().await {
                    let m = m.map_err(|e| self.err(prefix, e))?;
                    let key = m.location.to_string();
                    if check_key(&key).is_err() {
                        foreign.push(crate::sanitize::for_terminal(&key).into_owned());
                        continue;
                    }
                    out.push(Listed {
                        key,
                        size: m.size,
                        modified: m.last_modified,
                    });
                }
                out.sort_by(|a, b| a.key.cmp(&b.key));
                drop_folder_markers(&mut out, p.as_ref());
                Ok((out, foreign))
            }
        }
    }

    /// Every object under `prefix` with a valid key (what else is there is logged).
    ///
    /// # Errors
    /// [`StoreError::Request`].
    pub async fn list(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let (listed, foreign) = self.list_all(prefix).await?;
        for f in &foreign {
            tracing::warn!(store = %self.label, key = %f, "foreign entry in the store, ignored");
        }
        Ok(listed)
    }

    /// Reads a small object whole.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] or [`StoreError::Request`].
    pub async fn get_bytes(&self, key: &str) -> Result<Bytes, StoreError> {
        self.get_bytes_max(key, u64::MAX).await
    }

    /// Reads a small object whole, refusing one longer than `max` bytes before
    /// holding more than that in memory (records read from a store may be planted).
    ///
    /// # Errors
    /// [`StoreError::TooLarge`], [`StoreError::NotFound`] or [`StoreError::Request`].
    pub async fn get_bytes_max(&self, key: &str, max: u64) -> Result<Bytes, StoreError> {
        let key = &*self.sk(key);
        let too_large = || StoreError::TooLarge {
            store: self.label.clone(),
            key: key.to_string(),
            limit: max,
        };
        match &self.backend {
            Backend::Local(l) => match l.read(key, max) {
                Ok(b) => Ok(Bytes::from(b)),
                Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => Err(too_large()),
                Err(e) => Err(self.io(key, "cannot read", e)),
            },
            Backend::Remote(inner) => {
                let r = inner
                    .get(&self.key(key)?)
                    .await
                    .map_err(|e| self.err(key, e))?;
                if r.meta.size > max {
                    return Err(too_large());
                }
                let mut stream = r.into_stream();
                let mut out = Vec::with_capacity(usize::try_from(max.min(1 << 16)).unwrap_or(0));
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.map_err(|e| self.err(key, e))?;
                    if (out.len() + chunk.len()) as u64 > max {
                        return Err(too_large());
                    }
                    out.extend_from_slice(&chunk);
                }
                Ok(Bytes::from(out))
            }
        }
    }

    /// The object's bytes as a stream of chunks.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] or [`StoreError::Request`]; each chunk may fail too.
    pub async fn get_stream(
        &self,
        key: &str,
    ) -> Result<futures::stream::BoxStream<'static, Result<Bytes, StoreError>>, StoreError> {
        let key = &*self.sk(key);
        let this = self.clone();
        let k = key.to_string();
        match &self.backend {
            Backend::Local(l) => {
                let f = l
                    .open_file(key)
                    .map_err(|e| self.io(key, "cannot read", e))?;
                let stream = futures::stream::unfold(Some(f), move |f| {
                    let (this, k) = (this.clone(), k.clone());
                    async move {
                        use std::io::Read;
                        let mut f = f?;
                        let mut buf = vec![0u8; READ_BYTES];
                        match f.read(&mut buf) {
                            Ok(0) => None,
                            Ok(n) => {
                                buf.truncate(n);
                                Some((Ok(Bytes::from(buf)), Some(f)))
                            }
                            Err(e) => Some((Err(this.io(&k, "cannot read", e)), None)),
                        }
                    }
                });
                Ok(stream.boxed())
            }
            Backend::Remote(inner) => {
                let r = inner
                    .get(&self.key(key)?)
                    .await
                    .map_err(|e| self.err(key, e))?;
                Ok(r.into_stream()
                    .map(move |c| c.map_err(|e| this.err(&k, e)))
                    .boxed())
            }
        }
    }

    /// Streams an object into `out`, returning its SHA-256 and length.
    ///
    /// # Errors
    /// Store errors, or [`StoreError::Io`] writing `out`.
    pub async fn get_to(
        &self,
        key: &str,
        out: &mut (impl tokio::io::AsyncWrite + Unpin),
        progress: &dyn crate::progress::Progress,
    ) -> Result<(String, u64), StoreError> {
        use tokio::io::AsyncWriteExt;
        let mut stream = self.get_stream(key).await?;
        let mut h = Sha256::new();
        let mut n = 0u64;
        let write_err = |source| StoreError::Io {
            store: self.label.clone(),
            what: format!("cannot write the download of {key}"),
            source,
        };
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            h.update(&chunk);
            n += chunk.len() as u64;
            progress.advance(chunk.len() as u64);
            out.write_all(&chunk).await.map_err(write_err)?;
        }
        out.flush().await.map_err(write_err)?;
        Ok((hex::encode(h.finalize()), n))
    }

    /// Deletes an object (absent is fine).
    ///
    /// # Errors
    /// [`StoreError::Request`].
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        // A locked object is never asked to go: in a versioned bucket (every bucket
        // with Object Lock) the delete would "succeed" with a delete marker that hides
        // the copy while it stays, locked and paid for.
        let guarded = match &self.s3 {
            Some(api) => self.lock.is_some() || api.may_lock().await,
            None => false,
        };
        if guarded
            && let Some(r) = self.retention(key).await?
            && r.until > chrono::Utc::now()
        {
            return Err(StoreError::Locked {
                store: self.label.clone(),
                key: crate::sanitize::for_terminal(key).into_owned(),
                until: r.until,
            });
        }
        let key = &*self.sk(key);
        match &self.backend {
            Backend::Local(l) => l.delete(key).map_err(|e| self.io(key, "cannot remove", e)),
            Backend::Remote(inner) => match inner.delete(&self.key(key)?).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(self.err(key, e)),
            },
        }
    }

    /// The local folder, for a local store.
    pub fn local_root(&self) -> Option<&Path> {
        match &self.backend {
            Backend::Local(l) => Some(l.root()),
            Backend::Remote(_) => None,
        }
    }

    /// Uploads to a local store cut off mid-way (kill -9, power cut) leave a
    /// staging file `KEY#N` beside their key that no listing shows, so nothing
    /// else would ever remove one. Empty for S3.
    pub fn local_staging(&self, prefix: &str) -> Vec<Listed> {
        match &self.backend {
            Backend::Local(l) => l
                .list(&self.sk(prefix))
                .map(|f| f.staging)
                .unwrap_or_default()
                .into_iter()
                .map(|mut l| {
                    l.key = self.unscope(l.key);
                    l
                })
                .collect(),
            Backend::Remote(_) => Vec::new(),
        }
    }

    /// Removes what [`Store::local_staging`] found.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn remove_local_staging(&self, key: &str) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Local(l) => l
                .remove_staging(&self.sk(key))
                .map_err(|e| self.io(key, "cannot remove the cut-off upload", e)),
            Backend::Remote(_) => Ok(()),
        }
    }
}

/// The next chunk of an upload, or `None` (abort) when the sender is gone or
/// eqvault is stopping: after a stop request nothing is committed, and the
/// abort goes out at once rather than when the sender notices.
async fn next_chunk(rx: &mut mpsc::Receiver<Chunk>) -> Option<Chunk> {
    let stop = crate::stop::token();
    tokio::select! {
        biased;
        () = stop.cancelled() => None,
        c = rx.recv() => c,
    }
}

/// An error and its sources on one line (object_store's, and the schedule's job reasons).
impl StoreError {
    /// The store it happened in, as printed (none for a URL that is no store yet).
    pub fn store(&self) -> Option<String> {
        match self {
            StoreError::Scheme(_) | StoreError::BadUrl { .. } => None,
            StoreError::MissingFolder(p) => Some(p.to_string_lossy().into_owned()),
            StoreError::NotFound { store, .. }
            | StoreError::Exists { store, .. }
            | StoreError::Request { store, .. }
            | StoreError::UnlistableKey { store, .. }
            | StoreError::Denied { store, .. }
            | StoreError::Io { store, .. }
            | StoreError::Foreign { store, .. }
            | StoreError::TooLarge { store, .. }
            | StoreError::NoMarker { store, .. }
            | StoreError::NoCredentials { store, .. }
            | StoreError::Locked { store, .. }
            | StoreError::Abandoned { store, .. } => Some(store.clone()),
        }
    }
}

/// What a local store says when a folder on a key's way is a link or a file.
const PLANTED_FOLDER: &str =
    "a folder on its way is a symbolic link or a file: eqvault never reads or writes through one";

/// A store's failure in one short line for a person (what happened, in
/// words), from the full text an outcome carries: the S3 client's
/// "Generic S3 error: Error performing HEAD … after 3 retries, max_retries:
/// 3, retry_timeout: 120s - HTTP error: … Connection refused" becomes
/// "did not answer (connection refused) after 4 tries". The full text stays
/// in `--json` and behind `-v`.
pub fn brief(detail: &str) -> crate::lang::Msg {
    use crate::lang::Msg;
    // Judged on the words of the failure, never on a name the admin chose: a
    // URL, a path or a key (anything with a '/') and the client's retry
    // settings are left out, so that a bucket called `ssl-backups` or a
    // folder `timeout-test` does not read as a TLS problem or a timeout.
    let words: String = detail
        .split_whitespace()
        .filter(|w| {
            !w.contains('/') && !w.starts_with("retry_timeout") && !w.starts_with("max_retries")
        })
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let has = |list: &[&str]| list.iter().any(|w| words.contains(w));
    let tries = words
        .split("after ")
        .skip(1)
        .find_map(|rest| {
            let (n, tail) = rest.split_once(' ')?;
            tail.starts_with("retries")
                .then(|| n.parse::<u32>().ok())
                .flatten()
        })
        .map(|r| r + 1);
    let unreachable = |why: &'static str| {
        let m = Msg::new(match tries {
            Some(_) => "store-brief-unreachable-tries",
            None => "store-brief-unreachable",
        })
        .arg_msg("why", Msg::new(why));
        match tries {
            Some(n) => m.arg("tries", n),
            None => m,
        }
    };
    if let Some(rest) = detail.split("lists a name eqvault never writes, ").nth(1) {
        // Someone planted a name the S3 client refuses: say which, and how to remove it.
        let key = rest.split(" (someone").next().unwrap_or(rest);
        Msg::new("store-brief-foreign-name").arg("key", key)
    } else if detail.contains(PLANTED_FOLDER) {
        Msg::new("store-brief-planted-folder")
    } else if has(&["has no credentials"]) {
        Msg::new("store-brief-no-credentials")
    } else if has(&["is not an eqvault store"]) && has(&["not trusted", "signature"]) {
        Msg::new("store-brief-marker-untrusted")
    } else if has(&["is not an eqvault store"]) {
        Msg::new("store-brief-not-a-store")
    } else if has(&["does not exist or is not a folder"]) {
        Msg::new("store-brief-no-folder")
    } else if has(&["the same store as"]) {
        Msg::new("store-brief-same-store")
    } else if has(&["no space left on device", "disk quota exceeded"]) {
        Msg::new("store-brief-io").arg_msg("why", Msg::new("io-full"))
    } else if has(&["read-only file system"]) {
        Msg::new("store-brief-io").arg_msg("why", Msg::new("io-read-only"))
    } else if has(&["connection refused"]) {
        unreachable("store-why-refused")
    } else if has(&[
        "dns error",
        "failed to lookup address",
        "name or service not known",
    ]) {
        unreachable("store-why-dns")
    } else if has(&["no route to host", "network is unreachable"]) {
        unreachable("store-why-no-route")
    } else if has(&["timed out", "deadline has elapsed"]) {
        unreachable("store-why-timeout")
    } else if has(&["connection reset", "broken pipe", "connection closed"]) {
        unreachable("store-why-reset")
    } else if has(&["nosuchbucket"]) {
        Msg::new("store-brief-no-bucket")
    } else if has(&[
        "invalidaccesskeyid",
        "signaturedoesnotmatch",
        "accessdenied",
        "403 forbidden",
        "status 403",
    ]) {
        Msg::new("store-brief-denied")
    } else if has(&["permission denied"]) {
        Msg::new("store-brief-io").arg_msg("why", Msg::new("io-permission"))
    } else if has(&["certificate", "tls handshake", "invalid peer certificate"]) {
        unreachable("store-why-tls")
    } else {
        // Something else: its innermost cause (the text after the last ": "), short.
        let inner = detail
            .trim_end_matches('.')
            .rsplit(": ")
            .next()
            .unwrap_or(detail);
        let inner = inner.split(". ").next().unwrap_or(inner);
        let mut short: String = inner.chars().take(100).collect();
        if inner.chars().count() > 100 {
            short.push('…');
        }
        Msg::new("store-brief-other").arg("why", short)
    }
}

pub(crate) fn flatten_error(e: &dyn std::error::Error) -> String {
    // A store's own message can quote a planted key: never let it reach a terminal raw.
    crate::sanitize::for_terminal(&flatten_raw(e)).into_owned()
}

fn flatten_raw(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_folder_keys_are_dropped_and_a_lone_empty_object_is_not() {
        let l = |key: &str, size: u64| Listed {
            key: key.into(),
            size,
            modified: chrono::Utc::now(),
        };
        let mut listed = vec![
            l("eq/snapshots", 0),
            l("eq/snapshots/a.json", 10),
            l("eq/snapshots/lone", 0),
            l("eq/snapshots/sub", 0),
            l("eq/snapshots/sub-x", 3),
            l("eq/snapshots/sub/x", 5),
            l("eq/snapshots/written", 7),
        ];
        drop_folder_markers(&mut listed, "eq/snapshots");
        let keys: Vec<&str> = listed.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "eq/snapshots/a.json",
                "eq/snapshots/lone",
                "eq/snapshots/sub-x",
                "eq/snapshots/sub/x",
                "eq/snapshots/written"
            ]
        );
    }

    #[test]
    fn a_store_failure_is_said_briefly() {
        let s3 = "store s3://bkt/eq failed on vaults/v-1/snapshots/x: Generic S3 error: Error performing HEAD http://127.0.0.1:9/bkt/eq/x in 969.186114ms, after 3 retries, max_retries: 3, retry_timeout: 120s  - HTTP error: error sending request: client error (Connect): tcp connect error: Connection refused (os error 111). Check that the store is reachable and the credentials are right";
        let m = brief(s3);
        assert_eq!(m.id, "store-brief-unreachable-tries");
        let en = m.to_string();
        assert!(
            en.contains("connection refused") && en.contains("4 tries"),
            "{en}"
        );
        assert!(en.len() < 80, "{en}");
        assert_eq!(
            brief("AccessDenied: 403 Forbidden").id,
            "store-brief-denied"
        );
        assert_eq!(brief("odd. more").to_string(), "odd");
    }

    #[test]
    fn urls_are_read() {
        assert_eq!(
            Location::parse("/mnt/nas/eq").unwrap(),
            Location::Local("/mnt/nas/eq".into())
        );
        assert_eq!(
            Location::parse("file:///mnt/nas/eq").unwrap(),
            Location::Local("/mnt/nas/eq".into())
        );
        assert_eq!(
            Location::parse("s3://bkt/office/eq/").unwrap(),
            Location::S3 {
                bucket: "bkt".into(),
                prefix: "office/eq".into()
            }
        );
        assert!(matches!(Location::parse("ftp://x/y"), Err(StoreError::Scheme(s)) if s == "ftp"));
        for typo in ["s3:/backups/x", "s3:backups/x", "S3:/backups/x"] {
            match Location::parse(typo) {
                Err(StoreError::BadUrl { why, .. }) => {
                    assert!(why.contains("s3://backups/x"), "{typo}: {why}")
                }
                other => panic!("{typo} was read as {other:?}"),
            }
        }
    }

    #[test]
    fn credentials_in_urls_are_redacted() {
        assert_eq!(
            redact_url("s3://key:secret@bucket/p"),
            "s3://<redacted>@bucket/p"
        );
        assert_eq!(redact_url("s3://bucket/p@x"), "s3://bucket/p@x");
        assert_eq!(redact_url("/mnt/nas"), "/mnt/nas");
    }

    #[tokio::test]
    async fn local_store_never_overwrites() {
        let d = tempfile::tempdir().unwrap();
        let cfg = StoreConfig {
            url: d.path().to_string_lossy().into_owned().into(),
            endpoint: None,
            region: None,
            allow_http: false,
            access_key_id: None,
            secret_access_key: None,
            secret_access_key_file: None,
            max_retries: 0,
            timeout: None,
            lock: None,
            medium: None,
        };
        let s = Store::open(&cfg).unwrap();
        s.put_if_absent("a/b.json", Bytes::from_static(b"1"))
            .await
            .unwrap();
        let e = s
            .put_if_absent("a/b.json", Bytes::from_static(b"2"))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Exists { .. }));
        assert_eq!(&s.get_bytes("a/b.json").await.unwrap()[..], b"1");

        let (tx, task) = s.start_upload("big/obj", 4);
        tx.send(Chunk::Data(Bytes::from(vec![1u8; 10 << 20])))
            .await
            .unwrap();
        drop(tx);
        assert!(matches!(
            task.await.unwrap(),
            Err(StoreError::Abandoned { .. })
        ));
        assert!(
            s.list("big").await.unwrap().is_empty(),
            "an abandoned upload leaves nothing"
        );
    }
}
