//! `--help`, usage errors and the manual pages in the reader's language.
//!
//! The command line is defined once, by clap's derive in `cli/mod.rs`; the
//! words a person reads come from the catalog (`src/lang/*-help.ftl`): each
//! command's `about-PATH` and each flag's `arg-PATH-ID`, where PATH is the
//! command path without `eqvault` (`archive-add`). clap's own words (the
//! usage line, the headings, `--help`, `--version`, the `help` command) come
//! from the catalog too. The test below holds the catalog to the command
//! line: one text per visible command and flag, in both languages.
//!
//! The language is known before the arguments are parsed ([`lang_of_args`]):
//! `--lang`, then `EQVAULT_LANG`, then the config's `[office] lang`, then
//! Vietnamese, as for every other line.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::{ContextKind, ErrorKind};
use clap::{Command, CommandFactory};

use super::Cli;
use crate::lang::Lang;

/// The whole command line, its texts in `lang`, built.
pub fn command(lang: Lang) -> Command {
    finish(localized(lang), lang)
}

/// The command line with its texts in `lang`, not yet built (the manual
/// pages change it before it is).
pub fn localized(lang: Lang) -> Command {
    localize(Cli::command(), "", lang)
}

/// Builds `cmd` and says in `lang` what clap added while building.
pub fn finish(mut cmd: Command, lang: Lang) -> Command {
    cmd.build();
    own_words(cmd, lang)
}

/// Sets `c`'s about and its flags' help from the catalog, then its commands'.
fn localize(mut c: Command, path: &str, lang: Lang) -> Command {
    let about = if path.is_empty() {
        "about".to_string()
    } else {
        format!("about-{path}")
    };
    if let Some(t) = lang.get(&about) {
        c = c.about(t);
    }
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}-")
    };
    let args: Vec<String> = c
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .map(|a| a.get_id().to_string())
        .collect();
    for id in &args {
        if let Some(t) = lang.get(&format!("arg-{prefix}{id}")) {
            c = c.mut_arg(id, |a| {
                if !a.get_action().takes_values() {
                    return a.help(t);
                }
                // The environment variables are named in the texts themselves.
                let t = format!("{t}{}", values(&a, lang));
                a.help(t)
                    .hide_env(true)
                    .hide_default_value(true)
                    .hide_possible_values(true)
            });
        }
    }
    let positionals = c.get_positionals().any(|a| !a.is_hide_set());
    let commands = c.has_subcommands();
    c = c.help_template(template(lang, commands, positionals));
    let subs: Vec<String> = c
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        let sub = format!("{prefix}{name}");
        c = c.mut_subcommand(&name, |s| localize(s, &sub, lang));
    }
    c
}

/// The default and the possible values of `a`, in `lang` (clap would say them in English).
fn values(a: &clap::Arg, lang: Lang) -> String {
    let mut s = String::new();
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !a.is_hide_default_value_set() && !defaults.is_empty() {
        let value = defaults.join(", ");
        s.push_str(&format!(
            " [{}]",
            lang.t("help-default", &[("value", &value)])
        ));
    }
    let possible: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|p| !p.is_hide_set())
        .map(|p| p.get_name().to_string())
        .collect();
    if !a.is_hide_possible_values_set() && !possible.is_empty() {
        let values = possible.join(", ");
        s.push_str(&format!(
            " [{}]",
            lang.t("help-possible", &[("values", &values)])
        ));
    }
    s
}

/// The page layout, clap's default with its headings in `lang`.
fn template(lang: Lang, commands: bool, positionals: bool) -> String {
    let mut t = format!(
        "{{about-with-newline}}\n{} {{usage}}\n",
        lang.t("help-usage", &[])
    );
    if commands {
        t.push_str(&format!(
            "\n{}:\n{{subcommands}}\n",
            lang.t("help-commands", &[])
        ));
    }
    if positionals {
        t.push_str(&format!(
            "\n{}:\n{{positionals}}\n",
            lang.t("help-arguments", &[])
        ));
    }
    t.push_str(&format!(
        "\n{}:\n{{options}}{{after-help}}",
        lang.t("help-options", &[])
    ));
    t
}

