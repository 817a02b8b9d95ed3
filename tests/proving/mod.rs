//! Tools of the proving ground (issue 8): crafted snapshot objects layer by layer, a TCP
//! proxy that can cut or stall the way to the S3 server, a small filesystem that fills,
//! databases of a few megabytes, and the real binary run as a child that can be killed.
//!
//! Used by `tests/faults.rs`, `tests/hostile.rs`, `tests/secrets.rs`, `tests/archive.rs`,
//! `tests/mapping.rs` and others, each of which also compiles `tests/common`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use eqvault::catalog::{self, Metadata, SnapshotId};
use sha2::{Digest, Sha256};

use crate::common::*;

/// A fault test that cannot set up its fault (no tmpfs mount, not root) says
/// so and passes, so that `cargo test` works for a developer without root;
/// under `scripts/test.sh` (and so in CI), which sets `EQVAULT_FAULTS_STRICT=1`,
/// it fails instead: a promise is never shown by a test that did not run.
pub fn cannot_set_up(test: &str, why: &str) {
    if std::env::var_os("EQVAULT_FAULTS_STRICT").is_some_and(|v| v == "1") {
        panic!(
            "{test}: the fault could not be set up ({why}); EQVAULT_FAULTS_STRICT=1 forbids skipping"
        );
    }
    eprintln!("SKIPPED {test}: {why}");
}

/// Long variants run with `EQVAULT_LONG_FAULTS=1`.
pub fn long() -> bool {
    std::env::var_os("EQVAULT_LONG_FAULTS").is_some_and(|v| v != "0")
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp paths")
}

pub fn sha256(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

// ---- the real binary as a child --------------------------------------------------------

/// `eqvault --config CONFIG` as a std command (spawnable, killable), environment cleaned
/// as [`eqvault`] does.
pub fn child_cmd(fx: &Fixture) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("eqvault"));
    for v in [
        "EQVAULT_CONFIG",
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
    // English, as common::eqvault speaks (tests/lang.rs tests the default).
    c.env("EQVAULT_LANG", "en");
    c.arg("--config").arg(&fx.config);
    c
}

/// Runs `eqvault ARGS…` as a child and gives up (SIGKILL, then a failed assertion) after `limit`:
/// for inputs that could make it wait forever.
pub fn run_within(fx: &Fixture, args: &[&str], limit: Duration) -> Run {
    run_cmd_within(child_cmd(fx), args, limit)
}

