//! Forgery (issue 12): someone with write and delete access to a store — a NAS share, a
//! leaked S3 key — and no secret of the backup host. age encrypts to public keys, and
//! every metadata file prints them, so such a person can build a snapshot that decrypts,
//! with a manifest whose hashes are right. Only the signature of a trusted key tells it
//! from a genuine one: every reader must ignore what it did not sign, name it, and never
//! let it take a retention floor, a `latest`, a drill or a hold from a genuine record.
//!
//! Each attack runs on a local store and on the S3 server (through the S3 protocol,
//! with the store's credentials, as a leaked key would).

mod common;
mod proving;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use common::*;
use eqvault::catalog::{self, SnapshotId};
use eqvault::store::Store;
use eqvault::trust::{Kind, Signer};
use proving::*;
use serde_json::Value;

/// The attacker's hands on one store: the store's own protocol and credentials.
struct Attacker {
    store: Store,
    /// Where the genuine objects can be read back on disk (for building forgeries).
    root: PathBuf,
    rt: tokio::runtime::Runtime,
}

impl Attacker {
    fn for_spec(spec: &StoreSpec, server: Option<&S3Server>) -> Attacker {
        let (cfg, root) = match spec {
            StoreSpec::Local(p) => (store_cfg(&p.to_string_lossy(), None), p.clone()),
            StoreSpec::S3 { endpoint, prefix } => (
                store_cfg(&spec.url(), Some(endpoint)),
                server
                    .expect("the S3 server")
                    .root()
                    .join(BUCKET)
                    .join(prefix),
            ),
        };
        Attacker {
            store: Store::open(&cfg).expect("the attacker opens the store"),
            root,
            rt: tokio::runtime::Runtime::new().unwrap(),
        }
    }

    fn put(&self, key: &str, body: &[u8]) {
        let b = Bytes::copy_from_slice(body);
        self.rt
            .block_on(async {
                let _ = self.store.delete(key).await;
                self.store.put_if_absent(key, b).await
            })
            .unwrap_or_else(|e| panic!("plant {key}: {e}"));
    }

    fn get(&self, key: &str) -> Vec<u8> {
        self.rt
            .block_on(self.store.get_bytes(key))
            .unwrap_or_else(|e| panic!("read {key}: {e}"))
            .to_vec()
    }

    fn has(&self, key: &str) -> bool {
        self.rt.block_on(self.store.head(key)).unwrap().is_some()
    }

    fn keys(&self, prefix: &str) -> BTreeSet<String> {
        self.rt
            .block_on(self.store.list(prefix))
            .unwrap()
            .into_iter()
            .map(|l| l.key)
            .collect()
    }
}

fn store_cfg(url: &str, endpoint: Option<&String>) -> eqvault::config::StoreConfig {
    let mut t = format!(
        "url = {}\nmax_retries = 1\n",
        toml::Value::String(url.into())
    );
    if let Some(e) = endpoint {
        t.push_str(&format!(
            "endpoint = {}\nregion = \"us-east-1\"\nallow_http = true\naccess_key_id = {}\nsecret_access_key = {}\n",
            toml::Value::String(e.clone()),
            toml::Value::String(ACCESS_KEY.into()),
            toml::Value::String(SECRET_KEY.into()),
        ));
    }
    toml::from_str(&t).expect("a store config")
}

/// A snapshot forged from a genuine one: every school renamed, a correct manifest, packed
/// to the public recipient, metadata with the right object hash; signed by `by` (or not at all).
fn forge(
    fx: &Fixture,
    genuine: &Parts,
    at: DateTime<Utc>,
    by: Option<&Signer>,
) -> Vec<(String, Vec<u8>)> {
    let d = Derived::from(genuine, at);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("x.db");
    std::fs::write(&db, &d.database).unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("UPDATE schools SET name = 'HACKED ' || name")
        .unwrap();
    let database = std::fs::read(&db).unwrap();
    let mut m = d.manifest_json();
    m["database_sha256"] = sha256(&database).into();
    m["database_bytes"] = database.len().into();
    let manifest = serde_json::to_vec_pretty(&m).unwrap();
    let mut t = RawTar::default();
    t.file("database.sqlite", &database);
    t.file("manifest.json", &manifest);
    if let Some(s) = by {
        t.file("manifest.json.sig", &s.sign(Kind::Manifest, &manifest));
    }
    let object = seal(&recipient_of(fx), &zstd(&t.end()));
    let mut meta = d.meta.clone();
    meta.object_bytes = object.len() as u64;
    meta.object_sha256 = sha256(&object);
    meta.database_bytes = database.len() as u64;
    let meta = serde_json::to_vec_pretty(&meta).unwrap();
    let mut out = vec![
        (d.id.object_key(), object),
        (d.id.metadata_key(), meta.clone()),
    ];
    if let Some(s) = by {
        out.push((
            format!("{}.sig", d.id.metadata_key()),
            s.sign(Kind::Snapshot, &meta),
        ));
    }
    out
}

