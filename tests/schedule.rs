//! Unattended operation (issue 7): the scheduler on a controlled clock, catch-up, one
//! instance of a job across processes, alerts to a real SMTP server and a real HTTP
//! receiver, and `eqvault daemon` stopped by a real SIGTERM.
//!
//! Every wait has a deadline; every server listens on 127.0.0.1 only.

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, TimeZone, Utc};
use common::{
    Fixture, HOLD_EXCLUSIVE_PY, PyChild, Receiver, SMTP_SINK_PY, files_ending, files_under, mails,
    stored_files, wait_until,
};
use eqvault::Config;
use eqvault::schedule::history::{History, RunStatus};
use eqvault::schedule::lock::{self, TryLock};
use eqvault::schedule::{Clock, Due, ManualClock, Runner, Timetable, Trigger, drive};
use futures::future::LocalBoxFuture;
use tokio_util::sync::CancellationToken;

// ---- the scheduler on a controlled clock --------------------------------------------

/// Ho Chi Minh City local time.
fn vn(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Ho_Chi_Minh
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn timetable(schedule: &str) -> Timetable {
    let text = format!("[database]\npath = \"x.db\"\n[schedule]\n{schedule}");
    let cfg = Config::from_text(Path::new("/srv/eq/eqvault.toml"), &text).unwrap();
    Timetable::new(&cfg.schedule).unwrap()
}

/// Records each run with the clock's time; each run "takes" `takes` of clock time.
struct Recorder<'a> {
    clock: &'a ManualClock,
    takes: chrono::Duration,
    runs: RefCell<Vec<(String, DateTime<Utc>, Trigger)>>,
}

impl Runner for Recorder<'_> {
    fn run<'a>(&'a self, due: &'a Due) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            self.runs
                .borrow_mut()
                .push((due.job.clone(), self.clock.now(), due.trigger));
            self.clock.advance(self.takes);
        })
    }
}

/// Drives `table` from `start` until the clock passes `limit`; returns the runs.
async fn drive_between(
    table: Timetable,
    start: DateTime<Utc>,
    limit: DateTime<Utc>,
    last_runs: HashMap<String, DateTime<Utc>>,
) -> Vec<(String, DateTime<Utc>, Trigger)> {
    let stop = CancellationToken::new();
    let clock = ManualClock::new(start, limit, stop.clone());
    let rec = Recorder {
        clock: &clock,
        takes: chrono::Duration::minutes(3),
        runs: RefCell::new(Vec::new()),
    };
    tokio::time::timeout(
        Duration::from_secs(10),
        drive(table, &clock, &rec, &stop, &last_runs),
    )
    .await
    .expect("the loop ends when the clock passes its limit");
    rec.runs.into_inner()
}

#[tokio::test]
async fn controlled_clock_jobs_fire_at_their_cron_times() {
    let table = timetable(
        "backup = { cron = \"0 30 1 * * *\" }\n\
         verify = { cron = \"0 0 3 * * Sun\" }\n\
         drill = { cron = \"0 0 4 1 1,4,7,10 *\" }\n",
    );
    // Saturday 28 March 2026 to Thursday 2 April, Ho Chi Minh City time.
    let runs = drive_between(
        table,
        vn(2026, 3, 28, 0, 0),
        vn(2026, 4, 2, 0, 0),
        HashMap::new(),
    )
    .await;
    let s = Trigger::Schedule;
    assert_eq!(
        runs,
        vec![
            ("backup".into(), vn(2026, 3, 28, 1, 30), s),
            ("backup".into(), vn(2026, 3, 29, 1, 30), s),
            ("verify".into(), vn(2026, 3, 29, 3, 0), s),
            ("backup".into(), vn(2026, 3, 30, 1, 30), s),
            ("backup".into(), vn(2026, 3, 31, 1, 30), s),
            ("backup".into(), vn(2026, 4, 1, 1, 30), s),
            ("drill".into(), vn(2026, 4, 1, 4, 0), s),
        ]
    );
}

#[tokio::test]
async fn controlled_clock_a_gap_covering_two_backup_times_gives_one_catch_up_run_on_start() {
    let table = timetable("backup = { cron = \"0 30 1 * * *\" }\n");
    // The last backup ran on the 28th; the machine was off over the 29th and 30th at 01:30.
    let last = HashMap::from([("backup".to_string(), vn(2026, 3, 28, 1, 30))]);
    let runs = drive_between(table, vn(2026, 3, 30, 9, 0), vn(2026, 3, 31, 0, 0), last).await;
    assert_eq!(
        runs,
        vec![("backup".into(), vn(2026, 3, 30, 9, 0), Trigger::CatchUp)],
        "exactly one catch-up run, at start, and no other run before the next 01:30"
    );
}

#[tokio::test]
async fn controlled_clock_catch_up_false_gives_no_catch_up_run() {
    let table = timetable(
        "backup = { cron = \"0 30 1 * * *\", catch_up = false }\n\
         verify = { cron = \"0 0 3 * * Sun\" }\n",
    );
    let last = HashMap::from([
        ("backup".to_string(), vn(2026, 3, 28, 1, 30)),
        // verify last ran the Sunday before; it missed the 29th and catches up.
        ("verify".to_string(), vn(2026, 3, 22, 3, 0)),
    ]);
    let runs = drive_between(table, vn(2026, 3, 30, 9, 0), vn(2026, 3, 31, 2, 0), last).await;
    assert_eq!(
        runs,
        vec![
            ("verify".into(), vn(2026, 3, 30, 9, 0), Trigger::CatchUp),
            ("backup".into(), vn(2026, 3, 31, 1, 30), Trigger::Schedule),
        ]
    );
}

