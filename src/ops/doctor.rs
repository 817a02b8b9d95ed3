//! `doctor`: checks a set-up before its first night, part by part, and says what to do.
//!
//! It validates the config, opens the database read-only, reaches each store
//! (list, write a probe, read it back, remove it), reads each store's marker,
//! loads the signing key and checks it is trusted, proves the identity decrypts
//! what is encrypted to the recipients, looks at the policies and retention, and
//! checks the working-day calendar covers this year and the next. With
//! `send_test_alert` it also sends a test ping to each configured ping URL and a
//! test email, through the same code the scheduler alerts with.
//!
//! It never stops at the first problem: every part gets its own [`Line`], and a
//! part that cannot be judged because another failed is [`State::Skipped`].
//!
//! The probe is a small object at the store's root, `eqvault-doctor-probe-…`:
//! no reader lists the root (snapshots, drills, holds, reports and the ledger
//! live under their own prefixes), so nothing ever mistakes it for a record, and
//! it is removed at once. A store that refuses the removal (a write-only key,
//! Object Lock) keeps it, and the line says so.
//!
//! This is the one operation that looks at everything, the schedule's alerts
//! and daemon included, so it uses [`crate::schedule`] (which itself runs the
//! other operations): nothing below depends on it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::config::{Config, Keep, StoreConfig};
use crate::store::{MarkerState, Store, StoreError};

/// The prefix of the probe object written to each store's root.
pub const PROBE_PREFIX: &str = "eqvault-doctor-probe-";

/// What doctor is asked to do beyond looking.
#[derive(Debug, Clone, Default)]
pub struct DoctorOptions {
    /// Send a test ping to each configured ping URL and a test email.
    pub send_test_alert: bool,
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// It works.
    Ok,
    /// Something is wrong: see `todo`.
    Fail,
    /// Not judged, because a part it needs failed (named in `detail`).
    Skipped,
    /// Works, with something to know and do in time (not a failure: exit 0).
    Warn,
}

/// One line of the checklist.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// A stable name: `config`, `database`, `signing`, `encryption`, `identity`,
    /// `store:URL`, `marker:URL`, `policies`, `retention`, `calendar:YEAR`,
    /// `schedule`, `report` (the scheduled report), `alerts`, `ping:KEY`, `email`,
    /// `report_email` (the test report, with `--send-test-alert`).
    pub name: String,
    /// Not a failure (a skipped line is not one either: the line it depends on is).
    pub ok: bool,
    /// `ok`, `warn`, `fail` or `skipped`.
    pub state: State,
    /// What was found, in English (an error's message when it failed).
    pub detail: String,
    /// What was checked, in Vietnamese.
    pub title_vi: String,
    /// What was checked, in English.
    pub title_en: String,
    /// What was found, in Vietnamese (never English text quoted).
    pub detail_vi: String,
    /// What to do, in Vietnamese (failures and warnings only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub todo_vi: Option<String>,
    /// What to do, in English (failures and warnings only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub todo_en: Option<String>,
}

impl Line {
    fn new(name: impl Into<String>, state: State, title: (String, String)) -> Line {
        Line {
            name: name.into(),
            ok: state != State::Fail,
            state,
            detail: String::new(),
            title_vi: title.0,
            title_en: title.1,
            detail_vi: String::new(),
            todo_vi: None,
            todo_en: None,
        }
    }

