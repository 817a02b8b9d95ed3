//! The demo's world before any row is written: schools, staff, starting equipment, and the planted violations.
//!
//! Everything here is sized by the number of schools, never by the number of
//! usage or change rows, so memory stays flat however long the timeline runs.

use chrono::Datelike;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{
    Calendar, Day, Month, Stamp, date_of, day_of, first_day_of_month, is_teaching_month,
    month_of_day, stamp,
};
use super::catalog::{self, STORE, SUBJECTS, TEMPLATES};
use super::names;

pub(super) const GOOD: u8 = 0;
pub(super) const DAMAGED: u8 = 1;
pub(super) const AWAITING: u8 = 2;
pub(super) const DISPOSED: u8 = 3;

pub(super) const CONDITIONS: [&str; 4] = ["good", "damaged", "awaiting_disposal", "disposed"];
pub(super) const SOURCES: [&str; 4] = ["ngan_sach", "xa_hoi_hoa", "tai_tro", "khac"];

pub(super) struct School {
    pub id: String,
    pub name: String,
    pub level: &'static str,
    pub private: bool,
    pub created: Stamp,
    pub created_day: Day,
    /// `status_changed_on` of a school that stopped operating.
    pub closed: Option<Day>,
    /// Existed before the timeline and never closes: the only home of planted cases.
    pub steady: bool,
    /// (class name, grade)
    pub classes: Vec<(String, u8)>,
    pub principal: u32,
    pub vice: Vec<u32>,
    pub officer: u32,
    pub teachers: Vec<u32>,
    /// Teachers per index of `SUBJECTS`.
    pub by_subject: Vec<Vec<u32>>,
    pub items: Vec<u32>,
    /// Items with a grade, by grade 0–9.
    pub by_grade: Vec<Vec<u32>>,
    /// Items shared by the whole school (NULL grade).
    pub shared: Vec<u32>,
    /// Items waiting for repair or a decision, and items waiting for disposal.
    pub damaged: Vec<u32>,
    pub awaiting: Vec<u32>,
    /// (template, grade) pairs the school can buy more of.
    pub buyable: Vec<(u16, Option<u8>)>,
    /// Expected equipment changes per working day.
    pub change_rate: f64,
    /// Expected equipment uses per teaching day.
    pub usage_rate: f64,
    /// Items a school founded during the timeline receives in its first days: (day, item).
    pub deliveries: Vec<(Day, u32)>,
}

impl School {
    pub(super) fn active_on(&self, day: Day) -> bool {
        day > self.created_day && self.closed.is_none_or(|c| day <= c)
    }
}

pub(super) struct Staff {
    pub id: String,
    pub school: u32,
    pub name: String,
    pub position: &'static str,
    pub status: &'static str,
    pub changed_on: Option<Day>,
    /// First day at the school (staff has no such column; it keeps the log honest).
    pub from: Day,
    pub subject: Option<u8>,
}

impl Staff {
    pub(super) fn working_on(&self, day: Day) -> bool {
        day >= self.from && self.changed_on.is_none_or(|c| day < c)
    }
}

pub(super) struct Item {
    pub school: u32,
    pub template: u16,
    pub grade: Option<u8>,
    pub quantity: u32,
    pub condition: u8,
    pub location: u8,
    pub source: u8,
    pub year_in_use: u16,
    pub created: Stamp,
    pub updated: Stamp,
    /// First day it can be used in a lesson.
    pub usable_from: Day,
    /// First day a further change may happen (after the last one was entered).
    pub next_change: Day,
    /// False for the planted deleted item: change rows only, no equipment row.
    pub exists: bool,
}

impl Item {
    pub(super) fn subject(&self) -> u8 {
        TEMPLATES[usize::from(self.template)].subject
    }

    pub(super) fn home(&self) -> u8 {
        SUBJECTS[usize::from(self.subject())].home
    }
}

/// The violations the run plants, by rule; everything else is clean.
#[derive(Default)]
pub(super) struct Plan {
    pub late_update: Vec<(u32, Day)>,
    pub missing_approval: Vec<(u32, Month)>,
    pub late_approval: Vec<(u32, Month)>,
    pub not_by_principal: Vec<(u32, Month)>,
    pub no_monthly_update: Vec<(u32, Month)>,
    pub deleted_identifier: Vec<(u32, Day)>,
}

