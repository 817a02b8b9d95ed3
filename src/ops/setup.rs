//! Setting up: `init` (a config, an age identity, a signing key, each store's signed marker)
//! and `store add` (one more store, or the marker of a configured one).
//!
//! Everything is checked before anything is written, and nothing is ever
//! overwritten. Paths are written absolute, so the config means the same from
//! any folder. A local store folder is created only when asked: a missing
//! folder is usually a NAS that is not mounted, and a store made on the local
//! disk by mistake is the failure this prevents.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::Serialize;

use super::OpsError;
use crate::config::{self, Config, InitPlan};
use crate::pack::keys;
use crate::store::{Location, MarkerState, Store, StoreError};
use crate::trust::{Signer, Trusted};

/// The identity file's name next to the config.
pub const IDENTITY_FILE: &str = "eqvault-identity.txt";
/// The signing key's file name next to the config (its public half: `.pub`).
pub const SIGNING_KEY_FILE: &str = "eqvault-signing-key";

/// What `init` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct InitRequest {
    /// The folder to write the config (and keys) in.
    pub dir: PathBuf,
    /// The live database, as typed (relative to the current folder).
    pub db: PathBuf,
    /// Store URLs, as typed (local folders relative to the current folder).
    pub stores: Vec<String>,
    /// Age recipients to encrypt to instead of a new identity.
    pub recipients: Vec<String>,
    /// Public signing keys of other hosts to trust besides this one's.
    pub trust: Vec<String>,
    /// `[office] name`.
    pub office_name: String,
    /// `[office] code`.
    pub office_code: String,
    /// Create missing local store folders.
    pub create_store: bool,
    /// An existing store to go on backing up into (the host that made it is
    /// lost): its vault's keys and recipients come from `identity`.
    pub from_store: Option<super::recovery::BareStore>,
    /// The identity file from the safe, with `from_store`.
    pub identity: Option<PathBuf>,
}

/// One store's marker after `init` or `store add`.
#[derive(Debug, Clone, Serialize)]
pub struct StoreMarked {
    /// The store (no credentials).
    pub url: String,
    /// `written`, `present`, or why not.
    pub marker: String,
    /// The marker is in place and trusted.
    pub ok: bool,
}

/// What `keys new` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct KeysMade {
    /// This host's signing key (0600), with its public half beside it (`.pub`).
    pub signing_key: PathBuf,
    /// The public line to put in `[signing] trusted`.
    pub signing_public_key: String,
    /// The new identity file (0600), unless `--signing-only`.
    pub identity: Option<PathBuf>,
    /// Its public key, to put in `[encryption] recipients`.
    pub recipient: Option<String>,
}

impl crate::ops::Outcome for KeysMade {
    fn verdict(&self) -> crate::ops::Verdict {
        crate::ops::Verdict::Ok
    }
}

/// Makes this host's signing key, and a new age identity unless
/// `signing_only`, in `dir`: files of mode 0600, never over an existing one
/// (nothing is written when one is there). The identity names the signing
/// key as a key to trust, so that it alone, with the stores, restores on a
/// bare machine.
///
/// # Errors
/// [`OpsError`] when a file is already there or cannot be written.
pub fn new_keys(dir: &Path, signing_only: bool) -> Result<KeysMade, OpsError> {
    let dir = absolute(dir);
    let key_path = dir.join(SIGNING_KEY_FILE);
    let identity_path = dir.join(IDENTITY_FILE);
    let mut planned = vec![
        key_path.clone(),
        PathBuf::from(format!("{}.pub", key_path.display())),
    ];
    if !signing_only {
        planned.push(identity_path.clone());
    }
    // A dangling link counts as there (writing would follow it).
    for p in planned {
        if std::fs::symlink_metadata(&p).is_ok() {
            return Err(crate::trust::TrustError::Exists { path: p }.into());
        }
    }
    std::fs::create_dir_all(&dir).map_err(OpsError::io("cannot create the folder", &dir))?;
    let mut signer = Signer::generate(&format!("eqvault@{}", crate::trust::host_name()));
    let public = signer.write_new(&key_path)?;
    let recipient = if signing_only {
        None
    } else {
        let trusted = vec![public.clone()];
        let made = keys::write_new_identity_with(&identity_path, |own| {
            keys::anchor_lines(&keys::Anchors {
                trusted,
                recipients: vec![own.to_string()],
                vault: None,
            })
        });
        match made {
            Ok(r) => Some(r),
            // All or nothing: a second run must not meet half of this one.
            Err(e) => {
                let _ = std::fs::remove_file(&key_path);
                let _ = std::fs::remove_file(format!("{}.pub", key_path.display()));
                return Err(e.into());
            }
        }
    };
    Ok(KeysMade {
        signing_key: key_path,
        signing_public_key: public,
        identity: recipient.as_ref().map(|_| identity_path),
        recipient,
    })
}

