//! Hostile packages (issue 8): snapshot objects and report bags built by someone who can
//! write to a store. age encrypts to a public key, and the recipients are printed in the
//! clear metadata, so anyone with write access can craft an object eqvault decrypts.
//! Every crafted entry must be refused with a clear error, with nothing written outside
//! the target and no partial file left at it.
//!
//! The bag cases here add to `tests/archive.rs`'s
//! `hostile_packages_are_refused_by_get_and_nothing_is_written_outside_the_target`
//! (`..`, absolute, links, devices, duplicates, huge size, bomb): names that only a GNU
//! long-name record or a PAX header carries, fifos, block devices and a PAX size that lies.

mod common;
mod proving;

use std::path::Path;

use chrono::{TimeZone, Utc};
use common::*;
use proving::*;
use serde_json::Value;

/// The snapshot of the fixture database, opened.
fn backed_up() -> (Fixture, Parts) {
    let fx = Fixture::new();
    fx.config_local();
    let b = fx.backup();
    let parts = open_snapshot(&fx, &fx.store, b["id"].as_str().unwrap());
    (fx, parts)
}

/// A zstd frame of `tar` followed by `zeros` zero bytes, streamed (a bomb needs no memory).
fn zstd_with_zeros(tar: &[u8], zeros: u64) -> Vec<u8> {
    use std::io::Write;
    let mut e = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
    e.write_all(tar).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        e.write_all(&chunk[..k]).unwrap();
        left -= k as u64;
    }
    e.finish().unwrap()
}

struct Case {
    what: &'static str,
    /// The zstd frame inside the age file.
    frame: Vec<u8>,
    /// stderr of the refused restore contains all of these (case-insensitive).
    phrases: &'static [&'static str],
}

