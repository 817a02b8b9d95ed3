//! The archive's classifier of file names (school year and term), and the other parsers of
//! names and ids typed by people: never a panic, and a placement only ever names a real
//! school year.
#![no_main]

use std::sync::OnceLock;

use eqvault::archive::classify::{self, Flags, Subject};
use eqvault::archive::{BagId, ReportKinds};
use eqvault::calendar::SchoolYears;
use libfuzzer_sys::fuzz_target;

fn years() -> &'static SchoolYears {
    static Y: OnceLock<SchoolYears> = OnceLock::new();
    Y.get_or_init(|| {
        eqvault::policy::Policies::built_in()
            .expect("the shipped policies load")
            .school_years
    })
}

fn kinds() -> &'static ReportKinds {
    static K: OnceLock<ReportKinds> = OnceLock::new();
    K.get_or_init(ReportKinds::built_in)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // "name\0folder\0folder…": a file name and its folders, nearest first.
    let mut parts = text.split('\0');
    let name = parts.next().unwrap_or_default();
    let folders: Vec<String> = parts.take(4).map(str::to_string).collect();
    let _ = classify::fold(name);
    let _ = classify::tokens(name);
    let _ = classify::folded_words(name);
    let found = classify::scan(name);
    for (y, _) in &found.years {
        assert!(classify::is_year_name(y), "scan found {y:?}");
    }
    let subject = Subject {
        name,
        folders: &folders,
        date: None,
    };
    if let Ok(p) = classify::classify(&subject, &Flags::default(), years()) {
        assert!(classify::is_year_name(&p.year), "placed in {:?}", p.year);
    }
    let _ = kinds().kind_of(name);
    if let Some(id) = BagId::parse(name) {
        assert_eq!(id.as_str(), name);
    }
    let _ = name.parse::<eqvault::catalog::SnapshotId>();
});
