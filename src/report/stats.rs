//! The statistics the report reads from the equipment database: read-only, single passes, short statements.
//!
//! Three reads, each one pass over what it needs:
//!
//! - changes per school and day (`occurred_on`) around the period, from the
//!   `changes_school_occurred` index alone (a covering index: the table is
//!   never touched), one short `GROUP BY` per school;
//! - every equipment row once (id, school, subject, condition, quantity,
//!   creation date): the inventory by subject and condition;
//! - every use in the period once, in ranges of [`CHUNK`] row ids: lesson
//!   periods and uses are added up per item in a hash map in the same pass.
//!   SQLite would have to sort the usage book by `equipment_id` (it has no
//!   index on it) to `GROUP BY` it, which costs three times the scan on the
//!   demo database; adding up in the pass is linear.
//!
//! The usage book has no index on `used_on` alone, but `usage_school_day`
//! (`school_id, used_on`) finds each school's uses in the period with their
//! row ids: the smallest and largest of those bound the row ids to scan.
//! That is exact whatever the order of the rows, and cheap: uses are written
//! as lessons happen, so a term's rows are one stretch of the table and a
//! report of this term does not read the years before it.
//!
//! Like `check`, nothing keeps a statement open for long, so the live
//! system's writers are never held back for more than a few milliseconds.
//! Memory grows with schools, days and items, never with change or usage rows.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};

use super::ReportError;
use crate::calendar::Month;
use crate::mapping::Mapping;
use crate::policy::database::{Database, School};

/// Usage rows per statement.
pub const CHUNK: i64 = 100_000;

/// Row ids per part, at least, when the usage book is read in parts (small
/// in unit tests, so that they read several).
const MIN_PART: i64 = if cfg!(test) { 100 } else { CHUNK };

/// Ids looked up together.
const BATCH: usize = 4096;

const NEXT_SCHOOL: &str =
    "SELECT school_id FROM equipment_changes WHERE school_id > ?1 ORDER BY school_id LIMIT 1";
const CHANGES_BY_DAY: &str = "SELECT occurred_on, count(*) FROM equipment_changes \
     WHERE school_id = ?1 AND occurred_on >= ?2 AND occurred_on < ?3 GROUP BY occurred_on";
const NEXT_USAGE_SCHOOL: &str =
    "SELECT school_id FROM equipment_usage WHERE school_id > ?1 ORDER BY school_id LIMIT 1";
const USAGE_WINDOW: &str = "SELECT min(usage_id), max(usage_id) FROM equipment_usage \
     WHERE school_id = ?1 AND used_on >= ?2 AND used_on < ?3";
const EQUIPMENT: &str =
    "SELECT equipment_id, school_id, name, subject, condition, quantity, created_at FROM equipment";
const USAGE_BOUNDS: &str = "SELECT min(usage_id), max(usage_id) FROM equipment_usage";
/// Whether an index of `equipment_usage` starts with (school_id, used_on).
const HAS_SCHOOL_DAY_INDEX: &str = "SELECT count(*) FROM pragma_index_list('equipment_usage') AS l \
     WHERE (SELECT group_concat(name, ',') FROM \
       (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno)) LIKE 'school_id,used_on%'";
const USAGE: &str = "SELECT equipment_id, lesson_periods, used_on FROM equipment_usage \
     WHERE usage_id > ?1 AND usage_id <= ?2 AND used_on >= ?3 AND used_on < ?4";
/// The first row id after one (through the table's own b-tree: instant).
const NEXT_USAGE_ID: &str = "SELECT min(usage_id) FROM equipment_usage WHERE usage_id > ?1";

/// Hashes short ids faster than the standard SipHash (the usage pass looks
/// one up per row): a multiply-rotate per eight bytes and MurmurHash3's
/// finaliser. The keys come from the database being reported on, not from
/// the network: resisting crafted collisions is not needed, the worst a
/// crafted table could do is slow its own report.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        let mut k = self.0;
        k ^= k >> 33;
        k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
        k ^= k >> 33;
        k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        k ^ (k >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut h = self.0;
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            h = (h ^ u64::from_le_bytes(b))
                .wrapping_mul(MIX)
                .rotate_left(31);
        }
        self.0 = h;
    }
}

