//! `[log] file`: the log file beside stderr, plain text, never a secret; times in the schedule's time zone.
//!
//! The configured name is the live file (`/var/log/eqvault/eqvault.log` is what
//! `tail -f` and logrotate-minded admins look for). At the first line of a new
//! day (or hour), the live file is renamed to `NAME.YYYY-MM-DD` (or
//! `NAME.YYYY-MM-DD-HH`), the period of its last write, and a new live file is
//! started; the oldest dated copies beyond `keep` files are removed. Several
//! processes append to one file (the daemon, `schedule run`, a backup by
//! hand): each renames only a live file whose last write is from an earlier
//! period, so a file another process has just started is never rotated twice.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;

use crate::config::{Config, Log, Rotation};

/// What logging needs from the config the command will use.
pub struct Settings {
    /// `[log]`.
    pub log: Log,
    /// `[schedule] timezone`: log times are written in it.
    pub tz: Tz,
}

/// The settings of the config the command will use, read quietly: a broken
/// config is reported by the command itself.
pub fn settings(path: Option<PathBuf>) -> Option<Settings> {
    let path = path.unwrap_or_else(crate::config::default_path);
    Config::load(&path).ok().map(|c| Settings {
        log: c.log,
        tz: c.schedule.timezone,
    })
}

/// Log times as RFC 3339 in a time zone, with its offset: `2026-12-02T10:00:00+07:00`.
pub struct LocalTime(pub Option<Tz>);

impl tracing_subscriber::fmt::time::FormatTime for LocalTime {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(w, "{}", stamp(Utc::now(), self.0))
    }
}

fn stamp(t: DateTime<Utc>, tz: Option<Tz>) -> String {
    match tz {
        Some(tz) => t
            .with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false),
        None => t.to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

/// A writer for the log file; `None` (with a warning on stderr) when its folder
/// cannot be made or the file cannot be opened.
pub fn writer(s: &Settings) -> Option<std::sync::Mutex<Rolling>> {
    let file = s.log.file.as_ref()?;
    let mut r = Rolling {
        path: file.clone(),
        rotation: s.log.rotation,
        keep: s.log.keep.max(1),
        tz: s.tz,
        file: None,
        period: None,
    };
    let opened = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| r.roll(Utc::now()));
    match opened {
        Ok(()) => Some(std::sync::Mutex::new(r)),
        Err(e) => {
            eprintln!(
                "warning: cannot write the log file {}: {e}; logging to stderr only",
                super::show(file)
            );
            None
        }
    }
}

/// The live log file, renamed aside when a new period starts.
pub struct Rolling {
    path: PathBuf,
    rotation: Rotation,
    keep: usize,
    tz: Tz,
    file: Option<File>,
    period: Option<String>,
}

impl Rolling {
    fn period_of(&self, t: DateTime<Utc>) -> Option<String> {
        let local = t.with_timezone(&self.tz);
        match self.rotation {
            Rotation::Daily => Some(local.format("%Y-%m-%d").to_string()),
            Rotation::Hourly => Some(local.format("%Y-%m-%d-%H").to_string()),
            Rotation::Never => None,
        }
    }

    /// Makes sure the open file is the live file of the period of `now`.
    fn roll(&mut self, now: DateTime<Utc>) -> std::io::Result<()> {
        let period = self.period_of(now);
        if self.file.is_some() && period == self.period {
            return Ok(());
        }
        if let Some(p) = &period
            && let Ok(m) = std::fs::metadata(&self.path)
            && let Some(last) = m.modified().ok().map(DateTime::<Utc>::from)
            && let Some(was) = self.period_of(last)
            && &was < p
        {
            let aside = free_name(&self.path, &was);
            // Another process may have rotated it a moment ago: then there is nothing to move.
            let _ = std::fs::rename(&self.path, &aside);
            self.prune();
        }
        self.file = Some(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?,
        );
        self.period = period;
        Ok(())
    }

    /// Removes the oldest dated copies so that `keep` files remain with the live one.
    fn prune(&self) {
        let (Some(dir), Some(name)) = (self.path.parent(), self.path.file_name()) else {
            return;
        };
        let prefix = format!("{}.", name.to_string_lossy());
        let Ok(rd) = std::fs::read_dir(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        }) else {
            return;
        };
        let mut dated: Vec<PathBuf> = rd
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_prefix(&prefix))
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            })
            .map(|e| e.path())
            .collect();
        dated.sort();
        let extra = dated.len().saturating_sub(self.keep.saturating_sub(1));
        for p in dated.into_iter().take(extra) {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// `NAME.PERIOD`, or `NAME.PERIOD.2`, … when taken.
fn free_name(path: &Path, period: &str) -> PathBuf {
    let with = |s: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(s);
        PathBuf::from(p)
    };
    let first = with(&format!(".{period}"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| with(&format!(".{period}.{n}")))
        .find(|p| !p.exists())
        .expect("some name is free")
}

impl Write for Rolling {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // A failure to rotate keeps writing to the file that is open.
        let _ = self.roll(Utc::now());
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().map_or(Ok(()), File::flush)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_carry_the_schedules_offset() {
        let t = DateTime::parse_from_rfc3339("2026-12-02T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            stamp(t, Some(chrono_tz::Asia::Ho_Chi_Minh)),
            "2026-12-02T10:00:00+07:00"
        );
        assert_eq!(stamp(t, None), "2026-12-02T03:00:00Z");
    }

    #[test]
    fn the_configured_name_is_the_live_file_and_a_new_day_moves_it_aside() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("eqvault.log");
        let mut r = Rolling {
            path: path.clone(),
            rotation: Rotation::Daily,
            keep: 3,
            tz: chrono_tz::Asia::Ho_Chi_Minh,
            file: None,
            period: None,
        };
        let day = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // 23:30 in Hà Nội on 1 December is 16:30 UTC.
        r.roll(day("2026-12-01T16:30:00Z")).unwrap();
        r.file.as_mut().unwrap().write_all(b"first day\n").unwrap();
        let f = File::options().write(true).open(&path).unwrap();
        f.set_modified(day("2026-12-01T16:30:00Z").into()).unwrap();
        // 00:30 on 2 December there: a new day, though still 1 December in UTC.
        r.roll(day("2026-12-01T17:30:00Z")).unwrap();
        r.file.as_mut().unwrap().write_all(b"second day\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second day\n");
        assert_eq!(
            std::fs::read_to_string(d.path().join("eqvault.log.2026-12-01")).unwrap(),
            "first day\n"
        );
        // Old copies beyond `keep` go.
        for day in ["2026-11-01", "2026-11-02", "2026-11-03"] {
            std::fs::write(d.path().join(format!("eqvault.log.{day}")), day).unwrap();
        }
        r.prune();
        let mut names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "eqvault.log",
                "eqvault.log.2026-11-03",
                "eqvault.log.2026-12-01"
            ]
        );
    }
}
