//! When jobs are due: pure functions of the schedule, the last runs and "now".
//!
//! Catch-up: a job with `catch_up` whose scheduled time passed after its last run
//! (while eqvault was down) runs once when the daemon starts, however many of its
//! times were missed. A job that never ran has missed nothing. While the daemon
//! runs, times that pass while a job is busy are folded into one run after it.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::ScheduleError;
use crate::config::{self, Job};

/// The configured jobs with their parsed cron schedules.
#[derive(Debug, Clone)]
pub struct Timetable {
    tz: Tz,
    jobs: Vec<(Job, cron::Schedule)>,
}

/// Why a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Its cron time came.
    Schedule,
    /// A time passed while eqvault was down.
    CatchUp,
    /// `eqvault schedule run JOB`.
    Manual,
}

impl Trigger {
    /// `schedule`, `catch-up` or `manual`.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch-up",
            Trigger::Manual => "manual",
        }
    }
}

/// A job to run now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The job's name.
    pub job: String,
    /// The cron time this run stands for (the latest one missed, for a catch-up).
    pub scheduled_for: Option<DateTime<Utc>>,
    /// Why it runs.
    pub trigger: Trigger,
}

impl Timetable {
    /// Parses every job's cron expression.
    ///
    /// # Errors
    /// [`ScheduleError::Cron`] for an expression the `cron` crate refuses.
    pub fn new(s: &config::Schedule) -> Result<Timetable, ScheduleError> {
        let mut jobs = Vec::new();
        for j in &s.jobs {
            let c = cron::Schedule::from_str(&j.cron).map_err(|e| ScheduleError::Cron {
                job: j.name.clone(),
                expr: j.cron.clone(),
                detail: e.to_string(),
            })?;
            jobs.push((j.clone(), c));
        }
        Ok(Timetable {
            tz: s.timezone,
            jobs,
        })
    }

    /// The time zone cron times are read in.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// The jobs, in config order.
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.jobs.iter().map(|(j, _)| j)
    }

    /// The job called `name`, if scheduled.
    pub fn job(&self, name: &str) -> Option<&Job> {
        self.jobs().find(|j| j.name == name)
    }

    /// Whether no job is scheduled.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    fn cron(&self, name: &str) -> Option<&cron::Schedule> {
        self.jobs
            .iter()
            .find(|(j, _)| j.name == name)
            .map(|(_, c)| c)
    }

    /// The first cron time of `name` strictly after `t`.
    pub fn next_after(&self, name: &str, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let c = self.cron(name)?;
        c.after(&t.with_timezone(&self.tz))
            .next()
            .map(|d| d.with_timezone(&Utc))
    }

    /// The latest cron time of `name` in `(last, now]`, if any.
    pub fn latest_between(
        &self,
        name: &str,
        last: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let first = self.next_after(name, last).filter(|t| *t <= now)?;
        // Walk back from just after `now`; never earlier than the first missed time.
        let c = self.cron(name)?;
        let back = c
            .after(&(now + chrono::Duration::seconds(1)).with_timezone(&self.tz))
            .next_back()
            .map(|d| d.with_timezone(&Utc))
            .filter(|t| *t <= now && *t >= first);
        Some(back.unwrap_or(first))
    }

    /// The catch-up run of `name`, when it has `catch_up`, ran before, and a time passed since.
    pub fn missed(
        &self,
        name: &str,
        last: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<Due> {
        let job = self.job(name)?;
        if !job.catch_up {
            return None;
        }
        let at = self.latest_between(name, last?, now)?;
        Some(Due {
            job: name.to_string(),
            scheduled_for: Some(at),
            trigger: Trigger::CatchUp,
        })
    }
}

/// The daemon's state: each job's next cron time.
#[derive(Debug, Clone)]
pub struct Scheduler {
    table: Timetable,
    next: Vec<Option<DateTime<Utc>>>,
}

impl Scheduler {
    /// Starts at `now`. Returns the scheduler and the catch-up runs owed, in config order:
    /// one per job whose time passed after its last run in `last_runs`.
    pub fn start(
        table: Timetable,
        last_runs: &HashMap<String, DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> (Scheduler, Vec<Due>) {
        let catch_up = table
            .jobs()
            .filter_map(|j| table.missed(&j.name, last_runs.get(&j.name).copied(), now))
            .collect();
        let next = table
            .jobs()
            .map(|j| table.next_after(&j.name, now))
            .collect();
        (Scheduler { table, next }, catch_up)
    }

    /// The timetable.
    pub fn table(&self) -> &Timetable {
        &self.table
    }

    /// When the next job is due; `None` when no job will ever be.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        self.next.iter().flatten().min().copied()
    }

