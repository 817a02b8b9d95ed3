//! `eqvault snapshots`: complete snapshots across stores, newest first.

use std::process::ExitCode;

use super::Out;
use super::backup::human_bytes;
use crate::config::Config;

pub async fn run(cfg: &Config, out: &Out) -> anyhow::Result<ExitCode> {
    let labels = cfg.store_labels();
    let mut invs = Vec::new();
    let mut code = ExitCode::SUCCESS;
    for (label, r) in crate::ops::open_stores(cfg)? {
        let inv = match r {
            Ok(s) => crate::ops::inventory(&s).await.map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match inv {
            Ok(i) => {
                if !i.incomplete.is_empty() {
                    tracing::info!(store = %label, count = i.incomplete.len(), "incomplete uploads (not listed)");
                }
                for (key, why) in &i.unreadable {
                    // Not listed, and not silently: a damaged or moved metadata file hides a snapshot.
                    out.warn(crate::sanitize::for_terminal(&format!(
                        "{key} in {label} cannot be read and is not listed: {why}. Run `eqvault verify --all`"
                    )));
                }
                invs.push(Some(i));
            }
            Err(e) => {
                out.warn(format!("cannot list store {label}: {e:#}"));
                code = ExitCode::from(2);
                invs.push(None);
            }
        }
    }
    let all = crate::ops::merged(&invs);
    if out.json {
        let v: Vec<_> = all
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.meta.id,
                    "created_at": s.meta.created_at,
                    "bytes": s.meta.object_bytes,
                    "database_bytes": s.meta.database_bytes,
                    "sha256": s.meta.object_sha256,
                    "stores": s.stores.iter().map(|&i| labels[i].clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        out.json(&v);
    } else if all.is_empty() {
        out.line("no complete snapshot yet: run `eqvault backup`");
    } else {
        out.line(format!(
            "{:<24} {:<20} {:>10}  copies",
            "id", "time (UTC+7)", "size"
        ));
        for s in &all {
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
    Ok(code)
}
