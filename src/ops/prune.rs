//! Retention: which snapshots to keep and why, with floors no setting can lower, and the removal itself.
//!
//! Floors: the newest snapshot of every calendar quarter (Vietnam time) within
//! the quarterly retention (default forever; Art. 12.1), the newest snapshot
//! that passed a drill, and held snapshots. Removal deletes the metadata first,
//! then the object, so a snapshot is never half-visible; uploads that never got
//! their metadata are cleaned after a grace period.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use chrono::{DateTime, Datelike, FixedOffset, Utc};

use serde::{Deserialize, Serialize};

use super::OpsError;
use crate::catalog::{self, SnapshotId};
use crate::config::{Config, Keep, Retention};
use crate::store::{Store, StoreError};

/// Why prune keeps a snapshot the deletion guard marked and nobody acknowledged.
pub const SUSPECT_REASON: &str = "marked suspect by the deletion guard and no acknowledgement records it yet: evidence, kept until `guard ack`";

/// Where holds live in a store.
pub const HOLDS: &str = "holds";

/// A hold: this snapshot must not be removed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hold {
    /// The snapshot.
    pub id: SnapshotId,
    /// Why it is held.
    pub reason: String,
    /// Since when.
    pub since: DateTime<FixedOffset>,
    /// The vault (`[database] vault`) it was signed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
}

/// The key of a hold.
pub fn hold_key(id: &SnapshotId) -> String {
    format!("{HOLDS}/{id}.json")
}

/// Where the signed records of released holds live.
pub const RELEASED: &str = "holds/released";

/// A hold released: signed, so that the hold, re-uploaded by anyone who kept
/// a copy, is not believed again. A new hold on the same snapshot (another
/// `since`) is a new hold.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Release {
    /// The snapshot.
    pub id: SnapshotId,
    /// The `since` of the hold released.
    pub hold_since: DateTime<FixedOffset>,
    /// When it was released.
    pub released_at: DateTime<FixedOffset>,
    /// The vault (`[database] vault`) it was signed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
}

impl Release {
    /// Its key.
    pub fn key(&self) -> String {
        format!(
            "{RELEASED}/{}-{}.json",
            self.id,
            self.hold_since.timestamp()
        )
    }
}

/// The decision for one snapshot.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Decision {
    /// The snapshot.
    pub id: SnapshotId,
    /// Why it is kept (empty: removed).
    pub reasons: Vec<String>,
}

/// Names the calendar bucket (day, week, month, year) a local time falls in.
type Bucket = fn(&DateTime<FixedOffset>) -> String;

/// Decides what to keep. Pure: the same inputs give the same plan, so a dry run
/// shows exactly what a real run removes.
pub fn plan(
    snapshots: &[(SnapshotId, DateTime<FixedOffset>)],
    r: &Retention,
    drilled_ok: Option<&SnapshotId>,
    held: &BTreeSet<SnapshotId>,
    now: DateTime<Utc>,
) -> Vec<Decision> {
    let mut sorted: Vec<_> = snapshots.to_vec();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0))); // newest first
    let mut reasons: BTreeMap<SnapshotId, Vec<String>> = sorted
        .iter()
        .map(|(id, _)| (id.clone(), Vec::new()))
        .collect();
    let vn = catalog::vietnam();
    // Unknown ids (a hold on a snapshot that is gone) are ignored.
    let mut add = |id: &SnapshotId, why: String| {
        if let Some(v) = reasons.get_mut(id) {
            v.push(why);
        }
    };

    for (id, _) in sorted.iter().take(r.keep_last as usize) {
        add(id, "last".into());
    }
    let buckets: [(&str, u32, Bucket); 4] = [
        ("daily", r.keep_daily, |t| t.format("%Y-%m-%d").to_string()),
        ("weekly", r.keep_weekly, |t| {
            let w = t.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }),
        ("monthly", r.keep_monthly, |t| t.format("%Y-%m").to_string()),
        ("yearly", r.keep_yearly, |t| t.format("%Y").to_string()),
    ];
    for (name, n, bucket) in buckets {
        let mut seen = BTreeSet::new();
        for (id, t) in &sorted {
            if seen.len() >= n as usize {
                break;
            }
            let b = bucket(&t.with_timezone(&vn));
            if seen.insert(b.clone()) {
                add(id, format!("{name} {b}"));
            }
        }
    }
    if let Some(w) = r.keep_within {
        let limit = w.before(now);
        for (id, t) in &sorted {
            if t.with_timezone(&Utc) >= limit {
                add(id, format!("within {w}"));
            }
        }
    }
    // Floor: the newest snapshot of every calendar quarter.
    let quarter_limit = match r.keep_quarterly {
        Keep::Forever => None,
        Keep::For(s) => Some(s.before(now)),
    };
    let mut quarters = BTreeSet::new();
    for (id, t) in &sorted {
        let l = t.with_timezone(&vn);
        let q = format!("{}-Q{}", l.year(), (l.month() - 1) / 3 + 1);
        if quarters.insert(q.clone())
            && quarter_limit.is_none_or(|lim| t.with_timezone(&Utc) >= lim)
        {
            add(id, format!("quarterly {q} (floor)"));
        }
    }
    if let Some(d) = drilled_ok {
        add(d, "newest snapshot that passed a drill (floor)".into());
    }
    for h in held {
        add(h, "held (floor)".into());
    }
    sorted
        .iter()
        .map(|(id, _)| Decision {
            id: id.clone(),
            reasons: reasons.remove(id).unwrap_or_default(),
        })
        .collect()
}