    fn ok(
        name: impl Into<String>,
        title: (String, String),
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Line {
        let mut l = Line::new(name, State::Ok, title);
        l.detail_vi = vi.into();
        l.detail = en.into();
        l
    }

    fn fail(
        name: impl Into<String>,
        title: (String, String),
        vi: impl Into<String>,
        en: impl Into<String>,
        todo: (String, String),
    ) -> Line {
        let mut l = Line::new(name, State::Fail, title);
        l.detail_vi = vi.into();
        l.detail = en.into();
        l.todo_vi = Some(todo.0);
        l.todo_en = Some(todo.1);
        l
    }

    fn skipped(
        name: impl Into<String>,
        title: (String, String),
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Line {
        let mut l = Line::new(name, State::Skipped, title);
        l.detail_vi = vi.into();
        l.detail = en.into();
        l
    }
}

/// The whole checklist.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorOutcome {
    /// The config file checked.
    pub config: PathBuf,
    /// No line failed.
    pub ok: bool,
    /// Every check, in the order made.
    pub checks: Vec<Line>,
}

impl DoctorOutcome {
    /// The lines that failed.
    pub fn failed(&self) -> impl Iterator<Item = &Line> {
        self.checks.iter().filter(|l| l.state == State::Fail)
    }
}

fn t(vi: impl Into<String>, en: impl Into<String>) -> (String, String) {
    (vi.into(), en.into())
}

/// Checks the set-up of the config at `config_path` at `now`. Never fails: a
/// config that cannot be read is the first (and only) line.
pub async fn doctor(config_path: &Path, opts: &DoctorOptions, now: DateTime<Utc>) -> DoctorOutcome {
    let mut lines = Vec::new();
    let title = t("Tệp cấu hình", "config");
    match Config::load(config_path) {
        Err(e) => lines.push(Line::fail(
            "config",
            title,
            "không đọc hoặc không kiểm tra được tệp cấu hình",
            e.to_string(),
            t(
                "Sửa tệp cấu hình ở chỗ bị lỗi (dòng, khoá: eqvault doctor -v in chi tiết), rồi chạy lại eqvault doctor",
                "Fix the config where the message says (line, key), then run eqvault doctor again",
            ),
        )),
        Ok(cfg) => {
            lines.push(Line::ok(
                "config",
                title,
                "đọc và kiểm tra xong",
                format!("{} read and validated", crate::sanitize::path(&cfg.path)),
            ));
            check_all(&cfg, opts, now, &mut lines).await;
        }
    }
    DoctorOutcome {
        config: config_path.to_path_buf(),
        ok: lines.iter().all(|l| l.ok),
        checks: lines,
    }
}

async fn check_all(cfg: &Config, opts: &DoctorOptions, now: DateTime<Utc>, lines: &mut Vec<Line>) {
    let db = database(cfg);
    let db_ok = db.state == State::Ok;
    lines.push(db);
    if db_ok {
        lines.push(schema(cfg));
    }
    lines.push(state_folder(cfg));
    let signing = signing(cfg);
    let trusted = cfg.signing.trusted().ok();
    lines.push(signing);
    lines.extend(encryption(cfg));
    for s in &cfg.stores {
        lines.extend(store(s, cfg.database.vault.as_deref(), trusted.as_ref(), now).await);
    }
    if let Some(tr) = trusted.as_ref() {
        lines.extend(store_identities(cfg, tr).await);
    }
    if cfg.stores.is_empty() {
        lines.push(Line::fail(
            "stores",
            t("Kho sao lưu", "stores"),
            "chưa cấu hình kho nào",
            format!("no [[store]] in {}", crate::sanitize::path(&cfg.path)),
            t(
                "Thêm ít nhất hai mục [[store]] (một ổ NAS hoặc ổ ngoài, một máy chủ S3) rồi chạy eqvault store add URL",
                "Add at least two [[store]] entries (a NAS or external disk, an S3 server), then run eqvault store add URL",
            ),
        ));
    }
    lines.extend(policies(cfg, now));
    lines.extend(schedule(cfg, now));
    lines.extend(scheduled_report(cfg));
    lines.extend(alerts(cfg, opts).await);
}

/// `[schedule] report`: whether what it needs is there (an office name for
/// the archive, someone to receive it, Chromium for a PDF).
fn scheduled_report(cfg: &Config) -> Option<Line> {
    let job = cfg.schedule.jobs.iter().find(|j| j.name == "report")?;
    let title = t("Báo cáo theo lịch", "scheduled report");
    let mut missing_vi = Vec::new();
    let mut missing_en = Vec::new();
    if cfg.office.name.trim().is_empty() {
        missing_vi
            .push("chưa có [office] name (kho lưu trữ ghi tên đơn vị vào mỗi báo cáo)".to_string());
        missing_en.push(
            "[office] name is empty (the archive records the office in every report)".to_string(),
        );
    }
    let to = cfg.alerts.email.as_ref().map_or(0, |e| e.report_to.len());
    if to == 0 {
        missing_vi
            .push("chưa có [alerts.email] report_to: báo cáo không được gửi cho ai".to_string());
        missing_en.push("no [alerts.email] report_to: the report is mailed to nobody".to_string());
    }
    let pdf = job.options.formats.is_empty() || job.options.formats.iter().any(|f| f == "pdf");
    if pdf && let Err(e) = crate::report::pdf::find_chromium() {
        missing_vi.push(format!("định dạng pdf cần Chromium: {e}"));
        missing_en.push(format!("the pdf format needs Chromium: {e}"));
    }
    Some(if missing_en.is_empty() {
        Line::ok(
            "report",
            title,
            format!("gửi tới {to} người nhận lãnh đạo ([alerts.email] report_to)"),
            format!("mailed to {to} recipient(s) ([alerts.email] report_to)"),
        )
    } else {
        Line::fail(
            "report",
            title,
            missing_vi.join("; "),
            missing_en.join("; "),
            t(
                "Đặt [office] name, thêm report_to = [\"…\"] vào [alerts.email], cài Chromium cho định dạng pdf (hoặc format = [\"xlsx\"])",
                "Set [office] name, add report_to = [\"…\"] to [alerts.email], install Chromium for the pdf format (or format = [\"xlsx\"])",
            ),
        )
    })
}

fn database(cfg: &Config) -> Line {
    let p = crate::sanitize::path(&cfg.database.path);
    let title = t(format!("Cơ sở dữ liệu {p}"), format!("database {p}"));
    let busy = Duration::from_secs(cfg.database.busy_timeout.approx_seconds().max(1));
    let r = crate::snapshot::open_read_only(&cfg.database.path, busy).and_then(|c| {
        c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|source| crate::snapshot::SnapshotError::Sqlite {
            path: cfg.database.path.clone(),
            source,
        })
    });
    match r {
        Ok(n) => Line::ok(
            "database",
            title,
            format!("mở được (chỉ đọc), {n} đối tượng trong lược đồ"),
            format!("opened read-only, {n} schema objects"),
        ),
        Err(e) => Line::fail(
            "database",
            title,
            "không mở được cơ sở dữ liệu",
            e.to_string(),
            t(
                "Kiểm tra [database] path trong tệp cấu hình: đó phải là tệp SQLite của hệ thống quản lý thiết bị, và người dùng chạy eqvault phải đọc được",
                "Check [database] path in the config: it must be the equipment system's SQLite file, readable by the user running eqvault",
            ),
        ),
    }
}

/// Whether the database reads as the reference schema, directly or through
/// `[database] mapping`: without it every rule, the identifier ledger and the
/// drill's identifier check would judge nothing.
fn schema(cfg: &Config) -> Line {
    let title = t("Lược đồ dữ liệu", "schema");
    let busy = Duration::from_secs(cfg.database.busy_timeout.approx_seconds().max(1));
    let mapping = match cfg
        .database
        .mapping
        .as_deref()
        .map(crate::mapping::Mapping::load)
    {
        None => None,
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => {
            return Line::fail(
                "schema",
                title,
                "không đọc được tệp ánh xạ",
                e.to_string(),
                t(
                    "Sửa tệp ánh xạ ([database] mapping) rồi chạy eqvault mapping check",
                    "Fix the mapping file ([database] mapping), then run eqvault mapping check",
                ),
            );
        }
    };
    let via_vi = if mapping.is_some() {
        " qua tệp ánh xạ"
    } else {
        ""
    };
    let via_en = if mapping.is_some() {
        " through the mapping"
    } else {
        ""
    };
    let found = crate::mapping::open_read_only(&cfg.database.path, busy, mapping.as_ref())
        .map_err(|e| e.to_string())
        .and_then(|c| crate::mapping::validate::missing(&c).map_err(|e| e.to_string()));
    match found {
        Ok(m) if m.is_empty() => Line::ok(
            "schema",
            title,
            format!("đọc được theo lược đồ tham chiếu{via_vi}"),
            format!("reads as the reference schema{via_en}"),
        ),
        Ok(m) => {
            let list = m
                .iter()
                .take(3)
                .map(|i| i.detail.clone())
                .collect::<Vec<_>>()
                .join("; ");
            let more = if m.len() > 3 {
                format!(" (+{})", m.len() - 3)
            } else {
                String::new()
            };
            Line::fail(
                "schema",
                title,
                format!(
                    "cơ sở dữ liệu không theo lược đồ tham chiếu{via_vi}: các quy tắc, sổ mã định danh và diễn tập sẽ không kiểm tra được gì"
                ),
                format!(
                    "the database does not read as the reference schema{via_en}: {list}{more}; no rule, identifier ledger or drill check could judge anything"
                ),
                if mapping.is_some() {
                    t(
                        "Sửa tệp ánh xạ cho đủ các bảng và cột, rồi chạy eqvault mapping check",
                        "Complete the mapping's views and columns, then run eqvault mapping check",
                    )
                } else {
                    t(
                        "Viết một tệp ánh xạ: eqvault mapping init --out mapping.sql, điền vào, đặt [database] mapping = \"mapping.sql\", rồi chạy eqvault mapping check",
                        "Write a mapping: eqvault mapping init --out mapping.sql, fill it in, set [database] mapping = \"mapping.sql\", then run eqvault mapping check",
                    )
                },
            )
        }
        Err(e) => Line::skipped(
            "schema",
            title,
            "chưa kiểm tra: không mở được cơ sở dữ liệu",
            format!("not judged: {e}"),
        ),
    }
}

