//! The office's own database through a mapping: the demo converted to a
//! vendor schema gives exactly the findings, report figures and identifier
//! ledger of the original; `mapping check` names planted mistakes; the live
//! database is never written. Real binary, real SQLite files.

mod common;
mod proving;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::Value;

const AS_OF: &str = "2026-11-20";
const SCHOOLS: &str = "4";

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    #[track_caller]
    fn code(self, want: i32) -> Out {
        assert_eq!(
            self.code,
            Some(want),
            "--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout, self.stderr))
    }
}

fn run(cwd: &Path, args: &[&str]) -> Out {
    let o = common::eqvault()
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The reference demo in `root/ref` and the vendor demo of the same seed in `root/vendor`.
fn demos(root: &Path) -> (PathBuf, PathBuf) {
    let (r, v) = (root.join("ref"), root.join("vendor"));
    for (dir, schema) in [(&r, "reference"), (&v, "vendor")] {
        run(
            root,
            &[
                "demo",
                "--no-run",
                "--schools",
                SCHOOLS,
                "--schema",
                schema,
                "--dir",
                s(dir),
            ],
        )
        .code(0);
    }
    (r, v)
}

/// Bytes, length and mtime of the database, and whether any journal appeared beside it.
fn fingerprint(db: &Path) -> (Vec<u8>, std::time::SystemTime, Vec<String>) {
    let side: Vec<String> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("equipment.db-"))
        .collect();
    (
        std::fs::read(db).unwrap(),
        std::fs::metadata(db).unwrap().modified().unwrap(),
        side,
    )
}

