//! The spine (issue 2), through the real binary: backup → restore round trips on a local
//! store and a real S3 server, recovery with `age | zstd | tar`, snapshots under a
//! concurrent writer, bad input refused with exit 2 and no change, no plaintext in
//! any store, partial store failure, incomplete uploads, identity permissions.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

// ---- helpers for this file ---------------------------------------------------------

/// Every file under the fixture folder except eqvault's own state folder, by content:
/// "changes nothing" means this map is equal before and after.
fn world(fx: &Fixture) -> BTreeMap<String, String> {
    tree(fx.path())
        .into_iter()
        .filter(|(k, _)| !k.starts_with(".eqvault"))
        .collect()
}

/// Asserts the private temporary folder holds nothing (no plaintext copy survived).
#[track_caller]
fn assert_no_private_temp(fx: &Fixture) {
    let left = fx.private_temp_leftovers();
    assert!(
        left.is_empty(),
        "private temporary files survived: {left:?}"
    );
}

/// Asserts `run` failed with exit 2, and that nothing in the fixture folder changed.
#[track_caller]
fn assert_refused_without_change(
    fx: &Fixture,
    before: &BTreeMap<String, String>,
    run: Run,
    phrases: &[&str],
) -> Run {
    let run = run.code(2).stderr_has(phrases);
    assert_eq!(&world(fx), before, "a refused command changed files");
    assert_no_private_temp(fx);
    run
}

/// Asserts stderr tells the user what to do about a damaged snapshot.
#[track_caller]
fn assert_says_what_to_do_about_damage(run: &Run) {
    let e = run.stderr.to_lowercase();
    let hints = [
        "another snapshot",
        "another store",
        "other store",
        "eqvault snapshots",
        "eqvault verify",
    ];
    assert!(
        hints.iter().any(|h| e.contains(h)),
        "the error names the damage but not what to do (expected one of {hints:?}):\n{}",
        run.stderr
    );
}

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp paths")
}

/// `restore ID --to TARGET --json`, asserting exit 0; returns the JSON.
fn restore(fx: &Fixture, id: &str, target: &Path) -> Value {
    fx.run(&["restore", id, "--to", p(target), "--json"])
        .ok()
        .json()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    k.sort();
    k
}

#[track_caller]
fn assert_has_keys(v: &Value, want: &[&str]) {
    let have = keys(v);
    for k in want {
        assert!(have.contains(k), "{k:?} missing from {v:#}");
    }
}

#[track_caller]
fn assert_rfc3339(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s:?} is not RFC 3339: {e}"));
}

/// A fixture with one local store holding one snapshot of the fixture database.
fn backed_up() -> Fixture {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    fx
}

/// `live.db`: an equipment database that differs from the snapshot's, where a restore might go.
fn other_live_db(fx: &Fixture) -> PathBuf {
    let target = fx.path().join("live.db");
    create_equipment_db(&target);
    rusqlite::Connection::open(&target)
        .unwrap()
        .execute("DELETE FROM equipment_usage", [])
        .unwrap();
    target
}

/// The live database's dump (checked to hold the fixture's Vietnamese rows), to compare restores with.
fn source_dump(fx: &Fixture) -> String {
    let d = dump(&fx.db);
    assert!(
        d.contains("Trường THCS Nguyễn Ảnh Thủ") && d.contains("INSERT INTO equipment_usage"),
        "the fixture database has its Vietnamese rows"
    );
    d
}

// ---- round trips and the JSON contract -----------------------------------------------

