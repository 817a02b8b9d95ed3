//! What each store holds: complete snapshots (object + metadata), incomplete uploads, unreadable metadata.

use std::collections::BTreeMap;

use futures::StreamExt;

use crate::catalog::{self, Metadata, SnapshotId};
use crate::store::{Listed, Store, StoreError};

/// One store's snapshots.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Metadata found, with the object beside it when present.
    pub snapshots: BTreeMap<SnapshotId, (Metadata, Option<Listed>)>,
    /// Objects without metadata: incomplete uploads, never listed or restored.
    pub incomplete: Vec<Listed>,
    /// Metadata that could not be read: (key, why).
    pub unreadable: Vec<(String, String)>,
}

impl Inventory {
    /// Complete snapshots: metadata with its object present.
    pub fn complete(&self) -> impl Iterator<Item = &Metadata> {
        self.snapshots
            .values()
            .filter(|(_, o)| o.is_some())
            .map(|(m, _)| m)
    }
}

/// Lists `store` and reads every metadata file (16 at a time).
///
/// # Errors
/// [`StoreError`] when the store cannot be listed.
pub async fn inventory(store: &Store) -> Result<Inventory, StoreError> {
    let listed = store.list(catalog::SNAPSHOTS).await?;
    let mut objects: BTreeMap<SnapshotId, Listed> = BTreeMap::new();
    let mut metas = Vec::new();
    for l in listed {
        match catalog::id_of_key(&l.key) {
            Some((id, true)) => metas.push((id, l)),
            Some((id, false)) => {
                objects.insert(id, l);
            }
            None => {}
        }
    }
    let fetched: Vec<_> = futures::stream::iter(metas)
        .map(|(id, l)| async move {
            let r = store.get_bytes(&l.key).await;
            (id, l, r)
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut inv = Inventory::default();
    for (id, l, r) in fetched {
        let bytes = match r {
            Ok(b) => b,
            // Removed between list and get (a concurrent prune): not there.
            Err(StoreError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        match Metadata::from_slice(&l.key, &bytes) {
            Ok(m) => {
                let obj = objects.remove(&id);
                inv.snapshots.insert(id, (m, obj));
            }
            Err(e) => inv.unreadable.push((l.key.clone(), e.to_string())),
        }
    }
    inv.incomplete = objects.into_values().collect();
    Ok(inv)
}

/// A snapshot as seen across all stores.
#[derive(Debug, Clone)]
pub struct SnapshotView {
    /// Its metadata (from the first store that has it).
    pub meta: Metadata,
    /// Indexes of the stores holding a complete copy, in config order.
    pub stores: Vec<usize>,
}

/// Complete snapshots across stores, newest first.
pub fn merged(invs: &[Option<Inventory>]) -> Vec<SnapshotView> {
    let mut all: BTreeMap<SnapshotId, SnapshotView> = BTreeMap::new();
    for (i, inv) in invs.iter().enumerate() {
        let Some(inv) = inv else { continue };
        for m in inv.complete() {
            all.entry(m.id.clone())
                .or_insert_with(|| SnapshotView {
                    meta: m.clone(),
                    stores: Vec::new(),
                })
                .stores
                .push(i);
        }
    }
    let mut v: Vec<_> = all.into_values().collect();
    v.reverse();
    v
}
