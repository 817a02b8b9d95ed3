//! What a HCMC school owns: subjects, rooms, and the equipment templates per level and grade that the demo draws from.
//!
//! Loosely after the ministry's minimum-equipment lists for the 2018 programme
//! (kindergarten, primary, lower secondary), plus a few items left from the 2006
//! programme (Vật lí, Hóa học, Sinh học) that schools still keep on their books.

/// Bits of `Template::levels`.
pub(super) const MN: u8 = 1;
pub(super) const TH: u8 = 2;
pub(super) const THCS: u8 = 4;
const ALL: u8 = MN | TH | THCS;
const SCHOOL: u8 = TH | THCS;

/// Rooms and stores an item can be kept in.
pub(super) const LOCATIONS: [&str; 16] = [
    "Kho thiết bị",
    "Phòng thiết bị",
    "Phòng bộ môn Khoa học tự nhiên",
    "Phòng bộ môn Tin học",
    "Phòng bộ môn Âm nhạc",
    "Phòng bộ môn Mĩ thuật",
    "Phòng bộ môn Công nghệ",
    "Phòng bộ môn Ngoại ngữ",
    "Phòng thư viện",
    "Nhà đa năng",
    "Phòng học nhóm lớp",
    "Phòng giáo dục thể chất",
    "Phòng giáo dục nghệ thuật",
    "Phòng đa chức năng",
    "Hội trường",
    "Phòng bộ môn Lịch sử và Địa lí",
];

/// The store every item can go back to.
pub(super) const STORE: u8 = 0;

/// A subject (môn học) or, for kindergartens, a development area (lĩnh vực).
pub(super) struct Subject {
    /// NULL in the database for shared equipment (projectors, laptops).
    pub name: Option<&'static str>,
    /// Prefix of the catalog code.
    pub code: &'static str,
    /// Index into `LOCATIONS`.
    pub home: u8,
    /// Taught under the 2018 programme, so bought from its roll-out year on.
    pub new_programme: bool,
    /// A 2006-programme subject: its items were bought before 2021.
    pub legacy: bool,
    /// The first grade that has the subject (Tin học and Công nghệ start in grade 3).
    pub from_grade: u8,
}

const fn subject(name: &'static str, code: &'static str, home: u8) -> Subject {
    Subject {
        name: Some(name),
        code,
        home,
        new_programme: true,
        legacy: false,
        from_grade: 0,
    }
}

const fn legacy(name: &'static str, code: &'static str) -> Subject {
    Subject {
        name: Some(name),
        code,
        home: 2,
        new_programme: false,
        legacy: true,
        from_grade: 6,
    }
}

pub(super) const SUBJECTS: [Subject; 23] = [
    Subject {
        name: None,
        code: "DC",
        home: 1,
        new_programme: false,
        legacy: false,
        from_grade: 0,
    },
    subject("Toán", "TOAN", 0),
    subject("Tiếng Việt", "TV", 0),
    subject("Ngữ văn", "NV", 8),
    subject("Khoa học tự nhiên", "KHTN", 2),
    legacy("Vật lí", "VL"),
    legacy("Hóa học", "HH"),
    legacy("Sinh học", "SH"),
    Subject {
        from_grade: 3,
        ..subject("Tin học", "TIN", 3)
    },
    subject("Âm nhạc", "AN", 4),
    subject("Mĩ thuật", "MT", 5),
    subject("Giáo dục thể chất", "GDTC", 9),
    Subject {
        from_grade: 3,
        ..subject("Công nghệ", "CN", 6)
    },
    subject("Tiếng Anh", "TA", 7),
    subject("Lịch sử và Địa lí", "LSDL", 15),
    subject("Tự nhiên và Xã hội", "TNXH", 0),
    subject("Khoa học", "KH", 0),
    subject("Giáo dục công dân", "GDCD", 0),
    subject("Phát triển thể chất", "MNTC", 11),
    subject("Phát triển nhận thức", "MNNT", 10),
    subject("Phát triển ngôn ngữ", "MNNN", 10),
    subject("Phát triển tình cảm và kĩ năng xã hội", "MNXH", 10),
    subject("Phát triển thẩm mĩ", "MNTM", 12),
];