#[test]
fn local_round_trip_restores_an_equal_dump_and_prints_the_contract_json() {
    let fx = Fixture::new();
    fx.config_local();
    let before = source_dump(&fx);

    let b = fx.backup();
    assert_has_keys(&b, &["id", "created_at", "bytes", "sha256", "stores"]);
    assert_rfc3339(&b["created_at"]);
    let id = b["id"].as_str().expect("id").to_string();
    let object = only_object(&fx.store);
    assert!(object.to_string_lossy().contains(&id));
    assert_eq!(
        b["bytes"].as_u64(),
        Some(std::fs::metadata(&object).unwrap().len()),
        "bytes is the object's size"
    );
    assert_eq!(b["sha256"].as_str(), Some(sha256_file(&object).as_str()));
    let stores = b["stores"].as_array().expect("stores");
    assert_eq!(stores.len(), 1);
    assert_has_keys(&stores[0], &["url", "ok"]);
    assert_eq!(stores[0]["url"].as_str(), Some(p(&fx.store)));
    assert_eq!(stores[0]["ok"], Value::Bool(true));
    assert!(stores[0].get("error").is_none(), "no error on success");
    assert!(metadata_of(&object).is_file(), "metadata beside the object");
    assert_no_private_temp(&fx);
    assert_eq!(
        mode_of(&fx.state_dir().join("tmp")),
        0o700,
        "the plaintext copy's folder is private"
    );

    let s = fx.run(&["snapshots", "--json"]).ok().json();
    let list = s.as_array().expect("snapshots prints an array");
    assert_eq!(list.len(), 1);
    assert_has_keys(&list[0], &["id", "created_at", "bytes", "stores"]);
    assert_eq!(list[0]["id"].as_str(), Some(id.as_str()));
    assert_eq!(list[0]["bytes"], b["bytes"]);
    assert_rfc3339(&list[0]["created_at"]);
    assert!(!list[0]["stores"].as_array().expect("stores").is_empty());

    for args in [
        &["verify", "--json"][..],
        &["verify", "--read-data", "--json"][..],
    ] {
        let v = fx.run(args).ok().json();
        assert_has_keys(&v, &["ok", "results"]);
        assert_eq!(v["ok"], Value::Bool(true), "{args:?}: {v:#}");
        assert!(!v["results"].as_array().expect("results").is_empty());
    }
    assert_no_private_temp(&fx);

    let target = fx.path().join("restored.db");
    let r = restore(&fx, "latest", &target);
    assert_has_keys(&r, &["id", "path", "sha256"]);
    assert_eq!(r["id"].as_str(), Some(id.as_str()));
    assert_eq!(r["path"].as_str(), Some(p(&target)));
    assert_eq!(r["sha256"].as_str(), Some(sha256_file(&target).as_str()));
    assert_eq!(dump(&target), before);

    // By id, too.
    let target2 = fx.path().join("restored-by-id.db");
    restore(&fx, &id, &target2);
    assert_eq!(dump(&target2), before);
}

#[test]
fn s3_round_trip_restores_an_equal_dump() {
    let fx = Fixture::new();
    let s3root = fx.path().join("s3");
    let server = S3Server::start(&s3root);
    fx.config_s3(&server, "office/eq");
    let before = source_dump(&fx);

    let b = fx.backup();
    let id = b["id"].as_str().expect("id").to_string();
    assert_eq!(
        b["stores"][0]["url"].as_str(),
        Some(format!("s3://{BUCKET}/office/eq").as_str())
    );
    assert_eq!(b["stores"][0]["ok"], Value::Bool(true));
    // The object really went to the server, under the prefix.
    let objects = files_ending(&s3root.join(BUCKET).join("office/eq"), ".tar.zst.age");
    assert_eq!(objects.len(), 1, "{:?}", files_under(&s3root));
    assert_eq!(
        b["sha256"].as_str(),
        Some(sha256_file(&objects[0]).as_str())
    );

    let s = fx.run(&["snapshots", "--json"]).ok().json();
    assert_eq!(s[0]["id"].as_str(), Some(id.as_str()));

    let v = fx.run(&["verify", "--read-data", "--json"]).ok().json();
    assert_eq!(v["ok"], Value::Bool(true), "{v:#}");

    let target = fx.path().join("restored.db");
    let r = restore(&fx, "latest", &target);
    assert_eq!(r["id"].as_str(), Some(id.as_str()));
    assert_eq!(r["sha256"].as_str(), Some(sha256_file(&target).as_str()));
    assert_eq!(dump(&target), before);
    assert_no_private_temp(&fx);
}

#[test]
fn standard_age_zstd_tar_recover_a_snapshot() {
    let fx = Fixture::new();
    fx.config_local();
    let b = fx.backup();
    let object = only_object(&fx.store);
    let out = fx.path().join("recovered");
    std::fs::create_dir(&out).unwrap();

    let status = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#"set -euo pipefail; age -d -i "$1" "$2" | zstd -d | tar -x -C "$3""#)
        .arg("recover")
        .arg(&fx.identity)
        .arg(&object)
        .arg(&out)
        .status()
        .expect("bash with age, zstd and tar (installed by .ci/run)");
    assert!(status.success(), "age | zstd | tar failed");

    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["database.sqlite", "manifest.json", "manifest.json.sig"]
    );

    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let db = out.join("database.sqlite");
    assert_eq!(
        manifest["database_sha256"].as_str(),
        Some(sha256_file(&db).as_str()),
        "the manifest's hash is the database's"
    );
    assert_eq!(manifest["snapshot_id"], b["id"]);
    assert_eq!(dump(&db), source_dump(&fx));
}

