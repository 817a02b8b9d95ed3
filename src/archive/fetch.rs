//! `archive get` and `archive verify`: stored bags streamed from a store, read strictly, every checksum recomputed.
//!
//! A bag is never downloaded to a temporary file: the object streams from the
//! store through a SHA-256 of the object itself into the strict unpacker. `get`
//! writes only the file asked for (or, for a bag id, the whole bag) into a
//! temporary name inside the target folder, and gives it its real name only
//! when the bag read cleanly to its end and the file's SHA-256 and SHA-512
//! match the index; an existing file is never replaced (an identical one is
//! reported as already there).

use std::collections::BTreeSet;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::TryStreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use super::bag::{self, Problem};
use super::index::{BagRow, Entry};
use super::refresh::{open_stores, refresh};
use super::unpack::{self, BagError, HashOnly, Sink};
use super::{ArchiveError, BagId, REPORTS, Sidecar, open_index};
use crate::calendar::Period;
use crate::config::Config;
use crate::progress::Progress;
use crate::store::Store;

/// The object's SHA-256 and length, counted as it streams.
struct Counting<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    progress: Arc<dyn Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.hasher.update(&buf[..k]);
        self.bytes += k as u64;
        self.progress.advance(k as u64);
        Ok(k)
    }
}

/// What one read of a stored copy gave.
struct CopyRead {
    contents: Result<bag::Contents, BagError>,
    /// The object's SHA-256 and length, when it was read to its end.
    object: Option<(String, u64)>,
}

/// Streams `s.object` from `store` through the strict unpacker into `sink`.
async fn read_copy<S: Sink + Send + 'static>(
    store: &Store,
    s: &Sidecar,
    identities: Arc<Vec<age::x25519::Identity>>,
    mut sink: S,
    progress: Arc<dyn Progress>,
) -> Result<(CopyRead, S), String> {
    let stream = store
        .get_stream(&s.object)
        .await
        .map_err(|e| e.to_string())?;
    let reader = tokio_util::io::StreamReader::new(stream.map_err(io::Error::other));
    let bridge = tokio_util::io::SyncIoBridge::new(reader);
    let expect = s.expect();
    progress.phase("phase-read", Some(s.object_bytes));
    tokio::task::spawn_blocking(move || {
        let mut input = Counting {
            inner: bridge,
            hasher: Sha256::new(),
            bytes: 0,
            progress,
        };
        let contents = unpack::read_bag(&mut input, &identities, &expect, &mut sink);
        // The rest of the object (nothing, for a sound one) so that its hash covers it all.
        let object = io::copy(&mut input, &mut io::sink())
            .ok()
            .map(|_| (hex::encode(input.hasher.finalize()), input.bytes));
        (CopyRead { contents, object }, sink)
    })
    .await
    .map_err(|e| e.to_string())
}

/// The problems of one fully read copy: the object against the index, the
/// bag as a BagIt validator sees it, and every file against the index.
fn problems_of(s: &Sidecar, read: &CopyRead) -> Vec<Problem> {
    let mut out = Vec::new();
    match &read.object {
        Some((sha, n)) if *sha != s.object_sha256 || *n != s.object_bytes => out.push(Problem::new(
            s.object.clone(),
            format!(
                "the stored object ({n} bytes) hashes to {sha}; the index says {} ({} bytes): it is damaged",
                s.object_sha256, s.object_bytes
            ),
        )),
        Some(_) => {}
        None => out.push(Problem::new(s.object.clone(), "the download broke off")),
    }
    match &read.contents {
        Err(e) => {
            let file = match e {
                BagError::Corrupt {
                    entry: Some(entry), ..
                } => entry.clone(),
                BagError::Refused { name, .. } | BagError::TooLarge { name, .. } => name.clone(),
                BagError::Missing(p) => p.clone(),
                _ => s.object.clone(),
            };
            out.push(Problem::new(file, e.to_string()));
        }
        Ok(c) => {
            out.extend(bag::validate(c));
            for f in &s.files {
                let name = format!("data/{}", f.path);
                match c.payload.get(&name) {
                    Some((n, d)) if *n == f.bytes && f.digests.match_read(d) => {}
                    Some(_) => out.push(Problem::new(
                        name,
                        format!(
                            "differs from the index (archived with SHA-256 {})",
                            f.digests.sha256
                        ),
                    )),
                    None => out.push(Problem::new(name, "missing from the bag")),
                }
            }
        }
    }
    out
}

