//! `check`: the regulation's rules over the database (through its mapping)
//! and the stores. The one place a [`CheckPlan`] is made from a request.
//!
//! Findings go to a sink as they are found, so a database with a million
//! late entries is checked in constant memory; the outcome carries the
//! counts, the window and what was skipped.

use std::sync::Arc;

use chrono::NaiveDate;

use super::outcome::{Outcome, Verdict};
use super::{OpsError, Vault};
use crate::policy::check::CheckOutcome;
use crate::policy::stores::StoreFacts;
use crate::policy::{CheckPlan, Finding, Policies, Rule, StoreInput};

/// What to check: "today" and the days examined.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// "Today": nothing due on or after it is a finding [default: today in Vietnam].
    pub as_of: Option<NaiveDate>,
    /// The first day examined.
    pub from: Option<NaiveDate>,
    /// The last day examined [default: `as_of`].
    pub to: Option<NaiveDate>,
    /// Provisional verdicts keep their rule's severity (`--strict`).
    pub strict: bool,
}

/// Where `check` sends each finding as it is found: a closure, or a writer
/// that the caller gets back with the outcome.
pub trait FindingSink: Send + 'static {
    /// One finding.
    fn finding(&mut self, f: Finding);
}

impl<F: FnMut(Finding) + Send + 'static> FindingSink for F {
    fn finding(&mut self, f: Finding) {
        self(f)
    }
}

/// What the stores told, for the store rules (and the report's backup evidence).
#[derive(Debug)]
pub enum Gathered {
    /// No config: no stores to ask.
    NoConfig,
    /// A config, but the stores could not be asked (or their rules are off).
    Unavailable(String),
    /// What the stores hold (boxed: it is large, and the other cases are not).
    Facts(Box<StoreFacts>),
}

impl Gathered {
    /// As the rules take it.
    pub fn input(&self) -> StoreInput<'_> {
        match self {
            Gathered::NoConfig => StoreInput::NoConfig,
            Gathered::Unavailable(why) => StoreInput::Unavailable(why.clone()),
            Gathered::Facts(f) => StoreInput::Facts(f),
        }
    }
}

impl Outcome for CheckOutcome {
    /// A violation, or a row that could not be read: exit 1.
    fn verdict(&self) -> Verdict {
        Verdict::found_if(self.has_problems())
    }
}

impl Vault {
    /// The plan of a check: the database and mapping of this vault, "today"
    /// in Vietnam unless the request names another day, and its window.
    ///
    /// # Errors
    /// No database named, a mapping that cannot be read, or `--from` after
    /// `--to` or `--as-of`.
    pub fn check_plan(&self, req: &CheckRequest) -> Result<CheckPlan, OpsError> {
        let plan = CheckPlan::new(
            self.database()?.to_path_buf(),
            self.mapping()?.cloned(),
            self.busy_timeout(),
            req.as_of.unwrap_or_else(crate::calendar::today),
        )
        .between(req.from, req.to);
        let plan = CheckPlan {
            strict: req.strict,
            ..plan
        };
        plan.validate().map_err(OpsError::policy)?;
        Ok(plan)
    }

    /// What the stores hold, when a store rule is switched on and there is a config.
    pub async fn gather(&self, policies: &Policies) -> Gathered {
        let store_rules = [
            Rule::BackupOverdue,
            Rule::BackupCopies,
            Rule::DrillOverdue,
            Rule::ReportMissing,
        ];
        let wants_stores = store_rules.iter().any(|&r| policies.rules.enabled(r));
        match self.config_if_any() {
            None => Gathered::NoConfig,
            Some(_) if !wants_stores => {
                Gathered::Unavailable("store rules are switched off".into())
            }
            Some(c) => match super::survey::store_facts(c).await {
                Ok(f) => Gathered::Facts(Box::new(f)),
                Err(e) => Gathered::Unavailable(e.to_string()),
            },
        }
    }

    /// Runs the rules of the policies over the database and the stores;
    /// every finding goes to `sink` as it is found (on a worker thread, so
    /// the caller's runtime stays free), and `sink` is handed back with the outcome.
    ///
    /// # Errors
    /// [`OpsError`]: no database, an unreadable mapping or policies, a
    /// database that cannot be read.
    pub async fn check<S: FindingSink>(
        &self,
        req: &CheckRequest,
        sink: S,
    ) -> Result<(CheckOutcome, S), OpsError> {
        let policies = self.policies()?;
        let plan = self.check_plan(req)?;
        let gathered = self.gather(&policies).await;
        run_rules(policies, plan, gathered, sink).await
    }
}

/// The rules on a worker thread.
async fn run_rules<S: FindingSink>(
    policies: Arc<Policies>,
    plan: CheckPlan,
    gathered: Gathered,
    mut sink: S,
) -> Result<(CheckOutcome, S), OpsError> {
    tokio::task::spawn_blocking(move || {
        let outcome =
            crate::policy::check(&policies, &plan, gathered.input(), &mut |f| sink.finding(f))
                .map_err(OpsError::policy)?;
        Ok((outcome, sink))
    })
    .await
    .map_err(|e| OpsError::Internal(format!("the check's worker thread failed: {e}")))?
}
