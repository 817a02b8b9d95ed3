//! The rules over the backup stores: `backup_overdue`, `backup_copies`, `drill_overdue`.
//!
//! The engine (`crate::ops::survey::store_facts`) reads what the stores hold
//! into [`StoreFacts`]; the rules here are pure functions of those facts and
//! `--as-of` (`report_missing` is in [`super::reports`]), so "today" can be
//! fixed and tests need no store.
//!
//! Semantics chosen where the regulation is silent:
//! - Each rule is judged at one day, `at`: the end of the window `check`
//!   judges (`--to`, at most `--as-of`; for a report, the end of its period
//!   or `--as-of` if earlier). Snapshots and drills made after it prove
//!   nothing about it: they are ignored. (Which stores held a snapshot is
//!   known as of now only: a copy made by `sync` after `at` still counts.)
//! - "Older than the interval": the next backup is due on the local date of
//!   `created_at + interval` (calendar months); it is overdue from the day
//!   after. The same for drills.
//! - With no snapshot at all by `at`, both `backup_overdue` and
//!   `backup_copies` report it: the two-copy rule applied, and no copy at
//!   all existed (a report then says *Chưa đạt* for both articles, never
//!   *Không đánh giá được*).
//! - A store that cannot be listed may hold copies nobody saw: it is named in
//!   the evidence (`stores_unreachable`) and in a note, and its copies are not
//!   counted. A drill counts when its status is `success` or `warning`
//!   (restorable, only slow); a `failed` drill is no drill.

use chrono::{DateTime, Duration, FixedOffset, Months, NaiveDate};

use super::finding::{BackupEvidence, DrillEvidence, Evidence, Finding, Message};
use super::rules::Rules;
use super::text::{dmy, en_date};
use super::{Rule, Severity};
use crate::calendar::VIETNAM;
use crate::catalog::SnapshotView;
use crate::catalog::drill::{DrillRecord, Status};
use crate::span::Span;

/// What the stores hold, as far as the rules need to know.
#[derive(Debug, Default)]
pub struct StoreFacts {
    /// Every configured store's label (URL without secrets), in config order.
    pub labels: Vec<String>,
    /// The medium of each store, in config order ([`crate::store::medium`]):
    /// stores on one medium are one copy. Missing or `None`: a medium of its own.
    pub media: Vec<Option<String>>,
    /// Complete snapshots across stores, newest first.
    pub snapshots: Vec<SnapshotView>,
    /// Stores that could not be opened or listed: (label, why).
    pub unreachable: Vec<(String, String)>,
    /// The first day eqvault holds evidence for (in Vietnam): the earliest of
    /// the stores' signed markers, snapshots and drill records. A period that
    /// ended before it cannot be judged by the store rules: no evidence from
    /// before eqvault is not evidence that nothing was done.
    pub evidence_since: Option<NaiveDate>,
    /// Every drill record found, by id (duplicates across stores removed), oldest first.
    pub drills: Vec<DrillRecord>,
    /// The report kinds archived per school year and period, or why the
    /// archive could not be read; `None` when it was not asked.
    pub reports: Option<Result<super::reports::Archived, String>>,
    /// The identifier ledger (`[state] dir/ledger.db`), or why it could not
    /// be read; `None` when there is none yet (no backup recorded one).
    pub ledger: Option<Result<Vec<crate::ledger::Entry>, String>>,
    /// Ledger rows that could not be read: (kind, id, why).
    pub ledger_unreadable: Vec<(String, String, String)>,
    /// Trusted holds across stores (one per snapshot and `since`), oldest first:
    /// the copies kept from retention, with why (the deletion guard's among them).
    pub holds: Vec<HoldFact>,
    /// Trusted acknowledgements of snapshots the deletion guard marked
    /// (`guard ack`), one per snapshot (the earliest), oldest first.
    pub guard_acks: Vec<GuardAckFact>,
}

/// A trusted hold on a snapshot, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldFact {
    /// The snapshot held.
    pub id: String,
    /// Since when.
    pub since: DateTime<FixedOffset>,
    /// Why, in the words of whoever (or whatever) placed it.
    pub reason: String,
}

/// A trusted acknowledgement of a suspect snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardAckFact {
    /// The snapshot acknowledged.
    pub id: String,
    /// When.
    pub at: DateTime<FixedOffset>,
    /// Why the drop is acceptable, in the operator's words.
    pub reason: String,
    /// When the snapshot was taken and what the guard saw in it, as the
    /// acknowledgement recorded them (none in records made before they were).
    pub event: Option<(DateTime<FixedOffset>, crate::guard::Suspicion)>,
}

