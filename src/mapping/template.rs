//! `eqvault mapping init`: a commented mapping template from a database's own tables and columns.
//!
//! One `CREATE VIEW` per reference table with every reference column listed
//! (`NULL AS column` where nothing matches; the same-named column where the
//! database has one), and the database's own tables and columns in comments
//! for the office to pick from. The template is valid SQL: `eqvault mapping
//! check` runs on it at once and lists what is left to fill in.

use std::fmt::Write as _;

use rusqlite::Connection;

use super::quote;
use super::reference::{self, DATES, Form, VALUE_SETS};

/// A table of the office's database and its columns (name, declared type).
type Own = (String, Vec<(String, String)>);

/// The tables and columns of the database (main schema, user tables and views).
///
/// # Errors
/// SQLite errors.
pub fn own_tables(conn: &Connection) -> rusqlite::Result<Vec<Own>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM main.sqlite_schema WHERE type IN ('table', 'view') \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    names
        .into_iter()
        .map(|n| {
            let cols = conn
                .prepare("SELECT name, type FROM pragma_table_info(?1, 'main') ORDER BY cid")?
                .query_map([&n], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            Ok((n, cols))
        })
        .collect()
}

/// The template for a database with `own` tables (`source` names it in the header).
pub fn render(source: &str, own: &[Own]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "-- eqvault mapping for {source}\n\
         --\n\
         -- Ánh xạ cơ sở dữ liệu của đơn vị sang lược đồ chuẩn (schema/equipment.sql).\n\
         -- The office's database read as the reference schema: one CREATE VIEW per\n\
         -- reference table, every reference column given by `expression AS column`.\n\
         -- Replace each NULL with the column (or CASE / substr expression) of your\n\
         -- table, and `WHERE 0` with `FROM your_table`. Codes are mapped with CASE;\n\
         -- dates must read YYYY-MM-DD, timestamps YYYY-MM-DDTHH:MM:SS+07:00, months\n\
         -- YYYY-MM (dd/mm/yyyy: substr(x, 7, 4) || '-' || substr(x, 4, 2) || '-' || substr(x, 1, 2)).\n\
         -- Only CREATE VIEW is allowed; eqvault makes every view TEMP on a read-only\n\
         -- connection and never writes the database.\n\
         -- Then: eqvault mapping check --mapping THIS_FILE --db DATABASE\n\
         --\n\
         -- The database's own tables and columns:"
    );
    for (t, cols) in own {
        let list: Vec<String> = cols
            .iter()
            .map(|(c, ty)| {
                if ty.is_empty() {
                    c.clone()
                } else {
                    format!("{c} {ty}")
                }
            })
            .collect();
        let _ = writeln!(s, "--   {t}: {}", list.join(", "));
    }
    for t in reference::tables() {
        let same = own.iter().find(|(n, _)| n.eq_ignore_ascii_case(&t.name));
        let _ = writeln!(s, "\nCREATE VIEW {} AS SELECT", t.name);
        let n = t.columns.len();
        for (i, c) in t.columns.iter().enumerate() {
            let expr = same
                .and_then(|(_, cols)| cols.iter().find(|(oc, _)| oc.eq_ignore_ascii_case(&c.name)))
                .map_or_else(|| "NULL".to_string(), |(oc, _)| quote(oc));
            let mut note = vec![c.decl.clone()];
            if c.not_null {
                note.push("NOT NULL".into());
            }
            if reference::key_of(&t.name).contains(&c.name.as_str()) {
                note.push("key: unique".into());
            }
            if let Some((_, _, vs)) = VALUE_SETS
                .iter()
                .find(|(v, cc, _)| *v == t.name && *cc == c.name)
            {
                note.push(format!("one of {}", vs.join(" | ")));
            }
            if let Some((_, _, f)) = DATES
                .iter()
                .find(|(v, cc, _)| *v == t.name && *cc == c.name)
            {
                note.push(
                    match f {
                        Form::Date => "YYYY-MM-DD",
                        Form::Timestamp => "YYYY-MM-DDTHH:MM:SS+07:00",
                        Form::Month => "YYYY-MM",
                    }
                    .into(),
                );
            }
            let comma = if i + 1 < n { "," } else { "" };
            let _ = writeln!(
                s,
                "    {:<34}-- {}",
                format!("{expr} AS {}{comma}", c.name),
                note.join(", ")
            );
        }
        match same {
            Some((n, _)) => {
                let _ = writeln!(s, "FROM main.{};", quote(n));
            }
            None => {
                let _ = writeln!(s, "WHERE 0;  -- FROM your_table");
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_valid_sql_listing_the_own_tables() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE dm_truong (ma_truong TEXT, ten TEXT); CREATE TABLE staff (staff_id TEXT, ho_ten TEXT);")
            .unwrap();
        let text = render("x.db", &own_tables(&c).unwrap());
        assert!(
            text.contains("--   dm_truong: ma_truong TEXT, ten TEXT"),
            "{text}"
        );
        assert!(text.contains("\"staff_id\" AS staff_id,"), "{text}");
        let m = super::super::Mapping::parse(std::path::Path::new("t.sql"), &text).unwrap();
        assert_eq!(m.views().len(), 6);
        m.apply(&c, std::path::Path::new("x.db")).unwrap();
        // Not filled in yet: no school to check.
        let issues = super::super::validate::check(&c).unwrap();
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].problem, super::super::validate::Problem::NoRows);
    }
}
