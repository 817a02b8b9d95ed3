//! Signing keys and signatures: every record eqvault later believes is signed, and nothing unsigned is believed.
//!
//! age gives confidentiality, not authenticity: the recipients are public, so
//! anyone who can write to a store can build a snapshot that decrypts. Every
//! record eqvault writes (snapshot metadata, the manifest inside each snapshot,
//! drill records, holds, sealed-ledger records, archive sidecars, store markers)
//! therefore gets a detached OpenSSH signature (`KEY.sig`, the SSHSIG format of
//! `ssh-keygen -Y sign`) made with this host's Ed25519 signing key, and readers
//! believe a record only when a key in `[signing] trusted` signed it under the
//! namespace of its kind. A stock Linux machine checks one with
//! `ssh-keygen -Y verify -f allowed_signers -I eqvault -n eqvault-snapshot -s X.json.sig < X.json`.
//!
//! The signing key cannot decrypt anything: losing it loses no data, it only
//! stops new trusted writes until a new key is trusted.

use std::fmt;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use crate::secret::Secret;

/// The suffix of a detached signature: `X.json` is signed by `X.json.sig`.
pub const SIG_SUFFIX: &str = ".sig";
/// The largest signature file eqvault reads (an Ed25519 SSHSIG is about 300 bytes).
pub const MAX_SIG_BYTES: u64 = 16 << 10;

/// What signing and verifying cost this process: counts and time, so a
/// benchmark can read the figure off a real backup or restore (`-vv` logs it
/// at exit; `scripts/bench-signing.sh`).
pub mod cost {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    static SIGNED: AtomicU64 = AtomicU64::new(0);
    static SIGN_NS: AtomicU64 = AtomicU64::new(0);
    static VERIFIED: AtomicU64 = AtomicU64::new(0);
    static VERIFY_NS: AtomicU64 = AtomicU64::new(0);

    /// The totals so far.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Totals {
        /// Signatures made.
        pub signed: u64,
        /// Time spent making them.
        pub sign_time: Duration,
        /// Signatures checked (good or bad).
        pub verified: u64,
        /// Time spent checking them.
        pub verify_time: Duration,
    }

    /// The totals of this process.
    pub fn totals() -> Totals {
        Totals {
            signed: SIGNED.load(Ordering::Relaxed),
            sign_time: Duration::from_nanos(SIGN_NS.load(Ordering::Relaxed)),
            verified: VERIFIED.load(Ordering::Relaxed),
            verify_time: Duration::from_nanos(VERIFY_NS.load(Ordering::Relaxed)),
        }
    }

    pub(super) fn count<T>(verify: bool, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let (n, t) = if verify {
            (&VERIFIED, &VERIFY_NS)
        } else {
            (&SIGNED, &SIGN_NS)
        };
        n.fetch_add(1, Ordering::Relaxed);
        t.fetch_add(ns, Ordering::Relaxed);
        out
    }
}

/// The key of the signature of `key`.
pub fn sig_key(key: &str) -> String {
    format!("{key}{SIG_SUFFIX}")
}

/// What a signed record is: each kind signs under its own namespace, so a
/// signature made for one kind can never be replayed as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A snapshot's clear metadata (`snapshots/…/<id>.json`).
    Snapshot,
    /// The manifest inside a snapshot object.
    Manifest,
    /// A restore drill record.
    Drill,
    /// A hold against retention.
    Hold,
    /// The record of a sealed identifier ledger.
    Ledger,
    /// An archive bag's sidecar.
    Bag,
    /// A store's marker.
    Marker,
    /// The withdrawal of a misfiled archive bag.
    Withdrawal,
    /// An acknowledgement of a snapshot the deletion guard marked suspect.
    GuardAck,
}

impl Kind {
    /// The largest record of this kind eqvault reads: a little above the
    /// largest it writes, so that records planted in a store cost a bounded
    /// read each, never a server's memory.
    pub fn max_record_bytes(self) -> u64 {
        match self {
            // Metadata, manifests, drill records and ledger records are a few
            // kilobytes (row counts, checks); holds and markers less.
            Kind::Snapshot | Kind::Manifest | Kind::Drill | Kind::Ledger => 1 << 20,
            Kind::Hold | Kind::Marker | Kind::Withdrawal | Kind::GuardAck => 64 << 10,
            // A bag's sidecar lists every file of the bag (thousands of reports).
            Kind::Bag => 16 << 20,
        }
    }