/// The state folder: backups write the clear copy of the database there first.
fn state_folder(cfg: &Config) -> Line {
    let p = crate::sanitize::path(&cfg.state_dir);
    let title = t(
        format!("Thư mục trạng thái {p}"),
        format!("state folder {p}"),
    );
    let r = crate::ops::private_temp(cfg, "doctor").and_then(|d| {
        let f = d.path().join("probe");
        std::fs::write(&f, b"eqvault doctor\n")
            .map_err(crate::ops::OpsError::io("cannot write in", d.path()))
    });
    match r {
        Ok(()) => Line::ok(
            "state",
            title,
            "ghi được (bản sao tạm của cơ sở dữ liệu được tạo ở đây khi sao lưu)",
            "writable (a backup makes its temporary copy of the database here)",
        ),
        Err(e) => Line::fail(
            "state",
            title,
            "không ghi được vào thư mục trạng thái: sao lưu sẽ thất bại",
            e.to_string(),
            t(
                "Tạo thư mục này và cho người dùng chạy eqvault quyền ghi (hoặc đặt [state] dir sang thư mục khác, trên ổ còn đủ chỗ cho một bản sao cơ sở dữ liệu)",
                "Create this folder and let the user running eqvault write it (or set [state] dir elsewhere, on a disk with room for a copy of the database)",
            ),
        ),
    }
}

fn signing(cfg: &Config) -> Line {
    let title = t("Khoá ký", "signing key");
    match crate::ops::signer(cfg) {
        Ok(s) => Line::ok(
            "signing",
            title,
            format!(
                "khoá {} đọc được và nằm trong {} khoá tin cậy",
                crate::sanitize::path(s.path()),
                cfg.signing.trusted.len()
            ),
            format!(
                "{} ({}) loaded; it is one of the {} trusted keys",
                crate::sanitize::path(s.path()),
                s.fingerprint(),
                cfg.signing.trusted.len()
            ),
        ),
        Err(e) => Line::fail(
            "signing",
            title,
            "khoá ký không dùng được: sao lưu, diễn tập và giữ bản sẽ không ghi được biên bản có chữ ký",
            e.to_string(),
            t(
                "Sửa mục [signing]: key là tệp khoá riêng (quyền 0600) mà eqvault init đã tạo, và dòng khoá công khai của nó (tệp .pub) phải có trong trusted",
                "Fix [signing]: key is the private key file (mode 0600) eqvault init wrote, and its public line (the .pub file) must be in trusted",
            ),
        ),
    }
}

/// The recipients, and the identity when present: a small probe encrypted to the
/// recipients must decrypt with it.
fn encryption(cfg: &Config) -> Vec<Line> {
    let mut out = Vec::new();
    let title = t("Khoá mã hoá (người nhận)", "encryption recipients");
    let recipients = match crate::pack::keys::parse_recipients(&cfg.encryption.recipients) {
        Ok(r) => {
            out.push(Line::ok(
                "encryption",
                title,
                format!("{} khoá công khai age", r.len()),
                format!("{} age recipient(s)", r.len()),
            ));
            Some(r)
        }
        Err(e) => {
            out.push(Line::fail(
                "encryption",
                title,
                "danh sách người nhận không dùng được: không sao lưu được",
                e.to_string(),
                t(
                    "Sửa [encryption] recipients: mỗi mục là một khoá công khai age bắt đầu bằng age1 (dòng \"# public key:\" của tệp khoá)",
                    "Fix [encryption] recipients: each is an age public key starting with age1 (the identity file's \"# public key:\" line)",
                ),
            ));
            None
        }
    };
    let Some(path) = &cfg.encryption.identity else {
        out.push(Line::ok(
            "identity",
            t("Khoá giải mã", "identity"),
            "không có trên máy này: khôi phục và diễn tập cần --identity",
            "none configured on this host: restore, drill and verify --read-data need --identity",
        ));
        return out;
    };
    let p = crate::sanitize::path(path);
    let title = t(format!("Khoá giải mã {p}"), format!("identity {p}"));
    let Some(recipients) = recipients else {
        out.push(Line::skipped(
            "identity",
            title,
            "chưa thử: danh sách người nhận lỗi (xem dòng trên)",
            "not tried: the recipients are not usable (see the line above)",
        ));
        return out;
    };
    let ids = match crate::pack::keys::load_identities(path) {
        Ok(ids) => ids,
        Err(e) => {
            out.push(Line::fail(
                "identity",
                title,
                "không đọc được tệp khoá giải mã",
                e.to_string(),
                t(
                    "Kiểm tra [encryption] identity: tệp khoá age (AGE-SECRET-KEY-1…) với quyền 0600",
                    "Check [encryption] identity: an age identity file (AGE-SECRET-KEY-1…) with mode 0600",
                ),
            ));
            return out;
        }
    };
    let probe = format!("eqvault doctor {}", rand::random::<u64>());
    let back = crate::pack::seal(probe.as_bytes(), &recipients)
        .and_then(|sealed| crate::pack::unseal(&sealed, &ids, 1024));
    out.push(match back {
        Ok(b) if b == probe.as_bytes() => Line::ok(
            "identity",
            title,
            "giải mã được dữ liệu mã hoá cho các người nhận đã cấu hình",
            "decrypts a probe encrypted to the configured recipients",
        ),
        Ok(_) => Line::fail(
            "identity",
            title,
            "giải mã ra nội dung khác",
            "the probe decrypted to other bytes",
            t(
                "Báo lỗi này cho người phát triển eqvault",
                "Report this to the eqvault developers",
            ),
        ),
        Err(e) => Line::fail(
            "identity",
            title,
            "KHÔNG giải mã được dữ liệu mã hoá cho các người nhận: bản sao lưu sẽ không khôi phục được bằng khoá này",
            e.to_string(),
            t(
                "Dùng đúng tệp khoá giải mã ứng với một khoá trong [encryption] recipients (dòng \"# public key:\" của nó phải có trong recipients); cất giữ khoá đúng ở nơi an toàn",
                "Use the identity that matches one of [encryption] recipients (its \"# public key:\" line must be in recipients); keep the right one somewhere safe",
            ),
        ),
    });
    out
}

