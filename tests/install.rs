//! What an installed eqvault ships besides the binary (issue 20): the man pages and
//! shell completions cover every command because they are generated from the
//! command line itself, and they read no config; the packaged units and the
//! example config are data, tested as data. The package itself (the portable
//! binary's glibc symbols, install, remove) is `scripts/test-package.sh`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;

/// Runs a prepared command.
fn run(c: &mut assert_cmd::Command) -> Run {
    let o = c.output().expect("run eqvault");
    Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// What the bash completion script offers after `words` (the last one is being typed).
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cur = quoted.last().unwrap();
    let prev = &quoted[quoted.len().saturating_sub(2)];
    let probe = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _eqvault eqvault {cur} {prev}; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1
    );
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg(&probe)
        .output()
        .expect("run bash");
    assert!(
        o.status.success(),
        "{probe}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The commands `eqvault --help` lists, as a person sees them.
fn commands_in_help() -> BTreeSet<String> {
    let help = run(eqvault().arg("--help")).ok().stdout;
    let listed: BTreeSet<String> = help
        .split("Commands:")
        .nth(1)
        .expect("--help has a Commands: section")
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .lines()
        // A command's line starts two columns in; a wrapped description goes on further in.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.strip_prefix("  ")?.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    assert!(
        listed.len() > 15 && listed.contains("backup") && listed.contains("man"),
        "the Commands: section was not read: {listed:?}"
    );
    listed
}

#[test]
fn every_command_and_subcommand_has_a_man_page() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let v = run(eqvault().args(["man", "--json", "--dir"]).arg(&pages))
        .ok()
        .json();
    let files: BTreeSet<String> = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            Path::new(f.as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(files.contains("eqvault.1"), "{files:?}");
    for c in commands_in_help() {
        assert!(
            files.contains(&format!("eqvault-{c}.1")),
            "no page for `{c}`: {files:?}"
        );
    }
    // Sub-commands get their own page, as git's do.
    for sub in [
        "archive-add",
        "archive-verify",
        "schedule-run",
        "schedule-status",
    ] {
        assert!(files.contains(&format!("eqvault-{sub}.1")), "{files:?}");
    }
    assert!(!files.iter().any(|f| f.contains("help")), "{files:?}");
    let top = std::fs::read_to_string(pages.join("eqvault.1")).unwrap();
    for section in [
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH \"SEE ALSO\"",
    ] {
        assert!(top.contains(section), "eqvault.1 lacks {section}:\n{top}");
    }
    assert!(top.contains("EQVAULT_CONFIG") && top.contains("/etc/eqvault/eqvault.toml"));
}

#[test]
fn man_prints_the_page_that_man_dir_writes() {
    let dir = tempfile::tempdir().unwrap();
    run(eqvault().args(["man", "--dir"]).arg(dir.path())).ok();
    for (args, file) in [
        (vec!["man"], "eqvault.1"),
        (vec!["man", "backup"], "eqvault-backup.1"),
        (vec!["man", "archive", "add"], "eqvault-archive-add.1"),
    ] {
        let printed = eqvault().args(&args).output().unwrap();
        assert_eq!(printed.status.code(), Some(0));
        let written = std::fs::read(dir.path().join(file)).unwrap();
        assert_eq!(
            printed.stdout,
            written,
            "`eqvault {}` differs from {file}",
            args.join(" ")
        );
        assert!(
            String::from_utf8(written)
                .unwrap()
                .starts_with(".ie \\n(.g")
        );
    }
    let page = run(eqvault().args(["man", "archive", "add"])).ok().stdout;
    assert!(
        page.contains("\\-\\-year") && page.contains("eqvault\\-archive\\fR(1)"),
        "{page}"
    );
}

#[test]
fn man_of_a_command_that_does_not_exist_exits_2_and_says_where_to_look() {
    run(eqvault().args(["man", "bakup"]))
        .code(2)
        .stderr_has(&["`bakup` is not an eqvault command", "eqvault --help"]);
    run(eqvault().args(["man", "--dir", "x", "backup"])).code(2);
}

#[test]
fn completions_offer_every_command_in_bash_zsh_and_fish() {
    let commands = commands_in_help();
    for shell in ["bash", "zsh", "fish"] {
        let script = run(eqvault().args(["completions", shell])).ok().stdout;
        for c in &commands {
            assert!(
                script.contains(c.as_str()),
                "{shell} completions lack `{c}`"
            );
        }
    }
    // bash, for real: the script completes `eqvault arch` to `archive`, and
    // `eqvault archive ` to its sub-commands.
    let script = run(eqvault().args(["completions", "bash"])).ok().stdout;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("eqvault.bash");
    std::fs::write(&file, script).unwrap();
    assert_eq!(bash_completes(&file, &["eqvault", "arch"]), ["archive"]);
    let subs = bash_completes(&file, &["eqvault", "archive", ""]);
    for s in ["add", "list", "get", "verify"] {
        assert!(
            subs.iter().any(|l| l == s),
            "`eqvault archive ` offers {subs:?}"
        );
    }
    let shells = bash_completes(&file, &["eqvault", "completions", ""]);
    assert!(shells.iter().any(|l| l == "fish"), "{shells:?}");
    run(eqvault().args(["completions", "tcsh"]))
        .code(2)
        .stderr_has(&["tcsh", "bash"]);
}

