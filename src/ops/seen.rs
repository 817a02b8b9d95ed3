//! What this host has seen in each store, so that a snapshot that disappears is noticed.
//!
//! Every listing of a store with trusted snapshots adds them to
//! `[state] dir/seen.json`; this host's own `prune` takes out what it removed.
//! A snapshot seen before and gone now, without a prune by this host, has
//! *vanished*: someone with delete access to the store removed it (or another
//! host pruned it). `status` and `verify` name it until `eqvault forget`
//! acknowledges it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::OpsError;
use super::inventory::Inventory;
use crate::catalog::SnapshotId;

/// The file, in the state folder.
pub const FILE: &str = "seen.json";

#[derive(Debug, Default, Serialize, Deserialize)]
struct Seen {
    /// Per store label: the ids of trusted, complete snapshots seen there.
    stores: BTreeMap<String, BTreeSet<SnapshotId>>,
    /// Every trusted drill record seen (in any store), by id: deleting the
    /// record of a failed drill must not turn `status` green.
    #[serde(default)]
    drills: BTreeMap<String, SeenDrill>,
    /// Per store label: the id of the trusted marker seen there.
    #[serde(default)]
    markers: BTreeMap<String, String>,
    /// The first day (Vietnam) eqvault was ever seen to hold evidence for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evidence_since: Option<chrono::NaiveDate>,
}

#[cfg(test)]
mod evidence_tests {
    use super::*;

    #[test]
    fn the_first_day_of_evidence_never_moves_later() {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(evidence_since(dir.path(), None).unwrap(), None);
        assert_eq!(
            evidence_since(dir.path(), Some(d(3, 1))).unwrap(),
            Some(d(3, 1))
        );
        // Old evidence gone (a store replaced, snapshots deleted): the day stays.
        assert_eq!(
            evidence_since(dir.path(), Some(d(9, 1))).unwrap(),
            Some(d(3, 1))
        );
        assert_eq!(evidence_since(dir.path(), None).unwrap(), Some(d(3, 1)));
        // Older evidence found (an adopted snapshot): the day moves earlier.
        assert_eq!(
            evidence_since(dir.path(), Some(d(1, 2))).unwrap(),
            Some(d(1, 2))
        );
    }
}

/// The first day eqvault holds evidence for: the earlier of `now` (what the
/// stores show today) and every day recorded before, which is kept. It never
/// moves later.
///
/// # Errors
/// As [`observe`].
pub fn evidence_since(
    state_dir: &Path,
    now: Option<chrono::NaiveDate>,
) -> Result<Option<chrono::NaiveDate>, OpsError> {
    update(state_dir, |s| {
        let earliest = match (s.evidence_since, now) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        s.evidence_since = earliest;
        earliest
    })
}

/// Records the marker id of `store` the first time; returns the one seen
/// before while it differs (until [`marker_accepted`]).
///
/// # Errors
/// As [`observe`].
pub fn marker(state_dir: &Path, store: &str, id: &str) -> Result<Option<String>, OpsError> {
    update(state_dir, |s| match s.markers.get(store) {
        Some(was) if was != id => Some(was.clone()),
        Some(_) => None,
        None => {
            s.markers.insert(store.to_string(), id.to_string());
            None
        }
    })
}

/// `store add` on a store: its marker now is the one to expect.
///
/// # Errors
/// As [`observe`].
pub fn marker_accepted(state_dir: &Path, store: &str, id: &str) -> Result<(), OpsError> {
    update(state_dir, |s| {
        s.markers.insert(store.to_string(), id.to_string());
    })
}

/// What is remembered of a drill record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SeenDrill {
    /// The drill.
    pub id: String,
    /// The snapshot it restored.
    pub snapshot: String,
    /// Its verdict.
    pub status: crate::catalog::drill::Status,
    /// When it started.
    pub started_at: chrono::DateTime<chrono::FixedOffset>,
    /// The restore time it measured.
    pub seconds: f64,
}

impl From<&crate::catalog::DrillRecord> for SeenDrill {
    fn from(r: &crate::catalog::DrillRecord) -> SeenDrill {
        SeenDrill {
            id: r.id.clone(),
            snapshot: r.snapshot.clone(),
            status: r.status,
            started_at: r.started_at,
            seconds: r.seconds,
        }
    }
}

