//! The proving ground (issue 8), through the real binary: `kill -9` at every point of a
//! backup, the S3 server dying or stalling mid-upload and mid-restore, the disk filling
//! during a restore, corrupted and lying snapshots caught by `verify --read-data` and
//! `drill`, and bad configuration and input refused with a clear error.
//!
//! The long variants (more kill points, bigger databases) run with `EQVAULT_LONG_FAULTS=1`.

mod common;
mod proving;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};

use common::*;
use proving::*;
use serde_json::Value;

// ---- kill -9 of backup --------------------------------------------------------------------

/// Where a backup is killed.
#[derive(Debug, Clone, Copy)]
enum KillPoint {
    /// As soon as it started.
    AtOnce,
    /// When this log line appears.
    Line(&'static str),
    /// After this fraction of a full backup's time.
    Fraction(f64),
}

/// Restores `id` and checks it against the snapshot's own manifest (restore does) and
/// that SQLite reads it.
fn restores(fx: &Fixture, id: &str) {
    let target = fx.path().join(format!("check-{id}.db"));
    let v = fx
        .run(&["restore", id, "--to", p(&target), "--json"])
        .ok()
        .json();
    assert_eq!(v["id"], id);
    assert_eq!(sha256_file(&target), v["sha256"].as_str().unwrap());
    assert!(row_counts(&target)["attachments"] > 0);
    std::fs::remove_file(&target).unwrap();
}

/// Objects in a local store without their metadata: uploads cut off before their end.
fn orphan_objects(store: &Path) -> usize {
    files_ending(store, ".tar.zst.age")
        .iter()
        .filter(|o| !metadata_of(o).exists())
        .count()
}

/// Staged parts of uploads cut off mid-way (`KEY#N`) in a local store.
fn staged_parts(store: &Path) -> Vec<std::path::PathBuf> {
    files_under(store)
        .into_iter()
        .filter(|f| f.to_string_lossy().contains(".tar.zst.age#"))
        .collect()
}

#[test]
fn kill_9_of_backup_at_any_point_never_lists_a_snapshot_that_does_not_restore() {
    let fx = Fixture::new();
    let marker = format!("plaintext-marker-{}", random_marker(16));
    grow_db(&fx.db, if long() { 24 } else { 4 }, &marker);
    let mut server = S3Server::start(&fx.path().join("s3"));
    fx.config_local_s3(&server, "eq");

    // One whole backup first, to time it.
    let t = Instant::now();
    fx.backup();
    let full = t.elapsed();

    let points = [
        KillPoint::AtOnce,
        KillPoint::Line("consistent copy done"),
        KillPoint::Fraction(0.3),
        KillPoint::Line("integrity_check done"),
        KillPoint::Fraction(0.6),
        KillPoint::Line("pack and upload done"),
        KillPoint::Line("object stored; writing its metadata"),
        KillPoint::Fraction(0.9),
        KillPoint::Fraction(rand::random_range(0.0..1.2)),
        KillPoint::Line("object stored; writing its metadata"),
    ];
    let rounds = if long() { 6 } else { 1 };
    let mut checked: BTreeSet<String> = BTreeSet::new();
    let mut killed = 0;
    let mut orphans_seen = 0;
    let mut orphans_before = 0;
    for round in 0..rounds {
        for (i, point) in points.iter().enumerate() {
            let mut run = Running::start(&fx, &["backup", "--json"]);
            match point {
                KillPoint::AtOnce => {}
                KillPoint::Line(l) => {
                    run.wait_for_line(l, Duration::from_secs(60));
                }
                KillPoint::Fraction(f) => {
                    let jitter = rand::random_range(0.8..1.2);
                    std::thread::sleep(full.mul_f64(f * jitter));
                }
            }
            if run.kill9() {
                killed += 1;
            }
            let orphans = orphan_objects(&fx.store);
            if orphans > orphans_before {
                orphans_seen += 1;
            }
            orphans_before = orphans;

            // Whatever is listed restores; nothing half-made is listed.
            for id in listed_ids(&fx) {
                if checked.insert(id.clone()) {
                    restores(&fx, &id);
                    fx.run(&["verify", &id, "--read-data", "--json"]).ok();
                }
            }
            eprintln!(
                "round {round} kill {i} at {point:?}: {} listed",
                checked.len()
            );
        }
    }
    assert!(
        killed >= points.len() * rounds / 2,
        "most kills hit a running backup"
    );
    eprintln!("{orphans_seen} kills left an object without metadata");

    // A backup killed once its plaintext copy exists leaves it behind (nothing runs at SIGKILL)…
    let mut run = Running::start(&fx, &["backup"]);
    assert!(run.wait_for_line("consistent copy done", Duration::from_secs(60)));
    run.kill9();
    let left = fx.private_temp_leftovers();
    assert!(
        left.iter().any(|d| d.join("database.sqlite").exists()),
        "the killed backup had a plaintext copy: {left:?}"
    );
    // … and the next run removes it, and succeeds.
    let b = fx.backup();
    assert_eq!(b["stores"][0]["ok"], Value::Bool(true));
    assert_eq!(b["stores"][1]["ok"], Value::Bool(true));
    let left = fx.private_temp_leftovers();
    assert!(
        left.is_empty(),
        "plaintext of a killed run survived: {left:?}"
    );
    let id = b["id"].as_str().unwrap().to_string();
    restores(&fx, &id);

    // Only ciphertext ever reached a store, whole or cut off.
    let leaked = files_containing(fx.store.as_path(), marker.as_bytes());
    assert!(
        leaked.is_empty(),
        "plaintext in the local store: {leaked:?}"
    );
    let leaked = files_containing(server.root(), marker.as_bytes());
    assert!(leaked.is_empty(), "plaintext in the S3 store: {leaked:?}");
    // Every listed snapshot verifies in both stores.
    let v = fx.run(&["verify", "--all", "--json"]).ok().json();
    assert_eq!(v["ok"], true, "{v:#}");

    // What the kills cut off (objects without metadata, staged parts) goes at the next
    // prune after the grace period, and nothing listed goes with it.
    let listed = listed_ids(&fx);
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str("\n[retention]\nincomplete_grace = \"1s\"\nkeep_last = 100\n");
    std::fs::write(&fx.config, cfg).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let cut_off = staged_parts(&fx.store).len() + orphan_objects(&fx.store);
    let pr = fx.run(&["prune", "--json"]).ok().json();
    let cleaned = pr["incomplete"].as_array().unwrap().len();
    assert!(
        cleaned >= cut_off,
        "prune cleaned {cleaned} of {cut_off}: {pr:#}"
    );
    let rest = staged_parts(&fx.store);
    assert!(
        rest.is_empty(),
        "staged parts of cut-off uploads survived prune: {rest:?}"
    );
    assert_eq!(orphan_objects(&fx.store), 0);
    assert_eq!(listed_ids(&fx), listed);
    server.stop();
}

#[test]
fn kill_9_of_restore_leaves_the_target_whole_and_the_next_restore_removes_its_plaintext() {
    let fx = Fixture::new();
    grow_db(&fx.db, if long() { 24 } else { 4 }, "restore-kill");
    fx.config_local();
    let b = fx.backup();
    let new_sha = {
        let t = fx.path().join("timing.db");
        let started = Instant::now();
        fx.run(&["restore", "latest", "--to", p(&t)]).ok();
        let full = started.elapsed();
        std::fs::remove_file(&t).unwrap();
        (
            sha256_file_of_snapshot(&fx, b["id"].as_str().unwrap()),
            full,
        )
    };
    let (new_sha, full) = new_sha;
    let folder = fx.path().join("live");
    std::fs::create_dir(&folder).unwrap();
    let live = folder.join("live.db");
    create_equipment_db(&live);
    let old = std::fs::read(&live).unwrap();
    let old_sha = sha256(&old);

    let rounds = if long() { 40 } else { 8 };
    let mut left_seen = 0;
    for i in 0..rounds {
        let mut run = Running::start(&fx, &["restore", "latest", "--to", p(&live), "--force"]);
        std::thread::sleep(full.mul_f64(rand::random_range(0.0..1.1)));
        run.kill9();
        let now = sha256_file(&live);
        assert!(
            now == old_sha || now == new_sha,
            "round {i}: the target holds neither the old nor the restored database"
        );
        if names_in(&folder)
            .iter()
            .any(|n| n.starts_with(".eqvault-restore-"))
        {
            left_seen += 1;
        }
        // Put the old database back for the next round.
        for n in names_in(&folder) {
            if n != "live.db" && !n.starts_with(".eqvault-restore-") {
                std::fs::remove_file(folder.join(n)).unwrap();
            }
        }
        std::fs::write(&live, &old).unwrap();
    }
    eprintln!("{left_seen} of {rounds} kills left a work folder beside the target");
    // The next restore into the folder removes what killed ones left, and works.
    let other = folder.join("other.db");
    fx.run(&["restore", "latest", "--to", p(&other)]).ok();
    assert_eq!(sha256_file(&other), new_sha);
    assert_eq!(names_in(&folder), ["live.db", "other.db"]);
    assert_eq!(sha256_file(&live), old_sha);
}

/// The database SHA-256 a snapshot's manifest records.
fn sha256_file_of_snapshot(fx: &Fixture, id: &str) -> String {
    open_snapshot(fx, &fx.store, id).manifest["database_sha256"]
        .as_str()
        .unwrap()
        .to_string()
}

// ---- the S3 server dying or stalling ---------------------------------------------------------

/// A fixture whose only store is S3 on a real server, reached through a proxy the test
/// can cut: retries and timeouts as given.
fn s3_through_proxy(
    mb: usize,
    max_retries: u32,
    timeout: &'static str,
) -> (Fixture, S3Server, Proxy) {
    let fx = Fixture::new();
    grow_db(&fx.db, mb, "s3-fault");
    let server = S3Server::start(&fx.path().join("s3"));
    let proxy = Proxy::start(&server.endpoint());
    write_config(
        &fx,
        &[],
        &[S3 {
            endpoint: proxy.endpoint(),
            prefix: "eq".into(),
            max_retries,
            timeout,
        }],
        "",
    );
    (fx, server, proxy)
}

/// Asserts the failed run named the store and said what to check.
#[track_caller]
fn names_the_store(run: &Run) {
    let url = format!("s3://{BUCKET}/eq");
    assert!(
        run.stderr.contains(&url),
        "the store is not named:\n{}",
        run.stderr
    );
    let e = run.stderr.to_lowercase();
    assert!(
        e.contains("did not answer") || e.contains("timed out") || e.contains("timeout"),
        "no hint about the store being unreachable:\n{}",
        run.stderr
    );
}

/// Runs `args` while the proxy trips into `mode`: exit 2 naming the store, in bounded
/// time (2 s timeout, 2 retries with backoff, a few requests in flight: well under a
/// minute), after a bounded number of retries. Returns the run.
fn fails_within_bounds(fx: &Fixture, proxy: &Proxy, mode: Mode, args: &[&str]) -> Run {
    let refused_before = proxy.refused();
    let t = Instant::now();
    let run = fx.run(args);
    let took = t.elapsed();
    let run = run.code(2);
    let retries = proxy.refused() - refused_before;
    eprintln!(
        "{args:?} {mode:?}: exit 2 after {took:?}, {retries} connections after the fault\n{}",
        run.stderr
    );
    names_the_store(&run);
    assert_ne!(
        proxy.mode(),
        Mode::Forward,
        "{mode:?}: the fault was never hit"
    );
    // The client came back (max_retries = 2, with backoff), and not forever.
    assert!(
        (1..=30).contains(&retries),
        "{args:?} {mode:?}: {retries} connections after the fault"
    );
    assert!(
        took < Duration::from_secs(45),
        "{args:?} {mode:?}: took {took:?}"
    );
    run
}

#[test]
fn s3_server_dying_or_stalling_mid_upload_ends_in_exit_2_within_bounds_and_leaves_no_snapshot() {
    let (fx, server, proxy) = s3_through_proxy(if long() { 40 } else { 20 }, 2, "2s");
    for mode in [Mode::Down, Mode::Hang] {
        proxy.heal();
        // Dies (or stalls) once 6 MiB of the object went up: mid-part, with more parts to come.
        proxy.trip_after_upload(6 << 20, mode);
        let run = fails_within_bounds(&fx, &proxy, mode, &["backup", "--json"]);
        // The cause, not the failed clean-up after it.
        assert!(
            !run.stderr.contains("performing DELETE"),
            "{mode:?}: the abort's error hides the cause:\n{}",
            run.stderr
        );
        assert!(fx.private_temp_leftovers().is_empty());

        // The server is back: nothing half-made is visible, and the next backup works.
        proxy.heal();
        assert!(listed_ids(&fx).is_empty(), "{mode:?}: a snapshot is listed");
        let objects = files_ending(server.root(), ".tar.zst.age");
        assert!(
            objects.is_empty(),
            "{mode:?}: objects in the bucket: {objects:?}"
        );
    }
    let b = fx.backup();
    assert_eq!(listed_ids(&fx), [b["id"].as_str().unwrap()]);
}

#[test]
fn s3_server_dying_or_stalling_mid_restore_ends_in_exit_2_and_leaves_the_target_untouched() {
    let (fx, _server, proxy) = s3_through_proxy(if long() { 40 } else { 12 }, 2, "2s");
    fx.backup();
    let folder = fx.path().join("live");
    std::fs::create_dir(&folder).unwrap();
    let live = folder.join("live.db");
    create_equipment_db(&live);
    let old = sha256_file(&live);
    for mode in [Mode::Down, Mode::Hang] {
        proxy.heal();
        proxy.trip_after_download(4 << 20, mode);
        let run = fails_within_bounds(
            &fx,
            &proxy,
            mode,
            &["restore", "latest", "--to", p(&live), "--force"],
        );
        // A store that went away is not a damaged snapshot.
        assert!(
            !run.stderr.contains("did not pass its checks"),
            "{mode:?}: blamed the snapshot:\n{}",
            run.stderr
        );
        assert_eq!(sha256_file(&live), old, "{mode:?}: the target changed");
        assert_eq!(names_in(&folder), ["live.db"], "{mode:?}: leftovers");
        // A new path is not created either.
        proxy.heal();
        proxy.trip_after_download(4 << 20, mode);
        let fresh = folder.join("fresh.db");
        fx.run(&["restore", "latest", "--to", p(&fresh)]).code(2);
        assert_eq!(names_in(&folder), ["live.db"], "{mode:?}: leftovers");
    }
    // verify reads the same way: a store that dies mid-read is no verdict on the snapshot.
    for (mode, args) in [
        (Mode::Down, &["verify", "--read-data", "--json"][..]),
        (Mode::Hang, &["verify", "--read-data", "--json"][..]),
        (Mode::Down, &["verify", "--json"][..]),
    ] {
        proxy.heal();
        proxy.trip_after_download(4 << 20, mode);
        let run = fails_within_bounds(&fx, &proxy, mode, args);
        let j = run.json();
        assert!(
            j["results"][0]["blocked"].is_string(),
            "{args:?} {mode:?}: {j}"
        );
        assert!(
            run.stderr.contains("says nothing about the snapshot"),
            "{args:?} {mode:?}: {}",
            run.stderr
        );
    }
    proxy.heal();
    fx.run(&["verify", "--read-data"]).ok();
    fx.run(&["restore", "latest", "--to", p(&live), "--force"])
        .ok();
}

// ---- the disk filling during a restore ---------------------------------------------------------

#[test]
fn disk_filling_during_a_restore_is_a_clear_error_and_the_existing_database_is_untouched() {
    let fx = Fixture::new();
    grow_db(&fx.db, 4, "disk-full");
    fx.config_local();
    let b = fx.backup();
    let object_bytes = b["bytes"].as_u64().unwrap();
    let database_bytes = b["database_bytes"].as_u64().unwrap();

    let disk = match SmallDisk::mount(&fx.path().join("small"), "16m") {
        Ok(d) => d,
        Err(why) => {
            proving::cannot_set_up("disk_filling_during_a_restore", &why);
            return;
        }
    };
    let live = disk.dir.join("live.db");
    create_equipment_db(&live);
    let old = sha256_file(&live);

    // The object is never stored whole here: room for half the database; then for
    // less than the object.
    for (what, room) in [
        ("while unpacking", database_bytes / 2),
        ("while downloading", object_bytes / 2),
    ] {
        let filler = disk.fill_to(room);
        for (target, force) in [(live.clone(), true), (disk.dir.join("new.db"), false)] {
            let mut args = vec!["restore", "latest", "--to", p(&target)];
            if force {
                args.push("--force");
            }
            let run =
                fx.run(&args)
                    .code(2)
                    .stderr_has(&["the disk is full", p(&disk.dir), "make room"]);
            assert!(
                !run.stderr.contains("did not pass its checks"),
                "{what}: a full disk is not a damaged snapshot:\n{}",
                run.stderr
            );
            assert_eq!(
                sha256_file(&live),
                old,
                "{what}: the existing database changed"
            );
            assert_eq!(
                names_in(&disk.dir),
                ["filler", "live.db"],
                "{what}: leftovers in the target folder"
            );
        }
        std::fs::remove_file(filler).unwrap();
    }
    // With room, the same restore works.
    fx.run(&["restore", "latest", "--to", p(&live), "--force"])
        .ok();
    drop(disk);
}

// ---- damaged and lying snapshots ---------------------------------------------------------------

/// One way to damage a snapshot, and the checks that may name it.
struct Damage {
    what: &'static str,
    /// Applied to the derived snapshot's database, manifest and metadata before packing.
    parts: fn(&mut Derived),
    /// Applied to the tar, then to the zstd frame, then to the age file.
    tar: fn(Vec<u8>) -> Vec<u8>,
    zstd: fn(Vec<u8>) -> Vec<u8>,
    age: fn(Vec<u8>) -> Vec<u8>,
    /// A failed check with one of these names must be reported.
    checks: &'static [&'static str],
}

