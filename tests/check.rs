//! `check` on a database of our own with a planted case for every database rule, and the exact findings expected.
//!
//! The fixture is built from the reference schema (schema/equipment.sql).
//! Clean rows (on-time entries, approvals by the principal, a principal who
//! transferred later, a resigned teacher, disposed equipment, a closed
//! school) must produce nothing; every planted fault exactly one finding.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use chrono::NaiveDate;
use eqvault::policy::finding::Evidence;
use eqvault::policy::{CheckPlan, Finding, Policies, StoreInput};
use rusqlite::{Connection, params};

const AS_OF: &str = "2025-07-15";

/// Clean: every month approved by its principal, activity every month.
const CLEAN: &str = "79760001";
/// Late entries around Tết, 30 Apr–1 May, a Friday deadline, UTC vs local; a deleted item.
const LATE: &str = "79760002";
/// Approval faults and one quiet month.
const APPROVALS: &str = "79760003";
/// Closed on 15 Dec 2024: nothing owed after.
const CLOSED: &str = "79760004";

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Months from `first` to `last` inclusive, as (year, month).
fn months(first: (i32, u32), last: (i32, u32)) -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    let (mut y, mut m) = first;
    while (y, m) <= last {
        out.push((y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

fn next(y: i32, m: u32) -> (i32, u32) {
    if m == 12 { (y + 1, 1) } else { (y, m + 1) }
}

fn is_teaching(m: u32) -> bool {
    !(6..=8).contains(&m)
}

struct Fixture {
    c: Connection,
}

impl Fixture {
    fn new(path: &Path) -> Fixture {
        let schema = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/equipment.sql"),
        )
        .unwrap();
        let c = Connection::open(path).unwrap();
        c.execute_batch(&schema).unwrap();
        Fixture { c }
    }

    fn school(&self, id: &str, name: &str, created_at: &str, closed_on: Option<&str>) {
        self.c
            .execute(
                "INSERT INTO schools (school_id, name, level, ownership, status, status_changed_on, created_at)
                 VALUES (?1, ?2, 'thcs', 'cong_lap', ?3, ?4, ?5)",
                params![
                    id,
                    name,
                    if closed_on.is_some() { "inactive" } else { "active" },
                    closed_on,
                    created_at
                ],
            )
            .unwrap();
    }

    fn staff(
        &self,
        id: &str,
        school: &str,
        name: &str,
        position: &str,
        status: &str,
        since: Option<&str>,
    ) {
        self.c
            .execute(
                "INSERT INTO staff (staff_id, school_id, full_name, position, status, status_changed_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, school, name, position, status, since],
            )
            .unwrap();
    }

    fn equipment(&self, id: &str, school: &str, condition: &str) {
        self.c
            .execute(
                "INSERT INTO equipment (equipment_id, school_id, name, condition, created_at, updated_at)
                 VALUES (?1, ?2, 'Bộ thí nghiệm quang học', ?3, '2024-09-01T08:00:00+07:00', '2024-09-01T08:00:00+07:00')",
                params![id, school, condition],
            )
            .unwrap();
    }

    fn change(
        &self,
        id: i64,
        equipment: &str,
        school: &str,
        kind: &str,
        occurred: &str,
        recorded: &str,
    ) {
        self.c
            .execute(
                "INSERT INTO equipment_changes (change_id, equipment_id, school_id, kind, occurred_on, recorded_at, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)",
                params![id, equipment, school, kind, occurred, recorded],
            )
            .unwrap();
    }

    fn approval(&self, school: &str, period: &str, by: &str, at: &str) {
        self.c
            .execute(
                "INSERT INTO monthly_approvals (school_id, period, approved_by, approved_at) VALUES (?1, ?2, ?3, ?4)",
                params![school, period, by, at],
            )
            .unwrap();
    }

    /// On time, by `by`: the 5th of the next month.
    fn approve_months(&self, school: &str, by: &str, list: &[(i32, u32)]) {
        for &(y, m) in list {
            let (ny, nm) = next(y, m);
            self.approval(
                school,
                &format!("{y}-{m:02}"),
                by,
                &format!("{ny}-{nm:02}-05T09:00:00+07:00"),
            );
        }
    }

    /// One lesson using `equipment` on the 10th of every teaching month in `list`.
    fn use_months(&self, school: &str, equipment: &str, list: &[(i32, u32)]) {
        for &(y, m) in list.iter().filter(|(_, m)| is_teaching(*m)) {
            self.c
                .execute(
                    "INSERT INTO equipment_usage (equipment_id, school_id, class_name, used_on, lesson_periods)
                     VALUES (?1, ?2, '7A3', ?3, 1)",
                    params![equipment, school, format!("{y}-{m:02}-10")],
                )
                .unwrap();
        }
    }
}

/// The fixture database, with every planted case.
fn build(path: &Path) {
    let f = Fixture::new(path);
    let year = months((2024, 9), (2025, 5));

    // ---- a clean school: nothing to find ----
    f.school(
        CLEAN,
        "Trường THCS Nguyễn Ảnh Thủ",
        "2024-09-01T08:00:00+07:00",
        None,
    );
    // The principal approved until December, then was transferred: lawful.
    f.staff(
        "CB0101",
        CLEAN,
        "Trần Thị Mai",
        "principal",
        "transferred",
        Some("2025-01-02"),
    );
    f.staff("CB0102", CLEAN, "Lê Văn Hùng", "principal", "working", None);
    f.staff(
        "CB0103",
        CLEAN,
        "Phạm Thu Hà",
        "teacher",
        "resigned",
        Some("2025-03-01"),
    );
    f.staff(
        "CB0104",
        CLEAN,
        "Võ Minh Tâm",
        "equipment_officer",
        "working",
        None,
    );
    f.equipment("TB0101", CLEAN, "good");
    // Disposed lawfully: the row stays, its condition says so.
    f.equipment("TB0102", CLEAN, "disposed");
    f.approve_months(CLEAN, "CB0101", &months((2024, 9), (2024, 11)));
    // Approved by the new principal at 23:59 on the due day: in time.
    f.approval(CLEAN, "2024-12", "CB0102", "2025-01-31T23:59:00+07:00");
    f.approve_months(CLEAN, "CB0102", &months((2025, 1), (2025, 5)));
    f.use_months(CLEAN, "TB0101", &year);
    f.change(
        1,
        "TB0101",
        CLEAN,
        "acquired",
        "2024-09-03",
        "2024-09-04T10:00:00+07:00",
    );
    f.change(
        2,
        "TB0102",
        CLEAN,
        "disposed",
        "2025-03-03",
        "2025-03-05T10:00:00+07:00",
    );

    // ---- late entries ----
    f.school(
        LATE,
        "Trường Tiểu học Lê Văn Tám",
        "2024-08-15T08:00:00+07:00",
        None,
    );
    f.staff(
        "CB0201",
        LATE,
        "Nguyễn Văn An",
        "principal",
        "working",
        None,
    );
    f.equipment("TB0201", LATE, "good");
    f.approve_months(LATE, "CB0201", &months((2024, 8), (2025, 5)));
    f.use_months(LATE, "TB0201", &year);
    // Fri 24 Jan 2025 → deadline Fri 14 Feb 2025 (Tết 25 Jan – 2 Feb).
    f.change(
        101,
        "TB0201",
        LATE,
        "acquired",
        "2025-01-24",
        "2025-02-14T23:59:00+07:00",
    );
    f.change(
        102,
        "TB0201",
        LATE,
        "relocated",
        "2025-01-24",
        "2025-02-15T08:00:00+07:00",
    );
    // Fri 7 Mar 2025 → deadline Fri 21 Mar; the Saturday after is late.
    f.change(
        103,
        "TB0201",
        LATE,
        "condition_changed",
        "2025-03-07",
        "2025-03-22T09:00:00+07:00",
    );
    // UTC date 21 Mar, local date 22 Mar: late. UTC 16:30 is 23:30 local on the 21st: on time.
    f.change(
        104,
        "TB0201",
        LATE,
        "quantity_changed",
        "2025-03-07",
        "2025-03-21T17:30:00Z",
    );
    f.change(
        105,
        "TB0201",
        LATE,
        "corrected",
        "2025-03-07",
        "2025-03-21T16:30:00Z",
    );
    // Fri 25 Apr 2025 → deadline Tue 13 May (30 Apr–4 May off, Sat 26 Apr worked).
    f.change(
        106,
        "TB0201",
        LATE,
        "relocated",
        "2025-04-25",
        "2025-05-13T17:00:00+07:00",
    );
    f.change(
        107,
        "TB0201",
        LATE,
        "relocated",
        "2025-04-25",
        "2025-05-14T07:00:00+07:00",
    );
    // Deadline 24 Jul, after --as-of: not yet due, whenever it was entered.
    f.change(
        108,
        "TB0201",
        LATE,
        "acquired",
        "2025-07-10",
        "2025-07-30T08:00:00+07:00",
    );
    // An item whose row was deleted: its change rows remain.
    f.change(
        109,
        "TB0299",
        LATE,
        "acquired",
        "2024-10-01",
        "2024-10-02T08:00:00+07:00",
    );
    f.change(
        110,
        "TB0299",
        LATE,
        "disposed",
        "2025-02-03",
        "2025-02-04T08:00:00+07:00",
    );

    // ---- approval faults ----
    f.school(APPROVALS, "Trường Mầm non Hoa Sen", "2024-09-10", None);
    f.staff(
        "CB0301",
        APPROVALS,
        "Đặng Thị Lan",
        "principal",
        "working",
        None,
    );
    f.staff(
        "CB0302",
        APPROVALS,
        "Hồ Quốc Bảo",
        "vice_principal",
        "working",
        None,
    );
    f.equipment("TB0301", APPROVALS, "good");
    f.approval(APPROVALS, "2024-09", "CB0301", "2024-10-20T09:00:00+07:00");
    // 2024-10: missing (due 30 Nov 2024).
    f.approval(APPROVALS, "2024-11", "CB0301", "2025-01-03T09:00:00+07:00"); // late (due 31 Dec)
    f.approval(APPROVALS, "2024-12", "CB0302", "2025-01-10T09:00:00+07:00"); // vice principal
    f.approval(APPROVALS, "2025-01", "CB0301", "2025-02-28T17:30:00Z"); // 1 Mar local: late
    f.approve_months(APPROVALS, "CB0301", &months((2025, 2), (2025, 5)));
    // 2025-06 is not approved, but due 31 Jul: not yet due on 15 Jul.
    // Quiet in March 2025 (and September 2024 is partial: opened on the 10th).
    let active: Vec<_> = months((2024, 10), (2025, 5))
        .into_iter()
        .filter(|&m| m != (2025, 3))
        .collect();
    f.use_months(APPROVALS, "TB0301", &active);

    // ---- a school closed on 15 Dec 2024 ----
    f.school(
        CLOSED,
        "Trường THCS Bình Lợi",
        "2024-09-01T08:00:00+07:00",
        Some("2024-12-15"),
    );
    f.staff(
        "CB0401",
        CLOSED,
        "Mai Văn Phúc",
        "principal",
        "transferred",
        Some("2024-12-20"),
    );
    f.equipment("TB0401", CLOSED, "awaiting_disposal");
    f.approve_months(CLOSED, "CB0401", &months((2024, 9), (2024, 11)));
    f.approval(CLOSED, "2024-12", "CB0401", "2024-12-16T09:00:00+07:00");
    f.use_months(CLOSED, "TB0401", &months((2024, 9), (2024, 11)));
}

fn plan(db: &Path, as_of: &str, from: Option<&str>, to: Option<&str>) -> CheckPlan {
    CheckPlan {
        database: db.to_path_buf(),
        mapping: None,
        busy_timeout: Duration::from_secs(5),
        as_of: d(as_of),
        from: from.map(d),
        to: to.map(d),
        strict: false,
    }
}

fn run(plan: &CheckPlan) -> (Vec<Finding>, eqvault::policy::CheckOutcome) {
    let policies = Policies::built_in().unwrap();
    let mut found = Vec::new();
    let outcome = eqvault::policy::check(&policies, plan, StoreInput::NoConfig, &mut |f| {
        found.push(f)
    })
    .unwrap();
    (found, outcome)
}

/// (rule, school, what): the change id for late entries, else the period or subject.
fn key(f: &Finding) -> (String, String, String) {
    let what = match (f.change_id, &f.period, &f.subject) {
        (Some(id), _, _) => id.to_string(),
        (None, Some(p), _) => p.clone(),
        (None, None, Some(s)) => s.clone(),
        _ => String::new(),
    };
    (
        f.rule.to_string(),
        f.school_id.clone().unwrap_or_default(),
        what,
    )
}

fn keys(found: &[Finding]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = found.iter().map(key).collect();
    v.sort();
    v
}

fn k(rule: &str, school: &str, what: &str) -> (String, String, String) {
    (rule.into(), school.into(), what.into())
}

fn fixture() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    build(&db);
    (dir, db)
}

#[test]
fn every_planted_case_and_nothing_else() {
    let (_dir, db) = fixture();
    let (found, outcome) = run(&plan(&db, AS_OF, None, None));
    let mut want = vec![
        k("late_update", LATE, "102"),
        k("late_update", LATE, "103"),
        k("late_update", LATE, "104"),
        k("late_update", LATE, "107"),
        k("deleted_identifier", LATE, "TB0299"),
        k("missing_approval", APPROVALS, "2024-10"),
        k("late_approval", APPROVALS, "2024-11"),
        k("approval_not_by_principal", APPROVALS, "2024-12"),
        k("late_approval", APPROVALS, "2025-01"),
        k("no_monthly_update", APPROVALS, "2025-03"),
    ];
    want.sort();
    assert_eq!(keys(&found), want);

    let s = &outcome.summary;
    assert_eq!((s.violations, s.warnings, s.findings), (9, 1, 10));
    assert_eq!(s.by_rule["late_update"], 4);
    assert_eq!(s.by_rule["backup_overdue"], 0);
    assert_eq!(s.schools_checked, 4);
    assert_eq!(s.schools_with_findings, 2);
    assert_eq!(s.changes_read, 12);
    assert!(outcome.has_violations());
    assert!(outcome.calendar.proposed_years.is_empty());
    let skipped: Vec<String> = outcome.skipped.iter().map(|s| s.rule.to_string()).collect();
    assert_eq!(
        skipped,
        [
            "backup_overdue",
            "backup_copies",
            "drill_overdue",
            "report_missing",
            "changed_identifier"
        ]
    );
    assert!(
        outcome.notes.iter().all(|n| n.code != "unreadable_rows"),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn late_entries_carry_the_deadline_and_the_local_date() {
    let (_dir, db) = fixture();
    let (found, _) = run(&plan(&db, AS_OF, None, None));
    let late = |id: i64| {
        let f = found.iter().find(|f| f.change_id == Some(id)).unwrap();
        let Evidence::LateUpdate(e) = &f.evidence else {
            panic!("{f:?}")
        };
        (f.clone(), e.clone())
    };
    let (f, e) = late(102);
    assert_eq!(e.deadline, d("2025-02-14"));
    assert_eq!(e.recorded_local_date, d("2025-02-15"));
    assert_eq!(e.working_days_allowed, 10);
    assert_eq!(f.equipment_id.as_deref(), Some("TB0201"));
    assert!(
        f.message
            .vi
            .starts_with("Trường Tiểu học Lê Văn Tám (mã 79760002)")
    );
    assert!(f.message.vi.contains("24/01/2025") && f.message.vi.contains("14/02/2025"));
    assert!(f.message.en.contains("14 Feb 2025"));
    let (_, e) = late(103);
    assert_eq!(e.deadline, d("2025-03-21"));
    assert_eq!(e.recorded_local_date, d("2025-03-22"));
    let (_, e) = late(104);
    assert_eq!(e.recorded_at, "2025-03-21T17:30:00Z");
    assert_eq!(e.recorded_local_date, d("2025-03-22"));
    let (_, e) = late(107);
    assert_eq!(e.deadline, d("2025-05-13"));
    assert_eq!(e.days_late, 1);
}

#[test]
fn approval_evidence_names_the_approver() {
    let (_dir, db) = fixture();
    let (found, _) = run(&plan(&db, AS_OF, None, None));
    let f = found
        .iter()
        .find(|f| f.rule.as_str() == "approval_not_by_principal")
        .unwrap();
    let Evidence::Approval(e) = &f.evidence else {
        panic!()
    };
    assert_eq!(e.approved_by.as_deref(), Some("CB0302"));
    assert_eq!(e.position.as_deref(), Some("vice_principal"));
    assert_eq!(e.due, d("2025-01-31"));
    assert!(f.message.vi.contains("Phó Hiệu trưởng"), "{}", f.message.vi);
    let late = found
        .iter()
        .find(|f| f.period.as_deref() == Some("2025-01"))
        .unwrap();
    let Evidence::Approval(e) = &late.evidence else {
        panic!()
    };
    assert_eq!(e.approved_local_date, Some(d("2025-03-01")));
    assert_eq!(e.days_late, Some(1));
}

#[test]
fn deleted_equipment_cites_its_change_rows() {
    let (_dir, db) = fixture();
    let (found, _) = run(&plan(&db, AS_OF, None, None));
    let f = found
        .iter()
        .find(|f| f.rule.as_str() == "deleted_identifier")
        .unwrap();
    let Evidence::Deleted(e) = &f.evidence else {
        panic!()
    };
    assert_eq!(e.table, "equipment");
    assert_eq!(e.source, "equipment_changes");
    assert_eq!(e.change_ids.as_deref(), Some(&[109, 110][..]));
    assert_eq!(e.last_seen_change.as_ref().unwrap().change_id, 110);
}

#[test]
fn from_and_to_bound_the_period_examined() {
    let (_dir, db) = fixture();
    let (found, _) = run(&plan(&db, AS_OF, Some("2025-03-01"), Some("2025-03-31")));
    let mut want = vec![
        k("late_update", LATE, "103"),
        k("late_update", LATE, "104"),
        k("no_monthly_update", APPROVALS, "2025-03"),
        // A deletion is a fault of the database as it is now, whatever the period.
        k("deleted_identifier", LATE, "TB0299"),
    ];
    want.sort();
    assert_eq!(keys(&found), want);
}

#[test]
fn as_of_hides_what_was_not_yet_due() {
    let (_dir, db) = fixture();
    // On 14 Feb 2025 change 102 still had the day; the October approval was
    // due 30 Nov 2024, November's 31 Dec, December's 31 Jan.
    let (found, _) = run(&plan(&db, "2025-02-14", None, None));
    let mut want = vec![
        k("missing_approval", APPROVALS, "2024-10"),
        k("late_approval", APPROVALS, "2024-11"),
        k("approval_not_by_principal", APPROVALS, "2024-12"),
        k("deleted_identifier", LATE, "TB0299"),
    ];
    want.sort();
    assert_eq!(keys(&found), want);
}

#[test]
fn a_year_without_a_schedule_is_provisional() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    let f = Fixture::new(&db);
    f.school("79769999", "Trường THCS Tương Lai", "2027-01-01", None);
    f.change(
        1,
        "TB9",
        "79769999",
        "acquired",
        "2027-03-01",
        "2027-05-01T08:00:00+07:00",
    );
    f.equipment("TB9", "79769999", "good");
    drop(f);
    let (found, outcome) = run(&plan(&db, "2027-06-30", Some("2027-03-01"), None));
    let late: Vec<_> = found
        .iter()
        .filter(|f| f.rule.as_str() == "late_update")
        .collect();
    assert_eq!(late.len(), 1);
    assert_eq!(outcome.calendar.proposed_years, vec![2027]);
    assert!(outcome.notes.iter().any(|n| n.code == "calendar_proposed"));
}

// ---- through the binary ----

/// Issue 29: an approval recorded on the last afternoon of the month it
/// approves counts (no missing or late approval) and is a warning of its own.
#[test]
fn an_approval_recorded_before_its_month_ended_counts_and_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    let f = Fixture::new(&db);
    f.school(
        "79769997",
        "Trường Tiểu học Hoà Bình",
        "2025-03-01T08:00:00+07:00",
        None,
    );
    f.staff(
        "CB7",
        "79769997",
        "Phạm Văn Minh",
        "principal",
        "working",
        None,
    );
    f.equipment("TB7", "79769997", "good");
    f.approval("79769997", "2025-03", "CB7", "2025-03-31T15:00:00+07:00");
    f.approval("79769997", "2025-04", "CB7", "2025-05-02T09:00:00+07:00");
    f.use_months("79769997", "TB7", &months((2025, 3), (2025, 4)));
    drop(f);
    let (code, v) = check_db(
        dir.path(),
        &db,
        &[
            "--as-of",
            "2025-06-15",
            "--from",
            "2025-03-01",
            "--to",
            "2025-04-30",
        ],
    );
    let early = findings_of(&v, "approval_before_month_end");
    assert_eq!(early.len(), 1, "{}", v["findings"]);
    assert_eq!(early[0]["period"], "2025-03");
    assert_eq!(early[0]["severity"], "warning");
    assert!(
        early[0]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("31/03/2025"),
        "{}",
        early[0]
    );
    for rule in ["missing_approval", "late_approval"] {
        assert!(
            findings_of(&v, rule).is_empty(),
            "{rule}: {}",
            v["findings"]
        );
    }
    assert_eq!(code, 0, "a warning alone exits 0: {}", v["findings"]);
}

/// `check --json ARGS --db DB` in `dir`: (exit code, document).
fn check_db(dir: &Path, db: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut c = eqvault(dir);
    c.args(["check", "--json"]).args(args);
    // A config the test wrote is named: `--db` alone reads none (issue 31).
    if dir.join("eqvault.toml").is_file() && !args.contains(&"--config") {
        c.arg("--config").arg(dir.join("eqvault.toml"));
    }
    let out = c.arg("--db").arg(db).output().unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v)
}

