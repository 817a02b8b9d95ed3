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
}

/// The key of a hold.
pub fn hold_key(id: &SnapshotId) -> String {
    format!("{HOLDS}/{id}.json")
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
#[derive(Debug, Clone, Serialize)]
pub struct PruneOutcome {
    /// Kept, with reasons.
    pub keep: Vec<Decision>,
    /// Removed (or to remove).
    pub remove: Vec<Decision>,
    /// Incomplete uploads removed (or to remove): (store, key).
    pub incomplete: Vec<(String, String)>,
    /// Superseded sealed ledgers removed (or to remove): (store, key).
    pub ledgers: Vec<(String, String)>,
    /// Failures: (store, what).
    pub errors: Vec<(String, String)>,
    /// Nothing was deleted.
    pub dry_run: bool,
}

/// Applies retention to every store.
///
/// # Errors
/// [`OpsError`] when a store cannot be opened or listed: prune decides on the
/// whole picture or not at all.
pub async fn prune(
    cfg: &Config,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<PruneOutcome, OpsError> {
    let mut stores = Vec::new();
    let mut invs = Vec::new();
    for (_, r) in super::open_stores(cfg)? {
        let s = r?;
        invs.push(Some(super::inventory(&s).await?));
        stores.push(s);
    }
    let all = super::merged(&invs);
    let snaps: Vec<_> = all
        .iter()
        .map(|v| (v.meta.id.clone(), v.meta.created_at))
        .collect();
    let mut drilled: Option<SnapshotId> = None;
    let mut held = BTreeSet::new();
    for s in &stores {
        for rec in super::drill::records(s).await? {
            if rec.status != super::drill::Status::Failed
                && let Ok(id) = rec.snapshot.parse::<SnapshotId>()
                && snaps.iter().any(|(x, _)| *x == id)
                && drilled.as_ref().is_none_or(|d| id > *d)
            {
                drilled = Some(id);
            }
        }
        held.extend(holds(s).await?.into_iter().map(|h| h.id));
    }
    let decisions = plan(&snaps, &cfg.retention, drilled.as_ref(), &held, now);
    let (keep, remove): (Vec<_>, Vec<_>) =
        decisions.into_iter().partition(|d| !d.reasons.is_empty());
    let mut out = PruneOutcome {
        keep,
        remove,
        incomplete: Vec::new(),
        ledgers: Vec::new(),
        errors: Vec::new(),
        dry_run,
    };
    let grace = cfg.retention.incomplete_grace.before(now);
    for (s, inv) in stores.iter().zip(&invs) {
        let inv = inv.as_ref().expect("all listed");
        for l in &inv.incomplete {
            if l.modified < grace {
                out.incomplete.push((s.label.clone(), l.key.clone()));
                if !dry_run && let Err(e) = s.delete(&l.key).await {
                    out.errors.push((s.label.clone(), e.to_string()));
                }
            }
        }
        // Uploads cut off mid-way in a local folder leave a staged part no listing shows.
        for prefix in [catalog::SNAPSHOTS, crate::archive::REPORTS] {
            for l in s.local_staging(prefix) {
                if l.modified < grace {
                    out.incomplete.push((s.label.clone(), l.key.clone()));
                    if !dry_run && let Err(e) = s.remove_local_staging(&l.key) {
                        out.errors.push((s.label.clone(), e.to_string()));
                    }
                }
            }
        }
        // The sealed identifier ledger is cumulative: the newest few are all the history.
        let mut sealed: Vec<String> = s
            .list(crate::ledger::LEDGER)
            .await?
            .into_iter()
            .map(|l| l.key)
            .filter(|k| k.ends_with(crate::ledger::SUFFIX))
            .collect();
        sealed.sort();
        let old = sealed.len().saturating_sub(super::ledger::KEEP_SEALED);
        for k in &sealed[..old] {
            out.ledgers.push((s.label.clone(), k.clone()));
            if !dry_run && let Err(e) = s.delete(k).await {
                out.errors.push((s.label.clone(), e.to_string()));
            }
        }
        if dry_run {
            continue;
        }
        for d in &out.remove {
            if !inv.snapshots.contains_key(&d.id) {
                continue;
            }
            // Metadata first: from this moment the snapshot is not listed, then the object goes.
            let r = async {
                s.delete(&d.id.metadata_key()).await?;
                s.delete(&d.id.object_key()).await
            }
            .await;
            if let Err(e) = r {
                out.errors.push((s.label.clone(), e.to_string()));
            }
        }
    }
    Ok(out)
}

/// Every hold in `store`.
///
/// # Errors
/// [`StoreError`] when the store cannot be listed or read.
pub async fn holds(store: &Store) -> Result<Vec<Hold>, StoreError> {
    let mut out = Vec::new();
    for l in store.list(HOLDS).await? {
        let b = match store.get_bytes(&l.key).await {
            Ok(b) => b,
            Err(StoreError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        match serde_json::from_slice::<Hold>(&b) {
            Ok(h) if hold_key(&h.id) == l.key => out.push(h),
            _ => tracing::warn!(key = %l.key, "unreadable hold, ignored"),
        }
    }
    Ok(out)
}

/// Places a hold on `id` in every store that can be reached. Returns per-store errors.
///
/// # Errors
/// [`OpsError`] when the id is not a snapshot id or no store is configured.
pub async fn hold(
    cfg: &Config,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Option<String>)>, OpsError> {
    let id: SnapshotId = id.parse()?;
    let h = Hold {
        id: id.clone(),
        reason: reason.to_string(),
        since: now.with_timezone(&catalog::vietnam()),
    };
    let body = Bytes::from(serde_json::to_vec_pretty(&h).expect("hold serialises"));
    let mut out = Vec::new();
    for (label, r) in super::open_stores(cfg)? {
        let res = match r {
            Ok(s) => match s.put_if_absent(&hold_key(&id), body.clone()).await {
                Ok(()) | Err(StoreError::Exists { .. }) => None,
                Err(e) => Some(e.to_string()),
            },
            Err(e) => Some(e.to_string()),
        };
        out.push((label, res));
    }
    Ok(out)
}

/// Removes the hold on `id` from every store.
///
/// # Errors
/// As [`hold`].
pub async fn unhold(cfg: &Config, id: &str) -> Result<Vec<(String, Option<String>)>, OpsError> {
    let id: SnapshotId = id.parse()?;
    let mut out = Vec::new();
    for (label, r) in super::open_stores(cfg)? {
        let res = match r {
            Ok(s) => s.delete(&hold_key(&id)).await.err().map(|e| e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        out.push((label, res));
    }
    Ok(out)
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
