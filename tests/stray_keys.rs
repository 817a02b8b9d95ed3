//! Issue 31: keys in a store that eqvault did not write. An S3 console's
//! empty "folders" are no one's records and must not fail `status` for good;
//! a long list of junk is summarised for a person (the count and the first
//! ten) while `--json` keeps every key.

mod common;

use common::{BUCKET, Fixture, Moto};

/// moto's S3 server ([`Moto`]), a second opinion on what a console leaves
/// in a bucket. Answers on stdin: `put KEY` (a zero-byte object, as the console's "Create
/// folder" writes `KEY/`), `keys` (every key of the bucket, as JSON).
const MOTO_PY: &str = r#"
import json, logging, sys, boto3
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from moto.server import ThreadedMotoServer
bucket = sys.argv[1]
srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
srv.start()
host, port = srv.get_host_and_port()
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:%d" % port, region_name="us-east-1",
                  aws_access_key_id="x", aws_secret_access_key="y")
s3.create_bucket(Bucket=bucket)
print(port, flush=True)
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "put":
        s3.put_object(Bucket=bucket, Key=words[1], Body=b"")
        print(json.dumps({"put": words[1]}), flush=True)
    elif words[0] == "keys":
        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys += [o["Key"] for o in page.get("Contents", [])]
        print(json.dumps(keys), flush=True)
srv.stop()
"#;

impl Moto {
    /// moto with one plain bucket.
    fn plain() -> Moto {
        Moto::start(MOTO_PY, &[BUCKET])
    }

    fn put_empty(&mut self, key: &str) {
        self.ask(&format!("put {key}"));
    }
}

/// `Create folder` in an S3 console writes a zero-byte key ending in `/`:
/// the store's own folder, `snapshots/` and `drills/` inside it. They are
/// ignored: backup, `status` and `verify` exit 0 and name none of them. A
/// zero-byte object that is no folder (no slash, nothing under it) is still
/// a stranger's and still named.
#[test]
fn empty_folder_keys_an_s3_console_makes_are_ignored() {
    let mut moto = Moto::plain();
    let fx = Fixture::new();
    fx.write_config(&[moto.store("office")]);
    for folder in ["office/", "office/snapshots/", "office/drills/"] {
        moto.put_empty(folder);
    }
    let keys = moto.ask("keys");
    assert!(
        keys.as_array()
            .unwrap()
            .iter()
            .any(|k| k == "office/snapshots/"),
        "the folder key is in the bucket: {keys}"
    );
    fx.backup();
    let st = fx.run(&["status"]).ok();
    assert!(st.stdout.contains("OK"), "{}", st.stdout);
    let json = fx.run(&["status", "--json"]).ok().json();
    assert_eq!(json["untrusted"], serde_json::json!([]), "{json:#}");
    let v = fx.run(&["verify"]).ok();
    assert!(!v.stdout.contains("FAILED"), "{}", v.stdout);
    // A second backup and status, with the folders still there.
    fx.backup();
    fx.run(&["status"]).ok();

    moto.put_empty("office/snapshots/planted");
    let st = fx.run(&["status"]).code(1);
    assert!(st.stdout.contains("snapshots/planted"), "{}", st.stdout);
    assert_eq!(moto.child.finish(), Some(0));
}

/// With 200,000 junk keys `status` printed 200,004 lines. A person is shown
/// the first ten, then one line with how many more and how many in all, in
/// both languages; `--json` keeps every key (docs/CLI.md promises the whole
/// `untrusted` list). `verify` lists them the same way.
#[test]
fn a_long_list_of_foreign_keys_is_summarised_with_the_count_and_the_first_ten() {
    let fx = Fixture::new();
    fx.config_local();
    fx.backup();
    let junk = fx.store.join("snapshots");
    for i in 0..40 {
        std::fs::write(junk.join(format!("junk-{i:02}")), b"not eqvault's").unwrap();
    }
    let named = |text: &str| text.lines().filter(|l| l.contains("junk-")).count();

    let st = fx.run(&["status"]).code(1);
    assert_eq!(named(&st.stdout), 10, "{}", st.stdout);
    assert!(
        st.stdout.contains("30 more") && st.stdout.contains("40 in all"),
        "{}",
        st.stdout
    );
    assert!(st.stdout.lines().count() < 25, "{}", st.stdout);

    let json = fx.run(&["status", "--json"]).code(1).json();
    assert_eq!(json["untrusted"].as_array().unwrap().len(), 40, "{json:#}");
    let problems = json["problems"].to_string();
    assert_eq!(problems.matches("junk-").count(), 40, "{problems}");

    let vi = fx
        .cmd()
        .env("EQVAULT_LANG", "vi")
        .arg("status")
        .output()
        .unwrap();
    let vi = String::from_utf8_lossy(&vi.stdout);
    assert_eq!(named(&vi), 10, "{vi}");
    assert!(
        vi.contains("30 khoá như vậy nữa") && vi.contains("tổng cộng 40"),
        "{vi}"
    );

    let v = fx.run(&["verify"]).code(1);
    assert_eq!(named(&v.stdout), 10, "{}", v.stdout);
    assert!(v.stdout.contains("30 more"), "{}", v.stdout);
    assert!(v.stdout.lines().count() < 40, "{}", v.stdout);
    let json = fx.run(&["verify", "--json"]).code(1).json();
    assert_eq!(json.to_string().matches("junk-").count(), 40, "{json:#}");
}