// ---- a snapshot while another process writes ---------------------------------------------

/// Rows per writer transaction.
const K: i64 = 40;

/// Commits transactions of exactly K rows, numbered by batch, until the stop file appears.
/// Prints `started` after the first commit and the last batch number at the end.
const WRITER_PY: &str = r#"
import os, sqlite3, sys, time
db, k, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = sqlite3.connect(db, isolation_level=None, timeout=30)
batch = 0
while not os.path.exists(stop) and batch < 100000:
    batch += 1
    c.execute("BEGIN IMMEDIATE")
    c.executemany(
        "INSERT INTO writer_log (batch, n, payload) VALUES (?, ?, ?)",
        [(batch, i, ("Sổ theo dõi thiết bị %d/%d " % (batch, i)) * 6) for i in range(k)],
    )
    c.execute("COMMIT")
    if batch == 1:
        print("started", flush=True)
    time.sleep(0.002)
c.close()
print(batch, flush=True)
"#;

/// Checks a restored copy holds whole writer transactions; returns its row count.
fn whole_transactions(db: &Path) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    let ic: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ic, "ok", "integrity_check of {}", db.display());
    let (rows, batches, max): (i64, i64, Option<i64>) = c
        .query_row(
            "SELECT count(*), count(DISTINCT batch), max(batch) FROM writer_log",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        rows % K,
        0,
        "{rows} rows is not a whole number of {K}-row transactions"
    );
    assert_eq!(
        Some(batches),
        max.or(Some(0)),
        "batches are 1..=max with none missing"
    );
    let torn: i64 = c
        .query_row(
            "SELECT count(*) FROM (SELECT batch FROM writer_log GROUP BY batch
               HAVING count(*) != ?1 OR count(DISTINCT n) != ?1 OR min(n) != 0 OR max(n) != ?1 - 1)",
            [K],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(torn, 0, "some batch is incomplete");
    rows
}