/// A record at `key`, signed by `by` (or not).
fn record(key: &str, body: &Value, by: Option<&Signer>, kind: Kind) -> Vec<(String, Vec<u8>)> {
    let b = serde_json::to_vec_pretty(body).unwrap();
    let mut out = vec![(key.to_string(), b.clone())];
    if let Some(s) = by {
        out.push((format!("{key}.sig"), s.sign(kind, &b)));
    }
    out
}

/// The last second of the calendar quarter (Vietnam time) that `t` falls in.
fn end_of_quarter(t: DateTime<Utc>) -> DateTime<Utc> {
    let l = t.with_timezone(&catalog::vietnam());
    let (y, q) = (l.year(), (l.month() - 1) / 3);
    let (ny, nm) = if q == 3 { (y + 1, 1) } else { (y, q * 3 + 4) };
    catalog::vietnam()
        .with_ymd_and_hms(ny, nm, 1, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
        - Duration::seconds(1)
}

/// A drill record claiming success for `snapshot`.
fn drill_record(id: &str, snapshot: &str, at: DateTime<Utc>) -> Value {
    serde_json::json!({
        "format_version": 1, "id": id, "status": "success", "snapshot": snapshot,
        "store": "x", "started_at": at.with_timezone(&catalog::vietnam()),
        "seconds": 1.0, "phases": {"download": 0.3, "decrypt_decompress": 0.3, "checks": 0.4},
        "target_seconds": 1800, "object_bytes": 1, "database_bytes": 1, "checks": [],
        "tool_version": "0.1.0"
    })
}

fn ids_of(v: &Value, key: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

/// What the rules that rest on the stores found (with their evidence).
fn store_findings(fx: &Fixture) -> Vec<Value> {
    let r = fx.run(&["check", "--json"]);
    assert!(matches!(r.code, Some(0 | 1)), "{}", r.stderr);
    let mut v: Vec<Value> = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            matches!(
                f["rule"].as_str(),
                Some("backup_overdue" | "backup_copies" | "drill_overdue")
            )
        })
        .cloned()
        .collect();
    v.sort_by_key(|f| f.to_string());
    v
}