// ---- config ----------------------------------------------------------------------------

#[test]
fn job_options_belong_to_their_job_and_alert_secrets_never_show() {
    let base = "[database]\npath = \"x.db\"\n";
    let ok = format!(
        "{base}[schedule]\nverify = {{ cron = \"0 0 3 * * Sun\", read_data = true }}\n\
         drill = {{ cron = \"0 0 4 1 * *\", pick = \"random\", ping_fail = \"https://hc-ping.com/SECRET-TOKEN-1/fail\" }}\n\
         [alerts]\nping_success = \"https://hc-ping.com/SECRET-TOKEN-2\"\n\
         [alerts.email]\nhost = \"smtp.example.vn\"\ntls = \"starttls\"\nfrom = \"eqvault@example.vn\"\nto = [\"it@example.vn\"]\n\
         username = \"eqvault\"\npassword = \"SMTP-PASSWORD-XYZ\"\n"
    );
    let c = Config::from_text(Path::new("c.toml"), &ok).unwrap();
    let verify = c.schedule.jobs.iter().find(|j| j.name == "verify").unwrap();
    assert!(verify.options.read_data);
    let drill = c.schedule.jobs.iter().find(|j| j.name == "drill").unwrap();
    assert_eq!(drill.options.pick.as_deref(), Some("random"));
    assert_eq!(c.alerts.email.as_ref().unwrap().port(), 587);
    let debug = format!("{c:?}");
    for secret in ["SECRET-TOKEN-1", "SECRET-TOKEN-2", "SMTP-PASSWORD-XYZ"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }

    let misplaced =
        format!("{base}[schedule]\nbackup = {{ cron = \"0 30 1 * * *\",\n read_data = true }}\n");
    let e = Config::from_text(Path::new("c.toml"), &misplaced)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("schedule.backup.read_data")
            && e.contains("only the verify job")
            && e.contains("line 5"),
        "{e}"
    );

    // The report job's own options: a period that has just ended, formats to write.
    let report = format!(
        "{base}[schedule]\nreport = {{ cron = \"0 0 7 1 * *\", period = \"previous-month\", format = [\"xlsx\", \"pdf\", \"xlsx\"] }}\n"
    );
    let c = Config::from_text(Path::new("c.toml"), &report).unwrap();
    let job = c.schedule.jobs.iter().find(|j| j.name == "report").unwrap();
    assert_eq!(
        job.options.period,
        Some(eqvault::config::ReportEvery::PreviousMonth)
    );
    assert_eq!(job.options.formats, ["xlsx", "pdf"], "each format once");
    for (text, want) in [
        (
            "backup = { cron = \"0 0 7 1 * *\", period = \"term\" }",
            "only the report job takes `period`",
        ),
        (
            "report = { cron = \"0 0 7 1 * *\", period = \"quarter\" }",
            "\"quarter\" is not a report period",
        ),
        (
            "report = { cron = \"0 0 7 1 * *\", format = [\"docx\"] }",
            "\"docx\" is not a report format",
        ),
        (
            "report = { cron = \"0 0 7 1 * *\", format = [] }",
            "at least one format",
        ),
    ] {
        let e = Config::from_text(Path::new("c.toml"), &format!("{base}[schedule]\n{text}\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{text}: {e}");
    }

    let bad_url = format!("{base}[alerts]\nping_fail = \"ftp://hc-ping.com/SECRET-TOKEN-3\"\n");
    let e = Config::from_text(Path::new("c.toml"), &bad_url)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("alerts.ping_fail") && !e.contains("SECRET-TOKEN-3"),
        "{e}"
    );
}

// ---- helpers for the binary --------------------------------------------------------------

/// Appends TOML to the fixture's config.
fn append_config(f: &Fixture, text: &str) {
    let mut c = std::fs::read_to_string(&f.config).unwrap();
    c.push('\n');
    c.push_str(text);
    std::fs::write(&f.config, c).unwrap();
}

/// A real SMTP server (aiosmtpd) saving each message under `inbox/` in the
/// fixture's folder: the folder, the server, its port.
fn smtp_sink(f: &Fixture) -> (PathBuf, PyChild, u16) {
    let inbox = f.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let mut smtp = PyChild::spawn(SMTP_SINK_PY, &[&inbox.to_string_lossy()]);
    let port: u16 = smtp.line().parse().expect("aiosmtpd prints its port");
    (inbox, smtp, port)
}

/// `eqvault --config CONFIG ARGS…` as a child process (stdout and stderr
/// piped), as a person runs it: no language set, so Vietnamese.
fn spawn(f: &Fixture, args: &[&str]) -> Child {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("eqvault"));
    for v in [
        "EQVAULT_CONFIG",
        "EQVAULT_LANG",
        "EQVAULT_LOG",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        c.env_remove(v);
    }
    c.arg("--config")
        .arg(&f.config)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn eqvault")
}

