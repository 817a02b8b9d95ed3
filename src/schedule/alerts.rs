//! Alerts: Healthchecks-style webhook pings (start, success, fail) and email over SMTP
//! on failure, on a drill that is not `success`, and on violations found by `check`.
//!
//! Messages are in Vietnamese with English underneath, carry the one-line reason and
//! what to do, and never a secret: ping URLs (they hold the check's token) and the
//! SMTP password appear in no message and no log line. An alert that cannot be sent
//! is logged and never fails or holds up the job: every send has a timeout.

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::history::RunStatus;
use crate::config::{Config, Email, Job, PingMethod, SmtpTls};
use crate::lang::Lang;

/// What happened, for the message.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The job.
    pub job: String,
    /// How the run ended.
    pub status: RunStatus,
    /// What it did, in one line.
    pub summary: String,
    /// Why it is not ok, in one line.
    pub reason: Option<String>,
    /// The same in Vietnamese, when eqvault can say it; otherwise the Vietnamese half
    /// points at the English reason instead of quoting it.
    pub reason_vi: Option<String>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
}

/// A composed email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// The subject (Vietnamese, with the English gist in brackets).
    pub subject: String,
    /// The plain-text body: Vietnamese, then English.
    pub body: String,
}

/// The job's name in `lang` (`Sao lưu`, `Backup`).
pub fn job_name(job: &str, lang: Lang) -> String {
    lang.t(
        match job {
            "backup" => "job-backup",
            "sync" => "job-sync",
            "verify" => "job-verify",
            "drill" => "job-drill",
            "prune" => "job-prune",
            "check" => "job-check",
            "report" => "job-report",
            _ => "job-other",
        },
        &[],
    )
}

/// What to do, in `lang`.
fn what_to_do(job: &str, status: RunStatus, lang: Lang) -> String {
    if status == RunStatus::Interrupted {
        return lang.t("alert-todo-interrupted", &[("job", &job)]);
    }
    let id = match job {
        "backup" => "alert-todo-backup",
        "sync" => "alert-todo-sync",
        "verify" => "alert-todo-verify",
        "drill" => "alert-todo-drill",
        "prune" => "alert-todo-prune",
        "check" => "alert-todo-check",
        "report" => "alert-todo-report",
        _ => "alert-todo-other",
    };
    lang.t(id, &[])
}

/// The machine's name, for "where did this happen".
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// The email for `n`: Vietnamese first, English underneath, each its own
/// block (the reader of an alert is not known), the words from the catalog.
pub fn compose(n: &Notice, office: &str, host: &str, tz: Tz) -> Composed {
    let (vi, en) = (Lang::Vi, Lang::En);
    let name = job_name(&n.job, vi);
    let (tag, outcome) = match (n.status, n.job.as_str()) {
        (RunStatus::Interrupted, _) => ("alert-tag-fail", "alert-outcome-interrupted"),
        (RunStatus::Warning, "drill") => ("alert-tag-warning", "alert-outcome-drill"),
        (RunStatus::Warning, "check") => ("alert-tag-warning", "alert-outcome-check"),
        (RunStatus::Warning, _) => ("alert-tag-warning", "alert-outcome-look"),
        (RunStatus::Ok, _) => ("alert-tag-ok", "alert-outcome-ok"),
        _ => ("alert-tag-fail", "alert-outcome-failed"),
    };
    let place = if office.trim().is_empty() {
        host.to_string()
    } else {
        format!("{} ({host})", office.trim())
    };
    let outcome_vi = vi.t(outcome, &[]);
    let outcome_en = en.t(outcome, &[]);
    let subject = vi.t(
        "alert-subject",
        &[
            ("tag", &vi.t(tag, &[])),
            ("name", &name),
            ("outcome", &outcome_vi),
            ("place", &place),
            ("job", &n.job),
            ("outcome_en", &outcome_en),
        ],
    );
    let reason = n.reason.as_deref().unwrap_or("-");
    let reason_vi = match (&n.reason_vi, &n.reason) {
        (Some(r), _) => r.clone(),
        (None, Some(_)) => vi.t("alert-reason-in-english", &[]),
        (None, None) => "-".to_string(),
    };
    // To the minute, as each reader writes a time (no seconds, no nanoseconds).
    let vn = |t: DateTime<Utc>| vi.when(&t.with_timezone(&tz));
    let iso = |t: DateTime<Utc>| en.when(&t.with_timezone(&tz));
    let lines = |lang: Lang, start: String, end: String, result: &str, reason: &str| {
        [
            lang.t(
                "alert-line-job",
                &[("name", &job_name(&n.job, lang)), ("job", &n.job)],
            ),
            lang.t("alert-line-where", &[("place", &place)]),
            lang.t("alert-line-start", &[("when", &start), ("tz", &tz)]),
            lang.t("alert-line-end", &[("when", &end)]),
            lang.t("alert-line-result", &[("result", &result)]),
            lang.t("alert-line-reason", &[("reason", &reason)]),
            lang.t(
                "alert-line-todo",
                &[("todo", &what_to_do(&n.job, n.status, lang))],
            ),
            lang.t("alert-line-history", &[]),
        ]
        .join("\n")
    };
    let body = format!(
        "{}\n\n{}\n\n-- English --\n{}\n{}\n",
        vi.t(
            "alert-headline",
            &[("name", &name), ("outcome", &outcome_vi)]
        ),
        lines(
            vi,
            vn(n.started_at),
            vn(n.ended_at),
            &outcome_vi,
            &reason_vi
        ),
        en.t(
            "alert-headline-en",
            &[("job", &n.job), ("outcome", &outcome_en)]
        ),
        lines(en, iso(n.started_at), iso(n.ended_at), &n.summary, reason),
    );
    Composed { subject, body }
}

