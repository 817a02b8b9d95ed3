//! Sync: copy what one store has and another lacks (snapshots, drill records, holds, archived reports),
//! without decrypting, each copy verified by hash.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::OpsError;
use crate::store::{Chunk, Store, StoreError};

/// The prefixes of signed evidence: drill records, holds, sealed ledgers, report bags.
pub const EVIDENCE_PREFIXES: [&str; 4] = ["drills", "holds", "ledger", "reports"];

/// One copied object.
#[derive(Debug, Clone, Serialize)]
pub struct Copied {
    /// The key.
    pub key: String,
    /// From which store.
    pub from: String,
    /// To which store.
    pub to: String,
    /// Its length.
    pub bytes: u64,
}

/// What sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncOutcome {
    /// Everything copied.
    pub copied: Vec<Copied>,
    /// What failed: (store, why).
    pub errors: Vec<(String, String)>,
    /// Each error of `errors` in words, when eqvault says it (the others are
    /// a store's own message): one entry per error, in the same order.
    pub said: Vec<Option<crate::lang::Msg>>,
    /// What was not copied because it is not believed: (store, key, why).
    pub untrusted: Vec<(String, String, String)>,
}

impl SyncOutcome {
    /// A store that failed, with the store's own message.
    fn failed(&mut self, store: &str, why: String) {
        self.errors.push((store.to_string(), why));
        self.said.push(None);
    }

    /// A store that failed, in eqvault's words (its English is the error).
    fn failed_said(&mut self, store: &str, why: crate::lang::Msg) {
        self.errors.push((store.to_string(), why.to_string()));
        self.said.push(Some(why));
    }
}

/// The object a record covers by hash: (key, bytes, SHA-256).
type Covered = Option<(String, u64, String)>;

/// A signed record to bring to every store, with the object it vouches for.
struct Evidence {
    /// The record's key (its signature is beside it).
    key: String,
    /// The object it covers by hash, if any.
    object: Covered,
    /// The stores holding the record (and its object, whole).
    holders: BTreeSet<usize>,
}

/// Brings every store to the union of what all of them hold, copying only what
/// a trusted key signed, each object checked against the hash its signed
/// record gives, and each record after its object and its signature.
///
/// # Errors
/// [`OpsError`] when a store cannot be opened or listed, or a local store has
/// no trusted marker (nothing is copied into an unmounted NAS folder).
pub async fn sync(cfg: &crate::Config) -> Result<SyncOutcome, OpsError> {
    let vet = super::vetting(cfg, chrono::Utc::now())?;
    let sv = super::survey_all(cfg, &vet, true).await?;
    let stores: Vec<&Store> = sv
        .stores
        .iter()
        .map(|s| s.as_ref().expect("open"))
        .collect();
    let invs = &sv.invs;
    let mut out = SyncOutcome::default();
    let views = super::merged(invs);
    let evidence = gather_evidence(&stores, &vet, &mut out).await?;
    for (b, dst) in stores.iter().enumerate() {
        let inv = invs[b].as_ref().expect("listed");
        // Oldest first, so an interrupted sync leaves the older history complete.
        for v in views.iter().rev() {
            if v.stores.contains(&b) {
                continue;
            }
            if inv.snapshots.contains_key(&v.meta.id) {
                out.failed_said(
                    &dst.label,
                    crate::lang::Msg::new("sync-object-missing").arg("id", &v.meta.id),
                );
                continue;
            }
            let src = stores[v.stores[0]];
            match copy_snapshot(src, dst, &v.meta, inv).await {
                Ok(n) => out.copied.push(Copied {
                    key: v.meta.object.clone(),
                    from: src.label.clone(),
                    to: dst.label.clone(),
                    bytes: n,
                }),
                Err(e) => out.failed(&dst.label, e.to_string()),
            }
        }
        for ev in &evidence {
            if ev.holders.contains(&b) {
                continue;
            }
            let Some(&a) = ev.holders.iter().next() else {
                continue;
            };
            let src = stores[a];
            match copy_evidence(src, dst, ev).await {
                Ok(done) => out
                    .copied
                    .extend(done.into_iter().map(|(key, bytes)| Copied {
                        key,
                        from: src.label.clone(),
                        to: dst.label.clone(),
                        bytes,
                    })),
                Err(StoreError::Exists { key, .. }) => out.failed_said(
                    &dst.label,
                    crate::lang::Msg::new("sync-not-the-trusted-copy")
                        .arg("key", crate::sanitize::for_terminal(&key)),
                ),
                Err(e) => out.failed(&dst.label, e.to_string()),
            }
        }
    }
    Ok(out)
}

