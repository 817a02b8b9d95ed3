//! One backup: consistent copy → integrity check → tar → zstd → age, streamed to every store at once.
//!
//! The object goes up first; the metadata, the mark of a complete snapshot, is
//! written after it and only when the copy passed `PRAGMA integrity_check`. If
//! anything fails before that, the uploads are aborted and nothing that looks
//! complete is left. The unencrypted copy lives only in a private temporary
//! folder that is removed on every exit path.

use std::io;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

use super::{OpsError, Outcome, Progress, Vault, Verdict};
use crate::catalog::{self, Manifest, Metadata, SnapshotId};
use crate::config::Config;
use crate::lang::Msg;
use crate::ledger;
use crate::pack::{self, Packer};
use crate::snapshot;
use crate::store::{FanOut, Store};

/// How a backup is made.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    /// The snapshot's time (tests set it to build a history).
    pub now: DateTime<Utc>,
    /// zstd level.
    pub level: i32,
    /// zstd worker threads.
    pub threads: u32,
    /// When cancelled (eqvault is stopping), the upload is dropped before its commit:
    /// nothing is completed and no metadata is written.
    pub cancel: Option<tokio_util::sync::CancellationToken>,
    /// Back up even when this clock is behind the newest trusted snapshot.
    pub allow_clock_behind: bool,
    /// A planned deletion (`--expect-drop`): the deletion guard does not
    /// judge this snapshot against the previous one.
    pub expect_drop: bool,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions {
            now: Utc::now(),
            level: 3,
            threads: std::thread::available_parallelism()
                .map(|n| n.get() as u32)
                .unwrap_or(1),
            cancel: None,
            allow_clock_behind: false,
            expect_drop: false,
        }
    }
}

/// One store's result.
#[derive(Debug, Clone, Serialize)]
pub struct StoreOutcome {
    /// The store (no credentials).
    pub url: String,
    /// Whether it holds the complete snapshot.
    pub ok: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a backup made.
#[derive(Debug, Clone)]
pub struct BackupOutcome {
    /// The metadata written beside the object.
    pub metadata: Metadata,
    /// Per store, in config order.
    pub stores: Vec<StoreOutcome>,
    /// Things to show that did not fail the backup (e.g. the ledger not stored somewhere).
    pub warnings: Vec<Msg>,
    /// Seconds from the start to the last store's metadata.
    pub seconds: f64,
    /// The snapshot before it, held: the deletion guard found the data
    /// dropped abnormally (the figures are in `metadata.suspect`).
    pub held: Option<String>,
}

impl serde::Serialize for BackupOutcome {
    /// `backup --json`: `{"id", "created_at", "bytes", "database_bytes", "sha256", "object", "stores"}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            id: &'a SnapshotId,
            created_at: &'a chrono::DateTime<chrono::FixedOffset>,
            bytes: u64,
            database_bytes: u64,
            sha256: &'a str,
            object: &'a str,
            stores: &'a [StoreOutcome],
            seconds: f64,
            #[serde(skip_serializing_if = "Option::is_none")]
            suspect: Option<&'a crate::guard::Suspicion>,
            #[serde(skip_serializing_if = "Option::is_none")]
            held: Option<&'a str>,
        }
        let m = &self.metadata;
        View {
            id: &m.id,
            created_at: &m.created_at,
            bytes: m.object_bytes,
            database_bytes: m.database_bytes,
            sha256: &m.object_sha256,
            object: &m.object,
            stores: &self.stores,
            seconds: self.seconds,
            suspect: m.suspect.as_ref(),
            held: self.held.as_deref(),
        }
        .serialize(s)
    }
}

impl Outcome for BackupOutcome {
    /// A store that does not hold the snapshot (the others do), or the
    /// deletion guard tripped (the snapshot is stored, as evidence): exit 1.
    fn verdict(&self) -> Verdict {
        Verdict::found_if(!self.all_ok() || self.metadata.suspect.is_some())
    }
}

impl BackupOutcome {
    /// True when every store holds the snapshot.
    pub fn all_ok(&self) -> bool {
        self.stores.iter().all(|s| s.ok)
    }
}

