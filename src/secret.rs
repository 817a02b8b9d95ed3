//! Secrets: one type that never shows its value.
//!
//! [`Secret`] wraps a value (an S3 secret key, an SMTP password, a ping URL
//! with its token) so that `Debug` and `Display` print `[redacted]`: a secret
//! that reaches a log line, an error or a `{:?}` says so instead of leaking.
//! The value is read only through [`Secret::expose`], where it is used.
//! [`SecretSource`] is where a config says a secret comes from.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

/// What [`Secret`] prints instead of its value.
pub const REDACTED: &str = "[redacted]";

/// A value that is never printed.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Secret<T> {
        Secret(value)
    }

    /// The value, for the one place that uses it (never to print).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Secret<T> {
        Secret(value)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Where a secret comes from: written inline, or (better) read from a file, an
/// environment variable, or a systemd credential (`LoadCredential=`), so that the
/// config itself holds no secret. `Debug` never shows an inline value.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum SecretSource {
    /// The secret itself (the config must then be readable by its owner only).
    Inline(Secret<String>),
    /// `{ file = "…" }`, `{ env = "NAME" }` or `{ credential = "NAME" }`.
    From(SecretFrom),
}

/// The places a secret can be read from.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct SecretFrom {
    /// A file (relative to the config's folder) holding the secret; no other user may read it.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// An environment variable holding it.
    #[serde(default)]
    pub env: Option<String>,
    /// A systemd credential's name, read from `$CREDENTIALS_DIRECTORY/NAME`.
    #[serde(default)]
    pub credential: Option<String>,
}

impl SecretSource {
    /// The secret, once the config resolved it (every source becomes `Inline` at load).
    pub fn value(&self) -> Option<&str> {
        match self {
            SecretSource::Inline(s) => Some(s.expose()),
            SecretSource::From(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_prints_redacted_in_debug_display_and_inside_containers() {
        let s = Secret::new("hunter2-TOKEN".to_string());
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{s:?}"), REDACTED);
        let src = SecretSource::Inline(s.clone());
        let shown = format!("{:?} {:?}", Some(&src), vec![s.clone()]);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(s.expose(), "hunter2-TOKEN");
    }

    #[test]
    fn a_secret_source_parses_inline_or_from_a_place() {
        #[derive(Deserialize)]
        struct T {
            a: SecretSource,
            b: SecretSource,
        }
        let t: T = toml::from_str("a = \"x\"\nb = { env = \"V\" }\n").unwrap();
        assert_eq!(t.a.value(), Some("x"));
        assert_eq!(t.b.value(), None);
    }
}
