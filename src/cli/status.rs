//! `eqvault status [--max-age DURATION]`: exit 1 when the newest backup is too old, a store holds none, or the last drill failed.

use super::{Exit, Out};
use crate::lang::{Arg, Lang, Msg};
use crate::ops::status::{UNREADABLE, UNTRUSTED};
use crate::ops::{Outcome, Vault};
use crate::span::Span;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The newest complete snapshot must be younger than this [default: twice
    /// the scheduled backup's interval, at most 3 months (Art. 12.1)].
    #[arg(long, value_name = "DURATION")]
    max_age: Option<Span>,
}

pub async fn run(a: Args, vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let r = vault.status(a.max_age, chrono::Utc::now()).await?;
    let lang = out.lang_of(vault);
    if out.json {
        out.json(&r);
    } else {
        out.line(match &r.last_backup {
            Some(b) => lang.t(
                "status-last-backup",
                &[
                    ("id", &b.id),
                    ("when", &lang.when(&b.created_at)),
                    ("copies", &b.copies),
                ],
            ),
            None => lang.t("status-no-backup", &[]),
        });
        out.line(match &r.last_drill {
            Some(d) => lang.t(
                "status-last-drill",
                &[
                    ("snapshot", &d.snapshot),
                    ("day", &lang.day(d.started_at.date_naive())),
                    (
                        "status",
                        &lang.say(&crate::ops::drill::status_msg(d.status)),
                    ),
                    ("seconds", &lang.decimal(d.seconds, 1)),
                ],
            ),
            None => lang.t("status-no-drill", &[]),
        });
        for s in &r.stores {
            if s.reachable {
                let newest = s.last_backup.as_ref().map_or("-", |b| b.id.as_str());
                out.line(format!(
                    "  {}",
                    lang.t(
                        "status-store-ok",
                        &[
                            ("store", &s.url),
                            ("count", &s.snapshots),
                            ("newest", &newest),
                        ],
                    )
                ));
            } else {
                let e = s.error.as_deref().unwrap_or("?");
                super::output::store_failed(out, lang, "status-store-failed", &s.url, e, false);
            }
        }
        // A store that cannot be read is said on its own line above.
        let problems: Vec<&Msg> = r.problems.iter().filter(|p| p.id != UNREADABLE).collect();
        if r.problems.is_empty() {
            out.line(lang.t("status-ok", &[]));
        } else {
            // Keys not trusted, one line each, can be thousands: the first
            // ten and how many more (`--json` has every one).
            let mut stray = super::output::Stray::default();
            let problem = |text: &str| {
                crate::sanitize::for_terminal(&format!(
                    "  {}",
                    lang.t("status-problem", &[("problem", &text)])
                ))
                .into_owned()
            };
            for p in problems {
                if p.id != UNTRUSTED || stray.show() {
                    out.line(problem(&say_dated(lang, p)));
                }
            }
            if let Some(more) = stray.more(lang) {
                out.line(problem(&more));
            }
        }
    }
    // Every problem is found, not a failure to look: exit 1 (a store that could not be
    // listed is exit 2: nothing can be said about it).
    Ok(r.verdict().into())
}

/// `m` in `lang`, its moments (RFC 3339 in the English of `--json`) written
/// as the reader writes them ([`Lang::when`]).
pub(super) fn say_dated(lang: Lang, m: &Msg) -> String {
    let mut m = m.clone();
    for (_, a) in &mut m.args {
        if let Arg::Text(t) = a
            && let Ok(at) = chrono::DateTime::parse_from_rfc3339(t)
        {
            *t = lang.when(&at);
        }
    }
    lang.say(&m)
}
