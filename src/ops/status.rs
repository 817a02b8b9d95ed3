//! Status: the newest backup per store, how many stores hold it, the last drill; stale or not.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::OpsError;
use super::drill::{DrillRecord, Status};
use crate::lang::Msg;
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
    /// Records not believed (unsigned, forged, misplaced), in any store.
    pub untrusted: Vec<Untrusted>,
    /// Genuine snapshots dated in the future (a wrong clock): never `latest`.
    pub future: Vec<BackupRef>,
    /// Snapshots seen before and gone, with no prune by this host.
    pub vanished: Vec<Vanished>,
    /// Drill records seen before and gone from every store.
    pub vanished_drills: Vec<super::seen::SeenDrill>,
    /// Each problem in one line, in words the CLI says in the reader's
    /// language (`--json` has the English).
    pub problems: Vec<Msg>,
}

/// The id of the problem "store … cannot be read": the CLI says it on the
/// store's own line instead.
pub const UNREADABLE: &str = "status-problem-unreadable";

/// The id of the problem "a key not trusted", one per key: the CLI shows
/// the first few of a long list.
pub const UNTRUSTED: &str = "status-problem-untrusted";

/// Why a foreign name is not believed.
const FOREIGN: &str = "status-why-foreign";

/// A record that is not believed.
#[derive(Debug, Clone, Serialize)]
pub struct Untrusted {
    /// The store.
    pub store: String,
    /// Its key (escaped).
    pub key: String,
    /// Why it is not believed.
    pub why: String,
}

