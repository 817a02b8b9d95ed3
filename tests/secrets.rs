//! No secret ever leaks (issue 8): every command run with a known identity and the fixture's
//! S3 credentials, at debug log level, with a log file; then all stdout, stderr, log files
//! and every stored object (local store, S3 root, state folder) searched for the identity's
//! `AGE-SECRET-KEY-…` line and the secret access key. The identity file's own 0600 mode and
//! the refusal of a world-readable one are `tests/spine.rs`'s
//! `identity_is_0600_and_a_world_readable_one_is_refused`.

mod common;
mod proving;

use std::path::{Path, PathBuf};

use common::*;
use proving::*;

/// The forms a leaked secret could take.
fn needles(fx: &Fixture) -> Vec<(String, Vec<u8>)> {
    let line = secret_line(fx);
    let body = line.trim_start_matches("AGE-SECRET-KEY-1").to_string();
    vec![
        ("the identity".into(), line.clone().into_bytes()),
        (
            "the identity, lower case".into(),
            line.to_lowercase().into_bytes(),
        ),
        ("the identity's key body".into(), body.into_bytes()),
        ("the S3 secret key".into(), SECRET_KEY.as_bytes().to_vec()),
    ]
}

#[track_caller]
fn assert_clean(what: &str, hay: &[u8], needles: &[(String, Vec<u8>)]) {
    for (name, n) in needles {
        assert!(
            !contains_bytes(hay, n),
            "{name} leaked into {what}:\n{}",
            String::from_utf8_lossy(hay)
        );
    }
}

/// Which commands this build has (the report command lands separately).
fn has_command(name: &str) -> bool {
    let o = eqvault().arg("--help").output().expect("eqvault --help");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .any(|l| l.trim_start().starts_with(&format!("{name} ")))
}

#[test]
fn no_command_prints_logs_or_stores_the_identity_or_the_s3_secret() {
    let fx = Fixture::new();
    let server = S3Server::start(&fx.path().join("s3"));
    fx.config_local_s3(&server, "eq");
    let logs = fx.path().join("logs");
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str(&format!(
        "\n[office]\nname = \"Phòng Giáo dục và Đào tạo Quận 1\"\ncode = \"79760\"\n\n[log]\nfile = {}\nrotation = \"never\"\n",
        toml::Value::String(p(&logs.join("eqvault.log")).to_string())
    ));
    std::fs::write(&fx.config, cfg).unwrap();
    let needles = needles(&fx);
    let reports = fx.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    std::fs::write(
        reports.join("Bao cao thiet bi HK1 2024-2025.xlsx"),
        b"report body",
    )
    .unwrap();
    let out = fx.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let restored = fx.path().join("restored.db");
    let other_restored = fx.path().join("restored-2.db");
    let report = fx.path().join("report.md");

    let first = fx.backup();
    let id = first["id"].as_str().unwrap().to_string();
    let mut runs: Vec<Vec<String>> = [
        &["backup"][..],
        &["snapshots"],
        &["verify"],
        &["verify", "--read-data"],
        &[
            "verify",
            "--all",
            "--read-data",
            "--identity",
            p(&fx.identity),
        ],
        &["restore", "latest", "--to", p(&restored)],
        &[
            "restore",
            &id,
            "--to",
            p(&other_restored),
            "--identity",
            p(&fx.identity),
        ],
        &["drill"],
        &["drill", "random", "--identity", p(&fx.identity)],
        &["hold", &id, "--reason", "thanh tra"],
        &["unhold", &id],
        &["prune", "--dry-run"],
        &["prune"],
        &["sync"],
        &["status"],
        &["check"],
        &["archive", "add", p(&reports)],
        &["archive", "list"],
        &[
            "archive",
            "get",
            "Bao cao thiet bi HK1 2024-2025.xlsx",
            "--to",
            p(&out),
        ],
        &["archive", "verify", "--all"],
        &["archive", "rebuild-index"],
        &["ledger", "rebuild"],
        &["schedule", "status"],
        &["schedule", "history"],
        &["schedule", "run", "verify"],
        &["doctor"],
        &["doctor", "--send-test-alert"],
    ]
    .iter()
    .map(|a| a.iter().map(|s| s.to_string()).collect())
    .collect();
    if has_command("report") {
        runs.push(
            ["report", "--format", "md", "--out", p(&report)]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
    } else {
        eprintln!("no report command in this build: not run");
    }

    let mut seen = 0;
    for args in &runs {
        for json in [false, true] {
            let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
            if json {
                a.push("--json");
            }
            if a[0] == "unhold" {
                // The human run released the hold: hold it again for the --json run.
                fx.run(&["hold", &id, "--reason", "thanh tra"]);
            }
            let run = run_of(fx.cmd().env("EQVAULT_LOG", "debug").args(["-vv"]).args(&a));
            // Every command here works (exit 0) or reports a finding (exit 1), never 2.
            assert!(
                matches!(run.code, Some(0 | 1)),
                "{a:?} failed:\n{}",
                run.stderr
            );
            assert_clean(&format!("stdout of {a:?}"), run.stdout.as_bytes(), &needles);
            assert_clean(&format!("stderr of {a:?}"), run.stderr.as_bytes(), &needles);
            // Remove what a restore or get wrote so the --json run can write it again.
            for f in [&restored, &other_restored] {
                let _ = std::fs::remove_file(f);
            }
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out).unwrap();
            let _ = std::fs::remove_file(&report);
            let _ = std::fs::remove_file(fx.path().join("report.md.sha256"));
            seen += 1;
        }
    }
    eprintln!("{seen} runs searched");

    // Failures name things, never secrets: a server that went away, wrong credentials.
    let mut server = server;
    server.stop();
    for args in [
        &["backup"][..],
        &["snapshots"],
        &["sync"],
        &["verify", "--read-data"],
    ] {
        let run = run_of(fx.cmd().env("EQVAULT_LOG", "debug").args(args));
        assert_clean(
            &format!("stderr of {args:?} with S3 down"),
            run.stderr.as_bytes(),
            &needles,
        );
        assert_clean(
            &format!("stdout of {args:?} with S3 down"),
            run.stdout.as_bytes(),
            &needles,
        );
    }

    // Every file eqvault wrote: stores, the S3 server's root, the state folder, the logs.
    let log_files = files_under(&logs);
    assert!(!log_files.is_empty(), "no log file was written");
    let written: Vec<PathBuf> = files_under(fx.path())
        .into_iter()
        .filter(|f| f != &fx.identity && f != &fx.config)
        .collect();
    assert!(written.iter().any(|f| f.starts_with(server.root())));
    assert!(written.iter().any(|f| f.starts_with(&fx.store)));
    for f in &written {
        let b = std::fs::read(f).unwrap();
        assert_clean(&format!("{}", f.display()), &b, &needles);
    }
}

