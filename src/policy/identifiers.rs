//! `deleted_identifier` and `changed_identifier` (Art. 6, DOMAIN.md §5).
//!
//! Two sources of evidence:
//! - The database alone: an equipment id named by `equipment_changes` that
//!   `equipment` no longer has was deleted (the change log has no foreign key
//!   on purpose, so it survives the forbidden delete).
//! - The identifier ledger of earlier backups ([`crate::ledger`]): every
//!   school, staff and equipment id a backup saw and that the database no
//!   longer has, with the first and last snapshot it was seen in; one whose
//!   row reappears under a new code with the same fingerprint was renamed
//!   (`changed_identifier`, with both codes, besides `deleted_identifier`).
//!   An id found both ways gives one finding carrying both evidences.
//!   A rename is one-to-one: when several vanished ids, or several new ones,
//!   share a fingerprint, none is paired; each is a deletion whose evidence
//!   names the candidates (`rename_candidates`).
//!
//! Semantics chosen where DOMAIN.md is silent: a deletion is a standing
//! fault of the database as it is now, so `--from/--to` and `--as-of` do not
//! narrow it; the school is the one named by the id's latest change row (or
//! the ledger). Status changes (`inactive`, `transferred`, `resigned`,
//! `disposed`) keep the row and are never findings.

use super::finding::{
    ChangeRef, ChangedEvidence, DeletedEvidence, Evidence, Finding, Message, ReusedEvidence,
};
use super::text::{change_kind_vi, dmy, school_en, school_vi};
use super::{Rule, Severity};
use crate::ledger::{Entry, Kind};

/// An equipment id the change log names and the equipment table lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VanishedEquipment {
    /// The id.
    pub equipment_id: String,
    /// The school of its latest change row.
    pub school_id: String,
    /// Its change rows' ids, oldest first (at most [`DeletedEvidence::MAX_IDS`]).
    pub change_ids: Vec<i64>,
    /// How many change rows name it.
    pub change_count: u64,
    /// Its latest change row.
    pub last: ChangeRef,
}

/// The finding for an equipment id that vanished from `equipment`, with
/// what the ledger knows of it when it knows it.
pub fn deleted_equipment(
    v: &VanishedEquipment,
    ledger: Option<&Entry>,
    candidates: &[String],
    school_name: Option<&str>,
    severity: Severity,
) -> Finding {
    let last = &v.last;
    let (cand_vi, cand_en) = candidates_note(candidates);
    let message = Message {
        vi: format!(
            "{}: mã thiết bị {} có {} dòng trong nhật ký thay đổi (gần nhất: số {}, {} ngày {}) nhưng không còn trong bảng thiết bị, tức là mã định danh đã bị xoá.{cand_vi} Mã định danh không được xoá hay thay đổi (Điều 6 QĐ 146/QĐ-GDĐT): khôi phục bản ghi thiết bị (từ bản sao lưu) và dùng tình trạng \"disposed\" (thanh lý) thay cho việc xoá.",
            school_vi(&v.school_id, school_name),
            v.equipment_id,
            v.change_count,
            last.change_id,
            change_kind_vi(&last.kind),
            vi_date(&last.occurred_on),
        ),
        en: format!(
            "{}: equipment id {} has {} change-log row(s) (latest: {}, {} on {}) but is no longer in the equipment table: the identifier was deleted.{cand_en} Identifiers are never deleted or changed (Art. 6): restore the equipment row (from a backup) and use condition \"disposed\" instead of deleting.",
            school_en(&v.school_id, school_name),
            v.equipment_id,
            v.change_count,
            last.change_id,
            last.kind,
            last.occurred_on,
        ),
    };
    Finding {
        rule: Rule::DeletedIdentifier,
        provisional: false,
        severity,
        school_id: Some(v.school_id.clone()),
        change_id: None,
        equipment_id: Some(v.equipment_id.clone()),
        period: None,
        subject: Some(v.equipment_id.clone()),
        message,
        evidence: Evidence::Deleted(DeletedEvidence {
            table: "equipment".into(),
            source: if ledger.is_some() {
                "equipment_changes+ledger".into()
            } else {
                "equipment_changes".into()
            },
            change_ids: Some(v.change_ids.clone()),
            change_count: Some(v.change_count),
            last_seen_change: Some(v.last.clone()),
            first_seen_snapshot: ledger.map(|e| e.first_snapshot.clone()),
            last_seen_snapshot: ledger.map(|e| e.last_snapshot.clone()),
            rename_candidates: candidates.to_vec(),
        }),
    }
}

/// " Its row matches TB199, TB198: …" when a rename could not be paired one-to-one.
fn candidates_note(candidates: &[String]) -> (String, String) {
    if candidates.is_empty() {
        return (String::new(), String::new());
    }
    let list = candidates.join(", ");
    (
        format!(
            " Nội dung bản ghi trùng với mã mới {list}, nhưng không ghép được một-một (nhiều mã cùng nội dung), nên được báo là bị xoá, không phải đổi mã."
        ),
        format!(
            " Its row matches the new id(s) {list}, but not one-to-one (several ids share the same row), so it is reported as deleted, not as renamed."
        ),
    )
}

