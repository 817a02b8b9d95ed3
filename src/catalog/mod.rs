//! Snapshot ids, the manifest inside each snapshot, the clear-text metadata beside it, and the key layout.
//!
//! Layout in every store:
//! `snapshots/YYYY/Qn/<id>.tar.zst.age` (the encrypted object) and
//! `snapshots/YYYY/Qn/<id>.json` (clear metadata, written after the object and
//! only if absent: an object without metadata is an incomplete upload). The
//! year and quarter are those of the snapshot's time in Vietnam (UTC+07:00),
//! the calendar the regulation's "every three months" is counted in.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::snapshot::Facts;

pub mod drill;

pub use drill::{Check, DrillRecord};

/// The format version written into manifests and metadata.
pub const FORMAT_VERSION: u32 = 1;
/// The prefix every snapshot key starts with.
pub const SNAPSHOTS: &str = "snapshots";
/// The object's suffix.
pub const OBJECT_SUFFIX: &str = ".tar.zst.age";
/// The metadata's suffix.
pub const METADATA_SUFFIX: &str = ".json";

/// Vietnam's offset, in which quarters and local dates are counted.
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// Why a record signed for vault `theirs` is not read as this vault's.
pub fn vault_mismatch(theirs: Option<&str>) -> String {
    match theirs {
        Some(v) => format!("signed for vault {v}, not this one: copied here from another vault"),
        None => {
            "signed before there were vaults (the store's root), not for this vault: copied here"
                .into()
        }
    }
}

/// Errors reading catalog data.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Not a snapshot id.
    #[error(
        "{0:?} is not a snapshot id (expected e.g. 20261129T013000Z-4f2a9c; list them with `eqvault snapshots`)"
    )]
    BadId(String),
    /// A manifest or metadata file that does not parse.
    #[error("cannot read the {what}: {detail}")]
    Parse {
        /// "manifest" or "metadata at KEY".
        what: String,
        /// serde's message.
        detail: String,
    },
}

/// A snapshot id: UTC time to the second plus a random suffix; sorts by time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SnapshotId(String);

impl SnapshotId {
    /// A new id for a snapshot taken at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        let suffix: u32 = rand::random::<u32>() & 0xff_ffff;
        SnapshotId(format!("{}-{suffix:06x}", at.format("%Y%m%dT%H%M%SZ")))
    }

    /// The time encoded in the id.
    pub fn time(&self) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(&self.0[..16], "%Y%m%dT%H%M%SZ")
            .expect("validated when the id was made");
        Utc.from_utc_datetime(&naive)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `snapshots/YYYY/Qn/` for this id, by its time in Vietnam.
    pub fn folder(&self) -> String {
        let local = self.time().with_timezone(&vietnam());
        format!(
            "{SNAPSHOTS}/{}/Q{}",
            local.year(),
            (local.month() - 1) / 3 + 1
        )
    }

    /// The encrypted object's key.
    pub fn object_key(&self) -> String {
        format!("{}/{}{OBJECT_SUFFIX}", self.folder(), self.0)
    }

    /// The metadata's key.
    pub fn metadata_key(&self) -> String {
        format!("{}/{}{METADATA_SUFFIX}", self.folder(), self.0)
    }
}

impl FromStr for SnapshotId {
    type Err = CatalogError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = s.len() == 23
            && s.as_bytes()[16] == b'-'
            && s[17..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && NaiveDateTime::parse_from_str(&s[..16], "%Y%m%dT%H%M%SZ").is_ok();
        if ok {
            Ok(SnapshotId(s.to_string()))
        } else {
            Err(CatalogError::BadId(
                crate::sanitize::for_terminal(s).into_owned(),
            ))
        }
    }
}

impl fmt::Display for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for SnapshotId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SnapshotId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Inside the encrypted object, next to the database.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The snapshot.
    pub snapshot_id: SnapshotId,
    /// When the copy was taken.
    pub created_at: DateTime<FixedOffset>,
    /// eqvault's version.
    pub tool_version: String,
    /// The live database's file name (not its folder).
    pub source_name: String,
    /// SHA-256 of the database file inside.
    pub database_sha256: String,
    /// Its length.
    pub database_bytes: u64,
    /// The SQLite version, schema hash and row counts.
    #[serde(flatten)]
    pub facts: Facts,
    /// `ok` when the check passed on the copy.
    pub integrity_check: String,
    /// Which check: `full` (integrity_check) or `quick` (quick_check).
    #[serde(default)]
    pub integrity_level: crate::snapshot::Level,
}

impl Manifest {
    /// Parses a manifest from a snapshot.
    ///
    /// # Errors
    /// [`CatalogError::Parse`].
    pub fn from_slice(b: &[u8]) -> Result<Self, CatalogError> {
        serde_json::from_slice(b).map_err(|e| CatalogError::Parse {
            what: "manifest inside the snapshot".into(),
            detail: e.to_string(),
        })
    }
}