#[test]
fn the_vendor_demo_gives_the_findings_and_report_figures_of_the_original() {
    let root = tempfile::tempdir().unwrap();
    let (r, v) = demos(root.path());
    let (rdb, vdb, map) = (
        r.join("equipment.db"),
        v.join("equipment.db"),
        v.join("mapping.sql"),
    );
    // Really another schema: no reference table in it.
    let c = Connection::open_with_flags(&vdb, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        tables.contains(&"dm_truong".to_string()) && !tables.contains(&"schools".to_string()),
        "{tables:?}"
    );
    let day: String = c
        .query_row(
            "SELECT ngay_phat_sinh FROM nhat_ky_thay_doi LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(&day[2..3], "/", "dates are dd/mm/yyyy: {day}");
    drop(c);
    let before = fingerprint(&vdb);

    // Without the mapping it is refused, with the hint that says how.
    let bare = run(root.path(), &["check", "--as-of", AS_OF, "--db", s(&vdb)]).code(2);
    assert!(bare.stderr.contains("--mapping FILE"), "{}", bare.stderr);

    let a = run(
        root.path(),
        &["check", "--json", "--as-of", AS_OF, "--db", s(&rdb)],
    )
    .code(1)
    .json();
    let b = run(
        root.path(),
        &[
            "check",
            "--json",
            "--as-of",
            AS_OF,
            "--db",
            s(&vdb),
            "--mapping",
            s(&map),
        ],
    )
    .code(1)
    .json();
    assert!(a["findings"].as_array().unwrap().len() >= 5, "{a}");
    assert_eq!(a["findings"], b["findings"]);
    for k in [
        "summary", "window", "skipped", "notes", "from", "to", "as_of",
    ] {
        assert_eq!(a[k], b[k], "{k}");
    }
    assert_eq!(b["mapping"], Value::String(s(&map).into()));
    assert!(a.get("mapping").is_none());

    // The report: every figure the same, provenance aside.
    let report = |db: &Path, mapping: Option<&Path>, out: &str| -> Value {
        let out = root.path().join(out);
        let mut args = vec![
            "report",
            "--format",
            "json",
            "--as-of",
            AS_OF,
            "--period",
            "2025-2026",
            "--db",
            s(db),
            "--out",
            s(&out),
        ];
        if let Some(m) = mapping {
            args.extend(["--mapping", s(m)]);
        }
        run(root.path(), &args).code(1);
        let mut v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("provenance");
        v
    };
    let ra = report(&rdb, None, "a.json");
    let rb = report(&vdb, Some(&map), "b.json");
    assert!(ra.get("totals").is_some(), "{ra}");
    assert_eq!(ra, rb);

    // The mapping through the config ([database] mapping, relative to its folder), from elsewhere.
    let cfg = v.join("eqvault.toml");
    assert!(
        std::fs::read_to_string(&cfg)
            .unwrap()
            .contains("mapping = \"mapping.sql\"")
    );
    run(root.path(), &["mapping", "check", "--config", s(&cfg)]).code(0);

    assert_eq!(fingerprint(&vdb), before, "the vendor database was written");
}

/// Reference and vendor spellings of the same statement.
fn both(db: &Path, reference: &str, vendor: &str, vendor_schema: bool) {
    let c = Connection::open(db).unwrap();
    c.execute_batch(if vendor_schema { vendor } else { reference })
        .unwrap();
}

#[test]
fn the_identifier_ledger_works_across_backups_through_the_mapping() {
    let root = tempfile::tempdir().unwrap();
    let (r, v) = demos(root.path());
    let mut seen = Vec::new();
    for (dir, vendor) in [(&r, false), (&v, true)] {
        let cfg = dir.join("eqvault.toml");
        let db = dir.join("equipment.db");
        run(root.path(), &["backup", "--config", s(&cfg)]).code(0);
        // The drill's identifier checks read the restored copy through the mapping too.
        let drill = run(
            root.path(),
            &["--json", "drill", "latest", "--config", s(&cfg)],
        )
        .code(0)
        .json();
        let unique = drill["record"]["checks"]
            .as_array()
            .or_else(|| drill["checks"].as_array())
            .unwrap_or_else(|| panic!("{drill}"))
            .iter()
            .find(|c| c["name"] == "identifiers_unique")
            .unwrap_or_else(|| panic!("{drill}"))
            .clone();
        assert_eq!(unique["detail"], "3 identifier columns checked", "{drill}");
        assert_eq!(unique["ok"], true, "{drill}");
        // Between two backups: a teacher's id changed, another staff row and an item deleted.
        let c = Connection::open(&db).unwrap();
        let pick = |q: &str| -> String { c.query_row(q, [], |r| r.get(0)).unwrap() };
        let (teacher, gone, item) = if vendor {
            (
                pick(
                    "SELECT ma_can_bo FROM can_bo WHERE chuc_vu = 'Giáo viên' ORDER BY ma_can_bo LIMIT 1",
                ),
                pick(
                    "SELECT ma_can_bo FROM can_bo WHERE chuc_vu = 'Nhân viên' ORDER BY ma_can_bo LIMIT 1",
                ),
                pick("SELECT ma_thiet_bi FROM thiet_bi ORDER BY ma_thiet_bi DESC LIMIT 1"),
            )
        } else {
            (
                pick(
                    "SELECT staff_id FROM staff WHERE position = 'teacher' ORDER BY staff_id LIMIT 1",
                ),
                pick(
                    "SELECT staff_id FROM staff WHERE position = 'staff' ORDER BY staff_id LIMIT 1",
                ),
                pick("SELECT equipment_id FROM equipment ORDER BY equipment_id DESC LIMIT 1"),
            )
        };
        drop(c);
        both(
            &db,
            &format!(
                "UPDATE staff SET staff_id = 'GV-DOI-MA' WHERE staff_id = '{teacher}'; DELETE FROM staff WHERE staff_id = '{gone}'; DELETE FROM equipment WHERE equipment_id = '{item}';"
            ),
            &format!(
                "UPDATE can_bo SET ma_can_bo = 'GV-DOI-MA' WHERE ma_can_bo = '{teacher}'; DELETE FROM can_bo WHERE ma_can_bo = '{gone}'; DELETE FROM thiet_bi WHERE ma_thiet_bi = '{item}';"
            ),
            vendor,
        );
        // Before the next backup: the rename is paired (changed_identifier);
        // after it, the ledger knows the new id too and the old one stays deleted.
        for phase in ["before the second backup", "after it"] {
            if phase == "after it" {
                run(root.path(), &["backup", "--config", s(&cfg)]).code(0);
            }
            let j = run(
                root.path(),
                &["check", "--json", "--as-of", AS_OF, "--config", s(&cfg)],
            )
            .json();
            let mut ids: Vec<String> = j["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| {
                    matches!(
                        f["rule"].as_str(),
                        Some("deleted_identifier" | "changed_identifier")
                    )
                })
                .map(|f| {
                    format!(
                        "{} {} {} {} {} {}",
                        f["rule"],
                        f["subject"],
                        f["school_id"],
                        f["evidence"]["table"],
                        f["evidence"]["source"],
                        f["evidence"]["new_id"]
                    )
                })
                .collect();
            ids.sort();
            for want in [&teacher, &gone, &item] {
                assert!(
                    ids.iter().any(|l| l.contains(want.as_str())),
                    "{phase}: {want} not in {ids:?}"
                );
            }
            if phase != "after it" {
                assert!(
                    ids.iter().any(|l| l.contains("changed_identifier")
                        && l.contains(&teacher)
                        && l.contains("GV-DOI-MA")),
                    "{ids:?}"
                );
            }
            seen.push(ids);
        }
    }
    // seen: reference before and after the second backup, then vendor the same.
    assert_eq!(seen.len(), 4);
    assert_eq!(
        seen[..2],
        seen[2..],
        "the two schemas disagree on the identifiers"
    );
}

