//! `eqvault adopt [ID…|--all]` and `eqvault forget ID…|--vanished`: the two explicit acts of trust.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::{Exit, Out};
use crate::catalog::SnapshotId;
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The unsigned snapshots to adopt.
    #[arg(value_name = "ID", required_unless_present = "all")]
    ids: Vec<String>,
    /// Every unsigned snapshot made before --before.
    #[arg(long, conflicts_with = "ids")]
    all: bool,
    /// Only snapshots made before this time (RFC 3339) [default: now]: the day you upgraded.
    #[arg(long, value_name = "TIME")]
    before: Option<DateTime<Utc>>,
    /// The age identity file [default: [encryption] identity].
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ForgetArgs {
    /// The vanished snapshots to stop naming.
    #[arg(value_name = "ID", required_unless_present = "vanished")]
    ids: Vec<String>,
    /// Every snapshot vanished now.
    #[arg(long, conflicts_with = "ids")]
    vanished: bool,
}

fn ids(v: &[String]) -> anyhow::Result<Vec<SnapshotId>> {
    Ok(v.iter().map(|s| s.parse()).collect::<Result<_, _>>()?)
}

pub async fn run(a: Args, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let cfg = vault.config()?;
    let identity = vault.identity(a.identity)?;
    let req = crate::ops::adopt::AdoptRequest {
        ids: if a.all { None } else { Some(ids(&a.ids)?) },
        before: a.before.unwrap_or_else(Utc::now),
    };
    let o = vault.adopt(&req, &identity, super::bar()).await?;
    if out.json {
        out.json(&o);
    } else {
        let lang = out.lang_of(vault);
        if let Some(k) = &o.new_signing_key {
            out.line(lang.t(
                "adopt-wrote-key",
                &[
                    ("path", &super::show(k)),
                    ("config", &super::show(&cfg.path)),
                ],
            ));
        }
        for m in &o.markers {
            out.line(super::init::marker_line(lang, &m.url, &m.marker));
        }
        for s in &o.snapshots {
            let id = match (s.ok, s.store.is_empty()) {
                (true, _) => "adopt-adopted",
                (false, false) => "adopt-not-adopted",
                (false, true) => "adopt-not-adopted-anywhere",
            };
            out.line(lang.t(
                id,
                &[("id", &s.id), ("store", &s.store), ("detail", &s.detail)],
            ));
        }
        if o.snapshots.is_empty() {
            out.line(lang.t("adopt-nothing", &[]));
        }
    }
    Ok(o.verdict().into())
}

pub async fn forget(a: ForgetArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let list = if a.vanished { None } else { Some(ids(&a.ids)?) };
    let o = vault.forget(list.as_deref()).await?;
    if out.json {
        out.json(&o);
    } else {
        let lang = out.lang_of(vault);
        for (s, id) in &o.snapshots {
            out.line(lang.t("forget-snapshot", &[("id", id), ("store", s)]));
        }
        for id in &o.drills {
            out.line(lang.t("forget-drill", &[("id", id)]));
        }
        let count = o.snapshots.len() + o.drills.len();
        out.line(lang.t("forget-total", &[("count", &count)]));
    }
    Ok(o.verdict().into())
}