/// The clear-text metadata beside the object: only facts that reveal no data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The snapshot.
    pub id: SnapshotId,
    /// When the copy was taken (Vietnam time).
    pub created_at: DateTime<FixedOffset>,
    /// The object's key in the store.
    pub object: String,
    /// The object's length.
    pub object_bytes: u64,
    /// SHA-256 of the object.
    pub object_sha256: String,
    /// Length of the database inside (bounds the unpacker).
    pub database_bytes: u64,
    /// The public keys it is encrypted to.
    pub recipients: Vec<String>,
    /// Rows per table.
    pub row_counts: BTreeMap<String, u64>,
    /// eqvault's version.
    pub tool_version: String,
    /// The vault it belongs to (`[database] vault`), signed with the rest:
    /// a record copied into another vault's folder is not that vault's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
    /// SHA-256 over the database's schema (the deletion guard compares it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_sha256: Option<String>,
    /// Marked by the deletion guard at backup: the data dropped abnormally
    /// since the previous snapshot (which was held). `restore latest` and
    /// `drill latest` name it rather than pick it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspect: Option<crate::guard::Suspicion>,
}

impl Metadata {
    /// Parses metadata read from `key`, checking it describes the object beside it.
    ///
    /// # Errors
    /// [`CatalogError::Parse`] when it does not parse, or names another id or object.
    pub fn from_slice(key: &str, b: &[u8]) -> Result<Self, CatalogError> {
        let what = || format!("metadata at {}", crate::sanitize::for_terminal(key));
        let m: Metadata = serde_json::from_slice(b).map_err(|e| CatalogError::Parse {
            what: what(),
            detail: e.to_string(),
        })?;
        if m.id.metadata_key() != key || m.object != m.id.object_key() {
            return Err(CatalogError::Parse {
                what: what(),
                detail: format!(
                    "it describes {} at {}, not the object beside it: the metadata was moved or tampered with",
                    m.id,
                    crate::sanitize::for_terminal(&m.object)
                ),
            });
        }
        Ok(m)
    }
}

/// The id in a snapshot key, if the key is a snapshot object or metadata.
pub fn id_of_key(key: &str) -> Option<(SnapshotId, bool /* is metadata */)> {
    let name = key.rsplit('/').next()?;
    let (stem, meta) = if let Some(s) = name.strip_suffix(OBJECT_SUFFIX) {
        (s, false)
    } else if let Some(s) = name.strip_suffix(METADATA_SUFFIX) {
        (s, true)
    } else {
        return None;
    };
    let id: SnapshotId = stem.parse().ok()?;
    let expected = if meta {
        id.metadata_key()
    } else {
        id.object_key()
    };
    (expected == key).then_some((id, meta))
}

/// A snapshot as seen across all stores.
#[derive(Debug, Clone)]
pub struct SnapshotView {
    /// Its metadata (from the first store that has it).
    pub meta: Metadata,
    /// Indexes of the stores holding a complete copy, in config order.
    pub stores: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_round_trip() {
        let a = SnapshotId::new(Utc.with_ymd_and_hms(2025, 3, 31, 16, 59, 59).unwrap());
        let b = SnapshotId::new(Utc.with_ymd_and_hms(2025, 3, 31, 17, 0, 0).unwrap());
        assert!(a < b);
        assert_eq!(a.as_str().parse::<SnapshotId>().unwrap(), a);
        // 17:00 UTC on 31 March is 00:00 on 1 April in Vietnam: the next quarter.
        assert_eq!(a.folder(), "snapshots/2025/Q1");
        assert_eq!(b.folder(), "snapshots/2025/Q2");
        assert_eq!(id_of_key(&b.object_key()), Some((b.clone(), false)));
        assert_eq!(id_of_key(&b.metadata_key()), Some((b, true)));
    }

    #[test]
    fn hostile_ids_are_refused() {
        for bad in [
            "../../etc/passwd",
            "20251301T000000Z-abcdef",
            "20250101T000000Z-ABCDEF",
            "",
        ] {
            assert!(bad.parse::<SnapshotId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn metadata_must_describe_its_own_object() {
        let id = SnapshotId::new(Utc::now());
        let other = SnapshotId::new(Utc::now() - chrono::Duration::days(1));
        let m = Metadata {
            format_version: 1,
            id: id.clone(),
            created_at: Utc::now().with_timezone(&vietnam()),
            object: other.object_key(),
            object_bytes: 1,
            object_sha256: "00".into(),
            database_bytes: 1,
            recipients: vec![],
            row_counts: BTreeMap::new(),
            tool_version: "x".into(),
            vault: None,
            schema_sha256: None,
            suspect: None,
        };
        let b = serde_json::to_vec(&m).unwrap();
        assert!(Metadata::from_slice(&id.metadata_key(), &b).is_err());
    }
}
