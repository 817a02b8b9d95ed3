//! Status: the newest backup per store, how many stores hold it, the last drill; stale or not.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::OpsError;
use super::drill::{DrillRecord, Status};
use crate::span::Span;

/// One store's view.
#[derive(Debug, Clone, Serialize)]
pub struct StoreStatus {
    /// The store.
    pub url: String,
    /// It could be listed.
    pub reachable: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Complete snapshots.
    pub snapshots: usize,
    /// Objects without metadata (interrupted uploads).
    pub incomplete: usize,
    /// Its newest complete snapshot.
    pub last_backup: Option<BackupRef>,
}

/// A snapshot reference.
#[derive(Debug, Clone, Serialize)]
pub struct BackupRef {
    /// The id.
    pub id: String,
    /// When.
    pub created_at: DateTime<FixedOffset>,
    /// How many stores hold it.
    pub copies: usize,
}

/// The last drill, briefly.
#[derive(Debug, Clone, Serialize)]
pub struct DrillRef {
    /// The drill.
    pub id: String,
    /// The snapshot drilled.
    pub snapshot: String,
    /// Its verdict.
    pub status: Status,
    /// When.
    pub started_at: DateTime<FixedOffset>,
    /// The measured restore time.
    pub seconds: f64,
}

impl From<&DrillRecord> for DrillRef {
    fn from(r: &DrillRecord) -> Self {
        DrillRef {
            id: r.id.clone(),
            snapshot: r.snapshot.clone(),
            status: r.status,
            started_at: r.started_at,
            seconds: r.seconds,
        }
    }
}

/// The whole status.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// The newest complete snapshot in any store.
    pub last_backup: Option<BackupRef>,
    /// The newest drill record in any store.
    pub last_drill: Option<DrillRef>,
    /// The newest backup is older than `max_age`, or there is none.
    pub stale: bool,
    /// The limit applied.
    pub max_age: Span,
    /// Per store.
    pub stores: Vec<StoreStatus>,
    /// Each problem in one line (English; the CLI adds Vietnamese).
    pub problems: Vec<String>,
}

impl StatusReport {
    /// A store could not be reached.
    pub fn unreachable(&self) -> bool {
        self.stores.iter().any(|s| !s.reachable)
    }

    /// The newest drill failed: the backups may not restore (`status` exits 1).
    pub fn last_drill_failed(&self) -> bool {
        self.last_drill
            .as_ref()
            .is_some_and(|d| d.status == Status::Failed)
    }
}

/// Computes the status at `now`.
///
/// # Errors
/// [`OpsError::NoStore`] when no store is configured; unreachable stores are reported, not errors.
pub async fn status(
    cfg: &crate::Config,
    max_age: Span,
    now: DateTime<Utc>,
) -> Result<StatusReport, OpsError> {
    let mut invs = Vec::new();
    let mut stores = Vec::new();
    let mut drills: Vec<DrillRecord> = Vec::new();
    for (label, r) in super::open_stores(cfg)? {
        let listed = match r {
            Ok(s) => match super::inventory(&s).await {
                Ok(inv) => {
                    match super::drill::records(&s).await {
                        Ok(d) => drills.extend(d),
                        Err(e) => {
                            tracing::warn!(store = %label, error = %e, "cannot read drill records")
                        }
                    }
                    Ok(inv)
                }
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        match listed {
            Ok(inv) => {
                stores.push(StoreStatus {
                    url: label,
                    reachable: true,
                    error: None,
                    snapshots: inv.complete().count(),
                    incomplete: inv.incomplete.len(),
                    last_backup: None,
                });
                invs.push(Some(inv));
            }
            Err(e) => {
                stores.push(StoreStatus {
                    url: label,
                    reachable: false,
                    error: Some(e),
                    snapshots: 0,
                    incomplete: 0,
                    last_backup: None,
                });
                invs.push(None);
            }
        }
    }
    let all = super::merged(&invs);
    let copies = |id: &crate::catalog::SnapshotId| {
        all.iter()
            .find(|v| v.meta.id == *id)
            .map_or(0, |v| v.stores.len())
    };
    for (s, inv) in stores.iter_mut().zip(&invs) {
        if let Some(m) = inv
            .as_ref()
            .and_then(|i| i.complete().max_by(|a, b| a.id.cmp(&b.id)))
        {
            s.last_backup = Some(BackupRef {
                id: m.id.to_string(),
                created_at: m.created_at,
                copies: copies(&m.id),
            });
        }
    }
    let last_backup = all.first().map(|v| BackupRef {
        id: v.meta.id.to_string(),
        created_at: v.meta.created_at,
        copies: v.stores.len(),
    });
    // By when each started: ids of the same second sort by their random suffix.
    drills.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    let last_drill = drills.last().map(DrillRef::from);
    let limit = max_age.before(now);
    let stale = last_backup
        .as_ref()
        .is_none_or(|b| b.created_at.with_timezone(&Utc) < limit);
    let mut problems = Vec::new();
    match &last_backup {
        None => problems.push("no complete snapshot in any store".to_string()),
        Some(b) if stale => problems.push(format!(
            "the newest snapshot {} is older than {max_age}",
            b.id
        )),
        _ => {}
    }
    for s in &stores {
        if !s.reachable {
            problems.push(format!(
                "store {} is unreachable: {}",
                s.url,
                s.error.as_deref().unwrap_or("")
            ));
        } else if s.snapshots == 0 {
            problems.push(format!("store {} holds no complete snapshot", s.url));
        }
    }
    if let Some(d) = &last_drill
        && d.status == Status::Failed
    {
        problems.push(format!("the last restore drill {} failed", d.id));
    }
    Ok(StatusReport {
        last_backup,
        last_drill,
        stale,
        max_age,
        stores,
        problems,
    })
}
