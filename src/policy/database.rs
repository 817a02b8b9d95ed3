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

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row, params};

use super::approvals::{ApprovalRow, Approver};
use super::finding::{ChangeRef, DeletedEvidence};
use super::identifiers::VanishedEquipment;
use super::late::ChangeRow;
use super::quality::Issue;
use super::{PolicyError, Rule};
use crate::calendar::LocalDay;
use crate::calendar::Month;
use crate::mapping::Mapping;

/// The rules a school's own dates decide.
pub const SCHOOL_RULES: &[Rule] = &[
    Rule::MissingApproval,
    Rule::LateApproval,
    Rule::ApprovalNotByPrincipal,
    Rule::NoMonthlyUpdate,
];

/// Change-log rows per statement: a few milliseconds of reading each.
pub const CHUNK: i64 = 20_000;

/// Distinct equipment ids per statement when looking for deleted ones.
const ID_PAGE: i64 = 5_000;

/// A school, with the dates the rules need already read.
///
/// How the reference schema tells a school's life: `status = 'inactive'`
/// with `status_changed_on` the day it closed; a school that closed and
/// reopened is `active` again, with `status_changed_on` the day it reopened.
/// When it had closed is read from its own records ([`Database::schools`]):
/// the day after its last change, use or approved month before reopening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    /// `school_id`.
    pub id: String,
    /// `name`.
    pub name: String,
    /// `status = 'inactive'`.
    pub inactive: bool,
    /// `status_changed_on`, when set and readable: the day it closed
    /// (inactive) or reopened (active). Without a UTC offset, the day that
    /// owes least (the earliest closing, the latest reopening).
    pub status_changed_on: Option<NaiveDate>,
    /// The civil date of `created_at`, when readable; without a UTC offset,
    /// the latest day it can be (the one that owes least).
    pub created_on: Option<NaiveDate>,
    /// A reopened school: the first and last day it was closed.
    pub closed: Option<(NaiveDate, NaiveDate)>,
    /// `created_at` without an offset: the earliest day it can be, when it
    /// differs from `created_on`.
    pub created_strict: Option<NaiveDate>,
    /// `status_changed_on` without an offset: the day that owes most, when
    /// it differs.
    pub changed_strict: Option<NaiveDate>,
}

impl School {
    /// An open school created on `created_on`.
    pub fn new(id: &str, name: &str, created_on: Option<NaiveDate>) -> School {
        School {
            id: id.to_string(),
            name: name.to_string(),
            inactive: false,
            status_changed_on: None,
            created_on,
            closed: None,
            created_strict: None,
            changed_strict: None,
        }
    }

    /// Whether the school was open on some day of `m` (not closed all month).
    pub fn open_in(&self, m: Month) -> bool {
        self.closed
            .is_none_or(|(from, to)| m.first_day() < from || m.last_day() > to)
    }

    /// Whether the school was open on every day of `m` as far as a reopening
    /// goes (creation and closing are the rules' to weigh).
    pub fn open_all_of(&self, m: Month) -> bool {
        self.closed
            .is_none_or(|(from, to)| m.last_day() < from || m.first_day() > to)
    }

