//! `eqvault demo`: a realistic demo database and the whole main job on it, then where everything is.
//!
//! A second run in the same folder reuses the database, identity and config and
//! simply runs the job again (a new snapshot, a new drill): nothing is overwritten.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};

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
    /// `reference` (schema/equipment.sql) or `vendor`: the same data in a
    /// Vietnamese-named schema of its own (codes as words, dates dd/mm/yyyy),
    /// with the mapping.sql that reads it as the reference schema.
    #[arg(long, default_value = "reference", value_name = "SCHEMA")]
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

/// The mapping file `--schema vendor` writes beside the database.
const MAPPING_FILE: &str = "mapping.sql";

const DB_FILE: &str = "equipment.db";
/// The office name the demo's config carries.
const DEMO_OFFICE: &str = "Phòng Giáo dục và Đào tạo (demo)";
/// Where the demo writes its sample exported reports.
const EXPORTS: &str = "exports";
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
        let schema = a.schema;
        let summary = tokio::task::spawn_blocking(move || match schema {
            Schema::Reference => Ok(crate::demo::generate(&path, &opts, &|_| {})?),
            Schema::Vendor => generate_vendor(&path, &opts),
        })
        .await??;
        planted = summary.planted.clone();
        report.insert("rows".into(), serde_json::to_value(&summary.rows)?);
    }
    let config_path = dir.join(crate::config::FILE_NAME);
    if !config_path.exists() {
        let stores: Vec<String> = STORES
            .iter()
            .map(|s| dir.join(s).to_string_lossy().into_owned())
            .collect();
        // The archive needs an office name (it goes into every bag): the demo's own.
        crate::ops::setup::init(&crate::ops::setup::InitRequest {
            dir: dir.clone(),
            db: db.clone(),
            stores,
            office_name: DEMO_OFFICE.to_string(),
            create_store: true,
            ..Default::default()
        })
        .await?;
    }
    if a.schema == Schema::Vendor {
        vendor_files(&dir, &config_path)?;
    }
    let mut cfg = Config::load(&config_path)?;
    if cfg.office.name.trim().is_empty() {
        // A demo folder made by an older eqvault: name the office for this run only.
        cfg.office.name = DEMO_OFFICE.to_string();
    }
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

        // Sample periodic reports, filed in the report archive by school year and period.
        out.progress("archive of sample reports …");
        let policies = crate::policy::Policies::from_config(Some(&cfg))?;
        let mapping = super::mapping::resolve(None, Some(&cfg))?;
        let since = first_day(&db, mapping.as_ref())?.unwrap_or(today);
        let exports_dir = dir.join(EXPORTS);
        let exports = {
            let (db, d, m) = (db.clone(), exports_dir.clone(), mapping.clone());
            let years = policies.school_years.clone();
            let required = policies.rules.report_missing.clone();
            tokio::task::spawn_blocking(move || {
                crate::demo::exports::write(&db, m.as_ref(), &d, &years, &required, since, today)
            })
            .await??
        };
        let archived = archive_exports(&cfg, &exports).await?;
        report.insert(
            "archive".into(),
            serde_json::json!({
                "exports": exports_dir,
                "added": archived.0,
                "skipped": archived.1,
                "bags": archived.2,
                "left_out": exports.left_out,
            }),
        );

        // The compliance checks as `eqvault check` runs them with no dates:
        // the demo's whole history within the regulation's time.
        out.progress("compliance checks …");
        let plan = crate::policy::check::CheckPlan {
            database: cfg.database.path.clone(),
            mapping: mapping.clone(),
            busy_timeout: std::time::Duration::from_secs(
                cfg.database.busy_timeout.approx_seconds(),
            ),
            as_of: today,
            from: None,
            to: None,
        };
        let gathered = super::check::Gathered::from(Some(&cfg), &policies).await;
        let checked = crate::policy::check(&policies, &plan, gathered.input(), &mut |_| {})?;
        report.insert(
            "check".into(),
            serde_json::json!({
                "from": checked.window.from,
                "as_of": today,
                "window": checked.window,
                "summary": checked.summary,
            }),
        );
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
    if let Some(a) = report.get("archive") {
        out.line(format!(
            "  archive    {} sample reports from {} filed in {} bags by school year and term",
            a["added"].as_u64().unwrap_or(0) + a["skipped"].as_u64().unwrap_or(0),
            show(&dir.join(EXPORTS)),
            a["bags"].as_u64().unwrap_or(0),
        ));
        if let Some([y, p, k]) = a["left_out"].as_array().map(Vec::as_slice) {
            out.line(format!(
                "             left out on purpose: {} {}/{} (check finds it missing)",
                k.as_str().unwrap_or(""),
                y.as_str().unwrap_or(""),
                p.as_str().unwrap_or(""),
            ));
        }
    }
    if let Some(c) = report.get("check") {
        let sum = &c["summary"];
        out.line(format!(
            "  check      {} violations, {} warnings from {} on, as `eqvault check` judges",
            sum["violations"].as_u64().unwrap_or(0),
            sum["warnings"].as_u64().unwrap_or(0),
            c["from"].as_str().unwrap_or(""),
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

/// The first day the demo database has data for (its first change).
fn first_day(
    db: &Path,
    mapping: Option<&crate::mapping::Mapping>,
) -> anyhow::Result<Option<chrono::NaiveDate>> {
    let c = crate::mapping::open_read_only(db, std::time::Duration::from_secs(30), mapping)?;
    let first: Option<String> =
        c.query_row("SELECT min(occurred_on) FROM equipment_changes", [], |r| {
            r.get(0)
        })?;
    Ok(first.and_then(|d| chrono::NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok()))
}

/// Files the sample reports, one `archive add --year --term` per period;
/// returns the files added, the files already archived and the bags made.
async fn archive_exports(
    cfg: &Config,
    exports: &crate::demo::exports::Exports,
) -> anyhow::Result<(u64, u64, u64)> {
    let mut groups: std::collections::BTreeMap<
        (String, String),
        (crate::calendar::Period, Vec<PathBuf>),
    > = std::collections::BTreeMap::new();
    for e in &exports.files {
        groups
            .entry((e.year.clone(), e.period.to_string()))
            .or_insert_with(|| (e.period, Vec::new()))
            .1
            .push(e.path.clone());
    }
    let (mut added, mut skipped, mut bags) = (0, 0, 0);
    for ((year, _), (period, paths)) in groups {
        let opts = crate::archive::AddOptions {
            flags: crate::archive::classify::Flags {
                year: Some(year),
                period: Some(period),
            },
            ..Default::default()
        };
        let quiet: Arc<dyn crate::ops::Progress> = Arc::new(crate::ops::Quiet);
        let o = crate::archive::add(cfg, &paths, &opts, quiet).await?;
        if let Some(r) = o.refused.first() {
            anyhow::bail!(
                "the demo could not archive its sample report {}: {}",
                r.file,
                r.reason
            );
        }
        added += o.added.len() as u64;
        skipped += o.skipped.len() as u64;
        bags += o.bags.len() as u64;
    }
    Ok((added, skipped, bags))
}

/// The reference demo generated beside `db`, converted into the vendor
/// schema at `db`, and removed: the same rows, the same planted cases.
fn generate_vendor(
    db: &Path,
    opts: &crate::demo::DemoOptions,
) -> anyhow::Result<crate::demo::DemoSummary> {
    let parent = db.parent().unwrap_or(Path::new("."));
    let scratch = tempfile::Builder::new()
        .prefix(".demo-reference-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot make a scratch folder in {}", show(parent)))?;
    let reference = scratch.path().join("reference.db");
    let mut summary = crate::demo::generate(&reference, opts, &|_| {})?;
    let partial = scratch.path().join("vendor.db");
    crate::demo::vendor::convert(&reference, &partial)
        .with_context(|| format!("cannot convert {} to the vendor schema", show(&reference)))?;
    if db.symlink_metadata().is_ok() {
        bail!(
            "{} appeared while the demo was being built: not overwritten",
            show(db)
        );
    }
    std::fs::rename(&partial, db)
        .with_context(|| format!("cannot move the vendor database to {}", show(db)))?;
    summary.path = db.to_path_buf();
    summary.bytes = std::fs::metadata(db).map(|m| m.len()).unwrap_or(0);
    Ok(summary)
}

/// Writes `mapping.sql` (unless there is one) and names it in the config's `[database] mapping`.
fn vendor_files(dir: &Path, config_path: &Path) -> anyhow::Result<()> {
    let mapping = dir.join(MAPPING_FILE);
    if !mapping.exists() {
        std::fs::write(&mapping, crate::demo::vendor::mapping())
            .with_context(|| format!("cannot write {}", show(&mapping)))?;
    }
    let text = std::fs::read_to_string(config_path)
        .with_context(|| format!("cannot read {}", show(config_path)))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("cannot parse {}", show(config_path)))?;
    if doc["database"].get("mapping").is_none() {
        doc["database"]["mapping"] = toml_edit::value(MAPPING_FILE);
        std::fs::write(config_path, doc.to_string())
            .with_context(|| format!("cannot write {}", show(config_path)))?;
    }
    Ok(())
}
