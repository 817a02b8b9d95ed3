//! `archive withdraw`: a signed record that takes a misfiled bag out of `archive list` and the checks, and keeps it in every store as evidence.
//!
//! Stores are never overwritten and a bag is never deleted: a report filed
//! under the wrong school year or period stays where it was put. Its
//! withdrawal is a small clear record beside it,
//!
//! ```text
//! reports/<year>/<period>/<bag-id>.withdrawal       who withdrew it, when, why
//! reports/<year>/<period>/<bag-id>.withdrawal.sig   namespace eqvault-withdrawal
//! ```
//!
//! believed only when a trusted key signed it (a record planted by someone
//! who can write to a store hides nothing). The index keeps withdrawn bags
//! apart: `archive list` and `check` leave them out, `archive list
//! --withdrawn` shows them with the reason, and `archive get BAG` and
//! `archive verify` still read them.

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::add::StoreResult;
use super::refresh::{open_stores, refresh, trusted};
use super::{ArchiveError, BagId, OfficeRef, REPORTS, folder, open_index, vietnam};
use crate::calendar::Period;
use crate::config::Config;

/// The suffix of a withdrawal record.
pub const WITHDRAWAL_SUFFIX: &str = ".withdrawal";
/// The longest reason kept, in characters.
pub const REASON_MAX: usize = 1000;

/// The signed record of a bag's withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// [`super::FORMAT_VERSION`].
    pub format_version: u32,
    /// The bag withdrawn.
    pub bag_id: BagId,
    /// Its school year.
    pub year: String,
    /// Its period.
    pub period: Period,
    /// Why, in the operator's words.
    pub reason: String,
    /// When, in Vietnam.
    pub withdrawn_at: DateTime<FixedOffset>,
    /// Who.
    pub office: OfficeRef,
    /// The vault (`[database] vault`) it was signed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
}

/// The key of a bag's withdrawal record.
pub fn withdrawal_key(year: &str, period: Period, id: &BagId) -> String {
    format!("{}/{id}{WITHDRAWAL_SUFFIX}", folder(year, period))
}

impl Withdrawal {
    /// Its key, beside the bag.
    pub fn key(&self) -> String {
        withdrawal_key(&self.year, self.period, &self.bag_id)
    }

    /// Parses a record found under `key` by a store handle reading `vault`.
    ///
    /// # Errors
    /// A message saying what does not fit: format, key, vault, reason.
    pub fn parse_in(vault: Option<&str>, key: &str, b: &[u8]) -> Result<Withdrawal, String> {
        let w: Withdrawal = serde_json::from_slice(b).map_err(|e| e.to_string())?;
        if w.format_version != super::FORMAT_VERSION {
            return Err(format!(
                "format version {} (this eqvault reads {})",
                w.format_version,
                super::FORMAT_VERSION
            ));
        }
        if w.key() != key {
            return Err(format!("it describes {} but is stored as {key}", w.key()));
        }
        if w.vault.as_deref() != vault {
            return Err(crate::catalog::vault_mismatch(w.vault.as_deref()));
        }
        check_reason(&w.reason).map_err(|e| e.to_string())?;
        Ok(w)
    }
}

/// A reason must say something, on one line of text, and not too much.
fn check_reason(reason: &str) -> Result<(), ArchiveError> {
    if reason.trim().is_empty() {
        return Err(ArchiveError::BadReason("it is empty".into()));
    }
    if reason.chars().any(char::is_control) {
        return Err(ArchiveError::BadReason(
            "it holds a control character (a line break, a tab)".into(),
        ));
    }
    if reason.chars().count() > REASON_MAX {
        return Err(ArchiveError::BadReason(format!(
            "it is longer than {REASON_MAX} characters"
        )));
    }
    Ok(())
}

/// What `archive withdraw` did.
#[derive(Debug, Clone, Serialize)]
pub struct WithdrawOutcome {
    /// The bag.
    pub bag: String,
    /// Its school year.
    pub year: String,
    /// Its period.
    pub term: Period,
    /// Its files, under `data/`.
    pub files: Vec<String>,
    /// Why.
    pub reason: String,
    /// When (RFC 3339, Vietnam).
    pub withdrawn_at: String,
    /// It was withdrawn before: nothing written.
    pub already: bool,
    /// Each store's result.
    pub stores: Vec<StoreResult>,
}

