//! `eqvault prune [--dry-run]`, `eqvault hold ID --reason …`, `eqvault unhold ID`.

use super::{Exit, Out};
use crate::ops::prune::HoldOutcome;
use crate::ops::{Outcome, Vault};

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

pub async fn run(a: Args, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let o = vault.prune(a.dry_run, chrono::Utc::now()).await?;
    if out.json {
        out.json(&o);
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
        for l in &o.locked {
            out.line(format!(
                "locked {} in {} until {} (S3 Object Lock): left, removed by a prune after that date",
                l.what,
                l.store,
                l.until.with_timezone(&crate::catalog::vietnam()).format("%Y-%m-%d %H:%M")
            ));
        }
        for (id, s, until) in &o.extended {
            out.line(format!(
                "lock of quarterly copy {id} in {s} lengthened to {}",
                until
                    .with_timezone(&crate::catalog::vietnam())
                    .format("%Y-%m-%d")
            ));
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
        if !o.locked.is_empty() {
            tail.push_str(&format!(", {} locked until a later date", o.locked.len()));
        }
        out.line(tail);
    }
    for (s, e) in &o.errors {
        out.warn(format!("{s}: {e}"));
    }
    Ok(o.verdict().into())
}

pub async fn hold(a: HoldArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let o = vault.hold(&a.id, &a.reason, chrono::Utc::now()).await?;
    Ok(render_hold(out, "held", &o))
}

pub async fn unhold(a: UnholdArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let o = vault.unhold(&a.id).await?;
    Ok(render_hold(out, "released", &o))
}

fn render_hold(out: &Out, verb: &str, o: &HoldOutcome) -> Exit {
    if out.json {
        out.json(o);
    }
    for (s, e) in &o.stores {
        match e {
            None => out.line(format!("{verb} {} in {s}", o.id)),
            Some(e) => out.warn(format!("{s}: {e}")),
        }
    }
    o.verdict().into()
}
