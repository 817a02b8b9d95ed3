//! tar → zstd → age streaming, and the strict unpacker that only ever yields a manifest and a database.
//!
//! A snapshot object is an age file; inside, a zstd stream; inside, a tar with
//! regular files only: [`DATABASE_ENTRY`], then [`MANIFEST_ENTRY`] (last because
//! it carries the database's SHA-256, computed while the database streams), then
//! [`MANIFEST_SIG_ENTRY`], the manifest's detached signature (snapshots made
//! before signing lack it). Anyone can recover it without eqvault:
//! `age -d -i KEY FILE | zstd -d | tar -x`, and check the manifest with
//! `ssh-keygen -Y verify … -n eqvault-manifest -s manifest.json.sig < manifest.json`.

mod chain;
pub mod keys;

pub use chain::{ChainWriter, Compression, OpenError, Seal, open};

use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

/// The database file's name inside a snapshot.
pub const DATABASE_ENTRY: &str = "database.sqlite";
/// The manifest's name inside a snapshot.
pub const MANIFEST_ENTRY: &str = "manifest.json";
/// The manifest's signature inside a snapshot.
pub const MANIFEST_SIG_ENTRY: &str = "manifest.json.sig";
/// The largest manifest the unpacker accepts.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// After the tar's end, at most this much padding is accepted.
const MAX_TRAILER_BYTES: u64 = 1 << 20;

/// Errors packing or unpacking.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The identity does not open this object.
    #[error(
        "none of the identities given can decrypt this snapshot: it was encrypted to other keys"
    )]
    WrongIdentity,
    /// Not an age file, or damaged.
    #[error(
        "the snapshot object is damaged or truncated ({0}); it cannot be trusted. Try the copy in another store, or another snapshot"
    )]
    Corrupt(String),
    /// An entry that a snapshot never contains.
    #[error(
        "the snapshot package holds an unexpected entry {name:?} ({kind}); refusing to unpack it. The object was not made by eqvault or has been tampered with"
    )]
    UnexpectedEntry {
        /// The entry's path, sanitised.
        name: String,
        /// What kind of entry it is.
        kind: String,
    },
    /// A declared size beyond the limit.
    #[error(
        "the snapshot package declares {name:?} as {declared} bytes, more than the {limit} bytes expected; refusing to unpack it (tampered object or decompression bomb)"
    )]
    TooLarge {
        /// The entry.
        name: String,
        /// Its declared size.
        declared: u64,
        /// The limit.
        limit: u64,
    },
    /// A required entry is missing.
    #[error("the snapshot package has no {0}; it is incomplete")]
    Missing(&'static str),
    /// I/O writing the output.
    #[error("cannot write the unpacked database: {0}")]
    Write(#[source] io::Error),
    /// Encryption setup failed.
    #[error("cannot set up encryption: {0}")]
    Encrypt(String),
    /// I/O while packing.
    #[error("packing failed: {0}")]
    Pack(#[source] io::Error),
}

/// Packs entries as tar → zstd → age into `W` through the one chain
/// ([`ChainWriter`]). Call [`Packer::finish`]: a packer dropped without it
/// leaves a truncated object that age refuses to decrypt.
pub struct Packer<W: Write> {
    chain: ChainWriter<W>,
}

impl<W: Write> Packer<W> {
    /// Starts a package encrypted to `recipients`, compressed at zstd `level` on `threads` workers.
    ///
    /// # Errors
    /// [`PackError::Encrypt`] when no recipient is given or the header cannot be written.
    pub fn new(
        out: W,
        recipients: &[age::x25519::Recipient],
        level: i32,
        threads: u32,
    ) -> Result<Self, PackError> {
        if recipients.is_empty() {
            return Err(PackError::Encrypt(keys::KeyError::NoRecipient.to_string()));
        }
        let mut chain = ChainWriter::new(
            out,
            Some(recipients),
            Compression {
                level,
                threads,
                job_bytes: None,
                checksum: false,
            },
        )
        .map_err(|e| PackError::Encrypt(e.to_string()))?;
        chain.tar().mode(tar::HeaderMode::Deterministic);
        Ok(Packer { chain })
    }

    /// Appends a regular file of exactly `size` bytes read from `data`.
    ///
    /// # Errors
    /// [`PackError::Pack`] on I/O, or when `data` yields another length than `size`.
    pub fn append(&mut self, name: &str, size: u64, data: impl Read) -> Result<(), PackError> {
        let mut h = tar::Header::new_ustar();
        h.set_size(size);
        h.set_mode(0o600);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mtime(0);
        let n = self
            .chain
            .append_exact(&mut h, name, size, data)
            .map_err(PackError::Pack)?;
        if n != size {
            return Err(PackError::Pack(io::Error::other(format!(
                "{name} changed size while packing ({n} of {size} bytes)"
            ))));
        }
        Ok(())
    }

    /// Ends the tar, the zstd frame and the age stream, in that order, and returns the output.
    ///
    /// # Errors
    /// [`PackError::Pack`].
    pub fn finish(self) -> Result<W, PackError> {
        self.chain.finish().map_err(PackError::Pack)
    }
}

/// A reader that hashes and counts what passes through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The hex SHA-256 and the count of everything read so far.
    pub fn finish(self) -> (String, u64) {
        (hex::encode(self.hasher.finalize()), self.bytes)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.hasher.update(&buf[..k]);
        self.bytes += k as u64;
        Ok(k)
    }
}

/// SHA-256 and length of a file, read in 1 MiB pieces: the one file hash of
/// eqvault (snapshots, restored databases, reports, archived files).
///
/// # Errors
/// I/O errors.
pub fn sha256_file(path: &std::path::Path) -> io::Result<(String, u64)> {
    let f = std::fs::File::open(path)?;
    let mut r = HashingReader::new(io::BufReader::with_capacity(1 << 20, f));
    io::copy(&mut r, &mut io::sink())?;
    Ok(r.finish())
}

/// Limits the unpacker enforces before it writes a byte.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest database accepted (from the clear metadata, when known).
    pub max_database_bytes: u64,
}