/// Records the drill records seen now (`present`, from every store) and, when
/// every store could be listed (`complete`), returns those seen before that
/// are gone from all of them, oldest first.
///
/// # Errors
/// As [`observe`].
pub fn observe_drills(
    state_dir: &Path,
    present: &[crate::catalog::DrillRecord],
    complete: bool,
) -> Result<Vec<SeenDrill>, OpsError> {
    update(state_dir, |s| {
        let here: BTreeSet<&str> = present.iter().map(|r| r.id.as_str()).collect();
        let mut gone: Vec<SeenDrill> = if complete {
            s.drills
                .values()
                .filter(|d| !here.contains(d.id.as_str()))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        gone.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        for r in present {
            s.drills.insert(r.id.clone(), SeenDrill::from(r));
        }
        gone
    })
}

/// Records a drill this host just recorded in the stores.
///
/// # Errors
/// As [`observe`].
pub fn drilled(state_dir: &Path, r: &crate::catalog::DrillRecord) -> Result<(), OpsError> {
    update(state_dir, |s| {
        s.drills.insert(r.id.clone(), SeenDrill::from(r));
    })
}

/// Forgets the drill records seen before that are not in `present`.
///
/// # Errors
/// As [`observe`].
pub fn forget_drills(
    state_dir: &Path,
    present: &BTreeSet<String>,
) -> Result<Vec<String>, OpsError> {
    update(state_dir, |s| {
        let gone: Vec<String> = s
            .drills
            .keys()
            .filter(|id| !present.contains(*id))
            .cloned()
            .collect();
        for id in &gone {
            s.drills.remove(id);
        }
        gone
    })
}

fn path(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE)
}

/// Runs `f` on the state under an exclusive lock, then writes it back atomically.
fn update<T>(state_dir: &Path, f: impl FnOnce(&mut Seen) -> T) -> Result<T, OpsError> {
    super::create_private_dir(state_dir)?;
    let lock_path = state_dir.join("seen.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(OpsError::io("cannot open", &lock_path))?;
    lock.lock()
        .map_err(OpsError::io("cannot lock", &lock_path))?;
    let p = path(state_dir);
    let mut seen: Seen = match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b).unwrap_or_else(|e| {
            tracing::warn!(file = %p.display(), error = %e, "the list of snapshots seen is damaged; starting it again");
            Seen::default()
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Seen::default(),
        Err(e) => return Err(OpsError::io("cannot read", &p)(e)),
    };
    let out = f(&mut seen);
    let tmp = state_dir.join(format!("{FILE}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut t = std::fs::File::create(&tmp)?;
        t.write_all(&serde_json::to_vec_pretty(&seen).expect("serialises"))?;
        t.sync_all()?;
        std::fs::rename(&tmp, &p)
    };
    write().map_err(OpsError::io("cannot write", &p))?;
    drop(lock);
    Ok(out)
}

/// Records what `store` holds now and returns the snapshots seen there before
/// that are gone (metadata or object), oldest first.
///
/// # Errors
/// [`OpsError::Io`] when the state folder cannot be written.
pub fn observe(
    state_dir: &Path,
    store: &str,
    inv: &Inventory,
) -> Result<Vec<SnapshotId>, OpsError> {
    let present: BTreeSet<SnapshotId> = inv
        .snapshots
        .iter()
        .chain(inv.future.iter())
        .filter(|(_, (_, obj))| obj.is_some())
        .map(|(id, _)| id.clone())
        .collect();
    update(state_dir, |s| {
        let set = s.stores.entry(store.to_string()).or_default();
        let gone: Vec<SnapshotId> = set.difference(&present).cloned().collect();
        set.extend(present);
        gone
    })
}

/// Records a snapshot this host just wrote to `store` as seen there.
///
/// # Errors
/// As [`observe`].
pub fn wrote(state_dir: &Path, store: &str, id: &SnapshotId) -> Result<(), OpsError> {
    update(state_dir, |s| {
        s.stores
            .entry(store.to_string())
            .or_default()
            .insert(id.clone());
    })
}

/// Takes ids out of what was seen in `store`: this host removed them (prune).
///
/// # Errors
/// As [`observe`].
pub fn removed(state_dir: &Path, store: &str, ids: &[SnapshotId]) -> Result<(), OpsError> {
    update(state_dir, |s| {
        if let Some(set) = s.stores.get_mut(store) {
            for id in ids {
                set.remove(id);
            }
        }
    })
}

/// Acknowledges vanished snapshots: forgets `ids` in every store (all vanished
/// ones when `ids` is `None`, given what each store holds now). Returns what was forgotten.
///
/// # Errors
/// As [`observe`].
pub fn forget(
    state_dir: &Path,
    ids: Option<&[SnapshotId]>,
    present: &BTreeMap<String, BTreeSet<SnapshotId>>,
) -> Result<Vec<(String, SnapshotId)>, OpsError> {
    update(state_dir, |s| {
        let mut out = Vec::new();
        for (store, set) in &mut s.stores {
            let here = present.get(store);
            set.retain(|id| {
                let drop = match ids {
                    Some(ids) => ids.contains(id),
                    // Only what is gone: with no listing of the store, nothing.
                    None => here.is_some_and(|h| !h.contains(id)),
                };
                if drop {
                    out.push((store.clone(), id.clone()));
                }
                !drop
            });
        }
        out
    })
}

/// `eqvault forget`: acknowledges vanished snapshots (these ids, or every one
/// vanished now) so that `status` and `verify` stop naming them.
///
/// # Errors
/// [`OpsError`] when a store cannot be listed or the state cannot be written.
pub async fn forget_vanished(
    cfg: &crate::Config,
    ids: Option<&[SnapshotId]>,
) -> Result<Forgotten, OpsError> {
    let vet = super::vetting(cfg, chrono::Utc::now())?;
    let sv = super::survey_all(cfg, &vet, false).await?;
    let mut present = BTreeMap::new();
    for (label, inv) in sv.labels.iter().zip(&sv.invs) {
        let inv = inv.as_ref().expect("listed");
        let here: BTreeSet<SnapshotId> = inv
            .snapshots
            .iter()
            .chain(inv.future.iter())
            .filter(|(_, (_, o))| o.is_some())
            .map(|(id, _)| id.clone())
            .collect();
        present.insert(label.clone(), here);
    }
    let mut out = Forgotten {
        snapshots: forget(&cfg.state_dir, ids, &present)?,
        drills: Vec::new(),
    };
    if ids.is_none() {
        // `--vanished` acknowledges vanished drill records too (every store was listed).
        let mut here = BTreeSet::new();
        for s in sv.stores.iter().flatten() {
            for r in super::drill::records(s, &vet).await?.trusted {
                here.insert(r.id);
            }
        }
        out.drills = forget_drills(&cfg.state_dir, &here)?;
    }
    Ok(out)
}

/// What `forget` acknowledged.
#[derive(Debug, Clone)]
pub struct Forgotten {
    /// Vanished snapshots: (store, snapshot).
    pub snapshots: Vec<(String, SnapshotId)>,
    /// Vanished drill records (`--vanished` only).
    pub drills: Vec<String>,
}

impl serde::Serialize for Forgotten {
    /// `{"forgotten": [{"store", "id"}], "drills": [id]}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct One<'a> {
            store: &'a str,
            id: &'a SnapshotId,
        }
        #[derive(serde::Serialize)]
        struct View<'a> {
            forgotten: Vec<One<'a>>,
            drills: &'a [String],
        }
        View {
            forgotten: self
                .snapshots
                .iter()
                .map(|(store, id)| One { store, id })
                .collect(),
            drills: &self.drills,
        }
        .serialize(s)
    }
}

