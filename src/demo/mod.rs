//! Builds a realistic demo database of HCMC teaching equipment in the reference schema, with a few planted violations.
//!
//! The data is Vietnamese and plausible: kindergartens, primary, lower-secondary
//! and TH-THCS schools with HCMC-style codes ('79' + former district + number),
//! their principal, vice principals, teachers, equipment officer and staff, the
//! equipment of the ministry's lists per level, grade and subject, a change log
//! (acquisitions, condition changes, relocations, quantity changes, disposals,
//! corrections) entered within a few days of each change, monthly approvals by
//! the principal, and the usage book of lessons on school days. One school
//! closes at the end of the first school year, a few open during the timeline,
//! some teachers leave and some items are disposed of: the lawful ways out.
//!
//! A run is a pure function of [`DemoOptions`]: the same options give the same
//! rows, indeed the same file bytes. It plants a few violations of each rule eqvault checks on a database
//! alone and lists them in [`DemoSummary::planted`]; every other row is clean
//! (ordinary entries come at most 8 calendar days after the change, which is
//! inside 10 working days under any holiday calendar).
//!
//! # Size
//!
//! The timeline runs from 1 September of the school year `years` before `today`
//! to `today`. Size grows with schools × days, almost all of it usage rows
//! (`world::USES_PER_CLASS_DAY` = 5.1 equipment uses per class per teaching day
//! at a secondary school, less in primary and kindergarten) and change rows
//! (`world::CHANGES_PER_ITEM_DAY` = 0.042 changes per item per working day).
//! About 4 MB per school for `years = 2`. Measured in release mode on 2 cores
//! (the generator uses one), seed 0, `today` = 2026-11-29, so `years = 2` covers
//! Sept 2024 – Nov 2026; peak memory stays under 190 MB (a fixed 128 MiB page
//! cache plus the world, which grows with schools, not rows):
//!
//! | schools | years | file | equipment_usage | equipment_changes | equipment | seconds |
//! |---:|---:|---:|---:|---:|---:|---:|
//! | 6 | 1 | 13.5 MB | 126,214 | 14,888 | 1,602 | 0.5 |
//! | 6 | 2 | 23.1 MB | 218,985 | 25,467 | 1,697 | 0.5 |
//! | 25 | 2 | 93.2 MB | 905,776 | 90,788 | 5,787 | 2.2 |
//! | 100 | 2 | 402.9 MB | 3,795,855 | 434,380 | 27,300 | 11.7 |
//! | 250 | 1 | 579.4 MB | 5,446,122 | 585,504 | 58,519 | 20.4 |
//! | 250 | 2 | 1,001.6 MB | 9,487,172 | 1,035,510 | 65,265 | 33 (28–45 over runs) |
//!
//! # Planted cases
//!
//! Per rule: one below 10 schools, two below 50, three from 50 on (`late_update`
//! one more, at most three), all in schools that existed before the timeline and
//! stay open. `late_update` is entered 25+ calendar days after a change made in
//! October, November or March (no holidays, so late under any calendar);
//! `missing_approval` leaves out a due month; `late_approval` signs a month in
//! the month after its due month; `approval_not_by_principal` is signed by a
//! working teacher of the school; `no_monthly_update` silences one teaching
//! month (no use, and no change made or entered in it); `deleted_identifier`
//! logs an acquisition (and mostly a relocation) of an item with no equipment row.
//! A quiet month keeps two months away from the late and deleted items of its
//! school, so no case hides another. A timeline too short for a case leaves it
//! out rather than plant it wrongly.
//!
//! # Writing
//!
//! The database is built in `.NAME.partial-PID` next to the target, in one
//! transaction with journaling and syncing off, then switched to the ordinary
//! rollback journal, synced, and moved into place; an existing file is never
//! overwritten, and a failed run leaves nothing behind.

mod build;
mod calendar;
mod catalog;
pub mod exports;
mod names;
pub mod vendor;
mod world;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;

/// The reference schema (tables, checks and indexes) every demo database is made from.
const SCHEMA: &str = include_str!("../../schema/equipment.sql");

/// Fewest and most schools a demo can have: one must close and one must stay to
/// carry the planted cases; HCMC's 22 former district codes hold about 20,000.
pub const SCHOOLS: std::ops::RangeInclusive<u32> = 2..=20_000;