fn same(b: Vec<u8>) -> Vec<u8> {
    b
}

fn keep(_: &mut Derived) {}

fn flip_middle(mut b: Vec<u8>) -> Vec<u8> {
    let i = b.len() / 2;
    b[i] ^= 0x10;
    b
}

fn cut(b: Vec<u8>, n: usize) -> Vec<u8> {
    b[..b.len() - n].to_vec()
}

/// Where the age payload (after the header and the 16-byte nonce) starts.
fn age_payload_start(b: &[u8]) -> usize {
    let mac = b
        .windows(5)
        .position(|w| w == b"\n--- ")
        .expect("an age header");
    let end = mac + 1 + b[mac + 1..].iter().position(|&c| c == b'\n').unwrap();
    end + 1 + 16
}

fn edit_manifest(d: &mut Derived, f: impl FnOnce(&mut Value)) {
    let mut m = d.manifest_json();
    f(&mut m);
    d.manifest = serde_json::to_vec_pretty(&m).unwrap();
}

fn damages() -> Vec<Damage> {
    vec![
        Damage {
            what: "age file cut by one byte",
            parts: keep,
            tar: same,
            zstd: same,
            age: |b| cut(b, 1),
            checks: &["decrypt_unpack"],
        },
        Damage {
            what: "age file cut at a chunk boundary",
            parts: keep,
            tar: same,
            zstd: same,
            age: |b| {
                let start = age_payload_start(&b);
                b[..start + 2 * (64 * 1024 + 16)].to_vec()
            },
            checks: &["decrypt_unpack"],
        },
        Damage {
            what: "age file with a flipped byte",
            parts: keep,
            tar: same,
            zstd: same,
            age: flip_middle,
            checks: &["decrypt_unpack"],
        },
        Damage {
            what: "age header damaged",
            parts: keep,
            tar: same,
            zstd: same,
            age: |mut b| {
                b[50] ^= 0x01;
                b
            },
            checks: &["decrypt_unpack"],
        },
        Damage {
            what: "zstd frame cut short",
            parts: keep,
            tar: same,
            zstd: |b| cut(b, 1000),
            age: same,
            checks: &["decrypt_unpack"],
        },
        Damage {
            what: "zstd frame missing its last bytes",
            parts: keep,
            tar: same,
            zstd: |b| cut(b, 3),
            age: same,
            checks: &["decrypt_unpack"],
        },
        Damage {
            what: "zstd frame with a flipped byte",
            parts: keep,
            tar: same,
            zstd: flip_middle,
            age: same,
            checks: &["decrypt_unpack", "database_sha256", "manifest"],
        },
        Damage {
            what: "tar cut inside the manifest",
            parts: keep,
            tar: |b| {
                let end = b.len() - 1024;
                b[..end - 300].to_vec()
            },
            zstd: same,
            age: same,
            checks: &["decrypt_unpack", "manifest"],
        },
        Damage {
            what: "a byte of the database changed",
            parts: |d| {
                let i = d.database.len() / 3;
                d.database[i] ^= 0x01;
            },
            tar: same,
            zstd: same,
            age: same,
            checks: &["database_sha256"],
        },
        Damage {
            what: "manifest that is not JSON",
            parts: |d| d.manifest = b"not a manifest \x00\x01".to_vec(),
            tar: same,
            zstd: same,
            age: same,
            checks: &["manifest"],
        },
        Damage {
            what: "manifest cut short",
            parts: |d| {
                let n = d.manifest.len() / 2;
                d.manifest.truncate(n);
            },
            tar: same,
            zstd: same,
            age: same,
            checks: &["manifest"],
        },
        Damage {
            what: "manifest lying about the database hash",
            parts: |d| {
                edit_manifest(d, |m| {
                    m["database_sha256"] = "0".repeat(64).into();
                })
            },
            tar: same,
            zstd: same,
            age: same,
            checks: &["database_sha256"],
        },
        Damage {
            what: "manifest and metadata lying together about the row counts",
            parts: |d| {
                edit_manifest(d, |m| {
                    let n = m["row_counts"]["equipment"].as_u64().unwrap();
                    m["row_counts"]["equipment"] = (n + 1).into();
                });
                *d.meta.row_counts.get_mut("equipment").unwrap() += 1;
            },
            tar: same,
            zstd: same,
            age: same,
            checks: &["row_counts"],
        },
        Damage {
            what: "manifest and metadata lying together about the database size",
            parts: |d| {
                edit_manifest(d, |m| {
                    let n = m["database_bytes"].as_u64().unwrap();
                    m["database_bytes"] = (n + 4096).into();
                });
                d.meta.database_bytes += 4096;
            },
            tar: same,
            zstd: same,
            age: same,
            checks: &["database_sha256"],
        },
    ]
}

