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
use crate::mapping::MappingError;
use crate::ops::OpsError;
use crate::ops::setup::SetupError;
use crate::pack::PackError;
use crate::pack::keys::KeyError;
use crate::policy::PolicyError;
use crate::report::ReportError;
use crate::snapshot::SnapshotError;
use crate::store::StoreError;
use crate::trust::TrustError;

/// One error of a chain in words: the catalog's in `lang` (and `true`) when
/// it says this kind, else the error's own text (and `false`).
pub fn said(e: &(dyn Error + 'static), lang: Lang) -> (String, bool) {
    if let Some(OpsError::AllStoresFailed(list)) = e.downcast_ref::<OpsError>() {
        // Each store in a few words; the whole text is behind -v.
        let each: Vec<String> = list
            .iter()
            .map(|(s, why)| format!("{s} ({})", lang.say(&crate::store::brief(why))))
            .collect();
        let m = Msg::new("err-all-stores-failed").arg("list", each.join("; "));
        return (lang.say(&m), true);
    }
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
    if let Some(e) = e.downcast_ref::<StoreError>() {
        return store(e);
    }
    if let Some(e) = e.downcast_ref::<PolicyError>() {
        return policy(e);
    }
    if let Some(e) = e.downcast_ref::<ReportError>() {
        return report(e);
    }
    if let Some(e) = e.downcast_ref::<MappingError>() {
        return mapping(e);
    }
    None
}

/// A store's failure: the store, and what happened in a few words
/// ([`crate::store::brief`]); its whole text is behind `-v`.
fn store(e: &StoreError) -> Option<Msg> {
    let store = e.store()?;
    Some(
        Msg::new("err-store")
            .arg("store", store)
            .arg_msg("why", crate::store::brief(&crate::store::flatten_error(e))),
    )
}

fn policy(e: &PolicyError) -> Option<Msg> {
    match e {
        PolicyError::Snapshot(e) => snapshot(e),
        PolicyError::Mapping(e) => mapping(e),
        PolicyError::Schema { path: p, detail } => Some(
            Msg::new("err-not-reference-schema")
                .arg("path", path(p))
                .arg("detail", detail),
        ),
        _ => None,
    }
}

fn report(e: &ReportError) -> Option<Msg> {
    Some(match e {
        ReportError::Policy(e) => return policy(e),
        ReportError::Exists(p) => Msg::new("err-report-exists").arg("path", path(p)),
        ReportError::NoChromium(why) => Msg::new("err-no-chromium").arg("why", why),
        ReportError::Chromium(why) => Msg::new("err-chromium").arg("why", why),
        _ => return None,
    })
}

fn mapping(e: &MappingError) -> Option<Msg> {
    Some(match e {
        MappingError::Read { path: p, source } => Msg::new("err-mapping-read")
            .arg("path", path(p))
            .arg_msg("why", io(source)),
        MappingError::Sql {
            path: p,
            line,
            view,
            db,
            source,
        } => Msg::new("err-mapping-sql")
            .arg("path", path(p))
            .arg("line", line)
            .arg("view", view)
            .arg("db", path(db))
            .arg("why", source),
        MappingError::TimedOut {
            path: p,
            db,
            view,
            limit,
        } => match view {
            Some(v) => Msg::new("err-mapping-timeout-view").arg("view", v),
            None => Msg::new("err-mapping-timeout"),
        }
        .arg("path", path(p))
        .arg("db", path(db))
        .arg("limit", crate::mapping::shown(*limit)),
        _ => return None,
    })
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
        OpsError::DatabaseLost { source, held } => {
            let why = snapshot(source).unwrap_or_else(|| {
                Msg::new("err-database-unreadable").arg("why", source.to_string())
            });
            match held {
                Some(h) => Msg::new("err-database-lost-held")
                    .arg_msg("why", why)
                    .arg("held", h),
                None => why,
            }
        }
        OpsError::Pack(e) => return pack(e),
        OpsError::Key(e) => return key(e),
        OpsError::Trust(e) => return trust(e),
        OpsError::Config(e) => return config(e),
        OpsError::Setup(e) => return setup(e),
        OpsError::Archive(e) => return archive(e),
        OpsError::Store(e) => return store(e),
        OpsError::Policy(e) => return policy(e),
        OpsError::Report(e) => return report(e),
        OpsError::Mapping(e) => return mapping(e),
        OpsError::NoMapping => Msg::new("err-no-mapping"),
        OpsError::ArchiveNeedsConfig => Msg::new("err-archive-needs-config"),
        OpsError::ReportIsDatabase(p) => Msg::new("err-report-is-database").arg("path", path(p)),
        OpsError::ClockBehind {
            id,
            store,
            then,
            now,
        } => Msg::new("err-clock-behind")
            .arg("now", now)
            .arg("id", id)
            .arg("store", store)
            .arg("then", then),
        OpsError::RolledBack {
            newest,
            more,
            latest,
        } => Msg::new("err-rolled-back")
            .arg("newest", newest)
            .arg("more", more)
            .arg("latest", latest),
        OpsError::NoAnchor => Msg::new("err-no-anchor"),
        OpsError::NotARecipient { id, given, needs } => Msg::new("err-not-a-recipient")
            .arg("id", id)
            .arg("given", given)
            .arg("needs", needs),
        OpsError::NotMailed { period, why } => Msg::new("err-not-mailed")
            .arg("period", period)
            .arg("why", why),
        OpsError::SuspectLatest {
            id,
            previous,
            figures,
        } => Msg::new("err-suspect-latest")
            .arg("id", id)
            .arg("previous", previous)
            .arg("figures", figures),
        OpsError::ForeignStore { store, why } => Msg::new("err-foreign-store")
            .arg("store", store)
            .arg("why", why),
        OpsError::PeriodNotOver { period, end, to } => Msg::new("err-period-not-over")
            .arg("period", period)
            .day("end", *end)
            .day("to", *to),
        OpsError::NotArchived {
            path: p,
            sha256,
            why,
        } => Msg::new("err-not-archived")
            .arg("path", p)
            .arg("sha", sha256)
            .arg("why", why),
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
        // Said with each store's failure in the reader's words: see `said`.
        OpsError::AllStoresFailed(_) => Msg::new("err-all-stores-failed").arg("list", ""),
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
            .size("needed", *needed),
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
        TrustError::Exists { path: p } => Msg::new("err-key-exists").arg("path", path(p)),
        _ => return None,
    })
}