/// What [`unpack`] found.
#[derive(Debug)]
pub struct Unpacked {
    /// The manifest's bytes (parse with the catalog once its signature is checked).
    pub manifest: Vec<u8>,
    /// The manifest's signature, when the snapshot carries one.
    pub manifest_sig: Option<Vec<u8>>,
    /// SHA-256 of the database written.
    pub database_sha256: String,
    /// Its length.
    pub database_bytes: u64,
}

/// Decrypts, decompresses and unpacks a snapshot, writing the database to `db_out`.
///
/// Anything but the expected regular files is refused before a byte of it
/// is written; the whole age stream is read to its authenticated end, so a
/// truncated object fails here.
///
/// # Errors
/// [`PackError`]: wrong identity, damage, unexpected entries, sizes beyond `limits`.
pub fn unpack<R: Read>(
    input: R,
    identities: &[age::x25519::Identity],
    db_out: &mut (impl Write + Send),
    limits: Limits,
) -> Result<Unpacked, PackError> {
    let z = open(input, Some(identities)).map_err(open_error)?;
    let mut archive = tar::Archive::new(z);
    let mut manifest: Option<Vec<u8>> = None;
    let mut manifest_sig: Option<Vec<u8>> = None;
    let mut database: Option<(String, u64)> = None;
    {
        let entries = archive.entries().map_err(corrupt)?;
        for entry in entries {
            let entry = entry.map_err(corrupt)?;
            let name = crate::sanitize::for_terminal(&String::from_utf8_lossy(&entry.path_bytes()))
                .into_owned();
            let kind = entry.header().entry_type();
            if kind != tar::EntryType::Regular {
                return Err(PackError::UnexpectedEntry {
                    name,
                    kind: format!("{kind:?}"),
                });
            }
            // What will be read: a PAX header's size wins over the ustar field.
            let declared = entry.size();
            match name.as_str() {
                MANIFEST_ENTRY if manifest.is_none() => {
                    if declared > MAX_MANIFEST_BYTES {
                        return Err(PackError::TooLarge {
                            name,
                            declared,
                            limit: MAX_MANIFEST_BYTES,
                        });
                    }
                    let mut buf = Vec::with_capacity(declared as usize);
                    entry
                        .take(MAX_MANIFEST_BYTES)
                        .read_to_end(&mut buf)
                        .map_err(corrupt)?;
                    manifest = Some(buf);
                }
                MANIFEST_SIG_ENTRY if manifest_sig.is_none() && manifest.is_some() => {
                    let limit = crate::trust::MAX_SIG_BYTES;
                    if declared > limit {
                        return Err(PackError::TooLarge {
                            name,
                            declared,
                            limit,
                        });
                    }
                    let mut buf = Vec::with_capacity(declared as usize);
                    entry.take(limit).read_to_end(&mut buf).map_err(corrupt)?;
                    manifest_sig = Some(buf);
                }
                DATABASE_ENTRY if database.is_none() => {
                    if declared > limits.max_database_bytes {
                        return Err(PackError::TooLarge {
                            name,
                            declared,
                            limit: limits.max_database_bytes,
                        });
                    }
                    database = Some(copy_hashed(entry.take(limits.max_database_bytes), db_out)?);
                }
                _ => {
                    let kind = if [MANIFEST_ENTRY, DATABASE_ENTRY, MANIFEST_SIG_ENTRY]
                        .contains(&name.as_str())
                    {
                        "duplicate or out of order".to_string()
                    } else {
                        "unknown name".to_string()
                    };
                    return Err(PackError::UnexpectedEntry { name, kind });
                }
            }
        }
    }
    // Read to the authenticated end of the age stream: a cut-off object fails here.
    let mut rest = archive.into_inner();
    let mut trailer = Vec::new();
    (&mut rest)
        .take(MAX_TRAILER_BYTES + 1)
        .read_to_end(&mut trailer)
        .map_err(corrupt)?;
    if trailer.len() as u64 > MAX_TRAILER_BYTES || trailer.iter().any(|&b| b != 0) {
        return Err(PackError::Corrupt(
            "unexpected data after the end of the archive".into(),
        ));
    }
    let manifest = manifest.ok_or(PackError::Missing(MANIFEST_ENTRY))?;
    let (database_sha256, database_bytes) = database.ok_or(PackError::Missing(DATABASE_ENTRY))?;
    Ok(Unpacked {
        manifest,
        manifest_sig,
        database_sha256,
        database_bytes,
    })
}

