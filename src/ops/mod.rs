//! The operations that join the rooms: backup, restore, verify, the snapshot inventory.
//!
//! Each operation takes a validated [`Config`] and returns data;
//! the CLI decides how to show it. Progress is reported through [`Progress`].

pub mod adopt;
pub mod backup;
pub mod doctor;
pub mod drill;
pub mod inventory;
pub mod ledger;
pub mod prune;
pub mod restore;
pub mod seen;
pub mod setup;
pub mod status;
pub mod sync;
pub mod verify;

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::store::{Store, StoreError};
use crate::trust::{Signer, Vetting};

pub use backup::{BackupOutcome, backup};
pub use inventory::{Inventory, SnapshotView, inventory, merged};
pub use restore::{Replace, RestoreOutcome, restore};
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
    /// Signing keys.
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    /// The config file.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// Setting up.
    #[error(transparent)]
    Setup(#[from] setup::SetupError),
    /// The clock is behind the newest trusted snapshot.
    #[error(
        "this machine's clock says {now}, but snapshot {id} in {store} was made at {then}: the clock is wrong, or that snapshot was made while another clock was. Nothing was backed up. Fix the clock (timedatectl, NTP); if the snapshot's date is the wrong one, `eqvault backup --allow-clock-behind` backs up anyway"
    )]
    ClockBehind {
        /// The newest snapshot.
        id: String,
        /// Its store.
        store: String,
        /// Its time.
        then: String,
        /// This clock.
        now: String,
    },
    /// No store is configured.
    #[error("no store is configured: add a [[store]] with a url to {0}")]
    NoStore(PathBuf),
    /// Every store failed.
    #[error("every store failed, nothing was backed up:\n{0}")]
    AllStoresFailed(String),
    /// The snapshot asked for does not exist.
    #[error("no complete snapshot {0} in any store: list them with `eqvault snapshots`")]
    NoSuchSnapshot(String),
    /// What was asked for exists only as records that are not believed.
    #[error(
        "no trusted snapshot {what}: {detail}. Records not signed by a trusted key (or dated in the future) are never restored, drilled or counted; run `eqvault verify --all` to see each, and `eqvault snapshots` for the trusted ones"
    )]
    NotTrusted {
        /// `latest`, or the id.
        what: String,
        /// The untrusted records, briefly.
        detail: String,
    },
    /// No store holds a hold on this id.
    #[error("no store holds a hold on {0}: list what is held with `eqvault prune --dry-run`")]
    NoSuchHold(String),
    /// There is no snapshot at all.
    #[error("the stores hold no complete snapshot yet: run `eqvault backup` first")]
    NoSnapshots,
    /// Restore target exists.
    #[error(
        "{0} already exists; restore never overwrites a file unless told: pass --force (the old file is kept as *.before-restore), or restore --to a new path"
    )]
    TargetExists(PathBuf),
    /// Restore target is a folder.
    #[error(
        "--to {0} là một thư mục: hãy đưa đường dẫn tới một tệp (ví dụ {0}/equipment.db); không có gì bị thay đổi / --to {0} is a folder: give a file path (e.g. {0}/equipment.db); nothing was changed"
    )]
    TargetIsFolder(PathBuf),
    /// Restore target is a database another process has open.
    #[error(
        "{path} đang được một tiến trình khác mở ({who}): hãy dừng ứng dụng trước rồi chạy lại restore, hoặc thêm --even-if-open để vẫn thay thế; không có gì bị thay đổi / {path} is open in another process ({who}): stop the application first and run restore again, or pass --even-if-open to replace it anyway (the application would go on writing to the old file); nothing was changed"
    )]
    TargetOpen {
        /// The target.
        path: PathBuf,
        /// Who holds it, as far as can be seen.
        who: String,
    },
    /// eqvault received a stop signal before the operation finished.
    #[error("eqvault was stopped before it finished; nothing was committed")]
    Stopped,
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
    /// eqvault's own state folder refused a write: full, read-only, not a folder.
    #[error(
        "không ghi được vào thư mục trạng thái của eqvault {dir} ([state] dir): {why}. Cơ sở dữ liệu đang chạy không bị thay đổi và không có gì được lưu; hãy giải phóng chỗ trống ở đó{room_vi} hoặc sửa quyền ghi, hoặc đặt [state] dir sang một thư mục khác / cannot write in eqvault's state folder {dir} ([state] dir): {why}. The live database was not changed and nothing was stored; make room there{room_en} or make it writable for this user, or set [state] dir to another folder"
    )]
    StateFolder {
        /// The state folder (or the part of it that failed).
        dir: PathBuf,
        /// Why.
        why: String,
        /// How much room it needs, when known: " (cần khoảng …)".
        room_vi: String,
        /// The same in English: " (it needs about …)".
        room_en: String,
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

/// What readers believe for `cfg` at `now`: its trusted keys and clock skew.
///
/// # Errors
/// [`crate::trust::TrustError`] when no key is trusted: nothing could be believed.
pub fn vetting(cfg: &Config, now: chrono::DateTime<chrono::Utc>) -> Result<Vetting, OpsError> {
    let trusted = cfg.signing.trusted()?;
    let skew = chrono::Duration::seconds(
        i64::try_from(cfg.signing.clock_skew.approx_seconds()).unwrap_or(i64::MAX / 1000),
    );
    Ok(Vetting { trusted, now, skew })
}

/// This host's signing key, which must be one of the trusted keys.
///
/// # Errors
/// [`crate::trust::TrustError`]: no key configured, unreadable, or not trusted.
pub fn signer(cfg: &Config) -> Result<Signer, OpsError> {
    Ok(cfg.signing.signer()?)
}

/// Every configured store, opened and listed as far as each one allows.
pub struct Survey {
    /// Per store in config order: the store, when it opened.
    pub stores: Vec<Option<Store>>,
    /// Per store: what it holds, when it could be listed.
    pub invs: Vec<Option<Inventory>>,
    /// Per store: why it could not be opened or listed.
    pub errors: Vec<Option<StoreError>>,
    /// Per store: trusted snapshots seen there before and gone now.
    pub vanished: Vec<Vec<crate::catalog::SnapshotId>>,
    /// Per store: its marker, when it could be read.
    pub markers: Vec<Option<crate::store::MarkerState>>,
    /// Every store's label, in config order.
    pub labels: Vec<String>,
}

impl Survey {
    /// Complete snapshots across the stores that could be listed, newest first.
    pub fn snapshots(&self) -> Vec<SnapshotView> {
        merged(&self.invs)
    }

    /// When `what` (an id, or `None` for any) is held only by untrusted, unreadable
    /// or future-dated metadata, the error that says so.
    pub fn not_trusted(&self, what: Option<&crate::catalog::SnapshotId>) -> Option<OpsError> {
        let mut seen = Vec::new();
        for inv in self.invs.iter().flatten() {
            for (key, why) in inv.untrusted.iter().chain(&inv.unreadable) {
                if what.is_none_or(|id| key.contains(id.as_str())) {
                    seen.push(format!("{key} is not trusted ({why})"));
                }
            }
            for (id, (m, _)) in &inv.future {
                if what.is_none_or(|w| w == id) {
                    seen.push(format!(
                        "{id} is dated {} in the future",
                        m.created_at.to_rfc3339()
                    ));
                }
            }
        }
        if seen.is_empty() {
            return None;
        }
        let n = seen.len();
        seen.truncate(3);
        Some(OpsError::NotTrusted {
            what: what.map_or_else(|| "at all".to_string(), |id| id.to_string()),
            detail: if n > 3 {
                format!("{}; and {} more", seen.join("; "), n - 3)
            } else {
                seen.join("; ")
            },
        })
    }

    /// The first store error, if any.
    pub fn first_error(&mut self) -> Option<StoreError> {
        self.errors.iter_mut().find_map(Option::take)
    }
}

/// Opens and lists every store, reads its marker, and notes what vanished; a
/// store that fails is recorded (and logged), not fatal.
///
/// # Errors
/// [`OpsError::NoStore`] when no store is configured.
pub async fn survey(cfg: &Config, vet: &Vetting) -> Result<Survey, OpsError> {
    let mut sv = Survey {
        stores: Vec::new(),
        invs: Vec::new(),
        errors: Vec::new(),
        vanished: Vec::new(),
        markers: Vec::new(),
        labels: Vec::new(),
    };
    for (label, r) in open_stores(cfg)? {
        let (store, inv, err) = match r {
            Ok(s) => match inventory(&s, vet).await {
                Ok(i) => (Some(s), Some(i), None),
                Err(e) => (Some(s), None, Some(e)),
            },
            Err(e) => (None, None, Some(e)),
        };
        if let Some(e) = &err {
            tracing::warn!(store = %label, error = %e, "store unavailable");
        }
        let marker = match (&store, &inv) {
            (Some(s), Some(_)) => match s.marker(&vet.trusted).await {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::warn!(store = %label, error = %e, "cannot read the store marker");
                    None
                }
            },
            _ => None,
        };
        let vanished = match &inv {
            Some(i) => seen::observe(&cfg.state_dir, &label, i).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot record the snapshots seen; vanished snapshots are not checked");
                Vec::new()
            }),
            None => Vec::new(),
        };
        sv.stores.push(store);
        sv.invs.push(inv);
        sv.errors.push(err);
        sv.vanished.push(vanished);
        sv.markers.push(marker);
        sv.labels.push(label);
    }
    Ok(sv)
}