/// Khoa học tự nhiên, and the 2006-programme subjects it replaced.
pub(super) const SCIENCE: u8 = 4;
pub(super) const LEGACY_SCIENCES: [u8; 3] = [5, 6, 7];

/// Subjects a specialist teacher of a level is assigned to (homeroom teachers have none).
pub(super) const SPECIALIST_SUBJECTS_TH: [u8; 5] = [8, 9, 10, 11, 13];
pub(super) const SPECIALIST_SUBJECTS_THCS: [u8; 13] = [1, 3, 4, 4, 8, 9, 10, 11, 12, 13, 14, 17, 1];

/// One kind of item in the lists; a school holds one or more batches per grade.
pub(super) struct Template {
    pub name: &'static str,
    /// Index into `SUBJECTS`.
    pub subject: u8,
    /// Bits `MN`, `TH`, `THCS`: the levels that hold it.
    pub levels: u8,
    /// Grades it is listed for; `None` for shared items (NULL grade).
    pub grades: Option<(u8, u8)>,
    pub unit: &'static str,
    /// Quantity of one batch, inclusive.
    pub quantity: (u32, u32),
}

const fn t(
    name: &'static str,
    subject: u8,
    levels: u8,
    grades: Option<(u8, u8)>,
    unit: &'static str,
    quantity: (u32, u32),
) -> Template {
    Template {
        name,
        subject,
        levels,
        grades,
        unit,
        quantity,
    }
}

const K: Option<(u8, u8)> = Some((0, 0));

const fn g(lo: u8, hi: u8) -> Option<(u8, u8)> {
    Some((lo, hi))
}