fn snapshot_while_writing(journal_mode: &str) {
    let fx = Fixture::new();
    fx.config_local();
    {
        let c = rusqlite::Connection::open(&fx.db).unwrap();
        let mode: String = c
            .query_row(&format!("PRAGMA journal_mode={journal_mode}"), [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(mode, journal_mode);
        c.execute_batch(
            "CREATE TABLE writer_log (batch INTEGER NOT NULL, n INTEGER NOT NULL, payload TEXT);",
        )
        .unwrap();
    }
    let stop = fx.path().join("stop-writer");
    let mut writer = PyChild::spawn(WRITER_PY, &[p(&fx.db), &K.to_string(), p(&stop)]);
    assert_eq!(writer.line(), "started", "the writer did not start");

    let mut taken = Vec::new();
    for _ in 0..3 {
        let b = fx.backup();
        taken.push(b["id"].as_str().expect("id").to_string());
        std::thread::sleep(Duration::from_millis(60));
    }
    std::fs::write(&stop, "").unwrap();
    let last_batch: i64 = writer.line().parse().expect("the writer's last batch");
    assert_eq!(writer.finish(), Some(0), "the writer failed");
    assert_no_private_temp(&fx);

    let mut counts = Vec::new();
    for (i, id) in taken.iter().enumerate() {
        let target = fx.path().join(format!("restored-{i}.db"));
        restore(&fx, id, &target);
        counts.push(whole_transactions(&target));
    }
    let final_rows = whole_transactions(&fx.db);
    assert_eq!(final_rows, last_batch * K);
    eprintln!("{journal_mode}: snapshots hold {counts:?} rows of {final_rows}");
    // The writer really ran before, between and after the snapshots.
    assert!(counts[0] > 0, "{counts:?}");
    assert!(
        counts.windows(2).all(|w| w[0] < w[1]),
        "the writer made progress between snapshots: {counts:?}"
    );
    assert!(
        *counts.last().unwrap() < final_rows,
        "the writer kept writing after the last snapshot: {counts:?} < {final_rows}"
    );
}

#[test]
fn snapshot_during_writes_holds_whole_transactions_in_rollback_journal_mode() {
    snapshot_while_writing("delete");
}

#[test]
fn snapshot_during_writes_holds_whole_transactions_in_wal_mode() {
    snapshot_while_writing("wal");
}

// ---- bad input: exit 2, a clear message, nothing changed ----------------------------------

#[test]
fn wrong_identity_is_refused_without_change() {
    let fx = backed_up();
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
    let target = fx.path().join("restored.db");
    let before = world(&fx);
    let run = fx.run(&[
        "restore",
        "latest",
        "--to",
        p(&target),
        "--identity",
        p(&wrong),
    ]);
    assert_refused_without_change(&fx, &before, run, &["--identity"]);
    assert!(!target.exists());

    let run = fx.run(&["verify", "--read-data", "--identity", p(&wrong), "--json"]);
    let v = run.code(1).json();
    assert_eq!(v["ok"], Value::Bool(false));
    assert_eq!(world(&fx), before);
}

/// Backs up, damages the object with `damage`, and checks restore refuses (exit 2) and
/// verify without a key reports a failed verification (exit 1), both changing nothing.
fn damaged_object_is_refused(damage: impl FnOnce(&Fixture, &Path), failing_checks: &[&str]) {
    let fx = backed_up();
    let object = only_object(&fx.store);
    damage(&fx, &object);
    let before = world(&fx);

    let target = fx.path().join("restored.db");
    let run = fx.run(&["restore", "latest", "--to", p(&target)]);
    let run = assert_refused_without_change(&fx, &before, run, &["object_sha256"]);
    assert_says_what_to_do_about_damage(&run);
    assert!(!target.exists());

    let v = fx.run(&["verify", "--json"]).code(1).json();
    assert_eq!(v["ok"], Value::Bool(false));
    let checks = v["results"][0]["checks"].as_array().expect("checks");
    for name in failing_checks {
        assert!(
            checks
                .iter()
                .any(|c| c["name"] == *name && c["ok"] == Value::Bool(false)),
            "{name} should fail: {v:#}"
        );
    }
    assert_eq!(world(&fx), before);
}

#[test]
fn truncated_object_is_refused_without_change() {
    damaged_object_is_refused(
        |_, o| {
            let b = std::fs::read(o).unwrap();
            std::fs::write(o, &b[..b.len() - 100]).unwrap();
        },
        &["object_size", "object_sha256"],
    );
}

#[test]
fn flipped_byte_in_object_is_refused_without_change() {
    damaged_object_is_refused(
        |_, o| {
            let mut b = std::fs::read(o).unwrap();
            let mid = b.len() / 2;
            b[mid] ^= 0x01;
            std::fs::write(o, &b).unwrap();
        },
        &["object_sha256"],
    );
}

/// Edits the metadata beside `object`; `resign` signs the edit with the host's key (a
/// genuine record that lies, e.g. a bug), else it stays as someone with store access left it.
fn edit_metadata(fx: &Fixture, object: &Path, resign: bool, f: impl FnOnce(&mut Value)) {
    let m = metadata_of(object);
    let mut v: Value = serde_json::from_slice(&std::fs::read(&m).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(&m, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    if resign {
        fx.sign(&m, eqvault::trust::Kind::Snapshot);
    }
}

fn flip_object_sha(v: &mut Value) {
    let sha = v["object_sha256"].as_str().unwrap().to_string();
    let flipped = if sha.starts_with('0') { "1" } else { "0" };
    v["object_sha256"] = Value::String(format!("{flipped}{}", &sha[1..]));
}

#[test]
fn metadata_with_a_tampered_object_sha256_is_refused_without_change() {
    // Tampered by someone with store access: the signature no longer matches.
    let fx = backed_up();
    edit_metadata(&fx, &only_object(&fx.store), false, flip_object_sha);
    let before = world(&fx);
    let target = fx.path().join("restored.db");
    let run = fx.run(&["restore", "latest", "--to", p(&target)]);
    assert_refused_without_change(&fx, &before, run, &["not trusted", "verify --all"]);
    assert!(!target.exists());
    let v = fx.run(&["verify", "--json"]).code(1).json();
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["checks"][0]["name"] == "signature"),
        "{v:#}"
    );
    assert_eq!(world(&fx), before);
    // A genuine, signed record that lies about the hash: the object check catches it.
    damaged_object_is_refused(
        |fx, o| edit_metadata(fx, o, true, flip_object_sha),
        &["object_sha256"],
    );
}

#[test]
fn metadata_with_a_tampered_row_count_is_refused_without_change() {
    for resign in [false, true] {
        let fx = backed_up();
        edit_metadata(&fx, &only_object(&fx.store), resign, |v| {
            let n = v["row_counts"]["equipment"].as_u64().expect("row count");
            assert_eq!(n, 3);
            v["row_counts"]["equipment"] = Value::from(n + 1);
        });
        let before = world(&fx);

        // Unsigned it is not believed; signed, it must still agree with the manifest inside.
        let target = fx.path().join("restored.db");
        let run = fx.run(&["restore", "latest", "--to", p(&target)]);
        let phrase = if resign { "equipment" } else { "not trusted" };
        assert_refused_without_change(&fx, &before, run, &[phrase]);
        assert!(!target.exists(), "restored despite lying metadata");

        let v = fx.run(&["verify", "--read-data", "--json"]).code(1).json();
        assert_eq!(v["ok"], Value::Bool(false), "{v:#}");
        assert_eq!(world(&fx), before);
    }
}

#[test]
fn backup_without_a_recipient_writes_nothing() {
    let fx = Fixture::new();
    fx.config_local();
    let text = std::fs::read_to_string(&fx.config).unwrap();
    let line = format!("recipients = [\"{}\"]", fx.recipient);
    assert!(text.contains(&line));
    std::fs::write(&fx.config, text.replace(&line, "recipients = []")).unwrap();
    let before = world(&fx);
    let run = fx.run(&["backup"]);
    assert_refused_without_change(&fx, &before, run, &["recipient", "[encryption]"]);
    assert!(stored_files(&fx.store).is_empty());
}

#[test]
fn missing_store_folder_is_refused_without_change() {
    let fx = Fixture::new();
    let unmounted = fx.path().join("unmounted-nas");
    fx.write_config(&[StoreSpec::Local(unmounted.clone())]);
    let before = world(&fx);
    for args in [
        &["backup"][..],
        &["snapshots"][..],
        &["verify"][..],
        &["restore", "latest", "--to", p(&fx.path().join("r.db"))][..],
    ] {
        let run = fx.run(args);
        assert_refused_without_change(&fx, &before, run, &[p(&unmounted), "mount"]);
        assert!(!unmounted.exists(), "{args:?} created the store folder");
    }
}

#[test]
fn database_that_is_a_text_file_is_refused_without_change() {
    let fx = Fixture::new();
    let notes = fx.path().join("notes.txt");
    std::fs::write(&notes, "Danh mục thiết bị dạy học tối thiểu\n").unwrap();
    fx.write_config_with(&notes, "30s", &[StoreSpec::Local(fx.store.clone())]);
    let before = world(&fx);
    let run = fx.run(&["backup"]);
    assert_refused_without_change(
        &fx,
        &before,
        run,
        &["not a SQLite database", "[database] path"],
    );
    assert!(stored_files(&fx.store).is_empty());
}

#[test]
fn missing_database_is_refused_without_change() {
    let fx = Fixture::new();
    let gone = fx.path().join("gone.db");
    fx.write_config_with(&gone, "30s", &[StoreSpec::Local(fx.store.clone())]);
    let before = world(&fx);
    let run = fx.run(&["backup"]);
    assert_refused_without_change(&fx, &before, run, &["does not exist", "[database] path"]);
    assert!(!gone.exists(), "backup created the database");
}

#[test]
fn locked_database_is_refused_without_change() {
    let fx = Fixture::new();
    fx.write_config_with(&fx.db, "1s", &[StoreSpec::Local(fx.store.clone())]);
    let dump_before = source_dump(&fx);
    let before = world(&fx);
    let mut holder = PyChild::spawn(HOLD_EXCLUSIVE_PY, &[p(&fx.db)]);
    assert_eq!(holder.line(), "locked");

    let t = Instant::now();
    let run = fx
        .run(&["backup"])
        .code(2)
        .stderr_has(&["locked", "busy_timeout"]);
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "gave up before busy_timeout ({:?}): {}",
        t.elapsed(),
        run.stderr
    );
    assert!(stored_files(&fx.store).is_empty(), "the store changed");
    assert_no_private_temp(&fx);

    assert_eq!(holder.finish(), Some(0));
    assert_eq!(world(&fx), before);
    assert_eq!(dump(&fx.db), dump_before);
}

#[test]
fn existing_target_without_force_is_left_byte_for_byte() {
    let fx = backed_up();
    let target = other_live_db(&fx);
    let before = world(&fx);
    let run = fx.run(&["restore", "latest", "--to", p(&target)]);
    assert_refused_without_change(&fx, &before, run, &["--force"]);
}

// ---- restore --force and stale sidecars --------------------------------------------------

#[test]
fn restore_force_keeps_the_old_file_and_moves_stale_wal_and_shm_aside() {
    let fx = backed_up();
    let target = other_live_db(&fx);
    let old = std::fs::read(&target).unwrap();
    let wal = fx.path().join("live.db-wal");
    let shm = fx.path().join("live.db-shm");
    std::fs::write(&wal, b"stale write-ahead log of the replaced database").unwrap();
    std::fs::write(&shm, b"stale shared memory").unwrap();

    let r = fx
        .run(&["restore", "latest", "--to", p(&target), "--force", "--json"])
        .ok()
        .json();
    assert!(!wal.exists(), "a stale -wal beside the restored file");
    assert!(!shm.exists(), "a stale -shm beside the restored file");
    let aside = fx.path().join("live.db.before-restore");
    assert_eq!(std::fs::read(&aside).unwrap(), old, "the old file is kept");
    assert_eq!(
        std::fs::read(fx.path().join("live.db.before-restore-wal")).unwrap(),
        b"stale write-ahead log of the replaced database"
    );
    assert_eq!(
        std::fs::read(fx.path().join("live.db.before-restore-shm")).unwrap(),
        b"stale shared memory"
    );
    assert_eq!(r["sha256"].as_str(), Some(sha256_file(&target).as_str()));
    assert_eq!(dump(&target), source_dump(&fx));
    let leftovers: Vec<_> = std::fs::read_dir(fx.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".eqvault-restore")
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "restore work folder left: {leftovers:?}"
    );
}

