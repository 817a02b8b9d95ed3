//! Walks the demo world day by day and streams its rows into SQLite through prepared statements.
//!
//! Rows are written as they are made; the only buffer is the change log entries
//! made but not yet "entered" (at most eight days' worth), kept in a heap so that
//! `change_id` follows `recorded_at` as in a real log.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::Datelike;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, Statement, params};

use super::PlantedCase;
use super::calendar::{
    Day, Month, Stamp, date_of, first_day_of_month, format_day, format_month, format_stamp,
    last_day_of_month, month_of_day, stamp, stamp_day,
};
use super::catalog::{SUBJECTS, TEMPLATES};
use super::world::{
    AWAITING, CONDITIONS, DAMAGED, DISPOSED, GOOD, Item, SOURCES, World, office_secs,
};

/// Table names in the order their counters are kept.
pub(super) const TABLES: [&str; 6] = [
    "schools",
    "staff",
    "equipment",
    "equipment_changes",
    "monthly_approvals",
    "equipment_usage",
];
const SCHOOLS: usize = 0;
const STAFF: usize = 1;
const EQUIPMENT: usize = 2;
const CHANGES: usize = 3;
const APPROVALS: usize = 4;
const USAGE: usize = 5;

const KINDS: [&str; 6] = [
    "acquired",
    "condition_changed",
    "relocated",
    "quantity_changed",
    "disposed",
    "corrected",
];
const ACQUIRED: u8 = 0;
const CONDITION_CHANGED: u8 = 1;
const RELOCATED: u8 = 2;
const QUANTITY_CHANGED: u8 = 3;
const DISPOSED_KIND: u8 = 4;
const CORRECTED: u8 = 5;

/// How often `progress` hears from the writer, in rows.
const REPORT_EVERY: u64 = 50_000;

/// The prepared inserts and the row counters.
pub(super) struct Writer<'c> {
    schools: Statement<'c>,
    staff: Statement<'c>,
    equipment: Statement<'c>,
    change: Statement<'c>,
    approval: Statement<'c>,
    usage: Statement<'c>,
    pub counts: [u64; 6],
    rows: u64,
    progress: &'c dyn Fn(u64),
}

