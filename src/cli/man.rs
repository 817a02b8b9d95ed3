//! `eqvault man [COMMAND…] [--dir DIR]`: the manual pages, generated from the command line itself.
//!
//! One page per command, as git has them: eqvault(1), eqvault-backup(1),
//! eqvault-archive-add(1), … Every page comes from the clap definition in
//! `cli/mod.rs`, so a new command gets its page (and its completions) without
//! anyone writing one. The package installs exactly what `--dir` writes.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap_mangen::roff::{Roff, bold, italic, roman};

use super::{Exit, Lang, Out};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A command whose own page to print (`eqvault man archive add`); none: eqvault(1).
    #[arg(value_name = "COMMAND")]
    command: Vec<String>,
    /// Write every page (eqvault.1, eqvault-backup.1, …) into DIR instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    dir: Option<PathBuf>,
}

pub fn run(a: Args, out: &Out) -> anyhow::Result<Exit> {
    let lang = out.lang(None);
    let pages = pages(lang);
    let Some(dir) = a.dir else {
        let name = std::iter::once("eqvault".to_string())
            .chain(a.command.iter().cloned())
            .collect::<Vec<_>>()
            .join("-");
        let Some(page) = pages.iter().find(|p| p.name == name) else {
            bail!(lang.t("man-no-such-command", &[("command", &a.command.join(" "))]));
        };
        let _ = std::io::stdout().lock().write_all(&page.roff);
        return Ok(Exit::Ok);
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| lang.t("man-cannot-create", &[("dir", &super::show(&dir))]))?;
    let mut files = Vec::new();
    for page in &pages {
        let path = dir.join(format!("{}.1", page.name));
        std::fs::write(&path, &page.roff)
            .with_context(|| lang.t("man-cannot-write", &[("path", &super::show(&path))]))?;
        files.push(path);
    }
    if out.json {
        out.json(&serde_json::json!({ "dir": dir, "files": files }));
    } else {
        out.line(lang.t(
            "man-wrote",
            &[("count", &files.len()), ("dir", &super::show(&dir))],
        ));
    }
    Ok(Exit::Ok)
}

/// One manual page: its name (`eqvault-archive-add`) and its roff text.
struct Page {
    name: String,
    roff: Vec<u8>,
}

/// Every page: eqvault(1), then each visible command and sub-command, depth first.
fn pages(lang: Lang) -> Vec<Page> {
    // The top page's DESCRIPTION says more than `--help` does.
    let root = super::help::finish(
        super::help::localized(lang)
            .disable_help_subcommand(true)
            .long_about(lang.t("man-description", &[])),
        lang,
    );
    let mut pages = Vec::new();
    collect(lang, &root, &root, None, &mut pages);
    pages
}

fn collect(
    lang: Lang,
    root: &clap::Command,
    cmd: &clap::Command,
    parent: Option<&str>,
    pages: &mut Vec<Page>,
) {
    let name = cmd.get_display_name().unwrap_or(cmd.get_name()).to_string();
    let mut roff = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!(
            "eqvault {}",
            root.get_version().unwrap_or_default()
        ))
        .manual(lang.t("man-manual", &[]));
    man.render(&mut roff).expect("rendering into memory");
    let subs: Vec<&clap::Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    roff.extend(extra_sections(lang, parent, &subs));
    pages.push(Page {
        name: name.clone(),
        roff,
    });
    for sub in subs {
        collect(lang, root, sub, Some(&name), pages);
    }
}

/// What clap does not know: exit codes, environment, files, related pages.
/// `parent` is the page one level up (none for eqvault(1) itself).
fn extra_sections(lang: Lang, parent: Option<&str>, subs: &[&clap::Command]) -> Vec<u8> {
    let top = parent.is_none();
    let t = |id: &str| lang.t(id, &[]);
    let mut r = Roff::default();
    r.control("SH", [t("man-exit-status").as_str()]);
    for (code, id) in [
        ("0", "man-exit-0"),
        ("1", "man-exit-1"),
        ("2", "man-exit-2"),
    ] {
        r.control("TP", []).text([bold(code)]).text([roman(t(id))]);
    }
    if top {
        r.control("SH", [t("man-environment").as_str()]);
        for (var, id) in [
            ("EQVAULT_CONFIG", "man-env-config"),
            ("EQVAULT_LANG", "man-env-lang"),
            ("EQVAULT_LOG", "man-env-log"),
            ("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY", "man-env-aws"),
        ] {
            r.control("TP", []).text([bold(var)]).text([roman(t(id))]);
        }
        r.control("SH", [t("man-files").as_str()]);
        for (file, id) in [
            ("/etc/eqvault/eqvault.toml", "man-file-config"),
            ("/etc/eqvault/NAME.toml", "man-file-more"),
            ("/var/lib/eqvault", "man-file-state"),
            ("/var/log/eqvault", "man-file-log"),
            (
                "/usr/lib/systemd/system/eqvault.service, eqvault@.service",
                "man-file-units",
            ),
            ("/usr/share/doc/eqvault/README.md", "man-file-readme"),
        ] {
            r.control("TP", []).text([bold(file)]).text([roman(t(id))]);
        }
    }
    r.control("SH", [t("man-see-also").as_str()]);
    let see: Vec<String> = parent
        .map(str::to_string)
        .into_iter()
        .chain(
            subs.iter()
                .map(|s| s.get_display_name().unwrap_or(s.get_name()).to_string()),
        )
        .collect();
    let mut line = Vec::new();
    for (i, name) in see.iter().enumerate() {
        if i > 0 {
            line.push(roman(", "));
        }
        line.push(bold(name.clone()));
        line.push(roman("(1)"));
    }
    if top {
        line.push(roman(", "));
        line.push(italic("age"));
        line.push(roman("(1), "));
        line.push(italic("systemd.exec"));
        line.push(roman("(5)"));
    }
    r.text(line);
    r.render().into_bytes()
}