/// What `init` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct InitOutcome {
    /// The config file.
    pub config: PathBuf,
    /// The identity file, when one was generated.
    pub identity: Option<PathBuf>,
    /// The recipients in the config.
    pub recipients: Vec<String>,
    /// The signing key file.
    pub signing_key: PathBuf,
    /// Its public half (trusted in the config).
    pub signing_public_key: String,
    /// Each store's marker.
    pub stores: Vec<StoreMarked>,
    /// With `--from-store`: the store it went on from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_store: Option<String>,
    /// The vault (`[database] vault`): this database's folder in the stores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
    /// What the database lacks of the reference schema (tables, columns), when
    /// anything: the checks, the identifier ledger and the drill's identifier
    /// check need a mapping before they can judge anything.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schema_missing: Vec<String>,
}

/// Errors of setting up that no lower room names.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The config exists.
    #[error("{0} already exists; eqvault init never overwrites a config")]
    ConfigExists(PathBuf),
    /// A local store folder is missing.
    #[error("the store folder {0} does not exist")]
    StoreFolderMissing(PathBuf),
    /// A store URL spelt like S3 but not quite.
    #[error("{0:?} looks like an S3 URL but is not one: write s3://bucket/prefix (two slashes)")]
    S3Spelling(String),
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Reads a store URL as typed: local folders made absolute.
fn store_url(typed: &str) -> Result<(String, Location), OpsError> {
    let t = typed.trim();
    if (t.starts_with("s3:") || t.starts_with("S3:")) && !t.starts_with("s3://") {
        return Err(OpsError::Setup(SetupError::S3Spelling(t.to_string())));
    }
    match Location::parse(t)? {
        Location::Local(p) => {
            let a = absolute(&p);
            Ok((a.to_string_lossy().into_owned(), Location::Local(a)))
        }
        other => Ok((t.to_string(), other)),
    }
}

