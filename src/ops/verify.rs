//! Verification of stored snapshots: without a key (object present, size and SHA-256 match the metadata),
//! and with `--read-data` (decrypt, unpack, check the manifest, the database hash and `integrity_check`).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use sha2::Digest;

use super::{OpsError, Progress};
pub use crate::catalog::Check;
use crate::catalog::{Manifest, Metadata};
use crate::config::Config;
use crate::lang::Msg;
use crate::pack;
use crate::snapshot;
use crate::store::Store;

/// The verification of one snapshot in one store.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyResult {
    /// The snapshot.
    pub id: String,
    /// The store.
    pub store: String,
    /// Every check passed.
    pub ok: bool,
    /// The checks, in order.
    pub checks: Vec<Check>,
    /// Why the snapshot could not be read through, when that is not its fault:
    /// the store failed mid-read, or this machine refused the scratch copy
    /// (disk full). Such a result is not a verdict on the snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    /// Bytes read from the store (the object, when its data was read).
    #[serde(skip)]
    pub bytes: u64,
}

impl VerifyResult {
    /// A result about a key that is no snapshot at all (a foreign key, a
    /// record not believed), one each: a person is shown the first few of a
    /// long list of them.
    pub fn is_stray(&self) -> bool {
        !self.ok
            && self.blocked.is_none()
            && matches!(self.checks.as_slice(), [c] if c.name == FOREIGN || c.name == NOT_BELIEVED)
    }
}

/// The check of a key that is not a valid key or not a regular file.
const FOREIGN: &str = "foreign";
/// The check of a record whose signature is not believed.
const NOT_BELIEVED: &str = "signature";

/// The `id` of the result for the records (drills, holds, ledgers) of a store
/// that could not be read.
pub const RECORDS: &str = "drills, holds, ledgers";
/// The `store` of a result about every store (a drill record gone from all).
pub const EVERY_STORE: &str = "every store";

/// Several details said as one (`a; b; c`).
pub fn joined(mut parts: Vec<Msg>) -> Option<Msg> {
    let last = parts.pop()?;
    Some(parts.into_iter().rev().fold(last, |rest, first| {
        Msg::new("detail-join")
            .arg_msg("first", first)
            .arg_msg("rest", rest)
    }))
}

/// What to verify.
#[derive(Debug, Clone)]
pub enum Selection {
    /// The newest complete snapshot.
    Latest,
    /// Every snapshot (including metadata whose object is missing).
    All,
    /// One id.
    Id(String),
}

