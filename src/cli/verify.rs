//! `eqvault verify [ID | --all] [--read-data]`.

use std::path::PathBuf;

use super::{Exit, Out};
use crate::ops::verify::Selection;
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot to verify [default: the newest].
    #[arg(value_name = "ID", conflicts_with = "all")]
    id: Option<String>,
    /// Verify every snapshot in every store.
    #[arg(long)]
    all: bool,
    /// Download, decrypt and check the database inside (needs the identity).
    #[arg(long)]
    read_data: bool,
    /// The age identity file [default: [encryption] identity].
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
}

pub async fn run(a: Args, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let sel = match (a.all, a.id) {
        (true, _) => Selection::All,
        (false, Some(id)) if id == "latest" => Selection::Latest,
        (false, Some(id)) => Selection::Id(id),
        (false, None) => Selection::Latest,
    };
    let identity = if a.read_data {
        Some(vault.identity(a.identity)?)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let o = vault
        .verify(&sel, identity.as_deref(), super::bar())
        .await?;
    let results = &o.results;
    let lang = out.lang_of(vault);
    if out.json {
        out.json(&o);
    } else {
        // Keys that are no snapshot, two lines each, can be thousands: the
        // first ten and how many more (`--json` has every one).
        let mut stray = super::output::Stray::default();
        for r in results {
            if r.is_stray() && !stray.show() {
                continue;
            }
            // The labels of results about records, or about every store, are words.
            let id = if r.id == crate::ops::verify::RECORDS {
                lang.t("verify-records", &[])
            } else {
                r.id.clone()
            };
            let store = if r.store == crate::ops::verify::EVERY_STORE {
                lang.t("verify-every-store", &[])
            } else {
                r.store.clone()
            };
            out.line(crate::sanitize::for_terminal(&lang.t(
                if r.ok { "verify-ok" } else { "verify-failed" },
                &[("id", &id), ("store", &store)],
            )));
            for c in r.checks.iter().filter(|c| !c.ok || !r.ok) {
                out.line(format!("    {}", check_line(lang, c)));
            }
        }
        if let Some(more) = stray.more(lang) {
            out.line(more);
        }
        let bad = results.iter().filter(|r| !r.ok).count();
        out.line(lang.t(
            "verify-total",
            &[("checked", &results.len()), ("failed", &bad)],
        ));
        let read: Vec<&crate::ops::VerifyResult> = results.iter().filter(|r| r.bytes > 0).collect();
        out.line(super::output::processed(
            lang,
            read.len() as u64,
            read.iter().map(|r| r.bytes).sum(),
            started.elapsed().as_secs_f64(),
        ));
    }
    // A store that failed mid-read gave no verdict: exit 2, as for any store unreachable.
    for r in o.blocked() {
        let detail = r.blocked.as_deref().unwrap_or_default();
        let why = lang.say(&crate::store::brief(detail));
        out.warn(crate::sanitize::for_terminal(&lang.t(
            "verify-blocked",
            &[("id", &r.id), ("store", &r.store), ("why", &why)],
        )));
        if out.verbose > 0 {
            out.progress(format!(
                "  {} {}",
                lang.t("word-cause", &[]),
                crate::sanitize::for_terminal(detail)
            ));
        }
    }
    Ok(o.verdict().into())
}

/// One check of a verification or a drill: passed, failed or not checked,
/// its name and what was seen, in `lang` (one line, safe for a terminal).
pub(super) fn check_line(lang: crate::lang::Lang, c: &crate::catalog::Check) -> String {
    let detail = c
        .said
        .as_ref()
        .map_or_else(|| c.detail.clone(), |m| super::status::say_dated(lang, m));
    let id = if c.not_checked {
        "verify-check-not-checked"
    } else if c.ok {
        "verify-check-ok"
    } else {
        "verify-check-failed"
    };
    crate::sanitize::for_terminal(&lang.t(id, &[("name", &c.name), ("detail", &detail)]))
        .into_owned()
}
