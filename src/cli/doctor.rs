//! `eqvault doctor [--send-test-alert] [--lang vi|en]`: the set-up checklist, exit 1 on any problem.

use std::path::PathBuf;

use super::{Exit, Lang, Out};
use crate::ops::doctor::{DoctorOptions, Line, State};
use crate::ops::{Outcome, Vault};
use crate::sanitize::for_terminal;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also send a test ping to each configured ping URL and a test email through [alerts.email].
    /// (With --lang, in one language only; without, Vietnamese with English under each line.)
    #[arg(long)]
    send_test_alert: bool,
}

pub async fn run(a: Args, config_path: Option<PathBuf>, out: &Out) -> anyhow::Result<Exit> {
    let path = config_path.unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME));
    let opts = DoctorOptions {
        send_test_alert: a.send_test_alert,
    };
    let o = Vault::doctor(&path, &opts, chrono::Utc::now()).await;
    let lang = out.lang_flag;
    if out.json {
        out.json(&o);
    } else {
        let shown = super::show(&o.config);
        out.line(match lang {
            None => format!("eqvault doctor — kiểm tra cài đặt / set-up check: {shown}"),
            Some(Lang::Vi) => format!("eqvault doctor — kiểm tra cài đặt: {shown}"),
            Some(Lang::En) => format!("eqvault doctor — set-up check: {shown}"),
        });
        for l in &o.checks {
            print_line(out, l, lang);
        }
        let n = o.failed().count();
        out.line(match (n, lang) {
            (0, None) => "Tất cả đều đạt / everything is OK".to_string(),
            (0, Some(Lang::Vi)) => "Tất cả đều đạt".to_string(),
            (0, Some(Lang::En)) => "Everything is OK".to_string(),
            (n, None) => format!(
                "{n} mục LỖI, xem «Cần làm» ở trên / {n} problem(s): see «What to do» above"
            ),
            (n, Some(Lang::Vi)) => format!("{n} mục LỖI, xem «Cần làm» ở trên"),
            (n, Some(Lang::En)) => format!("{n} problem(s): see «What to do» above"),
        });
    }
    Ok(o.verdict().into())
}

fn print_line(out: &Out, l: &Line, lang: Option<Lang>) {
    let tag = match (l.state, lang) {
        (State::Ok, _) => "OK     ",
        (State::Fail, Some(Lang::En)) => "FAIL   ",
        (State::Fail, _) => "LỖI    ",
        (State::Skipped, Some(Lang::En)) => "SKIP   ",
        (State::Skipped, _) => "BỎ QUA ",
        (State::Warn, Some(Lang::En)) => "WARN   ",
        (State::Warn, _) => "CHÚ Ý  ",
    };
    let pad = "         ";
    let vi = format!("{}: {}", l.title_vi, l.detail_vi);
    let en = format!("{}: {}", l.title_en, l.detail);
    match lang {
        Some(Lang::En) => out.line(for_terminal(&format!("  {tag}{en}"))),
        Some(Lang::Vi) => {
            out.line(for_terminal(&format!("  {tag}{vi}")));
            if matches!(l.state, State::Fail | State::Warn) {
                out.line(for_terminal(&format!(
                    "{pad}chi tiết (tiếng Anh): {}",
                    l.detail
                )));
            }
        }
        None => {
            out.line(for_terminal(&format!("  {tag}{vi}")));
            out.line(for_terminal(&format!("{pad}{en}")));
        }
    }
    if lang != Some(Lang::En)
        && let Some(t) = &l.todo_vi
    {
        out.line(for_terminal(&format!("{pad}→ Cần làm: {t}")));
    }
    if lang != Some(Lang::Vi)
        && let Some(t) = &l.todo_en
    {
        out.line(for_terminal(&format!("{pad}→ What to do: {t}")));
    }
}
