//! Issue 3, through the real binary: restore drills with evidence in every store,
//! retention over a synthetic multi-year history (quarterly, drill and hold floors,
//! dry run equal to the real run, incomplete uploads), sync between a local store and
//! a real S3 server on loopback, and `status --max-age`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration as StdDuration, SystemTime};

use chrono::{DateTime, Datelike, Duration, FixedOffset, Utc};
use common::*;
use eqvault::catalog::{self, Metadata, SnapshotId};
use eqvault::ops::drill::{DrillRecord, Phases, Status};
use eqvault::ops::verify::Check;
use serde_json::Value;
use sha2::{Digest, Sha256};

// ---- helpers for this file ---------------------------------------------------------

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp paths")
}

/// Appends TOML sections (e.g. `[drill]`, `[retention]`) to the fixture's config.
fn append_config(fx: &Fixture, text: &str) {
    let mut t = std::fs::read_to_string(&fx.config).expect("read the config");
    t.push('\n');
    t.push_str(text);
    std::fs::write(&fx.config, t).expect("write the config");
}

#[track_caller]
fn assert_has_keys(v: &Value, want: &[&str]) {
    let o = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v:#}"));
    for k in want {
        assert!(o.contains_key(*k), "{k:?} missing from {v:#}");
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key:?} is not a string in {v:#}"))
}

/// The live database's hash and the names beside it: "untouched" means both are equal.
fn live_db_state(db: &Path) -> (String, BTreeSet<String>) {
    let names = std::fs::read_dir(db.parent().expect("a folder"))
        .expect("list the database's folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    (sha256_file(db), names)
}

/// Runs `f` while another thread lists `dir` over and over; returns what `f` returned and
/// every name seen in `dir` meanwhile, so that a file that appears and goes again is caught too.
fn watching_names<T>(dir: &Path, f: impl FnOnce() -> T) -> (T, BTreeSet<String>) {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (dir, stop) = (dir.to_path_buf(), stop.clone());
        std::thread::spawn(move || {
            let mut seen = BTreeSet::new();
            loop {
                let last = stop.load(std::sync::atomic::Ordering::SeqCst);
                if let Ok(rd) = std::fs::read_dir(&dir) {
                    seen.extend(
                        rd.flatten()
                            .map(|e| e.file_name().to_string_lossy().into_owned()),
                    );
                }
                if last {
                    return seen;
                }
            }
        })
    };
    let out = f();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    (out, watcher.join().expect("the watcher"))
}

/// Snapshot ids whose metadata is in a local store folder.
fn metadata_ids(store: &Path) -> BTreeSet<String> {
    files_ending(&store.join("snapshots"), ".json")
        .iter()
        .map(|f| {
            f.file_name()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_string()
        })
        .collect()
}

/// Snapshot ids whose object is in a local store folder.
fn object_ids(store: &Path) -> BTreeSet<String> {
    files_ending(&store.join("snapshots"), ".tar.zst.age")
        .iter()
        .map(|f| {
            f.file_name()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches(".tar.zst.age")
                .to_string()
        })
        .collect()
}

/// Drill records (`drills/**.json`) in a local store folder, parsed.
fn drill_records(store: &Path) -> Vec<Value> {
    files_ending(&store.join("drills"), ".json")
        .iter()
        .map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).expect("a JSON drill record"))
        .collect()
}

/// The ids `snapshots --json` lists, with their store count.
fn listed(fx: &Fixture) -> BTreeMap<String, usize> {
    let v = fx.run(&["snapshots", "--json"]).ok().json();
    v.as_array()
        .expect("snapshots prints an array")
        .iter()
        .map(|s| {
            (
                str_of(s, "id").to_string(),
                s["stores"].as_array().expect("stores").len(),
            )
        })
        .collect()
}

fn flip_a_byte(f: &Path) {
    let mut b = std::fs::read(f).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x01;
    std::fs::write(f, &b).unwrap();
}