fn attack_suite(spec: StoreSpec, server: Option<&S3Server>, fx: &Fixture) {
    fx.write_config(std::slice::from_ref(&spec));
    // Tight retention, so that floors decide what survives.
    let text = std::fs::read_to_string(&fx.config).unwrap();
    std::fs::write(
        &fx.config,
        format!(
            "{text}\n[retention]\nkeep_last = 1\nkeep_daily = 1\nkeep_weekly = 0\nkeep_monthly = 0\nkeep_yearly = 0\nincomplete_grace = \"1h\"\n"
        ),
    )
    .unwrap();
    let now = Utc::now();
    // A genuine history across two quarters.
    let mut genuine = Vec::new();
    for days in [200, 190, 180, 100, 95, 12, 6, 2] {
        let at = (now - Duration::days(days)).to_rfc3339();
        let b = fx.run(&["backup", "--json", "--at", &at]).ok().json();
        genuine.push(b["id"].as_str().unwrap().to_string());
    }
    let newest = genuine.last().unwrap().clone();
    let drill = fx.run(&["drill", "latest", "--json"]).ok().json();
    assert_eq!(drill["snapshot"], newest.as_str());
    let status_before = fx.run(&["status", "--json"]).ok().json();
    let plan_before = fx.run(&["prune", "--dry-run", "--json"]).ok().json();
    let removable: Vec<String> = ids_of(&plan_before, "remove").into_iter().collect();
    assert!(
        removable.len() >= 3,
        "the test needs snapshots retention removes: {plan_before:#}"
    );
    let findings_before = store_findings(fx);

    // ---- the attack ------------------------------------------------------------------
    let a = Attacker::for_spec(&spec, server);
    let attacker = Signer::generate("attacker@evil");
    let parts = open_snapshot(fx, &a.root, &newest);
    let y2099 = Utc.with_ymd_and_hms(2099, 6, 1, 0, 0, 0).unwrap();
    let old_quarter = sid(&genuine[4]).time();
    let mut planted: Vec<(String, Vec<u8>)> = Vec::new();
    planted.extend(forge(fx, &parts, y2099, Some(&attacker)));
    planted.extend(forge(fx, &parts, y2099 + Duration::days(1), None));
    planted.extend(forge(fx, &parts, end_of_quarter(now), Some(&attacker)));
    planted.extend(forge(fx, &parts, end_of_quarter(old_quarter), None));
    let forged_ids: BTreeSet<String> = planted
        .iter()
        .filter_map(|(k, _)| catalog::id_of_key(k))
        .map(|(id, _)| id.to_string())
        .collect();
    assert_eq!(forged_ids.len(), 4);
    // A forged successful drill of a genuine snapshot retention would remove (to take the
    // drilled floor), and of the 2099 forgery; a forged hold on another removable one.
    let (drilled_victim, held_victim) = (&removable[0], &removable[1]);
    planted.extend(record(
        "drills/2099/20990601T000000Z-aaaaaa.json",
        &drill_record("20990601T000000Z-aaaaaa", drilled_victim, y2099),
        Some(&attacker),
        Kind::Drill,
    ));
    let d2 = (now - Duration::hours(1))
        .format("%Y%m%dT%H%M%SZ-bbbbbb")
        .to_string();
    planted.extend(record(
        &format!("drills/{}/{d2}.json", &d2[..4]),
        &drill_record(&d2, drilled_victim, now - Duration::hours(1)),
        None,
        Kind::Drill,
    ));
    planted.extend(record(
        &format!("holds/{held_victim}.json"),
        &serde_json::json!({"id": held_victim, "reason": "forged", "since": now.with_timezone(&catalog::vietnam())}),
        Some(&attacker),
        Kind::Hold,
    ));
    // Junk sealed ledgers that sort after every genuine one, with and without a forged record.
    for (i, by) in [Some(&attacker), None].into_iter().enumerate() {
        let snap = format!("99991231T23595{i}Z-ffffff");
        planted.push((format!("ledger/{snap}.jsonl.zst.age"), b"junk".to_vec()));
        planted.extend(record(
            &format!("ledger/{snap}.json"),
            &serde_json::json!({
                "format_version": 1, "snapshot": snap, "host": "evil",
                "created_at": y2099.with_timezone(&catalog::vietnam()),
                "object": format!("ledger/{snap}.jsonl.zst.age"), "object_bytes": 4,
                "object_sha256": sha256(b"junk"),
            }),
            by,
            Kind::Ledger,
        ));
    }
    // A genuine metadata file (and its signature and object) copied under a new id that
    // would be the newest.
    let copy_id = SnapshotId::new(now - Duration::minutes(5));
    let src = sid(&newest);
    for (from, to) in [
        (src.metadata_key(), copy_id.metadata_key()),
        (
            format!("{}.sig", src.metadata_key()),
            format!("{}.sig", copy_id.metadata_key()),
        ),
        (src.object_key(), copy_id.object_key()),
    ] {
        planted.push((to, a.get(&from)));
    }
    let ledgers_before = a.keys("ledger");
    for (k, b) in &planted {
        a.put(k, b);
    }

    // ---- every reader ignores every forgery ---------------------------------------------
    let listed: BTreeSet<String> = listed_ids_any(fx);
    assert_eq!(
        listed,
        genuine.iter().cloned().collect::<BTreeSet<_>>(),
        "snapshots lists exactly the genuine ones"
    );
    let st = fx.run(&["status", "--json"]).code(1).json();
    assert_eq!(st["last_backup"]["id"], newest.as_str(), "{st:#}");
    assert_eq!(
        st["last_drill"]["id"], status_before["last_drill"]["id"],
        "{st:#}"
    );
    let untrusted = st["untrusted"].to_string();
    for id in &forged_ids {
        assert!(untrusted.contains(id.as_str()), "status names {id}: {st:#}");
    }
    assert!(
        untrusted.contains("aaaaaa") && untrusted.contains("bbbbbb"),
        "forged drills named: {st:#}"
    );
    assert!(
        untrusted.contains(&format!("holds/{held_victim}")),
        "forged hold named: {st:#}"
    );
    assert!(
        untrusted.contains("99991231T235950Z"),
        "forged ledger named: {st:#}"
    );

    let v = fx.run(&["verify", "--all", "--json"]).code(1).json();
    let failed: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ok"] == false)
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    for id in forged_ids.iter().chain([&copy_id.to_string()]) {
        assert!(
            failed.iter().any(|f| f.contains(id.as_str())),
            "verify names {id}: {v:#}"
        );
    }
    for g in &genuine {
        assert!(
            v["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == g.as_str() && r["ok"] == true),
            "genuine {g} verifies: {v:#}"
        );
    }

    assert_eq!(
        store_findings(fx),
        findings_before,
        "check's store rules see no forgery"
    );
    let to = fx
        .path()
        .join(format!("restored-{}.db", rand::random::<u32>()));
    let r = fx
        .run(&["restore", "latest", "--to", to.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(r["id"], newest.as_str());
    assert!(
        !dump(&to).contains("HACKED"),
        "the forged database was not restored"
    );
    let d = fx.run(&["drill", "latest", "--json"]).ok().json();
    assert_eq!(
        d["snapshot"],
        newest.as_str(),
        "drill latest drills the genuine newest"
    );
    assert_eq!(d["status"], "success");

    let rep = fx.path().join(format!("r-{}.json", rand::random::<u32>()));
    let rj = fx.run(&["report", "--format", "json", "--out", rep.to_str().unwrap()]);
    assert!(matches!(rj.code, Some(0 | 1)), "{}", rj.stderr);
    let report = std::fs::read_to_string(&rep).unwrap();
    for id in &forged_ids {
        assert!(
            !report.contains(id.as_str()),
            "the report's evidence holds no forgery ({id})"
        );
    }

    // ---- prune decides as if nothing had been planted ----------------------------------
    let plan_after = fx.run(&["prune", "--dry-run", "--json"]).ok().json();
    assert_eq!(
        ids_of(&plan_after, "remove"),
        ids_of(&plan_before, "remove"),
        "{plan_after:#}"
    );
    assert!(ids_of(&plan_after, "remove").contains(drilled_victim.as_str()));
    assert!(ids_of(&plan_after, "remove").contains(held_victim.as_str()));
    let done = fx.run(&["prune", "--json"]).ok().json();
    assert_eq!(ids_of(&done, "remove"), ids_of(&plan_before, "remove"));
    let kept: BTreeSet<String> = ids_of(&plan_before, "keep")
        .into_iter()
        .filter(|id| genuine.contains(id))
        .collect();
    assert_eq!(
        listed_ids_any(fx),
        kept,
        "every genuine snapshot retention keeps is there"
    );
    for (k, _) in &planted {
        assert!(a.has(k), "prune left the unauthenticated {k} alone");
    }
    // Each host's newest sealed ledgers stay, as they would with nothing planted.
    let ledger_keys = |v: &Value| -> BTreeSet<String> {
        v["ledgers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ledger_keys(&done), ledger_keys(&plan_before), "{done:#}");
    let genuine_records: Vec<&String> = ledgers_before
        .iter()
        .filter(|k| k.ends_with(".json"))
        .collect();
    assert!(genuine_records.len() >= 3);
    for k in genuine_records.iter().rev().take(3) {
        assert!(
            a.has(k),
            "the newest genuine sealed ledgers were kept ({k})"
        );
    }
}

/// `snapshots --json` ids, whatever the exit code (warnings about forgeries are expected).
fn listed_ids_any(fx: &Fixture) -> BTreeSet<String> {
    fx.run(&["snapshots", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

fn sid(s: &str) -> SnapshotId {
    s.parse().expect("a snapshot id")
}

#[test]
fn forged_records_in_a_local_store_are_ignored_by_every_reader_and_prune_removes_nothing_genuine() {
    let fx = Fixture::new();
    attack_suite(StoreSpec::Local(fx.store.clone()), None, &fx);
}

#[test]
fn forged_records_in_an_s3_store_are_ignored_by_every_reader_and_prune_removes_nothing_genuine() {
    let fx = Fixture::new();
    let server = S3Server::start(&fx.path().join("s3"));
    attack_suite(StoreSpec::s3(&server, "eq"), Some(&server), &fx);
}

#[test]
fn a_genuine_snapshot_dated_in_the_future_is_not_latest_and_status_says_why() {
    let fx = Fixture::new();
    fx.config_local();
    // The last backup with a right clock is nine months old.
    let nine_months = (Utc::now() - Duration::days(270)).to_rfc3339();
    let real = fx
        .run(&["backup", "--json", "--at", &nine_months])
        .ok()
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The host clock said 2030 for one backup.
    let future = fx
        .run(&["backup", "--json", "--at", "2030-03-01T01:00:00Z"])
        .ok()
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(listed_ids_any(&fx), BTreeSet::from([real.clone()]));
    let st = fx.run(&["status", "--json"]).code(1).json();
    assert_eq!(st["last_backup"]["id"], real.as_str());
    assert_eq!(st["future"][0]["id"], future.as_str());
    let human = fx.run(&["status"]).code(1);
    assert!(
        human.stdout.contains(&future) && human.stdout.contains("future"),
        "{}",
        human.stdout
    );
    let v = fx.run(&["verify", "--all", "--json"]).code(1).json();
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == future.as_str() && r["ok"] == false)
    );
    // Nine months without a backup, status says stale: the 2030 one does not count.
    assert_eq!(st["stale"], true, "{st:#}");
    let r = fx.run(&["status", "--max-age", "3months"]).code(1);
    assert!(r.stdout.contains("older than"), "{}", r.stdout);
    // A backup with today's clock is refused: this clock is behind that snapshot.
    fx.run(&["backup"])
        .code(2)
        .stderr_has(&["clock", &future, "--allow-clock-behind"]);
    fx.run(&["backup", "--allow-clock-behind"]).ok();
    // Restore and drill use the genuine, present-day newest.
    let d = fx.run(&["drill", "latest", "--json"]).ok().json();
    assert_ne!(d["snapshot"], future.as_str());
}

#[test]
fn a_standard_tool_verifies_the_signatures_and_refuses_a_tampered_copy() {
    let fx = Fixture::new();
    fx.config_local();
    let id: SnapshotId = fx.backup()["id"].as_str().unwrap().parse().unwrap();
    let allowed = fx.path().join("allowed_signers");
    std::fs::write(&allowed, format!("eqvault {}\n", fx.signing_public)).unwrap();
    let verify = |ns: &str, file: &Path, sig: &Path| {
        std::process::Command::new("ssh-keygen")
            .args(["-Y", "verify", "-f"])
            .arg(&allowed)
            .args(["-I", "eqvault", "-n", ns, "-s"])
            .arg(sig)
            .stdin(std::fs::File::open(file).unwrap())
            .output()
            .expect("ssh-keygen (openssh-client)")
    };
    let meta = fx.store.join(id.metadata_key());
    let sig = PathBuf::from(format!("{}.sig", meta.display()));
    let good = verify("eqvault-snapshot", &meta, &sig);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(String::from_utf8_lossy(&good.stdout).contains("Good \"eqvault-snapshot\" signature"));
    // Another namespace: a metadata signature is no drill record's.
    assert!(!verify("eqvault-drill", &meta, &sig).status.success());
    let tampered = fx.path().join("tampered.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(
        &tampered,
        text.replacen("\"object_bytes\": ", "\"object_bytes\": 1", 1),
    )
    .unwrap();
    assert!(!verify("eqvault-snapshot", &tampered, &sig).status.success());
    // The manifest inside the object, as README's recovery recipe checks it.
    let out = fx.path().join("unpacked");
    std::fs::create_dir(&out).unwrap();
    let sh = format!(
        "age -d -i '{}' '{}' | zstd -d | tar -x -C '{}'",
        fx.identity.display(),
        fx.store.join(id.object_key()).display(),
        out.display()
    );
    assert!(
        std::process::Command::new("sh")
            .arg("-c")
            .arg(&sh)
            .status()
            .unwrap()
            .success()
    );
    let m = verify(
        "eqvault-manifest",
        &out.join("manifest.json"),
        &out.join("manifest.json.sig"),
    );
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    std::fs::write(out.join("manifest.json"), b"{}").unwrap();
    assert!(
        !verify(
            "eqvault-manifest",
            &out.join("manifest.json"),
            &out.join("manifest.json.sig")
        )
        .status
        .success()
    );
}

#[test]
fn a_backup_to_an_unmounted_nas_exits_2_and_writes_nothing_there() {
    let fx = Fixture::new();
    // The mount point is there, the disk is not: an empty folder without the marker.
    let mount = fx.path().join("mnt-nas");
    std::fs::create_dir(&mount).unwrap();
    let text = std::fs::read_to_string(&fx.config).unwrap();
    std::fs::write(
        &fx.config,
        text.replace(
            &toml::Value::String(fx.store.to_string_lossy().into()).to_string(),
            &toml::Value::String(mount.to_string_lossy().into()).to_string(),
        ),
    )
    .unwrap();
    let r = fx.run(&["backup"]).code(2);
    assert!(
        r.stderr.contains(mount.to_str().unwrap()) && r.stderr.contains("mounted"),
        "{}",
        r.stderr
    );
    assert!(
        names_in(&mount).is_empty(),
        "nothing was written to the mount point"
    );
    fx.run(&["sync"]).code(2).stderr_has(&["mounted"]);
    fx.run(&["prune"]).code(2).stderr_has(&["mounted"]);
    assert!(names_in(&mount).is_empty());
    // A forged marker (another key) is no better than none.
    let evil = Signer::generate("evil");
    let m = br#"{"format_version":1,"store_id":"x","url":"x","office":"x","created_at":"2026-01-01T00:00:00+07:00"}"#;
    std::fs::write(mount.join("eqvault-store.json"), m).unwrap();
    std::fs::write(
        mount.join("eqvault-store.json.sig"),
        evil.sign(Kind::Marker, m),
    )
    .unwrap();
    fx.run(&["backup"])
        .code(2)
        .stderr_has(&["not signed by a key this host trusts"]);
    assert_eq!(
        names_in(&mount),
        ["eqvault-store.json", "eqvault-store.json.sig"]
    );
}

#[test]
fn init_refuses_a_missing_store_folder_without_create_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    create_equipment_db(&db);
    let missing = dir.path().join("mnt/nas/eqvault");
    let run = |extra: &[&str]| {
        let mut c = eqvault();
        c.args(["init", "--db"])
            .arg(&db)
            .arg("--store")
            .arg(&missing)
            .arg("--dir")
            .arg(dir.path().join("conf"));
        c.args(extra);
        c.output().unwrap()
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("--create-store") && e.contains("mnt/nas/eqvault"),
        "{e}"
    );
    assert!(
        !missing.exists() && !dir.path().join("conf").exists(),
        "nothing was created"
    );
    let o = run(&["--create-store"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        missing.join("eqvault-store.json").is_file()
            && missing.join("eqvault-store.json.sig").is_file()
    );
}

#[test]
fn snapshots_made_before_signing_are_ignored_until_adopted_and_then_restore() {
    let fx = Fixture::new();
    fx.config_local();
    let id = fx.backup()["id"].as_str().unwrap().to_string();
    let sid: SnapshotId = id.parse().unwrap();
    // As an eqvault before signing left it: no signature beside the metadata.
    std::fs::remove_file(format!(
        "{}.sig",
        fx.store.join(sid.metadata_key()).display()
    ))
    .unwrap();
    assert!(listed_ids_any(&fx).is_empty());
    fx.run(&["verify", "--all"]).code(1);
    // A forgery planted beside it, unsigned as well, fails its checks and is not adopted.
    let attacker_parts = open_snapshot(&fx, &fx.store, &id);
    let mut d = Derived::from(&attacker_parts, Utc::now() - Duration::hours(1));
    d.database[100] ^= 0xff;
    let forged = plant_unsigned(
        &fx.store,
        &seal(&recipient_of(&fx), &zstd(&d.tar())),
        d.meta.clone(),
    );
    let r = fx.run(&["adopt", "--all", "--json"]).code(1).json();
    let fates: BTreeMap<String, bool> = r["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["ok"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(fates.get(&id), Some(&true), "{r:#}");
    assert_eq!(fates.get(forged.as_str()), Some(&false), "{r:#}");
    assert_eq!(listed_ids_any(&fx), BTreeSet::from([id.clone()]));
    let to = fx.path().join("adopted.db");
    fx.run(&["restore", &id, "--to", to.to_str().unwrap()]).ok();
    assert_eq!(dump(&to), dump(&fx.db));
}

/// Writes an object and metadata with no signature (what an old eqvault, or anyone, leaves).
fn plant_unsigned(store: &Path, object: &[u8], mut meta: eqvault::catalog::Metadata) -> SnapshotId {
    meta.object_bytes = object.len() as u64;
    meta.object_sha256 = sha256(object);
    let id = meta.id.clone();
    let obj = store.join(id.object_key());
    std::fs::create_dir_all(obj.parent().unwrap()).unwrap();
    std::fs::write(&obj, object).unwrap();
    std::fs::write(
        store.join(id.metadata_key()),
        serde_json::to_vec_pretty(&meta).unwrap(),
    )
    .unwrap();
    id
}

/// Someone with delete access removes a genuine snapshot (metadata, signature and
/// object): the host remembers what it saw, so `status` and `verify` name it until an
/// admin acknowledges it with `forget`; a prune by this host is not a vanishing.
#[test]
fn a_snapshot_that_vanishes_without_a_prune_is_named_until_forgotten() {
    let fx = Fixture::new();
    fx.config_local();
    let first = fx.backup()["id"].as_str().unwrap().to_string();
    let second = fx.backup()["id"].as_str().unwrap().to_string();
    fx.run(&["status"]).ok();
    let sid: SnapshotId = first.parse().unwrap();
    for key in [
        sid.metadata_key(),
        eqvault::trust::sig_key(&sid.metadata_key()),
        sid.object_key(),
    ] {
        std::fs::remove_file(fx.store.join(&key)).unwrap();
    }
    let st = fx.run(&["status"]).code(1);
    assert!(
        st.stdout.contains(&first) && st.stdout.contains("is gone, with no prune by this host"),
        "{}",
        st.stdout
    );
    let j = fx.run(&["status", "--json"]).code(1).json();
    assert_eq!(j["vanished"][0]["id"], first.as_str(), "{j:#}");
    let v = fx.run(&["verify", "--all"]).code(1);
    assert!(v.stdout.contains(&first), "{}", v.stdout);
    assert_eq!(listed_ids(&fx), vec![second.clone()]);
    fx.run(&["forget", &first]).ok();
    fx.run(&["status"]).ok();
    fx.run(&["verify", "--all"]).ok();
}

/// An S3 store holds a marker too; one whose marker was removed is named by `status`,
/// and `store add` writes it again.
#[test]
fn an_s3_store_without_its_marker_is_named_by_status_and_store_add_writes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let server = S3Server::start(tmp.path());
    let fx = Fixture::new();
    fx.config_s3(&server, "eq");
    let url = format!("s3://{BUCKET}/eq");
    fx.run(&["store", "add", &url]).ok();
    let marker = server.root().join(BUCKET).join("eq/eqvault-store.json");
    assert!(marker.is_file() && PathBuf::from(format!("{}.sig", marker.display())).is_file());
    fx.backup();
    fx.run(&["status"]).ok();
    std::fs::remove_file(&marker).unwrap();
    let st = fx.run(&["status"]).code(1);
    assert!(
        st.stdout.contains("has no eqvault marker") && st.stdout.contains("store add"),
        "{}",
        st.stdout
    );
    fx.run(&["store", "add", &url]).ok();
    fx.run(&["status"]).ok();
}
