//! The identifier ledger: every identifier (school, staff, equipment) each backup saw,
//! with the first and last snapshot it was seen in (Art. 6: identifiers are never deleted or changed).
//!
//! Kept locally in `[state] dir/ledger.db` and, after each backup, sealed
//! (zstd + age) in every store as `ledger/<snapshot-id>.jsonl.zst.age`, with a
//! signed clear record `ledger/<snapshot-id>.json` ([`Sealed`]: which host
//! sealed it, when, and the object's SHA-256). The ledger is cumulative, so each
//! host's newest sealed copy is its whole history: `eqvault ledger rebuild`
//! restores it from the stores and the identity alone.
//!
//! Each identifier carries a fingerprint of the parts of its row that never
//! change lawfully (an item's school, catalog code, name, creation date…), so
//! that a vanished identifier whose fingerprint reappears under a new code is a
//! renamed identifier (`changed_identifier`), not only a deleted one. An
//! equipment id keeps the school it was first seen at (an item never changes
//! school lawfully), so that the same code on another school's item is seen
//! as issued again (`reused_identifier`) in every later check.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where sealed ledgers live in a store.
pub const LEDGER: &str = "ledger";
/// The suffix of a sealed ledger.
pub const SUFFIX: &str = ".jsonl.zst.age";
/// The suffix of a sealed ledger's signed record.
pub const RECORD_SUFFIX: &str = ".json";
/// The largest ledger accepted when unsealing (plaintext bytes).
pub const MAX_BYTES: u64 = 1 << 30;

/// Errors of the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// SQLite failed on the ledger file.
    #[error("identifier ledger {path}: {source}")]
    Sqlite {
        /// The ledger file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A sealed ledger that does not parse.
    #[error("the sealed ledger {key} is not readable: {detail}")]
    Parse {
        /// The store key.
        key: String,
        /// What is wrong.
        detail: String,
    },
}

/// The signed clear record beside a sealed ledger: enough to keep, sort and
/// check it without the private key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    /// The format version (1).
    pub format_version: u32,
    /// The snapshot whose backup sealed it (also its name).
    pub snapshot: String,
    /// The host that sealed it (its name, for people; the signature says which key).
    pub host: String,
    /// When.
    pub created_at: DateTime<FixedOffset>,
    /// The sealed object's key.
    pub object: String,
    /// Its length.
    pub object_bytes: u64,
    /// Its SHA-256.
    pub object_sha256: String,
    /// The vault (`[database] vault`) it was signed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
}

impl Sealed {
    /// The object key of the sealed ledger of `snapshot`.
    pub fn object_key(snapshot: &str) -> String {
        format!("{LEDGER}/{snapshot}{SUFFIX}")
    }

    /// The record key of the sealed ledger of `snapshot`.
    pub fn record_key(snapshot: &str) -> String {
        format!("{LEDGER}/{snapshot}{RECORD_SUFFIX}")
    }

    /// Parses a record read (and verified) at `key`, checking it describes its own key.
    ///
    /// # Errors
    /// A message saying what does not fit.
    pub fn parse(key: &str, b: &[u8]) -> Result<Sealed, String> {
        let s: Sealed = serde_json::from_slice(b).map_err(|e| e.to_string())?;
        if s.snapshot.parse::<crate::catalog::SnapshotId>().is_err()
            || Sealed::record_key(&s.snapshot) != key
            || Sealed::object_key(&s.snapshot) != s.object
        {
            return Err(format!(
                "it describes {} but is stored as {key}",
                crate::sanitize::for_terminal(&s.object)
            ));
        }
        Ok(s)
    }
}

/// Whose identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `schools.school_id`.
    Schools,
    /// `staff.staff_id`.
    Staff,
    /// `equipment.equipment_id`.
    Equipment,
}

impl Kind {
    /// The table's name.
    pub fn table(self) -> &'static str {
        match self {
            Kind::Schools => "schools",
            Kind::Staff => "staff",
            Kind::Equipment => "equipment",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s {
            "schools" => Some(Kind::Schools),
            "staff" => Some(Kind::Staff),
            "equipment" => Some(Kind::Equipment),
            _ => None,
        }
    }
}

/// One identifier as seen in a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ident {
    /// Whose.
    pub kind: Kind,
    /// The identifier.
    pub id: String,
    /// The school it belongs to (itself for a school).
    pub school_id: String,
    /// SHA-256 of the row's immutable parts.
    pub fingerprint: String,
}

