//! The report archive: report files → BagIt bags by school year and period, in every store, with a local index.
//!
//! Art. 12.2 of the regulation asks for every periodic report to be archived
//! completely, ordered by reporting period and school year. Each `archive add`
//! places every file it is given ([`classify`]), and packs what it placed as
//! one BagIt 1.0 bag per school year and period ([`bag`]), stored in every
//! store, never overwriting:
//!
//! ```text
//! reports/<year>/<period>/<bag-id>.tar.zst.age   the bag (age-encrypted; `.tar.zst` with [archive] encrypt = false)
//! reports/<year>/<period>/<bag-id>.json          clear sidecar: what the bag holds, with every digest
//! reports/<year>/<period>/<bag-id>.withdrawal    when a misfiled bag was withdrawn (see [`withdraw`])
//! ```
//!
//! The sidecar is written after the bag and only if absent, so a bag without
//! one is an incomplete upload. It is signed (`<bag-id>.json.sig`, namespace
//! `eqvault-bag`) and believed only when a trusted key signed it. It is clear text so that the index can be
//! rebuilt from the stores without the private key; it holds file names and
//! digests, never content (report names are not secret; their content is).
//! The index ([`index`]) lives in `catalog.db` in the state folder and is
//! rebuilt from the sidecars when it is missing. [`unpack`] reads stored bags
//! strictly for `archive get` and `archive verify`.

pub mod bag;
pub mod classify;
pub mod index;
pub mod kinds;
pub mod unpack;

mod add;
mod fetch;
mod refresh;
mod walk;
mod withdraw;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Period;
use crate::config::Config;

pub use add::{AddOptions, AddOutcome, Added, BagOutcome, Refused, Skipped, StoreResult, add};
pub use bag::{Digests, PayloadFile, Problem};
pub use fetch::{GetOutcome, VerifyResult, VerifySelection, get, verify};
pub use index::{Entry, Index};
pub use kinds::ReportKinds;
pub use refresh::{RebuildOutcome, open_index, rebuild_index};
pub use withdraw::{WITHDRAWAL_SUFFIX, WithdrawOutcome, Withdrawal, withdraw, withdrawal_key};

/// The prefix every archive key starts with.
pub const REPORTS: &str = "reports";
/// The suffix of an encrypted bag.
pub const ENCRYPTED_SUFFIX: &str = ".tar.zst.age";
/// The suffix of a clear bag.
pub const PLAIN_SUFFIX: &str = ".tar.zst";
/// The sidecar's suffix.
pub const SIDECAR_SUFFIX: &str = ".json";
/// The sidecar format version.
pub const FORMAT_VERSION: u32 = 1;

/// Errors of the archive. Each names the file, key or value concerned and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The office is not configured.
    #[error(
        "[office] name is empty in {0}: every bag records the organisation that archived it (Source-Organization, Don-Vi) and cannot be changed later. Set [office] name and code, then run the command again"
    )]
    NoOffice(PathBuf),
    /// A `--year` that is not a school year.
    #[error("{0:?} is not a school year: write YYYY-YYYY with consecutive years, e.g. 2024-2025")]
    BadYear(String),
    /// The policy files (school years).
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// The report kinds file.
    #[error(transparent)]
    Kinds(#[from] kinds::KindsError),
    /// Keys.
    #[error(transparent)]
    Key(#[from] crate::pack::keys::KeyError),
    /// Signing keys.
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    /// A store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// No store is configured.
    #[error("no store is configured: add a [[store]] with a url to {0}")]
    NoStore(PathBuf),
    /// No store could be used.
    #[error("no store could be used:\n{0}")]
    AllStoresFailed(String),
    /// The local index.
    #[error("the archive index {path}: {source}")]
    Index {
        /// The catalog file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A sidecar that does not parse.
    #[error(
        "the sidecar {key} in {store} cannot be read ({detail}); it was not made by this eqvault or is damaged"
    )]
    Sidecar {
        /// The store.
        store: String,
        /// The key.
        key: String,
        /// What is wrong.
        detail: String,
    },
    /// Nothing archived matches.
    #[error("nothing archived matches {0:?}")]
    NotFound(String),
    /// A name that matches several archived files.
    #[error(
        "{query:?} matches several archived files:\n{matches}\nPass the full path as listed, or the SHA-256"
    )]
    Ambiguous {
        /// What was asked.
        query: String,
        /// The candidates, one per line.
        matches: String,
    },
    /// `get` would overwrite a different file.
    #[error("{0} already exists with other content; eqvault never overwrites a file")]
    TargetExists(PathBuf),
    /// `get --to` is not a folder.
    #[error("{0} is not a folder")]
    NotAFolder(PathBuf),
    /// Every copy of a bag failed.
    #[error("no store gave a good copy of bag {bag}:\n{detail}")]
    NoGoodCopy {
        /// The bag.
        bag: String,
        /// Each store's failure, one per line.
        detail: String,
    },
    /// Local file I/O.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A withdrawal reason that cannot be kept.
    #[error("the reason cannot be kept: {0}; give it in one line of text with --reason")]
    BadReason(String),
    /// A worker thread or task died.
    #[error("internal failure: {0}")]
    Internal(String),
}

