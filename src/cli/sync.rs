//! `eqvault sync`: copy what one store has and another lacks.

use super::{Exit, Out};
use crate::ops::{Outcome, Vault};
use crate::sanitize::for_terminal;

pub async fn run(vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let o = vault.sync().await?;
    let lang = out.lang_of(vault);
    if out.json {
        out.json(&o);
    } else {
        for c in &o.copied {
            out.line(for_terminal(&lang.t(
                "sync-copied",
                &[
                    ("key", &c.key),
                    ("size", &lang.size(c.bytes)),
                    ("from", &c.from),
                    ("to", &c.to),
                ],
            )));
        }
        // Keys not copied can be thousands: the first ten and how many more.
        let mut stray = super::output::Stray::default();
        for (s, k, why) in o.untrusted.iter().filter(|_| stray.show()) {
            out.line(for_terminal(
                &lang.t("sync-untrusted", &[("key", k), ("store", s), ("why", why)]),
            ));
        }
        if let Some(more) = stray.more(lang) {
            out.line(more);
        }
        out.line(lang.t(
            "sync-total",
            &[("copied", &o.copied.len()), ("errors", &o.errors.len())],
        ));
    }
    // A store that failed: one short line (the whole text with -v, and in --json).
    for (i, (s, e)) in o.errors.iter().enumerate() {
        match o.said.get(i).and_then(Option::as_ref) {
            Some(m) => out.warn(for_terminal(
                &lang.t("sync-store-failed", &[("store", s), ("why", &lang.say(m))]),
            )),
            None => super::output::store_failed(out, lang, "sync-store-failed", s, e, true),
        }
    }
    Ok(o.verdict().into())
}
