//! Rebuilding the identifier ledger from the stores and the identity alone.

use std::path::Path;

use super::OpsError;
use crate::ledger::{self, Ledger};
use crate::pack;

/// Sealed ledgers kept per store by prune (the newest is the whole history; two more in reserve).
pub const KEEP_SEALED: usize = 3;

/// What a rebuild did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rebuilt {
    /// The sealed ledger read.
    pub key: String,
    /// From which store.
    pub store: String,
    /// Identifiers merged into the local ledger.
    pub identifiers: usize,
    /// The local ledger file.
    pub path: std::path::PathBuf,
}

/// Merges the newest sealed ledger found in any store into the local ledger.
///
/// # Errors
/// [`OpsError`]: no identity, no store, no sealed ledger anywhere, or one that cannot be opened.
pub async fn rebuild(cfg: &crate::Config, identity: &Path) -> Result<Rebuilt, OpsError> {
    let ids = pack::keys::load_identities(identity)?;
    let mut best: Option<(String, crate::store::Store)> = None;
    for (label, r) in super::open_stores(cfg)? {
        let s = match r {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(store = %label, error = %e, "store unavailable");
                continue;
            }
        };
        let newest = s
            .list(ledger::LEDGER)
            .await?
            .into_iter()
            .map(|l| l.key)
            .filter(|k| k.ends_with(ledger::SUFFIX))
            .max();
        if let Some(k) = newest
            && best.as_ref().is_none_or(|(b, _)| k > *b)
        {
            best = Some((k, s));
        }
    }
    let Some((key, store)) = best else {
        return Err(OpsError::Internal(
            "no sealed identifier ledger in any store: it is written by each `eqvault backup`"
                .into(),
        ));
    };
    let sealed = store.get_bytes(&key).await?;
    let plain = pack::unseal(&sealed, &ids, ledger::MAX_BYTES)?;
    super::create_private_dir(&cfg.state_dir)?;
    let path = Ledger::path_in(&cfg.state_dir);
    let mut l = Ledger::open(&path).map_err(|e| OpsError::Internal(e.to_string()))?;
    let n = l
        .import(&key, &plain)
        .map_err(|e| OpsError::Internal(e.to_string()))?;
    Ok(Rebuilt {
        key,
        store: store.label.clone(),
        identifiers: n,
        path,
    })
}