/// The local date of `t + span` (calendar months, or seconds).
fn due_date(t: DateTime<FixedOffset>, span: Span) -> NaiveDate {
    let due = match span {
        Span::Months(m) => t.checked_add_months(Months::new(m)),
        Span::Seconds(s) => i64::try_from(s)
            .ok()
            .and_then(Duration::try_seconds)
            .and_then(|d| t.checked_add_signed(d)),
    };
    due.map(|d| d.with_timezone(&VIETNAM).date_naive())
        .unwrap_or(NaiveDate::MAX)
}

fn local(t: &DateTime<FixedOffset>) -> NaiveDate {
    t.with_timezone(&VIETNAM).date_naive()
}

fn dmy_hm(t: &DateTime<FixedOffset>) -> String {
    t.with_timezone(&VIETNAM)
        .format("%H:%M %d/%m/%Y")
        .to_string()
}

/// The newest complete snapshot taken on or before `at` (its local date).
pub fn newest_at(facts: &StoreFacts, at: NaiveDate) -> Option<&SnapshotView> {
    facts
        .snapshots
        .iter()
        .filter(|s| local(&s.meta.created_at) <= at)
        .max_by_key(|s| (s.meta.created_at, s.meta.id.as_str().to_string()))
}

/// The newest restorable drill (success or warning) started on or before `at`.
pub fn last_restorable_drill(facts: &StoreFacts, at: NaiveDate) -> Option<&DrillRecord> {
    facts
        .drills
        .iter()
        .filter(|d| matches!(d.status, Status::Success | Status::Warning))
        .filter(|d| local(&d.started_at) <= at)
        .max_by_key(|d| d.started_at)
}

fn store_finding(rule: Rule, severity: Severity, message: Message, evidence: Evidence) -> Finding {
    Finding {
        rule,
        provisional: false,
        severity,
        school_id: None,
        change_id: None,
        equipment_id: None,
        period: None,
        subject: None,
        message,
        evidence,
    }
}

fn backup_evidence(
    facts: &StoreFacts,
    newest: Option<&SnapshotView>,
    at: NaiveDate,
) -> BackupEvidence {
    BackupEvidence {
        judged_at: at,
        newest_snapshot: newest.map(|s| s.meta.id.as_str().to_string()),
        newest_created_at: newest.map(|s| s.meta.created_at),
        interval: None,
        due: None,
        stores_holding: newest
            .map(|s| {
                s.stores
                    .iter()
                    .filter_map(|&i| facts.labels.get(i).cloned())
                    .collect()
            })
            .unwrap_or_default(),
        required_copies: None,
        stores_on_one_medium: Vec::new(),
        stores_configured: facts.labels.clone(),
        stores_unreachable: facts.unreachable.iter().map(|(l, _)| l.clone()).collect(),
    }
}

/// `backup_overdue`: no complete snapshot within the interval before `at`.
pub fn backup_overdue(facts: &StoreFacts, rules: &Rules, at: NaiveDate) -> Option<Finding> {
    let as_of = at;
    let interval = rules.backup_overdue.interval;
    let newest = newest_at(facts, as_of);
    let mut evidence = backup_evidence(facts, newest, as_of);
    evidence.interval = Some(interval.to_string());
    let message = match newest {
        None => Message {
            vi: format!(
                "Chưa có bản sao lưu đầy đủ nào trong các kho lưu trữ tính đến ngày {}. Dữ liệu phải được sao lưu vào thiết bị lưu trữ chuyên dụng ít nhất 3 tháng một lần (Điều 12.1): chạy `eqvault backup` ngay.",
                dmy(as_of)
            ),
            en: format!(
                "No complete backup in any store as of {}. Data must be copied to dedicated storage at least every 3 months (Art. 12.1): run `eqvault backup` now.",
                en_date(as_of)
            ),
        },
        Some(s) => {
            let due = due_date(s.meta.created_at, interval);
            if due >= as_of {
                return None;
            }
            evidence.due = Some(due);
            Message {
                vi: format!(
                    "Bản sao lưu đầy đủ gần nhất ({}) được tạo lúc {}, đã quá {} tính đến ngày {} (hạn sao lưu tiếp theo là {}). Dữ liệu phải được sao lưu ít nhất 3 tháng một lần (Điều 12.1): chạy `eqvault backup` ngay và kiểm tra lịch sao lưu tự động.",
                    s.meta.id.as_str(),
                    dmy_hm(&s.meta.created_at),
                    interval,
                    dmy(as_of),
                    dmy(due)
                ),
                en: format!(
                    "The newest complete backup ({}) was taken on {}, more than {} before {} (the next one was due by {}). Back up at least every 3 months (Art. 12.1): run `eqvault backup` now and check the backup schedule.",
                    s.meta.id.as_str(),
                    s.meta.created_at.to_rfc3339(),
                    interval,
                    en_date(as_of),
                    en_date(due)
                ),
            }
        }
    };
    Some(store_finding(
        Rule::BackupOverdue,
        rules.severity(Rule::BackupOverdue),
        message,
        Evidence::Backup(evidence),
    ))
}