/// The vendor demo's mapping with `edits` applied (each `from` must be in it).
fn planted(map: &Path, edits: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(map).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from} not in the mapping");
        text = text.replacen(from, to, 1);
    }
    text
}

#[test]
fn mapping_check_names_each_planted_mistake() {
    let root = tempfile::tempdir().unwrap();
    let v = root.path().join("vendor");
    run(
        root.path(),
        &[
            "demo",
            "--no-run",
            "--schools",
            SCHOOLS,
            "--schema",
            "vendor",
            "--dir",
            s(&v),
        ],
    )
    .code(0);
    let (db, map) = (v.join("equipment.db"), v.join("mapping.sql"));
    let before = fingerprint(&db);
    run(
        root.path(),
        &["mapping", "check", "--db", s(&db), "--mapping", s(&map)],
    )
    .code(0);

    let text = std::fs::read_to_string(&map).unwrap();
    let used_on = text
        .lines()
        .find(|l| l.trim_end().ends_with("AS used_on,"))
        .unwrap()
        .to_string();
    let bad = planted(
        &map,
        &[
            // A missing column.
            (" AS location,", " AS locatio,"),
            // An unknown code: kindergartens' level left as the vendor writes it.
            ("WHEN 'Mầm non' THEN 'mam_non' ", ""),
            // A bad date format: the usage book's days left dd/mm/yyyy.
            (&used_on, "    ngay_su_dung AS used_on,"),
            // A duplicate identifier: every school twice.
            (
                "FROM dm_truong;",
                "FROM dm_truong, (SELECT 1 UNION ALL SELECT 2);",
            ),
        ],
    );
    let bad_path = root.path().join("bad.sql");
    std::fs::write(&bad_path, &bad).unwrap();
    let out = run(
        root.path(),
        &[
            "mapping",
            "check",
            "--json",
            "--db",
            s(&db),
            "--mapping",
            s(&bad_path),
        ],
    )
    .code(1);
    let issues = out.json()["issues"].as_array().unwrap().clone();
    let find = |view: &str, column: &str, problem: &str| -> Value {
        issues
            .iter()
            .find(|i| i["view"] == view && i["column"] == column && i["problem"] == problem)
            .unwrap_or_else(|| panic!("{view}.{column} {problem} not in {issues:#?}"))
            .clone()
    };
    find("equipment", "location", "missing_column");
    let code = find("schools", "level", "unknown_code");
    assert_eq!(code["example_value"], "Mầm non");
    assert!(
        code["example_row"]
            .as_str()
            .unwrap()
            .starts_with("school_id="),
        "{code}"
    );
    let date = find("equipment_usage", "used_on", "bad_date");
    assert!(
        date["example_value"].as_str().unwrap().contains('/'),
        "{date}"
    );
    assert!(
        date["example_row"]
            .as_str()
            .unwrap()
            .starts_with("usage_id="),
        "{date}"
    );
    let dup = find("schools", "school_id", "duplicate_identifier");
    assert!(
        dup["example_row"]
            .as_str()
            .unwrap()
            .starts_with("school_id="),
        "{dup}"
    );
    // The person's text names them too.
    let human = run(
        root.path(),
        &[
            "mapping",
            "check",
            "--db",
            s(&db),
            "--mapping",
            s(&bad_path),
        ],
    )
    .code(1);
    for want in [
        "equipment.location",
        "schools.level",
        "equipment_usage.used_on",
        "schools.school_id",
        "Mầm non",
    ] {
        assert!(human.stdout.contains(want), "{want}:\n{}", human.stdout);
    }

    // SQL that fails, a statement that writes, a file that is not there: exit 2, naming the line.
    let wrong = planted(&map, &[("ten_truong AS name", "ten_truong_x AS name")]);
    let line = wrong
        .lines()
        .position(|l| l.starts_with("CREATE VIEW schools"))
        .unwrap()
        + 1;
    std::fs::write(&bad_path, &wrong).unwrap();
    let e = run(
        root.path(),
        &[
            "mapping",
            "check",
            "--db",
            s(&db),
            "--mapping",
            s(&bad_path),
        ],
    )
    .code(2);
    assert!(
        e.stderr.contains(&format!("line {line}")) && e.stderr.contains("ten_truong_x"),
        "{}",
        e.stderr
    );
    std::fs::write(&bad_path, format!("{text}\nDELETE FROM dm_truong;\n")).unwrap();
    let line = text.lines().count() + 2;
    for cmd in [
        &["mapping", "check"][..],
        &["check", "--as-of", AS_OF][..],
        &["report", "--format", "json", "--out", "x.json"][..],
    ] {
        let mut args = cmd.to_vec();
        args.extend(["--db", s(&db), "--mapping", s(&bad_path)]);
        let e = run(root.path(), &args).code(2);
        assert!(
            e.stderr.contains(&format!("line {line}")) && e.stderr.contains("not CREATE VIEW"),
            "{cmd:?}: {}",
            e.stderr
        );
    }
    run(
        root.path(),
        &[
            "mapping",
            "check",
            "--db",
            s(&db),
            "--mapping",
            "nothing-here.sql",
        ],
    )
    .code(2);

    assert_eq!(fingerprint(&db), before, "the database was written");
}

