//! Reading the equipment database for the rules: read-only, in short statements, streamed.
//!
//! The live system keeps writing while `check` reads. In rollback-journal
//! mode a reader's shared lock holds writers back until its statement ends,
//! so nothing here keeps one open for long: the change log is read in
//! ranges of [`CHUNK`] row ids, distinct equipment ids in pages, approvals
//! and activity with one small indexed statement per school (and month).
//! The price is that the run does not see one single committed state; for
//! rules that judge each row on its own that changes nothing that matters.
//!
//! Memory does not grow with the change or usage rows: rows are handed to a
//! callback one at a time, borrowed from SQLite's buffers, and activity is
//! asked per school and month with `EXISTS` on the reference schema's
//! indexes (`changes_school_occurred`, `usage_school_day`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row, params};

use super::PolicyError;
use super::approvals::{ApprovalRow, Approver};
use super::finding::{ChangeRef, DeletedEvidence};
use super::identifiers::VanishedEquipment;
use super::late::ChangeRow;
use super::month::Month;

/// Change-log rows per statement: a few milliseconds of reading each.
pub const CHUNK: i64 = 20_000;

/// Distinct equipment ids per statement when looking for deleted ones.
const ID_PAGE: i64 = 5_000;

/// A school, with the dates the rules need already read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    /// `school_id`.
    pub id: String,
    /// `name`.
    pub name: String,
    /// `status = 'inactive'`.
    pub inactive: bool,
    /// `status_changed_on`, when set and readable.
    pub status_changed_on: Option<NaiveDate>,
    /// The civil date of `created_at`, when readable.
    pub created_on: Option<NaiveDate>,
}

const SCHOOLS: &str =
    "SELECT school_id, name, status, status_changed_on, created_at FROM schools ORDER BY school_id";
const CHANGE_BOUNDS: &str = "SELECT min(change_id), max(change_id) FROM equipment_changes";
const CHANGES: &str = "SELECT change_id, equipment_id, school_id, kind, occurred_on, recorded_at, recorded_by \
     FROM equipment_changes WHERE change_id > ?1 AND change_id <= ?2";
const APPROVALS: &str = "SELECT a.period, a.approved_by, a.approved_at, \
     s.full_name, s.position, s.school_id, s.status, s.status_changed_on \
     FROM monthly_approvals a LEFT JOIN staff s ON s.staff_id = a.approved_by \
     WHERE a.school_id = ?1";
const ACTIVITY: &str = "SELECT EXISTS (SELECT 1 FROM equipment_changes \
       WHERE school_id = ?1 AND occurred_on >= ?2 AND occurred_on < ?3) \
     OR EXISTS (SELECT 1 FROM equipment_usage \
       WHERE school_id = ?1 AND used_on >= ?2 AND used_on < ?3)";
const ID_PAGE_SQL: &str = "SELECT d.equipment_id, \
       EXISTS (SELECT 1 FROM equipment e WHERE e.equipment_id = d.equipment_id) \
     FROM (SELECT DISTINCT equipment_id FROM equipment_changes \
       WHERE equipment_id > ?1 ORDER BY equipment_id LIMIT ?2) d";
const CHANGES_OF: &str = "SELECT change_id, school_id, kind, occurred_on, recorded_at \
     FROM equipment_changes WHERE equipment_id = ?1 ORDER BY occurred_on, change_id";

/// The equipment database, opened read-only.
pub struct Database {
    conn: Connection,
    path: PathBuf,
}

