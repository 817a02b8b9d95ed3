//! `eqvault report`: the model on a small database with known answers, every format's shape, and the HTML in real headless Chromium.
//!
//! The small database (built here from schema/equipment.sql) has three
//! schools whose entries, approvals and uses are counted by hand below; the
//! Chromium test uses the demo generator's database (a realistic one, for
//! the screenshot in README) and compares the summary table with
//! `check --json` on the same database and period.
//!
//! The Chromium and openpyxl tests fail, never skip, when their tool is
//! missing: scripts/test.sh installs both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use chrono::NaiveDate;
use eqvault::policy::{Policies, StoreInput};
use eqvault::report::model::{Office, Plan, Status};
use eqvault::report::{Lang, Report, ReportPeriod};
use rusqlite::{Connection, params};
use serde_json::Value;

const AS_OF: &str = "2025-03-01";
const A: &str = "79760001";
const B: &str = "79760002";
const C: &str = "79760003";
/// A hostile school name: it must come out as text, never as markup.
const C_NAME: &str = "Trường \"Cũ\" <script>alert('x')</script> & Co";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Three schools, HK1 2024-2025 (05/09/2024 – 12/01/2025) as of 01/03/2025.
///
/// Entries due in HK1: A 4 (one late), B 3 (one late). Approvals due: A 5
/// (all on time), B 5 (October late, November missing, December by a
/// teacher). B has no activity in November. A's change log names TB_GONE,
/// which the equipment table lacks. C closed on 30/06/2024.
fn build(path: &Path) {
    let schema =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/equipment.sql"))
            .unwrap();
    let c = Connection::open(path).unwrap();
    c.execute_batch(&schema).unwrap();
    let school = |id: &str, name: &str, closed: Option<&str>| {
        c.execute(
            "INSERT INTO schools VALUES (?1, ?2, 'thcs', 'cong_lap', ?3, ?4, '2024-01-01T08:00:00+07:00')",
            params![id, name, if closed.is_some() { "inactive" } else { "active" }, closed],
        )
        .unwrap();
    };
    school(A, "Trường THCS Nguyễn Du", None);
    school(B, "Trường Tiểu học Lê Văn Tám", None);
    school(C, C_NAME, Some("2024-06-30"));
    for (id, s, name, pos) in [
        ("PA", A, "Nguyễn Thị Hoa", "principal"),
        ("PB", B, "Trần Văn Bình", "principal"),
        ("TB", B, "Lê Thị Cúc", "teacher"),
    ] {
        c.execute(
            "INSERT INTO staff VALUES (?1, ?2, ?3, ?4, 'working', NULL)",
            params![id, s, name, pos],
        )
        .unwrap();
    }
    for (id, s, name, subject, condition, created) in [
        (
            "TB_A1",
            A,
            "Bộ thí nghiệm quang học",
            Some("Vật lí"),
            "good",
            "2023-09-01",
        ),
        (
            "TB_A2",
            A,
            "Bộ hình học phẳng",
            Some("Toán"),
            "good",
            "2023-09-01",
        ),
        (
            "TB_A3",
            A,
            "Thước đo góc",
            Some("Toán"),
            "damaged",
            "2023-09-01",
        ),
        (
            "TB_A4",
            A,
            "Kính hiển vi cũ",
            Some("Vật lí"),
            "disposed",
            "2023-09-01",
        ),
        (
            "TB_B1",
            B,
            "Bộ que tính",
            Some("Toán"),
            "good",
            "2023-09-01",
        ),
        (
            "TB_B2",
            B,
            "Loa kéo <img src=x onerror=alert(1)>",
            None,
            "good",
            "2023-09-01",
        ),
        (
            "TB_B3",
            B,
            "Bảng tương tác",
            Some("Toán"),
            "good",
            "2025-02-01",
        ),
        (
            "TB_C1",
            C,
            "Bộ que tính",
            Some("Toán"),
            "good",
            "2023-09-01",
        ),
    ] {
        c.execute(
            "INSERT INTO equipment (equipment_id, school_id, name, subject, condition, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6 || 'T08:00:00+07:00', ?6 || 'T08:00:00+07:00')",
            params![id, s, name, subject, condition, created],
        )
        .unwrap();
    }
    for (id, eq, s, occurred, recorded) in [
        (1, "TB_A1", A, "2024-09-10", "2024-09-12"),
        (2, "TB_A2", A, "2024-10-01", "2024-10-03"),
        (3, "TB_A3", A, "2024-10-07", "2024-11-20"), // late: deadline 21/10
        (4, "TB_A2", A, "2024-11-05", "2024-11-06"),
        (5, "TB_B1", B, "2024-09-16", "2024-10-30"), // late: deadline 30/09
        (6, "TB_B1", B, "2024-12-02", "2024-12-03"),
        (7, "TB_B2", B, "2025-01-10", "2025-01-13"),
        (8, "TB_A1", A, "2024-08-20", "2024-08-21"), // before the term
        (9, "TB_A1", A, "2025-02-20", "2025-02-21"), // after it
        (10, "TB_GONE", A, "2024-09-02", "2024-09-03"), // deleted item
    ] {
        c.execute(
            "INSERT INTO equipment_changes VALUES (?1, ?2, ?3, 'condition_changed', ?4, ?5 || 'T09:00:00+07:00', NULL)",
            params![id, eq, s, occurred, recorded],
        )
        .unwrap();
    }
    let approve = |s: &str, month: &str, by: &str, at: &str| {
        c.execute(
            "INSERT INTO monthly_approvals VALUES (?1, ?2, ?3, ?4 || 'T09:00:00+07:00')",
            params![s, month, by, at],
        )
        .unwrap();
    };
    // Months before the term are approved (they are outside it anyway).
    for m in 1..=8 {
        approve(
            A,
            &format!("2024-{m:02}"),
            "PA",
            &format!("2024-{:02}-05", m + 1),
        );
        approve(
            B,
            &format!("2024-{m:02}"),
            "PB",
            &format!("2024-{:02}-05", m + 1),
        );
    }
    for (m, at) in [
        ("2024-09", "2024-10-05"),
        ("2024-10", "2024-11-05"),
        ("2024-11", "2024-12-05"),
        ("2024-12", "2025-01-05"),
        ("2025-01", "2025-02-05"),
    ] {
        approve(A, m, "PA", at);
    }
    approve(B, "2024-09", "PB", "2024-10-05");
    approve(B, "2024-10", "PB", "2024-12-10"); // late: due 30/11
    approve(B, "2024-12", "TB", "2025-01-05"); // by a teacher
    approve(B, "2025-01", "PB", "2025-02-05");
    for (id, eq, s, day, periods) in [
        (1, "TB_A1", A, "2024-09-20", 2),
        (2, "TB_A1", A, "2024-12-05", 1),
        (3, "TB_A2", A, "2025-01-06", 3),
        (4, "TB_B1", B, "2024-10-15", 2),
        (5, "TB_B1", B, "2025-01-08", 1),
        (6, "TB_A2", A, "2024-08-25", 5), // before the term
        (7, "TB_A2", A, "2025-02-10", 4), // after it
        (8, "TB_GONE", A, "2024-11-11", 1),
    ] {
        c.execute(
            "INSERT INTO equipment_usage VALUES (?1, ?2, ?3, NULL, '6A1', ?4, ?5)",
            params![id, eq, s, day, periods],
        )
        .unwrap();
    }
}

fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    build(&db);
    (dir, db)
}

fn model(db: &Path) -> Report {
    let policies = Policies::built_in().unwrap();
    let plan = Plan {
        database: db.to_path_buf(),
        mapping: None,
        busy_timeout: Duration::from_secs(5),
        as_of: d(AS_OF),
        period: Some("2024-2025/hk1".parse::<ReportPeriod>().unwrap()),
        office: Office {
            name: "Phòng Giáo dục và Đào tạo".into(),
            code: "PGD12".into(),
            ..Office::default()
        },
        generated_at: chrono::DateTime::parse_from_rfc3339("2025-03-01T08:00:00+07:00").unwrap(),
        detail_limit: 25,
    };
    eqvault::report::build(&policies, &plan, StoreInput::NoConfig).unwrap()
}

