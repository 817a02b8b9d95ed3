//! `eqvault archive add|list|get|verify|rebuild-index`: the report archive.

use std::path::PathBuf;

use super::{Exit, Out, show};
use crate::archive::{AddOptions, VerifySelection, classify::Flags};
use crate::calendar::Period;
use crate::ops::{Outcome, Vault};
use crate::sanitize::for_terminal;

/// The archive's subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Archive report files and folders by school year and period, as BagIt bags in every store.
    Add(AddArgs),
    /// What is archived (from the local index).
    List(ListArgs),
    /// Bring an archived file (by name, path or SHA-256) or a whole bag (by bag id) back.
    Get(GetArgs),
    /// Fixity check: download, decrypt, unpack strictly and recompute every checksum.
    Verify(VerifyArgs),
    /// Recreate the local archive index from the stores alone.
    RebuildIndex,
    /// Withdraw a misfiled bag: a signed record hides it from list and the checks; the stores keep it.
    Withdraw(WithdrawArgs),
}

#[derive(Debug, clap::Args)]
pub struct WithdrawArgs {
    /// The bag (its id, as `archive list` shows it).
    #[arg(value_name = "BAG")]
    bag: String,
    /// Why it is withdrawn (kept in the signed record).
    #[arg(long, required = true)]
    reason: String,
}

fn year_arg(s: &str) -> Result<String, String> {
    if crate::calendar::is_year_name(s) {
        Ok(s.to_string())
    } else {
        Err("write the school year as YYYY-YYYY with consecutive years, e.g. 2024-2025".into())
    }
}

fn period_arg(s: &str) -> Result<Period, String> {
    s.parse::<Period>().map_err(|e| e.to_string())
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Report files and folders (folders are walked; links are not followed).
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// The school year of every file given, instead of what names and dates say.
    #[arg(long, value_name = "YYYY-YYYY", value_parser = year_arg)]
    year: Option<String>,
    /// The period of every file given: hk1, hk2, ca-nam, or a month 01..12.
    #[arg(long, value_name = "hk1|hk2|ca-nam|MM", value_parser = period_arg)]
    term: Option<Period>,
    /// Print where each file would go; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Archive into a period that has not begun yet (refused otherwise).
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this school year.
    #[arg(long, value_name = "YYYY-YYYY", value_parser = year_arg)]
    year: Option<String>,
    /// Only this period.
    #[arg(long, value_name = "hk1|hk2|ca-nam|MM", value_parser = period_arg)]
    term: Option<Period>,
    /// The withdrawn bags instead, with why.
    #[arg(long, conflicts_with_all = ["year", "term"])]
    withdrawn: bool,
}

#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// A file name or path as listed (the newest version), its SHA-256, or a bag id (the whole bag).
    #[arg(value_name = "FILE|SHA256|BAG")]
    what: String,
    /// The folder to write into; an existing file is never replaced.
    #[arg(long, value_name = "DIR")]
    to: PathBuf,
    /// The age identity file [default: [encryption] identity].
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Only these bags (ids as listed).
    #[arg(value_name = "BAG")]
    bags: Vec<String>,
    /// Read every copy in every store (default: one full read per bag, the other copies checked for presence).
    #[arg(long)]
    all: bool,
    /// Only this school year.
    #[arg(long, value_name = "YYYY-YYYY", value_parser = year_arg)]
    year: Option<String>,
    /// Only this period.
    #[arg(long, value_name = "hk1|hk2|ca-nam|MM", value_parser = period_arg)]
    term: Option<Period>,
    /// The age identity file [default: [encryption] identity].
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
}

/// The first ten lines of a list, then one saying how many more.
fn first_ten(
    out: &Out,
    lang: crate::lang::Lang,
    indent: &str,
    lines: impl ExactSizeIterator<Item = String>,
) {
    let n = lines.len();
    for l in lines.take(10) {
        out.line(format!("{indent}{l}"));
    }
    if n > 10 {
        let more = lang.t("more-lines", &[("count", &(n - 10))]);
        out.line(format!("{indent}{more}"));
    }
}

pub async fn run(c: Cmd, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    match c {
        Cmd::Add(a) => add(a, vault, out).await,
        Cmd::List(a) => list(a, vault, out).await,
        Cmd::Get(a) => get(a, vault, out).await,
        Cmd::Verify(a) => verify(a, vault, out).await,
        Cmd::RebuildIndex => rebuild(vault, out).await,
        Cmd::Withdraw(a) => withdraw(a, vault, out).await,
    }
}

