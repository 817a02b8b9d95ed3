//! A mapping: the office's own database read through SQL views shaped as the reference schema.
//!
//! The reference schema (`schema/equipment.sql`) is the contract every rule,
//! the identifier ledger and the report read. An office whose database names
//! things its own way writes a mapping file: one `CREATE VIEW` per reference
//! table (`CREATE VIEW schools AS SELECT ma_truong AS school_id, … FROM
//! dm_truong`), with codes and dates turned into the reference's in SQL
//! (`CASE`, `substr`). [`open_read_only`] is the one way eqvault opens a
//! database it reads as the reference schema: read-only, then the mapping's
//! views created in the connection's TEMP schema, then `PRAGMA query_only`.
//! The live database is never written: the connection cannot write it, and
//! the file holds nothing but views. A reading through a mapping runs under a
//! time limit (`[database] query_timeout`, [`Mapping::with_limit`]): a view
//! that never ends is stopped and named, never left holding a backup.
//!
//! - [`validate`]: `eqvault mapping check`, a mapping against the reference schema.
//! - [`template`]: `eqvault mapping init`, a commented template from a database's own tables.

pub mod reference;
pub mod template;
pub mod validate;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::snapshot::SnapshotError;

/// Errors reading or applying a mapping.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// The file cannot be read.
    #[error("cannot read the mapping {path}: {source}")]
    Read {
        /// The mapping file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A statement that is not a `CREATE VIEW`, or a view eqvault will not make.
    #[error(
        "{path}, line {line}: {what}. A mapping holds only CREATE VIEW statements (one per table of schema/equipment.sql) and nothing that writes"
    )]
    Refused {
        /// The mapping file.
        path: PathBuf,
        /// Where the statement starts (1-based).
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// SQLite refused a view's SQL over this database.
    #[error(
        "{path}, line {line}: the view {view} does not work on the database {db}: {source}. Fix that statement"
    )]
    Sql {
        /// The mapping file.
        path: PathBuf,
        /// Where the statement starts (1-based).
        line: usize,
        /// The view.
        view: String,
        /// The database.
        db: PathBuf,
        /// SQLite's error (boxed: this error travels up through every room's error).
        source: Box<rusqlite::Error>,
    },
    /// A reading through the mapping ran past its time limit and was stopped.
    #[error(
        "reading the database {db} through the mapping {path}{} took longer than [database] query_timeout ({}) and was stopped: a view that never ends (a WITH RECURSIVE without a stop) or one too slow for this limit",
        view.as_deref().map(|v| format!(" (the view {v})")).unwrap_or_default(),
        shown(*limit)
    )]
    TimedOut {
        /// The mapping file.
        path: PathBuf,
        /// The database.
        db: PathBuf,
        /// The view being read, when the reader knows it.
        view: Option<String>,
        /// The limit it ran past.
        limit: Duration,
    },
    /// Opening the database.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// How long one reading through a mapping may last when the config does not
/// say (`[database] query_timeout`): minutes, far beyond what an office's
/// database needs, and short enough that a view that never ends is named the
/// same morning.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(5 * 60);

/// Virtual-machine steps between two looks at the clock: one clock read per
/// some microseconds of SQLite's work, a cost no one can measure.
const TICK: std::ffi::c_int = 10_000;

/// A time limit as the config writes it (`2s`, `5min`).
pub fn shown(limit: Duration) -> String {
    crate::span::Span::Seconds(limit.as_secs()).to_string()
}

/// One `CREATE VIEW` of a mapping file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The view's name (a reference table's, or a helper's).
    pub name: String,
    /// The line its statement starts on (1-based).
    pub line: usize,
    /// The statement as eqvault runs it: `CREATE TEMP VIEW …`.
    sql: String,
}

/// A parsed mapping file and the time limit of a reading through it, cheap
/// to clone (each reading thread applies it to its own connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    inner: Arc<(PathBuf, Vec<View>)>,
    limit: Duration,
}