#[test]
fn the_model_counts_what_was_planted() {
    let (_dir, db) = fixture();
    let r = model(&db);
    assert_eq!(r.period.key, "2024-2025/hk1");
    assert_eq!(
        (r.period.from, r.period.to),
        (d("2024-09-05"), d("2025-01-12"))
    );

    // Per school, most violations first.
    let ids: Vec<&str> = r.schools.iter().map(|s| s.school_id.as_str()).collect();
    assert_eq!(ids, [B, A, C]);
    let s = |id: &str| r.schools.iter().find(|s| s.school_id == id).unwrap();
    let (a, b, c) = (s(A), s(B), s(C));
    assert_eq!(
        (a.entries_due, a.entries_on_time, a.entries_late),
        (4, Some(3), 1)
    );
    assert_eq!(a.on_time_rate, Some(0.75));
    assert_eq!(
        (b.entries_due, b.entries_on_time, b.entries_late),
        (3, Some(2), 1)
    );
    assert_eq!(b.on_time_rate, Some(2.0 / 3.0));
    assert_eq!(
        (
            a.approvals_due,
            a.approvals_missing,
            a.approvals_late,
            a.approvals_not_by_principal
        ),
        (5, 0, 0, 0)
    );
    assert_eq!(
        (
            b.approvals_due,
            b.approvals_missing,
            b.approvals_late,
            b.approvals_not_by_principal
        ),
        (5, 1, 1, 1)
    );
    assert_eq!((a.identifiers_deleted, b.identifiers_deleted), (1, 0));
    assert_eq!(
        (a.months_without_activity, b.months_without_activity),
        (0, 1)
    );
    assert_eq!((a.items, b.items, c.items), (3, 2, 1));
    assert_eq!(
        (a.items_never_used, b.items_never_used, c.items_never_used),
        (0, 1, 0)
    );
    assert_eq!((a.lesson_periods, b.lesson_periods), (6, 3));
    assert_eq!((a.findings, a.violations), (2, 2));
    assert_eq!((b.findings, b.violations, b.warnings), (5, 4, 1));
    assert!(c.inactive && c.entries_due == 0 && c.on_time_rate.is_none() && c.approvals_due == 0);

    // Trends by month of the term.
    let months: Vec<&str> = r.months.iter().map(|m| m.month.as_str()).collect();
    assert_eq!(
        months,
        ["2024-09", "2024-10", "2024-11", "2024-12", "2025-01"]
    );
    let row = |m: &str| r.months.iter().find(|x| x.month == m).unwrap();
    let entries: Vec<(u64, u64, Option<f64>)> = r
        .months
        .iter()
        .map(|m| (m.entries_due, m.entries_late, m.on_time_rate))
        .collect();
    assert_eq!(
        entries,
        [
            (2, 1, Some(0.5)),
            (2, 1, Some(0.5)),
            (1, 0, Some(1.0)),
            (1, 0, Some(1.0)),
            (1, 0, Some(1.0))
        ]
    );
    let approvals: Vec<(u64, Option<u64>, u64, u64)> = r
        .months
        .iter()
        .map(|m| {
            (
                m.approvals_due,
                m.approvals_on_time,
                m.approvals_late,
                m.approvals_missing,
            )
        })
        .collect();
    assert_eq!(
        approvals,
        [
            (2, Some(2), 0, 0),
            (2, Some(1), 1, 0),
            (2, Some(1), 0, 1),
            (2, Some(2), 0, 0),
            (2, Some(2), 0, 0)
        ]
    );
    assert_eq!(row("2024-10").approvals_rate, Some(0.5));
    let usage: Vec<(u64, u64)> = r
        .months
        .iter()
        .map(|m| (m.uses, m.lesson_periods))
        .collect();
    assert_eq!(usage, [(1, 2), (1, 2), (1, 1), (1, 1), (2, 4)]);

    // Totals.
    let t = &r.totals;
    assert_eq!((t.entries_due, t.entries_on_time), (7, Some(5)));
    assert_eq!(
        (t.approvals_due, t.approvals_on_time, t.approvals_rate),
        (10, Some(8), Some(0.8))
    );
    assert_eq!(t.articles_met, 0);

    // The summary by article: violations not met, store rules not assessed, never met.
    let status: BTreeMap<&str, Status> = r
        .articles
        .iter()
        .map(|a| (a.article.key(), a.status))
        .collect();
    assert_eq!(status["art6"], Status::NotMet);
    assert_eq!(status["art7_2"], Status::NotMet);
    assert_eq!(status["art7_3"], Status::NotMet);
    assert_eq!(status["art8_14"], Status::Warning);
    for key in ["art12_1", "art12_2", "tt05_art27", "restore_drills"] {
        assert_eq!(status[key], Status::NotAssessed, "{key}");
        let a = r.articles.iter().find(|a| a.article.key() == key).unwrap();
        let why = a.rules[0].not_assessed.as_ref().unwrap();
        assert!(why.vi.contains("Không có tệp cấu hình"), "{}", why.vi);
    }
    assert_eq!(r.summary.by_rule["late_update"], 2);
    assert_eq!(r.summary.by_rule["missing_approval"], 1);
    assert_eq!(r.summary.by_rule["late_approval"], 1);
    assert_eq!(r.summary.by_rule["approval_not_by_principal"], 1);
    assert_eq!(r.summary.by_rule["no_monthly_update"], 1);
    assert_eq!(r.summary.by_rule["deleted_identifier"], 1);
    assert_eq!(r.findings.len(), 7);

    // Equipment: items created after the term and at the closed school are left out of "never used".
    let e = &r.equipment;
    assert_eq!(
        (e.total.items, e.total.lesson_periods, e.total.uses),
        (7, 9, 5)
    );
    assert_eq!(e.created_after_period, 1);
    assert_eq!(e.never_used_count, 1);
    assert_eq!(e.never_used[0].equipment_id, "TB_B2");
    assert_eq!(
        (e.unknown_usage.uses, e.unknown_usage.lesson_periods),
        (1, 1)
    );
    let toan = e
        .subjects
        .iter()
        .find(|s| s.subject.as_deref() == Some("Toán"))
        .unwrap();
    assert_eq!(
        (toan.items, toan.used, toan.lesson_periods, toan.uses),
        (4, 2, 6, 3)
    );
    assert_eq!(toan.by_condition["good"], 3);
    assert_eq!(toan.by_condition["damaged"], 1);
    let ly = e
        .subjects
        .iter()
        .find(|s| s.subject.as_deref() == Some("Vật lí"))
        .unwrap();
    assert_eq!(
        ly.periods_per_item,
        Some(3.0),
        "the disposed item is not held"
    );
    assert!(
        e.subjects.last().unwrap().subject.is_none(),
        "no subject comes last"
    );
    assert_eq!(e.top_items[0].lesson_periods, 3);

    // No config: the evidence sections say so.
    assert!(!r.backup.available && !r.archive.available);
    assert_eq!(
        r.provenance.database_bytes,
        std::fs::metadata(&db).unwrap().len()
    );
    assert_eq!(r.provenance.database_sha256.len(), 64);
}

/// Issue 29: an item entered (`created_at`) after the period but used during it
/// counts in the schools' and subjects' usage as it does in the months'.
#[test]
fn usage_totals_agree_across_months_schools_and_subjects() {
    let (_dir, db) = fixture();
    let c = Connection::open(&db).unwrap();
    c.execute(
        "INSERT INTO equipment (equipment_id, school_id, name, subject, condition, created_at, updated_at)
         VALUES ('TB_LATE', ?1, 'Bộ lắp ghép hình', 'Toán', 'good', '2025-06-05T08:00:00+07:00', '2025-06-05T08:00:00+07:00')",
        [A],
    )
    .unwrap();
    c.execute(
        "INSERT INTO equipment_usage (equipment_id, school_id, used_on, lesson_periods) VALUES ('TB_LATE', ?1, '2024-11-20', 3)",
        [A],
    )
    .unwrap();
    drop(c);
    let r = model(&db);
    let months: u64 = r.months.iter().map(|m| m.lesson_periods).sum();
    let schools: u64 = r.schools.iter().map(|s| s.lesson_periods).sum();
    let subjects: u64 = r.equipment.subjects.iter().map(|s| s.lesson_periods).sum();
    let unknown = r.equipment.unknown_usage.lesson_periods;
    assert!(months >= 3, "{months}");
    assert_eq!(schools + unknown, months, "schools + unknown ids = months");
    assert_eq!(
        subjects + unknown,
        months,
        "subjects + unknown ids = months"
    );
    assert_eq!(r.equipment.total.lesson_periods + unknown, months);
    let uses: u64 = r.months.iter().map(|m| m.uses).sum();
    assert_eq!(
        r.equipment.total.uses + r.equipment.unknown_usage.uses,
        uses
    );
}

/// Regression: the archive table listed every term of the school year, so an
/// HK1 report showed HK2 "incomplete" in red while Art. 12.2 said "met"
/// (`check` judges only the periods that overlap the report's).
#[test]
fn the_archive_table_has_the_periods_the_verdict_judged() {
    use eqvault::calendar::Period;
    use eqvault::policy::stores::StoreFacts;
    let (_dir, db) = fixture();
    let policies = Policies::built_in().unwrap();
    let kinds: Vec<eqvault::policy::reports::ArchivedReport> = policies
        .rules
        .report_missing
        .kinds
        .iter()
        .map(|k| eqvault::policy::reports::ArchivedReport {
            kind: k.code.clone(),
            file: format!("{}.xlsx", k.code),
            bag: "20250701T013000Z-4f2a9c".into(),
            sha256: "0".repeat(64),
            archived_on: d("2025-07-01"),
        })
        .collect();
    let mut archived = eqvault::policy::reports::Archived::new();
    for p in [Period::Hk1, Period::CaNam] {
        archived.insert(("2024-2025".to_string(), p), kinds.clone());
    }
    let facts = StoreFacts {
        labels: vec!["file:///nas".into()],
        reports: Some(Ok(archived)),
        ..StoreFacts::default()
    };
    let plan = Plan {
        database: db.clone(),
        mapping: None,
        busy_timeout: Duration::from_secs(5),
        // After HK2's reports were due (30/06/2025): HK2 is missing.
        as_of: d("2025-12-01"),
        period: Some("2024-2025/hk1".parse::<ReportPeriod>().unwrap()),
        office: Office::default(),
        generated_at: chrono::DateTime::parse_from_rfc3339("2025-12-01T08:00:00+07:00").unwrap(),
        detail_limit: 25,
    };
    let r = eqvault::report::build(&policies, &plan, StoreInput::Facts(&facts)).unwrap();
    let art = r
        .articles
        .iter()
        .find(|a| a.article.key() == "art12_2")
        .unwrap();
    assert_eq!(art.status, Status::Met);
    let rows: Vec<(String, Period)> = r
        .archive
        .periods
        .iter()
        .map(|p| (p.year.clone(), p.period))
        .collect();
    assert_eq!(
        rows,
        [
            ("2024-2025".to_string(), Period::Hk1),
            ("2024-2025".to_string(), Period::CaNam)
        ]
    );
    assert!(
        r.archive
            .periods
            .iter()
            .all(|p| p.state == eqvault::report::model::ArchiveState::Complete)
    );
}

