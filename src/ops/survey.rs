//! The survey of the stores: every configured store opened and listed, each
//! failure kept beside the others, and the plain facts the compliance rules
//! judge ([`store_facts`]).

use super::inventory::{Inventory, SnapshotView, inventory, merged};
use super::{OpsError, drill, ledger, prune, seen};
use crate::config::Config;
use crate::policy::stores::StoreFacts;
use crate::store::{Store, StoreError};
use crate::trust::{Signer, Vetting};

/// A store's label and the result of opening it.
pub type OpenedStore = (String, Result<Store, StoreError>);

/// Opens every configured store, keeping each one's own result.
pub fn open_stores(cfg: &Config) -> Result<Vec<OpenedStore>, OpsError> {
    if cfg.stores.is_empty() {
        return Err(OpsError::NoStore(cfg.path.clone()));
    }
    Ok(cfg
        .stores
        .iter()
        .map(|s| {
            (
                crate::store::redact_url(&s.url),
                Store::open(s).map(|st| st.in_vault(cfg.database.vault.as_deref())),
            )
        })
        .collect())
}

/// What readers believe for `cfg` at `now`: its trusted keys and clock skew.
///
/// # Errors
/// [`crate::trust::TrustError`] when no key is trusted: nothing could be believed.
pub fn vetting(cfg: &Config, now: chrono::DateTime<chrono::Utc>) -> Result<Vetting, OpsError> {
    let trusted = cfg.signing.trusted()?;
    let skew = chrono::Duration::seconds(
        i64::try_from(cfg.signing.clock_skew.approx_seconds()).unwrap_or(i64::MAX / 1000),
    );
    Ok(Vetting { trusted, now, skew })
}

/// This host's signing key, which must be one of the trusted keys.
///
/// # Errors
/// [`crate::trust::TrustError`]: no key configured, unreadable, or not trusted.
pub fn signer(cfg: &Config) -> Result<Signer, OpsError> {
    Ok(cfg.signing.signer()?)
}

/// Every configured store, opened and listed as far as each one allows.
pub struct Survey {
    /// Per store in config order: the store, when it opened.
    pub stores: Vec<Option<Store>>,
    /// Per store: what it holds, when it could be listed.
    pub invs: Vec<Option<Inventory>>,
    /// Per store: why it could not be opened or listed.
    pub errors: Vec<Option<StoreError>>,
    /// Per store: trusted snapshots seen there before and gone now.
    pub vanished: Vec<Vec<crate::catalog::SnapshotId>>,
    /// Per store: its marker, when it could be read.
    pub markers: Vec<Option<crate::store::MarkerState>>,
    /// Every store's label, in config order.
    pub labels: Vec<String>,
    /// Per store: the earlier configured store whose marker it carries (one
    /// store named twice: a link, a second mount, or a copied marker).
    pub same_as: Vec<Option<usize>>,
    /// Per store: the marker id this host saw there before, when it changed.
    pub marker_was: Vec<Option<String>>,
}

impl Survey {
    /// Complete snapshots across the stores that could be listed, newest
    /// first; a store configured twice counts as one copy.
    pub fn snapshots(&self) -> Vec<SnapshotView> {
        let mut all = merged(&self.invs);
        one_copy_per_store(&mut all, &self.same_as);
        all
    }

    /// What is wrong with the stores' identities, one line each.
    pub fn identity_problems(&self) -> Vec<crate::lang::Msg> {
        use crate::lang::Msg;
        let mut out = Vec::new();
        for (j, same) in self.same_as.iter().enumerate() {
            if let Some(i) = same {
                out.push(
                    Msg::new("status-problem-same-store")
                        .arg("first", &self.labels[*i])
                        .arg("second", &self.labels[j]),
                );
            }
        }
        for (j, was) in self.marker_was.iter().enumerate() {
            if let Some(was) = was {
                out.push(
                    Msg::new("status-problem-marker-changed")
                        .arg("store", &self.labels[j])
                        .arg("was", was),
                );
            }
        }
        out
    }