/// Drill records, holds and sealed-ledger records in `store` that are not
/// believed or dated in the future: (key, why).
///
/// # Errors
/// [`StoreError`] when the store cannot be listed or read.
pub async fn untrusted_records(
    store: &Store,
    vet: &Vetting,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::new();
    let d = drill::records(store, vet).await?;
    out.extend(d.rejected);
    for r in d.future {
        out.push((
            crate::sanitize::for_terminal(&r.key()).into_owned(),
            format!("dated {} in the future", r.started_at.to_rfc3339()),
        ));
    }
    out.extend(prune::holds(store, vet).await?.rejected);
    out.extend(ledger::sealed_records(store, vet).await?.rejected);
    out.sort();
    out.dedup();
    Ok(out)
}

/// Opens and lists every store for an operation that decides on the whole
/// picture or not at all (prune, sync, verify): any store that cannot be
/// opened, listed, or (for a local one) shows no trusted marker is an error.
///
/// # Errors
/// The first store's error.
pub async fn survey_all(
    cfg: &Config,
    vet: &Vetting,
    need_marker: bool,
) -> Result<Survey, OpsError> {
    let mut sv = survey(cfg, vet).await?;
    if let Some(e) = sv.first_error() {
        return Err(e.into());
    }
    if need_marker {
        for s in sv.stores.iter().flatten() {
            s.require_marker(&vet.trusted).await?;
        }
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
    crate::stop::scratch_in(&parent, "");
    tempfile::Builder::new()
        .prefix(&format!("{purpose}-{}-", std::process::id()))
        .tempdir_in(&parent)
        .map_err(|e| OpsError::state_folder(&parent, &e, None))
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
        .map_err(|e| OpsError::state_folder(dir, &e, None))
}

impl OpsError {
    /// The state folder `dir` refused a write; `needed` bytes of room, when known.
    pub(crate) fn state_folder(
        dir: &Path,
        why: &dyn std::fmt::Display,
        needed: Option<u64>,
    ) -> OpsError {
        let (room_vi, room_en) = match needed {
            Some(n) => {
                let mib = n.div_ceil(1 << 20);
                (
                    format!(" (cần khoảng {mib} MiB, bằng cỡ cơ sở dữ liệu)"),
                    format!(" (it needs about {mib} MiB, the size of the database)"),
                )
            }
            None => (String::new(), String::new()),
        };
        OpsError::StateFolder {
            dir: dir.to_path_buf(),
            why: why.to_string(),
            room_vi,
            room_en,
        }
    }
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
