//! The strict bag unpacker: only the bag's own regular files and folders, only the sizes the index expects.
//!
//! A stored bag is read as (age →) zstd → tar. Every entry is checked before a
//! byte of it is written: regular files and folders only (no links, hard
//! links, devices, fifos), paths relative and inside the bag's one top
//! folder (no `..`, no absolute path, no empty or `.` component), no name
//! twice (NFC-equal names count as the same), payload files exactly those
//! the index lists with exactly their lengths, tag files only the five a bag
//! has and within the tag bytes the index recorded. Everything decompressed is
//! counted, and more than the payload, the tag files and the tar framing can
//! account for is refused as a decompression bomb. Where bytes go is the
//! [`Sink`]'s business; the unpacker only ever names paths it has checked.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::rc::Rc;

use unicode_normalization::UnicodeNormalization;

use super::bag::{Contents, Hasher, KNOWN_TAG_FILES};

/// The largest tag file accepted, whatever the index says.
pub const MAX_TAG_FILE: u64 = 256 << 20;
/// Tar framing allowed per entry: header, a long-name record and padding.
const FRAMING_PER_ENTRY: u64 = 3 * 512 + 8192;
/// Framing allowed for the whole archive (end blocks, record padding).
const FRAMING_FIXED: u64 = 1 << 20;

/// Errors reading a stored bag. Each names the entry concerned.
#[derive(Debug, thiserror::Error)]
pub enum BagError {
    /// The identity does not open the bag.
    #[error(
        "none of the identities given can decrypt this bag: it was encrypted to other keys. Pass the identity that matches one of its recipients with --identity"
    )]
    WrongIdentity,
    /// Damaged: decryption, decompression or tar framing failed.
    #[error("the bag is damaged{}: {detail}", entry.as_ref().map(|e| format!(" at {e}")).unwrap_or_default())]
    Corrupt {
        /// The entry being read when it broke, if any.
        entry: Option<String>,
        /// What failed.
        detail: String,
    },
    /// An entry a bag made by eqvault never has.
    #[error(
        "the bag holds {name:?}, {why}; refusing to unpack it. The object was not made by eqvault or has been tampered with"
    )]
    Refused {
        /// The entry's path, sanitised.
        name: String,
        /// Why it is refused.
        why: String,
    },
    /// A declared size beyond what the index expects.
    #[error(
        "the bag declares {name:?} as {declared} bytes, more than the {limit} bytes expected; refusing to unpack it (tampered object or decompression bomb)"
    )]
    TooLarge {
        /// The entry.
        name: String,
        /// Its declared size.
        declared: u64,
        /// The limit.
        limit: u64,
    },
    /// More decompressed data than the bag can hold.
    #[error(
        "the bag decompresses to more than the {limit} bytes its payload and tag files account for; refusing it as a decompression bomb"
    )]
    Bomb {
        /// The limit.
        limit: u64,
    },
    /// A file the index lists is not in the bag.
    #[error("the bag lacks {0}, which the index lists")]
    Missing(String),
    /// Writing the output failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path in the bag being written.
        path: String,
        /// Why.
        source: io::Error,
    },
}

/// What the index says a bag holds: the limits of a strict read.
#[derive(Debug, Clone)]
pub struct Expect {
    /// The bag's top folder (its id).
    pub bag_id: String,
    /// Payload paths under `data/` → their lengths.
    pub files: BTreeMap<String, u64>,
    /// The total length of the tag files.
    pub tag_bytes: u64,
    /// Whether the object is age-encrypted.
    pub encrypted: bool,
}

impl Expect {
    /// Every decompressed byte the bag may hold, framing included.
    pub fn limit(&self) -> u64 {
        let payload: u64 = self.files.values().sum();
        let entries = self.files.len() as u64 + KNOWN_TAG_FILES.len() as u64 + 2;
        payload
            .saturating_add(self.tag_bytes)
            .saturating_add(entries.saturating_mul(FRAMING_PER_ENTRY))
            .saturating_add(FRAMING_FIXED)
    }
}

/// Where checked entries go.
pub trait Sink {
    /// A checked folder (`data`, `data/sub`, or `""` for the top folder).
    ///
    /// # Errors
    /// I/O.
    fn dir(&mut self, _rel: &str) -> io::Result<()> {
        Ok(())
    }
    /// A checked file (`bagit.txt`, `data/x.xlsx`) of `size` bytes: where to
    /// write it, or `None` to only hash it.
    ///
    /// # Errors
    /// I/O.
    fn file(&mut self, rel: &str, size: u64) -> io::Result<Option<Box<dyn Write + '_>>>;
}