pub(super) struct World {
    pub start: Day,
    pub today: Day,
    pub cal: Calendar,
    pub schools: Vec<School>,
    pub staff: Vec<Staff>,
    pub items: Vec<Item>,
    pub plan: Plan,
}

/// Uses per class per teaching day and changes per item per working day: the
/// two densities the database size follows (see the table in `demo`).
pub(super) const USES_PER_CLASS_DAY: f64 = 5.1;
pub(super) const CHANGES_PER_ITEM_DAY: f64 = 0.042;

/// A time in office hours (07:30–11:30, 13:30–17:00).
pub(super) fn office_secs(rng: &mut ChaCha8Rng) -> u32 {
    let minute = rng.random_range(0..(240 + 210));
    let minute = if minute < 240 {
        450 + minute
    } else {
        810 + (minute - 240)
    };
    minute * 60 + rng.random_range(0..60)
}

impl World {
    pub(super) fn new(rng: &mut ChaCha8Rng, schools: u32, start: Day, today: Day) -> Self {
        let cal = Calendar::new(start - 70, today + 70);
        let mut world = World {
            start,
            today,
            cal,
            schools: Vec::new(),
            staff: Vec::new(),
            items: Vec::new(),
            plan: Plan::default(),
        };
        world.found_schools(rng, schools);
        for s in 0..world.schools.len() as u32 {
            world.hire_staff(rng, s);
            world.stock(rng, s);
        }
        world.plan = world.plan_violations(rng);
        world
    }

    /// A random school day of `first..=last`, or `first` if there is none.
    fn school_day_in(&self, rng: &mut ChaCha8Rng, first: Day, last: Day) -> Day {
        let days = self.cal.school_days(first, last);
        if days.is_empty() {
            first
        } else {
            days[rng.random_range(0..days.len())]
        }
    }

    fn found_schools(&mut self, rng: &mut ChaCha8Rng, n: u32) {
        let n = n as usize;
        let start_year = date_of(self.start).year();
        // The last school closes at the end of the first school year; a few
        // (one in ten) open during the timeline; the rest were there before it.
        let closing = n - 1;
        let founded_late: Vec<usize> = if n >= 4 {
            (1..=(n / 10).max(1)).map(|k| n - 1 - k).collect()
        } else {
            Vec::new()
        };
        let mut next_in_district: Vec<u16> = names::DISTRICT_CODES
            .iter()
            .map(|_| rng.random_range(1..30))
            .collect();
        let mut name_counts = std::collections::BTreeMap::<(&str, bool), usize>::new();
        let aug =
            |d: u32| day_of(chrono::NaiveDate::from_ymd_opt(start_year, 8, d).expect("August day"));
        for i in 0..n {
            let level = match i {
                0 => "tieu_hoc",
                1 => "thcs",
                2 => "mam_non",
                3 => "tieu_hoc_thcs",
                _ if i == closing => "mam_non",
                _ => match rng.random_range(0..100) {
                    0..40 => "mam_non",
                    40..70 => "tieu_hoc",
                    70..92 => "thcs",
                    _ => "tieu_hoc_thcs",
                },
            };
            let private_share = match level {
                "mam_non" => 30,
                "tieu_hoc" => 10,
                "thcs" => 5,
                _ => 70,
            };
            let private = (i == closing && n >= 5)
                || (i >= 4 && rng.random_range(0..100) < private_share)
                || i == 3;
            let kind = name_counts.entry((level, private)).or_default();
            let name = names::school(level, private, *kind);
            *kind += 1;

            let mut district = rng.random_range(0..names::DISTRICT_CODES.len());
            while next_in_district[district] > 999 {
                district = (district + 1) % names::DISTRICT_CODES.len();
            }
            let id = format!(
                "79{}{:03}",
                names::DISTRICT_CODES[district],
                next_in_district[district]
            );
            next_in_district[district] += 1;

            let created_day = if founded_late.contains(&i) {
                self.founding_day(rng)
                    .unwrap_or_else(|| self.school_day_in(rng, aug(1), aug(20)))
            } else {
                self.school_day_in(rng, aug(1), aug(20))
            };
            let closed = (i == closing).then(|| {
                let mut d = day_of(
                    chrono::NaiveDate::from_ymd_opt(start_year + 1, 6, 30).expect("30 June"),
                );
                while !self.cal.is_working(d) {
                    d -= 1;
                }
                d
            });
            let classes = classes(rng, level);
            let per_class = match level {
                "mam_non" => 0.6,
                "tieu_hoc" => 0.9,
                _ => 1.0,
            };
            self.schools.push(School {
                id,
                name,
                level,
                private,
                created: stamp(created_day, rng.random_range(8 * 3600..16 * 3600)),
                created_day,
                closed,
                steady: closed.is_none() && created_day < self.start,
                usage_rate: classes.len() as f64 * USES_PER_CLASS_DAY * per_class,
                classes,
                principal: 0,
                vice: Vec::new(),
                officer: 0,
                teachers: Vec::new(),
                by_subject: vec![Vec::new(); SUBJECTS.len()],
                items: Vec::new(),
                by_grade: vec![Vec::new(); 10],
                shared: Vec::new(),
                damaged: Vec::new(),
                awaiting: Vec::new(),
                buyable: Vec::new(),
                change_rate: 0.0,
                deliveries: Vec::new(),
            });
        }
    }