/// What clap adds while it builds: `--help`, `--version` and the `help` command.
fn own_words(mut c: Command, lang: Lang) -> Command {
    if c.get_arguments().any(|a| a.get_id() == "help") {
        c = c.mut_arg("help", |a| a.help(lang.t("help-flag-help", &[])));
    }
    if c.get_arguments().any(|a| a.get_id() == "version") {
        c = c.mut_arg("version", |a| a.help(lang.t("help-flag-version", &[])));
    }
    let subs: Vec<String> = c
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        c = c.mut_subcommand(&name, |s| {
            let s = if name == "help" {
                s.about(lang.t("help-subcommand", &[]))
            } else {
                s
            };
            own_words(s, lang)
        });
    }
    c
}

/// The language of this run, known before the arguments are parsed (for
/// `--help` and usage errors): `--lang X` or `--lang=X`, then
/// `EQVAULT_LANG`, then `[office] lang` of the config `--config`,
/// `EQVAULT_CONFIG` or `./eqvault.toml` names, then Vietnamese.
pub fn lang_of_args(args: &[OsString]) -> Lang {
    let flag = value_of(args, "--lang").and_then(|v| v.parse().ok());
    if flag.is_some() || std::env::var("EQVAULT_LANG").is_ok_and(|v| v.parse::<Lang>().is_ok()) {
        return Lang::choose_for(flag, None);
    }
    let config = value_of(args, "--config")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("EQVAULT_CONFIG").map(PathBuf::from))
        .unwrap_or_else(crate::config::default_path);
    Lang::choose_for(None, configured_lang(&config))
}

/// The value of `--name X` or `--name=X` among `args` (the last one given).
fn value_of(args: &[OsString], name: &str) -> Option<String> {
    let mut found = None;
    let mut it = args.iter().map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == name {
            found = it.next().map(|v| v.into_owned());
        } else if let Some(v) = a.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            found = Some(v.to_string());
        }
    }
    found
}

/// The command `args` name (`eqvault archive add`), as far as it is one.
fn command_path(args: &[OsString]) -> String {
    let root = Cli::command();
    let mut cmd = &root;
    let mut path = vec!["eqvault".to_string()];
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a.starts_with('-') {
            // A flag that takes a value (`--config PATH`): its value is no command.
            let takes = a.starts_with("--")
                && !a.contains('=')
                && cmd
                    .get_arguments()
                    .chain(root.get_arguments())
                    .any(|x| x.get_long() == Some(&a[2..]) && x.get_action().takes_values());
            if takes {
                it.next();
            }
            continue;
        }
        match cmd.find_subcommand(a.as_ref()) {
            Some(sub) => {
                path.push(sub.get_name().to_string());
                cmd = sub;
            }
            None => break,
        }
    }
    path.join(" ")
}

/// `[office] lang` of the config at `path`, when it can be read and names one.
/// Only a regular file of at most 1 MiB is read: this runs before every
/// command, `--version` too, and a fifo or a device must not hold it up.
fn configured_lang(path: &std::path::Path) -> Option<Lang> {
    use std::io::Read;
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_string(&mut text)
        .ok()?;
    let doc: toml::Table = text.parse().ok()?;
    doc.get("office")?.get("lang")?.as_str()?.parse().ok()
}