fn identities_for(
    cfg: &Config,
    identity: Option<&Path>,
    needed: bool,
) -> Result<Arc<Vec<age::x25519::Identity>>, ArchiveError> {
    if !needed {
        return Ok(Arc::new(Vec::new()));
    }
    let path = identity
        .map(Path::to_path_buf)
        .or_else(|| cfg.encryption.identity.clone())
        .ok_or(crate::pack::keys::KeyError::NoIdentity)?;
    Ok(Arc::new(crate::pack::keys::load_identities(&path)?))
}

/// Which bags `archive verify` checks, and how.
#[derive(Debug, Clone, Default)]
pub struct VerifySelection {
    /// These bag ids only (all when empty).
    pub bags: Vec<String>,
    /// Of this school year only.
    pub year: Option<String>,
    /// Of this period only.
    pub period: Option<Period>,
    /// Read every copy in every store, not only the first.
    pub all: bool,
}

/// One copy of one bag checked.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyResult {
    /// The bag.
    pub bag: String,
    /// Its key.
    pub key: String,
    /// The store.
    pub store: String,
    /// The school year.
    pub year: String,
    /// The period.
    pub term: Period,
    /// `full` (read and every checksum recomputed) or `present` (length only).
    pub check: &'static str,
    /// No problem found.
    pub ok: bool,
    /// Payload files in the bag.
    pub files: usize,
    /// What is wrong, each naming the file.
    pub problems: Vec<Problem>,
}

/// Fixity check: each selected bag read in full from the first store that
/// holds it (with `all`, from every store), every checksum of both manifests
/// and of the tag manifest recomputed, `Payload-Oxum` and every file compared
/// with the index; the other copies checked for presence and length.
///
/// # Errors
/// [`ArchiveError`] when the check cannot run (index, no identity, unknown bag id).
pub async fn verify(
    cfg: &Config,
    sel: &VerifySelection,
    identity: Option<&Path>,
    progress: Arc<dyn Progress>,
) -> Result<Vec<VerifyResult>, ArchiveError> {
    let (mut index, _) = open_index(cfg).await?;
    let (stores, mut failed) = open_stores(cfg)?;
    // Copies that `sync` made and bags another machine added count too.
    let unreachable = refresh(
        &mut index,
        &stores,
        &format!("{REPORTS}/"),
        &super::refresh::trusted(cfg)?,
    )
    .await?;
    // A store that did not answer is named as such, never as missing the bags.
    let stores: Vec<Store> = stores
        .into_iter()
        .filter(|s| !unreachable.iter().any(|(l, _)| *l == s.label))
        .collect();
    failed.extend(unreachable);
    let mut rows = index.bags(sel.year.as_deref(), sel.period)?;
    if !sel.bags.is_empty() {
        for b in &sel.bags {
            if !rows.iter().any(|r| r.sidecar.bag_id.as_str() == b) {
                return Err(ArchiveError::NotFound(b.clone()));
            }
        }
        rows.retain(|r| sel.bags.iter().any(|b| b == r.sidecar.bag_id.as_str()));
    }
    let ids = identities_for(cfg, identity, rows.iter().any(|r| r.sidecar.encrypted))?;
    let mut out = Vec::new();
    for row in rows {
        let s = &row.sidecar;
        let result = |store: &str, check, problems: Vec<Problem>| VerifyResult {
            bag: s.bag_id.to_string(),
            key: s.object.clone(),
            store: store.to_string(),
            year: s.year.clone(),
            term: s.period,
            check,
            ok: problems.is_empty(),
            files: s.files.len(),
            problems,
        };
        let mut read_one = false;
        for (holder, e) in failed.iter().filter(|(l, _)| row.stores.contains(l)) {
            out.push(result(
                holder,
                "present",
                vec![Problem::new(
                    s.object.clone(),
                    format!("the store could not be read: {e}"),
                )],
            ));
        }
        // In config order; a store no longer configured has nothing to check.
        for store in stores.iter().filter(|st| row.stores.contains(&st.label)) {
            let holder = &store.label;
            if sel.all || !read_one {
                read_one = true;
                let problems =
                    match read_copy(store, s, ids.clone(), HashOnly, progress.clone()).await {
                        Ok((read, _)) => problems_of(s, &read),
                        Err(e) => vec![Problem::new(s.object.clone(), e)],
                    };
                progress.done();
                out.push(result(holder, "full", problems));
            } else {
                let problems = match store.head(&s.object).await {
                    Ok(Some(l)) if l.size == s.object_bytes => Vec::new(),
                    Ok(Some(l)) => vec![Problem::new(
                        s.object.clone(),
                        format!("{} bytes where the index says {}", l.size, s.object_bytes),
                    )],
                    Ok(None) => vec![Problem::new(
                        s.object.clone(),
                        "missing from this store; `eqvault sync` copies it from another",
                    )],
                    Err(e) => vec![Problem::new(s.object.clone(), e.to_string())],
                };
                out.push(result(holder, "present", problems));
            }
        }
        // Every configured store must hold every bag: a copy missing from one (a killed
        // `archive add`, a store that was down) is a problem to name, not a silence.
        for store in stores.iter().filter(|st| !row.stores.contains(&st.label)) {
            out.push(result(
                &store.label,
                "present",
                vec![Problem::new(
                    s.object.clone(),
                    "missing from this store (no signed copy of the bag and its sidecar here); `eqvault sync` copies it from another",
                )],
            ));
        }
        for (label, e) in failed.iter().filter(|(l, _)| !row.stores.contains(l)) {
            out.push(result(
                label,
                "present",
                vec![Problem::new(
                    s.object.clone(),
                    format!("the store could not be read, so this copy is unknown: {e}"),
                )],
            ));
        }
        if row.stores.is_empty() {
            out.push(result(
                "",
                "present",
                vec![Problem::new(s.object.clone(), "no store holds this bag")],
            ));
        }
    }
    Ok(out)
}

