//! The TOML configuration: read once, unknown keys refused, every error naming the key and line.
//!
//! Relative paths inside a config resolve against the config file's folder, so
//! a config can be moved together with its database and stores.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::span::Span;

pub use crate::secret::{Secret, SecretFrom, SecretSource};
pub use crate::store::StoreConfig;

/// The name of the config file `init` writes and the CLI looks for.
pub const FILE_NAME: &str = "eqvault.toml";

/// Where the package puts the config the service reads.
pub const SYSTEM_PATH: &str = "/etc/eqvault/eqvault.toml";

/// The config to read when none is named (`--config`, `EQVAULT_CONFIG`):
/// `./eqvault.toml` when it exists, else `/etc/eqvault/eqvault.toml` when
/// that exists, else `./eqvault.toml` (so that the error names it).
pub fn default_path() -> PathBuf {
    // "There but not for me" (a user outside the eqvault group and
    // /etc/eqvault 0750) counts as there: the error then says who may read it,
    // never "create one".
    let there = |p: &Path| match std::fs::symlink_metadata(p) {
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::PermissionDenied,
    };
    let here = PathBuf::from(FILE_NAME);
    if there(&here) {
        return here;
    }
    let system = PathBuf::from(SYSTEM_PATH);
    if there(&system) { system } else { here }
}

pub mod edit;

/// Errors reading or validating a config file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file {path}: {source}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An edited config could not be written back (nothing was changed).
    #[error("cannot write the config file {path}: {source}; it was not changed")]
    Write {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key or a value of the wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// toml's message, which quotes the line and names the key.
        message: String,
    },
    /// The config holds a secret inline and others can read it.
    #[error(
        "{path} holds a secret (`{key}`) and is readable by other users (mode {mode:o}): run `chmod 600 {path}`, or move the secret out of the file (`{key} = {{ file = \"…\" }}`, `{{ env = \"NAME\" }}` or `{{ credential = \"NAME\" }}`; README, Config reference)"
    )]
    OpenPermissions {
        /// The config file.
        path: PathBuf,
        /// The first key holding a secret.
        key: String,
        /// Its mode bits.
        mode: u32,
    },
    /// A value that parses but is not acceptable.
    #[error("{path}, line {line}: `{key}`: {message}")]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// The 1-based line of the value.
        line: usize,
        /// The dotted key.
        key: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// The whole configuration, paths resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file this came from.
    pub path: PathBuf,
    /// The folder relative paths resolve against.
    pub base_dir: PathBuf,
    /// The office that runs eqvault.
    pub office: Office,
    /// The live database.
    pub database: Database,
    /// Every configured store, in order.
    pub stores: Vec<StoreConfig>,
    /// Age recipients and the identity used to decrypt.
    pub encryption: Encryption,
    /// This host's signing key and the keys whose records are believed.
    pub signing: Signing,
    /// How long snapshots are kept.
    pub retention: Retention,
    /// Restore drill settings.
    pub drill: Drill,
    /// Where eqvault keeps its own local state (catalog, locks, job history).
    pub state_dir: PathBuf,
    /// A policy folder replacing the shipped one, if set.
    pub policies: Option<PathBuf>,
    /// `[policies] effective_from`: the first day the rules judge
    /// (default: the regulation's date, [`crate::calendar::REGULATION_DATE`]).
    pub effective_from: Option<chrono::NaiveDate>,
    /// `[calendar] extra_days_off` and `extra_working_days`: the office's own
    /// days, applied on top of the shipped calendar.
    pub calendar: Vec<crate::calendar::OfficeDay>,
    /// The schedule the daemon runs.
    pub schedule: Schedule,
    /// Where job alerts go (webhook pings, email).
    pub alerts: Alerts,
    /// `[log]`: an optional log file with rotation.
    pub log: Log,
    /// The report archive.
    pub archive: ArchiveSettings,
    /// `[guard]`: what a backup calls an abnormal drop of the data.
    pub guard: crate::guard::Rules,
    /// The first key that holds a secret written inline, if any (the file must
    /// then be readable by its owner only).
    pub inline_secret: Option<String>,
}

/// `[archive]`: how report bags are stored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveSettings {
    /// Encrypt bags to the `[encryption]` recipients (default true: reports are
    /// evidence about schools and staff, and stores may be shared media).
    pub encrypt: bool,
}

impl Default for ArchiveSettings {
    fn default() -> Self {
        ArchiveSettings { encrypt: true }
    }
}

/// `[office]`: the office's name and code, printed in reports and bag metadata,
/// and who signs the printed report.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// e.g. "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh".
    #[serde(default)]
    pub name: String,
    /// The office's code.
    #[serde(default)]
    pub code: String,
    /// The signer's position on the printed report, in capitals as Nghị định
    /// 30/2020/NĐ-CP writes it (default "TRƯỞNG PHÒNG").
    #[serde(default = "default_signer_title")]
    pub signer_title: String,
    /// The signer's name under the signature (empty: left to be written by hand).
    #[serde(default)]
    pub signer_name: String,
    /// The place in the date line (default "Thành phố Hồ Chí Minh").
    #[serde(default = "default_place")]
    pub place: String,
    /// The language people read (`vi`, the default, or `en`); `--lang` and
    /// `EQVAULT_LANG` choose another for one run.
    #[serde(default)]
    pub lang: Option<crate::lang::Lang>,
}

impl Default for Office {
    fn default() -> Self {
        Office {
            name: String::new(),
            code: String::new(),
            signer_title: default_signer_title(),
            signer_name: String::new(),
            place: default_place(),
            lang: None,
        }
    }
}

fn default_signer_title() -> String {
    "TRƯỞNG PHÒNG".into()
}

fn default_place() -> String {
    "Thành phố Hồ Chí Minh".into()
}

/// `[database]`.
#[derive(Debug, Clone)]
pub struct Database {
    /// The live SQLite file.
    pub path: PathBuf,
    /// How long to wait for a lock held by the live system before giving up.
    pub busy_timeout: Span,
    /// How long one reading of the database through `mapping` may last
    /// (a `mapping check`, the rules of a `check`, the ledger's read at
    /// backup) before it is stopped: a view that never ends is named, never
    /// left holding a backup.
    pub query_timeout: Span,
    /// How `backup` checks its copy: `quick` (quick_check, the default) or `full` (integrity_check).
    pub integrity_check: crate::snapshot::Level,
    /// A mapping file (SQL views onto the reference schema) that the rules,
    /// the report and the identifier ledger read the database through;
    /// relative to the config's folder.
    pub mapping: Option<PathBuf>,
    /// This database's vault: its history in the stores, under
    /// `vaults/<id>/` (several offices may share a store, a vault each).
    /// `None`: the store's root, as before there were vaults.
    pub vault: Option<String>,
}

/// `[encryption]`.
#[derive(Debug, Clone)]
pub struct Encryption {
    /// Public keys (`age1…`) every snapshot is encrypted to.
    pub recipients: Vec<String>,
    /// The private identity file used by restore, verify --read-data and drill.
    pub identity: Option<PathBuf>,
}