/// Regression: store labels in Markdown were backslash-escaped inside code
/// spans, which print backslashes: `/mnt/usb\_1` instead of `/mnt/usb_1`.
#[test]
fn markdown_shows_store_labels_as_they_are() {
    let (_dir, db) = fixture();
    let policies = Policies::built_in().unwrap();
    let facts = eqvault::policy::stores::StoreFacts {
        labels: vec!["/mnt/usb_1/eqvault".into(), "s3://pgd*q1/a`b".into()],
        ..Default::default()
    };
    let plan = Plan {
        database: db.clone(),
        mapping: None,
        busy_timeout: Duration::from_secs(5),
        as_of: d(AS_OF),
        period: Some("2024-2025/hk1".parse::<ReportPeriod>().unwrap()),
        office: Office::default(),
        generated_at: chrono::DateTime::parse_from_rfc3339("2025-03-01T08:00:00+07:00").unwrap(),
        detail_limit: 25,
    };
    let r = eqvault::report::build(&policies, &plan, StoreInput::Facts(&facts)).unwrap();
    let md = eqvault::report::markdown::render(&r, Lang::Vi);
    assert!(md.contains("| `/mnt/usb_1/eqvault` |"), "{md}");
    assert!(md.contains("| ``s3://pgd*q1/a`b`` |"), "{md}");
    assert!(!md.contains("usb\\_1"), "{md}");
}

/// Regression: the findings' "Concerns" and evidence wrote months as
/// `2024-11` in the Vietnamese report (everywhere else `11/2024`).
#[test]
fn findings_name_months_as_the_language_writes_them() {
    let (_dir, db) = fixture();
    let r = model(&db);
    let row = |html: &str, rule: &str| -> String {
        let start = html
            .find(&format!("<tr data-rule=\"{rule}\">"))
            .unwrap_or_else(|| panic!("no {rule} row"));
        let end = start + html[start..].find("</tr>").unwrap();
        html[start..end].to_string()
    };
    let vi = eqvault::report::html::render(&r, Lang::Vi);
    let missing = row(&vi, "missing_approval");
    assert!(missing.contains("11/2024 · 79760002"), "{missing}");
    assert!(missing.contains("tháng 11/2024"), "{missing}");
    assert!(!missing.contains("2024-11"), "{missing}");
    let quiet = row(&vi, "no_monthly_update");
    assert!(quiet.contains("tháng 11/2024:"), "{quiet}");
    let en = eqvault::report::html::render(&r, Lang::En);
    assert!(row(&en, "missing_approval").contains("Nov 2024 · 79760002"));
}

fn eqvault(cwd: &Path) -> Command {
    let mut c = Command::cargo_bin("eqvault").unwrap();
    c.current_dir(cwd)
        .env_remove("EQVAULT_CONFIG")
        .env_remove("EQVAULT_CHROMIUM");
    c
}

/// Runs `report --json` on the small database; returns the command's JSON and the file's bytes.
fn report(dir: &Path, db: &Path, format: &str, extra: &[&str]) -> (Value, Vec<u8>) {
    let out_file = dir.join(format!(
        "bao-cao-{}.{format}",
        extra.join("").replace('-', "")
    ));
    let out = eqvault(dir)
        .args([
            "--json",
            "report",
            "--period",
            "2024-2025/hk1",
            "--as-of",
            AS_OF,
            "--format",
            format,
        ])
        .arg("--db")
        .arg(db)
        .arg("--out")
        .arg(&out_file)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "violations: exit 1\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let bytes = std::fs::read(&out_file).unwrap();
    (v, bytes)
}

#[test]
fn cli_prints_path_and_sha256_and_writes_the_sidecar() {
    let (dir, db) = fixture();
    let (v, bytes) = report(dir.path(), &db, "html", &[]);
    let path = PathBuf::from(v["path"].as_str().unwrap());
    let sha = v["sha256"].as_str().unwrap();
    use sha2::Digest;
    assert_eq!(sha, hex::encode(sha2::Sha256::digest(&bytes)));
    let side = std::fs::read_to_string(format!("{}.sha256", path.display())).unwrap();
    assert_eq!(
        side,
        format!("{sha}  {}\n", path.file_name().unwrap().to_string_lossy())
    );
    assert_eq!(v["period"], "2024-2025/hk1");
    assert_eq!(v["violations"], 6);

    // The HTML: self-contained, Vietnamese, escaped.
    let html = String::from_utf8(bytes).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"vi\">"));
    assert!(html.contains("default-src 'none'"));
    for forbidden in [
        "<script", "<img", "<link", "@import", "http://", "https://", "url(",
    ] {
        assert!(!html.contains(forbidden), "{forbidden} in the page");
    }
    assert!(html.contains(
        "Trường &quot;Cũ&quot; &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"
    ));
    assert!(html.contains("Loa kéo &lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("Tổng hợp theo điều khoản") && html.contains("Chưa đạt"));
    assert!(html.contains("Không đánh giá được") && html.contains("Không có tệp cấu hình"));
    assert!(html.contains("05/09/2024 – 12/01/2025") && html.contains("01/03/2025"));
    assert!(html.contains("75,0 %"), "rates in Vietnamese");
    assert!(html.contains("@page{size:A4") && html.contains("counter(page)"));
    // Provenance at the end: the database's hash, the period, the version.
    let prov = &html[html.find("id=\"provenance\"").unwrap()..];
    let db_sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(std::fs::read(&db).unwrap()))
    };
    assert!(
        prov.contains(&db_sha)
            && prov.contains("2024-2025/hk1")
            && prov.contains(env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn csv_is_one_row_per_finding_with_a_bom_and_provenance_rows() {
    let (dir, db) = fixture();
    let (_, bytes) = report(dir.path(), &db, "csv", &[]);
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows = parse_csv(&text);
    let width = rows[0].len();
    assert!(rows.iter().all(|r| r.len() == width), "rectangular");
    assert_eq!(rows[0][0], "Mã quy tắc");
    assert_eq!(rows[0][width - 1], "Nội dung");
    let findings: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r[0] != "#").collect();
    assert_eq!(findings.len(), 7);
    let late = findings
        .iter()
        .find(|r| r[0] == "late_update" && r[4] == B)
        .unwrap();
    assert_eq!(late[5], "Trường Tiểu học Lê Văn Tám");
    assert_eq!(
        (late[10].as_str(), late[11].as_str(), late[12].as_str()),
        ("16/09/2024", "30/10/2024", "30/09/2024")
    );
    assert_eq!(late[13], "30");
    let prov: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "#").collect();
    assert!(rows.last().unwrap()[0] == "#" && prov.len() >= 5);
    assert!(
        prov.iter()
            .any(|r| r[1] == "SHA-256 của cơ sở dữ liệu" && r[2].len() == 64)
    );
}

/// RFC 4180, enough for the test.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows
}

