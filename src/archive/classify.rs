//! The classifier: which school year and report period a report file belongs to, from flags, its name, its folders or its date.
//!
//! File names spell periods in many ways (DOMAIN.md §6): `HK1`, `HKI`, `HK 2`,
//! `Học kỳ I`, `hoc ky 2`, `học kì II`, `CN`, `Cả năm`, `ca nam`, `tháng 3`,
//! `T03`, and years as `2024-2025`, `2024_2025`, `2024-25`, `NH24-25`. Names
//! are matched after [`fold`]: NFD, combining marks dropped, `đ` → `d`,
//! lowercase, so NFC and NFD names, with or without diacritics, read alike.
//! The folded name is cut into [`tokens`] at every non-alphanumeric character
//! and between letters and digits (`HK1` → `hk`, `1`), and the patterns are
//! matched on tokens, never inside a word (`CNTT` is not `CN`).
//!
//! Each of year and period is decided by the first source that names it:
//! `--year`/`--term`, then the file name, then the enclosing folders (the
//! nearest first, up to the folder given on the command line), then the
//! file's modification date in Vietnam through the school-year data. A source
//! that names two different values is a refusal listing both, never a guess;
//! so is a file that no source places.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::calendar::{Period, SchoolYears};
use crate::lang::Msg;

/// Text folded for matching: NFD, combining marks removed, `đ`/`Đ` → `d`, lowercase.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            // Other letters with a stroke that NFD leaves whole.
            'ø' => 'o',
            'ł' => 'l',
            _ => c,
        })
        .collect()
}

/// One token of a folded name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A run of letters.
    Word(String),
    /// A run of ASCII digits.
    Num(String),
}

/// Cuts a name into tokens: [`fold`]ed, split at every character that is not
/// a letter or a digit, and between letters and digits.
pub fn tokens(name: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut digits = false;
    let flush = |cur: &mut String, digits: bool, out: &mut Vec<Token>| {
        if !cur.is_empty() {
            let t = std::mem::take(cur);
            out.push(if digits {
                Token::Num(t)
            } else {
                Token::Word(t)
            });
        }
    };
    for c in fold(name).chars() {
        if c.is_ascii_digit() {
            if !digits {
                flush(&mut cur, digits, &mut out);
                digits = true;
            }
            cur.push(c);
        } else if c.is_alphabetic() {
            if digits {
                flush(&mut cur, digits, &mut out);
                digits = false;
            }
            cur.push(c);
        } else {
            flush(&mut cur, digits, &mut out);
        }
    }
    flush(&mut cur, digits, &mut out);
    out
}