fn snapshot_cases(d: &Derived, marker: &str) -> Vec<Case> {
    use tar::EntryType as T;
    let db = &d.database;
    let man = &d.manifest;
    let tar = |f: &dyn Fn(&mut RawTar)| {
        let mut t = RawTar::default();
        f(&mut t);
        zstd(&t.end())
    };
    let evil_abs = format!("/tmp/eqvault-evil-{marker}");
    let evil_up = format!("../../evil-{marker}.sqlite");
    vec![
        Case {
            what: "a name climbing out with ..",
            frame: tar(&|t| {
                t.file(&evil_up, db);
                t.file("database.sqlite", db);
                t.file("manifest.json", man);
            }),
            phrases: &["unexpected entry", "evil-"],
        },
        Case {
            what: "an absolute path",
            frame: tar(&|t| {
                t.file(&evil_abs, db);
                t.file("database.sqlite", db);
                t.file("manifest.json", man);
            }),
            phrases: &["unexpected entry", "/tmp/eqvault-evil-"],
        },
        Case {
            what: "the database as a symbolic link out",
            frame: tar(&|t| {
                t.entry("database.sqlite", T::Symlink, b"", Some("/etc/passwd"));
                t.file("manifest.json", man);
            }),
            phrases: &["unexpected entry", "symlink"],
        },
        Case {
            what: "a symbolic link, then a file written through it",
            frame: tar(&|t| {
                t.entry("escape", T::Symlink, b"", Some("/tmp"));
                t.file(&format!("escape/eqvault-evil-{marker}"), db);
            }),
            phrases: &["unexpected entry", "symlink"],
        },
        Case {
            what: "the database as a hard link out",
            frame: tar(&|t| {
                t.entry(
                    "database.sqlite",
                    T::Link,
                    b"",
                    Some("../../../../etc/passwd"),
                );
                t.file("manifest.json", man);
            }),
            phrases: &["unexpected entry", "link"],
        },
        Case {
            what: "the database as a character device",
            frame: tar(&|t| {
                t.entry("database.sqlite", T::Char, b"", None);
                t.file("manifest.json", man);
            }),
            phrases: &["unexpected entry", "char"],
        },
        Case {
            what: "the database as a block device",
            frame: tar(&|t| {
                t.entry("database.sqlite", T::Block, b"", None);
                t.file("manifest.json", man);
            }),
            phrases: &["unexpected entry", "block"],
        },
        Case {
            what: "the database as a fifo",
            frame: tar(&|t| {
                t.entry("database.sqlite", T::Fifo, b"", None);
                t.file("manifest.json", man);
            }),
            phrases: &["unexpected entry", "fifo"],
        },
        Case {
            what: "the database as a folder",
            frame: tar(&|t| {
                t.entry("database.sqlite/", T::Directory, b"", None);
                t.file("manifest.json", man);
            }),
            phrases: &["unexpected entry", "directory"],
        },
        Case {
            what: "the database twice",
            frame: tar(&|t| {
                t.file("database.sqlite", db);
                t.file("manifest.json", man);
                t.file(
                    "database.sqlite",
                    b"SQLite format 3\0 and then something else",
                );
            }),
            phrases: &["unexpected entry", "duplicate"],
        },
        Case {
            what: "the manifest twice",
            frame: tar(&|t| {
                t.file("database.sqlite", db);
                t.file("manifest.json", man);
                t.file("manifest.json", b"{}");
            }),
            phrases: &["unexpected entry", "duplicate"],
        },
        Case {
            what: "a name only a GNU long-name record carries",
            frame: tar(&|t| {
                t.gnu_long_name(&format!("{}{evil_up}", "x/".repeat(60)), db);
                t.file("database.sqlite", db);
                t.file("manifest.json", man);
            }),
            phrases: &["unexpected entry", "evil-"],
        },
        Case {
            what: "an absolute path only a PAX header carries",
            frame: tar(&|t| {
                t.pax(&[("path", &evil_abs)], "database.sqlite", db);
                t.file("manifest.json", man);
            }),
            phrases: &["unexpected entry", "/tmp/eqvault-evil-"],
        },
        Case {
            what: "a huge declared size",
            frame: {
                let mut t = RawTar::default();
                t.0.extend_from_slice(&RawTar::header(
                    b"database.sqlite",
                    T::Regular,
                    1 << 40,
                    None,
                ));
                t.0.extend_from_slice(&db[..4096]);
                zstd(&t.0)
            },
            phrases: &["declares", "1099511627776", "decompression bomb"],
        },
        Case {
            what: "a PAX size larger than the header's",
            frame: tar(&|t| {
                t.pax(&[("size", "1099511627776")], "database.sqlite", db);
                t.file("manifest.json", man);
            }),
            phrases: &["declares", "1099511627776", "decompression bomb"],
        },
        Case {
            what: "a manifest declared huge",
            frame: tar(&|t| {
                t.file("database.sqlite", db);
                t.0.extend_from_slice(&RawTar::header(
                    b"manifest.json",
                    T::Regular,
                    100 << 20,
                    None,
                ));
            }),
            phrases: &["declares", "manifest.json", "decompression bomb"],
        },
        Case {
            what: "a decompression bomb after the tar",
            frame: {
                let mut t = RawTar::default();
                t.file("database.sqlite", db);
                t.file("manifest.json", man);
                zstd_with_zeros(&t.end(), 300 << 20)
            },
            phrases: &["unexpected data after the end"],
        },
        Case {
            what: "a second zstd frame after the first",
            frame: {
                let mut t = RawTar::default();
                t.file("database.sqlite", db);
                t.file("manifest.json", man);
                let mut f = zstd(&t.end());
                f.extend(zstd(b"more data nobody asked for"));
                f
            },
            phrases: &["unexpected data after the end"],
        },
        Case {
            what: "a manifest only",
            frame: tar(&|t| t.file("manifest.json", man)),
            phrases: &["has no database.sqlite"],
        },
    ]
}

