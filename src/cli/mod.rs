//! The command line: the only room that knows clap, prints, or draws progress bars.

mod adopt;
mod archive;
mod backup;
mod bare;
mod calendar;
mod check;
mod completions;
mod daemon;
mod demo;
mod doctor;
mod drill;
mod errors;
mod exit;
mod guard;
mod help;
pub mod hints;
mod init;
mod keys;
mod ledger;
mod logfile;
mod man;
mod mapping;
mod output;
mod prune;
mod report;
mod restore;
mod schedule;
mod signals;
mod snapshots;
mod status;
mod store;
mod sync;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{FromArgMatches, Parser, Subcommand};

use crate::config::{self, Config};
use crate::ops::Vault;

pub(crate) use crate::lang::Lang;
pub(crate) use exit::Exit;
pub(crate) use output::{Out, bar};

/// eqvault: encrypted, verified backups of the teaching-equipment database,
/// restore drills, the report archive and compliance checks (QĐ 146/QĐ-GDĐT).
#[derive(Debug, Parser)]
#[command(name = "eqvault", version, about, long_about = None)]
pub struct Cli {
    /// The config file [default: $EQVAULT_CONFIG, then ./eqvault.toml, then /etc/eqvault/eqvault.toml].
    #[arg(long, global = true, env = "EQVAULT_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Print exactly one JSON document on stdout (logs and progress go to stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// Print no result lines: only warnings and errors (the exit code says the rest).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The language people read: vi or en [default: $EQVAULT_LANG, then the config's office lang, then vi].
    #[arg(
        long,
        global = true,
        env = "EQVAULT_LANG",
        value_name = "LANG",
        value_parser = |s: &str| s.parse::<Lang>()
    )]
    pub lang: Option<Lang>,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented eqvault.toml, a new age identity and signing key (0600), and each store's marker; never overwrites.
    Init(init::Args),
    /// Build a realistic demo database and run the whole main job on it.
    Demo(demo::Args),
    /// Take one snapshot of the configured database to every configured store.
    Backup(backup::Args),
    /// List complete snapshots, newest first (--store URL --identity FILE on a machine without its config).
    Snapshots(snapshots::Args),
    /// Check stored snapshots against their metadata; with --read-data, decrypt and check the database.
    Verify(verify::Args),
    /// Restore a snapshot's database to a path.
    Restore(restore::Args),
    /// Restore drill into scratch space: time it, check it, record the evidence in every store.
    Drill(drill::Args),
    /// Apply retention (never below one snapshot per quarter, the last drilled one, and holds).
    Prune(prune::Args),
    /// Keep a snapshot whatever retention says.
    Hold(prune::HoldArgs),
    /// Release a hold.
    Unhold(prune::UnholdArgs),
    /// Copy snapshots, drill records, holds and archived reports missing from any store to it.
    Sync,
    /// Last backup, copies, last drill; exit 1 when the newest backup is too old.
    Status(status::Args),
    /// The report archive: report files kept by school year and period as BagIt bags.
    #[command(subcommand)]
    Archive(archive::Cmd),
    /// The identifier ledger (every identifier each backup saw).
    #[command(subcommand)]
    Ledger(ledger::Cmd),
    /// A mapping of the office's own database onto the reference schema: `check`, `init`.
    #[command(subcommand)]
    Mapping(mapping::Cmd),
    /// Compliance checks (QĐ 146/QĐ-GDĐT); exit 1 on a violation. Works on --db alone.
    Check(check::Args),
    /// The working-day calendar of a year, or `calendar deadline DATE`.
    Calendar(calendar::Args),
    /// The compliance report for leadership (html, md, json, csv, xlsx, pdf); exit 1 on a violation.
    Report(report::Args),
    /// Check a set-up before its first night: config, database, stores, keys, policies, calendar, alerts; exit 1 on any problem.
    Doctor(doctor::Args),
    /// Run the configured schedule until stopped (SIGTERM/SIGINT stop it cleanly).
    Daemon(daemon::Args),
    /// The schedule: `status` (next and last runs), `run JOB` (one job now, same lock).
    #[command(subcommand)]
    Schedule(schedule::Cmd),
    /// Vouch for snapshots made before eqvault signed: decrypt and check each, then sign its metadata.
    Adopt(adopt::Args),
    /// Stop naming snapshots that vanished from a store (removed by hand, or by another host's prune).
    Forget(adopt::ForgetArgs),
    /// Stores: `add URL` adds one and writes its signed marker, `remove URL` takes one out of the config.
    #[command(subcommand)]
    Store(store::Cmd),
    /// The deletion guard: `ack ID --reason …` acknowledges a snapshot it marked suspect.
    #[command(subcommand)]
    Guard(guard::Cmd),
    /// Keys for a config written by hand: `new [DIR]` makes a signing key and an age identity.
    #[command(subcommand)]
    Keys(keys::Cmd),
    /// The shell completion script (bash, zsh, fish, …) on stdout, as the package installs it.
    Completions(completions::Args),
    /// The manual page of eqvault or of one command (roff on stdout); --dir DIR writes them all.
    Man(man::Args),
}