/// What prune did (or would do).
#[derive(Debug, Clone)]
pub struct PruneOutcome {
    /// Kept, with reasons.
    pub keep: Vec<Decision>,
    /// Removed (or to remove, on a dry run).
    pub remove: Vec<Decision>,
    /// Incomplete uploads removed (or to remove): (store, key).
    pub incomplete: Vec<(String, String)>,
    /// Superseded sealed ledgers removed (or to remove): (store, key).
    pub ledgers: Vec<(String, String)>,
    /// What prune cannot authenticate and so never removes: (store, key, why).
    pub untrusted: Vec<(String, String, String)>,
    /// Snapshots retention would remove that a store refused to delete: (id, store, why).
    /// They are not in `remove`.
    pub not_removed: Vec<(SnapshotId, String, String)>,
    /// Failures: (store, what). What failed was not removed.
    pub errors: Vec<(String, String)>,
    /// What retention (or cleaning) would remove that S3 Object Lock still
    /// protects: never asked to go, removed by a prune after the date.
    pub locked: Vec<Locked>,
    /// Quarterly copies whose lock was lengthened: (id, store, until).
    pub extended: Vec<(SnapshotId, String, DateTime<Utc>)>,
    /// Nothing was deleted.
    pub dry_run: bool,
}

/// Something prune leaves because S3 Object Lock protects it.
#[derive(Debug, Clone, Serialize)]
pub struct Locked {
    /// The snapshot, or the key of what else it is (an incomplete upload, a ledger).
    pub what: String,
    /// The store.
    pub store: String,
    /// Locked until.
    pub until: DateTime<Utc>,
}

/// The latest retain-until date in the future among `keys` (S3 Object Lock),
/// or `None` when nothing of them is locked (always for a local store).
async fn locked_until(
    s: &Store,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let mut latest = None;
    for k in keys {
        if let Some(r) = s.retention(k).await?
            && r.until > now
        {
            latest = latest.max(Some(r.until));
        }
    }
    Ok(latest)
}

/// A failed removal: a lock (listed, not a failure) or an error.
fn failed(out: &mut PruneOutcome, store: &Store, e: StoreError) {
    match e {
        StoreError::Locked { key, until, .. } => out.locked.push(Locked {
            what: key,
            store: store.label.clone(),
            until,
        }),
        e => out.errors.push((store.label.clone(), e.to_string())),
    }
}