pub(super) const TEMPLATES: &[Template] = &[
    // Shared by the whole school.
    t("Máy chiếu đa năng", 0, SCHOOL, None, "chiếc", (1, 3)),
    t("Màn chiếu điện", 0, SCHOOL, None, "chiếc", (1, 2)),
    t("Tivi thông minh 65 inch", 0, ALL, None, "chiếc", (2, 8)),
    t("Máy tính xách tay", 0, ALL, None, "chiếc", (2, 6)),
    t("Loa kéo di động", 0, ALL, None, "cái", (1, 2)),
    t(
        "Bảng tương tác thông minh",
        0,
        SCHOOL,
        None,
        "chiếc",
        (1, 2),
    ),
    t("Máy in laser", 0, ALL, None, "chiếc", (1, 2)),
    t(
        "Máy quay phim kĩ thuật số",
        0,
        SCHOOL,
        None,
        "chiếc",
        (1, 1),
    ),
    t("Máy ảnh kĩ thuật số", 0, ALL, None, "chiếc", (1, 1)),
    t("Tủ đựng thiết bị", 0, ALL, None, "cái", (2, 6)),
    // Toán
    t("Bộ que tính", 1, TH, g(1, 2), "bộ", (30, 45)),
    t(
        "Bộ thiết bị dạy số và phép tính",
        1,
        TH,
        g(1, 3),
        "bộ",
        (1, 4),
    ),
    t(
        "Bộ thiết bị dạy hình học phẳng",
        1,
        TH,
        g(1, 5),
        "bộ",
        (1, 3),
    ),
    t("Mô hình đồng hồ", 1, TH, g(2, 3), "cái", (1, 4)),
    t("Bộ thước đo độ dài", 1, TH, g(2, 5), "bộ", (1, 3)),
    t("Cân đồng hồ", 1, TH, g(3, 3), "chiếc", (1, 2)),
    t("Bộ thiết bị dạy phân số", 1, TH, g(4, 4), "bộ", (1, 4)),
    t("Bộ dụng cụ vẽ bảng dạy học", 1, THCS, g(6, 9), "bộ", (1, 2)),
    t(
        "Bộ mô hình hình khối không gian",
        1,
        THCS,
        g(7, 9),
        "bộ",
        (1, 2),
    ),
    t(
        "Bộ thiết bị dạy thống kê và xác suất",
        1,
        THCS,
        g(6, 9),
        "bộ",
        (1, 2),
    ),
    t("Máy tính cầm tay", 1, THCS, g(8, 9), "chiếc", (10, 45)),
    // Tiếng Việt, Ngữ văn
    t("Bộ chữ dạy tập viết", 2, TH, g(1, 5), "bộ", (1, 2)),
    t("Bộ thẻ chữ ghép vần", 2, TH, g(1, 1), "bộ", (10, 40)),
    t("Tranh minh họa kể chuyện", 2, TH, g(1, 3), "bộ", (1, 2)),
    t(
        "Bộ tranh minh họa tác phẩm văn học",
        3,
        THCS,
        g(6, 9),
        "bộ",
        (1, 2),
    ),
    t("Bộ tranh chân dung nhà văn", 3, THCS, g(6, 9), "bộ", (1, 1)),
    // Khoa học tự nhiên
    t("Bộ thí nghiệm quang học", 4, THCS, g(7, 9), "bộ", (4, 8)),
    t("Kính hiển vi quang học", 4, THCS, g(6, 7), "chiếc", (2, 8)),
    t("Kính lúp cầm tay", 4, THCS, g(6, 6), "chiếc", (10, 20)),
    t("Lực kế lò xo", 4, THCS, g(6, 6), "chiếc", (6, 12)),
    t("Cân điện tử", 4, THCS, g(6, 9), "chiếc", (2, 6)),
    t("Bộ dụng cụ thí nghiệm điện", 4, THCS, g(8, 9), "bộ", (4, 8)),
    t("Ampe kế một chiều", 4, THCS, g(8, 9), "chiếc", (6, 12)),
    t("Vôn kế một chiều", 4, THCS, g(8, 9), "chiếc", (6, 12)),
    t("Biến trở con chạy", 4, THCS, g(9, 9), "chiếc", (6, 12)),
    t("Bộ ống nghiệm", 4, THCS, g(6, 9), "bộ", (6, 12)),
    t("Đèn cồn", 4, THCS, g(6, 9), "cái", (6, 12)),
    t("Bình tam giác thủy tinh", 4, THCS, g(6, 9), "cái", (10, 20)),
    t(
        "Cốc thủy tinh chịu nhiệt 250 ml",
        4,
        THCS,
        g(6, 9),
        "cái",
        (10, 30),
    ),
    t("Mô hình cấu tạo tế bào", 4, THCS, g(6, 6), "bộ", (1, 2)),
    t("Mô hình cơ thể người", 4, THCS, g(8, 8), "bộ", (1, 2)),
    t("Bộ mô hình phân tử", 4, THCS, g(7, 9), "bộ", (2, 6)),
    t("Bộ hóa chất thí nghiệm", 4, THCS, g(6, 9), "bộ", (1, 3)),
    t("Nhiệt kế điện tử", 4, THCS, g(6, 8), "chiếc", (4, 8)),
    t(
        "Bộ thí nghiệm cảm ứng điện từ",
        4,
        THCS,
        g(9, 9),
        "bộ",
        (4, 6),
    ),
    t("Máy đo pH cầm tay", 4, THCS, g(8, 8), "chiếc", (2, 4)),
    // The 2006 programme
    t("Bộ thí nghiệm cơ học", 5, THCS, g(6, 8), "bộ", (2, 6)),
    t("Ròng rọc cố định", 5, THCS, g(6, 6), "cái", (4, 8)),
    t("Bộ thí nghiệm nhiệt học", 5, THCS, g(6, 8), "bộ", (2, 6)),
    t("Bộ giá thí nghiệm", 6, THCS, g(8, 9), "bộ", (4, 8)),
    t("Bộ dụng cụ điều chế khí", 6, THCS, g(8, 9), "bộ", (2, 4)),
    t("Bộ tranh giải phẫu người", 7, THCS, g(8, 8), "bộ", (1, 1)),
    t("Hộp tiêu bản hiển vi", 7, THCS, g(6, 7), "hộp", (1, 3)),
    // Tin học
    t("Máy tính để bàn", 8, SCHOOL, None, "chiếc", (20, 45)),
    t(
        "Bộ robot giáo dục lập trình",
        8,
        SCHOOL,
        None,
        "bộ",
        (4, 10),
    ),
    t("Bộ chuyển mạch mạng", 8, SCHOOL, None, "chiếc", (1, 2)),
    // Âm nhạc
    t("Đàn organ", 9, SCHOOL, None, "chiếc", (1, 2)),
    t("Đàn guitar", 9, THCS, None, "chiếc", (1, 3)),
    t("Kèn phím", 9, SCHOOL, None, "chiếc", (10, 20)),
    t("Sáo trúc", 9, THCS, None, "chiếc", (10, 20)),
    t("Trống nhỏ", 9, TH, None, "chiếc", (4, 10)),
    t("Thanh phách", 9, TH, None, "bộ", (10, 20)),
    t("Song loan", 9, SCHOOL, None, "chiếc", (10, 20)),
    // Mĩ thuật
    t("Giá vẽ", 10, SCHOOL, None, "cái", (10, 40)),
    t("Bảng vẽ cá nhân", 10, SCHOOL, None, "cái", (20, 45)),
    t("Tượng thạch cao mẫu", 10, THCS, None, "bộ", (1, 2)),
    t("Bộ dụng cụ in tranh", 10, THCS, None, "bộ", (2, 5)),
    t("Bàn xoay nặn tượng", 10, SCHOOL, None, "cái", (5, 10)),
    // Giáo dục thể chất
    t("Quả bóng đá số 5", 11, THCS, None, "quả", (10, 20)),
    t("Quả bóng đá số 4", 11, TH, None, "quả", (10, 20)),
    t("Quả bóng chuyền", 11, THCS, None, "quả", (10, 20)),
    t("Quả bóng rổ số 7", 11, THCS, None, "quả", (6, 12)),
    t("Lưới bóng chuyền", 11, THCS, None, "chiếc", (1, 2)),
    t("Vợt cầu lông", 11, SCHOOL, None, "chiếc", (10, 20)),
    t("Lưới cầu lông", 11, SCHOOL, None, "chiếc", (2, 4)),
    t("Đồng hồ bấm giây", 11, SCHOOL, None, "chiếc", (2, 4)),
    t("Đệm nhảy cao", 11, THCS, None, "chiếc", (1, 2)),
    t("Dây nhảy", 11, SCHOOL, None, "chiếc", (20, 40)),
    t("Còi thể thao", 11, SCHOOL, None, "cái", (4, 8)),
    t("Bàn bóng bàn", 11, THCS, None, "chiếc", (1, 2)),
    // Công nghệ
    t("Bộ lắp ghép kĩ thuật", 12, THCS, g(6, 7), "bộ", (5, 10)),
    t("Bộ dụng cụ cơ khí", 12, THCS, g(8, 8), "bộ", (4, 8)),
    t(
        "Bộ thực hành lắp đặt mạng điện trong nhà",
        12,
        THCS,
        g(9, 9),
        "bộ",
        (4, 8),
    ),
    t("Mô hình động cơ điện", 12, THCS, g(8, 8), "bộ", (1, 2)),
    t("Bộ dụng cụ trồng trọt", 12, THCS, g(7, 7), "bộ", (5, 10)),
    t(
        "Bộ lắp ghép mô hình kĩ thuật",
        12,
        TH,
        g(4, 5),
        "bộ",
        (5, 10),
    ),
    t(
        "Bộ dụng cụ trồng hoa, cây cảnh",
        12,
        TH,
        g(4, 4),
        "bộ",
        (5, 10),
    ),
    t("Bộ dụng cụ làm đồ thủ công", 12, TH, g(3, 3), "bộ", (5, 10)),
    // Tiếng Anh
    t(
        "Bộ thiết bị phòng học ngoại ngữ",
        13,
        SCHOOL,
        None,
        "bộ",
        (1, 1),
    ),
    t("Tai nghe có micro", 13, SCHOOL, None, "chiếc", (20, 45)),
    t(
        "Bộ tranh từ vựng tiếng Anh",
        13,
        SCHOOL,
        g(3, 9),
        "bộ",
        (1, 2),
    ),
    t("Bộ thẻ từ vựng tiếng Anh", 13, TH, g(3, 5), "bộ", (5, 10)),
    // Lịch sử và Địa lí, Tự nhiên và Xã hội, Khoa học, Giáo dục công dân
    t("Quả địa cầu", 14, SCHOOL, g(5, 6), "quả", (2, 6)),
    t(
        "Bản đồ hành chính Việt Nam",
        14,
        SCHOOL,
        g(4, 9),
        "tờ",
        (1, 2),
    ),
    t("Bản đồ thế giới", 14, THCS, g(6, 9), "tờ", (1, 2)),
    t(
        "Lược đồ các cuộc kháng chiến",
        14,
        SCHOOL,
        g(5, 9),
        "bộ",
        (1, 1),
    ),
    t("Mô hình hệ Mặt Trời", 15, TH, g(3, 3), "bộ", (1, 2)),
    t("Bộ tranh cơ thể người", 15, TH, g(1, 3), "bộ", (1, 2)),
    t(
        "Bộ thí nghiệm về nước và không khí",
        16,
        TH,
        g(4, 4),
        "bộ",
        (4, 8),
    ),
    t("Bộ lắp mạch điện đơn giản", 16, TH, g(5, 5), "bộ", (4, 8)),
    t("Nhiệt kế", 16, TH, g(4, 4), "chiếc", (4, 10)),
    t("Kính lúp", 16, TH, g(4, 5), "chiếc", (5, 10)),
    t(
        "Bộ tranh giáo dục công dân",
        17,
        THCS,
        g(6, 9),
        "bộ",
        (1, 1),
    ),
    // Mầm non: development areas, grade 0
    t("Bóng nhựa các màu", 18, MN, K, "quả", (20, 50)),
    t("Vòng thể dục", 18, MN, K, "cái", (20, 40)),
    t("Cổng chui", 18, MN, K, "chiếc", (2, 6)),
    t("Ghế thể dục", 18, MN, K, "chiếc", (2, 4)),
    t("Thang leo liên hoàn", 18, MN, K, "bộ", (1, 1)),
    t("Đệm thể dục", 18, MN, K, "chiếc", (2, 6)),
    t("Gậy thể dục", 18, MN, K, "chiếc", (20, 40)),
    t("Xe đạp ba bánh", 18, MN, K, "chiếc", (2, 6)),
    t("Bộ lắp ghép kĩ thuật", 19, MN, K, "bộ", (5, 10)),
    t("Bộ xếp hình khối gỗ", 19, MN, K, "bộ", (5, 10)),
    t("Bộ đồ chơi xâu hạt", 19, MN, K, "bộ", (5, 10)),
    t("Bộ lô tô các con vật", 19, MN, K, "bộ", (5, 10)),
    t("Bộ domino học toán", 19, MN, K, "bộ", (5, 10)),
    t("Cân thăng bằng đồ chơi", 19, MN, K, "cái", (2, 4)),
    t("Bộ hình học phẳng", 19, MN, K, "bộ", (5, 10)),
    t("Bộ tranh ghép hình", 19, MN, K, "bộ", (5, 10)),
    t("Bộ tranh truyện mẫu giáo", 20, MN, K, "bộ", (2, 6)),
    t("Bộ thẻ chữ cái", 20, MN, K, "bộ", (5, 10)),
    t("Bộ rối tay", 20, MN, K, "bộ", (2, 4)),
    t("Sách tranh truyện cổ tích", 20, MN, K, "cuốn", (10, 30)),
    t("Bộ đồ chơi nấu ăn", 21, MN, K, "bộ", (2, 6)),
    t("Bộ đồ chơi bác sĩ", 21, MN, K, "bộ", (2, 6)),
    t("Bộ đồ chơi bán hàng", 21, MN, K, "bộ", (2, 6)),
    t("Đàn organ", 22, MN, K, "chiếc", (1, 2)),
    t("Trống cơm", 22, MN, K, "chiếc", (2, 6)),
    t("Xắc xô", 22, MN, K, "cái", (10, 20)),
    t("Phách tre", 22, MN, K, "bộ", (10, 20)),
    t("Giá vẽ", 22, MN, K, "cái", (5, 10)),
    t("Bộ đất nặn", 22, MN, K, "hộp", (10, 30)),
];

