//! The deletion guard: a backup that sees the data vanish keeps the last good copy and says so.
//!
//! Art. 6 of the regulation says identifiers are never deleted, and Art. 12
//! asks for copies to fall back on. A careless bulk edit, a faulty import or
//! someone with the application's password can delete most of the equipment
//! table between two nightly backups; the backup would store the damage as the
//! newest snapshot and retention would rotate the good copies away. At backup
//! the guard compares the new snapshot with the previous trusted one of the
//! same vault — rows per table and the schema hash (both in the signed
//! metadata), the identifiers gone since then (from the ledger) — and judges
//! it against `[guard]` ([`Rules`]).
//!
//! This room only judges: the backup (`ops/backup.rs`) stores the snapshot
//! anyway (it is evidence), marks it suspect in its signed metadata, holds the
//! previous one, and fails loudly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What trips the guard (`[guard]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// The guard runs at all.
    pub enabled: bool,
    /// A table losing more than this share of its rows (percent)…
    pub max_row_loss_percent: f64,
    /// …and more than this many rows (a table of 12 rows losing 1 is no
    /// mass deletion; 8 % of it would be).
    pub min_rows_lost: u64,
    /// More identifiers gone since the previous snapshot than this.
    pub max_identifiers_gone: u64,
    /// A changed schema (an application upgrade is announced with
    /// `--expect-drop`; anything else is worth a look).
    pub schema_change: bool,
}

impl Default for Rules {
    /// An office's defaults: a day's or a term's ordinary work (new items,
    /// uses, status changes, a few corrections) removes no rows of the
    /// reference schema and no identifiers, so 5 % of a table (at least 20
    /// rows), 200 identifiers, any table dropped or the schema changed is
    /// news.
    fn default() -> Self {
        Rules {
            enabled: true,
            max_row_loss_percent: 5.0,
            min_rows_lost: 20,
            max_identifiers_gone: 200,
            schema_change: true,
        }
    }
}

/// A table that lost rows past the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableLoss {
    /// The table.
    pub table: String,
    /// Rows in the previous snapshot.
    pub before: u64,
    /// Rows now.
    pub after: u64,
}

impl TableLoss {
    /// The share lost, in percent.
    pub fn percent(&self) -> f64 {
        if self.before == 0 {
            0.0
        } else {
            (self.before - self.after) as f64 * 100.0 / self.before as f64
        }
    }
}

/// Why a snapshot is suspect: what the guard saw against the previous one.
/// Signed in the snapshot's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suspicion {
    /// The previous trusted snapshot it was compared with (held).
    pub previous: String,
    /// Tables that lost rows past the rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableLoss>,
    /// Tables that are gone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped_tables: Vec<String>,
    /// Identifiers (schools, staff, equipment) gone since the previous snapshot.
    #[serde(default)]
    pub identifiers_gone: u64,
    /// The schema changed.
    #[serde(default)]
    pub schema_changed: bool,
}

/// What the guard compares: one snapshot's facts.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// Rows per table.
    pub row_counts: &'a BTreeMap<String, u64>,
    /// The schema hash, when known (metadata made before it was recorded has none).
    pub schema_sha256: Option<&'a str>,
}

/// Judges the new snapshot against the previous one: `None` when nothing
/// trips a rule (or the guard is off).
pub fn judge(
    rules: &Rules,
    previous_id: &str,
    before: Side<'_>,
    after: Side<'_>,
    identifiers_gone: u64,
) -> Option<Suspicion> {
    if !rules.enabled {
        return None;
    }
    let mut s = Suspicion {
        previous: previous_id.to_string(),
        tables: Vec::new(),
        dropped_tables: Vec::new(),
        identifiers_gone: 0,
        schema_changed: false,
    };
    for (table, &was) in before.row_counts {
        match after.row_counts.get(table) {
            None => s.dropped_tables.push(table.clone()),
            Some(&now) if now < was => {
                let loss = TableLoss {
                    table: table.clone(),
                    before: was,
                    after: now,
                };
                if was - now >= rules.min_rows_lost && loss.percent() > rules.max_row_loss_percent {
                    s.tables.push(loss);
                }
            }
            Some(_) => {}
        }
    }
    if identifiers_gone > rules.max_identifiers_gone {
        s.identifiers_gone = identifiers_gone;
    }
    if rules.schema_change
        && let (Some(a), Some(b)) = (before.schema_sha256, after.schema_sha256)
    {
        s.schema_changed = a != b;
    }
    let tripped = !s.tables.is_empty()
        || !s.dropped_tables.is_empty()
        || s.identifiers_gone > 0
        || s.schema_changed;
    tripped.then_some(s)
}

