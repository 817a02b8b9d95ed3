//! Restore drills: restore a snapshot into scratch space, check it thoroughly, time every phase,
//! and leave a dated record in every store under `drills/` so the evidence outlives the machine.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::verify::{Check, check_database, read_data};
use super::{OpsError, Outcome, Progress, Vault, Verdict};
use crate::catalog;
use crate::config::Config;
use crate::lang::Msg;
use crate::pack;
use crate::store::{Store, StoreError};

pub use crate::catalog::drill::{DRILLS, DrillRecord, Phases, Status};

/// A drill's verdict in words; its English is the record's spelling
/// (`success`, `warning`, `failed`).
pub fn status_msg(s: Status) -> Msg {
    Msg::new(match s {
        Status::Success => "drill-status-success",
        Status::Warning => "drill-status-warning",
        Status::Failed => "drill-status-failed",
    })
}

/// Which snapshot to drill.
#[derive(Debug, Clone)]
pub enum Pick {
    /// The newest.
    Latest,
    /// One chosen at random (every snapshot should be restorable, not just the newest).
    Random,
    /// This id.
    Id(String),
}

impl std::str::FromStr for Pick {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "latest" => Pick::Latest,
            "random" => Pick::Random,
            other => Pick::Id(other.to_string()),
        })
    }
}

/// What a drill returns: its record and the stores that could not keep it.
/// `--json` is the record with `"unrecorded": [{"store", "error"}]` added.
#[derive(Debug)]
pub struct DrillOutcome {
    /// The record (also written to the stores).
    pub record: DrillRecord,
    /// Stores where the record could not be written: (store, why).
    pub unrecorded: Vec<(String, String)>,
}

impl serde::Serialize for DrillOutcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct View<'a> {
            #[serde(flatten)]
            record: &'a DrillRecord,
            unrecorded: Vec<super::json::StoreFailure<'a>>,
        }
        View {
            record: &self.record,
            unrecorded: super::json::failures(&self.unrecorded),
        }
        .serialize(s)
    }
}

impl Outcome for DrillOutcome {
    /// A failed drill, or evidence missing from a store: exit 1; a drill
    /// slower than its target is a notice (exit 0, the daemon alerts).
    fn verdict(&self) -> Verdict {
        match self.record.status {
            _ if !self.unrecorded.is_empty() => Verdict::Found,
            Status::Success => Verdict::Ok,
            Status::Warning => Verdict::Notice,
            Status::Failed => Verdict::Found,
        }
    }
}

/// Runs one drill.
///
/// # Errors
/// [`OpsError`] when no drill can start: no identity, no store, no snapshot,
/// or an identity the snapshot was not encrypted to
/// ([`crate::pack::PackError::WrongIdentity`]: nothing is recorded). A
/// snapshot that fails its checks is a `failed` record, not an error.
pub async fn drill(
    cfg: &Config,
    pick: &Pick,
    identity: &Path,
    now: DateTime<Utc>,
    progress: Arc<dyn Progress>,
) -> Result<DrillOutcome, OpsError> {
    Vault::open(cfg.clone())
        .drill(pick, identity, now, progress)
        .await
}

impl Vault {
    /// A restore drill (see [`drill`]).
    ///
    /// # Errors
    /// As [`drill`].
    pub async fn drill(
        &self,
        pick: &Pick,
        identity: &Path,
        now: DateTime<Utc>,
        progress: Arc<dyn Progress>,
    ) -> Result<DrillOutcome, OpsError> {
        run(self, pick, identity, now, progress).await
    }
}