/// `[signing]`: every record eqvault writes to a store is signed; only records
/// signed by a trusted key are believed.
#[derive(Debug, Clone)]
pub struct Signing {
    /// This host's private signing key (OpenSSH Ed25519, 0600), when it writes records.
    pub key: Option<PathBuf>,
    /// Public keys (`ssh-ed25519 AAAA…`) whose signatures are believed.
    pub trusted: Vec<String>,
    /// A record dated later than now plus this is "from the future" (a wrong clock).
    pub clock_skew: Span,
}

impl Signing {
    /// The trusted keys, parsed.
    ///
    /// # Errors
    /// [`crate::trust::TrustError::NoTrustedKey`] when none is configured: nothing could be believed.
    pub fn trusted(&self) -> Result<crate::trust::Trusted, crate::trust::TrustError> {
        let t = crate::trust::Trusted::parse(&self.trusted)?;
        if t.is_empty() {
            return Err(crate::trust::TrustError::NoTrustedKey);
        }
        Ok(t)
    }

    /// This host's signing key, which must be one of the trusted keys.
    ///
    /// # Errors
    /// [`crate::trust::TrustError`]: no key configured, unreadable, or not trusted.
    pub fn signer(&self) -> Result<crate::trust::Signer, crate::trust::TrustError> {
        let path = self
            .key
            .as_ref()
            .ok_or(crate::trust::TrustError::NoSigningKey)?;
        let s = crate::trust::Signer::load(path)?;
        if !crate::trust::Trusted::parse(&self.trusted)?.trusts(&s) {
            return Err(crate::trust::TrustError::SignerNotTrusted {
                path: path.clone(),
                fingerprint: s.fingerprint(),
            });
        }
        Ok(s)
    }
}

/// How long the quarterly copies are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Never removed.
    Forever,
    /// Kept for this long after they were made.
    For(Span),
}

impl<'de> Deserialize<'de> for Keep {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().eq_ignore_ascii_case("forever") {
            Ok(Keep::Forever)
        } else {
            s.parse().map(Keep::For).map_err(serde::de::Error::custom)
        }
    }
}

/// `[retention]`: what `prune` keeps. The quarterly floor cannot be lowered below
/// one snapshot per calendar quarter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// The newest N snapshots.
    pub keep_last: u32,
    /// The newest snapshot of each of the last N days.
    pub keep_daily: u32,
    /// … of the last N ISO weeks.
    pub keep_weekly: u32,
    /// … of the last N months.
    pub keep_monthly: u32,
    /// … of the last N years.
    pub keep_yearly: u32,
    /// Every snapshot younger than this.
    pub keep_within: Option<Span>,
    /// The newest snapshot of every calendar quarter, for this long (default forever).
    pub keep_quarterly: Keep,
    /// Uploads that never got their metadata are removed after this long.
    pub incomplete_grace: Span,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            keep_last: 7,
            keep_daily: 31,
            keep_weekly: 12,
            keep_monthly: 24,
            keep_yearly: 10,
            keep_within: None,
            keep_quarterly: Keep::Forever,
            incomplete_grace: Span::Seconds(24 * 3600),
        }
    }
}

/// `[drill]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Drill {
    /// A drill slower than this is a `warning`.
    pub restore_time_target: Span,
}

impl Default for Drill {
    fn default() -> Self {
        Drill {
            restore_time_target: Span::Seconds(30 * 60),
        }
    }
}

/// One scheduled job.
#[derive(Debug, Clone)]
pub struct Job {
    /// The job's name (`backup`, `drill`, …).
    pub name: String,
    /// The cron expression (seconds first, as the `cron` crate reads it).
    pub cron: String,
    /// Run once after downtime when a time passed while eqvault was not running.
    pub catch_up: bool,
    /// The job's options (each applies to one job; the others refuse it at load).
    pub options: JobOptions,
    /// This job's webhook URLs; each one unset falls back to `[alerts]`.
    pub pings: Pings,
}

/// Options of a scheduled job, as `eqvault JOB` would take them as flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobOptions {
    /// verify: decrypt and check the database inside (needs the identity).
    pub read_data: bool,
    /// verify: every snapshot, not only the newest.
    pub all: bool,
    /// drill: `latest` (default), `random` or a snapshot id.
    pub pick: Option<String>,
    /// prune: only say what would be removed.
    pub dry_run: bool,
    /// report: the period that has just ended, reported on each run.
    pub period: Option<ReportEvery>,
    /// report: the formats written, archived and attached (default pdf and xlsx).
    pub formats: Vec<String>,
}

/// `[schedule] report`'s `period`: which ended period each run reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportEvery {
    /// The calendar month before the run's.
    PreviousMonth,
    /// The last term (học kỳ) that has ended.
    Term,
    /// The last school year that has ended.
    Year,
}

/// The formats a scheduled report may take.
pub const REPORT_FORMATS: [&str; 6] = ["pdf", "xlsx", "html", "md", "csv", "json"];

/// Healthchecks-style webhook URLs: pinged when a job starts, succeeds or fails.
///
/// A ping URL usually carries the check's secret token, so it is never printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pings {
    /// Pinged when the job starts.
    pub start: Option<Secret<String>>,
    /// Pinged when it ends well.
    pub success: Option<Secret<String>>,
    /// Pinged, with the reason as body, when it fails.
    pub fail: Option<Secret<String>>,
}

/// `[alerts]`: where a job's start, end and problems are announced.
#[derive(Debug, Clone)]
pub struct Alerts {
    /// Webhook URLs used by every job that sets none of its own.
    pub pings: Pings,
    /// Send pings as `POST` with a short text body (default) or as plain `GET`.
    pub ping_method: PingMethod,
    /// How long one ping may take.
    pub ping_timeout: Span,
    /// `[alerts.email]`, when email alerts are wanted.
    pub email: Option<Email>,
}

/// The HTTP method of webhook pings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum PingMethod {
    /// A plain GET.
    #[serde(rename = "GET", alias = "get")]
    Get,
    /// A POST whose body says what happened.
    #[default]
    #[serde(rename = "POST", alias = "post")]
    Post,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP: only for a relay on this machine or a trusted LAN.
    None,
    /// Plain, then upgraded with STARTTLS (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// `[alerts.email]`: an SMTP server and who is told. `Debug` shows no password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Email {
    /// The SMTP server's host name.
    pub host: String,
    /// Its port (default 25, 587 or 465 by `tls`).
    #[serde(default)]
    pub port: Option<u16>,
    /// `none`, `starttls` or `tls`.
    pub tls: SmtpTls,
    /// The sender, e.g. `eqvault <eqvault@sgddt.example.vn>`.
    pub from: String,
    /// The people told when a job needs attention (IT).
    pub to: Vec<String>,
    /// The people who receive the scheduled report (leadership); none: the
    /// report is written and archived, not mailed.
    #[serde(default)]
    pub report_to: Vec<String>,
    /// SMTP login, when the server wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// SMTP password (inline, or `{ file | env | credential = … }`); never printed.
    #[serde(default)]
    pub password: Option<SecretSource>,
    /// A file holding the SMTP password (the same as `password = { file = … }`).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// How long sending may take (default 30s).
    #[serde(default)]
    pub timeout: Option<Span>,
}

