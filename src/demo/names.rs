//! Vietnamese names for the demo: people (họ, tên đệm, tên), schools and the former districts behind HCMC school codes.
//!
//! All text is NFC (precomposed letters), as the schema requires.

use rand::Rng;

/// Family names with rough frequencies for the south (Huỳnh and Võ are common in HCMC).
const FAMILY: [(&str, u32); 30] = [
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Huỳnh", 45),
    ("Hoàng", 20),
    ("Võ", 40),
    ("Vũ", 10),
    ("Phan", 45),
    ("Trương", 20),
    ("Bùi", 20),
    ("Đặng", 21),
    ("Đỗ", 14),
    ("Ngô", 13),
    ("Hồ", 13),
    ("Dương", 10),
    ("Đinh", 8),
    ("Lý", 5),
    ("Lâm", 8),
    ("Mai", 5),
    ("Châu", 5),
    ("Tạ", 3),
    ("Lưu", 4),
    ("Cao", 4),
    ("Tô", 3),
    ("Quách", 3),
    ("Thái", 3),
    ("La", 2),
    ("Đoàn", 6),
    ("Lương", 4),
];

const MIDDLE_FEMALE: [&str; 14] = [
    "Thị", "Thị", "Thị", "Ngọc", "Thanh", "Thu", "Kim", "Mỹ", "Hồng", "Phương", "Bích", "Thùy",
    "Minh", "Hoàng",
];

const MIDDLE_MALE: [&str; 13] = [
    "Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Hoàng", "Thanh", "Công", "Trọng", "Tấn", "Thành",
    "Gia",
];

/// A second middle name, as in 'Lê Hoàng Minh Anh'.
const MIDDLE_SECOND: [&str; 8] = [
    "Minh", "Ngọc", "Thanh", "Bảo", "Khánh", "Phương", "Anh", "Thảo",
];

const GIVEN_FEMALE: [&str; 36] = [
    "Lan", "Hương", "Mai", "Linh", "Trang", "Hà", "Thảo", "Ngọc", "Anh", "Nhung", "Hằng", "Yến",
    "Phương", "Dung", "Loan", "Hạnh", "Thủy", "Vy", "Nhi", "Trâm", "Uyên", "Quyên", "Diễm",
    "Tuyết", "Oanh", "Hiền", "Thư", "Giang", "Hoa", "Liên", "Huyền", "Trinh", "Ngân", "Thoa",
    "Vân", "Châu",
];

const GIVEN_MALE: [&str; 32] = [
    "Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Hải", "Long", "Phong", "Khoa", "Bảo", "Huy", "Thắng",
    "Trung", "Sơn", "Tài", "Phúc", "Khang", "Lộc", "Thịnh", "Đạt", "Quân", "Vinh", "Tâm", "Nghĩa",
    "Hiếu", "Cường", "Toàn", "Thuận", "Hòa", "Tú", "Kiên", "Lâm",
];

