//! Rebuilding the identifier ledger from the stores and the identity alone.

use std::path::Path;

use super::OpsError;
use crate::ledger::{self, Ledger};
use crate::pack;
use crate::store::{Store, StoreError};

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

/// The signed records of the sealed ledgers in `store`.
///
/// # Errors
/// [`StoreError`] when the store cannot be listed or read.
pub async fn sealed_records(
    store: &Store,
    vet: &crate::trust::Vetting,
) -> Result<crate::store::signed::Records<ledger::Sealed>, StoreError> {
    crate::store::signed::read_records(
        store,
        ledger::LEDGER,
        crate::trust::Kind::Ledger,
        &vet.trusted,
        |k| k.ends_with(ledger::RECORD_SUFFIX),
        |key, b| {
            let r = ledger::Sealed::parse(key, b)?;
            if r.vault.as_deref() != store.vault() {
                return Err(crate::catalog::vault_mismatch(r.vault.as_deref()));
            }
            Ok(r)
        },
    )
    .await
}

/// Merges the newest trusted sealed ledger found in any store into the local ledger.
///
/// # Errors
/// [`OpsError`]: no identity, no store, no trusted sealed ledger anywhere, or one
/// whose object does not match its signed record or cannot be opened.
pub async fn rebuild(cfg: &crate::Config, identity: &Path) -> Result<Rebuilt, OpsError> {
    let ids = pack::keys::load_identities(identity)?;
    let vet = super::vetting(cfg, chrono::Utc::now())?;
    let mut best: Option<(ledger::Sealed, Store)> = None;
    for (label, r) in super::open_stores(cfg)? {
        let s = match r {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(store = %label, error = %e, "store unavailable");
                continue;
            }
        };
        let recs = sealed_records(&s, &vet).await?;
        for (k, why) in &recs.rejected {
            tracing::warn!(store = %label, key = %k, why = %why, "sealed ledger not trusted, ignored");
        }
        let newest = recs
            .good
            .into_iter()
            .map(|(_, r, _)| r)
            .filter(|r| !vet.is_future(&r.created_at))
            .max_by(|a, b| {
                a.created_at
                    .cmp(&b.created_at)
                    .then(a.snapshot.cmp(&b.snapshot))
            });
        if let Some(n) = newest
            && best
                .as_ref()
                .is_none_or(|(b, _)| n.created_at > b.created_at)
        {
            best = Some((n, s));
        }
    }
    let Some((rec, store)) = best else {
        return Err(OpsError::Internal(
            "no trusted sealed identifier ledger in any store: each `eqvault backup` writes one"
                .into(),
        ));
    };
    let sealed = store.get_bytes_max(&rec.object, ledger::MAX_BYTES).await?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&sealed));
    if sha != rec.object_sha256 || sealed.len() as u64 != rec.object_bytes {
        return Err(OpsError::ObjectMismatch {
            store: store.label.clone(),
            key: rec.object.clone(),
            detail: format!(
                "hashes to {sha}, its signed record says {}",
                rec.object_sha256
            ),
        });
    }
    let plain = pack::unseal(&sealed, &ids, ledger::MAX_BYTES)?;
    super::create_private_dir(&cfg.state_dir)?;
    let path = Ledger::path_in(&cfg.state_dir);
    let mut l = Ledger::open(&path).map_err(|e| OpsError::Internal(e.to_string()))?;
    let n = l
        .import(&rec.object, &plain)
        .map_err(|e| OpsError::Internal(e.to_string()))?;
    Ok(Rebuilt {
        key: rec.object,
        store: store.label.clone(),
        identifiers: n,
        path,
    })
}

impl super::Outcome for Rebuilt {
    fn verdict(&self) -> super::Verdict {
        super::Verdict::Ok
    }
}

impl super::Vault {
    /// The identifier history back from the stores and the identity alone (see [`rebuild`]).
    ///
    /// # Errors
    /// As [`rebuild`].
    pub async fn ledger_rebuild(&self, identity: &Path) -> Result<Rebuilt, OpsError> {
        rebuild(self.config()?, identity).await
    }
}
