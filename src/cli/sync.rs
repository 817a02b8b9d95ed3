//! `eqvault sync`: copy what one store has and another lacks.

use super::{Exit, Out};
use crate::ops::{Outcome, Vault};

pub async fn run(vault: &Vault, out: &Out) -> anyhow::Result<Exit> {
    let o = vault.sync().await?;
    if out.json {
        out.json(&o);
    } else {
        for c in &o.copied {
            out.line(format!(
                "đã chép / copied {} ({} byte) {} → {}",
                c.key, c.bytes, c.from, c.to
            ));
        }
        for (s, k, why) in &o.untrusted {
            out.line(crate::sanitize::for_terminal(&format!(
                "không chép, không tin cậy / not copied, not trusted: {k} in {s}: {why}"
            )));
        }
        out.line(format!(
            "{} đã chép / copied, {} lỗi / errors",
            o.copied.len(),
            o.errors.len()
        ));
    }
    for (s, e) in &o.errors {
        out.warn(format!("{s}: {e}"));
    }
    Ok(o.verdict().into())
}
