//! Walking `archive add`'s paths: every regular file found, and every other entry reported with the reason it was left.
//!
//! Folders are walked recursively without following symbolic links: a link is
//! reported as skipped (a link inside the tree points at something archived
//! on its own; one pointing out of the tree is not followed). Fifos, sockets
//! and devices are skipped, as are the lock and desktop files that office
//! programs and file browsers leave beside documents. Nothing is left out
//! silently: every skip and refusal carries its reason.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use unicode_normalization::UnicodeNormalization;

use crate::lang::Msg;

/// One file to classify and archive.
#[derive(Debug, Clone)]
pub struct FoundFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its name in the bag: the path below the folder given (or the file name), NFC, `/`-separated.
    pub rel: String,
    /// The file name, NFC.
    pub name: String,
    /// Enclosing folder names, nearest first, up to and including the folder given.
    pub folders: Vec<String>,
    /// Found by walking a folder given on the command line (not named itself).
    pub in_folder: bool,
    /// Its length when walked.
    pub size: u64,
    /// Its modification time.
    pub mtime: SystemTime,
}

/// A path left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Passed {
    /// The path as found.
    pub file: String,
    /// Why (a catalog message; English in `--json`).
    pub reason: Msg,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Regular files, in walk order.
    pub files: Vec<FoundFile>,
    /// Left out on purpose (links, special files, lock files, repeats).
    pub skipped: Vec<Passed>,
    /// Could not be read or named (exit 2).
    pub refused: Vec<Passed>,
}

/// Files office programs and file browsers leave beside documents.
fn is_clutter(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    if name.starts_with("~$") || (name.starts_with(".~lock.") && name.ends_with('#')) {
        Some("archive-skip-lock-file")
    } else if matches!(lower.as_str(), ".ds_store" | "thumbs.db" | "desktop.ini") {
        Some("archive-skip-browser-file")
    } else {
        None
    }
}

fn show(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Walks `paths` (files and folders).
pub fn walk(paths: &[PathBuf]) -> Walked {
    let mut out = Walked::default();
    let mut seen: BTreeSet<FileKey> = BTreeSet::new();
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                out.refused.push(Passed {
                    file: show(root),
                    reason: Msg::new("archive-unreadable").arg("why", e),
                });
                continue;
            }
        };
        if meta.is_file() {
            let Some(name) = root.file_name().and_then(|n| n.to_str()) else {
                out.refused.push(Passed {
                    file: show(root),
                    reason: Msg::new("archive-not-utf8"),
                });
                continue;
            };
            let name = nfc(name);
            push_file(&mut out, &mut seen, root, &meta, name.clone(), name, None);
            continue;
        }
        if !meta.is_dir() {
            // Named on the command line, so meant to be archived: refused (exit 2),
            // never opened. Found inside a folder, such a file is only skipped.
            out.refused.push(Passed {
                file: show(root),
                reason: Msg::new("archive-not-regular-named"),
            });
            continue;
        }
        let canon_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        let root_name = canon_root.file_name().and_then(|n| n.to_str()).map(nfc);
        for entry in walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
        {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let file = e.path().map(show).unwrap_or_else(|| show(root));
                    let why = e
                        .io_error()
                        .map(|x| x.to_string())
                        .unwrap_or_else(|| e.to_string());
                    out.refused.push(Passed {
                        file,
                        reason: Msg::new("archive-unreadable").arg("why", why),
                    });
                    continue;
                }
            };
            let ft = entry.file_type();
            if ft.is_dir() {
                continue;
            }
            let path = entry.path();
            if ft.is_symlink() {
                let inside = std::fs::canonicalize(path).is_ok_and(|t| t.starts_with(&canon_root));
                out.skipped.push(Passed {
                    file: show(path),
                    reason: Msg::new(if inside {
                        "archive-skip-link-inside"
                    } else {
                        "archive-skip-link-outside"
                    }),
                });
                continue;
            }
            if !ft.is_file() {
                out.skipped.push(Passed {
                    file: show(path),
                    reason: Msg::new("archive-skip-not-regular"),
                });
                continue;
            }
            let rel = path.strip_prefix(root).unwrap_or(path);
            let parts: Option<Vec<String>> = rel.iter().map(|c| c.to_str().map(nfc)).collect();
            let Some(parts) = parts else {
                out.refused.push(Passed {
                    file: show(path),
                    reason: Msg::new("archive-not-utf8-path"),
                });
                continue;
            };
            let name = parts.last().cloned().unwrap_or_default();
            let mut folders: Vec<String> = parts[..parts.len().saturating_sub(1)]
                .iter()
                .rev()
                .cloned()
                .collect();
            folders.extend(root_name.clone());
            let meta = match entry.metadata() {
                Ok(m) => m,
                Err(e) => {
                    out.refused.push(Passed {
                        file: show(path),
                        reason: Msg::new("archive-unreadable").arg("why", e),
                    });
                    continue;
                }
            };
            push_file(
                &mut out,
                &mut seen,
                path,
                &meta,
                parts.join("/"),
                name,
                Some(folders),
            );
        }
    }
    out
}

