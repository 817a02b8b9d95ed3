//! The operations that join the rooms: backup, restore, verify, the snapshot inventory.
//!
//! Each operation takes a validated [`Config`] and returns data;
//! the CLI decides how to show it. Progress is reported through [`Progress`].

pub mod backup;
pub mod drill;
pub mod inventory;
pub mod ledger;
pub mod prune;
pub mod restore;
pub mod status;
pub mod sync;
pub mod verify;

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::store::{Store, StoreError};

pub use backup::{BackupOutcome, backup};
pub use inventory::{Inventory, SnapshotView, inventory, merged};
pub use restore::{RestoreOutcome, restore};
pub use verify::{Check, VerifyResult, verify};

/// Progress reported by long operations; the CLI draws it, tests ignore it.
pub trait Progress: Send + Sync {
    /// A new phase starts, with a total in bytes when known.
    fn phase(&self, _name: &str, _total: Option<u64>) {}
    /// Bytes done in the current phase.
    fn advance(&self, _bytes: u64) {}
    /// The phase ended.
    fn done(&self) {}
}

/// A [`Progress`] that shows nothing.
pub struct Quiet;

impl Progress for Quiet {}

/// Errors of the operations: one room's error, or a decision the operation made.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Snapshot (SQLite) problems.
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    /// Packing problems.
    #[error(transparent)]
    Pack(#[from] crate::pack::PackError),
    /// Key problems.
    #[error(transparent)]
    Key(#[from] crate::pack::keys::KeyError),
    /// Store problems.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Catalog problems.
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    /// No store is configured.
    #[error("no store is configured: add a [[store]] with a url to {0}")]
    NoStore(PathBuf),
    /// Every store failed.
    #[error("every store failed, nothing was backed up:\n{0}")]
    AllStoresFailed(String),
    /// The snapshot asked for does not exist.
    #[error("no complete snapshot {0} in any store: list them with `eqvault snapshots`")]
    NoSuchSnapshot(String),
    /// There is no snapshot at all.
    #[error("the stores hold no complete snapshot yet: run `eqvault backup` first")]
    NoSnapshots,
    /// Restore target exists.
    #[error(
        "{0} already exists; restore never overwrites a file unless told: pass --force (the old file is kept as *.before-restore), or restore --to a new path"
    )]
    TargetExists(PathBuf),
    /// Restore target folder missing.
    #[error("the folder of {0} does not exist: create it or choose another --to")]
    TargetFolder(PathBuf),
    /// The object does not match its metadata.
    #[error(
        "the object {key} in {store} does not match its metadata ({detail}): it is corrupted or was tampered with"
    )]
    ObjectMismatch {
        /// The store.
        store: String,
        /// The object key.
        key: String,
        /// What differs.
        detail: String,
    },
    /// The snapshot failed a check (before anything was put in place).
    #[error(
        "snapshot {id} did not pass its checks, so nothing was restored or changed: {detail}. Try another snapshot (`eqvault snapshots`) or the copy in another store, and run `eqvault verify --all` to find damaged copies"
    )]
    CheckFailed {
        /// The snapshot.
        id: String,
        /// The failed checks.
        detail: String,
    },
    /// This machine refused to hold what a restore (or a drill) unpacks: disk full, read-only.
    #[error(
        "cannot write the restored database in {dir}: {source}. Nothing was changed; make room there (it needs about {needed} bytes) or restore --to another disk"
    )]
    LocalWrite {
        /// Where it was being written.
        dir: PathBuf,
        /// About how much room it needs (the object and the database).
        needed: u64,
        /// Why.
        source: std::io::Error,
    },
    /// Local file I/O.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A worker thread or task died.
    #[error("internal failure: {0}")]
    Internal(String),
}

impl OpsError {
    pub(crate) fn io(
        what: &'static str,
        path: &Path,
    ) -> impl FnOnce(std::io::Error) -> OpsError + use<> {
        let path = path.to_path_buf();
        move |source| OpsError::Io { what, path, source }
    }
}

/// A store's label and the result of opening it.
pub type OpenedStore = (String, Result<Store, StoreError>);

/// Opens every configured store, keeping each one's own result.
pub fn open_stores(cfg: &Config) -> Result<Vec<OpenedStore>, OpsError> {
    if cfg.stores.is_empty() {
        return Err(OpsError::NoStore(cfg.path.clone()));
    }
    Ok(cfg
        .stores
        .iter()
        .map(|s| (crate::store::redact_url(&s.url), Store::open(s)))
        .collect())
}

/// Every configured store, opened and listed as far as each one allows.
pub struct Survey {
    /// Per store in config order: the store, when it opened.
    pub stores: Vec<Option<Store>>,
    /// Per store: what it holds, when it could be listed.
    pub invs: Vec<Option<Inventory>>,
    /// Per store: why it could not be opened or listed.
    pub errors: Vec<Option<StoreError>>,
}

impl Survey {
    /// Complete snapshots across the stores that could be listed, newest first.
    pub fn snapshots(&self) -> Vec<SnapshotView> {
        merged(&self.invs)
    }

    /// The first store error, if any.
    pub fn first_error(&mut self) -> Option<StoreError> {
        self.errors.iter_mut().find_map(Option::take)
    }
}

/// Opens and lists every store; a store that fails is recorded (and logged), not fatal.
///
/// # Errors
/// [`OpsError::NoStore`] when no store is configured.
pub async fn survey(cfg: &Config) -> Result<Survey, OpsError> {
    let mut sv = Survey {
        stores: Vec::new(),
        invs: Vec::new(),
        errors: Vec::new(),
    };
    for (label, r) in open_stores(cfg)? {
        let (store, inv, err) = match r {
            Ok(s) => match inventory(&s).await {
                Ok(i) => (Some(s), Some(i), None),
                Err(e) => (Some(s), None, Some(e)),
            },
            Err(e) => (None, None, Some(e)),
        };
        if let Some(e) = &err {
            tracing::warn!(store = %label, error = %e, "store unavailable");
        }
        sv.stores.push(store);
        sv.invs.push(inv);
        sv.errors.push(err);
    }
    Ok(sv)
}

/// A private (0700) temporary folder under the state folder, removed when dropped.
///
/// Folders left by a process that died (kill -9, power cut) are removed first:
/// their names carry the pid, and a pid that no longer runs owns nothing.
pub fn private_temp(cfg: &Config, purpose: &str) -> Result<tempfile::TempDir, OpsError> {
    let parent = cfg.state_dir.join("tmp");
    create_private_dir(&parent)?;
    clean_stale_temps(&parent);
    tempfile::Builder::new()
        .prefix(&format!("{purpose}-{}-", std::process::id()))
        .tempdir_in(&parent)
        .map_err(OpsError::io(
            "cannot create a private temporary folder in",
            &parent,
        ))
}

/// Creates `dir` (and parents) with mode 0700 for the last component.
pub fn create_private_dir(dir: &Path) -> Result<(), OpsError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(OpsError::io("cannot create the folder", dir))
}

fn clean_stale_temps(parent: &Path) {
    clean_dead_temps(parent, "");
}

/// Removes the entries of `parent` named `{prefix}{word}-{pid}-…` whose process no longer runs.
pub(crate) fn clean_dead_temps(parent: &Path, prefix: &str) {
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        let pid = rest.split('-').nth(1).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = match e.file_type() {
                Ok(t) if t.is_dir() => std::fs::remove_dir_all(e.path()),
                _ => std::fs::remove_file(e.path()),
            };
        }
    }
}