    /// The school as the rules judge it, and, when a date without a UTC
    /// offset could be another day, the school as it would owe most: a
    /// finding is made when both agree, a `data_quality` issue when not.
    pub fn variants(&self) -> (School, Option<School>) {
        let lenient = School {
            created_strict: None,
            changed_strict: None,
            ..self.clone()
        };
        if self.created_strict.is_none() && self.changed_strict.is_none() {
            return (lenient, None);
        }
        let strict = School {
            created_on: self.created_strict.or(self.created_on),
            status_changed_on: self.changed_strict.or(self.status_changed_on),
            ..lenient.clone()
        };
        (lenient, Some(strict))
    }
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
/// Change rows of a code that name another school than the item carrying it now.
const REUSED: &str = "SELECT c.equipment_id, e.school_id, c.school_id, c.change_id, c.kind, \
       c.occurred_on, c.recorded_at \
     FROM equipment_changes c JOIN equipment e ON e.equipment_id = c.equipment_id \
     WHERE c.school_id <> e.school_id \
       AND NOT EXISTS (SELECT 1 FROM equipment_changes r WHERE r.equipment_id = c.equipment_id \
                       AND r.school_id = e.school_id AND r.kind IN ('relocated', 'corrected')) \
     ORDER BY c.equipment_id, c.occurred_on, c.change_id";
/// Whether the change log explains an item at `school`: moved or corrected there.
const MOVED_TO: &str = "SELECT EXISTS (SELECT 1 FROM equipment_changes WHERE equipment_id = ?1 \
       AND school_id = ?2 AND kind IN ('relocated', 'corrected'))";
const LAST_CHANGE: &str = "SELECT max(occurred_on) FROM equipment_changes \
     WHERE school_id = ?1 AND occurred_on < ?2";
const LAST_USE: &str = "SELECT max(used_on) FROM equipment_usage \
     WHERE school_id = ?1 AND used_on < ?2";
const LAST_APPROVED: &str = "SELECT max(period) FROM monthly_approvals \
     WHERE school_id = ?1 AND period < ?2";
// Values that start like an ISO date only, so that one odd value does not
// hide the first real one; the indexes keep each lookup short.
const FIRST_CHANGE: &str = "SELECT min(occurred_on) FROM equipment_changes \
     WHERE school_id = ?1 AND occurred_on GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]*'";
const FIRST_USE: &str = "SELECT min(used_on) FROM equipment_usage \
     WHERE school_id = ?1 AND used_on GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]*'";
const FIRST_APPROVED: &str = "SELECT min(period) FROM monthly_approvals \
     WHERE school_id = ?1 AND period GLOB '[12][0-9][0-9][0-9]-[01][0-9]'";

/// The equipment database, opened read-only.
pub struct Database {
    conn: Connection,
    path: PathBuf,
    busy: Duration,
    mapping: Option<Mapping>,
    /// Through a mapping only: the days of changes per school, read once.
    change_days: OnceCell<DaySets>,
    /// Through a mapping only: the days of uses per school, read once.
    use_days: OnceCell<DaySets>,
    /// The read of `use_days` under way in the background ([`Database::read_uses_ahead`]).
    uses_ahead: RefCell<Option<UsesAhead>>,
}

/// The distinct `occurred_on` (or `used_on`) text values of each school,
/// read in one pass (in short statements of [`CHUNK`] row ids).
///
/// Why: a mapping computes dates (`dd/mm/yyyy` → ISO in SQL), so a date
/// condition cannot use the office's indexes and every per-school, per-month
/// `EXISTS`, `min` or `max` would scan the school's rows again. These sets
/// answer the same questions in SQLite's text order (byte order), over text
/// values only, as the statements do: a number sorts below, and a blob
/// above, every text bound (a blob that GLOBs as a date is the one value
/// the statements would see and these sets do not).
///
/// Reading them means SQLite computes the mapped date of every change and
/// usage row (9.4 million usage rows in the 1 GB demo, seconds of CPU), so
/// they are read on every core ([`read_day_sets`]): each reader has its own
/// connection through the mapping and takes the next [`CHUNK`] of row ids
/// from a shared cursor. The uses, by far the larger part, can be read in
/// the background while the rules read the change log
/// ([`Database::read_uses_ahead`]).
type DaySets = HashMap<String, BTreeSet<String>>;

/// Adds the days another reader read to `mine`.
fn merge_days(mine: &mut DaySets, theirs: DaySets) {
    for (school, set) in theirs {
        match mine.get_mut(&school) {
            Some(s) => s.extend(set),
            None => {
                mine.insert(school, set);
            }
        }
    }
}

/// At most this many connections read one [`DaySets`] at once (one per core up to it).
const DAY_READERS: usize = 4;

const CHANGE_DAYS: &str = "SELECT school_id, occurred_on FROM equipment_changes \
     WHERE change_id > ?1 AND change_id <= ?2";
const CHANGE_NEXT: &str = "SELECT min(change_id) FROM equipment_changes WHERE change_id > ?1";
const USAGE_DAYS: &str = "SELECT school_id, used_on FROM equipment_usage \
     WHERE usage_id > ?1 AND usage_id <= ?2";
const USAGE_NEXT: &str = "SELECT min(usage_id) FROM equipment_usage WHERE usage_id > ?1";

/// The change days: (rows of a chunk, first id after).
const CHANGE_DAY_PASS: (&str, &str) = (CHANGE_DAYS, CHANGE_NEXT);
/// The use days: (rows of a chunk, first id after).
const USE_DAY_PASS: (&str, &str) = (USAGE_DAYS, USAGE_NEXT);

/// The shared cursor of the day readers: the last id handed out.
struct DayCursor {
    after: i64,
    /// Every id is handed out.
    done: bool,
}

/// The use days being read on other threads; dropping the [`Database`] stops the read.
struct UsesAhead {
    handle: std::thread::JoinHandle<Result<DaySets, PolicyError>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Database {
    /// A read ahead nobody waited for (an error, or no rule asked) stops at its next chunk.
    fn drop(&mut self) {
        if let Some(a) = self.uses_ahead.get_mut().take() {
            a.stop.store(true, Ordering::Relaxed);
            let _ = a.handle.join();
        }
    }
}

impl UsesAhead {
    /// Waits for the days.
    fn join(self) -> Result<DaySets, PolicyError> {
        // A reader that panicked is a bug: its panic goes on up.
        self.handle
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    }
}

/// Whether `t` matches `GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]*'`.
fn starts_iso_day(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 10
        && matches!(b[0], b'1' | b'2')
        && b[1..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && matches!(b[5], b'0' | b'1')
        && b[6].is_ascii_digit()
        && b[7] == b'-'
        && matches!(b[8], b'0'..=b'3')
        && b[9].is_ascii_digit()
}

impl Database {
    /// Opens `path` read-only (never creating it), through `mapping` when
    /// given, and checks that every table and column the rules read is
    /// there, before any rule runs.
    ///
    /// # Errors
    /// [`PolicyError::Mapping`] for a missing or non-SQLite file or a mapping that does not apply,
    /// [`PolicyError::Schema`] naming a missing table or column.
    pub fn open(
        path: &Path,
        busy: Duration,
        mapping: Option<&Mapping>,
    ) -> Result<Database, PolicyError> {
        let conn = crate::mapping::open_read_only(path, busy, mapping)?;
        let db = Database {
            conn,
            path: path.to_path_buf(),
            busy,
            mapping: mapping.cloned(),
            change_days: OnceCell::new(),
            use_days: OnceCell::new(),
            uses_ahead: RefCell::new(None),
        };
        for sql in [
            SCHOOLS,
            CHANGE_BOUNDS,
            CHANGES,
            APPROVALS,
            ACTIVITY,
            ID_PAGE_SQL,
            CHANGES_OF,
            LAST_CHANGE,
            LAST_USE,
            LAST_APPROVED,
            FIRST_CHANGE,
            FIRST_USE,
            FIRST_APPROVED,
            // Read through a mapping by other connections, the uses in the
            // background: a column they lack fails here, before any finding.
            CHANGE_DAYS,
            CHANGE_NEXT,
            USAGE_DAYS,
            USAGE_NEXT,
        ] {
            db.conn.prepare_cached(sql).map_err(|e| db.err(e))?;
        }
        Ok(db)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The change days of [`DaySets`], read on first use; `None` without a
    /// mapping (the reference schema's indexes answer each question directly).
    fn change_days(&self) -> Result<Option<&DaySets>, PolicyError> {
        let Some(mapping) = &self.mapping else {
            return Ok(None);
        };
        if let Some(d) = self.change_days.get() {
            return Ok(Some(d));
        }
        let d = read_day_sets(&self.path, self.busy, mapping, CHANGE_DAY_PASS, None)?;
        Ok(Some(self.change_days.get_or_init(|| d)))
    }

    /// The use days of [`DaySets`]: those read ahead, or read now; `None` without a mapping.
    fn use_days(&self) -> Result<Option<&DaySets>, PolicyError> {
        let Some(mapping) = &self.mapping else {
            return Ok(None);
        };
        if let Some(d) = self.use_days.get() {
            return Ok(Some(d));
        }
        let ahead = self.uses_ahead.borrow_mut().take();
        let d = match ahead {
            Some(a) => a.join()?,
            None => read_day_sets(&self.path, self.busy, mapping, USE_DAY_PASS, None)?,
        };
        Ok(Some(self.use_days.get_or_init(|| d)))
    }

    /// Through a mapping, starts reading the days of uses on other threads
    /// (their own connections), so that the rules can read the change log
    /// meanwhile; the first question about uses waits for them. Without a
    /// mapping, or once started, nothing.
    pub fn read_uses_ahead(&self) {
        let Some(mapping) = &self.mapping else {
            return;
        };
        let mut ahead = self.uses_ahead.borrow_mut();
        if self.use_days.get().is_some() || ahead.is_some() {
            return;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (path, busy, mapping, halt) = (
            self.path.clone(),
            self.busy,
            mapping.clone(),
            Arc::clone(&stop),
        );
        let handle = std::thread::spawn(move || {
            read_day_sets(&path, busy, &mapping, USE_DAY_PASS, Some(&halt))
        });
        *ahead = Some(UsesAhead { handle, stop });
    }

    /// Whether the answers about uses are at hand without waiting: always
    /// without a mapping, through one once the uses are read.
    pub fn uses_known(&self) -> bool {
        self.mapping.is_none() || self.use_days.get().is_some()
    }

    /// Every school, staff and equipment identifier with its fingerprint, as
    /// the identifier ledger records them (one statement per table; memory
    /// grows with identifiers, never with change or usage rows).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn identifiers(&self) -> Result<crate::ledger::Identifiers, PolicyError> {
        crate::ledger::read_identifiers(&self.conn).map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> PolicyError {
        sql_error(&self.path, self.mapping.as_ref(), e)
    }

    /// Every school, by id. Dates that cannot be read are left `None` and
    /// described to `issue`. A reopened school (`active` with a
    /// `status_changed_on` after its creation) gets the days it was closed:
    /// from the day after its last change, use or approved month before the
    /// reopening (or its creation, when it has none) to the day before.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn schools(&self, issue: &mut dyn FnMut(Issue)) -> Result<Vec<School>, PolicyError> {
        let mut out = Vec::new();
        {
            let mut stmt = self.conn.prepare_cached(SCHOOLS).map_err(|e| self.err(e))?;
            let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
            while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                let id = lossy(row, 0);
                let inactive = lossy(row, 2) == "inactive";
                let mut date = |i: usize, column: &'static str| -> Option<LocalDay> {
                    let text = opt_text(row, i)?;
                    match crate::calendar::local_day(&text) {
                        Ok(d) => Some(d),
                        Err(e) => {
                            issue(
                                Issue::unreadable(
                                    "schools",
                                    id.clone(),
                                    Some(column),
                                    Some(text),
                                    SCHOOL_RULES,
                                    e.to_string(),
                                )
                                .school(&id),
                            );
                            None
                        }
                    }
                };
                let changed = date(3, "status_changed_on");
                let created = date(4, "created_at");
                if inactive && changed.is_none() {
                    issue(
                        Issue::unreadable(
                            "schools",
                            id.clone(),
                            Some("status_changed_on"),
                            None,
                            SCHOOL_RULES,
                            "the school is inactive without a readable status_changed_on: no approval or activity is judged for it",
                        )
                        .school(&id),
                    );
                }
                let mut school = School::new(&id, &lossy(row, 1), created.map(LocalDay::latest));
                school.inactive = inactive;
                school.created_strict = created.filter(|d| d.is_unsure()).map(LocalDay::earliest);
                school.status_changed_on =
                    changed.map(|d| if inactive { d.earliest() } else { d.latest() });
                school.changed_strict = changed
                    .filter(|d| inactive && d.is_unsure())
                    .map(LocalDay::latest);
                out.push(school);
            }
        }
        for school in &mut out {
            if let (false, Some(reopened), Some(created)) =
                (school.inactive, school.status_changed_on, school.created_on)
                && reopened > created
            {
                let last = self.last_record_before(&school.id, reopened)?;
                let from = last
                    .and_then(|d| d.succ_opt())
                    .unwrap_or(created)
                    .max(created);
                if let Some(to) = reopened.pred_opt()
                    && from <= to
                {
                    school.closed = Some((from, to));
                }
            }
        }
        Ok(out)
    }

    /// The last day before `before` on which `school_id` shows a sign of
    /// life: a change that occurred, a use, or the last day of a month it
    /// approved.
    fn last_record_before(
        &self,
        school_id: &str,
        before: NaiveDate,
    ) -> Result<Option<NaiveDate>, PolicyError> {
        let day = before.format("%Y-%m-%d").to_string();
        let month = Month::of(before).to_string();
        let mut last: Option<NaiveDate> = None;
        if let (Some(changes), Some(uses)) = (self.change_days()?, self.use_days()?) {
            for set in [changes, uses] {
                let found = set
                    .get(school_id)
                    .and_then(|s| {
                        s.range::<str, _>((
                            std::ops::Bound::Unbounded,
                            std::ops::Bound::Excluded(day.as_str()),
                        ))
                        .next_back()
                    })
                    .and_then(|t| crate::calendar::local_day(t).ok().map(LocalDay::latest));
                last = last.max(found.filter(|d| *d < before));
            }
        }
        let mapped = self.mapping.is_some();
        for (sql, bound) in [
            (LAST_CHANGE, &day),
            (LAST_USE, &day),
            (LAST_APPROVED, &month),
        ] {
            if mapped && sql != LAST_APPROVED {
                continue;
            }
            let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
            let text: Option<String> = stmt
                .query_row(params![school_id, bound], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            let found = text.and_then(|t| {
                if sql == LAST_APPROVED {
                    t.parse::<Month>().ok().map(Month::last_day)
                } else {
                    crate::calendar::local_day(&t).ok().map(LocalDay::latest)
                }
            });
            last = last.max(found.filter(|d| *d < before));
        }
        Ok(last)
    }

    /// The first day of the first month that holds data: the earliest of
    /// the schools' creation, the changes, the uses and the approved months.
    /// `schools` are those [`Database::schools`] read.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn first_data_month(&self, schools: &[School]) -> Result<Option<NaiveDate>, PolicyError> {
        self.first_month(schools, true)
    }

    /// [`Database::first_data_month`] without waiting for uses still being
    /// read ahead ([`Database::read_uses_ahead`]): the months of the uses are
    /// left out until [`Database::uses_known`]. The answer is never earlier
    /// than the full one.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn first_data_month_so_far(
        &self,
        schools: &[School],
    ) -> Result<Option<NaiveDate>, PolicyError> {
        self.first_month(schools, self.uses_known())
    }

