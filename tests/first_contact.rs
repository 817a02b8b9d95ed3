//! First contact (issue 15): what a new administrator does by mistake must not hurt the live
//! system or mislead. Through the real binary: `init` with relative paths, `restore` onto a
//! folder or onto a database an application has open, real signals to a real backup (the
//! clear copy and the upload parts go), errors that name the right thing, the log file.

mod common;
mod proving;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use proving::*;

// ---- init ----------------------------------------------------------------------------------

#[test]
fn init_with_relative_paths_writes_a_config_that_works_from_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    std::fs::create_dir_all(w.join("data")).unwrap();
    create_equipment_db(&w.join("data/equipment.db"));
    run_of(eqvault().current_dir(w).args([
        "init",
        "--db",
        "data/equipment.db",
        "--store",
        "stores/a",
        "--dir",
        "conf",
        "--create-store",
        "--office-name",
        "Phòng Giáo dục và Đào tạo Quận 1",
        "--office-code",
        "PGD-Q1",
    ]))
    .ok();
    assert!(
        w.join("stores/a").is_dir(),
        "the store is where it was typed from"
    );
    assert!(
        !w.join("conf/stores").exists(),
        "not under the config's folder"
    );
    let cfg: toml::Value =
        toml::from_str(&std::fs::read_to_string(w.join("conf/eqvault.toml")).unwrap()).unwrap();
    assert_eq!(
        cfg["office"]["name"].as_str(),
        Some("Phòng Giáo dục và Đào tạo Quận 1")
    );
    assert_eq!(cfg["office"]["code"].as_str(), Some("PGD-Q1"));
    // From another folder altogether, the same config backs up the same database.
    run_of(
        eqvault()
            .current_dir("/")
            .arg("--config")
            .arg(w.join("conf/eqvault.toml"))
            .args(["backup", "--json"]),
    )
    .ok();
    assert_eq!(files_ending(&w.join("stores/a"), ".tar.zst.age").len(), 1);
}

#[test]
fn init_refuses_a_database_that_is_not_sqlite_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "Danh mục thiết bị\n").unwrap();
    let o = eqvault()
        .arg("init")
        .arg("--db")
        .arg(&notes)
        .arg("--store")
        .arg(dir.path().join("store"))
        .arg("--dir")
        .arg(dir.path().join("conf"))
        .arg("--create-store")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a SQLite database"));
    assert!(!dir.path().join("conf").exists() && !dir.path().join("store").exists());
}

// ---- restore: a folder, an open database ----------------------------------------------------

fn backed_up() -> Fixture {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    fx
}

