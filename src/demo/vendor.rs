//! `demo --schema vendor`: the demo database in another, Vietnamese-named schema, with the mapping back.
//!
//! The reference demo is generated as usual, then converted with SQL
//! (`ATTACH` + `INSERT … SELECT`): tables and columns renamed, codes written
//! as Vietnamese words, dates as `dd/mm/yyyy`, timestamps as `dd/mm/yyyy
//! HH:MM:SS` (local time), months as `mm/yyyy`. [`mapping`] is the mapping
//! file that reads it as the reference schema again. Both directions are
//! written from the one table of renames and codes below, so they cannot
//! drift apart; a value the conversion does not know (an odd code, a date in
//! another form) is kept as it is both ways, so the converted database says
//! exactly what the original says.

use std::path::Path;

use rusqlite::Connection;

/// A column: its reference name, its vendor name, and how its values are written.
struct Col {
    reference: &'static str,
    vendor: &'static str,
    form: Form,
}

#[derive(Clone, Copy)]
enum Form {
    Same,
    Date,
    Timestamp,
    Month,
    Codes(&'static [(&'static str, &'static str)]),
}

const fn col(reference: &'static str, vendor: &'static str, form: Form) -> Col {
    Col {
        reference,
        vendor,
        form,
    }
}

const LEVEL: &[(&str, &str)] = &[
    ("mam_non", "Mầm non"),
    ("tieu_hoc", "Tiểu học"),
    ("thcs", "Trung học cơ sở"),
    ("tieu_hoc_thcs", "Tiểu học và Trung học cơ sở"),
];
const OWNERSHIP: &[(&str, &str)] = &[("cong_lap", "Công lập"), ("tu_thuc", "Tư thục")];
const SCHOOL_STATUS: &[(&str, &str)] = &[
    ("active", "Đang hoạt động"),
    ("inactive", "Ngừng hoạt động"),
];
const POSITION: &[(&str, &str)] = &[
    ("principal", "Hiệu trưởng"),
    ("vice_principal", "Phó hiệu trưởng"),
    ("teacher", "Giáo viên"),
    ("equipment_officer", "Nhân viên thiết bị"),
    ("staff", "Nhân viên"),
];
const STAFF_STATUS: &[(&str, &str)] = &[
    ("working", "Đang công tác"),
    ("transferred", "Chuyển công tác"),
    ("suspended", "Tạm nghỉ"),
    ("resigned", "Nghỉ việc"),
];
const CONDITION: &[(&str, &str)] = &[
    ("good", "Tốt"),
    ("damaged", "Hư hỏng"),
    ("awaiting_disposal", "Chờ thanh lý"),
    ("disposed", "Đã thanh lý"),
];
const KIND: &[(&str, &str)] = &[
    ("acquired", "Nhập mới"),
    ("condition_changed", "Thay đổi tình trạng"),
    ("relocated", "Điều chuyển"),
    ("quantity_changed", "Thay đổi số lượng"),
    ("disposed", "Thanh lý"),
    ("corrected", "Hiệu chỉnh"),
];

/// A table: reference name, vendor name, the vendor DDL's key clause, and columns.
struct Table {
    reference: &'static str,
    vendor: &'static str,
    columns: &'static [Col],
}

const TABLES: &[Table] = &[
    Table {
        reference: "schools",
        vendor: "dm_truong",
        columns: &[
            col("school_id", "ma_truong", Form::Same),
            col("name", "ten_truong", Form::Same),
            col("level", "cap_hoc", Form::Codes(LEVEL)),
            col("ownership", "loai_hinh", Form::Codes(OWNERSHIP)),
            col("status", "trang_thai", Form::Codes(SCHOOL_STATUS)),
            col("status_changed_on", "ngay_doi_trang_thai", Form::Date),
            col("created_at", "ngay_tao", Form::Timestamp),
        ],
    },
    Table {
        reference: "staff",
        vendor: "can_bo",
        columns: &[
            col("staff_id", "ma_can_bo", Form::Same),
            col("school_id", "ma_truong", Form::Same),
            col("full_name", "ho_ten", Form::Same),
            col("position", "chuc_vu", Form::Codes(POSITION)),
            col("status", "tinh_trang", Form::Codes(STAFF_STATUS)),
            col("status_changed_on", "ngay_doi_tinh_trang", Form::Date),
        ],
    },
    Table {
        reference: "equipment",
        vendor: "thiet_bi",
        columns: &[
            col("equipment_id", "ma_thiet_bi", Form::Same),
            col("school_id", "ma_truong", Form::Same),
            col("catalog_code", "ma_danh_muc", Form::Same),
            col("name", "ten_thiet_bi", Form::Same),
            col("subject", "mon_hoc", Form::Same),
            col("grade", "khoi_lop", Form::Same),
            col("unit", "don_vi_tinh", Form::Same),
            col("quantity", "so_luong", Form::Same),
            col("source", "nguon_cap", Form::Same),
            col("year_in_use", "nam_su_dung", Form::Same),
            col("location", "vi_tri", Form::Same),
            col("condition", "tinh_trang", Form::Codes(CONDITION)),
            col("created_at", "ngay_tao", Form::Timestamp),
            col("updated_at", "ngay_cap_nhat", Form::Timestamp),
        ],
    },
    Table {
        reference: "equipment_changes",
        vendor: "nhat_ky_thay_doi",
        columns: &[
            col("change_id", "so_phieu", Form::Same),
            col("equipment_id", "ma_thiet_bi", Form::Same),
            col("school_id", "ma_truong", Form::Same),
            col("kind", "loai_thay_doi", Form::Codes(KIND)),
            col("occurred_on", "ngay_phat_sinh", Form::Date),
            col("recorded_at", "thoi_diem_nhap", Form::Timestamp),
            col("recorded_by", "nguoi_nhap", Form::Same),
        ],
    },
    Table {
        reference: "monthly_approvals",
        vendor: "duyet_hang_thang",
        columns: &[
            col("school_id", "ma_truong", Form::Same),
            col("period", "thang", Form::Month),
            col("approved_by", "nguoi_duyet", Form::Same),
            col("approved_at", "thoi_diem_duyet", Form::Timestamp),
        ],
    },
    Table {
        reference: "equipment_usage",
        vendor: "so_theo_doi_su_dung",
        columns: &[
            col("usage_id", "so_dong", Form::Same),
            col("equipment_id", "ma_thiet_bi", Form::Same),
            col("school_id", "ma_truong", Form::Same),
            col("staff_id", "ma_can_bo", Form::Same),
            col("class_name", "lop", Form::Same),
            col("used_on", "ngay_su_dung", Form::Date),
            col("lesson_periods", "so_tiet", Form::Same),
        ],
    },
];

/// The vendor tables, as the "city system" declares them (keys and indexes
/// of its own, over its own columns).
const DDL: &str = "
CREATE TABLE dm_truong (ma_truong TEXT PRIMARY KEY, ten_truong TEXT NOT NULL, cap_hoc TEXT NOT NULL,
    loai_hinh TEXT NOT NULL, trang_thai TEXT NOT NULL, ngay_doi_trang_thai TEXT, ngay_tao TEXT NOT NULL);
CREATE TABLE can_bo (ma_can_bo TEXT PRIMARY KEY, ma_truong TEXT NOT NULL, ho_ten TEXT NOT NULL,
    chuc_vu TEXT NOT NULL, tinh_trang TEXT NOT NULL, ngay_doi_tinh_trang TEXT);
CREATE TABLE thiet_bi (ma_thiet_bi TEXT PRIMARY KEY, ma_truong TEXT NOT NULL, ma_danh_muc TEXT,
    ten_thiet_bi TEXT NOT NULL, mon_hoc TEXT, khoi_lop INTEGER, don_vi_tinh TEXT, so_luong INTEGER NOT NULL,
    nguon_cap TEXT, nam_su_dung INTEGER, vi_tri TEXT, tinh_trang TEXT NOT NULL, ngay_tao TEXT NOT NULL,
    ngay_cap_nhat TEXT NOT NULL);
CREATE TABLE nhat_ky_thay_doi (so_phieu INTEGER PRIMARY KEY, ma_thiet_bi TEXT NOT NULL, ma_truong TEXT NOT NULL,
    loai_thay_doi TEXT NOT NULL, ngay_phat_sinh TEXT NOT NULL, thoi_diem_nhap TEXT NOT NULL, nguoi_nhap TEXT);
CREATE TABLE duyet_hang_thang (ma_truong TEXT NOT NULL, thang TEXT NOT NULL, nguoi_duyet TEXT NOT NULL,
    thoi_diem_duyet TEXT NOT NULL, PRIMARY KEY (ma_truong, thang));
CREATE TABLE so_theo_doi_su_dung (so_dong INTEGER PRIMARY KEY, ma_thiet_bi TEXT NOT NULL, ma_truong TEXT NOT NULL,
    ma_can_bo TEXT, lop TEXT, ngay_su_dung TEXT NOT NULL, so_tiet INTEGER NOT NULL);
";

const INDEXES: &str = "
CREATE INDEX thiet_bi_truong ON thiet_bi (ma_truong);
CREATE INDEX nhat_ky_thiet_bi ON nhat_ky_thay_doi (ma_thiet_bi);
CREATE INDEX nhat_ky_truong ON nhat_ky_thay_doi (ma_truong, ngay_phat_sinh);
CREATE INDEX su_dung_truong ON so_theo_doi_su_dung (ma_truong, ngay_su_dung);
CREATE INDEX can_bo_truong ON can_bo (ma_truong);
";

const ISO_DAY: &str = "[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]";
const DMY: &str = "[0-3][0-9]/[01][0-9]/[12][0-9][0-9][0-9]";
const HMS: &str = "[0-2][0-9]:[0-5][0-9]:[0-5][0-9]";

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `x` in the vendor's form, from the reference's.
fn to_vendor(x: &str, form: Form) -> String {
    let dmy = |x: &str| {
        format!("substr({x}, 9, 2) || '/' || substr({x}, 6, 2) || '/' || substr({x}, 1, 4)")
    };
    match form {
        Form::Same => x.to_string(),
        Form::Date => format!(
            "CASE WHEN {x} GLOB '{ISO_DAY}' THEN {} ELSE {x} END",
            dmy(x)
        ),
        Form::Timestamp => format!(
            "CASE WHEN {x} GLOB '{ISO_DAY}T{HMS}+07:00' THEN {} || ' ' || substr({x}, 12, 8) ELSE {x} END",
            dmy(x)
        ),
        Form::Month => format!(
            "CASE WHEN {x} GLOB '[12][0-9][0-9][0-9]-[01][0-9]' THEN substr({x}, 6, 2) || '/' || substr({x}, 1, 4) ELSE {x} END"
        ),
        Form::Codes(codes) => codes_case(x, codes.iter().map(|(r, v)| (*r, *v))),
    }
}

/// `x` in the reference's form, from the vendor's.
fn to_reference(x: &str, form: Form) -> String {
    let iso = |x: &str| {
        format!("substr({x}, 7, 4) || '-' || substr({x}, 4, 2) || '-' || substr({x}, 1, 2)")
    };
    match form {
        Form::Same => x.to_string(),
        Form::Date => format!("CASE WHEN {x} GLOB '{DMY}' THEN {} ELSE {x} END", iso(x)),
        Form::Timestamp => format!(
            "CASE WHEN {x} GLOB '{DMY} {HMS}' THEN {} || 'T' || substr({x}, 12, 8) || '+07:00' ELSE {x} END",
            iso(x)
        ),
        Form::Month => format!(
            "CASE WHEN {x} GLOB '[01][0-9]/[12][0-9][0-9][0-9]' THEN substr({x}, 4, 4) || '-' || substr({x}, 1, 2) ELSE {x} END"
        ),
        Form::Codes(codes) => codes_case(x, codes.iter().map(|(r, v)| (*v, *r))),
    }
}

fn codes_case<'a>(x: &str, pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let whens: Vec<String> = pairs
        .map(|(from, to)| format!("WHEN {} THEN {}", lit(from), lit(to)))
        .collect();
    format!("CASE {x} {} ELSE {x} END", whens.join(" "))
}