impl super::Outcome for Forgotten {
    fn verdict(&self) -> super::Verdict {
        super::Verdict::Ok
    }
}

impl super::Vault {
    /// Stops naming vanished snapshots (these ids, or every one vanished now).
    ///
    /// # Errors
    /// As [`forget_vanished`].
    pub async fn forget(&self, ids: Option<&[SnapshotId]>) -> Result<Forgotten, OpsError> {
        forget_vanished(self.config()?, ids).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn inv(ids: &[SnapshotId]) -> Inventory {
        let mut i = Inventory::default();
        for id in ids {
            let meta = crate::catalog::Metadata {
                format_version: 1,
                id: id.clone(),
                created_at: id.time().with_timezone(&crate::catalog::vietnam()),
                object: id.object_key(),
                object_bytes: 1,
                object_sha256: "00".into(),
                database_bytes: 1,
                recipients: vec![],
                row_counts: Default::default(),
                tool_version: "x".into(),
                vault: None,
                schema_sha256: None,
                suspect: None,
            };
            let obj = crate::store::Listed {
                key: id.object_key(),
                size: 1,
                modified: Utc::now(),
            };
            i.snapshots.insert(id.clone(), (meta, Some(obj)));
        }
        i
    }

    #[test]
    fn a_snapshot_that_disappears_without_a_prune_is_named_once_seen() {
        let d = tempfile::tempdir().unwrap();
        let a = SnapshotId::new(Utc::now() - chrono::Duration::days(2));
        let b = SnapshotId::new(Utc::now() - chrono::Duration::days(1));
        assert!(
            observe(d.path(), "s", &inv(&[a.clone(), b.clone()]))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            observe(d.path(), "s", &inv(std::slice::from_ref(&b))).unwrap(),
            vec![a.clone()]
        );
        // Still named on the next look: nobody acknowledged it.
        assert_eq!(
            observe(d.path(), "s", &inv(std::slice::from_ref(&b))).unwrap(),
            vec![a.clone()]
        );
        // Another store knows nothing of it.
        assert!(observe(d.path(), "t", &inv(&[])).unwrap().is_empty());
        // This host's prune removed b: not vanished.
        removed(d.path(), "s", std::slice::from_ref(&b)).unwrap();
        let present = BTreeMap::from([("s".to_string(), BTreeSet::new())]);
        assert_eq!(
            forget(d.path(), None, &present).unwrap(),
            vec![("s".into(), a)]
        );
        assert!(observe(d.path(), "s", &inv(&[])).unwrap().is_empty());
    }
}