/// Compresses and encrypts a small document (e.g. the identifier ledger) to `recipients`.
///
/// # Errors
/// [`PackError::Encrypt`] or [`PackError::Pack`].
pub fn seal(plain: &[u8], recipients: &[age::x25519::Recipient]) -> Result<Vec<u8>, PackError> {
    if recipients.is_empty() {
        return Err(PackError::Encrypt(keys::KeyError::NoRecipient.to_string()));
    }
    // zstd → age, without a tar: the chain's own seal, opened by [`open`].
    let mut w =
        Seal::new(Vec::new(), Some(recipients)).map_err(|e| PackError::Encrypt(e.to_string()))?;
    zstd::stream::copy_encode(plain, &mut w, 3).map_err(PackError::Pack)?;
    w.finish().map_err(PackError::Pack)
}

/// Opens what [`seal`] made, refusing more than `limit` bytes of plaintext.
///
/// # Errors
/// [`PackError::WrongIdentity`], [`PackError::Corrupt`] or [`PackError::TooLarge`].
pub fn unseal(
    sealed: &[u8],
    identities: &[age::x25519::Identity],
    limit: u64,
) -> Result<Vec<u8>, PackError> {
    let z = open(sealed, Some(identities)).map_err(open_error)?;
    let mut out = Vec::new();
    z.take(limit + 1).read_to_end(&mut out).map_err(corrupt)?;
    if out.len() as u64 > limit {
        return Err(PackError::TooLarge {
            name: "sealed document".into(),
            declared: out.len() as u64,
            limit,
        });
    }
    Ok(out)
}