impl ArchiveError {
    fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ArchiveError + use<> {
        let path = path.to_path_buf();
        move |source| ArchiveError::Io { what, path, source }
    }
}

/// A bag id: UTC time to the second plus a random suffix, e.g. `20250120T013000Z-4f2a9c`; sorts by time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BagId(String);

impl BagId {
    /// A new id for a bag made at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        let suffix: u32 = rand::random::<u32>() & 0xff_ffff;
        BagId(format!("{}-{suffix:06x}", at.format("%Y%m%dT%H%M%SZ")))
    }

    /// Reads an id, refusing anything else (ids name folders and keys).
    pub fn parse(s: &str) -> Option<BagId> {
        let b = s.as_bytes();
        // The `-` first: it makes bytes 16 and 17 character boundaries for the slices.
        let ok = b.len() == 23
            && b[16] == b'-'
            && NaiveDateTime::parse_from_str(&s[..16], "%Y%m%dT%H%M%SZ").is_ok()
            && s[17..]
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
        ok.then(|| BagId(s.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BagId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `reports/<year>/<period>`.
pub fn folder(year: &str, period: Period) -> String {
    format!("{REPORTS}/{year}/{period}")
}

/// Vietnam's offset, in which bagging dates are written.
pub fn vietnam() -> FixedOffset {
    crate::catalog::vietnam()
}

/// The office that archived a bag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeRef {
    /// Its name.
    pub name: String,
    /// Its code.
    pub code: String,
}

/// The clear sidecar stored beside each bag: what the bag holds, with every digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The bag id (its top folder).
    pub bag_id: BagId,
    /// `2024-2025`.
    pub year: String,
    /// The report period.
    pub period: Period,
    /// When it was archived, in Vietnam.
    pub archived_at: DateTime<FixedOffset>,
    /// Who archived it.
    pub office: OfficeRef,
    /// The bag's key.
    pub object: String,
    /// The stored object's length.
    pub object_bytes: u64,
    /// The stored object's SHA-256.
    pub object_sha256: String,
    /// Whether the object is age-encrypted.
    pub encrypted: bool,
    /// The recipients it was encrypted to.
    pub recipients: Vec<String>,
    /// `bytes.files` of the payload, as in `bag-info.txt`.
    pub payload_oxum: String,
    /// The total length of the tag files.
    pub tag_bytes: u64,
    /// The payload, in bag order.
    pub files: Vec<PayloadFile>,
    /// The eqvault that made it.
    pub tool_version: String,
    /// The vault (`[database] vault`) it was signed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
}

impl Sidecar {
    /// The sidecar's key, beside the object.
    pub fn key(&self) -> String {
        sidecar_key(&self.year, self.period, &self.bag_id)
    }

    /// What a strict read of the bag must find.
    pub fn expect(&self) -> unpack::Expect {
        unpack::Expect {
            bag_id: self.bag_id.0.clone(),
            files: self
                .files
                .iter()
                .map(|f| (f.path.clone(), f.bytes))
                .collect(),
            tag_bytes: self.tag_bytes,
            encrypted: self.encrypted,
        }
    }

    /// As [`Sidecar::parse`], for a store handle reading `vault`: a sidecar
    /// signed for another vault is refused.
    ///
    /// # Errors
    /// As [`Sidecar::parse`], and a vault that is not `vault`.
    pub fn parse_in(vault: Option<&str>, key: &str, b: &[u8]) -> Result<Sidecar, String> {
        let s = Sidecar::parse(key, b)?;
        if s.vault.as_deref() != vault {
            return Err(crate::catalog::vault_mismatch(s.vault.as_deref()));
        }
        Ok(s)
    }

    /// Parses a sidecar and checks that it describes the key it was found under.
    ///
    /// # Errors
    /// A message saying what does not fit.
    pub fn parse(key: &str, b: &[u8]) -> Result<Sidecar, String> {
        let s: Sidecar = serde_json::from_slice(b).map_err(|e| e.to_string())?;
        if s.format_version != FORMAT_VERSION {
            return Err(format!(
                "format version {} (this eqvault reads {FORMAT_VERSION})",
                s.format_version
            ));
        }
        if s.key() != key {
            return Err(format!("it describes {} but is stored as {key}", s.key()));
        }
        let suffix = if s.encrypted {
            ENCRYPTED_SUFFIX
        } else {
            PLAIN_SUFFIX
        };
        if s.object != format!("{}/{}{suffix}", folder(&s.year, s.period), s.bag_id) {
            return Err(format!("its object {} is not beside it", s.object));
        }
        if !classify::is_year_name(&s.year) {
            return Err(format!("{:?} is not a school year", s.year));
        }
        let bytes: u64 = s.files.iter().map(|f| f.bytes).sum();
        if s.payload_oxum != format!("{bytes}.{}", s.files.len()) {
            return Err(format!("Payload-Oxum {} does not add up", s.payload_oxum));
        }
        // Digests are shown and compared as hex; anything else is a damaged sidecar.
        let hex = |d: &str, n: usize| {
            d.len() == n && d.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        };
        if !hex(&s.object_sha256, 64) {
            return Err(format!(
                "object_sha256 {:?} is not a SHA-256",
                s.object_sha256
            ));
        }
        let mut seen = BTreeSet::new();
        for f in &s.files {
            if !hex(&f.digests.sha256, 64)
                || f.digests.sha512.as_deref().is_some_and(|h| !hex(h, 128))
            {
                return Err(format!(
                    "the digests of {:?} are not a SHA-256 (and a SHA-512)",
                    f.path
                ));
            }
            if f.path.is_empty()
                || f.path
                    .split('/')
                    .any(|c| c.is_empty() || c == "." || c == "..")
                || !seen.insert(f.path.as_str())
            {
                return Err(format!("bad or repeated file name {:?}", f.path));
            }
        }
        Ok(s)
    }
}

/// The sidecar key of a bag.
pub fn sidecar_key(year: &str, period: Period, id: &BagId) -> String {
    format!("{}/{id}{SIDECAR_SUFFIX}", folder(year, period))
}

/// Which report kinds are archived for each school year and period: what
/// `check`'s `report_missing` rule compares with the kinds it requires.
/// Opens the index (rebuilding it from the stores when it is missing).
///
/// # Errors
/// [`ArchiveError`] reading the kinds file, the index or the stores.
pub async fn archived_kinds(
    cfg: &Config,
) -> Result<crate::policy::reports::Archived, ArchiveError> {
    let kinds = ReportKinds::load(cfg.policies.as_deref())?;
    let (index, _) = open_index(cfg).await?;
    index.archived_kinds(&kinds)
}

/// The local date in Vietnam of a time, as `YYYY-MM-DD`.
fn vn_date(t: DateTime<Utc>) -> String {
    vietnam()
        .from_utc_datetime(&t.naive_utc())
        .format("%Y-%m-%d")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bag_ids_round_trip_and_refuse_paths() {
        let id = BagId::new(Utc::now());
        assert_eq!(BagId::parse(id.as_str()), Some(id));
        for bad in [
            "../../etc",
            "20250120T013000Z-4F2A9C",
            "20250120T013000Z-4f2a9",
            "x",
        ] {
            assert_eq!(BagId::parse(bad), None, "{bad}");
        }
    }
}