/// The grades a school of `level` teaches.
pub(super) fn grades(level: &str) -> std::ops::RangeInclusive<u8> {
    match level {
        "mam_non" => 0..=0,
        "tieu_hoc" => 1..=5,
        "thcs" => 6..=9,
        _ => 1..=9,
    }
}

/// The `levels` bits of a school of `level`.
pub(super) fn level_bits(level: &str) -> u8 {
    match level {
        "mam_non" => MN,
        "tieu_hoc" => TH,
        "thcs" => THCS,
        _ => TH | THCS,
    }
}

/// Whether grade `grade` of a template belongs to the level bits of the school
/// (a TH-THCS school takes primary templates for 1–5 and secondary ones for 6–9).
pub(super) fn template_fits(tpl: &Template, bits: u8, grade: Option<u8>) -> bool {
    if tpl.levels & bits == 0 {
        return false;
    }
    match grade {
        None | Some(0) => true,
        Some(g) if g <= 5 => tpl.levels & bits & (TH | MN) != 0,
        Some(_) => tpl.levels & bits & THCS != 0,
    }
}

/// The first year a 2018-programme item for `grade` was bought: the programme
/// reached grade 1 in 2020-2021, grade 6 in 2021-2022, and one grade a year after.
pub(super) fn rollout_year(grade: u8) -> i32 {
    match grade {
        0 => 2012,
        1..=5 => 2019 + i32::from(grade),
        _ => 2015 + i32::from(grade),
    }
}