/// Lengthens the lock of every quarter's copy (the Art. 12.1 floor) once its
/// quarter has ended, so nothing can delete it: to the quarterly retention,
/// at most `lock.max` ahead (rolled on by later runs). Its object, metadata
/// and signature.
async fn lock_floors(
    s: &Store,
    inv: &super::Inventory,
    keep: &[Decision],
    created: &BTreeMap<SnapshotId, DateTime<FixedOffset>>,
    r: &Retention,
    now: DateTime<Utc>,
    out: &mut PruneOutcome,
) {
    let Some(lock) = s.lock() else {
        return;
    };
    let vn = catalog::vietnam();
    let quarter = |t: DateTime<FixedOffset>| {
        let l = t.with_timezone(&vn);
        (l.year(), (l.month() - 1) / 3)
    };
    let this_quarter = quarter(now.with_timezone(&vn).fixed_offset());
    let cap = lock.max.after(now);
    for d in keep {
        if !d.reasons.iter().any(|r| r.starts_with("quarterly ")) {
            continue;
        }
        // Only what this store holds: another store's copy is not locked from here.
        if !inv.snapshots.contains_key(&d.id) {
            continue;
        }
        let Some(t) = created.get(&d.id).copied() else {
            continue;
        };
        if quarter(t) >= this_quarter {
            continue; // its quarter may still get a newer snapshot
        }
        let until = match r.keep_quarterly {
            Keep::Forever => cap,
            Keep::For(span) => span.after(t.with_timezone(&Utc)).min(cap),
        };
        if until <= now {
            continue;
        }
        let meta = d.id.metadata_key();
        // The records first, the object last: a run cut off half-way finds the
        // object short and does all three again.
        let keys = [crate::trust::sig_key(&meta), meta, d.id.object_key()];
        // A week's slack: the lock rolls on once a week, not on every run.
        match s.retention(&keys[2]).await {
            Ok(Some(have)) if have.until + chrono::Duration::days(7) >= until => continue,
            Ok(_) => {}
            Err(e) => {
                out.errors.push((s.label.clone(), e.to_string()));
                continue;
            }
        }
        let mut ok = true;
        for k in keys {
            if let Err(e) = s.extend_retention(&k, until).await {
                out.errors.push((s.label.clone(), e.to_string()));
                ok = false;
                break;
            }
        }
        if ok {
            out.extended.push((d.id.clone(), s.label.clone(), until));
        }
    }
}