/// One store: reach it, read its marker, write, read back and remove a probe.
/// Stores that are not who they were: a marker changed since this host saw
/// it (another disk mounted there), and two configured stores that carry the
/// same marker (a link, a second mount, a copied marker: one copy, not two).
async fn store_identities(cfg: &Config, trusted: &crate::trust::Trusted) -> Vec<Line> {
    let mut markers = Vec::new();
    for s in &cfg.stores {
        markers.push(match Store::open(s) {
            Ok(st) => st.marker(trusted).await.ok(),
            Err(_) => None,
        });
    }
    let labels = cfg.store_labels();
    let mut changed = Vec::new();
    for (label, m) in labels.iter().zip(&markers) {
        if let Some(MarkerState::Trusted(m)) = m
            && let Ok(Some(was)) = super::seen::marker(&cfg.state_dir, label, &m.store_id)
        {
            changed.push(Line::fail(
                format!("marker-changed:{label}"),
                t("Dấu kho đã đổi", "marker changed"),
                format!(
                    "dấu kho của {label} đã đổi từ lần trước (trước là {was}): một ổ khác đang được gắn ở đó, hoặc kho đã bị thay"
                ),
                format!(
                    "the marker of store {label} changed since this host last saw it (it was {was}): another store is mounted there, or the store was replaced"
                ),
                t(
                    format!("Kiểm tra ổ nào đang được gắn; nếu đúng là kho mới: eqvault store add {label}"),
                    format!("Check which disk is mounted; if it is the new store on purpose: eqvault store add {label}"),
                ),
            ));
        }
    }
    changed.extend(super::survey::same_marker(&markers)
        .into_iter()
        .enumerate()
        .filter_map(|(j, first)| {
            let i = first?;
            Some(Line::fail(
                format!("same-store:{}", labels[j]),
                t("Hai kho là một", "one store twice"),
                format!(
                    "{} và {} mang cùng một dấu kho: đó là một kho (liên kết, gắn hai lần, hoặc dấu bị chép), chỉ tính một bản",
                    labels[i], labels[j]
                ),
                format!(
                    "{} and {} carry the same marker: one store (a link, a second mount, or a copied marker), one copy, not two",
                    labels[i], labels[j]
                ),
                t(
                    "Trỏ mục [[store]] thứ hai tới một phương tiện độc lập (ổ khác, máy chủ S3), rồi chạy eqvault store add URL",
                    "Point the second [[store]] at independent media (another disk, an S3 server), then run eqvault store add URL",
                ),
            ))
        }));
    changed
}

async fn store(
    s: &StoreConfig,
    vault: Option<&str>,
    trusted: Option<&crate::trust::Trusted>,
    now: DateTime<Utc>,
) -> Vec<Line> {
    let label = crate::store::redact_url(&s.url);
    let name = format!("store:{label}");
    let title = t(format!("Kho {label}"), format!("store {label}"));
    let mtitle = t(format!("Dấu kho {label}"), format!("marker of {label}"));
    let mname = format!("marker:{label}");
    let down = |e: StoreError, what_vi: &str| {
        Line::fail(
            name.clone(),
            title.clone(),
            what_vi.to_string(),
            e.to_string(),
            store_todo(&e),
        )
    };
    let store = match Store::open(s) {
        Ok(st) => st.in_vault(vault),
        Err(e) => {
            return vec![
                down(e, "không mở được kho"),
                Line::skipped(
                    mname,
                    mtitle,
                    "chưa đọc: kho không mở được",
                    "not read: the store cannot be opened",
                ),
            ];
        }
    };
    let listed = match store.list(crate::catalog::SNAPSHOTS).await {
        Ok(l) => l.len(),
        Err(e) => {
            return vec![
                down(e, "không kết nối hoặc không liệt kê được kho"),
                Line::skipped(
                    mname,
                    mtitle,
                    "chưa đọc: kho không truy cập được",
                    "not read: the store cannot be reached",
                ),
            ];
        }
    };
    let marker = match trusted {
        None => Line::skipped(
            mname.clone(),
            mtitle.clone(),
            "chưa đọc: không có khoá tin cậy (xem dòng khoá ký)",
            "not judged: no trusted key (see the signing line)",
        ),
        Some(tr) => match store.marker(tr).await {
            Ok(MarkerState::Trusted(m)) => Line::ok(
                mname.clone(),
                mtitle.clone(),
                "có dấu kho eqvault-store.json được ký bởi khoá tin cậy",
                format!(
                    "eqvault-store.json signed by a trusted key (store id {}, made {})",
                    m.store_id,
                    m.created_at.format("%Y-%m-%d")
                ),
            ),
            Ok(MarkerState::Missing) => Line::fail(
                mname.clone(),
                mtitle.clone(),
                "không có dấu kho eqvault-store.json: có thể ổ NAS hoặc ổ đĩa chưa được gắn (mount)",
                format!("{label} has no eqvault-store.json"),
                t(
                    format!(
                        "Kiểm tra ổ NAS hoặc ổ đĩa đã được gắn đúng chỗ; nếu đúng là kho mới, chạy: eqvault store add {label}"
                    ),
                    format!(
                        "Check that the NAS or disk is mounted; if it is the right, new store, run: eqvault store add {label}"
                    ),
                ),
            ),
            Ok(MarkerState::Untrusted(why)) => Line::fail(
                mname.clone(),
                mtitle.clone(),
                "dấu kho không được tin cậy: đây có thể không phải kho của đơn vị",
                format!("the eqvault-store.json of {label} is not trusted: {why}"),
                t(
                    "Kiểm tra URL của kho trong tệp cấu hình; nếu kho do máy khác tạo, thêm khoá công khai của máy đó vào [signing] trusted",
                    "Check the store's URL in the config; if another host made it, add that host's public key to [signing] trusted",
                ),
            ),
            Err(e) => Line::fail(
                mname.clone(),
                mtitle.clone(),
                "không đọc được dấu kho",
                e.to_string(),
                store_todo(&e),
            ),
        },
    };
    // A local store without a trusted marker may be an empty mount point: writing
    // there would write to the local disk, so the probe is not tried.
    let local_unmarked = store.local_root().is_some() && marker.state != State::Ok;
    let access = if local_unmarked {
        Line::skipped(
            name.clone(),
            title.clone(),
            format!(
                "liệt kê được ({listed} mục trong snapshots/); chưa thử ghi vì dấu kho chưa đúng"
            ),
            format!(
                "listed ({listed} objects under snapshots/); no probe written until the marker is right"
            ),
        )
    } else {
        probe(&store, &name, &title, listed, now).await
    };
    let mut out = vec![access, marker];
    out.extend(object_lock(&store, s).await);
    out
}