/// What makes a file the same file when it is reached twice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum FileKey {
    /// Device and inode (Unix): cheap, and no path resolution per file.
    #[cfg_attr(not(unix), allow(dead_code))]
    Inode(u64, u64),
    /// The canonical path elsewhere.
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn identity(path: &Path, meta: &std::fs::Metadata) -> FileKey {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        FileKey::Inode(meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        FileKey::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

fn push_file(
    out: &mut Walked,
    seen: &mut BTreeSet<FileKey>,
    path: &Path,
    meta: &std::fs::Metadata,
    rel: String,
    name: String,
    // `None` for a file named on the command line.
    folders: Option<Vec<String>>,
) {
    if let Some(why) = is_clutter(&name) {
        out.skipped.push(Passed {
            file: show(path),
            reason: Msg::new(why),
        });
        return;
    }
    if !seen.insert(identity(path, meta)) {
        out.skipped.push(Passed {
            file: show(path),
            reason: Msg::new("archive-skip-twice"),
        });
        return;
    }
    out.files.push(FoundFile {
        path: path.to_path_buf(),
        rel,
        name,
        in_folder: folders.is_some(),
        folders: folders.unwrap_or_default(),
        size: meta.len(),
        mtime: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_special_files_and_clutter_are_reported_not_dropped() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("Năm học 2024-2025");
        std::fs::create_dir_all(root.join("HK1")).unwrap();
        std::fs::write(root.join("HK1/a.xlsx"), b"a").unwrap();
        std::fs::write(root.join("HK1/~$a.xlsx"), b"lock").unwrap();
        std::fs::write(d.path().join("outside.pdf"), b"o").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(d.path().join("outside.pdf"), root.join("out.pdf")).unwrap();
            std::os::unix::fs::symlink(root.join("HK1/a.xlsx"), root.join("in.xlsx")).unwrap();
        }
        let w = walk(std::slice::from_ref(&root));
        assert_eq!(w.files.len(), 1);
        assert_eq!(w.files[0].rel, "HK1/a.xlsx");
        assert_eq!(
            w.files[0].folders,
            vec!["HK1".to_string(), "Năm học 2024-2025".to_string()]
        );
        let reasons: Vec<String> = w.skipped.iter().map(|p| p.reason.to_string()).collect();
        assert!(
            reasons.iter().any(|r| r.contains("lock file")),
            "{reasons:?}"
        );
        #[cfg(unix)]
        {
            assert!(
                reasons.iter().any(|r| r.contains("out of the tree")),
                "{reasons:?}"
            );
            assert!(
                reasons.iter().any(|r| r.contains("inside the tree")),
                "{reasons:?}"
            );
        }
        assert!(w.refused.is_empty());
        let w = walk(&[d.path().join("missing")]);
        assert_eq!(w.refused.len(), 1);
    }

    #[test]
    #[cfg(unix)]
    fn a_fifo_named_on_the_command_line_is_refused_and_one_in_a_folder_skipped() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("Bao cao HK1 2024-2025.xlsx");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo (coreutils)");
        let w = walk(std::slice::from_ref(&fifo));
        assert!(w.files.is_empty() && w.skipped.is_empty());
        assert_eq!(w.refused.len(), 1);
        assert!(
            w.refused[0].reason.to_string().contains("fifo"),
            "{:?}",
            w.refused
        );
        let w = walk(&[d.path().to_path_buf()]);
        assert!(w.files.is_empty() && w.refused.is_empty());
        assert_eq!(w.skipped.len(), 1, "{:?}", w.skipped);
    }
}