/// The folded words of a name joined by single spaces (for kind patterns).
pub fn folded_words(name: &str) -> String {
    tokens(name)
        .into_iter()
        .map(|t| match t {
            Token::Word(w) | Token::Num(w) => w,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What one name says: the years and periods it spells, each with the text that spelled it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// `(2024-2025, "nh 24 25")`, in the order found.
    pub years: Vec<(String, String)>,
    /// `(hk1, "hoc ky i")`, in the order found.
    pub periods: Vec<(Period, String)>,
}

fn word(t: Option<&Token>) -> Option<&str> {
    match t {
        Some(Token::Word(w)) => Some(w),
        _ => None,
    }
}

fn num(t: Option<&Token>) -> Option<&str> {
    match t {
        Some(Token::Num(n)) => Some(n),
        _ => None,
    }
}

/// `1`, `2`, `i`, `ii` (and `01`, `02`) as a term number.
fn term_number(t: Option<&Token>) -> Option<Period> {
    match t {
        Some(Token::Num(n)) => match n.trim_start_matches('0') {
            "1" => Some(Period::Hk1),
            "2" => Some(Period::Hk2),
            _ => None,
        },
        Some(Token::Word(w)) => match w.as_str() {
            "i" => Some(Period::Hk1),
            "ii" => Some(Period::Hk2),
            _ => None,
        },
        None => None,
    }
}

fn month_number(n: &str) -> Option<u32> {
    if n.is_empty() || n.len() > 2 {
        return None;
    }
    n.parse::<u32>().ok().filter(|m| (1..=12).contains(m))
}

/// A school year from its first calendar year.
fn year_name(first: i32) -> String {
    format!("{first}-{}", first + 1)
}

/// `YYYY` then `YYYY` (consecutive) or `YY` (the next year's last two digits).
fn full_year_at(toks: &[Token], i: usize) -> Option<(String, usize)> {
    let a = num(toks.get(i)).filter(|a| a.len() == 4)?;
    let b = num(toks.get(i + 1))?;
    let first: i32 = a.parse().ok()?;
    if !(1900..2200).contains(&first) {
        return None;
    }
    let ok = match b.len() {
        4 => b.parse::<i32>().ok() == Some(first + 1),
        2 => b.parse::<i32>().ok() == Some((first + 1) % 100),
        _ => false,
    };
    ok.then(|| (year_name(first), 2))
}

/// `YY` `YY` consecutive, or `YYYY` read as two such halves (`2425`), as
/// 20YY-20YY (only after `nh` or `nam hoc`).
fn short_year_at(toks: &[Token], i: usize) -> Option<(String, usize)> {
    let consecutive = |a: &str, b: &str| -> Option<i32> {
        let (a, b): (i32, i32) = (a.parse().ok()?, b.parse().ok()?);
        (b == (a + 1) % 100).then_some(2000 + a)
    };
    let a = num(toks.get(i))?;
    if a.len() == 4 {
        return consecutive(&a[..2], &a[2..]).map(|y| (year_name(y), 1));
    }
    let b = num(toks.get(i + 1)).filter(|b| b.len() == 2 && a.len() == 2)?;
    consecutive(a, b).map(|y| (year_name(y), 2))
}

/// `YYYYYYYY` with consecutive halves (`20242025`).
fn joined_year_at(toks: &[Token], i: usize) -> Option<(String, usize)> {
    let a = num(toks.get(i)).filter(|a| a.len() == 8)?;
    let (x, y): (i32, i32) = (a[..4].parse().ok()?, a[4..].parse().ok()?);
    (y == x + 1 && (1900..2200).contains(&x)).then(|| (year_name(x), 1))
}

fn spelled(toks: &[Token]) -> String {
    toks.iter()
        .map(|t| match t {
            Token::Word(w) | Token::Num(w) => w.as_str(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads the years and periods a name spells (see the module docs for the spellings).
pub fn scan(name: &str) -> Found {
    let toks = tokens(name);
    let mut found = Found::default();
    let mut i = 0;
    while i < toks.len() {
        // Years.
        let year = match word(toks.get(i)) {
            Some("nh") => full_year_at(&toks, i + 1)
                .or_else(|| joined_year_at(&toks, i + 1))
                .or_else(|| short_year_at(&toks, i + 1))
                .map(|(y, n)| (y, n + 1)),
            Some("nam") if word(toks.get(i + 1)) == Some("hoc") => full_year_at(&toks, i + 2)
                .or_else(|| short_year_at(&toks, i + 2))
                .map(|(y, n)| (y, n + 2)),
            Some("namhoc") => full_year_at(&toks, i + 1)
                .or_else(|| short_year_at(&toks, i + 1))
                .map(|(y, n)| (y, n + 1)),
            _ => full_year_at(&toks, i).or_else(|| joined_year_at(&toks, i)),
        };
        if let Some((y, n)) = year {
            found.years.push((y, spelled(&toks[i..i + n])));
            i += n;
            continue;
        }
        // Periods.
        let period: Option<(Period, usize)> = match word(toks.get(i)) {
            Some("hk" | "hocky" | "hocki") => term_number(toks.get(i + 1)).map(|p| (p, 2)),
            Some("hki") => Some((Period::Hk1, 1)),
            Some("hkii") => Some((Period::Hk2, 1)),
            Some("hoc") if matches!(word(toks.get(i + 1)), Some("ky" | "ki")) => {
                term_number(toks.get(i + 2)).map(|p| (p, 3))
            }
            Some("cn" | "canam") => Some((Period::CaNam, 1)),
            Some("ca") if word(toks.get(i + 1)) == Some("nam") => Some((Period::CaNam, 2)),
            Some("thang") => num(toks.get(i + 1))
                .and_then(month_number)
                .map(|m| (Period::Month(m), 2)),
            Some("t") => num(toks.get(i + 1))
                .filter(|n| n.len() == 2)
                .and_then(month_number)
                .map(|m| (Period::Month(m), 2)),
            _ => None,
        };
        if let Some((p, n)) = period {
            found.periods.push((p, spelled(&toks[i..i + n])));
            i += n;
            continue;
        }
        i += 1;
    }
    found
}

/// Where a year or a period came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `--year` / `--term`.
    Flag,
    /// The file's name.
    Name,
    /// An enclosing folder's name.
    Folder,
    /// The file's modification date, through the school-year data.
    Date,
}

impl Source {
    /// Where the value came from, as words (`name`, `folder`, …).
    pub fn msg(self) -> Msg {
        Msg::new(match self {
            Source::Flag => "archive-from-flag",
            Source::Name => "archive-from-name",
            Source::Folder => "archive-from-folder",
            Source::Date => "archive-from-date",
        })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Flag => "flag",
            Source::Name => "name",
            Source::Folder => "folder",
            Source::Date => "date",
        })
    }
}

/// A file placed in a school year and a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// `2024-2025`.
    pub year: String,
    /// `hk1`, `hk2`, `ca-nam` or a month.
    pub period: Period,
    /// Where the year came from.
    pub year_from: Source,
    /// Where the period came from.
    pub period_from: Source,
}

/// Why a file was not placed: what each source said and what to pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// One sentence: what is wrong.
    pub reason: Msg,
    /// The candidates, e.g. `2024-2025/hk1 (name: "hk 1")`.
    pub candidates: Vec<Msg>,
    /// What to do, naming the flag.
    pub hint: Msg,
}

/// What the classifier is told about one file.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The file's name.
    pub name: &'a str,
    /// Enclosing folder names, nearest first, up to the folder given on the command line.
    pub folders: &'a [String],
    /// The file's modification date in Vietnam, when known.
    pub date: Option<NaiveDate>,
}