/// Applies retention to every store.
///
/// Every rule and floor is computed from trusted records only (snapshots,
/// drills, holds signed by a trusted key and not dated in the future); what is
/// not trusted is listed and never removed, and a snapshot dated in the
/// future is kept until its time comes.
///
/// # Errors
/// [`OpsError`] when a store cannot be opened or listed, or a local store has
/// no trusted marker: prune decides on the whole picture or not at all.
pub async fn prune(
    cfg: &Config,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<PruneOutcome, OpsError> {
    let vet = super::vetting(cfg, now)?;
    let sv = super::survey_all(cfg, &vet, true).await?;
    let stores: Vec<&Store> = sv
        .stores
        .iter()
        .map(|s| s.as_ref().expect("all open"))
        .collect();
    let all = super::merged(&sv.invs);
    let snaps: Vec<_> = all
        .iter()
        .map(|v| (v.meta.id.clone(), v.meta.created_at))
        .collect();
    let created: BTreeMap<SnapshotId, DateTime<FixedOffset>> = snaps.iter().cloned().collect();
    let mut out = PruneOutcome {
        keep: Vec::new(),
        remove: Vec::new(),
        incomplete: Vec::new(),
        ledgers: Vec::new(),
        untrusted: Vec::new(),
        not_removed: Vec::new(),
        errors: Vec::new(),
        locked: Vec::new(),
        extended: Vec::new(),
        dry_run,
    };
    let mut drilled: Option<SnapshotId> = None;
    let mut held = BTreeSet::new();
    for s in &stores {
        let recs = super::drill::records(s, &vet).await?;
        for rec in recs.trusted {
            if rec.status != super::drill::Status::Failed
                && let Ok(id) = rec.snapshot.parse::<SnapshotId>()
                && snaps.iter().any(|(x, _)| *x == id)
                && drilled.as_ref().is_none_or(|d| id > *d)
            {
                drilled = Some(id);
            }
        }
        for (k, why) in recs.rejected {
            out.untrusted.push((s.label.clone(), k, why));
        }
        let h = holds(s, &vet).await?;
        held.extend(h.trusted.into_iter().map(|h| h.id));
        for (k, why) in h.rejected {
            out.untrusted.push((s.label.clone(), k, why));
        }
    }
    let decisions = plan(&snaps, &cfg.retention, drilled.as_ref(), &held, now);
    let (mut keep, mut remove): (Vec<_>, Vec<_>) =
        decisions.into_iter().partition(|d| !d.reasons.is_empty());
    // A snapshot the deletion guard marked is the evidence of the drop:
    // retention keeps it until an acknowledgement records what the guard saw
    // (the report then shows the event from that record).
    let recorded = super::guard::recorded(&sv, &vet).await;
    let (standing, rest): (Vec<_>, Vec<_>) = remove.into_iter().partition(|d| {
        all.iter()
            .any(|v| v.meta.id == d.id && super::guard::unacknowledged(v, &recorded))
    });
    remove = rest;
    keep.extend(standing.into_iter().map(|d| Decision {
        id: d.id,
        reasons: vec![SUSPECT_REASON.into()],
    }));
    keep.sort_by(|a, b| b.id.cmp(&a.id)); // newest first, as the plan lists them
    // Genuine snapshots dated in the future are nobody's to judge yet.
    let mut future: BTreeMap<SnapshotId, DateTime<FixedOffset>> = BTreeMap::new();
    for inv in sv.invs.iter().flatten() {
        for (id, (m, _)) in &inv.future {
            future.insert(id.clone(), m.created_at);
        }
    }
    for (id, t) in future {
        keep.push(Decision {
            id,
            reasons: vec![format!(
                "dated in the future ({}): kept until its time comes",
                t.to_rfc3339()
            )],
        });
    }
    out.keep = keep;
    out.remove = remove;
    let grace = cfg.retention.incomplete_grace.before(now);
    for (i, s) in stores.iter().enumerate() {
        let inv = sv.invs[i].as_ref().expect("all listed");
        for (k, why) in inv.untrusted.iter().chain(&inv.unreadable) {
            out.untrusted
                .push((s.label.clone(), k.clone(), why.clone()));
        }
        let vanished = &sv.vanished[i];
        for l in &inv.incomplete {
            // An object whose metadata this host saw before is not an interrupted
            // upload: its metadata vanished. Keep it for whoever investigates.
            if catalog::id_of_key(&l.key).is_some_and(|(id, _)| vanished.contains(&id)) {
                continue;
            }
            if l.modified < grace {
                if !dry_run && let Err(e) = s.delete(&l.key).await {
                    failed(&mut out, s, e);
                    continue;
                }
                out.incomplete.push((s.label.clone(), l.key.clone()));
            }
        }
        // Uploads cut off mid-way in a local folder leave a staged part no listing shows.
        for prefix in [catalog::SNAPSHOTS, crate::archive::REPORTS] {
            for l in s.local_staging(prefix) {
                if l.modified < grace {
                    if !dry_run && let Err(e) = s.remove_local_staging(&l.key) {
                        out.errors.push((s.label.clone(), e.to_string()));
                        continue;
                    }
                    out.incomplete.push((s.label.clone(), l.key.clone()));
                }
            }
        }
        prune_ledgers(s, &vet, dry_run, &mut out).await?;
        prune_orphan_bags(s, grace, dry_run, &mut out).await?;
        if !dry_run {
            lock_floors(
                s,
                inv,
                &out.keep.clone(),
                &created,
                &cfg.retention,
                now,
                &mut out,
            )
            .await;
        }
        for d in &out.remove.clone() {
            if !inv.snapshots.contains_key(&d.id) {
                continue;
            }
            // Never ask a locked copy to go (see `Store::delete`): list it with its date.
            let meta = d.id.metadata_key();
            let keys = [d.id.object_key(), crate::trust::sig_key(&meta), meta];
            match locked_until(s, &keys, now).await {
                Ok(Some(until)) => {
                    out.locked.push(Locked {
                        what: d.id.to_string(),
                        store: s.label.clone(),
                        until,
                    });
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    out.not_removed
                        .push((d.id.clone(), s.label.clone(), e.to_string()));
                    out.errors.push((s.label.clone(), e.to_string()));
                    continue;
                }
            }
            if dry_run {
                continue;
            }
            // Recorded before it goes: a prune killed mid-way leaves no
            // removal of its own that `status` would call someone else's. A
            // delete that then fails leaves the snapshot listed, and seen again.
            if let Err(e) =
                super::seen::removed(&cfg.state_dir, &s.label, std::slice::from_ref(&d.id))
            {
                out.not_removed
                    .push((d.id.clone(), s.label.clone(), e.to_string()));
                out.errors.push((s.label.clone(), e.to_string()));
                continue;
            }
            // Metadata first: from this moment the snapshot is not listed, then the object goes.
            let r = async {
                s.delete_signed(&d.id.metadata_key()).await?;
                tracing::debug!(id = %d.id, store = %s.label, "metadata removed; removing the object");
                s.delete(&d.id.object_key()).await
            }
            .await;
            match r {
                Ok(()) => {}
                Err(e) => {
                    out.not_removed
                        .push((d.id.clone(), s.label.clone(), e.to_string()));
                    out.errors.push((s.label.clone(), e.to_string()));
                }
            }
        }
    }
    // "Removed" means removed from every store that held it.
    let mut refused: BTreeSet<SnapshotId> = out
        .not_removed
        .iter()
        .map(|(id, _, _)| id.clone())
        .collect();
    refused.extend(out.locked.iter().filter_map(|l| l.what.parse().ok()));
    out.remove.retain(|d| !refused.contains(&d.id));
    Ok(out)
}

/// Keeps each host's newest sealed ledgers ([`super::ledger::KEEP_SEALED`]),
/// judged by their signed records: who signed them and when, never their names.
async fn prune_ledgers(
    s: &Store,
    vet: &crate::trust::Vetting,
    dry_run: bool,
    out: &mut PruneOutcome,
) -> Result<(), OpsError> {
    let recs = super::ledger::sealed_records(s, vet).await?;
    for (k, why) in &recs.rejected {
        out.untrusted
            .push((s.label.clone(), k.clone(), why.clone()));
    }
    let mut by_host: BTreeMap<&str, Vec<&crate::ledger::Sealed>> = BTreeMap::new();
    for (_, r, fp) in &recs.good {
        by_host.entry(fp.as_str()).or_default().push(r);
    }
    for (_, mut rs) in by_host {
        rs.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then(b.snapshot.cmp(&a.snapshot))
        });
        for r in rs.into_iter().skip(super::ledger::KEEP_SEALED) {
            if vet.is_future(&r.created_at) {
                continue;
            }
            if !dry_run {
                let key = crate::ledger::Sealed::record_key(&r.snapshot);
                let res = async {
                    s.delete_signed(&key).await?;
                    s.delete(&r.object).await
                }
                .await;
                if let Err(e) = res {
                    failed(out, s, e);
                    continue;
                }
            }
            out.ledgers.push((s.label.clone(), r.object.clone()));
        }
    }
    Ok(())
}