impl Email {
    /// The port to use: the configured one, else the usual one for `tls`.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        })
    }
}

/// `[log]`: a log file besides stderr.
#[derive(Debug, Clone, Default)]
pub struct Log {
    /// The file; rotated files get a date suffix beside it.
    pub file: Option<PathBuf>,
    /// `daily` (default), `hourly` or `never`.
    pub rotation: Rotation,
    /// How many log files are kept (default 14).
    pub keep: usize,
}

/// When the log file starts a new file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rotation {
    /// One file per hour.
    Hourly,
    /// One file per day.
    #[default]
    Daily,
    /// One file, never rotated.
    Never,
}

/// `[schedule]`.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The time zone cron times are read in.
    pub timezone: chrono_tz::Tz,
    /// The configured jobs.
    pub jobs: Vec<Job>,
    /// After SIGTERM, how long a running job may go on before it is abandoned.
    pub stop_grace: Span,
    /// What starts the jobs: the daemon (default), or cron calling `schedule run`.
    pub run_by: RunBy,
}

/// `[schedule] run_by`: who starts the scheduled jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunBy {
    /// `eqvault daemon`: `schedule status` and `doctor` require one to be running.
    #[default]
    Daemon,
    /// cron (or another scheduler) calls `eqvault schedule run JOB` at the same
    /// times: no daemon is expected; missed runs are still found in the history.
    Cron,
}

/// The job names the schedule accepts.
pub const JOBS: [&str; 7] = [
    "backup", "sync", "verify", "drill", "prune", "check", "report",
];

// ---- the file as written -------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    office: Office,
    database: RawDatabase,
    #[serde(default, rename = "store")]
    stores: Vec<Spanned<StoreConfig>>,
    #[serde(default)]
    encryption: RawEncryption,
    #[serde(default)]
    signing: RawSigning,
    #[serde(default)]
    retention: Retention,
    #[serde(default)]
    drill: Drill,
    #[serde(default)]
    state: RawState,
    #[serde(default)]
    policies: RawPolicies,
    #[serde(default)]
    calendar: RawCalendar,
    #[serde(default)]
    schedule: RawSchedule,
    #[serde(default)]
    alerts: RawAlerts,
    #[serde(default)]
    log: RawLog,
    #[serde(default)]
    archive: ArchiveSettings,
    #[serde(default)]
    guard: crate::guard::Rules,
}

