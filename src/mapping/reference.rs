//! The reference schema as data: its tables and columns, read from `schema/equipment.sql`
//! itself, and what a mapping must give each column (value sets, date forms, identifiers).

use rusqlite::Connection;

/// The reference schema, as shipped (the contract; never changed here).
pub const SQL: &str = include_str!("../../schema/equipment.sql");

/// A column of a reference table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its declared type (`TEXT`, `INTEGER`).
    pub decl: String,
    /// `NOT NULL` (or part of the primary key).
    pub not_null: bool,
}

/// A reference table and its columns, in schema order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Its columns.
    pub columns: Vec<Column>,
}

/// The tables of the reference schema, read from [`SQL`] in memory.
pub fn tables() -> Vec<Table> {
    let c = Connection::open_in_memory().expect("an in-memory database");
    c.execute_batch(SQL)
        .expect("the shipped reference schema loads");
    let names: Vec<String> = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY rowid")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("its tables");
    names
        .into_iter()
        .map(|name| {
            let columns = c
                .prepare(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid",
                )
                .and_then(|mut s| {
                    s.query_map([&name], |r| {
                        Ok(Column {
                            name: r.get(0)?,
                            decl: r.get(1)?,
                            not_null: r.get::<_, bool>(2)? || r.get::<_, i64>(3)? > 0,
                        })
                    })?
                    .collect()
                })
                .expect("its columns");
            Table { name, columns }
        })
        .collect()
}

/// The codes a column takes: the CHECK constraints of the reference schema
/// (a unit test holds this list to the schema itself).
pub const VALUE_SETS: &[(&str, &str, &[&str])] = &[
    (
        "schools",
        "level",
        &["mam_non", "tieu_hoc", "thcs", "tieu_hoc_thcs"],
    ),
    ("schools", "ownership", &["cong_lap", "tu_thuc"]),
    ("schools", "status", &["active", "inactive"]),
    (
        "staff",
        "position",
        &[
            "principal",
            "vice_principal",
            "teacher",
            "equipment_officer",
            "staff",
        ],
    ),
    (
        "staff",
        "status",
        &["working", "transferred", "suspended", "resigned"],
    ),
    (
        "equipment",
        "condition",
        &["good", "damaged", "awaiting_disposal", "disposed"],
    ),
    (
        "equipment_changes",
        "kind",
        &[
            "acquired",
            "condition_changed",
            "relocated",
            "quantity_changed",
            "disposed",
            "corrected",
        ],
    ),
];

/// How a date or time column is written in the reference schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DDTHH:MM:SS+07:00` (any offset; a bare date is read as that day).
    Timestamp,
    /// `YYYY-MM`.
    Month,
}

/// The date and time columns.
pub const DATES: &[(&str, &str, Form)] = &[
    ("schools", "status_changed_on", Form::Date),
    ("schools", "created_at", Form::Timestamp),
    ("staff", "status_changed_on", Form::Date),
    ("equipment", "created_at", Form::Timestamp),
    ("equipment", "updated_at", Form::Timestamp),
    ("equipment_changes", "occurred_on", Form::Date),
    ("equipment_changes", "recorded_at", Form::Timestamp),
    ("monthly_approvals", "period", Form::Month),
    ("monthly_approvals", "approved_at", Form::Timestamp),
    ("equipment_usage", "used_on", Form::Date),
];

/// Each table's key (what identifies a row, named in examples): unique and never NULL.
pub const KEYS: &[(&str, &[&str])] = &[
    ("schools", &["school_id"]),
    ("staff", &["staff_id"]),
    ("equipment", &["equipment_id"]),
    ("equipment_changes", &["change_id"]),
    ("monthly_approvals", &["school_id", "period"]),
    ("equipment_usage", &["usage_id"]),
];

/// The key columns of `table`.
pub fn key_of(table: &str) -> &'static [&'static str] {
    KEYS.iter()
        .find(|(t, _)| *t == table)
        .map_or(&[], |(_, k)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_sets_are_the_schemas_check_constraints() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(SQL).unwrap();
        c.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let tables = tables();
        let n = std::cell::Cell::new(0);
        for (table, column, values) in VALUE_SETS {
            let t = tables.iter().find(|t| t.name == *table).unwrap();
            assert!(
                t.columns.iter().any(|c| c.name == *column),
                "{table}.{column}"
            );
            // Every listed value passes the CHECK; one more does not.
            let insert = |v: &str| {
                let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                let vals: Vec<String> = t
                    .columns
                    .iter()
                    .map(|c| {
                        if c.name == *column {
                            format!("'{v}'")
                        } else if let Some((_, _, vs)) = VALUE_SETS
                            .iter()
                            .find(|(tt, cc, _)| tt == table && *cc == c.name)
                        {
                            format!("'{}'", vs[0])
                        } else if c.decl == "INTEGER" {
                            n.set(n.get() + 1);
                            n.get().to_string()
                        } else {
                            format!("'{}-{v}'", c.name)
                        }
                    })
                    .collect();
                c.execute(
                    &format!(
                        "INSERT INTO {table} ({}) VALUES ({})",
                        cols.join(","),
                        vals.join(",")
                    ),
                    [],
                )
            };
            for v in *values {
                insert(v).unwrap_or_else(|e| panic!("{table}.{column} = {v}: {e}"));
            }
            assert!(
                insert("not_a_code").is_err(),
                "{table}.{column} takes any value?"
            );
        }
        for (table, column, _) in DATES {
            let t = tables.iter().find(|t| t.name == *table).unwrap();
            assert!(
                t.columns.iter().any(|c| c.name == *column),
                "{table}.{column}"
            );
        }
        for (table, key) in KEYS {
            let t = tables.iter().find(|t| t.name == *table).unwrap();
            for k in *key {
                assert!(t.columns.iter().any(|c| c.name == *k), "{table}.{k}");
            }
        }
        assert_eq!(tables.len(), KEYS.len());
    }
}