/// A usage error in `lang`: what was wrong, and where the help is. Help and
/// version requests are clap's own pages (already in `lang`).
pub fn usage_error(e: &clap::Error, args: &[OsString], lang: Lang) -> String {
    let ctx = |k: ContextKind| e.get(k).map(|v| v.to_string());
    let arg = ctx(ContextKind::InvalidArg).unwrap_or_default();
    let value = ctx(ContextKind::InvalidValue).unwrap_or_default();
    let mut line = match e.kind() {
        ErrorKind::UnknownArgument if !arg.starts_with('-') => {
            lang.t("usage-unexpected", &[("arg", &arg)])
        }
        ErrorKind::UnknownArgument => lang.t("usage-unknown-argument", &[("arg", &arg)]),
        ErrorKind::InvalidSubcommand => {
            let name = ctx(ContextKind::InvalidSubcommand).unwrap_or_default();
            lang.t("usage-unknown-command", &[("name", &name)])
        }
        ErrorKind::InvalidValue if value.is_empty() => {
            lang.t("usage-value-missing", &[("arg", &arg)])
        }
        ErrorKind::InvalidValue => {
            let valid = ctx(ContextKind::ValidValue).unwrap_or_default();
            lang.t(
                "usage-invalid-value",
                &[("value", &value), ("arg", &arg), ("valid", &valid)],
            )
        }
        ErrorKind::MissingRequiredArgument => lang.t("usage-missing", &[("arg", &arg)]),
        ErrorKind::ArgumentConflict => {
            let other = ctx(ContextKind::PriorArg).unwrap_or_default();
            if other == arg || other.is_empty() {
                // The same flag twice.
                lang.t("usage-once", &[("arg", &arg)])
            } else {
                lang.t("usage-conflict", &[("arg", &arg), ("other", &other)])
            }
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e)
                .map(|s| s.to_string())
                .unwrap_or_default();
            lang.t(
                "usage-invalid-value-why",
                &[("value", &value), ("arg", &arg), ("why", &why)],
            )
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            lang.t("usage-values-count", &[("arg", &arg)])
        }
        // Anything else: clap's own sentence, without its `error:` and tips.
        _ => e
            .render()
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string(),
    };
    if let Some(s) =
        ctx(ContextKind::SuggestedArg).or_else(|| ctx(ContextKind::SuggestedSubcommand))
    {
        line.push_str(&format!(
            " ({})",
            lang.t("usage-did-you-mean", &[("name", &s)])
        ));
    }
    let command = command_path(args);
    format!(
        "{} {line}\n{}",
        lang.t("word-error", &[]),
        lang.t("usage-more", &[("command", &command)])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(c: &Command, path: &str, out: &mut Vec<String>) {
        out.push(if path.is_empty() {
            "about".to_string()
        } else {
            format!("about-{path}")
        });
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}-")
        };
        for a in c.get_arguments().filter(|a| !a.is_hide_set()) {
            out.push(format!("arg-{prefix}{}", a.get_id()));
        }
        for s in c.get_subcommands().filter(|s| !s.is_hide_set()) {
            ids(s, &format!("{prefix}{}", s.get_name()), out);
        }
    }

    #[test]
    fn every_command_and_flag_has_its_text_in_both_languages_and_no_text_is_left_over() {
        let mut want = Vec::new();
        ids(&Cli::command(), "", &mut want);
        for lang in [Lang::Vi, Lang::En] {
            let missing: Vec<_> = want.iter().filter(|id| lang.get(id).is_none()).collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
        }
        let help = crate::lang::VI_HELP_FTL;
        let left: Vec<&str> = help
            .lines()
            .filter_map(|l| l.split_once(" = ").map(|(id, _)| id))
            .filter(|id| id.starts_with("about") || id.starts_with("arg-"))
            .filter(|id| !want.iter().any(|w| w == id))
            .collect();
        assert!(left.is_empty(), "texts for no command or flag: {left:?}");
    }

    #[test]
    fn the_language_comes_from_the_flag_in_either_spelling() {
        let args: Vec<OsString> = ["eqvault", "--lang", "en", "backup"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(lang_of_args(&args), Lang::En);
        let args: Vec<OsString> = ["eqvault", "status", "--lang=en"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(lang_of_args(&args), Lang::En);
        assert_eq!(value_of(&args, "--config"), None);
    }

    #[test]
    fn both_languages_build_a_command_line_clap_accepts() {
        for lang in [Lang::Vi, Lang::En] {
            command(lang).debug_assert();
        }
    }
}
