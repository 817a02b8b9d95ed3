//! Trust that survives a lost server (issue 25): the stores and the identity
//! file from the safe are enough to restore, and to go on backing up.
//!
//! Real SQLite files, a real store folder, real age keys; the `age`, `zstd`
//! and `tar` tools for the recovery by hand.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// `eqvault ARGS` run in `dir`, with no config around.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let o = eqvault().current_dir(dir).args(args).output().unwrap();
    Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn add_rows(db: &Path, n: usize, tag: &str) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch("CREATE TABLE IF NOT EXISTS extra(tag TEXT, n INTEGER)")
        .unwrap();
    for i in 0..n {
        c.execute(
            "INSERT INTO extra(tag, n) VALUES (?1, ?2)",
            rusqlite::params![tag, i as i64],
        )
        .unwrap();
    }
}

/// A host that made two backups into one store, then was lost; what is left:
/// the store and a copy of the identity file in the safe.
struct Lost {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    store: PathBuf,
    safe: PathBuf,
    db: PathBuf,
    /// `sqlite3 .dump` of the database at the second backup.
    second_dump: String,
    /// The two snapshot ids, oldest first.
    ids: Vec<String>,
    /// The lost host's public signing key.
    old_key: String,
    /// Its vault.
    vault: String,
}

fn lost_host() -> Lost {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let db = root.join("live").join("equipment.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    create_equipment_db(&db);
    let conf = root.join("server");
    let store = root.join("nas");
    let init = run_in(
        &root,
        &[
            "init",
            "--db",
            s(&db),
            "--store",
            s(&store),
            "--dir",
            s(&conf),
            "--create-store",
            "--office-name",
            "Phòng GD&ĐT Quận 1",
            "--json",
        ],
    )
    .ok();
    let init = init.json();
    let old_key = init["signing_public_key"].as_str().unwrap().to_string();
    let vault = init["vault"]
        .as_str()
        .expect("init names the vault")
        .to_string();
    let identity = PathBuf::from(init["identity"].as_str().unwrap());
    let text = std::fs::read_to_string(&identity).unwrap();
    assert!(
        text.contains(&format!("# eqvault-trusted: {old_key}")),
        "the identity file names this host's key:\n{}",
        text.lines()
            .filter(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let config = conf.join("eqvault.toml");
    let mut ids = Vec::new();
    add_rows(&db, 50, "first");
    let b = run_in(&root, &["--config", s(&config), "backup", "--json"]).ok();
    ids.push(b.json()["id"].as_str().unwrap().to_string());
    // The second backup holds more: restoring it is told apart from the first.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    add_rows(&db, 50, "second");
    let b = run_in(&root, &["--config", s(&config), "backup", "--json"]).ok();
    ids.push(b.json()["id"].as_str().unwrap().to_string());
    let second_dump = dump(&db);

    // The safe holds the identity file; the server, its config, signing key and state go.
    let safe = root.join("safe").join("identity.txt");
    std::fs::create_dir_all(safe.parent().unwrap()).unwrap();
    std::fs::copy(&identity, &safe).unwrap();
    chmod(&safe, 0o600);
    std::fs::remove_dir_all(&conf).unwrap();
    Lost {
        _tmp: tmp,
        root,
        store,
        safe,
        db,
        second_dump,
        ids,
        old_key,
        vault,
    }
}

#[test]
fn a_bare_machine_restores_from_the_store_and_the_identity_alone_and_backups_go_on() {
    let l = lost_host();
    // A newer snapshot signed by an attacker's key is planted in the store.
    let attacker = eqvault::trust::Signer::generate("attacker@elsewhere");
    let genuine = &l.ids[1];
    let meta_path = files_ending(&l.store, ".json")
        .into_iter()
        .find(|p| {
            p.file_name().unwrap().to_string_lossy() == format!("{genuine}.json")
                && p.to_string_lossy().contains("/snapshots/")
        })
        .expect("the genuine metadata");
    let object = PathBuf::from(
        meta_path
            .display()
            .to_string()
            .replace(".json", ".tar.zst.age"),
    );
    assert!(object.exists(), "{}", object.display());
    let forged_id = "20991231T235959Z-f0f0f0";
    let mut meta: Value = serde_json::from_slice(&std::fs::read(&meta_path).unwrap()).unwrap();
    let genuine_object = meta["object"].as_str().unwrap().to_string();
    meta["id"] = Value::String(forged_id.into());
    let forged_object = genuine_object.replace(genuine.as_str(), forged_id);
    meta["object"] = Value::String(forged_object.clone());
    let forged_meta_key = forged_object.replace(".tar.zst.age", ".json");
    let forged_meta = l.store.join(&forged_meta_key);
    std::fs::create_dir_all(forged_meta.parent().unwrap()).unwrap();
    std::fs::copy(&object, l.store.join(&forged_object)).unwrap();
    let body = serde_json::to_vec_pretty(&meta).unwrap();
    std::fs::write(&forged_meta, &body).unwrap();
    std::fs::write(
        format!("{}.sig", forged_meta.display()),
        attacker.sign(eqvault::trust::Kind::Snapshot, &body),
    )
    .unwrap();

    // An empty folder on a new machine: no config anywhere.
    let bare = l.root.join("new-machine");
    std::fs::create_dir_all(&bare).unwrap();
    let listed = run_in(
        &bare,
        &[
            "snapshots",
            "--store",
            s(&l.store),
            "--identity",
            s(&l.safe),
            "--json",
        ],
    )
    .ok()
    .json();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![l.ids[1].as_str(), l.ids[0].as_str()],
        "{listed:#}"
    );

    let target = bare.join("equipment.db");
    let r = run_in(
        &bare,
        &[
            "restore",
            "latest",
            "--store",
            s(&l.store),
            "--identity",
            s(&l.safe),
            "--to",
            s(&target),
            "--json",
        ],
    )
    .ok();
    assert_eq!(r.json()["id"], l.ids[1], "{}", r.stdout);
    assert_eq!(
        dump(&target),
        l.second_dump,
        "the second backup, row for row"
    );
    assert!(
        files_under(&bare) == vec![target.clone()],
        "a bare restore leaves nothing but the database: {:?}",
        files_under(&bare)
    );

    // Backups go on into the same store from a new host.
    let conf = l.root.join("new-server");
    let init = run_in(
        &bare,
        &[
            "init",
            "--from-store",
            s(&l.store),
            "--identity",
            s(&l.safe),
            "--db",
            s(&l.db),
            "--dir",
            s(&conf),
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(init["stores"][0]["marker"], "present", "{init:#}");
    let new_key = init["signing_public_key"].as_str().unwrap();
    assert_ne!(new_key, l.old_key);
    let copied = std::fs::read_to_string(conf.join("eqvault-identity.txt")).unwrap();
    for k in [new_key, l.old_key.as_str()] {
        assert!(
            copied.contains(&format!("# eqvault-trusted: {k}")),
            "{copied}"
        );
    }
    let config = conf.join("eqvault.toml");
    // Ids sort by the second they were made in: the new backup comes a second later.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = run_in(&bare, &["--config", s(&config), "backup", "--json"]).ok();
    let third = b.json()["id"].as_str().unwrap().to_string();
    let listed = run_in(&bare, &["--config", s(&config), "snapshots", "--json"])
        .ok()
        .json();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![third.as_str(), l.ids[1].as_str(), l.ids[0].as_str()],
        "{listed:#}"
    );
}

#[test]
fn an_identity_without_keys_to_trust_says_both_ways_out_and_age_reads_one_with_them() {
    let l = lost_host();
    // An identity file from before eqvault named the keys: the comment lines gone.
    let bare_id = l.root.join("safe").join("old-identity.txt");
    let text: String = std::fs::read_to_string(&l.safe)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&bare_id, text).unwrap();
    chmod(&bare_id, 0o600);
    let target = l.root.join("restored.db");
    let r = run_in(
        &l.root,
        &[
            "restore",
            "latest",
            "--store",
            s(&l.store),
            "--identity",
            s(&bare_id),
            "--to",
            s(&target),
        ],
    )
    .code(2)
    .stderr_has(&["no signing key to trust", "--trust", "age -d -i"]);
    assert!(!target.exists(), "{}", r.stderr);
    // Naming the old key (and the vault, which such a file does not name
    // either) on purpose is the deliberate way on.
    let others = run_in(
        &l.root,
        &[
            "snapshots",
            "--store",
            s(&l.store),
            "--trust",
            &l.old_key,
            "--all-vaults",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(
        others["other_vaults"][0]["vault"],
        l.vault.as_str(),
        "{others:#}"
    );
    run_in(
        &l.root,
        &[
            "restore",
            "latest",
            "--store",
            s(&l.store),
            "--identity",
            s(&bare_id),
            "--trust",
            &l.old_key,
            "--vault",
            &l.vault,
            "--to",
            s(&target),
        ],
    )
    .ok();
    assert_eq!(dump(&target), l.second_dump);

    // The standard tools ignore the anchor lines: age opens an object with the file as it is.
    let object = files_ending(&l.store, ".tar.zst.age")
        .into_iter()
        .find(|p| {
            p.to_string_lossy().contains(&l.ids[1]) && p.to_string_lossy().contains("/snapshots/")
        })
        .unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "age -d -i '{}' '{}' | zstd -d | tar -t",
            l.safe.display(),
            object.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("database.sqlite"));
}

#[test]
fn init_from_a_store_the_identity_did_not_make_is_refused_and_writes_nothing() {
    let l = lost_host();
    // Another office's store: its marker is signed by a key this identity does not name.
    let other = lost_host();
    let conf = l.root.join("wrong");
    run_in(
        &l.root,
        &[
            "init",
            "--from-store",
            s(&other.store),
            "--identity",
            s(&l.safe),
            "--db",
            s(&l.db),
            "--dir",
            s(&conf),
        ],
    )
    .code(2)
    .stderr_has(&["is not a store the identity's keys made", "--trust"]);
    assert!(!conf.exists(), "nothing written");
    // A plain `init` on the old store on a new machine points at --from-store.
    let plain = l.root.join("plain");
    let r = run_in(
        &l.root,
        &[
            "init",
            "--db",
            s(&l.db),
            "--store",
            s(&l.store),
            "--dir",
            s(&plain),
            "--json",
        ],
    )
    .code(1);
    assert!(r.stdout.contains("--from-store"), "{}", r.stdout);
}

/// README's "Disaster recovery" commands, run as written: only the example
/// paths are mapped to this test's folders.
#[test]
fn readme_disaster_recovery_runs_as_written() {
    let l = lost_host();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let at = readme.find("## Disaster recovery").expect("the section");
    let section = &readme[at..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let block_at = section.find("```sh\n").expect("a sh block") + 6;
    let block = &section[block_at..block_at + section[block_at..].find("```").unwrap()];
    let target = l.root.join("srv").join("thietbi").join("equipment.db");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let conf = l.root.join("srv").join("eqvault");
    let map = [
        ("/mnt/nas/eqvault", s(&l.store).to_string()),
        ("/media/safe/eqvault-identity.txt", s(&l.safe).to_string()),
        ("/srv/thietbi/equipment.db", s(&target).to_string()),
        ("/srv/eqvault", s(&conf).to_string()),
    ];
    let commands: Vec<&str> = block
        .lines()
        .filter(|l| l.starts_with("eqvault "))
        .collect();
    assert_eq!(commands.len(), 4, "{block}");
    let here = l.root.join("new-machine");
    std::fs::create_dir_all(&here).unwrap();
    for c in commands {
        let mut line = c.to_string();
        for (from, to) in &map {
            line = line.replace(from, to);
        }
        let args: Vec<&str> = line.split_whitespace().skip(1).collect();
        if args.contains(&"backup") {
            // Ids sort by the second they were made in.
            std::thread::sleep(std::time::Duration::from_millis(1100));
        }
        run_in(&here, &args).ok();
    }
    assert_eq!(dump(&target), l.second_dump);
    let listed = run_in(
        &here,
        &[
            "--config",
            s(&conf.join("eqvault.toml")),
            "snapshots",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed:#}");
}

/// Deletes every file of snapshot `id` from a local store.
fn delete_snapshot(store: &Path, id: &str) {
    let mut n = 0;
    for f in files_under(store) {
        if f.to_string_lossy().contains("/snapshots/") && f.to_string_lossy().contains(id) {
            std::fs::remove_file(&f).unwrap();
            n += 1;
        }
    }
    assert!(n >= 2, "the snapshot's files: {n}");
}

#[test]
fn the_newest_snapshot_deleted_right_after_its_backup_is_named_and_latest_refuses_until_forgotten()
{
    let fx = Fixture::new();
    fx.config_local();
    let first = fx.backup()["id"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = fx.backup()["id"].as_str().unwrap().to_string();
    // Someone with delete access removes the newest right away: no listing saw it go.
    delete_snapshot(&fx.store, &second);

    let st = fx.run(&["status", "--json"]).code(1);
    assert!(
        st.stdout.contains(&second),
        "status names it: {}",
        st.stdout
    );

    let target = fx.path().join("restored.db");
    fx.run(&["restore", "latest", "--to", s(&target)])
        .code(2)
        .stderr_has(&[&second, &first, "forget"]);
    assert!(!target.exists());
    fx.run(&["drill", "latest"])
        .code(2)
        .stderr_has(&[&second, "forget"]);
    // Naming a snapshot is a choice: it restores.
    fx.run(&["restore", &first, "--to", s(&target)]).ok();
    std::fs::remove_file(&target).unwrap();
    // Acknowledged, `latest` goes on with what is left.
    fx.run(&["forget", &second]).ok();
    let r = fx
        .run(&["restore", "latest", "--to", s(&target), "--json"])
        .ok();
    assert_eq!(r.json()["id"], first.as_str());
}

#[test]
fn a_bare_restore_names_a_store_whose_newest_snapshot_is_older() {
    let fx = Fixture::new();
    let b = fx.config_with_second_store("store-b");
    fx.backup();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = fx.backup()["id"].as_str().unwrap().to_string();
    delete_snapshot(&b, &second);
    // A machine that saw nothing: the stores disagree on the newest, and that is said.
    let trust = fx.signing_public.clone();
    let target = fx.path().join("bare.db");
    // The fixture's stores are in the root layout (a set-up from before
    // vaults): its identity file as such a set-up wrote it, without a vault.
    let identity = fx.path().join("old-identity.txt");
    let text: String = std::fs::read_to_string(&fx.identity)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("# eqvault-vault:"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&identity, text).unwrap();
    chmod(&identity, 0o600);
    let r = run_in(
        fx.path(),
        &[
            "restore",
            "latest",
            "--store",
            s(&fx.store),
            "--store",
            s(&b),
            "--trust",
            &trust,
            "--identity",
            s(&identity),
            "--to",
            s(&target),
            "--json",
        ],
    );
    let r = r.ok();
    assert_eq!(r.json()["id"], second.as_str());
    let notes = r.json()["notes"].to_string();
    assert!(
        notes.contains("store-b") && notes.contains("does not hold"),
        "{notes}"
    );
    assert!(r.stderr.contains("does not hold"), "{}", r.stderr);
}

#[test]
fn a_failed_drill_whose_record_was_deleted_everywhere_still_fails_status_and_is_named() {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    // A good drill, then a failed one (the object damaged since).
    let good = fx.run(&["drill", "--json"]).ok().json();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let object = only_object(&fx.store);
    let mut bytes = std::fs::read(&object).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&object, bytes).unwrap();
    let failed = fx.run(&["drill", "--json"]).code(1).json();
    assert_eq!(failed["status"], "failed");
    let failed_id = failed["id"].as_str().unwrap();
    // The failed drill's record (and signature) deleted from the store.
    let mut n = 0;
    for f in files_under(&fx.store) {
        if f.to_string_lossy().contains("/drills/") && f.to_string_lossy().contains(failed_id) {
            std::fs::remove_file(&f).unwrap();
            n += 1;
        }
    }
    assert_eq!(n, 2, "the record and its signature");
    let v = fx
        .run(&["status", "--max-age", "1h", "--json"])
        .code(1)
        .json();
    assert_eq!(v["last_drill"]["id"], failed_id, "{v:#}");
    assert_eq!(v["last_drill"]["status"], "failed");
    assert_eq!(v["vanished_drills"][0]["id"], failed_id);
    let problems = v["problems"].to_string();
    assert!(
        problems.contains(failed_id) && problems.contains("gone"),
        "{problems}"
    );
    assert_ne!(good["id"], failed["id"]);
    let v = fx.run(&["verify", "--all", "--json"]).code(1).json();
    assert!(
        v["results"].to_string().contains(failed_id),
        "verify names it: {v:#}"
    );
    // Acknowledged, the older good drill is the last one again.
    fx.run(&["forget", "--vanished"]).ok();
    let v = fx.run(&["status", "--max-age", "1h", "--json"]).json();
    assert_eq!(v["last_drill"]["id"], good["id"], "{v:#}");
}

#[test]
fn two_store_entries_that_are_one_folder_count_one_copy_and_are_named() {
    let fx = Fixture::new();
    // The second entry is the same folder through a link (a second mount looks the same).
    let link = fx.path().join("nas-link");
    std::os::unix::fs::symlink(&fx.store, &link).unwrap();
    fx.config_two_local(&fx.store, &link);
    fx.mark_stores(&[StoreSpec::Local(fx.store.clone())]);
    let b = fx.run(&["backup", "--json"]).code(1);
    let v = b.json();
    assert_eq!(v["stores"][0]["ok"], true, "{v:#}");
    assert_eq!(v["stores"][1]["ok"], false, "{v:#}");
    assert!(
        v["stores"][1]["error"]
            .as_str()
            .unwrap()
            .contains("same store"),
        "{v:#}"
    );
    let st = fx.run(&["status", "--json"]).code(1).json();
    assert_eq!(st["last_backup"]["copies"], 1, "{st:#}");
    assert!(
        st["problems"].to_string().contains("carry the same marker"),
        "{st:#}"
    );
    let d = fx.run(&["doctor", "--json"]).code(1).json();
    assert!(
        d["checks"].to_string().contains("carry the same marker"),
        "{d:#}"
    );
    // The two-copy rule of the checks sees one copy.
    let c = fx.run(&["check", "--json"]).json();
    let copies: Vec<&Value> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "backup_copies")
        .collect();
    assert_eq!(copies.len(), 1, "{c:#}");
}

#[test]
fn a_store_whose_marker_changed_is_named_until_store_add_accepts_it() {
    let fx = Fixture::new();
    let other = fx.config_with_second_store("usb");
    fx.backup();
    fx.run(&["status", "--json"]).ok();
    // The two disks come back mounted the other way round.
    let swap = fx.path().join("swap");
    std::fs::rename(&fx.store, &swap).unwrap();
    std::fs::rename(&other, &fx.store).unwrap();
    std::fs::rename(&swap, &other).unwrap();
    let st = fx.run(&["status", "--json"]).code(1).json();
    let problems = st["problems"].to_string();
    assert!(
        problems.contains("marker of store") && problems.contains("changed"),
        "{st:#}"
    );
    let d = fx.run(&["doctor", "--json"]).code(1).json();
    assert!(
        d["checks"]
            .to_string()
            .contains("changed since this host last saw it"),
        "{d:#}"
    );
    let b = fx.run(&["backup"]).ok();
    assert!(
        b.stderr.contains("changed since this host last saw it"),
        "{}",
        b.stderr
    );
    // `store add` on each says: this is the store now.
    for s in [&fx.store, &other] {
        fx.run(&["store", "add", s.to_str().unwrap()]).ok();
    }
    let st = fx.run(&["status", "--json"]).json();
    assert!(!st["problems"].to_string().contains("changed"), "{st:#}");
}

/// Office `fx`'s config as a vault `vault` over `stores`, trusting `also`
/// besides its own key, encrypting to `shared` besides its own recipient.
fn as_vault(fx: &Fixture, stores: &[StoreSpec], vault: &str, also: &str, shared: &str) {
    fx.write_config(stores);
    let t = std::fs::read_to_string(&fx.config).unwrap();
    let t = t.replacen(
        "[database]\n",
        &format!("[database]\nvault = \"{vault}\"\n"),
        1,
    );
    let mine = format!("recipients = [\"{}\"]", fx.recipient);
    let t = t.replace(
        &mine,
        &format!("recipients = [\"{}\", \"{shared}\"]", fx.recipient),
    );
    let trusted = format!("trusted = [\"{}\"]", fx.signing_public);
    let t = t.replace(
        &trusted,
        &format!("trusted = [\"{}\", \"{also}\"]", fx.signing_public),
    );
    std::fs::write(&fx.config, t).unwrap();
}

#[test]
fn two_offices_sharing_a_local_and_an_s3_store_each_see_only_their_own_vault() {
    let s3dir = tempfile::tempdir().unwrap();
    let server = S3Server::start(s3dir.path());
    let shared_dir = tempfile::tempdir().unwrap();
    let shared = shared_dir.path().join("nas");
    std::fs::create_dir(&shared).unwrap();
    let stores = [
        StoreSpec::Local(shared.clone()),
        StoreSpec::s3(&server, "city"),
    ];
    let (recovery_key, _) = {
        let (text, public) = eqvault::pack::keys::generate();
        (public, text)
    };
    let a = Fixture::new();
    let b = Fixture::new();
    as_vault(
        &a,
        &stores,
        "v-0ffice00000a",
        &b.signing_public,
        &recovery_key,
    );
    a.mark_stores(&stores);
    as_vault(
        &b,
        &stores,
        "v-0ffice00000b",
        &a.signing_public,
        &recovery_key,
    );
    // Different data in each office.
    add_rows(&a.db, 10, "office a");
    add_rows(&b.db, 20, "office b");
    let a1 = a.backup()["id"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b1 = b.backup()["id"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let a2 = a.backup()["id"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b2 = b.backup()["id"].as_str().unwrap().to_string();

    // Each lists its own, and the other apart on request.
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&a.run(&["snapshots", "--json"]).ok().json()),
        vec![a2.clone(), a1.clone()]
    );
    assert_eq!(
        ids(&b.run(&["snapshots", "--json"]).ok().json()),
        vec![b2.clone(), b1.clone()]
    );
    let all = a.run(&["snapshots", "--all-vaults", "--json"]).ok().json();
    assert_eq!(all["vault"], "v-0ffice00000a");
    assert_eq!(all["other_vaults"][0]["vault"], "v-0ffice00000b", "{all:#}");
    assert_eq!(
        ids(&all["other_vaults"][0]["snapshots"]),
        vec![b2.clone(), b1.clone()]
    );
    // Each restores its own database; B's newest is newer than A's, and A never takes it.
    for (fx, want) in [(&a, &a2), (&b, &b2)] {
        let target = fx.path().join("restored.db");
        let r = fx
            .run(&["restore", "latest", "--to", s(&target), "--json"])
            .ok();
        assert_eq!(r.json()["id"], want.as_str());
        assert_eq!(dump(&target), dump(&fx.db));
    }
    // Status and retention see only their own vault.
    let st = a.run(&["status", "--json"]).ok().json();
    assert_eq!(st["last_backup"]["id"], a2.as_str());
    assert_eq!(st["last_backup"]["copies"], 2);
    let p = a.run(&["prune", "--json"]).ok().json();
    let kept: Vec<&str> = p["keep"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert!(kept.iter().all(|k| *k == a1 || *k == a2), "{p:#}");
    let st = b.run(&["status", "--json"]).ok().json();
    assert_eq!(st["last_backup"]["id"], b2.as_str(), "{st:#}");
    assert_eq!(st["last_backup"]["copies"], 2);
    // A snapshot of B's copied into A's folder is B's, signed so: not A's.
    let b_meta = files_ending(&shared.join("vaults").join("v-0ffice00000b"), ".json")
        .into_iter()
        .find(|p| p.to_string_lossy().contains(&b2) && p.to_string_lossy().contains("/snapshots/"))
        .unwrap();
    let rel = b_meta
        .strip_prefix(shared.join("vaults").join("v-0ffice00000b"))
        .unwrap()
        .to_path_buf();
    let into_a = shared.join("vaults").join("v-0ffice00000a").join(&rel);
    std::fs::create_dir_all(into_a.parent().unwrap()).unwrap();
    for ext in ["", ".sig"] {
        std::fs::copy(
            format!("{}{ext}", b_meta.display()),
            format!("{}{ext}", into_a.display()),
        )
        .unwrap();
    }
    std::fs::copy(
        b_meta
            .display()
            .to_string()
            .replace(".json", ".tar.zst.age"),
        into_a
            .display()
            .to_string()
            .replace(".json", ".tar.zst.age"),
    )
    .unwrap();
    let r = a
        .run(&[
            "restore",
            "latest",
            "--to",
            s(&a.path().join("again.db")),
            "--json",
        ])
        .ok();
    assert_eq!(r.json()["id"], a2.as_str());
    let st = a.run(&["status", "--json"]).code(1).json();
    assert!(
        st["untrusted"]
            .to_string()
            .contains("signed for vault v-0ffice00000b"),
        "{st:#}"
    );
    // So is a hold of B's put in A's folder: it protects nothing of A's.
    b.run(&["hold", &b2, "--reason", "thanh tra"]).ok();
    let b_hold = shared
        .join("vaults")
        .join("v-0ffice00000b")
        .join("holds")
        .join(format!("{b2}.json"));
    let a_holds = shared.join("vaults").join("v-0ffice00000a").join("holds");
    std::fs::create_dir_all(&a_holds).unwrap();
    for ext in ["", ".sig"] {
        std::fs::copy(
            format!("{}{ext}", b_hold.display()),
            format!("{}{ext}", a_holds.join(format!("{b2}.json")).display()),
        )
        .unwrap();
    }
    let p = a.run(&["prune", "--dry-run", "--json"]).ok().json();
    assert!(
        p["untrusted"]
            .to_string()
            .contains("signed for vault v-0ffice00000b"),
        "{p:#}"
    );
}

#[test]
fn init_adds_a_second_office_to_a_store_whose_marker_it_is_told_to_trust() {
    let l = lost_host();
    let db = l.root.join("office-b.db");
    create_equipment_db(&db);
    let conf = l.root.join("office-b");
    let r = run_in(
        &l.root,
        &[
            "init",
            "--db",
            s(&db),
            "--store",
            s(&l.store),
            "--dir",
            s(&conf),
            "--trust",
            &l.old_key,
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(r["stores"][0]["marker"], "present", "{r:#}");
    assert_ne!(r["vault"], l.vault.as_str());
    let config = conf.join("eqvault.toml");
    run_in(&l.root, &["--config", s(&config), "backup"]).ok();
    let mine = run_in(&l.root, &["--config", s(&config), "snapshots", "--json"])
        .ok()
        .json();
    assert_eq!(
        mine.as_array().unwrap().len(),
        1,
        "only office b's: {mine:#}"
    );
}

#[test]
fn a_released_hold_uploaded_again_is_not_believed_and_a_new_hold_is() {
    let fx = Fixture::new();
    fx.config_local();
    let id = fx.backup()["id"].as_str().unwrap().to_string();
    fx.run(&["hold", &id, "--reason", "thanh tra"]).ok();
    let hold = fx.store.join("holds").join(format!("{id}.json"));
    let kept = (
        std::fs::read(&hold).unwrap(),
        std::fs::read(format!("{}.sig", hold.display())).unwrap(),
    );
    fx.run(&["unhold", &id]).ok();
    assert!(!hold.exists());
    // Someone who kept a copy puts the released hold back.
    std::fs::write(&hold, &kept.0).unwrap();
    std::fs::write(format!("{}.sig", hold.display()), &kept.1).unwrap();
    let p = fx.run(&["prune", "--dry-run", "--json"]).ok().json();
    let reasons = p["keep"].to_string();
    assert!(
        !reasons.contains("held"),
        "the released hold protects nothing: {p:#}"
    );
    assert!(p["untrusted"].to_string().contains("released"), "{p:#}");
    let st = fx.run(&["status", "--json"]).code(1).json();
    assert!(st["problems"].to_string().contains("released"), "{st:#}");
    // A new hold is a new hold.
    std::fs::remove_file(&hold).unwrap();
    std::fs::remove_file(format!("{}.sig", hold.display())).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fx.run(&["hold", &id, "--reason", "kiểm toán"]).ok();
    let p = fx.run(&["prune", "--dry-run", "--json"]).ok().json();
    assert!(p["keep"].to_string().contains("held"), "{p:#}");
}

#[test]
fn a_genuine_sidecar_copied_under_another_period_is_named_by_status() {
    let fx = Fixture::new();
    fx.config_local();
    let mut t = std::fs::read_to_string(&fx.config).unwrap();
    t.push_str("\n[office]\nname = \"Phòng GD&ĐT Quận 1\"\n");
    std::fs::write(&fx.config, t).unwrap();
    fx.backup();
    let reports = fx.path().join("bao-cao");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::write(
        reports.join("Thống kê thiết bị HK1 2025-2026.csv"),
        "ma,ten\nTB1,Bàn\n",
    )
    .unwrap();
    fx.run(&["archive", "add", s(&reports)]).ok();
    let sidecar = files_ending(&fx.store.join("reports"), ".json")
        .into_iter()
        .next()
        .expect("a sidecar");
    let moved = PathBuf::from(sidecar.display().to_string().replace("/hk1/", "/hk2/"));
    assert_ne!(moved, sidecar);
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::copy(&sidecar, &moved).unwrap();
    std::fs::copy(
        format!("{}.sig", sidecar.display()),
        format!("{}.sig", moved.display()),
    )
    .unwrap();
    let st = fx.run(&["status", "--json"]).code(1).json();
    let named = st["untrusted"].to_string();
    assert!(
        named.contains("/hk2/") && named.contains("stored as"),
        "{st:#}"
    );
}