/// An id of at most 23 bytes, kept inside the map's slot: a lookup compares
/// in place instead of following a pointer to the key (a cache miss per row).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct ShortId([u8; 24]);

impl ShortId {
    fn new(id: &[u8]) -> Option<ShortId> {
        (id.len() < 24).then(|| {
            let mut b = [0u8; 24];
            b[..id.len()].copy_from_slice(id);
            b[23] = id.len() as u8;
            ShortId(b)
        })
    }
}

/// Equipment ids to their place in [`Raw::items`].
#[derive(Default)]
struct Ids {
    short: HashMap<ShortId, u32, BuildHasherDefault<IdHasher>>,
    long: HashMap<Box<[u8]>, u32, BuildHasherDefault<IdHasher>>,
}

impl Ids {
    fn insert(&mut self, id: &[u8], at: u32) {
        match ShortId::new(id) {
            Some(k) => self.short.insert(k, at),
            None => self.long.insert(id.into(), at),
        };
    }

    #[cfg(test)]
    fn get(&self, id: &[u8]) -> Option<u32> {
        match ShortId::new(id) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(id).copied(),
        }
    }
}

/// One equipment row, with its use in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// `equipment_id`.
    pub id: String,
    /// `school_id`.
    pub school_id: String,
    /// `name`.
    pub name: String,
    /// `subject`, when set.
    pub subject: Option<String>,
    /// `condition`.
    pub condition: String,
    /// `quantity`.
    pub quantity: u64,
    /// The civil date of `created_at`, when readable.
    pub created_on: Option<NaiveDate>,
    /// Uses in the period.
    pub uses: u64,
    /// Lesson periods in the period.
    pub lesson_periods: u64,
}

/// Uses and lesson periods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct UsageCount {
    /// Rows of the usage book.
    pub uses: u64,
    /// Their lesson periods.
    pub lesson_periods: u64,
}