#[test]
fn mapping_init_writes_a_template_from_the_databases_own_tables_and_never_overwrites() {
    let root = tempfile::tempdir().unwrap();
    let v = root.path().join("vendor");
    run(
        root.path(),
        &[
            "demo",
            "--no-run",
            "--schools",
            "2",
            "--schema",
            "vendor",
            "--dir",
            s(&v),
        ],
    )
    .code(0);
    let db = v.join("equipment.db");
    let before = fingerprint(&db);
    let out = root.path().join("template.sql");
    run(
        root.path(),
        &["mapping", "init", "--db", s(&db), "--out", s(&out)],
    )
    .code(0);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("--   dm_truong: ma_truong TEXT, ten_truong TEXT"),
        "{text}"
    );
    for t in [
        "schools",
        "staff",
        "equipment",
        "equipment_changes",
        "monthly_approvals",
        "equipment_usage",
    ] {
        assert!(text.contains(&format!("CREATE VIEW {t} AS SELECT")), "{t}");
    }
    assert!(text.contains("NULL AS lesson_periods"), "{text}");
    // Valid SQL at once; not filled in, so `mapping check` says there is nothing to check.
    let j = run(
        root.path(),
        &[
            "mapping",
            "check",
            "--json",
            "--db",
            s(&db),
            "--mapping",
            s(&out),
        ],
    )
    .code(1)
    .json();
    assert_eq!(j["issues"][0]["problem"], "no_rows", "{j}");
    // Never overwritten without --force.
    std::fs::write(&out, "mine").unwrap();
    let e = run(
        root.path(),
        &["mapping", "init", "--db", s(&db), "--out", s(&out)],
    )
    .code(2);
    assert!(e.stderr.contains("--force"), "{}", e.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    run(
        root.path(),
        &[
            "mapping",
            "init",
            "--db",
            s(&db),
            "--out",
            s(&out),
            "--force",
        ],
    )
    .code(0);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("CREATE VIEW schools")
    );
    assert_eq!(fingerprint(&db), before);
}

