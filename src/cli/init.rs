//! `eqvault init`: a commented config, a fresh identity and signing key, each store's marker; never overwrites.

use std::path::PathBuf;

use super::{Exit, Out, show};
use crate::ops::setup::InitRequest;
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The live equipment database (SQLite; it must exist).
    #[arg(long, value_name = "PATH")]
    db: PathBuf,
    /// A store: a folder, file:///path or s3://bucket/prefix (repeat for two stores).
    #[arg(
        long = "store",
        value_name = "URL",
        required_unless_present = "from_store"
    )]
    stores: Vec<String>,
    /// The folder to write eqvault.toml (and the keys) in.
    #[arg(long, default_value = ".", value_name = "DIR")]
    dir: PathBuf,
    /// Encrypt to these age public keys instead of generating an identity (repeatable).
    #[arg(long = "recipient", value_name = "AGE1…")]
    recipients: Vec<String>,
    /// Also trust this signing public key (another host writing to the same stores; repeatable).
    #[arg(long = "trust", value_name = "SSH-ED25519 KEY")]
    trust: Vec<String>,
    /// The office's name ([office] name), printed in reports and archive packages.
    #[arg(long, value_name = "NAME", default_value = "")]
    office_name: String,
    /// The office's code ([office] code).
    #[arg(long, value_name = "CODE", default_value = "")]
    office_code: String,
    /// Create local store folders that do not exist (otherwise a missing folder is refused:
    /// it is usually a NAS that is not mounted).
    #[arg(long)]
    create_store: bool,
    /// Go on backing up into this existing store (the host that made it is lost):
    /// its keys and recipients come from --identity, and its marker must be theirs.
    #[arg(long, value_name = "URL", requires = "identity")]
    from_store: Option<String>,
    /// With --from-store: the identity file from the safe (copied beside the config,
    /// with this host's key added to the keys it names).
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
    /// With an s3:// --from-store: the endpoint; credentials from AWS_* variables.
    #[arg(long, value_name = "URL", requires = "from_store")]
    endpoint: Option<String>,
    /// With an s3:// --from-store: the region.
    #[arg(long, value_name = "REGION", requires = "from_store")]
    region: Option<String>,
    /// With an s3:// --from-store: allow plain HTTP (loopback or a trusted LAN only).
    #[arg(long, requires = "from_store")]
    allow_http: bool,
}

pub async fn run(a: Args, out: &Out) -> anyhow::Result<Exit> {
    let w = Vault::init(&InitRequest {
        dir: a.dir,
        db: a.db,
        stores: a.stores,
        recipients: a.recipients,
        trust: a.trust,
        office_name: a.office_name,
        office_code: a.office_code,
        create_store: a.create_store,
        from_store: a.from_store.map(|url| crate::ops::recovery::BareStore {
            url,
            endpoint: a.endpoint,
            region: a.region,
            allow_http: a.allow_http,
        }),
        identity: a.identity,
    })
    .await?;
    if out.json {
        out.json(&w);
    } else {
        let lang = out.lang(None);
        out.line(lang.t("init-wrote-config", &[("path", &show(&w.config))]));
        if let Some(from) = &w.from_store {
            out.line(lang.t("init-from-store", &[("store", from)]));
        }
        if let Some(id) = &w.identity {
            out.line(lang.t("init-wrote-identity", &[("path", &show(id))]));
            out.line(format!(
                "  {}",
                lang.t("init-keep-identity", &[("path", &show(id))])
            ));
        } else {
            out.line(lang.t("init-no-identity", &[("key", &w.signing_public_key)]));
        }
        out.line(lang.t("init-wrote-signing-key", &[("path", &show(&w.signing_key))]));
        out.line(lang.t("init-recipients", &[("list", &w.recipients.join(", "))]));
        for s in &w.stores {
            out.line(marker_line(lang, &s.url, &s.marker));
        }
        if !w.schema_missing.is_empty() {
            out.warn(lang.t(
                "init-schema-missing",
                &[("missing", &w.schema_missing.join(", "))],
            ));
        }
        out.line(lang.t("init-next", &[]));
    }
    Ok(w.verdict().into())
}

/// `store URL: marker written|present`, for init, `store add` and adopt.
pub(super) fn marker_line(lang: super::Lang, url: &str, marker: &str) -> String {
    let marker = match marker {
        "written" => lang.t("init-marker-written", &[]),
        "present" => lang.t("init-marker-present", &[]),
        other => match other.strip_prefix("not written: ") {
            // "not written: WHY; when the store is reachable, run …": the store's
            // failure in a few words, and the step.
            Some(rest) => {
                let why = rest
                    .split("; when the store is reachable")
                    .next()
                    .unwrap_or(rest);
                let why = lang.say(&crate::store::brief(why));
                lang.t("init-marker-not-written", &[("why", &why), ("url", &url)])
            }
            None => other.to_string(),
        },
    };
    crate::sanitize::for_terminal(&lang.t("init-store", &[("store", &url), ("marker", &marker)]))
        .into_owned()
}
