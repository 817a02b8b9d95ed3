//! Pieces of the `--json` documents that several outcomes share: what the
//! engine keeps as tuples, written as the named objects docs/CLI.md gives.

use serde::Serialize;

/// `{"store", "error"}`: a store that failed part of the work.
#[derive(Serialize)]
pub(crate) struct StoreFailure<'a> {
    store: &'a str,
    error: &'a str,
}

/// `{"store", "key", "why"}`: a record that is not believed.
#[derive(Serialize)]
pub(crate) struct Untrusted<'a> {
    store: &'a str,
    key: &'a str,
    why: &'a str,
}

/// (store, error) pairs as objects.
pub(crate) fn failures(v: &[(String, String)]) -> Vec<StoreFailure<'_>> {
    v.iter()
        .map(|(store, error)| StoreFailure { store, error })
        .collect()
}

/// (store, key, why) triples as objects.
pub(crate) fn untrusted(v: &[(String, String, String)]) -> Vec<Untrusted<'_>> {
    v.iter()
        .map(|(store, key, why)| Untrusted { store, key, why })
        .collect()
}
