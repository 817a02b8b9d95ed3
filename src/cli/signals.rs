//! SIGINT, SIGTERM and SIGHUP during a command: stop, abort the uploads, remove the clear copies, say what was left.
//!
//! Without this the kernel's default action ends eqvault on the spot: no
//! destructor runs, so a backup's clear copy of the database stays under
//! `[state] dir/tmp` and its upload parts stay in the stores. Here the first
//! signal asks every room to stop ([`crate::stop::request`]): uploads abort
//! at once (S3 multipart aborted, a local store's staged `NAME#N` removed),
//! the unpackers end at their next write, and the operation returns. It gets
//! [`UNWIND`] to do so (a second signal cuts that short); then its future is
//! dropped (its scratch folders with it), the aborts get [`ABORT_WAIT`] to
//! reach the stores, and whatever scratch of this process is still there is
//! removed. One line on stderr says what was left as it was; the exit code is
//! 128 + the signal's number (130, 143, 129), as a shell reports it.
//!
//! The daemon and `schedule run` keep their own handling (a running job gets
//! `[schedule] stop_grace`), see `daemon.rs`.

use std::time::Duration;

use tokio::signal::unix::{Signal, SignalKind, signal};

use super::{Exit, Lang, Out};

/// How long the operation may take to return once asked to stop.
const UNWIND: Duration = Duration::from_secs(10);
/// How long the upload tasks may take to send their aborts after that.
const ABORT_WAIT: Duration = Duration::from_secs(10);

/// The signals a command stops on.
pub(super) struct Signals {
    int: Signal,
    term: Signal,
    hup: Signal,
}

impl Signals {
    /// Takes over SIGINT, SIGTERM and SIGHUP (inside the runtime).
    pub(super) fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// The next signal: its name and number.
    pub(super) async fn next(&mut self) -> (&'static str, u8) {
        tokio::select! {
            _ = self.int.recv() => ("SIGINT", 2),
            _ = self.term.recv() => ("SIGTERM", 15),
            _ = self.hup.recv() => ("SIGHUP", 1),
        }
    }
}

/// Runs `work` (a command) until it ends or a signal stops it; see the module docs.
pub(super) async fn run_stoppable(
    work: impl Future<Output = anyhow::Result<Exit>>,
    left_as_it_was: Left,
    out: &Out,
) -> anyhow::Result<Exit> {
    let mut signals = match Signals::install() {
        Ok(s) => s,
        // No handler: the command still runs, as it did before there was one.
        Err(e) => {
            tracing::warn!(error = %e, "cannot take over SIGINT/SIGTERM/SIGHUP");
            return work.await;
        }
    };
    let mut work = Box::pin(work);
    let (name, number) = tokio::select! {
        r = &mut work => return r,
        s = signals.next() => s,
    };
    crate::stop::request();
    tracing::info!(
        signal = %name,
        "stop requested: aborting uploads, removing clear copies"
    );
    let finished = tokio::select! {
        r = tokio::time::timeout(UNWIND, &mut work) => r.ok(),
        _ = signals.next() => None,
    };
    drop(work);
    let unaborted = crate::stop::uploads_settled(ABORT_WAIT).await;
    let kept = crate::stop::remove_own_scratch();
    if let Some(Ok(code)) = finished
        && code == Exit::Ok
    {
        // It was done (and printed) before it could stop: its result stands. Any other
        // ending after the signal is the signal's doing (uploads it aborted failed).
        out.progress(out.lang_early.t("signal-after-done", &[("name", &name)]));
        return Ok(code);
    }
    let (mut vi, mut en) = left_as_it_was.text();
    if unaborted > 0 {
        vi.push_str(&format!(
            "; {unaborted} lần tải lên chưa kịp huỷ (quy tắc vòng đời của bucket xoá các phần dở dang; `eqvault prune` xoá ở kho cục bộ)"
        ));
        en.push_str(&format!(
            "; {unaborted} upload(s) could not be aborted in time (a bucket lifecycle rule for incomplete multipart uploads removes them; `eqvault prune` does in a local store)"
        ));
    }
    if !kept.is_empty() {
        let paths = kept
            .iter()
            .map(|p| super::show(p))
            .collect::<Vec<_>>()
            .join(", ");
        vi.push_str(&format!(
            "; KHÔNG xoá được {paths}: hãy tự xoá (chứa dữ liệu chưa mã hoá)"
        ));
        en.push_str(&format!(
            "; could NOT remove {paths}: remove it yourself (it holds clear data)"
        ));
    }
    if out.json {
        out.json(&serde_json::json!({
            "stopped_by": name,
            "left": en,
        }));
    }
    let left = match out.lang_early {
        Lang::Vi => vi,
        Lang::En => en,
    };
    out.progress(
        out.lang_early
            .t("signal-stopped", &[("name", &name), ("left", &left)]),
    );
    Ok(Exit::Signal(number))
}

/// What a command interrupted leaves as it was, said in one line.
#[derive(Debug, Clone, Copy)]
pub(super) enum Left {
    Backup,
    Restore,
    Drill,
    Archive,
    Sync,
    Other,
}

impl Left {
    /// What `cmd` leaves, or `None` for the commands that handle signals themselves.
    pub(super) fn of(cmd: &super::Command) -> Option<Left> {
        use super::Command as C;
        Some(match cmd {
            C::Daemon(_) | C::Schedule(super::schedule::Cmd::Run(_)) => return None,
            C::Backup(_) => Left::Backup,
            C::Restore(_) => Left::Restore,
            C::Drill(_) => Left::Drill,
            C::Archive(_) => Left::Archive,
            C::Sync => Left::Sync,
            _ => Left::Other,
        })
    }

    fn text(self) -> (String, String) {
        let (vi, en) = match self {
            Left::Backup => (
                "chưa lưu bản sao lưu nào: các lần tải lên đã huỷ, bản sao chưa mã hoá đã xoá; cơ sở dữ liệu và các kho vẫn như cũ",
                "no snapshot was stored: the uploads were aborted and the clear copy removed; the database and the stores are as they were",
            ),
            Left::Restore => (
                "không khôi phục gì: tệp --to vẫn như cũ, bản giải mã dở dang đã xoá",
                "nothing was restored: the --to file is as it was, and the part decrypted so far was removed",
            ),
            Left::Drill => (
                "không ghi kết quả diễn tập nào: bản giải mã đã xoá; các kho vẫn như cũ",
                "no drill was recorded: its decrypted copy was removed; the stores are as they were",
            ),
            Left::Archive => (
                "không lưu gói nào dở dang: các lần tải lên đã huỷ; các tệp báo cáo và các kho vẫn như cũ",
                "no bag was left half-stored: the uploads were aborted; the report files and the stores are as they were",
            ),
            Left::Sync => (
                "những bản đã chép xong vẫn nguyên vẹn, bản đang chép đã huỷ; chạy lại `eqvault sync`",
                "what was copied before is complete, the copy in progress was aborted; run `eqvault sync` again",
            ),
            Left::Other => ("không để lại gì dở dang", "nothing was left half-written"),
        };
        (vi.to_string(), en.to_string())
    }
}
