//! The synchronous end of an upload to several stores at once: hashes the
//! object and hands 1 MiB chunks to every store's upload task. Used by
//! `backup` (snapshots) and `archive add` (bags) alike.

use std::io::{self, Write};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Chunk, Store, StoreError};

const CHUNK: usize = 1 << 20;

/// One store's upload: its index in the caller's store list and the task.
pub type Upload = (usize, tokio::task::JoinHandle<Result<u64, StoreError>>);

/// Fans a stream out to several uploads. Dropping it without [`FanOut::commit`]
/// (or failing a write) aborts every upload, and nothing appears under the key.
pub struct FanOut {
    senders: Vec<Option<mpsc::Sender<Chunk>>>,
    cancel: Option<CancellationToken>,
    buf: Vec<u8>,
    hasher: Sha256,
    bytes: u64,
}

impl FanOut {
    /// Starts an upload of `key` to each of `stores`, given with the index the
    /// caller knows it by (must run inside the tokio runtime).
    pub fn start<'a>(
        stores: impl IntoIterator<Item = (usize, &'a Store)>,
        key: &str,
    ) -> (FanOut, Vec<Upload>) {
        let mut senders = Vec::new();
        let mut tasks = Vec::new();
        for (i, s) in stores {
            let (tx, task) = s.start_upload(key, 8);
            senders.push(Some(tx));
            tasks.push((i, task));
        }
        (
            FanOut {
                senders,
                cancel: None,
                buf: Vec::with_capacity(CHUNK),
                hasher: Sha256::new(),
                bytes: 0,
            },
            tasks,
        )
    }

    /// Makes the next write fail once `token` is cancelled, which aborts every upload.
    pub fn cancelled_by(mut self, token: Option<CancellationToken>) -> FanOut {
        self.cancel = token;
        self
    }

    fn send(&mut self, chunk: Option<Bytes>) -> io::Result<()> {
        if crate::stop::requested() || self.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
            // Failing here drops the senders without Commit: every upload aborts.
            return Err(io::Error::other(
                "the upload was cancelled: eqvault is stopping",
            ));
        }
        for slot in &mut self.senders {
            if let Some(tx) = slot {
                let msg = match &chunk {
                    Some(b) => Chunk::Data(b.clone()),
                    None => Chunk::Commit,
                };
                if tx.blocking_send(msg).is_err() {
                    // That store's task ended early; its own error is reported when awaited.
                    *slot = None;
                }
            }
        }
        if self.senders.iter().all(Option::is_none) {
            return Err(io::Error::other("every store stopped accepting the upload"));
        }
        Ok(())
    }

    fn flush_chunk(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let b = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.send(Some(b))
    }

    /// Sends the last bytes and the commit; returns the object's SHA-256 (hex) and length.
    ///
    /// # Errors
    /// When every store stopped accepting, or the upload was cancelled.
    pub fn commit(mut self) -> io::Result<(String, u64)> {
        self.flush_chunk()?;
        self.send(None)?;
        let h = std::mem::take(&mut self.hasher);
        Ok((hex::encode(h.finalize()), self.bytes))
    }
}

impl Write for FanOut {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.hasher.update(data);
        self.bytes += data.len() as u64;
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