/// Every trusted record under the evidence prefixes in every store, and which
/// stores hold it whole. What is not trusted is listed in `out`.
async fn gather_evidence(
    stores: &[&Store],
    vet: &crate::trust::Vetting,
    out: &mut SyncOutcome,
) -> Result<Vec<Evidence>, OpsError> {
    use crate::trust::Kind;
    let mut all: BTreeMap<String, Evidence> = BTreeMap::new();
    for (i, s) in stores.iter().enumerate() {
        let listed: BTreeMap<String, u64> = {
            let mut m = BTreeMap::new();
            for p in EVIDENCE_PREFIXES {
                m.extend(s.list(p).await?.into_iter().map(|l| (l.key, l.size)));
            }
            m
        };
        let whole = |obj: &Covered| {
            obj.as_ref()
                .is_none_or(|(k, n, _)| listed.get(k.as_str()) == Some(n))
        };
        let mut found: Vec<(String, Covered)> = Vec::new();
        let mut rejected = Vec::new();
        let d = super::drill::records(s, vet).await?;
        found.extend(d.trusted.iter().chain(&d.future).map(|r| (r.key(), None)));
        rejected.extend(d.rejected);
        let h = super::prune::holds(s, vet).await?;
        found.extend(
            h.trusted
                .iter()
                .map(|h| (super::prune::hold_key(&h.id), None)),
        );
        rejected.extend(h.rejected);
        let l = super::ledger::sealed_records(s, vet).await?;
        found.extend(l.good.iter().map(|(_, r, _)| {
            (
                crate::ledger::Sealed::record_key(&r.snapshot),
                Some((r.object.clone(), r.object_bytes, r.object_sha256.clone())),
            )
        }));
        rejected.extend(l.rejected);
        let bags = crate::store::signed::read_records(
            s,
            crate::archive::REPORTS,
            Kind::Bag,
            &vet.trusted,
            |k| k.ends_with(crate::archive::SIDECAR_SUFFIX),
            |k, b| crate::archive::Sidecar::parse_in(s.vault(), k, b),
        )
        .await?;
        found.extend(bags.good.iter().map(|(_, sc, _)| {
            (
                sc.key(),
                Some((sc.object.clone(), sc.object_bytes, sc.object_sha256.clone())),
            )
        }));
        rejected.extend(bags.rejected);
        // Withdrawals of misfiled bags are evidence too: every store keeps them.
        let withdrawn = crate::store::signed::read_records(
            s,
            crate::archive::REPORTS,
            Kind::Withdrawal,
            &vet.trusted,
            |k| k.ends_with(crate::archive::WITHDRAWAL_SUFFIX),
            |k, b| crate::archive::Withdrawal::parse_in(s.vault(), k, b),
        )
        .await?;
        found.extend(withdrawn.good.iter().map(|(_, w, _)| (w.key(), None)));
        rejected.extend(withdrawn.rejected);
        // Acknowledgements of suspect snapshots: every store says the same.
        let acks = crate::store::signed::read_records(
            s,
            super::guard::ACKS,
            Kind::GuardAck,
            &vet.trusted,
            |k| k.ends_with(".json"),
            |k, b| super::guard::Ack::parse_in(s.vault(), k, b),
        )
        .await?;
        found.extend(acks.good.iter().map(|(_, a, _)| (a.key(), None)));
        rejected.extend(acks.rejected);
        for (k, why) in rejected {
            out.untrusted.push((s.label.clone(), k, why));
        }
        for (key, object) in found {
            let ok = whole(&object);
            let e = all.entry(key.clone()).or_insert_with(|| Evidence {
                key,
                object: object.clone(),
                holders: BTreeSet::new(),
            });
            if ok && e.object == object {
                e.holders.insert(i);
            }
        }
    }
    Ok(all.into_values().collect())
}

/// Copies one signed record: its object first (streamed, checked against the
/// record's hash, read back), then the signature, then the record. Returns
/// what was copied: (key, bytes), the object first.
async fn copy_evidence(
    src: &Store,
    dst: &Store,
    ev: &Evidence,
) -> Result<Vec<(String, u64)>, StoreError> {
    let mut done = Vec::new();
    if let Some((key, bytes, sha)) = &ev.object
        && dst.head(key).await?.is_none()
    {
        done.push((key.clone(), copy_checked(src, dst, key, *bytes, sha).await?));
    }
    let sig = src.get_signature(&ev.key).await?;
    let body = src
        .get_bytes_max(&ev.key, crate::store::signed::MAX_RECORD_BYTES)
        .await?;
    let n = (sig.len() + body.len()) as u64;
    dst.put_signature(&ev.key, sig).await?;
    dst.put_if_absent(&ev.key, body).await?;
    done.push((ev.key.clone(), n));
    Ok(done)
}