/// `backup_copies`: the newest snapshot at `at` held by fewer stores than
/// required, or no snapshot at all by then.
pub fn backup_copies(facts: &StoreFacts, rules: &Rules, at: NaiveDate) -> Option<Finding> {
    let required = rules.backup_copies.required_copies;
    let Some(newest) = newest_at(facts, at) else {
        let mut evidence = backup_evidence(facts, None, at);
        evidence.required_copies = Some(required);
        let message = Message {
            vi: format!(
                "Chưa có bản sao lưu đầy đủ nào tính đến ngày {}, nên không có bản sao nào trên thiết bị lưu trữ độc lập (Thông tư 05/2025/TT-BNV, Điều 27 yêu cầu ít nhất {required} bản). Chạy `eqvault backup` với ít nhất {required} kho.",
                dmy(at)
            ),
            en: format!(
                "No complete backup as of {}, so no copy on any independent store (Circular 05/2025/TT-BNV, Art. 27 requires at least {required}). Run `eqvault backup` with at least {required} stores.",
                en_date(at)
            ),
        };
        return Some(store_finding(
            Rule::BackupCopies,
            rules.severity(Rule::BackupCopies),
            message,
            Evidence::Backup(evidence),
        ));
    };
    // Copies on one medium (two folders of one disk, two prefixes of one bucket) are one copy.
    let mut by_medium: Vec<(String, Vec<String>)> = Vec::new();
    for &i in &newest.stores {
        let m = facts
            .media
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or_else(|| format!("store:{i}"));
        let label = facts.labels.get(i).cloned().unwrap_or_default();
        match by_medium.iter_mut().find(|(k, _)| *k == m) {
            Some((_, v)) => v.push(label),
            None => by_medium.push((m, vec![label])),
        }
    }
    let held = by_medium.len();
    if held >= required as usize {
        return None;
    }
    let mut evidence = backup_evidence(facts, Some(newest), at);
    evidence.required_copies = Some(required);
    evidence.stores_on_one_medium = by_medium
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| v.len() > 1)
        .collect();
    let (shared_vi, shared_en) = if evidence.stores_on_one_medium.is_empty() {
        (String::new(), String::new())
    } else {
        let groups = evidence
            .stores_on_one_medium
            .iter()
            .map(|g| g.join(" + "))
            .collect::<Vec<_>>()
            .join("; ");
        (
            format!(
                " Các kho {groups} nằm trên cùng một thiết bị lưu trữ (cùng ổ đĩa, hoặc cùng một bucket), nên chỉ tính là một bản: một sự cố hay một lần xoá mất cả hai. Đặt một kho trên thiết bị khác (NAS, ổ ngoài, S3), hoặc ghi `medium = \"…\"` khác nhau cho các kho nếu chúng thật sự nằm trên thiết bị khác nhau."
            ),
            format!(
                " The stores {groups} are on one medium (one disk, or one bucket), so they count as one copy: one failure or one deletion loses both. Put a store on another medium (a NAS, an external disk, S3), or give them different `medium = \"…\"` if they really are on different media."
            ),
        )
    };
    // Configured media, not stores: two folders of one disk are one.
    let mut media: Vec<String> = (0..facts.labels.len())
        .map(|i| {
            facts
                .media
                .get(i)
                .cloned()
                .flatten()
                .unwrap_or_else(|| format!("store:{i}"))
        })
        .collect();
    media.sort();
    media.dedup();
    let fewer_stores = media.len() < required as usize;
    let (todo_vi, todo_en) = if fewer_stores {
        (
            format!(
                "Cấu hình chỉ có {} kho trên {} thiết bị: thêm [[store]] trên một thiết bị lưu trữ độc lập rồi chạy `eqvault sync`.",
                facts.labels.len(),
                media.len()
            ),
            format!(
                "Only {} store(s) on {} medium/media are configured: add a [[store]] on an independent medium, then run `eqvault sync`.",
                facts.labels.len(),
                media.len()
            ),
        )
    } else {
        (
            "Chạy `eqvault sync` để chép bản sao lưu sang các kho còn thiếu.".to_string(),
            "Run `eqvault sync` to copy it to the stores that lack it.".to_string(),
        )
    };
    let unreachable_vi = if facts.unreachable.is_empty() {
        String::new()
    } else {
        format!(
            " Không truy cập được kho: {}.",
            evidence.stores_unreachable.join(", ")
        )
    };
    let unreachable_en = if facts.unreachable.is_empty() {
        String::new()
    } else {
        format!(
            " Stores that could not be read: {}.",
            evidence.stores_unreachable.join(", ")
        )
    };
    let message = Message {
        vi: format!(
            "Bản sao lưu gần nhất ({}, lúc {}) chỉ có {held}/{required} bản trên các kho lưu trữ độc lập (Thông tư 05/2025/TT-BNV, Điều 27 yêu cầu ít nhất {required} bản).{shared_vi}{unreachable_vi} {todo_vi}",
            newest.meta.id.as_str(),
            dmy_hm(&newest.meta.created_at),
        ),
        en: format!(
            "The newest backup ({}, {}) is held by {held} of the {required} independent stores required (Circular 05/2025/TT-BNV, Art. 27).{shared_en}{unreachable_en} {todo_en}",
            newest.meta.id.as_str(),
            newest.meta.created_at.to_rfc3339(),
        ),
    };
    Some(store_finding(
        Rule::BackupCopies,
        rules.severity(Rule::BackupCopies),
        message,
        Evidence::Backup(evidence),
    ))
}