/// The backup's default check: `quick_check` catches a damaged source (pages,
/// b-trees, constraints) in a third of `integrity_check`'s time; the index
/// against table pass is left to drills and `verify --read-data`.
fn quick_check() -> crate::snapshot::Level {
    crate::snapshot::Level::Quick
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    path: PathBuf,
    #[serde(default)]
    busy_timeout: Option<Span>,
    #[serde(default)]
    query_timeout: Option<Spanned<Span>>,
    /// `quick` unless told: see [`Database::integrity_check`].
    #[serde(default = "quick_check")]
    integrity_check: crate::snapshot::Level,
    #[serde(default)]
    mapping: Option<PathBuf>,
    #[serde(default)]
    vault: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEncryption {
    #[serde(default)]
    recipients: Vec<Spanned<String>>,
    #[serde(default)]
    identity: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSigning {
    #[serde(default)]
    key: Option<PathBuf>,
    #[serde(default)]
    trusted: Vec<Spanned<String>>,
    #[serde(default)]
    clock_skew: Option<Span>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawState {
    #[serde(default)]
    dir: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPolicies {
    #[serde(default)]
    dir: Option<PathBuf>,
    #[serde(default)]
    effective_from: Option<Spanned<crate::calendar::TomlDate>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    #[serde(default)]
    extra_days_off: Vec<Spanned<RawOfficeDay>>,
    #[serde(default)]
    extra_working_days: Vec<Spanned<RawOfficeDay>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOfficeDay {
    date: crate::calendar::TomlDate,
    reason: String,
    source: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAlerts {
    #[serde(default)]
    ping_start: Option<Spanned<SecretSource>>,
    #[serde(default)]
    ping_success: Option<Spanned<SecretSource>>,
    #[serde(default)]
    ping_fail: Option<Spanned<SecretSource>>,
    #[serde(default)]
    ping_method: PingMethod,
    #[serde(default)]
    ping_timeout: Option<Span>,
    #[serde(default)]
    email: Option<Spanned<Email>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLog {
    #[serde(default)]
    file: Option<PathBuf>,
    #[serde(default)]
    rotation: Rotation,
    #[serde(default)]
    keep: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    #[serde(default)]
    timezone: Option<Spanned<String>>,
    #[serde(default)]
    stop_grace: Option<Span>,
    #[serde(default)]
    run_by: RunBy,
    #[serde(default)]
    backup: Option<RawJob>,
    #[serde(default)]
    sync: Option<RawJob>,
    #[serde(default)]
    verify: Option<RawJob>,
    #[serde(default)]
    drill: Option<RawJob>,
    #[serde(default)]
    prune: Option<RawJob>,
    #[serde(default)]
    check: Option<RawJob>,
    #[serde(default)]
    report: Option<RawJob>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJob {
    cron: Spanned<String>,
    #[serde(default = "yes")]
    catch_up: bool,
    #[serde(default)]
    read_data: Option<Spanned<bool>>,
    #[serde(default)]
    all: Option<Spanned<bool>>,
    #[serde(default)]
    pick: Option<Spanned<String>>,
    #[serde(default)]
    dry_run: Option<Spanned<bool>>,
    #[serde(default)]
    period: Option<Spanned<String>>,
    #[serde(default)]
    format: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    ping_start: Option<Spanned<SecretSource>>,
    #[serde(default)]
    ping_success: Option<Spanned<SecretSource>>,
    #[serde(default)]
    ping_fail: Option<Spanned<SecretSource>>,
}

fn yes() -> bool {
    true
}

impl Config {
    /// Reads and validates the config at `path`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file, line and key of the first problem.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let cfg = Self::from_text(path, &text)?;
        #[cfg(unix)]
        if let Some(key) = &cfg.inline_secret {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0);
            if mode & 0o077 != 0 {
                return Err(ConfigError::OpenPermissions {
                    path: path.to_path_buf(),
                    key: key.clone(),
                    mode,
                });
            }
        }
        Ok(cfg)
    }

    /// Parses config text as if read from `path`.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn from_text(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: parse_message(text, &e),
        })?;
        // A line break or an escape in a value would reach an email's headers and
        // body, a log line, a report: refused where it is written.
        if let Ok(table) = text.parse::<toml::Table>()
            && let Some(key) = control_character(&table, "")
        {
            let last = key.rsplit('.').next().unwrap_or(&key).to_string();
            let line = text
                .lines()
                .position(|l| {
                    l.trim_start()
                        .strip_prefix(last.as_str())
                        .is_some_and(|r| r.trim_start().starts_with('='))
                })
                .map_or(1, |i| i + 1);
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                key,
                message: "holds a control character (a line break, a tab or an escape like \\n or \\u001b): write the value on one line, without them".into(),
            });
        }
        let base_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        // Absolute, so that store labels and messages say where things really are.
        let base_dir = std::path::absolute(&base_dir).unwrap_or(base_dir);
        let invalid =
            |span: std::ops::Range<usize>, key: &str, message: String| ConfigError::Invalid {
                path: path.to_path_buf(),
                line: line_of(text, span.start),
                key: key.to_string(),
                message,
            };
        let resolve = |p: &Path| -> PathBuf {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base_dir.join(p)
            }
        };

        let mut secrets = Secrets {
            base: &base_dir,
            inline: None,
        };
        let mut stores = Vec::new();
        for (i, s) in raw.stores.into_iter().enumerate() {
            let span = s.span();
            let mut store = s.into_inner();
            let key = format!("store[{i}].url");
            if store.url.trim().is_empty() {
                return Err(invalid(
                    span,
                    &key,
                    "a store needs a url: a folder, file:///path or s3://bucket/prefix".into(),
                ));
            }
            match crate::store::Location::parse(&store.url) {
                Ok(crate::store::Location::Local(p)) => {
                    if store.lock.is_some() {
                        return Err(invalid(
                            span,
                            &format!("store[{i}].lock"),
                            "`lock` is for S3 stores whose bucket has Object Lock; protect a NAS folder with the NAS's own read-only snapshots (README, \"Protecting backups from ransomware\")".into(),
                        ));
                    }
                    store.url = resolve(&p).to_string_lossy().into_owned().into();
                }
                Ok(_) => {}
                Err(e) => return Err(invalid(span, &key, e.to_string())),
            }
            if let Some(l) = store.lock {
                let now = chrono::Utc::now();
                if l.keep.after(now) <= now || l.keep.after(now) > l.max.after(now) {
                    return Err(invalid(
                        span,
                        &format!("store[{i}].lock"),
                        format!(
                            "lock.keep ({}) must be longer than nothing and at most lock.max ({}); for instance keep = \"30days\", max = \"3years\"",
                            l.keep, l.max
                        ),
                    ));
                }
            }
            let skey = format!("store[{i}].secret_access_key");
            let src = match (
                store.secret_access_key.take(),
                store.secret_access_key_file.take(),
            ) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        span,
                        &skey,
                        "give secret_access_key or secret_access_key_file, not both".into(),
                    ));
                }
                (Some(s), None) => Some(s),
                (None, Some(f)) => Some(SecretSource::From(SecretFrom {
                    file: Some(f),
                    ..SecretFrom::default()
                })),
                (None, None) => None,
            };
            if let Some(src) = src {
                store.secret_access_key = Some(SecretSource::Inline(Secret::new(
                    secrets.resolve(src, &skey, span.clone(), &invalid)?,
                )));
            }
            stores.push(store);
        }

        let mut recipients = Vec::new();
        for (i, r) in raw.encryption.recipients.into_iter().enumerate() {
            let span = r.span();
            let r = r.into_inner();
            if let Err(e) = crate::pack::keys::parse_recipient(&r) {
                return Err(invalid(
                    span,
                    &format!("encryption.recipients[{i}]"),
                    e.to_string(),
                ));
            }
            recipients.push(r);
        }

        let mut trusted = Vec::new();
        for (i, k) in raw.signing.trusted.into_iter().enumerate() {
            let span = k.span();
            let k = k.into_inner();
            if let Err(e) = crate::trust::parse_public(&k) {
                return Err(invalid(
                    span,
                    &format!("signing.trusted[{i}]"),
                    e.to_string(),
                ));
            }
            trusted.push(k);
        }
        let signing = Signing {
            key: raw.signing.key.as_deref().map(resolve),
            trusted,
            clock_skew: raw.signing.clock_skew.unwrap_or(Span::Seconds(10 * 60)),
        };

        let s = raw.schedule;
        let timezone = match s.timezone {
            None => chrono_tz::Asia::Ho_Chi_Minh,
            Some(tz) => {
                let span = tz.span();
                tz.get_ref().parse::<chrono_tz::Tz>().map_err(|_| {
                    invalid(
                        span,
                        "schedule.timezone",
                        format!(
                            "unknown time zone {:?}: use an IANA name such as \"Asia/Ho_Chi_Minh\"",
                            tz.get_ref()
                        ),
                    )
                })?
            }
        };
        let mut jobs = Vec::new();
        for (name, job) in JOBS.iter().zip([
            s.backup, s.sync, s.verify, s.drill, s.prune, s.check, s.report,
        ]) {
            let Some(job) = job else { continue };
            let span = job.cron.span();
            let expr = job.cron.into_inner();
            if let Err(e) = expr.parse::<cron::Schedule>() {
                return Err(invalid(
                    span,
                    &format!("schedule.{name}.cron"),
                    format!(
                        "invalid cron expression {expr:?} ({e}): write seconds, minutes, hours, day of month, month, day of week, e.g. \"0 30 1 * * *\" for 01:30 every day"
                    ),
                ));
            }
            let key = |k: &str| format!("schedule.{name}.{k}");
            // Each option belongs to one job: a misplaced one is a mistake, not a no-op.
            let only = |v: Option<Spanned<bool>>, k: &str, owner: &str| match v {
                Some(v) if *name != owner => Err(invalid(
                    v.span(),
                    &key(k),
                    format!("only the {owner} job takes `{k}`"),
                )),
                v => Ok(v.is_some_and(Spanned::into_inner)),
            };
            let options = JobOptions {
                read_data: only(job.read_data, "read_data", "verify")?,
                all: only(job.all, "all", "verify")?,
                dry_run: only(job.dry_run, "dry_run", "prune")?,
                pick: match job.pick {
                    Some(p) if *name != "drill" => {
                        return Err(invalid(
                            p.span(),
                            &key("pick"),
                            "only the drill job takes `pick`".into(),
                        ));
                    }
                    p => p.map(Spanned::into_inner),
                },
                period: match job.period {
                    Some(p) if *name != "report" => {
                        return Err(invalid(
                            p.span(),
                            &key("period"),
                            "only the report job takes `period`".into(),
                        ));
                    }
                    None => None,
                    Some(p) => Some(match p.as_ref().as_str() {
                        "previous-month" => ReportEvery::PreviousMonth,
                        "term" => ReportEvery::Term,
                        "year" => ReportEvery::Year,
                        other => {
                            return Err(invalid(
                                p.span(),
                                &key("period"),
                                format!(
                                    "{other:?} is not a report period: write \"previous-month\", \"term\" or \"year\" (the period that has just ended at each run)"
                                ),
                            ));
                        }
                    }),
                },
                formats: match job.format {
                    Some(f) if *name != "report" => {
                        return Err(invalid(
                            f.span(),
                            &key("format"),
                            "only the report job takes `format`".into(),
                        ));
                    }
                    None => Vec::new(),
                    Some(f) => {
                        let span = f.span();
                        let list = f.into_inner();
                        if list.is_empty() {
                            return Err(invalid(
                                span,
                                &key("format"),
                                "name at least one format, e.g. [\"pdf\", \"xlsx\"]".into(),
                            ));
                        }
                        for x in &list {
                            if !REPORT_FORMATS.contains(&x.as_str()) {
                                return Err(invalid(
                                    span,
                                    &key("format"),
                                    format!(
                                        "{x:?} is not a report format: write some of {}",
                                        REPORT_FORMATS.join(", ")
                                    ),
                                ));
                            }
                        }
                        let mut seen = Vec::new();
                        for x in list {
                            if !seen.contains(&x) {
                                seen.push(x);
                            }
                        }
                        seen
                    }
                },
            };
            let pings = Pings {
                start: ping_url(job.ping_start, &key("ping_start"), &invalid, &mut secrets)?,
                success: ping_url(
                    job.ping_success,
                    &key("ping_success"),
                    &invalid,
                    &mut secrets,
                )?,
                fail: ping_url(job.ping_fail, &key("ping_fail"), &invalid, &mut secrets)?,
            };
            jobs.push(Job {
                name: (*name).to_string(),
                cron: expr,
                catch_up: job.catch_up,
                options,
                pings,
            });
        }
        let a = raw.alerts;
        let email = match a.email {
            None => None,
            Some(e) => {
                let span = e.span();
                let mut e = e.into_inner();
                let src = match (e.password.take(), e.password_file.take()) {
                    (Some(_), Some(_)) => {
                        return Err(invalid(
                            span,
                            "alerts.email.password",
                            "give password or password_file, not both".into(),
                        ));
                    }
                    (Some(p), None) => Some(p),
                    (None, Some(f)) => Some(SecretSource::From(SecretFrom {
                        file: Some(f),
                        ..SecretFrom::default()
                    })),
                    (None, None) => None,
                };
                if let Some(src) = src {
                    e.password = Some(SecretSource::Inline(Secret::new(secrets.resolve(
                        src,
                        "alerts.email.password",
                        span.clone(),
                        &invalid,
                    )?)));
                }
                if e.to.is_empty() || !e.from.contains('@') || e.to.iter().any(|t| !t.contains('@'))
                {
                    return Err(invalid(
                        span,
                        "alerts.email",
                        "`from` and every address in `to` must be email addresses, and `to` must name at least one".into(),
                    ));
                }
                Some(e)
            }
        };
        let alerts = Alerts {
            pings: Pings {
                start: ping_url(a.ping_start, "alerts.ping_start", &invalid, &mut secrets)?,
                success: ping_url(
                    a.ping_success,
                    "alerts.ping_success",
                    &invalid,
                    &mut secrets,
                )?,
                fail: ping_url(a.ping_fail, "alerts.ping_fail", &invalid, &mut secrets)?,
            },
            ping_method: a.ping_method,
            ping_timeout: a.ping_timeout.unwrap_or(Span::Seconds(10)),
            email,
        };

        let effective_from = match raw.policies.effective_from {
            None => None,
            Some(d) => {
                let day = d.get_ref().0;
                if day < crate::calendar::REGULATION_DATE {
                    return Err(invalid(
                        d.span(),
                        "policies.effective_from",
                        format!(
                            "{day} is before the regulation (Quyết định 146/QĐ-GDĐT of {}): write that date or a later one; to look at earlier days on purpose, pass --from to check",
                            crate::calendar::REGULATION_DATE
                        ),
                    ));
                }
                Some(day)
            }
        };
        let mut calendar = Vec::new();
        for (name, off, list) in [
            ("extra_days_off", true, raw.calendar.extra_days_off),
            ("extra_working_days", false, raw.calendar.extra_working_days),
        ] {
            for (i, day) in list.into_iter().enumerate() {
                let span = day.span();
                let key = format!("calendar.{name}[{i}]");
                let day = day.into_inner();
                for (field, text) in [("reason", &day.reason), ("source", &day.source)] {
                    if text.trim().is_empty() {
                        return Err(invalid(
                            span.clone(),
                            &format!("{key}.{field}"),
                            format!(
                                "`{field}` is empty: say {}",
                                if field == "reason" {
                                    "why the day is different (e.g. \"Ngày Văn hóa Việt Nam\")"
                                } else {
                                    "which document decided it (number and date)"
                                }
                            ),
                        ));
                    }
                }
                calendar.push(crate::calendar::OfficeDay {
                    date: day.date.0,
                    off,
                    reason: day.reason.trim().to_string(),
                    source: day.source.trim().to_string(),
                    file: path.to_path_buf(),
                    line: line_of(text, span.start),
                    key,
                });
            }
        }

        let vault = match raw.database.vault {
            None => None,
            Some(v) => {
                let span = v.span();
                let v = v.into_inner();
                if !is_vault_id(&v) {
                    return Err(invalid(
                        span,
                        "database.vault",
                        "a vault id is 1 to 64 of a-z, 0-9 and -, as `eqvault init` writes it (e.g. \"v-3f9c2a7d1e5b\")".into(),
                    ));
                }
                Some(v)
            }
        };
        // A limit of zero would stop every reading through the mapping at once.
        let query_timeout = match raw.database.query_timeout {
            None => Span::Seconds(crate::mapping::DEFAULT_TIME_LIMIT.as_secs()),
            Some(t) if t.get_ref().approx_seconds() == 0 => {
                return Err(invalid(
                    t.span(),
                    "database.query_timeout",
                    "the time limit of a reading through the mapping must be at least 1s (the default is 5min)".into(),
                ));
            }
            Some(t) => t.into_inner(),
        };
        let state_dir = resolve(&raw.state.dir.unwrap_or_else(|| PathBuf::from(".eqvault")));
        Ok(Config {
            path: path.to_path_buf(),
            office: raw.office,
            database: Database {
                path: resolve(&raw.database.path),
                busy_timeout: raw.database.busy_timeout.unwrap_or(Span::Seconds(30)),
                query_timeout,
                integrity_check: raw.database.integrity_check,
                mapping: raw.database.mapping.as_deref().map(resolve),
                vault,
            },
            stores,
            encryption: Encryption {
                recipients,
                identity: raw.encryption.identity.as_deref().map(resolve),
            },
            signing,
            retention: raw.retention,
            drill: raw.drill,
            state_dir,
            policies: raw.policies.dir.as_deref().map(resolve),
            effective_from,
            calendar,
            schedule: Schedule {
                timezone,
                jobs,
                stop_grace: s.stop_grace.unwrap_or(Span::Seconds(60)),
                run_by: s.run_by,
            },
            alerts,
            log: Log {
                file: raw.log.file.as_deref().map(resolve),
                rotation: raw.log.rotation,
                keep: raw.log.keep.unwrap_or(14),
            },
            archive: raw.archive,
            guard: raw.guard,
            inline_secret: secrets.inline.take(),
            base_dir,
        })
    }

    /// Row counts and other facts are keyed by these store labels in output.
    pub fn store_labels(&self) -> Vec<String> {
        self.stores
            .iter()
            .map(|s| crate::store::redact_url(&s.url))
            .collect()
    }
}

