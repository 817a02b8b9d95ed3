//! `deleted_identifier` from the database alone (Art. 6, DOMAIN.md §5).
//!
//! An equipment id named by `equipment_changes` that `equipment` no longer
//! has was deleted: the change log has no foreign key on purpose, so it
//! survives the (forbidden) delete. Identifiers that vanished between
//! snapshots, and renamed ones (`changed_identifier`), need the identifier
//! history of earlier backups; those findings use the same [`Finding`] with
//! `evidence.source = "ledger"` and the snapshots the id was seen in.
//!
//! Semantics chosen where DOMAIN.md is silent: a deletion is a standing
//! fault of the database as it is now, so `--from/--to` do not narrow it;
//! the school is the one named by the id's latest change row.

use super::finding::{ChangeRef, DeletedEvidence, Evidence, Finding, Message};
use super::text::{change_kind_vi, dmy, school_en, school_vi};
use super::{Rule, Severity};

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

/// The finding for an equipment id that vanished from `equipment`.
pub fn deleted_equipment(
    v: &VanishedEquipment,
    school_name: Option<&str>,
    severity: Severity,
) -> Finding {
    let last = &v.last;
    let message = Message {
        vi: format!(
            "{}: mã thiết bị {} có {} dòng trong nhật ký thay đổi (gần nhất: số {}, {} ngày {}) nhưng không còn trong bảng thiết bị, tức là mã định danh đã bị xoá. Mã định danh không được xoá hay thay đổi (Điều 6 QĐ 146/QĐ-GDĐT): khôi phục bản ghi thiết bị (từ bản sao lưu) và dùng tình trạng \"disposed\" (thanh lý) thay cho việc xoá.",
            school_vi(&v.school_id, school_name),
            v.equipment_id,
            v.change_count,
            last.change_id,
            change_kind_vi(&last.kind),
            vi_date(&last.occurred_on),
        ),
        en: format!(
            "{}: equipment id {} has {} change-log row(s) (latest: {}, {} on {}) but is no longer in the equipment table: the identifier was deleted. Identifiers are never deleted or changed (Art. 6): restore the equipment row (from a backup) and use condition \"disposed\" instead of deleting.",
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
        severity,
        school_id: Some(v.school_id.clone()),
        change_id: None,
        equipment_id: Some(v.equipment_id.clone()),
        period: None,
        subject: Some(v.equipment_id.clone()),
        message,
        evidence: Evidence::Deleted(DeletedEvidence {
            table: "equipment".into(),
            source: "equipment_changes".into(),
            change_ids: Some(v.change_ids.clone()),
            change_count: Some(v.change_count),
            last_seen_change: Some(v.last.clone()),
            first_seen_snapshot: None,
            last_seen_snapshot: None,
        }),
    }
}

/// A stored date as dd/mm/yyyy, or as stored when it cannot be read.
fn vi_date(text: &str) -> String {
    crate::calendar::local_date(text)
        .map(dmy)
        .unwrap_or_else(|_| text.to_string())
}