/// The program: parse, log, run, map to the exit code of the CLI contract.
pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = help::lang_of_args(&args);
    let cli = match help::command(lang)
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => return usage(&e, &args, lang),
    };
    // The daemon logs its life (jobs, stop) at info; `[log] file` adds a rotating file.
    let daemon = matches!(cli.command, Command::Daemon(_));
    let log_file = match cli.command {
        // These read no config: they must work before one exists, and for any user.
        Command::Init(_)
        | Command::Demo(_)
        | Command::Keys(_)
        | Command::Completions(_)
        | Command::Man(_) => None,
        _ => logfile::settings(cli.config.clone()),
    };
    init_logging(cli.verbose.max(u8::from(daemon)), log_file.as_ref());
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return Exit::Failed.into();
        }
    };
    let mut out = Out::new(cli.json, cli.lang, lang, cli.verbose);
    out.quiet = cli.quiet;
    output::bar_lang(lang);
    // Scheduled jobs put the same next step in their alerts as an error here.
    crate::daemon::use_hints(hints::hint_en);
    let left = signals::Left::of(&cli.command);
    let r = rt.block_on(async {
        match left {
            Some(left) => signals::run_stoppable(run(cli, &out), left, &out).await,
            None => run(cli, &out).await,
        }
    });
    // A thread a signal interrupted (SQLite's one-step copy) must not hold up the exit.
    rt.shutdown_background();
    let code = match r {
        Ok(code) => code,
        Err(e) => {
            out.error(&e);
            Exit::Failed
        }
    };
    // What signing cost this run (issue 12's budget: under 3 % of a backup or restore).
    let cost = crate::trust::cost::totals();
    tracing::debug!(
        signed = cost.signed,
        sign_us = cost.sign_time.as_micros(),
        verified = cost.verified,
        verify_us = cost.verify_time.as_micros(),
        "signing cost"
    );
    code.into()
}

/// `--help` and `--version` print their page (exit 0); a usage error is said
/// once in the reader's language (exit 2).
fn usage(e: &clap::Error, args: &[std::ffi::OsString], lang: Lang) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            Exit::Ok.into()
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            Exit::Failed.into()
        }
        _ => {
            eprintln!("{}", help::usage_error(e, args, lang));
            Exit::Failed.into()
        }
    }
}

fn init_logging(verbose: u8, settings: Option<&logfile::Settings>) {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("EQVAULT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let tz = settings.map(|s| s.tz);
    let stderr = tracing_subscriber::fmt::layer()
        .with_timer(logfile::LocalTime(tz))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_filter(filter);
    let file = settings.and_then(logfile::writer).map(|w| {
        let level = tracing_subscriber::EnvFilter::try_from_env("EQVAULT_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        tracing_subscriber::fmt::layer()
            .with_timer(logfile::LocalTime(tz))
            .with_writer(w)
            .with_ansi(false)
            .with_target(false)
            .with_filter(level)
    });
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
}

async fn run(cli: Cli, out: &Out) -> anyhow::Result<Exit> {
    let config_path = cli.config.clone();
    match cli.command {
        Command::Init(a) => init::run(a, out).await,
        Command::Demo(a) => demo::run(a, out).await,
        Command::Backup(a) => backup::run(a, &open(config_path)?, out).await,
        Command::Snapshots(a) => snapshots::run(a, config_path, out).await,
        Command::Verify(a) => verify::run(a, &open(config_path)?, out).await,
        Command::Restore(a) => restore::run(a, config_path, out).await,
        Command::Drill(a) => drill::run(a, &open(config_path)?, out).await,
        Command::Prune(a) => prune::run(a, &open(config_path)?, out).await,
        Command::Hold(a) => prune::hold(a, &open(config_path)?, out).await,
        Command::Unhold(a) => prune::unhold(a, &open(config_path)?, out).await,
        Command::Sync => sync::run(&open(config_path)?, out).await,
        Command::Status(a) => status::run(a, &open(config_path)?, out).await,
        Command::Archive(c) => archive::run(c, &open(config_path)?, out).await,
        Command::Ledger(c) => ledger::run(c, &open(config_path)?, out).await,
        Command::Check(a) => check::run(a, config_path, out).await,
        Command::Mapping(c) => mapping::run(c, config_path, out).await,
        Command::Calendar(a) => calendar::run(a, config_path, out),
        Command::Report(a) => report::run(a, config_path, out).await,
        Command::Doctor(a) => doctor::run(a, config_path, out).await,
        Command::Daemon(a) => daemon::run(a, &load(config_path)?, out).await,
        Command::Schedule(c) => schedule::run(c, &load(config_path)?, out).await,
        Command::Store(c) => store::run(c, &open(config_path)?, out).await,
        Command::Adopt(a) => adopt::run(a, &open(config_path)?, out).await,
        Command::Forget(a) => adopt::forget(a, &open(config_path)?, out).await,
        Command::Keys(c) => keys::run(c, out),
        Command::Guard(c) => guard::run(c, &open(config_path)?, out).await,
        Command::Completions(a) => completions::run(a, out),
        Command::Man(a) => man::run(a, out),
    }
}

/// Loads the config from `--config`, `$EQVAULT_CONFIG` (both arrive here), `./eqvault.toml` or `/etc/eqvault/eqvault.toml`.
fn load(path: Option<PathBuf>) -> anyhow::Result<Config> {
    let path = path.unwrap_or_else(config::default_path);
    Ok(Config::load(&path)?)
}

/// The engine over the config (see [`load`]).
fn open(path: Option<PathBuf>) -> anyhow::Result<Vault> {
    Ok(Vault::open(load(path)?))
}

fn show(p: &Path) -> String {
    crate::sanitize::path(p)
}
