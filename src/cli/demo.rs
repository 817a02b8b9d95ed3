//! `eqvault demo`: a realistic demo database and the whole main job on it, then where everything is.
//!
//! A second run in the same folder reuses the database, identity and config and
//! simply runs the job again (a new snapshot, a new drill): nothing is overwritten.

use std::path::{Path, PathBuf};

use super::{Exit, Out, show};
use crate::ops::demo::{DemoRequest, DemoSchema};
use crate::ops::{Outcome, Vault};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to build the demo in.
    #[arg(long, default_value = "eqvault-demo", value_name = "DIR")]
    dir: PathBuf,
    /// Number of schools (6 ≈ a few MB; 250 ≈ 1 GB with --years 2).
    #[arg(long, default_value_t = 6)]
    schools: u32,
    /// School years of history, ending today.
    #[arg(long, default_value_t = 2)]
    years: u32,
    /// Seed of the generator (the same seed gives the same database).
    #[arg(long, default_value_t = 146)]
    seed: u64,
    /// Only generate the database and config; run nothing.
    #[arg(long)]
    no_run: bool,
    /// `reference` (schema/equipment.sql) or `vendor`: the same data in a
    /// Vietnamese-named schema of its own (codes as words, dates dd/mm/yyyy),
    /// with the mapping.sql that reads it as the reference schema.
    #[arg(
        long,
        default_value = "reference",
        value_name = "SCHEMA",
        hide_possible_values = true
    )]
    schema: Schema,
}

/// The demo database's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Schema {
    /// The reference schema.
    Reference,
    /// A vendor's schema, read through a mapping.
    Vendor,
}

pub async fn run(a: Args, out: &Out) -> anyhow::Result<Exit> {
    let req = DemoRequest {
        dir: a.dir,
        schools: a.schools,
        years: a.years,
        seed: a.seed,
        no_run: a.no_run,
        schema: match a.schema {
            Schema::Reference => DemoSchema::Reference,
            Schema::Vendor => DemoSchema::Vendor,
        },
    };
    let o = Vault::demo(&req, super::bar()).await?;
    if out.json {
        out.json(&o);
        return Ok(o.verdict().into());
    }
    let dir = o
        .database
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let lang = out.lang(None);
    // One row: a label in a column of its own, then what it is.
    let row = |label: &str, text: String| {
        out.line(format!("  {:<15}{text}", lang.t(label, &[])));
    };
    out.line("");
    out.line(lang.t("demo-in", &[("dir", &show(&dir))]));
    row(
        "demo-label-database",
        format!("{} ({})", show(&o.database), lang.size(o.database_bytes)),
    );
    row("demo-label-config", show(&o.config));
    if let Some(id) = &o.identity {
        row(
            "demo-label-identity",
            lang.t("demo-identity", &[("path", &show(id))]),
        );
    }
    for s in &o.stores {
        row("demo-label-store", s.to_string());
    }
    if let Some(s) = &o.snapshot {
        row("demo-label-snapshot", s.to_string());
    }
    if let Some(d) = &o.drill {
        let status = serde_json::to_value(d.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let status = if status == "success" {
            lang.t("demo-drill-success", &[])
        } else {
            status
        };
        row(
            "demo-label-drill",
            lang.t(
                "demo-drill",
                &[
                    ("status", &status),
                    ("seconds", &lang.decimal(d.seconds, 2)),
                ],
            ),
        );
    }
    if let Some(a) = &o.archive {
        row(
            "demo-label-archive",
            lang.t(
                "demo-archive",
                &[
                    ("count", &(a.added + a.skipped)),
                    ("exports", &show(&a.exports)),
                    ("bags", &a.bags),
                ],
            ),
        );
        if let Some((y, p, k)) = &a.left_out {
            out.line(format!(
                "  {:<15}{}",
                "",
                lang.t(
                    "demo-left-out",
                    &[("kind", k), ("place", &format!("{y}/{p}"))]
                )
            ));
        }
    }
    if let Some(c) = &o.check {
        row(
            "demo-label-check",
            lang.t(
                "demo-check",
                &[
                    ("violations", &c.summary.violations),
                    ("warnings", &c.summary.warnings),
                    ("from", &lang.day(c.from)),
                ],
            ),
        );
    }
    if let Some(path) = &o.report {
        row(
            "demo-label-report",
            lang.t("demo-report", &[("path", &show(path))]),
        );
    }
    if !o.planted.is_empty() {
        row(
            "demo-label-planted",
            lang.t("demo-planted", &[("count", &o.planted.len())]),
        );
        for p in &o.planted {
            out.line(format!(
                "  {:<15}{} {} {}",
                "",
                p.rule,
                p.school_id,
                crate::sanitize::for_terminal(&p.subject)
            ));
        }
    }
    out.line("");
    // Each a command that runs as pasted.
    out.line(lang.t("demo-try", &[]));
    // Quoted for the shell when the path needs it (a space, a quote, `$`).
    let shown = show(&o.config);
    let config = if shown
        .chars()
        .all(|c| c.is_alphanumeric() || "/._-+,:@%".contains(c))
    {
        shown
    } else {
        format!("'{}'", shown.replace('\'', "'\\''"))
    };
    for cmd in ["snapshots", "verify --read-data", "drill random", "status"] {
        out.line(format!("  eqvault --config {config} {cmd}"));
    }
    Ok(o.verdict().into())
}