/// A snapshot gone from a store.
#[derive(Debug, Clone, Serialize)]
pub struct Vanished {
    /// The store.
    pub store: String,
    /// The snapshot.
    pub id: String,
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
    let vet = super::vetting(cfg, now)?;
    let sv = super::survey(cfg, &vet).await?;
    let mut stores = Vec::new();
    let mut drills: Vec<DrillRecord> = Vec::new();
    let mut untrusted = Vec::new();
    let mut future = Vec::new();
    let mut vanished = Vec::new();
    let mut problems = Vec::new();
    for (i, label) in sv.labels.iter().enumerate() {
        let Some(inv) = &sv.invs[i] else {
            stores.push(StoreStatus {
                url: label.clone(),
                reachable: false,
                error: sv.errors[i].as_ref().map(|e| e.to_string()),
                snapshots: 0,
                incomplete: 0,
                last_backup: None,
            });
            continue;
        };
        let store = sv.stores[i].as_ref().expect("listed stores are open");
        match super::drill::records(store, &vet).await {
            Ok(d) => drills.extend(d.trusted),
            Err(e) => tracing::warn!(store = %label, error = %e, "cannot read drill records"),
        }
        let mut bad: Vec<(String, String)> = inv
            .untrusted
            .iter()
            .chain(&inv.unreadable)
            .cloned()
            .chain(
                inv.foreign
                    .iter()
                    .map(|k| (k.clone(), Msg::new(FOREIGN).to_string())),
            )
            .collect();
        match super::untrusted_records(store, &vet).await {
            Ok(more) => bad.extend(more),
            Err(e) => tracing::warn!(store = %label, error = %e, "cannot read the store's records"),
        }
        untrusted.extend(bad.into_iter().map(|(key, why)| Untrusted {
            store: label.clone(),
            key,
            why,
        }));
        for (id, (m, _)) in &inv.future {
            future.push(BackupRef {
                id: id.to_string(),
                created_at: m.created_at,
                copies: 0,
            });
        }
        vanished.extend(sv.vanished[i].iter().map(|id| Vanished {
            store: label.clone(),
            id: id.to_string(),
        }));
        match &sv.markers[i] {
            Some(crate::store::MarkerState::Trusted(_)) | None => {}
            Some(crate::store::MarkerState::Missing) => {
                problems.push(Msg::new("status-problem-no-marker").arg("store", label));
            }
            Some(crate::store::MarkerState::Untrusted(why)) => problems.push(
                Msg::new("status-problem-marker-untrusted")
                    .arg("store", label)
                    .arg("why", why),
            ),
        }
        if store.lock().is_some() {
            match store.bucket_lock().await {
                Ok(Some(crate::store::BucketLock::Enabled)) => {}
                Ok(_) => {
                    problems.push(Msg::new("status-problem-no-object-lock").arg("store", label))
                }
                Err(e) => problems.push(
                    Msg::new("status-problem-lock-unknown")
                        .arg("store", label)
                        .arg("why", e),
                ),
            }
        }
        stores.push(StoreStatus {
            url: label.clone(),
            reachable: true,
            error: None,
            snapshots: inv.complete().count(),
            incomplete: inv.incomplete.len(),
            last_backup: None,
        });
    }
    let all = sv.snapshots();
    problems.extend(sv.identity_problems());
    // A snapshot the deletion guard marked, until someone acknowledges it.
    let acked = super::guard::acknowledged(&sv, &vet).await;
    for v in all
        .iter()
        .filter(|v| super::guard::unacknowledged(v, &acked))
    {
        let s = v.meta.suspect.as_ref().expect("suspect");
        problems.push(
            Msg::new("status-problem-suspect")
                .arg("id", &v.meta.id)
                .arg("previous", &s.previous)
                .arg("figures", crate::guard::figures(s)),
        );
    }
    let copies = |id: &crate::catalog::SnapshotId| {
        all.iter()
            .find(|v| v.meta.id == *id)
            .map_or(0, |v| v.stores.len())
    };
    // The newest snapshot must be in every store that answered, and on as
    // many independent media as the copy rule asks (a store "behind" is a
    // backup that silently stopped reaching it).
    if let Some(newest) = all.first() {
        for (i, label) in sv.labels.iter().enumerate() {
            // A store configured twice is named as such, not as behind.
            let alias = sv.same_as.get(i).is_some_and(Option::is_some);
            if sv.invs[i].is_some() && !alias && !newest.stores.contains(&i) {
                problems.push(
                    Msg::new("status-problem-behind")
                        .arg("store", label)
                        .arg("id", &newest.meta.id),
                );
            }
        }
        // As many as the rule asks, and the configured stores' media allow: a
        // set-up with too few stores is `check`'s and `doctor`'s finding
        // (backup_copies); here, what is configured must be reached.
        let configured: std::collections::BTreeSet<String> = cfg
            .stores
            .iter()
            .enumerate()
            .map(|(i, s)| crate::store::medium(s).unwrap_or_else(|| format!("store {i}")))
            .collect();
        let need = crate::policy::Policies::from_config(Some(cfg))
            .map(|p| p.rules.backup_copies.required_copies)
            .unwrap_or(2)
            .min(configured.len() as u32);
        let media: std::collections::BTreeSet<String> = newest
            .stores
            .iter()
            .map(|&i| {
                cfg.stores
                    .get(i)
                    .and_then(crate::store::medium)
                    .unwrap_or_else(|| format!("store {i}"))
            })
            .collect();
        if (media.len() as u32) < need {
            problems.push(
                Msg::new("status-problem-copies")
                    .arg("id", &newest.meta.id)
                    .arg("have", media.len())
                    .arg("need", need),
            );
        }
    }
    for (s, inv) in stores.iter_mut().zip(&sv.invs) {
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
    drills.dedup_by(|a, b| a.id == b.id);
    // A drill record seen before and gone from every store still counts: its
    // verdict survives its record (deleting a failed drill hides nothing).
    let complete = sv.invs.iter().all(Option::is_some);
    let vanished_drills = super::seen::observe_drills(&cfg.state_dir, &drills, complete)
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read or record the drill records seen");
            Vec::new()
        });
    let mut last: Vec<DrillRef> = drills.iter().map(DrillRef::from).collect();
    last.extend(vanished_drills.iter().map(|d| DrillRef {
        id: d.id.clone(),
        snapshot: d.snapshot.clone(),
        status: d.status,
        started_at: d.started_at,
        seconds: d.seconds,
    }));
    last.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    let last_drill = last.pop();
    let limit = max_age.before(now);
    let stale = last_backup
        .as_ref()
        .is_none_or(|b| b.created_at.with_timezone(&Utc) < limit);
    match &last_backup {
        None => problems.push(Msg::new("status-problem-no-snapshot")),
        Some(b) if stale => problems.push(
            Msg::new("status-problem-stale")
                .arg("id", &b.id)
                .arg("max_age", max_age),
        ),
        _ => {}
    }
    for s in &stores {
        if !s.reachable {
            problems.push(
                Msg::new(UNREADABLE)
                    .arg("store", &s.url)
                    .arg("why", s.error.as_deref().unwrap_or("")),
            );
        } else if s.snapshots == 0 {
            problems.push(Msg::new("status-problem-empty-store").arg("store", &s.url));
        }
    }
    if let Some(d) = &last_drill
        && d.status == Status::Failed
    {
        problems.push(Msg::new("status-problem-drill-failed").arg("drill", &d.id));
    }
    for f in &future {
        problems.push(
            Msg::new("status-problem-future")
                .arg("id", &f.id)
                .arg("when", f.created_at.to_rfc3339()),
        );
    }
    for v in &vanished {
        problems.push(
            Msg::new("status-problem-vanished")
                .arg("id", &v.id)
                .arg("store", &v.store),
        );
    }
    for d in &vanished_drills {
        problems.push(
            Msg::new("status-problem-drill-vanished")
                .arg("drill", &d.id)
                .arg_msg("status", super::drill::status_msg(d.status))
                .arg("snapshot", &d.snapshot),
        );
    }
    let foreign = Msg::new(FOREIGN).to_string();
    for u in &untrusted {
        let m = Msg::new(UNTRUSTED)
            .arg("key", &u.key)
            .arg("store", &u.store);
        problems.push(if u.why == foreign {
            m.arg_msg("why", Msg::new(FOREIGN))
        } else {
            m.arg("why", &u.why)
        });
    }
    Ok(StatusReport {
        last_backup,
        last_drill,
        stale,
        max_age,
        stores,
        untrusted,
        future,
        vanished,
        vanished_drills,
        problems,
    })
}

