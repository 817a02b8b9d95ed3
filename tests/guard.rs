//! Issue 32: a backup that sees the data vanish keeps the last good copy and
//! says so. Real demo databases (the reference schema), real backups to a
//! local store, real SQL deletions between them.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// A fixture backing up a demo database (a few MB, the reference schema).
fn demo(fx: &Fixture) -> PathBuf {
    let db = demo_database(&fx.path().join("demo"));
    fx.write_config_with(&db, "30s", &[StoreSpec::Local(fx.store.clone())]);
    db
}

fn sql(db: &Path, text: &str) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch(text).unwrap();
}

fn count(db: &Path, table: &str) -> u64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// `backup --json ARGS`, each a minute after the last (ids are per second:
/// two backups in one second would order by their random suffix).
fn backup(fx: &Fixture, args: &[&str], code: i32) -> serde_json::Value {
    static N: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let k = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let at = (chrono::Utc::now() - chrono::Duration::minutes(120 - k)).to_rfc3339();
    let mut a = vec!["backup", "--json", "--at", &at];
    a.extend_from_slice(args);
    fx.run(&a).code(code).json()
}

/// A file named `name` anywhere under `root`.
fn find(root: &Path, name: &str) -> Option<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy() == name)
        .map(walkdir::DirEntry::into_path)
}

/// 60 % of the equipment rows deleted between two backups: the new snapshot
/// is stored and marked suspect (signed metadata), the previous one is held
/// (signed), backup exits 1 naming the table and the figures; `status` exits
/// 1, `restore latest` and `drill latest` name both snapshots and pick
/// neither, until `guard ack`.
#[test]
fn sixty_percent_of_the_equipment_deleted_holds_the_last_good_copy_until_acknowledged() {
    let fx = Fixture::new();
    let db = demo(&fx);
    let before = count(&db, "equipment");
    assert!(before > 100, "the demo has {before} items");
    let good = backup(&fx, &[], 0)["id"].as_str().unwrap().to_string();
    sql(&db, "DELETE FROM equipment WHERE rowid % 5 < 3;");
    let after = count(&db, "equipment");

    let v = backup(&fx, &[], 1);
    let bad = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["held"], good.as_str(), "{v:#}");
    let s = &v["suspect"];
    assert_eq!(s["previous"], good.as_str(), "{v:#}");
    let t = s["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "equipment")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(
        (t["before"].as_u64(), t["after"].as_u64()),
        (Some(before), Some(after))
    );
    assert!(
        s["identifiers_gone"].as_u64().unwrap() >= before - after - 1,
        "{v:#}"
    );
    // The mark is in the signed metadata; the hold is a signed record.
    let meta = find(&fx.store, &format!("{bad}.json")).unwrap();
    assert!(
        std::fs::read_to_string(&meta)
            .unwrap()
            .contains("\"suspect\"")
    );
    assert!(find(&fx.store, &format!("{bad}.json.sig")).is_some());
    let hold = find(&fx.store, &format!("{good}.json"))
        .into_iter()
        .chain(
            walkdir::WalkDir::new(&fx.store)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| {
                    e.path().to_string_lossy().contains("/holds/")
                        && e.file_name().to_string_lossy() == format!("{good}.json")
                })
                .map(walkdir::DirEntry::into_path),
        )
        .find(|p| p.to_string_lossy().contains("/holds/"))
        .unwrap_or_else(|| panic!("no hold on {good}"));
    let reason = std::fs::read_to_string(&hold).unwrap();
    assert!(
        reason.contains("dữ liệu giảm bất thường") && reason.contains("equipment"),
        "{reason}"
    );

    // Said in words too (Vietnamese by default).
    let run = Run::of(
        eqvault()
            .env_remove("EQVAULT_LANG")
            .arg("--config")
            .arg(&fx.config)
            .arg("status")
            .output()
            .unwrap(),
    )
    .code(1);
    assert!(
        run.stdout.contains("nghi vấn") || run.stderr.contains("nghi vấn"),
        "{run:?}"
    );

    // Nothing picks the suspect snapshot silently.
    let target = fx.path().join("restored.db");
    let run = fx
        .run(&["restore", "latest", "--to", target.to_str().unwrap()])
        .code(2);
    assert!(
        run.stderr.contains(&bad) && run.stderr.contains(&good) && run.stderr.contains("suspect"),
        "{}",
        run.stderr
    );
    assert!(!target.exists());
    fx.run(&["drill", "latest"]).code(2);
    // The last good copy, by its id, restores whole.
    fx.run(&["restore", &good, "--to", target.to_str().unwrap()])
        .ok();
    assert_eq!(count(&target, "equipment"), before);
    // The next night, with the damage still there: suspect again, compared with the good one.
    let v = backup(&fx, &[], 1);
    assert_eq!(v["suspect"]["previous"], good.as_str(), "{v:#}");
    let again = v["id"].as_str().unwrap().to_string();

    // Acknowledged (a planned clean-up after all): status is clean, latest is latest.
    fx.run(&["guard", "ack", &bad, "--reason", "dọn dữ liệu thử nghiệm"])
        .ok();
    fx.run(&["guard", "ack", &again, "--reason", "dọn dữ liệu thử nghiệm"])
        .ok();
    fx.run(&["status"]).ok();
    let other = fx.path().join("latest.db");
    fx.run(&["restore", "latest", "--to", other.to_str().unwrap()])
        .ok();
    assert_eq!(count(&other, "equipment"), after);
    // And the next backup compares with the acknowledged one: no drop, no mark.
    let v = backup(&fx, &[], 0);
    assert!(v.get("suspect").is_none(), "{v:#}");
    // A store added later gets the acknowledgements (and the hold) from sync.
    let b = fx.path().join("store-b");
    std::fs::create_dir(&b).unwrap();
    fx.run(&["store", "add", b.to_str().unwrap(), "--create-store"])
        .ok();
    fx.run(&["sync"]).ok();
    for name in [format!("{bad}.json"), format!("{bad}.json.sig")] {
        assert!(
            walkdir::WalkDir::new(&b)
                .into_iter()
                .filter_map(Result::ok)
                .any(|e| e.path().to_string_lossy().contains("/guard/")
                    && e.file_name().to_string_lossy() == name),
            "sync did not copy guard/{name}"
        );
    }
}