/// Report bags whose sidecar never came (a killed `archive add`: the bag went up,
/// its sidecar did not), and signatures whose record never came, older than
/// the grace period: incomplete uploads, removed like a snapshot's.
async fn prune_orphan_bags(
    s: &Store,
    grace: DateTime<Utc>,
    dry_run: bool,
    out: &mut PruneOutcome,
) -> Result<(), OpsError> {
    use crate::archive::{ENCRYPTED_SUFFIX, PLAIN_SUFFIX, REPORTS, SIDECAR_SUFFIX};
    let listed = s.list(REPORTS).await?;
    let keys: BTreeSet<&str> = listed.iter().map(|l| l.key.as_str()).collect();
    for l in &listed {
        let stem = l
            .key
            .strip_suffix(ENCRYPTED_SUFFIX)
            .or_else(|| l.key.strip_suffix(PLAIN_SUFFIX));
        let orphan = match stem {
            Some(stem) => !keys.contains(format!("{stem}{SIDECAR_SUFFIX}").as_str()),
            None => l
                .key
                .strip_suffix(crate::trust::SIG_SUFFIX)
                .is_some_and(|rec| !keys.contains(rec)),
        };
        if !orphan || l.modified >= grace {
            continue;
        }
        if !dry_run && let Err(e) = s.delete(&l.key).await {
            failed(out, s, e);
            continue;
        }
        out.incomplete.push((s.label.clone(), l.key.clone()));
    }
    Ok(())
}

/// The holds in one store.
#[derive(Debug, Default)]
pub struct Holds {
    /// Signed by a trusted key.
    pub trusted: Vec<Hold>,
    /// Not believed, or not readable: (key, why).
    pub rejected: Vec<(String, String)>,
}