/// The object of snapshot `id` in a local store.
fn object_of(store: &Path, id: &str) -> PathBuf {
    let id: SnapshotId = id.parse().expect("a snapshot id");
    store.join(id.object_key())
}

fn check<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == name)
}

// ---- drill -----------------------------------------------------------------------------

#[test]
fn drill_succeeds_on_a_good_snapshot_and_leaves_a_record_in_every_store() {
    let fx = Fixture::new();
    let store_b = fx.path().join("store-b");
    std::fs::create_dir(&store_b).unwrap();
    fx.config_two_local(&fx.store, &store_b);

    let an_hour_ago = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let older = fx
        .run(&["backup", "--at", &an_hour_ago, "--json"])
        .ok()
        .json();
    let older = str_of(&older, "id").to_string();
    let newest = fx.backup();
    let newest = str_of(&newest, "id").to_string();
    assert!(older < newest);
    let live = live_db_state(&fx.db);

    // latest (the default); nothing appears beside the live database, even for a moment
    let (run, seen) = watching_names(fx.db.parent().unwrap(), || fx.run(&["drill", "--json"]));
    assert_eq!(
        seen, live.1,
        "a file appeared beside the live database during the drill"
    );
    let v = run.ok().json();
    assert_has_keys(&v, &["status", "snapshot", "seconds", "checks"]);
    assert_eq!(str_of(&v, "status"), "success", "{v:#}");
    assert_eq!(str_of(&v, "snapshot"), newest);
    let secs = v["seconds"].as_f64().expect("seconds is a number");
    assert!(secs > 0.0 && secs < 60.0, "{secs}");
    let checks = v["checks"].as_array().expect("checks");
    for c in checks {
        assert_has_keys(c, &["name", "ok", "detail"]);
        assert_eq!(c["ok"], Value::Bool(true), "{c:#}");
        assert!(c["detail"].is_string(), "{c:#}");
    }
    // What the issue says a drill checks.
    for name in [
        "object_sha256",
        "database_sha256",
        "integrity_check",
        "foreign_key_check",
        "schema",
        "row_counts",
        "identifiers_unique",
    ] {
        assert!(check(&v, name).is_some(), "no {name} check in {v:#}");
    }

    // The record is in both stores, identical, and says what stdout said.
    for store in [&fx.store, &store_b] {
        let recs = drill_records(store);
        assert_eq!(recs.len(), 1, "one record in {}", store.display());
        assert_eq!(recs[0]["id"], v["id"]);
        assert_eq!(recs[0]["status"], "success");
        assert_eq!(str_of(&recs[0], "snapshot"), newest);
        assert_eq!(recs[0]["checks"], v["checks"]);
    }
    assert_eq!(
        tree(&fx.store.join("drills")),
        tree(&store_b.join("drills"))
    );

    // By id: the older one.
    let v = fx.run(&["drill", &older, "--json"]).ok().json();
    assert_eq!(str_of(&v, "status"), "success");
    assert_eq!(str_of(&v, "snapshot"), older);

    // random: one of the two.
    let v = fx.run(&["drill", "random", "--json"]).ok().json();
    assert_eq!(str_of(&v, "status"), "success");
    let s = str_of(&v, "snapshot");
    assert!(s == older || s == newest, "{s}");

    for store in [&fx.store, &store_b] {
        assert_eq!(drill_records(store).len(), 3, "{}", store.display());
    }
    assert_eq!(live_db_state(&fx.db), live, "a drill touched the live side");
    assert!(fx.private_temp_leftovers().is_empty());

    // An id that does not exist is a usage problem, not a failed drill.
    fx.run(&["drill", "20200101T000000Z-abcdef", "--json"])
        .code(2);
    assert_eq!(drill_records(&fx.store).len(), 3);
}

