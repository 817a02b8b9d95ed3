//! Signed records in a store: a record `KEY` and its detached signature `KEY.sig`.
//!
//! The signature is written first and the record second, so a record is never
//! visible without its signature (an interrupted write leaves a lone `.sig`,
//! which nothing reads). A record is read together with its signature and
//! returned only when a trusted key signed exactly those bytes for its kind;
//! the caller parses it after that, never before.

use bytes::Bytes;

use super::{Listed, Store, StoreError};
use crate::trust::{self, Kind, Signer, Trusted, Untrusted};

/// The largest record eqvault reads (metadata, drill records, sidecars listing thousands of files).
pub const MAX_RECORD_BYTES: u64 = 16 << 20;

/// A record read from a store and the verdict on its signature.
#[derive(Debug)]
pub struct Read {
    /// The record's bytes (not to be parsed unless `signer` is `Ok`).
    pub body: Bytes,
    /// The fingerprint of the trusted key that signed it, or why it is not believed.
    pub signer: Result<String, Untrusted>,
}

impl Store {
    /// Writes `body` at `key` with its signature as `kind`: the signature first,
    /// each only if absent.
    ///
    /// # Errors
    /// [`StoreError::Exists`] when the record is there already; others on failure.
    pub async fn put_signed(
        &self,
        key: &str,
        body: Bytes,
        kind: Kind,
        signer: &Signer,
    ) -> Result<(), StoreError> {
        let sig = Bytes::from(signer.sign(kind, &body));
        match self.put_signature(key, sig.clone()).await {
            // Another signature and no record: the leftover of a write cut off between
            // the two (or planted to block this key). Alone it makes nothing believed,
            // so it goes, once, and the record is written with its own.
            Err(StoreError::Exists { .. }) if self.head(key).await?.is_none() => {
                self.delete(&trust::sig_key(key)).await?;
                self.put_signature(key, sig).await?;
            }
            other => other?,
        }
        self.put_if_absent(key, body).await
    }

    /// Writes a ready signature of `key` (sync copies one as it is). A signature
    /// already there with the same bytes is fine: an earlier run was cut off
    /// between the signature and its record.
    ///
    /// # Errors
    /// [`StoreError::Exists`] when another signature is there.
    pub async fn put_signature(&self, key: &str, sig: Bytes) -> Result<(), StoreError> {
        let sk = trust::sig_key(key);
        match self.put_if_absent(&sk, sig.clone()).await {
            Err(StoreError::Exists { .. }) => {
                match self.get_bytes_max(&sk, trust::MAX_SIG_BYTES).await {
                    Ok(b) if b == sig => Ok(()),
                    _ => Err(StoreError::Exists {
                        store: self.label.clone(),
                        key: sk,
                    }),
                }
            }
            other => other,
        }
    }

    /// Reads the record at `key` and its signature, and judges the signature.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer, or the record is larger
    /// than [`MAX_RECORD_BYTES`]; a missing or bad signature is a verdict in
    /// [`Read::signer`], not an error.
    pub async fn get_signed(
        &self,
        key: &str,
        kind: Kind,
        trusted: &Trusted,
    ) -> Result<Read, StoreError> {
        let body = self
            .get_bytes_max(key, kind.max_record_bytes().min(MAX_RECORD_BYTES))
            .await?;
        let signer = match self
            .get_bytes_max(&trust::sig_key(key), trust::MAX_SIG_BYTES)
            .await
        {
            Ok(sig) => trusted.verify(kind, &body, &sig),
            Err(StoreError::NotFound { .. }) => Err(Untrusted::Unsigned),
            Err(StoreError::TooLarge { .. }) => Err(Untrusted::Malformed(
                "the signature file is far too large".into(),
            )),
            // A signature this store cannot give as a regular file (a folder,
            // a link, a name too long to exist beside the record): planted,
            // never believed, and no reason to stop reading the rest.
            Err(e @ (StoreError::Io { .. } | StoreError::Foreign { .. })) => {
                Err(Untrusted::Malformed(e.to_string()))
            }
            Err(e) => return Err(e),
        };
        Ok(Read { body, signer })
    }

    /// The signature bytes of `key`, for a copy to another store.
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn get_signature(&self, key: &str) -> Result<Bytes, StoreError> {
        self.get_bytes_max(&trust::sig_key(key), trust::MAX_SIG_BYTES)
            .await
    }

