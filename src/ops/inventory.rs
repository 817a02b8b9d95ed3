//! What each store holds: complete snapshots (object + signed metadata), snapshots dated in the
//! future, incomplete uploads, and records that are not believed (unsigned, forged, misplaced).
//!
//! A snapshot is listed only when its metadata is signed by a trusted key
//! ([`crate::trust`]); the signature is checked before a byte of the metadata
//! is parsed. Everything else under `snapshots/` is sorted into what it is, so
//! that `verify`, `status` and `snapshots` can name it and `prune` can leave
//! what it cannot authenticate alone.

use std::collections::BTreeMap;

use futures::StreamExt;

use crate::catalog::{self, Metadata, SnapshotId};
use crate::sanitize::for_terminal;
use crate::store::{Listed, Store, StoreError, signed};
use crate::trust::{Kind, Vetting};

/// One store's snapshots.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Trusted metadata dated up to now, with the object beside it when present.
    pub snapshots: BTreeMap<SnapshotId, (Metadata, Option<Listed>)>,
    /// Trusted metadata dated later than now plus the clock skew: genuine, but
    /// made while a clock was wrong. Never `latest`, never counted.
    pub future: BTreeMap<SnapshotId, (Metadata, Option<Listed>)>,
    /// Objects without metadata (incomplete uploads, never listed or restored),
    /// and signatures whose metadata never came.
    pub incomplete: Vec<Listed>,
    /// Signed metadata that does not describe the key it is stored under
    /// (moved or copied under another id), or cannot be parsed: (key, why).
    pub unreadable: Vec<(String, String)>,
    /// Metadata that is not believed: (key, why). Never used, never removed by prune.
    pub untrusted: Vec<(String, String)>,
    /// The ids among those whose metadata carries no signature at all (made
    /// before eqvault signed, or planted): what `eqvault adopt` may look at.
    pub unsigned: Vec<SnapshotId>,
    /// Keys under `snapshots/` that are no part of the layout (names escaped).
    pub foreign: Vec<String>,
}

impl Inventory {
    /// Complete snapshots: trusted metadata with its object present.
    pub fn complete(&self) -> impl Iterator<Item = &Metadata> {
        self.snapshots
            .values()
            .filter(|(_, o)| o.is_some())
            .map(|(m, _)| m)
    }
}

/// Lists `store` and reads every metadata file with its signature (16 at a time).
///
/// # Errors
/// [`StoreError`] when the store cannot be listed or read.
pub async fn inventory(store: &Store, vet: &Vetting) -> Result<Inventory, StoreError> {
    let (listed, foreign) = store.list_all(catalog::SNAPSHOTS).await?;
    let (listed, lone_sigs) = signed::split_signatures(listed);
    let mut objects: BTreeMap<SnapshotId, Listed> = BTreeMap::new();
    let mut metas = Vec::new();
    let mut inv = Inventory {
        incomplete: lone_sigs,
        foreign,
        ..Inventory::default()
    };
    for l in listed {
        match catalog::id_of_key(&l.key) {
            Some((id, true)) => metas.push((id, l)),
            Some((id, false)) => {
                objects.insert(id, l);
            }
            None => inv.foreign.push(for_terminal(&l.key).into_owned()),
        }
    }
    // A few at a time, each body dropped once judged: memory does not grow
    // with what the store holds.
    let mut fetched = futures::stream::iter(metas)
        .map(|(id, l)| async move {
            let r = store.get_signed(&l.key, Kind::Snapshot, &vet.trusted).await;
            (id, l, r)
        })
        .buffer_unordered(signed::in_flight(Kind::Snapshot));
    // An object whose metadata is not believed is no incomplete upload: it is
    // named with its metadata and left alone.
    let mut rejected = Vec::new();
    while let Some((id, l, r)) = fetched.next().await {
        let shown = for_terminal(&l.key).into_owned();
        let read = match r {
            Ok(b) => b,
            // Removed between list and get (a concurrent prune): not there.
            Err(StoreError::NotFound { .. }) => continue,
            Err(
                e @ (StoreError::TooLarge { .. }
                | StoreError::Io { .. }
                | StoreError::Foreign { .. }),
            ) => {
                inv.untrusted.push((shown, e.to_string()));
                rejected.push(id);
                continue;
            }
            Err(e) => return Err(e),
        };
        if let Err(why) = read.signer {
            if why == crate::trust::Untrusted::Unsigned {
                inv.unsigned.push(id.clone());
            }
            inv.untrusted.push((shown, why.to_string()));
            rejected.push(id);
            continue;
        }
        match Metadata::from_slice(&l.key, &read.body) {
            // Signed for another vault and copied here: not this vault's snapshot.
            Ok(m) if m.vault.as_deref() != store.vault() => {
                inv.untrusted
                    .push((shown, catalog::vault_mismatch(m.vault.as_deref())));
                rejected.push(id);
            }
            Ok(m) => {
                let obj = objects.remove(&id);
                if vet.is_future(&m.created_at) {
                    inv.future.insert(id, (m, obj));
                } else {
                    inv.snapshots.insert(id, (m, obj));
                }
            }
            Err(e) => {
                inv.unreadable.push((shown, e.to_string()));
                rejected.push(id);
            }
        }
    }
    for id in rejected {
        objects.remove(&id);
    }
    inv.untrusted.sort();
    inv.unreadable.sort();
    inv.incomplete.extend(objects.into_values());
    Ok(inv)
}

pub use crate::catalog::SnapshotView;

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
