//! Issue 28: copies ransomware cannot delete (S3 Object Lock) and independent media.
//!
//! Against moto's S3 server (installed by scripts/test.sh), which nobody on this
//! project wrote: a bucket with Object Lock and a default retention (so every
//! PUT must carry a checksum, as on AWS), and a bucket without Object Lock.
//! Retention is read back with a HEAD: moto 5.2 does not implement
//! `GetObjectRetention` (it answers with the object's body, which boto3 reads
//! as a 500), while a HEAD carries the same mode and date on every S3.
//!
//! Each test starts its own server and buckets. No test depends on the wall
//! clock's position: retentions are days long and compared with margins, a
//! lock that must pass is shortened by the test (as an administrator with the
//! bypass permission would) and waited for, and the quarter's end is given to
//! prune as its `now`.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{ACCESS_KEY, BUCKET, Fixture, Moto, SECRET_KEY, StoreSpec};
use serde_json::Value;

/// A bucket without Object Lock, beside the locked one.
const PLAIN: &str = "plain-bucket";

/// moto's server in this process's child. Answers on stdin: `keys BUCKET`
/// (every key, as JSON), `retention KEY` (`{"mode", "until"}` from a HEAD),
/// `shorten KEY SECONDS` (retention cut to now + SECONDS with the bypass
/// permission, as an administrator would), `markers` (keys with a delete marker).
const MOTO_PY: &str = r#"
import datetime, json, sys, boto3
from moto.server import ThreadedMotoServer
bucket, plain, key, secret = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
srv.start()
host, port = srv.get_host_and_port()
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                  aws_access_key_id=key, aws_secret_access_key=secret)
s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
    "ObjectLockEnabled": "Enabled",
    "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
s3.create_bucket(Bucket=plain)
print(port, flush=True)
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "keys":
        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=words[1]):
            keys += [o["Key"] for o in page.get("Contents", [])]
        print(json.dumps(keys), flush=True)
    elif words[0] == "retention":
        try:
            h = s3.head_object(Bucket=bucket, Key=words[1])
        except Exception as e:
            print(json.dumps({"error": str(e)}), flush=True)
            continue
        until = h.get("ObjectLockRetainUntilDate")
        print(json.dumps({"mode": h.get("ObjectLockMode"),
                          "until": until.isoformat() if until else None}), flush=True)
    elif words[0] == "shorten":
        until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=int(words[2]))
        s3.put_object_retention(Bucket=bucket, Key=words[1], BypassGovernanceRetention=True,
                                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until})
        print(json.dumps({"until": until.isoformat()}), flush=True)
    elif words[0] == "markers":
        v = s3.list_object_versions(Bucket=bucket)
        print(json.dumps([m["Key"] for m in v.get("DeleteMarkers", [])]), flush=True)
srv.stop()
"#;

impl Moto {
    /// moto with a bucket with Object Lock and a plain one.
    fn locked() -> Moto {
        Moto::start(MOTO_PY, &[BUCKET, PLAIN, ACCESS_KEY, SECRET_KEY])
    }

    fn keys_in(&mut self, bucket: &str) -> Vec<String> {
        self.ask(&format!("keys {bucket}"))
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    }

    fn keys(&mut self) -> Vec<String> {
        self.keys_in(BUCKET)
    }

    /// The retention of `key`: (mode, until).
    fn retention(&mut self, key: &str) -> (Option<String>, Option<DateTime<Utc>>) {
        let r = self.ask(&format!("retention {key}"));
        assert!(r["error"].is_null(), "HEAD {key}: {r}");
        (
            r["mode"].as_str().map(str::to_string),
            r["until"]
                .as_str()
                .map(|t| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)),
        )
    }
}

/// Adds `line` to the `[[store]]` whose url is `url` (after its url line).
fn add_to_store(fx: &Fixture, url: &str, line: &str) {
    let text = std::fs::read_to_string(&fx.config).unwrap();
    let at = format!("url = \"{url}\"\n");
    assert!(text.contains(&at), "{url} in\n{text}");
    std::fs::write(&fx.config, text.replacen(&at, &format!("{at}{line}\n"), 1)).unwrap();
}

