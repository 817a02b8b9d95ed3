//! `eqvault sync`: copy what one store has and another lacks.

use std::process::ExitCode;

use super::Out;
use crate::config::Config;

pub async fn run(cfg: &Config, out: &Out) -> anyhow::Result<ExitCode> {
    let o = crate::ops::sync::sync(cfg).await?;
    if out.json {
        out.json(&serde_json::json!({
            "copied": o.copied,
            "errors": o.errors.iter().map(|(s, e)| serde_json::json!({"store": s, "error": e})).collect::<Vec<_>>(),
            "untrusted": o.untrusted.iter().map(|(s, k, w)| serde_json::json!({"store": s, "key": k, "why": w})).collect::<Vec<_>>(),
        }));
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
    Ok(if o.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
