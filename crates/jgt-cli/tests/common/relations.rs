//! Every relation of a DuckDB file as text, in the format
//! `bench/dbt_reference/dump.py` writes for what real dbt built, so the
//! two compare line by line:
//!
//! ```text
//! relation <schema>.<name> <table|view>
//! column <name> <type>            (one line each, in column order)
//! row <v1> | <v2> | ...           (one line each, rows sorted as text)
//! (blank line)
//! ```
//!
//! Values are DuckDB's own `::varchar` text, `<null>` for null; a
//! backslash, line break, tab or pipe inside a value is written `\\`,
//! `\n`, `\t`, `\|`.

use std::path::Path;

use duckdb::{AccessMode, Config, Connection};

/// The text of every relation in the database file at `db`, schema then
/// name order.
pub fn dump(db: &Path) -> String {
    let config = Config::default().access_mode(AccessMode::ReadOnly).unwrap();
    let conn = Connection::open_with_flags(db, config)
        .unwrap_or_else(|e| panic!("{} opens: {e}", db.display()));
    let relations = strings(
        &conn,
        "select table_schema, table_name, table_type from information_schema.tables \
         where table_catalog = current_database() order by table_schema, table_name",
        &[],
    );
    let mut out = Vec::new();
    for relation in relations {
        let [schema, name, kind] = [0, 1, 2].map(|i| relation[i].clone().unwrap_or_default());
        let kind = if kind == "VIEW" { "view" } else { "table" };
        out.push(format!("relation {schema}.{name} {kind}"));
        let columns = strings(
            &conn,
            "select column_name, data_type from information_schema.columns \
             where table_catalog = current_database() and table_schema = ? and table_name = ? \
             order by ordinal_position",
            &[&schema, &name],
        );
        for column in columns {
            let [name, data_type] = [0, 1].map(|i| column[i].clone().unwrap_or_default());
            out.push(format!("column {name} {data_type}"));
        }
        let sql = format!(
            "select columns(*)::varchar from {}.{}",
            quote(&schema),
            quote(&name)
        );
        let mut rows: Vec<String> = strings(&conn, &sql, &[])
            .iter()
            .map(|row| row.iter().map(escape).collect::<Vec<_>>().join(" | "))
            .collect();
        rows.sort();
        out.extend(rows.into_iter().map(|row| format!("row {row}")));
        out.push(String::new());
    }
    out.join("\n")
}

/// Every row of a query, every value as text.
fn strings(conn: &Connection, sql: &str, params: &[&String]) -> Vec<Vec<Option<String>>> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut rows = stmt
        .query(duckdb::params_from_iter(params))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let width = rows.as_ref().map_or(0, |stmt| stmt.column_count());
    let mut out = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        out.push(
            (0..width)
                .map(|i| row.get::<_, Option<String>>(i).unwrap())
                .collect(),
        );
    }
    out
}

fn escape(value: &Option<String>) -> String {
    match value {
        None => "<null>".into(),
        Some(text) => text
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\t', "\\t")
            .replace('|', "\\|"),
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Panics with a line diff (`-` dbt's line, `+` jgt's) when the dumps
/// differ.
pub fn assert_same(expected: &str, actual: &str, what: &str) {
    if expected == actual {
        return;
    }
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    panic!(
        "{what}: jgt's relations differ from dbt's (- dbt, + jgt):\n{}",
        diff(&expected, &actual)
    );
}

/// The lines of a longest-common-subsequence diff that differ, each with
/// the relation it belongs to for context.
fn diff(old: &[&str], new: &[&str]) -> String {
    // common[i][j]: length of the LCS of old[i..] and new[j..].
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    let mut relation = "";
    let mut shown = "";
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            if old[i].starts_with("relation ") {
                relation = old[i];
            }
            i += 1;
            j += 1;
        } else if j < new.len() && (i == old.len() || common[i][j + 1] >= common[i + 1][j]) {
            push_line(&mut out, &mut shown, relation, format!("+ {}", new[j]));
            j += 1;
        } else {
            push_line(&mut out, &mut shown, relation, format!("- {}", old[i]));
            i += 1;
        }
    }
    out.join("\n")
}

/// Adds a diff line, after the name of its relation when that changed.
fn push_line<'a>(out: &mut Vec<String>, shown: &mut &'a str, relation: &'a str, line: String) {
    if *shown != relation {
        out.push(format!("  {relation}"));
        *shown = relation;
    }
    out.push(line);
}
