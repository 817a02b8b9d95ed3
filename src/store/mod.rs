//! Object stores chosen by URL (a folder, `file://`, `s3://bucket/prefix`): put-if-absent, streaming upload, bounded retries.
//!
//! This is the async edge of eqvault: everything here speaks `object_store`.
//! Nothing in a store is ever overwritten: small objects are written with
//! `PutMode::Create`, and streamed objects go to fresh keys that are checked
//! first. A local store is made durable (fsync of file and folder) before a
//! write is reported done.

mod fanout;
pub mod marker;
pub mod signed;
pub use fanout::{FanOut, Upload};
pub use marker::{MARKER_KEY, Marker, MarkerState};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
    RetryConfig, WriteMultipart,
};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::config::StoreConfig;

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
        "the store folder {0} does not exist or is not a folder: mount the disk or NAS, or create the folder (eqvault init creates it)"
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

/// An open store.
#[derive(Debug, Clone)]
pub struct Store {
    /// The URL as printed (no credentials).
    pub label: String,
    inner: Arc<dyn ObjectStore>,
    local_root: Option<PathBuf>,
}

/// What a streaming upload receives.
#[derive(Debug)]
pub enum Chunk {
    /// Bytes to append.
    Data(Bytes),
    /// Everything was sent: complete the upload.
    Commit,
}

