//! The JSON report: the model as it is, so it holds exactly the numbers of the HTML.
//!
//! Keys: `format` (`eqvault-report`), `format_version`, `lang`, then every
//! field of [`Report`] in order, ending with `provenance`. Dates are
//! `YYYY-MM-DD`, times RFC 3339, rates fractions between 0 and 1 (or
//! `null` when nothing was due), findings exactly as `check --json` writes
//! them, with both languages of their messages.

use serde::Serialize;

use super::model::Report;
use super::text::Lang;

/// The version of this document's shape.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    format: &'static str,
    format_version: u32,
    lang: Lang,
    #[serde(flatten)]
    report: &'a Report,
}

/// Renders the report as pretty JSON.
pub fn render(r: &Report, lang: Lang) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(&Doc {
        format: "eqvault-report",
        format_version: FORMAT_VERSION,
        lang,
        report: r,
    })
    .expect("the report serialises");
    out.push(b'\n');
    out
}