/// What `archive get` brought back.
#[derive(Debug, Clone, Serialize)]
pub struct GetOutcome {
    /// The file's name in the bag (or the bag id, for a whole bag).
    pub file: String,
    /// Where it now is.
    pub path: PathBuf,
    /// Its SHA-256 (a file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The bag it came from.
    pub bag: String,
    /// The store it came from (none when it was already there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// An identical file was already at `path`; nothing was written.
    pub already_there: bool,
    /// Other archived versions of the same name (newest last).
    pub other_versions: Vec<Entry>,
}

/// Writes one payload file into a temporary file inside the target folder.
struct OneFile {
    want: String,
    dir: PathBuf,
    tmp: Option<tempfile::NamedTempFile>,
}

impl Sink for OneFile {
    fn file(&mut self, rel: &str, _size: u64) -> io::Result<Option<Box<dyn Write + '_>>> {
        if rel != self.want {
            return Ok(None);
        }
        // The name carries the pid: a get killed mid-way leaves this file, and the
        // next get into the folder removes it (see `crate::scratch::clean_dead_temps`).
        let t = tempfile::Builder::new()
            .prefix(&format!(".eqvault-get-{}-", std::process::id()))
            .tempfile_in(&self.dir)?;
        let t = self.tmp.insert(t);
        Ok(Some(Box::new(io::BufWriter::with_capacity(
            1 << 20,
            t.as_file_mut(),
        ))))
    }
}

/// Writes a whole bag below a fresh temporary folder inside the target folder.
struct WholeBag {
    root: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Sink for WholeBag {
    fn dir(&mut self, rel: &str) -> io::Result<()> {
        std::fs::create_dir_all(self.root.join(rel))
    }

    fn file(&mut self, rel: &str, _size: u64) -> io::Result<Option<Box<dyn Write + '_>>> {
        // `rel` was checked: relative, no `..`, inside the bag. The folder is new and ours.
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Some(Box::new(io::BufWriter::with_capacity(1 << 20, f))))
    }
}

fn sha256_of(path: &Path) -> io::Result<String> {
    crate::pack::sha256_file(path).map(|(sha, _)| sha)
}