    /// When `what` (an id, or `None` for any) is held only by untrusted, unreadable
    /// or future-dated metadata, the error that says so.
    pub fn not_trusted(&self, what: Option<&crate::catalog::SnapshotId>) -> Option<OpsError> {
        let mut seen = Vec::new();
        for inv in self.invs.iter().flatten() {
            for (key, why) in inv.untrusted.iter().chain(&inv.unreadable) {
                if what.is_none_or(|id| key.contains(id.as_str())) {
                    seen.push(format!("{key} is not trusted ({why})"));
                }
            }
            for (id, (m, _)) in &inv.future {
                if what.is_none_or(|w| w == id) {
                    seen.push(format!(
                        "{id} is dated {} in the future",
                        m.created_at.to_rfc3339()
                    ));
                }
            }
        }
        if seen.is_empty() {
            return None;
        }
        let n = seen.len();
        seen.truncate(3);
        Some(OpsError::NotTrusted {
            what: what.map_or_else(|| "at all".to_string(), |id| id.to_string()),
            detail: if n > 3 {
                format!("{}; and {} more", seen.join("; "), n - 3)
            } else {
                seen.join("; ")
            },
        })
    }

    /// Snapshots this host saw that are gone from every store and newer than
    /// `latest`: taking `latest` now would roll back without a word.
    pub fn rolled_back(&self, latest: &SnapshotView) -> Option<OpsError> {
        let present: std::collections::BTreeSet<crate::catalog::SnapshotId> =
            self.snapshots().into_iter().map(|v| v.meta.id).collect();
        let mut gone: Vec<&crate::catalog::SnapshotId> = self
            .vanished
            .iter()
            .flatten()
            .filter(|id| **id > latest.meta.id && !present.contains(id))
            .collect();
        gone.sort();
        gone.dedup();
        let newest = gone.pop()?;
        Some(OpsError::RolledBack {
            newest: newest.to_string(),
            more: gone.len(),
            latest: latest.meta.id.to_string(),
        })
    }

    /// The stores that could be listed and do not hold `latest`, with their
    /// own newest snapshot: on a machine that saw nothing before, the only
    /// trace of newer snapshots removed from one store.
    pub fn disagreements(&self, latest: &SnapshotView) -> Vec<String> {
        let mut out = Vec::new();
        for (i, inv) in self.invs.iter().enumerate() {
            let Some(inv) = inv else { continue };
            if latest.stores.contains(&i) {
                continue;
            }
            let newest = inv.complete().map(|m| m.id.to_string()).max();
            out.push(match newest {
                Some(id) => format!(
                    "{} does not hold {}: its newest snapshot is {id} (a copy not synced yet, or newer snapshots removed there)",
                    self.labels[i], latest.meta.id
                ),
                None => format!(
                    "{} holds no snapshot, {} included",
                    self.labels[i], latest.meta.id
                ),
            });
        }
        out
    }

    /// The first store error, if any.
    pub fn first_error(&mut self) -> Option<StoreError> {
        self.errors.iter_mut().find_map(Option::take)
    }
}

/// Opens and lists every store, reads its marker, and notes what vanished; a
/// store that fails is recorded (and logged), not fatal.
///
/// # Errors
/// [`OpsError::NoStore`] when no store is configured.
pub async fn survey(cfg: &Config, vet: &Vetting) -> Result<Survey, OpsError> {
    let mut sv = Survey {
        stores: Vec::new(),
        invs: Vec::new(),
        errors: Vec::new(),
        vanished: Vec::new(),
        markers: Vec::new(),
        labels: Vec::new(),
        same_as: Vec::new(),
        marker_was: Vec::new(),
    };
    for (label, r) in open_stores(cfg)? {
        let (store, inv, err) = match r {
            Ok(s) => match inventory(&s, vet).await {
                Ok(i) => (Some(s), Some(i), None),
                Err(e) => (Some(s), None, Some(e)),
            },
            Err(e) => (None, None, Some(e)),
        };
        if let Some(e) = &err {
            tracing::info!(store = %label, error = %e, "store unavailable");
        }
        let marker = match (&store, &inv) {
            (Some(s), Some(_)) => match s.marker(&vet.trusted).await {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::warn!(store = %label, error = %e, "cannot read the store marker");
                    None
                }
            },
            _ => None,
        };
        let vanished = match &inv {
            Some(i) => seen::observe(&cfg.state_dir, &label, i).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot record the snapshots seen; vanished snapshots are not checked");
                Vec::new()
            }),
            None => Vec::new(),
        };
        sv.stores.push(store);
        sv.invs.push(inv);
        sv.errors.push(err);
        sv.vanished.push(vanished);
        sv.markers.push(marker);
        sv.labels.push(label);
    }
    sv.same_as = same_marker(&sv.markers);
    sv.marker_was = sv
        .labels
        .iter()
        .zip(&sv.markers)
        .map(|(label, m)| match m {
            Some(crate::store::MarkerState::Trusted(m)) => {
                seen::marker(&cfg.state_dir, label, &m.store_id).unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "cannot record the store's marker");
                    None
                })
            }
            _ => None,
        })
        .collect();
    Ok(sv)
}