async fn withdraw(a: WithdrawArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let o = vault.archive_withdraw(&a.bag, &a.reason).await?;
    if out.json {
        out.json(&o);
        return Ok(o.verdict().into());
    }
    let lang = out.lang_of(vault);
    let place = format!("{}/{}", o.year, o.term);
    out.line(lang.t(
        if o.already {
            "archive-withdraw-already"
        } else {
            "archive-withdraw-done"
        },
        &[
            ("bag", &o.bag),
            ("place", &place),
            ("files", &o.files.len()),
            ("reason", &for_terminal(&o.reason)),
        ],
    ));
    first_ten(
        out,
        lang,
        "  ",
        o.files.iter().map(|f| for_terminal(f).into_owned()),
    );
    for s in o.stores.iter().filter(|s| !s.ok) {
        let error = s.error.as_deref().unwrap_or("?");
        super::output::store_failed(
            out,
            lang,
            "archive-withdraw-store-failed",
            &s.url,
            error,
            true,
        );
    }
    if !o.already {
        out.line(lang.t("archive-withdraw-kept", &[]));
    }
    Ok(o.verdict().into())
}

async fn add(a: AddArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let opts = AddOptions {
        flags: Flags {
            year: a.year,
            period: a.term,
            term_default: false,
        },
        dry_run: a.dry_run,
        force: a.force,
        ..AddOptions::default()
    };
    let started = std::time::Instant::now();
    let o = vault.archive_add(&a.paths, &opts, super::bar()).await?;
    let lang = out.lang_of(vault);
    if out.json {
        out.json(&o);
    } else {
        for f in &o.added {
            out.line(lang.t(
                if o.dry_run {
                    "archive-line-would-add"
                } else {
                    "archive-line-added"
                },
                &[
                    ("place", &format!("{}/{:<6}", f.year, f.term.to_string())),
                    ("file", &for_terminal(&f.file)),
                    ("year_from", &lang.say(&f.year_from.msg())),
                    ("term_from", &lang.say(&f.term_from.msg())),
                ],
            ));
        }
        for s in &o.skipped {
            let place = match (&s.year, &s.term) {
                (Some(y), Some(t)) => format!("{y}/{t:<6} "),
                _ => String::new(),
            };
            out.line(lang.t(
                "archive-line-skipped",
                &[
                    ("place", &place),
                    ("file", &for_terminal(&s.file)),
                    ("reason", &for_terminal(&lang.say(&s.reason))),
                ],
            ));
        }
        for r in &o.refused {
            out.line(lang.t(
                "archive-line-refused",
                &[
                    ("file", &for_terminal(&r.file)),
                    ("reason", &for_terminal(&lang.say(&r.reason))),
                ],
            ));
            if !r.candidates.is_empty() {
                let joined = r
                    .candidates
                    .iter()
                    .map(|c| lang.say(c))
                    .collect::<Vec<_>>()
                    .join(", ");
                let list = for_terminal(&joined);
                let line = lang.t("archive-line-candidates", &[("list", &list)]);
                out.line(format!("          {line}"));
            }
            if let Some(h) = &r.hint {
                out.line(format!("          {}", lang.say(h)));
            }
        }
        for b in &o.bags {
            let stores: Vec<String> = b
                .stores
                .iter()
                .map(|s| {
                    lang.t(
                        if s.ok {
                            "archive-store-ok"
                        } else {
                            "archive-store-failed"
                        },
                        &[("url", &s.url)],
                    )
                })
                .collect();
            out.line(lang.t(
                "archive-line-bag",
                &[
                    ("bag", &b.bag),
                    ("place", &format!("{}/{}", b.year, b.term)),
                    ("files", &b.files),
                    ("size", &lang.size(b.bytes)),
                    ("packed", &lang.size(b.object_bytes)),
                    ("stores", &stores.join(", ")),
                ],
            ));
        }
        if !o.term_not_applied.is_empty() {
            let flag = a.term.map(|t| t.to_string()).unwrap_or_default();
            out.line(lang.t(
                "archive-term-not-applied",
                &[("term", &flag), ("count", &o.term_not_applied.len())],
            ));
            first_ten(
                out,
                lang,
                "          ",
                o.term_not_applied
                    .iter()
                    .map(|k| format!("{}: {}", for_terminal(&k.path), k.term)),
            );
        }
        let uncounted: Vec<&crate::archive::Added> =
            o.added.iter().filter(|f| f.kind.is_none()).collect();
        if !uncounted.is_empty() {
            let kinds = o
                .counted_kinds
                .iter()
                .map(|k| format!("“{k}”"))
                .collect::<Vec<_>>()
                .join(", ");
            out.line(lang.t(
                "archive-not-counted",
                &[("count", &uncounted.len()), ("kinds", &kinds)],
            ));
            first_ten(
                out,
                lang,
                "          ",
                uncounted.iter().map(|f| for_terminal(&f.file).into_owned()),
            );
            out.line(format!(
                "          {}",
                lang.t("archive-hint-not-counted", &[])
            ));
        }
        let counts: [(&str, &dyn std::fmt::Display); 3] = [
            ("added", &o.added.len()),
            ("skipped", &o.skipped.len()),
            ("refused", &o.refused.len()),
        ];
        out.line(lang.t(
            if o.dry_run {
                "archive-total-dry-run"
            } else {
                "archive-total"
            },
            &counts,
        ));
        out.line(super::output::processed(
            lang,
            o.added.len() as u64,
            o.added.iter().map(|f| f.bytes).sum(),
            started.elapsed().as_secs_f64(),
        ));
    }
    for b in &o.bags {
        for s in b.stores.iter().filter(|s| !s.ok) {
            let error = s.error.as_deref().unwrap_or("?");
            super::output::store_failed(out, lang, "archive-store-lacks-bag", &s.url, error, true);
        }
    }
    if !o.refused.is_empty() {
        let id = match (o.dry_run, o.added.is_empty()) {
            (true, _) => "archive-refused-dry-run",
            (false, true) => "archive-refused-nothing-added",
            (false, false) => "archive-refused",
        };
        out.warn(lang.t(id, &[("count", &o.refused.len())]));
    }
    Ok(o.verdict().into())
}

