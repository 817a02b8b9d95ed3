//! The operations that join the rooms: backup, restore, verify, the snapshot inventory.
//!
//! Each operation takes a validated [`Config`] and returns data;
//! the CLI decides how to show it. Progress is reported through [`Progress`].

pub mod adopt;
pub mod archive;
pub mod backup;
pub mod check;
pub mod deliver;
pub mod demo;
pub mod doctor;
pub mod drill;
pub mod guard;
pub mod inventory;
mod json;
pub mod ledger;
pub mod mapping;
mod outcome;
pub mod prune;
pub mod recovery;
pub mod report;
pub mod restore;
pub mod seen;
pub mod setup;
pub mod status;
pub mod survey;
pub mod sync;
mod vault;
pub mod verify;

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::store::StoreError;

pub use backup::{BackupOutcome, backup};
pub use inventory::{Inventory, SnapshotView, inventory, merged};
pub use restore::{Replace, RestoreOutcome, restore};
pub use survey::{
    OpenedStore, Survey, open_stores, signer, survey, survey_all, untrusted_records, vetting,
};
pub use verify::{Check, Depth, VerifyResult, verify};

pub use crate::progress::{Progress, Quiet};
pub use check::{CheckRequest, Gathered};
pub use outcome::{Outcome, Verdict};
pub use vault::Vault;

