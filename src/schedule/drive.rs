//! The loop that runs jobs at their times: [`drive`] is clock-agnostic and
//! knows no job; a [`Runner`] (the daemon's, or a test's) runs each one.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use tokio_util::sync::CancellationToken;

use super::Clock;
use super::timetable::{Due, Scheduler, Timetable};

/// Runs due jobs; [`drive`] calls it.
pub trait Runner {
    /// Runs one due job to its end.
    fn run<'a>(&'a self, due: &'a Due) -> LocalBoxFuture<'a, ()>;
    /// A due job that will not start because eqvault is stopping.
    fn skipped(&self, _due: &Due) {}
}

/// Runs the timetable's jobs at their times on `clock` until `stop` is cancelled:
/// first the catch-up runs owed by `last_runs`, then each job when due. Jobs run one
/// at a time, in the order they fell due.
pub async fn drive(
    table: Timetable,
    clock: &dyn Clock,
    runner: &dyn Runner,
    stop: &CancellationToken,
    last_runs: &HashMap<String, DateTime<Utc>>,
) {
    let tz = table.timezone();
    let (mut sched, catch_up) = Scheduler::start(table, last_runs, clock.now());
    for d in &catch_up {
        let missed = d
            .scheduled_for
            .map(|t| t.with_timezone(&tz).to_rfc3339())
            .unwrap_or_else(|| "unknown".into());
        tracing::info!(job = %d.job, missed = %missed, "a scheduled time passed while eqvault was not running: catching up once");
    }
    let mut queue: VecDeque<Due> = catch_up.into();
    loop {
        while let Some(d) = queue.pop_front() {
            if stop.is_cancelled() {
                runner.skipped(&d);
                queue.iter().for_each(|d| runner.skipped(d));
                return;
            }
            runner.run(&d).await;
            sched.ran(&d.job, clock.now());
        }
        if stop.is_cancelled() {
            return;
        }
        let due = sched.take_due(clock.now());
        if !due.is_empty() {
            queue.extend(due);
            continue;
        }
        match sched.next_wake() {
            None => {
                stop.cancelled().await;
                return;
            }
            Some(wake) => {
                tokio::select! {
                    biased;
                    () = stop.cancelled() => return,
                    () = clock.sleep_until(wake) => {}
                }
            }
        }
    }
}
