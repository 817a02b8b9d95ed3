//! Issue 32: a backup that sees the data vanish keeps the last good copy and
//! says so. Real demo databases (the reference schema), real backups to a
//! local store, real SQL deletions between them.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// A fixture backing up a demo database (a few MB, the reference schema).
fn demo(fx: &Fixture) -> PathBuf {
    let db = demo_database(&fx.path().join("demo"));
    fx.write_config_with(&db, "30s", &[StoreSpec::Local(fx.store.clone())]);
    db
}

fn sql(db: &Path, text: &str) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch(text).unwrap();
}

fn count(db: &Path, table: &str) -> u64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// `backup --json ARGS`, each a minute after the last (ids are per second:
/// two backups in one second would order by their random suffix).
fn backup(fx: &Fixture, args: &[&str], code: i32) -> serde_json::Value {
    static N: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let k = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let at = (chrono::Utc::now() - chrono::Duration::minutes(120 - k)).to_rfc3339();
    let mut a = vec!["backup", "--json", "--at", &at];
    a.extend_from_slice(args);
    fx.run(&a).code(code).json()
}

/// A good backup, 60 % of the equipment deleted, a backup that trips the
/// guard (exit 1): (the last good snapshot, the suspect one).
fn trip(fx: &Fixture, db: &Path) -> (String, String) {
    let good = backup(fx, &[], 0)["id"].as_str().unwrap().to_string();
    sql(db, "DELETE FROM equipment WHERE rowid % 5 < 3;");
    let bad = backup(fx, &[], 1)["id"].as_str().unwrap().to_string();
    (good, bad)
}

/// A file named `name` anywhere under `root`.
fn find(root: &Path, name: &str) -> Option<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy() == name)
        .map(walkdir::DirEntry::into_path)
}