impl Database {
    /// Opens `path` read-only (never creating it) and checks that every
    /// table and column the rules read is there, before any rule runs.
    ///
    /// # Errors
    /// [`PolicyError::Snapshot`] for a missing or non-SQLite file,
    /// [`PolicyError::Schema`] naming a missing table or column.
    pub fn open(path: &Path, busy: Duration) -> Result<Database, PolicyError> {
        let conn = crate::snapshot::open_read_only(path, busy)?;
        let db = Database {
            conn,
            path: path.to_path_buf(),
        };
        for sql in [
            SCHOOLS,
            CHANGE_BOUNDS,
            CHANGES,
            APPROVALS,
            ACTIVITY,
            ID_PAGE_SQL,
            CHANGES_OF,
        ] {
            db.conn.prepare_cached(sql).map_err(|e| db.err(e))?;
        }
        Ok(db)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every school, staff and equipment identifier with its fingerprint, as
    /// the identifier ledger records them (one statement per table; memory
    /// grows with identifiers, never with change or usage rows).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn identifiers(&self) -> Result<Vec<crate::ledger::Ident>, PolicyError> {
        crate::ledger::read_identifiers(&self.conn).map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> PolicyError {
        let text = e.to_string();
        if text.contains("no such table") || text.contains("no such column") {
            PolicyError::Schema {
                path: self.path.clone(),
                detail: text,
            }
        } else {
            PolicyError::Sqlite {
                path: self.path.clone(),
                source: e,
            }
        }
    }

    /// Every school, by id. Dates that cannot be read are left `None` and
    /// described to `bad`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn schools(&self, bad: &mut dyn FnMut(String)) -> Result<Vec<School>, PolicyError> {
        let mut stmt = self.conn.prepare_cached(SCHOOLS).map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let id = lossy(row, 0);
            let date = |i: usize, what: &str, bad: &mut dyn FnMut(String)| -> Option<NaiveDate> {
                let text = opt_text(row, i)?;
                match crate::calendar::local_date(&text) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        bad(format!("schools ({id}).{what}: {e}"));
                        None
                    }
                }
            };
            let status_changed_on = date(3, "status_changed_on", bad);
            let created_on = date(4, "created_at", bad);
            let inactive = lossy(row, 2) == "inactive";
            if inactive && status_changed_on.is_none() {
                bad(format!(
                    "schools ({id}) is inactive without a readable status_changed_on: no approval or activity is judged for it"
                ));
            }
            out.push(School {
                name: lossy(row, 1),
                id,
                inactive,
                status_changed_on,
                created_on,
            });
        }
        Ok(out)
    }

    /// Hands every change-log row to `f`, in `change_id` order, reading
    /// [`CHUNK`] row ids per statement. A row with a non-text value where
    /// text is expected goes to `bad` instead. Returns the rows read.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn for_each_change(
        &self,
        f: &mut dyn FnMut(&ChangeRow<'_>),
        bad: &mut dyn FnMut(String),
    ) -> Result<u64, PolicyError> {
        let (lo, hi): (Option<i64>, Option<i64>) = self
            .conn
            .query_row(CHANGE_BOUNDS, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return Ok(0);
        };
        let mut stmt = self.conn.prepare_cached(CHANGES).map_err(|e| self.err(e))?;
        let mut seen = 0u64;
        let mut start = lo.saturating_sub(1);
        while start < hi {
            let end = start.saturating_add(CHUNK);
            let mut rows = stmt.query(params![start, end]).map_err(|e| self.err(e))?;
            while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                seen += 1;
                match change_row(row) {
                    Ok(c) => f(&c),
                    Err(why) => bad(why),
                }
            }
            start = end;
        }
        Ok(seen)
    }

    /// One school's approvals, each with the staff row of its approver.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn approvals(&self, school_id: &str) -> Result<Vec<ApprovalRow>, PolicyError> {
        let mut stmt = self
            .conn
            .prepare_cached(APPROVALS)
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([school_id], |row| {
                let approver = opt_text(row, 4).map(|position| Approver {
                    name: lossy(row, 3),
                    position,
                    school_id: lossy(row, 5),
                    status: lossy(row, 6),
                    status_changed_on: opt_text(row, 7)
                        .and_then(|t| crate::calendar::local_date(&t).ok()),
                });
                Ok(ApprovalRow {
                    period: lossy(row, 0),
                    approved_by: lossy(row, 1),
                    approved_at: lossy(row, 2),
                    approver,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Whether `school_id` has a change that occurred, or a use, in month `m`.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn has_activity(&self, school_id: &str, m: Month) -> Result<bool, PolicyError> {
        let from = m.first_day().format("%Y-%m-%d").to_string();
        let until = m.succ().first_day().format("%Y-%m-%d").to_string();
        let mut stmt = self
            .conn
            .prepare_cached(ACTIVITY)
            .map_err(|e| self.err(e))?;
        stmt.query_row(params![school_id, from, until], |r| r.get::<_, bool>(0))
            .map_err(|e| self.err(e))
    }

    /// Hands every equipment id that the change log names and `equipment`
    /// lacks to `f`, with the evidence of its change rows.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn for_each_vanished_equipment(
        &self,
        f: &mut dyn FnMut(VanishedEquipment),
    ) -> Result<(), PolicyError> {
        let mut after = String::new();
        loop {
            let mut page: Vec<(String, bool)> = Vec::new();
            {
                let mut stmt = self
                    .conn
                    .prepare_cached(ID_PAGE_SQL)
                    .map_err(|e| self.err(e))?;
                let mut rows = stmt
                    .query(params![after, ID_PAGE])
                    .map_err(|e| self.err(e))?;
                while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                    page.push((
                        lossy(row, 0),
                        row.get::<_, bool>(1).map_err(|e| self.err(e))?,
                    ));
                }
            }
            let Some((last, _)) = page.last() else {
                return Ok(());
            };
            after = last.clone();
            for (id, exists) in page {
                if !exists && let Some(v) = self.vanished(&id)? {
                    f(v);
                }
            }
        }
    }

    fn vanished(&self, equipment_id: &str) -> Result<Option<VanishedEquipment>, PolicyError> {
        let mut stmt = self
            .conn
            .prepare_cached(CHANGES_OF)
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([equipment_id]).map_err(|e| self.err(e))?;
        let mut ids = Vec::new();
        let mut count = 0u64;
        let mut last: Option<(String, ChangeRef)> = None;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let change_id: i64 = row.get(0).map_err(|e| self.err(e))?;
            count += 1;
            if ids.len() < DeletedEvidence::MAX_IDS {
                ids.push(change_id);
            }
            last = Some((
                lossy(row, 1),
                ChangeRef {
                    change_id,
                    kind: lossy(row, 2),
                    occurred_on: lossy(row, 3),
                    recorded_at: lossy(row, 4),
                },
            ));
        }
        Ok(last.map(|(school_id, last)| VanishedEquipment {
            equipment_id: equipment_id.to_string(),
            school_id,
            change_ids: ids,
            change_count: count,
            last,
        }))
    }
}