/// One identifier in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The identifier.
    #[serde(flatten)]
    pub ident: Ident,
    /// The first snapshot it was seen in.
    pub first_snapshot: String,
    /// When that was.
    pub first_seen: DateTime<FixedOffset>,
    /// The last snapshot it was seen in.
    pub last_snapshot: String,
    /// When that was.
    pub last_seen: DateTime<FixedOffset>,
}

/// The queries that read identifiers and fingerprints, per table.
const QUERIES: [(Kind, &str); 3] = [
    (
        Kind::Schools,
        "SELECT school_id, school_id, name, level, ownership, created_at FROM schools",
    ),
    (
        Kind::Staff,
        "SELECT staff_id, school_id, full_name FROM staff",
    ),
    (
        Kind::Equipment,
        "SELECT equipment_id, school_id, catalog_code, name, subject, grade, unit, source, year_in_use, created_at FROM equipment",
    ),
];

/// Rows of one table the identifier read could not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Whose identifiers.
    pub kind: Kind,
    /// How many rows (or `0` when the whole table could not be read).
    pub rows: u64,
    /// Why, in English.
    pub why: String,
}

/// What [`read_identifiers`] found.
#[derive(Debug, Clone, Default)]
pub struct Identifiers {
    /// Every identifier read.
    pub idents: Vec<Ident>,
    /// What could not be read, per table: never a reason to stop a backup.
    pub skipped: Vec<Skipped>,
}

/// Reads every identifier of a database in the reference schema (or read through
/// a mapping's views, [`crate::mapping::open_read_only`]). Tables that do
/// not exist are skipped. A row whose identifier is NULL or not text is left out
/// and counted; a table missing a fingerprint column is read without it (its
/// identifiers are still seen, only renames cannot be told); a table that cannot
/// be read at all is named. None of this is an error: the ledger is evidence, and
/// a backup must never stop because the live data is odd.
///
/// # Errors
/// SQLite errors reading the schema itself.
pub fn read_identifiers(c: &Connection) -> rusqlite::Result<Identifiers> {
    let mut out = Identifiers::default();
    for (kind, q) in QUERIES {
        // A mapping's views are in TEMP: ask both schemas, as SQLite resolves the name.
        if !crate::mapping::has_relation(c, kind.table())? {
            continue;
        }
        let cols: Vec<&str> = q
            .trim_start_matches("SELECT ")
            .split(" FROM ")
            .next()
            .unwrap_or("")
            .split(", ")
            .collect();
        let minimal = format!("SELECT {}, {} FROM {}", cols[0], cols[1], kind.table());
        let mut s = match c.prepare(q) {
            Ok(s) => s,
            Err(full) => {
                match c.prepare(&minimal) {
                    Ok(s) => {
                        out.skipped.push(Skipped {
                        kind,
                        rows: 0,
                        why: format!(
                            "{full}: identifiers read without their fingerprint, so a renamed identifier shows as deleted"
                        ),
                    });
                        s
                    }
                    Err(e) => {
                        out.skipped.push(Skipped {
                        kind,
                        rows: 0,
                        why: format!("the table cannot be read ({e}): its identifiers are not in the ledger"),
                    });
                        continue;
                    }
                }
            }
        };
        let n = s.column_count();
        let mut rows = s.query([])?;
        let mut bad = 0u64;
        while let Some(r) = rows.next()? {
            let id = match r.get_ref(0)? {
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                _ => {
                    bad += 1;
                    continue;
                }
            };
            let school_id = match r.get_ref(1)? {
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                _ => String::new(),
            };
            let mut h = Sha256::new();
            h.update(kind.table().as_bytes());
            for i in 1..n {
                let t = match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => "\u{0}null".to_string(),
                    rusqlite::types::ValueRef::Integer(x) => x.to_string(),
                    rusqlite::types::ValueRef::Real(x) => x.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(b) => hex::encode(b),
                };
                h.update([0x1f]);
                h.update(t.as_bytes());
            }
            out.idents.push(Ident {
                kind,
                id,
                school_id,
                fingerprint: hex::encode(&h.finalize()[..16]),
            });
        }
        if bad > 0 {
            out.skipped.push(Skipped {
                kind,
                rows: bad,
                why: format!("{bad} rows whose identifier is NULL or not text were left out"),
            });
        }
    }
    Ok(out)
}

/// A ledger row that could not be read: (kind, id, why).
pub type Unreadable = (String, String, String);