/// Issue 29: a database with no school judges no per-school rule: each is
/// "not checked", with the reason, never a silent "no finding".
#[test]
fn a_database_with_no_school_says_the_school_rules_checked_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    drop(Fixture::new(&db));
    let (_, v) = check_db(dir.path(), &db, &["--as-of", "2025-06-15"]);
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| {
            k["reason"]["en"]
                .as_str()
                .unwrap_or("")
                .contains("no school")
        })
        .map(|k| k["rule"].as_str().unwrap())
        .collect();
    for rule in ["missing_approval", "late_approval", "no_monthly_update"] {
        assert!(skipped.contains(&rule), "{rule}: {}", v["skipped"]);
    }
}

/// Issue 29: a time written without seconds (`08:30+07:00`, as some exports
/// write it) is read as 08:30:00, not an unreadable row.
#[test]
fn timestamps_written_without_seconds_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    let f = Fixture::new(&db);
    f.school(
        "79769998",
        "Trường THCS Hai Bà Trưng",
        "2025-03-01T08:00+07:00",
        None,
    );
    f.staff(
        "CB8",
        "79769998",
        "Lê Thị Hoa",
        "principal",
        "working",
        None,
    );
    f.equipment("TB8", "79769998", "good");
    f.change(
        1,
        "TB8",
        "79769998",
        "acquired",
        "2025-03-03",
        "2025-03-28T08:30+07:00",
    );
    f.change(
        2,
        "TB8",
        "79769998",
        "relocated",
        "2025-04-01",
        "2025-04-02 09:15+07:00",
    );
    f.approval("79769998", "2025-03", "CB8", "2025-04-05T09:00+07:00");
    f.approval("79769998", "2025-04", "CB8", "2025-05-05 10:00+07:00");
    f.use_months("79769998", "TB8", &months((2025, 3), (2025, 4)));
    drop(f);
    let (code, v) = check_db(
        dir.path(),
        &db,
        &[
            "--as-of",
            "2025-05-20",
            "--from",
            "2025-03-01",
            "--to",
            "2025-04-30",
        ],
    );
    assert!(
        findings_of(&v, "data_quality").is_empty(),
        "{}",
        v["findings"]
    );
    let late = findings_of(&v, "late_update");
    assert_eq!(late.len(), 1, "{}", v["findings"]);
    assert_eq!(late[0]["change_id"], 1);
    assert_eq!(late[0]["evidence"]["recorded_local_date"], "2025-03-28");
    assert!(
        findings_of(&v, "late_approval").is_empty(),
        "{}",
        v["findings"]
    );
    assert!(
        findings_of(&v, "missing_approval").is_empty(),
        "{}",
        v["findings"]
    );
    assert_eq!(code, 1, "the late entry is a violation");
}