/// [`run_within`] of any command (another user's, another config's).
pub fn run_cmd_within(mut cmd: std::process::Command, args: &[&str], limit: Duration) -> Run {
    let mut child = cmd
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn eqvault");
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = read(Box::new(child.stdout.take().unwrap()));
    let err = read(Box::new(child.stderr.take().unwrap()));
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("eqvault {args:?} was still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// A running eqvault whose stderr lines arrive on a channel; killed (SIGKILL) and reaped on drop.
pub struct Running {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    /// Every stderr line seen so far.
    pub seen: Vec<String>,
}

impl Running {
    /// Starts `eqvault ARGS…` with `EQVAULT_LOG=debug`.
    pub fn start(fx: &Fixture, args: &[&str]) -> Running {
        let mut child = child_cmd(fx)
            .args(args)
            .env("EQVAULT_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn eqvault");
        let err = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Waits until a stderr line contains `needle`; false when the process ended (or `limit` passed) first.
    pub fn wait_for_line(&mut self, needle: &str, limit: Duration) -> bool {
        let t = Instant::now();
        while t.elapsed() < limit {
            match self.lines.recv_timeout(Duration::from_millis(20)) {
                Ok(l) => {
                    let hit = l.contains(needle);
                    self.seen.push(l);
                    if hit {
                        return true;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return false,
            }
        }
        false
    }

    /// SIGKILL now (no cleanup of any kind can run); returns whether it was still running.
    pub fn kill9(&mut self) -> bool {
        let running = matches!(self.child.try_wait(), Ok(None));
        let _ = self.child.kill();
        let _ = self.child.wait();
        running
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Runs an assert_cmd command to its end.
pub fn run_of(cmd: &mut assert_cmd::Command) -> Run {
    let o = cmd.output().expect("run eqvault");
    Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

// ---- databases -----------------------------------------------------------------------------

/// Adds `mb` MiB of random (incompressible) blobs to the database, so that packing and
/// uploading take long enough to be interrupted, and a unique text `marker` to look for.
pub fn grow_db(db: &Path, mb: usize, marker: &str) {
    let c = rusqlite::Connection::open(db).expect("open the database");
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS attachments (id INTEGER PRIMARY KEY, note TEXT, body BLOB)",
    )
    .expect("attachments table");
    let tx = c.unchecked_transaction().expect("begin");
    for _ in 0..mb * 4 {
        tx.execute(
            "INSERT INTO attachments (note, body) VALUES (?1, randomblob(262144))",
            [marker],
        )
        .expect("insert a blob");
    }
    tx.commit().expect("commit");
}

// ---- the layers of a snapshot object ---------------------------------------------------------

/// The fixture's identity (parsed from the file `init` wrote).
pub fn identity_of(fx: &Fixture) -> age::x25519::Identity {
    let text = std::fs::read_to_string(&fx.identity).expect("read the identity");
    text.lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .expect("an identity line")
        .parse()
        .expect("a valid identity")
}

/// The fixture's identity line, the secret that must never leak.
pub fn secret_line(fx: &Fixture) -> String {
    std::fs::read_to_string(&fx.identity)
        .expect("read the identity")
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .expect("an identity line")
        .to_string()
}

pub fn recipient_of(fx: &Fixture) -> age::x25519::Recipient {
    fx.recipient.parse().expect("the fixture's recipient")
}

/// age-encrypts `plain` to `r`.
pub fn seal(r: &age::x25519::Recipient, plain: &[u8]) -> Vec<u8> {
    let enc = age::Encryptor::with_recipients(std::iter::once(r as &dyn age::Recipient))
        .expect("encryptor");
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).expect("age header");
    w.write_all(plain).expect("encrypt");
    w.finish().expect("finish age");
    out
}

/// Decrypts an age file.
pub fn unseal(id: &age::x25519::Identity, sealed: &[u8]) -> Vec<u8> {
    let d = age::Decryptor::new_buffered(sealed).expect("an age file");
    let mut r = d
        .decrypt(std::iter::once(id as &dyn age::Identity))
        .expect("decrypt");
    let mut out = Vec::new();
    r.read_to_end(&mut out).expect("read plaintext");
    out
}

pub fn zstd(b: &[u8]) -> Vec<u8> {
    zstd::encode_all(b, 3).expect("compress")
}

pub fn unzstd(b: &[u8]) -> Vec<u8> {
    zstd::decode_all(b).expect("decompress")
}

/// Raw tar bytes built entry by entry, with nothing checked: hostile names and types welcome.
#[derive(Default)]
pub struct RawTar(pub Vec<u8>);

impl RawTar {
    /// A header whose name (≤ 100 bytes), type, size and link are written as given.
    pub fn header(name: &[u8], kind: tar::EntryType, size: u64, link: Option<&[u8]>) -> [u8; 512] {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(0o644);
        h.set_mtime(0);
        {
            let old = h.as_old_mut();
            old.name = [0; 100];
            old.name[..name.len()].copy_from_slice(name);
            if let Some(l) = link {
                old.linkname = [0; 100];
                old.linkname[..l.len()].copy_from_slice(l);
            }
        }
        if matches!(kind, tar::EntryType::Char | tar::EntryType::Block) {
            h.set_device_major(1).expect("device major");
            h.set_device_minor(3).expect("device minor");
        }
        h.set_cksum();
        *h.as_bytes()
    }

    /// An entry: header, body, padding to 512.
    pub fn entry(&mut self, name: &str, kind: tar::EntryType, body: &[u8], link: Option<&str>) {
        self.0.extend_from_slice(&Self::header(
            name.as_bytes(),
            kind,
            body.len() as u64,
            link.map(str::as_bytes),
        ));
        self.pad_body(body);
    }

    /// A regular file.
    pub fn file(&mut self, name: &str, body: &[u8]) {
        self.entry(name, tar::EntryType::Regular, body, None);
    }

    /// A GNU long-name record naming the next entry `long`, then that entry as a regular file.
    pub fn gnu_long_name(&mut self, long: &str, body: &[u8]) {
        let mut name = long.as_bytes().to_vec();
        name.push(0);
        self.0.extend_from_slice(&Self::header(
            b"././@LongLink",
            tar::EntryType::GNULongName,
            name.len() as u64,
            None,
        ));
        self.pad_body(&name);
        self.file("placeholder", body);
    }

    /// A PAX extended header with these records, then a regular file `name` with `body`.
    pub fn pax(&mut self, records: &[(&str, &str)], name: &str, body: &[u8]) {
        let mut ext = Vec::new();
        for (k, v) in records {
            // "LEN key=value\n", where LEN counts itself.
            let rest = format!(" {k}={v}\n");
            let mut len = rest.len() + 1;
            while format!("{len}{rest}").len() != len {
                len += 1;
            }
            ext.extend_from_slice(format!("{len}{rest}").as_bytes());
        }
        self.0.extend_from_slice(&Self::header(
            b"PaxHeaders/x",
            tar::EntryType::XHeader,
            ext.len() as u64,
            None,
        ));
        self.pad_body(&ext);
        self.file(name, body);
    }

    fn pad_body(&mut self, body: &[u8]) {
        self.0.extend_from_slice(body);
        let n = self.0.len().div_ceil(512) * 512;
        self.0.resize(n, 0);
    }

    /// The two zero blocks that end a tar.
    pub fn end(mut self) -> Vec<u8> {
        self.0.extend_from_slice(&[0u8; 1024]);
        self.0
    }
}

/// The plaintext parts of a real snapshot object.
#[derive(Clone)]
pub struct Parts {
    pub database: Vec<u8>,
    pub manifest: serde_json::Value,
    pub meta: Metadata,
}

/// Opens a stored snapshot (object + metadata) down to its database and manifest.
pub fn open_snapshot(fx: &Fixture, store: &Path, id: &str) -> Parts {
    let id: SnapshotId = id.parse().expect("an id");
    let meta: Metadata = serde_json::from_slice(
        &std::fs::read(store.join(id.metadata_key())).expect("read the metadata"),
    )
    .expect("metadata");
    let obj = std::fs::read(store.join(id.object_key())).expect("read the object");
    let tar = unzstd(&unseal(&identity_of(fx), &obj));
    let mut a = tar::Archive::new(&tar[..]);
    let mut database = None;
    let mut manifest = None;
    for e in a.entries().expect("entries") {
        let mut e = e.expect("entry");
        let name = e.path().expect("path").to_string_lossy().into_owned();
        let mut b = Vec::new();
        e.read_to_end(&mut b).expect("read entry");
        match name.as_str() {
            "database.sqlite" => database = Some(b),
            "manifest.json" => manifest = Some(serde_json::from_slice(&b).expect("manifest")),
            "manifest.json.sig" => {}
            other => panic!("unexpected {other}"),
        }
    }
    Parts {
        database: database.expect("database"),
        manifest: manifest.expect("manifest"),
        meta,
    }
}

/// A snapshot derived from `base` under a new id at `at`: its manifest and metadata
/// rewritten for the new id, so that it is sound until a test damages one layer.
pub struct Derived {
    pub id: SnapshotId,
    pub database: Vec<u8>,
    pub manifest: Vec<u8>,
    pub meta: Metadata,
}

impl Derived {
    pub fn from(base: &Parts, at: DateTime<Utc>) -> Derived {
        let id = SnapshotId::new(at);
        let created = at.with_timezone(&catalog::vietnam());
        let mut m = base.manifest.clone();
        m["snapshot_id"] = id.to_string().into();
        m["created_at"] = serde_json::to_value(created).expect("time");
        let mut meta = base.meta.clone();
        meta.id = id.clone();
        meta.object = id.object_key();
        meta.created_at = created;
        Derived {
            id,
            database: base.database.clone(),
            manifest: serde_json::to_vec_pretty(&m).expect("manifest"),
            meta,
        }
    }

    /// The manifest as JSON, for edits.
    pub fn manifest_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.manifest).expect("manifest JSON")
    }

    /// The tar eqvault would write: database then manifest.
    pub fn tar(&self) -> Vec<u8> {
        let mut t = RawTar::default();
        t.file("database.sqlite", &self.database);
        t.file("manifest.json", &self.manifest);
        t.end()
    }
}

/// Signs `path` as the fixture's host would (`path.sig`): a genuine record describing
/// whatever the test made, so that only the lie inside remains to be caught.
pub fn sign_as_host(fx: &Fixture, path: &Path, kind: eqvault::trust::Kind) {
    fx.sign(path, kind);
}

/// Writes `object` and `meta` (its object hash and size set to `object`'s, so that only an inner
/// lie remains) into a local store, the metadata signed by the fixture's key.
pub fn plant(fx: &Fixture, store: &Path, object: &[u8], mut meta: Metadata) -> SnapshotId {
    meta.object_bytes = object.len() as u64;
    meta.object_sha256 = sha256(object);
    let id = meta.id.clone();
    let obj = store.join(id.object_key());
    std::fs::create_dir_all(obj.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&obj, object).expect("write the object");
    std::fs::write(
        store.join(id.metadata_key()),
        serde_json::to_vec_pretty(&meta).expect("metadata"),
    )
    .expect("write the metadata");
    sign_as_host(
        fx,
        &store.join(id.metadata_key()),
        eqvault::trust::Kind::Snapshot,
    );
    id
}

/// The ids `eqvault snapshots --json` lists.
pub fn listed_ids(fx: &Fixture) -> Vec<String> {
    fx.run(&["snapshots", "--json"])
        .ok()
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["id"].as_str().expect("an id").to_string())
        .collect()
}

/// Names in a folder (not recursive), sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

// ---- a config written by hand --------------------------------------------------------------

/// An S3 store's settings for [`write_config`].
pub struct S3 {
    pub endpoint: String,
    pub prefix: String,
    pub max_retries: u32,
    pub timeout: &'static str,
}

/// Writes the fixture's config: its database, these local stores and S3 stores, and `extra` TOML.
pub fn write_config(fx: &Fixture, locals: &[&Path], s3: &[S3], extra: &str) {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut t = format!("[database]\npath = {}\n\n", q(p(&fx.db)));
    for l in locals {
        t.push_str(&format!("[[store]]\nurl = {}\n\n", q(p(l))));
    }
    for s in s3 {
        t.push_str(&format!(
            "[[store]]\nurl = {}\nendpoint = {}\nregion = \"us-east-1\"\nallow_http = true\n\
             access_key_id = {}\nsecret_access_key = {}\nmax_retries = {}\ntimeout = {}\n\n",
            q(&format!("s3://{BUCKET}/{}", s.prefix)),
            q(&s.endpoint),
            q(ACCESS_KEY),
            q(SECRET_KEY),
            s.max_retries,
            q(s.timeout),
        ));
    }
    t.push_str(&format!(
        "[encryption]\nrecipients = [{}]\nidentity = {}\n\n{}\n{extra}",
        q(&fx.recipient),
        q(p(&fx.identity)),
        fx.signing_section()
    ));
    std::fs::write(&fx.config, t).expect("write the config");
    chmod(&fx.config, 0o600);
    let mut specs: Vec<StoreSpec> = locals
        .iter()
        .map(|l| StoreSpec::Local(l.to_path_buf()))
        .collect();
    specs.extend(s3.iter().map(|s| StoreSpec::S3 {
        endpoint: s.endpoint.clone(),
        prefix: s.prefix.clone(),
    }));
    fx.mark_stores(&specs);
}

// ---- a proxy that can cut the way to the S3 server -------------------------------------------

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Passes everything.
    Forward = 0,
    /// Dead server: open connections are cut, new ones accepted and closed at once.
    Down = 1,
    /// Hung server: open connections stall, new ones are accepted and never answered.
    Hang = 2,
}

struct ProxyState {
    mode: AtomicU8,
    /// Bytes client → server and server → client.
    up: AtomicU64,
    down: AtomicU64,
    /// Trip to `trip_mode` once `up` (or `down`) passes these.
    trip_up: AtomicU64,
    trip_down: AtomicU64,
    trip_mode: AtomicU8,
    /// Connections accepted while not forwarding (the client's retries).
    refused: AtomicU64,
    open: Mutex<Vec<TcpStream>>,
    stop: AtomicBool,
}

impl ProxyState {
    fn mode(&self) -> Mode {
        match self.mode.load(Ordering::SeqCst) {
            0 => Mode::Forward,
            1 => Mode::Down,
            _ => Mode::Hang,
        }
    }

    fn set(&self, m: Mode) {
        self.mode.store(m as u8, Ordering::SeqCst);
        if m == Mode::Down {
            for s in self.open.lock().expect("open").drain(..) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    fn count(&self, up: bool, k: usize) {
        let (n, trip) = if up {
            (
                self.up.fetch_add(k as u64, Ordering::SeqCst) + k as u64,
                self.trip_up.load(Ordering::SeqCst),
            )
        } else {
            (
                self.down.fetch_add(k as u64, Ordering::SeqCst) + k as u64,
                self.trip_down.load(Ordering::SeqCst),
            )
        };
        if n >= trip && self.mode() == Mode::Forward {
            let m = if self.trip_mode.load(Ordering::SeqCst) == Mode::Hang as u8 {
                Mode::Hang
            } else {
                Mode::Down
            };
            self.set(m);
        }
    }
}

/// A TCP proxy on 127.0.0.1 in front of `upstream`, whose death or stall the test controls.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<ProxyState>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .parse()
            .expect("host:port");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("address");
        let state = Arc::new(ProxyState {
            mode: AtomicU8::new(Mode::Forward as u8),
            up: AtomicU64::new(0),
            down: AtomicU64::new(0),
            trip_up: AtomicU64::new(u64::MAX),
            trip_down: AtomicU64::new(u64::MAX),
            trip_mode: AtomicU8::new(Mode::Down as u8),
            refused: AtomicU64::new(0),
            open: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let st = state.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !st.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        match st.mode() {
                            Mode::Down => {
                                st.refused.fetch_add(1, Ordering::SeqCst);
                                let _ = client.shutdown(Shutdown::Both);
                            }
                            Mode::Hang => {
                                st.refused.fetch_add(1, Ordering::SeqCst);
                                held.push(client);
                            }
                            Mode::Forward => {
                                let Ok(server) = TcpStream::connect(upstream) else {
                                    continue;
                                };
                                pump(&st, client, server);
                            }
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Proxy { addr, state }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set(&self, m: Mode) {
        self.state.set(m);
    }

    /// Goes to `mode` once `bytes` more have gone up (client → server).
    pub fn trip_after_upload(&self, bytes: u64, mode: Mode) {
        let now = self.state.up.load(Ordering::SeqCst);
        self.state.trip_mode.store(mode as u8, Ordering::SeqCst);
        self.state.trip_up.store(now + bytes, Ordering::SeqCst);
    }

    /// Goes to `mode` once `bytes` more have come down (server → client).
    pub fn trip_after_download(&self, bytes: u64, mode: Mode) {
        let now = self.state.down.load(Ordering::SeqCst);
        self.state.trip_mode.store(mode as u8, Ordering::SeqCst);
        self.state.trip_down.store(now + bytes, Ordering::SeqCst);
    }

    /// Back to forwarding, with no trip set.
    pub fn heal(&self) {
        self.state.trip_up.store(u64::MAX, Ordering::SeqCst);
        self.state.trip_down.store(u64::MAX, Ordering::SeqCst);
        self.state.mode.store(Mode::Forward as u8, Ordering::SeqCst);
    }

    /// Connections accepted and refused (or held) since the proxy stopped forwarding.
    pub fn refused(&self) -> u64 {
        self.state.refused.load(Ordering::SeqCst)
    }

    pub fn mode(&self) -> Mode {
        self.state.mode()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        self.state.set(Mode::Down);
    }
}

fn pump(st: &Arc<ProxyState>, client: TcpStream, server: TcpStream) {
    {
        let mut open = st.open.lock().expect("open");
        open.push(client.try_clone().expect("clone"));
        open.push(server.try_clone().expect("clone"));
    }
    for (mut from, mut to, up) in [
        (
            client.try_clone().expect("clone"),
            server.try_clone().expect("clone"),
            true,
        ),
        (server, client, false),
    ] {
        let st = st.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let k = match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => k,
                };
                match st.mode() {
                    Mode::Forward => {}
                    // A stalled server: hold the bytes, answer nothing, until cut.
                    Mode::Hang => {
                        while st.mode() == Mode::Hang && !st.stop.load(Ordering::SeqCst) {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        break;
                    }
                    Mode::Down => break,
                }
                if to.write_all(&buf[..k]).is_err() {
                    break;
                }
                st.count(up, k);
            }
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
        });
    }
}

// ---- a small filesystem that fills -------------------------------------------------------

/// A tmpfs of a few megabytes mounted on a folder for one test, unmounted on drop
/// (also when the test fails).
pub struct SmallDisk {
    pub dir: PathBuf,
}

impl SmallDisk {
    /// Mounts a `size` tmpfs (e.g. "6m") on `dir`; `Err` with the reason when mounting is not permitted.
    pub fn mount(dir: &Path, size: &str) -> Result<SmallDisk, String> {
        std::fs::create_dir_all(dir).expect("mount point");
        let o = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !o.status.success() {
            return Err(format!(
                "mount -t tmpfs is not permitted here: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        Ok(SmallDisk {
            dir: dir.to_path_buf(),
        })
    }

    /// Free bytes left.
    pub fn free(&self) -> u64 {
        let o = std::process::Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.dir)
            .output()
            .expect("df");
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .expect("df prints the free bytes")
    }

    /// Leaves about `left` bytes free by writing a filler file; returns its path.
    pub fn fill_to(&self, left: u64) -> PathBuf {
        let filler = self.dir.join("filler");
        let free = self.free();
        let n = free.saturating_sub(left);
        let mut f = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![0x5au8; 64 * 1024];
        let mut done = 0u64;
        while done < n {
            let k = (n - done).min(chunk.len() as u64) as usize;
            if f.write_all(&chunk[..k]).is_err() {
                break;
            }
            done += k as u64;
        }
        let _ = f.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let ok = std::process::Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.dir)
                .status();
        }
    }
}

/// Whether any file under `root` contains `needle`: (path, found).
pub fn files_containing(root: &Path, needle: &[u8]) -> Vec<PathBuf> {
    files_under(root)
        .into_iter()
        .filter(|f| {
            std::fs::read(f)
                .map(|b| contains_bytes(&b, needle))
                .unwrap_or(false)
        })
        .collect()
}

/// Row counts of a database (user tables).
pub fn row_counts(db: &Path) -> BTreeMap<String, u64> {
    let c = rusqlite::Connection::open(db).expect("open");
    let mut s = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .expect("tables");
    let names: Vec<String> = s
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("name"))
        .collect();
    names
        .into_iter()
        .map(|n| {
            let k: i64 = c
                .query_row(&format!("SELECT count(*) FROM \"{n}\""), [], |r| r.get(0))
                .expect("count");
            (n, k as u64)
        })
        .collect()
}