async fn run(
    v: &Vault,
    pick: &Pick,
    identity: &Path,
    now: DateTime<Utc>,
    progress: Arc<dyn Progress>,
) -> Result<DrillOutcome, OpsError> {
    let cfg = v.config()?;
    let identities = Arc::new(pack::keys::load_identities(identity)?);
    // A drill leaves signed evidence: without the key there is no point starting.
    let signer = v.signer()?;
    let vet = v.vetting(now)?;
    let sv = super::survey(cfg, &vet).await?;
    let all = sv.snapshots();
    if all.is_empty() {
        return Err(sv.not_trusted(None).unwrap_or(OpsError::NoSnapshots));
    }
    let view = match pick {
        Pick::Latest => {
            if let Some(e) = sv.rolled_back(&all[0]) {
                return Err(e);
            }
            super::guard::refuse_suspect(&sv, &vet, &all[0]).await?;
            all[0].clone()
        }
        Pick::Random => all[rand::random_range(0..all.len())].clone(),
        Pick::Id(x) => {
            let id: catalog::SnapshotId = x.parse()?;
            match all.iter().find(|v| v.meta.id == id) {
                Some(v) => v.clone(),
                None => {
                    return Err(sv
                        .not_trusted(Some(&id))
                        .unwrap_or_else(|| OpsError::NoSuchSnapshot(x.clone())));
                }
            }
        }
    };
    // The identity given must be one the snapshot was encrypted to: a drill
    // with the wrong key is an operator's mistake (exit 2, no record), not a
    // failed restore. The trusted metadata lists the recipients; when the
    // identity is among them and age still finds no matching key, the header
    // is damaged, and that is a failed drill.
    if !pack::keys::is_a_recipient(&identities, &view.meta.recipients) {
        return Err(OpsError::Pack(pack::PackError::WrongIdentity));
    }
    let source = sv.stores[view.stores[0]]
        .clone()
        .expect("a listed store is open");

    // Scratch space under eqvault's own state folder, never beside the live database.
    let scratch = super::private_temp(cfg, "drill")?;
    let started = Instant::now();
    let rd = read_data(
        &source,
        &view.meta,
        &vet.trusted,
        identities,
        scratch.path(),
        super::verify::Depth::Full,
        progress.as_ref(),
    )
    .await;
    // Metadata that names no recipients: age's own verdict tells a key that
    // opens nothing from a damaged payload.
    let wrong_key = pack::PackError::WrongIdentity.to_string();
    if view.meta.recipients.is_empty()
        && rd
            .checks
            .iter()
            .any(|c| c.name == "decrypt_unpack" && !c.ok && c.detail == wrong_key)
    {
        return Err(OpsError::Pack(pack::PackError::WrongIdentity));
    }
    let mut checks = rd.checks;
    let mut check_secs = rd.check_secs;
    if checks.iter().all(|c| c.ok) && rd.manifest.is_some() {
        let db = scratch.path().join(pack::DATABASE_ENTRY);
        let t = Instant::now();
        let mapping = v.mapping().map(|m| m.cloned()).map_err(|e| e.to_string());
        let more = tokio::task::spawn_blocking(move || extra_checks(&db, mapping))
            .await
            .unwrap_or_else(|e| vec![Check::new("checks", false, e.to_string())]);
        check_secs += t.elapsed().as_secs_f64();
        checks.extend(more);
    }
    let seconds = started.elapsed().as_secs_f64();
    drop(scratch);
    // A drill cut short by a stop request proves nothing either way: no record of it.
    if crate::stop::requested() {
        return Err(OpsError::Stopped);
    }

    let target = cfg.drill.restore_time_target.approx_seconds();
    let failed: Vec<&Check> = checks.iter().filter(|c| !c.ok).collect();
    let (status, reason) = if !failed.is_empty() || rd.manifest.is_none() {
        let names: Vec<String> = failed
            .iter()
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        (Status::Failed, Some(names.join("; ")))
    } else if seconds > target as f64 {
        (
            Status::Warning,
            Some(format!(
                "restore took {seconds:.1} s, more than the {target} s target"
            )),
        )
    } else {
        (Status::Success, None)
    };
    let started_at = now.with_timezone(&catalog::vietnam());
    let record = DrillRecord {
        format_version: catalog::FORMAT_VERSION,
        id: format!(
            "{}-{:06x}",
            now.format("%Y%m%dT%H%M%SZ"),
            rand::random::<u32>() & 0xff_ffff
        ),
        status,
        snapshot: view.meta.id.to_string(),
        store: source.label.clone(),
        started_at,
        seconds,
        phases: Phases {
            download: rd.download_secs,
            decrypt_decompress: rd.unpack_secs,
            checks: check_secs,
        },
        target_seconds: target,
        object_bytes: view.meta.object_bytes,
        database_bytes: view.meta.database_bytes,
        checks,
        reason,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        vault: cfg.database.vault.clone(),
    };

    let body = Bytes::from(serde_json::to_vec_pretty(&record).expect("record serialises"));
    let mut unrecorded = Vec::new();
    let labels = cfg.store_labels();
    for (i, s) in sv.stores.iter().enumerate() {
        match s {
            Some(s) => {
                if let Err(e) = s
                    .put_signed(
                        &record.key(),
                        body.clone(),
                        crate::trust::Kind::Drill,
                        &signer,
                    )
                    .await
                {
                    unrecorded.push((s.label.clone(), e.to_string()));
                }
            }
            // Why the store could not be opened or listed, when the survey knows.
            None => unrecorded.push((
                labels[i].clone(),
                sv.errors[i]
                    .as_ref()
                    .map_or_else(|| "store unavailable".into(), |e| e.to_string()),
            )),
        }
    }
    if unrecorded.len() < labels.len()
        && let Err(e) = super::seen::drilled(&cfg.state_dir, &record)
    {
        tracing::warn!(error = %e, "cannot record the drill as seen; if its record vanishes, nothing will name it");
    }
    Ok(DrillOutcome { record, unrecorded })
}

