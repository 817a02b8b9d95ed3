//! Hostile store content (issue 13): nothing in a store can read, write or block outside it,
//! and partial work is reported as partial.
//!
//! Each case was tried against the eqvault before this suite and broke it: a symlink in a
//! NAS share uploaded the identity to S3, a name with terminal escapes blocked prune, a
//! killed `archive add` went unnoticed, one odd row stopped every backup, refused deletes
//! were printed as "removed", an unrecorded drill exited 0, a held typo protected nothing,
//! and secrets could only sit inline in a config anyone could read.

mod common;
mod proving;

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, Utc};
use common::*;
use eqvault::trust::Kind;
use proving::*;

/// The fixture with `store-a` and an S3 store under `eq`, backed up once.
fn local_and_s3(server: &S3Server) -> Fixture {
    // (backed up once)
    let fx = Fixture::new();
    fx.config_local_s3(server, "eq");
    fx.backup();
    fx
}

fn no_raw_escapes(r: &Run) {
    for (what, t) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        assert!(
            !t.contains('\u{1b}') && !t.contains('\u{7}'),
            "{what} carries a raw escape:\n{t}"
        );
    }
}

#[test]
fn a_symlink_planted_in_a_local_store_is_never_read_copied_or_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    let server = S3Server::start(tmp.path());
    let fx = Fixture::new();
    // A snapshot (and its sealed ledger) that only the S3 store holds: sync will want to
    // bring it into the local store.
    fx.config_s3(&server, "eq");
    fx.backup();
    fx.config_local_s3(&server, "eq");
    // Planted by someone with write access to the NAS share.
    let home = fx.path().join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    let ssh_marker = random_marker(24);
    std::fs::write(home.join(".ssh/id_ed25519"), &ssh_marker).unwrap();
    std::fs::create_dir_all(fx.store.join("holds")).unwrap();
    std::os::unix::fs::symlink(&fx.identity, fx.store.join("holds/x.json")).unwrap();
    std::os::unix::fs::symlink(&home, fx.store.join("drills")).unwrap();
    let fifo = fx.store.join("holds/pipe.json");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // And the other way: a folder of the local store that points outside it, where
    // sync would write a record only the S3 store holds.
    let outside = fx.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, fx.store.join("ledger")).unwrap();

    let r = fx.run(&["sync", "--json"]);
    assert!(matches!(r.code, Some(0..=2)), "{}", r.stderr);
    let secret = secret_line(&fx);
    for leaked in [secret.as_bytes(), ssh_marker.as_bytes()] {
        let found = files_containing(server.root(), leaked);
        assert!(
            found.is_empty(),
            "sync uploaded a planted target: {found:?}"
        );
    }
    assert!(
        names_in(&outside).is_empty(),
        "sync wrote through a symlinked folder"
    );
    let st = fx.run(&["status", "--json"]).code(1).json();
    let named = st["untrusted"].to_string();
    for k in ["holds/x.json", "holds/pipe.json", "drills", "ledger"] {
        assert!(named.contains(k), "status names the foreign {k}: {st:#}");
    }
    // Nothing planted blocks the rest: backup, verify and prune still work.
    fx.run(&["backup"]).ok();
    fx.run(&["verify", "--all"]).code(1);
    fx.run(&["prune"]).ok();
    assert!(
        fx.store.join("holds/x.json").is_symlink(),
        "prune leaves what it cannot authenticate"
    );
}