#[test]
fn restore_to_a_new_path_moves_a_stale_wal_aside() {
    let fx = backed_up();
    let target = fx.path().join("new.db");
    let wal = fx.path().join("new.db-wal");
    std::fs::write(&wal, b"left by a deleted database").unwrap();
    restore(&fx, "latest", &target);
    assert!(
        !wal.exists(),
        "SQLite would replay a stale -wal into the restored file"
    );
    assert_eq!(dump(&target), source_dump(&fx));
}

// ---- no plaintext in any store -------------------------------------------------------

#[test]
fn no_plaintext_reaches_any_store() {
    let fx = Fixture::new();
    let s3root = fx.path().join("s3");
    let server = S3Server::start(&s3root);
    fx.config_local_s3(&server, "eq");
    let marker = format!("EQV{}", random_marker(32));
    rusqlite::Connection::open(&fx.db)
        .unwrap()
        .execute(
            "UPDATE equipment SET location = ?1 WHERE equipment_id = 'TB00300001'",
            [&marker],
        )
        .unwrap();
    // The marker is really in the file, so the grep below can find it.
    assert!(contains_bytes(
        &std::fs::read(&fx.db).unwrap(),
        marker.as_bytes()
    ));

    let b = fx.backup();
    assert!(
        b["stores"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["ok"] == Value::Bool(true)),
        "{b:#}"
    );
    let stored: Vec<PathBuf> = files_under(&fx.store)
        .into_iter()
        .chain(files_under(&s3root))
        .collect();
    assert!(
        stored
            .iter()
            .filter(|f| f.to_string_lossy().ends_with(".tar.zst.age"))
            .count()
            == 2,
        "one object in each store: {stored:?}"
    );
    for f in &stored {
        let bytes = std::fs::read(f).unwrap();
        for needle in [marker.as_str(), "Nguyễn Ảnh Thủ", "Bộ thí nghiệm quang học"] {
            assert!(
                !contains_bytes(&bytes, needle.as_bytes()),
                "{needle:?} in clear in {}",
                f.display()
            );
        }
    }
    assert_no_private_temp(&fx);

    // And the marker did go into the snapshot.
    let target = fx.path().join("restored.db");
    restore(&fx, "latest", &target);
    assert!(dump(&target).contains(&marker));
}