/// A webhook URL checked to be http(s); the value is not quoted back, as it usually holds a token.
fn ping_url(
    v: Option<Spanned<SecretSource>>,
    key: &str,
    invalid: &dyn Fn(std::ops::Range<usize>, &str, String) -> ConfigError,
    secrets: &mut Secrets<'_>,
) -> Result<Option<Secret<String>>, ConfigError> {
    let Some(v) = v else { return Ok(None) };
    let span = v.span();
    let u = secrets.resolve(v.into_inner(), key, span.clone(), invalid)?;
    match url::Url::parse(&u) {
        Ok(p) if matches!(p.scheme(), "http" | "https") && p.host().is_some() => {
            Ok(Some(Secret::new(u)))
        }
        _ => Err(invalid(
            span,
            key,
            "not an http:// or https:// URL: write the whole ping URL, e.g. https://hc-ping.com/<uuid>/fail".into(),
        )),
    }
}

/// Resolves secret sources while a config loads, and remembers whether any was inline.
struct Secrets<'a> {
    base: &'a Path,
    inline: Option<String>,
}

impl Secrets<'_> {
    fn resolve(
        &mut self,
        src: SecretSource,
        key: &str,
        span: std::ops::Range<usize>,
        invalid: &dyn Fn(std::ops::Range<usize>, &str, String) -> ConfigError,
    ) -> Result<String, ConfigError> {
        let from = match src {
            SecretSource::Inline(s) => {
                self.inline.get_or_insert_with(|| key.to_string());
                return Ok(s.expose().clone());
            }
            SecretSource::From(f) => f,
        };
        let bad = |m: String| invalid(span.clone(), key, m);
        match (from.file, from.env, from.credential) {
            (Some(file), None, None) => {
                let p = if file.is_absolute() {
                    file
                } else {
                    self.base.join(file)
                };
                read_secret_file(&p).map_err(bad)
            }
            (None, Some(var), None) => match std::env::var(&var) {
                Ok(v) if !v.trim().is_empty() => Ok(v.trim_end_matches(['\n', '\r']).to_string()),
                _ => Err(bad(format!(
                    "the environment variable {var} is not set (or empty): set it for eqvault, or read the secret from a file"
                ))),
            },
            (None, None, Some(name)) => {
                let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") else {
                    return Err(bad(format!(
                        "the systemd credential {name:?} needs $CREDENTIALS_DIRECTORY, which is set only under systemd (LoadCredential={name}:…): run eqvault from its unit, or use {{ file = … }}"
                    )));
                };
                if name.contains('/') || name == ".." {
                    return Err(bad(format!("{name:?} is not a credential name")));
                }
                read_secret_file(&Path::new(&dir).join(&name)).map_err(bad)
            }
            _ => Err(bad(
                "write exactly one of { file = \"…\" }, { env = \"NAME\" } or { credential = \"NAME\" }".into(),
            )),
        }
    }
}