/// Writes a new config, identity and signing key, then each store's marker.
///
/// # Errors
/// [`OpsError`] before anything is written: an existing config or key, a bad
/// recipient or key, a database that is not SQLite, a missing store folder
/// without `create_store`. A store whose marker cannot be written is reported
/// in [`InitOutcome::stores`], not an error: the config is written by then.
pub async fn init(req: &InitRequest) -> Result<InitOutcome, OpsError> {
    let dir = absolute(&req.dir);
    let config_path = dir.join(config::FILE_NAME);
    let identity_path = dir.join(IDENTITY_FILE);
    let key_path = dir.join(SIGNING_KEY_FILE);
    if config_path.exists() {
        return Err(OpsError::Setup(SetupError::ConfigExists(config_path)));
    }
    for r in &req.recipients {
        keys::parse_recipient(r)?;
    }
    Trusted::parse(&req.trust)?;
    let db = absolute(&req.db);
    crate::snapshot::ensure_sqlite(&db)?;
    // --from-store: the vault's keys and recipients from the identity file, and
    // its store checked to be theirs, before anything is written.
    let anchors = match &req.from_store {
        Some(from) => Some(vault_of(from, req).await?),
        None => None,
    };
    let mut stores = Vec::new();
    let mut extra = BTreeMap::new();
    if let Some(from) = &req.from_store {
        let (url, loc) = store_url(&from.url)?;
        if !from.extra().is_empty() {
            extra.insert(0, from.extra());
        }
        stores.push((url, loc));
    }
    for s in &req.stores {
        let (url, loc) = store_url(s)?;
        if let Location::Local(p) = &loc
            && !p.is_dir()
            && !req.create_store
        {
            return Err(OpsError::Setup(SetupError::StoreFolderMissing(p.clone())));
        }
        if !stores.iter().any(|(u, _)| *u == url) {
            stores.push((url, loc));
        }
    }
    let generate_identity = req.recipients.is_empty() && anchors.is_none();
    if (generate_identity || anchors.is_some()) && identity_path.exists() {
        let same = req
            .identity
            .as_ref()
            .is_some_and(|p| absolute(p) == identity_path);
        if !same {
            return Err(keys::KeyError::IdentityExists {
                path: identity_path,
            }
            .into());
        }
    }
    for p in [
        key_path.clone(),
        PathBuf::from(format!("{}.pub", key_path.display())),
    ] {
        if p.exists() {
            return Err(crate::trust::TrustError::Exists { path: p }.into());
        }
    }
    std::fs::create_dir_all(&dir).map_err(OpsError::io("cannot create the folder", &dir))?;

    // This host's key first: the identity file names it as a key to trust.
    let mut signer = Signer::generate(&format!("eqvault@{}", crate::trust::host_name()));
    let public = signer.public_line();
    let mut trusted = vec![public.clone()];
    let mut recipients = req.recipients.clone();
    if let Some(a) = &anchors {
        trusted.extend(a.trusted.iter().cloned());
        for r in &a.recipients {
            if !recipients.contains(r) {
                recipients.push(r.clone());
            }
        }
    }
    for t in &req.trust {
        let t = t.trim().to_string();
        if !trusted.contains(&t) {
            trusted.push(t);
        }
    }
    // A new vault, or the one the identity file names (--from-store; a store
    // made before there were vaults keeps its root layout).
    let vault = match &anchors {
        Some(a) => a.vault.clone(),
        None => Some(config::new_vault_id()),
    };
    let identity = if let (Some(_), Some(from)) = (&anchors, &req.identity) {
        // The identity from the safe, copied beside the config with this
        // host's key added to its anchors: the copy goes back in the safe.
        keep_identity(from, &identity_path, &public)?;
        Some(identity_path.clone())
    } else if generate_identity {
        let theirs = trusted.clone();
        let mine = recipients.clone();
        let v = vault.clone();
        recipients.push(keys::write_new_identity_with(&identity_path, |own| {
            let mut rs = vec![own.to_string()];
            rs.extend(mine);
            keys::anchor_lines(&keys::Anchors {
                trusted: theirs,
                recipients: rs,
                vault: v,
            })
        })?);
        Some(identity_path.clone())
    } else {
        None
    };
    signer.write_new(&key_path)?;
    let plan = InitPlan {
        vault: vault.clone(),
        database: db.to_string_lossy().into_owned(),
        stores: stores.iter().map(|(u, _)| u.clone()).collect(),
        recipients: recipients.clone(),
        identity: identity.as_ref().map(|_| IDENTITY_FILE.to_string()),
        store_extra: extra,
        signing_key: Some(SIGNING_KEY_FILE.to_string()),
        trusted,
        office_name: req.office_name.trim().to_string(),
        office_code: req.office_code.trim().to_string(),
    };
    write_new(&config_path, &config::render_initial(&plan))?;
    let cfg = Config::load(&config_path)?;
    let mut marked = Vec::new();
    for (i, s) in cfg.stores.iter().enumerate() {
        if let (true, Location::Local(p)) = (req.create_store, &stores[i].1) {
            std::fs::create_dir_all(p)
                .map_err(OpsError::io("cannot create the store folder", p))?;
        }
        marked.push(mark(&cfg, s, &signer).await);
    }
    // Day one: is the database in the reference schema? (A mapping comes later.)
    let busy = std::time::Duration::from_secs(cfg.database.busy_timeout.approx_seconds().max(1));
    let schema_missing = crate::mapping::open_read_only(&cfg.database.path, busy, None)
        .ok()
        .and_then(|c| crate::mapping::validate::missing(&c).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|i| match &i.column {
            Some(c) => format!("{}.{c}", i.view),
            None => i.view.clone(),
        })
        .collect();
    Ok(InitOutcome {
        config: config_path,
        identity,
        recipients,
        signing_key: key_path,
        signing_public_key: public,
        stores: marked,
        from_store: req
            .from_store
            .as_ref()
            .map(|f| crate::store::redact_url(&f.url)),
        vault,
        schema_missing,
    })
}

