//! The deletion guard's records: `guard ack ID --reason …` and what reads them.
//!
//! A snapshot the guard marked suspect at backup (`crate::guard`) stays
//! suspect until someone who looked at the database acknowledges it with a
//! signed record in every store (`guard/<id>.json`, namespace
//! `eqvault-guard`). Until then `status` exits 1, `restore latest` and
//! `drill latest` name it instead of picking it, and later backups are
//! compared with the last snapshot that is not suspect (so a damage that
//! stays is reported every night, not only once).

use std::collections::BTreeSet;

use bytes::Bytes;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::survey::Survey;
use super::{OpsError, Outcome, Verdict};
use crate::catalog::{self, SnapshotId, SnapshotView};
use crate::config::Config;
use crate::store::{Store, StoreError};
use crate::trust::Vetting;

/// Where acknowledgements live.
pub const ACKS: &str = "guard";

/// A suspect snapshot acknowledged: the drop was looked at and understood
/// (a planned clean-up, a restored mistake).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ack {
    /// The snapshot.
    pub id: SnapshotId,
    /// Why it is acceptable, in the operator's words.
    pub reason: String,
    /// When.
    pub acknowledged_at: DateTime<FixedOffset>,
    /// The vault (`[database] vault`) it was signed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
    /// When the snapshot was taken, and what the guard saw in it (copied from
    /// its signed metadata): the evidence outlives the snapshot, which
    /// retention may remove once it is acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<DateTime<FixedOffset>>,
    /// See `taken_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspect: Option<crate::guard::Suspicion>,
}

impl Ack {
    /// Its key.
    pub fn key(&self) -> String {
        ack_key(&self.id)
    }

    /// Parses a record read (and verified) at `key` in a store of `vault`,
    /// checking it names its own key and was signed for that vault.
    ///
    /// # Errors
    /// Why it is not believed.
    pub fn parse_in(vault: Option<&str>, key: &str, body: &[u8]) -> Result<Ack, String> {
        let a: Ack = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        if a.key() != key {
            return Err(format!("it acknowledges {} but is stored as {key}", a.id));
        }
        if a.vault.as_deref() != vault {
            return Err(catalog::vault_mismatch(a.vault.as_deref()));
        }
        Ok(a)
    }
}

/// The key of the acknowledgement of `id`.
pub fn ack_key(id: &SnapshotId) -> String {
    format!("{ACKS}/{id}.json")
}

/// The snapshots acknowledged in `store` (trusted records only).
///
/// # Errors
/// [`StoreError`] when the store cannot be listed.
pub async fn acks(store: &Store, vet: &Vetting) -> Result<BTreeSet<SnapshotId>, StoreError> {
    Ok(ack_records(store, vet)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect())
}

/// The trusted acknowledgements in `store`, whole (for the report's evidence).
///
/// # Errors
/// [`StoreError`] when the store cannot be listed.
pub async fn ack_records(store: &Store, vet: &Vetting) -> Result<Vec<Ack>, StoreError> {
    let read = crate::store::signed::read_records(
        store,
        ACKS,
        crate::trust::Kind::GuardAck,
        &vet.trusted,
        |k| k.ends_with(".json"),
        |key, b| Ack::parse_in(store.vault(), key, b),
    )
    .await?;
    // Dated in the future (a wrong clock): not believed yet.
    Ok(read
        .good
        .into_iter()
        .map(|(_, a, _)| a)
        .filter(|a| !vet.is_future(&a.acknowledged_at))
        .collect())
}

/// The snapshots whose acknowledgement records what the guard saw (made by
/// this version on): retention may remove them, the record keeps the event.
pub async fn recorded(sv: &Survey, vet: &Vetting) -> BTreeSet<SnapshotId> {
    let mut out = BTreeSet::new();
    for s in sv.stores.iter().flatten() {
        if let Ok(a) = ack_records(s, vet).await {
            out.extend(
                a.into_iter()
                    .filter(|a| a.taken_at.is_some() && a.suspect.is_some())
                    .map(|a| a.id),
            );
        }
    }
    out
}

/// Every snapshot acknowledged in any store the survey opened.
pub async fn acknowledged(sv: &Survey, vet: &Vetting) -> BTreeSet<SnapshotId> {
    let mut out = BTreeSet::new();
    for s in sv.stores.iter().flatten() {
        if let Ok(a) = acks(s, vet).await {
            out.extend(a);
        }
    }
    out
}

/// Whether a snapshot is suspect and nobody acknowledged it.
pub fn unacknowledged(v: &SnapshotView, acked: &BTreeSet<SnapshotId>) -> bool {
    v.meta.suspect.is_some() && !acked.contains(&v.meta.id)
}

/// The snapshot a new backup is compared with: the newest that is not an
/// unacknowledged suspect one (the last good copy while a drop stands).
pub fn baseline<'a>(
    all: &'a [SnapshotView],
    acked: &BTreeSet<SnapshotId>,
) -> Option<&'a SnapshotView> {
    all.iter().find(|v| !unacknowledged(v, acked))
}