/// Every other vault's trusted, complete snapshots in the surveyed stores:
/// the vaults under `vaults/`, and the root's snapshots (`"-"`) when this
/// vault is not the root. A store that cannot be listed is left out.
async fn other_vaults(
    sv: &Survey,
    mine: Option<&str>,
    vet: &Vetting,
) -> Vec<(String, Vec<SnapshotView>)> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut names: BTreeSet<Option<String>> = BTreeSet::new();
    for s in sv.stores.iter().flatten() {
        if let Ok((listed, _)) = s.root().list_all(crate::store::VAULTS).await {
            for l in listed {
                if let Some(v) = l.key.split('/').nth(1)
                    && crate::config::is_vault_id(v)
                {
                    names.insert(Some(v.to_string()));
                }
            }
        }
    }
    if mine.is_some() {
        names.insert(None);
    }
    names.remove(&mine.map(str::to_string));
    let mut out: BTreeMap<String, Vec<Option<Inventory>>> = BTreeMap::new();
    for name in names {
        let mut invs = Vec::new();
        for s in &sv.stores {
            let inv = match s {
                Some(s) => inventory(&s.root().in_vault(name.as_deref()), vet)
                    .await
                    .ok(),
                None => None,
            };
            invs.push(inv);
        }
        out.insert(name.unwrap_or_else(|| "-".into()), invs);
    }
    out.into_iter()
        .map(|(name, invs)| {
            let mut all = merged(&invs);
            one_copy_per_store(&mut all, &sv.same_as);
            (name, all)
        })
        .filter(|(_, all)| !all.is_empty())
        .collect()
}

/// Per store, the first earlier store with the same trusted marker id.
pub(crate) fn same_marker(markers: &[Option<crate::store::MarkerState>]) -> Vec<Option<usize>> {
    let id = |m: &Option<crate::store::MarkerState>| match m {
        Some(crate::store::MarkerState::Trusted(m)) => Some(m.store_id.clone()),
        _ => None,
    };
    (0..markers.len())
        .map(|j| {
            let mine = id(&markers[j])?;
            (0..j).find(|&i| id(&markers[i]).as_ref() == Some(&mine))
        })
        .collect()
}

/// Drops from each snapshot's stores the ones that are another configured
/// store under a second name, so that a store counts once.
pub(crate) fn one_copy_per_store(all: &mut [SnapshotView], same_as: &[Option<usize>]) {
    for v in all {
        v.stores
            .retain(|i| same_as.get(*i).copied().flatten().is_none());
    }
}

/// Drill records, holds and sealed-ledger records in `store` that are not
/// believed or dated in the future: (key, why).
///
/// # Errors
/// [`StoreError`] when the store cannot be listed or read.
pub async fn untrusted_records(
    store: &Store,
    vet: &Vetting,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::new();
    let d = drill::records(store, vet).await?;
    out.extend(d.rejected);
    for r in d.future {
        out.push((
            crate::sanitize::for_terminal(&r.key()).into_owned(),
            format!("dated {} in the future", r.started_at.to_rfc3339()),
        ));
    }
    out.extend(prune::holds(store, vet).await?.rejected);
    // Archive sidecars too: a genuine one copied under another period is named.
    out.extend(
        crate::store::signed::read_records(
            store,
            crate::archive::REPORTS,
            crate::trust::Kind::Bag,
            &vet.trusted,
            |k| k.ends_with(crate::archive::SIDECAR_SUFFIX),
            |k, b| crate::archive::Sidecar::parse_in(store.vault(), k, b),
        )
        .await?
        .rejected,
    );
    out.extend(
        crate::store::signed::read_records(
            store,
            crate::archive::REPORTS,
            crate::trust::Kind::Withdrawal,
            &vet.trusted,
            |k| k.ends_with(crate::archive::WITHDRAWAL_SUFFIX),
            |k, b| crate::archive::Withdrawal::parse_in(store.vault(), k, b),
        )
        .await?
        .rejected,
    );
    out.extend(ledger::sealed_records(store, vet).await?.rejected);
    out.sort();
    out.dedup();
    Ok(out)
}

