//! Whether another process has a SQLite database open, asked before `restore` replaces it.
//!
//! No single sign is reliable, so three are combined and any one is enough:
//!
//! - **SQLite's own locks.** A connection opened with `locking_mode=EXCLUSIVE`
//!   and busy timeout 0 tries `BEGIN EXCLUSIVE`. In WAL mode every open
//!   connection of any process holds a shared lock for as long as it is open,
//!   idle or not, so this sees an application of any user that merely has the
//!   file open; in rollback-journal mode it sees only one inside a transaction.
//!   The probe opens a hard link to the file made in a scratch folder, never
//!   the file itself: SQLite finds a `-wal`, `-shm` or `-journal` by the name
//!   it opened, so a stale WAL or hot journal a crash left beside the database
//!   is not replayed, checkpointed or removed by the probe (restore keeps them
//!   with the old file), while the locks, which belong to the inode, are the
//!   file's. Where no link can be made (another filesystem, a file this user
//!   may not link), this sign is skipped.
//! - **Open file descriptors.** `/proc/PID/fd/*` of every process is compared
//!   by device and inode with the database and its `-wal`, `-shm` and
//!   `-journal`. This sees an idle rollback-mode connection, but only in the
//!   processes this user may inspect (its own, or all of them as root).
//! - The `-wal`/`-shm` files alone are **not** used: a process that crashed
//!   leaves them behind (they say nothing about now), and a connection in
//!   rollback mode has none. They are what the fd scan compares against.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// Who has `path` open, as far as can be seen: a short description for a
/// person (`pid 4121 (python3)`, `a process holding SQLite's lock`), or `None`.
/// A missing file is open by no one. `scratch` is an empty folder on the same
/// filesystem for the probe's link (it is left empty).
pub fn holders(path: &Path, scratch: &Path) -> Option<String> {
    if !path.is_file() {
        return None;
    }
    let mut seen: Vec<String> = open_descriptors(path)
        .into_iter()
        .map(|(pid, name)| match name {
            Some(n) => format!("pid {pid} ({n})"),
            None => format!("pid {pid}"),
        })
        .collect();
    if seen.is_empty() && sqlite_lock_held(path, scratch) {
        seen.push("a process holding SQLite's lock on it".to_string());
    }
    if seen.is_empty() {
        None
    } else {
        Some(seen.join(", "))
    }
}

/// True when another connection holds a lock that `BEGIN EXCLUSIVE` in
/// exclusive locking mode cannot take at once (through a link in `scratch`).
fn sqlite_lock_held(path: &Path, scratch: &Path) -> bool {
    if super::ensure_sqlite(path).is_err() {
        return false;
    }
    let link = scratch.join("probe.sqlite");
    if std::fs::hard_link(path, &link).is_err() {
        return false;
    }
    let held = probe(&link);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = link.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    held
}

fn probe(link: &Path) -> bool {
    let Ok(c) = Connection::open_with_flags(
        link,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return false;
    };
    if c.busy_timeout(Duration::ZERO).is_err() {
        return false;
    }
    // `pragma_update` would read the answer row; this pragma answers with one.
    if c.query_row("PRAGMA locking_mode=EXCLUSIVE", [], |_| Ok(()))
        .is_err()
    {
        return false;
    }
    match c.execute_batch("BEGIN EXCLUSIVE; ROLLBACK;") {
        Ok(()) => false,
        Err(rusqlite::Error::SqliteFailure(e, _)) => matches!(
            e.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        ),
        Err(_) => false,
    }
}

/// Processes other than this one with a descriptor on the database or its
/// sidecars: (pid, command name).
fn open_descriptors(path: &Path) -> Vec<(u32, Option<String>)> {
    let mut files = BTreeSet::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(m) = std::fs::metadata(&p) {
            files.insert((m.dev(), m.ino()));
        }
    }
    let me = std::process::id();
    let mut out = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in procs.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        // Another user's process cannot be read without root: nothing to see there.
        let Ok(fds) = std::fs::read_dir(e.path().join("fd")) else {
            continue;
        };
        let hit = fds.flatten().any(|fd| {
            std::fs::metadata(fd.path()).is_ok_and(|m| files.contains(&(m.dev(), m.ino())))
        });
        if hit {
            let name = std::fs::read_to_string(e.path().join("comm"))
                .ok()
                .map(|s| s.trim().to_string());
            out.push((pid, name));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_in_this_process_is_not_another_process_and_a_closed_file_is_free() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.db");
        let c = Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(c);
        let scratch = tempfile::tempdir_in(d.path()).unwrap();
        assert_eq!(holders(&p, scratch.path()), None);
        assert_eq!(holders(&d.path().join("absent.db"), scratch.path()), None);
    }

    #[test]
    fn a_stale_wal_beside_the_database_is_left_as_it_is() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.db");
        let c = Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE t(x);").unwrap();
        drop(c);
        let wal = d.path().join("x.db-wal");
        std::fs::write(&wal, b"stale write-ahead log").unwrap();
        let before = std::fs::read(&p).unwrap();
        let scratch = tempfile::tempdir_in(d.path()).unwrap();
        assert_eq!(holders(&p, scratch.path()), None);
        assert_eq!(std::fs::read(&wal).unwrap(), b"stale write-ahead log");
        assert_eq!(std::fs::read(&p).unwrap(), before);
    }

    #[test]
    fn an_idle_wal_connection_is_seen_through_sqlites_lock_alone() {
        // The fd scan skips this process, so only the lock probe can see this one.
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.db");
        let c = Connection::open(&p).unwrap();
        c.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))
            .unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        let scratch = tempfile::tempdir_in(d.path()).unwrap();
        let who = holders(&p, scratch.path()).expect("an open WAL connection is seen");
        assert!(who.contains("SQLite's lock"), "{who}");
        drop(c);
        // Closed: the WAL was checkpointed and removed by its own connection.
        assert_eq!(holders(&p, scratch.path()), None);
        assert!(
            std::fs::read_dir(scratch.path()).unwrap().next().is_none(),
            "the probe's link is gone"
        );
    }
}
