//! The index from the stores: rebuilt whole from the sidecars, or brought up to date for the folders a run touches.

use std::collections::{BTreeMap, BTreeSet};

use super::index::Index;
use super::{ArchiveError, REPORTS, SIDECAR_SUFFIX, Sidecar, WITHDRAWAL_SUFFIX, Withdrawal};
use crate::config::Config;
use crate::store::Store;

/// What a rebuild found (its `--json` shape is in `ops/archive.rs`).
#[derive(Debug, Clone, Default)]
pub struct RebuildOutcome {
    /// Bags indexed.
    pub bags: usize,
    /// Files indexed.
    pub files: usize,
    /// Things in the stores that are not complete bags: (store, key, why).
    pub problems: Vec<(String, String, String)>,
}

/// The keys whose sidecars are believed.
///
/// # Errors
/// [`ArchiveError::Trust`] when none is configured.
pub(crate) fn trusted(cfg: &Config) -> Result<crate::trust::Trusted, ArchiveError> {
    Ok(cfg.signing.trusted()?)
}

/// The stores that opened, and (label, why) for those that did not.
pub(crate) type Opened = (Vec<Store>, Vec<(String, String)>);

/// Opens every configured store; fails when none opens.
pub(crate) fn open_stores(cfg: &Config) -> Result<Opened, ArchiveError> {
    if cfg.stores.is_empty() {
        return Err(ArchiveError::NoStore(cfg.path.clone()));
    }
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for s in &cfg.stores {
        match Store::open(s) {
            Ok(st) => ok.push(st.in_vault(cfg.database.vault.as_deref())),
            Err(e) => failed.push((
                crate::store::redact_url(&s.url),
                crate::store::brief(&e.to_string()).to_string(),
            )),
        }
    }
    if ok.is_empty() {
        return Err(ArchiveError::AllStoresFailed(
            failed
                .iter()
                .map(|(s, e)| format!("  {s}: {e}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    Ok((ok, failed))
}

/// The bags (sidecar with its object present) under `prefix` in every store:
/// bag id → (sidecar, its JSON, the stores that hold it).
async fn scan(
    stores: &[Store],
    prefix: &str,
    skip_known: Option<&Index>,
    trusted: &crate::trust::Trusted,
    problems: &mut Vec<(String, String, String)>,
    withdrawals: &mut Vec<(Withdrawal, String)>,
) -> Result<BTreeMap<String, (Sidecar, String, Vec<String>)>, ArchiveError> {
    let mut found: BTreeMap<String, (Sidecar, String, Vec<String>)> = BTreeMap::new();
    for store in stores {
        let listed = store.list(prefix).await?;
        read_withdrawals(store, &listed, skip_known, trusted, problems, withdrawals).await?;
        let sizes: BTreeMap<&str, u64> = listed.iter().map(|l| (l.key.as_str(), l.size)).collect();
        // A copy counts in a store only where its sidecar is signed there too.
        let signed = |key: &str| sizes.contains_key(crate::trust::sig_key(key).as_str());
        let mut sidecar_objects = BTreeSet::new();
        for l in listed.iter().filter(|l| l.key.ends_with(SIDECAR_SUFFIX)) {
            let id = l
                .key
                .rsplit('/')
                .next()
                .unwrap_or("")
                .trim_end_matches(SIDECAR_SUFFIX);
            if let Some((s, _, holders)) = found.get_mut(id) {
                // Known from an earlier store: one read tells whether this copy is whole.
                if sizes.get(s.object.as_str()) == Some(&s.object_bytes) && signed(&l.key) {
                    holders.push(store.label.clone());
                }
                sidecar_objects.insert(s.object.clone());
                continue;
            }
            if let Some(index) = skip_known
                && let Some((s, json)) = index.sidecar_of(id)?
            {
                // Already indexed: only this store's copy may be new.
                sidecar_objects.insert(s.object.clone());
                if sizes.get(s.object.as_str()) == Some(&s.object_bytes) && signed(&l.key) {
                    found.insert(id.to_string(), (s, json, vec![store.label.clone()]));
                }
                continue;
            }
            // The signature first: nothing of a sidecar is used before it is believed.
            let read = match store
                .get_signed(&l.key, crate::trust::Kind::Bag, trusted)
                .await
            {
                Ok(r) => r,
                Err(crate::store::StoreError::TooLarge { .. }) => {
                    problems.push((
                        store.label.clone(),
                        crate::sanitize::for_terminal(&l.key).into_owned(),
                        "a sidecar far larger than eqvault writes: not read".into(),
                    ));
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if let Err(why) = read.signer {
                problems.push((
                    store.label.clone(),
                    crate::sanitize::for_terminal(&l.key).into_owned(),
                    format!(
                        "a sidecar that is not trusted ({why}): ignored, not part of the archive"
                    ),
                ));
                continue;
            }
            let body = read.body;
            let s = match Sidecar::parse_in(store.vault(), &l.key, &body) {
                Ok(s) => s,
                Err(why) => {
                    problems.push((
                        store.label.clone(),
                        l.key.clone(),
                        format!("unreadable sidecar: {why}"),
                    ));
                    continue;
                }
            };
            sidecar_objects.insert(s.object.clone());
            let mut holders = Vec::new();
            match sizes.get(s.object.as_str()) {
                Some(&n) if n == s.object_bytes => holders.push(store.label.clone()),
                Some(&n) => problems.push((
                    store.label.clone(),
                    s.object.clone(),
                    format!("{n} bytes where its sidecar says {}; run `eqvault archive verify --all`", s.object_bytes),
                )),
                None => problems.push((
                    store.label.clone(),
                    l.key.clone(),
                    "a sidecar whose bag is missing from this store; `eqvault sync` copies it from another store".into(),
                )),
            }
            let json = String::from_utf8_lossy(&body).into_owned();
            found.insert(id.to_string(), (s, json, holders));
        }
        for l in &listed {
            if !l.key.ends_with(SIDECAR_SUFFIX)
                && !l.key.ends_with(crate::trust::SIG_SUFFIX)
                && !l.key.ends_with(WITHDRAWAL_SUFFIX)
                && !sidecar_objects.contains(&l.key)
            {
                problems.push((
                    store.label.clone(),
                    l.key.clone(),
                    "a bag without its sidecar: an interrupted upload, not part of the archive"
                        .into(),
                ));
            }
        }
    }
    Ok(found)
}

/// The signed withdrawal records among `listed` that the index does not know
/// yet; one not signed by a trusted key withdraws nothing and is named.
async fn read_withdrawals(
    store: &Store,
    listed: &[crate::store::Listed],
    skip_known: Option<&Index>,
    trusted: &crate::trust::Trusted,
    problems: &mut Vec<(String, String, String)>,
    withdrawals: &mut Vec<(Withdrawal, String)>,
) -> Result<(), ArchiveError> {
    for l in listed.iter().filter(|l| l.key.ends_with(WITHDRAWAL_SUFFIX)) {
        let shown = crate::sanitize::for_terminal(&l.key).into_owned();
        let id = l.key.rsplit('/').next().unwrap_or("");
        let id = id.trim_end_matches(WITHDRAWAL_SUFFIX);
        if let (Some(index), Some(bag)) = (skip_known, super::BagId::parse(id))
            && index.withdrawal_of(&bag)?.is_some()
        {
            continue;
        }
        if withdrawals.iter().any(|(w, _)| w.key() == l.key) {
            continue;
        }
        let read = match store
            .get_signed(&l.key, crate::trust::Kind::Withdrawal, trusted)
            .await
        {
            Ok(r) => r,
            Err(crate::store::StoreError::TooLarge { .. }) => {
                problems.push((
                    store.label.clone(),
                    shown,
                    "a withdrawal record far larger than eqvault writes: not read".into(),
                ));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if let Err(why) = read.signer {
            problems.push((
                store.label.clone(),
                shown,
                format!(
                    "a withdrawal record that is not trusted ({why}): ignored, it withdraws nothing"
                ),
            ));
            continue;
        }
        match Withdrawal::parse_in(store.vault(), &l.key, &read.body) {
            Ok(w) => withdrawals.push((w, String::from_utf8_lossy(&read.body).into_owned())),
            Err(why) => problems.push((
                store.label.clone(),
                shown,
                format!("unreadable withdrawal record: {why}"),
            )),
        }
    }
    Ok(())
}

/// Recreates the index from the sidecars in every store, in one transaction.
/// Every configured store must answer, or nothing changes.
///
/// # Errors
/// [`ArchiveError`] when a store cannot be opened or listed, or the index written.
pub async fn rebuild_index(cfg: &Config) -> Result<RebuildOutcome, ArchiveError> {
    let (stores, failed) = open_stores(cfg)?;
    if !failed.is_empty() {
        return Err(ArchiveError::AllStoresFailed(format!(
            "the index is rebuilt only when every store answers; these did not:\n{}",
            failed
                .iter()
                .map(|(s, e)| format!("  {s}: {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }
    crate::scratch::create_private_dir(&cfg.state_dir)
        .map_err(|e| ArchiveError::Internal(e.to_string()))?;
    let mut index = Index::open(&Index::path_in(&cfg.state_dir))?;
    let mut out = RebuildOutcome::default();
    let trusted = trusted(cfg)?;
    let mut withdrawals = Vec::new();
    let found = scan(
        &stores,
        &format!("{REPORTS}/"),
        None,
        &trusted,
        &mut out.problems,
        &mut withdrawals,
    )
    .await?;
    let bags: Vec<(Sidecar, String, Vec<String>)> = found
        .into_values()
        .filter(|(_, _, h)| !h.is_empty())
        .collect();
    out.bags = bags.len();
    out.files = bags.iter().map(|(s, _, _)| s.files.len()).sum();
    index.replace_all(&bags, &withdrawals)?;
    Ok(out)
}

/// Opens the index, rebuilding it from the stores first when it was never
/// built (no catalog yet, or a fresh state folder). Returns whether it rebuilt.
///
/// # Errors
/// As [`rebuild_index`], and opening the catalog.
pub async fn open_index(cfg: &Config) -> Result<(Index, Option<RebuildOutcome>), ArchiveError> {
    crate::scratch::create_private_dir(&cfg.state_dir)
        .map_err(|e| ArchiveError::Internal(e.to_string()))?;
    let path = Index::path_in(&cfg.state_dir);
    let index = Index::open(&path)?;
    if index.is_built()? {
        return Ok((index, None));
    }
    drop(index);
    let r = rebuild_index(cfg).await?;
    Ok((Index::open(&path)?, Some(r)))
}

/// Adds to the index the bags under `prefix` that another machine or run
/// stored and this index does not know yet, and the copies of known bags that
/// `sync` made. Stores that fail to answer are skipped (their bags are found
/// in the others or on the next run) and returned: (label, what happened, in
/// a few words; the whole text is logged at info, shown with `-v`).
///
/// # Errors
/// [`ArchiveError::Index`].
pub(crate) async fn refresh(
    index: &mut Index,
    stores: &[Store],
    prefix: &str,
    trusted: &crate::trust::Trusted,
) -> Result<Vec<(String, String)>, ArchiveError> {
    let mut unreachable = Vec::new();
    let mut problems = Vec::new();
    for store in stores {
        let mut withdrawals = Vec::new();
        let found = match scan(
            std::slice::from_ref(store),
            prefix,
            Some(index),
            trusted,
            &mut problems,
            &mut withdrawals,
        )
        .await
        {
            Ok(f) => f,
            Err(ArchiveError::Store(e)) => {
                tracing::info!(store = %store.label, error = %e, "store unavailable");
                let why = crate::store::brief(&crate::store::flatten_error(&e)).to_string();
                unreachable.push((store.label.clone(), why));
                continue;
            }
            Err(e) => return Err(e),
        };
        for (s, json, holders) in found.into_values() {
            if !holders.is_empty() {
                index.insert(&s, &json, &holders)?;
            }
        }
        for (w, json) in &withdrawals {
            index.insert_withdrawal(w, json)?;
        }
    }
    Ok(unreachable)
}