#[test]
fn markdown_and_json_have_every_section_and_provenance_last() {
    let (dir, db) = fixture();
    let (_, md) = report(dir.path(), &db, "md", &[]);
    let md = String::from_utf8(md).unwrap();
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## 1. Tổng hợp theo điều khoản",
            "## 2. Kết quả theo cơ sở giáo dục",
            "## 3. Diễn biến theo tháng",
            "## 4. Thống kê thiết bị dạy học",
            "## 5. Sao lưu và diễn tập phục hồi",
            "## 6. Lưu trữ báo cáo định kỳ",
            "## 7. Chi tiết phát hiện và bằng chứng",
            "## 8. Ghi chú",
            "## Nguồn gốc báo cáo",
        ]
    );
    assert!(
        md.contains("| Trường THCS Nguyễn Du (79760001) | 4 | 3 | 75,0 % |"),
        "{md}"
    );
    assert!(md.contains("Trường \"Cũ\" &lt;script&gt;alert('x')&lt;/script&gt; &amp; Co"));
    assert!(!md.contains("<script"));
    // People's words, not the program's: where the policies came from, whose
    // identifier a deletion was and what shows it (issue 15).
    assert!(
        md.contains("- Bộ quy định: đi kèm eqvault (có sẵn trong chương trình)"),
        "{md}"
    );
    assert!(!md.contains("built-in"), "{md}");
    assert!(
        md.contains("mã thuộc: danh mục thiết bị (equipment)")
            && md.contains("căn cứ: nhật ký thay đổi thiết bị (equipment\\_changes)"),
        "{md}"
    );
    assert!(!md.contains("bảng: equipment"), "{md}");

    let (_, json) = report(dir.path(), &db, "json", &[]);
    let v: Value = serde_json::from_slice(&json).unwrap();
    // Top-level keys in order (two spaces of indentation in the pretty JSON).
    let text = String::from_utf8(json).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert_eq!(keys.first(), Some(&"format"));
    assert_eq!(keys.last(), Some(&"provenance"));
    for k in [
        "summary",
        "totals",
        "articles",
        "schools",
        "months",
        "equipment",
        "backup",
        "archive",
        "findings",
        "skipped",
        "notes",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert_eq!(v["schools"][0]["school_id"], B);
    assert_eq!(v["schools"][1]["on_time_rate"], 0.75);
    assert_eq!(v["months"][1]["approvals_rate"], 0.5);
    assert_eq!(v["articles"][0]["status"], "not_met");
    assert_eq!(v["backup"]["available"], false);

    // The same numbers as `check --json` over the same period.
    let out = eqvault(dir.path())
        .args([
            "check",
            "--json",
            "--as-of",
            AS_OF,
            "--from",
            "2024-09-05",
            "--to",
            "2025-01-12",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    let check: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"], check["summary"]);
    assert_eq!(v["findings"], check["findings"]);
}

#[test]
fn english_on_request() {
    let (dir, db) = fixture();
    let (_, html) = report(dir.path(), &db, "html", &["--lang", "en"]);
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    for words in [
        "Summary by article",
        "Results by school",
        "Not met",
        "Not assessed",
        "Provenance",
        "5 Sep 2024 – 12 Jan 2025",
        "75.0%",
    ] {
        assert!(html.contains(words), "{words}");
    }
    for vi in ["Tổng hợp theo điều khoản", "Chưa đạt", "Nguồn gốc"] {
        assert!(!html.contains(vi), "{vi}");
    }
    let (_, csv) = report(dir.path(), &db, "csv", &["--lang", "en"]);
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with("\u{feff}Rule code,Rule,Article,Severity,School id"),
        "{csv}"
    );
    assert!(
        csv.contains("2024-09-16,2024-10-30,2024-09-30,30"),
        "ISO dates in English"
    );
}

#[test]
fn an_existing_file_is_never_overwritten_without_force() {
    let (dir, db) = fixture();
    let out_file = dir.path().join("r.html");
    std::fs::write(&out_file, "the principal's own notes").unwrap();
    let run = |force: bool| {
        let mut c = eqvault(dir.path());
        c.args([
            "report",
            "--period",
            "2024-2025/hk1",
            "--as-of",
            AS_OF,
            "--format",
            "html",
            "--db",
        ])
        .arg(&db)
        .arg("--out")
        .arg(&out_file);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let out = run(false);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("đã có") && err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&out_file).unwrap(),
        "the principal's own notes"
    );
    assert!(!dir.path().join("r.html.sha256").exists());
    // A sidecar alone also stops it.
    std::fs::remove_file(&out_file).unwrap();
    std::fs::write(dir.path().join("r.html.sha256"), "x").unwrap();
    assert_eq!(run(false).status.code(), Some(2));
    assert!(!out_file.exists());
    // --force replaces both.
    let out = run(true);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read_to_string(&out_file)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("SHA-256: "), "{stdout}");
    // No temporary file is left behind.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["equipment.db", "r.html", "r.html.sha256"]);
    // Not even --force replaces the database being reported on.
    let before = std::fs::read(&db).unwrap();
    let out = eqvault(dir.path())
        .args(["report", "--as-of", AS_OF, "--format", "html", "--force"])
        .args(["--db", "equipment.db", "--out", "./equipment.db"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("là chính cơ sở dữ liệu báo cáo đọc"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert!(!dir.path().join("equipment.db.sha256").exists());
}

#[test]
fn usage_errors_exit_two_before_writing() {
    let (dir, db) = fixture();
    let out_file = dir.path().join("x.html");
    for (args, says) in [
        // Years after the file are derived (see
        // `a_future_school_year_is_derived_not_refused`); one before it is not.
        (vec!["--period", "2019-2020"], "not in school-years.toml"),
        (vec!["--period", "2024-2025/03"], "not a report period"),
        (
            vec!["--period", "2024-2025/hk2", "--as-of", "2024-12-01"],
            "after --as-of 2024-12-01: nothing in it can be due yet. Choose a --period that has begun by then, or an --as-of on or after 2025-01-13",
        ),
        (
            vec!["--period", "2025-2026", "--as-of", "2025-03-01"],
            "after --as-of",
        ),
    ] {
        let out = eqvault(dir.path())
            .args(["report", "--format", "html", "--db"])
            .arg(&db)
            .arg("--out")
            .arg(&out_file)
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!out_file.exists());
    }
    // PDF without a browser: a clear message, nothing written.
    let out = eqvault(dir.path())
        .env("EQVAULT_CHROMIUM", "/nonexistent/chromium")
        .args([
            "report",
            "--period",
            "2024-2025/hk1",
            "--as-of",
            AS_OF,
            "--format",
            "pdf",
            "--db",
        ])
        .arg(&db)
        .arg("--out")
        .arg(dir.path().join("r.pdf"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`chromium`")
            && err.contains("apt-get install chromium")
            && err.contains("--format html"),
        "{err}"
    );
    assert!(!dir.path().join("r.pdf").exists());
}

/// The browser the Chromium tests use; they fail (never skip) without one.
fn chromium() -> PathBuf {
    eqvault::report::pdf::find_chromium().unwrap_or_else(|e| {
        panic!(
            "this test needs headless Chromium: {e}. scripts/test.sh installs Debian's `chromium`"
        )
    })
}

#[test]
fn pdf_is_printed_by_chromium() {
    let _ = chromium();
    let (dir, db) = fixture();
    let (v, pdf) = report(dir.path(), &db, "pdf", &[]);
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    assert!(pdf.len() > 10_000);
    assert_eq!(v["format"], "pdf");
}

/// `eqvault [GLOBAL] demo [FLAGS] --dir DIR/demo` (a flag starting `--json` goes
/// before `demo`), asserting success; returns the demo's config.
fn demo_in(dir: &Path, flags: &[&str]) -> PathBuf {
    let demo = dir.join("demo");
    let mut c = eqvault(dir);
    let (global, local): (Vec<&str>, Vec<&str>) = flags.iter().partition(|f| **f == "--json");
    c.args(&global)
        .arg("demo")
        .args(&local)
        .arg("--dir")
        .arg(&demo);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    demo.join("eqvault.toml")
}

/// `eqvault --config CONFIG report --format FORMAT --out OUT`, asserting exit 0 or 1
/// (a report with violations exits 1).
fn report_with(dir: &Path, config: &Path, format: &str, out: &Path) {
    let o = eqvault(dir)
        .arg("--config")
        .arg(config)
        .args(["report", "--format", format, "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `pdftotext`/`pdfinfo`/`pdffonts`/`pdftoppm` (poppler-utils, which scripts/test.sh installs).
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}; scripts/test.sh installs poppler-utils"));
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Issue 27: the demo's PDF is an administrative document in the form of Nghị
/// định 30/2020/NĐ-CP: A4, the font embedded, the Quốc hiệu and tiêu ngữ on
/// the first page, "Nơi nhận" and the signature block together, no page ending
/// on a heading, fewer pages than the dashboard it replaces (9 when the issue was
/// filed, 10 on today's demo).
/// The first page and the signature page are written to docs/ as images.
#[test]
fn the_pdf_is_a_document_a_head_of_office_signs() {
    let _ = chromium();
    let dir = tempfile::tempdir().unwrap();
    let config = demo_in(dir.path(), &["--no-run"]);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("[office]\n"),
        "the demo's config has an [office] section"
    );
    std::fs::write(
        &config,
        text.replacen(
            "[office]\n",
            "[office]\nsigner_name = \"Nguyễn Văn An\"\n",
            1,
        ),
    )
    .unwrap();
    let pdf = dir.path().join("bao-cao.pdf");
    report_with(dir.path(), &config, "pdf", &pdf);
    let p = pdf.to_str().unwrap();
    let info = poppler("pdfinfo", &[p]);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // The issue counted 9 pages of the dashboard; today it prints 10 of this demo.
    assert!(pages < 9, "{pages} pages, the dashboard took 10");
    assert!(info.contains("(A4)"), "{info}");
    // Every font is embedded; the text is in Liberation Serif (or Times).
    let fonts = poppler("pdffonts", &[p]);
    for l in fonts.lines().skip(2) {
        let cols: Vec<&str> = l.split_whitespace().collect();
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "not embedded: {l}");
    }
    assert!(
        fonts.contains("LiberationSerif") || fonts.contains("TimesNewRoman"),
        "{fonts}"
    );
    let page = |n: usize| {
        poppler(
            "pdftotext",
            &[
                "-layout",
                "-f",
                &n.to_string(),
                "-l",
                &n.to_string(),
                p,
                "-",
            ],
        )
    };
    let first = page(1);
    assert!(
        first.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
            && first.contains("Độc lập - Tự do - Hạnh phúc")
            && first.contains("BÁO CÁO")
            && first.contains("ngày"),
        "{first}"
    );
    let signed = (1..=pages)
        .find(|&n| page(n).contains("TRƯỞNG PHÒNG"))
        .expect("a signature block");
    let sign = page(signed);
    assert!(
        sign.contains("Nơi nhận") && sign.contains("Nguyễn Văn An"),
        "Nơi nhận and the signer on the signature page:\n{sign}"
    );
    assert!(
        signed <= 2,
        "the document itself is short: signed on page {signed}"
    );
    // No page ends on a section heading ("3. Diễn biến theo tháng").
    for n in 1..=pages {
        let text = page(n);
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let heading = last.len() > 3
            && last.as_bytes()[0].is_ascii_digit()
            && last[1..].starts_with(". ")
            && !last.contains("  ");
        assert!(
            !heading && last != "PHỤ LỤC",
            "page {n} ends on a heading: {last:?}"
        );
    }
    // Page numbers from page 2: the second page's first line is its number.
    let second = page(2);
    assert_eq!(
        second.lines().find(|l| !l.trim().is_empty()).map(str::trim),
        Some("2")
    );
    assert!(
        !first.lines().take(2).any(|l| l.trim() == "1"),
        "no number on page 1"
    );
    // The images README and the note point to.
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    for (n, name) in [(1, "report-page-1"), (signed, "report-signature-page")] {
        let target = docs.join(name);
        poppler(
            "pdftoppm",
            &[
                "-r",
                "60",
                "-png",
                "-singlefile",
                "-f",
                &n.to_string(),
                "-l",
                &n.to_string(),
                p,
                target.to_str().unwrap(),
            ],
        );
        assert!(docs.join(format!("{name}.png")).is_file());
    }
}

#[test]
fn xlsx_cells_are_typed_and_match_the_json() {
    let (dir, db) = fixture();
    let (_, json) = report(dir.path(), &db, "json", &[]);
    let v: Value = serde_json::from_slice(&json).unwrap();
    let (_, _) = report(dir.path(), &db, "xlsx", &[]);
    let xlsx = dir.path().join("bao-cao-.xlsx");
    let sheets = openpyxl_dump(&xlsx);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    let dump: BTreeMap<&str, &Value> = sheets.iter().map(|(n, v)| (n.as_str(), v)).collect();
    assert_eq!(
        names,
        [
            "Tổng hợp",
            "Theo trường",
            "Theo tháng",
            "Thiết bị",
            "Dùng nhiều nhất",
            "Chưa sử dụng",
            "Sao lưu",
            "Lưu trữ",
            "Phát hiện",
            "Ghi chú",
            "Nguồn gốc"
        ]
    );
    let table = |sheet: &str, first: &str| -> Vec<BTreeMap<String, Value>> {
        let rows = dump[sheet].as_array().unwrap();
        let at = rows
            .iter()
            .position(|r| r[0]["v"] == first)
            .unwrap_or_else(|| panic!("{sheet}: no header {first}"));
        let head: Vec<String> = rows[at]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["v"].as_str().unwrap_or("").to_string())
            .collect();
        rows[at + 1..]
            .iter()
            .take_while(|r| !r.as_array().unwrap().iter().all(|c| c["v"].is_null()))
            .map(|r| {
                head.iter()
                    .cloned()
                    .zip(r.as_array().unwrap().iter().cloned())
                    .collect()
            })
            .collect()
    };
    // Summary: one row per rule, counts as numbers equal to the JSON's.
    let summary = table("Tổng hợp", "Điều khoản");
    assert_eq!(summary.len(), 13);
    for row in &summary {
        let rule = row["Mã quy tắc"]["v"].as_str().unwrap();
        assert_eq!(row["Phát hiện"]["t"], "n", "{rule}");
        assert_eq!(
            row["Phát hiện"]["v"], v["summary"]["by_rule"][rule],
            "{rule}"
        );
    }
    // One verdict per article: on its first rule's row, blank on the others.
    let verdicts: Vec<&Value> = summary
        .iter()
        .map(|r| &r["Kết quả"]["v"])
        .filter(|v| !v.is_null() && *v != "")
        .collect();
    assert_eq!(
        verdicts.len(),
        v["articles"].as_array().unwrap().len(),
        "{summary:?}"
    );
    // The notes sheet says what each sheet holds.
    let notes = dump["Ghi chú"].as_array().unwrap();
    for name in &names {
        assert!(
            notes
                .iter()
                .any(|r| r[0]["v"] == *name && r[1]["v"].as_str().is_some_and(|d| !d.is_empty())),
            "{name} is not described in Ghi chú"
        );
    }
    // The period's dates are dates.
    let top = dump["Tổng hợp"].as_array().unwrap();
    let from = top.iter().find(|r| r[0]["v"] == "Từ ngày").unwrap();
    assert_eq!(from[1]["t"], "d");
    assert_eq!(from[1]["v"], "2024-09-05T00:00:00");
    assert_eq!(from[1]["fmt"], "dd/mm/yyyy");

    // Schools: numbers and percentages, as in the JSON.
    let schools = table("Theo trường", "Mã cơ sở");
    assert_eq!(schools.len(), v["schools"].as_array().unwrap().len());
    for (row, js) in schools.iter().zip(v["schools"].as_array().unwrap()) {
        assert_eq!(row["Mã cơ sở"]["v"], js["school_id"]);
        assert_eq!(row["Cập nhật đến hạn"]["v"], js["entries_due"]);
        assert_eq!(row["Cập nhật đến hạn"]["t"], "n");
        assert_eq!(row["Chưa duyệt"]["v"], js["approvals_missing"]);
        // Yes or no in words, not Excel's TRUE/FALSE.
        assert_eq!(row["Ngừng hoạt động"]["t"], "s");
        assert_eq!(
            row["Ngừng hoạt động"]["v"],
            if js["inactive"] == true {
                "Có"
            } else {
                "Không"
            },
            "{js}"
        );
        match js["on_time_rate"].as_f64() {
            Some(rate) => {
                assert_eq!(row["Tỉ lệ đúng hạn"]["t"], "n");
                assert_eq!(row["Tỉ lệ đúng hạn"]["fmt"], "0.0%");
                assert!((row["Tỉ lệ đúng hạn"]["v"].as_f64().unwrap() - rate).abs() < 1e-12);
            }
            None => assert!(row["Tỉ lệ đúng hạn"]["v"].is_null()),
        }
    }
    // Months: the month is a real date; rates are percentages.
    let months = table("Theo tháng", "Tháng");
    assert_eq!(months.len(), 5);
    assert_eq!(months[0]["Tháng"]["t"], "d");
    assert_eq!(months[0]["Tháng"]["v"], "2024-09-01T00:00:00");
    // Shown as the month (09/2024), not as its first day (01/09/2024).
    assert_eq!(months[0]["Tháng"]["fmt"], "mm/yyyy");
    assert_eq!(
        months[1]["Tỉ lệ duyệt đúng hạn"]["v"],
        v["months"][1]["approvals_rate"]
    );
    assert_eq!(months[1]["Tỉ lệ duyệt đúng hạn"]["fmt"], "0.0%");

    // Findings: dates as dates, numbers as numbers.
    let findings = table("Phát hiện", "Mã quy tắc");
    assert_eq!(findings.len(), v["findings"].as_array().unwrap().len());
    let late = findings
        .iter()
        .find(|r| r["Mã quy tắc"]["v"] == "late_update" && r["Mã cơ sở"]["v"] == B)
        .unwrap();
    assert_eq!(late["Ngày phát sinh"]["t"], "d");
    assert_eq!(late["Ngày phát sinh"]["v"], "2024-09-16T00:00:00");
    assert_eq!(late["Hạn"]["v"], "2024-09-30T00:00:00");
    assert_eq!(late["Số ngày trễ"]["t"], "n");
    assert_eq!(late["Số ngày trễ"]["v"], 30);
    assert_eq!(late["Số thay đổi"]["v"], 5);

    // Provenance: the generation time is a date-time, the size a number.
    let prov = dump["Nguồn gốc"].as_array().unwrap();
    let size = prov
        .iter()
        .find(|r| r[0]["v"] == "Kích thước (byte)")
        .unwrap();
    assert_eq!(size[1]["t"], "n");
    assert_eq!(size[1]["v"], v["provenance"]["database_bytes"]);
    let sha = prov
        .iter()
        .find(|r| r[0]["v"] == "SHA-256 của cơ sở dữ liệu")
        .unwrap();
    assert_eq!(sha[1]["v"], v["provenance"]["database_sha256"]);
}

/// A report of a period that is not over says which days it covers, in every
/// format a person reads; one of an ended period says nothing of the kind.
#[test]
fn a_report_of_part_of_a_period_says_so_and_an_ended_one_does_not() {
    let (dir, db) = fixture();
    let run = |as_of: &str, format: &str| -> (Value, String) {
        let out_file = dir.path().join(format!("p-{as_of}.{format}"));
        let out = eqvault(dir.path())
            .args([
                "--json",
                "report",
                "--period",
                "2024-2025/hk1",
                "--as-of",
                as_of,
            ])
            .args(["--format", format, "--db"])
            .arg(&db)
            .arg("--out")
            .arg(&out_file)
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let made: Value = serde_json::from_slice(&out.stdout).unwrap();
        let text = match format {
            "xlsx" => serde_json::to_string(&openpyxl_dump(&out_file)).unwrap(),
            _ => std::fs::read_to_string(&out_file).unwrap(),
        };
        (made, text)
    };
    for format in ["html", "md", "xlsx"] {
        // Mid-term: 15/10/2024 is inside HK1 (05/09/2024 – its end in January).
        let (made, text) = run("2024-10-15", format);
        assert_eq!(made["partial"], true, "{made}");
        assert_eq!(made["to"], "2024-10-15", "{made}");
        assert!(
            text.contains("kỳ chưa kết thúc"),
            "{format}: not marked partial"
        );
        if format == "html" {
            // The document's title names the days it covers.
            assert!(
                text.contains("Học kỳ I năm học 2024-2025, từ 05/09/2024 đến 15/10/2024"),
                "{format}: the title does not say which days"
            );
        }
        // After the term: the whole term, no mark.
        let (made, text) = run(AS_OF, format);
        assert_eq!(made["partial"], false, "{made}");
        assert!(
            !text.contains("chưa kết thúc"),
            "{format}: an ended term marked partial"
        );
    }
}

/// Regression: one text longer than Excel's cell limit (32 767) in the
/// database made the XLSX writer refuse the whole workbook (exit 2, no report).
#[test]
fn xlsx_survives_an_overlong_name() {
    let (dir, db) = fixture();
    let c = Connection::open(&db).unwrap();
    c.execute(
        "UPDATE equipment SET name = ?1 WHERE equipment_id = 'TB_B2'",
        [format!("Loa kéo {}", "rất dài ".repeat(5_000))],
    )
    .unwrap();
    drop(c);
    let (_, bytes) = report(dir.path(), &db, "xlsx", &[]);
    assert!(bytes.starts_with(b"PK"));
    let sheets = openpyxl_dump(&dir.path().join("bao-cao-.xlsx"));
    let never = &sheets.iter().find(|(n, _)| n == "Chưa sử dụng").unwrap().1;
    let name = never[1][3]["v"].as_str().unwrap();
    assert!(name.starts_with("Loa kéo rất dài") && name.ends_with('…'));
    assert_eq!(name.encode_utf16().count(), 32_767);
}

/// Every sheet's cells as openpyxl reads them, in order: value (dates as ISO text), type, number format.
fn openpyxl_dump(path: &Path) -> Vec<(String, Value)> {
    const SCRIPT: &str = r#"
import datetime, json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = []
for ws in wb.worksheets:
    rows = []
    for row in ws.iter_rows():
        cells = []
        for c in row:
            v = c.value
            if isinstance(v, (datetime.datetime, datetime.date)):
                v = v.isoformat()
            cells.append({"v": v, "t": c.data_type, "fmt": c.number_format})
        rows.append(cells)
    out.append([ws.title, rows])
json.dump(out, sys.stdout)
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "openpyxl could not read the workbook (scripts/test.sh installs it with pip): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sheets: Vec<(String, Value)> = serde_json::from_slice(&out.stdout).unwrap();
    sheets
}

// ---- headless Chromium over the DevTools protocol ----

mod cdp {
    //! A minimal DevTools-protocol client: one browser, one page, its console and network events.

    use std::net::TcpStream;
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use serde_json::{Value, json};
    use tungstenite::stream::MaybeTlsStream;
    use tungstenite::{Message, WebSocket};

    pub struct Browser {
        child: Child,
        ws: WebSocket<MaybeTlsStream<TcpStream>>,
        session: String,
        next_id: u64,
        /// Every event of the page, in order.
        pub events: Vec<Value>,
        _profile: tempfile::TempDir,
    }

    impl Drop for Browser {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Browser {
        /// Starts `chromium` headless with a fresh profile and attaches to a blank page.
        pub fn start(chromium: &Path) -> Browser {
            let profile = tempfile::tempdir().unwrap();
            let mut child = Command::new(chromium)
                .args(eqvault::report::pdf::HEADLESS_FLAGS)
                .arg("--remote-debugging-port=0")
                .arg("--remote-allow-origins=*")
                .arg(format!("--user-data-dir={}", profile.path().display()))
                .arg("about:blank")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromium starts");
            // Chromium writes the port and the browser's path into the profile.
            let port_file = profile.path().join("DevToolsActivePort");
            let started = Instant::now();
            let text = loop {
                if let Ok(t) = std::fs::read_to_string(&port_file)
                    && t.lines().count() >= 2
                {
                    break t;
                }
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("chromium exited early: {status}");
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "no DevToolsActivePort"
                );
                std::thread::sleep(Duration::from_millis(50));
            };
            let mut lines = text.lines();
            let port = lines.next().unwrap().trim();
            let path = lines.next().unwrap().trim();
            let (ws, _) = tungstenite::connect(format!("ws://127.0.0.1:{port}{path}")).unwrap();
            if let MaybeTlsStream::Plain(s) = ws.get_ref() {
                s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            }
            let mut b = Browser {
                child,
                ws,
                session: String::new(),
                next_id: 0,
                events: Vec::new(),
                _profile: profile,
            };
            let target = b.call("Target.createTarget", json!({"url": "about:blank"}));
            let attached = b.call(
                "Target.attachToTarget",
                json!({"targetId": target["targetId"], "flatten": true}),
            );
            b.session = attached["sessionId"].as_str().unwrap().to_string();
            for domain in [
                "Page.enable",
                "Runtime.enable",
                "Log.enable",
                "Network.enable",
            ] {
                b.call(domain, json!({}));
            }
            b
        }

        /// Sends a command (to the page once attached) and waits for its answer, keeping events.
        pub fn call(&mut self, method: &str, params: Value) -> Value {
            self.next_id += 1;
            let id = self.next_id;
            let mut msg = json!({"id": id, "method": method, "params": params});
            if !self.session.is_empty() {
                msg["sessionId"] = json!(self.session);
            }
            self.ws.send(Message::text(msg.to_string())).unwrap();
            loop {
                let v = self.read();
                if v["id"] == id {
                    assert!(v.get("error").is_none(), "{method}: {}", v["error"]);
                    return v["result"].clone();
                }
                self.events.push(v);
            }
        }

        fn read(&mut self) -> Value {
            loop {
                match self.ws.read().expect("devtools message") {
                    Message::Text(t) => return serde_json::from_str(&t).unwrap(),
                    Message::Binary(b) => return serde_json::from_slice(&b).unwrap(),
                    _ => continue,
                }
            }
        }

        /// Opens `url` and waits for its load event (and a moment for late events).
        pub fn open(&mut self, url: &str) {
            self.events.clear();
            self.call("Page.navigate", json!({"url": url}));
            let started = Instant::now();
            while !self
                .events
                .iter()
                .any(|e| e["method"] == "Page.loadEventFired")
            {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "the page never loaded"
                );
                let v = self.read();
                self.events.push(v);
            }
            // Anything still to come (a late fetch, a console message) arrives before this answer.
            self.eval("new Promise(r => setTimeout(r, 300))");
        }

        /// Evaluates JavaScript in the page; returns its value.
        pub fn eval(&mut self, expression: &str) -> Value {
            let r = self.call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            );
            r["result"]["value"].clone()
        }

        /// Console errors, exceptions and error log entries (CSP violations, failed loads).
        pub fn errors(&self) -> Vec<String> {
            self.events
                .iter()
                .filter_map(|e| match e["method"].as_str()? {
                    "Runtime.consoleAPICalled"
                        if matches!(e["params"]["type"].as_str(), Some("error" | "assert")) =>
                    {
                        Some(format!("console: {}", e["params"]["args"]))
                    }
                    "Runtime.exceptionThrown" => {
                        Some(format!("exception: {}", e["params"]["exceptionDetails"]))
                    }
                    "Log.entryAdded" if e["params"]["entry"]["level"] == "error" => {
                        Some(format!("log: {}", e["params"]["entry"]["text"]))
                    }
                    _ => None,
                })
                .collect()
        }

        /// Every request the page made, by URL.
        pub fn requests(&self) -> Vec<String> {
            self.events
                .iter()
                .filter(|e| e["method"] == "Network.requestWillBeSent")
                .map(|e| {
                    e["params"]["request"]["url"]
                        .as_str()
                        .unwrap_or("")
                        .to_string()
                })
                .collect()
        }

        /// A PNG of the top `height` CSS pixels of the page at `width`.
        pub fn screenshot(&mut self, width: u32, height: u32) -> Vec<u8> {
            self.call(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
            );
            let r = self.call(
                "Page.captureScreenshot",
                json!({"format": "png", "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
            );
            base64(r["data"].as_str().unwrap())
        }
    }

    fn base64(s: &str) -> Vec<u8> {
        let value = |c: u8| -> u32 {
            match c {
                b'A'..=b'Z' => u32::from(c - b'A'),
                b'a'..=b'z' => u32::from(c - b'a') + 26,
                b'0'..=b'9' => u32::from(c - b'0') + 52,
                b'+' => 62,
                b'/' => 63,
                _ => panic!("not base64: {c}"),
            }
        };
        let bytes: Vec<u8> = s
            .bytes()
            .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
            .collect();
        let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
        for chunk in bytes.chunks(4) {
            let n =
                chunk.iter().fold(0u32, |acc, &c| (acc << 6) | value(c)) << (6 * (4 - chunk.len()));
            let b = n.to_be_bytes();
            out.extend_from_slice(&b[1..chunk.len()]);
        }
        out
    }
}

fn file_url(p: &Path) -> String {
    url::Url::from_file_path(p).unwrap().to_string()
}

/// The probe is not blind: a page that fetches and logs an error is caught.
#[test]
fn the_chromium_probe_sees_requests_and_console_errors() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\"><script>console.error('boom')</script></body></html>",
    )
    .unwrap();
    let mut b = cdp::Browser::start(&chromium());
    b.open(&file_url(&page));
    let requests = b.requests();
    assert!(
        requests
            .iter()
            .any(|u| u.starts_with("http://127.0.0.1:9/")),
        "{requests:?}"
    );
    let errors = b.errors();
    assert!(errors.iter().any(|e| e.contains("boom")), "{errors:?}");
}