impl Mapping {
    /// Reads and parses `path`.
    ///
    /// # Errors
    /// [`MappingError::Read`], or [`MappingError::Refused`] for a statement that is not a view.
    pub fn load(path: &Path) -> Result<Mapping, MappingError> {
        let text = std::fs::read_to_string(path).map_err(|source| MappingError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Mapping::parse(path, &text)
    }

    /// Parses the text of a mapping file (`path` is for messages).
    ///
    /// Statements are split on `;` outside quotes and comments; each one must
    /// read `CREATE [TEMP|TEMPORARY] VIEW [IF NOT EXISTS] name …` with an
    /// unqualified name. SQLite prepares each piece on its own later, so a
    /// piece that hides a second statement fails there ("Multiple statements").
    ///
    /// # Errors
    /// [`MappingError::Refused`] naming the line of the first statement that is not a view,
    /// a name used twice, or a file with no view at all.
    pub fn parse(path: &Path, text: &str) -> Result<Mapping, MappingError> {
        let refuse = |line: usize, what: String| MappingError::Refused {
            path: path.to_path_buf(),
            line,
            what,
        };
        let mut views: Vec<View> = Vec::new();
        for piece in split(text) {
            let words = &piece.words;
            let Some(first) = words.first() else {
                continue;
            };
            let upper = |i: usize| words.get(i).map(|w| w.text.to_ascii_uppercase());
            if upper(0).as_deref() != Some("CREATE") {
                return Err(refuse(
                    first.line,
                    format!("`{}` is not CREATE VIEW", shorten(&piece.sql)),
                ));
            }
            let mut i = 1;
            let temp = matches!(upper(1).as_deref(), Some("TEMP" | "TEMPORARY"));
            if temp {
                i += 1;
            }
            if upper(i).as_deref() != Some("VIEW") {
                return Err(refuse(
                    first.line,
                    format!(
                        "`{}` creates something other than a view",
                        shorten(&piece.sql)
                    ),
                ));
            }
            i += 1;
            if upper(i).as_deref() == Some("IF") {
                i += 3;
            }
            let Some(name) = words.get(i) else {
                return Err(refuse(first.line, "a CREATE VIEW without a name".into()));
            };
            if words.get(i + 1).is_some_and(|w| w.text == ".") {
                return Err(refuse(
                    first.line,
                    format!(
                        "the view {} names a schema: write the bare name, eqvault makes every view TEMP",
                        name.text
                    ),
                ));
            }
            let name = unquote(&name.text);
            if views.iter().any(|v| v.name.eq_ignore_ascii_case(&name)) {
                return Err(refuse(
                    first.line,
                    format!("the view {name} is defined twice"),
                ));
            }
            let sql = if temp {
                piece.sql.clone()
            } else {
                let (a, b) = piece.sql.split_at(first.end - piece.start);
                format!("{a} TEMP{b}")
            };
            views.push(View {
                name,
                line: first.line,
                sql,
            });
        }
        if views.is_empty() {
            return Err(refuse(
                1,
                "no CREATE VIEW in the file: `eqvault mapping init --out FILE` writes one per reference table".into(),
            ));
        }
        Ok(Mapping {
            inner: Arc::new((path.to_path_buf(), views)),
            limit: DEFAULT_TIME_LIMIT,
        })
    }

    /// This mapping with another time limit (`[database] query_timeout`):
    /// how long one connection may read through it, from [`Mapping::apply`]
    /// on. [`DEFAULT_TIME_LIMIT`] unless told.
    #[must_use]
    pub fn with_limit(mut self, limit: Duration) -> Mapping {
        self.limit = limit;
        self
    }

    /// The time limit of a reading through it.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// `e` as [`MappingError::TimedOut`] when it is SQLite's interruption of
    /// a reading of `db` through this mapping that ran past its limit (the
    /// only interruption eqvault makes); `view` names the view being read,
    /// when the reader knows it.
    pub fn timed_out(
        &self,
        e: &rusqlite::Error,
        db: &Path,
        view: Option<&str>,
    ) -> Option<MappingError> {
        (e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted)).then(|| {
            MappingError::TimedOut {
                path: self.path().to_path_buf(),
                db: db.to_path_buf(),
                view: view.map(str::to_string),
                limit: self.limit,
            }
        })
    }

    /// The mapping file.
    pub fn path(&self) -> &Path {
        &self.inner.0
    }