/// `drill_overdue`: no restorable drill within the interval before `at`.
pub fn drill_overdue(facts: &StoreFacts, rules: &Rules, at: NaiveDate) -> Option<Finding> {
    let as_of = at;
    let interval = rules.drill_overdue.interval;
    let last = last_restorable_drill(facts, at);
    let due = last.map(|d| due_date(d.started_at, interval));
    if due.is_some_and(|due| due >= as_of) {
        return None;
    }
    let evidence = DrillEvidence {
        judged_at: at,
        last_drill_at: last.map(|d| d.started_at),
        last_drill_snapshot: last.map(|d| d.snapshot.clone()),
        last_drill_status: last.map(|d| format!("{:?}", d.status).to_lowercase()),
        interval: interval.to_string(),
        due,
    };
    let message = match (last, due) {
        (Some(d), Some(due)) => Message {
            vi: format!(
                "Lần diễn tập phục hồi thành công gần nhất là lúc {} (bản sao lưu {}), đã quá {} tính đến ngày {} (hạn diễn tập tiếp theo là {}). Chạy `eqvault drill` để chứng minh bản sao lưu phục hồi được.",
                dmy_hm(&d.started_at),
                d.snapshot,
                interval,
                dmy(as_of),
                dmy(due)
            ),
            en: format!(
                "The last restorable drill was on {} (snapshot {}), more than {} before {} (the next was due by {}). Run `eqvault drill` to prove the backups restore.",
                d.started_at.to_rfc3339(),
                d.snapshot,
                interval,
                en_date(as_of),
                en_date(due)
            ),
        },
        _ => Message {
            vi: format!(
                "Chưa có lần diễn tập phục hồi thành công nào tính đến ngày {}. Chạy `eqvault drill` để chứng minh bản sao lưu phục hồi được (mỗi quý một lần).",
                dmy(as_of)
            ),
            en: format!(
                "No restorable restore drill as of {}. Run `eqvault drill` to prove the backups restore (once a quarter).",
                en_date(as_of)
            ),
        },
    };
    Some(store_finding(
        Rule::DrillOverdue,
        rules.severity(Rule::DrillOverdue),
        message,
        Evidence::Drill(evidence),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Metadata, SnapshotId};
    use crate::policy::Policies;

    fn rules() -> Rules {
        Policies::built_in().unwrap().rules
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn snapshot(created: &str, stores: Vec<usize>) -> SnapshotView {
        let created_at = at(created);
        let id = SnapshotId::new(created_at.to_utc());
        let meta = Metadata {
            format_version: 1,
            object: format!("snapshots/{}.eqv", id.as_str()),
            id,
            created_at,
            object_bytes: 1,
            object_sha256: String::new(),
            database_bytes: 1,
            recipients: Vec::new(),
            row_counts: Default::default(),
            tool_version: String::new(),
            vault: None,
            schema_sha256: None,
            suspect: None,
        };
        SnapshotView { meta, stores }
    }

    fn facts(snapshots: Vec<SnapshotView>) -> StoreFacts {
        StoreFacts {
            labels: vec!["/nas/a".into(), "s3://b/p".into()],
            snapshots,
            ..StoreFacts::default()
        }
    }

    /// Issue 14: with no backup, the two-copy rule was silent and a report
    /// said "not assessed" although the requirement applied.
    #[test]
    fn no_backup_at_all_is_overdue_and_short_of_copies() {
        let f = facts(Vec::new());
        let found = backup_overdue(&f, &rules(), d(2025, 6, 1)).unwrap();
        assert_eq!(found.rule, Rule::BackupOverdue);
        assert!(
            found.message.vi.contains("01/06/2025"),
            "{}",
            found.message.vi
        );
        let copies = backup_copies(&f, &rules(), d(2025, 6, 1)).unwrap();
        let Evidence::Backup(e) = &copies.evidence else {
            panic!()
        };
        assert_eq!(
            (e.newest_snapshot.as_deref(), e.required_copies),
            (None, Some(2))
        );
        assert_eq!(e.judged_at, d(2025, 6, 1));
    }

    /// Issue 14: a report of 2025-2026 made in December 2026 was "met" on the
    /// strength of backups made in December 2026.
    #[test]
    fn a_backup_made_after_the_day_judged_proves_nothing_about_it() {
        let f = facts(vec![snapshot("2026-12-02T09:00:00+07:00", vec![0, 1])]);
        let end = d(2026, 5, 31);
        assert!(backup_overdue(&f, &rules(), end).is_some());
        assert!(backup_copies(&f, &rules(), end).is_some());
        assert!(newest_at(&f, end).is_none());
        assert!(backup_overdue(&f, &rules(), d(2026, 12, 2)).is_none());
    }

    #[test]
    fn three_calendar_months_then_overdue_from_the_next_day() {
        let f = facts(vec![snapshot("2025-02-28T23:30:00+07:00", vec![0, 1])]);
        // 28 Feb + 3 months = 28 May: still in time that day, overdue the next.
        assert!(backup_overdue(&f, &rules(), d(2025, 5, 28)).is_none());
        let found = backup_overdue(&f, &rules(), d(2025, 5, 29)).unwrap();
        let Evidence::Backup(e) = &found.evidence else {
            panic!()
        };
        assert_eq!(e.due, Some(d(2025, 5, 28)));
        assert_eq!(e.interval.as_deref(), Some("3months"));
        // A snapshot taken after --as-of did not exist then.
        assert!(backup_overdue(&f, &rules(), d(2025, 2, 27)).is_some());
    }

    #[test]
    fn the_newest_snapshot_needs_two_stores() {
        let f = facts(vec![
            snapshot("2025-03-01T10:00:00+07:00", vec![0]),
            snapshot("2025-02-01T10:00:00+07:00", vec![0, 1]),
        ]);
        let found = backup_copies(&f, &rules(), d(2025, 3, 2)).unwrap();
        let Evidence::Backup(e) = &found.evidence else {
            panic!()
        };
        assert_eq!(e.stores_holding, vec!["/nas/a".to_string()]);
        assert_eq!(e.required_copies, Some(2));
        assert!(found.message.vi.contains("1/2"), "{}", found.message.vi);
        // As of before the newer one existed, the older one had both copies.
        assert!(backup_copies(&f, &rules(), d(2025, 2, 15)).is_none());
    }

    #[test]
    fn only_restorable_drills_count() {
        let record = |started: &str, status: Status| DrillRecord {
            format_version: 1,
            id: format!("drill-{started}"),
            status,
            snapshot: "s1".into(),
            store: "/nas/a".into(),
            started_at: at(started),
            seconds: 1.0,
            phases: crate::ops::drill::Phases {
                download: 0.0,
                decrypt_decompress: 0.0,
                checks: 0.0,
            },
            target_seconds: 1800,
            object_bytes: 1,
            database_bytes: 1,
            checks: Vec::new(),
            reason: None,
            tool_version: String::new(),
            vault: None,
        };
        let mut f = facts(Vec::new());
        assert!(drill_overdue(&f, &rules(), d(2025, 1, 1)).is_some());
        f.drills = vec![
            record("2025-01-10T04:00:00+07:00", Status::Success),
            record("2025-03-10T04:00:00+07:00", Status::Failed),
        ];
        assert!(drill_overdue(&f, &rules(), d(2025, 4, 10)).is_none());
        let found = drill_overdue(&f, &rules(), d(2025, 4, 11)).unwrap();
        let Evidence::Drill(e) = &found.evidence else {
            panic!()
        };
        assert_eq!(e.due, Some(d(2025, 4, 10)));
        assert_eq!(e.last_drill_status.as_deref(), Some("success"));
    }
}
