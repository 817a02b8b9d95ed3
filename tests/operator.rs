//! Issue 31: an operator is never misled. Each test is named after a case of
//! the issue and runs the binary as an administrator would.

mod common;
mod proving;

use std::os::unix::fs::PermissionsExt;

use common::*;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn append(fx: &Fixture, text: &str) {
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str(text);
    std::fs::write(&fx.config, cfg).unwrap();
}

/// Another office's identity: refused before anything is downloaded, naming
/// the recipient the snapshot needs, never suggesting damaged copies.
#[test]
fn restore_with_another_identity_names_the_recipient_it_needs_before_downloading() {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    let other = tempfile::tempdir().unwrap();
    let mut c = eqvault();
    c.current_dir(other.path()).args([
        "init",
        "--store",
        "s",
        "--create-store",
        "--db",
        fx.db.to_str().unwrap(),
    ]);
    assert!(c.output().unwrap().status.success());
    let wrong = other.path().join("eqvault-identity.txt");
    let target = fx.path().join("restored.db");
    let run = fx
        .run(&[
            "restore",
            "latest",
            "--to",
            target.to_str().unwrap(),
            "--identity",
            wrong.to_str().unwrap(),
        ])
        .code(2);
    assert!(run.stderr.contains(&fx.recipient), "{}", run.stderr);
    assert!(
        run.stderr.contains("Nothing was downloaded"),
        "{}",
        run.stderr
    );
    for misleading in ["verify --all", "damaged copies", "failed its checks"] {
        assert!(
            !run.stderr.contains(misleading),
            "{misleading}: {}",
            run.stderr
        );
    }
    assert!(!target.exists());
    let left: Vec<_> = std::fs::read_dir(fx.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".eqvault-restore")
        })
        .collect();
    assert!(left.is_empty(), "a work folder was made: {left:?}");
}

/// A restored database is as private as the live one (0600 here), and a
/// forced restore keeps the mode of the file it replaces; never the umask's 0644.
#[test]
fn a_restored_database_gets_the_live_databases_mode_never_world_readable() {
    let fx = Fixture::new();
    fx.config_local();
    std::fs::set_permissions(&fx.db, std::fs::Permissions::from_mode(0o600)).unwrap();
    fx.backup();
    let fresh = fx.path().join("fresh.db");
    fx.run(&["restore", "latest", "--to", fresh.to_str().unwrap()])
        .ok();
    assert_eq!(mode(&fresh), 0o600);
    let shared = fx.path().join("shared.db");
    std::fs::write(&shared, b"old").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
    fx.run(&[
        "restore",
        "latest",
        "--to",
        shared.to_str().unwrap(),
        "--force",
    ])
    .ok();
    assert_eq!(mode(&shared), 0o640);
    // The live database gone (the server lost): 0600, not the umask's 0644.
    std::fs::remove_file(&fx.db).unwrap();
    let lost = fx.path().join("lost.db");
    fx.run(&["restore", "latest", "--to", lost.to_str().unwrap()])
        .ok();
    assert_eq!(mode(&lost), 0o600);
}

/// Config text with a control character (CR/LF in the office's name, in an
/// email address) is refused with its line and key, by every command.
#[test]
fn config_text_with_control_characters_is_refused_with_its_line() {
    let fx = Fixture::new();
    fx.config_local();
    let good = std::fs::read_to_string(&fx.config).unwrap();
    for (text, key) in [
        (
            "\n[office]\nname = \"Phòng GD\\r\\nBcc: x@evil.example\"\n",
            "office.name",
        ),
        (
            "\n[alerts.email]\nhost = \"127.0.0.1\"\ntls = \"none\"\nfrom = \"eqvault@example.org\"\nto = [\"it@example.org\\nBcc: x@evil.example\"]\n",
            "alerts.email.to",
        ),
    ] {
        std::fs::write(&fx.config, format!("{good}{text}")).unwrap();
        let lines_before = good.lines().count();
        // doctor goes on after a problem and exits 1 (its config line fails).
        for (args, code) in [(&["status"][..], 2), (&["doctor"], 1), (&["backup"], 2)] {
            let run = fx.run(args).code(code);
            let said = format!("{}{}", run.stdout, run.stderr);
            assert!(said.contains(key), "{args:?}: {said}");
            assert!(said.contains("control character"), "{said}");
            let line = said
                .split("line ")
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            assert!(
                line > lines_before,
                "{args:?}: no line after {lines_before}: {}",
                run.stderr
            );
            assert!(
                !run.stderr.contains("evil.example"),
                "the value is not echoed: {}",
                run.stderr
            );
        }
    }
}