#[test]
fn a_name_with_terminal_escapes_in_a_store_is_named_escaped_and_blocks_nothing() {
    let fx = Fixture::new();
    fx.config_local();
    let id = fx.backup()["id"].as_str().unwrap().to_string();
    let sid: eqvault::catalog::SnapshotId = id.parse().unwrap();
    let folder = fx
        .store
        .join(sid.metadata_key())
        .parent()
        .unwrap()
        .to_path_buf();
    std::fs::write(folder.join("\u{1b}]0;pwned\u{7}\u{1b}[2J.json"), b"{}").unwrap();
    for args in [
        &["status"][..],
        &["snapshots"],
        &["verify", "--all"],
        &["prune", "--dry-run"],
    ] {
        let r = fx.run(args);
        assert!(
            matches!(r.code, Some(0 | 1)),
            "{args:?} was blocked: {}",
            r.stderr
        );
        no_raw_escapes(&r);
    }
    let st = fx.run(&["status"]).code(1);
    assert!(
        st.stdout.contains("\\u{1b}"),
        "status names it, escaped:\n{}",
        st.stdout
    );
    assert_eq!(listed_ids(&fx), vec![id]);
    fx.run(&["prune"]).ok();
}

#[test]
fn keys_with_percent_round_trip_between_a_local_store_and_s3() {
    let tmp = tempfile::tempdir().unwrap();
    let server = S3Server::start(tmp.path());
    let fx = Fixture::new();
    fx.config_s3(&server, "eq");
    let snap = fx.backup()["id"].as_str().unwrap().to_string();
    // A genuine drill record whose id holds a '%', signed by this host, in S3 only.
    let id = format!("{}-a%41b", Utc::now().format("%Y%m%dT%H%M%SZ"));
    let key = format!("drills/{}/{id}.json", &id[..4]);
    let rec = serde_json::json!({
        "format_version": 1, "id": id, "status": "success", "snapshot": snap,
        "store": "x", "started_at": Utc::now().with_timezone(&eqvault::catalog::vietnam()),
        "seconds": 1.0, "phases": {"download": 0.3, "decrypt_decompress": 0.3, "checks": 0.4},
        "target_seconds": 1800, "object_bytes": 1, "database_bytes": 1, "checks": [],
        "tool_version": "0.1.0"
    });
    let tmp: std::path::PathBuf = fx.path().join("rec.json");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&rec).unwrap()).unwrap();
    fx.sign(&tmp, Kind::Drill);
    // Through the S3 protocol, as any client would write it.
    let cfg = eqvault::Config::load(&fx.config).unwrap();
    let s3 = eqvault::store::Store::open(&cfg.stores[0]).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (k, f) in [
        (key.clone(), tmp.clone()),
        (
            format!("{key}.sig"),
            format!("{}.sig", tmp.display()).into(),
        ),
    ] {
        rt.block_on(s3.put_if_absent(&k, std::fs::read(&f).unwrap().into()))
            .unwrap();
    }

    fx.config_local_s3(&server, "eq");
    let v = fx.run(&["sync", "--json"]).ok().json();
    assert!(v["errors"].as_array().unwrap().is_empty(), "{v:#}");
    assert!(
        fx.store.join(&key).is_file(),
        "the key is the file name, as it is: {:?} {v:#}",
        files_under(&fx.store.join("drills"))
    );
    let again = fx.run(&["sync", "--json"]).ok().json();
    assert!(again["copied"].as_array().unwrap().is_empty(), "{again:#}");
    let st = fx.run(&["status", "--json"]).ok().json();
    assert_eq!(st["last_drill"]["id"], id.as_str());
}

fn add_reports(fx: &Fixture) -> std::path::PathBuf {
    let text = std::fs::read_to_string(&fx.config).unwrap();
    if !text.contains("name = \"Phòng") {
        std::fs::write(
            &fx.config,
            format!("{text}\n[office]\nname = \"Phòng GD&ĐT thử\"\ncode = \"79\"\n"),
        )
        .unwrap();
    }
    let reports = fx.path().join("bao-cao");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::write(
        reports.join("Bao cao thiet bi HK1 2024-2025.xlsx"),
        random_marker(4000),
    )
    .unwrap();
    reports
}

