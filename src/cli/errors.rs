//! What went wrong, in the reader's language: the headline of an error.
//!
//! The rooms' errors are typed and their `Display` is English (logs, the
//! daemon's records). Here the kinds a person meets most are said from the
//! catalog, naming the same path or key; any other kind keeps its English
//! text. The next step under it is `hints.rs`'s business, and `Out::error`
//! puts the two together.

use std::error::Error;

use crate::archive::ArchiveError;
use crate::config::ConfigError;
use crate::lang::{Lang, Msg};
use crate::ops::OpsError;
use crate::ops::setup::SetupError;
use crate::pack::PackError;
use crate::pack::keys::KeyError;
use crate::snapshot::SnapshotError;
use crate::trust::TrustError;

/// One error of a chain in words: the catalog's in `lang` (and `true`) when
/// it says this kind, else the error's own text (and `false`).
pub fn said(e: &(dyn Error + 'static), lang: Lang) -> (String, bool) {
    match one(e) {
        Some(m) => (lang.say(&m), true),
        None => (e.to_string(), false),
    }
}

fn path(p: &std::path::Path) -> String {
    crate::sanitize::path(p)
}

fn one(e: &(dyn Error + 'static)) -> Option<Msg> {
    if let Some(e) = e.downcast_ref::<OpsError>() {
        return ops(e);
    }
    if let Some(e) = e.downcast_ref::<SetupError>() {
        return setup(e);
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
    if let Some(e) = e.downcast_ref::<ArchiveError>() {
        return archive(e);
    }
    None
}

/// An I/O failure in words (the common kinds), else the system's text.
pub fn io(e: &std::io::Error) -> Msg {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => Msg::new("io-not-found"),
        K::PermissionDenied => Msg::new("io-permission"),
        K::AlreadyExists => Msg::new("io-exists"),
        K::StorageFull => Msg::new("io-full"),
        K::ReadOnlyFilesystem => Msg::new("io-read-only"),
        K::IsADirectory => Msg::new("io-is-folder"),
        K::NotADirectory => Msg::new("io-not-folder"),
        _ => Msg::new("io-other").arg("why", e),
    }
}

fn ops(e: &OpsError) -> Option<Msg> {
    Some(match e {
        OpsError::Snapshot(e) => return snapshot(e),
        OpsError::Pack(e) => return pack(e),
        OpsError::Key(e) => return key(e),
        OpsError::Trust(e) => return trust(e),
        OpsError::Config(e) => return config(e),
        OpsError::Setup(e) => return setup(e),
        OpsError::Archive(e) => return archive(e),
        OpsError::TargetExists(p) => Msg::new("err-target-exists").arg("path", path(p)),
        OpsError::TargetIsFolder(p) => Msg::new("err-target-is-folder").arg("path", path(p)),
        OpsError::TargetOpen { path: p, who } => Msg::new("err-target-open")
            .arg("path", path(p))
            .arg("who", who),
        OpsError::TargetFolder(p) => Msg::new("err-target-folder").arg("path", path(p)),
        OpsError::CheckFailed {
            id,
            wrong_identity: true,
            ..
        } => Msg::new("err-wrong-identity-snapshot").arg("id", id),
        OpsError::CheckFailed { id, detail, .. } => Msg::new("err-check-failed")
            .arg("id", id)
            .arg("detail", detail),
        OpsError::NoSuchSnapshot(id) => Msg::new("err-no-such-snapshot").arg("id", id),
        OpsError::NoSnapshots => Msg::new("err-no-snapshots"),
        OpsError::NoSuchHold(id) => Msg::new("err-no-such-hold").arg("id", id),
        OpsError::Stopped => Msg::new("err-stopped"),
        OpsError::NoConfig => Msg::new("err-no-config"),
        OpsError::NoDatabase => Msg::new("err-no-database"),
        OpsError::NoStore(p) => Msg::new("err-no-store").arg("path", path(p)),
        OpsError::AllStoresFailed(list) => Msg::new("err-all-stores-failed").arg("list", list),
        OpsError::NotTrusted { what, detail } => Msg::new("err-not-trusted")
            .arg("what", what)
            .arg("detail", detail),
        OpsError::LocalWrite {
            dir,
            needed,
            source,
        } => Msg::new("err-local-write")
            .arg("dir", path(dir))
            .arg_msg("why", io(source))
            .arg("needed", Lang::En.size(*needed)),
        OpsError::MappingExists(p) => Msg::new("err-mapping-exists").arg("path", path(p)),
        _ => return None,
    })
}

fn setup(e: &SetupError) -> Option<Msg> {
    Some(match e {
        SetupError::ConfigExists(p) => Msg::new("err-config-exists").arg("path", path(p)),
        SetupError::StoreFolderMissing(p) => {
            Msg::new("err-store-folder-missing").arg("path", path(p))
        }
        SetupError::S3Spelling(url) => Msg::new("err-s3-spelling").arg("url", format!("{url:?}")),
    })
}

fn key(e: &KeyError) -> Option<Msg> {
    Some(match e {
        KeyError::NoIdentity => Msg::new("err-no-identity"),
        KeyError::ReadIdentity { path: p, source } => Msg::new("err-read-identity")
            .arg("path", path(p))
            .arg_msg("why", io(source)),
        KeyError::IdentityExists { path: p } => {
            Msg::new("err-identity-exists").arg("path", path(p))
        }
        KeyError::NoIdentityInFile { path: p } => {
            Msg::new("err-no-identity-in-file").arg("path", path(p))
        }
        KeyError::OpenPermissions { path: p, mode } => Msg::new("err-identity-permissions")
            .arg("path", path(p))
            .arg("mode", format!("{mode:o}")),
        _ => return None,
    })
}

fn pack(e: &PackError) -> Option<Msg> {
    Some(match e {
        PackError::WrongIdentity => Msg::new("err-wrong-identity"),
        _ => return None,
    })
}

fn trust(e: &TrustError) -> Option<Msg> {
    Some(match e {
        TrustError::NoTrustedKey => Msg::new("err-no-trusted-key"),
        TrustError::NoSigningKey => Msg::new("err-no-signing-key"),
        _ => return None,
    })
}

fn config(e: &ConfigError) -> Option<Msg> {
    Some(match e {
        ConfigError::Read { path: p, source } => Msg::new("err-config-read")
            .arg("path", path(p))
            .arg_msg("why", io(source)),
        _ => return None,
    })
}

fn snapshot(e: &SnapshotError) -> Option<Msg> {
    Some(match e {
        SnapshotError::Missing(p) => Msg::new("err-database-missing").arg("path", path(p)),
        SnapshotError::NotAFile(p) => Msg::new("err-database-not-a-file").arg("path", path(p)),
        SnapshotError::NotSqlite(p) => Msg::new("err-database-not-sqlite").arg("path", path(p)),
        _ => return None,
    })
}

fn archive(e: &ArchiveError) -> Option<Msg> {
    Some(match e {
        ArchiveError::NotFound(q) => {
            Msg::new("err-archive-not-found").arg("query", format!("{q:?}"))
        }
        ArchiveError::TargetExists(p) => Msg::new("err-archive-target-exists").arg("path", path(p)),
        ArchiveError::NotAFolder(p) => Msg::new("err-not-a-folder").arg("path", path(p)),
        ArchiveError::BadYear(y) => Msg::new("err-bad-year").arg("year", format!("{y:?}")),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_error_is_said_in_each_language_and_an_unknown_one_keeps_its_text() {
        let e = OpsError::TargetExists("/srv/x.db".into());
        assert!(said(&e, Lang::Vi).0.contains("/srv/x.db"));
        assert!(said(&e, Lang::Vi).0.contains("đã có"));
        assert!(said(&e, Lang::En).0.contains("already exists"));
        let e = anyhow::Error::from(OpsError::Pack(PackError::WrongIdentity));
        assert!(said(e.as_ref(), Lang::Vi).0.contains("khoá bí mật"));
        let e = OpsError::Refused("something odd".into());
        assert_eq!(said(&e, Lang::Vi), ("something odd".to_string(), false));
    }
}