/// `status` with a store that the last backup did not reach: exit 1, naming
/// the store and the snapshot it lacks.
#[test]
fn status_fails_when_a_store_lacks_the_newest_snapshot() {
    let fx = Fixture::new();
    let b = fx.path().join("store-b");
    std::fs::create_dir(&b).unwrap();
    // A file where store b's snapshots go: the backup reaches only store a.
    std::fs::write(b.join("snapshots"), b"in the way").unwrap();
    fx.config_two_local(&fx.store, &b);
    let id = fx.run(&["backup", "--json"]).code(1).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(b.join("snapshots")).unwrap();
    let run = fx.run(&["status"]).code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("lacks the newest snapshot") && all.contains(&id),
        "{all}"
    );
    // The two stores stand for two media: one copy breaks the copy rule too.
    assert!(
        all.contains("on 1 independent medium(s), the copy rule asks for 2"),
        "{all}"
    );
    // Once sync has copied it, status is clean again.
    fx.run(&["sync"]).ok();
    fx.run(&["status"]).ok();
}

/// With a nightly backup scheduled, a newest snapshot three days old is news:
/// the default `--max-age` is twice the interval, not three months.
#[test]
fn the_default_max_age_follows_the_schedule() {
    let fx = Fixture::new();
    fx.config_local();
    let three_days_ago = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    fx.run(&["backup", "--at", &three_days_ago]).ok();
    // No schedule: three months. (One store configured: the copy rule asks
    // for what the configured media allow; `check` judges the set-up.)
    let v = fx.run(&["status", "--json"]).ok().json();
    assert_eq!(v["stale"], false, "{v:#}");
    append(
        &fx,
        "\n[schedule]\ntimezone = \"Asia/Ho_Chi_Minh\"\nbackup = { cron = \"0 30 1 * * *\" }\n",
    );
    let run = fx.run(&["status", "--json"]).code(1);
    let v = run.json();
    assert_eq!(v["stale"], true, "{v:#}");
    assert_eq!(v["max_age"], "2days", "{v:#}");
    // Given, it wins.
    let v = fx
        .run(&["status", "--json", "--max-age", "7days"])
        .ok()
        .json();
    assert_eq!(v["stale"], false, "{v:#}");
}

/// `doctor` with no alert configured: the line warns (exit 0) and says what to add.
#[test]
fn doctor_warns_when_no_alert_is_configured() {
    let fx = Fixture::new();
    fx.config_local();
    let v = fx.run(&["doctor", "--json"]).ok().json();
    let line = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "alerts")
        .unwrap()
        .clone();
    assert_eq!(line["state"], "warn", "{line:#}");
    assert!(
        line["todo_en"].as_str().unwrap().contains("[alerts.email]"),
        "{line:#}"
    );
}