/// Kindergarten group names by age.
pub(super) const KINDERGARTEN_GROUPS: [&str; 4] = ["Nhà trẻ", "Mầm", "Chồi", "Lá"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_has_items_for_every_grade() {
        for level in ["mam_non", "tieu_hoc", "thcs", "tieu_hoc_thcs"] {
            let bits = level_bits(level);
            for grade in grades(level) {
                let n = TEMPLATES
                    .iter()
                    .filter(|t| t.grades.is_some_and(|(lo, hi)| (lo..=hi).contains(&grade)))
                    .filter(|t| template_fits(t, bits, Some(grade)))
                    .count();
                assert!(n >= 3, "{level} grade {grade} has {n} templates");
            }
        }
    }

    #[test]
    fn templates_point_at_real_subjects_and_rooms() {
        for tpl in TEMPLATES {
            let subject = SUBJECTS
                .get(usize::from(tpl.subject))
                .expect("subject index");
            assert!(usize::from(subject.home) < LOCATIONS.len());
            assert!(
                tpl.quantity.0 >= 1 && tpl.quantity.0 <= tpl.quantity.1,
                "{}",
                tpl.name
            );
            let text = [tpl.name, tpl.unit].concat();
            assert!(
                !text.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)),
                "{} is not NFC",
                tpl.name
            );
        }
    }
}
