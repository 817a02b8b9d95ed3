//! `eqvault prune [--dry-run]`, `eqvault hold ID --reason …`, `eqvault unhold ID`.

use std::process::ExitCode;

use super::Out;
use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show every snapshot with the reasons it is kept or removed; delete nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct HoldArgs {
    /// The snapshot id.
    id: String,
    /// Why it must be kept (e.g. an inspection, a dispute).
    #[arg(long)]
    reason: String,
}

#[derive(Debug, clap::Args)]
pub struct UnholdArgs {
    /// The snapshot id.
    id: String,
}

pub async fn run(a: Args, cfg: &Config, out: &Out) -> anyhow::Result<ExitCode> {
    let o = crate::ops::prune::prune(cfg, a.dry_run, chrono::Utc::now()).await?;
    if out.json {
        out.json(&serde_json::json!({
            "dry_run": o.dry_run,
            "keep": o.keep,
            "remove": o.remove.iter().map(|d| serde_json::json!({"id": d.id})).collect::<Vec<_>>(),
            "incomplete": o.incomplete.iter().map(|(s, k)| serde_json::json!({"store": s, "key": k})).collect::<Vec<_>>(),
            "ledgers": o.ledgers.iter().map(|(s, k)| serde_json::json!({"store": s, "key": k})).collect::<Vec<_>>(),
            "not_removed": o.not_removed.iter().map(|(id, s, e)| serde_json::json!({"id": id, "store": s, "error": e})).collect::<Vec<_>>(),
            "untrusted": o.untrusted.iter().map(|(s, k, w)| serde_json::json!({"store": s, "key": k, "why": w})).collect::<Vec<_>>(),
            "errors": o.errors.iter().map(|(s, e)| serde_json::json!({"store": s, "error": e})).collect::<Vec<_>>(),
        }));
    } else {
        let verb = if o.dry_run { "would remove" } else { "removed" };
        for d in &o.keep {
            out.line(format!("keep   {}  {}", d.id, d.reasons.join(", ")));
        }
        for d in &o.remove {
            out.line(format!("{verb} {}", d.id));
        }
        for (id, s, e) in &o.not_removed {
            out.line(format!("NOT removed {id} from {s}: {e}"));
        }
        for (s, k) in &o.incomplete {
            out.line(format!("{verb} incomplete upload {k} in {s}"));
        }
        for (s, k) in &o.ledgers {
            out.line(format!("{verb} superseded sealed ledger {k} in {s}"));
        }
        for (s, k, why) in &o.untrusted {
            out.line(crate::sanitize::for_terminal(&format!(
                "left alone (not trusted) {k} in {s}: {why}"
            )));
        }
        let mut tail = format!("{} kept, {} {verb}", o.keep.len(), o.remove.len());
        if !o.not_removed.is_empty() {
            tail.push_str(&format!(", {} could not be removed", o.not_removed.len()));
        }
        out.line(tail);
    }
    for (s, e) in &o.errors {
        out.warn(format!("{s}: {e}"));
    }
    Ok(if o.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

pub async fn hold(a: HoldArgs, cfg: &Config, out: &Out) -> anyhow::Result<ExitCode> {
    let r = crate::ops::prune::hold(cfg, &a.id, &a.reason, chrono::Utc::now()).await?;
    report(out, "held", &a.id, &r)
}

pub async fn unhold(a: UnholdArgs, cfg: &Config, out: &Out) -> anyhow::Result<ExitCode> {
    let r = crate::ops::prune::unhold(cfg, &a.id).await?;
    report(out, "released", &a.id, &r)
}

fn report(
    out: &Out,
    verb: &str,
    id: &str,
    r: &[(String, Option<String>)],
) -> anyhow::Result<ExitCode> {
    if out.json {
        out.json(&serde_json::json!({
            "id": id,
            "stores": r.iter().map(|(s, e)| serde_json::json!({"url": s, "ok": e.is_none(), "error": e})).collect::<Vec<_>>(),
        }));
    }
    for (s, e) in r {
        match e {
            None => out.line(format!("{verb} {id} in {s}")),
            Some(e) => out.warn(format!("{s}: {e}")),
        }
    }
    Ok(if r.iter().all(|(_, e)| e.is_none()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