/// Verifies the selected snapshots in every store that lists them.
///
/// # Errors
/// [`OpsError`] when a store cannot be listed, the identity cannot be loaded, or
/// the selection matches nothing. Failed checks are results, not errors.
pub async fn verify(
    cfg: &Config,
    sel: &Selection,
    identity: Option<&Path>,
    progress: Arc<dyn Progress>,
) -> Result<Vec<VerifyResult>, OpsError> {
    let identities = match identity {
        Some(p) => Some(Arc::new(pack::keys::load_identities(p)?)),
        None => None,
    };
    let vet = super::vetting(cfg, chrono::Utc::now())?;
    let sv = super::survey_all(cfg, &vet, false).await?;
    let stores: Vec<(String, &Store, &super::Inventory)> = sv
        .labels
        .iter()
        .zip(&sv.stores)
        .zip(&sv.invs)
        .map(|((l, s), i)| {
            (
                l.clone(),
                s.as_ref().expect("open"),
                i.as_ref().expect("listed"),
            )
        })
        .collect();
    let newest = stores
        .iter()
        .flat_map(|(_, _, inv)| inv.complete().map(|m| m.id.clone()))
        .max();
    let mut results = Vec::new();
    for (n, (label, store, inv)) in stores.iter().enumerate() {
        let (label, store, inv) = (label, *store, *inv);
        for (id, (meta, obj)) in &inv.snapshots {
            let wanted = match sel {
                Selection::All => true,
                Selection::Latest => Some(id) == newest.as_ref(),
                Selection::Id(x) => id.as_str() == x,
            };
            if !wanted {
                continue;
            }
            let mut checks = Vec::new();
            let mut blocked = None;
            let mut bytes = 0;
            match obj {
                None => checks.push(Check::said(
                    "object_present",
                    false,
                    Msg::new("verify-detail-object-missing").arg("object", &meta.object),
                )),
                Some(o) => {
                    checks.push(Check::new("object_present", true, meta.object.clone()));
                    checks.push(Check::said(
                        "object_size",
                        o.size == meta.object_bytes,
                        Msg::new("verify-detail-size")
                            .arg("bytes", o.size)
                            .arg("expected", meta.object_bytes),
                    ));
                    bytes = o.size;
                    match &identities {
                        None => {
                            let (check, why) = hash_check(store, meta, progress.as_ref()).await;
                            checks.push(check);
                            blocked = why;
                        }
                        Some(ids) => {
                            let tmp = super::private_temp(cfg, "verify")?;
                            let r = read_data(
                                store,
                                meta,
                                &vet.trusted,
                                ids.clone(),
                                tmp.path(),
                                Depth::Full,
                                progress.as_ref(),
                            )
                            .await;
                            checks.extend(r.checks);
                            blocked = r.blocked.map(|e| e.to_string());
                        }
                    }
                }
            }
            results.push(VerifyResult {
                id: id.to_string(),
                store: label.clone(),
                ok: checks.iter().all(|c| c.ok),
                checks,
                blocked,
                bytes,
            });
        }
        // Records that are not believed, dated in the future or gone hide or fake a
        // snapshot (perhaps the newest): every verify but one of a named id reports them.
        let named = |id: &str| match sel {
            Selection::Id(x) => x == id,
            _ => true,
        };
        let mut fail = |id: String, check: Check| {
            results.push(VerifyResult {
                id,
                store: label.clone(),
                ok: false,
                checks: vec![check],
                blocked: None,
                bytes: 0,
            })
        };
        let not_believed = |why: &str| {
            Check::said(
                NOT_BELIEVED,
                false,
                Msg::new("verify-detail-not-believed").arg("why", why),
            )
        };
        for (id, (m, _)) in &inv.future {
            if named(id.as_str()) {
                fail(
                    id.to_string(),
                    Check::said(
                        "created_at",
                        false,
                        Msg::new("verify-detail-future").arg("when", m.created_at.to_rfc3339()),
                    ),
                );
            }
        }
        for id in &sv.vanished[n] {
            if named(id.as_str()) {
                fail(
                    id.to_string(),
                    Check::said("present", false, Msg::new("verify-detail-vanished")),
                );
            }
        }
        if matches!(sel, Selection::Id(_)) {
            continue;
        }
        for (key, why) in &inv.unreadable {
            fail(key.clone(), Check::new("metadata", false, why.clone()));
        }
        for (key, why) in &inv.untrusted {
            fail(key.clone(), not_believed(why));
        }
        for key in &inv.foreign {
            fail(
                key.clone(),
                Check::said(FOREIGN, false, Msg::new("verify-detail-foreign")),
            );
        }
        match super::untrusted_records(store, &vet).await {
            Ok(bad) => {
                for (key, why) in bad {
                    fail(key, not_believed(&why));
                }
            }
            // The store failed, not a record: no verdict, as for a snapshot it cut off.
            Err(e) => results.push(VerifyResult {
                id: RECORDS.into(),
                store: label.clone(),
                ok: false,
                checks: vec![Check::new("records", false, e.to_string())],
                blocked: Some(e.to_string()),
                bytes: 0,
            }),
        }
    }
    // Drill records seen before and gone from every store: a failed drill
    // cannot be hidden by deleting its record.
    if !matches!(sel, Selection::Id(_)) {
        let mut present = Vec::new();
        let mut complete = sv.invs.iter().all(Option::is_some);
        for s in sv.stores.iter().flatten() {
            match super::drill::records(s, &vet).await {
                Ok(d) => present.extend(d.trusted),
                Err(_) => complete = false,
            }
        }
        let gone =
            super::seen::observe_drills(&cfg.state_dir, &present, complete).unwrap_or_default();
        for d in gone {
            results.push(VerifyResult {
                id: d.id.clone(),
                store: EVERY_STORE.into(),
                ok: false,
                checks: vec![Check::said(
                    "present",
                    false,
                    Msg::new("verify-detail-drill-vanished")
                        .arg("drill", &d.id)
                        .arg_msg("status", super::drill::status_msg(d.status))
                        .arg("snapshot", &d.snapshot),
                )],
                blocked: None,
                bytes: 0,
            });
        }
    }
    if results.is_empty() {
        return Err(match sel {
            Selection::Id(x) => OpsError::NoSuchSnapshot(x.clone()),
            _ => OpsError::NoSnapshots,
        });
    }
    Ok(results)
}