    /// Its views, in file order.
    pub fn views(&self) -> &[View] {
        &self.inner.1
    }

    /// Creates the views in `conn`'s TEMP schema, then makes `conn` query-only;
    /// from here on, a statement of `conn` that runs past the mapping's time
    /// limit is interrupted ([`Mapping::timed_out`] tells that error).
    ///
    /// # Errors
    /// [`MappingError::Sql`] naming the statement's line when SQLite refuses a
    /// view or cannot read through it; [`MappingError::Refused`] when a
    /// statement made anything but a view.
    pub fn apply(&self, conn: &Connection, db: &Path) -> Result<(), MappingError> {
        let sql_err = |v: &View, source: rusqlite::Error| MappingError::Sql {
            path: self.path().to_path_buf(),
            line: v.line,
            view: v.name.clone(),
            db: db.to_path_buf(),
            source: Box::new(source),
        };
        // The time limit. A view that never ends (a WITH RECURSIVE without a
        // stop) would otherwise hold `backup`, `check` and `mapping check`, and
        // the backup lock, for ever.
        //
        // A progress handler that compares the clock with a deadline, and not
        // a timer thread calling an `InterruptHandle`: no thread per
        // connection (a report opens one per core), nothing left to cancel
        // when the reading ends early, and no interrupt that could land on a
        // later reading; it dies with its connection, and SQLite calls it only
        // while a statement runs. The deadline is set once, here, so it bounds
        // the whole reading this connection serves (a `mapping check`, the
        // rules of a `check`, the ledger's read, one reader of a report):
        // SQLite tells a progress handler nothing of which statement runs, and
        // the readers keep cached statements, so a clock per statement would
        // need every reader to reset it.
        if let Some(deadline) = Instant::now().checked_add(self.limit) {
            conn.progress_handler(TICK, Some(move || Instant::now() >= deadline));
        }
        for v in self.views() {
            // One statement per prepare: rusqlite refuses a tail that holds another.
            let mut stmt = conn.prepare(&v.sql).map_err(|e| sql_err(v, e))?;
            stmt.raw_execute().map_err(|e| sql_err(v, e))?;
        }
        // Defence in depth: the TEMP schema holds views and nothing else.
        let others: Vec<String> = {
            let mut s = conn
                .prepare("SELECT type || ' ' || name FROM sqlite_temp_schema WHERE type <> 'view'")
                .map_err(|e| sql_err(&self.views()[0], e))?;
            s.query_map([], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(|e| sql_err(&self.views()[0], e))?
        };
        if let Some(o) = others.first() {
            return Err(MappingError::Refused {
                path: self.path().to_path_buf(),
                line: 1,
                what: format!("applying it made {o}, which is not a view"),
            });
        }
        conn.pragma_update(None, "query_only", true)
            .map_err(|e| sql_err(&self.views()[0], e))?;
        // A view is only compiled when read: read each once, so that a wrong
        // column fails here, naming its line, and not in the middle of a rule.
        for v in self.views() {
            conn.prepare(&format!("SELECT * FROM temp.{} LIMIT 0", quote(&v.name)))
                .map_err(|e| sql_err(v, e))?;
        }
        Ok(())
    }
}

/// Opens `db` read-only (never creating it) with `mapping` applied: the one
/// way eqvault opens a database it reads as the reference schema (the rules,
/// the identifier ledger, the report's statistics, the drill's identifier checks).
///
/// # Errors
/// [`MappingError::Snapshot`] for a missing or non-SQLite file, or the errors of [`Mapping::apply`].
pub fn open_read_only(
    db: &Path,
    busy: Duration,
    mapping: Option<&Mapping>,
) -> Result<Connection, MappingError> {
    let conn = crate::snapshot::open_read_only(db, busy)?;
    if let Some(m) = mapping {
        m.apply(&conn, db)?;
    }
    Ok(conn)
}

/// Whether `name` is a table or view `conn` can read unqualified (TEMP first, as SQLite resolves it).
///
/// # Errors
/// SQLite errors.
pub fn has_relation(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_temp_schema WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE) \
         OR EXISTS (SELECT 1 FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE)",
        [name],
        |r| r.get(0),
    )
}

