//! The one tar → zstd → age chain, both ways, for snapshots and report bags.
//!
//! [`ChainWriter`] stacks a tar builder on a zstd encoder on a [`Seal`] (age
//! to the recipients, or clear for an unencrypted bag) and ends the three in
//! one place, [`ChainWriter::finish`], in the only order that leaves a whole
//! object: a writer dropped without it leaves an age stream without its last,
//! authenticated chunk, which nothing decrypts. [`open`] is the way back:
//! age (when sealed) → zstd, with one verdict on a wrong key.

use std::io::{self, BufReader, Read, Write};

/// The last layer of a stored object: age encryption, or none.
pub enum Seal<W: Write> {
    /// age, to the recipients.
    Age(age::stream::StreamWriter<W>),
    /// Clear (a report bag with `[archive] encrypt = false`).
    Plain(W),
}

impl<W: Write> Seal<W> {
    /// Encrypts to `recipients` when given, else passes through.
    ///
    /// # Errors
    /// When the recipients are refused or the age header cannot be written.
    pub fn new(out: W, recipients: Option<&[age::x25519::Recipient]>) -> io::Result<Seal<W>> {
        match recipients {
            None => Ok(Seal::Plain(out)),
            Some(rs) => {
                let enc =
                    age::Encryptor::with_recipients(rs.iter().map(|r| r as &dyn age::Recipient))
                        .map_err(|e| io::Error::other(e.to_string()))?;
                Ok(Seal::Age(enc.wrap_output(out)?))
            }
        }
    }

    /// Ends the age stream (its last, authenticated chunk) and returns the output.
    ///
    /// # Errors
    /// I/O.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Seal::Age(w) => w.finish(),
            Seal::Plain(w) => Ok(w),
        }
    }
}

impl<W: Write> Write for Seal<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Seal::Age(w) => w.write(b),
            Seal::Plain(w) => w.write(b),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Seal::Age(w) => w.flush(),
            Seal::Plain(w) => w.flush(),
        }
    }
}

/// How the zstd layer compresses.
#[derive(Debug, Clone, Copy)]
pub struct Compression {
    /// zstd level.
    pub level: i32,
    /// Worker threads (1: none).
    pub threads: u32,
    /// The size of one worker's job, when not zstd's default (4 windows).
    pub job_bytes: Option<u32>,
    /// Write zstd's frame checksum.
    pub checksum: bool,
}

/// The stream a tar is written into: zstd over a [`Seal`].
pub type Compressed<W> = zstd::stream::write::Encoder<'static, Seal<W>>;

/// tar → zstd → [`Seal`] into `W`. End it with [`ChainWriter::finish`].
pub struct ChainWriter<W: Write> {
    tar: tar::Builder<Compressed<W>>,
}

impl<W: Write> ChainWriter<W> {
    /// Starts the chain into `out`, sealed to `recipients` when given.
    ///
    /// # Errors
    /// Encryption or compression set-up.
    pub fn new(
        out: W,
        recipients: Option<&[age::x25519::Recipient]>,
        c: Compression,
    ) -> io::Result<Self> {
        use zstd::stream::raw::CParameter;
        let sealed = Seal::new(out, recipients)?;
        let mut raw = zstd::stream::raw::Encoder::new(c.level)?;
        if c.checksum {
            raw.set_parameter(CParameter::ChecksumFlag(true))?;
        }
        if c.threads > 1 {
            raw.set_parameter(CParameter::NbWorkers(c.threads))?;
            if let Some(job) = c.job_bytes {
                raw.set_parameter(CParameter::JobSize(job))?;
            }
        }
        let z = zstd::stream::write::Encoder::with_encoder(sealed, raw);
        Ok(ChainWriter {
            tar: tar::Builder::new(z),
        })
    }

    /// The tar builder, for its header mode and for entries without data.
    pub fn tar(&mut self) -> &mut tar::Builder<Compressed<W>> {
        &mut self.tar
    }

    /// Appends an entry of exactly `size` bytes read from `data` under
    /// `header` (whose size is `size`). Returns how many bytes `data` gave:
    /// fewer than `size` means the source changed while it was read, and the
    /// caller says so (the tar is then padded and must not be finished).
    ///
    /// # Errors
    /// I/O.
    pub fn append_exact(
        &mut self,
        header: &mut tar::Header,
        path: &str,
        size: u64,
        data: impl Read,
    ) -> io::Result<u64> {
        let mut counted = Counted {
            inner: data.take(size),
            n: 0,
        };
        self.tar.append_data(header, path, &mut counted)?;
        Ok(counted.n)
    }

    /// Ends the tar, the zstd frame and the seal, in that order, and returns the output.
    ///
    /// # Errors
    /// I/O.
    pub fn finish(self) -> io::Result<W> {
        let z = self.tar.into_inner()?;
        let sealed = z.finish()?;
        sealed.finish()
    }
}

/// Counts what passes.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

/// Why an object could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// None of the identities opens it.
    WrongIdentity,
    /// Not an age file, damaged, or not a zstd stream.
    Corrupt(String),
}

/// The way back: `input` decrypted with `identities` (when sealed) and
/// decompressed, as a reader of the tar inside. The age stream is checked
/// chunk by chunk as it is read; a truncated object fails at its end.
///
/// # Errors
/// [`OpenError::WrongIdentity`] when no identity opens a sealed object,
/// [`OpenError::Corrupt`] when its header or zstd frame is damaged.
pub fn open<'a, R: Read + 'a>(
    input: R,
    identities: Option<&[age::x25519::Identity]>,
) -> Result<zstd::stream::read::Decoder<'a, BufReader<Box<dyn Read + 'a>>>, OpenError> {
    let plain: Box<dyn Read + 'a> = match identities {
        Some(ids) => {
            let dec = age::Decryptor::new_buffered(BufReader::new(input)).map_err(decrypt_error)?;
            Box::new(
                dec.decrypt(ids.iter().map(|i| i as &dyn age::Identity))
                    .map_err(decrypt_error)?,
            )
        }
        None => Box::new(input),
    };
    zstd::stream::read::Decoder::new(plain).map_err(|e| OpenError::Corrupt(e.to_string()))
}

fn decrypt_error(e: age::DecryptError) -> OpenError {
    match e {
        age::DecryptError::NoMatchingKeys => OpenError::WrongIdentity,
        other => OpenError::Corrupt(other.to_string()),
    }
}
