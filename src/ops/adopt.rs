//! `adopt`: the migration of a set-up made before eqvault signed its records.
//!
//! Snapshots made by an older eqvault carry no signature, and from this version
//! on nothing unsigned is believed. `adopt` is the one explicit step that
//! vouches for them: it gives the config a signing key if it has none, writes
//! each store's marker, and for each unsigned snapshot chosen (all of them, or
//! the ids given, made before `--before`) decrypts and checks it with the
//! identity as `verify --read-data` does, and only then signs its metadata as
//! it stands. It never signs a record made by a key that is not trusted, nor
//! one that fails its checks: those stay untrusted. Adopt only snapshots you
//! know this office made before the upgrade: anyone with the public recipient
//! can build a snapshot that decrypts, and adopting it would vouch for it.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{OpsError, Progress};
use crate::catalog::{Metadata, SnapshotId};
use crate::config::Config;
use crate::trust::{Kind, Signer};

/// What to adopt.
#[derive(Debug, Clone)]
pub struct AdoptRequest {
    /// These ids, or every unsigned snapshot when `None`.
    pub ids: Option<Vec<SnapshotId>>,
    /// Only snapshots made before this time.
    pub before: DateTime<Utc>,
}

/// One snapshot's fate in one store.
#[derive(Debug, Clone, Serialize)]
pub struct Adopted {
    /// The snapshot.
    pub id: String,
    /// The store.
    pub store: String,
    /// Its metadata is now signed.
    pub ok: bool,
    /// What was checked, or why it was not adopted.
    pub detail: String,
}

/// What adopt did.
#[derive(Debug, Clone, Serialize)]
pub struct AdoptOutcome {
    /// The signing key created for the config, when it had none.
    pub new_signing_key: Option<std::path::PathBuf>,
    /// Each store's marker.
    pub markers: Vec<super::setup::StoreMarked>,
    /// Each snapshot looked at.
    pub snapshots: Vec<Adopted>,
}

/// Runs the migration (see the module docs).
///
/// # Errors
/// [`OpsError`]: no identity, a config that cannot be edited, a store that cannot be listed.
pub async fn adopt(
    cfg: &Config,
    req: &AdoptRequest,
    identity: &Path,
    progress: Arc<dyn Progress>,
) -> Result<AdoptOutcome, OpsError> {
    let identities = Arc::new(crate::pack::keys::load_identities(identity)?);
    let mut new_signing_key = None;
    let cfg = if cfg.signing.key.is_none() {
        let dir = cfg
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let path = dir.join(super::setup::SIGNING_KEY_FILE);
        let mut s = Signer::generate(&format!("eqvault@{}", crate::trust::host_name()));
        let public = s.write_new(&path)?;
        crate::config::edit::set_signing(&cfg.path, super::setup::SIGNING_KEY_FILE, &public)?;
        new_signing_key = Some(path);
        Config::load(&cfg.path)?
    } else {
        cfg.clone()
    };
    let signer = super::signer(&cfg)?;
    let mut markers = Vec::new();
    for s in &cfg.stores {
        markers.push(super::setup::mark(&cfg, s, &signer).await);
    }
    let vet = super::vetting(&cfg, Utc::now())?;
    let sv = super::survey_all(&cfg, &vet, false).await?;
    let mut snapshots = Vec::new();
    for (i, store) in sv.stores.iter().enumerate() {
        let store = store.as_ref().expect("open");
        let inv = sv.invs[i].as_ref().expect("listed");
        for id in &inv.unsigned {
            let wanted = req.ids.as_ref().is_none_or(|ids| ids.contains(id));
            if !wanted || id.time() >= req.before {
                continue;
            }
            let key = id.metadata_key();
            let mut fate = |ok: bool, detail: String| {
                snapshots.push(Adopted {
                    id: id.to_string(),
                    store: store.label.clone(),
                    ok,
                    detail,
                })
            };
            let body = match store
                .get_bytes_max(&key, crate::store::signed::MAX_RECORD_BYTES)
                .await
            {
                Ok(b) => b,
                Err(e) => {
                    fate(false, e.to_string());
                    continue;
                }
            };
            let meta = match Metadata::from_slice(&key, &body) {
                Ok(m) => m,
                Err(e) => {
                    fate(false, e.to_string());
                    continue;
                }
            };
            let tmp = super::private_temp(&cfg, "adopt")?;
            let rd = super::verify::read_data(
                store,
                &meta,
                &vet.trusted,
                identities.clone(),
                tmp.path(),
                super::verify::Depth::Full,
                progress.as_ref(),
            )
            .await;
            drop(tmp);
            let failed: Vec<String> = rd
                .checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| format!("{}: {}", c.name, c.detail))
                .collect();
            if !failed.is_empty() || rd.manifest.is_none() {
                fate(
                    false,
                    format!("not adopted, it failed its checks: {}", failed.join("; ")),
                );
                continue;
            }
            let sig = bytes::Bytes::from(signer.sign(Kind::Snapshot, &body));
            match store.put_signature(&key, sig).await {
                Ok(()) => fate(
                    true,
                    format!(
                        "decrypted and checked ({} checks), metadata signed",
                        rd.checks.len()
                    ),
                ),
                Err(e) => fate(false, e.to_string()),
            }
        }
    }
    if let Some(ids) = &req.ids {
        for id in ids {
            if !snapshots.iter().any(|a| a.id == id.as_str()) {
                snapshots.push(Adopted {
                    id: id.to_string(),
                    store: String::new(),
                    ok: false,
                    detail: "no unsigned snapshot with this id in any store (a snapshot signed by another key is never adopted)".into(),
                });
            }
        }
    }
    Ok(AdoptOutcome {
        new_signing_key,
        markers,
        snapshots,
    })
}

impl super::Outcome for AdoptOutcome {
    /// A snapshot not adopted, or a marker not written: exit 1.
    fn verdict(&self) -> super::Verdict {
        super::Verdict::found_if(
            !(self.snapshots.iter().all(|s| s.ok) && self.markers.iter().all(|m| m.ok)),
        )
    }
}

impl super::Vault {
    /// Vouches for snapshots made before eqvault signed (see [`adopt`]).
    ///
    /// # Errors
    /// As [`adopt`].
    pub async fn adopt(
        &self,
        req: &AdoptRequest,
        identity: &Path,
        progress: Arc<dyn Progress>,
    ) -> Result<AdoptOutcome, OpsError> {
        adopt(self.config()?, req, identity, progress).await
    }
}