/// An S3 store's Object Lock: with `lock` set, whether the bucket has it
/// (a store whose bucket has none fails: nothing there is protected); without,
/// a bucket that keeps versions is named (prune leaves delete markers there).
/// Nothing for a local store, nor when an unlocked store's bucket cannot say.
async fn object_lock(store: &Store, cfg: &StoreConfig) -> Option<Line> {
    let label = store.label.clone();
    let name = format!("lock:{label}");
    let title = t(
        format!("Khoá chống xoá (Object Lock) của {label}"),
        format!("Object Lock of {label}"),
    );
    let versions_vi = "bucket giữ các phiên bản: prune chỉ đặt dấu xoá (delete marker), dung lượng không được giải phóng cho đến khi một quy tắc vòng đời (lifecycle) xoá các phiên bản cũ (NoncurrentVersionExpiration)";
    let versions_en = "the bucket keeps versions: prune leaves delete markers and frees no space until a lifecycle rule expires noncurrent versions (NoncurrentVersionExpiration)";
    let Some(lock) = cfg.lock else {
        if !matches!(store.versioned().await, Ok(Some(true))) {
            return None;
        }
        let mut l = Line::new(name, State::Warn, title);
        l.detail_vi = versions_vi.to_string();
        l.detail = versions_en.to_string();
        l.todo_vi = Some("Thêm quy tắc vòng đời xoá phiên bản cũ sau một thời gian (xem README, \"Chống mã độc tống tiền\"), hoặc đặt lock = { … } cho kho này nếu bucket có Object Lock".into());
        l.todo_en = Some("Add a lifecycle rule that expires noncurrent versions (README, \"Protecting backups from ransomware\"), or set lock = { … } on this store if the bucket has Object Lock".into());
        return Some(l);
    };
    let mode = match lock.mode {
        crate::store::LockMode::Governance => "governance",
        crate::store::LockMode::Compliance => "compliance",
    };
    Some(match store.bucket_lock().await {
        Ok(Some(crate::store::BucketLock::Enabled)) => Line::ok(
            name,
            title,
            format!(
                "bucket có Object Lock: mỗi đối tượng eqvault ghi được khoá ({mode}) {}; bản mỗi quý được khoá tới {} (lock.max). {versions_vi}",
                lock.keep, lock.max
            ),
            format!(
                "the bucket has Object Lock: every object eqvault writes is locked ({mode}) for {}; each quarter's copy up to {} ahead (lock.max). {versions_en}",
                lock.keep, lock.max
            ),
        ),
        Ok(_) => Line::fail(
            name,
            title,
            "kho đặt lock nhưng bucket KHÔNG bật Object Lock: không đối tượng nào được bảo vệ, ai có khoá ghi đều xoá được",
            format!(
                "lock is set, but the bucket of {label} has no Object Lock: nothing there is protected, and anyone with its keys can delete every copy"
            ),
            t(
                "Tạo một bucket mới có Object Lock (aws s3api create-bucket --object-lock-enabled-for-bucket …, hoặc mc mb --with-lock với MinIO), trỏ [[store]] url tới đó, chạy eqvault store add rồi eqvault sync",
                "Create a bucket with Object Lock (aws s3api create-bucket --object-lock-enabled-for-bucket …, or mc mb --with-lock on MinIO), point the [[store]] url at it, run eqvault store add, then eqvault sync",
            ),
        ),
        Err(e) => Line::fail(
            name,
            title,
            "không hỏi được bucket có bật Object Lock hay không",
            e.to_string(),
            t(
                "Cấp quyền s3:GetBucketObjectLockConfiguration, s3:GetObjectRetention và s3:PutObjectRetention cho khoá trong [[store]]",
                "Grant s3:GetBucketObjectLockConfiguration, s3:GetObjectRetention and s3:PutObjectRetention to the key in [[store]]",
            ),
        ),
    })
}