/// The anchors of the vault `from` holds, from the identity file: its marker
/// must be signed by a key the file (or `--trust`) names.
async fn vault_of(
    from: &super::recovery::BareStore,
    req: &InitRequest,
) -> Result<keys::Anchors, OpsError> {
    let Some(identity) = &req.identity else {
        return Err(keys::KeyError::NoIdentity.into());
    };
    let mut anchors = keys::load_anchors(identity)?;
    for t in &req.trust {
        let t = t.trim().to_string();
        if !anchors.trusted.contains(&t) {
            anchors.trusted.push(t);
        }
    }
    if anchors.trusted.is_empty() {
        return Err(OpsError::NoAnchor);
    }
    let trusted = Trusted::parse(&anchors.trusted)?;
    let sc = from.store_config()?;
    let store = Store::open(&sc)?;
    match store.marker(&trusted).await? {
        MarkerState::Trusted(_) => Ok(anchors),
        MarkerState::Missing => Err(OpsError::ForeignStore {
            store: store.label.clone(),
            why: "is missing (no eqvault store, or not mounted)".into(),
        }),
        MarkerState::Untrusted(why) => Err(OpsError::ForeignStore {
            store: store.label.clone(),
            why: format!("is not signed by them ({why})"),
        }),
    }
}

/// Copies the identity file `from` to `to` (0600, never over another file)
/// with `public` added to its keys to trust; in place when they are one file.
fn keep_identity(from: &Path, to: &Path, public: &str) -> Result<(), OpsError> {
    keys::load_identities(from)?;
    let mut text =
        std::fs::read_to_string(from).map_err(|source| keys::KeyError::ReadIdentity {
            path: from.to_path_buf(),
            source,
        })?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let line = format!("{}{public}\n", keys::TRUSTED_LINE);
    if !text.contains(&line) {
        text.push_str(&line);
    }
    if absolute(from) == absolute(to) {
        let tmp = to.with_extension("txt.tmp");
        let _ = std::fs::remove_file(&tmp);
        keys::write_private(&tmp, &text)?;
        std::fs::rename(&tmp, to).map_err(OpsError::io("cannot write", to))?;
        return Ok(());
    }
    keys::write_private(to, &text)?;
    Ok(())
}

/// Opens one configured store and makes sure it holds a trusted marker,
/// writing one when it has none. Never fails: the result says what happened.
pub(crate) async fn mark(cfg: &Config, s: &config::StoreConfig, signer: &Signer) -> StoreMarked {
    let url = crate::store::redact_url(&s.url);
    let r = async {
        let store = Store::open(s)?;
        let trusted = cfg.signing.trusted().map_err(|e| StoreError::Request {
            store: url.clone(),
            key: String::new(),
            detail: e.to_string(),
        })?;
        match store.marker(&trusted).await? {
            MarkerState::Trusted(_) => Ok::<_, StoreError>(("present".to_string(), true)),
            MarkerState::Missing => {
                let now = Utc::now().with_timezone(&crate::catalog::vietnam());
                store.write_marker(&cfg.office.name, now, signer).await?;
                Ok(("written".to_string(), true))
            }
            MarkerState::Untrusted(why) => Ok((
                format!(
                    "the store already holds a marker that is not trusted ({why}): if another host of yours made it, add that host's public key to [signing] trusted; if the host that made it is lost, `eqvault init --from-store URL --identity FILE` goes on from it; otherwise this is not your store"
                ),
                false,
            )),
        }
    }
    .await;
    match r {
        Ok((marker, ok)) => StoreMarked { url, marker, ok },
        Err(e) => StoreMarked {
            url: url.clone(),
            marker: format!(
                "not written: {e}; when the store is reachable, run `eqvault store add {url}`"
            ),
            ok: false,
        },
    }
}

/// How `store add` is asked to add a store.
#[derive(Debug, Clone, Default)]
pub struct AddStore {
    /// The URL as typed.
    pub url: String,
    /// Create a missing local folder.
    pub create_store: bool,
    /// S3: the endpoint.
    pub endpoint: Option<String>,
    /// S3: the region.
    pub region: Option<String>,
    /// S3: plain HTTP.
    pub allow_http: bool,
}