/// Copies `r` into `w` and hashes it, the hashing and writing on a second
/// thread while this one reads: the reading (age, zstd, tar) and the
/// SHA-256 of the database each take about half a core, so a restore keeps
/// both cores busy. Buffers go round between the two threads, never more
/// than [`IN_FLIGHT`] of them, so memory does not grow with the database.
fn copy_hashed(mut r: impl Read, w: &mut (impl Write + Send)) -> Result<(String, u64), PackError> {
    use std::sync::mpsc;
    const PIECE: usize = 1 << 20;
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<u8>, usize)>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        let writer = s.spawn(move || -> io::Result<(String, u64)> {
            let mut h = Sha256::new();
            let mut n = 0u64;
            for (buf, k) in full_rx {
                h.update(&buf[..k]);
                n += k as u64;
                w.write_all(&buf[..k])?;
                // The reader may have stopped already: the buffer is then dropped.
                let _ = empty_tx.send(buf);
            }
            Ok((hex::encode(h.finalize()), n))
        });
        let read = (|| -> Result<(), PackError> {
            loop {
                let mut buf = empty_rx.try_recv().unwrap_or_else(|_| vec![0u8; PIECE]);
                let mut k = 0;
                while k < PIECE {
                    match r.read(&mut buf[k..]) {
                        Ok(0) => break,
                        Ok(got) => k += got,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(corrupt(e)),
                    }
                }
                if k == 0 {
                    return Ok(());
                }
                // A closed channel: the writer failed; its error is the one to tell.
                if full_tx.send((buf, k)).is_err() {
                    return Ok(());
                }
                if k < PIECE {
                    return Ok(());
                }
            }
        })();
        drop(full_tx);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the database writer thread panicked")));
        match (read, written) {
            (_, Err(e)) => Err(PackError::Write(e)),
            (Err(e), Ok(_)) => Err(e),
            (Ok(()), Ok(done)) => Ok(done),
        }
    })
}

/// Database buffers (1 MiB each) between the reading and the writing thread.
const IN_FLIGHT: usize = 4;

fn corrupt(e: io::Error) -> PackError {
    PackError::Corrupt(e.to_string())
}

fn open_error(e: OpenError) -> PackError {
    match e {
        OpenError::WrongIdentity => PackError::WrongIdentity,
        OpenError::Corrupt(why) => PackError::Corrupt(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keypair() -> (age::x25519::Identity, age::x25519::Recipient) {
        let id = age::x25519::Identity::generate();
        let r = id.to_public();
        (id, r)
    }

    fn pack(r: &age::x25519::Recipient, db: &[u8]) -> Vec<u8> {
        let mut p = Packer::new(Vec::new(), std::slice::from_ref(r), 3, 2).unwrap();
        p.append(DATABASE_ENTRY, db.len() as u64, db).unwrap();
        p.append(MANIFEST_ENTRY, 2, &b"{}"[..]).unwrap();
        p.finish().unwrap()
    }

    const BIG: Limits = Limits {
        max_database_bytes: u64::MAX,
    };

    #[test]
    fn round_trip() {
        let (id, r) = keypair();
        let db = vec![7u8; 300_000];
        let obj = pack(&r, &db);
        let mut out = Vec::new();
        let u = unpack(&obj[..], &[id], &mut out, BIG).unwrap();
        assert_eq!(out, db);
        assert_eq!(u.manifest, b"{}");
        assert_eq!(u.database_bytes, 300_000);
    }

    #[test]
    fn truncation_is_detected() {
        let (id, r) = keypair();
        let db: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let obj = pack(&r, &db);
        let mut out = Vec::new();
        let e = unpack(&obj[..obj.len() - 100], &[id], &mut out, BIG).unwrap_err();
        assert!(matches!(e, PackError::Corrupt(_)), "{e}");
    }

    #[test]
    fn a_flipped_byte_is_detected() {
        let (id, r) = keypair();
        let mut obj = pack(&r, &[1u8; 100_000]);
        let mid = obj.len() / 2;
        obj[mid] ^= 1;
        let e = unpack(&obj[..], &[id], &mut Vec::new(), BIG).unwrap_err();
        assert!(matches!(e, PackError::Corrupt(_)), "{e}");
    }

    #[test]
    fn wrong_identity_says_so() {
        let (_, r) = keypair();
        let (other, _) = keypair();
        let obj = pack(&r, b"x");
        let e = unpack(&obj[..], &[other], &mut Vec::new(), BIG).unwrap_err();
        assert!(matches!(e, PackError::WrongIdentity));
    }

    #[test]
    fn declared_size_beyond_limit_is_refused_before_writing() {
        let (id, r) = keypair();
        let obj = pack(&r, &[0u8; 10_000]);
        let mut out = Vec::new();
        let e = unpack(
            &obj[..],
            &[id],
            &mut out,
            Limits {
                max_database_bytes: 100,
            },
        )
        .unwrap_err();
        assert!(matches!(e, PackError::TooLarge { .. }));
        assert!(out.is_empty());
    }
}