async fn probe(
    store: &Store,
    name: &str,
    title: &(String, String),
    listed: usize,
    now: DateTime<Utc>,
) -> Line {
    let key = format!("{PROBE_PREFIX}{:016x}", rand::random::<u64>());
    let body = format!(
        "eqvault doctor probe, written {} by {}; it is removed at once (in a bucket with Object Lock, left locked for a day), and safe to delete\n",
        now.to_rfc3339(),
        crate::trust::host_name()
    );
    let fail = |e: StoreError, vi: &str| {
        Line::fail(
            name.to_string(),
            title.clone(),
            vi.to_string(),
            e.to_string(),
            store_todo(&e),
        )
    };
    if let Err(e) = store.put_probe(&key, Bytes::from(body.clone())).await {
        return fail(
            e,
            "liệt kê được nhưng KHÔNG ghi được: sao lưu sẽ thất bại ở kho này",
        );
    }
    // With `lock`, the probe must read back locked: else eqvault cannot see a
    // lock (s3:GetObjectRetention) and would take a locked copy for a free one.
    if store.lock().is_some() {
        match store.retention(&key).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Line::fail(
                    name.to_string(),
                    title.clone(),
                    "đã ghi đối tượng thử nhưng không thấy nó bị khoá (Object Lock)",
                    format!(
                        "the probe {key} was written but reads back with no lock: the key may lack s3:GetObjectRetention, or the server ignores Object Lock"
                    ),
                    t(
                        "Cấp quyền s3:GetObjectRetention và s3:PutObjectRetention cho khoá trong [[store]], và kiểm tra bucket có bật Object Lock",
                        "Grant s3:GetObjectRetention and s3:PutObjectRetention to the key in [[store]], and check that the bucket has Object Lock",
                    ),
                );
            }
            Err(e) => return fail(e, "ghi được nhưng không đọc được khoá của đối tượng thử"),
        }
    }
    match store.get_bytes_max(&key, 4096).await {
        Ok(b) if b == body.as_bytes() => {}
        Ok(_) => {
            let _ = store.delete(&key).await;
            return Line::fail(
                name.to_string(),
                title.clone(),
                "đọc lại ra nội dung khác với nội dung đã ghi",
                format!("{key} read back differs from what was written"),
                t(
                    "Kiểm tra máy chủ lưu trữ (bộ nhớ đệm, proxy, ổ đĩa hỏng) trước khi sao lưu vào đó",
                    "Check the storage server (caches, proxies, a failing disk) before backing up there",
                ),
            );
        }
        Err(e) => return fail(e, "ghi được nhưng không đọc lại được"),
    }
    let done_vi = format!("liệt kê ({listed} mục trong snapshots/), ghi, đọc lại");
    let done_en = format!("listed ({listed} objects under snapshots/), wrote and read back {key}");
    match store.delete(&key).await {
        Ok(()) => Line::ok(
            name,
            title.clone(),
            format!("{done_vi} và xoá được một đối tượng thử"),
            format!("{done_en}, removed it"),
        ),
        // A locked store keeps the probe too, until its date: the lock works.
        Err(StoreError::Locked { until, .. }) => Line::ok(
            name,
            title.clone(),
            format!(
                "{done_vi}; đối tượng thử bị khoá (Object Lock) tới {}, như mọi đối tượng eqvault ghi ở đây, nên nó được để lại: {key}",
                until.format("%d/%m/%Y")
            ),
            format!(
                "{done_en}; it is locked (Object Lock) until {}, as every object eqvault writes here, so it stays: {key}",
                until.format("%Y-%m-%d")
            ),
        ),
        // A write-only store refusing the removal is what it is meant to do.
        Err(e @ StoreError::Denied { .. }) => Line::ok(
            name,
            title.clone(),
            format!(
                "{done_vi}; kho từ chối xoá đối tượng thử (khoá chỉ-ghi hoặc Object Lock), nó được để lại: {key}. Lệnh prune cũng sẽ không xoá được bản cũ ở kho này"
            ),
            format!(
                "{done_en}; the store refused to remove it (a write-only key or Object Lock), so it stays: {e}. prune cannot remove old snapshots here either"
            ),
        ),
        Err(e) => fail(e, "ghi và đọc lại được, nhưng không xoá được đối tượng thử"),
    }
}

fn store_todo(e: &StoreError) -> (String, String) {
    match e {
        StoreError::MissingFolder(_) | StoreError::NoMarker { .. } => t(
            "Gắn (mount) ổ NAS hoặc ổ đĩa ngoài chứa kho; với kho mới, eqvault store add URL --create-store tạo thư mục và ghi dấu kho; rồi chạy lại eqvault doctor",
            "Mount the NAS or external disk the store is on; for a new store, eqvault store add URL --create-store creates the folder and writes its marker; then run eqvault doctor again",
        ),
        StoreError::Denied { .. } => t(
            "Khoá truy cập S3 không được phép làm việc này: cấp quyền liệt kê, đọc và ghi (s3:ListBucket, s3:GetObject, s3:PutObject) cho khoá trong [[store]]",
            "The S3 credentials may not do this: grant list, read and write (s3:ListBucket, s3:GetObject, s3:PutObject) to the key in [[store]]",
        ),
        StoreError::Scheme(_) | StoreError::BadUrl { .. } => t(
            "Sửa url của [[store]]: một thư mục, file:///đường/dẫn hoặc s3://bucket/tiền-tố",
            "Fix the [[store]] url: a folder, file:///path or s3://bucket/prefix",
        ),
        _ => t(
            "Kiểm tra máy chủ lưu trữ đang chạy và truy cập được từ máy này (mạng, tường lửa, endpoint), và thông tin đăng nhập trong [[store]] đúng",
            "Check that the storage server is running and reachable from this host (network, firewall, endpoint) and that the credentials in [[store]] are right",
        ),
    }
}

/// The policies, retention, and the calendar's coverage of this year and the next.
fn policies(cfg: &Config, now: DateTime<Utc>) -> Vec<Line> {
    let mut out = Vec::new();
    let title = t("Bộ quy định", "policies");
    let policies = match crate::policy::Policies::from_config(Some(cfg)) {
        Ok(p) => {
            let (vi, en) = match &p.source {
                crate::policy::PolicySource::BuiltIn => (
                    "có sẵn trong eqvault".to_string(),
                    "the policies built into eqvault".to_string(),
                ),
                crate::policy::PolicySource::Dir(d) => {
                    let d = crate::sanitize::path(d);
                    (format!("thư mục {d}"), format!("the folder {d}"))
                }
            };
            out.push(Line::ok(
                "policies",
                title,
                format!("{vi}, đọc và kiểm tra xong"),
                format!("{en}, read and validated"),
            ));
            Some(p)
        }
        Err(e) => {
            out.push(Line::fail(
                "policies",
                title,
                "bộ quy định không đọc được",
                e.to_string(),
                t(
                    "Sửa tệp bị lỗi trong thư mục [policies] dir (eqvault doctor -v nêu tệp và chỗ lỗi), hoặc bỏ [policies] dir để dùng bộ có sẵn",
                    "Fix the file the message names (in [policies] dir), or remove [policies] dir to use the built-in set",
                ),
            ));
            None
        }
    };
    out.push(retention(cfg));
    let tz = cfg.schedule.timezone;
    let year = now.with_timezone(&tz).year();
    for y in [year, year + 1] {
        let title = t(format!("Lịch nghỉ năm {y}"), format!("calendar {y}"));
        let name = format!("calendar:{y}");
        let Some(p) = &policies else {
            out.push(Line::skipped(
                name,
                title,
                "chưa kiểm tra: bộ quy định lỗi",
                "not checked: the policies are not readable",
            ));
            continue;
        };
        if p.calendar.file_years().contains(&y) {
            out.push(Line::ok(
                name,
                title,
                format!("có lịch nghỉ lễ, Tết đã công bố cho năm {y}"),
                format!("the published holiday schedule for {y} is there"),
            ));
        } else {
            // This year's days off must be known; next year's are usually announced
            // late in the year before (Oct–Dec), so their absence is a warning: a
            // fresh, correct install in December must not fail its first check.
            let mut line = Line::fail(
                name,
                title,
                format!(
                    "chưa có lịch nghỉ lễ, Tết đã công bố cho năm {y}: eqvault dùng lịch đề xuất tính theo âm lịch, và các hạn trong năm đó chỉ là tạm tính"
                ),
                format!(
                    "no published holiday schedule for {y}: eqvault uses a proposal from the lunar calendar, and deadlines in {y} are provisional"
                ),
                t(
                    format!(
                        "Khi Chính phủ công bố lịch nghỉ năm {y}: cập nhật eqvault, hoặc chép thư mục policies/ của eqvault, thêm calendar/{y}.toml và đặt [policies] dir trỏ tới thư mục đó"
                    ),
                    format!(
                        "When the government announces {y}'s days off: upgrade eqvault, or copy eqvault's policies/ folder, add calendar/{y}.toml and point [policies] dir at it"
                    ),
                ),
            );
            if y != year {
                line.state = State::Warn;
                line.ok = true;
            }
            out.push(line);
        }
    }
    out
}