/// A ping URL as it may be logged: scheme, host and port; the path (the token) hidden.
pub fn redact_ping_url(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(p) => format!(
            "{}://{}{}/…",
            p.scheme(),
            p.host_str().unwrap_or("?"),
            p.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "<ping URL>".to_string(),
    }
}

/// Which ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ping {
    /// The job starts.
    Start,
    /// It ended well.
    Success,
    /// It failed.
    Fail,
}

impl Ping {
    fn as_str(self) -> &'static str {
        match self {
            Ping::Start => "start",
            Ping::Success => "success",
            Ping::Fail => "fail",
        }
    }
}

/// The URL of `which` for `job`: the job's own, else `[alerts]`'s.
fn ping_url<'a>(cfg: &'a Config, job: &'a Job, which: Ping) -> Option<&'a str> {
    let pick = |p: &'a crate::config::Pings| match which {
        Ping::Start => p.start.as_ref().map(|u| u.expose().as_str()),
        Ping::Success => p.success.as_ref().map(|u| u.expose().as_str()),
        Ping::Fail => p.fail.as_ref().map(|u| u.expose().as_str()),
    };
    pick(&job.pings).or_else(|| pick(&cfg.alerts.pings))
}

/// Sends the `which` ping of `job`, if one is configured. Failures are logged, never returned.
pub async fn ping(cfg: &Config, job: &Job, which: Ping, body: &str) {
    let Some(url) = ping_url(cfg, job, which) else {
        return;
    };
    let shown = redact_ping_url(url);
    let timeout = Duration::from_secs(cfg.alerts.ping_timeout.approx_seconds().max(1));
    match send_ping(url, cfg.alerts.ping_method, body, timeout).await {
        Ok(()) => tracing::info!(job = %job.name, ping = %which.as_str(), to = %shown, "ping sent"),
        Err(e) => tracing::warn!(
            job = %job.name,
            ping = %which.as_str(),
            to = %shown,
            error = %e,
            "the ping could not be sent; the job is not affected"
        ),
    }
}

/// Sends one ping to `url` (POST with `body`, or GET), within `timeout`.
///
/// # Errors
/// A one-line reason that never names the URL (it holds the check's token).
pub async fn send_ping(
    url: &str,
    method: PingMethod,
    body: &str,
    timeout: Duration,
) -> Result<(), String> {
    // reqwest's errors name the URL, which holds the token: strip it before showing.
    let show = |e: reqwest::Error| crate::store::flatten_error(&e.without_url());
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("eqvault/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(show)?;
    let req = match method {
        PingMethod::Get => client.get(url),
        PingMethod::Post => client
            .post(url)
            .header("content-type", "text/plain; charset=utf-8")
            .body(body.to_string()),
    };
    let resp = req.send().await.map_err(show)?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "the server answered HTTP {}",
            resp.status().as_u16()
        ))
    }
}

/// Sends `m` to `[alerts.email]`'s recipients (`to`: IT).
///
/// # Errors
/// A one-line reason (never the password) when the message cannot be built or sent in time.
pub async fn send_email(e: &Email, m: &Composed, tz: Tz) -> Result<(), String> {
    send_mail(e, &e.to, m, &[], tz).await
}

/// A file attached to a message.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Its file name, as the reader's mail program shows it.
    pub name: String,
    /// Its MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Sends `m` through `[alerts.email]`'s server to `to`, with `attachments`,