/// The part size of streaming uploads (S3 needs at least 5 MiB).
const PART_BYTES: usize = 8 << 20;
/// Parts in flight per upload; bounds memory to about `PART_BYTES * PARTS_IN_FLIGHT`.
const PARTS_IN_FLIGHT: usize = 3;

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
                let fs =
                    LocalFileSystem::new_with_prefix(&root).map_err(|e| StoreError::Request {
                        store: label.clone(),
                        key: String::new(),
                        detail: e.to_string(),
                    })?;
                Ok(Store {
                    label,
                    inner: Arc::new(fs),
                    local_root: Some(root),
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
                let mut b = AmazonS3Builder::from_env()
                    .with_bucket_name(&bucket)
                    .with_retry(retry)
                    .with_client_options(
                        ClientOptions::new()
                            .with_timeout(timeout)
                            .with_connect_timeout(Duration::from_secs(5))
                            .with_allow_http(cfg.allow_http),
                    );
                if let Some(e) = &cfg.endpoint {
                    b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
                }
                b = b.with_allow_http(cfg.allow_http);
                if let Some(r) = &cfg.region {
                    b = b.with_region(r);
                } else if std::env::var_os("AWS_REGION").is_none()
                    && std::env::var_os("AWS_DEFAULT_REGION").is_none()
                {
                    b = b.with_region("us-east-1");
                }
                if let Some(k) = &cfg.access_key_id {
                    b = b.with_access_key_id(k);
                }
                if let Some(s) = &cfg.secret_access_key {
                    b = b.with_secret_access_key(s);
                }
                let s3 = b.build().map_err(|e| StoreError::BadUrl {
                    url: label.clone(),
                    why: e.to_string(),
                })?;
                let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(PrefixStore::new(s3, prefix.as_str()))
                };
                Ok(Store {
                    label,
                    inner,
                    local_root: None,
                })
            }
        }
    }

    fn err(&self, key: &str, e: object_store::Error) -> StoreError {
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
            other => StoreError::Request {
                store: self.label.clone(),
                key: key.to_string(),
                detail: flatten_error(&other),
            },
        }
    }

    /// Writes a small object only if the key is absent.
    ///
    /// # Errors
    /// [`StoreError::Exists`] when it is there already; others on failure.
    pub async fn put_if_absent(&self, key: &str, bytes: Bytes) -> Result<(), StoreError> {
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        self.inner
            .put_opts(&Key::from(key), PutPayload::from(bytes), opts)
            .await
            .map_err(|e| self.err(key, e))?;
        self.make_durable(key)
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
        let key = key.to_string();
        let task = tokio::spawn(async move { store.upload(&key, rx).await });
        (tx, task)
    }

    async fn upload(&self, key: &str, mut rx: mpsc::Receiver<Chunk>) -> Result<u64, StoreError> {
        if self.head(key).await?.is_some() {
            return Err(StoreError::Exists {
                store: self.label.clone(),
                key: key.to_string(),
            });
        }
        let up = self
            .inner
            .put_multipart(&Key::from(key))
            .await
            .map_err(|e| self.err(key, e))?;
        let mut w = WriteMultipart::new_with_chunk_size(up, PART_BYTES);
        let mut n = 0u64;
        loop {
            match rx.recv().await {
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
                    self.make_durable(key)?;
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

    /// For a local store, fsyncs the file and its folder so a power cut cannot undo a reported write.
    fn make_durable(&self, key: &str) -> Result<(), StoreError> {
        let Some(root) = &self.local_root else {
            return Ok(());
        };
        let path = root.join(key);
        let io = |what: &str, source| StoreError::Io {
            store: self.label.clone(),
            what: format!("{what} {}", path.display()),
            source,
        };
        std::fs::File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(|e| io("cannot flush", e))?;
        if let Some(dir) = path.parent() {
            sync_dir(dir).map_err(|e| io("cannot flush the folder of", e))?;
        }
        Ok(())
    }

    /// The object's length and time, or `None` when absent.
    ///
    /// # Errors
    /// [`StoreError::Request`] when the store cannot answer.
    pub async fn head(&self, key: &str) -> Result<Option<Listed>, StoreError> {
        match self.inner.head(&Key::from(key)).await {
            Ok(m) => Ok(Some(Listed {
                key: key.to_string(),
                size: m.size,
                modified: m.last_modified,
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.err(key, e)),
        }
    }

    /// Every object under `prefix`.
    ///
    /// # Errors
    /// [`StoreError::Request`].
    pub async fn list(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let p = Key::from(prefix);
        let mut s = self.inner.list(Some(&p));
        let mut out = Vec::new();
        while let Some(m) = s.next().await {
            let m = m.map_err(|e| self.err(prefix, e))?;
            out.push(Listed {
                key: m.location.to_string(),
                size: m.size,
                modified: m.last_modified,
            });
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// Reads a small object whole.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] or [`StoreError::Request`].
    pub async fn get_bytes(&self, key: &str) -> Result<Bytes, StoreError> {
        let r = self
            .inner
            .get(&Key::from(key))
            .await
            .map_err(|e| self.err(key, e))?;
        r.bytes().await.map_err(|e| self.err(key, e))
    }

    /// Reads a small object whole, refusing one longer than `max` bytes before
    /// holding more than that in memory (records read from a store may be planted).
    ///
    /// # Errors
    /// [`StoreError::TooLarge`], [`StoreError::NotFound`] or [`StoreError::Request`].
    pub async fn get_bytes_max(&self, key: &str, max: u64) -> Result<Bytes, StoreError> {
        let r = self
            .inner
            .get(&Key::from(key))
            .await
            .map_err(|e| self.err(key, e))?;
        let too_large = || StoreError::TooLarge {
            store: self.label.clone(),
            key: key.to_string(),
            limit: max,
        };
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

    /// The object's bytes as a stream of chunks.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] or [`StoreError::Request`]; each chunk may fail too.
    pub async fn get_stream(
        &self,
        key: &str,
    ) -> Result<futures::stream::BoxStream<'static, Result<Bytes, StoreError>>, StoreError> {
        let r = self
            .inner
            .get(&Key::from(key))
            .await
            .map_err(|e| self.err(key, e))?;
        let this = self.clone();
        let k = key.to_string();
        Ok(r.into_stream()
            .map(move |c| c.map_err(|e| this.err(&k, e)))
            .boxed())
    }

    /// Streams an object into `out`, returning its SHA-256 and length.
    ///
    /// # Errors
    /// Store errors, or [`StoreError::Io`] writing `out`.
    pub async fn get_to(
        &self,
        key: &str,
        out: &mut (impl tokio::io::AsyncWrite + Unpin),
        progress: &dyn crate::ops::Progress,
    ) -> Result<(String, u64), StoreError> {
        use tokio::io::AsyncWriteExt;
        let r = self
            .inner
            .get(&Key::from(key))
            .await
            .map_err(|e| self.err(key, e))?;
        let mut stream = r.into_stream();
        let mut h = Sha256::new();
        let mut n = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.err(key, e))?;
            h.update(&chunk);
            n += chunk.len() as u64;
            progress.advance(chunk.len() as u64);
            out.write_all(&chunk)
                .await
                .map_err(|source| StoreError::Io {
                    store: self.label.clone(),
                    what: format!("cannot write the download of {key}"),
                    source,
                })?;
        }
        out.flush().await.map_err(|source| StoreError::Io {
            store: self.label.clone(),
            what: format!("cannot write the download of {key}"),
            source,
        })?;
        Ok((hex::encode(h.finalize()), n))
    }

    /// Deletes an object (absent is fine).
    ///
    /// # Errors
    /// [`StoreError::Request`].
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.inner.delete(&Key::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.err(key, e)),
        }
    }

    /// The local folder, for a local store.
    pub fn local_root(&self) -> Option<&Path> {
        self.local_root.as_deref()
    }

    /// Uploads to a local store cut off mid-way (kill -9, power cut): object_store
    /// stages a streamed upload as `KEY#N` beside its key, renames it on completion,
    /// and never lists it, so nothing else would ever remove one. Empty for S3.
    pub fn local_staging(&self, prefix: &str) -> Vec<Listed> {
        let Some(root) = &self.local_root else {
            return Vec::new();
        };
        walkdir::WalkDir::new(root.join(prefix))
            .follow_links(false)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.rsplit_once('#'))
                    .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
            .filter_map(|e| {
                let key = e.path().strip_prefix(root).ok()?.to_str()?.to_string();
                let meta = e.metadata().ok()?;
                Some(Listed {
                    key,
                    size: meta.len(),
                    modified: meta.modified().ok()?.into(),
                })
            })
            .collect()
    }

    /// Removes what [`Store::local_staging`] found.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn remove_local_staging(&self, key: &str) -> Result<(), StoreError> {
        let Some(root) = &self.local_root else {
            return Ok(());
        };
        match std::fs::remove_file(root.join(key)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io {
                store: self.label.clone(),
                what: format!("cannot remove the cut-off upload {key}"),
                source: e,
            }),
            _ => Ok(()),
        }
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// An error and its sources on one line (object_store's, and the schedule's job reasons).
pub(crate) fn flatten_error(e: &dyn std::error::Error) -> String {
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
            url: d.path().to_string_lossy().into_owned(),
            endpoint: None,
            region: None,
            allow_http: false,
            access_key_id: None,
            secret_access_key: None,
            max_retries: 0,
            timeout: None,
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