/// School years a demo can span.
pub const YEARS: std::ops::RangeInclusive<u32> = 1..=10;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Number of schools, within [`SCHOOLS`].
    pub schools: u32,
    /// School years before `today` the data starts, within [`YEARS`].
    pub years: u32,
    /// The same seed gives the same rows.
    pub seed: u64,
    /// The last day of data; approvals run to the last complete month before it.
    pub today: NaiveDate,
}

impl DemoOptions {
    /// The demo command's defaults: 6 schools, 2 school years, seed 0.
    pub fn new(today: NaiveDate) -> Self {
        Self {
            schools: 6,
            years: 2,
            seed: 0,
            today,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// The finished database.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Rows per table, for all six tables.
    pub rows: BTreeMap<String, u64>,
    /// The violations planted on purpose, ordered by rule and school.
    pub planted: Vec<PlantedCase>,
}

/// One planted violation, named as the checker names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlantedCase {
    /// `late_update`, `missing_approval`, `late_approval`,
    /// `approval_not_by_principal`, `no_monthly_update` or `deleted_identifier`.
    pub rule: &'static str,
    pub school_id: String,
    /// The equipment id for `late_update` and `deleted_identifier`; the month
    /// ('YYYY-MM') for the approval rules and `no_monthly_update`.
    pub subject: String,
    /// What was planted, in words.
    pub note: String,
}

/// Why no demo database was made. Nothing is left on disk in any case.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Something is already at the target path.
    #[error("{} already exists; the demo never overwrites a database: choose a new path or move that file away", .path.display())]
    Exists { path: PathBuf },

    /// Options out of range, or a path that names no file.
    #[error("cannot build the demo database {}: {problem}", .path.display())]
    Options { path: PathBuf, problem: String },

    /// The temporary file next to the target could not be created.
    #[error(
        "cannot create the temporary file {} for {}: {source}; check that the folder exists and is writable",
        .partial.display(), .path.display()
    )]
    Create {
        path: PathBuf,
        partial: PathBuf,
        source: io::Error,
    },

    #[error(
        "building the demo database {} failed in SQLite: {source}; check free disk space there and try again (the partial file {} was removed)",
        .path.display(), .partial.display()
    )]
    Sqlite {
        path: PathBuf,
        partial: PathBuf,
        source: rusqlite::Error,
    },

    #[error(
        "cannot put the finished demo database in place at {} (from {}): {source}; check the folder's permissions and free space (the partial file was removed)",
        .path.display(), .partial.display()
    )]
    Publish {
        path: PathBuf,
        partial: PathBuf,
        source: io::Error,
    },
}

/// Generates a demo database at `path`, calling `progress` with the number of
/// rows written so far every 50,000 rows and once at the end.
///
/// # Errors
///
/// [`DemoError::Exists`] if anything is at `path`; [`DemoError::Options`] for
/// out-of-range options or a path without a file name; the other variants when
/// the temporary file cannot be created, written or moved into place. On error
/// the temporary file is removed.
pub fn generate(
    path: &Path,
    opts: &DemoOptions,
    progress: &dyn Fn(u64),
) -> Result<DemoSummary, DemoError> {
    let start = check(path, opts)?;
    if path.symlink_metadata().is_ok() {
        return Err(DemoError::Exists {
            path: path.to_owned(),
        });
    }
    let partial = partial_path(path)?;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .map_err(|source| DemoError::Create {
            path: path.to_owned(),
            partial: partial.clone(),
            source,
        })?;
    let guard = Partial(&partial);
    let (counts, planted) =
        build_into(&partial, opts, start, progress).map_err(|source| DemoError::Sqlite {
            path: path.to_owned(),
            partial: partial.clone(),
            source,
        })?;
    let bytes = publish(&partial, path)?;
    // Published: the partial name is gone and must not be looked at again.
    std::mem::forget(guard);
    Ok(DemoSummary {
        path: path.to_owned(),
        bytes,
        rows: build::TABLES
            .iter()
            .zip(counts)
            .map(|(t, n)| ((*t).to_owned(), n))
            .collect(),
        planted,
    })
}

/// Removes the temporary file unless the run got to the end, on errors and
/// panics alike, so nothing half-built is ever left to look like a database.
struct Partial<'a>(&'a Path);

impl Drop for Partial<'_> {
    fn drop(&mut self) {
        // Best effort: the error being returned already says what went wrong.
        let _ = fs::remove_file(self.0);
    }
}