/// The flags of a run: they win over everything else, except that a
/// `--term` given for a folder is only a default (see [`Flags::term_default`]).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--year`.
    pub year: Option<String>,
    /// `--term`.
    pub period: Option<Period>,
    /// `--term` applies only where the file's own name names no period (a
    /// file found in a folder given on the command line): the name wins.
    pub term_default: bool,
}

const TERM_HINT: &str = "--term hk1|hk2|ca-nam|MM";
const YEAR_HINT: &str = "--year YYYY-YYYY";

pub use crate::calendar::is_year_name;

/// The value the first source names (the file name, then the folders nearest
/// first), or a refusal when that source names two different ones.
/// What [`first_named`] looks for.
#[derive(Debug, Clone, Copy)]
enum Named {
    Years,
    Periods,
}

fn first_named<T: Ord + Clone + fmt::Display>(
    sources: &[(&Found, Source, &str)],
    values: impl Fn(&Found) -> Vec<(T, String)>,
    what: Named,
    flag: &str,
    prefix: &str,
    around: (&str, &str),
) -> Result<Option<(T, Source)>, Refusal> {
    for (found, source, text) in sources {
        let all = values(found);
        let distinct: BTreeSet<T> = all.iter().map(|(v, _)| v.clone()).collect();
        if distinct.len() > 1 {
            let alternatives: Vec<String> = distinct
                .iter()
                .map(|v| format!("{}{flag} {v}{}", around.0, around.1))
                .collect();
            return Err(Refusal {
                reason: Msg::new(match (*source == Source::Name, what) {
                    (true, Named::Years) => "archive-name-names-years",
                    (true, Named::Periods) => "archive-name-names-periods",
                    (false, Named::Years) => "archive-folder-names-years",
                    (false, Named::Periods) => "archive-folder-names-periods",
                })
                .arg("text", format!("{text:?}"))
                .arg("count", distinct.len()),
                candidates: all
                    .iter()
                    .map(|(v, s)| {
                        Msg::new("archive-candidate")
                            .arg("place", format!("{prefix}{v}"))
                            .arg_msg("from", source.msg())
                            .arg("text", format!("{s:?}"))
                    })
                    .collect(),
                hint: {
                    let (last, rest) = alternatives.split_last().expect("two or more");
                    Msg::new("archive-hint-either")
                        .arg("some", rest.join(", "))
                        .arg("last", last)
                },
            });
        }
        if let Some(v) = distinct.into_iter().next() {
            return Ok(Some((v, *source)));
        }
    }
    Ok(None)
}