/// Waits for `child` at most `limit`; returns (exit code, stdout, stderr).
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String, String) {
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("eqvault did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), out, err)
}

/// Complete snapshots (objects with metadata) in a local store.
fn snapshots(store: &Path) -> usize {
    files_ending(store, ".tar.zst.age").len()
}

/// Asserts that every object in `store` has its metadata and every metadata its object,
/// and that no half-written file is left.
#[track_caller]
fn assert_nothing_incomplete(store: &Path) {
    for obj in files_ending(store, ".tar.zst.age") {
        assert!(
            common::metadata_of(&obj).is_file(),
            "{} has no metadata",
            obj.display()
        );
    }
    for meta in files_ending(&store.join("snapshots"), ".json") {
        let s = meta.to_string_lossy();
        let obj = PathBuf::from(format!("{}.tar.zst.age", s.strip_suffix(".json").unwrap()));
        assert!(obj.is_file(), "{} has no object", meta.display());
    }
    for p in files_under(store) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.contains('#') && !name.starts_with('.'),
            "a half-written file is left: {}",
            p.display()
        );
    }
}

/// Every file under `root` with its length, modification time and hash.
fn fingerprint(root: &Path) -> BTreeMap<PathBuf, (u64, SystemTime, String)> {
    files_under(root)
        .into_iter()
        .map(|p| {
            let m = std::fs::metadata(&p).unwrap();
            let h = common::sha256_file(&p);
            (p, (m.len(), m.modified().unwrap(), h))
        })
        .collect()
}

// ---- one instance of a job ---------------------------------------------------------------

#[test]
fn two_schedule_runs_started_together_run_the_backup_once() {
    let f = Fixture::new();
    f.config_local();
    // The live system holds a write transaction, so the first run waits in its copy
    // (busy_timeout 30s) while holding the job: the two runs overlap for certain.
    let mut holder = PyChild::spawn(HOLD_EXCLUSIVE_PY, &[&f.db.to_string_lossy()]);
    assert_eq!(holder.line(), "locked");

    let mut a = Some(spawn(&f, &["schedule", "run", "backup"]));
    let mut b = Some(spawn(&f, &["schedule", "run", "backup"]));
    // Whichever did not get the job ends at once; the other is still waiting for the database.
    let t = Instant::now();
    let loser = loop {
        if a.as_mut().unwrap().try_wait().unwrap().is_some() {
            break a.take().unwrap();
        }
        if b.as_mut().unwrap().try_wait().unwrap().is_some() {
            break b.take().unwrap();
        }
        assert!(t.elapsed() < Duration::from_secs(20), "neither run ended");
        std::thread::sleep(Duration::from_millis(20));
    };
    let winner = a.or(b).unwrap();
    let (code, out, err) = finish(loser, Duration::from_secs(5));
    assert_eq!(code, Some(0), "the second run exits 0\n{out}\n{err}");
    assert!(out.contains("backup đang chạy (pid"), "{out}");
    assert!(out.contains("lần này không làm gì"), "{out}");
    assert_eq!(
        snapshots(&f.store),
        0,
        "nothing stored while the first run waits"
    );

    assert_eq!(holder.finish(), Some(0));
    let (code, out, err) = finish(winner, Duration::from_secs(60));
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.starts_with("backup: đạt — "), "{out}");
    assert_eq!(snapshots(&f.store), 1, "exactly one new snapshot");
    assert_nothing_incomplete(&f.store);
    // The history holds the one run; the process that found the job running wrote nothing.
    let h = History::open_read_only(&f.state_dir()).unwrap().unwrap();
    assert_eq!(h.runs("backup").unwrap(), [RunStatus::Ok]);
    assert!(f.private_temp_leftovers().is_empty());
}

#[test]
fn schedule_run_of_a_job_held_by_another_process_touches_nothing() {
    let f = Fixture::new();
    f.config_local();
    f.run(&["schedule", "run", "backup"]).ok();
    let TryLock::Acquired(held) = lock::try_lock(&f.state_dir(), "backup").unwrap() else {
        panic!("the lock is free after the run");
    };
    let before = fingerprint(f.path());
    let r = f.run(&["schedule", "run", "backup"]).ok();
    assert_eq!(
        r.stdout.trim(),
        format!(
            "backup is already running (pid {}); nothing was done",
            std::process::id()
        )
    );
    let j = f.run(&["schedule", "run", "backup", "--json"]).ok().json();
    assert_eq!(j["status"], "already-running");
    assert_eq!(j["pid"], std::process::id());
    assert_eq!(
        fingerprint(f.path()),
        before,
        "no file under the fixture (store, state, database) was written"
    );
    drop(held);
    f.run(&["schedule", "run", "backup"]).ok();
    assert_eq!(snapshots(&f.store), 2);
}