#[test]
fn drill_slower_than_the_target_is_a_warning_with_exit_0() {
    let fx = Fixture::new();
    fx.config_local();
    let id = fx.backup();
    append_config(&fx, "[drill]\nrestore_time_target = \"0s\"\n");

    let v = fx.run(&["drill", "--json"]).ok().json();
    assert_eq!(str_of(&v, "status"), "warning", "{v:#}");
    assert_eq!(v["snapshot"], id["id"]);
    // Restorable: every check passed, only the time is off.
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == Value::Bool(true)),
        "{v:#}"
    );
    let recs = drill_records(&fx.store);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["status"], "warning");
}

#[test]
fn drill_on_a_flipped_byte_fails_names_the_check_and_leaves_the_live_database_alone() {
    let fx = Fixture::new();
    fx.config_local();
    let b = fx.backup();
    let id = str_of(&b, "id").to_string();
    flip_a_byte(&only_object(&fx.store));
    let live = live_db_state(&fx.db);
    let dump_before = dump(&fx.db);

    let (run, seen) = watching_names(fx.db.parent().unwrap(), || fx.run(&["drill", "--json"]));
    assert_eq!(
        seen, live.1,
        "a file appeared beside the live database during the drill"
    );
    let v = run.code(1).json();
    assert_eq!(str_of(&v, "status"), "failed", "{v:#}");
    assert_eq!(str_of(&v, "snapshot"), id);
    let c = check(&v, "object_sha256").unwrap_or_else(|| panic!("no object_sha256 check: {v:#}"));
    assert_eq!(c["ok"], Value::Bool(false), "{v:#}");
    // Nothing that was not restored can be reported as passed.
    assert!(
        check(&v, "integrity_check").is_none_or(|c| c["ok"] == Value::Bool(false)),
        "{v:#}"
    );

    let recs = drill_records(&fx.store);
    assert_eq!(recs.len(), 1, "a failed drill leaves evidence too");
    assert_eq!(recs[0]["status"], "failed");
    assert_eq!(recs[0]["id"], v["id"]);

    assert_eq!(
        live_db_state(&fx.db),
        live,
        "the live database or its folder changed"
    );
    assert_eq!(dump(&fx.db), dump_before);
    assert!(fx.private_temp_leftovers().is_empty());

    // The human run says it failed, in one language (English here, Vietnamese
    // by default), with the same exit code.
    let run = fx.run(&["drill"]).code(1);
    let out = run.stdout.to_lowercase();
    assert!(
        out.contains("failed") && !out.contains("thất bại") && out.contains("object_sha256"),
        "{}",
        run.stdout
    );
    let mut c = fx.cmd();
    c.env_remove("EQVAULT_LANG").arg("drill");
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout).to_lowercase();
    assert!(
        out.contains("thất bại") && !out.contains("failed") && out.contains("object_sha256"),
        "{out}"
    );
    assert_eq!(live_db_state(&fx.db), live);
}

// ---- prune -----------------------------------------------------------------------------

fn vn() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

fn quarter_of(t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&vn());
    format!("{}-Q{}", l.year(), (l.month() - 1) / 3 + 1)
}

/// Writes a complete synthetic snapshot (metadata + an object whose hash and size match) into a local store.
fn write_snapshot(fx: &Fixture, at: DateTime<Utc>) -> SnapshotId {
    let (store, recipient) = (&fx.store, &fx.recipient);
    let id = SnapshotId::new(at);
    let body = format!("synthetic object of {id}").into_bytes();
    let obj = store.join(id.object_key());
    std::fs::create_dir_all(obj.parent().unwrap()).unwrap();
    std::fs::write(&obj, &body).unwrap();
    let meta = Metadata {
        format_version: catalog::FORMAT_VERSION,
        id: id.clone(),
        created_at: at.with_timezone(&catalog::vietnam()),
        object: id.object_key(),
        object_bytes: body.len() as u64,
        object_sha256: hex::encode(Sha256::digest(&body)),
        database_bytes: 4096,
        recipients: vec![recipient.to_string()],
        row_counts: BTreeMap::from([("equipment".to_string(), 3)]),
        tool_version: "synthetic".into(),
        vault: None,
        schema_sha256: None,
        suspect: None,
    };
    std::fs::write(
        store.join(id.metadata_key()),
        serde_json::to_vec_pretty(&meta).unwrap(),
    )
    .unwrap();
    fx.sign(
        &store.join(id.metadata_key()),
        eqvault::trust::Kind::Snapshot,
    );
    id
}