/// A [`Sink`] that writes nothing (fixity checks).
pub struct HashOnly;

impl Sink for HashOnly {
    fn file(&mut self, _rel: &str, _size: u64) -> io::Result<Option<Box<dyn Write + '_>>> {
        Ok(None)
    }
}

/// Counts decompressed bytes and trips past the limit.
struct Limited<R> {
    inner: R,
    left: u64,
    tripped: Rc<Cell<bool>>,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One byte more than allowed means a bomb; exactly the limit is fine.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.tripped.set(true);
                    Err(io::Error::other("decompression limit"))
                }
            };
        }
        let max = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let k = self.inner.read(&mut buf[..max])?;
        self.left -= k as u64;
        Ok(k)
    }
}

fn kind_name(k: tar::EntryType) -> &'static str {
    match k {
        tar::EntryType::Symlink => "a symbolic link",
        tar::EntryType::Link => "a hard link",
        tar::EntryType::Char => "a character device",
        tar::EntryType::Block => "a block device",
        tar::EntryType::Fifo => "a fifo",
        tar::EntryType::GNUSparse => "a sparse file",
        tar::EntryType::XGlobalHeader => "a global pax header",
        _ => "an entry of an unknown type",
    }
}

fn refused(name: &str, why: impl Into<String>) -> BagError {
    BagError::Refused {
        name: crate::sanitize::for_terminal(name).into_owned(),
        why: why.into(),
    }
}

/// Checks a path inside the tar and returns it relative to the bag's top folder
/// (`""` for the top folder itself).
fn check_path(raw: &[u8], bag_id: &str, is_dir: bool) -> Result<String, BagError> {
    let lossy = String::from_utf8_lossy(raw).into_owned();
    let Ok(name) = std::str::from_utf8(raw) else {
        return Err(refused(&lossy, "a name that is not UTF-8"));
    };
    if name.starts_with('/') {
        return Err(refused(name, "an absolute path"));
    }
    if name.contains('\\') || name.contains('\0') {
        return Err(refused(name, "a backslash or NUL in its path"));
    }
    let trimmed = if is_dir {
        name.strip_suffix('/').unwrap_or(name)
    } else {
        name
    };
    let parts: Vec<&str> = trimmed.split('/').collect();
    for p in &parts {
        match *p {
            ".." => return Err(refused(name, "a path that climbs out with `..`")),
            "" | "." => return Err(refused(name, "an empty or `.` path component")),
            _ => {}
        }
    }
    if parts[0] != bag_id {
        return Err(refused(
            name,
            format!("a path outside the bag's folder {bag_id}/"),
        ));
    }
    Ok(parts[1..].join("/"))
}

