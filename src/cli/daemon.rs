//! `eqvault daemon`: runs the configured schedule until SIGTERM or SIGINT, then stops cleanly.

use tokio_util::sync::CancellationToken;

use super::{Exit, Out};
use crate::config::Config;
use crate::schedule::SystemClock;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(_a: Args, cfg: &Config, _out: &Out) -> anyhow::Result<Exit> {
    let stop = stop_on_signals()?;
    crate::daemon::daemon(cfg, &SystemClock, &stop).await?;
    tracing::info!("eqvault daemon stopped cleanly");
    Ok(Exit::Ok)
}

/// A token cancelled by the first SIGTERM, SIGINT or SIGHUP (systemd stop, Ctrl-C, a closed terminal).
pub(super) fn stop_on_signals() -> anyhow::Result<CancellationToken> {
    use tokio::signal::unix::{SignalKind, signal};
    let stop = CancellationToken::new();
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    // A closed terminal (`schedule run` by hand): without this, no cleanup at all.
    let mut hup = signal(SignalKind::hangup())?;
    let token = stop.clone();
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
            _ = hup.recv() => "SIGHUP",
        };
        tracing::info!(signal = %name, "stop requested: no new job starts");
        token.cancel();
        // Later signals are absorbed: the running job keeps its grace period.
        loop {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
            }
            tracing::info!("already stopping");
        }
    });
    Ok(stop)
}