    /// A working day early in a teaching month of the timeline (not around Tết),
    /// at least two months before today; `None` if the timeline is too short.
    fn founding_day(&self, rng: &mut ChaCha8Rng) -> Option<Day> {
        let months: Vec<Month> = (month_of_day(self.start) + 1..month_of_day(self.today) - 2)
            .filter(|m| matches!(m.rem_euclid(12) + 1, 10 | 11 | 3 | 4))
            .collect();
        let month = *months.get(rng.random_range(0..months.len().max(1)))?;
        let first = first_day_of_month(month);
        Some(self.school_day_in(rng, first, first + 11))
    }

    fn add_staff(
        &mut self,
        school: u32,
        name: String,
        position: &'static str,
        from: Day,
        subject: Option<u8>,
    ) -> u32 {
        let index = self.staff.len() as u32;
        self.staff.push(Staff {
            id: format!("79{:08}", 100_001 + index),
            school,
            name,
            position,
            status: "working",
            changed_on: None,
            from,
            subject,
        });
        index
    }

    fn hire_staff(&mut self, rng: &mut ChaCha8Rng, s: u32) {
        let school = &self.schools[s as usize];
        let (level, classes, from, closed) = (
            school.level,
            school.classes.len(),
            school.created_day,
            school.closed,
        );
        let female_share = match level {
            "mam_non" => 0.97,
            "tieu_hoc" => 0.8,
            _ => 0.68,
        };
        let principal = self.add_staff(s, names::person(rng, 0.6), "principal", from, None);
        let vices = match level {
            "mam_non" => rng.random_range(1..=2),
            _ => 1 + usize::from(classes > 20) + usize::from(classes > 35),
        };
        let vice: Vec<u32> = (0..vices)
            .map(|_| self.add_staff(s, names::person(rng, 0.65), "vice_principal", from, None))
            .collect();
        let officer = self.add_staff(s, names::person(rng, 0.7), "equipment_officer", from, None);
        let mut teachers = Vec::new();
        let mut hire = |world: &mut World, rng: &mut ChaCha8Rng, n: usize, subjects: &[u8]| {
            for k in 0..n {
                let subject = (!subjects.is_empty()).then(|| subjects[k % subjects.len()]);
                let name = names::person(rng, female_share);
                teachers.push(world.add_staff(s, name, "teacher", from, subject));
            }
        };
        let (primary, secondary) = match level {
            "mam_non" => (0, 0),
            "tieu_hoc" => (classes, 0),
            "thcs" => (0, classes),
            _ => (classes * 5 / 9, classes - classes * 5 / 9),
        };
        if level == "mam_non" {
            hire(self, rng, classes * 2, &[]);
        }
        hire(self, rng, primary, &[]);
        hire(
            self,
            rng,
            primary * 3 / 10 + usize::from(primary > 0),
            &catalog::SPECIALIST_SUBJECTS_TH,
        );
        hire(
            self,
            rng,
            secondary * 19 / 10,
            &catalog::SPECIALIST_SUBJECTS_THCS,
        );
        for _ in 0..rng.random_range(2..=4) {
            self.add_staff(s, names::person(rng, 0.75), "staff", from, None);
        }

        // Departures are status changes, never deletions; most happen in summer.
        if let Some(closed) = closed {
            let moved = closed + 1;
            for st in self.staff.iter_mut().filter(|st| st.school == s) {
                st.status = if st.position == "teacher" && rng.random_bool(0.2) {
                    "resigned"
                } else {
                    "transferred"
                };
                st.changed_on = Some(moved);
            }
        } else {
            let years = f64::from(self.today - self.start) / 365.0;
            for &t in &teachers.clone() {
                if !rng.random_bool((0.05 * years).min(0.5)) {
                    continue;
                }
                let left = if rng.random_bool(0.7) {
                    let summers: Vec<Day> = (self.start..self.today)
                        .filter(|&d| date_of(d).month() == 7 && date_of(d).day() == 1)
                        .collect();
                    match summers.get(rng.random_range(0..summers.len().max(1))) {
                        Some(&d) => self.school_day_in(rng, d, d + 45),
                        None => continue,
                    }
                } else {
                    self.school_day_in(rng, self.start + 30, self.today - 10)
                };
                if left >= self.today || left <= from {
                    continue;
                }
                let st = &mut self.staff[t as usize];
                st.status = if rng.random_bool(0.6) {
                    "transferred"
                } else {
                    "resigned"
                };
                st.changed_on = Some(left);
                let subject = st.subject;
                let successor_from = left + rng.random_range(7..40);
                if successor_from < self.today {
                    let name = names::person(rng, female_share);
                    teachers.push(self.add_staff(s, name, "teacher", successor_from, subject));
                }
            }
        }
        let mut by_subject = vec![Vec::new(); SUBJECTS.len()];
        for &t in &teachers {
            if let Some(subject) = self.staff[t as usize].subject {
                by_subject[usize::from(subject)].push(t);
                // Science teachers also use what is left of the 2006 physics,
                // chemistry and biology equipment.
                if subject == catalog::SCIENCE {
                    for legacy in catalog::LEGACY_SCIENCES {
                        by_subject[usize::from(legacy)].push(t);
                    }
                }
            }
        }
        let school = &mut self.schools[s as usize];
        school.principal = principal;
        school.vice = vice;
        school.officer = officer;
        school.teachers = teachers;
        school.by_subject = by_subject;
    }