/// Reads a stored bag strictly (see the module docs), hashing every file and
/// handing checked entries to `sink`. Reads to the authenticated end of the
/// age stream, so a cut-off object fails here.
///
/// # Errors
/// [`BagError`] for the first entry that breaks a rule, damage, or a write failure.
pub fn read_bag<R: Read>(
    input: R,
    identities: &[age::x25519::Identity],
    expect: &Expect,
    sink: &mut dyn Sink,
) -> Result<Contents, BagError> {
    let corrupt = |entry: Option<&str>| {
        let entry = entry.map(|e| crate::sanitize::for_terminal(e).into_owned());
        move |e: io::Error| BagError::Corrupt {
            entry: entry.clone(),
            detail: e.to_string(),
        }
    };
    let z = crate::pack::open(input, expect.encrypted.then_some(identities)).map_err(open_error)?;
    let tripped = Rc::new(Cell::new(false));
    let limit = expect.limit();
    let limited = Limited {
        inner: z,
        left: limit,
        tripped: tripped.clone(),
    };
    let bomb = |e: BagError| {
        if tripped.get() {
            BagError::Bomb { limit }
        } else {
            e
        }
    };

    let mut archive = tar::Archive::new(limited);
    let mut out = Contents::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut tag_left = expect
        .tag_bytes
        .min(MAX_TAG_FILE * KNOWN_TAG_FILES.len() as u64);
    {
        let entries = archive.entries().map_err(corrupt(None)).map_err(bomb)?;
        for entry in entries {
            let mut entry = entry.map_err(corrupt(None)).map_err(bomb)?;
            let kind = entry.header().entry_type();
            let is_dir = kind == tar::EntryType::Directory;
            if !(is_dir || kind == tar::EntryType::Regular) {
                return Err(refused(
                    &String::from_utf8_lossy(&entry.path_bytes()),
                    kind_name(kind),
                ));
            }
            let rel = check_path(&entry.path_bytes(), &expect.bag_id, is_dir)?;
            let nfc: String = rel.nfc().collect();
            if !seen.insert(nfc) {
                return Err(refused(&rel, "a name that appears twice"));
            }
            // What will be read: a PAX header's size wins over the ustar field.
            let declared = entry.size();
            if is_dir {
                if declared != 0 {
                    return Err(refused(&rel, "a folder with content"));
                }
                if !(rel.is_empty() || rel == "data" || rel.starts_with("data/")) {
                    return Err(refused(&rel, "a folder that is not part of a bag"));
                }
                sink.dir(&rel).map_err(|source| BagError::Write {
                    path: rel.clone(),
                    source,
                })?;
                continue;
            }
            let payload = rel.strip_prefix("data/");
            let limit = match payload {
                Some(p) => *expect
                    .files
                    .get(p)
                    .ok_or_else(|| refused(&rel, "a payload file the index does not list"))?,
                None if KNOWN_TAG_FILES.contains(&rel.as_str()) => tag_left.min(MAX_TAG_FILE),
                None => {
                    return Err(refused(
                        &rel,
                        "a file that is not part of a bag made by eqvault",
                    ));
                }
            };
            if declared > limit {
                return Err(BagError::TooLarge {
                    name: crate::sanitize::for_terminal(&rel).into_owned(),
                    declared,
                    limit,
                });
            }
            if payload.is_some() && declared != limit {
                return Err(refused(
                    &rel,
                    format!("{declared} bytes where the index lists {limit}"),
                ));
            }
            let mut w = sink
                .file(&rel, declared)
                .map_err(|source| BagError::Write {
                    path: rel.clone(),
                    source,
                })?;
            let mut h = Hasher::for_reading();
            let mut keep: Option<Vec<u8>> = payload
                .is_none()
                .then(|| Vec::with_capacity(declared as usize));
            let mut buf = vec![0u8; 256 * 1024];
            let mut got = 0u64;
            loop {
                let k = entry
                    .read(&mut buf)
                    .map_err(corrupt(Some(&rel)))
                    .map_err(bomb)?;
                if k == 0 {
                    break;
                }
                got += k as u64;
                h.update(&buf[..k]);
                if let Some(v) = keep.as_mut() {
                    v.extend_from_slice(&buf[..k]);
                }
                if let Some(w) = w.as_mut() {
                    w.write_all(&buf[..k]).map_err(|source| BagError::Write {
                        path: rel.clone(),
                        source,
                    })?;
                }
            }
            if let Some(mut w) = w {
                w.flush().map_err(|source| BagError::Write {
                    path: rel.clone(),
                    source,
                })?;
            }
            if got != declared {
                return Err(BagError::Corrupt {
                    entry: Some(crate::sanitize::for_terminal(&rel).into_owned()),
                    detail: format!("{got} of {declared} bytes"),
                });
            }
            match keep {
                Some(v) => {
                    tag_left -= got;
                    out.tags.insert(rel, v);
                }
                None => {
                    let (d, n) = h.finish();
                    out.payload.insert(rel, (n, d));
                }
            }
        }
    }
    // Read to the end: the tar's padding, then the zstd checksum and the age tag.
    let mut rest = archive.into_inner();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let k = rest.read(&mut buf).map_err(corrupt(None)).map_err(bomb)?;
        if k == 0 {
            break;
        }
        if buf[..k].iter().any(|&b| b != 0) {
            return Err(BagError::Corrupt {
                entry: None,
                detail: "unexpected data after the end of the archive".into(),
            });
        }
    }
    for p in expect.files.keys() {
        if !out.payload.contains_key(&format!("data/{p}")) {
            return Err(BagError::Missing(format!("data/{p}")));
        }
    }
    Ok(out)
}

