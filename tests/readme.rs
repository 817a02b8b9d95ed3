//! Issue 31: README's examples run as written. Each ```sh block of README.md
//! that a `<!-- Run as written by tests/readme.rs … -->` line introduces is run
//! line by line through `sh`, with the eqvault under test first on the PATH.
//! What differs from an office's server, and only that: absolute paths under
//! `/srv/` and `/mnt/` live under a scratch root (the test makes what the
//! example presumes there: the database, the mounted NAS and USB folders, the
//! exported reports), and `eqvault daemon` is stopped with SIGTERM after a few
//! seconds. A line passes when eqvault did its job: exit 0, or 1 (it worked and
//! found a problem, as the comments say); 2 or anything else fails the test.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

const MARK: &str = "<!-- Run as written by tests/readme.rs";

/// The commands of every marked block, a line continued by `\` joined.
fn marked_blocks(readme: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut lines = readme.lines();
    while let Some(l) = lines.next() {
        if !l.starts_with(MARK) {
            continue;
        }
        assert_eq!(
            lines.next().map(str::trim),
            Some("```sh"),
            "{MARK} stands before a ```sh block"
        );
        let mut cmds = Vec::new();
        let mut cur = String::new();
        for l in lines.by_ref() {
            if l.trim() == "```" {
                break;
            }
            if let Some(head) = l.strip_suffix('\\') {
                cur.push_str(head);
                continue;
            }
            cur.push_str(l);
            if !cur.trim().is_empty() {
                cmds.push(std::mem::take(&mut cur));
            }
        }
        blocks.push(cmds);
    }
    blocks
}

#[test]
fn readme_examples_run_as_written() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let blocks = marked_blocks(&readme);
    assert!(!blocks.is_empty(), "README marks no block to run");

    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    let cwd = root.join("home");
    for d in [
        "srv/thietbi",
        "mnt/nas/eqvault",
        "mnt/usb/eqvault",
        "mnt/disk2",
        "home",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    // The office's database: a demo one, in the reference schema.
    let demo = demo_database(&root.join("demo"));
    std::fs::copy(demo, root.join("srv/thietbi/equipment.db")).unwrap();
    // Exported reports, as the archive example names their folder.
    let reports = cwd.join("Báo cáo/Năm học 2025-2026");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::write(
        reports.join("Thống kê thiết bị HK1 2025-2026.xlsx"),
        b"report",
    )
    .unwrap();

    let bin = assert_cmd::cargo::cargo_bin("eqvault");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // After a space, a quote or `=` (`--to=/srv/…`): a line never reaches
    // the real /srv or /mnt of the machine running the tests.
    let rooted = |cmd: &str| {
        let mut out = cmd.to_string();
        for lead in [" ", "\"", "'", "="] {
            for dir in ["/srv/", "/mnt/"] {
                out = out.replace(
                    &format!("{lead}{dir}"),
                    &format!("{lead}{}{dir}", root.display()),
                );
            }
        }
        assert!(
            !out.split_whitespace()
                .any(|w| w.starts_with("/srv") || w.starts_with("/mnt")),
            "a README line names /srv or /mnt in a way this test does not root: {cmd}"
        );
        out
    };
    let mut ran = 0;
    for cmd in blocks.iter().flatten() {
        let mut line = rooted(cmd);
        if cmd.trim_start().starts_with("eqvault daemon") {
            line = format!("timeout --preserve-status -s TERM 5 {}", line.trim_start());
        }
        let out = Command::new("sh")
            .arg("-c")
            .arg(&line)
            .current_dir(&cwd)
            .env("PATH", &path)
            .env_remove("EQVAULT_CONFIG")
            .env_remove("EQVAULT_LANG")
            .env("HOME", root)
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "README line failed (exit {code:?}): {cmd}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 15, "only {ran} README lines ran");
    // What the example did is there: two stores with the snapshot, the restored copy, the report.
    assert!(root.join("srv/thietbi/restored.db").is_file());
    assert!(cwd.join("bao-cao.html").is_file());
}
