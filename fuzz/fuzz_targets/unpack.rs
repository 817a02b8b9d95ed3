//! The strict snapshot unpacker. The input is the plaintext a store could hold under the
//! encryption (anyone with the public key can encrypt), so the harness encrypts it first.
//! It must never panic, never yield more than the limits allow, and what it accepts must be
//! exactly a database and a manifest, hashed as written.
#![no_main]

use std::io::Write;
use std::sync::OnceLock;

use eqvault::pack::{self, Limits};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fn identity() -> &'static age::x25519::Identity {
    static ID: OnceLock<age::x25519::Identity> = OnceLock::new();
    ID.get_or_init(age::x25519::Identity::generate)
}

fn seal(plain: &[u8]) -> Vec<u8> {
    let r = identity().to_public();
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
        .expect("encryptor");
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).expect("header");
    w.write_all(plain).expect("encrypt");
    w.finish().expect("finish");
    out
}

const LIMIT: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let object = match mode % 3 {
        // The tar, compressed and encrypted as eqvault does.
        0 => seal(&zstd::encode_all(rest, 1).expect("compress")),
        // A zstd stream of the fuzzer's making, encrypted.
        1 => seal(rest),
        // The object itself (age header parsing).
        _ => rest.to_vec(),
    };
    let mut out = Vec::new();
    let r = pack::unpack(
        &object[..],
        std::slice::from_ref(identity()),
        &mut out,
        Limits {
            max_database_bytes: LIMIT,
        },
    );
    if let Ok(u) = r {
        assert!(out.len() as u64 <= LIMIT);
        assert_eq!(u.database_bytes, out.len() as u64);
        assert_eq!(u.database_sha256, hex::encode(Sha256::digest(&out)));
        assert!(u.manifest.len() as u64 <= pack::MAX_MANIFEST_BYTES);
    }
});