// ---- stores that fail, uploads that did not finish -----------------------------------------

#[test]
fn one_missing_store_of_two_exits_1_and_keeps_the_good_copy() {
    let fx = Fixture::new();
    let missing = fx.path().join("unmounted-usb");
    fx.config_two_local(&fx.store, &missing);
    let run = fx.run(&["backup", "--json"]).code(1);
    assert!(
        run.stderr.contains(p(&missing)),
        "stderr does not name the failed store:\n{}",
        run.stderr
    );
    let b = run.json();
    let stores = b["stores"].as_array().expect("stores");
    assert_eq!(stores.len(), 2);
    assert_eq!(stores[0]["ok"], Value::Bool(true));
    assert_eq!(stores[1]["ok"], Value::Bool(false));
    assert_eq!(stores[1]["url"].as_str(), Some(p(&missing)));
    assert!(
        stores[1]["error"].as_str().is_some_and(|e| !e.is_empty()),
        "the failed store says why: {b:#}"
    );
    assert!(!missing.exists());

    let object = only_object(&fx.store);
    assert!(metadata_of(&object).is_file(), "the good copy is complete");
    fx.config_local();
    let target = fx.path().join("restored.db");
    let r = restore(&fx, "latest", &target);
    assert_eq!(r["id"], b["id"]);
    assert_eq!(dump(&target), source_dump(&fx));
}