/// Withdraws a bag: writes its signed withdrawal record to every store that
/// answers and records it in the index.
///
/// # Errors
/// [`ArchiveError::NotFound`] for a bag the archive does not hold,
/// [`ArchiveError::BadReason`], and a store or index failure; when no store
/// took the record, [`ArchiveError::AllStoresFailed`].
pub async fn withdraw(
    cfg: &Config,
    bag: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<WithdrawOutcome, ArchiveError> {
    let id = BagId::parse(bag.trim()).ok_or_else(|| ArchiveError::NotFound(bag.to_string()))?;
    let reason = reason.trim();
    check_reason(reason)?;
    if cfg.office.name.trim().is_empty() {
        return Err(ArchiveError::NoOffice(cfg.path.clone()));
    }
    let signer = cfg.signing.signer()?;
    let trusted = trusted(cfg)?;
    let (opened, mut failed) = open_stores(cfg)?;
    let mut stores = Vec::new();
    for s in opened {
        match s.require_marker(&trusted).await {
            Ok(()) => stores.push(s),
            Err(e) => failed.push((s.label.clone(), e.to_string())),
        }
    }
    let (mut index, _) = open_index(cfg).await?;
    if index.bag(&id)?.is_none() {
        refresh(&mut index, &stores, &format!("{REPORTS}/"), &trusted).await?;
    }
    let row = index
        .bag(&id)?
        .ok_or_else(|| ArchiveError::NotFound(bag.to_string()))?;
    let s = &row.sidecar;
    let files = s.files.iter().map(|f| f.path.clone()).collect();
    // Withdrawn by another host (or by a run whose index write was lost):
    // the record in the stores is found, not written a second time.
    if index.withdrawal_of(&id)?.is_none() {
        let prefix = format!("{}/", folder(&s.year, s.period));
        refresh(&mut index, &stores, &prefix, &trusted).await?;
    }
    if let Some(w) = index.withdrawal_of(&id)? {
        return Ok(WithdrawOutcome {
            bag: id.to_string(),
            year: s.year.clone(),
            term: s.period,
            files,
            reason: w.reason,
            withdrawn_at: w.withdrawn_at.to_rfc3339(),
            already: true,
            stores: Vec::new(),
        });
    }
    let w = Withdrawal {
        format_version: super::FORMAT_VERSION,
        bag_id: id.clone(),
        year: s.year.clone(),
        period: s.period,
        reason: reason.to_string(),
        withdrawn_at: now.trunc_subsecs(0).with_timezone(&vietnam()),
        office: OfficeRef {
            name: cfg.office.name.trim().to_string(),
            code: cfg.office.code.trim().to_string(),
        },
        vault: cfg.database.vault.clone(),
    };
    let mut body =
        serde_json::to_vec_pretty(&w).map_err(|e| ArchiveError::Internal(e.to_string()))?;
    body.push(b'\n');
    let body = bytes::Bytes::from(body);
    let mut results = Vec::new();
    for st in &stores {
        let r = st
            .put_signed(
                &w.key(),
                body.clone(),
                crate::trust::Kind::Withdrawal,
                &signer,
            )
            .await;
        results.push(StoreResult {
            url: st.label.clone(),
            ok: r.is_ok(),
            error: r.err().map(|e| crate::store::flatten_error(&e)),
        });
    }
    for (url, e) in failed {
        results.push(StoreResult {
            url,
            ok: false,
            error: Some(e),
        });
    }
    if !results.iter().any(|r| r.ok) {
        return Err(ArchiveError::AllStoresFailed(
            results
                .iter()
                .map(|r| format!("  {}: {}", r.url, r.error.as_deref().unwrap_or("?")))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    let json = String::from_utf8_lossy(&body).into_owned();
    index.insert_withdrawal(&w, &json)?;
    Ok(WithdrawOutcome {
        bag: id.to_string(),
        year: w.year,
        term: w.period,
        files,
        reason: w.reason,
        withdrawn_at: w.withdrawn_at.to_rfc3339(),
        already: false,
        stores: results,
    })
}