/// `  store: why` per line.
fn list_failures(list: &[(String, String)]) -> String {
    list.iter()
        .map(|(s, e)| format!("  {s}: {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Errors of the operations: one room's error, or a decision the operation made.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Snapshot (SQLite) problems.
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    /// Packing problems.
    #[error(transparent)]
    Pack(#[from] crate::pack::PackError),
    /// Key problems.
    #[error(transparent)]
    Key(#[from] crate::pack::keys::KeyError),
    /// Store problems.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Catalog problems.
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    /// Signing keys.
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    /// The config file.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// Setting up.
    #[error(transparent)]
    Setup(#[from] setup::SetupError),
    /// The clock is behind the newest trusted snapshot.
    #[error(
        "this machine's clock says {now}, but snapshot {id} in {store} was made at {then}: the clock is wrong, or that snapshot was made while another clock was. Nothing was backed up. Fix the clock (timedatectl, NTP)"
    )]
    ClockBehind {
        /// The newest snapshot.
        id: String,
        /// Its store.
        store: String,
        /// Its time.
        then: String,
        /// This clock.
        now: String,
    },
    /// No store is configured.
    #[error("no store is configured: add a [[store]] with a url to {0}")]
    NoStore(PathBuf),
    /// The identity given is none of the snapshot's recipients (found before
    /// anything is downloaded).
    #[error(
        "the identity given ({given}) is not one snapshot {id} was encrypted to; it needs the identity of {needs}. Nothing was downloaded or changed"
    )]
    NotARecipient {
        /// The snapshot.
        id: String,
        /// The public keys of the identities given.
        given: String,
        /// The snapshot's recipients.
        needs: String,
    },
    /// The live database is no longer readable as SQLite; the last good
    /// snapshot was held (when one could be).
    #[error("{source}{}", .held.as_ref().map(|h| format!("; the last good snapshot {h} is held (retention keeps it)")).unwrap_or_default())]
    DatabaseLost {
        /// What reading it said.
        source: crate::snapshot::SnapshotError,
        /// The snapshot held.
        held: Option<String>,
    },
    /// `latest` is a snapshot the deletion guard marked suspect, not acknowledged.
    #[error(
        "the newest snapshot {id} is marked suspect: the data dropped abnormally since {previous} ({figures}). eqvault does not pick it for you"
    )]
    SuspectLatest {
        /// The suspect snapshot.
        id: String,
        /// The last good one (held).
        previous: String,
        /// What dropped.
        figures: String,
    },
    /// Every store failed.
    #[error("every store failed, nothing was backed up:\n{}", list_failures(.0))]
    AllStoresFailed(Vec<(String, String)>),
    /// The snapshot asked for does not exist.
    #[error("no complete snapshot {0} in any store")]
    NoSuchSnapshot(String),
    /// What was asked for exists only as records that are not believed.
    #[error(
        "no trusted snapshot {what}: {detail}. Records not signed by a trusted key (or dated in the future) are never restored, drilled or counted"
    )]
    NotTrusted {
        /// `latest`, or the id.
        what: String,
        /// The untrusted records, briefly.
        detail: String,
    },
    /// No store holds a hold on this id.
    #[error("no store holds a hold on {0}")]
    NoSuchHold(String),
    /// There is no snapshot at all.
    #[error("the stores hold no complete snapshot yet")]
    NoSnapshots,
    /// Restore target exists.
    #[error("{0} already exists; restore never overwrites a file unless told")]
    TargetExists(PathBuf),
    /// Restore target is a folder.
    #[error("{0} is a folder, not a file; nothing was changed")]
    TargetIsFolder(PathBuf),
    /// Restore target is a database another process has open.
    #[error("{path} is open in another process ({who}); nothing was changed")]
    TargetOpen {
        /// The target.
        path: PathBuf,
        /// Who holds it, as far as can be seen.
        who: String,
    },
    /// eqvault received a stop signal before the operation finished.
    #[error("eqvault was stopped before it finished; nothing was committed")]
    Stopped,
    /// Restore target folder missing.
    #[error("the folder of {0} does not exist")]
    TargetFolder(PathBuf),
    /// The object does not match its metadata.
    #[error(
        "the object {key} in {store} does not match its metadata ({detail}): it is corrupted or was tampered with"
    )]
    ObjectMismatch {
        /// The store.
        store: String,
        /// The object key.
        key: String,
        /// What differs.
        detail: String,
    },
    /// The snapshot failed a check (before anything was put in place).
    #[error("snapshot {id} did not pass its checks, so nothing was restored or changed: {detail}")]
    CheckFailed {
        /// The snapshot.
        id: String,
        /// The failed checks.
        detail: String,
        /// A copy failed because the identity given does not open it.
        wrong_identity: bool,
    },
    /// This machine refused to hold what a restore (or a drill) unpacks: disk full, read-only.
    #[error(
        "cannot write the restored database in {dir}: {source}. Nothing was changed; make room there (it needs about {needed} bytes)"
    )]
    LocalWrite {
        /// Where it was being written.
        dir: PathBuf,
        /// About how much room it needs (the object and the database).
        needed: u64,
        /// Why.
        source: std::io::Error,
    },
    /// eqvault's own state folder refused a write: full, read-only, not a folder.
    #[error(transparent)]
    StateFolder(#[from] crate::scratch::StateFolderError),
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
    /// An operation that needs a config was asked of a vault over a database alone.
    #[error("this needs a config, and none was given")]
    NoConfig,
    /// No database is named.
    #[error("no database to read")]
    NoDatabase,
    /// The policies (rules, calendar, school years).
    #[error(transparent)]
    Policy(Box<crate::policy::PolicyError>),
    /// The mapping of the office's database.
    #[error(transparent)]
    Mapping(Box<crate::mapping::MappingError>),
    /// The compliance report.
    #[error(transparent)]
    Report(Box<crate::report::ReportError>),
    /// The report archive.
    #[error(transparent)]
    Archive(Box<crate::archive::ArchiveError>),
    /// `report --archive` without a config: the archive is in the configured stores.
    #[error("the report archive is in the configured stores, and there is no config")]
    ArchiveNeedsConfig,
    /// `report --archive` of a period that is not over: it would take the slot
    /// of the whole period's report for good.
    #[error(
        "{period} runs until {end} and this report covers it only up to {to}; a report of part of a period is not archived in that period's place, and nothing was written"
    )]
    PeriodNotOver {
        /// The period's key.
        period: String,
        /// Its last day.
        end: chrono::NaiveDate,
        /// The last day reported on.
        to: chrono::NaiveDate,
    },
    /// The scheduled report was written and archived; the mail server refused it.
    #[error(
        "the report for {period} was written and archived, but the mail to [alerts.email] report_to failed: {why}; the next run sends the same files"
    )]
    NotMailed {
        /// The period.
        period: String,
        /// The server's or lettre's reason (never the password).
        why: String,
    },
    /// The report would be written over the database it reads.
    #[error("{0} is the database the report reads; nothing was written")]
    ReportIsDatabase(PathBuf),
    /// The report was written, and the archive did not take it.
    #[error("the report was written to {path} (SHA-256 {sha256}) but could not be archived: {why}")]
    NotArchived {
        /// The report.
        path: String,
        /// Its SHA-256.
        sha256: String,
        /// Why.
        why: String,
    },
    /// A machine without its config, and no key named to trust.
    #[error(
        "no signing key to trust: the identity file names none (it was written before eqvault put the keys in it), and none was given"
    )]
    NoAnchor,
    /// The store `init --from-store` names is not one the identity file's keys made.
    #[error("{store} is not a store the identity's keys made: its marker {why}")]
    ForeignStore {
        /// The store.
        store: String,
        /// What its marker is.
        why: String,
    },
    /// `latest` would roll back: newer snapshots this host saw are gone from every store.
    #[error(
        "{newest} was seen in the stores before and is gone now (and {more} more newer than {latest}): `latest` would quietly give an older snapshot, {latest}. Someone with delete access may have removed it"
    )]
    RolledBack {
        /// The newest vanished snapshot.
        newest: String,
        /// How many others newer than `latest` vanished.
        more: usize,
        /// What `latest` would give.
        latest: String,
    },
    /// `mapping check` with no mapping named.
    #[error("no mapping to check")]
    NoMapping,
    /// `mapping init` over an existing file.
    #[error("{0} already exists; eqvault never overwrites a mapping")]
    MappingExists(PathBuf),
    /// The operation refused what it was asked, before doing anything; the
    /// text says what and what to do.
    #[error("{0}")]
    Refused(String),
    /// A worker thread or task died.
    #[error("internal failure: {0}")]
    Internal(String),
}