/// Streams `key` to a fresh key in `dst`, refusing it unless it has exactly
/// `bytes` bytes hashing to `sha`; reads the copy back and removes it when it differs.
async fn copy_checked(
    src: &Store,
    dst: &Store,
    key: &str,
    bytes: u64,
    sha: &str,
) -> Result<u64, StoreError> {
    let mismatch = |store: &Store, detail: String| StoreError::Request {
        store: store.label.clone(),
        key: key.to_string(),
        detail,
    };
    let (tx, task) = dst.start_upload(key, 8);
    let mut stream = src.get_stream(key).await?;
    let mut h = Sha256::new();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                // Dropping the sender aborts the upload: nothing appears under the key.
                drop(tx);
                let _ = task.await;
                return Err(e);
            }
        };
        h.update(&chunk);
        n += chunk.len() as u64;
        if n > bytes {
            break;
        }
        if tx.send(Chunk::Data(chunk)).await.is_err() {
            break;
        }
    }
    let got = hex::encode(h.finalize());
    if got != sha || n != bytes {
        drop(tx);
        let _ = task.await;
        return Err(mismatch(
            src,
            format!(
                "does not match its signed record ({n} bytes hashing to {got}; the record says {bytes} bytes, {sha}): not copied; run `eqvault archive verify --all` or `eqvault verify --all`"
            ),
        ));
    }
    let _ = tx.send(Chunk::Commit).await;
    task.await
        .map_err(|e| mismatch(dst, format!("the upload task failed: {e}")))??;
    let (back, _) = dst
        .get_to(key, &mut tokio::io::sink(), &super::Quiet)
        .await?;
    if back != sha {
        dst.delete(key).await?;
        return Err(mismatch(
            dst,
            "the copy reads back with another hash; removed".into(),
        ));
    }
    Ok(n)
}

/// Streams the object, checks its hash against the metadata, reads the copy back
/// and checks it again, and only then writes the metadata.
async fn copy_snapshot(
    src: &Store,
    dst: &Store,
    meta: &crate::catalog::Metadata,
    dst_inv: &super::Inventory,
) -> Result<u64, OpsError> {
    // A leftover incomplete upload under the same key would block the copy. One
    // S3 Object Lock keeps is used as it is when it is the very object (the read
    // back below checks its hash).
    if dst_inv.incomplete.iter().any(|l| l.key == meta.object) {
        match dst.delete(&meta.object).await {
            Ok(()) => {}
            Err(StoreError::Locked { .. }) => {
                return finish_copy(src, dst, meta, meta.object_bytes).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let (tx, task) = dst.start_upload(&meta.object, 8);
    let mut stream = src.get_stream(&meta.object).await?;
    let mut h = Sha256::new();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        h.update(&chunk);
        n += chunk.len() as u64;
        if tx.send(Chunk::Data(chunk)).await.is_err() {
            break;
        }
    }
    let sha = hex::encode(h.finalize());
    if sha != meta.object_sha256 || n != meta.object_bytes {
        drop(tx);
        let _ = task.await;
        return Err(OpsError::ObjectMismatch {
            store: src.label.clone(),
            key: meta.object.clone(),
            detail: format!(
                "hashes to {sha} ({n} bytes), metadata says {}",
                meta.object_sha256
            ),
        });
    }
    let _ = tx.send(Chunk::Commit).await;
    task.await
        .map_err(|e| OpsError::Internal(e.to_string()))??;
    finish_copy(src, dst, meta, n).await
}

/// Reads the copy back, checks its hash, then writes the signature and the metadata.
async fn finish_copy(
    src: &Store,
    dst: &Store,
    meta: &crate::catalog::Metadata,
    n: u64,
) -> Result<u64, OpsError> {
    let mut sink = tokio::io::sink();
    let (back, _) = dst.get_to(&meta.object, &mut sink, &super::Quiet).await?;
    if back != meta.object_sha256 {
        dst.delete(&meta.object).await?;
        return Err(OpsError::ObjectMismatch {
            store: dst.label.clone(),
            key: meta.object.clone(),
            detail: "the copy reads back with another hash; removed".into(),
        });
    }
    // The signature before the metadata: a snapshot is never visible unsigned.
    let mk = meta.id.metadata_key();
    let sig = src.get_signature(&mk).await?;
    let body = src
        .get_bytes_max(&mk, crate::store::signed::MAX_RECORD_BYTES)
        .await?;
    dst.put_signature(&mk, sig).await?;
    dst.put_if_absent(&mk, body).await?;
    Ok(n)
}

impl Serialize for SyncOutcome {
    /// `{"copied", "errors": [{"store", "error"}], "untrusted": [{"store", "key", "why"}]}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use super::json::{StoreFailure, Untrusted, failures, untrusted};
        #[derive(Serialize)]
        struct View<'a> {
            copied: &'a [Copied],
            errors: Vec<StoreFailure<'a>>,
            untrusted: Vec<Untrusted<'a>>,
        }
        View {
            copied: &self.copied,
            errors: failures(&self.errors),
            untrusted: untrusted(&self.untrusted),
        }
        .serialize(s)
    }
}

impl super::Outcome for SyncOutcome {
    /// A store that could not take a copy: exit 2.
    fn verdict(&self) -> super::Verdict {
        super::Verdict::failed_if(!self.errors.is_empty())
    }
}

impl super::Vault {
    /// Brings every store to the union of what all of them hold (see [`sync`]).
    ///
    /// # Errors
    /// As [`sync`].
    pub async fn sync(&self) -> Result<SyncOutcome, OpsError> {
        sync(self.config()?).await
    }
}