#[test]
fn damaged_or_lying_snapshots_are_caught_by_verify_read_data_and_drill() {
    let fx = Fixture::new();
    grow_db(&fx.db, 1, "damage");
    fx.config_local();
    let b = fx.backup();
    let base = open_snapshot(&fx, &fx.store, b["id"].as_str().unwrap());
    let r = recipient_of(&fx);
    let t0 = Utc.with_ymd_and_hms(2025, 1, 6, 1, 0, 0).unwrap();
    let mut planted = Vec::new();
    for (i, d) in damages().into_iter().enumerate() {
        let mut snap = Derived::from(&base, t0 + chrono::Duration::days(i as i64));
        (d.parts)(&mut snap);
        let mut tar = RawTar::default();
        tar.file("database.sqlite", &snap.database);
        tar.file("manifest.json", &snap.manifest);
        let tar = (d.tar)(tar.end());
        let z = (d.zstd)(zstd(&tar));
        let obj = (d.age)(seal(&r, &z));
        // The metadata's object hash is made right: only the inner lie remains.
        let id = plant(&fx, &fx.store, &obj, snap.meta.clone());
        planted.push((d, id));
    }
    // The object under this id is another snapshot's, its hash fixed to match.
    let other = Derived::from(&base, t0 - chrono::Duration::days(30));
    let obj = seal(
        &r,
        &zstd(&Derived::from(&base, t0 - chrono::Duration::days(31)).tar()),
    );
    let swapped = plant(&fx, &fx.store, &obj, other.meta.clone());
    planted.push((
        Damage {
            what: "metadata pointing at another snapshot's object",
            parts: keep,
            tar: same,
            zstd: same,
            age: same,
            checks: &["manifest"],
        },
        swapped,
    ));

    let names = |v: &Value| -> Vec<String> {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["ok"] == false)
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    for (d, id) in &planted {
        let id = id.as_str();
        let v = fx
            .run(&["verify", id, "--read-data", "--json"])
            .code(1)
            .json();
        assert_eq!(v["ok"], false, "{}: {v:#}", d.what);
        let failed = names(&v["results"][0]);
        assert!(
            failed.iter().any(|n| d.checks.contains(&n.as_str())),
            "{}: verify failed {failed:?}, expected one of {:?}",
            d.what,
            d.checks
        );
        let v = fx.run(&["drill", id, "--json"]).code(1).json();
        assert_eq!(v["status"], "failed", "{}: {v:#}", d.what);
        let failed = names(&v);
        assert!(
            failed.iter().any(|n| d.checks.contains(&n.as_str())),
            "{}: drill failed {failed:?}, expected one of {:?}",
            d.what,
            d.checks
        );
        // And restore refuses it, changing nothing. A lie only the database checks
        // see (the row counts) leaves the database bit for bit the one the signed
        // manifest hashed: restore rests on the backup's check unless told to run
        // it again, and `--check full` refuses it.
        let target = fx.path().join("r.db");
        let seen_only_by_checks = d
            .checks
            .iter()
            .all(|c| ["integrity_check", "schema", "row_counts"].contains(c));
        if seen_only_by_checks {
            fx.run(&["restore", id, "--to", p(&target), "--check", "full"])
                .code(2)
                .stderr_has(&[d.checks[0]]);
            assert!(!target.exists(), "{}", d.what);
            fx.run(&["restore", id, "--to", p(&target)]).ok();
            std::fs::remove_file(&target).unwrap();
        } else {
            fx.run(&["restore", id, "--to", p(&target)]).code(2);
            assert!(!target.exists(), "{}", d.what);
        }
    }
    // The sound snapshot is still fine.
    fx.run(&["verify", b["id"].as_str().unwrap(), "--read-data"])
        .ok();
}