    fn first_month(
        &self,
        schools: &[School],
        with_uses: bool,
    ) -> Result<Option<NaiveDate>, PolicyError> {
        let mut first: Option<NaiveDate> = schools
            .iter()
            .filter_map(|s| s.created_strict.or(s.created_on))
            .min();
        let uses = if with_uses { self.use_days()? } else { None };
        if let Some(changes) = self.change_days()? {
            for set in [Some(changes), uses].into_iter().flatten() {
                for school in schools {
                    // The set is in text order: the first that matches the GLOB is its min.
                    let found = set
                        .get(&school.id)
                        .and_then(|s| s.iter().find(|t| starts_iso_day(t)))
                        .and_then(|t| crate::calendar::local_day(t).ok().map(LocalDay::earliest));
                    first = match (first, found) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
            }
        }
        let mapped = self.mapping.is_some();
        for sql in [FIRST_CHANGE, FIRST_USE, FIRST_APPROVED] {
            if mapped && sql != FIRST_APPROVED {
                continue;
            }
            let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
            for school in schools {
                let text: Option<String> = stmt
                    .query_row([&school.id], |r| r.get(0))
                    .map_err(|e| self.err(e))?;
                let found = text.and_then(|t| {
                    if sql == FIRST_APPROVED {
                        t.parse::<Month>().ok().map(Month::first_day)
                    } else {
                        crate::calendar::local_day(&t).ok().map(LocalDay::earliest)
                    }
                });
                first = match (first, found) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        Ok(first.map(|d| Month::of(d).first_day()))
    }

    /// Hands every change-log row to `f`, in `change_id` order, reading
    /// [`CHUNK`] row ids per statement. A row with a non-text value where
    /// text is expected goes to `issue` instead. Returns the rows read.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn for_each_change(
        &self,
        f: &mut dyn FnMut(&ChangeRow<'_>),
        issue: &mut dyn FnMut(Issue),
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
                    Err(why) => issue(*why),
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
        if let Some(changes) = self.change_days()? {
            let within = |set: &DaySets| {
                set.get(school_id).is_some_and(|s| {
                    s.range::<str, _>((
                        std::ops::Bound::Included(from.as_str()),
                        std::ops::Bound::Excluded(until.as_str()),
                    ))
                    .next()
                    .is_some()
                })
            };
            // The uses are asked only when the changes do not answer.
            if within(changes) {
                return Ok(true);
            }
            return Ok(self.use_days()?.is_some_and(within));
        }
        let mut stmt = self
            .conn
            .prepare_cached(ACTIVITY)
            .map_err(|e| self.err(e))?;
        stmt.query_row(params![school_id, from, until], |r| r.get::<_, bool>(0))
            .map_err(|e| self.err(e))
    }

    /// Whether the change log records the item `equipment_id` moved to, or
    /// corrected at, `school` (a `relocated` or `corrected` row there).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn moved_to(&self, equipment_id: &str, school: &str) -> Result<bool, PolicyError> {
        let mut stmt = self
            .conn
            .prepare_cached(MOVED_TO)
            .map_err(|e| self.err(e))?;
        stmt.query_row(params![equipment_id, school], |r| r.get::<_, bool>(0))
            .map_err(|e| self.err(e))
    }

    /// Every equipment code whose change rows name another school than the
    /// item carrying it now (`reused_identifier`), with those rows' evidence.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn reused_equipment(&self) -> Result<Vec<super::identifiers::ReusedInLog>, PolicyError> {
        let mut stmt = self.conn.prepare(REUSED).map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out: Vec<super::identifiers::ReusedInLog> = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let id = lossy(row, 0);
            let last = ChangeRef {
                change_id: row.get(3).map_err(|e| self.err(e))?,
                kind: lossy(row, 4),
                occurred_on: lossy(row, 5),
                recorded_at: lossy(row, 6),
            };
            match out.last_mut() {
                Some(r) if r.equipment_id == id => {
                    r.change_count += 1;
                    r.last = last;
                }
                _ => out.push(super::identifiers::ReusedInLog {
                    equipment_id: id,
                    school_now: lossy(row, 1),
                    earlier_school: lossy(row, 2),
                    change_count: 1,
                    last,
                }),
            }
        }
        Ok(out)
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

/// A SQLite error reading `path` (through `mapping`): a missing table or
/// column is a schema error that says where to look; the mapping's time
/// limit, [`crate::mapping::MappingError::TimedOut`].
fn sql_error(path: &Path, mapping: Option<&Mapping>, e: rusqlite::Error) -> PolicyError {
    if let Some(t) = mapping.and_then(|m| m.timed_out(&e, path, None)) {
        return t.into();
    }
    let text = e.to_string();
    if text.contains("no such table") || text.contains("no such column") {
        PolicyError::Schema {
            path: path.to_path_buf(),
            detail: match mapping {
                Some(m) => format!(
                    "{text}, read through the mapping {} (`eqvault mapping check` names what it lacks)",
                    m.path().display()
                ),
                None => text,
            },
        }
    } else {
        PolicyError::Sqlite {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// Reads one [`DaySets`] (`pass`: the chunk's rows, the first id after)
/// with one reader per core (at most [`DAY_READERS`]), each on its own
/// connection through `mapping`, taking chunks of row ids from one cursor.
/// A reader that fails stops the others; so does `halt`, when set.
fn read_day_sets(
    path: &Path,
    busy: Duration,
    mapping: &Mapping,
    pass: (&str, &str),
    halt: Option<&AtomicBool>,
) -> Result<DaySets, PolicyError> {
    let readers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, DAY_READERS);
    let cursor = Mutex::new(DayCursor {
        after: i64::MIN,
        done: false,
    });
    let failed = AtomicBool::new(false);
    let stopped =
        || failed.load(Ordering::Relaxed) || halt.is_some_and(|h| h.load(Ordering::Relaxed));
    let results: Vec<Result<DaySets, PolicyError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..readers)
            .map(|_| {
                s.spawn(|| {
                    let r = day_reader(path, busy, mapping, pass, &cursor, &stopped);
                    if r.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            // A reader that panicked is a bug: its panic goes on up.
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut days = DaySets::new();
    for r in results {
        merge_days(&mut days, r?);
    }
    Ok(days)
}

/// One reader of [`read_day_sets`]: chunks until the cursor has none left or `stopped`.
fn day_reader(
    path: &Path,
    busy: Duration,
    mapping: &Mapping,
    (rows_sql, next_sql): (&str, &str),
    cursor: &Mutex<DayCursor>,
    stopped: &dyn Fn() -> bool,
) -> Result<DaySets, PolicyError> {
    let err = |e: rusqlite::Error| sql_error(path, Some(mapping), e);
    let conn = crate::mapping::open_read_only(path, busy, Some(mapping))?;
    let mut out = DaySets::new();
    loop {
        if stopped() {
            return Ok(out);
        }
        // The next chunk: the first id after the last one handed out (a
        // gap in the ids costs one statement, not one per CHUNK).
        let (lo, hi) = {
            // An id and a flag, valid whatever a panicking reader did.
            let mut c = cursor
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if c.done {
                return Ok(out);
            }
            let next = conn
                .prepare_cached(next_sql)
                .and_then(|mut st| st.query_row([c.after], |r| r.get::<_, Option<i64>>(0)))
                .map_err(err)?;
            let Some(start) = next else {
                c.done = true;
                return Ok(out);
            };
            let lo = start.saturating_sub(1);
            let hi = lo.saturating_add(CHUNK);
            c.after = hi;
            c.done = hi == i64::MAX;
            (lo, hi)
        };
        read_day_chunk(&conn, rows_sql, lo, hi, &mut out).map_err(err)?;
    }
}

/// The distinct (school, day) text pairs of the rows with ids in `(lo, hi]`, added to `into`.
fn read_day_chunk(
    conn: &Connection,
    sql: &str,
    lo: i64,
    hi: i64,
    into: &mut HashMap<String, BTreeSet<String>>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![lo, hi])?;
    let mut last = (Vec::new(), Vec::new());
    while let Some(row) = rows.next()? {
        let (Ok(ValueRef::Text(school)), Ok(ValueRef::Text(day))) =
            (row.get_ref(0), row.get_ref(1))
        else {
            continue;
        };
        // Rows come mostly in index order: a repeat is skipped without hashing.
        if last.0 == school && last.1 == day {
            continue;
        }
        let (Ok(school_s), Ok(day_s)) = (std::str::from_utf8(school), std::str::from_utf8(day))
        else {
            continue;
        };
        match into.get_mut(school_s) {
            Some(set) => {
                if !set.contains(day_s) {
                    set.insert(day_s.to_string());
                }
            }
            None => {
                into.insert(school_s.to_string(), BTreeSet::from([day_s.to_string()]));
            }
        }
        last = (school.to_vec(), day.to_vec());
    }
    Ok(())
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
fn change_row<'r>(row: &'r Row<'_>) -> Result<ChangeRow<'r>, Box<Issue>> {
    let change_id: i64 = row.get(0).map_err(|e| {
        Box::new(Issue::unreadable(
            "equipment_changes",
            "?",
            Some("change_id"),
            None,
            &[Rule::LateUpdate],
            e.to_string(),
        ))
    })?;
    let school = match row.get_ref(2) {
        Ok(ValueRef::Text(t)) => std::str::from_utf8(t).ok(),
        _ => None,
    };
    let text = |i: usize, name: &'static str| -> Result<&'r str, Box<Issue>> {
        let why = match row.get_ref(i) {
            Ok(ValueRef::Text(t)) => match std::str::from_utf8(t) {
                Ok(t) => return Ok(t),
                Err(_) => "not UTF-8".to_string(),
            },
            Ok(ValueRef::Null) => "NULL".to_string(),
            Ok(_) => "not text".to_string(),
            Err(e) => e.to_string(),
        };
        let mut issue = Issue::unreadable(
            "equipment_changes",
            change_id.to_string(),
            Some(name),
            opt_text(row, i),
            &[Rule::LateUpdate],
            why,
        );
        issue.change_id = Some(change_id);
        issue.school_id = school.map(str::to_string);
        Err(Box::new(issue))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Row ids at both ends of i64 and a gap between, values of every type:
    /// the days read through a mapping (by several readers) answer as the
    /// reference schema's indexes do.
    #[test]
    fn days_read_through_a_mapping_answer_as_the_indexes_do() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("equipment.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(crate::mapping::reference::SQL).unwrap();
        c.execute_batch(
            "INSERT INTO schools VALUES ('79A', 'A', 'thcs', 'cong_lap', 'active', '2025-03-03', '2024-08-01');
             INSERT INTO schools VALUES ('79B', 'B', 'thcs', 'cong_lap', 'active', NULL, '2024-08-01');
             INSERT INTO equipment_changes VALUES (-9223372036854775807, 'E1', '79A', 'acquired', '2024-09-02', '2024-09-02T08:00:00+07:00', NULL);
             INSERT INTO equipment_changes VALUES (9223372036854775807, 'E1', '79A', 'relocated', '2024-10-07', '2024-10-07T08:00:00+07:00', NULL);
             INSERT INTO equipment_changes VALUES (5, 'E2', '79B', 'relocated', '07/11/2024', '2024-11-07T08:00:00+07:00', NULL);
             INSERT INTO equipment_usage VALUES (-9223372036854775807, 'E1', '79A', NULL, NULL, '2024-08-20', 1);
             INSERT INTO equipment_usage VALUES (0, 'E1', '79A', NULL, NULL, 20241115, 1);
             INSERT INTO equipment_usage VALUES (1, 'E1', '79A', NULL, NULL, X'323032342D31322D3031', 1);
             INSERT INTO equipment_usage VALUES (40000, 'E2', '79B', NULL, NULL, '2025-01-06', 1);
             INSERT INTO equipment_usage VALUES (40001, 'E2', '79B', NULL, NULL, '2025-01-06', 1);
             INSERT INTO equipment_usage VALUES (9223372036854775807, 'E2', '79B', NULL, NULL, '2025-02-03', 1);",
        )
        .unwrap();
        drop(c);
        let identity: String = crate::mapping::reference::tables()
            .iter()
            .map(|t| format!("CREATE VIEW {0} AS SELECT * FROM main.{0};\n", t.name))
            .collect();
        let m = Mapping::parse(Path::new("identity.sql"), &identity).unwrap();
        let busy = Duration::from_secs(1);
        let direct = Database::open(&path, busy, None).unwrap();
        let mapped = Database::open(&path, busy, Some(&m)).unwrap();
        let (a, b) = (
            direct.schools(&mut |_| {}).unwrap(),
            mapped.schools(&mut |_| {}).unwrap(),
        );
        assert_eq!(a, b);
        assert!(a[0].closed.is_some(), "79A reopened: {:?}", a[0]);
        assert_eq!(
            direct.first_data_month(&a).unwrap(),
            mapped.first_data_month(&b).unwrap()
        );
        for school in ["79A", "79B", "79C"] {
            for (y, mo) in [
                (2024, 8),
                (2024, 9),
                (2024, 10),
                (2024, 11),
                (2024, 12),
                (2025, 1),
                (2025, 2),
            ] {
                let m: Month = format!("{y}-{mo:02}").parse().unwrap();
                assert_eq!(
                    direct.has_activity(school, m).unwrap(),
                    mapped.has_activity(school, m).unwrap(),
                    "{school} {m}"
                );
            }
        }
    }
}