/// The object's hash against its metadata; with the reason when the store, not
/// the object, failed.
async fn hash_check(
    store: &Store,
    meta: &Metadata,
    progress: &dyn Progress,
) -> (Check, Option<String>) {
    // Hashing needs the bytes, not a copy: stream into a sink.
    let mut sink = tokio::io::sink();
    progress.phase("phase-verify", Some(meta.object_bytes));
    let r = store.get_to(&meta.object, &mut sink, progress).await;
    progress.done();
    match r {
        Ok((sha, _)) => (
            if sha == meta.object_sha256 {
                Check::new("object_sha256", true, sha)
            } else {
                Check::said(
                    "object_sha256",
                    false,
                    Msg::new("verify-detail-hash")
                        .arg("sha", sha)
                        .arg("expected", &meta.object_sha256),
                )
            },
            None,
        ),
        Err(e) => {
            let blocked =
                matches!(e, crate::store::StoreError::Request { .. }).then(|| e.to_string());
            (Check::new("object_sha256", false, e.to_string()), blocked)
        }
    }
}

/// Timings and checks of a full read of one snapshot.
#[derive(Debug)]
pub struct ReadData {
    /// The checks, in order; a failing check ends the list.
    pub checks: Vec<Check>,
    /// The manifest, when it could be read.
    pub manifest: Option<Manifest>,
    /// Seconds downloading.
    pub download_secs: f64,
    /// Seconds decrypting and decompressing.
    pub unpack_secs: f64,
    /// Seconds checking the database.
    pub check_secs: f64,
    /// Why the copy could not be read when that is not the snapshot's fault: the
    /// store failed, or this machine refused the write (disk full, read-only).
    pub blocked: Option<OpsError>,
}

/// How far a full read checks the database once its hash matches the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// What the signed manifest does not already prove. A database whose
    /// SHA-256 matches the manifest is bit for bit the file the backup
    /// checked (`integrity_check` or `quick_check`, schema, row counts), so
    /// the checks run again only when the manifest records none (restore).
    Proven,
    /// `PRAGMA integrity_check`, the schema and the row counts, whatever the
    /// manifest says (drills, `verify --read-data`, `restore --check full`).
    Full,
}