/// Issue 29: a late entry whose deadline runs across a year with no published
/// holiday schedule (2027 here) is provisional: a warning, counted apart,
/// and no reason by itself for `check` to exit 1; `--strict` keeps it a
/// violation.
#[test]
fn a_late_entry_on_a_proposed_calendar_is_a_provisional_warning_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    let f = Fixture::new(&db);
    f.school(
        "79769999",
        "Trường THCS Tương Lai",
        "2027-03-01T08:00:00+07:00",
        None,
    );
    f.staff(
        "CB9",
        "79769999",
        "Nguyễn Văn Hiệu",
        "principal",
        "working",
        None,
    );
    f.equipment("TB9", "79769999", "good");
    f.change(
        1,
        "TB9",
        "79769999",
        "acquired",
        "2027-03-01",
        "2027-03-18T08:00:00+07:00",
    );
    f.approve_months("79769999", "CB9", &months((2027, 3), (2027, 5)));
    f.use_months("79769999", "TB9", &months((2027, 3), (2027, 5)));
    drop(f);
    let run = |strict: bool| -> (i32, serde_json::Value) {
        let mut c = eqvault(dir.path());
        c.args([
            "check",
            "--json",
            "--as-of",
            "2027-06-30",
            "--from",
            "2027-03-01",
            "--db",
        ])
        .arg(&db);
        if strict {
            c.arg("--strict");
        }
        let out = c.output().unwrap();
        (
            out.status.code().unwrap(),
            serde_json::from_slice(&out.stdout).unwrap(),
        )
    };
    let (code, v) = run(false);
    let late = findings_of(&v, "late_update");
    assert_eq!(late.len(), 1, "{}", v["findings"]);
    assert_eq!(late[0]["provisional"], true, "{}", late[0]);
    assert_eq!(late[0]["severity"], "warning", "{}", late[0]);
    assert!(
        late[0]["message"]["en"]
            .as_str()
            .unwrap()
            .contains("provisional")
    );
    assert_eq!(v["summary"]["provisional"], 1, "{}", v["summary"]);
    assert_eq!(v["summary"]["violations"], 0, "{}", v["findings"]);
    assert_eq!(
        code, 0,
        "a provisional finding alone exits 0: {}",
        v["findings"]
    );
    let (code, v) = run(true);
    let late = findings_of(&v, "late_update");
    assert_eq!(late[0]["severity"], "violation", "{}", late[0]);
    assert_eq!(late[0]["provisional"], true);
    assert_eq!(code, 1);
    // The report says "tạm tính" beside Art. 7.3's verdict, and is no "Chưa đạt".
    let md = dir.path().join("bao-cao.md");
    let out = eqvault(dir.path())
        .args([
            "report",
            "--period",
            "2026-2027",
            "--as-of",
            "2027-06-30",
            "--format",
            "md",
            "--db",
        ])
        .arg(&db)
        .arg("--out")
        .arg(&md)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&md).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("| **Điều 7, khoản 3**"))
        .unwrap_or_else(|| panic!("no Art. 7.3 row in\n{text}"))
        .replace('\u{a0}', " ");
    assert!(line.contains("(tạm tính: 1)"), "{line}");
    assert!(!line.contains("Chưa đạt"), "{line}");
    // Weeks past the deadline, no published schedule could change the verdict:
    // late, firm, a violation.
    Connection::open(&db)
        .unwrap()
        .execute(
            "INSERT INTO equipment_changes (change_id, equipment_id, school_id, kind, occurred_on, recorded_at)
             VALUES (2, 'TB9', '79769999', 'condition_changed', '2027-03-01', '2027-04-20T08:00:00+07:00')",
            [],
        )
        .unwrap();
    let (code, v) = run(false);
    let firm = findings_of(&v, "late_update")
        .into_iter()
        .find(|f| f["change_id"] == 2)
        .unwrap_or_else(|| panic!("{}", v["findings"]))
        .clone();
    assert_eq!(firm["provisional"], false, "{firm}");
    assert_eq!(firm["severity"], "violation", "{firm}");
    assert_eq!(v["summary"]["provisional"], 1, "{}", v["summary"]);
    assert_eq!(code, 1);
}

