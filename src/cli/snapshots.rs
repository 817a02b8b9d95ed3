//! `eqvault snapshots`: complete snapshots across stores, newest first.

use std::process::ExitCode;

use super::Out;
use super::backup::human_bytes;
use crate::config::Config;

pub async fn run(cfg: &Config, out: &Out) -> anyhow::Result<ExitCode> {
    let labels = cfg.store_labels();
    let vet = crate::ops::vetting(cfg, chrono::Utc::now())?;
    let sv = crate::ops::survey(cfg, &vet).await?;
    let mut code = ExitCode::SUCCESS;
    for (n, label) in sv.labels.iter().enumerate() {
        let Some(i) = &sv.invs[n] else {
            let e = sv.errors[n]
                .as_ref()
                .map_or(String::new(), |e| e.to_string());
            out.warn(format!("cannot list store {label}: {e}"));
            code = ExitCode::from(2);
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
    let invs = sv.invs;
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
        out.line(
            "Chưa có bản sao lưu hoàn chỉnh nào / no complete snapshot yet: run `eqvault backup`",
        );
    } else {
        out.line(format!(
            "{:<24} {:<20} {:>10}  số bản / copies",
            "mã / id", "lúc / time", "cỡ / size"
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