/// Makes one snapshot of the configured database in every configured store.
///
/// # Errors
/// [`OpsError`] when nothing could be stored: no recipient, the database
/// unreadable or failing its integrity check, or every store failing. A run
/// where some stores succeed returns `Ok` with the failures in
/// [`BackupOutcome::stores`].
pub async fn backup(
    cfg: &Config,
    opts: &BackupOptions,
    progress: Arc<dyn Progress>,
) -> Result<BackupOutcome, OpsError> {
    Vault::open(cfg.clone()).backup(opts, progress).await
}

impl Vault {
    /// Makes one snapshot of the configured database in every configured store
    /// (see [`backup`]).
    ///
    /// # Errors
    /// As [`backup`].
    pub async fn backup(
        &self,
        opts: &BackupOptions,
        progress: Arc<dyn Progress>,
    ) -> Result<BackupOutcome, OpsError> {
        run(self, opts, progress).await
    }
}

async fn run(
    v: &Vault,
    opts: &BackupOptions,
    progress: Arc<dyn Progress>,
) -> Result<BackupOutcome, OpsError> {
    match run_checked(v, opts, progress).await {
        // The live database is no longer a readable SQLite file (encrypted by
        // ransomware, truncated, overwritten): nothing could be stored, and
        // the last good snapshot is held before retention can rotate it away.
        Err(OpsError::Snapshot(
            e @ (snapshot::SnapshotError::NotSqlite(_)
            | snapshot::SnapshotError::Integrity { .. }
            | snapshot::SnapshotError::Sqlite { .. }),
        )) => {
            let cfg = v.config()?;
            let reason = format!(
                "cơ sở dữ liệu {} không còn đọc được ({}); giữ bản này làm bản tốt gần nhất / the database can no longer be read ({e}); kept as the last good copy",
                cfg.database.path.display(),
                match &e {
                    snapshot::SnapshotError::NotSqlite(_) => "không phải tệp SQLite",
                    _ => "SQLite báo lỗi",
                }
            );
            let held = super::guard::hold_last_good(cfg, &reason, opts.now).await;
            Err(OpsError::DatabaseLost { source: e, held })
        }
        other => other,
    }
}

