//! A consistent copy of the live SQLite database, and the facts a manifest records about it.
//!
//! The copy uses SQLite's online backup API in a single step: one read
//! transaction sees one committed state, so a writer in another process never
//! tears the copy (in WAL mode it is not even blocked; in rollback mode it
//! waits at most for the copy).

mod in_use;
pub use in_use::holders;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};

/// Errors reading the live database or checking a copy.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The database file is missing.
    #[error("the database {0} does not exist")]
    Missing(PathBuf),
    /// The file is not SQLite.
    #[error(
        "{0} is not a SQLite database (its header is not \"SQLite format 3\"): check [database] path"
    )]
    NotSqlite(PathBuf),
    /// A folder, fifo, socket or device where the database should be.
    #[error("{0} is not a regular file (a folder, fifo or device), so not a SQLite database")]
    NotAFile(PathBuf),
    /// The file cannot be opened or read.
    #[error("cannot read the database {path}: {source}")]
    Open {
        /// The database.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Another process holds a lock for longer than we wait.
    #[error(
        "the database {path} is locked by another process (waited {secs:.1} s): try again when it finishes, or raise [database] busy_timeout",
        secs = .waited.as_secs_f64()
    )]
    Locked {
        /// The database.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// SQLite reported an error.
    #[error("SQLite error on {path}: {source}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The copy could not be written where it goes (disk full, read-only, not a folder):
    /// this machine's problem, not the live database's.
    #[error("cannot write the copy {path}: {why}")]
    CopyWrite {
        /// The copy.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// `PRAGMA integrity_check` found damage.
    #[error("PRAGMA integrity_check failed on {path}: {detail}")]
    Integrity {
        /// The file checked.
        path: PathBuf,
        /// SQLite's first messages.
        detail: String,
    },
}

impl SnapshotError {
    /// The same error told about `live`: a check on the private copy found what is
    /// wrong with the live database, and the copy's temporary path means nothing to anyone.
    pub fn about(self, live: &Path) -> SnapshotError {
        let path = live.to_path_buf();
        match self {
            SnapshotError::Sqlite { source, .. } => SnapshotError::Sqlite { path, source },
            SnapshotError::Integrity { detail, .. } => SnapshotError::Integrity { path, detail },
            other => other,
        }
    }
}

/// What a manifest records about a database file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Facts {
    /// `sqlite_version()` of the library that read it.
    pub sqlite_version: String,
    /// SHA-256 over the schema (type, name, table, SQL of every object, sorted).
    pub schema_sha256: String,
    /// Rows in every user table.
    pub row_counts: BTreeMap<String, u64>,
}