/// The mapping file that reads the vendor database as the reference schema.
pub fn mapping() -> String {
    let mut s = String::from(
        "-- eqvault mapping: the demo's vendor schema (Vietnamese names, codes as words,\n\
         -- dates dd/mm/yyyy, timestamps dd/mm/yyyy HH:MM:SS in Vietnam time, months mm/yyyy)\n\
         -- read as the reference schema (schema/equipment.sql). Made by `eqvault demo --schema vendor`.\n",
    );
    for t in TABLES {
        s.push_str(&format!("\nCREATE VIEW {} AS SELECT\n", t.reference));
        let cols: Vec<String> = t
            .columns
            .iter()
            .map(|c| format!("    {} AS {}", to_reference(c.vendor, c.form), c.reference))
            .collect();
        s.push_str(&cols.join(",\n"));
        s.push_str(&format!("\nFROM {};\n", t.vendor));
    }
    s
}

/// Converts the reference-schema database `reference` into a new vendor-schema database `vendor`.
///
/// # Errors
/// SQLite errors (`vendor` must not hold these tables yet).
pub fn convert(reference: &Path, vendor: &Path) -> rusqlite::Result<()> {
    let c = Connection::open(vendor)?;
    c.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")?;
    // Our own freshly generated file: attached only to be read.
    c.execute(
        "ATTACH DATABASE ?1 AS ref",
        [reference.to_string_lossy().into_owned()],
    )?;
    let tx = c.unchecked_transaction()?;
    tx.execute_batch(DDL)?;
    for t in TABLES {
        let names: Vec<&str> = t.columns.iter().map(|c| c.vendor).collect();
        let values: Vec<String> = t
            .columns
            .iter()
            .map(|c| to_vendor(c.reference, c.form))
            .collect();
        tx.execute_batch(&format!(
            "INSERT INTO main.{} ({}) SELECT {} FROM ref.{}",
            t.vendor,
            names.join(", "),
            values.join(", "),
            t.reference
        ))?;
    }
    tx.execute_batch(INDEXES)?;
    tx.commit()?;
    c.execute_batch("DETACH DATABASE ref; PRAGMA journal_mode = DELETE;")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_mapping_gives_back_every_row_of_the_original() {
        let d = tempfile::tempdir().unwrap();
        let (r, v) = (d.path().join("ref.db"), d.path().join("vendor.db"));
        let c = Connection::open(&r).unwrap();
        c.execute_batch(crate::mapping::reference::SQL).unwrap();
        c.execute_batch("
            INSERT INTO schools VALUES ('79A', 'Trường A', 'thcs', 'cong_lap', 'inactive', '2025-06-01', '2020-09-01T08:00:00+07:00');
            INSERT INTO schools VALUES ('79B', 'Trường B', 'tieu_hoc', 'tu_thuc', 'active', NULL, '2020-09-01');
            INSERT INTO staff VALUES ('S1', '79A', 'Nguyễn Văn A', 'principal', 'working', NULL);
            INSERT INTO equipment VALUES ('E1', '79A', 'CC', 'Bộ', 'Toán', 6, 'bộ', 2, 'ngan_sach', 2021, 'Kho', 'damaged', '2021-01-02T03:04:05+07:00', '2021-01-02T03:04:05+07:00');
            INSERT INTO equipment_changes VALUES (7, 'E1', '79A', 'relocated', '2025-02-14', '2025-02-20T10:00:00+07:00', 'S1');
            INSERT INTO equipment_changes VALUES (8, 'E1', '79A', 'corrected', '14/02/25', '2025-02-20T10:00:00Z', NULL);
            INSERT INTO monthly_approvals VALUES ('79A', '2025-01', 'S1', '2025-02-03T09:00:00+07:00');
            INSERT INTO equipment_usage VALUES (1, 'E1', '79A', 'S1', '6A1', '2025-02-14', 2);
        ").unwrap();
        drop(c);
        convert(&r, &v).unwrap();
        let vendor = Connection::open(&v).unwrap();
        let k: String = vendor
            .query_row("SELECT loai_thay_doi || ' ' || ngay_phat_sinh FROM nhat_ky_thay_doi WHERE so_phieu = 7", [], |r| r.get(0))
            .unwrap();
        assert_eq!(k, "Điều chuyển 14/02/2025");
        let m = crate::mapping::Mapping::parse(Path::new("mapping.sql"), &mapping()).unwrap();
        let mapped = crate::mapping::open_read_only(&v, Duration::from_secs(1), Some(&m)).unwrap();
        let original = Connection::open(&r).unwrap();
        for t in crate::mapping::reference::tables() {
            let cols: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
            let q = format!("SELECT {} FROM {} ORDER BY 1, 2", cols.join(", "), t.name);
            let read = |c: &Connection| -> Vec<Vec<rusqlite::types::Value>> {
                let mut s = c.prepare(&q).unwrap();
                let n = s.column_count();
                s.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            };
            assert_eq!(read(&mapped), read(&original), "{}", t.name);
        }
        assert!(
            crate::mapping::validate::check(&mapped)
                .unwrap()
                .iter()
                .all(|i| i.view == "equipment_changes")
        );
    }
}