#[test]
fn restore_to_a_folder_is_refused_with_or_without_a_trailing_slash_and_changes_nothing() {
    let fx = backed_up();
    let folder = fx.path().join("app-data");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("keep.txt"), b"the application's files").unwrap();
    let typed = [
        p(&folder).to_string(),
        format!("{}/", p(&folder)),
        format!("{}/", p(&fx.path().join("not-yet"))),
    ];
    for to in &typed {
        for force in [false, true] {
            let mut args = vec!["restore", "latest", "--to", to.as_str()];
            if force {
                args.push("--force");
            }
            fx.run(&args).code(2).stderr_has(&[
                "is a folder",
                "give --to a file path",
                "nothing was changed",
            ]);
            // The same in Vietnamese, the default.
            let mut c = fx.cmd();
            c.env_remove("EQVAULT_LANG").args(&args);
            let o = c.output().unwrap();
            let e = String::from_utf8_lossy(&o.stderr);
            assert!(
                e.contains("là một thư mục") && e.contains("không có gì bị thay đổi"),
                "{e}"
            );
        }
    }
    assert!(folder.is_dir());
    assert_eq!(names_in(&folder), ["keep.txt"]);
    assert!(!fx.path().join("not-yet").exists());
    let beside: Vec<String> = names_in(fx.path())
        .into_iter()
        .filter(|n| n.contains("before-restore") || n.starts_with(".eqvault-restore"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

/// Opens the database in `journal_mode`, reads it, prints `open`, and keeps it open
/// (idle, no transaction) until stdin closes.
const HOLD_OPEN_PY: &str = r#"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=" + sys.argv[2]).fetchall()
c.execute("SELECT count(*) FROM schools").fetchall()
print("open", flush=True)
sys.stdin.read()
c.close()
"#;

fn refused_while_open(journal_mode: &str) {
    let fx = backed_up();
    let app = fx.path().join("app");
    std::fs::create_dir(&app).unwrap();
    let live = app.join("live.db");
    create_equipment_db(&live);
    let mut holder = PyChild::spawn(HOLD_OPEN_PY, &[p(&live), journal_mode]);
    assert_eq!(holder.line(), "open");
    let before = tree(&app);

    let run = fx
        .run(&["restore", "latest", "--to", p(&live), "--force"])
        .code(2)
        .stderr_has(&["stop the application first", "--even-if-open", "python3"]);
    let mut c = fx.cmd();
    c.env_remove("EQVAULT_LANG")
        .args(["restore", "latest", "--to", p(&live), "--force"]);
    let vi = String::from_utf8_lossy(&c.output().unwrap().stderr).into_owned();
    assert!(
        vi.contains("đang được một tiến trình khác mở") && vi.contains("dừng"),
        "{vi}"
    );
    assert!(run.stderr.contains(p(&live)), "{}", run.stderr);
    assert_eq!(tree(&app), before, "the open database was touched");

    // Told to, it proceeds (the old file is kept aside as always).
    fx.run(&[
        "restore",
        "latest",
        "--to",
        p(&live),
        "--force",
        "--even-if-open",
    ])
    .ok();
    assert!(app.join("live.db.before-restore").is_file());
    assert_eq!(holder.finish(), Some(0));

    // Once the application is gone, no flag is needed: the check sees no one.
    fx.run(&["restore", "latest", "--to", p(&live), "--force"])
        .ok();
}

#[test]
fn restore_over_a_database_open_in_wal_mode_by_another_process_is_refused() {
    refused_while_open("wal");
}

#[test]
fn restore_over_a_database_open_in_rollback_mode_by_another_process_is_refused() {
    refused_while_open("delete");
}

// ---- signals -----------------------------------------------------------------------------

fn send(child: &std::process::Child, sig: &str) {
    let s = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill(1)");
    assert!(s.success());
}

fn wait_exit(run: &mut Running, limit: Duration) -> Option<i32> {
    let t = Instant::now();
    loop {
        if let Some(s) = run.child.try_wait().unwrap() {
            return s.code();
        }
        assert!(t.elapsed() < limit, "eqvault did not exit within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `sig` and waits for the exit: (its code, every stderr line).
fn stop_with(run: &mut Running, sig: &str) -> (Option<i32>, String) {
    send(&run.child, sig);
    let got = wait_exit(run, Duration::from_secs(30));
    while run.wait_for_line("", Duration::from_millis(200)) {}
    (got, run.seen.join("\n"))
}

/// Upload parts an S3 test server holds: multipart uploads begun and not completed or aborted.
fn s3_parts(root: &Path) -> Vec<PathBuf> {
    files_under(root)
        .into_iter()
        .filter(|f| {
            let n = f.file_name().unwrap().to_string_lossy();
            n.starts_with(".upload") || n.contains(".internal.part")
        })
        .collect()
}

/// The multipart state left on the S3 server once it has let go of the
/// request a stop cut off. s3s-fs writes a part to `.tmp.N.internal.part` and
/// removes it when it drops the request, which it does when it notices the
/// closed connection: on a loaded machine, after eqvault has exited. That
/// file is the test server's own scratch; what eqvault answers for (the
/// `.upload…` state its abort removes) is checked at once.
fn s3_parts_left(root: &Path) -> Vec<PathBuf> {
    let internal = |f: &PathBuf| f.to_string_lossy().contains(".internal.part");
    let t = std::time::Instant::now();
    while t.elapsed() < Duration::from_secs(10) && s3_parts(root).iter().any(internal) {
        std::thread::sleep(Duration::from_millis(50));
    }
    s3_parts(root)
}

fn local_parts(store: &Path) -> Vec<PathBuf> {
    files_under(store)
        .into_iter()
        .filter(|f| f.to_string_lossy().contains('#'))
        .collect()
}

/// What a backup stopped by `sig` while `phase` must leave: nothing.
fn backup_stopped_by(sig: &str, code: i32, during_upload: bool) {
    let fx = Fixture::new();
    let marker = format!("clear-marker-{}", random_marker(16));
    grow_db(&fx.db, 96, &marker);
    let server = S3Server::start(&fx.path().join("s3"));
    fx.config_local_s3(&server, "eq");
    let stored_before = (stored_files(&fx.store), files_ending(server.root(), ".age"));

    let mut run = Running::start(&fx, &["backup"]);
    if during_upload {
        assert!(run.wait_for_line("consistent copy done", Duration::from_secs(60)));
        // Parts in both stores: the signal reaches uploads really under way.
        wait_until(
            Duration::from_secs(60),
            "upload parts in both stores",
            || !s3_parts(server.root()).is_empty() && !local_parts(&fx.store).is_empty(),
        );
    } else {
        // The clear copy is being written.
        wait_until(Duration::from_secs(60), "the clear copy", || {
            fx.private_temp_leftovers()
                .iter()
                .any(|d| d.join("database.sqlite").exists())
        });
    }
    let (got, stderr) = stop_with(&mut run, sig);
    assert_eq!(got, Some(code), "{stderr}");
    assert!(
        stderr.contains(&format!("stopped by SIG{sig}"))
            && stderr.contains("no snapshot was stored"),
        "{stderr}"
    );

    let clear = files_containing(&fx.state_dir(), marker.as_bytes());
    assert!(
        clear.is_empty(),
        "a clear copy survived the signal: {clear:?}"
    );
    assert!(
        fx.private_temp_leftovers().is_empty(),
        "{:?}",
        fx.private_temp_leftovers()
    );
    assert_eq!(
        local_parts(&fx.store),
        Vec::<PathBuf>::new(),
        "staged parts left"
    );
    assert_eq!(
        s3_parts_left(server.root()),
        Vec::<PathBuf>::new(),
        "multipart upload left"
    );
    assert_eq!(
        (stored_files(&fx.store), files_ending(server.root(), ".age")),
        stored_before,
        "something was stored"
    );
    assert!(listed_ids(&fx).is_empty());
    // And the next backup works.
    fx.backup();
}

#[test]
fn sigint_during_a_backup_upload_aborts_both_stores_and_removes_the_clear_copy() {
    backup_stopped_by("INT", 130, true);
}

#[test]
fn sigterm_during_a_backup_upload_aborts_both_stores_and_removes_the_clear_copy() {
    backup_stopped_by("TERM", 143, true);
}

#[test]
fn sigterm_during_the_consistent_copy_removes_it() {
    backup_stopped_by("TERM", 143, false);
}

#[test]
fn sighup_during_a_restore_leaves_the_target_as_it_was_and_no_decrypted_copy() {
    let fx = Fixture::new();
    let marker = format!("clear-marker-{}", random_marker(16));
    grow_db(&fx.db, 96, &marker);
    fx.config_local();
    fx.backup();
    let app = fx.path().join("app");
    std::fs::create_dir(&app).unwrap();
    let live = app.join("live.db");
    create_equipment_db(&live);
    let before = tree(&app);
    let mut run = Running::start(&fx, &["restore", "latest", "--to", p(&live), "--force"]);
    // The decrypted database is being written beside the target.
    wait_until(Duration::from_secs(60), "the decrypted copy", || {
        names_in(&app)
            .iter()
            .filter(|n| n.starts_with(".eqvault-restore-"))
            .any(|n| {
                std::fs::metadata(app.join(n).join("database.sqlite"))
                    .is_ok_and(|m| m.len() > 1 << 20)
            })
    });
    let (got, stderr) = stop_with(&mut run, "HUP");
    assert_eq!(got, Some(129), "{stderr}");
    assert!(stderr.contains("nothing was restored"), "{stderr}");
    assert_eq!(tree(&app), before, "the target or its folder changed");
    assert!(files_containing(&app, marker.as_bytes()).is_empty());
    assert_eq!(names_in(&app), ["live.db"]);
}

// ---- errors name the right thing -------------------------------------------------------------

#[test]
fn a_full_state_folder_is_named_as_the_state_folder_not_the_live_database() {
    let fx = Fixture::new();
    grow_db(&fx.db, 4, "state-full");
    let disk = match SmallDisk::mount(&fx.path().join("small"), "8m") {
        Ok(d) => d,
        Err(why) => {
            proving::cannot_set_up("a_full_state_folder", &why);
            return;
        }
    };
    let state = disk.dir.join("state");
    fx.config_local();
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str(&format!("\n[state]\ndir = {:?}\n", p(&state)));
    std::fs::write(&fx.config, cfg).unwrap();
    let _filler = disk.fill_to(1 << 20);
    let run = fx.run(&["backup"]).code(2).stderr_has(&[
        p(&state),
        "[state] dir",
        "make room there",
        "MiB",
        "the live database was not changed",
        "thư mục trạng thái",
    ]);
    assert!(
        !run.stderr
            .contains(&format!("SQLite error on {}", p(&fx.db))),
        "{}",
        run.stderr
    );
    assert!(files_ending(&fx.store, ".age").is_empty());
}

#[test]
fn a_state_folder_that_cannot_be_made_is_named_with_what_to_do() {
    let fx = Fixture::new();
    fx.config_local();
    let blocker = fx.path().join("not-a-folder");
    std::fs::write(
        &blocker,
        b"a file where the state folder's parent should be",
    )
    .unwrap();
    let state = blocker.join("state");
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str(&format!("\n[state]\ndir = {:?}\n", p(&state)));
    std::fs::write(&fx.config, cfg).unwrap();
    fx.run(&["backup"])
        .code(2)
        .stderr_has(&[p(&state), "[state] dir", "writable"]);
}

/// A config whose only store is an S3 store on `server` without any credentials.
fn s3_without_credentials(fx: &Fixture, server: &S3Server) {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let t = format!(
        "[database]\npath = {}\n\n[[store]]\nurl = {}\nendpoint = {}\nregion = \"us-east-1\"\nallow_http = true\nmax_retries = 0\n\n\
         [encryption]\nrecipients = [{}]\nidentity = {}\n\n{}",
        q(p(&fx.db)),
        q(&format!("s3://{BUCKET}/eq")),
        q(&server.endpoint()),
        q(&fx.recipient),
        q(p(&fx.identity)),
        fx.signing_section()
    );
    std::fs::write(&fx.config, t).unwrap();
}

#[test]
fn an_s3_store_without_credentials_says_so_and_where_they_are_read_from() {
    let fx = Fixture::new();
    let server = S3Server::start(&fx.path().join("s3"));
    s3_without_credentials(&fx, &server);
    let t = Instant::now();
    for args in [&["backup"][..], &["snapshots"][..]] {
        let run = fx.run(args).code(2).stderr_has(&[
            "no credentials",
            "access_key_id",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ]);
        assert!(!run.stderr.contains("169.254"), "{args:?}: {}", run.stderr);
    }
    // `store add` reports the marker it could not write (exit 1), with the same reason.
    let run = fx
        .run(&["store", "add", &format!("s3://{BUCKET}/eq")])
        .code(1);
    assert!(
        run.stdout.contains("no credentials") && run.stdout.contains("AWS_ACCESS_KEY_ID"),
        "{}",
        run.stdout
    );
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert!(files_ending(server.root(), ".age").is_empty());
}

#[test]
fn s3_with_one_slash_is_refused_with_the_right_spelling_not_taken_for_a_folder() {
    let fx = Fixture::new();
    let o = eqvault()
        .current_dir(fx.path())
        .args(["init", "--db"])
        .arg(&fx.db)
        .args([
            "--store",
            "s3:/backups/x",
            "--dir",
            "again",
            "--create-store",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("s3://") && e.contains("two slashes") && !e.contains("mount"),
        "{e}"
    );
    assert!(!fx.path().join("again").exists() && !fx.path().join("s3:").exists());

    fx.write_config(&[StoreSpec::Local(fx.store.clone())]);
    let cfg = std::fs::read_to_string(&fx.config).unwrap().replace(
        &format!("url = {:?}", p(&fx.store)),
        "url = \"s3:/backups/x\"",
    );
    assert!(cfg.contains("s3:/backups/x"));
    std::fs::write(&fx.config, cfg).unwrap();
    let run = fx
        .run(&["backup"])
        .code(2)
        .stderr_has(&["s3://backups/x", "two slashes"]);
    assert!(!run.stderr.contains("mount"), "{}", run.stderr);
    assert!(!fx.path().join("s3:").exists());
}

#[test]
fn after_a_store_failed_the_message_says_sync_and_sync_does_copy_it() {
    let fx = Fixture::new();
    let b = fx.path().join("store-b");
    std::fs::create_dir(&b).unwrap();
    fx.config_two_local(&fx.store, &b);
    // A file where the snapshots folder goes: store b cannot take the snapshot.
    std::fs::write(b.join("snapshots"), b"in the way").unwrap();
    let run = fx.run(&["backup"]).code(1);
    // Said once, among the stores' lines, with what to do.
    let said: Vec<&str> = run
        .stdout
        .lines()
        .chain(run.stderr.lines())
        .filter(|l| l.contains("store-b") && !l.contains(" WARN "))
        .collect();
    assert_eq!(said.len(), 1, "{run:?}");
    assert!(said[0].contains("eqvault sync"), "{run:?}");
    assert!(
        !run.stderr.contains("run `eqvault backup` again"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(b.join("snapshots")).unwrap();
    fx.run(&["sync"]).ok();
    assert_eq!(files_ending(&b, ".tar.zst.age").len(), 1);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("`sync` later copies the\nmissing snapshot over"));
}

// ---- the log file --------------------------------------------------------------------------

#[test]
fn the_configured_log_file_is_the_live_file_with_local_times_and_no_debug_text() {
    let fx = Fixture::new();
    fx.config_local();
    let logs = fx.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let live = logs.join("eqvault.log");
    // Yesterday's file: the first line of today moves it aside under yesterday's date.
    std::fs::write(&live, "yesterday's line\n").unwrap();
    let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
    std::fs::File::options()
        .write(true)
        .open(&live)
        .unwrap()
        .set_modified(yesterday.into())
        .unwrap();
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str(&format!(
        "\n[log]\nfile = {:?}\n\n[schedule]\ntimezone = \"Asia/Ho_Chi_Minh\"\n",
        p(&live)
    ));
    std::fs::write(&fx.config, cfg).unwrap();
    fx.run(&["-v", "backup"]).ok();
    fx.run(&["schedule", "run", "verify"]);

    let dated = logs.join(format!(
        "eqvault.log.{}",
        yesterday
            .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
            .format("%Y-%m-%d")
    ));
    assert_eq!(
        std::fs::read_to_string(&dated).unwrap(),
        "yesterday's line\n",
        "{:?}",
        names_in(&logs)
    );
    let text = std::fs::read_to_string(&live).unwrap();
    assert!(text.contains("consistent copy done"), "{text}");
    assert!(text.contains("job started"), "{text}");
    for line in text.lines() {
        let stamp = line.split_whitespace().next().unwrap_or("");
        let t = chrono::DateTime::parse_from_rfc3339(stamp)
            .unwrap_or_else(|e| panic!("{stamp:?} ({e}) in {line}"));
        assert_eq!(t.offset().local_minus_utc(), 7 * 3600, "{line}");
        assert!(stamp.ends_with("+07:00"), "{line}");
        for debug in ["Some(", "None", "=\""] {
            assert!(!line.contains(debug), "debug text {debug:?} in: {line}");
        }
    }
    assert_eq!(names_in(&logs).len(), 2, "{:?}", names_in(&logs));
}

// ---- README ------------------------------------------------------------------------------

/// The fields of `struct NAME { … }` in `src`, as TOML keys.
fn fields_of(src: &str, name: &str) -> Vec<String> {
    let start = src
        .find(&format!("struct {name} {{"))
        .unwrap_or_else(|| panic!("struct {name} in src/config.rs"));
    let body = &src[start..];
    let body = &body[..body.find("\n}").expect("the struct ends")];
    body.lines()
        .skip(1)
        .filter_map(|l| {
            let l = l.trim().strip_prefix("pub ").unwrap_or(l.trim());
            let (f, _) = l.split_once(": ")?;
            f.chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
                .then(|| f.to_string())
        })
        .collect()
}

#[test]
fn readme_config_reference_names_every_key_the_config_accepts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `[[store]]` is read by the store room (src/store/config.rs), `[guard]`
    // by the guard's (src/guard/mod.rs), the rest by src/config.rs.
    let src = ["src/config.rs", "src/store/config.rs", "src/guard/mod.rs"]
        .map(|f| std::fs::read_to_string(root.join(f)).unwrap())
        .join("\n");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `")).collect();
    // Every section the file has is one of these (a new one fails here first).
    let sections = fields_of(&src, "RawConfig");
    let map = [
        ("office", "Office", "[office]"),
        ("database", "RawDatabase", "[database]"),
        ("stores", "StoreConfig", "[[store]]"),
        ("encryption", "RawEncryption", "[encryption]"),
        ("signing", "RawSigning", "[signing]"),
        ("retention", "Retention", "[retention]"),
        ("drill", "Drill", "[drill]"),
        ("state", "RawState", "[state]"),
        ("policies", "RawPolicies", "[policies]"),
        ("calendar", "RawCalendar", "[calendar]"),
        ("schedule", "RawSchedule", "[schedule]"),
        ("alerts", "RawAlerts", "[alerts]"),
        ("log", "RawLog", "[log]"),
        ("archive", "ArchiveSettings", "[archive]"),
        ("guard", "Rules", "[guard]"),
    ];
    assert_eq!(
        sections,
        map.iter()
            .map(|(f, _, _)| f.to_string())
            .collect::<Vec<_>>(),
        "a section was added to RawConfig: add it here and to README"
    );
    let mut missing = Vec::new();
    let mut check = |section: &str, key: &str| {
        let named = rows.iter().any(|r| {
            let cell = r.split(" | ").next().unwrap_or("");
            cell.contains(section)
                && (cell.contains(&format!("{section} {key}`"))
                    || cell.contains(&format!("`{key}`")))
        });
        if !named {
            missing.push(format!("{section} {key}"));
        }
    };
    for (_, strukt, section) in map {
        for key in fields_of(&src, strukt) {
            match (section, key.as_str()) {
                // Its own section and rows.
                ("[alerts]", "email") => {}
                _ => check(section, &key),
            }
        }
    }
    for key in fields_of(&src, "Email") {
        check("[alerts.email]", &key);
    }
    // Job options: the schedule rows name them.
    let schedule_rows: String = readme
        .lines()
        .filter(|r| r.starts_with("| `[schedule]") || r.starts_with("| job options"))
        .collect();
    for key in fields_of(&src, "RawJob") {
        if !schedule_rows.contains(&format!("`{key}`"))
            && !schedule_rows.contains(&format!("{key} ="))
        {
            missing.push(format!("[schedule] job option {key}"));
        }
    }
    assert!(
        missing.is_empty(),
        "README's config reference lacks: {missing:?}"
    );
}

#[test]
fn readme_puts_the_binary_on_the_path_before_everyday_use() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    // Set-up runs `cargo run`, which puts nothing on the PATH: everyday use starts by doing so.
    let everyday = readme
        .find("## Everyday use")
        .expect("an Everyday use section");
    let first_use = readme[everyday..]
        .find("eqvault init")
        .expect("everyday use starts with eqvault init")
        + everyday;
    let before = &readme[everyday..first_use];
    assert!(
        before.contains("cargo install --locked --path .") && before.contains("/usr/local/bin/"),
        "no install line before everyday use:\n{before}"
    );
    assert!(
        !readme.contains("../shared/CLI.md"),
        "a clone has no ../shared"
    );
}

#[test]
fn sigint_during_a_drill_records_nothing_and_leaves_no_decrypted_copy() {
    let fx = Fixture::new();
    let marker = format!("clear-marker-{}", random_marker(16));
    grow_db(&fx.db, 96, &marker);
    fx.config_local();
    fx.backup();
    let stored = stored_files(&fx.store);
    let mut run = Running::start(&fx, &["drill", "latest"]);
    wait_until(
        Duration::from_secs(60),
        "the drill's decrypted copy",
        || {
            fx.private_temp_leftovers().iter().any(|d| {
                std::fs::metadata(d.join("database.sqlite")).is_ok_and(|m| m.len() > 1 << 20)
            })
        },
    );
    let (got, stderr) = stop_with(&mut run, "INT");
    assert_eq!(got, Some(130), "{stderr}");
    assert!(stderr.contains("no drill was recorded"), "{stderr}");
    assert_eq!(stored_files(&fx.store), stored, "a drill record was stored");
    assert!(files_containing(&fx.state_dir(), marker.as_bytes()).is_empty());
    assert!(fx.private_temp_leftovers().is_empty());
}

#[test]
fn sigterm_during_archive_add_stores_no_bag_and_leaves_no_upload_parts() {
    let fx = Fixture::new();
    let server = S3Server::start(&fx.path().join("s3"));
    fx.config_local_s3(&server, "eq");
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str("\n[office]\nname = \"Phòng Giáo dục và Đào tạo Quận 1\"\n");
    std::fs::write(&fx.config, cfg).unwrap();
    let tree = fx.path().join("Báo cáo");
    std::fs::create_dir(&tree).unwrap();
    for i in 0..4 {
        let body: Vec<u8> = (0..24 << 20).map(|_| rand::random::<u8>()).collect();
        std::fs::write(
            tree.join(format!("Báo cáo HK1 2024-2025 phần {i}.pdf")),
            body,
        )
        .unwrap();
    }
    let before = (stored_files(&fx.store), files_under(server.root()));
    let mut run = Running::start(&fx, &["archive", "add", p(&tree)]);
    wait_until(
        Duration::from_secs(60),
        "upload parts in both stores",
        || !s3_parts(server.root()).is_empty() && !local_parts(&fx.store).is_empty(),
    );
    let (got, stderr) = stop_with(&mut run, "TERM");
    assert_eq!(got, Some(143), "{stderr}");
    assert!(stderr.contains("no bag was left half-stored"), "{stderr}");
    assert_eq!(local_parts(&fx.store), Vec::<PathBuf>::new());
    assert_eq!(s3_parts_left(server.root()), Vec::<PathBuf>::new());
    assert_eq!(
        (stored_files(&fx.store), files_under(server.root())),
        before,
        "something was stored"
    );
    let listed = fx.run(&["archive", "list", "--json"]).ok().json();
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "{listed:#}");
}

#[test]
fn sigint_during_sync_aborts_the_copy_in_progress_and_leaves_no_parts() {
    let fx = Fixture::new();
    grow_db(&fx.db, 96, "sync-marker");
    fx.config_local();
    fx.backup();
    let server = S3Server::start(&fx.path().join("s3"));
    fx.config_local_s3(&server, "eq");
    let before = files_under(server.root());
    let mut run = Running::start(&fx, &["sync"]);
    wait_until(Duration::from_secs(60), "upload parts on S3", || {
        !s3_parts(server.root()).is_empty()
    });
    let (got, stderr) = stop_with(&mut run, "INT");
    assert_eq!(got, Some(130), "{stderr}");
    assert!(stderr.contains("run `eqvault sync` again"), "{stderr}");
    assert_eq!(s3_parts_left(server.root()), Vec::<PathBuf>::new());
    assert_eq!(files_under(server.root()), before, "a half copy was stored");
    // Run again, it completes.
    fx.run(&["sync"]).ok();
    assert_eq!(files_ending(server.root(), ".tar.zst.age").len(), 1);
}