#[test]
fn metadata_naming_another_object_hides_nothing_from_verify_and_snapshots() {
    let fx = Fixture::new();
    fx.config_local();
    let old = fx
        .run(&["backup", "--json", "--at", "2025-01-10T01:00:00Z"])
        .ok()
        .json();
    let new = fx
        .run(&["backup", "--json", "--at", "2025-02-10T01:00:00Z"])
        .ok()
        .json();
    let old_id: eqvault::catalog::SnapshotId = old["id"].as_str().unwrap().parse().unwrap();
    let new_id: eqvault::catalog::SnapshotId = new["id"].as_str().unwrap().parse().unwrap();
    // The newest metadata now describes the older object, hash and all.
    let m = fx.store.join(new_id.metadata_key());
    let mut v: Value = serde_json::from_slice(&std::fs::read(&m).unwrap()).unwrap();
    v["object"] = old_id.object_key().into();
    v["object_sha256"] = old["sha256"].clone();
    v["object_bytes"] = old["bytes"].clone();
    std::fs::write(&m, serde_json::to_vec_pretty(&v).unwrap()).unwrap();

    let run = fx.run(&["snapshots", "--json"]).ok();
    assert_eq!(listed_ids(&fx), [old_id.as_str()]);
    assert!(
        run.stderr.contains(&new_id.metadata_key()) && run.stderr.contains("verify --all"),
        "the hidden snapshot is not mentioned:\n{}",
        run.stderr
    );
    for args in [
        &["verify", "--json"][..],
        &["verify", "--read-data", "--json"][..],
        &["verify", "--all", "--json"][..],
    ] {
        let v = fx.run(args).code(1).json();
        assert_eq!(v["ok"], false, "{args:?}: {v:#}");
        let named = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == new_id.metadata_key() && r["ok"] == false);
        assert!(named, "{args:?}: {v:#}");
    }
    // Restoring it by id is refused: it is not a snapshot any more.
    fx.run(&[
        "restore",
        new_id.as_str(),
        "--to",
        p(&fx.path().join("r.db")),
    ])
    .code(2)
    .stderr_has(&["eqvault snapshots"]);
}

