//! The archive index in the local catalog (`catalog.db` in the state folder): every archived file, its bag and the stores that hold it.
//!
//! The index is a cache of the sidecars in the stores, never the only record:
//! each bag's sidecar JSON is kept whole, and the index can be dropped and
//! rebuilt from the stores at any time (`archive rebuild-index`). Tables are
//! prefixed `archive_` so that other rooms can keep their own in the same file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::kinds::ReportKinds;
use super::{ArchiveError, BagId, Sidecar, Withdrawal};
use crate::calendar::Period;

/// The catalog file in the state folder.
pub const CATALOG_FILE: &str = "catalog.db";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS archive_bags (
    bag_id       TEXT PRIMARY KEY,
    year         TEXT NOT NULL,
    period       TEXT NOT NULL,
    object       TEXT NOT NULL,
    archived_at  TEXT NOT NULL,
    sidecar      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS archive_files (
    bag_id       TEXT NOT NULL REFERENCES archive_bags(bag_id) ON DELETE CASCADE,
    path         TEXT NOT NULL,
    year         TEXT NOT NULL,
    period       TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    sha512       TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    archived_at  TEXT NOT NULL,
    PRIMARY KEY (bag_id, path)
);
CREATE INDEX IF NOT EXISTS archive_files_sha256 ON archive_files(sha256);
CREATE INDEX IF NOT EXISTS archive_files_period ON archive_files(year, period);
CREATE TABLE IF NOT EXISTS archive_copies (
    bag_id       TEXT NOT NULL REFERENCES archive_bags(bag_id) ON DELETE CASCADE,
    store        TEXT NOT NULL,
    PRIMARY KEY (bag_id, store)
);
CREATE TABLE IF NOT EXISTS archive_withdrawn (
    bag_id       TEXT PRIMARY KEY,
    withdrawn_at TEXT NOT NULL,
    record       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS archive_state (
    key          TEXT PRIMARY KEY,
    value        TEXT NOT NULL
);
";

/// One archived file, as `archive list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Its path in the bag, under `data/`.
    pub file: String,
    /// The school year.
    pub year: String,
    /// The report period.
    pub term: Period,
    /// SHA-256 of its content.
    pub sha256: String,
    /// SHA-512 of its content, for a file of a bag made before 2026-12
    /// (stored as an empty text since).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha512: Option<String>,
    /// Its length.
    pub bytes: u64,
    /// The bag it is in.
    pub bag: String,
    /// The bag's key in the stores.
    pub key: String,
    /// When it was archived (RFC 3339, Vietnam).
    pub archived_at: String,
    /// The stores that hold the bag.
    pub stores: Vec<String>,
}

/// One bag as the index knows it.
#[derive(Debug, Clone)]
pub struct BagRow {
    /// The sidecar.
    pub sidecar: Sidecar,
    /// The stores that hold it.
    pub stores: Vec<String>,
}

/// The open index.
pub struct Index {
    conn: Connection,
    path: PathBuf,
}

impl Index {
    /// `state_dir/catalog.db`.
    pub fn path_in(state_dir: &Path) -> PathBuf {
        state_dir.join(CATALOG_FILE)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> ArchiveError + '_ {
        |source| ArchiveError::Index {
            path: self.path.clone(),
            source,
        }
    }

    /// Opens (creating) the index at `path`.
    ///
    /// # Errors
    /// [`ArchiveError::Index`].
    pub fn open(path: &Path) -> Result<Index, ArchiveError> {
        let e = |source| ArchiveError::Index {
            path: path.to_path_buf(),
            source,
        };
        if !path.exists() {
            // A catalog removed by hand may leave its write-ahead log behind;
            // replayed into a new file it would bring back rows of the old one.
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(side));
            }
        }
        let conn = Connection::open(path).map_err(e)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(e)?;
        // A cache of the stores' sidecars, rebuilt from them at will: WAL with
        // NORMAL sync keeps a commit to one write, and a lost last commit is
        // found again by the next refresh.
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
        )
        .map_err(e)?;
        conn.execute_batch(SCHEMA).map_err(e)?;
        Ok(Index {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The catalog file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the index was ever built from the stores (else it must be, before it is trusted).
    ///
    /// # Errors
    /// [`ArchiveError::Index`].
    pub fn is_built(&self) -> Result<bool, ArchiveError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM archive_state WHERE key = 'built_at'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(self.err())?
            .is_some())
    }

    /// Replaces the whole index with `bags` in one transaction, marking it built.
    ///
    /// # Errors
    /// [`ArchiveError::Index`].
    pub fn replace_all(
        &mut self,
        bags: &[(Sidecar, String, Vec<String>)],
        withdrawals: &[(Withdrawal, String)],
    ) -> Result<(), ArchiveError> {
        let path = self.path.clone();
        let e = |source| ArchiveError::Index {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute_batch(
            "DELETE FROM archive_copies; DELETE FROM archive_files; DELETE FROM archive_bags;
             DELETE FROM archive_withdrawn;",
        )
        .map_err(e)?;
        for (s, json, stores) in bags {
            insert_tx(&tx, s, json, stores).map_err(e)?;
        }
        for (w, json) in withdrawals {
            withdraw_tx(&tx, w, json).map_err(e)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO archive_state (key, value) VALUES ('built_at', ?1)",
            params![chrono::Utc::now().to_rfc3339()],
        )
        .map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Records a bag and the stores that hold it (more stores for a known bag are added).
    ///
    /// # Errors
    /// [`ArchiveError::Index`].
    pub fn insert(
        &mut self,
        s: &Sidecar,
        json: &str,
        stores: &[String],
    ) -> Result<(), ArchiveError> {
        let path = self.path.clone();
        let e = |source| ArchiveError::Index {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(e)?;
        insert_tx(&tx, s, json, stores).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Records several bags in one transaction (see [`Index::insert`]).
    ///
    /// # Errors
    /// [`ArchiveError::Index`].
    pub fn insert_all(
        &mut self,
        bags: &[(Sidecar, String, Vec<String>)],
    ) -> Result<(), ArchiveError> {
        let path = self.path.clone();
        let e = |source| ArchiveError::Index {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(e)?;
        for (s, json, stores) in bags {
            insert_tx(&tx, s, json, stores).map_err(e)?;
        }
        tx.commit().map_err(e)
    }

    /// Records a bag's withdrawal (a known one is kept as first recorded).
    ///
    /// # Errors
    /// [`ArchiveError::Index`].
    pub fn insert_withdrawal(&mut self, w: &Withdrawal, json: &str) -> Result<(), ArchiveError> {
        withdraw_tx(&self.conn, w, json).map_err(self.err())
    }

    /// A bag's withdrawal, when it was withdrawn.
    ///
    /// # Errors
    /// [`ArchiveError::Index`], or a stored record that no longer parses.
    pub fn withdrawal_of(&self, id: &BagId) -> Result<Option<Withdrawal>, ArchiveError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT record FROM archive_withdrawn WHERE bag_id = ?1",
                params![id.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())?;
        json.map(|j| self.parse_withdrawal(id.as_str(), &j))
            .transpose()
    }

    fn parse_withdrawal(&self, id: &str, json: &str) -> Result<Withdrawal, ArchiveError> {
        serde_json::from_str(json).map_err(|e| ArchiveError::Sidecar {
            store: format!("the index {}", self.path.display()),
            key: id.to_string(),
            detail: e.to_string(),
        })
    }

    /// Every withdrawal, oldest first.
    ///
    /// # Errors
    /// [`ArchiveError::Index`], or a stored record that no longer parses.
    pub fn withdrawals(&self) -> Result<Vec<Withdrawal>, ArchiveError> {
        let mut st = self
            .conn
            .prepare("SELECT bag_id, record FROM archive_withdrawn ORDER BY withdrawn_at, bag_id")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.err())?;
        let mut out = Vec::new();
        for r in rows {
            let (id, json) = r.map_err(self.err())?;
            out.push(self.parse_withdrawal(&id, &json)?);
        }
        Ok(out)
    }

    /// Whether the index knows the bag.
    ///
    /// # Errors
    /// [`ArchiveError::Index`].
    pub fn has_bag(&self, id: &str) -> Result<bool, ArchiveError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM archive_bags WHERE bag_id = ?1",
                params![id],
                |_| Ok(()),
            )
            .optional()
            .map_err(self.err())?
            .is_some())
    }

    /// A known bag's sidecar and its JSON.
    ///
    /// # Errors
    /// [`ArchiveError::Index`], or a stored sidecar that no longer parses.
    pub fn sidecar_of(&self, id: &str) -> Result<Option<(Sidecar, String)>, ArchiveError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT sidecar FROM archive_bags WHERE bag_id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())?;
        json.map(|j| {
            serde_json::from_str::<Sidecar>(&j)
                .map(|s| (s, j.clone()))
                .map_err(|e| ArchiveError::Sidecar {
                    store: format!("the index {}", self.path.display()),
                    key: id.to_string(),
                    detail: e.to_string(),
                })
        })
        .transpose()
    }

    /// The content already archived for a year and period: SHA-256 → (bag, path).
    ///
    /// # Errors
    /// [`ArchiveError::Index`].
    pub fn known(
        &self,
        year: &str,
        period: Period,
    ) -> Result<HashMap<String, (String, String)>, ArchiveError> {
        let mut st = self
            .conn
            .prepare("SELECT sha256, bag_id, path FROM archive_files WHERE year = ?1 AND period = ?2
                      AND bag_id NOT IN (SELECT bag_id FROM archive_withdrawn) ORDER BY archived_at, bag_id")
            .map_err(self.err())?;
        let rows = st
            .query_map(params![year, period.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    (r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                ))
            })
            .map_err(self.err())?;
        let mut out = HashMap::new();
        for r in rows {
            let (k, v) = r.map_err(self.err())?;
            out.entry(k).or_insert(v);
        }
        Ok(out)
    }

    /// Every archived file of a bag not withdrawn, optionally of one year
    /// and/or period, by year, period, path, time.
    ///
    /// # Errors
    /// [`ArchiveError::Index`].
    pub fn list(
        &self,
        year: Option<&str>,
        period: Option<Period>,
    ) -> Result<Vec<Entry>, ArchiveError> {
        let copies = self.copies()?;
        let mut st = self
            .conn
            .prepare(
                "SELECT f.path, f.year, f.period, f.sha256, f.sha512, f.bytes, f.bag_id, b.object, f.archived_at
                 FROM archive_files f JOIN archive_bags b ON b.bag_id = f.bag_id
                 WHERE (?1 IS NULL OR f.year = ?1) AND (?2 IS NULL OR f.period = ?2)
                   AND f.bag_id NOT IN (SELECT bag_id FROM archive_withdrawn)
                 ORDER BY f.year, f.period, f.path, f.archived_at, f.bag_id",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map(params![year, period.map(|p| p.to_string())], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })
            .map_err(self.err())?;
        let mut out = Vec::new();
        for r in rows {
            let (file, year, period, sha256, sha512, bytes, bag, key, archived_at) =
                r.map_err(self.err())?;
            let term = period.parse::<Period>().map_err(|_| {
                self.err()(rusqlite::Error::InvalidColumnType(
                    2,
                    format!("period {period:?}"),
                    rusqlite::types::Type::Text,
                ))
            })?;
            out.push(Entry {
                file,
                year,
                term,
                sha256,
                sha512: Some(sha512).filter(|h: &String| !h.is_empty()),
                bytes: bytes as u64,
                stores: copies.get(&bag).cloned().unwrap_or_default(),
                bag,
                key,
                archived_at,
            });
        }
        Ok(out)
    }

    fn copies(&self) -> Result<BTreeMap<String, Vec<String>>, ArchiveError> {
        let mut st = self
            .conn
            .prepare("SELECT bag_id, store FROM archive_copies ORDER BY bag_id, store")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.err())?;
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in rows {
            let (b, s) = r.map_err(self.err())?;
            out.entry(b).or_default().push(s);
        }
        Ok(out)
    }

    /// Every bag, oldest first, optionally of one year and/or period.
    ///
    /// # Errors
    /// [`ArchiveError::Index`], or a stored sidecar that no longer parses.
    pub fn bags(
        &self,
        year: Option<&str>,
        period: Option<Period>,
    ) -> Result<Vec<BagRow>, ArchiveError> {
        let copies = self.copies()?;
        let mut st = self
            .conn
            .prepare(
                "SELECT bag_id, object, sidecar FROM archive_bags
                 WHERE (?1 IS NULL OR year = ?1) AND (?2 IS NULL OR period = ?2)
                 ORDER BY archived_at, bag_id",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map(params![year, period.map(|p| p.to_string())], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(self.err())?;
        let mut out = Vec::new();
        for r in rows {
            let (id, object, json) = r.map_err(self.err())?;
            // Checked when it was recorded; read back as it was.
            let sidecar: Sidecar =
                serde_json::from_str(&json).map_err(|e| ArchiveError::Sidecar {
                    store: format!("the index {}", self.path.display()),
                    key: object.clone(),
                    detail: e.to_string(),
                })?;
            out.push(BagRow {
                sidecar,
                stores: copies.get(&id).cloned().unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// One bag.
    ///
    /// # Errors
    /// As [`Index::bags`].
    pub fn bag(&self, id: &BagId) -> Result<Option<BagRow>, ArchiveError> {
        Ok(self
            .bags(None, None)?
            .into_iter()
            .find(|b| b.sidecar.bag_id == *id))
    }

    /// The reports archived for each school year and period: kind, file, bag and date.
    ///
    /// # Errors
    /// [`ArchiveError::Index`].
    pub fn archived_kinds(
        &self,
        kinds: &ReportKinds,
    ) -> Result<crate::policy::reports::Archived, ArchiveError> {
        let mut out = crate::policy::reports::Archived::new();
        for e in self.list(None, None)? {
            let name = e.file.rsplit('/').next().unwrap_or(&e.file);
            let (Some(k), Ok(on)) = (
                kinds.kind_of(name),
                crate::calendar::local_date(&e.archived_at),
            ) else {
                continue;
            };
            out.entry((e.year.clone(), e.term)).or_default().push(
                crate::policy::reports::ArchivedReport {
                    kind: k.to_string(),
                    file: e.file.clone(),
                    bag: e.bag.clone(),
                    sha256: e.sha256.clone(),
                    archived_on: on,
                },
            );
        }
        Ok(out)
    }
}

fn withdraw_tx(conn: &Connection, w: &Withdrawal, json: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO archive_withdrawn (bag_id, withdrawn_at, record) VALUES (?1, ?2, ?3)",
        params![w.bag_id.as_str(), w.withdrawn_at.to_rfc3339(), json],
    )
    .map(|_| ())
}

fn insert_tx(
    tx: &rusqlite::Transaction<'_>,
    s: &Sidecar,
    json: &str,
    stores: &[String],
) -> rusqlite::Result<()> {
    let at = s.archived_at.to_rfc3339();
    let period = s.period.to_string();
    let fresh = tx.execute(
        "INSERT OR IGNORE INTO archive_bags (bag_id, year, period, object, archived_at, sidecar) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![s.bag_id.as_str(), s.year, period, s.object, at, json],
    )? == 1;
    if fresh {
        let mut st = tx.prepare(
            "INSERT INTO archive_files (bag_id, path, year, period, sha256, sha512, bytes, archived_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for f in &s.files {
            st.execute(params![
                s.bag_id.as_str(),
                f.path,
                s.year,
                period,
                f.digests.sha256,
                f.digests.sha512.as_deref().unwrap_or_default(),
                f.bytes as i64,
                at
            ])?;
        }
    }
    for store in stores {
        tx.execute(
            "INSERT OR IGNORE INTO archive_copies (bag_id, store) VALUES (?1, ?2)",
            params![s.bag_id.as_str(), store],
        )?;
    }
    Ok(())
}
