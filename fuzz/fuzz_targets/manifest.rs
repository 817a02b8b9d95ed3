//! The manifest inside a snapshot: any bytes parse or fail cleanly, and what parses round-trips.
#![no_main]

use eqvault::catalog::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::from_slice(data) {
        let again = serde_json::to_vec(&m).expect("a parsed manifest serialises");
        let back = Manifest::from_slice(&again).expect("a serialised manifest parses");
        assert_eq!(back, m);
    }
});