/// Places one file, or says why it cannot be placed.
///
/// # Errors
/// A [`Refusal`] when a source names two different values, or when no source
/// places the file (and its date, if any, is outside the school-year data).
pub fn classify(
    subject: &Subject<'_>,
    flags: &Flags,
    years: &SchoolYears,
) -> Result<Placement, Refusal> {
    let name = scan(subject.name);
    let folders: Vec<Found> = subject.folders.iter().map(|f| scan(f)).collect();
    let one_file = |flag: &str| Msg::new("archive-hint-one-file").arg("flags", flag);

    // Year and period each from the flag, else the name, else the nearest folder that names one.
    let sources: Vec<(&Found, Source, &str)> = std::iter::once((&name, Source::Name, subject.name))
        .chain(
            folders
                .iter()
                .zip(subject.folders)
                .map(|(f, n)| (f, Source::Folder, n.as_str())),
        )
        .collect();
    // The period the name and folders give, ignoring a conflict for now: the
    // advice for a year in conflict keeps it (and the reverse), so that the
    // command it names files the report where everything else says.
    let periods_named = |around: (&str, &str), prefix: &str| {
        first_named(
            &sources,
            |f| f.periods.clone(),
            Named::Periods,
            "--term",
            prefix,
            around,
        )
    };
    // The year as the flag or the first source names it (for advice only).
    let year_hint = || match &flags.year {
        Some(y) => format!("--year {y} "),
        None => first_named(
            &sources,
            |f| f.years.clone(),
            Named::Years,
            "--year",
            "",
            ("", ""),
        )
        .ok()
        .flatten()
        .map(|(y, _)| format!("--year {y} "))
        .unwrap_or_default(),
    };
    let flag_period = match flags.period {
        // A default for a folder's files: the file's own name wins.
        Some(p) if flags.term_default => match first_named(
            &sources[..1],
            |f| f.periods.clone(),
            Named::Periods,
            "--term",
            "",
            (&year_hint(), ""),
        )? {
            Some(named) => Some(named),
            None => Some((p, Source::Flag)),
        },
        Some(p) => Some((p, Source::Flag)),
        None => None,
    };
    let year = match flags.year.clone() {
        Some(y) => Some((y, Source::Flag)),
        None => {
            let keep_term = match &flag_period {
                Some((p, _)) => Some(*p),
                None => periods_named(("", ""), "").ok().flatten().map(|(p, _)| p),
            };
            let after = keep_term
                .map(|p| format!(" --term {p}"))
                .unwrap_or_default();
            first_named(
                &sources,
                |f| f.years.clone(),
                Named::Years,
                "--year",
                "",
                ("", &after),
            )?
        }
    };
    let prefix = year
        .as_ref()
        .map(|(y, _)| format!("{y}/"))
        .unwrap_or_default();
    let period = match flag_period {
        Some(p) => Some(p),
        None => {
            let before = year
                .as_ref()
                .map(|(y, _)| format!("--year {y} "))
                .unwrap_or_default();
            periods_named((&before, ""), &prefix)?
        }
    };

    if let (Some((y, yf)), Some((p, pf))) = (&year, &period) {
        return Ok(Placement {
            year: y.clone(),
            period: *p,
            year_from: *yf,
            period_from: *pf,
        });
    }

    // The date fills in what is left.
    let Some(date) = subject.date else {
        return Err(Refusal {
            reason: Msg::new("archive-no-place"),
            candidates: Vec::new(),
            hint: one_file(&format!("{YEAR_HINT} {TERM_HINT}")),
        });
    };
    let covered = || {
        let ys = years.years();
        match (ys.first(), ys.last()) {
            (Some(a), Some(b)) => Msg::new("archive-years-range")
                .arg("first", &a.name)
                .arg("last", &b.name),
            _ => Msg::new("archive-years-none"),
        }
    };
    let Some((date_year, date_term)) = years.term_of(date) else {
        return Err(Refusal {
            reason: match (&year, &period) {
                (None, None) => Msg::new("archive-outside-nothing"),
                (Some((y, s)), None) => Msg::new("archive-outside-year-only")
                    .arg("year", y)
                    .arg_msg("from", s.msg()),
                (None, Some((p, s))) => Msg::new("archive-outside-period-only")
                    .arg("period", p)
                    .arg_msg("from", s.msg()),
                (Some(_), Some(_)) => unreachable!("placed above"),
            }
            .day("date", date)
            .arg_msg("covered", covered()),
            candidates: Vec::new(),
            hint: one_file(match (&year, &period) {
                (Some(_), None) => TERM_HINT,
                (None, Some(_)) => YEAR_HINT,
                _ => "--year YYYY-YYYY --term hk1|hk2|ca-nam|MM",
            }),
        });
    };
    match (year, period) {
        (None, None) => Ok(Placement {
            year: date_year,
            period: date_term.into(),
            year_from: Source::Date,
            period_from: Source::Date,
        }),
        (None, Some((p, pf))) => Ok(Placement {
            year: date_year,
            period: p,
            year_from: Source::Date,
            period_from: pf,
        }),
        (Some((y, yf)), None) if y == date_year => Ok(Placement {
            year: y,
            period: date_term.into(),
            year_from: yf,
            period_from: Source::Date,
        }),
        (Some((y, yf)), None) => Err(Refusal {
            reason: Msg::new("archive-year-no-period")
                .arg_msg("from", yf.msg())
                .arg("year", &y)
                .day("date", date)
                .arg("date_year", &date_year),
            candidates: vec![
                Msg::new("archive-candidate-year")
                    .arg("place", format!("{y}/?"))
                    .arg_msg("from", yf.msg()),
                Msg::new("archive-candidate-date")
                    .arg("place", format!("{date_year}/{date_term}"))
                    .day("date", date),
            ],
            hint: one_file(TERM_HINT),
        }),
        (Some(_), Some(_)) => unreachable!("placed above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use unicode_normalization::UnicodeNormalization;

    fn years() -> SchoolYears {
        SchoolYears::from_toml(
            Path::new("school-years.toml"),
            include_str!("../../policies/school-years.toml"),
        )
        .unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn place(name: &str, date: Option<NaiveDate>) -> Result<(String, Period), Refusal> {
        classify(
            &Subject {
                name,
                folders: &[],
                date,
            },
            &Flags::default(),
            &years(),
        )
        .map(|p| (p.year, p.period))
    }

    fn ok(y: &str, p: Period) -> Result<(String, Period), Refusal> {
        Ok((y.to_string(), p))
    }

    #[test]
    fn folding_drops_marks_in_nfc_and_nfd() {
        let nfc = "Học kỳ I – Đơn vị Cả năm";
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd);
        assert_eq!(fold(nfc), "hoc ky i – don vi ca nam");
        assert_eq!(fold(&nfd), fold(nfc));
        assert_eq!(fold("học kì II"), "hoc ki ii");
        assert_eq!(fold("ƯỚC LƯỢNG"), "uoc luong");
    }

    #[test]
    fn tokens_split_letters_from_digits() {
        assert_eq!(
            tokens("BC_HK1-NH24-25.xlsx"),
            vec![
                Token::Word("bc".into()),
                Token::Word("hk".into()),
                Token::Num("1".into()),
                Token::Word("nh".into()),
                Token::Num("24".into()),
                Token::Num("25".into()),
                Token::Word("xlsx".into()),
            ]
        );
        assert_eq!(
            folded_words("Thống kê  TBDH (bản 2).pdf"),
            "thong ke tbdh ban 2 pdf"
        );
    }

    /// Every spelling of DOMAIN.md §6, with and without diacritics, NFC and NFD.
    #[test]
    fn every_spelling_of_domain_6() {
        let cases: &[(&str, &str, Period)] = &[
            ("Báo cáo HK1 2024-2025.xlsx", "2024-2025", Period::Hk1),
            ("Báo cáo HKI 2024-2025.xlsx", "2024-2025", Period::Hk1),
            ("bao cao HK 2 2024_2025.pdf", "2024-2025", Period::Hk2),
            ("Thống kê Học kỳ I NH24-25.xlsx", "2024-2025", Period::Hk1),
            (
                "thong ke hoc ky 2 nam hoc 2025-2026.xlsx",
                "2025-2026",
                Period::Hk2,
            ),
            ("Báo cáo học kì II 2023-2024.docx", "2023-2024", Period::Hk2),
            ("BC CN 2024-2025.pdf", "2024-2025", Period::CaNam),
            ("Báo cáo Cả năm 2024-2025.pdf", "2024-2025", Period::CaNam),
            ("bao cao ca nam 2024-2025.pdf", "2024-2025", Period::CaNam),
            (
                "Báo cáo tháng 3 NH 2024-2025.xlsx",
                "2024-2025",
                Period::Month(3),
            ),
            ("BC_T03_2024-2025.xlsx", "2024-2025", Period::Month(3)),
            ("BC HKII 2024-25.xlsx", "2024-2025", Period::Hk2),
            (
                "HỌC KỲ II NĂM HỌC 2024 - 2025.PDF",
                "2024-2025",
                Period::Hk2,
            ),
            ("hk1_nh2425.xlsx", "2024-2025", Period::Hk1),
        ];
        for (name, year, period) in cases {
            for form in [
                name.nfc().collect::<String>(),
                name.nfd().collect::<String>(),
            ] {
                assert_eq!(place(&form, None), ok(year, *period), "{form:?}");
            }
        }
    }

    #[test]
    fn words_that_merely_contain_a_spelling_do_not_count() {
        // CNTT is not CN; "chuẩn" is not "ca nam"; a date is not a school year.
        let f = scan("Báo cáo CNTT chuẩn 2025-01-15.xlsx");
        assert!(f.periods.is_empty() && f.years.is_empty(), "{f:?}");
        assert!(scan("BC2024-2026").years.is_empty());
        assert!(scan("thang 13").periods.is_empty());
    }

    #[test]
    fn two_periods_in_a_name_are_refused_with_both_candidates() {
        let r = place("Báo cáo HK1 và HK2 2024-2025.xlsx", None).unwrap_err();
        assert_eq!(r.candidates.len(), 2, "{r:?}");
        assert!(
            r.candidates[0].to_string().contains("2024-2025/hk1"),
            "{r:?}"
        );
        assert!(
            r.hint
                .to_string()
                .contains("--year 2024-2025 --term hk1 or --year 2024-2025 --term hk2"),
            "{r:?}"
        );
        let r = place("BC tháng 12 HK1 2024-2025.xlsx", None).unwrap_err();
        assert!(
            r.hint.to_string().contains("--term 12") && r.hint.to_string().contains("--term hk1"),
            "{r:?}"
        );
    }

    #[test]
    fn two_years_in_a_name_are_refused() {
        let r = place("So sánh HK1 2023-2024 và 2024-2025.xlsx", None).unwrap_err();
        assert!(
            r.hint
                .to_string()
                .contains("--year 2023-2024 --term hk1 or --year 2024-2025 --term hk1"),
            "{r:?}"
        );
    }

    /// Issue 31: the advice for a file whose name names two terms, in a folder
    /// that names the year, keeps the folder's year, also when `--term` was
    /// given for the folder: done as said, the file lands in that year, never
    /// in the year of its date.
    #[test]
    fn the_advice_for_two_terms_keeps_the_year_the_folder_named() {
        let folders = ["Năm học 2024-2025".to_string()];
        let given_for_folder = Flags {
            year: None,
            period: Some(Period::Hk2),
            term_default: true,
        };
        for flags in [Flags::default(), given_for_folder] {
            let r = classify(
                &Subject {
                    name: "Báo cáo HK1 và HK2.xlsx",
                    folders: &folders,
                    date: Some(d(2026, 12, 6)),
                },
                &flags,
                &years(),
            )
            .unwrap_err();
            let hint = r.hint.to_string();
            assert!(
                hint.contains("--year 2024-2025 --term hk1 or --year 2024-2025 --term hk2"),
                "{flags:?}: {hint}"
            );
        }
    }

    /// Issue 31: `--term` given for a folder is a default: a file whose own
    /// name names its term keeps it; the others take the flag.
    #[test]
    fn a_term_given_for_a_folder_yields_to_the_term_in_a_file_name() {
        let folders = ["2024-2025".to_string()];
        let flags = Flags {
            year: None,
            period: Some(Period::Hk2),
            term_default: true,
        };
        let at = |name: &str| {
            classify(
                &Subject {
                    name,
                    folders: &folders,
                    date: None,
                },
                &flags,
                &years(),
            )
            .map(|p| (p.period, p.period_from))
        };
        assert_eq!(at("Thống kê HK1.xlsx"), Ok((Period::Hk1, Source::Name)));
        assert_eq!(at("Thống kê.xlsx"), Ok((Period::Hk2, Source::Flag)));
        // Given for the file itself, the flag wins.
        let r = classify(
            &Subject {
                name: "Thống kê HK1.xlsx",
                folders: &folders,
                date: None,
            },
            &Flags {
                term_default: false,
                ..flags.clone()
            },
            &years(),
        );
        assert_eq!(r.map(|p| p.period), Ok(Period::Hk2));
    }

    #[test]
    fn the_same_spelling_twice_is_not_ambiguous() {
        assert_eq!(
            place("HK1 2024-2025 (bản sửa HKI).xlsx", None),
            ok("2024-2025", Period::Hk1)
        );
    }

    #[test]
    fn the_date_fills_in_through_the_school_years() {
        // Nothing in the name: the date gives both (HK2 of 2024-2025 from 13 Jan 2025).
        assert_eq!(
            place("bao-cao.xlsx", Some(d(2025, 1, 13))),
            ok("2024-2025", Period::Hk2)
        );
        assert_eq!(
            place("bao-cao.xlsx", Some(d(2025, 1, 12))),
            ok("2024-2025", Period::Hk1)
        );
        // A period without a year: the date's school year.
        assert_eq!(
            place("Cả năm.pdf", Some(d(2025, 6, 20))),
            ok("2024-2025", Period::CaNam)
        );
        assert_eq!(
            place("tháng 8.pdf", Some(d(2025, 9, 2))),
            ok("2024-2025", Period::Month(8))
        );
        // A year without a period: the date's term when the date is in that year.
        assert_eq!(
            place("BC 2025-2026.xlsx", Some(d(2025, 10, 1))),
            ok("2025-2026", Period::Hk1)
        );
        let r = place("BC 2023-2024.xlsx", Some(d(2025, 10, 1))).unwrap_err();
        assert!(r.hint.to_string().contains("--term"), "{r:?}");
        assert_eq!(r.candidates.len(), 2, "{r:?}");
    }

    #[test]
    fn outside_the_school_years_or_without_a_date_is_refused() {
        let r = place("bao-cao.xlsx", Some(d(2019, 3, 1))).unwrap_err();
        assert!(
            r.reason.to_string().contains("2019-03-01")
                && r.reason.to_string().contains("2023-2024 to 2026-2027"),
            "{r:?}"
        );
        assert!(
            r.hint.to_string().contains("--year") && r.hint.to_string().contains("--term"),
            "{r:?}"
        );
        let r = place("bao-cao.xlsx", None).unwrap_err();
        assert!(r.hint.to_string().contains("--year"), "{r:?}");
    }

    #[test]
    fn flags_win_over_the_name() {
        let p = classify(
            &Subject {
                name: "BC HK1 2024-2025.xlsx",
                folders: &[],
                date: None,
            },
            &Flags {
                year: Some("2025-2026".into()),
                period: Some(Period::CaNam),
                term_default: false,
            },
            &years(),
        )
        .unwrap();
        assert_eq!((p.year.as_str(), p.period), ("2025-2026", Period::CaNam));
        assert_eq!((p.year_from, p.period_from), (Source::Flag, Source::Flag));
        // A flag for one of the two still lets the name give the other.
        let p = classify(
            &Subject {
                name: "BC HK2.xlsx",
                folders: &[],
                date: None,
            },
            &Flags {
                year: Some("2024-2025".into()),
                period: None,
                term_default: false,
            },
            &years(),
        )
        .unwrap();
        assert_eq!((p.period, p.period_from), (Period::Hk2, Source::Name));
    }

    #[test]
    fn folders_give_what_the_name_lacks_nearest_first() {
        let folders = [
            "HK2".to_string(),
            "Năm học 2024-2025".to_string(),
            "HK1".to_string(),
        ];
        let p = classify(
            &Subject {
                name: "Báo cáo thống kê.xlsx",
                folders: &folders,
                date: None,
            },
            &Flags::default(),
            &years(),
        )
        .unwrap();
        assert_eq!((p.year.as_str(), p.period), ("2024-2025", Period::Hk2));
        assert_eq!(
            (p.year_from, p.period_from),
            (Source::Folder, Source::Folder)
        );
    }

    #[test]
    fn year_names() {
        assert!(is_year_name("2024-2025"));
        assert!(!is_year_name("2024-2026"));
        assert!(!is_year_name("2024/2025"));
        assert!(!is_year_name("24-25"));
    }
}
