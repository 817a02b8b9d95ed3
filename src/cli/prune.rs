//! `eqvault prune [--dry-run]`, `eqvault hold ID --reason …`, `eqvault unhold ID`.

use super::{Exit, Lang, Out};
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
    /// The snapshot id, or `latest`.
    #[arg(value_name = "ID|latest")]
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
    let lang = out.lang(vault.config_if_any().and_then(|c| c.office.lang));
    if out.json {
        out.json(&o);
    } else {
        let vn = crate::catalog::vietnam();
        let day = |t: &chrono::DateTime<chrono::Utc>| lang.when(&t.with_timezone(&vn));
        for d in &o.keep {
            let reasons: Vec<String> = d.reasons.iter().map(|r| reason(lang, r)).collect();
            out.line(lang.t(
                "prune-keep",
                &[("id", &d.id), ("reasons", &reasons.join(", "))],
            ));
        }
        let (removed, incomplete, ledger, total) = if o.dry_run {
            (
                "prune-would-remove",
                "prune-incomplete-would-remove",
                "prune-ledger-would-remove",
                "prune-total-would-remove",
            )
        } else {
            (
                "prune-removed",
                "prune-incomplete-removed",
                "prune-ledger-removed",
                "prune-total-removed",
            )
        };
        for d in &o.remove {
            out.line(lang.t(removed, &[("id", &d.id)]));
        }
        for (id, s, e) in &o.not_removed {
            out.line(lang.t(
                "prune-not-removed",
                &[("id", id), ("store", s), ("error", e)],
            ));
        }
        for l in &o.locked {
            out.line(lang.t(
                "prune-locked",
                &[
                    ("id", &l.what),
                    ("store", &l.store),
                    ("until", &day(&l.until)),
                ],
            ));
        }
        for (id, s, until) in &o.extended {
            out.line(lang.t(
                "prune-extended",
                &[("id", id), ("store", s), ("until", &day(until))],
            ));
        }
        for (s, k) in &o.incomplete {
            out.line(lang.t(incomplete, &[("key", k), ("store", s)]));
        }
        for (s, k) in &o.ledgers {
            out.line(lang.t(ledger, &[("key", k), ("store", s)]));
        }
        // Keys left alone can be thousands: the first ten and how many more.
        let mut stray = super::output::Stray::default();
        for (s, k, why) in o.untrusted.iter().filter(|_| stray.show()) {
            out.line(crate::sanitize::for_terminal(
                &lang.t("prune-untrusted", &[("key", k), ("store", s), ("why", why)]),
            ));
        }
        if let Some(more) = stray.more(lang) {
            out.line(more);
        }
        let mut tail = lang.t(
            total,
            &[("kept", &o.keep.len()), ("removed", &o.remove.len())],
        );
        if !o.not_removed.is_empty() {
            tail.push_str(&lang.t(
                "prune-total-not-removed",
                &[("count", &o.not_removed.len())],
            ));
        }
        if !o.locked.is_empty() {
            tail.push_str(&lang.t("prune-total-locked", &[("count", &o.locked.len())]));
        }
        out.line(tail);
    }
    for (s, e) in &o.errors {
        let lang = out.lang_of(vault);
        super::output::store_failed(out, lang, "prune-store-failed", s, e, true);
    }
    Ok(o.verdict().into())
}

/// A reason prune gives for keeping a snapshot (see `ops::prune::plan`), in `lang`.
fn reason(lang: Lang, r: &str) -> String {
    let word = |prefix: &str| r.strip_prefix(prefix).map(str::to_string);
    if r == "last" {
        lang.t("prune-reason-last", &[])
    } else if let Some(b) = word("daily ") {
        lang.t("prune-reason-daily", &[("bucket", &b)])
    } else if let Some(b) = word("weekly ") {
        lang.t("prune-reason-weekly", &[("bucket", &b)])
    } else if let Some(b) = word("monthly ") {
        lang.t("prune-reason-monthly", &[("bucket", &b)])
    } else if let Some(b) = word("yearly ") {
        lang.t("prune-reason-yearly", &[("bucket", &b)])
    } else if let Some(b) = word("within ") {
        lang.t("prune-reason-within", &[("span", &b)])
    } else if let Some(q) =
        word("quarterly ").and_then(|q| q.strip_suffix(" (floor)").map(str::to_string))
    {
        lang.t("prune-reason-quarterly", &[("bucket", &q)])
    } else if r == "newest snapshot that passed a drill (floor)" {
        lang.t("prune-reason-drilled", &[])
    } else if r == crate::ops::prune::SUSPECT_REASON {
        lang.t("prune-reason-suspect", &[])
    } else if r == "held (floor)" {
        lang.t("prune-reason-held", &[])
    } else if let Some(when) = word("dated in the future (").and_then(|w| {
        w.strip_suffix("): kept until its time comes")
            .map(str::to_string)
    }) {
        lang.t("prune-reason-future", &[("when", &when)])
    } else {
        r.to_string()
    }
}

pub async fn hold(a: HoldArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let o = vault.hold(&a.id, &a.reason, chrono::Utc::now()).await?;
    Ok(render_hold(out, vault, "hold-held", &o))
}

pub async fn unhold(a: UnholdArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let o = vault.unhold(&a.id).await?;
    Ok(render_hold(out, vault, "hold-released", &o))
}

fn render_hold(out: &Out, vault: &Vault, done: &str, o: &HoldOutcome) -> Exit {
    if out.json {
        out.json(o);
    }
    let lang = out.lang(vault.config_if_any().and_then(|c| c.office.lang));
    for (s, e) in &o.stores {
        match e {
            None => out.line(lang.t(done, &[("id", &o.id), ("store", s)])),
            Some(e) => {
                super::output::store_failed(out, lang, "hold-store-failed", s, &e.to_string(), true)
            }
        }
    }
    o.verdict().into()
}
