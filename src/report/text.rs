//! The report's words in Vietnamese (the default) and English: labels, the regulation's terms, dates and numbers.
//!
//! Vietnamese writes dates `dd/mm/yyyy`, groups thousands with a dot and
//! uses a decimal comma (`1.234`, `97,5 %`); English here writes `14 Feb
//! 2025`, `1,234` and `97.5%`. Article titles and requirements quote the
//! regulation's own wording (`seed/qd-146-2024.txt`).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::calendar::Period;
use crate::policy::{Message, Month, Rule, Severity};

pub use crate::lang::Lang;

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Lang {
    /// The labels.
    pub fn w(self) -> &'static Words {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }

    /// One of a bilingual message.
    pub fn pick(self, m: &Message) -> &str {
        match self {
            Lang::Vi => &m.vi,
            Lang::En => &m.en,
        }
    }

    /// `14/02/2025` or `14 Feb 2025`.
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Lang::Vi => d.format("%d/%m/%Y").to_string(),
            Lang::En => format!(
                "{} {} {}",
                d.day(),
                MONTHS_EN[d.month0() as usize],
                d.year()
            ),
        }
    }

    /// A date in a table: `14/02/2025` or `2025-02-14` (short and sortable).
    pub fn date_cell(self, d: NaiveDate) -> String {
        match self {
            Lang::Vi => d.format("%d/%m/%Y").to_string(),
            Lang::En => d.format("%Y-%m-%d").to_string(),
        }
    }

    /// A time in Vietnam: `08:30 14/02/2025` or `14 Feb 2025 08:30`.
    pub fn datetime(self, t: &DateTime<FixedOffset>) -> String {
        let local = t.with_timezone(&crate::calendar::VIETNAM);
        match self {
            Lang::Vi => local.format("%H:%M %d/%m/%Y").to_string(),
            Lang::En => format!(
                "{} {}",
                self.date(local.date_naive()),
                local.format("%H:%M")
            ),
        }
    }

    /// `01/2025` or `Jan 2025`.
    pub fn month(self, m: Month) -> String {
        match self {
            Lang::Vi => format!("{:02}/{}", m.month, m.year),
            Lang::En => format!("{} {}", MONTHS_EN[(m.month - 1) as usize], m.year),
        }
    }

    /// A chart axis label: `T1/25` or `Jan 25`.
    pub fn month_short(self, m: Month) -> String {
        match self {
            Lang::Vi => format!("T{}/{:02}", m.month, m.year % 100),
            Lang::En => format!("{} {:02}", MONTHS_EN[(m.month - 1) as usize], m.year % 100),
        }
    }

    /// `1.234.567` or `1,234,567`.
    pub fn int(self, n: u64) -> String {
        let digits = n.to_string();
        let sep = match self {
            Lang::Vi => '.',
            Lang::En => ',',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        out
    }

    /// `3,5` or `3.5`: one decimal.
    pub fn dec1(self, x: f64) -> String {
        let s = format!("{x:.1}");
        match self {
            Lang::Vi => s.replace('.', ","),
            Lang::En => s,
        }
    }

    /// A fraction as a percentage with one decimal: `97,5 %` or `97.5%`.
    ///
    /// Never rounded to 100 % when something is missing (1 late entry in
    /// 3 000 is 99,9 %, not 100,0 %), nor to 0 % when something is there.
    pub fn pct(self, fraction: f64) -> String {
        let pct = fraction * 100.0;
        let rounded = (pct * 10.0).round() / 10.0;
        // The margin keeps float noise (0.9 + 0.1 on a chart axis) at 100 %.
        let pct = if rounded >= 100.0 && pct < 100.0 - 1e-9 {
            99.9
        } else if rounded <= 0.0 && pct > 1e-9 {
            0.1
        } else {
            pct
        };
        let s = self.dec1(pct);
        match self {
            Lang::Vi => format!("{s} %"),
            Lang::En => format!("{s}%"),
        }
    }

    /// A rate, or a dash when there was nothing to count.
    pub fn rate(self, fraction: Option<f64>) -> String {
        fraction.map_or_else(|| "–".to_string(), |f| self.pct(f))
    }

    /// `12,3 giây` or `12.3 s`.
    pub fn seconds(self, s: f64) -> String {
        match self {
            Lang::Vi => format!("{} giây", self.dec1(s)),
            Lang::En => format!("{} s", self.dec1(s)),
        }
    }

    /// `1.800 giây` or `1,800 s`.
    pub fn whole_seconds(self, s: u64) -> String {
        match self {
            Lang::Vi => format!("{} giây", self.int(s)),
            Lang::En => format!("{} s", self.int(s)),
        }
    }

    /// "Học kỳ I năm học 2024-2025", "Cả năm học 2024-2025", "Term 1 (HK1), school year 2024-2025".
    pub fn period(self, year: &str, period: Period) -> String {
        match (self, period) {
            (Lang::Vi, Period::Hk1) => format!("Học kỳ I năm học {year}"),
            (Lang::Vi, Period::Hk2) => format!("Học kỳ II năm học {year}"),
            (Lang::Vi, Period::CaNam) => format!("Cả năm học {year}"),
            (Lang::Vi, Period::Month(m)) => format!("Tháng {m:02} năm học {year}"),
            (Lang::En, Period::Hk1) => format!("Term 1 (HK1), school year {year}"),
            (Lang::En, Period::Hk2) => format!("Term 2 (HK2), school year {year}"),
            (Lang::En, Period::CaNam) => format!("Whole school year {year}"),
            (Lang::En, Period::Month(m)) => format!("Month {m:02} of school year {year}"),
        }
    }

    /// A short period name: `HK I`, `HK II`, `Cả năm`; `HK1`, `HK2`, `Year`.
    pub fn period_short(self, period: Period) -> String {
        match (self, period) {
            (Lang::Vi, Period::Hk1) => "Học kỳ I".into(),
            (Lang::Vi, Period::Hk2) => "Học kỳ II".into(),
            (Lang::Vi, Period::CaNam) => "Cả năm".into(),
            (Lang::En, Period::Hk1) => "Term 1 (HK1)".into(),
            (Lang::En, Period::Hk2) => "Term 2 (HK2)".into(),
            (Lang::En, Period::CaNam) => "Whole year".into(),
            (_, Period::Month(m)) => format!("{m:02}"),
        }
    }

    /// "05/09/2024 – 31/05/2025".
    pub fn range(self, from: NaiveDate, to: NaiveDate) -> String {
        format!("{} – {}", self.date(from), self.date(to))
    }

    /// A severity: `Vi phạm`, `Cảnh báo`; `Violation`, `Warning`.
    pub fn severity(self, s: Severity) -> &'static str {
        match (self, s) {
            (Lang::Vi, Severity::Violation) => "Vi phạm",
            (Lang::Vi, Severity::Warning) => "Cảnh báo",
            (Lang::En, Severity::Violation) => "Violation",
            (Lang::En, Severity::Warning) => "Warning",
        }
    }

    /// A rule's short name.
    pub fn rule(self, r: Rule) -> &'static str {
        let (vi, en) = match r {
            Rule::LateUpdate => (
                "Cập nhật quá 10 ngày làm việc",
                "Entered after 10 working days",
            ),
            Rule::MissingApproval => ("Chưa duyệt tháng", "Month not approved"),
            Rule::LateApproval => ("Duyệt trễ hạn", "Approved late"),
            Rule::ApprovalNotByPrincipal => (
                "Người duyệt không phải Thủ trưởng",
                "Not approved by the head of school",
            ),
            Rule::NoMonthlyUpdate => ("Tháng không cập nhật", "Month without activity"),
            Rule::DeletedIdentifier => ("Mã định danh bị xoá", "Identifier deleted"),
            Rule::ChangedIdentifier => ("Mã định danh bị thay đổi", "Identifier changed"),
            Rule::ReusedIdentifier => ("Mã định danh bị cấp lại", "Identifier re-issued"),
            Rule::ApprovalBeforeMonthEnd => (
                "Duyệt trước khi hết tháng",
                "Approved before the month ended",
            ),
            Rule::BackupOverdue => ("Quá hạn sao lưu", "Backup overdue"),
            Rule::BackupCopies => ("Thiếu bản sao độc lập", "Too few independent copies"),
            Rule::DrillOverdue => ("Quá hạn diễn tập phục hồi", "Restore drill overdue"),
            Rule::ReportMissing => ("Báo cáo chưa được lưu trữ", "Report not archived"),
            Rule::DataQuality => ("Dữ liệu không đánh giá được", "Data that cannot be judged"),
        };
        self.choose(vi, en)
    }

    /// An `equipment.condition`.
    pub fn condition(self, c: &str) -> String {
        let (vi, en) = match c {
            "good" => ("Tốt", "Good"),
            "damaged" => ("Hỏng", "Damaged"),
            "awaiting_disposal" => ("Chờ thanh lý", "Awaiting disposal"),
            "disposed" => ("Đã thanh lý", "Disposed"),
            other => return other.to_string(),
        };
        self.choose(vi, en).to_string()
    }

    /// A drill status.
    pub fn drill_status(self, s: &str) -> String {
        let (vi, en) = match s {
            "success" => ("Thành công", "Success"),
            "warning" => ("Có cảnh báo", "Warning"),
            "failed" => ("Thất bại", "Failed"),
            other => return other.to_string(),
        };
        self.choose(vi, en).to_string()
    }

    /// Where the policies came from (`built-in` or a folder), as people say it.
    pub fn policies(self, source: &str) -> String {
        match (source, self) {
            ("built-in", Lang::Vi) => "đi kèm eqvault (có sẵn trong chương trình)".to_string(),
            ("built-in", Lang::En) => "built into eqvault".to_string(),
            (dir, Lang::Vi) => format!("thư mục {dir}"),
            (dir, Lang::En) => format!("the folder {dir}"),
        }
    }

    /// A table or an evidence source of the database, as people say it, its own
    /// name after it for whoever looks in the database.
    pub fn table(self, name: &str) -> String {
        let (vi, en) = match name {
            "equipment" => ("danh mục thiết bị", "the equipment list"),
            "staff" => ("danh sách cán bộ, nhân viên", "the staff list"),
            "schools" => ("danh sách cơ sở giáo dục", "the school list"),
            "equipment_changes" => ("nhật ký thay đổi thiết bị", "the equipment change log"),
            "ledger" => (
                "sổ mã định danh của các bản sao lưu trước",
                "the identifier ledger of earlier backups",
            ),
            other => return other.to_string(),
        };
        format!("{} ({name})", self.choose(vi, en))
    }

    /// The Vietnamese or the English.
    pub fn choose(self, vi: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// Every fixed label of the report, in one language.
#[derive(Debug)]
pub struct Words {
    pub title: &'static str,
    pub regulation: &'static str,
    pub office: &'static str,
    pub office_missing: &'static str,
    pub period: &'static str,
    pub range: &'static str,
    pub as_of: &'static str,
    pub generated_at: &'static str,
    pub kpi_articles_met: &'static str,
    pub kpi_violations: &'static str,
    pub kpi_warnings: &'static str,
    pub kpi_schools: &'static str,
    pub kpi_on_time: &'static str,
    pub kpi_approvals: &'static str,
    pub s_summary: &'static str,
    pub s_schools: &'static str,
    pub s_trends: &'static str,
    pub s_equipment: &'static str,
    pub s_backup: &'static str,
    pub s_archive: &'static str,
    pub s_findings: &'static str,
    pub s_notes: &'static str,
    pub s_provenance: &'static str,
    pub c_article: &'static str,
    pub c_requirement: &'static str,
    pub c_checked: &'static str,
    pub c_violations: &'static str,
    pub c_warnings: &'static str,
    pub c_schools: &'static str,
    pub c_result: &'static str,
    pub met: &'static str,
    pub not_met: &'static str,
    pub warning: &'static str,
    pub not_assessed: &'static str,
    pub summary_total: &'static str,
    pub summary_intro: &'static str,
    pub c_id: &'static str,
    pub c_school: &'static str,
    pub c_entries_due: &'static str,
    pub c_on_time: &'static str,
    pub c_on_time_rate: &'static str,
    pub c_approvals_due: &'static str,
    pub c_approvals_missing: &'static str,
    pub c_approvals_late: &'static str,
    pub c_not_by_principal: &'static str,
    pub c_ids_deleted: &'static str,
    pub c_quiet_months: &'static str,
    pub c_lesson_periods: &'static str,
    pub c_findings: &'static str,
    pub schools_intro: &'static str,
    pub not_in_schools_table: &'static str,
    pub closed: &'static str,
    pub c_month: &'static str,
    pub c_entries_late: &'static str,
    pub c_approvals_on_time: &'static str,
    pub c_approvals_rate: &'static str,
    pub c_uses: &'static str,
    pub chart_rates: &'static str,
    pub chart_rates_entries: &'static str,
    pub chart_rates_approvals: &'static str,
    pub chart_approvals: &'static str,
    pub chart_usage: &'static str,
    pub chart_subjects: &'static str,
    pub chart_conditions: &'static str,
    pub trends_intro: &'static str,
    pub c_subject: &'static str,
    pub c_total: &'static str,
    pub c_quantity: &'static str,
    pub c_usable: &'static str,
    pub c_used: &'static str,
    pub c_never_used: &'static str,
    pub c_periods_per_item: &'static str,
    pub c_equipment_id: &'static str,
    pub c_name: &'static str,
    pub c_condition: &'static str,
    pub no_subject: &'static str,
    pub top_items: &'static str,
    pub never_used_title: &'static str,
    pub listed_of: &'static str,
    pub equipment_note: &'static str,
    pub usage_unknown: &'static str,
    pub by_condition: &'static str,
    pub usage_by_subject: &'static str,
    pub backup_unavailable: &'static str,
    pub c_store: &'static str,
    pub c_reachable: &'static str,
    pub c_snapshots: &'static str,
    pub c_newest: &'static str,
    pub c_taken_at: &'static str,
    pub newest_backup: &'static str,
    pub copies: &'static str,
    pub required: &'static str,
    pub last_drill: &'static str,
    pub c_status: &'static str,
    pub restore_time: &'static str,
    pub target: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub none: &'static str,
    pub archive_unavailable: &'static str,
    pub c_year: &'static str,
    pub c_term: &'static str,
    pub c_due: &'static str,
    pub c_archived: &'static str,
    pub c_missing: &'static str,
    pub complete: &'static str,
    pub incomplete: &'static str,
    pub not_due: &'static str,
    pub c_rule: &'static str,
    pub c_severity: &'static str,
    pub c_what: &'static str,
    pub c_evidence: &'static str,
    pub c_detail: &'static str,
    pub office_wide: &'static str,
    pub more_findings: &'static str,
    pub no_findings: &'static str,
    pub skipped_title: &'static str,
    pub notes_title: &'static str,
    pub p_generated: &'static str,
    pub p_period: &'static str,
    pub p_as_of: &'static str,
    pub p_tool: &'static str,
    pub p_database: &'static str,
    pub p_db_sha: &'static str,
    pub p_db_bytes: &'static str,
    pub p_policies: &'static str,
    pub p_office: &'static str,
    pub p_own_sha: &'static str,
    pub p_own_sha_where: &'static str,
    pub page: &'static str,
    pub e_occurred: &'static str,
    pub e_entered: &'static str,
    pub e_deadline: &'static str,
    pub e_days_late: &'static str,
    pub e_due: &'static str,
    pub e_approved: &'static str,
    pub e_approver: &'static str,
    pub e_by: &'static str,
    pub e_position: &'static str,
    pub e_month: &'static str,
    pub e_changes: &'static str,
    pub e_table: &'static str,
    pub e_source: &'static str,
    pub e_last_seen: &'static str,
    pub e_new_id: &'static str,
    pub e_snapshot: &'static str,
    pub e_stores: &'static str,
    pub e_last_drill: &'static str,
    pub e_kind: &'static str,
    pub e_archived_kinds: &'static str,
    pub c_change_id: &'static str,
    pub c_article_short: &'static str,
}

impl Words {
    /// The figures of the table per school, in order (after the school's name),
    /// as the HTML and Markdown reports show them.
    pub fn school_columns(&self) -> [&'static str; 11] {
        [
            self.c_entries_due,
            self.c_on_time,
            self.c_on_time_rate,
            self.c_approvals_due,
            self.c_approvals_missing,
            self.c_approvals_late,
            self.c_not_by_principal,
            self.c_ids_deleted,
            self.c_quiet_months,
            self.c_lesson_periods,
            self.c_findings,
        ]
    }

    /// The figures of the table per month, in order (after the month), as the
    /// HTML and Markdown reports show them.
    pub fn month_columns(&self) -> [&'static str; 10] {
        [
            self.c_entries_due,
            self.c_on_time,
            self.c_entries_late,
            self.c_on_time_rate,
            self.c_approvals_due,
            self.c_approvals_on_time,
            self.c_approvals_late,
            self.c_approvals_missing,
            self.c_approvals_rate,
            self.c_lesson_periods,
        ]
    }
}

/// Vietnamese.
pub static VI: Words = Words {
    title: "Báo cáo tuân thủ Quy chế quản lý, vận hành và khai thác sử dụng Hệ thống quản lý thiết bị dạy học",
    regulation: "Quyết định số 146/QĐ-GDĐT ngày 05/09/2024",
    office: "Đơn vị",
    office_missing: "(chưa đặt tên đơn vị: [office] name trong eqvault.toml)",
    period: "Kỳ báo cáo",
    range: "Thời gian",
    as_of: "Tính đến ngày",
    generated_at: "Thời điểm lập",
    kpi_articles_met: "Điều khoản đạt",
    kpi_violations: "Vi phạm",
    kpi_warnings: "Cảnh báo",
    kpi_schools: "Cơ sở giáo dục có phát hiện",
    kpi_on_time: "Cập nhật đúng hạn",
    kpi_approvals: "Duyệt đúng hạn",
    s_summary: "Tổng hợp theo điều khoản",
    s_schools: "Kết quả theo cơ sở giáo dục",
    s_trends: "Diễn biến theo tháng",
    s_equipment: "Thống kê thiết bị dạy học",
    s_backup: "Sao lưu và diễn tập phục hồi",
    s_archive: "Lưu trữ báo cáo định kỳ",
    s_findings: "Chi tiết phát hiện và bằng chứng",
    s_notes: "Ghi chú",
    s_provenance: "Nguồn gốc báo cáo",
    c_article: "Điều khoản",
    c_requirement: "Yêu cầu",
    c_checked: "Nội dung kiểm tra (số phát hiện)",
    c_violations: "Vi phạm",
    c_warnings: "Cảnh báo",
    c_schools: "Số cơ sở",
    c_result: "Kết quả",
    met: "Đạt",
    not_met: "Chưa đạt",
    warning: "Cần lưu ý",
    not_assessed: "Không đánh giá được",
    summary_total: "Tổng cộng",
    summary_intro: "Mỗi điều khoản được đánh giá trên toàn bộ dữ liệu của kỳ báo cáo. Một quy tắc không chạy được (thiếu cấu hình, kho lưu trữ) được ghi là \"Không đánh giá được\" kèm lý do, không bao giờ được ghi là \"Đạt\".",
    c_id: "Mã",
    c_school: "Cơ sở giáo dục",
    c_entries_due: "Cập nhật đến hạn",
    c_on_time: "Đúng hạn",
    c_on_time_rate: "Tỉ lệ đúng hạn",
    c_approvals_due: "Tháng phải duyệt",
    c_approvals_missing: "Chưa duyệt",
    c_approvals_late: "Duyệt trễ",
    c_not_by_principal: "Duyệt sai thẩm quyền",
    c_ids_deleted: "Mã bị xoá/đổi",
    c_quiet_months: "Tháng không cập nhật",
    c_lesson_periods: "Số tiết sử dụng",
    c_findings: "Phát hiện",
    schools_intro: "Tỉ lệ đúng hạn = số lần cập nhật đúng hạn / số lần cập nhật đã đến hạn trong kỳ (Điều 7.3). Các cơ sở có nhiều vi phạm nhất được xếp trước.",
    not_in_schools_table: "(không có trong bảng schools)",
    closed: "ngừng hoạt động",
    c_month: "Tháng",
    c_entries_late: "Trễ hạn",
    c_approvals_on_time: "Duyệt đúng hạn",
    c_approvals_rate: "Tỉ lệ duyệt đúng hạn",
    c_uses: "Lượt sử dụng",
    chart_rates: "Tỉ lệ cập nhật đúng hạn và duyệt đúng hạn theo tháng",
    chart_rates_entries: "Cập nhật đúng hạn (Điều 7.3)",
    chart_rates_approvals: "Duyệt đúng hạn (Điều 7.2)",
    chart_approvals: "Duyệt thông tin hàng tháng (số cơ sở)",
    chart_usage: "Số tiết sử dụng thiết bị theo tháng",
    chart_subjects: "Số tiết sử dụng theo môn học",
    chart_conditions: "Tình trạng thiết bị",
    trends_intro: "Tháng của một lần cập nhật là tháng phát sinh thay đổi; tháng của một lần duyệt là tháng được duyệt. Tháng chưa đến hạn không được tính.",
    c_subject: "Môn học",
    c_total: "Tổng",
    c_quantity: "Số lượng",
    c_usable: "Thiết bị tốt",
    c_used: "Đã sử dụng",
    c_never_used: "Chưa sử dụng",
    c_periods_per_item: "Tiết/thiết bị",
    c_equipment_id: "Mã thiết bị",
    c_name: "Tên thiết bị",
    c_condition: "Tình trạng",
    no_subject: "(không ghi môn học)",
    top_items: "Thiết bị được sử dụng nhiều nhất",
    never_used_title: "Thiết bị tình trạng tốt chưa được sử dụng tiết nào trong kỳ",
    listed_of: "Liệt kê {n}/{m} thiết bị đầu tiên (theo mã cơ sở, mã thiết bị).",
    equipment_note: "Số thiết bị là số mã thiết bị; tình trạng là hiện trạng trong cơ sở dữ liệu lúc lập báo cáo; thiết bị tạo sau ngày cuối kỳ không được tính. Tần suất sử dụng tính từ sổ theo dõi sử dụng (equipment_usage) trong kỳ, theo số tiết.",
    usage_unknown: "Lượt sử dụng ghi cho mã thiết bị không có trong bảng equipment",
    by_condition: "Thiết bị theo môn học và tình trạng",
    usage_by_subject: "Tần suất sử dụng theo môn học",
    backup_unavailable: "Không có bằng chứng sao lưu",
    c_store: "Kho lưu trữ",
    c_reachable: "Truy cập được",
    c_snapshots: "Số bản sao lưu",
    c_newest: "Bản mới nhất",
    c_taken_at: "Thời điểm",
    newest_backup: "Bản sao lưu mới nhất",
    copies: "Số bản sao độc lập",
    required: "yêu cầu",
    last_drill: "Lần diễn tập phục hồi gần nhất",
    c_status: "Trạng thái",
    restore_time: "Thời gian phục hồi",
    target: "mục tiêu",
    yes: "có",
    no: "không",
    none: "chưa có",
    archive_unavailable: "Không đọc được kho lưu trữ báo cáo",
    c_year: "Năm học",
    c_term: "Kỳ báo cáo",
    c_due: "Hạn lưu trữ",
    c_archived: "Đã lưu trữ",
    c_missing: "Còn thiếu",
    complete: "Đầy đủ",
    incomplete: "Còn thiếu",
    not_due: "Chưa đến hạn",
    c_rule: "Quy tắc",
    c_severity: "Mức độ",
    c_what: "Đối tượng",
    c_evidence: "Bằng chứng",
    c_detail: "Nội dung",
    office_wide: "Toàn đơn vị",
    more_findings: "… và {n} phát hiện khác trong mục này theo điều khoản này: xem báo cáo dạng CSV, XLSX hoặc JSON (đầy đủ).",
    no_findings: "Không có phát hiện nào.",
    skipped_title: "Quy tắc không đánh giá được",
    notes_title: "Lưu ý khi đọc kết quả",
    p_generated: "Lập lúc",
    p_period: "Kỳ báo cáo",
    p_as_of: "Tính đến ngày (--as-of)",
    p_tool: "Công cụ",
    p_database: "Cơ sở dữ liệu",
    p_db_sha: "SHA-256 của cơ sở dữ liệu",
    p_db_bytes: "Kích thước (byte)",
    p_policies: "Bộ quy định",
    p_office: "Đơn vị",
    p_own_sha: "SHA-256 của tệp báo cáo này",
    p_own_sha_where: "ghi trong tệp .sha256 đi kèm (định dạng sha256sum) và do lệnh eqvault report in ra; một tệp không thể chứa mã băm của chính nó",
    page: "Trang",
    e_occurred: "phát sinh",
    e_entered: "cập nhật",
    e_deadline: "hạn",
    e_days_late: "trễ (ngày)",
    e_due: "hạn duyệt",
    e_approved: "duyệt ngày",
    e_approver: "người duyệt",
    e_by: "người thực hiện",
    e_position: "chức vụ",
    e_month: "tháng",
    e_changes: "thay đổi",
    e_table: "mã thuộc",
    e_source: "căn cứ",
    e_last_seen: "thấy lần cuối",
    e_new_id: "mã mới",
    e_snapshot: "bản sao lưu",
    e_stores: "kho đang giữ",
    e_last_drill: "diễn tập gần nhất",
    e_kind: "loại báo cáo",
    e_archived_kinds: "đã lưu",
    c_change_id: "Số thay đổi",
    c_article_short: "Điều",
};

/// English.
pub static EN: Words = Words {
    title: "Compliance report: management and use of the teaching-equipment system",
    regulation: "Decision 146/QĐ-GDĐT of 5 Sep 2024",
    office: "Office",
    office_missing: "(no office name: set [office] name in eqvault.toml)",
    period: "Reporting period",
    range: "Dates",
    as_of: "As of",
    generated_at: "Generated at",
    kpi_articles_met: "Articles met",
    kpi_violations: "Violations",
    kpi_warnings: "Warnings",
    kpi_schools: "Schools with findings",
    kpi_on_time: "Entries on time",
    kpi_approvals: "Approvals on time",
    s_summary: "Summary by article",
    s_schools: "Results by school",
    s_trends: "Trends by month",
    s_equipment: "Teaching-equipment statistics",
    s_backup: "Backups and restore drills",
    s_archive: "Archive of periodic reports",
    s_findings: "Findings and evidence",
    s_notes: "Notes",
    s_provenance: "Provenance",
    c_article: "Article",
    c_requirement: "Requirement",
    c_checked: "What was checked (findings)",
    c_violations: "Violations",
    c_warnings: "Warnings",
    c_schools: "Schools",
    c_result: "Result",
    met: "Met",
    not_met: "Not met",
    warning: "Attention",
    not_assessed: "Not assessed",
    summary_total: "Total",
    summary_intro: "Each article is judged on all the data of the period. A rule that could not run (no config, no stores) is shown as \"Not assessed\" with the reason, never as \"Met\".",
    c_id: "Id",
    c_school: "School",
    c_entries_due: "Entries due",
    c_on_time: "On time",
    c_on_time_rate: "On-time rate",
    c_approvals_due: "Months to approve",
    c_approvals_missing: "Not approved",
    c_approvals_late: "Approved late",
    c_not_by_principal: "Not by the head",
    c_ids_deleted: "Ids deleted/changed",
    c_quiet_months: "Months without activity",
    c_lesson_periods: "Lesson periods used",
    c_findings: "Findings",
    schools_intro: "On-time rate = entries made on time / entries due in the period (Art. 7.3). Schools with the most violations come first.",
    not_in_schools_table: "(not in the schools table)",
    closed: "closed",
    c_month: "Month",
    c_entries_late: "Late",
    c_approvals_on_time: "Approved on time",
    c_approvals_rate: "Approvals on time",
    c_uses: "Uses",
    chart_rates: "Entries and approvals on time, by month",
    chart_rates_entries: "Entries on time (Art. 7.3)",
    chart_rates_approvals: "Approvals on time (Art. 7.2)",
    chart_approvals: "Monthly approvals (schools)",
    chart_usage: "Lesson periods with equipment, by month",
    chart_subjects: "Lesson periods by subject",
    chart_conditions: "Equipment condition",
    trends_intro: "An entry counts in the month its change happened; an approval in the month it approves. Months not yet due are left out.",
    c_subject: "Subject",
    c_total: "Total",
    c_quantity: "Quantity",
    c_usable: "Items in good condition",
    c_used: "Used",
    c_never_used: "Never used",
    c_periods_per_item: "Periods per item",
    c_equipment_id: "Equipment code",
    c_name: "Name",
    c_condition: "Condition",
    no_subject: "(no subject)",
    top_items: "Most used items",
    never_used_title: "Items in good condition not used in a single lesson in the period",
    listed_of: "The first {n} of {m} items are listed (by school and equipment code).",
    equipment_note: "Items are equipment codes; conditions are as the database holds them when the report was made; items created after the period are not counted. Usage frequency comes from the usage book (equipment_usage) in the period, in lesson periods.",
    usage_unknown: "Uses recorded for equipment codes missing from the equipment table",
    by_condition: "Items by subject and condition",
    usage_by_subject: "Usage frequency by subject",
    backup_unavailable: "Backup evidence not available",
    c_store: "Store",
    c_reachable: "Reachable",
    c_snapshots: "Snapshots",
    c_newest: "Newest",
    c_taken_at: "Taken at",
    newest_backup: "Newest backup",
    copies: "Independent copies",
    required: "required",
    last_drill: "Last restore drill",
    c_status: "Status",
    restore_time: "Restore time",
    target: "target",
    yes: "yes",
    no: "no",
    none: "none",
    archive_unavailable: "The report archive could not be read",
    c_year: "School year",
    c_term: "Period",
    c_due: "Due",
    c_archived: "Archived",
    c_missing: "Missing",
    complete: "Complete",
    incomplete: "Incomplete",
    not_due: "Not yet due",
    c_rule: "Rule",
    c_severity: "Severity",
    c_what: "Concerns",
    c_evidence: "Evidence",
    c_detail: "Finding",
    office_wide: "Office-wide",
    more_findings: "… and {n} more findings in this section under this article: see the CSV, XLSX or JSON report (complete).",
    no_findings: "No findings.",
    skipped_title: "Rules not assessed",
    notes_title: "To know when reading the results",
    p_generated: "Generated at",
    p_period: "Reporting period",
    p_as_of: "As of (--as-of)",
    p_tool: "Tool",
    p_database: "Database",
    p_db_sha: "Database SHA-256",
    p_db_bytes: "Size (bytes)",
    p_policies: "Policies",
    p_office: "Office",
    p_own_sha: "SHA-256 of this report file",
    p_own_sha_where: "in the .sha256 file beside it (sha256sum format) and printed by eqvault report; a file cannot hold its own hash",
    page: "Page",
    e_occurred: "occurred",
    e_entered: "entered",
    e_deadline: "deadline",
    e_days_late: "days late",
    e_due: "due",
    e_approved: "approved on",
    e_approver: "approved by",
    e_by: "by",
    e_position: "position",
    e_month: "month",
    e_changes: "changes",
    e_table: "identifier of",
    e_source: "shown by",
    e_last_seen: "last seen",
    e_new_id: "new id",
    e_snapshot: "snapshot",
    e_stores: "held by",
    e_last_drill: "last drill",
    e_kind: "report kind",
    e_archived_kinds: "archived",
    c_change_id: "Change",
    c_article_short: "Art.",
};

/// The articles of the summary table, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Article {
    /// Điều 6: identifiers.
    Art6,
    /// Điều 7.2: monthly approval by the head of school.
    Art7_2,
    /// Điều 7.3: entries within 10 working days.
    Art7_3,
    /// Điều 8, 14: monthly updates of purchases and use.
    Art8_14,
    /// Điều 12.1: a copy at least every 3 months.
    Art12_1,
    /// Điều 12.2: reports archived by period and school year.
    Art12_2,
    /// Thông tư 05/2025/TT-BNV Điều 27: two independent copies.
    Tt05Art27,
    /// Restore drills each quarter.
    RestoreDrills,
}

