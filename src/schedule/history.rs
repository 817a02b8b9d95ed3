//! The job history: one row per run in the `job_runs` table of the local catalog
//! (`state/catalog.db`). Other rooms may keep their own tables in the same file.
//!
//! A row is written when a job starts (`running`) and completed when it ends, so a
//! process that died mid-job leaves a `running` row whose pid is gone: it reads as
//! `interrupted`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use super::ScheduleError;
use super::timetable::Trigger;

/// The catalog file under the state folder.
pub const CATALOG: &str = "catalog.db";

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// Started, not ended yet.
    Running,
    /// Did its work and found nothing wrong.
    Ok,
    /// Did its work and found something to look at (a slow drill, check violations).
    Warning,
    /// Could not do its work, or found a failed verification or drill.
    Failed,
    /// eqvault stopped (or died) before the job ended; nothing of it was committed.
    Interrupted,
    /// Was due, but eqvault stopped before it could start; the next start catches it up.
    Skipped,
    /// Another process was running the same job.
    AlreadyRunning,
}

impl RunStatus {
    /// As stored and printed: `ok`, `failed`, `already-running`, …
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Warning => "warning",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Skipped => "skipped",
            RunStatus::AlreadyRunning => "already-running",
        }
    }

    fn parse(s: &str) -> RunStatus {
        match s {
            "running" => RunStatus::Running,
            "ok" => RunStatus::Ok,
            "warning" => RunStatus::Warning,
            "failed" => RunStatus::Failed,
            "skipped" => RunStatus::Skipped,
            "already-running" => RunStatus::AlreadyRunning,
            _ => RunStatus::Interrupted,
        }
    }
}

/// One row of `job_runs`.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// The row id.
    pub id: i64,
    /// The job.
    pub job: String,
    /// `schedule`, `catch-up` or `manual`.
    pub trigger: String,
    /// The cron time it stood for.
    pub scheduled_for: Option<DateTime<Utc>>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// How it ended.
    pub status: RunStatus,
    /// What it did, in one line.
    pub summary: Option<String>,
    /// Why it failed, in one line.
    pub error: Option<String>,
    /// The process that ran it.
    pub pid: u32,
}

/// The job history.
#[derive(Debug)]
pub struct History {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS job_runs (
    id            INTEGER PRIMARY KEY,
    job           TEXT NOT NULL,
    trigger       TEXT NOT NULL,
    scheduled_for TEXT,
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    status        TEXT NOT NULL,
    summary       TEXT,
    error         TEXT,
    pid           INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS job_runs_by_job ON job_runs (job, id);
";

/// RFC 3339 in UTC with microseconds: sorts as text.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn alive(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

const COLUMNS: &str =
    "id, job, trigger, scheduled_for, started_at, ended_at, status, summary, error, pid";

/// A row of [`COLUMNS`]; a `running` row whose process is gone reads as `interrupted`.
fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let pid: u32 = r.get(9)?;
    let mut status = RunStatus::parse(&r.get::<_, String>(6)?);
    if status == RunStatus::Running && !alive(pid) {
        status = RunStatus::Interrupted;
    }
    Ok(RunRecord {
        id: r.get(0)?,
        job: r.get(1)?,
        trigger: r.get(2)?,
        scheduled_for: r.get::<_, Option<String>>(3)?.as_deref().and_then(parse_ts),
        started_at: parse_ts(&r.get::<_, String>(4)?).unwrap_or_default(),
        ended_at: r.get::<_, Option<String>>(5)?.as_deref().and_then(parse_ts),
        status,
        summary: r.get(7)?,
        error: r.get(8)?,
        pid,
    })
}

impl History {
    fn connect(path: PathBuf, flags: OpenFlags) -> Result<History, ScheduleError> {
        match Connection::open_with_flags(&path, flags) {
            Ok(conn) => {
                let h = History { conn, path };
                h.conn
                    .busy_timeout(Duration::from_secs(10))
                    .map_err(|e| h.err(e))?;
                Ok(h)
            }
            Err(source) => Err(ScheduleError::History { path, source }),
        }
    }

