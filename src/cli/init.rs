//! `eqvault init`: a commented config and a fresh identity, never overwriting either.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use super::{Out, show};
use crate::config::{self, InitPlan};
use crate::pack::keys;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The live equipment database (SQLite).
    #[arg(long, value_name = "PATH")]
    db: PathBuf,
    /// A store: a folder, file:///path or s3://bucket/prefix (repeat for two stores).
    #[arg(long = "store", value_name = "URL", required = true)]
    stores: Vec<String>,
    /// The folder to write eqvault.toml (and the identity) in.
    #[arg(long, default_value = ".", value_name = "DIR")]
    dir: PathBuf,
    /// Encrypt to these age public keys instead of generating an identity (repeatable).
    #[arg(long = "recipient", value_name = "AGE1…")]
    recipients: Vec<String>,
}

/// The identity file's name next to the config.
pub const IDENTITY_FILE: &str = "eqvault-identity.txt";

/// What `init` wrote.
pub struct Written {
    /// The config file.
    pub config: PathBuf,
    /// The identity file, when one was generated.
    pub identity: Option<PathBuf>,
    /// The recipients in the config.
    pub recipients: Vec<String>,
}

/// Writes `dir/eqvault.toml` (and an identity unless recipients are given),
/// creating local store folders. Checks everything before writing anything.
pub fn create(
    dir: &Path,
    db: &Path,
    stores: &[String],
    given: &[String],
) -> anyhow::Result<Written> {
    let config_path = dir.join(config::FILE_NAME);
    let identity_path = dir.join(IDENTITY_FILE);
    if config_path.exists() {
        bail!(
            "{} already exists; eqvault init never overwrites a config. Edit it, or choose another --dir",
            show(&config_path)
        );
    }
    for r in given {
        keys::parse_recipient(r)?;
    }
    for s in stores {
        crate::store::Location::parse(s)?;
    }
    if given.is_empty() && identity_path.exists() {
        return Err(keys::KeyError::IdentityExists {
            path: identity_path,
        }
        .into());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", show(dir)))?;

    let mut recipients = given.to_vec();
    let identity = if recipients.is_empty() {
        recipients.push(keys::write_new_identity(&identity_path)?);
        Some(identity_path.clone())
    } else {
        None
    };
    let plan = InitPlan {
        database: db.to_string_lossy().into_owned(),
        stores: stores.to_vec(),
        recipients: recipients.clone(),
        identity: identity.as_ref().map(|_| IDENTITY_FILE.to_string()),
        store_extra: Default::default(),
    };
    write_new(&config_path, &config::render_initial(&plan))?;
    // Local store folders are created now, so that a missing folder later means an unmounted disk.
    let cfg = crate::Config::load(&config_path)?;
    for s in &cfg.stores {
        if let Ok(crate::store::Location::Local(p)) = crate::store::Location::parse(&s.url) {
            std::fs::create_dir_all(&p)
                .with_context(|| format!("cannot create the store folder {}", show(&p)))?;
        }
    }
    Ok(Written {
        config: config_path,
        identity,
        recipients,
    })
}

pub fn run(a: Args, out: &Out) -> anyhow::Result<ExitCode> {
    let w = create(&a.dir, &a.db, &a.stores, &a.recipients)?;
    if out.json {
        out.json(&serde_json::json!({
            "config": w.config,
            "identity": w.identity,
            "recipients": w.recipients,
        }));
    } else {
        out.line(format!("wrote {}", show(&w.config)));
        if let Some(id) = &w.identity {
            out.line(format!(
                "wrote {} (mode 0600): the private key; keep a copy offline",
                show(id)
            ));
        }
        out.line(format!("recipients: {}", w.recipients.join(", ")));
        out.line("next: eqvault backup   (then: eqvault verify --read-data)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a new file, refusing to replace one that appeared meanwhile.
fn write_new(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", show(path)))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}