/// Everything the statistics read.
#[derive(Debug, Default)]
pub struct Raw {
    /// Every school (as `check` reads them).
    pub schools: Vec<School>,
    /// (school, day, changes) for every day a school's change log has a readable date.
    pub changes_by_day: Vec<(String, NaiveDate, u64)>,
    /// Every equipment row.
    pub items: Vec<Item>,
    /// Uses of ids the equipment table does not have.
    pub unknown_usage: UsageCount,
    /// Uses per month of `used_on`.
    pub usage_by_month: BTreeMap<Month, UsageCount>,
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> ReportError + '_ {
    move |source| ReportError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads the statistics of `from..=to`.
///
/// # Errors
/// [`ReportError::Policy`] for a database that cannot be opened or lacks the
/// reference schema, or a reading past the mapping's time limit;
/// [`ReportError::Sqlite`] for another failure while reading.
pub fn read(
    path: &Path,
    busy: Duration,
    mapping: Option<&Mapping>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Raw, ReportError> {
    let schools = Database::open(path, busy, mapping)?.schools(&mut |_| {})?;
    let conn = crate::mapping::open_read_only(path, busy, mapping)
        .map_err(crate::policy::PolicyError::from)?;
    let mut raw = Raw {
        schools,
        ..Raw::default()
    };
    // The mapping's time limit, said as such: each reader meets it as
    // SQLite's interruption.
    let said = |e: ReportError| match (&e, mapping) {
        (ReportError::Sqlite { source, .. }, Some(m)) => m
            .timed_out(source, path, None)
            .map_or(e, |t| crate::policy::PolicyError::from(t).into()),
        _ => e,
    };
    let t = std::time::Instant::now();
    raw.changes_by_day = changes_by_day(&conn, path, from, to).map_err(said)?;
    tracing::debug!(
        seconds = t.elapsed().as_secs_f64(),
        "report: changes per school and day"
    );
    let t = std::time::Instant::now();
    let index = read_items(&conn, path, &mut raw.items).map_err(said)?;
    tracing::debug!(seconds = t.elapsed().as_secs_f64(), "report: equipment");
    let t = std::time::Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let at = Reading {
        path,
        busy,
        mapping,
    };
    read_usage(&conn, &at, cores.min(4), from, to, &index, &mut raw).map_err(said)?;
    tracing::debug!(seconds = t.elapsed().as_secs_f64(), "report: usage book");
    Ok(raw)
}

/// Where the statistics are read from: each reading thread opens its own connection.
struct Reading<'a> {
    path: &'a Path,
    busy: Duration,
    mapping: Option<&'a Mapping>,
}

fn text(v: ValueRef<'_>) -> Option<&str> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

fn lossy(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
    }
}

fn count(v: ValueRef<'_>) -> u64 {
    match v {
        ValueRef::Integer(n) => n.max(0) as u64,
        ValueRef::Real(x) if x > 0.0 => x as u64,
        _ => 0,
    }
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Every `school_id` of a table, through its index, one short statement each.
fn for_each_school(
    conn: &Connection,
    path: &Path,
    next_sql: &str,
    f: &mut dyn FnMut(&str) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut next = conn.prepare_cached(next_sql).map_err(sql(path))?;
    let mut after = String::new();
    loop {
        let school: Option<String> = {
            let mut rows = next.query([&after]).map_err(sql(path))?;
            match rows.next().map_err(sql(path))? {
                Some(row) => Some(lossy(row.get_ref(0).map_err(sql(path))?)),
                None => None,
            }
        };
        let Some(school) = school else {
            return Ok(());
        };
        f(&school)?;
        after = school;
    }
}

fn changes_by_day(
    conn: &Connection,
    path: &Path,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, NaiveDate, u64)>, ReportError> {
    // A day's margin each side: `occurred_on` may be a timestamp whose civil
    // date in Vietnam differs from its text; the exact test is on the parsed date.
    let lo = day(from.pred_opt().unwrap_or(from));
    let hi = day(to + chrono::Days::new(2));
    let mut by_day = conn.prepare_cached(CHANGES_BY_DAY).map_err(sql(path))?;
    let mut out = Vec::new();
    for_each_school(conn, path, NEXT_SCHOOL, &mut |school| {
        let mut rows = by_day.query(params![school, lo, hi]).map_err(sql(path))?;
        while let Some(row) = rows.next().map_err(sql(path))? {
            // A date `check` cannot read is not judged there: not counted here either.
            let day = text(row.get_ref(0).map_err(sql(path))?)
                .and_then(|t| crate::calendar::local_date(t).ok())
                .filter(|d| (from..=to).contains(d));
            if let Some(day) = day {
                out.push((
                    school.to_string(),
                    day,
                    count(row.get_ref(1).map_err(sql(path))?),
                ));
            }
        }
        Ok(())
    })?;
    Ok(out)
}

fn read_items(conn: &Connection, path: &Path, items: &mut Vec<Item>) -> Result<Ids, ReportError> {
    let mut stmt = conn.prepare_cached(EQUIPMENT).map_err(sql(path))?;
    let mut rows = stmt.query([]).map_err(sql(path))?;
    let mut index = Ids::default();
    while let Some(row) = rows.next().map_err(sql(path))? {
        let get = |i: usize| row.get_ref(i).map_err(sql(path));
        let id = lossy(get(0)?);
        let subject = lossy(get(3)?);
        let created_on = text(get(6)?).and_then(|t| crate::policy::late::local_date_fast(t).ok());
        index.insert(id.as_bytes(), items.len() as u32);
        items.push(Item {
            id,
            school_id: lossy(get(1)?),
            name: lossy(get(2)?),
            subject: (!subject.trim().is_empty()).then_some(subject),
            condition: lossy(get(4)?),
            quantity: count(get(5)?),
            created_on,
            uses: 0,
            lesson_periods: 0,
        });
    }
    Ok(index)
}

/// `YYYY-MM` at the start of a date, read without allocating.
fn month_of(day: &[u8]) -> Option<Month> {
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        day.get(r)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (year, month) = (digits(0..4)?, digits(5..7)?);
    (day.get(4) == Some(&b'-') && (1..=12).contains(&month)).then_some(Month {
        year: year as i32,
        month,
    })
}

/// What one part of the usage book adds up.
struct Partial {
    counts: Vec<(u64, u64)>,
    unknown: UsageCount,
    by_month: BTreeMap<Month, UsageCount>,
}

/// The row ids `[lo, hi]` that hold every use of `[from_text, until_text)`:
/// found through `usage_school_day` (the reference schema's index); without
/// it, the whole table. `None` when there is no use in the period.
fn usage_window(
    conn: &Connection,
    path: &Path,
    from_text: &str,
    until_text: &str,
) -> Result<Option<(i64, i64)>, ReportError> {
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    let indexed: i64 = conn
        .query_row(HAS_SCHOOL_DAY_INDEX, [], |r| r.get(0))
        .map_err(sql(path))?;
    if indexed == 0 {
        let (a, b): (Option<i64>, Option<i64>) = conn
            .query_row(USAGE_BOUNDS, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql(path))?;
        (lo, hi) = (a.unwrap_or(i64::MAX), b.unwrap_or(i64::MIN));
    } else {
        let mut window = conn.prepare_cached(USAGE_WINDOW).map_err(sql(path))?;
        for_each_school(conn, path, NEXT_USAGE_SCHOOL, &mut |school| {
            let (a, b): (Option<i64>, Option<i64>) = window
                .query_row(params![school, from_text, until_text], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .map_err(sql(path))?;
            if let (Some(a), Some(b)) = (a, b) {
                lo = lo.min(a);
                hi = hi.max(b);
            }
            Ok(())
        })?;
    }
    Ok((lo <= hi).then_some((lo, hi)))
}

/// Adds up the uses of the period, splitting the window into parts read at
/// once on separate read-only connections (one per core, at most four).
#[allow(clippy::too_many_arguments)] // the reading context, passed down as it is
fn read_usage(
    conn: &Connection,
    at: &Reading<'_>,
    max_parts: usize,
    from: NaiveDate,
    to: NaiveDate,
    index: &Ids,
    raw: &mut Raw,
) -> Result<(), ReportError> {
    let (path, busy, mapping) = (at.path, at.busy, at.mapping);
    let from_text = day(from);
    let until_text = day(to.succ_opt().unwrap_or(to));
    let Some((lo, hi)) = usage_window(conn, path, &from_text, &until_text)? else {
        return Ok(());
    };
    let span = (i128::from(hi) - i128::from(lo)) / i128::from(MIN_PART) + 1;
    let bounds = split(lo, hi, span.min(max_parts as i128) as i64);
    let n = raw.items.len();
    let (from_text, until_text) = (from_text.as_str(), until_text.as_str());
    let partials: Vec<Result<Partial, ReportError>> = std::thread::scope(|s| {
        let others: Vec<_> = bounds[1..]
            .iter()
            .map(|&(a, b)| {
                s.spawn(move || {
                    let c = crate::mapping::open_read_only(path, busy, mapping)
                        .map_err(crate::policy::PolicyError::from)?;
                    scan_usage(&c, path, (a, b), from_text, until_text, index, n)
                })
            })
            .collect();
        let mut all = vec![scan_usage(
            conn, path, bounds[0], from_text, until_text, index, n,
        )];
        all.extend(others.into_iter().map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(ReportError::Internal("a usage reader panicked".into())))
        }));
        all
    });
    let mut counts = vec![(0u64, 0u64); n];
    for p in partials {
        let p = p?;
        for (c, (uses, periods)) in counts.iter_mut().zip(p.counts) {
            c.0 += uses;
            c.1 += periods;
        }
        raw.unknown_usage.uses += p.unknown.uses;
        raw.unknown_usage.lesson_periods += p.unknown.lesson_periods;
        for (m, c) in p.by_month {
            let total = raw.usage_by_month.entry(m).or_default();
            total.uses += c.uses;
            total.lesson_periods += c.lesson_periods;
        }
    }
    for (item, (uses, periods)) in raw.items.iter_mut().zip(counts) {
        item.uses = uses;
        item.lesson_periods = periods;
    }
    Ok(())
}