/// Every hold in `store`, judged: only trusted holds protect a snapshot.
///
/// # Errors
/// [`StoreError`] when the store cannot be listed or read.
pub async fn holds(store: &Store, vet: &crate::trust::Vetting) -> Result<Holds, StoreError> {
    let released = crate::store::signed::read_records(
        store,
        RELEASED,
        crate::trust::Kind::Hold,
        &vet.trusted,
        |k| k.ends_with(".json"),
        |key, b| {
            let r: Release = serde_json::from_slice(b).map_err(|e| e.to_string())?;
            if r.key() != key {
                return Err(format!("it releases {} but is stored as {key}", r.id));
            }
            if r.vault.as_deref() != store.vault() {
                return Err(catalog::vault_mismatch(r.vault.as_deref()));
            }
            Ok(r)
        },
    )
    .await?;
    let read = crate::store::signed::read_records(
        store,
        HOLDS,
        crate::trust::Kind::Hold,
        &vet.trusted,
        |k| k.ends_with(".json") && !k.starts_with(&format!("{RELEASED}/")),
        |key, b| {
            let h: Hold = serde_json::from_slice(b).map_err(|e| e.to_string())?;
            if hold_key(&h.id) != key {
                return Err(format!("it holds {} but is stored as {key}", h.id));
            }
            if h.vault.as_deref() != store.vault() {
                return Err(catalog::vault_mismatch(h.vault.as_deref()));
            }
            Ok(h)
        },
    )
    .await?;
    let mut rejected = read.rejected;
    rejected.extend(released.rejected);
    let mut trusted = Vec::new();
    for (l, h, _) in read.good {
        match released
            .good
            .iter()
            .find(|(_, r, _)| r.id == h.id && r.hold_since == h.since)
        {
            Some((_, r, _)) => rejected.push((
                crate::sanitize::for_terminal(&l.key).into_owned(),
                format!(
                    "a hold released on {}: a hold once released stays released",
                    r.released_at.to_rfc3339()
                ),
            )),
            None => trusted.push(h),
        }
    }
    Ok(Holds { trusted, rejected })
}