/// `"name"`, an identifier quoted for SQL.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn unquote(word: &str) -> String {
    let b = word.as_bytes();
    match (b.first(), b.last()) {
        (Some(b'"'), Some(b'"')) | (Some(b'`'), Some(b'`')) if b.len() >= 2 => {
            let q = &word[..1];
            word[1..word.len() - 1].replace(&format!("{q}{q}"), q)
        }
        (Some(b'['), Some(b']')) if b.len() >= 2 => word[1..word.len() - 1].to_string(),
        _ => word.to_string(),
    }
}

fn shorten(sql: &str) -> String {
    let one: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(60) {
        Some((i, _)) => format!("{} …", &one[..i]),
        None => one,
    }
}

/// A word of a statement: its text, where it ends in the file, and its line.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    end: usize,
    line: usize,
}

/// One statement of the file: its text (from its first word to its `;`) and its first words.
#[derive(Debug, Clone)]
struct Piece {
    sql: String,
    start: usize,
    words: Vec<Word>,
}

/// Splits SQL text into statements on `;` outside quotes and comments,
/// keeping the first words of each (enough to tell what it creates).
fn split(text: &str) -> Vec<Piece> {
    const WORDS: usize = 8;
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut start: Option<usize> = None;
    let mut line = 1;
    let mut i = 0;
    let mut finish = |start: &mut Option<usize>, words: &mut Vec<Word>, end: usize| {
        if let Some(s) = start.take() {
            out.push(Piece {
                sql: text[s..end].to_string(),
                start: s,
                words: std::mem::take(words),
            });
        }
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i = (i + 2).min(b.len());
            }
            b';' => {
                finish(&mut start, &mut words, i + 1);
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let from = i;
                let first_line = line;
                let close = match c {
                    b'\'' | b'"' | b'`' => Some(c),
                    b'[' => Some(b']'),
                    _ => None,
                };
                if let Some(q) = close {
                    i += 1;
                    loop {
                        match b.get(i) {
                            None => break,
                            Some(&x) if x == q => {
                                // A doubled quote is the quote itself.
                                if q != b']' && b.get(i + 1) == Some(&q) {
                                    i += 2;
                                    continue;
                                }
                                i += 1;
                                break;
                            }
                            Some(b'\n') => {
                                line += 1;
                                i += 1;
                            }
                            Some(_) => i += 1,
                        }
                    }
                } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
                    while i < b.len()
                        && (b[i].is_ascii_alphanumeric()
                            || b[i] == b'_'
                            || b[i] == b'$'
                            || b[i] >= 0x80)
                    {
                        i += 1;
                    }
                } else {
                    i += 1;
                }
                start.get_or_insert(from);
                if words.len() < WORDS {
                    words.push(Word {
                        text: text[from..i].to_string(),
                        end: i,
                        line: first_line,
                    });
                }
            }
        }
    }
    finish(&mut start, &mut words, b.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Mapping, MappingError> {
        Mapping::parse(Path::new("m.sql"), text)
    }

    fn db() -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("vendor.db");
        let c = Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE dm_truong (ma TEXT PRIMARY KEY, ten TEXT); INSERT INTO dm_truong VALUES ('79A', 'Trường A');")
            .unwrap();
        (d, p)
    }

    #[test]
    fn views_are_made_temp_and_read_through() {
        let m = parse(
            "-- a comment; with a semicolon\nCREATE VIEW schools AS\n  SELECT ma AS school_id, ten AS name FROM dm_truong;\n/* another; */ create temp view \"x\"\"y\" AS SELECT 1 AS a;\n",
        )
        .unwrap();
        assert_eq!(
            m.views()
                .iter()
                .map(|v| (v.name.as_str(), v.line))
                .collect::<Vec<_>>(),
            [("schools", 2), ("x\"y", 4)]
        );
        let (_d, p) = db();
        let c = open_read_only(&p, Duration::from_secs(1), Some(&m)).unwrap();
        let name: String = c
            .query_row(
                "SELECT name FROM schools WHERE school_id = '79A'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(name, "Trường A");
        assert!(has_relation(&c, "schools").unwrap());
        assert!(has_relation(&c, "dm_truong").unwrap());
        assert!(!has_relation(&c, "staff").unwrap());
        // query_only: not even TEMP can be written now.
        assert!(c.execute_batch("CREATE TEMP TABLE t (a)").is_err());
    }

    #[test]
    fn anything_but_a_view_is_refused_with_its_line() {
        for (text, line, says) in [
            (
                "CREATE VIEW a AS SELECT 1;\n\nDROP TABLE dm_truong;",
                3,
                "not CREATE VIEW",
            ),
            ("CREATE TABLE schools (a);", 1, "other than a view"),
            (
                "\n CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN DELETE FROM y; END;",
                2,
                "other than a view",
            ),
            ("CREATE VIEW main.schools AS SELECT 1;", 1, "names a schema"),
            (
                "CREATE VIEW a AS SELECT 1; CREATE VIEW A AS SELECT 2;",
                1,
                "defined twice",
            ),
            (
                "INSERT INTO dm_truong VALUES ('x', 'y');",
                1,
                "not CREATE VIEW",
            ),
            ("PRAGMA writable_schema = 1;", 1, "not CREATE VIEW"),
            ("ATTACH 'evil.db' AS e;", 1, "not CREATE VIEW"),
            ("-- nothing\n", 1, "no CREATE VIEW"),
        ] {
            match parse(text) {
                Err(MappingError::Refused { line: l, what, .. }) => {
                    assert_eq!(l, line, "{text}: {what}");
                    assert!(what.contains(says), "{text}: {what}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_view_that_never_ends_is_stopped_at_the_limit_and_told_as_such() {
        let (_d, p) = db();
        let m = parse(
            "CREATE VIEW schools AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)\n  SELECT n AS school_id FROM r WHERE n < 0;",
        )
        .unwrap()
        .with_limit(Duration::from_millis(300));
        let c = open_read_only(&p, Duration::from_secs(1), Some(&m)).unwrap();
        let t = Instant::now();
        let e = c
            .query_row("SELECT count(*) FROM schools", [], |r| r.get::<_, i64>(0))
            .unwrap_err();
        // Generous: the point is that it ends, on a loaded machine too.
        assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
        match m.timed_out(&e, &p, Some("schools")) {
            Some(MappingError::TimedOut { view, limit, .. }) => {
                assert_eq!(view.as_deref(), Some("schools"));
                assert_eq!(limit, Duration::from_millis(300));
            }
            other => panic!("{e}: {other:?}"),
        }
        // Any other failure is not the limit's.
        let e = c.prepare("SELECT nosuch FROM schools").unwrap_err();
        assert!(m.timed_out(&e, &p, None).is_none());
        // A connection of its own has a deadline of its own: a new reading
        // starts with the whole limit.
        let c = open_read_only(&p, Duration::from_secs(1), Some(&m)).unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM dm_truong", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            parse("CREATE VIEW a AS SELECT 1;").unwrap().limit(),
            DEFAULT_TIME_LIMIT
        );
    }

    #[test]
    fn sql_that_fails_names_its_line_and_the_database_is_untouched() {
        let (_d, p) = db();
        let before = std::fs::read(&p).unwrap();
        let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
        for text in [
            "CREATE VIEW a AS SELECT 1;\n\nCREATE VIEW schools AS SELECT nosuch AS school_id FROM dm_truong;",
            "CREATE VIEW a AS SELECT 1;\n\nCREATE VIEW schools AS SELECT 1 FROM no_table;",
            "CREATE VIEW a AS SELECT 1;\n\nCREATE VIEW b AS SELECT 1 FROM dm_truong; DELETE FROM dm_truong",
        ] {
            let m = match parse(text) {
                Ok(m) => m,
                // The hidden DELETE is its own statement, refused at parse time.
                Err(MappingError::Refused { line: 3, .. }) => continue,
                Err(e) => panic!("{e}"),
            };
            match open_read_only(&p, Duration::from_secs(1), Some(&m)) {
                Err(MappingError::Sql { line: 3, .. }) => {}
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(std::fs::read(&p).unwrap(), before);
        assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), mtime);
    }
}
