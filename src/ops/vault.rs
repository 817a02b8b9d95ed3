//! The engine's one handle: [`Vault`] owns a validated config and what is
//! parsed from it once (trusted keys, policies and calendar, the mapping),
//! and offers every operation as a method returning a typed outcome.
//!
//! Every front end calls these methods: the CLI (`cli/`), the daemon
//! (`daemon/`), the demo and tests. A method forwards to the file of its
//! operation (`ops/backup.rs`, `ops/check.rs`, …), as rustic_core's
//! `Repository` forwards to its commands; "what does X do" is one file, "how
//! is it shown" is `cli/x.rs`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::OpsError;
use crate::config::Config;
use crate::mapping::Mapping;
use crate::policy::Policies;
use crate::trust::{Signer, Trusted, Vetting};

/// The engine: a config and what is parsed from it once.
pub struct Vault {
    /// The config; `None` for a vault over a database alone ([`Vault::detached`]).
    cfg: Option<Config>,
    /// The database of a detached vault.
    database: Option<PathBuf>,
    /// A mapping given instead of `[database] mapping`.
    mapping_file: Option<PathBuf>,
    policies: OnceLock<Arc<Policies>>,
    mapping: OnceLock<Option<Mapping>>,
    trusted: OnceLock<Trusted>,
    /// The private folder a vault without a config keeps its state in, for its lifetime.
    _scratch: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("config", &self.cfg.as_ref().map(|c| &c.path))
            .field("database", &self.database)
            .field("mapping_file", &self.mapping_file)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// The engine over a loaded config. Nothing is read yet: keys, policies
    /// and the mapping are parsed the first time an operation needs them.
    pub fn open(cfg: Config) -> Vault {
        Vault {
            cfg: Some(cfg),
            ..Vault::without_config()
        }
    }

    /// The same vault, keeping `scratch` (its state folder) until it is dropped.
    pub(crate) fn keeping(mut self, scratch: tempfile::TempDir) -> Vault {
        self._scratch = Some(scratch);
        self
    }

    /// The engine over a database alone (`check --db`, `report --db`
    /// without a config): the shipped policies, no stores.
    pub fn detached(database: PathBuf, mapping: Option<PathBuf>) -> Vault {
        Vault::without_config().reading(Some(database), mapping)
    }

    /// The engine with no config and no database yet: the shipped policies
    /// (`calendar`, or `check --db` before [`Vault::reading`]).
    pub fn without_config() -> Vault {
        Vault {
            cfg: None,
            database: None,
            mapping_file: None,
            policies: OnceLock::new(),
            mapping: OnceLock::new(),
            trusted: OnceLock::new(),
            _scratch: None,
        }
    }

    /// The same vault reading another database than `[database] path`
    /// (`--db`), through another mapping (`--mapping`) when given.
    pub fn reading(mut self, database: Option<PathBuf>, mapping: Option<PathBuf>) -> Vault {
        if database.is_some() {
            self.database = database;
        }
        if mapping.is_some() {
            self.mapping_file = mapping;
            self.mapping = OnceLock::new();
        }
        self
    }

    /// The config, when there is one.
    pub fn config_if_any(&self) -> Option<&Config> {
        self.cfg.as_ref()
    }

    /// The config.
    ///
    /// # Errors
    /// [`OpsError::NoConfig`] for a detached vault.
    pub fn config(&self) -> Result<&Config, OpsError> {
        self.cfg.as_ref().ok_or(OpsError::NoConfig)
    }

    /// The database read by `check`, `report` and `mapping`: `--db`, else `[database] path`.
    ///
    /// # Errors
    /// [`OpsError::NoDatabase`] when neither names one.
    pub fn database(&self) -> Result<&Path, OpsError> {
        match (&self.database, &self.cfg) {
            (Some(db), _) => Ok(db),
            (None, Some(c)) => Ok(&c.database.path),
            (None, None) => Err(OpsError::NoDatabase),
        }
    }