/// Downloads, decrypts and unpacks one snapshot into `dir` (leaving `dir/database.sqlite`), checking all the way.
///
/// One pass: the download is hashed as it arrives and handed to a thread that
/// decrypts, decompresses and unpacks it, which hands the database to a third
/// that hashes and writes it; the object is never stored whole on this disk.
/// Nothing is believed before the end: the object hash, the manifest's
/// signature and the database hash are all checked once the stream is done.
pub async fn read_data(
    store: &Store,
    meta: &Metadata,
    trusted: &crate::trust::Trusted,
    identities: Arc<Vec<age::x25519::Identity>>,
    dir: &Path,
    depth: Depth,
    progress: &dyn Progress,
) -> ReadData {
    use futures::StreamExt;
    let mut out = ReadData {
        checks: Vec::new(),
        manifest: None,
        download_secs: 0.0,
        unpack_secs: 0.0,
        check_secs: 0.0,
        blocked: None,
    };
    let t = Instant::now();
    let local = |source| OpsError::LocalWrite {
        dir: dir.to_path_buf(),
        needed: meta.database_bytes,
        source,
    };
    let db = dir.join(pack::DATABASE_ENTRY);
    let limit = meta.database_bytes;
    // An error writing the database here is this machine's, not the snapshot's: kept apart.
    type Unpacking = Result<pack::Unpacked, (pack::PackError, Option<std::io::Error>)>;
    let (tx, rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(IN_FLIGHT);
    let db2 = db.clone();
    let unpacking = tokio::task::spawn_blocking(move || -> Unpacking {
        let mut f = std::fs::File::create(&db2)
            .map_err(|e| (pack::PackError::Write(io_copy(&e)), Some(e)))?;
        // A stop request ends the unpacking at its next write; the caller's folder goes.
        let mut w = std::io::BufWriter::with_capacity(1 << 20, crate::stop::Stoppable(&mut f));
        let u = match pack::unpack(
            Received::new(rx),
            &identities,
            &mut w,
            pack::Limits {
                max_database_bytes: limit,
            },
        ) {
            Ok(u) => u,
            Err(pack::PackError::Write(e)) => {
                return Err((pack::PackError::Write(io_copy(&e)), Some(e)));
            }
            Err(e) => return Err((e, None)),
        };
        let flushed = std::io::Write::flush(&mut w);
        drop(w);
        flushed
            .and_then(|()| f.sync_all())
            .map_err(|e| (pack::PackError::Write(io_copy(&e)), Some(e)))?;
        Ok(u)
    });

    let mut unpacking = unpacking;
    let join = |r: Result<Unpacking, tokio::task::JoinError>| {
        r.unwrap_or_else(|e| {
            Err((
                pack::PackError::Corrupt(format!("the unpacking thread failed: {e}")),
                None,
            ))
        })
    };
    // Stopped before the end by this machine (a disk that takes nothing): reading
    // on would tell nothing more. A key that opens nothing is not one of these:
    // age says the same of a damaged header, so the object is hashed to the end
    // and damage is named as damage.
    let early = |e: &Unpacking| matches!(&e, Err((_, Some(_))));
    progress.phase("phase-download", Some(meta.object_bytes));
    let mut h = sha2::Sha256::new();
    let mut n = 0u64;
    let mut finished: Option<Unpacking> = None;
    let mut longer = false;
    let got: Result<(), OpsError> = async {
        let mut stream = store.get_stream(&meta.object).await?;
        while let Some(chunk) = stream.next().await {
            // Ctrl-C: nothing more is read (the caller says it stopped).
            if crate::stop::requested() {
                return Err(OpsError::Stopped);
            }
            let chunk = chunk?;
            n += chunk.len() as u64;
            progress.advance(chunk.len() as u64);
            if n > meta.object_bytes {
                // Longer than the signed metadata says: not the object that was stored.
                longer = true;
                break;
            }
            h.update(&chunk);
            if finished.is_none() && tx.send(chunk).await.is_err() {
                // The unpacker stopped: damage, and a key that opens nothing, are
                // hashed to the end, so damage is named as such; a full disk ends
                // the read here.
                let r = join((&mut unpacking).await);
                let stop = early(&r);
                finished = Some(r);
                if stop {
                    break;
                }
            }
        }
        Ok(())
    }
    .await;
    drop(tx);
    progress.done();
    out.download_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    progress.phase("phase-write", None);
    let stopped_early = finished.as_ref().is_some_and(early);
    let unpacked: Unpacking = match finished {
        Some(r) => r,
        None => join(unpacking.await),
    };
    progress.done();
    out.unpack_secs = t.elapsed().as_secs_f64();
    if let Err(e) = got {
        out.checks
            .push(Check::new("download", false, e.to_string()));
        out.blocked = Some(e);
        return out;
    }
    match &unpacked {
        // Stopped before the end for a reason of its own: the object's hash is not the point.
        Err(_) if stopped_early && !longer => {}
        _ => {
            let sha = hex::encode(h.finalize());
            let ok = !longer && sha == meta.object_sha256 && n == meta.object_bytes;
            out.checks.push(if ok {
                Check::new("object_sha256", true, sha)
            } else if longer {
                Check::said(
                    "object_sha256",
                    false,
                    Msg::new("verify-detail-longer").arg("expected", meta.object_bytes),
                )
            } else {
                Check::said(
                    "object_sha256",
                    false,
                    Msg::new("verify-detail-object-hash")
                        .arg("bytes", n)
                        .arg("sha", sha)
                        .arg("expected_sha", &meta.object_sha256)
                        .arg("expected", meta.object_bytes),
                )
            });
            if !ok {
                return out;
            }
        }
    }
    let unpacked = match unpacked {
        Ok(u) => {
            out.checks.push(Check::said(
                "decrypt_unpack",
                true,
                Msg::new("verify-detail-bytes").arg("bytes", u.database_bytes),
            ));
            u
        }
        Err((e, io)) => {
            match io {
                Some(source) => {
                    let e = local(source);
                    out.checks
                        .push(Check::new("decrypt_unpack", false, e.to_string()));
                    out.blocked = Some(e);
                }
                None => out
                    .checks
                    .push(Check::new("decrypt_unpack", false, e.to_string())),
            }
            return out;
        }
    };
    // The manifest is believed when signed by a trusted key; one made before
    // signing is covered by the object hash the signed metadata carries.
    match &unpacked.manifest_sig {
        Some(sig) => match trusted.verify(crate::trust::Kind::Manifest, &unpacked.manifest, sig) {
            Ok(fp) => out.checks.push(Check::said(
                "manifest_signature",
                true,
                Msg::new("verify-detail-signed-by").arg("key", fp),
            )),
            Err(why) => {
                out.checks
                    .push(Check::new("manifest_signature", false, why.to_string()));
                return out;
            }
        },
        None => out.checks.push(Check::said(
            "manifest_signature",
            true,
            Msg::new("verify-detail-unsigned"),
        )),
    }
    let manifest = match Manifest::from_slice(&unpacked.manifest) {
        Ok(m) if m.snapshot_id == meta.id => m,
        Ok(m) => {
            out.checks.push(Check::said(
                "manifest",
                false,
                Msg::new("verify-detail-manifest-other")
                    .arg("other", &m.snapshot_id)
                    .arg("id", &meta.id),
            ));
            return out;
        }
        Err(e) => {
            out.checks
                .push(Check::new("manifest", false, e.to_string()));
            return out;
        }
    };
    // The clear metadata must tell the same story as the sealed manifest: a
    // tampered row count or size in the metadata is a failed check, not a detail.
    let mut lies = Vec::new();
    if meta.row_counts != manifest.facts.row_counts {
        let tables: std::collections::BTreeSet<&String> = meta
            .row_counts
            .keys()
            .chain(manifest.facts.row_counts.keys())
            .collect();
        let diffs: Vec<String> = tables
            .into_iter()
            .filter(|t| meta.row_counts.get(*t) != manifest.facts.row_counts.get(*t))
            .map(|t| {
                let show = |v: Option<&u64>| v.map_or("none".to_string(), u64::to_string);
                format!(
                    "{t}: metadata {}, manifest {}",
                    show(meta.row_counts.get(t)),
                    show(manifest.facts.row_counts.get(t))
                )
            })
            .collect();
        lies.push(format!("row_counts {}", diffs.join("; ")));
    }
    if meta.database_bytes != manifest.database_bytes {
        lies.push(format!(
            "database_bytes {} vs {}",
            meta.database_bytes, manifest.database_bytes
        ));
    }
    if meta.created_at != manifest.created_at {
        lies.push(format!(
            "created_at {} vs {}",
            meta.created_at, manifest.created_at
        ));
    }
    if !lies.is_empty() {
        out.checks.push(Check::said(
            "manifest",
            false,
            Msg::new("verify-detail-tampered").arg("what", lies.join(", ")),
        ));
        out.manifest = Some(manifest);
        return out;
    }
    out.checks.push(Check::said(
        "manifest",
        true,
        Msg::new("verify-detail-manifest-ok")
            .arg("format", manifest.format_version)
            .arg("version", &manifest.tool_version),
    ));
    let ok = unpacked.database_sha256 == manifest.database_sha256
        && unpacked.database_bytes == manifest.database_bytes;
    out.checks.push(if ok {
        Check::new("database_sha256", true, unpacked.database_sha256.clone())
    } else {
        Check::said(
            "database_sha256",
            false,
            Msg::new("verify-detail-database-hash")
                .arg("sha", &unpacked.database_sha256)
                .arg("expected", &manifest.database_sha256),
        )
    });
    if !ok {
        out.manifest = Some(manifest);
        return out;
    }
    // Bit for bit the file the backup checked: its checks stand, unless asked again.
    if depth == Depth::Proven && manifest.integrity_check == "ok" {
        out.manifest = Some(manifest);
        return out;
    }
    let t = Instant::now();
    progress.phase("phase-check", None);
    let m2 = manifest.clone();
    let db2 = db.clone();
    let more = tokio::task::spawn_blocking(move || check_database(&db2, &m2))
        .await
        .unwrap_or_else(|e| vec![Check::new("checks", false, e.to_string())]);
    progress.done();
    out.check_secs = t.elapsed().as_secs_f64();
    out.checks.extend(more);
    out.manifest = Some(manifest);
    out
}

/// Chunks of the download in flight between the async reader and the unpacker.
const IN_FLIGHT: usize = 8;

/// The download as a blocking reader, for the unpacking thread.
struct Received {
    rx: tokio::sync::mpsc::Receiver<bytes::Bytes>,
    cur: bytes::Bytes,
}

impl Received {
    fn new(rx: tokio::sync::mpsc::Receiver<bytes::Bytes>) -> Self {
        Received {
            rx,
            cur: bytes::Bytes::new(),
        }
    }
}

impl std::io::Read for Received {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(b) => self.cur = b,
                // The sender is gone: the download ended (or failed, which it reports).
                None => return Ok(0),
            }
        }
        let k = buf.len().min(self.cur.len());
        buf[..k].copy_from_slice(&self.cur.split_to(k));
        Ok(k)
    }
}

