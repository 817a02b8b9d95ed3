//! What someone with write access plants in a store never blocks the rest or
//! exhausts memory (issue 25): names too long to sign beside, signatures that
//! are folders or links, and a thousand sparse files just under each record
//! limit. Real store folders, the real binary; peak memory read by the
//! kernel (`getrusage` of the child, through python3).

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The record folders of a store, as eqvault writes them.
fn record_folders(store: &Path) -> Vec<PathBuf> {
    let year = chrono::Utc::now().format("%Y").to_string();
    let mut v = vec![
        store.join("drills").join(&year),
        store.join("holds"),
        store.join("ledger"),
        store.join("reports").join("2025-2026").join("hk1"),
    ];
    // The snapshots folder the backup wrote into.
    let meta = files_ending(&store.join("snapshots"), ".json")
        .into_iter()
        .next()
        .expect("a snapshot");
    v.push(meta.parent().unwrap().to_path_buf());
    v
}

/// In every record folder: a record whose name is 255 bytes (its `.sig`
/// cannot exist), one whose `.sig` is a folder, one whose `.sig` is a link.
fn plant_odd_entries(store: &Path) -> Vec<String> {
    let mut planted = Vec::new();
    for d in record_folders(store) {
        std::fs::create_dir_all(&d).unwrap();
        let long = format!("{}.json", "x".repeat(250));
        std::fs::write(d.join(&long), b"{}").unwrap();
        std::fs::write(d.join("sig-is-a-folder.json"), b"{}").unwrap();
        std::fs::create_dir(d.join("sig-is-a-folder.json.sig")).unwrap();
        std::fs::write(d.join("sig-is-a-link.json"), b"{}").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", d.join("sig-is-a-link.json.sig")).unwrap();
        planted.push("sig-is-a-folder.json".into());
        planted.push("sig-is-a-link.json".into());
    }
    planted
}

#[test]
fn odd_entries_in_every_record_folder_are_named_and_every_command_finishes_the_rest() {
    let fx = Fixture::new();
    let b = fx.config_with_second_store("usb");
    fx.backup();
    fx.run(&["drill", "--json"]).ok();
    plant_odd_entries(&fx.store);
    // Work for sync: the second store loses its copy of the snapshot.
    for f in files_under(&b.join("snapshots")) {
        std::fs::remove_file(f).unwrap();
    }
    fx.run(&["forget", "--vanished"]).ok();

    let st = fx.run(&["status", "--json"]).code(1);
    for name in ["sig-is-a-folder.json", "sig-is-a-link.json"] {
        assert!(
            st.stdout.contains(name),
            "status names {name}: {}",
            st.stdout
        );
    }
    let v = fx.run(&["verify", "--all", "--json"]).code(1).json();
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ok"] == true),
        "verify checked the real snapshot: {v:#}"
    );
    let p = fx.run(&["prune", "--json"]).ok().json();
    assert!(
        p["untrusted"].to_string().contains("sig-is-a-folder.json"),
        "prune names it and removes nothing of it: {p:#}"
    );
    let sy = fx.run(&["sync", "--json"]).ok().json();
    assert!(
        !sy["copied"].as_array().unwrap().is_empty(),
        "sync copied the snapshot back: {sy:#}"
    );
    assert!(
        sy["untrusted"].to_string().contains("sig-is-a-link.json"),
        "{sy:#}"
    );
    assert_eq!(files_ending(&b.join("snapshots"), ".tar.zst.age").len(), 1);
    assert_eq!(
        files_ending(&b.join("snapshots"), ".json").len(),
        1,
        "with its metadata"
    );
    // The planted entries are where they were: nothing eqvault cannot judge is removed.
    assert!(
        record_folders(&fx.store)[0]
            .join("sig-is-a-folder.json.sig")
            .is_dir()
    );
}

/// Peak resident memory of `eqvault ARGS` in KiB, and its exit code.
fn peak_kib(fx: &Fixture, args: &[&str]) -> (u64, i32) {
    let bin = assert_cmd::cargo::cargo_bin("eqvault");
    let mut all = vec![
        "-c".to_string(),
        "import resource, subprocess, sys\n\
         r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n\
         print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"
            .to_string(),
        s(&bin).to_string(),
        "--config".to_string(),
        s(&fx.path().join("eqvault.toml")).to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    let o = std::process::Command::new("python3")
        .args(&all)
        .env_remove("EQVAULT_CONFIG")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let mut it = out.split_whitespace();
    let kib = it.next().unwrap().parse().unwrap();
    let code = it.next().unwrap().parse().unwrap();
    (kib, code)
}

#[test]
fn a_thousand_sparse_files_just_under_each_limit_cost_no_memory() {
    let fx = Fixture::new();
    // A second store: sync has somewhere to copy to.
    fx.config_with_second_store("usb");
    fx.backup();
    // 1,000 sparse files in the first store, each just under the limit of
    // the records its folder holds (metadata, drill records, sidecars).
    let folders = record_folders(&fx.store);
    let limits: [(usize, u64); 3] = [(0, 1 << 20), (3, 16 << 20), (4, 1 << 20)];
    for n in 0..1000u32 {
        let (i, limit) = limits[(n % 3) as usize];
        let d = &folders[i];
        std::fs::create_dir_all(d).unwrap();
        let f = std::fs::File::create(d.join(format!("20260101T0000{:02}Z-{n:06x}.json", n % 60)))
            .unwrap();
        f.set_len(limit - 1).unwrap();
    }
    let target = fx.path().join("restored.db");
    let target = s(&target).to_string();
    let runs: [&[&str]; 5] = [
        &["status"],
        &["verify", "--all"],
        &["prune", "--dry-run"],
        &["sync"],
        &["restore", "latest", "--to", &target],
    ];
    let mut seen = Vec::new();
    for args in runs {
        let (kib, code) = peak_kib(&fx, args);
        seen.push(format!("{args:?}: {} MiB, exit {code}", kib / 1024));
        assert!(code <= 1, "{args:?} finished its work: exit {code}");
        assert!(kib < 200 * 1024, "{args:?} peaked at {} MiB", kib / 1024);
    }
    eprintln!("peak memory with 1,000 planted files: {}", seen.join("; "));
    assert!(Path::new(&target).exists(), "restore went through");
}