/// a `Message-ID` and a `Date` in the office's zone `tz`.
///
/// # Errors
/// A one-line reason (never the password) when the message cannot be built or sent in time.
pub async fn send_mail(
    e: &Email,
    to: &[String],
    m: &Composed,
    attachments: &[Attachment],
    tz: Tz,
) -> Result<(), String> {
    use lettre::message::header::ContentType;
    use lettre::message::{Attachment as Part, Mailbox, MultiPart, SinglePart};
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

    let from: Mailbox = e
        .from
        .parse()
        .map_err(|x| format!("alerts.email.from is not an address: {x}"))?;
    // The Message-ID's right side: the sender's domain, as RFC 5322 suggests.
    let domain = from.email.domain().to_string();
    let mut b = Message::builder()
        .from(from)
        .subject(m.subject.clone())
        .message_id(Some(format!(
            "<{}.{}@{domain}>",
            Utc::now().format("%Y%m%d%H%M%S%f"),
            std::process::id()
        )));
    for t in to {
        let t: Mailbox = t
            .parse()
            .map_err(|x| format!("alerts.email address {t:?} is not an address: {x}"))?;
        b = b.to(t);
    }
    let msg = if attachments.is_empty() {
        b.header(ContentType::TEXT_PLAIN).body(m.body.clone())
    } else {
        let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(m.body.clone()));
        for a in attachments {
            let ct = ContentType::parse(&a.content_type)
                .map_err(|x| format!("{}: {x}", a.content_type))?;
            parts = parts.singlepart(Part::new(a.name.clone()).body(a.bytes.clone(), ct));
        }
        b.multipart(parts)
    }
    .map_err(|x| x.to_string())?;
    let timeout = Duration::from_secs(e.timeout.map_or(30, |t| t.approx_seconds()).max(1));
    type T = AsyncSmtpTransport<Tokio1Executor>;
    let builder = match e.tls {
        SmtpTls::None => T::builder_dangerous(&e.host),
        SmtpTls::Starttls => T::starttls_relay(&e.host).map_err(|x| x.to_string())?,
        SmtpTls::Tls => T::relay(&e.host).map_err(|x| x.to_string())?,
    };
    let mut builder = builder.port(e.port()).timeout(Some(timeout));
    if let (Some(u), Some(p)) = (&e.username, e.password.as_ref().and_then(|p| p.value())) {
        builder = builder.credentials(Credentials::new(u.clone(), p.to_string()));
    }
    let transport = builder.build();
    // lettre writes the Date in GMT; the office reads its own time.
    let raw = with_date(
        &msg.formatted(),
        &Utc::now().with_timezone(&tz).to_rfc2822(),
    );
    match tokio::time::timeout(timeout, transport.send_raw(msg.envelope(), &raw)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(x)) => Err(x.to_string()),
        Err(_) => Err(format!("no answer within {}s", timeout.as_secs())),
    }
}

/// `message` with its `Date` header (in the head, before the first blank line) set to `date`.
fn with_date(message: &[u8], date: &str) -> Vec<u8> {
    let head_end = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(message.len());
    let head = &message[..head_end];
    let mut out = Vec::with_capacity(message.len() + 8);
    let mut replaced = false;
    for (i, line) in head.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        if !replaced && line.to_ascii_lowercase().starts_with(b"date:") {
            // The head's last line has no \r of its own: the \r\n\r\n follows it.
            let cr = if line.ends_with(b"\r") { "\r" } else { "" };
            out.extend_from_slice(format!("Date: {date}{cr}").as_bytes());
            replaced = true;
        } else {
            out.extend_from_slice(line);
        }
    }
    if !replaced {
        out.extend_from_slice(format!("\r\nDate: {date}").as_bytes());
    }
    out.extend_from_slice(&message[head_end..]);
    out
}