/// Appends text to the config.
fn append(fx: &Fixture, more: &str) {
    let mut text = std::fs::read_to_string(&fx.config).unwrap();
    text.push_str(more);
    std::fs::write(&fx.config, text).unwrap();
}

/// A backup, asserting that every configured store took it.
fn backup_to_every_store(fx: &Fixture) -> Value {
    let b = fx.backup();
    assert!(
        b["stores"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["ok"] == true),
        "{b:#}"
    );
    b
}

const LOCK: &str = "lock = { mode = \"governance\", keep = \"10days\" }";

/// Keeps one snapshot, beside the floors that no setting lowers.
const KEEP_ONE: &str = "\n[retention]\nkeep_last = 1\nkeep_daily = 0\nkeep_weekly = 0\nkeep_monthly = 0\nkeep_yearly = 0\nincomplete_grace = \"1h\"\n";

#[test]
fn every_write_reaches_a_locked_bucket_with_the_configured_retention() {
    let mut moto = Moto::locked();
    let fx = Fixture::new();
    let s3 = moto.store("office-1");
    fx.write_config(&[StoreSpec::Local(fx.store.clone()), moto.store("office-0")]);
    // A store put in the config by hand, with its `lock`, then `store add` of it:
    // its marker goes through the lock.
    let text = std::fs::read_to_string(&fx.config).unwrap();
    std::fs::write(&fx.config, text.replace("office-0", "office-1")).unwrap();
    add_to_store(&fx, &s3.url(), LOCK);
    append(
        &fx,
        "[office]\nname = \"Phòng Giáo dục và Đào tạo Quận 5\"\n",
    );
    let before = Utc::now();
    let added = fx.run(&["store", "add", &s3.url()]);
    assert!(
        moto.keys()
            .iter()
            .any(|k| k == "office-1/eqvault-store.json"),
        "store add wrote the marker into the locked bucket\n{}{}",
        added.stdout,
        added.stderr
    );

    // Backup (a multipart object, its metadata, signatures, the ledger), a drill,
    // a hold, a report archive, sync, verify.
    let b = backup_to_every_store(&fx);
    let id = b["id"].as_str().unwrap().to_string();
    let d = fx.run(&["drill", "--json"]).ok().json();
    assert_eq!(d["status"], "success", "{d:#}");
    fx.run(&["hold", &id, "--reason", "thanh tra"]).ok();
    let reports = fx.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    std::fs::write(
        reports.join("Báo cáo thống kê thiết bị HK1 2025-2026.xlsx"),
        b"not really a spreadsheet",
    )
    .unwrap();
    let a = fx
        .run(&["archive", "add", reports.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(a["added"].as_array().unwrap().len(), 1, "{a:#}");
    // A second backup made while the bucket was not configured, then copied by sync.
    let text = std::fs::read_to_string(&fx.config).unwrap();
    fx.write_config(&[StoreSpec::Local(fx.store.clone())]);
    fx.backup();
    std::fs::write(&fx.config, &text).unwrap();
    let s = fx.run(&["sync", "--json"]).ok().json();
    assert!(s.is_object(), "{s}");
    fx.run(&["verify", "--all", "--json"]).ok();
    let after = Utc::now();

    let keys = moto.keys();
    for want in ["snapshots/", "drills/", "holds/", "reports/", "ledger"] {
        assert!(
            keys.iter()
                .any(|k| k.starts_with(&format!("office-1/{want}"))),
            "nothing under office-1/{want}: {keys:?}"
        );
    }
    // Every object eqvault wrote there is locked, in governance mode, for 10 days
    // from its write: the snapshot objects completed from parts too.
    let written: Vec<&String> = keys
        .iter()
        .filter(|k| k.starts_with("office-1/") && !k.contains("eqvault-doctor-probe"))
        .collect();
    assert!(written.len() >= 12, "{written:?}");
    for k in written {
        let (mode, until) = moto.retention(k);
        let until = until.unwrap_or_else(|| panic!("{k} has no retention"));
        assert_eq!(mode.as_deref(), Some("GOVERNANCE"), "{k}");
        assert!(
            until >= before + Duration::days(10) - Duration::seconds(5)
                && until <= after + Duration::days(10) + Duration::seconds(5),
            "{k} is locked until {until}, not 10 days after it was written ({before} … {after})"
        );
    }
    assert_eq!(moto.child.finish(), Some(0));
}

#[test]
fn prune_leaves_a_locked_snapshot_and_removes_it_once_its_lock_has_passed() {
    let mut moto = Moto::locked();
    let fx = Fixture::new();
    let s3 = moto.store("office-1");
    fx.write_config(&[StoreSpec::Local(fx.store.clone()), s3.clone()]);
    add_to_store(&fx, &s3.url(), LOCK);
    append(&fx, KEEP_ONE);
    let first = fx.backup()["id"].as_str().unwrap().to_string();
    let second = fx.backup()["id"].as_str().unwrap().to_string();
    assert_ne!(first, second);

    // One goes by retention (two backups of one second are ordered by their ids,
    // so which one is prune's to say): from the folder; in the bucket it is locked.
    let p = fx.run(&["prune", "--json"]).ok().json();
    let new = p["keep"][0]["id"].as_str().unwrap().to_string();
    let old = if new == first { second } else { first };
    let locked = p["locked"].as_array().unwrap();
    assert!(
        locked.iter().any(|l| l["what"] == old.as_str()
            && l["store"] == s3.url()
            && l["until"].as_str().is_some()),
        "{p:#}"
    );
    assert!(
        !p["remove"].to_string().contains(&old),
        "a copy left in a store is not removed: {p:#}"
    );
    assert!(
        moto.keys().iter().any(|k| k.contains(&old)),
        "the locked copy stays"
    );
    assert!(
        moto.ask("markers").as_array().unwrap().is_empty(),
        "prune asked a locked object to go (a delete marker): {p:#}"
    );
    // A person reads when the lock passes.
    let text = fx.run(&["--lang", "en", "prune"]).ok().stdout;
    assert!(
        text.contains(&format!("locked {old} in {}", s3.url())) && text.contains("until"),
        "{text}"
    );

    // The lock passes (an administrator with the bypass permission shortens it here,
    // as time would): the next prune removes the copy.
    let mut until = Utc::now();
    for k in moto.keys().into_iter().filter(|k| k.contains(&old)) {
        let r = moto.ask(&format!("shorten {k} 2"));
        until = DateTime::parse_from_rfc3339(r["until"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc);
    }
    while Utc::now() <= until + Duration::milliseconds(200) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let p = fx.run(&["prune", "--json"]).ok().json();
    assert!(p["locked"].as_array().unwrap().is_empty(), "{p:#}");
    assert!(
        p["remove"].to_string().contains(&old),
        "removed once the lock passed: {p:#}"
    );
    let snapshots: Vec<String> = moto
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("office-1/snapshots/"))
        .collect();
    assert!(!snapshots.iter().any(|k| k.contains(&old)), "{snapshots:?}");
    assert!(snapshots.iter().any(|k| k.contains(&new)), "{snapshots:?}");
    assert_eq!(moto.child.finish(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quarters_copy_is_locked_for_the_quarterly_retention_once_its_quarter_ends() {
    let mut moto = Moto::locked();
    let fx = Fixture::new();
    let s3 = moto.store("office-1");
    fx.write_config(&[StoreSpec::Local(fx.store.clone()), s3.clone()]);
    add_to_store(
        &fx,
        &s3.url(),
        "lock = { mode = \"governance\", keep = \"10days\", max = \"2years\" }",
    );
    append(&fx, KEEP_ONE);
    let b = fx.backup();
    let id = b["id"].as_str().unwrap().to_string();
    let made = DateTime::parse_from_rfc3339(b["created_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    // A second locked store that came later and lacks the snapshot: nothing of it
    // is touched (and no error made) by the first store's quarter.
    fx.write_config(&[
        StoreSpec::Local(fx.store.clone()),
        s3.clone(),
        moto.store("office-2"),
    ]);
    let mut more = std::fs::read_to_string(&fx.config).unwrap();
    more = more.replacen("office-2\"\n", &format!("office-2\"\n{LOCK}\n"), 1);
    std::fs::write(&fx.config, more).unwrap();
    add_to_store(
        &fx,
        &s3.url(),
        "lock = { mode = \"governance\", keep = \"10days\", max = \"2years\" }",
    );
    append(&fx, KEEP_ONE);
    let object = moto
        .keys()
        .into_iter()
        .find(|k| k.contains("snapshots/") && k.contains(&id) && k.ends_with(".age"))
        .unwrap_or_else(|| panic!("the snapshot object of {id}"));
    let (_, first) = moto.retention(&object);
    let first = first.unwrap();
    assert!(first < Utc::now() + Duration::days(11), "{first}");

    // While its quarter runs (prune told the moment the snapshot was made), it is
    // only the newest so far: prune leaves its lock.
    let cfg = eqvault::config::Config::load(&fx.config).unwrap();
    let now = made;
    let p = eqvault::ops::prune::prune(&cfg, false, now).await.unwrap();
    assert!(p.extended.is_empty(), "{:?}", p.extended);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    // The quarter over (prune told the date four months on), it is the quarter's
    // copy, Art. 12.1's floor: locked for the quarterly retention (forever), at most
    // lock.max ahead.
    let later = now + Duration::days(120);
    let p = eqvault::ops::prune::prune(&cfg, false, later)
        .await
        .unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(
        p.extended
            .iter()
            .map(|(x, store, _)| (x.as_str(), store.as_str()))
            .collect::<Vec<_>>(),
        [(id.as_str(), s3.url().as_str())],
        "only the store that holds it"
    );
    let meta = object.replace(".tar.zst.age", ".json");
    for k in [object.clone(), format!("{meta}.sig"), meta] {
        let (mode, until) = moto.retention(&k);
        let until = until.unwrap_or_else(|| panic!("{k} has no retention"));
        assert_eq!(mode.as_deref(), Some("GOVERNANCE"), "{k}");
        assert!(
            until > later + Duration::days(365 * 2 - 2)
                && until < later + Duration::days(365 * 2 + 2),
            "{k} locked until {until}"
        );
    }
    // Lengthened once: the next run finds it done.
    let p = eqvault::ops::prune::prune(&cfg, false, later)
        .await
        .unwrap();
    assert!(p.extended.is_empty(), "{:?}", p.extended);
    assert_eq!(moto.child.finish(), Some(0));
}

#[test]
fn doctor_and_status_name_a_locked_store_whose_bucket_has_no_object_lock() {
    let moto = Moto::locked();
    let fx = Fixture::new();
    let locked = moto.store("office-1");
    fx.write_config(&[StoreSpec::Local(fx.store.clone()), locked.clone()]);
    add_to_store(&fx, &locked.url(), LOCK);
    fx.backup();
    // Doctor on the locked store: Object Lock on, and its probe stays locked.
    let d = fx.run(&["doctor", "--json"]).json();
    let lines = d["checks"].as_array().unwrap();
    let lock_line = lines
        .iter()
        .find(|l| l["name"] == format!("lock:{}", locked.url()))
        .unwrap_or_else(|| panic!("no lock line: {d:#}"));
    assert_eq!(lock_line["state"], "ok", "{lock_line:#}");
    let probe = lines
        .iter()
        .find(|l| l["name"] == format!("store:{}", locked.url()))
        .unwrap();
    assert_eq!(probe["state"], "ok", "{probe:#}");
    assert!(
        probe["detail"]
            .as_str()
            .unwrap()
            .contains("locked (Object Lock) until"),
        "the probe reads back locked and stays: {probe:#}"
    );

    // The same settings on a bucket without Object Lock.
    let text = std::fs::read_to_string(&fx.config).unwrap();
    let plain_url = format!("s3://{PLAIN}/office-1");
    std::fs::write(&fx.config, text.replace(&locked.url(), &plain_url)).unwrap();
    let d = fx.run(&["doctor", "--json"]).code(1).json();
    let line = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == format!("lock:{plain_url}"))
        .unwrap_or_else(|| panic!("no lock line: {d:#}"))
        .clone();
    assert_eq!(line["state"], "fail", "{line:#}");
    assert!(
        line["detail"].as_str().unwrap().contains("no Object Lock")
            && line["detail"].as_str().unwrap().contains(&plain_url),
        "{line:#}"
    );
    assert!(
        line["todo_en"]
            .as_str()
            .unwrap()
            .contains("object-lock-enabled-for-bucket"),
        "{line:#}"
    );
    let st = fx.run(&["status", "--json"]).json();
    assert!(
        st["problems"].to_string().contains(&format!(
            "store {plain_url} sets lock, but its bucket has no Object Lock"
        )),
        "{st:#}"
    );
    // The locked (so versioned) bucket without `lock` in the config: a warning that
    // prune leaves delete markers there and frees no space.
    std::fs::write(&fx.config, text.replace(&format!("{LOCK}\n"), "")).unwrap();
    let d = fx.run(&["doctor", "--json"]).json();
    let line = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == format!("lock:{}", locked.url()))
        .unwrap_or_else(|| panic!("no lock line: {d:#}"))
        .clone();
    assert_eq!(line["state"], "warn", "{line:#}");
    assert!(
        line["detail"].as_str().unwrap().contains("delete markers"),
        "{line:#}"
    );
    assert_eq!(moto.child.finish(), Some(0));
}

/// The `backup_copies` findings of `check --json`.
fn copies_findings(fx: &Fixture) -> Vec<Value> {
    let c = fx.run(&["check", "--json"]).json();
    c["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{c:#}"))
        .iter()
        .filter(|f| f["rule"] == "backup_copies")
        .cloned()
        .collect()
}

#[test]
fn two_folders_on_one_disk_are_one_copy_and_a_folder_and_a_bucket_are_two() {
    let moto = Moto::locked();
    let fx = Fixture::new();
    let second = fx.path().join("store-b");
    std::fs::create_dir(&second).unwrap();
    fx.write_config(&[
        StoreSpec::Local(fx.store.clone()),
        StoreSpec::Local(second.clone()),
    ]);
    // The fixture names each folder a medium of its own; here they are what they
    // are: two folders of one filesystem.
    let text = std::fs::read_to_string(&fx.config).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("medium = "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&fx.config, text).unwrap();
    let b = fx.backup();
    assert_eq!(b["stores"].as_array().unwrap().len(), 2, "{b:#}");
    let found = copies_findings(&fx);
    assert_eq!(found.len(), 1, "{found:#?}");
    let groups = &found[0]["evidence"]["stores_on_one_medium"];
    assert_eq!(groups.as_array().map(Vec::len), Some(1), "{:#}", found[0]);
    assert_eq!(groups[0].as_array().unwrap().len(), 2, "{:#}", found[0]);
    let msg = found[0].to_string();
    assert!(msg.contains("one medium"), "{:#}", found[0]);

    // A folder and a bucket are two media; two prefixes of one bucket are one. Each
    // step backs up to stores of its own: a snapshot of the same second in a store
    // of the step before could be the newest by its id.
    let s3 = moto.store("office-1");
    let third = fx.path().join("store-c");
    std::fs::create_dir(&third).unwrap();
    fx.write_config(&[StoreSpec::Local(third), s3]);
    backup_to_every_store(&fx);
    let found = copies_findings(&fx);
    assert!(found.is_empty(), "{found:#?}");
    fx.write_config(&[moto.store("office-2"), moto.store("office-3")]);
    fx.backup();
    let found = copies_findings(&fx);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0]["evidence"]["stores_on_one_medium"][0]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{:#}",
        found[0]
    );
    assert_eq!(moto.child.finish(), Some(0));
}
