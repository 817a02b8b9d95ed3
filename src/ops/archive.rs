//! The report archive through the engine: `archive add|list|get|verify|rebuild-index`.
//!
//! The archive room (`crate::archive`) does the work over the stores; here
//! it gets what the vault parsed once (the school years of the policies) and
//! its results become typed outcomes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Serialize, Serializer};

use super::outcome::{Outcome, Verdict};
use super::{OpsError, Vault};
use crate::archive::{
    self, AddOptions, AddOutcome, Entry, GetOutcome, RebuildOutcome, VerifyResult, VerifySelection,
    WithdrawOutcome, Withdrawal,
};
use crate::calendar::Period;
use crate::progress::Progress;

impl Outcome for AddOutcome {
    /// A refused file was not stored: exit 2; a store without a bag: exit 1.
    fn verdict(&self) -> Verdict {
        if !self.refused.is_empty() {
            Verdict::Failed
        } else {
            Verdict::found_if(!self.every_store_has_every_bag())
        }
    }
}

/// What `archive list` shows: the archived files, as the index has them.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct ArchiveList(pub Vec<Entry>);

impl Outcome for ArchiveList {
    fn verdict(&self) -> Verdict {
        Verdict::Ok
    }
}

impl Outcome for WithdrawOutcome {
    /// A store that did not take the record: exit 1 (`sync` copies it later).
    fn verdict(&self) -> Verdict {
        Verdict::found_if(self.stores.iter().any(|s| !s.ok))
    }
}

/// What `archive list --withdrawn` shows: the withdrawn bags, with why.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct WithdrawnList(pub Vec<Withdrawal>);

impl Outcome for WithdrawnList {
    fn verdict(&self) -> Verdict {
        Verdict::Ok
    }
}

impl Outcome for GetOutcome {
    fn verdict(&self) -> Verdict {
        Verdict::Ok
    }
}

/// What `archive verify` found: one result per copy checked.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveVerifyOutcome {
    /// Every copy passed.
    pub ok: bool,
    /// Each copy.
    pub results: Vec<VerifyResult>,
}

impl Outcome for ArchiveVerifyOutcome {
    /// A copy that failed its fixity check: exit 1.
    fn verdict(&self) -> Verdict {
        Verdict::found_if(!self.ok)
    }
}

impl Serialize for RebuildOutcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Problem<'a> {
            store: &'a str,
            key: &'a str,
            problem: &'a str,
        }
        #[derive(Serialize)]
        struct View<'a> {
            bags: usize,
            files: usize,
            problems: Vec<Problem<'a>>,
        }
        View {
            bags: self.bags,
            files: self.files,
            problems: self
                .problems
                .iter()
                .map(|(store, key, problem)| Problem {
                    store,
                    key,
                    problem,
                })
                .collect(),
        }
        .serialize(s)
    }
}

impl Outcome for RebuildOutcome {
    fn verdict(&self) -> Verdict {
        Verdict::Ok
    }
}

impl Vault {
    /// Files report files and folders in the archive by school year and period.
    ///
    /// # Errors
    /// [`OpsError`]: no office name, a bad year, no signing key, every store failing.
    pub async fn archive_add(
        &self,
        paths: &[PathBuf],
        opts: &AddOptions,
        progress: Arc<dyn Progress>,
    ) -> Result<AddOutcome, OpsError> {
        let cfg = self.config()?;
        let policies = self.policies()?;
        Ok(archive::add(cfg, &policies.school_years, paths, opts, progress).await?)
    }

    /// The archived files, from the local index (rebuilt from the stores when missing).
    ///
    /// # Errors
    /// [`OpsError`] reading the index or the stores.
    pub async fn archive_list(
        &self,
        year: Option<&str>,
        term: Option<Period>,
    ) -> Result<ArchiveList, OpsError> {
        let (index, _) = archive::open_index(self.config()?).await?;
        Ok(ArchiveList(index.list(year, term)?))
    }

    /// The withdrawn bags, from the local index.
    ///
    /// # Errors
    /// [`OpsError`] reading the index or the stores.
    pub async fn archive_withdrawn(&self) -> Result<WithdrawnList, OpsError> {
        let (index, _) = archive::open_index(self.config()?).await?;
        Ok(WithdrawnList(index.withdrawals()?))
    }

    /// Withdraws a misfiled bag with a signed record; the bag stays in the stores.
    ///
    /// # Errors
    /// [`OpsError`]: an unknown bag, an empty reason, no signing key, no store taking the record.
    pub async fn archive_withdraw(
        &self,
        bag: &str,
        reason: &str,
    ) -> Result<WithdrawOutcome, OpsError> {
        Ok(archive::withdraw(self.config()?, bag, reason, chrono::Utc::now()).await?)
    }

    /// Brings an archived file (or a whole bag) back into `to`.
    ///
    /// # Errors
    /// [`OpsError`]: nothing archived by that name, no identity, a bag that fails its checks.
    pub async fn archive_get(
        &self,
        what: &str,
        to: &Path,
        identity: Option<&Path>,
        progress: Arc<dyn Progress>,
    ) -> Result<GetOutcome, OpsError> {
        Ok(archive::get(self.config()?, what, to, identity, progress).await?)
    }

    /// The fixity check of the bags.
    ///
    /// # Errors
    /// [`OpsError`] reading the index or the stores.
    pub async fn archive_verify(
        &self,
        sel: &VerifySelection,
        identity: Option<&Path>,
        progress: Arc<dyn Progress>,
    ) -> Result<ArchiveVerifyOutcome, OpsError> {
        let results = archive::verify(self.config()?, sel, identity, progress).await?;
        Ok(ArchiveVerifyOutcome {
            ok: results.iter().all(|r| r.ok),
            results,
        })
    }

    /// The local archive index recreated from the stores alone.
    ///
    /// # Errors
    /// [`OpsError`] reading the stores or writing the index.
    pub async fn archive_rebuild_index(&self) -> Result<RebuildOutcome, OpsError> {
        Ok(archive::rebuild_index(self.config()?).await?)
    }
}
