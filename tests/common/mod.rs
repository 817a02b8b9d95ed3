//! Helpers shared by the integration tests: a real S3 server on loopback, a fixture database and config, and file probes.
//!
//! Each test file compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use sha2::{Digest, Sha256};

/// The bucket every [`S3Server`] serves (a folder under its root).
pub const BUCKET: &str = "eqvault-test";
/// The only credentials the test server accepts.
pub const ACCESS_KEY: &str = "eqvault-test-access";
/// The matching secret.
pub const SECRET_KEY: &str = "eqvault-test-secret-0123456789";

// ---- the S3 server ---------------------------------------------------------

/// A filesystem-backed S3 server (s3s-fs) on 127.0.0.1, in its own runtime on a
/// background thread, so that sync tests and child processes can both use it.
pub struct S3Server {
    addr: SocketAddr,
    root: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Which requests a test server refuses with 403 AccessDenied: (operation name, key).
pub type DenyRule = std::sync::Arc<dyn Fn(&str, &str) -> bool + Send + Sync>;

struct Deny(Option<DenyRule>);

#[async_trait::async_trait]
impl s3s::access::S3Access for Deny {
    async fn check(&self, cx: &mut s3s::access::S3AccessContext<'_>) -> s3s::S3Result<()> {
        if cx.credentials().is_none() {
            return Err(s3s::s3_error!(AccessDenied, "authentication required"));
        }
        let key = match cx.s3_path() {
            s3s::path::S3Path::Object { key, .. } => key.to_string(),
            _ => String::new(),
        };
        match &self.0 {
            Some(rule) if rule(cx.s3_op().name(), &key) => {
                Err(s3s::s3_error!(AccessDenied, "denied by the test's policy"))
            }
            _ => Ok(()),
        }
    }
}

impl S3Server {
    /// Starts a server whose data lives under `root` (created, with the bucket folder).
    pub fn start(root: &Path) -> S3Server {
        Self::start_denying(root, None)
    }