#[test]
fn hostile_snapshot_packages_are_refused_by_restore_verify_and_drill_writing_nothing_outside() {
    let (fx, base) = backed_up();
    let marker = random_marker(12);
    let r = recipient_of(&fx);
    let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 1, 0, 0).unwrap();
    let probe = Derived::from(&base, t0);
    let cases = snapshot_cases(&probe, &marker);
    let jail = fx.path().join("jail");
    let out = jail.join("out");
    std::fs::create_dir_all(&out).unwrap();
    // An existing database at the target, for --force.
    let live = out.join("live.db");
    create_equipment_db(&live);
    let live_sha = sha256_file(&live);

    let mut planted = Vec::new();
    for (i, c) in cases.into_iter().enumerate() {
        let d = Derived::from(&base, t0 + chrono::Duration::days(i as i64));
        let id = plant(&fx, &fx.store, &seal(&r, &c.frame), d.meta.clone());
        planted.push((c, id));
    }
    for (c, id) in &planted {
        let id = id.as_str();
        for (target, force) in [(out.join("restored.db"), false), (live.clone(), true)] {
            let mut args = vec!["restore", id, "--to", p(&target)];
            if force {
                args.push("--force");
            }
            let run = fx.run(&args);
            assert_eq!(run.code, Some(2), "{}: {}", c.what, run.stderr);
            let lower = run.stderr.to_lowercase();
            for ph in c.phrases {
                assert!(
                    lower.contains(&ph.to_lowercase()),
                    "{}: {ph:?} not in\n{}",
                    c.what,
                    run.stderr
                );
            }
            assert_eq!(
                names_in(&out),
                ["live.db"],
                "{}: left in the target folder",
                c.what
            );
            assert_eq!(
                names_in(&jail),
                ["out"],
                "{}: written beside the target",
                c.what
            );
            assert_eq!(
                sha256_file(&live),
                live_sha,
                "{}: the existing database changed",
                c.what
            );
        }
        let v = fx.run(&["drill", id, "--json"]).code(1).json();
        assert_eq!(v["status"], "failed", "{}", c.what);
    }
    let v = fx
        .run(&["verify", "--all", "--read-data", "--json"])
        .code(1)
        .json();
    for (c, id) in &planted {
        let r = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{}: not verified", c.what));
        assert_eq!(r["ok"], false, "{}: {r:#}", c.what);
    }
    // Nothing anywhere outside: not in the fixture, not in /tmp, not in the state folder.
    let evil: Vec<_> = files_under(fx.path())
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("evil"))
        .collect();
    assert!(evil.is_empty(), "{evil:?}");
    assert!(!Path::new(&format!("/tmp/eqvault-evil-{marker}")).exists());
    assert!(fx.private_temp_leftovers().is_empty());
}

#[test]
fn a_bomb_whose_forged_metadata_claims_its_size_fills_no_disk_and_leaves_nothing() {
    let (fx, base) = backed_up();
    let r = recipient_of(&fx);
    let mut d = Derived::from(&base, Utc.with_ymd_and_hms(2025, 4, 1, 1, 0, 0).unwrap());
    // One gigabyte of zeros as "the database", with a manifest and metadata that agree.
    let size: u64 = 1 << 30;
    let mut m = d.manifest_json();
    m["database_bytes"] = size.into();
    d.manifest = serde_json::to_vec(&m).unwrap();
    d.meta.database_bytes = size;
    let mut t = RawTar::default();
    t.0.extend_from_slice(&RawTar::header(
        b"database.sqlite",
        tar::EntryType::Regular,
        size,
        None,
    ));
    let frame = {
        let mut tail = RawTar::default();
        tail.file("manifest.json", &d.manifest);
        let mut head = zstd_with_zeros(&t.0, size);
        head.extend(zstd(&tail.end()));
        head
    };
    let id = plant(&fx, &fx.store, &seal(&r, &frame), d.meta.clone());
    let disk = match SmallDisk::mount(&fx.path().join("small"), "16m") {
        Ok(d) => d,
        Err(why) => {
            proving::cannot_set_up("a_bomb_whose_forged_metadata_claims_its_size", &why);
            return;
        }
    };
    let live = disk.dir.join("live.db");
    create_equipment_db(&live);
    let live_sha = sha256_file(&live);
    let run = fx
        .run(&["restore", id.as_str(), "--to", p(&live), "--force"])
        .code(2)
        .stderr_has(&["the disk is full", "make room"]);
    // How much room it needs, as a person reads a size.
    assert!(
        run.stderr.contains("needs about") && run.stderr.contains("iB"),
        "{}",
        run.stderr
    );
    assert_eq!(names_in(&disk.dir), ["live.db"]);
    assert_eq!(sha256_file(&live), live_sha);
    drop(disk);
    // In the state folder (drill, verify) it is refused too, and its scratch space is cleaned.
    let v = fx.run(&["drill", id.as_str(), "--json"]).code(1).json();
    assert_eq!(v["status"], "failed");
    assert!(fx.private_temp_leftovers().is_empty());
}