#[test]
fn init_never_prints_the_identity_it_writes_and_writes_it_0600() {
    let dir = tempfile::tempdir().unwrap();
    for (sub, json) in [("a", false), ("b", true)] {
        let d = dir.path().join(sub);
        std::fs::create_dir_all(&d).unwrap();
        create_equipment_db(&d.join("x.db"));
        let mut c = eqvault();
        c.args(["init", "--create-store", "--db"])
            .arg(d.join("x.db"))
            .arg("--store")
            .arg(d.join("store"))
            .arg("--dir")
            .arg(&d);
        if json {
            c.arg("--json");
        }
        let run = run_of(&mut c);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let id = d.join("eqvault-identity.txt");
        assert_eq!(mode_of(&id), 0o600);
        let text = std::fs::read_to_string(&id).unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .unwrap();
        for hay in [
            &run.stdout,
            &run.stderr,
            &std::fs::read_to_string(d.join("eqvault.toml")).unwrap(),
        ] {
            assert!(
                !hay.contains(line),
                "init printed or configured the identity:\n{hay}"
            );
        }
    }
}

#[test]
fn misplaced_secrets_in_the_config_or_flags_are_never_echoed() {
    let fx = Fixture::new();
    fx.config_local();
    let needles = needles(&fx);
    let good = std::fs::read_to_string(&fx.config).unwrap();
    let line = secret_line(&fx);
    let run = |cfg: &Path, args: &[&str]| run_of(eqvault().arg("--config").arg(cfg).args(args));
    // The identity file passed as the config, and the config passed as the identity.
    let r = run(&fx.identity, &["snapshots"]);
    assert_eq!(r.code, Some(2));
    assert_clean("--config IDENTITY", r.stderr.as_bytes(), &needles);
    let r = run(
        &fx.config,
        &[
            "restore",
            "latest",
            "--to",
            "x.db",
            "--identity",
            p(&fx.config),
        ],
    );
    assert_eq!(r.code, Some(2));
    // The private key pasted as a recipient, in a misspelled key, in a store URL.
    for (what, text) in [
        ("recipient", good.replace(&fx.recipient, &line)),
        (
            "misspelled key",
            format!("{good}\n[[store]]\nurl = \"s3://b/p\"\nsecret_acess_key = \"{SECRET_KEY}\"\n"),
        ),
        (
            "misspelled identity key",
            format!("{good}\n[alerts]\nidentity = \"{line}\"\n"),
        ),
        (
            "broken line",
            format!("{good}\n[[store]]\nurl = \"s3://b/p\"\nsecret_access_key = \"{SECRET_KEY}\n"),
        ),
    ] {
        std::fs::write(&fx.config, &text).unwrap();
        for args in [&["backup"][..], &["snapshots", "--json"]] {
            let r = run(&fx.config, args);
            assert_eq!(r.code, Some(2), "{what}: {}", r.stderr);
            assert_clean(&format!("{what}: stderr"), r.stderr.as_bytes(), &needles);
            assert_clean(&format!("{what}: stdout"), r.stdout.as_bytes(), &needles);
        }
    }
}
