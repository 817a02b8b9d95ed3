//! Printing: one JSON document or human text on stdout, errors and progress on stderr.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::lang::Lang;

/// Where command output goes, and in which form.
pub struct Out {
    /// `--json` was given.
    pub json: bool,
    /// `--lang` (or `EQVAULT_LANG`), when given.
    pub lang_flag: Option<Lang>,
}

impl Out {
    pub fn new(json: bool, lang_flag: Option<Lang>) -> Self {
        Out { json, lang_flag }
    }

    /// The language of this run: `--lang`, `EQVAULT_LANG`, then `configured`
    /// (`[office] lang`), then Vietnamese.
    pub fn lang(&self, configured: Option<Lang>) -> Lang {
        Lang::choose_for(self.lang_flag, configured)
    }

    /// [`Out::lang`] with the vault's config, when it has one.
    pub fn lang_of(&self, vault: &crate::ops::Vault) -> Lang {
        self.lang(vault.config_if_any().and_then(|c| c.office.lang))
    }

    /// Prints a JSON document (with `--json`). A closed stdout is not an error.
    pub fn json<T: serde::Serialize>(&self, v: &T) {
        let mut s = serde_json::to_string_pretty(v).expect("output serialises");
        s.push('\n');
        let _ = std::io::stdout().lock().write_all(s.as_bytes());
    }

    /// Prints a line for a person (only without `--json`).
    pub fn line(&self, s: impl AsRef<str>) {
        if !self.json {
            let _ = writeln!(std::io::stdout().lock(), "{}", s.as_ref());
        }
    }

    /// A progress note for a person, on stderr (stdout stays clean for --json).
    pub fn progress(&self, s: impl AsRef<str>) {
        let _ = writeln!(std::io::stderr().lock(), "{}", s.as_ref());
    }

    /// Prints a warning on stderr.
    pub fn warn(&self, s: impl AsRef<str>) {
        let _ = writeln!(std::io::stderr().lock(), "warning: {}", s.as_ref());
    }

    /// Prints an error and its causes on stderr, once.
    pub fn error(&self, e: &anyhow::Error) {
        let mut msg = format!("error: {e}");
        for cause in e.chain().skip(1) {
            let c = cause.to_string();
            if !msg.contains(&c) {
                msg.push_str(&format!("\n  caused by: {c}"));
            }
        }
        if let Some(h) = super::hints::hint(e.as_ref()) {
            msg.push_str(&format!("\n  hint: {h}"));
        }
        let _ = writeln!(
            std::io::stderr().lock(),
            "{}",
            crate::sanitize::for_terminal_keep_newlines(&msg)
        );
    }
}

/// A progress bar on stderr when it is a terminal; silent otherwise.
pub fn bar() -> Arc<dyn crate::progress::Progress> {
    Arc::new(Bar {
        pb: std::sync::Mutex::new(None),
        enabled: std::io::stderr().is_terminal(),
    })
}

struct Bar {
    pb: std::sync::Mutex<Option<ProgressBar>>,
    enabled: bool,
}

impl crate::progress::Progress for Bar {
    fn phase(&self, name: &str, total: Option<u64>) {
        if !self.enabled {
            return;
        }
        let pb = match total {
            Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template(
                        "{msg:>10} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                    )
                    .expect("template")
                    .progress_chars("=> "),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{msg:>10} {spinner} {elapsed}").expect("template"),
            ),
        };
        pb.set_message(name.to_string());
        *self.pb.lock().expect("bar lock") = Some(pb);
    }

    fn advance(&self, bytes: u64) {
        if let Some(pb) = self.pb.lock().expect("bar lock").as_ref() {
            pb.inc(bytes);
        }
    }

    fn done(&self) {
        if let Some(pb) = self.pb.lock().expect("bar lock").take() {
            pb.finish_and_clear();
        }
    }

    fn note(&self, text: &str) {
        // Always on stderr, terminal or not (stdout stays clean for --json).
        let say = || {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        };
        match self.pb.lock().expect("bar lock").as_ref() {
            Some(pb) => pb.suspend(say),
            None => say(),
        }
    }
}

/// The line a long command ends with: what it moved and how long it took,
/// as restic says it ("processed 1 file, 944.7 MiB in 0:02").
pub fn processed(lang: Lang, files: u64, bytes: u64, seconds: f64) -> String {
    let secs = seconds.round() as u64;
    let clock = if secs >= 3600 {
        format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
    } else {
        format!("{}:{:02}", secs / 60, secs % 60)
    };
    let size = super::backup::human_bytes(bytes);
    lang.t(
        if files == 1 {
            "processed-one"
        } else {
            "processed-many"
        },
        &[("files", &files), ("size", &size), ("clock", &clock)],
    )
}