impl<'c> Writer<'c> {
    pub(super) fn new(conn: &'c Connection, progress: &'c dyn Fn(u64)) -> rusqlite::Result<Self> {
        Ok(Self {
            schools: conn.prepare(
                "INSERT INTO schools (school_id, name, level, ownership, status, status_changed_on, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            staff: conn.prepare(
                "INSERT INTO staff (staff_id, school_id, full_name, position, status, status_changed_on) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            equipment: conn.prepare(
                "INSERT INTO equipment (equipment_id, school_id, catalog_code, name, subject, grade, unit, quantity, \
                 source, year_in_use, location, condition, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?,
            change: conn.prepare(
                "INSERT INTO equipment_changes (change_id, equipment_id, school_id, kind, occurred_on, recorded_at, \
                 recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            approval: conn.prepare(
                "INSERT INTO monthly_approvals (school_id, period, approved_by, approved_at) VALUES (?1, ?2, ?3, ?4)",
            )?,
            usage: conn.prepare(
                "INSERT INTO equipment_usage (usage_id, equipment_id, school_id, staff_id, class_name, used_on, \
                 lesson_periods) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            counts: [0; 6],
            rows: 0,
            progress,
        })
    }

    fn bump(&mut self, table: usize) {
        self.counts[table] += 1;
        self.rows += 1;
        if self.rows.is_multiple_of(REPORT_EVERY) {
            (self.progress)(self.rows);
        }
    }

    pub(super) fn finish(&self) {
        (self.progress)(self.rows);
    }
}

/// 'TB' and eight digits, without an allocation per row.
struct EquipmentId([u8; 10]);

impl EquipmentId {
    fn of(item: u32) -> Self {
        let mut buf = *b"TB00000000";
        let mut n = item + 1;
        for slot in buf[2..].iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
        Self(buf)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }
}

/// A change made, waiting for the day it is entered.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    recorded: Stamp,
    seq: u64,
    item: u32,
    school: u32,
    kind: u8,
    occurred: Day,
    by: u32,
    planted_late: bool,
}

pub(super) struct Run<'w, 'c> {
    world: World,
    rng: &'w mut ChaCha8Rng,
    out: &'w mut Writer<'c>,
    pending: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    change_id: i64,
    usage_id: i64,
    planted: Vec<PlantedCase>,
    buf: String,
}

/// Writes the whole world and returns the planted cases, ordered by rule and school.
pub(super) fn run(
    world: World,
    rng: &mut ChaCha8Rng,
    out: &mut Writer<'_>,
) -> rusqlite::Result<Vec<PlantedCase>> {
    let mut run = Run {
        world,
        rng,
        out,
        pending: BinaryHeap::new(),
        seq: 0,
        change_id: 0,
        usage_id: 0,
        planted: Vec::new(),
        buf: String::new(),
    };
    run.schools_and_staff()?;
    run.approvals()?;
    run.timeline()?;
    run.equipment()?;
    run.out.finish();
    let mut planted = run.planted;
    planted.sort_by(|a, b| {
        (a.rule, &a.school_id, &a.subject).cmp(&(b.rule, &b.school_id, &b.subject))
    });
    Ok(planted)
}

/// Knuth's sampler; fine for the rates here (a few per school day, under 60).
fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut p: f64 = rng.random();
    while p > limit {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

/// Calendar days between a change and its entry: mostly the same or the next few days.
fn lag(rng: &mut ChaCha8Rng) -> u32 {
    match rng.random_range(0..100) {
        0..30 => 0,
        30..55 => 1,
        55..70 => 2,
        70..80 => 3,
        _ => rng.random_range(4..=8),
    }
}

impl Run<'_, '_> {
    fn schools_and_staff(&mut self) -> rusqlite::Result<()> {
        let Run {
            world, out, buf, ..
        } = self;
        for school in &world.schools {
            format_stamp(buf, school.created);
            out.schools.execute(params![
                school.id,
                school.name,
                school.level,
                if school.private {
                    "tu_thuc"
                } else {
                    "cong_lap"
                },
                if school.closed.is_some() {
                    "inactive"
                } else {
                    "active"
                },
                school.closed.map(format_day),
                buf.as_str(),
            ])?;
            out.bump(SCHOOLS);
        }
        for st in &world.staff {
            out.staff.execute(params![
                st.id,
                world.schools[st.school as usize].id,
                st.name,
                st.position,
                st.status,
                st.changed_on.map(format_day),
            ])?;
            out.bump(STAFF);
        }
        Ok(())
    }

    /// One approval per school and month, from the month the school entered the
    /// system to the last complete month (or the month it closed), by its
    /// principal in the first three weeks of the next month.
    fn approvals(&mut self) -> rusqlite::Result<()> {
        let Run {
            world,
            rng,
            out,
            buf,
            planted,
            ..
        } = self;
        let current = month_of_day(world.today);
        for (s, school) in world.schools.iter().enumerate() {
            let s = s as u32;
            let last = school
                .closed
                .map_or(current - 1, |c| month_of_day(c).min(current - 1));
            for m in month_of_day(school.created_day)..=last {
                let period = format_month(m);
                if world.plan.missing_approval.contains(&(s, m)) {
                    planted.push(PlantedCase {
                        rule: "missing_approval",
                        school_id: school.id.clone(),
                        subject: period.clone(),
                        note: format!(
                            "no approval row for {period}; it was due by {}",
                            format_day(due(m))
                        ),
                    });
                    continue;
                }
                let late = world.plan.late_approval.contains(&(s, m));
                let day = match school.closed {
                    // A closing school signs off its last month on its last day.
                    Some(c) if month_of_day(c) == m => c,
                    _ if late => {
                        let first = first_day_of_month(m + 2);
                        pick_school_day(world, rng, first, first + 11, false)
                    }
                    _ => {
                        let first = first_day_of_month(m + 1);
                        pick_school_day(world, rng, first, first + 20, true)
                    }
                };
                if day > world.today {
                    continue; // not approved yet, and not due yet either
                }
                let mut approver = school.principal;
                if world.plan.not_by_principal.contains(&(s, m)) {
                    let working: Vec<u32> = school
                        .teachers
                        .iter()
                        .copied()
                        .filter(|&t| world.staff[t as usize].working_on(day))
                        .collect();
                    approver = working[rng.random_range(0..working.len())];
                    let st = &world.staff[approver as usize];
                    planted.push(PlantedCase {
                        rule: "approval_not_by_principal",
                        school_id: school.id.clone(),
                        subject: period.clone(),
                        note: format!(
                            "{period} approved by teacher {} ({}), not the principal",
                            st.id, st.name
                        ),
                    });
                }
                format_stamp(buf, stamp(day, office_secs(rng)));
                if late {
                    planted.push(PlantedCase {
                        rule: "late_approval",
                        school_id: school.id.clone(),
                        subject: period.clone(),
                        note: format!(
                            "{period} approved {buf}, after its due date {}",
                            format_day(due(m))
                        ),
                    });
                }
                out.approval.execute(params![
                    school.id,
                    period,
                    world.staff[approver as usize].id,
                    buf.as_str()
                ])?;
                out.bump(APPROVALS);
            }
        }
        Ok(())
    }

    /// Every day from the start of the timeline to today: changes and lessons on
    /// working days, then the log entries that fall due that day.
    fn timeline(&mut self) -> rusqlite::Result<()> {
        let schools = self.world.schools.len();
        let mut delivered = vec![0_usize; schools];
        let quiet: Vec<Vec<Month>> = (0..schools as u32)
            .map(|s| {
                self.world
                    .plan
                    .no_monthly_update
                    .iter()
                    .filter(|p| p.0 == s)
                    .map(|p| p.1)
                    .collect()
            })
            .collect();
        for (s, months) in quiet.iter().enumerate() {
            for &m in months {
                self.planted.push(PlantedCase {
                    rule: "no_monthly_update",
                    school_id: self.world.schools[s].id.clone(),
                    subject: format_month(m),
                    note: format!(
                        "no equipment change or use recorded in the teaching month {}",
                        format_month(m)
                    ),
                });
            }
        }
        for day in self.world.start..=self.world.today {
            if self.world.cal.is_school_day(day) {
                let teaching = self.world.cal.is_teaching(day);
                let used_on = format_day(day);
                let month = month_of_day(day);
                for s in 0..schools {
                    if !self.world.schools[s].active_on(day) {
                        continue;
                    }
                    let s32 = s as u32;
                    while let Some(&(d, item)) = self.world.schools[s].deliveries.get(delivered[s])
                    {
                        if d > day {
                            break;
                        }
                        self.deliver(s32, item, day);
                        delivered[s] += 1;
                    }
                    // No change may happen, or be entered, in a planted quiet month.
                    let silent_changes = quiet[s].iter().any(|&m| {
                        (first_day_of_month(m) - 9..=last_day_of_month(m)).contains(&day)
                    });
                    if !silent_changes {
                        self.changes(s32, day);
                    }
                    if self.world.plan.late_update.contains(&(s32, day)) {
                        self.plant_late_update(s32, day);
                    }
                    if self.world.plan.deleted_identifier.contains(&(s32, day)) {
                        self.plant_deleted(s32, day);
                    }
                    if teaching && !quiet[s].contains(&month) {
                        self.lessons(s32, day, &used_on)?;
                    }
                }
            }
            self.flush(Some(day))?;
        }
        self.flush(None)
    }

    /// The day an ordinary change made on `day` is entered, with its stamp.
    fn entry(&mut self, s: u32, day: Day) -> (Day, Stamp) {
        let school = &self.world.schools[s as usize];
        let limit = school
            .closed
            .map_or(self.world.today, |c| c.min(self.world.today));
        let lag = lag(self.rng);
        let recorded = self.world.cal.record_day(day, lag, limit);
        (recorded, stamp(recorded, office_secs(self.rng)))
    }

    /// Who enters a change: the equipment officer, now and then a vice principal.
    fn recorder(&mut self, s: u32) -> u32 {
        let school = &self.world.schools[s as usize];
        if school.vice.is_empty() || self.rng.random_bool(0.88) {
            school.officer
        } else {
            school.vice[self.rng.random_range(0..school.vice.len())]
        }
    }

    fn log(
        &mut self,
        s: u32,
        item: u32,
        kind: u8,
        occurred: Day,
        recorded: Stamp,
        planted_late: bool,
    ) {
        let it = &mut self.world.items[item as usize];
        it.updated = it.updated.max(recorded);
        it.next_change = it.next_change.max(stamp_day(recorded) + 1);
        let by = self.recorder(s);
        self.seq += 1;
        self.pending.push(Reverse(Pending {
            recorded,
            seq: self.seq,
            item,
            school: s,
            kind,
            occurred,
            by,
            planted_late,
        }));
    }

    fn deliver(&mut self, s: u32, item: u32, day: Day) {
        let (_, recorded) = self.entry(s, day);
        let it = &mut self.world.items[item as usize];
        it.created = recorded;
        it.updated = recorded;
        self.log(s, item, ACQUIRED, day, recorded, false);
    }

    /// An item of school `s` that can change on `day`, if a few draws find one.
    fn changeable(&mut self, s: u32, day: Day, also: impl Fn(&Item) -> bool) -> Option<u32> {
        let items = &self.world.schools[s as usize].items;
        for _ in 0..6 {
            let i = items[self.rng.random_range(0..items.len())];
            let it = &self.world.items[i as usize];
            if it.exists
                && it.condition != DISPOSED
                && it.next_change <= day
                && it.usable_from <= day
                && also(it)
            {
                return Some(i);
            }
        }
        None
    }

    /// Takes a random item that can change on `day` out of one of the school's lists.
    fn take_ready(
        &mut self,
        s: u32,
        day: Day,
        list: fn(&mut super::world::School) -> &mut Vec<u32>,
    ) -> Option<u32> {
        let items = &self.world.items;
        let candidates = list(&mut self.world.schools[s as usize]);
        let ready: Vec<usize> = (0..candidates.len())
            .filter(|&k| items[candidates[k] as usize].next_change <= day)
            .collect();
        let k = *ready.get(self.rng.random_range(0..ready.len().max(1)))?;
        Some(candidates.swap_remove(k))
    }

    fn changes(&mut self, s: u32, day: Day) {
        let season = match date_of(day).month() {
            6 | 7 => 0.4,
            8 => 1.3,
            _ => 1.0,
        };
        let n = poisson(
            self.rng,
            self.world.schools[s as usize].change_rate * season,
        );
        for _ in 0..n {
            self.change(s, day);
        }
    }

    fn change(&mut self, s: u32, day: Day) {
        let kind = match self.rng.random_range(0..1000) {
            0..600 => RELOCATED,
            600..875 => QUANTITY_CHANGED,
            875..900 => CONDITION_CHANGED,
            900..970 => CORRECTED,
            970..985 => ACQUIRED,
            _ => DISPOSED_KIND,
        };
        let (recorded_day, recorded) = self.entry(s, day);
        let item = match kind {
            ACQUIRED => {
                let school = &self.world.schools[s as usize];
                let (template, grade) =
                    school.buyable[self.rng.random_range(0..school.buyable.len())];
                let private = school.private;
                let year = date_of(day).year() as u16;
                let item = self.world.new_item(
                    self.rng, s, template, grade, private, year, GOOD, recorded, day,
                );
                self.world.items[item as usize].next_change = recorded_day + 1;
                Some(item)
            }
            DISPOSED_KIND => self
                .take_ready(s, day, |school| &mut school.awaiting)
                .inspect(|&item| {
                    self.world.items[item as usize].condition = DISPOSED;
                }),
            // Half the time a damaged item is repaired or written off, half the time a good one breaks.
            CONDITION_CHANGED => {
                if self.rng.random_bool(0.5) {
                    self.take_ready(s, day, |school| &mut school.damaged)
                        .inspect(|&item| {
                            if self.rng.random_bool(0.6) {
                                self.world.items[item as usize].condition = GOOD;
                            } else {
                                self.world.items[item as usize].condition = AWAITING;
                                self.world.schools[s as usize].awaiting.push(item);
                            }
                        })
                } else {
                    self.changeable(s, day, |it| it.condition == GOOD)
                        .inspect(|&item| {
                            self.world.items[item as usize].condition = DAMAGED;
                            self.world.schools[s as usize].damaged.push(item);
                        })
                }
            }
            QUANTITY_CHANGED => self.changeable(s, day, |_| true).inspect(|&item| {
                let q = self.world.items[item as usize].quantity;
                let q = if q >= 3 && self.rng.random_bool(0.6) {
                    q - self.rng.random_range(1..=(q - 1).min(3))
                } else {
                    q + self.rng.random_range(1..=5)
                };
                self.world.items[item as usize].quantity = q;
            }),
            RELOCATED => self.changeable(s, day, |_| true).inspect(|&item| {
                let to = self.world.relocation(self.rng, item);
                self.world.items[item as usize].location = to;
            }),
            _ => self.changeable(s, day, |_| true),
        };
        if let Some(item) = item {
            self.log(s, item, kind, day, recorded, false);
        }
    }

    /// A change entered 25 calendar days (or a little more) after it happened.
    fn plant_late_update(&mut self, s: u32, day: Day) {
        let Some(item) = (0..20).find_map(|_| self.changeable(s, day, |it| it.condition == GOOD))
        else {
            return;
        };
        let to = self.world.relocation(self.rng, item);
        self.world.items[item as usize].location = to;
        let recorded_day = self
            .world
            .cal
            .working_on_or_after(day + 25)
            .min(self.world.today);
        let recorded = stamp(recorded_day, office_secs(self.rng));
        self.log(s, item, RELOCATED, day, recorded, true);
    }

    /// An item whose change log survives but whose equipment row was deleted.
    fn plant_deleted(&mut self, s: u32, day: Day) {
        let school = &self.world.schools[s as usize];
        let (template, grade) = school.buyable[self.rng.random_range(0..school.buyable.len())];
        let (private, school_id) = (school.private, school.id.clone());
        let (recorded_day, recorded) = self.entry(s, day);
        let item = self.world.items.len() as u32;
        let tpl = &TEMPLATES[usize::from(template)];
        self.world.items.push(Item {
            school: s,
            template,
            grade,
            quantity: tpl.quantity.0,
            condition: GOOD,
            location: SUBJECTS[usize::from(tpl.subject)].home,
            source: u8::from(private),
            year_in_use: date_of(day).year() as u16,
            created: recorded,
            updated: recorded,
            usable_from: day,
            next_change: recorded_day + 1,
            exists: false,
        });
        self.log(s, item, ACQUIRED, day, recorded, false);
        let later = self
            .world
            .cal
            .working_on_or_after(recorded_day + 1 + self.rng.random_range(0..3));
        if later <= self.world.today {
            let (_, recorded2) = self.entry(s, later);
            self.log(s, item, RELOCATED, later, recorded2, false);
        }
        self.planted.push(PlantedCase {
            rule: "deleted_identifier",
            school_id,
            subject: EquipmentId::of(item).as_str().to_owned(),
            note: format!(
                "'{}' acquired {}; its change log rows remain but the equipment row was deleted",
                tpl.name,
                format_day(day)
            ),
        });
    }

    /// The uses of equipment in the lessons of one school day.
    fn lessons(&mut self, s: u32, day: Day, used_on: &str) -> rusqlite::Result<()> {
        let Run {
            world,
            rng,
            out,
            usage_id,
            ..
        } = self;
        let school = &world.schools[s as usize];
        let n = ((school.usage_rate * rng.random_range(0.75..1.25)).round() as u32).max(1);
        let kindergarten = school.level == "mam_non";
        for _ in 0..n {
            let (class, grade) = &school.classes[rng.random_range(0..school.classes.len())];
            let by_grade = &school.by_grade[usize::from(*grade)];
            let bucket =
                if !by_grade.is_empty() && (school.shared.is_empty() || rng.random_bool(0.7)) {
                    by_grade
                } else {
                    &school.shared
                };
            if bucket.is_empty() {
                continue;
            }
            let Some(item) = (0..4)
                .map(|_| bucket[rng.random_range(0..bucket.len())])
                .find(|&i| {
                    let it = &world.items[i as usize];
                    it.exists
                        && it.condition == GOOD
                        && it.usable_from <= day
                        && SUBJECTS[usize::from(it.subject())].from_grade <= *grade
                })
            else {
                continue;
            };
            let specialists = &school.by_subject[usize::from(world.items[item as usize].subject())];
            let teacher = (0..4)
                .map(|_| {
                    if !specialists.is_empty() && rng.random_bool(0.85) {
                        specialists[rng.random_range(0..specialists.len())]
                    } else {
                        school.teachers[rng.random_range(0..school.teachers.len())]
                    }
                })
                .find(|&t| world.staff[t as usize].working_on(day))
                .map(|t| world.staff[t as usize].id.as_str());
            let periods = if kindergarten || rng.random_bool(0.85) {
                1
            } else {
                2
            };
            *usage_id += 1;
            out.usage.execute(params![
                *usage_id,
                EquipmentId::of(item).as_str(),
                school.id,
                teacher,
                class,
                used_on,
                periods
            ])?;
            out.bump(USAGE);
        }
        Ok(())
    }

    /// Enters the pending changes due by the end of `day` (all of them for `None`).
    fn flush(&mut self, day: Option<Day>) -> rusqlite::Result<()> {
        while let Some(Reverse(top)) = self.pending.peek() {
            if day.is_some_and(|d| stamp_day(top.recorded) > d) {
                break;
            }
            let Some(Reverse(p)) = self.pending.pop() else {
                break;
            };
            self.change_id += 1;
            let id = EquipmentId::of(p.item);
            let school = &self.world.schools[p.school as usize];
            format_stamp(&mut self.buf, p.recorded);
            let occurred = format_day(p.occurred);
            self.out.change.execute(params![
                self.change_id,
                id.as_str(),
                school.id,
                KINDS[usize::from(p.kind)],
                occurred,
                self.buf,
                self.world.staff[p.by as usize].id,
            ])?;
            self.out.bump(CHANGES);
            if p.planted_late {
                self.planted.push(PlantedCase {
                    rule: "late_update",
                    school_id: school.id.clone(),
                    subject: id.as_str().to_owned(),
                    note: format!(
                        "change {} ({}) happened {occurred} and was entered {}, {} calendar days later",
                        self.change_id,
                        KINDS[usize::from(p.kind)],
                        self.buf,
                        stamp_day(p.recorded) - p.occurred
                    ),
                });
            }
        }
        Ok(())
    }

    /// The equipment rows in their final state, in identifier order.
    fn equipment(&mut self) -> rusqlite::Result<()> {
        let Run {
            world, out, buf, ..
        } = self;
        let mut updated = String::new();
        for (i, it) in world.items.iter().enumerate() {
            if !it.exists || it.created == 0 {
                continue;
            }
            let tpl = &TEMPLATES[usize::from(it.template)];
            let subject = &SUBJECTS[usize::from(tpl.subject)];
            let code = match it.grade {
                Some(g) if g > 0 => format!("{}{g}.{:03}", subject.code, it.template + 1),
                _ => format!("{}.{:03}", subject.code, it.template + 1),
            };
            format_stamp(buf, it.created);
            format_stamp(&mut updated, it.updated);
            out.equipment.execute(params![
                EquipmentId::of(i as u32).as_str(),
                world.schools[it.school as usize].id,
                code,
                tpl.name,
                subject.name,
                it.grade,
                tpl.unit,
                it.quantity,
                SOURCES[usize::from(it.source)],
                it.year_in_use,
                super::catalog::LOCATIONS[usize::from(it.location)],
                CONDITIONS[usize::from(it.condition)],
                buf.as_str(),
                updated,
            ])?;
            out.bump(EQUIPMENT);
        }
        Ok(())
    }
}

/// The due date of an approval for `m`: the last day of the next month.
fn due(m: Month) -> Day {
    last_day_of_month(m + 1)
}

/// A school day of `first..=last`, skewed early when `early` (most heads sign
/// in the first fortnight).
fn pick_school_day(world: &World, rng: &mut ChaCha8Rng, first: Day, last: Day, early: bool) -> Day {
    let days = world.cal.school_days(first, last);
    if days.is_empty() {
        return first;
    }
    let k = rng.random_range(0..days.len());
    let k = if early {
        k.min(rng.random_range(0..days.len()))
    } else {
        k
    };
    days[k]
}