    /// The jobs due at `now`, earliest first (config order on a tie). Each one's
    /// next time moves past `now`: missed times fold into this one run.
    pub fn take_due(&mut self, now: DateTime<Utc>) -> Vec<Due> {
        let mut due: Vec<(DateTime<Utc>, usize)> = self
            .next
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.filter(|t| *t <= now).map(|t| (t, i)))
            .collect();
        due.sort();
        let names: Vec<String> = self.table.jobs().map(|j| j.name.clone()).collect();
        due.into_iter()
            .map(|(t, i)| {
                self.next[i] = self.table.next_after(&names[i], now);
                Due {
                    job: names[i].clone(),
                    scheduled_for: Some(t),
                    trigger: Trigger::Schedule,
                }
            })
            .collect()
    }

    /// `job` just finished at `now`: its times that passed while it ran are covered.
    pub fn ran(&mut self, job: &str, now: DateTime<Utc>) {
        if let Some(i) = self.table.jobs().position(|j| j.name == job) {
            self.next[i] = self.table.next_after(job, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::path::Path;

    fn table(schedule: &str) -> Timetable {
        let text = format!("[database]\npath = \"x.db\"\n[schedule]\n{schedule}");
        let c = config::Config::from_text(Path::new("c.toml"), &text).unwrap();
        Timetable::new(&c.schedule).unwrap()
    }

    /// Vietnam local time.
    fn vn(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Ho_Chi_Minh
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn cron_times_are_read_in_the_configured_time_zone() {
        let t = table("backup = { cron = \"0 30 1 * * *\" }\n");
        // 01:30 in Ho Chi Minh City is 18:30 UTC the day before.
        let next = t.next_after("backup", vn(2026, 3, 2, 0, 0)).unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 3, 1, 18, 30, 0).unwrap());
        let t = table("timezone = \"UTC\"\nbackup = { cron = \"0 30 1 * * *\" }\n");
        let next = t.next_after("backup", Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap());
        assert_eq!(
            next,
            Some(Utc.with_ymd_and_hms(2026, 3, 2, 1, 30, 0).unwrap())
        );
    }

    #[test]
    fn two_missed_times_give_one_catch_up_at_the_latest() {
        let t = table("backup = { cron = \"0 30 1 * * *\" }\n");
        let last = vn(2026, 3, 1, 1, 30);
        let now = vn(2026, 3, 3, 9, 0);
        let (_, due) = Scheduler::start(t, &HashMap::from([("backup".into(), last)]), now);
        assert_eq!(
            due,
            vec![Due {
                job: "backup".into(),
                scheduled_for: Some(vn(2026, 3, 3, 1, 30)),
                trigger: Trigger::CatchUp
            }]
        );
    }

    #[test]
    fn no_catch_up_without_a_missed_time_or_with_catch_up_off_or_never_run() {
        let t = table(
            "backup = { cron = \"0 30 1 * * *\" }\nprune = { cron = \"0 0 5 * * *\", catch_up = false }\n",
        );
        let last = vn(2026, 3, 1, 1, 30);
        // Down from 02:00 to 04:00 the same night: no time missed.
        let (_, due) = Scheduler::start(
            t.clone(),
            &HashMap::from([("backup".into(), last)]),
            vn(2026, 3, 1, 4, 0),
        );
        assert!(due.is_empty(), "{due:?}");
        // prune missed days but has catch_up = false.
        let (_, due) = Scheduler::start(
            t.clone(),
            &HashMap::from([("prune".into(), vn(2026, 3, 1, 5, 0))]),
            vn(2026, 3, 5, 12, 0),
        );
        assert!(due.is_empty(), "{due:?}");
        // A job that never ran missed nothing.
        let (_, due) = Scheduler::start(t, &HashMap::new(), vn(2026, 3, 5, 12, 0));
        assert!(due.is_empty(), "{due:?}");
    }

    #[test]
    fn a_time_exactly_now_is_due_and_missed_times_fold_into_one_run() {
        let t =
            table("backup = { cron = \"0 30 1 * * *\" }\nverify = { cron = \"0 0 3 * * *\" }\n");
        let (mut s, _) = Scheduler::start(t, &HashMap::new(), vn(2026, 3, 1, 0, 0));
        assert_eq!(s.next_wake(), Some(vn(2026, 3, 1, 1, 30)));
        let due = s.take_due(vn(2026, 3, 1, 1, 30));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].job, "backup");
        assert!(s.take_due(vn(2026, 3, 1, 1, 30)).is_empty());
        // The machine slept through two days: each job runs once, earliest time first.
        let due = s.take_due(vn(2026, 3, 3, 12, 0));
        let names: Vec<_> = due.iter().map(|d| d.job.as_str()).collect();
        assert_eq!(names, ["verify", "backup"]);
        assert_eq!(s.next_wake(), Some(vn(2026, 3, 4, 1, 30)));
    }

    #[test]
    fn times_passed_while_a_job_ran_are_covered_by_it() {
        let t = table("backup = { cron = \"* * * * * *\" }\n");
        let start = vn(2026, 3, 1, 0, 0);
        let (mut s, _) = Scheduler::start(t, &HashMap::new(), start);
        assert_eq!(s.take_due(start + chrono::Duration::seconds(1)).len(), 1);
        s.ran("backup", start + chrono::Duration::seconds(5));
        assert_eq!(s.next_wake(), Some(start + chrono::Duration::seconds(6)));
    }
}
