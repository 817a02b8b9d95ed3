//! Drill records: the signed evidence a restore drill leaves in every store,
//! and the named checks a verification or a drill runs.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// One named check and its result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    /// e.g. `object_sha256`, `integrity_check`.
    pub name: String,
    /// Passed.
    pub ok: bool,
    /// What was seen.
    pub detail: String,
    /// Nothing was there to check (e.g. no reference table without a
    /// mapping): not a failure, and never said as "ok".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_checked: bool,
    /// `detail` in words from the catalog, when eqvault says it (not
    /// serialised: records and `--json` keep the English `detail`).
    #[serde(skip)]
    pub said: Option<crate::lang::Msg>,
}

impl Check {
    /// A check that had nothing to judge, and why.
    pub fn not_checked(name: &str, detail: impl Into<String>) -> Self {
        Check {
            not_checked: true,
            ..Check::new(name, true, detail)
        }
    }

    /// A check named `name` that passed or not, with what was seen.
    pub fn new(name: &str, ok: bool, detail: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            ok,
            detail: detail.into(),
            not_checked: false,
            said: None,
        }
    }

    /// A check whose detail eqvault says in words: `detail` is its English text.
    pub fn said(name: &str, ok: bool, msg: crate::lang::Msg) -> Self {
        Check {
            said: Some(msg.clone()),
            ..Check::new(name, ok, msg.to_string())
        }
    }

    /// A check that had nothing to judge, and why, in words.
    pub fn not_checked_said(name: &str, msg: crate::lang::Msg) -> Self {
        Check {
            not_checked: true,
            ..Check::said(name, true, msg)
        }
    }
}

/// Where drill records live in a store.
pub const DRILLS: &str = "drills";

/// A drill's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Restorable and every check passed within the time target.
    Success,
    /// Restorable, but something to look at (slower than the target).
    Warning,
    /// Not restorable, or a check failed.
    Failed,
}

impl Status {
    /// The status word in Vietnamese.
    pub fn vi(self) -> &'static str {
        match self {
            Status::Success => "thành công",
            Status::Warning => "cảnh báo",
            Status::Failed => "thất bại",
        }
    }
}

/// Seconds per phase.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Phases {
    /// Downloading the object, with the decryption, decompression and
    /// writing that overlap it (one pass).
    pub download: f64,
    /// What is left of decrypting, decompressing and writing once the
    /// download ended, with the fsync of the restored file.
    pub decrypt_decompress: f64,
    /// Checking the database.
    pub checks: f64,
}

/// The evidence of one drill. Holds no data from the database, only facts about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrillRecord {
    /// [`super::FORMAT_VERSION`].
    pub format_version: u32,
    /// The drill's own id (time-sortable).
    pub id: String,
    /// `success`, `warning` or `failed`.
    pub status: Status,
    /// The snapshot restored.
    pub snapshot: String,
    /// The store it was restored from.
    pub store: String,
    /// When the drill started (Vietnam time).
    pub started_at: DateTime<FixedOffset>,
    /// The measured restore time: download + decrypt/decompress + checks.
    pub seconds: f64,
    /// Each phase.
    pub phases: Phases,
    /// The configured restore-time target.
    pub target_seconds: u64,
    /// Bytes of the encrypted object and of the database.
    pub object_bytes: u64,
    /// Bytes of the restored database.
    pub database_bytes: u64,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// Why the status is not `success`, in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// eqvault's version.
    pub tool_version: String,
    /// The vault of the snapshot it restored, signed with the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
}

impl DrillRecord {
    /// The record's key in a store: `drills/YYYY/<id>.json`.
    pub fn key(&self) -> String {
        // A record read from a store may carry any id: never slice inside a character.
        let year = self.id.get(..4).unwrap_or("0000");
        format!("{DRILLS}/{year}/{}.json", self.id)
    }
}