    /// The school's starting inventory: imported when the school entered the
    /// system, or, for a school founded during the timeline, delivered in its
    /// first week and logged as acquisitions.
    fn stock(&mut self, rng: &mut ChaCha8Rng, s: u32) {
        let school = &self.schools[s as usize];
        let bits = catalog::level_bits(school.level);
        let founded_late = school.created_day >= self.start;
        let (created_day, private) = (school.created_day, school.private);
        let start_year = date_of(self.start).year();
        let mut buyable = Vec::new();
        for (ti, tpl) in TEMPLATES.iter().enumerate() {
            let grades: Vec<Option<u8>> = match tpl.grades {
                None => vec![None],
                Some((lo, hi)) => catalog::grades(school.level)
                    .filter(|g| (lo..=hi).contains(g))
                    .map(Some)
                    .collect(),
            };
            for grade in grades {
                if catalog::template_fits(tpl, bits, grade) {
                    buyable.push((ti as u16, grade));
                }
            }
        }
        let delivery_days = self.cal.school_days(created_day + 1, created_day + 9);
        for &(ti, grade) in &buyable {
            // Items bought in several lots stay separate records (year, source).
            let batches = match rng.random_range(0..10) {
                0..3 => 1,
                3..6 => 2,
                6..8 => 3,
                _ => 4,
            };
            for _ in 0..batches {
                let subject = &SUBJECTS[usize::from(TEMPLATES[usize::from(ti)].subject)];
                let first_year = if subject.legacy {
                    2008
                } else if subject.new_programme {
                    catalog::rollout_year(grade.unwrap_or(0))
                } else {
                    2012
                };
                let last_year = if subject.legacy { 2020 } else { start_year };
                let year_in_use = if founded_late {
                    date_of(created_day).year()
                } else {
                    rng.random_range(first_year.min(last_year)..=last_year)
                };
                let condition = if founded_late {
                    GOOD
                } else {
                    match rng.random_range(0..100) {
                        0..86 => GOOD,
                        86..94 => DAMAGED,
                        94..97 => AWAITING,
                        _ => DISPOSED,
                    }
                };
                let (created, usable_from, delivery) = if founded_late {
                    let day = delivery_days[rng.random_range(0..delivery_days.len())];
                    // Stamped when the delivery is entered (see `Build::deliver`).
                    (0, day, Some(day))
                } else {
                    let day = self
                        .cal
                        .working_on_or_after(created_day + rng.random_range(0..4));
                    (stamp(day, office_secs(rng)), self.start, None)
                };
                let item = self.new_item(
                    rng,
                    s,
                    ti,
                    grade,
                    private,
                    year_in_use as u16,
                    condition,
                    created,
                    usable_from,
                );
                if let Some(day) = delivery {
                    self.schools[s as usize].deliveries.push((day, item));
                }
            }
        }
        let school = &mut self.schools[s as usize];
        school.deliveries.sort_unstable();
        school.change_rate = school.items.len() as f64 * CHANGES_PER_ITEM_DAY;
        school.buyable = buyable;
    }

