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
    /// The language known before the config was read (`--lang`,
    /// `EQVAULT_LANG`, the default config's `[office] lang`, else vi): errors
    /// that come before a config are said in it.
    pub lang_early: Lang,
    /// `-v` given this many times: errors show their whole chain of causes.
    pub verbose: u8,
    /// `-q`: no result lines, only warnings and errors.
    pub quiet: bool,
}

impl Out {
    pub fn new(json: bool, lang_flag: Option<Lang>, lang_early: Lang, verbose: u8) -> Self {
        Out {
            json,
            lang_flag,
            lang_early,
            verbose,
            quiet: false,
        }
    }

    /// The language of this run: `--lang`, `EQVAULT_LANG`, then `configured`
    /// (`[office] lang`), then what was known before the config was read.
    pub fn lang(&self, configured: Option<Lang>) -> Lang {
        if self.lang_flag.is_some() {
            return Lang::choose_for(self.lang_flag, None);
        }
        configured.unwrap_or(self.lang_early)
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
        if !self.json && !self.quiet {
            let _ = writeln!(std::io::stdout().lock(), "{}", s.as_ref());
        }
    }

    /// A progress note for a person, on stderr (stdout stays clean for --json).
    pub fn progress(&self, s: impl AsRef<str>) {
        let _ = writeln!(std::io::stderr().lock(), "{}", s.as_ref());
    }

    /// Prints a warning on stderr.
    pub fn warn(&self, s: impl AsRef<str>) {
        let word = self.lang_early.t("word-warning", &[]);
        let _ = writeln!(std::io::stderr().lock(), "{word} {}", s.as_ref());
    }

    /// Prints an error on stderr, once: what happened (naming the path or
    /// key) and what to do, in the reader's language. The technical causes
    /// under it are shown with `-v`; without it only the innermost one of an
    /// error the catalog does not say, when it is short and adds something.
    pub fn error(&self, e: &anyhow::Error) {
        let lang = self.lang_early;
        let said: Vec<(String, bool)> = e.chain().map(|x| super::errors::said(x, lang)).collect();
        let (head, head_said) = &said[0];
        let mut msg = format!("{} {head}", lang.t("word-error", &[]));
        let causes = &said[1..];
        let shown: Vec<&String> = if self.verbose > 0 {
            causes.iter().map(|(c, _)| c).collect()
        } else if *head_said {
            // The catalog's headline already says the cause in words.
            Vec::new()
        } else {
            // Under a context ("cannot open …"): the first cause the catalog
            // says, else the innermost when it is short.
            causes
                .iter()
                .find(|(_, s)| *s)
                .or_else(|| causes.last().filter(|(c, _)| c.chars().count() <= 100))
                .map(|(c, _)| c)
                .into_iter()
                .collect()
        };
        let cause = lang.t("word-cause", &[]);
        for c in shown {
            if !msg.contains(c.as_str()) {
                msg.push_str(&format!("\n  {cause} {c}"));
            }
        }
        if let Some(h) = super::hints::hint(e.as_ref(), lang) {
            msg.push_str(&format!("\n  {} {h}", lang.t("word-hint", &[])));
        }
        let _ = writeln!(
            std::io::stderr().lock(),
            "{}",
            crate::sanitize::for_terminal_keep_newlines(&msg)
        );
    }
}

/// A store that failed, said once: a line under 160 characters naming the
/// store and what happened in words, then what to do; the full text of the
/// failure follows with `-v`. The line is a warning on stderr when `warn`
/// (or with `--json`, as stdout holds the document), else one of the
/// command's result lines on stdout, indented.
pub fn store_failed(out: &Out, lang: Lang, id: &str, store: &str, detail: &str, warn: bool) {
    let why = lang.say(&crate::store::brief(detail));
    let why = why.trim_end_matches('.');
    let say = |store: &str| {
        crate::sanitize::for_terminal(&lang.t(id, &[("store", &store), ("why", &why)])).into_owned()
    };
    let to_stderr = out.json || warn;
    // What stands before the line: `warning: ` on stderr, the store's state on stdout.
    let lead = if to_stderr {
        format!("{} ", lang.t("word-warning", &[]))
    } else {
        format!("  {:<8}", lang.t("word-failed", &[]))
    };
    let budget = 159usize.saturating_sub(lead.chars().count());
    let mut line = say(store);
    let over = line.chars().count().saturating_sub(budget);
    if over > 0 {
        // A long URL is shortened in its middle.
        let chars: Vec<char> = store.chars().collect();
        let keep = chars.len().saturating_sub(over + 1);
        if keep >= 16 {
            let head: String = chars[..keep / 2].iter().collect();
            let tail: String = chars[chars.len() - (keep - keep / 2)..].iter().collect();
            line = say(&format!("{head}…{tail}"));
        }
        // The rest is kept whole: a key to remove or a path must stay usable.
    }
    if to_stderr {
        out.warn(&line);
    } else {
        out.line(format!("{lead}{line}"));
    }
    if out.verbose > 0 {
        let full = crate::sanitize::for_terminal(detail).into_owned();
        let _ = writeln!(
            std::io::stderr().lock(),
            "  {} {full}",
            lang.t("word-cause", &[])
        );
    }
}

/// The language of the progress bars' labels, set once when it is known.
static BAR_LANG: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

/// Sets the language of the progress bars (the first call wins).
pub fn bar_lang(lang: Lang) {
    let _ = BAR_LANG.set(lang);
}

/// A progress bar on stderr when it is a terminal; silent otherwise.
pub fn bar() -> Arc<dyn crate::progress::Progress> {
    Arc::new(Bar {
        pb: std::sync::Mutex::new(None),
        enabled: std::io::stderr().is_terminal(),
        lang: BAR_LANG.get().copied().unwrap_or_default(),
    })
}

struct Bar {
    pb: std::sync::Mutex<Option<ProgressBar>>,
    enabled: bool,
    lang: Lang,
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
                        "{msg:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                    )
                    .expect("template")
                    .progress_chars("=> "),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{msg:>12} {spinner} {elapsed}").expect("template"),
            ),
        };
        // A phase is a message id; a name that is none (integrity_check) is shown as it is.
        pb.set_message(self.lang.get(name).unwrap_or_else(|| name.to_string()));
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

    fn note(&self, message: &crate::lang::Msg) {
        let text = self.lang.say(message);
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

/// A long list of keys eqvault did not write (foreign keys, records not
/// believed) as a person reads it: the first [`Stray::SHOWN`] lines, then one
/// line with how many more and how many in all; `--json` keeps every one. A
/// store holding 200,000 junk keys is read in a screen, not in 49 MB.
#[derive(Debug, Default)]
pub struct Stray {
    seen: usize,
}

impl Stray {
    /// Lines shown before the rest is counted.
    pub const SHOWN: usize = 10;

    /// Counts one more key; whether its line is shown.
    pub fn show(&mut self) -> bool {
        self.seen += 1;
        self.seen <= Self::SHOWN
    }

    /// The line that closes the list, when some were not shown.
    pub fn more(&self, lang: Lang) -> Option<String> {
        (self.seen > Self::SHOWN).then(|| {
            lang.t(
                "keys-more",
                &[("more", &(self.seen - Self::SHOWN)), ("total", &self.seen)],
            )
        })
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
    let size = lang.size(bytes);
    lang.t(
        if files == 1 {
            "processed-one"
        } else {
            "processed-many"
        },
        &[("files", &files), ("size", &size), ("clock", &clock)],
    )
}