// ---- bad configuration and input ---------------------------------------------------------------

#[test]
fn bad_configuration_is_refused_with_exit_2_naming_the_key_and_changes_nothing() {
    let fx = Fixture::new();
    fx.config_local();
    let good = std::fs::read_to_string(&fx.config).unwrap();
    let secret = secret_line(&fx);
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown key",
            good.replace("[database]\n", "[database]\nbusy_timout = \"3s\"\n"),
            vec!["busy_timout", "line 2"],
        ),
        (
            "misspelled secret key",
            format!("{good}\n[[store]]\nurl = \"s3://b/p\"\nsecret_acess_key = \"{SECRET_KEY}\"\n"),
            vec!["secret_acess_key", "secret_access_key"],
        ),
        (
            "invalid cron expression",
            format!("{good}\n[schedule]\nbackup = {{ cron = \"every night\" }}\n"),
            vec!["schedule.backup.cron", "\"every night\"", "0 30 1 * * *"],
        ),
        (
            "store URL of an unknown scheme",
            format!("{good}\n[[store]]\nurl = \"ftp://nas/backups\"\n"),
            vec!["ftp", "store[1].url", "s3://bucket/prefix"],
        ),
        (
            "duration that is not one",
            good.replace("busy_timeout = \"30s\"", "busy_timeout = \"soon\""),
            vec!["soon", "busy_timeout"],
        ),
        (
            "private key pasted as a recipient",
            good.replace(&fx.recipient, &secret),
            vec!["encryption.recipients[0]", "public keys"],
        ),
        (
            "unknown time zone",
            format!("{good}\n[schedule]\ntimezone = \"Asia/Saigon City\"\n"),
            vec!["schedule.timezone", "Asia/Ho_Chi_Minh"],
        ),
        (
            "identity file given as the config",
            secret.clone(),
            vec!["line 1"],
        ),
    ];
    for (what, text, phrases) in cases {
        std::fs::write(&fx.config, &text).unwrap();
        let before = tree(fx.path());
        for args in [
            &["backup"][..],
            &["snapshots"][..],
            &["status"][..],
            &["schedule", "status"][..],
        ] {
            let run = fx.run(args);
            assert_eq!(run.code, Some(2), "{what}: {args:?}\n{}", run.stderr);
            let lower = run.stderr.to_lowercase();
            for ph in &phrases {
                assert!(
                    lower.contains(&ph.to_lowercase()),
                    "{what}: {args:?}: {ph:?} not in\n{}",
                    run.stderr
                );
            }
            for s in [SECRET_KEY, secret.as_str()] {
                assert!(
                    !run.stderr.contains(s) && !run.stdout.contains(s),
                    "{what}: a secret was printed:\n{}",
                    run.stderr
                );
            }
            assert_eq!(tree(fx.path()), before, "{what}: {args:?} changed files");
        }
    }
}