/// `store remove URL`: the store is gone from the config (no mention left),
/// nothing in it is deleted, and the last store cannot be removed.
#[test]
fn store_remove_takes_a_store_out_of_the_config_and_deletes_nothing() {
    let fx = Fixture::new();
    let b = fx.path().join("store-b");
    std::fs::create_dir(&b).unwrap();
    fx.config_two_local(&fx.store, &b);
    fx.backup();
    let files = |d: &std::path::Path| walkdir::WalkDir::new(d).into_iter().count();
    let before = files(&b);
    let run = fx.run(&["store", "remove", b.to_str().unwrap()]).ok();
    assert!(
        run.stdout.contains("nothing in the store was deleted"),
        "{}",
        run.stdout
    );
    let cfg = std::fs::read_to_string(&fx.config).unwrap();
    assert!(!cfg.contains("store-b"), "{cfg}");
    assert_eq!(files(&b), before);
    fx.run(&["backup"]).ok();
    // One store left, and status judges what is configured: store b is no
    // longer "behind".
    let run = fx.run(&["status"]).ok();
    assert!(!run.stdout.contains("store-b"), "{}", run.stdout);
    let run = fx
        .run(&["store", "remove", fx.store.to_str().unwrap()])
        .code(2);
    assert!(run.stderr.contains("only store"), "{}", run.stderr);
    let run = fx.run(&["store", "remove", "/nowhere"]).code(2);
    assert!(run.stderr.contains("is not a store of"), "{}", run.stderr);
}

/// `hold latest` holds the newest trusted snapshot.
#[test]
fn hold_latest_holds_the_newest_snapshot() {
    let fx = Fixture::new();
    fx.config_local();
    let an_hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    fx.run(&["backup", "--at", &an_hour_ago]).ok();
    let id = fx.backup()["id"].as_str().unwrap().to_string();
    let run = fx.run(&["hold", "latest", "--reason", "inspection"]).ok();
    assert!(run.stdout.contains(&format!("held {id}")), "{}", run.stdout);
    let plan = fx.run(&["prune", "--dry-run", "--json"]).ok().json();
    let kept = plan["keep"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(kept.to_string().contains("held"), "{kept:#}");
}

/// `-q`: no result lines; warnings, errors and the exit code still speak.
#[test]
fn quiet_prints_no_result_lines_but_still_warnings_and_errors() {
    let fx = Fixture::new();
    fx.config_local();
    let run = fx.run(&["backup", "-q"]).ok();
    assert_eq!(run.stdout, "", "{run:?}");
    let run = fx
        .run(&["restore", "latest", "-q", "--to", fx.db.to_str().unwrap()])
        .code(2);
    assert!(run.stderr.contains("already exists"), "{run:?}");
}

/// `check --db FILE` without `--config` reads no config lying in the folder
/// (a broken one there would otherwise stop it).
#[test]
fn check_with_db_and_no_config_reads_no_default_config() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    create_equipment_db(&db);
    std::fs::write(dir.path().join("eqvault.toml"), "[database\n").unwrap();
    let mut c = eqvault();
    c.current_dir(dir.path())
        .args(["check", "--json", "--db", db.to_str().unwrap()]);
    let o = c.output().unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // With --config it is read, and its fault said.
    let mut c = eqvault();
    c.current_dir(dir.path()).args([
        "check",
        "--config",
        "eqvault.toml",
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(c.output().unwrap().status.code(), Some(2));
}

// ---- The archive: placement advice, terms not begun, --term for a folder,
// report kinds, withdrawal.

fn office(fx: &Fixture) {
    fx.config_local();
    append(
        fx,
        "\n[office]\nname = \"Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh\"\ncode = \"79\"\n",
    );
}

fn report(dir: &std::path::Path, rel: &str) -> std::path::PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, format!("report {rel}")).unwrap();
    p
}

/// A school year that has not begun, whenever the test runs.
fn next_year() -> String {
    use chrono::Datelike;
    let y = chrono::Utc::now().year() + 1;
    format!("{y}-{}", y + 1)
}