impl super::Outcome for StatusReport {
    /// A store that could not be listed: exit 2 (nothing can be said of it);
    /// any problem named, or a last drill that failed: exit 1.
    fn verdict(&self) -> super::Verdict {
        if self.unreachable() {
            super::Verdict::Failed
        } else {
            super::Verdict::found_if(!self.problems.is_empty() || self.last_drill_failed())
        }
    }
}

impl super::Vault {
    /// The newest backup, its copies, the last drill; stale or not (see [`status`]).
    ///
    /// # Errors
    /// As [`status`].
    /// `max_age` `None`: [`default_max_age`].
    pub async fn status(
        &self,
        max_age: Option<Span>,
        now: DateTime<Utc>,
    ) -> Result<StatusReport, OpsError> {
        let cfg = self.config()?;
        let max_age = max_age.unwrap_or_else(|| default_max_age(cfg, now));
        status(cfg, max_age, now).await
    }
}

/// The age past which the newest backup is news when none is given: twice
/// the scheduled backup's interval (a nightly backup that stopped two days
/// ago is news, not "OK"), never more than the regulation's three months
/// (Art. 12.1), and three months when no backup is scheduled.
pub fn default_max_age(cfg: &crate::config::Config, now: DateTime<Utc>) -> Span {
    let ceiling = Span::Months(3);
    let Ok(t) = crate::schedule::timetable::Timetable::new(&cfg.schedule) else {
        return ceiling;
    };
    // The longest gap between two runs around now (a weekday schedule's
    // weekend counts), not just the next one.
    let mut at = now - chrono::Duration::days(35);
    let end = now + chrono::Duration::days(35);
    let mut longest: Option<i64> = None;
    let mut prev: Option<DateTime<Utc>> = None;
    for _ in 0..2000 {
        let Some(next) = t.next_after("backup", at) else {
            break;
        };
        if let Some(p) = prev {
            longest = Some(longest.unwrap_or(0).max((next - p).num_seconds()));
        }
        if next > end {
            break;
        }
        prev = Some(next);
        at = next;
    }
    let Some(gap) = longest else {
        return ceiling;
    };
    let twice = gap.max(1) as u64 * 2;
    if twice < ceiling.approx_seconds() {
        Span::Seconds(twice)
    } else {
        ceiling
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(schedule: &str) -> crate::config::Config {
        crate::config::Config::from_text(
            std::path::Path::new("/tmp/eqvault.toml"),
            &format!(
                "[database]\npath = \"/tmp/x.db\"\n\n[[store]]\nurl = \"/tmp/s\"\n\n[encryption]\nrecipients = []\n\n[schedule]\ntimezone = \"Asia/Ho_Chi_Minh\"\n{schedule}\n"
            ),
        )
        .unwrap()
    }

    /// A weekday schedule's weekend is its longest gap: Friday's backup is
    /// not stale on Sunday (issue 31's default follows the schedule).
    #[test]
    fn the_default_max_age_takes_the_longest_gap_of_the_schedule() {
        let sunday = chrono::DateTime::parse_from_rfc3339("2026-12-06T10:00:00+07:00")
            .unwrap()
            .with_timezone(&Utc);
        let weekdays = default_max_age(&cfg("backup = { cron = \"0 30 1 * * Mon-Fri\" }"), sunday);
        assert_eq!(weekdays.approx_seconds(), 6 * 86_400);
        let nightly = default_max_age(&cfg("backup = { cron = \"0 30 1 * * *\" }"), sunday);
        assert_eq!(nightly.approx_seconds(), 2 * 86_400);
        let none = default_max_age(&cfg(""), sunday);
        assert_eq!(none.approx_seconds(), Span::Months(3).approx_seconds());
    }
}