/// The HTML report in real headless Chromium: no console error, no request
/// but the page itself, the summary table shows `check --json`'s numbers;
/// its screenshot is docs/report-screenshot.png (README shows it).
#[test]
fn the_html_report_in_headless_chromium() {
    let chromium = chromium();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    let as_of = "2026-03-20";
    eqvault::demo::generate(
        &db,
        &eqvault::demo::DemoOptions {
            schools: 6,
            years: 2,
            seed: 146,
            today: d(as_of),
        },
        &|_| {},
    )
    .unwrap();
    let out_file = dir.path().join("bao-cao.html");
    let out = eqvault(dir.path())
        .args(["--json", "report", "--format", "html", "--as-of", as_of])
        .args([
            "--office",
            "Phòng Giáo dục và Đào tạo Quận 12 · Thành phố Hồ Chí Minh",
        ])
        .arg("--db")
        .arg(&db)
        .arg("--out")
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        made["period"], "2025-2026/ca-nam",
        "the school year of --as-of by default"
    );
    let check = eqvault(dir.path())
        .args(["check", "--json", "--as-of", as_of, "--from"])
        .arg(made["from"].as_str().unwrap())
        .arg("--to")
        .arg(made["to"].as_str().unwrap())
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    let check: Value = serde_json::from_slice(&check.stdout).unwrap();
    let summary = &check["summary"];
    assert!(
        summary["findings"].as_u64().unwrap() > 0,
        "the demo plants violations"
    );

    let mut b = cdp::Browser::start(&chromium);
    let url = file_url(&out_file);
    b.open(&url);
    assert_eq!(b.errors(), Vec::<String>::new(), "console errors");
    let requests: Vec<String> = b.requests().into_iter().filter(|u| *u != url).collect();
    assert_eq!(requests, Vec::<String>::new(), "network requests");

    // The summary table as the browser parsed it.
    let dom = b.eval(
        r#"JSON.stringify({
            rules: [...document.querySelectorAll('#summary-table [data-rule]')].map(e => [e.dataset.rule, e.dataset.count, e.querySelector('.cnt').textContent]),
            totals: {...document.getElementById('summary-totals').dataset},
            status: [...document.querySelectorAll('#summary-table tr[data-article]')].map(e => [e.dataset.article, e.dataset.status, e.querySelector('.status').textContent]),
            title: document.title,
            office: document.getElementById('office').textContent,
            charts: document.querySelectorAll('figure.chart svg').length,
        })"#,
    );
    let dom: Value = serde_json::from_str(dom.as_str().unwrap()).unwrap();
    let rules = dom["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 13, "every rule once");
    for r in rules {
        let rule = r[0].as_str().unwrap();
        let want = summary["by_rule"][rule].as_u64().unwrap();
        assert_eq!(r[1].as_str().unwrap(), want.to_string(), "{rule}");
        assert_eq!(
            r[2].as_str().unwrap(),
            Lang::Vi.int(want),
            "{rule} as shown"
        );
    }
    let totals = &dom["totals"];
    for (attr, key) in [
        ("findings", "findings"),
        ("violations", "violations"),
        ("warnings", "warnings"),
        ("schoolsWithFindings", "schools_with_findings"),
        ("schoolsChecked", "schools_checked"),
    ] {
        assert_eq!(
            totals[attr].as_str().unwrap(),
            summary[key].as_u64().unwrap().to_string(),
            "{key}"
        );
    }
    for s in dom["status"].as_array().unwrap() {
        let shown = s[2].as_str().unwrap();
        match s[1].as_str().unwrap() {
            "met" => assert!(shown.contains("Đạt") && !shown.contains("Chưa"), "{s}"),
            "not_met" => assert!(shown.contains("Chưa đạt"), "{s}"),
            "not_assessed" => assert!(shown.contains("Không đánh giá được"), "{s}"),
            "warning" => assert!(shown.contains("Cần lưu ý"), "{s}"),
            other => panic!("{other}"),
        }
    }
    // No config: the store articles are not assessed, never met.
    let not_assessed: Vec<&str> = dom["status"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s[1] == "not_assessed")
        .map(|s| s[0].as_str().unwrap())
        .collect();
    assert_eq!(
        not_assessed,
        ["art12_1", "art12_2", "tt05_art27", "restore_drills"]
    );
    assert!(
        dom["office"]
            .as_str()
            .unwrap()
            .contains("Phòng Giáo dục và Đào tạo Quận 12")
    );
    assert!(dom["charts"].as_u64().unwrap() >= 4);

    let png = b.screenshot(1280, 1760);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-screenshot.png");
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    if std::fs::read(&shot).ok().as_deref() != Some(png.as_slice()) {
        std::fs::write(&shot, &png).unwrap();
    }

    // The small database's hostile names stay text in the browser too.
    let (fdir, fdb) = fixture();
    let (_, _) = report(fdir.path(), &fdb, "html", &[]);
    let page = fdir.path().join("bao-cao-.html");
    let url = file_url(&page);
    b.open(&url);
    assert_eq!(b.errors(), Vec::<String>::new(), "console errors");
    let requests: Vec<String> = b.requests().into_iter().filter(|u| *u != url).collect();
    assert_eq!(requests, Vec::<String>::new(), "network requests");
    let text = b.eval("document.body.innerText");
    assert!(text.as_str().unwrap().contains(C_NAME));
    assert_eq!(b.eval("document.querySelectorAll('script, img').length"), 0);
}

