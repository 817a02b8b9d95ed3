//! `eqvault mapping check`: a mapping held to the reference schema, naming view, column and an example row.
//!
//! What is checked, per reference table: the view (or table) is there and
//! has every reference column; the columns the schema declares NOT NULL
//! hold no NULL; coded columns hold only the codes of the schema's CHECK
//! constraints (whole view); date and time columns are in the reference's
//! forms (the first [`SAMPLE`] non-NULL values of each); each table's key
//! is unique and never NULL (whole view).

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::Serialize;

use super::quote;
use super::reference::{self, DATES, Form, VALUE_SETS};

/// Values of each date or time column read to check their form.
pub const SAMPLE: i64 = 10_000;
/// Examples kept per problem.
const EXAMPLES: i64 = 3;

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// No view or table of that name.
    MissingTable,
    /// The view lacks a reference column.
    MissingColumn,
    /// NULL in a column the schema declares NOT NULL.
    Null,
    /// A code outside the schema's CHECK list.
    UnknownCode,
    /// A date or time not in the reference's form.
    BadDate,
    /// A key that two rows share.
    DuplicateIdentifier,
    /// No school at all: nothing would be checked (a template not filled in yet).
    NoRows,
}

/// One problem, with an example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The view (reference table).
    pub view: String,
    /// The column, when one is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub problem: Problem,
    /// Rows concerned (in the sample, for dates), when counted.
    pub rows: Option<u64>,
    /// The key of an example row (`school_id=79A`), when there is one.
    pub example_row: Option<String>,
    /// The value at fault in that row.
    pub example_value: Option<String>,
    /// In English, for a person.
    pub detail: String,
}