    /// Creates an item and files it in its school's lists.
    #[allow(clippy::too_many_arguments)] // one call site each; a struct literal would only move the list
    pub(super) fn new_item(
        &mut self,
        rng: &mut ChaCha8Rng,
        s: u32,
        template: u16,
        grade: Option<u8>,
        private: bool,
        year_in_use: u16,
        condition: u8,
        created: Stamp,
        usable_from: Day,
    ) -> u32 {
        let tpl = &TEMPLATES[usize::from(template)];
        let home = SUBJECTS[usize::from(tpl.subject)].home;
        let source = match (private, rng.random_range(0..100)) {
            (false, 0..80) => 0,
            (false, 80..90) | (true, 0..30) => 1,
            (_, 90..96) | (true, 30..40) => 2,
            _ => 3,
        };
        let index = self.items.len() as u32;
        self.items.push(Item {
            school: s,
            template,
            grade,
            quantity: rng.random_range(tpl.quantity.0..=tpl.quantity.1),
            condition,
            location: if rng.random_bool(0.25) { STORE } else { home },
            source,
            year_in_use,
            created,
            updated: created,
            usable_from,
            next_change: usable_from.max(self.start),
            exists: true,
        });
        let school = &mut self.schools[s as usize];
        school.items.push(index);
        match grade {
            Some(g) => school.by_grade[usize::from(g)].push(index),
            None => school.shared.push(index),
        }
        match condition {
            DAMAGED => school.damaged.push(index),
            AWAITING => school.awaiting.push(index),
            _ => {}
        }
        index
    }