/// A planned deletion announced with `--expect-drop` passes quietly.
#[test]
fn a_planned_drop_with_expect_drop_passes_quietly() {
    let fx = Fixture::new();
    let db = demo(&fx);
    backup(&fx, &[], 0);
    sql(&db, "DELETE FROM equipment_usage WHERE rowid % 2 = 0;");
    let v = backup(&fx, &["--expect-drop"], 0);
    assert!(
        v.get("suspect").is_none() && v.get("held").is_none(),
        "{v:#}"
    );
    fx.run(&["status"]).ok();
}

/// Ordinary work never trips the guard: a day's and a term's worth of new
/// items, uses, changes and status updates between two backups.
#[test]
fn ordinary_work_never_trips_the_guard() {
    let fx = Fixture::new();
    let db = demo(&fx);
    backup(&fx, &[], 0);
    let work = |k: &str, n: u32| {
        format!(
            "INSERT INTO equipment (equipment_id, school_id, catalog_code, name, subject, grade, unit, quantity, source, year_in_use, location, condition, created_at, updated_at)
               SELECT 'N{k}-' || equipment_id, school_id, catalog_code, name, subject, grade, unit, quantity, source, 2026, location, 'good', '2026-12-05T08:00:00+07:00', '2026-12-05T08:00:00+07:00' FROM equipment LIMIT {items};
             INSERT INTO equipment_usage (equipment_id, school_id, staff_id, class_name, used_on, lesson_periods)
               SELECT equipment_id, school_id, NULL, '7A1', '2026-12-05', 1 FROM equipment LIMIT {uses};
             INSERT INTO equipment_changes (equipment_id, school_id, kind, occurred_on, recorded_at, recorded_by)
               SELECT equipment_id, school_id, 'condition_changed', '2026-12-05', '2026-12-05T09:00:00+07:00', NULL FROM equipment LIMIT {changes};
             UPDATE equipment SET condition = 'damaged', updated_at = '2026-12-05T09:00:00+07:00' WHERE rowid % {every} = 0;
             UPDATE equipment SET condition = 'disposed', updated_at = '2026-12-05T09:00:00+07:00' WHERE rowid % {every} = 1;",
            items = 5 * n,
            uses = 200 * n,
            changes = 20 * n,
            every = 200 / n.min(100)
        )
    };
    // A day.
    sql(&db, &work("d", 1));
    let v = backup(&fx, &[], 0);
    assert!(v.get("suspect").is_none(), "{v:#}");
    // A term (about 90 school days).
    sql(&db, &work("t", 90));
    let v = backup(&fx, &[], 0);
    assert!(v.get("suspect").is_none(), "{v:#}");
    fx.run(&["status"]).ok();
}