/// 60 % of the equipment rows deleted between two backups: the new snapshot
/// is stored and marked suspect (signed metadata), the previous one is held
/// (signed), backup exits 1 naming the table and the figures; `status` exits
/// 1, `restore latest` and `drill latest` name both snapshots and pick
/// neither, until `guard ack`.
#[test]
fn sixty_percent_of_the_equipment_deleted_holds_the_last_good_copy_until_acknowledged() {
    let fx = Fixture::new();
    let db = demo(&fx);
    let before = count(&db, "equipment");
    assert!(before > 100, "the demo has {before} items");
    let good = backup(&fx, &[], 0)["id"].as_str().unwrap().to_string();
    sql(&db, "DELETE FROM equipment WHERE rowid % 5 < 3;");
    let after = count(&db, "equipment");

    let v = backup(&fx, &[], 1);
    let bad = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["held"], good.as_str(), "{v:#}");
    let s = &v["suspect"];
    assert_eq!(s["previous"], good.as_str(), "{v:#}");
    let t = s["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "equipment")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(
        (t["before"].as_u64(), t["after"].as_u64()),
        (Some(before), Some(after))
    );
    assert!(
        s["identifiers_gone"].as_u64().unwrap() >= before - after - 1,
        "{v:#}"
    );
    // The mark is in the signed metadata; the hold is a signed record.
    let meta = find(&fx.store, &format!("{bad}.json")).unwrap();
    assert!(
        std::fs::read_to_string(&meta)
            .unwrap()
            .contains("\"suspect\"")
    );
    assert!(find(&fx.store, &format!("{bad}.json.sig")).is_some());
    let hold = find(&fx.store, &format!("{good}.json"))
        .into_iter()
        .chain(
            walkdir::WalkDir::new(&fx.store)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| {
                    e.path().to_string_lossy().contains("/holds/")
                        && e.file_name().to_string_lossy() == format!("{good}.json")
                })
                .map(walkdir::DirEntry::into_path),
        )
        .find(|p| p.to_string_lossy().contains("/holds/"))
        .unwrap_or_else(|| panic!("no hold on {good}"));
    let reason = std::fs::read_to_string(&hold).unwrap();
    assert!(
        reason.contains("dữ liệu giảm bất thường") && reason.contains("equipment"),
        "{reason}"
    );

    // Said in words too (Vietnamese by default).
    let run = Run::of(
        eqvault()
            .env_remove("EQVAULT_LANG")
            .arg("--config")
            .arg(&fx.config)
            .arg("status")
            .output()
            .unwrap(),
    )
    .code(1);
    assert!(
        run.stdout.contains("nghi vấn") || run.stderr.contains("nghi vấn"),
        "{run:?}"
    );

    // Nothing picks the suspect snapshot silently.
    let target = fx.path().join("restored.db");
    let run = fx
        .run(&["restore", "latest", "--to", target.to_str().unwrap()])
        .code(2);
    assert!(
        run.stderr.contains(&bad) && run.stderr.contains(&good) && run.stderr.contains("suspect"),
        "{}",
        run.stderr
    );
    assert!(!target.exists());
    fx.run(&["drill", "latest"]).code(2);
    // The last good copy, by its id, restores whole.
    fx.run(&["restore", &good, "--to", target.to_str().unwrap()])
        .ok();
    assert_eq!(count(&target, "equipment"), before);
    // The next night, with the damage still there: suspect again, compared with the good one.
    let v = backup(&fx, &[], 1);
    assert_eq!(v["suspect"]["previous"], good.as_str(), "{v:#}");
    let again = v["id"].as_str().unwrap().to_string();

    // Acknowledged (a planned clean-up after all): status is clean, latest is latest.
    // One drop, one acknowledgement: the newest covers the earlier night's.
    let acked = fx
        .run(&[
            "guard",
            "ack",
            &again,
            "--reason",
            "dọn dữ liệu thử nghiệm",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(acked["also"], serde_json::json!([bad]), "{acked:#}");
    fx.run(&["status"]).ok();
    let other = fx.path().join("latest.db");
    fx.run(&["restore", "latest", "--to", other.to_str().unwrap()])
        .ok();
    assert_eq!(count(&other, "equipment"), after);
    // And the next backup (now: after the acknowledgement, which a backup
    // dated before it does not believe yet) compares with the acknowledged
    // one: no drop, no mark.
    let v = fx.run(&["backup", "--json"]).ok().json();
    assert!(v.get("suspect").is_none(), "{v:#}");
    // A store added later gets the acknowledgements (and the hold) from sync.
    let b = fx.path().join("store-b");
    std::fs::create_dir(&b).unwrap();
    fx.run(&["store", "add", b.to_str().unwrap(), "--create-store"])
        .ok();
    fx.run(&["sync"]).ok();
    for name in [format!("{bad}.json"), format!("{bad}.json.sig")] {
        assert!(
            walkdir::WalkDir::new(&b)
                .into_iter()
                .filter_map(Result::ok)
                .any(|e| e.path().to_string_lossy().contains("/guard/")
                    && e.file_name().to_string_lossy() == name),
            "sync did not copy guard/{name}"
        );
    }
}

/// A planned deletion announced with `--expect-drop` passes quietly.
#[test]
fn a_planned_drop_with_expect_drop_passes_quietly() {
    let fx = Fixture::new();
    let db = demo(&fx);
    backup(&fx, &[], 0);
    sql(&db, "DELETE FROM equipment_usage WHERE rowid % 2 = 0;");
    let v = backup(&fx, &["--expect-drop"], 0);
    assert!(
        v.get("suspect").is_none() && v.get("held").is_none(),
        "{v:#}"
    );
    fx.run(&["status"]).ok();
}

/// Ordinary work never trips the guard: a day's and a term's worth of new
/// items, uses, changes and status updates between two backups.
#[test]
fn ordinary_work_never_trips_the_guard() {
    let fx = Fixture::new();
    let db = demo(&fx);
    backup(&fx, &[], 0);
    let work = |k: &str, n: u32| {
        format!(
            "INSERT INTO equipment (equipment_id, school_id, catalog_code, name, subject, grade, unit, quantity, source, year_in_use, location, condition, created_at, updated_at)
               SELECT 'N{k}-' || equipment_id, school_id, catalog_code, name, subject, grade, unit, quantity, source, 2026, location, 'good', '2026-12-05T08:00:00+07:00', '2026-12-05T08:00:00+07:00' FROM equipment LIMIT {items};
             INSERT INTO equipment_usage (equipment_id, school_id, staff_id, class_name, used_on, lesson_periods)
               SELECT equipment_id, school_id, NULL, '7A1', '2026-12-05', 1 FROM equipment LIMIT {uses};
             INSERT INTO equipment_changes (equipment_id, school_id, kind, occurred_on, recorded_at, recorded_by)
               SELECT equipment_id, school_id, 'condition_changed', '2026-12-05', '2026-12-05T09:00:00+07:00', NULL FROM equipment LIMIT {changes};
             UPDATE equipment SET condition = 'damaged', updated_at = '2026-12-05T09:00:00+07:00' WHERE rowid % {every} = 0;
             UPDATE equipment SET condition = 'disposed', updated_at = '2026-12-05T09:00:00+07:00' WHERE rowid % {every} = 1;",
            items = 5 * n,
            uses = 200 * n,
            changes = 20 * n,
            every = 200 / n.min(100)
        )
    };
    // A day.
    sql(&db, &work("d", 1));
    let v = backup(&fx, &[], 0);
    assert!(v.get("suspect").is_none(), "{v:#}");
    // A term (about 90 school days).
    sql(&db, &work("t", 90));
    let v = backup(&fx, &[], 0);
    assert!(v.get("suspect").is_none(), "{v:#}");
    fx.run(&["status"]).ok();
}

/// The scheduled backup that trips the guard fails loudly: an alert email
/// reaches a real SMTP server with the table and the counts in Vietnamese,
/// and the ping's fail URL is called.
#[test]
fn a_tripped_guard_alerts_by_email_and_the_fail_ping_in_vietnamese() {
    use std::time::Duration;
    let fx = Fixture::new();
    let db = demo(&fx);
    let inbox = fx.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let mut smtp = PyChild::spawn(SMTP_SINK_PY, &[&inbox.to_string_lossy()]);
    let port: u16 = smtp
        .line()
        .trim()
        .parse()
        .expect("aiosmtpd prints its port");
    let web = Receiver::start();
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str(&format!(
        "\n[office]\nname = \"Sở Giáo dục và Đào tạo TP.HCM\"\n\
         [schedule]\nbackup = {{ cron = \"0 30 1 * * *\", ping_fail = \"{}\" }}\n\
         [alerts.email]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
         from = \"eqvault <eqvault@localhost>\"\nto = [\"it@sgddt.example.vn\"]\n",
        web.url("/ping/tok/fail"),
    ));
    std::fs::write(&fx.config, cfg).unwrap();
    fx.run(&["schedule", "run", "backup"]).ok();
    sql(&db, "DELETE FROM equipment WHERE rowid % 5 < 3;");
    let r = fx.run(&["schedule", "run", "backup"]).code(1);
    assert!(r.stdout.contains("backup"), "{r:?}");
    wait_until(Duration::from_secs(20), "the alert email", || {
        !mails(&inbox).is_empty()
    });
    let m = mails(&inbox);
    let body = m[0]["body"].as_str().unwrap();
    assert!(
        body.contains("DỮ LIỆU GIẢM BẤT THƯỜNG")
            && body.contains("equipment")
            && body.contains("−60 %"),
        "{body}"
    );
    wait_until(Duration::from_secs(20), "the fail ping", || {
        web.seen().iter().any(|(_, p, _)| p == "/ping/tok/fail")
    });
}

/// The live database overwritten with random bytes (ransomware): backup
/// exits 2 naming it, nothing is stored, and the last good snapshot is held.
#[test]
fn a_database_overwritten_with_random_bytes_is_named_and_the_last_good_copy_held() {
    let fx = Fixture::new();
    let db = demo(&fx);
    let good = backup(&fx, &[], 0)["id"].as_str().unwrap().to_string();
    let n = std::fs::metadata(&db).unwrap().len() as usize;
    let noise: Vec<u8> = (0..n).map(|_| rand::random::<u8>()).collect();
    std::fs::write(&db, noise).unwrap();
    let run = fx.run(&["backup"]).code(2);
    assert!(
        run.stderr.contains(&db.to_string_lossy().into_owned())
            && run.stderr.contains("not a SQLite database")
            && run
                .stderr
                .contains(&format!("the last good snapshot {good} is held")),
        "{}",
        run.stderr
    );
    let listed = fx.run(&["snapshots", "--json"]).ok().json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed:#}");
    let hold = walkdir::WalkDir::new(&fx.store)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| {
            e.path().to_string_lossy().contains("/holds/")
                && e.file_name().to_string_lossy() == format!("{good}.json")
        });
    assert!(hold.is_some(), "no hold on {good}");
    // Once the database is back, the report shows the hold and why.
    fx.run(&["restore", &good, "--to", db.to_str().unwrap(), "--force"])
        .ok();
    let v = report_json(&fx);
    let holds = v["backup"]["holds"].as_array().unwrap();
    assert!(
        holds.iter().any(|h| h["snapshot"] == good.as_str()
            && h["reason"].as_str().unwrap().contains("không còn đọc được")),
        "{:#}",
        v["backup"]
    );
}