/// Through a mapping, activity, first and last days are read once per table
/// (a computed date cannot use the office's indexes) instead of per school
/// and month: the answers must be those of the statements, odd values
/// included. An identity mapping over a reference database with a reopened
/// school, a quiet month and dates that are not ISO text gives the findings
/// of the database read directly.
#[test]
fn an_identity_mapping_gives_the_findings_of_the_database_read_directly() {
    let root = tempfile::tempdir().unwrap();
    let db = root.path().join("equipment.db");
    let c = Connection::open(&db).unwrap();
    c.execute_batch(&common::schema_sql()).unwrap();
    c.execute_batch(
        "INSERT INTO schools VALUES ('79A', 'Trường A', 'thcs', 'cong_lap', 'active', NULL, '2024-08-01T08:00:00+07:00');
         -- closed after October 2024, reopened on 3 March 2025
         INSERT INTO schools VALUES ('79B', 'Trường B', 'tieu_hoc', 'cong_lap', 'active', '2025-03-03', '2024-08-01');
         INSERT INTO schools VALUES ('79C', 'Trường C', 'mam_non', 'tu_thuc', 'inactive', '2025-01-31', '2024-08-01T08:00:00+07:00');
         INSERT INTO staff VALUES ('P1', '79A', 'Hiệu trưởng A', 'principal', 'working', NULL);
         INSERT INTO staff VALUES ('P2', '79B', 'Hiệu trưởng B', 'principal', 'working', NULL);
         INSERT INTO staff VALUES ('T3', '79C', 'Giáo viên C', 'teacher', 'working', NULL);
         INSERT INTO equipment VALUES ('E1', '79A', NULL, 'Bộ', NULL, 6, NULL, 1, NULL, NULL, NULL, 'good', '2024-08-01', '2024-08-01');
         INSERT INTO equipment VALUES ('E2', '79B', NULL, 'Bộ', NULL, 1, NULL, 1, NULL, NULL, NULL, 'good', '2024-08-01', '2024-08-01');",
    )
    .unwrap();
    let mut n = 0;
    // 79A: uses every month but November 2024 (quiet), one change a month but
    // none in November and December; odd values beside the ISO ones.
    for (y, m) in [
        (2024, 9),
        (2024, 10),
        (2024, 12),
        (2025, 1),
        (2025, 2),
        (2025, 3),
        (2025, 4),
        (2025, 5),
    ] {
        n += 1;
        c.execute(
            "INSERT INTO equipment_usage VALUES (?1, 'E1', '79A', 'P1', '6A', ?2, 1)",
            rusqlite::params![n * 1000, format!("{y}-{m:02}-10")],
        )
        .unwrap();
        if m != 12 {
            c.execute(
                "INSERT INTO equipment_changes VALUES (?1, 'E1', '79A', 'relocated', ?2, ?3, 'P1')",
                rusqlite::params![
                    n,
                    format!("{y}-{m:02}-09"),
                    format!("{y}-{m:02}-09T09:00:00+07:00")
                ],
            )
            .unwrap();
        }
    }
    c.execute_batch(
        "INSERT INTO equipment_usage VALUES (90001, 'E1', '79A', 'P1', '6A', '15/11/2024', 1);
         INSERT INTO equipment_usage VALUES (90002, 'E1', '79A', 'P1', '6A', 20241115, 1);
         INSERT INTO equipment_usage VALUES (90003, 'E1', '79A', 'P1', '6A', '2024-11', 1);
         INSERT INTO equipment_usage VALUES (-5, 'E1', '79A', 'P1', '6A', '2024-08-20', 1);
         -- 79B: active in September and October 2024, then nothing until the reopening
         INSERT INTO equipment_usage VALUES (70001, 'E2', '79B', 'P2', '1A', '2024-09-12', 1);
         INSERT INTO equipment_changes VALUES (70001, 'E2', '79B', 'acquired', '2024-10-02', '2024-10-03T10:00:00+07:00', 'P2');
         INSERT INTO equipment_usage VALUES (70002, 'E2', '79B', 'P2', '1A', '2025-03-04', 1);
         INSERT INTO equipment_usage VALUES (70003, 'E2', '79B', 'P2', '1A', '2025-04-04', 1);
         INSERT INTO monthly_approvals VALUES ('79A', '2024-09', 'P1', '2024-10-05T08:00:00+07:00');
         INSERT INTO monthly_approvals VALUES ('79B', '2024-09', 'P2', '2024-10-05T08:00:00+07:00');
         INSERT INTO monthly_approvals VALUES ('79C', '2024-09', 'T3', '2024-10-05T08:00:00+07:00');",
    )
    .unwrap();
    drop(c);
    let identity: String = [
        "schools",
        "staff",
        "equipment",
        "equipment_changes",
        "monthly_approvals",
        "equipment_usage",
    ]
    .iter()
    .map(|t| format!("CREATE VIEW {t} AS SELECT * FROM main.{t};\n"))
    .collect();
    let map = root.path().join("identity.sql");
    std::fs::write(&map, identity).unwrap();
    let direct = run(
        root.path(),
        &["check", "--json", "--as-of", "2025-07-15", "--db", s(&db)],
    )
    .code(1)
    .json();
    let mapped = run(
        root.path(),
        &[
            "check",
            "--json",
            "--as-of",
            "2025-07-15",
            "--db",
            s(&db),
            "--mapping",
            s(&map),
        ],
    )
    .code(1)
    .json();
    let rules: Vec<&str> = direct["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"no_monthly_update") && rules.contains(&"missing_approval"),
        "{rules:?}"
    );
    assert_eq!(direct["findings"], mapped["findings"]);
    assert_eq!(direct["window"], mapped["window"]);
    assert_eq!(direct["summary"], mapped["summary"]);
}

