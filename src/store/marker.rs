//! The store marker: a signed `eqvault-store.json` at the root of every store.
//!
//! It tells a store eqvault made from an empty folder: a NAS that is not
//! mounted leaves its mount point behind, and a backup there would land on the
//! local disk. `backup`, `sync` and `prune` refuse a local store without a
//! trusted marker; `status` and `doctor` name an S3 store without one.

use bytes::Bytes;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::trust::{Kind, Signer, Trusted};

/// The marker's key at the root of a store.
pub const MARKER_KEY: &str = "eqvault-store.json";

/// What the marker says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    /// The format version (1).
    pub format_version: u32,
    /// A random id of this store.
    pub store_id: String,
    /// The store's URL when the marker was written (no credentials).
    pub url: String,
    /// The office that made it.
    pub office: String,
    /// When.
    pub created_at: DateTime<FixedOffset>,
}

/// What a store's marker is.
#[derive(Debug, Clone)]
pub enum MarkerState {
    /// Present and signed by a trusted key.
    Trusted(Marker),
    /// Absent.
    Missing,
    /// Present but not believed (unsigned, a foreign key, damaged): why.
    Untrusted(String),
}

impl Store {
    /// Reads and judges this store's marker.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer.
    pub async fn marker(&self, trusted: &Trusted) -> Result<MarkerState, StoreError> {
        // The marker is the store's, at its root, whichever vault this handle reads.
        let r = match self
            .root()
            .get_signed(MARKER_KEY, Kind::Marker, trusted)
            .await
        {
            Ok(r) => r,
            Err(StoreError::NotFound { .. }) => return Ok(MarkerState::Missing),
            Err(StoreError::TooLarge { .. }) => {
                return Ok(MarkerState::Untrusted("far too large".into()));
            }
            Err(e) => return Err(e),
        };
        if let Err(why) = r.signer {
            return Ok(MarkerState::Untrusted(why.to_string()));
        }
        match serde_json::from_slice::<Marker>(&r.body) {
            Ok(m) => Ok(MarkerState::Trusted(m)),
            Err(e) => Ok(MarkerState::Untrusted(format!("cannot be read: {e}"))),
        }
    }

    /// Writes a new marker (never over one).
    ///
    /// # Errors
    /// [`StoreError::Exists`] when the store has a marker already.
    pub async fn write_marker(
        &self,
        office: &str,
        now: DateTime<FixedOffset>,
        signer: &Signer,
    ) -> Result<Marker, StoreError> {
        let m = Marker {
            format_version: 1,
            store_id: format!("{:016x}", rand::random::<u64>()),
            url: self.label.clone(),
            office: office.to_string(),
            created_at: now,
        };
        let body = Bytes::from(serde_json::to_vec_pretty(&m).expect("a marker serialises"));
        self.root()
            .put_signed(MARKER_KEY, body, Kind::Marker, signer)
            .await?;
        Ok(m)
    }

    /// For a local store, refuses to go on without a trusted marker: the folder
    /// may be an empty mount point. S3 stores pass (their marker is named by `status`).
    ///
    /// # Errors
    /// [`StoreError::NoMarker`] naming the store and what to do.
    pub async fn require_marker(&self, trusted: &Trusted) -> Result<(), StoreError> {
        if self.local_root().is_none() {
            return Ok(());
        }
        self.require(&self.marker(trusted).await?)
    }

    /// [`Store::require_marker`] with the marker already read: a local store
    /// needs a trusted one.
    ///
    /// # Errors
    /// [`StoreError::NoMarker`] for a local store whose marker is missing or not trusted.
    pub fn require(&self, state: &MarkerState) -> Result<(), StoreError> {
        if self.local_root().is_none() {
            return Ok(());
        }
        match state {
            MarkerState::Trusted(_) => Ok(()),
            MarkerState::Missing => Err(StoreError::NoMarker {
                store: self.label.clone(),
                why: "it has no eqvault-store.json".into(),
            }),
            MarkerState::Untrusted(why) => Err(StoreError::NoMarker {
                store: self.label.clone(),
                why: format!("its eqvault-store.json is not trusted: {why}"),
            }),
        }
    }
}