#[test]
fn a_database_that_is_not_sqlite_is_refused_within_bounds_and_nothing_is_stored() {
    let fx = Fixture::new();
    let dir = fx.path().join("not-databases");
    std::fs::create_dir(&dir).unwrap();
    let random = dir.join("random.db");
    std::fs::write(
        &random,
        (0..50_000)
            .map(|_| rand::random::<u8>())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let empty = dir.join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let folder = dir.join("folder.db");
    std::fs::create_dir(&folder).unwrap();
    let fifo = dir.join("fifo.db");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // A real header over damaged pages.
    let damaged = dir.join("damaged.db");
    create_equipment_db(&damaged);
    grow_db(&damaged, 1, "damaged");
    {
        let mut b = std::fs::read(&damaged).unwrap();
        for x in &mut b[4096..4096 * 40] {
            *x = 0xa5;
        }
        std::fs::write(&damaged, b).unwrap();
    }
    for (db, phrases) in [
        (&random, &["not a SQLite database"][..]),
        (&empty, &["not a SQLite database"][..]),
        (&folder, &["not a regular file"][..]),
        (&fifo, &["not a regular file"][..]),
        (&damaged, &["malformed"][..]),
    ] {
        fx.write_config_with(db, "2s", &[StoreSpec::Local(fx.store.clone())]);
        for args in [&["backup"][..], &["check", "--db", p(db)][..]] {
            let run = run_within(&fx, args, Duration::from_secs(20));
            let run = run.code(2).stderr_has(phrases);
            assert!(run.stderr.contains(p(db)), "{args:?}: {}", run.stderr);
        }
        assert!(
            files_under(&fx.store)
                .iter()
                .all(|f| f.to_string_lossy().contains("eqvault-store.json")),
            "{db:?}: something was stored besides the store's marker"
        );
        assert!(fx.private_temp_leftovers().is_empty());
    }
}

#[test]
fn a_report_file_that_cannot_be_read_is_refused_with_exit_2_and_nothing_is_stored() {
    use std::os::unix::process::CommandExt;
    let fx = Fixture::new();
    fx.config_local();
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str("\n[office]\nname = \"Phòng Giáo dục và Đào tạo Quận 1\"\ncode = \"79760\"\n");
    std::fs::write(&fx.config, cfg).unwrap();
    let reports = fx.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let locked = reports.join("Bao cao thiet bi HK1 2024-2025.xlsx");
    std::fs::write(&locked, b"not for everyone").unwrap();
    let fifo = reports.join("Bao cao HK2 2024-2025.xlsx");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // eqvault runs as an unprivileged user for whom the file is unreadable (root reads anything).
    let chown = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(fx.path())
        .status();
    if !chown.is_ok_and(|s| s.success()) {
        proving::cannot_set_up(
            "a_report_file_that_cannot_be_read",
            "cannot hand the fixture to uid 65534 (not root?)",
        );
        return;
    }
    chmod(&locked, 0o000);
    let as_nobody = || {
        let mut c = child_cmd(&fx);
        c.uid(65534).gid(65534);
        c
    };
    let probe = run_cmd_within(as_nobody(), &["--version"], Duration::from_secs(10));
    if probe.code != Some(0) {
        proving::cannot_set_up(
            "a_report_file_that_cannot_be_read",
            &format!("eqvault cannot run as uid 65534 here: {}", probe.stderr),
        );
        return;
    }
    for args in [
        vec!["archive", "add", p(&locked)],
        vec!["archive", "add", p(&reports)],
    ] {
        let run = run_cmd_within(as_nobody(), &args, Duration::from_secs(30));
        let run = run.code(2);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            all.contains("Permission denied")
                && all.contains("Bao cao thiet bi HK1 2024-2025.xlsx"),
            "{args:?}: the unreadable file is not named with the reason:\n{all}"
        );
        assert!(
            files_under(&fx.store.join("reports")).is_empty(),
            "{args:?}: something was archived"
        );
    }
    // A fifo named on the command line is refused (exit 2), not waited on.
    let run = run_cmd_within(
        as_nobody(),
        &["archive", "add", p(&fifo)],
        Duration::from_secs(30),
    );
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("fifo"),
        "{run:?}"
    );
    assert!(files_under(&fx.store.join("reports")).is_empty());
    chmod(&locked, 0o644);
}

