//! `eqvault backup`: one snapshot to every store.

use chrono::{DateTime, Utc};

use super::{Exit, Out};
use crate::ops::backup::BackupOptions;
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot's time instead of now (RFC 3339), for building test histories.
    #[arg(long, hide = true, value_name = "TIME")]
    at: Option<DateTime<Utc>>,
    /// Back up even though this machine's clock is behind the newest trusted snapshot
    /// (when that snapshot's date is the wrong one).
    #[arg(long)]
    allow_clock_behind: bool,
    /// A planned deletion (a clean-up, an application upgrade): the deletion guard does not judge this backup.
    #[arg(long)]
    expect_drop: bool,
}

pub async fn run(a: Args, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let cfg = vault.config()?;
    // The same lock as the daemon's and `schedule run backup`: a backup started by
    // hand or by cron while the scheduled one runs would copy and upload twice.
    let _lock = match crate::schedule::lock::try_lock(&cfg.state_dir, "backup")? {
        crate::schedule::TryLock::Acquired(l) => l,
        crate::schedule::TryLock::Held { pid } => {
            let lang = out.lang_of(vault);
            let who = pid.map_or_else(
                || lang.t("backup-running-unknown", &[]),
                |p| format!("eqvault (pid {p})"),
            );
            let lock = crate::schedule::lock::lock_path(&cfg.state_dir, "backup");
            anyhow::bail!(lang.t(
                "backup-running",
                &[("who", &who), ("lock", &super::show(&lock))]
            ));
        }
    };
    let mut opts = BackupOptions::default();
    if let Some(at) = a.at {
        opts.now = at;
    }
    opts.allow_clock_behind = a.allow_clock_behind;
    opts.expect_drop = a.expect_drop;
    let o = vault.backup(&opts, super::bar()).await?;
    let m = &o.metadata;
    let lang = out.lang_of(vault);
    if out.json {
        out.json(&o);
    } else {
        out.line(lang.t(
            "backup-snapshot",
            &[("id", &m.id), ("when", &lang.when(&m.created_at))],
        ));
        out.line(format!(
            "  {}",
            lang.t(
                "backup-sizes",
                &[
                    ("database", &lang.size(m.database_bytes)),
                    ("object", &lang.size(m.object_bytes)),
                    ("sha", &m.object_sha256),
                ],
            )
        ));
        for s in o.stores.iter().filter(|s| s.ok) {
            out.line(format!(
                "  {:<8}{}",
                lang.t("word-ok", &[]),
                lang.t("backup-store-ok", &[("store", &s.url)])
            ));
        }
    }
    // A store that failed: one short line (the whole text with -v, and in --json).
    for s in o.stores.iter().filter(|s| !s.ok) {
        let e = s.error.as_deref().unwrap_or("?");
        super::output::store_failed(out, lang, "backup-store-failed", &s.url, e, false);
    }
    if !out.json {
        out.line(super::output::processed(
            lang,
            1,
            m.database_bytes,
            o.seconds,
        ));
    }
    for w in &o.warnings {
        out.warn(lang.say(w));
    }
    // The guard tripped: said loudly, with the figures and what to do.
    if let Some(s) = &m.suspect {
        out.warn(lang.t(
            "backup-guard-tripped",
            &[("previous", &s.previous), ("id", &m.id)],
        ));
        let mut lines = Vec::new();
        for t in &s.tables {
            let lost = format!("{:.0}", t.percent());
            lines.push(lang.t(
                "backup-guard-table",
                &[
                    ("table", &t.table),
                    ("before", &t.before),
                    ("after", &t.after),
                    ("percent", &lost),
                ],
            ));
        }
        if !s.dropped_tables.is_empty() {
            let tables = s.dropped_tables.join(", ");
            lines.push(lang.t("backup-guard-dropped", &[("tables", &tables)]));
        }
        if s.identifiers_gone > 0 {
            lines.push(lang.t(
                "backup-guard-identifiers",
                &[("count", &s.identifiers_gone)],
            ));
        }
        if s.schema_changed {
            lines.push(lang.t("backup-guard-schema", &[]));
        }
        lines.push(lang.t(
            "backup-guard-todo",
            &[("previous", &s.previous), ("id", &m.id)],
        ));
        for l in lines {
            out.progress(format!("  {l}"));
        }
    }
    Ok(o.verdict().into())
}