    /// How long a statement may wait for the live system's lock.
    pub fn busy_timeout(&self) -> Duration {
        self.cfg.as_ref().map_or(Duration::from_secs(30), |c| {
            Duration::from_secs(c.database.busy_timeout.approx_seconds())
        })
    }

    /// How long one reading of the database through its mapping may last
    /// (`[database] query_timeout`; [`crate::mapping::DEFAULT_TIME_LIMIT`] without a config).
    pub fn query_timeout(&self) -> Duration {
        self.cfg
            .as_ref()
            .map_or(crate::mapping::DEFAULT_TIME_LIMIT, |c| {
                Duration::from_secs(c.database.query_timeout.approx_seconds())
            })
    }

    /// The policies: `[policies] dir` of the config, else the shipped ones; read once.
    ///
    /// # Errors
    /// [`OpsError::Policy`] when a policy file cannot be read or is invalid.
    pub fn policies(&self) -> Result<Arc<Policies>, OpsError> {
        if let Some(p) = self.policies.get() {
            return Ok(p.clone());
        }
        let p = Arc::new(Policies::from_config(self.cfg.as_ref()).map_err(OpsError::policy)?);
        Ok(self.policies.get_or_init(|| p).clone())
    }

    /// The mapping file the database is read through, when there is one.
    pub fn mapping_file(&self) -> Option<&Path> {
        self.mapping_file.as_deref().or_else(|| {
            self.cfg
                .as_ref()
                .and_then(|c| c.database.mapping.as_deref())
        })
    }

    /// The mapping (`--mapping`, else `[database] mapping`), loaded once, with
    /// `[database] query_timeout` as its time limit.
    ///
    /// # Errors
    /// [`OpsError::Mapping`] when the file cannot be read or holds anything but views.
    pub fn mapping(&self) -> Result<Option<&Mapping>, OpsError> {
        if let Some(m) = self.mapping.get() {
            return Ok(m.as_ref());
        }
        let m = self
            .mapping_file()
            .map(|p| Mapping::load(p).map(|m| m.with_limit(self.query_timeout())))
            .transpose()
            .map_err(OpsError::mapping)?;
        Ok(self.mapping.get_or_init(|| m).as_ref())
    }

    /// The trusted signing keys, parsed once.
    ///
    /// # Errors
    /// [`crate::trust::TrustError`] when none is configured or one does not parse.
    pub fn trusted(&self) -> Result<&Trusted, OpsError> {
        if let Some(t) = self.trusted.get() {
            return Ok(t);
        }
        let t = self.config()?.signing.trusted()?;
        Ok(self.trusted.get_or_init(|| t))
    }

    /// What readers believe at `now`: the trusted keys and the clock skew.
    ///
    /// # Errors
    /// As [`Vault::trusted`].
    pub fn vetting(&self, now: DateTime<Utc>) -> Result<Vetting, OpsError> {
        let cfg = self.config()?;
        let skew = chrono::Duration::seconds(
            i64::try_from(cfg.signing.clock_skew.approx_seconds()).unwrap_or(i64::MAX / 1000),
        );
        Ok(Vetting {
            trusted: self.trusted()?.clone(),
            now,
            skew,
        })
    }

    /// This host's signing key, which must be one of the trusted keys.
    ///
    /// # Errors
    /// [`crate::trust::TrustError`]: no key configured, unreadable, or not trusted.
    pub fn signer(&self) -> Result<Signer, OpsError> {
        Ok(self.config()?.signing.signer()?)
    }

    /// The identity a command decrypts with: `flag` (`--identity`), else `[encryption] identity`.
    ///
    /// # Errors
    /// [`crate::pack::keys::KeyError::NoIdentity`] when neither names one.
    pub fn identity(&self, flag: Option<PathBuf>) -> Result<PathBuf, OpsError> {
        flag.or_else(|| {
            self.cfg
                .as_ref()
                .and_then(|c| c.encryption.identity.clone())
        })
        .ok_or_else(|| crate::pack::keys::KeyError::NoIdentity.into())
    }
}