/// The figures of a suspicion in one short, language-neutral line
/// (`equipment 10000 → 4000 (−60 %); identifiers −6000`).
pub fn figures(s: &Suspicion) -> String {
    let mut out: Vec<String> = s
        .tables
        .iter()
        .map(|t| {
            format!(
                "{} {} → {} (−{:.0} %)",
                t.table,
                t.before,
                t.after,
                t.percent()
            )
        })
        .collect();
    if !s.dropped_tables.is_empty() {
        out.push(format!("− {}", s.dropped_tables.join(", ")));
    }
    if s.identifiers_gone > 0 {
        out.push(format!("identifiers −{}", s.identifiers_gone));
    }
    if s.schema_changed {
        out.push("schema ≠".into());
    }
    out.join("; ")
}

/// What a suspicion found, one item per table or rule, in Vietnamese
/// (`vi`) or English, with counts written by `int` (the reader's
/// convention: `10.000` in Vietnamese).
pub fn describe(s: &Suspicion, vi: bool, int: impl Fn(u64) -> String) -> Vec<String> {
    let mut out = Vec::new();
    for t in &s.tables {
        let (before, after, pct) = (int(t.before), int(t.after), t.percent());
        out.push(if vi {
            format!("bảng {} {before} → {after} dòng (−{pct:.0} %)", t.table)
        } else {
            format!("table {} {before} → {after} rows (−{pct:.0} %)", t.table)
        });
    }
    if !s.dropped_tables.is_empty() {
        let tables = s.dropped_tables.join(", ");
        out.push(if vi {
            format!("bảng bị xoá: {tables}")
        } else {
            format!("tables dropped: {tables}")
        });
    }
    if s.identifiers_gone > 0 {
        let n = int(s.identifiers_gone);
        out.push(if vi {
            format!("{n} mã định danh biến mất")
        } else {
            format!("{n} identifiers gone")
        });
    }
    if s.schema_changed {
        out.push(if vi {
            "cấu trúc cơ sở dữ liệu thay đổi".into()
        } else {
            "the schema changed".into()
        });
    }
    out
}

/// The reason of the hold put on the previous snapshot: the figures, in
/// Vietnamese then English (it is read in `prune --dry-run`, the report and
/// by whoever looks at the store).
pub fn hold_reason(s: &Suspicion, new_id: &str) -> String {
    let plain = |n: u64| n.to_string();
    format!(
        "dữ liệu giảm bất thường ở bản sao lưu {new_id}: {}; giữ bản này làm bản tốt gần nhất / abnormal drop in snapshot {new_id}: {}; kept as the last good copy",
        describe(s, true, plain).join("; "),
        describe(s, false, plain).join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    fn side(c: &BTreeMap<String, u64>) -> Side<'_> {
        Side {
            row_counts: c,
            schema_sha256: Some("s"),
        }
    }

    #[test]
    fn sixty_percent_of_the_equipment_gone_trips_it_and_names_the_table() {
        let a = counts(&[("equipment", 10_000), ("schools", 30)]);
        let b = counts(&[("equipment", 4_000), ("schools", 30)]);
        let s = judge(&Rules::default(), "prev", side(&a), side(&b), 6_000).unwrap();
        assert_eq!(s.tables.len(), 1);
        assert_eq!(s.tables[0].table, "equipment");
        assert!((s.tables[0].percent() - 60.0).abs() < 1e-9);
        assert_eq!(s.identifiers_gone, 6_000);
    }

    #[test]
    fn ordinary_work_and_small_tables_do_not_trip_it() {
        // New rows, a few corrections, one of twelve rows gone.
        let a = counts(&[
            ("equipment", 10_000),
            ("staff", 12),
            ("equipment_usage", 500),
        ]);
        let b = counts(&[
            ("equipment", 10_150),
            ("staff", 11),
            ("equipment_usage", 480),
        ]);
        assert_eq!(judge(&Rules::default(), "p", side(&a), side(&b), 3), None);
        // Off: nothing is judged.
        let off = Rules {
            enabled: false,
            ..Rules::default()
        };
        let c = counts(&[]);
        assert_eq!(judge(&off, "p", side(&a), side(&c), 10_000), None);
    }

    #[test]
    fn a_dropped_table_and_a_changed_schema_trip_it() {
        let a = counts(&[("equipment", 10), ("notes", 1)]);
        let b = counts(&[("equipment", 10)]);
        let s = judge(&Rules::default(), "p", side(&a), side(&b), 0).unwrap();
        assert_eq!(s.dropped_tables, vec!["notes".to_string()]);
        let other = Side {
            row_counts: &a,
            schema_sha256: Some("t"),
        };
        let s = judge(&Rules::default(), "p", side(&a), other, 0).unwrap();
        assert!(s.schema_changed);
        // Unknown on one side: not judged.
        let unknown = Side {
            row_counts: &a,
            schema_sha256: None,
        };
        assert_eq!(judge(&Rules::default(), "p", side(&a), unknown, 0), None);
    }
}
