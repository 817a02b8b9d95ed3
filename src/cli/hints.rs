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

use super::Lang;

/// The next step for `e` (or the first error in its chain that has one), in `lang`.
pub fn hint(e: &(dyn Error + 'static), lang: Lang) -> Option<String> {
    let mut cur: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(e) = cur {
        if let Some((id, args)) = one(e) {
            let refs: Vec<(&str, &dyn std::fmt::Display)> = args
                .iter()
                .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
                .collect();
            return Some(lang.t(id, &refs));
        }
        cur = e.source();
    }
    None
}

/// A hint in English, for the daemon's alerts (their reasons are English;
/// the Vietnamese reason is added beside them).
pub fn hint_en(e: &(dyn Error + 'static)) -> Option<String> {
    hint(e, Lang::En)
}

/// A catalog id and its arguments.
type Said = (&'static str, Vec<(&'static str, String)>);

fn one(e: &(dyn Error + 'static)) -> Option<Said> {
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
    if e.downcast_ref::<crate::store::StoreError>().is_some() {
        return s("hint-store");
    }
    None
}

fn s(id: &'static str) -> Option<Said> {
    Some((id, Vec::new()))
}

fn ops(e: &OpsError) -> Option<Said> {
    match e {
        // Transparent wrappers: the inner error's hint.
        OpsError::Snapshot(e) => snapshot(e),
        OpsError::DatabaseLost { .. } => s("hint-database-lost"),
        OpsError::Pack(e) => pack(e),
        OpsError::Key(e) => key(e),
        // A store's failure: its words say what happened; doctor says more.
        OpsError::Store(_) => s("hint-store"),
        OpsError::Trust(e) => trust(e),
        OpsError::Config(e) => config(e),
        OpsError::Setup(e) => setup(e),
        OpsError::Policy(e) => policy(e),
        OpsError::Mapping(e) => mapping(e),
        OpsError::Report(e) => report(e),
        OpsError::Archive(e) => archive(e),
        OpsError::ClockBehind { .. } => s("hint-clock-behind"),
        OpsError::NoSuchSnapshot(_) => s("hint-no-such-snapshot"),
        OpsError::NotTrusted { .. } => s("hint-not-trusted"),
        OpsError::RolledBack { newest, .. } => {
            Some(("hint-rolled-back", vec![("newest", newest.clone())]))
        }
        OpsError::NoSuchHold(_) => s("hint-no-such-hold"),
        OpsError::NoSnapshots => s("hint-no-snapshots"),
        OpsError::NoAnchor => s("hint-no-anchor"),
        OpsError::NotARecipient { .. } => s("hint-not-a-recipient"),
        OpsError::ForeignStore { .. } => s("hint-foreign-store"),
        OpsError::SuspectLatest { .. } => s("hint-suspect-latest"),
        OpsError::TargetExists(_) => s("hint-target-exists"),
        OpsError::TargetIsFolder(p) => Some((
            "hint-target-is-folder",
            vec![("path", crate::sanitize::path(p))],
        )),
        OpsError::TargetOpen { .. } => s("hint-target-open"),
        OpsError::TargetFolder(_) => s("hint-target-folder"),
        OpsError::CheckFailed {
            wrong_identity: true,
            ..
        } => s("hint-wrong-identity-or-snapshot"),
        OpsError::CheckFailed { .. } => s("hint-check-failed"),
        OpsError::LocalWrite { .. } => s("hint-local-write"),
        OpsError::NoConfig => s("hint-no-config"),
        OpsError::NoDatabase => s("hint-no-database"),
        OpsError::ArchiveNeedsConfig => s("hint-archive-needs-config"),
        OpsError::NotMailed { .. } => s("hint-not-mailed"),
        OpsError::PeriodNotOver { .. } => s("hint-period-not-over"),
        OpsError::ReportIsDatabase(_) => s("hint-other-out"),
        OpsError::NotArchived { .. } => s("hint-not-archived"),
        OpsError::NoMapping => s("hint-no-mapping"),
        OpsError::MappingExists(_) => s("hint-other-out-or-force"),
        OpsError::AllStoresFailed(_) => s("hint-all-stores-failed"),
        _ => None,
    }
}

fn key(e: &KeyError) -> Option<Said> {
    match e {
        KeyError::NoIdentity => s("hint-no-identity"),
        KeyError::ReadIdentity { .. } => s("hint-read-identity"),
        KeyError::IdentityExists { .. } => s("hint-other-dir"),
        _ => None,
    }
}

fn pack(e: &PackError) -> Option<Said> {
    match e {
        PackError::WrongIdentity => s("hint-wrong-identity"),
        _ => None,
    }
}

fn trust(e: &TrustError) -> Option<Said> {
    match e {
        TrustError::NoTrustedKey => s("hint-no-trusted-key"),
        TrustError::NoSigningKey => s("hint-no-signing-key"),
        TrustError::Exists { .. } => s("hint-other-dir"),
        _ => None,
    }
}

fn config(e: &ConfigError) -> Option<Said> {
    match e {
        // What to do depends on why: a missing file is made, an unreadable
        // one is a question of who runs eqvault, a folder is not a file.
        ConfigError::Read { source, .. } => match source.kind() {
            std::io::ErrorKind::NotFound => s("hint-config-read"),
            std::io::ErrorKind::PermissionDenied => s("hint-config-denied"),
            std::io::ErrorKind::IsADirectory => s("hint-config-folder"),
            _ => s("hint-config-io"),
        },
        ConfigError::Write { source, .. } => match source.kind() {
            std::io::ErrorKind::PermissionDenied => s("hint-config-write-denied"),
            std::io::ErrorKind::ReadOnlyFilesystem => s("hint-config-read-only"),
            _ => s("hint-config-io"),
        },
        _ => None,
    }
}

fn snapshot(e: &SnapshotError) -> Option<Said> {
    match e {
        SnapshotError::Missing(_) | SnapshotError::NotAFile(_) => s("hint-database-path"),
        _ => None,
    }
}

fn report(e: &ReportError) -> Option<Said> {
    match e {
        ReportError::Exists(_) => s("hint-other-out-or-force"),
        ReportError::NoChromium(_) => s("hint-no-chromium"),
        ReportError::Chromium(_) => s("hint-chromium"),
        _ => None,
    }
}

fn mapping(e: &MappingError) -> Option<Said> {
    match e {
        MappingError::Read { .. } => s("hint-mapping-read"),
        MappingError::Sql { .. } => s("hint-mapping-sql"),
        MappingError::TimedOut { .. } => s("hint-mapping-timeout"),
        _ => None,
    }
}

fn archive(e: &ArchiveError) -> Option<Said> {
    match e {
        ArchiveError::Index { .. } => s("hint-archive-index"),
        ArchiveError::NotFound(_) => s("hint-archive-not-found"),
        ArchiveError::BadReason(_) => s("hint-withdraw-reason"),
        ArchiveError::TargetExists(_) => s("hint-archive-target-exists"),
        ArchiveError::NotAFolder(_) => s("hint-target-folder"),
        ArchiveError::NoGoodCopy { .. } => s("hint-archive-no-good-copy"),
        _ => None,
    }
}

fn setup(e: &SetupError) -> Option<Said> {
    match e {
        SetupError::ConfigExists(_) => s("hint-config-exists"),
        SetupError::StoreFolderMissing(_) => s("hint-store-folder-missing"),
        _ => None,
    }
}

fn policy(e: &PolicyError) -> Option<Said> {
    match e {
        PolicyError::Mapping(e) => mapping(e),
        PolicyError::Snapshot(e) => snapshot(e),
        PolicyError::Schema { .. } => s("hint-schema"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_error_gets_its_inner_hint_and_a_plain_one_none() {
        let e = OpsError::Key(KeyError::NoIdentity);
        assert!(hint(&e, Lang::En).unwrap().contains("--identity"));
        let e = anyhow::Error::from(OpsError::TargetExists("/x".into()));
        assert!(hint(e.as_ref(), Lang::Vi).unwrap().contains("--force"));
        let e = OpsError::Stopped;
        assert_eq!(hint(&e, Lang::En), None);
    }
}