fn age_file(p: &Path, by: Duration) {
    let t = std::time::SystemTime::now() - by.to_std().unwrap();
    std::fs::File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

#[test]
fn archive_copies_are_accounted_for_in_every_store() {
    let fx = Fixture::new();
    let (a, b) = (fx.path().join("a"), fx.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    fx.config_two_local(&a, &b);
    let reports = add_reports(&fx);
    fx.run(&["archive", "add", reports.to_str().unwrap()]).ok();
    // A killed `archive add`: the bag reached store a only.
    for f in files_under(&b.join("reports")) {
        std::fs::remove_file(f).unwrap();
    }
    let v = fx
        .run(&["archive", "verify", "--all", "--json"])
        .code(1)
        .json();
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["store"] == b.to_str().unwrap() && r["ok"] == false),
        "archive verify names the store that lacks the bag: {v:#}"
    );
    // The bag in a does not match its sidecar any more: sync must not spread it.
    let bag = files_ending(&a.join("reports"), ".tar.zst.age")
        .pop()
        .unwrap();
    let mut bytes = std::fs::read(&bag).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&bag, &bytes).unwrap();
    let s = fx.run(&["sync", "--json"]).code(2).json();
    assert!(
        files_ending(&b.join("reports"), ".tar.zst.age").is_empty(),
        "{s:#}"
    );
    // An orphan bag (its sidecar never came) past the grace period is removed by prune.
    let orphan = a.join("reports/2024-2025/hk1/20250120T010203Z-abcdef.tar.zst.age");
    std::fs::write(&orphan, b"cut off").unwrap();
    age_file(&orphan, Duration::days(3));
    let p = fx.run(&["prune", "--json"]).ok().json();
    assert!(!orphan.exists(), "{p:#}");
    assert!(bag.exists(), "a bag with its sidecar is no orphan");
}

#[test]
fn rows_the_identifier_ledger_cannot_read_never_stop_a_backup() {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    let c = rusqlite::Connection::open(&fx.db).unwrap();
    // The reference schema's TEXT PRIMARY KEY accepts NULL in SQLite; a BLOB is no text.
    c.execute_batch(
        "INSERT INTO staff VALUES (NULL, '79761003', 'Không mã', 'teacher', 'working', NULL);
         INSERT INTO staff VALUES (x'00ff', '79761003', 'Mã nhị phân', 'teacher', 'working', NULL);",
    )
    .unwrap();
    drop(c);
    let r = fx.run(&["backup", "--json"]).ok();
    assert!(
        r.stderr.contains("staff") && r.stderr.contains("2 rows"),
        "{}",
        r.stderr
    );
    let id = r.json()["id"].as_str().unwrap().to_string();
    fx.run(&["verify", &id, "--read-data"]).ok();
    let chk = fx.run(&["check", "--json"]);
    let j = chk.json();
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "data_quality" && f["evidence"]["table"] == "staff"),
        "check reports what the ledger could not read: {j:#}"
    );
    // A table without a fingerprint column: identifiers are still read.
    let c = rusqlite::Connection::open(&fx.db).unwrap();
    c.execute_batch(
        "PRAGMA foreign_keys = OFF; ALTER TABLE staff RENAME COLUMN full_name TO ho_ten;",
    )
    .unwrap();
    drop(c);
    // A renamed column is a schema change the deletion guard would stop at:
    // announced, as an application upgrade is (issue 32).
    let r = fx.run(&["backup", "--expect-drop"]).ok();
    assert!(r.stderr.contains("fingerprint"), "{}", r.stderr);
}