    /// Removes a record, then its signature (absent is fine).
    ///
    /// # Errors
    /// [`StoreError`] from the first delete that fails.
    pub async fn delete_signed(&self, key: &str) -> Result<(), StoreError> {
        self.delete(key).await?;
        self.delete(&trust::sig_key(key)).await
    }
}

/// How many records of `kind` are read at once: few of the large kinds.
pub fn in_flight(kind: Kind) -> usize {
    if kind.max_record_bytes() > 1 << 20 {
        4
    } else {
        16
    }
}

/// Splits a listing into records and lone signatures (whose record is absent).
pub fn split_signatures(listed: Vec<Listed>) -> (Vec<Listed>, Vec<Listed>) {
    let keys: std::collections::BTreeSet<String> = listed.iter().map(|l| l.key.clone()).collect();
    let (sigs, records): (Vec<Listed>, Vec<Listed>) = listed
        .into_iter()
        .partition(|l| l.key.ends_with(trust::SIG_SUFFIX));
    let lone = sigs
        .into_iter()
        .filter(|s| {
            let rec = &s.key[..s.key.len() - trust::SIG_SUFFIX.len()];
            !keys.contains(rec)
        })
        .collect();
    (records, lone)
}

/// The signed records under a prefix, sorted by what they are.
#[derive(Debug)]
pub struct Records<T> {
    /// Records signed by a trusted key and parsed: (listing, record, the signer's fingerprint).
    pub good: Vec<(Listed, T, String)>,
    /// Records not believed or not readable: (key, escaped for a terminal; why).
    pub rejected: Vec<(String, String)>,
    /// Signatures whose record is absent (an interrupted write).
    pub lone_signatures: Vec<Listed>,
    /// Everything else listed under the prefix that `wanted` did not take.
    pub others: Vec<Listed>,
}

/// Lists `prefix`, and reads every key `wanted` picks as a signed record of
/// `kind`, 16 at a time; `parse` sees only bytes a trusted key signed.
///
/// # Errors
/// [`StoreError`] when the store cannot be listed or read.
pub async fn read_records<T>(
    store: &Store,
    prefix: &str,
    kind: Kind,
    trusted: &Trusted,
    wanted: impl Fn(&str) -> bool,
    parse: impl Fn(&str, &[u8]) -> Result<T, String>,
) -> Result<Records<T>, StoreError> {
    use futures::StreamExt;
    let (listed, foreign) = store.list_all(prefix).await?;
    let (listed, lone_signatures) = split_signatures(listed);
    let (picked, others): (Vec<Listed>, Vec<Listed>) =
        listed.into_iter().partition(|l| wanted(&l.key));
    // Read a few at a time and let each body go once judged: what a store
    // holds (planted files included) never piles up in memory.
    let mut fetched = futures::stream::iter(picked)
        .map(|l| async move {
            let r = store.get_signed(&l.key, kind, trusted).await;
            (l, r)
        })
        .buffer_unordered(in_flight(kind));
    let mut out = Records {
        good: Vec::new(),
        rejected: foreign
            .into_iter()
            .map(|k| {
                (
                    k,
                    "foreign: not a regular file or not a valid key; never read".to_string(),
                )
            })
            .collect(),
        lone_signatures,
        others,
    };
    while let Some((l, r)) = fetched.next().await {
        let shown = crate::sanitize::for_terminal(&l.key).into_owned();
        let read = match r {
            Ok(r) => r,
            Err(StoreError::NotFound { .. }) => continue,
            Err(
                e @ (StoreError::TooLarge { .. }
                | StoreError::Io { .. }
                | StoreError::Foreign { .. }),
            ) => {
                out.rejected.push((shown, e.to_string()));
                continue;
            }
            Err(e) => return Err(e),
        };
        match read.signer {
            Err(why) => out.rejected.push((shown, why.to_string())),
            Ok(fp) => match parse(&l.key, &read.body) {
                Ok(t) => out.good.push((l, t, fp)),
                Err(why) => out.rejected.push((shown, format!("signed, but {why}"))),
            },
        }
    }
    out.good.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    out.rejected.sort();
    Ok(out)
}