/// `latest` must not silently be a suspect snapshot: the error names it and
/// the last good one (the operator chooses, by id).
///
/// # Errors
/// [`OpsError::SuspectLatest`].
pub async fn refuse_suspect(
    sv: &Survey,
    vet: &Vetting,
    latest: &SnapshotView,
) -> Result<(), OpsError> {
    let Some(s) = &latest.meta.suspect else {
        return Ok(());
    };
    if acknowledged(sv, vet).await.contains(&latest.meta.id) {
        return Ok(());
    }
    Err(OpsError::SuspectLatest {
        id: latest.meta.id.to_string(),
        previous: s.previous.clone(),
        figures: crate::guard::figures(s),
    })
}

/// Holds the last good snapshot (the newest that is not an unacknowledged
/// suspect one) with `reason`; its id when a store took the hold.
pub async fn hold_last_good(cfg: &Config, reason: &str, now: DateTime<Utc>) -> Option<String> {
    let vet = super::vetting(cfg, now).ok()?;
    let sv = super::survey(cfg, &vet).await.ok()?;
    let acked = acknowledged(&sv, &vet).await;
    let id = baseline(&sv.snapshots(), &acked)?.meta.id.to_string();
    match super::prune::hold(cfg, &id, reason, now).await {
        Ok((id, per_store)) if per_store.iter().any(|(_, e)| e.is_none()) => Some(id),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot hold the last good snapshot");
            None
        }
    }
}

/// What `guard ack` did.
#[derive(Debug, Clone, Serialize)]
pub struct Acked {
    /// The snapshot.
    pub id: String,
    /// Why.
    pub reason: String,
    /// Earlier suspect snapshots of the same drop (compared with the same
    /// last good one), acknowledged with it.
    pub also: Vec<String>,
    /// Per store: (label, error when it did not take every record).
    pub stores: Vec<(String, Option<String>)>,
}

impl Outcome for Acked {
    /// A store that did not take the record: exit 1.
    fn verdict(&self) -> Verdict {
        Verdict::found_if(self.stores.iter().any(|(_, e)| e.is_some()))
    }
}

/// Acknowledges the suspect snapshot `id` in every store.
///
/// # Errors
/// [`OpsError::NoSuchSnapshot`] for a snapshot no store holds,
/// [`OpsError::Refused`] for one that is not suspect or an empty reason.
pub async fn ack(
    cfg: &Config,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Acked, OpsError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().any(char::is_control) {
        return Err(OpsError::Refused(
            "say why the drop is acceptable, on one line: --reason \"…\"".into(),
        ));
    }
    let id: SnapshotId = id.parse()?;
    let signer = super::signer(cfg)?;
    let vet = super::vetting(cfg, now)?;
    let sv = super::survey(cfg, &vet).await?;
    let all = sv.snapshots();
    let Some(v) = all.iter().find(|v| v.meta.id == id) else {
        return Err(OpsError::NoSuchSnapshot(id.to_string()));
    };
    let Some(suspect) = v.meta.suspect.clone() else {
        return Err(OpsError::Refused(format!(
            "snapshot {id} is not marked suspect: there is nothing to acknowledge"
        )));
    };
    // The same drop, seen again each night while it stood: the earlier
    // suspect snapshots compared with the same last good one, not yet
    // acknowledged, are acknowledged with it (one drop, one acknowledgement).
    let acked = acknowledged(&sv, &vet).await;
    let earlier: Vec<&SnapshotView> = all
        .iter()
        .filter(|e| {
            e.meta.created_at < v.meta.created_at
                && unacknowledged(e, &acked)
                && e.meta
                    .suspect
                    .as_ref()
                    .is_some_and(|x| x.previous == suspect.previous)
        })
        .collect();
    let at = now.with_timezone(&catalog::vietnam());
    let record = |v: &SnapshotView, suspect: crate::guard::Suspicion| Ack {
        id: v.meta.id.clone(),
        reason: reason.to_string(),
        acknowledged_at: at,
        vault: cfg.database.vault.clone(),
        taken_at: Some(v.meta.created_at),
        suspect: Some(suspect),
    };
    let mut records = vec![record(v, suspect.clone())];
    records.extend(
        earlier
            .iter()
            .filter_map(|e| Some(record(e, e.meta.suspect.clone()?))),
    );
    let mut stores = Vec::new();
    for (i, s) in sv.stores.iter().enumerate() {
        let mut res = None;
        for a in &records {
            let body = Bytes::from(serde_json::to_vec_pretty(a).expect("an ack serialises"));
            res = match s {
                Some(s) if sv.invs[i].is_some() => match s
                    .put_signed(&a.key(), body, crate::trust::Kind::GuardAck, &signer)
                    .await
                {
                    Ok(()) | Err(StoreError::Exists { .. }) => None,
                    Err(e) => Some(e.to_string()),
                },
                _ => Some(
                    sv.errors[i]
                        .as_ref()
                        .map_or("store unavailable".into(), ToString::to_string),
                ),
            };
            if res.is_some() {
                break;
            }
        }
        stores.push((sv.labels[i].clone(), res));
    }
    Ok(Acked {
        id: id.to_string(),
        reason: reason.to_string(),
        also: records[1..].iter().map(|a| a.id.to_string()).collect(),
        stores,
    })
}
