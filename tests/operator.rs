//! Issue 31: an operator is never misled. Each test is named after a case of
//! the issue and runs the binary as an administrator would.

mod common;

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
    let v = fx.run(&["doctor", "--json"]).json();
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