/// Issue 29: a database in its own schema with no mapping is named on day
/// one. `init` says to write a mapping, `doctor` fails its `schema` line, the
/// backup says the identifier ledger recorded nothing, and the drill's
/// identifier check says "not checked", never "ok".
#[test]
fn a_database_in_its_own_schema_is_named_before_any_check_says_ok() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let db = root.join("rieng.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE thiet_bi (ma TEXT PRIMARY KEY, ten TEXT NOT NULL, truong TEXT);
             INSERT INTO thiet_bi VALUES ('TB1', 'Kính hiển vi', 'THCS A');",
        )
        .unwrap();
    let init = run(
        root,
        &[
            "init",
            "--store",
            "store-a",
            "--store",
            "store-b",
            "--create-store",
            "--dir",
            ".",
            "--db",
            s(&db),
        ],
    )
    .code(0);
    assert!(
        init.stderr.contains("mapping init --out mapping.sql"),
        "{}",
        init.stderr
    );
    let d = run(root, &["doctor", "--json"]).code(1).json();
    let line = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "schema")
        .unwrap_or_else(|| panic!("no schema line: {d:#}"))
        .clone();
    assert_eq!(line["state"], "fail", "{line:#}");
    assert!(
        line["detail"].as_str().unwrap().contains("no view schools"),
        "{line:#}"
    );
    assert!(
        line["todo_en"]
            .as_str()
            .unwrap()
            .contains("Write a mapping"),
        "{line:#}"
    );
    let b = run(root, &["backup"]).code(0);
    assert!(b.stderr.contains("recorded no identifier"), "{}", b.stderr);
    let dr = run(root, &["drill", "--json"]).json();
    let check = dr["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "identifiers_unique")
        .unwrap_or_else(|| panic!("{dr:#}"))
        .clone();
    assert_eq!(check["not_checked"], true, "{check:#}");
    assert!(
        check["detail"].as_str().unwrap().contains("mapping"),
        "{check:#}"
    );
    let text = run(root, &["drill"]).stdout;
    assert!(
        text.contains("not checked identifiers_unique")
            && !text.contains("ok   identifiers_unique"),
        "{text}"
    );
}