/// Checks beyond the manifest's: foreign keys and unique identifiers.
///
/// The identifier checks read through `[database] mapping` when there is one
/// (the restored copy is in the office's own schema, as the live database).
fn extra_checks(db: &Path, mapping: Result<Option<crate::mapping::Mapping>, String>) -> Vec<Check> {
    let mut out = Vec::new();
    let mapping = match mapping {
        Ok(m) => m,
        Err(e) => return vec![Check::new("mapping", false, e)],
    };
    let c = match crate::mapping::open_read_only(
        db,
        std::time::Duration::from_secs(5),
        mapping.as_ref(),
    ) {
        Ok(c) => c,
        Err(e) => return vec![Check::new("open", false, e.to_string())],
    };
    let fk: rusqlite::Result<Vec<Msg>> = c.prepare("PRAGMA foreign_key_check").and_then(|mut s| {
        s.query_map([], |r| {
            Ok(Msg::new("drill-detail-fk-row")
                .arg("table", r.get::<_, String>(0)?)
                .arg("row", r.get::<_, Option<i64>>(1)?.unwrap_or(-1))
                .arg("parent", r.get::<_, String>(2)?))
        })?
        .take(20)
        .collect()
    });
    match fk.map(super::verify::joined) {
        Ok(None) => out.push(Check::said(
            "foreign_key_check",
            true,
            Msg::new("drill-detail-fk-ok"),
        )),
        Ok(Some(m)) => out.push(Check::said("foreign_key_check", false, m)),
        Err(e) => out.push(Check::new("foreign_key_check", false, e.to_string())),
    }
    let mut dup = Vec::new();
    let mut seen = 0;
    for (table, col) in [
        ("schools", "school_id"),
        ("staff", "staff_id"),
        ("equipment", "equipment_id"),
    ] {
        let exists = crate::mapping::has_relation(&c, table).unwrap_or(false);
        if !exists {
            continue;
        }
        seen += 1;
        let q = format!(
            "SELECT count(*) - count(DISTINCT {col}), count(*) - count({col}) FROM {table}"
        );
        let column = format!("{table}.{col}");
        match c.query_row(&q, [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))) {
            Ok((0, 0)) => {}
            Ok((d, n)) => dup.push(
                Msg::new("drill-detail-duplicates")
                    .arg("column", column)
                    .arg("duplicates", d)
                    .arg("empty", n),
            ),
            Err(e) => dup.push(
                Msg::new("drill-detail-column-error")
                    .arg("column", column)
                    .arg(
                        "why",
                        // A view that never ends: said with the limit it ran past.
                        mapping
                            .as_ref()
                            .and_then(|m| m.timed_out(&e, db, None))
                            .map_or_else(|| e.to_string(), |t| t.to_string()),
                    ),
            ),
        }
    }
    out.push(if seen == 0 {
        // A database in its own schema: nothing here is the reference's.
        Check::not_checked_said("identifiers_unique", Msg::new("drill-detail-not-reference"))
    } else {
        match super::verify::joined(dup) {
            None => Check::said(
                "identifiers_unique",
                true,
                Msg::new("drill-detail-identifiers-ok").arg("count", seen),
            ),
            Some(m) => Check::said("identifiers_unique", false, m),
        }
    });
    out
}

/// The drill records in one store.
#[derive(Debug, Default)]
pub struct Records {
    /// Signed by a trusted key, dated up to now: the evidence, oldest first.
    pub trusted: Vec<DrillRecord>,
    /// Signed by a trusted key but dated in the future (a wrong clock): not evidence.
    pub future: Vec<DrillRecord>,
    /// Not believed, or not readable: (key, why). Never evidence.
    pub rejected: Vec<(String, String)>,
}

/// Every drill record in `store`, judged: only trusted ones dated up to now are evidence.
///
/// # Errors
/// [`StoreError`] when the store cannot be listed.
pub async fn records(store: &Store, vet: &crate::trust::Vetting) -> Result<Records, StoreError> {
    let read = crate::store::signed::read_records(
        store,
        DRILLS,
        crate::trust::Kind::Drill,
        &vet.trusted,
        |k| k.ends_with(".json"),
        |key, b| {
            let r: DrillRecord = serde_json::from_slice(b).map_err(|e| e.to_string())?;
            if r.key() != key {
                return Err(format!("it describes {} but is stored as {key}", r.key()));
            }
            if r.vault.as_deref() != store.vault() {
                return Err(crate::catalog::vault_mismatch(r.vault.as_deref()));
            }
            Ok(r)
        },
    )
    .await?;
    let mut out = Records {
        rejected: read.rejected,
        ..Records::default()
    };
    for (_, r, _) in read.good {
        if vet.is_future(&r.started_at) {
            out.future.push(r);
        } else {
            out.trusted.push(r);
        }
    }
    out.trusted.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Check function re-exported for callers that verify a database they unpacked themselves.
/// `mapping` is the `[database] mapping` the identifier checks read through.
pub fn checks_for(db: &Path, manifest: &catalog::Manifest, mapping: Option<&Path>) -> Vec<Check> {
    let mut v = check_database(db, manifest);
    let mapping = mapping
        .map(crate::mapping::Mapping::load)
        .transpose()
        .map_err(|e| e.to_string());
    v.extend(extra_checks(db, mapping));
    v
}
