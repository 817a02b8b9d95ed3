//! `eqvault doctor [--send-test-alert]`: the set-up checklist, exit 1 on any problem.

use std::path::PathBuf;

use super::{Exit, Lang, Out};
use crate::ops::doctor::{DoctorOptions, Line, State};
use crate::ops::{Outcome, Vault};
use crate::sanitize::for_terminal;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also send a test ping to each configured ping URL and a test email through [alerts.email].
    #[arg(long)]
    send_test_alert: bool,
}

pub async fn run(a: Args, config_path: Option<PathBuf>, out: &Out) -> anyhow::Result<Exit> {
    let path = config_path.unwrap_or_else(crate::config::default_path);
    let opts = DoctorOptions {
        send_test_alert: a.send_test_alert,
    };
    let o = Vault::doctor(&path, &opts, chrono::Utc::now()).await;
    // The config's [office] lang when it reads; else what was known before.
    let configured = crate::config::Config::load(&path)
        .ok()
        .and_then(|c| c.office.lang);
    let lang = out.lang(configured);
    if out.json {
        out.json(&o);
    } else {
        let shown = super::show(&o.config);
        out.line(lang.t("doctor-title", &[("config", &shown)]));
        for l in &o.checks {
            print_line(out, l, lang);
        }
        let n = o.failed().count();
        out.line(if n == 0 {
            lang.t("doctor-all-ok", &[])
        } else {
            lang.t("doctor-failed", &[("count", &n)])
        });
    }
    Ok(o.verdict().into())
}

/// One line of the checklist: its state, what was checked and what was
/// found, then what to do, all in `lang`. In Vietnamese the technical text
/// behind a failure or a warning (English: an error's message) follows with `-v`.
fn print_line(out: &Out, l: &Line, lang: Lang) {
    let tag = lang.t(
        match l.state {
            State::Ok => "doctor-tag-ok",
            State::Fail => "doctor-tag-fail",
            State::Skipped => "doctor-tag-skipped",
            State::Warn => "doctor-tag-warn",
        },
        &[],
    );
    let pad = "         ";
    let (title, detail, todo) = match lang {
        Lang::Vi => (&l.title_vi, &l.detail_vi, &l.todo_vi),
        Lang::En => (&l.title_en, &l.detail, &l.todo_en),
    };
    out.line(for_terminal(&format!("  {tag:<7}{title}: {detail}")));
    if lang == Lang::Vi && out.verbose > 0 && matches!(l.state, State::Fail | State::Warn) {
        out.line(for_terminal(&format!(
            "{pad}{} {}",
            lang.t("word-cause", &[]),
            l.detail
        )));
    }
    if let Some(t) = todo {
        out.line(for_terminal(&format!(
            "{pad}{}",
            lang.t("doctor-todo", &[("todo", t)])
        )));
    }
}