/// A full name: họ, one or two tên đệm, tên; a woman's with probability `female_share`.
pub(super) fn person(rng: &mut impl Rng, female_share: f64) -> String {
    let female = rng.random_bool(female_share);
    let total: u32 = FAMILY.iter().map(|&(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    let family = FAMILY
        .iter()
        .find(|&&(_, w)| {
            if pick < w {
                true
            } else {
                pick -= w;
                false
            }
        })
        .map_or("Nguyễn", |&(name, _)| name);
    let (middles, givens): (&[&str], &[&str]) = if female {
        (&MIDDLE_FEMALE, &GIVEN_FEMALE)
    } else {
        (&MIDDLE_MALE, &GIVEN_MALE)
    };
    let middle = middles[rng.random_range(0..middles.len())];
    let given = givens[rng.random_range(0..givens.len())];
    if rng.random_bool(0.18) {
        let second = MIDDLE_SECOND[rng.random_range(0..MIDDLE_SECOND.len())];
        if second != given && second != middle {
            return format!("{family} {middle} {second} {given}");
        }
    }
    format!("{family} {middle} {given}")
}

/// HCMC's former district codes (the middle three digits of a school's code) until the
/// 2025 reform; the codes were kept as identifiers are never reissued.
pub(super) const DISTRICT_CODES: [u16; 22] = [
    760, 761, 764, 765, 766, 767, 768, 769, 770, 771, 772, 773, 774, 775, 776, 777, 778, 783, 784,
    785, 786, 787,
];

/// People and places public schools are named after.
const PATRONS: [&str; 72] = [
    "Lê Văn Tám",
    "Nguyễn Du",
    "Nguyễn Bỉnh Khiêm",
    "Trần Hưng Đạo",
    "Lê Lợi",
    "Nguyễn Trãi",
    "Chu Văn An",
    "Lý Thường Kiệt",
    "Võ Thị Sáu",
    "Kim Đồng",
    "Lê Quý Đôn",
    "Nguyễn Thị Minh Khai",
    "Phan Bội Châu",
    "Phan Chu Trinh",
    "Trần Quốc Toản",
    "Hai Bà Trưng",
    "Ngô Quyền",
    "Đinh Tiên Hoàng",
    "Nguyễn Văn Trỗi",
    "Lương Thế Vinh",
    "Quang Trung",
    "Hoàng Hoa Thám",
    "Trần Phú",
    "Lê Hồng Phong",
    "Nguyễn Văn Cừ",
    "Tô Hiến Thành",
    "Đoàn Thị Điểm",
    "Bạch Đằng",
    "Hồng Bàng",
    "Nguyễn Đình Chiểu",
    "Trương Định",
    "Nguyễn Hiền",
    "Mạc Đĩnh Chi",
    "Lê Anh Xuân",
    "Nguyễn An Ninh",
    "Huỳnh Tấn Phát",
    "Phạm Văn Chiêu",
    "Nguyễn Ảnh Thủ",
    "Trần Quang Khải",
    "Yết Kiêu",
    "Phù Đổng",
    "Văn Lang",
    "Lạc Long Quân",
    "Âu Cơ",
    "Cô Giang",
    "Cô Bắc",
    "Nguyễn Thái Học",
    "Võ Trường Toản",
    "Trần Văn Ơn",
    "Đống Đa",
    "An Lạc",
    "Bình Trị Đông",
    "Tân Tạo",
    "Hiệp Bình",
    "Linh Trung",
    "Thạnh Mỹ Lợi",
    "Phú Mỹ",
    "Tân Thuận",
    "Bình Hưng Hòa",
    "Phước Long",
    "Long Trường",
    "Tam Bình",
    "An Phú",
    "Tân Định",
    "Cầu Kho",
    "Phú Thọ Hòa",
    "Tân Sơn Nhì",
    "Chánh Hưng",
    "Rạch Ông",
    "Xuân Thới Sơn",
    "Tân Thông Hội",
    "Thạnh An",
];

/// Kindergarten names; HCMC numbers repeats ('Sơn Ca 3').
const KINDERGARTENS: [&str; 24] = [
    "Hoa Sen",
    "Họa Mi",
    "Sơn Ca",
    "Vành Khuyên",
    "Hướng Dương",
    "Tuổi Thơ",
    "Bông Sen",
    "Măng Non",
    "Hoa Mai",
    "Rạng Đông",
    "Sao Mai",
    "Thỏ Ngọc",
    "Ánh Dương",
    "Hoa Hồng",
    "Bình Minh",
    "Hoa Phượng",
    "Sen Hồng",
    "Hoàng Yến",
    "Búp Sen Xanh",
    "Hoa Lan",
    "Vàng Anh",
    "Tuổi Ngọc",
    "Mầm Xanh",
    "Hoa Cúc",
];

/// Names of private (tư thục) schools.
const PRIVATE: [&str; 16] = [
    "Ngôi Sao",
    "Việt Úc",
    "Tuệ Đức",
    "Thái Bình Dương",
    "Hoàng Gia",
    "Trí Tuệ Việt",
    "Ngôi Sao Nhỏ",
    "Thiên Thần Nhỏ",
    "Mặt Trời Hồng",
    "Cầu Vồng",
    "Ban Mai",
    "Cánh Diều",
    "Thế Giới Trẻ Thơ",
    "Ngôi Nhà Hạnh Phúc",
    "Tuổi Thần Tiên",
    "Việt Mỹ",
];

/// The school-type words in front of a name.
pub(super) fn level_prefix(level: &str) -> &'static str {
    match level {
        "mam_non" => "Trường Mầm non",
        "tieu_hoc" => "Trường Tiểu học",
        "thcs" => "Trường THCS",
        _ => "Trường TH-THCS",
    }
}

/// The `n`-th name (0-based) of a kind of school; unique per (level, ownership) as
/// repeats get a number.
pub(super) fn school(level: &str, private: bool, n: usize) -> String {
    let (pool, offset): (&[&str], usize) = match (level, private) {
        (_, true) => (&PRIVATE, 0),
        ("mam_non", false) => (&KINDERGARTENS, 0),
        ("tieu_hoc", false) => (&PATRONS, 0),
        ("thcs", false) => (&PATRONS, PATRONS.len() / 3),
        _ => (&PATRONS, 2 * PATRONS.len() / 3),
    };
    let base = pool[(n + offset) % pool.len()];
    let round = n / pool.len();
    if round == 0 {
        format!("{} {base}", level_prefix(level))
    } else {
        format!("{} {base} {}", level_prefix(level), round + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_are_nfc_and_have_three_or_four_words() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for i in 0..500 {
            let name = person(&mut rng, f64::from(i % 2));
            let words = name.split(' ').count();
            assert!((3..=4).contains(&words), "{name}");
            assert!(
                !name.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)),
                "{name} has combining marks"
            );
        }
    }

    #[test]
    fn school_names_do_not_repeat_within_a_kind() {
        let names: std::collections::BTreeSet<_> =
            (0..200).map(|n| school("thcs", false, n)).collect();
        assert_eq!(names.len(), 200);
        assert_eq!(school("tieu_hoc", false, 0), "Trường Tiểu học Lê Văn Tám");
        assert_eq!(school("mam_non", false, 0), "Trường Mầm non Hoa Sen");
    }
}