    /// The SSHSIG namespace (`ssh-keygen -Y verify -n`).
    pub fn namespace(self) -> &'static str {
        match self {
            Kind::Snapshot => "eqvault-snapshot",
            Kind::Manifest => "eqvault-manifest",
            Kind::Drill => "eqvault-drill",
            Kind::Hold => "eqvault-hold",
            Kind::Ledger => "eqvault-ledger",
            Kind::Bag => "eqvault-bag",
            Kind::Marker => "eqvault-marker",
            Kind::Withdrawal => "eqvault-withdrawal",
            Kind::GuardAck => "eqvault-guard",
        }
    }

    /// Every namespace, for an `allowed_signers` line.
    pub fn all() -> [Kind; 9] {
        [
            Kind::Snapshot,
            Kind::Manifest,
            Kind::Drill,
            Kind::Hold,
            Kind::Ledger,
            Kind::Bag,
            Kind::Marker,
            Kind::Withdrawal,
            Kind::GuardAck,
        ]
    }
}

/// Errors about signing keys. None carries key material.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The signing key file cannot be read.
    #[error(
        "cannot read the signing key {path}: {source}. Check [signing] key in the config (eqvault init creates one)"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The signing key is readable by others.
    #[error(
        "the signing key {path} is readable by other users (mode {mode:o}): run `chmod 600 {path}` and try again"
    )]
    OpenPermissions {
        /// The file.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// The file holds no usable key.
    #[error(
        "{path} is not an unencrypted OpenSSH Ed25519 private key ({why}): [signing] key must name the file eqvault init wrote"
    )]
    NotAKey {
        /// The file.
        path: PathBuf,
        /// What is wrong (never the content).
        why: String,
    },
    /// A trusted key that does not parse.
    #[error(
        "not an OpenSSH Ed25519 public key: {shown}. A trusted key is one line like \"ssh-ed25519 AAAA… eqvault@host\" (the .pub file beside the signing key)"
    )]
    BadPublicKey {
        /// The start of the value, shortened so a pasted private key is never echoed.
        shown: String,
    },
    /// No key is trusted.
    #[error(
        "no signing key is trusted: [signing] trusted is empty, so no record in any store can be believed"
    )]
    NoTrustedKey,
    /// A command that writes records has no signing key.
    #[error(
        "this command writes signed records, and the config names no signing key ([signing] key)"
    )]
    NoSigningKey,
    /// The signing key is not among the trusted keys.
    #[error(
        "the signing key {path} ({fingerprint}) is not in [signing] trusted: records it signs would not be believed. Add its public key ({path}.pub) to [signing] trusted"
    )]
    SignerNotTrusted {
        /// The key file.
        path: PathBuf,
        /// Its fingerprint.
        fingerprint: String,
    },
    /// Refusing to overwrite a key.
    #[error("{path} already exists; eqvault never overwrites a key file")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Writing a new key failed.
    #[error("cannot write the signing key {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Why a record is not believed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Untrusted {
    /// No signature beside it.
    Unsigned,
    /// The signature file is not an SSHSIG signature.
    Malformed(String),
    /// Signed by a key that is not trusted.
    UnknownKey(String),
    /// Signed by a trusted key, but not over these bytes or not for this kind.
    BadSignature(String),
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Untrusted::Unsigned => f.write_str("not signed (no .sig beside it)"),
            Untrusted::Malformed(why) => write!(f, "its signature cannot be read ({why})"),
            Untrusted::UnknownKey(fp) => write!(f, "signed by {fp}, a key that is not trusted"),
            Untrusted::BadSignature(why) => write!(f, "its signature does not match ({why})"),
        }
    }
}

/// This host's signing key. Its Debug never shows the key ([`Secret`]).
#[derive(Debug)]
pub struct Signer {
    key: Secret<PrivateKey>,
    /// `SHA256:…` of the public half (public, so it may be shown).
    fingerprint: String,
    path: PathBuf,
}