/// Validates the options and returns the first day of the timeline: 1 September
/// of the school year that was running `years` years before `today`.
fn check(path: &Path, opts: &DemoOptions) -> Result<NaiveDate, DemoError> {
    let problem = |problem: String| DemoError::Options {
        path: path.to_owned(),
        problem,
    };
    if !SCHOOLS.contains(&opts.schools) {
        return Err(problem(format!(
            "the number of schools must be from {} to {}, not {}",
            SCHOOLS.start(),
            SCHOOLS.end(),
            opts.schools
        )));
    }
    if !YEARS.contains(&opts.years) {
        return Err(problem(format!(
            "the number of school years must be from {} to {}, not {}",
            YEARS.start(),
            YEARS.end(),
            opts.years
        )));
    }
    if !(2000..=2100).contains(&opts.today.year()) {
        return Err(problem(format!(
            "today ({}) must be a date from 2000 to 2100",
            opts.today
        )));
    }
    let back = opts
        .today
        .checked_sub_months(Months::new(12 * opts.years))
        .ok_or_else(|| {
            problem(format!(
                "{} years before {} is not a date",
                opts.years, opts.today
            ))
        })?;
    let year = if back.month() >= 9 {
        back.year()
    } else {
        back.year() - 1
    };
    NaiveDate::from_ymd_opt(year, 9, 1)
        .ok_or_else(|| problem(format!("1 September {year} is not a date")))
}

/// `.NAME.partial-PID` in the target's folder, so the final rename stays on one file system.
fn partial_path(path: &Path) -> Result<PathBuf, DemoError> {
    let name = path.file_name().ok_or_else(|| DemoError::Options {
        path: path.to_owned(),
        problem: "the path does not name a file".to_owned(),
    })?;
    let partial = format!(".{}.partial-{}", name.to_string_lossy(), std::process::id());
    Ok(path.with_file_name(partial))
}

type Made = ([u64; 6], Vec<PlantedCase>);

fn build_into(
    partial: &Path,
    opts: &DemoOptions,
    start: NaiveDate,
    progress: &dyn Fn(u64),
) -> rusqlite::Result<Made> {
    let mut conn = Connection::open(partial)?;
    // Nothing to protect until the file is complete: a crash leaves a partial
    // file that is deleted or ignored, never a half-written database in place.
    // The page cache is fixed (128 MiB), so memory does not follow the row count.
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
         PRAGMA temp_store = MEMORY; PRAGMA cache_size = -131072;",
    )?;
    conn.execute_batch(SCHEMA)?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let world = world::World::new(
        &mut rng,
        opts.schools,
        calendar::day_of(start),
        calendar::day_of(opts.today),
    );
    let tx = conn.transaction()?;
    let made = {
        let mut out = build::Writer::new(&tx, progress)?;
        let planted = build::run(world, &mut rng, &mut out)?;
        (out.counts, planted)
    };
    tx.commit()?;
    conn.execute_batch(
        "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA locking_mode = NORMAL;",
    )?;
    conn.close().map_err(|(_, err)| err)?;
    Ok(made)
}

/// Syncs the partial file and moves it to `path` without ever replacing a file
/// that appeared there meanwhile; returns the size.
fn publish(partial: &Path, path: &Path) -> Result<u64, DemoError> {
    let fail = |source: io::Error| DemoError::Publish {
        path: path.to_owned(),
        partial: partial.to_owned(),
        source,
    };
    File::open(partial)
        .and_then(|f| f.sync_all())
        .map_err(fail)?;
    // A hard link fails if the target exists, where a rename would replace it.
    match fs::hard_link(partial, path) {
        // The database is in place; the caller's guard removes the partial name
        // again should this fail.
        Ok(()) => {
            let _ = fs::remove_file(partial);
        }
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            return Err(DemoError::Exists {
                path: path.to_owned(),
            });
        }
        // File systems without hard links: check, then rename.
        Err(_) if path.symlink_metadata().is_ok() => {
            return Err(DemoError::Exists {
                path: path.to_owned(),
            });
        }
        Err(_) => fs::rename(partial, path).map_err(fail)?,
    }
    // Make the new name durable. Best effort: some file systems refuse to sync
    // a directory, and the database itself is complete and synced already.
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(fs::metadata(path).map_err(fail)?.len())
}