fn config(e: &ConfigError) -> Option<Msg> {
    Some(match e {
        ConfigError::Read { path: p, source } => Msg::new("err-config-read")
            .arg("path", path(p))
            .arg_msg("why", io(source)),
        ConfigError::Write { path: p, source } => Msg::new("err-config-write")
            .arg("path", path(p))
            .arg_msg("why", io(source)),
        // toml's own message quotes the line: kept as it is, under our words.
        ConfigError::Parse { path: p, message } => Msg::new("err-config-parse")
            .arg("path", path(p))
            .arg("message", message),
        ConfigError::OpenPermissions { path: p, key, mode } => Msg::new("err-config-permissions")
            .arg("path", path(p))
            .arg("key", key)
            .arg("mode", format!("{mode:o}")),
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
        ArchiveError::BadReason(why) => Msg::new("err-withdraw-reason").arg("why", why),
        ArchiveError::Index { path: p, source } => Msg::new("err-archive-index")
            .arg("path", path(p))
            .arg("why", source),
        ArchiveError::NoGoodCopy { bag, detail } => Msg::new("err-archive-no-good-copy")
            .arg("bag", bag)
            .arg("detail", detail.replace('\n', "; ")),
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

    /// An error the command line has a next step for is said in the reader's
    /// language too: a Vietnamese hint under an English headline reads as two voices.
    #[test]
    fn every_error_with_a_hint_has_a_headline_in_the_catalog() {
        use std::path::PathBuf;
        let p = || PathBuf::from("/srv/x");
        let io = || std::io::Error::from(std::io::ErrorKind::NotFound);
        let all: Vec<anyhow::Error> = vec![
            OpsError::ClockBehind {
                id: "i".into(),
                store: "s".into(),
                then: "t".into(),
                now: "n".into(),
            }
            .into(),
            OpsError::NoSuchSnapshot("i".into()).into(),
            OpsError::NotTrusted {
                what: "latest".into(),
                detail: "d".into(),
            }
            .into(),
            OpsError::RolledBack {
                newest: "a".into(),
                more: 1,
                latest: "b".into(),
            }
            .into(),
            OpsError::NoSuchHold("i".into()).into(),
            OpsError::NoSnapshots.into(),
            OpsError::NoAnchor.into(),
            OpsError::ForeignStore {
                store: "s".into(),
                why: "w".into(),
            }
            .into(),
            OpsError::TargetExists(p()).into(),
            OpsError::TargetIsFolder(p()).into(),
            OpsError::TargetOpen {
                path: p(),
                who: "w".into(),
            }
            .into(),
            OpsError::TargetFolder(p()).into(),
            OpsError::CheckFailed {
                id: "i".into(),
                detail: "d".into(),
                wrong_identity: true,
            }
            .into(),
            OpsError::LocalWrite {
                dir: p(),
                needed: 1,
                source: io(),
            }
            .into(),
            OpsError::NoConfig.into(),
            OpsError::NoDatabase.into(),
            OpsError::ArchiveNeedsConfig.into(),
            OpsError::NotMailed {
                period: "p".into(),
                why: "w".into(),
            }
            .into(),
            OpsError::ReportIsDatabase(p()).into(),
            OpsError::NotArchived {
                path: "p".into(),
                sha256: "s".into(),
                why: "w".into(),
            }
            .into(),
            OpsError::NoMapping.into(),
            OpsError::MappingExists(p()).into(),
            OpsError::AllStoresFailed(vec![("s".into(), "w".into())]).into(),
            KeyError::NoIdentity.into(),
            KeyError::ReadIdentity {
                path: p(),
                source: io(),
            }
            .into(),
            KeyError::IdentityExists { path: p() }.into(),
            PackError::WrongIdentity.into(),
            TrustError::NoTrustedKey.into(),
            TrustError::NoSigningKey.into(),
            TrustError::Exists { path: p() }.into(),
            ConfigError::Read {
                path: p(),
                source: io(),
            }
            .into(),
            ConfigError::Write {
                path: p(),
                source: io(),
            }
            .into(),
            SnapshotError::Missing(p()).into(),
            OpsError::DatabaseLost {
                source: SnapshotError::NotSqlite(p()),
                held: Some("20260101T000000Z-abcdef".into()),
            }
            .into(),
            OpsError::SuspectLatest {
                id: "a".into(),
                previous: "b".into(),
                figures: "c".into(),
            }
            .into(),
            ReportError::Exists(p()).into(),
            ReportError::NoChromium("n".into()).into(),
            ReportError::Chromium("c".into()).into(),
            MappingError::Read {
                path: p(),
                source: io(),
            }
            .into(),
            MappingError::TimedOut {
                path: p(),
                db: p(),
                view: Some("schools".into()),
                limit: std::time::Duration::from_secs(2),
            }
            .into(),
            MappingError::TimedOut {
                path: p(),
                db: p(),
                view: None,
                limit: std::time::Duration::from_secs(2),
            }
            .into(),
            ArchiveError::NotFound("q".into()).into(),
            ArchiveError::BadReason("r".into()).into(),
            ArchiveError::TargetExists(p()).into(),
            ArchiveError::NotAFolder(p()).into(),
            ArchiveError::NoGoodCopy {
                bag: "b".into(),
                detail: "d".into(),
            }
            .into(),
            PolicyError::Schema {
                path: p(),
                detail: "d".into(),
            }
            .into(),
            SetupError::ConfigExists(p()).into(),
            SetupError::StoreFolderMissing(p()).into(),
        ];
        for e in &all {
            if super::super::hints::hint(e.as_ref(), Lang::En).is_some() {
                assert!(said(e.as_ref(), Lang::Vi).1, "no headline for {e}");
            }
        }
    }
}