fn kind_vi(kind: Kind) -> &'static str {
    match kind {
        Kind::Schools => "trường",
        Kind::Staff => "cán bộ",
        Kind::Equipment => "thiết bị",
    }
}

fn kind_en(kind: Kind) -> &'static str {
    match kind {
        Kind::Schools => "school",
        Kind::Staff => "staff",
        Kind::Equipment => "equipment",
    }
}

fn lawful_way_vi(kind: Kind) -> &'static str {
    match kind {
        Kind::Schools => "chuyển trạng thái trường sang \"inactive\"",
        Kind::Staff => "chuyển trạng thái cán bộ sang \"transferred\" hoặc \"resigned\"",
        Kind::Equipment => "dùng tình trạng \"disposed\" (thanh lý)",
    }
}

fn lawful_way_en(kind: Kind) -> &'static str {
    match kind {
        Kind::Schools => "set the school's status to \"inactive\"",
        Kind::Staff => "set the staff member's status to \"transferred\" or \"resigned\"",
        Kind::Equipment => "set the item's condition to \"disposed\"",
    }
}

/// The finding for an identifier the ledger saw and the database lacks.
pub fn deleted_from_ledger(
    e: &Entry,
    candidates: &[String],
    school_name: Option<&str>,
    severity: Severity,
) -> Finding {
    let (cand_vi, cand_en) = candidates_note(candidates);
    let kind = e.ident.kind;
    let id = &e.ident.id;
    let school = &e.ident.school_id;
    let seen_vi = e.last_seen.format("%H:%M %d/%m/%Y");
    let message = Message {
        vi: format!(
            "{}: mã {} {id} có trong các bản sao lưu từ {} đến {} (lần cuối lúc {seen_vi}) nhưng không còn trong cơ sở dữ liệu: mã định danh đã bị xoá.{cand_vi} Mã định danh không được xoá hay thay đổi (Điều 6 QĐ 146/QĐ-GDĐT): khôi phục bản ghi từ bản sao lưu {} và {} thay cho việc xoá.",
            school_vi(school, school_name),
            kind_vi(kind),
            e.first_snapshot,
            e.last_snapshot,
            e.last_snapshot,
            lawful_way_vi(kind),
        ),
        en: format!(
            "{}: {} id {id} was in the backups from {} to {} (last seen {}) but is no longer in the database: the identifier was deleted.{cand_en} Identifiers are never deleted or changed (Art. 6): restore the row from backup {} and {} instead of deleting.",
            school_en(school, school_name),
            kind_en(kind),
            e.first_snapshot,
            e.last_snapshot,
            e.last_seen.to_rfc3339(),
            e.last_snapshot,
            lawful_way_en(kind),
        ),
    };
    Finding {
        rule: Rule::DeletedIdentifier,
        provisional: false,
        severity,
        school_id: Some(school.clone()),
        change_id: None,
        equipment_id: (kind == Kind::Equipment).then(|| id.clone()),
        period: None,
        subject: Some(id.clone()),
        message,
        evidence: Evidence::Deleted(DeletedEvidence {
            table: kind.table().into(),
            source: "ledger".into(),
            change_ids: None,
            change_count: None,
            last_seen_change: None,
            first_seen_snapshot: Some(e.first_snapshot.clone()),
            last_seen_snapshot: Some(e.last_snapshot.clone()),
            rename_candidates: candidates.to_vec(),
        }),
    }
}

/// The finding for an identifier whose row now carries another code: one
/// finding for the rename, with the change-log rows that still name the old
/// code (`log`) when there are any (they are no deletion of their own).
pub fn changed(
    e: &Entry,
    new_id: &str,
    log: Option<&VanishedEquipment>,
    school_name: Option<&str>,
    severity: Severity,
) -> Finding {
    let kind = e.ident.kind;
    let old = &e.ident.id;
    let school = &e.ident.school_id;
    let (log_vi, log_en) = match log {
        Some(v) => (
            format!(
                " Nhật ký thay đổi còn {} dòng mang mã cũ (gần nhất: số {}).",
                v.change_count, v.last.change_id
            ),
            format!(
                " The change log still has {} row(s) under the old id (latest: {}).",
                v.change_count, v.last.change_id
            ),
        ),
        None => (String::new(), String::new()),
    };
    let message = Message {
        vi: format!(
            "{}: mã {} {old} đã bị đổi thành {new_id} (bản ghi giữ nguyên nội dung; mã cũ có lần cuối trong bản sao lưu {}).{log_vi} Mã định danh được cấp một lần và không được thay đổi (Điều 6 QĐ 146/QĐ-GDĐT): khôi phục mã {old}.",
            school_vi(school, school_name),
            kind_vi(kind),
            e.last_snapshot,
        ),
        en: format!(
            "{}: {} id {old} was changed to {new_id} (the rest of the row is the same; the old id was last in backup {}).{log_en} Identifiers are issued once and never changed (Art. 6): restore {old}.",
            school_en(school, school_name),
            kind_en(kind),
            e.last_snapshot,
        ),
    };
    Finding {
        rule: Rule::ChangedIdentifier,
        provisional: false,
        severity,
        school_id: Some(school.clone()),
        change_id: None,
        equipment_id: (kind == Kind::Equipment).then(|| new_id.to_string()),
        period: None,
        subject: Some(old.clone()),
        message,
        evidence: Evidence::Changed(ChangedEvidence {
            table: kind.table().into(),
            old_id: old.clone(),
            new_id: new_id.to_string(),
            last_seen_snapshot: Some(e.last_snapshot.clone()),
            change_count: log.map(|v| v.change_count),
            last_seen_change: log.map(|v| v.last.clone()),
        }),
    }
}