    /// Starts a server that refuses the requests `deny` picks (e.g. every `DeleteObject`),
    /// as a bucket policy or a write-only key would.
    pub fn start_denying(root: &Path, deny: Option<DenyRule>) -> S3Server {
        std::fs::create_dir_all(root.join(BUCKET)).expect("create the bucket folder");
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server_root = root.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("s3s-fs".into())
            .spawn(move || serve(&server_root, addr_tx, stop_rx, deny))
            .expect("spawn the S3 server thread");
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the S3 server starts");
        S3Server {
            addr,
            root: root.to_path_buf(),
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The folder the server keeps its data in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stops the server and waits for its thread.
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(
    root: &Path,
    addr_tx: std::sync::mpsc::Sender<SocketAddr>,
    stop: tokio::sync::oneshot::Receiver<()>,
    deny: Option<DenyRule>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder as ConnBuilder;
    use s3s::auth::SimpleAuth;
    use s3s::service::S3ServiceBuilder;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the S3 server's runtime");
    rt.block_on(async move {
        // s3s_fs::Error is not a std::error::Error: map it before anything else.
        let fs = s3s_fs::FileSystem::new(root)
            .map_err(|e| format!("{e:?}"))
            .expect("s3s-fs opens its root");
        let service = {
            let mut b = S3ServiceBuilder::new(fs);
            b.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
            b.set_access(Deny(deny));
            b.build()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        addr_tx
            .send(listener.local_addr().expect("local address"))
            .expect("report the address");
        let http = ConnBuilder::new(TokioExecutor::new());
        let mut stop = std::pin::pin!(stop);
        loop {
            tokio::select! {
                r = listener.accept() => {
                    let Ok((socket, _)) = r else { continue };
                    let conn = http
                        .serve_connection(TokioIo::new(socket), service.clone())
                        .into_owned();
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                }
                _ = &mut stop => break,
            }
        }
    });
    // Dropping the runtime ends every open connection.
    rt.shutdown_timeout(Duration::from_secs(2));
}

// ---- the fixture -------------------------------------------------------------

/// Where a config's store lives.
#[derive(Debug, Clone)]
pub enum StoreSpec {
    /// A local folder.
    Local(PathBuf),
    /// `s3://BUCKET/prefix` on a test server.
    S3 {
        /// The server's endpoint.
        endpoint: String,
        /// The key prefix inside the bucket.
        prefix: String,
    },
}

impl StoreSpec {
    /// An S3 store on `server` under `prefix`.
    pub fn s3(server: &S3Server, prefix: &str) -> StoreSpec {
        StoreSpec::S3 {
            endpoint: server.endpoint(),
            prefix: prefix.to_string(),
        }
    }

    /// The URL eqvault prints for this store.
    pub fn url(&self) -> String {
        match self {
            StoreSpec::Local(p) => p.to_string_lossy().into_owned(),
            StoreSpec::S3 { prefix, .. } => format!("s3://{BUCKET}/{prefix}"),
        }
    }
}

/// A temp folder with a real equipment database, an identity and a config, made by the real binary.
pub struct Fixture {
    /// Everything lives here; removed on drop.
    pub dir: tempfile::TempDir,
    /// The live database.
    pub db: PathBuf,
    /// `eqvault.toml`.
    pub config: PathBuf,
    /// The identity `eqvault init` generated.
    pub identity: PathBuf,
    /// Its public key.
    pub recipient: String,
    /// The local store `init` created (`store-a`).
    pub store: PathBuf,
    /// The signing key `init` generated.
    pub signing_key: PathBuf,
    /// Its public half, trusted in the config.
    pub signing_public: String,
}

/// The reference schema, a copy of ../shared/schema/equipment.sql.
pub fn schema_sql() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/equipment.sql");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// Creates `path` as an equipment database with a few rows in every table.
pub fn create_equipment_db(path: &Path) {
    let c = rusqlite::Connection::open(path).expect("create the database");
    c.execute_batch(&schema_sql())
        .expect("the reference schema");
    c.execute_batch(
        "BEGIN;
         INSERT INTO schools VALUES
           ('79761003', 'Trường THCS Nguyễn Ảnh Thủ', 'thcs', 'cong_lap', 'active', NULL, '2020-08-15T08:00:00+07:00'),
           ('79761004', 'Trường Tiểu học Lê Văn Tám', 'tieu_hoc', 'cong_lap', 'active', NULL, '2020-08-15T08:00:00+07:00'),
           ('79761005', 'Trường Mầm non Hoa Sen', 'mam_non', 'tu_thuc', 'inactive', '2024-06-30', '2019-09-01T08:00:00+07:00');
         INSERT INTO staff VALUES
           ('NV0001', '79761003', 'Nguyễn Thị Hồng Nhung', 'principal', 'working', NULL),
           ('NV0002', '79761003', 'Trần Văn Đức', 'equipment_officer', 'working', NULL),
           ('NV0003', '79761004', 'Phạm Thị Thu Hà', 'principal', 'working', NULL),
           ('NV0004', '79761004', 'Lê Quang Vinh', 'teacher', 'transferred', '2024-09-01');
         INSERT INTO equipment VALUES
           ('TB00300001', '79761003', 'THCS-VL-07', 'Bộ thí nghiệm quang học', 'Vật lý', 7, 'bộ', 4, 'ngan_sach', 2021, 'Phòng bộ môn Lý', 'good', '2021-09-05T09:00:00+07:00', '2024-10-02T10:00:00+07:00'),
           ('TB00300002', '79761003', 'THCS-SH-08', 'Kính hiển vi quang học', 'Sinh học', 8, 'chiếc', 10, 'xa_hoi_hoa', 2022, 'Kho thiết bị', 'damaged', '2022-09-05T09:00:00+07:00', '2024-11-12T14:30:00+07:00'),
           ('TB00400001', '79761004', 'TH-TV-01', 'Bộ chữ cái tiếng Việt', 'Tiếng Việt', 1, 'bộ', 30, 'tai_tro', 2023, 'Lớp 1A', 'good', '2023-08-20T09:00:00+07:00', '2023-08-20T09:00:00+07:00');
         INSERT INTO equipment_changes VALUES
           (1, 'TB00300001', '79761003', 'acquired', '2021-09-01', '2021-09-05T09:00:00+07:00', 'NV0002'),
           (2, 'TB00300002', '79761003', 'condition_changed', '2024-11-01', '2024-11-12T14:30:00+07:00', 'NV0002'),
           (3, 'TB00400001', '79761004', 'acquired', '2023-08-15', '2023-08-20T09:00:00+07:00', NULL);
         INSERT INTO monthly_approvals VALUES
           ('79761003', '2024-10', 'NV0001', '2024-10-31T16:00:00+07:00'),
           ('79761003', '2024-11', 'NV0001', '2024-11-29T16:00:00+07:00'),
           ('79761004', '2024-11', 'NV0003', '2024-12-02T08:00:00+07:00');
         INSERT INTO equipment_usage VALUES
           (1, 'TB00300001', '79761003', 'NV0002', '7A3', '2024-10-14', 2),
           (2, 'TB00300002', '79761003', NULL, '8A1', '2024-10-21', 1),
           (3, 'TB00400001', '79761004', 'NV0004', '1A', '2024-09-09', 1);
         COMMIT;",
    )
    .expect("fixture rows");
}

impl Fixture {
    /// A fresh folder: `equipment.db`, `store-a/`, `eqvault.toml` and the identity, via `eqvault init --json`.
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp folder");
        let root = dir.path().to_path_buf();
        let db = root.join("equipment.db");
        create_equipment_db(&db);
        let store = root.join("store-a");
        let out = eqvault()
            .arg("init")
            .arg("--db")
            .arg(&db)
            .arg("--store")
            .arg(&store)
            .arg("--dir")
            .arg(&root)
            .arg("--create-store")
            .arg("--json")
            .output()
            .expect("run eqvault init");
        assert_eq!(
            out.status.code(),
            Some(0),
            "eqvault init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("init --json");
        let identity = PathBuf::from(v["identity"].as_str().expect("init reports the identity"));
        let recipient = v["recipients"][0]
            .as_str()
            .expect("init reports the recipient")
            .to_string();
        let config = PathBuf::from(v["config"].as_str().expect("init reports the config"));
        let signing_key = PathBuf::from(
            v["signing_key"]
                .as_str()
                .expect("init reports the signing key"),
        );
        let signing_public = v["signing_public_key"]
            .as_str()
            .expect("init reports the signing public key")
            .to_string();
        assert!(store.is_dir(), "init creates the local store folder");
        Fixture {
            dir,
            db,
            config,
            identity,
            recipient,
            store,
            signing_key,
            signing_public,
        }
    }

    /// The fixture's folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// eqvault's private state folder (`[state] dir`, default `.eqvault`).
    pub fn state_dir(&self) -> PathBuf {
        self.path().join(".eqvault")
    }

    /// `eqvault --config CONFIG` with a clean environment.
    pub fn cmd(&self) -> Command {
        let mut c = eqvault();
        c.arg("--config").arg(&self.config);
        c
    }

    /// Runs `eqvault --config CONFIG ARGS…` and returns what it did.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(self.cmd().args(args).output().expect("run eqvault"))
    }

    /// Rewrites the config: `db`, `busy_timeout` and these stores; the fixture's recipient and identity.
    pub fn write_config_with(&self, db: &Path, busy_timeout: &str, stores: &[StoreSpec]) {
        let q = |s: &str| toml_str(s);
        let mut t = String::new();
        t.push_str(&format!(
            "[database]\npath = {}\nbusy_timeout = {}\n\n",
            q(&db.to_string_lossy()),
            q(busy_timeout)
        ));
        for (i, s) in stores.iter().enumerate() {
            match s {
                // The test's folders share one disk; each stands for a device of its own
                // (a NAS, a USB disk), as the config says. tests/object_lock.rs counts
                // folders without `medium` as one medium.
                StoreSpec::Local(p) => {
                    t.push_str(&format!(
                        "[[store]]\nurl = {}\nmedium = \"test-disk-{i}\"\n\n",
                        q(&p.to_string_lossy())
                    ));
                }
                StoreSpec::S3 { endpoint, .. } => {
                    t.push_str(&format!(
                        "[[store]]\nurl = {}\nendpoint = {}\nregion = \"us-east-1\"\nallow_http = true\n\
                         access_key_id = {}\nsecret_access_key = {}\nmax_retries = 1\n\n",
                        q(&s.url()),
                        q(endpoint),
                        q(ACCESS_KEY),
                        q(SECRET_KEY)
                    ));
                }
            }
        }
        t.push_str(&format!(
            "[encryption]\nrecipients = [{}]\nidentity = {}\n\n",
            q(&self.recipient),
            q(&self.identity.to_string_lossy())
        ));
        t.push_str(&self.signing_section());
        std::fs::write(&self.config, t).expect("write the config");
        chmod(&self.config, 0o600);
        self.mark_stores(stores);
    }

    /// The `[signing]` section of the fixture's key (last in a config, so text can follow it
    /// only as new sections).
    pub fn signing_section(&self) -> String {
        format!(
            "[signing]\nkey = {}\ntrusted = [{}]\n",
            toml_str(&self.signing_key.to_string_lossy()),
            toml_str(&self.signing_public)
        )
    }

    /// Signs the record at `path` with the fixture's key (`path.sig`), as this host would.
    pub fn sign(&self, path: &Path, kind: eqvault::trust::Kind) {
        let signer =
            eqvault::trust::Signer::load(&self.signing_key).expect("the fixture's signing key");
        let body = std::fs::read(path).expect("read the record to sign");
        std::fs::write(format!("{}.sig", path.display()), signer.sign(kind, &body))
            .expect("write the signature");
    }

    /// Writes each store's signed marker (`eqvault store add` of a configured store), as
    /// `init` does for its stores; a store that cannot be reached is left unmarked.
    pub fn mark_stores(&self, stores: &[StoreSpec]) {
        for s in stores {
            if let StoreSpec::Local(p) = s
                && !p.is_dir()
            {
                continue;
            }
            let _ = self.cmd().args(["store", "add", &s.url()]).output();
        }
    }

    /// A config with these stores and the fixture's database.
    pub fn write_config(&self, stores: &[StoreSpec]) {
        self.write_config_with(&self.db, "30s", stores);
    }

    /// One local store (`store-a`).
    pub fn config_local(&self) {
        self.write_config(&[StoreSpec::Local(self.store.clone())]);
    }

    /// Two local stores: `a` then `b`.
    pub fn config_two_local(&self, a: &Path, b: &Path) {
        self.write_config(&[StoreSpec::Local(a.into()), StoreSpec::Local(b.into())]);
    }

    /// `store-a` and a second local store, the folder `name`, both marked;
    /// returns the second.
    pub fn config_with_second_store(&self, name: &str) -> PathBuf {
        let b = self.path().join(name);
        std::fs::create_dir_all(&b).expect("the second store's folder");
        self.config_two_local(&self.store, &b);
        b
    }

    /// The local store `store-a` and an S3 store on `server` under `prefix`.
    pub fn config_local_s3(&self, server: &S3Server, prefix: &str) {
        self.write_config(&[
            StoreSpec::Local(self.store.clone()),
            StoreSpec::s3(server, prefix),
        ]);
    }

    /// Only an S3 store on `server` under `prefix`.
    pub fn config_s3(&self, server: &S3Server, prefix: &str) {
        self.write_config(&[StoreSpec::s3(server, prefix)]);
    }

    /// `backup --json`, asserting exit 0; returns the JSON.
    pub fn backup(&self) -> serde_json::Value {
        self.run(&["backup", "--json"]).ok().json()
    }

    /// The files left in eqvault's private temporary folder.
    pub fn private_temp_leftovers(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.state_dir().join("tmp")) {
            Ok(rd) => rd.flatten().map(|e| e.path()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

/// A TOML string literal.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `eqvault` from this build, with no AWS or eqvault variables leaking in
/// from the environment, speaking English (`EQVAULT_LANG=en`): the tests
/// pin English lines. The Vietnamese default is tested in `tests/lang.rs`,
/// which removes the variable.
pub fn eqvault() -> Command {
    let mut c = Command::cargo_bin("eqvault").expect("the eqvault binary");
    for v in [
        "EQVAULT_CONFIG",
        "EQVAULT_LANG",
        "EQVAULT_LOG",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT",
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "AWS_ALLOW_HTTP",
    ] {
        c.env_remove(v);
    }
    c.env("EQVAULT_LANG", "en");
    c
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: Option<i32>,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

impl Run {
    /// What the finished process `o` did.
    pub fn of(o: std::process::Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Asserts the exit code.
    #[track_caller]
    pub fn code(self, want: i32) -> Run {
        assert_eq!(
            self.code,
            Some(want),
            "expected exit {want}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts exit 0.
    #[track_caller]
    pub fn ok(self) -> Run {
        self.code(0)
    }

    /// stdout as the one JSON document it must be.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts stderr contains every phrase (case-insensitive).
    #[track_caller]
    pub fn stderr_has(self, phrases: &[&str]) -> Run {
        let e = self.stderr.to_lowercase();
        for p in phrases {
            assert!(
                e.contains(&p.to_lowercase()),
                "stderr lacks {p:?}:\n{}",
                self.stderr
            );
        }
        self
    }
}

// ---- probes --------------------------------------------------------------------

/// `sqlite3 DB .dump`.
pub fn dump(db: &Path) -> String {
    let o = std::process::Command::new("sqlite3")
        .arg(db)
        .arg(".dump")
        .output()
        .expect("the sqlite3 command-line tool (installed by .ci/run)");
    assert!(
        o.status.success(),
        "sqlite3 .dump {}: {}",
        db.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("dump is UTF-8")
}

/// Hex SHA-256 of a file.
pub fn sha256_file(p: &Path) -> String {
    let b = std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
    hex::encode(Sha256::digest(&b))
}

/// Every regular file under `root` (relative path → SHA-256); empty when `root` is absent.
pub fn tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for p in files_under(root) {
        let rel = p
            .strip_prefix(root)
            .expect("under root")
            .to_string_lossy()
            .into_owned();
        out.insert(rel, sha256_file(&p));
    }
    out
}

/// Every regular file under `root`, recursively (none when `root` is absent).
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let ft = e.file_type().expect("file type");
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// What a backup or archive stored under a store's root: every file but the store's marker.
pub fn stored_files(root: &Path) -> Vec<PathBuf> {
    files_under(root)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_none_or(|n| !n.to_string_lossy().starts_with("eqvault-store.json"))
        })
        .collect()
}

/// Files under `root` whose names end with `suffix`.
pub fn files_ending(root: &Path, suffix: &str) -> Vec<PathBuf> {
    files_under(root)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect()
}

/// The only snapshot object (`*.tar.zst.age`) under a local store.
#[track_caller]
pub fn only_object(store: &Path) -> PathBuf {
    let v = files_ending(store, ".tar.zst.age");
    assert_eq!(
        v.len(),
        1,
        "expected one object in {}: {v:?}",
        store.display()
    );
    v.into_iter().next().expect("one")
}

/// The metadata file beside an object.
pub fn metadata_of(object: &Path) -> PathBuf {
    let s = object.to_string_lossy();
    PathBuf::from(format!(
        "{}.json",
        s.strip_suffix(".tar.zst.age").expect("an object key")
    ))
}

/// Whether `needle` occurs anywhere in `hay`.
pub fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// A random lowercase alphanumeric string.
pub fn random_marker(len: usize) -> String {
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| A[rand::random_range(0..A.len())] as char)
        .collect()
}

/// Sets the file's permission bits.
pub fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The file's permission bits.
pub fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).expect("stat").permissions().mode() & 0o777
}

/// Polls `f` until it is true, panicking after `limit`.
#[track_caller]
pub fn wait_until(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---- child processes that hold the database -----------------------------------------

/// A Python child process running `script`, killed and reaped when dropped.
pub struct PyChild {
    /// The process.
    pub child: Child,
    /// Its stdin (closing it asks the scripts here to finish).
    pub stdin: Option<ChildStdin>,
    /// Its stdout, by lines.
    pub stdout: BufReader<ChildStdout>,
}

impl PyChild {
    /// Starts `python3 -c SCRIPT ARGS…`.
    pub fn spawn(script: &str, args: &[&str]) -> PyChild {
        let mut child = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 (installed by .ci/run)");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        PyChild {
            child,
            stdin,
            stdout,
        }
    }

    /// Reads the next line the script prints.
    pub fn line(&mut self) -> String {
        let mut s = String::new();
        self.stdout
            .read_line(&mut s)
            .expect("read the child's stdout");
        s.trim_end().to_string()
    }

    /// Sends a line to the script.
    pub fn send(&mut self, s: &str) {
        let w = self.stdin.as_mut().expect("stdin open");
        writeln!(w, "{s}").expect("write to the child");
        w.flush().expect("flush");
    }

    /// Closes stdin and waits for the script to end; returns its exit code.
    pub fn finish(mut self) -> Option<i32> {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait for the child");
        status.code()
    }
}

impl Drop for PyChild {
    fn drop(&mut self) {
        drop(self.stdin.take());
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// moto's S3 server (installed by scripts/test.sh), which nobody on this
/// project wrote, run by a Python `script` in a child: the script prints the
/// server's port, then answers each line sent with one line of JSON. Each
/// test file gives its own script (buckets, commands) and methods.
pub struct Moto {
    /// The script's process.
    pub child: PyChild,
    /// The server's port on 127.0.0.1.
    pub port: u16,
}

impl Moto {
    /// Starts `python3 -c SCRIPT ARGS…` and reads the port it prints.
    pub fn start(script: &str, args: &[&str]) -> Moto {
        let mut child = PyChild::spawn(script, args);
        let port = child.line().trim().parse().unwrap_or_else(|e| {
            panic!("moto did not start ({e}); scripts/test.sh installs moto[server] and boto3")
        });
        Moto { child, port }
    }

    /// An S3 store in [`BUCKET`] under `prefix`.
    pub fn store(&self, prefix: &str) -> StoreSpec {
        StoreSpec::S3 {
            endpoint: format!("http://127.0.0.1:{}", self.port),
            prefix: prefix.to_string(),
        }
    }

    /// Sends `what` to the script; its answer.
    pub fn ask(&mut self, what: &str) -> serde_json::Value {
        self.child.send(what);
        serde_json::from_str(&self.child.line()).expect("moto's helper answers JSON")
    }
}

/// Holds `BEGIN EXCLUSIVE` with one uncommitted insert on a rollback-journal database
/// until stdin closes; prints `locked` once it holds the lock.
pub const HOLD_EXCLUSIVE_PY: &str = r#"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN EXCLUSIVE")
c.execute("INSERT INTO schools VALUES ('79769999', 'Trường đang ghi', 'thcs', 'cong_lap', 'active', NULL, '2025-01-01T00:00:00+07:00')")
print("locked", flush=True)
sys.stdin.read()
c.execute("ROLLBACK")
c.close()
"#;

// ---- alert receivers ----------------------------------------------------------------

/// A tiny HTTP/1.1 receiver on 127.0.0.1 that records (method, path, body) and answers 200.
pub struct Receiver {
    port: u16,
    seen: Arc<Mutex<Vec<(String, String, String)>>>,
}

impl Receiver {
    /// Starts it on a free port; it stops by itself after 60 s.
    pub fn start() -> Receiver {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        std::thread::spawn(move || {
            // Bounded: the thread ends after 60 s whatever happens.
            l.set_nonblocking(true).unwrap();
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(60) {
                match l.accept() {
                    Ok((sock, _)) => {
                        sock.set_nonblocking(false).unwrap();
                        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                        if let Some(req) = read_request(&sock) {
                            s.lock().unwrap().push(req);
                        }
                        let mut sock = sock;
                        let _ = sock.write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nOK",
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Receiver { port, seen }
    }

    /// The URL of `path` on it.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// What it received so far: (method, path, body).
    pub fn seen(&self) -> Vec<(String, String, String)> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_request(sock: &std::net::TcpStream) -> Option<(String, String, String)> {
    let mut r = BufReader::new(sock);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some((method, path, String::from_utf8_lossy(&body).into_owned()))
}

/// An SMTP server (aiosmtpd) on 127.0.0.1 that saves each message, decoded, as JSON in a folder.
pub const SMTP_SINK_PY: &str = r#"
import asyncio, email, json, os, sys
from email import policy
from aiosmtpd.smtp import SMTP
out = sys.argv[1]
class Save:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        n = len(os.listdir(out))
        tmp = os.path.join(out, "%d.tmp" % n)
        with open(tmp, "w", encoding="utf-8") as f:
            text = msg.get_body(preferencelist=("plain",))
            files = [{"filename": p.get_filename(), "content_type": p.get_content_type(),
                      "bytes": len(p.get_payload(decode=True) or b"")} for p in msg.iter_attachments()]
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                       "subject": str(msg["subject"]),
                       "body": text.get_content() if text is not None else "",
                       "attachments": files, "message_id": msg["Message-ID"],
                       "dates": [str(d) for d in msg.get_all("Date", [])]}, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(out, "%d.json" % n))
        return "250 OK"
async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: SMTP(Save()), "127.0.0.1", 0)
    print(srv.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    srv.close()
asyncio.run(main())
"#;

/// A demo database in the reference schema (`eqvault demo --no-run`, a few
/// MB) made in the folder `dir`; returns its path.
pub fn demo_database(dir: &Path) -> PathBuf {
    let out = eqvault()
        .args(["demo", "--no-run", "--dir"])
        .arg(dir)
        .output()
        .expect("run eqvault demo");
    assert!(
        out.status.success(),
        "eqvault demo --no-run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("equipment.db")
}

/// The messages the SMTP sink saved.
pub fn mails(dir: &Path) -> Vec<serde_json::Value> {
    files_ending(dir, ".json")
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}