/// Writes a drill record for `snapshot` into a local store.
fn write_drill_record(fx: &Fixture, snapshot: &SnapshotId, at: DateTime<Utc>, status: Status) {
    let store = &fx.store;
    let ok = status != Status::Failed;
    let rec = DrillRecord {
        format_version: catalog::FORMAT_VERSION,
        id: format!(
            "{}-{:06x}",
            at.format("%Y%m%dT%H%M%SZ"),
            rand::random::<u32>() & 0xff_ffff
        ),
        status,
        snapshot: snapshot.to_string(),
        store: p(store).to_string(),
        started_at: at.with_timezone(&catalog::vietnam()),
        seconds: 1.5,
        phases: Phases {
            download: 0.5,
            decrypt_decompress: 0.5,
            checks: 0.5,
        },
        target_seconds: 1800,
        object_bytes: 40,
        database_bytes: 4096,
        checks: vec![Check::new("object_sha256", ok, "synthetic")],
        reason: (!ok).then(|| "object_sha256: synthetic".to_string()),
        tool_version: "synthetic".into(),
        vault: None,
    };
    let f = store.join(rec.key());
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(&f, serde_json::to_vec_pretty(&rec).unwrap()).unwrap();
    fx.sign(&f, eqvault::trust::Kind::Drill);
}

fn set_mtime(f: &Path, age: StdDuration) {
    let file = std::fs::File::options().write(true).open(f).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

fn ids_of(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|d| str_of(d, "id").to_string())
        .collect()
}

