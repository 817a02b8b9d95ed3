//! Issue 28, first step: every write eqvault makes reaches an S3 bucket with
//! Object Lock. moto's server (installed by scripts/test.sh), like AWS, refuses
//! a PUT that carries neither Content-MD5 nor an `x-amz-checksum-*` header when
//! the bucket has a default retention; eqvault sends a SHA-256 with each one.
//! Each test starts its own server and bucket, and no test depends on the clock.

mod common;

use common::{ACCESS_KEY, BUCKET, Fixture, PyChild, SECRET_KEY, StoreSpec};
use serde_json::Value;

/// moto's server in this process's child, with a bucket that has Object Lock
/// and a default retention; answers `keys` (every key, as JSON) and
/// `retention KEY` (`{"mode", "until"}`, from a HEAD) on stdin.
const MOTO_PY: &str = r#"
import json, sys, boto3
from moto.server import ThreadedMotoServer
bucket, key, secret = sys.argv[1], sys.argv[2], sys.argv[3]
srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
srv.start()
host, port = srv.get_host_and_port()
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                  aws_access_key_id=key, aws_secret_access_key=secret)
s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
    "ObjectLockEnabled": "Enabled",
    "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
print(port, flush=True)
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "keys":
        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys += [o["Key"] for o in page.get("Contents", [])]
        print(json.dumps(keys), flush=True)
    elif words[0] == "retention":
        # HEAD, not GetObjectRetention: moto 5.2 answers that one with a 500 for an
        # object locked by the bucket's default retention.
        h = s3.head_object(Bucket=bucket, Key=words[1])
        until = h.get("ObjectLockRetainUntilDate")
        print(json.dumps({"mode": h.get("ObjectLockMode"),
                          "until": until.isoformat() if until else None}), flush=True)
srv.stop()
"#;

struct Moto {
    child: PyChild,
    port: u16,
}

impl Moto {
    fn start() -> Moto {
        let mut child = PyChild::spawn(MOTO_PY, &[BUCKET, ACCESS_KEY, SECRET_KEY]);
        let port = child.line().trim().parse().unwrap_or_else(|e| {
            panic!("moto did not start ({e}); scripts/test.sh installs moto[server] and boto3")
        });
        Moto { child, port }
    }

    fn store(&self, prefix: &str) -> StoreSpec {
        StoreSpec::S3 {
            endpoint: format!("http://127.0.0.1:{}", self.port),
            prefix: prefix.to_string(),
        }
    }

    fn ask(&mut self, what: &str) -> Value {
        self.child.send(&format!("{what}\n"));
        serde_json::from_str(&self.child.line()).expect("moto's helper answers JSON")
    }

    fn keys(&mut self) -> Vec<String> {
        self.ask("keys")
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    }
}

#[test]
fn every_write_reaches_a_bucket_with_object_lock_and_is_locked_there() {
    let mut moto = Moto::start();
    let fx = Fixture::new();
    let s3 = moto.store("office-1");
    fx.write_config(&[StoreSpec::Local(fx.store.clone()), s3.clone()]);
    // `store add` as a person runs it, for its message when the bucket refuses.
    let added = fx.run(&["store", "add", &s3.url()]);
    let keys = moto.keys();
    assert!(
        keys.iter().any(|k| k == "office-1/eqvault-store.json")
            && keys.iter().any(|k| k == "office-1/eqvault-store.json.sig"),
        "store add wrote the signed marker into the locked bucket: {keys:?}\n{}{}",
        added.stdout,
        added.stderr
    );
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str("[office]\nname = \"Phòng Giáo dục và Đào tạo Quận 5\"\n");
    std::fs::write(&fx.config, cfg).unwrap();

    // A backup into both stores: object, metadata, signatures, the ledger.
    let b = fx.backup();
    let stores = b["stores"].as_array().unwrap();
    assert!(stores.iter().all(|s| s["ok"] == true), "{b:#}");
    let id = b["id"].as_str().unwrap().to_string();
    // A drill records its evidence in every store; a hold and a report archive too.
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
    let s = fx.run(&["sync", "--json"]).ok().json();
    assert!(s.is_object(), "{s}");
    fx.run(&["verify", "--all", "--json"]).ok();

    let keys = moto.keys();
    for want in [
        "office-1/snapshots/".to_string(),
        "office-1/drills/".to_string(),
        "office-1/holds/".to_string(),
        "office-1/reports/".to_string(),
    ] {
        assert!(
            keys.iter().any(|k| k.starts_with(&want)),
            "nothing under {want}: {keys:?}"
        );
    }
    // What is stored there in one PUT is locked by the bucket's default retention
    // (the snapshot's signed metadata here). moto leaves an object completed from
    // parts (the snapshot object) without it: its retention must be set when the
    // upload is created, the next step of issue 28.
    let metadata = keys
        .iter()
        .find(|k| k.ends_with(&format!("{id}.json")))
        .unwrap_or_else(|| panic!("the snapshot's metadata in {keys:?}"));
    let r = moto.ask(&format!("retention {metadata}"));
    assert_eq!(r["mode"], "GOVERNANCE", "{r}");

    assert_eq!(moto.child.finish(), Some(0));
}
