//! The words findings are written in: dates, schools and positions in Vietnamese and English.

use chrono::{Datelike, NaiveDate, Weekday};

/// `14/02/2025`: how Vietnamese text writes a date.
pub(crate) fn dmy(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// `14 Feb 2025`: unambiguous for English readers.
pub(crate) fn en_date(date: NaiveDate) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {}",
        date.day(),
        NAMES[date.month0() as usize],
        date.year()
    )
}

/// `Thứ Hai` … `Chủ nhật`.
pub(crate) fn weekday_vi(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Mon => "Thứ Hai",
        Weekday::Tue => "Thứ Ba",
        Weekday::Wed => "Thứ Tư",
        Weekday::Thu => "Thứ Năm",
        Weekday::Fri => "Thứ Sáu",
        Weekday::Sat => "Thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

/// "Trường THCS A (mã 79761003)", or a plain id when the school is unknown.
pub(crate) fn school_vi(id: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} (mã {id})"),
        None => format!("Đơn vị mã {id} (không có trong bảng schools)"),
    }
}

/// "Trường THCS A (id 79761003)".
pub(crate) fn school_en(id: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{name} (id {id})"),
        None => format!("School {id} (not in the schools table)"),
    }
}

/// A `staff.position` in Vietnamese.
pub(crate) fn position_vi(position: &str) -> &str {
    match position {
        "principal" => "Hiệu trưởng",
        "vice_principal" => "Phó Hiệu trưởng",
        "teacher" => "giáo viên",
        "equipment_officer" => "nhân viên thiết bị",
        "staff" => "nhân viên",
        other => other,
    }
}

/// A `staff.position` in English.
pub(crate) fn position_en(position: &str) -> &str {
    match position {
        "principal" => "principal",
        "vice_principal" => "vice principal",
        "teacher" => "teacher",
        "equipment_officer" => "equipment officer",
        "staff" => "staff member",
        other => other,
    }
}

/// A `staff.status` other than `working`, in Vietnamese.
pub(crate) fn staff_status_vi(status: &str) -> &str {
    match status {
        "transferred" => "đã chuyển công tác",
        "suspended" => "đang bị đình chỉ",
        "resigned" => "đã nghỉ việc",
        other => other,
    }
}

/// A `staff.status` other than `working`, in English.
pub(crate) fn staff_status_en(status: &str) -> &str {
    match status {
        "transferred" => "transferred",
        "suspended" => "suspended",
        "resigned" => "resigned",
        other => other,
    }
}

/// An `equipment_changes.kind` in Vietnamese.
pub(crate) fn change_kind_vi(kind: &str) -> &str {
    match kind {
        "acquired" => "bổ sung mới",
        "condition_changed" => "thay đổi tình trạng",
        "relocated" => "chuyển vị trí",
        "quantity_changed" => "thay đổi số lượng",
        "disposed" => "thanh lý",
        "corrected" => "điều chỉnh",
        other => other,
    }
}

/// " (năm 2027 dùng lịch nghỉ đề xuất, hạn này là tạm tính)" when `years` is not empty.
pub(crate) fn provisional_vi(years: &[i32]) -> String {
    if years.is_empty() {
        return String::new();
    }
    format!(
        " (năm {} chưa có lịch nghỉ chính thức, hạn được tính theo lịch đề xuất nên là tạm tính)",
        join(years)
    )
}

/// English of [`provisional_vi`].
pub(crate) fn provisional_en(years: &[i32]) -> String {
    if years.is_empty() {
        return String::new();
    }
    format!(
        " (no published holiday schedule for {}: the deadline uses the proposed one and is provisional)",
        join(years)
    )
}

fn join(years: &[i32]) -> String {
    years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally_in_each_language() {
        let d = NaiveDate::from_ymd_opt(2025, 2, 4).unwrap();
        assert_eq!(dmy(d), "04/02/2025");
        assert_eq!(en_date(d), "4 Feb 2025");
    }
}