/// The local ledger file.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

impl Ledger {
    /// The ledger's path under a state folder.
    pub fn path_in(state_dir: &Path) -> PathBuf {
        state_dir.join("ledger.db")
    }

    /// Opens (creating if needed) the ledger at `path`.
    ///
    /// # Errors
    /// [`LedgerError::Sqlite`].
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let err = |source| LedgerError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS identifiers (
                 kind TEXT NOT NULL, id TEXT NOT NULL, school_id TEXT NOT NULL, fingerprint TEXT NOT NULL,
                 first_snapshot TEXT NOT NULL, first_seen TEXT NOT NULL,
                 last_snapshot TEXT NOT NULL, last_seen TEXT NOT NULL,
                 PRIMARY KEY (kind, id));
             CREATE TABLE IF NOT EXISTS snapshots (id TEXT PRIMARY KEY, seen TEXT NOT NULL);",
        )
        .map_err(err)?;
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens the ledger only if it exists.
    ///
    /// # Errors
    /// [`LedgerError::Sqlite`].
    pub fn open_existing(path: &Path) -> Result<Option<Ledger>, LedgerError> {
        if path.exists() {
            Self::open(path).map(Some)
        } else {
            Ok(None)
        }
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> LedgerError + '_ {
        |source| LedgerError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Records that `snapshot` (taken at `at`) saw `ids`.
    ///
    /// # Errors
    /// [`LedgerError::Sqlite`].
    pub fn record(
        &mut self,
        snapshot: &str,
        at: DateTime<FixedOffset>,
        ids: &[Ident],
    ) -> Result<(), LedgerError> {
        let at_s = at.to_rfc3339();
        let path = self.path.clone();
        let err = move |source| LedgerError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(&err)?;
        {
            let mut up = tx
                .prepare(
                    "INSERT INTO identifiers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6)
                     ON CONFLICT (kind, id) DO UPDATE SET
                       school_id = CASE WHEN kind = 'equipment'
                                             THEN CASE WHEN excluded.first_snapshot < first_snapshot
                                                       THEN excluded.school_id ELSE school_id END
                                        WHEN excluded.last_snapshot > last_snapshot THEN excluded.school_id
                                        ELSE school_id END,
                       fingerprint = CASE WHEN excluded.last_snapshot > last_snapshot THEN excluded.fingerprint ELSE fingerprint END,
                       first_snapshot = min(first_snapshot, excluded.first_snapshot),
                       first_seen = CASE WHEN excluded.first_snapshot < first_snapshot THEN excluded.first_seen ELSE first_seen END,
                       last_seen = CASE WHEN excluded.last_snapshot > last_snapshot THEN excluded.last_seen ELSE last_seen END,
                       last_snapshot = max(last_snapshot, excluded.last_snapshot)",
                )
                .map_err(&err)?;
            for i in ids {
                let kind = serde_json::to_value(i.kind)
                    .expect("kind")
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                up.execute(params![
                    kind,
                    i.id,
                    i.school_id,
                    i.fingerprint,
                    snapshot,
                    at_s
                ])
                .map_err(&err)?;
            }
            tx.execute(
                "INSERT OR IGNORE INTO snapshots VALUES (?1, ?2)",
                params![snapshot, at_s],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)
    }

    /// Every identifier ever recorded.
    ///
    /// # Errors
    /// [`LedgerError::Sqlite`].
    pub fn entries(&self) -> Result<Vec<Entry>, LedgerError> {
        self.entries_and_unreadable().map(|(e, _)| e)
    }

    /// Every identifier ever recorded, and the rows that could not be read
    /// (an unknown kind, a time that is not RFC 3339), each as
    /// `(kind, id, why)`: `check` reports those as `data_quality`.
    ///
    /// # Errors
    /// [`LedgerError::Sqlite`].
    pub fn entries_and_unreadable(&self) -> Result<(Vec<Entry>, Vec<Unreadable>), LedgerError> {
        let mut s = self
            .conn
            .prepare("SELECT kind, id, school_id, fingerprint, first_snapshot, first_seen, last_snapshot, last_seen FROM identifiers ORDER BY kind, id")
            .map_err(self.err())?;
        let rows = s
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })
            .map_err(self.err())?;
        let mut out = Vec::new();
        let mut unreadable = Vec::new();
        for row in rows {
            let (kind, id, school_id, fingerprint, fs, fsn, ls, lsn) = row.map_err(self.err())?;
            let (Some(kind), Ok(first_seen), Ok(last_seen)) = (
                Kind::parse(&kind),
                DateTime::parse_from_rfc3339(&fsn),
                DateTime::parse_from_rfc3339(&lsn),
            ) else {
                let why = if Kind::parse(&kind).is_none() {
                    format!("unknown kind {kind:?}")
                } else {
                    format!("first_seen {fsn:?} or last_seen {lsn:?} is not an RFC 3339 time")
                };
                unreadable.push((kind, id, why));
                continue;
            };
            out.push(Entry {
                ident: Ident {
                    kind,
                    id,
                    school_id,
                    fingerprint,
                },
                first_snapshot: fs,
                first_seen,
                last_snapshot: ls,
                last_seen,
            });
        }
        Ok((out, unreadable))
    }

    /// The newest snapshot recorded.
    ///
    /// # Errors
    /// [`LedgerError::Sqlite`].
    pub fn newest_snapshot(&self) -> Result<Option<String>, LedgerError> {
        self.conn
            .query_row("SELECT max(id) FROM snapshots", [], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(self.err())
    }

    /// The whole ledger as JSON lines (one [`Entry`] per line), for sealing.
    ///
    /// # Errors
    /// [`LedgerError::Sqlite`].
    pub fn export(&self) -> Result<Vec<u8>, LedgerError> {
        let mut out = Vec::new();
        for e in self.entries()? {
            serde_json::to_writer(&mut out, &e).expect("entry serialises");
            out.push(b'\n');
        }
        Ok(out)
    }

    /// Merges an exported ledger into this one.
    ///
    /// # Errors
    /// [`LedgerError::Parse`] on a bad line, [`LedgerError::Sqlite`].
    pub fn import(&mut self, key: &str, jsonl: &[u8]) -> Result<usize, LedgerError> {
        let mut by_snapshot: BTreeMap<(String, String), Vec<Ident>> = BTreeMap::new();
        let mut n = 0;
        for line in jsonl.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let e: Entry = serde_json::from_slice(line).map_err(|e| LedgerError::Parse {
                key: key.to_string(),
                detail: e.to_string(),
            })?;
            // Both ends of each entry are recorded, which rebuilds first and last exactly.
            by_snapshot
                .entry((e.first_snapshot.clone(), e.first_seen.to_rfc3339()))
                .or_default()
                .push(e.ident.clone());
            by_snapshot
                .entry((e.last_snapshot.clone(), e.last_seen.to_rfc3339()))
                .or_default()
                .push(e.ident);
            n += 1;
        }
        for ((snap, seen), ids) in by_snapshot {
            let at = DateTime::parse_from_rfc3339(&seen).expect("written by to_rfc3339");
            self.record(&snap, at, &ids)?;
        }
        Ok(n)
    }
}