/// Issue 31: a mapping view that never ends (a recursive WITH with no stop)
/// made `backup`, `mapping check` and `check` hang for ever, holding the
/// backup lock. Under `[database] query_timeout` each is stopped and says
/// so, naming the limit and what to do: `mapping check` and `check` exit 2
/// naming the view or the mapping; `backup` stores its snapshot and warns
/// that the ledger was not updated (a mapping costs the ledger, never the
/// backup); the lock is let go, so the next backup runs.
#[test]
fn a_mapping_view_that_never_ends_is_stopped_at_query_timeout_and_frees_the_backup_lock() {
    let fx = common::Fixture::new();
    fx.config_local();
    let map = fx.path().join("mapping.sql");
    std::fs::write(
        &map,
        "-- schools, read for ever: the recursion has no stop, and no row passes its WHERE\n\
         CREATE VIEW schools AS\n  \
           WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)\n  \
           SELECT s.* FROM main.schools AS s, r WHERE r.n < 0;\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(&fx.config).unwrap();
    let at = "busy_timeout = \"30s\"\n";
    assert!(text.contains(at), "{text}");
    std::fs::write(
        &fx.config,
        text.replacen(
            at,
            &format!("{at}mapping = {:?}\nquery_timeout = \"2s\"\n", s(&map)),
            1,
        ),
    )
    .unwrap();
    // Generous bounds: the limit is 2 s; what is asserted is that it ends.
    let bound = Duration::from_secs(60);
    let timed = |args: &[&str]| {
        let t = Instant::now();
        let r = proving::run_within(&fx, args, bound * 2);
        assert!(t.elapsed() < bound, "{args:?} took {:?}", t.elapsed());
        r
    };

    let r = timed(&["mapping", "check"]).code(2);
    for says in [
        "the view schools",
        "mapping.sql",
        "query_timeout (2s)",
        "never ends",
        "hint:",
        "raise [database] query_timeout",
    ] {
        assert!(r.stderr.contains(says), "{says}: {}", r.stderr);
    }

    let r = timed(&["check", "--as-of", "2024-12-31"]).code(2);
    for says in [
        "mapping.sql",
        "query_timeout (2s)",
        "raise [database] query_timeout",
    ] {
        assert!(r.stderr.contains(says), "{says}: {}", r.stderr);
    }

    for _ in 0..2 {
        // The second is not refused as "another backup is running".
        let r = timed(&["backup"]).ok();
        for says in [
            "query_timeout (2s)",
            "mapping.sql",
            "the snapshot is complete",
        ] {
            assert!(r.stderr.contains(says), "{says}: {}", r.stderr);
        }
        assert!(!r.stderr.contains("already running"), "{}", r.stderr);
    }
    let snaps = fx.run(&["snapshots", "--json"]).ok().json();
    assert_eq!(snaps.as_array().unwrap().len(), 2, "{snaps:#}");
}
