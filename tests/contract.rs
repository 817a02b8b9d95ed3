//! The command-line contract pinned (issue 24): the shape of every `--json`
//! document `docs/CLI.md` promises, with each command's exit code, and every
//! `--help`, as insta snapshots under `tests/snapshots/`.
//!
//! A `--json` document is pinned by its shape: every key, and the kind of
//! each value (`"string"`, `"number"`, …; arrays by the union of their
//! elements), so times, ids, hashes, sizes and paths need no redaction and a
//! key renamed, dropped or retyped fails here. `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test --test contract`) records a change made on
//! purpose; docs/CLI.md says whether it may be made.

mod common;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use common::*;

/// The kind of each value, keys kept; an array is the union of its elements.
fn shape(v: &Value) -> Value {
    match v {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("bool"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(a) => match a.iter().map(shape).reduce(union) {
            Some(s) => json!([s]),
            None => json!([]),
        },
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
    }
}

/// Two shapes as one: objects by key (a key one side lacks is optional),
/// differing kinds as `"a|b"`.
fn union(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut out = Map::new();
            for (k, v) in &x {
                out.insert(
                    k.clone(),
                    match y.get(k) {
                        Some(w) => union(v.clone(), w.clone()),
                        None => optional(v.clone()),
                    },
                );
            }
            for (k, w) in y {
                if !x.contains_key(&k) {
                    out.insert(k, optional(w));
                }
            }
            Value::Object(out)
        }
        (Value::Array(x), Value::Array(y)) => match (x.into_iter().next(), y.into_iter().next()) {
            (Some(a), Some(b)) => json!([union(a, b)]),
            (Some(a), None) | (None, Some(a)) => json!([a]),
            (None, None) => json!([]),
        },
        (a, b) if a == b => a,
        (Value::String(a), Value::String(b)) => {
            let mut kinds: Vec<&str> = a.split('|').chain(b.split('|')).collect();
            kinds.sort();
            kinds.dedup();
            json!(kinds.join("|"))
        }
        (a, b) => json!(format!("{}|{}", kind(&a), kind(&b))),
    }
}

fn optional(v: Value) -> Value {
    match v {
        Value::String(s) if !s.ends_with('?') => json!(format!("{s}?")),
        other => other,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        _ => "value",
    }
}

/// The demo's world, and `eqvault --config` over it.
struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
    config: PathBuf,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        World {
            config: root.join("demo").join("eqvault.toml"),
            _dir: dir,
            root,
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        let o = eqvault()
            .current_dir(&self.root)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .expect("run eqvault");
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// `args --json`: its exit code and the shape of its document.
    #[track_caller]
    fn pin(&self, name: &str, args: &[&str]) -> Value {
        let mut all: Vec<&str> = args.to_vec();
        all.push("--json");
        let r = self.run(&all);
        let v = r.json();
        let pinned = json!({ "exit": r.code, "shape": shape(&v) });
        insta::assert_json_snapshot!(format!("json_{name}"), pinned);
        v
    }

    fn path(&self, rel: &str) -> String {
        self.root.join(rel).to_string_lossy().into_owned()
    }
}