/// Opens and lists every store for an operation that decides on the whole
/// picture or not at all (prune, sync, verify): any store that cannot be
/// opened, listed, or (for a local one) shows no trusted marker is an error.
///
/// # Errors
/// The first store's error.
pub async fn survey_all(
    cfg: &Config,
    vet: &Vetting,
    need_marker: bool,
) -> Result<Survey, OpsError> {
    let mut sv = survey(cfg, vet).await?;
    if let Some(e) = sv.first_error() {
        return Err(e.into());
    }
    if need_marker {
        for s in sv.stores.iter().flatten() {
            s.require_marker(&vet.trusted).await?;
        }
    }
    Ok(sv)
}

/// What the compliance rules know of the stores ([`StoreFacts`]): every
/// configured store's snapshots and drill records, the identifier ledger and
/// the archived report kinds.
///
/// # Errors
/// [`OpsError::NoStore`] when the config has no store. An unreachable store
/// is recorded in [`StoreFacts::unreachable`], not an error.
pub async fn store_facts(cfg: &Config) -> Result<StoreFacts, OpsError> {
    let mut facts = StoreFacts {
        labels: cfg.store_labels(),
        media: cfg.stores.iter().map(crate::store::medium).collect(),
        ..StoreFacts::default()
    };
    let mut invs = Vec::new();
    let mut markers = Vec::new();
    // Only records signed by a trusted key, dated up to now, are evidence.
    let vet = vetting(cfg, chrono::Utc::now())?;
    for (label, opened) in open_stores(cfg)? {
        let store = match opened {
            Ok(s) => s,
            Err(e) => {
                facts.unreachable.push((label, e.to_string()));
                invs.push(None);
                markers.push(None);
                continue;
            }
        };
        match inventory(&store, &vet).await {
            Ok(inv) => invs.push(Some(inv)),
            Err(e) => {
                facts.unreachable.push((label, e.to_string()));
                invs.push(None);
                markers.push(None);
                continue;
            }
        }
        // One store configured twice is one copy (the two-copy rule).
        markers.push(store.marker(&vet.trusted).await.ok());
        match super::drill::records(&store, &vet).await {
            Ok(records) => facts.drills.extend(records.trusted),
            Err(e) => tracing::warn!(store = %label, error = %e, "cannot read drill records"),
        }
        match super::prune::holds(&store, &vet).await {
            Ok(h) => {
                facts.holds.extend(
                    h.trusted
                        .into_iter()
                        .map(|h| crate::policy::stores::HoldFact {
                            id: h.id.to_string(),
                            since: h.since,
                            reason: h.reason,
                        }),
                )
            }
            Err(e) => tracing::warn!(store = %label, error = %e, "cannot read holds"),
        }
        match super::guard::ack_records(&store, &vet).await {
            Ok(acks) => facts.guard_acks.extend(acks.into_iter().map(|a| {
                crate::policy::stores::GuardAckFact {
                    id: a.id.to_string(),
                    at: a.acknowledged_at,
                    reason: a.reason,
                    event: a.taken_at.zip(a.suspect),
                }
            })),
            Err(e) => {
                tracing::warn!(store = %label, error = %e, "cannot read guard acknowledgements");
            }
        }
    }
    facts.snapshots = merged(&invs);
    one_copy_per_store(&mut facts.snapshots, &same_marker(&markers));
    // The first day eqvault held evidence: the earliest trusted marker,
    // snapshot or drill seen now (none dated in the future: a clock in 2099
    // excuses nothing), and never later than any day seen before (kept in the
    // state folder): a store removed, replaced, unreachable or emptied, or a
    // key rotated, cannot hide a period that was once judged.
    let local = |t: &chrono::DateTime<chrono::FixedOffset>| crate::calendar::local_date_of(t);
    let seen_now = markers
        .iter()
        .filter_map(|m| match m {
            Some(crate::store::MarkerState::Trusted(m)) if !vet.is_future(&m.created_at) => {
                Some(local(&m.created_at))
            }
            _ => None,
        })
        .chain(facts.snapshots.iter().map(|s| local(&s.meta.created_at)))
        .chain(facts.drills.iter().map(|d| local(&d.started_at)))
        .min();
    facts.evidence_since = match super::seen::evidence_since(&cfg.state_dir, seen_now) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read or record the first day of evidence");
            seen_now
        }
    };
    let ledger_path = crate::ledger::Ledger::path_in(&cfg.state_dir);
    facts.ledger = match crate::ledger::Ledger::open_existing(&ledger_path) {
        Ok(None) => None,
        Ok(Some(l)) => Some(
            l.entries_and_unreadable()
                .map(|(entries, bad)| {
                    facts.ledger_unreadable = bad;
                    entries
                })
                .map_err(|e| e.to_string()),
        ),
        Err(e) => Some(Err(e.to_string())),
    };
    facts.reports = Some(
        crate::archive::archived_kinds(cfg)
            .await
            .map_err(|e| e.to_string()),
    );
    facts.drills.sort_by(|a, b| a.id.cmp(&b.id));
    facts.drills.dedup_by(|a, b| a.id == b.id);
    // Records are copied between stores: one per snapshot (and hold).
    facts
        .holds
        .sort_by(|a, b| (a.since, &a.id).cmp(&(b.since, &b.id)));
    facts
        .holds
        .dedup_by(|a, b| a.id == b.id && a.since == b.since);
    facts
        .guard_acks
        .sort_by(|a, b| (&a.id, a.at).cmp(&(&b.id, b.at)));
    // The earliest says when and why; any copy made by this version on
    // says what the guard saw.
    facts.guard_acks.dedup_by(|later, kept| {
        if later.id != kept.id {
            return false;
        }
        if kept.event.is_none() {
            kept.event = later.event.take();
        }
        true
    });
    facts
        .guard_acks
        .sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    Ok(facts)
}