// ---- hostile report bags -------------------------------------------------------------

/// The id of the crafted bags.
pub const BAG: &str = "20250120T010203Z-abcdef";

/// Stores `tar` (compressed, encrypted to the fixture's key) as bag [`BAG`] of
/// 2024-2025/hk1, with a sidecar listing one payload file `a.txt` of 5 bytes.
pub fn plant_bag(fx: &Fixture, tar: &[u8], office: &str) {
    let obj = seal(&recipient_of(fx), &zstd(tar));
    let dir = fx.store.join("reports/2024-2025/hk1");
    std::fs::create_dir_all(&dir).unwrap();
    let key = format!("reports/2024-2025/hk1/{BAG}.tar.zst.age");
    std::fs::write(fx.store.join(&key), &obj).unwrap();
    let sidecar = serde_json::json!({
        "format_version": 1,
        "bag_id": BAG,
        "year": "2024-2025",
        "period": "hk1",
        "archived_at": "2025-01-20T08:02:03+07:00",
        "office": {"name": office, "code": "79"},
        "object": key,
        "object_bytes": obj.len(),
        "object_sha256": sha256(&obj),
        "encrypted": true,
        "recipients": [fx.recipient],
        "payload_oxum": "5.1",
        "tag_bytes": 2000,
        "files": [{"path": "a.txt", "bytes": 5, "sha256": "0".repeat(64), "sha512": "0".repeat(128)}],
        "tool_version": "test",
    });
    std::fs::write(
        dir.join(format!("{BAG}.json")),
        serde_json::to_vec(&sidecar).unwrap(),
    )
    .unwrap();
    sign_as_host(
        fx,
        &dir.join(format!("{BAG}.json")),
        eqvault::trust::Kind::Bag,
    );
}