/// `n` as Vietnamese writes it (`12.345`).
fn vi_int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `report --format json` of the default period (the school year so far).
fn report_json(fx: &Fixture) -> serde_json::Value {
    let out = fx.path().join(format!("r-{}.json", rand::random::<u32>()));
    let r = fx.run(&["report", "--format", "json", "--out", out.to_str().unwrap()]);
    assert!(matches!(r.code, Some(0 | 1)), "{r:?}");
    serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
}

/// `report --format FORMAT` in `lang`, as text (PDF through pdftotext),
/// with runs of white space made one space.
fn report_text(fx: &Fixture, format: &str, lang: &str) -> String {
    let out = fx
        .path()
        .join(format!("r-{}.{format}", rand::random::<u32>()));
    let r = fx.run(&[
        "--lang",
        lang,
        "report",
        "--format",
        format,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(matches!(r.code, Some(0 | 1)), "{r:?}");
    let text = if format == "pdf" {
        let o = std::process::Command::new("pdftotext")
            .arg(&out)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils, which scripts/test.sh installs)");
        assert!(o.status.success());
        String::from_utf8(o.stdout).unwrap()
    } else {
        std::fs::read_to_string(&out).unwrap()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The report shows the guard's events as evidence under Art. 6 and 12: the
/// suspect snapshot with the table and counts, the last good copy held (and
/// why), whether and why it was acknowledged; in the signed document's body
/// too, so the head of office signs knowing.
#[test]
fn the_report_shows_the_guard_events_as_evidence_under_art6_and_art12() {
    let fx = Fixture::new();
    let db = demo(&fx);
    let before = count(&db, "equipment");
    let (good, bad) = trip(&fx, &db);
    let after = count(&db, "equipment");

    let v = report_json(&fx);
    let b = &v["backup"];
    let events = b["guard"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{b:#}");
    let e = &events[0];
    assert_eq!(
        (&e["snapshot"], &e["previous"], &e["previous_held"]),
        (
            &serde_json::json!(bad),
            &serde_json::json!(good),
            &serde_json::json!(true)
        ),
        "{e:#}"
    );
    assert!(e["acknowledged"].is_null(), "{e:#}");
    let t = e["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "equipment")
        .unwrap_or_else(|| panic!("{e:#}"));
    assert_eq!(
        (t["before"].as_u64(), t["after"].as_u64()),
        (Some(before), Some(after))
    );
    assert_eq!(b["newest"]["id"], bad.as_str());
    assert_eq!(b["newest"]["suspect"], true);
    assert!(
        b["holds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["snapshot"] == good.as_str()
                && h["reason"].as_str().unwrap().contains("equipment")),
        "{b:#}"
    );
    for art in ["art6", "art12_1"] {
        let a = v["articles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["article"] == art)
            .unwrap_or_else(|| panic!("no {art}"));
        assert!(
            a["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["kind"] == "guard"
                    && x["id"] == bad.as_str()
                    && x["detail"].as_str().unwrap().contains(&good)
                    && x["detail"].as_str().unwrap().contains("not acknowledged")),
            "{art}: {:#}",
            a["evidence"]
        );
    }

    // The dashboard and Markdown, in Vietnamese (the default for people).
    let html = report_text(&fx, "html", "vi");
    for want in [
        "id=\"guard-table\"",
        "Dữ liệu giảm bất thường (Điều 6, Điều 12)",
        bad.as_str(),
        "chưa xác nhận",
        "đã giữ lại",
        "bị đánh dấu nghi vấn",
        "1 lần sao lưu thấy dữ liệu giảm bất thường (xem mục 5)",
        "id=\"holds-table\"",
    ] {
        assert!(html.contains(want), "the HTML lacks {want}");
    }
    // In section 5 (backups), where the article note points.
    let section5 = html
        .split("<section id=\"backup\"")
        .nth(1)
        .and_then(|s| s.split("<section").next())
        .unwrap();
    assert!(
        section5.contains("id=\"guard-table\"") && section5.contains("id=\"holds-table\""),
        "the guard's tables are not in section 5"
    );
    let wanted = format!("bảng equipment {} → {} dòng", vi_int(before), vi_int(after));
    assert!(html.contains(&wanted), "the HTML lacks {wanted}");
    let md = report_text(&fx, "md", "en");
    assert!(
        md.contains("### Abnormal data drops (Art. 6, Art. 12)")
            && md.contains(&format!("`{bad}`"))
            && md.contains("**not acknowledged**"),
        "{md}"
    );
    // The document the head of office signs says it in its body.
    let pdf = report_text(&fx, "pdf", "vi");
    let body = pdf.split("Nơi nhận").next().unwrap();
    assert!(
        body.contains("ghi nhận 1 bản sao lưu có dữ liệu giảm bất thường (Điều 6, Điều 12)")
            && body.contains("chưa có ai xác nhận"),
        "{body}"
    );

    // Acknowledged: the report says when and why.
    fx.run(&[
        "guard",
        "ack",
        &bad,
        "--reason",
        "thanh lý theo quyết định 12/QĐ",
    ])
    .ok();
    let v = report_json(&fx);
    let ack = &v["backup"]["guard"][0]["acknowledged"];
    assert_eq!(ack["reason"], "thanh lý theo quyết định 12/QĐ", "{v:#}");
    let md = report_text(&fx, "md", "vi");
    assert!(md.contains("thanh lý theo quyết định 12/QĐ"), "{md}");
}

/// The snapshot the guard marked is evidence: retention keeps it while
/// nobody has acknowledged it, even where its rules would drop it. Once
/// acknowledged it may go, and the report still shows the event, from the
/// acknowledgement (which recorded what the guard saw).
#[test]
fn retention_keeps_a_suspect_snapshot_until_acknowledged_and_the_event_outlives_it() {
    let fx = Fixture::new();
    let db = demo(&fx);
    let mut cfg = std::fs::read_to_string(&fx.config).unwrap();
    cfg.push_str(
        "\n[retention]\nkeep_last = 1\nkeep_daily = 0\nkeep_weekly = 0\nkeep_monthly = 0\nkeep_yearly = 0\n",
    );
    std::fs::write(&fx.config, cfg).unwrap();
    let (good, bad) = trip(&fx, &db);
    // The deletion was planned after all: the next backup says so, and one more follows.
    let planned = backup(&fx, &["--expect-drop"], 0)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let newest = backup(&fx, &[], 0)["id"].as_str().unwrap().to_string();
    let ids = |v: &serde_json::Value, k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    let plan = fx.run(&["prune", "--dry-run", "--json"]).ok().json();
    let kept = ids(&plan, "keep");
    assert!(kept.contains(&bad), "{plan:#}");
    assert!(kept.contains(&good) && kept.contains(&newest), "{plan:#}");
    assert!(ids(&plan, "remove").contains(&planned), "{plan:#}");
    let why = plan["keep"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == bad.as_str())
        .map(|d| d["reasons"].to_string())
        .unwrap();
    assert!(why.contains("deletion guard"), "{why}");

    fx.run(&["guard", "ack", &bad, "--reason", "thanh lý thiết bị hỏng"])
        .ok();
    let done = fx.run(&["prune", "--json"]).ok().json();
    assert!(ids(&done, "remove").contains(&bad), "{done:#}");
    let listed = fx.run(&["snapshots", "--json"]).ok().json();
    assert!(!listed.to_string().contains(&bad), "{listed:#}");
    let v = report_json(&fx);
    let events = v["backup"]["guard"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{:#}", v["backup"]);
    let e = &events[0];
    assert_eq!(e["snapshot"], bad.as_str());
    assert_eq!(e["previous"], good.as_str());
    assert_eq!(e["acknowledged"]["reason"], "thanh lý thiết bị hỏng");
    assert!(
        e["tables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["table"] == "equipment"),
        "{e:#}"
    );
}

/// An acknowledgement signed by a trusted key but dated in 2099 (a host with
/// a wrong clock) is not believed yet: `status` still exits 1, prune keeps
/// the snapshot, the report calls it not acknowledged.
#[test]
fn an_acknowledgement_dated_in_2099_is_not_believed() {
    let fx = Fixture::new();
    let db = demo(&fx);
    let (_, bad) = trip(&fx, &db);
    let dir = fx.store.join("guard");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{bad}.json"));
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&serde_json::json!({
            "id": bad,
            "reason": "từ tương lai",
            "acknowledged_at": "2099-01-01T08:00:00+07:00",
        }))
        .unwrap(),
    )
    .unwrap();
    fx.sign(&path, eqvault::trust::Kind::GuardAck);
    fx.run(&["status"]).code(1);
    let v = report_json(&fx);
    assert!(
        v["backup"]["guard"][0]["acknowledged"].is_null(),
        "{:#}",
        v["backup"]
    );
    let plan = fx.run(&["prune", "--dry-run", "--json"]).ok().json();
    assert!(
        plan["keep"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == bad.as_str()),
        "{plan:#}"
    );
}

/// Someone who can write to the store cannot acknowledge a drop: a genuine
/// acknowledgement of another snapshot copied under this one's name, and an
/// unsigned one, acknowledge nothing; `status` still exits 1.
#[test]
fn a_replayed_or_unsigned_acknowledgement_acknowledges_nothing() {
    let fx = Fixture::new();
    let db = demo(&fx);
    let (_, first) = trip(&fx, &db);
    fx.run(&["guard", "ack", &first, "--reason", "đã kiểm tra"])
        .ok();
    // A second drop, against the acknowledged snapshot.
    sql(&db, "DELETE FROM equipment WHERE rowid % 5 < 3;");
    let second = backup(&fx, &[], 1)["id"].as_str().unwrap().to_string();
    let dir = fx.store.join("guard");
    let genuine = dir.join(format!("{first}.json"));
    let planted = dir.join(format!("{second}.json"));
    std::fs::copy(&genuine, &planted).unwrap();
    std::fs::copy(
        dir.join(format!("{first}.json.sig")),
        dir.join(format!("{second}.json.sig")),
    )
    .unwrap();
    fx.run(&["status"]).code(1);
    // Unsigned, with the right name and content.
    let body = std::fs::read_to_string(&genuine)
        .unwrap()
        .replace(&first, &second);
    std::fs::write(&planted, body).unwrap();
    std::fs::remove_file(dir.join(format!("{second}.json.sig"))).unwrap();
    fx.run(&["status"]).code(1);
    let v = report_json(&fx);
    let e = v["backup"]["guard"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["snapshot"] == second.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("{:#}", v["backup"]));
    assert!(e["acknowledged"].is_null(), "{e:#}");
}
