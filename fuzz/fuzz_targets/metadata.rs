//! The clear metadata beside a snapshot, read under a store key: any key and bytes parse or fail
//! cleanly, and what parses describes exactly the object beside that key.
#![no_main]

use eqvault::catalog::{self, Metadata};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first line is the key it was found under, the rest the file.
    let (key, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (String::from_utf8_lossy(&data[..i]).into_owned(), &data[i + 1..]),
        None => (String::new(), data),
    };
    let _ = catalog::id_of_key(&key);
    if let Ok(m) = Metadata::from_slice(&key, body) {
        assert_eq!(m.id.metadata_key(), key);
        assert_eq!(m.object, m.id.object_key());
        assert_eq!(catalog::id_of_key(&key), Some((m.id.clone(), true)));
        let again = serde_json::to_vec(&m).expect("serialises");
        assert_eq!(Metadata::from_slice(&key, &again).expect("parses again"), m);
    }
    // Ids typed on the command line go through the same parser.
    if let Ok(s) = std::str::from_utf8(body)
        && let Ok(id) = s.parse::<catalog::SnapshotId>()
    {
        let _ = id.time();
        assert_eq!(catalog::id_of_key(&id.object_key()), Some((id.clone(), false)));
    }
});