/// Adds a store to the config at `cfg.path` (or finds it there) and writes its marker.
///
/// # Errors
/// [`OpsError`]: a bad URL, a missing folder without `create_store`, no
/// signing key, or a config that cannot be edited.
pub async fn add_store(cfg: &Config, req: &AddStore) -> Result<StoreMarked, OpsError> {
    let (url, loc) = store_url(&req.url)?;
    let signer = super::signer(cfg)?;
    if let Location::Local(p) = &loc
        && !p.is_dir()
    {
        if !req.create_store {
            return Err(OpsError::Setup(SetupError::StoreFolderMissing(p.clone())));
        }
        std::fs::create_dir_all(p).map_err(OpsError::io("cannot create the store folder", p))?;
    }
    let known = cfg.stores.iter().find(|s| s.url == url).cloned();
    let store_cfg = match known {
        Some(s) => s,
        None => {
            let mut lines = Vec::new();
            if let Some(e) = &req.endpoint {
                lines.push(("endpoint", toml_edit::value(e.as_str())));
            }
            if let Some(r) = &req.region {
                lines.push(("region", toml_edit::value(r.as_str())));
            }
            if req.allow_http {
                lines.push(("allow_http", toml_edit::value(true)));
            }
            config::edit::add_store(&cfg.path, &url, &lines)?;
            let fresh = Config::load(&cfg.path)?;
            fresh
                .stores
                .iter()
                .find(|s| s.url == url)
                .cloned()
                .expect("the store just added")
        }
    };
    let fresh = Config::load(&cfg.path)?;
    let marked = mark(&fresh, &store_cfg, &signer).await;
    // `store add` on a store whose marker changed: that marker is the one to expect now.
    if marked.ok
        && let Ok(store) = Store::open(&store_cfg)
        && let Ok(MarkerState::Trusted(m)) = store.marker(&fresh.signing.trusted()?).await
    {
        super::seen::marker_accepted(&fresh.state_dir, &marked.url, &m.store_id)?;
    }
    Ok(marked)
}

/// What `store remove` did.
#[derive(Debug, Clone, Serialize)]
pub struct StoreRemoved {
    /// The store taken out, as the config named it.
    pub url: String,
    /// The config it was taken out of.
    pub config: PathBuf,
}

/// Takes the store `url` out of the config: its `[[store]]` table goes, and
/// nothing in the store is touched (its snapshots stay, for another host or
/// for later). The last store is not taken out: every command needs one.
///
/// # Errors
/// [`OpsError::Refused`] when the config has no such store, or it is the only one.
pub fn remove_store(cfg: &Config, url: &str) -> Result<StoreRemoved, OpsError> {
    let wanted = store_url(url)
        .map(|(u, _)| u)
        .unwrap_or_else(|_| url.to_string());
    let at = cfg
        .stores
        .iter()
        .position(|s| s.url == wanted || s.url == url || crate::store::redact_url(&s.url) == url);
    let Some(at) = at else {
        let known: Vec<String> = cfg.store_labels();
        return Err(OpsError::Refused(format!(
            "{url} is not a store of {}: its stores are {}",
            crate::sanitize::path(&cfg.path),
            known.join(", ")
        )));
    };
    if cfg.stores.len() == 1 {
        return Err(OpsError::Refused(format!(
            "{url} is the only store of {}: add another first (`eqvault store add URL`), then remove this one",
            crate::sanitize::path(&cfg.path)
        )));
    }
    config::edit::remove_store(&cfg.path, at)?;
    Ok(StoreRemoved {
        url: crate::store::redact_url(&cfg.stores[at].url),
        config: cfg.path.clone(),
    })
}

/// Writes a new file, refusing to replace one that appeared meanwhile.
fn write_new(path: &Path, text: &str) -> Result<(), OpsError> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    // Owner-only: a config may come to hold a secret (inline S3 or SMTP secrets are
    // refused in a file others can read).
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path).map_err(OpsError::io("cannot create", path))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(OpsError::io("cannot write", path))
}

impl super::Outcome for InitOutcome {
    /// A store whose marker could not be written: exit 1 (the config is written).
    fn verdict(&self) -> super::Verdict {
        super::Verdict::found_if(!self.stores.iter().all(|s| s.ok))
    }
}

impl super::Outcome for StoreMarked {
    /// A marker not in place: exit 1.
    fn verdict(&self) -> super::Verdict {
        super::Verdict::found_if(!self.ok)
    }
}

impl super::Vault {
    /// Writes a new config, identity and signing key, and each store's marker (see [`init`]).
    ///
    /// # Errors
    /// As [`init`].
    pub async fn init(req: &InitRequest) -> Result<InitOutcome, OpsError> {
        init(req).await
    }

    /// Takes a store out of the config (see [`remove_store`]).
    ///
    /// # Errors
    /// As [`remove_store`].
    pub fn remove_store(&self, url: &str) -> Result<StoreRemoved, OpsError> {
        remove_store(self.config()?, url)
    }

    /// Adds a store to the config (or finds it there) and writes its marker.
    ///
    /// # Errors
    /// As [`add_store`].
    pub async fn add_store(&self, req: &AddStore) -> Result<StoreMarked, OpsError> {
        add_store(self.config()?, req).await
    }
}
