//! age keys: recipients parsed from config, identities generated 0600 and loaded with a permission check.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;

/// Errors about keys. None of them carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not an `age1…` public key.
    #[error(
        "not an age public key: {shown}. A recipient starts with \"age1\" (see the identity file's \"# public key:\" line)"
    )]
    BadRecipient {
        /// The start of the value, shortened so a pasted private key is never echoed.
        shown: String,
    },
    /// No recipient configured.
    #[error(
        "no recipient is configured, and eqvault never writes anything unencrypted: add an age public key to [encryption] recipients (eqvault init creates one)"
    )]
    NoRecipient,
    /// No identity given where one is needed.
    #[error("this command needs the private key (the age identity), and none was given")]
    NoIdentity,
    /// The identity file cannot be read.
    #[error("cannot read the identity file {path}: {source}")]
    ReadIdentity {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The identity file is readable by others.
    #[error(
        "the identity file {path} is readable by other users (mode {mode:o}): run `chmod 600 {path}` and try again"
    )]
    OpenPermissions {
        /// The file.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// The identity file holds no usable identity.
    #[error(
        "{path} holds no age identity (expected a line starting with AGE-SECRET-KEY-1): check that it is the identity file, not the config or a public key"
    )]
    NoIdentityInFile {
        /// The file.
        path: PathBuf,
    },
    /// Refusing to overwrite an identity.
    #[error("{path} already exists; eqvault never overwrites an identity file")]
    IdentityExists {
        /// The file.
        path: PathBuf,
    },
    /// Writing a new identity failed.
    #[error("cannot write the identity file {path}: {source}")]
    WriteIdentity {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Parses one `age1…` recipient.
///
/// # Errors
/// [`KeyError::BadRecipient`].
pub fn parse_recipient(s: &str) -> Result<age::x25519::Recipient, KeyError> {
    age::x25519::Recipient::from_str(s.trim())
        .map_err(|_| KeyError::BadRecipient { shown: shorten(s) })
}

/// Parses every recipient; at least one is required.
///
/// # Errors
/// [`KeyError::NoRecipient`] or [`KeyError::BadRecipient`].
pub fn parse_recipients(list: &[String]) -> Result<Vec<age::x25519::Recipient>, KeyError> {
    if list.is_empty() {
        return Err(KeyError::NoRecipient);
    }
    list.iter().map(|s| parse_recipient(s)).collect()
}

fn shorten(s: &str) -> String {
    let t = s.trim();
    if t.to_ascii_uppercase().starts_with("AGE-SECRET-KEY") {
        return "a private key (AGE-SECRET-KEY-…): put only public keys in recipients".into();
    }
    let head: String = t.chars().take(12).collect();
    if t.chars().count() > 12 {
        format!("{head:?}…")
    } else {
        format!("{head:?}")
    }
}

/// The comment lines of an identity file that carry the way back: the keys
/// whose signatures are believed and the recipients, for a machine that has
/// only this file and the stores. `age -d -i` ignores them.
pub const TRUSTED_LINE: &str = "# eqvault-trusted: ";
/// A recipient line (see [`TRUSTED_LINE`]).
pub const RECIPIENT_LINE: &str = "# eqvault-recipient: ";
/// The vault line (see [`TRUSTED_LINE`]).
pub const VAULT_LINE: &str = "# eqvault-vault: ";

/// What an identity file names besides its private keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchors {
    /// Signing public keys (`ssh-ed25519 AAAA…`) to believe.
    pub trusted: Vec<String>,
    /// Recipients (`age1…`) the vault's snapshots are encrypted to.
    pub recipients: Vec<String>,
    /// The vault (`[database] vault`), when it has one.
    pub vault: Option<String>,
}

/// The anchors an identity file names, and the public keys of its identities.
///
/// # Errors
/// As [`load_identities`].
pub fn load_anchors(path: &Path) -> Result<Anchors, KeyError> {
    let ids = load_identities(path)?;
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::ReadIdentity {
        path: path.to_path_buf(),
        source,
    })?;
    let mut a = Anchors::default();
    for line in text.lines() {
        if let Some(k) = line.strip_prefix(TRUSTED_LINE) {
            let k = k.trim().to_string();
            if !k.is_empty() && !a.trusted.contains(&k) {
                a.trusted.push(k);
            }
        } else if let Some(v) = line.strip_prefix(VAULT_LINE) {
            let v = v.trim();
            if crate::store::is_vault_id(v) && a.vault.is_none() {
                a.vault = Some(v.to_string());
            }
        } else if let Some(r) = line.strip_prefix(RECIPIENT_LINE) {
            let r = r.trim().to_string();
            if !r.is_empty() && !a.recipients.contains(&r) {
                a.recipients.push(r);
            }
        }
    }
    for id in ids {
        let public = id.to_public().to_string();
        if !a.recipients.contains(&public) {
            a.recipients.push(public);
        }
    }
    Ok(a)
}

