//! `eqvault demo`: a realistic demo database and the whole main job on it, then where everything is.
//!
//! A second run in the same folder reuses the database, identity and config and
//! simply runs the job again (a new snapshot, a new drill): nothing is overwritten.

use std::path::{Path, PathBuf};

use super::backup::human_bytes;
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
    out.line("");
    out.line(format!("demo in {}", show(&dir)));
    out.line(format!(
        "  database   {} ({})",
        show(&o.database),
        human_bytes(o.database_bytes)
    ));
    out.line(format!("  config     {}", show(&o.config)));
    if let Some(id) = &o.identity {
        out.line(format!(
            "  identity   {} (the private key, mode 0600)",
            show(id)
        ));
    }
    for s in &o.stores {
        out.line(format!("  store      {s}"));
    }
    if let Some(s) = &o.snapshot {
        out.line(format!("  snapshot   {s}"));
    }
    if let Some(d) = &o.drill {
        out.line(format!(
            "  drill      {} in {:.2} s ({})",
            serde_json::to_value(d.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            d.seconds,
            "record under drills/ in both stores"
        ));
    }
    if let Some(a) = &o.archive {
        out.line(format!(
            "  archive    {} sample reports from {} filed in {} bags by school year and term",
            a.added + a.skipped,
            show(&a.exports),
            a.bags,
        ));
        if let Some((y, p, k)) = &a.left_out {
            out.line(format!(
                "             left out on purpose: {k} {y}/{p} (check finds it missing)",
            ));
        }
    }
    if let Some(c) = &o.check {
        out.line(format!(
            "  check      {} violations, {} warnings from {} on, as `eqvault check` judges",
            c.summary.violations, c.summary.warnings, c.from,
        ));
    }
    if let Some(path) = &o.report {
        out.line(format!(
            "  report     {} (open it in a browser; print it on A4)",
            show(path)
        ));
    }
    if !o.planted.is_empty() {
        out.line(format!(
            "  planted    {} violations for the checks to find:",
            o.planted.len()
        ));
        for p in &o.planted {
            out.line(format!(
                "             {} {} {}",
                p.rule,
                p.school_id,
                crate::sanitize::for_terminal(&p.subject)
            ));
        }
    }
    out.line("");
    out.line(format!(
        "try: eqvault --config {} snapshots | verify --read-data | drill random | status",
        show(&o.config)
    ));
    Ok(o.verdict().into())
}