/// Retention that would keep nothing recent, remove uploads in progress, or a drill
/// target no drill can meet.
fn retention(cfg: &Config) -> Line {
    let r = &cfg.retention;
    let title = t("Quy tắc giữ bản", "retention");
    let mut vi = Vec::new();
    let mut en = Vec::new();
    if r.keep_last == 0
        && r.keep_daily == 0
        && r.keep_weekly == 0
        && r.keep_monthly == 0
        && r.keep_within.is_none()
    {
        vi.push("không quy tắc nào giữ các bản gần đây (keep_last, keep_daily, keep_weekly, keep_monthly đều bằng 0, không có keep_within): chỉ còn bản mỗi quý".to_string());
        en.push("nothing keeps recent snapshots (keep_last, keep_daily, keep_weekly and keep_monthly are 0, no keep_within): only one per quarter would stay".to_string());
    }
    if let Keep::For(span) = r.keep_quarterly
        && span.approx_seconds() < 365 * 24 * 3600
    {
        vi.push(format!(
            "keep_quarterly = {span}: bản mỗi quý giữ chưa tới một năm"
        ));
        en.push(format!(
            "keep_quarterly = {span}: the quarterly copies are kept less than a year"
        ));
    }
    if r.incomplete_grace.approx_seconds() < 3600 {
        vi.push(format!(
            "incomplete_grace = {}: một lần tải lên đang chạy (cơ sở dữ liệu lớn, mạng chậm) có thể bị prune xoá",
            r.incomplete_grace
        ));
        en.push(format!(
            "incomplete_grace = {}: an upload still in progress (a large database over a slow link) could be removed by prune",
            r.incomplete_grace
        ));
    }
    if cfg.drill.restore_time_target.approx_seconds() == 0 {
        vi.push("[drill] restore_time_target = 0: mọi lần diễn tập đều bị cảnh báo".to_string());
        en.push("[drill] restore_time_target is 0: every drill is a warning".to_string());
    }
    if vi.is_empty() {
        Line::ok(
            "retention",
            title,
            format!(
                "giữ {} bản mới nhất, {} ngày, {} tuần, {} tháng, {} năm, và một bản mỗi quý",
                r.keep_last, r.keep_daily, r.keep_weekly, r.keep_monthly, r.keep_yearly
            ),
            format!(
                "keeps the last {}, {} daily, {} weekly, {} monthly, {} yearly, and one per quarter",
                r.keep_last, r.keep_daily, r.keep_weekly, r.keep_monthly, r.keep_yearly
            ),
        )
    } else {
        Line::fail(
            "retention",
            title,
            vi.join("; "),
            en.join("; "),
            t(
                "Sửa [retention] (và [drill]) trong tệp cấu hình; xem bảng tham chiếu cấu hình trong README",
                "Fix [retention] (and [drill]) in the config; see the config reference in README",
            ),
        )
    }
}

/// With a schedule configured: whether a daemon runs it, and whether a run was missed.
fn schedule(cfg: &Config, now: DateTime<Utc>) -> Option<Line> {
    if cfg.schedule.jobs.is_empty() {
        return None;
    }
    let title = t("Lịch chạy tự động", "schedule");
    let st = match crate::schedule::state::look(cfg, now) {
        Ok(st) => st,
        Err(e) => {
            return Some(Line::fail(
                "schedule",
                title,
                "không đọc được trạng thái lịch chạy",
                e.to_string(),
                t(
                    "Kiểm tra thư mục trạng thái ([state] dir) đọc được bởi người dùng này",
                    "Check that the state folder ([state] dir) is readable by this user",
                ),
            ));
        }
    };
    let (vi, en) = st.summary();
    Some(if st.problem() {
        Line::fail(
            "schedule",
            title,
            vi,
            en,
            t(
                "Khởi động tiến trình chạy lịch: systemctl enable --now eqvault (hoặc eqvault daemon); xem eqvault schedule status và eqvault schedule history",
                "Start the daemon: systemctl enable --now eqvault (or eqvault daemon); see eqvault schedule status and eqvault schedule history",
            ),
        )
    } else {
        Line::ok("schedule", title, vi, en)
    })
}

/// Every configured ping URL, by its config key, in the order a job sends them.
fn ping_urls(cfg: &Config) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |key: String, url: &Option<crate::secret::Secret<String>>| {
        if let Some(u) = url.as_ref().map(|u| u.expose())
            && !out.iter().any(|(_, seen)| seen == u)
        {
            out.push((key, u.clone()));
        }
    };
    // Start, fail, then success: a Healthchecks check tested this way ends "up".
    let p = &cfg.alerts.pings;
    add("alerts.ping_start".into(), &p.start);
    add("alerts.ping_fail".into(), &p.fail);
    add("alerts.ping_success".into(), &p.success);
    for j in &cfg.schedule.jobs {
        add(format!("schedule.{}.ping_start", j.name), &j.pings.start);
        add(format!("schedule.{}.ping_fail", j.name), &j.pings.fail);
        add(
            format!("schedule.{}.ping_success", j.name),
            &j.pings.success,
        );
    }
    out
}