impl Signer {
    /// Loads the key at `path`, refusing a file others can read.
    ///
    /// # Errors
    /// [`TrustError`] naming the file.
    pub fn load(path: &Path) -> Result<Signer, TrustError> {
        let read = |source| TrustError::Read {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(TrustError::OpenPermissions {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        if meta.len() > 64 << 10 {
            return Err(TrustError::NotAKey {
                path: path.to_path_buf(),
                why: "far too large".into(),
            });
        }
        let text = zeroize::Zeroizing::new(std::fs::read(path).map_err(read)?);
        // ssh-key's messages never quote the input; keep only the kind of failure.
        let key = PrivateKey::from_openssh(&*text).map_err(|e| TrustError::NotAKey {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
        if key.is_encrypted() || key.algorithm() != ssh_key::Algorithm::Ed25519 {
            return Err(TrustError::NotAKey {
                path: path.to_path_buf(),
                why: "encrypted with a passphrase, or not Ed25519".into(),
            });
        }
        Ok(Signer {
            fingerprint: key.fingerprint(HashAlg::Sha256).to_string(),
            key: Secret::new(key),
            path: path.to_path_buf(),
        })
    }

    /// A key made in memory (tests, and `init` before it writes the file).
    pub fn generate(comment: &str) -> Signer {
        let seed: [u8; 32] = rand::random();
        let pair = ssh_key::private::Ed25519Keypair::from_seed(&seed);
        let key = PrivateKey::new(ssh_key::private::KeypairData::Ed25519(pair), comment)
            .expect("an Ed25519 key pair is a valid private key");
        Signer {
            fingerprint: key.fingerprint(HashAlg::Sha256).to_string(),
            key: Secret::new(key),
            path: PathBuf::new(),
        }
    }

    /// Writes this key to `path` (0600, never over an existing file) and its
    /// public half to `path.pub`; returns the public line.
    ///
    /// # Errors
    /// [`TrustError::Exists`] or [`TrustError::Write`].
    pub fn write_new(&mut self, path: &Path) -> Result<String, TrustError> {
        let pub_path = PathBuf::from(format!("{}.pub", path.display()));
        for p in [path, pub_path.as_path()] {
            if p.exists() {
                return Err(TrustError::Exists {
                    path: p.to_path_buf(),
                });
            }
        }
        let write = |source| TrustError::Write {
            path: path.to_path_buf(),
            source,
        };
        let pem = self
            .key
            .expose()
            .to_openssh(LineEnding::LF)
            .map_err(|e| write(std::io::Error::other(e.to_string())))?;
        let mut o = OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let mut f = o.open(path).map_err(write)?;
        f.write_all(pem.as_bytes()).map_err(write)?;
        f.sync_all().map_err(write)?;
        let public = self.public_line();
        // Never through a link, never over a file: create_new, like the key.
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&pub_path)
            .and_then(|mut p| p.write_all(format!("{public}\n").as_bytes()));
        if let Err(e) = written {
            let _ = std::fs::remove_file(path);
            return Err(TrustError::Write {
                path: pub_path,
                source: e,
            });
        }
        self.path = path.to_path_buf();
        Ok(public)
    }

    /// The public key as one OpenSSH line (`ssh-ed25519 AAAA… comment`).
    pub fn public_line(&self) -> String {
        self.key
            .expose()
            .public_key()
            .to_openssh()
            .expect("an Ed25519 public key encodes")
    }

    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    /// The file the key was loaded from (empty for a generated one not yet written).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A detached signature of `msg` as `kind`, in PEM (what `ssh-keygen -Y sign` writes).
    pub fn sign(&self, kind: Kind, msg: &[u8]) -> Vec<u8> {
        cost::count(false, || self.sign_uncounted(kind, msg))
    }

    fn sign_uncounted(&self, kind: Kind, msg: &[u8]) -> Vec<u8> {
        let sig = self
            .key
            .expose()
            .sign(kind.namespace(), HashAlg::Sha512, msg)
            .expect("an Ed25519 key signs");
        sig.to_pem(LineEnding::LF)
            .expect("a signature encodes")
            .into_bytes()
    }
}

/// The keys whose signatures are believed.
#[derive(Debug, Clone)]
pub struct Trusted {
    keys: Vec<(PublicKey, String)>,
}

impl Trusted {
    /// Parses `[signing] trusted`.
    ///
    /// # Errors
    /// [`TrustError::BadPublicKey`] for a line that is not an Ed25519 public key.
    pub fn parse(lines: &[String]) -> Result<Trusted, TrustError> {
        let mut keys = Vec::new();
        for l in lines {
            keys.push(parse_public(l)?);
        }
        Ok(Trusted { keys })
    }

    /// No key at all.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether `signer`'s key is among these.
    pub fn trusts(&self, signer: &Signer) -> bool {
        let data = signer.key.expose().public_key().key_data();
        self.keys.iter().any(|(k, _)| k.key_data() == data)
    }

    /// The fingerprints, for messages and `doctor`.
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys.iter().map(|(_, f)| f.clone()).collect()
    }

    /// Checks that `sig` (PEM) is a signature of `msg` as `kind` by a trusted key;
    /// returns that key's fingerprint.
    ///
    /// # Errors
    /// [`Untrusted`] saying why not.
    pub fn verify(&self, kind: Kind, msg: &[u8], sig: &[u8]) -> Result<String, Untrusted> {
        cost::count(true, || self.verify_uncounted(kind, msg, sig))
    }

    fn verify_uncounted(&self, kind: Kind, msg: &[u8], sig: &[u8]) -> Result<String, Untrusted> {
        let sig = SshSig::from_pem(sig).map_err(|e| Untrusted::Malformed(e.to_string()))?;
        let Some((key, fp)) = self
            .keys
            .iter()
            .find(|(k, _)| k.key_data() == sig.public_key())
        else {
            let fp = sig.public_key().fingerprint(HashAlg::Sha256).to_string();
            return Err(Untrusted::UnknownKey(fp));
        };
        if sig.namespace() != kind.namespace() {
            return Err(Untrusted::BadSignature(format!(
                "made for {:?}, not {:?}",
                sig.namespace(),
                kind.namespace()
            )));
        }
        key.verify(kind.namespace(), msg, &sig)
            .map_err(|e| Untrusted::BadSignature(e.to_string()))?;
        Ok(fp.clone())
    }
}

/// What a reader believes: the trusted keys, and the time against which records
/// "from the future" (a wrong clock) are told apart.
#[derive(Debug, Clone)]
pub struct Vetting {
    /// The trusted keys.
    pub trusted: Trusted,
    /// Now.
    pub now: chrono::DateTime<chrono::Utc>,
    /// How far ahead of now a record may be dated and still count.
    pub skew: chrono::Duration,
}

impl Vetting {
    /// Whether a record dated `t` is from the future.
    pub fn is_future<Tz: chrono::TimeZone>(&self, t: &chrono::DateTime<Tz>) -> bool {
        t.with_timezone(&chrono::Utc) > self.now + self.skew
    }
}

/// Parses one trusted public key line.
///
/// # Errors
/// [`TrustError::BadPublicKey`].
pub fn parse_public(line: &str) -> Result<(PublicKey, String), TrustError> {
    let bad = || TrustError::BadPublicKey {
        shown: shorten(line),
    };
    let k = PublicKey::from_openssh(line.trim()).map_err(|_| bad())?;
    if k.algorithm() != ssh_key::Algorithm::Ed25519 {
        return Err(bad());
    }
    let fp = k.fingerprint(HashAlg::Sha256).to_string();
    Ok((k, fp))
}

/// This machine's host name, for records people read (`/proc/sys/kernel/hostname`).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The first characters of a value, never enough of a private key to matter.
fn shorten(s: &str) -> String {
    let t: String = s.trim().chars().take(12).collect();
    if s.trim().chars().count() > 12 {
        format!("{t:?}…")
    } else {
        format!("{t:?}")
    }
}

/// An `allowed_signers` file for `ssh-keygen -Y verify -I eqvault`, one line per trusted key.
pub fn allowed_signers(trusted: &[String]) -> String {
    let ns: Vec<&str> = Kind::all().iter().map(|k| k.namespace()).collect();
    trusted
        .iter()
        .map(|k| format!("eqvault namespaces=\"{}\" {}\n", ns.join(","), k.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(s: &Signer) -> Trusted {
        Trusted::parse(&[s.public_line()]).unwrap()
    }

    #[test]
    fn a_signature_is_believed_only_for_its_bytes_kind_and_key() {
        let s = Signer::generate("test");
        let t = trusted(&s);
        let sig = s.sign(Kind::Snapshot, b"record");
        assert_eq!(
            t.verify(Kind::Snapshot, b"record", &sig),
            Ok(s.fingerprint())
        );
        assert!(matches!(
            t.verify(Kind::Snapshot, b"recorD", &sig),
            Err(Untrusted::BadSignature(_))
        ));
        assert!(matches!(
            t.verify(Kind::Drill, b"record", &sig),
            Err(Untrusted::BadSignature(_))
        ));
        let other = Signer::generate("attacker");
        let forged = other.sign(Kind::Snapshot, b"record");
        assert!(matches!(
            t.verify(Kind::Snapshot, b"record", &forged),
            Err(Untrusted::UnknownKey(fp)) if fp == other.fingerprint()
        ));
        assert!(matches!(
            t.verify(Kind::Snapshot, b"record", b"junk"),
            Err(Untrusted::Malformed(_))
        ));
    }

    #[test]
    fn keys_are_written_0600_never_over_a_file_and_load_back() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("k");
        let mut s = Signer::generate("eqvault@test");
        let public = s.write_new(&p).unwrap();
        assert!(public.starts_with("ssh-ed25519 "));
        let loaded = Signer::load(&p).unwrap();
        assert_eq!(loaded.public_line(), public);
        assert!(format!("{loaded:?}").contains("SHA256:"));
        assert!(!format!("{loaded:?}").contains("PRIVATE"));
        assert!(matches!(
            Signer::generate("x").write_new(&p),
            Err(TrustError::Exists { .. })
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                Signer::load(&p),
                Err(TrustError::OpenPermissions { .. })
            ));
        }
    }

    #[test]
    fn a_private_key_pasted_as_trusted_is_refused_without_echo() {
        let e = Trusted::parse(&[
            "-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAABG5vbmU".into(),
        ])
        .unwrap_err()
        .to_string();
        assert!(!e.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"), "{e}");
    }
}
