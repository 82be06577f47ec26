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
//! `\n`, `\t`, `\|`. Values of volatile columns (ones that depend on the
//! clock, named `schema.relation.column`) are written `<volatile>` when not
//! null.
//!
//! Files a build wrote dump the same way, `file <path>` in place of the
//! `relation` line.

use std::collections::HashSet;
use std::path::Path;

use duckdb::{AccessMode, Config, Connection};

/// What a non-null value of a volatile column is written as.
const VOLATILE: &str = "<volatile>";

/// The text of every relation in the database file at `db`, schema then
/// name order.
pub fn dump(db: &Path) -> String {
    dump_masked(db, None, &HashSet::new())
}

/// [`dump`], with relative file paths in views (dbt-duckdb's external
/// models are views over files) read from `root` when given, and the
/// non-null values of the `volatile` columns (`schema.relation.column`)
/// written `<volatile>`.
pub fn dump_masked(db: &Path, root: Option<&Path>, volatile: &HashSet<String>) -> String {
    let config = Config::default().access_mode(AccessMode::ReadOnly).unwrap();
    let conn = Connection::open_with_flags(db, config)
        .unwrap_or_else(|e| panic!("{} opens: {e}", db.display()));
    if let Some(root) = root {
        let root = root.to_string_lossy().replace('\'', "''");
        conn.execute_batch(&format!("set file_search_path = '{root}'"))
            .expect("file_search_path is set");
    }
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
        let columns = pairs(&strings(
            &conn,
            "select column_name, data_type from information_schema.columns \
             where table_catalog = current_database() and table_schema = ? and table_name = ? \
             order by ordinal_position",
            &[&schema, &name],
        ));
        let masked: HashSet<usize> = columns
            .iter()
            .enumerate()
            .filter(|(_, (column, _))| volatile.contains(&format!("{schema}.{name}.{column}")))
            .map(|(i, _)| i)
            .collect();
        let source = format!("{}.{}", quote(&schema), quote(&name));
        out.extend(table(&conn, &columns, &source, &masked));
        out.push(String::new());
    }
    out.join("\n")
}

/// The files at `paths` (relative to `project`, in the order given) as
/// text: `read_parquet` for `.parquet` files, `read_csv` for others.
pub fn dump_files(project: &Path, paths: &[String]) -> String {
    let conn = Connection::open_in_memory().expect("an in-memory database");
    let mut out = Vec::new();
    for relative in paths {
        let path = project.join(relative);
        assert!(path.is_file(), "jgt wrote no {}", path.display());
        let reader = if relative.ends_with(".parquet") {
            "read_parquet"
        } else {
            "read_csv"
        };
        let path = path.to_string_lossy().replace('\'', "''");
        let source = format!("{reader}('{path}')");
        let described = strings(&conn, &format!("describe select * from {source}"), &[]);
        let columns = pairs(&described);
        out.push(format!("file {relative}"));
        out.extend(table(&conn, &columns, &source, &HashSet::new()));
        out.push(String::new());
    }
    out.join("\n")
}

/// The `column` lines for `columns` (name, type), then the sorted `row`
/// lines of `source` (a relation or a table function call), the values of
/// the columns at the `masked` indexes volatile.
fn table(
    conn: &Connection,
    columns: &[(String, String)],
    source: &str,
    masked: &HashSet<usize>,
) -> Vec<String> {
    let mut out: Vec<String> = columns
        .iter()
        .map(|(name, data_type)| format!("column {name} {data_type}"))
        .collect();
    let sql = format!("select columns(*)::varchar from {source}");
    let mut rows: Vec<String> = strings(conn, &sql, &[])
        .into_iter()
        .map(|row| {
            row.into_iter()
                .enumerate()
                .map(|(i, value)| escape(&mask(value, masked.contains(&i))))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    rows.sort();
    out.extend(rows.into_iter().map(|row| format!("row {row}")));
    out
}

/// A value of a volatile column as written: `<volatile>` unless null.
fn mask(value: Option<String>, volatile: bool) -> Option<String> {
    match value {
        Some(_) if volatile => Some(VOLATILE.into()),
        value => value,
    }
}

/// The first two values of each row, as (name, type) pairs.
fn pairs(rows: &[Vec<Option<String>>]) -> Vec<(String, String)> {
    rows.iter()
        .map(|row| {
            let [a, b] = [0, 1].map(|i| row[i].clone().unwrap_or_default());
            (a, b)
        })
        .collect()
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

/// A value as the dump writes it (see the module's documentation).
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

/// A name as a DuckDB quoted identifier.
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
