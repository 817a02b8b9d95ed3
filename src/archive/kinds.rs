//! Report kinds: which periodic report an archived file is, from its name (`policies/report-kinds.toml`).
//!
//! `check`'s `report_missing` rule asks which kinds are archived for a school
//! year and period; the kinds and their codes are listed in `rules.toml`, the
//! names that recognise them here.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::classify::folded_words;

/// The kinds file inside a policy folder.
pub const KINDS_FILE: &str = "report-kinds.toml";

/// The shipped kinds file, compiled in.
pub const SHIPPED_KINDS: &str = include_str!("../../policies/report-kinds.toml");

/// Errors reading a kinds file.
#[derive(Debug, thiserror::Error)]
pub enum KindsError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// TOML syntax or an unknown key.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// toml's message, with the line.
        message: String,
    },
    /// A value that parses but cannot be used.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindsFile {
    #[serde(default)]
    kind: Vec<KindEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindEntry {
    code: String,
    names: Vec<String>,
}

/// The kinds, each with its names folded to words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportKinds {
    kinds: Vec<(String, Vec<Vec<String>>)>,
    /// Each kind's first name as written in the file, for people.
    labels: Vec<String>,
}

impl ReportKinds {
    /// The kinds compiled into the binary.
    pub fn built_in() -> ReportKinds {
        Self::from_toml(Path::new("<built-in>/report-kinds.toml"), SHIPPED_KINDS)
            .expect("the shipped report-kinds.toml is valid (tested)")
    }

    /// The kinds of a policy folder; the built-in ones when the folder has no
    /// kinds file (a folder copied before the file existed keeps working).
    ///
    /// # Errors
    /// [`KindsError`] naming the file.
    pub fn load(dir: Option<&Path>) -> Result<ReportKinds, KindsError> {
        let Some(dir) = dir else {
            return Ok(Self::built_in());
        };
        let path = dir.join(KINDS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_toml(&path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::built_in()),
            Err(source) => Err(KindsError::Read { path, source }),
        }
    }

    /// Parses a kinds file.
    ///
    /// # Errors
    /// [`KindsError::Parse`] or [`KindsError::Invalid`] (empty or repeated codes, empty names).
    pub fn from_toml(path: &Path, text: &str) -> Result<ReportKinds, KindsError> {
        let file: KindsFile = toml::from_str(text).map_err(|e| KindsError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let invalid = |message: String| KindsError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut kinds: Vec<(String, Vec<Vec<String>>)> = Vec::new();
        let mut labels = Vec::new();
        for k in file.kind {
            let code = k.code.trim().to_string();
            if code.is_empty() {
                return Err(invalid("a [[kind]] has an empty `code`".into()));
            }
            if kinds.iter().any(|(c, _)| *c == code) {
                return Err(invalid(format!("kind {code} is listed twice")));
            }
            let mut names = Vec::new();
            for n in &k.names {
                let words: Vec<String> = folded_words(n)
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(String::from)
                    .collect();
                if words.is_empty() {
                    return Err(invalid(format!(
                        "kind {code}: a name has no letters or digits"
                    )));
                }
                names.push(words);
            }
            if names.is_empty() {
                return Err(invalid(format!("kind {code}: `names` is empty")));
            }
            labels.push(k.names[0].trim().to_string());
            kinds.push((code, names));
        }
        Ok(ReportKinds { kinds, labels })
    }

    /// Every kind's first name as written (`thống kê thiết bị`), in file order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Every kind's code, in file order.
    pub fn codes(&self) -> Vec<&str> {
        self.kinds.iter().map(|(c, _)| c.as_str()).collect()
    }

    /// The kind of a report from its file name: the kind with the longest
    /// matching name, the first listed on a tie; `None` when no name matches.
    pub fn kind_of(&self, file_name: &str) -> Option<&str> {
        let words: Vec<String> = folded_words(file_name)
            .split(' ')
            .map(String::from)
            .collect();
        let mut best: Option<(&str, usize)> = None;
        for (code, names) in &self.kinds {
            for n in names {
                let hit = words.windows(n.len()).any(|w| w == n.as_slice());
                if hit && best.is_none_or(|(_, len)| n.len() > len) {
                    best = Some((code, n.len()));
                }
            }
        }
        best.map(|(c, _)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_kinds_parse_and_match_the_rules_codes() {
        let k = ReportKinds::built_in();
        assert_eq!(
            k.codes(),
            [
                "thong-ke-thiet-bi",
                "chat-luong-thiet-bi",
                "tan-suat-su-dung"
            ]
        );
        let on_disk = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("policies")
                .join(KINDS_FILE),
        )
        .unwrap();
        assert_eq!(on_disk, SHIPPED_KINDS);
    }

    #[test]
    fn names_are_recognised_with_or_without_diacritics_longest_first() {
        let k = ReportKinds::built_in();
        assert_eq!(
            k.kind_of("Báo cáo thống kê TBDH HK1 2024-2025.xlsx"),
            Some("thong-ke-thiet-bi")
        );
        assert_eq!(
            k.kind_of("bao_cao_chat_luong_thiet_bi_CN.pdf"),
            Some("chat-luong-thiet-bi")
        );
        assert_eq!(
            k.kind_of("Thống kê tần suất sử dụng HK2.xlsx"),
            Some("tan-suat-su-dung")
        );
        assert_eq!(k.kind_of("Biên bản kiểm kê.pdf"), None);
        // Whole words only: "thongke" is not "thong ke".
        assert_eq!(k.kind_of("thongke.xlsx"), None);
    }

    #[test]
    fn bad_files_are_named() {
        let e = ReportKinds::from_toml(Path::new("k.toml"), "[[kind]]\ncode = \"a\"\nnames = []\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("k.toml") && e.contains("names"), "{e}");
        let e = ReportKinds::from_toml(
            Path::new("k.toml"),
            "[[kind]]\ncode = \"a\"\nname = [\"x\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("name") && e.contains("line"), "{e}");
    }
}