/// Announces the end of a run: the success or fail ping, and email unless it went well.
/// Failures are logged, never returned.
pub async fn on_end(cfg: &Config, job: &Job, n: &Notice) {
    let ok = matches!(n.status, RunStatus::Ok | RunStatus::Warning);
    let line = match &n.reason {
        Some(r) => format!(
            "eqvault {}: {} — {}\n{r}\n",
            n.job,
            n.status.as_str(),
            n.summary
        ),
        None => format!("eqvault {}: {} — {}\n", n.job, n.status.as_str(), n.summary),
    };
    let which = if ok { Ping::Success } else { Ping::Fail };
    let pinged = ping(cfg, job, which, &line);
    let mailed = async {
        if n.status == RunStatus::Ok {
            return;
        }
        let Some(e) = &cfg.alerts.email else { return };
        let m = compose(n, &cfg.office.name, &host_name(), cfg.schedule.timezone);
        let server = format!("{}:{}", e.host, e.port());
        match send_email(e, &m, cfg.schedule.timezone).await {
            Ok(()) => {
                tracing::info!(job = %n.job, server = %server, to = e.to.len(), "alert email sent")
            }
            Err(x) => tracing::warn!(
                job = %n.job,
                server = %server,
                error = %x,
                "the alert email could not be sent; the job is not affected"
            ),
        }
    };
    futures::join!(pinged, mailed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_failed_backup_reads_in_vietnamese_with_the_reason_and_what_to_do() {
        let t = Utc.with_ymd_and_hms(2026, 2, 16, 18, 30, 0).unwrap();
        let n = Notice {
            job: "backup".into(),
            status: RunStatus::Failed,
            summary: "could not run".into(),
            reason: Some("the database /srv/eq/equipment.db does not exist".into()),
            reason_vi: None,
            started_at: t,
            ended_at: t + chrono::Duration::seconds(2),
        };
        let m = compose(
            &n,
            "Sở GD&ĐT TP.HCM",
            "nas-01",
            chrono_tz::Asia::Ho_Chi_Minh,
        );
        assert_eq!(
            m.subject,
            "[eqvault] LỖI: Sao lưu thất bại – Sở GD&ĐT TP.HCM (nas-01) [backup failed]"
        );
        let (vi, en) = m.body.split_once("-- English --").unwrap();
        // The Vietnamese half never quotes English text; it points at it.
        assert!(vi.contains("Lý do: thông báo lỗi của chương trình, bằng tiếng Anh"));
        assert!(!vi.contains("does not exist"), "{vi}");
        assert!(en.contains("Reason: the database /srv/eq/equipment.db does not exist"));
        assert!(m.body.contains("Cần làm: Kiểm tra tệp cơ sở dữ liệu"));
        assert!(
            m.body
                .contains("Bắt đầu: 17/02/2026 01:30 (Asia/Ho_Chi_Minh)")
        );
        assert!(vi.contains("Sao lưu thất bại."));
        assert!(en.contains("What to do: Check that the database file"));
    }

    #[test]
    fn a_vietnamese_reason_is_used_in_the_vietnamese_half_and_the_english_one_below() {
        let t = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
        let n = Notice {
            job: "check".into(),
            status: RunStatus::Warning,
            summary: "3 findings: 1 violations, 2 warnings".into(),
            reason: Some("1 violations found, e.g. change 7 was recorded late".into()),
            reason_vi: Some("phát hiện 1 vi phạm, ví dụ: thay đổi 7 ghi trễ hạn".into()),
            started_at: t,
            ended_at: t,
        };
        let m = compose(&n, "", "nas-01", chrono_tz::Asia::Ho_Chi_Minh);
        let (vi, en) = m.body.split_once("-- English --").unwrap();
        assert!(
            vi.contains("Lý do: phát hiện 1 vi phạm, ví dụ: thay đổi 7 ghi trễ hạn"),
            "{vi}"
        );
        assert!(!vi.contains("recorded late"), "{vi}");
        assert!(en.contains("Reason: 1 violations found, e.g. change 7 was recorded late"));
    }

    #[test]
    fn the_date_header_is_replaced_in_the_head_only() {
        let m = b"From: a@b\r\nDate: Sun, 06 Dec 2026 06:00:00 +0000\r\nSubject: x\r\n\r\nDate: in the body\r\n";
        let out = String::from_utf8(with_date(m, "Sun, 06 Dec 2026 13:00:00 +0700")).unwrap();
        assert_eq!(
            out,
            "From: a@b\r\nDate: Sun, 06 Dec 2026 13:00:00 +0700\r\nSubject: x\r\n\r\nDate: in the body\r\n"
        );
    }

    #[test]
    fn a_date_that_is_the_last_header_gets_no_stray_carriage_return() {
        let m = b"From: a@b\r\nDate: Sun, 06 Dec 2026 06:00:00 +0000\r\n\r\nbody\r\n";
        let out = String::from_utf8(with_date(m, "Sun, 06 Dec 2026 13:00:00 +0700")).unwrap();
        assert_eq!(
            out,
            "From: a@b\r\nDate: Sun, 06 Dec 2026 13:00:00 +0700\r\n\r\nbody\r\n"
        );
        assert!(!out.contains("\r\r"));
    }

    #[test]
    fn ping_urls_are_logged_without_their_token() {
        assert_eq!(
            redact_ping_url("https://hc-ping.com/0d7c4f1e-secret-uuid/fail"),
            "https://hc-ping.com/…"
        );
        assert_eq!(
            redact_ping_url("http://127.0.0.1:8080/p/abc"),
            "http://127.0.0.1:8080/…"
        );
    }
}