/// `eqvault demo` ends by writing its HTML report and printing the path; it
/// replaces its own report on the next run and never a file it did not write.
#[test]
fn the_demo_ends_with_the_html_report() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let run = |json: bool| {
        let mut c = eqvault(dir.path());
        if json {
            c.arg("--json");
        }
        let out = c
            .args([
                "demo",
                "--lang",
                "en",
                "--schools",
                "6",
                "--years",
                "1",
                "--dir",
            ])
            .arg(&demo)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let v: Value = serde_json::from_str(&run(true)).unwrap();
    // It filed sample exported reports by school year and term, leaving one out
    // on purpose, and its check found that one missing.
    let a = &v["archive"];
    assert!(a["added"].as_u64().unwrap() > 0, "{a}");
    assert_eq!(a["skipped"], 0);
    let left_out = a["left_out"].as_array().expect("one report left out");
    assert_eq!(left_out[2], "tan-suat-su-dung");
    let c = &v["check"];
    assert_eq!(c["summary"]["by_rule"]["report_missing"], 1, "{c}");
    assert!(c["summary"]["violations"].as_u64().unwrap() >= 1);
    let report = PathBuf::from(v["report"].as_str().unwrap());
    assert_eq!(
        report,
        std::path::absolute(demo.join("report.html")).unwrap()
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<meta name=\"generator\" content=\"eqvault "));
    assert!(
        html.contains("id=\"backup\" data-available=\"true\""),
        "the demo has stores"
    );
    assert!(demo.join("report.html.sha256").exists());

    // Run again: its own report is replaced, and the path printed.
    let text = run(false);
    assert!(
        text.contains("left out on purpose: tan-suat-su-dung"),
        "{text}"
    );
    assert!(text.contains("  check          "), "{text}");
    assert!(
        text.contains(&format!("report         {}", report.display())),
        "{text}"
    );
    let names = |d: &Path| {
        let mut n: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("report"))
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&demo), ["report.html", "report.html.sha256"]);

    // A report.html it did not write is left alone.
    std::fs::write(&report, "ghi chú của hiệu trưởng").unwrap();
    let v: Value = serde_json::from_str(&run(true)).unwrap();
    let dated = PathBuf::from(v["report"].as_str().unwrap());
    assert_ne!(dated, report);
    assert!(
        dated
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("report-")
    );
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "ghi chú của hiệu trưởng"
    );
    assert!(
        std::fs::read_to_string(&dated)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );

    // With the demo's config: the backup evidence of its stores, and --archive.
    let config = demo.join("eqvault.toml");
    // The newest snapshot (runs a second apart have the same time: the id decides).
    let out = eqvault(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["--json", "snapshots"])
        .output()
        .unwrap();
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let snapshot = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let at =
                chrono::DateTime::parse_from_rfc3339(s["created_at"].as_str().unwrap()).unwrap();
            (at, s["id"].as_str().unwrap().to_string())
        })
        .max()
        .unwrap()
        .1;
    // The demo's config names its office (the archive needs one).
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("name = \"Phòng Giáo dục và Đào tạo (demo)\""),
    );
    let json_out = dir.path().join("r.json");
    // The default period is this school year so far: not over, so `--archive`
    // refuses to file it in the whole year's place, and writes nothing.
    let out = eqvault(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["--json", "report", "--format", "json", "--archive", "--out"])
        .arg(&json_out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("không được lưu trữ thay cho cả kỳ") && err.contains("--even-if-partial"),
        "{err}"
    );
    assert!(!json_out.exists(), "nothing written");
    // Asked for explicitly, it is filed, and the outcome says it is partial.
    let out = eqvault(dir.path())
        .arg("--config")
        .arg(&config)
        .args([
            "--json",
            "report",
            "--format",
            "json",
            "--archive",
            "--even-if-partial",
            "--out",
        ])
        .arg(&json_out)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(made["partial"], true, "{made}");
    let (year, term) = made["period"].as_str().unwrap().split_once('/').unwrap();
    assert_eq!(made["archived"]["year"], year);
    assert_eq!(made["archived"]["term"], term);
    let r: Value = serde_json::from_slice(&std::fs::read(&json_out).unwrap()).unwrap();
    let b = &r["backup"];
    assert_eq!(b["available"], true);
    assert_eq!(b["stores"].as_array().unwrap().len(), 2);
    for s in b["stores"].as_array().unwrap() {
        assert_eq!(s["reachable"], true);
        assert_eq!(
            s["newest"]["id"],
            snapshot.as_str(),
            "the newest snapshot per store"
        );
        assert_eq!(s["newest"]["copies"], 2);
    }
    assert_eq!(b["newest"]["copies"], 2);
    assert_eq!(b["required_copies"], 2);
    assert_eq!(b["last_drill"]["status"], "success");
    assert!(
        b["last_drill"]["seconds"].as_f64().unwrap() > 0.0,
        "the restore time"
    );
    let status = |key: &str| {
        r["articles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["article"] == key)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("art12_1"), "met");
    assert_eq!(status("tt05_art27"), "met");
    assert_eq!(status("restore_drills"), "met");
    assert_eq!(r["archive"]["available"], true);
    assert_eq!(r["office"]["name"], "Phòng Giáo dục và Đào tạo (demo)");
    // The archive now lists the report under its year and period.
    let out = eqvault(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["--json", "archive", "list", "--year", year])
        .output()
        .unwrap();
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["file"] == "r.json" && e["term"] == term && e["sha256"] == made["sha256"]),
        "{listed}"
    );
    // Regression: a name the archive skips unread (an office lock file's
    // `~$…`) was reported as "already archived", with an empty digest.
    let out = eqvault(dir.path())
        .arg("--config")
        .arg(&config)
        .args([
            "--json",
            "report",
            "--format",
            "json",
            "--archive",
            "--even-if-partial",
            "--out",
        ])
        .arg(dir.path().join("~$r.json"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("không lưu trữ được") && err.contains("lock file"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

// ---- issue 14: verdicts an inspector can rely on ----

/// `init` with two local stores and an office name.
fn configured(root: &Path, db: &Path) {
    for s in ["store-a", "store-b"] {
        std::fs::create_dir_all(root.join(s)).unwrap();
    }
    let init = eqvault(root)
        .args([
            "init", "--store", "store-a", "--store", "store-b", "--dir", ".", "--db",
        ])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let config = root.join("eqvault.toml");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "name = \"\"\ncode = \"\"",
        "name = \"Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh\"\ncode = \"79\"",
        1,
    );
    // The two folders share the test's disk and stand for two devices (a NAS and a
    // USB disk): the config says so, or the two-copy rule counts them as one.
    let text: String = text
        .lines()
        .map(|l| match l.strip_prefix("url = ") {
            Some(u) if u.ends_with("store-a\"") || u.ends_with("store-b\"") => {
                format!("{l}\nmedium = \"test-{}\"\n", &u[u.len() - 8..u.len() - 1])
            }
            _ => format!("{l}\n"),
        })
        .collect();
    std::fs::write(&config, text).unwrap();
}

/// `report --format json ARGS` in `root`, `--force`d: (exit code, the model).
fn report_json(root: &Path, args: &[&str]) -> (i32, Value) {
    let file = root.join("bao-cao.json");
    let out = eqvault(root)
        .args(["report", "--format", "json", "--force", "--out"])
        .arg(&file)
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        matches!(code, 0 | 1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        code,
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap(),
    )
}

fn article<'v>(r: &'v Value, key: &str) -> &'v Value {
    r["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["article"] == key)
        .unwrap_or_else(|| panic!("no article {key}"))
}

/// Issue 14: `report --period 2025-2026` run months later marked Art. 12.1,
/// TT 05 Art. 27 and the drills "Đạt" on the strength of backups made after
/// the period. Each is judged as of the period's end, from records dated
/// within or before it, and the JSON says the window and the evidence used.
#[test]
fn a_report_judges_backups_as_of_its_period_end_not_today() {
    let (dir, db) = fixture();
    let root = dir.path();
    configured(root, &db);
    let backup = |at: &str| -> String {
        let out = eqvault(root)
            // The history is built out of order: the clock "goes back" on purpose.
            .args(["--json", "backup", "--allow-clock-behind", "--at", at])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["id"].as_str().unwrap().to_string()
    };
    let later = backup("2025-11-20T03:00:00Z");
    let args = ["--period", "2024-2025", "--as-of", "2025-12-01"];
    let (_, r) = report_json(root, &args);
    // Issue 29: eqvault's first evidence (this backup; the store markers are of
    // today) is after the period: a backup made later proves nothing about it
    // (issue 14), and no evidence from before eqvault is no proof of a fault
    // either: "not assessed", saying from when eqvault holds evidence.
    for key in ["art12_1", "tt05_art27", "restore_drills"] {
        let a = article(&r, key);
        assert_eq!(a["status"], "not_assessed", "{key}: {a}");
        assert_eq!(a["evidence"], serde_json::json!([]), "{key}");
        let why = a["rules"][0]["not_assessed"]["en"].as_str().unwrap_or("");
        assert!(why.contains("no evidence before 20 Nov 2025"), "{key}: {a}");
        let vi = a["rules"][0]["not_assessed"]["vi"].as_str().unwrap_or("");
        assert!(vi.contains("20/11/2025"), "{key}: {a}");
    }
    for key in ["art12_1", "tt05_art27"] {
        assert_eq!(
            article(&r, key)["window"]["judged_at"],
            "2025-05-31",
            "{key}"
        );
    }
    assert_eq!(
        r["backup"]["newest"],
        Value::Null,
        "the November backup is not shown"
    );
    assert_eq!(r["window"]["to"], "2025-05-31");
    assert_eq!(r["window"]["from"], "2024-09-05");
    // Art. 7.3 and the like: what fell due by --as-of.
    assert_eq!(article(&r, "art7_3")["window"]["judged_at"], "2025-12-01");

    let within = backup("2025-04-01T03:00:00Z");
    let (_, r) = report_json(root, &args);
    for key in ["art12_1", "tt05_art27"] {
        let a = article(&r, key);
        assert_eq!(a["status"], "met", "{key}: {a}");
        let used: Vec<&str> = a["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(used, [within.as_str()], "{key}: not {later}");
        assert_eq!(a["evidence"][0]["kind"], "snapshot");
        assert_eq!(a["evidence"][0]["date"], "2025-04-01");
    }
    assert_eq!(r["backup"]["newest"]["id"], within.as_str());
}

/// Issue 14: nothing before the regulation is a finding; a period that ends
/// before it is "not assessed", with the reason, never "met".
#[test]
fn a_report_of_a_year_before_the_regulation_is_not_assessed_with_the_reason() {
    let (dir, db) = fixture();
    let db = db.to_str().unwrap().to_string();
    let (code, r) = report_json(
        dir.path(),
        &["--db", &db, "--period", "2023-2024", "--as-of", AS_OF],
    );
    assert_eq!(code, 0);
    assert_eq!(r["findings"], serde_json::json!([]));
    assert_eq!(r["window"]["empty"], true);
    for a in r["articles"].as_array().unwrap() {
        assert_eq!(a["status"], "not_assessed", "{a}");
        let why = a["rules"][0]["not_assessed"]["vi"].as_str().unwrap();
        assert!(why.contains("quy định chưa áp dụng"), "{why}");
    }
}

/// Issue 14: `school-years.toml` ends with 2026-2027; from September 2027
/// the default report exited 2 ("no school year contains --as-of").
#[test]
fn a_future_school_year_is_derived_not_refused() {
    let (dir, db) = fixture();
    let db = db.to_str().unwrap().to_string();
    let (_, r) = report_json(dir.path(), &["--db", &db, "--as-of", "2027-10-01"]);
    assert_eq!(r["period"]["key"], "2027-2028/ca-nam");
    assert_eq!(r["period"]["start"], "2027-09-05");
    assert_eq!(r["period"]["provisional"], true);
    assert!(
        r["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["code"] == "school_year_provisional"),
        "{}",
        r["notes"]
    );
    let (_, r) = report_json(
        dir.path(),
        &[
            "--db",
            &db,
            "--period",
            "2031-2032/hk2",
            "--as-of",
            "2032-03-01",
        ],
    );
    assert_eq!(r["period"]["start"], "2032-01-18");
}

/// Issue 14: the demo's `check` with no dates reports only findings inside
/// the regulation's time, and its report for the current school year judges
/// Art. 12.1 from that year's backups only.
#[test]
fn the_demos_check_keeps_to_the_regulations_time_and_its_report_to_this_years_backups() {
    let dir = tempfile::tempdir().unwrap();
    let config = demo_in(dir.path(), &["--json"]);
    let out = eqvault(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["check", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let from = v["window"]["from"].as_str().unwrap().to_string();
    assert!(from.as_str() >= "2024-09-05", "{}", v["window"]);
    for f in v["findings"].as_array().unwrap() {
        let e = &f["evidence"];
        let day = e["occurred_on"]
            .as_str()
            .or(e["to"].as_str())
            .or(e["judged_at"].as_str())
            .map(str::to_string)
            .or_else(|| f["period"].as_str().map(|p| format!("{}-31", &p[..7])))
            .unwrap_or_else(|| "9999".into());
        if f["rule"] == "deleted_identifier" {
            continue; // a standing fault of the database as it is now
        }
        assert!(day >= from, "before the regulation's time: {f}");
    }
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["period"].as_str().unwrap_or("").starts_with("2023-2024")),
        "{}",
        v["findings"]
    );

    let file = dir.path().join("r.json");
    report_with(dir.path(), &config, "json", &file);
    let r: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let (start, end) = (
        r["period"]["start"].as_str().unwrap(),
        r["window"]["to"].as_str().unwrap(),
    );
    let a = article(&r, "art12_1");
    assert_eq!(a["status"], "met", "{a}");
    let used = a["evidence"].as_array().unwrap();
    assert!(!used.is_empty(), "{a}");
    for e in used {
        let day = e["date"].as_str().unwrap();
        assert!(start <= day && day <= end, "{e} outside {start}..{end}");
    }
}