/// The scheduled backup that trips the guard fails loudly: an alert email
/// reaches a real SMTP server with the table and the counts in Vietnamese,
/// and the ping's fail URL is called.
#[test]
fn a_tripped_guard_alerts_by_email_and_the_fail_ping_in_vietnamese() {
    use std::time::Duration;
    let fx = Fixture::new();
    let db = demo(&fx);
    let inbox = fx.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let mut smtp = PyChild::spawn(SMTP_SINK_PY, &[&inbox.to_string_lossy()]);
    let port: u16 = smtp
        .line()
        .trim()
        .parse()
        .expect("aiosmtpd prints its port");
    let web = Receiver::start();
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str(&format!(
        "\n[office]\nname = \"Sở Giáo dục và Đào tạo TP.HCM\"\n\
         [schedule]\nbackup = {{ cron = \"0 30 1 * * *\", ping_fail = \"{}\" }}\n\
         [alerts.email]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
         from = \"eqvault <eqvault@localhost>\"\nto = [\"it@sgddt.example.vn\"]\n",
        web.url("/ping/tok/fail"),
    ));
    std::fs::write(&fx.config, cfg).unwrap();
    fx.run(&["schedule", "run", "backup"]).ok();
    sql(&db, "DELETE FROM equipment WHERE rowid % 5 < 3;");
    let r = fx.run(&["schedule", "run", "backup"]).code(1);
    assert!(r.stdout.contains("backup"), "{r:?}");
    wait_until(Duration::from_secs(20), "the alert email", || {
        !mails(&inbox).is_empty()
    });
    let m = mails(&inbox);
    let body = m[0]["body"].as_str().unwrap();
    assert!(
        body.contains("DỮ LIỆU GIẢM BẤT THƯỜNG")
            && body.contains("equipment")
            && body.contains("−60 %"),
        "{body}"
    );
    wait_until(Duration::from_secs(20), "the fail ping", || {
        web.seen().iter().any(|(_, p, _)| p == "/ping/tok/fail")
    });
}

/// The live database overwritten with random bytes (ransomware): backup
/// exits 2 naming it, nothing is stored, and the last good snapshot is held.
#[test]
fn a_database_overwritten_with_random_bytes_is_named_and_the_last_good_copy_held() {
    let fx = Fixture::new();
    let db = demo(&fx);
    let good = backup(&fx, &[], 0)["id"].as_str().unwrap().to_string();
    let n = std::fs::metadata(&db).unwrap().len() as usize;
    let noise: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    std::fs::write(&db, noise).unwrap();
    let run = fx.run(&["backup"]).code(2);
    assert!(
        run.stderr.contains(&db.to_string_lossy().into_owned())
            && run.stderr.contains("not a SQLite database")
            && run
                .stderr
                .contains(&format!("the last good snapshot {good} is held")),
        "{}",
        run.stderr
    );
    let listed = fx.run(&["snapshots", "--json"]).ok().json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed:#}");
    let hold = walkdir::WalkDir::new(&fx.store)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| {
            e.path().to_string_lossy().contains("/holds/")
                && e.file_name().to_string_lossy() == format!("{good}.json")
        });
    assert!(hold.is_some(), "no hold on {good}");
}