/// An equipment code whose change-log rows name another school than the item
/// that carries it now (from the change log alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReusedInLog {
    /// The code.
    pub equipment_id: String,
    /// The school of the item that carries it now.
    pub school_now: String,
    /// The school its earlier change rows name.
    pub earlier_school: String,
    /// How many rows name it there.
    pub change_count: u64,
    /// The latest of them.
    pub last: ChangeRef,
}

/// The finding for a code issued again to an item of another school: what the
/// ledger knew of the earlier item (`ledger`), and what the change log says
/// (`log`); at least one of them.
pub fn reused(
    id: &str,
    school_now: &str,
    ledger: Option<&Entry>,
    log: Option<&ReusedInLog>,
    names: &dyn Fn(&str) -> Option<String>,
    severity: Severity,
) -> Finding {
    let earlier = ledger
        .map(|e| e.ident.school_id.clone())
        .or_else(|| log.map(|l| l.earlier_school.clone()))
        .unwrap_or_default();
    let earlier_vi = school_vi(&earlier, names(&earlier).as_deref());
    let earlier_en = school_en(&earlier, names(&earlier).as_deref());
    let mut seen_vi = Vec::new();
    let mut seen_en = Vec::new();
    if let Some(e) = ledger {
        seen_vi.push(format!(
            "có trong các bản sao lưu từ {} đến {}",
            e.first_snapshot, e.last_snapshot
        ));
        seen_en.push(format!(
            "in the backups from {} to {}",
            e.first_snapshot, e.last_snapshot
        ));
    }
    if let Some(l) = log {
        seen_vi.push(format!(
            "{} dòng nhật ký thay đổi ở trường đó (gần nhất: số {}, {} ngày {})",
            l.change_count,
            l.last.change_id,
            change_kind_vi(&l.last.kind),
            vi_date(&l.last.occurred_on)
        ));
        seen_en.push(format!(
            "{} change-log row(s) at that school (latest: {}, {} on {})",
            l.change_count, l.last.change_id, l.last.kind, l.last.occurred_on
        ));
    }
    let message = Message {
        vi: format!(
            "{}: mã thiết bị {id} đang mang một thiết bị khác; mã này đã được cấp cho một thiết bị của {earlier_vi} ({}). Mã định danh được cấp một lần, không được cấp lại (Điều 6 QĐ 146/QĐ-GDĐT): cấp mã mới cho thiết bị mới và khôi phục bản ghi cũ của mã {id} từ bản sao lưu.",
            school_vi(school_now, names(school_now).as_deref()),
            seen_vi.join("; "),
        ),
        en: format!(
            "{}: equipment id {id} now names another item; it was issued to an item of {earlier_en} ({}). Identifiers are issued once and never re-issued (Art. 6.2): give the new item a new id and restore the earlier item under {id} from a backup.",
            school_en(school_now, names(school_now).as_deref()),
            seen_en.join("; "),
        ),
    };
    let mut sources = Vec::new();
    if ledger.is_some() {
        sources.push("ledger".to_string());
    }
    if log.is_some() {
        sources.push("equipment_changes".to_string());
    }
    Finding {
        rule: Rule::ReusedIdentifier,
        provisional: false,
        severity,
        school_id: Some(school_now.to_string()),
        change_id: None,
        equipment_id: Some(id.to_string()),
        period: None,
        subject: Some(id.to_string()),
        message,
        evidence: Evidence::Reused(ReusedEvidence {
            table: "equipment".into(),
            id: id.to_string(),
            earlier_school_id: earlier,
            school_id_now: school_now.to_string(),
            sources,
            first_seen_snapshot: ledger.map(|e| e.first_snapshot.clone()),
            last_seen_snapshot: ledger.map(|e| e.last_snapshot.clone()),
            change_count: log.map(|l| l.change_count),
            last_seen_change: log.map(|l| l.last.clone()),
        }),
    }
}

/// A stored date as dd/mm/yyyy, or as stored when it cannot be read.
fn vi_date(text: &str) -> String {
    crate::calendar::local_date(text)
        .map(dmy)
        .unwrap_or_else(|_| text.to_string())
}
