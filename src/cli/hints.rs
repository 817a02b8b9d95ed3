//! What to do next, per error: the one place that names flags and commands.
//!
//! The rooms' errors say what happened, naming the path, key or value; the
//! command line is this room's business, so the next step ("pass --force",
//! "run `eqvault sync`") is added here, once, as the line under the error
//! (rage's `rec-` messages beside its `err-` ones). The daemon's alerts use
//! the same hints: the person who reads them types these commands.

use std::error::Error;

use crate::archive::ArchiveError;
use crate::config::ConfigError;
use crate::mapping::MappingError;
use crate::ops::OpsError;
use crate::ops::setup::SetupError;
use crate::pack::PackError;
use crate::pack::keys::KeyError;
use crate::policy::PolicyError;
use crate::report::ReportError;
use crate::snapshot::SnapshotError;
use crate::trust::TrustError;

/// The next step for `e` (or the first error in its chain that has one).
pub fn hint(e: &(dyn Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(e) = cur {
        if let Some(h) = one(e) {
            return Some(h);
        }
        cur = e.source();
    }
    None
}

fn one(e: &(dyn Error + 'static)) -> Option<String> {
    if let Some(e) = e.downcast_ref::<OpsError>() {
        return ops(e);
    }
    if let Some(e) = e.downcast_ref::<KeyError>() {
        return key(e);
    }
    if let Some(e) = e.downcast_ref::<PackError>() {
        return pack(e);
    }
    if let Some(e) = e.downcast_ref::<TrustError>() {
        return trust(e);
    }
    if let Some(e) = e.downcast_ref::<ConfigError>() {
        return config(e);
    }
    if let Some(e) = e.downcast_ref::<SnapshotError>() {
        return snapshot(e);
    }
    if let Some(e) = e.downcast_ref::<ReportError>() {
        return report(e);
    }
    if let Some(e) = e.downcast_ref::<MappingError>() {
        return mapping(e);
    }
    if let Some(e) = e.downcast_ref::<ArchiveError>() {
        return archive(e);
    }
    if let Some(e) = e.downcast_ref::<SetupError>() {
        return setup(e);
    }
    if let Some(e) = e.downcast_ref::<PolicyError>() {
        return policy(e);
    }
    None
}

fn s(t: &str) -> Option<String> {
    Some(t.to_string())
}

fn ops(e: &OpsError) -> Option<String> {
    match e {
        // Transparent wrappers: the inner error's hint.
        OpsError::Snapshot(e) => snapshot(e),
        OpsError::Pack(e) => pack(e),
        OpsError::Key(e) => key(e),
        // A store's own failures (no marker, a bad listing) keep their advice
        // in their text: they travel inside outcomes (each store's result of a
        // backup, a sync), where no front end sees their kind.
        OpsError::Store(_) => None,
        OpsError::Trust(e) => trust(e),
        OpsError::Config(e) => config(e),
        OpsError::Setup(e) => setup(e),
        OpsError::Policy(e) => policy(e),
        OpsError::Mapping(e) => mapping(e),
        OpsError::Report(e) => report(e),
        OpsError::Archive(e) => archive(e),
        OpsError::ClockBehind { .. } => s(
            "if the snapshot's date is the wrong one, `eqvault backup --allow-clock-behind` backs up anyway",
        ),
        OpsError::NoSuchSnapshot(_) => s("list them with `eqvault snapshots`"),
        OpsError::NotTrusted { .. } => Some(format!(
            "run `eqvault verify --all` to see each, and `eqvault snapshots` for the trusted ones. {BARE}"
        )),
        OpsError::RolledBack { newest, .. } => Some(format!(
            "if it was removed on purpose (or by another host's prune), `eqvault forget {newest}` acknowledges it and `latest` goes on; `eqvault snapshots` lists what is left, and naming a snapshot's id restores that one"
        )),
        OpsError::NoSuchHold(_) => s("list what is held with `eqvault prune --dry-run`"),
        OpsError::NoSnapshots => Some(format!(
            "run `eqvault backup` first; if the backups were made by a host that is lost: {BARE}. If the store holds several vaults (offices), `eqvault snapshots --all-vaults` lists them and --vault ID picks one"
        )),
        OpsError::NoAnchor => s(
            "pass the lost host's public signing key with --trust \"ssh-ed25519 AAAA…\" (its eqvault-signing-key.pub, or signing_public_key in init's output), or recover by hand: age -d -i IDENTITY OBJECT | zstd -d | tar -x (README, \"Recovering a snapshot without eqvault\")",
        ),
        OpsError::ForeignStore { .. } => s(
            "check the URL and that the identity file is this vault's (its `# eqvault-trusted:` lines), or name the key that made the store with --trust",
        ),
        OpsError::TargetExists(_) => {
            s("pass --force (the old file is kept as *.before-restore), or restore --to a new path")
        }
        OpsError::TargetIsFolder(p) => Some(format!(
            "hãy đưa cho --to đường dẫn tới một tệp (ví dụ {0}/equipment.db) / give a file path to --to (e.g. {0}/equipment.db)",
            p.display()
        )),
        OpsError::TargetOpen { .. } => s(
            "hãy dừng ứng dụng trước rồi chạy lại restore, hoặc thêm --even-if-open để vẫn thay thế / stop the application first and run restore again, or pass --even-if-open to replace it anyway (the application would go on writing to the old file)",
        ),
        OpsError::TargetFolder(_) => s("create it or choose another --to"),
        OpsError::CheckFailed {
            wrong_identity: true,
            ..
        } => s(
            "pass the identity that matches one of its recipients with --identity; if it is the right one, try another snapshot (`eqvault snapshots`)",
        ),
        OpsError::CheckFailed { .. } => s(
            "try another snapshot (`eqvault snapshots`) or the copy in another store, and run `eqvault verify --all` to find damaged copies",
        ),
        OpsError::LocalWrite { .. } => s("or restore --to another disk"),
        OpsError::NoConfig => s("pass --config PATH, or run it where eqvault.toml is"),
        OpsError::NoDatabase => {
            s("pass --db PATH, or a config whose [database] path names the database")
        }
        OpsError::ArchiveNeedsConfig => s("pass --config (or leave out --archive)"),
        OpsError::NotMailed { .. } => s(
            "`eqvault doctor --send-test-alert` tries the mail server; fix [alerts.email] and run `eqvault schedule run report` again",
        ),
        OpsError::PeriodNotOver { .. } => s(
            "archive the report of an ended period (--period YYYY-YYYY/hk1, /hk2 or YYYY-YYYY once it is over), or pass --even-if-partial to file this partial one in the period's place",
        ),
        OpsError::ReportIsDatabase(_) => s("choose another file name for --out"),
        OpsError::NotArchived { .. } => s(
            "`eqvault sync` copies a bag to the stores that missed it and `eqvault archive list` shows what is archived; a name the archive does not take needs another --out",
        ),
        OpsError::NoMapping => s("pass --mapping FILE, or set [database] mapping in the config"),
        OpsError::MappingExists(_) => s("choose another --out, or pass --force to replace it"),
        OpsError::AllStoresFailed(_) => s(
            "fix the stores named above, then run the command again; `eqvault doctor` checks each one",
        ),
        _ => None,
    }
}

/// The two ways to a snapshot when the host that made it is lost.
const BARE: &str = "On a machine without the old config: `eqvault restore latest --store URL --identity FILE --to PATH` (the identity file names the keys to trust); by hand: age -d -i FILE OBJECT | zstd -d | tar -x (README, \"Disaster recovery\")";

fn key(e: &KeyError) -> Option<String> {
    match e {
        KeyError::NoIdentity => {
            s("pass --identity FILE or set [encryption] identity in the config")
        }
        KeyError::ReadIdentity { .. } => {
            s("check the path given with --identity or [encryption] identity")
        }
        KeyError::IdentityExists { .. } => s("choose another --dir or move the file away"),
        _ => None,
    }
}

fn pack(e: &PackError) -> Option<String> {
    match e {
        PackError::WrongIdentity => {
            s("pass the identity that matches one of its recipients with --identity")
        }
        _ => None,
    }
}

fn trust(e: &TrustError) -> Option<String> {
    match e {
        TrustError::NoTrustedKey => s(
            "add this host's public key (the .pub beside [signing] key) to [signing] trusted; an old config is upgraded by `eqvault adopt`",
        ),
        TrustError::NoSigningKey => {
            s("`eqvault init` creates one; `eqvault adopt` adds one to an old config")
        }
        TrustError::Exists { .. } => s("choose another --dir or move the file away"),
        _ => None,
    }
}

fn config(e: &ConfigError) -> Option<String> {
    match e {
        ConfigError::Read { .. } => s("create one with `eqvault init`, or pass --config PATH"),
        _ => None,
    }
}

fn snapshot(e: &SnapshotError) -> Option<String> {
    match e {
        SnapshotError::Missing(_) | SnapshotError::NotAFile(_) => {
            s("check [database] path in the config (or --db)")
        }
        _ => None,
    }
}

fn report(e: &ReportError) -> Option<String> {
    match e {
        ReportError::Exists(_) => s("choose another --out, or pass --force to replace it"),
        ReportError::NoChromium(_) => s(
            "Install Debian's `chromium` (sudo apt-get install chromium), or use --format html and print it from a browser",
        ),
        ReportError::Chromium(_) => s("try --format html and print it from a browser"),
        _ => None,
    }
}

fn mapping(e: &MappingError) -> Option<String> {
    match e {
        MappingError::Read { .. } => s(
            "check [database] mapping in the config (or --mapping FILE); `eqvault mapping init --out FILE` writes a template",
        ),
        MappingError::Sql { .. } => s("`eqvault mapping check` lists what else is missing"),
        _ => None,
    }
}

fn archive(e: &ArchiveError) -> Option<String> {
    match e {
        ArchiveError::Index { .. } => {
            s("move it away and run `eqvault archive rebuild-index` to recreate it from the stores")
        }
        ArchiveError::NotFound(_) => s("list what is archived with `eqvault archive list`"),
        ArchiveError::TargetExists(_) => s("move it away or choose another --to"),
        ArchiveError::NotAFolder(_) => s("create it or choose another --to"),
        ArchiveError::NoGoodCopy { .. } => {
            s("run `eqvault archive verify --all` to see which copies are damaged")
        }
        _ => None,
    }
}

fn setup(e: &SetupError) -> Option<String> {
    match e {
        SetupError::ConfigExists(_) => {
            s("edit it (or `eqvault store add`), or choose another --dir")
        }
        SetupError::StoreFolderMissing(_) => {
            s("mount the NAS or disk it belongs on, or pass --create-store to create it here")
        }
        _ => None,
    }
}

fn policy(e: &PolicyError) -> Option<String> {
    match e {
        PolicyError::Mapping(e) => mapping(e),
        PolicyError::Schema { .. } => s(
            "give the mapping with --mapping FILE or [database] mapping (`eqvault mapping init` writes a template, `eqvault mapping check` tests one)",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_error_gets_its_inner_hint_and_a_plain_one_none() {
        let e = OpsError::Key(KeyError::NoIdentity);
        assert!(hint(&e).unwrap().contains("--identity"));
        let e = anyhow::Error::from(OpsError::TargetExists("/x".into()));
        assert!(hint(e.as_ref()).unwrap().contains("--force"));
        let e = OpsError::Stopped;
        assert_eq!(hint(&e), None);
    }
}