#[test]
fn prune_over_three_years_of_dailies_keeps_every_quarter_holds_and_the_drilled_one() {
    let fx = Fixture::new();
    fx.config_local();
    // Tight settings, so the floors are what keeps the old history.
    append_config(
        &fx,
        "[retention]\nkeep_last = 2\nkeep_daily = 3\nkeep_weekly = 0\nkeep_monthly = 0\n\
         keep_yearly = 0\nkeep_quarterly = \"forever\"\nincomplete_grace = \"24h\"\n",
    );

    // Three years of dailies at 20:00 UTC, i.e. 03:00 the next day in Vietnam: the
    // last snapshot of a UTC quarter is the first of the next Vietnamese quarter.
    let now = Utc::now();
    let last = (now - Duration::days(1))
        .date_naive()
        .and_hms_opt(20, 0, 0)
        .unwrap()
        .and_utc();
    assert!(last < now);
    let mut snaps: Vec<(SnapshotId, DateTime<Utc>)> = (0..3 * 365 + 1)
        .map(|d| {
            let at = last - Duration::days(d);
            (write_snapshot(&fx, at), at)
        })
        .collect();
    snaps.sort_by_key(|s| std::cmp::Reverse(s.1)); // newest first
    let all: BTreeSet<String> = snaps.iter().map(|(i, _)| i.to_string()).collect();

    // The newest snapshot of every calendar quarter, Vietnam time.
    let mut quarter_newest: BTreeMap<String, SnapshotId> = BTreeMap::new();
    for (id, at) in &snaps {
        quarter_newest
            .entry(quarter_of(*at))
            .or_insert_with(|| id.clone());
    }
    assert!(quarter_newest.len() >= 12, "{}", quarter_newest.len());
    let is_floor = |id: &SnapshotId| quarter_newest.values().any(|q| q == id);
    // Mid-history snapshots nothing but the floors under test could keep.
    let pick = |from: usize| -> SnapshotId {
        snaps[from..]
            .iter()
            .map(|(i, _)| i.clone())
            .find(|i| !is_floor(i))
            .unwrap()
    };
    let held = pick(400);
    let drilled_ok = pick(300);
    let drilled_failed_newer = pick(200);
    let drilled_ok_older = pick(600);
    let at = |i: &SnapshotId| snaps.iter().find(|(x, _)| x == i).unwrap().1;
    write_drill_record(
        &fx,
        &drilled_ok_older,
        at(&drilled_ok_older) + Duration::hours(1),
        Status::Success,
    );
    write_drill_record(
        &fx,
        &drilled_ok,
        at(&drilled_ok) + Duration::hours(1),
        Status::Success,
    );
    write_drill_record(
        &fx,
        &drilled_failed_newer,
        at(&drilled_failed_newer) + Duration::hours(1),
        Status::Failed,
    );

    let h = fx
        .run(&[
            "hold",
            held.as_str(),
            "--reason",
            "thanh tra 2025",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(str_of(&h, "id"), held.as_str());
    assert!(fx.store.join(format!("holds/{held}.json")).is_file());

    // Incomplete uploads: one two days old, one fresh (its id is old: a sync copying an old snapshot).
    let stale_orphan = SnapshotId::new(last - Duration::days(2000));
    let fresh_orphan = SnapshotId::new(last - Duration::days(2001));
    for o in [&stale_orphan, &fresh_orphan] {
        let f = fx.store.join(o.object_key());
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, b"half an upload").unwrap();
    }
    set_mtime(
        &fx.store.join(stale_orphan.object_key()),
        StdDuration::from_secs(2 * 86_400),
    );

    // What the retention must keep: the newest 3 (daily 3 ⊇ last 2), the quarterly floor,
    // the hold, the newest snapshot that passed a drill.
    let mut expected_keep: BTreeSet<String> =
        snaps.iter().take(3).map(|(i, _)| i.to_string()).collect();
    expected_keep.extend(quarter_newest.values().map(|i| i.to_string()));
    expected_keep.insert(held.to_string());
    expected_keep.insert(drilled_ok.to_string());
    let expected_remove: BTreeSet<String> = all.difference(&expected_keep).cloned().collect();

    // Dry run: every snapshot accounted for, nothing touched.
    let before = tree(&fx.store);
    let dry = fx.run(&["prune", "--dry-run", "--json"]).ok().json();
    assert_has_keys(&dry, &["keep", "remove"]);
    assert_eq!(tree(&fx.store), before, "a dry run changed the store");
    let dry_keep = ids_of(&dry["keep"]);
    let dry_remove = ids_of(&dry["remove"]);
    assert!(dry_keep.is_disjoint(&dry_remove));
    assert_eq!(
        &dry_keep | &dry_remove,
        all,
        "the dry run does not account for every snapshot"
    );
    for k in dry["keep"].as_array().unwrap() {
        assert!(
            !k["reasons"].as_array().expect("reasons").is_empty(),
            "kept without a reason: {k}"
        );
    }
    let reasons_of = |id: &SnapshotId| -> String {
        dry["keep"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id.as_str())
            .map(|k| k["reasons"].to_string().to_lowercase())
            .unwrap_or_default()
    };
    assert!(reasons_of(&held).contains("held"), "{}", reasons_of(&held));
    assert!(reasons_of(&drilled_ok).contains("drill"));
    for (q, id) in &quarter_newest {
        assert!(
            dry_keep.contains(id.as_str()),
            "the dry run removes {id}, the newest of {q}"
        );
    }
    assert_eq!(dry_keep, expected_keep, "kept set");
    assert_eq!(dry_remove, expected_remove, "removed set");
    assert!(
        dry_remove.contains(drilled_failed_newer.as_str()),
        "a failed drill is no floor"
    );
    assert!(
        dry_remove.contains(drilled_ok_older.as_str()),
        "only the newest passed drill is a floor"
    );
    let dry_incomplete: Vec<&str> = dry["incomplete"]
        .as_array()
        .expect("incomplete")
        .iter()
        .map(|i| str_of(i, "key"))
        .collect();
    assert_eq!(dry_incomplete, vec![stale_orphan.object_key()]);

    // The real run removes exactly what the dry run said.
    let real = fx.run(&["prune", "--json"]).ok().json();
    assert_eq!(ids_of(&real["remove"]), dry_remove, "dry run ≠ real run");
    assert_eq!(ids_of(&real["keep"]), dry_keep);
    assert!(
        real["errors"].as_array().is_none_or(Vec::is_empty),
        "{real:#}"
    );

    // Metadata and object both gone, or both there: nothing half-visible.
    assert_eq!(metadata_ids(&fx.store), dry_keep);
    let mut objects_left = object_ids(&fx.store);
    assert!(
        objects_left.remove(fresh_orphan.as_str()),
        "the fresh incomplete upload was removed inside its grace period"
    );
    assert!(
        !objects_left.contains(stale_orphan.as_str()),
        "the stale incomplete upload survived"
    );
    assert_eq!(objects_left, dry_keep);
    for (q, id) in &quarter_newest {
        assert!(
            fx.store.join(id.metadata_key()).is_file() && fx.store.join(id.object_key()).is_file(),
            "{q} lost its newest snapshot {id}"
        );
    }
    let listed = listed(&fx);
    assert_eq!(listed.keys().cloned().collect::<BTreeSet<_>>(), dry_keep);

    // Again: nothing more to remove.
    let again = fx.run(&["prune", "--dry-run", "--json"]).ok().json();
    assert!(ids_of(&again["remove"]).is_empty(), "{again:#}");

    // Released, the held snapshot goes at the next prune, and only it.
    fx.run(&["unhold", held.as_str()]).ok();
    assert!(!fx.store.join(format!("holds/{held}.json")).exists());
    let after = fx.run(&["prune", "--json"]).ok().json();
    assert_eq!(ids_of(&after["remove"]), BTreeSet::from([held.to_string()]));
    assert!(!fx.store.join(held.metadata_key()).exists());
    assert!(!fx.store.join(held.object_key()).exists());
    assert!(fx.store.join(drilled_ok.metadata_key()).is_file());
}

// ---- sync ------------------------------------------------------------------------------

#[test]
fn sync_brings_a_local_store_and_s3_to_the_same_snapshots_and_the_s3_copy_restores() {
    let fx = Fixture::new();
    let s3root = fx.path().join("s3");
    let server = S3Server::start(&s3root);
    let s3_dir = s3root.join(BUCKET).join("office/eq");
    let source = dump(&fx.db);

    // One snapshot only in the local store, with a drill record and a hold.
    fx.config_local();
    let a = fx.backup();
    let a = str_of(&a, "id").to_string();
    fx.run(&["drill", "--json"]).ok();
    fx.run(&["hold", &a, "--reason", "kiểm tra"]).ok();
    // One only on S3.
    fx.config_s3(&server, "office/eq");
    let b = fx.backup();
    let b = str_of(&b, "id").to_string();
    fx.config_local_s3(&server, "office/eq");
    let before = listed(&fx);
    assert_eq!(before, BTreeMap::from([(a.clone(), 1), (b.clone(), 1)]));

    let v = fx.run(&["sync", "--json"]).ok().json();
    let copied = v["copied"].as_array().expect("copied");
    let keys: BTreeSet<&str> = copied.iter().map(|c| str_of(c, "key")).collect();
    let a_id: SnapshotId = a.parse().unwrap();
    let b_id: SnapshotId = b.parse().unwrap();
    assert!(keys.contains(a_id.object_key().as_str()), "{v:#}");
    assert!(keys.contains(b_id.object_key().as_str()), "{v:#}");
    assert!(keys.contains(format!("holds/{a}.json").as_str()), "{v:#}");
    assert!(keys.iter().any(|k| k.starts_with("drills/")), "{v:#}");

    // Both stores list both snapshots.
    assert_eq!(
        listed(&fx),
        BTreeMap::from([(a.clone(), 2), (b.clone(), 2)])
    );
    assert_eq!(metadata_ids(&fx.store), metadata_ids(&s3_dir));
    assert_eq!(object_ids(&fx.store), object_ids(&s3_dir));
    for id in [&a_id, &b_id] {
        assert_eq!(
            sha256_file(&fx.store.join(id.object_key())),
            sha256_file(&s3_dir.join(id.object_key())),
            "{id} differs between stores"
        );
    }
    assert_eq!(tree(&fx.store.join("drills")), tree(&s3_dir.join("drills")));
    assert_eq!(tree(&fx.store.join("holds")), tree(&s3_dir.join("holds")));

    // Nothing left to copy.
    let v = fx.run(&["sync", "--json"]).ok().json();
    assert_eq!(v["copied"], Value::Array(vec![]), "{v:#}");

    // The S3 copy alone restores the local snapshot.
    fx.config_s3(&server, "office/eq");
    let target = fx.path().join("from-s3.db");
    let r = fx
        .run(&["restore", &a, "--to", p(&target), "--json"])
        .ok()
        .json();
    assert_eq!(str_of(&r, "id"), a);
    assert_eq!(dump(&target), source);
    drop(server);
}

#[test]
fn sync_does_not_copy_a_corrupted_object() {
    let fx = Fixture::new();
    let s3root = fx.path().join("s3");
    let server = S3Server::start(&s3root);
    let s3_dir = s3root.join(BUCKET).join("office/eq");
    fx.config_local();
    let a = fx.backup();
    let a = str_of(&a, "id").to_string();
    flip_a_byte(&object_of(&fx.store, &a));
    fx.config_local_s3(&server, "office/eq");

    let run = fx.run(&["sync", "--json"]);
    assert_ne!(
        run.code,
        Some(0),
        "sync of a corrupted object reported success"
    );
    let v = run.json();
    let errors = v["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e.to_string().contains(&a)),
        "the error does not name the snapshot: {v:#}"
    );
    assert!(
        !v["copied"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| str_of(c, "key").starts_with("snapshots/")),
        "{v:#}"
    );
    assert!(metadata_ids(&s3_dir).is_empty(), "metadata reached S3");
    assert!(
        object_ids(&s3_dir).is_empty(),
        "the corrupted object reached S3"
    );
    assert_eq!(listed(&fx), BTreeMap::from([(a, 1)]));
    drop(server);
}

// ---- status ----------------------------------------------------------------------------

#[test]
fn status_is_0_right_after_a_backup_and_reports_the_last_drill() {
    let fx = Fixture::new();
    fx.config_local();
    // No backup yet: stale.
    let v = fx
        .run(&["status", "--max-age", "1h", "--json"])
        .code(1)
        .json();
    assert_eq!(v["stale"], Value::Bool(true));
    assert!(v["last_backup"].is_null());

    let b = fx.backup();
    let v = fx.run(&["status", "--max-age", "1h", "--json"]).ok().json();
    assert_has_keys(&v, &["last_backup", "last_drill", "stale"]);
    assert_eq!(v["stale"], Value::Bool(false));
    assert_eq!(v["last_backup"]["id"], b["id"]);
    assert!(v["last_drill"].is_null(), "{v:#}");
    fx.run(&["status", "--max-age", "1h"]).ok();

    let d = fx.run(&["drill", "--json"]).ok().json();
    let v = fx.run(&["status", "--max-age", "1h", "--json"]).ok().json();
    assert_eq!(v["last_drill"]["id"], d["id"], "{v:#}");
    assert_eq!(v["last_drill"]["status"], "success");
    assert_eq!(v["last_drill"]["snapshot"], b["id"]);
}

#[test]
fn status_exits_1_when_the_newest_snapshot_is_older_than_max_age() {
    let fx = Fixture::new();
    fx.config_local();
    let b = fx
        .run(&["backup", "--at", "2025-01-01T00:00:00Z", "--json"])
        .ok()
        .json();
    assert!(str_of(&b, "id").starts_with("20250101T000000Z-"));

    let v = fx
        .run(&["status", "--max-age", "3months", "--json"])
        .code(1)
        .json();
    assert_eq!(v["stale"], Value::Bool(true), "{v:#}");
    assert_eq!(v["last_backup"]["id"], b["id"]);
    fx.run(&["status", "--max-age", "3months"]).code(1);
    // A limit the snapshot is within: fine.
    let v = fx
        .run(&["status", "--max-age", "100years", "--json"])
        .ok()
        .json();
    assert_eq!(v["stale"], Value::Bool(false));

    // A fresh backup ends it.
    fx.backup();
    let v = fx
        .run(&["status", "--max-age", "3months", "--json"])
        .ok()
        .json();
    assert_eq!(v["stale"], Value::Bool(false));
}

#[test]
fn status_exits_1_when_a_configured_store_holds_no_snapshot() {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    let store_b = fx.path().join("store-b");
    std::fs::create_dir(&store_b).unwrap();
    fx.config_two_local(&fx.store, &store_b);

    let v = fx
        .run(&["status", "--max-age", "1h", "--json"])
        .code(1)
        .json();
    assert_eq!(v["stale"], Value::Bool(false), "the backup is fresh: {v:#}");
    assert_eq!(v["last_backup"]["copies"], 1, "{v:#}");
    fx.run(&["status", "--max-age", "1h"]).code(1);

    // After a sync the second store holds it too.
    fx.run(&["sync", "--json"]).ok();
    let v = fx.run(&["status", "--max-age", "1h", "--json"]).ok().json();
    assert_eq!(v["last_backup"]["copies"], 2, "{v:#}");
}

// ---- issue 14: drills an inspector can rely on ----------------------------------------

/// Issue 14: after the last drill failed, `status` printed "PROBLEM" and exited 0.
#[test]
fn status_exits_1_when_the_last_drill_failed() {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    flip_a_byte(&only_object(&fx.store));
    fx.run(&["drill", "--json"]).code(1);
    let v = fx
        .run(&["status", "--max-age", "1h", "--json"])
        .code(1)
        .json();
    assert_eq!(v["stale"], Value::Bool(false), "{v:#}");
    assert_eq!(v["last_drill"]["status"], "failed");
    fx.run(&["status", "--max-age", "1h"]).code(1);
    // A good snapshot drilled since: fine again.
    let good = fx.backup();
    fx.run(&["drill", str_of(&good, "id"), "--json"]).ok();
    fx.run(&["status", "--max-age", "1h", "--json"]).ok();
}

/// Issue 14: a drill run with the wrong identity recorded a FAILED drill in
/// every store. It is the operator's mistake: exit 2, no record.
#[test]
fn a_drill_with_the_wrong_identity_exits_2_and_records_nothing() {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    let other = fx.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    create_equipment_db(&other.join("x.db"));
    eqvault()
        .args(["init", "--create-store", "--db"])
        .arg(other.join("x.db"))
        .arg("--store")
        .arg(other.join("store"))
        .arg("--dir")
        .arg(&other)
        .assert()
        .success();
    let wrong = other.join("eqvault-identity.txt");
    for args in [
        vec!["drill", "--json", "--identity", p(&wrong)],
        vec!["drill", "random", "--identity", p(&wrong)],
    ] {
        let run = fx.run(&args).code(2);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        assert!(
            run.stderr.contains("--identity") && run.stderr.contains("none of the identities"),
            "{}",
            run.stderr
        );
    }
    assert!(drill_records(&fx.store).is_empty(), "no drill record");
    assert!(fx.private_temp_leftovers().is_empty());
    // The right identity still drills.
    fx.run(&["drill", "--json"]).ok();
    assert_eq!(drill_records(&fx.store).len(), 1);
}
