//! `eqvault snapshots`: complete snapshots across stores, newest first.

use std::path::PathBuf;

use super::bare::BareArgs;
use super::{Exit, Out};
use crate::ops::Outcome;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    bare: BareArgs,
    /// With --store: the identity file whose `# eqvault-trusted:` lines name the keys to believe.
    #[arg(long, value_name = "FILE", requires = "stores")]
    identity: Option<PathBuf>,
    /// Also list the other vaults' trusted snapshots in these stores, apart
    /// (another office sharing the store); never restored by `latest`.
    #[arg(long)]
    all_vaults: bool,
}

pub async fn run(a: Args, config_path: Option<PathBuf>, out: &Out) -> anyhow::Result<Exit> {
    let vault = if a.bare.given() {
        a.bare.vault(a.identity)?
    } else {
        super::open(config_path)?
    };
    let o = vault.snapshots(a.all_vaults).await?;
    let lang = out.lang_of(&vault);
    let sv = &o.survey;
    let labels = &sv.labels;
    // Keys not listed, one warning each, can be thousands: the first ten and
    // how many more.
    let mut stray = super::output::Stray::default();
    for (n, label) in sv.labels.iter().enumerate() {
        let Some(i) = &sv.invs[n] else {
            let e = sv.errors[n]
                .as_ref()
                .map_or(String::new(), |e| e.to_string());
            super::output::store_failed(out, lang, "snapshots-store-unreadable", label, &e, true);
            continue;
        };
        if !i.incomplete.is_empty() {
            tracing::info!(store = %label, count = i.incomplete.len(), "incomplete uploads (not listed)");
        }
        // Not listed, and not silently: each of these hides or fakes a snapshot.
        for (key, why) in i.unreadable.iter().filter(|_| stray.show()) {
            out.warn(crate::sanitize::for_terminal(&lang.t(
                "snapshots-unreadable",
                &[("key", key), ("store", label), ("why", why)],
            )));
        }
        for (key, why) in i.untrusted.iter().filter(|_| stray.show()) {
            out.warn(crate::sanitize::for_terminal(&lang.t(
                "snapshots-untrusted",
                &[("key", key), ("store", label), ("why", why)],
            )));
        }
        for (id, (m, _)) in &i.future {
            out.warn(lang.t(
                "snapshots-future",
                &[
                    ("id", id),
                    ("store", label),
                    ("when", &lang.when(&m.created_at)),
                ],
            ));
        }
        for id in &sv.vanished[n] {
            out.warn(lang.t("snapshots-vanished", &[("id", id), ("store", label)]));
        }
    }
    if let Some(more) = stray.more(lang) {
        out.warn(more);
    }
    let all = &o.snapshots;
    if out.json {
        out.json(&o);
    } else if all.is_empty() && sv.invs.iter().all(Option::is_none) {
        // Nothing could be read: that is not "no backup yet".
        out.line(lang.t("snapshots-none-readable", &[]));
    } else if all.is_empty() {
        out.line(lang.t("snapshots-none", &[]));
    } else {
        out.line(format!(
            "{:<24} {:<17} {:>10}  {}",
            lang.t("snapshots-col-id", &[]),
            lang.t("snapshots-col-time", &[]),
            lang.t("snapshots-col-size", &[]),
            lang.t("snapshots-col-copies", &[]),
        ));
        for s in all {
            out.line(format!(
                "{:<24} {:<17} {:>10}  {}/{}",
                s.meta.id.as_str(),
                lang.when(&s.meta.created_at),
                lang.size(s.meta.object_bytes),
                s.stores.len(),
                labels.len()
            ));
        }
    }
    if !out.json {
        for (vault, views) in o.others.iter().flatten() {
            let name = if vault == "-" {
                lang.t("snapshots-store-root", &[])
            } else {
                vault.clone()
            };
            out.line("");
            out.line(lang.t(
                "snapshots-other-vault",
                &[("name", &name), ("count", &views.len())],
            ));
            for s in views {
                out.line(format!(
                    "  {:<24} {:<17} {:>10}",
                    s.meta.id.as_str(),
                    lang.when(&s.meta.created_at),
                    lang.size(s.meta.object_bytes),
                ));
            }
        }
    }
    Ok(o.verdict().into())
}