/// Refuses a path that is missing or not SQLite before SQLite gets to create or misread it.
///
/// # Errors
/// [`SnapshotError::Missing`], [`SnapshotError::NotSqlite`] or [`SnapshotError::Open`].
pub fn ensure_sqlite(path: &Path) -> Result<(), SnapshotError> {
    // Opening a fifo would wait forever for a writer; a folder or device is no database either.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(SnapshotError::NotAFile(path.to_path_buf())),
        _ => {}
    }
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SnapshotError::Missing(path.to_path_buf()));
        }
        Err(source) => {
            return Err(SnapshotError::Open {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut head = [0u8; 16];
    match f.read_exact(&mut head) {
        Ok(()) if &head == b"SQLite format 3\0" => Ok(()),
        Ok(()) => Err(SnapshotError::NotSqlite(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(SnapshotError::NotSqlite(path.to_path_buf()))
        }
        Err(source) => Err(SnapshotError::Open {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> SnapshotError + '_ {
    move |source| SnapshotError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens a database read-only without ever creating it.
///
/// # Errors
/// As [`ensure_sqlite`], or SQLite's error.
pub fn open_read_only(path: &Path, busy: Duration) -> Result<Connection, SnapshotError> {
    ensure_sqlite(path)?;
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(sql(path))?;
    c.busy_timeout(busy).map_err(sql(path))?;
    Ok(c)
}

/// Copies the live database at `src` to the new file `dst` as one consistent state.
///
/// # Errors
/// [`SnapshotError::Locked`] when the live system holds its lock longer than `busy`,
/// or any error of [`open_read_only`].
pub fn copy_consistent(src: &Path, dst: &Path, busy: Duration) -> Result<(), SnapshotError> {
    let from = open_read_only(src, busy)?;
    let written = |e: rusqlite::Error| SnapshotError::CopyWrite {
        path: dst.to_path_buf(),
        why: e.to_string(),
    };
    let mut to = Connection::open(dst).map_err(written)?;
    // A private scratch copy that lives for one backup: no journal and no fsync
    // of a gigabyte nobody reads after a crash (the next run removes it). What is
    // stored is hashed from this file and checked on it.
    to.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        .map_err(written)?;
    let started = Instant::now();
    loop {
        let step = {
            let b = rusqlite::backup::Backup::new(&from, &mut to).map_err(sql(dst))?;
            // -1: every page in one step, inside one read transaction on the source.
            b.step(-1)
        };
        match step {
            Ok(rusqlite::backup::StepResult::Done) => break,
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) => {}
            Err(e) => {
                if is_not_a_database(&e) {
                    return Err(SnapshotError::NotSqlite(src.to_path_buf()));
                }
                // The source is only read: a failed write, a full disk is the copy's side.
                if is_write_side(&e) {
                    return Err(written(e));
                }
                return Err(sql(src)(e));
            }
        }
        if started.elapsed() >= busy {
            return Err(SnapshotError::Locked {
                path: src.to_path_buf(),
                waited: started.elapsed(),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // The copy must stand alone: no WAL beside it, journal mode as a plain file.
    to.pragma_update(None, "journal_mode", "DELETE")
        .map_err(|e| {
            // The copy is the live database page for page: damage found here is the live one's.
            if is_damage(&e) {
                sql(src)(e)
            } else {
                written(e)
            }
        })?;
    Ok(())
}

/// A failure to write (full, read-only, cannot create, a write or fsync error).
fn is_write_side(e: &rusqlite::Error) -> bool {
    const IOERR_WRITE: i32 = 778;
    const IOERR_FSYNC: i32 = 1034;
    const IOERR_DIR_FSYNC: i32 = 1290;
    const IOERR_TRUNCATE: i32 = 1546;
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(
        f.code,
        rusqlite::ErrorCode::DiskFull
            | rusqlite::ErrorCode::ReadOnly
            | rusqlite::ErrorCode::CannotOpen
    ) || matches!(f.extended_code, IOERR_WRITE | IOERR_FSYNC | IOERR_DIR_FSYNC | IOERR_TRUNCATE))
}

fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase))
}

fn is_not_a_database(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase)
}

/// How thoroughly a backup checks its copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `PRAGMA integrity_check`: pages, b-trees, constraints, and every index against its table.
    #[default]
    Full,
    /// `PRAGMA quick_check`: all of the above except index-against-table, in about a quarter of the time.
    Quick,
}

/// Runs `PRAGMA integrity_check` on `path`.
///
/// # Errors
/// [`SnapshotError::Integrity`] with SQLite's first messages when it is not `ok`.
pub fn integrity_check(path: &Path) -> Result<(), SnapshotError> {
    check(path, Level::Full)
}

/// Runs `PRAGMA integrity_check` or `PRAGMA quick_check` on `path`.
///
/// # Errors
/// [`SnapshotError::Integrity`] with SQLite's first messages when it is not `ok`.
pub fn check(path: &Path, level: Level) -> Result<(), SnapshotError> {
    let c = open_read_only(path, Duration::from_secs(5))?;
    // A larger page cache than the 2 MB default: the index checks revisit pages.
    let _ = c.pragma_update(None, "cache_size", -32768);
    let pragma = match level {
        Level::Full => "PRAGMA integrity_check(20)",
        Level::Quick => "PRAGMA quick_check(20)",
    };
    let rows: Vec<String> = c
        .prepare(pragma)
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect())
        .map_err(|e| {
            if is_not_a_database(&e) {
                SnapshotError::Integrity {
                    path: path.to_path_buf(),
                    detail: "file is not a database".into(),
                }
            } else {
                sql(path)(e)
            }
        })?;
    if rows.len() == 1 && rows[0] == "ok" {
        Ok(())
    } else {
        Err(SnapshotError::Integrity {
            path: path.to_path_buf(),
            detail: rows.join("; "),
        })
    }
}

/// Reads the schema hash, SQLite version and row counts of `path`.
///
/// # Errors
/// SQLite errors, naming the file.
pub fn facts(path: &Path) -> Result<Facts, SnapshotError> {
    let c = open_read_only(path, Duration::from_secs(5))?;
    facts_of(&c).map_err(sql(path))
}

/// As [`facts`], on an open connection.
///
/// # Errors
/// SQLite errors.
pub fn facts_of(c: &Connection) -> rusqlite::Result<Facts> {
    let sqlite_version: String = c.query_row("SELECT sqlite_version()", [], |r| r.get(0))?;
    let mut h = Sha256::new();
    let mut tables = Vec::new();
    {
        let mut s = c.prepare(
            "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema \
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )?;
        let mut rows = s.query([])?;
        while let Some(r) = rows.next()? {
            let (ty, name, tbl, text): (String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            for part in [&ty, &name, &tbl, &text] {
                h.update(part.as_bytes());
                h.update([0u8]);
            }
            if ty == "table" {
                tables.push(name);
            }
        }
    }
    let mut row_counts = BTreeMap::new();
    for t in tables {
        let n: i64 = c.query_row(
            &format!("SELECT count(*) FROM \"{}\"", t.replace('"', "\"\"")),
            [],
            |r| r.get(0),
        )?;
        row_counts.insert(t, n.max(0) as u64);
    }
    Ok(Facts {
        sqlite_version,
        schema_sha256: hex::encode(h.finalize()),
        row_counts,
    })
}

pub use crate::pack::sha256_file;

#[cfg(test)]
mod tests {
    use super::*;

    fn db(path: &Path) {
        let c = Connection::open(path).unwrap();
        c.execute_batch("CREATE TABLE t(a TEXT); INSERT INTO t VALUES ('x'),('y');")
            .unwrap();
    }

    #[test]
    fn copies_and_counts() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a.db"), d.path().join("b.db"));
        db(&a);
        copy_consistent(&a, &b, Duration::from_secs(1)).unwrap();
        integrity_check(&b).unwrap();
        let f = facts(&b).unwrap();
        assert_eq!(f.row_counts["t"], 2);
        assert_eq!(f, facts(&a).unwrap());
    }

    #[test]
    fn not_sqlite_and_missing_are_named() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("notes.txt");
        std::fs::write(&p, "this is not a database at all").unwrap();
        assert!(matches!(
            ensure_sqlite(&p),
            Err(SnapshotError::NotSqlite(_))
        ));
        let m = d.path().join("missing.db");
        assert!(matches!(ensure_sqlite(&m), Err(SnapshotError::Missing(_))));
        assert!(!m.exists(), "checking must not create the file");
    }

    #[test]
    fn an_exclusive_lock_gives_locked_after_the_timeout() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a.db"), d.path().join("b.db"));
        db(&a);
        let holder = Connection::open(&a).unwrap();
        holder
            .execute_batch(
                "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO t VALUES ('z');",
            )
            .unwrap();
        let e = copy_consistent(&a, &b, Duration::from_millis(300)).unwrap_err();
        assert!(matches!(e, SnapshotError::Locked { .. }), "{e}");
    }
}