async fn list(a: ListArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    if a.withdrawn {
        let o = vault.archive_withdrawn().await?;
        if out.json {
            out.json(&o);
        } else {
            let lang = out.lang_of(vault);
            for w in &o.0 {
                out.line(format!(
                    "{}/{:<6} {:<10}  {}  {}",
                    w.year,
                    w.period.to_string(),
                    lang.day(w.withdrawn_at.date_naive()),
                    w.bag_id,
                    for_terminal(&w.reason)
                ));
            }
            out.line(lang.t("archive-withdrawn-total", &[("count", &o.0.len())]));
        }
        return Ok(o.verdict().into());
    }
    let o = vault.archive_list(a.year.as_deref(), a.term).await?;
    let entries = &o.0;
    if out.json {
        out.json(&o);
    } else {
        let lang = out.lang_of(vault);
        for e in entries {
            // The day it was archived, as its reader writes a date.
            let day = chrono::NaiveDate::parse_from_str(
                &e.archived_at[..10.min(e.archived_at.len())],
                "%Y-%m-%d",
            )
            .map(|d| lang.day(d))
            .unwrap_or_else(|_| e.archived_at.clone());
            out.line(format!(
                "{}/{:<6} {day:<10}  {}  {}  {}",
                e.year,
                e.term.to_string(),
                &e.sha256[..12],
                e.bag,
                for_terminal(&e.file)
            ));
        }
        out.line(lang.t("archive-list-total", &[("count", &entries.len())]));
    }
    Ok(o.verdict().into())
}

async fn get(a: GetArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let o = vault
        .archive_get(&a.what, &a.to, a.identity.as_deref(), super::bar())
        .await?;
    if out.json {
        out.json(&o);
    } else {
        let lang = out.lang_of(vault);
        if o.already_there {
            out.line(lang.t("archive-get-already", &[("path", &show(&o.path))]));
        } else {
            out.line(lang.t(
                "archive-get-done",
                &[
                    ("file", &for_terminal(&o.file)),
                    ("path", &show(&o.path)),
                    ("bag", &o.bag),
                    ("store", &o.store.as_deref().unwrap_or("")),
                ],
            ));
        }
        if let Some(sha) = &o.sha256 {
            out.line(format!("  {}", lang.t("archive-get-sha", &[("sha", sha)])));
        }
        if !o.other_versions.is_empty() {
            let count = o.other_versions.len();
            out.line(format!(
                "  {}",
                lang.t("archive-get-older", &[("count", &count)])
            ));
        }
    }
    Ok(o.verdict().into())
}

async fn verify(a: VerifyArgs, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let sel = VerifySelection {
        bags: a.bags,
        year: a.year,
        period: a.term,
        all: a.all,
    };
    let o = vault
        .archive_verify(&sel, a.identity.as_deref(), super::bar())
        .await?;
    let results = &o.results;
    if out.json {
        out.json(&o);
    } else {
        let lang = out.lang_of(vault);
        for r in results {
            out.line(lang.t(
                if r.ok {
                    "archive-verify-ok"
                } else {
                    "archive-verify-failed"
                },
                &[
                    ("bag", &r.bag),
                    ("place", &format!("{}/{}", r.year, r.term)),
                    ("store", &r.store),
                    (
                        "check",
                        &lang.t(
                            if r.check == "full" {
                                "archive-check-full"
                            } else {
                                "archive-check-present"
                            },
                            &[],
                        ),
                    ),
                    ("files", &r.files),
                ],
            ));
            for p in &r.problems {
                out.line(format!(
                    "    {}: {}",
                    for_terminal(&p.file),
                    for_terminal(&p.detail)
                ));
            }
        }
        let bad = results.iter().filter(|r| !r.ok).count();
        out.line(lang.t(
            "archive-verify-total",
            &[("checked", &results.len()), ("failed", &bad)],
        ));
    }
    Ok(o.verdict().into())
}

async fn rebuild(vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let r = vault.archive_rebuild_index().await?;
    if out.json {
        out.json(&r);
    } else {
        out.line(
            out.lang_of(vault)
                .t("archive-rebuilt", &[("bags", &r.bags), ("files", &r.files)]),
        );
        for (s, k, w) in &r.problems {
            out.line(format!("  {s}: {}: {w}", for_terminal(k)));
        }
    }
    Ok(r.verdict().into())
}