/// Resolves `what` (a SHA-256, a path as listed, or a bare file name) to one archived file.
fn resolve(entries: Vec<Entry>, what: &str) -> Result<(Entry, Vec<Entry>), ArchiveError> {
    let q: String = what.trim().nfc().collect();
    let is_sha = q.len() == 64 && q.bytes().all(|b| b.is_ascii_hexdigit());
    let mut hits: Vec<Entry> = if is_sha {
        let q = q.to_ascii_lowercase();
        entries.into_iter().filter(|e| e.sha256 == q).collect()
    } else {
        let exact: Vec<Entry> = entries.iter().filter(|e| e.file == q).cloned().collect();
        if exact.is_empty() {
            entries
                .into_iter()
                .filter(|e| e.file.rsplit('/').next() == Some(q.as_str()))
                .collect()
        } else {
            exact
        }
    };
    if hits.is_empty() {
        return Err(ArchiveError::NotFound(what.to_string()));
    }
    let paths: BTreeSet<&str> = hits.iter().map(|e| e.file.as_str()).collect();
    if !is_sha && paths.len() > 1 {
        let matches = hits
            .iter()
            .map(|e| {
                format!(
                    "  {}  ({}/{}, archived {}, sha256 {})",
                    e.file, e.year, e.term, e.archived_at, e.sha256
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        return Err(ArchiveError::Ambiguous {
            query: what.to_string(),
            matches: crate::sanitize::for_terminal_keep_newlines(&matches),
        });
    }
    hits.sort_by(|a, b| (&a.archived_at, &a.bag).cmp(&(&b.archived_at, &b.bag)));
    let newest = hits.pop().expect("not empty");
    Ok((newest, hits))
}

/// Brings an archived file (by SHA-256, path or name; the newest version of a
/// name) or a whole bag (by bag id) back into the folder `to`.
///
/// # Errors
/// [`ArchiveError`]: nothing matches, several names match, `to` is not a
/// folder, a different file is in the way, no identity, or no store gives a
/// good copy.
pub async fn get(
    cfg: &Config,
    what: &str,
    to: &Path,
    identity: Option<&Path>,
    progress: Arc<dyn Progress>,
) -> Result<GetOutcome, ArchiveError> {
    if !to.is_dir() {
        return Err(ArchiveError::NotAFolder(to.to_path_buf()));
    }
    let to = std::path::absolute(to).map_err(ArchiveError::io("cannot resolve", to))?;
    let (mut index, _) = open_index(cfg).await?;
    let (stores, _) = open_stores(cfg)?;
    refresh(
        &mut index,
        &stores,
        &format!("{REPORTS}/"),
        &super::refresh::trusted(cfg)?,
    )
    .await?;
    if let Some(id) = BagId::parse(what.trim()) {
        let row = index
            .bag(&id)?
            .ok_or_else(|| ArchiveError::NotFound(what.to_string()))?;
        return get_bag(cfg, &stores, row, &to, identity, progress).await;
    }
    let (entry, others) = resolve(index.list(None, None)?, what)?;
    let row = index
        .bag(&BagId::parse(&entry.bag).ok_or_else(|| ArchiveError::NotFound(entry.bag.clone()))?)?
        .ok_or_else(|| ArchiveError::NotFound(entry.bag.clone()))?;
    let name = entry
        .file
        .rsplit('/')
        .next()
        .unwrap_or(&entry.file)
        .to_string();
    let dest = to.join(&name);
    let outcome = |store: Option<String>, already_there: bool| GetOutcome {
        file: entry.file.clone(),
        path: dest.clone(),
        sha256: Some(entry.sha256.clone()),
        bag: entry.bag.clone(),
        store,
        already_there,
        other_versions: others.clone(),
    };
    if dest.symlink_metadata().is_ok() {
        return match sha256_of(&dest) {
            Ok(sha) if sha == entry.sha256 && dest.is_file() => Ok(outcome(None, true)),
            _ => Err(ArchiveError::TargetExists(dest)),
        };
    }
    let ids = identities_for(cfg, identity, row.sidecar.encrypted)?;
    crate::scratch::clean_dead_temps(&to, ".eqvault-");
    let want = format!("data/{}", entry.file);
    let mut failures = Vec::new();
    for store in stores.iter().filter(|st| row.stores.contains(&st.label)) {
        let holder = &store.label;
        let sink = OneFile {
            want: want.clone(),
            dir: to.clone(),
            tmp: None,
        };
        let r = read_copy(store, &row.sidecar, ids.clone(), sink, progress.clone()).await;
        progress.done();
        let (read, sink) = match r {
            Ok(x) => x,
            Err(e) => {
                failures.push(format!("  {holder}: {e}"));
                continue;
            }
        };
        let good = match &read.contents {
            Ok(c) => match c.payload.get(&want) {
                Some((n, d))
                    if *n == entry.bytes
                        && d.sha256 == entry.sha256
                        // A bag made before 2026-12 lists a SHA-512 too.
                        && (entry.sha512.is_none() || d.sha512 == entry.sha512) =>
                {
                    Ok(())
                }
                Some(_) => Err("the file's checksums differ from the index".to_string()),
                None => Err("the file is not in the bag".to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = good {
            failures.push(format!("  {holder}: {e}"));
            continue;
        }
        let Some(tmp) = sink.tmp else {
            failures.push(format!("  {holder}: the file was not written"));
            continue;
        };
        tmp.as_file()
            .sync_all()
            .map_err(ArchiveError::io("cannot write", &dest))?;
        return match tmp.persist_noclobber(&dest) {
            Ok(_) => Ok(outcome(Some(holder.clone()), false)),
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => match sha256_of(&dest) {
                Ok(sha) if sha == entry.sha256 => Ok(outcome(None, true)),
                _ => Err(ArchiveError::TargetExists(dest)),
            },
            Err(e) => Err(ArchiveError::Io {
                what: "cannot write",
                path: dest,
                source: e.error,
            }),
        };
    }
    Err(ArchiveError::NoGoodCopy {
        bag: entry.bag,
        detail: crate::sanitize::for_terminal_keep_newlines(&failures.join("\n")),
    })
}

async fn get_bag(
    cfg: &Config,
    stores: &[Store],
    row: BagRow,
    to: &Path,
    identity: Option<&Path>,
    progress: Arc<dyn Progress>,
) -> Result<GetOutcome, ArchiveError> {
    let s = &row.sidecar;
    let dest = to.join(s.bag_id.as_str());
    if dest.symlink_metadata().is_ok() {
        return Err(ArchiveError::TargetExists(dest));
    }
    let ids = identities_for(cfg, identity, s.encrypted)?;
    crate::scratch::clean_dead_temps(to, ".eqvault-");
    let mut failures = Vec::new();
    for store in stores.iter().filter(|st| row.stores.contains(&st.label)) {
        let holder = &store.label;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".eqvault-bag-{}-", std::process::id()))
            .tempdir_in(to)
            .map_err(ArchiveError::io("cannot create a folder in", to))?;
        let sink = WholeBag {
            root: tmp.path().join(s.bag_id.as_str()),
            _tmp: tmp,
        };
        std::fs::create_dir(&sink.root).map_err(ArchiveError::io("cannot create", &sink.root))?;
        let r = read_copy(store, s, ids.clone(), sink, progress.clone()).await;
        progress.done();
        let (read, sink) = match r {
            Ok(x) => x,
            Err(e) => {
                failures.push(format!("  {holder}: {e}"));
                continue;
            }
        };
        let problems = problems_of(s, &read);
        if !problems.is_empty() {
            failures.push(format!(
                "  {holder}: {}",
                problems
                    .iter()
                    .map(|p| format!("{}: {}", p.file, p.detail))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            continue;
        }
        if dest.symlink_metadata().is_ok() {
            return Err(ArchiveError::TargetExists(dest));
        }
        std::fs::rename(&sink.root, &dest)
            .map_err(ArchiveError::io("cannot move the bag to", &dest))?;
        return Ok(GetOutcome {
            file: s.bag_id.to_string(),
            path: dest,
            sha256: None,
            bag: s.bag_id.to_string(),
            store: Some(holder.clone()),
            already_there: false,
            other_versions: Vec::new(),
        });
    }
    Err(ArchiveError::NoGoodCopy {
        bag: s.bag_id.to_string(),
        detail: crate::sanitize::for_terminal_keep_newlines(&failures.join("\n")),
    })
}