fn open_error(e: crate::pack::OpenError) -> BagError {
    match e {
        crate::pack::OpenError::WrongIdentity => BagError::WrongIdentity,
        crate::pack::OpenError::Corrupt(detail) => BagError::Corrupt {
            entry: None,
            detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::bag::{BagInfo, BagWriter, validate};

    const ID: &str = "20250120T010203Z-abcdef";

    fn info() -> BagInfo {
        BagInfo {
            bag_id: ID.into(),
            bagging_date: "2025-01-20".into(),
            year: "2024-2025".into(),
            period: "hk1".into(),
            office_name: "Sở GD&ĐT".into(),
            office_code: "79".into(),
            software: "test".into(),
        }
    }

    /// A bag of `files`, encrypted when `id` is given, and what a strict read expects.
    fn bag(files: &[(&str, &[u8])], id: Option<&age::x25519::Identity>) -> (Vec<u8>, Expect) {
        let rs = id.map(|i| vec![i.to_public()]);
        let mut w = BagWriter::new(Vec::new(), ID, rs.as_deref(), 3, 2, 0).unwrap();
        for (p, b) in files {
            w.append(p, b.len() as u64, 0, *b, Hasher::of(b)).unwrap();
        }
        let (out, payload, tag_bytes) = w.finish(&info()).unwrap();
        let expect = Expect {
            bag_id: ID.into(),
            files: payload.iter().map(|f| (f.path.clone(), f.bytes)).collect(),
            tag_bytes,
            encrypted: id.is_some(),
        };
        (out, expect)
    }

    const FILES: &[(&str, &[u8])] = &[
        ("Báo cáo HK1.xlsx", b"noi dung"),
        ("sub/rỗng.txt", b""),
        ("a\nb 100%.pdf", b"x"),
    ];

    #[test]
    fn a_bag_reads_back_whole_and_validates_clear_and_encrypted() {
        let id = age::x25519::Identity::generate();
        for key in [None, Some(&id)] {
            let (obj, expect) = bag(FILES, key);
            let ids: Vec<_> = key.into_iter().cloned().collect();
            let c = read_bag(&obj[..], &ids, &expect, &mut HashOnly).unwrap();
            assert_eq!(c.payload.len(), 3);
            // Read back with both digests: what the bag lists matches.
            let read = &c.payload["data/Báo cáo HK1.xlsx"].1;
            assert!(Hasher::of(b"noi dung").match_read(read), "{read:?}");
            assert!(read.sha512.is_some());
            assert_eq!(validate(&c), vec![]);
        }
    }

    #[test]
    fn a_cut_off_bag_fails_and_the_wrong_key_says_so() {
        let id = age::x25519::Identity::generate();
        let (obj, expect) = bag(FILES, Some(&id));
        let e = read_bag(&obj[..obj.len() - 40], &[id], &expect, &mut HashOnly).unwrap_err();
        assert!(matches!(e, BagError::Corrupt { .. }), "{e}");
        let other = age::x25519::Identity::generate();
        let e = read_bag(&obj[..], &[other], &expect, &mut HashOnly).unwrap_err();
        assert!(matches!(e, BagError::WrongIdentity), "{e}");
    }

    #[test]
    fn payload_the_index_does_not_list_or_sizes_it_does_not_expect_are_refused() {
        let (obj, mut expect) = bag(FILES, None);
        expect.files.remove("sub/rỗng.txt");
        let e = read_bag(&obj[..], &[], &expect, &mut HashOnly).unwrap_err();
        assert!(e.to_string().contains("does not list"), "{e}");
        let (obj, mut expect) = bag(FILES, None);
        expect.files.insert("Báo cáo HK1.xlsx".into(), 3);
        let e = read_bag(&obj[..], &[], &expect, &mut HashOnly).unwrap_err();
        assert!(matches!(e, BagError::TooLarge { .. }), "{e}");
        let (obj, mut expect) = bag(FILES, None);
        expect.files.insert("missing.pdf".into(), 0);
        let e = read_bag(&obj[..], &[], &expect, &mut HashOnly).unwrap_err();
        assert!(matches!(e, BagError::Missing(_)), "{e}");
    }

    #[test]
    fn paths_are_checked_before_anything_is_written() {
        for (raw, why) in [
            ("/etc/passwd", "absolute"),
            ("x/../../etc", "`..`"),
            ("20250120T010203Z-abcdef//a", "empty"),
            ("20250120T010203Z-abcdef/./a", "empty"),
            ("other/a", "outside"),
            ("20250120T010203Z-abcdef\\..\\a", "backslash"),
        ] {
            let e = check_path(raw.as_bytes(), ID, false)
                .unwrap_err()
                .to_string();
            assert!(e.contains(why), "{raw}: {e}");
        }
        assert_eq!(
            check_path(format!("{ID}/data/a b").as_bytes(), ID, false).unwrap(),
            "data/a b"
        );
        assert_eq!(
            check_path(format!("{ID}/").as_bytes(), ID, true).unwrap(),
            ""
        );
        assert!(
            check_path(b"\xff\xfe", ID, false)
                .unwrap_err()
                .to_string()
                .contains("UTF-8")
        );
    }
}
