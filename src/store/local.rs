//! A local store (a NAS mount, an external disk) read and written through a directory handle
//! that cannot leave its root.
//!
//! Anyone who can write to the folder can plant a symlink, a fifo or a device
//! in it. Every path here is opened one component at a time, relative to the
//! root's handle, with symlinks never followed (cap-std's `Dir`, `openat` with
//! `O_NOFOLLOW` underneath): a planted `holds/x.json -> /etc/eqvault/identity`
//! is no file to read, and a planted `snapshots -> /home` is no folder to write
//! in. Listings report such entries as *foreign* and never descend into them.
//! Keys map one to one onto file names (no percent-encoding), so any key that
//! passes [`super::check_key`] round-trips.
//!
//! New objects are written to a staging file beside their key (`NAME#N`), made
//! durable, then linked to their name without replacing anything, so a reader
//! never sees half an object and nothing is ever overwritten.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt};
use cap_std::ambient_authority;
use cap_std::fs::{Dir, File, OpenOptions};

use super::Listed;

/// A folder opened as a store root.
#[derive(Debug, Clone)]
pub(crate) struct Local {
    root: PathBuf,
    dir: Arc<Dir>,
}

/// What a listing found under a prefix.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Regular files with valid keys.
    pub listed: Vec<Listed>,
    /// Everything else: symlinks, fifos, devices, names that are no valid key (escaped).
    pub foreign: Vec<String>,
    /// Staging files of uploads cut off mid-way (`NAME#N`).
    pub staging: Vec<Listed>,
}

fn not_regular(key: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is not a regular file in the store (a symlink, folder or device): it was not made by eqvault and is not read",
            crate::sanitize::for_terminal(key)
        ),
    )
}

