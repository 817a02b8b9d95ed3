//! `eqvault snapshots`: complete snapshots across stores, newest first.

use std::path::PathBuf;

use super::backup::human_bytes;
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
    let sv = &o.survey;
    let labels = &sv.labels;
    for (n, label) in sv.labels.iter().enumerate() {
        let Some(i) = &sv.invs[n] else {
            let e = sv.errors[n]
                .as_ref()
                .map_or(String::new(), |e| e.to_string());
            out.warn(format!("cannot list store {label}: {e}"));
            continue;
        };
        if !i.incomplete.is_empty() {
            tracing::info!(store = %label, count = i.incomplete.len(), "incomplete uploads (not listed)");
        }
        // Not listed, and not silently: each of these hides or fakes a snapshot.
        for (key, why) in &i.unreadable {
            out.warn(crate::sanitize::for_terminal(&format!(
                "{key} in {label} cannot be read and is not listed: {why}. Run `eqvault verify --all`"
            )));
        }
        for (key, why) in &i.untrusted {
            out.warn(crate::sanitize::for_terminal(&format!(
                "{key} in {label} is not trusted and is not listed: {why}. Run `eqvault verify --all`"
            )));
        }
        for (id, (m, _)) in &i.future {
            out.warn(format!(
                "{id} in {label} is dated {} in the future (a wrong clock) and is not listed until its time comes",
                m.created_at.format("%d/%m/%Y %H:%M")
            ));
        }
        for id in &sv.vanished[n] {
            out.warn(format!(
                "{id} was in {label} before and is gone, with no prune by this host; `eqvault forget` acknowledges it"
            ));
        }
    }
    let all = &o.snapshots;
    if out.json {
        out.json(&o);
    } else if all.is_empty() {
        out.line(
            "Chưa có bản sao lưu hoàn chỉnh nào / no complete snapshot yet: run `eqvault backup`",
        );
    } else {
        out.line(format!(
            "{:<24} {:<20} {:>10}  số bản / copies",
            "mã / id", "lúc / time", "cỡ / size"
        ));
        for s in all {
            out.line(format!(
                "{:<24} {:<20} {:>10}  {}/{}",
                s.meta.id.as_str(),
                s.meta.created_at.format("%d/%m/%Y %H:%M"),
                human_bytes(s.meta.object_bytes),
                s.stores.len(),
                labels.len()
            ));
        }
    }
    if !out.json {
        for (vault, views) in o.others.iter().flatten() {
            let name = if vault == "-" {
                "(gốc của kho / the store's root)".to_string()
            } else {
                vault.clone()
            };
            out.line("");
            out.line(format!(
                "Kho lưu trữ khác / another vault: {name} — {} bản / snapshots (không bao giờ được `latest` chọn / never taken by `latest`)",
                views.len()
            ));
            for s in views {
                out.line(format!(
                    "  {:<24} {:<20} {:>10}",
                    s.meta.id.as_str(),
                    s.meta.created_at.format("%d/%m/%Y %H:%M"),
                    human_bytes(s.meta.object_bytes),
                ));
            }
        }
    }
    Ok(o.verdict().into())
}
