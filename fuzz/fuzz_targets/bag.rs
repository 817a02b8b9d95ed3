//! The strict bag unpacker of `archive get` and `archive verify`. The input is a stored
//! bag's tar (compressed by the harness) or zstd stream. It must never panic, and every
//! path it hands the sink must be a relative path inside the bag: no `..`, nothing absolute,
//! no file outside `data/` but the tag files, never more bytes than the index allows.
#![no_main]

use std::collections::BTreeMap;
use std::io::{self, Write};

use eqvault::archive::unpack::{self, Expect, Sink};
use libfuzzer_sys::fuzz_target;

const BAG: &str = "20250120T010203Z-abcdef";

/// Checks every path the unpacker names, and counts what it writes.
#[derive(Default)]
struct Jail {
    written: u64,
}

fn inside(rel: &str) {
    assert!(!rel.starts_with('/'), "absolute path {rel:?}");
    assert!(
        rel.split('/').all(|c| c != ".." && c != "."),
        "path climbing out {rel:?}"
    );
    assert!(!rel.contains('\0') && !rel.contains('\\'), "odd path {rel:?}");
}

struct Counter<'a>(&'a mut u64);

impl Write for Counter<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        *self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink for Jail {
    fn dir(&mut self, rel: &str) -> io::Result<()> {
        inside(rel);
        Ok(())
    }

    fn file(&mut self, rel: &str, _size: u64) -> io::Result<Option<Box<dyn Write + '_>>> {
        assert!(!rel.is_empty(), "a file with no name");
        inside(rel);
        assert!(
            rel.starts_with("data/") || !rel.contains('/'),
            "a file outside data/ that is not a tag file: {rel:?}"
        );
        Ok(Some(Box::new(Counter(&mut self.written))))
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let input = if mode % 2 == 0 {
        zstd::encode_all(rest, 1).expect("compress")
    } else {
        rest.to_vec()
    };
    let expect = Expect {
        bag_id: BAG.to_string(),
        files: BTreeMap::from([("a.txt".to_string(), 5), ("sub/b.txt".to_string(), 3)]),
        tag_bytes: 4000,
        encrypted: false,
    };
    let mut jail = Jail::default();
    let r = unpack::read_bag(&input[..], &[], &expect, &mut jail);
    assert!(jail.written <= expect.limit(), "wrote {} bytes", jail.written);
    if let Ok(c) = r {
        for (p, (n, _)) in &c.payload {
            let want = p.strip_prefix("data/").and_then(|x| expect.files.get(x));
            assert_eq!(want, Some(n), "{p:?} accepted with {n} bytes");
        }
    }
});