#[test]
fn prune_with_deletes_refused_by_s3_names_what_it_could_not_remove() {
    let root = tempfile::tempdir().unwrap();
    let deny: DenyRule = Arc::new(|op, _| op == "DeleteObject" || op == "DeleteObjects");
    let server = S3Server::start_denying(root.path(), Some(deny));
    let fx = Fixture::new();
    fx.config_s3(&server, "eq");
    let text = std::fs::read_to_string(&fx.config).unwrap();
    std::fs::write(
        &fx.config,
        format!("{text}\n[retention]\nkeep_last = 1\nkeep_daily = 1\nkeep_weekly = 0\nkeep_monthly = 0\nkeep_yearly = 0\n"),
    )
    .unwrap();
    for d in [40, 30, 3, 2, 1] {
        let at = (Utc::now() - Duration::days(d)).to_rfc3339();
        fx.run(&["backup", "--at", &at]).ok();
    }
    let plan = fx.run(&["prune", "--dry-run", "--json"]).ok().json();
    let planned = plan["remove"].as_array().unwrap().len();
    assert!(planned >= 2, "{plan:#}");
    let r = fx.run(&["--lang", "en", "prune"]).code(2);
    assert!(
        !r.stdout.lines().any(|l| l.starts_with("removed ")),
        "nothing is said removed that was not: {}",
        r.stdout
    );
    assert!(r.stdout.contains("NOT removed"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains(&format!("0 removed, {planned} could not be removed")),
        "{}",
        r.stdout
    );
    let j = fx.run(&["prune", "--json"]).code(2).json();
    assert!(j["remove"].as_array().unwrap().is_empty(), "{j:#}");
    assert_eq!(j["not_removed"].as_array().unwrap().len(), planned);
}

#[test]
fn a_drill_whose_record_a_store_refuses_exits_1_naming_that_store() {
    let root = tempfile::tempdir().unwrap();
    let deny: DenyRule = Arc::new(|op, key| op == "PutObject" && key.contains("drills/"));
    let server = S3Server::start_denying(root.path(), Some(deny));
    let fx = local_and_s3(&server);
    let r = fx.run(&["drill", "latest"]).code(1);
    assert!(r.stderr.contains("s3://"), "{}", r.stderr);
    assert!(!r.stdout.contains("in every store"), "{}", r.stdout);
    assert!(r.stdout.contains("MISSING"), "{}", r.stdout);
    let j = fx.run(&["drill", "latest", "--json"]).code(1).json();
    assert_eq!(j["unrecorded"].as_array().unwrap().len(), 1, "{j:#}");
}

#[test]
fn hold_and_unhold_of_an_id_that_does_not_exist_exit_2() {
    let fx = Fixture::new();
    fx.config_local();
    let id = fx.backup()["id"].as_str().unwrap().to_string();
    let typo = format!("{}{}", &id[..22], if id.ends_with('0') { '1' } else { '0' });
    fx.run(&["hold", &typo, "--reason", "thanh tra"])
        .code(2)
        .stderr_has(&["no complete snapshot"]);
    assert!(!fx.store.join(format!("holds/{typo}.json")).exists());
    fx.run(&["unhold", &typo])
        .code(2)
        .stderr_has(&["no store holds a hold"]);
    fx.run(&["hold", &id, "--reason", "thanh tra"]).ok();
    fx.run(&["unhold", &id]).ok();
    fx.run(&["unhold", &id]).code(2);
}

/// The fixture's config with its S3 secret given by `secret` (a TOML value).
fn with_secret(fx: &Fixture, server: &S3Server, secret: &str) {
    fx.config_s3(server, "eq");
    let text = std::fs::read_to_string(&fx.config).unwrap();
    let line = format!(
        "secret_access_key = {}",
        toml::Value::String(SECRET_KEY.into())
    );
    assert!(text.contains(&line));
    std::fs::write(
        &fx.config,
        text.replace(&line, &format!("secret_access_key = {secret}")),
    )
    .unwrap();
}

#[test]
fn secrets_come_from_a_file_an_environment_variable_or_a_systemd_credential() {
    let tmp = tempfile::tempdir().unwrap();
    let server = S3Server::start(tmp.path());
    let fx = Fixture::new();
    let file = fx.path().join("s3-secret");
    std::fs::write(&file, format!("{SECRET_KEY}\n")).unwrap();
    chmod(&file, 0o640);
    let creds = fx.path().join("creds");
    std::fs::create_dir(&creds).unwrap();
    std::fs::write(creds.join("s3"), SECRET_KEY).unwrap();
    chmod(&creds.join("s3"), 0o600);
    let cases: [(String, Vec<(&str, String)>); 3] = [
        (
            format!(
                "{{ file = {} }}",
                toml::Value::String(file.to_string_lossy().into())
            ),
            vec![],
        ),
        (
            "{ env = \"EQVAULT_TEST_S3\" }".into(),
            vec![("EQVAULT_TEST_S3", SECRET_KEY.to_string())],
        ),
        (
            "{ credential = \"s3\" }".into(),
            vec![(
                "CREDENTIALS_DIRECTORY",
                creds.to_string_lossy().into_owned(),
            )],
        ),
    ];
    for (secret, env) in cases {
        with_secret(&fx, &server, &secret);
        // A config holding no secret may be readable by the group (the eqvault user's).
        chmod(&fx.config, 0o640);
        let mut c = fx.cmd();
        for (k, v) in &env {
            c.env(k, v);
        }
        let o = c.args(["backup"]).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{secret}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // Without the variable, the error names the key and the variable, not a secret.
        if !env.is_empty() {
            let r = fx.run(&["backup"]).code(2);
            assert!(r.stderr.contains("secret_access_key"), "{}", r.stderr);
            assert!(!r.stderr.contains(SECRET_KEY));
        }
    }
    // A secret file every user can read is refused.
    chmod(&file, 0o644);
    with_secret(
        &fx,
        &server,
        &format!(
            "{{ file = {} }}",
            toml::Value::String(file.to_string_lossy().into())
        ),
    );
    fx.run(&["backup"])
        .code(2)
        .stderr_has(&["readable by every user", "chmod"]);
}

#[test]
fn a_config_with_an_inline_secret_that_others_can_read_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let server = S3Server::start(tmp.path());
    let fx = Fixture::new();
    fx.config_s3(&server, "eq");
    for mode in [0o644, 0o640] {
        chmod(&fx.config, mode);
        for args in [&["backup"][..], &["snapshots"], &["status"]] {
            let r = fx
                .run(args)
                .code(2)
                .stderr_has(&["chmod 600", "secret_access_key"]);
            assert!(!r.stderr.contains(SECRET_KEY), "{}", r.stderr);
        }
    }
    chmod(&fx.config, 0o600);
    fx.run(&["backup"]).ok();
}