/// A column as text whatever its type (NULL as empty); only for names and
/// ids, never for values a rule judges.
fn lossy(row: &Row<'_>, i: usize) -> String {
    opt_text(row, i).unwrap_or_default()
}

fn opt_text(row: &Row<'_>, i: usize) -> Option<String> {
    match row.get_ref(i).ok()? {
        ValueRef::Null => None,
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(x) => Some(x.to_string()),
    }
}

/// A change row borrowed from SQLite, or why it cannot be judged.
fn change_row<'r>(row: &'r Row<'_>) -> Result<ChangeRow<'r>, String> {
    let change_id: i64 = row.get(0).map_err(|e| e.to_string())?;
    let text = |i: usize, name: &str| -> Result<&'r str, String> {
        match row.get_ref(i) {
            Ok(ValueRef::Text(t)) => std::str::from_utf8(t)
                .map_err(|_| format!("equipment_changes ({change_id}).{name}: not UTF-8")),
            Ok(ValueRef::Null) => Err(format!("equipment_changes ({change_id}).{name}: NULL")),
            Ok(_) => Err(format!("equipment_changes ({change_id}).{name}: not text")),
            Err(e) => Err(e.to_string()),
        }
    };
    Ok(ChangeRow {
        change_id,
        equipment_id: text(1, "equipment_id")?,
        school_id: text(2, "school_id")?,
        kind: text(3, "kind")?,
        occurred_on: text(4, "occurred_on")?,
        recorded_at: text(5, "recorded_at")?,
        recorded_by: text(6, "recorded_by").ok(),
    })
}