/// An I/O error's kind and text, for the message; the original goes to the caller.
fn io_copy(e: &std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), e.to_string())
}

/// Checks an unpacked database against its manifest: integrity, schema, row counts.
pub fn check_database(db: &Path, manifest: &Manifest) -> Vec<Check> {
    let mut checks = Vec::new();
    match snapshot::integrity_check(db) {
        Ok(()) => checks.push(Check::said(
            "integrity_check",
            true,
            Msg::new("verify-detail-integrity-ok"),
        )),
        Err(e) => {
            checks.push(Check::new("integrity_check", false, e.to_string()));
            return checks;
        }
    }
    match snapshot::facts(db) {
        Ok(f) => {
            let schema_ok = f.schema_sha256 == manifest.facts.schema_sha256;
            checks.push(if schema_ok {
                Check::new("schema", true, f.schema_sha256.clone())
            } else {
                Check::said(
                    "schema",
                    false,
                    Msg::new("verify-detail-schema-hash")
                        .arg("sha", &f.schema_sha256)
                        .arg("expected", &manifest.facts.schema_sha256),
                )
            });
            let diffs: Vec<Msg> = manifest
                .facts
                .row_counts
                .iter()
                .filter_map(|(t, n)| {
                    let got = f.row_counts.get(t).copied();
                    (got != Some(*n)).then(|| match got {
                        Some(g) => Msg::new("verify-detail-rows")
                            .arg("table", t)
                            .arg("rows", g)
                            .arg("expected", n),
                        None => Msg::new("verify-detail-no-table")
                            .arg("table", t)
                            .arg("expected", n),
                    })
                })
                .chain(
                    f.row_counts
                        .keys()
                        .filter(|t| !manifest.facts.row_counts.contains_key(*t))
                        .map(|t| Msg::new("verify-detail-table-unknown").arg("table", t)),
                )
                .collect();
            let total: u64 = f.row_counts.values().sum();
            checks.push(match joined(diffs) {
                None => Check::said(
                    "row_counts",
                    true,
                    Msg::new("verify-detail-row-counts")
                        .arg("tables", f.row_counts.len())
                        .arg("rows", total),
                ),
                Some(m) => Check::said("row_counts", false, m),
            });
        }
        Err(e) => checks.push(Check::new("schema", false, e.to_string())),
    }
    checks
}

