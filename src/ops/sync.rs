//! Sync: copy what one store has and another lacks (snapshots, drill records, holds, archived reports),
//! without decrypting, each copy verified by hash.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::OpsError;
use crate::store::{Chunk, Store, StoreError};

/// Prefixes of evidence files copied as they are (drill records, holds, sealed ledgers, report bags).
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
#[derive(Debug, Clone, Serialize, Default)]
pub struct SyncOutcome {
    /// Everything copied.
    pub copied: Vec<Copied>,
    /// What failed: (store, why).
    pub errors: Vec<(String, String)>,
}

/// Brings every store to the union of what all of them hold.
///
/// # Errors
/// [`OpsError`] when a store cannot be opened or listed.
pub async fn sync(cfg: &crate::Config) -> Result<SyncOutcome, OpsError> {
    let mut stores = Vec::new();
    let mut invs = Vec::new();
    let mut evidence: Vec<BTreeSet<String>> = Vec::new();
    for (_, r) in super::open_stores(cfg)? {
        let s = r?;
        invs.push(Some(super::inventory(&s).await?));
        let mut keys = BTreeSet::new();
        for p in EVIDENCE_PREFIXES {
            keys.extend(s.list(p).await?.into_iter().map(|l| l.key));
        }
        evidence.push(keys);
        stores.push(s);
    }
    let mut out = SyncOutcome::default();
    let views = super::merged(&invs);
    // Each evidence key and the first store that has it.
    let mut union: BTreeMap<String, usize> = BTreeMap::new();
    for (a, keys) in evidence.iter().enumerate() {
        for k in keys {
            union.entry(k.clone()).or_insert(a);
        }
    }
    for (b, dst) in stores.iter().enumerate() {
        let inv = invs[b].as_ref().expect("listed");
        // Oldest first, so an interrupted sync leaves the older history complete.
        for v in views.iter().rev() {
            if v.stores.contains(&b) {
                continue;
            }
            if inv.snapshots.contains_key(&v.meta.id) {
                out.errors.push((
                    dst.label.clone(),
                    format!("{}: metadata present but object missing; run `eqvault verify --all` and remove the broken metadata", v.meta.id),
                ));
                continue;
            }
            let src = &stores[v.stores[0]];
            match copy_snapshot(src, dst, &v.meta, inv).await {
                Ok(n) => out.copied.push(Copied {
                    key: v.meta.object.clone(),
                    from: src.label.clone(),
                    to: dst.label.clone(),
                    bytes: n,
                }),
                Err(e) => out.errors.push((dst.label.clone(), e.to_string())),
            }
        }
        // A report bag before its sidecar: the sidecar marks a complete bag.
        let mut keys: Vec<(&String, &usize)> = union.iter().collect();
        keys.sort_by_key(|(k, _)| k.starts_with("reports/") && k.ends_with(".json"));
        for (key, &a) in keys {
            if evidence[b].contains(key) {
                continue;
            }
            let src = &stores[a];
            match copy_small(src, dst, key).await {
                Ok(n) => out.copied.push(Copied {
                    key: key.clone(),
                    from: src.label.clone(),
                    to: dst.label.clone(),
                    bytes: n,
                }),
                Err(StoreError::Exists { .. }) => {}
                Err(e) => out.errors.push((dst.label.clone(), e.to_string())),
            }
        }
    }
    Ok(out)
}

/// Evidence objects larger than this (report bags) are streamed, not read whole.
const STREAM_ABOVE: u64 = 8 << 20;

/// Evidence files are small JSON records; they are read whole. Report bags
/// can be large and are streamed ([`copy_streamed`]).
async fn copy_small(src: &Store, dst: &Store, key: &str) -> Result<u64, StoreError> {
    if let Some(l) = src.head(key).await?
        && l.size > STREAM_ABOVE
    {
        return copy_streamed(src, dst, key).await;
    }
    let b = src.get_bytes(key).await?;
    let want = hex::encode(Sha256::digest(&b));
    let n = b.len() as u64;
    dst.put_if_absent(key, b).await?;
    let back = dst.get_bytes(key).await?;
    if hex::encode(Sha256::digest(&back)) != want {
        return Err(StoreError::Request {
            store: dst.label.clone(),
            key: key.to_string(),
            detail: "the copy reads back with another hash".into(),
        });
    }
    Ok(n)
}

/// Streams a large evidence object to a fresh key, then reads the copy back
/// and compares hashes; a copy that differs is removed.
async fn copy_streamed(src: &Store, dst: &Store, key: &str) -> Result<u64, StoreError> {
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
        if tx.send(Chunk::Data(chunk)).await.is_err() {
            break;
        }
    }
    let _ = tx.send(Chunk::Commit).await;
    let stored = task.await.map_err(|e| StoreError::Request {
        store: dst.label.clone(),
        key: key.to_string(),
        detail: format!("the upload task failed: {e}"),
    })??;
    let want = hex::encode(h.finalize());
    let (back, _) = dst
        .get_to(key, &mut tokio::io::sink(), &super::Quiet)
        .await?;
    if back != want || stored != n {
        dst.delete(key).await?;
        return Err(StoreError::Request {
            store: dst.label.clone(),
            key: key.to_string(),
            detail: "the copy reads back with another hash; removed".into(),
        });
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
    // A leftover incomplete upload under the same key would block the copy.
    if dst_inv.incomplete.iter().any(|l| l.key == meta.object) {
        dst.delete(&meta.object).await?;
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
    let body = src.get_bytes(&meta.id.metadata_key()).await?;
    dst.put_if_absent(&meta.id.metadata_key(), body).await?;
    Ok(n)
}