/// An identifier of the ledger that the database no longer has.
#[derive(Debug, Clone, Serialize)]
pub struct Vanished {
    /// What the ledger knows of it.
    pub entry: Entry,
    /// A current identifier with the same fingerprint that the ledger never saw: the new code of a renamed row.
    /// Set only when the pairing is one-to-one: this is the only vanished
    /// identifier with that fingerprint, and that the only new one.
    pub renamed_to: Option<String>,
    /// When the pairing is not one-to-one (several vanished or several new
    /// identifiers share the fingerprint): the new identifiers it could have
    /// become. It is then reported as deleted, naming them.
    pub candidates: Vec<String>,
}

/// Compares the ledger with the identifiers of the database now.
pub fn vanished(ledger: &[Entry], now: &[Ident]) -> Vec<Vanished> {
    use std::collections::{HashMap, HashSet};
    let current: HashSet<(Kind, &str)> = now.iter().map(|i| (i.kind, i.id.as_str())).collect();
    let known: HashSet<(Kind, &str)> = ledger
        .iter()
        .map(|e| (e.ident.kind, e.ident.id.as_str()))
        .collect();
    // New identifiers (never in the ledger), by fingerprint.
    let mut fresh: HashMap<(Kind, &str), Vec<&str>> = HashMap::new();
    for i in now {
        if !known.contains(&(i.kind, i.id.as_str())) {
            fresh
                .entry((i.kind, i.fingerprint.as_str()))
                .or_default()
                .push(&i.id);
        }
    }
    let gone: Vec<&Entry> = ledger
        .iter()
        .filter(|e| !current.contains(&(e.ident.kind, e.ident.id.as_str())))
        .collect();
    // Vanished identifiers, by fingerprint: a rename is one-to-one, so a
    // fingerprint two vanished rows share pairs with neither.
    let mut vanished_by: HashMap<(Kind, &str), usize> = HashMap::new();
    for e in &gone {
        *vanished_by
            .entry((e.ident.kind, e.ident.fingerprint.as_str()))
            .or_default() += 1;
    }
    gone.into_iter()
        .map(|e| {
            let key = (e.ident.kind, e.ident.fingerprint.as_str());
            let new: Vec<String> = fresh
                .get(&key)
                .map(|v| v.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            let one_to_one = new.len() == 1 && vanished_by.get(&key) == Some(&1);
            Vanished {
                entry: e.clone(),
                renamed_to: one_to_one.then(|| new[0].clone()),
                candidates: if one_to_one { Vec::new() } else { new },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(include_str!("../../schema/equipment.sql"))
            .unwrap();
        c.execute_batch(
            "INSERT INTO schools VALUES ('79000001','Trường THCS Nguyễn Du','thcs','cong_lap','active',NULL,'2020-01-01');
             INSERT INTO staff VALUES ('NV001','79000001','Nguyễn Thị Lan','principal','working',NULL);
             INSERT INTO staff VALUES ('NV002','79000001','Trần Văn Hùng','teacher','working',NULL);
             INSERT INTO equipment (equipment_id, school_id, name, created_at, updated_at) VALUES
               ('TB001','79000001','Kính hiển vi','2021-01-01','2021-01-01'),
               ('TB002','79000001','Máy chiếu','2021-02-01','2021-02-01');",
        )
        .unwrap();
        c
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    /// Issue 29: an item keeps the school of the earliest snapshot that saw it,
    /// whatever order snapshots are recorded in (`ledger rebuild` merges).
    #[test]
    fn an_item_keeps_the_school_of_its_earliest_snapshot() {
        let d = tempfile::tempdir().unwrap();
        let mut l = Ledger::open(&d.path().join("ledger.db")).unwrap();
        let ident = |school: &str| Ident {
            kind: Kind::Equipment,
            id: "TB7".into(),
            school_id: school.into(),
            fingerprint: school.into(),
        };
        l.record(
            "20260301T000000Z-000002",
            at("2026-03-01T07:00:00+07:00"),
            &[ident("B")],
        )
        .unwrap();
        l.record(
            "20260101T000000Z-000001",
            at("2026-01-01T07:00:00+07:00"),
            &[ident("A")],
        )
        .unwrap();
        l.record(
            "20260401T000000Z-000003",
            at("2026-04-01T07:00:00+07:00"),
            &[ident("C")],
        )
        .unwrap();
        let (entries, _) = l.entries_and_unreadable().unwrap();
        assert_eq!(entries[0].ident.school_id, "A");
        assert_eq!(
            entries[0].ident.fingerprint, "C",
            "the fingerprint is the newest"
        );
    }

    #[test]
    fn deletion_and_rename_are_seen_and_status_changes_are_not() {
        let c = db();
        let d = tempfile::tempdir().unwrap();
        let mut l = Ledger::open(&d.path().join("ledger.db")).unwrap();
        l.record(
            "20260101T000000Z-000001",
            at("2026-01-01T07:00:00+07:00"),
            &read_identifiers(&c).unwrap().idents,
        )
        .unwrap();
        c.execute_batch(
            "DELETE FROM staff WHERE staff_id = 'NV002';
             UPDATE equipment SET equipment_id = 'TB999' WHERE equipment_id = 'TB002';
             DELETE FROM equipment WHERE equipment_id = 'TB001';
             UPDATE schools SET status = 'inactive', status_changed_on = '2026-01-05';",
        )
        .unwrap();
        let now = read_identifiers(&c).unwrap().idents;
        let v = vanished(&l.entries().unwrap(), &now);
        let got: Vec<(&str, Option<&str>)> = v
            .iter()
            .map(|x| (x.entry.ident.id.as_str(), x.renamed_to.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![("TB001", None), ("TB002", Some("TB999")), ("NV002", None)]
        );
    }

    /// Issue 14: one code renamed and two rows identical to it apart from
    /// the code deleted: all three were reported "changed to" the new code.
    #[test]
    fn a_rename_pairs_one_to_one_and_ambiguous_matches_are_deletions_naming_the_candidates() {
        let c = db();
        c.execute_batch(
            "INSERT INTO equipment (equipment_id, school_id, name, created_at, updated_at) VALUES
               ('TB101','79000001','Bộ lắp ráp','2021-03-01','2021-03-01'),
               ('TB102','79000001','Bộ lắp ráp','2021-03-01','2021-03-01'),
               ('TB103','79000001','Bộ lắp ráp','2021-03-01','2021-03-01');",
        )
        .unwrap();
        let d = tempfile::tempdir().unwrap();
        let mut l = Ledger::open(&d.path().join("ledger.db")).unwrap();
        l.record(
            "20260101T000000Z-000001",
            at("2026-01-01T07:00:00+07:00"),
            &read_identifiers(&c).unwrap().idents,
        )
        .unwrap();
        c.execute_batch(
            "UPDATE equipment SET equipment_id = 'TB199' WHERE equipment_id = 'TB101';
             DELETE FROM equipment WHERE equipment_id IN ('TB102', 'TB103');",
        )
        .unwrap();
        let v = vanished(&l.entries().unwrap(), &read_identifiers(&c).unwrap().idents);
        let got: Vec<(&str, Option<&str>, Vec<&str>)> = v
            .iter()
            .map(|x| {
                (
                    x.entry.ident.id.as_str(),
                    x.renamed_to.as_deref(),
                    x.candidates.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("TB101", None, vec!["TB199"]),
                ("TB102", None, vec!["TB199"]),
                ("TB103", None, vec!["TB199"]),
            ]
        );
        // And the other way: one vanished row, two new ones that match it.
        c.execute_batch(
            "INSERT INTO equipment (equipment_id, school_id, name, created_at, updated_at) VALUES
               ('TB198','79000001','Bộ lắp ráp','2021-03-01','2021-03-01');",
        )
        .unwrap();
        let now: Vec<Ident> = read_identifiers(&c).unwrap().idents.into_iter().collect();
        let only_101: Vec<Entry> = l
            .entries()
            .unwrap()
            .into_iter()
            .filter(|e| e.ident.id != "TB102" && e.ident.id != "TB103")
            .collect();
        let v = vanished(&only_101, &now);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].renamed_to, None);
        let mut c2 = v[0].candidates.clone();
        c2.sort();
        assert_eq!(c2, ["TB198", "TB199"]);
    }

    #[test]
    fn a_ledger_row_that_cannot_be_read_is_named_not_dropped() {
        let d = tempfile::tempdir().unwrap();
        let l = Ledger::open(&d.path().join("ledger.db")).unwrap();
        l.conn
            .execute_batch(
                "INSERT INTO identifiers VALUES ('equipment','TB1','S','f','s1','hôm qua','s1','2026-01-01T07:00:00+07:00');
                 INSERT INTO identifiers VALUES ('rooms','P1','S','f','s1','2026-01-01T07:00:00+07:00','s1','2026-01-01T07:00:00+07:00');",
            )
            .unwrap();
        let (entries, bad) = l.entries_and_unreadable().unwrap();
        assert!(entries.is_empty());
        let ids: Vec<&str> = bad.iter().map(|(_, id, _)| id.as_str()).collect();
        assert_eq!(ids, ["TB1", "P1"]);
        assert!(bad[1].2.contains("unknown kind"), "{bad:?}");
    }

    #[test]
    fn export_import_round_trips() {
        let c = db();
        let d = tempfile::tempdir().unwrap();
        let mut a = Ledger::open(&d.path().join("a.db")).unwrap();
        a.record(
            "20260101T000000Z-000001",
            at("2026-01-01T07:00:00+07:00"),
            &read_identifiers(&c).unwrap().idents,
        )
        .unwrap();
        c.execute_batch("DELETE FROM equipment WHERE equipment_id = 'TB001';")
            .unwrap();
        a.record(
            "20260201T000000Z-000002",
            at("2026-02-01T07:00:00+07:00"),
            &read_identifiers(&c).unwrap().idents,
        )
        .unwrap();
        let mut b = Ledger::open(&d.path().join("b.db")).unwrap();
        b.import("k", &a.export().unwrap()).unwrap();
        assert_eq!(a.entries().unwrap(), b.entries().unwrap());
        let tb1 = a
            .entries()
            .unwrap()
            .into_iter()
            .find(|e| e.ident.id == "TB001")
            .unwrap();
        assert_eq!(tb1.last_snapshot, "20260101T000000Z-000001");
    }
}