/// What `snapshots` lists: complete snapshots across the stores, newest
/// first, and the survey behind them (what each store could not show).
pub struct SnapshotsOutcome {
    /// Every store as surveyed.
    pub survey: Survey,
    /// Complete, trusted snapshots, newest first.
    pub snapshots: Vec<SnapshotView>,
    /// This vault (`None`: the store's root).
    pub vault: Option<String>,
    /// With `--all-vaults`: every other vault's trusted snapshots in these
    /// stores, listed apart (`"-"`: the root, before there were vaults).
    pub others: Option<Vec<(String, Vec<SnapshotView>)>>,
}

impl serde::Serialize for SnapshotsOutcome {
    /// `[{"id", "created_at", "bytes", "database_bytes", "sha256", "stores": [...]}]`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct One<'a> {
            id: &'a crate::catalog::SnapshotId,
            created_at: &'a chrono::DateTime<chrono::FixedOffset>,
            bytes: u64,
            database_bytes: u64,
            sha256: &'a str,
            stores: Vec<&'a str>,
        }
        let labels = &self.survey.labels;
        fn list<'a>(views: &'a [SnapshotView], labels: &'a [String]) -> Vec<One<'a>> {
            views
                .iter()
                .map(|v| One {
                    id: &v.meta.id,
                    created_at: &v.meta.created_at,
                    bytes: v.meta.object_bytes,
                    database_bytes: v.meta.database_bytes,
                    sha256: &v.meta.object_sha256,
                    stores: v.stores.iter().map(|&i| labels[i].as_str()).collect(),
                })
                .collect()
        }
        match &self.others {
            // The contract: an array of this vault's snapshots.
            None => s.collect_seq(list(&self.snapshots, labels)),
            Some(others) => {
                #[derive(serde::Serialize)]
                struct Other<'a> {
                    vault: &'a str,
                    snapshots: Vec<One<'a>>,
                }
                #[derive(serde::Serialize)]
                struct All<'a> {
                    vault: Option<&'a str>,
                    snapshots: Vec<One<'a>>,
                    other_vaults: Vec<Other<'a>>,
                }
                All {
                    vault: self.vault.as_deref(),
                    snapshots: list(&self.snapshots, labels),
                    other_vaults: others
                        .iter()
                        .map(|(v, views)| Other {
                            vault: v,
                            snapshots: list(views, labels),
                        })
                        .collect(),
                }
                .serialize(s)
            }
        }
    }
}

impl super::Outcome for SnapshotsOutcome {
    /// A store that could not be listed: exit 2.
    fn verdict(&self) -> super::Verdict {
        super::Verdict::failed_if(self.survey.invs.iter().any(Option::is_none))
    }
}

impl super::Vault {
    /// Every store listed; the complete trusted snapshots across them.
    ///
    /// # Errors
    /// [`OpsError::NoStore`] when no store is configured, or no trusted key.
    pub async fn snapshots(&self, all_vaults: bool) -> Result<SnapshotsOutcome, OpsError> {
        let vet = self.vetting(chrono::Utc::now())?;
        let cfg = self.config()?;
        let survey = survey(cfg, &vet).await?;
        let snapshots = survey.snapshots();
        let vault = cfg.database.vault.clone();
        let others = if all_vaults {
            Some(other_vaults(&survey, vault.as_deref(), &vet).await)
        } else {
            None
        };
        Ok(SnapshotsOutcome {
            survey,
            snapshots,
            vault,
            others,
        })
    }
}