impl OpsError {
    /// A policy error (boxed: it is large).
    pub fn policy(e: crate::policy::PolicyError) -> OpsError {
        OpsError::Policy(Box::new(e))
    }

    /// A mapping error.
    pub fn mapping(e: crate::mapping::MappingError) -> OpsError {
        OpsError::Mapping(Box::new(e))
    }

    pub(crate) fn io(
        what: &'static str,
        path: &Path,
    ) -> impl FnOnce(std::io::Error) -> OpsError + use<> {
        let path = path.to_path_buf();
        move |source| OpsError::Io { what, path, source }
    }
}

/// A private (0700) temporary folder under the state folder, removed when
/// dropped (see [`crate::scratch::private_temp`]).
pub fn private_temp(cfg: &Config, purpose: &str) -> Result<tempfile::TempDir, OpsError> {
    Ok(crate::scratch::private_temp(&cfg.state_dir, purpose)?)
}

/// Creates `dir` (and parents) with mode 0700 for the last component.
pub fn create_private_dir(dir: &Path) -> Result<(), OpsError> {
    Ok(crate::scratch::create_private_dir(dir)?)
}

impl OpsError {
    /// The state folder `dir` refused a write; `needed` bytes of room, when known.
    pub(crate) fn state_folder(
        dir: &Path,
        why: &dyn std::fmt::Display,
        needed: Option<u64>,
    ) -> OpsError {
        OpsError::StateFolder(crate::scratch::StateFolderError::new(dir, why, needed))
    }
}

pub(crate) use crate::scratch::clean_dead_temps;

impl From<crate::policy::PolicyError> for OpsError {
    fn from(e: crate::policy::PolicyError) -> OpsError {
        OpsError::policy(e)
    }
}

impl From<crate::mapping::MappingError> for OpsError {
    fn from(e: crate::mapping::MappingError) -> OpsError {
        OpsError::mapping(e)
    }
}

impl From<crate::report::ReportError> for OpsError {
    fn from(e: crate::report::ReportError) -> OpsError {
        OpsError::Report(Box::new(e))
    }
}

impl From<crate::archive::ArchiveError> for OpsError {
    fn from(e: crate::archive::ArchiveError) -> OpsError {
        OpsError::Archive(Box::new(e))
    }
}