#[test]
fn a_backup_by_hand_while_the_scheduled_one_runs_is_refused_and_touches_nothing() {
    let f = Fixture::new();
    f.config_local();
    let TryLock::Acquired(held) = lock::try_lock(&f.state_dir(), "backup").unwrap() else {
        panic!("the lock is free");
    };
    let before = fingerprint(f.path());
    let r = f.run(&["backup"]).code(2);
    assert!(
        r.stderr.contains("a backup is already running")
            && r.stderr.contains(&format!("pid {}", std::process::id()))
            && r.stderr.contains("backup.lock"),
        "{}",
        r.stderr
    );
    assert_eq!(fingerprint(f.path()), before, "nothing written");
    assert_eq!(snapshots(&f.store), 0);
    drop(held);
    f.run(&["backup"]).ok();
    assert_eq!(
        snapshots(&f.store),
        1,
        "once the lock is free, backup works"
    );
}

// ---- alerts --------------------------------------------------------------------------------

#[test]
fn a_failing_backup_alerts_a_real_smtp_server_and_http_receiver_in_vietnamese() {
    let f = Fixture::new();
    let missing = f.path().join("gone").join("equipment.db");
    f.write_config_with(&missing, "5s", &[common::StoreSpec::Local(f.store.clone())]);
    let (inbox, smtp, smtp_port) = smtp_sink(&f);
    let web = Receiver::start();
    append_config(
        &f,
        &format!(
            "[office]\nname = \"Sở Giáo dục và Đào tạo TP.HCM\"\n\
             [schedule]\nbackup = {{ cron = \"0 30 1 * * *\", ping_start = \"{}\", ping_fail = \"{}\" }}\n\
             [alerts]\nping_success = \"{}\"\n\
             [alerts.email]\nhost = \"127.0.0.1\"\nport = {smtp_port}\ntls = \"none\"\n\
             from = \"eqvault <eqvault@localhost>\"\nto = [\"it@sgddt.example.vn\"]\n",
            web.url("/ping/tok-7f3a/start"),
            web.url("/ping/tok-7f3a/fail"),
            web.url("/ping/tok-7f3a"),
        ),
    );
    let t = Instant::now();
    let r = f.run(&["-v", "schedule", "run", "backup"]).code(2);
    assert!(t.elapsed() < Duration::from_secs(20));
    assert!(r.stdout.starts_with("backup: failed"), "{}", r.stdout);
    assert!(
        r.stderr.contains(&missing.to_string_lossy().into_owned()),
        "{}",
        r.stderr
    );

    // The email: Vietnamese subject, the reason and what to do, English underneath.
    wait_until(Duration::from_secs(10), "the alert email", || {
        !mails(&inbox).is_empty()
    });
    let m = mails(&inbox);
    assert_eq!(m.len(), 1, "{m:?}");
    let subject = m[0]["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("[eqvault] LỖI: Sao lưu thất bại – Sở Giáo dục và Đào tạo TP.HCM"),
        "{subject}"
    );
    assert_eq!(m[0]["to"][0], "it@sgddt.example.vn");
    let body = m[0]["body"].as_str().unwrap().replace("\r\n", "\n");
    let reason = format!(
        "Reason: the database {} does not exist: check [database] path in the config (or --db)\n",
        missing.display()
    );
    assert!(body.contains(&reason), "{body}");
    // The Vietnamese half points at the English reason, never quotes it.
    let (vi, _) = body.split_once("-- English --").unwrap();
    assert!(
        vi.contains("Lý do: thông báo lỗi của chương trình, bằng tiếng Anh"),
        "{body}"
    );
    assert!(!vi.contains("does not exist"), "{body}");
    assert!(
        body.contains(&missing.to_string_lossy().into_owned()),
        "{body}"
    );
    assert!(
        body.contains("Cần làm: Kiểm tra tệp cơ sở dữ liệu"),
        "{body}"
    );
    assert!(
        body.contains("-- English --") && body.contains("What to do:"),
        "{body}"
    );

    // The webhooks: start, then fail with the reason; no success ping.
    wait_until(Duration::from_secs(10), "two pings", || {
        web.seen().len() >= 2
    });
    let seen = web.seen();
    let paths: Vec<&str> = seen.iter().map(|(_, p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["/ping/tok-7f3a/start", "/ping/tok-7f3a/fail"],
        "{seen:?}"
    );
    let (method, _, fail_body) = &seen[1];
    assert_eq!(method, "POST");
    assert!(
        fail_body.starts_with("eqvault backup: failed"),
        "{fail_body}"
    );
    assert!(
        fail_body.contains(&missing.to_string_lossy().into_owned()),
        "{fail_body}"
    );

    // The token in the ping URLs never reaches a log line.
    assert!(r.stderr.contains("ping sent"), "{}", r.stderr);
    assert!(!r.stderr.contains("tok-7f3a"), "{}", r.stderr);

    // The failure is in the history and in `schedule status`, which exits 1.
    let s = f.run(&["schedule", "status", "--json"]).code(1).json();
    let job = &s["jobs"][0];
    for k in ["name", "cron", "next", "last", "last_status"] {
        assert!(job.get(k).is_some(), "{k} missing from {s}");
    }
    assert_eq!(job["name"], "backup");
    assert_eq!(job["last_status"], "failed");
    assert!(
        job["last_error"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
    assert_eq!(smtp.finish(), Some(0));
}

#[test]
fn alerts_that_cannot_be_sent_neither_fail_nor_hold_up_the_job() {
    let f = Fixture::new();
    f.config_local();
    // A port nobody listens on.
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    append_config(
        &f,
        &format!(
            "[alerts]\nping_success = \"http://127.0.0.1:{dead}/ok\"\nping_fail = \"http://127.0.0.1:{dead}/fail\"\n\
             [alerts.email]\nhost = \"127.0.0.1\"\nport = {dead}\ntls = \"none\"\n\
             from = \"eqvault@localhost\"\nto = [\"it@localhost\"]\n"
        ),
    );
    let t = Instant::now();
    let r = f.run(&["schedule", "run", "backup"]).ok();
    assert!(r.stdout.starts_with("backup: ok"), "{}", r.stdout);
    assert!(
        r.stderr.contains("the ping could not be sent"),
        "{}",
        r.stderr
    );
    assert_eq!(snapshots(&f.store), 1);

    std::fs::remove_file(&f.db).unwrap();
    let r = f.run(&["schedule", "run", "backup"]).code(2);
    assert!(r.stdout.starts_with("backup: failed"), "{}", r.stdout);
    assert!(
        r.stderr.contains("the alert email could not be sent"),
        "{}",
        r.stderr
    );
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    let h = History::open_read_only(&f.state_dir()).unwrap().unwrap();
    assert_eq!(
        h.runs("backup").unwrap(),
        [RunStatus::Ok, RunStatus::Failed]
    );
}

// ---- the daemon ------------------------------------------------------------------------------

/// `timeout -s TERM SECS eqvault --config CONFIG daemon`: (exit code, seconds, stderr).
fn daemon_for(f: &Fixture, secs: u32) -> (Option<i32>, f64, String) {
    let t = Instant::now();
    let out = std::process::Command::new("timeout")
        .args(["-s", "TERM", &secs.to_string()])
        .arg(assert_cmd::cargo::cargo_bin("eqvault"))
        .arg("--config")
        .arg(&f.config)
        .arg("daemon")
        .env_remove("EQVAULT_LOG")
        .env_remove("EQVAULT_CONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("run timeout(1)");
    (
        out.status.code(),
        t.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn daemon_under_timeout_term_stops_within_seconds_leaving_nothing_incomplete() {
    let f = Fixture::new();
    f.config_local();
    append_config(&f, "[schedule]\nbackup = { cron = \"* * * * * *\" }\n");
    let (code, secs, err) = daemon_for(&f, 3);
    // timeout(1) reports 124 when it had to send the signal; the daemon then ended by itself.
    assert_eq!(code, Some(124), "{err}");
    assert!(secs < 8.0, "the daemon took {secs:.1}s to stop\n{err}");
    assert!(err.contains("eqvault daemon started"), "{err}");
    assert!(
        err.contains("stop requested") && err.contains("SIGTERM"),
        "{err}"
    );
    assert!(err.contains("eqvault daemon stopped cleanly"), "{err}");
    let made = snapshots(&f.store);
    assert!(made >= 1, "backups ran every second: {made}\n{err}");
    assert_nothing_incomplete(&f.store);
    assert!(
        f.private_temp_leftovers().is_empty(),
        "{:?}",
        f.private_temp_leftovers()
    );
    // Every run in the history ended; none is left `running`.
    let h = History::open_read_only(&f.state_dir()).unwrap().unwrap();
    let runs = h.runs("backup").unwrap();
    assert!(!runs.is_empty());
    assert!(
        runs.iter()
            .all(|s| matches!(s, RunStatus::Ok | RunStatus::Skipped)),
        "{runs:?}"
    );
    assert_eq!(runs.iter().filter(|s| **s == RunStatus::Ok).count(), made);
}

#[test]
fn daemon_catches_up_a_backup_missed_while_it_was_down_once() {
    let f = Fixture::new();
    f.config_local();
    append_config(
        &f,
        "[schedule]\nbackup = { cron = \"0 30 1 * * *\" }\nprune = { cron = \"0 0 5 * * *\", catch_up = false }\n",
    );
    // The history says both last ran three days ago: two or three 01:30s were missed since.
    {
        let h = History::open(&f.state_dir()).unwrap();
        let then = Utc::now() - chrono::Duration::days(3);
        for job in ["backup", "prune"] {
            let id = h.begin(job, Trigger::Schedule, Some(then), then).unwrap();
            h.finish(id, then, RunStatus::Ok, Some("earlier"), None)
                .unwrap();
        }
    }
    let (code, secs, err) = daemon_for(&f, 3);
    assert_eq!(code, Some(124), "{err}");
    assert!(secs < 8.0, "{err}");
    assert!(err.contains("catching up once"), "{err}");
    assert_eq!(snapshots(&f.store), 1, "one catch-up backup\n{err}");
    let h = History::open_read_only(&f.state_dir()).unwrap().unwrap();
    assert_eq!(h.runs("backup").unwrap(), [RunStatus::Ok, RunStatus::Ok]);
    assert_eq!(h.last("backup").unwrap().unwrap().trigger, "catch-up");
    assert_eq!(
        h.runs("prune").unwrap(),
        [RunStatus::Ok],
        "catch_up = false"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_backup_drops_its_upload_and_commits_nothing() {
    let f = Fixture::new();
    f.config_local();
    let cfg = Config::load(&f.config).unwrap();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let opts = eqvault::ops::backup::BackupOptions {
        cancel: Some(cancel),
        ..Default::default()
    };
    let e = eqvault::ops::backup(&cfg, &opts, Arc::new(eqvault::ops::Quiet))
        .await
        .expect_err("a cancelled backup fails");
    assert!(e.to_string().contains("cancelled"), "{e}");
    // Give the aborted upload tasks a moment to remove their staging files.
    let t = Instant::now();
    while !stored_files(&f.store).is_empty() && t.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stored_files(&f.store), Vec::<PathBuf>::new());
    assert!(f.private_temp_leftovers().is_empty());
}

#[test]
fn a_drill_that_is_not_a_success_is_emailed_as_a_warning() {
    let f = Fixture::new();
    f.config_local();
    f.backup();
    let (inbox, smtp, port) = smtp_sink(&f);
    // No restore is faster than zero seconds: the drill is a `warning`.
    append_config(
        &f,
        &format!(
            "[drill]\nrestore_time_target = \"0s\"\n\
             [alerts.email]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
             from = \"eqvault@localhost\"\nto = [\"it@localhost\"]\n"
        ),
    );
    let r = f.run(&["schedule", "run", "drill"]).ok();
    assert!(r.stdout.starts_with("drill: warning"), "{}", r.stdout);
    wait_until(Duration::from_secs(10), "the alert email", || {
        !mails(&inbox).is_empty()
    });
    let m = mails(&inbox);
    let subject = m[0]["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("[eqvault] CẢNH BÁO: Diễn tập khôi phục không đạt «thành công»"),
        "{subject}"
    );
    let body = m[0]["body"].as_str().unwrap();
    let (vi, en) = body.split_once("-- English --").unwrap();
    assert!(
        vi.contains("Lý do: lần diễn tập của bản ")
            && vi.contains("không đạt «thành công» (cảnh báo)"),
        "{body}"
    );
    assert!(!vi.contains("the drill is not a success"), "{body}");
    assert!(
        en.contains("Reason: the drill is not a success (cảnh báo)"),
        "{body}"
    );
    assert!(body.contains("Cần làm: Chạy eqvault drill"), "{body}");
    assert_eq!(smtp.finish(), Some(0));
}

#[test]
fn check_and_report_run_as_jobs_and_an_unknown_job_is_refused() {
    let f = Fixture::new();
    f.config_local();
    f.backup();
    let r = f.run(&["schedule", "run", "check", "--json"]);
    let j = r.json();
    assert!(
        matches!(j["status"].as_str(), Some("ok" | "warning")),
        "check ran: {j}\n{}",
        r.stderr
    );
    assert!(j["summary"].as_str().unwrap().contains("violations"), "{j}");
    assert_eq!(r.code, Some(if j["status"] == "ok" { 0 } else { 1 }));

    // The report job files what it writes in the archive, which records the
    // office: without [office] name it fails, naming it (IT is alerted).
    let r = f.run(&["schedule", "run", "report", "--json"]);
    let j = r.json();
    assert_eq!(j["status"], "failed", "{j}");
    assert!(
        j["error"]
            .as_str()
            .unwrap()
            .contains("[office] name is empty"),
        "{j}"
    );
    append_config(
        &f,
        "[office]\nname = \"Phòng Giáo dục và Đào tạo Quận 1\"\n",
    );
    // Without [alerts.email] report_to it is written and archived, mailed to
    // nobody: a warning, so IT hears of it.
    let r = f.run(&["schedule", "run", "report", "--json"]);
    let j = r.json();
    assert!(j["summary"].as_str().unwrap().contains("not mailed"), "{j}");
    assert_eq!(j["status"], "warning", "{j}\n{}", r.stderr);
    assert!(
        j["summary"].as_str().unwrap().contains("articles met"),
        "{j}"
    );
    // A notice, not a problem found: `eqvault schedule run report` exits 0.
    assert_eq!(r.code, Some(0));
    f.run(&["schedule", "run", "nope"])
        .code(2)
        .stderr_has(&["there is no job \"nope\""]);
}

/// Issue 27: the scheduled report is the period that has just ended, in PDF and
/// XLSX, filed in the archive under that period and mailed with both attached to
/// `report_to` (leadership) only; a second run in the same period sends nothing.
#[test]
fn the_scheduled_report_reaches_report_to_only_with_its_files_and_lands_in_the_archive() {
    let f = Fixture::new();
    f.config_local();
    f.backup();
    let (inbox, smtp, port) = smtp_sink(&f);
    let doctor_line = || {
        let d = f.run(&["doctor", "--json"]).json();
        d["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "report")
            .cloned()
            .unwrap_or_else(|| panic!("no report line: {d:#}"))
    };
    // The job alone: doctor names what it lacks.
    append_config(
        &f,
        "[schedule]\nreport = { cron = \"0 0 7 1 * *\", period = \"term\", format = [\"pdf\", \"xlsx\"] }\n",
    );
    let line = doctor_line();
    assert_eq!(line["ok"], false, "{line}");
    let detail = line["detail"].as_str().unwrap();
    assert!(
        detail.contains("[office] name") && detail.contains("report_to"),
        "{line}"
    );
    append_config(
        &f,
        &format!(
            "[office]\nname = \"Phòng Giáo dục và Đào tạo Quận 1\"\ncode = \"79760\"\n\
             [alerts.email]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
             from = \"eqvault@pgd.example.vn\"\nto = [\"it@localhost\"]\n\
             report_to = [\"truong.phong@localhost\", \"pho.phong@localhost\"]\n"
        ),
    );
    assert_eq!(doctor_line()["ok"], true);
    // doctor --send-test-alert: a test alert to IT, and a test report to report_to,
    // made as the job makes it, but neither archived nor remembered.
    let d = f.run(&["doctor", "--send-test-alert", "--json"]).json();
    let sent = d["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "report_email")
        .cloned()
        .unwrap_or_else(|| panic!("no report_email line: {d:#}"));
    assert_eq!(sent["ok"], true, "{sent}");
    wait_until(Duration::from_secs(30), "the two test emails", || {
        mails(&inbox).len() == 2
    });
    let tests = mails(&inbox);
    let test_report = tests
        .iter()
        .find(|m| m["subject"].as_str().unwrap().starts_with("[THỬ]"))
        .unwrap_or_else(|| panic!("{tests:#?}"));
    assert_eq!(
        test_report["to"],
        serde_json::json!(["truong.phong@localhost", "pho.phong@localhost"])
    );
    assert_eq!(test_report["attachments"].as_array().unwrap().len(), 2);
    assert!(
        tests
            .iter()
            .any(|m| m["to"] == serde_json::json!(["it@localhost"])),
        "{tests:#?}"
    );
    let before = f.run(&["archive", "list", "--json"]).ok().json();
    assert_eq!(
        before,
        serde_json::json!([]),
        "a test report is not archived"
    );
    for m in files_ending(&inbox, ".json") {
        std::fs::remove_file(m).unwrap();
    }
    let r = f.run(&["schedule", "run", "report", "--json"]);
    let j = r.json();
    assert_eq!(j["status"], "ok", "{j}\n{}", r.stderr);
    let summary = j["summary"].as_str().unwrap();
    assert!(summary.contains("mailed to 2"), "{summary}");
    // The period is the last term that ended before today: named in the summary.
    let period = summary
        .split_whitespace()
        .nth(1)
        .expect("report YEAR/TERM …")
        .to_string();
    let (year, term) = period.split_once('/').unwrap();
    assert!(term == "hk1" || term == "hk2", "{summary}");
    wait_until(Duration::from_secs(30), "the report email", || {
        !mails(&inbox).is_empty()
    });
    let m = mails(&inbox);
    assert_eq!(m.len(), 1, "one message: {m:#?}");
    let m = &m[0];
    assert_eq!(
        m["to"],
        serde_json::json!(["truong.phong@localhost", "pho.phong@localhost"]),
        "report_to only, never the IT list"
    );
    let subject = m["subject"].as_str().unwrap();
    let label = if term == "hk1" {
        "Học kỳ I"
    } else {
        "Học kỳ II"
    };
    assert!(
        subject.contains("Phòng Giáo dục và Đào tạo Quận 1")
            && subject.contains(&format!("{label} năm học {year}")),
        "{subject}"
    );
    let body = m["body"].as_str().unwrap();
    assert!(
        body.contains("điều khoản đạt") && body.contains("vi phạm"),
        "{body}"
    );
    let files = m["attachments"].as_array().unwrap();
    let kinds: Vec<&str> = files
        .iter()
        .map(|a| a["content_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ],
        "{files:?}"
    );
    assert!(
        files.iter().all(|a| a["bytes"].as_u64().unwrap() > 1000),
        "{files:?}"
    );
    // A Message-ID, and one Date, in the office's zone.
    assert!(
        m["message_id"]
            .as_str()
            .is_some_and(|id| id.ends_with("@pgd.example.vn>")),
        "{m}"
    );
    let dates = m["dates"].as_array().unwrap();
    assert_eq!(dates.len(), 1, "{dates:?}");
    assert!(dates[0].as_str().unwrap().ends_with("+0700"), "{dates:?}");
    // Both files are in the archive, under the period that ended.
    let listed = f
        .run(&["archive", "list", "--year", year, "--json"])
        .ok()
        .json();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["term"] == term)
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with(".pdf")) && names.iter().any(|n| n.ends_with(".xlsx")),
        "{listed}"
    );
    // Run again in the same period: nothing is written, archived or sent twice.
    let j = f.run(&["schedule", "run", "report", "--json"]).json();
    assert_eq!(j["status"], "ok", "{j}");
    assert!(
        j["summary"].as_str().unwrap().contains("delivered before"),
        "{j}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(mails(&inbox).len(), 1);
    assert_eq!(smtp.finish(), Some(0));
}

/// A scheduled report whose mail fails is sent by the next run from the same
/// files: nothing is written or archived twice, and leadership gets it once.
#[test]
fn a_scheduled_report_whose_mail_failed_is_sent_next_time_from_the_same_files() {
    let f = Fixture::new();
    f.config_local();
    // A port nobody listens on: the first run's mail fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = closed.local_addr().unwrap().port();
    drop(closed);
    let email = |port: u16| {
        format!(
            "[office]\nname = \"Phòng Giáo dục và Đào tạo Quận 3\"\n\
             [alerts.email]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\ntimeout = \"5s\"\n\
             from = \"eqvault@pgd.example.vn\"\nto = [\"it@localhost\"]\nreport_to = [\"truong.phong@localhost\"]\n\
             [schedule]\nreport = {{ cron = \"0 0 7 1 * *\", format = [\"xlsx\", \"csv\"] }}\n"
        )
    };
    let base = std::fs::read_to_string(&f.config).unwrap();
    std::fs::write(&f.config, format!("{base}\n{}", email(dead_port))).unwrap();
    let j = f
        .run(&["schedule", "run", "report", "--json"])
        .code(2)
        .json();
    assert_eq!(j["status"], "failed", "{j}");
    assert!(
        j["error"].as_str().unwrap().contains("report_to failed"),
        "{j}"
    );
    let archived = |f: &Fixture| -> Vec<(String, String)> {
        let l = f.run(&["archive", "list", "--json"]).ok().json();
        let mut v: Vec<(String, String)> = l
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["file"].as_str().unwrap().to_string(),
                    e["sha256"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let first = archived(&f);
    assert_eq!(
        first.len(),
        2,
        "written and archived before the mail: {first:?}"
    );

    let (inbox, smtp, port) = smtp_sink(&f);
    std::fs::write(&f.config, format!("{base}\n{}", email(port))).unwrap();
    let j = f.run(&["schedule", "run", "report", "--json"]).ok().json();
    assert_eq!(j["status"], "ok", "{j}");
    wait_until(Duration::from_secs(30), "the report email", || {
        !mails(&inbox).is_empty()
    });
    assert_eq!(archived(&f), first, "the same files, archived once");
    let m = mails(&inbox);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["attachments"].as_array().unwrap().len(), 2);
    assert_eq!(smtp.finish(), Some(0));
}

#[test]
fn daemon_abandons_a_job_that_outlasts_the_grace_period_leaving_nothing() {
    let f = Fixture::new();
    f.write_config_with(&f.db, "4s", &[common::StoreSpec::Local(f.store.clone())]);
    append_config(
        &f,
        "[schedule]\nstop_grace = \"0s\"\nbackup = { cron = \"* * * * * *\" }\n",
    );
    // The live system holds its write lock: the backup is stuck waiting when SIGTERM comes.
    let mut holder = PyChild::spawn(HOLD_EXCLUSIVE_PY, &[&f.db.to_string_lossy()]);
    assert_eq!(holder.line(), "locked");
    let (code, secs, err) = daemon_for(&f, 3);
    assert_eq!(code, Some(124), "{err}");
    assert!(secs < 10.0, "the daemon took {secs:.1}s to stop\n{err}");
    assert!(
        err.contains("grace period over: abandoning the job"),
        "{err}"
    );
    assert!(err.contains("eqvault daemon stopped cleanly"), "{err}");
    assert_eq!(holder.finish(), Some(0));
    assert_eq!(
        stored_files(&f.store),
        Vec::<PathBuf>::new(),
        "nothing stored"
    );
    assert!(f.private_temp_leftovers().is_empty());
    let h = History::open_read_only(&f.state_dir()).unwrap().unwrap();
    let last = h.last("backup").unwrap().unwrap();
    assert_eq!(last.status, RunStatus::Interrupted);
    assert!(
        last.error
            .unwrap()
            .contains("did not finish within the 0s grace period"),
    );
}

/// Issue 15: the Vietnamese half of a `check` alert quotes the findings' Vietnamese
/// messages; their English text is only in the English half.
#[test]
fn a_check_alert_gives_the_findings_in_vietnamese_in_the_vietnamese_half() {
    let f = Fixture::new();
    f.config_local();
    let (inbox, smtp, port) = smtp_sink(&f);
    append_config(
        &f,
        &format!(
            "[alerts.email]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
             from = \"eqvault@localhost\"\nto = [\"it@localhost\"]\n"
        ),
    );
    // The fixture's schools miss monthly approvals: violations, a `warning` run.
    let r = f.run(&["schedule", "run", "check"]).code(1);
    assert!(r.stdout.starts_with("check: warning"), "{}", r.stdout);
    wait_until(Duration::from_secs(10), "the alert email", || {
        !mails(&inbox).is_empty()
    });
    let m = mails(&inbox);
    let body = m[0]["body"].as_str().unwrap().replace("\r\n", "\n");
    let (vi, en) = body.split_once("-- English --").unwrap();
    let reason_vi = vi
        .lines()
        .find(|l| l.starts_with("Lý do: "))
        .unwrap_or_else(|| panic!("{body}"));
    assert!(reason_vi.contains(" vi phạm, ví dụ: "), "{body}");
    assert!(!reason_vi.contains("violations found"), "{body}");
    let reason_en = en
        .lines()
        .find(|l| l.starts_with("Reason: "))
        .unwrap_or_else(|| panic!("{body}"));
    let (_, example_en) = reason_en
        .split_once("violations found, e.g. ")
        .unwrap_or_else(|| panic!("{body}"));
    // The English finding text (its first words) is nowhere in the Vietnamese half.
    let start: String = example_en.chars().take(30).collect();
    assert!(
        start.len() > 10 && !vi.contains(&start),
        "{start:?} in\n{body}"
    );
    assert_eq!(smtp.finish(), Some(0));
}
