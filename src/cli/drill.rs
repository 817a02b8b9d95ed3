//! `eqvault drill [ID|latest|random]`: a restore drill with evidence.

use std::path::PathBuf;

use super::{Exit, Out};
use crate::ops::drill::Pick;
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A snapshot id, `latest` or `random`.
    #[arg(default_value = "latest", value_name = "ID|latest|random")]
    which: String,
    /// The age identity file [default: [encryption] identity].
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
}

pub async fn run(a: Args, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let identity = vault.identity(a.identity)?;
    let pick: Pick = a.which.parse().expect("infallible");
    let o = vault
        .drill(&pick, &identity, chrono::Utc::now(), super::bar())
        .await?;
    let r = &o.record;
    let lang = out.lang_of(vault);
    if out.json {
        out.json(&o);
    } else {
        let status = crate::ops::drill::status_msg(r.status);
        out.line(lang.t(
            "drill-title",
            &[
                ("snapshot", &r.snapshot),
                ("status", &lang.say(&status).to_uppercase()),
            ],
        ));
        let secs = |v: f64| lang.decimal(v, 1);
        out.line(format!(
            "  {}",
            lang.t(
                "drill-time",
                &[
                    ("seconds", &secs(r.seconds)),
                    ("download", &secs(r.phases.download)),
                    ("write", &secs(r.phases.decrypt_decompress)),
                    ("checks", &secs(r.phases.checks)),
                    ("target", &r.target_seconds),
                ],
            )
        ));
        for c in &r.checks {
            out.line(format!("  {}", super::verify::check_line(lang, c)));
        }
        if let Some(why) = reason(lang, r) {
            out.line(format!(
                "  {}",
                crate::sanitize::for_terminal(&lang.t("drill-reason", &[("why", &why)]))
            ));
        }
        out.line(format!(
            "  {}",
            if o.unrecorded.is_empty() {
                lang.t("drill-record", &[("key", &r.key())])
            } else {
                lang.t(
                    "drill-record-missing",
                    &[("key", &r.key()), ("count", &o.unrecorded.len())],
                )
            }
        ));
    }
    for (store, why) in &o.unrecorded {
        super::output::store_failed(out, lang, "drill-not-recorded", store, why, true);
    }
    // Evidence missing from a store is a problem found, as a failed drill is.
    Ok(o.verdict().into())
}

/// Why the drill is not a success, in `lang`: the checks that failed, or the
/// time over its target (the record keeps the English).
fn reason(lang: crate::lang::Lang, r: &crate::ops::drill::DrillRecord) -> Option<String> {
    use crate::ops::drill::Status;
    let failed: Vec<String> = r
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| {
            let detail = c
                .said
                .as_ref()
                .map_or_else(|| c.detail.clone(), |m| lang.say(m));
            format!("{}: {detail}", c.name)
        })
        .collect();
    match r.status {
        Status::Failed if !failed.is_empty() => Some(failed.join("; ")),
        Status::Warning => Some(lang.t(
            "drill-reason-slow",
            &[
                ("seconds", &lang.decimal(r.seconds, 1)),
                ("target", &r.target_seconds),
            ],
        )),
        _ => r.reason.clone(),
    }
}
