//! The synchronous end of a bag's upload: hashes the object and hands 1 MiB chunks to every store's upload task.

use std::io::{self, Write};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::store::{Chunk, Store, StoreError};

const CHUNK: usize = 1 << 20;

/// One store's upload: its index in the run's store list and the task.
pub type Upload = (usize, tokio::task::JoinHandle<Result<u64, StoreError>>);

/// Fans a stream out to several uploads. Dropping it without [`FanOut::commit`]
/// aborts every upload, and nothing appears under the key.
pub struct FanOut {
    senders: Vec<Option<mpsc::Sender<Chunk>>>,
    buf: Vec<u8>,
    hasher: Sha256,
    bytes: u64,
}

impl FanOut {
    /// Starts an upload of `key` to each store (must run inside the tokio runtime).
    pub fn start(stores: &[Store], key: &str) -> (FanOut, Vec<Upload>) {
        let mut senders = Vec::new();
        let mut tasks = Vec::new();
        for (i, s) in stores.iter().enumerate() {
            let (tx, task) = s.start_upload(key, 8);
            senders.push(Some(tx));
            tasks.push((i, task));
        }
        (
            FanOut {
                senders,
                buf: Vec::with_capacity(CHUNK),
                hasher: Sha256::new(),
                bytes: 0,
            },
            tasks,
        )
    }

    fn send(&mut self, chunk: Option<Bytes>) -> io::Result<()> {
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

    /// Sends the last bytes and the commit; returns the object's SHA-256 and length.
    ///
    /// # Errors
    /// When every store stopped accepting.
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