/// The anchor lines for `anchors`, to append to an identity file.
pub fn anchor_lines(anchors: &Anchors) -> String {
    let mut out = String::from(
        "# The way back if the backup host is lost: the keys whose signatures eqvault\n\
         # believes and the recipients. `eqvault restore latest --store URL --identity\n\
         # THIS-FILE --to PATH` restores with this file alone; keep it in the safe.\n",
    );
    for t in &anchors.trusted {
        out.push_str(&format!("{TRUSTED_LINE}{t}\n"));
    }
    for r in &anchors.recipients {
        out.push_str(&format!("{RECIPIENT_LINE}{r}\n"));
    }
    if let Some(v) = &anchors.vault {
        out.push_str(&format!("{VAULT_LINE}{v}\n"));
    }
    out
}

/// A new identity: (the identity file's text, its public key).
pub fn generate() -> (String, String) {
    let id = age::x25519::Identity::generate();
    let public = id.to_public().to_string();
    let text = format!(
        "# eqvault identity: the private key that decrypts snapshots. Keep it secret,\n\
         # keep a copy offline (printed or on a USB key in a safe).\n\
         # created: {}\n# public key: {public}\n{}\n",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        id.to_string().expose_secret()
    );
    (text, public)
}

/// Writes a new identity file with mode 0600, refusing to overwrite. Returns its public key.
///
/// # Errors
/// [`KeyError::IdentityExists`] or [`KeyError::WriteIdentity`].
pub fn write_new_identity(path: &Path) -> Result<String, KeyError> {
    write_new_identity_with(path, |_| String::new())
}

/// As [`write_new_identity`], with `more(public key)` appended to the file:
/// its anchor lines ([`anchor_lines`]).
///
/// # Errors
/// As [`write_new_identity`].
pub fn write_new_identity_with(
    path: &Path,
    more: impl FnOnce(&str) -> String,
) -> Result<String, KeyError> {
    let (mut text, public) = generate();
    text.push_str(&more(&public));
    write_private(path, &text)?;
    Ok(public)
}

/// Writes `text` to a new file at `path`, mode 0600, never over one.
///
/// # Errors
/// [`KeyError::IdentityExists`] or [`KeyError::WriteIdentity`].
pub fn write_private(path: &Path, text: &str) -> Result<(), KeyError> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::IdentityExists {
                path: path.to_path_buf(),
            }
        } else {
            KeyError::WriteIdentity {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|source| KeyError::WriteIdentity {
            path: path.to_path_buf(),
            source,
        })
}

/// Whether any of `identities` is one of `recipients` (age public keys as a
/// snapshot's metadata lists them). An empty list answers yes: metadata from
/// before recipients were recorded cannot say.
pub fn is_a_recipient(identities: &[age::x25519::Identity], recipients: &[String]) -> bool {
    recipients.is_empty()
        || identities.iter().any(|i| {
            let ours = i.to_public().to_string();
            recipients
                .iter()
                .any(|r| ours.eq_ignore_ascii_case(r.trim()))
        })
}

/// Loads the identities in `path`, refusing a file others can read.
///
/// # Errors
/// [`KeyError`] naming the file; never its content.
pub fn load_identities(path: &Path) -> Result<Vec<age::x25519::Identity>, KeyError> {
    let read_err = |source| KeyError::ReadIdentity {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::OpenPermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    let text = std::fs::read_to_string(path).map_err(read_err)?;
    // Parsed line by line so that no part of the file can ever reach an error message.
    let mut ids = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match age::x25519::Identity::from_str(line) {
            Ok(id) => ids.push(id),
            Err(_) => {
                return Err(KeyError::NoIdentityInFile {
                    path: path.to_path_buf(),
                });
            }
        }
    }
    if ids.is_empty() {
        return Err(KeyError::NoIdentityInFile {
            path: path.to_path_buf(),
        });
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_private_and_refuses_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("id.txt");
        let public = write_new_identity(&p).unwrap();
        assert!(public.starts_with("age1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(matches!(
            write_new_identity(&p),
            Err(KeyError::IdentityExists { .. })
        ));
        assert_eq!(load_identities(&p).unwrap().len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_identity_is_refused_with_a_hint() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("id.txt");
        write_new_identity(&p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = load_identities(&p).err().unwrap().to_string();
        assert!(e.contains("chmod 600"), "{e}");
    }

    #[test]
    fn anchor_lines_are_comments_read_back_with_the_identitys_own_recipient() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("id.txt");
        let anchors = Anchors {
            trusted: vec!["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample host".into()],
            recipients: vec!["age1other".into()],
            vault: Some("v-0123456789ab".into()),
        };
        let public = write_new_identity_with(&p, |_| anchor_lines(&anchors)).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.lines()
                .filter(|l| l.contains("eqvault-"))
                .all(|l| l.starts_with('#')),
            "{text}"
        );
        assert_eq!(load_identities(&p).unwrap().len(), 1);
        let back = load_anchors(&p).unwrap();
        assert_eq!(back.trusted, anchors.trusted);
        assert_eq!(back.recipients, vec!["age1other".to_string(), public]);
        assert_eq!(back.vault.as_deref(), Some("v-0123456789ab"));
    }

    #[test]
    fn a_private_key_pasted_as_recipient_is_not_echoed() {
        let (text, _) = generate();
        let secret = text
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY"))
            .unwrap();
        let e = parse_recipient(secret).unwrap_err().to_string();
        assert!(!e.contains(&secret[15..]), "{e}");
    }
}