fn eqvault(cwd: &Path) -> Command {
    let mut c = Command::cargo_bin("eqvault").unwrap();
    c.current_dir(cwd).env_remove("EQVAULT_CONFIG");
    c
}

#[test]
fn cli_json_exit_codes_and_keys() {
    let (dir, db) = fixture();
    let out = eqvault(dir.path())
        .args(["check", "--json", "--as-of", AS_OF, "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "as_of", "findings", "skipped", "summary", "calendar", "notes",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["as_of"], AS_OF);
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 10);
    for f in findings {
        let obj = f.as_object().unwrap();
        let mut names: Vec<&str> = obj.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "change_id",
                "equipment_id",
                "evidence",
                "message",
                "period",
                "provisional",
                "rule",
                "school_id",
                "severity",
                "subject"
            ]
        );
        assert!(f["message"]["vi"].is_string() && f["message"]["en"].is_string());
    }
    let late = findings.iter().find(|f| f["change_id"] == 102).unwrap();
    assert_eq!(late["rule"], "late_update");
    assert_eq!(late["severity"], "violation");
    assert_eq!(late["equipment_id"], "TB0201");
    assert_eq!(late["period"], serde_json::Value::Null);
    assert_eq!(late["evidence"]["deadline"], "2025-02-14");
    assert_eq!(late["evidence"]["recorded_local_date"], "2025-02-15");
    assert_eq!(v["summary"]["by_rule"]["late_update"], 4);
    assert_eq!(v["summary"]["by_severity"]["warning"], 1);
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rule"].as_str().unwrap())
        .collect();
    assert!(skipped.contains(&"backup_overdue") && skipped.contains(&"report_missing"));

    // Human output: Vietnamese unless told, grouped by school, one language.
    let out = eqvault(dir.path())
        .env_remove("EQVAULT_LANG")
        .args(["check", "--as-of", AS_OF, "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Kiểm tra tuân thủ"), "{text}");
    assert!(text.contains("9 vi phạm, 1 cảnh báo"), "{text}");
    assert!(
        text.contains("Trường Tiểu học Lê Văn Tám (mã 79760002)"),
        "{text}"
    );
    assert!(!text.contains("violation"), "{text}");
    let out = eqvault(dir.path())
        .args(["check", "--as-of", AS_OF, "--lang", "en", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Compliance check"), "{text}");
    assert!(text.contains("9 violation(s), 1 warning(s)"), "{text}");
    assert!(!text.contains("vi phạm"), "{text}");
}

/// A school with nothing to find over 2024-2025.
fn clean_school(f: &Fixture) {
    f.school(
        CLEAN,
        "Trường THCS Nguyễn Ảnh Thủ",
        "2024-09-01T08:00:00+07:00",
        None,
    );
    f.staff("CB0102", CLEAN, "Lê Văn Hùng", "principal", "working", None);
    f.equipment("TB0101", CLEAN, "good");
    f.approve_months(CLEAN, "CB0102", &months((2024, 9), (2025, 5)));
    f.use_months(CLEAN, "TB0101", &months((2024, 9), (2025, 5)));
}

#[test]
fn cli_clean_database_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clean.db");
    let f = Fixture::new(&db);
    clean_school(&f);
    drop(f);
    let out = eqvault(dir.path())
        .args(["check", "--json", "--as-of", AS_OF, "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["summary"]["findings"], 0);
}

#[test]
fn cli_errors_exit_two_and_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.db");
    let out = eqvault(dir.path())
        .args(["check", "--json", "--db"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on stdout on error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope.db"), "{err}");

    // A database that is not in the reference schema.
    let other = dir.path().join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x);")
        .unwrap();
    let out = eqvault(dir.path())
        .args(["check", "--lang", "en", "--db"])
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("other.db") && err.contains("reference schema"),
        "{err}"
    );

    // A config named but broken is an error even with --db.
    let (fixture_dir, db) = fixture();
    std::fs::write(fixture_dir.path().join("eqvault.toml"), "[database\n").unwrap();
    let out = eqvault(fixture_dir.path())
        .args(["check", "--config", "eqvault.toml", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("eqvault.toml"));

    // No --db and no config: say what to pass.
    let out = eqvault(dir.path()).args(["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--db"));

    // Bad dates are usage errors.
    let out = eqvault(dir.path())
        .args(["check", "--as-of", "15/07/2025", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_with_a_config_checks_the_stores() {
    let (dir, db) = fixture();
    let root = dir.path();
    configured(root, &db);
    backup_at(root, "2025-03-01T03:00:00Z");

    let check = |as_of: &str| -> serde_json::Value {
        let out = eqvault(root)
            .args(["check", "--json", "--from", "2024-09-01", "--as-of", as_of])
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // Office-wide findings: (rule, subject).
    let office = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["school_id"].is_null())
            .map(|f| {
                let subject = f["period"].as_str().map_or(String::new(), |p| {
                    format!("{p} {}", f["subject"].as_str().unwrap_or(""))
                });
                (f["rule"].as_str().unwrap().to_string(), subject)
            })
            .collect()
    };
    let s = |rule: &str, subject: &str| (rule.to_string(), subject.to_string());
    // 1 Mar + 3 months = 1 Jun: in time until then, overdue after; no drill
    // yet; HK1 2024-2025 (ended 12 Jan) was due 28 Feb and nothing is archived.
    let v = check("2025-06-01");
    assert_eq!(
        office(&v),
        [
            s("drill_overdue", ""),
            s("report_missing", "2024-2025/hk1 thong-ke-thiet-bi"),
            s("report_missing", "2024-2025/hk1 chat-luong-thiet-bi"),
            s("report_missing", "2024-2025/hk1 tan-suat-su-dung"),
        ]
    );
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rule"].as_str().unwrap())
        .collect();
    assert!(skipped.is_empty(), "{skipped:?}");
    let v = check("2025-06-02");
    assert_eq!(office(&v)[0], s("backup_overdue", ""));
    let f = &v["findings"][0];
    assert_eq!(f["evidence"]["due"], "2025-06-01");
    assert_eq!(f["evidence"]["stores_holding"].as_array().unwrap().len(), 2);

    // Archiving the statistics report of HK1 leaves the two others missing.
    let report = root.join("Báo cáo thống kê thiết bị HK1 2024-2025.pdf");
    std::fs::write(&report, b"%PDF-1.4 test report").unwrap();
    let add = eqvault(root)
        .args(["archive", "add", "--year", "2024-2025", "--term", "hk1"])
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    // Archived today: on 1 June 2025 it did not exist yet, so all three
    // were missing then; as of today the statistics report is there.
    let v = check("2025-06-01");
    assert_eq!(
        office(&v),
        [
            s("drill_overdue", ""),
            s("report_missing", "2024-2025/hk1 thong-ke-thiet-bi"),
            s("report_missing", "2024-2025/hk1 chat-luong-thiet-bi"),
            s("report_missing", "2024-2025/hk1 tan-suat-su-dung"),
        ]
    );
    let today = chrono::Utc::now()
        .with_timezone(&eqvault::calendar::VIETNAM)
        .date_naive()
        .to_string();
    let now = office(&check(&today));
    assert!(
        !now.contains(&s("report_missing", "2024-2025/hk1 thong-ke-thiet-bi"))
            && now.contains(&s("report_missing", "2024-2025/hk1 chat-luong-thiet-bi")),
        "{now:?}"
    );

    // Between two backups: a staff row and an equipment row deleted, an
    // equipment id renamed. The ledger of the backup sees all three; closing a
    // school by its status (done before the backup) stays silent.
    let identifiers = |v: &serde_json::Value| -> Vec<(String, String, String)> {
        let mut out: Vec<_> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"].as_str().unwrap().ends_with("_identifier"))
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["subject"].as_str().unwrap().to_string(),
                    f["evidence"]["source"]
                        .as_str()
                        .or(f["evidence"]["new_id"].as_str())
                        .unwrap()
                        .to_string(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        identifiers(&check("2025-06-01")),
        [t("deleted_identifier", "TB0299", "equipment_changes")]
    );
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "DELETE FROM staff WHERE staff_id = 'CB0104';
             DELETE FROM equipment WHERE equipment_id = 'TB0101';
             UPDATE equipment SET equipment_id = 'TB0399' WHERE equipment_id = 'TB0301';",
        )
        .unwrap();
    let v = check("2025-06-01");
    assert_eq!(
        identifiers(&v),
        [
            t("changed_identifier", "TB0301", "TB0399"),
            t("deleted_identifier", "CB0104", "ledger"),
            t("deleted_identifier", "TB0101", "equipment_changes+ledger"),
            t("deleted_identifier", "TB0299", "equipment_changes"),
        ]
    );
    let staff = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["subject"] == "CB0104")
        .unwrap();
    assert_eq!(staff["evidence"]["table"], "staff");
    assert_eq!(staff["school_id"], CLEAN);
    assert!(staff["evidence"]["last_seen_snapshot"].is_string());
    assert!(
        staff["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("mã cán bộ CB0104"),
        "{staff}"
    );
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rule"].as_str().unwrap())
        .collect();
    assert!(skipped.is_empty(), "{skipped:?}");
}

#[test]
fn database_text_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hostile.db");
    let f = Fixture::new(&db);
    f.school(
        "79768888",
        "Trường THCS \u{1b}]0;pwned\u{7}A",
        "2024-09-01",
        None,
    );
    f.equipment("TB\u{1b}[2J", "79768888", "good");
    f.change(
        1,
        "TB\u{1b}[2J",
        "79768888",
        "acquired",
        "2024-09-03",
        "2024-10-30T08:00:00+07:00",
    );
    drop(f);
    let out = eqvault(dir.path())
        .args([
            "check",
            "--as-of",
            "2024-11-15",
            "--from",
            "2024-09-01",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text}"
    );
    assert!(text.contains("\\u{1b}]0;pwned"), "{text}");
}

// ---- issue 14: verdicts an inspector can rely on ----

/// `init` with two local stores and an office name (the archive wants one).
fn configured(root: &Path, db: &Path) -> PathBuf {
    std::fs::create_dir_all(root.join("store-a")).unwrap();
    std::fs::create_dir_all(root.join("store-b")).unwrap();
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
    config
}

/// `backup --at AT` in `root` (the history is dated on purpose), asserting it succeeded.
fn backup_at(root: &Path, at: &str) {
    let out = eqvault(root).args(["backup", "--at", at]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `check --json ARGS` in `root`: (exit code, document).
fn check_json(root: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = eqvault(root)
        .args(["check", "--json"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        matches!(code, 0 | 1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, serde_json::from_slice(&out.stdout).unwrap())
}

fn findings_of<'v>(v: &'v serde_json::Value, rule: &str) -> Vec<&'v serde_json::Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// Issue 14: `check` with no dates reported `report_missing` for 2023-2024, a
/// year before the regulation (5 Sep 2024) and before the data, and judged
/// changes of the summer of 2024.
#[test]
fn check_with_no_dates_judges_nothing_before_the_regulation() {
    let (dir, db) = fixture();
    let root = dir.path();
    {
        let f = Fixture {
            c: Connection::open(&db).unwrap(),
        };
        // Happened and entered late in the summer before the regulation.
        f.change(
            201,
            "TB0201",
            LATE,
            "relocated",
            "2024-08-19",
            "2024-09-10T08:00:00+07:00",
        );
    }
    configured(root, &db);
    let (_, v) = check_json(root, &["--as-of", "2025-07-15"]);
    let w = &v["window"];
    assert_eq!(w["from"], "2024-09-05", "{w}");
    assert_eq!(w["effective_from"], "2024-09-05");
    assert_eq!(w["data_from"], "2024-08-01");
    assert_eq!(w["to"], "2025-07-15");
    assert_eq!(w["before_regulation"], false);
    let periods: Vec<&str> = findings_of(&v, "report_missing")
        .iter()
        .map(|f| f["period"].as_str().unwrap())
        .collect();
    assert!(!periods.is_empty());
    assert!(
        periods.iter().all(|p| p.starts_with("2024-2025/")),
        "{periods:?}"
    );
    assert!(
        findings_of(&v, "late_update")
            .iter()
            .all(|f| f["change_id"] != 201)
    );
    assert!(
        findings_of(&v, "missing_approval")
            .iter()
            .all(|f| f["period"].as_str().unwrap() >= "2024-09"),
    );

    // An explicit --from earlier widens the window on purpose, and says so.
    let (_, v) = check_json(root, &["--as-of", "2025-07-15", "--from", "2023-09-05"]);
    assert_eq!(v["window"]["before_regulation"], true);
    assert_eq!(v["window"]["from"], "2024-08-01", "never before the data");
    assert!(
        findings_of(&v, "late_update")
            .iter()
            .any(|f| f["change_id"] == 201)
    );
    assert!(
        v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["code"] == "before_regulation"),
        "{}",
        v["notes"]
    );
    let text = String::from_utf8(
        eqvault(root)
            .args(["check", "--as-of", "2025-07-15", "--from", "2023-09-05"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(text.contains("trước ngày áp dụng quy định"), "{text}");
}

/// Issue 14: a school that closed and reopened (active, `status_changed_on`
/// the reopening date) got `missing_approval` and `no_monthly_update` for
/// the months it was closed.
#[test]
fn a_school_that_closed_and_reopened_owes_nothing_for_the_months_it_was_closed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    let f = Fixture::new(&db);
    let r = "79760005";
    f.school(r, "Trường THCS Tân Tạo", "2024-09-01T08:00:00+07:00", None);
    f.c.execute(
        "UPDATE schools SET status_changed_on = '2025-03-03' WHERE school_id = ?1",
        [r],
    )
    .unwrap();
    f.staff("CB0501", r, "Phan Văn Long", "principal", "working", None);
    f.equipment("TB0501", r, "good");
    // Open in September and October 2024, then closed; reopened on 3 March 2025.
    let open = [months((2024, 9), (2024, 10)), months((2025, 3), (2025, 5))].concat();
    f.approve_months(r, "CB0501", &open);
    f.use_months(r, "TB0501", &open);
    drop(f);
    let (code, v) = check_json(
        dir.path(),
        &["--as-of", "2025-07-15", "--db", db.to_str().unwrap()],
    );
    let school: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["period"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(school, Vec::<(String, String)>::new(), "{}", v["findings"]);
    assert_eq!(code, 0);
}

/// Issue 14: a `recorded_at` without a UTC offset was not judged (a change
/// entered 108 days late that way gave exit 0), and a naive `created_at`
/// dropped the whole school out of the approval and activity rules.
#[test]
fn timestamps_without_an_offset_are_judged_when_every_offset_agrees_and_named_when_not() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("equipment.db");
    let f = Fixture::new(&db);
    let n = "79760006";
    f.school(n, "Trường Tiểu học Phú Lâm", "2024-09-01 08:00:00", None);
    f.staff("CB0601", n, "Vũ Thị Ngọc", "principal", "working", None);
    f.equipment("TB0601", n, "good");
    let year = months((2024, 9), (2025, 5));
    f.approve_months(
        n,
        "CB0601",
        &year
            .iter()
            .copied()
            .filter(|&m| m != (2024, 11))
            .collect::<Vec<_>>(),
    );
    f.use_months(n, "TB0601", &year);
    // Mon 3 Mar 2025 → deadline Mon 17 Mar; entered 108 days after the change.
    f.change(
        1,
        "TB0601",
        n,
        "acquired",
        "2025-03-03",
        "2025-06-19T09:00:00",
    );
    // 20:00 on the deadline: on time at UTC+7, late at UTC−12.
    f.change(
        2,
        "TB0601",
        n,
        "relocated",
        "2025-03-03",
        "2025-03-17T20:00:00",
    );
    // On time whatever the offset.
    f.change(
        3,
        "TB0601",
        n,
        "relocated",
        "2025-03-03",
        "2025-03-04T09:00:00",
    );
    drop(f);
    let (code, v) = check_json(
        dir.path(),
        &["--as-of", "2025-07-15", "--db", db.to_str().unwrap()],
    );
    let late = findings_of(&v, "late_update");
    assert_eq!(late.len(), 1, "{}", v["findings"]);
    assert_eq!(late[0]["change_id"], 1);
    assert_eq!(late[0]["evidence"]["offset_missing"], true);
    assert_eq!(code, 1);
    let missing = findings_of(&v, "missing_approval");
    assert_eq!(missing.len(), 1, "the school is judged: {}", v["findings"]);
    assert_eq!(missing[0]["period"], "2024-11");
    let quality = findings_of(&v, "data_quality");
    assert_eq!(quality.len(), 1, "{}", v["findings"]);
    let q = quality[0];
    assert_eq!(q["severity"], "warning");
    assert_eq!(q["change_id"], 2);
    assert_eq!(q["subject"], "equipment_changes (2)");
    assert_eq!(q["evidence"]["problem"], "offset_missing");
    assert_eq!(q["evidence"]["column"], "recorded_at");
    assert_eq!(
        q["evidence"]["possible_dates"],
        serde_json::json!(["2025-03-17", "2025-03-18"])
    );
    assert_eq!(v["unreadable_rows"], 0);
    assert_eq!(v["summary"]["by_rule"]["data_quality"], 1);
}

/// Issue 14: a `recorded_at` earlier than `occurred_on` was accepted silently;
/// an unreadable row left the rules silently and exited 0.
#[test]
fn a_change_recorded_before_it_occurred_is_a_warning_and_an_unreadable_row_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clean.db");
    let f = Fixture::new(&db);
    clean_school(&f);
    f.change(
        7,
        "TB0101",
        CLEAN,
        "acquired",
        "2025-03-20",
        "2025-03-02T08:00:00+07:00",
    );
    drop(f);
    let args = ["--as-of", "2025-07-15", "--db", db.to_str().unwrap()];
    let (code, v) = check_json(dir.path(), &args);
    assert_eq!(code, 0, "a warning only");
    let q = findings_of(&v, "data_quality");
    assert_eq!(q.len(), 1, "{}", v["findings"]);
    assert_eq!(q[0]["evidence"]["problem"], "recorded_before_occurred");
    assert_eq!(q[0]["school_id"], CLEAN);
    assert!(
        q[0]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("equipment_changes (7)")
    );

    Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE equipment_changes SET recorded_at = 'hôm qua' WHERE change_id = 7",
            [],
        )
        .unwrap();
    let (code, v) = check_json(dir.path(), &args);
    assert_eq!(code, 1, "an unreadable row makes the exit code 1");
    assert_eq!(v["unreadable_rows"], 1);
    let q = findings_of(&v, "data_quality");
    assert_eq!(q[0]["evidence"]["problem"], "unreadable");
    assert_eq!(q[0]["evidence"]["value"], "hôm qua");
}

/// Issue 14: after renaming one equipment code and deleting two rows identical
/// to it apart from the code, all three were reported "changed to" the new code.
#[test]
fn a_renamed_code_pairs_one_to_one_and_lookalikes_are_deletions_naming_the_candidates() {
    let (dir, db) = fixture();
    let root = dir.path();
    {
        let f = Fixture {
            c: Connection::open(&db).unwrap(),
        };
        for id in ["TB0701", "TB0702", "TB0703"] {
            f.equipment(id, CLEAN, "good");
        }
    }
    configured(root, &db);
    backup_at(root, "2025-03-01T03:00:00Z");
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "UPDATE equipment SET equipment_id = 'TB0799' WHERE equipment_id = 'TB0701';
             DELETE FROM equipment WHERE equipment_id IN ('TB0702', 'TB0703');",
        )
        .unwrap();
    let (_, v) = check_json(root, &["--as-of", "2025-06-01"]);
    assert!(
        findings_of(&v, "changed_identifier").is_empty(),
        "{}",
        v["findings"]
    );
    let deleted: Vec<(String, serde_json::Value)> = findings_of(&v, "deleted_identifier")
        .iter()
        .filter(|f| f["subject"].as_str().unwrap().starts_with("TB07"))
        .map(|f| {
            (
                f["subject"].as_str().unwrap().to_string(),
                f["evidence"]["rename_candidates"].clone(),
            )
        })
        .collect();
    let tb0799 = serde_json::json!(["TB0799"]);
    assert_eq!(
        deleted,
        [
            ("TB0701".to_string(), tb0799.clone()),
            ("TB0702".to_string(), tb0799.clone()),
            ("TB0703".to_string(), tb0799),
        ]
    );
    let f = findings_of(&v, "deleted_identifier")
        .into_iter()
        .find(|f| f["subject"] == "TB0702")
        .unwrap();
    assert!(
        f["message"]["en"]
            .as_str()
            .unwrap()
            .contains("not one-to-one"),
        "{f}"
    );
}

/// Issue 29: one rename is one finding. After a backup, an equipment id with
/// change-log history renamed, a staff id written in lower case and another
/// given a trailing space: each is `changed_identifier` with both codes, the
/// change-log rows inside it, and no `deleted_identifier` beside it.
#[test]
fn a_rename_is_one_changed_identifier_finding_with_the_change_log_inside() {
    let (dir, db) = fixture();
    let root = dir.path();
    configured(root, &db);
    backup_at(root, "2025-03-01T03:00:00Z");
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "UPDATE equipment SET equipment_id = 'TB0999' WHERE equipment_id = 'TB0101';
             UPDATE staff SET staff_id = lower(staff_id) WHERE staff_id = 'CB0104';",
        )
        .unwrap();
    let (_, v) = check_json(root, &["--as-of", "2025-06-01"]);
    let of = |id: &str| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["subject"] == id)
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(of("TB0101"), ["changed_identifier"], "{}", v["findings"]);
    assert_eq!(of("CB0104"), ["changed_identifier"], "{}", v["findings"]);
    let f = findings_of(&v, "changed_identifier")
        .into_iter()
        .find(|f| f["subject"] == "TB0101")
        .unwrap();
    assert_eq!(f["evidence"]["new_id"], "TB0999");
    assert!(f["evidence"]["change_count"].as_u64().unwrap() > 0, "{f}");
    assert!(
        f["evidence"]["last_seen_change"]["change_id"].is_i64(),
        "{f}"
    );
    assert!(
        f["message"]["vi"].as_str().unwrap().contains("TB0999"),
        "{f}"
    );
    // The report's Art. 6 line counts two violations: two renames, not four.
    let staff = findings_of(&v, "changed_identifier")
        .into_iter()
        .find(|f| f["subject"] == "CB0104")
        .unwrap();
    assert_eq!(staff["evidence"]["new_id"], "cb0104");
    assert_eq!(
        v["summary"]["by_rule"]["changed_identifier"].as_u64(),
        Some(2),
        "{}",
        v["summary"]
    );
}

/// Issue 29: an item moved to another school as the change log records it
/// (`relocated` there), and a school whose id was changed, are not codes
/// issued again (the school's own change is its finding).
#[test]
fn a_moved_item_or_a_renamed_school_is_no_reused_identifier() {
    let (dir, db) = fixture();
    let root = dir.path();
    configured(root, &db);
    backup_at(root, "2025-03-01T03:00:00Z");
    Connection::open(&db)
        .unwrap()
        .execute_batch(&format!(
            "PRAGMA foreign_keys = OFF;
             UPDATE equipment SET school_id = '{LATE}' WHERE equipment_id = 'TB0101';
             INSERT INTO equipment_changes (equipment_id, school_id, kind, occurred_on, recorded_at)
               VALUES ('TB0101', '{LATE}', 'relocated', '2025-04-01', '2025-04-02T08:00:00+07:00');
             UPDATE schools SET school_id = '79769901' WHERE school_id = '{APPROVALS}';
             UPDATE equipment SET school_id = '79769901' WHERE school_id = '{APPROVALS}';"
        ))
        .unwrap();
    let (_, v) = check_json(root, &["--as-of", "2025-06-01"]);
    assert!(
        findings_of(&v, "reused_identifier").is_empty(),
        "{}",
        v["findings"]
    );
}

/// Issue 29: a code deleted after a backup and issued again to a different
/// item of another school is `reused_identifier`, from the ledger and the
/// change log, and stays so after the next backup.
#[test]
fn a_code_issued_again_to_another_schools_item_is_reused_identifier() {
    let (dir, db) = fixture();
    let root = dir.path();
    configured(root, &db);
    backup_at(root, "2025-03-01T03:00:00Z");
    Connection::open(&db)
        .unwrap()
        .execute_batch(&format!(
            "DELETE FROM equipment WHERE equipment_id = 'TB0101';
             INSERT INTO equipment (equipment_id, school_id, name, subject, condition, created_at, updated_at)
               VALUES ('TB0101', '{LATE}', 'Đàn organ điện tử', 'Âm nhạc', 'good',
                       '2025-04-01T08:00:00+07:00', '2025-04-01T08:00:00+07:00');"
        ))
        .unwrap();
    for phase in ["before the next backup", "after it"] {
        if phase == "after it" {
            backup_at(root, "2025-04-02T03:00:00Z");
        }
        let (code, v) = check_json(root, &["--as-of", "2025-06-01"]);
        assert_eq!(code, 1, "{phase}");
        let found = findings_of(&v, "reused_identifier");
        assert_eq!(found.len(), 1, "{phase}: {}", v["findings"]);
        let f = found[0];
        assert_eq!(f["subject"], "TB0101");
        assert_eq!(f["school_id"], LATE);
        assert_eq!(f["severity"], "violation");
        assert_eq!(f["evidence"]["earlier_school_id"], CLEAN, "{f}");
        assert_eq!(f["evidence"]["school_id_now"], LATE, "{f}");
        assert_eq!(
            f["evidence"]["sources"],
            serde_json::json!(["ledger", "equipment_changes"]),
            "{phase}: {f}"
        );
        assert!(
            f["message"]["en"].as_str().unwrap().contains("Art. 6.2"),
            "{f}"
        );
        // It exists, so it is no deletion; and it is one fact, said once.
        assert!(
            !v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["subject"] == "TB0101"
                    && x["rule"] != "reused_identifier"
                    && x["rule"].as_str().unwrap().ends_with("_identifier")),
            "{phase}: {}",
            v["findings"]
        );
    }
}

/// Issue 14: an office must be able to declare a day off (24 Nov, Vietnam
/// Culture Day) without copying the policy folder; `calendar YEAR` shows it,
/// deadlines count it, and findings cite it.
#[test]
fn days_the_office_declares_in_its_config_are_shown_counted_and_cited() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let db = root.join("equipment.db");
    let f = Fixture::new(&db);
    f.school(
        CLEAN,
        "Trường THCS Nguyễn Ảnh Thủ",
        "2026-09-01T08:00:00+07:00",
        None,
    );
    f.equipment("TB0101", CLEAN, "good");
    // Mon 17 Nov 2026: deadline Mon 1 Dec, or Tue 2 Dec with 24 Nov off.
    f.change(
        1,
        "TB0101",
        CLEAN,
        "relocated",
        "2026-11-17",
        "2026-12-02T09:00:00+07:00",
    );
    f.change(
        2,
        "TB0101",
        CLEAN,
        "relocated",
        "2026-11-17",
        "2026-12-03T09:00:00+07:00",
    );
    drop(f);
    std::fs::write(
        root.join("eqvault.toml"),
        "[database]\npath = \"equipment.db\"\n\n[calendar]\nextra_days_off = [\n  { date = 2026-11-24, reason = \"Ngày Văn hóa Việt Nam\", source = \"Công văn 999/UBND-VX (thử)\" },\n]\n",
    )
    .unwrap();
    let (_, v) = check_json(
        root,
        &[
            "--as-of",
            "2026-12-31",
            "--config",
            "eqvault.toml",
            "--db",
            "equipment.db",
        ],
    );
    let late = findings_of(&v, "late_update");
    assert_eq!(late.len(), 1, "{}", v["findings"]);
    assert_eq!(late[0]["change_id"], 2);
    assert_eq!(late[0]["evidence"]["deadline"], "2026-12-02");
    assert_eq!(
        late[0]["evidence"]["office_days"][0]["source"],
        "Công văn 999/UBND-VX (thử)"
    );
    assert!(
        late[0]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("Ngày Văn hóa Việt Nam")
    );

    let out = eqvault(root)
        .args(["--json", "calendar", "2026"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cal: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let day = cal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["date"] == "2026-11-24")
        .expect("24 Nov listed");
    assert_eq!(day["office"], true);
    assert_eq!(day["status"], "day_off");
    assert_eq!(day["name_vi"], "Ngày Văn hóa Việt Nam");
    // And the lunar months, to compare with other implementations.
    assert_eq!(cal["lunar"]["tet"], "2026-02-17");
    assert_eq!(cal["lunar"]["leap_month"], serde_json::Value::Null);
    let starts = cal["lunar"]["month_starts"].as_array().unwrap();
    assert!(matches!(starts.len(), 12 | 13), "{starts:?}");
    let out = eqvault(root)
        .args(["--json", "calendar", "2025"])
        .output()
        .unwrap();
    let cal: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cal["lunar"]["leap_month"]["month"], 6);
    assert_eq!(cal["lunar"]["leap_month"]["starts"], "2025-07-25");

    // A day that is already off is refused, naming the file, line and key.
    std::fs::write(
        root.join("eqvault.toml"),
        "[database]\npath = \"equipment.db\"\n\n[calendar]\nextra_days_off = [\n  { date = 2026-11-22, reason = \"Chủ nhật\", source = \"x\" },\n]\n",
    )
    .unwrap();
    let out = eqvault(root)
        .args(["check", "--config", "eqvault.toml", "--db", "equipment.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("eqvault.toml, line 6") && err.contains("calendar.extra_days_off[0]"),
        "{err}"
    );
}

/// The same database read directly and through an identity mapping gives
/// the same findings, window and notes for every kind of period, also when
/// a use is its earliest record: through a mapping the uses are read in the
/// background and the window waits for them only when they can move it.
#[test]
fn an_identity_mapping_gives_the_window_and_findings_of_the_database_read_directly() {
    let (dir, db) = fixture();
    let mapping = identity_mapping(dir.path(), "identity.sql", |_| None);
    let periods: [(&str, Option<&str>, Option<&str>); 5] = [
        (AS_OF, None, None),
        (AS_OF, Some("2020-01-01"), None),
        (AS_OF, Some("2025-03-01"), Some("2025-03-31")),
        (AS_OF, None, Some("2023-06-30")),
        ("2024-10-20", Some("2024-01-01"), None),
    ];
    let compare = |label: &str| {
        for (as_of, from, to) in periods {
            let direct = plan(&db, as_of, from, to);
            let mut mapped = direct.clone();
            mapped.mapping = Some(mapping.clone());
            let (fa, a) = run(&direct);
            let (fb, b) = run(&mapped);
            let what = format!("{label} {as_of} {from:?} {to:?}");
            assert_eq!(keys(&fa), keys(&fb), "{what}");
            for (x, y) in [
                (json(&a.window), json(&b.window)),
                (json(&a.notes), json(&b.notes)),
                (json(&a.skipped), json(&b.skipped)),
                (json(&a.summary), json(&b.summary)),
            ] {
                assert_eq!(x, y, "{what}");
            }
        }
    };
    compare("as built");
    // A use before every other record moves where the data starts.
    let c = Connection::open(&db).unwrap();
    c.execute(
        "INSERT INTO equipment_usage (usage_id, equipment_id, school_id, used_on) \
         SELECT 999999, equipment_id, school_id, '2023-05-10' FROM equipment LIMIT 1",
        [],
    )
    .unwrap();
    drop(c);
    compare("with an early use");
}

/// A mapping in `dir/name` with one view per reference table over the table
/// itself: `SELECT *`, or the columns `columns` names for it.
fn identity_mapping(
    dir: &Path,
    name: &str,
    columns: impl Fn(&str) -> Option<&'static str>,
) -> eqvault::mapping::Mapping {
    let views: String = eqvault::mapping::reference::tables()
        .iter()
        .map(|t| {
            let cols = columns(&t.name).unwrap_or("*");
            format!("CREATE VIEW {0} AS SELECT {cols} FROM main.{0};\n", t.name)
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, views).unwrap();
    eqvault::mapping::Mapping::load(&path).unwrap()
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

/// The uses are read in the background through a mapping: a view that
/// lacks a column they need still fails before the first finding.
#[test]
fn a_mapping_without_a_column_the_uses_need_fails_before_any_finding() {
    let (dir, db) = fixture();
    let mapping = identity_mapping(dir.path(), "no-usage-id.sql", |t| {
        (t == "equipment_usage")
            .then_some("equipment_id, school_id, staff_id, class_name, used_on, lesson_periods")
    });
    let mut p = plan(&db, AS_OF, None, None);
    p.mapping = Some(mapping);
    let mut found = 0;
    let r = eqvault::policy::check(
        &Policies::built_in().unwrap(),
        &p,
        StoreInput::NoConfig,
        &mut |_| found += 1,
    );
    match r {
        Err(eqvault::policy::PolicyError::Schema { detail, .. }) => {
            assert!(detail.contains("usage_id"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(found, 0);
}