/// Places a signed hold on `id` in every store that can be reached. Returns per-store errors.
///
/// # Errors
/// [`OpsError`] when the id is not a snapshot id, no store is configured, the
/// signing key is missing, or no store holds a trusted snapshot of that id
/// (a typo protects nothing).
pub async fn hold(
    cfg: &Config,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(String, Vec<(String, Option<String>)>), OpsError> {
    let signer = super::signer(cfg)?;
    let vet = super::vetting(cfg, now)?;
    let mut sv = super::survey(cfg, &vet).await?;
    // `latest`: the newest trusted snapshot, as restore and drill mean it.
    let id: SnapshotId = if id == "latest" {
        match sv.snapshots().first() {
            Some(v) => v.meta.id.clone(),
            None => {
                return Err(match sv.first_error() {
                    Some(e) => e.into(),
                    None => OpsError::NoSnapshots,
                });
            }
        }
    } else {
        id.parse()?
    };
    let known = sv
        .invs
        .iter()
        .flatten()
        .any(|inv| inv.snapshots.contains_key(&id) || inv.future.contains_key(&id));
    if !known {
        if sv.invs.iter().all(Option::is_none)
            && let Some(e) = sv.first_error()
        {
            return Err(e.into());
        }
        return Err(OpsError::NoSuchSnapshot(id.to_string()));
    }
    let h = Hold {
        id: id.clone(),
        reason: reason.to_string(),
        since: now.with_timezone(&catalog::vietnam()),
        vault: cfg.database.vault.clone(),
    };
    let body = Bytes::from(serde_json::to_vec_pretty(&h).expect("hold serialises"));
    let mut out = Vec::new();
    for (i, s) in sv.stores.iter().enumerate() {
        let res = match (s, &sv.errors[i]) {
            (Some(s), None) if sv.invs[i].is_some() => match s
                .put_signed(
                    &hold_key(&id),
                    body.clone(),
                    crate::trust::Kind::Hold,
                    &signer,
                )
                .await
            {
                Ok(()) | Err(StoreError::Exists { .. }) => None,
                Err(e) => Some(e.to_string()),
            },
            (_, Some(e)) => Some(e.to_string()),
            _ => Some("store unavailable".into()),
        };
        out.push((sv.labels[i].clone(), res));
    }
    Ok((id.to_string(), out))
}

/// Removes the hold on `id` from every store.
///
/// # Errors
/// As [`hold`]; an id held nowhere is [`OpsError::NoSuchHold`].
pub async fn unhold(cfg: &Config, id: &str) -> Result<Vec<(String, Option<String>)>, OpsError> {
    let id: SnapshotId = id.parse()?;
    let signer = super::signer(cfg)?;
    let now = Utc::now();
    let vet = super::vetting(cfg, now)?;
    let mut out = Vec::new();
    let mut found = false;
    for (label, r) in super::open_stores(cfg)? {
        let res = match r {
            Ok(s) => match holds(&s, &vet).await {
                Ok(h) => match h.trusted.into_iter().find(|h| h.id == id) {
                    Some(h) => {
                        found = true;
                        // The release first: the hold, once deleted, is never believed again.
                        let r = Release {
                            id: id.clone(),
                            hold_since: h.since,
                            released_at: now.with_timezone(&catalog::vietnam()),
                            vault: cfg.database.vault.clone(),
                        };
                        let body =
                            Bytes::from(serde_json::to_vec_pretty(&r).expect("release serialises"));
                        match s
                            .put_signed(&r.key(), body, crate::trust::Kind::Hold, &signer)
                            .await
                        {
                            // A hold locked by S3 Object Lock stays until its date;
                            // the signed release already makes it void.
                            Ok(()) | Err(StoreError::Exists { .. }) => s
                                .delete_signed(&hold_key(&id))
                                .await
                                .err()
                                .filter(|e| !matches!(e, StoreError::Locked { .. }))
                                .map(|e| e.to_string()),
                            Err(e) => Some(e.to_string()),
                        }
                    }
                    None => None,
                },
                Err(e) => Some(e.to_string()),
            },
            Err(e) => Some(e.to_string()),
        };
        out.push((label, res));
    }
    if !found && out.iter().all(|(_, e)| e.is_none()) {
        return Err(OpsError::NoSuchHold(id.to_string()));
    }
    Ok(out)
}

impl Serialize for PruneOutcome {
    /// `prune --json`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use super::json::{StoreFailure, Untrusted, failures, untrusted};
        #[derive(Serialize)]
        struct Id<'a> {
            id: &'a SnapshotId,
        }
        #[derive(Serialize)]
        struct Key<'a> {
            store: &'a str,
            key: &'a str,
        }
        #[derive(Serialize)]
        struct NotRemoved<'a> {
            id: &'a SnapshotId,
            store: &'a str,
            error: &'a str,
        }
        #[derive(Serialize)]
        struct View<'a> {
            dry_run: bool,
            keep: &'a [Decision],
            remove: Vec<Id<'a>>,
            incomplete: Vec<Key<'a>>,
            ledgers: Vec<Key<'a>>,
            not_removed: Vec<NotRemoved<'a>>,
            untrusted: Vec<Untrusted<'a>>,
            errors: Vec<StoreFailure<'a>>,
            locked: &'a [Locked],
            extended: Vec<Extended<'a>>,
        }
        #[derive(Serialize)]
        struct Extended<'a> {
            id: &'a SnapshotId,
            store: &'a str,
            until: &'a DateTime<Utc>,
        }
        fn keys(v: &[(String, String)]) -> Vec<Key<'_>> {
            v.iter().map(|(store, key)| Key { store, key }).collect()
        }
        View {
            dry_run: self.dry_run,
            keep: &self.keep,
            remove: self.remove.iter().map(|d| Id { id: &d.id }).collect(),
            incomplete: keys(&self.incomplete),
            ledgers: keys(&self.ledgers),
            not_removed: self
                .not_removed
                .iter()
                .map(|(id, store, error)| NotRemoved { id, store, error })
                .collect(),
            untrusted: untrusted(&self.untrusted),
            errors: failures(&self.errors),
            locked: &self.locked,
            extended: self
                .extended
                .iter()
                .map(|(id, store, until)| Extended { id, store, until })
                .collect(),
        }
        .serialize(s)
    }
}

impl super::Outcome for PruneOutcome {
    /// A store that failed part of the work: exit 2 (what failed was not removed).
    fn verdict(&self) -> super::Verdict {
        super::Verdict::failed_if(!self.errors.is_empty())
    }
}

/// What `hold` or `unhold` did in each store.
#[derive(Debug, Clone)]
pub struct HoldOutcome {
    /// The snapshot.
    pub id: String,
    /// Per store: (store, why it failed).
    pub stores: Vec<(String, Option<String>)>,
}

impl Serialize for HoldOutcome {
    /// `{"id", "stores": [{"url", "ok", "error"}]}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Store<'a> {
            url: &'a str,
            ok: bool,
            error: &'a Option<String>,
        }
        #[derive(Serialize)]
        struct View<'a> {
            id: &'a str,
            stores: Vec<Store<'a>>,
        }
        View {
            id: &self.id,
            stores: self
                .stores
                .iter()
                .map(|(url, error)| Store {
                    url,
                    ok: error.is_none(),
                    error,
                })
                .collect(),
        }
        .serialize(s)
    }
}

