//! Restore: download, decrypt, unpack and write in one pass beside the target, then put in place atomically.
//!
//! The restored file is checked against the signed manifest (object hash,
//! database hash) before it replaces anything. Matching hashes make it bit
//! for bit the file the backup checked, so `integrity_check`, the schema and
//! the row counts run again only with `--check full` or for a snapshot whose
//! manifest records no check (drills always run them). An existing target is
//! replaced only with `force`, and is kept as `*.before-restore` together with
//! its `-wal`/`-shm` files, which must never be left beside the restored file
//! (SQLite would replay them into it).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::verify::{Depth, read_data};
use super::{OpsError, Progress};
use crate::config::Config;
use crate::pack;

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreOutcome {
    /// The snapshot restored.
    pub id: String,
    /// Where the database now is.
    pub path: PathBuf,
    /// Its SHA-256.
    pub sha256: String,
    /// The store it came from.
    pub store: String,
    /// Its length.
    pub bytes: u64,
    /// Which check vouches for it: the backup's (`quick` or `full`, recorded in
    /// the signed manifest and proven by the database hash) or this restore's.
    pub integrity_check: crate::snapshot::Level,
    /// The check ran here (`--check full`, or a manifest that records none), not only at backup.
    pub checked_now: bool,
    /// Seconds from the start to the file in place.
    pub seconds: f64,
    /// Where the replaced file went, with --force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_restore: Option<PathBuf>,
    /// Stores whose newest snapshot is older than the one restored (`latest`):
    /// a copy not synced yet, or newer snapshots removed there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Restores snapshot `which` (`latest` or an id) to `target`.
///
/// Tries each store holding the snapshot in config order, so a damaged copy in
/// one store falls back to the other.
///
/// # Errors
/// [`OpsError`]: target exists without `force`, no identity, no such snapshot,
/// every copy failed its checks, the store failed mid-download, or this disk
/// refused the write ([`OpsError::LocalWrite`]); nothing is put in place then.
pub async fn restore(
    cfg: &Config,
    which: &str,
    target: &Path,
    identity: &Path,
    replace: Replace,
    depth: Depth,
    progress: Arc<dyn Progress>,
) -> Result<RestoreOutcome, OpsError> {
    let started = std::time::Instant::now();
    // `--to backups/` or `--to /var/lib/app`: the database is one file, and renaming a
    // whole folder aside to put a file in its place is never what was meant.
    let typed_as_folder = target.as_os_str().as_encoded_bytes().ends_with(b"/");
    let target = absolute(target);
    if typed_as_folder || target.is_dir() {
        return Err(OpsError::TargetIsFolder(target));
    }
    if target.exists() && !replace.force {
        return Err(OpsError::TargetExists(target));
    }
    let parent = target
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if !parent.is_dir() {
        return Err(OpsError::TargetFolder(target));
    }
    let identities = Arc::new(pack::keys::load_identities(identity)?);

    let vet = super::vetting(cfg, chrono::Utc::now())?;
    let mut sv = super::survey(cfg, &vet).await?;
    let all = sv.snapshots();
    if all.is_empty() {
        if let Some(e) = sv.not_trusted(None) {
            return Err(e);
        }
        return Err(match sv.first_error() {
            Some(e) => e.into(),
            None => OpsError::NoSnapshots,
        });
    }
    let mut notes = Vec::new();
    let view = if which == "latest" {
        let latest = all.first().cloned().expect("not empty");
        // Newer snapshots this host saw, gone from every store: refuse, naming them.
        if let Some(e) = sv.rolled_back(&latest) {
            return Err(e);
        }
        notes = sv.disagreements(&latest);
        super::guard::refuse_suspect(&sv, &vet, &latest).await?;
        latest
    } else {
        let id: crate::catalog::SnapshotId = which.parse()?;
        match all.iter().find(|v| v.meta.id == id) {
            Some(v) => v.clone(),
            None => {
                return Err(sv
                    .not_trusted(Some(&id))
                    .unwrap_or_else(|| OpsError::NoSuchSnapshot(which.to_string())));
            }
        }
    };

    // The identity must be one the snapshot was encrypted to: said before any
    // download, naming the key it needs, never as "the copies are damaged".
    if !pack::keys::is_a_recipient(&identities, &view.meta.recipients) {
        return Err(OpsError::NotARecipient {
            id: view.meta.id.to_string(),
            given: identities
                .iter()
                .map(|i| i.to_public().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            needs: view.meta.recipients.join(", "),
        });
    }

    // Unpack next to the target so the final rename is atomic on one filesystem. The
    // folder's name carries the pid: a restore killed mid-way (kill -9, power cut) leaves
    // its plaintext there, and the next restore into the same folder removes it.
    super::clean_dead_temps(&parent, ".eqvault-");
    crate::stop::scratch_in(&parent, ".eqvault-");
    let work = tempfile::Builder::new()
        .prefix(&format!(".eqvault-restore-{}-", std::process::id()))
        .tempdir_in(&parent)
        .map_err(OpsError::io("cannot create a temporary folder in", &parent))?;
    // Before the download: an application holding the file is named at once.
    refuse_if_open(&target, work.path(), replace)?;
    let mut failures = Vec::new();
    let mut wrong_identity = false;
    let wrong_key = pack::PackError::WrongIdentity.to_string();
    let mut blocked = None;
    let mut unreadable = Vec::new();
    for &i in &view.stores {
        let store = sv.stores[i].as_ref().expect("listed stores are open");
        let rd = read_data(
            store,
            &view.meta,
            &vet.trusted,
            identities.clone(),
            work.path(),
            depth,
            progress.as_ref(),
        )
        .await;
        if let (true, Some(manifest)) = (rd.checks.iter().all(|c| c.ok), rd.manifest.as_ref()) {
            let manifest = manifest.clone();
            let restored = work.path().join(pack::DATABASE_ENTRY);
            // A signal while this was downloading: nothing is put in place after it.
            if crate::stop::requested() {
                return Err(OpsError::Stopped);
            }
            // The application may have started while this was downloading.
            refuse_if_open(&target, work.path(), replace)?;
            as_private_as(&restored, &target, &cfg.database.path);
            let before = put_in_place(&restored, &target, replace.force)?;
            return Ok(RestoreOutcome {
                id: view.meta.id.to_string(),
                path: target,
                sha256: manifest.database_sha256,
                bytes: manifest.database_bytes,
                integrity_check: if rd.checks.iter().any(|c| c.name == "integrity_check") {
                    crate::snapshot::Level::Full
                } else {
                    manifest.integrity_level
                },
                checked_now: rd.checks.iter().any(|c| c.name == "integrity_check"),
                seconds: started.elapsed().as_secs_f64(),
                store: store.label.clone(),
                before_restore: before,
                notes,
            });
        }
        // Ctrl-C while it read: stopped, not a store or disk failure; no next store.
        if crate::stop::requested() {
            return Err(OpsError::Stopped);
        }
        if let Some(why) = rd.blocked {
            // The store or this disk failed, not the snapshot: say so, not "damaged".
            tracing::info!(store = %store.label, error = %why, "copy could not be read, trying the next store");
            unreadable.push(format!("{}: {why}", store.label));
            blocked.get_or_insert(why);
            continue;
        }
        wrong_identity |= rd
            .checks
            .iter()
            .any(|c| c.name == "decrypt_unpack" && !c.ok && c.detail == wrong_key);
        let bad: Vec<String> = rd
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{} ({}): {}", c.name, store.label, c.detail))
            .collect();
        tracing::info!(store = %store.label, "copy failed its checks, trying the next store");
        failures.push(bad.join("; "));
    }
    if failures.is_empty()
        && let Some(why) = blocked
    {
        // The work folder is gone by now: name the folder the user chose.
        return Err(match why {
            OpsError::LocalWrite { needed, source, .. } => OpsError::LocalWrite {
                dir: parent,
                needed,
                source,
            },
            other => other,
        });
    }
    failures.extend(unreadable);
    Err(OpsError::CheckFailed {
        id: view.meta.id.to_string(),
        detail: failures.join(" | "),
        wrong_identity,
    })
}

/// How far a restore may go with a target that exists.
#[derive(Debug, Clone, Copy, Default)]
pub struct Replace {
    /// Replace an existing file (kept as `*.before-restore`).
    pub force: bool,
    /// Replace it even when another process has it open.
    pub even_if_open: bool,
}

/// Refuses a target another process has open: the application would go on
/// writing to the old file, now under its `.before-restore` name, and every
/// change it made after the restore would be lost from the restored one.
fn refuse_if_open(target: &Path, scratch: &Path, replace: Replace) -> Result<(), OpsError> {
    if !target.exists() {
        return Ok(());
    }
    match crate::snapshot::holders(target, scratch) {
        Some(who) if !replace.even_if_open => Err(OpsError::TargetOpen {
            path: target.to_path_buf(),
            who,
        }),
        Some(who) => {
            tracing::warn!(path = %target.display(), holders = %who, "replacing a database another process has open (--even-if-open)");
            Ok(())
        }
        None => Ok(()),
    }
}

/// Gives the restored file the mode of the file it replaces, else of the live
/// database, else 0600: a restored copy of staff and equipment data is never
/// left world-readable by the umask (0644).
fn as_private_as(restored: &Path, target: &Path, live: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target)
            .or_else(|_| std::fs::metadata(live))
            .ok()
            .filter(|m| m.is_file())
            .map_or(0o600, |m| m.permissions().mode() & 0o777);
        if let Err(e) = std::fs::set_permissions(restored, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!(path = %restored.display(), error = %e, "cannot set the restored file's mode");
        }
    }
    #[cfg(not(unix))]
    let _ = (restored, target, live);
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// Moves the checked file to `target`. Without `force` the target must not
/// exist (a hard link refuses to replace); with it, the old file keeps a second
/// name aside, its `-wal`/`-shm` are moved there, and the restored file is
/// renamed over the target.
fn put_in_place(restored: &Path, target: &Path, force: bool) -> Result<Option<PathBuf>, OpsError> {
    let mut before = None;
    if force && target.exists() {
        let aside = free_name(target);
        // A second name for the old file, then one atomic rename over it: whenever this
        // is interrupted, the target holds the old database or the new one, never nothing.
        if std::fs::hard_link(target, &aside).is_err() {
            std::fs::rename(target, &aside).map_err(OpsError::io("cannot move aside", target))?;
        }
        for suffix in ["-wal", "-shm", "-journal"] {
            let side = sidecar(target, suffix);
            if side.exists() {
                let to = sidecar(&aside, suffix);
                std::fs::rename(&side, &to).map_err(OpsError::io("cannot move aside", &side))?;
            }
        }
        before = Some(aside);
        std::fs::rename(restored, target)
            .map_err(OpsError::io("cannot put the restored file at", target))?;
    } else {
        // A stale -wal/-shm of a deleted database would be replayed into the new file.
        for suffix in ["-wal", "-shm", "-journal"] {
            let side = sidecar(target, suffix);
            if side.exists() {
                let to = sidecar(&free_name(target), suffix);
                std::fs::rename(&side, &to).map_err(OpsError::io("cannot move aside", &side))?;
            }
        }
        std::fs::hard_link(restored, target).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                OpsError::TargetExists(target.to_path_buf())
            } else {
                OpsError::Io {
                    what: "cannot put the restored file at",
                    path: target.to_path_buf(),
                    source: e,
                }
            }
        })?;
        let _ = std::fs::remove_file(restored);
    }
    if let Some(Ok(d)) = target.parent().map(std::fs::File::open) {
        let _ = d.sync_all();
    }
    Ok(before)
}

fn sidecar(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// `X.before-restore`, or `X.before-restore-2`, … when taken.
fn free_name(target: &Path) -> PathBuf {
    let first = sidecar(target, ".before-restore");
    if !first.exists() && !sidecar(&first, "-wal").exists() {
        return first;
    }
    (2..)
        .map(|n| sidecar(target, &format!(".before-restore-{n}")))
        .find(|p| !p.exists() && !sidecar(p, "-wal").exists())
        .expect("some name is free")
}

impl super::Outcome for RestoreOutcome {
    fn verdict(&self) -> super::Verdict {
        super::Verdict::Ok
    }
}

impl super::Vault {
    /// Restores snapshot `which` (`latest` or an id) to `target` (see [`restore`]).
    ///
    /// # Errors
    /// As [`restore`].
    pub async fn restore(
        &self,
        which: &str,
        target: &Path,
        identity: &Path,
        replace: Replace,
        depth: Depth,
        progress: Arc<dyn Progress>,
    ) -> Result<RestoreOutcome, OpsError> {
        restore(
            self.config()?,
            which,
            target,
            identity,
            replace,
            depth,
            progress,
        )
        .await
    }
}