/// Whether a file name is a staging file (`NAME#123`).
pub(crate) fn is_staging(name: &str) -> bool {
    name.rsplit_once('#')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl Local {
    /// Opens the folder `root` (it must exist and be a folder, not a symlink to one elsewhere
    /// is fine: the root is the admin's choice; what is inside is not trusted).
    pub(crate) fn open(root: &Path) -> io::Result<Local> {
        let dir = Dir::open_ambient_dir(root, ambient_authority())?;
        Ok(Local {
            root: root.to_path_buf(),
            dir: Arc::new(dir),
        })
    }

    /// The root folder.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Splits a checked key into its folders and its name.
    fn split(key: &str) -> io::Result<(Vec<&str>, &str)> {
        super::check_key(key).map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
        let mut parts: Vec<&str> = key.split('/').collect();
        let name = parts.pop().expect("a checked key has a name");
        Ok((parts, name))
    }

    /// The folder holding `dirs`, opened without following symlinks; created when asked.
    fn folder(&self, dirs: &[&str], create: bool) -> io::Result<Dir> {
        let mut d = self.dir.try_clone()?;
        for part in dirs {
            let next = match d.open_dir_nofollow(part) {
                Ok(n) => n,
                Err(e) if create && e.kind() == io::ErrorKind::NotFound => {
                    match d.create_dir(part) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                        Err(e) => return Err(e),
                    }
                    sync(&d)?;
                    d.open_dir_nofollow(part)?
                }
                Err(e) => return Err(e),
            };
            d = next;
        }
        Ok(d)
    }

    /// Opens a regular file for reading; a symlink, fifo or device is refused unopened.
    pub(crate) fn open_file(&self, key: &str) -> io::Result<File> {
        let (dirs, name) = Self::split(key)?;
        let d = self.folder(&dirs, false)?;
        let meta = d.symlink_metadata(name)?;
        if !meta.is_file() {
            return Err(not_regular(key));
        }
        let mut o = OpenOptions::new();
        o.read(true).follow(FollowSymlinks::No);
        let f = d.open_with(name, &o)?;
        // Swapped between the check and the open: the open file is what counts.
        if !f.metadata()?.is_file() {
            return Err(not_regular(key));
        }
        Ok(f)
    }

    /// The length and modification time of a regular file, `None` when absent.
    pub(crate) fn head(&self, key: &str) -> io::Result<Option<Listed>> {
        let (dirs, name) = Self::split(key)?;
        let d = match self.folder(&dirs, false) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        match d.symlink_metadata(name) {
            Ok(m) if m.is_file() => Ok(Some(Listed {
                key: key.to_string(),
                size: m.len(),
                modified: m.modified()?.into_std().into(),
            })),
            Ok(_) => Err(not_regular(key)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads a whole regular file, refusing one longer than `max`.
    pub(crate) fn read(&self, key: &str, max: u64) -> io::Result<Vec<u8>> {
        let f = self.open_file(key)?;
        // Refused by its length before a byte is read (a planted sparse file).
        if f.metadata()?.len() > max {
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, "too large"));
        }
        let mut out = Vec::new();
        f.take(max.saturating_add(1)).read_to_end(&mut out)?;
        if out.len() as u64 > max {
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, "too large"));
        }
        Ok(out)
    }

    /// Starts a new object: a staging file `NAME#N` beside the key.
    pub(crate) fn stage(&self, key: &str) -> io::Result<Staged> {
        let (dirs, name) = Self::split(key)?;
        let d = self.folder(&dirs, true)?;
        if d.symlink_metadata(name).is_ok() {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "exists"));
        }
        let mut o = OpenOptions::new();
        o.write(true).create_new(true).follow(FollowSymlinks::No);
        for _ in 0..8 {
            let staging = format!("{name}#{}", rand::random::<u32>());
            match d.open_with(&staging, &o) {
                Ok(file) => {
                    return Ok(Staged {
                        dir: d,
                        name: name.to_string(),
                        staging,
                        file: Some(io::BufWriter::with_capacity(1 << 20, file)),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("no free staging name"))
    }

    /// Writes a small object only if the key is absent.
    pub(crate) fn put_new(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let mut s = self.stage(key)?;
        s.write_all(bytes)?;
        s.commit()
    }

    /// Removes a key (absent is fine). A symlink planted at the key is removed as a link,
    /// never followed.
    pub(crate) fn delete(&self, key: &str) -> io::Result<()> {
        let (dirs, name) = Self::split(key)?;
        let d = match self.folder(&dirs, false) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        match d.remove_file(name) {
            Ok(()) => sync(&d),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every regular file under `prefix` (a folder key, or `""` for all), and what else is there.
    pub(crate) fn list(&self, prefix: &str) -> io::Result<Found> {
        let prefix = prefix.trim_end_matches('/');
        let mut found = Found::default();
        let start = if prefix.is_empty() {
            self.dir.try_clone()?
        } else {
            let parts: Vec<&str> = prefix.split('/').collect();
            super::check_key(prefix)
                .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
            match self.folder(&parts, false) {
                Ok(d) => d,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(found),
                // Not a folder (a planted symlink or file at the prefix): nothing of ours is there.
                Err(e) if matches!(e.raw_os_error(), Some(20) | Some(40)) => {
                    found
                        .foreign
                        .push(crate::sanitize::for_terminal(prefix).into_owned());
                    return Ok(found);
                }
                Err(e) => return Err(e),
            }
        };
        let mut stack = vec![(start, prefix.to_string())];
        while let Some((d, at)) = stack.pop() {
            for e in d.entries()? {
                let e = e?;
                let raw = e.file_name();
                let join = |n: &str| {
                    if at.is_empty() {
                        n.to_string()
                    } else {
                        format!("{at}/{n}")
                    }
                };
                let Some(name) = raw.to_str() else {
                    found.foreign.push(
                        crate::sanitize::for_terminal(&join(&raw.to_string_lossy())).into_owned(),
                    );
                    continue;
                };
                let key = join(name);
                if super::check_key(&key).is_err() {
                    found
                        .foreign
                        .push(crate::sanitize::for_terminal(&key).into_owned());
                    continue;
                }
                let ft = e.file_type()?;
                if ft.is_dir() {
                    stack.push((d.open_dir_nofollow(name)?, key));
                } else if ft.is_file() {
                    let m = e.metadata()?;
                    let l = Listed {
                        key,
                        size: m.len(),
                        modified: m.modified()?.into_std().into(),
                    };
                    if is_staging(name) {
                        found.staging.push(l);
                    } else {
                        found.listed.push(l);
                    }
                } else {
                    found
                        .foreign
                        .push(crate::sanitize::for_terminal(&key).into_owned());
                }
            }
        }
        found.listed.sort_by(|a, b| a.key.cmp(&b.key));
        found.foreign.sort();
        Ok(found)
    }

    /// Removes a staging file a cut-off upload left.
    pub(crate) fn remove_staging(&self, key: &str) -> io::Result<()> {
        self.delete(key)
    }
}

/// An object being written; dropped without [`Staged::commit`] it leaves nothing.
pub(crate) struct Staged {
    dir: Dir,
    name: String,
    staging: String,
    file: Option<io::BufWriter<File>>,
}

impl Staged {
    /// Makes the bytes durable and gives them their name, never replacing an existing file.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        let f = self.file.take().expect("not committed twice");
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        let linked = match self.dir.hard_link(&self.staging, &self.dir, &self.name) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
            // Some NAS filesystems (SMB) have no hard links: rename, after a check that
            // cannot be atomic there.
            Err(_) => {
                if self.dir.symlink_metadata(&self.name).is_ok() {
                    Err(io::Error::new(io::ErrorKind::AlreadyExists, "exists"))
                } else {
                    self.dir.rename(&self.staging, &self.dir, &self.name)
                }
            }
        };
        let _ = self.dir.remove_file(&self.staging);
        linked?;
        sync(&self.dir)
    }
}

impl Write for Staged {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.file.as_mut().expect("open").write(b)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().expect("open").flush()
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = self.dir.remove_file(&self.staging);
        }
    }
}

/// fsyncs a folder, so a power cut cannot undo a name just made or removed.
fn sync(d: &Dir) -> io::Result<()> {
    use cap_fs_ext::OpenOptionsMaybeDirExt;
    // The handle itself may be an O_PATH one, which cannot be fsynced: open the folder to read.
    let mut o = OpenOptions::new();
    o.read(true).maybe_dir(true).follow(FollowSymlinks::No);
    d.open_with(".", &o)?.sync_all()
}