#[test]
fn man_and_completions_read_no_config_and_touch_nothing() {
    // A working config with a log file: any command that reads it creates the log folder.
    let fx = Fixture::new();
    fx.config_local();
    let logs = fx.path().join("logs");
    let mut text = std::fs::read_to_string(&fx.config).unwrap();
    text.push_str(&format!("\n[log]\nfile = {:?}\n", logs.join("eqvault.log")));
    std::fs::write(&fx.config, text).unwrap();
    for args in [&["completions", "bash"][..], &["man"], &["man", "backup"]] {
        run(fx.cmd().args(args)).ok();
        run(eqvault()
            .current_dir(fx.path())
            .env("EQVAULT_CONFIG", &fx.config)
            .args(args))
        .ok();
        assert!(
            !logs.exists(),
            "`eqvault {}` opened the config's log file",
            args.join(" ")
        );
    }
    fx.run(&["snapshots"]).ok();
    assert!(
        logs.is_dir(),
        "the probe is blind: snapshots did not create the log folder"
    );
    // A config that does not parse is no business of theirs either.
    std::fs::write(&fx.config, "this is not toml [").unwrap();
    run(fx.cmd().args(["completions", "zsh"])).ok();
    run(fx.cmd().arg("man")).ok();
}

/// `[Service]`'s hardening lines of a unit file: from `# Hardening.` to `[Install]`.
fn hardening(unit: &str) -> &str {
    let start = unit.find("# Hardening.").expect("a # Hardening. block");
    let end = unit[start..]
        .find("[Install]")
        .expect("an [Install] section")
        + start;
    &unit[start..end]
}

#[test]
fn the_packaged_units_run_usr_bin_eqvault_with_one_hardening() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging");
    let one = std::fs::read_to_string(root.join("eqvault.service")).unwrap();
    let many = std::fs::read_to_string(root.join("eqvault@.service")).unwrap();
    assert_eq!(
        hardening(&one),
        hardening(&many),
        "the two units' hardening drifted apart"
    );
    for line in [
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=",
        "SystemCallFilter=@system-service",
    ] {
        assert!(hardening(&one).lines().any(|l| l == line), "no {line}");
    }
    for unit in [&one, &many] {
        assert!(
            unit.lines()
                .any(|l| l == "ExecStart=/usr/bin/eqvault daemon")
        );
        assert!(unit.lines().any(|l| l == "User=eqvault"));
        assert!(
            !unit.contains("/usr/local"),
            "the package installs /usr/bin/eqvault"
        );
    }
    assert!(
        one.lines()
            .any(|l| l == "Environment=EQVAULT_CONFIG=/etc/eqvault/eqvault.toml")
    );
    // Two instances never share a config, state (job locks, history) or logs.
    for line in [
        "Environment=EQVAULT_CONFIG=/etc/eqvault/%i.toml",
        "StateDirectory=eqvault/%i",
        "LogsDirectory=eqvault/%i",
        "ReadWritePaths=/var/lib/eqvault/%i /var/log/eqvault/%i -/srv/eqvault/%i",
    ] {
        assert!(
            many.lines().any(|l| l == line),
            "eqvault@.service lacks {line}"
        );
    }
}

#[test]
fn the_packaged_example_config_fails_on_its_placeholder_and_loads_once_filled() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/eqvault.toml.example");
    let text = std::fs::read_to_string(&example).unwrap();
    let as_installed = Path::new("/etc/eqvault/eqvault.toml");
    let unedited = eqvault::Config::from_text(as_installed, &text)
        .expect_err("a copy nobody edited must not load");
    assert!(
        unedited.to_string().contains("encryption.recipients[0]"),
        "{unedited}"
    );
    let (_, recipient) = eqvault::pack::keys::generate();
    let signing = eqvault::trust::Signer::generate("eqvault@test").public_line();
    let filled = text
        .replace(
            "age1REPLACE-with-the-key-eqvault-keys-new-printed",
            &recipient,
        )
        .replace(
            "ssh-ed25519 REPLACE-with-the-line-eqvault-keys-new-printed",
            &signing,
        );
    let cfg = eqvault::Config::from_text(as_installed, &filled)
        .unwrap_or_else(|e| panic!("the example, once filled, does not load: {e}"));
    assert_eq!(cfg.state_dir, Path::new("/var/lib/eqvault"));
    assert_eq!(
        cfg.log.file.as_deref(),
        Some(Path::new("/var/log/eqvault/eqvault.log"))
    );
    assert_eq!(cfg.stores.len(), 2);
    // The signing key is configured and trusted: backup and status can run
    // (scripts/check-example-config.sh runs them on the installed package).
    assert_eq!(cfg.signing.trusted.len(), 1);
    assert!(cfg.signing.key.is_some());
}