    /// Chooses where the violations go: steady schools, months far enough from
    /// each other that one planted case never masks or imitates another.
    fn plan_violations(&self, rng: &mut ChaCha8Rng) -> Plan {
        let steady: Vec<u32> = (0..self.schools.len() as u32)
            .filter(|&s| self.schools[s as usize].steady)
            .collect();
        let per_rule = match self.schools.len() {
            0..10 => 1,
            10..50 => 2,
            _ => 3,
        };
        let first = month_of_day(self.start);
        let current = month_of_day(self.today);
        // A quiet month keeps two months away from the late and deleted items of
        // its school, so that neither hides the other; otherwise cases of one kind
        // only need distinct months.
        #[derive(Clone, Copy, PartialEq)]
        enum Kind {
            Quiet,
            Change,
            Approval,
        }
        use Kind::{Approval, Change, Quiet};
        let clash = |a: Kind, b: Kind, gap: i32| match (a, b) {
            (Quiet, Change) | (Change, Quiet) => gap <= 2,
            _ => a == b && gap == 0,
        };
        let mut taken: Vec<(u32, Month, Kind)> = Vec::new();
        let mut next_school = rng.random_range(0..steady.len());
        let mut pick =
            |rng: &mut ChaCha8Rng, months: &[Month], kind: Kind| -> Option<(u32, Month)> {
                if months.is_empty() {
                    return None;
                }
                for round in 0..steady.len() {
                    let s = steady[(next_school + round) % steady.len()];
                    for _ in 0..40 {
                        let m = months[rng.random_range(0..months.len())];
                        if !taken
                            .iter()
                            .any(|&(ts, tm, tk)| ts == s && clash(kind, tk, (tm - m).abs()))
                        {
                            taken.push((s, m, kind));
                            next_school += round + 1;
                            return Some((s, m));
                        }
                    }
                }
                None
            };
        let range = |lo: Month, hi: Month| -> Vec<Month> { (lo..=hi).collect() };
        let teaching = |lo: Month, hi: Month| -> Vec<Month> {
            (lo..=hi).filter(|&m| is_teaching_month(m)).collect()
        };
        // Late entries: in months without holidays, so 25 calendar days are late under any calendar.
        let holiday_free: Vec<Month> = range(first, current - 2)
            .into_iter()
            .filter(|m| matches!(m.rem_euclid(12) + 1, 10 | 11 | 3))
            .collect();

        let mut plan = Plan::default();
        for _ in 0..per_rule {
            plan.no_monthly_update
                .extend(pick(rng, &teaching(first + 1, current - 1), Quiet));
        }
        for _ in 0..(per_rule + 1).min(3) {
            if let Some((s, m)) = pick(rng, &holiday_free, Change) {
                let first = first_day_of_month(m);
                let day = self.school_day_in(rng, first, first + 19);
                if self.cal.is_school_day(day) && day + 40 <= self.today {
                    plan.late_update.push((s, day));
                }
            }
        }
        for _ in 0..per_rule {
            if let Some((s, m)) = pick(rng, &teaching(first + 1, current - 2), Change) {
                let first = first_day_of_month(m);
                let day = self.school_day_in(rng, first, first + 20);
                if self.cal.is_school_day(day) && day + 20 <= self.today {
                    plan.deleted_identifier.push((s, day));
                }
            }
        }
        for _ in 0..per_rule {
            plan.missing_approval
                .extend(pick(rng, &range(first, current - 2), Approval));
            plan.late_approval
                .extend(pick(rng, &range(first, current - 3), Approval));
            plan.not_by_principal
                .extend(pick(rng, &range(first, current - 2), Approval));
        }
        plan
    }

    /// The location an item is moved to.
    pub(super) fn relocation(&self, rng: &mut ChaCha8Rng, item: u32) -> u8 {
        let it = &self.items[item as usize];
        let home = it.home();
        // Rooms every school has: the equipment room, the multi-purpose room, the hall.
        const COMMON: [u8; 3] = [1, 13, 14];
        let target = if it.location != STORE && rng.random_bool(0.6) {
            STORE
        } else if it.location != home && rng.random_bool(0.8) {
            home
        } else {
            COMMON[rng.random_range(0..COMMON.len())]
        };
        if target == it.location {
            if target == STORE { home.max(1) } else { STORE }
        } else {
            target
        }
    }
}

/// The classes of a school: kindergarten groups, or '7A3'-style classes per grade.
fn classes(rng: &mut ChaCha8Rng, level: &str) -> Vec<(String, u8)> {
    let mut out = Vec::new();
    if level == "mam_non" {
        for group in catalog::KINDERGARTEN_GROUPS {
            for n in 1..=rng.random_range(1..=4) {
                out.push((format!("{group} {n}"), 0));
            }
        }
        return out;
    }
    let per_grade = match level {
        "tieu_hoc" => 3..=8,
        "thcs" => 4..=10,
        _ => 2..=4,
    };
    for grade in catalog::grades(level) {
        for n in 1..=rng.random_range(per_grade.clone()) {
            out.push((format!("{grade}A{n}"), grade));
        }
    }
    out
}
