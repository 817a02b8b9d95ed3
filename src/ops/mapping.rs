//! `mapping check | init`: a mapping of the office's own database onto the
//! reference schema, checked against it, or begun from the database's tables.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::outcome::{Outcome, Verdict};
use super::{OpsError, Vault};
use crate::mapping::template;
use crate::mapping::validate::{self, Issue};
use crate::sanitize;

/// What `mapping check` found.
#[derive(Debug, Clone, Serialize)]
pub struct MappingCheck {
    /// The database read.
    pub database: PathBuf,
    /// The mapping it was read through.
    pub mapping: PathBuf,
    /// No issue.
    pub clean: bool,
    /// Each view, column or value that does not give the reference schema.
    pub issues: Vec<Issue>,
}

impl Outcome for MappingCheck {
    /// Any issue: exit 1.
    fn verdict(&self) -> Verdict {
        Verdict::found_if(!self.clean)
    }
}

/// What `mapping init` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct MappingTemplate {
    /// The database whose tables were listed.
    pub database: PathBuf,
    /// The template written.
    pub out: PathBuf,
    /// The database's own tables.
    pub tables: Vec<String>,
}

impl Outcome for MappingTemplate {
    fn verdict(&self) -> Verdict {
        Verdict::Ok
    }
}

fn show(p: &Path) -> String {
    sanitize::path(p)
}

impl Vault {
    /// Reads the database through its mapping and checks every reference
    /// table and column: codes, date forms, unique identifiers.
    ///
    /// # Errors
    /// [`OpsError`]: no database or mapping named, a mapping that cannot be
    /// read, SQL that fails over the database (naming the line), a view
    /// still read when `[database] query_timeout` ran out (naming it).
    pub async fn mapping_check(&self) -> Result<MappingCheck, OpsError> {
        let db = self.database()?.to_path_buf();
        let Some(m) = self.mapping()?.cloned() else {
            return Err(OpsError::NoMapping);
        };
        let busy = self.busy_timeout();
        let (db2, m2) = (db.clone(), m.clone());
        let issues = tokio::task::spawn_blocking(move || -> Result<Vec<Issue>, OpsError> {
            let conn = crate::mapping::open_read_only(&db2, busy, Some(&m2))?;
            validate::check(&conn).map_err(|e| match m2.timed_out(&e.source, &db2, Some(&e.view)) {
                Some(t) => OpsError::mapping(t),
                None => OpsError::Refused(format!(
                    "reading {} through the mapping {} failed: {e}",
                    show(&db2),
                    show(m2.path())
                )),
            })
        })
        .await
        .map_err(|e| OpsError::Internal(e.to_string()))??;
        Ok(MappingCheck {
            database: db,
            mapping: m.path().to_path_buf(),
            clean: issues.is_empty(),
            issues,
        })
    }

    /// Writes a commented mapping template from the database's own tables and
    /// columns to `out`; never over a file unless `force`.
    ///
    /// # Errors
    /// [`OpsError`]: no database, an unreadable one, `out` existing without `force`.
    pub async fn mapping_init(&self, out: &Path, force: bool) -> Result<MappingTemplate, OpsError> {
        let db = self.database()?.to_path_buf();
        let conn = crate::snapshot::open_read_only(&db, self.busy_timeout())?;
        let own = template::own_tables(&conn).map_err(|e| {
            OpsError::Refused(format!("cannot list the tables of {}: {e}", show(&db)))
        })?;
        let text = template::render(&db.display().to_string(), &own);
        write_new(out, text.as_bytes(), force)?;
        Ok(MappingTemplate {
            database: db,
            out: out.to_path_buf(),
            tables: own.into_iter().map(|(t, _)| t).collect(),
        })
    }
}

fn write_new(path: &Path, bytes: &[u8], force: bool) -> Result<(), OpsError> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    if force {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    let mut f = match o.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(OpsError::MappingExists(path.to_path_buf()));
        }
        Err(e) => return Err(OpsError::io("cannot create", path)(e)),
    };
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(OpsError::io("cannot write", path))
}