/// The archive's advice for a file naming two terms keeps the year its folder
/// named; done exactly as said, the report lands in that year. The old
/// advice (`--term` alone) put it in the year of the file's date, a term that
/// had not begun: that is now refused unless forced.
#[test]
fn archive_advice_keeps_the_folder_year_and_a_term_not_begun_is_refused() {
    let fx = Fixture::new();
    office(&fx);
    let file = report(fx.path(), "Năm học 2024-2025/Báo cáo HK1 và HK2.xlsx");
    let folder = file.parent().unwrap().to_str().unwrap().to_string();
    let v = fx
        .run(&["archive", "add", "--json", &folder])
        .code(2)
        .json();
    let hint = v["refused"][0]["hint"].as_str().unwrap().to_string();
    assert!(
        hint.contains("--year 2024-2025 --term hk1 or --year 2024-2025 --term hk2"),
        "{v:#}"
    );
    // Done as said.
    let v = fx
        .run(&[
            "archive",
            "add",
            "--json",
            file.to_str().unwrap(),
            "--year",
            "2024-2025",
            "--term",
            "hk2",
        ])
        .ok()
        .json();
    assert_eq!(v["added"][0]["year"], "2024-2025", "{v:#}");
    assert_eq!(v["added"][0]["term"], "hk2", "{v:#}");
    // A period that has not begun: refused, naming its start and --force.
    let later = report(fx.path(), "later/Thống kê thiết bị.xlsx");
    let year = next_year();
    let args = |force: bool| {
        let mut a = vec![
            "archive".to_string(),
            "add".into(),
            later.to_str().unwrap().into(),
            "--year".into(),
            year.clone(),
            "--term".into(),
            "hk1".into(),
        ];
        if force {
            a.push("--force".into());
        }
        a
    };
    let a = args(false);
    let run = fx
        .run(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .code(2);
    assert!(
        run.stdout.contains("has not begun") && run.stdout.contains("--force"),
        "{}",
        run.stdout
    );
    assert!(!fx.run(&["archive", "list"]).ok().stdout.contains(&year));
    let a = args(true);
    fx.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    assert!(fx.run(&["archive", "list"]).ok().stdout.contains(&year));
}

/// `--term` given for a folder applies only to the files whose own names name
/// no term, and the run says which files kept their own.
#[test]
fn a_term_given_for_a_folder_applies_only_to_files_whose_names_name_none() {
    let fx = Fixture::new();
    office(&fx);
    report(fx.path(), "2024-2025/Thống kê thiết bị HK1.xlsx");
    report(fx.path(), "2024-2025/Thống kê thiết bị.xlsx");
    let folder = fx.path().join("2024-2025");
    let run = fx
        .run(&["archive", "add", folder.to_str().unwrap(), "--term", "hk2"])
        .ok();
    assert!(
        run.stdout
            .contains("--term hk2 was not applied to 1 file(s)")
            && run.stdout.contains("Thống kê thiết bị HK1.xlsx: hk1"),
        "{}",
        run.stdout
    );
    let v = fx.run(&["archive", "list", "--json"]).ok().json();
    let terms: Vec<(String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["term"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        terms.contains(&("Thống kê thiết bị HK1.xlsx".into(), "hk1".into()))
            && terms.contains(&("Thống kê thiết bị.xlsx".into(), "hk2".into())),
        "{terms:?}"
    );
}

/// A file that is none of the periodic report kinds `check` counts is
/// archived, and the run says so and how to make it count.
#[test]
fn archive_add_says_when_a_file_is_no_report_kind_the_checks_count() {
    let fx = Fixture::new();
    office(&fx);
    let not = report(fx.path(), "Báo cáo thiết bị học kì 2 2024-2025.xlsx");
    let yes = report(fx.path(), "Thống kê thiết bị HK2 2024-2025.xlsx");
    let run = fx
        .run(&[
            "archive",
            "add",
            not.to_str().unwrap(),
            yes.to_str().unwrap(),
        ])
        .ok();
    assert!(
        run.stdout
            .contains("1 added file(s) are none of the periodic reports `check` counts")
            && run.stdout.contains("“thống kê thiết bị”")
            && run.stdout.contains("report-kinds.toml"),
        "{}",
        run.stdout
    );
    let v = fx
        .run(&[
            "archive",
            "add",
            "--json",
            "--dry-run",
            not.to_str().unwrap(),
        ])
        .ok()
        .json();
    // Already archived: skipped. A copy under another name is judged afresh.
    assert_eq!(v["skipped"].as_array().unwrap().len(), 1, "{v:#}");
    let copy = report(fx.path(), "x/Tổng hợp Cả năm 2024-2025.pdf");
    let v = fx
        .run(&["archive", "add", "--json", copy.to_str().unwrap()])
        .ok()
        .json();
    assert!(v["added"][0]["kind"].is_null(), "{v:#}");
    assert_eq!(v["counted_kinds"][0], "thống kê thiết bị", "{v:#}");
    let v = fx.run(&["archive", "list", "--json"]).ok().json();
    assert_eq!(v.as_array().unwrap().len(), 3, "{v:#}");
}

/// A misfiled bag is withdrawn with a signed record: gone from `list` (and so
/// from the checks), kept in the store as evidence, still withdrawn after the
/// index is rebuilt from the store alone. A withdrawal record planted without
/// a trusted signature withdraws nothing.
#[test]
fn archive_withdraw_hides_a_misfiled_bag_and_keeps_it_as_evidence() {
    let fx = Fixture::new();
    office(&fx);
    let wrong = report(fx.path(), "a/Thống kê thiết bị.xlsx");
    let year = next_year();
    let v = fx
        .run(&[
            "archive",
            "add",
            "--json",
            wrong.to_str().unwrap(),
            "--year",
            &year,
            "--term",
            "hk2",
            "--force",
        ])
        .ok()
        .json();
    let bag = v["bags"][0]["bag"].as_str().unwrap().to_string();
    let key = v["bags"][0]["key"].as_str().unwrap().to_string();
    let other = report(fx.path(), "b/Thống kê thiết bị HK1 2024-2025.xlsx");
    let v = fx
        .run(&["archive", "add", "--json", other.to_str().unwrap()])
        .ok()
        .json();
    let kept = v["bags"][0]["bag"].as_str().unwrap().to_string();

    // No reason: refused, saying how.
    let run = fx
        .run(&["archive", "withdraw", &bag, "--reason", " "])
        .code(2);
    assert!(run.stderr.contains("--reason"), "{}", run.stderr);
    let run = fx
        .run(&[
            "archive",
            "withdraw",
            &bag,
            "--reason",
            "filed in the wrong year by mistake",
        ])
        .ok();
    assert!(
        run.stdout.contains(&format!("withdrawn bag {bag}"))
            && run.stdout.contains("stays in every store"),
        "{}",
        run.stdout
    );
    let listed = fx.run(&["archive", "list"]).ok().stdout;
    assert!(!listed.contains(&bag) && listed.contains(&kept), "{listed}");
    let w = fx
        .run(&["archive", "list", "--withdrawn", "--json"])
        .ok()
        .json();
    assert_eq!(w[0]["bag_id"], bag.as_str(), "{w:#}");
    assert_eq!(w[0]["reason"], "filed in the wrong year by mistake");
    // The bag and its signed withdrawal are in the store.
    assert!(fx.store.join(&key).is_file());
    let record = fx.store.join(key.replace(".tar.zst.age", ".withdrawal"));
    assert!(record.is_file() && fx.store.join(format!("{}.sig", record.display())).is_file());
    // Again: nothing new is written.
    let run = fx
        .run(&["archive", "withdraw", &bag, "--reason", "again"])
        .ok();
    assert!(run.stdout.contains("already withdrawn"), "{}", run.stdout);

    // A record planted for the other bag, its signature copied from this one.
    let planted_key = fx
        .store
        .join(format!("reports/2024-2025/hk1/{kept}.withdrawal"));
    let text = std::fs::read_to_string(&record)
        .unwrap()
        .replace(&bag, &kept)
        .replace(&year, "2024-2025")
        .replace("\"hk2\"", "\"hk1\"");
    std::fs::write(&planted_key, text).unwrap();
    std::fs::copy(
        format!("{}.sig", record.display()),
        format!("{}.sig", planted_key.display()),
    )
    .unwrap();
    // And a genuine record replayed, byte for byte with its signature, under
    // the other bag's name.
    let replayed = record.parent().unwrap().join(format!("{kept}.withdrawal"));
    std::fs::copy(&record, &replayed).unwrap();
    std::fs::copy(
        format!("{}.sig", record.display()),
        format!("{}.sig", replayed.display()),
    )
    .unwrap();
    // The index rebuilt from the store alone: the real withdrawal stands, neither forgery does.
    let run = fx.run(&["archive", "rebuild-index", "--json"]).ok();
    assert!(run.stdout.contains("not trusted"), "{}", run.stdout);
    assert!(
        run.stdout.contains("unreadable withdrawal record")
            && run.stdout.contains("but is stored as"),
        "{}",
        run.stdout
    );
    let listed = fx.run(&["archive", "list"]).ok().stdout;
    assert!(!listed.contains(&bag) && listed.contains(&kept), "{listed}");
    // A store added later gets the withdrawal from sync, with its signature.
    let b = fx.path().join("store-b");
    std::fs::create_dir(&b).unwrap();
    fx.run(&["store", "add", b.to_str().unwrap(), "--create-store"])
        .ok();
    fx.run(&["sync"]).ok();
    let copied = b.join(record.strip_prefix(&fx.store).unwrap());
    assert!(
        copied.is_file()
            && b.join(format!(
                "{}.sig",
                copied.strip_prefix(&b).unwrap().display()
            ))
            .is_file()
    );
    assert!(
        !b.join(planted_key.strip_prefix(&fx.store).unwrap())
            .exists()
    );
    // A bag the archive does not hold.
    fx.run(&[
        "archive",
        "withdraw",
        "20200101T000000Z-abcdef",
        "--reason",
        "x",
    ])
    .code(2);
}

/// `keys new DIR`: the signing key and an identity (0600), never over a file;
/// the lines it prints, pasted into a config written by hand, make it work
/// (what the packaged example's header asks; the package test runs the whole
/// example, scripts/check-example-config.sh).
#[test]
fn keys_new_makes_the_keys_a_hand_written_config_needs_and_never_overwrites() {
    let fx = Fixture::new();
    let dir = fx.path().join("etc");
    let run = Run::of(
        eqvault()
            .args(["--lang", "en", "keys", "new"])
            .arg(&dir)
            .output()
            .unwrap(),
    )
    .ok();
    let key = dir.join("eqvault-signing-key");
    let id = dir.join("eqvault-identity.txt");
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(&id), 0o600);
    let before = std::fs::read(&key).unwrap();
    // A new store: the fixture's own is marked by another key.
    let store = fx.path().join("store-k");
    // The printed TOML lines, pasted under a database and a store.
    let pasted: String = run
        .stdout
        .lines()
        .filter(|l| l.starts_with('[') || l.contains(" = "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(pasted.contains("[signing]") && pasted.contains("recipients = [\"age1"));
    std::fs::write(
        &fx.config,
        format!(
            "[database]\npath = {:?}\n\n[[store]]\nurl = {:?}\n\n{pasted}",
            fx.db, store
        ),
    )
    .unwrap();
    fx.run(&["store", "add", store.to_str().unwrap(), "--create-store"])
        .ok();
    fx.run(&["backup"]).ok();
    fx.run(&["doctor"]).ok();
    // Again: refused, naming the file, nothing changed.
    let run = Run::of(
        eqvault()
            .args(["--lang", "en", "keys", "new"])
            .arg(&dir)
            .output()
            .unwrap(),
    )
    .code(2);
    assert!(
        run.stderr.contains("eqvault-signing-key already exists"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&key).unwrap(), before);
}

/// A prune killed (SIGKILL) right after it removed a snapshot's metadata:
/// `status` never calls that removal someone else's ("gone, with no prune by
/// this host"): prune records each removal before it makes it.
#[test]
fn a_prune_killed_midway_leaves_status_naming_no_removal_as_someone_elses() {
    let fx = Fixture::new();
    fx.config_local();
    append(
        &fx,
        "\n[retention]\nkeep_last = 1\nkeep_daily = 0\nkeep_weekly = 0\nkeep_monthly = 0\nkeep_yearly = 0\n",
    );
    let now = chrono::Utc::now();
    for h in [4, 3, 2] {
        let at = (now - chrono::Duration::hours(h)).to_rfc3339();
        fx.run(&["backup", "--at", &at]).ok();
    }
    fx.backup();
    fx.run(&["status"]).ok();
    let mut run = proving::Running::start(&fx, &["prune"]);
    assert!(
        run.wait_for_line("metadata removed", std::time::Duration::from_secs(120)),
        "{:?}",
        run.seen
    );
    run.kill9();
    let st = fx.run(&["status"]);
    let all = format!("{}{}", st.stdout, st.stderr);
    assert!(!all.contains("no prune by this host"), "{all}");
    st.ok();
    // The prune run again finishes the work, and status stays clean.
    fx.run(&["prune"]).ok();
    fx.run(&["status"]).ok();
}

/// `sync` into a store where a folder is a planted link: the line blames the
/// link in that store, never the intact copy it copies from.
#[test]
fn sync_into_a_store_whose_folder_is_a_planted_link_blames_the_link() {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    let b = fx.path().join("store-b");
    std::fs::create_dir(&b).unwrap();
    fx.run(&["store", "add", b.to_str().unwrap(), "--create-store"])
        .ok();
    // Where store a keeps its snapshots, store b gets a link to elsewhere.
    let snapshots = walkdir::WalkDir::new(&fx.store)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name() == "snapshots" && e.file_type().is_dir())
        .unwrap()
        .into_path();
    let rel = snapshots.strip_prefix(&fx.store).unwrap();
    let elsewhere = fx.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::create_dir_all(b.join(rel).parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&elsewhere, b.join(rel)).unwrap();
    let run = fx.run(&["sync"]).code(2);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("symbolic link") && all.contains("store-b"),
        "{all}"
    );
    for wrong in ["corrupt", "damaged", "does not match", "failed its checks"] {
        assert!(!all.contains(wrong), "{wrong}: {all}");
    }
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    // The link moved away, the same sync brings store b up to date from the
    // intact source, and verify finds every copy whole.
    std::fs::remove_file(b.join(rel)).unwrap();
    fx.run(&["sync"]).ok();
    fx.run(&["verify", "--json"]).ok();
}

/// A config eqvault may not read, or that is a folder, is not a reason to
/// "create one with eqvault init": the hint says what is wrong.
#[test]
fn a_config_that_cannot_be_read_gets_the_hint_for_why() {
    let fx = Fixture::new();
    fx.config_local();
    let with_config = |config: &std::path::Path| {
        Run::of(
            eqvault()
                .arg("--config")
                .arg(config)
                .arg("status")
                .output()
                .unwrap(),
        )
    };
    let run = with_config(fx.path()).code(2);
    assert!(
        run.stderr.contains("that is a folder") && !run.stderr.contains("eqvault init"),
        "{}",
        run.stderr
    );
    // Unreadable: only meaningful when the test does not run as root.
    let root = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&fx.config).unwrap().uid() == 0
    };
    if !root {
        std::fs::set_permissions(&fx.config, std::fs::Permissions::from_mode(0o000)).unwrap();
        let run = fx.run(&["status"]).code(2);
        assert!(
            run.stderr.contains("may not read it") && !run.stderr.contains("eqvault init"),
            "{}",
            run.stderr
        );
        std::fs::set_permissions(&fx.config, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // Missing: then init is the answer.
    let run = with_config(&fx.path().join("nope.toml")).code(2);
    assert!(run.stderr.contains("eqvault init"), "{}", run.stderr);
}
