//! The PDF report: the HTML report printed by headless Chromium, when one is installed.
//!
//! Chromium is looked for as `$EQVAULT_CHROMIUM` (an explicit choice, which
//! must exist), then `/usr/bin/chromium` (Debian's package), then
//! `chromium`, `chromium-browser`, `google-chrome`, `google-chrome-stable` on
//! `PATH`. It runs with a fresh profile in a temporary folder and every
//! background service off, so printing fetches nothing; the page itself
//! forbids every fetch (see [`super::html`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::ReportError;

/// The environment variable naming the browser to print with.
pub const ENV: &str = "EQVAULT_CHROMIUM";

/// Names tried on `PATH`, in order.
pub const CANDIDATES: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// Flags of every headless run: no sandbox (it may run as a service user or
/// root), no GPU, and none of the browser's own network traffic.
pub const HEADLESS_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
];

/// How long printing may take.
const TIMEOUT: Duration = Duration::from_secs(180);

fn is_file(p: &Path) -> bool {
    p.metadata().is_ok_and(|m| m.is_file())
}

/// The browser to print with.
///
/// # Errors
/// [`ReportError::NoChromium`] saying where it looked.
pub fn find_chromium() -> Result<PathBuf, ReportError> {
    if let Some(p) = std::env::var_os(ENV) {
        let p = PathBuf::from(p);
        return if is_file(&p) {
            Ok(p)
        } else {
            Err(ReportError::NoChromium(format!(
                "{ENV}={} is not a file",
                crate::sanitize::path(&p)
            )))
        };
    }
    let debian = Path::new("/usr/bin/chromium");
    if is_file(debian) {
        return Ok(debian.to_path_buf());
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            for name in CANDIDATES {
                let p = dir.join(name);
                if is_file(&p) {
                    return Ok(p);
                }
            }
        }
    }
    Err(ReportError::NoChromium(format!(
        "no /usr/bin/chromium, and none of {} on PATH",
        CANDIDATES.join(", ")
    )))
}

/// Prints `html` to PDF with `browser`; returns the PDF's bytes.
///
/// # Errors
/// [`ReportError::Chromium`] when the browser fails, times out or writes no PDF;
/// [`ReportError::Io`] for the temporary files.
pub fn print(browser: &Path, html: &[u8]) -> Result<Vec<u8>, ReportError> {
    let dir = tempfile::Builder::new()
        .prefix("eqvault-pdf-")
        .tempdir()
        .map_err(ReportError::io(
            "cannot create a temporary folder in",
            &std::env::temp_dir(),
        ))?;
    let page = dir.path().join("report.html");
    let pdf = dir.path().join("report.pdf");
    let log = dir.path().join("chromium.log");
    std::fs::write(&page, html).map_err(ReportError::io("cannot write", &page))?;
    let url = url::Url::from_file_path(&page).map_err(|()| {
        ReportError::Chromium(format!("{} is not an absolute path", page.display()))
    })?;
    let stderr = std::fs::File::create(&log).map_err(ReportError::io("cannot write", &log))?;
    let mut child = Command::new(browser)
        .args(HEADLESS_FLAGS)
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg("--no-pdf-header-footer")
        .arg("--print-to-pdf-no-header")
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(url.as_str())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| ReportError::Chromium(format!("cannot start {}: {e}", browser.display())))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ReportError::Chromium(format!(
                    "{} did not finish within {} s",
                    browser.display(),
                    TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(ReportError::Chromium(e.to_string())),
        }
    };
    let bytes = std::fs::read(&pdf).unwrap_or_default();
    if !status.success() || !bytes.starts_with(b"%PDF-") {
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = said.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(ReportError::Chromium(format!(
            "{} exited with {status} and wrote no PDF{}",
            browser.display(),
            if tail.is_empty() {
                String::new()
            } else {
                format!(": {}", crate::sanitize::for_terminal(&tail.join(" | ")))
            }
        )));
    }
    Ok(bytes)
}