impl Article {
    /// Every article, in table order.
    pub const ALL: [Article; 8] = [
        Article::Art6,
        Article::Art7_2,
        Article::Art7_3,
        Article::Art8_14,
        Article::Art12_1,
        Article::Art12_2,
        Article::Tt05Art27,
        Article::RestoreDrills,
    ];

    /// The stable key (`art7_3`), used in JSON and as HTML ids.
    pub fn key(self) -> &'static str {
        match self {
            Article::Art6 => "art6",
            Article::Art7_2 => "art7_2",
            Article::Art7_3 => "art7_3",
            Article::Art8_14 => "art8_14",
            Article::Art12_1 => "art12_1",
            Article::Art12_2 => "art12_2",
            Article::Tt05Art27 => "tt05_art27",
            Article::RestoreDrills => "restore_drills",
        }
    }

    /// The rules that judge it.
    pub fn rules(self) -> &'static [Rule] {
        match self {
            Article::Art6 => &[
                Rule::DeletedIdentifier,
                Rule::ChangedIdentifier,
                Rule::ReusedIdentifier,
            ],
            Article::Art7_2 => &[
                Rule::MissingApproval,
                Rule::LateApproval,
                Rule::ApprovalNotByPrincipal,
                Rule::ApprovalBeforeMonthEnd,
            ],
            Article::Art7_3 => &[Rule::LateUpdate],
            Article::Art8_14 => &[Rule::NoMonthlyUpdate],
            Article::Art12_1 => &[Rule::BackupOverdue],
            Article::Art12_2 => &[Rule::ReportMissing],
            Article::Tt05Art27 => &[Rule::BackupCopies],
            Article::RestoreDrills => &[Rule::DrillOverdue],
        }
    }

    /// The article a rule belongs to.
    pub fn of(rule: Rule) -> Article {
        Article::ALL
            .into_iter()
            .find(|a| a.rules().contains(&rule))
            .unwrap_or(Article::Art7_3)
    }

    /// "Điều 7, khoản 3" / "Art. 7.3".
    pub fn label(self, lang: Lang) -> &'static str {
        let (vi, en) = match self {
            Article::Art6 => ("Điều 6", "Art. 6"),
            Article::Art7_2 => ("Điều 7, khoản 2", "Art. 7.2"),
            Article::Art7_3 => ("Điều 7, khoản 3", "Art. 7.3"),
            Article::Art8_14 => ("Điều 8, Điều 14", "Art. 8, 14"),
            Article::Art12_1 => ("Điều 12, khoản 1", "Art. 12.1"),
            Article::Art12_2 => ("Điều 12, khoản 2", "Art. 12.2"),
            Article::Tt05Art27 => (
                "Thông tư 05/2025/TT-BNV, Điều 27",
                "Circular 05/2025/TT-BNV, Art. 27",
            ),
            Article::RestoreDrills => ("Diễn tập phục hồi", "Restore drills"),
        };
        lang.choose(vi, en)
    }

    /// A short title.
    pub fn title(self, lang: Lang) -> &'static str {
        let (vi, en) = match self {
            Article::Art6 => ("Mã định danh trên Hệ thống", "Identifiers in the system"),
            Article::Art7_2 => (
                "Thủ trưởng duyệt hàng tháng",
                "Monthly approval by the head",
            ),
            Article::Art7_3 => (
                "Cập nhật trong 10 ngày làm việc",
                "Entries within 10 working days",
            ),
            Article::Art8_14 => ("Cập nhật hàng tháng", "Monthly updates"),
            Article::Art12_1 => ("Sao lưu định kỳ", "Regular backups"),
            Article::Art12_2 => ("Lưu trữ báo cáo", "Archive of reports"),
            Article::Tt05Art27 => ("Hai bản sao độc lập", "Two independent copies"),
            Article::RestoreDrills => ("Phục hồi thử hằng quý", "A restore drill each quarter"),
        };
        lang.choose(vi, en)
    }

    /// The requirement, in the regulation's own words.
    pub fn requirement(self, lang: Lang) -> &'static str {
        let (vi, en) = match self {
            Article::Art6 => (
                "Mã định danh của mỗi đối tượng là duy nhất, bất biến (không bị thay đổi hoặc xóa bỏ từ khi mã được sinh ra); cơ sở ngừng hoạt động, cán bộ chuyển công tác chỉ thay đổi trạng thái.",
                "Each identifier is unique and immutable (never changed or deleted once issued); a closed school or a departed teacher only changes status.",
            ),
            Article::Art7_2 => (
                "Thủ trưởng cơ sở giáo dục duyệt thông tin cập nhật vào Hệ thống hàng tháng.",
                "The head of each school approves the information entered into the system every month.",
            ),
            Article::Art7_3 => (
                "Cập nhật thông tin, dữ liệu thiết bị dạy học khi có thay đổi, bổ sung: tối đa không quá 10 ngày làm việc kể từ ngày có thay đổi, bổ sung.",
                "Changes and additions to equipment data are entered within at most 10 working days of the change.",
            ),
            Article::Art8_14 => (
                "Cập nhật việc mua sắm, sử dụng thiết bị dạy học định kỳ hàng tháng lên Hệ thống.",
                "Purchases and use of teaching equipment are recorded in the system every month.",
            ),
            Article::Art12_1 => (
                "Thông tin, dữ liệu phải được sao chép vào các thiết bị lưu trữ chuyên dụng theo định kỳ, thời gian tối thiểu 3 tháng/1 lần.",
                "Data is copied to dedicated storage regularly, at least once every 3 months.",
            ),
            Article::Art12_2 => (
                "Báo cáo thống kê định kỳ và các báo cáo đã trích xuất phải được lưu trữ đầy đủ, khoa học, sắp xếp theo kỳ báo cáo, theo năm học.",
                "Periodic and extracted reports are archived completely and orderly, by reporting period and school year.",
            ),
            Article::Tt05Art27 => (
                "Sao lưu ít nhất hai bản, mỗi bản trên một phương tiện lưu trữ độc lập.",
                "Back up in at least two copies, each on an independent storage medium.",
            ),
            Article::RestoreDrills => (
                "Kiểm tra, sao lưu và phục hồi được thực hiện đồng bộ: mỗi quý phục hồi thử một bản sao lưu để chứng minh dữ liệu khôi phục được.",
                "Check, backup and restore go together: each quarter a backup is restored in a drill to prove the data can be recovered.",
            ),
        };
        lang.choose(vi, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_in_each_language() {
        let d = NaiveDate::from_ymd_opt(2025, 2, 4).unwrap();
        assert_eq!(Lang::Vi.date(d), "04/02/2025");
        assert_eq!(Lang::En.date(d), "4 Feb 2025");
        assert_eq!(Lang::Vi.int(1_234_567), "1.234.567");
        assert_eq!(Lang::En.int(1_234_567), "1,234,567");
        assert_eq!(Lang::Vi.int(999), "999");
        assert_eq!(Lang::Vi.pct(0.975), "97,5 %");
        assert_eq!(Lang::En.pct(0.975), "97.5%");
        assert_eq!(Lang::Vi.rate(None), "–");
        // 1 late in 3 000 is not "100 %", 1 in 3 000 on time is not "0 %".
        assert_eq!(Lang::Vi.pct(2999.0 / 3000.0), "99,9 %");
        assert_eq!(Lang::En.pct(1.0 / 3000.0), "0.1%");
        assert_eq!(Lang::Vi.pct(1.0), "100,0 %");
        assert_eq!(Lang::Vi.pct(0.9 + 0.1), "100,0 %");
        assert_eq!(Lang::En.pct(0.0), "0.0%");
        let m = Month {
            year: 2025,
            month: 1,
        };
        assert_eq!(Lang::Vi.month(m), "01/2025");
        assert_eq!(Lang::En.month_short(m), "Jan 25");
    }

    #[test]
    fn every_rule_has_one_article() {
        // data_quality counts under the article of the rule it could not judge.
        for rule in Rule::ALL.into_iter().filter(|&r| r != Rule::DataQuality) {
            let n = Article::ALL
                .iter()
                .filter(|a| a.rules().contains(&rule))
                .count();
            assert_eq!(n, 1, "{rule}");
        }
    }
}