async fn alerts(cfg: &Config, opts: &DoctorOptions) -> Vec<Line> {
    let pings = ping_urls(cfg);
    let email = cfg.alerts.email.as_ref();
    // Nothing configured: nothing to send, and that is the warning either way.
    if !opts.send_test_alert || (pings.is_empty() && email.is_none()) {
        let title = t("Cảnh báo", "alerts");
        return vec![match (pings.len(), email) {
            (0, None) => {
                // Works, but a failed night job would be noticed by nobody.
                let mut l = Line::ok(
                    "alerts",
                    title,
                    "chưa cấu hình cảnh báo nào: lỗi của công việc ban đêm chỉ được ghi vào nhật ký",
                    "no alert is configured: a failed night job is only logged",
                );
                l.state = State::Warn;
                l.todo_vi = Some(
                    "Thêm [alerts.email] (to = [\"…\"], host) hoặc [alerts] ping_fail = \"https://…\", rồi chạy eqvault doctor --send-test-alert".into(),
                );
                l.todo_en = Some(
                    "Add [alerts.email] (to = [\"…\"], host) or [alerts] ping_fail = \"https://…\", then run eqvault doctor --send-test-alert".into(),
                );
                l
            }
            (n, e) => Line::ok(
                "alerts",
                title,
                format!(
                    "{n} địa chỉ ping{}; chưa gửi thử (eqvault doctor --send-test-alert gửi thử)",
                    e.map(|e| format!(
                        ", thư tới {} người qua {}:{}",
                        e.to.len(),
                        e.host,
                        e.port()
                    ))
                    .unwrap_or_default()
                ),
                format!(
                    "{n} ping URL(s){}; nothing sent (eqvault doctor --send-test-alert sends a test)",
                    e.map(|e| format!(", email to {} via {}:{}", e.to.len(), e.host, e.port()))
                        .unwrap_or_default()
                ),
            ),
        }];
    }
    let mut out = Vec::new();
    let timeout = Duration::from_secs(cfg.alerts.ping_timeout.approx_seconds().max(1));
    let host = crate::schedule::alerts::host_name();
    let body = format!("eqvault doctor: test ping from {host}; nothing is wrong\n");
    for (key, url) in &pings {
        let shown = crate::schedule::alerts::redact_ping_url(url);
        let title = t(format!("Ping {key}"), format!("ping {key}"));
        let name = format!("ping:{key}");
        match crate::schedule::alerts::send_ping(url, cfg.alerts.ping_method, &body, timeout).await
        {
            Ok(()) => out.push(Line::ok(
                name,
                title,
                format!("đã gửi ping thử tới {shown}"),
                format!("test ping sent to {shown}"),
            )),
            Err(e) => out.push(Line::fail(
                name,
                title,
                format!("KHÔNG gửi được ping tới {shown}"),
                format!("{shown}: {e}"),
                t(
                    format!(
                        "Kiểm tra {key} trong tệp cấu hình (địa chỉ đầy đủ, ví dụ https://hc-ping.com/…) và máy này ra được Internet tới máy chủ đó"
                    ),
                    format!(
                        "Check {key} in the config (the full URL, e.g. https://hc-ping.com/…) and that this host can reach that server"
                    ),
                ),
            )),
        }
    }
    match email {
        None => out.push(Line::ok(
            "email",
            t("Thư cảnh báo", "alert email"),
            "chưa cấu hình [alerts.email]: không có thư nào để gửi thử",
            "no [alerts.email]: no test email to send",
        )),
        Some(e) => {
            let server = format!("{}:{}", e.host, e.port());
            let title = t(
                format!("Thư cảnh báo qua {server}"),
                format!("alert email via {server}"),
            );
            let m = test_email(cfg, &host);
            match crate::schedule::alerts::send_email(e, &m, cfg.schedule.timezone).await {
                Ok(()) => out.push(Line::ok(
                    "email",
                    title,
                    format!(
                        "máy chủ thư đã nhận thư thử cho {} người nhận; hãy kiểm tra hộp thư",
                        e.to.len()
                    ),
                    format!(
                        "the server accepted a test email to {}; check the inbox",
                        e.to.join(", ")
                    ),
                )),
                Err(x) => out.push(Line::fail(
                    "email",
                    title,
                    "KHÔNG gửi được thư thử: khi một công việc thất bại sẽ không ai được báo",
                    format!("{server}: {x}"),
                    t(
                        "Kiểm tra [alerts.email] host, port, tls (none/starttls/tls), username và mật khẩu, và máy này kết nối được tới máy chủ thư đó",
                        "Check [alerts.email] host, port, tls (none/starttls/tls), username and password, and that this host can reach that server",
                    ),
                )),
            }
            if !e.report_to.is_empty() {
                out.push(test_report(cfg).await);
            }
        }
    }
    out
}

/// A test of the scheduled report: made as the job makes it, mailed to `report_to`.
async fn test_report(cfg: &Config) -> Line {
    let title = t("Thư báo cáo thử", "test report email");
    let vault = super::Vault::open(cfg.clone());
    match vault.send_test_report(crate::calendar::today()).await {
        Ok((to, period)) => Line::ok(
            "report_email",
            title,
            format!(
                "máy chủ thư đã nhận báo cáo thử ({period}) cho {} người nhận lãnh đạo; hãy kiểm tra hộp thư",
                to.len()
            ),
            format!(
                "the server accepted a test report ({period}) to {}; check the inbox",
                to.join(", ")
            ),
        ),
        Err(e) => Line::fail(
            "report_email",
            title,
            "KHÔNG gửi được báo cáo thử tới report_to",
            e.to_string(),
            t(
                "Xem dòng «report» ở trên ([office] name, Chromium cho pdf) và [alerts.email]",
                "See the «report» line above ([office] name, Chromium for pdf) and [alerts.email]",
            ),
        ),
    }
}

/// The test email: Vietnamese first, English underneath, as the real alerts.
fn test_email(cfg: &Config, host: &str) -> crate::schedule::alerts::Composed {
    let office = cfg.office.name.trim();
    let place = if office.is_empty() {
        host.to_string()
    } else {
        format!("{office} ({host})")
    };
    crate::schedule::alerts::Composed {
        subject: format!("[eqvault] THỬ: thư cảnh báo thử – {place} [test alert]"),
        body: format!(
            "Đây là thư thử do eqvault doctor --send-test-alert gửi từ {place}.\n\
             Không có gì hỏng. Khi một công việc sao lưu, kiểm tra hay diễn tập thất bại, thư cảnh báo sẽ đến địa chỉ này.\n\
             \n\
             -- English --\n\
             This is a test email sent by eqvault doctor --send-test-alert from {place}.\n\
             Nothing is wrong. When a backup, verify or drill job fails, the alert comes to this address.\n"
        ),
    }
}

impl super::Outcome for DoctorOutcome {
    /// Any line that failed: exit 1.
    fn verdict(&self) -> super::Verdict {
        super::Verdict::found_if(!self.ok)
    }
}

impl super::Vault {
    /// The set-up checklist of the config at `config_path` (see [`doctor`]);
    /// a config that does not load is its first line, not an error.
    pub async fn doctor(
        config_path: &Path,
        opts: &DoctorOptions,
        now: DateTime<Utc>,
    ) -> DoctorOutcome {
        doctor(config_path, opts, now).await
    }
}