#[test]
fn two_hosts_sharing_a_store_keep_each_hosts_newest_sealed_ledgers() {
    let a = Fixture::new();
    let b = Fixture::new();
    // Both write to a's store and trust each other's key.
    a.config_local();
    b.write_config(&[StoreSpec::Local(a.store.clone())]);
    for (fx, other) in [(&a, &b), (&b, &a)] {
        let text = std::fs::read_to_string(&fx.config).unwrap();
        let mine = toml::Value::String(fx.signing_public.clone()).to_string();
        let both = format!(
            "{mine}, {}",
            toml::Value::String(other.signing_public.clone())
        );
        std::fs::write(
            &fx.config,
            text.replace(
                &format!("trusted = [{mine}]"),
                &format!("trusted = [{both}]"),
            ),
        )
        .unwrap();
    }
    for i in 0..5 {
        for fx in [&a, &b] {
            let at = (Utc::now() - Duration::hours(10 - i)).to_rfc3339();
            fx.run(&["backup", "--at", &at, "--allow-clock-behind"])
                .ok();
        }
    }
    let host_of = |fx: &Fixture| -> usize {
        // Sealed-ledger records signed by this fixture's key.
        let trusted =
            eqvault::trust::Trusted::parse(std::slice::from_ref(&fx.signing_public)).unwrap();
        files_ending(&a.store.join("ledger"), ".json")
            .iter()
            .filter(|p| {
                let body = std::fs::read(p).unwrap();
                let sig = std::fs::read(format!("{}.sig", p.display())).unwrap();
                trusted.verify(Kind::Ledger, &body, &sig).is_ok()
            })
            .count()
    };
    assert_eq!((host_of(&a), host_of(&b)), (5, 5));
    // b's sealed ledgers are named after b's snapshots, some newer than all of a's:
    // by name alone, a's prune would keep b's newest three and drop a's history.
    a.run(&["prune"]).ok();
    assert_eq!(
        (host_of(&a), host_of(&b)),
        (3, 3),
        "each host keeps its own newest three"
    );
}