/// What `conn` lacks of the reference table `t` (the table itself, or some
/// columns), and the columns it has (`None`: there is no such table or view).
fn shape_of(
    conn: &Connection,
    t: &reference::Table,
) -> rusqlite::Result<(Vec<Issue>, Option<Vec<String>>)> {
    if !super::has_relation(conn, &t.name)? {
        let issue = Issue {
            view: t.name.clone(),
            column: None,
            problem: Problem::MissingTable,
            rows: None,
            example_row: None,
            example_value: None,
            detail: format!(
                "no view {} in the mapping (nor a table of that name): write CREATE VIEW {} AS SELECT {} FROM …",
                t.name,
                t.name,
                t.columns
                    .iter()
                    .map(|c| format!("… AS {}", c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return Ok((vec![issue], None));
    }
    let have: Vec<String> = {
        let s = conn.prepare(&format!("SELECT * FROM {} LIMIT 0", quote(&t.name)))?;
        s.column_names().iter().map(|c| c.to_string()).collect()
    };
    let issues = t
        .columns
        .iter()
        .filter(|c| !have.iter().any(|h| h.eq_ignore_ascii_case(&c.name)))
        .map(|c| Issue {
            view: t.name.clone(),
            column: Some(c.name.clone()),
            problem: Problem::MissingColumn,
            rows: None,
            example_row: None,
            example_value: None,
            detail: format!(
                "the view {} has no column {} ({}{}): add `… AS {}` to its SELECT",
                t.name,
                c.name,
                c.decl,
                if c.not_null { ", NOT NULL" } else { "" },
                c.name
            ),
        })
        .collect();
    Ok((issues, Some(have)))
}

/// The reference tables (views) and columns `conn` lacks: the quick test
/// `doctor` and `init` make on day one, before any rule reads a row.
///
/// # Errors
/// SQLite errors while reading the schema.
pub fn missing(conn: &Connection) -> rusqlite::Result<Vec<Issue>> {
    let mut out = Vec::new();
    for t in reference::tables() {
        out.extend(shape_of(conn, &t)?.0);
    }
    Ok(out)
}

/// A reference view that could not be read: its name and SQLite's error.
#[derive(Debug, thiserror::Error)]
#[error("reading the view {view} failed: {source}")]
pub struct Unreadable {
    /// The view (reference table) being read.
    pub view: String,
    /// SQLite's error.
    pub source: rusqlite::Error,
}

/// Holds every view of `conn` (a connection with the mapping applied) to the reference schema.
///
/// # Errors
/// [`Unreadable`], naming the view, when SQLite fails while reading through it
/// (a mapping's time limit, too: [`super::Mapping::timed_out`]).
pub fn check(conn: &Connection) -> Result<Vec<Issue>, Unreadable> {
    let mut out = Vec::new();
    for t in reference::tables() {
        check_view(conn, &t, &mut out).map_err(|source| Unreadable {
            view: t.name.clone(),
            source,
        })?;
    }
    Ok(out)
}

/// The issues of the reference view `t`, added to `out`.
fn check_view(
    conn: &Connection,
    t: &reference::Table,
    out: &mut Vec<Issue>,
) -> rusqlite::Result<()> {
    let (issues, have) = shape_of(conn, t)?;
    out.extend(issues);
    let Some(have) = have else {
        return Ok(());
    };
    let has = |c: &str| have.iter().any(|h| h.eq_ignore_ascii_case(c));
    let key: Vec<&str> = reference::key_of(&t.name).to_vec();
    let key_ok = key.iter().all(|k| has(k));
    let key_expr = if key_ok {
        key.iter()
            .map(|k| format!("'{k}=' || coalesce({}, 'NULL')", quote(k)))
            .collect::<Vec<_>>()
            .join(" || ', ' || ")
    } else {
        "NULL".to_string()
    };
    let view = quote(&t.name);
    let any: bool = conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {view})"), [], |r| {
        r.get(0)
    })?;
    if !any && t.name == "schools" {
        out.push(Issue {
            view: t.name.clone(),
            column: None,
            problem: Problem::NoRows,
            rows: Some(0),
            example_row: None,
            example_value: None,
            detail: "the view schools has no rows, so nothing would be checked: give it the FROM of your schools table".into(),
        });
    }
    for c in t.columns.iter().filter(|c| c.not_null && has(&c.name)) {
        let col = quote(&c.name);
        let (n, ex): (i64, Option<String>) = conn.query_row(
            &format!("SELECT count(*), min({key_expr}) FROM {view} WHERE {col} IS NULL"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if n > 0 {
            out.push(Issue {
                view: t.name.clone(),
                column: Some(c.name.clone()),
                problem: Problem::Null,
                rows: Some(n as u64),
                example_row: ex,
                example_value: None,
                detail: format!(
                    "{n} row(s) of {} have {} NULL; the reference schema declares it NOT NULL",
                    t.name, c.name
                ),
            });
        }
    }
    for (_, column, values) in VALUE_SETS.iter().filter(|(v, c, _)| *v == t.name && has(c)) {
        let col = quote(column);
        let list = values
            .iter()
            .map(|v| format!("'{v}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut s = conn.prepare(&format!(
            "SELECT {col}, count(*), min({key_expr}) FROM {view} \
             WHERE {col} IS NOT NULL AND {col} NOT IN ({list}) GROUP BY {col} ORDER BY count(*) DESC LIMIT {EXAMPLES}"
        ))?;
        let mut rows = s.query([])?;
        while let Some(r) = rows.next()? {
            let value = text(r.get_ref(0)?);
            let n: i64 = r.get(1)?;
            out.push(Issue {
                view: t.name.clone(),
                column: Some(column.to_string()),
                problem: Problem::UnknownCode,
                rows: Some(n as u64),
                example_row: r.get(2)?,
                example_value: Some(value.clone()),
                detail: format!(
                    "{n} row(s) of {} have {column} = {value:?}, which is not a code of the reference schema ({}): map it with CASE … WHEN … THEN one of them",
                    t.name,
                    values.join(", ")
                ),
            });
        }
    }
    for (_, column, form) in DATES.iter().filter(|(v, c, _)| *v == t.name && has(c)) {
        let col = quote(column);
        let mut s = conn.prepare(&format!(
            "SELECT {col}, {key_expr} FROM {view} WHERE {col} IS NOT NULL LIMIT {SAMPLE}"
        ))?;
        let mut rows = s.query([])?;
        let (mut bad, mut seen) = (0u64, 0u64);
        let mut example: Option<(String, Option<String>)> = None;
        while let Some(r) = rows.next()? {
            seen += 1;
            let v = text(r.get_ref(0)?);
            if !reads_as(&v, *form) {
                bad += 1;
                if example.is_none() {
                    example = Some((v, r.get(1)?));
                }
            }
        }
        if let Some((value, row)) = example {
            out.push(Issue {
                view: t.name.clone(),
                column: Some(column.to_string()),
                problem: Problem::BadDate,
                rows: Some(bad),
                example_row: row,
                example_value: Some(value.clone()),
                detail: format!(
                    "{bad} of the first {seen} values of {}.{column} are not {}, e.g. {value:?}: convert it in the view (for dd/mm/yyyy: substr(x, 7, 4) || '-' || substr(x, 4, 2) || '-' || substr(x, 1, 2))",
                    t.name,
                    match form {
                        Form::Date => "dates YYYY-MM-DD",
                        Form::Timestamp => "timestamps YYYY-MM-DDTHH:MM:SS+07:00",
                        Form::Month => "months YYYY-MM",
                    }
                ),
            });
        }
    }
    if key_ok {
        let cols = key.iter().map(|k| quote(k)).collect::<Vec<_>>().join(", ");
        let (n, ex): (i64, Option<String>) = conn.query_row(
            &format!(
                "SELECT count(*), min(k) FROM (SELECT {key_expr} AS k FROM {view} GROUP BY {cols} HAVING count(*) > 1)"
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if n > 0 {
            out.push(Issue {
                view: t.name.clone(),
                column: Some(key.join(", ")),
                problem: Problem::DuplicateIdentifier,
                rows: Some(n as u64),
                example_row: ex,
                example_value: None,
                detail: format!(
                    "{n} value(s) of {} ({}) are shared by several rows: an identifier names one row (Art. 6); check the join or the source table",
                    t.name,
                    key.join(", ")
                ),
            });
        }
    }
    Ok(())
}

fn text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => x.to_string(),
    }
}

/// Whether `v` is in `form` as the rules read it.
fn reads_as(v: &str, form: Form) -> bool {
    let iso_day = |s: &str| {
        s.len() >= 10
            && chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(""), "%Y-%m-%d").is_ok()
    };
    match form {
        Form::Date => iso_day(v) && crate::calendar::local_date(v).is_ok(),
        Form::Timestamp => iso_day(v) && crate::calendar::local_day(v).is_ok(),
        Form::Month => v.parse::<crate::calendar::Month>().is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert!(reads_as("2025-02-14", Form::Date));
        assert!(!reads_as("14/02/2025", Form::Date));
        assert!(reads_as("2025-02-14T08:00:00+07:00", Form::Timestamp));
        assert!(!reads_as("14/02/2025 08:00:00", Form::Timestamp));
        assert!(reads_as("2025-02", Form::Month));
        assert!(!reads_as("02/2025", Form::Month));
    }

    #[test]
    fn the_reference_schema_itself_is_clean() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(reference::SQL).unwrap();
        let empty = check(&c).unwrap();
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].problem, Problem::NoRows);
        c.execute_batch("INSERT INTO schools VALUES ('79A', 'A', 'thcs', 'cong_lap', 'active', NULL, '2024-09-01T08:00:00+07:00')")
            .unwrap();
        assert_eq!(check(&c).unwrap(), vec![]);
    }
}