async fn run_checked(
    v: &Vault,
    opts: &BackupOptions,
    progress: Arc<dyn Progress>,
) -> Result<BackupOutcome, OpsError> {
    let started = std::time::Instant::now();
    let cfg = v.config()?;
    // Plan: every input checked before any I/O on the stores; keys parsed once.
    let recipients = Arc::new(pack::keys::parse_recipients(&cfg.encryption.recipients)?);
    let signer = Arc::new(v.signer()?);
    let vet = v.vetting(opts.now)?;
    let opened = super::open_stores(cfg)?;
    snapshot::ensure_sqlite(&cfg.database.path)?;

    let mut outcomes: Vec<StoreOutcome> = Vec::new();
    let mut live: Vec<(usize, Store)> = Vec::new();
    // Each store's marker, read once: for the mount check and the identity checks below.
    let mut markers = Vec::new();
    for (i, (label, r)) in opened.into_iter().enumerate() {
        // A local store without its marker may be an empty mount point: never write there.
        let r = match r {
            Ok(s) => match s.marker(&vet.trusted).await {
                Ok(m) => s.require(&m).map(|()| (s, Some(m))),
                // An S3 store that cannot answer for its marker fails at the upload, as before.
                Err(e) if s.local_root().is_none() => {
                    tracing::debug!(store = %label, error = %e, "cannot read the marker");
                    Ok((s, None))
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match r {
            Ok((s, m)) => {
                markers.push(m);
                live.push((i, s));
                outcomes.push(StoreOutcome {
                    url: label,
                    ok: false,
                    error: None,
                });
            }
            Err(e) => outcomes.push(StoreOutcome {
                url: label,
                ok: false,
                error: Some(e.to_string()),
            }),
        }
    }
    // One store configured twice (a link, a second mount, a copied marker)
    // holds one copy, not two: it is named, and written once.
    let same = super::survey::same_marker(&markers);
    // A store whose marker changed since this host last saw it: another disk
    // is mounted there. The backup goes on (it is an eqvault store this host
    // trusts) and says so.
    let mut changed = Vec::new();
    for ((_, s), m) in live.iter().zip(&markers) {
        if let Some(crate::store::MarkerState::Trusted(m)) = m
            && let Ok(Some(was)) = super::seen::marker(&cfg.state_dir, &s.label, &m.store_id)
        {
            changed.push(
                Msg::new("backup-warn-marker-changed")
                    .arg("store", &s.label)
                    .arg("was", was),
            );
        }
    }
    let at: Vec<usize> = live.iter().map(|(i, _)| *i).collect();
    for (k, first) in same.iter().enumerate() {
        if let Some(first) = first {
            let name = outcomes[at[*first]].url.clone();
            outcomes[at[k]].error = Some(format!(
                "the same store as {name} (it carries {name}'s marker: a link, a second mount or a copied marker): one copy, not two"
            ));
        }
    }
    let mut k = 0;
    live.retain(|_| {
        k += 1;
        same[k - 1].is_none()
    });
    if live.is_empty() {
        return Err(OpsError::AllStoresFailed(failures(&outcomes)));
    }
    if !opts.allow_clock_behind {
        check_clock(&live, &vet).await?;
    }

    let tmp = super::private_temp(cfg, "backup")?;
    let copy = tmp.path().join(pack::DATABASE_ENTRY);
    progress.phase("phase-copy", None);
    let copy_started = std::time::Instant::now();
    {
        let (src, dst) = (cfg.database.path.clone(), copy.clone());
        let busy = std::time::Duration::from_secs(cfg.database.busy_timeout.approx_seconds());
        let copying =
            tokio::task::spawn_blocking(move || snapshot::copy_consistent(&src, &dst, busy));
        // SQLite's copy is one step that cannot be interrupted: on a stop request the
        // backup returns now, and dropping `tmp` removes the copy under the thread's feet.
        let stop = crate::stop::token();
        let state = cfg.state_dir.clone();
        let size = std::fs::metadata(&cfg.database.path).map(|m| m.len()).ok();
        tokio::select! {
            r = copying => r
                .map_err(|e| OpsError::Internal(e.to_string()))?
                .map_err(|e| match e {
                    // The copy lives in the state folder: name it, not the live database.
                    snapshot::SnapshotError::CopyWrite { why, .. } => {
                        OpsError::state_folder(&state, &why, size)
                    }
                    other => other.into(),
                })?,
            () = stop.cancelled() => return Err(OpsError::Stopped),
        }
    }
    progress.done();
    tracing::info!(
        seconds = copy_started.elapsed().as_secs_f64(),
        "consistent copy done"
    );

    let now = opts.now.trunc_subsecs(0);
    let id = SnapshotId::new(now);
    let created_at = now.with_timezone(&catalog::vietnam());
    let db_bytes = std::fs::metadata(&copy)
        .map_err(OpsError::io("cannot read the copy", &copy))?
        .len();

    // The slow checks run beside the upload; the manifest, last in the tar, waits for them.
    let check_path = copy.clone();
    // The identifier read never fails the backup: what it cannot read is a warning.
    type Idents = Result<ledger::Identifiers, Msg>;
    type Checked = Result<(snapshot::Facts, Idents), snapshot::SnapshotError>;
    let check_level = cfg.database.integrity_check;
    let live_db = cfg.database.path.clone();
    let unread = |why: String| Msg::new("backup-warn-ids-unread").arg("why", why);
    // A mapping that cannot be read costs the ledger, never the backup.
    let mapping = v
        .mapping()
        .map(|m| m.cloned())
        .map_err(|e| unread(e.to_string()));
    let checks = std::thread::spawn(move || -> Checked {
        let t = std::time::Instant::now();
        snapshot::check(&check_path, check_level).map_err(|e| e.about(&live_db))?;
        tracing::info!(seconds = t.elapsed().as_secs_f64(), "integrity_check done");
        let t = std::time::Instant::now();
        let facts = snapshot::facts(&check_path).map_err(|e| e.about(&live_db))?;
        tracing::info!(
            seconds = t.elapsed().as_secs_f64(),
            "row counts and schema hash done"
        );
        // Through `[database] mapping`, as `check` reads them: the ledger
        // holds reference identifiers whatever the office's schema. A view
        // that never ends is stopped at `[database] query_timeout` (the
        // snapshot waits for this read) and named in a warning.
        let ids = mapping.and_then(|m| {
            let c = crate::mapping::open_read_only(
                &check_path,
                std::time::Duration::from_secs(5),
                m.as_ref(),
            )
            .map_err(|e| unread(e.to_string()))?;
            ledger::read_identifiers(&c).map_err(|e| {
                match m
                    .as_ref()
                    .filter(|m| m.timed_out(&e, &live_db, None).is_some())
                {
                    Some(m) => Msg::new("backup-warn-ids-timeout")
                        .arg("mapping", crate::sanitize::path(m.path()))
                        .arg("limit", crate::mapping::shown(m.limit())),
                    None => unread(e.to_string()),
                }
            })
        });
        Ok((facts, ids))
    });
    let idents: Arc<std::sync::Mutex<Idents>> =
        Arc::new(std::sync::Mutex::new(Ok(ledger::Identifiers::default())));
    let idents2 = idents.clone();

    let key = id.object_key();
    let (fan, tasks) = FanOut::start(live.iter().map(|(i, s)| (*i, s)), &key);

    // The bar counts the database as it goes into the compressor: what the
    // stores receive is the compressed object, a fraction of it.
    progress.phase("phase-upload", Some(db_bytes));
    let source_name = cfg
        .database
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let threads = opts.threads;
    let level = opts.level;
    let id2 = id.clone();
    let copy2 = copy.clone();
    let progress2 = progress.clone();
    let waiting = progress.clone();
    let cancel = opts.cancel.clone();
    let signer2 = signer.clone();
    let recipients2 = recipients.clone();
    let pack_started = std::time::Instant::now();
    let packed = tokio::task::spawn_blocking(move || {
        pack_to(
            &copy2,
            fan.cancelled_by(cancel),
            Sealing {
                recipients: &recipients2,
                level,
                threads,
                signer: &signer2,
            },
            progress2.as_ref(),
            |database_sha256| {
                if !checks.is_finished() {
                    waiting.done();
                    waiting.phase(
                        match check_level {
                            snapshot::Level::Full => "integrity_check",
                            snapshot::Level::Quick => "quick_check",
                        },
                        None,
                    );
                }
                // The wait for the integrity check ends on a stop request too.
                while !checks.is_finished() {
                    if crate::stop::requested() {
                        return Err(OpsError::Stopped);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                let (facts, ids) = checks
                    .join()
                    .map_err(|_| OpsError::Internal("the integrity check thread died".into()))??;
                *idents2.lock().expect("ids lock") = ids;
                Ok(Manifest {
                    format_version: catalog::FORMAT_VERSION,
                    snapshot_id: id2.clone(),
                    created_at,
                    tool_version: env!("CARGO_PKG_VERSION").to_string(),
                    source_name: source_name.clone(),
                    database_sha256,
                    database_bytes: db_bytes,
                    facts,
                    integrity_check: "ok".into(),
                    integrity_level: check_level,
                })
            },
        )
    })
    .await
    .map_err(|e| OpsError::Internal(e.to_string()))?;
    progress.done();
    tracing::info!(
        seconds = pack_started.elapsed().as_secs_f64(),
        "pack and upload done"
    );
    // The plaintext copy is gone before anything else can fail.
    drop(tmp);
    let (manifest, object_sha256, object_bytes) = match packed {
        Ok(p) => p,
        Err(e) => {
            // The senders were dropped without Commit: every upload aborts. When the
            // stores are why packing stopped, their own errors say what to fix.
            let mut store_errors = Vec::new();
            for (i, t) in tasks {
                if let Ok(Err(err)) = t.await
                    && !matches!(err, crate::store::StoreError::Abandoned { .. })
                {
                    outcomes[i].error = Some(err.to_string());
                    store_errors.push(i);
                }
            }
            if !store_errors.is_empty() && store_errors.len() == live.len() {
                return Err(OpsError::AllStoresFailed(failures(&outcomes)));
            }
            return Err(e);
        }
    };

    // The deletion guard: this snapshot against the previous trusted one of
    // the vault, before its metadata is signed (the mark is part of it).
    let suspect = if opts.expect_drop || !cfg.guard.enabled {
        None
    } else {
        let t = std::time::Instant::now();
        let previous = match super::survey(cfg, &vet).await {
            Ok(sv) => {
                let acked = super::guard::acknowledged(&sv, &vet).await;
                super::guard::baseline(&sv.snapshots(), &acked).map(|v| v.meta.clone())
            }
            Err(_) => None,
        };
        let s = previous.and_then(|p| {
            let gone = match &*idents.lock().expect("ids lock") {
                Ok(ids) => identifiers_gone(cfg, &p.id, &ids.idents),
                Err(_) => 0,
            };
            crate::guard::judge(
                &cfg.guard,
                p.id.as_str(),
                crate::guard::Side {
                    row_counts: &p.row_counts,
                    schema_sha256: p.schema_sha256.as_deref(),
                },
                crate::guard::Side {
                    row_counts: &manifest.facts.row_counts,
                    schema_sha256: Some(&manifest.facts.schema_sha256),
                },
                gone,
            )
        });
        tracing::info!(
            seconds = t.elapsed().as_secs_f64(),
            tripped = s.is_some(),
            "deletion guard done"
        );
        s
    };
    let metadata = Metadata {
        format_version: catalog::FORMAT_VERSION,
        id: id.clone(),
        created_at,
        object: key.clone(),
        object_bytes,
        object_sha256,
        database_bytes: db_bytes,
        recipients: cfg.encryption.recipients.clone(),
        row_counts: manifest.facts.row_counts.clone(),
        tool_version: manifest.tool_version.clone(),
        vault: cfg.database.vault.clone(),
        schema_sha256: Some(manifest.facts.schema_sha256.clone()),
        suspect,
    };
    let meta_json = Bytes::from(serde_json::to_vec_pretty(&metadata).expect("metadata serialises"));

    for ((i, task), (_, store)) in tasks.into_iter().zip(&live) {
        let r = task.await.map_err(|e| OpsError::Internal(e.to_string()))?;
        let out = &mut outcomes[i];
        match r {
            Ok(n) if n == object_bytes => {
                // The window a power cut can hit: the object is stored, its metadata not yet.
                tracing::debug!(store = %store.label, "object stored; writing its metadata");
                match store
                    .put_signed(
                        &id.metadata_key(),
                        meta_json.clone(),
                        crate::trust::Kind::Snapshot,
                        &signer,
                    )
                    .await
                {
                    Ok(()) => out.ok = true,
                    Err(e) => {
                        out.error = Some(e.to_string());
                        let _ = store
                            .delete(&crate::trust::sig_key(&id.metadata_key()))
                            .await;
                        let _ = store.delete(&key).await;
                    }
                }
            }
            Ok(n) => {
                out.error = Some(format!("stored {n} bytes of {object_bytes}"));
                let _ = store.delete(&key).await;
            }
            Err(e) => out.error = Some(e.to_string()),
        }
    }
    if outcomes.iter().all(|o| !o.ok) {
        return Err(OpsError::AllStoresFailed(failures(&outcomes)));
    }
    let ids = std::mem::replace(
        &mut *idents.lock().expect("ids lock"),
        Ok(ledger::Identifiers::default()),
    );
    let good: Vec<&Store> = live
        .iter()
        .filter(|(i, _)| outcomes[*i].ok)
        .map(|(_, s)| s)
        .collect();
    let mut warnings = changed;
    // The last good copy is held before anything else can fail: retention
    // must never rotate it away while the damage is looked at.
    let mut held = None;
    if let Some(s) = &metadata.suspect {
        let reason = crate::guard::hold_reason(s, metadata.id.as_str());
        match super::prune::hold(cfg, &s.previous, &reason, opts.now).await {
            Ok((id, per_store)) => {
                held = Some(id);
                for (store, e) in per_store {
                    if let Some(e) = e {
                        warnings.push(
                            Msg::new("backup-warn-guard-hold")
                                .arg("store", store)
                                .arg("why", e),
                        );
                    }
                }
            }
            Err(e) => warnings.push(
                Msg::new("backup-warn-guard-hold")
                    .arg("store", "-")
                    .arg("why", e.to_string()),
            ),
        }
    }
    // What this host wrote, it has seen: deleted right after, it is named as vanished.
    for s in &good {
        if let Err(e) = super::seen::wrote(&cfg.state_dir, &s.label, &metadata.id) {
            warnings.push(Msg::new("backup-warn-not-seen").arg("why", e));
        }
    }
    match ids {
        Ok(ids) => {
            for sk in &ids.skipped {
                warnings.push(
                    Msg::new("backup-warn-ledger-table")
                        .arg("table", sk.kind.table())
                        .arg("why", &sk.why),
                );
            }
            if ids.idents.is_empty() {
                // Nothing of the reference schema: a ledger of nothing is no evidence.
                warnings.push(Msg::new("backup-warn-ledger-empty"));
            }
            let t = std::time::Instant::now();
            warnings.extend(
                record_identifiers(cfg, &metadata, &ids.idents, &recipients, &good, &signer).await,
            );
            tracing::info!(
                seconds = t.elapsed().as_secs_f64(),
                identifiers = ids.idents.len(),
                "identifier ledger recorded and sealed"
            );
        }
        Err(why) => warnings.push(why),
    }
    Ok(BackupOutcome {
        metadata,
        stores: outcomes,
        warnings,
        seconds: started.elapsed().as_secs_f64(),
        held,
    })
}

/// Identifiers the previous snapshot had (by the ledger: last seen in it)
/// that the database has no more. 0 when there is no ledger to tell.
fn identifiers_gone(cfg: &Config, previous: &SnapshotId, now: &[ledger::Ident]) -> u64 {
    let Ok(Some(l)) = ledger::Ledger::open_existing(&ledger::Ledger::path_in(&cfg.state_dir))
    else {
        return 0;
    };
    let Ok(entries) = l.entries() else {
        return 0;
    };
    let current: std::collections::HashSet<(ledger::Kind, &str)> =
        now.iter().map(|i| (i.kind, i.id.as_str())).collect();
    entries
        .iter()
        .filter(|e| {
            e.last_snapshot == previous.as_str()
                && !current.contains(&(e.ident.kind, e.ident.id.as_str()))
        })
        .count() as u64
}

/// Adds this snapshot's identifiers to the local ledger and seals the whole
/// ledger into every store that holds the snapshot. A failure here does not
/// undo the backup; it is returned as a warning to show.
async fn record_identifiers(
    cfg: &Config,
    meta: &Metadata,
    ids: &[ledger::Ident],
    recipients: &[age::x25519::Recipient],
    stores: &[&Store],
    signer: &crate::trust::Signer,
) -> Vec<Msg> {
    let mut warnings = Vec::new();
    let path = ledger::Ledger::path_in(&cfg.state_dir);
    let sealed = (|| -> Result<Vec<u8>, String> {
        let mut l = ledger::Ledger::open(&path).map_err(|e| e.to_string())?;
        l.record(meta.id.as_str(), meta.created_at, ids)
            .map_err(|e| e.to_string())?;
        let plain = l.export().map_err(|e| e.to_string())?;
        pack::seal(&plain, recipients).map_err(|e| e.to_string())
    })();
    match sealed {
        Ok(bytes) => {
            let snap = meta.id.as_str();
            let record = ledger::Sealed {
                format_version: 1,
                snapshot: snap.to_string(),
                host: crate::trust::host_name(),
                created_at: meta.created_at,
                object: ledger::Sealed::object_key(snap),
                object_bytes: bytes.len() as u64,
                object_sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
                vault: cfg.database.vault.clone(),
            };
            let body = Bytes::from(serde_json::to_vec_pretty(&record).expect("serialises"));
            let bytes = Bytes::from(bytes);
            for s in stores {
                // The sealed object first; its signed record marks it complete.
                let r = async {
                    s.put_if_absent(&record.object, bytes.clone()).await?;
                    s.put_signed(
                        &ledger::Sealed::record_key(snap),
                        body.clone(),
                        crate::trust::Kind::Ledger,
                        signer,
                    )
                    .await
                }
                .await;
                if let Err(e) = r {
                    warnings.push(
                        Msg::new("backup-warn-ledger-not-stored")
                            .arg("store", &s.label)
                            .arg("why", e),
                    );
                }
            }
        }
        Err(e) => warnings.push(Msg::new("backup-warn-ledger-not-updated").arg("why", e)),
    }
    warnings
}

/// Refuses a backup when this clock is behind the newest trusted snapshot in
/// any store: a snapshot "from the past" would never be `latest`, and the clock
/// that made the other one, or this one, is wrong. Only the newest ids (they
/// sort by time) are read, so this costs a listing and a few small reads.
async fn check_clock(live: &[(usize, Store)], vet: &crate::trust::Vetting) -> Result<(), OpsError> {
    for (_, s) in live {
        let listed = match s.list(catalog::SNAPSHOTS).await {
            Ok(l) => l,
            // The upload will meet the same failure and report it per store.
            Err(_) => continue,
        };
        let mut ids: Vec<SnapshotId> = listed
            .iter()
            .filter_map(|l| catalog::id_of_key(&l.key))
            .filter(|(_, meta)| *meta)
            .map(|(id, _)| id)
            .filter(|id| id.time() > vet.now + vet.skew)
            .collect();
        ids.sort();
        // Newest first; stop at the first trusted one.
        for id in ids.iter().rev() {
            let Ok(r) = s
                .get_signed(
                    &id.metadata_key(),
                    crate::trust::Kind::Snapshot,
                    &vet.trusted,
                )
                .await
            else {
                continue;
            };
            if r.signer.is_ok()
                && let Ok(m) = Metadata::from_slice(&id.metadata_key(), &r.body)
            {
                return Err(OpsError::ClockBehind {
                    id: m.id.to_string(),
                    store: s.label.clone(),
                    then: m.created_at.to_rfc3339(),
                    now: vet.now.with_timezone(&catalog::vietnam()).to_rfc3339(),
                });
            }
        }
    }
    Ok(())
}

fn failures(outcomes: &[StoreOutcome]) -> Vec<(String, String)> {
    outcomes
        .iter()
        .filter_map(|o| o.error.as_ref().map(|e| (o.url.clone(), e.clone())))
        .collect()
}

type Packed = (Manifest, String, u64);

/// Streams the copy and then its manifest into `out`; returns the manifest, the object's hash and size.
/// How an object is sealed: encrypted to these recipients, compressed at this
/// level on these threads, its manifest signed by this key.
struct Sealing<'a> {
    recipients: &'a [age::x25519::Recipient],
    level: i32,
    threads: u32,
    signer: &'a crate::trust::Signer,
}

fn pack_to(
    copy: &Path,
    out: FanOut,
    seal: Sealing<'_>,
    progress: &dyn Progress,
    manifest: impl FnOnce(String) -> Result<Manifest, OpsError>,
) -> Result<Packed, OpsError> {
    let mut packer = Packer::new(out, seal.recipients, seal.level, seal.threads)?;
    let f = std::fs::File::open(copy).map_err(OpsError::io("cannot open the copy", copy))?;
    let size = f
        .metadata()
        .map_err(OpsError::io("cannot read the copy", copy))?
        .len();
    let mut r = pack::HashingReader::new(ProgressReader {
        inner: io::BufReader::with_capacity(1 << 20, f),
        progress,
    });
    packer.append(pack::DATABASE_ENTRY, size, &mut r)?;
    let (db_sha, _) = r.finish();
    let manifest = manifest(db_sha)?;
    let json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
    packer.append(pack::MANIFEST_ENTRY, json.len() as u64, &json[..])?;
    let sig = seal.signer.sign(crate::trust::Kind::Manifest, &json);
    packer.append(pack::MANIFEST_SIG_ENTRY, sig.len() as u64, &sig[..])?;
    let fan = packer.finish()?;
    let (sha, n) = fan.commit().map_err(pack::PackError::Pack)?;
    Ok((manifest, sha, n))
}

struct ProgressReader<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<R: io::Read> io::Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.progress.advance(k as u64);
        Ok(k)
    }
}