/// Reads a secret file, refusing one every user can read; the value is never quoted.
fn read_secret_file(p: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(p)
        .map_err(|e| format!("cannot read the secret file {}: {e}", p.display()))?;
    if !meta.is_file() || meta.len() > 64 << 10 {
        return Err(format!("{} is not a small regular file", p.display()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o007 != 0 {
            return Err(format!(
                "the secret file {} is readable by every user (mode {mode:o}): run `chmod 640 {}` (or 600) and try again",
                p.display(),
                p.display()
            ));
        }
    }
    let t = std::fs::read_to_string(p)
        .map_err(|e| format!("cannot read the secret file {}: {e}", p.display()))?;
    let t = t.trim_end_matches(['\n', '\r']).to_string();
    if t.is_empty() {
        return Err(format!("the secret file {} is empty", p.display()));
    }
    Ok(t)
}

/// Where and what toml found wrong, without the line itself: toml's own text quotes
/// it, and that line can be a secret (a misspelled `secret_access_key`, or an identity
/// file passed as `--config`).
fn parse_message(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim_end();
    let Some(start) = e.span().map(|s| s.start) else {
        return what.to_string();
    };
    let before = text.get(..start).unwrap_or(text);
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    let line = line_of(text, start);
    // The key, when the line starts with one: never what follows the `=`.
    let key = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim())
        .filter(|k| {
            !k.is_empty()
                && k.len() <= 64
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        });
    match key {
        Some(k) => format!("line {line}, column {column}, at `{k}`: {what}"),
        None => format!("line {line}, column {column}: {what}"),
    }
}

/// The dotted key of the first string value in `t` that holds a control
/// character.
fn control_character(t: &toml::Table, prefix: &str) -> Option<String> {
    fn value(v: &toml::Value, key: &str) -> Option<String> {
        match v {
            toml::Value::String(s) => s.chars().any(char::is_control).then(|| key.to_string()),
            toml::Value::Array(a) => a.iter().find_map(|x| value(x, key)),
            toml::Value::Table(t) => control_character(t, key),
            _ => None,
        }
    }
    t.iter().find_map(|(k, v)| {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        value(v, &key)
    })
}

/// The 1-based line number of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Everything `init` needs to write a config.
#[derive(Debug, Clone)]
pub struct InitPlan {
    /// The database path as the user wrote it.
    pub database: String,
    /// Store URLs as written.
    pub stores: Vec<String>,
    /// Recipients (public keys).
    pub recipients: Vec<String>,
    /// The identity file, relative to the config, when one is generated.
    pub identity: Option<String>,
    /// Extra `[[store]]` keys per store (e.g. S3 endpoint), as TOML lines.
    pub store_extra: BTreeMap<usize, Vec<String>>,
    /// The signing key file, relative to the config.
    pub signing_key: Option<String>,
    /// Trusted public keys (this host's first).
    pub trusted: Vec<String>,
    /// `[office] name`.
    pub office_name: String,
    /// `[office] code`.
    pub office_code: String,
    /// `[database] vault`.
    pub vault: Option<String>,
}

pub use crate::store::{is_vault_id, new_vault_id};

/// The commented config `init` writes.
pub fn render_initial(plan: &InitPlan) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::new();
    out.push_str(
        "# eqvault configuration. Every key is documented in README.md (\"Config reference\").\n\
         # Relative paths resolve against this file's folder.\n\n\
         [office]\n\
         # The office or school that runs eqvault; printed in reports and archive packages.\n",
    );
    out.push_str(&format!(
        "name = {}\ncode = {}\n",
        q(&plan.office_name),
        q(&plan.office_code)
    ));
    out.push_str(
        "# Who signs the printed report (Nghị định 30/2020/NĐ-CP): the position in\n\
         # capitals, the name (empty: written by hand), and the place in the date line.\n\
         # signer_title = \"TRƯỞNG PHÒNG\"\n\
         # signer_name = \"\"\n\
         # place = \"Thành phố Hồ Chí Minh\"\n\n",
    );
    out.push_str(
        "[database]\n\
         # The live equipment database (SQLite). eqvault only reads it; `restore` never\n\
         # writes over it without --force.\n",
    );
    out.push_str(&format!("path = {}\n", q(&plan.database)));
    if let Some(v) = &plan.vault {
        out.push_str(&format!(
            "# This database's history in the stores (vaults/{v}/ in each): several offices\n\
             # may share a store, a vault each. Kept when the host is replaced\n\
             # (`eqvault init --from-store`); never change it.\n\
             vault = {}\n",
            q(v)
        ));
    }
    out.push_str(
        "# How long to wait for the live system's write lock before giving up.\n\
         busy_timeout = \"30s\"\n\
         # How backup checks its copy: \"quick\" (PRAGMA quick_check: pages, b-trees and\n\
         # constraints, a third of the time) or \"full\" (PRAGMA integrity_check, also\n\
         # every index against its table). Drills and verify --read-data always run\n\
         # the full check.\n\
         integrity_check = \"quick\"\n\
         # A database not in the reference schema (schema/equipment.sql) is read by\n\
         # check, report and the identifier ledger through a mapping: a file of\n\
         # CREATE VIEW statements, relative to this file (`eqvault mapping init`).\n\
         # mapping = \"mapping.sql\"\n\
         # How long one reading through the mapping may last before it is stopped\n\
         # and named (a view that never ends would otherwise hold the backup).\n\
         # query_timeout = \"5min\"\n\n\
         # Two stores on independent media (Thông tư 05/2025/TT-BNV, Art. 27): e.g. a NAS\n\
         # folder and an S3-compatible server. A local store is a folder that must exist.\n",
    );
    for (i, s) in plan.stores.iter().enumerate() {
        out.push_str(&format!("[[store]]\nurl = {}\n", q(s)));
        if let Some(extra) = plan.store_extra.get(&i) {
            for l in extra {
                out.push_str(l);
                out.push('\n');
            }
        }
        if s.starts_with("s3://") && !plan.store_extra.contains_key(&i) {
            out.push_str(
                "# endpoint = \"http://127.0.0.1:9000\"   # MinIO, Ceph, …; omit for AWS\n\
                 # region = \"us-east-1\"\n\
                 # allow_http = false                   # true only on loopback or a trusted LAN\n\
                 # access_key_id / secret_access_key: or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY\n\
                 # lock = { mode = \"governance\", keep = \"30days\" }   # a bucket with Object Lock: copies nobody can delete\n",
            );
        }
        out.push('\n');
    }
    out.push_str(
        "[encryption]\n\
         # Snapshots are encrypted to every recipient (age public keys). Add an offline\n\
         # recovery key kept in a safe, so losing this machine never loses the backups.\n\
         # `backup` needs only these public keys.\n",
    );
    let rs: Vec<String> = plan.recipients.iter().map(|r| q(r)).collect();
    out.push_str(&format!("recipients = [{}]\n", rs.join(", ")));
    match &plan.identity {
        Some(id) => out.push_str(&format!(
            "# The private key, used only by restore, drill and verify --read-data (mode 0600).\n\
             identity = {}\n\n",
            q(id)
        )),
        None => out.push_str(
            "# The private key, used only by restore, drill and verify --read-data (mode 0600).\n\
             # identity = \"/path/to/identity.txt\"\n\n",
        ),
    }
    out.push_str(
        "[signing]\n\
         # Every record eqvault writes to a store (snapshot metadata and manifest, drill\n\
         # records, holds, ledgers, archive sidecars, store markers) is signed with this\n\
         # host's key (OpenSSH Ed25519, mode 0600; it cannot decrypt anything), and only\n\
         # records signed by a trusted key are believed: someone who can write to a store\n\
         # cannot forge, replace or hide a snapshot. Add the public key of every other host\n\
         # that writes to these stores (e.g. the restore machine that runs drills).\n",
    );
    match &plan.signing_key {
        Some(k) => out.push_str(&format!("key = {}\n", q(k))),
        None => out.push_str("# key = \"eqvault-signing-key\"\n"),
    }
    let ts: Vec<String> = plan.trusted.iter().map(|t| q(t)).collect();
    out.push_str(&format!("trusted = [{}]\n", ts.join(", ")));
    out.push_str(
        "# A record dated later than now plus this is \"from the future\" (a wrong clock).\n\
         clock_skew = \"10min\"\n\n",
    );
    out.push_str(
        "[retention]\n\
         # `prune` keeps a snapshot when any rule below wants it. Whatever these say, it\n\
         # always keeps the newest snapshot of every calendar quarter (Art. 12.1), the\n\
         # newest snapshot that passed a drill, and held snapshots.\n\
         keep_last = 7\n\
         keep_daily = 31\n\
         keep_weekly = 12\n\
         keep_monthly = 24\n\
         keep_yearly = 10\n\
         # keep_within = \"90days\"\n\
         keep_quarterly = \"forever\"\n\
         incomplete_grace = \"24h\"\n\n\
         [drill]\n\
         # A restore drill slower than this is reported as a warning.\n\
         restore_time_target = \"30min\"\n\n\
         [state]\n\
         # eqvault's own local state: catalog, locks, job history.\n\
         dir = \".eqvault\"\n\n\
         [schedule]\n\
         # Cron fields: second minute hour day-of-month month day-of-week.\n\
         timezone = \"Asia/Ho_Chi_Minh\"\n\
         backup = { cron = \"0 30 1 * * *\" }            # every day at 01:30\n\
         verify = { cron = \"0 30 3 * * Sun\" }          # every Sunday\n\
         drill = { cron = \"0 0 4 1 1,4,7,10 *\" }       # each quarter\n\
         prune = { cron = \"0 0 5 * * Sun\" }\n\
         # A job whose time passed while eqvault was off runs once when it starts\n\
         # (catch_up = false turns that off). After SIGTERM a running job may finish\n\
         # within stop_grace; then it is abandoned and nothing of it is committed.\n\
         # stop_grace = \"60s\"\n\
         # eqvault daemon (systemctl enable --now eqvault) runs these; when cron calls\n\
         # eqvault schedule run JOB at the same times instead: run_by = \"cron\"\n\
         # Job options: verify = { cron = \"…\", read_data = true, all = true },\n\
         # drill = { cron = \"…\", pick = \"random\" }, prune = { cron = \"…\", dry_run = true },\n\
         # and per-job ping_start / ping_success / ping_fail URLs.\n\
         # The report for leadership, for the term that has just ended, archived and\n\
         # mailed to [alerts.email] report_to with the files attached:\n\
         # report = { cron = \"0 0 7 20 1,6 *\", period = \"term\", format = [\"pdf\", \"xlsx\"] }\n\
         # (period = \"previous-month\", \"term\" or \"year\")\n\n\
         # [alerts]\n\
         # Healthchecks-style pings for every job (a job's own ping_* wins).\n\
         # ping_start = \"https://hc-ping.com/<uuid>/start\"\n\
         # ping_success = \"https://hc-ping.com/<uuid>\"\n\
         # ping_fail = \"https://hc-ping.com/<uuid>/fail\"\n\
         # Email on a failure, a drill that is not a success, violations found by check.\n\
         # [alerts.email]\n\
         # host = \"smtp.example.vn\"\n\
         # tls = \"starttls\"          # \"none\" only for a relay on this machine\n\
         # from = \"eqvault <eqvault@example.vn>\"\n\
         # to = [\"it@example.vn\"]\n\
         # report_to = [\"lanhdao@example.vn\"]   # who receives the scheduled report\n\
         # username = \"eqvault\"\n\
         # password = \"…\"             # never printed\n\n\
         # [log]\n\
         # file = \"/var/log/eqvault/eqvault.log\"   # rotated daily, 14 kept\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> InitPlan {
        InitPlan {
            vault: Some(new_vault_id()),
            database: "equipment.db".into(),
            stores: vec!["store-a".into(), "s3://bucket/prefix".into()],
            recipients: vec![crate::pack::keys::generate().1],
            identity: Some("identity.txt".into()),
            store_extra: BTreeMap::new(),
            signing_key: Some("eqvault-signing-key".into()),
            trusted: vec![crate::trust::Signer::generate("t").public_line()],
            office_name: "Sở GD&ĐT".into(),
            office_code: "79".into(),
        }
    }

    #[test]
    fn the_written_config_reads_back() {
        let text = render_initial(&plan());
        let c = Config::from_text(Path::new("/srv/eq/eqvault.toml"), &text).unwrap();
        assert_eq!(c.database.path, Path::new("/srv/eq/equipment.db"));
        assert_eq!(c.stores[0].url, "/srv/eq/store-a");
        assert_eq!(c.stores[1].url, "s3://bucket/prefix");
        assert_eq!(
            c.encryption.identity.as_deref(),
            Some(Path::new("/srv/eq/identity.txt"))
        );
        assert_eq!(c.retention.keep_quarterly, Keep::Forever);
        assert_eq!(c.schedule.jobs.len(), 4);
        assert_eq!(c.state_dir, Path::new("/srv/eq/.eqvault"));
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = "[database]\npath = \"x.db\"\nbusy_timout = \"3s\"\n";
        let e = Config::from_text(Path::new("c.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("busy_timout") && e.contains("line 3"), "{e}");
    }

    #[test]
    fn office_calendar_days_and_effective_from_are_read_and_checked() {
        let text = "[database]\npath = \"x.db\"\n[policies]\neffective_from = 2025-09-05\n[calendar]\nextra_days_off = [\n  { date = \"2026-11-24\", reason = \"Ngày Văn hóa Việt Nam\", source = \"CV 1/UBND\" },\n]\n[[calendar.extra_working_days]]\ndate = 2026-11-28\nreason = \"Làm bù\"\nsource = \"CV 1/UBND\"\n";
        let c = Config::from_text(Path::new("/etc/eqvault.toml"), text).unwrap();
        assert_eq!(
            c.effective_from,
            chrono::NaiveDate::from_ymd_opt(2025, 9, 5)
        );
        assert_eq!(c.calendar.len(), 2);
        assert!(c.calendar[0].off && !c.calendar[1].off);
        assert_eq!(
            (c.calendar[0].line, c.calendar[0].key.as_str()),
            (7, "calendar.extra_days_off[0]")
        );
        assert_eq!(c.calendar[1].key, "calendar.extra_working_days[0]");
        // An unknown key, an empty source, a bad date, a date before the regulation.
        for (bad, want) in [
            (
                "extra_days_off = [{ date = \"2026-11-24\", reason = \"x\", source = \"y\", kind = \"z\" }]",
                "kind",
            ),
            (
                "extra_days_off = [{ date = \"2026-11-24\", reason = \"x\", source = \" \" }]",
                "calendar.extra_days_off[0].source",
            ),
            (
                "extra_days_off = [{ date = \"24/11/2026\", reason = \"x\", source = \"y\" }]",
                "YYYY-MM-DD",
            ),
            ("holidays = []", "holidays"),
        ] {
            let text = format!("[database]\npath = \"x.db\"\n[calendar]\n{bad}\n");
            let e = Config::from_text(Path::new("/etc/eqvault.toml"), &text)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("/etc/eqvault.toml") && e.contains("line 4") && e.contains(want),
                "{e}"
            );
        }
        let text = "[database]\npath = \"x.db\"\n[policies]\neffective_from = 2024-01-01\n";
        let e = Config::from_text(Path::new("e.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("policies.effective_from") && e.contains("line 4") && e.contains("--from"),
            "{e}"
        );
    }

    #[test]
    fn invalid_cron_is_quoted() {
        let text = "[database]\npath = \"x.db\"\n[schedule]\nbackup = { cron = \"every day\" }\n";
        let e = Config::from_text(Path::new("c.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"every day\"")
                && e.contains("line 4")
                && e.contains("schedule.backup.cron"),
            "{e}"
        );
    }

    #[test]
    fn query_timeout_is_minutes_unless_told_and_never_zero() {
        let read = |more: &str| {
            Config::from_text(
                Path::new("c.toml"),
                &format!("[database]\npath = \"x.db\"\n{more}"),
            )
        };
        assert_eq!(read("").unwrap().database.query_timeout, Span::Seconds(300));
        assert_eq!(
            read("query_timeout = \"2s\"\n")
                .unwrap()
                .database
                .query_timeout,
            Span::Seconds(2)
        );
        let e = read("busy_timeout = \"30s\"\nquery_timeout = \"0s\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("database.query_timeout") && e.contains("line 4"),
            "{e}"
        );
    }

    #[test]
    fn bad_recipient_is_named() {
        let text = "[database]\npath = \"x.db\"\n[encryption]\nrecipients = [\n\"age1nope\"]\n";
        let e = Config::from_text(Path::new("c.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("encryption.recipients[0]") && e.contains("line 5"),
            "{e}"
        );
    }

    #[test]
    fn unknown_store_scheme_is_refused() {
        let text = "[database]\npath = \"x.db\"\n[[store]]\nurl = \"ftp://nas/backups\"\n";
        let e = Config::from_text(Path::new("c.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("ftp") && e.contains("store[0].url"), "{e}");
    }

    #[test]
    fn a_bad_line_is_located_not_quoted() {
        let text = "[database]\npath = \"x.db\"\n[[store]]\nurl = \"s3://b/p\"\nsecret_acess_key = \"SUPERSECRET\"\n";
        let e = Config::from_text(Path::new("c.toml"), text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("secret_acess_key") && e.contains("line 5"),
            "{e}"
        );
        assert!(!e.contains("SUPERSECRET"), "{e}");
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let text = "[database]\npath = \"x.db\"\n[[store]]\nurl = \"s3://b/p\"\nsecret_access_key = \"SUPERSECRET\"\n";
        let c = Config::from_text(Path::new("c.toml"), text).unwrap();
        assert!(!format!("{c:?}").contains("SUPERSECRET"));
    }
}