    /// Opens (creating when needed) the history in `state_dir`.
    ///
    /// # Errors
    /// [`ScheduleError::History`] when the catalog cannot be opened or written.
    pub fn open(state_dir: &Path) -> Result<History, ScheduleError> {
        if !state_dir.is_dir() {
            crate::scratch::create_private_dir(state_dir)?;
        }
        let h = Self::connect(state_dir.join(CATALOG), OpenFlags::default())?;
        h.conn.execute_batch(SCHEMA).map_err(|e| h.err(e))?;
        Ok(h)
    }

    /// Opens the history read-only; `None` when there is none yet. Reads nothing into being.
    ///
    /// # Errors
    /// [`ScheduleError::History`] when the catalog exists but cannot be read.
    pub fn open_read_only(state_dir: &Path) -> Result<Option<History>, ScheduleError> {
        let path = state_dir.join(CATALOG);
        if !path.is_file() {
            return Ok(None);
        }
        let h = Self::connect(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let has_table: bool = h
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'job_runs'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| h.err(e))?;
        Ok(has_table.then_some(h))
    }

    fn err(&self, source: rusqlite::Error) -> ScheduleError {
        ScheduleError::History {
            path: self.path.clone(),
            source,
        }
    }

    /// Records a run that starts now; returns its row id.
    ///
    /// # Errors
    /// [`ScheduleError::History`].
    pub fn begin(
        &self,
        job: &str,
        trigger: Trigger,
        scheduled_for: Option<DateTime<Utc>>,
        started_at: DateTime<Utc>,
    ) -> Result<i64, ScheduleError> {
        self.conn
            .execute(
                "INSERT INTO job_runs (job, trigger, scheduled_for, started_at, status, pid)
                 VALUES (?1, ?2, ?3, ?4, 'running', ?5)",
                params![
                    job,
                    trigger.as_str(),
                    scheduled_for.map(ts),
                    ts(started_at),
                    std::process::id()
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Completes the run `id`.
    ///
    /// # Errors
    /// [`ScheduleError::History`].
    pub fn finish(
        &self,
        id: i64,
        ended_at: DateTime<Utc>,
        status: RunStatus,
        summary: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), ScheduleError> {
        self.conn
            .execute(
                "UPDATE job_runs SET ended_at = ?2, status = ?3, summary = ?4, error = ?5 WHERE id = ?1",
                params![id, ts(ended_at), status.as_str(), summary, error],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records a run that did not start (`already-running`, `skipped`) in one row.
    ///
    /// # Errors
    /// [`ScheduleError::History`].
    pub fn record_not_run(
        &self,
        job: &str,
        trigger: Trigger,
        scheduled_for: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
        status: RunStatus,
        why: &str,
    ) -> Result<(), ScheduleError> {
        let id = self.begin(job, trigger, scheduled_for, at)?;
        self.finish(id, at, status, None, Some(why))
    }

    /// Marks `running` rows whose process is gone as `interrupted`.
    ///
    /// # Errors
    /// [`ScheduleError::History`].
    pub fn settle_dead(&self) -> Result<usize, ScheduleError> {
        let mut st = self
            .conn
            .prepare("SELECT id, pid FROM job_runs WHERE status = 'running'")
            .map_err(|e| self.err(e))?;
        let rows: Vec<(i64, u32)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        let mut n = 0;
        for (id, _) in rows.into_iter().filter(|(_, pid)| !alive(*pid)) {
            self.conn
                .execute(
                    "UPDATE job_runs SET status = 'interrupted',
                     error = 'eqvault stopped before the job ended (crash, kill or power cut)'
                     WHERE id = ?1 AND status = 'running'",
                    [id],
                )
                .map_err(|e| self.err(e))?;
            n += 1;
        }
        Ok(n)
    }

    /// The newest run of `job`.
    ///
    /// # Errors
    /// [`ScheduleError::History`].
    pub fn last(&self, job: &str) -> Result<Option<RunRecord>, ScheduleError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM job_runs WHERE job = ?1 ORDER BY id DESC LIMIT 1"),
                [job],
                record,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The newest `n` runs (of `job`, or of every job), oldest first: `schedule history`.
    ///
    /// # Errors
    /// [`ScheduleError::History`].
    pub fn recent(&self, job: Option<&str>, n: usize) -> Result<Vec<RunRecord>, ScheduleError> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM job_runs WHERE ?1 IS NULL OR job = ?1 ORDER BY id DESC LIMIT ?2"
            ))
            .map_err(|e| self.err(e))?;
        let mut v: Vec<RunRecord> = st
            .query_map(params![job, n], record)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        v.reverse();
        Ok(v)
    }

    /// Every job's last start, for catch-up. `skipped` rows are not runs.
    ///
    /// # Errors
    /// [`ScheduleError::History`].
    pub fn last_starts(&self) -> Result<HashMap<String, DateTime<Utc>>, ScheduleError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT job, max(started_at) FROM job_runs WHERE status != 'skipped' GROUP BY job",
            )
            .map_err(|e| self.err(e))?;
        let rows: Vec<(String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(j, t)| parse_ts(&t).map(|t| (j, t)))
            .collect())
    }