/// On S3 the client (object_store) refuses a whole page of a listing that holds a
/// name with control characters, so eqvault cannot skip it as it does on a local
/// store: it must then say exactly that, naming the object escaped and how to remove
/// it, never "check that the store is reachable", and never print it raw. Once the
/// object is removed, the store reads again.
#[test]
fn a_name_with_terminal_escapes_in_an_s3_store_is_named_escaped_with_how_to_remove_it() {
    let tmp = tempfile::tempdir().unwrap();
    let server = S3Server::start(tmp.path());
    let fx = Fixture::new();
    fx.config_s3(&server, "eq");
    let id = fx.backup()["id"].as_str().unwrap().to_string();
    let sid: eqvault::catalog::SnapshotId = id.parse().unwrap();
    let meta = server
        .root()
        .join(BUCKET)
        .join("eq")
        .join(sid.metadata_key());
    let planted = meta
        .parent()
        .unwrap()
        .join("\u{1b}]0;pwned\u{7}\u{1b}[2J.json");
    std::fs::write(&planted, b"{}").unwrap();
    for args in [
        &["status"][..],
        &["snapshots"],
        &["verify", "--all"],
        &["prune", "--dry-run"],
    ] {
        let r = fx.run(args).code(2);
        no_raw_escapes(&r);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(
            all.contains("lists a name eqvault never writes")
                && all.contains("\\u{1b}]0;pwned")
                && all.contains("delete-object"),
            "{args:?} names the planted object, escaped, and how to remove it:\n{all}"
        );
        assert!(!all.contains("reachable"), "{args:?}: {all}");
    }
    std::fs::remove_file(&planted).unwrap();
    assert_eq!(listed_ids(&fx), vec![id]);
    fx.run(&["status"]).ok();
}

/// A streamed upload into a vault's folder on S3 never replaces an object
/// already under its key. (Its check once put the vault's folder before the
/// key twice, so it looked in the wrong place, found nothing, and wrote.)
#[test]
fn a_streamed_upload_to_s3_in_a_vault_never_replaces_an_object() {
    use eqvault::store::{Chunk, Store, StoreError};
    let tmp = tempfile::tempdir().unwrap();
    let server = S3Server::start(tmp.path());
    let fx = Fixture::new();
    fx.config_s3(&server, "eq");
    let cfg = eqvault::Config::load(&fx.config).unwrap();
    let s3 = Store::open(&cfg.stores[0])
        .unwrap()
        .in_vault(Some("v-planted"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let key = "snapshots/2026/Q4/x.tar.zst.age";
        s3.put_if_absent(key, bytes::Bytes::from_static(b"first"))
            .await
            .unwrap();
        let (tx, task) = s3.start_upload(key, 4);
        // The task may refuse before it reads anything: a closed channel is fine.
        let _ = tx
            .send(Chunk::Data(bytes::Bytes::from_static(b"second")))
            .await;
        let _ = tx.send(Chunk::Commit).await;
        let r = task.await.unwrap();
        assert!(matches!(r, Err(StoreError::Exists { .. })), "{r:?}");
        assert_eq!(&s3.get_bytes(key).await.unwrap()[..], b"first");
    });
}
