//! Private folders: eqvault's state folder and the 0700 scratch folders under
//! it, and the sweep of folders left by a process that died.
//!
//! Every room that writes under `[state] dir` makes its folders here, so that
//! a full or unwritable state folder is reported the same way everywhere.

use std::path::{Path, PathBuf};

/// eqvault's own state folder refused a write: full, read-only, not a folder.
#[derive(Debug, thiserror::Error)]
#[error(
    "không ghi được vào thư mục trạng thái của eqvault {dir} ([state] dir): {why}. Cơ sở dữ liệu đang chạy không bị thay đổi và không có gì được lưu; hãy giải phóng chỗ trống ở đó{room_vi} hoặc sửa quyền ghi, hoặc đặt [state] dir sang một thư mục khác / cannot write in eqvault's state folder {dir} ([state] dir): {why}. The live database was not changed and nothing was stored; make room there{room_en} or make it writable for this user, or set [state] dir to another folder"
)]
pub struct StateFolderError {
    /// The state folder (or the part of it that failed).
    pub dir: PathBuf,
    /// Why.
    pub why: String,
    /// How much room it needs, when known: " (cần khoảng …)".
    room_vi: String,
    /// The same in English: " (it needs about …)".
    room_en: String,
}

impl StateFolderError {
    /// The state folder `dir` refused a write; `needed` bytes of room, when known.
    pub fn new(dir: &Path, why: &dyn std::fmt::Display, needed: Option<u64>) -> StateFolderError {
        let (room_vi, room_en) = match needed {
            Some(n) => {
                let mib = n.div_ceil(1 << 20);
                (
                    format!(" (cần khoảng {mib} MiB, bằng cỡ cơ sở dữ liệu)"),
                    format!(" (it needs about {mib} MiB, the size of the database)"),
                )
            }
            None => (String::new(), String::new()),
        };
        StateFolderError {
            dir: dir.to_path_buf(),
            why: why.to_string(),
            room_vi,
            room_en,
        }
    }
}

/// Creates `dir` (and parents) with mode 0700 for the last component.
///
/// # Errors
/// [`StateFolderError`] naming `dir` when it cannot be made.
pub fn create_private_dir(dir: &Path) -> Result<(), StateFolderError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| StateFolderError::new(dir, &e, None))
}

/// A private (0700) temporary folder in `state_dir/tmp`, removed when dropped.
///
/// Folders left by a process that died (kill -9, power cut) are removed first:
/// their names carry the pid, and a pid that no longer runs owns nothing.
///
/// # Errors
/// [`StateFolderError`] when the folder cannot be made.
pub fn private_temp(
    state_dir: &Path,
    purpose: &str,
) -> Result<tempfile::TempDir, StateFolderError> {
    let parent = state_dir.join("tmp");
    create_private_dir(&parent)?;
    clean_dead_temps(&parent, "");
    crate::stop::scratch_in(&parent, "");
    tempfile::Builder::new()
        .prefix(&format!("{purpose}-{}-", std::process::id()))
        .tempdir_in(&parent)
        .map_err(|e| StateFolderError::new(&parent, &e, None))
}

/// Removes the entries of `parent` named `{prefix}{word}-{pid}-…` whose process no longer runs.
pub fn clean_dead_temps(parent: &Path, prefix: &str) {
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        let pid = rest.split('-').nth(1).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = match e.file_type() {
                Ok(t) if t.is_dir() => std::fs::remove_dir_all(e.path()),
                _ => std::fs::remove_file(e.path()),
            };
        }
    }
}