/// What `verify` found: one result per copy checked.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyOutcome {
    /// Every copy passed.
    pub ok: bool,
    /// Each copy.
    pub results: Vec<VerifyResult>,
}

impl VerifyOutcome {
    /// The copies that could not be read through (a store failing mid-read, a full disk).
    pub fn blocked(&self) -> impl Iterator<Item = &VerifyResult> {
        self.results.iter().filter(|r| r.blocked.is_some())
    }
}

impl super::Outcome for VerifyOutcome {
    /// A copy read through only part way gave no verdict: exit 2, as for a
    /// store unreachable; a failed check: exit 1.
    fn verdict(&self) -> super::Verdict {
        if self.blocked().next().is_some() {
            super::Verdict::Failed
        } else {
            super::Verdict::found_if(!self.ok)
        }
    }
}

impl super::Vault {
    /// Verifies the selected snapshots in every store that lists them (see [`verify`]).
    ///
    /// # Errors
    /// As [`verify`].
    pub async fn verify(
        &self,
        sel: &Selection,
        identity: Option<&Path>,
        progress: Arc<dyn Progress>,
    ) -> Result<VerifyOutcome, OpsError> {
        let results = verify(self.config()?, sel, identity, progress).await?;
        Ok(VerifyOutcome {
            ok: results.iter().all(|r| r.ok),
            results,
        })
    }
}