    /// Every run of `job`, oldest first.
    ///
    /// # Errors
    /// [`ScheduleError::History`].
    pub fn runs(&self, job: &str) -> Result<Vec<RunStatus>, ScheduleError> {
        let mut st = self
            .conn
            .prepare("SELECT status FROM job_runs WHERE job = ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        st.query_map([job], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.map(|s| s.map(|s| RunStatus::parse(&s))).collect())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_recorded_and_read_back_and_skipped_rows_are_not_last_starts() {
        let dir = tempfile::tempdir().unwrap();
        let h = History::open(dir.path()).unwrap();
        let t0 = Utc::now();
        let id = h.begin("backup", Trigger::Manual, None, t0).unwrap();
        assert_eq!(
            h.last("backup").unwrap().unwrap().status,
            RunStatus::Running
        );
        h.finish(
            id,
            t0,
            RunStatus::Failed,
            None,
            Some("the database is missing"),
        )
        .unwrap();
        let later = t0 + chrono::Duration::hours(1);
        h.record_not_run(
            "backup",
            Trigger::Schedule,
            None,
            later,
            RunStatus::Skipped,
            "stopping",
        )
        .unwrap();
        let last = h.last("backup").unwrap().unwrap();
        assert_eq!(last.status, RunStatus::Skipped);
        let starts = h.last_starts().unwrap();
        assert_eq!(
            starts["backup"].timestamp_micros(),
            t0.timestamp_micros(),
            "skipped rows do not count as runs"
        );
        assert_eq!(
            h.runs("backup").unwrap(),
            [RunStatus::Failed, RunStatus::Skipped]
        );
        h.record_not_run(
            "drill",
            Trigger::Manual,
            None,
            later,
            RunStatus::AlreadyRunning,
            "busy",
        )
        .unwrap();
        let all: Vec<_> = h
            .recent(None, 10)
            .unwrap()
            .into_iter()
            .map(|r| (r.job, r.status))
            .collect();
        assert_eq!(
            all,
            [
                ("backup".to_string(), RunStatus::Failed),
                ("backup".to_string(), RunStatus::Skipped),
                ("drill".to_string(), RunStatus::AlreadyRunning)
            ],
            "oldest first"
        );
        let last_backup = h.recent(Some("backup"), 1).unwrap();
        assert_eq!(last_backup.len(), 1);
        assert_eq!(last_backup[0].status, RunStatus::Skipped);
        // Read-only opening sees the same and creates nothing new.
        let ro = History::open_read_only(dir.path()).unwrap().unwrap();
        assert_eq!(
            ro.last("backup").unwrap().unwrap().status,
            RunStatus::Skipped
        );
        assert!(
            History::open_read_only(&dir.path().join("none"))
                .unwrap()
                .is_none()
        );
    }
}