// ---- report bags ------------------------------------------------------------------------

const OFFICE: &str = "Phòng Giáo dục và Đào tạo Quận 1";

fn bagit_txt(t: &mut RawTar) {
    t.file(
        &format!("{BAG}/bagit.txt"),
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
    );
}

#[test]
fn hostile_bags_named_by_long_name_records_pax_headers_or_special_types_are_refused_by_get() {
    use tar::EntryType as T;
    let marker = random_marker(12);
    let evil_abs = format!("/tmp/eqvault-evil-{marker}");
    let bag = |f: &dyn Fn(&mut RawTar)| {
        let mut t = RawTar::default();
        bagit_txt(&mut t);
        f(&mut t);
        t.end()
    };
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        (
            "`..` in a GNU long name",
            bag(&|t| {
                t.gnu_long_name(
                    &format!(
                        "{BAG}/data/{}../../../../evil-{marker}.txt",
                        "d/".repeat(60)
                    ),
                    b"evil!",
                )
            }),
            &["`..`"],
        ),
        (
            "an absolute path in a PAX header",
            bag(&|t| {
                t.pax(
                    &[("path", &evil_abs)],
                    &format!("{BAG}/data/a.txt"),
                    b"evil!",
                )
            }),
            &["absolute path"],
        ),
        (
            "a PAX size larger than the header's",
            bag(&|t| {
                t.pax(
                    &[("size", "1099511627776")],
                    &format!("{BAG}/data/a.txt"),
                    b"small",
                )
            }),
            &["declares", "1099511627776"],
        ),
        (
            "a fifo",
            bag(&|t| t.entry(&format!("{BAG}/data/a.txt"), T::Fifo, b"", None)),
            &["fifo"],
        ),
        (
            "a block device",
            bag(&|t| t.entry(&format!("{BAG}/data/a.txt"), T::Block, b"", None)),
            &["block device"],
        ),
        (
            "a folder climbing out",
            bag(&|t| t.entry(&format!("{BAG}/data/../../"), T::Directory, b"", None)),
            &["`..`"],
        ),
    ];
    for (what, tar_bytes, phrases) in cases {
        let fx = Fixture::new();
        fx.config_local();
        let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
        cfg.push_str(&format!("\n[office]\nname = \"{OFFICE}\"\ncode = \"79\"\n"));
        std::fs::write(&fx.config, cfg).unwrap();
        plant_bag(&fx, &tar_bytes, OFFICE);
        fx.run(&["archive", "rebuild-index"]).ok();
        let jail = fx.path().join("jail");
        let out = jail.join("out");
        std::fs::create_dir_all(&out).unwrap();
        for get in [BAG, "a.txt"] {
            let r = fx.run(&["archive", "get", get, "--to", p(&out)]).code(2);
            let lower = r.stderr.to_lowercase();
            for ph in phrases {
                assert!(
                    lower.contains(&ph.to_lowercase()),
                    "{what}: {ph:?} not in\n{}",
                    r.stderr
                );
            }
        }
        assert!(names_in(&out).is_empty(), "{what}: left in the target");
        assert_eq!(
            names_in(&jail),
            ["out"],
            "{what}: written beside the target"
        );
        assert!(!Path::new(&evil_abs).exists(), "{what}");
        let evil: Vec<_> = files_under(fx.path())
            .into_iter()
            .filter(|f| f.to_string_lossy().contains("evil"))
            .collect();
        assert!(evil.is_empty(), "{what}: {evil:?}");
        let v: Value = fx.run(&["archive", "verify", "--json"]).code(1).json();
        assert_eq!(v["ok"], false, "{what}");
    }
}

