//! Writing a report: never over an existing file without `force`, through a temporary file and a rename, with a `FILE.sha256` sidecar.
//!
//! The report cannot contain its own SHA-256, so the digest goes beside it
//! in `sha256sum` format (`<hex>  <name>`: `sha256sum -c FILE.sha256` checks
//! it from the report's folder) and is printed by the command.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::ReportError;

/// A report written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Written {
    /// The report.
    pub path: PathBuf,
    /// Its SHA-256.
    pub sha256: String,
    /// The sidecar holding it.
    pub sidecar: PathBuf,
}

/// `FILE.sha256`.
pub fn sidecar_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_os_string();
    s.push(".sha256");
    PathBuf::from(s)
}

/// Refuses, before any work, a target that exists (or whose sidecar does)
/// unless `force`, and a folder that does not exist.
///
/// # Errors
/// [`ReportError::Exists`] or [`ReportError::Io`].
pub fn check_target(out: &Path, force: bool) -> Result<(), ReportError> {
    let dir = folder(out);
    if !dir.is_dir() {
        return Err(ReportError::Io {
            what: "cannot write the report into",
            path: dir.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such folder: create it first",
            ),
        });
    }
    if out.is_dir() {
        return Err(ReportError::Io {
            what: "--out names a folder, not a file:",
            path: out.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::IsADirectory, "give a file name"),
        });
    }
    if !force {
        for p in [out.to_path_buf(), sidecar_path(out)] {
            if p.symlink_metadata().is_ok() {
                return Err(ReportError::Exists(p));
            }
        }
    }
    Ok(())
}

fn folder(out: &Path) -> &Path {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `out` atomically (temporary file, fsync, rename); with
/// `force` an existing file is replaced, without it a file that appeared
/// meanwhile is left alone and the write fails.
fn put(out: &Path, bytes: &[u8], force: bool) -> Result<(), ReportError> {
    let dir = folder(out);
    let mut tmp = tempfile::Builder::new()
        .prefix(".eqvault-report-")
        .tempfile_in(dir)
        .map_err(ReportError::io("cannot create a temporary file in", dir))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(ReportError::io("cannot write", tmp.path()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(ReportError::io("cannot set the mode of", tmp.path()))?;
    }
    let persisted = if force {
        tmp.persist(out).map(|_| ())
    } else {
        tmp.persist_noclobber(out).map(|_| ())
    };
    persisted.map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            ReportError::Exists(out.to_path_buf())
        } else {
            ReportError::Io {
                what: "cannot write",
                path: out.to_path_buf(),
                source: e.error,
            }
        }
    })
}

/// Writes the report and its sidecar.
///
/// # Errors
/// [`ReportError::Exists`] without `force` when either exists; [`ReportError::Io`].
pub fn write(out: &Path, bytes: &[u8], force: bool) -> Result<Written, ReportError> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let sidecar = sidecar_path(out);
    if !force && sidecar.symlink_metadata().is_ok() {
        return Err(ReportError::Exists(sidecar));
    }
    put(out, bytes, force)?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    put(&sidecar, format!("{sha256}  {name}\n").as_bytes(), force)?;
    Ok(Written {
        path: out.to_path_buf(),
        sha256,
        sidecar,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_without_force_and_replaces_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("bao-cao.html");
        let w = write(&out, b"one", false).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"one");
        let side = std::fs::read_to_string(&w.sidecar).unwrap();
        assert_eq!(side, format!("{}  bao-cao.html\n", w.sha256));
        assert!(matches!(
            check_target(&out, false),
            Err(ReportError::Exists(_))
        ));
        assert!(matches!(
            write(&out, b"two", false),
            Err(ReportError::Exists(_))
        ));
        assert_eq!(std::fs::read(&out).unwrap(), b"one", "untouched");
        check_target(&out, true).unwrap();
        let w2 = write(&out, b"two", true).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"two");
        assert_ne!(w.sha256, w2.sha256);
        // Nothing but the report and its sidecar is left in the folder.
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["bao-cao.html", "bao-cao.html.sha256"]);
    }

    #[test]
    fn a_missing_folder_is_named() {
        let e = check_target(Path::new("/nonexistent-eqvault/r.html"), false).unwrap_err();
        assert!(e.to_string().contains("/nonexistent-eqvault"), "{e}");
    }
}