impl super::Outcome for HoldOutcome {
    /// A store that did not take it: exit 2.
    fn verdict(&self) -> super::Verdict {
        super::Verdict::failed_if(self.stores.iter().any(|(_, e)| e.is_some()))
    }
}

impl super::Vault {
    /// Applies retention to every store (see [`prune`]).
    ///
    /// # Errors
    /// As [`prune`].
    pub async fn prune(&self, dry_run: bool, now: DateTime<Utc>) -> Result<PruneOutcome, OpsError> {
        prune(self.config()?, dry_run, now).await
    }

    /// Holds snapshot `id` in every store, whatever retention says.
    ///
    /// # Errors
    /// As [`hold`].
    pub async fn hold(
        &self,
        id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<HoldOutcome, OpsError> {
        let (id, stores) = hold(self.config()?, id, reason, now).await?;
        Ok(HoldOutcome { id, stores })
    }

    /// Releases the hold on `id`.
    ///
    /// # Errors
    /// As [`unhold`].
    pub async fn unhold(&self, id: &str) -> Result<HoldOutcome, OpsError> {
        let stores = unhold(self.config()?, id).await?;
        Ok(HoldOutcome {
            id: id.to_string(),
            stores,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn history(days: i64, end: DateTime<Utc>) -> Vec<(SnapshotId, DateTime<FixedOffset>)> {
        (0..days)
            .map(|d| {
                let t = end - Duration::days(d);
                (SnapshotId::new(t), t.with_timezone(&catalog::vietnam()))
            })
            .collect()
    }

    fn tight() -> Retention {
        Retention {
            keep_last: 3,
            keep_daily: 7,
            keep_weekly: 4,
            keep_monthly: 6,
            keep_yearly: 1,
            keep_within: None,
            keep_quarterly: Keep::Forever,
            incomplete_grace: crate::span::Span::Seconds(3600),
        }
    }

    #[test]
    fn every_quarter_keeps_its_newest_snapshot() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap();
        let snaps = history(4 * 365, now);
        let d = plan(&snaps, &tight(), None, &BTreeSet::new(), now);
        let kept: BTreeSet<_> = d
            .iter()
            .filter(|d| !d.reasons.is_empty())
            .map(|d| d.id.clone())
            .collect();
        let vn = catalog::vietnam();
        let mut newest_per_q: BTreeMap<String, (DateTime<FixedOffset>, SnapshotId)> =
            BTreeMap::new();
        for (id, t) in &snaps {
            let l = t.with_timezone(&vn);
            let q = format!("{}-Q{}", l.year(), (l.month() - 1) / 3 + 1);
            let e = newest_per_q.entry(q).or_insert((*t, id.clone()));
            if *t > e.0 {
                *e = (*t, id.clone());
            }
        }
        assert!(newest_per_q.len() >= 16);
        for (q, (_, id)) in &newest_per_q {
            assert!(kept.contains(id), "quarter {q} lost its newest snapshot");
        }
        assert!(
            kept.len() < snaps.len() / 10,
            "prune should remove most dailies: kept {}",
            kept.len()
        );
    }

    #[test]
    fn quarterly_floor_cannot_be_lowered_by_zero_settings() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap();
        let snaps = history(400, now);
        let zero = Retention {
            keep_last: 0,
            keep_daily: 0,
            keep_weekly: 0,
            keep_monthly: 0,
            keep_yearly: 0,
            ..tight()
        };
        let d = plan(&snaps, &zero, None, &BTreeSet::new(), now);
        let kept = d.iter().filter(|d| !d.reasons.is_empty()).count();
        assert!(
            (5..=6).contains(&kept),
            "{kept} kept; one per quarter expected"
        );
    }

    #[test]
    fn holds_and_the_drilled_snapshot_survive() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap();
        let snaps = history(200, now);
        let held_id = snaps[150].0.clone();
        let drilled = snaps[120].0.clone();
        let d = plan(
            &snaps,
            &tight(),
            Some(&drilled),
            &BTreeSet::from([held_id.clone()]),
            now,
        );
        let why = |id: &SnapshotId| d.iter().find(|x| x.id == *id).unwrap().reasons.clone();
        assert!(why(&held_id).iter().any(|r| r.starts_with("held")));
        assert!(why(&drilled).iter().any(|r| r.contains("drill")));
    }
}