/// One world, every command of the contract in an order that gives each one
/// something to do; each document's shape and exit code pinned.
#[test]
fn every_json_document_keeps_its_shape_and_exit_code() {
    let w = World::new();
    let demo = w.path("demo");
    w.pin(
        "demo",
        &["demo", "--dir", &demo, "--schools", "2", "--years", "1"],
    );
    w.pin("snapshots", &["snapshots"]);
    let b = w.pin("backup", &["backup"]);
    let id = b["id"].as_str().unwrap().to_string();
    w.pin("verify", &["verify"]);
    w.pin("verify_read_data", &["verify", "--read-data", "--all"]);
    let restored = w.path("restored.db");
    w.pin("restore", &["restore", "latest", "--to", &restored]);
    w.pin("drill", &["drill", "latest"]);
    w.pin("hold", &["hold", &id, "--reason", "thanh tra"]);
    w.pin("prune_dry_run", &["prune", "--dry-run"]);
    w.pin("unhold", &["unhold", &id]);
    w.pin("sync", &["sync"]);
    w.pin("status", &["status"]);
    w.pin("ledger_rebuild", &["ledger", "rebuild"]);
    w.pin("forget", &["forget", "--vanished"]);
    w.pin("adopt", &["adopt", "--all"]);

    // The archive: one more report filed, listed, fetched and checked.
    let reports = w.root.join("bao-cao");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::write(
        reports.join("Thống kê thiết bị HK1 2025-2026.csv"),
        "ma,ten\nTB1,Bàn\n",
    )
    .unwrap();
    w.pin(
        "archive_add",
        &["archive", "add", &reports.to_string_lossy()],
    );
    w.pin("archive_list", &["archive", "list"]);
    let got = w.path("got");
    std::fs::create_dir_all(&got).unwrap();
    w.pin(
        "archive_get",
        &[
            "archive",
            "get",
            "Thống kê thiết bị HK1 2025-2026.csv",
            "--to",
            &got,
        ],
    );
    w.pin("archive_verify", &["archive", "verify"]);
    w.pin("archive_rebuild_index", &["archive", "rebuild-index"]);

    // The rules and the report, on fixed days.
    w.pin("check", &["check", "--as-of", "2026-06-30"]);
    let report = w.path("bao-cao.json");
    w.pin(
        "report",
        &[
            "report",
            "--format",
            "json",
            "--out",
            &report,
            "--as-of",
            "2026-06-30",
        ],
    );
    w.pin("calendar_year", &["calendar", "2025"]);
    w.pin("calendar_deadline", &["calendar", "deadline", "2025-02-14"]);

    // Set-up and the schedule.
    w.pin("doctor", &["doctor"]);
    w.pin("schedule_status", &["schedule", "status"]);
    w.pin("schedule_run", &["schedule", "run", "check"]);
    w.pin("schedule_history", &["schedule", "history"]);
    let template = w.path("mapping.sql");
    w.pin("mapping_init", &["mapping", "init", "--out", &template]);
    w.pin(
        "mapping_check",
        &["mapping", "check", "--mapping", &template],
    );
    let more = w.path("usb-2");
    w.pin("store_add", &["store", "add", &more, "--create-store"]);
    let man = w.path("man");
    w.pin("man_dir", &["man", "--dir", &man]);

    // A new set-up beside it.
    let db = w.root.join("demo").join("equipment.db");
    let fresh = w.path("fresh");
    let store = w.path("fresh-store");
    w.pin(
        "init",
        &[
            "init",
            "--db",
            &db.to_string_lossy(),
            "--store",
            &store,
            "--dir",
            &fresh,
            "--create-store",
        ],
    );
}

/// Every command's `--help`: its flags, their values and their words.
#[test]
fn every_help_text_is_pinned() {
    let commands: &[&[&str]] = &[
        &[],
        &["init"],
        &["demo"],
        &["backup"],
        &["snapshots"],
        &["verify"],
        &["restore"],
        &["drill"],
        &["prune"],
        &["hold"],
        &["unhold"],
        &["sync"],
        &["status"],
        &["archive"],
        &["archive", "add"],
        &["archive", "list"],
        &["archive", "get"],
        &["archive", "verify"],
        &["archive", "rebuild-index"],
        &["ledger"],
        &["ledger", "rebuild"],
        &["mapping"],
        &["mapping", "check"],
        &["mapping", "init"],
        &["check"],
        &["calendar"],
        &["calendar", "deadline"],
        &["report"],
        &["doctor"],
        &["daemon"],
        &["schedule"],
        &["schedule", "status"],
        &["schedule", "history"],
        &["schedule", "run"],
        &["adopt"],
        &["forget"],
        &["store"],
        &["store", "add"],
        &["store", "remove"],
        &["archive", "withdraw"],
        &["keys"],
        &["keys", "new"],
        &["guard"],
        &["guard", "ack"],
        &["completions"],
        &["man"],
    ];
    for c in commands {
        let o = eqvault()
            .env_remove("COLUMNS")
            .args(c.iter())
            .arg("--help")
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{c:?} --help");
        let name = if c.is_empty() {
            "help_eqvault".to_string()
        } else {
            format!("help_{}", c.join("_").replace('-', "_"))
        };
        insta::assert_snapshot!(name, String::from_utf8_lossy(&o.stdout));
    }
    // A reader who sets no language reads Vietnamese (a few pages pinned).
    for c in [&[][..], &["restore"], &["archive", "add"]] {
        let o = eqvault()
            .env_remove("EQVAULT_LANG")
            .env_remove("COLUMNS")
            .args(c.iter())
            .arg("--help")
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{c:?} --help");
        let name = if c.is_empty() {
            "help_vi_eqvault".to_string()
        } else {
            format!("help_vi_{}", c.join("_").replace('-', "_"))
        };
        insta::assert_snapshot!(name, String::from_utf8_lossy(&o.stdout));
    }
}

#[test]
fn shapes_are_kinds_and_arrays_are_unions() {
    let v = json!({"id": "x", "n": 3, "ok": true, "items": [{"a": 1}, {"a": null, "b": "y"}], "none": []});
    assert_eq!(
        shape(&v),
        json!({"id": "string", "n": "number", "ok": "bool",
               "items": [{"a": "null|number", "b": "string?"}], "none": []})
    );
}
