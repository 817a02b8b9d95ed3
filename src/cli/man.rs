//! `eqvault man [COMMAND…] [--dir DIR]`: the manual pages, generated from the command line itself.
//!
//! One page per command, as git has them: eqvault(1), eqvault-backup(1),
//! eqvault-archive-add(1), … Every page comes from the clap definition in
//! `cli/mod.rs`, so a new command gets its page (and its completions) without
//! anyone writing one. The package installs exactly what `--dir` writes.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::CommandFactory;
use clap_mangen::roff::{Roff, bold, italic, roman};

use super::{Exit, Out};

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
    let pages = pages();
    let Some(dir) = a.dir else {
        let name = std::iter::once("eqvault".to_string())
            .chain(a.command.iter().cloned())
            .collect::<Vec<_>>()
            .join("-");
        let Some(page) = pages.iter().find(|p| p.name == name) else {
            bail!(
                "`{}` is not an eqvault command: `eqvault --help` lists them, `eqvault man --dir DIR` writes every page",
                a.command.join(" ")
            );
        };
        let _ = std::io::stdout().lock().write_all(&page.roff);
        return Ok(Exit::Ok);
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the folder {}", super::show(&dir)))?;
    let mut files = Vec::new();
    for page in &pages {
        let path = dir.join(format!("{}.1", page.name));
        std::fs::write(&path, &page.roff)
            .with_context(|| format!("cannot write {}", super::show(&path)))?;
        files.push(path);
    }
    if out.json {
        out.json(&serde_json::json!({ "dir": dir, "files": files }));
    } else {
        out.line(format!(
            "{} trang hướng dẫn trong / manual pages in {}",
            files.len(),
            super::show(&dir)
        ));
    }
    Ok(Exit::Ok)
}

const DESCRIPTION: &str = "eqvault giữ an toàn cơ sở dữ liệu thiết bị dạy học theo Quyết định 146/QĐ-GDĐT (2024): \
sao lưu mã hoá, có kiểm tra, tới hai kho độc lập; diễn tập phục hồi có bằng chứng; lưu trữ báo cáo theo năm học và học kỳ; \
kiểm tra tuân thủ theo lịch ngày làm việc Việt Nam; báo cáo cho lãnh đạo.

eqvault keeps the teaching-equipment database safe and lawful under Decision 146/QĐ-GDĐT (2024): \
encrypted, verified snapshots to two independent stores (a local folder or NAS, S3); restore drills with evidence; \
the report archive by school year and term (BagIt); compliance checks on the Vietnamese working-day calendar; \
the report for leadership. Each command has its own page: eqvault-backup(1), eqvault-archive-add(1), …";

/// One manual page: its name (`eqvault-archive-add`) and its roff text.
struct Page {
    name: String,
    roff: Vec<u8>,
}

/// Every page: eqvault(1), then each visible command and sub-command, depth first.
fn pages() -> Vec<Page> {
    // The top page's DESCRIPTION says more than `--help` does; Vietnamese first.
    let mut root = super::Cli::command()
        .disable_help_subcommand(true)
        .long_about(DESCRIPTION);
    root.build();
    let mut pages = Vec::new();
    collect(&root, &root, None, &mut pages);
    pages
}

fn collect(root: &clap::Command, cmd: &clap::Command, parent: Option<&str>, pages: &mut Vec<Page>) {
    let name = cmd.get_display_name().unwrap_or(cmd.get_name()).to_string();
    let mut roff = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!(
            "eqvault {}",
            root.get_version().unwrap_or_default()
        ))
        .manual("eqvault manual");
    man.render(&mut roff).expect("rendering into memory");
    let subs: Vec<&clap::Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    roff.extend(extra_sections(parent, &subs));
    pages.push(Page {
        name: name.clone(),
        roff,
    });
    for sub in subs {
        collect(root, sub, Some(&name), pages);
    }
}

/// What clap does not know: exit codes, environment, files, related pages.
/// `parent` is the page one level up (none for eqvault(1) itself).
fn extra_sections(parent: Option<&str>, subs: &[&clap::Command]) -> Vec<u8> {
    let top = parent.is_none();
    let mut r = Roff::default();
    r.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in [
        ("0", "Mọi thứ ổn. / All good."),
        (
            "1",
            "Lệnh chạy xong và thấy vấn đề. / The command worked and found a problem: \
             a failed store, a failed verification or drill, a stale backup, a violation.",
        ),
        (
            "2",
            "Lệnh không làm được việc của nó. / It could not do its job: \
             bad usage or config, unreadable input, a store out of reach.",
        ),
    ] {
        r.control("TP", [])
            .text([bold(code)])
            .text([roman(meaning)]);
    }
    if top {
        r.control("SH", ["ENVIRONMENT"]);
        for (var, meaning) in [
            (
                "EQVAULT_CONFIG",
                "The config file when --config is not given; else ./eqvault.toml.",
            ),
            (
                "EQVAULT_LOG",
                "A log filter for stderr and the log file (warn, info, debug).",
            ),
            (
                "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY",
                "S3 credentials for a store whose config gives none.",
            ),
        ] {
            r.control("TP", []).text([bold(var)]).text([roman(meaning)]);
        }
        r.control("SH", ["FILES"]);
        for (file, meaning) in [
            (
                "/etc/eqvault/eqvault.toml",
                "The config the packaged service reads; /etc/eqvault/eqvault.toml.example is a commented example.",
            ),
            (
                "/etc/eqvault/NAME.toml",
                "One more config, run by the template unit eqvault@NAME.service.",
            ),
            (
                "/var/lib/eqvault",
                "The service's state: catalog, job history, locks, private temporary folders.",
            ),
            ("/var/log/eqvault", "The service's log folder ([log] file)."),
            (
                "/usr/lib/systemd/system/eqvault.service, eqvault@.service",
                "The hardened units: the daemon for one config, or one per config.",
            ),
            (
                "/usr/share/doc/eqvault/README.md",
                "The whole guide: set-up, promises, config reference.",
            ),
        ] {
            r.control("TP", [])
                .text([bold(file)])
                .text([roman(meaning)]);
        }
    }
    r.control("SH", ["SEE ALSO"]);
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
