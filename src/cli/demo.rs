//! `eqvault demo`: a realistic demo database and the whole main job on it, then where everything is.
//!
//! A second run in the same folder reuses the database, identity and config and
//! simply runs the job again (a new snapshot, a new drill): nothing is overwritten.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use super::backup::human_bytes;
use super::{Out, show};
use crate::config::Config;

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
}

const DB_FILE: &str = "equipment.db";
const STORES: [&str; 2] = ["stores/nas", "stores/usb"];

pub async fn run(a: Args, out: &Out) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&a.dir).with_context(|| format!("cannot create {}", show(&a.dir)))?;
    let dir = std::path::absolute(&a.dir).unwrap_or(a.dir.clone());
    let db = dir.join(DB_FILE);
    let today = chrono::Utc::now()
        .with_timezone(&crate::catalog::vietnam())
        .date_naive();
    let mut report = serde_json::Map::new();
    let mut planted = Vec::new();
    if db.exists() {
        out.progress(format!("reusing the demo database {}", show(&db)));
    } else {
        out.progress(format!(
            "generating a demo database: {} schools, {} school years up to {} …",
            a.schools,
            a.years,
            today.format("%d/%m/%Y")
        ));
        let opts = crate::demo::DemoOptions {
            schools: a.schools,
            years: a.years,
            seed: a.seed,
            today,
        };
        let path = db.clone();
        let summary =
            tokio::task::spawn_blocking(move || crate::demo::generate(&path, &opts, &|_| {}))
                .await??;
        planted = summary.planted.clone();
        report.insert("rows".into(), serde_json::to_value(&summary.rows)?);
    }
    let config_path = dir.join(crate::config::FILE_NAME);
    if !config_path.exists() {
        let stores: Vec<String> = STORES.iter().map(|s| s.to_string()).collect();
        super::init::create(&dir, Path::new(DB_FILE), &stores, &[])?;
    }
    let cfg = Config::load(&config_path)?;
    report.insert("database".into(), serde_json::json!(db));
    report.insert("config".into(), serde_json::json!(config_path));
    report.insert(
        "identity".into(),
        serde_json::json!(cfg.encryption.identity),
    );
    report.insert("stores".into(), serde_json::json!(cfg.store_labels()));
    report.insert("planted".into(), serde_json::to_value(&planted)?);
    let db_bytes = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);

    let mut code = ExitCode::SUCCESS;
    if !a.no_run {
        let quiet: Arc<dyn crate::ops::Progress> = super::bar();
        out.progress("backup to both stores …");
        let b = crate::ops::backup(&cfg, &Default::default(), quiet.clone()).await?;
        if !b.all_ok() {
            code = ExitCode::from(1);
        }
        report.insert("snapshot".into(), serde_json::json!(b.metadata.id));
        out.progress("restore drill of the new snapshot …");
        let identity = cfg
            .encryption
            .identity
            .clone()
            .context("the demo config has no identity")?;
        let d = crate::ops::drill::drill(
            &cfg,
            &crate::ops::drill::Pick::Id(b.metadata.id.to_string()),
            &identity,
            chrono::Utc::now(),
            quiet,
        )
        .await?;
        if d.record.status == crate::ops::drill::Status::Failed {
            code = ExitCode::from(1);
        }
        report.insert("drill".into(), serde_json::to_value(&d.record)?);
        // Last, the compliance report of the current school year, as leadership reads it.
        out.progress("compliance report (HTML) …");
        let made = super::report::demo(&cfg, &dir, today).await?;
        report.insert("report".into(), serde_json::json!(made.path));
    }
    report.entry("report").or_insert(serde_json::Value::Null);

    if out.json {
        out.json(&serde_json::Value::Object(report));
        return Ok(code);
    }
    out.line("");
    out.line(format!("demo in {}", show(&dir)));
    out.line(format!(
        "  database   {} ({})",
        show(&db),
        human_bytes(db_bytes)
    ));
    out.line(format!("  config     {}", show(&config_path)));
    if let Some(id) = &cfg.encryption.identity {
        out.line(format!(
            "  identity   {} (the private key, mode 0600)",
            show(id)
        ));
    }
    for s in cfg.store_labels() {
        out.line(format!("  store      {s}"));
    }
    if let Some(s) = report.get("snapshot") {
        out.line(format!("  snapshot   {}", s.as_str().unwrap_or("")));
    }
    if let Some(d) = report.get("drill") {
        out.line(format!(
            "  drill      {} in {:.2} s ({})",
            d["status"].as_str().unwrap_or(""),
            d["seconds"].as_f64().unwrap_or(0.0),
            "record under drills/ in both stores"
        ));
    }
    if let Some(path) = report.get("report").and_then(|p| p.as_str()) {
        out.line(format!(
            "  report     {} (open it in a browser; print it on A4)",
            show(Path::new(path))
        ));
    }
    if !planted.is_empty() {
        out.line(format!(
            "  planted    {} violations for the checks to find:",
            planted.len()
        ));
        for p in &planted {
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
        show(&config_path)
    ));
    Ok(code)
}