#[test]
fn restore_falls_back_to_the_intact_copy_in_the_other_store() {
    let fx = Fixture::new();
    let second = fx.path().join("store-b");
    std::fs::create_dir(&second).unwrap();
    fx.config_two_local(&fx.store, &second);
    fx.backup();
    let object = only_object(&fx.store);
    let mut b = std::fs::read(&object).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x80;
    std::fs::write(&object, &b).unwrap();

    let target = fx.path().join("restored.db");
    let r = restore(&fx, "latest", &target);
    assert_eq!(r["sha256"].as_str(), Some(sha256_file(&target).as_str()));
    assert_eq!(dump(&target), source_dump(&fx));
}

#[test]
fn restore_rests_on_the_backups_check_and_check_full_runs_it_again() {
    let fx = backed_up();
    let before = source_dump(&fx);
    // The default backup ran quick_check; the hashes prove the restored file is that file.
    let target = fx.path().join("restored.db");
    let r = restore(&fx, "latest", &target);
    assert_eq!(r["integrity_check"], "quick", "{r:#}");
    assert_eq!(r["checked_now"], Value::Bool(false), "{r:#}");
    assert_eq!(
        r["bytes"].as_u64(),
        Some(std::fs::metadata(&target).unwrap().len()),
        "{r:#}"
    );
    assert!(r["seconds"].as_f64().is_some_and(|s| s > 0.0), "{r:#}");
    assert_eq!(dump(&target), before);

    // --check full: integrity_check, schema and row counts on the restored file too.
    let target = fx.path().join("checked.db");
    let r = fx
        .run(&[
            "restore",
            "latest",
            "--to",
            p(&target),
            "--check",
            "full",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(r["integrity_check"], "full", "{r:#}");
    assert_eq!(r["checked_now"], Value::Bool(true), "{r:#}");
    assert_eq!(dump(&target), before);

    // A person reads which check vouches for the file, and what was done in how long.
    let target = fx.path().join("read.db");
    let mut c = fx.cmd();
    c.env_remove("EQVAULT_LANG")
        .args(["restore", "latest", "--to", p(&target)]);
    let run = common::Run::of(c.output().unwrap()).ok();
    assert!(
        run.stdout.contains("quick_check đạt khi sao lưu") && run.stdout.contains("đã xử lý 1 tệp"),
        "{}",
        run.stdout
    );
    let target = fx.path().join("read-en.db");
    let run = fx
        .run(&["restore", "latest", "--to", p(&target), "--lang", "en"])
        .ok();
    assert!(
        run.stdout.contains("quick_check ok at backup") && run.stdout.contains("processed 1 file"),
        "{}",
        run.stdout
    );
    for w in ["phục hồi", "tệp", "khớp"] {
        assert!(!run.stdout.contains(w), "{w} in English: {}", run.stdout);
    }
    // Anything but `full` is a usage error that writes nothing.
    let target = fx.path().join("never.db");
    fx.run(&["restore", "latest", "--to", p(&target), "--check", "quick"])
        .code(2);
    assert!(!target.exists());
}

#[test]
fn restore_refuses_an_object_longer_than_its_signed_metadata_and_puts_nothing_in_place() {
    let fx = backed_up();
    let object = only_object(&fx.store);
    // The right object with more after it: the signed size and hash no longer match.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&object)
        .unwrap();
    std::io::Write::write_all(&mut f, &[0u8; 4096]).unwrap();
    drop(f);
    let target = fx.path().join("restored.db");
    let run = fx.run(&["restore", "latest", "--to", p(&target)]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("object_sha256") && run.stderr.contains("longer than"),
        "{}",
        run.stderr
    );
    assert!(!target.exists(), "nothing is put in place");
    let leftovers: Vec<_> = std::fs::read_dir(fx.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".eqvault-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn object_without_metadata_is_never_listed_or_restored() {
    let fx = Fixture::new();
    fx.config_local();
    let first = fx
        .run(&["backup", "--json", "--at", "2025-01-10T01:00:00Z"])
        .ok()
        .json();
    let first_dump = source_dump(&fx);
    rusqlite::Connection::open(&fx.db)
        .unwrap()
        .execute(
            "INSERT INTO equipment_usage VALUES (4, 'TB00300001', '79761003', 'NV0002', '7A4', '2025-01-20', 2)",
            [],
        )
        .unwrap();
    let second = fx
        .run(&["backup", "--json", "--at", "2025-02-10T01:00:00Z"])
        .ok()
        .json();
    assert_ne!(dump(&fx.db), first_dump);
    let second_id = second["id"].as_str().unwrap();
    let objects = files_ending(&fx.store, ".tar.zst.age");
    assert_eq!(objects.len(), 2);
    let incomplete = objects
        .iter()
        .find(|o| o.to_string_lossy().contains(second_id))
        .expect("the second object");
    // An upload cut off before its metadata was written.
    std::fs::remove_file(metadata_of(incomplete)).unwrap();

    let list = fx.run(&["snapshots", "--json"]).ok().json();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first["id"].as_str().unwrap()]);

    let target = fx.path().join("restored.db");
    // This host saw the second backup complete (issue 25): its metadata gone,
    // `latest` refuses to roll back to the first without a word, naming it.
    fx.run(&["restore", "latest", "--to", p(&target)])
        .code(2)
        .stderr_has(&[second_id, "forget"]);
    fx.run(&["forget", second_id]).ok();
    let r = restore(&fx, "latest", &target);
    assert_eq!(r["id"], first["id"]);
    assert_eq!(dump(&target), first_dump);

    let run = fx.run(&["restore", second_id, "--to", p(&fx.path().join("r2.db"))]);
    run.code(2).stderr_has(&["eqvault snapshots"]);
}

// ---- identities ------------------------------------------------------------------

#[test]
fn identity_is_0600_and_a_world_readable_one_is_refused() {
    let fx = Fixture::new();
    assert_eq!(
        mode_of(&fx.identity),
        0o600,
        "init writes the identity 0600"
    );
    fx.config_local();
    fx.backup();
    chmod(&fx.identity, 0o644);
    let before = world(&fx);
    let target = fx.path().join("restored.db");
    let run = fx.run(&["restore", "latest", "--to", p(&target)]);
    assert_refused_without_change(&fx, &before, run, &["chmod 600"]);
    assert!(!target.exists());
    let run = fx.run(&["verify", "--read-data"]);
    assert_refused_without_change(&fx, &before, run, &["chmod 600"]);

    chmod(&fx.identity, 0o600);
    restore(&fx, "latest", &target);
    assert_eq!(dump(&target), source_dump(&fx));
}

#[test]
fn s3_server_down_of_two_stores_exits_1_and_keeps_the_local_copy() {
    let fx = Fixture::new();
    let mut server = S3Server::start(&fx.path().join("s3"));
    fx.config_local_s3(&server, "eq");
    server.stop();
    let run = fx.run(&["backup", "--json"]).code(1);
    let url = format!("s3://{BUCKET}/eq");
    assert!(
        run.stderr.contains(&url),
        "stderr does not name the failed store:\n{}",
        run.stderr
    );
    let b = run.json();
    assert_eq!(b["stores"][0]["ok"], Value::Bool(true));
    assert_eq!(b["stores"][1]["ok"], Value::Bool(false));
    assert_eq!(b["stores"][1]["url"].as_str(), Some(url.as_str()));
    assert_no_private_temp(&fx);

    fx.config_local();
    let target = fx.path().join("restored.db");
    restore(&fx, "latest", &target);
    assert_eq!(dump(&target), source_dump(&fx));
}

#[test]
fn s3_store_refusing_or_down_is_named_and_nothing_changes() {
    let fx = Fixture::new();
    let s3root = fx.path().join("s3");
    let mut server = S3Server::start(&s3root);
    let url = format!("s3://{BUCKET}/eq");

    // Wrong credentials: the server answers 403.
    fx.config_s3(&server, "eq");
    let text = std::fs::read_to_string(&fx.config).unwrap();
    std::fs::write(&fx.config, text.replace(SECRET_KEY, "not-the-secret")).unwrap();
    let before = world(&fx);
    let run = fx.run(&["backup"]);
    let run = assert_refused_without_change(&fx, &before, run, &[&url, "credentials"]);
    assert!(
        !run.stderr.contains("not-the-secret"),
        "the secret reached stderr:\n{}",
        run.stderr
    );

    // The server is down: unreachable.
    fx.config_s3(&server, "eq");
    server.stop();
    let before = world(&fx);
    let run = fx.run(&["backup"]);
    assert_refused_without_change(&fx, &before, run, &[&url, "did not answer"]);
}