#[test]
fn names_with_terminal_escapes_are_sanitised_wherever_they_are_printed() {
    let fx = Fixture::new();
    fx.config_local();
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str("\n[office]\nname = \"Phòng Giáo dục và Đào tạo Quận 1\"\ncode = \"79760\"\n");
    std::fs::write(&fx.config, cfg).unwrap();
    // Title-bar rewrite, colour, screen clear: what a file name can carry.
    let evil = "\x1b]0;pwned\x07\x1b[31m\x1b[2J";
    let reports = fx.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let placed = reports.join(format!("Bao cao HK1 2024-2025 {evil}.xlsx"));
    std::fs::write(&placed, b"placed").unwrap();
    let refused = reports.join(format!("Bao cao HK1 2023-2024 2024-2025 {evil}.xlsx"));
    std::fs::write(&refused, b"two years").unwrap();
    std::os::unix::fs::symlink(
        "/etc/passwd",
        reports.join(format!("HK1 2024-2025 {evil}.pdf")),
    )
    .unwrap();
    let db = fx.path().join(format!("missing {evil}.db"));
    let target = fx.path().join(format!("out {evil}"));
    std::fs::create_dir(&target).unwrap();

    let clean = |args: &[&str], run: &Run| {
        for (which, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.contains('\x1b') && !text.contains('\x07'),
                "{args:?}: a raw escape reached {which}: {text:?}"
            );
        }
    };
    let (nothing, bad_id, bad_pick) = (
        format!("nothing {evil}"),
        format!("2025{evil}"),
        format!("x{evil}"),
    );
    let restored = fx.path().join("r.db");
    let runs: Vec<(Vec<&str>, i32)> = vec![
        (vec!["archive", "add", p(&reports)], 2),
        (vec!["archive", "list"], 0),
        (vec!["archive", "get", &nothing, "--to", p(&target)], 2),
        (vec!["restore", &bad_id, "--to", p(&restored)], 2),
        (vec!["check", "--db", p(&db)], 2),
        (vec!["drill", &bad_pick], 2),
    ];
    for (args, code) in &runs {
        for json in [false, true] {
            let mut a = args.clone();
            if json {
                a.push("--json");
            }
            let run = fx.run(&a);
            assert_eq!(run.code, Some(*code), "{a:?}\n{}", run.stderr);
            clean(&a, &run);
        }
    }
    // The escaped name is shown, not dropped: the placed file is listed visibly.
    let list = fx.run(&["archive", "list"]).ok();
    assert!(list.stdout.contains("\\u{1b}]0;pwned"), "{}", list.stdout);
    let v = fx.run(&["archive", "list", "--json"]).ok().json();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|e| e["file"].as_str().unwrap().contains(evil))
    );
    // A config path with escapes, and a config whose database path has them.
    let bad_config = fx.path().join(format!("eqvault {evil}.toml"));
    let run = run_of(eqvault().arg("--config").arg(&bad_config).arg("snapshots"));
    assert_eq!(run.code, Some(2));
    clean(&["--config", "…", "snapshots"], &run);
    // The config is refused where the escape is written (issue 31), naming the key.
    fx.write_config_with(&db, "2s", &[StoreSpec::Local(fx.store.clone())]);
    let run = fx.run(&["backup"]).code(2);
    clean(&["backup"], &run);
    assert!(
        run.stderr.contains("database.path") && run.stderr.contains("control character"),
        "{}",
        run.stderr
    );
}