/// `[lo, hi]` in `parts` consecutive ranges (at least one) that cover it
/// exactly. In 128 bits: row ids may span the whole of `i64`.
fn split(lo: i64, hi: i64, parts: i64) -> Vec<(i64, i64)> {
    let (lo, hi) = (i128::from(lo), i128::from(hi));
    let parts = i128::from(parts).clamp(1, (hi - lo + 1).max(1));
    let step = (hi - lo + parts) / parts;
    (0..parts)
        .map(|k| (lo + k * step, (lo + (k + 1) * step - 1).min(hi)))
        .filter(|(a, b)| a <= b)
        .map(|(a, b)| (a as i64, b as i64))
        .collect()
}

/// One part `[lo, hi]` of the usage book, in ranges of [`CHUNK`] row ids.
fn scan_usage(
    conn: &Connection,
    path: &Path,
    (lo, hi): (i64, i64),
    from_text: &str,
    until_text: &str,
    index: &Ids,
    items: usize,
) -> Result<Partial, ReportError> {
    let mut stmt = conn.prepare_cached(USAGE).map_err(sql(path))?;
    let mut next_id = conn.prepare_cached(NEXT_USAGE_ID).map_err(sql(path))?;
    // Per item, beside the items rather than in them: 16 bytes an item stay
    // in the processor's cache, where the items themselves would not.
    let mut part = Partial {
        counts: vec![(0, 0); items],
        unknown: UsageCount::default(),
        by_month: BTreeMap::new(),
    };
    // Ids are looked up a batch at a time, in a loop that does nothing else:
    // the processor then waits for many of the map's slots at once, where
    // one lookup per row between SQLite's steps waits for each in turn.
    let mut pending: Vec<(ShortId, u64)> = Vec::with_capacity(BATCH);
    let tally = |pending: &mut Vec<(ShortId, u64)>, part: &mut Partial| {
        for (key, periods) in pending.drain(..) {
            match index.short.get(&key) {
                Some(&i) => {
                    let c = &mut part.counts[i as usize];
                    c.0 += 1;
                    c.1 += periods;
                }
                None => {
                    part.unknown.uses += 1;
                    part.unknown.lesson_periods += periods;
                }
            }
        }
    };
    // Uses are added up for the month of the row before, and handed over when
    // the month changes: rows mostly come in date order.
    let mut month: Option<([u8; 7], Month)> = None;
    let mut in_month = UsageCount::default();
    let hand_over = |month: Option<([u8; 7], Month)>, c: UsageCount, part: &mut Partial| {
        if let Some((_, m)) = month {
            let total = part.by_month.entry(m).or_default();
            total.uses += c.uses;
            total.lesson_periods += c.lesson_periods;
        }
    };
    let mut start = lo.saturating_sub(1);
    while start < hi {
        let end = start.saturating_add(CHUNK).min(hi);
        let mut rows = stmt
            .query(params![start, end, from_text, until_text])
            .map_err(sql(path))?;
        while let Some(row) = rows.next().map_err(sql(path))? {
            let periods = count(row.get_ref(1).map_err(sql(path))?);
            let id = match row.get_ref(0).map_err(sql(path))? {
                ValueRef::Text(t) | ValueRef::Blob(t) => t,
                _ => &[],
            };
            match ShortId::new(id) {
                Some(key) => {
                    pending.push((key, periods));
                    if pending.len() == BATCH {
                        tally(&mut pending, &mut part);
                    }
                }
                None => match index.long.get(id) {
                    Some(&i) => {
                        let c = &mut part.counts[i as usize];
                        c.0 += 1;
                        c.1 += periods;
                    }
                    None => {
                        part.unknown.uses += 1;
                        part.unknown.lesson_periods += periods;
                    }
                },
            }
            let day = match row.get_ref(2).map_err(sql(path))? {
                ValueRef::Text(t) => t,
                _ => &[],
            };
            let prefix: Option<[u8; 7]> = day.get(..7).and_then(|p| p.try_into().ok());
            if prefix.is_none() || month.map(|(p, _)| p) != prefix {
                hand_over(month, std::mem::take(&mut in_month), &mut part);
                month = prefix.zip(month_of(day));
            }
            if month.is_some() {
                in_month.uses += 1;
                in_month.lesson_periods += periods;
            }
        }
        start = end;
        // Row ids need not be dense (ids imported from another system, or
        // time-based): step over a gap at once rather than one empty range
        // of CHUNK ids per statement, which could take years.
        if start < hi {
            let next: Option<i64> = next_id
                .query_row([start], |r| r.get(0))
                .map_err(sql(path))?;
            match next {
                Some(n) if n <= hi => start = start.max(n - 1),
                _ => break,
            }
        }
    }
    hand_over(month, in_month, &mut part);
    tally(&mut pending, &mut part);
    Ok(part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_window_exactly() {
        for (lo, hi, parts) in [
            (1, 10, 3),
            (1, 1, 4),
            (5, 1_000_005, 4),
            (0, 7, 8),
            (3, 9, 1),
            (i64::MIN, i64::MAX, 4),
        ] {
            let b = split(lo, hi, parts);
            assert_eq!(b.first().unwrap().0, lo);
            assert_eq!(b.last().unwrap().1, hi);
            assert!(b.windows(2).all(|w| w[0].1 + 1 == w[1].0), "{b:?}");
            assert!(b.len() as i64 <= parts);
        }
    }

    /// The usage book read in several parts adds up to the same as in one.
    #[test]
    fn usage_in_parts_equals_usage_in_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../../schema/equipment.sql"))
            .unwrap();
        c.execute_batch("BEGIN").unwrap();
        c.execute(
            "INSERT INTO schools VALUES ('S1', 'A', 'thcs', 'cong_lap', 'active', NULL, '2024-01-01')",
            [],
        )
        .unwrap();
        for i in 0..50 {
            c.execute(
                "INSERT INTO equipment (equipment_id, school_id, name, condition, created_at, updated_at)
                 VALUES (?1, 'S1', 'x', 'good', '2024-01-01', '2024-01-01')",
                [format!("TB{i:03}")],
            )
            .unwrap();
        }
        let long = "TB-".repeat(12);
        for k in 0..3_000i64 {
            // Not in date order, an unknown id and a long one among them.
            let day = NaiveDate::from_ymd_opt(2024, 9, 1).unwrap()
                + chrono::Days::new((k * 37 % 300) as u64);
            let id = match k % 50 {
                49 => "GONE".to_string(),
                48 => long.clone(),
                n => format!("TB{n:03}"),
            };
            c.execute(
                "INSERT INTO equipment_usage VALUES (?1, ?2, 'S1', NULL, NULL, ?3, ?4)",
                params![k + 1, id, day.to_string(), 1 + k % 3],
            )
            .unwrap();
        }
        c.execute(
            "INSERT INTO equipment (equipment_id, school_id, name, condition, created_at, updated_at)
             VALUES (?1, 'S1', 'long', 'good', '2024-01-01', '2024-01-01')",
            [&long],
        )
        .unwrap();
        c.execute_batch("COMMIT").unwrap();
        drop(c);
        let (from, to) = (
            NaiveDate::from_ymd_opt(2024, 10, 1).unwrap(),
            NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
        );
        let read = |parts: usize| {
            let conn = crate::snapshot::open_read_only(&path, Duration::from_secs(1)).unwrap();
            let mut raw = Raw::default();
            let index = read_items(&conn, &path, &mut raw.items).unwrap();
            let at = Reading {
                path: &path,
                busy: Duration::from_secs(1),
                mapping: None,
            };
            read_usage(&conn, &at, parts, from, to, &index, &mut raw).unwrap();
            raw
        };
        let one = read(1);
        let four = read(4);
        assert_eq!(one.items, four.items);
        assert_eq!(one.unknown_usage, four.unknown_usage);
        assert_eq!(one.usage_by_month, four.usage_by_month);
        assert!(one.unknown_usage.uses > 0);
        assert!(one.items.iter().any(|i| i.id == long && i.uses > 0));
        let total: u64 = one.usage_by_month.values().map(|c| c.uses).sum();
        let items: u64 = one.items.iter().map(|i| i.uses).sum();
        assert_eq!(total, items + one.unknown_usage.uses);
        assert_eq!(one.usage_by_month.len(), 6, "October to March");
    }

    /// Regression: row ids far apart (ids from another system, or at both
    /// ends of i64) overflowed the window's arithmetic, and a sparse window
    /// was read one empty range of CHUNK ids per statement: years of work.
    #[test]
    fn sparse_row_ids_are_read_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../../schema/equipment.sql"))
            .unwrap();
        c.execute(
            "INSERT INTO schools VALUES ('S1', 'A', 'thcs', 'cong_lap', 'active', NULL, '2024-01-01')",
            [],
        )
        .unwrap();
        c.execute(
            "INSERT INTO equipment (equipment_id, school_id, name, condition, created_at, updated_at)
             VALUES ('TB1', 'S1', 'x', 'good', '2024-01-01', '2024-01-01')",
            [],
        )
        .unwrap();
        for (k, id) in [i64::MIN + 1, -5, 7, 1 << 40, 1 << 62, i64::MAX]
            .into_iter()
            .enumerate()
        {
            c.execute(
                "INSERT INTO equipment_usage VALUES (?1, 'TB1', 'S1', NULL, NULL, ?2, 2)",
                params![id, format!("2024-10-{:02}", k + 1)],
            )
            .unwrap();
        }
        drop(c);
        let (from, to) = (
            NaiveDate::from_ymd_opt(2024, 9, 5).unwrap(),
            NaiveDate::from_ymd_opt(2025, 1, 12).unwrap(),
        );
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let conn = crate::snapshot::open_read_only(&path, Duration::from_secs(1)).unwrap();
            let mut raw = Raw::default();
            let index = read_items(&conn, &path, &mut raw.items).unwrap();
            let at = Reading {
                path: &path,
                busy: Duration::from_secs(1),
                mapping: None,
            };
            let read = read_usage(&conn, &at, 4, from, to, &index, &mut raw);
            let _ = tx.send(read.map(|()| (raw.items[0].uses, raw.items[0].lesson_periods)));
        });
        let got = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the usage book is read within seconds")
            .unwrap();
        assert_eq!(got, (6, 12));
    }

    #[test]
    fn short_and_long_ids_are_found() {
        let mut ids = Ids::default();
        let long = "TB-".repeat(20);
        ids.insert(b"TB00000001", 0);
        ids.insert(long.as_bytes(), 1);
        ids.insert(b"", 2);
        assert_eq!(ids.get(b"TB00000001"), Some(0));
        assert_eq!(ids.get(long.as_bytes()), Some(1));
        assert_eq!(ids.get(b""), Some(2));
        assert_eq!(ids.get(b"TB0000000"), None);
        assert_eq!(
            ids.get(b"TB00000001\0"),
            None,
            "the length is part of the key"
        );
    }

    #[test]
    fn months_are_read_from_the_date_text() {
        assert_eq!(
            month_of(b"2025-01-31"),
            Some(Month {
                year: 2025,
                month: 1
            })
        );
        assert_eq!(month_of(b"2025-13-01"), None);
        assert_eq!(month_of(b"31/01/2025"), None);
        assert_eq!(month_of(b""), None);
    }
}
