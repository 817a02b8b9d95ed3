//! `[log] file`: a rotating log file beside stderr, plain text, never a secret.

use crate::config::{Config, Log, Rotation};

/// The `[log]` settings of the config the command will use, read quietly: a broken
/// config is reported by the command itself.
pub fn settings(path: Option<std::path::PathBuf>) -> Option<Log> {
    let path = path.unwrap_or_else(|| crate::config::FILE_NAME.into());
    Config::load(&path)
        .ok()
        .map(|c| c.log)
        .filter(|l| l.file.is_some())
}

/// A writer for the log file, rotated as configured; `None` (with a warning on stderr)
/// when its folder cannot be made.
pub fn writer(log: &Log) -> Option<tracing_appender::rolling::RollingFileAppender> {
    let file = log.file.as_ref()?;
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty())?;
    let name = file.file_name()?.to_string_lossy().into_owned();
    let rotation = match log.rotation {
        Rotation::Hourly => tracing_appender::rolling::Rotation::HOURLY,
        Rotation::Daily => tracing_appender::rolling::Rotation::DAILY,
        Rotation::Never => tracing_appender::rolling::Rotation::NEVER,
    };
    let built = std::fs::create_dir_all(dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            tracing_appender::rolling::Builder::new()
                .rotation(rotation)
                .filename_prefix(name)
                .max_log_files(log.keep.max(1))
                .build(dir)
                .map_err(|e| e.to_string())
        });
    match built {
        Ok(w) => Some(w),
        Err(e) => {
            eprintln!(
                "warning: cannot write the log file {}: {e}; logging to stderr only",
                super::show(file)
            );
            None
        }
    }
}