// ---- found by fuzzing and by hostile stores: kept as regressions -------------------------

/// 23 bytes with a two-byte character across byte 16, where an id's `-` goes.
const CUT_INSIDE: &str = "aaaaaaaaaaaaaaaéaaaaaa";

#[test]
fn a_bag_id_cut_inside_a_character_is_refused_not_a_crash() {
    assert_eq!(CUT_INSIDE.len(), 23);
    // What `scripts/fuzz.sh classify` found (fuzz/seeds/classify/regression-…), read as the
    // target reads it.
    let found = String::from_utf8_lossy(&[
        0x48, 0xe1, 0xfb, 0x8d, 0x63, 0x20, 0x48, 0x6b, 0x28, 0xac, 0xac, 0x20, 0x42,
    ])
    .into_owned();
    assert_eq!(found.len(), 23);
    for s in [
        CUT_INSIDE,
        found.as_str(),
        "20250120T010203éabcdef",
        "2025012€T010203Z-abcde",
    ] {
        assert!(eqvault::archive::BagId::parse(s).is_none(), "{s}");
        assert!(s.parse::<eqvault::catalog::SnapshotId>().is_err(), "{s}");
    }
    let fx = Fixture::new();
    fx.config_local();
    let out = fx.path().join("out");
    std::fs::create_dir(&out).unwrap();
    fx.run(&["archive", "get", CUT_INSIDE, "--to", p(&out)])
        .code(2)
        .stderr_has(&["nothing archived matches"]);
    fx.run(&["restore", CUT_INSIDE, "--to", p(&out.join("r.db"))])
        .code(2);
}

#[test]
fn hostile_drill_records_and_sidecars_are_ignored_or_refused_not_a_crash() {
    let (fx, _) = backed_up();
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str(&format!("\n[office]\nname = \"{OFFICE}\"\ncode = \"79\"\n"));
    std::fs::write(&fx.config, cfg).unwrap();
    // A drill record whose id is one character wide.
    let drills = fx.store.join("drills/2025");
    std::fs::create_dir_all(&drills).unwrap();
    let record = serde_json::json!({
        "format_version": 1, "id": "é", "status": "success",
        "snapshot": "20250101T000000Z-abcdef", "store": "x",
        "started_at": "2025-01-01T07:00:00+07:00", "seconds": 1.0,
        "phases": {"download": 0.1, "decrypt_decompress": 0.1, "checks": 0.1},
        "target_seconds": 1800, "object_bytes": 1, "database_bytes": 1,
        "checks": [], "tool_version": "hostile",
    });
    std::fs::write(drills.join("é.json"), serde_json::to_vec(&record).unwrap()).unwrap();
    for args in [
        &["status", "--json"][..],
        &["prune", "--dry-run", "--json"][..],
        &["check", "--json"][..],
    ] {
        let run = fx.run(args);
        assert!(
            matches!(run.code, Some(0 | 1)),
            "{args:?} crashed or failed on a hostile drill record:\n{}",
            run.stderr
        );
    }
    // A sidecar whose digests are not hex: refused as damaged, never sliced.
    plant_bag(&fx, &RawTar::default().end(), OFFICE);
    let side = fx.store.join(format!("reports/2024-2025/hk1/{BAG}.json"));
    let mut v: Value = serde_json::from_slice(&std::fs::read(&side).unwrap()).unwrap();
    v["files"][0]["sha256"] = "é".into();
    std::fs::write(&side, serde_json::to_vec(&v).unwrap()).unwrap();
    for args in [
        &["archive", "rebuild-index"][..],
        &["archive", "list"][..],
        &["archive", "verify"][..],
    ] {
        let run = fx.run(args);
        assert_ne!(run.code, Some(101), "{args:?} crashed:\n{}", run.stderr);
        assert!(
            !run.stderr.contains("panicked"),
            "{args:?}:\n{}",
            run.stderr
        );
    }
}
